#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 10, item 5: user-namespaced containers (runc and crun uidMappings, podman
# --uidmap; Kubernetes hostUsers: false). Their root is host uid 100000: an annotated
# one still gets the lxcfs files and reads its own values through them. lxcfs's files
# belong to host root, which the namespace does not map: inside they show as owned by
# the overflow uid (nobody) and mode 0444, readable all the same. The hook itself runs
# as host root, in the runtime's namespaces, whatever the container's user namespace.
# Also in every stack (Makefile.am STACK_TESTS).

bats_require_minimum_version 1.5.0

load helpers

setup() {
	lxh_setup
}

# userns_files_view ID: "PATH UID:GID MODE" of every lxcfs-bound file, read in the
# container by its own root.
userns_files_view() {
	local pid f files=()
	pid=$(container_pid "$1") || return 1
	mapfile -t files < <(container_lxcfs_mounts "$pid")
	[ ${#files[@]} -gt 0 ] || { fail "no lxcfs mount in container $1"; return 1; }
	container_exec "$1" stat -c '%n %u:%g %a' "${files[@]}"
}

# assert_userns_owned ID: the container runs in a user namespace mapping its root to
# LXH_USERNS_BASE, and sees every lxcfs file as nobody's, mode 0444.
assert_userns_owned() {
	local id=$1 pid out overflow
	pid=$(container_pid "$id") || return 1
	[ "$(awk '$1 == 0 { print $2 }' "/proc/$pid/uid_map")" = "$LXH_USERNS_BASE" ] ||
		{ fail "container $id: uid 0 is not host uid $LXH_USERNS_BASE: $(cat "/proc/$pid/uid_map")"; return 1; }
	overflow=$(cat /proc/sys/kernel/overflowuid):$(cat /proc/sys/kernel/overflowgid)
	out=$(userns_files_view "$id") || { fail "stat in container $id failed: $out"; return 1; }
	echo "$out"
	awk -v o="$overflow" '$2 != o || $3 != "444" { print "unexpected owner or mode: " $0; bad = 1 }
		END { exit bad }' <<<"$out" >&2
}

@test "runc uidMappings, lxcfsEnable=true: the default files, its own values, owned by nobody 0444" {
	make_bundle userns-runc --enable --userns
	run_container runc
	assert_lxcfs_container "$CID"
	assert_userns_owned "$CID"
}

@test "runc uidMappings, annotation absent: untouched, the host's values" {
	make_bundle userns-plain --userns
	run_container runc
	assert_plain_container "$CID"
}

@test "runc uidMappings, lxcfsFiles=/proc/meminfo,/proc/uptime: only those, readable" {
	make_bundle userns-files --enable --userns \
		--annotation io.kubernetes.container.lxcfsFiles=/proc/meminfo,/proc/uptime
	run_container runc
	pid=$(container_pid "$CID")
	assert_lxcfs_mounts_are "$pid" /proc/meminfo /proc/uptime
	assert_memtotal "$CID" "$LXH_MEM_LIMIT_KB"
	assert_userns_owned "$CID"
}

@test "crun uidMappings, lxcfsEnable=true: the default files, its own values, owned by nobody 0444" {
	require_cmd crun
	make_bundle userns-crun --enable --userns
	run_container crun
	assert_lxcfs_container "$CID"
	assert_userns_owned "$CID"
}

@test "podman --uidmap, lxcfsEnable=true: the default files, its own values, owned by nobody 0444" {
	require_cmd podman
	podman_hooks_dir
	lxh_userns_path "$BATS_TEST_TMPDIR"
	podman_run -d --annotation io.kubernetes.container.lxcfsEnable=true \
		--uidmap "0:$LXH_USERNS_BASE:65536" --gidmap "0:$LXH_USERNS_BASE:65536" -- sleep 1000 >/dev/null
	assert_lxcfs_container "$PODMAN_NAME"
	assert_userns_owned "$PODMAN_NAME"
}

@test "runc uidMappings: after an lxcfs restart, remount heals the container" {
	make_bundle userns-remount --enable --userns
	run_container runc
	pid=$(container_pid "$CID")
	mapfile -t files < <(expected_default_files)
	restart_lxcfs
	assert_enotconn "$CID"
	remount_pids -- "$pid"
	if lxh_legacy; then
		return
	fi
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, ${#files[@]} mounts repaired in 1 containers, 0 failed"
	assert_repaired "$CID" "${files[@]}"
	assert_userns_owned "$CID"
}
