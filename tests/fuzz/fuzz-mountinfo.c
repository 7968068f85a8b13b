/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-mountinfo.c - libFuzzer entry for ns_view_from_mountinfo: the input is written
 * to a memfd and read back through /proc/self/fd/N, as libmount reads a file by name.
 * The first two bytes choose the live lxcfs device (0:0 .. 0:255 and majors 0 and 1).
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
	char path[64];
	dev_t live = 0;

	if (size >= 2) {
		live = makedev(data[0] & 1, data[1]);
		data += 2;
		size -= 2;
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
		if (!live && v.stale != v.files)
			__builtin_trap();
		(void)total;
	}
	return 0;
}
