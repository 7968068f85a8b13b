/* SPDX-License-Identifier: Apache-2.0 */
/* util.h - cleanup attributes, ownership transfer and bounded path building. */
#ifndef LXH_UTIL_H
#define LXH_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void free_ptr(void *p) { free(*(void **)p); }
/* Closes and forgets: a later cleanup of the same variable must not close a reused number. */
static inline void close_fd(int *fd)
{
	if (*fd >= 0) {
		int saved = errno; /* a cleanup must not clobber the errno being reported */
		close(*fd);
		errno = saved;
		*fd = -1;
	}
}
static inline void fclose_file(FILE **f)
{
	if (*f)
		fclose(*f);
}

#ifndef __CPPCHECK__
#define cleanup_free __attribute__((cleanup(free_ptr)))
#define cleanup_close __attribute__((cleanup(close_fd)))
#define cleanup_file __attribute__((cleanup(fclose_file)))
#else
/*
 * cppcheck (2.10) does not model the cleanup attribute and calls every early return a
 * leak. "static volatile" makes it take these variables as owned elsewhere, so its leak
 * checks still cover every other allocation. Seen by `make analyze` only, never compiled.
 */
#define cleanup_free static volatile
#define cleanup_close static volatile
#define cleanup_file static volatile
#endif

/* Hand an owned resource on: the cleanup attribute of the source then does nothing. */
static inline int move_fd_impl(int *fd)
{
	int ret = *fd;
	*fd = -1;
	return ret;
}
#define move_fd(fd) move_fd_impl(&(fd))
#define move_ptr(p)                          \
	({                                   \
		__typeof__(p) moved__ = (p); \
		(p) = NULL;                  \
		moved__;                     \
	})

/**
 * strnprintf - snprintf that fails instead of truncating.
 * Returns: the length written, or -ENAMETOOLONG when @size is too small.
 */
static inline __attribute__((format(printf, 3, 4))) int strnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return n;
}

static inline bool str_eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

#endif
