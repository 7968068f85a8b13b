#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Issue 2, integration test 8: a container without a mount namespace of its
# own. Binding lxcfs files "into" it would change the mount table it shares
# with its runtime (on a real host: the host's /proc). The hook must refuse.
#
# runc runs here in a private mount namespace (see container_create), so the
# shared namespace is a throw-away copy and the real host stays safe even if
# the hook misbehaves; what that namespace holds after the hook ran is in
# $BUNDLE/ns-mountinfo.

load helpers

@test "no mount namespace: refused, nothing mounted anywhere" {
	make_bundle nomntns --enable --no-mntns
	run container_create runc
	echo "$output"
	assert_refused "$status" "$output" 'namespace'
	[ -s "$BUNDLE/ns-mountinfo" ]
	echo "lxcfs entries in the shared namespace:"
	lxcfs_entries "$BUNDLE/ns-mountinfo"
	# Only whole lxcfs mounts (root "/"): no bind of an lxcfs file.
	[ -z "$(lxcfs_entries "$BUNDLE/ns-mountinfo" | awk '$2 != "/"')" ]
	assert_host_untouched
}
