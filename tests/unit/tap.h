/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap.h - just enough TAP for automake's tap-driver.sh: numbered "ok"/"not ok"
 * lines, diagnostics on "#" lines, the "1..N" plan printed at the end.
 * Exit 77 (skip_all) tells automake the whole test was skipped.
 */
#ifndef LXH_TAP_H
#define LXH_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_run, tap_failed, tap_planned = -1;

static inline void plan(int n) { tap_planned = n; }

static inline __attribute__((format(printf, 2, 0))) bool tap_vok(bool cond, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* Print "# ..." lines: diagnostics, ignored by the driver. */
static inline __attribute__((format(printf, 1, 2))) void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline __attribute__((format(printf, 2, 3))) bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

static inline __attribute__((format(printf, 3, 4))) bool is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		diag("  got %lld, want %lld", got, want);
	return got == want;
}

static inline __attribute__((format(printf, 3, 4))) bool is_str(const char *got, const char *want,
								  const char *fmt, ...)
{
	bool same = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
	va_list ap;

	va_start(ap, fmt);
	tap_vok(same, fmt, ap);
	va_end(ap);
	if (!same)
		diag("  got \"%s\", want \"%s\"", got ? got : "(null)", want ? want : "(null)");
	return same;
}

/* @haystack contains @needle: for error messages, which must name the key at fault. */
static inline __attribute__((format(printf, 3, 4))) bool like(const char *haystack, const char *needle,
								const char *fmt, ...)
{
	bool found = haystack && needle && strstr(haystack, needle);
	va_list ap;

	va_start(ap, fmt);
	tap_vok(found, fmt, ap);
	va_end(ap);
	if (!found)
		diag("  \"%s\" does not contain \"%s\"", haystack ? haystack : "(null)", needle ? needle : "(null)");
	return found;
}

static inline __attribute__((noreturn)) void skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(77);
}

/* Print the plan; the exit status says whether everything passed and the count matched. */
static inline int done_testing(void)
{
	printf("1..%d\n", tap_run);
	if (tap_planned >= 0 && tap_planned != tap_run) {
		diag("planned %d tests but ran %d", tap_planned, tap_run);
		return 1;
	}
	if (tap_failed)
		diag("%d of %d tests failed", tap_failed, tap_run);
	return tap_failed ? 1 : 0;
}

/*
 * fixture_read - the contents of tests/data/@name, NUL-terminated (caller frees).
 * The directory is $TESTS_SRCDIR/data (set by `make check`), else found from
 * this file's path, which holds when a test is run by hand from the build root.
 */
static inline char *fixture_read(const char *name, size_t *len)
{
	const char *top = getenv("TESTS_SRCDIR");
	char path[4096];
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	FILE *f;

	if (top)
		snprintf(path, sizeof(path), "%s/data/%s", top, name);
	else
		snprintf(path, sizeof(path), "%.*sdata/%s", (int)(strlen(__FILE__) - strlen("unit/tap.h")), __FILE__,
			 name);
	f = fopen(path, "re");
	if (!f || !buf) {
		printf("Bail out! cannot open fixture %s\n", path);
		exit(99);
	}
	for (;;) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
		if (!buf)
			exit(99);
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

#endif
