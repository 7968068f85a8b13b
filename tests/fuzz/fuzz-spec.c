/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-spec.c - libFuzzer entry for the bundle's config.json (oci_spec_parse), and the paths made from it. */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxh_error err = { 0 };
	struct oci_spec spec;

	if (oci_spec_parse((const char *)data, size, &spec, &err) == 0) {
		char *rootfs = NULL;

		for (size_t i = 0; i < spec.n_mounts; i++) {
			char clean[PATH_MAX];

			/* A destination is kept cleaned: cleaning it again changes nothing. */
			if (spec.mount_dests[i][0] != '/' ||
			    (path_clean(spec.mount_dests[i], clean, sizeof(clean)) == 0 &&
			     strcmp(clean, spec.mount_dests[i]) != 0))
				__builtin_trap();
		}
		if (oci_rootfs_path("/run/bundle", spec.root_path, &rootfs, &err) == 0) {
			if (rootfs[0] != '/')
				__builtin_trap();
			free(rootfs);
		}
		oci_spec_free(&spec);
	} else if (spec.root_path || spec.mount_dests || spec.n_mounts || spec.annotations.n) {
		__builtin_trap();
	}
	return 0;
}
