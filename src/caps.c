/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "util.h"

/*
 * Plain system calls, not libcap: every hook process pays for what it loads before it
 * decides anything, and libcap.so (linked -z now, with a constructor that probes the
 * kernel with prctl) cost 70,000 instructions of the 286,000 an unannotated run took.
 */

/* What the hook and remount need, and why. Everything else goes. */
static const int needed[] = {
	CAP_SYS_ADMIN,       /* setns(CLONE_NEWNS), open_tree, move_mount, mount, umount2 */
	CAP_SYS_CHROOT,      /* setns into a mount namespace also requires it */
	CAP_SYS_PTRACE,      /* /proc/PID/ns/mnt and mountinfo of a non-dumpable runtime process */
	CAP_DAC_READ_SEARCH, /* bundles and rootfs directories with restrictive modes */
	CAP_DAC_OVERRIDE,    /* --log-file in a directory root does not own */
	CAP_KILL,            /* pidfd_send_signal(0) to check the container process is still alive */
};

static uint64_t needed_mask(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < ARRAY_SIZE(needed); i++)
		m |= UINT64_C(1) << needed[i];
	return m;
}

static int cap_sets(int op, uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (op == SYS_capset) {
		d[0].effective = (uint32_t)*eff;
		d[1].effective = (uint32_t)(*eff >> 32);
		d[0].permitted = (uint32_t)*perm;
		d[1].permitted = (uint32_t)(*perm >> 32);
		d[0].inheritable = (uint32_t)*inh;
		d[1].inheritable = (uint32_t)(*inh >> 32);
	}
	if (syscall(op, &hdr, d) < 0)
		return -errno;
	if (op == SYS_capget) {
		*eff = d[0].effective | (uint64_t)d[1].effective << 32;
		*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
		*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	}
	return 0;
}

int caps_drop(struct lxh_error *err)
{
	uint64_t keep = needed_mask(), eff = keep, perm = keep, inh = 0;
	int rc;

	(void)err;
	/*
	 * The bounding set first: dropping from it needs CAP_SETPCAP, which goes last. One prctl a
	 * capability, up to the kernel's last one, which answers EINVAL past it.
	 */
	for (int c = 0; c < 64; c++) {
		if (keep & (UINT64_C(1) << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0UL, 0UL, 0UL) == 0)
			continue;
		/* Without CAP_SETPCAP (a non-root caller) the bounding set stays; E and P still shrink. */
		if (errno != EINVAL)
			log_debug("cannot drop capability %d from the bounding set: %s", c, strerror(errno));
		break;
	}

	/*
	 * An empty inheritable set also empties the ambient one: the kernel keeps only what is
	 * both permitted and inheritable there (cap_capset(), since ambient capabilities, 4.3).
	 */
	rc = cap_sets(SYS_capset, &eff, &perm, &inh);
	if (rc < 0) {
		/* Not privileged enough to hold them all: keep what we have of them; the mount step will say what failed. */
		if (cap_sets(SYS_capget, &eff, &perm, &inh) == 0) {
			perm &= keep;
			eff = perm;
			inh = 0;
			cap_sets(SYS_capset, &eff, &perm, &inh);
		}
		log_debug("cannot set capabilities: %s", strerror(-rc));
	}
	return 0;
}
