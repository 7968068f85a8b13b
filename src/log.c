/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define PROGRAM "lxcfs-oci-hook"

static enum log_level current_level = LOG_LVL_WARN;
static bool syslog_all;
static int log_file_fd = -1;
/* The id as logged: up to ID_SHOWN characters, and ID_CUT when it had more. */
#define ID_SHOWN 64
#define ID_CUT "..."
static char container[ID_SHOWN + sizeof(ID_CUT)];

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_init(enum log_level level, bool all_to_syslog, const char *log_file)
{
	current_level = level;
	syslog_all = all_to_syslog;
	openlog(PROGRAM, LOG_PID, LOG_DAEMON);
	if (log_file) {
		if (log_file_fd >= 0)
			close(log_file_fd);
		log_file_fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (log_file_fd < 0)
			fprintf(stderr, PROGRAM ": warn: cannot open log file %s: %s\n", log_file, strerror(errno));
	}
}

/* A runtime's generated id, 64 hex digits (Docker, containerd, CRI-O, podman). */
static bool is_generated_id(const char *id)
{
	size_t n = 0;

	/* A loop, not strspn(): on the unannotated path that would fault in a page of libc. */
	while ((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f'))
		n++;
	return n == 64 && id[n] == '\0';
}

void log_set_container(const char *id)
{
	/*
	 * A generated id is shortened to its first 12 digits, as `docker ps`, `crictl ps` and
	 * `podman ps` show it; any other id is a name somebody chose (runc run NAME, a pod's
	 * container name): it is shown whole, since a cut name may be another container's.
	 */
	size_t shown = ID_SHOWN, i = 0;

	if (id && is_generated_id(id))
		shown = 12;
	/* Only printable characters: the id comes from untrusted input and ends up in logs. */
	for (; id && id[i] && i < shown; i++)
		container[i] = (id[i] > 0x20 && id[i] < 0x7f) ? id[i] : '?';
	if (id && id[i] && shown == ID_SHOWN) {
		memcpy(container + i, ID_CUT, sizeof(ID_CUT)); /* said, never silently cut */
		return;
	}
	container[i] = '\0';
}

bool log_enabled(enum log_level level) { return level <= current_level; }

/*
 * Set in a worker (worker.c): its lines go to its stderr, a pipe, and nowhere else; the
 * parent logs them (log_forwarded). So no line is ever logged from inside a container's
 * mount namespace (the container's /dev/log, its /etc/localtime), and a worker that shares
 * the parent's memory neither takes syslog()'s lock nor links the log file's dprintf() FILE
 * into libc's list, which a worker killed in either would leave to the parent half done.
 */
static volatile bool in_worker;

void log_in_worker(bool running) { in_worker = running; }

/* One formatted line to stderr, the log file and (warnings and errors, or all with --syslog) syslog. */
static void emit(enum log_level level, const char *line)
{
	static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (in_worker) {
		/* One write(2) of a line formatted on the stack: no lock, no allocation. */
		char out[4096];
		int len = snprintf(out, sizeof(out), PROGRAM ": %s\n", line);

		if (len > 0 && (size_t)len >= sizeof(out)) {
			len = (int)sizeof(out) - 1; /* cut, still a line of its own */
			out[len - 1] = '\n';
		}
		if (len > 0 && write(STDERR_FILENO, out, (size_t)len) < 0) {
			/* the parent is gone: nobody to tell */
		}
		return;
	}
	fprintf(stderr, PROGRAM ": %s\n", line);
	if (log_file_fd >= 0) {
		/* A file has no collector to stamp it: lines carry their own UTC time and pid. */
		char stamp[32] = "";
		struct timespec ts;
		struct tm tm;

		if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm))
			strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
		dprintf(log_file_fd, "%s" PROGRAM "[%d]: %s\n", stamp, (int)getpid(), line);
	}
	if (syslog_all || level <= LOG_LVL_WARN)
		syslog(syslog_prio[level], "%s", line);
}

void log_msg(enum log_level level, int errnum, const char *fmt, ...)
{
	char line[2048];
	int n, saved = errno;

	if (!log_enabled(level))
		return;
	n = snprintf(line, sizeof(line), "%s: ", level_names[level]);
	if (container[0] && n >= 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, "container %s: ", container);
	if (n >= 0 && (size_t)n < sizeof(line)) {
		va_list ap;

		va_start(ap, fmt);
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	if (errnum > 0 && n >= 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(errnum));

	emit(level, line);
	errno = saved;
}

void log_forwarded(const char *line)
{
	static const char prefix[] = PROGRAM ": ";
	const char *rest = line;

	if (strncmp(rest, prefix, sizeof(prefix) - 1) == 0)
		rest += sizeof(prefix) - 1;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		size_t len = strlen(level_names[i]);

		if (strncmp(rest, level_names[i], len) == 0 && rest[len] == ':') {
			emit((enum log_level)i, rest);
			return;
		}
	}
	/* Not one of ours (a libc message, say): stderr only, as the worker wrote it. */
	fprintf(stderr, "%s\n", line);
}
