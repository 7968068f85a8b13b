/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_state.h - the containers runc and crun keep state for (/run/runc, /run/crun,
 * and runc's under Docker, /run/docker/runtime-runc/moby):
 * to name a namespace's container in remount and status, and to find annotated
 * containers for remount --adopt.
 */
#ifndef LXH_RUNTIME_STATE_H
#define LXH_RUNTIME_STATE_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct rt_container {
	char *id;
	pid_t pid;    /* init process, as the host sees it; 0 when not running */
	char *bundle; /* where config.json is, or NULL when the state does not say */
};

struct rt_list {
	struct rt_container *items;
	size_t n;
};

/* runc's <root>/<id>/state.json: "id", "init_process_pid", "config"."labels" ("bundle=..."). */
int runtime_parse_runc_state(const char *buf, size_t len, struct rt_container *out, struct lxh_error *err);
/* crun's <root>/<id>/status: "pid", "bundle"; the id is the directory name. */
int runtime_parse_crun_status(const char *buf, size_t len, const char *id, struct rt_container *out,
			      struct lxh_error *err);

/**
 * runtime_list - read every state under /run/runc, /run/crun, Docker's
 * /run/docker/runtime-runc/moby and @roots.
 * A root that does not exist is skipped; an unreadable state is skipped with a debug line.
 * Returns: 0, or -ENOMEM.
 */
int runtime_list(const char *const *roots, size_t n_roots, struct rt_list *out);
const struct rt_container *runtime_find_pid(const struct rt_list *l, pid_t pid);
void runtime_list_free(struct rt_list *l);


/**
 * container_name - a name for the container of @pid: its runc/crun id when @l knows the pid,
 * else the last component of its cgroup path ("crio-<id>.scope" -> "<id>"), else "-".
 */
void container_name(const struct rt_list *l, pid_t pid, char *buf, size_t size);

#endif
