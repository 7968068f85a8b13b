/* SPDX-License-Identifier: Apache-2.0 */
/* state.c - parse and validate the OCI runtime state a hook reads on stdin. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "state.h"

#define WHAT "state"
#define STATE_ID_MAX 1024

static const char *const statuses[] = { "creating", "created", "running", "stopped" };

/*
 * A required or optional string key: *out is a malloc'd copy, or NULL when an
 * optional key is absent. Empty strings are refused: no key here means anything empty.
 */
static int get_string(yajl_val tree, const char *key, bool required, const char *expected, char **out,
		      struct lxh_error *err)
{
	yajl_val v = json_get(tree, key, yajl_t_any);

	*out = NULL;
	if (json_absent(v)) {
		if (required)
			return lxh_error_set(err, 0, WHAT ": \"%s\" is missing (expected %s)", key, expected);
		return 0;
	}
	if (!YAJL_IS_STRING(v) || v->u.string[0] == '\0')
		return lxh_error_set(err, 0, WHAT ": \"%s\" must be %s", key, expected);
	*out = strdup(v->u.string);
	if (!*out)
		return lxh_error_set(err, ENOMEM, WHAT ": \"%s\"", key);
	return 0;
}

static int parse_status(const char *status, struct lxh_error *err)
{
	char quoted[JSON_QUOTE_MAX + 4];

	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++)
		if (strcmp(status, statuses[i]) == 0)
			return 0;
	return lxh_error_set(err, 0, WHAT ": \"status\" must be one of creating, created, running, stopped, not \"%s\"",
			     json_quote(status, quoted));
}

/* A stopped container has no process: runc reports pid 0 there, or omits it. */
static int parse_pid(yajl_val tree, bool stopped, int *pid, struct lxh_error *err)
{
	yajl_val v = json_get(tree, "pid", yajl_t_any);
	long long n;

	*pid = 0;
	if (json_absent(v)) {
		if (stopped)
			return 0;
		return lxh_error_set(err, 0, WHAT ": \"pid\" is missing (expected a positive integer)");
	}
	/* Not YAJL_IS_INTEGER: "1.0", "1e3" and out-of-range numbers have no valid integer value. */
	if (!YAJL_IS_INTEGER(v))
		return lxh_error_set(err, 0, WHAT ": \"pid\" must be a positive integer");
	n = YAJL_GET_INTEGER(v);
	if (stopped && n == 0)
		return 0;
	if (n < 1 || n > INT_MAX)
		return lxh_error_set(err, 0, WHAT ": \"pid\" must be a positive integer, not %lld", n);
	*pid = (int)n;
	return 0;
}

static int parse_tree(yajl_val tree, struct oci_state *st, struct lxh_error *err)
{
	yajl_val ann;
	int ret;

	ret = get_string(tree, "id", true, "a non-empty string", &st->id, err);
	if (ret < 0)
		return ret;
	if (strlen(st->id) > STATE_ID_MAX)
		return lxh_error_set(err, 0, WHAT ": \"id\" must be at most %d bytes long, not %zu", STATE_ID_MAX,
				     strlen(st->id));

	ret = get_string(tree, "status", true, "a string: creating, created, running or stopped", &st->status, err);
	if (ret < 0)
		return ret;
	ret = parse_status(st->status, err);
	if (ret < 0)
		return ret;

	ret = parse_pid(tree, strcmp(st->status, "stopped") == 0, &st->pid, err);
	if (ret < 0)
		return ret;

	ret = get_string(tree, "bundle", true, "an absolute path", &st->bundle, err);
	if (ret < 0)
		return ret;
	if (st->bundle[0] != '/')
		return lxh_error_set(err, 0, WHAT ": \"bundle\" must be an absolute path");

	/* crun adds "root", as written in config.json: possibly relative to the bundle. */
	ret = get_string(tree, "root", false, "a non-empty string", &st->root, err);
	if (ret < 0)
		return ret;

	ann = json_get(tree, "annotations", yajl_t_any);
	if (!json_absent(ann)) {
		ret = json_string_map(ann, WHAT, "annotations", &st->annotations, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int oci_state_parse(const char *buf, size_t len, struct oci_state *st, struct lxh_error *err)
{
	cleanup_yajl yajl_val tree = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = json_parse_object(buf, len, WHAT, &tree, err);
	if (ret < 0)
		return ret;
	ret = parse_tree(tree, st, err);
	if (ret < 0)
		oci_state_free(st);
	return ret;
}

void oci_state_free(struct oci_state *st)
{
	free(st->id);
	free(st->status);
	free(st->bundle);
	free(st->root);
	kv_list_free(&st->annotations);
	memset(st, 0, sizeof(*st));
}
