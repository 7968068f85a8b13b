# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154 # output, status: set by bats' run
#
# containerd-helpers.bash - a private containerd driven through CRI, a local
# busybox image, and a CRI client (cri-client.py), with one of two routes to the
# hook (CTRD_ROUTE, set before ctrd_setup):
#   nri       containerd 1.5/1.6 runs `lxcfs-oci-hook invoke` as its NRI v0.1 plugin
#             (17-containerd-cri.bats)
#   basespec  the runtime handler's base_runtime_spec, made by `lxcfs-oci-hook
#             base-spec` from containerd's own default spec (35-containerd-basespec.bats;
#             any containerd: 1.6 here, 1.7 and 2.x in the stacks)
# The configuration is written in the layout of the running containerd: version 2
# for 1.x, version 3 for 2.x.
# Loaded after helpers.bash; facts and gotchas: ../shared/docs/containerd-notes.md.
#
# Shared with the rest of the machine, and so handled with care:
# - /etc/nri/conf.json and /opt/nri/bin are fixed paths read by every containerd
#   1.5/1.6 on the host. While a test runs, it holds an exclusive lock
#   ($CTRD_NRI_LOCK), has moved any existing /etc/nri and /opt/nri aside to
#   DIR$CTRD_BACKUP_SUFFIX (a rename, on the same file system), and put its own
#   there, each marked with a $CTRD_MARKER file. Teardown removes ours and puts
#   the originals back; a run that died before that is repaired by the next
#   one's setup.
# - containerd itself is private: root, state, gRPC socket, opt, CNI and runc
#   state all live under a new $CTRD_DIR. It still creates /run/containerd/s for
#   shim sockets (named by a hash of our socket's path, so never shared); that
#   directory is removed afterwards when it did not exist before and is empty.
# - Cgroups go under a parent of their own ($CTRD_CGROUP_PARENT), removed at the end.

# In /run: root-only, on every machine, gone at reboot.
CTRD_NRI_LOCK=/run/lxcfs-oci-hook-nri.lock
CTRD_BACKUP_SUFFIX=.lxcfs-oci-hook-test-backup
CTRD_MARKER=.lxcfs-oci-hook-test
# The plugin's type: what containerd runs (PATH first, then /opt/nri/bin) and
# what it puts in argv[0]. Never "lxcfs": that would run the lxcfs daemon.
CTRD_PLUGIN=lxcfs-oci-hook
CTRD_IMAGE=localhost/lxh-busybox:latest
# The sandbox image, named explicitly in our config (the defaults differ: 3.6, 3.8,
# 3.10); the busybox image is imported under this name too, so no registry is involved.
CTRD_SANDBOX_IMAGE=registry.k8s.io/pause:3.6
: "${CTRD_ROUTE:=nri}"
CTRD_ENABLE=io.kubernetes.container.lxcfsEnable
# The interpreter with Debian's grpc modules (a python3 earlier in PATH may be
# another one); -E -s: no PYTHON* variables, no user site-packages.
CTRD_PYTHON=(/usr/bin/python3 -E -s)
# PATH for containerd, its shims and the NRI plugin: no sbin directory, where an
# installed lxcfs-oci-hook would win over /opt/nri/bin (runc is named by path).
CTRD_PATH=/usr/bin:/bin
# Seconds for one CRI call, and for containerd to answer after its start.
: "${CTRD_CALL_TIMEOUT:=60}"
: "${CTRD_START_TIMEOUT:=30}"

# ---- prerequisites ----------------------------------------------------------

ctrd_require() {
	require_cmd containerd ctr containerd-shim-runc-v2 runc flock dpkg-query apt-get tar sha256sum || return 1
	[ -x /usr/bin/python3 ] || { skip_or_fail "/usr/bin/python3 is missing (python3-grpcio)"; return 1; }
	"${CTRD_PYTHON[@]}" -c 'import grpc, grpc_tools.protoc, google.protobuf' 2>/dev/null ||
		{ skip_or_fail "python3-grpcio or python3-grpc-tools is not installed (scripts/install-deps.sh)"; return 1; }
}

# ctrd_stubs: the CRI v1 Python stubs (cri-proto.sh, cached). Sets CRI_STUBS.
ctrd_stubs() {
	CRI_STUBS=$(timeout -k 5 300 bash "$BATS_TEST_DIRNAME/cri-proto.sh" </dev/null 3>&-) ||
		{ fail "cannot build the CRI v1 stubs (tests/integration/cri-proto.sh)"; return 1; }
}

# ---- /etc/nri and /opt/nri ------------------------------------------------------

lxh_exists() {
	[ -e "$1" ] || [ -L "$1" ]
}

# nri_recover DIR: undo what a run that died left: its own DIR (marked), and the
# original moved aside.
nri_recover() {
	local dir=$1 bak=$1$CTRD_BACKUP_SUFFIX
	if [ -e "$dir/$CTRD_MARKER" ] && [ ! -L "$dir" ]; then
		echo "# removing $dir left by an earlier test run" >&3
		rm -rf "$dir" || return 1
	fi
	if lxh_exists "$bak"; then
		if lxh_exists "$dir"; then
			fail "both $dir and $bak exist, and $dir is not this suite's: sort them out by hand"
			return 1
		fi
		echo "# restoring $dir from $bak, left by an earlier test run" >&3
		mv -T "$bak" "$dir" || return 1
	fi
}

# nri_put DIR SETUP_FUNCTION: move an existing DIR aside, then publish a new DIR
# (marked as ours) with one rename, built by SETUP_FUNCTION TMPDIR.
nri_put() {
	local dir=$1 fn=$2 tmp
	if lxh_exists "$dir"; then
		mv -T "$dir" "$dir$CTRD_BACKUP_SUFFIX" || return 1
	fi
	mkdir -p "$(dirname "$dir")" || return 1
	tmp=$(mktemp -d "$(dirname "$dir")/.$(basename "$dir").lxh.XXXXXX") || return 1
	if ! { touch "$tmp/$CTRD_MARKER" && "$fn" "$tmp" && chmod 755 "$tmp" && mv -T "$tmp" "$dir"; }; then
		rm -rf "$tmp"
		return 1
	fi
}

nri_etc_contents() {
	jq -n --arg type "$CTRD_PLUGIN" --arg root "$LXCFS_DIR" --arg level "$LXH_HOOK_LOG_LEVEL" \
		'{version: "0.1", plugins: [{type: $type, conf: {"lxcfs-root": $root, "log-level": $level}}]}' \
		>"$1/conf.json"
}

nri_opt_contents() {
	mkdir "$1/bin" && ln -s "$HOOK_BIN" "$1/bin/$CTRD_PLUGIN"
}

# nri_restore DIR: remove ours, put the original back.
nri_restore() {
	local dir=$1 bak=$1$CTRD_BACKUP_SUFFIX
	if [ -e "$dir/$CTRD_MARKER" ] && [ ! -L "$dir" ]; then
		rm -rf "$dir" || return 1
	elif lxh_exists "$dir"; then
		fail "$dir is no longer this suite's: leaving it, and the original in $bak"
		return 1
	fi
	if lxh_exists "$bak"; then
		mv -T "$bak" "$dir" || return 1
	fi
}

# nri_install: under the lock, the NRI v0.1 configuration naming our plugin with
# conf {"lxcfs-root": $LXCFS_DIR}, and /opt/nri/bin/lxcfs-oci-hook -> $HOOK_BIN.
nri_install() {
	exec {CTRD_LOCK_FD}>>"$CTRD_NRI_LOCK" || return 1
	flock -w 300 "$CTRD_LOCK_FD" ||
		{ fail "another test run has held $CTRD_NRI_LOCK for 300 s"; return 1; }
	nri_recover /etc/nri && nri_recover /opt/nri || return 1
	CTRD_NRI_INSTALLED=1
	nri_put /etc/nri nri_etc_contents && nri_put /opt/nri nri_opt_contents
}

nri_uninstall() {
	local rc=0
	if [ -n "${CTRD_NRI_INSTALLED:-}" ]; then
		nri_restore /etc/nri || rc=1
		nri_restore /opt/nri || rc=1
		CTRD_NRI_INSTALLED=
	fi
	if [ -n "${CTRD_LOCK_FD:-}" ]; then
		exec {CTRD_LOCK_FD}>&-
		CTRD_LOCK_FD=
	fi
	return $rc
}

# ---- the image ------------------------------------------------------------------

# oci_blob DIR FILE: move FILE into DIR/blobs/sha256 under its digest; prints
# "sha256:HEX SIZE".
oci_blob() {
	local dir=$1 file=$2 sum size
	sum=$(sha256sum "$file" | cut -d' ' -f1) && size=$(stat -c %s "$file") || return 1
	mv "$file" "$dir/blobs/sha256/$sum" || return 1
	echo "sha256:$sum $size"
}

# Go's name of this machine's architecture, as image configs spell it.
oci_arch() {
	local a
	a=$(dpkg --print-architecture) || return 1
	case $a in
	i386) echo 386 ;;
	armhf | armel) echo arm ;;
	ppc64el) echo ppc64le ;;
	*) echo "$a" ;;
	esac
}

# ctrd_image_tar OUT: an OCI image layout tar of the busybox rootfs: one
# uncompressed layer, Cmd a long sleep, one manifest listed twice in index.json,
# as $CTRD_IMAGE and as $CTRD_SANDBOX_IMAGE.
ctrd_image_tar() {
	local out=$1 d layer layer_size config config_size manifest manifest_size arch
	d="$BATS_TEST_TMPDIR/oci-layout"
	mkdir -p "$d/blobs/sha256" || return 1
	arch=$(oci_arch) || return 1
	tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$LXH_ROOTFS" \
		-cf "$d/layer.tar" . || return 1
	read -r layer layer_size < <(oci_blob "$d" "$d/layer.tar") || return 1
	jq -n --arg arch "$arch" --arg diff "$layer" '{
		architecture: $arch, os: "linux",
		config: {Env: ["PATH=/bin"], Cmd: ["sleep", "3600"], WorkingDir: "/"},
		rootfs: {type: "layers", diff_ids: [$diff]}
	}' >"$d/config.json" || return 1
	read -r config config_size < <(oci_blob "$d" "$d/config.json") || return 1
	jq -n --arg c "$config" --argjson cs "$config_size" --arg l "$layer" --argjson ls "$layer_size" '{
		schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]
	}' >"$d/manifest.json" || return 1
	read -r manifest manifest_size < <(oci_blob "$d" "$d/manifest.json") || return 1
	jq -n --arg m "$manifest" --argjson ms "$manifest_size" \
		--arg n1 "$CTRD_IMAGE" --arg n2 "$CTRD_SANDBOX_IMAGE" '{
		schemaVersion: 2,
		manifests: [$n1, $n2] | map({
			mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
			annotations: {"io.containerd.image.name": .}
		})
	}' >"$d/index.json" || return 1
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar -C "$d" -cf "$out" oci-layout index.json blobs
}

# ---- containerd -----------------------------------------------------------------

# ctrd_major: the running containerd's major version (1 or 2).
ctrd_major() {
	local v
	# "containerd github.com/containerd/containerd/v2 2.1.9+unknown" or "... 1.7.24~ds1 ..."
	v=$(containerd --version </dev/null 3>&- | awk '{ print $3 }') || return 1
	echo "${v%%.*}"
}

# ctrd_base_spec OUT: containerd's own default spec with our hook added, as an
# operator makes it (docs/containerd.md), the hook pointed at the test's lxcfs
# and logging to $CTRD_HOOK_LOG.
ctrd_base_spec() {
	local args
	mapfile -t args < <(hook_args --log-file "$CTRD_HOOK_LOG")
	ctr oci spec </dev/null 3>&- >"$1.default" || { fail "ctr oci spec failed"; return 1; }
	"$HOOK_BIN" base-spec --hook-path "$HOOK_BIN" --input "$1.default" -- "${args[@]}" >"$1" ||
		{ fail "lxcfs-oci-hook base-spec failed"; return 1; }
}

# The runtime handler's route-specific keys.
ctrd_runtime_extra() {
	if [ "$CTRD_ROUTE" = basespec ]; then
		echo "base_runtime_spec = \"$CTRD_DIR/base-spec.json\""
	fi
}

# ctrd_config: containerd's configuration, everything under $CTRD_DIR, in the
# layout of the running containerd.
ctrd_config() {
	local runc major
	runc=$(command -v runc) && major=$(ctrd_major) || return 1
	if [ "$major" -ge 2 ]; then
		ctrd_config_v3 "$runc"
	else
		ctrd_config_v2 "$runc"
	fi
}

# containerd 1.x: configuration version 2. $1: runc.
ctrd_config_v2() {
	cat <<EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
# Snapshotters this test does not use, which would otherwise probe the host.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$CTRD_SOCK"

[ttrpc]
  address = "$CTRD_SOCK.ttrpc"

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$CTRD_DIR/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$CTRD_SANDBOX_IMAGE"
    # The sandbox's negative oom_score_adj needs CAP_SYS_RESOURCE, which the
    # bounding set may lack: runc then fails ("can't get final child's PID").
    restrict_oom_score_adj = true
    # Independent of the host's AppArmor (and of apparmor_parser in PATH).
    disable_apparmor = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "$CTRD_DIR/cni/bin"
      conf_dir = "$CTRD_DIR/cni/net.d"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        # Pod annotations reach the container's spec (and the NRI request)
        # only when listed here.
        pod_annotations = ["$CTRD_ENABLE"]
        $(ctrd_runtime_extra)

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "$1"
          Root = "$CTRD_DIR/runc"
          SystemdCgroup = false
EOF
}

# containerd 2.x: configuration version 3, where the CRI plugin is split into
# images, runtime and the gRPC server (containerd's docs/cri/config.md). $1: runc.
ctrd_config_v3() {
	cat <<EOF
version = 3
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
# Snapshotters this test does not use, which would otherwise probe the host.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.erofs",
  "io.containerd.snapshotter.v1.blockfile"]

[grpc]
  address = "$CTRD_SOCK"

[ttrpc]
  address = "$CTRD_SOCK.ttrpc"

[debug]
  level = "info"

[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = "$CTRD_DIR/opt"

  # On by default in 2.x, with a fixed socket path; neither route uses it.
  [plugins.'io.containerd.nri.v1.nri']
    disable = true

  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"

    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "$CTRD_SANDBOX_IMAGE"

  [plugins.'io.containerd.cri.v1.runtime']
    # As in ctrd_config_v2.
    restrict_oom_score_adj = true
    disable_apparmor = true
    # A pod network's namespace (CTRD_USERNS) under $CTRD_DIR, not /var/run/netns.
    netns_mounts_under_state_dir = true

    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["$CTRD_DIR/cni/bin"]
      conf_dir = "$CTRD_DIR/cni/net.d"

    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"

      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        pod_annotations = ["$CTRD_ENABLE"]
        $(ctrd_runtime_extra)

        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "$1"
          Root = "$CTRD_DIR/runc"
          SystemdCgroup = false

  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
EOF
}

# ctrd_client_start: cri-client.py --serve on our containerd, behind two FIFOs
# held open by this shell (CTRD_CRI_W, CTRD_CRI_R): one Python for every call.
ctrd_client_start() {
	mkfifo "$CTRD_DIR/cri.in" "$CTRD_DIR/cri.out" || return 1
	"${CTRD_PYTHON[@]}" "$BATS_TEST_DIRNAME/cri-client.py" --serve \
		--address "unix://$CTRD_SOCK" --stubs "$CRI_STUBS" --timeout "$CTRD_CALL_TIMEOUT" \
		<"$CTRD_DIR/cri.in" >"$CTRD_DIR/cri.out" 2>>"$BATS_TEST_TMPDIR/cri-client.log" \
		3>&- {CTRD_LOCK_FD}>&- &
	CTRD_CLIENT_PID=$!
	exec {CTRD_CRI_W}>"$CTRD_DIR/cri.in" {CTRD_CRI_R}<"$CTRD_DIR/cri.out"
}

ctrd_client_stop() {
	local i
	[ -n "${CTRD_CRI_W:-}" ] && exec {CTRD_CRI_W}>&-
	[ -n "${CTRD_CRI_R:-}" ] && exec {CTRD_CRI_R}<&-
	CTRD_CRI_W=''
	CTRD_CRI_R=''
	[ -n "${CTRD_CLIENT_PID:-}" ] || return 0
	# End of its input: it exits.
	for ((i = 0; i < 50; i++)); do
		lxh_pid_gone "$CTRD_CLIENT_PID" && break
		sleep 0.1
	done
	lxh_pid_gone "$CTRD_CLIENT_PID" || kill -KILL "$CTRD_CLIENT_PID" 2>/dev/null || true
	wait "$CTRD_CLIENT_PID" 2>/dev/null || true
	CTRD_CLIENT_PID=
}

# ctrd_cri METHOD [REQUEST_JSON]: one CRI call to our containerd; the response
# (JSON, one line) on stdout, "CODE: details" on stderr when it fails.
ctrd_cri() {
	local tag="$BASHPID-$RANDOM-$RANDOM" req='{}' line
	[ -n "${CTRD_CRI_W:-}" ] || { fail "ctrd_cri: no CRI client running"; return 1; }
	req=$(jq -c . <<<"${2:-$req}") || { fail "ctrd_cri $1: the request is not JSON"; return 1; }
	# In a subshell: a client that died makes the write fail (SIGPIPE), not the test's shell.
	(printf '%s %s %s\n' "$tag" "$1" "$req" >&"$CTRD_CRI_W") 2>/dev/null ||
		{ fail "ctrd_cri $1: cri-client.py is gone"; return 1; }
	# Answers to calls that timed out earlier are skipped.
	while IFS= read -r -t "$((CTRD_CALL_TIMEOUT + 30))" line <&"$CTRD_CRI_R"; do
		case $line in
		"$tag ok "*) echo "${line#"$tag ok "}"; return 0 ;;
		"$tag error "*) echo "$1: ${line#"$tag error "}" >&2; return 1 ;;
		esac
	done
	fail "ctrd_cri $1: no answer from cri-client.py"
}

# ctrd_ctr ARGS...: ctr on our containerd, in CRI's namespace.
ctrd_ctr() {
	timeout -k 5 "$CTRD_CALL_TIMEOUT" ctr --address "$CTRD_SOCK" -n k8s.io "$@" </dev/null 3>&-
}

# ctrd_cni: the pod network of CTRD_USERNS pods: CNI's ptp plugin (a veth pair, the
# pod's end as its eth0: containerd wants an address there; this kernel has no dummy
# links) with host-local addresses, from Debian's containernetworking-plugins. The
# host's end and its route go with the pod (CNI DEL, at StopPodSandbox).
ctrd_cni() {
	local p dir=${CTRD_CNI_PLUGINS:-/usr/lib/cni}
	mkdir -p "$CTRD_DIR/cni/bin" "$CTRD_DIR/cni/net.d" || return 1
	for p in ptp host-local loopback; do
		[ -x "$dir/$p" ] || { fail "no CNI plugin $dir/$p (containernetworking-plugins)"; return 1; }
		ln -s "$dir/$p" "$CTRD_DIR/cni/bin/$p" || return 1
	done
	jq -n --arg ipam "$CTRD_DIR/cni/ipam" '{cniVersion: "1.0.0", name: "lxh-pods", plugins: [
		{type: "ptp", ipMasq: false, ipam: {type: "host-local", dataDir: $ipam,
			ranges: [[{subnet: "10.254.77.0/24"}]]}}]}' >"$CTRD_DIR/cni/net.d/10-lxh.conflist"
}

# ctrd_start: start the private containerd and wait until its CRI answers.
ctrd_start() {
	local i
	if [ "$CTRD_ROUTE" = basespec ]; then
		ctrd_base_spec "$CTRD_DIR/base-spec.json" || return 1
	fi
	if [ -n "${CTRD_USERNS:-}" ]; then
		ctrd_cni || return 1
	fi
	ctrd_config >"$CTRD_DIR/config.toml" || return 1
	# No lock fd for containerd and its shims: only this shell may hold the lock.
	env PATH="$CTRD_PATH" containerd --config "$CTRD_DIR/config.toml" \
		</dev/null >>"$CTRD_LOG" 2>&1 3>&- {CTRD_LOCK_FD}>&- &
	CTRD_PID=$!
	for ((i = 0; i < CTRD_START_TIMEOUT * 10; i++)); do
		if [ -S "$CTRD_SOCK" ]; then
			[ -n "${CTRD_CLIENT_PID:-}" ] || ctrd_client_start || return 1
			ctrd_cri Version >/dev/null 2>&1 && return 0
			lxh_pid_gone "$CTRD_CLIENT_PID" && { fail "cri-client.py exited at its start"; return 1; }
		fi
		lxh_pid_gone "$CTRD_PID" && { fail "containerd exited at its start"; return 1; }
		sleep 0.1
	done
	fail "containerd's CRI did not answer within $CTRD_START_TIMEOUT s"
}

# ctrd_import: import the image, then wait until the CRI plugin (which learns of
# images through events) knows both names.
ctrd_import() {
	local tar="$BATS_TEST_TMPDIR/lxh-busybox.oci.tar" name i
	ctrd_image_tar "$tar" || { fail "cannot build the OCI image tar"; return 1; }
	ctrd_ctr images import "$tar" >&2 || { fail "ctr images import failed"; return 1; }
	for name in "$CTRD_IMAGE" "$CTRD_SANDBOX_IMAGE"; do
		for ((i = 0; i < 100; i++)); do
			ctrd_cri ImageStatus "$(jq -cn --arg n "$name" '{image: {image: $n}}')" |
				jq -e '.image != null' >/dev/null 2>&1 && continue 2
			sleep 0.1
		done
		fail "the CRI plugin does not know the image $name"
		return 1
	done
}

# The shims serving our containerd: our socket is one of their arguments.
ctrd_shim_pids() {
	local f pid
	while read -r f; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		lxh_pid_gone "$pid" || echo "$pid"
	done < <(grep -lzxF -e "$CTRD_SOCK" /proc/[0-9]*/cmdline 2>/dev/null)
}

# ctrd_remove_all: every container and pod of our containerd stopped and removed
# through CRI, as a test that failed halfway leaves them. Returns 1 if any is left.
ctrd_remove_all() {
	local id rc=0 left
	for id in $(ctrd_cri ListContainers | jq -r '.containers[].id'); do
		ctrd_cri StopContainer "$(jq -cn --arg id "$id" '{container_id: $id, timeout: 0}')" >/dev/null || rc=1
		ctrd_cri RemoveContainer "$(jq -cn --arg id "$id" '{container_id: $id}')" >/dev/null || rc=1
	done
	for id in $(ctrd_cri ListPodSandbox | jq -r '.items[].id'); do
		ctrd_cri StopPodSandbox "$(jq -cn --arg id "$id" '{pod_sandbox_id: $id}')" >/dev/null || rc=1
		ctrd_cri RemovePodSandbox "$(jq -cn --arg id "$id" '{pod_sandbox_id: $id}')" >/dev/null || rc=1
	done
	left=$(ctrd_cri ListContainers | jq '.containers | length'),$(ctrd_cri ListPodSandbox | jq '.items | length')
	[ "$left" = 0,0 ] || { echo "containerd still lists containers or pods ($left)" >&2; rc=1; }
	return $rc
}

# ctrd_stop: stop containerd; whatever it left running (shims, runc
# containers, mounts under $CTRD_DIR) is stopped and removed. Returns 1 when
# anything had to be cleaned up that way, or could not be.
ctrd_stop() {
	local rc=0 i pid id mp d sock
	if [ -n "${CTRD_PID:-}" ] && ! lxh_pid_gone "$CTRD_PID"; then
		kill -TERM "$CTRD_PID" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			lxh_pid_gone "$CTRD_PID" && break
			sleep 0.1
		done
		if ! lxh_pid_gone "$CTRD_PID"; then
			echo "containerd $CTRD_PID ignored SIGTERM: killing it" >&2
			kill -KILL "$CTRD_PID" 2>/dev/null || true
			rc=1
		fi
		wait "$CTRD_PID" 2>/dev/null || true
	fi
	CTRD_PID=
	[ -n "${CTRD_DIR:-}" ] && [ -d "$CTRD_DIR" ] || return $rc
	for pid in $(ctrd_shim_pids); do
		echo "killing shim $pid left running" >&2
		kill -KILL "$pid" 2>/dev/null || true
		rc=1
	done
	# A killed shim leaves its socket: /run/containerd/s/SHA256(address/namespace/id).
	for d in "$CTRD_DIR"/state/io.containerd.runtime.v2.task/k8s.io/*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		sock=/run/containerd/s/$(printf '%s' "$CTRD_SOCK/k8s.io/${d##*/}" | sha256sum | cut -d' ' -f1)
		[ -S "$sock" ] && rm -f "$sock"
	done
	if [ -d "$CTRD_DIR/runc" ]; then
		while read -r id; do
			[ -n "$id" ] || continue
			echo "deleting runc container $id left behind" >&2
			runc --root "$CTRD_DIR/runc/k8s.io" delete --force "$id" >/dev/null 2>&1 </dev/null 3>&- || true
			rc=1
		done < <(runc --root "$CTRD_DIR/runc/k8s.io" list -q 2>/dev/null </dev/null 3>&-)
	fi
	# Deepest first: rootfs overlays and sandbox shm mounts under state/.
	while read -r mp; do
		echo "unmounting $mp left behind" >&2
		umount -l "$mp" || true
		rc=1
	done < <(awk -v t="$CTRD_DIR/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	if awk -v t="$CTRD_DIR/" 'index($5, t) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		echo "mounts left under $CTRD_DIR: not removing it" >&2
		return 1
	fi
	rm -rf "$CTRD_DIR" || rc=1
	return $rc
}

# ctrd_remove_cgroups: the cgroup parent of this test, in every hierarchy.
ctrd_remove_cgroups() {
	local d rc=0
	[ -n "${CTRD_CGROUP_PARENT:-}" ] || return 0
	for d in /sys/fs/cgroup"$CTRD_CGROUP_PARENT" /sys/fs/cgroup/*"$CTRD_CGROUP_PARENT"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		[ ! -d "$d" ] || { echo "cannot remove cgroup $d" >&2; rc=1; }
	done
	return $rc
}

# ---- pods -----------------------------------------------------------------------

# ctrd_namespace_options: what kubelet sends for a host-network pod with a PID
# namespace per container; with CTRD_USERNS=1, a pod network (Kubernetes refuses
# hostNetwork with hostUsers: false, and containerd 2.x pins the pod's user namespace
# through its network namespace: "failed to pin user namespace: failed to open
# netns()" otherwise: ctrd_cni) and a user namespace of the pod, container ids
# 0-65535 as host ids 100000-165535.
ctrd_namespace_options() {
	if [ -n "${CTRD_USERNS:-}" ]; then
		jq -cn '{network: "POD", pid: "CONTAINER", ipc: "POD", userns_options: {mode: "POD",
			uids: [{host_id: 100000, container_id: 0, length: 65536}],
			gids: [{host_id: 100000, container_id: 0, length: 65536}]}}'
	else
		echo '{"network": "NODE", "pid": "CONTAINER", "ipc": "POD"}'
	fi
}

# pod_config NAME [ANNOTATION=VALUE...]: a PodSandboxConfig as kubelet sends
# for a host-network pod: no hostname, a PID namespace per container (kubelet's
# default), our cgroup parent.
pod_config() {
	local name=$1 ann='{}' a
	shift
	for a in "$@"; do
		ann=$(jq -c --arg k "${a%%=*}" --arg v "${a#*=}" '. + {($k): $v}' <<<"$ann") || return 1
	done
	jq -cn --arg name "$name" --arg uid "$(cat /proc/sys/kernel/random/uuid)" --argjson ann "$ann" \
		--arg cg "$CTRD_CGROUP_PARENT" --argjson ns "$(ctrd_namespace_options)" '{
		metadata: {name: $name, uid: $uid, namespace: "default", attempt: 0},
		labels: {"io.kubernetes.pod.name": $name, "io.kubernetes.pod.namespace": "default"},
		annotations: $ann,
		linux: {
			cgroup_parent: $cg,
			security_context: {namespace_options: $ns}
		}
	}'
}

# run_pod NAME [ANNOTATION=VALUE...]: RunPodSandbox; sets POD_CONFIG and POD_ID.
run_pod() {
	local out
	POD_CONFIG=$(pod_config "$@") || return 1
	out=$(ctrd_cri RunPodSandbox "$(jq -cn --argjson c "$POD_CONFIG" '{config: $c}')") || return 1
	POD_ID=$(jq -er '.pod_sandbox_id' <<<"$out") || return 1
}

# create_container NAME: CreateContainer in $POD_ID: busybox sleeping, memory
# limit $LXH_MEM_LIMIT, its own PID namespace. Sets CONTAINER_ID.
create_container() {
	local out req
	req=$(jq -cn --arg pod "$POD_ID" --argjson sb "$POD_CONFIG" --arg name "$1" --arg image "$CTRD_IMAGE" \
		--argjson mem "$LXH_MEM_LIMIT" --argjson ns "$(ctrd_namespace_options)" '{
		pod_sandbox_id: $pod,
		config: {
			metadata: {name: $name, attempt: 0},
			image: {image: $image},
			command: ["sleep", "3600"],
			labels: {"io.kubernetes.container.name": $name},
			linux: {
				resources: {memory_limit_in_bytes: $mem},
				security_context: {namespace_options: $ns}
			}
		},
		sandbox_config: $sb
	}') || return 1
	out=$(ctrd_cri CreateContainer "$req") || return 1
	CONTAINER_ID=$(jq -er '.container_id' <<<"$out") || return 1
}

# start_container: StartContainer $CONTAINER_ID, where containerd runs the NRI plugin.
start_container() {
	ctrd_cri StartContainer "$(jq -cn --arg id "$CONTAINER_ID" '{container_id: $id}')" >/dev/null
}

# cri_exec ID CMD...: ExecSync; the command's stdout on stdout, its stderr on
# stderr; fails unless the call succeeds and the command exits 0.
cri_exec() {
	local id=$1 out
	shift
	# "--": without it jq takes a command's "-c" for its own option.
	out=$(ctrd_cri ExecSync "$(jq -cn --arg id "$id" '{container_id: $id, cmd: $ARGS.positional, timeout: 30}' \
		--args -- "$@")") || return 1
	jq -j '.stdout | @base64d' <<<"$out"
	jq -j '.stderr | @base64d' <<<"$out" >&2
	jq -e '.exit_code == 0' <<<"$out" >/dev/null
}

# container_host_pid ID / sandbox_host_pid ID: the host pid of a container's
# or a sandbox's init, from CRI's verbose status.
container_host_pid() {
	ctrd_cri ContainerStatus "$(jq -cn --arg id "$1" '{container_id: $id, verbose: true}')" |
		jq -er '.info.info | fromjson | .pid | select(. > 0)'
}

sandbox_host_pid() {
	ctrd_cri PodSandboxStatus "$(jq -cn --arg id "$1" '{pod_sandbox_id: $id, verbose: true}')" |
		jq -er '.info.info | fromjson | .pid | select(. > 0)'
}

# stop_pod: the whole flow back: StopContainer (timeout 0: sleep as PID 1 ignores
# SIGTERM), RemoveContainer, StopPodSandbox, RemovePodSandbox.
stop_pod() {
	if [ -n "${CONTAINER_ID:-}" ]; then
		ctrd_cri StopContainer "$(jq -cn --arg id "$CONTAINER_ID" '{container_id: $id, timeout: 0}')" >/dev/null &&
			ctrd_cri RemoveContainer "$(jq -cn --arg id "$CONTAINER_ID" '{container_id: $id}')" >/dev/null ||
			return 1
	fi
	ctrd_cri StopPodSandbox "$(jq -cn --arg id "$POD_ID" '{pod_sandbox_id: $id}')" >/dev/null &&
		ctrd_cri RemovePodSandbox "$(jq -cn --arg id "$POD_ID" '{pod_sandbox_id: $id}')" >/dev/null
}

# ---- setup and teardown -----------------------------------------------------------

ctrd_setup() {
	lxh_setup || return 1
	ctrd_require || return 1
	ctrd_stubs || return 1
	CTRD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lxh-ctrd.XXXXXX") || return 1
	# mktemp's 0700 would stop a user-namespaced container's root on its way to its rootfs.
	chmod 755 "$CTRD_DIR" || return 1
	CTRD_SOCK=$CTRD_DIR/containerd.sock
	CTRD_LOG=$BATS_TEST_TMPDIR/containerd.log
	CTRD_HOOK_LOG=$BATS_TEST_TMPDIR/hook.log
	CTRD_CGROUP_PARENT=/lxh-cri-$(basename "$CTRD_DIR")
	if [ "$CTRD_ROUTE" = nri ]; then
		nri_install || return 1
	else
		# The lock alone: one private containerd of these suites at a time.
		exec {CTRD_LOCK_FD}>>"$CTRD_NRI_LOCK" || return 1
		flock -w 300 "$CTRD_LOCK_FD" || { fail "another test run has held $CTRD_NRI_LOCK for 300 s"; return 1; }
	fi
	# Under the lock, so no other run of this suite is in the middle of its own:
	# ours to remove afterwards only if no other containerd has it.
	CTRD_RUN_OURS=
	lxh_exists /run/containerd || CTRD_RUN_OURS=1
	# What containerd will run for the plugin's type: ours, not another install.
	[ "$CTRD_ROUTE" != nri ] ||
		[ "$(PATH="$CTRD_PATH:/opt/nri/bin" command -v "$CTRD_PLUGIN")" = "/opt/nri/bin/$CTRD_PLUGIN" ] ||
		{ fail "containerd would run $(PATH="$CTRD_PATH" command -v "$CTRD_PLUGIN") for the NRI plugin"; return 1; }
	ctrd_start || return 1
	ctrd_import
}

ctrd_teardown() {
	local rc=0
	if [ -n "${CTRD_PID:-}" ] && ! lxh_pid_gone "$CTRD_PID" && [ -n "${CTRD_CRI_W:-}" ]; then
		ctrd_remove_all || rc=1
	fi
	ctrd_client_stop
	ctrd_stop || rc=1
	ctrd_remove_cgroups || rc=1
	if [ -n "${CTRD_RUN_OURS:-}" ]; then
		# Created by our containerd; empty unless another one has started since.
		rmdir /run/containerd/s /run/containerd 2>/dev/null || true
	fi
	# Last: releases the lock.
	nri_uninstall || rc=1
	if [ "$rc" -ne 0 ] || [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		if [ -s "${CTRD_LOG:-}" ]; then
			echo "# ---- containerd.log (last 100 lines)"
			tail -n 100 "$CTRD_LOG" | sed 's/^/# /'
		fi
		if [ -s "$BATS_TEST_TMPDIR/cri-client.log" ]; then
			echo "# ---- cri-client.log"
			sed 's/^/# /' "$BATS_TEST_TMPDIR/cri-client.log"
		fi
	fi
	lxh_teardown || rc=1
	return $rc
}
