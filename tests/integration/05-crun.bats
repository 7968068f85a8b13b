#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 5: crun with the hook at createRuntime. crun hands
# the hook a state with status "created" and a "root" relative to the bundle.

load helpers

setup() {
	lxh_setup
	require_cmd crun
}

@test "crun createRuntime, lxcfsEnable=true: 256 MiB, 1 CPU, fresh uptime, cpu online 0" {
	make_bundle enabled --enable
	run_container crun
	assert_lxcfs_container "$CID"
}

@test "crun createRuntime: every mounted file is read-only inside the container" {
	make_bundle readonly --enable
	run_container crun
	pid=$(container_pid "$CID")
	assert_lxcfs_mounts_readonly "$pid"
	run container_exec "$CID" sh -c 'echo 1 > /proc/meminfo'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "crun createRuntime, annotation absent: the container reads the host's values" {
	make_bundle absent
	run_container crun
	assert_plain_container "$CID"
}

@test "crun createRuntime, invalid annotation: the container does not start" {
	make_bundle invalid --annotation io.kubernetes.container.lxcfsEnable=maybe
	run container_create crun
	echo "$output"
	# crun does not print the hook's stderr: the error is in hook.log.
	assert_refused "$status" "$output" 'io\.kubernetes\.container\.lxcfsEnable'
	assert_host_untouched
}
