/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-policy.c - libFuzzer entry for annotation values: policy_parse_bool,
 * policy_parse_files and policy_decide (then plan_build) on what a container's
 * annotations may hold. The input is split at the first NUL byte: the enable
 * value before it, the lxcfsFiles value after it (annotation values are C strings).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxh_error err = { 0 };
	struct kv_list spec = { 0 };
	struct policy_decision d;
	char *buf = malloc(size + 2);
	const char *enable, *files;
	lxfile_mask mask;
	bool b;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	enable = buf;
	files = buf + strlen(buf) + 1;
	if (files > buf + size)
		files = buf + size;

	(void)policy_parse_bool(enable, &b);
	if (policy_parse_files(files, &mask, &err) == 0 && (mask == 0 || mask >= LXF_BIT(LXF_COUNT)))
		__builtin_trap();

	/* The state's annotations, then the same values from config.json only. */
	if (policy_decide(&(struct lxcfs_annotations){ enable, files }, NULL, DEFAULT_OFF, &d, &err) == 0) {
		static char dest[] = "/proc/meminfo";
		char *dests[] = { dest };
		struct plan p;

		if (d.reason[sizeof(d.reason) - 1] != '\0' || (d.files & ~(LXF_BIT(LXF_COUNT) - 1)))
			__builtin_trap();
		plan_build(&d, dests, 1, &p);
		if (p.n > LXF_COUNT)
			__builtin_trap();
	}
	if (kv_list_add(&spec, ANNOTATION_FILES, files) == 0)
		(void)policy_decide(NULL, &spec, DEFAULT_ON, &d, &err);
	kv_list_free(&spec);
	free(buf);
	return 0;
}
