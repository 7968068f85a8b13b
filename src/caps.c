/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "caps.h"
#include "log.h"
#include "util.h"

/*
 * Every hook process drops capabilities before it reads its input, so each system call
 * here is paid by every container start, annotated or not: one PR_CAPBSET_DROP a
 * capability and one capset, nothing that asks the kernel the same thing twice.
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

/*
 * The bounding set first: dropping from it needs CAP_SETPCAP, which goes with the capset
 * below. Not CAP_IS_SUPPORTED (one more prctl a capability): the kernel answers EINVAL
 * past its last capability, which ends the loop.
 */
static void drop_bounding_set(void)
{
	for (cap_value_t c = 0; c < 64; c++) {
		if (is_needed(c) || cap_drop_bound(c) == 0)
			continue;
		/* Without CAP_SETPCAP (a non-root caller) the bounding set stays; E and P still shrink. */
		if (errno != EINVAL)
			log_debug("cannot drop capability %d from the bounding set: %s", (int)c, strerror(errno));
		break;
	}
}

/* A caller without all of them: keep those of them it has, nothing else. */
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

int caps_drop(struct lxh_error *err)
{
	cleanup_cap cap_t caps = cap_init();

	if (!caps)
		return lxh_error_errno(err, "cannot allocate a capability set");
	drop_bounding_set();
	/*
	 * Inheritable empty (cap_init): that empties the ambient set too, the kernel keeping
	 * there only what is both permitted and inheritable (cap_capset(), Linux 4.3+), so no
	 * cap_reset_ambient.
	 */
	if (cap_set_flag(caps, CAP_EFFECTIVE, (int)ARRAY_SIZE(needed), needed, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, (int)ARRAY_SIZE(needed), needed, CAP_SET) < 0)
		return lxh_error_errno(err, "cannot build the capability set");
	if (cap_set_proc(caps) < 0) {
		/* Not privileged enough to hold them all; the mount step will say what failed. */
		log_debug("cannot set capabilities: %s", strerror(errno));
		keep_needed_of_held();
	}
	return 0;
}
