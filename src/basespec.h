/* SPDX-License-Identifier: Apache-2.0 */
/*
 * basespec.h - containerd's base_runtime_spec with the hook added: the route on containerd
 * 1.7 and 2.x that needs no other component (every application container of the runtime
 * handler starts from that spec, so runs the hook; pause containers never do).
 */
#ifndef LXH_BASESPEC_H
#define LXH_BASESPEC_H

#include <stddef.h>

#include "error.h"

struct basespec_hook {
	const char *path;         /* absolute path of the hook binary, as runc/crun will exec it */
	const char *const *args;  /* its options (argv[1]...), may be empty */
	size_t n_args;
};

/**
 * basespec_add_hook - @in (an OCI runtime spec, e.g. `ctr oci spec`) with @hook appended to
 * hooks.createRuntime, every other field kept as written (numbers verbatim, key order, other
 * hooks). An existing createRuntime entry with the same path is replaced where it stands, so
 * running it again on its own output changes nothing.
 * Returns: 0 with *out (malloc'd, pretty-printed, ending in a newline) and *out_len,
 * or a negative errno with @err filled.
 */
int basespec_add_hook(const char *in, size_t in_len, const struct basespec_hook *hook, char **out, size_t *out_len,
		      struct lxh_error *err);

#endif
