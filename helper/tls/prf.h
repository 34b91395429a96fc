/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TLS 1.2 PRF (RFC 5246 section 5) and what is derived from it: the
 * master secret (RFC 5246 8.1, or RFC 7627 4 with the session hash), the
 * key block (6.3) and Finished verify_data (7.4.9). HMAC is nettle's.
 */
#ifndef TLSH_TLS_PRF_H
#define TLSH_TLS_PRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/keysched.h"
#include "tls/suite.h"

#define TLSH_MASTER_SECRET	48
#define TLSH_PRE_MASTER_RSA	48
#define TLSH_VERIFY_DATA	12

/* PRF(secret, label, seed1 + seed2)[0..out_len) with P_<h>. */
void tlsh_prf(const struct tlsh_hash *h, const uint8_t *secret,
	      size_t secret_len, const char *label, const uint8_t *seed1,
	      size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
	      uint8_t *out, size_t out_len);

/*
 * master_secret from the pre-master secret: with ems, over session_hash
 * (the transcript hash through ClientKeyExchange), else over the randoms.
 */
void tlsh_master_secret(const struct tlsh_hash *h, const uint8_t *pms,
			size_t pms_len, bool ems, const uint8_t *session_hash,
			const uint8_t client_random[32],
			const uint8_t server_random[32],
			uint8_t ms[TLSH_MASTER_SECRET]);

/* Write keys and IVs for both directions (iv: 12 bytes, zero-padded). */
struct tlsh_key_block {
	uint8_t client_key[32], server_key[32];
	uint8_t client_iv[12], server_iv[12];
};

void tlsh_key_block(const struct tlsh_suite *s,
		    const uint8_t ms[TLSH_MASTER_SECRET],
		    const uint8_t client_random[32],
		    const uint8_t server_random[32], struct tlsh_key_block *kb);

/* verify_data for "client finished" / "server finished". */
void tlsh_verify_data(const struct tlsh_hash *h,
		      const uint8_t ms[TLSH_MASTER_SECRET], bool server,
		      const uint8_t *thash, uint8_t out[TLSH_VERIFY_DATA]);

#endif
