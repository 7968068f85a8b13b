/* SPDX-License-Identifier: Apache-2.0 */
/* test-policy.c - the lxfiles table, annotation values and the decision table. */
#include "config.h"

#include <errno.h>

#include "policy.h"
#include "tap.h"
#include "util.h"

#define ALL_PROC                                                                                           \
	(LXF_BIT(LXF_PROC_CPUINFO) | LXF_BIT(LXF_PROC_DISKSTATS) | LXF_BIT(LXF_PROC_LOADAVG) |            \
	 LXF_BIT(LXF_PROC_MEMINFO) | LXF_BIT(LXF_PROC_SLABINFO) | LXF_BIT(LXF_PROC_STAT) |                \
	 LXF_BIT(LXF_PROC_SWAPS) | LXF_BIT(LXF_PROC_UPTIME) | LXF_BIT(LXF_PROC_PRESSURE_CPU) |             \
	 LXF_BIT(LXF_PROC_PRESSURE_IO) | LXF_BIT(LXF_PROC_PRESSURE_MEMORY))
#define DEFAULT_MASK (ALL_PROC | LXF_BIT(LXF_SYS_CPU_ONLINE))

static void test_table(void)
{
	bool sound = true;

	for (int i = 0; i < LXF_COUNT; i++) {
		const struct lxfile *f = &lxfiles[i];
		const char *fsroot = f->fs == LXF_FS_PROC ? "/proc/" : "/sys/";

		if ((int)f->id != i || strcmp(f->source, f->target + 1) != 0 ||
		    strncmp(f->target, fsroot, strlen(fsroot)) != 0 || strcmp(f->fs_rel, f->target + strlen(fsroot)) != 0) {
			diag("lxfiles[%d] is inconsistent: %s %s %s", i, f->target, f->source, f->fs_rel);
			sound = false;
		}
	}
	ok(sound, "every entry: id in order, source = target without '/', fs_rel beneath /proc or /sys");
	is_str(lxfiles[LXF_PROC_MEMINFO].target, "/proc/meminfo", "meminfo target");
	is_str(lxfiles[LXF_PROC_MEMINFO].fs_rel, "meminfo", "meminfo fs_rel");
	is_str(lxfiles[LXF_PROC_PRESSURE_CPU].fs_rel, "pressure/cpu", "pressure/cpu fs_rel");
	is_str(lxfiles[LXF_SYS_CPU_ONLINE].source, "sys/devices/system/cpu/online", "cpu/online source");
	is_str(lxfiles[LXF_SYS_CPU_ONLINE].fs_rel, "devices/system/cpu/online", "cpu/online fs_rel");
	is_str(lxfiles[LXF_SYS_CPU].target, "/sys/devices/system/cpu", "cpu directory target");
	ok(lxfiles[LXF_SYS_CPU].is_dir && !lxfiles[LXF_SYS_CPU].in_default, "the cpu directory: a directory, not default");
	ok(lxfiles[LXF_PROC_SWAPS].fs == LXF_FS_PROC && lxfiles[LXF_SYS_CPU].fs == LXF_FS_SYS, "fs kinds");

	lxfile_mask def = 0, dirs = 0;
	for (int i = 0; i < LXF_COUNT; i++) {
		if (lxfiles[i].in_default)
			def |= LXF_BIT(i);
		if (lxfiles[i].is_dir)
			dirs |= LXF_BIT(i);
	}
	is_int(def, DEFAULT_MASK, "default: every /proc file and cpu/online");
	is_int(dirs, LXF_BIT(LXF_SYS_CPU), "only the cpu directory is a directory");
	ok(LXF_COUNT <= sizeof(lxfile_mask) * 8, "the mask has a bit for every file");
}

/* @s for a TAP description: one line, printable. */
static const char *vis(const char *s)
{
	static char buf[128];
	size_t i = 0;

	for (; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void test_bool(void)
{
	static const struct {
		const char *in;
		int ret;
		bool value;
	} cases[] = {
		{ "true", 0, true },  { "TRUE", 0, true },  { "True", 0, true },    { "tRuE", 0, true },
		{ "1", 0, true },     { "yes", 0, true },   { "YES", 0, true },     { "Yes", 0, true },
		{ "on", 0, true },    { "ON", 0, true },    { "On", 0, true },      { "false", 0, false },
		{ "FALSE", 0, false }, { "False", 0, false }, { "0", 0, false },    { "no", 0, false },
		{ "NO", 0, false },   { "No", 0, false },   { "off", 0, false },    { "OFF", 0, false },
		{ "Off", 0, false },  { "", -EINVAL, false }, { " true", -EINVAL, false }, { "true ", -EINVAL, false },
		{ "true\n", -EINVAL, false }, { "t", -EINVAL, false }, { "y", -EINVAL, false },
		{ "enabled", -EINVAL, false }, { "2", -EINVAL, false }, { "01", -EINVAL, false },
		{ "-1", -EINVAL, false }, { "maybe", -EINVAL, false }, { "truefalse", -EINVAL, false },
		{ "\"true\"", -EINVAL, false }, { "ye", -EINVAL, false }, { "offf", -EINVAL, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool v = !cases[i].value;
		int ret = policy_parse_bool(cases[i].in, &v);

		if (cases[i].ret == 0)
			ok(ret == 0 && v == cases[i].value, "parse_bool(\"%s\") = %s", vis(cases[i].in),
			   cases[i].value ? "true" : "false");
		else
			is_int(ret, -EINVAL, "parse_bool(\"%s\") is refused", vis(cases[i].in));
	}
	bool v;
	is_int(policy_parse_bool(NULL, &v), -EINVAL, "parse_bool(NULL) is refused");
	is_int(policy_parse_bool("tr\xc4\xb1ue", &v), -EINVAL, "non-ASCII lookalikes are refused");
}

static void test_files(void)
{
	static const struct {
		const char *in;
		lxfile_mask mask; /* 0: refused */
		const char *expect;
	} cases[] = {
		{ "/proc/meminfo", LXF_BIT(LXF_PROC_MEMINFO), NULL },
		{ "/proc/meminfo,/proc/cpuinfo", LXF_BIT(LXF_PROC_MEMINFO) | LXF_BIT(LXF_PROC_CPUINFO), NULL },
		{ "  /proc/meminfo ,\t/proc/cpuinfo\t", LXF_BIT(LXF_PROC_MEMINFO) | LXF_BIT(LXF_PROC_CPUINFO), NULL },
		{ "/proc/meminfo,,/proc/uptime", LXF_BIT(LXF_PROC_MEMINFO) | LXF_BIT(LXF_PROC_UPTIME), NULL },
		{ "/proc/meminfo,", LXF_BIT(LXF_PROC_MEMINFO), NULL },
		{ ",/proc/meminfo,,,", LXF_BIT(LXF_PROC_MEMINFO), NULL },
		{ "/proc/meminfo, , ,", LXF_BIT(LXF_PROC_MEMINFO), NULL },
		{ "/proc/meminfo,/proc/meminfo", LXF_BIT(LXF_PROC_MEMINFO), NULL },
		{ "/proc/pressure/cpu,/proc/pressure/io,/proc/pressure/memory",
		  LXF_BIT(LXF_PROC_PRESSURE_CPU) | LXF_BIT(LXF_PROC_PRESSURE_IO) | LXF_BIT(LXF_PROC_PRESSURE_MEMORY), NULL },
		{ "/sys/devices/system/cpu", LXF_BIT(LXF_SYS_CPU), NULL },
		{ "/sys/devices/system/cpu/", LXF_BIT(LXF_SYS_CPU), NULL },
		{ "/sys/devices/system/cpu/online", LXF_BIT(LXF_SYS_CPU_ONLINE), NULL },
		{ "/proc/cpuinfo,/proc/diskstats,/proc/loadavg,/proc/meminfo,/proc/slabinfo,/proc/stat,/proc/swaps,"
		  "/proc/uptime,/proc/pressure/cpu,/proc/pressure/io,/proc/pressure/memory,/sys/devices/system/cpu/online,"
		  "/sys/devices/system/cpu",
		  DEFAULT_MASK | LXF_BIT(LXF_SYS_CPU), NULL },
		{ "/etc/passwd", 0, "\"/etc/passwd\" is not a file lxcfs-oci-hook can mount (supported: /proc/cpuinfo," },
		{ "/proc/meminfo,/etc/passwd", 0, "\"/etc/passwd\"" },
		{ "/proc/meminfo/", 0, "\"/proc/meminfo/\"" },
		{ "/proc/meminfo2", 0, "\"/proc/meminfo2\"" },
		{ "/proc//meminfo", 0, "\"/proc//meminfo\"" },
		{ "proc/meminfo", 0, "\"proc/meminfo\"" },
		{ "/PROC/MEMINFO", 0, "\"/PROC/MEMINFO\"" },
		{ "/proc/pressure", 0, "\"/proc/pressure\"" },
		{ "/sys/devices/system/cpu//", 0, "\"/sys/devices/system/cpu//\"" },
		{ "/proc/meminfo;/proc/cpuinfo", 0, "\"/proc/meminfo;/proc/cpuinfo\"" },
		{ "/proc/meminfo\n", 0, "\"/proc/meminfo?\"" },
		{ "/proc/\x1b[31mmeminfo", 0, "\"/proc/?[31mmeminfo\"" },
		{ "/proc/m\xc3\xa9minfo", 0, "\"/proc/m??minfo\"" },
		{ "", 0, "names no file" },
		{ " , ,\t,", 0, "\" , ,?,\" names no file" },
		{ ",", 0, "names no file" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct lxh_error err = { 0 };
		lxfile_mask m = 12345;
		int ret = policy_parse_files(cases[i].in, &m, &err);

		if (cases[i].mask)
			ok(ret == 0 && m == cases[i].mask, "files \"%.60s\" -> %#x (%#x %s)", vis(cases[i].in), cases[i].mask, m,
			   ret ? err.msg : "");
		else
			ok(ret == -EINVAL && m == 0 && strncmp(err.msg, "annotation " ANNOTATION_FILES ": ", sizeof("annotation " ANNOTATION_FILES ": ") - 1) == 0 &&
				   strstr(err.msg, cases[i].expect),
			   "files case %zu refused: %s", i, err.msg);
	}

	/* 1 MB: fine when it is all blanks and commas around one name, short message when bad. */
	size_t big = 1 << 20;
	char *huge = malloc(big + 64);
	struct lxh_error err = { 0 };
	lxfile_mask m = 0;

	for (size_t i = 0; i < big; i++)
		huge[i] = (i % 3 == 0) ? ',' : ' ';
	strcpy(huge + big, "/proc/swaps");
	ok(policy_parse_files(huge, &m, &err) == 0 && m == LXF_BIT(LXF_PROC_SWAPS), "1 MB of blanks and commas, then one file");
	memset(huge, 'A', big);
	huge[big] = '\0';
	ok(policy_parse_files(huge, &m, &err) == -EINVAL && strlen(err.msg) < 512 && strstr(err.msg, "AAAA...\""),
	   "a 1 MB bad item is quoted short (%zu bytes): %.120s", strlen(err.msg), err.msg);
	for (size_t i = 0; i < big; i++)
		huge[i] = (char)(1 + i % 255);
	ok(policy_parse_files(huge, &m, &err) == -EINVAL && strlen(err.msg) < 512, "1 MB of every byte: refused, short message");
	bool printable = true;
	for (const char *p = err.msg; *p; p++)
		printable = printable && *p >= 0x20 && *p < 0x7f;
	ok(printable, "and the message holds only printable characters");
	free(huge);
}

/* ---- the decision table ------------------------------------------------- */

struct ann {
	const char *enable; /* NULL: not set */
	const char *files;
};

struct decide_case {
	const char *what;
	struct ann state, spec;
	enum default_mode def;
	int ret;
	bool enabled, explicit_files;
	lxfile_mask files;
	const char *expect; /* piece of reason, or of the error message */
};

#define MEM LXF_BIT(LXF_PROC_MEMINFO)
#define CPU LXF_BIT(LXF_PROC_CPUINFO)
#define N { NULL, NULL }

static const struct decide_case decide_cases[] = {
	{ "nothing, default off", N, N, DEFAULT_OFF, 0, false, false, 0,
	  "no io.kubernetes.container.lxcfsEnable annotation, --default off" },
	{ "nothing, default on", N, N, DEFAULT_ON, 0, true, false, DEFAULT_MASK,
	  "no io.kubernetes.container.lxcfsEnable annotation, --default on" },
	{ "state true", { "true", NULL }, N, DEFAULT_OFF, 0, true, false, DEFAULT_MASK,
	  "annotation io.kubernetes.container.lxcfsEnable=true" },
	{ "state false beats default on", { "false", NULL }, N, DEFAULT_ON, 0, false, false, 0,
	  "annotation io.kubernetes.container.lxcfsEnable=false" },
	{ "spec true", N, { "true", NULL }, DEFAULT_OFF, 0, true, false, DEFAULT_MASK, "lxcfsEnable=true" },
	{ "spec off beats default on", N, { "off", NULL }, DEFAULT_ON, 0, false, false, 0, "lxcfsEnable=off" },
	{ "state false beats spec true", { "false", NULL }, { "true", NULL }, DEFAULT_ON, 0, false, false, 0,
	  "lxcfsEnable=false" },
	{ "state true beats spec false", { "true", NULL }, { "false", NULL }, DEFAULT_OFF, 0, true, false, DEFAULT_MASK,
	  "lxcfsEnable=true" },
	{ "state 1", { "1", NULL }, N, DEFAULT_OFF, 0, true, false, DEFAULT_MASK, "lxcfsEnable=1" },
	{ "state YES", { "YES", NULL }, N, DEFAULT_OFF, 0, true, false, DEFAULT_MASK, "lxcfsEnable=YES" },
	{ "state On", { "On", NULL }, N, DEFAULT_OFF, 0, true, false, DEFAULT_MASK, "lxcfsEnable=On" },
	{ "state 0", { "0", NULL }, N, DEFAULT_ON, 0, false, false, 0, "lxcfsEnable=0" },
	{ "state No", { "No", NULL }, N, DEFAULT_ON, 0, false, false, 0, "lxcfsEnable=No" },
	{ "state OFF", { "OFF", NULL }, N, DEFAULT_ON, 0, false, false, 0, "lxcfsEnable=OFF" },
	{ "state FALSE", { "FALSE", NULL }, N, DEFAULT_ON, 0, false, false, 0, "lxcfsEnable=FALSE" },
	{ "state maybe", { "maybe", NULL }, N, DEFAULT_ON, -EINVAL, false, false, 0,
	  "annotation io.kubernetes.container.lxcfsEnable has invalid value \"maybe\" (expected true or false)" },
	{ "state empty", { "", NULL }, N, DEFAULT_ON, -EINVAL, false, false, 0, "invalid value \"\"" },
	{ "state \" true\"", { " true", NULL }, N, DEFAULT_ON, -EINVAL, false, false, 0, "invalid value \" true\"" },
	{ "state maybe is not rescued by spec true", { "maybe", NULL }, { "true", NULL }, DEFAULT_ON, -EINVAL, false,
	  false, 0, "\"maybe\"" },
	{ "state true hides a bad spec value", { "true", NULL }, { "maybe", NULL }, DEFAULT_OFF, 0, true, false,
	  DEFAULT_MASK, "lxcfsEnable=true" },
	{ "spec bad", N, { "enable", NULL }, DEFAULT_OFF, -EINVAL, false, false, 0, "invalid value \"enable\"" },
	{ "bad enable fails even with bad files", { "maybe", "/etc/passwd" }, N, DEFAULT_OFF, -EINVAL, false, false, 0,
	  "lxcfsEnable has invalid value" },
	{ "an odd enable value is quoted safely", { "tr\nue\x1b", NULL }, N, DEFAULT_OFF, -EINVAL, false, false, 0,
	  "\"tr?ue?\"" },
	{ "files with enable", { "true", "/proc/meminfo" }, N, DEFAULT_OFF, 0, true, true, MEM, "lxcfsEnable=true" },
	{ "files alone do not enable", { NULL, "/proc/meminfo" }, N, DEFAULT_OFF, 0, false, false, 0, "--default off" },
	{ "files alone with default on", { NULL, "/proc/meminfo" }, N, DEFAULT_ON, 0, true, true, MEM, "--default on" },
	{ "files in spec, enable in state", { "true", NULL }, { NULL, "/proc/cpuinfo" }, DEFAULT_OFF, 0, true, true, CPU,
	  "lxcfsEnable=true" },
	{ "files in state beat files in spec", { NULL, "/proc/meminfo" }, { "true", "/proc/cpuinfo" }, DEFAULT_OFF, 0,
	  true, true, MEM, "lxcfsEnable=true" },
	{ "files in spec when state has none", { "on", NULL }, { "off", "/proc/cpuinfo,/proc/meminfo" }, DEFAULT_OFF, 0,
	  true, true, MEM | CPU, "lxcfsEnable=on" },
	{ "bad files fail when enabled", { "true", "/etc/passwd" }, N, DEFAULT_OFF, -EINVAL, false, false, 0,
	  "annotation io.kubernetes.container.lxcfsFiles: \"/etc/passwd\" is not a file" },
	{ "bad files fail when enabled by default", { NULL, "/etc/passwd" }, N, DEFAULT_ON, -EINVAL, false, false, 0,
	  "\"/etc/passwd\"" },
	{ "bad files are ignored when disabled", { "false", "/etc/passwd" }, N, DEFAULT_ON, 0, false, false, 0,
	  "lxcfsEnable=false" },
	{ "bad files are ignored when off by default", { NULL, "/etc/passwd" }, N, DEFAULT_OFF, 0, false, false, 0,
	  "--default off" },
	{ "empty files fail when enabled", { "true", "" }, N, DEFAULT_OFF, -EINVAL, false, false, 0, "names no file" },
	{ "the cpu directory on request", { "true", "/sys/devices/system/cpu/" }, N, DEFAULT_OFF, 0, true, true,
	  LXF_BIT(LXF_SYS_CPU), "lxcfsEnable=true" },
};

static void add(struct kv_list *l, const char *key, const char *value)
{
	if (value && kv_list_add(l, key, value) < 0)
		exit(99);
}

static void test_decide(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(decide_cases); i++) {
		const struct decide_case *c = &decide_cases[i];
		struct lxcfs_annotations st = { c->state.enable, c->state.files };
		struct kv_list sp = { 0 };
		struct policy_decision d;
		struct lxh_error err = { 0 };
		int ret;

		add(&sp, "unrelated", "x");
		add(&sp, ANNOTATION_ENABLE, c->spec.enable);
		add(&sp, ANNOTATION_FILES, c->spec.files);
		ret = policy_decide(&st, &sp, c->def, &d, &err);
		if (c->ret)
			ok(ret == c->ret && strstr(err.msg, c->expect), "decide: %s -> error (%s)", c->what, err.msg);
		else
			ok(ret == 0 && d.enabled == c->enabled && d.explicit_files == c->explicit_files &&
				   d.files == c->files && strstr(d.reason, c->expect),
			   "decide: %s -> %s, files %#x%s (%s)", c->what, c->enabled ? "on" : "off", c->files,
			   c->explicit_files ? " explicit" : "", ret ? err.msg : d.reason);
		kv_list_free(&sp);
	}

	struct policy_decision d;
	struct lxh_error err = { 0 };
	ok(policy_decide(NULL, NULL, DEFAULT_ON, &d, &err) == 0 && d.enabled && d.files == DEFAULT_MASK,
	   "no annotation lists at all: the default");
	struct kv_list sp = { 0 };
	add(&sp, ANNOTATION_ENABLE, "true");
	ok(policy_decide(NULL, &sp, DEFAULT_OFF, &d, &err) == 0 && d.enabled, "no state list, spec enables");
	kv_list_free(&sp);
}

int main(void)
{
	test_table();
	test_bool();
	test_files();
	test_decide();
	return done_testing();
}
