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

		for (size_t i = 0; i < st.annotations.n; i++)
			n += strlen(st.annotations.items[i].key) + strlen(st.annotations.items[i].value);
		(void)kv_list_get(&st.annotations, "io.kubernetes.container.lxcfsEnable");
		(void)n;
		oci_state_free(&st);
	} else if (st.id || st.status || st.bundle || st.root || st.annotations.n) {
		__builtin_trap(); /* a failed parse must leave nothing behind */
	}
	return 0;
}
