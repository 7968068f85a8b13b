/* SPDX-License-Identifier: Apache-2.0 */
/* pin.h - hold on to the container's process and its mount namespace, and refuse the wrong ones. */
#ifndef LXH_PIN_H
#define LXH_PIN_H

#include <sys/types.h>

#include "error.h"

struct pinned_proc {
	pid_t pid;
	int pidfd;    /* -1 on kernels without pidfd_open */
	int mntns_fd; /* /proc/PID/ns/mnt, opened while the process was known to be alive */
};

#define PINNED_PROC_INIT { .pid = 0, .pidfd = -1, .mntns_fd = -1 }

/**
 * proc_pin - pin @pid (pidfd where the kernel has one) and open its mount namespace.
 * Refuses pid 1, and a namespace that is the hook's own or the host's (PID 1's):
 * a bind there would change the host's /proc. Checks afterwards that the process
 * is still the one whose namespace was opened (pidfd signal 0, or start time).
 * Returns: 0, or a negative errno with @err filled.
 */
int proc_pin(pid_t pid, struct pinned_proc *p, struct lxh_error *err);
void proc_pin_release(struct pinned_proc *p);
#define cleanup_pin __attribute__((cleanup(proc_pin_release)))

#endif
