/* SPDX-License-Identifier: Apache-2.0 */
/* policy.c - the files lxcfs-oci-hook can mount and the annotations that choose them. Pure: no syscalls. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "util.h"

#define PROC(id_, name, def) [id_] = { id_, "/proc/" name, "proc/" name, name, LXF_FS_PROC, false, def }
#define SYS(id_, name, dir, def) [id_] = { id_, "/sys/" name, "sys/" name, name, LXF_FS_SYS, dir, def }

const struct lxfile lxfiles[LXF_COUNT] = {
	PROC(LXF_PROC_CPUINFO, "cpuinfo", true),
	PROC(LXF_PROC_DISKSTATS, "diskstats", true),
	PROC(LXF_PROC_LOADAVG, "loadavg", true),
	PROC(LXF_PROC_MEMINFO, "meminfo", true),
	PROC(LXF_PROC_SLABINFO, "slabinfo", true),
	PROC(LXF_PROC_STAT, "stat", true),
	PROC(LXF_PROC_SWAPS, "swaps", true),
	PROC(LXF_PROC_UPTIME, "uptime", true),
	PROC(LXF_PROC_PRESSURE_CPU, "pressure/cpu", true),
	PROC(LXF_PROC_PRESSURE_IO, "pressure/io", true),
	PROC(LXF_PROC_PRESSURE_MEMORY, "pressure/memory", true),
	SYS(LXF_SYS_CPU_ONLINE, "devices/system/cpu/online", false, true),
	/* Replaces every cpuN directory too: a bigger change than one file, so only on request. */
	SYS(LXF_SYS_CPU, "devices/system/cpu", true, false),
};

/* Longest piece of an annotation value quoted in a message: values may be megabytes of anything. */
#define QUOTE_MAX 64

/* @n bytes of @s, at most QUOTE_MAX, non-printable bytes as '?', "..." when cut. */
static const char *quote(const char *s, size_t n, char out[QUOTE_MAX + 4])
{
	size_t i = 0;

	for (; i < n && s[i] && i < QUOTE_MAX; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(out + i, i < n && s[i] ? "..." : "");
	return out;
}

/* ASCII only: strcasecmp() follows the locale, and an annotation's meaning must not. */
static bool ascii_case_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
		char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

int policy_parse_bool(const char *value, bool *out)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "true", true }, { "1", true }, { "yes", true }, { "on", true },
		{ "false", false }, { "0", false }, { "no", false }, { "off", false },
	};

	if (!value)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (ascii_case_eq(value, words[i].word)) {
			*out = words[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *supported_list(char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < LXF_COUNT && n < size; i++) {
		int r = snprintf(buf + n, size - n, "%s%s", i ? ", " : "", lxfiles[i].target);
		if (r < 0)
			break;
		n += (size_t)r;
	}
	return buf;
}

/* The file whose target is the @n bytes at @item, or -1. */
static int find_target(const char *item, size_t n)
{
	for (int i = 0; i < LXF_COUNT; i++) {
		const struct lxfile *f = &lxfiles[i];
		size_t tlen = strlen(f->target);

		if (n == tlen && memcmp(item, f->target, n) == 0)
			return i;
		/* A directory may be written with its trailing slash. */
		if (f->is_dir && n == tlen + 1 && memcmp(item, f->target, tlen) == 0 && item[tlen] == '/')
			return i;
	}
	return -1;
}

int policy_parse_files(const char *value, lxfile_mask *out, struct lxh_error *err)
{
	char quoted[QUOTE_MAX + 4], supported[512];
	lxfile_mask mask = 0;
	const char *p = value;

	*out = 0;
	if (!value)
		return lxh_error_set(err, 0, "annotation " ANNOTATION_FILES ": no value");
	for (;;) {
		const char *start = p, *end;

		while (*p && *p != ',')
			p++;
		end = p;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > start) {
			int id = find_target(start, (size_t)(end - start));
			if (id < 0)
				return lxh_error_set(err, 0,
						     "annotation " ANNOTATION_FILES
						     ": \"%s\" is not a file lxcfs-oci-hook can mount (supported: %s)",
						     quote(start, (size_t)(end - start), quoted),
						     supported_list(supported, sizeof(supported)));
			mask |= LXF_BIT(id);
		}
		if (!*p)
			break;
		p++; /* the ',' */
	}
	if (!mask)
		return lxh_error_set(err, 0, "annotation " ANNOTATION_FILES ": \"%s\" names no file (supported: %s)",
				     quote(value, strlen(value), quoted), supported_list(supported, sizeof(supported)));
	*out = mask;
	return 0;
}

static lxfile_mask default_mask(void)
{
	lxfile_mask mask = 0;

	for (int i = 0; i < LXF_COUNT; i++)
		if (lxfiles[i].in_default)
			mask |= LXF_BIT(i);
	return mask;
}

/* The state's annotations first: runtimes copy config.json's there, and the state is what this run is about. */
static const char *lookup(const char *from_state, const struct kv_list *spec_ann, const char *key)
{
	if (!from_state && spec_ann)
		return kv_list_get(spec_ann, key);
	return from_state;
}

/* @out's reason: @head then @tail, cut to fit. */
static void reason_set(struct policy_decision *out, const char *head, const char *tail)
{
	size_t nh = strlen(head), nt = strlen(tail), room = sizeof(out->reason) - 1;

	nh = nh < room ? nh : room;
	nt = nt < room - nh ? nt : room - nh;
	memcpy(out->reason, head, nh);
	memcpy(out->reason + nh, tail, nt);
	out->reason[nh + nt] = '\0';
}

int policy_decide(const struct lxcfs_annotations *state_ann, const struct kv_list *spec_ann, enum default_mode def,
		  struct policy_decision *out, struct lxh_error *err)
{
	const char *enable = lookup(state_ann ? state_ann->enable : NULL, spec_ann, ANNOTATION_ENABLE);
	const char *files = lookup(state_ann ? state_ann->files : NULL, spec_ann, ANNOTATION_FILES);

	memset(out, 0, sizeof(*out));
	if (enable) {
		char quoted[QUOTE_MAX + 4];

		if (policy_parse_bool(enable, &out->enabled) < 0)
			return lxh_error_set(err, 0,
					     "annotation " ANNOTATION_ENABLE
					     " has invalid value \"%s\" (expected true or false)",
					     quote(enable, strlen(enable), quoted));
		/* Concatenated, not printf'd: this runs on every container start (issue 11). */
		reason_set(out, "annotation " ANNOTATION_ENABLE "=", quote(enable, strlen(enable), quoted));
	} else {
		out->enabled = def == DEFAULT_ON;
		reason_set(out, "no " ANNOTATION_ENABLE " annotation, --default ", out->enabled ? "on" : "off");
	}
	/* Disabled: lxcfsFiles has no effect, so a bad one must not fail the container. */
	if (!out->enabled)
		return 0;

	if (files) {
		int ret = policy_parse_files(files, &out->files, err);

		if (ret < 0)
			return ret;
		out->explicit_files = true;
	} else {
		out->files = default_mask();
	}
	return 0;
}
