#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
# Issue 14, the namespace scan of remount and status: /proc/PID/ns/mnt and
# /proc/PID/mountinfo are the thread-group leader's alone. A runtime part way
# into a container (runc 1.2+ while it runs hooks keeps one thread, at times the
# leader, in the container's namespace) must not stand for that namespace: not
# named in status, not entered by remount, not adopted into. The container is
# found, named and healed through its own process.
#
# tests/ns-threads plays that runtime: its leader enters the container's
# namespace (unshare(CLONE_FS), setns), its other thread and the child it runs
# (a sleep) stay in ours. Started before the container (@FILE: it waits for the
# pid), its pid is lower than the container's, as runc's is: the scan, lowest pid
# first, meets it before the container's own process.
#
# Whole-host runs are read-only (status, remount --dry-run): other users of this
# host may have lxcfs mounts that look stale next to this test's lxcfs. Repairs
# name their pids.

load adversarial-helpers

setup() {
	adv_setup || return 1
	require_ns_threads || return 1
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
}

teardown() {
	adv_teardown
}

# held_runtime_start: ns-threads waiting for a pid in $BATS_TEST_TMPDIR/target,
# then holding its leader in that pid's mount namespace while its other thread
# runs a sleep. Sets HELD_PID (ns-threads) and HELD_TARGET (the file).
held_runtime_start() {
	HELD_TARGET="$BATS_TEST_TMPDIR/target"
	# shellcheck disable=SC2016 # expanded by the inner sh
	adv_bg "$NS_THREADS_BIN" "@$HELD_TARGET" -- /bin/sh -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && exec sleep 600' \
		sh "$BATS_TEST_TMPDIR/held-sleep"
	HELD_PID=$ADV_BG_PID
}

# held_runtime_enter PID: ns-threads' leader enters PID's mount namespace; returns
# once it is there (its sleep runs only then), and checks the case is real: the
# leader in PID's namespace, another thread in ours.
held_runtime_enter() {
	local pid=$1 i cns
	echo "$pid" >"$HELD_TARGET.tmp" && mv "$HELD_TARGET.tmp" "$HELD_TARGET" || return 1
	for ((i = 0; i < 100; i++)); do
		[ -s "$BATS_TEST_TMPDIR/held-sleep" ] && break
		sleep 0.1
	done
	[ -s "$BATS_TEST_TMPDIR/held-sleep" ] || { fail "ns-threads did not enter pid $pid's namespace"; return 1; }
	cat "$BATS_TEST_TMPDIR/held-sleep" >>"$BATS_TEST_TMPDIR/adv-pids"
	cns=$(readlink "/proc/$pid/ns/mnt")
	echo "container $pid: $cns; ns-threads $HELD_PID leader: $(readlink "/proc/$HELD_PID/ns/mnt")"
	echo "ns-threads threads: $(for t in /proc/"$HELD_PID"/task/*; do readlink "$t/ns/mnt"; done | tr '\n' ' ')"
	[ "$(readlink "/proc/$HELD_PID/ns/mnt")" = "$cns" ] || { fail "ns-threads' leader is not in $cns"; return 1; }
	for t in /proc/"$HELD_PID"/task/*; do readlink "$t/ns/mnt"; done | grep -qvxF "$cns" ||
		{ fail "every thread of ns-threads is in $cns"; return 1; }
}

# stale_container_with_held_runtime: ns-threads first, then an annotated runc
# container (the hook at createRuntime), ns-threads' leader in its namespace,
# lxcfs restarted: every bind of the container stale. Sets CID, CPID.
stale_container_with_held_runtime() {
	held_runtime_start || return 1
	make_bundle threaded-scan --enable || return 1
	run_container runc || return 1
	# shellcheck disable=SC2153 # CID: set by make_bundle
	CPID=$(container_pid "$CID") || return 1
	assert_from_lxcfs "$CPID" "${FILES[@]}" || return 1
	held_runtime_enter "$CPID" || return 1
	[ "$HELD_PID" -lt "$CPID" ] ||
		{ fail "ns-threads ($HELD_PID) must have a lower pid than the container ($CPID): pids wrapped?"; return 1; }
	restart_lxcfs || return 1
	assert_enotconn "$CID"
}

@test "status and remount --dry-run name a stale container by its own process, not a runtime half way in" {
	stale_container_with_held_runtime

	run --separate-stderr hook_status --json
	echo "$output" | head -n 60
	echo "$stderr"
	assert_status_entry "$CPID" "$CID" stale "${FILES[*]}" "${FILES[*]}" ""
	! status_entry "$HELD_PID" || fail "status names the namespace by ns-threads ($HELD_PID)"

	run --separate-stderr hook_remount --dry-run
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	grep -qE "^would repair pid $CPID \\(container $CID\\): " <<<"$output" ||
		fail "remount --dry-run does not name pid $CPID (container $CID)"
	! grep -qE "^would repair pid $HELD_PID " <<<"$output" || fail "remount --dry-run names ns-threads ($HELD_PID)"
	assert_enotconn "$CID"
}

@test "remount --pid of the container heals it through its own process; ns-threads untouched" {
	stale_container_with_held_runtime
	remount_pids -- "$CPID"
	if lxh_legacy; then
		return
	fi
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, ${#FILES[@]} mounts repaired in 1 containers, 0 failed"
	assert_repaired "$CID" "${FILES[@]}"
	assert_lxcfs_mounts_readonly "$CPID"
	# ns-threads is as it was: leader in the container's namespace, its other thread in ours.
	[ "$(readlink "/proc/$HELD_PID/ns/mnt")" = "$(readlink "/proc/$CPID/ns/mnt")" ]
	run --separate-stderr hook_status --json
	assert_status_entry "$CPID" "$CID" ok "${FILES[*]}" "" ""
}

@test "remount --pid of a process whose threads are in two namespaces: refused, naming it; nothing changed" {
	stale_container_with_held_runtime
	before=$(lxcfs_snapshot "$CPID")

	run --separate-stderr hook_remount --pid "$HELD_PID"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/adv-remount.err"
	adv_assert_one_error_line "$BATS_TEST_TMPDIR/adv-remount.err" "process $HELD_PID" \
		"threads are not all in one mount namespace" "nothing changed"
	! grep -q 'repaired' <<<"$output" || fail "remount reports a repair"
	assert_snapshot_unchanged "$before" "$CPID"
	assert_enotconn "$CID"

	# Named along with the container's own process: refused all the same, nothing changed.
	run --separate-stderr hook_remount --pid "$HELD_PID" --pid "$CPID"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	grep -qE "process $HELD_PID: its threads are not all in one mount namespace" <<<"$stderr"
	assert_snapshot_unchanged "$before" "$CPID"
}

@test "--adopt leaves a container whose process's threads are in two namespaces alone" {
	# A container with no lxcfs mounts (no hook ran), its state naming a process
	# whose leader sits in it while another thread is in ours: what --adopt would
	# mount into is no container's namespace as that process stands.
	adv_created_container adopt
	# shellcheck disable=SC2016 # expanded by the inner sh
	adv_bg "$NS_THREADS_BIN" "$ADV_PID" -- /bin/sh -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && exec sleep 600' \
		sh "$BATS_TEST_TMPDIR/held-sleep"
	HELD_PID=$ADV_BG_PID
	for ((i = 0; i < 100; i++)); do
		[ -s "$BATS_TEST_TMPDIR/held-sleep" ] && break
		sleep 0.1
	done
	[ -s "$BATS_TEST_TMPDIR/held-sleep" ]
	cat "$BATS_TEST_TMPDIR/held-sleep" >>"$BATS_TEST_TMPDIR/adv-pids"
	[ "$(readlink "/proc/$HELD_PID/ns/mnt")" = "$(readlink "/proc/$ADV_PID/ns/mnt")" ]
	# A crun-style state (root/ID/status) naming ns-threads, with the container's annotated bundle.
	mkdir -p "$BATS_TEST_TMPDIR/state-root/held-runtime"
	jq -n --argjson p "$HELD_PID" --arg b "$BUNDLE" '{pid: $p, bundle: $b}' \
		>"$BATS_TEST_TMPDIR/state-root/held-runtime/status"

	run --separate-stderr hook_remount --adopt --dry-run --state-root "$BATS_TEST_TMPDIR/state-root"
	echo "$output"
	echo "$stderr"
	! grep -q "would adopt container held-runtime" <<<"$output" || fail "remount --adopt would adopt through ns-threads"
	grep -qE "adopt container held-runtime \\(pid $HELD_PID\\): its threads are not all in one mount namespace: left alone" \
		<<<"$stderr"

	run --separate-stderr hook_remount --adopt --pid "$HELD_PID" --state-root "$BATS_TEST_TMPDIR/state-root"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	grep -qE "process $HELD_PID: its threads are not all in one mount namespace" <<<"$stderr"
	adv_assert_ns_unchanged "$ADV_PID" adopt
	cat "/proc/$ADV_PID/mountinfo" >"$BATS_TEST_TMPDIR/adopt.mountinfo"
	adv_assert_no_lxcfs_binds "$BATS_TEST_TMPDIR/adopt.mountinfo"
}
