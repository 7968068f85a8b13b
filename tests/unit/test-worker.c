/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-worker.c - worker_run() ends by its deadline, runs nothing after it, and hands the
 * child none of the caller's stdio; worker_run_until()'s deadline moves with each message;
 * worker_run_shared() does the same and may setns; either worker's log lines are logged by
 * the caller, once each, a killed worker's too.
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
	struct fd_msg m = { 0 };
	struct stat st;
	int64_t t0 = now_ms();
	int rc, e = -1;

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

}

static void logs_then_sleeps(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	log_warn("a last word before the deadline");
	pause();
}

typedef int (*runner_fn)(worker_fn fn, void *arg, size_t msg_size, worker_msg_fn on_msg, void *ctx,
			 int64_t deadline_ms);

/*
 * A worker's lines, forked or sharing our memory, reach our stderr and the log file once,
 * logged by us (the log file's pid is ours), and a worker killed at the deadline still has
 * the lines it wrote before logged.
 */
static void test_logs(const char *what, runner_fn run)
{
	char dir[] = "/tmp/test-worker.XXXXXX", err_path[64], file_path[64], pid_tag[32];
	int rc, rc_late, saved_stderr, one = 0;
	const char *text;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	snprintf(file_path, sizeof(file_path), "%s/log", dir);
	snprintf(pid_tag, sizeof(pid_tag), "lxcfs-oci-hook[%d]: ", (int)getpid());
	log_init(LOG_LVL_INFO, false, file_path);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	if (saved_stderr < 0 || !freopen(err_path, "w", stderr)) {
		perror("stderr");
		exit(99);
	}
	rc = run(logs_a_warning, NULL, sizeof(int), take_int, &one, now_ms() + 5000);
	rc_late = run(logs_then_sleeps, NULL, sizeof(int), never_msg, NULL, now_ms() + 300);
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	log_init(LOG_LVL_WARN, false, NULL);
	is_int(rc, 0, "%s: the logging worker ran to its end", what);
	is_int(one, 1, "%s: its message came", what);
	is_int(rc_late, -ETIMEDOUT, "%s: the worker that logs and sleeps: -ETIMEDOUT", what);
	text = slurp(err_path);
	ok(strstr(text, "lxcfs-oci-hook: warn: a warning from the worker\n") != NULL, "%s: its warning is on stderr",
	   what);
	ok(strstr(text, "lxcfs-oci-hook: info: a second line\n") != NULL, "%s: and its second line", what);
	ok(strstr(text, "a warning") && !strstr(strstr(text, "a warning") + 1, "a warning"), "%s: once", what);
	ok(strstr(text, "lxcfs-oci-hook: warn: a last word before the deadline\n") != NULL,
	   "%s: a killed worker's last line is on stderr", what);
	text = slurp(file_path);
	ok(strstr(text, pid_tag) && strstr(text, "]: warn: a warning from the worker\n"),
	   "%s: its warning is in the log file, stamped with our pid", what);
	ok(strstr(text, "]: info: a second line\n") != NULL, "%s: and its second line", what);
	ok(strstr(text, "a warning") && !strstr(strstr(text, "a warning") + 1, "a warning"), "%s: once there too", what);
	ok(strstr(text, "]: warn: a last word before the deadline\n") != NULL, "%s: and the killed worker's line",
	   what);
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
	test_logs("forked", worker_run);
	test_logs("shared", worker_run_shared);
	return done_testing();
}
