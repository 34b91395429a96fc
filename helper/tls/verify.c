// SPDX-License-Identifier: GPL-2.0
/*
 * Peer chain validation through GnuTLS, with the validity period checked
 * against the engine's own clock (injected for tests) and a one-line reason
 * for every failure.
 */
#include <stdio.h>
#include <string.h>

#include "tls/sig.h"

/* The first DNS subjectAltName, else the CN, else "?". */
static void cert_name(gnutls_x509_crt_t crt, char *out, size_t len)
{
	size_t n = len;
	unsigned int critical;

	for (unsigned int i = 0; i < 64; i++) {
		int t;

		n = len;
		t = gnutls_x509_crt_get_subject_alt_name(crt, i, out, &n,
							 &critical);
		if (t < 0)
			break;
		if (t == GNUTLS_SAN_DNSNAME && n < len) {
			out[n] = 0;
			return;
		}
	}
	n = len;
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					  0, out, &n) >= 0 && n < len) {
		out[n] = 0;
		return;
	}
	snprintf(out, len, "?");
}

static void fmt_time(time_t t, char out[32])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, 32, "%lld", (long long)t);
}

/* The presented certificate that issued crt, if any (not crt itself). */
static gnutls_x509_crt_t presented_issuer(const struct tlsh_peer_chain *pc,
					  gnutls_x509_crt_t crt)
{
	for (size_t i = 0; i < pc->n; i++)
		if (pc->crt[i] != crt &&
		    gnutls_x509_crt_check_issuer(crt, pc->crt[i]))
			return pc->crt[i];
	return NULL;
}

/*
 * Validity periods along the path GnuTLS accepted: the leaf and each
 * presented issuer above it. Trust anchors are trusted as configured.
 */
static enum tlsh_err check_times(const struct tlsh_peer_chain *pc, time_t now,
				 char *reason, size_t len)
{
	gnutls_x509_crt_t crt = pc->crt[0];
	char name[128], when[32];

	for (size_t depth = 0; crt && depth < pc->n; depth++) {
		time_t from = gnutls_x509_crt_get_activation_time(crt);
		time_t until = gnutls_x509_crt_get_expiration_time(crt);

		if (from == (time_t)-1 || until == (time_t)-1) {
			snprintf(reason, len, "certificate has no valid period");
			return TLSH_ERR_BAD_CERTIFICATE;
		}
		if (now < from || now > until) {
			cert_name(crt, name, sizeof(name));
			fmt_time(now < from ? from : until, when);
			snprintf(reason, len, now < from ?
				 "certificate not yet valid (%s, from %s)" :
				 "certificate expired (%s, on %s)", name, when);
			return TLSH_ERR_CERTIFICATE_EXPIRED;
		}
		crt = presented_issuer(pc, crt);
	}
	return TLSH_OK;
}

static enum tlsh_err status_error(const struct tlsh_peer_chain *pc,
				  unsigned int status, const char *hostname,
				  char *reason, size_t len)
{
	/* After revocation and an unknown CA, in this order. */
	static const struct {
		unsigned int status;
		const char *reason;
		enum tlsh_err err;
	} failures[] = {
		{ GNUTLS_CERT_SIGNER_NOT_CA, "certificate issuer is not a CA",
		  TLSH_ERR_BAD_CERTIFICATE },
		{ GNUTLS_CERT_INSECURE_ALGORITHM,
		  "insecure algorithm in certificate chain",
		  TLSH_ERR_BAD_CERTIFICATE },
		{ GNUTLS_CERT_SIGNATURE_FAILURE,
		  "bad signature in certificate chain",
		  TLSH_ERR_BAD_CERTIFICATE },
		{ GNUTLS_CERT_PURPOSE_MISMATCH,
		  "certificate not valid for this purpose",
		  TLSH_ERR_UNSUPPORTED_CERTIFICATE },
	};
	char name[128];

	if (status & GNUTLS_CERT_REVOKED) {
		snprintf(reason, len, "certificate revoked");
		return TLSH_ERR_CERTIFICATE_REVOKED;
	}
	if (status & GNUTLS_CERT_SIGNER_NOT_FOUND) {
		gnutls_datum_t dn = { NULL, 0 };

		if (gnutls_x509_crt_get_issuer_dn3(pc->crt[pc->n - 1], &dn, 0) >= 0)
			snprintf(reason, len, "unknown CA (issuer %s)",
				 (const char *)dn.data);
		else
			snprintf(reason, len, "unknown CA");
		gnutls_free(dn.data);
		return TLSH_ERR_UNKNOWN_CA;
	}
	for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
		if (status & failures[i].status) {
			snprintf(reason, len, "%s", failures[i].reason);
			return failures[i].err;
		}
	}
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
		cert_name(pc->crt[0], name, sizeof(name));
		snprintf(reason, len, "name mismatch: cert is for %s, wanted %s",
			 name, hostname ? hostname : "?");
		return TLSH_ERR_CERTIFICATE_UNKNOWN;
	}
	snprintf(reason, len, "certificate chain invalid (GnuTLS status 0x%x)",
		 status);
	return TLSH_ERR_BAD_CERTIFICATE;
}

enum tlsh_err tlsh_chain_verify(const struct tlsh_peer_chain *pc,
				gnutls_x509_trust_list_t trust,
				const char *hostname, bool peer_is_server,
				time_t now, char *reason, size_t reason_len)
{
	gnutls_typed_vdata_st vd[2];
	unsigned int nvd = 0, status = 0;
	unsigned int flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
			     GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS;

	if (!pc->n)
		return TLSH_ERR_STATE;
	if (!trust)
		return TLSH_ERR_CONFIG;
	if (hostname && *hostname) {
		vd[nvd].type = GNUTLS_DT_DNS_HOSTNAME;
		vd[nvd].data = (unsigned char *)hostname;
		vd[nvd++].size = 0;
	}
	vd[nvd].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[nvd].data = (unsigned char *)(peer_is_server ?
		GNUTLS_KP_TLS_WWW_SERVER : GNUTLS_KP_TLS_WWW_CLIENT);
	vd[nvd++].size = 0;
	if (gnutls_x509_trust_list_verify_crt2(trust,
					       (gnutls_x509_crt_t *)pc->crt,
					       (unsigned int)pc->n, vd, nvd,
					       flags, &status, NULL) < 0) {
		snprintf(reason, reason_len, "certificate chain unusable");
		return TLSH_ERR_BAD_CERTIFICATE;
	}
	if (status)
		return status_error(pc, status, hostname, reason, reason_len);
	return check_times(pc, now, reason, reason_len);
}

enum tlsh_err tlsh_ca_names_load(const char *ca_file, uint8_t **out,
				 size_t *len)
{
	gnutls_datum_t pem = { NULL, 0 }, dn;
	gnutls_x509_crt_t *crts = NULL;
	unsigned int n = 0;
	struct tlsh_wbuf w;

	*out = NULL;
	*len = 0;
	if (gnutls_load_file(ca_file, &pem) < 0)
		return TLSH_ERR_CONFIG;
	if (gnutls_x509_crt_list_import2(&crts, &n, &pem, GNUTLS_X509_FMT_PEM,
					 0) < 0) {
		gnutls_free(pem.data);
		return TLSH_ERR_CONFIG;
	}
	gnutls_free(pem.data);
	tlsh_wbuf_heap(&w);
	for (unsigned int i = 0; i < n; i++) {
		if (gnutls_x509_crt_get_raw_dn(crts[i], &dn) >= 0) {
			size_t v = tlsh_vec_open(&w, 2);

			tlsh_put_bytes(&w, dn.data, dn.size);
			tlsh_vec_close(&w, v, 2);
			gnutls_free(dn.data);
		}
		gnutls_x509_crt_deinit(crts[i]);
	}
	gnutls_free(crts);
	if (tlsh_wbuf_err(&w) || w.len > 0xffff || !w.len) {
		tlsh_wbuf_free(&w);
		return TLSH_OK;
	}
	*out = w.buf;
	*len = w.len;
	return TLSH_OK;
}

enum tlsh_err tlsh_trust_load(gnutls_x509_trust_list_t *out,
			      const char *ca_file)
{
	gnutls_x509_trust_list_t t;
	int n;

	*out = NULL;
	if (gnutls_x509_trust_list_init(&t, 0) < 0)
		return TLSH_ERR_NOMEM;
	if (ca_file)
		n = gnutls_x509_trust_list_add_trust_file(t, ca_file, NULL,
							  GNUTLS_X509_FMT_PEM,
							  0, 0);
	else
		n = gnutls_x509_trust_list_add_system_trust(t, 0, 0);
	if (n <= 0) {
		gnutls_x509_trust_list_deinit(t, 1);
		return TLSH_ERR_CONFIG;
	}
	*out = t;
	return TLSH_OK;
}
