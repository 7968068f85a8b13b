#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# build-image.sh BASE_TARBALL TAG [APT_CACHE_DIR] - build the DaemonSet image of
# deploy/kubernetes/Containerfile with no image registry: the base image is imported from a
# tarball of a Debian root (tests/kube/base-image.sh makes one with debootstrap), and the
# build reaches the Debian archive over the host's network for apt.
#
#   podman import BASE_TARBALL localhost/lxcfs-oci-hook-base:TAG's-tag
#   podman build --network host --build-arg BASE=that -f deploy/kubernetes/Containerfile -t TAG .
#
# APT_CACHE_DIR (optional) is mounted on /var/cache/apt/archives for the build's RUN steps,
# so a second build downloads nothing; without it a throwaway directory is: either way the
# .debs never land in the image (a debootstrapped root keeps them, unlike Docker Hub's
# debian images).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() {
	printf 'build-image.sh: %s\n' "$*" >&2
	exit 1
}

[ $# -ge 2 ] || die "usage: build-image.sh BASE_TARBALL TAG [APT_CACHE_DIR]"
tarball=$1 tag=$2 cache=${3:-}
[ -f "$tarball" ] || die "$tarball: no such file"
base=localhost/lxcfs-oci-hook-base:${tag##*:}

tmp=
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
if [ -z "$cache" ]; then
	tmp=$(mktemp -d)
	cache=$tmp
fi
mkdir -p "$cache"

podman import --quiet "$tarball" "$base" >/dev/null || die "podman import $tarball failed"
podman build --network host --build-arg "BASE=$base" \
	--volume "$cache:/var/cache/apt/archives" \
	-f "$top/deploy/kubernetes/Containerfile" -t "$tag" "$top"
