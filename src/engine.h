/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.h - run the namespace work in a forked worker under a deadline.
 * A hung lxcfs blocks any lookup beneath it; only a process that can be
 * killed may touch it, and the caller must never wait on it unbounded.
 */
#ifndef LXH_ENGINE_H
#define LXH_ENGINE_H

#include "attach.h"
#include "error.h"

/**
 * engine_attach - attach_in_worker() in a forked child; the caller waits until
 * req->deadline_ms and then kills it. If the child dies or is killed after
 * attaching anything, a second short-lived child detaches what it reported.
 * On timeout res->lxcfs_unavailable is set (lxcfs is the only thing that can hang).
 * Returns: 0, or a negative errno with @err filled; nothing stays mounted on failure.
 */
int engine_attach(const struct attach_request *req, struct attach_result *res, struct lxh_error *err);

#endif
