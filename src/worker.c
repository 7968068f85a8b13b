/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "util.h"
#include "worker.h"

void worker_send(int fd, const void *msg, size_t msg_size)
{
	ssize_t n;

	do
		n = write(fd, msg, msg_size);
	while (n < 0 && errno == EINTR);
}

static int reap(pid_t pid, bool kill_first)
{
	int status = 0;

	if (kill_first)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -ECHILD;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

int worker_run(worker_fn fn, void *arg, size_t msg_size, worker_msg_fn on_msg, void *ctx, int64_t deadline_ms)
{
	cleanup_free char *buf = NULL;
	int pfd[2];
	pid_t pid;

	if (msg_size == 0 || msg_size > PIPE_BUF)
		return -EINVAL;
	buf = malloc(msg_size);
	if (!buf)
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL); /* unflushed stdio would be written twice */
	pid = fork();
	if (pid < 0) {
		int rc = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	if (pid == 0) {
		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		fn(arg, pfd[1]);
		_exit(0);
	}
	close(pfd[1]);

	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int64_t left = deadline_ms - now_ms();
		ssize_t n;
		int prc;

		if (left <= 0) {
			close(pfd[0]);
			reap(pid, true);
			return -ETIMEDOUT;
		}
		prc = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (prc <= 0)
			continue; /* EINTR or a slice of the wait ended */
		n = read(pfd[0], buf, msg_size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == (ssize_t)msg_size) {
			on_msg(buf, ctx);
			continue;
		}
		/* EOF (the child exited) or a torn message (it cannot happen below PIPE_BUF). */
		close(pfd[0]);
		return reap(pid, n != 0);
	}
}
