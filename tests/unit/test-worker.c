/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-worker.c - worker_run() ends by its deadline, runs nothing after it, and hands the
 * child none of the caller's stdio; worker_run_until()'s deadline moves with each message;
 * worker_run_shared() does the same, may setns, and passes its log lines on once it is gone.
 * (A child stuck in the kernel, which SIGKILL cannot end,
 * takes a hung FUSE daemon: integration test 18 has one.)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "tap.h"
#include "util.h"
#include "worker.h"

struct fd_msg {
	int ok;
	dev_t dev[3];
	ino_t ino[3];
};

static void sleeper(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	pause();
}

static void stdio_of_child(void *arg, int fd)
{
	struct fd_msg m = { .ok = 1 };
	struct stat st;

	(void)arg;
	for (int i = 0; i < 3; i++) {
		if (fstat(i, &st) < 0) {
			m.ok = 0;
			continue;
		}
		m.dev[i] = st.st_dev;
		m.ino[i] = st.st_ino;
	}
	worker_send(fd, &m, sizeof(m));
}

static void take(const void *msg, void *ctx)
{
	*(struct fd_msg *)ctx = *(const struct fd_msg *)msg;
}

static bool ran;
static void mark(void *arg, int fd)
{
	int one = 1;

	(void)arg;
	worker_send(fd, &one, sizeof(one));
}
static void never_msg(const void *msg, void *ctx)
{
	(void)msg;
	(void)ctx;
	ran = true;
}

static void one_word_then_sleep(void *arg, int fd)
{
	int one = 1;

	(void)arg;
	worker_send(fd, &one, sizeof(one));
	pause();
}

struct until_ctx {
	int msgs;          /* messages delivered */
	int64_t after_msg; /* the deadline on_msg returns */
};

static int64_t count_msg(const void *msg, void *ctx)
{
	struct until_ctx *u = ctx;

	(void)msg;
	u->msgs++;
	return u->after_msg;
}

/* Each message moves the deadline: a short one after the first word ends the run, not the long first one. */
static void test_until(void)
{
	struct until_ctx u = { .after_msg = now_ms() + 100 };
	int64_t t0 = now_ms();
	int rc = worker_run_until(one_word_then_sleep, NULL, sizeof(int), count_msg, &u, t0 + 5000);

	is_int(rc, -ETIMEDOUT, "a deadline moved by a message: -ETIMEDOUT");
	is_int(u.msgs, 1, "after one message");
	ok(now_ms() - t0 < 100 + WORKER_REAP_MS + 1000, "by the moved deadline (%lld ms)", (long long)(now_ms() - t0));

	/* And a long one after a message that comes before a short first deadline. */
	u = (struct until_ctx){ .after_msg = now_ms() + 5000 };
	t0 = now_ms();
	rc = worker_run_until(mark, NULL, sizeof(int), count_msg, &u, t0 + 2000);
	is_int(rc, 0, "a worker that ends after its word: 0");
	is_int(u.msgs, 1, "its one word delivered");
}

static void exit_three(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	_exit(3);
}

/* The errno of setns into our own mount namespace: EINVAL would mean a shared filesystem state. */
static void setns_own(void *arg, int fd)
{
	int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int e = ns >= 0 && setns(ns, CLONE_NEWNS) == 0 ? 0 : errno;

	(void)arg;
	worker_send(fd, &e, sizeof(e));
}

static void logs_a_warning(void *arg, int fd)
{
	int one = 1;

	(void)arg;
	log_warn("a warning from the worker");
	log_info("a second line");
	worker_send(fd, &one, sizeof(one));
}

static void take_int(const void *msg, void *ctx)
{
	*(int *)ctx = *(const int *)msg;
}

/* The whole of @path, NUL-terminated, in a static buffer. */
static const char *slurp(const char *path)
{
	static char text[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;

	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

static void test_shared(void)
{
	char dir[] = "/tmp/test-worker.XXXXXX", err_path[64], file_path[64];
	struct fd_msg m = { 0 };
	struct stat st;
	int64_t t0 = now_ms();
	int rc, e = -1, saved_stderr, one = 0;
	const char *text;

	rc = worker_run_shared(sleeper, NULL, sizeof(int), never_msg, NULL, t0 + 200);
	is_int(rc, -ETIMEDOUT, "shared: a worker that never ends: -ETIMEDOUT");
	ok(now_ms() - t0 < 200 + WORKER_REAP_MS + 1000, "shared: returned %lld ms after the start (deadline 200 ms)",
	   (long long)(now_ms() - t0));
	rc = worker_run_shared(mark, NULL, sizeof(int), never_msg, NULL, now_ms() - 1);
	is_int(rc, -ETIMEDOUT, "shared: a deadline already past: -ETIMEDOUT");
	is_int(worker_run_shared(exit_three, NULL, sizeof(int), never_msg, NULL, now_ms() + 5000), -ECHILD,
	       "shared: a worker that exits 3: -ECHILD");

	rc = worker_run_shared(stdio_of_child, NULL, sizeof(m), take, &m, now_ms() + 5000);
	is_int(rc, 0, "shared: the stdio worker ran to its end");
	for (int i = 0; i < 3; i++) {
		bool same = fstat(i, &st) == 0 && st.st_dev == m.dev[i] && st.st_ino == m.ino[i];
		ok(!same, "shared: its fd %d is not ours", i);
	}
	rc = worker_run_shared(setns_own, NULL, sizeof(e), take_int, &e, now_ms() + 5000);
	is_int(rc, 0, "shared: the setns worker ran to its end");
	ok(e != EINVAL, "shared: setns(CLONE_NEWNS) is not refused for a shared filesystem state (errno %d)", e);

	/* Its lines reach our stderr and the log file once, after it is gone. */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	snprintf(file_path, sizeof(file_path), "%s/log", dir);
	log_init(LOG_LVL_INFO, false, file_path);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	if (saved_stderr < 0 || !freopen(err_path, "w", stderr)) {
		perror("stderr");
		exit(99);
	}
	rc = worker_run_shared(logs_a_warning, NULL, sizeof(int), take_int, &one, now_ms() + 5000);
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	log_init(LOG_LVL_WARN, false, NULL);
	is_int(rc, 0, "shared: the logging worker ran to its end");
	is_int(one, 1, "shared: its message came");
	text = slurp(err_path);
	ok(strstr(text, "lxcfs-oci-hook: warn: a warning from the worker\n") != NULL, "shared: its warning is on stderr");
	ok(strstr(text, "lxcfs-oci-hook: info: a second line\n") != NULL, "shared: and its second line");
	ok(strstr(text, "a warning") && !strstr(strstr(text, "a warning") + 1, "a warning"), "shared: once");
	text = slurp(file_path);
	ok(strstr(text, "lxcfs-oci-hook[") && strstr(text, "]: warn: a warning from the worker\n"),
	   "shared: its warning is in the log file, stamped");
	ok(strstr(text, "]: info: a second line\n") != NULL, "shared: and its second line");
	unlink(err_path);
	unlink(file_path);
	rmdir(dir);
}

int main(void)
{
	struct fd_msg m = { 0 };
	struct stat st;
	int64_t t0;
	int rc;

	/* A child that never ends is killed at the deadline, and the call returns then. */
	t0 = now_ms();
	rc = worker_run(sleeper, NULL, sizeof(int), never_msg, NULL, t0 + 200);
	is_int(rc, -ETIMEDOUT, "a worker that never ends: -ETIMEDOUT");
	ok(now_ms() - t0 < 200 + WORKER_REAP_MS + 1000, "returned %lld ms after the start (deadline 200 ms)",
	   (long long)(now_ms() - t0));

	/* After the deadline nothing is started. */
	t0 = now_ms();
	rc = worker_run(mark, NULL, sizeof(int), never_msg, NULL, t0 - 1);
	is_int(rc, -ETIMEDOUT, "a deadline already past: -ETIMEDOUT");
	ok(!ran, "and no message came: no worker ran");

	/* The child holds none of our stdin, stdout and stderr. */
	rc = worker_run(stdio_of_child, NULL, sizeof(m), take, &m, now_ms() + 5000);
	is_int(rc, 0, "the stdio worker ran to its end");
	ok(m.ok, "its fds 0, 1 and 2 are open");
	for (int i = 0; i < 3; i++) {
		bool same = fstat(i, &st) == 0 && st.st_dev == m.dev[i] && st.st_ino == m.ino[i];
		ok(!same, "its fd %d is not ours", i);
	}
	test_until();
	test_shared();
	return done_testing();
}
