#!/bin/bash
# build.sh - configure and build in the source tree (idempotent). Extra arguments go to configure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ] || [ $# -gt 0 ] || [ configure -nt config.status ]; then
	./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var "$@"
fi
make -j"$(nproc)"
