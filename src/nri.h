/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nri.h - containerd 1.5/1.6's NRI v0.1 plugin protocol: the request containerd
 * writes on stdin of `PLUGIN invoke`, and the result it reads on stdout.
 */
#ifndef LXH_NRI_H
#define LXH_NRI_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "kv.h"

#define NRI_REQUEST_MAX_BYTES (4u << 20)

/* The plugin's "conf" object: the hook's options under their option names. */
struct nri_conf {
	char *lxcfs_root; /* "lxcfs-root" */
	char *def;        /* "default": "on" or "off" */
	char *on_missing; /* "on-missing": "ignore" or "fail" */
	int timeout_s;    /* "timeout": seconds, 0 when absent */
	char *log_level;  /* "log-level" */
};

struct nri_request {
	char *version;   /* "0.1" */
	char *state;     /* "create", "delete", ... */
	char *id;
	char *sandbox_id;
	int pid;         /* the task's init as the host sees it; 0 when absent */
	char *cgroups_path; /* spec.cgroupsPath, or NULL */
	struct kv_list annotations; /* spec.annotations */
	struct nri_conf conf;
};

/**
 * nri_request_parse - parse a request. Required: "version", "state", "id"; "pid" must be a
 * non-negative integer when present; "spec"."annotations" and "conf" are optional.
 * Returns: 0, or a negative errno with @err naming the key ("nri request: ...").
 */
int nri_request_parse(const char *buf, size_t len, struct nri_request *req, struct lxh_error *err);
void nri_request_free(struct nri_request *req);

/* A sandbox (pause container): nothing to mount. */
bool nri_request_is_sandbox(const struct nri_request *req);

/* Write the v0.1 result for plugin @name to @fd: empty @error means success. */
int nri_result_write(int fd, const char *name, const char *error);

#endif
