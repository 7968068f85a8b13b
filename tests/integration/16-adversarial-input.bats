#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
# Issue 4, adversarial integration tests, part 2: hostile or broken hook input.
# The state on stdin, the bundle and its config.json, and the annotations. Each
# case ends in exactly one clear error line (exit 1) or a clean no-op (exit 0),
# never a signal, a hang or a core; a container whose pid the state names keeps
# its mount table unchanged, and the host is untouched (teardown).
#
# Most cases run the hook by hand on a hand-written state, with a container
# that `runc create` left waiting as the process the state names; annotation
# cases that runc can carry go through runc itself.

load adversarial-helpers

setup() {
	adv_setup
}

teardown() {
	adv_teardown
}

ENABLE=io.kubernetes.container.lxcfsEnable
FILES=io.kubernetes.container.lxcfsFiles

# adv_set_annotation KEY FILE [BUNDLE]: the annotation KEY gets FILE's bytes as
# its value in config.json (too large for a command-line argument).
adv_set_annotation() {
	local b=${3:-$BUNDLE}
	jq --arg k "$1" --rawfile v "$2" '.annotations[$k] = $v' "$b/config.json" >"$b/config.json.new" &&
		mv "$b/config.json.new" "$b/config.json"
}

# adv_set_annotation_raw KEY JSON_TEXT [BUNDLE]: the annotation KEY's value in
# config.json is JSON_TEXT exactly as written (escapes such as \u0000 kept).
adv_set_annotation_raw() {
	local b=${3:-$BUNDLE}
	local text
	text=$(jq --arg k "$1" '.annotations[$k] = "@@adv-raw@@"' "$b/config.json") || return 1
	printf '%s\n' "${text/\"@@adv-raw@@\"/"$2"}" >"$b/config.json"
}

# ---- the pid the state names ----------------------------------------------

@test "state pid of a process that has exited: refused, nothing mounted" {
	adv_created_container exited
	sleep 0 &
	gone=$!
	wait "$gone" || true
	if kill -0 "$gone" 2>/dev/null; then
		fail "pid $gone is still there"
	fi
	adv_hook_on "$gone" "$BUNDLE"
	adv_refused "process $gone" "no such process"
	adv_assert_ns_unchanged "$ADV_PID" exited
}

@test "state pid of a zombie: refused, nothing mounted" {
	adv_created_container zombie
	# The child of a process that never reaps it stays a zombie: it exits once
	# the shell has become `sleep 1000`, which never waits for it.
	adv_bg sh -c 'sleep 0.5 & echo $! >"$0"; exec sleep 1000' "$BATS_TEST_TMPDIR/zombie.pid"
	for _ in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/zombie.pid" ] &&
			[ "$(awk '{ print $3 }' "/proc/$(cat "$BATS_TEST_TMPDIR/zombie.pid")/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	zombie=$(cat "$BATS_TEST_TMPDIR/zombie.pid")
	[ "$(awk '{ print $3 }' "/proc/$zombie/stat")" = Z ]
	adv_hook_on "$zombie" "$BUNDLE"
	adv_refused "process $zombie"
	adv_assert_ns_unchanged "$ADV_PID" zombie
}

@test "state pid 1: refused, nothing mounted" {
	adv_created_container pid1
	adv_hook_on 1 "$BUNDLE"
	adv_refused "pid 1 is not a container process"
	adv_assert_ns_unchanged "$ADV_PID" pid1
}

@test "state pid 0, negative, too large, a float, a string: refused" {
	make_bundle badpid --enable --stage none
	# As text: jq would turn 1e3 into 1000.
	for p in 0 -5 -0 2147483648 99999999999999999999 1.5 1e3 1000.0 '"123"' true null '[42]' '{}' 0x10; do
		echo "pid: $p"
		adv_hook_str "{\"ociVersion\": \"1.0.2\", \"id\": \"badpid\", \"status\": \"created\", \"pid\": $p, \"bundle\": \"$BUNDLE\"}"
		adv_refused '"pid"|invalid JSON'
	done
}

@test "state pid of a process in the host's mount namespace: refused, nothing mounted" {
	adv_created_container hostns
	adv_bg sleep 1000
	host_pid=$ADV_BG_PID
	[ "$(readlink "/proc/$host_pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]
	adv_hook_on "$host_pid" "$BUNDLE"
	adv_refused "process $host_pid" "namespace"
	adv_assert_ns_unchanged "$ADV_PID" hostns
	# assert_host_untouched and the wider host check run in teardown too.
	assert_host_untouched
}

@test "state pid in the host's namespace while the hook runs in a namespace of its own: refused" {
	# The "host" here is a throw-away namespace A holding a sleep; the hook runs in
	# B, a child namespace of A, as a runtime that unshares would run it. The
	# hook cannot compare with its own namespace then, only with PID 1's (which
	# may be unreadable, as in sandboxes): the refusal must hold regardless.
	adv_created_container hostns2
	state_tmpl=$(adv_state 4242424242 "$BUNDLE")
	mapfile -t args < <(hook_args)
	t0=$(date +%s)
	# shellcheck disable=SC2016 # expanded by the inner shells
	run --separate-stderr timeout -k 5 "$ADV_BOUND" unshare -m --propagation private sh -c '
		d=$1 hook=$2 tmpl=$3
		shift 3
		sleep 1000 </dev/null >/dev/null 2>&1 &
		p=$!
		echo "$p" >"$d/a.pid"
		cat /proc/self/mountinfo >"$d/a.before"
		printf "%s" "$tmpl" | sed "s/4242424242/$p/" >"$d/state"
		unshare -m --propagation private "$hook" "$@" <"$d/state"
		rc=$?
		cat /proc/self/mountinfo >"$d/a.after"
		kill -KILL "$p"
		exit $rc
	' sh "$BATS_TEST_TMPDIR" "$HOOK_BIN" "$state_tmpl" "${args[@]}"
	echo "exit $status after $(($(date +%s) - t0)) s; stderr: $stderr"
	# Refused, whichever check catches it: the namespace checks when PID 1's
	# namespace is readable, else the rootfs and procfs checks.
	adv_refused
	diff <(adv_mount_lines "$BATS_TEST_TMPDIR/a.before") <(adv_mount_lines "$BATS_TEST_TMPDIR/a.after")
	adv_assert_ns_unchanged "$ADV_PID" hostns2
}

@test "state pid in the hook's own mount namespace (hook and process inside unshare -m): refused" {
	make_bundle ownns --enable --stage none
	state_tmpl=$(adv_state 4242424242 "$BUNDLE")
	mapfile -t args < <(hook_args)
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr timeout -k 5 "$ADV_BOUND" unshare -m --propagation private sh -c '
		d=$1 hook=$2 tmpl=$3
		shift 3
		sleep 1000 </dev/null >/dev/null 2>&1 &
		p=$!
		echo "$p" >"$d/own.pid"
		cat /proc/self/mountinfo >"$d/own.before"
		printf "%s" "$tmpl" | sed "s/4242424242/$p/" | "$hook" "$@"
		rc=$?
		cat /proc/self/mountinfo >"$d/own.after"
		kill -KILL "$p"
		exit $rc
	' sh "$BATS_TEST_TMPDIR" "$HOOK_BIN" "$state_tmpl" "${args[@]}"
	echo "exit $status; stderr: $stderr"
	adv_refused "process $(cat "$BATS_TEST_TMPDIR/own.pid")" "own mount namespace"
	diff <(adv_mount_lines "$BATS_TEST_TMPDIR/own.before") <(adv_mount_lines "$BATS_TEST_TMPDIR/own.after")
}

@test "state pid of one container with another container's bundle: refused, neither changed" {
	adv_created_container cross-a
	pid_a=$ADV_PID
	adv_created_container cross-b
	bundle_b=$BUNDLE
	ln -s "$bundle_b" "$BATS_TEST_TMPDIR/bundle-link"
	for b in "$bundle_b" "$BATS_TEST_TMPDIR/bundle-link"; do
		adv_hook_on "$pid_a" "$b"
		adv_refused "not its rootfs|rootfs"
	done
	adv_assert_ns_unchanged "$pid_a" cross-a
	adv_assert_ns_unchanged "$ADV_PID" cross-b
}

# ---- the bundle and config.json -------------------------------------------

@test "bundle path relative: refused" {
	adv_created_container relbundle
	cd "$BATS_TEST_TMPDIR"
	for b in "bundle-relbundle" "./bundle-relbundle" "${BUNDLE#/}"; do
		echo "bundle: $b"
		adv_hook_on "$ADV_PID" "$b"
		adv_refused '"bundle"'
	done
	adv_assert_ns_unchanged "$ADV_PID" relbundle
}

@test "bundle path missing, a file, or a dangling symlink: refused" {
	adv_created_container missingbundle
	echo '{}' >"$BATS_TEST_TMPDIR/a-file"
	ln -s "$BATS_TEST_TMPDIR/nowhere" "$BATS_TEST_TMPDIR/dangling"
	for b in "$BATS_TEST_TMPDIR/nowhere" "$BATS_TEST_TMPDIR/a-file" "$BATS_TEST_TMPDIR/dangling" \
		"$BUNDLE/config.json"; do
		adv_hook_on "$ADV_PID" "$b"
		adv_refused "bundle"
	done
	adv_assert_ns_unchanged "$ADV_PID" missingbundle
}

@test "bundle path a symlink to the container's own bundle (state by hand): as the bundle itself" {
	adv_created_container linkbundle
	ln -s "$BUNDLE" "$BATS_TEST_TMPDIR/link-to-bundle"
	adv_hook_on "$ADV_PID" "$BATS_TEST_TMPDIR/link-to-bundle" created \
		"{\"$ENABLE\": \"true\", \"$FILES\": \"/proc/meminfo\"}"
	adv_check_exit
	if [ "${LXCFS_OCI_HOOK_MOUNT_API:-}" = legacy ]; then
		# A created container is past pivot_root: the legacy path refuses there.
		adv_refused "pivot_root"
		adv_assert_ns_unchanged "$ADV_PID" linkbundle
		return
	fi
	adv_noop
	assert_from_lxcfs "$ADV_PID" /proc/meminfo
	assert_lxcfs_mounts_are "$ADV_PID" /proc/meminfo
	assert_lxcfs_mounts_readonly "$ADV_PID"
	# Nothing else moved in the container.
	diff <(grep -v ' /proc/meminfo ' "$BATS_TEST_TMPDIR/adv-ns.linkbundle") \
		<(adv_mount_lines "/proc/$ADV_PID/mountinfo" | grep -v ' /proc/meminfo ')
}

@test "runc create --bundle through a symlink: the container gets its lxcfs files" {
	make_bundle runclink --enable
	adv_wrap_hook
	ln -s "$BUNDLE" "$BATS_TEST_TMPDIR/runc-link"
	# container_create runs `runc create --bundle B` from inside B: run it by hand.
	lxh_register_container runc "$CID" "$BUNDLE"
	(cd / && timeout -k 5 "$LXH_RUNTIME_TIMEOUT" runc create --bundle "$BATS_TEST_TMPDIR/runc-link" "$CID" \
		</dev/null >"$BUNDLE/runtime.out" 2>"$BUNDLE/runtime.err" 3>&-) ||
		{ cat "$BUNDLE/runtime.err"; false; }
	echo "state bundle: $(jq -r .bundle "$BUNDLE/adv-state.json")"
	[ "$(adv_hook_rc)" = 0 ]
	container_start "$CID"
	assert_lxcfs_container "$CID"
}

@test "config.json missing, a directory, a symlink, a FIFO: refused, never waits" {
	adv_created_container cfgkind
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/real-config.json"
	for kind in missing directory symlink fifo; do
		rm -rf "$BUNDLE/config.json"
		case $kind in
		missing) ;;
		directory) mkdir "$BUNDLE/config.json" ;;
		symlink) ln -s "$BATS_TEST_TMPDIR/real-config.json" "$BUNDLE/config.json" ;;
		fifo) mkfifo "$BUNDLE/config.json" ;;
		esac
		echo "config.json: $kind"
		adv_hook_on "$ADV_PID" "$BUNDLE"
		adv_refused "config.json"
		[ "$ADV_MS" -lt 20000 ]
	done
	adv_assert_ns_unchanged "$ADV_PID" cfgkind
}

@test "config.json truncated: refused at every cut" {
	adv_created_container truncated
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/full.json"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/full.json")
	# The file ends in "}\n": size - 1 would still be whole.
	for cut in 0 1 2 17 $((size / 3)) $((size / 2)) $((size - 3)) $((size - 2)); do
		head -c "$cut" "$BATS_TEST_TMPDIR/full.json" >"$BUNDLE/config.json"
		echo "config.json cut at $cut of $size bytes"
		adv_hook_on "$ADV_PID" "$BUNDLE"
		adv_refused "config.json"
	done
	adv_assert_ns_unchanged "$ADV_PID" truncated
}

@test "config.json of 50 MB, sparse or real: refused, promptly" {
	adv_created_container big
	# Sparse: 50 MB of holes after a valid start.
	head -c 1 "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/sparse.json"
	truncate -s 50M "$BATS_TEST_TMPDIR/sparse.json"
	# Real: a valid object carrying 50 MB of padding in an annotation.
	# The file ends in "}\n": the padding goes in before them.
	{
		head -c -2 "$BUNDLE/config.json"
		printf ', "pad": "'
		head -c 52428800 /dev/zero | tr '\0' x
		printf '"}\n'
	} >"$BATS_TEST_TMPDIR/real.json"
	jq -e '.pad | length == 52428800' "$BATS_TEST_TMPDIR/real.json" >/dev/null
	for f in sparse real; do
		cp --sparse=always "$BATS_TEST_TMPDIR/$f.json" "$BUNDLE/config.json"
		echo "config.json: $f, $(stat -c %s "$BUNDLE/config.json") bytes"
		adv_hook_on "$ADV_PID" "$BUNDLE"
		adv_refused "config.json" "bytes"
		[ "$ADV_MS" -lt 20000 ]
	done
	adv_assert_ns_unchanged "$ADV_PID" big
}

@test "config.json not an object (array, string, number, null, array of the config): refused" {
	adv_created_container notobj
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/full.json"
	for doc in '[]' '"config"' '42' 'null' 'true' "[$(cat "$BATS_TEST_TMPDIR/full.json")]"; do
		printf '%s' "$doc" >"$BUNDLE/config.json"
		echo "config.json: ${doc:0:40}"
		adv_hook_on "$ADV_PID" "$BUNDLE"
		adv_refused "config.json"
	done
	adv_assert_ns_unchanged "$ADV_PID" notobj
}

@test "config.json's root.path names the host's / or another container's rootfs: refused" {
	adv_created_container otherroot-a
	pid_a=$ADV_PID
	adv_created_container otherroot-b
	rootfs_b="$BUNDLE/rootfs"
	make_bundle otherroot-c --enable --stage none
	for root in / "$rootfs_b" "../bundle-otherroot-b/rootfs"; do
		jq --arg r "$root" '.root.path = $r' "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
		echo "root.path: $root"
		adv_hook_on "$pid_a" "$BUNDLE"
		adv_refused "rootfs"
	done
	adv_assert_ns_unchanged "$pid_a" otherroot-a
	adv_assert_ns_unchanged "$ADV_PID" otherroot-b
}

# ---- stdin ----------------------------------------------------------------

@test "stdin empty, /dev/null, or closed: refused" {
	adv_hook </dev/null
	adv_refused "state"
	adv_hook <<<""
	adv_refused "state"
	# Closed: not through bats' run, which would hand its own output pipe over as fd 0.
	mapfile -t args < <(hook_args)
	for extra in "" "--log-file=$BATS_TEST_TMPDIR/closed.log"; do
		# shellcheck disable=SC2016 # expanded by the inner bash
		run --separate-stderr bash -c 'exec <&- 3>&-; exec timeout -k 5 "$@"' bash \
			"$ADV_BOUND" "$HOOK_BIN" "${args[@]}" ${extra:+"$extra"}
		echo "stdin closed ${extra:+($extra)}: exit $status, stderr: $stderr"
		adv_refused "stdin"
	done
}

@test "stdin not JSON (text, binary, truncated, trailing garbage, comments): refused" {
	make_bundle notjson --enable --stage none
	good=$(adv_state 4242 "$BUNDLE")
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/random"
	for doc in 'hello' '{' '{"id":' "${good:0:40}" "$good}" "$good $good" "$good garbage" \
		'{"id": "x", /* c */ "status": "created"}' "{'id': 'x'}" $'\xff\xfe{}'; do
		echo "stdin: ${doc:0:60}"
		adv_hook_str "$doc"
		adv_refused "state"
	done
	adv_hook <"$BATS_TEST_TMPDIR/random"
	adv_refused "state"
	# A raw NUL byte hiding a second document.
	printf '%s\0{"id": "y"}' "$good" >"$BATS_TEST_TMPDIR/nul"
	adv_hook <"$BATS_TEST_TMPDIR/nul"
	adv_refused "state" "NUL"
}

# adv_times N TEXT: TEXT N times, on one line.
adv_times() {
	yes -- "$2" | head -n "$1" | tr -d '\n'
}

# adv_nested arrays|objects|unclosed|annotations N: JSON nested N levels deep.
adv_nested() {
	case $1 in
	arrays) adv_times "$2" '['; adv_times "$2" ']' ;;
	objects) adv_times "$2" '{"a":'; printf 1; adv_times "$2" '}' ;;
	unclosed) adv_times "$2" '[' ;;
	annotations)
		printf '{"id": "x", "status": "created", "pid": 42, "bundle": "/b", "annotations": {"a": '
		adv_times "$2" '['; adv_times "$2" ']'; printf '}}'
		;;
	esac
}

@test "stdin nested 100,000 levels deep (arrays, objects, inside annotations): refused" {
	for kind in arrays objects unclosed annotations; do
		echo "nesting: $kind"
		adv_hook < <(adv_nested "$kind" 100000)
		adv_refused "state" "nested deeper"
	done
}

@test "stdin of 100 MB, piped or a sparse file: refused, promptly" {
	t0=$(date +%s)
	# A document that would be valid if it ended: the size limit must stop it.
	adv_hook < <(printf '{"id": "'; head -c 100000000 /dev/zero | tr '\0' a; printf '"}')
	adv_refused "state" "larger than"
	truncate -s 100M "$BATS_TEST_TMPDIR/sparse"
	adv_hook <"$BATS_TEST_TMPDIR/sparse"
	adv_refused "state" "larger than"
	echo "both in $(($(date +%s) - t0)) s"
	[ $(($(date +%s) - t0)) -lt 60 ]
}

@test "stdin never closed: the deadline (--timeout 2) ends the hook within seconds" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	# A writer that holds the pipe open and never writes.
	adv_bg sh -c 'exec sleep 1000 >"$0"' "$BATS_TEST_TMPDIR/fifo"
	adv_hook --timeout 2 <"$BATS_TEST_TMPDIR/fifo"
	adv_refused "timed out" "stdin"
	[ "$ADV_MS" -ge 1500 ]
	[ "$ADV_MS" -lt 15000 ]
	# The same through an ordinary pipe from a `sleep 30` that outlives the hook.
	mapfile -t args < <(hook_args --timeout 2)
	# shellcheck disable=SC2016 # expanded by the inner bash
	run --separate-stderr bash -c '
		exec 3>&-
		bound=$1 d=$2
		shift 2
		exec < <(exec sleep 30)
		echo "$!" >>"$d/adv-pids"
		t0=$(date +%s%N)
		timeout -k 5 "$bound" "$@"
		rc=$?
		echo "rc=$rc ms=$((($(date +%s%N) - t0) / 1000000))" >&2
		exit $rc
	' bash "$ADV_BOUND" "$BATS_TEST_TMPDIR" "$HOOK_BIN" "${args[@]}"
	echo "pipe: exit $status, stderr: $stderr"
	adv_check_exit
	[ "$status" -eq 1 ]
	hook_lines error <<<"$stderr" | grep -q "timed out"
	ms=$(sed -n 's/^rc=.* ms=//p' <<<"$stderr")
	[ "$ms" -lt 15000 ]
}

@test "stdin trickling one byte every 0.1 s, forever: the deadline ends the hook" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	adv_bg sh -c 'exec >"$0"; printf "{\"id\": \"trickle\", \"status\": \"created\", \"pad\": \""
		while printf a; do sleep 0.1; done' "$BATS_TEST_TMPDIR/fifo"
	adv_hook --timeout 2 <"$BATS_TEST_TMPDIR/fifo"
	adv_refused "timed out"
	[ "$ADV_MS" -lt 15000 ]
}

@test "state with 300,000 annotations (under 4 MiB): refused at the member limit, within the bound" {
	make_bundle manykeys --stage none
	awk -v b="$BUNDLE" 'BEGIN {
		printf "{\"ociVersion\":\"1.0.2\",\"id\":\"manykeys\",\"status\":\"created\",\"pid\":4242,"
		printf "\"bundle\":\"%s\",\"annotations\":{", b
		for (i = 0; i < 300000; i++)
			printf "%s\"k%d\":\"\"", (i ? "," : ""), i
		printf "}}"
	}' >"$BATS_TEST_TMPDIR/state.json"
	jq -e '.annotations | length == 300000' "$BATS_TEST_TMPDIR/state.json" >/dev/null
	echo "state: $(stat -c %s "$BATS_TEST_TMPDIR/state.json") bytes"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/state.json")" -lt 4194304 ]
	adv_hook <"$BATS_TEST_TMPDIR/state.json"
	# No real state comes near (Kubernetes caps a pod's annotations at 256 KiB), and yajl's tree
	# grows one realloc per member: quadratic under a sanitizer. Refused before it is built.
	adv_refused "more than 65536 members"
}

# ---- annotation values ----------------------------------------------------

@test "lxcfsEnable of 1 MB (state or config.json): refused, the error quotes a short piece" {
	adv_created_container bigenable
	{ printf true; head -c 1048576 /dev/zero | tr '\0' ' '; } >"$BATS_TEST_TMPDIR/enable"
	jq -nc --argjson pid "$ADV_PID" --arg b "$BUNDLE" --arg id "$CID" --arg k "$ENABLE" \
		--rawfile v "$BATS_TEST_TMPDIR/enable" \
		'{ociVersion: "1.0.2", id: $id, status: "created", pid: $pid, bundle: $b, annotations: {($k): $v}}' \
		>"$BATS_TEST_TMPDIR/big-state.json"
	adv_hook <"$BATS_TEST_TMPDIR/big-state.json"
	adv_refused "$ENABLE" "invalid value"
	# The same value in config.json only.
	jq 'del(.annotations["io.kubernetes.container.lxcfsEnable"])' "$BUNDLE/config.json" >"$BUNDLE/c.new"
	mv "$BUNDLE/c.new" "$BUNDLE/config.json"
	adv_set_annotation "$ENABLE" "$BATS_TEST_TMPDIR/enable"
	# A state without annotations says the container has none: config.json is read only
	# under --default on.
	adv_state "$ADV_PID" "$BUNDLE" created '{}' >"$BATS_TEST_TMPDIR/adv-state.json"
	adv_hook <"$BATS_TEST_TMPDIR/adv-state.json"
	adv_noop
	adv_hook --default on <"$BATS_TEST_TMPDIR/adv-state.json"
	adv_refused "$ENABLE" "invalid value"
	adv_assert_ns_unchanged "$ADV_PID" bigenable
}

@test "lxcfsFiles of 1 MB of garbage through runc: refused, the error quotes a short piece" {
	make_bundle bigfiles --enable
	adv_wrap_hook
	{ printf '/proc/meminfo,'; head -c 1048576 /dev/urandom | base64 -w 0; } >"$BATS_TEST_TMPDIR/files"
	adv_set_annotation "$FILES" "$BATS_TEST_TMPDIR/files"
	run container_create runc
	adv_assert_runtime_refused "$status" "$output" "$FILES" "not a file"
}

@test "lxcfsFiles of 1 MB of commas and spaces around two files, through runc: those two mounted" {
	make_bundle bigcommas --enable
	adv_wrap_hook
	pad=$(adv_times 174762 ' , ,	,')
	printf '%s/proc/meminfo%s /proc/uptime ,%s' "$pad" "$pad" "$pad" >"$BATS_TEST_TMPDIR/files"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/files")" -gt 3000000 ]
	adv_set_annotation "$FILES" "$BATS_TEST_TMPDIR/files"
	run_container runc
	[ "$(adv_hook_rc)" = 0 ]
	[ ! -s "$BUNDLE/adv-hook.stderr" ]
	pid=$(container_pid "$CID")
	assert_from_lxcfs "$pid" /proc/meminfo /proc/uptime
	assert_lxcfs_mounts_are "$pid" /proc/meminfo /proc/uptime
	run container_exec "$CID" awk '/^MemTotal:/ { print $2 }' /proc/meminfo
	[ "$output" = "$LXH_MEM_LIMIT_KB" ]
}

@test "annotations with NUL bytes (\\u0000) through runc: refused" {
	for v in 'true\u0000false' '\u0000' 'yes\u0000' 'tr\u0000ue'; do
		make_bundle "nul-enable-$RANDOM" --enable
		adv_wrap_hook
		# runc decodes the escape and encodes the NUL again as \u0000 in the state.
		adv_set_annotation_raw "$ENABLE" "\"$v\""
		grep -qF "$v" "$BUNDLE/config.json"
		run container_create runc
		echo "$ENABLE=$v: $output"
		adv_assert_runtime_refused "$status" "$output" 'NUL'
	done
	make_bundle nul-files --enable
	adv_wrap_hook
	adv_set_annotation_raw "$FILES" '"/proc/meminfo\u0000/etc/shadow"'
	run container_create runc
	echo "$FILES with NUL: $output"
	adv_assert_runtime_refused "$status" "$output" 'NUL'
}

@test "annotations with NUL bytes in the state or config.json (by hand): refused" {
	adv_created_container nulhand
	for ann in "{\"$ENABLE\": \"true\\u0000\"}" "{\"$ENABLE\": \"true\", \"$FILES\": \"/proc/meminfo\\u0000,/etc/shadow\"}" \
		"{\"$ENABLE\\u0000x\": \"true\"}"; do
		state=$(adv_state "$ADV_PID" "$BUNDLE" created '{}' | jq -c 'del(.annotations)')
		adv_hook_str "${state%\}}, \"annotations\": $ann}"
		adv_refused "NUL"
	done
	# In config.json, with the state carrying no annotation: read under --default on only.
	sed -i "s|\"$ENABLE\": *\"true\"|\"$ENABLE\": \"true\\\\u0000\"|" "$BUNDLE/config.json"
	grep -qF 'true\u0000' "$BUNDLE/config.json"
	adv_state "$ADV_PID" "$BUNDLE" created '{}' >"$BATS_TEST_TMPDIR/adv-state.json"
	adv_hook --default on <"$BATS_TEST_TMPDIR/adv-state.json"
	adv_refused "config.json" "NUL"
	adv_assert_ns_unchanged "$ADV_PID" nulhand
}

@test "lxcfsFiles with commas and spaces in odd places, through runc: the named files exactly" {
	local cases=(
		" /proc/meminfo , ,/proc/uptime|/proc/meminfo /proc/uptime"
		",/proc/meminfo,|/proc/meminfo"
		"/proc/meminfo,,/proc/meminfo|/proc/meminfo"
		"	/proc/uptime	,  /proc/meminfo  |/proc/meminfo /proc/uptime"
		",,,/sys/devices/system/cpu/online,,,|/sys/devices/system/cpu/online"
	)
	for c in "${cases[@]}"; do
		value=${c%%|*}
		read -ra want <<<"${c#*|}"
		make_bundle "commas-$RANDOM" --enable --annotation "$FILES=$value"
		adv_wrap_hook
		run_container runc
		echo "$FILES='$value'"
		[ "$(adv_hook_rc)" = 0 ]
		[ ! -s "$BUNDLE/adv-hook.stderr" ]
		pid=$(container_pid "$CID")
		assert_from_lxcfs "$pid" "${want[@]}"
		assert_lxcfs_mounts_are "$pid" "${want[@]}"
	done
}

@test "lxcfsFiles naming nothing or with spaces inside a path, through runc: refused" {
	local cases=(
		",,, , ,|names no file"
		" |names no file"
		"/proc/ meminfo|not a file"
		"/proc/meminfo;/proc/uptime|not a file"
		"/proc/meminfo
/proc/uptime|not a file"
		"/proc//meminfo|not a file"
		"/PROC/MEMINFO|not a file"
	)
	for c in "${cases[@]}"; do
		make_bundle "odd-$RANDOM" --enable --annotation "$FILES=${c%%|*}"
		adv_wrap_hook
		run container_create runc
		echo "$FILES='${c%%|*}': $output"
		adv_assert_runtime_refused "$status" "$output" "$FILES" "${c#*|}"
	done
}

@test "annotation values that are not strings, or keys given twice: refused or the last one wins" {
	adv_created_container nonstring
	base=$(adv_state "$ADV_PID" "$BUNDLE" created '{}' | jq -c 'del(.annotations)')
	for ann in "{\"$ENABLE\": true}" "{\"$ENABLE\": 1}" "{\"$ENABLE\": [\"true\"]}" "{\"$ENABLE\": {}}" \
		"{\"$ENABLE\": \"true\", \"$FILES\": [\"/proc/meminfo\"]}" '[]' '"x"'; do
		adv_hook_str "${base%\}}, \"annotations\": $ann}"
		adv_refused "annotations"
	done
	# Given twice: the last one counts, as for the runtimes' Go decoders.
	adv_hook_str "${base%\}}, \"annotations\": {\"$ENABLE\": \"true\", \"$ENABLE\": \"maybe\"}}"
	adv_refused "maybe"
	adv_hook_str "${base%\}}, \"annotations\": {\"$ENABLE\": \"maybe\", \"$ENABLE\": \"false\"}}"
	adv_noop
	adv_assert_ns_unchanged "$ADV_PID" nonstring
}
