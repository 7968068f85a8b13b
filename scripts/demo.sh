#!/bin/bash
# demo.sh - set up everything and show a container seeing its own limits through lxcfs.
#
# Installs the Debian packages (scripts/install-deps.sh), builds the hook, starts a
# private lxcfs on a temporary mount point, and runs the same busybox container
# (256 MiB, 1 CPU) under runc twice: without and with the annotation
# io.kubernetes.container.lxcfsEnable=true. Prints `free` and `nproc` side by side.
# Leaves nothing behind: containers, the lxcfs mount and temp files go on exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it mounts and runs containers)" >&2; exit 1; }

"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
hook="$top/src/lxcfs-oci-hook"

work=$(mktemp -d /tmp/lxcfs-oci-hook-demo.XXXXXX)
lxcfs_pid=""
cleanup() {
	for id in lxcfs-demo-off lxcfs-demo-on; do runc delete --force "$id" >/dev/null 2>&1 || true; done
	[ -n "$lxcfs_pid" ] && kill "$lxcfs_pid" 2>/dev/null && wait "$lxcfs_pid" 2>/dev/null || true
	mountpoint -q "$work/lxcfs" && { fusermount3 -u "$work/lxcfs" 2>/dev/null || umount -l "$work/lxcfs"; }
	rm -rf "$work"
}
trap cleanup EXIT

# A private lxcfs with its own pid file, so it cannot clash with a system one.
mkdir -p "$work/lxcfs"
lxcfs -p "$work/lxcfs.pid" "$work/lxcfs" >"$work/lxcfs.log" 2>&1 &
lxcfs_pid=$!
for _ in $(seq 100); do mountpoint -q "$work/lxcfs" && break; sleep 0.1; done
mountpoint -q "$work/lxcfs" || { echo "demo.sh: lxcfs did not mount" >&2; cat "$work/lxcfs.log" >&2; exit 1; }

# A busybox root filesystem: no image registry needed. busybox's own `free` asks the
# kernel (sysinfo(2)), which no file can virtualize; real images ship procps's `free`,
# which reads /proc/meminfo, so copy that one in with its libraries.
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,proc,sys,dev,etc,tmp}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
rm -f "$rootfs/bin/free" # a link to busybox: cp would write through it
cp /usr/bin/free "$rootfs/bin/free"
for lib in $(ldd /usr/bin/free | grep -o '/[^ ]*'); do
	mkdir -p "$rootfs$(dirname "$lib")"
	cp -L "$lib" "$rootfs$lib"
done

# What the container reports, one value a line (the labels are printed by the table below).
# (/bin/free by path: busybox's sh would otherwise run its own free applet.)
probe='/bin/free -m | awk "/^Mem:/ {print \$2 \" MiB\"}"
nproc
grep -c ^processor /proc/cpuinfo
cat /sys/devices/system/cpu/online
cut -d" " -f1 /proc/uptime | sed "s/$/ s/"'

run_container() { # ID ANNOTATION
	local id=$1 ann=$2 bundle="$work/$1"
	mkdir -p "$bundle"
	(cd "$bundle" && runc spec)
	jq --arg rootfs "$rootfs" --arg ann "$ann" --arg hook "$hook" --arg lxcfs "$work/lxcfs" --arg probe "$probe" '
	  .process.terminal = false
	  | .process.args = ["sh", "-c", $probe]
	  | .root = {path: $rootfs, readonly: true}
	  | .linux.resources.memory.limit = 268435456
	  | .linux.resources.cpu.cpus = "0"
	  | .annotations = {"io.kubernetes.container.lxcfsEnable": $ann}
	  | .hooks.createRuntime = [{path: $hook, args: ["lxcfs-oci-hook", "hook", "--lxcfs-root", $lxcfs]}]
	' "$bundle/config.json" >"$bundle/config.json.new"
	mv "$bundle/config.json.new" "$bundle/config.json"
	runc run --bundle "$bundle" "$id" </dev/null
}

run_container lxcfs-demo-off false >"$work/off.txt"
run_container lxcfs-demo-on true >"$work/on.txt"

echo
echo "Host: $(nproc) CPUs, $(free -m | awk '/^Mem:/ {print $2}') MiB. Both containers: memory limit 256 MiB, cpuset 0 (1 CPU)."
echo
printf '%s\n' "free -m, total" "nproc" "processors in /proc/cpuinfo" \
	"/sys/devices/system/cpu/online" "uptime (/proc/uptime)" >"$work/labels.txt"
{
	printf '%-32s %-20s %s\n' "inside the container" "without annotation" "lxcfsEnable=true"
	paste -d'\t' "$work/labels.txt" "$work/off.txt" "$work/on.txt" |
		awk -F'\t' '{printf "%-32s %-20s %s\n", $1, $2, $3}'
} | sed '1{p;s/./-/g}'
echo
echo "nproc asks the kernel which CPUs it may run on, which the cpuset already limits; programs"
echo "that count /proc/cpuinfo or read cpu/online (JVMs, lscpu, node_exporter) see the host without lxcfs."
