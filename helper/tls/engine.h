/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsh TLS 1.3 handshake engine: public API.
 *
 * Sans-I/O. The driver asks tlsh_conn_want() how many bytes to read next
 * (a 5-byte record header, then exactly that record's body), passes them to
 * tlsh_conn_feed(), and writes out whatever tlsh_conn_output() returns. The
 * engine never consumes a byte past the record that completes the handshake,
 * so whatever follows stays in the socket for kTLS.
 *
 * On error the engine queues the alert (protected if keys are in place);
 * the driver flushes the output and closes. Errors are sticky.
 */
#ifndef TLSH_TLS_ENGINE_H
#define TLSH_TLS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/x509.h>
#include <nettle/nettle-types.h>

#include "ktls.h"
#include "tls/err.h"
#include "tls/sig.h"

struct tlsh_config {
	/* Required: the source of all randomness (tests inject their own). */
	nettle_random_func *random;
	void *random_ctx;

	/* Preference lists; NULL/0 selects the defaults. */
	const uint16_t *suites;		/* AES-128-GCM, AES-256-GCM, ChaCha20 */
	size_t n_suites;
	const uint16_t *groups;		/* X25519, secp256r1 */
	size_t n_groups;

	/* Own certificate chain and key (server: required; client: optional). */
	const struct tlsh_cred *cred;

	/*
	 * Peer authentication. Client: the server's chain is always verified
	 * against trust (and server_name) unless insecure_skip_verify. Server:
	 * verify_client requests a client certificate; require_client_cert
	 * fails the handshake (certificate_required) if none is sent.
	 */
	gnutls_x509_trust_list_t trust;
	bool insecure_skip_verify;
	bool verify_client;
	bool require_client_cert;

	const char *server_name;	/* client: SNI and name check */

	/* ALPN protocol names in preference order. */
	const char *const *alpn;
	size_t n_alpn;

	/* Client: no legacy_session_id / dummy ChangeCipherSpec. */
	bool no_middlebox_compat;
};

struct tlsh_conn;

TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_new(struct tlsh_conn **out, const struct tlsh_config *cfg,
	      bool server);
/* Frees and wipes every secret. */
void tlsh_conn_free(struct tlsh_conn *c);

/* Client: queue the ClientHello. Server: nothing to do (returns OK). */
TLSH_MUST_CHECK enum tlsh_err tlsh_conn_start(struct tlsh_conn *c);

/* Bytes the engine needs next to make progress; 0 once done or failed. */
size_t tlsh_conn_want(const struct tlsh_conn *c);

/*
 * Feed received bytes. *used is how many were consumed: never more than the
 * current record, and nothing after the handshake completes.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_feed(struct tlsh_conn *c, const uint8_t *in, size_t len,
	       size_t *used);

/* Pending bytes to send (records); mark n of them as sent. */
const uint8_t *tlsh_conn_output(const struct tlsh_conn *c, size_t *len);
void tlsh_conn_output_done(struct tlsh_conn *c, size_t n);

bool tlsh_conn_done(const struct tlsh_conn *c);
enum tlsh_err tlsh_conn_error(const struct tlsh_conn *c);

/* Negotiated parameters (valid once done). */
uint16_t tlsh_conn_suite(const struct tlsh_conn *c);
uint16_t tlsh_conn_group(const struct tlsh_conn *c);
bool tlsh_conn_did_hrr(const struct tlsh_conn *c);
const char *tlsh_conn_alpn(const struct tlsh_conn *c);	/* NULL if none */
const char *tlsh_conn_sni(const struct tlsh_conn *c);		/* server side */
/* Number of certificates the peer presented (0 if none). */
size_t tlsh_conn_peer_certs(const struct tlsh_conn *c);

/*
 * Application traffic keys for the kernel: tx is this side's write key.
 * Fails with TLSH_ERR_STATE before the handshake is complete.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_export_ktls(const struct tlsh_conn *c, struct tlsh_ktls_params *p);

/*
 * Userspace record layer after the handshake (fallback relay, tests):
 * protect application data into the output, or unprotect one whole record
 * in place (*type: 23 data, 21 alert).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_write_app(struct tlsh_conn *c, const uint8_t *data, size_t len);
TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_read_record(struct tlsh_conn *c, uint8_t *rec, size_t len,
		      uint8_t *type, const uint8_t **data, size_t *data_len);

#endif
