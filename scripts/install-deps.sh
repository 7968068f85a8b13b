#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Install what building lxcfs-oci-hook and running every test needs on Debian 12
# (bookworm). Idempotent: packages already present are left as they are, and the
# package index is refreshed only when something is missing.
#
#   sudo scripts/install-deps.sh
#
# The integration tests start their own lxcfs on a private mount point, so this
# script neither starts nor stops the system lxcfs service: a host that already
# runs one for its containers keeps it.
set -eu

# Build: autotools, libtool, the three libraries the hook links against.
BUILD_PKGS="build-essential autoconf automake libtool pkg-config
	libyajl-dev libmount-dev libcap-dev"

# Integration tests: the real lxcfs and runtimes, a static busybox for the test
# rootfs, bats to drive them, fusermount, mountpoint/nsenter/unshare.
# podman is installed without its recommends, so name what a rootful
# `podman run --rootfs DIR --network none` needs: conmon and containers-common
# (also hard dependencies, listed so a missing one is obvious), a network stack
# (containers-common wants one even with --network none), and uidmap.
TEST_PKGS="lxcfs runc crun podman conmon golang-github-containers-common
	containernetworking-plugins uidmap busybox-static jq bats fuse3
	util-linux procps coreutils yamllint"

# make check-valgrind, make fuzz (clang and its runtime, which clang only recommends), make analyze.
CHECK_PKGS="valgrind clang libclang-rt-14-dev cppcheck"
CHECK_PKGS="$CHECK_PKGS rpm debhelper" # scripts/check-packages.sh: rpmbuild -ta, dpkg-buildpackage

PKGS="$BUILD_PKGS $TEST_PKGS $CHECK_PKGS"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (apt-get install)" >&2
	exit 1
fi

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps.sh: this script knows Debian 12 only" >&2
	exit 1
fi

missing=""
for p in $PKGS; do
	# "install ok installed" only: a removed-but-configured package needs installing again.
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps.sh: all packages already installed"
	exit 0
fi

echo "install-deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $missing
