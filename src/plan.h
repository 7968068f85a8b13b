/* SPDX-License-Identifier: Apache-2.0 */
/* plan.h - the list of (lxcfs source, container target) to mount. Pure. */
#ifndef LXH_PLAN_H
#define LXH_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct plan_entry {
	const struct lxfile *file;
	bool required; /* named in lxcfsFiles: absent in lxcfs or in the container is an error */
};

struct plan {
	struct plan_entry entries[LXF_COUNT];
	size_t n;
	lxfile_mask left_to_spec; /* left out: the spec mounts on, over or beneath it */
};

/**
 * plan_build - from a decision and config.json's mount destinations (cleaned),
 * list what to mount, in the lxfiles[] order. A file is left to the spec when a
 * destination equals its target, is an ancestor of it below /proc or /sys, or
 * (for a directory) lies beneath it. The cpu directory covers cpu/online.
 */
void plan_build(const struct policy_decision *d, char *const *mount_dests, size_t n_mounts, struct plan *out);

#endif
