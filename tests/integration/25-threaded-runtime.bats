#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
# Issue 14: a runtime whose threads are not all in one mount namespace. runc 1.2+
# keeps one thread in the container's namespace while it runs hooks (the mount
# source thread of goCreateMountSources, libcontainer/process_linux.go); when that
# thread is the thread-group leader, /proc/<runc>/ns/mnt names the container's
# namespace. The hook must judge its parent by all of its threads: accept when one
# thread is elsewhere, refuse when every thread shares the container's namespace.
#
# This machine's runc (1.1) never does that, so tests/ns-threads plays the runtime:
# its leader really enters the container's namespace (unshare(CLONE_FS), setns)
# while another thread starts the hook. The container is one that `runc create`
# left waiting (no hook registered), so only the hook run here mounts in it.

load adversarial-helpers

setup() {
	adv_setup || return 1
	require_ns_threads || return 1
}

teardown() {
	adv_teardown
}

# threaded_hook_on PID BUNDLE [--all]: run the hook as the child of ns-threads, on a
# state naming PID, with ns-threads' leader (--all: every thread) in PID's mount
# namespace. A wrapper, exec'ing the hook (same pid, same parent), first records
# what the hook sees of its parent: $BATS_TEST_TMPDIR/parent.{leader,threads,self}.
threaded_hook_on() {
	local pid=$1 b=$2 all=${3:-} w="$BATS_TEST_TMPDIR/ns-recorder" args
	cat >"$w" <<-'EOF'
		#!/bin/sh
		d=$1
		shift
		readlink "/proc/$PPID/ns/mnt" >"$d/parent.leader"
		for t in /proc/"$PPID"/task/*; do readlink "$t/ns/mnt"; done >"$d/parent.threads"
		readlink /proc/self/ns/mnt >"$d/parent.self"
		exec "$@"
	EOF
	chmod 755 "$w"
	adv_state "$pid" "$b" >"$BATS_TEST_TMPDIR/adv-state.json" || return 1
	mapfile -t args < <(hook_args)
	run --separate-stderr timeout -k 5 "$ADV_BOUND" "$NS_THREADS_BIN" $all "$pid" -- \
		"$w" "$BATS_TEST_TMPDIR" "$HOOK_BIN" "${args[@]}" <"$BATS_TEST_TMPDIR/adv-state.json"
	echo "hook exit $status; stderr: ${stderr:0:2048}"
	echo "parent's leader: $(cat "$BATS_TEST_TMPDIR/parent.leader" 2>/dev/null)"
	echo "parent's threads: $(tr '\n' ' ' <"$BATS_TEST_TMPDIR/parent.threads" 2>/dev/null)"
	echo "the hook's own: $(cat "$BATS_TEST_TMPDIR/parent.self" 2>/dev/null)"
	echo "the container's: $(readlink "/proc/$pid/ns/mnt")"
}

@test "hook's parent with its leader in the container's namespace, another thread starting it: accepted" {
	adv_created_container leader
	threaded_hook_on "$ADV_PID" "$BUNDLE"
	# The case is real: the leader in the container's namespace, another thread and the hook not.
	cns=$(readlink "/proc/$ADV_PID/ns/mnt")
	[ "$(cat "$BATS_TEST_TMPDIR/parent.leader")" = "$cns" ]
	grep -vqxF "$cns" "$BATS_TEST_TMPDIR/parent.threads"
	[ "$(cat "$BATS_TEST_TMPDIR/parent.self")" != "$cns" ]
	if [ "${LXCFS_OCI_HOOK_MOUNT_API:-}" = legacy ]; then
		# A created container is past pivot_root: the legacy path refuses there, for that reason.
		adv_refused "pivot_root"
		adv_assert_ns_unchanged "$ADV_PID" leader
		return
	fi
	adv_noop
	assert_from_lxcfs "$ADV_PID" /proc/meminfo
	assert_lxcfs_mounts_readonly "$ADV_PID"
}

@test "every thread of the hook's parent in the container's namespace: refused, nothing mounted" {
	adv_created_container allthreads
	threaded_hook_on "$ADV_PID" "$BUNDLE" --all
	cns=$(readlink "/proc/$ADV_PID/ns/mnt")
	[ "$(sort -u "$BATS_TEST_TMPDIR/parent.threads")" = "$cns" ]
	[ "$(cat "$BATS_TEST_TMPDIR/parent.self")" != "$cns" ]
	adv_refused "process $ADV_PID" "mount namespace of the hook's parent"
	adv_assert_ns_unchanged "$ADV_PID" allthreads
}
