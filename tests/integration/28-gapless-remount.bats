#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 11: gapless repair. A container's process reads /proc/meminfo in a tight
# loop (tests/meminfo-reader.c: open, read, close, tens of microseconds a round)
# while lxcfs restarts and `remount` repairs it, several times. It may read
# errors (the stale layer: ENOTCONN) and lxcfs's MemTotal (the container's
# limit), never anything else: the host's MemTotal would mean the procfs file
# showed between a detach and an attach.
#
# Test 1 forces the old way (--repair-order detach-first) and shows that this
# reader does catch the host's file in that gap, so test 2, the default way
# (the fresh clone slid under the stale layer with MOVE_MOUNT_BENEATH, then the
# stale layer detached), passing with zero host reads means something. Test 3
# repeats test 2 with the lxcfs mount shared, as a host whose / is shared has it.

load helpers

bats_require_minimum_version 1.5.0

: "${MEMINFO_READER_BIN:=$LXH_TOP_DIR/tests/meminfo-reader}"

# Rounds of restart + remount. The old way's gap is a detach, a target lookup
# and an attach (a few hundred microseconds here); a reader round is tens.
GAPLESS_ROUNDS=${GAPLESS_ROUNDS:-6}
# Test 1 goes on past GAPLESS_ROUNDS until the host's file is seen, at most this many.
GAPPED_MAX_ROUNDS=${GAPPED_MAX_ROUNDS:-30}

setup() {
	lxh_setup || return 1
	[ -x "$MEMINFO_READER_BIN" ] ||
		{ skip_or_fail "MEMINFO_READER_BIN=$MEMINFO_READER_BIN is not built (make check or make tests/meminfo-reader)"; return 1; }
	mapfile -t FILES < <(expected_default_files)
	NF=${#FILES[@]}
	[ "$NF" -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
}

teardown() {
	lxh_teardown
}

# Kernels before 6.5 have no MOVE_MOUNT_BENEATH: remount takes the old way there.
kernel_has_beneath() {
	local v major minor
	v=$(uname -r)
	major=${v%%.*}
	minor=${v#*.}
	minor=${minor%%[!0-9]*}
	[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 5 ]; }
}

# wait_reader_says WORD: the reader's last line becomes WORD (within 20 s).
wait_reader_says() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(tail -n 1 "$READER_OUT" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "the reader did not say '$1' within 20 s; it said: $(tail -n 5 "$READER_OUT" | tr '\n' '|')"
}

# start_reader: a runc container, the hook at createRuntime, annotated true, whose
# process is the reader. Sets READER_ID, READER_PID, READER_OUT.
start_reader() {
	make_bundle reader --enable -- /meminfo-reader "$LXH_MEM_LIMIT_KB" || return 1
	cp "$MEMINFO_READER_BIN" "$BUNDLE/rootfs/meminfo-reader" || return 1
	run_container runc || return 1
	READER_ID=$CID READER_OUT=$BUNDLE/runtime.out
	READER_PID=$(container_pid "$CID") || return 1
	# Real-time from the host: on a loaded machine the reader must be on a CPU when
	# the old way's gap opens, or test 1 would miss it by chance. (cpuset 0: the
	# other CPU stays for everything else; RT throttling leaves 5% even there.)
	chrt -f -p 10 "$READER_PID" || renice -n -20 -p "$READER_PID" >/dev/null || true
	assert_from_lxcfs "$READER_PID" "${FILES[@]}" || return 1
	wait_reader_says lxcfs
}

# stop_reader: SIGTERM; the reader prints its totals. Sets READS (that line).
stop_reader() {
	local i
	runc kill "$READER_ID" TERM </dev/null 3>&- || return 1
	for ((i = 0; i < 100; i++)); do
		READS=$(grep '^reads ' "$READER_OUT") && break
		sleep 0.1
	done
	[ -n "$READS" ] || { fail "the reader printed no totals"; return 1; }
	echo "# reader: $READS"
}

# host_reads: the reads of another MemTotal than lxcfs's, from the totals.
host_reads() {
	sed -E 's/.* other=([0-9]+).*/\1/' <<<"$READS"
}

# restart_and_repair ARGS...: restart lxcfs, wait until the reader fails on the
# stale layer, `remount --pid READER_PID ARGS...`, wait until it reads lxcfs again.
# Checks the repair. Sets output and stderr of the remount.
restart_and_repair() {
	restart_lxcfs || return 1
	[ "${SHARE_LXCFS:-0}" = 0 ] || mount --make-shared "$LXCFS_DIR" || return 1
	wait_reader_says error || return 1
	run --separate-stderr hook_remount --pid "$READER_PID" "$@"
	echo "$output"
	echo "$stderr" | grep -v ': debug: ' || true
	[ "$status" -eq 0 ] || { fail "remount exit $status"; return 1; }
	assert_summary "remount: 1 namespaces scanned, $NF mounts repaired in 1 containers, 0 failed" || return 1
	wait_reader_says lxcfs || return 1
	assert_repaired "$READER_ID" "${FILES[@]}"
}

# On the legacy path (check-legacy) remount refuses pivoted containers: the
# reader keeps reading errors, and never the host's file.
legacy_refuses() {
	local before
	start_reader
	restart_lxcfs
	wait_reader_says error
	before=$(lxcfs_snapshot "$READER_PID")
	run --separate-stderr hook_remount --pid "$READER_PID" "$@"
	echo "$output"
	assert_remount_refused_legacy "$before" "$READER_PID"
	stop_reader
	[ "$(host_reads)" -eq 0 ]
	assert_host_untouched
}

@test "gapless test 1: the old way forced (detach first, then attach): the reader catches the host's MemTotal" {
	if lxh_legacy; then
		legacy_refuses --repair-order detach-first
		return
	fi
	start_reader
	round=0
	while [ "$round" -lt "$GAPPED_MAX_ROUNDS" ]; do
		round=$((round + 1))
		echo "# round $round"
		restart_and_repair --repair-order detach-first
		grep -qxF "remount: 0 mounts replaced beneath the stale layer (no gap), $NF detached first (--repair-order detach-first)" <<<"$output" ||
			fail "remount did not say it detached first"
		if [ "$round" -ge "$GAPLESS_ROUNDS" ] && grep -q '^other ' "$READER_OUT"; then
			break
		fi
	done
	stop_reader
	grep '^other ' "$READER_OUT" | sort | uniq -c | sed 's/^/# seen: /'
	# The host's MemTotal, not some third value.
	host_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	grep -qxF "other $host_kb" "$READER_OUT" ||
		fail "in $round rounds of the old way the reader never read the host's MemTotal ($host_kb kB): the test cannot tell the ways apart"
	[ "$(host_reads)" -gt 0 ]
	assert_host_untouched
}

gapless_rounds() {
	start_reader
	for ((round = 1; round <= GAPLESS_ROUNDS; round++)); do
		echo "# round $round"
		restart_and_repair
		grep -qxF "remount: $NF mounts replaced beneath the stale layer (no gap), 0 detached first" <<<"$output" ||
			fail "remount did not replace every mount beneath the stale layer"
	done
	stop_reader
	# Every round: lxcfs, then errors (stale), then lxcfs again; never the host.
	[ "$(grep -c '^error$' "$READER_OUT")" -ge "$GAPLESS_ROUNDS" ]
	[ "$(grep -c '^lxcfs$' "$READER_OUT")" -ge $((GAPLESS_ROUNDS + 1)) ]
	if grep '^other ' "$READER_OUT"; then
		fail "the reader read another MemTotal than lxcfs's during a gapless remount"
	fi
	[ "$(host_reads)" -eq 0 ]
	assert_host_untouched
}

@test "gapless test 2: remount slides the fresh file beneath the stale one: the reader never reads the host's MemTotal" {
	if lxh_legacy; then
		legacy_refuses
		return
	fi
	kernel_has_beneath || skip_or_fail "kernel $(uname -r) has no MOVE_MOUNT_BENEATH (6.5+)"
	gapless_rounds
}

@test "gapless test 3: the same with the lxcfs mount shared (a host whose / is shared)" {
	if lxh_legacy; then
		legacy_refuses
		return
	fi
	kernel_has_beneath || skip_or_fail "kernel $(uname -r) has no MOVE_MOUNT_BENEATH (6.5+)"
	mount --make-shared "$LXCFS_DIR"
	SHARE_LXCFS=1 gapless_rounds
}
