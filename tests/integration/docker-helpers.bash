# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # output, status: set by bats' run
#
# docker-helpers.bash - for tests/integration/3[0-4]-docker-*.bats (issue 13): a private
# Docker daemon, the original request's lxcfs at /var/lib/lxc/lxcfs, and a busybox image.
# Loaded after helpers.bash.
#
# The daemon is the distribution's (Debian 12: docker.io 20.10; Debian 13 in the trixie
# stack: 26.1), called by path: this machine also carries a newer `docker` client in
# /usr/local/bin that shadows Debian's. Set LXH_DOCKER / LXH_DOCKERD to try others.
#
# Nothing of it reaches the host:
# - dockerd runs in a private mount namespace of its own (unshare -m, propagation
#   private). There /run is a fresh tmpfs (containerd's shim sockets, /run/docker) and
#   /var/lib/lxc a fresh tmpfs holding the lxcfs mount point of the request,
#   /var/lib/lxc/lxcfs. The test's lxcfs runs in that namespace too, so the request's
#   `-v /var/lib/lxc/lxcfs/proc/meminfo:/proc/meminfo` binds find it, and so do status
#   and remount, run there with nsenter (on a real host all of this is one namespace).
# - Its config file, data root, exec root, socket and pidfile are under $DK_DIR (a new
#   mktemp -d); the exec root is also bound at Docker's default, /run/docker, inside the
#   namespace, so that `status` finds the runc state there without --state-root.
# - No network set-up: --iptables=false --ip6tables=false --bridge=none (containers get
#   --network none).
# - Every process it starts (dockerd, its containerd, the shims, the containers) lives
#   in one cgroup subtree of its own, $DK_CGROUP (dockerd's --cgroup-parent, and the
#   daemon itself in $DK_CGROUP/daemon): cleanup kills whatever is left there, even
#   after a failure, then removes the subtree.

: "${LXH_DOCKER:=/usr/bin/docker}"
: "${LXH_DOCKERD:=/usr/sbin/dockerd}"
# Seconds for dockerd to answer after its start, and for one docker command.
: "${DK_START_TIMEOUT:=60}"
: "${DK_CALL_TIMEOUT:=120}"
DK_IMAGE=lxh-busybox:latest
# The original request's lxcfs mount point, and its six files.
DK_LXCFS=/var/lib/lxc/lxcfs
DK_SEED_FILES="uptime swaps stat diskstats meminfo cpuinfo"

# ---- prerequisites ----------------------------------------------------------

docker_require() {
	require_cmd unshare nsenter tar lxcfs jq || return 1
	[ -x "$LXH_DOCKER" ] && [ -x "$LXH_DOCKERD" ] ||
		{ skip_or_fail "$LXH_DOCKER or $LXH_DOCKERD is missing (Debian's docker.io: scripts/install-deps.sh)"; return 1; }
}

# docker_version: the daemon's version (e.g. 20.10.24+dfsg1), from dockerd --version.
docker_version() {
	"$LXH_DOCKERD" --version | sed -nE 's/^Docker version ([^ ,]+).*/\1/p'
}

# docker_major: the major version as a number (20, 26...).
docker_major() {
	docker_version | cut -d. -f1
}

# ---- cgroups ----------------------------------------------------------------

# docker_cg_root: one hierarchy holding every process (cgroup v2, else v1's pids or
# name=systemd), where the daemon is put and where cleanup looks for what is left.
docker_cg_root() {
	local d
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
		return 0
	fi
	for d in /sys/fs/cgroup/pids /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
		[ -f "$d/cgroup.procs" ] && { echo "$d"; return 0; }
	done
	return 1
}

# docker_cg_procs: every process left in $DK_CGROUP, in every hierarchy.
docker_cg_procs() {
	local h
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[ -d "$h/$DK_CGROUP" ] || continue
		find "$h/$DK_CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null
	done | sort -un
}

# ---- the daemon -------------------------------------------------------------

# dk [ARGS...]: the Docker client of the daemon under test, bounded in time.
dk() {
	timeout -k 5 "$DK_CALL_TIMEOUT" "$LXH_DOCKER" "$@" </dev/null 3>&-
}

# in_dk_ns CMD...: CMD in the daemon's mount namespace (where lxcfs and /run/docker are).
in_dk_ns() {
	nsenter -t "$DK_PID" -m -- "$@"
}

# docker_start [DAEMON_JSON]: start dockerd with DAEMON_JSON (default {}) as its
# config file. Exports DOCKER_HOST and DOCKER_CONFIG for the client; sets DK_DIR,
# DK_PID, DK_EXEC (the exec root), DK_CGROUP.
docker_start() {
	local conf=${1:-'{}'} cgroot i
	DK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lxh-docker.XXXXXX") || return 1
	chmod 755 "$DK_DIR"
	echo "$DK_DIR" >"$BATS_TEST_TMPDIR/docker-dir"
	DK_EXEC=$DK_DIR/exec
	mkdir -p "$DK_DIR/data" "$DK_EXEC" "$DK_DIR/client" || return 1
	jq . <<<"$conf" >"$DK_DIR/daemon.json" || { fail "docker_start: invalid daemon.json: $conf"; return 1; }
	cgroot=$(docker_cg_root) || { fail "no cgroup hierarchy to put dockerd in"; return 1; }
	DK_CGROUP=$(basename "$DK_DIR")
	mkdir -p "$cgroot/$DK_CGROUP/daemon" || return 1
	# The mount points of the namespace's tmpfs: /var/lib/lxc is created on the host
	# when missing (an empty directory, removed at the end), never mounted there.
	if [ ! -d /var/lib/lxc ]; then
		mkdir -p /var/lib/lxc && touch "$BATS_TEST_TMPDIR/docker-made-var-lib-lxc"
	fi
	export DOCKER_HOST=unix://$DK_DIR/docker.sock DOCKER_CONFIG=$DK_DIR/client
	# unshare without --fork and bash's exec: DK_PID is dockerd's pid.
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare -m --propagation private bash -c '
		set -e
		echo $$ >"$1/cgroup.procs"
		mount -t tmpfs -o mode=755 lxh-docker-run /run
		mkdir -m 1777 /run/lock
		mkdir /run/docker
		mount --bind "$2" /run/docker
		mount -t tmpfs -o mode=755 lxh-docker-lxc /var/lib/lxc
		mkdir /var/lib/lxc/lxcfs
		shift 2
		exec "$@"' dockerd-ns "$cgroot/$DK_CGROUP/daemon" "$DK_EXEC" \
		"$LXH_DOCKERD" --config-file "$DK_DIR/daemon.json" --data-root "$DK_DIR/data" \
		--exec-root "$DK_EXEC" -H "$DOCKER_HOST" --pidfile "$DK_DIR/dockerd.pid" \
		--cgroup-parent "/$DK_CGROUP" --exec-opt native.cgroupdriver=cgroupfs \
		--iptables=false --ip6tables=false --bridge=none \
		</dev/null >"$DK_DIR/dockerd.log" 2>&1 3>&- &
	DK_PID=$!
	echo "$DK_PID" >"$BATS_TEST_TMPDIR/docker-pid"
	for ((i = 0; i < DK_START_TIMEOUT * 5; i++)); do
		kill -0 "$DK_PID" 2>/dev/null || break
		timeout 5 "$LXH_DOCKER" version >/dev/null 2>&1 </dev/null 3>&- && return 0
		sleep 0.2
	done
	tail -n 30 "$DK_DIR/dockerd.log" >&2
	fail "dockerd did not answer on $DOCKER_HOST within $DK_START_TIMEOUT s"
}

# docker_import_image: image $DK_IMAGE (`docker import`, no registry): the busybox rootfs
# plus this machine's procps `free` and the libraries it loads, in /usr/bin, ahead of
# busybox's in Docker's default PATH. busybox's free takes the total from sysinfo(2),
# which no lxcfs can change; procps's reads /proc/meminfo, as in the request's images.
docker_import_image() {
	local img=$DK_DIR/image free lib
	free=$(command -v free) || { fail "free (procps) is not installed"; return 1; }
	"$free" --version 2>&1 | grep -q procps || { fail "$free is not procps's free"; return 1; }
	cp -a "$LXH_ROOTFS" "$img" || return 1
	mkdir -p "$img/usr/bin" && cp -L "$free" "$img/usr/bin/free" || return 1
	# "lib => /path (addr)" and "/lib64/ld-linux... (addr)": every absolute path.
	for lib in $(ldd "$free" | grep -oE '/[^ ]+'); do
		cp -L --parents "$lib" "$img" || return 1
	done
	chroot "$img" /usr/bin/free --version >/dev/null || { fail "procps free does not run in the image"; return 1; }
	tar -C "$img" -c . | timeout -k 5 "$DK_CALL_TIMEOUT" "$LXH_DOCKER" import - "$DK_IMAGE" >/dev/null 3>&-
}

# ---- lxcfs at the request's path, in the daemon's namespace ------------------

# dk_lxcfs_start: lxcfs on /var/lib/lxc/lxcfs in the daemon's namespace. Sets DK_LXCFS_PID.
dk_lxcfs_start() {
	local i log=$BATS_TEST_TMPDIR/lxcfs.docker.log
	in_dk_ns mountpoint -q "$DK_LXCFS" && { fail "$DK_LXCFS is already a mount point"; return 1; }
	# nsenter without --fork execs lxcfs: $! is lxcfs itself. fd 3 closed: bats waits for it.
	nsenter -t "$DK_PID" -m -- lxcfs -f -p "$BATS_TEST_TMPDIR/lxcfs.docker.pid" "$DK_LXCFS" \
		</dev/null >>"$log" 2>&1 3>&- &
	DK_LXCFS_PID=$!
	echo "$DK_LXCFS_PID" >>"$BATS_TEST_TMPDIR/docker-lxcfs-pids"
	for ((i = 0; i < 100; i++)); do
		in_dk_ns mountpoint -q "$DK_LXCFS" && return 0
		kill -0 "$DK_LXCFS_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log" >&2
	fail "lxcfs did not mount $DK_LXCFS within 10 s"
}

# dk_lxcfs_crash: lxcfs dies as in a crash (SIGKILL); its mount is left dead, then
# detached as systemd's ExecStopPost / a new lxcfs's start-up would.
dk_lxcfs_crash() {
	local i
	kill -KILL "$DK_LXCFS_PID" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		lxh_pid_gone "$DK_LXCFS_PID" && break
		sleep 0.1
	done
	wait "$DK_LXCFS_PID" 2>/dev/null || true
	in_dk_ns umount -l "$DK_LXCFS"
}

# dk_lxcfs_restart: crash and start again at the same path (a new device).
dk_lxcfs_restart() {
	dk_lxcfs_crash && dk_lxcfs_start
}

# dk_lxcfs_dev: the device of the live lxcfs at the request's path.
dk_lxcfs_dev() {
	in_dk_ns awk -v d="$DK_LXCFS" '$5 == d { for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == "fuse.lxcfs") print $3 }' /proc/self/mountinfo | tail -n 1
}

# ---- status and remount, where lxcfs is --------------------------------------

# dk_hook CMD [ARGS...]: lxcfs-oci-hook CMD in the daemon's namespace, no --lxcfs-root:
# the default lookup finds the request's /var/lib/lxc/lxcfs.
dk_hook() {
	local cmd=$1
	shift
	timeout -k 5 120 nsenter -t "$DK_PID" -m -- "$HOOK_BIN" "$cmd" --log-level "$LXH_HOOK_LOG_LEVEL" "$@" \
		</dev/null 3>&-
}

# ---- containers ---------------------------------------------------------------

# dk_pid NAME: the host pid of the container's init.
dk_pid() {
	local p
	p=$(dk inspect --format '{{.State.Pid}}' "$1") || return 1
	[ -n "$p" ] && [ "$p" != 0 ] || { fail "container $1 is not running"; return 1; }
	echo "$p"
}

dk_id() {
	dk inspect --format '{{.Id}}' "$1"
}

# dk_seed_binds: the request's six -v options, in its order.
dk_seed_binds() {
	local f
	for f in $DK_SEED_FILES; do
		printf -- '-v\n%s/proc/%s:/proc/%s\n' "$DK_LXCFS" "$f" "$f"
	done
}

# dk_memtotal NAME: MemTotal (kB) as the container reads it.
dk_memtotal() {
	# shellcheck disable=SC2016 # awk's
	dk exec "$1" awk '/^MemTotal:/ { print $2 }' /proc/meminfo
}

# dk_assert_layers PID FILE...: each /proc/FILE is exactly one fuse.lxcfs mount in PID's
# namespace, from the live lxcfs (its device), and those are all its lxcfs mounts.
dk_assert_layers() {
	local pid=$1 dev f n want got rc=0
	shift
	dev=$(dk_lxcfs_dev)
	[ -n "$dev" ] || { fail "no lxcfs at $DK_LXCFS"; return 1; }
	for f in "$@"; do
		n=$(lxcfs_entries "/proc/$pid/mountinfo" |
			awk -v p="/proc/$f" -v d="$dev" '$3 == p && $1 == d && $2 == p' | wc -l)
		[ "$n" -eq 1 ] || { echo "/proc/$f: $n mounts of the live lxcfs ($dev), expected 1" >&2; rc=1; }
	done
	want=$(printf '/proc/%s\n' "$@" | sort)
	got=$(container_lxcfs_mounts "$pid")
	[ "$want" = "$got" ] || { echo "lxcfs mounts of pid $pid:" >&2; diff <(echo "$want") <(echo "$got") >&2; rc=1; }
	[ "$rc" -eq 0 ] || lxcfs_entries "/proc/$pid/mountinfo" >&2
	return $rc
}

# ---- setup and teardown ---------------------------------------------------------

docker_setup() {
	require_root || return 1
	require_cmd runc mountpoint timeout chroot || return 1
	docker_require || return 1
	require_hook || return 1
	lxh_prepare_rootfs || return 1
	: >"$BATS_TEST_TMPDIR/containers"
	host_snapshot
}

# docker_stop: remove every container, stop dockerd (TERM, then KILL), kill whatever is
# left in its cgroup subtree (containerd, shims, containers), stop lxcfs, remove the
# private tree. Safe to call twice and after any failure.
docker_stop() {
	local rc=0 pid i p cg h
	[ -f "$BATS_TEST_TMPDIR/docker-dir" ] || return 0
	DK_DIR=$(cat "$BATS_TEST_TMPDIR/docker-dir")
	DK_CGROUP=$(basename "$DK_DIR")
	export DOCKER_HOST=unix://$DK_DIR/docker.sock DOCKER_CONFIG=$DK_DIR/client
	pid=$(cat "$BATS_TEST_TMPDIR/docker-pid" 2>/dev/null || true)
	if [ -n "$pid" ] && ! lxh_pid_gone "$pid"; then
		# shellcheck disable=SC2046 # one id a word
		timeout -k 5 60 "$LXH_DOCKER" rm -f $(timeout 30 "$LXH_DOCKER" ps -aq </dev/null 3>&-) \
			</dev/null >/dev/null 2>&1 3>&- || true
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			lxh_pid_gone "$pid" && break
			sleep 0.1
		done
		lxh_pid_gone "$pid" || { echo "dockerd $pid ignored SIGTERM: killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; }
		wait "$pid" 2>/dev/null || true
	fi
	# dockerd stops its containerd on SIGTERM; after a KILL, or a hang, it may not have.
	for ((i = 0; i < 50; i++)); do
		p=$(docker_cg_procs)
		[ -z "$p" ] && break
		# shellcheck disable=SC2086 # one pid a word
		[ "$i" -lt 20 ] || kill -KILL $p 2>/dev/null || true
		sleep 0.1
	done
	p=$(docker_cg_procs)
	[ -z "$p" ] || { echo "processes left in $DK_CGROUP: $p" >&2; rc=1; }
	if [ -f "$BATS_TEST_TMPDIR/docker-lxcfs-pids" ]; then
		while read -r p; do
			lxh_pid_gone "$p" && continue
			kill -TERM "$p" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				lxh_pid_gone "$p" && break
				sleep 0.1
			done
			lxh_pid_gone "$p" || kill -KILL "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/docker-lxcfs-pids"
		rm -f "$BATS_TEST_TMPDIR/docker-lxcfs-pids"
	fi
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		cg=$h/$DK_CGROUP
		[ -d "$cg" ] || continue
		for ((i = 0; i < 50; i++)); do
			find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
			[ -d "$cg" ] || break
			sleep 0.1
		done
		[ ! -d "$cg" ] || { echo "cannot remove cgroup $cg" >&2; rc=1; }
	done
	# The namespace died with its last process: nothing is mounted under DK_DIR any more.
	if awk -v t="$DK_DIR/" 'index($5, t) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		echo "mounts left under $DK_DIR" >&2
		rc=1
	else
		rm -rf --one-file-system "$DK_DIR" || rc=1
	fi
	if [ -f "$BATS_TEST_TMPDIR/docker-made-var-lib-lxc" ]; then
		rmdir /var/lib/lxc 2>/dev/null || true
		rm -f "$BATS_TEST_TMPDIR/docker-made-var-lib-lxc"
	fi
	rm -f "$BATS_TEST_TMPDIR/docker-dir" "$BATS_TEST_TMPDIR/docker-pid"
	return $rc
}

docker_dump_logs() {
	local f
	for f in "${DK_DIR:-/nonexistent}/dockerd.log" "$BATS_TEST_TMPDIR"/lxcfs.docker.log; do
		[ -s "$f" ] || continue
		echo "# ---- $(basename "$f") (last 40 lines)"
		tail -n 40 "$f" | sed 's/^/# /'
	done
}

docker_teardown() {
	local rc=0
	[ -n "${BATS_TEST_COMPLETED:-}" ] || docker_dump_logs
	docker_stop || rc=1
	lxh_teardown || rc=1
	return $rc
}
