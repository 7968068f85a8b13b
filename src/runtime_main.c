/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime_main.c - lxcfs-oci-runtime: an OCI runtime in front of runc for engines with no
 * hooks.d (Docker). On create/run it adds lxcfs-oci-hook to an annotated bundle, then
 * execs the real runtime with the same arguments; every other command goes straight
 * through. The error, when there is one, is printed once, here.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "runc_args.h"
#include "runtime_wrap.h"
#include "util.h"

#ifndef LXH_HOOK_PATH
#define LXH_HOOK_PATH "/usr/libexec/oci/hooks.d/lxcfs-oci-hook"
#endif

#define PROG "lxcfs-oci-runtime"
/* Set for the real runtime: if it is this program again (a PATH or wrapper-script loop), stop. */
#define LOOP_GUARD "LXCFS_OCI_RUNTIME_ACTIVE"

static const char usage_text[] =
	"Usage: " PROG " [--lxcfs-OPTION=VALUE]... RUNC-ARGUMENTS...\n"
	"\n"
	"An OCI runtime for engines without hooks.d (Docker's \"runtimes\" in daemon.json,\n"
	"containerd's runc BinaryName). On `create` and `run`, when the bundle's config.json\n"
	"has the annotation io.kubernetes.container.lxcfsEnable=true, adds lxcfs-oci-hook to\n"
	"its hooks (after the hooks already there) and replaces config.json atomically; then,\n"
	"for every command, execs the real runtime with the same arguments.\n"
	"\n"
	"Options (first, before runc's; in daemon.json: \"runtimeArgs\"):\n"
	"  --lxcfs-runtime=PATH   the real runtime (default: runc from PATH, never this program)\n"
	"  --lxcfs-hook=PATH      the hook (default " LXH_HOOK_PATH ")\n"
	"  --lxcfs-hook-arg=ARG   one more argument for the hook, e.g. --lxcfs-hook-arg=--lxcfs-root=DIR\n"
	"                         (repeatable)\n"
	"  --lxcfs-help           this help\n"
	"\n"
	"Exit status: the real runtime's; 1 when the bundle cannot be prepared or the real\n"
	"runtime cannot be found (said on stderr and in runc's --log file); 2 usage error.\n"
	"\n"
	"See lxcfs-oci-runtime(8).\n";

/* runc --log: where the engine looks for the reason of a failed create (containerd's shim reads it). */
static void log_to_runc_log(const struct runc_call *call, const char *msg)
{
	cleanup_file FILE *f = NULL;
	char when[64];
	struct tm tm;
	time_t now = time(NULL);

	if (!call->log_path || !(f = fopen(call->log_path, "ae")))
		return;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (call->log_json) {
		/* yajl's generator: the message may hold quotes or bytes JSON must escape. */
		yajl_gen g = yajl_gen_alloc(NULL);
		const char *kv[] = { "level", "error", "msg", msg, "time", when };
		const unsigned char *buf;
		size_t len;

		if (!g)
			return;
		yajl_gen_map_open(g);
		for (size_t i = 0; i < ARRAY_SIZE(kv); i++)
			yajl_gen_string(g, (const unsigned char *)kv[i], strlen(kv[i]));
		yajl_gen_map_close(g);
		if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
			fprintf(f, "%.*s\n", (int)len, (const char *)buf);
		yajl_gen_free(g);
	} else {
		fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", when, msg);
	}
}

static int fail(const struct runc_call *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const struct runc_call *call, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": %s\n", msg);
	log_to_runc_log(call, msg);
	return 1;
}

/* Our options: "--lxcfs-NAME=VALUE", all before runc's. Returns: how many, or -1 after a usage error. */
static int parse_own(int argc, char **argv, struct wrap_options *o)
{
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--lxcfs-", 8) == 0; i++) {
		const char *a = argv[i] + 8, *eq = strchr(a, '=');
		const char *v = eq ? eq + 1 : NULL;
		size_t n = eq ? (size_t)(eq - a) : strlen(a);

		if (n == 4 && strncmp(a, "help", 4) == 0 && !v) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (!v || !*v) {
			fprintf(stderr, PROG ": %s needs a value: --lxcfs-NAME=VALUE\nTry '" PROG " --lxcfs-help'.\n",
				argv[i]);
			return -1;
		}
		if (n == 7 && strncmp(a, "runtime", 7) == 0) {
			o->runtime = v;
		} else if (n == 4 && strncmp(a, "hook", 4) == 0) {
			if (v[0] != '/') {
				fprintf(stderr, PROG ": --lxcfs-hook takes an absolute path, not '%s'\n", v);
				return -1;
			}
			o->hook_path = v;
		} else if (n == 8 && strncmp(a, "hook-arg", 8) == 0) {
			if (o->n_hook_args == WRAP_MAX_HOOK_ARGS) {
				fprintf(stderr, PROG ": at most %d --lxcfs-hook-arg options\n", WRAP_MAX_HOOK_ARGS);
				return -1;
			}
			o->hook_args[o->n_hook_args++] = v;
		} else {
			fprintf(stderr, PROG ": unknown option %s\nTry '" PROG " --lxcfs-help'.\n", argv[i]);
			return -1;
		}
	}
	return i - 1;
}

int main(int argc, char **argv)
{
	struct wrap_options o = { .hook_path = LXH_HOOK_PATH };
	struct lxh_error err = { 0 };
	struct runc_call call;
	cleanup_free char *runtime = NULL;
	char **rargv;
	int own, rargc;

	own = parse_own(argc, argv, &o);
	if (own < 0)
		return 2;
	rargv = argv + 1 + own;
	rargc = argc - 1 - own;
	runc_args_parse(rargc, rargv, &call);

	if (getenv(LOOP_GUARD))
		return fail(&call, "started again by the runtime it ran (%s=%s): the real runtime must not be "
				   "this program; name it with --lxcfs-runtime=PATH",
			    LOOP_GUARD, getenv(LOOP_GUARD));
	/* Found first: a missing runtime must fail before the bundle is touched. */
	if (wrap_find_runtime(o.runtime, &runtime, &err) < 0)
		return fail(&call, "%s", err.msg);

	if (runc_command_creates(call.command)) {
		char bundle[PATH_MAX];
		bool added = false;

		/* runc's default bundle is the working directory; relative ones are from there. */
		if (!call.bundle || call.bundle[0] != '/') {
			char cwd[PATH_MAX];

			if (!getcwd(cwd, sizeof(cwd)))
				return fail(&call, "cannot read the working directory: %s", strerror(errno));
			if (strnprintf(bundle, sizeof(bundle), "%s/%s", cwd, call.bundle ? call.bundle : ".") < 0)
				return fail(&call, "bundle path too long");
		} else if (strnprintf(bundle, sizeof(bundle), "%s", call.bundle) < 0) {
			return fail(&call, "bundle path too long");
		}
		if (wrap_edit_bundle(bundle, &o, &added, &err) < 0)
			return fail(&call, "%s", err.msg);
	}

	if (setenv(LOOP_GUARD, runtime, 1) < 0)
		return fail(&call, "setenv: %s", strerror(errno));
	/* argv[0] is the runtime's own path; the rest is exactly what we were given. */
	rargv[-1] = runtime;
	execv(runtime, rargv - 1);
	return fail(&call, "cannot execute the real runtime %s: %s", runtime, strerror(errno));
}
