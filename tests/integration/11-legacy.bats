#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 11: the legacy mount path (a classic bind through
# /proc/self/fd before pivot_root, for kernels without open_tree/move_mount),
# forced with --mount-api legacy.

load helpers

@test "legacy mount path, runc createRuntime: as test 1" {
	make_bundle legacy --enable --hook-arg --mount-api --hook-arg legacy
	run_container runc
	assert_lxcfs_container "$CID"
	assert_lxcfs_mounts_readonly "$(container_pid "$CID")"
}

@test "legacy mount path, crun createRuntime: as test 1" {
	require_cmd crun
	make_bundle legacy-crun --enable --hook-arg --mount-api --hook-arg legacy
	run_container crun
	assert_lxcfs_container "$CID"
	assert_lxcfs_mounts_readonly "$(container_pid "$CID")"
}

@test "legacy mount path at poststart (after pivot_root): refused, nothing mounted" {
	make_bundle legacy-poststart --enable --stage poststart --hook-arg --mount-api --hook-arg legacy
	run run_container runc
	echo "$output"
	assert_refused "$status" "$output"
	assert_host_untouched
}
