/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "io.h"
#include "log.h"
#include "mountinfo.h"
#include "statmount.h"
#include "util.h"
#include "worker.h"

struct attach_msg {
	int rc;
	struct attach_result result;
	struct lxh_error error;
};

struct attach_job {
	const struct attach_request *req;
	const int *undo_ids; /* undo_child: the layers to detach */
	size_t n_undo_ids;
	/* parent side */
	bool done;
	struct attach_msg last;
};

static void attach_child(void *arg, int fd)
{
	struct attach_job *job = arg;
	struct attach_msg done = { 0 };

	done.rc = attach_in_worker(job->req, &done.result, &done.error);
	worker_send(fd, &done, sizeof(done));
}

static void undo_child(void *arg, int fd)
{
	struct attach_job *job = arg;
	struct attach_msg done = { 0 };
	lxfile_mask files = 0;

	for (size_t i = 0; i < job->req->plan->n; i++)
		files |= LXF_BIT(job->req->plan->entries[i].file->id);
	done.rc = attach_undo_in_worker(job->req->mntns_fd, &job->req->rootfs, files, job->undo_ids, job->n_undo_ids,
					&done.error);
	worker_send(fd, &done, sizeof(done));
}

static void on_msg(const void *msg, void *ctx)
{
	struct attach_job *job = ctx;

	job->last = *(const struct attach_msg *)msg;
	job->done = true;
}

/* Mount ids of @req's lxcfs device in the container's namespace. Reads procfs, never a mount. */
struct id_list {
	int *ids;
	size_t n;
};

static void id_list_free(struct id_list *l)
{
	free(l->ids);
	l->ids = NULL;
	l->n = 0;
}

static int lxcfs_layers(const struct attach_request *req, struct id_list *out, struct lxh_error *err)
{
	/* One way for the whole run: the lists are compared, and listmount sees what a chroot hides. */
	static enum { WAY_UNKNOWN, WAY_LISTMOUNT, WAY_MOUNTINFO } way = WAY_UNKNOWN;
	cleanup_mountinfo struct mountinfo mi = { 0 };
	char path[64];
	int rc;

	id_list_free(out);
	if (way != WAY_MOUNTINFO) {
		rc = sm_lxcfs_layers(req->mntns_fd, req->lxcfs.dev, &out->ids, &out->n);
		if (rc < 0)
			return lxh_error_set(err, -rc, "mount id list");
		if (rc == 1) {
			way = WAY_LISTMOUNT;
			return 0;
		}
		if (way == WAY_LISTMOUNT)
			return lxh_error_set(err, 0, "listmount no longer answers for the container's mount namespace");
		way = WAY_MOUNTINFO;
	}
	if (strnprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)req->pid) < 0)
		return lxh_error_set(err, EINVAL, "mountinfo path");
	rc = mountinfo_read(path, &mi, err);
	if (rc < 0)
		return rc;
	out->ids = calloc(mi.n ? mi.n : 1, sizeof(*out->ids));
	if (!out->ids)
		return lxh_error_set(err, ENOMEM, "mount id list");
	for (size_t i = 0; i < mi.n; i++)
		if (mi.entries[i].dev == req->lxcfs.dev && strcmp(mi.entries[i].fstype, LXCFS_FSTYPE) == 0)
			out->ids[out->n++] = mi.entries[i].id;
	return 0;
}

static bool id_in(const struct id_list *l, int id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return true;
	return false;
}

/* What is in @now and not in @before. */
static void id_list_minus(struct id_list *now, const struct id_list *before)
{
	size_t k = 0;

	for (size_t i = 0; i < now->n; i++)
		if (!id_in(before, now->ids[i]))
			now->ids[k++] = now->ids[i];
	now->n = k;
}

/*
 * The worker was killed (or died) without a result: whatever it attached is unknown, and
 * it cannot be asked. Compare the namespace's lxcfs layers with those before it started,
 * detach the new ones in a worker of its own, and look again.
 * Returns: 0 when no layer this run added is left, or a negative errno with @err filled.
 */
static int undo_by_what_is_there(const struct attach_request *req, const struct id_list *before, int64_t end_ms,
				 struct lxh_error *err)
{
	__attribute__((cleanup(id_list_free))) struct id_list fresh = { 0 };
	struct attach_job job = { .req = req };
	struct lxh_error e = { 0 };
	int rc;

	if (!before->ids)
		return lxh_error_set(err, 0, "the mounts before the worker started are unknown: cannot confirm that "
					     "it left none");
	rc = lxcfs_layers(req, &fresh, &e);
	if (rc < 0)
		return lxh_error_set(err, 0, "cannot read what the stopped worker left: %s", e.msg);
	id_list_minus(&fresh, before);
	if (fresh.n == 0) {
		log_info("the stopped worker left no lxcfs mount");
		return 0;
	}
	log_info("the stopped worker left %zu lxcfs mount(s): undoing them", fresh.n);
	job.undo_ids = fresh.ids;
	job.n_undo_ids = fresh.n;
	rc = worker_run_shared(undo_child, &job, sizeof(struct attach_msg), on_msg, &job, end_ms - WORKER_REAP_MS);
	if (job.done && job.last.rc < 0)
		log_error("undo: %s", job.last.error.msg);
	else if (rc < 0 || !job.done)
		log_error("the undo worker did not finish");

	/* Confirmed only by the mount table, whatever the undo worker said. */
	rc = lxcfs_layers(req, &fresh, &e);
	if (rc < 0)
		return lxh_error_set(err, 0, "cannot confirm the undo: %s", e.msg);
	id_list_minus(&fresh, before);
	if (fresh.n)
		return lxh_error_set(err, 0, "%zu lxcfs mount(s) made by the stopped worker are still there", fresh.n);
	log_info("undid the lxcfs mounts the stopped worker had made");
	return 0;
}

int engine_attach(const struct attach_request *req, struct attach_result *res, struct lxh_error *err)
{
	__attribute__((cleanup(id_list_free))) struct id_list before = { 0 };
	struct attach_job job = { .req = req };
	struct lxh_error e = { 0 };
	int rc;

	memset(res, 0, sizeof(*res));
	/* What is there before anything is attached: the undo takes off only what was not. */
	if (lxcfs_layers(req, &before, &e) < 0)
		log_warn("cannot read the container's mounts before attaching (%s): a stopped worker could not be undone",
			 e.msg);
	rc = worker_run_shared(attach_child, &job, sizeof(struct attach_msg), on_msg, &job, req->deadline_ms);
	if (job.done) {
		/* A result that arrived before the deadline is used, even if the worker then hung on its way out. */
		*res = job.last.result;
		if (job.last.rc < 0) {
			*err = job.last.error;
			return job.last.rc;
		}
		return 0;
	}
	if (rc != 0 && rc != -ETIMEDOUT && rc != -ECHILD)
		return lxh_error_set(err, -rc, "cannot start the namespace worker");

	if (undo_by_what_is_there(req, &before, req->deadline_ms + LXH_GRACE_MS, &e) < 0) {
		/* Never a container with an unverified partial set: this is not "lxcfs missing". */
		return lxh_error_set(err, 0, "%s, and the undo is not confirmed (%s): the container must not start",
				     rc == -ETIMEDOUT ? "lxcfs did not answer before the deadline (--timeout)" :
							"the namespace worker died without a result",
				     e.msg);
	}
	if (rc == -ETIMEDOUT) {
		res->lxcfs_unavailable = true;
		return lxh_error_set(err, 0, "lxcfs at %s did not answer before the deadline (--timeout)", req->lxcfs.path);
	}
	return lxh_error_set(err, 0, "the namespace worker died without a result");
}
