# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# gap.sh - sourced by bench/run.sh. Part 4: the repair's gap. A container's
# process reads /proc/meminfo in a tight loop (tests/meminfo-reader.c, as
# tests/integration/28-gapless-remount.bats uses it: open, read, close) while
# lxcfs restarts and `remount` repairs it, BENCH_GAP_ROUNDS times each way,
# the ways alternating: the default (the fresh clone slid beneath the stale
# layer, MOVE_MOUNT_BENEATH, 6.5+) and --repair-order detach-first (detach,
# then attach: the host's file shows in between). Counts the reader's reads of
# lxcfs's MemTotal, errors (the stale layer) and anything else (the host's).

GAP_NOTE=""

# gap_reader_says WORD: the reader's last line becomes WORD (within 20 s).
gap_reader_says() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(tail -n 1 "$GAP_OUT" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
	done
	die "gap: the reader did not say '$1' within 20 s: $(tail -n 3 "$GAP_OUT" | tr '\n' '|')"
}

bench_gap() {
	local rounds=$1 reader=$BT/meminfo-reader way r id pid dir kb line res us rc
	say "part 4: the repair's gap, $rounds rounds each way"
	${CC:-cc} -O2 -static -o "$reader" "$TOP_DIR/tests/meminfo-reader.c" 2>>"$BT/out/cmd.log" ||
		{ GAP_NOTE="gap part skipped: tests/meminfo-reader.c does not link statically"; say "$GAP_NOTE"; return 0; }
	cp "$reader" "$ROOTFS/meminfo-reader" || die "cannot copy the reader into the rootfs"
	kb=$((BENCH_MEM_LIMIT / 1024))
	for way in auto detach-first; do
		: >"$BT/out/gap-$way.us"
	done
	for way in auto detach-first; do
		id=${BENCH_ID_PREFIX}gap-$way
		dir=$(make_bundle "gap-$way" "$(jq_hook) | $(jq_annotation true)"' | .process.args = ["/meminfo-reader", "'"$kb"'"]')
		GAP_OUT=$BT/out/gap-$way.reader
		runc --root "$RUNC_ROOT" run -d --bundle "$dir" "$id" </dev/null >"$GAP_OUT" 2>&1 ||
			die "gap: runc run of the reader failed: $(tail -3 "$GAP_OUT")"
		pid=$(runc --root "$RUNC_ROOT" state "$id" | jq -r .pid)
		# As in test 28: real-time, so the reader is on a CPU when a gap opens.
		chrt -f -p 10 "$pid" 2>/dev/null || renice -n -20 -p "$pid" >/dev/null 2>&1 || true
		gap_reader_says lxcfs
		for ((r = 0; r < rounds; r++)); do
			lxcfs_restart
			gap_reader_says error
			res=$("$TIMEIT" -o "$BT/out/last.out" -- "$HOOK" remount --lxcfs-root "$LXCFS_DIR" --pid "$pid" \
				--repair-order "$way")
			read -r us _ rc _ <<<"$res"
			[ "$rc" = 0 ] || die "gap: remount --repair-order $way exited $rc: $(tail -3 "$BT/out/last.out")"
			echo "$us" >>"$BT/out/gap-$way.us"
			gap_reader_says lxcfs
		done
		grep '^remount: .* beneath' "$BT/out/last.out" | tail -1 >"$BT/out/gap-$way.how"
		runc --root "$RUNC_ROOT" kill "$id" TERM >/dev/null 2>&1
		for ((r = 0; r < 100; r++)); do
			line=$(grep '^reads ' "$GAP_OUT") && break
			sleep 0.1
		done
		[ -n "$line" ] || die "gap: the reader printed no totals"
		echo "$line" >"$BT/out/gap-$way.reads"
		runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
	done
	{
		echo "| repair order | rounds | reads of lxcfs | reads failing (stale layer) | reads of the host's file | remount median ms | what remount said |"
		echo "|---|---:|---:|---:|---:|---:|---|"
		for way in auto detach-first; do
			line=$(cat "$BT/out/gap-$way.reads")
			printf '| %s | %d | %s | %s | %s | %s | %s |\n' "$way" "$rounds" \
				"$(sed -E 's/.*lxcfs=([0-9]+).*/\1/' <<<"$line")" "$(sed -E 's/.*error=([0-9]+).*/\1/' <<<"$line")" \
				"$(sed -E 's/.*other=([0-9]+).*/\1/' <<<"$line")" "$(ms "$(median "$BT/out/gap-$way.us")")" \
				"$(sed 's/|/\\|/g' "$BT/out/gap-$way.how")"
			eval "R_GAP_$(tr - _ <<<"$way")=$(sed -E 's/.*other=([0-9]+).*/\1/' <<<"$line")"
		done
	} >"$BT/out/gap.md"
	rm -f "$ROOTFS/meminfo-reader"
}
