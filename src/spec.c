/* SPDX-License-Identifier: Apache-2.0 */
/* spec.c - load the bundle's config.json (parsed in spec_parse.c), and the paths it gives. */
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

#include "io.h"
#include "spec.h"
#include "util.h"

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
