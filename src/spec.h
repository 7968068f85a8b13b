/* SPDX-License-Identifier: Apache-2.0 */
/* spec.h - the parts of the bundle's config.json the hook needs. */
#ifndef LXH_SPEC_H
#define LXH_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "kv.h"

#define OCI_SPEC_MAX_BYTES (16u << 20)

struct oci_spec {
	char *root_path;       /* root.path as written (required) */
	bool has_mount_ns;     /* linux.namespaces holds {"type":"mount"} */
	char *mount_ns_path;   /* that entry's "path" (joining an existing namespace), or NULL */
	char **mount_dests;    /* mounts[].destination, lexically cleaned: "/proc//./meminfo/" -> "/proc/meminfo" */
	size_t n_mounts;
	struct kv_list annotations; /* optional */
};

/* Parse config.json text. Returns: 0, or a negative errno with @err naming the key. */
int oci_spec_parse(const char *buf, size_t len, struct oci_spec *spec, struct lxh_error *err);

/*
 * oci_spec_annotations - only the annotations of config.json text (absent: none), for a
 * caller that must not refuse a spec over fields it does not use (lxcfs-oci-runtime).
 * Returns: 0, or a negative errno with @err naming the key.
 */
int oci_spec_annotations(const char *buf, size_t len, struct kv_list *out, struct lxh_error *err);

/**
 * oci_spec_load - read and parse @bundle/config.json.
 * @bundle must be absolute; config.json must be a regular file (not a symlink)
 * of at most OCI_SPEC_MAX_BYTES. Returns: 0, or a negative errno with @err filled.
 */
int oci_spec_load(const char *bundle, struct oci_spec *spec, struct lxh_error *err);

/**
 * oci_rootfs_path - the container's root directory as a cleaned absolute path:
 * @root (state "root" or root.path) as is when absolute, else joined to @bundle.
 * Returns: 0 with *out malloc'd, or a negative errno with @err filled.
 */
int oci_rootfs_path(const char *bundle, const char *root, char **out, struct lxh_error *err);

/* Lexically clean an absolute path into @out (at most @size bytes): collapse "//", "/./", "..", trailing "/". */
int path_clean(const char *in, char *out, size_t size);

void oci_spec_free(struct oci_spec *spec);

#endif
