#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 9, item 4: a layer is stale only when its FUSE connection is dead. An lxcfs
# running in another mount namespace (LXD's own in its snap, a system container
# running lxcfs) is answering, yet its mounts are on a device this host's mount
# table does not list. status must call them foreign (exit 0) and remount must
# leave them alone; once that lxcfs is dead they are stale and repaired as usual;
# one that does not answer in time is unresponsive (exit 1) and not touched.
#
# The second lxcfs runs in a private mount namespace (held by a sleeping process),
# and so does the runtime that starts the container using it, with the hook's
# --lxcfs-root there: the container's mount namespace is a third one.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	lxh_setup
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
	start_second_lxcfs
	make_bundle foreign --enable --lxcfs-root "$LXCFS2_DIR" --hook-arg --on-missing --hook-arg fail
	run_container runc-ns2
	FOREIGN=$CID
	FPID=$(container_pid "$FOREIGN")
	mapfile -t PIDS < <(pid_args "$FPID")
}

teardown() {
	local rc=0
	lxh_teardown || rc=1
	[ -z "${NS_PID:-}" ] || { kill "$NS_PID" 2>/dev/null; wait "$NS_PID" 2>/dev/null; }
	return $rc
}

# runc-ns2: runc in the second lxcfs's namespace.
lxh_runtime_cmd() {
	case $1 in
	runc) LXH_CMD=(runc) ;;
	runc-ns2) LXH_CMD=(nsenter -t "$NS_PID" -m -- runc) ;;
	*) fail "unknown runtime $1"; return 1 ;;
	esac
}

# start_second_lxcfs: a private mount namespace ($NS_PID) with a real lxcfs of its
# own on $LXCFS2_DIR ($LXCFS2_PID), which the host's mount table does not list.
start_second_lxcfs() {
	local i
	unshare -m --propagation private sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	NS_PID=$!
	for ((i = 0; i < 50; i++)); do
		[ "$(readlink "/proc/$NS_PID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] && break
		sleep 0.1
	done
	LXCFS2_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lxh-lxcfs2.XXXXXX")
	nsenter -t "$NS_PID" -m -- lxcfs -f -p "$BATS_TEST_TMPDIR/lxcfs2.pid" "$LXCFS2_DIR" \
		>>"$BATS_TEST_TMPDIR/lxcfs.lxcfs2.log" 2>&1 3>&- &
	LXCFS2_PID=$!
	# lxh_teardown resumes, stops and removes it (its mount goes with its namespace).
	echo "$LXCFS2_PID $LXCFS2_DIR" >>"$BATS_TEST_TMPDIR/lxcfs-instances"
	for ((i = 0; i < 100; i++)); do
		lxcfs_entries "/proc/$NS_PID/mountinfo" | awk -v d="$LXCFS2_DIR" '$3 == d { f = 1 } END { exit !f }' &&
			break
		sleep 0.1
	done
	lxcfs_entries "/proc/$NS_PID/mountinfo" | awk -v d="$LXCFS2_DIR" '$3 == d { f = 1 } END { exit !f }' ||
		{ fail "the second lxcfs did not mount $LXCFS2_DIR"; return 1; }
	if lxh_mounted_at "$LXCFS2_DIR"; then
		fail "the second lxcfs is visible on the host"
	fi
}

# The second lxcfs's device, as its namespace lists it.
lxcfs2_dev() {
	lxcfs_entries "/proc/$NS_PID/mountinfo" | awk -v d="$LXCFS2_DIR" '$3 == d { print $1 }'
}

@test "foreign lxcfs: the container's files come from the second lxcfs, which answers" {
	dev2=$(lxcfs2_dev)
	[ -n "$dev2" ]
	[ "$dev2" != "$(lxcfs_dev)" ]
	n=$(lxcfs_entries "/proc/$FPID/mountinfo" | awk -v d="$dev2" '$1 == d' | wc -l)
	[ "$n" -eq "${#FILES[@]}" ]
	assert_memtotal "$FOREIGN" "$LXH_MEM_LIMIT_KB"
}

@test "foreign lxcfs: status names it foreign and exits 0; remount leaves it alone" {
	run --separate-stderr hook_status --json
	echo "$output" | head -n 40
	echo "$stderr" | grep -v ': debug: ' || true
	assert_status_entry "$FPID" "$FOREIGN" foreign "${FILES[*]}" "" ""
	jq -e --argjson p "$FPID" --arg f "${FILES[*]}" \
		'.namespaces[] | select(.pid == $p) | (.foreign | sort) == ($f | split(" ") | sort) and .unresponsive == []' \
		<<<"$output"
	assert_status_exit

	run --separate-stderr hook_status
	echo "$output" | head -n 10
	awk -v p="$FPID" '$1 == p { print; found = 1 } END { exit !found }' <<<"$output" | grep -E " foreign +/proc/"

	before=$(lxcfs_snapshot "$FPID")
	run --separate-stderr hook_remount "${PIDS[@]}"
	echo "$output"
	echo "$stderr" | grep -v ': debug: ' || true
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, 0 mounts repaired in 0 containers, 0 failed"
	assert_snapshot_unchanged "$before" "$FPID"
	assert_memtotal "$FOREIGN" "$LXH_MEM_LIMIT_KB"
	assert_host_untouched
}

@test "foreign lxcfs: once it is dead, its layers are stale and repaired from ours" {
	kill -KILL "$LXCFS2_PID"
	wait "$LXCFS2_PID" 2>/dev/null || true
	assert_enotconn "$FOREIGN"

	run --separate-stderr hook_status --json
	echo "$output" | head -n 40
	[ "$status" -eq 1 ]
	assert_status_entry "$FPID" "$FOREIGN" stale "${FILES[*]}" "${FILES[*]}" ""

	before=$(lxcfs_snapshot "$FPID")
	run --separate-stderr hook_remount "${PIDS[@]}"
	echo "$output"
	echo "$stderr" | grep -v ': debug: ' || true
	if lxh_legacy; then
		assert_remount_refused_legacy "$before" "$FPID"
		return
	fi
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, ${#FILES[@]} mounts repaired in 1 containers, 0 failed"
	assert_repaired "$FOREIGN" "${FILES[@]}"
	assert_host_untouched
}

@test "foreign lxcfs: one that does not answer is unresponsive (exit 1) and not touched; a dead layer elsewhere is repaired in the same run" {
	# A container of the host's lxcfs, whose layers go dead with a restart: the worker that
	# waits in vain for the stopped lxcfs is killed, and the repair must still reach this one.
	make_bundle local --enable --hook-arg --on-missing --hook-arg fail
	run_container runc
	LOCAL=$CID
	LPID=$(container_pid "$LOCAL")
	restart_lxcfs
	kill -STOP "$LXCFS2_PID"
	run --separate-stderr hook_status --json
	echo "$output" | head -n 40
	[ "$status" -eq 1 ]
	entry=$(status_entry "$FPID")
	jq -e '.state == "unresponsive" and (.unresponsive | length) > 0 and .stale == []' <<<"$entry"

	before=$(lxcfs_snapshot "$FPID")
	before_local=$(lxcfs_snapshot "$LPID")
	mapfile -t both < <(pid_args "$FPID" "$LPID")
	run --separate-stderr hook_remount "${both[@]}"
	echo "$output"
	echo "$stderr" | grep -v ': debug: ' || true
	assert_snapshot_unchanged "$before" "$FPID"
	hook_lines warn <<<"$stderr" | grep -q "did not answer"
	if lxh_legacy; then
		assert_remount_refused_legacy "$before_local" "$LPID"
	else
		[ "$status" -eq 0 ]
		assert_summary "remount: 2 namespaces scanned, ${#FILES[@]} mounts repaired in 1 containers, 0 failed"
		assert_repaired "$LOCAL" "${FILES[@]}"
	fi
	kill -CONT "$LXCFS2_PID"
	assert_memtotal "$FOREIGN" "$LXH_MEM_LIMIT_KB"
}
