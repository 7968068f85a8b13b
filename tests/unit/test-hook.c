/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-hook.c - what the hook reads before it decides: a state that carries annotations
 * decides alone, so an unannotated container never needs (or reads) a config.json.
 * Only paths that end before any mount are run here; mounting is the integration suites' job.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "hook.h"
#include "io.h"
#include "tap.h"

static char bundle[64];

static void bundle_make(void)
{
	strcpy(bundle, "/tmp/test-hook.XXXXXX");
	if (!mkdtemp(bundle)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(99);
	}
}

static void put_config(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(99);
	}
}

static const char *const *state_roots;
static size_t n_state_roots;

/* Run the hook with @state on stdin (a pipe), --default @def. Returns: hook_run's value. */
static int run_hook(const char *state, enum default_mode def, struct lxh_error *err)
{
	struct hook_options opt = { .def = def, .deadline_ms = now_ms() + 5000, .state_roots = state_roots,
				    .n_state_roots = n_state_roots };
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], state, strlen(state)) != (ssize_t)strlen(state)) {
		printf("Bail out! pipe: %s\n", strerror(errno));
		exit(99);
	}
	close(p[1]);
	lxh_error_clear(err);
	rc = hook_run(&opt, p[0], err);
	close(p[0]);
	return rc;
}

/* A state document for container "c1" (pid 1: never touched on these paths). */
static const char *state(const char *bundle_path, const char *annotations)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"created\",\"pid\":1,"
				   "\"bundle\":\"%s\"%s%s}",
		 bundle_path, annotations ? ",\"annotations\":" : "", annotations ? annotations : "");
	return buf;
}

#define CRI_CONTAINER "{\"io.kubernetes.cri.container-type\":\"container\"}"

static void test_state_decides(void)
{
	struct lxh_error err;
	int rc;

	put_config("this is not JSON");
	rc = run_hook(state(bundle, CRI_CONTAINER), DEFAULT_OFF, &err);
	is_int(rc, 0, "annotations, none ours: exit 0 without parsing config.json (garbage there)");
	rc = run_hook(state("/nonexistent/bundle.lxh", CRI_CONTAINER), DEFAULT_OFF, &err);
	is_int(rc, 0, "annotations, none ours: exit 0 with no bundle at all");
	rc = run_hook(state("/", CRI_CONTAINER), DEFAULT_OFF, &err);
	is_int(rc, 0, "annotations, none ours, bundle \"/\" (crun 1.21-1.29): exit 0");
	rc = run_hook(state(bundle, "{\"io.kubernetes.container.lxcfsEnable\":\"false\"}"), DEFAULT_OFF, &err);
	is_int(rc, 0, "lxcfsEnable=false in the state: exit 0 without config.json");
	rc = run_hook(state(bundle, "{\"io.kubernetes.container.lxcfsFiles\":\"/proc/nothing\"}"), DEFAULT_OFF, &err);
	is_int(rc, 0, "lxcfsFiles alone (even a bad one) in the state does not enable: exit 0");

	rc = run_hook(state(bundle, "{\"io.kubernetes.container.lxcfsEnable\":\"maybe\"}"), DEFAULT_OFF, &err);
	ok(rc == -EINVAL && strstr(err.msg, "maybe"), "an invalid lxcfsEnable in the state is refused: %s", err.msg);

	/* --default on needs the spec (its mounts, its namespaces): config.json is read then. */
	rc = run_hook(state(bundle, CRI_CONTAINER), DEFAULT_ON, &err);
	ok(rc < 0 && strstr(err.msg, "config"), "--default on reads config.json: %s", err.msg);

	/* A state without annotations: the container has none (OCI "State"); off, config.json unread. */
	rc = run_hook(state(bundle, NULL), DEFAULT_OFF, &err);
	is_int(rc, 0, "no annotations in the state: exit 0 without parsing config.json (garbage there)");
	rc = run_hook(state(bundle, "{}"), DEFAULT_OFF, &err);
	is_int(rc, 0, "empty annotations in the state: exit 0 without parsing config.json");
	rc = run_hook(state("/", NULL), DEFAULT_OFF, &err);
	is_int(rc, 0, "no annotations, bundle \"/\" (crun 1.21-1.29): exit 0");
	/* --default on: nothing in the state says off, and the mounts come from the spec. */
	rc = run_hook(state(bundle, NULL), DEFAULT_ON, &err);
	ok(rc < 0 && strstr(err.msg, "config"), "no annotations, --default on: config.json is read: %s", err.msg);

	/* The state has them all: an enable only in config.json does not count against a state that has others. */
	put_config("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		   "\"annotations\":{\"io.kubernetes.container.lxcfsEnable\":\"true\"}}");
	rc = run_hook(state(bundle, CRI_CONTAINER), DEFAULT_OFF, &err);
	is_int(rc, 0, "annotations without ours in the state, ours only in config.json: the state decides (off)");
}

/* A state as crun 1.21-1.29 write it for podman --uidmap with a CDI device (crun issue 2025). */
static const char *crun_state(const char *root)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1.0\",\"id\":\"c1\",\"pid\":1,%s%s%s\"bundle\":\"/\",\"status\":\"created\","
		 "\"annotations\":{\"io.container.manager\":\"libpod\",\"io.kubernetes.container.lxcfsEnable\":\"true\"}}",
		 root ? "\"root\":\"" : "", root ? root : "", root ? "\"," : "");
	return buf;
}

static void test_bundle_slash(void)
{
	static const char *roots[1];
	char dir[128], path[160], text[512];
	struct lxh_error err;
	FILE *f;
	int rc;

	rc = run_hook(crun_state(NULL), DEFAULT_OFF, &err);
	ok(rc < 0 && strstr(err.msg, "crun issue 2025") && strstr(err.msg, "/config.json"),
	   "bundle \"/\" without root: refused, naming crun's bug: %s", err.msg);
	rc = run_hook(crun_state("rootfs"), DEFAULT_OFF, &err);
	ok(rc < 0 && strstr(err.msg, "not an absolute path"), "bundle \"/\" with a relative root: refused: %s", err.msg);

	/* crun's state directory, given with --state-root. */
	roots[0] = bundle;
	state_roots = roots;
	n_state_roots = 1;
	rc = run_hook(crun_state("/var/tmp/intermediate-mountpoint-0.0"), DEFAULT_OFF, &err);
	ok(rc < 0 && strstr(err.msg, "no copy of this container's config.json") && strstr(err.msg, "--state-root"),
	   "bundle \"/\", no copy in crun's state directory: refused: %s", err.msg);

	snprintf(dir, sizeof(dir), "%s/c1", bundle);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (mkdir(dir, 0700) < 0) {
		printf("Bail out! mkdir %s: %s\n", dir, strerror(errno));
		exit(99);
	}
	/* No mount namespace: the hook refuses right after choosing the config, before any mount. */
	snprintf(text, sizeof(text), "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"%s\"},\"linux\":{\"namespaces\":[]}}",
		 "/var/tmp/intermediate-mountpoint-0.0");
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(99);
	}
	rc = run_hook(crun_state("/var/tmp/intermediate-mountpoint-0.0"), DEFAULT_OFF, &err);
	ok(rc < 0 && strstr(err.msg, "no mount namespace"), "bundle \"/\": crun's copy (root.path = state root) is used: %s",
	   err.msg);
	rc = run_hook(crun_state("/var/tmp/intermediate-mountpoint-0.0/"), DEFAULT_OFF, &err);
	ok(rc < 0 && strstr(err.msg, "no mount namespace"), "the same root written with a trailing slash: %s", err.msg);
	rc = run_hook(crun_state("/var/tmp/other-root"), DEFAULT_OFF, &err);
	ok(rc < 0 && strstr(err.msg, "not this container's"), "a copy whose root.path is another root: refused: %s",
	   err.msg);
	unlink(path);
	rmdir(dir);
	state_roots = NULL;
	n_state_roots = 0;

	/* Unannotated: no config.json needed, "/" or not. */
	rc = run_hook(state("/", CRI_CONTAINER), DEFAULT_OFF, &err);
	is_int(rc, 0, "bundle \"/\", not ours: exit 0");
}

static void test_cmdline_root(void)
{
	static const char a[] = "crun\0--root\0/run/x\0create\0--bundle\0/b\0id";
	static const char b[] = "crun\0--root=/run/y\0create\0id";
	static const char c[] = "crun\0create\0--bundle\0/b\0id";
	static const char d[] = "crun\0--root";

	is_str(bundle_cmdline_root(a, sizeof(a)), "/run/x", "--root DIR");
	is_str(bundle_cmdline_root(b, sizeof(b)), "/run/y", "--root=DIR");
	is_str(bundle_cmdline_root(c, sizeof(c)), NULL, "no --root");
	is_str(bundle_cmdline_root(d, sizeof(d)), NULL, "--root last, without a value");
}

int main(void)
{
	char path[128];

	bundle_make();
	test_state_decides();
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	unlink(path);
	test_bundle_slash();
	test_cmdline_root();
	rmdir(bundle);
	return done_testing();
}
