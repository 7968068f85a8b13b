#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 3: io.kubernetes.container.lxcfsFiles picks the files.

load helpers

FILES=io.kubernetes.container.lxcfsFiles

@test "lxcfsFiles=/proc/meminfo: only meminfo comes from lxcfs" {
	make_bundle meminfo --enable --annotation "$FILES=/proc/meminfo"
	run_container runc
	pid=$(container_pid "$CID")
	assert_from_lxcfs "$pid" /proc/meminfo
	assert_lxcfs_mounts_are "$pid" /proc/meminfo
	run container_view "$CID"
	echo "$output"
	[ "$(view_value memtotal)" = "$LXH_MEM_LIMIT_KB" ]
	[ "$(view_value processors)" = "$(grep -c ^processor /proc/cpuinfo)" ]
	[ "$(view_value online)" = "$(cat /sys/devices/system/cpu/online)" ]
	assert_host_untouched
}

@test "lxcfsFiles with three entries: exactly those three come from lxcfs" {
	make_bundle three --enable \
		--annotation "$FILES=/proc/meminfo,/proc/uptime,/sys/devices/system/cpu/online"
	run_container runc
	pid=$(container_pid "$CID")
	assert_from_lxcfs "$pid" /proc/meminfo /proc/uptime /sys/devices/system/cpu/online
	assert_lxcfs_mounts_are "$pid" /proc/meminfo /proc/uptime /sys/devices/system/cpu/online
	run container_view "$CID"
	echo "$output"
	[ "$(view_value memtotal)" = "$LXH_MEM_LIMIT_KB" ]
	[ "$(view_value online)" = 0 ]
	[ "$(view_value processors)" = "$(grep -c ^processor /proc/cpuinfo)" ]
	assert_host_untouched
}

@test "lxcfsFiles naming a path outside the supported set: refused, the error names it" {
	local p
	for p in /etc/passwd /proc/../etc/passwd /proc/meminfo/../../etc/shadow /proc/self/environ; do
		make_bundle "unsupported-$RANDOM" --enable --annotation "$FILES=/proc/meminfo,$p"
		run container_create runc
		echo "$FILES=/proc/meminfo,$p: $output"
		assert_refused "$status" "$output" "${p//./[.]}"
	done
	assert_host_untouched
}

@test "a file the spec already mounts is left alone, the others come from lxcfs" {
	printf 'MemTotal:        1234 kB\n' >"$BATS_TEST_TMPDIR/meminfo"
	make_bundle specmount --enable --bind "$BATS_TEST_TMPDIR/meminfo:/proc/meminfo"
	run_container runc
	pid=$(container_pid "$CID")
	mapfile -t files < <(expected_default_files | grep -vx /proc/meminfo)
	assert_from_lxcfs "$pid" "${files[@]}"
	assert_lxcfs_mounts_are "$pid" "${files[@]}"
	run container_exec "$CID" cat /proc/meminfo
	echo "$output"
	[ "$output" = "MemTotal:        1234 kB" ]
	assert_host_untouched
}

@test "lxcfsFiles=/sys/devices/system/cpu: the whole virtual cpu directory comes from lxcfs" {
	[ -f "$LXCFS_DIR/sys/devices/system/cpu/uevent" ] ||
		skip_or_fail "this lxcfs does not virtualize the whole cpu directory"
	make_bundle cpudir --enable --annotation "$FILES=/sys/devices/system/cpu"
	run_container runc
	pid=$(container_pid "$CID")
	assert_from_lxcfs "$pid" /sys/devices/system/cpu
	assert_lxcfs_mounts_are "$pid" /sys/devices/system/cpu
	run container_exec "$CID" cat /sys/devices/system/cpu/online
	echo "$output"
	[ "$output" = 0 ]
	assert_host_untouched
}
