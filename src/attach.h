/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attach.h - where a mount is made and where it is undone. attach_in_worker()
 * runs in the forked namespace worker (engine.c owns the process and the deadline).
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
	int mntns_fd;       /* the container's pinned mount namespace */
	struct rootfs_hint rootfs; /* where its root is, before or after pivot_root */
	bool legacy;        /* classic bind through /proc/self/fd (no open_tree/move_mount) */
	int64_t deadline_ms;
};

struct attach_result {
	lxfile_mask mounted;   /* attached by this run, verified, still mounted */
	lxfile_mask present;   /* already the live lxcfs file: nothing to do */
	lxfile_mask absent;    /* default-set file that lxcfs does not serve or the container lacks */
	lxfile_mask occupied;  /* something else is mounted there: left alone */
	bool lxcfs_unavailable; /* lxcfs not answering: --on-missing decides */
};

/* Called after each attach, before verification, so the parent can undo it if the worker dies. */
typedef void (*attach_progress_fn)(enum lxfile_id id, void *ctx);

/**
 * attach_in_worker - open and clone the lxcfs sources in the host namespace, setns() into the
 * container's, resolve each target safely, attach read-only, verify. On failure, undoes every
 * mount this call made before returning. Returns: 0, or a negative errno with @err filled.
 */
int attach_in_worker(const struct attach_request *req, struct attach_result *res, attach_progress_fn progress,
		     void *ctx, struct lxh_error *err);

/**
 * attach_undo_in_worker - detach lxcfs mounts of @files on their targets (what a killed worker left).
 * Only a mount of the lxcfs device @lxcfs_dev is detached; nothing under it is read.
 * Returns: 0, or a negative errno with @err filled.
 */
int attach_undo_in_worker(int mntns_fd, const struct rootfs_hint *rootfs, lxfile_mask files, dev_t lxcfs_dev,
			  struct lxh_error *err);

#endif
