/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.h - run a function in a child process under a deadline, streaming
 * fixed-size messages back: a forked child, or one that shares the caller's memory. Whatever may block on a hung FUSE daemon, and
 * whatever must setns(), runs there: the parent only waits, and kills.
 *
 * A FUSE request that lxcfs has read and never answers holds its caller in the
 * kernel uninterruptibly: SIGKILL takes effect only when the request ends. So the
 * parent never waits for a child without a bound: it kills it, waits WORKER_REAP_MS
 * at most, and then abandons it (the kill stays pending: the worker makes no further
 * system call once its stuck one returns). A worker holds none of the caller's
 * stdio: stdin and stdout are closed to it, stderr is a pipe the parent reads,
 * so a runtime waiting for the hook's stdout and stderr to close is not held by it.
 * A worker never logs for itself: log_msg writes its lines to that pipe and the
 * parent logs them (stderr, the log file, syslog), from outside any container.
 */
#ifndef LXH_WORKER_H
#define LXH_WORKER_H

#include <stddef.h>
#include <stdint.h>

/*
 * The grace after --timeout: killing a stuck worker, undoing what it left and exiting
 * all fit in it, so every command ends by --timeout plus LXH_GRACE_MS.
 */
#define LXH_GRACE_MS 1000
/* How long a killed worker is waited for before it is abandoned. */
#define WORKER_REAP_MS 200

/* Runs in the child; send messages with worker_send(@fd, ...). Its return value is ignored. */
typedef void (*worker_fn)(void *arg, int fd);
/* Runs in the parent for each message, in order. */
typedef void (*worker_msg_fn)(const void *msg, void *ctx);

/**
 * worker_run - fork, run @fn in the child, deliver its messages of @msg_size bytes
 * (at most PIPE_BUF, so each arrives whole) to @on_msg until the child exits or
 * @deadline_ms (now_ms() clock) passes; then SIGKILL it and reap it, waiting at most
 * WORKER_REAP_MS (a worker still stuck then is abandoned, and the log says so).
 * Nothing is started when @deadline_ms has already passed.
 * The child dies with the parent (PR_SET_PDEATHSIG) and ignores SIGPIPE.
 * Returns: 0 when the child ran to its end, -ETIMEDOUT at the deadline,
 * -ECHILD when it died some other way, another negative errno when it could not start.
 */
int worker_run(worker_fn fn, void *arg, size_t msg_size, worker_msg_fn on_msg, void *ctx, int64_t deadline_ms);

/* Runs in the parent for each message, in order; returns the deadline for the rest of the run. */
typedef int64_t (*worker_msg_until_fn)(const void *msg, void *ctx);

/**
 * worker_run_until - worker_run whose deadline moves: @deadline_ms bounds the wait for
 * the first message, and each message's @on_msg returns the bound after it. A worker
 * whose first step may hang on a daemon that answers at once when it is alive gets a
 * short bound for that step and the command's for its work, in one child.
 */
int worker_run_until(worker_fn fn, void *arg, size_t msg_size, worker_msg_until_fn on_msg, void *ctx,
		     int64_t deadline_ms);

/**
 * worker_run_shared - worker_run with a child that shares this process's memory (clone with
 * CLONE_VM, on a stack of its own, not CLONE_FS so that it may setns): nothing of the address
 * space is copied, where a fork costs a process creation (1.7 ms of an annotated start here).
 * The same deadline, kill and abandonment. Falls back to fork under valgrind and ASan, and
 * when clone or the stack's mmap fails.
 * For a caller that does nothing while the child runs, since errno, the heap and stdio are
 * shared with it: @on_msg may only copy the message, and @fn must not allocate, write to
 * memory it shares with the parent, or take a lock (a worker killed at the deadline would
 * leave it held). Its log lines wait in their pipe, and the parent logs them once it is gone
 * (a forked worker's, as they come).
 */
int worker_run_shared(worker_fn fn, void *arg, size_t msg_size, worker_msg_fn on_msg, void *ctx, int64_t deadline_ms);

/* Send one message from the child. */
void worker_send(int fd, const void *msg, size_t msg_size);

#endif
