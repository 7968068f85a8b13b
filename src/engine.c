/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "io.h"
#include "log.h"
#include "util.h"

/* Fixed-size messages, each written in one write() below PIPE_BUF, so they arrive whole. */
enum msg_type { MSG_ATTACHED = 1, MSG_DONE };

struct worker_msg {
	int type;
	int file_id;           /* MSG_ATTACHED */
	int rc;                /* MSG_DONE */
	struct attach_result result;
	struct lxh_error error;
};

_Static_assert(sizeof(struct worker_msg) < PIPE_BUF, "worker messages must be atomic pipe writes");

/* How long the undo child may take: it reads nothing from lxcfs, so this is generous. */
#define UNDO_TIMEOUT_MS 3000

static void send_msg(int fd, const struct worker_msg *m)
{
	ssize_t n;

	do
		n = write(fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
}

static void report_attached(enum lxfile_id id, void *ctx)
{
	struct worker_msg m = { .type = MSG_ATTACHED, .file_id = (int)id };

	send_msg(*(int *)ctx, &m);
}

/* Child side: never returns. */
static void __attribute__((noreturn)) worker_main(const struct attach_request *req, int fd)
{
	struct worker_msg done = { .type = MSG_DONE };

	/* If the hook itself is killed (the runtime's own timeout), the worker must not outlive it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	done.rc = attach_in_worker(req, &done.result, report_attached, &fd, &done.error);
	send_msg(fd, &done);
	_exit(0);
}

static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Wait for messages until MSG_DONE, EOF or the deadline. Returns: 1 done, 0 EOF, -ETIMEDOUT. */
static int collect(int fd, int64_t deadline_ms, lxfile_mask *attached, struct worker_msg *done)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline_ms - now_ms();
		struct worker_msg m;
		ssize_t n;
		int prc;

		if (left <= 0)
			return -ETIMEDOUT;
		prc = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (prc < 0 && errno == EINTR)
			continue;
		if (prc == 0)
			continue;
		n = read(fd, &m, sizeof(m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			return 0;
		if (m.type == MSG_ATTACHED && m.file_id >= 0 && m.file_id < LXF_COUNT)
			*attached |= LXF_BIT(m.file_id);
		else if (m.type == MSG_DONE) {
			*done = m;
			return 1;
		}
	}
}

/* After the worker died mid-way: detach what it said it attached, in a child of its own. */
static void undo_after_worker(const struct attach_request *req, lxfile_mask attached)
{
	int pfd[2];
	pid_t pid;

	if (!attached)
		return;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		plog_error("cannot undo mounts left by the killed worker: pipe");
		return;
	}
	pid = fork();
	if (pid < 0) {
		plog_error("cannot undo mounts left by the killed worker: fork");
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		struct worker_msg done = { .type = MSG_DONE };

		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		done.rc = attach_undo_in_worker(req->mntns_fd, &req->rootfs, attached, req->lxcfs.dev, &done.error);
		send_msg(pfd[1], &done);
		_exit(0);
	}
	close(pfd[1]);
	{
		struct worker_msg done;
		lxfile_mask unused = 0;
		int rc = collect(pfd[0], now_ms() + UNDO_TIMEOUT_MS, &unused, &done);

		if (rc <= 0)
			log_error("undoing the mounts left by the killed worker did not finish");
		else if (done.rc < 0)
			log_error("%s", done.error.msg);
		else
			log_info("undid the mounts the killed worker had made");
	}
	close(pfd[0]);
	kill_and_reap(pid);
}

int engine_attach(const struct attach_request *req, struct attach_result *res, struct lxh_error *err)
{
	struct worker_msg done;
	lxfile_mask attached = 0;
	int pfd[2], rc;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return lxh_error_errno(err, "pipe");
	/* stdio buffers would be written twice (by parent and child) if left unflushed. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return lxh_error_errno(err, "fork");
	}
	if (pid == 0) {
		close(pfd[0]);
		worker_main(req, pfd[1]);
	}
	close(pfd[1]);

	rc = collect(pfd[0], req->deadline_ms, &attached, &done);
	close(pfd[0]);
	kill_and_reap(pid); /* done or not, the worker has nothing more to say */

	if (rc == 1) {
		*res = done.result;
		if (done.rc < 0) {
			*err = done.error;
			return done.rc;
		}
		return 0;
	}
	undo_after_worker(req, attached);
	if (rc == -ETIMEDOUT) {
		res->lxcfs_unavailable = true;
		return lxh_error_set(err, ETIMEDOUT, "lxcfs at %s did not answer before the deadline", req->lxcfs.path);
	}
	return lxh_error_set(err, EIO, "the namespace worker died without a result");
}
