#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 10, item 2: containerd with nothing extra installed. The runtime handler's
# base_runtime_spec is containerd's own default spec (`ctr oci spec`) with the
# hook added by `lxcfs-oci-hook base-spec`, as docs/containerd.md tells operators
# to make it; pod_annotations lets the pod annotation through. Driven through CRI
# as kubelet does (cri-client.py), with a private containerd in the configuration
# layout of its version: 1.6 on this machine, 1.7.24 (trixie) and 2.1.9 (sid) in
# the stacks (make check-stacks).
#
# Every application container of the handler runs the hook: an annotated pod's
# container reads its own MemTotal; an unannotated one is left alone, the hook
# stopping at the state (it never reads config.json); no pause container ever runs
# it (containerd builds sandbox specs without the base spec).

# shellcheck disable=SC2154 # status, output: set by bats' run

load helpers
load containerd-helpers

bats_require_minimum_version 1.5.0

setup() {
	CTRD_ROUTE=basespec
	ctrd_setup
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
	CTRD_VERSION=$(containerd --version </dev/null 3>&- | awk '{ print $3 }')
	echo "# containerd $CTRD_VERSION, configuration version $(awk '/^version/ { print $3; exit }' "$CTRD_DIR/config.toml")" >&3
}

teardown() {
	ctrd_teardown
}

squeeze() {
	tr -s ' '
}

# runtime_spec_hooks ID: the createRuntime hooks of a container's OCI spec, from CRI's verbose status.
container_spec_hooks() {
	ctrd_cri ContainerStatus "$(jq -cn --arg id "$1" '{container_id: $id, verbose: true}')" |
		jq -c '.info.info | fromjson | .runtimeSpec.hooks.createRuntime // []'
}

sandbox_spec_hooks() {
	ctrd_cri PodSandboxStatus "$(jq -cn --arg id "$1" '{pod_sandbox_id: $id, verbose: true}')" |
		jq -c '.info.info | fromjson | .runtimeSpec.hooks.createRuntime // []'
}

# hook_lines ID: the hook's log lines about container ID (its 12-character short id).
hook_lines() {
	grep -E "^${LXH_LOG_PREFIX}[a-z]+: container ${1:0:12}: " "$CTRD_HOOK_LOG" 2>/dev/null
}

# assert_pause_untouched: the sandbox's spec has no hook of ours, the hook never
# ran for it, and its mount namespace has no lxcfs mount.
assert_pause_untouched() {
	local hooks
	hooks=$(sandbox_spec_hooks "$POD_ID") || return 1
	echo "sandbox createRuntime hooks: $hooks"
	[ "$(jq --arg p "$HOOK_BIN" '[.[] | select(.path == $p)] | length' <<<"$hooks")" = 0 ] ||
		{ fail "the sandbox's spec carries our hook"; return 1; }
	if hook_lines "$POD_ID"; then
		fail "the hook ran for the sandbox ${POD_ID:0:12}"
		return 1
	fi
	assert_lxcfs_mounts_are "$(sandbox_host_pid "$POD_ID")"
}

@test "containerd CRI + base_runtime_spec: the container's spec has our hook once, after containerd's default" {
	run_pod lxh-spec
	create_container app
	hooks=$(container_spec_hooks "$CONTAINER_ID")
	echo "container createRuntime hooks: $hooks"
	[ "$(jq --arg p "$HOOK_BIN" '[.[] | select(.path == $p)] | length' <<<"$hooks")" = 1 ]
	# The base spec is containerd's default plus exactly that hook.
	diff <(jq -S 'del(.hooks)' "$CTRD_DIR/base-spec.json.default") <(jq -S 'del(.hooks)' "$CTRD_DIR/base-spec.json")
	assert_pause_untouched
	stop_pod
}

@test "containerd CRI + base_runtime_spec: a pod annotated lxcfsEnable=true reads MemTotal: $LXH_MEM_LIMIT_KB kB" {
	run_pod lxh-annotated "$CTRD_ENABLE=true"
	create_container app
	start_container
	pid=$(container_host_pid "$CONTAINER_ID")
	assert_from_lxcfs "$pid" "${FILES[@]}"
	assert_lxcfs_mounts_are "$pid" "${FILES[@]}"
	assert_lxcfs_mounts_readonly "$pid"
	hook_lines "$CONTAINER_ID"
	hook_lines "$CONTAINER_ID" | grep -qF "mounted from $LXCFS_DIR" ||
		{ fail "the hook's log has no line of mounting into ${CONTAINER_ID:0:12}"; return 1; }
	# The sandbox carries the pod's annotation too, but never runs the hook.
	assert_pause_untouched
	meminfo=$(cri_exec "$CONTAINER_ID" head -1 /proc/meminfo)
	echo "containerd $CTRD_VERSION ExecSync head -1 /proc/meminfo: $meminfo"
	[ "$(squeeze <<<"$meminfo")" = "MemTotal: $LXH_MEM_LIMIT_KB kB" ]
	stop_pod
}

@test "containerd CRI + base_runtime_spec: an unannotated pod is untouched; the hook stops at the state" {
	run_pod lxh-plain
	create_container app
	start_container
	pid=$(container_host_pid "$CONTAINER_ID")
	assert_lxcfs_mounts_are "$pid"
	# It ran (every container of the handler does) and decided from the state's annotations alone.
	hook_lines "$CONTAINER_ID"
	hook_lines "$CONTAINER_ID" | grep -qF "not enabled" ||
		{ fail "the hook's log has no 'not enabled' line for ${CONTAINER_ID:0:12}"; return 1; }
	assert_pause_untouched
	meminfo=$(cri_exec "$CONTAINER_ID" head -1 /proc/meminfo)
	echo "containerd $CTRD_VERSION ExecSync head -1 /proc/meminfo: $meminfo"
	[ "$(squeeze <<<"$meminfo")" = "$(head -1 /proc/meminfo | squeeze)" ]
	stop_pod
}

@test "containerd CRI + base_runtime_spec: an invalid lxcfsEnable value fails the container with the hook's reason" {
	run_pod lxh-invalid "$CTRD_ENABLE=maybe"
	create_container app
	run --separate-stderr start_container
	echo "StartContainer: exit $status: $stderr"
	[ "$status" -ne 0 ]
	hook_lines "$CONTAINER_ID" | grep -F "$CTRD_ENABLE" | grep -qF maybe ||
		{ fail "the hook's log does not name the annotation and the value"; return 1; }
	state=$(ctrd_cri ContainerStatus "$(jq -cn --arg id "$CONTAINER_ID" '{container_id: $id}')" | jq -r .status.state)
	[ "$state" != CONTAINER_RUNNING ]
	stop_pod
}
