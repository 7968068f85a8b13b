#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# lxcfs-ds - the three steps of the lxcfs-oci-hook DaemonSet (deploy/kubernetes/README.md).
#
#   lxcfs-ds install-hook   init container, unprivileged: copy the hook binary onto the host
#   lxcfs-ds clear-stale    init container, privileged: detach a dead lxcfs left on the host
#   lxcfs-ds run            the lxcfs container, privileged: check the installed hook runs on
#                           the host, register it (hooks.d JSON), run lxcfs, repair every
#                           running container (remount --adopt), forward signals, clean up
#
# Host paths are the same inside the containers (hostPath volumes mounted at the host's path
# under $HOST_ROOT, except the lxcfs mount point, which is mounted at its own path so that
# the mount lxcfs makes there propagates to the host). Everything done in the host's mount
# namespace goes through `nsenter --target $HOST_PID --mount` (the pod has hostPID).
set -uo pipefail

LXCFS_MOUNT=${LXCFS_MOUNT:-/var/lib/lxcfs}
# A process in the host's mount and cgroup namespaces: the node's init.
HOST_PID=${HOST_PID:-1}
HOST_ROOT=${HOST_ROOT:-/host}
HOST_HOOK_DIR=${HOST_HOOK_DIR:-/usr/libexec/oci/hooks.d}
HOST_JSON_DIR=${HOST_JSON_DIR:-/usr/share/containers/oci/hooks.d}
# lxcfs options: daemonset.yaml sets "--enable-cfs" (CPU limits are CFS quotas); "-l" adds
# loadavg virtualization (deploy/kubernetes/README.md, "The pod, field by field").
LXCFS_ARGS=${LXCFS_ARGS:-}
LXCFS_START_TIMEOUT=${LXCFS_START_TIMEOUT:-30}
REMOUNT_WAIT=${REMOUNT_WAIT:-30}
# Runtime state directories for `remount --adopt` besides /run/runc and /run/crun (which it
# always reads): containerd's runc shim keeps Kubernetes containers in /run/containerd/runc/k8s.io.
# Space-separated; those missing on the host are skipped.
STATE_ROOTS=${STATE_ROOTS:-/run/containerd/runc/k8s.io}
# More remount options, e.g. "--log-level info".
REMOUNT_ARGS=${REMOUNT_ARGS:-}

IMAGE_HOOK=${IMAGE_HOOK:-/usr/libexec/oci/hooks.d/lxcfs-oci-hook}
IMAGE_JSON=${IMAGE_JSON:-/usr/share/lxcfs-oci-hook/lxcfs-oci-hook.json}
NAME=lxcfs-oci-hook

log() { printf 'lxcfs-ds: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

host_ns() { nsenter --target "$HOST_PID" --mount -- "$@"; }

# atomic_install SRC DIR NAME MODE: write DIR/.NAME.new, then rename it over DIR/NAME, so a
# runtime never sees a partial file and a hook already running keeps its old binary.
atomic_install() {
	local tmp="$2/.$3.new"
	if cmp -s "$1" "$2/$3"; then
		log "$2/$3 is up to date"
		return 0
	fi
	rm -f "$tmp"
	if cp "$1" "$tmp" && chmod "$4" "$tmp" && mv -f "$tmp" "$2/$3"; then
		log "installed $2/$3"
		return 0
	fi
	rm -f "$tmp"
	return 1
}

# The fstype of every mount on $1 in the host's mount table, bottom first. mountinfo only:
# stat() on a dead FUSE mount fails with ENOTCONN.
host_mounts_on() {
	awk -v mp="$1" '$5 == mp { for (i = 7; $i != "-"; i++) ; print $(i + 1) }' "/proc/${HOST_PID}/mountinfo"
}

# Does the lxcfs at $1 (in the namespace the command runs in) answer within 5 s?
answers() { timeout 5 head -c1 "$1/proc/meminfo" >/dev/null 2>&1; }

install_hook() {
	local dir=$HOST_ROOT$HOST_HOOK_DIR
	[ -d "$dir" ] || die "$dir is not mounted (hostPath $HOST_HOOK_DIR)"
	atomic_install "$IMAGE_HOOK" "$dir" "$NAME" 0755 || die "cannot install $HOST_HOOK_DIR/$NAME"
}

clear_stale() {
	local types n=0
	[ -r "/proc/${HOST_PID}/mountinfo" ] || die "cannot read /proc/${HOST_PID}/mountinfo: the pod needs hostPID"
	host_ns true || die "cannot enter the host's mount namespace: the container must be privileged"
	host_ns mkdir -p "$LXCFS_MOUNT" 2>/dev/null || true
	types=$(host_mounts_on "$LXCFS_MOUNT")
	[ -n "$types" ] || { log "nothing mounted on $LXCFS_MOUNT"; return 0; }
	if host_ns timeout 5 head -c1 "$LXCFS_MOUNT/proc/meminfo" >/dev/null 2>&1; then
		die "a live lxcfs already serves $LXCFS_MOUNT on this node (lxcfs.service?): stop it, or keep this DaemonSet off the node"
	fi
	# Dead: every layer (a crash may leave several) goes, lazily, so that nothing holding
	# it open blocks the detach. Containers' own binds are remount's business, not ours.
	while [ -n "$(host_mounts_on "$LXCFS_MOUNT")" ] && [ $n -lt 16 ]; do
		host_ns umount -l "$LXCFS_MOUNT" || die "cannot detach the dead mount on $LXCFS_MOUNT"
		n=$((n + 1))
	done
	log "detached $n dead mount(s) ($(tr '\n' ' ' <<<"$types")) from $LXCFS_MOUNT"
}

# The hook runs on the host, with the host's libraries: prove it does before registering it,
# since a registered hook that cannot run fails every annotated container.
check_host_hook() {
	local out
	if out=$(host_ns "$HOST_HOOK_DIR/$NAME" --version 2>&1); then
		log "host runs $HOST_HOOK_DIR/$NAME: $out"
		return 0
	fi
	rm -f "$HOST_ROOT$HOST_JSON_DIR/$NAME.json"
	die "$HOST_HOOK_DIR/$NAME does not run on this host ($out); hook not registered"
}

install_json() {
	local dir=$HOST_ROOT$HOST_JSON_DIR tmp
	[ -d "$dir" ] || die "$dir is not mounted (hostPath $HOST_JSON_DIR)"
	tmp=$(mktemp) || die "mktemp"
	sed -e "s|\"path\": *\"[^\"]*\"|\"path\": \"$HOST_HOOK_DIR/$NAME\"|" "$IMAGE_JSON" >"$tmp" &&
		atomic_install "$tmp" "$dir" "$NAME.json" 0644
	local rc=$?
	rm -f "$tmp"
	[ $rc -eq 0 ] || die "cannot install $HOST_JSON_DIR/$NAME.json"
}

# Unmount what a dead lxcfs left on our mount point (our namespace; the unmount propagates
# to the host), so that the container's next start finds a usable hostPath.
cleanup_mount() {
	local n=0
	while awk -v mp="$LXCFS_MOUNT" '$5 == mp && / - fuse\.lxcfs / { f = 1 } END { exit !f }' \
		/proc/self/mountinfo && [ $n -lt 16 ]; do
		umount -l "$LXCFS_MOUNT" 2>/dev/null || break
		n=$((n + 1))
	done
	[ $n -eq 0 ] || log "detached $n lxcfs mount(s) left on $LXCFS_MOUNT"
}

lxcfs_pid=
stopping=
forward() {
	log "got SIG$1, passing it to lxcfs"
	case $1 in TERM | INT) stopping=1 ;; esac
	[ -n "$lxcfs_pid" ] && kill -s "$1" "$lxcfs_pid" 2>/dev/null
}

run() {
	local cg=() args=() roots=() extra=() rc i

	[ -r "/proc/${HOST_PID}/mountinfo" ] || die "cannot read /proc/${HOST_PID}/mountinfo: the pod needs hostPID"
	check_host_hook
	install_json

	# lxcfs answers for the cgroup of the reading process, which it must see as the host
	# does: join the host's cgroup namespace if the runtime gave us a private one.
	if [ "$(readlink "/proc/${HOST_PID}/ns/cgroup")" != "$(readlink /proc/self/ns/cgroup)" ]; then
		cg=(nsenter "--cgroup=/proc/${HOST_PID}/ns/cgroup" --)
	fi
	# shellcheck disable=SC2206 # LXCFS_ARGS is a list of options
	args=($LXCFS_ARGS)

	trap 'forward TERM' TERM
	trap 'forward INT' INT
	trap 'forward HUP' HUP
	trap 'forward USR1' USR1 # lxcfs reloads its library in place
	mkdir -p /run/lxcfs
	"${cg[@]}" lxcfs --foreground --pidfile=/run/lxcfs/lxcfs.pid "${args[@]}" "$LXCFS_MOUNT" &
	lxcfs_pid=$!
	log "lxcfs started (pid $lxcfs_pid) on $LXCFS_MOUNT"

	for ((i = 0; i < LXCFS_START_TIMEOUT * 5; i++)); do
		kill -0 "$lxcfs_pid" 2>/dev/null || break
		answers "$LXCFS_MOUNT" && break
		sleep 0.2
	done
	if ! answers "$LXCFS_MOUNT"; then
		kill -TERM "$lxcfs_pid" 2>/dev/null
		wait "$lxcfs_pid"
		cleanup_mount
		die "lxcfs did not answer on $LXCFS_MOUNT within ${LXCFS_START_TIMEOUT}s"
	fi
	if ! host_mounts_on "$LXCFS_MOUNT" | grep -qx fuse.lxcfs; then
		kill -TERM "$lxcfs_pid" 2>/dev/null
		wait "$lxcfs_pid"
		cleanup_mount
		die "the lxcfs mount did not reach the host: the volume needs mountPropagation: Bidirectional"
	fi

	# Repair every running container (stale binds from the previous lxcfs) and adopt those
	# started while lxcfs was down, from the host's mount namespace where the runtimes'
	# state and bundles are, with the host's copy of the hook, exactly as the systemd
	# drop-in does. A failure is logged, not fatal: lxcfs serves new containers regardless.
	for i in $STATE_ROOTS; do
		[ -d "/proc/${HOST_PID}/root$i" ] && roots+=(--state-root "$i")
	done
	# shellcheck disable=SC2206 # REMOUNT_ARGS is a list of options
	extra=($REMOUNT_ARGS)
	if host_ns "$HOST_HOOK_DIR/$NAME" remount --wait "$REMOUNT_WAIT" --adopt \
		--lxcfs-root "$LXCFS_MOUNT" "${roots[@]}" "${extra[@]}"; then
		log "remount done"
	else
		log "warning: remount failed (exit $?); running containers may still read a dead lxcfs"
	fi

	# Until lxcfs exits; `wait` returns early when a trapped signal arrives.
	while kill -0 "$lxcfs_pid" 2>/dev/null; do
		wait "$lxcfs_pid"
		rc=$?
	done
	wait "$lxcfs_pid" 2>/dev/null
	rc=${rc:-$?}
	log "lxcfs exited (status $rc)"
	cleanup_mount
	# Asked to stop, and lxcfs is gone with its mount: a clean stop, whatever lxcfs returned.
	[ -n "$stopping" ] && exit 0
	exit "$rc"
}

case ${1:-run} in
install-hook) install_hook ;;
clear-stale) clear_stale ;;
run) run ;;
*)
	echo "usage: lxcfs-ds install-hook|clear-stale|run" >&2
	exit 2
	;;
esac
