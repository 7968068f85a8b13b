#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 3, tests 1-6: `lxcfs-oci-hook remount` after lxcfs restarted. A real
# restart (restart_lxcfs) leaves every container's lxcfs binds stale (ENOTCONN);
# remount replaces each with one fresh read-only bind of the new lxcfs.
#
# Every remount here names its containers with --pid: other users of this host
# may run containers with mounts from their own lxcfs, which are "stale" next to
# this test's lxcfs and must not be rebound to it. Assertions are about this
# test's containers; summary lines are exact for the namespaces given.
#
# Under check-legacy (LXCFS_OCI_HOOK_MOUNT_API=legacy) the hooks still mount at
# createRuntime, but remount reaches pivoted containers, where the classic bind
# path has no safe way in: it must refuse, name why, and change nothing.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	lxh_setup
	require_cmd crun
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
	NF=${#FILES[@]}
}

# The name status gives a fleet member: its id; for podman's, the full id
# podman gave it (runc's state under podman is kept by that id).
fleet_status_name() {
	if [ "$(lxh_container_runtime "$1")" = podman ]; then
		podman inspect --format '{{.Id}}' "$1" </dev/null 3>&-
	else
		echo "$1"
	fi
}

# remount_while_lxcfs_starts WAIT DELAY ARGS...: `remount --wait WAIT ARGS...`
# started while lxcfs is down, lxcfs started on $LXCFS_DIR DELAY seconds later.
# Sets status, output and stderr as `run --separate-stderr` does.
remount_while_lxcfs_starts() {
	local wait=$1 delay=$2 waiter
	shift 2
	hook_remount --wait "$wait" "$@" >"$BATS_TEST_TMPDIR/wait.out" 2>"$BATS_TEST_TMPDIR/wait.err" &
	waiter=$!
	sleep "$delay"
	start_lxcfs "$LXCFS_DIR" || { wait "$waiter"; return 1; }
	status=0
	wait "$waiter" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/wait.out")
	stderr=$(cat "$BATS_TEST_TMPDIR/wait.err")
}

@test "remount test 1: 12 containers (runc, crun, podman) after a restart: stale, all repaired, once" {
	require_cmd podman
	start_fleet runc crun runc crun runc crun runc crun runc crun runc podman
	n=${#FLEET_IDS[@]}
	[ "$n" -eq 12 ]
	for p in "${FLEET_PIDS[@]}"; do
		assert_from_lxcfs "$p" "${FILES[@]}"
	done

	restart_lxcfs
	run --separate-stderr hook_status --json
	echo "$output" | head -n 40
	[ "$status" -eq 1 ]
	for i in "${!FLEET_PIDS[@]}"; do
		assert_status_entry "${FLEET_PIDS[i]}" "$(fleet_status_name "${FLEET_IDS[i]}")" stale \
			"${FILES[*]}" "${FILES[*]}" ""
	done
	# Really broken, under each runtime.
	assert_enotconn "${FLEET_IDS[0]}"
	assert_enotconn "${FLEET_IDS[1]}"
	assert_enotconn "${FLEET_IDS[11]}"

	remount_pids -- "${FLEET_PIDS[@]}"
	if lxh_legacy; then
		assert_host_untouched
		return
	fi
	[ "$status" -eq 0 ]
	assert_summary "remount: $n namespaces scanned, $((n * NF)) mounts repaired in $n containers, 0 failed"
	for id in "${FLEET_IDS[@]}"; do
		assert_repaired "$id" "${FILES[@]}"
	done

	# Nothing left to do.
	remount_pids -- "${FLEET_PIDS[@]}"
	[ "$status" -eq 0 ]
	assert_summary "remount: $n namespaces scanned, 0 mounts repaired in 0 containers, 0 failed"

	run --separate-stderr hook_status --json
	for i in "${!FLEET_PIDS[@]}"; do
		assert_status_entry "${FLEET_PIDS[i]}" "$(fleet_status_name "${FLEET_IDS[i]}")" ok "${FILES[*]}" "" ""
	done
	assert_status_exit
	assert_host_untouched
}

@test "remount test 2: three restarts, a remount after each: one mount per target, all readable" {
	start_fleet runc crun runc crun
	n=${#FLEET_IDS[@]}
	for round in 1 2 3; do
		echo "# round $round"
		restart_lxcfs
		remount_pids -- "${FLEET_PIDS[@]}"
		if lxh_legacy; then
			assert_host_untouched
			return
		fi
		[ "$status" -eq 0 ]
		assert_summary "remount: $n namespaces scanned, $((n * NF)) mounts repaired in $n containers, 0 failed"
		for id in "${FLEET_IDS[@]}"; do
			assert_repaired "$id" "${FILES[@]}"
		done
	done
	assert_host_untouched
}

@test "remount test 3: --dry-run changes nothing; --pid repairs only that container" {
	start_fleet runc crun
	a=${FLEET_IDS[0]} pa=${FLEET_PIDS[0]} b=${FLEET_IDS[1]} pb=${FLEET_PIDS[1]}
	restart_lxcfs
	before=$(lxcfs_snapshot "$pa" "$pb")

	run --separate-stderr hook_remount --dry-run --pid "$pa" --pid "$pb"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qE "^would repair pid $pa \(container $a\): " <<<"$output"
	grep -qE "^would repair pid $pb \(container $b\): " <<<"$output"
	assert_summary "remount: 2 namespaces scanned, $((2 * NF)) mounts would be repaired in 2 containers, 0 failed"
	assert_snapshot_unchanged "$before" "$pa" "$pb"
	assert_enotconn "$a"
	assert_enotconn "$b"
	run --separate-stderr hook_status --json
	assert_status_entry "$pa" "$a" stale "${FILES[*]}" "${FILES[*]}" ""
	assert_status_entry "$pb" "$b" stale "${FILES[*]}" "${FILES[*]}" ""

	before_a=$(lxcfs_snapshot "$pa")
	before_b=$(lxcfs_snapshot "$pb")
	run --separate-stderr hook_remount --pid "$pa"
	echo "$output"
	if lxh_legacy; then
		assert_remount_refused_legacy "$before_a" "$pa"
		assert_snapshot_unchanged "$before_b" "$pb"
		assert_host_untouched
		return
	fi
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, $NF mounts repaired in 1 containers, 0 failed"
	assert_repaired "$a" "${FILES[@]}"
	# The other one: exactly as it was, still broken.
	assert_snapshot_unchanged "$before_b" "$pb"
	assert_enotconn "$b"
	run --separate-stderr hook_status --json
	assert_status_entry "$pa" "$a" ok "${FILES[*]}" "" ""
	assert_status_entry "$pb" "$b" stale "${FILES[*]}" "${FILES[*]}" ""
	assert_host_untouched
}

@test "remount without --pid scans every namespace and finds this test's stale containers" {
	# Regression: remount without --pid once scanned nothing at all. --dry-run, because other
	# users of the host may have containers of their own lxcfs, which this lxcfs must not take.
	start_fleet runc crun
	restart_lxcfs
	run --separate-stderr "$HOOK_BIN" remount --lxcfs-root "$LXCFS_DIR" --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	for i in "${!FLEET_PIDS[@]}"; do
		echo "$output" | grep -qE "^would repair pid ${FLEET_PIDS[i]} \\(container ${FLEET_IDS[i]}\\): " ||
			fail "container ${FLEET_IDS[i]} (pid ${FLEET_PIDS[i]}) was not found without --pid"
	done
	scanned=$(echo "$output" | sed -nE 's/^remount: ([0-9]+) namespaces scanned.*/\1/p')
	[ "${scanned:-0}" -ge 2 ] || fail "only ${scanned:-0} namespaces scanned"
	assert_enotconn "${FLEET_IDS[0]}"
}

@test "remount test 4: lxcfs down: exit 1, says so, nothing unmounted; --wait 5 catches an lxcfs starting 1 s later" {
	start_fleet runc crun
	stop_lxcfs --keep-dir
	before=$(lxcfs_snapshot "${FLEET_PIDS[@]}")
	mapfile -t pids < <(pid_args "${FLEET_PIDS[@]}")

	run --separate-stderr hook_remount "${pids[@]}"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	hook_lines error <<<"$stderr" | grep -F "$LXCFS_DIR" | grep -qi 'no live lxcfs'
	assert_snapshot_unchanged "$before" "${FLEET_PIDS[@]}"

	# --wait gives up when lxcfs does not come.
	run --separate-stderr hook_remount --wait 1 "${pids[@]}"
	echo "$stderr"
	[ "$status" -eq 1 ]
	hook_lines error <<<"$stderr" | grep -qi 'no live lxcfs'
	assert_snapshot_unchanged "$before" "${FLEET_PIDS[@]}"

	# lxcfs comes back while remount waits for it.
	remount_while_lxcfs_starts 5 1 "${pids[@]}"
	echo "$output"
	echo "$stderr" | grep -v ': debug: ' || true
	if lxh_legacy; then
		assert_remount_refused_legacy "$before" "${FLEET_PIDS[@]}"
		assert_host_untouched
		return
	fi
	[ "$status" -eq 0 ]
	assert_summary "remount: 2 namespaces scanned, $((2 * NF)) mounts repaired in 2 containers, 0 failed"
	for id in "${FLEET_IDS[@]}"; do
		assert_repaired "$id" "${FILES[@]}"
	done
	assert_host_untouched
}

@test "remount: an lxcfs that does not answer: exit 1 within the probe, nothing changed" {
	start_fleet runc
	restart_lxcfs
	before=$(lxcfs_snapshot "${FLEET_PIDS[0]}")
	lxcfs_signal STOP
	run --separate-stderr hook_remount --pid "${FLEET_PIDS[0]}"
	lxcfs_signal CONT
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$status" -ne 124 ]
	hook_lines error <<<"$stderr" | grep -F "$LXCFS_DIR" | grep -qi 'not answering'
	assert_snapshot_unchanged "$before" "${FLEET_PIDS[0]}"
	assert_host_untouched
}

@test "remount test 5: --adopt mounts into annotated containers started while lxcfs was absent, and no others" {
	stop_lxcfs --keep-dir
	make_bundle adopt-runc --enable --hook-arg --on-missing --hook-arg ignore
	run_container runc
	a=$CID
	make_bundle adopt-crun --enable --hook-arg --on-missing --hook-arg ignore
	run_container crun
	b=$CID
	make_bundle adopt-false --annotation io.kubernetes.container.lxcfsEnable=false \
		--hook-arg --on-missing --hook-arg ignore
	run_container runc
	c=$CID
	make_bundle adopt-none --hook-arg --on-missing --hook-arg ignore
	run_container crun
	d=$CID
	for id in "$a" "$b" "$c" "$d"; do
		assert_lxcfs_mounts_are "$(container_pid "$id")"
	done
	pa=$(container_pid "$a") pb=$(container_pid "$b") pc=$(container_pid "$c") pd=$(container_pid "$d")
	mapfile -t pids < <(pid_args "$pa" "$pb" "$pc" "$pd")

	start_lxcfs "$LXCFS_DIR"
	run --separate-stderr hook_remount --adopt --dry-run "${pids[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qxF "would adopt container $a (pid $pa)" <<<"$output"
	grep -qxF "would adopt container $b (pid $pb)" <<<"$output"
	if grep -E "would adopt container ($c|$d) " <<<"$output"; then
		fail "a container not annotated true would be adopted"
	fi
	# (How many mounts an adoption would make is not known before it is made.)
	remount_summary | grep -qE '^remount: 4 namespaces scanned, 0 mounts would be repaired in 0 containers, 2 containers would be adopted, 0 failed$'
	for p in "$pa" "$pb" "$pc" "$pd"; do
		assert_lxcfs_mounts_are "$p"
	done

	remount_pids --adopt -- "$pa" "$pb" "$pc" "$pd"
	if lxh_legacy; then
		assert_host_untouched
		return
	fi
	[ "$status" -eq 0 ]
	assert_summary "remount: 4 namespaces scanned, 0 mounts repaired in 0 containers, 2 containers adopted ($((2 * NF)) mounts), 0 failed"
	assert_repaired "$a" "${FILES[@]}"
	assert_repaired "$b" "${FILES[@]}"
	assert_plain_container "$c"
	assert_plain_container "$d"

	# Adopted once: the next run has nothing to do.
	run --separate-stderr hook_remount --adopt "${pids[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_summary "remount: 4 namespaces scanned, 0 mounts repaired in 0 containers, 0 containers adopted (0 mounts), 0 failed"
	assert_host_untouched
}

@test "remount test 6: a /proc/meminfo that is not from lxcfs is left alone" {
	# E: the spec binds a regular file on /proc/meminfo; the hook mounts the rest.
	printf 'MemTotal:        1234 kB\n' >"$BATS_TEST_TMPDIR/meminfo"
	make_bundle own-meminfo --enable --bind "$BATS_TEST_TMPDIR/meminfo:/proc/meminfo"
	run_container runc
	e=$CID pe=$(container_pid "$CID")
	mapfile -t efiles < <(printf '%s\n' "${FILES[@]}" | grep -vx /proc/meminfo)
	assert_lxcfs_mounts_are "$pe" "${efiles[@]}"
	meminfo_e=$(grep -E '^([^ ]+ ){4}/proc/meminfo ' "/proc/$pe/mountinfo")
	# F: lxcfsFiles without meminfo: procfs's own.
	make_bundle procfs-meminfo --enable \
		--annotation io.kubernetes.container.lxcfsFiles=/proc/cpuinfo,/proc/uptime
	run_container crun
	f=$CID pf=$(container_pid "$CID")
	assert_lxcfs_mounts_are "$pf" /proc/cpuinfo /proc/uptime

	restart_lxcfs
	remount_pids -- "$pe" "$pf"
	if ! lxh_legacy; then
		[ "$status" -eq 0 ]
		assert_summary "remount: 2 namespaces scanned, $((${#efiles[@]} + 2)) mounts repaired in 2 containers, 0 failed"
		assert_repaired "$e" "${efiles[@]}"
		assert_repaired "$f" /proc/cpuinfo /proc/uptime
	fi
	# meminfo, in both, exactly as before.
	[ "$(grep -E '^([^ ]+ ){4}/proc/meminfo ' "/proc/$pe/mountinfo")" = "$meminfo_e" ]
	run container_exec "$e" cat /proc/meminfo
	echo "$output"
	[ "$output" = "MemTotal:        1234 kB" ]
	if awk '$5 == "/proc/meminfo"' "/proc/$pf/mountinfo" | grep .; then
		fail "something is mounted on the procfs /proc/meminfo of $f"
	fi
	[ "$(container_memtotal "$f")" = "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" ]
	assert_host_untouched
}

@test "remount: stacked binds of a live lxcfs (a spec binding meminfo twice) become one" {
	make_bundle stacked --stage none \
		--bind "$LXCFS_DIR/proc/meminfo:/proc/meminfo" --bind "$LXCFS_DIR/proc/meminfo:/proc/meminfo"
	run_container runc
	pid=$(container_pid "$CID")
	[ "$(container_lxcfs_mounts "$pid" | grep -cx /proc/meminfo)" -eq 2 ]
	run --separate-stderr hook_status --json
	assert_status_entry "$pid" "$CID" stacked /proc/meminfo "" /proc/meminfo

	remount_pids -- "$pid"
	if lxh_legacy; then
		assert_host_untouched
		return
	fi
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, 1 mounts repaired in 1 containers, 0 failed"
	assert_repaired "$CID" /proc/meminfo
	assert_lxcfs_mounts_readonly "$pid"
	run --separate-stderr hook_status --json
	assert_status_entry "$pid" "$CID" ok /proc/meminfo "" ""
	assert_host_untouched
}

@test "remount: usage errors exit 2" {
	for args in "--pid 0" "--pid x" "--wait -1" "--timeout 0" "--bogus" "extra" "--mount-api new" "--state-root run/runc"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$HOOK_BIN" remount --lxcfs-root "$LXCFS_DIR" $args
		echo "remount $args: $status $stderr"
		[ "$status" -eq 2 ]
		[ -n "$stderr" ]
	done
	# --state-root takes 16 directories (they live on the stack): the 17th is named as the error.
	local roots=() i
	for i in $(seq 17); do roots+=(--state-root "/run/lxh-root-$i"); done
	run --separate-stderr "$HOOK_BIN" remount --lxcfs-root "$LXCFS_DIR" --dry-run "${roots[@]}"
	echo "17 state roots: $status $stderr"
	[ "$status" -eq 2 ]
	grep -q "at most 16 --state-root options" <<<"$stderr"
	run --separate-stderr "$HOOK_BIN" remount --lxcfs-root "$LXCFS_DIR" --pid 2147483647
	echo "nonexistent pid: $status $stderr"
	[ "$status" -eq 1 ]
	hook_lines error <<<"$stderr" | grep -q 2147483647
}
