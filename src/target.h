/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.h - find mount targets inside the container, safely. Runs in the
 * namespace worker after setns(): nothing here follows a symlink, crosses a
 * mount it did not expect, or accepts a file that is not genuine procfs/sysfs.
 */
#ifndef LXH_TARGET_H
#define LXH_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"

/* How to find the container's root inside its mount namespace. */
struct rootfs_hint {
	int rootfd;        /* >= 0: the root itself (a running container's /proc/PID/root); the rest is unused */
	const char *path;  /* root.path made absolute: where the rootfs sits before pivot_root */
	bool id_known;     /* the host could stat @path: dev/ino identify the rootfs */
	dev_t dev;
	ino_t ino;
	bool pivoted;      /* without dev/ino: the runtime's status says pivot_root is done */
};

struct container_fs {
	bool pivoted; /* the namespace's root is the container's root */
	int rootfd; /* the container's root directory */
	int procfd; /* its /proc: a procfs root, or -1 */
	int sysfd;  /* its /sys: sysfs, or -1 when it has none */
};

#define CONTAINER_FS_INIT { .pivoted = false, .rootfd = -1, .procfd = -1, .sysfd = -1 }

/**
 * rootfs_hint_init - fill @h for @path, stat'ing it from the host (before setns).
 * Runtimes differ in when they run hooks (runc 1.1 runs poststart during create, after
 * pivot_root, with status "created"), so the rootfs's identity decides, not the status.
 */
void rootfs_hint_init(struct rootfs_hint *h, const char *path, bool status_says_pivoted);

/**
 * container_fs_open - in the container's namespace: find its root ("/" when pivot_root is
 * done, else @h->path, either checked against the host's dev/ino), then its /proc
 * (required to be a procfs root: a fake /proc is a refusal) and /sys (sysfs or absent).
 * Returns: 0, or a negative errno with @err filled.
 */
int container_fs_open(const struct rootfs_hint *h, struct container_fs *cfs, struct lxh_error *err);
void container_fs_close(struct container_fs *cfs);
#define cleanup_container_fs __attribute__((cleanup(container_fs_close)))

struct target {
	int parentfd;  /* directory holding the target, for umount2 relative to it */
	bool own_parent; /* parentfd is ours to close; else it is the container_fs's /proc or /sys */
	const char *name; /* last component, within lxfile->fs_rel */
	int fd;        /* O_PATH fd of the genuine procfs/sysfs file or directory */
};

/* A target of a file directly under /proc or /sys borrows the container_fs's fd: it must not outlive it. */
#define TARGET_INIT { .parentfd = -1, .own_parent = false, .name = NULL, .fd = -1 }

/**
 * target_open - resolve @f inside the container.
 * Returns: 0; -ENOENT when the container does not have it; -EXDEV when something is
 * already mounted on it (see target_open_mounted()); another negative errno, with @err
 * filled, when it must be refused (a symlink, not procfs/sysfs, wrong type).
 */
int target_open(const struct container_fs *cfs, const struct lxfile *f, struct target *t, struct lxh_error *err);

/**
 * target_open_mounted - open whatever is mounted on @t now (crossing the mount).
 * Returns: an O_PATH fd, or a negative errno.
 */
int target_open_mounted(const struct target *t);

void target_close(struct target *t);
#define cleanup_target __attribute__((cleanup(target_close)))

#endif
