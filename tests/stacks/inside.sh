#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# inside.sh TARBALL - what tests/stacks/check.sh runs as PID 1 of a stack
# (tests/stacks/enter.sh): build the project from TARBALL (`make dist`) the README's way
# with this release's compiler and libraries, install it as a user would, say which
# runtimes and lxcfs it runs against, then the unit tests and the stack suites
# (`make print-stack-tests`, Makefile.am) under `make check`, strict: a skip fails.
#
# Everything lives in this throwaway root and dies with the stack. Exit status: make
# check's; 1 when the build or install failed.
set -euo pipefail

tarball=${1:?usage: inside.sh TARBALL}
# shellcheck disable=SC1091 # the stack's own
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-unknown}")
# sid calls itself "sid" or "forky/sid" depending on the day: the root's record is exact.
suite=$(sed -n 's/^suite=//p' /etc/lxcfs-oci-hook-stack 2>/dev/null || echo "$suite")

say() {
	printf 'stack %s: %s\n' "$suite" "$*"
}

# ver PROGRAM ARGS...: the first line of PROGRAM's version output, or "missing".
ver() {
	command -v "$1" >/dev/null 2>&1 || { echo missing; return; }
	"$@" 2>&1 | head -n 1
}

# lxcfs_file_set: start this root's lxcfs on a scratch mount point and list which of
# the hook's default files it serves (the hook mounts exactly those: README "Files").
lxcfs_file_set() {
	local dir=/run/lxh-probe f i served='' missing=''
	mkdir -p "$dir"
	lxcfs -p /run/lxh-probe.pid "$dir" >/run/lxh-probe.log 2>&1 &
	for ((i = 0; i < 100; i++)); do
		mountpoint -q "$dir" && break
		sleep 0.1
	done
	if ! mountpoint -q "$dir"; then
		cat /run/lxh-probe.log >&2
		echo "lxcfs did not start"
		return 1
	fi
	for f in proc/cpuinfo proc/diskstats proc/loadavg proc/meminfo proc/slabinfo proc/stat proc/swaps \
		proc/uptime proc/pressure/cpu proc/pressure/io proc/pressure/memory sys/devices/system/cpu/online; do
		if [ -f "$dir/$f" ] && [ -e "/$f" ]; then served+=" /$f"; else missing+=" /$f"; fi
	done
	fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir"
	wait 2>/dev/null || true
	echo "default file set:${served:- none}${missing:+ (not served:$missing)}"
}

say "$(sed -n 's/^made=/root made /p' /etc/lxcfs-oci-hook-stack), kernel $(uname -r)"
say "runc: $(ver runc --version)"
say "crun: $(ver crun --version)"
say "podman: $(ver podman --version)"
say "containerd: $(ver containerd --version)"
say "compiler: $(ver gcc --version)"
# One line for check.sh's summary: the Debian versions, upstream part only.
# shellcheck disable=SC2016 # dpkg-query's format
say "versions: $(dpkg-query -W -f '${Package} ${Version}\n' runc crun podman containerd lxcfs 2>/dev/null |
	sed -E 's/ ([0-9]+:)?([^-~+]*).*/ \2/' | paste -sd, - | sed 's/,/, /g')"
lxcfs_version=$(dpkg-query -W -f '${Version}' lxcfs 2>/dev/null || echo unknown)
case $suite in
sid)
	# sid's own lxcfs (7.0) needs a cgroup2-only host; this one has hybrid cgroups.
	say "lxcfs: $lxcfs_version, Debian 12's: sid's 7.0 needs a cgroup2-only host, and this machine's cgroups are hybrid"
	;;
*) say "lxcfs: $lxcfs_version, $suite's own" ;;
esac
say "lxcfs ${lxcfs_version%%-*} $(lxcfs_file_set)"

# The README's way, in a copy of the source tree: autoreconf, configure, make, make
# install. 0755 throughout: a user-namespaced container's root traverses to the hook.
build=/var/tmp/lxh-build
mkdir -p -m 755 "$build"
tar -C "$build" -xzf "$tarball"
cd "$build"/lxcfs-oci-hook-*/
chmod 755 .
log=$build/build.log
t0=$SECONDS
if ! {
	autoreconf -fi &&
		./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var &&
		make -j"$(nproc)" &&
		make install
} >"$log" 2>&1; then
	tail -n 40 "$log"
	say "ERROR: the build failed (autoreconf, configure, make, make install: log above)"
	exit 1
fi
say "built and installed in $((SECONDS - t0)) s ($(grep -c 'warning:' "$log" || true) compiler warnings)"

# LXH_STACK_TESTS: only these (e.g. one suite while working on it); check.sh passes
# LXH_* variables through.
tests=${LXH_STACK_TESTS:-"$(make -s print-unit-tests) $(make -s print-stack-tests STACK="$suite")"}
export CI=true LXCFS_OCI_HOOK_TEST_STRICT=1 LXH_STACK=$suite
rc=0
# Our own deadline, before check.sh's (LXH_STACK_TIMEOUT) kills the whole stack, so
# that the logs below are still printed.
timeout -k 10 "${LXH_STACK_CHECK_TIMEOUT:-2100}" make check TESTS="$tests" || rc=$?
[ "$rc" != 124 ] || say "ERROR: make check did not finish within ${LXH_STACK_CHECK_TIMEOUT:-2100} s"
# What failed, with its log: the stack and its build tree are gone once this returns.
for f in tests/*/*.log; do
	case $f in */test-suite.log) continue ;; esac
	grep -qE '^(not ok|Bail out|# reaper: )' "$f" 2>/dev/null || continue
	echo "---- $f"
	cat "$f"
done
exit "$rc"
