/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-basespec.c - base-spec: containerd's own default spec (`ctr oci spec` of 1.7.24 and
 * 2.1.9, in tests/data) comes back whole, with our createRuntime hook added once.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "basespec.h"
#include "tap.h"
#include "util.h"

#define HOOK "/usr/libexec/oci/hooks.d/lxcfs-oci-hook"

static const char *const hook_args[] = { "--lxcfs-root", "/var/lib/lxcfs" };
static const struct basespec_hook hook = { .path = HOOK, .args = hook_args, .n_args = 2 };

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	char *buf;
	FILE *f;
	long n;

	/* TESTS_SRCDIR: set by make check (AM_TESTS_ENVIRONMENT). */
	snprintf(path, sizeof(path), "%s/data/%s", getenv("TESTS_SRCDIR") ? getenv("TESTS_SRCDIR") : "tests", name);
	f = fopen(path, "re");
	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		printf("Bail out! cannot read %s\n", path);
		exit(99);
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		printf("Bail out! cannot read %s\n", path);
		exit(99);
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Structural equality of two yajl trees; numbers compared as written. */
static bool same(yajl_val a, yajl_val b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case yajl_t_string:
		return strcmp(a->u.string, b->u.string) == 0;
	case yajl_t_number:
		return strcmp(a->u.number.r, b->u.number.r) == 0;
	case yajl_t_object:
		if (a->u.object.len != b->u.object.len)
			return false;
		for (size_t i = 0; i < a->u.object.len; i++)
			if (strcmp(a->u.object.keys[i], b->u.object.keys[i]) != 0 ||
			    !same(a->u.object.values[i], b->u.object.values[i]))
				return false;
		return true;
	case yajl_t_array:
		if (a->u.array.len != b->u.array.len)
			return false;
		for (size_t i = 0; i < a->u.array.len; i++)
			if (!same(a->u.array.values[i], b->u.array.values[i]))
				return false;
		return true;
	default:
		return true;
	}
}

static yajl_val parse(const char *text)
{
	char errbuf[128];
	yajl_val v = yajl_tree_parse(text, errbuf, sizeof(errbuf));

	if (!v)
		diag("not JSON: %s", errbuf);
	return v;
}

static yajl_val get(yajl_val v, const char *a, const char *b)
{
	const char *path[] = { a, b, NULL };

	return yajl_tree_get(v, path, yajl_t_any);
}

/* The top-level object of @v without "hooks": what must come back unchanged. */
static bool same_but_hooks(yajl_val in, yajl_val out)
{
	size_t j = 0;

	for (size_t i = 0; i < in->u.object.len; i++) {
		if (strcmp(in->u.object.keys[i], "hooks") == 0)
			continue;
		while (j < out->u.object.len && strcmp(out->u.object.keys[j], "hooks") == 0)
			j++;
		if (j == out->u.object.len || strcmp(in->u.object.keys[i], out->u.object.keys[j]) != 0 ||
		    !same(in->u.object.values[i], out->u.object.values[j]))
			return false;
		j++;
	}
	return true;
}

static bool is_our_entry(yajl_val e)
{
	yajl_val path = get(e, "path", NULL), args = get(e, "args", NULL);

	return path && YAJL_IS_STRING(path) && strcmp(path->u.string, HOOK) == 0 && args && YAJL_IS_ARRAY(args) &&
	       args->u.array.len == 3 && strcmp(args->u.array.values[0]->u.string, "lxcfs-oci-hook") == 0 &&
	       strcmp(args->u.array.values[1]->u.string, "--lxcfs-root") == 0 &&
	       strcmp(args->u.array.values[2]->u.string, "/var/lib/lxcfs") == 0;
}

static void test_containerd_default(const char *fixture)
{
	struct lxh_error err = { 0 };
	cleanup_free char *in = NULL, *out = NULL, *again = NULL;
	size_t in_len, out_len, again_len;
	yajl_val tin, tout, cr;

	in = slurp(fixture, &in_len);
	ok(basespec_add_hook(in, in_len, &hook, &out, &out_len, &err) == 0, "%s: accepted %s", fixture, err.msg);
	if (!out)
		return;
	ok(out_len == strlen(out) && out[out_len - 1] == '\n', "%s: the output ends in a newline", fixture);
	tin = parse(in);
	tout = parse(out);
	ok(tin && tout && same_but_hooks(tin, tout), "%s: every other field as it was, in order", fixture);
	cr = tout ? get(tout, "hooks", "createRuntime") : NULL;
	ok(cr && YAJL_IS_ARRAY(cr) && cr->u.array.len == 1 && is_our_entry(cr->u.array.values[0]),
	   "%s: hooks.createRuntime holds our entry: path, args[0] the name, then the options", fixture);
	ok(tout && get(tout, "hooks", NULL)->u.object.len == 1, "%s: no other hook stage added", fixture);

	ok(basespec_add_hook(out, out_len, &hook, &again, &again_len, &err) == 0 && again_len == out_len &&
		   memcmp(again, out, out_len) == 0,
	   "%s: run again on its own output: byte for byte the same (regenerating adds no second entry)", fixture);
	yajl_tree_free(tin);
	yajl_tree_free(tout);
}

static void test_existing_hooks(void)
{
	static const char in[] = "{\"ociVersion\":\"1.2.0\",\"n\":1e3,\"big\":18446744073709551616,"
				 "\"hooks\":{\"prestart\":[{\"path\":\"/p\"}],\"createRuntime\":[{\"path\":\"/nvidia\","
				 "\"args\":[\"a\"]},{\"path\":\"" HOOK "\",\"args\":[\"old\"]},{\"path\":\"/z\"},"
				 "{\"path\":\"" HOOK "\"}],\"poststop\":[]},\"z\":null}";
	struct lxh_error err = { 0 };
	cleanup_free char *out = NULL;
	size_t len;
	yajl_val t, cr;

	ok(basespec_add_hook(in, strlen(in), &hook, &out, &len, &err) == 0, "a spec with hooks: accepted %s", err.msg);
	t = out ? parse(out) : NULL;
	cr = t ? get(t, "hooks", "createRuntime") : NULL;
	ok(cr && cr->u.array.len == 3 && strcmp(get(cr->u.array.values[0], "path", NULL)->u.string, "/nvidia") == 0 &&
		   is_our_entry(cr->u.array.values[1]) &&
		   strcmp(get(cr->u.array.values[2], "path", NULL)->u.string, "/z") == 0,
	   "others' createRuntime hooks kept in order; ours replaced where it stood, its duplicate dropped");
	ok(t && get(t, "hooks", "prestart") && get(t, "hooks", "poststop"), "other stages kept");
	ok(out && strstr(out, "1e3") && strstr(out, "18446744073709551616"), "numbers kept as written");
	ok(out && strstr(out, "\"z\": null"), "null stays null");
	yajl_tree_free(t);
}

static void test_refused(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "[]", "object" },
		{ "{\"process\":{}}", "ociVersion" },
		{ "{\"ociVersion\":\"1\",\"hooks\":[]}", "\"hooks\" must be an object" },
		{ "{\"ociVersion\":\"1\",\"hooks\":{\"createRuntime\":{}}}", "must be an array" },
		{ "{\"ociVersion\":\"1\"", "invalid JSON" },
		{ "", "invalid JSON" },
	};
	struct basespec_hook rel = { .path = "lxcfs-oci-hook" };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct lxh_error err = { 0 };
		cleanup_free char *out = NULL;
		size_t len;
		int rc = basespec_add_hook(cases[i].in, strlen(cases[i].in), &hook, &out, &len, &err);

		ok(rc < 0 && out == NULL && strstr(err.msg, cases[i].want), "refused: %s", err.msg);
	}
	{
		struct lxh_error err = { 0 };
		cleanup_free char *out = NULL;
		size_t len;

		ok(basespec_add_hook("{\"ociVersion\":\"1\"}", 18, &rel, &out, &len, &err) < 0 &&
			   strstr(err.msg, "absolute"),
		   "a relative hook path is refused: %s", err.msg);
	}
}

int main(void)
{
	test_containerd_default("containerd-1.7.24-default-spec.json");
	test_containerd_default("containerd-2.1.9-default-spec.json");
	test_existing_hooks();
	test_refused();
	return done_testing();
}
