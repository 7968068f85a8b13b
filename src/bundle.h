/* SPDX-License-Identifier: Apache-2.0 */
/* bundle.h - which config.json is this container's: the state's bundle, or crun's own copy. */
#ifndef LXH_BUNDLE_H
#define LXH_BUNDLE_H

#include <stddef.h>

#include "error.h"
#include "spec.h"
#include "state.h"

/* Where crun keeps its state when run by root without --root. */
#define CRUN_DEFAULT_ROOT "/run/crun"

/**
 * bundle_load_spec - load the config.json of the container @st describes.
 * Normally @st->bundle's. When the bundle is "/" (crun 1.21 to 1.29 pass their own working
 * directory as bundle to prestart and createRuntime hooks, crun issue 2025), "/config.json"
 * is never read: the copy crun keeps at <state root>/<id>/config.json is used instead, and
 * only when its root.path is the state's absolute "root". State roots tried, in order:
 * @state_roots (the hook's --state-root), the --root option of the runtime running the hook
 * (@parent_pid's command line, 0: none), then CRUN_DEFAULT_ROOT.
 * Returns: 0 with @spec filled, or a negative errno with @err saying why no config.json
 * could be trusted to be this container's.
 */
int bundle_load_spec(const struct oci_state *st, const char *const *state_roots, size_t n_state_roots,
		     int parent_pid, struct oci_spec *spec, struct lxh_error *err);

/* "--root DIR" or "--root=DIR" in a NUL-separated command line; NULL when absent. */
const char *bundle_cmdline_root(const char *cmdline, size_t len);

#endif
