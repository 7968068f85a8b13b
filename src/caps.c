/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "util.h"

/*
 * Every hook process drops capabilities before it reads its input, so each system call
 * here is paid by every container start, annotated or not: one prctl and one capset.
 */

/* What the hook and remount need, and why. Everything else goes. */
static const cap_value_t needed[] = {
	CAP_SYS_ADMIN,       /* setns(CLONE_NEWNS), open_tree, move_mount, mount, umount2 */
	CAP_SYS_CHROOT,      /* setns into a mount namespace also requires it */
	CAP_SYS_PTRACE,      /* /proc/PID/ns/mnt and mountinfo of a non-dumpable runtime process */
	CAP_DAC_READ_SEARCH, /* bundles and rootfs directories with restrictive modes */
	CAP_DAC_OVERRIDE,    /* --log-file in a directory root does not own */
	CAP_KILL,            /* pidfd_send_signal(0) to check the container process is still alive */
};

static bool is_needed(cap_value_t c)
{
	for (size_t i = 0; i < ARRAY_SIZE(needed); i++)
		if (needed[i] == c)
			return true;
	return false;
}

static void cap_free_ptr(cap_t *c)
{
	if (*c)
		cap_free(*c);
}
#define cleanup_cap __attribute__((cleanup(cap_free_ptr)))

/* A caller without all of them (rare: a rootless runtime): keep those of them it has, nothing else. */
static void keep_needed_of_held(void)
{
	cleanup_cap cap_t cur = cap_get_proc();
	cap_flag_value_t held;

	if (!cur)
		return;
	for (cap_value_t c = 0; c < 64; c++) {
		if (cap_get_flag(cur, c, CAP_PERMITTED, &held) < 0)
			break;
		if (is_needed(c))
			continue;
		cap_set_flag(cur, CAP_EFFECTIVE, 1, &c, CAP_CLEAR);
		cap_set_flag(cur, CAP_PERMITTED, 1, &c, CAP_CLEAR);
	}
	cap_clear_flag(cur, CAP_INHERITABLE);
	cap_set_proc(cur);
}

/*
 * The needed set, effective and permitted; inheritable empty, which empties the ambient
 * set too (the kernel keeps there only what is both permitted and inheritable, cap_capset(),
 * Linux 4.3+). The system call itself, not libcap's cap_init(): that is a malloc, and the
 * process's first malloc costs more than the rest of the unannotated path (issue 11).
 */
static int set_needed(void)
{
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < ARRAY_SIZE(needed); i++) {
		data[CAP_TO_INDEX(needed[i])].effective |= CAP_TO_MASK(needed[i]);
		data[CAP_TO_INDEX(needed[i])].permitted |= CAP_TO_MASK(needed[i]);
	}
	return (int)syscall(SYS_capset, &head, data);
}

int caps_drop(struct lxh_error *err)
{
	/*
	 * No exec from here on may give back what the capset below takes away: not a setuid
	 * or file-capability binary, not root's exec rule (pP' = bounding set), which the
	 * kernel's no_new_privs path intersects with what this process holds. One prctl that
	 * changes no credentials, where emptying the bounding set takes one that does per
	 * capability (36 here, most of the unannotated path's cost). The hook execs nothing;
	 * this is for a parser bug that someone turns into an exec.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return lxh_error_errno(err, "cannot set no_new_privs");
	if (set_needed() < 0) {
		/* Not privileged enough to hold them all; the mount step will say what failed. */
		log_debug("cannot set capabilities: %s", strerror(errno));
		keep_needed_of_held();
	}
	return 0;
}
