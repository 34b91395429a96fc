// SPDX-License-Identifier: GPL-2.0
/* tlsh_parse_new_session_ticket. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsh_new_session_ticket nst;

	if (tlsh_parse_new_session_ticket(data, size, &nst))
		return 0;
	if (!nst.ticket_len || nst.nonce_len > 255 ||
	    nst.ticket + nst.ticket_len > data + size)
		__builtin_trap();
	return 0;
}
