#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 10, item 1: podman as a user of a stack runs it, with the project installed the
# README's way (`make install`): podman finds the installed hooks.d file by itself
# (/usr/share/containers/oci/hooks.d), which runs the installed hook, which finds lxcfs
# at /var/lib/lxcfs: nothing points anything at this build. Under podman's default
# runtime (crun on Debian 13 and sid) and under runc.
#
# Runs only in the stacks (Makefile.am STACK_ONLY_TESTS, tests/stacks/inside.sh): this
# machine has no installed hook, and its lxcfs, if any, is not the tests' to restart.

load helpers

INSTALLED_JSON=/usr/share/containers/oci/hooks.d/lxcfs-oci-hook.json
INSTALLED_HOOK=/usr/libexec/oci/hooks.d/lxcfs-oci-hook

setup() {
	lxh_setup
	require_cmd podman
	[ -f "$INSTALLED_JSON" ] && [ -x "$INSTALLED_HOOK" ] ||
		skip_or_fail "the project is not installed: this suite runs in the stacks (make check-stacks)"
	# The node's lxcfs where the installed hook looks for it by default.
	! mountpoint -q /var/lib/lxcfs || fail "/var/lib/lxcfs is mounted already: not this suite's lxcfs"
	mkdir -p /var/lib/lxcfs
	start_lxcfs /var/lib/lxcfs
	# podman's own hooks directories, no --hooks-dir.
	unset PODMAN_HOOKS_DIR
	# What the installed registration says: the installed binary, createRuntime.
	jq -e --arg p "$INSTALLED_HOOK" '.hook.path == $p and (.stages | index("createRuntime"))' \
		"$INSTALLED_JSON" >/dev/null || fail "unexpected $INSTALLED_JSON: $(cat "$INSTALLED_JSON")"
}

# view_lxcfs_mounts: the lxcfs mounts in $output (VIEW's "lxcfs PATH" lines), sorted.
VIEW='
	echo "memtotal $(awk "/^MemTotal:/ { print \$2 }" /proc/meminfo)"
	echo "processors $(grep -c ^processor /proc/cpuinfo)"
	echo "online $(cat /sys/devices/system/cpu/online)"
	awk "{ for (i = 7; \$i != \"-\"; i++) ; if (\$(i + 1) == \"fuse.lxcfs\") print \"lxcfs\", \$5 }" /proc/self/mountinfo
'

# assert_installed_view: after `run podman_run ... sh -c "$VIEW"`, the container read
# its own 256 MiB and 1 CPU, through exactly the default set of /var/lib/lxcfs.
assert_installed_view() {
	echo "$output"
	[ "$status" -eq 0 ] || { fail "podman run failed"; return 1; }
	[ "$(view_value memtotal)" = "$LXH_MEM_LIMIT_KB" ] || { fail "MemTotal is not $LXH_MEM_LIMIT_KB kB"; return 1; }
	[ "$(view_value processors)" = 1 ] || { fail "/proc/cpuinfo does not list 1 processor"; return 1; }
	[ "$(view_value online)" = 0 ] || { fail "cpu online is not 0"; return 1; }
	[ "$(expected_default_files | sort)" = "$(awk '$1 == "lxcfs" { print $2 }' <<<"$output" | sort)" ] ||
		{ fail "the lxcfs mounts are not the default set of $LXCFS_DIR"; return 1; }
	assert_host_untouched
}

@test "podman, its default runtime, installed hooks.d file, lxcfsEnable=true: 256 MiB, 1 CPU, through /var/lib/lxcfs" {
	echo "default runtime: $(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}' 2>&1 | head -n 1)"
	PODMAN_RUNTIME='' run podman_run --annotation io.kubernetes.container.lxcfsEnable=true -- sh -c "$VIEW"
	assert_installed_view
}

@test "podman --runtime runc, installed hooks.d file, lxcfsEnable=true: 256 MiB, 1 CPU, through /var/lib/lxcfs" {
	PODMAN_RUNTIME=runc run podman_run --annotation io.kubernetes.container.lxcfsEnable=true -- sh -c "$VIEW"
	assert_installed_view
}

@test "podman, its default runtime, installed hooks.d file, no annotation: the hook does not run, host values" {
	PODMAN_RUNTIME='' run podman_run -- sh -c "$VIEW"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(view_value memtotal)" = "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" ]
	! grep -q '^lxcfs ' <<<"$output"
	assert_host_untouched
}

@test "podman --uidmap, its default runtime, installed hooks.d file, lxcfsEnable=true: its own values" {
	lxh_userns_path "$BATS_TEST_TMPDIR"
	PODMAN_RUNTIME='' run podman_run --annotation io.kubernetes.container.lxcfsEnable=true \
		--uidmap "0:$LXH_USERNS_BASE:65536" --gidmap "0:$LXH_USERNS_BASE:65536" -- sh -c "$VIEW"
	assert_installed_view
}
