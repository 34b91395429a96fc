/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test PKI made at test time with certtool in a temporary directory:
 * an ECDSA P-256 CA, server certificates (ECDSA P-256, RSA 2048, RSA-PSS)
 * for "localhost", a client certificate, and a second, untrusted CA.
 */
#ifndef TLSH_TESTS_TLS_PKI_H
#define TLSH_TESTS_TLS_PKI_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char pki_dir[64];

static int pki_sh(const char *fmt, const char *a)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), fmt, a, a, a, a, a, a, a, a);
	return system(cmd);
}

static void pki_cleanup(void)
{
	if (pki_dir[0])
		pki_sh("rm -rf '%s'", pki_dir);
}

/* Returns the directory, or NULL if certtool failed. */
static const char *pki_make(void)
{
	static const char script[] =
		"(cd '%s' && "
		"printf 'cn = tlsh test CA\\nca\\ncert_signing_key\\nexpiration_days = 60\\n' > ca.tmpl && "
		"printf 'cn = localhost\\ndns_name = localhost\\ntls_www_server\\nsigning_key\\nexpiration_days = 30\\n' > srv.tmpl && "
		"printf 'cn = tlsh test client\\ntls_www_client\\nsigning_key\\nexpiration_days = 30\\n' > cli.tmpl && "
		"certtool -p --key-type ecdsa --curve secp256r1 --outfile ca.key && "
		"certtool -s --load-privkey ca.key --template ca.tmpl --outfile ca.pem && "
		"certtool -p --key-type ecdsa --curve secp256r1 --outfile other-ca.key && "
		"certtool -s --load-privkey other-ca.key --template ca.tmpl --outfile other-ca.pem && "
		"certtool -p --key-type ecdsa --curve secp256r1 --outfile ec.key && "
		"certtool -c --load-privkey ec.key --load-ca-privkey ca.key --load-ca-certificate ca.pem --template srv.tmpl --outfile ec.pem && "
		"certtool -p --key-type rsa --bits 2048 --outfile rsa.key && "
		"certtool -c --load-privkey rsa.key --load-ca-privkey ca.key --load-ca-certificate ca.pem --template srv.tmpl --outfile rsa.pem && "
		"certtool -p --key-type rsa-pss --bits 2048 --outfile pss.key && "
		"certtool -c --load-privkey pss.key --load-ca-privkey ca.key --load-ca-certificate ca.pem --template srv.tmpl --outfile pss.pem && "
		"certtool -p --key-type ecdsa --curve secp256r1 --outfile cli.key && "
		"certtool -c --load-privkey cli.key --load-ca-privkey ca.key --load-ca-certificate ca.pem --template cli.tmpl --outfile cli.pem && "
		"certtool -p --key-type ecdsa --curve secp256r1 --outfile rogue.key && "
		"certtool -c --load-privkey rogue.key --load-ca-privkey other-ca.key --load-ca-certificate other-ca.pem --template srv.tmpl --outfile rogue.pem"
		") >/dev/null 2>&1";

	if (pki_dir[0])
		return pki_dir;
	strcpy(pki_dir, "/tmp/tlsh-pki-XXXXXX");
	if (!mkdtemp(pki_dir))
		return NULL;
	atexit(pki_cleanup);
	if (pki_sh(script, pki_dir))
		return NULL;
	return pki_dir;
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
