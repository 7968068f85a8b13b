/* SPDX-License-Identifier: Apache-2.0 */
/* io.c - bounded reads of untrusted input and a lexical pre-check of JSON. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "util.h"

/* First allocation; the buffer doubles from there up to @max + 1. */
#define READ_CHUNK 4096

int64_t now_ms(void)
{
	struct timespec ts;

	/*
	 * CLOCK_MONOTONIC cannot fail with a valid pointer; no error path needed. A system call,
	 * not the vDSO: every hook process reads the clock once or a few times, and the vDSO's
	 * first call faults in its code and data pages (53 us against 25 us here, issue 11).
	 */
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until @fd is readable or @deadline_ms passes. Returns: 1 when readable
 * (or hung up: read() then reports EOF or the error), 0 on timeout, -errno.
 */
static int wait_readable(int fd, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int timeout = -1, r;

		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - now_ms();
			if (left <= 0)
				return 0;
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		r = poll(&pfd, 1, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue; /* the loop recomputes what is left of the deadline */
			return -errno;
		}
		if (r == 0)
			continue; /* woken early or INT_MAX clamp: the top of the loop decides */
		if (pfd.revents & POLLNVAL)
			return -EBADF;
		return 1;
	}
}

int read_fd_bounded_into(int fd, const char *what, size_t max, int64_t deadline_ms, char *first, size_t first_size,
			 char **buf, size_t *len, char **heap, struct lxh_error *err)
{
	cleanup_free char *grown_data = NULL;
	/* Room for one byte past the limit: reading it is how we know the limit was passed. */
	size_t limit = max < SIZE_MAX - 1 ? max + 1 : SIZE_MAX - 1;
	/* One byte of @first kept for the NUL. */
	char *data = first_size ? first : NULL;
	size_t cap = first_size ? first_size - 1 : 0, used = 0;

	*buf = NULL;
	*len = 0;
	*heap = NULL;
	/* poll() skips negative fds: it would sit out the whole deadline. */
	if (fd < 0)
		return lxh_error_set(err, EBADF, "cannot read %s", what);
	for (;;) {
		ssize_t n;
		int r;

		if (used == cap) {
			size_t want = cap ? cap * 2 : READ_CHUNK;
			char *grown;

			if (want > limit || want < cap)
				want = limit;
			grown = realloc(grown_data, want + 1);
			if (!grown)
				return lxh_error_set(err, ENOMEM, "cannot read %s", what);
			if (!grown_data && used)
				memcpy(grown, data, used); /* leaving @first for the heap */
			data = grown_data = grown;
			cap = want;
		}

		r = wait_readable(fd, deadline_ms);
		if (r == 0)
			return lxh_error_code(err, ETIMEDOUT, "timed out reading %s (%zu bytes read, no end of input)", what,
					 used);
		if (r < 0)
			return lxh_error_set(err, -r, "cannot wait for %s", what);

		n = read(fd, data + used, cap - used);
		if (n < 0) {
			/* EAGAIN: a non-blocking fd polled readable and then drained by someone else. */
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return lxh_error_errno(err, "cannot read %s", what);
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max)
			return lxh_error_code(err, EFBIG, "%s is larger than the %zu bytes allowed", what, max);
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	*heap = move_ptr(grown_data);
	return 0;
}

int read_fd_bounded(int fd, const char *what, size_t max, int64_t deadline_ms, char **buf, size_t *len,
		    struct lxh_error *err)
{
	char *heap;

	return read_fd_bounded_into(fd, what, max, deadline_ms, NULL, 0, buf, len, &heap, err);
}

int json_precheck(const char *buf, size_t len, const char *what, unsigned max_depth, struct lxh_error *err)
{
	bool in_string = false, escaped = false;
	unsigned depth = 0;
	/* Members of each open object or array: yajl's tree grows its arrays one entry per realloc. */
	size_t members[JSON_MAX_DEPTH + 1] = { 0 };

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		/* yajl_tree_parse() takes a C string: a NUL would hide whatever follows it. */
		if (c == '\0')
			return lxh_error_set(err, 0, "%s: NUL byte at offset %zu", what, i);
		if (in_string) {
			if (escaped) {
				escaped = false;
				if (c == 'u' && len - i > 4 && memcmp(buf + i + 1, "0000", 4) == 0)
					return lxh_error_set(err, 0, "%s: string holds an escaped NUL (\\u0000) at offset %zu",
							     what, i - 1);
			} else if (c == '\\') {
				escaped = true;
			} else if (c == '"') {
				in_string = false;
			}
			continue;
		}
		switch (c) {
		case '"':
			in_string = true;
			break;
		case '[':
		case '{':
			if (++depth > max_depth || depth > JSON_MAX_DEPTH)
				return lxh_error_set(err, 0, "%s: JSON nested deeper than %u levels", what, max_depth);
			members[depth] = 0;
			break;
		case ',':
			if (depth > 0 && ++members[depth] >= JSON_MAX_MEMBERS)
				return lxh_error_set(err, 0, "%s: an object or array with more than %u members", what,
						     JSON_MAX_MEMBERS);
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		case '/':
			/*
			 * yajl_tree_parse() accepts comments, JSON does not, and a quote
			 * inside one would make this pass lose track of strings.
			 */
			return lxh_error_set(err, 0, "%s: comments are not allowed in JSON (offset %zu)", what, i);
		default:
			break;
		}
	}
	return 0;
}
