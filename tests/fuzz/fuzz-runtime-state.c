/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-runtime-state.c - libFuzzer entry for runc's state.json and crun's status (runtime_state.c). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_and_clear(int rc, struct rt_container *c)
{
	if (rc < 0) {
		if (c->id || c->bundle)
			__builtin_trap(); /* a failed parse must leave nothing behind */
		return;
	}
	if (!c->id || c->pid < 0 || strlen(c->id) == 0)
		__builtin_trap();
	if (c->bundle)
		(void)strlen(c->bundle);
	free(c->id);
	free(c->bundle);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxh_error err = { 0 };
	struct rt_container c;

	/* Both parsers see every input: they share no state, and each is cheap. */
	check_and_clear(runtime_parse_runc_state((const char *)data, size, &c, &err), &c);
	check_and_clear(runtime_parse_crun_status((const char *)data, size, "fuzz", &c, &err), &c);
	return 0;
}
