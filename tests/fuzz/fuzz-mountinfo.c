/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-mountinfo.c - libFuzzer entry for ns_view_from_mountinfo: the input is written
 * to a memfd and read back through /proc/self/fd/N, as libmount reads a file by name.
 * The first byte chooses how many lxcfs instances are live (0, 1 or 2; 3: no set at all),
 * the next byte of each is its minor (major 0, as FUSE devices are).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "nsscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxh_error err = { 0 };
	struct ns_lxcfs_view v;
	struct lxcfs_live_set set = { .n = 0 };
	const struct lxcfs_live_set *live = &set;
	char path[64];

	if (size >= 1) {
		unsigned n = data[0] % 4;

		data++;
		size--;
		if (n == 3)
			live = NULL;
		for (unsigned i = 0; i < n && i < LXCFS_MAX_LIVE && size > 0; i++, data++, size--)
			set.devs[set.n++] = makedev(0, data[0]);
	}
	if (memfd < 0) {
		memfd = memfd_create("fuzz-mountinfo", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	if (ns_view_from_mountinfo(path, live, &v, &err) == 0) {
		unsigned total = 0;

		if ((v.stale | v.stacked) & ~v.files || v.n_devs > NS_MAX_LAYERS || (v.files && !v.n_devs))
			__builtin_trap();
		for (int i = 0; i < LXF_COUNT; i++) {
			if (!!v.layers[i] != !!(v.files & LXF_BIT(i)) || (v.layers[i] > 1) != !!(v.stacked & LXF_BIT(i)))
				__builtin_trap();
			total += v.layers[i];
		}
		if ((!live || !live->n) && v.stale != v.files)
			__builtin_trap();
		(void)total;
	}
	return 0;
}
