/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "runtime_state.h"
#include "util.h"

#define RT_STATE_MAX_BYTES (16u << 20)

/*
 * runc's and crun's own, and the runc root Docker keeps under its default exec root
 * (dockerd --exec-root, default /run/docker: runtime-runc/<containerd namespace "moby">).
 */
static const char *const default_roots[] = { "/run/runc", "/run/crun", "/run/docker/runtime-runc/moby" };

static void container_clear(struct rt_container *c)
{
	free(c->id);
	free(c->bundle);
	memset(c, 0, sizeof(*c));
}

static int pid_of(yajl_val v, pid_t *out)
{
	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 || YAJL_GET_INTEGER(v) > INT_MAX)
		return -EINVAL;
	*out = (pid_t)YAJL_GET_INTEGER(v);
	return 0;
}

int runtime_parse_runc_state(const char *buf, size_t len, struct rt_container *out, struct lxh_error *err)
{
	cleanup_yajl yajl_val tree = NULL;
	const char *labels_path[] = { "config", "labels", NULL };
	yajl_val id, labels;
	bool has_bundle = false;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = json_parse_object(buf, len, "runc state.json", &tree, err);
	if (rc < 0)
		return rc;
	id = json_get(tree, "id", yajl_t_string);
	if (!id || !*id->u.string || pid_of(json_get(tree, "init_process_pid", yajl_t_any), &out->pid) < 0)
		return lxh_error_set(err, 0, "runc state.json: no \"id\" or \"init_process_pid\"");
	labels = yajl_tree_get(tree, labels_path, yajl_t_array);
	for (size_t i = 0; labels && i < labels->u.array.len; i++) {
		yajl_val l = labels->u.array.values[i];

		if (YAJL_IS_STRING(l) && strncmp(l->u.string, "bundle=", 7) == 0 && !has_bundle) {
			has_bundle = true;
			out->bundle = strdup(l->u.string + 7);
		}
	}
	out->id = strdup(id->u.string);
	if (!out->id || (has_bundle && !out->bundle)) {
		container_clear(out);
		return lxh_error_set(err, ENOMEM, "runc state.json");
	}
	return 0;
}

int runtime_parse_crun_status(const char *buf, size_t len, const char *id, struct rt_container *out,
			      struct lxh_error *err)
{
	cleanup_yajl yajl_val tree = NULL;
	yajl_val bundle;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = json_parse_object(buf, len, "crun status", &tree, err);
	if (rc < 0)
		return rc;
	if (pid_of(json_get(tree, "pid", yajl_t_any), &out->pid) < 0)
		return lxh_error_set(err, 0, "crun status: no \"pid\"");
	bundle = json_get(tree, "bundle", yajl_t_string);
	out->id = strdup(id);
	out->bundle = bundle ? strdup(bundle->u.string) : NULL;
	if (!out->id || (bundle && !out->bundle)) {
		container_clear(out);
		return lxh_error_set(err, ENOMEM, "crun status");
	}
	return 0;
}

static int read_state(int dirfd, const char *name, char **buf, size_t *len)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct lxh_error err;

	if (fd < 0)
		return -errno;
	return read_fd_bounded(fd, name, RT_STATE_MAX_BYTES, -1, buf, len, &err);
}

static int scan_root(const char *root, struct rt_list *out)
{
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (rootfd < 0)
		return 0;
	d = fdopendir(rootfd);
	if (!d)
		return 0; /* rootfd is still ours: its cleanup closes it */
	rootfd = -1; /* closedir() closes it now */
	/* cppcheck-suppress readdirCalled ; readdir_r() is deprecated, readdir() is safe on a DIR of our own */
	while ((de = readdir(d))) {
		cleanup_close int cdir = -1;
		cleanup_free char *buf = NULL;
		struct rt_container c;
		struct lxh_error err = { 0 };
		size_t len = 0;
		int rc;

		if (de->d_name[0] == '.')
			continue;
		cdir = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cdir < 0)
			continue;
		if (read_state(cdir, "state.json", &buf, &len) == 0)
			rc = runtime_parse_runc_state(buf, len, &c, &err);
		else if (read_state(cdir, "status", &buf, &len) == 0)
			rc = runtime_parse_crun_status(buf, len, de->d_name, &c, &err);
		else
			continue;
		if (rc < 0) {
			log_debug("%s/%s: %s", root, de->d_name, err.msg);
			continue;
		}
		{
			struct rt_container *items = realloc(out->items, (out->n + 1) * sizeof(*items));
			if (!items) {
				container_clear(&c);
				closedir(d);
				return -ENOMEM;
			}
			out->items = items;
			items[out->n++] = c;
		}
	}
	closedir(d);
	return 0;
}

int runtime_list(const char *const *roots, size_t n_roots, struct rt_list *out)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(default_roots); i++)
		rc = scan_root(default_roots[i], out);
	for (size_t i = 0; rc == 0 && i < n_roots; i++)
		rc = scan_root(roots[i], out);
	return rc;
}

const struct rt_container *runtime_find_pid(const struct rt_list *l, pid_t pid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].pid == pid)
			return &l->items[i];
	return NULL;
}

void runtime_list_free(struct rt_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		container_clear(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void container_name(const struct rt_list *l, pid_t pid, char *buf, size_t size)
{
	const struct rt_container *c = l ? runtime_find_pid(l, pid) : NULL;
	char path[64], line[1024];
	cleanup_file FILE *f = NULL;
	char *name, *end;

	snprintf(buf, size, "-");
	if (c) {
		snprintf(buf, size, "%s", c->id);
		return;
	}
	if (strnprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid) < 0 || !(f = fopen(path, "re")) ||
	    !fgets(line, sizeof(line), f))
		return;
	line[strcspn(line, "\n")] = '\0';
	name = strrchr(line, '/');
	if (!name || !name[1])
		return;
	name++;
	/* systemd scopes of the common runtimes: crio-<id>.scope, libpod-<id>.scope, docker-<id>.scope */
	if ((end = strstr(name, ".scope")))
		*end = '\0';
	if (strchr(name, '-') && (strncmp(name, "crio-", 5) == 0 || strncmp(name, "libpod-", 7) == 0 ||
				  strncmp(name, "docker-", 7) == 0 || strncmp(name, "cri-containerd-", 15) == 0))
		name = strrchr(name, '-') + 1;
	if (*name)
		snprintf(buf, size, "%s", name);
}
