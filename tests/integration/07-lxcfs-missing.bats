#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 7: lxcfs is not there. Under the default
# --on-missing ignore the container starts and a warning names the directory;
# under --on-missing fail it does not start.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	lxh_setup
	# A directory where lxcfs could be mounted but is not.
	NO_LXCFS=$(mktemp -d "$BATS_TEST_TMPDIR/no-lxcfs.XXXXXX")
}

@test "lxcfs not mounted: the container starts, the warning names the directory" {
	make_bundle missing --enable --lxcfs-root "$NO_LXCFS"
	run_container runc
	assert_plain_container "$CID"
	cat "$BUNDLE/hook.log"
	hook_lines warn "$BUNDLE/hook.log" | grep -qF "$NO_LXCFS"
}

@test "lxcfs directory absent: the container starts, the warning names the directory" {
	make_bundle absent --enable --lxcfs-root "$NO_LXCFS/nonexistent"
	run_container runc
	assert_plain_container "$CID"
	cat "$BUNDLE/hook.log"
	hook_lines warn "$BUNDLE/hook.log" | grep -qF "$NO_LXCFS/nonexistent"
}

@test "lxcfs not mounted: the warning also goes to stderr (hook run by hand)" {
	# runc drops a successful hook's stderr, so run the hook ourselves with the
	# state of a running container whose config.json enables lxcfs.
	make_bundle byhand --enable --stage none
	run_container runc
	pid=$(container_pid "$CID")
	state=$(jq -nc --arg id "$CID" --argjson pid "$pid" --arg b "$BUNDLE" \
		'{ociVersion: "1.0.2", id: $id, status: "running", pid: $pid, bundle: $b,
		  annotations: {"io.kubernetes.container.lxcfsEnable": "true"}}')
	mapfile -t args < <(LXH_HOOK_LXCFS_ROOT=$NO_LXCFS hook_args)
	run --separate-stderr timeout -k 5 60 "$HOOK_BIN" "${args[@]}" <<<"$state"
	echo "status $status"
	echo "stdout: $output"
	# shellcheck disable=SC2154 # set by run --separate-stderr
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	hook_lines warn <<<"$stderr" | grep -qF "$NO_LXCFS"
	assert_lxcfs_mounts_are "$pid"
	assert_host_untouched
}

@test "--lxcfs-root on a plain directory that looks like lxcfs: never mounted from" {
	# Right layout, wrong filesystem: only a fuse.lxcfs mount may be a source.
	mkdir -p "$NO_LXCFS/proc" "$NO_LXCFS/sys/devices/system/cpu"
	for f in cpuinfo diskstats loadavg meminfo slabinfo stat swaps uptime; do
		echo "fake $f" >"$NO_LXCFS/proc/$f"
	done
	echo 0 >"$NO_LXCFS/sys/devices/system/cpu/online"
	make_bundle fake --enable --lxcfs-root "$NO_LXCFS"
	run container_create runc
	echo "$output"
	if [ "$status" -eq 0 ]; then
		container_start "$CID"
		cat "$BUNDLE/hook.log"
		hook_lines warn "$BUNDLE/hook.log" | grep -qF "$NO_LXCFS"
		pid=$(container_pid "$CID")
		# No mount at all over the files, whatever its type.
		if awk '$5 ~ "^/proc/(cpuinfo|diskstats|loadavg|meminfo|slabinfo|stat|swaps|uptime)$" ||
			$5 == "/sys/devices/system/cpu/online" { print; found = 1 } END { exit !found }' \
			"/proc/$pid/mountinfo"; then
			fail "something is mounted over the container's files"
		fi
		assert_host_view "$CID"
	else
		assert_refused "$status" "$output" "$NO_LXCFS"
	fi
	assert_host_untouched
}

@test "lxcfs not mounted, --on-missing fail: the container does not start" {
	make_bundle fail --enable --lxcfs-root "$NO_LXCFS" --hook-arg --on-missing --hook-arg fail
	run container_create runc
	echo "$output"
	assert_refused "$status" "$output" "$NO_LXCFS"
	assert_host_untouched
}
