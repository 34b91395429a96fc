// SPDX-License-Identifier: GPL-2.0
/* TLS 1.2 ClientKeyExchange (ECDHE point, RSA-encrypted pre-master). */
#include "inject.h"

static const char *const names[] = { "cke12_ecdhe", "cke12_rsa", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_inject_target(names, data, size);
}
