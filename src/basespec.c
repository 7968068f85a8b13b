/* SPDX-License-Identifier: Apache-2.0 */
/*
 * basespec.c - copy an OCI runtime spec through yajl's tree and generator, adding our
 * createRuntime hook on the way. A copy, not a model: containerd's default spec changes
 * between releases (and operators edit theirs), so every field we do not know stays as it is.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "basespec.h"
#include "json.h"

#define WHAT "base spec"

static void free_gen(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}
#define cleanup_gen __attribute__((cleanup(free_gen)))

/* Every yajl_gen_* call goes through this: a failure is a bug or ENOMEM, never the input's fault. */
#define GEN(call)                                   \
	do {                                        \
		if ((call) != yajl_gen_status_ok)   \
			return -ENOMEM;             \
	} while (0)

static int gen_str(yajl_gen g, const char *s)
{
	GEN(yajl_gen_string(g, (const unsigned char *)s, strlen(s)));
	return 0;
}

/* A verbatim copy of @v: numbers as written ("1e3" stays "1e3", 2^64 does not overflow). */
static int gen_copy(yajl_gen g, yajl_val v)
{
	int ret;

	if (YAJL_IS_STRING(v))
		return gen_str(g, v->u.string);
	if (YAJL_IS_NUMBER(v)) {
		GEN(yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r)));
		return 0;
	}
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		GEN(yajl_gen_bool(g, YAJL_IS_TRUE(v)));
		return 0;
	}
	if (YAJL_IS_OBJECT(v)) {
		GEN(yajl_gen_map_open(g));
		for (size_t i = 0; i < v->u.object.len; i++) {
			ret = gen_str(g, v->u.object.keys[i]);
			if (ret < 0)
				return ret;
			ret = gen_copy(g, v->u.object.values[i]);
			if (ret < 0)
				return ret;
		}
		GEN(yajl_gen_map_close(g));
		return 0;
	}
	if (YAJL_IS_ARRAY(v)) {
		GEN(yajl_gen_array_open(g));
		for (size_t i = 0; i < v->u.array.len; i++) {
			ret = gen_copy(g, v->u.array.values[i]);
			if (ret < 0)
				return ret;
		}
		GEN(yajl_gen_array_close(g));
		return 0;
	}
	GEN(yajl_gen_null(g));
	return 0;
}

/* {"path": ..., "args": [basename(path), options...]}: runc and crun exec path with args as argv. */
static int gen_entry(yajl_gen g, const struct basespec_hook *hook)
{
	const char *slash = strrchr(hook->path, '/');
	int ret;

	GEN(yajl_gen_map_open(g));
	if ((ret = gen_str(g, "path")) < 0 || (ret = gen_str(g, hook->path)) < 0 || (ret = gen_str(g, "args")) < 0)
		return ret;
	GEN(yajl_gen_array_open(g));
	if ((ret = gen_str(g, slash ? slash + 1 : hook->path)) < 0)
		return ret;
	for (size_t i = 0; i < hook->n_args; i++)
		if ((ret = gen_str(g, hook->args[i])) < 0)
			return ret;
	GEN(yajl_gen_array_close(g));
	GEN(yajl_gen_map_close(g));
	return 0;
}

static bool is_our_entry(yajl_val entry, const struct basespec_hook *hook)
{
	yajl_val path = YAJL_IS_OBJECT(entry) ? json_get(entry, "path", yajl_t_string) : NULL;

	return path && strcmp(path->u.string, hook->path) == 0;
}

/* hooks.createRuntime: the others' entries kept in order, ours where it was (once) or last. */
static int gen_create_runtime(yajl_gen g, yajl_val list, const struct basespec_hook *hook)
{
	bool placed = false;
	int ret;

	GEN(yajl_gen_array_open(g));
	for (size_t i = 0; list && i < list->u.array.len; i++) {
		yajl_val entry = list->u.array.values[i];

		if (is_our_entry(entry, hook)) {
			if (placed)
				continue;
			ret = gen_entry(g, hook);
			placed = true;
		} else {
			ret = gen_copy(g, entry);
		}
		if (ret < 0)
			return ret;
	}
	if (!placed && (ret = gen_entry(g, hook)) < 0)
		return ret;
	GEN(yajl_gen_array_close(g));
	return 0;
}

static int gen_hooks(yajl_gen g, yajl_val hooks, const struct basespec_hook *hook)
{
	bool done = false;
	int ret;

	GEN(yajl_gen_map_open(g));
	for (size_t i = 0; hooks && i < hooks->u.object.len; i++) {
		const char *key = hooks->u.object.keys[i];
		yajl_val v = hooks->u.object.values[i];

		if ((ret = gen_str(g, key)) < 0)
			return ret;
		if (strcmp(key, "createRuntime") == 0 && !done) {
			ret = gen_create_runtime(g, json_absent(v) ? NULL : v, hook);
			done = true;
		} else {
			ret = gen_copy(g, v);
		}
		if (ret < 0)
			return ret;
	}
	if (!done && ((ret = gen_str(g, "createRuntime")) < 0 || (ret = gen_create_runtime(g, NULL, hook)) < 0))
		return ret;
	GEN(yajl_gen_map_close(g));
	return 0;
}

/* What the copy relies on, checked before anything is written. */
static int check_shape(yajl_val tree, struct lxh_error *err)
{
	yajl_val hooks = json_get(tree, "hooks", yajl_t_any), list;

	if (!json_get(tree, "ociVersion", yajl_t_string))
		return lxh_error_set(err, 0, WHAT ": no \"ociVersion\" string: is this an OCI runtime spec "
					     "(`ctr oci spec`)?");
	if (json_absent(hooks))
		return 0;
	if (!YAJL_IS_OBJECT(hooks))
		return lxh_error_set(err, 0, WHAT ": \"hooks\" must be an object");
	list = json_get(hooks, "createRuntime", yajl_t_any);
	if (!json_absent(list) && !YAJL_IS_ARRAY(list))
		return lxh_error_set(err, 0, WHAT ": \"hooks\".\"createRuntime\" must be an array");
	return 0;
}

/* The whole spec: top-level keys in order, "hooks" (ours added) where it was, else last. */
static int gen_spec(yajl_gen g, yajl_val tree, const struct basespec_hook *hook)
{
	bool hooks_done = false;
	int ret;

	GEN(yajl_gen_map_open(g));
	for (size_t i = 0; i < tree->u.object.len; i++) {
		const char *key = tree->u.object.keys[i];
		yajl_val v = tree->u.object.values[i];

		if ((ret = gen_str(g, key)) < 0)
			return ret;
		if (strcmp(key, "hooks") == 0 && !hooks_done) {
			ret = gen_hooks(g, json_absent(v) ? NULL : v, hook);
			hooks_done = true;
		} else {
			ret = gen_copy(g, v);
		}
		if (ret < 0)
			return ret;
	}
	if (!hooks_done && ((ret = gen_str(g, "hooks")) < 0 || (ret = gen_hooks(g, NULL, hook)) < 0))
		return ret;
	GEN(yajl_gen_map_close(g));
	return 0;
}

int basespec_add_hook(const char *in, size_t in_len, const struct basespec_hook *hook, char **out, size_t *out_len,
		      struct lxh_error *err)
{
	cleanup_yajl yajl_val tree = NULL;
	cleanup_gen yajl_gen g = NULL;
	const unsigned char *buf;
	size_t len;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (!hook->path || hook->path[0] != '/')
		return lxh_error_set(err, 0, "the hook path must be absolute, not \"%s\"", hook->path ? hook->path : "");
	ret = json_parse_object(in, in_len, WHAT, &tree, err);
	if (ret < 0)
		return ret;
	ret = check_shape(tree, err);
	if (ret < 0)
		return ret;

	g = yajl_gen_alloc(NULL);
	if (!g || !yajl_gen_config(g, yajl_gen_beautify, 1) || !yajl_gen_config(g, yajl_gen_indent_string, "  "))
		return lxh_error_set(err, ENOMEM, WHAT);
	ret = gen_spec(g, tree, hook);
	if (ret == 0 && yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		ret = -ENOMEM;
	if (ret < 0)
		return lxh_error_set(err, -ret, WHAT ": cannot write the JSON");

	*out = malloc(len + 2);
	if (!*out)
		return lxh_error_set(err, ENOMEM, WHAT);
	memcpy(*out, buf, len);
	/* yajl's beautified output may or may not end in a newline: end it in exactly one. */
	if (len == 0 || (*out)[len - 1] != '\n')
		(*out)[len++] = '\n';
	(*out)[len] = '\0';
	*out_len = len;
	return 0;
}
