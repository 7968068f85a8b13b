/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-lxcfs - a small FUSE filesystem that looks like lxcfs to the hook (fstype
 * fuse.lxcfs, source "lxcfs", proc/meminfo, proc/cpuinfo, ... and
 * sys/devices/system/cpu/online with lxcfs's layout) and that can be told, while it
 * runs, to read requests and never answer them.
 *
 * That is the one way a FUSE daemon can hang its callers for good: once the daemon
 * has read a request, the caller waits in the kernel uninterruptibly, and SIGKILL
 * only takes effect when the answer comes (or the connection is aborted:
 * /sys/fs/fuse/connections/N/abort, or the daemon's death). A SIGSTOP'ed lxcfs
 * never reads the request, and a killed caller leaves at once: that is kinder.
 *
 *   fake-lxcfs [--memtotal KB] [--control FILE] [--log FILE] [--allow-other] MOUNTPOINT
 *
 * Runs in the foreground until SIGTERM/SIGINT or until the connection dies. As root it
 * mounts with mount(2); as another user through fusermount3 (--allow-other then needs
 * user_allow_other in /etc/fuse.conf).
 *
 * The control FILE (re-read whenever it changes) holds one line:
 *   answer                         answer everything (also: no file, or an empty one)
 *   hang [OPS] [on NAME] [after N]      hold matching requests for ever
 *   delay MS [OPS] [on NAME] [after N]  answer matching requests MS milliseconds late
 * OPS is a comma-separated list of lookup, getattr, read, open, statfs, readdir, or all
 * (default: lookup,read). "after N": the first N matching requests since the line was
 * written are answered as usual (so a test can let a caller get part of the way).
 * "on NAME": only requests about NAME (a lookup of it, or any request on its inode, such as
 * a statfs of an open meminfo), whoever makes them: other processes on the host that probe
 * every lxcfs mount then do not use up "after N".
 *
 * --log FILE: one line per request ("lookup 1 proc answered", "statfs 1 held", ...), so
 * a test can see how far its caller got.
 */
#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the tree: what lxcfs 5 serves, as lxcfs lays it out ---- */

struct node {
	const char *name;
	int parent; /* index of the parent directory; the root is its own */
	bool dir;
	const char *content; /* files: NULL means generated (meminfo) */
};

enum { N_ROOT, N_PROC, N_SYS, N_DEVICES, N_SYSTEM, N_CPU, N_MEMINFO };

static const struct node nodes[] = {
	[N_ROOT] = { "", N_ROOT, true, NULL },
	[N_PROC] = { "proc", N_ROOT, true, NULL },
	[N_SYS] = { "sys", N_ROOT, true, NULL },
	[N_DEVICES] = { "devices", N_SYS, true, NULL },
	[N_SYSTEM] = { "system", N_DEVICES, true, NULL },
	[N_CPU] = { "cpu", N_SYSTEM, true, NULL },
	[N_MEMINFO] = { "meminfo", N_PROC, false, NULL },
	{ "cpuinfo", N_PROC, false, "processor\t: 0\nvendor_id\t: FakeLxcfs\nmodel name\t: fake-lxcfs CPU\n\n" },
	{ "diskstats", N_PROC, false, "" },
	{ "loadavg", N_PROC, false, "0.00 0.00 0.00 1/1 1\n" },
	{ "slabinfo", N_PROC, false, "slabinfo - version: 2.1\n" },
	{ "stat", N_PROC, false, "cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n" },
	{ "swaps", N_PROC, false, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" },
	{ "uptime", N_PROC, false, "1.00 1.00\n" },
	{ "online", N_CPU, false, "0\n" },
};
#define N_NODES (sizeof(nodes) / sizeof(nodes[0]))

/* FUSE inode numbers are node index + 1 (FUSE_ROOT_ID is 1). */
static fuse_ino_t ino_of(size_t i) { return (fuse_ino_t)(i + 1); }
static const struct node *node_of(fuse_ino_t ino) { return ino >= 1 && ino <= N_NODES ? &nodes[ino - 1] : NULL; }

static unsigned long memtotal_kb = 999;
static char meminfo[512];

static const char *content_of(const struct node *n) { return n->content ? n->content : meminfo; }

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
	const struct node *n = node_of(ino);

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	/* lxcfs: directories 0755, files 0444, owned by root, size 0 (reads are direct). */
	st->st_mode = n->dir ? S_IFDIR | 0755 : S_IFREG | 0444;
	st->st_nlink = n->dir ? 2 : 1;
	st->st_blksize = 4096;
}

/* ---- control: which requests to hold ---- */

enum op { OP_LOOKUP, OP_GETATTR, OP_READ, OP_OPEN, OP_STATFS, OP_READDIR, OP_COUNT };
static const char *const op_names[OP_COUNT] = { "lookup", "getattr", "read", "open", "statfs", "readdir" };

static struct {
	const char *path;
	struct timespec mtime;
	ino_t ino;
	off_t size;
	bool hold;          /* hang or delay */
	long delay_ms;      /* < 0: hang */
	unsigned ops;       /* bit per enum op */
	unsigned long after, seen;
	char on[NAME_MAX + 1]; /* only requests about this name ("" = any) */
} ctl;

static FILE *log_file;

static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logline(const char *fmt, ...)
{
	va_list ap;

	if (!log_file)
		return;
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
	fflush(log_file);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned parse_ops(const char *s)
{
	unsigned ops = 0;
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "all") == 0)
			ops = (1u << OP_COUNT) - 1;
		for (int i = 0; i < OP_COUNT; i++)
			if (strcmp(tok, op_names[i]) == 0)
				ops |= 1u << i;
	}
	return ops;
}

/* Re-read the control file when it changed (mtime, inode or size): cheap enough per request. */
static void control_reload(void)
{
	char line[256] = "", word[32] = "", rest[6][64];
	struct stat st;
	FILE *f;
	int n;

	if (!ctl.path)
		return;
	if (stat(ctl.path, &st) < 0) {
		memset(&st, 0, sizeof(st));
	} else if (st.st_mtim.tv_sec == ctl.mtime.tv_sec && st.st_mtim.tv_nsec == ctl.mtime.tv_nsec &&
		   st.st_ino == ctl.ino && st.st_size == ctl.size) {
		return;
	}
	ctl.mtime = st.st_mtim;
	ctl.ino = st.st_ino;
	ctl.size = st.st_size;
	ctl.hold = false;
	ctl.seen = ctl.after = 0;
	ctl.on[0] = '\0';
	ctl.ops = (1u << OP_LOOKUP) | (1u << OP_READ);
	ctl.delay_ms = -1;
	f = fopen(ctl.path, "re");
	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		logline("control: answer");
		return;
	}
	fclose(f);
	n = sscanf(line, "%31s %63s %63s %63s %63s %63s %63s", word, rest[0], rest[1], rest[2], rest[3], rest[4],
		   rest[5]);
	if (n >= 1 && (strcmp(word, "hang") == 0 || strcmp(word, "delay") == 0)) {
		int i = 0;

		ctl.hold = true;
		if (strcmp(word, "delay") == 0) {
			ctl.delay_ms = n > 1 ? strtol(rest[i++], NULL, 10) : 1000;
			if (ctl.delay_ms < 0)
				ctl.delay_ms = 0;
		}
		for (; i < n - 1; i++) {
			if (strcmp(rest[i], "after") == 0 && i + 1 < n - 1)
				ctl.after = strtoul(rest[++i], NULL, 10);
			else if (strcmp(rest[i], "on") == 0 && i + 1 < n - 1)
				snprintf(ctl.on, sizeof(ctl.on), "%s", rest[++i]);
			else
				ctl.ops = parse_ops(rest[i]);
		}
	}
	logline("control: %s", line[0] ? strtok(line, "\n") : "answer");
}

/* ---- requests: answered now, later, or never ---- */

struct pending {
	fuse_req_t req;
	enum op op;
	fuse_ino_t ino;
	char name[NAME_MAX + 1];
	size_t size;
	off_t off;
	int64_t due_ms; /* < 0: never */
	struct pending *next;
};

static struct pending *held;

static void serve_lookup(const struct pending *p)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	for (size_t i = 1; i < N_NODES; i++) {
		if (ino_of((size_t)nodes[i].parent) != p->ino || strcmp(nodes[i].name, p->name) != 0)
			continue;
		e.ino = ino_of(i);
		/* No caching: every walk under the mount asks the daemon, as a hang must be reliable. */
		e.attr_timeout = 0;
		e.entry_timeout = 0;
		fill_stat(e.ino, &e.attr);
		fuse_reply_entry(p->req, &e);
		return;
	}
	fuse_reply_err(p->req, ENOENT);
}

static void serve_readdir(const struct pending *p)
{
	char buf[4096];
	size_t used = 0, want = p->size < sizeof(buf) ? p->size : sizeof(buf);
	off_t idx = 0;

	for (size_t i = 0; i < N_NODES + 2; i++) {
		const char *name = NULL;
		struct stat st;
		size_t len;

		if (i == 0)
			name = ".";
		else if (i == 1)
			name = "..";
		else if (i - 2 > 0 && ino_of((size_t)nodes[i - 2].parent) == p->ino)
			name = nodes[i - 2].name;
		if (!name)
			continue;
		idx++;
		if (idx <= p->off)
			continue;
		fill_stat(i >= 2 ? ino_of(i - 2) : p->ino, &st);
		len = fuse_add_direntry(p->req, buf + used, want - used, name, &st, idx);
		if (len > want - used)
			break;
		used += len;
	}
	fuse_reply_buf(p->req, buf, used);
}

static void serve(const struct pending *p)
{
	const struct node *n = node_of(p->ino);
	struct fuse_file_info fi;
	struct statvfs sv;
	struct stat st;

	if (!n) {
		fuse_reply_err(p->req, ENOENT);
		return;
	}
	switch (p->op) {
	case OP_LOOKUP:
		serve_lookup(p);
		break;
	case OP_GETATTR:
		fill_stat(p->ino, &st);
		fuse_reply_attr(p->req, &st, 0);
		break;
	case OP_OPEN:
		memset(&fi, 0, sizeof(fi));
		if (n->dir) {
			fuse_reply_open(p->req, &fi);
			break;
		}
		if ((p->off & O_ACCMODE) != O_RDONLY) {
			fuse_reply_err(p->req, EACCES);
			break;
		}
		fi.direct_io = 1; /* as lxcfs: sizes are 0, content is made per read */
		fuse_reply_open(p->req, &fi);
		break;
	case OP_READ: {
		const char *c = content_of(n);
		size_t len = strlen(c);

		if (n->dir) {
			fuse_reply_err(p->req, EISDIR);
		} else if ((size_t)p->off >= len) {
			fuse_reply_buf(p->req, NULL, 0);
		} else {
			size_t count = len - (size_t)p->off < p->size ? len - (size_t)p->off : p->size;
			fuse_reply_buf(p->req, c + p->off, count);
		}
		break;
	}
	case OP_READDIR:
		serve_readdir(p);
		break;
	case OP_STATFS:
		memset(&sv, 0, sizeof(sv));
		sv.f_bsize = 4096;
		sv.f_namemax = 255;
		fuse_reply_statfs(p->req, &sv);
		break;
	default:
		fuse_reply_err(p->req, ENOSYS);
	}
}

/* The name a request is about: the looked-up name, or its inode's. */
static const char *name_of(const struct pending *p)
{
	const struct node *n = node_of(p->ino);

	if (p->op == OP_LOOKUP)
		return p->name;
	return n ? n->name : "";
}

static void dispatch(struct pending *p)
{
	control_reload();
	if (ctl.hold && (ctl.ops & (1u << p->op)) && (!ctl.on[0] || strcmp(name_of(p), ctl.on) == 0) &&
	    ctl.seen++ >= ctl.after) {
		struct pending *copy = malloc(sizeof(*copy));

		if (copy) {
			*copy = *p;
			copy->due_ms = ctl.delay_ms < 0 ? -1 : now_ms() + ctl.delay_ms;
			copy->next = held;
			held = copy;
			logline("%s %lu %s %s", op_names[p->op], (unsigned long)p->ino, p->name,
				ctl.delay_ms < 0 ? "held" : "delayed");
			return;
		}
	}
	logline("%s %lu %s answered", op_names[p->op], (unsigned long)p->ino, p->name);
	serve(p);
}

/* Answer the delayed requests that are due; returns the poll timeout until the next one. */
static int serve_due(void)
{
	int64_t now = now_ms(), next = -1;

	for (struct pending **pp = &held; *pp;) {
		struct pending *p = *pp;

		if (p->due_ms >= 0 && p->due_ms <= now) {
			*pp = p->next;
			logline("%s %lu %s answered late", op_names[p->op], (unsigned long)p->ino, p->name);
			serve(p);
			free(p);
			continue;
		}
		if (p->due_ms >= 0 && (next < 0 || p->due_ms < next))
			next = p->due_ms;
		pp = &p->next;
	}
	return next < 0 ? 1000 : (int)(next - now);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct pending p = { .req = req, .op = OP_LOOKUP, .ino = parent };

	snprintf(p.name, sizeof(p.name), "%s", name);
	dispatch(&p);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	dispatch(&(struct pending){ .req = req, .op = OP_GETATTR, .ino = ino });
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* .off carries the open flags: the access mode is checked when answering. */
	dispatch(&(struct pending){ .req = req, .op = OP_OPEN, .ino = ino, .off = fi->flags });
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	dispatch(&(struct pending){ .req = req, .op = OP_READ, .ino = ino, .size = size, .off = off });
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	dispatch(&(struct pending){ .req = req, .op = OP_READDIR, .ino = ino, .size = size, .off = off });
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	dispatch(&(struct pending){ .req = req, .op = OP_STATFS, .ino = ino ? ino : FUSE_ROOT_ID });
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) { fuse_reply_err(req, 0); }

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct node *n = node_of(ino);

	if (!n || !n->dir) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fi->fh = 0;
	fuse_reply_open(req, fi);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.open = op_open,
	.read = op_read,
	.release = op_release,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_release,
	.statfs = op_statfs,
	/* No .interrupt: a held request stays held whatever signal its caller gets. */
};

static void usage(FILE *f)
{
	fputs("usage: fake-lxcfs [--memtotal KB] [--control FILE] [--log FILE] [--allow-other] MOUNTPOINT\n", f);
}

int main(int argc, char **argv)
{
	const char *mountpoint = NULL, *log_path = NULL;
	bool allow_other = false;
	char opts[256];
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se;
	struct fuse_buf buf = { .mem = NULL };
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--memtotal") == 0 && i + 1 < argc)
			memtotal_kb = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc)
			ctl.path = argv[++i];
		else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			log_path = argv[++i];
		else if (strcmp(argv[i], "--allow-other") == 0)
			allow_other = true;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return usage(stdout), 0;
		else if (argv[i][0] != '-' && !mountpoint)
			mountpoint = argv[i];
		else
			return usage(stderr), 2;
	}
	if (!mountpoint)
		return usage(stderr), 2;
	if (log_path && !(log_file = fopen(log_path, "ae"))) {
		perror(log_path);
		return 1;
	}
	snprintf(meminfo, sizeof(meminfo),
		 "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
		 "Buffers:               0 kB\nCached:                0 kB\nSwapTotal:             0 kB\n"
		 "SwapFree:              0 kB\n",
		 memtotal_kb, memtotal_kb / 2, memtotal_kb / 2);

	/* What lxcfs's mount looks like in mountinfo: "lxcfs" on DIR type fuse.lxcfs. */
	snprintf(opts, sizeof(opts), "subtype=lxcfs,fsname=lxcfs%s", allow_other ? ",allow_other" : "");
	if (fuse_opt_add_arg(&args, argv[0]) || fuse_opt_add_arg(&args, "-o") || fuse_opt_add_arg(&args, opts))
		return 1;
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, mountpoint) != 0) {
		fuse_session_destroy(se);
		return 1;
	}
	logline("mounted %s", mountpoint);

	/* Our own loop, single threaded: a held request simply gets no reply, and delayed ones are due by poll's timeout. */
	while (!fuse_session_exited(se)) {
		struct pollfd pfd = { .fd = fuse_session_fd(se), .events = POLLIN };
		int timeout = serve_due(), n;

		n = poll(&pfd, 1, timeout);
		if (n < 0 && errno != EINTR) {
			rc = 1;
			break;
		}
		if (n <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
			break; /* the connection was aborted or unmounted */
		n = fuse_session_receive_buf(se, &buf);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n <= 0)
			break;
		fuse_session_process_buf(se, &buf);
	}
	logline("exiting");
	free(buf.mem);
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	return rc;
}
