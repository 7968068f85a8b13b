/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kernel.h - the newer mount and process syscalls, called through syscall()
 * so the binary builds against old headers and runs on old kernels (RHEL 8's
 * 4.18 has none of them), and the one place that decides which are used.
 */
#ifndef LXH_KERNEL_H
#define LXH_KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Flag values from the kernel UAPI, for headers that predate them. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC 02000000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#endif

struct lxh_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

struct lxh_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

int sys_open_tree(int dfd, const char *path, unsigned flags);
int sys_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned flags);
int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct lxh_mount_attr *attr);
int sys_openat2(int dfd, const char *path, struct lxh_open_how *how);
int sys_pidfd_open(pid_t pid, unsigned flags);
int sys_pidfd_send_signal(int pidfd, int sig);

/* What this kernel offers; probed once, on first use. */
struct kernel_features {
	bool mount_api;     /* open_tree + move_mount (5.2) */
	bool mount_setattr; /* 5.12 */
	bool openat2;       /* 5.6 */
	bool pidfd;         /* pidfd_open (5.3) */
	bool move_beneath;  /* move_mount MOVE_MOUNT_BENEATH (6.5): a mount slid under the top one */
};

const struct kernel_features *kernel_features(void);

/* --mount-api legacy: behave as if the new mount API were absent (tests cover that path). */
void kernel_force_legacy_mount(void);

/* remount --repair-order detach-first: behave as if MOVE_MOUNT_BENEATH were absent. */
void kernel_force_no_beneath(void);

/* One line for debug logs: which paths this run takes. */
void kernel_features_log(void);

#endif
