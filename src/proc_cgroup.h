/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc_cgroup.h - does a process belong to a container? Asked of its cgroup, as the host
 * sees it: a pid handed to us by a request (NRI) must be that container's, not any process.
 */
#ifndef LXH_PROC_CGROUP_H
#define LXH_PROC_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/**
 * cgroup_path_names - does the cgroup path @path name container @id or @cgroups_path?
 * @id: matches a whole path component, or a part of one set off by '-', '_', '.' or ':'
 * ("cri-containerd-ID.scope", "crio-ID.scope", "ID").
 * @cgroups_path: the spec's linux.cgroupsPath, or NULL: "/a/b" matches a path ending in
 * it; systemd's "slice:prefix:name" matches a component "prefix-name.scope".
 */
bool cgroup_path_names(const char *path, const char *id, const char *cgroups_path);

/**
 * proc_in_container - read /proc/@pid/cgroup and check that one of its paths names the
 * container (cgroup_path_names()). Returns: 0, or a negative errno with @err filled
 * (-EPERM: the process is not that container's).
 */
int proc_in_container(pid_t pid, const char *id, const char *cgroups_path, struct lxh_error *err);

#endif
