#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 6: podman with the hooks.d file the build generates
# (only its path and arguments are pointed at this build and the private lxcfs).

load helpers

setup() {
	lxh_setup
	require_cmd podman
	podman_hooks_dir
}

# shellcheck disable=SC2016 # expanded in the container
# What the container reads, and where its lxcfs mounts are, seen from inside.
VIEW='
	echo "memtotal $(awk "/^MemTotal:/ { print \$2 }" /proc/meminfo)"
	echo "nproc $(nproc)"
	echo "processors $(grep -c ^processor /proc/cpuinfo)"
	echo "uptime $(cut -d" " -f1 /proc/uptime)"
	echo "online $(cat /sys/devices/system/cpu/online)"
	awk "{ for (i = 7; \$i != \"-\"; i++) ; if (\$(i + 1) == \"fuse.lxcfs\") print \"lxcfs\", \$5 }" /proc/self/mountinfo
'

@test "podman --annotation io.kubernetes.container.lxcfsEnable=true: 256 MiB, 1 CPU, through lxcfs" {
	run podman_run --annotation io.kubernetes.container.lxcfsEnable=true -- sh -c "$VIEW"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(view_value memtotal)" = "$LXH_MEM_LIMIT_KB" ]
	[ "$(view_value nproc)" = 1 ]
	[ "$(view_value processors)" = 1 ]
	awk -v u="$(view_value uptime)" 'BEGIN { exit !(u + 0 < 60) }'
	[ "$(view_value online)" = 0 ]
	want=$(expected_default_files | sort)
	got=$(awk '$1 == "lxcfs" { print $2 }' <<<"$output" | sort)
	[ "$want" = "$got" ]
	assert_host_untouched
}

@test "podman without the annotation: the hook does not run, host values" {
	run podman_run -- sh -c "$VIEW"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(view_value memtotal)" = "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" ]
	[ "$(view_value processors)" = "$(grep -c ^processor /proc/cpuinfo)" ]
	if grep '^lxcfs ' <<<"$output"; then fail "lxcfs mounts in the container"; fi
	# The registration's when.annotations kept podman from running the hook.
	[ ! -e "$BATS_TEST_TMPDIR/podman-hook.log" ]
	assert_host_untouched
}

@test "podman --annotation io.kubernetes.container.lxcfsEnable=false: the hook does not run" {
	run podman_run --annotation io.kubernetes.container.lxcfsEnable=false -- sh -c "$VIEW"
	echo "$output"
	[ "$status" -eq 0 ]
	if grep '^lxcfs ' <<<"$output"; then fail "lxcfs mounts in the container"; fi
	[ ! -e "$BATS_TEST_TMPDIR/podman-hook.log" ]
	assert_host_untouched
}
