#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# check.sh --tarball FILE [SUITE...] - `make check-stacks`: for each SUITE (default
# trixie sid), a fresh machine of that Debian release (tests/stacks/enter.sh: a copy of
# the cached root, its own PID, mount and cgroup namespaces), where tests/stacks/inside.sh
# builds FILE (`make dist`) the README's way with that release's compiler and libraries,
# installs it, and runs the unit tests and the stack suites (`make print-stack-tests`).
#
# Prints each stack's output, one line per stack with its counts, wall time and whether
# its root was made, extracted or cached, and a closing line over every stack. The
# automake summaries ("# PASS: N"...) of every stack are in the output as they are, so
# scripts/test.sh's closing line counts them; a stack that cannot run (no root, no
# build, a hang) adds "# ERROR: 1": a failure, never a skip.
#
# Environment:
#   LXH_STACKS_JOBS     stacks run at once (default 1; roots are always made in parallel)
#   LXH_STACK_TIMEOUT   seconds a stack may take (default 2400); its make check gets 7/8
#                       of that, so that the logs of what failed are still printed
#   LXH_STACKS_CACHE, LXH_STACKS_MIRROR: see root.sh
set -uo pipefail

STACKS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${LXH_STACKS_CACHE:-/var/cache/lxcfs-oci-hook-tests}
JOBS=${LXH_STACKS_JOBS:-1}
TIMEOUT=${LXH_STACK_TIMEOUT:-2400}

die() {
	printf 'check-stacks: %s\n' "$*" >&2
	exit 2
}

tarball=''
while [ $# -gt 0 ]; do
	case $1 in
	--tarball) tarball=${2:?}; shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ -n "$tarball" ] && [ -f "$tarball" ] || die "--tarball FILE (make dist) is required"
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
[ $# -gt 0 ] || set -- trixie sid
suites=("$@")
[ "$(id -u)" = 0 ] || die "run as root"

work=$(mktemp -d /tmp/lxh-check-stacks.XXXXXX)
trap 'rm -rf "$work"' EXIT
# bash reads a script as it runs: a copy, so editing the tree meanwhile breaks nothing.
cp "$STACKS_DIR/inside.sh" "$work/inside.sh"

# root_state SUITE: how a run would get SUITE's root: cached (extracted and ready),
# extract (tarball only), make (nothing: debootstrap and download).
root_state() {
	local key
	key=$("$STACKS_DIR/root.sh" --key "$1") || return 1
	if [ -d "$CACHE/roots/$1-$key" ]; then
		echo cached
	elif [ -f "$CACHE/$1-$key.tar.zst" ]; then
		echo extract
	else
		echo make
	fi
}

# Every root at once: debootstrap and apt mostly wait on the network.
t_start=$SECONDS
for s in "${suites[@]}"; do
	(
		state=$(root_state "$s") || state=unknown
		t0=$SECONDS
		if LXH_STACKS_QUIET=1 "$STACKS_DIR/root.sh" "$s" >"$work/$s.root" 2>"$work/$s.root.err"; then
			case $state in
			cached) echo "cached" ;;
			extract) echo "extracted from the cache in $((SECONDS - t0)) s" ;;
			*) echo "made in $((SECONDS - t0)) s" ;;
			esac >"$work/$s.rootinfo"
		else
			echo "could not be made" >"$work/$s.rootinfo"
		fi
	) &
done
wait

# run_stack SUITE: the stack's output on stdout; its summary line in $work/SUITE.line.
run_stack() {
	local s=$1 t0=$SECONDS rc=0 pass fail skip line versions
	if [ ! -s "$work/$s.root" ]; then
		cat "$work/$s.root.err"
		echo "stack $s: ERROR: no root ($(cat "$work/$s.rootinfo"))"
		echo "# ERROR: 1"
		echo "stack $s: cannot run: no root" >"$work/$s.line"
		return 1
	fi
	timeout -k 30 "$TIMEOUT" "$STACKS_DIR/enter.sh" "$s" --env "LXH_STACK_CHECK_TIMEOUT=$((TIMEOUT * 7 / 8))" \
		--ro-bind "$tarball:/lxh/src.tar.gz" --ro-bind "$work/inside.sh:/lxh/inside.sh" \
		-- bash /lxh/inside.sh /lxh/src.tar.gz </dev/null 2>&1 | tee "$work/$s.log"
	rc=${PIPESTATUS[0]}
	read -r pass fail skip < <(sed 's/\x1b\[[0-9;]*m//g' "$work/$s.log" | awk '
		/^# (PASS|XFAIL): / {p += $3} /^# (FAIL|XPASS|ERROR): / {f += $3} /^# SKIP: / {s += $3}
		END {print p+0, f+0, s+0}')
	versions=$(sed -n 's/^stack [a-z]*: versions: //p' "$work/$s.log" | tail -n 1)
	line="$pass passed, $fail failed, $skip skipped in $((SECONDS - t0)) s (root $(cat "$work/$s.rootinfo")"
	line+="${versions:+; $versions})"
	if [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
		# Built nothing, ran nothing, or hung: the stack could not run, a failure.
		case $rc in
		124 | 137) why="did not finish within $TIMEOUT s" ;;
		125) why="could not be set up (enter.sh)" ;;
		*) why="exit $rc before any test failed (build?)" ;;
		esac
		echo "# ERROR: 1"
		line+="; ERROR: the stack $why"
	fi
	echo "stack $s: $line" >"$work/$s.line"
	[ "$rc" = 0 ]
}

status=0
if [ "$JOBS" -gt 1 ]; then
	# In parallel, each stack's output is printed whole when it ends, in order.
	for s in "${suites[@]}"; do
		{ run_stack "$s"; echo $? >"$work/$s.rc"; } >"$work/$s.out" 2>&1 &
	done
	wait
	for s in "${suites[@]}"; do
		cat "$work/$s.out"
		[ "$(cat "$work/$s.rc" 2>/dev/null)" = 0 ] || status=1
	done
else
	for s in "${suites[@]}"; do
		run_stack "$s" || status=1
	done
fi

echo
for s in "${suites[@]}"; do
	cat "$work/$s.line" 2>/dev/null || echo "stack $s: no result"
done
# A stack that could not run counts as one failure.
read -r pass fail skip < <(for s in "${suites[@]}"; do
	sed -n 's/^stack [a-z]*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3/p' "$work/$s.line"
	grep -q 'ERROR: \|cannot run' "$work/$s.line" 2>/dev/null && echo 0 1 0
done | awk '{p += $1; f += $2; s += $3} END {print p+0, f+0, s+0}')
[ "$status" = 0 ] || [ "$fail" != 0 ] || fail=1
[ "$skip" = 0 ] || status=1
echo "check-stacks: $pass passed, $fail failed, $skip skipped in ${#suites[@]} stacks (${suites[*]}), $((SECONDS - t_start)) s"
exit $status
