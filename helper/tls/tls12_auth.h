/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tls12_auth.c: TLS 1.2 client certificates (RFC 5246 7.4.4, 7.4.6,
 * 7.4.8), both roles. The client's identity lands where TLS 1.3 puts it:
 * c->peer (its leaf c->peer.crt[0]), c->peer_cv_ok once its signature
 * verified.
 */
#ifndef TLSH_TLS_TLS12_AUTH_H
#define TLSH_TLS_TLS12_AUTH_H

#include "tls/conn.h"

/* Our TLS 1.2 signature schemes (PKCS#1 v1.5 too), in preference order. */
const uint16_t *tlsh12_schemes(const struct tlsh_config *cfg, size_t *n);

/* Server: CertificateRequest, the client's Certificate, its signature. */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_send_certificate_request(struct tlsh_conn *c);
TLSH_MUST_CHECK enum tlsh_err
tlsh12_recv_client_certificate(struct tlsh_conn *c, const uint8_t *b,
			       size_t len);
TLSH_MUST_CHECK enum tlsh_err
tlsh12_recv_certificate_verify(struct tlsh_conn *c, const uint8_t *b,
			       size_t len);

/*
 * Client: a CertificateRequest picks the credential (c->cred, none: an
 * empty Certificate, sent by tlsh12_send_certificate); CertificateVerify.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_recv_certificate_request(struct tlsh_conn *c, const uint8_t *b,
				size_t len);
TLSH_MUST_CHECK enum tlsh_err
tlsh12_send_certificate_verify(struct tlsh_conn *c);

#endif
