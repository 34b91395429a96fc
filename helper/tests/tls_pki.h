/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test PKI made with certtool, once per test program (before the harness
 * forks), in a temporary directory removed at exit:
 *   ca          ECDSA P-256 CA (trusted)        other-ca  untrusted CA
 *   rsa-ca      RSA CA (trusted), signs with rsa_pkcs1_sha256
 *   ec ec384 ed rsa pss   server certs for "localhost": ECDSA P-256,
 *               ECDSA P-384, Ed25519, RSA 2048, RSA-PSS 2048 (by ca)
 *   alt         ECDSA P-256 for alt.example and *.alt.example (by ca)
 *   ec-by-rsa   ECDSA P-256 for localhost, issued by rsa-ca
 *   rogue       ECDSA P-256 for localhost, issued by other-ca
 *   cli         client certificate (ECDSA P-256, by ca)
 *   cas.pem     ca + rsa-ca
 * All certificates are valid from now for 30 days (CAs 60).
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

#define PKI_KEY(name, type) \
	"certtool -p --key-type " type " --outfile " name ".key && "
#define PKI_CA(name, tmpl) \
	"certtool -s --load-privkey " name ".key --template " tmpl \
	" --outfile " name ".pem && "
#define PKI_CERT(name, ca, tmpl) \
	"certtool -c --load-privkey " name ".key --load-ca-privkey " ca \
	".key --load-ca-certificate " ca ".pem --template " tmpl \
	" --outfile " name ".pem && "

static const char pki_script[] =
	"printf 'cn = tlsh test CA\\nca\\ncert_signing_key\\nexpiration_days = 60\\n' > ca.tmpl && "
	"printf 'cn = localhost\\ndns_name = localhost\\ntls_www_server\\nsigning_key\\nexpiration_days = 30\\n' > srv.tmpl && "
	"printf 'cn = alt.example\\ndns_name = alt.example\\ndns_name = *.alt.example\\ntls_www_server\\nsigning_key\\nexpiration_days = 30\\n' > alt.tmpl && "
	"printf 'cn = tlsh test client\\ntls_www_client\\nsigning_key\\nexpiration_days = 30\\n' > cli.tmpl && "
	PKI_KEY("ca", "ecdsa --curve secp256r1") PKI_CA("ca", "ca.tmpl")
	PKI_KEY("other-ca", "ecdsa --curve secp256r1") PKI_CA("other-ca", "ca.tmpl")
	PKI_KEY("rsa-ca", "rsa --bits 2048") PKI_CA("rsa-ca", "ca.tmpl")
	PKI_KEY("ec", "ecdsa --curve secp256r1") PKI_CERT("ec", "ca", "srv.tmpl")
	PKI_KEY("ec384", "ecdsa --curve secp384r1") PKI_CERT("ec384", "ca", "srv.tmpl")
	PKI_KEY("ed", "ed25519") PKI_CERT("ed", "ca", "srv.tmpl")
	PKI_KEY("rsa", "rsa --bits 2048") PKI_CERT("rsa", "ca", "srv.tmpl")
	PKI_KEY("pss", "rsa-pss --bits 2048") PKI_CERT("pss", "ca", "srv.tmpl")
	PKI_KEY("alt", "ecdsa --curve secp256r1") PKI_CERT("alt", "ca", "alt.tmpl")
	PKI_KEY("ec-by-rsa", "ecdsa --curve secp256r1") PKI_CERT("ec-by-rsa", "rsa-ca", "srv.tmpl")
	PKI_KEY("rogue", "ecdsa --curve secp256r1") PKI_CERT("rogue", "other-ca", "srv.tmpl")
	PKI_KEY("cli", "ecdsa --curve secp256r1") PKI_CERT("cli", "ca", "cli.tmpl")
	"cat ca.pem rsa-ca.pem > cas.pem";

/* Returns the directory, or NULL if certtool failed. */
static const char *pki_make(void)
{
	char cmd[sizeof(pki_script) + 128];

	if (pki_dir[0])
		return pki_ok ? pki_dir : NULL;
	strcpy(pki_dir, "/tmp/tlsh-pki-XXXXXX");
	if (!mkdtemp(pki_dir))
		return NULL;
	atexit(pki_cleanup);
	snprintf(cmd, sizeof(cmd), "(cd '%s' && %s) >/dev/null 2>&1", pki_dir,
		 pki_script);
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
