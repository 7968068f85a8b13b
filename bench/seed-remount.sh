#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# seed-remount.sh - the baseline `lxcfs-oci-hook remount` is compared with: the
# repair after an lxcfs restart done the way the original docker/pouch lxcfs
# support did it (../seed/lxcfs-support.md, remount_lxcfs.sh), with runc in
# place of docker and the stale mount detached before the new bind:
#
#   for each container (runc list): its pid (runc state | jq), then per file
#     nsenter -t PID -m umount /proc/FILE
#     nsenter -t PID -m mount --bind LXCFS_DIR/proc/FILE /proc/FILE   (= -B)
#
#   seed-remount.sh LXCFS_DIR [RUNC_ROOT [ID_PREFIX]]
#
# Like the seed, it needs LXCFS_DIR visible inside every container (the seed's
# `-v /var/lib/lxc/:/var/lib/lxc/:shared`) and `mount`/`umount` in the image.
# Only containers whose id starts with ID_PREFIX are touched. Not for use.
set -eu

lxcfs=${1:?usage: seed-remount.sh LXCFS_DIR [RUNC_ROOT [ID_PREFIX]]}
root=${2:-/run/runc}
prefix=${3:-}
# The files the hook mounts by default; the seed checked each one the same way.
files="proc/cpuinfo proc/diskstats proc/loadavg proc/meminfo proc/slabinfo proc/stat proc/swaps
	proc/uptime proc/pressure/cpu proc/pressure/io proc/pressure/memory sys/devices/system/cpu/online"

served=""
for f in $files; do
	[ -e "$lxcfs/$f" ] && served="$served $f"
done

rc=0
for c in $(runc --root "$root" list -q); do
	case $c in
	"$prefix"*) ;;
	*) continue ;;
	esac
	pid=$(runc --root "$root" state "$c" | jq -r .pid)
	for f in $served; do
		nsenter -t "$pid" -m umount "/$f" || rc=1
		nsenter -t "$pid" -m mount --bind "$lxcfs/$f" "/$f" || rc=1
	done
done
exit $rc
