/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - command line: pick the command, parse its options, print the error once. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basespec.h"
#include "caps.h"
#include "hook.h"
#include "invoke.h"
#include "io.h"
#include "log.h"
#include "remount.h"
#include "statmount.h"
#include "status.h"
#include "util.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

static const char usage_text[] =
	"Usage: lxcfs-oci-hook [hook] [OPTION]...\n"
	"       lxcfs-oci-hook remount [--lxcfs-root DIR] [--wait SECONDS] [--pid PID]...\n"
	"                      [--adopt] [--state-root DIR]... [--dry-run] [--timeout SECONDS]\n"
	"                      [--repair-order auto|detach-first]\n"
	"       lxcfs-oci-hook status [--json] [--lxcfs-root DIR] [--timeout SECONDS]\n"
	"                     [--state-root DIR]...\n"
	"       lxcfs-oci-hook base-spec [--hook-path PATH] [--input FILE] [-- HOOK_OPTION...]\n"
	"       lxcfs-oci-hook invoke   (NRI v0.1 plugin for containerd 1.5/1.6 only: request on stdin)\n"
	"\n"
	"OCI hook that bind-mounts lxcfs files over a container's /proc and /sys files,\n"
	"read-only, when the container is annotated io.kubernetes.container.lxcfsEnable=true.\n"
	"Reads the OCI state JSON on stdin. Register it at createRuntime, prestart or poststart.\n"
	"\n"
	"Options:\n"
	"  --lxcfs-root DIR          lxcfs mount point, a fuse.lxcfs mount made by root\n"
	"                            (default: root's fuse.lxcfs mount at /var/lib/lxcfs,\n"
	"                            else /var/lib/lxc/lxcfs, else any)\n"
	"  --default on|off          act on containers without the annotation (default off)\n"
	"  --on-missing ignore|fail  lxcfs not mounted or not answering: start the container\n"
	"                            without lxcfs files and warn, or refuse it (default ignore)\n"
	"  --timeout SECONDS         deadline for the whole run, lxcfs included (default 10);\n"
	"                            a worker stuck on a hung lxcfs is then killed, what it\n"
	"                            mounted undone, and the hook exits within 1 s more\n"
	"  --state-root DIR          crun state directory holding its copy of config.json,\n"
	"                            used only when the state's bundle is \"/\" (crun 1.21-1.29;\n"
	"                            default: the runtime's --root, then /run/crun; up to 16)\n"
	"  --mount-api auto|legacy   legacy forces the classic bind path used on kernels\n"
	"                            without open_tree/move_mount (default auto)\n"
	"  --log-level LEVEL         error, warn, info or debug (default warn)\n"
	"  --log-file FILE           also append every log line to FILE\n"
	"  --syslog                  send every log line to syslog (warnings and errors always go)\n"
	"  -h, --help                show this help\n"
	"  -V, --version             show the version\n"
	"\n"
	"Annotations:\n"
	"  io.kubernetes.container.lxcfsEnable  true/false (also 1/0, yes/no, on/off)\n"
	"  io.kubernetes.container.lxcfsFiles   comma-separated files to mount, from:\n"
	"      /proc/{cpuinfo,diskstats,loadavg,meminfo,slabinfo,stat,swaps,uptime},\n"
	"      /proc/pressure/{cpu,io,memory}, /sys/devices/system/cpu/online,\n"
	"      /sys/devices/system/cpu (the whole directory; only when named)\n"
	"\n"
	"Exit status: 0 mounted or nothing to do; 1 the container must not start;\n"
	"2 usage error.\n"
	"\n"
	"remount: after lxcfs restarted, replace every stale (its lxcfs gone) or stacked lxcfs\n"
	"mount in every running container with one fresh read-only mount of the live lxcfs\n"
	"file. Mounts of another lxcfs that answers, or does not answer in time, are left alone.\n"
	"  --wait SECONDS     wait up to SECONDS for a live lxcfs first (default 0)\n"
	"  --pid PID          only the mount namespace of PID (repeatable)\n"
	"  --adopt            also mount lxcfs into runc/crun containers annotated true that\n"
	"                     have no lxcfs mounts (started while lxcfs was down)\n"
	"  --state-root DIR   another runtime state directory, an absolute path, to name\n"
	"                     containers and for --adopt (up to 16; /run/runc, /run/crun and Docker's\n"
	"                     /run/docker/runtime-runc/moby are always read; a dockerd with\n"
	"                     --exec-root DIR keeps its containers in DIR/runtime-runc/moby)\n"
	"  --dry-run          report what would change, change nothing\n"
	"  --timeout SECONDS  deadline for the run after --wait (default 60; ends within 1 s more)\n"
	"  --repair-order auto|detach-first\n"
	"                     auto: slide the fresh file under the stale one, then detach\n"
	"                     the stale one (MOVE_MOUNT_BENEATH, Linux 6.5+), so readers never\n"
	"                     see the host's file; where the kernel lacks or refuses that,\n"
	"                     detach first, then attach. detach-first forces the latter.\n"
	"  Exit status: 0 all repaired (or nothing needed it); 1 anything failed or no live\n"
	"  lxcfs; 2 usage error. The log options above apply.\n"
	"\n"
	"status: the live lxcfs mount and every mount namespace with lxcfs mounts, each ok,\n"
	"foreign (another lxcfs that answers: left alone), stale (its lxcfs is gone), stacked\n"
	"or unresponsive (its lxcfs did not answer in time: left alone).\n"
	"  --json             one JSON document instead of a table\n"
	"  --timeout SECONDS  deadline for asking each lxcfs mount whether it answers\n"
	"                     (default 10; ends within 1 s more)\n"
	"  --state-root DIR   as for remount: where to find the containers' ids\n"
	"  Exit status: 0 all ok or foreign; 1 any stale, stacked or unresponsive; 2 usage error.\n"
	"\n"
	"base-spec: containerd 1.7/2.x. Reads an OCI spec (containerd's default: `ctr oci spec`) and\n"
	"  prints it with this hook added to hooks.createRuntime, every other field kept, for the\n"
	"  runtime handler's base_runtime_spec. containerd reads that file only when it starts, and\n"
	"  it is frozen: make it again after every containerd upgrade.\n"
	"  --hook-path PATH   the hook binary as runc/crun will run it (default " LXH_HOOK_PATH ")\n"
	"  --input FILE       the spec to start from (default: stdin)\n"
	"  -- HOOK_OPTION...  options the hook is run with (e.g. --lxcfs-root DIR)\n"
	"  Running it on its own output replaces our entry instead of adding a second one.\n"
	"\n"
	"invoke: containerd 1.5/1.6 only (NRI v0.1; 1.7 and 2.x no longer run v0.1 plugins for\n"
	"  application containers: use base-spec). The plugin's conf object takes the hook's options\n"
	"  by name: lxcfs-root, default, on-missing, timeout, log-level. Install as\n"
	"  /opt/nri/bin/lxcfs-oci-hook (never name the plugin type lxcfs: containerd would run the daemon).\n"
	"\n"
	"See lxcfs-oci-hook(8).\n";

enum {
	OPT_LXCFS_ROOT = 256,
	OPT_DEFAULT,
	OPT_ON_MISSING,
	OPT_TIMEOUT,
	OPT_MOUNT_API,
	OPT_LOG_LEVEL,
	OPT_LOG_FILE,
	OPT_SYSLOG,
	OPT_WAIT,
	OPT_PID,
	OPT_ADOPT,
	OPT_STATE_ROOT,
	OPT_DRY_RUN,
	OPT_REPAIR_ORDER,
	OPT_JSON,
	OPT_HOOK_PATH,
	OPT_INPUT,
};

static const struct option base_spec_longopts[] = {
	{ "hook-path", required_argument, NULL, OPT_HOOK_PATH },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option remount_longopts[] = {
	{ "lxcfs-root", required_argument, NULL, OPT_LXCFS_ROOT },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "adopt", no_argument, NULL, OPT_ADOPT },
	{ "state-root", required_argument, NULL, OPT_STATE_ROOT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "repair-order", required_argument, NULL, OPT_REPAIR_ORDER },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "mount-api", required_argument, NULL, OPT_MOUNT_API },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option status_longopts[] = {
	{ "lxcfs-root", required_argument, NULL, OPT_LXCFS_ROOT },
	{ "state-root", required_argument, NULL, OPT_STATE_ROOT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option hook_longopts[] = {
	{ "lxcfs-root", required_argument, NULL, OPT_LXCFS_ROOT },
	{ "state-root", required_argument, NULL, OPT_STATE_ROOT },
	{ "default", required_argument, NULL, OPT_DEFAULT },
	{ "on-missing", required_argument, NULL, OPT_ON_MISSING },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "mount-api", required_argument, NULL, OPT_MOUNT_API },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct common_options {
	enum log_level level;
	bool syslog;
	const char *log_file;
	int timeout_s;
};

static __attribute__((format(printf, 1, 2))) int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("lxcfs-oci-hook: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'lxcfs-oci-hook --help'.\n", stderr);
	return EXIT_USAGE;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_seconds(const char *s, int *out)
{
	long v;

	if (parse_long(s, 1, 3600, &v) < 0)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/*
 * The options hook and remount share. Returns: 0 when @c was one of them, -1 when it
 * is not, EXIT_USAGE after printing a usage error.
 */
static int common_opt(int c, const char *arg, struct common_options *co, bool *legacy_mount)
{
	switch (c) {
	case OPT_TIMEOUT:
		if (parse_seconds(arg, &co->timeout_s) < 0)
			return usage_error("--timeout takes whole seconds from 1 to 3600, not '%s'", arg);
		return 0;
	case OPT_MOUNT_API:
		if (strcmp(arg, "auto") && strcmp(arg, "legacy"))
			return usage_error("--mount-api takes auto or legacy, not '%s'", arg);
		*legacy_mount = strcmp(arg, "legacy") == 0;
		return 0;
	case OPT_LOG_LEVEL:
		if (log_level_parse(arg, &co->level) < 0)
			return usage_error("--log-level takes error, warn, info or debug, not '%s'", arg);
		return 0;
	case OPT_LOG_FILE:
		co->log_file = arg;
		return 0;
	case OPT_SYSLOG:
		co->syslog = true;
		return 0;
	default:
		return -1;
	}
}

/* LXCFS_OCI_HOOK_MOUNT_API=legacy: the default of --mount-api, for test suites and old kernels. */
static bool legacy_from_env(void)
{
	const char *v = getenv("LXCFS_OCI_HOOK_MOUNT_API");

	return v && strcmp(v, "legacy") == 0;
}

/*
 * Runtimes keep state in a few directories: a longer list is a mistake. The lists live on the
 * stack, untouched unless given, not in .bss, where they pushed the hook's few hot globals
 * onto a page of their own (one more page fault on every run).
 */
#define MAX_STATE_ROOTS 16
#define MAX_PIDS 256

/*
 * An option naming a path: absolute, since the hook's working directory is whatever the
 * runtime's was. 0 with *dest set, or the usage error's exit status.
 */
static int take_absolute(const char *option, const char *arg, const char **dest)
{
	if (arg[0] != '/')
		return usage_error("%s takes an absolute path, not '%s'", option, arg);
	*dest = arg;
	return 0;
}

/*
 * --state-root DIR, for the hook, remount and status alike: absolute (take_absolute).
 * 0, or the usage error's exit status.
 */
static int add_state_root(const char **roots, size_t *n, const char *arg)
{
	int rc;

	if (*n == MAX_STATE_ROOTS)
		return usage_error("at most %d --state-root options", MAX_STATE_ROOTS);
	if ((rc = take_absolute("--state-root", arg, &roots[*n])) == 0)
		(*n)++;
	return rc;
}

static int cmd_remount(int argc, char **argv, int64_t start_ms)
{
	struct remount_options opt = { 0 };
	struct common_options common = { .level = LOG_LVL_WARN, .timeout_s = 60 };
	pid_t pids[MAX_PIDS];
	const char *roots[MAX_STATE_ROOTS];
	struct lxh_error err = { 0 };
	long v;
	int c, rc;

	opt.pids = pids;
	opt.state_roots = roots;
	opt.legacy_mount = legacy_from_env();
	while ((c = getopt_long(argc, argv, "h", remount_longopts, NULL)) != -1) {
		if ((rc = common_opt(c, optarg, &common, &opt.legacy_mount)) >= 0) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case OPT_LXCFS_ROOT:
			if ((rc = take_absolute("--lxcfs-root", optarg, &opt.lxcfs_root)) != 0)
				return rc;
			break;
		case OPT_WAIT:
			if (parse_long(optarg, 0, 3600, &v) < 0)
				return usage_error("--wait takes whole seconds from 0 to 3600, not '%s'", optarg);
			opt.wait_s = (int)v;
			break;
		case OPT_PID:
			if (parse_long(optarg, 1, INT_MAX, &v) < 0)
				return usage_error("--pid takes a process id, not '%s'", optarg);
			if (opt.n_pids == MAX_PIDS)
				return usage_error("at most %d --pid options", MAX_PIDS);
			pids[opt.n_pids++] = (pid_t)v;
			break;
		case OPT_ADOPT:
			opt.adopt = true;
			break;
		case OPT_STATE_ROOT:
			if ((rc = add_state_root(roots, &opt.n_state_roots, optarg)) != 0)
				return rc;
			break;
		case OPT_DRY_RUN:
			opt.dry_run = true;
			break;
		case OPT_REPAIR_ORDER:
			if (strcmp(optarg, "auto") && strcmp(optarg, "detach-first"))
				return usage_error("--repair-order takes auto or detach-first, not '%s'", optarg);
			opt.detach_first = strcmp(optarg, "detach-first") == 0;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("%s", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	opt.timeout_s = common.timeout_s;
	/* One deadline for the whole run: the wait for lxcfs, then the work. */
	opt.deadline_ms = start_ms + (int64_t)(opt.wait_s + common.timeout_s) * 1000;
	log_init(common.level, common.syslog, common.log_file);
	if (opt.legacy_mount)
		sm_disable();
	if (caps_drop(&err) < 0 || (rc = remount_run(&opt, &err)) < 0) {
		log_error("remount: %s", err.msg);
		return EXIT_REFUSED;
	}
	return rc;
}

static int cmd_status(int argc, char **argv, int64_t start_ms)
{
	enum log_level level = LOG_LVL_WARN;
	const char *root = NULL;
	const char *state_roots[MAX_STATE_ROOTS];
	size_t n_state_roots = 0;
	struct lxh_error err = { 0 };
	bool json = false;
	int c, rc, timeout_s = 10;

	while ((c = getopt_long(argc, argv, "h", status_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LXCFS_ROOT:
			if ((rc = take_absolute("--lxcfs-root", optarg, &root)) != 0)
				return rc;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(optarg, &timeout_s) < 0)
				return usage_error("--timeout takes whole seconds from 1 to 3600, not '%s'", optarg);
			break;
		case OPT_STATE_ROOT:
			if ((rc = add_state_root(state_roots, &n_state_roots, optarg)) != 0)
				return rc;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &level) < 0)
				return usage_error("--log-level takes error, warn, info or debug, not '%s'", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("%s", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	log_init(level, false, NULL);
	if (caps_drop(&err) < 0 ||
	    (rc = status_run(root, state_roots, n_state_roots, json, start_ms + (int64_t)timeout_s * 1000, &err)) < 0) {
		log_error("status: %s", err.msg);
		return EXIT_REFUSED;
	}
	return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read the spec from @input (NULL or "-": stdin), write it with our hook to stdout. */
static int base_spec_run(const char *input, const struct basespec_hook *hook, struct lxh_error *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *in = NULL, *out = NULL;
	size_t in_len, out_len;
	int rc;

	if (input && strcmp(input, "-") != 0) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return lxh_error_errno(err, "cannot open %s", input);
	}
	rc = read_fd_bounded(fd >= 0 ? fd : STDIN_FILENO, fd >= 0 ? input : "stdin", 16u << 20, -1, &in, &in_len, err);
	if (rc < 0)
		return rc;
	rc = basespec_add_hook(in, in_len, hook, &out, &out_len, err);
	if (rc < 0)
		return rc;
	if (write_all(STDOUT_FILENO, out, out_len) < 0)
		return lxh_error_errno(err, "cannot write the spec to stdout");
	return 0;
}

static int cmd_base_spec(int argc, char **argv)
{
	struct basespec_hook hook = { .path = LXH_HOOK_PATH };
	const char *input = NULL;
	struct lxh_error err = { 0 };
	int c, rc;

	/* '+': stop at the first non-option; the hook's own options come after "--". */
	while ((c = getopt_long(argc, argv, "+h", base_spec_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HOOK_PATH:
			if ((rc = take_absolute("--hook-path", optarg, &hook.path)) != 0)
				return rc;
			break;
		case OPT_INPUT:
			input = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("%s", "invalid option");
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return usage_error("unexpected argument '%s' (the hook's options go after --)", argv[optind]);
	hook.args = (const char *const *)argv + optind;
	hook.n_args = (size_t)(argc - optind);

	log_init(LOG_LVL_WARN, false, NULL);
	if (base_spec_run(input, &hook, &err) < 0) {
		log_error("base-spec: %s", err.msg);
		return EXIT_REFUSED;
	}
	return 0;
}

static int cmd_hook(int argc, char **argv, int64_t start_ms)
{
	struct hook_options opt = { .def = DEFAULT_OFF };
	struct common_options common = { .level = LOG_LVL_WARN, .timeout_s = 10 };
	const char *roots[MAX_STATE_ROOTS];
	struct lxh_error err = { 0 };
	int c;

	opt.legacy_mount = legacy_from_env();
	/* Without options (hooks.d passes none) getopt_long would be the only use of its page of libc. */
	while (argc > 1 && (c = getopt_long(argc, argv, "hV", hook_longopts, NULL)) != -1) {
		int rc = common_opt(c, optarg, &common, &opt.legacy_mount);

		if (rc >= 0) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case OPT_LXCFS_ROOT:
			if ((rc = take_absolute("--lxcfs-root", optarg, &opt.lxcfs_root)) != 0)
				return rc;
			break;
		case OPT_DEFAULT:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return usage_error("--default takes on or off, not '%s'", optarg);
			opt.def = strcmp(optarg, "on") == 0 ? DEFAULT_ON : DEFAULT_OFF;
			break;
		case OPT_ON_MISSING:
			if (strcmp(optarg, "ignore") && strcmp(optarg, "fail"))
				return usage_error("--on-missing takes ignore or fail, not '%s'", optarg);
			opt.on_missing_fail = strcmp(optarg, "fail") == 0;
			break;
		case OPT_STATE_ROOT:
			if ((rc = add_state_root(roots, &opt.n_state_roots, optarg)) != 0)
				return rc;
			opt.state_roots = roots;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			puts("lxcfs-oci-hook " LXH_VERSION);
			return 0;
		default:
			return usage_error("%s", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	log_init(common.level, common.syslog, common.log_file);
	opt.deadline_ms = start_ms + (int64_t)common.timeout_s * 1000;

	/* Before reading any input: keep only what the mount work needs. */
	if (opt.legacy_mount)
		sm_disable();
	if (caps_drop(&err) < 0 || hook_run(&opt, STDIN_FILENO, &err) < 0) {
		log_error("%s", err.msg);
		return EXIT_REFUSED;
	}
	return 0;
}

/*
 * Descriptors beyond stdio that the runtime let us inherit are not ours to keep: a worker
 * stuck in the kernel would hold them for as long as lxcfs does not answer (CVE-2024-21626
 * is what a leaked descriptor can do). close_range (5.9) is one system call.
 */
static void close_inherited_fds(void)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}

int main(int argc, char **argv)
{
	int64_t start_ms = now_ms();
	const char *cmd = argc > 1 ? argv[1] : NULL;

	close_inherited_fds();
	/* A reader that went away (a runtime killed mid-hook) is an error to report, not a death. */
	signal(SIGPIPE, SIG_IGN);

	if (!cmd || cmd[0] == '-')
		return cmd_hook(argc, argv, start_ms);
	if (strcmp(cmd, "hook") == 0)
		return cmd_hook(argc - 1, argv + 1, start_ms);
	if (strcmp(cmd, "invoke") == 0) {
		const char *slash = strrchr(argv[0], '/');
		if (argc > 2)
			return usage_error("invoke takes no arguments: containerd passes everything on stdin");
		return invoke_run(slash ? slash + 1 : argv[0], start_ms);
	}
	if (strcmp(cmd, "remount") == 0)
		return cmd_remount(argc - 1, argv + 1, start_ms);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(argc - 1, argv + 1, start_ms);
	if (strcmp(cmd, "base-spec") == 0)
		return cmd_base_spec(argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	return usage_error("unknown command '%s'", cmd);
}
