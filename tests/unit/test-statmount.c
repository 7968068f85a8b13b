/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-statmount.c - the statmount answers against the mount table: "/" and a missing path
 * are not lxcfs; the lxcfs layers of our own namespace are those mountinfo lists (none for
 * a device nothing is mounted from, and those of any fuse.lxcfs mount the machine has);
 * sm_ns_table lists every mount as mountinfo does (and nothing before an answer showed the
 * subtype); sm_fd_mount agrees with fstat, fstatfs and statvfs on "/" and /proc; sm_disable()
 * makes every answer "cannot tell", and fd_mount_describe then asks the filesystem. Needs
 * Linux 6.11 for the layers and the table (and CAP_SYS_ADMIN for listmount on a namespace
 * id); what the kernel cannot tell is skipped. As root it works in a private mount namespace
 * and mounts a fuse.lxcfs filesystem of its own for the comparisons (tests/fake-lxcfs, or the
 * machine's lxcfs where configure found no libfuse3, as in the Debian 13 and sid stacks), so
 * a root run never skips them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lxcfs.h"
#include "mountinfo.h"
#include "statmount.h"
#include "tap.h"
#include "util.h"

static size_t mountinfo_lxcfs_layers(const struct mountinfo *mi, dev_t dev)
{
	size_t n = 0;

	for (size_t i = 0; i < mi->n; i++)
		n += mi->entries[i].dev == dev && strcmp(mi->entries[i].fstype, LXCFS_FSTYPE) == 0;
	return n;
}

/*
 * A fuse.lxcfs mount of our own on @dir, so the layer comparison below never depends on the
 * host happening to have one: tests/fake-lxcfs (FAKE_LXCFS_BIN) when it was built, else the
 * machine's lxcfs (fake-lxcfs needs libfuse3's headers, which the stack roots lack; every
 * root has lxcfs), its pid file beside @dir. Returns its pid once mounted, or -1.
 */
static pid_t fake_lxcfs_start(const char *dir, const char *pidfile)
{
	const char *bin = getenv("FAKE_LXCFS_BIN") ? getenv("FAKE_LXCFS_BIN") : "tests/fake-lxcfs";
	bool fake = access(bin, X_OK) == 0;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	pid_t pid;

	diag("mounting %s on %s", fake ? bin : "lxcfs (no fake-lxcfs built)", dir);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDOUT_FILENO); /* stdout is this test's TAP stream */
		if (fake)
			execl(bin, bin, dir, (char *)NULL);
		else
			execlp("lxcfs", "lxcfs", "-p", pidfile, dir, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 500; i++) { /* 10 s */
		struct statfs sfs;

		if (statfs(dir, &sfs) == 0 && sfs.f_type == 0x65735546 /* FUSE_SUPER_MAGIC */)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		nanosleep(&tick, NULL);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

static void fake_lxcfs_stop(pid_t pid, const char *dir, const char *pidfile)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	umount2(dir, MNT_DETACH); /* already gone with the daemon, unless it died oddly */
	rmdir(dir);
	unlink(pidfile);
}

/* sm_ns_table of our namespace against @mi, our mountinfo read by libmount. */
static void table_agrees(int ns, const struct mountinfo *mi)
{
	cleanup_mountinfo struct mountinfo t = { 0 };
	size_t differ = 0, lxcfs = 0;
	int rc = sm_ns_table(ns, &t);

	is_int(rc, 1, "the namespace's table from statmount");
	is_int((long long)t.n, (long long)mi->n, "as many mounts as mountinfo lists (%zu)", mi->n);
	for (size_t i = 0; rc == 1 && i < mi->n; i++) {
		const struct mountinfo_entry *e = &mi->entries[i], *f = NULL;

		for (size_t j = 0; j < t.n && !f; j++)
			if (t.entries[j].id == e->id)
				f = &t.entries[j];
		if (!f || f->parent != e->parent || f->dev != e->dev || strcmp(f->fstype, e->fstype) != 0 ||
		    strcmp(f->target, e->target) != 0) {
			diag("mount %d %s (%s): %s", e->id, e->target, e->fstype, f ? f->target : "missing");
			differ++;
		}
		lxcfs += strcmp(e->fstype, LXCFS_FSTYPE) == 0;
	}
	ok(differ == 0 && lxcfs > 0, "each mount with mountinfo's id, parent, device, type and mount point (%zu differ; %zu of them fuse.lxcfs)",
	   differ, lxcfs);
}

/* sm_fd_mount of @path against the calls that ask the filesystem. */
static void fd_mount_agrees(const char *path)
{
	cleanup_close int fd = open(path, O_PATH | O_CLOEXEC);
	struct sm_fd_mount m;
	struct statfs sfs;
	struct statvfs svfs;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0 || fstatvfs(fd, &svfs) < 0) {
		ok(false, "%s: cannot stat it", path);
		return;
	}
	if (sm_fd_mount(fd, &m) != 1) {
		diag("this kernel (before 6.8) cannot tell: %s skipped", path);
		ok(true, "skipped");
		return;
	}
	ok(m.dev == st.st_dev && m.magic == (unsigned long)sfs.f_type && m.rdonly == !!(svfs.f_flag & ST_RDONLY),
	   "%s: device, magic and read-only as fstat and statfs tell them", path);
}

/*
 * As root, a mount namespace of our own with nothing propagated into it: the comparisons
 * below read the table twice, and other tests mount and unmount on the host meanwhile.
 */
static void private_namespace(void)
{
	if (geteuid() != 0)
		return;
	/* "none", not NULL: valgrind checks that the strings can be read. */
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		ok(false, "a private mount namespace: %s", strerror(errno));
}

int main(void)
{
	cleanup_mountinfo struct mountinfo mi = { 0 };
	struct lxh_error err = { 0 };
	cleanup_close int ns = -1;
	cleanup_free int *ids = NULL;
	size_t n = 99;
	dev_t dev = 0;
	int rc;

	private_namespace();
	ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	is_int(sm_lxcfs_root("/", &dev), 0, "/ is not an lxcfs mount");
	is_int(sm_lxcfs_root("/nonexistent/lxcfs", &dev), 0, "a missing path is not one");
	ok(ns >= 0, "our mount namespace opens");
	{
		struct mountinfo t = { 0 };

		/* Nothing has shown yet that this kernel fills the subtype: a stale layer would be "fuse". */
		is_int(sm_ns_table(ns, &t), 0, "no table before an answer showed the subtype");
		mountinfo_free(&t);
	}

	rc = sm_lxcfs_layers(ns, makedev(4095, 1048575), &ids, &n);
	ok(rc == 0 || rc == 1, "layers: an answer or cannot tell (%d)", rc);
	if (rc == 1) {
		ok(ids != NULL && n == 0, "no layers of a device nothing is mounted from, as a list (not NULL)");
	} else {
		diag("this kernel cannot list another namespace's mounts: skipped");
		ok(true, "skipped");
	}
	free(ids);
	ids = NULL;

	char fake_dir[] = "/tmp/test-statmount.XXXXXX";
	char fake_pidfile[sizeof(fake_dir) + 4];
	pid_t fake = -1;

	if (rc == 1 && geteuid() == 0) {
		if (mkdtemp(fake_dir)) {
			snprintf(fake_pidfile, sizeof(fake_pidfile), "%s.pid", fake_dir);
			fake = fake_lxcfs_start(fake_dir, fake_pidfile);
		}
		ok(fake > 0, "a fuse.lxcfs mount of our own on %s", fake_dir);
	}
	if (mountinfo_read("/proc/self/mountinfo", &mi, &err) < 0) {
		ok(false, "mountinfo: %s", err.msg);
	} else {
		dev_t lx = 0;

		for (size_t i = 0; i < mi.n && !lx; i++)
			if (strcmp(mi.entries[i].fstype, LXCFS_FSTYPE) == 0)
				lx = mi.entries[i].dev;
		if (!lx || rc != 1) {
			/* As root, the fake mount above was made or its test failed: only others get here. */
			diag("no fuse.lxcfs mount here (not root), or no listmount: the comparison is skipped");
			ok(true, "skipped");
		} else {
			is_int(sm_lxcfs_layers(ns, lx, &ids, &n), 1, "layers of a live lxcfs device");
			is_int((long long)n, (long long)mountinfo_lxcfs_layers(&mi, lx), "as many as mountinfo lists");
			free(ids);
			ids = NULL;
			table_agrees(ns, &mi);
		}
	}

	if (fake > 0)
		fake_lxcfs_stop(fake, fake_dir, fake_pidfile);

	fd_mount_agrees("/");
	fd_mount_agrees("/proc/meminfo");

	sm_disable();
	{
		cleanup_close int fd = open("/", O_PATH | O_CLOEXEC);
		struct sm_fd_mount m;

		struct statfs sfs;
		struct stat st;

		is_int(sm_fd_mount(fd, &m), 0, "disabled: sm_fd_mount cannot tell");
		ok(fd_mount_describe(fd, &m) == 0 && fstat(fd, &st) == 0 && fstatfs(fd, &sfs) == 0 && m.dev == st.st_dev &&
			   m.magic == (unsigned long)sfs.f_type,
		   "disabled: fd_mount_describe asks the filesystem instead, and agrees");
	}
	is_int(sm_lxcfs_layers(ns, makedev(4095, 1048575), &ids, &n), 0, "disabled: cannot tell");
	is_int(sm_lxcfs_root("/", &dev), 0, "disabled: not lxcfs");
	return done_testing();
}
