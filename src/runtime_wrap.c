/* SPDX-License-Identifier: Apache-2.0 */
/* runtime_wrap.c - the bundle edit and the runtime lookup of lxcfs-oci-runtime. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basespec.h"
#include "io.h"
#include "kv.h"
#include "policy.h"
#include "runtime_wrap.h"
#include "spec.h"
#include "util.h"

/* The same bound as the hook's reading of config.json. */
#define CONFIG_MAX OCI_SPEC_MAX_BYTES

static void free_kv(struct kv_list *l) { kv_list_free(l); }

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Replace @dirfd/config.json with @buf: a new file beside it, with the old one's owner
 * and mode, flushed, then renamed over it. A reader sees the old file or the new one.
 */
static int replace_config(int dirfd, const char *bundle, const struct stat *old, const char *buf, size_t len,
			  struct lxh_error *err)
{
	char tmp[64];
	cleanup_close int fd = -1;
	int ret;

	for (int attempt = 0; fd < 0; attempt++) {
		if (strnprintf(tmp, sizeof(tmp), ".config.json.lxcfs-%d-%d", (int)getpid(), attempt) < 0)
			return lxh_error_set(err, ENAMETOOLONG, "temporary file name");
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && (errno != EEXIST || attempt >= 100))
			return lxh_error_errno(err, "cannot create %s/%s", bundle, tmp);
	}
	ret = write_all(fd, buf, len);
	if (ret == 0 && fchown(fd, old->st_uid, old->st_gid) < 0)
		ret = -errno;
	if (ret == 0 && fchmod(fd, old->st_mode & 07777) < 0)
		ret = -errno;
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (ret == 0 && renameat(dirfd, tmp, dirfd, "config.json") < 0)
		ret = -errno;
	if (ret < 0) {
		unlinkat(dirfd, tmp, 0);
		return lxh_error_set(err, -ret, "cannot replace config.json in %s", bundle);
	}
	return 0;
}

int wrap_edit_bundle(const char *bundle, const struct wrap_options *o, bool *added, struct lxh_error *err)
{
	__attribute__((cleanup(free_kv))) struct kv_list ann = { 0 };
	const char *args[WRAP_MAX_HOOK_ARGS + 1] = { "hook" };
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	cleanup_free char *out = NULL;
	struct policy_decision d;
	struct basespec_hook hook;
	struct stat st;
	size_t len = 0, out_len = 0;
	int ret;

	*added = false;
	dirfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return lxh_error_errno(err, "cannot open bundle %s", bundle);
	fd = openat(dirfd, "config.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return lxh_error_errno(err, "cannot open config.json in %s", bundle);
	if (fstat(fd, &st) < 0)
		return lxh_error_errno(err, "cannot stat config.json in %s", bundle);
	if (!S_ISREG(st.st_mode))
		return lxh_error_set(err, 0, "config.json in %s is not a regular file", bundle);
	ret = read_fd_bounded(fd, "config.json", CONFIG_MAX, -1, &buf, &len, err);
	if (ret < 0)
		return ret;

	ret = oci_spec_annotations(buf, len, &ann, err);
	if (ret < 0)
		return ret;
	/* The hook decides again at run time; here only whether to bring it at all. */
	ret = policy_decide(NULL, &ann, DEFAULT_OFF, &d, err);
	if (ret < 0)
		return lxh_error_wrap(err, "config.json in %s", bundle);
	if (!d.enabled)
		return 0;

	for (size_t i = 0; i < o->n_hook_args; i++)
		args[1 + i] = o->hook_args[i];
	hook = (struct basespec_hook){ o->hook_path, args, 1 + o->n_hook_args };
	/* base-spec's copy: every field as written, our entry replaced where it stands if there. */
	ret = basespec_add_hook(buf, len, &hook, &out, &out_len, err);
	if (ret < 0)
		return lxh_error_wrap(err, "config.json in %s", bundle);
	ret = replace_config(dirfd, bundle, &st, out, out_len, err);
	if (ret == 0)
		*added = true;
	return ret;
}

static bool same_file(const char *path, const struct stat *self)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

static bool is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Searched after $PATH: a runtime started with a short PATH (a shim's) still finds runc. */
static const char fallback_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

int wrap_find_runtime(const char *name, char **out, struct lxh_error *err)
{
	const char *env_path = getenv("PATH");
	cleanup_free char *dirs = NULL;
	struct stat self;
	bool skipped_self = false;
	size_t size;

	*out = NULL;
	if (!name || !*name)
		name = "runc";
	if (stat("/proc/self/exe", &self) < 0)
		return lxh_error_errno(err, "cannot stat /proc/self/exe");
	if (strchr(name, '/')) {
		if (!is_executable(name))
			return lxh_error_code(err, ENOENT, "the real runtime %s is not an executable file", name);
		if (same_file(name, &self))
			return lxh_error_code(err, ELOOP, "the real runtime %s is this program itself", name);
		*out = strdup(name);
		return *out ? 0 : lxh_error_set(err, ENOMEM, "runtime path");
	}
	size = (env_path ? strlen(env_path) : 0) + sizeof(fallback_path) + 2;
	dirs = malloc(size);
	if (!dirs)
		return lxh_error_set(err, ENOMEM, "runtime path");
	snprintf(dirs, size, "%s:%s", env_path ? env_path : "", fallback_path);
	for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char cand[PATH_MAX];

		if (dir[0] != '/' || strnprintf(cand, sizeof(cand), "%s/%s", dir, name) < 0 || !is_executable(cand))
			continue;
		if (same_file(cand, &self)) {
			skipped_self = true;
			continue;
		}
		*out = strdup(cand);
		return *out ? 0 : lxh_error_set(err, ENOMEM, "runtime path");
	}
	return lxh_error_code(err, ENOENT, "the real runtime %s is not in PATH (%s) nor in %s%s", name,
			      env_path ? env_path : "", fallback_path,
			      skipped_self ? " (only this program is, under that name)" : "");
}
