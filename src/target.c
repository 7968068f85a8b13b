/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "resolve.h"
#include "target.h"
#include "util.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif
#define PROC_ROOT_INO 1

static bool fd_is_fs(int fd, unsigned long magic)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && (unsigned long)sfs.f_type == magic;
}

void rootfs_hint_init(struct rootfs_hint *h, const char *path, bool status_says_pivoted)
{
	struct stat st;

	h->rootfd = -1;
	h->path = path;
	h->pivoted = status_says_pivoted;
	h->id_known = path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	h->dev = h->id_known ? st.st_dev : 0;
	h->ino = h->id_known ? st.st_ino : 0;
}

static bool is_rootfs(int fd, const struct rootfs_hint *h)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == h->dev && st.st_ino == h->ino;
}

/* The container's root: "/" after pivot_root, its path before. Runtime config, not image: plain opens. */
static int open_root(const struct rootfs_hint *h, struct container_fs *cfs, struct lxh_error *err)
{
	cleanup_close int slash = -1;

	if (h->rootfd >= 0) {
		cfs->pivoted = true;
		cfs->rootfd = fcntl(h->rootfd, F_DUPFD_CLOEXEC, 3);
		return cfs->rootfd < 0 ? lxh_error_errno(err, "dup") : 0;
	}
	slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (slash < 0)
		return lxh_error_errno(err, "cannot open the container namespace's root");
	if (h->id_known ? is_rootfs(slash, h) : (h->pivoted || !h->path)) {
		cfs->pivoted = true;
		cfs->rootfd = move_fd(slash);
		return 0;
	}
	if (!h->path)
		return lxh_error_code(err, ENOENT, "cannot tell where the container's root is");
	cfs->rootfd = open(h->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cfs->rootfd < 0)
		return lxh_error_errno(err, "cannot open the container's root %s in its mount namespace", h->path);
	if (h->id_known && !is_rootfs(cfs->rootfd, h))
		return lxh_error_code(err, EPERM, "%s in the container's mount namespace is not its rootfs: refusing", h->path);
	return 0;
}

int container_fs_open(const struct rootfs_hint *h, struct container_fs *cfs, struct lxh_error *err)
{
	struct stat st;
	int fd, rc;

	rc = open_root(h, cfs, err);
	if (rc < 0)
		return rc;

	fd = resolve_beneath(cfs->rootfd, "proc", O_PATH | O_DIRECTORY, false);
	if (fd < 0)
		return lxh_error_code(err, -fd, "the container's /proc is %s: refusing",
				      fd == -ENOENT ? "missing" : fd == -ELOOP || fd == -ENOTDIR ? "a symlink or not a directory" : "unusable");
	cfs->procfd = fd;
	/* Only procfs may sit on /proc (runc CVE-2019-16884): anything else is the image's. */
	if (!fd_is_fs(fd, PROC_SUPER_MAGIC) || fstat(fd, &st) < 0 || st.st_ino != PROC_ROOT_INO)
		return lxh_error_code(err, EPERM,
				     "the container's /proc is not a procfs mount: refusing to mount over files the image controls");

	fd = resolve_beneath(cfs->rootfd, "sys", O_PATH | O_DIRECTORY, false);
	if (fd >= 0 && !fd_is_fs(fd, SYSFS_MAGIC)) {
		close(fd);
		fd = -1;
	}
	cfs->sysfd = fd < 0 ? -1 : fd;
	return 0;
}

void container_fs_close(struct container_fs *cfs)
{
	close_fd(&cfs->rootfd);
	close_fd(&cfs->procfd);
	close_fd(&cfs->sysfd);
}

int target_open(const struct container_fs *cfs, const struct lxfile *f, struct target *t, struct lxh_error *err)
{
	int fsfd = f->fs == LXF_FS_PROC ? cfs->procfd : cfs->sysfd;
	unsigned long magic = f->fs == LXF_FS_PROC ? PROC_SUPER_MAGIC : SYSFS_MAGIC;
	const char *slash = strrchr(f->fs_rel, '/');
	struct stat st;

	if (fsfd < 0)
		return -ENOENT; /* no sysfs at /sys: the container does not have the file */

	if (slash) {
		char dir[PATH_MAX];

		if (strnprintf(dir, sizeof(dir), "%.*s", (int)(slash - f->fs_rel), f->fs_rel) < 0)
			return lxh_error_set(err, ENAMETOOLONG, "%s", f->target);
		t->parentfd = resolve_beneath(fsfd, dir, O_PATH | O_DIRECTORY, true);
		t->own_parent = true;
		if (t->parentfd == -ENOENT || t->parentfd == -EXDEV) {
			int rc = t->parentfd;
			t->parentfd = -1;
			/* A mount on a parent (say /proc/pressure) means the runtime or spec put something there. */
			return rc == -ENOENT ? -ENOENT : lxh_error_code(err, EXDEV, "%s: a parent directory is a mount point",
								       f->target);
		}
		if (t->parentfd < 0) {
			int rc = t->parentfd;
			t->parentfd = -1;
			return lxh_error_set(err, -rc, "cannot resolve %s in the container", f->target);
		}
		t->name = slash + 1;
	} else {
		t->parentfd = fsfd;
		t->own_parent = false;
		t->name = f->fs_rel;
	}

	t->fd = resolve_beneath(t->parentfd, t->name, O_PATH | (f->is_dir ? O_DIRECTORY : 0), true);
	if (t->fd == -ENOENT || t->fd == -EXDEV) {
		int rc = t->fd;
		t->fd = -1;
		return rc;
	}
	if (t->fd < 0) {
		int rc = t->fd;
		t->fd = -1;
		return lxh_error_set(err, -rc, "cannot resolve %s in the container", f->target);
	}
	if (!fd_is_fs(t->fd, magic) || fstat(t->fd, &st) < 0 ||
	    (f->is_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return lxh_error_code(err, EPERM, "the container's %s is not a genuine %s %s: refusing", f->target,
				     f->fs == LXF_FS_PROC ? "procfs" : "sysfs", f->is_dir ? "directory" : "file");
	return 0;
}

int target_open_mounted(const struct target *t)
{
	return resolve_beneath(t->parentfd, t->name, O_PATH, false);
}

void target_close(struct target *t)
{
	if (t->own_parent)
		close_fd(&t->parentfd);
	t->parentfd = -1;
	t->own_parent = false;
	close_fd(&t->fd);
}
