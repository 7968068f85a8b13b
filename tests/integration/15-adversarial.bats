#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
# Issue 4, adversarial integration tests, part 1: hostile images, hostile
# --lxcfs-root trees, and load. Real runc (crun where it differs) and a private
# lxcfs. Each case ends in exactly one clear error line or a clean no-op (or,
# for lxcfs missing under --on-missing ignore, one warning), never a signal, a
# hang or a core; nothing is mounted in the wrong place (the container's own
# mount table is read right after the hook, through a wrapper, even when the
# runtime then destroys it) and the host is unchanged (teardown).
#
# Already covered elsewhere and not repeated here: proc/meminfo as a symlink
# and /proc as an absolute symlink to a host directory (09), a plain
# look-alike --lxcfs-root under --on-missing ignore (07), a spec bind of a host
# file on /proc/meminfo (03), no mount namespace (08), a frozen lxcfs (10).

load adversarial-helpers

setup() {
	adv_setup
	# A host directory of files named like procfs's, holding a marker: where a
	# hook that follows the image's symlinks would mount.
	FAKE_PROC="$BATS_TEST_TMPDIR/fakeproc"
	adv_fake_tree "$FAKE_PROC" proc
	FAKE_SUM=$(adv_tree_sum "$FAKE_PROC")
}

teardown() {
	adv_teardown
}

FILES=io.kubernetes.container.lxcfsFiles

# adv_fake_tree DIR proc|lxcfs: files named like procfs's (proc) or like an
# lxcfs mount's (lxcfs: DIR/proc/..., DIR/sys/devices/system/cpu/online).
adv_fake_tree() {
	local dir=$1 f base
	case $2 in
	proc) base=$dir ;;
	lxcfs) base=$dir/proc; mkdir -p "$dir/sys/devices/system/cpu" && echo 0-63 >"$dir/sys/devices/system/cpu/online" ;;
	esac
	mkdir -p "$base/pressure" || return 1
	for f in cpuinfo diskstats loadavg meminfo slabinfo stat swaps uptime pressure/cpu pressure/io pressure/memory; do
		printf 'MemTotal: 1 kB\nfake %s, not procfs nor lxcfs\n' "$f" >"$base/$f"
	done
}

# adv_tree_sum DIR: a digest of every file's path and content under DIR.
adv_tree_sum() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
}

# adv_assert_fake_intact: the host look-alike tree is unchanged and nothing is
# mounted on or under it.
adv_assert_fake_intact() {
	[ "$(adv_tree_sum "$FAKE_PROC")" = "$FAKE_SUM" ] || { fail "$FAKE_PROC changed"; return 1; }
	if awk -v d="$FAKE_PROC" '$5 == d || index($5, d "/") == 1 { print; found = 1 } END { exit !found }' \
		/proc/self/mountinfo >&2; then
		fail "something is mounted on $FAKE_PROC"
		return 1
	fi
}

# adv_proc_symlink TARGET: the bundle's rootfs/proc becomes a symlink to TARGET.
adv_proc_symlink() {
	rmdir "$BUNDLE/rootfs/proc" && ln -s "$1" "$BUNDLE/rootfs/proc"
}

# ---- the image's /proc ------------------------------------------------------

@test "image /proc is a relative symlink climbing out of the rootfs, no /proc mount: refused" {
	make_bundle proc-rel-out --enable --no-proc
	adv_wrap_hook
	adv_proc_symlink "../../../../../../../../../../../../..$FAKE_PROC"
	[ "$(readlink -f "$BUNDLE/rootfs/proc")" = "$FAKE_PROC" ]
	run container_create runc
	echo "$output"
	adv_assert_runtime_refused "$status" "$output" "/proc"
	adv_assert_fake_intact
}

@test "image /proc is a relative symlink to a look-alike directory in the image, no /proc mount: refused" {
	make_bundle proc-rel-in --enable --no-proc
	adv_wrap_hook
	adv_fake_tree "$BUNDLE/rootfs/fakeproc" proc
	sum=$(adv_tree_sum "$BUNDLE/rootfs/fakeproc")
	adv_proc_symlink fakeproc
	run container_create runc
	echo "$output"
	adv_assert_runtime_refused "$status" "$output" "/proc"
	[ "$(adv_tree_sum "$BUNDLE/rootfs/fakeproc")" = "$sum" ]
	adv_assert_nothing_on "$BUNDLE/rootfs/fakeproc/meminfo"
}

@test "image /proc is an absolute symlink to /proc (the runtime's own procfs), no /proc mount: refused" {
	# Before pivot_root, /proc in the container's namespace is a genuine procfs
	# (the host's, copied): a hook following the link would pass every procfs
	# check and mount over it.
	make_bundle proc-abs-proc --enable --no-proc
	adv_wrap_hook
	adv_proc_symlink /proc
	run container_create runc
	echo "$output"
	adv_assert_runtime_refused "$status" "$output" "/proc"
	# In particular nothing on the namespace's /proc/meminfo.
	[ -z "$(awk '$5 == "/proc/meminfo"' "$BUNDLE/adv-ns-mountinfo")" ]
}

@test "image /proc is a symlink, crun, no /proc mount: refused (or refused by crun), nothing mounted" {
	require_cmd crun
	for target in /proc "../../../../../../../../../../../..$FAKE_PROC"; do
		make_bundle "crun-proc-$RANDOM" --enable --no-proc
		adv_wrap_hook
		adv_proc_symlink "$target"
		run container_create crun
		echo "proc -> $target: $output"
		[ "$status" -ne 0 ]
		if [ -n "$(adv_hook_rc)" ]; then
			adv_assert_runtime_refused "$status" "$output" "/proc"
		else
			# crun stopped before running the hook: nothing could be mounted.
			echo "crun refused before the hook ran"
		fi
		adv_assert_fake_intact
	done
	assert_host_untouched
}

# adv_realproc_bundle NAME TARGET [make_bundle OPTIONS...]: procfs mounted by
# the spec at /realproc instead of /proc, and the image's /proc a symlink to
# TARGET: once followed, the link leads to a genuine procfs root.
adv_realproc_bundle() {
	local name=$1 target=$2
	shift 2
	make_bundle "$name" --enable --no-proc "$@" || return 1
	jq '.mounts = [{destination: "/realproc", type: "proc", source: "proc"}] + .mounts' \
		"$BUNDLE/config.json" >"$BUNDLE/c.new" && mv "$BUNDLE/c.new" "$BUNDLE/config.json" || return 1
	mkdir "$BUNDLE/rootfs/realproc" && adv_proc_symlink "$target"
}

@test "image /proc is a symlink to a genuine procfs the spec mounts at /realproc: refused" {
	for target in realproc /realproc; do
		adv_realproc_bundle "realproc-$RANDOM" "$target"
		adv_wrap_hook
		run container_create runc
		echo "proc -> $target: $output"
		adv_assert_runtime_refused "$status" "$output" "/proc"
	done
}

@test "image /proc is a symlink to a genuine procfs, after pivot_root (hook by hand, created container): refused" {
	for target in realproc /realproc; do
		name="pivoted-$RANDOM"
		adv_realproc_bundle "$name" "$target" --stage none
		container_create runc
		pid=$(container_pid "$CID")
		# The link leads to a genuine procfs root, which runc itself used.
		[ "$(stat -f -c %T "/proc/$pid/root/realproc/")" = proc ]
		[ "$(stat -c %i "/proc/$pid/root/realproc/")" = 1 ]
		adv_ns_snapshot "$pid" "$name"
		echo "proc -> $target"
		adv_hook_on "$pid" "$BUNDLE" created
		adv_refused "/proc"
		adv_assert_ns_unchanged "$pid" "$name"
	done
}

@test "image /proc missing, or a regular file, no /proc mount: refused, nothing mounted" {
	for kind in missing file; do
		make_bundle "proc-$kind" --enable --no-proc
		adv_wrap_hook
		rmdir "$BUNDLE/rootfs/proc"
		[ "$kind" = missing ] || printf 'MemTotal: 1 kB\n' >"$BUNDLE/rootfs/proc"
		run container_create runc
		echo "proc $kind: $output"
		if [ "$(adv_hook_rc)" = "" ]; then
			# runc gave up on its own before the hook: nothing mounted by it.
			[ "$status" -ne 0 ]
			continue
		fi
		adv_assert_runtime_refused "$status" "$output" "/proc"
	done
}

# ---- /proc/meminfo over-mounted with a file from the image ----------------

@test "spec binds an image file on /proc/meminfo: left alone, the other files from lxcfs" {
	for dest in /proc/meminfo //proc/./meminfo; do
		make_bundle "img-meminfo-$RANDOM" --enable
		printf 'MemTotal:        4321 kB\n' >"$BUNDLE/rootfs/etc/meminfo"
		sum=$(sha256sum <"$BUNDLE/rootfs/etc/meminfo")
		jq --arg s "$BUNDLE/rootfs/etc/meminfo" --arg d "$dest" \
			'.mounts += [{destination: $d, type: "bind", source: $s, options: ["bind", "ro"]}]' \
			"$BUNDLE/config.json" >"$BUNDLE/c.new"
		mv "$BUNDLE/c.new" "$BUNDLE/config.json"
		adv_wrap_hook
		run_container runc
		echo "destination $dest"
		[ "$(adv_hook_rc)" = 0 ]
		[ ! -s "$BUNDLE/adv-hook.stderr" ]
		pid=$(container_pid "$CID")
		mapfile -t files < <(expected_default_files | grep -vx /proc/meminfo)
		assert_from_lxcfs "$pid" "${files[@]}"
		assert_lxcfs_mounts_are "$pid" "${files[@]}"
		run container_exec "$CID" cat /proc/meminfo
		[ "$output" = "MemTotal:        4321 kB" ]
		[ "$(sha256sum <"$BUNDLE/rootfs/etc/meminfo")" = "$sum" ]
		adv_assert_nothing_on "$BUNDLE/rootfs/etc/meminfo" "$BUNDLE/rootfs/proc/meminfo"
	done
	assert_host_untouched
}

@test "spec binds an image file on /proc/meminfo and lxcfsFiles names it: nothing mounted over it" {
	make_bundle img-meminfo-named --enable --annotation "$FILES=/proc/meminfo"
	printf 'MemTotal:        4321 kB\n' >"$BUNDLE/rootfs/etc/meminfo"
	jq --arg s "$BUNDLE/rootfs/etc/meminfo" \
		'.mounts += [{destination: "/proc/meminfo", type: "bind", source: $s, options: ["bind", "ro"]}]' \
		"$BUNDLE/config.json" >"$BUNDLE/c.new"
	mv "$BUNDLE/c.new" "$BUNDLE/config.json"
	adv_wrap_hook
	run container_create runc
	echo "$output"
	if [ "$status" -eq 0 ]; then
		# A clean no-op: the spec's own mount wins.
		[ "$(adv_hook_rc)" = 0 ]
		[ ! -s "$BUNDLE/adv-hook.stderr" ]
		container_start "$CID"
		pid=$(container_pid "$CID")
		assert_lxcfs_mounts_are "$pid"
		run container_exec "$CID" cat /proc/meminfo
		[ "$output" = "MemTotal:        4321 kB" ]
	else
		adv_assert_runtime_refused "$status" "$output" "/proc/meminfo"
	fi
	adv_assert_nothing_on "$BUNDLE/rootfs/etc/meminfo"
	assert_host_untouched
}

@test "image file bound on /proc/meminfo through an image symlink (/lnk -> /proc): never covered by lxcfs" {
	# The spec's destination /lnk/meminfo does not name /proc/meminfo, but runc
	# resolves it in the rootfs to the procfs file: the hook then finds a file
	# that is not procfs's on /proc/meminfo and must leave it alone or refuse.
	for files in "" /proc/meminfo; do
		if [ -n "$files" ]; then
			make_bundle "img-link-named" --enable --annotation "$FILES=$files"
		else
			make_bundle "img-link" --enable
		fi
		printf 'MemTotal:        4321 kB\n' >"$BUNDLE/rootfs/etc/meminfo"
		ln -s /proc "$BUNDLE/rootfs/lnk"
		jq --arg s "$BUNDLE/rootfs/etc/meminfo" \
			'.mounts += [{destination: "/lnk/meminfo", type: "bind", source: $s, options: ["bind", "ro"]}]' \
			"$BUNDLE/config.json" >"$BUNDLE/c.new"
		mv "$BUNDLE/c.new" "$BUNDLE/config.json"
		adv_wrap_hook
		run container_create runc
		echo "lxcfsFiles '$files': $output"
		[ -n "$(adv_hook_rc)" ] || fail "the hook did not run: runc refused the bind itself"
		# Right after the hook: /proc/meminfo carries the image's file on top, no lxcfs.
		awk '$5 == "/proc/meminfo"' "$BUNDLE/adv-ns-mountinfo"
		lxcfs_entries "$BUNDLE/adv-ns-mountinfo" | awk '$3 == "/proc/meminfo" { exit 1 }'
		[ "$(awk '$5 == "/proc/meminfo"' "$BUNDLE/adv-ns-mountinfo" | tail -n 1 | awk '{ for (i = 7; $i != "-"; i++) ; print $(i + 1) }')" != proc ]
		if [ "$status" -eq 0 ]; then
			[ "$(adv_hook_rc)" = 0 ]
			container_start "$CID"
			pid=$(container_pid "$CID")
			run container_exec "$CID" cat /proc/meminfo
			[ "$output" = "MemTotal:        4321 kB" ]
			if container_lxcfs_mounts "$pid" | grep -qx /proc/meminfo; then
				fail "lxcfs is mounted over the image's file on /proc/meminfo"
			fi
			if [ -z "$files" ]; then
				mapfile -t rest < <(expected_default_files | grep -vx /proc/meminfo)
				assert_from_lxcfs "$pid" "${rest[@]}"
				assert_lxcfs_mounts_are "$pid" "${rest[@]}"
			fi
		else
			adv_assert_runtime_refused "$status" "$output" "/proc/meminfo"
		fi
		adv_assert_nothing_on "$BUNDLE/rootfs/etc/meminfo"
	done
	assert_host_untouched
}

# ---- --lxcfs-root -----------------------------------------------------------

# adv_lxcfs_root_case ROOT MODE NEEDLE: a container whose hook gets
# --lxcfs-root ROOT --on-missing MODE. ignore: it starts, one warning naming
# NEEDLE, no lxcfs mount, the host's values; fail: refused naming NEEDLE.
adv_lxcfs_root_case() {
	local root=$1 mode=$2 needle=$3 pid
	make_bundle "root-$mode-$RANDOM" --enable --lxcfs-root "$root" --hook-arg --on-missing --hook-arg "$mode"
	adv_wrap_hook
	run container_create runc
	echo "--lxcfs-root $root --on-missing $mode: $output"
	if [ "$mode" = fail ]; then
		adv_assert_runtime_refused "$status" "$output" "$needle" || return 1
		return 0
	fi
	[ "$status" -eq 0 ] || { fail "runc create failed"; return 1; }
	[ "$(adv_hook_rc)" = 0 ] || { fail "the hook exited $(adv_hook_rc)"; return 1; }
	cat "$BUNDLE/adv-hook.stderr"
	[ "$(wc -l <"$BUNDLE/adv-hook.stderr")" -eq 1 ] || { fail "expected one warning line"; return 1; }
	hook_lines warn "$BUNDLE/adv-hook.stderr" | grep -qF -e "$needle" ||
		{ fail "the warning does not name $needle"; return 1; }
	adv_assert_no_lxcfs_binds "$BUNDLE/adv-ns-mountinfo" || return 1
	container_start "$CID" || return 1
	pid=$(container_pid "$CID") || return 1
	# Nothing at all over the container's files, whatever its type.
	if awk '$5 ~ "^/proc/(cpuinfo|diskstats|loadavg|meminfo|slabinfo|stat|swaps|uptime|pressure/.*)$" ||
		$5 ~ "^/sys/devices/system/cpu(/online)?$" { print; found = 1 } END { exit !found }' \
		"/proc/$pid/mountinfo" >&2; then
		fail "something is mounted over the container's files"
		return 1
	fi
	assert_host_view "$CID" || return 1
	assert_host_untouched
}

@test "--lxcfs-root a plain look-alike directory, --on-missing fail: refused" {
	adv_fake_tree "$BATS_TEST_TMPDIR/lookalike" lxcfs
	adv_lxcfs_root_case "$BATS_TEST_TMPDIR/lookalike" fail "$BATS_TEST_TMPDIR/lookalike"
}

@test "--lxcfs-root a symlink to the real lxcfs mount: lxcfs missing (ignore: warning; fail: refused)" {
	ln -s "$LXCFS_DIR" "$BATS_TEST_TMPDIR/lxcfs-link"
	adv_lxcfs_root_case "$BATS_TEST_TMPDIR/lxcfs-link" ignore "$BATS_TEST_TMPDIR/lxcfs-link"
	adv_lxcfs_root_case "$BATS_TEST_TMPDIR/lxcfs-link" fail "$BATS_TEST_TMPDIR/lxcfs-link"
}

@test "--lxcfs-root a symlink to a look-alike directory: lxcfs missing (ignore: warning; fail: refused)" {
	adv_fake_tree "$BATS_TEST_TMPDIR/lookalike" lxcfs
	ln -s "$BATS_TEST_TMPDIR/lookalike" "$BATS_TEST_TMPDIR/fake-link"
	adv_lxcfs_root_case "$BATS_TEST_TMPDIR/fake-link" ignore "$BATS_TEST_TMPDIR/fake-link"
	adv_lxcfs_root_case "$BATS_TEST_TMPDIR/fake-link" fail "$BATS_TEST_TMPDIR/fake-link"
}

@test "--lxcfs-root a directory inside the lxcfs mount: lxcfs missing (ignore: warning; fail: refused)" {
	adv_lxcfs_root_case "$LXCFS_DIR/proc" ignore "$LXCFS_DIR/proc"
	adv_lxcfs_root_case "$LXCFS_DIR/proc" fail "$LXCFS_DIR/proc"
}

@test "the lxcfs mount shadowed by a tmpfs of look-alike files: never mounted from (ignore: warning; fail: refused)" {
	# mountinfo still lists the fuse.lxcfs mount at the path; what opens there is the tmpfs.
	mount -t tmpfs -o size=1m adv-shadow "$LXCFS_DIR"
	echo "$LXCFS_DIR" >>"$BATS_TEST_TMPDIR/adv-mounts"
	adv_fake_tree "$LXCFS_DIR" lxcfs
	adv_lxcfs_root_case "$LXCFS_DIR" ignore "$LXCFS_DIR"
	adv_lxcfs_root_case "$LXCFS_DIR" fail "$LXCFS_DIR"
	# Not even through lxcfs's own default search.
	umount "$LXCFS_DIR"
}

@test "--lxcfs-root relative or empty: one clear error, nothing mounted" {
	adv_created_container relroot
	for root in "${LXCFS_DIR#/}" "."; do
		mapfile -t args < <(LXH_HOOK_LXCFS_ROOT=$root hook_args)
		adv_state "$ADV_PID" "$BUNDLE" >"$BATS_TEST_TMPDIR/state.json"
		t0=$(date +%s%N)
		run --separate-stderr timeout -k 5 "$ADV_BOUND" "$HOOK_BIN" "${args[@]}" <"$BATS_TEST_TMPDIR/state.json"
		echo "--lxcfs-root '$root': exit $status, stderr: $stderr"
		case $status in
		1 | 2) ;;
		*) fail "exit $status, expected 1 (refused) or 2 (usage error)" ;;
		esac
		# A usage error adds the customary "Try '... --help'." line.
		[ "$(printf '%s\n' "$stderr" | grep -vc "^Try 'lxcfs-oci-hook --help'\.$")" -eq 1 ]
		grep -qF -- "$root" <<<"$stderr"
	done
	adv_assert_ns_unchanged "$ADV_PID" relroot
}

# ---- load -------------------------------------------------------------------

@test "50 annotated containers started in parallel (runc, 10 at a time): all get their files" {
	local n=50 i ids=() bundles=() bad=0
	for ((i = 0; i < n; i++)); do
		# A deadline that a busy machine (ASan build, 2 cores, 10 runc at once) cannot
		# miss: this test is about parallel starts; 10-frozen and 18-stuck test the
		# deadline itself.
		make_bundle "par$i" --enable --hook-arg --timeout --hook-arg 120
		ids+=("$CID")
		bundles+=("$BUNDLE")
		lxh_register_container runc "$CID" "$BUNDLE"
	done
	# One line per container: "ID BUNDLE"; each worker creates and starts one.
	for ((i = 0; i < n; i++)); do
		echo "${ids[i]} ${bundles[i]}"
	done >"$BATS_TEST_TMPDIR/par.list"
	t0=$(date +%s%N)
	# shellcheck disable=SC2016 # expanded by the workers
	run xargs -P 10 -L 1 timeout -k 5 180 sh -c '
		id=$1 b=$2
		cd "$b" || exit 1
		runc create --bundle "$b" "$id" </dev/null >"$b/runtime.out" 2>"$b/runtime.err" &&
			runc start "$id" </dev/null >>"$b/runtime.out" 2>>"$b/runtime.err" ||
			{ echo "$id failed: $(cat "$b/runtime.err")"; grep -E ": (warn|error): " "$b/hook.log"; exit 1; }
	' sh <"$BATS_TEST_TMPDIR/par.list" 3>&-
	echo "$n containers created and started in $((($(date +%s%N) - t0) / 1000000)) ms; xargs exit $status"
	echo "$output"
	[ "$status" -eq 0 ]
	mapfile -t files < <(expected_default_files)
	# Every container checked; each that missed its files is named with what the hook
	# said about it (a warning or an error line: why it started without them).
	for ((i = 0; i < n; i++)); do
		mem=''
		if ! {
			pid=$(container_pid "${ids[i]}") &&
				assert_from_lxcfs "$pid" "${files[@]}" &&
				assert_lxcfs_mounts_are "$pid" "${files[@]}" &&
				mem=$(container_exec "${ids[i]}" awk '/^MemTotal:/ { print $2 }' /proc/meminfo) &&
				[ "$mem" = "$LXH_MEM_LIMIT_KB" ]
		}; then
			bad=$((bad + 1))
			echo "container ${ids[i]} (#$i) missed its files (MemTotal ${mem:-?} kB); the hook said:"
			hook_lines '(warn|error)' "${bundles[i]}/hook.log" || echo "  (no warning or error in ${bundles[i]}/hook.log)"
		fi
	done
	[ "$bad" -eq 0 ] || fail "$bad of $n containers missed their files: the hook's messages are above"
	assert_host_untouched
}
