/* SPDX-License-Identifier: Apache-2.0 */
/* state.h - the OCI runtime state a hook reads on stdin. */
#ifndef LXH_STATE_H
#define LXH_STATE_H

#include <stddef.h>

#include "arena.h"
#include "error.h"
#include "policy.h"

#define OCI_STATE_MAX_BYTES (4u << 20)
/* What a state with a few dozen annotations needs; more spills to the heap. */
#define OCI_STATE_INLINE 4096

struct oci_state {
	char *id;        /* required, non-empty, at most 1024 bytes */
	char *status;    /* required: "creating", "created", "running" or "stopped" */
	int pid;         /* required for every status but "stopped": > 0 */
	char *bundle;    /* required, absolute path */
	char *root;      /* crun's extra "root" field (may be relative to bundle), or NULL */
	size_t n_annotations;                /* how many the state carries, of any name */
	struct lxcfs_annotations annotations; /* ours among them: a key given twice, the last */
	/*
	 * Every string above lives in @store, or on the heap when it is full: a common state
	 * is parsed with no malloc at all (arena.h says why). The struct points into itself:
	 * never copy it.
	 */
	struct arena mem;
	char store[OCI_STATE_INLINE];
};

/**
 * oci_state_parse - parse and validate the state JSON in @buf.
 * Every failure names the offending key ("state: \"pid\" must be a positive integer").
 * Unknown keys are ignored; of a top-level key given twice the first counts (as yajl's
 * tree had it), of an annotation given twice the last (as Go's decoder in runc has it).
 * Annotations other than ours are counted and checked to be strings, not kept.
 * Returns: 0, or a negative errno with @err filled (and @st empty).
 */
int oci_state_parse(const char *buf, size_t len, struct oci_state *st, struct lxh_error *err);
/* Make @st empty, for oci_state_parse() or oci_state_free(); its store is left untouched. */
void oci_state_init(struct oci_state *st);
void oci_state_free(struct oci_state *st);

#endif
