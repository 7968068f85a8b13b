/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "engine.h"
#include "hook.h"
#include "io.h"
#include "kernel.h"
#include "log.h"
#include "lxcfs.h"
#include "pin.h"
#include "plan.h"
#include "spec.h"
#include "state.h"
#include "util.h"

static void state_cleanup(struct oci_state *s) { oci_state_free(s); }
static void spec_cleanup(struct oci_spec *s) { oci_spec_free(s); }
#define cleanup_state __attribute__((cleanup(state_cleanup)))
#define cleanup_spec __attribute__((cleanup(spec_cleanup)))

static void describe(char *buf, size_t size, lxfile_mask m)
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
static int lxcfs_missing(const struct hook_options *opt, struct lxh_error *err)
{
	if (opt->on_missing_fail)
		return lxh_error_wrap(err, "--on-missing fail");
	log_warn("%s; starting the container without lxcfs files (--on-missing ignore)", err->msg);
	lxh_error_clear(err);
	return 0;
}

int hook_run(const struct hook_options *opt, int state_fd, struct lxh_error *err)
{
	cleanup_state struct oci_state st = { 0 };
	cleanup_spec struct oci_spec spec = { 0 };
	cleanup_pin struct pinned_proc proc = PINNED_PROC_INIT;
	cleanup_free char *buf = NULL, *rootfs = NULL;
	struct kv_list no_annotations = { 0 };
	struct policy_decision decision;
	struct attach_request req = { 0 };
	struct attach_result res;
	struct plan plan;
	char list[512];
	size_t len;
	int rc;

	rc = read_fd_bounded(state_fd, "state on stdin", OCI_STATE_MAX_BYTES, opt->deadline_ms, &buf, &len, err);
	if (rc < 0)
		return rc;
	rc = oci_state_parse(buf, len, &st, err);
	if (rc < 0)
		return rc;
	log_set_container(st.id);

	/* Fast path: the state's own annotation says no. Every unannotated container pays only this. */
	if (kv_list_get(&st.annotations, ANNOTATION_ENABLE)) {
		rc = policy_decide(&st.annotations, &no_annotations, opt->def, &decision, err);
		if (rc < 0)
			return rc;
		if (!decision.enabled) {
			log_debug("not enabled: %s", decision.reason);
			return 0;
		}
	}

	rc = oci_spec_load(st.bundle, &spec, err);
	if (rc < 0)
		return rc;
	rc = policy_decide(&st.annotations, &spec.annotations, opt->def, &decision, err);
	if (rc < 0)
		return rc;
	if (!decision.enabled) {
		log_debug("not enabled: %s", decision.reason);
		return 0;
	}
	if (strcmp(st.status, "stopped") == 0) {
		log_info("container is stopped: nothing to mount");
		return 0;
	}
	if (!spec.has_mount_ns)
		return lxh_error_set(err, 0, "the container has no mount namespace of its own (config.json "
					     "linux.namespaces has no \"mount\"): refusing to mount over the host's /proc");

	plan_build(&decision, spec.mount_dests, spec.n_mounts, &plan);
	if (plan.left_to_spec) {
		describe(list, sizeof(list), plan.left_to_spec);
		log_info("left to the spec's own mounts: %s", list);
	}
	if (plan.n == 0) {
		log_info("enabled (%s), but nothing is left to mount", decision.reason);
		return 0;
	}

	/* Before pivot_root (createRuntime, prestart) the rootfs is a path in the container's namespace. */
	rc = oci_rootfs_path(st.bundle, st.root ? st.root : spec.root_path, &rootfs, err);
	if (rc < 0)
		return rc;

	rc = proc_pin(st.pid, &proc, err);
	if (rc < 0)
		return rc;

	rc = lxcfs_locate(opt->lxcfs_root, &req.lxcfs, err);
	if (rc == -ENOENT)
		return lxcfs_missing(opt, err);
	if (rc < 0)
		return rc;

	if (opt->legacy_mount)
		kernel_force_legacy_mount();
	kernel_features_log();
	req.plan = &plan;
	req.mntns_fd = proc.mntns_fd;
	rootfs_hint_init(&req.rootfs, rootfs, strcmp(st.status, "running") == 0);
	req.legacy = !kernel_features()->mount_api;
	req.deadline_ms = opt->deadline_ms;

	rc = engine_attach(&req, &res, err);
	if (rc < 0 && res.lxcfs_unavailable)
		return lxcfs_missing(opt, err);
	if (rc < 0)
		return rc;

	describe(list, sizeof(list), res.mounted);
	log_info("mounted from %s (%s): %s", req.lxcfs.path, decision.reason, list);
	return 0;
}
