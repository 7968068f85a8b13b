/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "inject.h"
#include "invoke.h"
#include "io.h"
#include "log.h"
#include "nri.h"
#include "plan.h"
#include "policy.h"
#include "util.h"

#define DEFAULT_TIMEOUT_S 10

static void request_cleanup(struct nri_request *r) { nri_request_free(r); }

/* The conf object carries the hook's options; a bad value is the operator's error, reported as such. */
static int apply_conf(const struct nri_conf *c, struct inject_request *inj, enum default_mode *def,
		      int64_t start_ms, struct lxh_error *err)
{
	enum log_level level;

	inj->lxcfs_root = c->lxcfs_root;
	if (c->def && strcmp(c->def, "on") && strcmp(c->def, "off"))
		return lxh_error_set(err, 0, "conf \"default\" must be on or off");
	*def = c->def && strcmp(c->def, "on") == 0 ? DEFAULT_ON : DEFAULT_OFF;
	if (c->on_missing && strcmp(c->on_missing, "ignore") && strcmp(c->on_missing, "fail"))
		return lxh_error_set(err, 0, "conf \"on-missing\" must be ignore or fail");
	inj->on_missing_fail = c->on_missing && strcmp(c->on_missing, "fail") == 0;
	inj->deadline_ms = start_ms + (int64_t)(c->timeout_s ? c->timeout_s : DEFAULT_TIMEOUT_S) * 1000;
	if (c->log_level) {
		if (log_level_parse(c->log_level, &level) < 0)
			return lxh_error_set(err, 0, "conf \"log-level\" must be error, warn, info or debug");
		log_init(level, false, NULL);
	}
	return 0;
}

static int handle(int64_t start_ms, struct lxh_error *err)
{
	__attribute__((cleanup(request_cleanup))) struct nri_request req = { 0 };
	struct inject_request inj = { 0 };
	struct policy_decision d;
	enum default_mode def = DEFAULT_OFF;
	cleanup_free char *buf = NULL;
	struct plan plan;
	size_t len;
	int rc;

	/* Read under the default deadline: conf, which may change it, is inside the request. */
	rc = read_fd_bounded(STDIN_FILENO, "NRI request on stdin", NRI_REQUEST_MAX_BYTES,
			     start_ms + DEFAULT_TIMEOUT_S * 1000, &buf, &len, err);
	if (rc < 0)
		return rc;
	rc = nri_request_parse(buf, len, &req, err);
	if (rc < 0)
		return rc;
	log_set_container(req.id);
	rc = apply_conf(&req.conf, &inj, &def, start_ms, err);
	if (rc < 0)
		return rc;
	if (strcmp(req.version, "0.1") != 0)
		log_warn("NRI request version %s: this plugin speaks 0.1", req.version);

	/* Sandboxes (pause) and every state but create: nothing to do. */
	if (strcmp(req.state, "create") != 0 || nri_request_is_sandbox(&req)) {
		log_debug("NRI %s of %s: nothing to do", req.state, nri_request_is_sandbox(&req) ? "a sandbox" : "a container");
		return 0;
	}
	rc = policy_decide(NULL, &req.annotations, def, &d, err);
	if (rc < 0)
		return rc;
	if (!d.enabled) {
		log_debug("not enabled: %s", d.reason);
		return 0;
	}
	if (req.pid <= 0)
		return lxh_error_set(err, 0, "NRI create request without a pid");
	/* The request carries no mount list: a file something else is mounted on is left alone by the engine. */
	plan_build(&d, NULL, 0, &plan);
	if (plan.n == 0)
		return 0;
	inj.pid = req.pid;
	inj.expect_id = req.id;
	inj.expect_cgroups_path = req.cgroups_path;
	inj.rootfs = NULL; /* created and pivoted: the process's own root */
	inj.status_pivoted = true;
	inj.plan = &plan;
	inj.reason = d.reason;
	inj.legacy_mount = getenv("LXCFS_OCI_HOOK_MOUNT_API") && strcmp(getenv("LXCFS_OCI_HOOK_MOUNT_API"), "legacy") == 0;
	return inject_lxcfs(&inj, NULL, err);
}

int invoke_run(const char *name, int64_t start_ms)
{
	struct lxh_error err = { 0 };
	int rc;

	log_init(LOG_LVL_WARN, false, NULL);
	rc = caps_drop(&err);
	if (rc == 0)
		rc = handle(start_ms, &err);
	if (rc < 0) {
		log_error("%s", err.msg);
		nri_result_write(STDOUT_FILENO, name, err.msg);
		return 1;
	}
	return nri_result_write(STDOUT_FILENO, name, "") < 0 ? 1 : 0;
}
