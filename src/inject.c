/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "inject.h"
#include "kernel.h"
#include "log.h"
#include "lxcfs.h"
#include "pin.h"
#include "proc_cgroup.h"
#include "util.h"

void lxfile_mask_describe(lxfile_mask m, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int id = 0; id < LXF_COUNT; id++) {
		int n;

		if (!(m & LXF_BIT(id)))
			continue;
		n = snprintf(buf + off, size - off, "%s%s", off ? "," : "", lxfiles[id].target);
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
	if (!off)
		snprintf(buf, size, "none");
}

/* lxcfs missing or not answering: --on-missing decides whether the container may start without it. */
static int lxcfs_missing(const struct inject_request *r, struct lxh_error *err)
{
	if (r->on_missing_fail)
		return lxh_error_wrap(err, "--on-missing fail");
	log_warn("%s; starting the container without lxcfs files (--on-missing ignore)", err->msg);
	lxh_error_clear(err);
	return 0;
}

int inject_lxcfs(const struct inject_request *r, lxfile_mask *mounted, struct lxh_error *err)
{
	cleanup_pin struct pinned_proc proc = PINNED_PROC_INIT;
	/* cppcheck-suppress variableScope ; req.rootfs.rootfd borrows it until the function returns */
	cleanup_close int root = -1;
	struct attach_request req = { 0 };
	struct attach_result res;
	char list[512];
	int rc;

	if (mounted)
		*mounted = 0;
	rc = proc_pin(r->pid, &proc, err);
	if (rc < 0)
		return rc;
	/* A request's pid is only a number: it must be that container's process, still alive after. */
	if (r->expect_id) {
		rc = proc_in_container(r->pid, r->expect_id, r->expect_cgroups_path, err);
		if (rc < 0)
			return rc;
		if (proc.pidfd >= 0 && sys_pidfd_send_signal(proc.pidfd, 0) < 0)
			return lxh_error_errno(err, "container process %d", (int)r->pid);
	}
	if (r->rootfs) {
		rootfs_hint_init(&req.rootfs, r->rootfs, r->status_pivoted);
	} else {
		char path[64];

		/* No rootfs path (NRI): the pinned process's own root, opened while it is known alive. */
		if (strnprintf(path, sizeof(path), "/proc/%d/root", (int)r->pid) < 0)
			return -EINVAL;
		root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return lxh_error_errno(err, "cannot open the root of process %d", (int)r->pid);
		if (proc.pidfd >= 0 && sys_pidfd_send_signal(proc.pidfd, 0) < 0)
			return lxh_error_errno(err, "container process %d", (int)r->pid);
		rootfs_hint_init(&req.rootfs, NULL, true);
		req.rootfs.rootfd = root;
	}

	rc = lxcfs_locate(r->lxcfs_root, &req.lxcfs, err);
	if (rc == -ENOENT)
		return lxcfs_missing(r, err);
	if (rc < 0)
		return rc;

	if (r->legacy_mount)
		kernel_force_legacy_mount();
	kernel_features_log();
	req.plan = r->plan;
	req.pid = proc.pid;
	req.mntns_fd = proc.mntns_fd;
	req.legacy = !kernel_features()->mount_api;
	req.deadline_ms = r->deadline_ms;

	rc = engine_attach(&req, &res, err);
	if (rc < 0 && res.lxcfs_unavailable)
		return lxcfs_missing(r, err);
	if (rc < 0)
		return rc;
	if (mounted)
		*mounted = res.mounted;
	lxfile_mask_describe(res.mounted, list, sizeof(list));
	log_info("mounted from %s (%s): %s", req.lxcfs.path, r->reason, list);
	return 0;
}
