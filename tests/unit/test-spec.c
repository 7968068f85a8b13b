/* SPDX-License-Identifier: Apache-2.0 */
/* test-spec.c - config.json: the fields the hook reads, path cleaning, and loading from a bundle. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "spec.h"
#include "tap.h"
#include "util.h"

static int parse(const char *json, struct oci_spec *spec, struct lxh_error *err)
{
	return oci_spec_parse(json, strlen(json), spec, err);
}

static void test_path_clean(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/", "/" },
		{ "//", "/" },
		{ "/.", "/" },
		{ "/..", "/" },
		{ "/../../..", "/" },
		{ "/a/b/../c", "/a/c" },
		{ "/a/b/../../..", "/" },
		{ "/../proc/meminfo", "/proc/meminfo" },
		{ "/proc//./meminfo/", "/proc/meminfo" },
		{ "/proc/meminfo/.", "/proc/meminfo" },
		{ "/proc/meminfo/..", "/proc" },
		{ "/proc/...", "/proc/..." },
		{ "/proc/..a/.b", "/proc/..a/.b" },
		{ "///sys///devices//system/cpu///", "/sys/devices/system/cpu" },
	};
	char out[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret = path_clean(cases[i].in, out, sizeof(out));
		ok(ret == 0 && strcmp(out, cases[i].out) == 0, "path_clean(\"%s\") = \"%s\" (%s)", cases[i].in,
		   cases[i].out, ret ? "error" : out);
	}

	is_int(path_clean("proc/meminfo", out, sizeof(out)), -EINVAL, "a relative path is refused");
	is_int(path_clean("", out, sizeof(out)), -EINVAL, "an empty path is refused");
	is_int(path_clean("/proc/meminfo", out, 13), -ENAMETOOLONG, "an output one byte short fails");
	is_int(path_clean("/proc/meminfo", out, 14), 0, "an output just large enough works");
	is_int(path_clean("/a/../b", out, 3), 0, "the size applies to the result, not the input");
	is_int(path_clean("/", out, 1), -ENAMETOOLONG, "\"/\" needs two bytes");

	char inplace[] = "//a/./b/../../c//d/";
	ok(path_clean(inplace, inplace, sizeof(inplace)) == 0 && strcmp(inplace, "/c/d") == 0,
	   "cleaning in place works: %s", inplace);
}

static void rootfs_case(const char *bundle_, const char *root, const char *want, const char *what)
{
	struct lxh_error err = { 0 };
	char *out = (char *)1;
	int ret = oci_rootfs_path(bundle_, root, &out, &err);

	if (want)
		ok(ret == 0 && str_eq(out, want), "%s: \"%s\" + \"%s\" = %s", what, bundle_ ? bundle_ : "(null)",
		   root ? root : "(null)", ret ? err.msg : out);
	else
		ok(ret < 0 && out == NULL && err.msg[0], "%s: %s", what, err.msg);
	if (ret == 0)
		free(out);
}

static void test_rootfs_path(void)
{
	rootfs_case("/run/bundle", "rootfs", "/run/bundle/rootfs", "a relative root joins the bundle");
	rootfs_case("/run/bundle/", "./rootfs/", "/run/bundle/rootfs", "and is cleaned");
	rootfs_case("/run/bundle", "../other/rootfs", "/run/other/rootfs", "\"..\" is resolved lexically");
	rootfs_case("/run/bundle", "/var/lib/c//rootfs/", "/var/lib/c/rootfs", "an absolute root ignores the bundle");
	rootfs_case(NULL, "/abs", "/abs", "no bundle is needed then");
	rootfs_case("/", "rootfs", "/rootfs", "a bundle at /");
	rootfs_case("relative", "rootfs", NULL, "a relative root in a relative bundle fails");
	rootfs_case(NULL, "rootfs", NULL, "a relative root without a bundle fails");
	rootfs_case("/b", "", NULL, "an empty root fails");
	rootfs_case("/b", NULL, NULL, "no root fails");
}

static void test_runc_config(void)
{
	struct lxh_error err = { 0 };
	struct oci_spec spec;
	size_t len;
	cleanup_free char *json = fixture_read("config-runc.json", &len);
	cleanup_free char *rootfs = NULL;

	int ret = oci_spec_parse(json, len, &spec, &err);

	is_int(ret, 0, "runc's config.json parses%s%s", ret ? ": " : "", err.msg);
	is_str(spec.root_path, "rootfs", "root.path is kept as written");
	oci_rootfs_path("/run/b", spec.root_path, &rootfs, &err);
	is_str(rootfs, "/run/b/rootfs", "and resolves against the bundle");
	ok(spec.has_mount_ns, "a new mount namespace");
	ok(spec.mount_ns_path == NULL, "without a path");
	is_int((long long)spec.n_mounts, 9, "nine mounts");
	is_str(spec.mount_dests[0], "/proc", "mounts[0]");
	is_str(spec.mount_dests[6], "/sys/fs/cgroup", "mounts[6]");
	is_str(spec.mount_dests[7], "/proc/meminfo", "mounts[7] \"/proc//./meminfo/\" is cleaned");
	is_str(spec.mount_dests[8], "/etc/hosts", "mounts[8] \"etc/hosts\" is taken from the root, as runc does");
	is_str(kv_list_get(&spec.annotations, "io.kubernetes.container.lxcfsEnable"), "yes", "annotations");
	oci_spec_free(&spec);
	ok(spec.mount_dests == NULL && spec.n_mounts == 0 && spec.root_path == NULL, "oci_spec_free resets");
}

static void test_parse_cases(void)
{
	struct lxh_error err = { 0 };
	struct oci_spec spec;
	int ret;

	ret = parse("{\"root\":{\"path\":\"/abs/rootfs\"}}", &spec, &err);
	ok(ret == 0 && !spec.has_mount_ns && spec.n_mounts == 0 && spec.mount_dests == NULL && spec.annotations.n == 0,
	   "only root: no mount namespace, no mounts, no annotations");
	oci_spec_free(&spec);

	ret = parse("{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"}]}}",
		    &spec, &err);
	ok(ret == 0 && !spec.has_mount_ns, "namespaces without a mount namespace");
	oci_spec_free(&spec);

	ret = parse("{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
		    "{\"type\":\"mount\",\"path\":\"/proc/1234/ns/mnt\"}]}}",
		    &spec, &err);
	ok(ret == 0 && spec.has_mount_ns && str_eq(spec.mount_ns_path, "/proc/1234/ns/mnt"),
	   "a mount namespace to join, with its path");
	oci_spec_free(&spec);

	ret = parse("{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\",\"path\":\"\"}]}}",
		    &spec, &err);
	ok(ret == 0 && spec.has_mount_ns && spec.mount_ns_path == NULL, "an empty namespace path means a new one");
	oci_spec_free(&spec);

	ret = parse("{\"root\":{\"path\":\"r\"},\"linux\":{}}", &spec, &err);
	ok(ret == 0 && !spec.has_mount_ns, "linux without namespaces");
	oci_spec_free(&spec);

	ret = parse("{\"root\":{\"path\":\"r\"},\"mounts\":[],\"annotations\":{}}", &spec, &err);
	ok(ret == 0 && spec.n_mounts == 0, "empty mounts and annotations");
	oci_spec_free(&spec);

	ret = parse("{\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/sys/devices/system/cpu/\"},"
		    "{\"destination\":\"proc/../proc/./pressure\"},{\"destination\":\"../../x\"},{\"destination\":\"/\"}]}",
		    &spec, &err);
	ok(ret == 0 && spec.n_mounts == 4, "four mounts");
	if (ret == 0 && spec.n_mounts == 4) {
		is_str(spec.mount_dests[0], "/sys/devices/system/cpu", "trailing slash dropped");
		is_str(spec.mount_dests[1], "/proc/pressure", "relative with .. and . cleaned");
		is_str(spec.mount_dests[2], "/x", ".. cannot climb out of the root");
		is_str(spec.mount_dests[3], "/", "the root itself");
	}
	oci_spec_free(&spec);
}

static const struct {
	const char *json, *expect, *what;
} bad[] = {
	{ "[]", "object", "a top-level array" },
	{ "", "invalid JSON", "an empty file" },
	{ "{\"root\":{\"path\":\"r\"}", "invalid JSON", "a truncated file" },
	{ "{}", "\"root\"", "no root" },
	{ "{\"root\":\"rootfs\"}", "\"root\"", "root as a string" },
	{ "{\"root\":{}}", "\"path\"", "root without a path" },
	{ "{\"root\":{\"path\":7}}", "\"path\"", "a numeric root.path" },
	{ "{\"root\":{\"path\":\"\"}}", "\"path\"", "an empty root.path" },
	{ "{\"root\":{\"path\":\"r\"},\"linux\":[]}", "\"linux\"", "linux as an array" },
	{ "{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":{}}}", "\"namespaces\"", "namespaces as an object" },
	{ "{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[\"mount\"]}}", "\"namespaces\"[0]",
	  "a namespace as a string" },
	{ "{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}}", "\"type\"", "a namespace without type" },
	{ "{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\",\"path\":1}]}}", "\"path\"",
	  "a numeric namespace path" },
	{ "{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"mount\",\"path\":\"/p\"}]}}",
	  "twice", "two mount namespaces" },
	{ "{\"root\":{\"path\":\"r\"},\"mounts\":{}}", "\"mounts\"", "mounts as an object" },
	{ "{\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/a\"},7]}", "\"mounts\"[1]", "a mount as a number" },
	{ "{\"root\":{\"path\":\"r\"},\"mounts\":[{\"source\":\"/a\"}]}", "\"destination\"", "a mount without destination" },
	{ "{\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"\"}]}", "\"destination\"", "an empty destination" },
	{ "{\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":[\"/a\"]}]}", "\"destination\"",
	  "a destination in an array" },
	{ "{\"root\":{\"path\":\"r\"},\"annotations\":[]}", "\"annotations\"", "annotations as an array" },
	{ "{\"root\":{\"path\":\"r\"},\"annotations\":{\"io.kubernetes.container.lxcfsEnable\":true}}",
	  "io.kubernetes.container.lxcfsEnable", "a boolean annotation" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct lxh_error err = { 0 };
		struct oci_spec spec;
		int ret = parse(bad[i].json, &spec, &err);

		ok(ret < 0 && strncmp(err.msg, "config.json: ", 13) == 0 && strstr(err.msg, bad[i].expect),
		   "refused: %s (%s)", bad[i].what, err.msg);
		ok(spec.root_path == NULL && spec.mount_dests == NULL && spec.n_mounts == 0, "  and nothing is left allocated");
	}
	{
		struct lxh_error err = { 0 };
		struct oci_spec spec;

		/* -fanalyzer: memcpy() from a NULL buffer is undefined even for 0 bytes (UBSan aborts on it). */
		ok(oci_spec_parse(NULL, 0, &spec, &err) < 0 && spec.root_path == NULL,
		   "no buffer at all (NULL, 0) is refused, not copied from");
	}
}

/* A bundle directory made for one test and removed after it. */
static char bundle[64];

static void bundle_make(void)
{
	strcpy(bundle, "/tmp/test-spec.XXXXXX");
	if (!mkdtemp(bundle)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(99);
	}
}

static void bundle_put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", bundle, name);
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(99);
	}
}

static void bundle_remove(void)
{
	static const char *const names[] = { "config.json", "real.json", "sub" };
	char path[128];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", bundle, names[i]);
		if (unlink(path) < 0 && errno == EISDIR)
			rmdir(path);
	}
	rmdir(bundle);
}

static void test_load(void)
{
	struct lxh_error err = { 0 };
	struct oci_spec spec;
	char path[128];
	int ret, fd;

	bundle_make();
	bundle_put("config.json", "{\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/proc//meminfo\"}]}");
	ret = oci_spec_load(bundle, &spec, &err);
	ok(ret == 0 && str_eq(spec.root_path, "rootfs") && spec.n_mounts == 1 && str_eq(spec.mount_dests[0], "/proc/meminfo"),
	   "config.json loads from the bundle: %s", ret ? err.msg : "ok");
	oci_spec_free(&spec);
	bundle_remove();

	bundle_make();
	ret = oci_spec_load(bundle, &spec, &err);
	ok(ret == -ENOENT && strstr(err.msg, "config.json") && strstr(err.msg, bundle), "a missing config.json: %s", err.msg);
	bundle_remove();

	bundle_make();
	bundle_put("real.json", "{\"root\":{\"path\":\"rootfs\"}}");
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (symlink("real.json", path) < 0)
		perror("symlink");
	ret = oci_spec_load(bundle, &spec, &err);
	ok(ret == -ELOOP && strstr(err.msg, "symbolic link"), "a symlinked config.json is refused: %s", err.msg);
	bundle_remove();

	bundle_make();
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	/* Sparse: 50 MB that take no room. */
	if (fd < 0 || ftruncate(fd, 50 << 20) < 0)
		perror("ftruncate");
	close(fd);
	ret = oci_spec_load(bundle, &spec, &err);
	ok(ret == -EFBIG && strstr(err.msg, "52428800 bytes, more than the 16777216 allowed"),
	   "a 50 MB config.json is refused before reading: %s", err.msg);
	bundle_remove();

	bundle_make();
	bundle_put("config.json", "[{\"root\":{\"path\":\"rootfs\"}}]");
	ret = oci_spec_load(bundle, &spec, &err);
	ok(ret == -EINVAL && strstr(err.msg, "config.json: ") && strstr(err.msg, "object"), "a config.json that is not an object: %s",
	   err.msg);
	bundle_remove();

	bundle_make();
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	mkdir(path, 0755);
	ret = oci_spec_load(bundle, &spec, &err);
	ok(ret < 0 && strstr(err.msg, "regular file"), "a directory named config.json: %s", err.msg);
	bundle_remove();

	bundle_make();
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (mkfifo(path, 0600) < 0)
		perror("mkfifo");
	int64_t t0 = now_ms();
	ret = oci_spec_load(bundle, &spec, &err);
	ok(ret < 0 && strstr(err.msg, "regular file") && now_ms() - t0 < 2000, "a FIFO named config.json, without hanging: %s",
	   err.msg);
	bundle_remove();

	ret = oci_spec_load("relative/bundle", &spec, &err);
	ok(ret == -EINVAL && strstr(err.msg, "relative/bundle"), "a relative bundle: %s", err.msg);
	ret = oci_spec_load("/nonexistent/bundle.lxh", &spec, &err);
	ok(ret == -ENOENT && strstr(err.msg, "/nonexistent/bundle.lxh"), "a missing bundle: %s", err.msg);
	ret = oci_spec_load("/dev/null", &spec, &err);
	ok(ret == -ENOTDIR, "a bundle that is a file: %s", err.msg);
}

/* A refusal whose message holds @expect. */
static void refused(const char *json, const char *expect, const char *what)
{
	struct lxh_error err = { 0 };
	struct oci_spec spec;
	int ret = parse(json, &spec, &err);

	ok(ret < 0 && strstr(err.msg, expect), "%s (%s)", what, ret < 0 ? err.msg : "accepted");
	if (ret == 0)
		oci_spec_free(&spec);
}

/*
 * The rules of the tree parser this file's parser replaced (spec_parse.c), whatever order
 * the file has its keys in: the first of two equal keys, the last of two equal annotations,
 * the checks in a fixed order, and nothing read from objects that are not ours.
 */
static void test_tree_rules(void)
{
	static const char ann_only[] = "{\"root\":7,\"annotations\":{\"a\":\"b\"}}";
	static const char ann_bad[] = "{\"root\":7,\"annotations\":{\"a\":2}}";
	struct lxh_error err = { 0 };
	struct kv_list ann;
	struct oci_spec spec;
	int ret;

	ret = parse("{\"root\":{\"path\":\"a\",\"path\":\"b\"},\"root\":{\"path\":\"c\"}}", &spec, &err);
	ok(ret == 0 && str_eq(spec.root_path, "a"), "the first of two equal keys counts, at every level");
	oci_spec_free(&spec);
	refused("{\"root\":\"x\",\"root\":{\"path\":\"a\"}}", "\"root\" must be an object",
		"a bad first key is not mended by a good second one");
	ret = parse("{\"process\":{\"root\":{\"path\":\"/no\"},\"mounts\":7,\"linux\":[],\"annotations\":1},"
		    "\"x\":[{\"root\":1}],\"root\":{\"path\":\"r\",\"x\":{\"path\":\"/no\"}}}",
		    &spec, &err);
	ok(ret == 0 && str_eq(spec.root_path, "r") && spec.n_mounts == 0 && spec.annotations.n == 0,
	   "keys of ours inside objects that are not ours are not read");
	oci_spec_free(&spec);
	ret = parse("{\"root\":{\"path\":\"r\"},\"process\":{\"user\":{\"uid\":1e99999,\"gid\":-0.5e-99999}}}", &spec,
		    &err);
	ok(ret == 0, "numbers are not converted (1e99999 is fine where we do not read it)");
	oci_spec_free(&spec);

	refused("{\"annotations\":[],\"mounts\":{},\"linux\":[],\"root\":{}}", "\"root\".\"path\" is missing",
		"root is checked first, wherever it is");
	refused("{\"annotations\":[],\"mounts\":{},\"linux\":[],\"root\":{\"path\":\"r\"}}", "\"linux\" must be",
		"then linux");
	refused("{\"annotations\":[],\"mounts\":[{\"destination\":1}],\"linux\":{\"namespaces\":[7]},"
		"\"root\":{\"path\":\"r\"}}",
		"\"namespaces\"[0] must be an object", "then its namespaces");
	refused("{\"annotations\":[],\"mounts\":[{},{\"destination\":1}],\"root\":{\"path\":\"r\"}}",
		"\"mounts\"[0].\"destination\" is missing", "then the mounts, the first bad one named");
	refused("{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"path\":\"/p\",\"type\":\"mount\"},"
		"{\"type\":\"pid\"},{\"type\":1},{\"type\":2}]}}",
		"\"namespaces\"[2].\"type\"", "the first bad namespace is named, keys in any order");
	refused("{\"root\":{\"path\":\"r\"},\"annotations\":{\"a\":1,\"b\":\"ok\",\"c\":[]}}", "\"annotations\".\"c\"",
		"the last annotation that is not a string is named");

	ret = parse("{\"root\":{\"path\":\"r\"},\"annotations\":{\"k\":\"first\",\"o\":\"x\",\"k\":\"last\"}}", &spec,
		    &err);
	ok(ret == 0 && spec.annotations.n == 3 && str_eq(kv_list_get(&spec.annotations, "k"), "last"),
	   "of two equal annotations the last counts");
	oci_spec_free(&spec);

	ret = oci_spec_annotations(ann_only, strlen(ann_only), &ann, &err);
	ok(ret == 0 && str_eq(kv_list_get(&ann, "a"), "b"), "annotations alone: the rest is not checked");
	kv_list_free(&ann);
	ret = oci_spec_annotations(ann_bad, strlen(ann_bad), &ann, &err);
	ok(ret < 0 && strstr(err.msg, "\"annotations\".\"a\" must be a string") && ann.n == 0,
	   "annotations alone: a bad one is refused (%s)", err.msg);
}

int main(void)
{
	test_path_clean();
	test_rootfs_path();
	test_runc_config();
	test_parse_cases();
	test_bad();
	test_tree_rules();
	test_load();
	return done_testing();
}
