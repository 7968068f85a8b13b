/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "kernel.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

void worker_send(int fd, const void *msg, size_t msg_size)
{
	ssize_t n;

	do
		n = write(fd, msg, msg_size);
	while (n < 0 && errno == EINTR);
}

/* In the child, before @fn: die with the parent, and hold none of its stdio. */
static void child_setup(pid_t parent, int log_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent may have died before the line above: then nobody would kill us. */
	if (getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * The runtime waits for the hook's stdout and stderr to close: a worker stuck in the
	 * kernel must not hold them. stdin and stdout become the write end of the log pipe
	 * (reads fail, nothing is written there), stderr the log pipe itself.
	 */
	if (dup2(log_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
		_exit(1);
	close(log_fd);
}

/*
 * Move a pipe end above stderr: a hook started with a closed stdio descriptor would get
 * 0, 1 or 2 from pipe2(), and the child's dup2() onto stdio would then clobber it.
 */
static int above_stdio(int fd)
{
	int moved;

	if (fd > STDERR_FILENO)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return moved;
}

/*
 * Wait for @pid until @until_ms; SIGKILL it first when @kill_first. Never blocks past @until_ms.
 * The worker's pipes close before it has finished exiting, so the first waitpid often finds it
 * still running: its pidfd (5.3) says the moment it is done, where a fixed sleep cost every
 * annotated start 2 ms. Without one, short sleeps.
 */
static int reap(pid_t pid, bool kill_first, int64_t until_ms)
{
	cleanup_close int pidfd = sys_pidfd_open(pid, 0);
	int status = 0;

	if (kill_first)
		kill(pid, SIGKILL);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		int64_t left;

		if (r == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
		if (r < 0 && errno != EINTR)
			return -ECHILD;
		left = until_ms - now_ms();
		if (left <= 0)
			break;
		if (pidfd >= 0)
			poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, (int)left);
		else
			nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 }, NULL);
	}
	if (!kill_first)
		kill(pid, SIGKILL);
	/* A worker sharing our memory has SIGKILL pending: it runs no more of our code, our lines go out again. */
	log_in_worker(false);
	log_error("worker %d did not end within %d ms of SIGKILL: it is stuck in the kernel (a FUSE request that "
		  "lxcfs read and never answers); abandoned, it ends when lxcfs answers or its connection is aborted",
		  (int)pid, WORKER_REAP_MS);
	return -ETIMEDOUT;
}

/*
 * A worker's log lines, read from its stderr pipe and logged here (log_forwarded): a worker
 * never logs for itself (log_in_worker), so every line reaches stderr, the log file and syslog
 * from this process, whichever namespace the worker was in.
 */
struct log_lines {
	int fd;
	size_t have;
	char buf[8192];
};

/* Log each whole line held; at @end (or a full buffer) the rest as one too. */
static void log_lines_emit(struct log_lines *l, bool end)
{
	char *nl;

	if (l->have == sizeof(l->buf) - 1 || (end && l->have > 0))
		l->buf[l->have++] = '\n'; /* the end, or a line longer than the buffer: as it is */
	while ((nl = memchr(l->buf, '\n', l->have))) {
		*nl = '\0';
		log_forwarded(l->buf);
		l->have -= (size_t)(nl + 1 - l->buf);
		memmove(l->buf, nl + 1, l->have);
	}
}

/* One read of what the pipe holds. Returns false at its end (EOF or an error). */
static bool log_lines_read(struct log_lines *l)
{
	ssize_t n = read(l->fd, l->buf + l->have, sizeof(l->buf) - 1 - l->have);

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	l->have += (size_t)n;
	log_lines_emit(l, false);
	return true;
}

/* Everything the pipe holds now, without waiting (an abandoned worker may hold it open). */
static void log_lines_drain(struct log_lines *l)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };

	while (l->fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN) && log_lines_read(l))
		;
	log_lines_emit(l, true);
}

/* A shared-memory worker's stack; the first page is a guard. */
#define SHARED_STACK_SIZE (512 * 1024)

struct shared_child {
	pid_t parent;
	int msg_r, msg_w, log_r, log_w;
	worker_fn fn;
	void *arg;
};

static int shared_child_main(void *p)
{
	const struct shared_child *c = p;

	/* The fd table is this child's own copy (no CLONE_FILES): these close only here. */
	close(c->msg_r);
	close(c->log_r);
	child_setup(c->parent, c->log_w);
	c->fn(c->arg, c->msg_w);
	/* No fflush(NULL): the stdio buffers are the parent's. */
	_exit(0);
}

/* The stack for a worker that shares our memory, or MAP_FAILED. */
static void *shared_stack_map(void)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE;
	/* cppcheck-suppress invalidFunctionArg ; MAP_ANONYMOUS takes no file: -1 is the portable fd */
	void *base = mmap(NULL, SHARED_STACK_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (base != MAP_FAILED && mprotect(base, 4096, PROT_NONE) < 0) {
		munmap(base, SHARED_STACK_SIZE);
		return MAP_FAILED;
	}
	return base;
}

/* Start @c->fn in a child sharing our memory (clone CLONE_VM, its own stack). Returns its pid or -errno. */
static pid_t shared_child_start(struct shared_child *c, void *stack)
{
	pid_t pid;

	log_in_worker(true);
	/* Not CLONE_FS: setns(CLONE_NEWNS) refuses a process that shares its filesystem state. */
	pid = clone(shared_child_main, (char *)stack + SHARED_STACK_SIZE, CLONE_VM | SIGCHLD, c);
	if (pid < 0) {
		pid = -errno;
		log_in_worker(false);
	}
	return pid;
}

static int run(worker_fn fn, void *arg, size_t msg_size, worker_msg_until_fn on_msg, void *ctx, int64_t deadline_ms,
	       bool share_memory)
{
	cleanup_free char *buf = NULL;
	cleanup_close int msg_r = -1, log_r = -1;
	int pfd[2], lfd[2];
	pid_t parent = getpid(), pid = -1;
	/* What a shared-memory child reads as it starts and runs: here, it outlives the child. */
	struct shared_child child;
	struct log_lines lines = { .fd = -1 };
	void *stack = MAP_FAILED;
	bool shared;
	int rc, reaped;

	if (msg_size == 0 || msg_size > PIPE_BUF)
		return -EINVAL;
	if (now_ms() >= deadline_ms)
		return -ETIMEDOUT;
	buf = malloc(msg_size);
	if (!buf)
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(lfd, O_CLOEXEC) < 0) {
		rc = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	for (int i = 0; i < 2; i++) {
		pfd[i] = above_stdio(pfd[i]);
		lfd[i] = above_stdio(lfd[i]);
	}
	if (pfd[0] < 0 || pfd[1] < 0 || lfd[0] < 0 || lfd[1] < 0) {
		int fds[4] = { pfd[0], pfd[1], lfd[0], lfd[1] };

		for (int i = 0; i < 4; i++)
			close_fd(&fds[i]);
		return -EMFILE;
	}
	msg_r = pfd[0];
	lines.fd = log_r = lfd[0];
	fflush(NULL); /* unflushed stdio would be written twice */
	/* valgrind cannot run such a child, and ASan's bookkeeping does not know it: fork there. */
	if (share_memory && !RUNNING_ON_VALGRIND && !UNDER_ASAN && (stack = shared_stack_map()) != MAP_FAILED) {
		child = (struct shared_child){ .parent = parent, .msg_r = msg_r, .msg_w = pfd[1], .log_r = log_r,
					       .log_w = lfd[1], .fn = fn, .arg = arg };
		/* Its lines wait in the pipe until it is gone: room for all of them (a failure leaves 64 KiB). */
		(void)fcntl(lfd[1], F_SETPIPE_SZ, 1024 * 1024);
		pid = shared_child_start(&child, stack);
		if (pid < 0) {
			munmap(stack, SHARED_STACK_SIZE);
			stack = MAP_FAILED;
		}
	}
	shared = stack != MAP_FAILED;
	if (!shared) {
		pid = fork();
		if (pid < 0) {
			rc = -errno;
			close(pfd[1]);
			close(lfd[1]);
			return rc;
		}
		if (pid == 0) {
			/* The parent's buffer: nothing for a leak checker (valgrind) to find at _exit. */
			free(buf);
			buf = NULL;
			close(pfd[0]);
			close(lfd[0]);
			log_in_worker(true);
			child_setup(parent, lfd[1]);
			fn(arg, pfd[1]);
			fflush(NULL);
			_exit(0);
		}
	}
	close(pfd[1]);
	close(lfd[1]);
	/*
	 * A forked worker's log lines are logged as they come. While a worker sharing our memory
	 * runs, this loop and @on_msg are all we run (errno, the heap and stdio are its too): its
	 * lines wait in their pipe until it is gone.
	 */
	for (;;) {
		struct pollfd p[2] = { { .fd = msg_r, .events = POLLIN }, { .fd = lines.fd, .events = POLLIN } };
		/* cppcheck-suppress knownConditionTrueFalse ; cppcheck does not see fork() return in the parent */
		nfds_t nfds = shared || lines.fd < 0 ? 1 : 2;
		int64_t left = deadline_ms - now_ms();
		ssize_t n;

		if (left <= 0) {
			reaped = reap(pid, true, now_ms() + WORKER_REAP_MS);
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(p, nfds, (int)(left > 60000 ? 60000 : left)) <= 0)
			continue; /* EINTR or a slice of the wait ended */
		if (nfds == 2 && (p[1].revents & (POLLIN | POLLHUP)) && !log_lines_read(&lines))
			lines.fd = -1; /* its end: the message pipe says when the worker is done */
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(msg_r, buf, msg_size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == (ssize_t)msg_size) {
			deadline_ms = on_msg(buf, ctx);
			continue;
		}
		/* EOF (the child is exiting) or a torn message (it cannot happen below PIPE_BUF). */
		rc = reaped = reap(pid, n != 0, now_ms() + WORKER_REAP_MS);
		break;
	}
	if (shared)
		log_in_worker(false);
	/* What is left in the pipe: all of a shared worker's lines, a forked one's last. */
	log_lines_drain(&lines);
	/* A worker abandoned in the kernel may still write to its stack when its call returns: left mapped. */
	if (shared && reaped != -ETIMEDOUT)
		munmap(stack, SHARED_STACK_SIZE);
	return rc;
}

int worker_run_until(worker_fn fn, void *arg, size_t msg_size, worker_msg_until_fn on_msg, void *ctx,
		     int64_t deadline_ms)
{
	return run(fn, arg, msg_size, on_msg, ctx, deadline_ms, false);
}

/* worker_run's fixed deadline, as worker_run_until's moving one. */
struct fixed_deadline {
	worker_msg_fn on_msg;
	void *ctx;
	int64_t deadline_ms;
};

static int64_t fixed_deadline_msg(const void *msg, void *ctx)
{
	struct fixed_deadline *f = ctx;

	f->on_msg(msg, f->ctx);
	return f->deadline_ms;
}

int worker_run(worker_fn fn, void *arg, size_t msg_size, worker_msg_fn on_msg, void *ctx, int64_t deadline_ms)
{
	struct fixed_deadline f = { .on_msg = on_msg, .ctx = ctx, .deadline_ms = deadline_ms };

	return worker_run_until(fn, arg, msg_size, fixed_deadline_msg, &f, deadline_ms);
}

int worker_run_shared(worker_fn fn, void *arg, size_t msg_size, worker_msg_fn on_msg, void *ctx, int64_t deadline_ms)
{
	struct fixed_deadline f = { .on_msg = on_msg, .ctx = ctx, .deadline_ms = deadline_ms };

	return run(fn, arg, msg_size, fixed_deadline_msg, &f, deadline_ms, true);
}
