// SPDX-License-Identifier: GPL-2.0
/*
 * Every client message, replaced on its way to the server (inject.h):
 * ClientHello (TLS 1.3, after HRR, TLS 1.2), client Certificate and
 * CertificateVerify, Finished; TLS 1.2 ClientKeyExchange (ECDHE, RSA)
 * and Finished.
 */
#include "inject.h"

static const char *const names[] = {
	"ch13", "ch2", "cert13_client", "cv13_client", "fin13_client",
	"ch12", "cke12_ecdhe", "cke12_rsa", "fin12_client", NULL
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_inject_target(names, data, size);
}
