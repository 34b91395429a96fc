// SPDX-License-Identifier: GPL-2.0
/* tlsh_parse_certificate_verify. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsh_certificate_verify cv;

	if (tlsh_parse_certificate_verify(data, size, &cv))
		return 0;
	if (!cv.sig_len || cv.sig + cv.sig_len != data + size)
		__builtin_trap();
	return 0;
}
