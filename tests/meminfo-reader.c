/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meminfo-reader - a container's process that reads /proc/meminfo in a tight loop
 * (open, one read, close: tens of microseconds a round, no fork) and says what it saw,
 * for tests/integration/28-gapless-remount.bats. Linked statically: the test rootfs
 * is busybox.
 *
 *   meminfo-reader LXCFS_KB
 *
 * Each read is one of: "lxcfs" (MemTotal is LXCFS_KB, the container's limit as lxcfs
 * reports it), "error" (open or read failed: a stale lxcfs layer says ENOTCONN), or
 * "other" (any other MemTotal: the host's file). A line on stdout at every change of
 * kind ("other" with the value), and on SIGTERM the totals:
 *   reads lxcfs=N error=N other=N
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void say(const char *line)
{
	size_t len = strlen(line);

	/* stdout is a file the test reads while this runs: write(2), no stdio buffer. */
	while (len) {
		ssize_t n = write(STDOUT_FILENO, line, len);
		if (n <= 0 && errno != EINTR)
			return;
		if (n > 0) {
			line += n;
			len -= (size_t)n;
		}
	}
}

int main(int argc, char **argv)
{
	enum { LXCFS, ERROR, OTHER, NONE } last = NONE;
	unsigned long long count[3] = { 0 };
	struct sigaction sa = { .sa_handler = on_term };
	unsigned long long want;
	char buf[512], line[128];

	if (argc != 2) {
		fprintf(stderr, "usage: meminfo-reader LXCFS_KB\n");
		return 2;
	}
	want = strtoull(argv[1], NULL, 10);
	/* PID 1 of its namespace: SIGTERM is ignored unless handled. */
	sigaction(SIGTERM, &sa, NULL);
	say("start\n");
	while (!stop) {
		int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
		ssize_t n = -1;
		unsigned long long kb = 0;
		int kind;

		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
		}
		if (n > 0)
			buf[n] = '\0';
		if (n <= 0 || sscanf(buf, "MemTotal: %llu kB", &kb) != 1)
			kind = ERROR;
		else
			kind = kb == want ? LXCFS : OTHER;
		count[kind]++;
		if (kind != (int)last || kind == OTHER) {
			if (kind == OTHER)
				snprintf(line, sizeof(line), "other %llu\n", kb);
			else
				snprintf(line, sizeof(line), "%s\n", kind == LXCFS ? "lxcfs" : "error");
			/* Every host read is reported, but not a flood of them. */
			if (kind != OTHER || count[OTHER] <= 100)
				say(line);
			last = kind;
		}
	}
	snprintf(line, sizeof(line), "reads lxcfs=%llu error=%llu other=%llu\n", count[LXCFS], count[ERROR],
		 count[OTHER]);
	say(line);
	return 0;
}
