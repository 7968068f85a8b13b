/* SPDX-License-Identifier: Apache-2.0 */
/* hook.h - the OCI hook: state on stdin, decide, mount. */
#ifndef LXH_HOOK_H
#define LXH_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "policy.h"

struct hook_options {
	const char *lxcfs_root;  /* --lxcfs-root, or NULL to find it */
	enum default_mode def;   /* --default */
	bool on_missing_fail;    /* --on-missing fail */
	bool legacy_mount;       /* --mount-api legacy */
	int64_t deadline_ms;     /* start + --timeout, on now_ms()'s clock */
	const char *const *state_roots; /* --state-root: crun state directories, for a bundle of "/" */
	size_t n_state_roots;
};

/**
 * hook_run - read the OCI state from @state_fd and do what it asks.
 * Logs its decisions; the caller prints @err once.
 * Returns: 0 (mounted, nothing to do, or lxcfs missing under --on-missing ignore),
 * or a negative errno: the container must not start.
 */
int hook_run(const struct hook_options *opt, int state_fd, struct lxh_error *err);

#endif
