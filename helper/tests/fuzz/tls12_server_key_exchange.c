// SPDX-License-Identifier: GPL-2.0
/* TLS 1.2 ServerKeyExchange (ECDSA and RSA signed) at the client. */
#include "inject.h"

static const char *const names[] = { "ske12_ecdsa", "ske12_rsa", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_inject_target(names, data, size);
}
