/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reaper - run a test suite and fail it when anything it started outlives it.
 *
 *   reaper [--grace SECONDS] [--warn-only] CMD [ARG]...
 *
 * reaper makes itself a child subreaper (PR_SET_CHILD_SUBREAPER), so every process CMD
 * starts stays its descendant whatever it does: a container's init whose runtime
 * exited, a daemonized containerd shim, conmon, an lxcfs started with `&`. When CMD
 * exits, whatever descendant is still alive after the grace period (default 10 s:
 * runtimes finish tearing down asynchronously) was left behind: reaper names each on
 * stdout as a TAP comment ("# reaper: left behind: PID (CMDLINE)", in the suite's log), kills
 * it, and exits 1 (--warn-only: CMD's status all the same). Otherwise it exits with CMD's
 * status (128 + N for a signal).
 *
 * tests/integration/run-bats wraps every suite in it (issue 10: a containerd sandbox's
 * `sleep 100000` once outlived the suites that started it).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 65536

static void close_dir(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

/* read_small PATH BUF SIZE: up to SIZE - 1 bytes of PATH, NUL-terminated; -1 when unreadable. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	__attribute__((cleanup(close_fd))) int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* stat_of PID: its parent and state from /proc/PID/stat (the name may hold spaces and ')'). */
static bool stat_of(pid_t pid, pid_t *ppid, char *state)
{
	char path[64], buf[1024], *p;
	int pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return false;
	if (sscanf(p + 1, " %c %d", state, &pp) != 2)
		return false;
	*ppid = (pid_t)pp;
	return true;
}

/* cmdline_of PID: its command line, arguments separated by spaces, for the report. */
static void cmdline_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_small(path, buf, size);
	if (n <= 0) {
		snprintf(buf, size, "?");
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' || !isprint((unsigned char)buf[i]))
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

/*
 * descendants: the live (not zombie) descendants of this process, into @out (at most
 * @max). Returns their number.
 */
static size_t descendants(pid_t *out, size_t max)
{
	static pid_t pids[MAX_PROCS], ppids[MAX_PROCS];
	static char states[MAX_PROCS];
	static bool mine[MAX_PROCS];
	__attribute__((cleanup(close_dir))) DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0, found = 0;
	bool grew = true;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < MAX_PROCS) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || !stat_of((pid_t)pid, &ppids[n], &states[n]))
			continue;
		pids[n] = (pid_t)pid;
		mine[n] = ppids[n] == getpid();
		n++;
	}
	/* Grow the set from our children down, until a pass adds nothing. */
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (mine[i])
				continue;
			for (size_t j = 0; j < n; j++) {
				if (mine[j] && ppids[i] == pids[j]) {
					mine[i] = grew = true;
					break;
				}
			}
		}
	}
	for (size_t i = 0; i < n && found < max; i++)
		if (mine[i] && states[i] != 'Z')
			out[found++] = pids[i];
	return found;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(int argc, char **argv)
{
	static pid_t left[MAX_PROCS];
	double grace = 10;
	bool warn_only = false;
	int argi = 1, status = 0, rc;
	size_t n = 0;
	pid_t cmd, w;

	if (argc > argi + 1 && strcmp(argv[argi], "--grace") == 0) {
		grace = atof(argv[argi + 1]);
		argi += 2;
	}
	if (argc > argi && strcmp(argv[argi], "--warn-only") == 0) {
		warn_only = true;
		argi++;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: reaper [--grace SECONDS] [--warn-only] CMD [ARG]...\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("reaper: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	cmd = fork();
	if (cmd < 0) {
		perror("reaper: fork");
		return 2;
	}
	if (cmd == 0) {
		execvp(argv[argi], argv + argi);
		fprintf(stderr, "reaper: %s: %s\n", argv[argi], strerror(errno));
		_exit(127);
	}
	/* Orphans that end while CMD runs are reaped along the way. */
	for (;;) {
		w = waitpid(-1, &status, 0);
		if (w == cmd)
			break;
		if (w < 0 && errno != EINTR) {
			perror("reaper: waitpid");
			return 2;
		}
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	for (int i = 0; i <= (int)(grace * 10); i++) {
		reap_all();
		n = descendants(left, MAX_PROCS);
		if (n == 0)
			return rc;
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		char cmdline[512];

		cmdline_of(left[i], cmdline, sizeof(cmdline));
		printf("# reaper: left behind: %d (%s)\n", (int)left[i], cmdline);
	}
	printf("# reaper: %s left %zu process(es) behind %.0f s after it ended: killed\n", argv[argi], n, grace);
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		kill(left[i], SIGKILL);
	for (int i = 0; i < 50; i++) {
		reap_all();
		if (descendants(left, MAX_PROCS) == 0)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
	}
	return rc || warn_only ? rc : 1;
}
