#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# kube-play.sh - deploy/kubernetes/ for real, through `podman kube play` (podman 5.4) on a
# Debian 13 node: the Debian 13 stack of tests/stacks/ (a trixie root, in its own PID and
# mount namespaces, so that PID 1, whose namespaces lxcfs-ds enters, is the stack's and
# never this machine's). Prints TAP. Steps (issue 12):
#
#   1. the DaemonSet image, built from deploy/kubernetes/Containerfile with no registry:
#      base imported from a debootstrapped Debian 12 root (tests/kube/base-image.sh)
#   2. daemonset.yaml played as it is (its image name resolves to the local build): lxcfs
#      on the node's /var/lib/lxcfs, the hook and its hooks.d file on the node, the
#      readiness probe passing; the hook binary of the image runs on Debian 13 (the stack)
#      and Debian 12 (this machine, after the stack)
#   3. example-pod.yaml played as it is (busybox: a local image): 512 MiB and 1 CPU read
#      through lxcfs in /proc/meminfo, /proc/cpuinfo, /sys/devices/system/cpu/online
#   4. an upgrade (kube play --replace with a new image) and a crash of lxcfs: the pod
#      reads its own values again, not restarted, within the README's bound
#   5. the DaemonSet removed (kube down): the pod keeps running, nothing of ours is left
#
# What kube play does not honour is said on lines starting "# kube play ignores", with the
# way the same property is checked instead. Needs root, debootstrap, python3-yaml and the
# network (apt, for the image build; nothing is pulled from an image registry).
#
# Environment: LXH_KUBE_APT_CACHE (default $LXH_STACKS_CACHE/debs/kube-image-bookworm): the
# build's apt archive cache, kept between runs.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
CACHE=${LXH_STACKS_CACHE:-/var/cache/lxcfs-oci-hook-tests}

# The README's promise (deploy/kubernetes/README.md, "Upgrades and restarts"): once the new
# lxcfs answers on the node, a running container reads its own files again within this many
# seconds (lxcfs-ds runs remount right away; remount --wait 30). The outage before that, the
# old pod stopping and the new one starting, is measured and printed.
HEAL_BOUND=30
# How long the test waits for a heal at all (a loaded 2-core CI machine is slow).
OUTAGE_WAIT=300
IMAGE=localhost/lxcfs-oci-hook:0.1.0
UPGRADE=localhost/lxcfs-oci-hook:0.1.1

# ---- inside the stack: PID 1 of a Debian 13 node -----------------------------------

# diag TEXT: TEXT as TAP diagnostics, indented
diag() {
	local line
	[ -z "$1" ] || while IFS= read -r line; do echo "#   $line"; done <<<"$1"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%01d' $(($1 / 1000)) $(($1 % 1000 / 100)); } # ms -> s.d

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	diag "${2:-}"
	failed=1
}
# check DESC CMD...: ok when CMD succeeds, its output as diagnostics when it does not
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
fatal() {
	not_ok "$1" "${2:-}"
	echo "Bail out! $1"
	exit 1
}
note() { echo "# $*"; }
ignored() {
	echo "# kube play ignores $1"
	echo "$1" >>/out/ignored
}
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

node_lxcfs_answers() { timeout 5 head -c1 /var/lib/lxcfs/proc/meminfo; }
nothing_on_node_lxcfs() { ! awk '$5 == "/var/lib/lxcfs" { f = 1 } END { exit !f }' /proc/self/mountinfo; }
node_lxcfs_mounted() {
	awk '$5 == "/var/lib/lxcfs" && / - fuse\.lxcfs / { f = 1 } END { exit !f }' /proc/self/mountinfo
}
# What the example pod reads: MemTotal in kB, the processors in cpuinfo, the online CPUs.
pod_reads() {
	podman exec busybox-busybox sh -c \
		'awk "/^MemTotal:/ { print \$2 }" /proc/meminfo; grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online' 2>&1 |
		tr '\n' ' '
}
pod_reads_own() { [ "$(pod_reads)" = "524288 1 0 " ]; }
pod_state() { podman inspect busybox-busybox --format '{{.State.Pid}} {{.State.StartedAt}} {{.RestartCount}}'; }
lxcfs_pids() { pgrep -x lxcfs; }
# new_lxcfs_answers OLDPID: an lxcfs other than OLDPID answers on the node
new_lxcfs_answers() {
	local p
	p=$(lxcfs_pids | head -1)
	[ -n "$p" ] && [ "$p" != "$1" ] && node_lxcfs_answers
}
# watch_answer OLDPID: in the background, the time (ms) at which a new lxcfs first answers,
# into /tmp/answered
watch_answer() {
	rm -f /tmp/answered
	(
		until new_lxcfs_answers "$1" >/dev/null 2>&1; do sleep 0.1; done
		now_ms >/tmp/answered
	) &
	watcher=$!
}
# heal_check WHAT T0: wait for the pod to read its own values from a new lxcfs, then one TAP
# line: the outage since T0 and the heal after the new lxcfs answered, against HEAL_BOUND
heal_check() {
	local what=$1 t0=$2 healed answered
	if ! wait_for "$OUTAGE_WAIT" bash -c "[ -s /tmp/answered ]" || ! wait_for "$OUTAGE_WAIT" pod_reads_own; then
		kill "$watcher" 2>/dev/null
		not_ok "$what: the pod reads its own values again" "read: $(pod_reads)"
		return
	fi
	healed=$(now_ms)
	answered=$(cat /tmp/answered)
	if [ $((healed - answered)) -le $((HEAL_BOUND * 1000)) ]; then
		ok "$what: the pod reads its own values again $(secs $((healed - answered))) s after the new lxcfs answered (bound ${HEAL_BOUND} s), $(secs $((healed - t0))) s after it began"
	else
		not_ok "$what: the pod reads its own values again within ${HEAL_BOUND} s of the new lxcfs answering" \
			"$(secs $((healed - answered))) s"
	fi
	echo "heal_${what%% *}_ms=$((healed - t0)) heal_${what%% *}_after_answer_ms=$((healed - answered))" >>/out/times
}

# The readiness probe of daemonset.yaml (extracted by the outer half), in the lxcfs
# container. podman turns only livenessProbe and startupProbe into healthchecks: where the
# container has one, `podman healthcheck run` drives it (no systemd timers here).
readiness() {
	if [ "$(podman inspect lxcfs-pod-lxcfs --format '{{.Config.Healthcheck}}')" != "<nil>" ]; then
		podman healthcheck run lxcfs-pod-lxcfs
	else
		mapfile -t probe < <(jq -r '.[]' /out/probe.json)
		podman exec lxcfs-pod-lxcfs "${probe[@]}"
	fi
}

inner() {
	local t0 ms out before after n killed
	failed=0
	export PODMAN_IGNORE_CGROUPSV1_WARNING=1
	cd /src || fatal "no source tree in the stack"

	# ---- the node
	[ $$ = 1 ] || fatal "not PID 1 of the stack (pid $$): lxcfs-ds would enter the wrong namespaces"
	ok "PID 1 of the Debian 13 node is this test ($(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release), podman $(podman --version | awk '{ print $3 }'))"
	note "cgroups: $(podman info --format '{{.Host.CgroupsVersion}}' 2>/dev/null) controllers, $(mountpoint -q /sys/fs/cgroup/unified && echo "hybrid (/sys/fs/cgroup/unified mounted)" || echo "no hybrid")"
	# As systemd leaves it on a real node: / shared, which a Bidirectional volume needs.
	mount --make-rshared /
	# This machine's sandbox lacks CAP_SYS_RESOURCE: containers keep our limits rather than
	# podman's default nofile of 1048576. No systemd: cgroupfs, events to a file.
	cat >/etc/containers/containers.conf <<-EOF
		[containers]
		default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$(ulimit -Hu):$(ulimit -Hu)"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF
	# Air-gapped: no registry is reached, whatever a manifest or a pull policy says.
	printf '[[registry]]\nlocation = "docker.io"\nblocked = true\n' \
		>/etc/containers/registries.conf.d/99-lxh-air-gapped.conf

	# ---- 1. images, no registry
	# busybox for the example pod: the node's busybox-static, as the name the pod uses
	# resolves to (short name "busybox", tag latest: policy "newer", whose failing registry
	# check falls back to the local image).
	out=$(mktemp -d)
	mkdir "$out/bin"
	cp /bin/busybox "$out/bin/"
	chroot "$out" /bin/busybox --install -s /bin
	tar -C "$out" -cf /tmp/busybox.tar .
	rm -rf "$out"
	podman import --quiet --change 'CMD ["sh"]' /tmp/busybox.tar docker.io/library/busybox:latest >/dev/null ||
		fatal "busybox image"

	t0=$(now_ms)
	if ! tests/kube/build-image.sh /base.tar "$IMAGE" /apt-cache >/out/build.log 2>&1; then
		fatal "image built from deploy/kubernetes/Containerfile" "$(tail -n 20 /out/build.log)"
	fi
	ms=$(($(now_ms) - t0))
	ok "image $IMAGE built from deploy/kubernetes/Containerfile on an imported debootstrapped Debian 12 root, no registry ($(secs $ms) s)"
	echo "build_ms=$ms" >>/out/times
	# The hook binary the image ships, for the Debian 12 run after the stack.
	if ! { podman create --name lxh-image-hook "$IMAGE" >/dev/null &&
		podman cp lxh-image-hook:/usr/libexec/oci/hooks.d/lxcfs-oci-hook /out/image-hook &&
		podman rm lxh-image-hook >/dev/null; }; then
		fatal "copy the hook binary out of the image"
	fi

	# ---- 2. the DaemonSet, as it is
	t0=$(now_ms)
	out=$(podman kube play --network none deploy/kubernetes/daemonset.yaml 2>&1) ||
		fatal "podman kube play deploy/kubernetes/daemonset.yaml" "$out"
	if wait_for 60 readiness; then
		ms=$(($(now_ms) - t0))
		ok "DaemonSet played; its readiness probe passes ($(secs $ms) s after kube play)"
		echo "ds_ready_ms=$ms" >>/out/times
	else
		fatal "DaemonSet ready within 60 s" "$(podman ps -a; podman logs lxcfs-pod-lxcfs 2>&1 | tail)"
	fi
	ignored "readinessProbe (podman 5.4 makes healthchecks of livenessProbe and startupProbe only): the probe's own command is run with podman exec (\`podman healthcheck run\` where a container has a healthcheck)"
	check "the lxcfs container runs the local build ($IMAGE)" \
		test "$(podman inspect lxcfs-pod-lxcfs --format '{{.ImageName}}')" = "$IMAGE"
	check "hostPID honoured: the lxcfs container's PID 1 is the node's" \
		test "$(podman exec lxcfs-pod-lxcfs readlink /proc/1/ns/pid)" = "$(readlink /proc/1/ns/pid)"
	check "mountPropagation: Bidirectional honoured: lxcfs's mount reached the node's /var/lib/lxcfs" \
		node_lxcfs_mounted
	check "lxcfs answers on the node's /var/lib/lxcfs" node_lxcfs_answers
	n=$(lxcfs_pids | wc -l)
	check "one lxcfs on the node, started with --enable-cfs" \
		bash -c "[ $n = 1 ] && tr '\\0' ' ' </proc/$(lxcfs_pids | head -1)/cmdline | grep -q -- --enable-cfs"
	note "lxcfs: $(tr '\0' ' ' </proc/"$(lxcfs_pids | head -1)"/cmdline)"
	check "the hook binary landed in the node's /usr/libexec/oci/hooks.d, identical to the image's" \
		cmp /usr/libexec/oci/hooks.d/lxcfs-oci-hook /out/image-hook
	check "its registration landed in the node's /usr/share/containers/oci/hooks.d, pointing at it" \
		jq -e '.hook.path == "/usr/libexec/oci/hooks.d/lxcfs-oci-hook"' \
		/usr/share/containers/oci/hooks.d/lxcfs-oci-hook.json
	out=$(/usr/libexec/oci/hooks.d/lxcfs-oci-hook --version 2>&1 &&
		/usr/libexec/oci/hooks.d/lxcfs-oci-hook status 2>&1)
	if [ $? -le 1 ] && ! grep -q 'GLIBC_\|error while loading' <<<"$out"; then
		ok "the image's hook runs on the Debian 13 node (glibc $(ldd --version | awk 'NR == 1 { print $NF }')): --version, status"
	else
		not_ok "the image's hook runs on the Debian 13 node" "$out"
	fi
	diag "$out"
	ignored "the Namespace object and metadata.namespace (podman has no namespaces; the pod is lxcfs-pod)"
	ignored "DaemonSet selector and updateStrategy (one pod; --replace removes it before making the new one, as maxSurge 0 does)"
	ignored "priorityClassName, tolerations, automountServiceAccountToken, enableServiceLinks (no scheduler, no API server)"
	ignored "resources.requests.cpu (no CPU shares set; limits and requests.memory are honoured)"

	# ---- 3. the original request's pod, as it is
	t0=$(now_ms)
	out=$(podman kube play --network none deploy/kubernetes/example-pod.yaml 2>&1) ||
		fatal "podman kube play deploy/kubernetes/example-pod.yaml" "$out"
	wait_for 30 pod_reads_own
	ms=$(($(now_ms) - t0))
	echo "pod_ready_ms=$ms" >>/out/times
	out=$(pod_reads)
	if [ "$out" = "524288 1 0 " ]; then
		ok "the example pod reads 512 MiB and 1 CPU through lxcfs ($(secs $ms) s after kube play): $out"
	else
		not_ok "the example pod reads 512 MiB and 1 CPU through lxcfs" "read: $out"
	fi
	note "the node has $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) kB and $(nproc) CPUs ($(cat /sys/devices/system/cpu/online))"
	note "the pod: $(podman exec busybox-busybox head -1 /proc/meminfo); $(podman exec busybox-busybox grep -c ^processor /proc/cpuinfo) processor in cpuinfo; online $(podman exec busybox-busybox cat /sys/devices/system/cpu/online)"
	out=$(podman inspect busybox-busybox --format '{{len .Mounts}} volumes, pid {{.HostConfig.PidMode}}, network {{.HostConfig.NetworkMode}}')
	check "the pod has no volume and no host namespace: nothing but the annotation ($out)" \
		bash -c "[[ '$out' == '0 volumes, '* ]] && [[ '$out' != *host* ]]"
	before=$(pod_state)

	# ---- 4a. an upgrade: a new image, kube play --replace
	mkdir /tmp/upgrade
	printf 'FROM %s\nLABEL org.opencontainers.image.version=0.1.1\n' "$IMAGE" >/tmp/upgrade/Containerfile
	podman build --quiet -t "$UPGRADE" /tmp/upgrade >/dev/null || fatal "upgrade image $UPGRADE"
	sed "s|image: lxcfs-oci-hook:0.1.0|image: lxcfs-oci-hook:0.1.1|" deploy/kubernetes/daemonset.yaml >/tmp/daemonset-0.1.1.yaml
	watch_answer "$(lxcfs_pids | head -1)"
	t0=$(now_ms)
	out=$(podman kube play --replace --network none /tmp/daemonset-0.1.1.yaml 2>&1) ||
		fatal "podman kube play --replace (upgrade to 0.1.1)" "$out"
	note "kube play --replace returned after $(secs $(($(now_ms) - t0))) s"
	heal_check "upgrade (kube play --replace)" "$t0"
	check "the lxcfs container runs the new image" \
		test "$(podman inspect lxcfs-pod-lxcfs --format '{{.ImageName}}')" = "$UPGRADE"
	note "$(podman logs lxcfs-pod-lxcfs 2>&1 | grep '^remount:' | tail -1)"
	after=$(pod_state)
	check "the pod was not restarted (pid, start time, restarts: $after)" test "$after" = "$before"

	# ---- 4b. a crash of lxcfs: the container's restart repairs the pod
	n=$(podman inspect lxcfs-pod-lxcfs --format '{{.RestartCount}}')
	killed=$(lxcfs_pids | head -1)
	watch_answer "$killed"
	t0=$(now_ms)
	kill -KILL "$killed"
	heal_check "crash (kill -9 lxcfs)" "$t0"
	note "$(podman logs lxcfs-pod-lxcfs 2>&1 | grep '^remount:' | tail -1)"
	check "the lxcfs container was restarted by podman (restart policy Always): restarts $n -> $(podman inspect lxcfs-pod-lxcfs --format '{{.RestartCount}}')" \
		test "$(podman inspect lxcfs-pod-lxcfs --format '{{.RestartCount}}')" = $((n + 1))
	after=$(pod_state)
	check "the pod was not restarted ($after)" test "$after" = "$before"

	# ---- 5. the DaemonSet removed
	out=$(podman kube down /tmp/daemonset-0.1.1.yaml 2>&1) || not_ok "podman kube down" "$out"
	check "the pod keeps running, not restarted" test "$(pod_state)" = "$before"
	out=$(podman exec busybox-busybox head -1 /proc/meminfo 2>&1)
	note "the pod's lxcfs files now: $out (README: they fail until the pod restarts or lxcfs is back)"
	check "no container of the DaemonSet is left" test -z "$(podman ps -a --filter pod=lxcfs-pod -q)"
	check "no lxcfs process is left on the node" test -z "$(lxcfs_pids)"
	check "no lxcfs-ds process is left on the node" test -z "$(pgrep -f /usr/local/bin/lxcfs-ds)"
	check "nothing is mounted on the node's /var/lib/lxcfs" nothing_on_node_lxcfs
	check "the hook and its registration stay on the node (README: removed by hand)" \
		test -x /usr/libexec/oci/hooks.d/lxcfs-oci-hook -a -f /usr/share/containers/oci/hooks.d/lxcfs-oci-hook.json
	podman kube down deploy/kubernetes/example-pod.yaml >/dev/null 2>&1
	exit "$failed"
}

if [ "${1:-}" = --in-stack ]; then
	inner
fi

# ---- outside: on this machine (Debian 12) ---------------------------------------

n=0
failed=0
tap() { # renumber the stack's TAP lines, pass the rest on as they are
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "* | "not ok - "*)
			n=$((n + 1))
			[[ $line == not* ]] && failed=$((failed + 1))
			echo "${line%% - *} $n - ${line#* - }"
			;;
		"Bail out!"*) echo "# ${line}" ;;
		*) echo "$line" ;;
		esac
	done
}
result() { # result OK|FAIL DESC [DIAG]
	if [ "$1" = OK ]; then tap <<<"ok - $2"; else tap <<<"not ok - $2"; fi
	diag "${3:-}"
}
bail() {
	echo "not ok 1 - $1"
	echo "Bail out! $1"
	echo "1..1"
	exit 1
}

[ "$(id -u)" = 0 ] || bail "run as root (debootstrap, namespaces, podman)"
python=/usr/bin/python3
"$python" -c 'import yaml' 2>/dev/null || bail "python3-yaml is not installed (scripts/install-deps.sh)"

base=$("$here/base-image.sh" bookworm) || bail "no Debian 12 base root (tests/kube/base-image.sh)"
out=$(mktemp -d /var/tmp/lxh-kube.XXXXXX) || bail "mktemp"
chmod 755 "$out"
trap 'rm -rf "$out"' EXIT
apt_cache=${LXH_KUBE_APT_CACHE:-$CACHE/debs/kube-image-bookworm}
mkdir -p "$apt_cache"
# The readiness probe's command, as the manifest has it.
"$python" - "$top/deploy/kubernetes/daemonset.yaml" >"$out/probe.json" <<'EOF' || bail "no readinessProbe in daemonset.yaml"
import json, sys, yaml
ds = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "DaemonSet")
c = next(c for c in ds["spec"]["template"]["spec"]["containers"] if c["name"] == "lxcfs")
print(json.dumps(c["readinessProbe"]["exec"]["command"]))
EOF

# catatonit: podman's pause image (every kube play pod has an infra container) is built
# from it; Debian's podman recommends it, the stack roots install no recommends.
tap < <(
	"$top/tests/stacks/enter.sh" trixie --package catatonit \
		--ro-bind "$top:/src" --ro-bind "$base:/base.tar" --bind "$apt_cache:/apt-cache" --bind "$out:/out" \
		-- bash /src/tests/kube/kube-play.sh --in-stack 2>&1
	echo $? >"$out/rc"
)
rc=$(cat "$out/rc" 2>/dev/null || echo 125)
[ "$rc" = 0 ] || [ "$failed" != 0 ] || result FAIL "the stack exited with status $rc"

# The hook binary of the image on this machine (Debian 12): the C library it was built
# against decides where it runs.
if [ -x "$out/image-hook" ]; then
	v=$(objdump -T "$out/image-hook" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
	if hout=$("$out/image-hook" --version 2>&1) && { "$out/image-hook" status >"$out/status" 2>&1 || [ $? = 1 ]; } &&
		! grep -q 'GLIBC_\|error while loading' "$out/status"; then
		result OK "the image's hook runs on this Debian $(cat /etc/debian_version) node too (glibc $(ldd --version | awk 'NR == 1 { print $NF }'); it needs $v): $hout, status"
	else
		result FAIL "the image's hook runs on this Debian 12 node" "$hout$(cat "$out/status")"
	fi
else
	result FAIL "the image's hook binary was copied out of the stack"
fi

if [ -s "$out/times" ]; then
	echo "# times (ms): $(tr '\n' ' ' <"$out/times")"
fi
echo "1..$n"
[ "$failed" = 0 ] && [ "$n" -gt 0 ]
