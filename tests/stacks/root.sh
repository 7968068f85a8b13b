#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# root.sh SUITE [PACKAGE...] - print the path of a ready Debian SUITE root (trixie,
# sid...) for the stacks of tests/stacks/, making it first when needed.
#
# A root is debootstrap --variant=minbase plus the packages of tests/stacks/packages/*.list
# that apply to SUITE (and any PACKAGE given here), installed without recommends. It
# is keyed by suite, mirror, package list and the recipe below, and cached as
#   $LXH_STACKS_CACHE/SUITE-KEY.tar.zst     the root, as made (what a cold run pays for)
#   $LXH_STACKS_CACHE/roots/SUITE-KEY/       the same, extracted: what this prints
# A missing tarball (or a changed list: a new key) makes the root again; a missing
# extracted copy is extracted again; a warm run downloads nothing.
#
# The extracted root is shared: treat it as read-only. tests/stacks/enter.sh runs a
# command in a throwaway copy of it, in namespaces of its own. Two callers asking at
# once for the same root are safe (one makes it, the other waits on its lock);
# different roots are made in parallel.
#
# Environment:
#   LXH_STACKS_CACHE   cache directory (default /var/cache/lxcfs-oci-hook-tests)
#   LXH_STACKS_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   LXH_STACKS_QUIET=1 no progress on stderr
# Also: root.sh --key SUITE [PACKAGE...] prints the key only; root.sh --packages SUITE
# [PACKAGE...] the package list.
set -euo pipefail

STACKS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${LXH_STACKS_CACHE:-/var/cache/lxcfs-oci-hook-tests}
MIRROR=${LXH_STACKS_MIRROR:-http://deb.debian.org/debian}
# Bump when the way a root is made changes (not its package list, which is keyed).
RECIPE=1
# Roots of a suite unused for this many days are removed when another is made.
PRUNE_DAYS=3

PATH=$PATH:/usr/sbin:/sbin

say() {
	[ "${LXH_STACKS_QUIET:-0}" = 1 ] || printf 'root.sh: %s\n' "$*" >&2
}

die() {
	printf 'root.sh: %s\n' "$*" >&2
	exit 1
}

usage() {
	echo "usage: root.sh [--key|--packages] SUITE [PACKAGE...]" >&2
	exit 2
}

# packages_for SUITE EXTRA...: the sorted package list of SUITE's root.
packages_for() {
	local suite=$1
	shift
	{
		cat "$STACKS_DIR"/packages/*.list | sed 's/#.*//' | awk -v s="$suite" '
			NF == 0 { next }
			NF == 1 { print $1; next }
			{ for (i = 2; i <= NF; i++) if ($i == s) { print $1; next } }'
		printf '%s\n' "$@"
	} | sed '/^$/d' | LC_ALL=C sort -u
}

mode=root
case ${1:-} in
--key) mode=key; shift ;;
--packages) mode=packages; shift ;;
-h | --help) usage ;;
esac
[ $# -ge 1 ] || usage
suite=$1
shift
[[ $suite =~ ^[a-z]+$ ]] || die "bad suite name '$suite'"

pkgs=$(packages_for "$suite" "$@")
mapfile -t pkg_array <<<"$pkgs"
key=$(printf 'recipe=%s\nsuite=%s\nmirror=%s\n%s\n' "$RECIPE" "$suite" "$MIRROR" "$pkgs" |
	sha256sum | cut -c1-16)
case $mode in
key) echo "$key"; exit 0 ;;
packages) echo "$pkgs"; exit 0 ;;
esac

name=$suite-$key
tarball=$CACHE/$name.tar.zst
root=$CACHE/roots/$name

# The fast path, without the lock: an extracted root appears by a rename, whole.
if [ -d "$root" ]; then
	touch "$CACHE/roots/$name.used" 2>/dev/null || true
	echo "$root"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot)"
for c in debootstrap zstd unshare flock; do
	command -v "$c" >/dev/null || die "$c is not installed (scripts/install-deps.sh)"
done
[ -e "/usr/share/debootstrap/scripts/$suite" ] || die "debootstrap knows no suite '$suite'"

mkdir -p "$CACHE/roots" "$CACHE/debs/$suite"
exec 9>"$CACHE/$name.lock"
flock 9
if [ -d "$root" ]; then # made by the caller we waited for
	touch "$CACHE/roots/$name.used"
	echo "$root"
	exit 0
fi

work=$(mktemp -d "$CACHE/build.$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
# mktemp -d makes 0700; a user-namespaced container's root must traverse /.
chmod 755 "$work"
mkdir -m 755 "$work/root"

# make_root DIR: debootstrap, then the packages, in a private mount and PID namespace
# (so neither a mount nor a maintainer script's process can outlive the build or reach
# this machine), with daemons kept from starting.
make_root() {
	local dir=$1 log=$work/build.log extra_releases names
	local t0=$SECONDS
	say "making the $suite root $key (debootstrap and $(wc -l <<<"$pkgs") packages from $MIRROR; log: $log)"
	# Releases named as PACKAGE/RELEASE, added to the sources.
	extra_releases=$(sed -n 's|^[^/]*/||p' <<<"$pkgs" | sort -u)
	# shellcheck disable=SC2016 # expanded by the inner bash
	if ! unshare --mount --pid --fork --kill-child --propagation private \
		bash -euo pipefail -c '
		dir=$1 suite=$2 mirror=$3 debs=$4 releases=$5
		shift 5
		debootstrap --variant=minbase --cache-dir="$debs" "$suite" "$dir" "$mirror"
		# No daemon starts from a maintainer script: there is no init here, and the
		# test suites start what they need themselves.
		printf "#!/bin/sh\nexit 101\n" >"$dir/usr/sbin/policy-rc.d"
		chmod 755 "$dir/usr/sbin/policy-rc.d"
		# sid'\''s Release file may be past its Valid-Until in the archive we reach.
		echo "Acquire::Check-Valid-Until \"false\";" >"$dir/etc/apt/apt.conf.d/99lxh-no-valid-until"
		for r in $releases; do
			echo "deb $mirror $r main" >"$dir/etc/apt/sources.list.d/lxh-$r.list"
			printf "Package: *\nPin: release n=%s\nPin-Priority: 100\n" "$r" >"$dir/etc/apt/preferences.d/lxh-$r"
		done
		mount -t proc proc "$dir/proc"
		mount --bind "$debs" "$dir/var/cache/apt/archives"
		export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
		chroot "$dir" apt-get update -q
		chroot "$dir" apt-get install -q -y --no-install-recommends "$@"
		# Packages taken from another release stay at its version.
		for p in "$@"; do
			case $p in */*) chroot "$dir" apt-mark hold "${p%%/*}" ;; esac
		done
		umount "$dir/var/cache/apt/archives" "$dir/proc"
		' make-root "$dir" "$suite" "$MIRROR" "$CACHE/debs/$suite" "$extra_releases" "${pkg_array[@]}" \
		</dev/null >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "making the $suite root failed (log above)"
	fi
	{
		echo "suite=$suite"
		echo "key=$key"
		echo "made=$(date -u +%FT%TZ)"
		echo "packages=${pkg_array[*]}"
	} >"$dir/etc/lxcfs-oci-hook-stack"
	# The versions that matter, for the record (and the report): every package named,
	# and the compiler and C library build-essential brings.
	names=("${pkg_array[@]%%/*}")
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	chroot "$dir" dpkg-query -W -f '${Package} ${Version}\n' "${names[@]}" gcc libc6 \
		>>"$dir/etc/lxcfs-oci-hook-stack" 2>/dev/null || true
	say "made the $suite root in $((SECONDS - t0)) s"
}

if [ ! -f "$tarball" ]; then
	make_root "$work/root"
	t0=$SECONDS
	tar -C "$work/root" --numeric-owner --xattrs --xattrs-include='*' -cf - . |
		zstd -q -T0 -o "$work/root.tar.zst"
	mv "$work/root.tar.zst" "$tarball"
	say "cached it as $tarball ($(du -h "$tarball" | cut -f1), $((SECONDS - t0)) s)"
else
	t0=$SECONDS
	zstd -q -d -c "$tarball" |
		tar -C "$work/root" --numeric-owner --xattrs --xattrs-include='*' -xpf -
	say "extracted $tarball in $((SECONDS - t0)) s"
fi
chmod 755 "$work/root"
mv -T "$work/root" "$root"
touch "$CACHE/roots/$name.used"

# Other roots of this suite nobody used for PRUNE_DAYS days (older lists, other branches).
for old in "$CACHE/roots/$suite"-*.used; do
	[ -e "$old" ] || continue
	o=${old%.used}
	o=${o##*/}
	[ "$o" != "$name" ] || continue
	[ -n "$(find "$old" -mtime +"$PRUNE_DAYS" 2>/dev/null)" ] || continue
	# Skip one being made or read right now.
	flock -n "$CACHE/$o.lock" rm -rf "$CACHE/roots/$o" "$CACHE/$o.tar.zst" "$old" || continue
	say "removed the unused root $o"
done

echo "$root"
