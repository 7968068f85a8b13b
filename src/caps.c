/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "caps.h"
#include "log.h"
#include "util.h"

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

int caps_drop(struct lxh_error *err)
{
	cleanup_cap cap_t caps = cap_init();

	if (!caps)
		return lxh_error_errno(err, "cannot allocate a capability set");

	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes last. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (is_needed(c) || !CAP_IS_SUPPORTED(c))
			continue;
		if (cap_drop_bound(c) < 0 && errno != EINVAL) {
			/* Without CAP_SETPCAP (a non-root caller) the bounding set stays; E and P still shrink. */
			log_debug("cannot drop capability %d from the bounding set: %s", (int)c, strerror(errno));
			break;
		}
	}
	cap_reset_ambient();

	if (cap_set_flag(caps, CAP_EFFECTIVE, (int)ARRAY_SIZE(needed), needed, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, (int)ARRAY_SIZE(needed), needed, CAP_SET) < 0)
		return lxh_error_errno(err, "cannot build the capability set");
	if (cap_set_proc(caps) < 0) {
		/* Not privileged enough to hold them all: keep what we have; the mount step will say what failed. */
		cleanup_cap cap_t cur = cap_get_proc();
		if (cur && cap_clear_flag(cur, CAP_INHERITABLE) == 0)
			cap_set_proc(cur);
		log_debug("cannot set capabilities: %s", strerror(errno));
	}
	return 0;
}
