/* SPDX-License-Identifier: Apache-2.0 */
/* plan.c - which lxcfs files to mount where, given the decision and the spec's own mounts. Pure. */
#include "config.h"

#include <string.h>

#include "plan.h"
#include "util.h"

/* @path lies strictly beneath @dir, comparing whole components: "/proc/meminfo2" is not beneath "/proc/meminfo". */
static bool is_beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/' && path[1] != '\0';
	return strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] != '\0';
}

/*
 * The spec mounts something of its own on, over or beneath @f: leave @f alone.
 * "/proc" and "/sys" themselves do not count: every container mounts them, and
 * lxcfs files go on top.
 */
static bool spec_covers(const struct lxfile *f, const char *dest)
{
	if (strcmp(dest, f->target) == 0)
		return true;
	if (is_beneath(f->target, dest) && (is_beneath(dest, "/proc") || is_beneath(dest, "/sys")))
		return true;
	return f->is_dir && is_beneath(dest, f->target);
}

void plan_build(const struct policy_decision *d, char *const *mount_dests, size_t n_mounts, struct plan *out)
{
	lxfile_mask take = 0;

	memset(out, 0, sizeof(*out));
	if (!d->enabled)
		return;

	for (int i = 0; i < LXF_COUNT; i++) {
		const struct lxfile *f = &lxfiles[i];
		bool covered = false;

		if (!(d->files & LXF_BIT(i)))
			continue;
		for (size_t m = 0; m < n_mounts && !covered; m++)
			covered = mount_dests[m] && spec_covers(f, mount_dests[m]);
		if (covered)
			out->left_to_spec |= LXF_BIT(i);
		else
			take |= LXF_BIT(i);
	}
	/* The cpu directory brings its own online file; a second mount on it would only stack. */
	if (take & LXF_BIT(LXF_SYS_CPU))
		take &= ~LXF_BIT(LXF_SYS_CPU_ONLINE);

	for (int i = 0; i < LXF_COUNT; i++) {
		if (!(take & LXF_BIT(i)))
			continue;
		out->entries[out->n].file = &lxfiles[i];
		out->entries[out->n].required = d->explicit_files;
		out->n++;
	}
}
