// SPDX-License-Identifier: GPL-2.0
/* tlsh_parse_certificate_request (TLS 1.3). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsh_certificate_request cr;

	if (tlsh_parse_certificate_request(data, size, &cr))
		return 0;
	if (cr.context_len > 255 || tlsh_cur_left(&cr.sigalgs) % 2 ||
	    !tlsh_cur_left(&cr.sigalgs))
		__builtin_trap();
	(void)tlsh_u16_list_has(cr.sigalgs, 0x0403);
	return 0;
}
