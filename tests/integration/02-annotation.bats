#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 2: the io.kubernetes.container.lxcfsEnable annotation.

load helpers

ANN=io.kubernetes.container.lxcfsEnable

@test "annotation absent: the container reads the host's values" {
	make_bundle absent
	run_container runc
	assert_plain_container "$CID"
}

@test "annotation false: the container reads the host's values" {
	make_bundle false --annotation "$ANN=false"
	run_container runc
	assert_plain_container "$CID"
}

@test "annotation values are case-insensitive and accept 1/0, yes/no, on/off" {
	local v pid
	for v in TRUE True 1 yes ON; do
		make_bundle "on-$v" --annotation "$ANN=$v"
		run_container runc
		pid=$(container_pid "$CID")
		echo "$ANN=$v"
		assert_from_lxcfs "$pid" /proc/meminfo
	done
	for v in FALSE False 0 no OFF; do
		make_bundle "off-$v" --annotation "$ANN=$v"
		run_container runc
		pid=$(container_pid "$CID")
		echo "$ANN=$v"
		assert_lxcfs_mounts_are "$pid"
	done
	assert_host_untouched
}

@test "--default on: annotation absent enables, false still disables" {
	make_bundle default-on --hook-arg --default --hook-arg on
	run_container runc
	assert_lxcfs_container "$CID"
	make_bundle default-on-false --annotation "$ANN=false" --hook-arg --default --hook-arg on
	run_container runc
	assert_plain_container "$CID"
}

@test "annotation invalid: the container does not start and the error names the annotation and the value" {
	make_bundle invalid --annotation "$ANN=maybe"
	run container_create runc
	echo "$output"
	assert_refused "$status" "$output" 'io\.kubernetes\.container\.lxcfsEnable' 'maybe'
	# runc prints a failed hook's stderr: the message reaches the user.
	[[ "$output" == *"$ANN"* ]]
	run container_state "$CID"
	[ "$status" -ne 0 ]
	assert_host_untouched
}
