#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 9: a request's pid is only a number. `invoke` (NRI v0.1) mounts into the
# process the request names; it must be the request's container's (its cgroup
# path names the container id, or the spec's cgroupsPath), checked once the
# process is pinned, before anything is mounted.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	lxh_setup
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
}

# invoke_create ID PID [CGROUPS_PATH]: containerd 1.6's create request for container
# ID with task pid PID, annotated, conf naming the private lxcfs.
invoke_create() {
	jq -nc --arg id "$1" --argjson pid "$2" --arg cg "${3:-}" --arg root "$LXCFS_DIR" '{
		conf: {"lxcfs-root": $root}, version: "0.1", state: "create", id: $id,
		sandboxID: "lxh-sandbox", pid: $pid,
		spec: ({annotations: {"io.kubernetes.container.lxcfsEnable": "true",
			"io.kubernetes.cri.container-type": "container"}}
			+ (if $cg == "" then {} else {cgroupsPath: $cg} end))
	}' | timeout -k 5 60 bash -c 'exec -a lxcfs-oci-hook "$0" invoke' "$HOOK_BIN" 3>&-
}

# created RUNTIME NAME: a created (not started) container, no hook; sets CID and PID.
created() {
	make_bundle "$2" --enable --stage none
	container_create "$1"
	PID=$(container_pid "$CID")
}

@test "invoke: a pid that is not the request's container's is refused, nothing mounted" {
	created runc pid-a
	a=$CID pa=$PID
	created crun pid-b
	b=$CID pb=$PID

	# Container a's request, container b's process.
	run --separate-stderr invoke_create "$a" "$pb"
	echo "exit $status: $output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	jq -e '.error | test("process [0-9]+ is not in the cgroup of container")' <<<"$output"
	assert_lxcfs_mounts_are "$pb"
	assert_lxcfs_mounts_are "$pa"
	# Nor the host's init, nor this shell.
	run --separate-stderr invoke_create "$a" "$$"
	[ "$status" -eq 1 ]
	jq -e '.error | length > 0' <<<"$output"

	# Its own process: mounted (the legacy path refuses pivoted containers either way).
	run --separate-stderr invoke_create "$a" "$pa"
	echo "exit $status: $output"
	if lxh_legacy; then
		[ "$status" -eq 1 ]
		jq -e --arg re "$LXH_LEGACY_REFUSAL" '.error | test($re)' <<<"$output"
		assert_lxcfs_mounts_are "$pa"
	else
		[ "$status" -eq 0 ]
		assert_lxcfs_mounts_are "$pa" "${FILES[@]}"
	fi
	assert_lxcfs_mounts_are "$pb"
	assert_host_untouched
}

@test "invoke: the spec's cgroupsPath names the container too" {
	created runc pid-cg
	# The memory hierarchy's path, as the spec would give it to the runtime.
	cg=$(awk -F: '$2 == "memory" || $2 == "" { print $3; exit }' "/proc/$PID/cgroup")
	echo "cgroup of $PID: $cg"
	run --separate-stderr invoke_create "another-name" "$PID" "$cg"
	echo "exit $status: $output"
	if lxh_legacy; then
		jq -e --arg re "$LXH_LEGACY_REFUSAL" '.error | test($re)' <<<"$output"
	else
		[ "$status" -eq 0 ]
		assert_lxcfs_mounts_are "$PID" "${FILES[@]}"
	fi

	run --separate-stderr invoke_create "another-name" "$PID" "/not/its/cgroup"
	echo "exit $status: $output"
	[ "$status" -eq 1 ]
	jq -e '.error | test("not in the cgroup of container another-name [(]cgroupsPath /not/its/cgroup[)]")' <<<"$output"
}
