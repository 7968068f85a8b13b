/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "log.h"
#include "lxcfs.h"
#include "mountinfo.h"
#include "resolve.h"
#include "spec.h"
#include "statmount.h"
#include "util.h"
#include "worker.h"
#include "io.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

static const char *const preferred[] = { "/var/lib/lxcfs", "/var/lib/lxc/lxcfs" };

/* Rank of a mount point: lower is better; later entries win ties (they are mounted on top). */
static int rank(const char *target, const char *wanted)
{
	if (wanted)
		return strcmp(target, wanted) == 0 ? 0 : -1;
	for (size_t i = 0; i < ARRAY_SIZE(preferred); i++)
		if (strcmp(target, preferred[i]) == 0)
			return (int)i;
	return (int)ARRAY_SIZE(preferred);
}

/*
 * lxcfs is started by root. A FUSE mount's user_id is the uid that mounted it (fusermount3
 * sets it to the caller's, and no user can choose another): any user may mount a FUSE
 * filesystem of their own files with subtype=lxcfs, and that must not reach a container.
 */
static bool mounted_by_root(const struct mountinfo_entry *e, unsigned long *uid)
{
	*uid = ULONG_MAX;
	return mountinfo_option_uint(e->fs_options, "user_id", uid) == 0 && *uid == 0;
}

/* What a skipped mount was, for the message that says why lxcfs counts as missing. */
static void describe_owner(unsigned long uid, char *buf, size_t size)
{
	if (uid == ULONG_MAX)
		snprintf(buf, size, "its options name no user_id");
	else
		snprintf(buf, size, "it was mounted by uid %lu (user_id=%lu), not root", uid, uid);
}

int lxcfs_locate(const char *root, struct lxcfs_mount *out, struct lxh_error *err)
{
	cleanup_mountinfo struct mountinfo mi = { 0 };
	char wanted[PATH_MAX], skipped[PATH_MAX] = "", why[96] = "";
	const char *first = preferred[0]; /* what statmount is asked about */
	int best = -1, rc;

	if (root) {
		if (root[0] != '/')
			return lxh_error_set(err, 0, "--lxcfs-root %s is not an absolute path", root);
		if (path_clean(root, wanted, sizeof(wanted)) < 0)
			return lxh_error_set(err, ENAMETOOLONG, "--lxcfs-root %s", root);
		first = wanted;
	}
	/*
	 * The plain case from the kernel (statmount, 6.8+): the path asked for, or the first
	 * preferred one, is root's lxcfs, the top mount there. That is what the table below
	 * would pick too. Anything else, or an older kernel: the whole table.
	 */
	if (sm_lxcfs_root(first, &out->dev) == 1) {
		strnprintf(out->path, sizeof(out->path), "%s", first);
		log_debug("lxcfs at %s: found by statmount", out->path);
		return 0;
	}
	rc = mountinfo_read("/proc/self/mountinfo", &mi, err);
	if (rc < 0)
		return rc;

	for (size_t i = 0; i < mi.n; i++) {
		const struct mountinfo_entry *e = &mi.entries[i];
		unsigned long uid;
		int r;

		if (strcmp(e->fstype, LXCFS_FSTYPE) != 0)
			continue;
		r = rank(e->target, root ? wanted : NULL);
		if (r < 0 || (best >= 0 && r > best))
			continue;
		if (!mounted_by_root(e, &uid)) {
			strnprintf(skipped, sizeof(skipped), "%s", e->target);
			describe_owner(uid, why, sizeof(why));
			log_warn("the %s mount at %s is not trusted: %s", LXCFS_FSTYPE, e->target, why);
			/* Mounted on top of root's lxcfs: the path now leads to it. */
			if (best >= 0 && strcmp(out->path, e->target) == 0)
				best = -1;
			continue;
		}
		if (strnprintf(out->path, sizeof(out->path), "%s", e->target) < 0)
			continue;
		out->dev = e->dev;
		best = r;
	}
	if (best < 0) {
		if (skipped[0])
			return lxh_error_code(err, ENOENT, "no lxcfs mounted by root%s%s: the %s mount at %s is not trusted (%s)",
					      root ? " at " : "", root ? wanted : "", LXCFS_FSTYPE, skipped, why);
		if (root)
			return lxh_error_code(err, ENOENT, "no lxcfs mounted at %s", wanted);
		return lxh_error_code(err, ENOENT, "no lxcfs mounted (no %s mount at /var/lib/lxcfs, /var/lib/lxc/lxcfs or elsewhere)",
				      LXCFS_FSTYPE);
	}
	return 0;
}

int lxcfs_open_root(const struct lxcfs_mount *m, bool ask_lxcfs, struct lxh_error *err)
{
	cleanup_close int fd = open(m->path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct sm_fd_mount sm;
	struct statfs sfs;
	struct stat st;

	if (fd < 0)
		return lxh_error_errno(err, "cannot open lxcfs at %s", m->path);
	/* Which mount, from the kernel alone where it can tell: the caller's lookups prove liveness. */
	if (!ask_lxcfs) {
		int rc = fd_mount_describe(fd, &sm);

		if (rc < 0)
			return lxh_error_set(err, -rc, "lxcfs at %s is not answering", m->path);
		if (sm.magic != FUSE_SUPER_MAGIC || sm.dev != m->dev)
			return lxh_error_code(err, ENOENT, "%s is not the lxcfs mount listed in the mount table", m->path);
		return move_fd(fd);
	}
	if (fstatfs(fd, &sfs) < 0)
		return lxh_error_errno(err, "lxcfs at %s is not answering", m->path);
	if (fstat(fd, &st) < 0)
		return lxh_error_errno(err, "lxcfs at %s is not answering", m->path);
	if ((unsigned long)sfs.f_type != FUSE_SUPER_MAGIC || st.st_dev != m->dev)
		return lxh_error_code(err, ENOENT, "%s is not the lxcfs mount listed in the mount table", m->path);
	return move_fd(fd);
}

/* Is @source's directory one lxcfs was found not to have? Asks lxcfs when the directory is new to @memo. */
static bool dir_known_absent(int rootfd, const char *source, struct lxcfs_dir_memo *memo)
{
	const char *slash = strrchr(source, '/');
	size_t len = slash ? (size_t)(slash - source) : 0;

	if (!memo || len == 0 || len >= sizeof(memo->dir))
		return false;
	if (strncmp(memo->dir, source, len) != 0 || memo->dir[len] != '\0') {
		cleanup_close int dir = -1;

		memcpy(memo->dir, source, len);
		memo->dir[len] = '\0';
		/* Found, the lookup is cached for the file's own; not found, the siblings are spared theirs. */
		dir = resolve_beneath(rootfd, memo->dir, O_PATH | O_DIRECTORY, true);
		memo->absent = dir == -ENOENT;
	}
	return memo->absent;
}

int lxcfs_open_source(int rootfd, const struct lxcfs_mount *m, const char *source, bool is_dir,
		      struct lxcfs_dir_memo *memo, struct lxh_error *err)
{
	cleanup_close int fd = dir_known_absent(rootfd, source, memo) ?
				       -ENOENT :
				       resolve_beneath(rootfd, source, O_PATH | (is_dir ? O_DIRECTORY : 0), true);
	struct stat st;

	if (fd < 0)
		return lxh_error_set(err, -fd, "lxcfs at %s: %s", m->path, source);
	if (fstat(fd, &st) < 0)
		return lxh_error_errno(err, "lxcfs at %s: %s", m->path, source);
	if (st.st_dev != m->dev || (is_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return lxh_error_code(err, EINVAL, "lxcfs at %s: %s is not a %s served by lxcfs", m->path, source,
				     is_dir ? "directory" : "regular file");
	return move_fd(fd);
}

static bool cmdline_names(pid_t pid, const char *path)
{
	char file[64], buf[4096];
	cleanup_close int fd = -1;
	ssize_t n;

	if (strnprintf(file, sizeof(file), "/proc/%d/cmdline", (int)pid) < 0)
		return false;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return false;
	buf[n] = '\0';
	for (char *arg = buf; arg < buf + n; arg += strlen(arg) + 1)
		if (strcmp(arg, path) == 0)
			return true;
	return false;
}

pid_t lxcfs_daemon_pid(const struct lxcfs_mount *m)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	if (!d)
		return 0;
	/* cppcheck-suppress readdirCalled ; readdir_r() is deprecated, readdir() is safe on a DIR of our own */
	while (!found && (de = readdir(d))) {
		char file[300], comm[32] = "";
		cleanup_close int fd = -1;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (strnprintf(file, sizeof(file), "/proc/%s/comm", de->d_name) < 0)
			continue;
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (n = read(fd, comm, sizeof(comm) - 1)) <= 0)
			continue;
		comm[n] = '\0';
		if (strcmp(comm, "lxcfs\n") == 0 && cmdline_names((pid_t)atoi(de->d_name), m->path))
			found = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return found;
}

struct probe_msg {
	int rc;
	struct lxh_error error;
};

static void probe_child(void *arg, int fd)
{
	struct probe_msg m = { 0 };
	int rootfd = lxcfs_open_root(arg, true, &m.error);

	m.rc = rootfd < 0 ? rootfd : 0;
	if (rootfd >= 0)
		close(rootfd);
	worker_send(fd, &m, sizeof(m));
}

static void probe_msg(const void *msg, void *ctx)
{
	*(struct probe_msg *)ctx = *(const struct probe_msg *)msg;
}

/* Does lxcfs answer? Asked from a killable child: a hung lxcfs must not hang us. */
int lxcfs_probe(const struct lxcfs_mount *m, int64_t deadline_ms, struct lxh_error *err)
{
	struct probe_msg res = { .rc = -EIO };
	int rc = worker_run(probe_child, (void *)m, sizeof(res), probe_msg, &res, step_deadline(LXCFS_PROBE_MS, deadline_ms));

	if (rc == -ETIMEDOUT)
		return lxh_error_set(err, 0, "lxcfs at %s is not answering", m->path);
	if (rc < 0)
		return lxh_error_set(err, -rc, "cannot check lxcfs at %s", m->path);
	if (res.rc < 0)
		*err = res.error;
	return res.rc;
}

int lxcfs_wait_live(const char *root, int wait_s, struct lxcfs_mount *out, int64_t deadline_ms,
		    struct lxh_error *err)
{
	int64_t until = step_deadline((int64_t)wait_s * 1000, deadline_ms);

	for (;;) {
		int rc = lxcfs_locate(root, out, err);

		if (rc == 0)
			rc = lxcfs_probe(out, deadline_ms, err);
		if (rc == 0 || now_ms() >= until)
			return rc;
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
}
