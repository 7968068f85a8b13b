/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec_parse.c - parse the parts of config.json the hook reads, as yajl's events go by.
 *
 * Every annotated start parses config.json, and yajl's tree made that the costliest step
 * of the hook's own work before the worker (issue 11): a node for every value of a 3 KiB
 * file, about 1,300 allocator calls, and strtod() for every number, whose first call in a
 * process costs more than the whole rest of the parse. Here only the values read are copied
 * out. The rules are the tree's, which the hook had until this file: the first of two equal
 * keys of an object, the last of two equal annotations, the last annotation that is not a
 * string named, the checks in the same order (root, linux.namespaces, mounts, annotations)
 * whatever order the file has them in, and within an array the first bad element.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "spec.h"

#define WHAT "config.json"

/* What a value was. */
enum kind { K_ABSENT = 0, K_NULL, K_STRING, K_OBJECT, K_ARRAY, K_OTHER };

/* Which value comes next, by where it sits in the document. */
enum slot {
	S_NONE,
	S_ROOT,      /* "root" */
	S_ROOT_PATH, /* "root"."path" */
	S_LINUX,     /* "linux" */
	S_NSS,       /* "linux"."namespaces" */
	S_NS,        /* "linux"."namespaces"[i] */
	S_NS_TYPE,   /* "linux"."namespaces"[i]."type" */
	S_NS_PATH,   /* "linux"."namespaces"[i]."path" */
	S_MOUNTS,    /* "mounts" */
	S_MOUNT,     /* "mounts"[i] */
	S_DEST,      /* "mounts"[i]."destination" */
	S_ANN,       /* "annotations" */
	S_ANN_VALUE, /* "annotations".KEY */
};

/* An open object or array: which one of ours it is (S_NONE: none we read). */
struct frame {
	enum slot of;
	enum slot next; /* in an object: the slot of the value after the last key */
	unsigned seen;  /* in an object: the keys of ours already given (bits of slot numbers) */
	size_t index;   /* in an array: the next element's index */
};

struct parse_ctx {
	struct oci_spec *spec;
	struct frame stack[JSON_MAX_DEPTH + 1];
	unsigned depth;
	bool top_is_object, nomem, too_deep;
	enum kind root, root_path, linux_, nss, mounts, ann;
	/* The namespace being read, and the first bad one. */
	size_t ns_index;
	enum kind ns_type, ns_path;
	bool ns_is_mount;
	char *ns_path_s;
	struct lxh_error ns_err; /* the first bad one: its code is set once there is one */
	/* The mount being read, and the first bad one. */
	size_t mount_index, mounts_cap;
	enum kind dest;
	char *dest_s;
	struct lxh_error mounts_err; /* likewise */
	/* The current annotation's key, and the last one whose value is not a string. */
	char *key;
	size_t key_cap;
	bool bad_ann;
	char bad_key[JSON_QUOTE_MAX + 4];
};

static struct parse_ctx *ctx_of(void *p) { return p; }

/*
 * A NUL-terminated copy of @s into *@dst (unset before: only the first of equal keys is
 * copied). GCC 12's -fanalyzer loses the string once it is stored through a pointer it was
 * handed (&c->spec->root_path), and calls it leaked; every destination is freed by
 * oci_spec_free or ctx_free.
 */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static void copy_into(struct parse_ctx *c, char **dst, const char *s, size_t len)
{
	*dst = strndup(s, len);
	if (!*dst)
		c->nomem = true;
}
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#pragma GCC diagnostic pop
#endif

/* A cleaned copy of a mount destination; runc resolves a relative one against the rootfs. */
static int clean_destination(const char *dest, char **out)
{
	size_t size = strlen(dest) + 2;
	cleanup_free char *raw = malloc(size);
	char *clean;
	int ret;

	*out = NULL;
	if (!raw)
		return -ENOMEM;
	snprintf(raw, size, "%s%s", dest[0] == '/' ? "" : "/", dest);
	clean = malloc(size);
	if (!clean)
		return -ENOMEM;
	ret = path_clean(raw, clean, size);
	if (ret < 0) {
		free(clean);
		return ret;
	}
	*out = clean;
	return 0;
}

static bool absent(enum kind k) { return k == K_ABSENT || k == K_NULL; }

/* A namespace's object has ended: the tree's checks of element @c->ns_index; the first failure is kept. */
static void ns_end(struct parse_ctx *c)
{
	struct oci_spec *spec = c->spec;
	cleanup_free char *path = move_ptr(c->ns_path_s);
	size_t i = c->ns_index;

	if (c->ns_err.code)
		return;
	if (c->ns_type != K_STRING) {
		lxh_error_set(&c->ns_err, 0, WHAT ": \"linux\".\"namespaces\"[%zu].\"type\" must be a string", i);
		return;
	}
	if (!c->ns_is_mount)
		return;
	/* runc refuses a namespace type given twice too; which one we join must not be a guess. */
	if (spec->has_mount_ns) {
		lxh_error_set(&c->ns_err, 0, WHAT ": \"linux\".\"namespaces\" holds the mount namespace twice");
		return;
	}
	spec->has_mount_ns = true;
	if (absent(c->ns_path))
		return;
	if (c->ns_path != K_STRING) {
		lxh_error_set(&c->ns_err, 0, WHAT ": \"linux\".\"namespaces\"[%zu].\"path\" must be a string", i);
		return;
	}
	/* An empty path is how Go's omitempty-less encoders say "no path": a new namespace. */
	if (path && path[0] != '\0')
		spec->mount_ns_path = move_ptr(path);
}

/* A mount's object has ended: the tree's checks of element @c->mount_index; the first failure is kept. */
static void mount_end(struct parse_ctx *c)
{
	struct oci_spec *spec = c->spec;
	cleanup_free char *dest = move_ptr(c->dest_s);
	size_t i = c->mount_index;
	int ret;

	if (c->mounts_err.code)
		return;
	if (absent(c->dest)) {
		lxh_error_set(&c->mounts_err, 0, WHAT ": \"mounts\"[%zu].\"destination\" is missing", i);
		return;
	}
	if (c->dest != K_STRING || !dest || dest[0] == '\0') {
		lxh_error_set(&c->mounts_err, 0, WHAT ": \"mounts\"[%zu].\"destination\" must be a non-empty string", i);
		return;
	}
	if (spec->n_mounts == c->mounts_cap) {
		size_t cap = c->mounts_cap ? c->mounts_cap * 2 : 16;
		char **grown = realloc(spec->mount_dests, cap * sizeof(*grown));

		if (!grown) {
			c->nomem = true;
			return;
		}
		spec->mount_dests = grown;
		c->mounts_cap = cap;
	}
	ret = clean_destination(dest, &spec->mount_dests[spec->n_mounts]);
	if (ret < 0) {
		lxh_error_set(&c->mounts_err, -ret, WHAT ": \"mounts\"[%zu].\"destination\"", i);
		return;
	}
	spec->n_mounts++;
}

/* The slot of a value in @f: by the key before it in an object, by position in an array. */
static enum slot slot_of(struct parse_ctx *c, struct frame *f)
{
	enum slot s = f->next;

	f->next = S_NONE;
	if (f->of == S_NSS || f->of == S_MOUNTS) {
		size_t i = f->index++;

		if (f->of == S_NSS) {
			c->ns_index = i;
			return S_NS;
		}
		c->mount_index = i;
		return S_MOUNT;
	}
	return s;
}

/* A value arrived: a scalar (@s, @len for a string), or an object or array that opens here. */
static int on_value(struct parse_ctx *c, enum kind kind, const char *s, size_t len)
{
	enum slot slot = S_NONE;

	if (c->depth == 0)
		c->top_is_object = kind == K_OBJECT;
	else
		slot = slot_of(c, &c->stack[c->depth - 1]);
	switch (slot) {
	case S_ROOT:
		c->root = kind;
		break;
	case S_ROOT_PATH:
		c->root_path = kind;
		if (kind == K_STRING)
			copy_into(c, &c->spec->root_path, s, len);
		break;
	case S_LINUX:
		c->linux_ = kind;
		break;
	case S_NSS:
		c->nss = kind;
		break;
	case S_NS:
		c->ns_type = c->ns_path = K_ABSENT;
		c->ns_is_mount = false;
		if (kind != K_OBJECT && !c->ns_err.code) {
			lxh_error_set(&c->ns_err, 0, WHAT ": \"linux\".\"namespaces\"[%zu] must be an object", c->ns_index);
		}
		break;
	case S_NS_TYPE:
		c->ns_type = kind;
		c->ns_is_mount = kind == K_STRING && len == 5 && memcmp(s, "mount", 5) == 0;
		break;
	case S_NS_PATH:
		c->ns_path = kind;
		if (kind == K_STRING)
			copy_into(c, &c->ns_path_s, s, len);
		break;
	case S_MOUNTS:
		c->mounts = kind;
		break;
	case S_MOUNT:
		c->dest = K_ABSENT;
		if (kind != K_OBJECT && !c->mounts_err.code) {
			lxh_error_set(&c->mounts_err, 0, WHAT ": \"mounts\"[%zu] must be an object", c->mount_index);
		}
		break;
	case S_DEST:
		c->dest = kind;
		if (kind == K_STRING)
			copy_into(c, &c->dest_s, s, len);
		break;
	case S_ANN:
		c->ann = kind;
		break;
	case S_ANN_VALUE:
		if (kind != K_STRING) {
			c->bad_ann = true;
			json_quote(c->key, c->bad_key);
		} else {
			cleanup_free char *value = NULL;

			copy_into(c, &value, s, len);
			if (value && kv_list_add(&c->spec->annotations, c->key, value) < 0)
				c->nomem = true;
		}
		break;
	default:
		break;
	}
	if (kind == K_OBJECT || kind == K_ARRAY) {
		/* Only an object or array of the type the tree wanted is read into. */
		static const enum kind wanted[] = { [S_ROOT] = K_OBJECT, [S_LINUX] = K_OBJECT, [S_NSS] = K_ARRAY,
						    [S_NS] = K_OBJECT,   [S_MOUNTS] = K_ARRAY, [S_MOUNT] = K_OBJECT,
						    [S_ANN] = K_OBJECT,  [S_ANN_VALUE] = K_ABSENT };
		struct frame *f;

		if (c->depth >= ARRAY_SIZE(c->stack)) {
			c->too_deep = true; /* json_precheck bounds the depth: never here */
			return 0;
		}
		f = &c->stack[c->depth++];
		*f = (struct frame){ .of = S_NONE, .next = S_NONE };
		if ((size_t)slot < ARRAY_SIZE(wanted) && wanted[slot] != K_ABSENT && wanted[slot] == kind)
			f->of = slot;
	}
	return c->nomem ? 0 : 1;
}

static int on_null(void *p) { return on_value(ctx_of(p), K_NULL, NULL, 0); }
static int on_boolean(void *p, int b)
{
	(void)b;
	return on_value(ctx_of(p), K_OTHER, NULL, 0);
}
static int on_number(void *p, const char *s, size_t len)
{
	(void)s;
	(void)len;
	return on_value(ctx_of(p), K_OTHER, NULL, 0);
}
static int on_string(void *p, const unsigned char *s, size_t len)
{
	return on_value(ctx_of(p), K_STRING, (const char *)s, len);
}
static int on_start_map(void *p) { return on_value(ctx_of(p), K_OBJECT, NULL, 0); }
static int on_start_array(void *p) { return on_value(ctx_of(p), K_ARRAY, NULL, 0); }

static bool key_is(const unsigned char *key, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(key, name, len) == 0;
}

/* The keys of ours in each object we read, and the slot of their value. */
static const struct {
	enum slot in, slot;
	const char *key;
} keys[] = {
	{ S_NONE, S_ROOT, "root" },	    { S_NONE, S_LINUX, "linux" },	  { S_NONE, S_MOUNTS, "mounts" },
	{ S_NONE, S_ANN, "annotations" },   { S_ROOT, S_ROOT_PATH, "path" },	  { S_LINUX, S_NSS, "namespaces" },
	{ S_NS, S_NS_TYPE, "type" },	    { S_NS, S_NS_PATH, "path" },	  { S_MOUNT, S_DEST, "destination" },
};

static int on_map_key(void *p, const unsigned char *key, size_t len)
{
	struct parse_ctx *c = ctx_of(p);
	struct frame *f = &c->stack[c->depth - 1];

	f->next = S_NONE;
	if (f->of == S_ANN) {
		if (len + 1 > c->key_cap) {
			size_t cap = len + 1 > 2 * c->key_cap ? len + 1 : 2 * c->key_cap;
			char *grown = realloc(c->key, cap);

			if (!grown) {
				c->nomem = true;
				return 0;
			}
			c->key = grown;
			c->key_cap = cap;
		}
		memcpy(c->key, key, len);
		c->key[len] = '\0';
		f->next = S_ANN_VALUE;
		return 1;
	}
	/* The top level is the one object at depth 1 that is none of ours. */
	if (f->of == S_NONE && c->depth != 1)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].in != f->of || !key_is(key, len, keys[i].key))
			continue;
		/* The first of two equal keys counts, as yajl_tree_get found it. */
		if (!(f->seen & (1u << keys[i].slot))) {
			f->seen |= 1u << keys[i].slot;
			f->next = keys[i].slot;
		}
		break;
	}
	return 1;
}

static int on_end(void *p)
{
	struct parse_ctx *c = ctx_of(p);
	enum slot of = c->stack[--c->depth].of;

	if (of == S_NS)
		ns_end(c);
	else if (of == S_MOUNT)
		mount_end(c);
	return c->nomem ? 0 : 1;
}

static const yajl_callbacks callbacks = JSON_EVENT_CALLBACKS;

/* The grammar: yajl's message on failure, as its tree parser gave it. */
static int parse_events(const char *buf, size_t len, struct parse_ctx *c, struct lxh_error *err)
{
	int ret = json_events(buf, len, &callbacks, NULL, c, WHAT, err);

	/* A callback stops the parse when out of memory, or past a depth json_precheck refused already. */
	if (c->nomem)
		return lxh_error_set(err, ENOMEM, WHAT);
	if (c->too_deep || ret > 0)
		return lxh_error_set(err, 0, WHAT ": JSON nested deeper than %u levels", JSON_MAX_DEPTH);
	if (ret < 0)
		return ret;
	if (!c->top_is_object)
		return lxh_error_set(err, 0, WHAT ": the top level must be a JSON object");
	return 0;
}

/* The annotations' checks; the list was built first to last, the tree's is last to first. */
static int check_annotations(struct parse_ctx *c, struct lxh_error *err)
{
	struct kv_list *l = &c->spec->annotations;

	if (absent(c->ann))
		return 0;
	if (c->ann != K_OBJECT)
		return lxh_error_set(err, 0, WHAT ": \"annotations\" must be an object of strings");
	if (c->bad_ann)
		return lxh_error_set(err, 0, WHAT ": \"annotations\".\"%s\" must be a string", c->bad_key);
	/* A key given twice: the last one wins (Go's encoding/json), and kv_list_get finds the first. */
	for (size_t i = 0; i < l->n / 2; i++) {
		struct kv t = l->items[i];

		l->items[i] = l->items[l->n - 1 - i];
		l->items[l->n - 1 - i] = t;
	}
	return 0;
}

/* The tree's checks, in its order. */
static int check_spec(struct parse_ctx *c, struct lxh_error *err)
{
	if (absent(c->root))
		return lxh_error_set(err, 0, WHAT ": \"root\" is missing (expected an object with a string \"path\")");
	if (c->root != K_OBJECT)
		return lxh_error_set(err, 0, WHAT ": \"root\" must be an object with a string \"path\"");
	if (absent(c->root_path))
		return lxh_error_set(err, 0, WHAT ": \"root\".\"path\" is missing (expected a non-empty string)");
	if (c->root_path != K_STRING || c->spec->root_path[0] == '\0')
		return lxh_error_set(err, 0, WHAT ": \"root\".\"path\" must be a non-empty string");

	if (!absent(c->linux_)) {
		if (c->linux_ != K_OBJECT)
			return lxh_error_set(err, 0, WHAT ": \"linux\" must be an object");
		if (!absent(c->nss) && c->nss != K_ARRAY)
			return lxh_error_set(err, 0, WHAT ": \"linux\".\"namespaces\" must be an array of objects");
		if (c->ns_err.code) {
			*err = c->ns_err;
			return -err->code;
		}
	}
	if (!absent(c->mounts)) {
		if (c->mounts != K_ARRAY)
			return lxh_error_set(err, 0, WHAT ": \"mounts\" must be an array of objects");
		if (c->mounts_err.code) {
			*err = c->mounts_err;
			return -err->code;
		}
	}
	return check_annotations(c, err);
}

static void ctx_free(struct parse_ctx *c)
{
	free(c->ns_path_s);
	free(c->dest_s);
	free(c->key);
}

/* Parse @buf into @spec (zeroed here); @all: every check, else only the annotations'. */
static int parse(const char *buf, size_t len, struct oci_spec *spec, bool all, struct lxh_error *err)
{
	__attribute__((cleanup(ctx_free))) struct parse_ctx c = { .spec = spec };
	int ret;

	memset(spec, 0, sizeof(*spec));
	ret = json_precheck(buf, len, WHAT, JSON_MAX_DEPTH, err);
	if (ret == 0)
		ret = parse_events(buf, len, &c, err);
	if (ret == 0)
		ret = all ? check_spec(&c, err) : check_annotations(&c, err);
	if (ret < 0)
		oci_spec_free(spec);
	return ret;
}

int oci_spec_parse(const char *buf, size_t len, struct oci_spec *spec, struct lxh_error *err)
{
	return parse(buf, len, spec, true, err);
}

int oci_spec_annotations(const char *buf, size_t len, struct kv_list *out, struct lxh_error *err)
{
	struct oci_spec spec;
	int ret = parse(buf, len, &spec, false, err);

	*out = spec.annotations;
	spec.annotations = (struct kv_list){ 0 };
	oci_spec_free(&spec);
	return ret;
}
