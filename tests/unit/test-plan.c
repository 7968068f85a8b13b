/* SPDX-License-Identifier: Apache-2.0 */
/* test-plan.c - what gets mounted, given the decision and the spec's own mounts. */
#include "config.h"

#include "plan.h"
#include "tap.h"
#include "util.h"

#define B(id) LXF_BIT(LXF_##id)
#define DEFAULT_MASK                                                                                          \
	(B(PROC_CPUINFO) | B(PROC_DISKSTATS) | B(PROC_LOADAVG) | B(PROC_MEMINFO) | B(PROC_SLABINFO) |        \
	 B(PROC_STAT) | B(PROC_SWAPS) | B(PROC_UPTIME) | B(PROC_PRESSURE_CPU) | B(PROC_PRESSURE_IO) |         \
	 B(PROC_PRESSURE_MEMORY) | B(SYS_CPU_ONLINE))
#define PRESSURE (B(PROC_PRESSURE_CPU) | B(PROC_PRESSURE_IO) | B(PROC_PRESSURE_MEMORY))
#define ALL (DEFAULT_MASK | B(SYS_CPU))

/* The mounts a plain runc/podman container always has: none of them may hide a file. */
#define BASE "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/", "/etc/hosts"

struct plan_case {
	const char *what;
	bool enabled, explicit_files;
	lxfile_mask files;
	const char *dests[12]; /* NULL-terminated */
	lxfile_mask planned, left;
};

static const struct plan_case cases[] = {
	{ "disabled: nothing", false, false, DEFAULT_MASK, { NULL }, 0, 0 },
	{ "disabled with a covering mount: nothing, nothing left to the spec", false, false, DEFAULT_MASK,
	  { "/proc/meminfo", NULL }, 0, 0 },
	{ "default set, no mounts", true, false, DEFAULT_MASK, { NULL }, DEFAULT_MASK, 0 },
	{ "default set, the usual mounts", true, false, DEFAULT_MASK, { BASE, NULL }, DEFAULT_MASK, 0 },
	{ "a mount on /proc/meminfo", true, false, DEFAULT_MASK, { BASE, "/proc/meminfo", NULL },
	  DEFAULT_MASK & ~B(PROC_MEMINFO), B(PROC_MEMINFO) },
	{ "/proc/meminfo2 is not /proc/meminfo", true, false, DEFAULT_MASK, { "/proc/meminfo2", "/proc/memin", NULL },
	  DEFAULT_MASK, 0 },
	{ "a mount beneath a plain file changes nothing", true, false, DEFAULT_MASK, { "/proc/meminfo/x", NULL },
	  DEFAULT_MASK, 0 },
	{ "a mount on /proc/pressure covers all three", true, false, DEFAULT_MASK, { "/proc/pressure", NULL },
	  DEFAULT_MASK & ~PRESSURE, PRESSURE },
	{ "/proc/pressure2 covers none", true, false, DEFAULT_MASK, { "/proc/pressure2", "/proc/pres", NULL },
	  DEFAULT_MASK, 0 },
	{ "a mount on /proc/pressure/io", true, false, DEFAULT_MASK, { "/proc/pressure/io", NULL },
	  DEFAULT_MASK & ~B(PROC_PRESSURE_IO), B(PROC_PRESSURE_IO) },
	{ "a mount on /sys/devices covers cpu/online", true, false, DEFAULT_MASK, { BASE, "/sys/devices", NULL },
	  DEFAULT_MASK & ~B(SYS_CPU_ONLINE), B(SYS_CPU_ONLINE) },
	{ "a mount on /sys/devices/system/cpu covers cpu/online", true, false, DEFAULT_MASK,
	  { "/sys/devices/system/cpu", NULL }, DEFAULT_MASK & ~B(SYS_CPU_ONLINE), B(SYS_CPU_ONLINE) },
	{ "/sys/devices/system/cpu0 covers nothing", true, false, ALL, { "/sys/devices/system/cpu0", NULL },
	  ALL & ~B(SYS_CPU_ONLINE), 0 },
	{ "a file not asked for is not left to the spec", true, true, B(PROC_MEMINFO), { "/proc/cpuinfo", NULL },
	  B(PROC_MEMINFO), 0 },
	{ "the cpu directory replaces cpu/online", true, true, B(SYS_CPU) | B(SYS_CPU_ONLINE) | B(PROC_MEMINFO),
	  { BASE, NULL }, B(SYS_CPU) | B(PROC_MEMINFO), 0 },
	{ "a mount beneath the cpu directory leaves it, and cpu/online, to the spec", true, true,
	  B(SYS_CPU) | B(SYS_CPU_ONLINE), { "/sys/devices/system/cpu/online", NULL }, 0, B(SYS_CPU) | B(SYS_CPU_ONLINE) },
	{ "a mount deep beneath the cpu directory leaves it to the spec; cpu/online is planned", true, true,
	  B(SYS_CPU) | B(SYS_CPU_ONLINE), { "/sys/devices/system/cpu/cpu0/cpufreq", NULL }, B(SYS_CPU_ONLINE),
	  B(SYS_CPU) },
	{ "a mount on the cpu directory", true, true, B(SYS_CPU), { "/sys/devices/system/cpu", NULL }, 0, B(SYS_CPU) },
	{ "a mount on /sys/devices/system covers the directory", true, true, B(SYS_CPU), { "/sys/devices/system", NULL },
	  0, B(SYS_CPU) },
	{ "/sys/devices/system/cpufreq is beside, not beneath", true, true, B(SYS_CPU),
	  { "/sys/devices/system/cpufreq", "/sys/devices/system/cp", NULL }, B(SYS_CPU), 0 },
	{ "/ , /proc and /sys never count", true, false, ALL, { "/", "/proc", "/sys", NULL }, ALL & ~B(SYS_CPU_ONLINE),
	  0 },
	{ "everything covered", true, false, ALL, { "/proc/pressure", "/sys/devices", "/proc/cpuinfo", "/proc/diskstats",
	  "/proc/loadavg", "/proc/meminfo", "/proc/slabinfo", "/proc/stat", "/proc/swaps", "/proc/uptime", NULL },
	  0, ALL },
};

static void test_cases(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct plan_case *c = &cases[i];
		struct policy_decision d = { .enabled = c->enabled, .explicit_files = c->explicit_files, .files = c->files };
		struct plan p;
		size_t n = 0;
		lxfile_mask got = 0;
		bool ordered = true, required = true;
		int last = -1;

		while (c->dests[n])
			n++;
		memset(&p, 0xa5, sizeof(p)); /* plan_build must set every field */
		plan_build(&d, (char *const *)c->dests, n, &p);
		for (size_t e = 0; e < p.n && e < LXF_COUNT; e++) {
			int id = (int)p.entries[e].file->id;

			ordered = ordered && id > last && p.entries[e].file == &lxfiles[id];
			last = id;
			got |= LXF_BIT(id);
			required = required && p.entries[e].required == c->explicit_files;
		}
		ok(p.n <= LXF_COUNT && got == c->planned && p.left_to_spec == c->left && ordered && required,
		   "%s: planned %#x left %#x (got %#x left %#x, n %zu%s%s)", c->what, c->planned, c->left, got,
		   p.left_to_spec, p.n, ordered ? "" : ", out of order", required ? "" : ", wrong required");
	}
}

static void test_details(void)
{
	struct policy_decision d = { .enabled = true, .files = DEFAULT_MASK };
	struct plan p;

	plan_build(&d, NULL, 0, &p);
	is_int((long long)p.n, 12, "no mounts at all: twelve entries");
	ok(p.entries[0].file == &lxfiles[LXF_PROC_CPUINFO] && p.entries[11].file == &lxfiles[LXF_SYS_CPU_ONLINE],
	   "first cpuinfo, last cpu/online: lxfiles[] order");
	ok(!p.entries[0].required, "the default set is not required");

	d.explicit_files = true;
	d.files = B(PROC_UPTIME) | B(PROC_CPUINFO);
	plan_build(&d, NULL, 0, &p);
	ok(p.n == 2 && p.entries[0].file->id == LXF_PROC_CPUINFO && p.entries[1].file->id == LXF_PROC_UPTIME &&
		   p.entries[0].required && p.entries[1].required,
	   "named files are required, in table order, whatever order they were named in");

	char *dests[] = { "/proc/uptime", NULL };
	plan_build(&d, dests, 2, &p);
	ok(p.n == 1 && p.left_to_spec == B(PROC_UPTIME), "a NULL destination in the list is skipped");
}

int main(void)
{
	test_cases();
	test_details();
	return done_testing();
}
