#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 9: a hostile image. Its proc/meminfo is a symlink
# to a host file outside the rootfs and the spec mounts no /proc over it, so a
# hook that follows symlinks would bind lxcfs over the host file. The hook must
# refuse (exit 1), mount nothing and leave the host file alone.

load helpers

setup() {
	lxh_setup
	HOST_FILE="$BATS_TEST_TMPDIR/host-file"
	printf 'MemTotal: 1 kB\nthis file is on the host\n' >"$HOST_FILE"
	HOST_SUM=$(sha256sum <"$HOST_FILE")
}

# assert_attack_failed: create was refused, the host file is intact and
# nothing is mounted on it.
assert_attack_failed() {
	echo "$output"
	assert_refused "$status" "$output"
	[ "$(sha256sum <"$HOST_FILE")" = "$HOST_SUM" ]
	if awk -v f="$HOST_FILE" '$5 == f { print; found = 1 } END { exit !found }' /proc/self/mountinfo; then
		fail "something is mounted on the host file"
	fi
	assert_host_untouched
}

@test "proc/meminfo is an absolute symlink to a host file, no /proc mount: refused" {
	make_bundle abs-symlink --enable --no-proc
	ln -s "$HOST_FILE" "$BUNDLE/rootfs/proc/meminfo"
	run container_create runc
	assert_attack_failed
}

@test "proc/meminfo is a relative symlink climbing out of the rootfs, no /proc mount: refused" {
	make_bundle rel-symlink --enable --no-proc
	ln -s "../../../../../../../../../../../../..$HOST_FILE" "$BUNDLE/rootfs/proc/meminfo"
	[ "$(readlink -f "$BUNDLE/rootfs/proc/meminfo")" = "$HOST_FILE" ]
	run container_create runc
	assert_attack_failed
}

@test "proc/meminfo symlink named in lxcfsFiles, no /proc mount: refused" {
	make_bundle named-symlink --enable --no-proc \
		--annotation io.kubernetes.container.lxcfsFiles=/proc/meminfo
	ln -s "$HOST_FILE" "$BUNDLE/rootfs/proc/meminfo"
	run container_create runc
	assert_attack_failed
}

@test "proc itself is a symlink to a host directory, no /proc mount: refused" {
	make_bundle proc-symlink --enable --no-proc
	mkdir "$BATS_TEST_TMPDIR/fakeproc"
	mv "$HOST_FILE" "$BATS_TEST_TMPDIR/fakeproc/meminfo"
	HOST_FILE="$BATS_TEST_TMPDIR/fakeproc/meminfo"
	rmdir "$BUNDLE/rootfs/proc"
	ln -s "$BATS_TEST_TMPDIR/fakeproc" "$BUNDLE/rootfs/proc"
	run container_create runc
	assert_attack_failed
}
