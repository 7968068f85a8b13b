/* SPDX-License-Identifier: Apache-2.0 */
/* resolve.h - open a path beneath a directory fd, never following a symlink. */
#ifndef LXH_RESOLVE_H
#define LXH_RESOLVE_H

#include <stdbool.h>

/**
 * resolve_beneath - open @path (relative, no "..") beneath @dirfd.
 * @oflags: open flags (O_PATH, O_DIRECTORY...); O_CLOEXEC and O_NOFOLLOW are always added.
 * @no_xdev: fail with -EXDEV instead of crossing a mount point, the last component included.
 *
 * Uses openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS) where the
 * kernel has it (5.6), else an O_NOFOLLOW walk one component at a time.
 * Returns: the new fd, or a negative errno (-ELOOP for a symlink anywhere on the way).
 */
int resolve_beneath(int dirfd, const char *path, int oflags, bool no_xdev);

#endif
