/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel.h"
#include "log.h"

/* The numbers are the same on every architecture but alpha since 5.1's syscall table unification. */
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif

int sys_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(__NR_open_tree, dfd, path, flags);
}

int sys_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned flags)
{
	return (int)syscall(__NR_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct lxh_mount_attr *attr)
{
	return (int)syscall(__NR_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

int sys_openat2(int dfd, const char *path, struct lxh_open_how *how)
{
	return (int)syscall(__NR_openat2, dfd, path, how, sizeof(*how));
}

int sys_pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(__NR_pidfd_open, pid, flags);
}

int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static struct kernel_features features;
static bool probed, legacy_forced, no_beneath_forced;

/* A syscall the kernel lacks fails with ENOSYS whatever its arguments; any other answer means it exists. */
static bool has_syscall(long ret)
{
	return !(ret < 0 && errno == ENOSYS);
}

static void probe(void)
{
	int saved = errno;

	if (probed)
		return;
	/* Arguments chosen to fail fast without side effects: a bad fd, or flags the kernel rejects. */
	features.mount_api = has_syscall(syscall(__NR_open_tree, -1, "", 0)) &&
			     has_syscall(syscall(__NR_move_mount, -1, "", -1, "", 0));
	features.mount_setattr = has_syscall(syscall(__NR_mount_setattr, -1, "", 0, NULL, 0));
	features.openat2 = has_syscall(syscall(__NR_openat2, -1, "", NULL, 0));
	features.pidfd = has_syscall(syscall(__NR_pidfd_open, 0, ~0u));
	/* Before 6.5 the unknown flag is EINVAL; after, the bad fds are EBADF. */
	features.move_beneath = features.mount_api &&
				syscall(__NR_move_mount, -1, "", -1, "",
					MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH | MOVE_MOUNT_BENEATH) < 0 &&
				errno == EBADF;
	if (legacy_forced) {
		features.mount_api = false;
		features.mount_setattr = false;
	}
	if (legacy_forced || no_beneath_forced)
		features.move_beneath = false;
	probed = true;
	errno = saved;
}

const struct kernel_features *kernel_features(void)
{
	probe();
	return &features;
}

void kernel_force_legacy_mount(void)
{
	legacy_forced = true;
	probed = false;
}

void kernel_force_no_beneath(void)
{
	no_beneath_forced = true;
	probed = false;
}

void kernel_features_log(void)
{
	const struct kernel_features *f = kernel_features();

	log_debug("kernel: mount API %s%s, mount_setattr %s, openat2 %s, pidfd %s, move beneath %s%s",
		  f->mount_api ? "yes" : "no", legacy_forced ? " (legacy forced)" : "",
		  f->mount_setattr ? "yes" : "no", f->openat2 ? "yes" : "no", f->pidfd ? "yes" : "no",
		  f->move_beneath ? "yes" : "no", no_beneath_forced ? " (detach-first forced)" : "");
}
