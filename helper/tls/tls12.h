/* SPDX-License-Identifier: GPL-2.0 */
/* TLS 1.2 steps shared by tls12_server.c and tls12_client.c. */
#ifndef TLSH_TLS_TLS12_H
#define TLSH_TLS_TLS12_H

#include "tls/conn.h"

/* Certificate (RFC 5246 7.4.2): the chain without TLS 1.3's extensions. */
enum tlsh_err tlsh12_send_certificate(struct tlsh_conn *c);
enum tlsh_err tlsh12_recv_certificate(struct tlsh_conn *c, const uint8_t *b,
				      size_t len);
/* A Certificate's chain, checked and added to c->peer (empty is fine). */
TLSH_MUST_CHECK enum tlsh_err tlsh12_read_chain(struct tlsh_conn *c,
						const uint8_t *b, size_t len);
/*
 * The extensions both hellos carry, checked, what they say noted:
 * renegotiation_info, extended_master_secret, ec_point_formats.
 */
TLSH_MUST_CHECK enum tlsh_err tlsh12_check_hello_exts(struct tlsh_conn *c,
						      const struct tlsh_exts *x);
/*
 * Master secret and key block once ClientKeyExchange is in the transcript,
 * unless err (how getting the pre-master secret went). pms is wiped either
 * way; returns err.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_derive_keys(struct tlsh_conn *c, enum tlsh_err err,
		   uint8_t pms[TLSH_PRE_MASTER_RSA], size_t pms_len);
/* The peer's ChangeCipherSpec: its write keys become our read keys. */
enum tlsh_err tlsh12_recv_ccs(struct tlsh_conn *c, const uint8_t *b,
			      size_t len);
/* Our ChangeCipherSpec, then Finished under the new write keys. */
enum tlsh_err tlsh12_send_ccs_finished(struct tlsh_conn *c);
/* The peer's Finished, verify_data compared in constant time. */
enum tlsh_err tlsh12_recv_finished(struct tlsh_conn *c, const uint8_t *b,
				   size_t len);

/* ECParameters + ECPoint of a ServerKeyExchange, the part that is signed. */
size_t tlsh12_ske_params(const struct tlsh_conn *c, uint16_t group,
			 const uint8_t *point, size_t point_len,
			 uint8_t *out);
#define TLSH12_SKE_SIGNED_MAX (2 * TLSH_RANDOM + 4 + TLSH_KEX_PUB_MAX)

/* A post-handshake message (renegotiation is refused). */
TLSH_MUST_CHECK enum tlsh_err tlsh12_post_message(struct tlsh_conn *c,
						  uint8_t type);

/* rsa_kx.c */
/* Client: EncryptedPreMasterSecret for the server's RSA key, appended to w. */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_rsa_encrypt_pms(struct tlsh_conn *c, const uint8_t *pms,
		       struct tlsh_wbuf *w);
/*
 * Server: the pre-master secret from an EncryptedPreMasterSecret. Never
 * fails on bad content: a random secret takes its place (RFC 5246 7.4.7.1).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh12_rsa_decrypt_pms(struct tlsh_conn *c, const uint8_t *ct, size_t len,
		       uint8_t pms[TLSH_PRE_MASTER_RSA]);

#endif
