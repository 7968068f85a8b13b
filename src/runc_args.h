/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runc_args.h - what lxcfs-oci-runtime needs from a runc command line, read without
 * changing it: the command, the bundle of create/run, runc's --log file. Pure.
 */
#ifndef LXH_RUNC_ARGS_H
#define LXH_RUNC_ARGS_H

#include <stdbool.h>

struct runc_call {
	const char *command;  /* "create", "start", ... or NULL (runc --version) */
	const char *bundle;   /* create/run: --bundle/-b, else NULL (runc's default: the cwd) */
	const char *log_path; /* global --log, or NULL */
	bool log_json;        /* global --log-format json */
};

/*
 * runc_args_parse - read @argv[0..@argc) (runc's arguments, the program name excluded).
 * Flags are taken as runc's CLI takes them: one or two dashes, "--flag value" or
 * "--flag=value"; the global flags before the command, the command's after it.
 */
void runc_args_parse(int argc, char *const *argv, struct runc_call *out);

/* Does @cmd create a container from a bundle (runc create / runc run)? */
bool runc_command_creates(const char *cmd);

#endif
