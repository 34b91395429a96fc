/* SPDX-License-Identifier: GPL-2.0 */
/* The TLS 1.3 cipher suites the kernel record layer can carry. */
#ifndef TLSH_TLS_SUITE_H
#define TLSH_TLS_SUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "tls/traffic.h"
#include "tls/keysched.h"

#define TLSH_TLS_AES_128_GCM_SHA256		0x1301
#define TLSH_TLS_AES_256_GCM_SHA384		0x1302
#define TLSH_TLS_CHACHA20_POLY1305_SHA256	0x1303
#define TLSH_TLS_AES_128_CCM_SHA256		0x1304

/* TLS 1.2 suites (RFC 5288, 5289, 7905): AEAD only, as kTLS needs. */
#define TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256			0x009c
#define TLSH_TLS_RSA_WITH_AES_256_GCM_SHA384			0x009d
#define TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256		0xc02b
#define TLSH_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384		0xc02c
#define TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256		0xc02f
#define TLSH_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384		0xc030
#define TLSH_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256	0xcca8
#define TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256	0xcca9

/* Key exchange: none named for TLS 1.3 suites. */
enum tlsh_kx {
	TLSH_KX_TLS13 = 0,
	TLSH_KX_ECDHE_ECDSA,
	TLSH_KX_ECDHE_RSA,
	TLSH_KX_RSA,		/* key transport: no forward secrecy */
};

struct tlsh_suite {
	uint16_t id;
	const char *name;
	enum tlsh_aead aead;
	const struct tlsh_hash *hash;	/* TLS 1.2: the PRF hash */
	size_t key_len;
	enum tlsh_kx kx;
	/* TLS 1.2: bytes of write IV from the key block (4 GCM, 12 ChaCha). */
	size_t fixed_iv_len;
};

static inline bool tlsh_suite_is12(const struct tlsh_suite *s)
{
	return s->kx != TLSH_KX_TLS13;
}

/* NULL for a suite this engine does not implement. */
const struct tlsh_suite *tlsh_suite_by_id(uint16_t id);

#endif
