/* SPDX-License-Identifier: Apache-2.0 */
/* spec.c - read the parts of the bundle's config.json the hook needs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "spec.h"

#define WHAT "config.json"

int path_clean(const char *in, char *out, size_t size)
{
	size_t i = 0, p = 0;

	if (!in || in[0] != '/')
		return -EINVAL;
	if (size < 2)
		return -ENAMETOOLONG;
	/*
	 * One pass, writing never ahead of the reading: @out may be @in.
	 * p (bytes kept) stays <= i (bytes read) throughout.
	 */
	while (in[i]) {
		size_t start, n;

		while (in[i] == '/')
			i++;
		start = i;
		while (in[i] && in[i] != '/')
			i++;
		n = i - start;
		if (n == 0 || (n == 1 && in[start] == '.'))
			continue;
		if (n == 2 && in[start] == '.' && in[start + 1] == '.') {
			/* Drop the last kept component; ".." at the root stays at the root. */
			while (p > 0 && out[p - 1] != '/')
				p--;
			if (p > 0)
				p--;
			continue;
		}
		if (p + 1 + n + 1 > size)
			return -ENAMETOOLONG;
		out[p] = '/';
		memmove(out + p + 1, in + start, n);
		p += 1 + n;
	}
	if (p == 0)
		out[p++] = '/';
	out[p] = '\0';
	return 0;
}

int oci_rootfs_path(const char *bundle, const char *root, char **out, struct lxh_error *err)
{
	cleanup_free char *path = NULL;
	int ret;

	*out = NULL;
	if (!root || root[0] == '\0')
		return lxh_error_set(err, 0, "the root path is empty");
	if (root[0] == '/') {
		path = strdup(root);
		if (!path)
			return lxh_error_set(err, ENOMEM, "root path");
	} else {
		if (!bundle || bundle[0] != '/')
			return lxh_error_set(err, 0, "root path \"%s\" is relative and the bundle \"%s\" is not absolute",
					     root, bundle ? bundle : "");
		size_t size = strlen(bundle) + 1 + strlen(root) + 1;

		path = malloc(size);
		if (!path)
			return lxh_error_set(err, ENOMEM, "root path");
		snprintf(path, size, "%s/%s", bundle, root);
	}
	/* Cleaning never makes an absolute path longer, so it is done in place. */
	ret = path_clean(path, path, strlen(path) + 1);
	if (ret < 0)
		return lxh_error_set(err, -ret, "cannot clean root path \"%s\"", path);
	*out = move_ptr(path);
	return 0;
}

/* A cleaned copy of a mount destination; runc resolves a relative one against the rootfs. */
static int clean_destination(const char *dest, char **out)
{
	size_t size = strlen(dest) + 2;
	cleanup_free char *raw = malloc(size);
	char *clean;
	int ret;

	*out = NULL;
	if (!raw)
		return -ENOMEM;
	snprintf(raw, size, "%s%s", dest[0] == '/' ? "" : "/", dest);
	clean = malloc(size);
	if (!clean)
		return -ENOMEM;
	ret = path_clean(raw, clean, size);
	if (ret < 0) {
		free(clean);
		return ret;
	}
	*out = clean;
	return 0;
}

static int parse_root(yajl_val tree, struct oci_spec *spec, struct lxh_error *err)
{
	yajl_val root = json_get(tree, "root", yajl_t_any), path;

	if (json_absent(root))
		return lxh_error_set(err, 0, WHAT ": \"root\" is missing (expected an object with a string \"path\")");
	if (!YAJL_IS_OBJECT(root))
		return lxh_error_set(err, 0, WHAT ": \"root\" must be an object with a string \"path\"");
	path = json_get(root, "path", yajl_t_any);
	if (json_absent(path))
		return lxh_error_set(err, 0, WHAT ": \"root\".\"path\" is missing (expected a non-empty string)");
	if (!YAJL_IS_STRING(path) || path->u.string[0] == '\0')
		return lxh_error_set(err, 0, WHAT ": \"root\".\"path\" must be a non-empty string");
	spec->root_path = strdup(path->u.string);
	if (!spec->root_path)
		return lxh_error_set(err, ENOMEM, WHAT ": \"root\".\"path\"");
	return 0;
}

static int parse_namespaces(yajl_val tree, struct oci_spec *spec, struct lxh_error *err)
{
	yajl_val linux_ = json_get(tree, "linux", yajl_t_any), nss;

	if (json_absent(linux_))
		return 0;
	if (!YAJL_IS_OBJECT(linux_))
		return lxh_error_set(err, 0, WHAT ": \"linux\" must be an object");
	nss = json_get(linux_, "namespaces", yajl_t_any);
	if (json_absent(nss))
		return 0;
	if (!YAJL_IS_ARRAY(nss))
		return lxh_error_set(err, 0, WHAT ": \"linux\".\"namespaces\" must be an array of objects");

	for (size_t i = 0; i < nss->u.array.len; i++) {
		yajl_val ns = nss->u.array.values[i], type, path;

		if (!YAJL_IS_OBJECT(ns))
			return lxh_error_set(err, 0, WHAT ": \"linux\".\"namespaces\"[%zu] must be an object", i);
		type = json_get(ns, "type", yajl_t_any);
		if (!YAJL_IS_STRING(type))
			return lxh_error_set(err, 0, WHAT ": \"linux\".\"namespaces\"[%zu].\"type\" must be a string", i);
		if (strcmp(type->u.string, "mount") != 0)
			continue;
		/* runc refuses a namespace type given twice too; which one we join must not be a guess. */
		if (spec->has_mount_ns)
			return lxh_error_set(err, 0, WHAT ": \"linux\".\"namespaces\" holds the mount namespace twice");
		spec->has_mount_ns = true;
		path = json_get(ns, "path", yajl_t_any);
		if (json_absent(path))
			continue;
		if (!YAJL_IS_STRING(path))
			return lxh_error_set(err, 0, WHAT ": \"linux\".\"namespaces\"[%zu].\"path\" must be a string", i);
		/* An empty path is how Go's omitempty-less encoders say "no path": a new namespace. */
		if (path->u.string[0] == '\0')
			continue;
		spec->mount_ns_path = strdup(path->u.string);
		if (!spec->mount_ns_path)
			return lxh_error_set(err, ENOMEM, WHAT ": \"linux\".\"namespaces\"");
	}
	return 0;
}

static int parse_mounts(yajl_val tree, struct oci_spec *spec, struct lxh_error *err)
{
	yajl_val mounts = json_get(tree, "mounts", yajl_t_any);
	size_t n;

	if (json_absent(mounts))
		return 0;
	if (!YAJL_IS_ARRAY(mounts))
		return lxh_error_set(err, 0, WHAT ": \"mounts\" must be an array of objects");
	n = mounts->u.array.len;
	if (n == 0)
		return 0;
	spec->mount_dests = calloc(n, sizeof(*spec->mount_dests));
	if (!spec->mount_dests)
		return lxh_error_set(err, ENOMEM, WHAT ": \"mounts\"");

	for (size_t i = 0; i < n; i++) {
		yajl_val m = mounts->u.array.values[i], dest;
		int ret;

		if (!YAJL_IS_OBJECT(m))
			return lxh_error_set(err, 0, WHAT ": \"mounts\"[%zu] must be an object", i);
		dest = json_get(m, "destination", yajl_t_any);
		if (json_absent(dest))
			return lxh_error_set(err, 0, WHAT ": \"mounts\"[%zu].\"destination\" is missing", i);
		if (!YAJL_IS_STRING(dest) || dest->u.string[0] == '\0')
			return lxh_error_set(err, 0, WHAT ": \"mounts\"[%zu].\"destination\" must be a non-empty string",
					     i);
		ret = clean_destination(dest->u.string, &spec->mount_dests[i]);
		if (ret < 0)
			return lxh_error_set(err, -ret, WHAT ": \"mounts\"[%zu].\"destination\"", i);
		spec->n_mounts = i + 1;
	}
	return 0;
}

static int parse_tree(yajl_val tree, struct oci_spec *spec, struct lxh_error *err)
{
	yajl_val ann;
	int ret;

	ret = parse_root(tree, spec, err);
	if (ret < 0)
		return ret;
	ret = parse_namespaces(tree, spec, err);
	if (ret < 0)
		return ret;
	ret = parse_mounts(tree, spec, err);
	if (ret < 0)
		return ret;
	ann = json_get(tree, "annotations", yajl_t_any);
	if (!json_absent(ann))
		return json_string_map(ann, WHAT, "annotations", &spec->annotations, err);
	return 0;
}

int oci_spec_parse(const char *buf, size_t len, struct oci_spec *spec, struct lxh_error *err)
{
	cleanup_yajl yajl_val tree = NULL;
	int ret;

	memset(spec, 0, sizeof(*spec));
	ret = json_parse_object(buf, len, WHAT, &tree, err);
	if (ret < 0)
		return ret;
	ret = parse_tree(tree, spec, err);
	if (ret < 0)
		oci_spec_free(spec);
	return ret;
}

int oci_spec_annotations(const char *buf, size_t len, struct kv_list *out, struct lxh_error *err)
{
	cleanup_yajl yajl_val tree = NULL;
	yajl_val ann;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = json_parse_object(buf, len, WHAT, &tree, err);
	if (ret < 0)
		return ret;
	ann = json_get(tree, "annotations", yajl_t_any);
	if (json_absent(ann))
		return 0;
	ret = json_string_map(ann, WHAT, "annotations", out, err);
	if (ret < 0)
		kv_list_free(out);
	return ret;
}

int oci_spec_load(const char *bundle, struct oci_spec *spec, struct lxh_error *err)
{
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	char what[PATH_MAX + 32];
	struct stat st;
	size_t len;
	int ret;

	memset(spec, 0, sizeof(*spec));
	if (!bundle || bundle[0] != '/')
		return lxh_error_set(err, 0, "bundle path \"%s\" is not absolute", bundle ? bundle : "");

	dirfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return lxh_error_errno(err, "cannot open bundle %s", bundle);
	/* O_NONBLOCK: a FIFO planted as config.json must not hang the open; fstat refuses it next. */
	fd = openat(dirfd, "config.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return lxh_error_code(err, ELOOP, "config.json in %s is a symbolic link, which is not followed",
					 bundle);
		return lxh_error_errno(err, "cannot open config.json in %s", bundle);
	}
	if (fstat(fd, &st) < 0)
		return lxh_error_errno(err, "cannot stat config.json in %s", bundle);
	if (!S_ISREG(st.st_mode))
		return lxh_error_set(err, 0, "config.json in %s is not a regular file", bundle);
	if ((unsigned long long)st.st_size > OCI_SPEC_MAX_BYTES)
		return lxh_error_code(err, EFBIG, "config.json in %s is %lld bytes, more than the %u allowed", bundle,
				 (long long)st.st_size, OCI_SPEC_MAX_BYTES);

	/* The size check above is advisory (the file may grow): the read is bounded on its own. */
	snprintf(what, sizeof(what), "config.json in %s", bundle); /* only a message: cutting it is fine */
	ret = read_fd_bounded(fd, what, OCI_SPEC_MAX_BYTES, -1, &buf, &len, err);
	if (ret < 0)
		return ret;
	return oci_spec_parse(buf, len, spec, err);
}

void oci_spec_free(struct oci_spec *spec)
{
	free(spec->root_path);
	free(spec->mount_ns_path);
	for (size_t i = 0; i < spec->n_mounts; i++)
		free(spec->mount_dests[i]);
	free(spec->mount_dests);
	kv_list_free(&spec->annotations);
	memset(spec, 0, sizeof(*spec));
}
