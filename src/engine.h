/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.h - run the namespace work in a worker under a deadline (a child that
 * shares the hook's memory: worker_run_shared, and the rules in attach.h).
 * A hung lxcfs blocks any lookup beneath it; only a process that can be
 * killed may touch it, and the caller must never wait on it unbounded.
 */
#ifndef LXH_ENGINE_H
#define LXH_ENGINE_H

#include "attach.h"
#include "error.h"

/**
 * engine_attach - attach_in_worker() in a worker child; the caller waits until
 * req->deadline_ms and then kills it. A result that arrived before is used. Without
 * one, the undo goes by what is there, not by what the worker said: the lxcfs layers
 * in the container's mountinfo that were not there before it started are detached by a
 * second worker, and the mountinfo is read again; all of it within LXH_GRACE_MS.
 * On timeout with the undo confirmed, res->lxcfs_unavailable is set (lxcfs is the only
 * thing that can hang: --on-missing decides). An undo that cannot be confirmed is an
 * error whatever --on-missing says.
 * Returns: 0, or a negative errno with @err filled; nothing stays mounted on failure.
 */
int engine_attach(const struct attach_request *req, struct attach_result *res, struct lxh_error *err);

#endif
