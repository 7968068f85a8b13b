#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# run.sh - the benchmarks of issues 5 and 11: what the hook costs a container
# start, what the hook process costs, how fast `remount` heals a node after an
# lxcfs restart, and whether a reader sees the host's file while it does, each
# against what operators would use instead or the floor it cannot beat (issue
# 11's table, printed last, each row next to its floor, all in one run). Prints the
# tables and, with --out, writes them to a markdown file (the part between the
# "generated" markers; the text around it is kept).
#
#   bench/run.sh [--hook PATH] [--objdir DIR] [--out FILE]
#
# Needs root, runc, lxcfs, jq, nsenter, busybox (static), a C compiler;
# valgrind for instruction counts (optional). Real lxcfs (a private instance on
# a temporary mount point), real runc (a private --root), busybox rootfs.
#
# Environment:
#   BENCH_ROUNDS         rounds of every interleaved comparison (default 30)
#   BENCH_START_ROUNDS   rounds of the container-start comparison (default 4 x BENCH_ROUNDS:
#                        its differences are a few ms in a noisy 40 ms)
#   BENCH_HOOK_ROUNDS    rounds of the hook-process comparison (default 4 x BENCH_ROUNDS)
#   BENCH_REPAIR_ROUNDS  rounds per N of the repair comparison (default BENCH_ROUNDS)
#   BENCH_REPAIR_N       container counts for the repair (default "10 50 200")
#   BENCH_GAP_ROUNDS     restart + remount rounds each way of the gap part (default 10)
#   BENCH_PARTS          any of "start hook repair gap" (default all four)
#
# Everything it creates (containers, lxcfs, mounts, files) goes on exit,
# failure or Ctrl-C.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP_DIR=$(cd "$BENCH_DIR/.." && pwd)
HOOK=$TOP_DIR/src/lxcfs-oci-hook
OBJDIR=""
OUT=""

while [ $# -gt 0 ]; do
	case $1 in
	--hook) HOOK=$2; shift 2 ;;
	--objdir) OBJDIR=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	-h | --help) sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
HOOK=$(cd "$(dirname "$HOOK")" && pwd)/$(basename "$HOOK")
: "${OBJDIR:=$(dirname "$HOOK")}"

BENCH_ROUNDS=${BENCH_ROUNDS:-30}
BENCH_START_ROUNDS=${BENCH_START_ROUNDS:-$((BENCH_ROUNDS * 4))}
BENCH_HOOK_ROUNDS=${BENCH_HOOK_ROUNDS:-$((BENCH_ROUNDS * 4))}
BENCH_REPAIR_ROUNDS=${BENCH_REPAIR_ROUNDS:-$BENCH_ROUNDS}
BENCH_REPAIR_N=${BENCH_REPAIR_N:-10 50 200}
BENCH_GAP_ROUNDS=${BENCH_GAP_ROUNDS:-10}
BENCH_PARTS=${BENCH_PARTS:-start hook repair gap}

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
# shellcheck source=bench/start.sh
. "$BENCH_DIR/start.sh"
# shellcheck source=bench/hookproc.sh
. "$BENCH_DIR/hookproc.sh"
# shellcheck source=bench/repair.sh
. "$BENCH_DIR/repair.sh"
# shellcheck source=bench/gap.sh
. "$BENCH_DIR/gap.sh"

[ "$(id -u)" = 0 ] || die "must run as root (runc, lxcfs, mounts)"
for t in runc lxcfs jq nsenter mountpoint busybox "${CC:-cc}" pkg-config; do
	command -v "$t" >/dev/null || die "$t is needed"
done
[ -x "$HOOK" ] || die "no hook binary at $HOOK (build first)"
for n in $BENCH_ROUNDS $BENCH_START_ROUNDS $BENCH_HOOK_ROUNDS $BENCH_REPAIR_ROUNDS $BENCH_GAP_ROUNDS; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "rounds must be positive integers"
done
has_part() { [[ " $BENCH_PARTS " == *" $1 "* ]]; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOADS=()
note_load() { LOADS+=("$1: $(loadavg)"); }

bench_init
# Copies: a rebuild of src/ during the run must not change what is measured.
mkdir -p "$BT/bin" "$BT/obj/.libs"
cp "$HOOK" "$BT/bin/lxcfs-oci-hook" || die "cannot copy $HOOK"
HOOK_BUILT=$HOOK
HOOK=$BT/bin/lxcfs-oci-hook
for f in "$OBJDIR"/main.o "$OBJDIR"/*-main.o "$OBJDIR"/.libs/libhook.a; do
	[ -f "$f" ] && cp "$f" "$BT/obj/${f#"$OBJDIR"/}"
done
OBJDIR=$BT/obj
GIT_DESC=$(cd "$TOP_DIR" && git describe --always --dirty 2>/dev/null || echo "not a git tree")
${CC:-cc} -O2 -o "$BT/timeit" "$BENCH_DIR/timeit.c" || die "cannot build bench/timeit.c"
TIMEIT=$BT/timeit
BENCH_T0=$(date +%s)
note_load "start"
OTHER_LXCFS=$(awk '{ for (i = 7; i <= NF && $i != "-"; i++) ; if ($(i + 1) == "fuse.lxcfs") n++ } END { print n + 0 }' \
	/proc/self/mountinfo)
OTHER_RUNC=$(runc list -q 2>/dev/null | wc -l)

make_rootfs
lxcfs_share_parent
lxcfs_start
say "lxcfs at $LXCFS_DIR serves: $BENCH_FILES"

R_RP_MARG=()
R_RP_CMARG=()
PART_TIMES=()
part_done() { # LABEL START
	PART_TIMES+=("$1 $(($(date +%s) - $2)) s")
	note_load "after $1"
}
if has_part start; then
	t=$(date +%s)
	bench_start "$BENCH_START_ROUNDS"
	part_done "part 1" "$t"
fi
if has_part hook; then
	t=$(date +%s)
	bench_hookproc "$BENCH_HOOK_ROUNDS" "$OBJDIR"
	part_done "part 2" "$t"
fi
if has_part repair; then
	t=$(date +%s)
	bench_repair "$BENCH_REPAIR_ROUNDS" "$BENCH_REPAIR_N"
	part_done "part 3" "$t"
fi
if has_part gap; then
	t=$(date +%s)
	bench_gap "$BENCH_GAP_ROUNDS"
	part_done "part 4" "$t"
fi
BENCH_SECONDS=$(($(date +%s) - BENCH_T0))

# ---- issue 11: each row next to the floor it is compared with ------------------------

cmp() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (op == "<=") print (a <= b) ? 1 : 0; else print (a >= b) ? 1 : 0 }'; }

I11_ROWS=()
i11() { # WHAT MEASURED FLOOR TARGET OK(0/1/-)
	local v
	case $5 in 1) v=met ;; 0) v="**missed**" ;; *) v="" ;; esac
	I11_ROWS+=("| $1 | $2 | $3 | $4 | $v |")
}
if has_part hook; then
	for a in none false; do
		eval "m=\${R_HPP_${a}:-} p10=\${R_HPP_${a}_P10:-} p90=\${R_HPP_${a}_P90:-} p25=\${R_HPP_${a}_P25:-} p75=\${R_HPP_${a}_P75:-} n=\${R_HPP_${a}_N:-}"
		[ -n "$m" ] || continue
		label="no annotation"
		[ "$a" = false ] && label="annotation \`false\`"
		i11 "$label: the hook process" \
			"$(sms "$m") ms (p25..p75 $(sms "$p25")..$(sms "$p75"), p10..p90 $(sms "$p10")..$(sms "$p90"); $n rounds, paired)" \
			"\`/bin/true\` run the same way, the same round" "<= +0.30 ms" "$(cmp "$m" "<=" 300)"
	done
	[ -n "${R_CG_FALSE:-}" ] && [ -n "${R_CG_FLOOR:-}" ] &&
		i11 "instructions (callgrind): no annotation / \`false\`" "$(kilo "${R_CG_NONE:-0}") / $(kilo "$R_CG_FALSE")" \
			"\`/bin/true\`: $(kilo "$R_CG_FLOOR")" "(none; for the record)" -
	[ -n "${R_SC_false:-}" ] &&
		i11 "system calls: no annotation / \`false\` / \`true\`" "$R_SC_none / $R_SC_false / $R_SC_true" \
			"\`/bin/true\`: $R_SC_floor" "(none; for the record)" -
fi
if has_part start; then
	x=$(ratio "$R_START_TRUE" "$R_START_BINDS")
	i11 "container start, annotation true" "$(ms "$R_START_TRUE") ms median, $(awk -v d=$((R_START_TRUE - R_START_BINDS)) 'BEGIN { printf "%+.1f", d / 1000 }') ms: ${x}x" \
		"the same files as config.json bind mounts: $(ms "$R_START_BINDS") ms" "<= 1.05x" "$(cmp "$x" "<=" 1.05)"
fi
if has_part repair; then
	for n in $BENCH_REPAIR_N; do
		eval "o=\${R_RP_OURS_$n:-}"
		[ -n "$o" ] || continue
		per=$(awk -v o="$o" -v n="$n" 'BEGIN { printf "%.2f", o / n / 1000 }')
		if [ "$n" = 50 ]; then
			i11 "repair, $n containers" "$(ms "$o") ms ($per ms a container)" "250 ms for 200 containers (1.25 ms a container)" \
				"<= 62 ms" "$(cmp "$o" "<=" 62000)"
		else
			i11 "repair, $n containers" "$(ms "$o") ms ($per ms a container)" "1.25 ms a container" \
				"<= $(awk -v n="$n" 'BEGIN { printf "%.1f", n * 1.25 }') ms" "$(cmp "$o" "<=" $((n * 1250)))"
		fi
	done
	if [ ${#R_RP_MARG[@]} -ge 2 ]; then
		last=$((${#R_RP_MARG[@]} - 1))
		x=$(awk -v a="${R_RP_MARG[0]}" -v b="${R_RP_MARG[last]}" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }')
		i11 "repair: cost of an added container, first step vs last" "${R_RP_MARG[0]} then ${R_RP_MARG[last]} ms (${x}x)" \
			"flat" "<= 1.25x" "$(cmp "$x" "<=" 1.25)"
	fi
fi
if has_part gap && [ -n "${R_GAP_auto:-}" ]; then
	i11 "repair gap: reads of the host's /proc/meminfo during $BENCH_GAP_ROUNDS remounts" \
		"$R_GAP_auto (default order); $R_GAP_detach_first with --repair-order detach-first" "none" "0" \
		"$([ "$R_GAP_auto" = 0 ] && echo 1 || echo 0)"
fi

# ---- verdicts ------------------------------------------------------------------

VERDICTS=()
verdict() { # TARGET MEASURED OK(0/1)
	VERDICTS+=("| $1 | $2 | $([ "$3" = 1 ] && echo met || echo "**missed**") |")
}

if has_part start; then
	x=$(ratio "$R_START_TRUE" "$R_START_BASE")
	verdict "annotation true: start <= 1.08x no hook" "${x}x" "$(cmp "$x" "<=" 1.08)"
	x=$(ratio "$R_START_TRUE" "$R_START_BINDS")
	verdict "annotation true: start <= 1.05x config.json binds" "${x}x" "$(cmp "$x" "<=" 1.05)"
	x=$(ratio "$R_START_FALSE" "$R_START_BASE")
	verdict "annotation false: start <= 1.02x no hook" "${x}x" "$(cmp "$x" "<=" 1.02)"
	a=$((R_START_SEED - R_START_BASE))
	b=$((R_START_TRUE - R_START_BASE))
	x=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')
	verdict "seed-style shell hook: ours >= 10x faster (time added to a start, median minus baseline median)" \
		"$(ms "$a") ms vs $(ms "$b") ms: ${x}x" "$( [ "$x" = inf ] && echo 1 || cmp "$x" ">=" 10)"
fi
if has_part hook; then
	verdict "hook process < 1.5 ms wall (annotation true, median)" "$(ms "$R_HP_TRUE") ms" "$(cmp "$R_HP_TRUE" "<=" 1500)"
	verdict "hook process < 1.5 ms wall (annotation false, median)" "$(ms "$R_HP_FALSE") ms" "$(cmp "$R_HP_FALSE" "<=" 1500)"
	verdict "hook process < 4 MiB peak RSS (max over runs)" \
		"$R_HP_TRUE_RSS KiB (true), $R_HP_FALSE_RSS KiB (false)" \
		"$( [ "$R_HP_TRUE_RSS" -lt 4096 ] && [ "$R_HP_FALSE_RSS" -lt 4096 ] && echo 1 || echo 0)"
	x=$(ratio "$R_HP_SEED" "$R_HP_TRUE")
	verdict "seed-style shell hook: ours >= 10x faster (process alone, median)" \
		"$(ms "$R_HP_SEED") ms vs $(ms "$R_HP_TRUE") ms: ${x}x" "$(cmp "$x" ">=" 10)"
fi
if has_part repair && [[ " $BENCH_REPAIR_N " == *" 200 "* ]]; then
	verdict "repair of 200 containers < 250 ms" "$(ms "$R_RP_OURS_200") ms" "$(cmp "$R_RP_OURS_200" "<=" 250000)"
	x=$(awk -v a="$R_RP_SEED_200" -v b="$R_RP_OURS_200" 'BEGIN { printf "%.1f", a / b }')
	verdict "repair of 200: >= 20x faster than seed-remount.sh" "${x}x" "$(cmp "$x" ">=" 20)"
fi
if has_part repair && [ ${#R_RP_MARG[@]} -ge 2 ]; then
	last=$((${#R_RP_MARG[@]} - 1))
	x=$(awk -v a="${R_RP_MARG[0]}" -v b="${R_RP_MARG[last]}" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }')
	y=$(awk -v a="${R_RP_CMARG[0]}" -v b="${R_RP_CMARG[last]}" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }')
	verdict "remount time per added container flat from the first N to the last (wall; ratio of the marginal costs <= 1.25)" \
		"${R_RP_MARG[0]} then ${R_RP_MARG[last]} ms per added container (${x}x); CPU ${R_RP_CMARG[0]} then ${R_RP_CMARG[last]} ms (${y}x)" \
		"$(cmp "$x" "<=" 1.25)"
fi

# ---- report -----------------------------------------------------------------------

machine() {
	echo "- CPU: $(nproc) online CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "- Memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- Kernel: $(uname -r) ($(uname -m)); $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "- runc $(runc --version | awk 'NR == 1 { print $3 }'), lxcfs $(lxcfs --version 2>&1 | tr -d '"' | head -1), $(${CC:-cc} --version | head -1)"
	echo "- lxcfs-oci-hook $("$HOOK" --version | awk '{ print $2 }') ($HOOK_BUILT), source tree $GIT_DESC; \`ldd\`: $(ldd "$HOOK" | awk '$1 !~ /vdso|ld-linux/ { printf "%s ", $1 }')"
	echo "- Files mounted (what this lxcfs serves of the hook's defaults): $(for f in $BENCH_FILES; do printf '/%s ' "$f"; done)"
	echo "- Load average (1, 5, 15 min): $(printf '%s; ' "${LOADS[@]}")"
	echo "- Other activity seen at start: $OTHER_LXCFS fuse.lxcfs mounts (other lxcfs instances or their binds) and $OTHER_RUNC containers in runc's default root that are not the benchmark's"
	echo "- Run: $(date -u '+%Y-%m-%d %H:%M UTC'), $((BENCH_SECONDS / 60)) min $((BENCH_SECONDS % 60)) s ($(printf '%s, ' "${PART_TIMES[@]}" | sed 's/, $//')); BENCH_ROUNDS=$BENCH_ROUNDS BENCH_START_ROUNDS=$BENCH_START_ROUNDS BENCH_HOOK_ROUNDS=$BENCH_HOOK_ROUNDS BENCH_REPAIR_ROUNDS=$BENCH_REPAIR_ROUNDS BENCH_REPAIR_N=\"$BENCH_REPAIR_N\""
}

report() {
	echo "### Machine"
	echo
	machine
	echo
	if has_part start; then
		echo "### 1. Container start"
		echo
		echo "\`runc --root R run --bundle B ID\` of busybox \`true\` (256 MiB, cpuset 0, read-only rootfs), the variants interleaved, each round in a rotated order, 2 warm-up rounds dropped. Timed from fork to exit of \`runc run\` (bench/timeit.c). Hooks are registered at createRuntime. The paired column takes each variant's difference to the baseline run of the same round, which cancels slow changes in the machine's load."
		echo
		cat "$BT/out/start.md"
		echo
	fi
	if has_part hook; then
		echo "### 2. The hook process alone"
		echo
		echo "A container made with \`runc create\` (mount namespace final, init waiting); the hook run by hand on the state runc handed to its createRuntime hooks (saved by a capture hook), \`timeit -i STATE -- lxcfs-oci-hook hook --lxcfs-root DIR\`. The mounting rows start from a container without lxcfs mounts; the mounts are taken off (and counted) after each run, outside the clock. Wall = fork to exit as a runtime sees it; CPU = user + system; peak RSS = wait4's ru_maxrss (the larger of the hook and its worker). ${HP_GNU_TIME}."
		echo
		cat "$BT/out/hookproc.md"
		echo
		[ -n "$LINK_NOTE" ] && echo "$LINK_NOTE" && echo
		echo "Linking experiment: \`src/main.o\` and \`src/.libs/libhook.a\` as built, linked (1) with \`libyajl_s.a\` and \`libcap.a\`; (2) also with bench/mini-libmount.c (a 200-line reader of /proc/PID/mountinfo for the libmount calls the hook makes) in place of libmount.so; (3) the same, \`-static\`."
		echo
		if [ -n "$HP_IN_RUNC" ]; then
			echo "The same hook where runc runs it (\`runc run\`, createRuntime, before pivot_root), wrapped in \`timeit\` by a \`sh -c\` hook; interleaved, false then true:"
			echo
			cat "$BT/out/inrunc.md"
			echo
		fi
		echo "#### Paired with /bin/true"
		echo
		echo "Each round runs every variant once (rotated order); the difference to the /bin/true run of the same round cancels slow changes in the machine's load. p10..p90 is the spread of those differences."
		echo
		cat "$BT/out/hookpaired.md"
		echo
		[ -n "$HP_SYSCALLS" ] && echo "$HP_SYSCALLS" && echo
		echo "#### Instructions per invocation (callgrind)"
		echo
		echo "Instructions executed (Ir), user space only; the worker is the forked child (\`--dump-before=fork\` splits the parent's count at the fork). \"in ld.so\" is the dynamic loader: mapping, relocating and binding the shared libraries. ${CG_NOTE:-}"
		echo
		cat "$BT/out/callgrind.md"
		echo
	fi
	if has_part repair; then
		echo "### 3. Repair after an lxcfs restart"
		echo
		echo "N containers (busybox \`sleep\`, started with the hook, annotation true, plus the lxcfs parent directory bind-mounted \`rshared\` for the seed-style script). Each round: restart lxcfs (kill, wait, \`umount -l\`, start on the same mount point), check every file in every container is stale, repair, check every file is live and none stacked; then the same with the other tool (order alternates). remount: \`lxcfs-oci-hook remount --lxcfs-root DIR --state-root R --pid P1 ... --pid PN\`; seed: \`bench/seed-remount.sh DIR R lxh-bench-r-\` (runc list, runc state | jq, then per file \`nsenter -t PID -m umount\` and \`nsenter -t PID -m mount -B\`). The last column is \`remount --dry-run\` over every process of the machine, run once per round after the repairs."
		echo
		cat "$BT/out/repair.md"
		echo
		echo "#### Scaling"
		echo
		cat "$BT/out/scaling.md"
		echo
	fi
	if has_part gap; then
		echo "### 4. The repair's gap"
		echo
		echo "A container whose process reads /proc/meminfo in a tight loop (tests/meminfo-reader.c, static, real-time priority as in tests/integration/28-gapless-remount.bats); each round restarts lxcfs, waits until the reader fails on the stale layer, runs \`remount --pid PID --repair-order ORDER\` and waits until it reads lxcfs again. One container per order. ${GAP_NOTE}"
		echo
		cat "$BT/out/gap.md" 2>/dev/null
		echo
	fi
	echo "### Issue 11: each row next to its floor, this run"
	echo
	echo "| what | measured | floor it is compared with | target | |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${I11_ROWS[@]}"
	echo
	echo "### Targets (issue 5)"
	echo
	echo "| target | measured | |"
	echo "|---|---|---|"
	printf '%s\n' "${VERDICTS[@]}"
	echo
	if has_part start; then
		echo "- Any hook at all: /bin/true registered as the createRuntime hook, median $(ms "$R_START_TRUEHOOK") ms against $(ms "$R_START_BASE") ms without a hook ($(ratio "$R_START_TRUEHOOK" "$R_START_BASE")x)."
	fi
	if has_part hook; then
		[ -n "${R_CG_FALSE:-}" ] &&
			echo "- Annotation false executes $(kilo "$R_CG_FALSE") instructions, $(kilo "$R_CG_FALSE_LDSO") ($(pct "$R_CG_FALSE_LDSO" "$R_CG_FALSE")) of them in the dynamic loader; annotation true $(kilo "$R_CG_TRUE"), $(kilo "$R_CG_TRUE_LDSO") in the loader."
		[ -n "${R_HP_NOLM_FALSE:-}" ] &&
			echo "- Linking: median wall of the hook process as built $(ms "$R_HP_FALSE") ms (false) / $(ms "$R_HP_TRUE") ms (true); libmount replaced, libc dynamic: $(ms "$R_HP_NOLM_FALSE") / $(ms "$R_HP_NOLM_TRUE") ms${R_HP_STATIC_FALSE:+; fully static: $(ms "$R_HP_STATIC_FALSE") / $(ms "$R_HP_STATIC_TRUE") ms}; /bin/true: $(ms "$R_HP_FLOOR") ms."
	fi
	return 0
}

report >"$BT/out/report.md"
cat "$BT/out/report.md"

if [ -n "$OUT" ]; then
	begin='<!-- BEGIN bench/run.sh output: regenerated by `make bench`, edit the text outside -->'
	end='<!-- END bench/run.sh output -->'
	if [ -f "$OUT" ] && grep -qF "$begin" "$OUT" && grep -qF "$end" "$OUT"; then
		awk -v b="$begin" -v e="$end" -v f="$BT/out/report.md" '
			$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip' "$OUT" >"$BT/out/doc.md"
	else
		{
			echo "# Performance"
			echo
			echo "Measured by \`make bench\` (bench/run.sh)."
			echo
			echo "## Results"
			echo
			echo "$begin"
			cat "$BT/out/report.md"
			echo "$end"
			echo
			echo "## Analysis"
			echo
			echo "(to be written from the run above)"
		} >"$BT/out/doc.md"
	fi
	cp "$BT/out/doc.md" "$OUT" && say "wrote $OUT"
fi
