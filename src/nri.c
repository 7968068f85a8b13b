/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "json.h"
#include "nri.h"

#define WHAT "nri request"

static int dup_string(yajl_val obj, const char *key, bool required, char **out, struct lxh_error *err)
{
	yajl_val v = obj ? json_get(obj, key, yajl_t_any) : NULL;

	*out = NULL;
	if (json_absent(v))
		return required ? lxh_error_set(err, 0, WHAT ": \"%s\" is missing", key) : 0;
	if (!YAJL_IS_STRING(v))
		return lxh_error_set(err, 0, WHAT ": \"%s\" must be a string", key);
	*out = strdup(v->u.string);
	return *out ? 0 : lxh_error_set(err, ENOMEM, WHAT);
}

static int parse_conf(yajl_val conf, struct nri_conf *c, struct lxh_error *err)
{
	yajl_val t;

	if (json_absent(conf))
		return 0;
	if (!YAJL_IS_OBJECT(conf))
		return lxh_error_set(err, 0, WHAT ": \"conf\" must be an object");
	if (dup_string(conf, "lxcfs-root", false, &c->lxcfs_root, err) < 0 ||
	    dup_string(conf, "default", false, &c->def, err) < 0 ||
	    dup_string(conf, "on-missing", false, &c->on_missing, err) < 0 ||
	    dup_string(conf, "log-level", false, &c->log_level, err) < 0)
		return lxh_error_wrap(err, "conf");
	t = json_get(conf, "timeout", yajl_t_any);
	if (!json_absent(t)) {
		if (!YAJL_IS_INTEGER(t) || YAJL_GET_INTEGER(t) < 1 || YAJL_GET_INTEGER(t) > 3600)
			return lxh_error_set(err, 0, WHAT ": \"conf\".\"timeout\" must be whole seconds from 1 to 3600");
		c->timeout_s = (int)YAJL_GET_INTEGER(t);
	}
	return 0;
}

int nri_request_parse(const char *buf, size_t len, struct nri_request *req, struct lxh_error *err)
{
	cleanup_yajl yajl_val tree = NULL;
	const char *ann_path[] = { "spec", "annotations", NULL };
	yajl_val pid, ann, spec;
	int rc;

	memset(req, 0, sizeof(*req));
	rc = json_parse_object(buf, len, WHAT, &tree, err);
	if (rc < 0)
		return rc;
	if ((rc = dup_string(tree, "version", true, &req->version, err)) < 0 ||
	    (rc = dup_string(tree, "state", true, &req->state, err)) < 0 ||
	    (rc = dup_string(tree, "id", true, &req->id, err)) < 0 ||
	    (rc = dup_string(tree, "sandboxID", false, &req->sandbox_id, err)) < 0)
		goto fail;
	if (!req->id[0]) {
		rc = lxh_error_set(err, 0, WHAT ": \"id\" is empty");
		goto fail;
	}
	pid = json_get(tree, "pid", yajl_t_any);
	if (!json_absent(pid)) {
		if (!YAJL_IS_INTEGER(pid) || YAJL_GET_INTEGER(pid) < 0 || YAJL_GET_INTEGER(pid) > INT_MAX) {
			rc = lxh_error_set(err, 0, WHAT ": \"pid\" must be a non-negative integer");
			goto fail;
		}
		req->pid = (int)YAJL_GET_INTEGER(pid);
	}
	spec = json_get(tree, "spec", yajl_t_any);
	if (!json_absent(spec) && !YAJL_IS_OBJECT(spec)) {
		rc = lxh_error_set(err, 0, WHAT ": \"spec\" must be an object");
		goto fail;
	}
	if (!json_absent(spec) && (rc = dup_string(spec, "cgroupsPath", false, &req->cgroups_path, err)) < 0)
		goto fail;
	ann = yajl_tree_get(tree, ann_path, yajl_t_any);
	if (!json_absent(ann) && (rc = json_string_map(ann, WHAT, "spec.annotations", &req->annotations, err)) < 0)
		goto fail;
	if ((rc = parse_conf(json_get(tree, "conf", yajl_t_any), &req->conf, err)) < 0)
		goto fail;
	return 0;
fail:
	nri_request_free(req);
	return rc;
}

void nri_request_free(struct nri_request *req)
{
	free(req->version);
	free(req->state);
	free(req->id);
	free(req->sandbox_id);
	free(req->cgroups_path);
	kv_list_free(&req->annotations);
	free(req->conf.lxcfs_root);
	free(req->conf.def);
	free(req->conf.on_missing);
	free(req->conf.log_level);
	memset(req, 0, sizeof(*req));
}

bool nri_request_is_sandbox(const struct nri_request *req)
{
	const char *type = kv_list_get(&req->annotations, "io.kubernetes.cri.container-type");

	if (type)
		return strcmp(type, "sandbox") == 0;
	return req->sandbox_id && strcmp(req->sandbox_id, req->id) == 0;
}

static void gen_free(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}

#define GEN_STR(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

int nri_result_write(int fd, const char *name, const char *error)
{
	__attribute__((cleanup(gen_free))) yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *out;
	size_t len, off = 0;

	if (!g)
		return -ENOMEM;
	yajl_gen_map_open(g);
	GEN_STR(g, "plugin");
	GEN_STR(g, name);
	GEN_STR(g, "version");
	GEN_STR(g, "0.1");
	GEN_STR(g, "error");
	GEN_STR(g, error ? error : "");
	/* containerd 1.6's v0.1 client reports "error"; later clients read "message": give both. */
	if (error && *error) {
		GEN_STR(g, "message");
		GEN_STR(g, error);
	}
	GEN_STR(g, "metadata");
	yajl_gen_map_open(g);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok)
		return -EIO;
	while (off < len) {
		ssize_t n = write(fd, out + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}
