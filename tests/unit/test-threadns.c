/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-threadns.c - a process's mount namespace judged by all of its threads: one
 * thread, two threads in one namespace, and a second thread in a namespace of its own
 * (unshare(CLONE_FS), then unshare(CLONE_NEWNS): what runc 1.2+ does with setns while
 * it runs hooks). The last part needs CAP_SYS_ADMIN and is skipped without it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "threadns.h"
#include "util.h"

/* A second thread: optionally in a mount namespace of its own, then parked until told. */
struct parked {
	bool own_ns;
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

int main(void)
{
	struct thread_ns_count c;
	struct stat self, st;
	struct parked p;
	pthread_t t;
	int rc;

	if (stat("/proc/self/ns/mnt", &self) < 0)
		skip_all("no /proc/self/ns/mnt");

	is_int(proc_threads_in_mntns(getpid(), &self, &c), 0, "one thread: read");
	ok(c.in == 1 && c.out == 0 && thread_ns_all_in(&c), "one thread: in 1, out 0 (got %u, %u)", c.in, c.out);
	is_int(proc_mntns_agreed(getpid(), &st), 0, "one thread: agreed");
	ok(st.st_ino == self.st_ino, "one thread: the agreed namespace is /proc/self/ns/mnt");

	if (start_parked(&p, &t, false) < 0)
		skip_all("cannot start a thread");
	is_int(proc_threads_in_mntns(getpid(), &self, &c), 0, "two threads, one namespace: read");
	ok(c.in == 2 && c.out == 0 && thread_ns_all_in(&c), "two threads, one namespace: in 2, out 0 (got %u, %u)",
	   c.in, c.out);
	is_int(proc_mntns_agreed(getpid(), &st), 0, "two threads, one namespace: agreed");
	stop_parked(&p, t);

	ok(proc_threads_in_mntns(999999999, &self, &c) < 0, "a pid that does not exist: an error");
	is_int(proc_mntns_agreed(999999999, &st), -ENOENT, "a pid that does not exist: -ENOENT");

	rc = start_parked(&p, &t, true);
	if (rc < 0) {
		diag("a thread cannot have a mount namespace of its own (%s): the rest needs CAP_SYS_ADMIN",
		     strerror(-rc));
		stop_parked(&p, t);
		return done_testing();
	}
	is_int(proc_threads_in_mntns(getpid(), &self, &c), 0, "a thread elsewhere: read");
	ok(c.in == 1 && c.out == 1 && !thread_ns_all_in(&c), "a thread elsewhere: in 1, out 1 (got %u, %u)", c.in,
	   c.out);
	is_int(proc_mntns_agreed(getpid(), &st), -EXDEV, "a thread elsewhere: the process names no namespace");
	/* The leader's namespace is what /proc/PID/ns/mnt shows: judged alone, it would say "all in". */
	ok(st.st_ino == self.st_ino, "a thread elsewhere: /proc/PID/ns/mnt still shows the leader's");
	stop_parked(&p, t);
	is_int(proc_mntns_agreed(getpid(), &st), 0, "the thread gone: agreed again");
	return done_testing();
}
