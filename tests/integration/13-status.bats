#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 3: `lxcfs-oci-hook status`, as a table and as JSON, for containers
# whose lxcfs mounts are ok, stale (lxcfs restarted) or stacked, and with no
# lxcfs mounted at all; its exit status.
#
# status has no --pid: it lists every mount namespace on the host with lxcfs
# mounts, other users' containers included (their mounts from another lxcfs are
# stale next to this test's). Rows are picked by this test's pids; an exit
# status of 0 is expected only when every namespace listed is ok.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	lxh_setup
	require_cmd crun
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
}

# status_row PID: PID's row of the table in $output.
status_row() {
	awk -v p="$1" 'NR > 2 && $1 == p' <<<"$output"
}

# assert_row PID CONTAINER STATE FILES: PID's row; FILES space-separated, each
# marked "(stale)" when STATE is stale; compared as sets.
assert_row() {
	local row want got files
	read -ra files <<<"$4"
	row=$(status_row "$1")
	[ -n "$row" ] || { fail "no row for pid $1"; return 1; }
	echo "row: $row"
	# The container column is 24 characters wide.
	[ "$(awk '{ print $2 }' <<<"$row")" = "${2:0:24}" ] || { fail "pid $1: container is not ${2:0:24}"; return 1; }
	[ "$(awk '{ print $3 }' <<<"$row")" = "$3" ] || { fail "pid $1: state is not $3"; return 1; }
	if [ "$3" = stale ]; then
		want=$(printf '%s(stale)\n' "${files[@]}" | sort)
	else
		want=$(printf '%s\n' "${files[@]}" | sort)
	fi
	got=$(awk '{ print $4 }' <<<"$row" | tr , '\n' | sort)
	[ "$want" = "$got" ] || { fail "pid $1: files differ"; diff <(echo "$want") <(echo "$got") >&2; return 1; }
}

# assert_json_shape: $output is one status --json document of the documented shape.
assert_json_shape() {
	jq -e '
		(keys == ["lxcfs", "namespaces"])
		and (.lxcfs == null or (.lxcfs | keys == ["device", "path", "pid"]))
		and (.namespaces | type == "array")
		and all(.namespaces[];
			keys == ["container", "files", "foreign", "pid", "stacked", "stale", "state", "unresponsive"]
			and (.pid | type == "number") and (.container | type == "string")
			and (.state | IN("ok", "stale", "stacked", "foreign", "unresponsive"))
			and (.files | type == "array") and (.stale | type == "array") and (.stacked | type == "array")
			and (.foreign | type == "array") and (.unresponsive | type == "array"))
	' <<<"$output" >/dev/null || { fail "status --json: not the documented shape"; return 1; }
}

@test "status: ok containers (runc, crun): table and JSON name lxcfs and each container" {
	start_fleet runc crun
	make_bundle plain
	run_container runc
	plain_pid=$(container_pid "$CID")
	dev=$(lxcfs_dev)

	run --separate-stderr hook_status
	echo "$output" | head -n 30
	[ "$(sed -n 1p <<<"$output")" = "lxcfs: $LXCFS_DIR device $dev pid $LXCFS_PID" ]
	[ "$(sed -n 2p <<<"$output" | awk '{ print $1, $2, $3, $4 }')" = "PID CONTAINER STATE FILES" ]
	for i in 0 1; do
		assert_row "${FLEET_PIDS[i]}" "${FLEET_IDS[i]}" ok "${FILES[*]}"
	done
	[ -z "$(status_row "$plain_pid")" ]
	# Exit 0 exactly when every row is ok (or foreign: another lxcfs that answers).
	if [ "$(awk 'NR > 2 && $3 != "ok" && $3 != "foreign"' <<<"$output" | wc -l)" -eq 0 ]; then
		[ "$status" -eq 0 ]
	else
		[ "$status" -eq 1 ]
	fi

	run --separate-stderr hook_status --json
	echo "$output" | head -n 30
	assert_json_shape
	jq -e --arg p "$LXCFS_DIR" --arg d "$dev" --argjson pid "$LXCFS_PID" \
		'.lxcfs == {path: $p, device: $d, pid: $pid}' <<<"$output"
	for i in 0 1; do
		assert_status_entry "${FLEET_PIDS[i]}" "${FLEET_IDS[i]}" ok "${FILES[*]}" "" ""
	done
	if status_entry "$plain_pid"; then
		fail "a container without lxcfs mounts is listed"
	fi
	assert_status_exit
}

@test "status: after an lxcfs restart: stale, in the table and in JSON, exit 1" {
	start_fleet runc crun
	restart_lxcfs
	dev=$(lxcfs_dev)

	run --separate-stderr hook_status
	echo "$output" | head -n 30
	[ "$status" -eq 1 ]
	[ "$(sed -n 1p <<<"$output")" = "lxcfs: $LXCFS_DIR device $dev pid $LXCFS_PID" ]
	for i in 0 1; do
		assert_row "${FLEET_PIDS[i]}" "${FLEET_IDS[i]}" stale "${FILES[*]}"
	done

	run --separate-stderr hook_status --json
	[ "$status" -eq 1 ]
	assert_json_shape
	jq -e --arg d "$dev" --argjson pid "$LXCFS_PID" '.lxcfs.device == $d and .lxcfs.pid == $pid' <<<"$output"
	for i in 0 1; do
		assert_status_entry "${FLEET_PIDS[i]}" "${FLEET_IDS[i]}" stale "${FILES[*]}" "${FILES[*]}" ""
	done
}

@test "status: lxcfs not mounted: says so (JSON null), every lxcfs mount stale, exit 1" {
	start_fleet runc
	stop_lxcfs --keep-dir

	run --separate-stderr hook_status
	echo "$output" | head -n 30
	[ "$status" -eq 1 ]
	[ "$(sed -n 1p <<<"$output")" = "lxcfs: not mounted" ]
	assert_row "${FLEET_PIDS[0]}" "${FLEET_IDS[0]}" stale "${FILES[*]}"

	run --separate-stderr hook_status --json
	[ "$status" -eq 1 ]
	assert_json_shape
	jq -e '.lxcfs == null' <<<"$output"
	assert_status_entry "${FLEET_PIDS[0]}" "${FLEET_IDS[0]}" stale "${FILES[*]}" "${FILES[*]}" ""
}

@test "status: two binds of the live lxcfs on one file: stacked, exit 1" {
	make_bundle stacked --stage none \
		--bind "$LXCFS_DIR/proc/meminfo:/proc/meminfo" --bind "$LXCFS_DIR/proc/meminfo:/proc/meminfo"
	run_container runc
	pid=$(container_pid "$CID")

	run --separate-stderr hook_status
	echo "$output" | head -n 30
	[ "$status" -eq 1 ]
	assert_row "$pid" "$CID" stacked /proc/meminfo

	run --separate-stderr hook_status --json
	[ "$status" -eq 1 ]
	assert_json_shape
	assert_status_entry "$pid" "$CID" stacked /proc/meminfo "" /proc/meminfo
}

@test "status: usage errors exit 2" {
	for args in "--bogus" "extra" "--log-level loud" "--json --pid 1" "--state-root run/runc"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$HOOK_BIN" status --lxcfs-root "$LXCFS_DIR" $args
		echo "status $args: $status $stderr"
		[ "$status" -eq 2 ]
		[ -n "$stderr" ]
		[ -z "$output" ]
	done
}
