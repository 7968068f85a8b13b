#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 9, item 3: only root's lxcfs is trusted. Any user may mount a FUSE
# filesystem of their own files with subtype=lxcfs (fusermount3 -o subtype=lxcfs);
# lxcfs is always mounted by root, so a fuse.lxcfs mount whose options do not say
# user_id=0 counts as "lxcfs missing", through --lxcfs-root and auto-detection.
#
# The user's filesystem is tests/fake-lxcfs (MemTotal 999 kB) run as nobody with
# allow_other. This machine's /dev/fuse is 0600 and its /etc/fuse.conf does not
# allow allow_other: a test namespace (a private mount namespace, held by a
# sleeping process) gets a 0666 /dev/fuse and a fuse.conf with user_allow_other.
# The user's mount, the runtime and the hook all live there: for them it is the
# host, and the real host sees none of it.

load helpers
load fake-lxcfs

bats_require_minimum_version 1.5.0

setup() {
	lxh_setup
	require_cmd setpriv
	id nobody >/dev/null 2>&1 || { skip_or_fail "no user nobody"; return 1; }
	start_test_namespace
	start_fake_lxcfs --user nobody --allow-other --memtotal 999 --wrap nsenter -t "$NS_PID" -m --
}

teardown() {
	local rc=0
	lxh_teardown || rc=1
	[ -z "${NS_PID:-}" ] || { kill "$NS_PID" 2>/dev/null; wait "$NS_PID" 2>/dev/null; }
	return $rc
}

# start_test_namespace: a private mount namespace held by a sleeping process
# ($NS_PID) where unprivileged users may mount FUSE filesystems with allow_other.
start_test_namespace() {
	local dir=$BATS_TEST_TMPDIR/ns i
	mkdir -p "$dir"
	mknod -m 666 "$dir/fuse" c 10 229 || return 1
	printf 'user_allow_other\n' >"$dir/fuse.conf"
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m --propagation private sh -c '
		mount --bind "$1/fuse" /dev/fuse && mount --bind "$1/fuse.conf" /etc/fuse.conf || exit 1
		echo ready >"$1/ready"
		exec sleep 1000' sh "$dir" </dev/null >/dev/null 2>&1 3>&- &
	NS_PID=$!
	for ((i = 0; i < 50; i++)); do
		[ -e "$dir/ready" ] && return 0
		sleep 0.1
	done
	fail "the test namespace did not come up"
}

# The runtime runs in the test namespace: the user's mount is in its mount table.
lxh_runtime_cmd() {
	case $1 in
	runc) LXH_CMD=(nsenter -t "$NS_PID" -m -- runc) ;;
	*) fail "unknown runtime $1"; return 1 ;;
	esac
}

# auto_detect: the bundle's hook gets no --lxcfs-root (it looks for lxcfs itself).
auto_detect() {
	jq '.hooks.createRuntime[0].args |= (index("--lxcfs-root") as $i | .[:$i] + .[$i + 2:])' \
		"$BUNDLE/config.json" >"$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# refused_or_show STATUS: after `run container_create runc` that should have been
# refused: when the container was created, say what it reads, then fail.
refused_or_show() {
	[ "$1" -ne 0 ] && return 0
	container_start "$CID"
	echo "the container reads MemTotal: $(container_memtotal "$CID") kB" >&2
	echo "its lxcfs mounts (dev root mountpoint options):" >&2
	lxcfs_entries "/proc/$(container_pid "$CID")/mountinfo" >&2
	fail "the container started with the user's fuse.lxcfs files"
}

# hide_other_lxcfs: unmount, in the test namespace only, every fuse.lxcfs mount
# but the user's: auto-detection then has only that one to find.
hide_other_lxcfs() {
	local mp
	while read -r mp; do
		[ "$mp" = "$FAKE_LXCFS_DIR" ] || nsenter -t "$NS_PID" -m -- umount -l "$mp" || return 1
	done < <(lxcfs_entries "/proc/$NS_PID/mountinfo" | awk '$2 == "/" { print $3 }')
}

@test "user fuse.lxcfs: the test namespace has the user's mount, made by nobody with allow_other" {
	line=$(fake_lxcfs_mountinfo "$NS_PID" "$FAKE_LXCFS_DIR")
	echo "$line"
	[[ "$line" == *" - fuse.lxcfs "* ]]
	[[ "$line" == *"user_id=65534"* ]]
	[[ "$line" == *allow_other* ]]
	# Not on the real host.
	if lxh_mounted_at "$FAKE_LXCFS_DIR"; then
		fail "the user's mount reached the host"
	fi
}

@test "user fuse.lxcfs: refused through --lxcfs-root (lxcfs missing, and why)" {
	make_bundle user-root --enable --lxcfs-root "$FAKE_LXCFS_DIR" --hook-arg --on-missing --hook-arg fail
	run container_create runc
	echo "$output"
	refused_or_show "$status"
	assert_refused "$status" "$output" "not trusted" "user_id=65534" "$FAKE_LXCFS_DIR"
}

@test "user fuse.lxcfs: --on-missing ignore starts the container without it, with a warning" {
	make_bundle user-ignore --enable --lxcfs-root "$FAKE_LXCFS_DIR" --hook-arg --on-missing --hook-arg ignore
	run_container runc
	pid=$(container_pid "$CID")
	assert_lxcfs_mounts_are "$pid"
	hook_lines warn "$BUNDLE/hook.log" | grep -E "not trusted.*user_id=65534"
	run container_memtotal "$CID"
	[ "$output" != 999 ]
}

@test "user fuse.lxcfs: skipped by auto-detection (root's lxcfs is used)" {
	make_bundle user-auto --enable --hook-arg --on-missing --hook-arg fail
	auto_detect
	run_container runc
	pid=$(container_pid "$CID")
	assert_memtotal "$CID" "$LXH_MEM_LIMIT_KB"
	assert_from_lxcfs "$pid" /proc/meminfo
	hook_lines warn "$BUNDLE/hook.log" | grep -E "$FAKE_LXCFS_DIR is not trusted"
}

@test "user fuse.lxcfs: the only one there: auto-detection says lxcfs is missing, and why" {
	hide_other_lxcfs
	make_bundle user-only --enable --hook-arg --on-missing --hook-arg fail
	auto_detect
	run container_create runc
	echo "$output"
	refused_or_show "$status"
	assert_refused "$status" "$output" "no lxcfs mounted by root" "not trusted" "user_id=65534"
}
