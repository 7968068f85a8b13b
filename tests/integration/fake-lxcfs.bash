# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# fake-lxcfs.bash - start and stop tests/fake-lxcfs, a FUSE filesystem that looks like
# lxcfs (fuse.lxcfs, proc/meminfo with a recognisable MemTotal, proc/cpuinfo, ...,
# sys/devices/system/cpu/online) and can be told to read requests and never answer
# them: its callers then wait in the kernel, where SIGKILL does not reach them.
# `load fake-lxcfs` after `load helpers`: lxh_teardown stops every instance (aborting
# its FUSE connection, which frees whatever is stuck on it) before anything else.
#
#   start_fake_lxcfs [--user USER] [--allow-other] [--memtotal KB] [--wrap CMD...] --
#       Mount one on a new directory. --user: run the daemon as USER (fusermount3;
#       --allow-other then needs user_allow_other in /etc/fuse.conf). --wrap: run it
#       under CMD (say, nsenter into a test's own mount namespace); ends at "--".
#       Exports FAKE_LXCFS_DIR (the mount point), FAKE_LXCFS_PID, FAKE_LXCFS_CONN (the
#       FUSE connection: /sys/fs/fuse/connections/N), FAKE_LXCFS_CONTROL, FAKE_LXCFS_LOG.
#   fake_lxcfs_hang [OPS] [on NAME] [after N]  hold matching requests for ever (OPS:
#                                      lookup, getattr, read, open, statfs, readdir or
#                                      all; default lookup,read; on NAME: only those about
#                                      NAME, e.g. "statfs on meminfo")
#   fake_lxcfs_delay MS [OPS] [after N]  answer them MS ms late
#   fake_lxcfs_answer                  answer everything again (held requests stay held)
#   fake_lxcfs_waiting                 requests its callers wait on now (fusectl)
#   stop_fake_lxcfs [PID DIR CONN]     abort the connection, stop the daemon, unmount
#
# Environment: FAKE_LXCFS_BIN (set by `make check`; default tests/fake-lxcfs of the
# build tree, which `make check` or `make tests/fake-lxcfs` builds).

: "${FAKE_LXCFS_BIN:=$LXH_TOP_DIR/tests/fake-lxcfs}"

require_fake_lxcfs() {
	[ -x "$FAKE_LXCFS_BIN" ] ||
		{ skip_or_fail "FAKE_LXCFS_BIN=$FAKE_LXCFS_BIN is not built (libfuse3-dev, then make check or make tests/fake-lxcfs)"; return 1; }
}

# The mountinfo line of a mount at DIR, as process PID sees it (never touching DIR).
fake_lxcfs_mountinfo() {
	awk -v d="$2" '$5 == d' "/proc/$1/mountinfo" 2>/dev/null | tail -n 1
}

start_fake_lxcfs() {
	local user='' extra=() wrap=() state bin i line majmin
	while [ $# -gt 0 ]; do
		case $1 in
		--user) user=$2; shift ;;
		--allow-other) extra+=(--allow-other) ;;
		--memtotal) extra+=(--memtotal "$2"); shift ;;
		--wrap)
			shift
			while [ $# -gt 0 ] && [ "$1" != -- ]; do
				wrap+=("$1")
				shift
			done
			;;
		--) ;;
		*) fail "start_fake_lxcfs: unknown option $1"; return 1 ;;
		esac
		shift
	done
	require_fake_lxcfs || return 1
	# Outside the bats tree (nothing may rm -rf into a FUSE mount), and traversable by
	# USER: bats' own temporary directories are 0700.
	state=$(mktemp -d "${TMPDIR:-/tmp}/lxh-fake.XXXXXX") || return 1
	chmod 755 "$state"
	mkdir "$state/mnt"
	: >"$state/control"
	: >"$state/log"
	chmod 644 "$state/control"
	bin=$FAKE_LXCFS_BIN
	if [ -n "$user" ]; then
		# The build tree may not be reachable for USER: run a copy.
		cp "$FAKE_LXCFS_BIN" "$state/fake-lxcfs" && chmod 755 "$state/fake-lxcfs" || return 1
		bin=$state/fake-lxcfs
		chown "$user" "$state/mnt" "$state/log" || return 1
		wrap+=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
	fi
	# fd 3 closed: bats waits for every holder of it.
	"${wrap[@]}" "$bin" --control "$state/control" --log "$state/log" "${extra[@]}" "$state/mnt" \
		>>"$state/daemon.err" 2>&1 3>&- &
	FAKE_LXCFS_PID=$!
	echo "$FAKE_LXCFS_PID $state" >>"$BATS_TEST_TMPDIR/fake-lxcfs-instances"
	for ((i = 0; i < 100; i++)); do
		line=$(fake_lxcfs_mountinfo "$FAKE_LXCFS_PID" "$state/mnt")
		[ -n "$line" ] && break
		kill -0 "$FAKE_LXCFS_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$line" ]; then
		cat "$state/daemon.err" >&2
		fail "fake-lxcfs did not mount $state/mnt within 10 s"
		return 1
	fi
	# The connection's name in fusectl is the kernel's dev_t of the mount: (major << 20) | minor.
	majmin=$(awk '{ print $3 }' <<<"$line")
	FAKE_LXCFS_CONN=$(((${majmin%%:*} << 20) | ${majmin##*:}))
	echo "$FAKE_LXCFS_CONN" >"$state/conn"
	export FAKE_LXCFS_DIR=$state/mnt FAKE_LXCFS_PID FAKE_LXCFS_CONN
	export FAKE_LXCFS_CONTROL=$state/control FAKE_LXCFS_LOG=$state/log
}

# The control file is re-read when it changes: write a new one and rename it in, so the
# daemon never reads half a line.
fake_lxcfs_control() {
	printf '%s\n' "$*" >"$FAKE_LXCFS_CONTROL.new" && chmod 644 "$FAKE_LXCFS_CONTROL.new" &&
		mv -f "$FAKE_LXCFS_CONTROL.new" "$FAKE_LXCFS_CONTROL"
}
fake_lxcfs_hang() { fake_lxcfs_control hang "$@"; }
fake_lxcfs_delay() { fake_lxcfs_control delay "$@"; }
fake_lxcfs_answer() { fake_lxcfs_control answer; }

# fusectl (/sys/fs/fuse/connections) in a private mount namespace: this host may not
# have it mounted, and a test must not mount it for everyone.
lxh_fusectl() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m --propagation private sh -c '
		grep -q " /sys/fs/fuse/connections .* fusectl " /proc/self/mountinfo ||
			mount -t fusectl fusectl /sys/fs/fuse/connections || exit 1
		"$@"' sh "$@"
}

# fake_lxcfs_waiting [CONN]: how many requests of the connection are waiting for an answer.
fake_lxcfs_waiting() {
	lxh_fusectl cat "/sys/fs/fuse/connections/${1:-$FAKE_LXCFS_CONN}/waiting" 2>/dev/null || echo 0
}

# stop_fake_lxcfs [PID STATE_DIR]: free every caller stuck on the connection (abort),
# stop the daemon, unmount and remove its directory.
stop_fake_lxcfs() {
	local pid=${1:-$FAKE_LXCFS_PID} state=${2:-${FAKE_LXCFS_DIR%/mnt}} conn i rc=0
	conn=$(cat "$state/conn" 2>/dev/null || true)
	if [ -n "$conn" ]; then
		# Callers waiting on a held request end now, with ECONNABORTED.
		# shellcheck disable=SC2016 # expanded by the inner sh
		lxh_fusectl sh -c '[ ! -e "$1" ] || echo 1 >"$1"' sh "/sys/fs/fuse/connections/$conn/abort" ||
			{ echo "cannot abort FUSE connection $conn" >&2; rc=1; }
	fi
	if ! lxh_pid_gone "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			lxh_pid_gone "$pid" && break
			sleep 0.1
		done
		lxh_pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if lxh_mounted_at "$state/mnt"; then
		umount -l "$state/mnt" 2>/dev/null || { echo "cannot unmount $state/mnt" >&2; rc=1; }
	fi
	rm -rf --one-file-system "$state" 2>/dev/null ||
		{ echo "cannot remove $state" >&2; rc=1; }
	return $rc
}

# Every instance this test started; called by lxh_teardown first, even when the test failed.
fake_lxcfs_teardown() {
	local pid state rc=0
	[ -f "$BATS_TEST_TMPDIR/fake-lxcfs-instances" ] || return 0
	while read -r pid state; do
		if [ -s "$state/log" ] && [ -z "${BATS_TEST_COMPLETED:-}" ]; then
			echo "# ---- fake-lxcfs $state (last requests)"
			tail -n 20 "$state/log" | sed 's/^/# /'
		fi
		stop_fake_lxcfs "$pid" "$state" || rc=1
	done < <(tac "$BATS_TEST_TMPDIR/fake-lxcfs-instances")
	rm -f "$BATS_TEST_TMPDIR/fake-lxcfs-instances"
	return $rc
}
