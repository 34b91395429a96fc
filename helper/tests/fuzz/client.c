// SPDX-License-Identifier: GPL-2.0
/*
 * The whole client engine, after its ClientHello, fed arbitrary bytes as
 * the server's flight, honouring tlsh_conn_want (fz_feed_stream); once
 * done, the rest as records through tlsh_conn_read_record. data[0] bits
 * 1-2: how the bytes arrive (fz_engine_stream); the rest is the server's
 * byte stream. The seeds are real server streams (TLS 1.3, HRR, client
 * auth, TLS 1.2 ECDHE and RSA) for this client, so they complete.
 */
#include "fuzz.h"

const unsigned int fz_regress_iterations = 2000;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_engine_stream(false, data, size);
	return 0;
}
