/* SPDX-License-Identifier: Apache-2.0 */
/* state.h - the OCI runtime state a hook reads on stdin. */
#ifndef LXH_STATE_H
#define LXH_STATE_H

#include <stddef.h>

#include "error.h"
#include "kv.h"

#define OCI_STATE_MAX_BYTES (4u << 20)

struct oci_state {
	char *id;        /* required, non-empty, at most 1024 bytes */
	char *status;    /* required: "creating", "created", "running" or "stopped" */
	int pid;         /* required for every status but "stopped": > 0 */
	char *bundle;    /* required, absolute path */
	char *root;      /* crun's extra "root" field (may be relative to bundle), or NULL */
	struct kv_list annotations; /* optional object of string values */
};

/**
 * oci_state_parse - parse and validate the state JSON in @buf.
 * Every failure names the offending key ("state: \"pid\" must be a positive integer").
 * Unknown keys are ignored. Returns: 0, or a negative errno with @err filled.
 */
int oci_state_parse(const char *buf, size_t len, struct oci_state *st, struct lxh_error *err);
void oci_state_free(struct oci_state *st);

#endif
