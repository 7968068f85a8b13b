#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# enter.sh SUITE [OPTION]... [-- CMD [ARG]...] - run CMD (default: bash) as on a fresh
# Debian SUITE machine: in a copy of the root tests/stacks/root.sh makes, pivoted into,
# in mount, PID, cgroup, UTS and IPC namespaces of its own.
#
#   --session DIR     keep the copy in DIR (made on first use, reused after) instead of
#                     a throwaway one removed at the end
#   --bind SRC:DEST   bind SRC of this machine at DEST in the root (repeatable)
#   --ro-bind SRC:DEST  the same, read-only
#   --env NAME=VALUE  set in CMD's environment (repeatable); CMD otherwise gets a clean
#                     one: PATH, HOME, TERM, LANG, and CI and LXH_* / LXCFS_OCI_HOOK_*
#                     from the caller's
#   --package PKG     an extra package in the root (a root of its own: see root.sh)
#   --lxcfs           start the root's lxcfs on /var/lib/lxcfs first, as on a node
#
# What the namespaces give (why each):
# - PID: CMD is PID 1 of the stack; nothing in it can see or reach this machine's PID 1
#   (remount without --pid scans only the stack), and when CMD ends the kernel kills
#   everything left in it: no container, shim or lxcfs outlives the stack.
# - mount: fresh /proc, /sys, /dev (device nodes as a fresh machine has them, /dev/fuse
#   0666), /run and /tmp (tmpfs, as trixie has it); nothing mounted inside reaches this
#   machine, every mount ends with the stack.
# - cgroup: the stack lives in its own cgroup (lxh-stacks/SESSION in every hierarchy
#   this machine mounts, mounted again inside with the same layout), so runtimes inside
#   make their cgroups under it, and it is removed at the end.
# - UTS/IPC: its own hostname (lxh-SUITE) and SysV IPC. The network is this machine's
#   (apt works inside; containers in the suites use --network none or their own netns).
#
# lxcfs inside: /dev/fuse is there; lxcfs 6.0+ needs /proc/1/personality readable, and
# the stack's PID 1 is CMD, which root can read (this machine's PID 1 it cannot).
#
# Exit status: CMD's; 125 when the stack could not be set up.
set -euo pipefail

STACKS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATH=$PATH:/usr/sbin:/sbin
CG_PARENT=lxh-stacks

die() {
	printf 'enter.sh: %s\n' "$*" >&2
	exit 125
}

usage() {
	sed -n '4,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 125
}

# ---- inside: PID 1 of the new namespaces, still on this machine's root ------------

# mirror_cgroups NEWROOT: mount every cgroup hierarchy this machine has at the same
# place under NEWROOT. In our cgroup namespace each shows the stack's cgroup as its root.
mirror_cgroups() {
	local r=$1 mp fstype opts
	while read -r mp fstype opts; do
		case $fstype in
		tmpfs) mount -t tmpfs -o "nosuid,nodev,noexec,mode=755" cgroup "$r$mp" ;;
		cgroup | cgroup2)
			mkdir -p "$r$mp"
			mount -t "$fstype" -o "nosuid,nodev,noexec,$opts" "$fstype" "$r$mp"
			;;
		esac
	done < <(awk '{
		for (i = 7; $i != "-"; i++) ;
		fs = $(i + 1); so = $(i + 3)
		if ($5 !~ "^/sys/fs/cgroup(/|$)") next
		if (fs != "cgroup" && fs != "cgroup2" && fs != "tmpfs") next
		# super options minus rw/ro: the controllers (v1) or the v2 mount options
		n = split(so, o, ","); s = ""
		for (j = 1; j <= n; j++) if (o[j] != "rw" && o[j] != "ro") s = s (s == "" ? "" : ",") o[j]
		print $5, fs, (s == "" ? "defaults" : s)
	}' /proc/self/mountinfo)
}

make_dev() {
	local d=$1/dev n
	mount -t tmpfs -o nosuid,noexec,mode=755,size=65536k dev "$d"
	# name major minor, mode 0666 as udev gives them on a fresh machine
	while read -r n ma mi; do
		mknod -m 666 "$d/$n" c "$ma" "$mi"
	done <<-'NODES'
		null 1 3
		zero 1 5
		full 1 7
		random 1 8
		urandom 1 9
		tty 5 0
		fuse 10 229
	NODES
	mkdir -p "$d/net" "$d/pts" "$d/shm" "$d/mqueue"
	mknod -m 666 "$d/net/tun" c 10 200
	mount -t devpts -o newinstance,nosuid,noexec,ptmxmode=0666,mode=0620 devpts "$d/pts"
	ln -s pts/ptmx "$d/ptmx"
	mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$d/shm"
	mount -t mqueue -o nosuid,nodev,noexec mqueue "$d/mqueue"
	ln -s /proc/self/fd "$d/fd"
	ln -s /proc/self/fd/0 "$d/stdin"
	ln -s /proc/self/fd/1 "$d/stdout"
	ln -s /proc/self/fd/2 "$d/stderr"
}

inner() {
	local r=$1 suite=$2 lxcfs=$3 b src dest opt i
	shift 3
	[ "${1:-}" = -- ] && shift
	mount --bind "$r" "$r"
	mount --make-private "$r"
	mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
	mount -t sysfs -o nosuid,nodev,noexec sysfs "$r/sys"
	mirror_cgroups "$r"
	make_dev "$r"
	mount -t tmpfs -o nosuid,nodev,mode=755 run "$r/run"
	mkdir -m 1777 "$r/run/lock"
	mount -t tmpfs -o nosuid,nodev,mode=1777 tmp "$r/tmp"
	# The network is this machine's: so is its resolver.
	cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
	hostname "lxh-$suite"
	echo "lxh-$suite" >"$r/etc/hostname"
	while IFS= read -r b; do
		[ -n "$b" ] || continue
		opt=${b%% *} b=${b#* }
		src=${b%%:*} dest=${b#*:}
		if [ -d "$src" ]; then mkdir -p "$r$dest"; else mkdir -p "$(dirname "$r$dest")" && touch "$r$dest"; fi
		mount --bind "$src" "$r$dest"
		[ "$opt" = ro ] && mount -o remount,bind,ro "$r$dest"
	done <<<"${LXH_ENTER_BINDS:-}"
	# pivot_root . . stacks the old root on the new one; detach it, and this machine's
	# tree is out of reach.
	cd "$r"
	pivot_root . .
	umount -l .
	cd /
	if [ "$lxcfs" = 1 ]; then
		mkdir -p /var/lib/lxcfs
		lxcfs /var/lib/lxcfs >/run/lxcfs.log 2>&1 &
		for ((i = 0; i < 100; i++)); do
			mountpoint -q /var/lib/lxcfs && break
			sleep 0.1
		done
		mountpoint -q /var/lib/lxcfs || { cat /run/lxcfs.log >&2; die "lxcfs did not mount /var/lib/lxcfs"; }
	fi
	[ $# -gt 0 ] || set -- /bin/bash
	local envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
		LANG=C.UTF-8 "TERM=${TERM:-dumb}")
	while IFS= read -r b; do
		[ -n "$b" ] && envs+=("$b")
	done < <(env | grep -E '^(CI|LXH_[A-Z0-9_]*|LXCFS_OCI_HOOK_[A-Z0-9_]*)=' | grep -v '^LXH_ENTER_' || true)
	while IFS= read -r b; do
		[ -n "$b" ] && envs+=("$b")
	done <<<"${LXH_ENTER_ENV:-}"
	exec env -i "${envs[@]}" "$@"
}

if [ "${1:-}" = --inner ]; then
	shift
	inner "$@"
fi

# ---- outside: on this machine ----------------------------------------------------

[ $# -ge 1 ] || usage
case $1 in -h | --help) usage ;; esac
suite=$1
shift
session='' lxcfs=0 bind_lines='' env_lines='' pkgs=()
while [ $# -gt 0 ]; do
	case $1 in
	--session) session=${2:?}; shift ;;
	--bind | --ro-bind)
		[[ ${2:-} == /*:/* ]] || die "$1 wants SRC:DEST, both absolute"
		[ -e "${2%%:*}" ] || die "$1: ${2%%:*} does not exist"
		bind_lines+="$([ "$1" = --bind ] && echo rw || echo ro) $2"$'\n'
		shift
		;;
	--env)
		[[ ${2:-} == [A-Za-z_]*=* ]] || die "--env wants NAME=VALUE"
		env_lines+="$2"$'\n'
		shift
		;;
	--package) pkgs+=("${2:?}"); shift ;;
	--lxcfs) lxcfs=1 ;;
	--) shift; break ;;
	*) usage ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || die "run as root"

root=$("$STACKS_DIR/root.sh" "$suite" "${pkgs[@]}") || die "no $suite root"

keep=0
if [ -n "$session" ]; then
	keep=1
	mkdir -p "$session"
	session=$(cd "$session" && pwd)
else
	session=$(mktemp -d "${LXH_STACKS_SESSIONS:-/var/tmp}/lxh-stack-$suite.XXXXXX")
fi
# mktemp -d makes 0700: a user-namespaced container's root must traverse the tree.
chmod 755 "$session"
id=$(basename "$session")

cgdirs=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$? d p left=0 i
	# Everything of the stack died with its PID 1; a process still in its cgroups is
	# a bug worth a loud line (and a kill), not a silent leftover.
	for d in "${cgdirs[@]}"; do
		[ -d "$d" ] || continue
		while read -r p; do
			[ -n "$p" ] || continue
			echo "enter.sh: process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) outlived the stack: killing it" >&2
			kill -KILL "$p" 2>/dev/null || true
			left=1
		done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
	done
	for d in "${cgdirs[@]}"; do
		[ -d "$d" ] || continue
		for ((i = 0; i < 50; i++)); do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
			[ -d "$d" ] || break
			sleep 0.1
		done
		[ ! -d "$d" ] || echo "enter.sh: cannot remove cgroup $d" >&2
	done
	if [ "$keep" = 0 ]; then
		rm -rf --one-file-system "$session"
	fi
	[ "$left" = 0 ] || [ "$rc" != 0 ] || rc=125
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -d "$session/root" ]; then
	cp -a "$root" "$session/root.new"
	mv -T "$session/root.new" "$session/root"
fi

# The stack's cgroup in every hierarchy mounted here (v1 controllers, name=systemd, v2).
while read -r mp; do
	d=$mp/$CG_PARENT/$id
	mkdir -p "$d"
	if [ -f "$mp/cpuset.cpus" ]; then # a v1 cpuset starts empty: no task may join it
		for f in cpuset.cpus cpuset.mems; do
			[ -n "$(cat "$mp/$CG_PARENT/$f")" ] || cat "$mp/$f" >"$mp/$CG_PARENT/$f"
			cat "$mp/$CG_PARENT/$f" >"$d/$f"
		done
	fi
	cgdirs+=("$d")
done < <(awk '{ for (i = 7; $i != "-"; i++) ; fs = $(i + 1)
	if (fs == "cgroup" || fs == "cgroup2") print $5 }' /proc/self/mountinfo)

set +e
(
	for d in "${cgdirs[@]}"; do
		echo "$BASHPID" >"$d/cgroup.procs"
	done
	LXH_ENTER_BINDS=$bind_lines LXH_ENTER_ENV=$env_lines exec unshare --mount --pid --fork --kill-child \
		--cgroup --uts --ipc --propagation private \
		bash "$STACKS_DIR/enter.sh" --inner "$session/root" "$suite" "$lxcfs" -- "$@"
)
rc=$?
set -e
exit "$rc"
