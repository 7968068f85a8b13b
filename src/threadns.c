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

int proc_threads_in_mntns(pid_t pid, const struct stat *ns, struct thread_ns_count *count)
{
	__attribute__((cleanup(dir_close))) DIR *d = NULL;
	char path[64];
	struct dirent *de;
	int first_error = 0;

	*count = (struct thread_ns_count){ 0 };
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
			/* ENOENT: the thread exited since readdir; anything else is remembered. */
			if (errno != ENOENT && !first_error)
				first_error = -errno;
			continue;
		}
		if (st.st_dev == ns->st_dev && st.st_ino == ns->st_ino)
			count->in++;
		else
			count->out++;
	}
	if (count->in + count->out == 0)
		return first_error ? first_error : -ESRCH;
	/* A thread whose namespace could not be read may be anywhere: not "all in". */
	if (first_error)
		count->out++;
	return 0;
}

int proc_mntns_agreed(pid_t pid, struct stat *ns)
{
	struct thread_ns_count c;
	char path[64];
	int rc;

	if (strnprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid) < 0)
		return -EINVAL;
	if (stat(path, ns) < 0)
		return -errno;
	rc = proc_threads_in_mntns(pid, ns, &c);
	if (rc < 0)
		return rc;
	return c.out ? -EXDEV : 0;
}
