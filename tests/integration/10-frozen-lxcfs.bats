#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 10: lxcfs hangs (SIGSTOP). Every lookup under a
# frozen FUSE mount blocks; the hook's deadline (--timeout 2) must still let the
# container start return, with a warning (--on-missing ignore, the default) or
# an error. The bound below is generous on purpose: it catches a hang, it does
# not time the hook.
#
# While lxcfs is stopped nothing here may touch $LXCFS_DIR; teardown resumes
# lxcfs before cleaning up.

load helpers

BOUND=20

@test "lxcfs frozen: the container start returns within the deadline, with a warning or an error" {
	make_bundle frozen --enable --hook-arg --timeout --hook-arg 2
	lxcfs_signal STOP
	LXH_RUNTIME_TIMEOUT=$BOUND run container_create runc
	lxcfs_signal CONT
	echo "$output"
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] ||
		fail "runc create did not return within $BOUND s (exit $status)"
	if [ "$status" -eq 0 ]; then
		cat "$BUNDLE/hook.log"
		hook_lines warn "$BUNDLE/hook.log"
	else
		assert_refused "$status" "$output"
	fi
	assert_host_untouched
}

@test "lxcfs frozen, --on-missing fail: the container does not start, within the deadline" {
	make_bundle frozen-fail --enable --hook-arg --timeout --hook-arg 2 \
		--hook-arg --on-missing --hook-arg fail
	lxcfs_signal STOP
	LXH_RUNTIME_TIMEOUT=$BOUND run container_create runc
	lxcfs_signal CONT
	echo "$output"
	assert_refused "$status" "$output"
	assert_host_untouched
}
