/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel.h"
#include "resolve.h"
#include "util.h"

/* Walk for kernels without openat2: each component opened O_PATH|O_NOFOLLOW and checked. */
static int walk_beneath(int dirfd, const char *path, int oflags, bool no_xdev)
{
	char buf[PATH_MAX];
	char *comp, *save = NULL;
	cleanup_close int cur = -1;
	struct stat st;
	dev_t start_dev;

	if (strnprintf(buf, sizeof(buf), "%s", path) < 0)
		return -ENAMETOOLONG;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	start_dev = st.st_dev;

	comp = strtok_r(buf, "/", &save);
	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		int from = cur >= 0 ? cur : dirfd;
		int flags = next ? (O_PATH | O_DIRECTORY) : oflags;
		int fd;

		if (strcmp(comp, "..") == 0)
			return -EXDEV;
		fd = openat(from, comp, flags | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close_fd(&cur);
		cur = fd;
		if (fstat(cur, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		/* Without openat2 a crossing shows only as a device change: bind mounts of the same fs pass. */
		if (no_xdev && st.st_dev != start_dev)
			return -EXDEV;
		comp = next;
	}
	if (cur < 0)
		return -EINVAL;
	return move_fd(cur);
}

int resolve_beneath(int dirfd, const char *path, int oflags, bool no_xdev)
{
	struct lxh_open_how how = {
		.flags = (uint64_t)(oflags | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!path || !*path || path[0] == '/')
		return -EINVAL;
	if (!kernel_features()->openat2)
		return walk_beneath(dirfd, path, oflags, no_xdev);
	if (no_xdev)
		how.resolve |= RESOLVE_NO_XDEV;
	do
		fd = sys_openat2(dirfd, path, &how);
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}
