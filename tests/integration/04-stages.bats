#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 4: the stage the hook is registered at (runc).
# prestart runs before pivot_root like createRuntime; poststart after it (runc
# 1.1 runs it from `runc create`); createContainer inside the container's
# namespaces, where the state's pid is not the host's: refused.

load helpers

@test "runc prestart registration: as createRuntime" {
	make_bundle prestart --enable --stage prestart
	run_container runc
	assert_lxcfs_container "$CID"
}

@test "runc poststart registration: as createRuntime (after pivot_root)" {
	make_bundle poststart --enable --stage poststart
	if [ "${LXCFS_OCI_HOOK_MOUNT_API:-}" = legacy ]; then
		# The legacy mount path has no safe way in after pivot_root: it must
		# refuse (11-legacy.bats tests this explicitly).
		run run_container runc
		echo "$output"
		assert_refused "$status" "$output"
		assert_host_untouched
		return
	fi
	run_container runc
	assert_lxcfs_container "$CID"
}

@test "runc createContainer registration: refused with a clear error, nothing mounted anywhere" {
	make_bundle createcontainer --enable --stage createContainer
	run container_create runc
	echo "$output"
	assert_refused "$status" "$output"
	run container_state "$CID"
	[ "$status" -ne 0 ]
	# Nothing in our namespace nor in PID 1's (the pid runc hands over is 1).
	assert_host_untouched
}
