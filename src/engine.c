/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "engine.h"
#include "io.h"
#include "log.h"
#include "util.h"
#include "worker.h"

enum msg_type { MSG_ATTACHED = 1, MSG_DONE };

struct attach_msg {
	int type;
	int file_id; /* MSG_ATTACHED */
	int rc;      /* MSG_DONE */
	struct attach_result result;
	struct lxh_error error;
};

/* How long the undo child may take: it reads nothing from lxcfs, so this is generous. */
#define UNDO_TIMEOUT_MS 3000

struct attach_job {
	const struct attach_request *req;
	int fd;
	/* parent side */
	lxfile_mask attached;
	bool done;
	struct attach_msg last;
};

static void report_attached(enum lxfile_id id, void *ctx)
{
	struct attach_job *job = ctx;
	struct attach_msg m = { .type = MSG_ATTACHED, .file_id = (int)id };

	worker_send(job->fd, &m, sizeof(m));
}

static void attach_child(void *arg, int fd)
{
	struct attach_job *job = arg;
	struct attach_msg done = { .type = MSG_DONE };

	job->fd = fd;
	done.rc = attach_in_worker(job->req, &done.result, report_attached, job, &done.error);
	worker_send(fd, &done, sizeof(done));
}

static void undo_child(void *arg, int fd)
{
	struct attach_job *job = arg;
	struct attach_msg done = { .type = MSG_DONE };

	done.rc = attach_undo_in_worker(job->req->mntns_fd, &job->req->rootfs, job->attached, job->req->lxcfs.dev,
					&done.error);
	worker_send(fd, &done, sizeof(done));
}

static void on_msg(const void *msg, void *ctx)
{
	const struct attach_msg *m = msg;
	struct attach_job *job = ctx;

	if (m->type == MSG_ATTACHED && m->file_id >= 0 && m->file_id < LXF_COUNT) {
		job->attached |= LXF_BIT(m->file_id);
	} else if (m->type == MSG_DONE) {
		job->last = *m;
		job->done = true;
	}
}

/* After the worker died mid-way: detach what it said it attached, in a child of its own. */
static void undo_after_worker(struct attach_job *job)
{
	int rc;

	if (!job->attached)
		return;
	job->done = false;
	rc = worker_run(undo_child, job, sizeof(struct attach_msg), on_msg, job, now_ms() + UNDO_TIMEOUT_MS);
	if (rc < 0 || !job->done)
		log_error("undoing the mounts left by the stopped worker did not finish");
	else if (job->last.rc < 0)
		log_error("%s", job->last.error.msg);
	else
		log_info("undid the mounts the stopped worker had made");
}

int engine_attach(const struct attach_request *req, struct attach_result *res, struct lxh_error *err)
{
	struct attach_job job = { .req = req, .fd = -1 };
	int rc;

	memset(res, 0, sizeof(*res));
	rc = worker_run(attach_child, &job, sizeof(struct attach_msg), on_msg, &job, req->deadline_ms);
	if (rc == 0 && job.done) {
		*res = job.last.result;
		if (job.last.rc < 0) {
			*err = job.last.error;
			return job.last.rc;
		}
		return 0;
	}
	undo_after_worker(&job);
	if (rc == -ETIMEDOUT) {
		res->lxcfs_unavailable = true;
		return lxh_error_set(err, 0, "lxcfs at %s did not answer before the deadline (--timeout)", req->lxcfs.path);
	}
	if (rc == -ECHILD || rc == 0)
		return lxh_error_set(err, 0, "the namespace worker died without a result");
	return lxh_error_set(err, -rc, "cannot start the namespace worker");
}
