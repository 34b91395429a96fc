/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test PKI made by selftests/lib/pki.sh (certtool), once per test program
 * (before the harness forks), in a temporary directory removed at exit:
 *   ca          ECDSA P-256 CA (trusted)        other-ca  untrusted CA
 *   rsa-ca      RSA CA (trusted), signs with rsa_pkcs1_sha256
 *   ec ec384 ed rsa pss   server certs for "localhost": ECDSA P-256,
 *               ECDSA P-384, Ed25519, RSA 2048, RSA-PSS 2048 (by ca)
 *   alt         ECDSA P-256 for alt.example and *.alt.example (by ca)
 *   ec-by-rsa   ECDSA P-256 for localhost, issued by rsa-ca
 *   rogue       ECDSA P-256 for localhost, issued by other-ca
 *   cli         client certificate (ECDSA P-256, by ca)
 *   cli-rsa     client certificate (RSA 2048, by ca)
 *   cli-rogue   client certificate (ECDSA P-256, by other-ca)
 *   cas.pem     ca + rsa-ca
 * All certificates are valid from now for 30 days (CAs 60); the server
 * certificates for localhost also name 127.0.0.1, the RSA ones allow key
 * encipherment.
 */
#ifndef TLSH_TESTS_TLS_PKI_H
#define TLSH_TESTS_TLS_PKI_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char pki_dir[64];
static int pki_ok;

static void pki_cleanup(void)
{
	char cmd[128];

	if (pki_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki_dir);
		if (system(cmd))
			fprintf(stderr, "# could not remove %s\n", pki_dir);
	}
}

/* The repository's one test PKI script (cwd: the repository root). */
static const char pki_specs[] =
	"ca:days=60 other-ca:ca,days=60 rsa-ca:ca,rsa,days=60 "
	"ec ec384:p384 ed:ed25519 rsa:rsa pss:rsa-pss "
	"alt:cn=alt.example,dns=*.alt.example ec-by-rsa:by=rsa-ca "
	"rogue:by=other-ca cli:client cli-rsa:client,rsa "
	"cli-rogue:client,by=other-ca";

/* Returns the directory, or NULL if certtool failed. */
static const char *pki_make(void)
{
	char cmd[sizeof(pki_specs) + 256];

	if (pki_dir[0])
		return pki_ok ? pki_dir : NULL;
	strcpy(pki_dir, "/tmp/tlsh-pki-XXXXXX");
	if (!mkdtemp(pki_dir))
		return NULL;
	atexit(pki_cleanup);
	snprintf(cmd, sizeof(cmd), "selftests/lib/pki.sh '%s' %s 2>/dev/null && "
		 "cd '%s' && cat ca.pem rsa-ca.pem > cas.pem", pki_dir,
		 pki_specs, pki_dir);
	pki_ok = system(cmd) == 0;
	return pki_ok ? pki_dir : NULL;
}

/* Made in the parent, before the harness forks a process per test. */
__attribute__((constructor)) static void pki_setup(void)
{
	pki_make();
}

static const char *pki_path(const char *name)
{
	static char buf[8][128];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", pki_dir, name);
	return buf[i];
}

#endif
