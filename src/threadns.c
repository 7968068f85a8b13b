/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "threadns.h"
#include "util.h"

static void dir_close(DIR **d)
{
	if (*d)
		closedir(*d);
}

int proc_threads_all_in_mntns(pid_t pid, const struct stat *ns)
{
	__attribute__((cleanup(dir_close))) DIR *d = NULL;
	char path[64];
	struct dirent *de;
	bool seen_in = false;

	if (strnprintf(path, sizeof(path), "/proc/%d/task", (int)pid) < 0)
		return -EINVAL;
	d = opendir(path);
	if (!d)
		return -errno;
	/* cppcheck-suppress readdirCalled ; readdir_r() is deprecated, readdir() is safe on a DIR of our own */
	while ((de = readdir(d))) {
		struct stat st;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (strnprintf(path, sizeof(path), "/proc/%d/task/%.16s/ns/mnt", (int)pid, de->d_name) < 0)
			return -EINVAL;
		if (stat(path, &st) < 0) {
			/* Gone since readdir: not a thread any more. Anything else settles it. */
			if (errno == ENOENT || errno == ESRCH)
				continue;
			return seen_in ? 0 : -errno;
		}
		if (st.st_dev != ns->st_dev || st.st_ino != ns->st_ino)
			return 0;
		seen_in = true;
	}
	return seen_in ? 1 : -ESRCH;
}

int proc_mntns_agreed(pid_t pid, struct stat *ns)
{
	char path[64];
	int rc;

	if (strnprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid) < 0)
		return -EINVAL;
	if (stat(path, ns) < 0)
		return -errno;
	rc = proc_threads_all_in_mntns(pid, ns);
	if (rc < 0)
		return rc;
	return rc ? 0 : -EXDEV;
}
