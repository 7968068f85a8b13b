/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lxcfs.h"
#include "mountinfo.h"
#include "nsscan.h"
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

static void note_dev(struct ns_lxcfs_view *v, dev_t dev)
{
	for (size_t i = 0; i < v->n_devs; i++)
		if (v->devs[i] == dev)
			return;
	if (v->n_devs < ARRAY_SIZE(v->devs))
		v->devs[v->n_devs++] = dev;
}

static const struct mountinfo_entry *find_id(const struct mountinfo *mi, int id)
{
	for (size_t i = 0; i < mi->n; i++)
		if (mi->entries[i].id == id)
			return &mi->entries[i];
	return NULL;
}

/* Is @e covered: another mount on its mount point, on top of it, other than @except? */
static bool covered(const struct mountinfo *mi, const struct mountinfo_entry *e, const struct mountinfo_entry *except)
{
	for (size_t i = 0; i < mi->n; i++) {
		const struct mountinfo_entry *m = &mi->entries[i];

		if (m != except && m->parent == e->id && strcmp(m->target, e->target) == 0)
			return true;
	}
	return false;
}

/*
 * A layer hidden under a mount made later (a container that mounts a new procfs over /proc)
 * cannot be reached, repaired or read: count only layers whose every ancestor is uncovered.
 */
static bool layer_visible(const struct mountinfo *mi, const struct mountinfo_entry *e)
{
	for (int depth = 0; depth < 256; depth++) {
		const struct mountinfo_entry *parent = find_id(mi, e->parent);

		if (!parent || parent == e)
			return true; /* reached the root the process sees */
		if (covered(mi, parent, e))
			return false;
		e = parent;
	}
	return false;
}

int ns_view_from_mountinfo(const char *path, const struct lxcfs_live_set *live, struct ns_lxcfs_view *view,
			   struct lxh_error *err)
{
	cleanup_mountinfo struct mountinfo mi = { 0 };
	int rc;

	memset(view, 0, sizeof(*view));
	rc = mountinfo_read(path, &mi, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < mi.n; i++) {
		const struct mountinfo_entry *e = &mi.entries[i];
		int id;

		if (strcmp(e->fstype, LXCFS_FSTYPE) != 0)
			continue;
		id = target_id(e->target);
		if (id < 0 || !layer_visible(&mi, e))
			continue;
		view->files |= LXF_BIT(id);
		if (++view->layers[id] > 1)
			view->stacked |= LXF_BIT(id);
		if (!lxcfs_live_has(live, e->dev))
			view->stale |= LXF_BIT(id);
		note_dev(view, e->dev);
	}
	return 0;
}

/* Open-addressing set of namespace inodes: each namespace is read once. */
struct ino_set {
	ino_t *slots;
	size_t cap, n;
};

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

/* A cheap look before libmount: most namespaces have no lxcfs mount at all. */
static bool mentions_lxcfs(const char *path)
{
	static const char needle[] = " " LXCFS_FSTYPE " ";
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[16384];
	size_t keep = 0;
	ssize_t n;

	if (fd < 0)
		return false;
	while ((n = read(fd, buf + keep, sizeof(buf) - keep)) > 0) {
		size_t len = keep + (size_t)n;

		if (memmem(buf, len, needle, sizeof(needle) - 1))
			return true;
		/* Keep a tail, so a match split across two reads is still found. */
		keep = len < sizeof(needle) - 1 ? len : sizeof(needle) - 2;
		memmove(buf, buf + len - keep, keep);
	}
	return false;
}

static int consider(pid_t pid, const struct lxcfs_live_set *live, ino_t self_ns, struct ino_set *seen, struct ns_list *out,
		    bool must_exist, struct lxh_error *err)
{
	struct ns_lxcfs_view view;
	char path[64];
	ino_t ino;
	int rc;

	rc = ns_ino_of(pid, &ino);
	if (rc < 0)
		return must_exist ? lxh_error_set(err, -rc, "process %d", (int)pid) : 0;
	if (ino == self_ns || !ino_set_add(seen, ino))
		return 0;
	out->scanned++;
	if (strnprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid) < 0)
		return -EINVAL;
	if (!mentions_lxcfs(path))
		return 0;
	rc = ns_view_from_mountinfo(path, live, &view, err);
	if (rc < 0)
		return must_exist ? rc : (lxh_error_clear(err), 0);
	if (!view.files)
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
