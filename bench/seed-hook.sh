#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# seed-hook.sh - the baseline the benchmark compares the hook with: an OCI hook
# written the way the original docker/pouch lxcfs support worked (see
# ../seed/lxcfs-support.md), as a shell script: parse the state with jq, then
# one `nsenter --mount ... mount -B` per lxcfs file (spelled --bind,
# which busybox mount also knows).
#
#   seed-hook.sh LXCFS_DIR          (OCI state JSON on stdin)
#
# Registered at createRuntime (runc: before pivot_root), where the container's
# mount namespace still sees the host's paths, so the target is
# <rootfs>/proc/<file>. No safety checks (symlinks in the image, a hung lxcfs,
# stale mounts): it only stands for what a shell script costs. Not for use.
set -eu

lxcfs=${1:?usage: seed-hook.sh LXCFS_DIR}
# The files the hook mounts by default.
files="proc/cpuinfo proc/diskstats proc/loadavg proc/meminfo proc/slabinfo proc/stat proc/swaps
	proc/uptime proc/pressure/cpu proc/pressure/io proc/pressure/memory sys/devices/system/cpu/online"

# One jq for the state, one for config.json: the least a careful script spends.
tab=$(printf '\t')
IFS=$tab read -r pid bundle enabled <<EOF
$(jq -r '[.pid, .bundle, (.annotations["io.kubernetes.container.lxcfsEnable"] // "false")] | @tsv')
EOF
case $enabled in
true | True | TRUE) ;;
*) exit 0 ;;
esac
rootfs=$(jq -r .root.path "$bundle/config.json")
case $rootfs in
/*) ;;
*) rootfs=$bundle/$rootfs ;;
esac

for f in $files; do
	[ -e "$lxcfs/$f" ] || continue
	nsenter -t "$pid" -m mount --bind "$lxcfs/$f" "$rootfs/$f"
done
