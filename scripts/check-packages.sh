#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# check-packages.sh - build the RPM and the Debian package the way a packager would,
# and check that each installs what `make install` installs:
#
#   /usr/libexec/oci/hooks.d/lxcfs-oci-hook                       the binary
#   /usr/sbin/lxcfs-oci-hook                                      a link to it
#   /usr/share/containers/oci/hooks.d/lxcfs-oci-hook.json         naming the binary's path
#   /usr/lib/systemd/system/lxcfs.service.d/lxcfs-oci-hook.conf   running the sbin link
#   /usr/share/man/man8/lxcfs-oci-hook.8[.gz]                     the manual
#   /usr/bin/lxcfs-oci-runtime                                    the runtime wrapper (Docker)
#   /usr/share/man/man8/lxcfs-oci-runtime.8[.gz]                  its manual
#
#   scripts/check-packages.sh [--tarball FILE] [--keep]
#
# 1. The tarball: FILE, or `make dist` run in a temporary copy of this checkout (the
#    files git tracks plus untracked ones it does not ignore, as a clean clone would
#    have them once committed; nothing in the checkout itself is touched).
# 2. `rpmbuild -ta` on it (contrib/lxcfs-oci-hook.spec, read from the tarball).
# 3. `dpkg-buildpackage -us -uc -b` in the unpacked tarball (its debian/).
# 4. `rpm -qlp` and `dpkg-deb -c` list each package; the paths above are asserted in
#    both, and the packages are unpacked to check the link target and that the JSON and
#    the drop-in name the packaged paths.
#
# About rpmbuild on Debian: rpmbuild checks the spec's BuildRequires against the rpm
# database, which on Debian is empty (dpkg owns every installed file), so every one of
# them would be reported missing. On such a host this script checks each BuildRequires
# itself, against what provides it here (`pkgconfig(X) >= V` through pkg-config, a
# plain name as a command on PATH), fails if any is not met, and only then runs
# rpmbuild with --nodeps. On an RPM-based host (non-empty rpm database) rpmbuild checks
# them itself and --nodeps is not used.
#
# Everything is built under one temporary directory, removed at the end (--keep keeps
# it and says where). The build logs stay there; a failed build prints the end of its
# log. Prints one "ok"/"not ok" line per check and automake-style "# PASS:"/"# FAIL:"
# totals; exits 1 if any check failed, 2 on a usage error.
#
# Needs: git (without --tarball), autoconf, automake, libtool, pkg-config, the build
# libraries, rpm (rpmbuild, rpm2archive), dpkg-dev and debhelper. scripts/install-deps.sh
# installs all of them on Debian 12.
# shellcheck disable=SC2317 # the check helpers and the EXIT trap are called indirectly
set -uo pipefail

PKG=lxcfs-oci-hook
BIN=/usr/libexec/oci/hooks.d/$PKG
LINK=/usr/sbin/$PKG
JSON=/usr/share/containers/oci/hooks.d/$PKG.json
DROPIN=/usr/lib/systemd/system/lxcfs.service.d/$PKG.conf
MAN=/usr/share/man/man8/$PKG.8
RUNTIME=/usr/bin/lxcfs-oci-runtime
RUNTIME_MAN=/usr/share/man/man8/lxcfs-oci-runtime.8

me=check-packages.sh
top=$(cd "$(dirname "$0")/.." && pwd)
tarball=""
keep=0

usage() { sed -n '/^#   scripts/s/^#   //p' "$0"; }

while [ $# -gt 0 ]; do
	case $1 in
	--tarball) [ $# -ge 2 ] || { usage >&2; exit 2; }; tarball=$(realpath -- "$2"); shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$me: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done

# A make that runs this script must not leak its flags into the package builds.
unset MAKEFLAGS MFLAGS MAKELEVEL

work=$(mktemp -d "${TMPDIR:-/tmp}/$PKG-packages.XXXXXX") || exit 1
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "$me: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0
pass=0
fail=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION COMMAND...: one assertion
	local what=$1; shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
show_log() { # the end of a failed step's log
	echo "# last lines of $1 (removed at exit unless --keep):"
	tail -n 40 "$1" | sed 's/^/#   /'
}
finish() {
	echo "# TOTAL: $n"
	echo "# PASS: $pass"
	echo "# FAIL: $fail"
	if [ "$fail" = 0 ]; then
		echo "$me: all $n checks passed"
		exit 0
	fi
	echo "$me: $fail of $n checks FAILED" >&2
	exit 1
}
die() { # a step the rest depends on failed: count it and stop
	notok "$1"
	[ -z "${2:-}" ] || show_log "$2"
	finish
}

need=(rpmbuild rpm rpm2archive dpkg-buildpackage dpkg-deb dpkg-parsechangelog dh tar)
[ -n "$tarball" ] || need+=(git autoreconf make)
missing=""
for t in "${need[@]}"; do command -v "$t" >/dev/null 2>&1 || missing="$missing $t"; done
[ -z "$missing" ] || die "tools present (missing:$missing; scripts/install-deps.sh installs them)"

# ---- 1. the tarball ---------------------------------------------------------
if [ -z "$tarball" ]; then
	git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
		die "$top is a git checkout (or pass --tarball FILE)"
	mkdir -p "$work/dist"
	# Tracked and untracked-but-not-ignored files that exist (a deletion not yet
	# committed is honoured), copied with their modes and links.
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done | tar --null --no-recursion -T - -cf -) | tar -xf - -C "$work/dist" ||
		die "copy the checkout to $work/dist"
	echo "# make dist in $work/dist"
	(cd "$work/dist" && autoreconf -fi && ./configure --prefix=/usr && make dist) \
		>"$work/dist.log" 2>&1 || die "make dist" "$work/dist.log"
	for f in "$work"/dist/"$PKG"-*.tar.gz; do [ -e "$f" ] && tarball=$f; done
	[ -n "$tarball" ] || die "make dist wrote $PKG-VERSION.tar.gz" "$work/dist.log"
fi
[ -r "$tarball" ] || die "tarball $tarball is readable"
base=$(basename "$tarball")
version=${base#"$PKG"-}
version=${version%.tar.*}
ok "tarball $base"

contents=$(tar -tf "$tarball") || die "tar -tf $base"
dist_ok=1
for f in contrib/$PKG.spec debian/changelog debian/control debian/copyright debian/docs \
	debian/postinst debian/postrm debian/rules debian/source/format; do
	if ! grep -qx "$PKG-$version/$f" <<<"$contents"; then
		echo "# $base lacks $f: Makefile.am's EXTRA_DIST must list it" >&2
		dist_ok=0
	fi
done
[ "$dist_ok" = 1 ] || die "$base carries the spec and debian/"
ok "$base carries contrib/$PKG.spec and debian/"

# The three version numbers must agree, or rpmbuild looks for another tarball and
# dpkg-buildpackage names the package after a version that is not the one built.
mkdir -p "$work/meta"
tar -xf "$tarball" -C "$work/meta" "$PKG-$version/contrib/$PKG.spec" "$PKG-$version/debian/changelog" ||
	die "extract the spec and debian/changelog from $base"
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$work/meta/$PKG-$version/contrib/$PKG.spec" | head -n 1)
deb_version=$(dpkg-parsechangelog -l "$work/meta/$PKG-$version/debian/changelog" -S Version)
deb_upstream=${deb_version#*:}
deb_upstream=${deb_upstream%-*}
check "spec Version ($spec_version) is the tarball's ($version)" [ "$spec_version" = "$version" ]
check "debian/changelog's upstream version ($deb_version) is the tarball's ($version)" \
	[ "$deb_upstream" = "$version" ]

# ---- 2. rpmbuild -ta --------------------------------------------------------
nodeps=()
if [ -z "$(rpm -qa 2>/dev/null | head -n 1)" ]; then
	# Not an RPM-based host: check the BuildRequires here (see the top of this file).
	unmet=""
	while read -r name op ver; do
		case $name in
		pkgconfig\(*\))
			mod=${name#pkgconfig(}; mod=${mod%)}
			if [ "$op" = ">=" ]; then
				pkg-config --atleast-version="$ver" "$mod" 2>/dev/null || unmet="$unmet $name$op$ver"
			else
				pkg-config --exists "$mod" 2>/dev/null || unmet="$unmet $name"
			fi ;;
		pkgconfig) command -v pkg-config >/dev/null 2>&1 || unmet="$unmet $name" ;;
		*) command -v "$name" >/dev/null 2>&1 || unmet="$unmet $name" ;;
		esac
	done < <(sed -n 's/^BuildRequires:[[:space:]]*//p' "$work/meta/$PKG-$version/contrib/$PKG.spec" |
		tr ',' ' ' | awk '{
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^[<>=]+$/) { print $(i - 1), $i, $(i + 1); i++; continue }
				if (i == NF || $(i + 1) !~ /^[<>=]+$/) print $i
			}}')
	if [ -n "$unmet" ]; then
		die "spec BuildRequires met on this non-RPM host (unmet:$unmet)"
	fi
	ok "spec BuildRequires met on this non-RPM host (checked here; rpmbuild gets --nodeps)"
	nodeps=(--nodeps)
fi

echo "# rpmbuild -ta ${nodeps[*]} $base"
mkdir -p "$work/rpm/tmp"
rpmbuild -ta "${nodeps[@]}" \
	--define "_topdir $work/rpm" --define "_tmppath $work/rpm/tmp" \
	"$tarball" >"$work/rpm.log" 2>&1
rpm_rc=$?
rpmfile=""
for f in "$work"/rpm/RPMS/*/"$PKG"-*.rpm; do
	[ -e "$f" ] || continue
	[ "$(rpm -qp --qf '%{NAME}' "$f" 2>/dev/null)" = "$PKG" ] && rpmfile=$f
done
if [ "$rpm_rc" = 0 ] && [ -n "$rpmfile" ]; then
	ok "rpmbuild -ta built $(basename "$rpmfile")"
else
	notok "rpmbuild -ta (exit $rpm_rc)"
	show_log "$work/rpm.log"
fi

# ---- 3. dpkg-buildpackage -us -uc -b ----------------------------------------
echo "# dpkg-buildpackage -us -uc -b in the unpacked $base"
mkdir -p "$work/deb"
debfile=""
if tar -xf "$tarball" -C "$work/deb"; then
	# The orig tarball beside the tree, as for any 3.0 (quilt) package.
	cp "$tarball" "$work/deb/${PKG}_$version.orig.tar.${base##*.tar.}"
	(cd "$work/deb/$PKG-$version" &&
		DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc -b) \
		>"$work/deb.log" 2>&1
	deb_rc=$?
	f="$work/deb/${PKG}_${deb_version#*:}_$(dpkg --print-architecture).deb"
	[ -e "$f" ] && debfile=$f
else
	deb_rc=$?
fi
if [ "$deb_rc" = 0 ] && [ -n "$debfile" ]; then
	ok "dpkg-buildpackage built $(basename "$debfile")"
else
	notok "dpkg-buildpackage -us -uc -b (exit $deb_rc)"
	show_log "$work/deb.log"
fi

# ---- 4. what the packages hold ----------------------------------------------
# in_list LIST PATH: PATH is a line of LIST (one absolute path a line).
in_list() { grep -qxF -- "$2" "$1"; }
# the_man LIST [MAN]: the manual's path in LIST, compressed or not.
the_man() { local m=${2:-$MAN}; grep -E "^${m//./\\.}(\\.(gz|bz2|xz|zst))?\$" "$1" | head -n 1; }
# runtime_names_hook ROOT: the wrapper's default hook is the packaged binary.
runtime_names_hook() { grep -aqF -- "$BIN" "$1$RUNTIME"; }
# is_exec ROOT PATH: a regular executable file.
is_exec() { [ -f "$1$2" ] && [ ! -L "$1$2" ] && [ -x "$1$2" ]; }
# link_to ROOT LINK TARGET: LINK is a symlink that resolves to TARGET inside ROOT.
link_to() {
	local t
	[ -L "$1$2" ] || return 1
	t=$(readlink -- "$1$2")
	case $t in /*) t=$1$t ;; *) t=$1$(dirname "$2")/$t ;; esac
	[ "$(realpath -m -- "$t")" = "$(realpath -m -- "$1$3")" ]
}
# json_names ROOT: the hooks.d JSON's hook.path is the packaged binary.
json_names() {
	local path
	if command -v jq >/dev/null 2>&1; then
		path=$(jq -r '.hook.path' "$1$JSON" 2>/dev/null)
	else
		path=$(sed -n 's/.*"path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$1$JSON" | head -n 1)
	fi
	[ "$path" = "$BIN" ]
}
# dropin_runs ROOT: the drop-in's ExecStartPost runs the packaged sbin link.
dropin_runs() { grep -Eq "^ExecStartPost=-?${LINK}[[:space:]]+remount( |\$)" "$1$DROPIN"; }

assert_package() { # KIND FILE LIST ROOT
	local kind=$1 file=$2 list=$3 root=$4 man
	echo "# $kind: files in $(basename "$file"):"
	sed 's/^/#   /' "$list"
	check "$kind: $BIN is in the package" in_list "$list" "$BIN"
	check "$kind: $BIN is an executable file" is_exec "$root" "$BIN"
	check "$kind: $LINK is in the package" in_list "$list" "$LINK"
	check "$kind: $LINK is a link to $BIN" link_to "$root" "$LINK" "$BIN"
	check "$kind: $JSON is in the package" in_list "$list" "$JSON"
	check "$kind: $JSON names $BIN" json_names "$root"
	check "$kind: $DROPIN is in the package" in_list "$list" "$DROPIN"
	check "$kind: $DROPIN runs $LINK remount" dropin_runs "$root"
	man=$(the_man "$list")
	check "$kind: the man page ${man:-${MAN}[.gz]} is in the package" [ -n "$man" ]
	check "$kind: $RUNTIME is in the package" in_list "$list" "$RUNTIME"
	check "$kind: $RUNTIME is an executable file" is_exec "$root" "$RUNTIME"
	check "$kind: $RUNTIME brings $BIN by default" runtime_names_hook "$root"
	man=$(the_man "$list" "$RUNTIME_MAN")
	check "$kind: the man page ${man:-${RUNTIME_MAN}[.gz]} is in the package" [ -n "$man" ]
}

if [ -n "$rpmfile" ]; then
	mkdir -p "$work/rpm-root"
	if rpm -qlp "$rpmfile" >"$work/rpm.files" 2>"$work/rpm-list.log" &&
		rpm2archive - <"$rpmfile" | tar -xzf - -C "$work/rpm-root"; then
		assert_package rpm "$rpmfile" "$work/rpm.files" "$work/rpm-root"
		echo "# rpm: $(rpm -qp --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}' "$rpmfile") requires:" \
			"$(rpm -qpR "$rpmfile" 2>/dev/null | grep -v '^rpmlib(' | tr '\n' ' ')"
		echo "# rpm: recommends: $(rpm -qp --recommends "$rpmfile" 2>/dev/null | tr '\n' ' ')"
	else
		notok "rpm: list and unpack $(basename "$rpmfile")"
		show_log "$work/rpm-list.log"
	fi
fi

if [ -n "$debfile" ]; then
	mkdir -p "$work/deb-root"
	# dpkg-deb -c prints tar -tv lines ("./usr/sbin/x -> target"): keep the path.
	if dpkg-deb -c "$debfile" >"$work/deb.contents" 2>"$work/deb-list.log" &&
		dpkg-deb -x "$debfile" "$work/deb-root" 2>>"$work/deb-list.log"; then
		awk '{ p = $6; for (i = 7; i <= NF && $i != "->"; i++) p = p " " $i; sub(/^\./, "", p);
			sub(/\/$/, "", p); if (p != "") print p }' "$work/deb.contents" >"$work/deb.files"
		assert_package deb "$debfile" "$work/deb.files" "$work/deb-root"
		echo "# deb: $(dpkg-deb -f "$debfile" Package Version Depends Recommends | tr '\n' ' ')"
	else
		notok "deb: list and unpack $(basename "$debfile")"
		show_log "$work/deb-list.log"
	fi
fi

finish
