/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "attach.h"
#include "kernel.h"
#include "log.h"
#include "nsscan.h"
#include "pin.h"
#include "resolve.h"
#include "statmount.h"
#include "target.h"
#include "threadns.h"
#include "util.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

#define RO_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* A source ready to attach: a detached read-only clone (new API) or an fd for a classic bind. */
struct source {
	int fd;   /* O_PATH fd of the lxcfs file in the host namespace */
	int tree; /* open_tree clone, or -1 on the legacy path */
};

static bool is_lxcfs_fd(int fd, dev_t dev)
{
	struct sm_fd_mount m;

	return fd_mount_describe(fd, &m) == 0 && m.magic == FUSE_SUPER_MAGIC && m.dev == dev;
}

/* Remount the mount now on @t read-only, by a path relative to its parent (works after pivot too). */
static int remount_ro(const struct target *t)
{
	if (fchdir(t->parentfd) < 0)
		return -errno;
	if (mount(NULL, t->name, NULL, MS_REMOUNT | MS_BIND | RO_FLAGS, NULL) < 0)
		return -errno;
	return 0;
}

/*
 * Make the mount now on @t private, by a path relative to its parent. A bind of a shared
 * mount joins its peer group: without this, a mount made on it inside the container would
 * appear on the host's lxcfs tree and in every other container, and theirs in this one.
 */
static int make_private(const struct target *t)
{
	if (fchdir(t->parentfd) < 0)
		return -errno;
	if (mount(NULL, t->name, NULL, MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

/* Detach the top mount on @t. UMOUNT_NOFOLLOW: the name is never a symlink, and must not become one. */
static int detach(const struct target *t)
{
	if (fchdir(t->parentfd) < 0)
		return -errno;
	if (umount2(t->name, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* Host side, before setns: a detached read-only clone of the source @fd. */
static int source_clone(int fd, const struct lxcfs_mount *m, const struct lxfile *f, struct source *s,
			struct lxh_error *err)
{
	s->tree = sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (s->tree < 0)
		return lxh_error_errno(err, "open_tree %s/%s", m->path, f->source);
	if (kernel_features()->mount_setattr) {
		/* Private before it is attached: a clone of a shared lxcfs mount is one of its peers. */
		struct lxh_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
							  MOUNT_ATTR_NOEXEC,
					       .propagation = MS_PRIVATE };
		if (sys_mount_setattr(s->tree, "", AT_EMPTY_PATH, &attr) < 0)
			return lxh_error_errno(err, "mount_setattr read-only, private on a clone of %s/%s", m->path,
					       f->source);
	}
	return 0;
}

/* Host side, before setns: open the source and, with the new API, clone it read-only. */
static int source_prepare(int lxcfs_root, const struct lxcfs_mount *m, const struct lxfile *f, bool legacy,
			  struct lxcfs_dir_memo *memo, struct source *s, struct lxh_error *err)
{
	s->fd = lxcfs_open_source(lxcfs_root, m, f->source, f->is_dir, memo, err);
	if (s->fd < 0)
		return s->fd;
	return legacy ? 0 : source_clone(s->fd, m, f, s, err);
}

int repair_sources_open(const struct lxcfs_mount *m, int lxcfs_root, lxfile_mask files, int fds[LXF_COUNT],
			struct lxh_error *err)
{
	struct lxcfs_dir_memo memo = { 0 };

	for (int id = 0; id < LXF_COUNT; id++)
		fds[id] = -1;
	for (int id = 0; id < LXF_COUNT; id++) {
		if (!(files & LXF_BIT(id)))
			continue;
		fds[id] = lxcfs_open_source(lxcfs_root, m, lxfiles[id].source, lxfiles[id].is_dir, &memo, err);
		if (fds[id] < 0) {
			int rc = fds[id];

			fds[id] = -1;
			/* Not served: only the namespaces that need this file fail, each saying so. */
			if (rc == -ENOENT) {
				lxh_error_clear(err);
				continue;
			}
			return rc;
		}
	}
	return 0;
}

/*
 * Legacy path, inside the namespace before pivot_root: the host's lxcfs mount is
 * visible at the same path there, so bind from an fd opened and checked here.
 */
static int attach_legacy(const struct attach_request *req, const struct container_fs *cfs, const struct lxfile *f,
			 const struct target *t, struct lxh_error *err)
{
	cleanup_close int root = -1, src = -1;
	char from[64], to[64];

	if (cfs->pivoted)
		return lxh_error_set(err, 0,
				     "%s: this kernel has no open_tree/move_mount, and after pivot_root there is no safe "
				     "classic bind; register the hook at createRuntime or prestart",
				     f->target);
	root = open(req->lxcfs.path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return lxh_error_errno(err, "lxcfs at %s is not visible in the container's mount namespace", req->lxcfs.path);
	if (!is_lxcfs_fd(root, req->lxcfs.dev))
		return lxh_error_code(err, ENOENT, "%s in the container's mount namespace is not the live lxcfs", req->lxcfs.path);
	src = lxcfs_open_source(root, &req->lxcfs, f->source, f->is_dir, NULL, err);
	if (src < 0)
		return src;
	if (strnprintf(from, sizeof(from), "/proc/self/fd/%d", src) < 0 ||
	    strnprintf(to, sizeof(to), "/proc/self/fd/%d", t->fd) < 0)
		return -EINVAL;
	if (mount(from, to, NULL, MS_BIND, NULL) < 0)
		return lxh_error_errno(err, "bind %s/%s on %s", req->lxcfs.path, f->source, f->target);
	return 0;
}

static int attach_one(const struct attach_request *req, const struct container_fs *cfs, const struct lxfile *f,
		      struct source *s, const struct target *t, struct lxh_error *err)
{
	int rc;

	if (s->tree >= 0) {
		if (sys_move_mount(s->tree, "", t->fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return lxh_error_errno(err, "move_mount %s/%s on %s", req->lxcfs.path, f->source, f->target);
		close_fd(&s->tree);
		if (kernel_features()->mount_setattr)
			return 0;
	} else if ((rc = attach_legacy(req, cfs, f, t, err)) < 0) {
		return rc;
	}
	/*
	 * A classic bind ignores MS_RDONLY: read-only takes a second, remounting call; and
	 * private a third, before anyone is told the mount is there (kernels without mount_setattr).
	 */
	if ((rc = remount_ro(t)) < 0 || (rc = make_private(t)) < 0) {
		int urc = detach(t);
		if (urc < 0)
			log_error("cannot undo the mount on %s: %s", f->target, strerror(-urc));
		return lxh_error_set(err, -rc, "remount %s read-only and private", f->target);
	}
	return 0;
}

/* The target now shows the live lxcfs file, read-only. */
static int verify(const struct attach_request *req, const struct lxfile *f, const struct target *t,
		  struct lxh_error *err)
{
	cleanup_close int fd = target_open_mounted(t);
	struct sm_fd_mount m;

	if (fd < 0)
		return lxh_error_set(err, -fd, "verify %s", f->target);
	/* The kernel's own record of the mount (6.8+); else one statfs, a round trip to lxcfs. */
	if (fd_mount_describe(fd, &m) < 0 || m.magic != FUSE_SUPER_MAGIC || m.dev != req->lxcfs.dev)
		return lxh_error_code(err, EIO, "verify %s: the file now there is not the lxcfs file", f->target);
	if (!m.rdonly)
		return lxh_error_code(err, EIO, "verify %s: the mount is not read-only", f->target);
	return 0;
}

int attach_in_worker(const struct attach_request *req, struct attach_result *res, struct lxh_error *err)
{
	const struct plan *plan = req->plan;
	struct source src[LXF_COUNT];
	struct target tgt[LXF_COUNT];
	bool attached[LXF_COUNT] = { false };
	cleanup_close int lxcfs_root = -1;
	cleanup_container_fs struct container_fs cfs = CONTAINER_FS_INIT;
	struct lxcfs_dir_memo memo = { 0 };
	int rc = 0;

	for (size_t i = 0; i < LXF_COUNT; i++) {
		src[i] = (struct source){ .fd = -1, .tree = -1 };
		tgt[i] = (struct target)TARGET_INIT;
	}

	/* 1. Host side: lxcfs must answer, and each source must be its file. */
	lxcfs_root = lxcfs_open_root(&req->lxcfs, false, err);
	if (lxcfs_root < 0) {
		res->lxcfs_unavailable = true;
		rc = lxcfs_root;
		goto out;
	}
	for (size_t i = 0; i < plan->n; i++) {
		const struct lxfile *f = plan->entries[i].file;

		rc = source_prepare(lxcfs_root, &req->lxcfs, f, req->legacy, &memo, &src[i], err);
		if (rc == -ENOENT && !plan->entries[i].required) {
			log_debug("lxcfs at %s does not serve %s: skipped", req->lxcfs.path, f->source);
			res->absent |= LXF_BIT(f->id);
			lxh_error_clear(err);
			rc = 0;
			continue;
		}
		if (rc == -ENOTCONN || rc == -ECONNABORTED)
			res->lxcfs_unavailable = true;
		if (rc < 0)
			goto out;
	}

	/* 2. Into the container's mount namespace. This process is single threaded: setns is allowed. */
	if (setns(req->mntns_fd, CLONE_NEWNS) < 0) {
		rc = lxh_error_errno(err, "cannot enter the container's mount namespace");
		goto out;
	}
	rc = container_fs_open(&req->rootfs, &cfs, err);
	if (rc < 0)
		goto out;
	log_debug("container root: %s", cfs.pivoted ? "/ (after pivot_root)" : req->rootfs.path);

	/* 3. Each target: resolve safely, attach, report, verify. */
	for (size_t i = 0; i < plan->n; i++) {
		const struct lxfile *f = plan->entries[i].file;
		bool required = plan->entries[i].required;

		if (res->absent & LXF_BIT(f->id))
			continue;
		rc = target_open(&cfs, f, &tgt[i], err);
		if (rc == -ENOENT) {
			if (required) {
				rc = lxh_error_code(err, ENOENT, "the container has no %s (named in %s)", f->target,
						    ANNOTATION_FILES);
				goto out;
			}
			log_debug("the container has no %s: skipped", f->target);
			res->absent |= LXF_BIT(f->id);
			rc = 0;
			continue;
		}
		if (rc == -EXDEV) {
			cleanup_close int cur = target_open_mounted(&tgt[i]);
			if (cur >= 0 && is_lxcfs_fd(cur, req->lxcfs.dev)) {
				log_debug("%s is already the live lxcfs file", f->target);
				res->present |= LXF_BIT(f->id);
			} else if (required) {
				rc = lxh_error_code(err, EBUSY, "%s (named in %s) already has a mount on it that is not the live lxcfs",
						    f->target, ANNOTATION_FILES);
				goto out;
			} else {
				log_info("%s already has a mount on it that is not the live lxcfs: left alone", f->target);
				res->occupied |= LXF_BIT(f->id);
			}
			rc = 0;
			continue;
		}
		if (rc < 0)
			goto out;

		rc = attach_one(req, &cfs, f, &src[i], &tgt[i], err);
		if (rc < 0)
			goto out;
		attached[i] = true;
		rc = verify(req, f, &tgt[i], err);
		if (rc < 0)
			goto out;
		res->mounted |= LXF_BIT(f->id);
		log_debug("mounted %s/%s on %s read-only", req->lxcfs.path, f->source, f->target);
	}

out:
	/* A failed run leaves nothing behind: undo in reverse order what this call attached. */
	if (rc < 0) {
		for (size_t i = plan->n; i-- > 0;) {
			int urc;

			if (!attached[i])
				continue;
			urc = detach(&tgt[i]);
			if (urc < 0)
				log_error("cannot undo the mount on %s: %s", plan->entries[i].file->target, strerror(-urc));
			else
				res->mounted &= ~LXF_BIT(plan->entries[i].file->id);
		}
	}
	for (size_t i = 0; i < LXF_COUNT; i++) {
		close_fd(&src[i].fd);
		close_fd(&src[i].tree);
		target_close(&tgt[i]);
	}
	return rc;
}

static bool has_id(const int *ids, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int attach_undo_in_worker(int mntns_fd, const struct rootfs_hint *rootfs, lxfile_mask files, const int *ids,
			  size_t n_ids, struct lxh_error *err)
{
	cleanup_container_fs struct container_fs cfs = CONTAINER_FS_INIT;
	int rc, first_rc = 0;

	if (setns(mntns_fd, CLONE_NEWNS) < 0)
		return lxh_error_errno(err, "cannot enter the container's mount namespace to undo");
	rc = container_fs_open(rootfs, &cfs, err);
	if (rc < 0)
		return rc;
	for (int id = LXF_COUNT; id-- > 0;) {
		if (!(files & LXF_BIT(id)))
			continue;
		/* Layer by layer from the top, while the top is one this run added. */
		for (int layer = 0; layer < NS_MAX_LAYERS; layer++) {
			cleanup_target struct target t = TARGET_INIT;
			struct statx stx;

			rc = target_open(&cfs, &lxfiles[id], &t, err);
			lxh_error_clear(err);
			if (rc != -EXDEV)
				break; /* nothing mounted there (any more) */
			/* AT_STATX_DONT_SYNC: the mount id without asking the (possibly hung) lxcfs. */
			if (statx(t.parentfd, t.name, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) < 0)
				break;
			if (!(stx.stx_mask & STATX_MNT_ID))
				return lxh_error_code(err, ENOSYS, "this kernel (before 5.8) gives no mount ids: cannot tell "
							     "the mounts this run made from earlier ones");
			if (!has_id(ids, n_ids, (int)stx.stx_mnt_id))
				break;
			rc = detach(&t);
			if (rc < 0) {
				if (!first_rc)
					first_rc = lxh_error_set(err, -rc, "cannot undo the mount on %s", lxfiles[id].target);
				break;
			}
		}
	}
	return first_rc;
}

enum layer_kind { LAYER_OTHER, LAYER_OURS, LAYER_DEAD, LAYER_FOREIGN };

/*
 * What the mount now on @t is: ours (the live lxcfs), an lxcfs layer whose connection is dead,
 * one that still answers (another lxcfs: never ours to replace), or not lxcfs at all. Only a
 * layer of a device the scan saw is asked anything, here in the worker, under its deadline.
 * The O_PATH fd of a layer that is ours or dead comes back in *@top_fd, for swap_beneath.
 */
static enum layer_kind top_layer(const struct target *t, const struct ns_lxcfs_view *view, dev_t live, int *top_fd)
{
	cleanup_close int fd = -1;
	struct statfs sfs;
	struct statx stx;
	bool seen = false;
	dev_t dev;

	if (statx(t->parentfd, t->name, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_TYPE, &stx) < 0)
		return LAYER_OTHER;
	dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	if (dev == live) {
		*top_fd = target_open_mounted(t);
		return LAYER_OURS;
	}
	for (size_t i = 0; i < view->n_devs && !seen; i++)
		seen = view->devs[i] == dev;
	if (!seen)
		return LAYER_OTHER;
	fd = target_open_mounted(t);
	if (fd < 0)
		return LAYER_OTHER;
	if (fstatfs(fd, &sfs) < 0 && (errno == ENOTCONN || errno == ECONNABORTED)) {
		*top_fd = move_fd(fd);
		return LAYER_DEAD;
	}
	return LAYER_FOREIGN;
}

/*
 * Gapless: slide the fresh clone @s under the top mount of @t (@top, an O_PATH fd of it, as
 * top_layer opened it; MOVE_MOUNT_BENEATH, 6.5), then detach that top. A reader of the target
 * sees the stale layer (ENOTCONN), then the fresh one, never the procfs/sysfs file beneath. Returns: 0 when the clone went under (and the top was
 * detached); a negative errno when the kernel lacks or refuses it here (a locked top mount, a
 * parent that is the namespace's root, propagation that would cover the clone), nothing changed
 * and @s still usable; -EBUSY with @err filled when the top could not be detached afterwards.
 */
static int swap_beneath(const struct lxfile *f, struct source *s, const struct target *t, int top,
			struct lxh_error *err)
{
	int rc;

	if (sys_move_mount(s->tree, "", top, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH | MOVE_MOUNT_BENEATH) < 0)
		return -errno;
	close_fd(&s->tree);
	rc = detach(t);
	if (rc < 0)
		/* The fresh clone sits under the stale layer: still lxcfs, and the next remount sees it stacked. */
		return lxh_error_code(err, EBUSY, "%s: the fresh lxcfs file went beneath, but the stale layer cannot be detached: %s",
				      f->target, strerror(-rc));
	return 0;
}

/*
 * Replace the lxcfs layers on @f (@layers of them, as the scan counted) with one fresh clone @s.
 * Layers above the last are detached (each uncovers another lxcfs layer); the last is swapped
 * gaplessly where the kernel allows, else detached and the clone attached on the genuine file.
 * The target is re-resolved after each change.
 */
static int repair_target(const struct repair_request *req, const struct container_fs *cfs, const struct lxfile *f,
			 unsigned layers, struct source *s, struct repair_result *res, struct lxh_error *err)
{
	struct attach_request areq = { .lxcfs = *req->lxcfs };
	bool try_beneath = kernel_features()->move_beneath;

	for (int layer = 0; layer <= NS_MAX_LAYERS; layer++) {
		cleanup_target struct target t = TARGET_INIT;
		int rc = target_open(cfs, f, &t, err);

		if (rc == -EXDEV) {
			cleanup_close int top = -1;
			enum layer_kind kind = t.name ? top_layer(&t, req->view, req->lxcfs->dev, &top) : LAYER_OTHER;

			if (kind == LAYER_OTHER)
				return lxh_error_set(err, 0, "%s: a mount that is not lxcfs covers it: left alone", f->target);
			if (kind == LAYER_FOREIGN)
				return lxh_error_set(err, 0, "%s: another lxcfs that answers covers it: left alone", f->target);
			if (try_beneath && layers <= 1 && top >= 0) {
				rc = swap_beneath(f, s, &t, top, err);
				if (rc == 0) {
					res->detached++;
					res->beneath |= LXF_BIT(f->id);
					rc = verify(&areq, f, &t, err);
					if (rc < 0)
						detach(&t);
					return rc;
				}
				if (rc == -EBUSY)
					return rc;
				log_debug("%s: move_mount beneath refused (%s): detach first, then attach", f->target,
					  strerror(-rc));
				try_beneath = false;
			}
			rc = detach(&t);
			if (rc < 0)
				return lxh_error_set(err, -rc, "%s: cannot detach an lxcfs layer", f->target);
			res->detached++;
			if (layers > 0)
				layers--;
			continue;
		}
		if (rc == -ENOENT)
			return lxh_error_code(err, ENOENT, "%s: not found in the container", f->target);
		if (rc < 0)
			return rc;
		/* The genuine procfs/sysfs file again: one fresh layer goes on. */
		rc = attach_one(&areq, cfs, f, s, &t, err);
		if (rc < 0)
			return rc;
		res->detach_first |= LXF_BIT(f->id);
		rc = verify(&areq, f, &t, err);
		if (rc < 0) {
			detach(&t);
			return rc;
		}
		return 0;
	}
	return lxh_error_set(err, 0, "%s: more than %d lxcfs layers", f->target, NS_MAX_LAYERS);
}

int repair_in_namespace(const struct repair_request *req, struct repair_result *res, struct lxh_error *err)
{
	lxfile_mask todo = req->view->stale | req->view->stacked;
	cleanup_pin struct pinned_proc proc = PINNED_PROC_INIT;
	cleanup_close int root = -1;
	cleanup_container_fs struct container_fs cfs = CONTAINER_FS_INIT;
	struct source src[LXF_COUNT];
	struct rootfs_hint hint = { .rootfd = -1 };
	char path[64];
	int rc = 0, back;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < LXF_COUNT; i++)
		src[i] = (struct source){ .fd = -1, .tree = -1 };

	/* Pin first, then its root: both belong to the process that is still alive after. */
	rc = proc_pin(req->pid, &proc, err);
	if (rc < 0)
		return rc;
	/* The pid may have exited and been reused, or moved, since its mountinfo was read. */
	{
		struct stat st;

		if (fstat(proc.mntns_fd, &st) < 0)
			return lxh_error_errno(err, "cannot check the mount namespace of process %d", (int)req->pid);
		if (req->ns_ino && st.st_ino != req->ns_ino)
			return lxh_error_set(err, 0, "process %d is no longer in the mount namespace that was scanned: nothing changed",
					     (int)req->pid);
	}
	if (strnprintf(path, sizeof(path), "/proc/%d/root", (int)req->pid) < 0)
		return -EINVAL;
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return lxh_error_errno(err, "cannot open the root of process %d", (int)req->pid);
	/*
	 * The namespace and root just opened are its leader's: they are the namespace's only
	 * while every thread is in it too (the scan chose it so; src/threadns.h).
	 */
	{
		struct stat st;

		if (fstat(proc.mntns_fd, &st) < 0)
			return lxh_error_errno(err, "cannot check the mount namespace of process %d", (int)req->pid);
		rc = proc_threads_all_in_mntns(req->pid, &st);
		if (rc < 0)
			return lxh_error_set(err, -rc, "cannot check the threads of process %d", (int)req->pid);
		if (rc == 0)
			return lxh_error_code(err, EXDEV,
					      "process %d: its threads are no longer all in the mount namespace that was scanned: "
					      "nothing changed",
					      (int)req->pid);
	}
	hint.rootfd = root;

	/* Never detach what cannot be replaced: after pivot_root only a detached clone can go on. */
	if (!kernel_features()->mount_api)
		return lxh_error_set(err, 0, "this kernel has no open_tree/move_mount (or --mount-api legacy): after pivot_root there is no safe classic bind; nothing changed");
	/* The sources were opened once for every namespace; each namespace gets its own clones. */
	for (int id = 0; id < LXF_COUNT; id++) {
		if (!(todo & LXF_BIT(id)))
			continue;
		if (req->source_fds[id] < 0) {
			rc = lxh_error_code(err, ENOENT, "lxcfs at %s does not serve %s", req->lxcfs->path, lxfiles[id].source);
			goto out;
		}
		rc = source_clone(req->source_fds[id], req->lxcfs, &lxfiles[id], &src[id], err);
		if (rc < 0)
			goto out;
	}

	if (setns(proc.mntns_fd, CLONE_NEWNS) < 0) {
		rc = lxh_error_errno(err, "cannot enter the mount namespace of process %d", (int)req->pid);
		goto out;
	}
	rc = container_fs_open(&hint, &cfs, err);
	for (int id = 0; rc == 0 && id < LXF_COUNT; id++) {
		if (!(todo & LXF_BIT(id)))
			continue;
		rc = repair_target(req, &cfs, &lxfiles[id], req->view->layers[id], &src[id], res, err);
		if (rc == 0)
			res->repaired |= LXF_BIT(id);
	}
	back = setns(req->host_ns_fd, CLONE_NEWNS);
	if (back < 0 && rc == 0)
		rc = lxh_error_code(err, ENOTRECOVERABLE, "cannot return to the host's mount namespace");
out:
	for (size_t i = 0; i < LXF_COUNT; i++) {
		close_fd(&src[i].fd);
		close_fd(&src[i].tree);
	}
	return rc;
}
