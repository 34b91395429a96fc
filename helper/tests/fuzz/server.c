// SPDX-License-Identifier: GPL-2.0
/*
 * The whole server engine fed arbitrary bytes as the client's flight,
 * honouring tlsh_conn_want (fz_feed_stream). data[0]: bit 0 the server
 * variant (1: client certificate required), bits 1-2 how the bytes arrive
 * (0 and 3: as much as wanted, 1: one byte at a time, 2: seven at a time);
 * the rest is the client's byte stream. The seeds are real client
 * streams for this configuration, so they complete the handshake.
 */
#include "fuzz.h"

const unsigned int fz_regress_iterations = 2000;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[4] = { 0, 1, 7, 0 };
	struct tlsh_config cfg;
	struct fz_rng r;
	struct tlsh_conn *s;

	if (size < 1)
		return 0;
	fz_server_config(&cfg, &r, data[0] & 1);
	if (tlsh_conn_new(&s, &cfg, true) || tlsh_conn_start(s))
		__builtin_trap();
	fz_feed_stream(s, data + 1, size - 1, chunks[(data[0] >> 1) & 3]);
	tlsh_conn_free(s);
	return 0;
}
