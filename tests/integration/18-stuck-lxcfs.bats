#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 9, item 2: an lxcfs that has read a request and never answers. Its callers wait
# in the kernel uninterruptibly; SIGKILL does not end them. The hook, remount, status
# and invoke must still end by --timeout plus the grace, and the runtimes with them.
#
# tests/fake-lxcfs plays that lxcfs (fake-lxcfs.bash); teardown aborts its FUSE
# connection, which frees every process stuck on it.

load helpers
load fake-lxcfs

@test "fake-lxcfs looks like lxcfs, and holds a reader past SIGKILL until its connection is aborted" {
	local line reader i state
	start_fake_lxcfs --memtotal 4242
	line=$(fake_lxcfs_mountinfo self "$FAKE_LXCFS_DIR")
	echo "$line"
	[[ "$line" == *" - fuse.lxcfs lxcfs "*user_id=0,* ]] || fail "not a fuse.lxcfs mount of source lxcfs: $line"
	grep -qE '^MemTotal: +4242 kB$' "$FAKE_LXCFS_DIR/proc/meminfo" || fail "MemTotal is not 4242 kB"
	[ "$(cat "$FAKE_LXCFS_DIR/sys/devices/system/cpu/online")" = 0 ]
	grep -q '^processor' "$FAKE_LXCFS_DIR/proc/cpuinfo"

	fake_lxcfs_hang lookup
	cat "$FAKE_LXCFS_DIR/proc/uptime" >/dev/null 2>&1 3>&- &
	reader=$!
	for ((i = 0; i < 50; i++)); do
		[ "$(fake_lxcfs_waiting)" -ge 1 ] && break
		sleep 0.1
	done
	[ "$(fake_lxcfs_waiting)" -ge 1 ] || fail "no request is waiting on the held lookup"
	kill -KILL "$reader"
	sleep 0.5
	state=$(awk '{ print $3 }' "/proc/$reader/stat" 2>/dev/null || true)
	echo "reader $reader after SIGKILL: state ${state:-gone}"
	[ "$state" = D ] || fail "the reader did not stay stuck after SIGKILL (state ${state:-gone})"

	stop_fake_lxcfs
	for ((i = 0; i < 50; i++)); do
		lxh_pid_gone "$reader" && break
		sleep 0.1
	done
	lxh_pid_gone "$reader" || fail "the reader is still stuck after the connection was aborted"
	wait "$reader" || true
}
