#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 13, part 1: the original request's Docker setup, as its users run it. lxcfs at
# /var/lib/lxc/lxcfs, `docker run -m 256m` with its six `-v` binds (and without its
# shared /var/lib/lxc), lxcfs crashing and coming back, then `lxcfs-oci-hook status`
# and `remount` in place of the request's remount_lxcfs.sh.
#
# The distribution's Docker (Debian 12: 20.10; the trixie stack: 26.1) in a private
# mount namespace on private paths: see docker-helpers.bash.

load helpers
load docker-helpers

bats_require_minimum_version 1.5.0

setup() {
	docker_setup || return 1
	docker_start || return 1
	docker_import_image || { fail "docker import failed"; return 1; }
	dk_lxcfs_start
}

teardown() {
	docker_teardown
}

# run_seed NAME: the request's command line, detached, with a process that stays.
run_seed() {
	local binds
	mapfile -t binds < <(dk_seed_binds)
	dk run -d --name "$1" --network none -m 256m "${binds[@]}" "$DK_IMAGE" sleep 1000 >/dev/null
}

@test "docker seed 1: the request's -v binds show 256 MiB; after an lxcfs crash status names the container stale, remount heals it one layer per file, once" {
	echo "# $("$LXH_DOCKERD" --version)" >&3
	run_seed seed
	id=$(dk_id seed)
	pid=$(dk_pid seed)
	read -ra files <<<"$DK_SEED_FILES"
	dk_assert_layers "$pid" "${files[@]}"
	run dk exec seed free -m
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(awk '$1 == "Mem:" { print $2 }' <<<"$output")" = 256 ]
	# No /var/lib/lxc inside: the request shared it (":shared") only for its script.
	run dk exec seed ls /var/lib/lxc
	[ "$status" -ne 0 ]

	dk_lxcfs_restart
	run dk exec seed cat /proc/meminfo
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Transport endpoint is not connected"* ]]

	# status: found at Docker's default exec root (/run/docker in the daemon's namespace).
	run --separate-stderr dk_hook status
	echo "$output"
	[ "$status" -eq 1 ]
	row=$(awk -v p="$pid" '$1 == p' <<<"$output")
	[ "$(awk '{ print $2 }' <<<"$row")" = "${id:0:24}" ]
	[ "$(awk '{ print $3 }' <<<"$row")" = stale ]
	run --separate-stderr dk_hook status --json
	stale=$(printf '/proc/%s ' "${files[@]}")
	assert_status_entry "$pid" "$id" stale "$stale" "$stale" ""

	run --separate-stderr dk_hook remount --pid "$pid"
	echo "$output"
	echo "$stderr" | grep -v ': debug: ' || true
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, 6 mounts repaired in 1 containers, 0 failed"
	dk_assert_layers "$pid" "${files[@]}"
	run dk exec seed free -m
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(awk '$1 == "Mem:" { print $2 }' <<<"$output")" = 256 ]

	run --separate-stderr dk_hook remount --pid "$pid"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, 0 mounts repaired in 0 containers, 0 failed"
	dk_assert_layers "$pid" "${files[@]}"

	run --separate-stderr dk_hook status --json
	assert_status_entry "$pid" "$id" ok "$stale" "" ""
	assert_status_exit
	assert_host_untouched
}

@test "docker seed 2: status --state-root names Docker's containers kept under a dockerd --exec-root" {
	run_seed seed
	id=$(dk_id seed)
	pid=$(dk_pid seed)
	[ -f "$DK_EXEC/runtime-runc/moby/$id/state.json" ] ||
		{ ls -R "$DK_EXEC/runtime-runc" >&2; fail "no runc state of $id under $DK_EXEC/runtime-runc/moby"; }
	# From the host's namespace, where /run/docker is not this daemon's: --state-root.
	run --separate-stderr timeout 60 "$HOOK_BIN" status --json \
		--state-root "$DK_EXEC/runtime-runc/moby"
	echo "$output" | jq -c --argjson p "$pid" '.namespaces[] | select(.pid == $p)'
	[ "$(jq -r --argjson p "$pid" '.namespaces[] | select(.pid == $p) | .container' <<<"$output")" = "$id" ]
	# Docker's cgroup path ends in the id too, so the name above could come from it: a copy
	# of the state whose id says otherwise shows that status reads the --state-root given.
	copy="$BATS_TEST_TMPDIR/state-copy"
	mkdir -p "$copy/renamed"
	jq -c '.id = "named-by-state"' "$DK_EXEC/runtime-runc/moby/$id/state.json" >"$copy/renamed/state.json"
	run --separate-stderr timeout 60 "$HOOK_BIN" status --json --state-root "$copy"
	[ "$(jq -r --argjson p "$pid" '.namespaces[] | select(.pid == $p) | .container' <<<"$output")" = named-by-state ]
	assert_host_untouched
}

@test "docker seed 3: remount heals several Docker containers, each from its own namespace, and leaves one without lxcfs alone" {
	run_seed seed-a
	run_seed seed-b
	dk run -d --name plain --network none -m 256m "$DK_IMAGE" sleep 1000 >/dev/null
	pa=$(dk_pid seed-a) pb=$(dk_pid seed-b) pp=$(dk_pid plain)
	read -ra files <<<"$DK_SEED_FILES"
	dk_lxcfs_restart
	run --separate-stderr dk_hook remount --pid "$pa" --pid "$pb" --pid "$pp"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_summary "remount: 3 namespaces scanned, 12 mounts repaired in 2 containers, 0 failed"
	dk_assert_layers "$pa" "${files[@]}"
	dk_assert_layers "$pb" "${files[@]}"
	assert_lxcfs_mounts_are "$pp"
	[ "$(dk_memtotal seed-a)" = "$LXH_MEM_LIMIT_KB" ]
	[ "$(dk_memtotal seed-b)" = "$LXH_MEM_LIMIT_KB" ]
	[ "$(dk_memtotal plain)" = "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" ]
	assert_host_untouched
}
