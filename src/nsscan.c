/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "lxcfs.h"
#include "mountinfo.h"
#include "nsscan.h"
#include "statmount.h"
#include "threadns.h"
#include "util.h"

static void dir_free(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int target_id(const char *target)
{
	for (int id = 0; id < LXF_COUNT; id++)
		if (strcmp(lxfiles[id].target, target) == 0)
			return id;
	return -1;
}

/* Mount id -> index into the table, open addressing: one pass builds it, lookups are O(1). */
struct id_index {
	size_t *slot; /* index + 1; 0 is empty */
	size_t cap;
};

static void id_index_free(struct id_index *x)
{
	free(x->slot);
}

static size_t id_hash(int id, size_t cap)
{
	return ((size_t)(unsigned)id * 2654435761u) & (cap - 1);
}

/* Returns: 0, -EAGAIN when an id appears twice (the table changed while it was read), -ENOMEM. */
static int id_index_build(struct id_index *x, const struct mountinfo *mi)
{
	x->cap = 16;
	while (x->cap < mi->n * 2)
		x->cap *= 2;
	x->slot = calloc(x->cap, sizeof(*x->slot));
	if (!x->slot)
		return -ENOMEM;
	for (size_t i = 0; i < mi->n; i++) {
		size_t j = id_hash(mi->entries[i].id, x->cap);

		for (; x->slot[j]; j = (j + 1) & (x->cap - 1))
			if (mi->entries[x->slot[j] - 1].id == mi->entries[i].id)
				return -EAGAIN;
		x->slot[j] = i + 1;
	}
	return 0;
}

static const struct mountinfo_entry *id_find(const struct id_index *x, const struct mountinfo *mi, int id)
{
	for (size_t j = id_hash(id, x->cap); x->slot[j]; j = (j + 1) & (x->cap - 1))
		if (mi->entries[x->slot[j] - 1].id == id)
			return &mi->entries[x->slot[j] - 1];
	return NULL;
}

/*
 * Which mounts can be reached from the root the process sees. A mount is hidden when one of
 * its ancestors has another mount on its own mount point on top of it (a container that
 * mounts a new procfs over /proc hides the layers on the old one): such layers cannot be
 * reached, repaired or read. Each mount's answer is computed once and kept, so the whole
 * table costs one pass, however deep or wide it is (10,000 binds must not stall a scan).
 */
enum reach { REACH_UNKNOWN = 0, REACH_BUSY, REACH_YES, REACH_NO };

struct reach_map {
	const struct mountinfo *mi;
	struct id_index ids;
	unsigned *covers; /* per mount: mounts on its own mount point whose parent it is */
	unsigned char *reach;
	size_t *chain;
};

static void reach_map_free(struct reach_map *r)
{
	id_index_free(&r->ids);
	free(r->covers);
	free(r->reach);
	free(r->chain);
}

static size_t index_of(const struct reach_map *r, const struct mountinfo_entry *e)
{
	return (size_t)(e - r->mi->entries);
}

static int reach_map_build(struct reach_map *r, const struct mountinfo *mi)
{
	int rc;

	r->mi = mi;
	rc = id_index_build(&r->ids, mi);
	if (rc < 0)
		return rc;
	r->covers = calloc(mi->n ? mi->n : 1, sizeof(*r->covers));
	r->reach = calloc(mi->n ? mi->n : 1, sizeof(*r->reach));
	r->chain = calloc(mi->n ? mi->n : 1, sizeof(*r->chain));
	if (!r->covers || !r->reach || !r->chain)
		return -ENOMEM;
	for (size_t i = 0; i < mi->n; i++) {
		const struct mountinfo_entry *e = &mi->entries[i];
		const struct mountinfo_entry *p = e->parent != e->id ? id_find(&r->ids, mi, e->parent) : NULL;

		if (p && strcmp(p->target, e->target) == 0)
			r->covers[index_of(r, p)]++;
	}
	return 0;
}

/* Is @e's mount point on top of its parent (not covered by a sibling stacked over @e's parent)? */
static bool parent_uncovered(const struct reach_map *r, const struct mountinfo_entry *e, const struct mountinfo_entry *p)
{
	unsigned mine = strcmp(p->target, e->target) == 0 ? 1 : 0;

	return r->covers[index_of(r, p)] == mine;
}

static bool reachable(struct reach_map *r, const struct mountinfo_entry *e)
{
	size_t n = 0;
	unsigned char answer;

	/* Up to the root or to a mount already answered, remembering the way. */
	for (;;) {
		size_t i = index_of(r, e);
		const struct mountinfo_entry *p;

		if (r->reach[i] == REACH_YES || r->reach[i] == REACH_NO) {
			answer = r->reach[i];
			break;
		}
		if (r->reach[i] == REACH_BUSY) {
			answer = REACH_NO; /* a loop of parent ids: a table torn while read */
			break;
		}
		r->reach[i] = REACH_BUSY;
		r->chain[n++] = i;
		p = e->parent != e->id ? id_find(&r->ids, r->mi, e->parent) : NULL;
		if (!p) {
			answer = REACH_YES; /* reached the root the process sees */
			break;
		}
		if (!parent_uncovered(r, e, p)) {
			answer = REACH_NO;
			break;
		}
		e = p;
	}
	/* Everything on the way shares the answer: above a hidden mount all are hidden, and so on. */
	while (n--)
		r->reach[r->chain[n]] = answer;
	return answer == REACH_YES;
}

static size_t note_dev(struct ns_lxcfs_view *v, dev_t dev)
{
	for (size_t i = 0; i < v->n_devs; i++)
		if (v->devs[i] == dev)
			return i;
	if (v->n_devs == ARRAY_SIZE(v->devs))
		return SIZE_MAX;
	v->devs[v->n_devs] = dev;
	return v->n_devs++;
}

/* What @mi, its mounts linked in @r, says of the lxcfs files. */
static void view_fill(const struct mountinfo *mi, struct reach_map *r, const struct lxcfs_live_set *live,
		      struct ns_lxcfs_view *view)
{
	for (size_t i = 0; i < mi->n; i++) {
		const struct mountinfo_entry *e = &mi->entries[i];
		size_t d;
		int id;

		if (strcmp(e->fstype, LXCFS_FSTYPE) != 0)
			continue;
		id = target_id(e->target);
		if (id < 0 || !reachable(r, e))
			continue;
		view->files |= LXF_BIT(id);
		if (++view->layers[id] > 1)
			view->stacked |= LXF_BIT(id);
		if (!lxcfs_live_has(live, e->dev))
			view->stale |= LXF_BIT(id);
		d = note_dev(view, e->dev);
		if (d != SIZE_MAX)
			view->on[id] |= 1u << d;
		/* Nothing on its own mount point above it: what the container reads there. */
		if (r->covers[i] == 0) {
			view->top[id] = e->dev;
			if (lxcfs_live_has(live, e->dev))
				view->top_live |= LXF_BIT(id);
		}
	}
}

/* How often a torn read (a mount id seen twice) is retried before the namespace is given up. */
#define MOUNTINFO_READS 3

/*
 * ns_view_from_mountinfo's work on @text (@len bytes) when the caller has read the table
 * already (NULL: read it here); a torn table is read again from @path.
 */
static int view_from_text(const char *path, const char *text, size_t len, const struct lxcfs_live_set *live,
			  struct ns_lxcfs_view *view, struct lxh_error *err)
{
	cleanup_mountinfo struct mountinfo mi = { 0 };
	__attribute__((cleanup(reach_map_free))) struct reach_map r = { 0 };
	int rc = -EAGAIN;

	memset(view, 0, sizeof(*view));
	/*
	 * Mount ids are reused as soon as a mount is freed: a table read while it changes can show
	 * one id twice, or a parent id that is now another mount. Never link mounts by such a read.
	 */
	for (int attempt = 0; attempt < MOUNTINFO_READS && rc == -EAGAIN; attempt++) {
		mountinfo_free(&mi);
		reach_map_free(&r);
		memset(&r, 0, sizeof(r));
		if (attempt == 0 && text)
			rc = mountinfo_parse(path, text, len, &mi, err);
		else
			rc = mountinfo_read(path, &mi, err);
		if (rc < 0)
			return rc;
		rc = reach_map_build(&r, &mi);
	}
	if (rc == -EAGAIN)
		return lxh_error_set(err, EAGAIN, "%s: the mount table changed under every read (a mount id seen twice)", path);
	if (rc < 0)
		return lxh_error_set(err, -rc, "%s", path);

	view_fill(&mi, &r, live, view);
	return 0;
}

int ns_view_from_mountinfo(const char *path, const struct lxcfs_live_set *live, struct ns_lxcfs_view *view,
			   struct lxh_error *err)
{
	return view_from_text(path, NULL, 0, live, view, err);
}

enum lxcfs_conn lxcfs_conns_get(const struct lxcfs_conns *c, dev_t dev)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (c->items[i].dev == dev)
			return c->items[i].state;
	return LXCFS_CONN_UNKNOWN;
}

void ns_view_refine(struct ns_lxcfs_view *v, const struct lxcfs_conns *c)
{
	for (int id = 0; id < LXF_COUNT; id++) {
		const lxfile_mask bit = LXF_BIT(id);
		bool dead = false;

		if (!(v->stale & bit))
			continue;
		for (size_t d = 0; d < v->n_devs; d++)
			if ((v->on[id] & (1u << d)) && lxcfs_conns_get(c, v->devs[d]) == LXCFS_CONN_DEAD)
				dead = true;
		if (dead)
			continue; /* a dead layer: stale, whatever is above it */
		v->stale &= ~bit;
		if ((v->top_live & bit) || !v->top[id])
			continue; /* ours on top (stacked over layers not known dead), or not lxcfs on top */
		/* Not ours and not dead: never touched. */
		v->stacked &= ~bit;
		if (lxcfs_conns_get(c, v->top[id]) == LXCFS_CONN_LIVE)
			v->foreign |= bit;
		else
			v->unresponsive |= bit;
	}
}

/* Open-addressing set of namespace inodes: each namespace is read once. */
struct ino_set {
	ino_t *slots;
	size_t cap, n;
};

static bool ino_set_has(const struct ino_set *s, ino_t ino)
{
	if (s->cap == 0)
		return false;
	for (size_t j = ino % s->cap; s->slots[j]; j = (j + 1) % s->cap)
		if (s->slots[j] == ino)
			return true;
	return false;
}

static bool ino_set_add(struct ino_set *s, ino_t ino)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		ino_t *slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return false;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slots[i])
				continue;
			size_t j = s->slots[i] % cap;
			while (slots[j])
				j = (j + 1) % cap;
			slots[j] = s->slots[i];
		}
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	for (size_t j = ino % s->cap;; j = (j + 1) % s->cap) {
		if (s->slots[j] == ino)
			return false;
		if (!s->slots[j]) {
			s->slots[j] = ino;
			s->n++;
			return true;
		}
	}
}

static int ns_ino_of(pid_t pid, ino_t *ino)
{
	char path[64];
	struct stat st;

	if (strnprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid) < 0)
		return -EINVAL;
	if (stat(path, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/*
 * The view from the kernel's answers (statmount, src/statmount.h) rather than from the
 * text of /proc/@pid/mountinfo: no text written, read and parsed, and no libmount loaded.
 * Only for a process whose root is its namespace's root, as a container's is after
 * pivot_root: mountinfo lists the mounts with paths from the process's root, statmount
 * from the namespace's, and only there are the two the same. readlink asks no filesystem.
 * Returns: 1 with @view filled; 0 when the kernel cannot tell, or the process's root is
 * elsewhere (a chroot): read mountinfo; a negative errno with @err set.
 */
static int view_from_kernel(pid_t pid, ino_t ino, const struct lxcfs_live_set *live, struct ns_lxcfs_view *view,
			    struct lxh_error *err)
{
	cleanup_close int fd = -1;
	char path[64], root[2];
	struct stat st;
	int rc = -EAGAIN;

	if (strnprintf(path, sizeof(path), "/proc/%d/root", (int)pid) < 0 || readlink(path, root, sizeof(root)) != 1 ||
	    root[0] != '/')
		return 0;
	if (strnprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid) < 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != ino)
		return 0; /* gone or moved: the text path says which */
	for (int attempt = 0; attempt < MOUNTINFO_READS && rc == -EAGAIN; attempt++) {
		cleanup_mountinfo struct mountinfo mi = { 0 };
		__attribute__((cleanup(reach_map_free))) struct reach_map r = { 0 };

		rc = sm_ns_table(fd, &mi);
		if (rc == 0)
			return 0; /* this kernel cannot tell */
		if (rc == 1)
			rc = reach_map_build(&r, &mi); /* -EAGAIN: an id seen twice */
		if (rc == 0) {
			memset(view, 0, sizeof(*view));
			view_fill(&mi, &r, live, view);
			return 1;
		}
	}
	if (rc == -EAGAIN)
		return 0; /* changing under every read: the text path retries and names it */
	return lxh_error_set(err, -rc, "process %d: its mount table", (int)pid);
}

/*
 * A cheap look before libmount: most namespaces have no lxcfs mount at all. The text read
 * is kept in *@text for the parse, so the kernel writes the table once.
 */
static bool mentions_lxcfs(const char *path, char **text, size_t *len)
{
	static const char needle[] = " " LXCFS_FSTYPE " ";
	struct lxh_error ignored;

	if (mountinfo_text_read(path, text, len, &ignored) < 0)
		return false;
	return memmem(*text, *len, needle, sizeof(needle) - 1) != NULL;
}

/*
 * Can @pid stand for the namespace its leader is in (@ino)? /proc/PID/ns/mnt and
 * /proc/PID/mountinfo are the thread-group leader's alone: a runtime part way into a
 * container (runc 1.2+ while it runs hooks, src/threadns.h) has its leader there and its
 * other threads elsewhere, and takes the leader back whenever it likes. Only a process
 * whose threads all agree names the namespace, to read it and, later, to enter it.
 * Returns: 0 when it can; -EXDEV when its threads disagree; -EAGAIN when it moved since
 * @ino was read; another negative errno when it cannot be asked (gone, say).
 */
static int agreed_in(pid_t pid, ino_t ino)
{
	struct stat ns;
	int rc = proc_mntns_agreed(pid, &ns);

	if (rc < 0)
		return rc;
	return ns.st_ino == ino ? 0 : -EAGAIN;
}

static int consider(pid_t pid, const struct lxcfs_live_set *live, ino_t self_ns, struct ino_set *seen, struct ns_list *out,
		    bool must_exist, struct lxh_error *err)
{
	struct ns_lxcfs_view view;
	cleanup_free char *text = NULL;
	size_t text_len = 0;
	char path[64];
	ino_t ino, after;
	bool has_lxcfs;
	int rc;

	rc = ns_ino_of(pid, &ino);
	if (rc < 0)
		return must_exist ? lxh_error_set(err, -rc, "process %d", (int)pid) : 0;
	if (ino == self_ns || ino_set_has(seen, ino))
		return 0;
	/* A namespace not seen yet: only here are the threads asked, so the scan stays one stat a process. */
	rc = agreed_in(pid, ino);
	if (rc == -EXDEV) {
		if (must_exist)
			return lxh_error_code(err, EXDEV,
					      "process %d: its threads are not all in one mount namespace (a runtime part way "
					      "into a container, as runc 1.2+ is while it runs hooks): it stands for none; "
					      "nothing changed",
					      (int)pid);
		log_debug("pid %d: its threads are not all in one mount namespace: not taken for its leader's", (int)pid);
		return 0;
	}
	if (rc == -EAGAIN)
		return must_exist ? lxh_error_code(err, EAGAIN, "process %d moved to another mount namespace while it was scanned; "
						  "nothing changed", (int)pid)
				  : 0;
	if (rc < 0)
		return must_exist ? lxh_error_set(err, -rc, "process %d", (int)pid) : 0;

	if (strnprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid) < 0)
		return -EINVAL;
	memset(&view, 0, sizeof(view));
	rc = view_from_kernel(pid, ino, live, &view, err);
	if (rc < 0)
		return must_exist ? rc : (lxh_error_clear(err), 0);
	has_lxcfs = rc == 1 || mentions_lxcfs(path, &text, &text_len);
	if (has_lxcfs && rc == 0) {
		rc = view_from_text(path, text, text_len, live, &view, err);
		if (rc < 0)
			return must_exist ? rc : (lxh_error_clear(err), 0);
	}
	/*
	 * The table read is that namespace's only if the process is still in it: otherwise it
	 * is left unseen, for another of its processes to stand for it.
	 */
	if (ns_ino_of(pid, &after) < 0 || after != ino)
		return must_exist ? lxh_error_code(err, EAGAIN, "process %d left its mount namespace while its mount table was "
						  "read; nothing changed", (int)pid)
				  : 0;
	if (!ino_set_add(seen, ino))
		return 0;
	out->scanned++;
	if (!has_lxcfs || !view.files)
		return 0;
	{
		struct ns_entry *items = realloc(out->items, (out->n + 1) * sizeof(*items));
		if (!items)
			return lxh_error_set(err, ENOMEM, "namespace list");
		out->items = items;
		items[out->n++] = (struct ns_entry){ .pid = pid, .ns_ino = ino, .view = view };
	}
	return 0;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int ns_scan(const pid_t *pids, size_t n_pids, const struct lxcfs_live_set *live, struct ns_list *out,
	    struct lxh_error *err)
{
	struct ino_set seen = { 0 };
	ino_t self_ns;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	rc = ns_ino_of(getpid(), &self_ns);
	if (rc < 0)
		return lxh_error_set(err, -rc, "cannot read the own mount namespace");

	if (pids && n_pids) {
		for (size_t i = 0; i < n_pids && rc == 0; i++)
			rc = consider(pids[i], live, self_ns, &seen, out, true, err);
	} else {
		__attribute__((cleanup(dir_free))) DIR *d = opendir("/proc");
		pid_t *all = NULL;
		size_t n = 0, cap = 0;
		struct dirent *de;

		if (!d)
			return lxh_error_errno(err, "cannot list /proc");
		/* cppcheck-suppress readdirCalled ; readdir_r() is deprecated, readdir() is safe on a DIR of our own */
		while ((de = readdir(d))) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			if (n == cap) {
				pid_t *tmp = realloc(all, (cap = cap ? cap * 2 : 1024) * sizeof(*all));
				if (!tmp) {
					free(all);
					return lxh_error_set(err, ENOMEM, "pid list");
				}
				all = tmp;
			}
			all[n++] = (pid_t)atoi(de->d_name);
		}
		/* Lowest pid first: a namespace is then named by its oldest process, usually the container's init. */
		qsort(all, n, sizeof(*all), pid_cmp);
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = consider(all[i], live, self_ns, &seen, out, false, err);
		free(all);
	}
	free(seen.slots);
	return rc;
}

void ns_list_free(struct ns_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = 0;
}
