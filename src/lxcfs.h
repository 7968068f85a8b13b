/* SPDX-License-Identifier: Apache-2.0 */
/* lxcfs.h - where the live lxcfs mount is, and opening what it serves. */
#ifndef LXH_LXCFS_H
#define LXH_LXCFS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define LXCFS_FSTYPE "fuse.lxcfs"

struct lxcfs_mount {
	char path[PATH_MAX]; /* mount point, as the host sees it */
	dev_t dev;           /* its device: a restarted lxcfs gets a new one */
};

/**
 * lxcfs_locate - find the live lxcfs mount in /proc/self/mountinfo (libmount).
 * Reads no file under the mount, so a hung lxcfs cannot block it. Only root's lxcfs counts
 * (its options say user_id=0): a fuse.lxcfs mount made by anyone else is skipped with a warning.
 * @root: --lxcfs-root, which must itself be a fuse.lxcfs mount point; NULL: prefer
 * /var/lib/lxcfs, then /var/lib/lxc/lxcfs, then any other.
 * Returns: 0, -ENOENT when none is mounted (@err says where it looked, and which mount it did
 * not trust and why), or another negative errno.
 */
int lxcfs_locate(const char *root, struct lxcfs_mount *out, struct lxh_error *err);

/**
 * lxcfs_open_root - open @m's mount point and check it is that lxcfs (FUSE magic, same device).
 * With @ask_lxcfs, or on kernels before 6.8, by a statfs that also proves lxcfs answers;
 * without, from the kernel's mount table alone, for callers whose next step asks lxcfs anyway
 * (a lookup of each file: one round trip fewer on every annotated start).
 * May touch the FUSE daemon: call it only where a deadline guards the caller.
 * Returns: an O_PATH fd, or a negative errno with @err filled (-ENOTCONN: lxcfs not answering).
 */
int lxcfs_open_root(const struct lxcfs_mount *m, bool ask_lxcfs, struct lxh_error *err);

/*
 * The directory of the last source opened, and whether lxcfs has it. FUSE caches no failed
 * lookup: without this, each file under a directory lxcfs lacks (the three proc/pressure files
 * on an lxcfs without PSI) would ask lxcfs again for the same directory.
 */
struct lxcfs_dir_memo {
	char dir[64];
	bool absent; /* lxcfs answered that it has no such directory */
};

/**
 * lxcfs_open_source - open @source ("proc/meminfo") beneath @rootfd, no symlinks, no mount crossing,
 * and check its type (@is_dir) and device. With @memo (callers opening several sources from one
 * lxcfs, in the order of lxfiles[], so siblings come together), a directory lxcfs lacks is asked
 * about once. Returns: an O_PATH fd, or a negative errno (-ENOENT: lxcfs does not serve it) with
 * @err filled.
 */
int lxcfs_open_source(int rootfd, const struct lxcfs_mount *m, const char *source, bool is_dir,
		      struct lxcfs_dir_memo *memo, struct lxh_error *err);


/* Devices of lxcfs mounts known to answer: a layer on one of them needs no probe. */
#define LXCFS_MAX_LIVE 16
struct lxcfs_live_set {
	dev_t devs[LXCFS_MAX_LIVE];
	size_t n;
};

static inline bool lxcfs_live_has(const struct lxcfs_live_set *s, dev_t dev)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->devs[i] == dev)
			return true;
	return false;
}

/* How long one check that lxcfs answers may take: a live one answers in microseconds. */
#define LXCFS_PROBE_MS 1000

/**
 * lxcfs_probe - does lxcfs at @m answer? Asked from a killable child under a one-second
 * bound, never past the run's @deadline_ms, so a hung lxcfs cannot hang the caller.
 * Returns: 0, or a negative errno with @err filled.
 */
int lxcfs_probe(const struct lxcfs_mount *m, int64_t deadline_ms, struct lxh_error *err);

/* The pid of the lxcfs daemon serving @m (an "lxcfs" process naming its mount point), or 0. */
pid_t lxcfs_daemon_pid(const struct lxcfs_mount *m);

/**
 * lxcfs_wait_live - locate the live lxcfs and check that it answers, retrying up to @wait_s
 * seconds, never past @deadline_ms. Returns: 0, or a negative errno with @err filled.
 */
int lxcfs_wait_live(const char *root, int wait_s, struct lxcfs_mount *out, int64_t deadline_ms,
		    struct lxh_error *err);

#endif
