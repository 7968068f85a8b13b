#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 13, part 2: lxcfs-oci-runtime registered with Docker ("runtimes" in daemon.json).
# Docker 24+ passes `docker run --annotation` into the OCI spec: an annotated container
# gets the hook, reads 256 MiB, and is named and healed by status and remount like the
# others; an unannotated one is passed through unchanged. Docker 20.10 (Debian 12) has no
# --annotation: tests 1 and 2 then show that it refuses the flag, and that the runtime,
# even as the default one, changes nothing. The trixie stack runs them on Debian 13's 26.1.
#
# The daemon, lxcfs at /var/lib/lxc/lxcfs and cleanup: docker-helpers.bash.

load helpers
load docker-helpers

bats_require_minimum_version 1.5.0

ENABLE=io.kubernetes.container.lxcfsEnable

setup() {
	docker_setup || return 1
	[ -x "${RUNTIME_BIN:=$LXH_TOP_DIR/src/lxcfs-oci-runtime}" ] ||
		fail "RUNTIME_BIN=$RUNTIME_BIN is not an executable: build it first (make)"
	HOOK_LOG=$BATS_TEST_TMPDIR/hook.log
}

teardown() {
	docker_teardown
}

# runtime_json [RUNTIME-ARG...]: daemon.json's runtime "lxcfs": this build's wrapper and
# hook, the hook logging to $HOOK_LOG, and any more runtimeArgs.
runtime_json() {
	printf '%s\n' "--lxcfs-hook=$HOOK_BIN" "--lxcfs-hook-arg=--log-file=$HOOK_LOG" \
		"--lxcfs-hook-arg=--log-level=debug" "$@" | jq -R . |
		jq -cs --arg p "$RUNTIME_BIN" '{lxcfs: {path: $p, runtimeArgs: .}}'
}

# start_daemon [DAEMON-JSON-JQ-FILTER]: dockerd with the runtime registered, lxcfs, the image.
start_daemon() {
	local conf
	conf=$(jq -cn --argjson rt "$(runtime_json)" '{runtimes: $rt}' | jq -c "${1:-.}") || return 1
	echo "# daemon.json: $conf" >&3
	docker_start "$conf" || return 1
	docker_import_image || { fail "docker import failed"; return 1; }
	dk_lxcfs_start
}

# docker_has_annotation: this Docker passes --annotation into the spec (24 and later).
docker_has_annotation() {
	[ "$(docker_major)" -ge 24 ]
}

# bundle_config ID: the config.json runc got for container ID (under the exec root).
bundle_config() {
	local f
	f=$(find "$DK_EXEC" -path "*/$1/config.json" 2>/dev/null | head -n 1)
	[ -n "$f" ] || { fail "no config.json of $1 under $DK_EXEC"; return 1; }
	cat "$f"
}

# free_total OUTPUT: the "Mem:" total of `free -m`.
free_total() {
	awk '$1 == "Mem:" { print $2 }' <<<"$1"
}

host_mib() {
	awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo
}

@test "docker runtime 1: --runtime lxcfs --annotation ${ENABLE}=true -m 256m: free -m shows 256 MiB; without the annotation the host's" {
	echo "# $("$LXH_DOCKERD" --version)" >&3
	start_daemon
	if ! docker_has_annotation; then
		# Docker 20.10: the client has no such flag, and says so.
		run dk run --rm --runtime lxcfs --annotation "$ENABLE=true" -m 256m "$DK_IMAGE" free -m
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"unknown flag: --annotation"* ]]
		echo "# Docker $(docker_version) has no --annotation (Docker 24+ has): keep the -v binds there" >&3
	else
		run dk run --rm --network none --runtime lxcfs --annotation "$ENABLE=true" -m 256m "$DK_IMAGE" free -m
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(free_total "$output")" = 256 ]
		grep -E "lxcfs-oci-hook\[[0-9]+\]: (info|debug): container [0-9a-f]{12}: " "$HOOK_LOG" | head -n 5
	fi

	# Without the annotation: the host's values, and no hook in the spec.
	run dk run --rm --network none --runtime lxcfs -m 256m "$DK_IMAGE" free -m
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(free_total "$output")" = "$(host_mib)" ]
	dk run -d --name plain --network none --runtime lxcfs -m 256m "$DK_IMAGE" sleep 1000 >/dev/null
	id=$(dk_id plain)
	run bundle_config "$id"
	[ "$status" -eq 0 ]
	! grep -q lxcfs-oci-hook <<<"$output"
	assert_lxcfs_mounts_are "$(dk_pid plain)"
	assert_host_untouched
}

@test "docker runtime 2: as --default-runtime, unannotated containers are unchanged and annotated ones (24+) get lxcfs" {
	start_daemon '. + {"default-runtime": "lxcfs"}'
	run dk info --format '{{.DefaultRuntime}}'
	[ "$output" = lxcfs ]
	run dk run --rm --network none -m 256m "$DK_IMAGE" free -m
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(free_total "$output")" = "$(host_mib)" ]
	if docker_has_annotation; then
		run dk run --rm --network none --annotation "$ENABLE=true" -m 256m "$DK_IMAGE" free -m
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(free_total "$output")" = 256 ]
	fi
	assert_host_untouched
}

@test "docker runtime 3: the hook goes after Docker's own hooks; after an lxcfs restart status names the container and remount heals it, once" {
	start_daemon
	docker_has_annotation || {
		echo "# Docker $(docker_version): no --annotation; tests 30-docker-seed cover status and remount for its containers" >&3
		return 0
	}
	dk run -d --name annotated --network none --runtime lxcfs --annotation "$ENABLE=true" -m 256m \
		"$DK_IMAGE" sleep 1000 >/dev/null
	id=$(dk_id annotated)
	pid=$(dk_pid annotated)
	run bundle_config "$id"
	[ "$status" -eq 0 ]
	jq -c '.hooks' <<<"$output"
	# Ours once, at createRuntime, last; every hook Docker put there kept before it.
	[ "$(jq -r '.hooks.createRuntime[-1].path' <<<"$output")" = "$HOOK_BIN" ]
	[ "$(jq '[.hooks[][] | select(.path == $h)] | length' --arg h "$HOOK_BIN" <<<"$output")" = 1 ]
	[ "$(jq -r ".annotations[\"$ENABLE\"]" <<<"$output")" = true ]
	mapfile -t files < <(container_lxcfs_mounts "$pid")
	[ ${#files[@]} -gt 0 ]
	[ "$(dk_memtotal annotated)" = "$LXH_MEM_LIMIT_KB" ]

	dk_lxcfs_restart
	run --separate-stderr dk_hook status --json
	entry=$(status_entry "$pid")
	echo "$entry"
	[ "$(jq -r .container <<<"$entry")" = "$id" ]
	[ "$(jq -r .state <<<"$entry")" = stale ]
	run --separate-stderr dk_hook remount --pid "$pid"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_summary "remount: 1 namespaces scanned, ${#files[@]} mounts repaired in 1 containers, 0 failed"
	[ "$(dk_memtotal annotated)" = "$LXH_MEM_LIMIT_KB" ]
	run --separate-stderr dk_hook remount --pid "$pid"
	assert_summary "remount: 1 namespaces scanned, 0 mounts repaired in 0 containers, 0 failed"
	assert_host_untouched
}

@test "docker runtime 4: a missing real runtime fails the container clearly, through docker" {
	local conf
	conf=$(jq -cn --argjson rt "$(runtime_json --lxcfs-runtime=/nonexistent/runc)" '{runtimes: $rt}')
	docker_start "$conf"
	docker_import_image
	run dk run --rm --network none --runtime lxcfs "$DK_IMAGE" true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the real runtime /nonexistent/runc is not an executable file"* ]]
	assert_host_untouched
}
