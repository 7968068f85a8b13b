/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-state.c - libFuzzer entry for the OCI state on the hook's stdin (oci_state_parse). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxh_error err = { 0 };
	struct oci_state st;

	if (oci_state_parse((const char *)data, size, &st, &err) == 0) {
		/* Touch what the hook reads next, so ASan sees every string it would use. */
		size_t n = strlen(st.id) + strlen(st.status) + strlen(st.bundle) + (st.root ? strlen(st.root) : 0);

		n += (st.annotations.enable ? strlen(st.annotations.enable) : 0) +
		     (st.annotations.files ? strlen(st.annotations.files) : 0);
		(void)n;
		oci_state_free(&st);
	} else if (st.id || st.status || st.bundle || st.root || st.n_annotations || st.annotations.enable || st.annotations.files) {
		__builtin_trap(); /* a failed parse must leave nothing behind */
	}
	return 0;
}
