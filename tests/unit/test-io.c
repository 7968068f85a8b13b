/* SPDX-License-Identifier: Apache-2.0 */
/* test-io.c - bounded reads (deadlines, limits, EINTR) and the JSON pre-check. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "io.h"
#include "tap.h"
#include "util.h"

/* An fd that reads back @len bytes of @data, then EOF. */
static int data_fd(const char *data, size_t len)
{
	int fd = memfd_create("test-io", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0) {
		perror("memfd_create");
		exit(99);
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n <= 0) {
			perror("write");
			exit(99);
		}
		done += (size_t)n;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void test_now_ms(void)
{
	int64_t a = now_ms(), b;

	usleep(20 * 1000);
	b = now_ms();
	ok(a >= 0, "now_ms is not negative");
	ok(b - a >= 20 && b - a < 5000, "now_ms advances with time (%lld ms for a 20 ms sleep)", (long long)(b - a));
}

static void test_read_basic(void)
{
	struct lxh_error err = { 0 };
	char *buf = NULL;
	size_t len = 99;
	int fd, ret;

	fd = data_fd("hello", 5);
	ret = read_fd_bounded(fd, "input", 100, now_ms() + 5000, &buf, &len, &err);
	is_int(ret, 0, "a short input reads");
	is_int((long long)len, 5, "its length is returned");
	is_str(buf, "hello", "its bytes are NUL-terminated");
	free(buf);
	close(fd);

	fd = data_fd("", 0);
	ret = read_fd_bounded(fd, "input", 100, -1, &buf, &len, &err);
	ok(ret == 0 && len == 0 && buf && buf[0] == '\0', "an empty input reads as an empty string");
	free(buf);
	close(fd);

	/* Past the first chunk, so the buffer has to grow several times. */
	size_t big = 300 * 1000;
	char *data = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	fd = data_fd(data, big);
	ret = read_fd_bounded(fd, "input", 1 << 20, -1, &buf, &len, &err);
	ok(ret == 0 && len == big && memcmp(buf, data, big) == 0 && buf[big] == '\0',
	   "a 300 kB input reads whole");
	free(buf);
	close(fd);

	fd = data_fd(data, 4096);
	ret = read_fd_bounded(fd, "input", 4096, -1, &buf, &len, &err);
	ok(ret == 0 && len == 4096, "exactly the limit is accepted");
	free(buf);
	close(fd);

	fd = data_fd(data, 4097);
	buf = (char *)1;
	ret = read_fd_bounded(fd, "the state", 4096, -1, &buf, &len, &err);
	is_int(ret, -EFBIG, "one byte over the limit is -EFBIG");
	ok(buf == NULL, "no buffer is handed back on failure");
	is_int(err.code, EFBIG, "the error carries EFBIG");
	like(err.msg, "the state", "the message names what was read: %s", err.msg);
	like(err.msg, "4096", "the message names the limit");
	close(fd);

	fd = data_fd(data, 4096);
	ret = read_fd_bounded(fd, "input", 0, -1, &buf, &len, &err);
	is_int(ret, -EFBIG, "a limit of 0 refuses any byte");
	close(fd);
	free(data);

	ret = read_fd_bounded(-1, "input", 100, now_ms() + 1000, &buf, &len, &err);
	is_int(ret, -EBADF, "fd -1 fails at once: %s", err.msg);
	fd = data_fd("", 0);
	close(fd);
	ret = read_fd_bounded(fd, "input", 100, now_ms() + 1000, &buf, &len, &err);
	is_int(ret, -EBADF, "a closed fd fails at once: %s", err.msg);
}

/* The hook's stdin: into the caller's buffer while it fits, the heap past it, the limit the same. */
static void test_read_into(void)
{
	struct lxh_error err = { 0 };
	char first[8], *buf, *heap;
	size_t len;
	int fd, ret;

	fd = data_fd("123456", 6);
	ret = read_fd_bounded_into(fd, "input", 100, -1, first, sizeof(first), &buf, &len, &heap, &err);
	ok(ret == 0 && buf == first && heap == NULL && len == 6 && strcmp(buf, "123456") == 0,
	   "an input that fits (with its NUL and room to see the end) stays in the caller's buffer");
	free(heap);
	close(fd);

	fd = data_fd("12345678abcdefghijklmnop", 24);
	ret = read_fd_bounded_into(fd, "input", 100, -1, first, sizeof(first), &buf, &len, &heap, &err);
	ok(ret == 0 && heap && buf == heap && len == 24 && strcmp(buf, "12345678abcdefghijklmnop") == 0,
	   "one byte more moves it to the heap, what was read first kept");
	free(heap);
	close(fd);

	fd = data_fd("12345678abcdefghijklmnop", 24);
	ret = read_fd_bounded_into(fd, "input", 20, -1, first, sizeof(first), &buf, &len, &heap, &err);
	ok(ret == -EFBIG && heap == NULL && buf == NULL && strstr(err.msg, "20 bytes"),
	   "the limit holds past the caller's buffer, nothing left allocated: %s", err.msg);
	close(fd);

	fd = data_fd("1234", 4);
	ret = read_fd_bounded_into(fd, "input", 3, -1, first, sizeof(first), &buf, &len, &heap, &err);
	ok(ret == -EFBIG && heap == NULL, "and within it: %s", err.msg);
	close(fd);
}

static void test_read_timeout(void)
{
	struct lxh_error err = { 0 };
	char *buf = (char *)1;
	size_t len;
	int p[2], ret;
	int64_t start;

	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("pipe2");
		exit(99);
	}
	/* The write end stays open: no EOF ever comes. */
	start = now_ms();
	ret = read_fd_bounded(p[0], "stdin", 1024, start + 200, &buf, &len, &err);
	int64_t took = now_ms() - start;
	is_int(ret, -ETIMEDOUT, "a pipe that is never closed times out");
	ok(took >= 195 && took < 3000, "at the deadline (%lld ms for 200)", (long long)took);
	is_int(err.code, ETIMEDOUT, "the error carries ETIMEDOUT");
	like(err.msg, "stdin", "the message names what was read: %s", err.msg);
	ok(buf == NULL, "no buffer is handed back on timeout");

	/* Some bytes, then silence: still a timeout, and the partial buffer is freed (valgrind). */
	ret = (int)write(p[1], "{\"id\":", 6);
	ret = read_fd_bounded(p[0], "stdin", 1024, now_ms() + 100, &buf, &len, &err);
	is_int(ret, -ETIMEDOUT, "a partial input without EOF times out");
	like(err.msg, "6 bytes", "the message says how much arrived: %s", err.msg);

	start = now_ms();
	ret = read_fd_bounded(p[0], "stdin", 1024, start - 10, &buf, &len, &err);
	is_int(ret, -ETIMEDOUT, "a deadline already past times out");
	ok(now_ms() - start < 1000, "without waiting");
	close(p[0]);
	close(p[1]);
}

/* SIGALRM every 10 ms interrupts poll(); the handler feeds the pipe and closes it. */
static volatile sig_atomic_t ticks;
static int feed_fd = -1;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
	if (ticks == 3 && feed_fd >= 0) {
		ssize_t n = write(feed_fd, "late", 4);
		(void)n;
	}
	if (ticks == 6 && feed_fd >= 0) {
		close(feed_fd);
		feed_fd = -1;
	}
}

static void test_read_eintr(bool nonblock)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART: poll() sees EINTR */
	struct itimerval every10ms = { { 0, 10000 }, { 0, 10000 } }, stop = { { 0, 0 }, { 0, 0 } };
	struct lxh_error err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int p[2], ret;

	if (pipe2(p, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) < 0) {
		perror("pipe2");
		exit(99);
	}
	ticks = 0;
	feed_fd = p[1];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every10ms, NULL);
	ret = read_fd_bounded(p[0], "stdin", 1024, now_ms() + 5000, &buf, &len, &err);
	setitimer(ITIMER_REAL, &stop, NULL);
	is_int(ret, 0, "%s pipe: signals during the wait do not break the read (%s)",
	       nonblock ? "non-blocking" : "blocking", ret ? err.msg : "ok");
	is_str(buf, "late", "%s pipe: the bytes written between signals arrive", nonblock ? "non-blocking" : "blocking");
	ok(ticks >= 6, "%s pipe: the wait was interrupted (%d signals)", nonblock ? "non-blocking" : "blocking",
	   (int)ticks);
	free(buf);
	close(p[0]);
	if (feed_fd >= 0)
		close(feed_fd);
	feed_fd = -1;
}

static int precheck(const char *s, unsigned depth, struct lxh_error *err)
{
	return json_precheck(s, strlen(s), "input.json", depth, err);
}

static char *nested(size_t depth, const char *open, const char *close_)
{
	char *s = malloc(depth * 2 + 1);
	for (size_t i = 0; i < depth; i++) {
		s[i] = open[i % strlen(open)];
		s[depth * 2 - 1 - i] = close_[i % strlen(close_)];
	}
	s[depth * 2] = '\0';
	return s;
}

static void test_precheck(void)
{
	struct lxh_error err = { 0 };
	cleanup_free char *d64 = nested(64, "[", "]");
	cleanup_free char *d65 = nested(65, "[", "]");
	cleanup_free char *deep = nested(100000, "[", "]");
	int ret;

	is_int(precheck("{}", 64, &err), 0, "{} passes");
	is_int(precheck("{\"a\":[1,{\"b\":\"c\"}],\"d\":\"\\\"\"}", 64, &err), 0, "ordinary JSON passes");
	is_int(precheck(d64, 64, &err), 0, "64 levels pass a limit of 64");
	ret = precheck(d65, 64, &err);
	is_int(ret, -EINVAL, "65 levels fail a limit of 64");
	like(err.msg, "input.json", "the message names the input: %s", err.msg);
	like(err.msg, "64", "the message names the limit");
	is_int(precheck(deep, 64, &err), -EINVAL, "100000 levels fail");
	is_int(precheck("{\"a\":{\"b\":[{}]}}", 4, &err), 0, "objects and arrays both count: 4 levels pass 4");
	is_int(precheck("{\"a\":{\"b\":[{\"c\":[]}]}}", 4, &err), -EINVAL, "... and 5 fail");
	is_int(precheck("{\"a\":\"[[[[[[[[[[{{{{{{\"}", 1, &err), 0, "brackets inside strings do not count");
	is_int(precheck("{\"a\":\"\\\"[[[[[[\"}", 1, &err), 0, "an escaped quote does not end the string");
	is_int(precheck("{\"a\\\\\":[[]]}", 2, &err), -EINVAL, "an escaped backslash does end it (\"a\\\\\")");
	is_int(precheck("[]]]]]][[", 2, &err), 0, "stray closers do not underflow (yajl rejects the grammar)");

	ret = precheck("{\"a\":\"x\\u0000y\"}", 64, &err);
	is_int(ret, -EINVAL, "\\u0000 in a value is refused");
	like(err.msg, "\\u0000", "the message names the escaped NUL: %s", err.msg);
	is_int(precheck("{\"a\\u0000\":\"x\"}", 64, &err), -EINVAL, "\\u0000 in a key is refused");
	is_int(precheck("{\"a\":\"\\\\u0000\"}", 64, &err), 0, "an escaped backslash before u0000 is no NUL");
	is_int(precheck("{\"a\":\"\\u0001\\u00e9\\u1000\"}", 64, &err), 0, "other \\u escapes pass");
	is_int(precheck("{\"a\":\"\\u000", 64, &err), 0, "a truncated \\u escape is left to yajl");
	is_int(json_precheck("{\"a\":1}\0[[[[", 12, "input.json", 2, &err), -EINVAL,
	       "a raw NUL byte is refused (yajl would stop reading there)");
	is_int(precheck("{\"a\":1 /* \" */ }", 64, &err), -EINVAL, "comments are refused");
	is_int(precheck("{\"a\":\"http://x/*\"}", 64, &err), 0, "slashes inside strings are fine");
	is_int(json_precheck("[[[", 2, "x", 1, &err), -EINVAL, "only @len bytes are looked at (2 of \"[[[\" > 1)");
	is_int(json_precheck("[[[", 1, "x", 1, &err), 0, "... 1 of them passes");

	/* Members per object or array: the limit, and commas inside strings or nested levels not counted. */
	{
		size_t n = JSON_MAX_MEMBERS + 1, len = 0;
		char *big = malloc(n * 2 + 8), *p = big;

		*p++ = '[';
		for (size_t i = 0; i < n; i++) {
			*p++ = i ? ',' : '0';
			if (i)
				*p++ = '0';
		}
		*p++ = ']';
		len = (size_t)(p - big);
		is_int(json_precheck(big, len, "x", 64, &err), -EINVAL, "an array of %zu members is refused", n);
		like(err.msg, "more than 65536 members", "... naming the limit");
		is_int(json_precheck(big + 2, len - 2, "x", 64, &err), 0, "exactly the limit passes");
		free(big);
	}
	is_int(precheck("{\"a\":\",,,,,,,,\",\"b\":[1,2,3]}", 64, &err), 0, "commas in strings and nested arrays");
}

int main(void)
{
	test_now_ms();
	test_read_basic();
	test_read_into();
	test_read_timeout();
	test_read_eintr(false);
	test_read_eintr(true);
	test_precheck();
	return done_testing();
}
