/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-runtime-state.c - the state runc (state.json) and crun (status) keep per
 * container: what remount and status read to name a container and find its bundle.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime_state.h"
#include "tap.h"
#include "util.h"

static int runc(const char *json, struct rt_container *c, struct lxh_error *err)
{
	lxh_error_clear(err);
	return runtime_parse_runc_state(json, strlen(json), c, err);
}

static int crun(const char *json, struct rt_container *c, struct lxh_error *err)
{
	lxh_error_clear(err);
	return runtime_parse_crun_status(json, strlen(json), "ctr", c, err);
}

static void clear(struct rt_container *c)
{
	free(c->id);
	free(c->bundle);
	memset(c, 0, sizeof(*c));
}

static void test_runc_fixture(void)
{
	struct lxh_error err = { 0 };
	struct rt_container c;
	size_t len;
	cleanup_free char *json = fixture_read("runc-state.json", &len);
	int ret = runtime_parse_runc_state(json, len, &c, &err);

	is_int(ret, 0, "runc state.json parses%s%s", ret ? ": " : "", err.msg);
	is_str(c.id, "5b0e4e1d1c2a4a8f9d3f0b7e6c5a4b3928172635445362718293a4b5c6d7e8f9", "id");
	is_int(c.pid, 48213, "init_process_pid");
	is_str(c.bundle, "/run/containers/storage/overlay-containers/5b0e4e1d1c2a/userdata",
	       "bundle from the \"bundle=\" label, not the annotation labels around it");
	clear(&c);
}

static void test_runc_variants(void)
{
	struct lxh_error err = { 0 };
	struct rt_container c;
	int ret;

	ret = runc("{\"id\":\"a\",\"init_process_pid\":7}", &c, &err);
	ok(ret == 0 && c.pid == 7 && c.bundle == NULL, "no config: no bundle, still a container");
	is_str(c.id, "a", "id");
	clear(&c);
	ret = runc("{\"id\":\"a\",\"init_process_pid\":0,\"config\":{\"labels\":null}}", &c, &err);
	ok(ret == 0 && c.pid == 0 && c.bundle == NULL, "pid 0 (stopped) and null labels");
	clear(&c);
	ret = runc("{\"id\":\"a\",\"init_process_pid\":7,\"config\":{\"labels\":\"bundle=/x\"}}", &c, &err);
	ok(ret == 0 && c.bundle == NULL, "labels not an array: ignored");
	clear(&c);
	ret = runc("{\"id\":\"a\",\"init_process_pid\":7,\"config\":{\"labels\":[1,null,{},[\"bundle=/n\"],"
		   "\"bundlex=/y\",\"bundle=/first\",\"bundle=/second\"]}}",
		   &c, &err);
	is_str(c.bundle, "/first", "non-string labels skipped, the first bundle= wins");
	clear(&c);
	ret = runc("{\"id\":\"a\",\"init_process_pid\":7,\"config\":{\"labels\":[\"a=b\",\"bundle=\"]}}", &c, &err);
	ok(ret == 0 && c.bundle && c.bundle[0] == '\0', "an empty bundle= is kept as written (the caller checks it)");
	clear(&c);
	ret = runc("{\"id\":\"a\",\"init_process_pid\":2147483647,\"extra\":[1,{\"x\":[]}]}", &c, &err);
	ok(ret == 0 && c.pid == INT_MAX, "pid INT_MAX and unknown keys");
	clear(&c);
	ret = runc("{\"init_process_pid\":7,\"id\":\"first\",\"id\":\"last\"}", &c, &err);
	ok(ret == 0 && c.id != NULL, "a key given twice still parses");
	clear(&c);
}

static void test_runc_malformed(void)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{ "", "empty" },
		{ "{", "truncated" },
		{ "{\"id\":\"a\",\"init_process_pid\":7", "truncated after a value" },
		{ "[{\"id\":\"a\",\"init_process_pid\":7}]", "an array at the top" },
		{ "\"a\"", "a string at the top" },
		{ "{}", "an empty object" },
		{ "{\"init_process_pid\":7}", "no id" },
		{ "{\"id\":\"\",\"init_process_pid\":7}", "an empty id" },
		{ "{\"id\":7,\"init_process_pid\":7}", "a number id" },
		{ "{\"id\":null,\"init_process_pid\":7}", "a null id" },
		{ "{\"id\":\"a\"}", "no pid" },
		{ "{\"id\":\"a\",\"init_process_pid\":-1}", "a negative pid" },
		{ "{\"id\":\"a\",\"init_process_pid\":2147483648}", "a pid above INT_MAX" },
		{ "{\"id\":\"a\",\"init_process_pid\":99999999999999999999999}", "a pid beyond 64 bits" },
		{ "{\"id\":\"a\",\"init_process_pid\":7.5}", "a fractional pid" },
		{ "{\"id\":\"a\",\"init_process_pid\":\"7\"}", "a string pid" },
		{ "{\"id\":\"a\",\"init_process_pid\":null}", "a null pid" },
		{ "{\"id\":\"a\\u0000b\",\"init_process_pid\":7}", "an escaped NUL in the id" },
		{ "{\"id\":\"a\",\"init_process_pid\":7} trailing", "garbage after the object" },
	};
	struct lxh_error err = { 0 };
	struct rt_container c;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = runc(bad[i].json, &c, &err);

		ok(ret < 0 && c.id == NULL && c.bundle == NULL && err.msg[0], "runc state refused: %s", bad[i].why);
		if (ret == 0)
			clear(&c);
	}
	runc("{\"init_process_pid\":7}", &c, &err);
	like(err.msg, "runc state.json", "the message names the file kind");
}

static void test_runc_deep(void)
{
	struct lxh_error err = { 0 };
	struct rt_container c;
	size_t depth = 100000, len = 0;
	cleanup_free char *json = malloc(2 * depth + 64);
	int ret;

	if (!json)
		exit(99);
	len += (size_t)sprintf(json, "{\"id\":\"a\",\"init_process_pid\":7,\"x\":");
	memset(json + len, '[', depth);
	len += depth;
	memset(json + len, ']', depth);
	len += depth;
	json[len++] = '}';
	ret = runtime_parse_runc_state(json, len, &c, &err);
	ok(ret < 0 && c.id == NULL, "100,000 levels of nesting are refused before the tree is built");
	json[0] = '\0';
	ret = runtime_parse_runc_state(json, 0, &c, &err);
	ok(ret < 0, "zero bytes are refused");
	/* -fanalyzer found the NULL buffer reaching memcpy() (undefined even for 0 bytes) from scan_root(). */
	ret = runtime_parse_runc_state(NULL, 0, &c, &err);
	ok(ret < 0 && c.id == NULL, "no buffer at all (NULL, 0): refused, not copied from");
	ret = runtime_parse_crun_status(NULL, 0, "x", &c, &err);
	ok(ret < 0 && c.id == NULL, "crun: no buffer at all (NULL, 0): refused");
}

static void test_crun_fixture(void)
{
	struct lxh_error err = { 0 };
	struct rt_container c;
	size_t len;
	cleanup_free char *json = fixture_read("crun-status.json", &len);
	int ret = runtime_parse_crun_status(json, len, "crun-demo", &c, &err);

	is_int(ret, 0, "crun status parses%s%s", ret ? ": " : "", err.msg);
	is_str(c.id, "crun-demo", "the id is the directory name");
	is_int(c.pid, 1207, "pid");
	is_str(c.bundle, "/var/lib/containers/crun-demo", "bundle");
	clear(&c);
}

static void test_crun_variants(void)
{
	struct lxh_error err = { 0 };
	struct rt_container c;
	int ret;

	ret = crun("{\"pid\":0}", &c, &err);
	ok(ret == 0 && c.pid == 0 && c.bundle == NULL, "pid 0, no bundle");
	is_str(c.id, "ctr", "id given by the caller");
	clear(&c);
	ret = crun("{\"pid\":9,\"bundle\":42}", &c, &err);
	ok(ret == 0 && c.bundle == NULL, "a bundle that is not a string: none");
	clear(&c);
	ret = crun("{\"pid\":9,\"bundle\":null,\"rootfs\":[]}", &c, &err);
	ok(ret == 0 && c.bundle == NULL, "a null bundle: none");
	clear(&c);
}

static void test_crun_malformed(void)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{ "", "empty" },
		{ "{\"pid\" : 1207,", "truncated" },
		{ "[]", "an array at the top" },
		{ "null", "null at the top" },
		{ "{\"bundle\":\"/b\"}", "no pid" },
		{ "{\"pid\":-5,\"bundle\":\"/b\"}", "a negative pid" },
		{ "{\"pid\":4294967297,\"bundle\":\"/b\"}", "a pid above INT_MAX" },
		{ "{\"pid\":1e3,\"bundle\":\"/b\"}", "a pid in exponent form" },
		{ "{\"pid\":true,\"bundle\":\"/b\"}", "a boolean pid" },
		{ "{\"pid\":9,\"bundle\":\"/b\\u0000/etc\"}", "an escaped NUL in the bundle" },
	};
	struct lxh_error err = { 0 };
	struct rt_container c;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = crun(bad[i].json, &c, &err);

		ok(ret < 0 && c.id == NULL && c.bundle == NULL && err.msg[0], "crun status refused: %s", bad[i].why);
		if (ret == 0)
			clear(&c);
	}
	crun("{\"bundle\":\"/b\"}", &c, &err);
	like(err.msg, "crun status", "the message names the file kind");
}

/* A state root as runc and crun lay it out, with the entries a scan must skip. */
static void test_list(void)
{
	char root[] = "/tmp/lxh-rtstate-XXXXXX";
	char path[PATH_MAX + 64];
	const char *roots[1] = { root };
	struct rt_list l = { 0 };
	const struct rt_container *c;
	size_t ours = 0;
	int ret;
	static const struct {
		const char *dir, *file, *text;
	} entries[] = {
		{ "runc-ctr", "state.json",
		  "{\"id\":\"lxh-test-runc\",\"init_process_pid\":2147483601,\"config\":{\"labels\":[\"bundle=/b1\"]}}" },
		{ "lxh-test-crun", "status", "{\"pid\":2147483602,\"bundle\":\"/b2\"}" },
		{ "broken", "state.json", "{\"id\":\"lxh-test-broken\"" },
		{ "nostate", "config.json", "{}" },
		{ ".hidden", "status", "{\"pid\":2147483603}" },
	};

	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp\n");
		exit(99);
	}
	for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", root, entries[i].dir);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/%s/%s", root, entries[i].dir, entries[i].file);
		f = fopen(path, "we");
		if (!f || fputs(entries[i].text, f) < 0 || fclose(f) != 0) {
			printf("Bail out! cannot write %s\n", path);
			exit(99);
		}
	}
	/* A symlinked container directory and a symlinked state file: not followed. */
	snprintf(path, sizeof(path), "%s/lxh-test-link", root);
	ok(symlink("lxh-test-crun", path) == 0, "symlinked container directory made");
	snprintf(path, sizeof(path), "%s/linked", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/linked/status", root);
	ok(symlink("../lxh-test-crun/status", path) == 0, "symlinked status file made");
	snprintf(path, sizeof(path), "%s/plainfile", root);
	fclose(fopen(path, "we"));

	ret = runtime_list(roots, 1, &l);
	is_int(ret, 0, "runtime_list over a temporary root");
	for (size_t i = 0; i < l.n; i++)
		if (l.items[i].pid > 2147483600)
			ours++;
	is_int((long long)ours, 2, "exactly the runc and the crun container are read");
	c = runtime_find_pid(&l, 2147483601);
	ok(c && str_eq(c->id, "lxh-test-runc") && str_eq(c->bundle, "/b1"), "the runc one, by pid");
	c = runtime_find_pid(&l, 2147483602);
	ok(c && str_eq(c->id, "lxh-test-crun") && str_eq(c->bundle, "/b2"), "the crun one, named by its directory");
	ok(runtime_find_pid(&l, 2147483603) == NULL, "dot directories are skipped");
	runtime_list_free(&l);
	ok(l.items == NULL && l.n == 0, "runtime_list_free resets the list");

	{
		const char *missing[1] = { "/nonexistent/lxh-rtstate" };

		ret = runtime_list(missing, 1, &l);
		is_int(ret, 0, "a root that does not exist is skipped");
		runtime_list_free(&l);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		diag("could not remove %s", root);
}

static void test_container_name(void)
{
	struct rt_container items[2] = {
		{ .id = (char *)"abcdef0123", .pid = 2147483601, .bundle = NULL },
		{ .id = (char *)"other", .pid = 2147483602, .bundle = (char *)"/b" },
	};
	const struct rt_list l = { .items = items, .n = 2 };
	char buf[64], small[4];

	container_name(&l, 2147483601, buf, sizeof(buf));
	is_str(buf, "abcdef0123", "a pid the runtime state knows: its id");
	container_name(&l, 2147483602, small, sizeof(small));
	is_str(small, "oth", "cut to the buffer, NUL-terminated");
	/* pid_max is at most 2^22: this pid has no /proc entry. */
	container_name(&l, 2147483000, buf, sizeof(buf));
	is_str(buf, "-", "an unknown pid without a cgroup file: \"-\"");
	container_name(NULL, 2147483000, buf, sizeof(buf));
	is_str(buf, "-", "no list at all: \"-\"");
	container_name(NULL, getpid(), buf, sizeof(buf));
	ok(buf[0] && !strchr(buf, '/') && !strchr(buf, '\n'), "our own pid: the last cgroup component (\"%s\")", buf);
}

int main(void)
{
	test_runc_fixture();
	test_runc_variants();
	test_runc_malformed();
	test_runc_deep();
	test_crun_fixture();
	test_crun_variants();
	test_crun_malformed();
	test_list();
	test_container_name();
	return done_testing();
}
