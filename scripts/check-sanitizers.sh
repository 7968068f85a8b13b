#!/bin/bash
# check-sanitizers.sh - the unit and integration suites again (but the slowest
# end-to-end ones: Makefile.am SANITIZER_SKIP_TESTS), on a build with
# AddressSanitizer and UndefinedBehaviorSanitizer (./configure --enable-sanitizers).
# Any sanitizer report aborts the process that made it, so a test cannot pass over one.
#
# The source tree may already be configured in place (scripts/build.sh does that), and
# autoconf refuses a second, out-of-tree build beside it, so this builds from the
# `make dist` tarball in a temporary directory, as distcheck does. Run as root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/lxcfs-oci-hook-san.XXXXXX)
trap 'rm -rf "$work"' EXIT

cd "$top"
[ -f Makefile ] || "$top/scripts/build.sh"
make -s dist >/dev/null
tarball=$(ls -t lxcfs-oci-hook-*.tar.gz | head -n 1)
tar -C "$work" -xzf "$tarball"
cd "$work"/lxcfs-oci-hook-*/

./configure --enable-sanitizers >/dev/null
make -j"$(nproc)" >/dev/null
# abort_on_error: a report ends the process with SIGABRT, which every test sees as a failure.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Not the slowest end-to-end suites again (Makefile.am SANITIZER_SKIP_TESTS): `make check`
# ran them already, and they reach no code of the hook the others miss.
make check TESTS="$(make -s print-unit-tests) $(make -s print-sanitizer-tests)"
