/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-nri.c - libFuzzer entry for the NRI v0.1 request on stdin of `invoke` (nri_request_parse), and the reply. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int devnull = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxh_error err = { 0 };
	struct nri_request req;

	if (devnull < 0) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (devnull < 0)
			abort();
	}
	if (nri_request_parse((const char *)data, size, &req, &err) == 0) {
		if (!req.version || !req.state || !req.id || !req.id[0] || req.pid < 0 || req.conf.timeout_s < 0)
			__builtin_trap();
		(void)nri_request_is_sandbox(&req);
		/* The reply quotes the container's id back: any bytes must give valid output. */
		(void)nri_result_write(devnull, req.id, req.state);
		nri_request_free(&req);
	} else {
		if (req.version || req.state || req.id || req.sandbox_id || req.annotations.n || req.conf.lxcfs_root ||
		    req.conf.def || req.conf.on_missing || req.conf.log_level)
			__builtin_trap(); /* a failed parse must leave nothing behind */
		(void)nri_result_write(devnull, "lxcfs-oci-hook", err.msg);
	}
	return 0;
}
