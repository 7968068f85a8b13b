#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# remount-parallel.sh - a benchmark experiment: the same repair as one
# `lxcfs-oci-hook remount --pid P1 ... --pid PN`, split into K slices run at
# once, to measure what repairing several containers concurrently would buy.
# Most of a container's repair is waiting (an RCU grace period in every
# umount2, a round trip to lxcfs for every statfs), which concurrent workers
# overlap even on few CPUs.
#
#   remount-parallel.sh K HOOK [REMOUNT OPTION]... -- PID...
#
# Exit status: 0 when every slice exited 0. Each slice's summary line goes to
# stdout.
set -u

k=${1:?usage: remount-parallel.sh K HOOK [OPTION]... -- PID...}
hook=${2:?usage: remount-parallel.sh K HOOK [OPTION]... -- PID...}
shift 2
opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	opts+=("$1")
	shift
done
[ "${1:-}" = -- ] && shift
pids=("$@")

children=()
for ((i = 0; i < k && i < ${#pids[@]}; i++)); do
	args=()
	for ((j = i; j < ${#pids[@]}; j += k)); do
		args+=(--pid "${pids[j]}")
	done
	"$hook" remount "${opts[@]}" "${args[@]}" &
	children+=($!)
done
rc=0
for c in "${children[@]}"; do
	wait "$c" || rc=1
done
exit $rc
