/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-nsscan.c - what one namespace's mountinfo says about lxcfs: live, stale
 * after a restart, stacked, and everything that must not count as an lxcfs layer.
 * The fixtures are mountinfo files in the kernel's format, as /proc/PID/mountinfo
 * shows a container's namespace from the host.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "nsscan.h"
#include "policy.h"
#include "tap.h"
#include "util.h"

#define ALL_PROC                                                                                           \
	(LXF_BIT(LXF_PROC_CPUINFO) | LXF_BIT(LXF_PROC_DISKSTATS) | LXF_BIT(LXF_PROC_LOADAVG) |            \
	 LXF_BIT(LXF_PROC_MEMINFO) | LXF_BIT(LXF_PROC_SLABINFO) | LXF_BIT(LXF_PROC_STAT) |                \
	 LXF_BIT(LXF_PROC_SWAPS) | LXF_BIT(LXF_PROC_UPTIME) | LXF_BIT(LXF_PROC_PRESSURE_CPU) |             \
	 LXF_BIT(LXF_PROC_PRESSURE_IO) | LXF_BIT(LXF_PROC_PRESSURE_MEMORY))
#define DEFAULT_MASK (ALL_PROC | LXF_BIT(LXF_SYS_CPU_ONLINE))

/* The lxcfs devices in the fixtures: 0:41 before a restart, 0:52 after. */
#define DEV_OLD makedev(0, 41)
#define DEV_NEW makedev(0, 52)

static __attribute__((format(printf, 1, 2))) char *strdup_printf_or_die(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		printf("Bail out! out of memory\n");
		exit(99);
	}
	return s;
}

static char *fixture_path(const char *name)
{
	const char *top = getenv("TESTS_SRCDIR");

	if (top)
		return strdup_printf_or_die("%s/data/%s", top, name);
	return strdup_printf_or_die("%.*sdata/%s", (int)(strlen(__FILE__) - strlen("unit/test-nsscan.c")), __FILE__,
				    name);
}

/* One live lxcfs device, or none for 0. */
static const struct lxcfs_live_set *live_of(dev_t live, struct lxcfs_live_set *set)
{
	set->n = 0;
	if (live)
		set->devs[set->n++] = live;
	return set;
}

static int view_of(const char *fixture, dev_t live, struct ns_lxcfs_view *v, struct lxh_error *err)
{
	cleanup_free char *path = fixture_path(fixture);
	struct lxcfs_live_set set;

	return ns_view_from_mountinfo(path, live_of(live, &set), v, err);
}

static bool has_dev(const struct ns_lxcfs_view *v, dev_t dev)
{
	for (size_t i = 0; i < v->n_devs; i++)
		if (v->devs[i] == dev)
			return true;
	return false;
}

static unsigned total_layers(const struct ns_lxcfs_view *v)
{
	unsigned n = 0;

	for (int i = 0; i < LXF_COUNT; i++)
		n += v->layers[i];
	return n;
}

static void test_none(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-none", DEV_OLD, &v, &err);

	is_int(ret, 0, "a container without lxcfs parses%s%s", ret ? ": " : "", err.msg);
	is_int(v.files, 0, "no files");
	ok(v.stale == 0 && v.stacked == 0 && v.n_devs == 0 && total_layers(&v) == 0, "nothing stale, stacked or seen");
	ok(!ns_view_needs_repair(&v), "needs no repair");
}

static void test_live(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-live", DEV_OLD, &v, &err);
	bool one_each = true;

	is_int(ret, 0, "a container with the default set parses%s%s", ret ? ": " : "", err.msg);
	is_int(v.files, DEFAULT_MASK, "every default file is seen, /proc/pressure/* and cpu/online included");
	is_int(v.stale, 0, "none stale: all on the live device");
	is_int(v.stacked, 0, "none stacked");
	for (int i = 0; i < LXF_COUNT; i++)
		if (v.layers[i] != ((DEFAULT_MASK & LXF_BIT(i)) ? 1u : 0u))
			one_each = false;
	ok(one_each, "one layer on each default target, none elsewhere");
	ok(v.n_devs == 1 && v.devs[0] == DEV_OLD, "one device seen, the live one");
	ok(!ns_view_needs_repair(&v), "needs no repair");
}

static void test_stale(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-live", DEV_NEW, &v, &err);

	is_int(ret, 0, "the same container after an lxcfs restart parses");
	is_int(v.files, DEFAULT_MASK, "the same files");
	is_int(v.stale, DEFAULT_MASK, "all stale: the live lxcfs has a new device");
	is_int(v.stacked, 0, "none stacked");
	ok(v.n_devs == 1 && v.devs[0] == DEV_OLD, "the old device is what may be detached");
	ok(ns_view_needs_repair(&v), "needs repair");

	/* A major number too: a device differs in either half. */
	ret = view_of("mountinfo-live", makedev(1, 41), &v, &err);
	ok(ret == 0 && v.stale == DEFAULT_MASK, "a different major with the same minor is another device");
}

static void test_no_live(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-live", 0, &v, &err);

	is_int(ret, 0, "live_dev 0 (lxcfs not mounted) parses");
	is_int(v.files, DEFAULT_MASK, "the files are still seen");
	is_int(v.stale, DEFAULT_MASK, "every layer is stale when no lxcfs is live");
	ok(ns_view_needs_repair(&v), "needs repair");

	/* A layer whose device is 0:0 must not pass for live when no lxcfs is mounted. */
	ret = view_of("mountinfo-sys", 0, &v, &err);
	ok(ret == 0 && v.stale == v.files && v.files != 0, "the sys fixture is all stale too");
}

static void test_hidden(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-hidden", DEV_NEW, &v, &err);

	/* The container mounted a new procfs over /proc: layers on the old one cannot be reached. */
	is_int(ret, 0, "a namespace with a procfs mounted over /proc parses%s%s", ret ? ": " : "", err.msg);
	is_int(v.files, LXF_BIT(LXF_PROC_CPUINFO), "only the layer on the visible procfs counts");
	is_int(v.stale, 0, "and it is live");
	ok(!ns_view_needs_repair(&v), "hidden stale layers need no repair");
}

static void test_stacked(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-stacked", DEV_NEW, &v, &err);
	const lxfile_mask meminfo = LXF_BIT(LXF_PROC_MEMINFO);

	is_int(ret, 0, "a container with a layer bound over a stale one parses%s%s", ret ? ": " : "", err.msg);
	is_int(v.files, DEFAULT_MASK, "the default set");
	is_int(v.stacked, meminfo, "/proc/meminfo alone is stacked");
	is_int(v.stale, meminfo, "/proc/meminfo alone is stale: its lower layer is the old device");
	is_int(v.layers[LXF_PROC_MEMINFO], 2, "two layers on /proc/meminfo");
	is_int(v.layers[LXF_PROC_CPUINFO], 1, "one on /proc/cpuinfo");
	ok(v.n_devs == 2 && has_dev(&v, DEV_OLD) && has_dev(&v, DEV_NEW), "both devices are seen, each once");
	ok(ns_view_needs_repair(&v), "needs repair");

	/* Seen from before the restart, the upper layer is the unknown one. */
	ret = view_of("mountinfo-stacked", DEV_OLD, &v, &err);
	ok(ret == 0 && v.stale == DEFAULT_MASK && v.stacked == meminfo, "with the old device live, the others are stale");

	/* Two lxcfs instances that both answer: neither's layers are stale, the stacking still needs repair. */
	{
		struct lxcfs_live_set both = { .devs = { DEV_OLD, DEV_NEW }, .n = 2 };
		cleanup_free char *path = fixture_path("mountinfo-stacked");

		ret = ns_view_from_mountinfo(path, &both, &v, &err);
		ok(ret == 0 && v.stale == 0 && v.stacked == meminfo && ns_view_needs_repair(&v),
		   "with two live instances nothing is stale, /proc/meminfo is still stacked");
	}
}

static void test_host(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-host", DEV_OLD, &v, &err);

	is_int(ret, 0, "the host's own mountinfo parses%s%s", ret ? ": " : "", err.msg);
	is_int(v.files, 0, "/var/lib/lxcfs, /var/lib/lxc/lxcfs and other lxcfs binds are not targets");
	ok(v.n_devs == 0 && total_layers(&v) == 0, "and their device is not recorded");
	ok(!ns_view_needs_repair(&v), "the host needs no repair");
	ret = view_of("mountinfo-host", DEV_NEW, &v, &err);
	ok(ret == 0 && v.files == 0 && v.stale == 0, "not even when its lxcfs mount is not the live one");
}

static void test_foreign(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-foreign", DEV_OLD, &v, &err);

	is_int(ret, 0, "a container with non-lxcfs mounts on the targets parses%s%s", ret ? ": " : "", err.msg);
	/* tmpfs, ext4 and overlay binds, fuse.sshfs, plain fuse, fuse.lxcfs2, fuseblk.lxcfs, sysfs: none is lxcfs. */
	is_int(v.files, LXF_BIT(LXF_PROC_LOADAVG), "only the real fuse.lxcfs layer (/proc/loadavg) counts");
	is_int(v.stale, 0, "and it is live");
	ok(v.n_devs == 1 && v.devs[0] == DEV_OLD, "no foreign device is recorded as detachable");
	ret = view_of("mountinfo-foreign", DEV_NEW, &v, &err);
	ok(ret == 0 && v.stale == LXF_BIT(LXF_PROC_LOADAVG), "after a restart, only the lxcfs layer is stale");
}

static void test_spaces(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-spaces", DEV_OLD, &v, &err);

	is_int(ret, 0, "mount points with \\040, \\011, \\012 and \\134 parse%s%s", ret ? ": " : "", err.msg);
	/*
	 * "/proc/meminfo " and "/proc/meminfo (deleted)", "/ /proc/cpuinfo", "/proc\stat", "/proc/up<TAB>time"
	 * and "/proc/load<LF>avg" are other paths; /proc/swaps (source "lxcfs x") and /proc/slabinfo
	 * (root "/proc/slab info") are the targets, unescaped.
	 */
	is_int(v.files, LXF_BIT(LXF_PROC_SWAPS) | LXF_BIT(LXF_PROC_SLABINFO),
	       "only the exact targets count, after unescaping");
	is_int(v.layers[LXF_PROC_MEMINFO], 0, "\"/proc/meminfo\\040\" is not /proc/meminfo");
	is_int(v.layers[LXF_PROC_SWAPS], 1, "the line after the escapes is read whole");
}

static void test_sys(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	int ret = view_of("mountinfo-sys", DEV_OLD, &v, &err);

	is_int(ret, 0, "the cpu directory and cpu/online parse%s%s", ret ? ": " : "", err.msg);
	is_int(v.files, LXF_BIT(LXF_SYS_CPU) | LXF_BIT(LXF_SYS_CPU_ONLINE),
	       "/sys/devices/system/cpu and .../cpu/online, nothing above, beneath or with a slash added");
	is_int(v.stacked, 0, "the directory and the file in it are two targets, not a stack");
	is_int(v.layers[LXF_SYS_CPU], 1, "one layer on the directory");
	ret = view_of("mountinfo-sys", DEV_NEW, &v, &err);
	ok(ret == 0 && v.stale == (LXF_BIT(LXF_SYS_CPU) | LXF_BIT(LXF_SYS_CPU_ONLINE)), "both stale after a restart");
}

/* Write @text to a temporary file; returns its path (caller unlinks and frees). */
static char *temp_mountinfo(const char *text)
{
	char *path = strdup_printf_or_die("%s/lxh-nsscan-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(path);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		printf("Bail out! cannot write %s\n", path);
		exit(99);
	}
	close(fd);
	return path;
}

static void test_edges(void)
{
	struct lxh_error err = { 0 };
	struct lxcfs_live_set set;
	struct ns_lxcfs_view v;
	cleanup_free char *many = NULL;
	cleanup_free char *path = NULL;
	size_t cap = 64 * 200, len = 0;
	int ret;

	ret = ns_view_from_mountinfo("/nonexistent/lxh/mountinfo", live_of(DEV_OLD, &set), &v, &err);
	is_int(ret, -ENOENT, "a missing file: -ENOENT");
	like(err.msg, "/nonexistent/lxh/mountinfo", "the message names the file");
	ok(v.files == 0 && v.n_devs == 0, "and the view is empty");

	path = temp_mountinfo("");
	lxh_error_clear(&err);
	ret = ns_view_from_mountinfo(path, live_of(DEV_OLD, &set), &v, &err);
	ok(ret == 0 && v.files == 0, "an empty file: no mounts, no error");
	unlink(path);
	free(move_ptr(path));

	/* Two live layers: stacked (an earlier bind was not detached), not stale. */
	path = temp_mountinfo(
		"22 1 0:21 / /proc rw - proc proc rw\n"
		"30 22 0:41 /proc/meminfo /proc/meminfo ro - fuse.lxcfs lxcfs rw\n"
		"31 30 0:41 /proc/meminfo /proc/meminfo ro - fuse.lxcfs lxcfs rw\n");
	ret = ns_view_from_mountinfo(path, live_of(DEV_OLD, &set), &v, &err);
	ok(ret == 0 && v.stacked == LXF_BIT(LXF_PROC_MEMINFO) && v.stale == 0 && v.layers[LXF_PROC_MEMINFO] == 2,
	   "two live layers: stacked, not stale");
	ok(v.n_devs == 1 && ns_view_needs_repair(&v), "one device; stacking alone needs repair");
	unlink(path);
	free(move_ptr(path));

	/* A garbled line in the middle is skipped, the lines after it still count. */
	path = temp_mountinfo(
		"22 1 0:21 / /proc rw - proc proc rw\n"
		"this is not a mountinfo line\n"
		"31 22 0:41 /proc/uptime /proc/uptime ro - fuse.lxcfs lxcfs rw\n");
	ret = ns_view_from_mountinfo(path, live_of(DEV_OLD, &set), &v, &err);
	ok(ret == 0 && v.files == LXF_BIT(LXF_PROC_UPTIME), "a garbled line does not hide the next one");
	unlink(path);
	free(move_ptr(path));

	/* More distinct devices than the view holds: counted, never written past the array. */
	many = malloc(cap);
	if (!many)
		exit(99);
	len = (size_t)snprintf(many, cap, "22 1 0:21 / /proc rw - proc proc rw\n");
	for (unsigned i = 0; i < NS_MAX_LAYERS + 8; i++)
		len += (size_t)snprintf(many + len, cap - len,
					"%u %u 0:%u /proc/stat /proc/stat ro - fuse.lxcfs lxcfs rw\n", 100 + i,
					i ? 99 + i : 22, 100 + i);
	path = temp_mountinfo(many);
	ret = ns_view_from_mountinfo(path, live_of(DEV_OLD, &set), &v, &err);
	ok(ret == 0 && v.layers[LXF_PROC_STAT] == NS_MAX_LAYERS + 8, "%u layers on one target are all counted",
	   NS_MAX_LAYERS + 8);
	ok(v.n_devs == NS_MAX_LAYERS, "devices recorded up to NS_MAX_LAYERS (%zu)", v.n_devs);
	ok(v.stale == LXF_BIT(LXF_PROC_STAT) && v.stacked == LXF_BIT(LXF_PROC_STAT), "stale and stacked");
	unlink(path);
}


/* A connection table of one device in @state. */
static const struct lxcfs_conns *conns_of(dev_t dev, enum lxcfs_conn state, struct lxcfs_conn_entry *one,
					  struct lxcfs_conns *c)
{
	*one = (struct lxcfs_conn_entry){ .dev = dev, .state = state };
	c->items = one;
	c->n = 1;
	return c;
}

static void test_refine(void)
{
	struct lxh_error err = { 0 };
	struct lxcfs_conn_entry one;
	struct lxcfs_conns c;
	struct ns_lxcfs_view v;
	const lxfile_mask meminfo = LXF_BIT(LXF_PROC_MEMINFO);

	/* Not our lxcfs's device: stale only if its connection is dead. */
	view_of("mountinfo-live", DEV_NEW, &v, &err);
	ns_view_refine(&v, conns_of(DEV_OLD, LXCFS_CONN_DEAD, &one, &c));
	ok(v.stale == DEFAULT_MASK && v.foreign == 0 && v.unresponsive == 0 && ns_view_needs_repair(&v),
	   "dead connection: every layer stale, repaired");

	view_of("mountinfo-live", DEV_NEW, &v, &err);
	ns_view_refine(&v, conns_of(DEV_OLD, LXCFS_CONN_LIVE, &one, &c));
	ok(v.stale == 0 && v.foreign == DEFAULT_MASK && v.unresponsive == 0 && !ns_view_needs_repair(&v),
	   "another lxcfs that answers: foreign, never repaired");

	view_of("mountinfo-live", DEV_NEW, &v, &err);
	ns_view_refine(&v, conns_of(DEV_OLD, LXCFS_CONN_HUNG, &one, &c));
	ok(v.stale == 0 && v.foreign == 0 && v.unresponsive == DEFAULT_MASK && !ns_view_needs_repair(&v),
	   "no answer in time: unresponsive, not touched");

	view_of("mountinfo-live", DEV_NEW, &v, &err);
	ns_view_refine(&v, NULL);
	ok(v.stale == 0 && v.unresponsive == DEFAULT_MASK, "not asked at all: unresponsive, never stale");

	/* Our layer on top of an old one. */
	view_of("mountinfo-stacked", DEV_NEW, &v, &err);
	is_int(v.top_live & meminfo, meminfo, "ours is the top layer of /proc/meminfo");
	ns_view_refine(&v, conns_of(DEV_OLD, LXCFS_CONN_DEAD, &one, &c));
	ok((v.stale & meminfo) && (v.stacked & meminfo), "a dead layer under ours: stale and stacked");
	view_of("mountinfo-stacked", DEV_NEW, &v, &err);
	ns_view_refine(&v, NULL);
	ok(!(v.stale & meminfo) && (v.stacked & meminfo) && !(v.foreign & meminfo),
	   "a layer not known dead under ours: stacked only (the repair asks each layer as it comes up)");

	/* The top layer decides; the old one on top of the new one is foreign when it answers. */
	view_of("mountinfo-stacked", DEV_OLD, &v, &err);
	ns_view_refine(&v, conns_of(DEV_NEW, LXCFS_CONN_LIVE, &one, &c));
	ok((v.foreign & meminfo) && !(v.stacked & meminfo) && !(v.stale & meminfo),
	   "a live foreign layer on top: foreign, not stacked, left alone");
}

static void test_many_binds(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	const unsigned n = 10000;
	size_t cap = (size_t)n * 96 + 256, len = 0;
	cleanup_free char *text = malloc(cap);
	cleanup_free char *path = NULL;
	int ret;

	if (!text)
		exit(99);
	/* 10,000 lxcfs binds stacked on one target, then 10,000 tmpfs binds elsewhere. */
	len = (size_t)snprintf(text, cap, "22 1 0:21 / /proc rw - proc proc rw\n");
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%u %u 0:41 /proc/stat /proc/stat ro - fuse.lxcfs lxcfs rw\n",
					100 + i, i ? 99 + i : 22);
	path = temp_mountinfo(text);
	ret = ns_view_from_mountinfo(path, NULL, &v, &err);
	ok(ret == 0 && v.layers[LXF_PROC_STAT] == n, "%u stacked layers: every one reachable and counted (%u)", n,
	   v.layers[LXF_PROC_STAT]);
	ok(v.top[LXF_PROC_STAT] == DEV_OLD, "the top one is known");
	unlink(path);
	free(move_ptr(path));

	len = (size_t)snprintf(text, cap, "22 1 0:21 / /proc rw - proc proc rw\n30 22 0:41 /proc/stat /proc/stat ro - fuse.lxcfs lxcfs rw\n");
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%u 22 0:25 /x /proc/sys/k%u rw - tmpfs tmpfs rw\n", 100 + i, i);
	path = temp_mountinfo(text);
	ret = ns_view_from_mountinfo(path, NULL, &v, &err);
	ok(ret == 0 && v.files == LXF_BIT(LXF_PROC_STAT), "10,000 other binds: the one lxcfs layer is found");
	unlink(path);
}

static void test_reused_ids(void)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	cleanup_free char *path = temp_mountinfo(
		"22 1 0:21 / /proc rw - proc proc rw\n"
		"30 22 0:41 /proc/meminfo /proc/meminfo ro - fuse.lxcfs lxcfs rw\n"
		"30 22 0:41 /proc/uptime /proc/uptime ro - fuse.lxcfs lxcfs rw\n");
	int ret = ns_view_from_mountinfo(path, NULL, &v, &err);

	is_int(ret, -EAGAIN, "a mount id seen twice (torn read, id reused): not trusted, -EAGAIN");
	like(err.msg, "mount id seen twice", "the message says why");
	unlink(path);
}

int main(void)
{
	test_none();
	test_live();
	test_stale();
	test_no_live();
	test_stacked();
	test_hidden();
	test_host();
	test_foreign();
	test_spaces();
	test_sys();
	test_edges();
	test_refine();
	test_many_binds();
	test_reused_ids();
	return done_testing();
}
