// SPDX-License-Identifier: GPL-2.0
/*
 * Every server message, replaced on its way to the client (inject.h):
 * ServerHello, HRR, EncryptedExtensions, CertificateRequest, Certificate,
 * CertificateVerify, Finished; TLS 1.2 ServerHello, Certificate,
 * ServerKeyExchange, ServerHelloDone, Finished.
 */
#include "inject.h"

static const char *const names[] = {
	"sh13", "hrr", "sh13_after_hrr", "ee", "cr13", "cert13_server",
	"cv13_server", "fin13_server", "sh12", "sh12_rsa", "cert12",
	"ske12_ecdsa", "ske12_rsa", "shd12", "shd12_rsa", "fin12_server",
	NULL
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_inject_target(names, data, size);
}
