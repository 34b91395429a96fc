// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>

#include "tls/suite.h"

static const struct tlsh_suite suites[] = {
	{ TLSH_TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256",
	  TLSH_AEAD_AES_128_GCM, &tlsh_hash_sha256, 16 },
	{ TLSH_TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384",
	  TLSH_AEAD_AES_256_GCM, &tlsh_hash_sha384, 32 },
	{ TLSH_TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256",
	  TLSH_AEAD_CHACHA20_POLY1305, &tlsh_hash_sha256, 32 },
	{ TLSH_TLS_AES_128_CCM_SHA256, "TLS_AES_128_CCM_SHA256",
	  TLSH_AEAD_AES_128_CCM, &tlsh_hash_sha256, 16 },
};

const struct tlsh_suite *tlsh_suite_by_id(uint16_t id)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}
