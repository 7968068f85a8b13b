/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_wrap.h - lxcfs-oci-runtime's work: put our hook into an annotated bundle's
 * config.json, find the real runtime. For engines with no hooks.d (Docker): the way
 * nvidia-container-runtime brings its hook.
 */
#ifndef LXH_RUNTIME_WRAP_H
#define LXH_RUNTIME_WRAP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define WRAP_MAX_HOOK_ARGS 32

struct wrap_options {
	const char *runtime;   /* --lxcfs-runtime: the real runtime (name or path); NULL: "runc" */
	const char *hook_path; /* --lxcfs-hook: absolute path of lxcfs-oci-hook */
	const char *hook_args[WRAP_MAX_HOOK_ARGS]; /* --lxcfs-hook-arg, after "hook" */
	size_t n_hook_args;
};

/**
 * wrap_edit_bundle - when @bundle's config.json asks for lxcfs (annotation
 * io.kubernetes.container.lxcfsEnable true, as the hook reads it), add the hook to
 * hooks.createRuntime after the hooks there (basespec_add_hook(): every other field kept;
 * our own entry, when there, replaced where it stands) and replace config.json atomically
 * (same owner and mode). Otherwise the file is not touched.
 * Returns: 0 with *added set, or a negative errno with @err filled (config.json
 * unreadable or not JSON, an invalid annotation value, a failed write: nothing changed).
 */
int wrap_edit_bundle(const char *bundle, const struct wrap_options *o, bool *added, struct lxh_error *err);

/**
 * wrap_find_runtime - the real runtime: @name as a path when it holds a '/', else the
 * first executable @name in $PATH, then in the usual sbin and bin directories. Never
 * this program: a candidate that is the same file as /proc/self/exe is passed over
 * (and refused when named by path).
 * Returns: 0 with *out (malloc'd), or a negative errno with @err saying what was looked at.
 */
int wrap_find_runtime(const char *name, char **out, struct lxh_error *err);

#endif
