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

struct layer_probe {
	pid_t pid;
	int file;
	dev_t dev;
};

struct layer_probe_msg {
	enum lxcfs_conn state;
};

enum lxcfs_conn lxcfs_layer_probe_here(pid_t pid, int file, dev_t dev)
{
	cleanup_close int root = -1, fd = -1;
	char path[64];
	struct statx stx;
	struct statfs sfs;

	if (file < 0 || file >= LXF_COUNT || strnprintf(path, sizeof(path), "/proc/%d/root", (int)pid) < 0)
		return LXCFS_CONN_UNKNOWN;
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return LXCFS_CONN_UNKNOWN;
	/* The layer is a bind of one file: reaching it looks up nothing in lxcfs itself. */
	fd = resolve_beneath(root, lxfiles[file].target + 1, O_PATH | (lxfiles[file].is_dir ? O_DIRECTORY : 0),
			     false);
	if (fd < 0)
		return LXCFS_CONN_UNKNOWN;
	/* Still the layer the scan saw: its device, taken without asking the daemon. */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE, &stx) < 0 ||
	    makedev(stx.stx_dev_major, stx.stx_dev_minor) != dev)
		return LXCFS_CONN_UNKNOWN;
	if (fstatfs(fd, &sfs) == 0)
		return LXCFS_CONN_LIVE;
	/* Any other error is an answer too: only a connection that is gone makes these. */
	return errno == ENOTCONN || errno == ECONNABORTED ? LXCFS_CONN_DEAD : LXCFS_CONN_LIVE;
}

static void probe_child(void *arg, int fd)
{
	const struct layer_probe *p = arg;
	struct layer_probe_msg m = { .state = lxcfs_layer_probe_here(p->pid, p->file, p->dev) };

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
	int rc;

	if (file < 0 || file >= LXF_COUNT)
		return LXCFS_CONN_UNKNOWN;
	rc = worker_run(probe_child, &p, sizeof(m), probe_msg_in, &m, step_deadline(LAYER_PROBE_MS, deadline_ms));
	if (rc == -ETIMEDOUT)
		return LXCFS_CONN_HUNG;
	return rc == 0 ? m.state : LXCFS_CONN_UNKNOWN;
}

const char *lxcfs_conn_name(enum lxcfs_conn s)
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

int lxcfs_conns_collect(const struct ns_list *l, struct lxcfs_conns *conns)
{
	size_t cap = 0;

	*conns = (struct lxcfs_conns){ 0 };
	/* One entry per device: a dead lxcfs leaves one device behind in every container it served. */
	for (size_t i = 0; i < l->n; i++) {
		const struct ns_entry *e = &l->items[i];

		for (int id = 0; id < LXF_COUNT; id++) {
			dev_t dev = e->view.top[id];

			if (!(e->view.stale & LXF_BIT(id)) || (e->view.top_live & LXF_BIT(id)) || !dev)
				continue;
			if (conns_has(conns, dev))
				continue;
			if (conns->n == cap) {
				struct lxcfs_conn_entry *grown = realloc(conns->items, (cap = cap ? cap * 2 : 8) * sizeof(*grown));

				if (!grown) {
					lxcfs_conns_free(conns);
					return -ENOMEM;
				}
				conns->items = grown;
			}
			conns->items[conns->n++] = (struct lxcfs_conn_entry){ .dev = dev, .pid = e->pid, .file = id };
		}
	}
	return 0;
}

void lxcfs_conns_free(struct lxcfs_conns *conns)
{
	free(conns->items);
	*conns = (struct lxcfs_conns){ 0 };
}

void lxcfs_conns_log(const struct lxcfs_conns *conns)
{
	for (size_t k = 0; k < conns->n; k++) {
		const struct lxcfs_conn_entry *c = &conns->items[k];

		log_debug("lxcfs device %u:%u (on %s in pid %d): %s", major(c->dev), minor(c->dev), lxfiles[c->file].target,
			  (int)c->pid, lxcfs_conn_name(c->state));
	}
}

void ns_list_refine(struct ns_list *l, const struct lxcfs_conns *conns)
{
	for (size_t i = 0; i < l->n; i++)
		ns_view_refine(&l->items[i].view, conns);
}

int ns_list_probe(struct ns_list *l, int64_t deadline_ms)
{
	struct lxcfs_conns conns;
	int rc = lxcfs_conns_collect(l, &conns);

	if (rc < 0)
		return rc;
	for (size_t k = 0; k < conns.n; k++) {
		struct lxcfs_conn_entry *c = &conns.items[k];

		c->state = lxcfs_layer_probe(c->pid, c->file, c->dev, deadline_ms);
	}
	lxcfs_conns_log(&conns);
	ns_list_refine(l, &conns);
	lxcfs_conns_free(&conns);
	return 0;
}
