/* SPDX-License-Identifier: Apache-2.0 */
/* io.h - bounded reads of untrusted input (stdin, config.json). */
#ifndef LXH_IO_H
#define LXH_IO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t now_ms(void);

/* The deadline of one step that may take @step_ms: that long from now, never past the run's @deadline_ms. */
static inline int64_t step_deadline(int64_t step_ms, int64_t deadline_ms)
{
	int64_t until = now_ms() + step_ms;

	return until < deadline_ms ? until : deadline_ms;
}

/**
 * read_fd_bounded - read @fd to EOF into a NUL-terminated malloc'd buffer.
 * @max: more than @max bytes is an error (-EFBIG), naming @what and the limit.
 * @deadline_ms: absolute now_ms() time after which the read gives up (-ETIMEDOUT); < 0: none.
 * Works on pipes that never close (poll with the remaining time).
 * Returns: 0 with *buf (caller frees) and *len set, or a negative errno with @err filled.
 */
int read_fd_bounded(int fd, const char *what, size_t max, int64_t deadline_ms, char **buf, size_t *len,
		    struct lxh_error *err);

/**
 * read_fd_bounded_into - read_fd_bounded() into @first while the input is shorter than
 * @first_size - 1 bytes (the NUL, and one byte of room to see the end), so a small input
 * costs no malloc; past it, into the heap.
 * Returns: as read_fd_bounded(); *buf is @first or *heap, and the caller frees *heap.
 */
int read_fd_bounded_into(int fd, const char *what, size_t max, int64_t deadline_ms, char *first, size_t first_size,
			 char **buf, size_t *len, char **heap, struct lxh_error *err);

/**
 * json_precheck - reject JSON that yajl's tree would accept but we must not:
 * nesting deeper than @max_depth (at most JSON_MAX_DEPTH; the tree is freed recursively),
 * objects or arrays of JSON_MAX_MEMBERS or more members, and strings holding an escaped
 * NUL (\u0000), which C strings would silently truncate.
 * Only a lexical pass: yajl still validates the grammar.
 * Returns: 0, or -EINVAL with @err naming @what and the problem.
 */
int json_precheck(const char *buf, size_t len, const char *what, unsigned max_depth, struct lxh_error *err);

#define JSON_MAX_DEPTH 64
/*
 * Members of one object or array. Kubernetes caps all of a pod's annotations at 256 KiB, so no
 * real state comes near; past it, yajl's tree (one realloc per member) turns quadratic.
 */
#define JSON_MAX_MEMBERS 65536u

#endif
