# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# repair.sh - sourced by bench/run.sh. Part 3: repair after an lxcfs restart,
# with N running containers (busybox sleep, each started with the hook's lxcfs
# mounts and, for the seed-style script, the lxcfs parent directory shared in).
#
# Each round restarts lxcfs, repairs with `lxcfs-oci-hook remount`, restarts
# lxcfs again and repairs with bench/seed-remount.sh (the order alternates
# between rounds). Before each repair every container must have all its lxcfs
# files stale; after it, all live and none stacked, or the run stops.
#
# remount is given the benchmark's containers with --pid: on a shared machine a
# whole-machine remount would also repair other people's stale lxcfs mounts
# (say, a test that restarted its own lxcfs and has not repaired yet) with this
# benchmark's lxcfs. What the whole-machine scan costs is measured apart, with
# --dry-run, which changes nothing.

RP_IDS=()
RP_PIDS=()
RP_BUNDLE=""

rp_start_containers() {
	local want=$1 i id
	while [ ${#RP_IDS[@]} -lt "$want" ]; do
		i=${#RP_IDS[@]}
		id=${BENCH_ID_PREFIX}r-$i
		runc --root "$RUNC_ROOT" run -d --bundle "$RP_BUNDLE" "$id" </dev/null >>"$BT/out/cmd.log" 2>&1 ||
			die "cannot start container $id (see $BT/out/cmd.log)"
		RP_IDS+=("$id")
		RP_PIDS+=("$(runc --root "$RUNC_ROOT" state "$id" | jq -r .pid)")
	done
}

# "<live> <stale>": lxcfs mounts on the benchmark's targets in every container,
# from the live lxcfs device or not.
rp_count() {
	local dev t=""
	dev=$(lxcfs_dev)
	for f in $BENCH_FILES; do t="$t /$f"; done
	printf '/proc/%s/mountinfo\n' "${RP_PIDS[@]}" | xargs awk -v dev="$dev" -v targets="$t" '
		BEGIN { n = split(targets, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		{
			for (i = 7; i <= NF && $i != "-"; i++) ;
			if ($(i + 1) != "fuse.lxcfs" || !($5 in want)) next
			if ($3 == dev) live++; else stale++
		}
		END { printf "%d %d\n", live, stale }'
}

rp_expect() {
	local want_live=$1 want_stale=$2 what=$3 live stale
	read -r live stale < <(rp_count)
	[ "$live" = "$want_live" ] && [ "$stale" = "$want_stale" ] ||
		die "$what: $live live and $stale stale lxcfs mounts, expected $want_live and $want_stale"
}

rp_remount_args() {
	local p
	printf -- '--lxcfs-root %s --state-root %s' "$LXCFS_DIR" "$RUNC_ROOT"
	for p in "${RP_PIDS[@]}"; do printf -- ' --pid %s' "$p"; done
}

bench_repair() {
	local rounds=$1 levels=$2 n nf r m res us rc cpu line
	nf=$(echo "$BENCH_FILES" | wc -w)
	say "part 3: repair after an lxcfs restart, N = $levels, $rounds rounds each"
	RP_BUNDLE=$(make_bundle repair "$(jq_hook) | $(jq_annotation true) | $(jq_share_lxcfs)"' | .process.args = ["sleep", "1000000"]')
	: >"$BT/out/repair.rows"
	for n in $levels; do
		say "  N=$n: starting containers"
		rp_start_containers "$n"
		rp_expect $((n * nf)) 0 "N=$n after start"
		: >"$BT/out/rp-$n-ours.us"
		: >"$BT/out/rp-$n-ours.cpu"
		: >"$BT/out/rp-$n-ours.self"
		: >"$BT/out/rp-$n-seed.us"
		: >"$BT/out/rp-$n-seed.cpu"
		: >"$BT/out/rp-$n-scan.us"
		for ((r = 0; r < rounds; r++)); do
			for m in $( ((r % 2)) && echo "seed ours" || echo "ours seed"); do
				lxcfs_restart
				rp_expect 0 $((n * nf)) "N=$n round $r before $m"
				: >"$BT/out/last.out"
				if [ "$m" = ours ]; then
					# shellcheck disable=SC2046 # one word per option
					res=$("$TIMEIT" -o "$BT/out/last.out" -- "$HOOK" remount $(rp_remount_args))
				else
					res=$("$TIMEIT" -o "$BT/out/last.out" -- "$BENCH_DIR/seed-remount.sh" "$LXCFS_DIR" \
						"$RUNC_ROOT" "${BENCH_ID_PREFIX}r-")
				fi
				read -r us _ rc cpu <<<"$res"
				[ "$rc" = 0 ] || die "N=$n round $r: $m repair exited $rc: $(tail -3 "$BT/out/last.out")"
				rp_expect $((n * nf)) 0 "N=$n round $r after $m"
				echo "$us" >>"$BT/out/rp-$n-$m.us"
				echo "$cpu" >>"$BT/out/rp-$n-$m.cpu"
				if [ "$m" = ours ]; then
					line=$(grep '^remount:' "$BT/out/last.out")
					echo "$line" | sed -n 's/.* in \([0-9.]*\) ms$/\1/p' | awk '{ printf "%d\n", $1 * 1000 }' \
						>>"$BT/out/rp-$n-ours.self"
					echo "$line" >"$BT/out/rp-$n-ours.line"
				fi
			done
			# The whole machine, as an operator runs it: scan every process, change nothing.
			: >"$BT/out/last.out"
			res=$("$TIMEIT" -o "$BT/out/last.out" -- "$HOOK" remount --dry-run --lxcfs-root "$LXCFS_DIR" \
				--state-root "$RUNC_ROOT")
			read -r us _ rc _ <<<"$res"
			echo "$us" >>"$BT/out/rp-$n-scan.us"
			grep '^remount:' "$BT/out/last.out" | sed -n 's/^remount: \([0-9]*\) namespaces scanned.*/\1/p' \
				>"$BT/out/rp-$n-scan.ns"
			[ $(((r + 1) % 10)) = 0 ] && say "  N=$n round $((r + 1))/$rounds"
		done
	done
	rp_report "$levels" "$nf"
}

rp_report() {
	local levels=$1 nf=$2 n on omin omed omax sn smin smed smax self scan ns ocpu scpu
	local prev_n="" prev_o="" prev_s="" prev_c="" marg smarg cmarg
	{
		echo "| N containers ($nf files each) | rounds | remount min / median / max ms | remount's own figure, median ms | per container ms (CPU ms) | seed-remount.sh min / median / max ms | per container ms (CPU ms) | seed / remount | whole-machine scan (remount --dry-run), median ms |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		for n in $levels; do
			read -r on omin omed omax < <(stats "$BT/out/rp-$n-ours.us")
			read -r sn smin smed smax < <(stats "$BT/out/rp-$n-seed.us")
			ocpu=$(median "$BT/out/rp-$n-ours.cpu")
			scpu=$(median "$BT/out/rp-$n-seed.cpu")
			self=$(median "$BT/out/rp-$n-ours.self")
			scan=$(median "$BT/out/rp-$n-scan.us")
			ns=$(tail -1 "$BT/out/rp-$n-scan.ns" 2>/dev/null)
			printf '| %d | %d | %s / %s / %s | %s | %s (%s) | %s / %s / %s | %s (%s) | %s | %s (%s namespaces) |\n' \
				"$n" "$on" "$(ms "$omin")" "$(ms "$omed")" "$(ms "$omax")" "$(ms "$self")" \
				"$(ms $((omed / n)))" "$(ms $((ocpu / n)))" "$(ms "$smin")" "$(ms "$smed")" "$(ms "$smax")" \
				"$(ms $((smed / n)))" "$(ms $((scpu / n)))" \
				"$(awk -v a="$smed" -v b="$omed" 'BEGIN { printf "%.1fx", a / b }')" "$(ms "$scan")" "${ns:-?}"
			eval "R_RP_OURS_$n=$omed R_RP_SEED_$n=$smed"
		done
	} >"$BT/out/repair.md"
	{
		echo "| N | remount median ms | per container ms | marginal ms per added container | remount CPU median ms | marginal CPU ms per added container | seed marginal ms per added container |"
		echo "|---:|---:|---:|---:|---:|---:|---:|"
		for n in $levels; do
			omed=$(median "$BT/out/rp-$n-ours.us")
			smed=$(median "$BT/out/rp-$n-seed.us")
			ocpu=$(median "$BT/out/rp-$n-ours.cpu")
			if [ -n "$prev_n" ]; then
				marg=$(slope "$omed" "$prev_o" "$n" "$prev_n" 3)
				cmarg=$(slope "$ocpu" "$prev_c" "$n" "$prev_n" 3)
				smarg=$(slope "$smed" "$prev_s" "$n" "$prev_n" 1)
				R_RP_MARG+=("$marg")
				R_RP_CMARG+=("$cmarg")
			else
				marg="-" cmarg="-" smarg="-"
			fi
			printf '| %d | %s | %s | %s | %s | %s | %s |\n' "$n" "$(ms "$omed")" "$(ms $((omed / n)))" "$marg" \
				"$(ms "$ocpu")" "$cmarg" "$smarg"
			prev_n=$n prev_o=$omed prev_s=$smed prev_c=$ocpu
		done
	} >"$BT/out/scaling.md"
}

# slope A B N P DECIMALS: (A - B) / (N - P), microseconds in, milliseconds out.
slope() {
	awk -v a="$1" -v b="$2" -v n="$3" -v p="$4" -v d="$5" 'BEGIN { printf "%." d "f", (a - b) / (n - p) / 1000 }'
}
