/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inject.h - mount the planned lxcfs files into one container: find lxcfs, pin the
 * process, run the engine, apply --on-missing. The common tail of the hook,
 * NRI invoke and remount --adopt, which differ only in how they learn the request.
 */
#ifndef LXH_INJECT_H
#define LXH_INJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

struct inject_request {
	pid_t pid;               /* the container's process as the host sees it */
	const char *rootfs;      /* its rootfs path (before pivot_root), or NULL: use /proc/PID/root */
	bool status_pivoted;     /* the runtime's status says pivot_root is done */
	const struct plan *plan;
	const char *reason;      /* why it is enabled, for the log */
	const char *lxcfs_root;  /* --lxcfs-root, or NULL */
	bool on_missing_fail;    /* --on-missing fail */
	bool legacy_mount;       /* --mount-api legacy */
	int64_t deadline_ms;
	/* When set (NRI): @pid must be in this container's cgroup, checked once it is pinned. */
	const char *expect_id;
	const char *expect_cgroups_path;
};

/**
 * inject_lxcfs - do it. lxcfs missing or not answering is a warning and success
 * unless @r->on_missing_fail. Nothing stays mounted when it fails.
 * @mounted: set to what was mounted (may be NULL).
 * Returns: 0, or a negative errno with @err filled.
 */
int inject_lxcfs(const struct inject_request *r, lxfile_mask *mounted, struct lxh_error *err);

/* "/proc/meminfo,/proc/uptime" (or "none") into @buf. */
void lxfile_mask_describe(lxfile_mask m, char *buf, size_t size);

#endif
