/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel.h"
#include "log.h"
#include "pin.h"
#include "threadns.h"
#include "util.h"

/* Field 22 of /proc/PID/stat: start time in clock ticks, unique per pid over its life. */
static int proc_start_time(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p;

	if (strnprintf(path, sizeof(path), "/proc/%d/stat", (int)pid) < 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", out) != 1)
		return -EIO;
	return 0;
}

/* The identity of a namespace file, looked up once per process: remount pins hundreds. */
struct ns_id {
	bool known;
	int rc;
	dev_t dev;
	ino_t ino;
};

static int same_ns(int fd, const char *path, struct ns_id *cache, bool *same)
{
	struct stat a, b;

	if (!cache->known) {
		cache->known = true;
		cache->rc = stat(path, &b) < 0 ? -errno : 0;
		cache->dev = b.st_dev;
		cache->ino = b.st_ino;
	}
	if (cache->rc < 0)
		return cache->rc;
	if (fstat(fd, &a) < 0)
		return -errno;
	*same = a.st_dev == cache->dev && a.st_ino == cache->ino;
	return 0;
}

int proc_pin(pid_t pid, struct pinned_proc *p, struct lxh_error *err)
{
	unsigned long long start_before = 0, start_after = 0;
	struct stat ns;
	char path[64];
	bool same = false;
	int rc;

	p->pid = pid;
	if (pid <= 1)
		return lxh_error_set(err, 0,
				     "state pid %d is not a container process as the host sees it: the hook must run at "
				     "createRuntime, prestart or poststart, not createContainer or startContainer",
				     (int)pid);

	if (kernel_features()->pidfd) {
		p->pidfd = sys_pidfd_open(pid, 0);
		if (p->pidfd < 0)
			return lxh_error_errno(err, "container process %d", (int)pid);
	} else if ((rc = proc_start_time(pid, &start_before)) < 0) {
		return lxh_error_set(err, -rc, "container process %d", (int)pid);
	}

	if (strnprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid) < 0)
		return -EINVAL;
	p->mntns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->mntns_fd < 0)
		return lxh_error_errno(err, "cannot open the mount namespace of process %d", (int)pid);

	/* Still alive now means the namespace opened above is that process's, not a reused pid's. */
	if (p->pidfd >= 0) {
		if (sys_pidfd_send_signal(p->pidfd, 0) < 0)
			return lxh_error_errno(err, "container process %d", (int)pid);
	} else {
		rc = proc_start_time(pid, &start_after);
		if (rc < 0 || start_after != start_before)
			return lxh_error_set(err, ESRCH, "container process %d", (int)pid);
	}

	static struct ns_id self_ns;

	if ((rc = same_ns(p->mntns_fd, "/proc/self/ns/mnt", &self_ns, &same)) < 0)
		return lxh_error_set(err, -rc, "cannot compare mount namespaces");
	if (same)
		return lxh_error_set(err, 0,
				     "process %d shares the hook's own mount namespace: the container has no mount "
				     "namespace of its own, or the hook runs inside it (createContainer/startContainer); refusing",
				     (int)pid);
	if (fstat(p->mntns_fd, &ns) < 0)
		return lxh_error_errno(err, "cannot compare mount namespaces");

	/*
	 * The runtime that ran us never shares the container's namespace (a runtime inside it
	 * would). Every one of its threads is asked, not /proc/PPID/ns/mnt alone: runc 1.2+
	 * keeps one thread in the container's namespace while hooks run, and when that thread
	 * is the leader, /proc/PPID/ns/mnt names the container's (src/threadns.h).
	 */
	if (proc_threads_all_in_mntns(getppid(), &ns) == 1)
		return lxh_error_set(err, 0,
				     "process %d shares the mount namespace of the hook's parent (the runtime): the "
				     "container has no mount namespace of its own; refusing",
				     (int)pid);

	/*
	 * PID 1's namespace may be unreadable even to root, when PID 1 holds a capability
	 * the hook's bounding set lacks (sandboxed hosts do this). The hook's own namespace,
	 * checked above, is the runtime's: on a normal host that is the host's too.
	 * PID 1 is judged by all of its threads as well (an init may be a runtime).
	 */
	rc = proc_threads_all_in_mntns(1, &ns);
	if (rc == -EACCES || rc == -EPERM)
		log_debug("cannot read PID 1's mount namespace (%s): compared with the hook's own only", strerror(-rc));
	else if (rc < 0)
		return lxh_error_set(err, -rc, "cannot compare mount namespaces");
	if (rc == 1)
		return lxh_error_set(err, 0, "process %d is in the host's mount namespace: refusing", (int)pid);
	return 0;
}

void proc_pin_release(struct pinned_proc *p)
{
	close_fd(&p->pidfd);
	close_fd(&p->mntns_fd);
}
