/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ns-threads - be a hook's parent the way runc 1.2+ is while it runs hooks: one thread
 * (here the thread-group leader) sits in the container's mount namespace, another
 * thread, in the runtime's namespace, starts the hook (issue 14).
 *
 *   ns-threads [--all] PID|@FILE -- HOOK [ARG]...
 *
 * The leader does unshare(CLONE_FS) then setns() into /proc/PID/ns/mnt, as runc's
 * mount source thread does (a thread sharing its fs_struct may not setns into a mount
 * namespace). The hook, forked by the other thread before any setns, runs in the
 * caller's namespace with stdin, stdout and stderr inherited, and is let go only once
 * the leader is in place. With --all that other thread moves too, so every thread of
 * the hook's parent is in the container's namespace (what a runtime without a mount
 * namespace of its own looks like). Exits with the hook's status (128 + signal if it
 * was killed), or 125 when this helper failed.
 *
 * With @FILE the leader first waits (up to 60 s) for FILE to hold a pid: a helper started
 * before the container, so that its pid is lower than the container's, as runc's is. With a
 * HOOK that only sleeps, that is a runtime held half way into a container for the namespace
 * scan of remount and status to come across (26-threaded-scan.bats).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HELPER_FAILED 125

static int ns_fd = -1;
/* The caller's namespace, to go home before exit (see main). */
static int home_fd = -1;
static char **hook_argv;
static bool all_threads;
/* The leader writes one byte once it is in the container's namespace. */
static int leader_ready[2];

static int enter_container_ns(const char *who)
{
	if (unshare(CLONE_FS) < 0 || setns(ns_fd, CLONE_NEWNS) < 0) {
		fprintf(stderr, "ns-threads: %s: cannot enter the container's mount namespace: %s\n", who,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void *starter(void *arg)
{
	int go[2], status;
	char c;
	pid_t child;

	(void)arg;
	if (pipe2(go, O_CLOEXEC) < 0)
		return (void *)(long)HELPER_FAILED;
	child = fork();
	if (child < 0)
		return (void *)(long)HELPER_FAILED;
	if (child == 0) {
		/* In this thread's namespace (the caller's): wait until the parent is set up. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(HELPER_FAILED);
		execv(hook_argv[0], hook_argv);
		fprintf(stderr, "ns-threads: cannot run %s: %s\n", hook_argv[0], strerror(errno));
		_exit(HELPER_FAILED);
	}
	close(go[0]);
	if (read(leader_ready[0], &c, 1) != 1 || (all_threads && enter_container_ns("starter thread") < 0)) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return (void *)(long)HELPER_FAILED;
	}
	if (write(go[1], "g", 1) != 1) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return (void *)(long)HELPER_FAILED;
	}
	close(go[1]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return (void *)(long)HELPER_FAILED;
	return (void *)(long)(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* @FILE: wait for it to hold a pid (written whole: rename it into place). Returns: the pid, or -1. */
static int pid_from_file(const char *file)
{
	const struct timespec tick = { .tv_nsec = 50 * 1000 * 1000 };

	for (int i = 0; i < 1200; i++) {
		FILE *f = fopen(file, "re");
		int pid = -1;

		if (f) {
			if (fscanf(f, "%d", &pid) != 1)
				pid = -1;
			fclose(f);
			if (pid > 0)
				return pid;
		}
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "ns-threads: %s: no pid after 60 s\n", file);
	return -1;
}

/* The namespace to enter: of PID, or of the pid @FILE will hold. */
static int open_target(const char *target)
{
	char path[64];
	int pid = target[0] == '@' ? pid_from_file(target + 1) : atoi(target);

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0) {
		fprintf(stderr, "ns-threads: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *target;
	pthread_t t;
	void *ret;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--all") == 0) {
		all_threads = true;
		i++;
	}
	if (argc - i < 3 || strcmp(argv[i + 1], "--") != 0) {
		fprintf(stderr, "usage: ns-threads [--all] PID|@FILE -- HOOK [ARG]...\n");
		return 2;
	}
	target = argv[i];
	hook_argv = &argv[i + 2];
	if (target[0] != '@' && open_target(target) < 0)
		return HELPER_FAILED;
	home_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (home_fd < 0) {
		fprintf(stderr, "ns-threads: /proc/self/ns/mnt: %s\n", strerror(errno));
		return HELPER_FAILED;
	}
	if (pipe2(leader_ready, O_CLOEXEC) < 0 || pthread_create(&t, NULL, starter, NULL) != 0) {
		fprintf(stderr, "ns-threads: cannot start the starter thread\n");
		return HELPER_FAILED;
	}
	/* Only this thread moves: the starter, and the hook it forks, keep their namespace. */
	if ((ns_fd < 0 && open_target(target) < 0) || enter_container_ns("leader") < 0)
		close(leader_ready[1]);
	else if (write(leader_ready[1], "r", 1) != 1)
		fprintf(stderr, "ns-threads: %s\n", strerror(errno));
	pthread_join(t, &ret);
	/*
	 * Home before exit: whatever runs at exit and reads /proc/self (LeakSanitizer's
	 * tracer, in the sanitizer build) would otherwise see the container's /proc, whose
	 * PID namespace does not hold this process, and abort the run.
	 */
	if (setns(home_fd, CLONE_NEWNS) < 0) {
		fprintf(stderr, "ns-threads: cannot go back to the caller's mount namespace: %s\n", strerror(errno));
		return HELPER_FAILED;
	}
	return (int)(long)ret;
}
