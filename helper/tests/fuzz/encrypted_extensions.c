// SPDX-License-Identifier: GPL-2.0
/* tlsh_parse_encrypted_extensions. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsh_encrypted_extensions ee;

	if (tlsh_parse_encrypted_extensions(data, size, &ee))
		return 0;
	if (ee.alpn && (!ee.alpn_len || ee.alpn_len > 255 ||
			ee.alpn < data || ee.alpn + ee.alpn_len > data + size))
		__builtin_trap();
	return 0;
}
