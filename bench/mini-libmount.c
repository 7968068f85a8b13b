/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mini-libmount.c - a benchmark experiment, not part of the hook: the libmount
 * calls lxcfs-oci-hook makes (read /proc/PID/mountinfo, walk it, get id, parent
 * id, root, target, type, source, options and device of each entry), done by a
 * small mountinfo reader.
 *
 * bench/run.sh links the hook's own objects against this file instead of
 * libmount.so to measure what loading libmount and its dependencies (libblkid,
 * libselinux, libpcre2-8, all bound at load time) costs each hook exec. It
 * covers only what the hook calls: no fstab, no utab, no cache, no tags. When
 * the hook starts calling something this file lacks, the link fails and
 * bench/run.sh says which symbol is missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <libmount.h>

struct libmnt_fs {
	int id, parent_id;
	dev_t devno;
	char *root, *target, *vfs_options, *fstype, *source, *fs_options;
};

struct libmnt_table {
	struct libmnt_fs *fs;
	size_t n, cap;
	int refcount;
};

struct libmnt_iter {
	size_t pos;
	int direction;
	int started;
};

struct libmnt_table *mnt_new_table(void)
{
	struct libmnt_table *tb = calloc(1, sizeof(*tb));

	if (tb)
		tb->refcount = 1;
	return tb;
}

static void fs_free(struct libmnt_fs *fs)
{
	free(fs->root);
	free(fs->target);
	free(fs->vfs_options);
	free(fs->fstype);
	free(fs->source);
	free(fs->fs_options);
}

static void table_reset(struct libmnt_table *tb)
{
	for (size_t i = 0; i < tb->n; i++)
		fs_free(&tb->fs[i]);
	free(tb->fs);
	tb->fs = NULL;
	tb->n = tb->cap = 0;
}

void mnt_unref_table(struct libmnt_table *tb)
{
	if (tb && --tb->refcount <= 0) {
		table_reset(tb);
		free(tb);
	}
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* The next space-separated field of *p, unescaped; *p moves past it. */
static char *field(const char **p)
{
	const char *s = *p, *e;

	while (*s == ' ')
		s++;
	e = s;
	while (*e && *e != ' ')
		e++;
	*p = e;
	return e > s ? unescape(s, (size_t)(e - s)) : NULL;
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
static int parse_line(const char *line, struct libmnt_fs *fs)
{
	const char *p = line, *sep;
	unsigned maj, min;
	int n = 0;

	memset(fs, 0, sizeof(*fs));
	if (sscanf(p, "%d %d %u:%u %n", &fs->id, &fs->parent_id, &maj, &min, &n) != 4 || n == 0)
		return -EINVAL;
	p += n;
	fs->devno = makedev(maj, min);
	fs->root = field(&p);
	fs->target = field(&p);
	fs->vfs_options = field(&p);
	sep = strstr(p, " - ");
	if (!sep)
		goto bad;
	p = sep + 3;
	fs->fstype = field(&p);
	fs->source = field(&p);
	fs->fs_options = field(&p);
	if (!fs->root || !fs->target || !fs->vfs_options || !fs->fstype)
		goto bad;
	return 0;
bad:
	fs_free(fs);
	return -EINVAL;
}

int mnt_table_parse_file(struct libmnt_table *tb, const char *filename)
{
	FILE *f = fopen(filename, "re");
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	int rc = 0;

	if (!tb)
		return -EINVAL;
	if (!f)
		return -errno;
	while ((len = getline(&line, &size, f)) > 0) {
		struct libmnt_fs fs;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (parse_line(line, &fs) < 0)
			continue;
		if (tb->n == tb->cap) {
			size_t cap = tb->cap ? tb->cap * 2 : 64;
			struct libmnt_fs *n = realloc(tb->fs, cap * sizeof(*n));
			if (!n) {
				fs_free(&fs);
				rc = -ENOMEM;
				break;
			}
			tb->fs = n;
			tb->cap = cap;
		}
		tb->fs[tb->n++] = fs;
	}
	if (ferror(f) && rc == 0)
		rc = -EIO;
	free(line);
	fclose(f);
	return rc;
}

struct libmnt_iter *mnt_new_iter(int direction)
{
	struct libmnt_iter *it = calloc(1, sizeof(*it));

	if (it)
		it->direction = direction;
	return it;
}

void mnt_free_iter(struct libmnt_iter *itr)
{
	free(itr);
}

/* 0: *fs set; 1: no more entries; < 0: error. */
int mnt_table_next_fs(struct libmnt_table *tb, struct libmnt_iter *itr, struct libmnt_fs **fs)
{
	if (!tb || !itr || !fs)
		return -EINVAL;
	if (!itr->started) {
		itr->started = 1;
		itr->pos = itr->direction == MNT_ITER_BACKWARD ? tb->n : 0;
	}
	if (itr->direction == MNT_ITER_BACKWARD) {
		if (itr->pos == 0)
			return 1;
		*fs = &tb->fs[--itr->pos];
	} else {
		if (itr->pos >= tb->n)
			return 1;
		*fs = &tb->fs[itr->pos++];
	}
	return 0;
}

int mnt_fs_get_id(struct libmnt_fs *fs)
{
	return fs ? fs->id : -EINVAL;
}

int mnt_fs_get_parent_id(struct libmnt_fs *fs)
{
	return fs ? fs->parent_id : -EINVAL;
}

dev_t mnt_fs_get_devno(struct libmnt_fs *fs)
{
	return fs ? fs->devno : 0;
}

const char *mnt_fs_get_root(struct libmnt_fs *fs)
{
	return fs ? fs->root : NULL;
}

const char *mnt_fs_get_target(struct libmnt_fs *fs)
{
	return fs ? fs->target : NULL;
}

const char *mnt_fs_get_vfs_options(struct libmnt_fs *fs)
{
	return fs ? fs->vfs_options : NULL;
}

const char *mnt_fs_get_fstype(struct libmnt_fs *fs)
{
	return fs ? fs->fstype : NULL;
}

const char *mnt_fs_get_source(struct libmnt_fs *fs)
{
	return fs ? fs->source : NULL;
}

const char *mnt_fs_get_fs_options(struct libmnt_fs *fs)
{
	return fs ? fs->fs_options : NULL;
}
