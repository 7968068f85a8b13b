/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statmount.h - ask the kernel about mounts one by one instead of reading a mount table:
 * statx() for the mount a path is on, statmount() for what that mount is (Linux 6.8),
 * listmount() for the mounts of a namespace (another namespace: 6.11).
 *
 * The hook's mounting path used to load libmount (and libblkid, libselinux, libpcre2) and
 * parse two mountinfo files: 1.2 of the 2.0 million instructions of an annotated run.
 * These calls answer the same two questions in a few system calls, and remount's scan reads
 * each container's table with them too (sm_ns_table). They answer "cannot
 * tell" on kernels without them, or without the lxcfs subtype in statmount's answer
 * (STATMOUNT_FS_SUBTYPE came after statmount itself), and in every case that is not the
 * plain one: the caller then reads mountinfo with libmount, which names what is wrong.
 */
#ifndef LXH_STATMOUNT_H
#define LXH_STATMOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * sm_disable - answer "cannot tell" from now on, as a kernel before 6.8 would. The legacy
 * mount path (--mount-api legacy, make check-legacy) stands for kernels without the new
 * mount API (5.2): they have no statmount either, so it reads the mount table too.
 */
void sm_disable(void);

/**
 * sm_lxcfs_root - is @path (absolute, clean) the mount point of the top mount there, a
 * fuse.lxcfs mount made by root (user_id=0)? Asks the kernel only, never lxcfs.
 * Returns: 1 with *dev set to its device; 0 when it is not, or this kernel cannot tell.
 */
int sm_lxcfs_root(const char *path, dev_t *dev);

/**
 * sm_lxcfs_layers - the mount ids (as in mountinfo) of the fuse.lxcfs mounts of device @dev
 * in the mount namespace @mntns_fd refers to.
 * Returns: 1 with *ids (malloc'd, the caller frees) and *n set; 0 when this kernel cannot
 * tell; -ENOMEM.
 */
int sm_lxcfs_layers(int mntns_fd, dev_t dev, int **ids, size_t *n);

struct mountinfo;

/**
 * sm_ns_table - the mount table of the namespace @mntns_fd refers to, as its
 * /proc/PID/mountinfo shows it to a process whose root is that namespace's root: each
 * mount's id and parent id (mountinfo's), device, type ("fuse.lxcfs": the type and
 * subtype joined) and mount point; fs_options is left NULL. Nothing reaches a filesystem.
 * Only once an answer has shown that this kernel fills the subtype (sm_lxcfs_root of a
 * live lxcfs, say): before that, a stale lxcfs layer would be only "fuse" here.
 * Returns: 1 with @out filled (mountinfo_free it); 0 when this kernel cannot tell; -EAGAIN
 * when a mount went away while it was read (read it again); -ENOMEM.
 */
int sm_ns_table(int mntns_fd, struct mountinfo *out);

/* What the mount an fd is on is made of, as sm_fd_mount tells it. */
struct sm_fd_mount {
	dev_t dev;            /* the superblock's device, as st_dev */
	unsigned long magic;  /* the filesystem's magic, as statfs's f_type */
	bool rdonly;          /* the mount (not only the filesystem) is read-only */
};

/**
 * sm_fd_mount - the device, filesystem and read-only flag of the mount @fd (O_PATH too) is
 * on, from the kernel's tables alone: no request reaches the filesystem. fstatfs on a FUSE
 * file is a round trip to its daemon (25 us for lxcfs here, against 3 us for this).
 * Returns: 1 with @out filled; 0 when this kernel cannot tell (before 6.8, sm_disable()).
 */
int sm_fd_mount(int fd, struct sm_fd_mount *out);

/**
 * fd_mount_describe - sm_fd_mount where the kernel can tell; else fstatfs and fstat, which
 * ask the filesystem (a FUSE round trip: call it under a deadline).
 * Returns: 0 with @out filled, or a negative errno (-ENOTCONN: a FUSE daemon that is gone).
 */
int fd_mount_describe(int fd, struct sm_fd_mount *out);

#endif
