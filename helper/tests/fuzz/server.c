// SPDX-License-Identifier: GPL-2.0
/*
 * The whole server engine fed arbitrary bytes as the client's flight,
 * honouring tlsh_conn_want (fz_feed_stream). data[0]: bit 0 the server
 * variant (1: client certificate required), bits 1-2 how the bytes arrive
 * (fz_engine_stream); the rest is the client's byte stream. The seeds are
 * real client streams for this configuration, so they complete the
 * handshake.
 */
#include "fuzz.h"

const unsigned int fz_regress_iterations = 2000;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_engine_stream(true, data, size);
	return 0;
}
