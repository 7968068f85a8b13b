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
 * ns_list_probe - probe, once per device, the top layers the scan could not call live
 * (each where it was seen on top), then ns_view_refine() every namespace of @l with the
 * answers. No probe outlives @deadline_ms. Returns: 0, or -ENOMEM.
 */
int ns_list_probe(struct ns_list *l, int64_t deadline_ms);

#endif
