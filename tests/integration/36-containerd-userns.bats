#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 10, items 2 and 5 through CRI: a user-namespaced pod (Kubernetes
# hostUsers: false; CRI userns_options, mode POD, ids 0-65535 as 100000-165535)
# on containerd 2.x, the hook in base_runtime_spec as in 35-containerd-basespec.bats.
# containerd 1.x does not run CRI user namespaces with runc's idmapped rootfs:
# this suite is for the sid stack (containerd 2.1.9), and fails elsewhere rather
# than skipping.

# shellcheck disable=SC2154 # status, output: set by bats' run

load helpers
load containerd-helpers

bats_require_minimum_version 1.5.0

setup() {
	CTRD_ROUTE=basespec
	CTRD_USERNS=1
	ctrd_setup
	[ "$(ctrd_major)" -ge 2 ] || { fail "CRI user namespaces need containerd 2.x; this is $(containerd --version)"; return 1; }
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
}

teardown() {
	ctrd_teardown
}

@test "containerd 2.x CRI, user-namespaced pod annotated lxcfsEnable=true: its own MemTotal; the files are nobody's, 0444" {
	run_pod lxh-userns "$CTRD_ENABLE=true"
	create_container app
	start_container
	pid=$(container_host_pid "$CONTAINER_ID")
	# Really in a user namespace of its own, root mapped to 100000.
	echo "uid_map of $pid: $(cat "/proc/$pid/uid_map")"
	[ "$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")" = "0 100000 65536" ]
	assert_from_lxcfs "$pid" "${FILES[@]}"
	assert_lxcfs_mounts_are "$pid" "${FILES[@]}"
	assert_lxcfs_mounts_readonly "$pid"
	meminfo=$(cri_exec "$CONTAINER_ID" head -1 /proc/meminfo)
	echo "containerd $(containerd --version | awk '{ print $3 }') userns ExecSync head -1 /proc/meminfo: $meminfo"
	[ "$(tr -s ' ' <<<"$meminfo")" = "MemTotal: $LXH_MEM_LIMIT_KB kB" ]
	owner=$(cri_exec "$CONTAINER_ID" stat -c '%u:%g %a' /proc/meminfo)
	echo "/proc/meminfo in the container: $owner"
	[ "$owner" = "65534:65534 444" ]
	stop_pod
}

@test "containerd 2.x CRI, user-namespaced pod without the annotation: untouched" {
	run_pod lxh-userns-plain
	create_container app
	start_container
	pid=$(container_host_pid "$CONTAINER_ID")
	[ "$(awk '{ print $2 }' "/proc/$pid/uid_map")" = 100000 ]
	assert_lxcfs_mounts_are "$pid"
	stop_pod
}
