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
# tests/fake-lxcfs.c, the FUSE filesystem the deadline tests make hang (optional for the hook itself).
BUILD_PKGS="$BUILD_PKGS libfuse3-dev"

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
CHECK_PKGS="$CHECK_PKGS time" # make bench: GNU time's %M, a cross-check of the peak RSS

# The containerd 1.6 CRI test (tests/integration/17-containerd-cri.bats): containerd
# with its CRI plugin and NRI v0.1 client, and gRPC for Python, whose protoc compiles
# the CRI API definition from containerd's Debian source package (xz-utils unpacks
# it). That source needs a deb-src entry: see ensure_deb_src below.
CRI_PKGS="containerd python3-grpcio python3-grpc-tools xz-utils"

# The Docker suites (tests/integration/3[0-4]-docker-*.bats): Debian's docker.io (20.10
# here), whose daemon the tests start themselves on private paths. Installing it must not
# start dockerd: see no_service_start below.
DOCKER_PKGS="docker.io"

# make check-stacks (tests/stacks/): debootstrap makes the Debian 13 and sid roots, zstd
# packs the cached copies.
STACK_PKGS="debootstrap zstd"

PKGS="$BUILD_PKGS $TEST_PKGS $CHECK_PKGS $CRI_PKGS $DOCKER_PKGS $STACK_PKGS"

# Our own deb-src list, written only when no deb-src entry is configured at all.
SRC_LIST_DIR=/etc/apt/sources.list.d
SRC_LIST_NAME=lxcfs-oci-hook-deb-src

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (apt-get install)" >&2
	exit 1
fi

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps.sh: this script knows Debian 12 only" >&2
	exit 1
fi

# Is any deb-src entry enabled, in either format, in the files apt reads?
have_deb_src() {
	for f in /etc/apt/sources.list "$SRC_LIST_DIR"/*.list; do
		[ -r "$f" ] && grep -qE '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
	done
	for f in "$SRC_LIST_DIR"/*.sources; do
		[ -r "$f" ] || continue
		# deb822: a stanza whose Types has deb-src and that is not Enabled: no.
		awk '
			function done() { if (src && !off) found = 1; src = off = 0 }
			/^[[:space:]]*$/ { done(); next }
			/^[Tt]ypes:/ { for (i = 2; i <= NF; i++) if ($i == "deb-src") src = 1 }
			/^[Ee]nabled:[[:space:]]*[Nn]o/ { off = 1 }
			END { done(); exit !found }' "$f" && return 0
	done
	return 1
}

# ensure_deb_src: when no deb-src entry exists, add one in a file of our own, leaving
# the system's files untouched: a deb-src twin of each enabled Debian entry for the
# release itself (same mirror, components and key; "bookworm" but not
# bookworm-updates nor third-party suites, which may have no sources). Returns 0
# when it wrote one (apt-get update is then due), 1 when nothing changed.
ensure_deb_src() {
	have_deb_src && return 1
	# shellcheck disable=SC1091 # the running system's
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || { echo "install-deps.sh: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }
	tmp=$(mktemp)
	# deb822 stanzas (Debian 12's default, debian.sources).
	for f in "$SRC_LIST_DIR"/*.sources; do
		[ -r "$f" ] || continue
		awk -v rel="$codename" '
			function flush() {
				if (n && deb && suite && !off) { for (i = 1; i <= n; i++) print lines[i]; print "" }
				n = deb = suite = off = 0
			}
			/^[[:space:]]*$/ { flush(); next }
			/^[[:space:]]*#/ { next }
			/^[Tt]ypes:/ { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1; lines[++n] = "Types: deb-src"; next }
			/^[Ss]uites:/ { for (i = 2; i <= NF; i++) if ($i == rel) suite = 1; lines[++n] = "Suites: " rel; next }
			/^[Ee]nabled:[[:space:]]*[Nn]o/ { off = 1 }
			{ lines[++n] = $0 }
			END { flush() }' "$f" >>"$tmp"
	done
	dest=$SRC_LIST_NAME.sources
	if [ ! -s "$tmp" ]; then
		# One-line format (sources.list, *.list): "deb [OPTIONS] URI SUITE COMPONENTS".
		for f in /etc/apt/sources.list "$SRC_LIST_DIR"/*.list; do
			[ -r "$f" ] || continue
			awk -v rel="$codename" '$1 == "deb" {
				u = 2; if ($2 ~ /^\[/) { for (s = 2; s <= NF && $s !~ /\]$/; s++) ; u = s + 1 }
				if ($(u + 1) == rel) { sub(/^[[:space:]]*deb/, "deb-src"); print }
			}' "$f" >>"$tmp"
		done
		dest=$SRC_LIST_NAME.list
	fi
	if [ ! -s "$tmp" ]; then
		rm -f "$tmp"
		echo "install-deps.sh: no apt entry for $codename to derive a deb-src entry from" >&2
		exit 1
	fi
	install -m 644 "$tmp" "$SRC_LIST_DIR/$dest"
	rm -f "$tmp"
	echo "install-deps.sh: added a deb-src entry for $codename: $SRC_LIST_DIR/$dest"
	return 0
}

missing=""
for p in $PKGS; do
	# "install ok installed" only: a removed-but-configured package needs installing again.
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing="$missing $p"
	fi
done

export DEBIAN_FRONTEND=noninteractive
update=0
ensure_deb_src && update=1
# The source index is fetched by apt-get update only: a deb-src entry added by
# hand (or by an earlier run whose update failed) may not have one yet.
apt-cache showsrc containerd >/dev/null 2>&1 || update=1
[ -z "$missing" ] || update=1

if [ "$update" = 0 ]; then
	echo "install-deps.sh: all packages already installed"
	exit 0
fi

apt-get update
if ! apt-cache showsrc containerd >/dev/null 2>&1; then
	echo "install-deps.sh: apt knows no containerd source package (deb-src)" >&2
	exit 1
fi
# no_service_start: while packages install, no maintainer script starts a daemon
# (docker.io's would start dockerd and its containerd on the host, where the tests start
# their own): a policy-rc.d that denies every start (exit 101), ours only when none is
# there, removed afterwards. systemd hosts: docker.io's units are enabled but not started
# by deb-systemd-invoke either, which asks the same policy.
POLICY_RC=/usr/sbin/policy-rc.d
own_policy=0
no_service_start() {
	if [ ! -e "$POLICY_RC" ]; then
		printf '#!/bin/sh\n# install-deps.sh (lxcfs-oci-hook): no daemon starts while it installs\nexit 101\n' >"$POLICY_RC"
		chmod 755 "$POLICY_RC"
		own_policy=1
	fi
}
restore_service_start() {
	[ "$own_policy" = 0 ] || rm -f "$POLICY_RC"
}

if [ -n "$missing" ]; then
	echo "install-deps.sh: installing:$missing"
	no_service_start
	trap restore_service_start EXIT
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	apt-get install -y --no-install-recommends $missing
fi
