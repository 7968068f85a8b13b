/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attach.h - where a mount is made and where it is undone. attach_in_worker()
 * and attach_undo_in_worker() run in the hook's namespace worker (engine.c owns the
 * process and the deadline), a child that shares the hook's memory (worker_run_shared):
 * code they reach allocates nothing, takes no lock, writes only to its own stack and logs
 * only through log_*; a worker killed at the deadline must leave the parent nothing half
 * done (docs/security.md, "A worker that shares the hook's memory").
 */
#ifndef LXH_ATTACH_H
#define LXH_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "lxcfs.h"
#include "plan.h"
#include "target.h"

struct attach_request {
	const struct plan *plan;
	struct lxcfs_mount lxcfs;
	pid_t pid;          /* the pinned container process: its mountinfo says what is mounted */
	int mntns_fd;       /* the container's pinned mount namespace */
	struct rootfs_hint rootfs; /* where its root is, before or after pivot_root */
	bool legacy;        /* classic bind through /proc/self/fd (no open_tree/move_mount) */
	int64_t deadline_ms; /* --timeout: the worker is killed then; the undo fits in LXH_GRACE_MS after */
};

struct attach_result {
	lxfile_mask mounted;   /* attached by this run, verified, still mounted */
	lxfile_mask present;   /* already the live lxcfs file: nothing to do */
	lxfile_mask absent;    /* default-set file that lxcfs does not serve or the container lacks */
	lxfile_mask occupied;  /* something else is mounted there: left alone */
	bool lxcfs_unavailable; /* lxcfs not answering: --on-missing decides */
};

/**
 * attach_in_worker - open and clone the lxcfs sources in the host namespace, setns() into the
 * container's, resolve each target safely, attach read-only, verify. On failure, undoes every
 * mount this call made before returning. Returns: 0, or a negative errno with @err filled.
 */
int attach_in_worker(const struct attach_request *req, struct attach_result *res, struct lxh_error *err);

/**
 * attach_undo_in_worker - after a worker was killed: on each target of @files, detach the top
 * mount while its mount id is one of @ids (the lxcfs layers that were not there before the
 * worker started: engine.c compares the namespace's mountinfo before and after). Asks lxcfs
 * nothing (statx with AT_STATX_DONT_SYNC, umount2 by name beneath the procfs/sysfs parent);
 * still, it runs in a worker under the deadline.
 * Returns: 0, or a negative errno with @err filled (-ENOSYS: the kernel gives no mount ids).
 */
int attach_undo_in_worker(int mntns_fd, const struct rootfs_hint *rootfs, lxfile_mask files, const int *ids,
			  size_t n_ids, struct lxh_error *err);


/* ---- repair of running containers (remount) ---- */

struct ns_lxcfs_view;

struct repair_request {
	pid_t pid;                         /* a process of the namespace, as the host sees it */
	ino_t ns_ino;                      /* the namespace that was scanned: the pid must still be in it */
	const struct ns_lxcfs_view *view;  /* what its mountinfo showed */
	const struct lxcfs_mount *lxcfs;   /* the live lxcfs */
	const int *source_fds;             /* repair_sources_open(): one O_PATH fd per file, -1 when not served */
	int host_ns_fd;                    /* the caller's own mount namespace, to come back to */
};

struct repair_result {
	lxfile_mask repaired;   /* now exactly one live, read-only lxcfs mount */
	unsigned detached;      /* layers detached (stale or stacked) */
	lxfile_mask beneath;    /* replaced without a gap: fresh clone slid under the stale layer */
	lxfile_mask detach_first; /* replaced the old way: the genuine file showed between detach and attach */
};

/**
 * repair_in_namespace - for each target of @req->view that has a stale or stacked lxcfs
 * layer: clone the live file in the host namespace, setns() into the container's, detach
 * the lxcfs layers but the last, slide the clone under the last (MOVE_MOUNT_BENEATH) and
 * detach it, or where the kernel lacks or refuses that, detach it and attach the clone;
 * verify; then setns() back.
 * Targets are resolved from the process's own root, with the hook's checks.
 * Must run in a single-threaded process under a deadline (a worker).
 * Returns: 0, or a negative errno with @err naming the first target that failed.
 */
int repair_in_namespace(const struct repair_request *req, struct repair_result *res, struct lxh_error *err);

/**
 * repair_sources_open - open each of @files beneath the live lxcfs once, for every namespace
 * a remount repairs (only the clones are per namespace). Touches lxcfs: call it in a worker.
 * Returns: 0 with @fds filled (-1 for files not asked for or not served), or a negative errno with
 * @err filled (lxcfs not answering; fds opened so far stay in @fds for the caller to close).
 */
int repair_sources_open(const struct lxcfs_mount *m, int lxcfs_root, lxfile_mask files, int fds[LXF_COUNT],
			struct lxh_error *err);

#endif
