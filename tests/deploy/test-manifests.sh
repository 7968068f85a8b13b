#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test-manifests.sh - the Kubernetes manifests in deploy/kubernetes: yamllint-clean (strict,
# default rules), loadable, and saying what the DaemonSet design needs (hostPID, Bidirectional
# propagation on the lxcfs mount point, privileged only where it must be, requests, a
# readiness probe reading through lxcfs, no liveness probe, maxSurge 0, no RBAC); the example
# Pod as in the original request; the helper script's install step atomic and idempotent.
# No cluster is involved. Prints TAP.
#
# Run from anywhere: TESTS_SRCDIR (set by `make check`) or this file's location finds the tree.
set -uo pipefail

srcdir=${TESTS_SRCDIR:+$TESTS_SRCDIR/..}
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
deploy=$srcdir/deploy/kubernetes
# A python3 earlier on PATH may lack the yaml module; Debian's has it (python3-yaml).
python=/usr/bin/python3
[ -x "$python" ] || python=python3

strict() { [ "${CI:-}" = true ] || [ "${LXCFS_OCI_HOOK_TEST_STRICT:-0}" = 1 ]; }
missing() {
	if strict; then
		echo "Bail out! $1 (scripts/install-deps.sh installs it)"
		exit 1
	fi
	echo "1..0 # SKIP $1 (scripts/install-deps.sh installs it)"
	exit 0
}
command -v yamllint >/dev/null 2>&1 || missing "yamllint is not installed"
"$python" -c 'import yaml' 2>/dev/null || missing "python3-yaml is not installed"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	local line
	[ -z "${2:-}" ] || while IFS= read -r line; do echo "# $line"; done <<<"$2"
}
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds, its output as diagnostics
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

manifests=("$deploy"/*.yaml)

# 1. yamllint, default rules, warnings count as errors.
check "yamllint -s is clean on deploy/kubernetes/*.yaml" yamllint -s -f parsable "${manifests[@]}"

# 2. The schema-ish checks, one TAP line each: "ok|DESC" or "fail|DESC|WHY" from python.
while IFS='|' read -r verdict desc why; do
	if [ "$verdict" = ok ]; then ok "$desc"; else not_ok "$desc" "$why"; fi
done < <("$python" - "$deploy" <<'EOF'
import os
import sys

import yaml

deploy = sys.argv[1]
results = []


def check(desc, cond, why=""):
    results.append((bool(cond), desc, why))


def load(name):
    with open(os.path.join(deploy, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


try:
    ds_docs = load("daemonset.yaml")
    pod_docs = load("example-pod.yaml")
    kust = load("kustomization.yaml")[0]
except Exception as e:  # a load failure fails every check below
    print("fail|the manifests load as YAML|%s" % str(e).replace("\n", " "))
    sys.exit(0)
check("the manifests load as YAML", True)

kinds = sorted(d.get("kind", "?") for d in ds_docs)
check("daemonset.yaml holds a Namespace and a DaemonSet",
      kinds == ["DaemonSet", "Namespace"], "kinds: %s" % kinds)
ns = next((d for d in ds_docs if d.get("kind") == "Namespace"), {})
ds = next((d for d in ds_docs if d.get("kind") == "DaemonSet"), {})
check("DaemonSet is apps/v1 in the Namespace defined beside it",
      ds.get("apiVersion") == "apps/v1"
      and ds.get("metadata", {}).get("namespace") == ns.get("metadata", {}).get("name"),
      "apiVersion %s, namespace %s" % (ds.get("apiVersion"), ds.get("metadata", {}).get("namespace")))
labels = ns.get("metadata", {}).get("labels", {})
check("the Namespace allows privileged pods (Pod Security)",
      labels.get("pod-security.kubernetes.io/enforce") == "privileged", str(labels))

spec = ds.get("spec", {})
tmpl = spec.get("template", {})
sel = spec.get("selector", {}).get("matchLabels", {})
tl = tmpl.get("metadata", {}).get("labels", {})
check("the selector matches the pod template's labels",
      sel and all(tl.get(k) == v for k, v in sel.items()), "selector %s, labels %s" % (sel, tl))

us = spec.get("updateStrategy", {})
ru = us.get("rollingUpdate", {})
check("updateStrategy: RollingUpdate, maxUnavailable 1, maxSurge 0 (never two lxcfs on a node)",
      us.get("type") == "RollingUpdate" and ru.get("maxSurge") == 0 and ru.get("maxUnavailable") == 1,
      str(us))

ps = tmpl.get("spec", {})
check("hostPID: true", ps.get("hostPID") is True, "hostPID %r" % ps.get("hostPID"))
check("no API access: no service account token, no serviceAccountName",
      ps.get("automountServiceAccountToken") is False and "serviceAccountName" not in ps
      and "serviceAccount" not in ps, "")
check("no hostNetwork", not ps.get("hostNetwork"), "")
check("tolerates every taint",
      any(t.get("operator") == "Exists" and "key" not in t for t in ps.get("tolerations", [])),
      str(ps.get("tolerations")))

volumes = {v.get("name"): v for v in ps.get("volumes", [])}
inits = {c.get("name"): c for c in ps.get("initContainers", [])}
ctrs = {c.get("name"): c for c in ps.get("containers", [])}
every = list(inits.values()) + list(ctrs.values())
check("init containers install-hook, clear-stale; container lxcfs",
      list(inits) == ["install-hook", "clear-stale"] and list(ctrs) == ["lxcfs"],
      "init %s, containers %s" % (list(inits), list(ctrs)))
images = {c.get("image") for c in every}
check("one image for every container", len(images) == 1, str(images))
args = {n: c.get("args") for n, c in list(inits.items()) + list(ctrs.items())}
check("each container runs its lxcfs-ds step",
      args == {"install-hook": ["install-hook"], "clear-stale": ["clear-stale"], "lxcfs": ["run"]},
      str(args))

undefined = [(c.get("name"), m.get("name")) for c in every for m in c.get("volumeMounts", [])
             if m.get("name") not in volumes]
check("every volumeMount names a volume", not undefined, str(undefined))
unused = [v for v in volumes if not any(m.get("name") == v for c in every
                                        for m in c.get("volumeMounts", []))]
check("every volume is mounted", not unused, str(unused))


def privileged(c):
    return bool(c.get("securityContext", {}).get("privileged"))


def mount_of(c, path):
    return next((m for m in c.get("volumeMounts", []) if m.get("mountPath") == path), None)


def host_path(vol_name):
    return volumes.get(vol_name, {}).get("hostPath", {})


lx = ctrs.get("lxcfs", {})
m = mount_of(lx, "/var/lib/lxcfs") or {}
hp = host_path(m.get("name"))
check("lxcfs mounts hostPath /var/lib/lxcfs at /var/lib/lxcfs, Bidirectional",
      hp.get("path") == "/var/lib/lxcfs" and m.get("mountPropagation") == "Bidirectional",
      "mount %s, hostPath %s" % (m, hp))
check("the /var/lib/lxcfs hostPath has no type (kubelet must not stat a dead FUSE mount)",
      "type" not in hp, str(hp))
bidir = [c.get("name") for c in every for mm in c.get("volumeMounts", [])
         if mm.get("mountPropagation") == "Bidirectional"]
check("only privileged containers use Bidirectional propagation (API validation)",
      all(privileged(c) for c in every if c.get("name") in bidir), str(bidir))
check("the lxcfs container is privileged", privileged(lx), str(lx.get("securityContext")))
check("clear-stale is privileged and mounts no volume (it must not stat the mount point)",
      privileged(inits.get("clear-stale", {})) and not inits.get("clear-stale", {}).get("volumeMounts"),
      str(inits.get("clear-stale")))

ih = inits.get("install-hook", {})
sc = ih.get("securityContext", {})
check("install-hook is unprivileged: no privilege, no escalation, ALL capabilities dropped",
      not privileged(ih) and sc.get("allowPrivilegeEscalation") is False
      and sc.get("capabilities", {}).get("drop") == ["ALL"] and sc.get("readOnlyRootFilesystem") is True,
      str(sc))
m = mount_of(ih, "/host/usr/libexec/oci/hooks.d") or {}
hp = host_path(m.get("name"))
check("install-hook writes hostPath /usr/libexec/oci/hooks.d (at /host/...)",
      hp.get("path") == "/usr/libexec/oci/hooks.d" and not m.get("readOnly"), "mount %s, hostPath %s" % (m, hp))
m = mount_of(lx, "/host/usr/share/containers/oci/hooks.d") or {}
hp = host_path(m.get("name"))
check("lxcfs writes the hooks.d JSON to hostPath /usr/share/containers/oci/hooks.d",
      hp.get("path") == "/usr/share/containers/oci/hooks.d" and not m.get("readOnly"),
      "mount %s, hostPath %s" % (m, hp))

noreq = [c.get("name") for c in every
         if not {"cpu", "memory"} <= set(c.get("resources", {}).get("requests", {}))]
check("every container requests cpu and memory", not noreq, str(noreq))
lim = lx.get("resources", {}).get("limits", {})
check("lxcfs has no cpu or memory limit (throttling or an OOM kill hurts every container)",
      not ({"cpu", "memory"} & set(lim)), str(lim))

env = {e.get("name"): e.get("value", "") for e in lx.get("env", [])}
check("lxcfs runs with --enable-cfs (a CPU limit is a CFS quota, which lxcfs shows only so)",
      "--enable-cfs" in env.get("LXCFS_ARGS", "").split(), str(env.get("LXCFS_ARGS")))

rp = lx.get("readinessProbe", {})
cmd = " ".join(rp.get("exec", {}).get("command", []))
check("readiness probe reads /var/lib/lxcfs/proc/meminfo through lxcfs",
      "/var/lib/lxcfs/proc/meminfo" in cmd and "head" in cmd and rp.get("timeoutSeconds"), cmd)
check("no liveness probe (a restart breaks every container's lxcfs files for a while)",
      all("livenessProbe" not in c for c in every), "")
check("terminationGracePeriodSeconds leaves lxcfs time to unmount",
      ps.get("terminationGracePeriodSeconds", 30) >= 10, str(ps.get("terminationGracePeriodSeconds")))

check("kustomization lists daemonset.yaml and maps the image name",
      kust.get("resources") == ["daemonset.yaml"]
      and any(i.get("name") == next(iter(images)).split(":")[0] for i in kust.get("images", [])),
      str(kust))

kinds = [d.get("kind") for d in pod_docs]
pod = pod_docs[0] if kinds == ["Pod"] else {}
check("example-pod.yaml holds one Pod", kinds == ["Pod"], str(kinds))
ann = pod.get("metadata", {}).get("annotations", {})
check('example Pod is annotated io.kubernetes.container.lxcfsEnable: "true" (a string)',
      ann.get("io.kubernetes.container.lxcfsEnable") == "true", str(ann))
pspec = pod.get("spec", {})
c = (pspec.get("containers") or [{}])[0]
res = c.get("resources", {})
check("example Pod: busybox, 512Mi and 1 CPU as requests and limits",
      c.get("image") == "busybox"
      and res.get("limits") == {"cpu": "1", "memory": "512Mi"} == res.get("requests"), str(c))
check("example Pod needs no hostNetwork, nodeSelector or volumes",
      not pspec.get("hostNetwork") and not pspec.get("nodeSelector") and not pspec.get("volumes"),
      str(pspec))

for ok_, desc, why in results:
    print("%s|%s|%s" % ("ok" if ok_ else "fail", desc, why.replace("\n", " ").replace("|", "/")))
EOF
)

# 3. The image: what the manifests run exists in it.
check "Containerfile makes lxcfs-ds the entrypoint" \
	grep -qE '^ENTRYPOINT \["/usr/local/bin/lxcfs-ds"\]' "$deploy/Containerfile"
if ! grep -q 'apt-get install .*lxcfs fuse3' "$deploy/Containerfile"; then
	not_ok "Containerfile installs Debian's lxcfs and fuse3"
else
	ok "Containerfile installs Debian's lxcfs and fuse3"
fi
check "lxcfs-ds.sh parses (bash -n)" bash -n "$deploy/lxcfs-ds.sh"

# 4. install-hook: atomic (a rename, so a new inode), idempotent, nothing left behind.
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
src=${HOOK_BIN:-}
if [ -z "$src" ] || [ ! -f "$src" ]; then
	src=$tmp/fake-hook
	printf '#!/bin/sh\necho fake\n' >"$src"
fi
mkdir -p "$tmp/host/usr/libexec/oci/hooks.d"
dest=$tmp/host/usr/libexec/oci/hooks.d/lxcfs-oci-hook
echo old >"$dest"
ino_old=$(stat -c %i "$dest")
ds() { HOST_ROOT=$tmp/host IMAGE_HOOK=$src bash "$deploy/lxcfs-ds.sh" "$@"; }
if out=$(ds install-hook 2>&1) && cmp -s "$src" "$dest" && [ -x "$dest" ] &&
	[ "$(stat -c %i "$dest")" != "$ino_old" ] &&
	[ -z "$(find "$tmp/host/usr/libexec/oci/hooks.d" -name '.*' -type f)" ]; then
	ok "install-hook replaces the binary by rename (new inode), executable, no temporary left"
else
	not_ok "install-hook replaces the binary by rename (new inode), executable, no temporary left" "$out"
fi
ino=$(stat -c %i "$dest")
if out=$(ds install-hook 2>&1) && [ "$(stat -c %i "$dest")" = "$ino" ] && grep -q 'up to date' <<<"$out"; then
	ok "install-hook leaves an identical binary alone"
else
	not_ok "install-hook leaves an identical binary alone" "$out"
fi
if out=$(HOST_ROOT=$tmp/nowhere IMAGE_HOOK=$src bash "$deploy/lxcfs-ds.sh" install-hook 2>&1); then
	not_ok "install-hook fails when the hostPath is not mounted" "$out"
else
	ok "install-hook fails when the hostPath is not mounted"
fi
if out=$(ds bogus 2>&1); [ $? -eq 2 ]; then ok "lxcfs-ds rejects an unknown step (exit 2)"; else
	not_ok "lxcfs-ds rejects an unknown step (exit 2)" "$out"; fi

# 5. With kubectl at hand, kustomize renders the same objects (not counted without it).
if command -v kubectl >/dev/null 2>&1; then
	if out=$(kubectl kustomize "$deploy" 2>&1) &&
		[ "$(grep -c '^kind: ' <<<"$out")" = 2 ] && grep -q '^kind: DaemonSet' <<<"$out"; then
		ok "kubectl kustomize deploy/kubernetes renders the Namespace and the DaemonSet"
	else
		not_ok "kubectl kustomize deploy/kubernetes renders the Namespace and the DaemonSet" "$out"
	fi
else
	echo "# kubectl not found: kustomize rendering not checked"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
