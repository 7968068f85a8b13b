/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.c - parse and validate the OCI runtime state a hook reads on stdin.
 *
 * Every container start of a node that registers the hook for all containers runs this,
 * and most end right after it ("not annotated"). So it is yajl's event parser, not its
 * tree: the few values we use are copied into the state's own buffer as they go by, and
 * nothing is allocated on the heap for a state of common size (issue 11). The rules are
 * those of the tree it replaced: checks in the same order, the first of two equal
 * top-level keys, the last of two equal annotations.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "json.h"
#include "state.h"

#define WHAT "state"
#define STATE_ID_MAX 1024

static const char *const statuses[] = { "creating", "created", "running", "stopped" };

/* The top-level keys we read, in the order they are checked. */
enum field { F_ID, F_STATUS, F_PID, F_BUNDLE, F_ROOT, F_ANNOTATIONS, F_COUNT, F_NONE = F_COUNT };
static const char *const field_names[F_COUNT] = { "id", "status", "pid", "bundle", "root", "annotations" };

/* What a top-level value was: only its first occurrence is recorded. */
enum kind { K_ABSENT = 0, K_NULL, K_STRING, K_INTEGER, K_OBJECT, K_OTHER };

struct field_value {
	enum kind kind;
	char *s;     /* K_STRING */
	long long i; /* K_INTEGER */
};

struct parse_ctx {
	struct oci_state *st;
	unsigned depth;       /* open objects and arrays; the top-level object is depth 1 */
	bool top_is_object;
	enum field field;     /* the top-level key whose value comes next (depth 1), or F_NONE */
	bool in_annotations;  /* depth 2 is the recorded "annotations" object */
	const char **ann_slot; /* where the current annotation's string goes: one of ours, or NULL */
	char ann_key[JSON_QUOTE_MAX + 2]; /* the current annotation's key, cut for messages */
	bool bad_value;                   /* an annotation's value is not a string */
	char bad_key[JSON_QUOTE_MAX + 4]; /* the last such annotation's key, quoted */
	bool nomem;
	struct field_value v[F_COUNT];
};

/* A value at depth 1 (top-level) or 2 (in annotations) arrived; record what the tree would have kept. */
static int on_value(struct parse_ctx *c, enum kind kind, const char *s, size_t len, long long i)
{
	if (c->depth == 0) {
		c->top_is_object = kind == K_OBJECT;
		return 1;
	}
	if (c->depth == 1 && c->field != F_NONE) {
		struct field_value *v = &c->v[c->field];

		c->field = F_NONE;
		if (v->kind != K_ABSENT)
			return 1; /* the first of two equal keys counts */
		v->kind = kind;
		v->i = i;
		if (kind == K_STRING) {
			v->s = arena_strndup(&c->st->mem, s, len);
			if (!v->s) {
				c->nomem = true;
				return 0;
			}
		}
		c->in_annotations = &c->v[F_ANNOTATIONS] == v && kind == K_OBJECT;
		return 1;
	}
	if (c->depth == 2 && c->in_annotations) {
		c->st->n_annotations++;
		if (kind != K_STRING) {
			c->bad_value = true;
			json_quote(c->ann_key, c->bad_key);
		} else if (c->ann_slot) {
			*c->ann_slot = arena_strndup(&c->st->mem, s, len);
			if (!*c->ann_slot) {
				c->nomem = true;
				return 0;
			}
		}
	}
	return 1; /* deeper: nothing we read */
}

static struct parse_ctx *ctx_of(void *p) { return p; }

static int on_null(void *p) { return on_value(ctx_of(p), K_NULL, NULL, 0, 0); }
static int on_boolean(void *p, int b)
{
	(void)b;
	return on_value(ctx_of(p), K_OTHER, NULL, 0, 0);
}

/*
 * An integer as yajl's tree judged one: digits with an optional minus, no fraction or
 * exponent ("1.0" and "1e3" have no integer value), within long long.
 */
static int on_number(void *p, const char *s, size_t len)
{
	size_t i = len && s[0] == '-' ? 1 : 0;
	unsigned long long n = 0;

	if (i == len)
		return on_value(ctx_of(p), K_OTHER, NULL, 0, 0);
	for (; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || n > ((unsigned long long)LLONG_MAX - d) / 10)
			return on_value(ctx_of(p), K_OTHER, NULL, 0, 0);
		n = n * 10 + d;
	}
	return on_value(ctx_of(p), K_INTEGER, NULL, 0, s[0] == '-' ? -(long long)n : (long long)n);
}

static int on_string(void *p, const unsigned char *s, size_t len)
{
	return on_value(ctx_of(p), K_STRING, (const char *)s, len, 0);
}

static bool key_is(const unsigned char *key, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(key, name, len) == 0;
}

static int on_map_key(void *p, const unsigned char *key, size_t len)
{
	struct parse_ctx *c = ctx_of(p);

	if (c->depth == 1) {
		c->field = F_NONE;
		for (int f = 0; f < F_COUNT; f++)
			if (key_is(key, len, field_names[f]))
				c->field = (enum field)f;
	} else if (c->depth == 2 && c->in_annotations) {
		size_t n = len < sizeof(c->ann_key) - 1 ? len : sizeof(c->ann_key) - 1;

		/* One byte past what json_quote shows, so it knows to add "...". */
		memcpy(c->ann_key, key, n);
		c->ann_key[n] = '\0';
		c->ann_slot = key_is(key, len, ANNOTATION_ENABLE) ? &c->st->annotations.enable
			      : key_is(key, len, ANNOTATION_FILES) ? &c->st->annotations.files
								     : NULL;
	}
	return 1;
}

static int on_start(void *p, enum kind kind)
{
	struct parse_ctx *c = ctx_of(p);
	int ret = on_value(c, kind, NULL, 0, 0);

	c->depth++;
	return ret;
}
static int on_start_map(void *p) { return on_start(p, K_OBJECT); }
static int on_start_array(void *p) { return on_start(p, K_OTHER); }

static int on_end(void *p)
{
	struct parse_ctx *c = ctx_of(p);

	if (--c->depth == 1)
		c->in_annotations = false; /* only the first "annotations" is read */
	return 1;
}

static const yajl_callbacks callbacks = JSON_EVENT_CALLBACKS;

static void *arena_yajl_malloc(void *a, size_t n) { return arena_alloc(a, n); }
static void *arena_yajl_realloc(void *a, void *p, size_t n) { return arena_realloc(a, p, n); }
static void arena_yajl_free(void *a, void *p) { arena_free(a, p); }

/* The grammar: yajl's message on failure, as the tree parser gave it. */
static int parse_events(const char *buf, size_t len, struct parse_ctx *c, struct lxh_error *err)
{
	yajl_alloc_funcs funcs = { arena_yajl_malloc, arena_yajl_realloc, arena_yajl_free, &c->st->mem };
	int ret = json_events(buf, len, &callbacks, &funcs, c, WHAT, err);

	/* A callback stops the parse only when out of memory. */
	if (c->nomem || ret > 0)
		return lxh_error_set(err, ENOMEM, WHAT);
	if (ret < 0)
		return ret;
	if (!c->top_is_object)
		return lxh_error_set(err, 0, WHAT ": the top level must be a JSON object");
	return 0;
}

/* A required or optional string key, non-empty: no key here means anything empty. */
static int check_string(const struct parse_ctx *c, enum field f, bool required, const char *expected, char **out,
			struct lxh_error *err)
{
	const struct field_value *v = &c->v[f];

	*out = NULL;
	if (v->kind == K_ABSENT || v->kind == K_NULL) {
		if (required)
			return lxh_error_set(err, 0, WHAT ": \"%s\" is missing (expected %s)", field_names[f], expected);
		return 0;
	}
	if (v->kind != K_STRING || v->s[0] == '\0')
		return lxh_error_set(err, 0, WHAT ": \"%s\" must be %s", field_names[f], expected);
	*out = v->s;
	return 0;
}

static int check_status(const char *status, struct lxh_error *err)
{
	char quoted[JSON_QUOTE_MAX + 4];

	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++)
		if (strcmp(status, statuses[i]) == 0)
			return 0;
	return lxh_error_set(err, 0, WHAT ": \"status\" must be one of creating, created, running, stopped, not \"%s\"",
			     json_quote(status, quoted));
}

/* A stopped container has no process: runc reports pid 0 there, or omits it. */
static int check_pid(const struct field_value *v, bool stopped, int *pid, struct lxh_error *err)
{
	*pid = 0;
	if (v->kind == K_ABSENT || v->kind == K_NULL) {
		if (stopped)
			return 0;
		return lxh_error_set(err, 0, WHAT ": \"pid\" is missing (expected a positive integer)");
	}
	if (v->kind != K_INTEGER)
		return lxh_error_set(err, 0, WHAT ": \"pid\" must be a positive integer");
	if (stopped && v->i == 0)
		return 0;
	if (v->i < 1 || v->i > INT_MAX)
		return lxh_error_set(err, 0, WHAT ": \"pid\" must be a positive integer, not %lld", v->i);
	*pid = (int)v->i;
	return 0;
}

static int check_fields(const struct parse_ctx *c, struct oci_state *st, struct lxh_error *err)
{
	const struct field_value *ann = &c->v[F_ANNOTATIONS];
	int ret;

	ret = check_string(c, F_ID, true, "a non-empty string", &st->id, err);
	if (ret < 0)
		return ret;
	if (strlen(st->id) > STATE_ID_MAX)
		return lxh_error_set(err, 0, WHAT ": \"id\" must be at most %d bytes long, not %zu", STATE_ID_MAX,
				     strlen(st->id));

	ret = check_string(c, F_STATUS, true, "a string: creating, created, running or stopped", &st->status, err);
	if (ret < 0)
		return ret;
	ret = check_status(st->status, err);
	if (ret < 0)
		return ret;

	ret = check_pid(&c->v[F_PID], strcmp(st->status, "stopped") == 0, &st->pid, err);
	if (ret < 0)
		return ret;

	ret = check_string(c, F_BUNDLE, true, "an absolute path", &st->bundle, err);
	if (ret < 0)
		return ret;
	if (st->bundle[0] != '/')
		return lxh_error_set(err, 0, WHAT ": \"bundle\" must be an absolute path");

	/* crun adds "root", as written in config.json: possibly relative to the bundle. */
	ret = check_string(c, F_ROOT, false, "a non-empty string", &st->root, err);
	if (ret < 0)
		return ret;

	if (ann->kind != K_ABSENT && ann->kind != K_NULL && ann->kind != K_OBJECT)
		return lxh_error_set(err, 0, WHAT ": \"annotations\" must be an object of strings");
	if (c->bad_value)
		return lxh_error_set(err, 0, WHAT ": \"annotations\".\"%s\" must be a string", c->bad_key);
	return 0;
}

int oci_state_parse(const char *buf, size_t len, struct oci_state *st, struct lxh_error *err)
{
	struct parse_ctx c = { .st = st, .field = F_NONE };
	int ret;

	oci_state_init(st);

	ret = json_precheck(buf, len, WHAT, JSON_MAX_DEPTH, err);
	if (ret == 0)
		ret = parse_events(buf, len, &c, err);
	if (ret == 0)
		ret = check_fields(&c, st, err);
	if (ret < 0)
		oci_state_free(st);
	return ret;
}

void oci_state_init(struct oci_state *st)
{
	st->id = st->status = st->bundle = st->root = NULL;
	st->pid = 0;
	st->n_annotations = 0;
	st->annotations = (struct lxcfs_annotations){ 0 };
	arena_init(&st->mem, st->store, sizeof(st->store));
}

void oci_state_free(struct oci_state *st)
{
	arena_release(&st->mem);
	oci_state_init(st);
}
