# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # output, status, stderr: set by bats' run
#
# adversarial-helpers.bash - shared by 15-adversarial.bats and
# 16-adversarial-input.bats (issue 4): hostile images, hostile --lxcfs-root
# trees and hostile hook input, each ending in one clear error line or a clean
# no-op, never a signal, a hang or a core, with nothing mounted anywhere.
#
# On top of helpers.bash:
#   - every hook run has --log-level warn, so a refusal is exactly one line;
#   - the hook can be wrapped (adv_wrap_hook) so that, run by the runtime, its
#     exit status, its stderr and the container's mount table right after it are
#     kept in the bundle: "nothing mounted" is then checked in the container's
#     own namespace even when the runtime destroys it on refusal;
#   - the hook can be run by hand (adv_hook) on a hand-written state, against a
#     container that `runc create` left waiting, whose mount table must not move;
#   - background processes and extra mounts a test makes are undone in teardown;
#   - the host check is wider than helpers' lxcfs binds: no mount appears on the
#     host's /proc or /sys, under this test's temporary tree or the rootfs cache,
#     and none on the private lxcfs's device but lxcfs itself.

load helpers

bats_require_minimum_version 1.5.0

# One line per refusal: debug lines would bury it (read by helpers' hook_args).
# shellcheck disable=SC2034
LXH_HOOK_LOG_LEVEL=warn
# Bound for a hook run by hand: catches a hang, does not time the hook (the
# machine is shared; the hook's own deadline is 10 s unless a test says).
ADV_BOUND=30

# ---- setup and teardown ---------------------------------------------------

# require_ns_threads: tests/ns-threads, the runtime with one thread in a container's
# namespace (25-threaded-runtime, 26-threaded-scan), is built.
: "${NS_THREADS_BIN:=$LXH_TOP_DIR/tests/ns-threads}"
require_ns_threads() {
	[ -x "$NS_THREADS_BIN" ] ||
		fail "NS_THREADS_BIN=$NS_THREADS_BIN is not built (make check, or make tests/ns-threads)"
}

adv_setup() {
	lxh_setup || return 1
	: >"$BATS_TEST_TMPDIR/adv-pids"
	: >"$BATS_TEST_TMPDIR/adv-mounts"
	adv_host_mounts >"$BATS_TEST_TMPDIR/adv-host.before"
}

adv_teardown() {
	local rc=0 pid mp now
	# Our own background processes (sleep targets, fifo writers), by pid.
	if [ -f "$BATS_TEST_TMPDIR/adv-pids" ]; then
		while read -r pid; do
			[ -n "$pid" ] || continue
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/adv-pids"
	fi
	# Mounts a test stacked itself (a tmpfs over the lxcfs mount point), last first.
	if [ -f "$BATS_TEST_TMPDIR/adv-mounts" ]; then
		while read -r mp; do
			[ -n "$mp" ] || continue
			if lxh_mounted_at "$mp"; then
				umount -l "$mp" || rc=1
			fi
		done < <(tac "$BATS_TEST_TMPDIR/adv-mounts")
	fi
	if [ -f "$BATS_TEST_TMPDIR/adv-host.before" ]; then
		now=$(adv_host_mounts)
		if [ "$now" != "$(cat "$BATS_TEST_TMPDIR/adv-host.before")" ]; then
			echo "the host's mount table changed where the hook could have mounted:" >&2
			diff <(cat "$BATS_TEST_TMPDIR/adv-host.before") <(echo "$now") >&2
			rc=1
		fi
	fi
	lxh_teardown || rc=1
	if [ "$rc" -ne 0 ]; then
		local f
		for f in "$BATS_TEST_TMPDIR"/bundle-*/adv-hook.stderr "$BATS_TEST_TMPDIR"/adv-*.err; do
			[ -s "$f" ] || continue
			echo "# ---- ${f#"$BATS_TEST_TMPDIR"/}"
			sed 's/^/# /' "$f"
		done
	fi
	return $rc
}

# adv_bg CMD...: run CMD in the background, detached from bats' fd 3, and
# remember its pid for teardown. Sets ADV_BG_PID.
adv_bg() {
	"$@" </dev/null >/dev/null 2>&1 3>&- &
	ADV_BG_PID=$!
	echo "$ADV_BG_PID" >>"$BATS_TEST_TMPDIR/adv-pids"
}

# ---- the host's mount table -----------------------------------------------

# Every mount of our namespace (and PID 1's where readable) that the hook could
# have made by mistake: on the host's /proc or /sys, under this test's
# temporary tree or the shared rootfs cache, or from the private lxcfs's
# device anywhere but the lxcfs mount point itself. Other sessions' mounts
# elsewhere (their own lxcfs instances, podman storage) are not looked at.
adv_host_mounts() {
	local f dev
	dev=$(lxcfs_dev 2>/dev/null)
	for f in /proc/self/mountinfo /proc/1/mountinfo; do
		[ -r "$f" ] || continue
		awk -v f="$f" -v t="$BATS_TEST_TMPDIR/" -v c="$LXH_CACHE_DIR/" -v dev="$dev" -v l="${LXCFS_DIR:-}" '
			$5 ~ "^/(proc|sys)(/|$)" || index($5, t) == 1 || index($5, c) == 1 ||
			(dev != "" && $3 == dev && $5 != l) { print f, $3, $4, $5 }' "$f" 2>/dev/null
	done | sort
}

# ---- a container namespace's mount table ----------------------------------

# adv_ns_snapshot PID NAME: keep PID's mount table (mount point, root, type) as NAME.
adv_ns_snapshot() {
	adv_mount_lines "/proc/$1/mountinfo" >"$BATS_TEST_TMPDIR/adv-ns.$2" ||
		{ fail "cannot read the mount table of pid $1"; return 1; }
}

# adv_mount_lines MOUNTINFO: "mountpoint root fstype" per mount, sorted (ids
# and options left out: they do not move when nothing is mounted).
adv_mount_lines() {
	awk '{ for (i = 7; i <= NF && $i != "-"; i++) ; print $5, $4, $(i + 1) }' "$1" | sort
}

# adv_assert_ns_unchanged PID NAME: PID's mount table is what adv_ns_snapshot saw.
adv_assert_ns_unchanged() {
	local now
	now=$(adv_mount_lines "/proc/$1/mountinfo") || { fail "cannot read the mount table of pid $1"; return 1; }
	if [ "$now" != "$(cat "$BATS_TEST_TMPDIR/adv-ns.$2")" ]; then
		echo "the mount table of pid $1 changed:" >&2
		diff <(cat "$BATS_TEST_TMPDIR/adv-ns.$2") <(echo "$now") >&2
		return 1
	fi
}

# adv_assert_no_lxcfs_binds MOUNTINFO: no bind of anything beneath an lxcfs
# mount (root other than "/") in that table.
adv_assert_no_lxcfs_binds() {
	local binds
	[ -s "$1" ] || { fail "no mount table in $1"; return 1; }
	binds=$(lxcfs_entries "$1" | awk '$2 != "/"')
	[ -z "$binds" ] || { fail "lxcfs binds in $1:"$'\n'"$binds"; return 1; }
}

# adv_assert_nothing_on PATH...: nothing is mounted on PATH in our namespace
# (PATH: a host path the hook was lured towards).
adv_assert_nothing_on() {
	local p
	for p in "$@"; do
		if awk -v p="$p" '$5 == p { print; found = 1 } END { exit !found }' /proc/self/mountinfo >&2; then
			fail "something is mounted on $p"
			return 1
		fi
	done
}

# ---- the hook, wrapped, run by the runtime --------------------------------

# adv_wrap_hook [BUNDLE]: make every registration of $HOOK_BIN in the bundle's
# config.json go through a wrapper that runs the hook unchanged and keeps, in
# the bundle: adv-hook.rc (its exit status), adv-hook.stderr (also passed on),
# adv-state.json (what the runtime sent) and adv-ns-mountinfo (the container's
# mount table right after the hook: the runtime destroys the namespace when the
# hook refuses).
adv_wrap_hook() {
	local b=${1:-$BUNDLE} w
	w="$BATS_TEST_TMPDIR/adv-hook-wrapper"
	if [ ! -x "$w" ]; then
		cat >"$w" <<-'EOF'
			#!/bin/bash
			# adv-hook-wrapper HOOK BUNDLE ARGS...: run by the runtime in place of HOOK.
			PATH=/usr/sbin:/usr/bin:/sbin:/bin
			hook=$1 b=$2
			shift 2
			cat >"$b/adv-state.json"
			rc=0
			"$hook" "$@" <"$b/adv-state.json" 2>"$b/adv-hook.stderr" || rc=$?
			pid=$(jq -r '.pid // 0' "$b/adv-state.json" 2>/dev/null)
			cat "/proc/$pid/mountinfo" >"$b/adv-ns-mountinfo" 2>/dev/null
			echo "$rc" >"$b/adv-hook.rc"
			cat "$b/adv-hook.stderr" >&2
			exit "$rc"
		EOF
		chmod 755 "$w"
	fi
	jq --arg h "$HOOK_BIN" --arg w "$w" --arg b "$b" '
		.hooks |= (if . == null then null else
			with_entries(.value |= map(if .path == $h
				then .path = $w | .args = [$w, $h, $b] + .args[1:] else . end)) end)
	' "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# adv_hook_rc [BUNDLE]: the wrapped hook's exit status, or nothing when it did not run.
# shellcheck disable=SC2120 # BUNDLE is optional
adv_hook_rc() {
	cat "${1:-$BUNDLE}/adv-hook.rc" 2>/dev/null
}

# adv_assert_runtime_refused STATUS OUTPUT [PATTERN...]: the runtime failed in
# time because the wrapped hook exited 1 (not a signal) with exactly one error
# line matching every PATTERN, naming the container unless the state itself
# could not be read; the container's namespace held no lxcfs bind after the
# hook; the host is untouched.
adv_assert_runtime_refused() {
	local st=$1 rc
	shift 2 # OUTPUT: the caller echoes it; the hook's own stderr is in the bundle
	[ "$st" -ne 0 ] || { fail "the container was created; the hook should have stopped it"; return 1; }
	[ "$st" -ne 124 ] && [ "$st" -ne 137 ] || { fail "the runtime did not return in time (exit $st)"; return 1; }
	rc=$(adv_hook_rc)
	[ "$rc" = 1 ] || { fail "the hook exited '$rc', expected 1"; return 1; }
	adv_assert_one_error_line "$BUNDLE/adv-hook.stderr" "$@" || return 1
	if ! hook_lines error "$BUNDLE/adv-hook.stderr" | grep -qE "error: state:"; then
		grep -qF "container $(shown_id "$CID"): " "$BUNDLE/adv-hook.stderr" ||
			{ fail "the hook's error does not name the container $(shown_id "$CID")"; return 1; }
	fi
	adv_assert_no_lxcfs_binds "$BUNDLE/adv-ns-mountinfo" || return 1
	assert_host_untouched
}

# adv_assert_one_error_line FILE [PATTERN...]: FILE is exactly one line, the
# hook's error, matching every extended regex PATTERN (case-insensitive).
adv_assert_one_error_line() {
	local f=$1 n pat
	shift
	n=$(wc -l <"$f")
	[ "$n" -eq 1 ] || { fail "expected one line from the hook, got $n:"$'\n'"$(head -c 4096 "$f")"; return 1; }
	hook_lines error "$f" >/dev/null || { fail "not an error line: $(head -c 1024 "$f")"; return 1; }
	[ "$(wc -c <"$f")" -le 1024 ] || { fail "the error line is $(wc -c <"$f") bytes long"; return 1; }
	for pat in "$@"; do
		grep -qiE -e "$pat" "$f" || { fail "the hook's error does not match /$pat/: $(cat "$f")"; return 1; }
	done
}

# ---- the hook, run by hand -------------------------------------------------

# adv_state PID BUNDLE [STATUS [ANNOTATIONS_JSON]]: an OCI state document.
# Annotations default to lxcfsEnable=true.
adv_state() {
	jq -nc --arg id "${CID:-lxh-test-byhand}" --argjson pid "$1" --arg b "$2" --arg st "${3:-created}" \
		--argjson ann "${4:-"{\"io.kubernetes.container.lxcfsEnable\": \"true\"}"}" \
		'{ociVersion: "1.0.2", id: $id, status: $st, pid: $pid, bundle: $b, annotations: $ann}'
}

# adv_hook [HOOK OPTIONS...]: run the hook by hand, stdin from the caller, with
# the usual arguments (private lxcfs, --log-level warn, legacy when forced),
# bounded by ADV_BOUND seconds. Sets status, output (stdout), stderr, and
# ADV_MS (wall-clock milliseconds).
# shellcheck disable=SC2120 # the bats files pass options
adv_hook() {
	local args t0
	mapfile -t args < <(hook_args "$@")
	t0=$(date +%s%N)
	run --separate-stderr timeout -k 5 "$ADV_BOUND" "$HOOK_BIN" "${args[@]}"
	ADV_MS=$((($(date +%s%N) - t0) / 1000000))
	echo "hook exit $status after $ADV_MS ms"
	[ -z "$output" ] || echo "stdout: ${output:0:2048}"
	echo "stderr: ${stderr:0:2048}"
}

# adv_hook_on PID BUNDLE [STATUS [ANNOTATIONS_JSON]]: adv_hook on adv_state's
# document (not through a pipe: bats' run must set status in this shell).
adv_hook_on() {
	adv_state "$@" >"$BATS_TEST_TMPDIR/adv-state.json" || return 1
	adv_hook <"$BATS_TEST_TMPDIR/adv-state.json"
}

# adv_hook_str TEXT: adv_hook with exactly TEXT on stdin.
adv_hook_str() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/adv-stdin" || return 1
	adv_hook <"$BATS_TEST_TMPDIR/adv-stdin"
}

# adv_check_exit: the last adv_hook run ended by itself (no signal, no timeout).
adv_check_exit() {
	case $status in
	0 | 1) return 0 ;;
	2) fail "the hook reported a usage error (exit 2)" ;;
	124 | 137) fail "the hook did not return within $ADV_BOUND s (exit $status)" ;;
	*) fail "the hook died with exit $status (signal $((status - 128)) when above 128)" ;;
	esac
	return 1
}

# adv_refused [PATTERN...]: the last adv_hook run refused: exit 1, nothing on
# stdout, exactly one error line on stderr matching every PATTERN.
adv_refused() {
	adv_check_exit || return 1
	[ "$status" -eq 1 ] || { fail "the hook exited $status, expected a refusal (1)"; return 1; }
	[ -z "$output" ] || { fail "the hook wrote to stdout"; return 1; }
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/adv-last.err"
	adv_assert_one_error_line "$BATS_TEST_TMPDIR/adv-last.err" "$@"
}

# adv_noop: the last adv_hook run was a clean no-op: exit 0, silent.
adv_noop() {
	adv_check_exit || return 1
	[ "$status" -eq 0 ] || { fail "the hook exited $status, expected a clean no-op (0)"; return 1; }
	[ -z "$output" ] || { fail "the hook wrote to stdout"; return 1; }
	[ -z "$stderr" ] || { fail "the hook wrote to stderr: $stderr"; return 1; }
}

# adv_warned PATTERN...: the last adv_hook run went on without lxcfs: exit 0,
# exactly one warning line matching every PATTERN.
adv_warned() {
	local pat
	adv_check_exit || return 1
	[ "$status" -eq 0 ] || { fail "the hook exited $status, expected 0 with a warning"; return 1; }
	[ -z "$output" ] || { fail "the hook wrote to stdout"; return 1; }
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { fail "expected one warning line"; return 1; }
	hook_lines warn <<<"$stderr" >/dev/null || { fail "not a warning: $stderr"; return 1; }
	for pat in "$@"; do
		grep -qiE -e "$pat" <<<"$stderr" || { fail "the warning does not match /$pat/"; return 1; }
	done
}

# adv_created_container NAME [make_bundle OPTIONS...]: a container created by
# runc with no hook registered, waiting in runc init: its namespace is real and
# nothing else mounts in it. Sets BUNDLE, CID, ADV_PID, and snapshots its mount
# table as NAME.
adv_created_container() {
	local name=$1
	shift
	make_bundle "$name" --enable --stage none "$@" || return 1
	container_create runc || return 1
	ADV_PID=$(container_pid "$CID") || return 1
	adv_ns_snapshot "$ADV_PID" "$name"
}
