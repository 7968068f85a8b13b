#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 6, containerd test 1: `lxcfs-oci-hook invoke`, the NRI v0.1 plugin of
# containerd 1.5/1.6, fed the request containerd 1.6's CRI plugin sends at
# StartContainer: after `runc create` (the container process exists, pivoted,
# waiting) and before `runc start`. The bundles register no hook: the
# annotation in config.json is all there is, as under containerd.
#
# Under check-legacy (LXCFS_OCI_HOOK_MOUNT_API=legacy) invoke reaches an already
# pivoted container, where the classic bind path has no safe way in: create of
# an annotated container must fail with a result naming why, and mount nothing.

load helpers

bats_require_minimum_version 1.5.0

ENABLE=io.kubernetes.container.lxcfsEnable

setup() {
	lxh_setup
	mapfile -t FILES < <(expected_default_files)
	[ ${#FILES[@]} -gt 0 ] || fail "lxcfs at $LXCFS_DIR serves none of the default files"
	SANDBOX_ID=$(printf 'lxh-sandbox-%s-%s' "$$" "$RANDOM" | sha256sum | cut -c1-64)
}

# nri_request STATE [JQ_OPTIONS... JQ_FILTER]: the request containerd 1.6 sends
# for $CID, built from $BUNDLE/config.json the way its NRI v0.1 client builds it
# (keys in json.Marshal's order), conf {"lxcfs-root": $LXCFS_DIR}. JQ_FILTER
# (with JQ_OPTIONS such as --arg) edits the request.
nri_request() {
	local state=$1 filter=. extra=() pid
	shift
	if [ $# -gt 0 ]; then
		filter=${*: -1}
		extra=("${@:1:$#-1}")
	fi
	pid=$(container_pid "$CID") || return 1
	jq -c --arg state "$state" --arg id "$CID" --arg sb "$SANDBOX_ID" --argjson pid "$pid" \
		--arg root "$LXCFS_DIR" "${extra[@]}" '
		{
			conf: {"lxcfs-root": $root},
			version: "0.1",
			state: $state,
			id: $id,
			sandboxID: $sb,
			pid: $pid,
			spec: ({
				resources: .linux.resources,
				namespaces: ([.linux.namespaces[] | {(.type): (.path // "")}] | add),
				cgroupsPath: (.linux.cgroupsPath // ""),
				annotations: (((.annotations // {}) | del(.["run.oci.hooks.stderr"])) + {
					"io.kubernetes.cri.container-type": "container",
					"io.kubernetes.cri.container-name": "app",
					"io.kubernetes.cri.sandbox-id": $sb,
					"io.kubernetes.cri.sandbox-name": "lxh-pod",
					"io.kubernetes.cri.sandbox-namespace": "default",
					"io.kubernetes.cri.image-name": "localhost/lxh-busybox:latest"
				})
			} | with_entries(select(.value != ""))),
			labels: {
				"io.kubernetes.pod.name": "lxh-pod",
				"io.kubernetes.pod.namespace": "default",
				"io.kubernetes.pod.uid": "00000000-0000-0000-0000-000000000001"
			}
		} | '"$filter" "$BUNDLE/config.json"
}

# hook_invoke: `lxcfs-oci-hook invoke` as containerd runs it: argv[0] is the
# plugin's type, the request on stdin, the result on stdout.
hook_invoke() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout -k 5 60 bash -c 'exec -a lxcfs-oci-hook "$0" invoke' "$HOOK_BIN" 3>&-
}

# run_invoke STATE [JQ_OPTIONS... JQ_FILTER]: `run --separate-stderr
# hook_invoke` with the request nri_request builds.
run_invoke() {
	local req
	req=$(nri_request "$@") || { fail "cannot build the request"; return 1; }
	echo "# request: $req"
	run --separate-stderr hook_invoke <<<"$req"
}

# assert_nri_ok: after `run --separate-stderr hook_invoke`: exit 0 and the
# result says no error.
assert_nri_ok() {
	echo "exit $status, stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ] || { fail "invoke exit $status"; return 1; }
	jq -se '. == [{plugin: "lxcfs-oci-hook", version: "0.1", error: "", metadata: {}}]' <<<"$output" >/dev/null ||
		{ fail "not the result of a success: $output"; return 1; }
}

# assert_nri_error [PATTERN]: exit 1 and a single result whose error is not
# empty (and matches the extended regex PATTERN, case-insensitive).
assert_nri_error() {
	echo "exit $status, stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ] || { fail "invoke exit $status, expected 1"; return 1; }
	jq -se --arg re "${1:-.}" 'length == 1 and (.[0] | .plugin == "lxcfs-oci-hook" and .version == "0.1"
		and (.error | type == "string" and length > 0 and test($re; "i")))' <<<"$output" >/dev/null ||
		{ fail "not a result with an error matching /${1:-.}/: $output"; return 1; }
}

# create_for_nri NAME RUNTIME [make_bundle OPTIONS...]: `RUNTIME create` a
# bundle with no hook; sets PID.
create_for_nri() {
	local name=$1 rt=$2
	shift 2
	make_bundle "$name" --stage none "$@" || return 1
	container_create "$rt" || return 1
	PID=$(container_pid "$CID") || return 1
	assert_lxcfs_mounts_are "$PID"
}

# The test of issue 6, for RUNTIME.
nri_create_then_start() {
	create_for_nri "nri-$1" "$1" --enable
	run_invoke create
	if lxh_legacy; then
		assert_nri_error "$LXH_LEGACY_REFUSAL"
		assert_lxcfs_mounts_are "$PID"
		assert_host_untouched
		return
	fi
	assert_nri_ok
	# Mounted before the task starts.
	assert_from_lxcfs "$PID" "${FILES[@]}"
	assert_lxcfs_mounts_are "$PID" "${FILES[@]}"
	container_start "$CID"
	assert_lxcfs_container "$CID"
	assert_lxcfs_mounts_readonly "$PID"
	# Asked again (a retried call): nothing stacks.
	run_invoke create
	assert_nri_ok
	assert_lxcfs_mounts_are "$PID" "${FILES[@]}"
}

@test "invoke create after runc create, then runc start: the container reads its own MemTotal" {
	nri_create_then_start runc
}

@test "invoke create after crun create, then crun start: the container reads its own MemTotal" {
	require_cmd crun
	nri_create_then_start crun
}

@test "invoke create of a sandbox (id == sandboxID, or container-type sandbox): nothing to do" {
	create_for_nri sandbox runc --enable
	SANDBOX_ID=$CID
	run_invoke create 'del(.spec.annotations["io.kubernetes.cri.container-type"])'
	assert_nri_ok
	assert_lxcfs_mounts_are "$PID"
	SANDBOX_ID=other-sandbox
	run_invoke create '.spec.annotations["io.kubernetes.cri.container-type"] = "sandbox"'
	assert_nri_ok
	assert_lxcfs_mounts_are "$PID"
	container_start "$CID"
	assert_plain_container "$CID"
}

@test "invoke delete: nothing to do, the container's mounts stay as they are" {
	# Mounted by the hook at createRuntime, which works on the legacy path too.
	make_bundle delete --enable
	run_container runc
	pid=$(container_pid "$CID")
	before=$(lxcfs_snapshot "$pid")
	run_invoke delete
	assert_nri_ok
	assert_snapshot_unchanged "$before" "$pid"
	# A task that has exited has no pid: containerd omits it.
	run_invoke delete 'del(.pid)'
	assert_nri_ok
	assert_snapshot_unchanged "$before" "$pid"
	assert_lxcfs_container "$CID"
}

@test "invoke create of a container not annotated: nothing mounted; conf default on: mounted" {
	create_for_nri plain runc
	run_invoke create
	assert_nri_ok
	assert_lxcfs_mounts_are "$PID"

	run_invoke create '.conf.default = "on"'
	if lxh_legacy; then
		assert_nri_error "$LXH_LEGACY_REFUSAL"
		assert_lxcfs_mounts_are "$PID"
		return
	fi
	assert_nri_ok
	assert_lxcfs_mounts_are "$PID" "${FILES[@]}"
	container_start "$CID"
	assert_lxcfs_container "$CID"
}

@test "invoke create with an invalid annotation value: an error result, exit 1, nothing mounted" {
	create_for_nri invalid runc --annotation "$ENABLE=maybe"
	run_invoke create
	assert_nri_error 'io\.kubernetes\.container\.lxcfsEnable'
	assert_lxcfs_mounts_are "$PID"
	assert_host_untouched
}

@test "invoke with lxcfs not mounted: on-missing ignore starts without, on-missing fail fails" {
	create_for_nri missing runc --enable
	no_lxcfs=$(mktemp -d "$BATS_TEST_TMPDIR/no-lxcfs.XXXXXX")
	# shellcheck disable=SC2016 # jq's $d
	run_invoke create --arg d "$no_lxcfs" '.conf["lxcfs-root"] = $d'
	assert_nri_ok
	hook_lines warn <<<"$stderr" | grep -qF "$no_lxcfs"
	assert_lxcfs_mounts_are "$PID"
	# shellcheck disable=SC2016 # jq's $d
	run_invoke create --arg d "$no_lxcfs" \
		'.conf["lxcfs-root"] = $d | .conf["on-missing"] = "fail"'
	assert_nri_error "$no_lxcfs"
	assert_lxcfs_mounts_are "$PID"
}

@test "invoke with a malformed request: an error result, exit 1" {
	create_for_nri malformed runc --enable
	good=$(nri_request create)
	# shellcheck disable=SC2016 # jq, not shell
	bad=(
		''
		'{'
		'[]'
		'"create"'
		"${good%?}"
		"$good$good"
		"$(jq -c 'del(.state)' <<<"$good")"
		"$(jq -c 'del(.id)' <<<"$good")"
		"$(jq -c '.id = ""' <<<"$good")"
		"$(jq -c '.pid = "1"' <<<"$good")"
		"$(jq -c '.pid = 1.5' <<<"$good")"
		"$(jq -c '.spec = "x"' <<<"$good")"
		"$(jq -c '.spec.annotations = ["x"]' <<<"$good")"
		"$(jq -c '.spec.annotations["io.kubernetes.container.lxcfsEnable"] = true' <<<"$good")"
		"$(jq -c '.conf = "x"' <<<"$good")"
		"$(jq -c '.conf.timeout = 0' <<<"$good")"
		"$(jq -c '.conf["on-missing"] = "sometimes"' <<<"$good")"
		"$(jq -c '.conf.default = "maybe"' <<<"$good")"
		"$(jq -c '.conf["log-level"] = "loud"' <<<"$good")"
	)
	for req in "${bad[@]}"; do
		echo "# request: $req"
		run --separate-stderr hook_invoke <<<"$req"
		assert_nri_error
	done
	# No create reached the container.
	assert_lxcfs_mounts_are "$PID"
}

@test "invoke failure: containerd's NRI v0.1 client reads the reason ({plugin, message} on a non-zero exit)" {
	# On a non-zero exit, containerd 1.5/1.6 (github.com/containerd/nri v0.1
	# client.go, invokePlugin) decodes stdout as types.PluginError
	# {"plugin", "message"} and reports "plugin: message".
	create_for_nri reason runc --annotation "$ENABLE=maybe"
	run_invoke create
	echo "exit $status, stdout: $output"
	[ "$status" -ne 0 ]
	jq -e '.plugin == "lxcfs-oci-hook" and (.message | type == "string" and test("lxcfsEnable"))' <<<"$output"
}

@test "invoke takes no arguments: usage error" {
	run --separate-stderr "$HOOK_BIN" invoke --lxcfs-root "$LXCFS_DIR" </dev/null
	echo "$status $stderr"
	[ "$status" -eq 2 ]
	[ -n "$stderr" ]
}
