// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh_parse_certificate (TLS 1.3), then the entries through the peer
 * chain import (GnuTLS DER parsing) as the engine does.
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsh_certificate ct;
	struct tlsh_peer_chain pc;

	if (tlsh_parse_certificate(data, size, &ct))
		return 0;
	if (ct.n > 16 || ct.context_len > 255)
		__builtin_trap();
	memset(&pc, 0, sizeof(pc));
	for (size_t i = 0; i < ct.n; i++) {
		if (!ct.der_len[i] || ct.der[i] < data ||
		    ct.der[i] + ct.der_len[i] > data + size)
			__builtin_trap();
		if (tlsh_chain_add(&pc, ct.der[i], ct.der_len[i]))
			break;
	}
	tlsh_chain_free(&pc);
	return 0;
}
