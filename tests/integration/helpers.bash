# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # output, status: set by bats' run
# shellcheck disable=SC2015 # A && B || C: C is meant when A or B fails
#
# helpers.bash - shared by tests/integration/*.bats: a private lxcfs, a busybox
# rootfs, OCI bundles whose config.json registers the hook, containers under
# runc, crun and podman, and assertions on mount tables.
#
# Every test gets its own lxcfs (setup) and loses it, its containers and its
# temporary files in teardown, which runs even when the test fails.
#
# Environment (set by `make check`; defaults fit a run from the source tree):
#   HOOK_BIN      the hook binary            ($top/src/lxcfs-oci-hook)
#   HOOKS_JSON    the generated hooks.d file ($top/hooks.d/lxcfs-oci-hook.json)
#   TESTS_SRCDIR  absolute path of tests/
#   LXCFS_OCI_HOOK_MOUNT_API=legacy   add --mount-api legacy to every hook run
#   CI=true or LXCFS_OCI_HOOK_TEST_STRICT=1   a missing prerequisite fails
#                                     the test instead of skipping it
#   LXH_HOOK_LOG_LEVEL   --log-level given to the hook (default debug)

# Debian puts runc and chroot in /usr/sbin, which a non-login root shell (sudo,
# CI runners) may not have in PATH.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac

# podman 5 (Debian 13, sid) warns on stderr at every command that cgroups v1 is
# deprecated, which this machine's hybrid layout counts as; tests read commands'
# output, stderr included.
export PODMAN_IGNORE_CGROUPSV1_WARNING=1

LXH_TOP_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
: "${TESTS_SRCDIR:=$LXH_TOP_DIR/tests}"
: "${HOOK_BIN:=$LXH_TOP_DIR/src/lxcfs-oci-hook}"
: "${HOOKS_JSON:=$LXH_TOP_DIR/hooks.d/lxcfs-oci-hook.json}"
: "${LXH_HOOK_LOG_LEVEL:=debug}"
export TESTS_SRCDIR HOOK_BIN HOOKS_JSON

# Shared between runs: only the busybox rootfs, rebuilt when busybox changes.
LXH_CACHE_DIR="${TMPDIR:-/tmp}/lxcfs-oci-hook-tests"
# Every container this suite creates has an id starting with this.
LXH_ID_PREFIX=lxh-test-
# Bound for any runtime command, so a hang fails the test instead of the run.
: "${LXH_RUNTIME_TIMEOUT:=60}"

LXH_MEM_LIMIT=268435456
# User-namespaced containers (--userns): their root is this host uid and gid, the
# next 65535 ids follow (as podman --uidmap 0:100000:65536, Kubernetes hostUsers: false).
LXH_USERNS_BASE=100000
LXH_MEM_LIMIT_KB=262144

# The files the hook mounts by default, where lxcfs serves them.
LXH_DEFAULT_PROC_FILES="cpuinfo diskstats loadavg meminfo slabinfo stat swaps uptime
	pressure/cpu pressure/io pressure/memory"

# A hook log line of LEVEL starts with this extended regex followed by
# "LEVEL: container ID: ". The log file also names the process:
# "lxcfs-oci-hook[PID]: ".
# stderr: 'lxcfs-oci-hook: '; --log-file: 'TIMESTAMP lxcfs-oci-hook[PID]: '
LXH_LOG_PREFIX='([0-9T:-]+Z )?lxcfs-oci-hook(\[[0-9]+\])?: '

# ---- failing and skipping -------------------------------------------------

fail() {
	printf '%s\n' "$*" >&2
	return 1
}

lxh_strict() {
	[ "${CI:-}" = true ] || [ "${LXCFS_OCI_HOOK_TEST_STRICT:-0}" = 1 ]
}

# A prerequisite of the machine is missing: skip, or fail in strict mode (CI
# must not pass by skipping everything).
skip_or_fail() {
	if lxh_strict; then
		fail "strict mode (CI=true or LXCFS_OCI_HOOK_TEST_STRICT=1): $*"
		return 1
	fi
	skip "$*"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			{ skip_or_fail "$c is not installed (scripts/install-deps.sh)"; return 1; }
	done
}

require_root() {
	[ "$(id -u)" -eq 0 ] || { skip_or_fail "needs root"; return 1; }
}

# The hook is what is under test: its absence is a build failure, never a skip.
require_hook() {
	[ -x "$HOOK_BIN" ] || fail "HOOK_BIN=$HOOK_BIN is not an executable: build it first (make)"
}

require_hooks_json() {
	[ -r "$HOOKS_JSON" ] || fail "HOOKS_JSON=$HOOKS_JSON is missing: build it first (make)"
}

# ---- busybox rootfs -------------------------------------------------------

lxh_busybox_path() {
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		[ -x "$b" ] && { echo "$b"; return 0; }
	done
	return 1
}

# Build the rootfs once per busybox binary, under a name carrying its hash, and
# publish it with a rename so parallel test files never see half a tree.
# Sets LXH_ROOTFS.
lxh_prepare_rootfs() {
	local bb sum final tmp a
	bb=$(lxh_busybox_path) || { skip_or_fail "busybox-static is not installed"; return 1; }
	sum=$(sha256sum "$bb" | cut -c1-16) || return 1
	final="$LXH_CACHE_DIR/rootfs-$sum"
	if [ ! -x "$final/bin/busybox" ]; then
		mkdir -p "$LXH_CACHE_DIR" || return 1
		tmp=$(mktemp -d "$LXH_CACHE_DIR/build.XXXXXX") || return 1
		mkdir -p "$tmp"/{bin,dev,etc,proc,run,sys,tmp} || return 1
		chmod 1777 "$tmp/tmp"
		cp "$bb" "$tmp/bin/busybox" || return 1
		for a in $("$tmp/bin/busybox" --list); do
			[ -e "$tmp/bin/$a" ] || ln -s busybox "$tmp/bin/$a" || return 1
		done
		echo "root:x:0:0:root:/:/bin/sh" >"$tmp/etc/passwd"
		echo "root:x:0:" >"$tmp/etc/group"
		# A dynamically linked busybox would fail in every container: say so here.
		chroot "$tmp" /bin/busybox true ||
			{ rm -rf "$tmp"; fail "$bb does not run in an empty rootfs: install busybox-static"; return 1; }
		if ! mv -T "$tmp" "$final" 2>/dev/null; then
			rm -rf "$tmp" # another test file won the race
		fi
		# Rootfs trees of an older busybox are of no further use.
		for a in "$LXH_CACHE_DIR"/rootfs-*; do
			[ "$a" = "$final" ] || rm -rf "$a"
		done
	fi
	[ -x "$final/bin/busybox" ] || fail "no rootfs in $final"
	LXH_ROOTFS=$final
}

# lxh_userns_path DIR: let a user-namespaced container's root (an unprivileged host
# uid) reach DIR: every directory from / down to it gets o+x, and DIR itself 0755.
# Quirk: mktemp -d (bats' temporary tree) and tar make 0700 directories, which only
# host root traverses; the runtime sets the container's rootfs up as its root.
lxh_userns_path() {
	local d
	d=$(cd "$1" && pwd) || return 1
	chmod 755 "$d" || return 1
	while [ "$d" != / ]; do
		d=$(dirname "$d")
		[ $((0$(stat -c %a "$d") & 1)) = 1 ] || chmod o+x "$d" || return 1
	done
}

# ---- private lxcfs --------------------------------------------------------

# start_lxcfs [DIR]: start lxcfs on DIR (default: a new mktemp -d mount point,
# outside the bats temporary tree so that nothing ever rm -rf's into a FUSE
# mount). Exports LXCFS_DIR and LXCFS_PID. Restarting on the same mount point:
# stop_lxcfs --keep-dir, then start_lxcfs "$LXCFS_DIR".
# shellcheck disable=SC2120 # the argument is for restarts
start_lxcfs() {
	local dir=${1:-} pid i log
	if [ -z "$dir" ]; then
		dir=$(mktemp -d "${TMPDIR:-/tmp}/lxh-lxcfs.XXXXXX") || return 1
	fi
	mountpoint -q "$dir" && { fail "start_lxcfs: $dir is already a mount point"; return 1; }
	log="$BATS_TEST_TMPDIR/lxcfs.$(basename "$dir").log"
	# Own pid file: the default /run/lxcfs.pid belongs to the system's lxcfs.
	# fd 3 closed: bats waits for every holder of it.
	lxcfs -f -p "$BATS_TEST_TMPDIR/lxcfs.$(basename "$dir").pid" "$dir" >>"$log" 2>&1 3>&- &
	pid=$!
	echo "$pid $dir" >>"$BATS_TEST_TMPDIR/lxcfs-instances"
	for ((i = 0; i < 100; i++)); do
		mountpoint -q "$dir" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! mountpoint -q "$dir"; then
		cat "$log" >&2
		fail "lxcfs did not mount $dir within 10 s"
		return 1
	fi
	export LXCFS_DIR=$dir LXCFS_PID=$pid
}

# restart_lxcfs: a real restart (not SIGUSR1): the old FUSE connection dies,
# binds of it in running containers go stale (ENOTCONN), and a new lxcfs with
# a new device number mounts on the same directory.
restart_lxcfs() {
	local dir=$LXCFS_DIR
	stop_lxcfs --keep-dir || return 1
	start_lxcfs "$dir"
}

# lxcfs_signal SIG: send a signal to the current lxcfs (STOP/CONT for test 10).
lxcfs_signal() {
	kill -s "$1" "$LXCFS_PID"
}

lxh_pid_gone() {
	local state
	kill -0 "$1" 2>/dev/null || return 0
	# A zombie is gone for our purposes; its parent reaps it.
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$state" = Z ]
}

# stop_lxcfs [--keep-dir] [PID DIR]: stop one lxcfs (default: the current one),
# unmount its directory whatever state it is in, and remove the directory
# unless --keep-dir.
stop_lxcfs() {
	local keep=0 pid dir i rc=0
	if [ "${1:-}" = --keep-dir ]; then
		keep=1
		shift
	fi
	pid=${1:-${LXCFS_PID:-}} dir=${2:-${LXCFS_DIR:-}}
	if [ -n "$pid" ] && ! lxh_pid_gone "$pid"; then
		# A stopped lxcfs neither exits nor answers: resume it first.
		kill -CONT "$pid" 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			lxh_pid_gone "$pid" && break
			sleep 0.1
		done
		if ! lxh_pid_gone "$pid"; then
			echo "lxcfs $pid ignored SIGTERM: killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				lxh_pid_gone "$pid" && break
				sleep 0.1
			done
		fi
		# Reap it when it is our child (started in this test); lxcfs exits 1
		# on SIGTERM, which says nothing.
		wait "$pid" 2>/dev/null || true
		lxh_pid_gone "$pid" || { echo "lxcfs $pid is still running" >&2; rc=1; }
	fi
	if [ -n "$dir" ]; then
		# lxcfs unmounts on SIGTERM; after SIGKILL the mount stays behind.
		if mountpoint -q "$dir" 2>/dev/null || lxh_mounted_at "$dir"; then
			fusermount3 -u -z "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null ||
				{ echo "cannot unmount $dir" >&2; rc=1; }
		fi
		if [ "$keep" = 0 ] && [ -d "$dir" ]; then
			rmdir "$dir" || rc=1
		fi
	fi
	return $rc
}

# Is anything mounted at DIR in our mount namespace (without touching DIR, which
# may be a dead or frozen FUSE mount)?
lxh_mounted_at() {
	awk -v d="$1" '$5 == d { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# ---- mount tables ---------------------------------------------------------

# lxcfs_entries MOUNTINFO_FILE: "dev root mountpoint options" of every
# fuse.lxcfs entry (options are the per-mount ones, e.g. ro,nosuid,...).
lxcfs_entries() {
	awk '{
		for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == "fuse.lxcfs") print $3, $4, $5, $6
	}' "$1"
}

# What a test must never change on the host: the binds of anything beneath an
# lxcfs mount (root other than "/") in our mount namespace and in PID 1's.
# Whole lxcfs mounts (root "/") come and go with this suite's private
# instances and with whatever else runs on the machine: not the hook's doing.
host_lxcfs_state() {
	local f
	for f in /proc/self/mountinfo /proc/1/mountinfo; do
		[ -r "$f" ] || continue
		lxcfs_entries "$f" | awk -v f="$f" '$2 != "/" { print f, $0 }'
	done | sort
}

host_snapshot() {
	host_lxcfs_state >"$BATS_TEST_TMPDIR/host-lxcfs.before"
}

# assert_host_untouched: no lxcfs mount appeared or disappeared on the host
# since setup.
assert_host_untouched() {
	local now
	now=$(host_lxcfs_state)
	if [ "$now" != "$(cat "$BATS_TEST_TMPDIR/host-lxcfs.before")" ]; then
		echo "host lxcfs mounts changed:" >&2
		diff <(cat "$BATS_TEST_TMPDIR/host-lxcfs.before") <(echo "$now") >&2
		return 1
	fi
}

# Undo what a faulty hook may have mounted on the host, so one failed test
# leaves the machine as it found it.
lxh_undo_host_mounts() {
	local f dev root mp opts
	host_lxcfs_state | grep -vxF -f "$BATS_TEST_TMPDIR/host-lxcfs.before" |
		while read -r f dev root mp opts; do
			[ "$f" = /proc/self/mountinfo ] || continue
			echo "undoing host mount: $mp ($root)" >&2
			umount -l "$(printf '%b' "$mp")" || true
		done
}

# The device (major:minor) of the current private lxcfs, as mountinfo says.
lxcfs_dev() {
	awk -v d="$LXCFS_DIR" '$5 == d { for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == "fuse.lxcfs") print $3 }' /proc/self/mountinfo | tail -n 1
}

# container_lxcfs_mounts PID: the mount points of fuse.lxcfs entries in the
# mount namespace of PID (as the host sees it), sorted, one per line.
container_lxcfs_mounts() {
	lxcfs_entries "/proc/$1/mountinfo" | awk '{ print $3 }' | sort
}

# assert_from_lxcfs PID PATH...: each PATH is exactly one bind of the same path
# of the current private lxcfs (same device, same root) in PID's namespace.
assert_from_lxcfs() {
	local pid=$1 dev p n rc=0
	shift
	dev=$(lxcfs_dev)
	[ -n "$dev" ] || { fail "no lxcfs mounted at $LXCFS_DIR"; return 1; }
	for p in "$@"; do
		n=$(lxcfs_entries "/proc/$pid/mountinfo" |
			awk -v p="$p" -v d="$dev" '$3 == p && $1 == d && $2 == p' | wc -l)
		if [ "$n" -ne 1 ]; then
			echo "expected one bind of $LXCFS_DIR$p on $p in pid $pid, found $n" >&2
			rc=1
		fi
	done
	if [ "$rc" -ne 0 ]; then
		echo "fuse.lxcfs entries of pid $pid (dev root mountpoint options):" >&2
		lxcfs_entries "/proc/$pid/mountinfo" >&2
	fi
	return $rc
}

# assert_lxcfs_mounts_are PID [PATH...]: the lxcfs mounts in PID's namespace
# are exactly PATH... (none when no PATH is given).
assert_lxcfs_mounts_are() {
	local pid=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(container_lxcfs_mounts "$pid")
	if [ "$want" != "$got" ]; then
		echo "lxcfs mounts in pid $pid differ from the expected set:" >&2
		diff <(echo "$want") <(echo "$got") >&2
		return 1
	fi
}

# assert_lxcfs_mounts_readonly PID: every lxcfs mount in PID's namespace is
# ro,nosuid,nodev,noexec.
assert_lxcfs_mounts_readonly() {
	local pid=$1 dev root mp opts o rc=0 n=0
	while read -r dev root mp opts; do
		n=$((n + 1))
		for o in ro nosuid nodev noexec; do
			case ",$opts," in
			*",$o,"*) ;;
			*) echo "$mp is mounted $opts: $o missing" >&2; rc=1 ;;
			esac
		done
	done < <(lxcfs_entries "/proc/$pid/mountinfo")
	[ "$n" -gt 0 ] || { fail "no lxcfs mount in pid $pid"; return 1; }
	return $rc
}

# The default set this lxcfs and this kernel allow: what test 1 expects mounted.
expected_default_files() {
	local f
	for f in $LXH_DEFAULT_PROC_FILES; do
		[ -f "$LXCFS_DIR/proc/$f" ] && [ -e "/proc/$f" ] && echo "/proc/$f"
	done
	[ -f "$LXCFS_DIR/sys/devices/system/cpu/online" ] && [ -e /sys/devices/system/cpu/online ] &&
		echo /sys/devices/system/cpu/online
	return 0
}

# ---- the hook's command line ----------------------------------------------

# hook_args [EXTRA...]: the arguments (after argv[0]) every hook run gets.
hook_args() {
	local a legacy=1
	echo --lxcfs-root
	echo "${LXH_HOOK_LXCFS_ROOT:-$LXCFS_DIR}"
	echo --log-level
	echo "$LXH_HOOK_LOG_LEVEL"
	for a in "$@"; do
		[ "$a" = --mount-api ] && legacy=0
		echo "$a"
	done
	if [ "${LXCFS_OCI_HOOK_MOUNT_API:-}" = legacy ] && [ "$legacy" = 1 ]; then
		echo --mount-api
		echo legacy
	fi
}

# ---- bundles --------------------------------------------------------------

# make_bundle NAME [options] [-- PROCESS ARGS...]
#   --enable               annotation io.kubernetes.container.lxcfsEnable=true
#   --annotation K=V       any annotation (repeatable)
#   --stage STAGE          register the hook at STAGE (default createRuntime;
#                          repeatable; "none" registers nothing)
#   --hook-arg ARG         extra hook argument (repeatable)
#   --lxcfs-root DIR       --lxcfs-root given to the hook (default $LXCFS_DIR)
#   --no-mntns             no mount namespace of its own (runtime runs in a
#                          private namespace of its own, see container_create)
#   --no-proc              no /proc mount in the spec
#   --no-mem-limit         no memory limit / cpuset
#   --bind SRC:DEST        a read-only bind mount in the spec (repeatable)
#   --userns               a user namespace of its own: container root is host uid
#                          LXH_USERNS_BASE (uidMappings/gidMappings of 65536 ids),
#                          as Kubernetes hostUsers: false gives (see lxh_userns_path)
# Process defaults to `sleep 1000`. Sets BUNDLE (the directory) and CID (a
# unique container id, also in $BUNDLE/id); the hook logs to $BUNDLE/hook.log.
make_bundle() {
	local name=$1 stages=() annotations=() hook_extra=() args=() no_mntns=0 no_proc=0 limits=1 userns=0
	local binds='[]'
	local lxcfs_root=${LXCFS_DIR:-} a ann_json hooks_json hook_json s
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--enable) annotations+=("io.kubernetes.container.lxcfsEnable=true") ;;
		--annotation) annotations+=("$2"); shift ;;
		--stage) stages+=("$2"); shift ;;
		--hook-arg) hook_extra+=("$2"); shift ;;
		--lxcfs-root) lxcfs_root=$2; shift ;;
		--no-mntns) no_mntns=1 ;;
		--no-proc) no_proc=1 ;;
		--no-mem-limit) limits=0 ;;
		--userns) userns=1 ;;
		--bind)
			binds=$(jq -c --arg s "${2%%:*}" --arg d "${2#*:}" \
				'. + [{destination: $d, type: "bind", source: $s, options: ["bind", "ro"]}]' <<<"$binds") ||
				return 1
			shift
			;;
		--) shift; args=("$@"); break ;;
		*) fail "make_bundle: unknown option $1"; return 1 ;;
		esac
		shift
	done
	[ ${#stages[@]} -gt 0 ] || stages=(createRuntime)
	[ ${#args[@]} -gt 0 ] || args=(sleep 1000)

	BUNDLE="$BATS_TEST_TMPDIR/bundle-$name"
	CID="${LXH_ID_PREFIX}${name}-$$-$RANDOM"
	mkdir "$BUNDLE" || return 1
	echo "$CID" >"$BUNDLE/id"
	cp -a "$LXH_ROOTFS" "$BUNDLE/rootfs" || return 1
	[ "$userns" = 0 ] || lxh_userns_path "$BUNDLE/rootfs" || return 1
	(cd "$BUNDLE" && runc spec) || { fail "runc spec failed"; return 1; }

	ann_json='{}'
	for a in "${annotations[@]}"; do
		ann_json=$(jq -c --arg k "${a%%=*}" --arg v "${a#*=}" '. + {($k): $v}' <<<"$ann_json") || return 1
	done
	# crun drops a hook's stderr; this crun annotation keeps it for diagnosis.
	ann_json=$(jq -c --arg e "$BUNDLE/hook.stderr" '. + {"run.oci.hooks.stderr": $e}' <<<"$ann_json")

	hook_json=$(LXH_HOOK_LXCFS_ROOT=$lxcfs_root hook_args --log-file "$BUNDLE/hook.log" "${hook_extra[@]}" |
		jq -R . | jq -cs --arg p "$HOOK_BIN" '{path: $p, args: (["lxcfs-oci-hook"] + .)}') || return 1
	hooks_json='{}'
	for s in "${stages[@]}"; do
		[ "$s" = none ] && continue
		hooks_json=$(jq -c --arg s "$s" --argjson h "$hook_json" '.[$s] += [$h]' <<<"$hooks_json") || return 1
	done

	jq --argjson args "$(printf '%s\n' "${args[@]}" | jq -R . | jq -cs .)" \
		--argjson ann "$ann_json" --argjson hooks "$hooks_json" \
		--argjson limits "$limits" --argjson nomnt "$no_mntns" --argjson noproc "$no_proc" \
		--argjson binds "$binds" --argjson userns "$userns" --argjson base "$LXH_USERNS_BASE" \
		--arg mem "$LXH_MEM_LIMIT" '
		.process.args = $args
		| .process.terminal = false
		| .mounts += $binds
		| .hostname = "lxh-test"
		| .annotations = $ann
		| (if ($hooks | length) > 0 then .hooks = $hooks else del(.hooks) end)
		| (if $limits == 1 then
			.linux.resources.memory.limit = ($mem | tonumber)
			| .linux.resources.cpu.cpus = "0"
		   else . end)
		| (if $noproc == 1 then .mounts |= map(select(.destination != "/proc")) else . end)
		| (if $userns == 1 then
			.linux.namespaces += [{type: "user"}]
			| .linux.uidMappings = [{containerID: 0, hostID: $base, size: 65536}]
			| .linux.gidMappings = [{containerID: 0, hostID: $base, size: 65536}]
		   else . end)
		| (if $nomnt == 1 then
			.linux.namespaces |= map(select(.type != "mount"))
			# runc refuses masked and read-only paths without a mount namespace
			| del(.linux.maskedPaths, .linux.readonlyPaths)
		   else . end)
		' "$BUNDLE/config.json" >"$BUNDLE/config.json.new" || return 1
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
	[ "$no_mntns" = 0 ] || touch "$BUNDLE/.no-mntns"
}

# ---- runtimes -------------------------------------------------------------

# crun 1.8 (Debian 12) refuses hybrid cgroups (v1 controllers plus
# /sys/fs/cgroup/unified): hide the v2 mount from it in a private mount namespace.
# crun 1.21 (Debian 13) and 1.28 (sid) run on this layout as they are, and so does
# podman with crun as its default runtime: newer crun gets no workaround, so the
# stacks test it as users run it.
lxh_crun_needs_unshare() {
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] &&
		[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
		lxh_crun_older_than 1.21
}

# lxh_crun_older_than VERSION: the installed crun's version sorts before VERSION.
lxh_crun_older_than() {
	local v
	: "${LXH_CRUN_VERSION:=$(crun --version 2>/dev/null | sed -n 's/^crun version //p' | head -n 1)}"
	v=$LXH_CRUN_VERSION
	[ -n "$v" ] && [ "$v" != "$1" ] &&
		[ "$(printf '%s\n%s\n' "$v" "$1" | sort -V | head -n 1)" = "$v" ]
}

# lxh_runtime_cmd RUNTIME: set LXH_CMD to the command line that runs RUNTIME
# on this machine.
lxh_runtime_cmd() {
	case $1 in
	runc) LXH_CMD=(runc) ;;
	crun)
		if lxh_crun_needs_unshare; then
			# shellcheck disable=SC2016 # expanded by the inner sh
			LXH_CMD=(unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec crun "$@"' crun)
		else
			LXH_CMD=(crun)
		fi
		;;
	*) fail "unknown runtime $1"; return 1 ;;
	esac
}

lxh_register_container() {
	echo "$1 $2 $3" >>"$BATS_TEST_TMPDIR/containers"
}

lxh_container_runtime() {
	awk -v id="$1" '$2 == id { rt = $1 } END { if (rt == "") exit 1; print rt }' \
		"$BATS_TEST_TMPDIR/containers" 2>/dev/null
}

# container_create RUNTIME [BUNDLE]: `RUNTIME create` the bundle's container,
# detached, its stdio and the runtime's messages in $BUNDLE/runtime.{out,err}.
# On failure prints the runtime's messages and returns its status (124 when it
# did not return within LXH_RUNTIME_TIMEOUT seconds).
container_create() {
	local rt=$1 b=${2:-$BUNDLE} id rc=0
	id=$(cat "$b/id") || return 1
	lxh_runtime_cmd "$rt" || return 1
	lxh_register_container "$rt" "$id" "$b"
	if [ -e "$b/.no-mntns" ]; then
		# A container sharing its runtime's mount namespace: give both a
		# private one, so the runtime's own mounts never reach the host, and
		# record what that namespace holds after the hook ran.
		# shellcheck disable=SC2016 # expanded by the inner sh
		(cd "$b" && timeout -k 5 "$LXH_RUNTIME_TIMEOUT" unshare -m --propagation private \
			sh -c '"$@"; rc=$?; cat /proc/self/mountinfo >"$0/ns-mountinfo"; exit $rc' "$b" \
			"${LXH_CMD[@]}" create --bundle "$b" "$id" \
			</dev/null >"$b/runtime.out" 2>"$b/runtime.err" 3>&-) || rc=$?
	else
		(cd "$b" && timeout -k 5 "$LXH_RUNTIME_TIMEOUT" "${LXH_CMD[@]}" create --bundle "$b" "$id" \
			</dev/null >"$b/runtime.out" 2>"$b/runtime.err" 3>&-) || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		echo "$rt create $id: exit $rc"
		cat "$b/runtime.err"
	fi
	return $rc
}

# container_start ID
container_start() {
	local id=$1 rt b rc=0
	rt=$(lxh_container_runtime "$id") || { fail "unknown container $id"; return 1; }
	b=$(awk -v id="$id" '$2 == id { print $3 }' "$BATS_TEST_TMPDIR/containers" | tail -n 1)
	lxh_runtime_cmd "$rt" || return 1
	timeout -k 5 "$LXH_RUNTIME_TIMEOUT" "${LXH_CMD[@]}" start "$id" \
		</dev/null >>"$b/runtime.out" 2>>"$b/runtime.err" 3>&- || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$rt start $id: exit $rc"
		cat "$b/runtime.err"
	fi
	return $rc
}

# run_container RUNTIME [BUNDLE]: create and start; the container id is $CID
# (or the bundle's).
run_container() {
	local b=${2:-$BUNDLE}
	container_create "$1" "$b" || return
	container_start "$(cat "$b/id")"
}
run_container_runc() { run_container runc "$@"; }
run_container_crun() { run_container crun "$@"; }

# container_exec ID CMD...: run CMD in the container (its namespaces and
# cgroup, so lxcfs answers for it).
container_exec() {
	local id=$1 rt
	shift
	rt=$(lxh_container_runtime "$id") || { fail "unknown container $id"; return 1; }
	if [ "$rt" = podman ]; then
		timeout -k 5 "$LXH_RUNTIME_TIMEOUT" podman exec "$id" "$@" </dev/null 3>&-
		return
	fi
	lxh_runtime_cmd "$rt" || return 1
	timeout -k 5 "$LXH_RUNTIME_TIMEOUT" "${LXH_CMD[@]}" exec "$id" "$@" </dev/null 3>&-
}

# container_state ID: the runtime's state JSON.
container_state() {
	local id=$1 rt
	rt=$(lxh_container_runtime "$id") || { fail "unknown container $id"; return 1; }
	lxh_runtime_cmd "$rt" || return 1
	timeout -k 5 "$LXH_RUNTIME_TIMEOUT" "${LXH_CMD[@]}" state "$id" </dev/null 3>&-
}

# container_pid ID: the container's init as the host sees it.
container_pid() {
	local pid
	if [ "$(lxh_container_runtime "$1")" = podman ]; then
		pid=$(timeout -k 5 "$LXH_RUNTIME_TIMEOUT" podman inspect --format '{{.State.Pid}}' "$1" \
			</dev/null 3>&-) || return 1
	else
		pid=$(container_state "$1" | jq -r .pid) || return 1
	fi
	[ -n "$pid" ] && [ "$pid" != null ] && [ "$pid" -gt 0 ] ||
		{ fail "no pid for container $1"; return 1; }
	echo "$pid"
}

# Remove every container the test created, whatever state it is in.
cleanup_containers() {
	local rt id b rc=0
	[ -f "$BATS_TEST_TMPDIR/containers" ] || return 0
	while read -r rt id b; do
		case $rt in
		podman)
			timeout -k 5 60 podman rm -f -t 0 "$id" >/dev/null 2>&1 </dev/null 3>&- || true
			if [ -n "$(podman ps -a -q --filter "name=^$id\$" 2>/dev/null </dev/null 3>&-)" ]; then
				echo "podman container $id is still there" >&2
				rc=1
			fi
			;;
		*)
			lxh_runtime_cmd "$rt" || continue
			timeout -k 5 30 "${LXH_CMD[@]}" kill "$id" KILL >/dev/null 2>&1 </dev/null 3>&- || true
			timeout -k 5 30 "${LXH_CMD[@]}" delete --force "$id" >/dev/null 2>&1 </dev/null 3>&- || true
			if timeout -k 5 30 "${LXH_CMD[@]}" state "$id" >/dev/null 2>&1 </dev/null 3>&-; then
				echo "$rt container $id is still there" >&2
				rc=1
			fi
			;;
		esac
	done < <(tac "$BATS_TEST_TMPDIR/containers")
	return $rc
}

# ---- podman ---------------------------------------------------------------

# podman_hooks_dir [EXTRA HOOK ARGS...]: a hooks directory holding the built
# registration, pointed at $HOOK_BIN and the private lxcfs. Sets PODMAN_HOOKS_DIR.
# shellcheck disable=SC2120 # the arguments are for tests that need them
podman_hooks_dir() {
	local args
	require_hooks_json || return 1
	PODMAN_HOOKS_DIR="$BATS_TEST_TMPDIR/hooks.d"
	mkdir -p "$PODMAN_HOOKS_DIR" || return 1
	args=$(hook_args --log-file "$BATS_TEST_TMPDIR/podman-hook.log" "$@" | jq -R . | jq -cs .) || return 1
	jq --arg p "$HOOK_BIN" --argjson a "$args" '.hook.path = $p | .hook.args += $a' \
		"$HOOKS_JSON" >"$PODMAN_HOOKS_DIR/lxcfs-oci-hook.json" || return 1
}

# podman_run [PODMAN RUN OPTIONS...] -- CMD...: run CMD in a busybox container
# (256 MiB, cpuset 0) under runc (or PODMAN_RUNTIME) with the hooks of
# PODMAN_HOOKS_DIR, in the foreground
# (or, with -d among the options, detached: container_exec, container_pid and
# cleanup_containers then know it by the name left in PODMAN_NAME).
podman_run() {
	local opts=() name rootfs global
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	name="${LXH_ID_PREFIX}podman-$$-$RANDOM"
	PODMAN_NAME=$name
	rootfs="$BATS_TEST_TMPDIR/rootfs-$name"
	# podman writes /etc/hosts and friends into the rootfs: use a copy.
	cp -a "$LXH_ROOTFS" "$rootfs" || return 1
	case " ${opts[*]} " in
	*" --uidmap "*)
		# The runtime creates mount points (/etc/hosts...) in the rootfs as the
		# container's root: podman chowns an image's layers for --uidmap, and
		# leaves a --rootfs tree to its owner.
		chown -R "$LXH_USERNS_BASE:$LXH_USERNS_BASE" "$rootfs" || return 1
		lxh_userns_path "$rootfs" || return 1
		;;
	esac
	lxh_register_container podman "$name" "$rootfs"
	# runc unless PODMAN_RUNTIME says otherwise ("" = podman's default); the hooks of
	# PODMAN_HOOKS_DIR, or with none set, the installed ones podman finds itself.
	global=(--cgroup-manager=cgroupfs)
	[ -z "${PODMAN_RUNTIME-runc}" ] || global+=(--runtime "${PODMAN_RUNTIME-runc}")
	[ -z "${PODMAN_HOOKS_DIR:-}" ] || global+=(--hooks-dir "$PODMAN_HOOKS_DIR")
	timeout -k 5 "$LXH_RUNTIME_TIMEOUT" podman "${global[@]}" run --rm --name "$name" --network none \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--memory "$LXH_MEM_LIMIT" --cpuset-cpus 0 \
		"${opts[@]}" --rootfs "$rootfs" "$@" </dev/null 3>&-
}

# ---- what a container sees ------------------------------------------------

# container_view ID: "key value" lines of what the container reads.
container_view() {
	# shellcheck disable=SC2016 # expanded in the container
	container_exec "$1" sh -c '
		echo "memtotal $(awk "/^MemTotal:/ { print \$2 }" /proc/meminfo)"
		echo "nproc $(nproc)"
		echo "processors $(grep -c ^processor /proc/cpuinfo)"
		echo "uptime $(cut -d" " -f1 /proc/uptime)"
		echo "online $(cat /sys/devices/system/cpu/online)"
	'
}

# view_value KEY: from $output of `run container_view`.
view_value() {
	awk -v k="$1" '$1 == k { print $2 }' <<<"$output"
}

# assert_lxcfs_view ID: test 1's expectations, read inside the container.
assert_lxcfs_view() {
	local rc=0 up
	run container_view "$1"
	[ "$status" -eq 0 ] || { fail "reading the container's view failed: $output"; return 1; }
	echo "$output"
	[ "$(view_value memtotal)" = "$LXH_MEM_LIMIT_KB" ] || { echo "MemTotal is not $LXH_MEM_LIMIT_KB kB" >&2; rc=1; }
	[ "$(view_value nproc)" = 1 ] || { echo "nproc is not 1" >&2; rc=1; }
	[ "$(view_value processors)" = 1 ] || { echo "/proc/cpuinfo does not list 1 processor" >&2; rc=1; }
	up=$(view_value uptime)
	awk -v u="$up" 'BEGIN { exit !(u != "" && u + 0 < 60) }' || { echo "uptime $up is not below 60" >&2; rc=1; }
	[ "$(view_value online)" = 0 ] || { echo "/sys/devices/system/cpu/online is not 0" >&2; rc=1; }
	return $rc
}

# assert_host_view ID: the container reads the host's memory and CPU list.
assert_host_view() {
	local rc=0
	run container_view "$1"
	[ "$status" -eq 0 ] || { fail "reading the container's view failed: $output"; return 1; }
	echo "$output"
	[ "$(view_value memtotal)" = "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" ] ||
		{ echo "MemTotal is not the host's" >&2; rc=1; }
	[ "$(view_value processors)" = "$(grep -c ^processor /proc/cpuinfo)" ] ||
		{ echo "/proc/cpuinfo is not the host's" >&2; rc=1; }
	[ "$(view_value online)" = "$(cat /sys/devices/system/cpu/online)" ] ||
		{ echo "/sys/devices/system/cpu/online is not the host's" >&2; rc=1; }
	return $rc
}

# assert_lxcfs_container ID: test 1's expectations. The container's init has
# exactly the default set bound from the private lxcfs, and reads 256 MiB,
# 1 CPU, a fresh uptime and cpu online "0"; the host is untouched.
assert_lxcfs_container() {
	local id=$1 pid files
	pid=$(container_pid "$id") || return 1
	mapfile -t files < <(expected_default_files)
	[ ${#files[@]} -gt 0 ] || { fail "lxcfs at $LXCFS_DIR serves none of the default files"; return 1; }
	assert_from_lxcfs "$pid" "${files[@]}" || return 1
	assert_lxcfs_mounts_are "$pid" "${files[@]}" || return 1
	assert_lxcfs_view "$id" || return 1
	assert_host_untouched
}

# assert_plain_container ID: no lxcfs mount in the container, host values.
assert_plain_container() {
	local id=$1 pid
	pid=$(container_pid "$id") || return 1
	assert_lxcfs_mounts_are "$pid" || return 1
	assert_host_view "$id" || return 1
	assert_host_untouched
}

# hook_lines LEVEL [FILE]: the hook's log lines of LEVEL in FILE (or stdin).
hook_lines() {
	grep -E "^${LXH_LOG_PREFIX}$1: " "${2:--}"
}

# shown_id ID: the container id as the hook's log lines show it: a generated id
# (64 hex digits) by its first 12, a chosen name whole, cut after 64 with "...".
shown_id() {
	if [[ $1 =~ ^[0-9a-f]{64}$ ]]; then
		printf '%s' "${1:0:12}"
	elif [ ${#1} -gt 64 ]; then
		printf '%s...' "${1:0:64}"
	else
		printf '%s' "$1"
	fi
}

# assert_refused STATUS OUTPUT [PATTERN...]: a runtime command failed because
# the hook failed, and the hook's error (in the runtime's output, or in
# $BUNDLE/hook.log for runtimes that drop a hook's stderr) matches every
# extended regex PATTERN (case-insensitive).
assert_refused() {
	local st=$1 out=$2 pat text
	shift 2
	[ "$st" -ne 0 ] || { fail "the container started; the hook should have stopped it"; return 1; }
	[ "$st" -ne 124 ] && [ "$st" -ne 137 ] || { fail "the runtime did not return in time (exit $st)"; return 1; }
	text="$out"$'\n'"$(cat "$BUNDLE/hook.log" 2>/dev/null)"
	# runc prints the hook's stderr as one line with "\n" escapes: split it.
	text=${text//'\n'/$'\n'}
	# shellcheck disable=SC2001 # per line, not per string
	text=$(sed 's/^.*stderr: //' <<<"$text")
	hook_lines error <<<"$text" >/dev/null || { fail "no error line from the hook"; return 1; }
	# Every line names the container as the log shows it.
	hook_lines error <<<"$text" | grep -qF "container $(shown_id "$CID"): " ||
		{ fail "the hook's error does not name the container $(shown_id "$CID")"; return 1; }
	for pat in "$@"; do
		hook_lines error <<<"$text" | grep -qiE -e "$pat" ||
			{ fail "the hook's error does not match /$pat/"; return 1; }
	done
}

# ---- remount, status and invoke (issues 3 and 6) ---------------------------

# check-legacy: the classic bind path is forced. remount and invoke reach
# containers that are already pivoted, where that path has no safe way in:
# there they must refuse, say why, and change nothing.
lxh_legacy() {
	[ "${LXCFS_OCI_HOOK_MOUNT_API:-}" = legacy ]
}

# What the refusal on the legacy path names (extended regex).
LXH_LEGACY_REFUSAL='open_tree/move_mount'

# hook_remount [ARGS...]: `lxcfs-oci-hook remount` on the private lxcfs with the
# options every hook run gets (hook_args). Tests always pass --pid: without it
# remount would also rebind other lxcfs users' containers on this host (their
# mounts are "stale" next to this test's lxcfs) to this test's lxcfs.
hook_remount() {
	local args
	mapfile -t args < <(hook_args)
	timeout -k 5 120 "$HOOK_BIN" remount "${args[@]}" "$@" </dev/null 3>&-
}

# hook_status [ARGS...]: `lxcfs-oci-hook status` against the private lxcfs.
hook_status() {
	timeout -k 5 60 "$HOOK_BIN" status --lxcfs-root "$LXCFS_DIR" "$@" </dev/null 3>&-
}

# pid_args PID...: "--pid PID" for each, one word a line (for mapfile).
pid_args() {
	local p
	for p in "$@"; do
		printf -- '--pid\n%s\n' "$p"
	done
}

# remount_summary: the summary line in $output, without its timing.
remount_summary() {
	grep -E '^remount: .* in [0-9]+([.][0-9]+)? ms$' <<<"$output" | tail -n 1 |
		sed -E 's/ in [0-9]+([.][0-9]+)? ms$//'
}

# assert_summary EXPECTED: after `run hook_remount`, the summary line (without
# " in X ms") is EXPECTED.
assert_summary() {
	local got
	got=$(remount_summary)
	[ "$got" = "$1" ] || { fail "remount summary: got '$got', expected '$1'"; return 1; }
}

# lxcfs_snapshot PID...: the fuse.lxcfs entries of each PID's namespace, to
# compare before and after a run that must change nothing.
lxcfs_snapshot() {
	local p
	for p in "$@"; do
		lxcfs_entries "/proc/$p/mountinfo" | sed "s|^|$p |"
	done
}

# assert_snapshot_unchanged BEFORE PID...: lxcfs_snapshot PID... is BEFORE.
assert_snapshot_unchanged() {
	local before=$1 now
	shift
	now=$(lxcfs_snapshot "$@")
	if [ "$now" != "$before" ]; then
		echo "lxcfs mounts changed (pid dev root mountpoint options):" >&2
		diff <(echo "$before") <(echo "$now") >&2
		return 1
	fi
}

# container_memtotal ID: MemTotal (kB) as the container reads it.
container_memtotal() {
	# shellcheck disable=SC2016 # awk's, not the shell's
	container_exec "$1" awk '/^MemTotal:/ { print $2 }' /proc/meminfo
}

# assert_memtotal ID KB
assert_memtotal() {
	local got
	got=$(container_memtotal "$1" 2>&1)
	[ "$got" = "$2" ] || { fail "container $1 reads MemTotal '$got', expected $2"; return 1; }
}

# assert_readable ID FILE...: the container reads every FILE without an error.
assert_readable() {
	local id=$1 out
	shift
	# shellcheck disable=SC2016 # expanded in the container
	out=$(container_exec "$id" sh -c 'for f; do cat "$f" >/dev/null || exit 1; done' sh "$@" 2>&1) ||
		{ fail "container $id cannot read all of $*: $out"; return 1; }
}

# assert_enotconn ID [FILE]: reading FILE (default /proc/meminfo) in the
# container fails the way a dead lxcfs makes it fail.
assert_enotconn() {
	local out
	if out=$(container_exec "$1" cat "${2:-/proc/meminfo}" 2>&1); then
		fail "container $1 reads ${2:-/proc/meminfo}; expected ENOTCONN from a dead lxcfs"
		return 1
	fi
	[[ "$out" == *"Transport endpoint is not connected"* ]] ||
		{ fail "container $1: expected ENOTCONN, got: $out"; return 1; }
}

# assert_repaired ID FILE...: after a remount, the container has exactly FILE...
# from the live lxcfs, one mount each, reads them all and its own MemTotal.
assert_repaired() {
	local id=$1 pid
	shift
	pid=$(container_pid "$id") || return 1
	assert_from_lxcfs "$pid" "$@" || return 1
	assert_lxcfs_mounts_are "$pid" "$@" || return 1
	assert_readable "$id" "$@" || return 1
	case " $* " in
	*" /proc/meminfo "*) assert_memtotal "$id" "$LXH_MEM_LIMIT_KB" ;;
	esac
}

# start_fleet RUNTIME...: one container per argument (runc, crun or podman),
# annotated lxcfsEnable=true, the hook at createRuntime. Sets FLEET_IDS and
# FLEET_PIDS, in the order given.
start_fleet() {
	local rt i=0 pid
	FLEET_IDS=() FLEET_PIDS=()
	for rt in "$@"; do
		i=$((i + 1))
		case $rt in
		podman)
			# shellcheck disable=SC2119 # no extra hook arguments
			podman_hooks_dir || return 1
			podman_run -d --annotation io.kubernetes.container.lxcfsEnable=true -- sleep 1000 >/dev/null ||
				return 1
			FLEET_IDS+=("$PODMAN_NAME")
			;;
		*)
			make_bundle "fleet-$i-$rt" --enable || return 1
			run_container "$rt" || return 1
			FLEET_IDS+=("$CID")
			;;
		esac
		pid=$(container_pid "${FLEET_IDS[-1]}") || return 1
		FLEET_PIDS+=("$pid")
	done
}

# status_entry PID: the namespaces[] entry of PID in $output (status --json).
status_entry() {
	jq -ce --argjson p "$1" '.namespaces[] | select(.pid == $p)' <<<"$output"
}

# assert_status_entry PID CONTAINER STATE FILES STALE STACKED: PID's entry in
# $output (status --json); the lists are space-separated paths, compared as
# sets. CONTAINER "*" matches any name.
assert_status_entry() {
	local pid=$1 entry
	entry=$(status_entry "$pid") || { fail "status --json lists no namespace for pid $pid"; return 1; }
	jq -e --arg c "$2" --arg s "$3" --arg f "$4" --arg st "$5" --arg sk "$6" '
		def set($x): $x | split(" ") | map(select(. != "")) | sort;
		($c == "*" or .container == $c) and .state == $s and (.files | sort) == set($f)
		and (.stale | sort) == set($st) and (.stacked | sort) == set($sk)' <<<"$entry" >/dev/null ||
		{
			fail "status entry of pid $pid is $entry; expected container $2, state $3," \
				"files [$4], stale [$5], stacked [$6]"
			return 1
		}
}

# assert_status_exit: after `run status --json`, the exit status is 0 when every
# namespace listed is ok or foreign (another lxcfs that answers), else 1.
# Containers of other users of this host may have mounts of an lxcfs that is gone
# (stale) or stopped (unresponsive): the expected status follows from the
# document rather than being assumed.
assert_status_exit() {
	local bad
	bad=$(jq '[.namespaces[] | select(.state != "ok" and .state != "foreign")] | length' <<<"$output") ||
		{ fail "status --json printed no valid JSON"; return 1; }
	if [ "$bad" -eq 0 ]; then
		[ "$status" -eq 0 ] || { fail "status exit $status with every namespace ok"; return 1; }
	else
		[ "$status" -eq 1 ] || { fail "status exit $status with $bad namespaces not ok"; return 1; }
	fi
}

# assert_remount_refused_legacy BEFORE PID...: after `run --separate-stderr
# hook_remount` on the legacy path: exit 1, an error naming what the path lacks,
# no mount counted as repaired or adopted, and every PID's lxcfs mounts as in
# BEFORE (lxcfs_snapshot). Whether the refusal comes per container or once up
# front is the program's choice.
assert_remount_refused_legacy() {
	local before=$1 summary rc=0
	shift
	[ "$status" -eq 1 ] || { fail "remount exit $status on the legacy path; expected 1"; return 1; }
	hook_lines error <<<"$stderr" | grep -qE "$LXH_LEGACY_REFUSAL" ||
		{ echo "no error line matching /$LXH_LEGACY_REFUSAL/" >&2; rc=1; }
	summary=$(remount_summary)
	if [ -n "$summary" ] && ! grep -qE ' 0 mounts repaired in 0 containers(, 0 containers adopted \(0 mounts\))?, [0-9]+ failed$' <<<"$summary"; then
		echo "the summary counts repairs on the legacy path: $summary" >&2
		rc=1
	fi
	assert_snapshot_unchanged "$before" "$@" || rc=1
	return $rc
}

# remount_pids [OPTION]... -- PID...: `remount OPTION... --pid PID...`, with what it
# printed echoed for the test's log (stderr without debug lines). On the legacy mount
# path, where remount must refuse, it also asserts the refusal changed nothing in the
# PIDs' namespaces; the caller then returns (`if lxh_legacy`) or checks the repair.
remount_pids() {
	local opts=() pids before
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	mapfile -t pids < <(pid_args "$@")
	before=$(lxcfs_snapshot "$@")
	run --separate-stderr hook_remount "${opts[@]}" "${pids[@]}"
	echo "exit $status: $output"
	echo "$stderr" | grep -v ': debug: ' || true
	if lxh_legacy; then
		assert_remount_refused_legacy "$before" "$@"
	fi
}

# ---- setup and teardown ---------------------------------------------------

lxh_setup() {
	require_root || return 1
	require_cmd lxcfs jq runc mountpoint nsenter unshare timeout chroot fusermount3 || return 1
	[ -c /dev/fuse ] || { skip_or_fail "/dev/fuse is missing"; return 1; }
	require_hook || return 1
	lxh_prepare_rootfs || return 1
	: >"$BATS_TEST_TMPDIR/containers"
	host_snapshot
	# shellcheck disable=SC2119 # a new mount point
	start_lxcfs || return 1
}

lxh_dump_logs() {
	local f
	for f in "$BATS_TEST_TMPDIR"/bundle-*/{runtime.err,hook.log,hook.stderr} \
		"$BATS_TEST_TMPDIR"/podman-hook.log "$BATS_TEST_TMPDIR"/lxcfs.*.log; do
		[ -s "$f" ] || continue
		echo "# ---- ${f#"$BATS_TEST_TMPDIR"/}"
		sed 's/^/# /' "$f"
	done
}

lxh_teardown() {
	local rc=0 pid dir
	# A hung test filesystem first (fake-lxcfs.bash): aborting its connection frees
	# every process stuck in the kernel on it, the runtimes' included.
	if declare -F fake_lxcfs_teardown >/dev/null; then
		fake_lxcfs_teardown || rc=1
	fi
	# Resume every lxcfs first: a frozen one would hang the cleanup below.
	if [ -f "$BATS_TEST_TMPDIR/lxcfs-instances" ]; then
		while read -r pid dir; do
			kill -CONT "$pid" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/lxcfs-instances"
	fi
	cleanup_containers || rc=1
	if [ -f "$BATS_TEST_TMPDIR/host-lxcfs.before" ]; then
		if ! assert_host_untouched; then
			lxh_undo_host_mounts
			rc=1
		fi
	fi
	if [ -f "$BATS_TEST_TMPDIR/lxcfs-instances" ]; then
		while read -r pid dir; do
			stop_lxcfs "$pid" "$dir" || rc=1
		done < <(tac "$BATS_TEST_TMPDIR/lxcfs-instances")
	fi
	# bats removes its temporary tree: it must hold no mount by now.
	if awk -v t="$BATS_TEST_TMPDIR/" 'index($5, t) == 1 { print; found = 1 } END { exit !found }' \
		/proc/self/mountinfo >&2; then
		echo "mounts left under $BATS_TEST_TMPDIR" >&2
		rc=1
	fi
	[ -n "${BATS_TEST_COMPLETED:-}" ] && [ "$rc" -eq 0 ] || lxh_dump_logs
	return $rc
}

setup() {
	lxh_setup
}

teardown() {
	lxh_teardown
}
