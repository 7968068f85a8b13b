/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-runtime-wrap.c - lxcfs-oci-runtime's pieces: adding the hook to config.json
 * (everything else kept, hooks appended, once), reading runc's command line, editing a
 * bundle in place (or not at all), finding the real runtime but never itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "runc_args.h"
#include "runtime_wrap.h"
#include "tap.h"
#include "util.h"

#define HOOK "/usr/libexec/oci/hooks.d/lxcfs-oci-hook"

static yajl_val parse(const char *text)
{
	char errbuf[256];
	yajl_val v = yajl_tree_parse(text, errbuf, sizeof(errbuf));

	if (!v)
		diag("not JSON: %s", errbuf);
	return v;
}

static yajl_val stage_of(yajl_val tree, const char *stage)
{
	const char *path[] = { "hooks", stage, NULL };

	return yajl_tree_get(tree, path, yajl_t_array);
}

static const char *hook_path_at(yajl_val arr, size_t i)
{
	const char *path[] = { "path", NULL };
	yajl_val p = arr && i < arr->u.array.len ? yajl_tree_get(arr->u.array.values[i], path, yajl_t_string) : NULL;

	return p ? p->u.string : NULL;
}

static void args_case(const char *line, const char *cmd, const char *bundle, const char *log, bool json)
{
	char buf[512], *argv[32];
	int argc = 0;
	struct runc_call c;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && argc < 32; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	runc_args_parse(argc, argv, &c);
	ok(str_eq(c.command, cmd) || (!c.command && !cmd), "\"%s\": command %s", line, cmd ? cmd : "none");
	ok(str_eq(c.bundle, bundle) || (!c.bundle && !bundle), "\"%s\": bundle %s (got %s)", line,
	   bundle ? bundle : "none", c.bundle ? c.bundle : "none");
	ok((str_eq(c.log_path, log) || (!c.log_path && !log)) && c.log_json == json, "\"%s\": log %s%s", line,
	   log ? log : "none", json ? " (json)" : "");
}

static void test_runc_args(void)
{
	/* containerd's runc shim under Docker. */
	args_case("--root /run/docker/runtime-runc/moby --log /run/c/log.json --log-format json --systemd-cgroup "
		  "create --bundle /run/c/b --pid-file /run/c/init.pid --console-socket /tmp/s abc",
		  "create", "/run/c/b", "/run/c/log.json", true);
	args_case("--root=/r --log=/l -log-format=json create -b=/b id", "create", "/b", "/l", true);
	args_case("-root /r create -b /b id", "create", "/b", NULL, false);
	args_case("create id", "create", NULL, NULL, false);
	args_case("run --bundle /b --detach id", "run", "/b", NULL, false);
	args_case("--log /l start id", "start", NULL, "/l", false);
	args_case("--root /r exec --process /p id", "exec", NULL, NULL, false);
	args_case("--root /r delete --force id", "delete", NULL, NULL, false);
	args_case("--version", NULL, NULL, NULL, false);
	args_case("--debug --log /l --log-format text features", "features", NULL, "/l", false);
	args_case("create --pid-file /p id --bundle /late", "create", "/late", NULL, false);
	ok(runc_command_creates("create") && runc_command_creates("run") && !runc_command_creates("start") &&
		   !runc_command_creates(NULL),
	   "create and run create; start does not");
}

static char *write_bundle(const char *dir, const char *json, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "we");
	if (!f)
		return NULL;
	fputs(json, f);
	fclose(f);
	chmod(path, mode);
	return strdup(path);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 1 << 20);

	if (f && buf)
		buf[fread(buf, 1, (1 << 20) - 1, f)] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static int count_entries(const char *dir)
{
	char cmd[PATH_MAX + 32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

static void bundle_case(const char *ann, int want_ret, bool want_added, const char *what)
{
	char dir[] = "/tmp/lxh-wrap-test.XXXXXX";
	struct wrap_options o = { .hook_path = HOOK };
	struct lxh_error err = { 0 };
	char json[512], *path, *before, *after;
	struct stat st1, st2;
	bool added = true;
	int ret;

	o.hook_args[o.n_hook_args++] = "--lxcfs-root=/var/lib/lxc/lxcfs";
	if (!mkdtemp(dir)) {
		ok(false, "%s: mkdtemp", what);
		return;
	}
	snprintf(json, sizeof(json), "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}%s%s%s}",
		 ann ? ",\"annotations\":{\"io.kubernetes.container.lxcfsEnable\":\"" : "", ann ? ann : "",
		 ann ? "\"}" : "");
	path = write_bundle(dir, json, 0640);
	stat(path, &st1);
	before = slurp(path);
	ret = wrap_edit_bundle(dir, &o, &added, &err);
	after = slurp(path);
	stat(path, &st2);
	ok(want_ret == 0 ? ret == 0 : ret < 0, "%s: %s (%s)", what, want_ret == 0 ? "succeeds" : "fails",
	   ret ? err.msg : "ok");
	ok(added == want_added, "%s: hook %s", what, want_added ? "added" : "not added");
	if (want_added) {
		ok(st2.st_ino != st1.st_ino, "%s: config.json was replaced (a new file renamed over it)", what);
		is_int(st2.st_mode & 07777, 0640, "%s: with the old mode", what);
		like(after, "\"lxcfs-oci-hook\",\n", "%s: argv[0] of the hook", what);
		like(after, "\"hook\",\n", "%s: its command", what);
		like(after, "\"--lxcfs-root=/var/lib/lxc/lxcfs\"", "%s: its extra argument", what);
		like(after, "\"io.kubernetes.container.lxcfsEnable\": \"", "%s: annotations kept", what);
	} else {
		ok(st2.st_ino == st1.st_ino && st2.st_mtime == st1.st_mtime, "%s: config.json not rewritten", what);
		is_str(after, before, "%s: content unchanged", what);
	}
	is_int(count_entries(dir), 1, "%s: no temporary file left beside config.json", what);
	unlink(path);
	rmdir(dir);
	free(path);
	free(before);
	free(after);
}

/* A config.json as Docker writes it: its own prestart hook, 64-bit numbers, unknown keys. */
static void test_docker_bundle(void)
{
	char dir[] = "/tmp/lxh-wrap-docker.XXXXXX", path[PATH_MAX];
	struct wrap_options o = { .hook_path = HOOK };
	struct lxh_error err = { 0 };
	size_t len;
	char *in = fixture_read("config-docker.json", &len), *out;
	bool added = false;
	yajl_val t;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(false, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "we");
	fputs(in, f);
	fclose(f);
	is_int(wrap_edit_bundle(dir, &o, &added, &err), 0, "Docker's config.json takes the hook (%s)", err.msg);
	ok(added, "it says so");
	out = slurp(path);
	t = parse(out);
	ok(t != NULL, "the result is JSON");
	is_str(hook_path_at(stage_of(t, "prestart"), 0), "/proc/1234/exe", "Docker's prestart hook is kept");
	is_int(stage_of(t, "prestart") ? (long long)stage_of(t, "prestart")->u.array.len : -1, 1, "alone in prestart");
	is_str(hook_path_at(stage_of(t, "createRuntime"), 0), HOOK, "ours is at createRuntime");
	like(out, "18446744073709551615", "a 64-bit number keeps every digit");
	like(out, "1.5e5", "a number keeps its exponent form");
	like(out, "\"x-unknown-extension\"", "an unknown key is kept");
	ok(strstr(out, "kept \\u00e9") || strstr(out, "kept \xc3\xa9"), "an unknown annotation is kept");
	yajl_tree_free(t);
	free(out);

	/* Again (a retried create): still one entry of ours. */
	is_int(wrap_edit_bundle(dir, &o, &added, &err), 0, "a second edit succeeds");
	out = slurp(path);
	t = parse(out);
	ok(stage_of(t, "createRuntime") && stage_of(t, "createRuntime")->u.array.len == 1,
	   "and leaves one hook of ours");
	yajl_tree_free(t);
	free(out);
	free(in);
	unlink(path);
	rmdir(dir);
}

static void test_bundles(void)
{
	struct wrap_options o = { .hook_path = HOOK };
	struct lxh_error err = { 0 };
	bool added;

	bundle_case("true", 0, true, "annotation true");
	bundle_case("True", 0, true, "annotation True (the request's spelling)");
	bundle_case(NULL, 0, false, "no annotation");
	bundle_case("false", 0, false, "annotation false");
	bundle_case("maybe", -EINVAL, false, "annotation maybe");
	ok(wrap_edit_bundle("/nonexistent-bundle", &o, &added, &err) < 0, "a missing bundle fails");
	like(err.msg, "/nonexistent-bundle", "naming it");
}

static void test_find_runtime(void)
{
	char dir[] = "/tmp/lxh-wrap-rt.XXXXXX", link[PATH_MAX], self[PATH_MAX];
	struct lxh_error err = { 0 };
	char *out = NULL, *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	bool under_tool;

	if (n < 0 || !mkdtemp(dir)) {
		ok(false, "set-up for the runtime lookup");
		return;
	}
	self[n] = '\0';
	{
		struct stat a, b;

		/* Under valgrind, /proc/self/exe is the tool, while readlink() gives the test. */
		under_tool = stat(self, &a) < 0 || stat("/proc/self/exe", &b) < 0 || a.st_ino != b.st_ino ||
			     a.st_dev != b.st_dev;
	}
	is_int(wrap_find_runtime("/bin/sh", &out, &err), 0, "a path to an executable is taken");
	is_str(out, "/bin/sh", "as given");
	free(out);
	out = NULL;
	/*
	 * Under a tool the running program, the one the wrapper compares with, is the tool:
	 * /proc/self/exe names it, and a path to it must be refused the same way.
	 */
	if (under_tool) {
		diag("under a tool: 'this program' is /proc/self/exe, the tool (readlink gives %s)", self);
		snprintf(self, sizeof(self), "/proc/self/exe");
	}
	ok(wrap_find_runtime(self, &out, &err) == -ELOOP && !out, "this program by path is refused");
	like(err.msg, "this program itself", "saying why");
	ok(wrap_find_runtime("/nonexistent/runc", &out, &err) == -ENOENT, "a missing path fails");
	like(err.msg, "/nonexistent/runc", "naming it");

	/* In PATH under the runtime's name: only this program. */
	snprintf(link, sizeof(link), "%s/lxh-fake-runtime", dir);
	if (symlink(self, link) < 0)
		diag("symlink: %s", strerror(errno));
	setenv("PATH", dir, 1);
	ok(wrap_find_runtime("lxh-fake-runtime", &out, &err) == -ENOENT && !out,
	   "a PATH entry that is this program is passed over");
	like(err.msg, "only this program is", "and the error says so");
	ok(wrap_find_runtime("lxh-no-such-runtime", &out, &err) == -ENOENT, "a runtime nowhere fails");
	like(err.msg, "lxh-no-such-runtime is not in PATH", "naming the name and PATH");
	is_int(wrap_find_runtime("sh", &out, &err), 0, "the usual directories are searched after PATH");
	ok(out && out[0] == '/', "giving an absolute path (%s)", out ? out : "none");
	free(out);
	if (old_path)
		setenv("PATH", old_path, 1);
	free(old_path);
	unlink(link);
	rmdir(dir);
}

int main(void)
{
	test_docker_bundle();
	test_runc_args();
	test_bundles();
	test_find_runtime();
	return done_testing();
}
