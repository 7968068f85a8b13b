/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <yajl/yajl_gen.h>

#include "io.h"
#include "liveness.h"
#include "log.h"
#include "lxcfs.h"
#include "nsscan.h"
#include "runtime_state.h"
#include "status.h"
#include "util.h"

static const char *state_of(const struct ns_lxcfs_view *v)
{
	if (v->unresponsive)
		return "unresponsive";
	if (v->stale)
		return "stale";
	if (v->stacked)
		return "stacked";
	return v->foreign ? "foreign" : "ok";
}

/* What status exits 1 for: something to repair, or an lxcfs that did not answer. */
static bool needs_attention(const struct ns_lxcfs_view *v)
{
	return ns_view_needs_repair(v) || v->unresponsive;
}

static const char *file_note(const struct ns_lxcfs_view *v, int id)
{
	if (v->unresponsive & LXF_BIT(id))
		return "(unresponsive)";
	if (v->stale & LXF_BIT(id))
		return "(stale)";
	return v->foreign & LXF_BIT(id) ? "(foreign)" : "";
}

static void print_table(const struct lxcfs_mount *live, pid_t daemon, const struct ns_list *ns,
			const struct rt_list *rt)
{
	if (live)
		printf("lxcfs: %s device %u:%u pid %d\n", live->path, major(live->dev), minor(live->dev), (int)daemon);
	else
		printf("lxcfs: not mounted\n");
	printf("%-8s %-24s %-12s %s\n", "PID", "CONTAINER", "STATE", "FILES");
	for (size_t i = 0; i < ns->n; i++) {
		const struct ns_entry *e = &ns->items[i];
		char name[128];
		bool first = true;

		container_name(rt, e->pid, name, sizeof(name));
		printf("%-8d %-24.24s %-12s ", (int)e->pid, name, state_of(&e->view));
		for (int id = 0; id < LXF_COUNT; id++) {
			if (!(e->view.files & LXF_BIT(id)))
				continue;
			printf("%s%s%s", first ? "" : ",", lxfiles[id].target, file_note(&e->view, id));
			first = false;
		}
		printf("\n");
	}
}

static void gen_free(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}

#define GEN_STR(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

static void gen_files(yajl_gen g, const char *key, lxfile_mask m)
{
	GEN_STR(g, key);
	yajl_gen_array_open(g);
	for (int id = 0; id < LXF_COUNT; id++)
		if (m & LXF_BIT(id))
			GEN_STR(g, lxfiles[id].target);
	yajl_gen_array_close(g);
}

static int print_json(const struct lxcfs_mount *live, pid_t daemon, const struct ns_list *ns,
		      const struct rt_list *rt, struct lxh_error *err)
{
	__attribute__((cleanup(gen_free))) yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *out;
	size_t len;

	if (!g)
		return lxh_error_set(err, ENOMEM, "status --json");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	GEN_STR(g, "lxcfs");
	if (live) {
		char dev[32];

		yajl_gen_map_open(g);
		GEN_STR(g, "path");
		GEN_STR(g, live->path);
		GEN_STR(g, "device");
		snprintf(dev, sizeof(dev), "%u:%u", major(live->dev), minor(live->dev));
		GEN_STR(g, dev);
		GEN_STR(g, "pid");
		yajl_gen_integer(g, daemon);
		yajl_gen_map_close(g);
	} else {
		yajl_gen_null(g);
	}
	GEN_STR(g, "namespaces");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < ns->n; i++) {
		const struct ns_entry *e = &ns->items[i];
		char name[128];

		container_name(rt, e->pid, name, sizeof(name));
		yajl_gen_map_open(g);
		GEN_STR(g, "pid");
		yajl_gen_integer(g, e->pid);
		GEN_STR(g, "container");
		GEN_STR(g, name);
		GEN_STR(g, "state");
		GEN_STR(g, state_of(&e->view));
		gen_files(g, "files", e->view.files);
		gen_files(g, "stale", e->view.stale);
		gen_files(g, "stacked", e->view.stacked);
		gen_files(g, "foreign", e->view.foreign);
		gen_files(g, "unresponsive", e->view.unresponsive);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok)
		return lxh_error_set(err, EIO, "status --json: cannot generate");
	fwrite(out, 1, len, stdout);
	return 0;
}

int status_run(const char *lxcfs_root, const char *const *state_roots, size_t n_state_roots, bool json,
	       int64_t deadline_ms, struct lxh_error *err)
{
	struct lxcfs_mount live;
	struct lxcfs_live_set live_set;
	struct ns_list ns = { 0 };
	struct rt_list rt = { 0 };
	bool have_live;
	struct lxh_error ignored = { 0 };
	pid_t daemon = 0;
	int rc, bad = 0;

	rc = lxcfs_locate(lxcfs_root, &live, err);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	have_live = rc == 0;
	lxh_error_clear(err);
	if (have_live)
		daemon = lxcfs_daemon_pid(&live);
	/* Ours, when it answers: its layers need no probe. Every other layer is asked itself. */
	live_set.n = 0;
	if (have_live && lxcfs_probe(&live, deadline_ms, &ignored) == 0)
		live_set.devs[live_set.n++] = live.dev;
	rc = ns_scan(NULL, 0, &live_set, &ns, err);
	if (rc < 0)
		return rc;
	rc = ns_list_probe(&ns, deadline_ms);
	if (rc < 0) {
		ns_list_free(&ns);
		return lxh_error_set(err, -rc, "status");
	}
	if (runtime_list(state_roots, n_state_roots, &rt) < 0)
		log_warn("cannot read the runtimes' state directories: container ids will be missing");

	if (json)
		rc = print_json(have_live ? &live : NULL, daemon, &ns, &rt, err);
	else
		print_table(have_live ? &live : NULL, daemon, &ns, &rt);
	for (size_t i = 0; i < ns.n; i++)
		bad |= needs_attention(&ns.items[i].view);
	ns_list_free(&ns);
	runtime_list_free(&rt);
	if (rc < 0)
		return rc;
	return bad ? 1 : 0;
}
