/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "io.h"
#include "liveness.h"
#include "log.h"
#include "resolve.h"
#include "util.h"
#include "worker.h"

/* How long one layer may take to answer: an lxcfs that answers does so in microseconds. */
#define LAYER_PROBE_MS 1000

struct layer_probe {
	pid_t pid;
	int file;
	dev_t dev;
};

struct layer_probe_msg {
	enum lxcfs_conn state;
};

static enum lxcfs_conn probe_here(const struct layer_probe *p)
{
	cleanup_close int root = -1, fd = -1;
	char path[64];
	struct statx stx;
	struct statfs sfs;

	if (strnprintf(path, sizeof(path), "/proc/%d/root", (int)p->pid) < 0)
		return LXCFS_CONN_UNKNOWN;
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return LXCFS_CONN_UNKNOWN;
	/* The layer is a bind of one file: reaching it looks up nothing in lxcfs itself. */
	fd = resolve_beneath(root, lxfiles[p->file].target + 1, O_PATH | (lxfiles[p->file].is_dir ? O_DIRECTORY : 0),
			     false);
	if (fd < 0)
		return LXCFS_CONN_UNKNOWN;
	/* Still the layer the scan saw: its device, taken without asking the daemon. */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE, &stx) < 0 ||
	    makedev(stx.stx_dev_major, stx.stx_dev_minor) != p->dev)
		return LXCFS_CONN_UNKNOWN;
	if (fstatfs(fd, &sfs) == 0)
		return LXCFS_CONN_LIVE;
	/* Any other error is an answer too: only a connection that is gone makes these. */
	return errno == ENOTCONN || errno == ECONNABORTED ? LXCFS_CONN_DEAD : LXCFS_CONN_LIVE;
}

static void probe_child(void *arg, int fd)
{
	struct layer_probe_msg m = { .state = probe_here(arg) };

	worker_send(fd, &m, sizeof(m));
}

static void probe_msg_in(const void *msg, void *ctx)
{
	*(struct layer_probe_msg *)ctx = *(const struct layer_probe_msg *)msg;
}

enum lxcfs_conn lxcfs_layer_probe(pid_t pid, int file, dev_t dev, int64_t deadline_ms)
{
	struct layer_probe p = { .pid = pid, .file = file, .dev = dev };
	struct layer_probe_msg m = { .state = LXCFS_CONN_UNKNOWN };
	int64_t until = now_ms() + LAYER_PROBE_MS;
	int rc;

	if (file < 0 || file >= LXF_COUNT)
		return LXCFS_CONN_UNKNOWN;
	rc = worker_run(probe_child, &p, sizeof(m), probe_msg_in, &m, until < deadline_ms ? until : deadline_ms);
	if (rc == -ETIMEDOUT)
		return LXCFS_CONN_HUNG;
	return rc == 0 ? m.state : LXCFS_CONN_UNKNOWN;
}

static const char *conn_name(enum lxcfs_conn s)
{
	switch (s) {
	case LXCFS_CONN_LIVE: return "alive";
	case LXCFS_CONN_DEAD: return "dead";
	case LXCFS_CONN_HUNG: return "not answering";
	default: return "not reachable";
	}
}

static bool conns_has(const struct lxcfs_conns *c, dev_t dev)
{
	for (size_t k = 0; k < c->n; k++)
		if (c->items[k].dev == dev)
			return true;
	return false;
}

int ns_list_probe(struct ns_list *l, int64_t deadline_ms)
{
	struct lxcfs_conns conns = { 0 };
	size_t cap = 0;

	/* One entry per device: a dead lxcfs leaves one device behind in every container it served. */
	for (size_t i = 0; i < l->n; i++) {
		const struct ns_entry *e = &l->items[i];

		for (int id = 0; id < LXF_COUNT; id++) {
			dev_t dev = e->view.top[id];

			if (!(e->view.stale & LXF_BIT(id)) || (e->view.top_live & LXF_BIT(id)) || !dev)
				continue;
			if (conns_has(&conns, dev))
				continue;
			if (conns.n == cap) {
				struct lxcfs_conn_entry *grown = realloc(conns.items, (cap = cap ? cap * 2 : 8) * sizeof(*grown));

				if (!grown) {
					free(conns.items);
					return -ENOMEM;
				}
				conns.items = grown;
			}
			conns.items[conns.n++] = (struct lxcfs_conn_entry){ .dev = dev, .pid = e->pid, .file = id };
		}
	}
	for (size_t k = 0; k < conns.n; k++) {
		struct lxcfs_conn_entry *c = &conns.items[k];

		c->state = lxcfs_layer_probe(c->pid, c->file, c->dev, deadline_ms);
		log_debug("lxcfs device %u:%u (on %s in pid %d): %s", major(c->dev), minor(c->dev), lxfiles[c->file].target,
			  (int)c->pid, conn_name(c->state));
	}
	for (size_t i = 0; i < l->n; i++)
		ns_view_refine(&l->items[i].view, &conns);
	free(conns.items);
	return 0;
}
