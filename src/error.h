/* SPDX-License-Identifier: Apache-2.0 */
/* error.h - errors carry their message up to main, where they are printed once. */
#ifndef LXH_ERROR_H
#define LXH_ERROR_H

#include <stddef.h>

/*
 * Functions that can fail take a `struct lxh_error *err` last and return 0 on
 * success or a negative errno-style value on failure, having filled @err.
 * Callers add context with lxh_error_wrap() and pass the same negative value up.
 */
struct lxh_error {
	int code;        /* positive errno value, 0 when none */
	char msg[1024];  /* human readable, without program name or container id */
};

/* Set @err from a printf format. @errnum > 0 appends ": strerror(errnum)". Returns: -errnum (or -EINVAL). */
int lxh_error_set(struct lxh_error *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Set @err to a message that already says what happened, with @code (> 0) for callers
 * to test, and no strerror appended. Returns: -code.
 */
int lxh_error_code(struct lxh_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Same as lxh_error_set(err, errno, ...): use only right after a failed syscall. */
#define lxh_error_errno(err, ...) lxh_error_set((err), errno, __VA_ARGS__)

/* Prefix the message already in @err with more context ("context: old message"). Returns: -err->code or -EINVAL. */
int lxh_error_wrap(struct lxh_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void lxh_error_clear(struct lxh_error *err);

#endif
