/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-proc-cgroup.c - whether a cgroup path names a container: by its id as a whole path
 * component or a part of one, or by its spec's cgroupsPath (cgroupfs or systemd form).
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "proc_cgroup.h"
#include "tap.h"

#define ID "4f1e9c0d2b7a4d6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60"

static void test_id(void)
{
	ok(cgroup_path_names("/" ID, ID, NULL), "runc's default: /ID");
	ok(cgroup_path_names("/kubepods/besteffort/pod1234/" ID, ID, NULL), "cgroupfs kubepods: .../ID");
	ok(cgroup_path_names("/system.slice/cri-containerd-" ID ".scope", ID, NULL), "systemd: cri-containerd-ID.scope");
	ok(cgroup_path_names("/machine.slice/libpod-" ID ".scope/container", ID, NULL), "podman: libpod-ID.scope/...");
	ok(!cgroup_path_names("/" ID "0", ID, NULL), "ID followed by more id characters: another container");
	ok(!cgroup_path_names("/x" ID, ID, NULL), "ID preceded by a letter: another name");
	ok(!cgroup_path_names("/", ID, NULL), "the root cgroup names nobody");
	ok(!cgroup_path_names("/system.slice/cri-containerd-abc.scope", "ab", NULL), "a prefix of a name is not the name");
	ok(!cgroup_path_names("/a/b", "", NULL), "an empty id matches nothing");
}

static void test_cgroups_path(void)
{
	ok(cgroup_path_names("/k8s.io/abc", "other", "/k8s.io/abc"), "cgroupfs cgroupsPath, as it is");
	ok(cgroup_path_names("/nested/k8s.io/abc", "other", "/k8s.io/abc"), "cgroupfs cgroupsPath under a prefix");
	ok(!cgroup_path_names("/k8s.io/abcd", "other", "/k8s.io/abc"), "a longer last component is another cgroup");
	ok(!cgroup_path_names("/x/k8s.io", "other", "/k8s.io/abc"), "a parent is not the cgroup");
	ok(cgroup_path_names("/system.slice/cri-containerd-name.scope", "other", "system.slice:cri-containerd:name"),
	   "systemd cgroupsPath slice:prefix:name is prefix-name.scope");
	ok(!cgroup_path_names("/system.slice/crio-name.scope", "other", "system.slice:cri-containerd:name"),
	   "another prefix is another scope");
	ok(!cgroup_path_names("/a", "other", "/"), "cgroupsPath \"/\" names nobody");
}

static void test_self(void)
{
	struct lxh_error err = { 0 };
	int rc = proc_in_container(getpid(), ID, "/no/such/cgroup", &err);

	is_int(rc, -EPERM, "this process is not in container " ID);
	like(err.msg, "not in the cgroup of container", "the message says so");
	lxh_error_clear(&err);
	rc = proc_in_container(-1, ID, NULL, &err);
	ok(rc < 0 && rc != -EPERM, "an unreadable process is an error of its own");
}

int main(void)
{
	test_id();
	test_cgroups_path();
	test_self();
	return done_testing();
}
