# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# lib.sh - sourced by bench/run.sh: a private lxcfs, a busybox rootfs, OCI
# bundles, containers under a private runc root, statistics, and a cleanup
# that runs on exit, failure and Ctrl-C.
#
# Everything lives under one mktemp directory $BT; every container id starts
# with lxh-bench- and lives under the runc root $BT/runc, so nothing here can
# touch another user's lxcfs or containers.

BENCH_ID_PREFIX=lxh-bench-
# The files the hook mounts by default (policy.c); only those lxcfs serves are used.
BENCH_DEFAULT_FILES="proc/cpuinfo proc/diskstats proc/loadavg proc/meminfo proc/slabinfo proc/stat
	proc/swaps proc/uptime proc/pressure/cpu proc/pressure/io proc/pressure/memory
	sys/devices/system/cpu/online"
BENCH_MEM_LIMIT=268435456

BT=""          # the temporary directory
LXCFS_PARENT="" # $BT/lxc: a shared mount, shared into the seed-style containers
LXCFS_DIR=""    # $BT/lxc/lxcfs: the lxcfs mount point
LXCFS_PIDFILE=""
RUNC_ROOT=""
ROOTFS=""
BENCH_FILES="" # BENCH_DEFAULT_FILES that this lxcfs serves, set by lxcfs_start
_bench_cleaned=0

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	# The temporary directory goes with the cleanup: show the end of the log now.
	if [ -n "$BT" ] && [ -s "$BT/out/cmd.log" ]; then
		echo "bench: last lines of the command log:" >&2
		tail -n 8 "$BT/out/cmd.log" | sed 's/^/  /' >&2
	fi
	exit 1
}

bench_init() {
	BT=$(mktemp -d /tmp/lxh-bench.XXXXXX) || die "mktemp"
	trap bench_cleanup EXIT
	trap 'bench_cleanup; trap - INT; kill -INT $$' INT
	trap 'bench_cleanup; exit 143' TERM
	trap 'bench_cleanup; exit 129' HUP
	LXCFS_PARENT=$BT/lxc
	LXCFS_DIR=$LXCFS_PARENT/lxcfs
	LXCFS_PIDFILE=$BT/lxcfs.pid
	RUNC_ROOT=$BT/runc
	ROOTFS=$BT/rootfs
	mkdir -p "$LXCFS_DIR" "$RUNC_ROOT" "$BT/bundles" "$BT/out" || die "mkdir"
}

# Idempotent, and every step runs even when one before it fails.
bench_cleanup() {
	[ "$_bench_cleaned" = 1 ] && return 0
	_bench_cleaned=1
	[ -n "$BT" ] && [ -d "$BT" ] || return 0
	say "cleaning up $BT"
	if [ -d "$RUNC_ROOT" ]; then
		# Two at a time: 200 containers go in half the time.
		runc --root "$RUNC_ROOT" list -q 2>/dev/null | grep "^$BENCH_ID_PREFIX" |
			xargs -r -n 1 -P 2 runc --root "$RUNC_ROOT" delete -f >/dev/null 2>&1
	fi
	lxcfs_stop >/dev/null 2>&1
	if [ -n "$LXCFS_PARENT" ] && mountpoint -q "$LXCFS_PARENT" 2>/dev/null; then
		umount -l "$LXCFS_PARENT" 2>/dev/null
	fi
	# Never follow a mount that is still there into the host's files.
	local m
	for m in $(mounts_under "$BT" | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	if [ -z "$(mounts_under "$BT")" ]; then
		rm -rf "$BT"
	else
		say "left $BT behind: something is still mounted under it"
	fi
}

mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# ---- lxcfs ------------------------------------------------------------------

lxcfs_pid() {
	local p
	p=$(cat "$LXCFS_PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}

lxcfs_start() {
	local i
	lxcfs -p "$LXCFS_PIDFILE" "$LXCFS_DIR" >>"$BT/lxcfs.log" 2>&1 &
	for i in $(seq 200); do
		mountpoint -q "$LXCFS_DIR" && break
		sleep 0.05
	done
	mountpoint -q "$LXCFS_DIR" || die "lxcfs did not mount $LXCFS_DIR (see $BT/lxcfs.log)"
	# lxcfs answers once the mount is there; wait until it serves a file.
	for i in $(seq 100); do
		head -c1 "$LXCFS_DIR/proc/uptime" >/dev/null 2>&1 && break
		sleep 0.05
	done
	if [ -z "$BENCH_FILES" ]; then
		local f
		for f in $BENCH_DEFAULT_FILES; do
			[ -e "$LXCFS_DIR/$f" ] && BENCH_FILES="$BENCH_FILES $f"
		done
		BENCH_FILES=${BENCH_FILES# }
	fi
}

lxcfs_stop() {
	local p i
	p=$(lxcfs_pid) || p=""
	if [ -n "$p" ]; then
		kill "$p" 2>/dev/null
		for i in $(seq 200); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
		for i in $(seq 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
	fi
	if mountpoint -q "$LXCFS_DIR" 2>/dev/null; then
		umount -l "$LXCFS_DIR" 2>/dev/null
	fi
	rm -f "$LXCFS_PIDFILE"
}

# A real restart: a new FUSE connection on the same mount point. Every bind of
# an lxcfs file in a running container then reads ENOTCONN until repaired.
lxcfs_restart() {
	lxcfs_stop
	lxcfs_start
}

lxcfs_dev() { mountpoint -d "$LXCFS_DIR"; }

# The lxcfs parent directory as a shared mount: the seed's
# `-v /var/lib/lxc/:/var/lib/lxc/:shared` needs a new lxcfs mount under it to
# propagate into the containers.
lxcfs_share_parent() {
	mount --bind "$LXCFS_PARENT" "$LXCFS_PARENT" || die "cannot bind $LXCFS_PARENT"
	mount --make-shared "$LXCFS_PARENT" || die "cannot make $LXCFS_PARENT shared"
}

# ---- rootfs and bundles ----------------------------------------------------

make_rootfs() {
	local bb a
	bb=$(command -v busybox) || die "busybox (busybox-static) is needed for the rootfs"
	mkdir -p "$ROOTFS/bin" "$ROOTFS/proc" "$ROOTFS/sys" "$ROOTFS/dev" "$ROOTFS/tmp" "$ROOTFS/etc"
	cp "$bb" "$ROOTFS/bin/busybox"
	for a in $("$ROOTFS/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$ROOTFS/bin/$a"
	done
}

# make_bundle NAME JQ-FILTER [JQ-ARGS...]: a bundle over the shared read-only
# rootfs, `runc spec` defaults, busybox `true`, 256 MiB, cpuset 0, then FILTER.
make_bundle() {
	local name=$1 filter=$2 dir=$BT/bundles/$1
	shift 2
	mkdir -p "$dir"
	(cd "$dir" && runc spec) || die "runc spec"
	jq --arg rootfs "$ROOTFS" --argjson mem "$BENCH_MEM_LIMIT" "$@" '
		.root = {path: $rootfs, readonly: true}
		| .process.terminal = false
		| .process.args = ["true"]
		| .linux.resources.memory = {limit: $mem}
		| .linux.resources.cpu = {cpus: "0"}
		| '"$filter" "$dir/config.json" >"$dir/config.json.new" || die "jq on bundle $name"
	mv "$dir/config.json.new" "$dir/config.json"
	echo "$dir"
}

# The hook at createRuntime, as hooks.d would register it.
jq_hook() {
	printf '.hooks.createRuntime = [{path: %s, args: ["lxcfs-oci-hook", "hook", "--lxcfs-root", %s]}]' \
		"$(jq -n --arg v "$HOOK" '$v')" "$(jq -n --arg v "$LXCFS_DIR" '$v')"
}

jq_annotation() {
	printf '.annotations["io.kubernetes.container.lxcfsEnable"] = "%s"' "$1"
}

# The default files as config.json bind mounts: what docker -v, pouch and the
# Kubernetes webhooks do instead of a hook.
jq_binds() {
	local f m=""
	for f in $BENCH_FILES; do
		# runc refuses spec mounts on /proc paths outside its allow-list (pressure/*).
		case $f in proc/pressure/*) continue ;; esac
		m="$m{destination: \"/$f\", type: \"bind\", source: \"$LXCFS_DIR/$f\", options: [\"rbind\", \"ro\"]},"
	done
	printf '.mounts += [%s]' "${m%,}"
}

jq_seed_hook() {
	printf '.hooks.createRuntime = [{path: %s, args: ["seed-hook.sh", %s]}]' \
		"$(jq -n --arg v "$BENCH_DIR/seed-hook.sh" '$v')" "$(jq -n --arg v "$LXCFS_DIR" '$v')"
}

# The lxcfs parent, shared in: the seed's repair needs the live files inside.
jq_share_lxcfs() {
	printf '.mounts += [{destination: "%s", type: "bind", source: "%s", options: ["rbind", "rshared"]}]' \
		"$LXCFS_PARENT" "$LXCFS_PARENT"
}

# ---- measuring --------------------------------------------------------------

# timeit [-i STDIN] -- CMD...: "<us> <maxrss KiB> <status>"; failures logged to $BT/out/failures.log.
timeit() { "$TIMEIT" -o "$BT/out/cmd.log" "$@"; }

# stats FILE: "n min median max" over the first column (integers).
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "0 0 0 0"; exit }
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %d %d %d\n", NR, v[1], med, v[NR] }'
}

median() { stats "$1" | awk '{ print $3 }'; }

# ms US: microseconds as milliseconds with 1 or 2 decimals.
ms() { awk -v u="$1" 'BEGIN { printf (u < 10000 ? "%.2f" : "%.1f"), u / 1000 }'; }

# paired_diff A B COLUMN: A and B hold one line per round (the same rounds, in order);
# of the differences A - B in COLUMN: "n median p10 p25 p75 p90" (microseconds).
paired_diff() {
	paste -d' ' <(cut -d' ' -f"$3" "$1") <(cut -d' ' -f"$3" "$2") | awk '{ print $1 - $2 }' | sort -n | awk '
		function q(p,    i) { i = int(p * (NR - 1) + 0.5) + 1; return v[i] }
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "0 0 0 0 0 0"; exit }
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%d %d %d %d %d %d\n", NR, med, q(0.10), q(0.25), q(0.75), q(0.90) }'
}

# sms US: a signed difference in microseconds as milliseconds, 2 decimals.
sms() { awk -v u="$1" 'BEGIN { printf "%+.2f", u / 1000 }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

# A rotation of 0..n-1 starting at r mod n: round r runs the variants in this
# order, so none is always first (after the idle gap) or always after the same one.
rotation() {
	local n=$1 r=$2 i
	for ((i = 0; i < n; i++)); do printf '%d ' $(((r + i) % n)); done
}
