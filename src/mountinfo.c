/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "mountinfo.h"
#include "util.h"

/* /proc/PID/mountinfo of a host with tens of thousands of mounts is a few MiB. */
#define MOUNTINFO_MAX_BYTES (64u << 20)

/* The libmount calls this project makes, resolved once from libmount.so.1. */
static struct {
	bool loaded;
	struct libmnt_table *(*new_table)(void);
	void (*unref_table)(struct libmnt_table *);
	struct libmnt_iter *(*new_iter)(int);
	void (*free_iter)(struct libmnt_iter *);
	int (*table_parse_stream)(struct libmnt_table *, FILE *, const char *);
	int (*table_next_fs)(struct libmnt_table *, struct libmnt_iter *, struct libmnt_fs **);
	const char *(*fs_get_fstype)(struct libmnt_fs *);
	const char *(*fs_get_target)(struct libmnt_fs *);
	const char *(*fs_get_fs_options)(struct libmnt_fs *);
	dev_t (*fs_get_devno)(struct libmnt_fs *);
	int (*fs_get_id)(struct libmnt_fs *);
	int (*fs_get_parent_id)(struct libmnt_fs *);
} lm;

#define LIBMOUNT_SONAME "libmount.so.1"

static int libmount_load(struct lxh_error *err)
{
	void *h;

	if (lm.loaded)
		return 0;
	h = dlopen(LIBMOUNT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return lxh_error_code(err, ENOENT, "cannot load %s: %s", LIBMOUNT_SONAME, dlerror());
#define SYM(field, name)                                                                                  \
	do {                                                                                                \
		*(void **)&lm.field = dlsym(h, name);                                                         \
		if (!lm.field)                                                                              \
			return lxh_error_code(err, ENOENT, "%s has no %s: libmount too old", LIBMOUNT_SONAME, name); \
	} while (0)
	SYM(new_table, "mnt_new_table");
	SYM(unref_table, "mnt_unref_table");
	SYM(new_iter, "mnt_new_iter");
	SYM(free_iter, "mnt_free_iter");
	SYM(table_parse_stream, "mnt_table_parse_stream");
	SYM(table_next_fs, "mnt_table_next_fs");
	SYM(fs_get_fstype, "mnt_fs_get_fstype");
	SYM(fs_get_target, "mnt_fs_get_target");
	SYM(fs_get_fs_options, "mnt_fs_get_fs_options");
	SYM(fs_get_devno, "mnt_fs_get_devno");
	SYM(fs_get_id, "mnt_fs_get_id");
	SYM(fs_get_parent_id, "mnt_fs_get_parent_id");
#undef SYM
	/* The handle stays open for the life of the process: the pointers above live in it. */
	lm.loaded = true;
	return 0;
}

struct lm_handles {
	struct libmnt_table *tb;
	struct libmnt_iter *it;
};

static void lm_handles_free(struct lm_handles *h)
{
	if (h->it)
		lm.free_iter(h->it);
	if (h->tb)
		lm.unref_table(h->tb);
}

int mountinfo_text_read(const char *path, char **text, size_t *len, struct lxh_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return lxh_error_errno(err, "cannot read %s", path);
	return read_fd_bounded(fd, path, MOUNTINFO_MAX_BYTES, -1, text, len, err);
}

int mountinfo_read(const char *path, struct mountinfo *out, struct lxh_error *err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mountinfo_text_read(path, &text, &len, err);
	if (rc < 0)
		return rc;
	return mountinfo_parse(path, text, len, out, err);
}

static void file_close(FILE **f)
{
	if (*f)
		fclose(*f);
}

int mountinfo_parse(const char *path, const char *text, size_t len, struct mountinfo *out, struct lxh_error *err)
{
	__attribute__((cleanup(lm_handles_free))) struct lm_handles h = { 0 };
	__attribute__((cleanup(file_close))) FILE *f = NULL;
	struct libmnt_fs *fs;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0; /* fmemopen() refuses an empty buffer; an empty table it is */
	rc = libmount_load(err);
	if (rc < 0)
		return rc;
	h.tb = lm.new_table();
	h.it = lm.new_iter(MNT_ITER_FORWARD);
	/* The stream reads the text in place: "r" never writes to it. */
	f = fmemopen((void *)text, len, "r");
	if (!h.tb || !h.it || !f)
		return lxh_error_set(err, ENOMEM, "cannot read %s", path);
	/* @path names the table in libmount's messages (it canonicalizes it: keep it absolute). */
	rc = lm.table_parse_stream(h.tb, f, path);
	if (rc < 0)
		return lxh_error_set(err, -rc, "cannot parse %s", path);
	while (lm.table_next_fs(h.tb, h.it, &fs) == 0) {
		const char *type = lm.fs_get_fstype(fs), *target = lm.fs_get_target(fs), *opts = lm.fs_get_fs_options(fs);
		cleanup_free char *fstype = strdup(type ? type : ""), *mnt = strdup(target ? target : "");
		cleanup_free char *fs_opts = strdup(opts ? opts : "");
		struct mountinfo_entry *e;

		if (!fstype || !mnt || !fs_opts) {
			mountinfo_free(out);
			return lxh_error_set(err, ENOMEM, "cannot read %s", path);
		}
		if (out->n == cap) {
			struct mountinfo_entry *grown = realloc(out->entries, (cap = cap ? cap * 2 : 64) * sizeof(*grown));
			if (!grown) {
				mountinfo_free(out);
				return lxh_error_set(err, ENOMEM, "cannot read %s", path);
			}
			out->entries = grown;
		}
		e = &out->entries[out->n];
		e->id = lm.fs_get_id(fs);
		e->parent = lm.fs_get_parent_id(fs);
		e->dev = lm.fs_get_devno(fs);
		e->fstype = move_ptr(fstype);
		e->target = move_ptr(mnt);
		e->fs_options = move_ptr(fs_opts);
		out->n++;
	}
	return 0;
}

void mountinfo_free(struct mountinfo *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->entries[i].fstype);
		free(m->entries[i].target);
		free(m->entries[i].fs_options);
	}
	free(m->entries);
	m->entries = NULL;
	m->n = 0;
}

int mountinfo_option_uint(const char *options, const char *name, unsigned long *value)
{
	size_t len = strlen(name);

	for (const char *p = options; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > len && strncmp(p, name, len) == 0 && p[len] == '=') {
			char *stop;

			errno = 0;
			*value = strtoul(p + len + 1, &stop, 10);
			if (errno || stop != p + n || stop == p + len + 1)
				return -EINVAL;
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}
