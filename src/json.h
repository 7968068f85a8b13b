/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h - the yajl helpers shared by the parsers (state.c, spec_parse.c, nri.c, basespec.c,
 * runtime_state.c).
 * Include it only from parsing files: everything past them sees plain structs.
 */
#ifndef LXH_JSON_H
#define LXH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "error.h"
#include "io.h"
#include "kv.h"
#include "util.h"

static inline void free_yajl(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}
#define cleanup_yajl __attribute__((cleanup(free_yajl)))

/* Longest piece of an untrusted string quoted in a message. */
#define JSON_QUOTE_MAX 64

/*
 * json_quote - copy at most JSON_QUOTE_MAX bytes of @s into @out for a log line,
 * non-printable bytes as '?', "..." when cut. @out must hold JSON_QUOTE_MAX + 4 bytes.
 */
static inline const char *json_quote(const char *s, char *out)
{
	size_t i = 0;

	for (; i < JSON_QUOTE_MAX && s[i]; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(out + i, s[i] ? "..." : "");
	return out;
}

/* The value of @key in object @obj when it has type @type (yajl_t_any: any), else NULL. */
static inline yajl_val json_get(yajl_val obj, const char *key, yajl_type type)
{
	const char *path[] = { key, NULL };

	return yajl_tree_get(obj, path, type);
}

/* Missing and JSON null both mean "not given", as they do for the runtimes' Go decoders. */
static inline bool json_absent(yajl_val v) { return v == NULL || YAJL_IS_NULL(v); }

/* yajl's message goes on to quote the input over more lines: keep only its own first line, printable. */
static inline const char *json_error_line(char *msg)
{
	msg[strcspn(msg, "\n")] = '\0';
	for (char *p = msg; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	return msg[0] ? msg : "unknown error";
}

static inline void free_yajl_handle(yajl_handle *h)
{
	if (*h)
		yajl_free(*h);
}

/*
 * The callback table of an event parser that names its handlers on_null, on_boolean,
 * on_number, on_string, on_start_map, on_map_key, on_start_array and on_end (both ends).
 */
#define JSON_EVENT_CALLBACKS                                                                   \
	{                                                                                      \
		.yajl_null = on_null, .yajl_boolean = on_boolean, .yajl_number = on_number,    \
		.yajl_string = on_string, .yajl_start_map = on_start_map,                      \
		.yajl_map_key = on_map_key, .yajl_end_map = on_end,                            \
		.yajl_start_array = on_start_array, .yajl_end_array = on_end,                  \
	}

/**
 * json_events - run yajl's event parser over @buf with @callbacks and @ctx (@funcs: its
 * allocator, NULL for malloc's). A grammar error gives yajl's message as its tree parser
 * did, first line only, after "@what: invalid JSON: ".
 * Returns: 0 when the grammar held, 1 when a callback stopped the parse (the caller knows
 * why), or a negative errno with @err filled.
 */
static inline int json_events(const char *buf, size_t len, const yajl_callbacks *callbacks, yajl_alloc_funcs *funcs,
			      void *ctx, const char *what, struct lxh_error *err)
{
	__attribute__((cleanup(free_yajl_handle))) yajl_handle h = yajl_alloc(callbacks, funcs, ctx);
	yajl_status status;
	char msg[256] = "";
	unsigned char *yerr;

	if (!h)
		return lxh_error_set(err, ENOMEM, "%s", what);
	status = yajl_parse(h, (const unsigned char *)buf, len);
	if (status == yajl_status_ok)
		status = yajl_complete_parse(h);
	if (status == yajl_status_ok)
		return 0;
	if (status == yajl_status_client_canceled)
		return 1;
	yerr = yajl_get_error(h, 1, (const unsigned char *)buf, len);
	if (yerr) {
		snprintf(msg, sizeof(msg), "%s", (const char *)yerr);
		yajl_free_error(h, yerr);
	}
	return lxh_error_set(err, 0, "%s: invalid JSON: %s", what, json_error_line(msg));
}

/**
 * json_parse_object - pre-check and parse @buf (not necessarily NUL-terminated)
 * into a tree whose top level is an object.
 * Errors start with "@what: ".
 * Returns: 0 with *out (caller frees with yajl_tree_free), or -EINVAL with @err filled.
 */
static inline int json_parse_object(const char *buf, size_t len, const char *what, yajl_val *out,
				    struct lxh_error *err)
{
	cleanup_free char *text = NULL;
	yajl_val tree;
	char errbuf[256] = "";
	int ret;

	*out = NULL;
	ret = json_precheck(buf, len, what, JSON_MAX_DEPTH, err);
	if (ret < 0)
		return ret;
	/* yajl_tree_parse() wants a C string; the caller's buffer need not be one. */
	text = malloc(len + 1);
	if (!text)
		return lxh_error_set(err, ENOMEM, "%s", what);
	if (len) /* memcpy() from NULL is undefined even for 0 bytes */
		memcpy(text, buf, len);
	text[len] = '\0';

	tree = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	if (!tree) {
		return lxh_error_set(err, 0, "%s: invalid JSON: %s", what, json_error_line(errbuf));
	}
	if (!YAJL_IS_OBJECT(tree)) {
		yajl_tree_free(tree);
		return lxh_error_set(err, 0, "%s: the top level must be a JSON object", what);
	}
	*out = tree;
	return 0;
}

/**
 * json_string_map - copy object @v (the value of key @name) of string values into @out.
 * A key given twice: the last one wins, as in Go's encoding/json (runc, podman).
 * kv_list_get() returns the first match, so entries are added last to first;
 * one pass, as an object may hold hundreds of thousands of keys.
 * Returns: 0, or a negative errno with @err naming @what, @name and the offending key.
 */
static inline int json_string_map(yajl_val v, const char *what, const char *name, struct kv_list *out,
				  struct lxh_error *err)
{
	char quoted[JSON_QUOTE_MAX + 4];

	if (!YAJL_IS_OBJECT(v))
		return lxh_error_set(err, 0, "%s: \"%s\" must be an object of strings", what, name);
	for (size_t i = v->u.object.len; i-- > 0;) {
		const char *key = v->u.object.keys[i];
		yajl_val val = v->u.object.values[i];

		if (!YAJL_IS_STRING(val))
			return lxh_error_set(err, 0, "%s: \"%s\".\"%s\" must be a string", what, name,
					     json_quote(key, quoted));
		if (kv_list_add(out, key, val->u.string) < 0)
			return lxh_error_set(err, ENOMEM, "%s: \"%s\"", what, name);
	}
	return 0;
}

#endif
