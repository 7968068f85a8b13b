/* SPDX-License-Identifier: Apache-2.0 */
/* invoke.h - `lxcfs-oci-hook invoke`: an NRI v0.1 plugin for containerd 1.5/1.6. */
#ifndef LXH_INVOKE_H
#define LXH_INVOKE_H

#include <stdint.h>

/**
 * invoke_run - read the NRI request on stdin, mount lxcfs into an annotated container being
 * created (after pivot_root, through the same engine as remount), answer on stdout.
 * @name: the plugin's name for the result (the basename containerd ran).
 * Returns: the exit status (0, or 1 with the error in the result and on stderr).
 */
int invoke_run(const char *name, int64_t start_ms);

#endif
