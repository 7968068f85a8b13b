# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# hookproc.sh - sourced by bench/run.sh. Part 2: the hook process alone.
#
# One container is created (`runc create`, so its mount namespace is final and
# its init waits) with a createRuntime hook that only saves the state runc
# hands to hooks. The hook is then run by hand, many times, on that state:
# wall time, CPU time and peak RSS per exec, variants interleaved. The
# mounting variants start from a container without lxcfs mounts; the mounts are
# taken off again after each run, outside the clock (and checked: every file
# must have been mounted).
#
# Also: the same objects relinked three ways (linking experiment), and
# instructions per exec under callgrind.

HP_NAMES=()
HP_LABELS=()
HP_CMDS=()   # command line, eval'd
HP_STDIN=()  # state file or /dev/null
HP_PRE=()    # clean | mounted | any: what the container must look like before
HP_GROUP=()  # main | link

hp_add() {
	HP_NAMES+=("$1")
	HP_LABELS+=("$2")
	HP_GROUP+=("$3")
	HP_PRE+=("$4")
	HP_STDIN+=("$5")
	HP_CMDS+=("$6")
}

# The same objects as src/lxcfs-oci-hook, linked differently. Needs the build
# tree's src/main.o and src/.libs/libhook.a; a variant that does not link is
# left out (and said so).
LINK_SEMI=""
LINK_NOLM=""
LINK_STATIC=""
LINK_NOTE=""
build_link_variants() {
	local objdir=$1 cc=${CC:-cc} yajl_a cap_a d=$BT/link
	mkdir -p "$d"
	local main_o
	main_o=$(ls "$objdir/main.o" "$objdir"/*-main.o 2>/dev/null | head -1)
	if [ -z "$main_o" ] || [ ! -f "$objdir/.libs/libhook.a" ]; then
		LINK_NOTE="linking experiment skipped: no main.o or .libs/libhook.a in $objdir (run make first)"
		return 0
	fi
	yajl_a=$($cc -print-file-name=libyajl_s.a)
	cap_a=$($cc -print-file-name=libcap.a)
	if [ ! -f "$yajl_a" ] || [ ! -f "$cap_a" ]; then
		LINK_NOTE="linking experiment skipped: libyajl_s.a or libcap.a not found"
		return 0
	fi
	# shellcheck disable=SC2046 # pkg-config output is a list of flags
	$cc -O2 $(pkg-config --cflags mount) -c -o "$d/mini-libmount.o" "$BENCH_DIR/mini-libmount.c" ||
		{ LINK_NOTE="linking experiment skipped: mini-libmount.c does not build"; return 0; }
	$cc -o "$d/hook-semistatic" "$main_o" "$objdir/.libs/libhook.a" "$yajl_a" "$cap_a" -lmount 2>>"$d/link.log" &&
		LINK_SEMI=$d/hook-semistatic
	$cc -o "$d/hook-nolibmount" "$main_o" "$objdir/.libs/libhook.a" "$d/mini-libmount.o" "$yajl_a" "$cap_a" \
		2>>"$d/link.log" && LINK_NOLM=$d/hook-nolibmount
	$cc -static -o "$d/hook-static" "$main_o" "$objdir/.libs/libhook.a" "$d/mini-libmount.o" "$yajl_a" \
		"$cap_a" 2>>"$d/link.log" && LINK_STATIC=$d/hook-static
	if [ -z "$LINK_SEMI" ] || [ -z "$LINK_NOLM" ] || [ -z "$LINK_STATIC" ]; then
		LINK_NOTE="Some link variants did not build: $(grep -o 'undefined reference to .[a-z_0-9]*' "$d/link.log" |
			sed 's/.*to .//' | sort -u | tr '\n' ' ')(bench/mini-libmount.c lacks what src/ now calls?)"
		say "$LINK_NOTE"
	fi
	return 0
}

HP_PID=""
HP_TARGETS=""
hp_mounted=unknown

# lxcfs mounts on the files' targets (the shared-in lxcfs directory is not one).
hp_lxcfs_mounts() {
	awk -v targets="$HP_TARGETS" '
		BEGIN { n = split(targets, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		{ for (i = 7; i <= NF && $i != "-"; i++) ; if ($(i + 1) == "fuse.lxcfs" && ($5 in want)) c++ }
		END { print c + 0 }' "/proc/$HP_PID/mountinfo"
}

# Take every lxcfs file off the container again; each must have been there.
hp_unmount() {
	local what=$1
	# busybox umount, inside the container's mount namespace.
	# shellcheck disable=SC2086
	nsenter -t "$HP_PID" -m umount $HP_TARGETS 2>>"$BT/out/cmd.log" ||
		die "$what did not mount every file (umount failed; see $BT/out/cmd.log)"
	[ "$(hp_lxcfs_mounts)" = 0 ] || die "$what: lxcfs mounts left after umount (stacked?)"
	hp_mounted=no
}

hp_ensure() {
	case $1 in
	clean)
		if [ "$hp_mounted" != no ]; then
			[ "$(hp_lxcfs_mounts)" = 0 ] || hp_unmount "setup"
			hp_mounted=no
		fi
		;;
	mounted)
		if [ "$hp_mounted" != yes ]; then
			"$HOOK" hook --lxcfs-root "$LXCFS_DIR" <"$BT/out/state-true.json" >>"$BT/out/cmd.log" 2>&1 ||
				die "the hook failed on the saved state"
			hp_mounted=yes
		fi
		;;
	esac
}

bench_hookproc() {
	local rounds=$1 objdir=$2 dir seeddir state f i r v res us rss rc cpu nv n_main
	local hook_args="hook --lxcfs-root $LXCFS_DIR"

	say "part 2: the hook process alone"
	# The lxcfs parent is shared in for the seed hook, which after pivot_root
	# can only bind paths the container sees (the hook itself does not need it).
	dir=$(make_bundle hookproc "$(jq_annotation true) | $(jq_share_lxcfs)"' | .process.args = ["sleep", "100000"]
		| .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "cat > '"$BT/out/state-true.json"'"]}]')
	runc --root "$RUNC_ROOT" create --bundle "$dir" "${BENCH_ID_PREFIX}hookproc" </dev/null >/dev/null 2>&1 ||
		die "runc create for part 2 failed"
	HP_PID=$(runc --root "$RUNC_ROOT" state "${BENCH_ID_PREFIX}hookproc" | jq -r .pid)
	state=$BT/out/state-true.json
	[ -s "$state" ] || die "no state saved by the capture hook"
	jq -c "$(jq_annotation false)" "$state" >"$BT/out/state-false.json"
	# No annotation anywhere: the state has none, so the hook reads config.json (one without any).
	mkdir -p "$BT/bundles/hookproc-none"
	jq 'del(.annotations)' "$dir/config.json" >"$BT/bundles/hookproc-none/config.json"
	jq -c --arg b "$BT/bundles/hookproc-none" 'del(.annotations) | .bundle = $b' "$state" >"$BT/out/state-none.json"
	# The seed hook run by hand, after pivot_root: its targets are under "/".
	seeddir=$BT/bundles/seed-alone
	mkdir -p "$seeddir"
	jq '.root.path = "/"' "$dir/config.json" >"$seeddir/config.json"
	jq -c --arg b "$seeddir" '.bundle = $b' "$state" >"$BT/out/state-seed.json"
	HP_TARGETS=""
	for f in $BENCH_FILES; do HP_TARGETS="$HP_TARGETS /$f"; done
	hp_mounted=unknown

	build_link_variants "$objdir"

	hp_add floor-static "busybox \`true\` (static exec, for scale)" main any /dev/null "$ROOTFS/bin/busybox true"
	hp_add floor-dyn "/bin/true (dynamic libc exec, for scale)" main any /dev/null "/bin/true"
	hp_add version "hook --version (exec and dynamic loading only)" main any /dev/null "$HOOK --version"
	hp_add none "hook, no annotation (state and config.json without any)" main any "$BT/out/state-none.json" "$HOOK $hook_args"
	hp_add false "hook, annotation false" main any "$BT/out/state-false.json" "$HOOK $hook_args"
	hp_add true "hook, annotation true, mounts $(echo "$BENCH_FILES" | wc -w) files" main clean "$state" "$HOOK $hook_args"
	hp_add again "hook, annotation true, files already mounted" main mounted "$state" "$HOOK $hook_args"
	hp_add seed "seed-hook.sh, mounts the same files" main clean "$BT/out/state-seed.json" \
		"$BENCH_DIR/seed-hook.sh $LXCFS_DIR"
	n_main=${#HP_NAMES[@]}
	if [ -n "$LINK_SEMI" ]; then
		hp_add semi-false "yajl + libcap static, libmount dynamic: annotation false" link any "$BT/out/state-false.json" "$LINK_SEMI $hook_args"
		hp_add semi-true "yajl + libcap static, libmount dynamic: annotation true" link clean "$state" "$LINK_SEMI $hook_args"
	fi
	if [ -n "$LINK_NOLM" ]; then
		hp_add nolm-false "libc only (libmount replaced), dynamic: annotation false" link any "$BT/out/state-false.json" "$LINK_NOLM $hook_args"
		hp_add nolm-true "libc only (libmount replaced), dynamic: annotation true" link clean "$state" "$LINK_NOLM $hook_args"
	fi
	if [ -n "$LINK_STATIC" ]; then
		hp_add static-false "fully static (libmount replaced): annotation false" link any "$BT/out/state-false.json" "$LINK_STATIC $hook_args"
		hp_add static-true "fully static (libmount replaced): annotation true" link clean "$state" "$LINK_STATIC $hook_args"
	fi
	nv=${#HP_NAMES[@]}
	for ((i = 0; i < nv; i++)); do : >"$BT/out/hp-${HP_NAMES[i]}.txt"; done

	say "  $nv variants x $rounds rounds (+3 warm-up)"
	for ((r = -3; r < rounds; r++)); do
		for i in $(rotation "$nv" $((r + 3))); do
			v=${HP_NAMES[i]}
			hp_ensure "${HP_PRE[i]}"
			# shellcheck disable=SC2086 # the command line is split on purpose
			res=$(timeit -i "${HP_STDIN[i]}" -- ${HP_CMDS[i]})
			read -r us rss rc cpu <<<"$res"
			[ "$rc" = 0 ] || die "$v exited $rc (see $BT/out/cmd.log)"
			[ "$r" -ge 0 ] && echo "$us $rss $cpu" >>"$BT/out/hp-$v.txt"
			case ${HP_PRE[i]} in
			clean) hp_unmount "$v" ;;
			esac
		done
		[ $(((r + 1) % 50)) = 0 ] && say "  round $((r + 1))/$rounds"
	done

	hp_in_runc "$rounds"
	hp_gnu_time
	hp_callgrind "$dir"
	hp_syscalls
	hp_report "$n_main"
	runc --root "$RUNC_ROOT" delete -f "${BENCH_ID_PREFIX}hookproc" >/dev/null 2>&1
}

# The hook where runc really runs it (createRuntime, before pivot_root, status
# "creating"), timed by a wrapper around it: what the start comparison's
# difference is made of, without runc's own noise around it.
HP_IN_RUNC=""
hp_in_runc() {
	local rounds=$(($1 / 5)) a r d n min med max cpu
	[ "$rounds" -ge 10 ] || rounds=10
	for a in false true; do
		: >"$BT/out/inrunc-$a.txt"
		make_bundle "inrunc-$a" "$(jq_annotation "$a") | .hooks.createRuntime = [{path: \"/bin/sh\", args: [\"sh\", \"-c\",
			\"$TIMEIT -i /dev/stdin -- $HOOK hook --lxcfs-root $LXCFS_DIR >> $BT/out/inrunc-$a.txt\"]}]" >/dev/null
	done
	for ((r = 0; r < rounds; r++)); do
		for a in false true; do
			runc --root "$RUNC_ROOT" run --bundle "$BT/bundles/inrunc-$a" "${BENCH_ID_PREFIX}inrunc-$a-$r" \
				</dev/null >>"$BT/out/cmd.log" 2>&1 || die "runc run with the wrapped hook failed"
		done
	done
	{
		echo "| hook inside runc (createRuntime, timed by a wrapper) | runs | wall min ms | wall median ms | wall max ms | CPU median ms |"
		echo "|---|---:|---:|---:|---:|---:|"
		for a in false true; do
			d=$BT/out/inrunc-$a.txt
			cut -d' ' -f1 "$d" >"$BT/out/tmp.us"
			read -r n min med max < <(stats "$BT/out/tmp.us")
			cut -d' ' -f4 "$d" >"$BT/out/tmp.cpu"
			cpu=$(median "$BT/out/tmp.cpu")
			printf '| annotation %s | %d | %s | %s | %s | %s |\n' "$a" "$n" "$(ms "$min")" "$(ms "$med")" "$(ms "$max")" "$(ms "$cpu")"
		done
	} >"$BT/out/inrunc.md"
	HP_IN_RUNC=1
}

# GNU time's %M, once per hook variant, as a cross-check of wait4's figure.
HP_GNU_TIME=""
hp_gnu_time() {
	local t=/usr/bin/time m1 m2
	[ -x $t ] || { HP_GNU_TIME="(GNU time not installed)"; return 0; }
	hp_ensure any
	m1=$($t -f %M "$HOOK" hook --lxcfs-root "$LXCFS_DIR" <"$BT/out/state-false.json" 2>&1 >/dev/null | tail -1)
	hp_ensure clean
	m2=$($t -f %M "$HOOK" hook --lxcfs-root "$LXCFS_DIR" <"$BT/out/state-true.json" 2>&1 >/dev/null | tail -1)
	hp_unmount "hook under GNU time"
	HP_GNU_TIME="GNU time %M: annotation false $m1 KiB, annotation true $m2 KiB"
}

# ---- callgrind ---------------------------------------------------------------

# Self instructions per ELF object, from callgrind out files: "<Ir>\t<object>".
cg_objects() {
	awk '
	function obname(s,    id, rest) {
		if (!match(s, /^\([0-9]+\)/)) return s
		id = substr(s, 2, RLENGTH - 2); rest = substr(s, RLENGTH + 1); sub(/^ /, "", rest)
		if (rest != "") name[id] = rest
		return name[id]
	}
	FNR == 1 { delete name; cur = ""; skip = 0 }
	/^ob=/ { cur = obname(substr($0, 4)); next }
	/^cob=/ { obname(substr($0, 5)); next }
	/^calls=/ { skip = 1; next }
	/^[0-9+*-]/ { if (skip) { skip = 0; next } cost[cur] += $2; next }
	END { for (o in cost) printf "%d\t%s\n", cost[o], o }' "$@"
}

cg_total() { awk '/^totals:/ { t += $2 } END { print t + 0 }' "$@"; }

# Group objects: ld.so, libc, libmount and what it pulls in, yajl, libcap, the hook.
cg_groups() {
	cg_objects "$@" | awk -F'\t' '
	{ o = $2; g = "other" }
	o ~ /ld-linux/ { g = "ldso" }
	o ~ /\/libc\.so/ { g = "libc" }
	o ~ /libmount|libblkid|libselinux|libpcre2/ { g = "libmount" }
	o ~ /libyajl/ { g = "yajl" }
	o ~ /libcap/ { g = "libcap" }
	o ~ /lxcfs-oci-hook|hook-(semistatic|nolibmount|static)$/ { g = "hook" }
	{ s[g] += $1 }
	END { printf "%d %d %d %d %d %d %d\n", s["ldso"], s["libc"], s["libmount"], s["yajl"], s["libcap"], s["hook"], s["other"] }'
}

CG_ROWS=()
# cg_record LABEL DIR: the parent is the process that dumped before fork (the
# only one when nothing forked); every other process is a worker.
cg_record() {
	local label=$1 d=$2 f n parent="" p c=0
	local -a pf=() cf=() g=()
	for f in "$d"/cg.*.1; do
		[ -e "$f" ] && parent=${f%.1} && parent=${parent##*/cg.}
	done
	if [ -z "$parent" ]; then
		for f in "$d"/cg.*; do
			[ -e "$f" ] && parent=${f##*/cg.} && break
		done
	fi
	if [ -z "$parent" ]; then
		CG_ROWS+=("| $label | n/a | | | | | | | |")
		return 0
	fi
	for f in "$d"/cg.*; do
		n=${f##*/cg.}
		case $n in
		"$parent" | "$parent".*) pf+=("$f") ;;
		*) cf+=("$f") ;;
		esac
	done
	p=$(cg_total "${pf[@]}")
	[ ${#cf[@]} -gt 0 ] && c=$(cg_total "${cf[@]}")
	read -r -a g < <(cg_groups "${pf[@]}" "${cf[@]}")
	CG_ROWS+=("$(printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |' "$label" "$(kilo "$p")" "$(kilo "$c")" \
		"$(kilo $((p + c)))" "$(kilo "${g[0]}") ($(pct "${g[0]}" $((p + c))))" "$(kilo "${g[1]}")" \
		"$(kilo "${g[2]}")" "$(kilo $((g[3] + g[4])))" "$(kilo "${g[5]}")")")
	case $label in
	"$CG_FALSE_LABEL") R_CG_FALSE=$((p + c)) R_CG_FALSE_LDSO=${g[0]} ;;
	"$CG_NONE_LABEL") R_CG_NONE=$((p + c)) ;;
	"/bin/true (for scale)") R_CG_FLOOR=$((p + c)) ;;
	"$CG_TRUE_LABEL") R_CG_TRUE=$((p + c)) R_CG_TRUE_LDSO=${g[0]} ;;
	esac
	return 0
}

kilo() { awk -v n="$1" 'BEGIN { printf (n >= 1e6 ? "%.2f M" : "%.0f k"), (n >= 1e6 ? n / 1e6 : n / 1e3) }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }'; }

# A bundle whose createRuntime hook is BINARY under callgrind: the mounting path
# measured where runc really runs it (before pivot_root, status "creating").
cg_runc() {
	local name=$1 bin=$2 d=$BT/cg/$1 dir
	mkdir -p "$d"
	dir=$(make_bundle "cg-$name" "$(jq_annotation true) | .hooks.createRuntime = [{path: \"$(command -v valgrind)\",
		args: [\"valgrind\", \"--tool=callgrind\", \"--dump-before=fork\", \"--callgrind-out-file=$d/cg.%p\",
		\"--log-file=$d/valgrind.log\", \"$bin\", \"hook\", \"--lxcfs-root\", \"$LXCFS_DIR\"]}]")
	runc --root "$RUNC_ROOT" run --bundle "$dir" "${BENCH_ID_PREFIX}cg-$name" </dev/null >>"$BT/out/cmd.log" 2>&1 ||
		{ say "callgrind run $name failed"; rm -f "$d"/cg.*; }
}

cg_direct() {
	local name=$1 in=$2 d=$BT/cg/$1
	shift 2
	mkdir -p "$d"
	valgrind --tool=callgrind --dump-before=fork --callgrind-out-file="$d/cg.%p" --log-file="$d/valgrind.log" \
		"$@" <"$in" >/dev/null 2>&1 || say "callgrind run $name failed"
}

hp_callgrind() {
	CG_ROWS=()
	command -v valgrind >/dev/null || { CG_NOTE="valgrind not installed: no instruction counts"; return 0; }
	say "  callgrind"
	hp_ensure clean
	CG_FALSE_LABEL="hook, annotation false"
	CG_NONE_LABEL="hook, no annotation"
	CG_TRUE_LABEL="hook, annotation true (in runc)"
	cg_direct floor /dev/null /bin/true
	cg_record "/bin/true (for scale)" "$BT/cg/floor"
	cg_direct none "$BT/out/state-none.json" "$HOOK" hook --lxcfs-root "$LXCFS_DIR"
	cg_record "$CG_NONE_LABEL" "$BT/cg/none"
	cg_direct false "$BT/out/state-false.json" "$HOOK" hook --lxcfs-root "$LXCFS_DIR"
	cg_record "$CG_FALSE_LABEL" "$BT/cg/false"
	cg_runc true "$HOOK"
	cg_record "$CG_TRUE_LABEL" "$BT/cg/true"
	local v bin
	for v in semi nolm static; do
		case $v in semi) bin=$LINK_SEMI ;; nolm) bin=$LINK_NOLM ;; static) bin=$LINK_STATIC ;; esac
		[ -n "$bin" ] || continue
		cg_direct "$v-false" "$BT/out/state-false.json" "$bin" hook --lxcfs-root "$LXCFS_DIR"
		cg_record "${bin##*/}, annotation false" "$BT/cg/$v-false"
		cg_runc "$v-true" "$bin"
		cg_record "${bin##*/}, annotation true (in runc)" "$BT/cg/$v-true"
	done
	CG_NOTE="valgrind $(valgrind --version | sed 's/valgrind-//') does not know open_tree, move_mount, mount_setattr, openat2, pidfd_open, statmount and listmount: under it the hook takes its fallbacks, so the mounting rows count those paths (the same parsing, planning and checks; mount(2) in place of the new mount API, and libmount loaded to read mountinfo where statmount would answer)."
}

# System calls per run (strace -f -c), the worker's included; /bin/true for scale.
HP_SYSCALLS=""
hp_syscalls() {
	local v in n
	command -v strace >/dev/null || return 0
	hp_ensure clean
	for v in floor none false true; do
		case $v in
		floor) in=/dev/null ;;
		*) in=$BT/out/state-$v.json ;;
		esac
		if [ "$v" = floor ]; then
			strace -f -c -o "$BT/out/sc-$v.txt" /bin/true <"$in" >/dev/null 2>&1
		else
			strace -f -c -o "$BT/out/sc-$v.txt" "$HOOK" hook --lxcfs-root "$LXCFS_DIR" <"$in" >/dev/null 2>&1
		fi
		n=$(awk '$NF == "total" { print $4 }' "$BT/out/sc-$v.txt")
		eval "R_SC_${v}=${n:-0}"
	done
	hp_unmount "hook under strace"
	HP_SYSCALLS="System calls per run (\`strace -f -c\`, the worker's included): /bin/true $R_SC_floor; hook, no annotation $R_SC_none; annotation false $R_SC_false; annotation true (mounting $(echo "$BENCH_FILES" | wc -w) files) $R_SC_true."
}

hp_report() {
	local n_main=$1 nv=${#HP_NAMES[@]} i v n min med max cpu rss p10 p25 p75 p90
	{
		echo "| process | runs | wall min ms | wall median ms | wall max ms | CPU median ms | peak RSS KiB (median / max) |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		for ((i = 0; i < nv; i++)); do
			v=${HP_NAMES[i]}
			[ "$i" = "$n_main" ] && echo "| *linking experiment: the same objects linked differently* | | | | | | |"
			cut -d' ' -f1 "$BT/out/hp-$v.txt" >"$BT/out/tmp.us"
			read -r n min med max < <(stats "$BT/out/tmp.us")
			cut -d' ' -f3 "$BT/out/hp-$v.txt" >"$BT/out/tmp.cpu"
			cpu=$(median "$BT/out/tmp.cpu")
			cut -d' ' -f2 "$BT/out/hp-$v.txt" >"$BT/out/tmp.rss"
			rss="$(median "$BT/out/tmp.rss") / $(stats "$BT/out/tmp.rss" | awk '{ print $4 }')"
			printf '| %s | %d | %s | %s | %s | %s | %s |\n' "${HP_LABELS[i]}" "$n" "$(ms "$min")" "$(ms "$med")" \
				"$(ms "$max")" "$(ms "$cpu")" "$rss"
			case $v in
			false) R_HP_FALSE=$med R_HP_FALSE_RSS=$(stats "$BT/out/tmp.rss" | awk '{ print $4 }') ;;
			true) R_HP_TRUE=$med R_HP_TRUE_RSS=$(stats "$BT/out/tmp.rss" | awk '{ print $4 }') ;;
			seed) R_HP_SEED=$med ;;
			nolm-false) R_HP_NOLM_FALSE=$med ;;
			nolm-true) R_HP_NOLM_TRUE=$med ;;
			static-false) R_HP_STATIC_FALSE=$med ;;
			static-true) R_HP_STATIC_TRUE=$med ;;
			floor-dyn) R_HP_FLOOR=$med ;;
			esac
		done
	} >"$BT/out/hookproc.md"
	# Paired with /bin/true: every variant runs once a round, so line k of each file is round k.
	{
		echo "| process | rounds | paired: median of (process - /bin/true) in the same round, ms | spread of that difference: p10 / p25 / p75 / p90, ms | CPU, paired median, ms |"
		echo "|---|---:|---:|---:|---:|"
		for v in version none false true again; do
			for ((i = 0; i < n_main; i++)); do [ "${HP_NAMES[i]}" = "$v" ] && break; done
			[ "$i" -lt "$n_main" ] || continue
			read -r n med p10 p25 p75 p90 < <(paired_diff "$BT/out/hp-$v.txt" "$BT/out/hp-floor-dyn.txt" 1)
			read -r _ cpu _ < <(paired_diff "$BT/out/hp-$v.txt" "$BT/out/hp-floor-dyn.txt" 3)
			printf '| %s | %d | %s | %s / %s / %s / %s | %s |\n' "${HP_LABELS[i]}" "$n" "$(sms "$med")" "$(sms "$p10")" \
				"$(sms "$p25")" "$(sms "$p75")" "$(sms "$p90")" "$(sms "$cpu")"
			eval "R_HPP_${v}=$med R_HPP_${v}_P10=$p10 R_HPP_${v}_P90=$p90 R_HPP_${v}_P25=$p25 R_HPP_${v}_P75=$p75 R_HPP_${v}_N=$n"
		done
	} >"$BT/out/hookpaired.md"
	{
		echo "| run | parent | worker | total | in ld.so | libc | libmount + deps | yajl + libcap | in the executable |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		for v in "${CG_ROWS[@]}"; do echo "$v"; done
	} >"$BT/out/callgrind.md"
}
