/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-threadns.c - a process's mount namespace judged by all of its threads: one
 * thread, two threads in one namespace, and a second thread in a namespace of its own
 * (unshare(CLONE_FS), then unshare(CLONE_NEWNS): what runc 1.2+ does with setns while
 * it runs hooks). Then the namespace scan of remount and status (ns_scan) given such a
 * process: its leader in a namespace of its own, another thread in ours, must not stand
 * for the leader's namespace. The parts that make namespaces need CAP_SYS_ADMIN and are
 * skipped without it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsscan.h"
#include "tap.h"
#include "threadns.h"
#include "util.h"

/* A second thread: optionally in a mount namespace of its own, then parked until told. */
struct parked {
	bool own_ns;
	pid_t tid;
	int entered; /* 0 waiting, 1 in place, -errno failed */
	bool release;
	bool created;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *park(void *arg)
{
	struct parked *p = arg;
	int rc = 0;

	if (p->own_ns && (unshare(CLONE_FS) < 0 || unshare(CLONE_NEWNS) < 0))
		rc = -errno;
	pthread_mutex_lock(&p->lock);
	p->tid = (pid_t)syscall(SYS_gettid);
	p->entered = rc < 0 ? rc : 1;
	pthread_cond_broadcast(&p->cond);
	while (!p->release)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int start_parked(struct parked *p, pthread_t *t, bool own_ns)
{
	*p = (struct parked){ .own_ns = own_ns };
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(t, NULL, park, p) != 0)
		return -EAGAIN;
	p->created = true;
	pthread_mutex_lock(&p->lock);
	while (!p->entered)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return p->entered < 0 ? p->entered : 0;
}

static void stop_parked(struct parked *p, pthread_t t)
{
	if (!p->created)
		return;
	pthread_mutex_lock(&p->lock);
	p->release = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(t, NULL);
}

/*
 * A child in a mount namespace of its own: with @split only its leader (another thread
 * stays in ours, as runc 1.2+'s do), else every thread. It writes 0 or an errno on
 * @ready, then waits until @hold is closed. Returns: its pid, or -errno.
 */
static pid_t start_child(bool split, int *hold_w)
{
	int ready[2], hold[2], e = 0;
	pid_t pid;

	if (pipe(ready) < 0 || pipe(hold) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct parked p;
		pthread_t t;
		char c;

		close(ready[0]);
		close(hold[1]);
		if (!split && (unshare(CLONE_NEWNS) < 0))
			e = errno;
		if (!e && start_parked(&p, &t, false) < 0)
			e = EAGAIN;
		if (!e && split && (unshare(CLONE_FS) < 0 || unshare(CLONE_NEWNS) < 0))
			e = errno;
		if (write(ready[1], &e, sizeof(e)) != sizeof(e) || e)
			_exit(1);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	*hold_w = hold[1];
	if (read(ready[0], &e, sizeof(e)) != sizeof(e))
		e = EIO;
	close(ready[0]);
	if (e) {
		close(hold[1]);
		waitpid(pid, NULL, 0);
		return -e;
	}
	return pid;
}

static void stop_child(pid_t pid, int hold_w)
{
	close(hold_w);
	waitpid(pid, NULL, 0);
}

static void test_scan(void)
{
	struct lxh_error err = { 0 };
	struct ns_list list;
	char want[64];
	int hold;
	pid_t pid;
	int rc;

	pid = start_child(false, &hold);
	if (pid < 0) {
		diag("no mount namespace for a child (%s): the scan part needs CAP_SYS_ADMIN", strerror((int)-pid));
		return;
	}
	rc = ns_scan(&pid, 1, NULL, &list, &err);
	is_int(rc, 0, "scan, every thread in a namespace of its own: read (%s)", rc ? err.msg : "");
	ok(list.scanned == 1 && list.n == 0, "scan, every thread in one namespace: that namespace looked at, no lxcfs "
	   "(scanned %zu, kept %zu)", list.scanned, list.n);
	ns_list_free(&list);
	stop_child(pid, hold);

	pid = start_child(true, &hold);
	if (pid < 0) {
		diag("no mount namespace for a child's leader (%s)", strerror((int)-pid));
		return;
	}
	memset(&err, 0, sizeof(err));
	rc = ns_scan(&pid, 1, NULL, &list, &err);
	is_int(rc, -EXDEV, "scan, the leader in a namespace of its own, another thread in ours: refused");
	snprintf(want, sizeof(want), "process %d: its threads are not all in one mount namespace", (int)pid);
	ok(strstr(err.msg, want) != NULL, "the error names the pid and the cause: %s", err.msg);
	ok(list.scanned == 0 && list.n == 0, "nothing read of the leader's namespace (scanned %zu)", list.scanned);
	ns_list_free(&list);
	stop_child(pid, hold);
}

int main(void)
{
	struct stat self, st, elsewhere;
	char path[64];
	struct parked p;
	pthread_t t;
	int rc;

	if (stat("/proc/self/ns/mnt", &self) < 0)
		skip_all("no /proc/self/ns/mnt");

	is_int(proc_threads_all_in_mntns(getpid(), &self), 1, "one thread: all in");
	is_int(proc_mntns_agreed(getpid(), &st), 0, "one thread: agreed");
	ok(st.st_ino == self.st_ino, "one thread: the agreed namespace is /proc/self/ns/mnt");

	if (start_parked(&p, &t, false) < 0)
		skip_all("cannot start a thread");
	is_int(proc_threads_all_in_mntns(getpid(), &self), 1, "two threads, one namespace: all in");
	is_int(proc_mntns_agreed(getpid(), &st), 0, "two threads, one namespace: agreed");
	stop_parked(&p, t);

	is_int(proc_threads_all_in_mntns(999999999, &self), -ENOENT, "all in? a pid that does not exist: -ENOENT");
	is_int(proc_mntns_agreed(999999999, &st), -ENOENT, "a pid that does not exist: -ENOENT");

	rc = start_parked(&p, &t, true);
	if (rc < 0) {
		diag("a thread cannot have a mount namespace of its own (%s): the rest needs CAP_SYS_ADMIN",
		     strerror(-rc));
		stop_parked(&p, t);
		return done_testing();
	}
	is_int(proc_threads_all_in_mntns(getpid(), &self), 0, "a thread elsewhere: not all in");
	snprintf(path, sizeof(path), "/proc/self/task/%d/ns/mnt", (int)p.tid);
	ok(stat(path, &elsewhere) == 0, "the other thread's namespace can be read: %s", path);
	is_int(proc_threads_all_in_mntns(getpid(), &elsewhere), 0, "the other thread's namespace: not all in either");
	is_int(proc_mntns_agreed(getpid(), &st), -EXDEV, "a thread elsewhere: the process names no namespace");
	/* The leader's namespace is what /proc/PID/ns/mnt shows: judged alone, it would say "all in". */
	ok(st.st_ino == self.st_ino, "a thread elsewhere: /proc/PID/ns/mnt still shows the leader's");
	stop_parked(&p, t);
	is_int(proc_mntns_agreed(getpid(), &st), 0, "the thread gone: agreed again");
	test_scan();
	return done_testing();
}
