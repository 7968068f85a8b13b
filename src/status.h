/* SPDX-License-Identifier: Apache-2.0 */
/* status.h - report the live lxcfs and every namespace's lxcfs mounts, ok or stale. */
#ifndef LXH_STATUS_H
#define LXH_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "error.h"

/**
 * status_run - print the live lxcfs mount (path, device, daemon pid) and one row per mount
 * namespace with lxcfs mounts (pid, container, ok/stale, files), as a table or one JSON document.
 * Containers are named from the runtimes' state (runtime_list(): the default directories and
 * @state_roots). Whether each lxcfs mount answers is asked in killable workers, all before
 * @deadline_ms (--timeout): a hung lxcfs cannot block it.
 * Returns: 0 when all are ok, 1 when any is stale (or stacked), or a negative errno with @err filled.
 */
int status_run(const char *lxcfs_root, const char *const *state_roots, size_t n_state_roots, bool json,
	       int64_t deadline_ms, struct lxh_error *err);

#endif
