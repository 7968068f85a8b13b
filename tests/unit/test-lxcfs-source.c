/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-lxcfs-source.c - lxcfs_open_source: type and device checks, and the memo that asks
 * about a missing directory once (FUSE caches no failed lookup). A plain directory plays the
 * lxcfs root: the checks are on the fds, not on the filesystem type.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxcfs.h"
#include "tap.h"
#include "util.h"

static char top[] = "/tmp/test-lxcfs-source.XXXXXX";

static void mk(const char *rel, bool dir)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (dir) {
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			perror(path);
			exit(99);
		}
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		exit(99);
	}
	close(fd);
}

static void cleanup_tree(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		diag("could not remove %s", top);
}

/* Opens @source; returns the negative errno or 0, closing what it opened. */
static int try_open(int root, const struct lxcfs_mount *m, const char *source, bool is_dir, struct lxcfs_dir_memo *memo,
		    struct lxh_error *err)
{
	int fd;

	lxh_error_clear(err);
	fd = lxcfs_open_source(root, m, source, is_dir, memo, err);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int main(void)
{
	struct lxcfs_mount m = { 0 };
	struct lxcfs_dir_memo memo = { 0 };
	struct lxh_error err = { 0 };
	cleanup_close int root = -1;
	struct stat st;
	char want[300];

	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 99;
	}
	atexit(cleanup_tree);
	mk("proc", true);
	mk("proc/meminfo", false);
	mk("proc/cpuinfo", false);
	mk("sys", true);
	mk("sys/devices", true);
	mk("sys/devices/system", true);
	mk("sys/devices/system/cpu", true);
	mk("sys/devices/system/cpu/online", false);
	root = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || fstat(root, &st) < 0) {
		perror(top);
		return 99;
	}
	snprintf(m.path, sizeof(m.path), "%s", top);
	m.dev = st.st_dev;

	/* Without a memo: each call on its own, as before. */
	is_int(try_open(root, &m, "proc/meminfo", false, NULL, &err), 0, "a served file opens");
	is_int(try_open(root, &m, "proc/pressure/cpu", false, NULL, &err), -ENOENT, "a file under a missing directory: ENOENT");
	snprintf(want, sizeof(want), "lxcfs at %s: proc/pressure/cpu: No such file or directory", top);
	is_str(err.msg, want, "the error names the lxcfs and the file");
	is_int(try_open(root, &m, "proc/meminfo", true, NULL, &err), -ENOTDIR, "a file asked for as a directory is refused");
	is_int(try_open(root, &m, "proc", false, NULL, &err), -EINVAL, "a directory asked for as a file is refused");

	/* With a memo, in lxfiles[] order. */
	is_int(try_open(root, &m, "proc/cpuinfo", false, &memo, &err), 0, "memo: a served file opens");
	is_str(memo.dir, "proc", "memo: its directory is remembered");
	ok(!memo.absent, "memo: ... as there");
	is_int(try_open(root, &m, "proc/meminfo", false, &memo, &err), 0, "memo: a sibling opens");
	is_int(try_open(root, &m, "proc/slabinfo", false, &memo, &err), -ENOENT,
	       "memo: a missing file in a present directory: ENOENT");
	ok(!memo.absent, "memo: ... and the directory is still there");
	is_int(try_open(root, &m, "proc/pressure/cpu", false, &memo, &err), -ENOENT,
	       "memo: a file under a missing directory: ENOENT");
	is_str(err.msg, want, "memo: the same error as without it");
	is_str(memo.dir, "proc/pressure", "memo: the missing directory is remembered");
	ok(memo.absent, "memo: ... as missing");

	/* The siblings are answered from the memo: lxcfs is not asked again, even if the directory appeared. */
	mk("proc/pressure", true);
	mk("proc/pressure/io", false);
	is_int(try_open(root, &m, "proc/pressure/io", false, &memo, &err), -ENOENT,
	       "memo: a sibling under the missing directory is answered without a lookup");
	snprintf(want, sizeof(want), "lxcfs at %s: proc/pressure/io: No such file or directory", top);
	is_str(err.msg, want, "memo: ... with its own name in the error");
	is_int(try_open(root, &m, "proc/pressure/io", false, NULL, &err), 0, "(the file is there when asked without the memo)");

	/* Another directory is asked about afresh. */
	is_int(try_open(root, &m, "sys/devices/system/cpu/online", false, &memo, &err), 0,
	       "memo: a file in the next directory opens");
	is_str(memo.dir, "sys/devices/system/cpu", "memo: the new directory replaces the old");
	ok(!memo.absent, "memo: ... as there");
	is_int(try_open(root, &m, "sys/devices/system/cpu", true, &memo, &err), 0, "memo: a directory source opens");
	is_str(memo.dir, "sys/devices/system", "memo: its parent is the one remembered");

	/* A memo never hides a refusal: the device check still runs. */
	m.dev = st.st_dev + 1;
	memset(&memo, 0, sizeof(memo));
	is_int(try_open(root, &m, "proc/meminfo", false, &memo, &err), -EINVAL,
	       "memo: a file on another device is refused");
	return done_testing();
}
