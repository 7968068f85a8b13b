/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc_cgroup.h"
#include "util.h"

static bool is_sep(char c)
{
	return c == '-' || c == '_' || c == '.' || c == ':';
}

/* Is @id in the component [@s, @s + @len), set off by separators or its ends? */
static bool component_has(const char *s, size_t len, const char *id)
{
	size_t n = strlen(id);

	if (!n || n > len)
		return false;
	for (size_t at = 0; at + n <= len; at++) {
		if (memcmp(s + at, id, n) != 0)
			continue;
		if ((at == 0 || is_sep(s[at - 1])) && (at + n == len || is_sep(s[at + n])))
			return true;
	}
	return false;
}

/* systemd's "slice:prefix:name" as the scope it becomes: "prefix-name.scope". */
static bool systemd_scope(const char *cgroups_path, char *buf, size_t size)
{
	const char *a = strchr(cgroups_path, ':'), *b = a ? strchr(a + 1, ':') : NULL;

	if (!b || strchr(b + 1, ':'))
		return false;
	return strnprintf(buf, size, "%.*s-%s.scope", (int)(b - a - 1), a + 1, b + 1) >= 0;
}

bool cgroup_path_names(const char *path, const char *id, const char *cgroups_path)
{
	char scope[512] = "";
	bool systemd = cgroups_path && cgroups_path[0] && cgroups_path[0] != '/' &&
		       systemd_scope(cgroups_path, scope, sizeof(scope));

	if (cgroups_path && cgroups_path[0] == '/' && strlen(cgroups_path) > 1) {
		size_t pl = strlen(path), cl = strlen(cgroups_path);

		/* The host may see it under a prefix (nested runtimes); its leading '/' keeps components whole. */
		if (pl >= cl && strcmp(path + pl - cl, cgroups_path) == 0)
			return true;
	}
	for (const char *p = path; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len && id && component_has(p, len, id))
			return true;
		if (len && systemd && strlen(scope) == len && memcmp(p, scope, len) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

int proc_in_container(pid_t pid, const char *id, const char *cgroups_path, struct lxh_error *err)
{
	char file[64], buf[16384];
	cleanup_close int fd = -1;
	ssize_t n;

	if (strnprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid) < 0)
		return -EINVAL;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lxh_error_errno(err, "cannot read the cgroup of process %d", (int)pid);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return lxh_error_errno(err, "cannot read the cgroup of process %d", (int)pid);
	buf[n] = '\0';
	/* "N:controllers:path" per hierarchy; the path is everything after the second ':'. */
	for (char *line = buf, *next; line && *line; line = next) {
		char *path;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		path = strchr(line, ':');
		path = path ? strchr(path + 1, ':') : NULL;
		if (path && cgroup_path_names(path + 1, id, cgroups_path))
			return 0;
	}
	return lxh_error_code(err, EPERM,
			      "process %d is not in the cgroup of container %s%s%s%s: the request's pid is not that "
			      "container's; refusing",
			      (int)pid, id ? id : "?", cgroups_path && cgroups_path[0] ? " (cgroupsPath " : "",
			      cgroups_path && cgroups_path[0] ? cgroups_path : "", cgroups_path && cgroups_path[0] ? ")" : "");
}
