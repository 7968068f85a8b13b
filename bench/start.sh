# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# start.sh - sourced by bench/run.sh. Part 1: what the hook costs a container
# start. `runc run` of busybox `true` (256 MiB, cpuset 0), the issue's five variants
# interleaved, BENCH_START_ROUNDS rounds, each round in a rotated order; plus
# /bin/true registered as the hook, the floor of what any hook costs.

START_NAMES=(nohook true-hook hook-false hook-true spec-binds seed-hook)
START_LABELS=(
	"no hook (baseline)"
	"/bin/true as the hook (what runc pays for any hook)"
	"hook, annotation false"
	"hook, annotation true (default files)"
	"same files as config.json bind mounts"
	"seed-style shell hook (bench/seed-hook.sh)"
)

start_filters() {
	case $1 in
	nohook) echo '.' ;;
	true-hook) echo '.hooks.createRuntime = [{path: "/bin/true", args: ["true"]}]' ;;
	hook-false) echo "$(jq_hook) | $(jq_annotation false)" ;;
	hook-true) echo "$(jq_hook) | $(jq_annotation true)" ;;
	spec-binds) jq_binds ;;
	seed-hook) echo "$(jq_seed_hook) | $(jq_annotation true)" ;;
	esac
}

# Each variant once with a command that shows what it mounted: the numbers are
# only worth something if every variant does what its name says.
start_check() {
	local v=$1 dir=$2 want out n mem
	jq '.process.args = ["sh", "-c", "grep -c \" fuse.lxcfs \" /proc/self/mountinfo; grep MemTotal /proc/meminfo"]' \
		"$dir/config.json" >"$dir.check.json"
	mkdir -p "$dir.check" && mv "$dir.check.json" "$dir.check/config.json"
	out=$(runc --root "$RUNC_ROOT" run --bundle "$dir.check" "${BENCH_ID_PREFIX}check-$v" </dev/null 2>&1) ||
		die "start variant $v does not run: $out"
	n=$(echo "$out" | sed -n 1p)
	mem=$(echo "$out" | awk '/MemTotal/ { print $2 }')
	case $v in
	nohook | true-hook | hook-false) want=0 ;;
	spec-binds) want=$(echo "$BENCH_FILES" | wc -w) ;; # pressure/* excluded in jq_binds, not served here anyway
	*) want=$(echo "$BENCH_FILES" | wc -w) ;;
	esac
	[ "$n" = "$want" ] || die "start variant $v: $n lxcfs mounts in the container, expected $want"
	if [ "$want" -gt 0 ] && [ "$mem" != $((BENCH_MEM_LIMIT / 1024)) ]; then
		die "start variant $v: MemTotal $mem kB, expected the container's limit"
	fi
	rm -rf "$dir.check"
}

bench_start() {
	local rounds=$1 nv=${#START_NAMES[@]} i r v dir res us rc id
	local dirs=()

	say "part 1: container start, $nv variants x $rounds rounds (+2 warm-up)"
	for ((i = 0; i < nv; i++)); do
		dirs[i]=$(make_bundle "start-${START_NAMES[i]}" "$(start_filters "${START_NAMES[i]}")")
		start_check "${START_NAMES[i]}" "${dirs[i]}"
		: >"$BT/out/start-${START_NAMES[i]}.us"
	done
	for ((r = -2; r < rounds; r++)); do
		for i in $(rotation "$nv" $((r + 2))); do
			v=${START_NAMES[i]}
			id=${BENCH_ID_PREFIX}s-$v-$((r + 2))
			res=$(timeit -- runc --root "$RUNC_ROOT" run --bundle "${dirs[i]}" "$id")
			read -r us _ rc _ <<<"$res"
			if [ "$rc" != 0 ]; then
				runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
				die "runc run ($v) exited $rc: see $BT/out/cmd.log"
			fi
			[ "$r" -ge 0 ] && echo "$us" >>"$BT/out/start-$v.us"
		done
		[ $(((r + 1) % 20)) = 0 ] && say "  round $((r + 1))/$rounds"
	done
	start_report
}

start_report() {
	local nv=${#START_NAMES[@]} i v base binds n min med max
	base=$(median "$BT/out/start-nohook.us")
	binds=$(median "$BT/out/start-spec-binds.us")
	{
		echo "| variant | runs | min ms | median ms | max ms | median - baseline median, ms | paired: median of (variant - baseline) in the same round, ms | median / no hook | median / config.json binds |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		for ((i = 0; i < nv; i++)); do
			v=${START_NAMES[i]}
			read -r n min med max < <(stats "$BT/out/start-$v.us")
			# Rounds are in the same order in every file: line k of each is round k.
			paste -d' ' "$BT/out/start-$v.us" "$BT/out/start-nohook.us" | awk '{ print $1 - $2 }' >"$BT/out/tmp.diff"
			printf '| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n' "${START_LABELS[i]}" "$n" "$(ms "$min")" \
				"$(ms "$med")" "$(ms "$max")" "$(awk -v d=$((med - base)) 'BEGIN { printf "%+.1f", d / 1000 }')" \
				"$(sort -n "$BT/out/tmp.diff" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%+.1f", m / 1000 }')" \
				"$(ratio "$med" "$base")" "$(ratio "$med" "$binds")"
		done
	} >"$BT/out/start.md"
	# For the verdicts.
	R_START_BASE=$base
	R_START_FALSE=$(median "$BT/out/start-hook-false.us")
	R_START_TRUE=$(median "$BT/out/start-hook-true.us")
	R_START_BINDS=$binds
	R_START_SEED=$(median "$BT/out/start-seed-hook.us")
	R_START_TRUEHOOK=$(median "$BT/out/start-true-hook.us")
}
