// SPDX-License-Identifier: GPL-2.0
/* tlsh_parse_server_hello: ServerHello (TLS 1.3 and 1.2) and HRR. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsh_server_hello sh;

	if (tlsh_parse_server_hello(data, size, &sh))
		return 0;
	if (sh.share && (sh.share < data ||
			 sh.share + sh.share_len > data + size))
		__builtin_trap();
	if (sh.cookie && (sh.cookie < data ||
			  sh.cookie + sh.cookie_len > data + size))
		__builtin_trap();
	if (sh.alpn && (!sh.alpn_len || sh.alpn_len > 255 ||
			sh.alpn + sh.alpn_len > data + size))
		__builtin_trap();
	(void)tlsh_downgrade_sentinel(sh.random);
	return 0;
}
