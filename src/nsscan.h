/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nsscan.h - find every mount namespace on the host and the lxcfs mounts in it,
 * read from the host's procfs (never from inside a container).
 */
#ifndef LXH_NSSCAN_H
#define LXH_NSSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "lxcfs.h"
#include "policy.h"

#define NS_MAX_LAYERS 32

/* What one namespace's mountinfo says about the supported targets. */
struct ns_lxcfs_view {
	lxfile_mask files;          /* targets with at least one fuse.lxcfs layer */
	lxfile_mask stale;          /* a layer whose FUSE connection is dead (after ns_view_refine();
				       before it: a layer not on a device known live) */
	lxfile_mask stacked;        /* targets with more than one lxcfs layer, the top one ours or dead */
	lxfile_mask foreign;        /* top layer a live lxcfs that is not ours: reported, never touched */
	lxfile_mask unresponsive;   /* top layer's lxcfs did not answer in time (or could not be asked) */
	lxfile_mask top_live;       /* the top layer is on a device known live (ours) */
	unsigned layers[LXF_COUNT]; /* fuse.lxcfs layers per target */
	dev_t top[LXF_COUNT];       /* device of the top layer, 0 when something else covers it */
	uint32_t on[LXF_COUNT];     /* bit i: devs[i] has a layer on this target */
	dev_t devs[NS_MAX_LAYERS];  /* every fuse.lxcfs device seen on a target: what may be detached */
	size_t n_devs;
};

/* The state of a FUSE connection behind lxcfs layers, by device. */
enum lxcfs_conn {
	LXCFS_CONN_UNKNOWN = 0, /* not asked, or could not be asked */
	LXCFS_CONN_LIVE,        /* answered */
	LXCFS_CONN_DEAD,        /* ENOTCONN or ECONNABORTED: its lxcfs is gone */
	LXCFS_CONN_HUNG,        /* did not answer before the deadline */
};

struct lxcfs_conns {
	struct lxcfs_conn_entry {
		dev_t dev;
		enum lxcfs_conn state;
		pid_t pid;       /* where a layer of it is on top, for the probe */
		int file;        /* on which target (enum lxfile_id) */
	} *items;
	size_t n;
};

enum lxcfs_conn lxcfs_conns_get(const struct lxcfs_conns *c, dev_t dev);

/**
 * ns_view_refine - after the connections behind the layers were probed: a target stays stale
 * only when one of its layers is dead; one whose top layer is alive and not ours becomes
 * foreign, one whose top layer did not answer (or could not be asked) unresponsive. Neither
 * is stacked any more: what is not ours is never touched.
 */
void ns_view_refine(struct ns_lxcfs_view *v, const struct lxcfs_conns *c);

/**
 * ns_view_from_mountinfo - read a mountinfo file (as /proc/PID/mountinfo shows it: mount
 * points relative to PID's root) and fill @view for the supported targets. Pure parsing
 * with libmount; mounts elsewhere (the host's own lxcfs mount point, say) are ignored.
 * @live: devices of the lxcfs mounts that answer (NULL or empty: every layer is stale).
 * Returns: 0, or a negative errno with @err filled.
 */
int ns_view_from_mountinfo(const char *path, const struct lxcfs_live_set *live, struct ns_lxcfs_view *view,
			   struct lxh_error *err);

/* True when the view needs a repair: a dead layer, or layers of ours stacked by earlier binds. */
static inline bool ns_view_needs_repair(const struct ns_lxcfs_view *v) { return (v->stale | v->stacked) != 0; }

struct ns_entry {
	pid_t pid;    /* the lowest pid in the namespace whose threads are all in it */
	ino_t ns_ino; /* identity of the namespace */
	struct ns_lxcfs_view view;
};

struct ns_list {
	struct ns_entry *items;
	size_t n;
	size_t scanned; /* distinct mount namespaces looked at */
};

/**
 * ns_scan - every mount namespace but the caller's own (or, with @pids, only those processes'),
 * each once, keeping those with lxcfs mounts on supported targets. A namespace is read through
 * a process all of whose threads are in it (/proc/PID/task/TID/ns/mnt: src/threadns.h), and its
 * table counts only if that process is still in it after the read; a process whose threads
 * disagree is passed over (another process stands for the namespace).
 * Returns: 0, or a negative errno with @err filled (a process vanishing mid-scan is not an error;
 * a --pid that does not exist is, and so is one whose threads disagree: -EXDEV, or one that
 * moved while it was read: -EAGAIN).
 */
int ns_scan(const pid_t *pids, size_t n_pids, const struct lxcfs_live_set *live, struct ns_list *out,
	    struct lxh_error *err);
void ns_list_free(struct ns_list *l);

#endif
