/* SPDX-License-Identifier: Apache-2.0 */
/* test-state.c - the OCI state on stdin: what runc and crun send, and what must be refused. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io.h"
#include "policy.h"
#include "state.h"
#include "tap.h"
#include "util.h"

static int parse(const char *json, struct oci_state *st, struct lxh_error *err)
{
	return oci_state_parse(json, strlen(json), st, err);
}

static bool in_store(const struct oci_state *st, const char *p)
{
	return p && p >= st->store && p < st->store + sizeof(st->store);
}

static void test_runc(void)
{
	struct lxh_error err = { 0 };
	struct oci_state st;
	size_t len;
	cleanup_free char *json = fixture_read("state-runc.json", &len);

	int ret = oci_state_parse(json, len, &st, &err);

	is_int(ret, 0, "runc state (creating, no root) parses%s%s", ret ? ": " : "", err.msg);
	is_str(st.id, "5b0e4e1d1c2a4a8f9d3f0b7e6c5a4b3928172635445362718293a4b5c6d7e8f9", "id");
	is_str(st.status, "creating", "status");
	is_int(st.pid, 48213, "pid");
	is_str(st.bundle, "/run/containers/storage/overlay-containers/5b0e4e1d1c2a/userdata", "bundle");
	ok(st.root == NULL, "no root: runc does not send one");
	is_int((long long)st.n_annotations, 4, "four annotations");
	is_str(st.annotations.enable, "true", "the lxcfs annotation");
	ok(st.annotations.files == NULL, "no files annotation");
	ok(in_store(&st, st.id) && in_store(&st, st.status) && in_store(&st, st.bundle) &&
		   in_store(&st, st.annotations.enable) && st.mem.spilled == NULL,
	   "a common state is parsed without the heap: every string in the state's own buffer");
	oci_state_free(&st);
	ok(st.id == NULL && st.n_annotations == 0 && st.annotations.enable == NULL, "oci_state_free resets the struct");
	oci_state_free(&st); /* twice is harmless */
}

static void test_crun(void)
{
	struct lxh_error err = { 0 };
	struct oci_state st;
	size_t len;
	cleanup_free char *json = fixture_read("state-crun.json", &len);

	int ret = oci_state_parse(json, len, &st, &err);

	is_int(ret, 0, "crun state (created, relative root) parses%s%s", ret ? ": " : "", err.msg);
	is_str(st.status, "created", "status");
	is_int(st.pid, 1207, "pid");
	is_str(st.root, "rootfs", "root is kept as written");
	is_str(st.annotations.files, "/proc/meminfo, /proc/cpuinfo",
	       "the files annotation");
	oci_state_free(&st);
}

static void test_valid_variants(void)
{
	struct lxh_error err = { 0 };
	struct oci_state st;
	int ret;

	ret = parse("{\"id\":\"a\",\"status\":\"stopped\",\"pid\":0,\"bundle\":\"/b\"}", &st, &err);
	ok(ret == 0 && st.pid == 0, "stopped with pid 0 is accepted");
	oci_state_free(&st);
	ret = parse("{\"id\":\"a\",\"status\":\"stopped\",\"bundle\":\"/b\"}", &st, &err);
	ok(ret == 0 && st.pid == 0, "stopped without pid is accepted");
	oci_state_free(&st);
	ret = parse("{\"id\":\"a\",\"status\":\"running\",\"pid\":2147483647,\"bundle\":\"/b\",\"annotations\":{},"
		    "\"root\":null,\"extra\":[1,{\"x\":2}]}",
		    &st, &err);
	ok(ret == 0 && st.pid == 2147483647 && st.n_annotations == 0 && st.root == NULL,
	   "pid INT_MAX, empty annotations, null root and unknown keys are accepted%s%s", ret ? ": " : "", err.msg);
	oci_state_free(&st);
	ret = parse("{\"id\":\"a\",\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\",\"annotations\":null}", &st, &err);
	ok(ret == 0 && st.n_annotations == 0, "null annotations mean none");
	oci_state_free(&st);

	/* Go's encoding/json keeps the last of two equal keys; so do we, so the hook sees what runc saw. */
	ret = parse("{\"id\":\"a\",\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\",\"annotations\":"
		    "{\"" ANNOTATION_ENABLE "\":\"first\",\"other\":\"x\",\"" ANNOTATION_ENABLE "\":\"last\"}}",
		    &st, &err);
	ok(ret == 0, "duplicate annotation keys parse");
	is_str(st.annotations.enable, "last", "the last duplicate annotation wins");
	is_int((long long)st.n_annotations, 3, "every annotation is counted, duplicates too");
	oci_state_free(&st);

	/* yajl's tree, which this parser replaced, read the first of two equal top-level keys. */
	ret = parse("{\"id\":\"first\",\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\",\"id\":\"second\","
		    "\"pid\":\"x\",\"annotations\":{\"" ANNOTATION_FILES "\":\"/proc/meminfo\"},"
		    "\"annotations\":{\"" ANNOTATION_ENABLE "\":\"true\",\"bad\":1}}",
		    &st, &err);
	ok(ret == 0 && strcmp(st.id, "first") == 0 && st.pid == 7, "of two equal top-level keys the first counts%s%s",
	   ret ? ": " : "", err.msg);
	ok(st.annotations.enable == NULL && st.annotations.files && st.n_annotations == 1,
	   "  the second \"annotations\" too, unread");
	oci_state_free(&st);

	/* Escapes are decoded; values nested anywhere else are skipped, not mistaken for ours. */
	ret = parse("{\"extra\":{\"annotations\":{\"" ANNOTATION_ENABLE "\":\"true\"},\"id\":\"no\"},"
		    "\"id\":\"a\\u0062\\\"c\",\"status\":\"created\",\"pid\":-0,\"bundle\":\"/b\"}",
		    &st, &err);
	ok(ret != 0 && strstr(err.msg, "\"pid\""), "pid -0 is 0: refused while created (%s)", err.msg);
	ret = parse("{\"extra\":{\"annotations\":{\"" ANNOTATION_ENABLE "\":\"true\"},\"id\":\"no\"},"
		    "\"id\":\"a\\u0062\\\"c\",\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\"}",
		    &st, &err);
	ok(ret == 0 && strcmp(st.id, "ab\"c") == 0 && st.annotations.enable == NULL && st.n_annotations == 0,
	   "escapes decoded, nested look-alikes ignored%s%s", ret ? ": " : "", err.msg);
	oci_state_free(&st);

	/* Not NUL-terminated: only @len bytes count. */
	const char *json = "{\"id\":\"a\",\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\"}garbage";
	ret = oci_state_parse(json, strlen(json) - strlen("garbage"), &st, &err);
	ok(ret == 0, "a buffer is parsed up to @len, not to its NUL");
	oci_state_free(&st);

	char id[1100];
	char buf[1300];
	memset(id, 'x', 1024);
	id[1024] = '\0';
	snprintf(buf, sizeof(buf), "{\"id\":\"%s\",\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\"}", id);
	ret = parse(buf, &st, &err);
	ok(ret == 0 && strlen(st.id) == 1024, "an id of 1024 bytes is accepted");
	oci_state_free(&st);
}

struct bad_case {
	const char *json;
	const char *expect; /* a piece of the message: the key at fault, mostly */
	const char *what;
};

#define VALID_REST "\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\""

static const struct bad_case bad[] = {
	{ "[]", "object", "a top-level array" },
	{ "\"state\"", "object", "a top-level string" },
	{ "42", "object", "a top-level number" },
	{ "null", "object", "a top-level null" },
	{ "", "invalid JSON", "an empty input" },
	{ "   \n", "invalid JSON", "only blanks" },
	{ "{\"id\":\"a\",\"status\":\"crea", "invalid JSON", "a truncated input" },
	{ "{\"id\":\"a\"," VALID_REST "} {}", "invalid JSON", "two objects" },
	{ "{\"id\":\"a\"," VALID_REST ",}", "invalid JSON", "a trailing comma" },
	{ "{" VALID_REST "}", "\"id\"", "no id" },
	{ "{\"id\":42," VALID_REST "}", "\"id\"", "a numeric id" },
	{ "{\"id\":\"\"," VALID_REST "}", "\"id\"", "an empty id" },
	{ "{\"id\":null," VALID_REST "}", "\"id\"", "a null id" },
	{ "{\"id\":\"a\",\"pid\":7,\"bundle\":\"/b\"}", "\"status\"", "no status" },
	{ "{\"id\":\"a\",\"status\":1,\"pid\":7,\"bundle\":\"/b\"}", "\"status\"", "a numeric status" },
	{ "{\"id\":\"a\",\"status\":\"paused\",\"pid\":7,\"bundle\":\"/b\"}", "\"paused\"", "an unknown status" },
	{ "{\"id\":\"a\",\"status\":\"Created\",\"pid\":7,\"bundle\":\"/b\"}", "\"status\"", "a status in capitals" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"bundle\":\"/b\"}", "\"pid\"", "no pid" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":0,\"bundle\":\"/b\"}", "\"pid\" must be a positive integer",
	  "pid 0 while created" },
	{ "{\"id\":\"a\",\"status\":\"running\",\"pid\":-1,\"bundle\":\"/b\"}", "\"pid\"", "a negative pid" },
	{ "{\"id\":\"a\",\"status\":\"stopped\",\"pid\":-1,\"bundle\":\"/b\"}", "\"pid\"", "a negative pid when stopped" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":2147483648,\"bundle\":\"/b\"}", "\"pid\"", "pid INT_MAX + 1" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":99999999999999999999999,\"bundle\":\"/b\"}", "\"pid\"",
	  "a pid beyond long long" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":12.5,\"bundle\":\"/b\"}", "\"pid\"", "a fractional pid" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":12.0,\"bundle\":\"/b\"}", "\"pid\"", "a pid written 12.0" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":1e3,\"bundle\":\"/b\"}", "\"pid\"", "a pid in exponent form" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":\"12\",\"bundle\":\"/b\"}", "\"pid\"", "a pid in a string" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":true,\"bundle\":\"/b\"}", "\"pid\"", "a boolean pid" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":null,\"bundle\":\"/b\"}", "\"pid\"", "a null pid" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":7}", "\"bundle\"", "no bundle" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":7,\"bundle\":\"b/c\"}", "\"bundle\"", "a relative bundle" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":7,\"bundle\":\"\"}", "\"bundle\"", "an empty bundle" },
	{ "{\"id\":\"a\",\"status\":\"created\",\"pid\":7,\"bundle\":[\"/b\"]}", "\"bundle\"", "a bundle in an array" },
	{ "{\"id\":\"a\"," VALID_REST ",\"root\":5}", "\"root\"", "a numeric root" },
	{ "{\"id\":\"a\"," VALID_REST ",\"root\":\"\"}", "\"root\"", "an empty root" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":[]}", "\"annotations\"", "annotations as an array" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":\"x=y\"}", "\"annotations\"", "annotations as a string" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"ok\":\"1\",\"io.x/count\":3}}", "\"io.x/count\"",
	  "an annotation with a numeric value" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"flag\":true}}", "\"flag\"", "an annotation with a boolean value" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"nested\":{\"a\":\"b\"}}}", "\"nested\"",
	  "an annotation with an object value" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"n\":null}}", "\"n\"", "an annotation with a null value" },
	{ "{\"id\":7,\"id\":\"a\"," VALID_REST "}", "\"id\"", "\"id\" twice, the first a number" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"\":1}}", "\"annotations\".\"\"", "an empty key with a bad value" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"one\":1,\"ok\":\"x\",\"two\":[]}}", "\"two\"",
	  "two bad annotations: the last is named, as before" },
	{ "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"io.kubernetes.container.lxcfsEnable\":\"tr\\u0000ue\"}}",
	  "\\u0000", "\\u0000 in an annotation value" },
	{ "{\"id\":\"a\\u0000b\"," VALID_REST "}", "\\u0000", "\\u0000 in the id" },
	{ "{\"id\":\"a\"," VALID_REST " /* hi */}", "comment", "a comment" },
	{ "{\"id\":\"a\xff\"," VALID_REST "}", "invalid JSON", "invalid UTF-8" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct lxh_error err = { 0 };
		struct oci_state st;
		int ret = parse(bad[i].json, &st, &err);

		ok(ret == -EINVAL && strncmp(err.msg, "state: ", 7) == 0 && strstr(err.msg, bad[i].expect),
		   "refused: %s (%d, %s)", bad[i].what, ret, err.msg);
		ok(st.id == NULL && st.status == NULL && st.bundle == NULL && st.n_annotations == 0 &&
			   st.annotations.enable == NULL && st.mem.spilled == NULL,
		   "  and nothing is left allocated");
	}
}

static void test_hostile(void)
{
	struct lxh_error err = { 0 };
	struct oci_state st;
	char longid[1100], buf[1300];
	int ret;

	memset(longid, 'x', 1025);
	longid[1025] = '\0';
	snprintf(buf, sizeof(buf), "{\"id\":\"%s\"," VALID_REST "}", longid);
	ret = parse(buf, &st, &err);
	ok(ret == -EINVAL && strstr(err.msg, "\"id\"") && strstr(err.msg, "1024"), "an id of 1025 bytes is refused: %s",
	   err.msg);

	/* 100000 levels: yajl frees its tree recursively; the pre-check refuses before it is built. */
	size_t depth = 100000;
	char *deep = malloc(depth * 2 + 32);
	size_t n = (size_t)sprintf(deep, "{\"id\":");
	memset(deep + n, '[', depth);
	memset(deep + n + depth, ']', depth);
	strcpy(deep + n + 2 * depth, "}");
	ret = parse(deep, &st, &err);
	ok(ret == -EINVAL && strstr(err.msg, "nested"), "100000 levels of nesting are refused: %s", err.msg);
	free(deep);

	ret = oci_state_parse("{\"id\":\"a\"}\0{\"id\":\"b\"," VALID_REST "}", 60, &st, &err);
	ok(ret == -EINVAL && strstr(err.msg, "NUL"), "a raw NUL byte is refused: %s", err.msg);

	/* 1 MB of garbage in an annotation value: parsed fine, and the message on a bad key stays short. */
	size_t big = 1 << 20;
	char *huge = malloc(big + 200);
	n = (size_t)sprintf(huge, "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"");
	memset(huge + n, 'k', big);
	strcpy(huge + n + big, "\":1}}");
	ret = parse(huge, &st, &err);
	ok(ret == -EINVAL && strlen(err.msg) < 200, "a 1 MB key with a bad value is refused with a short message (%zu bytes)",
	   strlen(err.msg));
	free(huge);

	/* -fanalyzer: memcpy() from a NULL buffer, undefined even for 0 bytes (UBSan aborts on it). */
	ret = oci_state_parse(NULL, 0, &st, &err);
	ok(ret == -EINVAL && st.id == NULL, "no buffer at all (NULL, 0) is refused, not copied from: %s", err.msg);
}

/* The 4 MB limit, through read_fd_bounded as main reads stdin. */
static void test_too_large(void)
{
	struct lxh_error err = { 0 };
	size_t big = 5u << 20, len;
	char *data = malloc(big), *buf = NULL;
	int fd = memfd_create("state", MFD_CLOEXEC);
	size_t n;

	n = (size_t)sprintf(data, "{\"id\":\"a\"," VALID_REST ",\"annotations\":{\"pad\":\"");
	memset(data + n, 'p', big - n - 3);
	memcpy(data + big - 3, "\"}}", 3);
	if (fd < 0 || write(fd, data, big) != (ssize_t)big) {
		printf("Bail out! cannot fill a memfd\n");
		exit(99);
	}
	lseek(fd, 0, SEEK_SET);
	is_int(read_fd_bounded(fd, "state on stdin", OCI_STATE_MAX_BYTES, now_ms() + 10000, &buf, &len, &err), -EFBIG,
	       "a 5 MB state is refused by read_fd_bounded: %s", err.msg);
	ok(buf == NULL, "and no buffer is returned");
	close(fd);

	/* The same bytes under the limit parse: size alone is no reason to refuse. */
	struct oci_state st;
	size_t small = 3u << 20;
	memcpy(data + small - 3, "\"}}", 3);
	is_int(oci_state_parse(data, small, &st, &err), 0, "a 3 MB state with a long annotation parses");
	oci_state_free(&st);
	free(data);
}

/* Past the state's own buffer the heap takes over, and oci_state_free gives it back (valgrind checks). */
static void test_spill(void)
{
	struct lxh_error err = { 0 };
	struct oci_state st;
	size_t cap = 64u << 10, n;
	char *json = malloc(cap);
	int ret;

	n = (size_t)sprintf(json, "{\"id\":\"a\"," VALID_REST ",\"annotations\":{");
	for (int i = 0; i < 300; i++)
		n += (size_t)sprintf(json + n, "\"k%d\":\"v\\u00e9\\\"%0100d\",", i, i);
	n += (size_t)sprintf(json + n, "\"" ANNOTATION_FILES "\":\"%0*d\\t\"}}", 5000, 0);
	ret = oci_state_parse(json, n, &st, &err);
	ok(ret == 0 && st.n_annotations == 301, "a 40 KB state with escaped values parses%s%s", ret ? ": " : "",
	   err.msg);
	ok(st.mem.spilled != NULL && st.annotations.files && strlen(st.annotations.files) == 5001 &&
		   !in_store(&st, st.annotations.files),
	   "  what did not fit in the state's buffer is on the heap");
	oci_state_free(&st);
	ok(st.mem.spilled == NULL && st.annotations.files == NULL, "  and oci_state_free gives it back");
	free(json);
}

int main(void)
{
	test_runc();
	test_crun();
	test_valid_variants();
	test_bad();
	test_hostile();
	test_too_large();
	test_spill();
	return done_testing();
}
