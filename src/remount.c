/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "attach.h"
#include "inject.h"
#include "io.h"
#include "kernel.h"
#include "log.h"
#include "liveness.h"
#include "lxcfs.h"
#include "nsscan.h"
#include "pin.h"
#include "plan.h"
#include "remount.h"
#include "runtime_state.h"
#include "spec.h"
#include "threadns.h"
#include "util.h"
#include "worker.h"


/* ---- the repair worker ---- */

/*
 * The worker's messages, in order: MSG_LIVE or MSG_NOT_LIVE once it has asked the live lxcfs
 * for its root (the check that it answers); one MSG_LAYER for each device behind a layer that
 * looked dead, once its daemon was asked (rc: enum lxcfs_conn); then, unless it only probes
 * (--dry-run), one MSG_NS a namespace repaired, or one MSG_END when the work could not start.
 * Each probe is bounded by the parent (LXCFS_PROBE_MS, LAYER_PROBE_MS), the repair by the run.
 */
enum { MSG_NS = 1, MSG_END, MSG_LIVE, MSG_NOT_LIVE, MSG_LAYER };

struct repair_msg {
	int type;
	size_t index; /* into the namespace list */
	int rc;
	struct repair_result result;
	struct lxh_error error;
};

struct repair_job {
	struct ns_list *list;       /* the worker refines its copy once the layers are probed */
	const struct lxcfs_mount *lxcfs;
	struct lxcfs_conns conns;   /* the devices to probe: those before first_probe are settled */
	size_t first_probe;
	bool probe_only;            /* --dry-run */
	/* parent side */
	int64_t deadline_ms; /* the run's */
	int live;            /* 0 not known yet, 1 answered, -1 did not (live_error says why) */
	struct lxh_error live_error;
	size_t probed;       /* conns answered so far */
	const struct remount_options *opt;
	struct rt_list *names; /* the runtimes' containers, to name namespaces in the report */
	bool names_read;
	size_t done;
	struct repair_msg *results;
};

struct source_fds {
	int fd[LXF_COUNT];
};

static void source_fds_close(struct source_fds *s)
{
	for (int id = 0; id < LXF_COUNT; id++)
		close_fd(&s->fd[id]);
}

static void repair_child(void *arg, int fd)
{
	struct repair_job *job = arg;
	struct repair_msg m = { 0 };
	cleanup_close int host_ns = -1;
	cleanup_close int root = -1;
	__attribute__((cleanup(source_fds_close))) struct source_fds src;
	lxfile_mask files = 0;

	for (int id = 0; id < LXF_COUNT; id++)
		src.fd[id] = -1;
	/* First the check that lxcfs answers: the parent bounds it by LXCFS_PROBE_MS, not the run's deadline. */
	root = lxcfs_open_root(job->lxcfs, true, &m.error);
	m.type = root < 0 ? MSG_NOT_LIVE : MSG_LIVE;
	m.rc = root < 0 ? root : 0;
	worker_send(fd, &m, sizeof(m));
	if (root < 0)
		return;
	for (size_t k = job->first_probe; k < job->conns.n; k++) {
		struct lxcfs_conn_entry *c = &job->conns.items[k];

		c->state = lxcfs_layer_probe_here(c->pid, c->file, c->dev);
		m = (struct repair_msg){ .type = MSG_LAYER, .index = k, .rc = (int)c->state };
		worker_send(fd, &m, sizeof(m));
	}
	if (job->probe_only)
		return;
	/* The parent refines its own copy the same way, from the messages. */
	ns_list_refine(job->list, &job->conns);
	memset(&m, 0, sizeof(m));
	host_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host_ns < 0) {
		m.rc = lxh_error_errno(&m.error, "cannot open the own mount namespace");
		goto end;
	}
	for (size_t i = 0; i < job->list->n; i++)
		files |= job->list->items[i].view.stale | job->list->items[i].view.stacked;
	m.rc = repair_sources_open(job->lxcfs, root, files, src.fd, &m.error);
	if (m.rc < 0)
		goto end;
	for (size_t i = 0; i < job->list->n; i++) {
		const struct ns_entry *e = &job->list->items[i];
		struct repair_request req = {
			.pid = e->pid, .ns_ino = e->ns_ino, .view = &e->view, .lxcfs = job->lxcfs, .source_fds = src.fd,
			.host_ns_fd = host_ns,
		};

		if (!ns_view_needs_repair(&e->view))
			continue;
		memset(&m, 0, sizeof(m));
		m.type = MSG_NS;
		m.index = i;
		m.rc = repair_in_namespace(&req, &m.result, &m.error);
		worker_send(fd, &m, sizeof(m));
		if (m.rc == -ENOTRECOVERABLE)
			return; /* stuck in a container's namespace: stop here, the parent counts the rest */
	}
	return;
end:
	m.type = MSG_END;
	worker_send(fd, &m, sizeof(m));
}

/*
 * Container names for the report, from the runtimes' state directories: read while the
 * worker probes and repairs (the parent has nothing else to do then, and there are two
 * cores), not before it. Nothing there reaches lxcfs.
 */
static void names_read(struct repair_job *job)
{
	if (job->names_read)
		return;
	job->names_read = true;
	if (runtime_list(job->opt->state_roots, job->opt->n_state_roots, job->names) < 0)
		log_warn("cannot read the runtimes' state directories: container ids will be missing");
}

/* Each probe gets its own bound; the repair the run's. */
static int64_t next_deadline(const struct repair_job *job)
{
	if (job->live == 1 && job->probed < job->conns.n)
		return step_deadline(LAYER_PROBE_MS, job->deadline_ms);
	return job->deadline_ms;
}

static int64_t repair_msg_in(const void *msg, void *ctx)
{
	const struct repair_msg *m = msg;
	struct repair_job *job = ctx;

	if (m->type == MSG_LIVE) {
		job->live = 1;
		names_read(job);
	} else if (m->type == MSG_LAYER) {
		if (m->index == job->probed && m->index < job->conns.n)
			job->conns.items[job->probed++].state = (enum lxcfs_conn)m->rc;
	} else if (m->type == MSG_NOT_LIVE) {
		job->live = -1;
		job->live_error = m->error;
	} else if (m->type == MSG_NS && m->index < job->list->n) {
		job->results[m->index] = *m;
		job->done++;
	} else if (m->type == MSG_END) {
		/* The worker could not start its work: every namespace gets its reason. */
		for (size_t i = 0; i < job->list->n; i++)
			if (job->results[i].type == 0)
				job->results[i] = *m;
	}
	return next_deadline(job);
}

static unsigned popcount(lxfile_mask m)
{
	return (unsigned)__builtin_popcount(m);
}

/* ---- --adopt ---- */

static bool ns_has_lxcfs(const struct ns_list *l, pid_t pid)
{
	char path[64];
	struct stat st;

	if (strnprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid) < 0 || stat(path, &st) < 0)
		return true; /* gone or unreadable: nothing to adopt */
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].ns_ino == st.st_ino)
			return true;
	return false;
}

static int adopt_one(const struct rt_container *c, const struct lxcfs_mount *live, const struct remount_options *opt,
		     unsigned *mounted, struct lxh_error *err)
{
	struct oci_spec spec = { 0 };
	struct policy_decision d;
	struct inject_request inj = { 0 };
	cleanup_free char *rootfs = NULL;
	lxfile_mask done = 0;
	struct plan plan;
	int rc;

	rc = oci_spec_load(c->bundle, &spec, err);
	if (rc < 0)
		goto out;
	rc = policy_decide(NULL, &spec.annotations, DEFAULT_OFF, &d, err);
	if (rc < 0 || !d.enabled)
		goto out;
	plan_build(&d, spec.mount_dests, spec.n_mounts, &plan);
	if (plan.n == 0 || !spec.has_mount_ns)
		goto out;
	if (opt->dry_run) {
		printf("would adopt container %s (pid %d)\n", c->id, (int)c->pid);
		rc = 1;
		goto out;
	}
	rc = oci_rootfs_path(c->bundle, spec.root_path, &rootfs, err);
	if (rc < 0)
		goto out;
	inj.pid = c->pid;
	inj.rootfs = rootfs;
	inj.status_pivoted = true;
	inj.plan = &plan;
	inj.reason = d.reason;
	inj.lxcfs_root = live->path;
	inj.on_missing_fail = true; /* lxcfs was just found live: losing it now is a failure */
	inj.legacy_mount = opt->legacy_mount;
	inj.deadline_ms = opt->deadline_ms; /* the run's deadline, not one per container */
	rc = inject_lxcfs(&inj, &done, err);
	if (rc == 0) {
		*mounted += popcount(done);
		rc = 1;
	}
out:
	oci_spec_free(&spec);
	return rc;
}

static void adopt(const struct rt_list *rt, const struct ns_list *ns, const struct lxcfs_mount *live,
		  const struct remount_options *opt, unsigned *adopted, unsigned *mounted, unsigned *failed)
{
	for (size_t i = 0; i < rt->n; i++) {
		const struct rt_container *c = &rt->items[i];
		struct lxh_error err = { 0 };
		struct stat st;
		int rc;

		if (c->pid <= 0 || !c->bundle || ns_has_lxcfs(ns, c->pid))
			continue;
		if (opt->n_pids) {
			bool wanted = false;
			for (size_t j = 0; j < opt->n_pids; j++)
				wanted |= opt->pids[j] == c->pid;
			if (!wanted)
				continue;
		}
		/*
		 * Its namespace is its leader's alone when its threads disagree (a runtime part way
		 * into a container, src/threadns.h): that process names no container to mount into.
		 */
		if (proc_mntns_agreed(c->pid, &st) == -EXDEV) {
			log_warn("adopt container %s (pid %d): its threads are not all in one mount namespace: left alone",
				 c->id, (int)c->pid);
			continue;
		}
		log_set_container(c->id);
		rc = adopt_one(c, live, opt, mounted, &err);
		log_set_container(NULL);
		if (rc > 0)
			(*adopted)++;
		else if (rc < 0) {
			log_error("adopt container %s (pid %d): %s", c->id, (int)c->pid, err.msg);
			(*failed)++;
		}
	}
}

/* Layers that are not ours and not dead: named, never touched. */
static void report_untouched(const struct ns_list *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		const struct ns_lxcfs_view *v = &ns->items[i].view;
		char files[512];

		if (v->foreign) {
			lxfile_mask_describe(v->foreign, files, sizeof(files));
			log_info("pid %d: %s from another lxcfs that answers: left alone", (int)ns->items[i].pid, files);
		}
		if (v->unresponsive) {
			lxfile_mask_describe(v->unresponsive, files, sizeof(files));
			log_warn("pid %d: %s from an lxcfs that did not answer: left alone", (int)ns->items[i].pid, files);
		}
	}
}

int remount_run(const struct remount_options *opt, struct lxh_error *err)
{
	struct lxcfs_mount live;
	struct lxcfs_live_set live_set;
	struct ns_list ns = { 0 };
	struct rt_list rt = { 0 };
	struct repair_job job = { 0 };
	unsigned repaired = 0, containers = 0, failed = 0, adopted = 0, adopted_mounts = 0;
	unsigned beneath = 0, detach_first = 0;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (opt->legacy_mount)
		kernel_force_legacy_mount();
	if (opt->detach_first)
		kernel_force_no_beneath();
	/*
	 * Whether lxcfs answers is asked by the worker before anything else: one child, not
	 * two. Waiting for it (--wait) asks in a child of its own first, as often as it takes.
	 */
	if (opt->wait_s == 0)
		rc = lxcfs_locate(opt->lxcfs_root, &live, err);
	else
		rc = lxcfs_wait_live(opt->lxcfs_root, opt->wait_s, &live, opt->deadline_ms, err);
	if (rc < 0)
		return lxh_error_wrap(err, "no live lxcfs, nothing changed");
	log_debug("lxcfs at %s (device %u:%u)", live.path, major(live.dev), minor(live.dev));

	/*
	 * Layers of ours need no probe. Every other one is asked itself, by the worker: only a
	 * dead one is repaired; another lxcfs that answers (in a namespace of its own) is left alone.
	 */
	live_set.devs[0] = live.dev;
	live_set.n = 1;
	rc = ns_scan(opt->pids, opt->n_pids, &live_set, &ns, err);
	if (rc < 0)
		return rc;
	job.list = &ns;
	job.lxcfs = &live;
	job.probe_only = opt->dry_run;
	job.opt = opt;
	job.names = &rt;
	job.deadline_ms = opt->deadline_ms;
	job.results = calloc(ns.n ? ns.n : 1, sizeof(*job.results));
	if (!job.results || lxcfs_conns_collect(&ns, &job.conns) < 0) {
		rc = lxh_error_set(err, ENOMEM, "remount");
		goto out;
	}
	for (;;) {
		job.first_probe = job.probed;
		job.live = 0;
		rc = worker_run_until(repair_child, &job, sizeof(struct repair_msg), repair_msg_in, &job,
				      step_deadline(LXCFS_PROBE_MS, opt->deadline_ms));
		if (job.live != 1) {
			if (job.live < 0)
				*err = job.live_error;
			else if (rc == -ETIMEDOUT && now_ms() >= opt->deadline_ms)
				lxh_error_set(err, ETIMEDOUT, "the deadline (--timeout %d) passed before lxcfs at %s was asked",
					      opt->timeout_s, live.path);
			else if (rc == -ETIMEDOUT)
				lxh_error_set(err, 0, "lxcfs at %s is not answering", live.path);
			else
				lxh_error_set(err, rc < 0 ? -rc : EIO, "cannot check lxcfs at %s", live.path);
			rc = lxh_error_wrap(err, "no live lxcfs, nothing changed");
			goto out;
		}
		/* A layer's daemon that did not answer in time is left alone; another worker goes on. */
		if (rc == -ETIMEDOUT && job.probed < job.conns.n && now_ms() < opt->deadline_ms) {
			job.conns.items[job.probed++].state = LXCFS_CONN_HUNG;
			continue;
		}
		break;
	}
	if (rc == -ETIMEDOUT && job.probed == job.conns.n && !opt->dry_run)
		log_error("the repair did not finish before the deadline (--timeout %d)", opt->timeout_s);
	lxcfs_conns_log(&job.conns);
	ns_list_refine(&ns, &job.conns);
	report_untouched(&ns);
	names_read(&job);

	for (size_t i = 0; i < ns.n; i++) {
		const struct ns_entry *e = &ns.items[i];
		const struct repair_msg *m = &job.results[i];
		lxfile_mask todo = e->view.stale | e->view.stacked;
		char name[128], files[512];

		if (!todo)
			continue;
		container_name(&rt, e->pid, name, sizeof(name));
		lxfile_mask_describe(todo, files, sizeof(files));
		if (opt->dry_run) {
			printf("would repair pid %d (container %s): %s\n", (int)e->pid, name, files);
			repaired += popcount(todo);
			containers++;
		} else if (m->type == MSG_NS && m->rc == 0) {
			log_info("repaired pid %d (container %s): %s (%u beneath the stale layer, %u detached first)",
				 (int)e->pid, name, files, popcount(m->result.beneath), popcount(m->result.detach_first));
			repaired += popcount(m->result.repaired);
			containers++;
		} else {
			log_error("repair pid %d (container %s) failed: %s", (int)e->pid, name,
				  m->type ? m->error.msg : "not reached before the deadline");
			repaired += popcount(m->result.repaired);
			failed++;
		}
		beneath += popcount(m->result.beneath);
		detach_first += popcount(m->result.detach_first);
	}
	if (opt->adopt)
		adopt(&rt, &ns, &live, opt, &adopted, &adopted_mounts, &failed);

	/* Which way the repair took: operators of readers that must never see the host's file want to know. */
	if (beneath || detach_first)
		printf("remount: %u mounts replaced beneath the stale layer (no gap), %u detached first%s\n", beneath,
		       detach_first,
		       !detach_first ? ""
		       : opt->detach_first ? " (--repair-order detach-first)"
		       : !kernel_features()->move_beneath ? " (this kernel has no MOVE_MOUNT_BENEATH: the host's file showed until the attach)"
						    : " (the kernel refused beneath there: the host's file showed until the attach)");

	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("remount: %zu namespaces scanned, %u mounts %srepaired in %u containers", ns.scanned, repaired,
	       opt->dry_run ? "would be " : "", containers);
	if (opt->adopt && opt->dry_run)
		printf(", %u containers would be adopted", adopted);
	else if (opt->adopt)
		printf(", %u containers adopted (%u mounts)", adopted, adopted_mounts);
	printf(", %u failed in %.1f ms\n", failed,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	fflush(stdout);
	rc = failed ? 1 : 0;
out:
	free(job.results);
	lxcfs_conns_free(&job.conns);
	ns_list_free(&ns);
	runtime_list_free(&rt);
	return rc;
}
