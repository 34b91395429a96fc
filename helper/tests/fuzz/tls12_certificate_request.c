// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 CertificateRequest at the client. Our server never sends one,
 * so the input replaces its ServerHelloDone (ECDHE or RSA flow); the seeds
 * are a CertificateRequest followed by ServerHelloDone.
 */
#include "inject.h"

static const char *const names[] = { "shd12", "shd12_rsa", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_inject_target(names, data, size);
}
