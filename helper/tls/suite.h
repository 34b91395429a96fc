/* SPDX-License-Identifier: GPL-2.0 */
/* The TLS 1.3 cipher suites the kernel record layer can carry. */
#ifndef TLSH_TLS_SUITE_H
#define TLSH_TLS_SUITE_H

#include <stdint.h>

#include "ktls.h"
#include "tls/keysched.h"

#define TLSH_TLS_AES_128_GCM_SHA256		0x1301
#define TLSH_TLS_AES_256_GCM_SHA384		0x1302
#define TLSH_TLS_CHACHA20_POLY1305_SHA256	0x1303
#define TLSH_TLS_AES_128_CCM_SHA256		0x1304

struct tlsh_suite {
	uint16_t id;
	const char *name;
	enum tlsh_aead aead;
	const struct tlsh_hash *hash;
	size_t key_len;
};

/* NULL for a suite this engine does not implement. */
const struct tlsh_suite *tlsh_suite_by_id(uint16_t id);

#endif
