/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mountinfo.h - read a mountinfo file into plain structs, with libmount.
 *
 * libmount is loaded with dlopen() on first use, not linked: with it come libblkid,
 * libselinux and libpcre2, whose load-time relocations were 96% of the instructions of a
 * hook run for an unannotated container (docs/performance.md). Most containers never need
 * it; those that do load it once.
 */
#ifndef LXH_MOUNTINFO_H
#define LXH_MOUNTINFO_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct mountinfo_entry {
	int id;
	int parent;
	dev_t dev;
	char *fstype; /* "proc", "fuse.lxcfs", ... */
	char *target; /* mount point as the reading process sees it, unescaped */
	char *fs_options; /* the superblock's options: "rw,user_id=0,group_id=0,allow_other" */
};

struct mountinfo {
	struct mountinfo_entry *entries;
	size_t n;
};

/**
 * mountinfo_read - parse @path (e.g. /proc/PID/mountinfo) with libmount, without a cache
 * (a cache would resolve symlinks in paths that may belong to a container).
 * Returns: 0, or a negative errno with @err filled (libmount missing, unreadable file).
 */
int mountinfo_read(const char *path, struct mountinfo *out, struct lxh_error *err);
/**
 * mountinfo_text_read - @path's whole text (a NUL-terminated malloc'd buffer the caller frees),
 * read without libmount, for a look before parsing it.
 * Returns: 0, or a negative errno with @err filled.
 */
int mountinfo_text_read(const char *path, char **text, size_t *len, struct lxh_error *err);

/**
 * mountinfo_parse - parse @text (@len bytes of a mountinfo file, as read from @path, which
 * names it in errors and must be absolute) with libmount: the table already read, read once.
 * Returns: 0, or a negative errno with @err filled.
 */
int mountinfo_parse(const char *path, const char *text, size_t len, struct mountinfo *out, struct lxh_error *err);
void mountinfo_free(struct mountinfo *m);
#define cleanup_mountinfo __attribute__((cleanup(mountinfo_free)))

/**
 * mountinfo_option_uint - the value of option @name ("user_id") in a comma-separated
 * @options string. Returns: 0 with @value set, -ENOENT when absent, -EINVAL when not a number.
 */
int mountinfo_option_uint(const char *options, const char *name, unsigned long *value);

#endif
