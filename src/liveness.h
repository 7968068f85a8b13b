/* SPDX-License-Identifier: Apache-2.0 */
/*
 * liveness.h - is the FUSE connection behind an lxcfs layer in a container alive? Asked of
 * the layer itself, from a killable worker: a layer is stale only when its connection is
 * dead, never because its device is not the lxcfs this host mounts (another lxcfs, in a
 * namespace of its own, may be serving it).
 */
#ifndef LXH_LIVENESS_H
#define LXH_LIVENESS_H

#include <stdint.h>
#include <sys/types.h>

#include "nsscan.h"

/**
 * lxcfs_layer_probe - open @file's target beneath the root of process @pid (no symlinks),
 * check the mount there is still device @dev, and ask its FUSE daemon (statfs), in a worker
 * that is killed at @deadline_ms. Returns: LXCFS_CONN_LIVE, _DEAD (ENOTCONN/ECONNABORTED),
 * _HUNG (no answer in time) or _UNKNOWN (the layer could not be reached as scanned).
 */
enum lxcfs_conn lxcfs_layer_probe(pid_t pid, int file, dev_t dev, int64_t deadline_ms);

/**
 * lxcfs_layer_probe_here - lxcfs_layer_probe's question asked by the calling process, which
 * must be one its caller can kill (a worker): statfs on a hung daemon does not return.
 * Returns: as lxcfs_layer_probe, never _HUNG.
 */
enum lxcfs_conn lxcfs_layer_probe_here(pid_t pid, int file, dev_t dev);

/* How long one layer may take to answer: an lxcfs that answers does so in microseconds. */
#define LAYER_PROBE_MS 1000

/* "alive", "dead", "not answering", "not reachable": for messages. */
const char *lxcfs_conn_name(enum lxcfs_conn s);

/**
 * lxcfs_conns_collect - the devices behind the top layers the scan of @l could not call live,
 * once each, with where one of them is on top (for the probe); their states UNKNOWN.
 * Returns: 0, or -ENOMEM (@conns empty). Free with lxcfs_conns_free.
 */
int lxcfs_conns_collect(const struct ns_list *l, struct lxcfs_conns *conns);
void lxcfs_conns_free(struct lxcfs_conns *conns);

/* ns_view_refine() every namespace of @l with the probed @conns. */
void ns_list_refine(struct ns_list *l, const struct lxcfs_conns *conns);
/* Each device's answer, at debug level. */
void lxcfs_conns_log(const struct lxcfs_conns *conns);

/**
 * ns_list_probe - probe, once per device, the top layers the scan could not call live
 * (each where it was seen on top), then ns_view_refine() every namespace of @l with the
 * answers. No probe outlives @deadline_ms. Returns: 0, or -ENOMEM.
 */
int ns_list_probe(struct ns_list *l, int64_t deadline_ms);

#endif
