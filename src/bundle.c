/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bundle.c - which config.json is this container's. The state's bundle, except when it is
 * "/": crun 1.21 to 1.29 pass their working directory there to prestart and createRuntime
 * hooks (crun issue 2025; seen with podman --uidmap and a CDI device, where crun's cwd is
 * "/"), and "/config.json" is never a container's. crun copies the container's config.json
 * into its state directory before it runs any hook: that copy is this container's by its
 * id, and is taken when its root.path is what the state says the root is.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "io.h"
#include "log.h"
#include "util.h"

#define CMDLINE_MAX (64u << 10)

const char *bundle_cmdline_root(const char *cmdline, size_t len)
{
	const char *p = cmdline, *end = cmdline + len;

	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));

		if (n == 6 && memcmp(p, "--root", 6) == 0 && p + n + 1 < end && p[n + 1] != '\0')
			return p + n + 1;
		if (n > 7 && memcmp(p, "--root=", 7) == 0)
			return p + 7;
		p += n + 1;
	}
	return NULL;
}

/* The --root of process @pid (the runtime running this hook), copied into @out; false when none. */
static bool runtime_root_of(int pid, char *out, size_t size)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	struct lxh_error ignored;
	char path[64];
	const char *root;
	size_t len;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read_fd_bounded(fd, path, CMDLINE_MAX, -1, &buf, &len, &ignored) < 0)
		return false;
	root = bundle_cmdline_root(buf, len);
	if (!root || root[0] != '/' || strlen(root) >= size)
		return false;
	strcpy(out, root);
	return true;
}

/* An id crun would use as a directory name: anything else cannot name a state directory. */
static bool id_is_path_component(const char *id)
{
	return id[0] && !strchr(id, '/') && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

/*
 * Try <root>/<id>/config.json. Returns: 1 when loaded and it is this container's, 0 when
 * there is none, or a negative errno (a copy that is there but not trustworthy refuses).
 */
static int try_state_root(const struct oci_state *st, const char *root, const char *root_clean, struct oci_spec *spec,
			  struct lxh_error *err)
{
	char dir[PATH_MAX], spec_root[PATH_MAX];
	int n, rc;

	n = snprintf(dir, sizeof(dir), "%s/%s", root, st->id);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return 0;
	if (access(dir, F_OK) < 0)
		return 0;
	rc = oci_spec_load(dir, spec, err);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return lxh_error_wrap(err, "crun's copy of the container's config.json");
	if (spec->root_path[0] != '/' || path_clean(spec->root_path, spec_root, sizeof(spec_root)) < 0 ||
	    strcmp(spec_root, root_clean) != 0) {
		rc = lxh_error_set(err, 0,
				   "%s/config.json has root.path \"%s\", not the state's root \"%s\": it is not "
				   "this container's; refusing",
				   dir, spec->root_path, st->root);
		oci_spec_free(spec);
		return rc;
	}
	log_info("the state's bundle is \"/\" (crun issue 2025): using crun's copy %s/config.json", dir);
	return 1;
}

int bundle_load_spec(const struct oci_state *st, const char *const *state_roots, size_t n_state_roots,
		     int parent_pid, struct oci_spec *spec, struct lxh_error *err)
{
	char root_clean[PATH_MAX], parent_root[PATH_MAX];
	const char *parent = NULL;
	int rc;

	if (strcmp(st->bundle, "/") != 0)
		return oci_spec_load(st->bundle, spec, err);

	if (!st->root || st->root[0] != '/' || path_clean(st->root, root_clean, sizeof(root_clean)) < 0)
		return lxh_error_set(err, 0,
				     "state: \"bundle\" is \"/\" (crun 1.21 to 1.29 pass their working directory "
				     "there, crun issue 2025) and \"root\" is %s%s%s, not an absolute path: cannot "
				     "tell which config.json is this container's; refusing rather than read /config.json",
				     st->root ? "\"" : "", st->root ? st->root : "missing", st->root ? "\"" : "");
	if (!id_is_path_component(st->id))
		return lxh_error_set(err, 0, "state: \"bundle\" is \"/\" and the id cannot name crun's state directory; "
					     "refusing rather than read /config.json");

	for (size_t i = 0; i < n_state_roots; i++) {
		rc = try_state_root(st, state_roots[i], root_clean, spec, err);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	if (runtime_root_of(parent_pid, parent_root, sizeof(parent_root))) {
		parent = parent_root;
		rc = try_state_root(st, parent, root_clean, spec, err);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	if (!parent || strcmp(parent, CRUN_DEFAULT_ROOT) != 0) {
		rc = try_state_root(st, CRUN_DEFAULT_ROOT, root_clean, spec, err);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	return lxh_error_set(err, 0,
			     "state: \"bundle\" is \"/\" (crun 1.21 to 1.29 pass their working directory there, "
			     "crun issue 2025), and no copy of this container's config.json was found in crun's "
			     "state directory (%s%s%s): refusing rather than read /config.json; upgrade crun, or "
			     "give the hook --state-root DIR",
			     parent ? parent : "", parent ? ", " : "", CRUN_DEFAULT_ROOT);
}
