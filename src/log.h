/* SPDX-License-Identifier: Apache-2.0 */
/* log.h - one line per decision, each naming the program and the container. */
#ifndef LXH_LOG_H
#define LXH_LOG_H

#include <errno.h>
#include <stdbool.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Returns: 0, or -EINVAL for an unknown name. */
int log_level_parse(const char *name, enum log_level *out);

/*
 * @all_to_syslog: --syslog, every line at or above @level also goes to syslog.
 * Without it, warnings and errors still go to syslog: runc drops a successful
 * hook's stderr, so a warning printed there alone would reach nobody.
 * @log_file: append every line there too (NULL: none).
 */
void log_init(enum log_level level, bool all_to_syslog, const char *log_file);
/*
 * Name the container in every later line: a generated id (64 hex digits) by its first 12, any
 * other id whole up to 64 characters, then "...". NULL: none.
 */
void log_set_container(const char *id);
bool log_enabled(enum log_level level);

/* @errnum > 0 appends ": strerror(errnum)". */
void log_msg(enum log_level level, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * log_in_worker - this process is a worker (true; worker.c), or is the parent again (false).
 * Meanwhile log_msg writes each line to stderr alone, a pipe to the parent.
 */
void log_in_worker(bool running);
/* log_forwarded - one line a worker wrote (no newline): on to stderr, the log file and syslog. */
void log_forwarded(const char *line);

#define log_error(...) log_msg(LOG_LVL_ERROR, 0, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, 0, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, 0, __VA_ARGS__)
#define log_debug(...)                                          \
	do {                                                    \
		if (log_enabled(LOG_LVL_DEBUG))                 \
			log_msg(LOG_LVL_DEBUG, 0, __VA_ARGS__); \
	} while (0)
/* The errno kind: only right after a failed syscall. */
#define plog_warn(...) log_msg(LOG_LVL_WARN, errno, __VA_ARGS__)
#define plog_error(...) log_msg(LOG_LVL_ERROR, errno, __VA_ARGS__)

#endif
