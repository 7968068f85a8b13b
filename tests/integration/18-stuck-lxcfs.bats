#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 9, item 2: an lxcfs that has read a request and never answers. Its callers wait
# in the kernel uninterruptibly; SIGKILL does not end them. The hook, remount, status
# and invoke must still end by --timeout plus the grace, and the runtimes with them.
#
# tests/fake-lxcfs plays that lxcfs (fake-lxcfs.bash); teardown aborts its FUSE
# connection, which frees every process stuck on it.

load helpers
load fake-lxcfs

@test "fake-lxcfs looks like lxcfs, and holds a reader past SIGKILL until its connection is aborted" {
	local line reader i state
	start_fake_lxcfs --memtotal 4242
	line=$(fake_lxcfs_mountinfo self "$FAKE_LXCFS_DIR")
	echo "$line"
	[[ "$line" == *" - fuse.lxcfs lxcfs "*user_id=0,* ]] || fail "not a fuse.lxcfs mount of source lxcfs: $line"
	grep -qE '^MemTotal: +4242 kB$' "$FAKE_LXCFS_DIR/proc/meminfo" || fail "MemTotal is not 4242 kB"
	[ "$(cat "$FAKE_LXCFS_DIR/sys/devices/system/cpu/online")" = 0 ]
	grep -q '^processor' "$FAKE_LXCFS_DIR/proc/cpuinfo"

	fake_lxcfs_hang lookup
	cat "$FAKE_LXCFS_DIR/proc/uptime" >/dev/null 2>&1 3>&- &
	reader=$!
	for ((i = 0; i < 50; i++)); do
		[ "$(fake_lxcfs_waiting)" -ge 1 ] && break
		sleep 0.1
	done
	[ "$(fake_lxcfs_waiting)" -ge 1 ] || fail "no request is waiting on the held lookup"
	kill -KILL "$reader"
	sleep 0.5
	state=$(awk '{ print $3 }' "/proc/$reader/stat" 2>/dev/null || true)
	echo "reader $reader after SIGKILL: state ${state:-gone}"
	[ "$state" = D ] || fail "the reader did not stay stuck after SIGKILL (state ${state:-gone})"

	stop_fake_lxcfs
	for ((i = 0; i < 50; i++)); do
		lxh_pid_gone "$reader" && break
		sleep 0.1
	done
	lxh_pid_gone "$reader" || fail "the reader is still stuck after the connection was aborted"
	wait "$reader" || true
}

# ---- the runtimes, the hook and the other commands against a stuck lxcfs ----
#
# BOUND is generous on purpose: it proves there is no hang (the hook ends by
# --timeout 2 plus its grace), it does not time anything. The times are printed.
BOUND=30

# timed CMD...: `run CMD...` and print how long it took; ELAPSED_MS is set.
timed() {
	local t0 t1
	t0=$(date +%s%N)
	run "$@"
	t1=$(date +%s%N)
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	# On fd 3 too: the TAP stream shows the time of passing tests as well.
	echo "# $BATS_TEST_DESCRIPTION: returned $status after $ELAPSED_MS ms" | tee /dev/fd/3
	echo "$output"
}

# bounded CMD...: CMD with its output through a pipe, as a runtime reads a hook's, all
# under BOUND. Were a stuck worker to hold that pipe, cat would not end before BOUND:
# a failure (124), not a test that hangs for ever.
bounded() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout -k 5 "$BOUND" bash -c 'set -o pipefail; "$@" 2>&1 </dev/null 3>&- | cat' bounded "$@"
}

# assert_returned: the command `timed` ran ended by itself within BOUND.
assert_returned() {
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] ||
		fail "did not return within $BOUND s (exit $status): a hang"
	[ "$ELAPSED_MS" -lt $((BOUND * 1000)) ] || fail "took $ELAPSED_MS ms"
}

# container_run_d RUNTIME: `RUNTIME run -d` the bundle's container (hooks included),
# its output in $BUNDLE/runtime.{out,err}, bounded by BOUND.
container_run_d() {
	local rt=$1 id rc=0
	id=$(cat "$BUNDLE/id") || return 1
	lxh_runtime_cmd "$rt" || return 1
	lxh_register_container "$rt" "$id" "$BUNDLE"
	(cd "$BUNDLE" && timeout -k 5 "$BOUND" "${LXH_CMD[@]}" run -d --bundle "$BUNDLE" "$id" \
		</dev/null >"$BUNDLE/runtime.out" 2>"$BUNDLE/runtime.err" 3>&-) || rc=$?
	cat "$BUNDLE/runtime.err"
	return $rc
}

# stuck_bundle NAME [make_bundle OPTIONS...]: an annotated bundle whose hook uses the
# fake lxcfs with --timeout 2.
stuck_bundle() {
	local name=$1
	shift
	make_bundle "$name" --enable --lxcfs-root "$FAKE_LXCFS_DIR" --hook-arg --timeout --hook-arg 2 "$@"
}

# assert_started_without_lxcfs: the container of $CID runs, with no lxcfs mount,
# and the hook warned that it started it without lxcfs files.
assert_started_without_lxcfs() {
	local pid
	pid=$(container_pid "$CID") || return 1
	assert_lxcfs_mounts_are "$pid" || return 1
	hook_lines warn "$BUNDLE/hook.log" | grep -F 'without lxcfs files' ||
		{ fail "no warning that the container started without lxcfs files"; return 1; }
}

stuck_runtime_ignore() {
	local rt=$1
	start_fake_lxcfs --memtotal 4242
	fake_lxcfs_hang lookup
	stuck_bundle "stuck-$rt" --hook-arg --on-missing --hook-arg ignore
	timed container_run_d "$rt"
	cat "$BUNDLE/hook.log" || true
	assert_returned
	[ "$status" -eq 0 ] || fail "$rt run failed with --on-missing ignore"
	assert_started_without_lxcfs
	assert_host_untouched
}

stuck_runtime_fail() {
	local rt=$1
	start_fake_lxcfs --memtotal 4242
	fake_lxcfs_hang lookup
	stuck_bundle "stuck-fail-$rt" --hook-arg --on-missing --hook-arg fail
	timed container_run_d "$rt"
	cat "$BUNDLE/hook.log" || true
	assert_returned
	assert_refused "$status" "$output$(cat "$BUNDLE/runtime.err")" 'deadline|--timeout'
	assert_host_untouched
}

@test "stuck lxcfs: runc run with --timeout 2 returns, the container starts without lxcfs files (--on-missing ignore)" {
	stuck_runtime_ignore runc
}

@test "stuck lxcfs: runc run with --timeout 2 and --on-missing fail returns and refuses the container" {
	stuck_runtime_fail runc
}

@test "stuck lxcfs: crun run with --timeout 2 returns, the container starts without lxcfs files (--on-missing ignore)" {
	require_cmd crun
	stuck_runtime_ignore crun
}

@test "stuck lxcfs: crun run with --timeout 2 and --on-missing fail returns and refuses the container" {
	require_cmd crun
	stuck_runtime_fail crun
}

@test "stuck lxcfs: podman run with --timeout 2 returns; the container reads no fake lxcfs file" {
	require_cmd podman
	start_fake_lxcfs --memtotal 4242
	fake_lxcfs_hang lookup
	LXCFS_DIR=$FAKE_LXCFS_DIR podman_hooks_dir --timeout 2 --on-missing ignore
	LXH_RUNTIME_TIMEOUT=$BOUND timed podman_run --annotation io.kubernetes.container.lxcfsEnable=true -- sh -c 'grep MemTotal /proc/meminfo; grep -c " fuse.lxcfs " /proc/self/mountinfo || true'
	cat "$BATS_TEST_TMPDIR/podman-hook.log" || true
	assert_returned
	[ "$status" -eq 0 ] || fail "podman run failed"
	[[ "$output" != *" 4242 kB"* ]] || fail "the container read the fake lxcfs's MemTotal"
	[ "$(tail -n 1 <<<"$output")" = 0 ] || fail "the container has lxcfs mounts"
	hook_lines warn "$BATS_TEST_TMPDIR/podman-hook.log" | grep -F 'without lxcfs files'
	assert_host_untouched
}

# The worker gets stuck after it attached a file: on its verification, the first statfs
# of meminfo (the checks before it ask about lxcfs's root). "on meminfo", not "after N":
# other processes on the host that probe every lxcfs mount must not shift the count.
# Only the legacy path verifies with statfs: with statmount (6.8+) the worker asks lxcfs
# nothing after attaching (the last test of this group), so these force legacy, as a
# kernel before 5.2 would.
ONE_FILE=(--annotation io.kubernetes.container.lxcfsFiles=/proc/meminfo)
VERIFY_BY_STATFS=(--hook-arg --mount-api --hook-arg legacy)
hang_after_first_attach() {
	fake_lxcfs_hang statfs on meminfo
}

# kernel_has_statmount: Linux 6.8 or later.
kernel_has_statmount() {
	local major minor
	IFS=. read -r major minor _ <<<"$(uname -r)"
	((major > 6 || (major == 6 && ${minor%%[!0-9]*} >= 8)))
}

# assert_undone: the hook killed and abandoned its stuck worker, found the mount it had
# left by the mount table, and took it off.
assert_undone() {
	hook_lines error "$BUNDLE/hook.log" | grep -F 'abandoned' ||
		{ fail "the hook did not report the abandoned worker"; return 1; }
	hook_lines info "$BUNDLE/hook.log" | grep -F 'the stopped worker left 1 lxcfs mount' ||
		{ fail "the hook did not find the mount the worker left"; return 1; }
	hook_lines info "$BUNDLE/hook.log" | grep -F 'undid the lxcfs mounts the stopped worker had made' ||
		{ fail "the hook did not confirm the undo"; return 1; }
}

@test "stuck after attaching: the undo detaches what is there; --on-missing ignore starts the container with no lxcfs mount" {
	start_fake_lxcfs --memtotal 4242
	hang_after_first_attach
	stuck_bundle stuck-undo "${ONE_FILE[@]}" "${VERIFY_BY_STATFS[@]}" --hook-arg --on-missing --hook-arg ignore
	timed container_run_d runc
	cat "$BUNDLE/hook.log" || true
	assert_returned
	[ "$status" -eq 0 ] || fail "runc run failed with --on-missing ignore"
	grep -E 'statfs .* held' "$FAKE_LXCFS_LOG" || fail "the worker was never held on a statfs"
	assert_undone
	assert_started_without_lxcfs
	assert_host_untouched
}

@test "stuck after attaching, --on-missing fail: the container is refused and nothing is left mounted" {
	start_fake_lxcfs --memtotal 4242
	hang_after_first_attach
	stuck_bundle stuck-undo-fail "${ONE_FILE[@]}" "${VERIFY_BY_STATFS[@]}" --hook-arg --on-missing --hook-arg fail
	timed container_run_d runc
	cat "$BUNDLE/hook.log" || true
	assert_returned
	grep -E 'statfs .* held' "$FAKE_LXCFS_LOG" || fail "the worker was never held on a statfs"
	assert_undone
	assert_refused "$status" "$output$(cat "$BUNDLE/runtime.err")" 'deadline|--timeout'
	assert_host_untouched
}

@test "statfs held after attaching, new mount API: the worker verifies with statmount and is never held" {
	local pid
	start_fake_lxcfs --memtotal 4242
	hang_after_first_attach
	stuck_bundle stuck-verify-statmount "${ONE_FILE[@]}" --hook-arg --on-missing --hook-arg fail
	timed container_run_d runc
	cat "$BUNDLE/hook.log" || true
	assert_returned
	if ! kernel_has_statmount || lxh_legacy; then
		# Before 6.8, and on the legacy path (check-legacy), verification is a statfs: held,
		# then undone, as in the tests above.
		assert_undone
		assert_host_untouched
		return
	fi
	[ "$status" -eq 0 ] || fail "runc run failed: the worker was held"
	! grep -E 'statfs .* held' "$FAKE_LXCFS_LOG" || fail "a statfs reached the fake lxcfs and was held"
	pid=$(container_pid "$CID")
	assert_lxcfs_mounts_are "$pid" /proc/meminfo
	assert_host_untouched
}

# A running container with the fake lxcfs's files mounted (while it answered). Sets PID.
running_with_fake_lxcfs() {
	stuck_bundle "$1"
	container_run_d runc || return 1
	PID=$(container_pid "$CID") || return 1
	[ -n "$(container_lxcfs_mounts "$PID")" ] || { fail "nothing mounted from the fake lxcfs"; return 1; }
}

@test "stuck lxcfs: remount --timeout 2 returns" {
	local args
	start_fake_lxcfs --memtotal 4242
	running_with_fake_lxcfs remount-stuck
	fake_lxcfs_hang all
	mapfile -t args < <(LXH_HOOK_LXCFS_ROOT=$FAKE_LXCFS_DIR hook_args)
	timed bounded "$HOOK_BIN" remount "${args[@]}" --pid "$PID" --timeout 2
	assert_returned
	[ "$status" -eq 1 ] || fail "remount should fail: its lxcfs does not answer"
	assert_host_untouched
}

@test "stuck lxcfs: status --timeout 2 returns" {
	start_fake_lxcfs --memtotal 4242
	running_with_fake_lxcfs status-stuck
	fake_lxcfs_hang all
	timed bounded "$HOOK_BIN" status --lxcfs-root "$FAKE_LXCFS_DIR" --timeout 2
	assert_returned
	[ "$status" -ne 2 ] || fail "status --timeout: usage error"
}

@test "stuck lxcfs: invoke (conf timeout 2) returns with an error result, nothing mounted" {
	local req
	start_fake_lxcfs --memtotal 4242
	make_bundle invoke-stuck --enable --stage none
	container_create runc
	PID=$(container_pid "$CID")
	fake_lxcfs_hang lookup
	req=$(jq -nc --arg id "$CID" --argjson pid "$PID" --arg root "$FAKE_LXCFS_DIR" '{
		conf: {"lxcfs-root": $root, timeout: 2, "on-missing": "fail"}, version: "0.1", state: "create",
		id: $id, sandboxID: "lxh-sandbox", pid: $pid,
		spec: {annotations: {"io.kubernetes.container.lxcfsEnable": "true",
			"io.kubernetes.cri.container-type": "container"}}}')
	printf '%s\n' "$req" >"$BATS_TEST_TMPDIR/request"
	# shellcheck disable=SC2016 # expanded by the inner bash
	timed bounded bash -c 'exec -a lxcfs-oci-hook "$0" invoke <"$1"' "$HOOK_BIN" "$BATS_TEST_TMPDIR/request"
	assert_returned
	[ "$status" -eq 1 ] || fail "invoke exit $status, expected 1 (on-missing fail)"
	assert_lxcfs_mounts_are "$PID"
	assert_host_untouched
}
