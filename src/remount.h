/* SPDX-License-Identifier: Apache-2.0 */
/* remount.h - heal every running container after lxcfs restarts. */
#ifndef LXH_REMOUNT_H
#define LXH_REMOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct remount_options {
	const char *lxcfs_root;   /* --lxcfs-root, or NULL */
	int wait_s;               /* --wait: seconds to wait for a live lxcfs */
	const pid_t *pids;        /* --pid: only these processes' namespaces */
	size_t n_pids;
	bool adopt;               /* --adopt: annotated containers without lxcfs mounts get them */
	bool dry_run;             /* --dry-run: report, change nothing */
	const char *const *state_roots; /* --state-root: more runtime state directories */
	size_t n_state_roots;
	int timeout_s;            /* --timeout, for messages */
	int64_t deadline_ms;      /* start + --wait + --timeout: one deadline for the whole run (now_ms() clock) */
	bool legacy_mount;        /* --mount-api legacy (adoption only works pivoted: it refuses) */
	bool detach_first;        /* --repair-order detach-first: never MOVE_MOUNT_BENEATH (the old, gapped way) */
};

/**
 * remount_run - find stale or stacked lxcfs mounts in every mount namespace and replace each
 * with one fresh read-only clone of the live lxcfs file. Prints one summary line on stdout and
 * one error line per failure. Returns: 0 when everything needing repair was repaired, 1 when
 * anything failed, or a negative errno with @err filled (no live lxcfs: nothing was touched).
 */
int remount_run(const struct remount_options *opt, struct lxh_error *err);


#endif
