/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.h - run a function in a forked child under a deadline, streaming
 * fixed-size messages back. Whatever may block on a hung FUSE daemon, and
 * whatever must setns(), runs there: the parent only waits, and kills.
 */
#ifndef LXH_WORKER_H
#define LXH_WORKER_H

#include <stddef.h>
#include <stdint.h>

/* Runs in the child; send messages with worker_send(@fd, ...). Its return value is ignored. */
typedef void (*worker_fn)(void *arg, int fd);
/* Runs in the parent for each message, in order. */
typedef void (*worker_msg_fn)(const void *msg, void *ctx);

/**
 * worker_run - fork, run @fn in the child, deliver its messages of @msg_size bytes
 * (at most PIPE_BUF, so each arrives whole) to @on_msg until the child exits or
 * @deadline_ms (now_ms() clock) passes; then kill and reap it.
 * The child dies with the parent (PR_SET_PDEATHSIG) and ignores SIGPIPE.
 * Returns: 0 when the child ran to its end, -ETIMEDOUT at the deadline,
 * -ECHILD when it died some other way, another negative errno when it could not start.
 */
int worker_run(worker_fn fn, void *arg, size_t msg_size, worker_msg_fn on_msg, void *ctx, int64_t deadline_ms);

/* Send one message from the child. */
void worker_send(int fd, const void *msg, size_t msg_size);

#endif
