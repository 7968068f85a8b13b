#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 9, item 1: every lxcfs mount the project makes is private. Real hosts
# share mounts (systemd makes / shared; a DaemonSet mounts lxcfs Bidirectional):
# a clone of a shared lxcfs mount, attached as it is, joins the host's peer
# group, and a bind a privileged container makes over its /proc/meminfo then
# appears on the host's lxcfs tree and in every other container.
#
# Here the private lxcfs is made shared, the way such a host has it. Each test
# makes lxcfs mounts in two containers (runc and crun) by one of the project's
# ways (the hook at createRuntime, remount, --adopt, invoke), checks that none
# of them is in (or a slave of) the host lxcfs mount's peer group, then binds
# /proc/cpuinfo over /proc/meminfo inside the first (as a container with
# CAP_SYS_ADMIN may) and checks that the host and the second see nothing of it.
#
# Under check-legacy the hook mounts with the classic bind (the same checks);
# remount, --adopt and invoke reach pivoted containers and must refuse there.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	lxh_setup
	require_cmd crun
	share_lxcfs
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
}

# crun runs in a mount namespace of its own (helpers.bash: it refuses hybrid
# cgroups). helpers' one makes every mount there private, which would hide the
# shared lxcfs from it: keep propagation as it is, and make only the cgroup2
# mount crun must not see private before unmounting it.
lxh_runtime_cmd() {
	case $1 in
	runc) LXH_CMD=(runc) ;;
	crun)
		if lxh_crun_needs_unshare; then
			# shellcheck disable=SC2016 # expanded by the inner sh
			LXH_CMD=(unshare -m --propagation unchanged sh -c \
				'mount --make-private /sys/fs/cgroup/unified && umount /sys/fs/cgroup/unified && exec crun "$@"' crun)
		else
			LXH_CMD=(crun)
		fi
		;;
	*) fail "unknown runtime $1"; return 1 ;;
	esac
}

# share_lxcfs: make the private lxcfs mount shared, as on a systemd host.
share_lxcfs() {
	mount --make-shared "$LXCFS_DIR" || return 1
	host_lxcfs_group >/dev/null || { fail "$LXCFS_DIR is not shared after mount --make-shared"; return 1; }
}

# host_lxcfs_group: N of the host lxcfs mount's shared:N.
host_lxcfs_group() {
	awk -v d="$LXCFS_DIR" '$5 == d {
		for (i = 7; i <= NF && $i != "-"; i++) if ($i ~ /^shared:/) g = substr($i, 8)
	} END { if (g == "") exit 1; print g }' /proc/self/mountinfo
}

# assert_not_peers PID...: no lxcfs mount in PID's namespace is a peer (shared:N)
# or a slave (master:N) of the host lxcfs mount's group N.
assert_not_peers() {
	local g p rc=0 bad
	g=$(host_lxcfs_group) || { fail "the host lxcfs mount is not shared"; return 1; }
	for p in "$@"; do
		bad=$(awk -v g="$g" '{
			for (i = 7; i <= NF && $i != "-"; i++) ;
			if ($(i + 1) != "fuse.lxcfs") next
			for (j = 7; j < i; j++) if ($j == "shared:" g || $j == "master:" g) { print; break }
		}' "/proc/$p/mountinfo")
		if [ -n "$bad" ]; then
			echo "pid $p: lxcfs mounts in the host lxcfs mount's peer group $g:" >&2
			echo "$bad" >&2
			rc=1
		fi
	done
	[ "$rc" -eq 0 ] && echo "no lxcfs mount of pid(s) $* is in peer group $g"
	return $rc
}

# bind_inside PID: what a privileged container may do: bind its /proc/cpuinfo
# over its /proc/meminfo, in its own mount namespace.
bind_inside() {
	nsenter -t "$1" -m -r -- /bin/busybox mount --bind /proc/cpuinfo /proc/meminfo
}

# assert_contained ID_A ID_B: after bind_inside in A, only A sees it; the host's
# lxcfs tree and B are as before.
assert_contained() {
	local a=$1 b=$2 pa pb first rc=0
	pa=$(container_pid "$a") || return 1
	pb=$(container_pid "$b") || return 1
	bind_inside "$pa" || { fail "cannot bind over /proc/meminfo in pid $pa"; return 1; }
	# The bind itself worked: A reads cpuinfo there.
	container_exec "$a" head -n 1 /proc/meminfo | grep -q '^processor' ||
		{ fail "the bind inside container $a did not take"; return 1; }
	if awk -v d="$LXCFS_DIR/proc/meminfo" '$5 == d { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		echo "the container's bind appeared on the host at $LXCFS_DIR/proc/meminfo" >&2
		rc=1
	fi
	first=$(head -n 1 "$LXCFS_DIR/proc/meminfo")
	[[ "$first" == MemTotal:* ]] ||
		{ echo "the host reads '$first' from $LXCFS_DIR/proc/meminfo" >&2; rc=1; }
	assert_memtotal "$b" "$LXH_MEM_LIMIT_KB" || rc=1
	if [ "$(awk '$5 == "/proc/meminfo"' "/proc/$pb/mountinfo" | wc -l)" -ne 1 ]; then
		echo "container $b has more than its own mount on /proc/meminfo:" >&2
		awk '$5 == "/proc/meminfo"' "/proc/$pb/mountinfo" >&2
		rc=1
	fi
	return $rc
}

# run_pair STAGE_OPTIONS...: a runc and a crun container, annotated; sets A, B, PA, PB.
run_pair() {
	make_bundle shared-runc --enable "$@" || return 1
	run_container runc || return 1
	A=$CID
	make_bundle shared-crun --enable "$@" || return 1
	run_container crun || return 1
	B=$CID
	PA=$(container_pid "$A") && PB=$(container_pid "$B")
}

@test "propagation test 1: the hook's mounts (runc, crun) are not peers of a shared lxcfs; a bind inside one stays there" {
	run_pair
	assert_from_lxcfs "$PA" "${FILES[@]}"
	assert_from_lxcfs "$PB" "${FILES[@]}"
	assert_contained "$A" "$B"
	assert_not_peers "$PA" "$PB"
	assert_host_untouched
}

@test "propagation test 2: after remount (lxcfs restarted, shared again) the repaired mounts are private" {
	run_pair
	restart_lxcfs
	share_lxcfs
	remount_pids -- "$PA" "$PB"
	if lxh_legacy; then
		return
	fi
	[ "$status" -eq 0 ]
	assert_repaired "$A" "${FILES[@]}"
	assert_repaired "$B" "${FILES[@]}"
	assert_contained "$A" "$B"
	assert_not_peers "$PA" "$PB"
	assert_host_untouched
}

@test "propagation test 3: --adopt's mounts are private" {
	stop_lxcfs --keep-dir
	run_pair --hook-arg --on-missing --hook-arg ignore
	assert_lxcfs_mounts_are "$PA"
	assert_lxcfs_mounts_are "$PB"
	start_lxcfs "$LXCFS_DIR"
	share_lxcfs
	remount_pids --adopt -- "$PA" "$PB"
	if lxh_legacy; then
		return
	fi
	[ "$status" -eq 0 ]
	assert_repaired "$A" "${FILES[@]}"
	assert_repaired "$B" "${FILES[@]}"
	assert_contained "$A" "$B"
	assert_not_peers "$PA" "$PB"
	assert_host_untouched
}

# invoke_create PID ID: `lxcfs-oci-hook invoke` with containerd 1.6's create
# request for the container, annotated, conf naming the private lxcfs.
invoke_create() {
	jq -nc --arg id "$2" --argjson pid "$1" --arg root "$LXCFS_DIR" '{
		conf: {"lxcfs-root": $root}, version: "0.1", state: "create", id: $id,
		sandboxID: "lxh-sandbox", pid: $pid,
		spec: {annotations: {"io.kubernetes.container.lxcfsEnable": "true",
			"io.kubernetes.cri.container-type": "container"}}
	}' | timeout -k 5 60 bash -c 'exec -a lxcfs-oci-hook "$0" invoke' "$HOOK_BIN" 3>&-
}

@test "propagation test 4: invoke's mounts are private" {
	local id
	for rt in runc crun; do
		make_bundle "invoke-$rt" --enable --stage none
		container_create "$rt"
		id=$CID
		pid=$(container_pid "$id")
		run --separate-stderr invoke_create "$pid" "$id"
		echo "$output"
		echo "$stderr"
		if lxh_legacy; then
			[ "$status" -eq 1 ]
			assert_lxcfs_mounts_are "$pid"
			continue
		fi
		[ "$status" -eq 0 ]
		assert_from_lxcfs "$pid" "${FILES[@]}"
		container_start "$id"
		ids+=("$id")
	done
	lxh_legacy && return
	PA=$(container_pid "${ids[0]}") PB=$(container_pid "${ids[1]}")
	assert_contained "${ids[0]}" "${ids[1]}"
	assert_not_peers "$PA" "$PB"
	assert_host_untouched
}
