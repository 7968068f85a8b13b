#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2154 # status, output: set by bats' run
# Issue 14: the same annotated container, started many times in a row, starts every
# time with its lxcfs files. runc 1.2+ keeps one thread in the container's mount
# namespace while it runs hooks; in some starts that thread is runc's thread-group
# leader, and a hook judging runc by /proc/<runc>/ns/mnt alone refused one start in
# ten to twenty. Run here with this machine's runc, and in the stacks (make
# check-stacks) with Debian 13's and sid's.
#
#   LXH_REPEATED_STARTS   starts (default 120)

load helpers

: "${LXH_REPEATED_STARTS:=120}"

setup() {
	lxh_setup
}

teardown() {
	lxh_teardown
}

@test "the same annotated container started $LXH_REPEATED_STARTS times in a row (runc): starts every time, with its files" {
	# The container's process says whether /proc/meminfo is an lxcfs bind: exit 0 yes, 7 no.
	make_bundle repeated --enable -- /bin/sh -c \
		'awk '\''$5 == "/proc/meminfo" && / - fuse.lxcfs / { f = 1 } END { exit f ? 0 : 7 }'\'' /proc/self/mountinfo'
	lxh_register_container runc "$CID" "$BUNDLE"
	local i rc started=0 unbound=0 failed=0 t0=$SECONDS
	: >"$BATS_TEST_TMPDIR/errors"
	for ((i = 1; i <= LXH_REPEATED_STARTS; i++)); do
		rc=0
		(cd "$BUNDLE" && timeout -k 5 "$LXH_RUNTIME_TIMEOUT" runc run --bundle "$BUNDLE" "$CID" \
			</dev/null >/dev/null 2>"$BUNDLE/run.err" 3>&-) || rc=$?
		case $rc in
		0) started=$((started + 1)) ;;
		7) started=$((started + 1)) unbound=$((unbound + 1)) ;;
		*)
			failed=$((failed + 1))
			# One line per failure, the pid (which changes) taken out so that alike ones count together.
			echo "exit $rc: $(tr '\n' ' ' <"$BUNDLE/run.err" | sed -E 's/process [0-9]+/process N/g' | cut -c1-400)" \
				>>"$BATS_TEST_TMPDIR/errors"
			# A failed run may leave the container behind: the next start needs its id.
			runc delete -f "$CID" >/dev/null 2>&1 </dev/null 3>&- || true
			;;
		esac
	done
	# The counts in the TAP output (fd 3) whether the test passes or not: they are what is compared.
	echo "# $(runc --version | head -n 1): $started of $LXH_REPEATED_STARTS started" \
		"($unbound without their lxcfs files), $failed failed, in $((SECONDS - t0)) s" | tee /dev/fd/3
	sort "$BATS_TEST_TMPDIR/errors" | uniq -c | sed 's/^/# /' | tee /dev/fd/3
	[ "$failed" -eq 0 ]
	[ "$unbound" -eq 0 ]
	[ "$started" -eq "$LXH_REPEATED_STARTS" ]
}
