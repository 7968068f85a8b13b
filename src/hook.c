/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "inject.h"
#include "hook.h"
#include "io.h"
#include "log.h"
#include "plan.h"
#include "spec.h"
#include "state.h"
#include "util.h"

static void state_cleanup(struct oci_state *s) { oci_state_free(s); }
static void spec_cleanup(struct oci_spec *s) { oci_spec_free(s); }
#define cleanup_state __attribute__((cleanup(state_cleanup)))
#define cleanup_spec __attribute__((cleanup(spec_cleanup)))

int hook_run(const struct hook_options *opt, int state_fd, struct lxh_error *err)
{
	cleanup_state struct oci_state st;
	cleanup_spec struct oci_spec spec = { 0 };
	cleanup_free char *heap_buf = NULL, *rootfs = NULL;
	/*
	 * A state of common size is read here and parsed into @st: no malloc before the decision.
	 * 4 KiB holds what runc, crun and containerd hand over (a few annotations) and keeps the
	 * frame small: every stack page touched for the first time is a page fault, ~10 us on
	 * the VMs measured (docs/performance.md). CRI-O's larger states continue on the heap.
	 */
	char stack_buf[4096], *buf;
	struct policy_decision decision;
	bool state_decides;
	struct inject_request inj = { 0 };
	struct plan plan;
	size_t len;
	int rc;

	oci_state_init(&st); /* not "= { 0 }": zeroing its 4 KiB store touches pages the parse may not */
	rc = read_fd_bounded_into(state_fd, "state on stdin", OCI_STATE_MAX_BYTES, opt->deadline_ms, stack_buf,
				  sizeof(stack_buf), &buf, &len, &heap_buf, err);
	if (rc < 0)
		return rc;
	if (len == 0)
		return lxh_error_code(err, EINVAL, "no state on stdin (empty input): is this run as an OCI hook?");
	rc = oci_state_parse(buf, len, &st, err);
	if (rc < 0)
		return rc;
	log_set_container(st.id);

	/*
	 * The state carries the container's annotations (OCI runtime-spec "State": "If no
	 * annotations were provided then this property MAY either be absent or an empty map";
	 * runc and crun copy every config.json annotation), so it decides alone: with annotations,
	 * and without any under --default off, where none means off. On a node that registers the
	 * hook for every container (containerd's base_runtime_spec) that is every start: it must
	 * cost only this, without reading a config.json that may not even be the container's own
	 * (crun 1.21-1.29 pass "/" as bundle). --default on with no annotation needs the spec.
	 */
	state_decides = st.n_annotations > 0 || opt->def == DEFAULT_OFF;
	if (state_decides) {
		rc = policy_decide(&st.annotations, NULL, opt->def, &decision, err);
		if (rc < 0)
			return rc;
		if (!decision.enabled) {
			log_debug("not enabled: %s", decision.reason);
			return 0;
		}
	}

	/* getppid(): the runtime running this hook, whose --root says where crun keeps its copy. */
	rc = bundle_load_spec(&st, opt->state_roots, opt->n_state_roots, (int)getppid(), &spec, err);
	if (rc < 0)
		return rc;
	if (!state_decides) {
		rc = policy_decide(&st.annotations, &spec.annotations, opt->def, &decision, err);
		if (rc < 0)
			return rc;
		if (!decision.enabled) {
			log_debug("not enabled: %s", decision.reason);
			return 0;
		}
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
		char list[512];

		lxfile_mask_describe(plan.left_to_spec, list, sizeof(list));
		log_info("left to the spec's own mounts: %s", list);
	}
	if (plan.n == 0) {
		log_info("enabled (%s), but nothing is left to mount", decision.reason);
		return 0;
	}

	/* The rootfs path: where the root is before pivot_root, and how to recognise it after. */
	rc = oci_rootfs_path(st.bundle, st.root ? st.root : spec.root_path, &rootfs, err);
	if (rc < 0)
		return rc;

	inj.pid = st.pid;
	inj.rootfs = rootfs;
	inj.status_pivoted = strcmp(st.status, "running") == 0;
	inj.plan = &plan;
	inj.reason = decision.reason;
	inj.lxcfs_root = opt->lxcfs_root;
	inj.on_missing_fail = opt->on_missing_fail;
	inj.legacy_mount = opt->legacy_mount;
	inj.deadline_ms = opt->deadline_ms;
	return inject_lxcfs(&inj, NULL, err);
}
