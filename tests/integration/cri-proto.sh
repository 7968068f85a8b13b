#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# cri-proto.sh - Python stubs of the CRI v1 API for tests/integration/cri-client.py.
#
#   cri-proto.sh        prints the directory holding api_pb2.py and api_pb2_grpc.py
#
# The API definition comes from Debian's golang-k8s-cri-api-dev when installed,
# else from Debian's containerd source package
# (vendor/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto, the one containerd is
# built with), fetched with `apt-get source --download-only` (a deb-src entry is
# needed: scripts/install-deps.sh adds one). Its gogoproto import and options
# only tune Go code generation: they are dropped, and protoc from
# python3-grpc-tools compiles the rest. Nothing generated is kept in the source
# tree: the stubs are cached under ${TMPDIR:-/tmp}/lxcfs-oci-hook-tests/, one
# directory per containerd source version, published with a rename so that
# concurrent runs never see half of one.
#
# Exit status 0 with the directory on stdout; 1 with the reason on stderr.
set -euo pipefail

# The interpreter with Debian's grpc modules (a python3 earlier in PATH may be
# another one); -E -s: no PYTHON* variables, no user site-packages.
PYTHON=(/usr/bin/python3 -E -s)
CACHE_DIR="${TMPDIR:-/tmp}/lxcfs-oci-hook-tests"
PROTO_PATH=vendor/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto

die() {
	echo "cri-proto.sh: $*" >&2
	exit 1
}

# Debian's Go package of the CRI API (golang-k8s-cri-api-dev, called
# golang-github-kubernetes-cri-api-dev up to Debian 13), when installed: the
# definition the release's containerd is built against, with nothing to fetch.
# The stacks install it (tests/stacks/packages/containerd.list).
installed_proto() {
	local pkg p
	for pkg in golang-k8s-cri-api-dev golang-github-kubernetes-cri-api-dev; do
		p=$(dpkg-query -L "$pkg" 2>/dev/null | grep -m1 "/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto$") || continue
		[ -f "$p" ] && { echo "$pkg $(dpkg-query -W -f='${Version}' "$pkg") $p"; return 0; }
	done
	return 1
}

if read -r pkg version proto < <(installed_proto); then
	final="$CACHE_DIR/cri-v1-python-$pkg-${version//[^A-Za-z0-9.+-]/_}"
else
	proto=
	# The version of the installed containerd's source; its stubs are cached under it.
	version=$(dpkg-query -W -f='${source:Version}' containerd 2>/dev/null) ||
		die "containerd is not installed (scripts/install-deps.sh)"
	[ -n "$version" ] || die "containerd is not installed (scripts/install-deps.sh)"
	final="$CACHE_DIR/cri-v1-python-${version//[^A-Za-z0-9.+-]/_}"
fi

if [ -f "$final/api_pb2.py" ] && [ -f "$final/api_pb2_grpc.py" ]; then
	echo "$final"
	exit 0
fi

mkdir -p "$CACHE_DIR"
tmp=$(mktemp -d "$CACHE_DIR/cri-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# apt-get drops root to _apt for downloads where it can: let it in.
chmod 755 "$tmp"

mkdir "$tmp/src"
if [ -n "$proto" ]; then
	mkdir -p "$tmp/src/$(dirname "$PROTO_PATH")"
	cp "$proto" "$tmp/src/$PROTO_PATH"
else
	# The installed version's source if apt still offers it, else the newest one
	# (the CRI v1 API only grows, and the client uses its oldest calls).
	log="$tmp/apt-get.log"
	if ! (cd "$tmp" && apt-get source --download-only "containerd=$version") >"$log" 2>&1 &&
		! (cd "$tmp" && apt-get source --download-only containerd) >>"$log" 2>&1; then
		cat "$log" >&2
		die "apt-get source containerd failed: is there a deb-src entry? (scripts/install-deps.sh adds one)"
	fi

	# Only api.proto is needed: take it from the upstream tarball directly.
	shopt -s nullglob
	orig=("$tmp"/containerd_*.orig.tar.*)
	[ ${#orig[@]} -eq 1 ] || die "expected one containerd_*.orig.tar.* from apt-get source, found ${#orig[@]}"
	tar -xf "${orig[0]}" -C "$tmp/src" --wildcards --strip-components=1 "*/$PROTO_PATH" ||
		die "no $PROTO_PATH in ${orig[0]##*/}"
fi

mkdir "$tmp/out"
# debug_redact (a field option since protobuf 22, in the CRI API of Kubernetes 1.29+,
# which sid's containerd 2.x is built against) only hides values from debug output;
# older protoc, such as the one in python3-grpc-tools, rejects it: dropped.
sed -e '/^import "github.com\/gogo\/protobuf\/gogoproto\/gogo.proto";/d' \
	-e '/^option (gogoproto\.[a-z_]*) = /d' \
	-e 's/ *\[debug_redact *= *true\]//' "$tmp/src/$PROTO_PATH" >"$tmp/out/api.proto"
if grep -n gogo "$tmp/out/api.proto" >&2; then
	die "api.proto uses gogoproto in more places than its file options (lines above)"
fi
(cd "$tmp/out" && "${PYTHON[@]}" -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. api.proto) ||
	die "${PYTHON[*]} -m grpc_tools.protoc failed (python3-grpc-tools)"
"${PYTHON[@]}" -c 'import sys; sys.path.insert(0, sys.argv[1]); import api_pb2, api_pb2_grpc' "$tmp/out" ||
	die "the generated stubs do not import (python3-grpcio)"

if ! mv -T "$tmp/out" "$final" 2>/dev/null; then
	# Another run published the same version first.
	[ -f "$final/api_pb2_grpc.py" ] || die "cannot publish $final"
fi
# Stubs of an older containerd are of no further use.
for d in "$CACHE_DIR"/cri-v1-python-*; do
	[ "$d" = "$final" ] || rm -rf "$d"
done
echo "$final"
