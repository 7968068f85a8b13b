#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# base-image.sh [SUITE] - print the path of a tarball of a Debian SUITE root (default
# bookworm) made with `debootstrap --variant=minbase`, making and caching it first when
# needed. It is the base image of deploy/kubernetes/Containerfile without a registry:
#
#   podman import "$(tests/kube/base-image.sh)" localhost/debian:bookworm
#   podman build --network host --build-arg BASE=localhost/debian:bookworm ...
#
# bookworm because the hook binary the image ships runs on the nodes, with their C library:
# built against Debian 12's glibc (2.36) it runs on Debian 12 and anything newer.
#
# Cached as $LXH_STACKS_CACHE/base-SUITE-KEY.tar (KEY: suite, mirror, recipe), beside the
# stack roots of tests/stacks/root.sh, whose cache, mirror and .deb cache it shares.
set -euo pipefail

CACHE=${LXH_STACKS_CACHE:-/var/cache/lxcfs-oci-hook-tests}
MIRROR=${LXH_STACKS_MIRROR:-http://deb.debian.org/debian}
RECIPE=1
PATH=$PATH:/usr/sbin:/sbin

die() {
	printf 'base-image.sh: %s\n' "$*" >&2
	exit 1
}

suite=${1:-bookworm}
[[ $suite =~ ^[a-z]+$ ]] || die "bad suite name '$suite'"
key=$(printf 'recipe=%s\nsuite=%s\nmirror=%s\n' "$RECIPE" "$suite" "$MIRROR" | sha256sum | cut -c1-16)
tarball=$CACHE/base-$suite-$key.tar
if [ -f "$tarball" ]; then
	echo "$tarball"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root (debootstrap)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/install-deps.sh)"
mkdir -p "$CACHE/debs/$suite"
exec 9>"$CACHE/base-$suite-$key.lock"
flock 9
if [ -f "$tarball" ]; then # made by the caller we waited for
	echo "$tarball"
	exit 0
fi
work=$(mktemp -d "$CACHE/build.base-$suite.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
t0=$SECONDS
printf 'base-image.sh: debootstrap --variant=minbase %s (log: %s)\n' "$suite" "$work/build.log" >&2
# In a private mount and PID namespace: nothing debootstrap mounts or starts outlives it.
if ! unshare --mount --pid --fork --kill-child --propagation private \
	debootstrap --variant=minbase --cache-dir="$CACHE/debs/$suite" "$suite" "$work/root" "$MIRROR" \
	</dev/null >"$work/build.log" 2>&1; then
	tail -n 30 "$work/build.log" >&2
	die "debootstrap $suite failed (log above)"
fi
# An image has no use for the .debs debootstrap leaves behind, nor for apt lists.
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*_Packages
tar -C "$work/root" --numeric-owner --xattrs --xattrs-include='*' -cf "$work/base.tar" .
mv "$work/base.tar" "$tarball"
printf 'base-image.sh: made %s (%s) in %d s\n' "$tarball" "$(du -h "$tarball" | cut -f1)" $((SECONDS - t0)) >&2
echo "$tarball"
