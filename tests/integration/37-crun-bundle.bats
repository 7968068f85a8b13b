#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 10, item 4: crun 1.21 to 1.29 pass their own working directory as the
# state's "bundle" to prestart and createRuntime hooks (crun issue 2025), and it
# is "/" under podman --uidmap with a CDI device; the state's "root" is then
# podman's intermediate mount point (where the rootfs is bound), not the
# storage's rootfs. The hook must never read /config.json: it takes crun's own
# copy (<state root>/<id>/config.json) when its root.path is the state's root,
# or refuses with the reason.
#
# Tests 1-2 write such a state by hand for a runc container (any machine).
# Test 3 is the real trigger: podman --runtime crun --uidmap with a CDI device
# (a CDI spec under /etc/cdi naming /dev/null under another name). With a crun
# that has the bug (sid's 1.28 in make check-stacks) the hook's log must show it
# used crun's copy; with one that has not, the state's bundle is the real one.

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run

load helpers

bats_require_minimum_version 1.5.0

CDI_KIND=lxcfs-oci-hook.test/null
CDI_FILE=/etc/cdi/lxcfs-oci-hook-test.yaml

setup() {
	lxh_setup
}

teardown() {
	[ -z "${CDI_OURS:-}" ] || rm -f "$CDI_FILE"
	lxh_teardown
}

# slash_state PID ROOT: the state crun 1.21-1.29 write (bundle "/"), annotated.
slash_state() {
	jq -nc --arg id "$CID" --argjson pid "$1" --arg root "$2" '{
		ociVersion: "1.0", id: $id, pid: $pid, root: $root, bundle: "/", status: "created",
		annotations: {"io.container.manager": "libpod", "io.kubernetes.container.lxcfsEnable": "true"}
	}'
}

# hook_by_hand [HOOK OPTIONS...] < STATE: the hook with the test's usual arguments.
hook_by_hand() {
	local args
	mapfile -t args < <(hook_args "$@")
	run --separate-stderr timeout -k 5 30 "$HOOK_BIN" "${args[@]}"
	echo "hook exit $status; stderr: $stderr"
}

@test "state with bundle \"/\" (by hand): the hook takes crun's copy of config.json, the container gets its files" {
	make_bundle slash --enable --stage none
	container_create runc
	pid=$(container_pid "$CID")
	# crun's state directory as crun keeps it, root.path absolute as podman writes it.
	sroot=$BATS_TEST_TMPDIR/crun-root
	mkdir -p "$sroot/$CID"
	jq --arg r "$BUNDLE/rootfs" '.root.path = $r' "$BUNDLE/config.json" >"$sroot/$CID/config.json"
	slash_state "$pid" "$BUNDLE/rootfs" >"$BATS_TEST_TMPDIR/state.json"
	hook_by_hand --state-root "$sroot" --log-level info <"$BATS_TEST_TMPDIR/state.json"
	[ "$status" -eq 0 ]
	grep -qF "crun issue 2025" <<<"$stderr"
	grep -qF "$sroot/$CID/config.json" <<<"$stderr"
	mapfile -t files < <(expected_default_files)
	assert_from_lxcfs "$pid" "${files[@]}"
	assert_lxcfs_mounts_are "$pid" "${files[@]}"
	run container_exec "$CID" awk '/^MemTotal:/ { print $2 }' /proc/meminfo
	[ "$output" = "$LXH_MEM_LIMIT_KB" ]
}

@test "state with bundle \"/\" and no copy of crun's, or one of another root: refused with the reason, nothing mounted" {
	make_bundle slashno --enable --stage none
	container_create runc
	pid=$(container_pid "$CID")
	slash_state "$pid" "$BUNDLE/rootfs" >"$BATS_TEST_TMPDIR/state.json"
	hook_by_hand --state-root "$BATS_TEST_TMPDIR/empty-crun-root" <"$BATS_TEST_TMPDIR/state.json"
	[ "$status" -eq 1 ]
	grep -qF 'crun issue 2025' <<<"$stderr"
	grep -qF 'refusing rather than read /config.json' <<<"$stderr"
	assert_lxcfs_mounts_are "$pid"
	# A copy whose root.path is not the state's root is not this container's.
	sroot=$BATS_TEST_TMPDIR/crun-root
	mkdir -p "$sroot/$CID"
	jq '.root.path = "/var/tmp/another-root"' "$BUNDLE/config.json" >"$sroot/$CID/config.json"
	hook_by_hand --state-root "$sroot" <"$BATS_TEST_TMPDIR/state.json"
	[ "$status" -eq 1 ]
	grep -qF "not this container's" <<<"$stderr"
	assert_lxcfs_mounts_are "$pid"
	# Relative root: nothing to anchor it to.
	slash_state "$pid" rootfs >"$BATS_TEST_TMPDIR/state.json"
	hook_by_hand --state-root "$sroot" <"$BATS_TEST_TMPDIR/state.json"
	[ "$status" -eq 1 ]
	grep -qF 'not an absolute path' <<<"$stderr"
	assert_lxcfs_mounts_are "$pid"
}

# crun_version: "1.28" from `crun --version`.
crun_version() {
	crun --version </dev/null 3>&- | awk '/^crun version/ { print $3; exit }'
}

# crun_passes_cwd: this crun has the bug (1.21 to 1.29).
crun_passes_cwd() {
	local v minor
	v=$(crun_version)
	[ "${v%%.*}" = 1 ] || return 1
	minor=${v#1.}
	minor=${minor%%.*}
	[ "$minor" -ge 21 ] && [ "$minor" -le 29 ]
}

# crun_for_podman: sets CRUN_FOR_PODMAN, what podman --runtime gets: crun, or on
# hosts where crun 1.8 refuses hybrid cgroups, a wrapper named crun (podman knows a
# runtime's features by its name) that runs it as lxh_runtime_cmd does.
crun_for_podman() {
	CRUN_FOR_PODMAN=$(command -v crun) || return 1
	lxh_crun_needs_unshare || return 0
	mkdir -p "$BATS_TEST_TMPDIR/crun-wrapper" || return 1
	CRUN_FOR_PODMAN=$BATS_TEST_TMPDIR/crun-wrapper/crun
	# shellcheck disable=SC2016 # expanded by the wrapper
	printf '#!/bin/sh\nexec unshare -m --propagation private sh -c %s crun "$@"\n' \
		"'umount /sys/fs/cgroup/unified && exec $(command -v crun) \"\$@\"'" >"$CRUN_FOR_PODMAN" &&
		chmod 755 "$CRUN_FOR_PODMAN"
}

@test "podman --runtime crun --uidmap with a CDI device (crun issue 2025's trigger): the container reads its own MemTotal" {
	require_cmd podman crun
	podman_hooks_dir
	crun_for_podman
	if [ -e "$CDI_FILE" ]; then
		fail "$CDI_FILE exists and is not this suite's"
		return 1
	fi
	mkdir -p /etc/cdi
	CDI_OURS=1
	cat >"$CDI_FILE" <<-EOF
	cdiVersion: 0.5.0
	kind: $CDI_KIND
	devices:
	  - name: dev
	    containerEdits:
	      deviceNodes:
	        - path: /dev/lxh-null
	          hostPath: /dev/null
	EOF
	# Owned by the mapped root: the container's root must create /proc, /sys and /dev there.
	rootfs=$BATS_TEST_TMPDIR/rootfs-uidmap
	cp -a "$LXH_ROOTFS" "$rootfs"
	mkdir -p "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/etc"
	chown -R 100000:100000 "$rootfs"
	chmod 755 "$rootfs"
	name="${LXH_ID_PREFIX}crun-uidmap-$$-$RANDOM"
	lxh_register_container podman "$name" "$rootfs"
	echo "crun $(crun_version), podman $(podman --version | awk '{ print $3 }')"
	run --separate-stderr timeout -k 5 "$LXH_RUNTIME_TIMEOUT" podman --runtime "$CRUN_FOR_PODMAN" --cgroup-manager=cgroupfs \
		--hooks-dir "$PODMAN_HOOKS_DIR" run --rm --name "$name" --network none \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --memory "$LXH_MEM_LIMIT" \
		--uidmap 0:100000:65536 --gidmap 0:100000:65536 --device "$CDI_KIND=dev" \
		--annotation io.kubernetes.container.lxcfsEnable=true \
		--rootfs "$rootfs" sh -c 'test -c /dev/lxh-null && awk "/^MemTotal:/ { print \$2 }" /proc/meminfo' \
		</dev/null 3>&-
	echo "podman exit $status: $output; stderr: $stderr"
	echo "hook log:"
	cat "$BATS_TEST_TMPDIR/podman-hook.log" || true
	[ "$status" -eq 0 ]
	[ "$output" = "$LXH_MEM_LIMIT_KB" ]
	if crun_passes_cwd; then
		# The bug was there, and the hook found the container anyway.
		grep -F 'crun issue 2025' "$BATS_TEST_TMPDIR/podman-hook.log"
	else
		! grep -F 'crun issue 2025' "$BATS_TEST_TMPDIR/podman-hook.log"
	fi
	grep -F 'mounted from' "$BATS_TEST_TMPDIR/podman-hook.log"
}
