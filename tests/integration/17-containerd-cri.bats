#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 6, containerd test 2: end to end with a real containerd 1.6 and its CRI
# plugin, the way kubelet drives it. A private containerd (everything under a
# temporary directory, its own socket) runs `lxcfs-oci-hook invoke` as its NRI
# v0.1 plugin (/etc/nri/conf.json, type lxcfs-oci-hook, conf {"lxcfs-root":
# the test's private lxcfs}); the image is busybox, imported from an OCI layout
# tar, no registry; cri-client.py (stubs compiled from the CRI v1 api.proto in
# Debian's containerd source package) stands in for kubelet and crictl.
#
# A host-network pod annotated io.kubernetes.container.lxcfsEnable=true whose
# container has a 256 MiB limit reads `MemTotal: 262144 kB` through ExecSync;
# an unannotated pod reads the host's. The annotation is the pod's, as in
# Kubernetes: containerd's pod_annotations allow-list carries it into the
# container's spec and the NRI request (and into the sandbox's, which the
# plugin leaves alone).
#
# Under check-legacy (LXCFS_OCI_HOOK_MOUNT_API=legacy, inherited by containerd
# and so by the plugin) the plugin cannot reach an already pivoted container:
# StartContainer of an annotated pod must fail with the reason, as in test 14.

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run

load helpers
load containerd-helpers

bats_require_minimum_version 1.5.0

setup() {
	ctrd_setup
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
}

teardown() {
	ctrd_teardown
}

# squeeze: runs of spaces as one (meminfo pads its columns).
squeeze() {
	tr -s ' '
}

# assert_pod_gone: after stop_pod, containerd lists no pod and no container.
assert_pod_gone() {
	local n
	n=$(ctrd_cri ListPodSandbox | jq '.items | length'),$(ctrd_cri ListContainers | jq '.containers | length')
	[ "$n" = 0,0 ] || { fail "containerd still lists pods,containers: $n"; return 1; }
}

# assert_plugin_mounted: our plugin, run by containerd, said it mounted from the
# test's lxcfs in $CONTAINER_ID (containerd passes a plugin's stderr on to its own).
assert_plugin_mounted() {
	grep -E "^${LXH_LOG_PREFIX}info: container ${CONTAINER_ID:0:12}: " "$CTRD_LOG" |
		grep -F "mounted from $LXCFS_DIR " ||
		{ fail "containerd's log has no line of the plugin mounting from $LXCFS_DIR"; return 1; }
}

@test "containerd 1.6 CRI + NRI v0.1: a pod annotated lxcfsEnable=true reads MemTotal: $LXH_MEM_LIMIT_KB kB through ExecSync" {
	run_pod lxh-annotated "$CTRD_ENABLE=true"
	create_container app
	if lxh_legacy; then
		run --separate-stderr start_container
		echo "StartContainer: exit $status: $stderr"
		[ "$status" -ne 0 ]
		grep -qE "$LXH_LEGACY_REFUSAL" <<<"$stderr"
		grep -qF "$CTRD_PLUGIN" <<<"$stderr"
		stop_pod
		assert_pod_gone
		return
	fi
	start_container
	pid=$(container_host_pid "$CONTAINER_ID")
	# The files of the test's private lxcfs (conf "lxcfs-root"), read-only.
	assert_from_lxcfs "$pid" "${FILES[@]}"
	assert_lxcfs_mounts_are "$pid" "${FILES[@]}"
	assert_lxcfs_mounts_readonly "$pid"
	# The sandbox carries the pod's annotation too: the plugin leaves it alone.
	assert_lxcfs_mounts_are "$(sandbox_host_pid "$POD_ID")"
	assert_plugin_mounted
	meminfo=$(cri_exec "$CONTAINER_ID" head -1 /proc/meminfo)
	echo "ExecSync head -1 /proc/meminfo: $meminfo"
	[ "$(squeeze <<<"$meminfo")" = "MemTotal: $LXH_MEM_LIMIT_KB kB" ]
	stop_pod
	assert_pod_gone
}

@test "containerd 1.6 CRI + NRI v0.1: an unannotated pod reads the host's MemTotal" {
	run_pod lxh-plain
	create_container app
	start_container
	pid=$(container_host_pid "$CONTAINER_ID")
	assert_lxcfs_mounts_are "$pid"
	meminfo=$(cri_exec "$CONTAINER_ID" head -1 /proc/meminfo)
	echo "ExecSync head -1 /proc/meminfo: $meminfo"
	[ "$(squeeze <<<"$meminfo")" = "$(head -1 /proc/meminfo | squeeze)" ]
	stop_pod
	assert_pod_gone
}

@test "containerd 1.6 CRI + NRI v0.1: an invalid lxcfsEnable value fails StartContainer with the plugin's reason" {
	run_pod lxh-invalid "$CTRD_ENABLE=maybe"
	create_container app
	run --separate-stderr start_container
	echo "StartContainer: exit $status: $stderr"
	[ "$status" -ne 0 ]
	grep -qF "$CTRD_PLUGIN" <<<"$stderr"
	grep -qF "$CTRD_ENABLE" <<<"$stderr"
	grep -qF maybe <<<"$stderr"
	# Never started.
	state=$(ctrd_cri ContainerStatus "$(jq -cn --arg id "$CONTAINER_ID" '{container_id: $id}')" | jq -r .status.state)
	[ "$state" != CONTAINER_RUNNING ]
	stop_pod
	assert_pod_gone
}
