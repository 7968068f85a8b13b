#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration tests 1 and 12: runc with the hook at createRuntime.

load helpers

@test "runc createRuntime, lxcfsEnable=true: 256 MiB, 1 CPU, fresh uptime, cpu online 0" {
	make_bundle enabled --enable
	run_container runc
	assert_lxcfs_container "$CID"
}

@test "runc createRuntime: every mounted file is read-only inside the container" {
	make_bundle readonly --enable
	run_container runc
	pid=$(container_pid "$CID")
	assert_lxcfs_mounts_readonly "$pid"
	for f in $(container_lxcfs_mounts "$pid"); do
		run container_exec "$CID" sh -c "echo 1 > $f"
		echo "$f: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Read-only file system"* ]]
	done
	# Still lxcfs's view after the attempts.
	assert_lxcfs_view "$CID"
}
