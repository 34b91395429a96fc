/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsh TLS 1.3 and TLS 1.2 handshake engine: public API.
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
#include <time.h>

#include <gnutls/x509.h>
#include <nettle/nettle-types.h>

#include "tls/traffic.h"
#include "tls/err.h"
#include "tls/sig.h"

/*
 * A ticket key. From an nginx-style key file (80 random bytes, `openssl
 * rand 80`): name = bytes 0..15 (what nginx uses as the key name), key =
 * HKDF-SHA256(salt "tlsh ticket key", bytes 16..79), the AES-256-GCM key
 * that seals tickets as name(16) nonce(12) ciphertext tag(16) with the
 * name as additional data. The same file gives the same key anywhere.
 */
#define TLSH_TICKET_KEY_FILE_LEN 80
#define TLSH_TICKET_KEY_NAME_LEN 16
struct tlsh_ticket_key {
	uint8_t name[TLSH_TICKET_KEY_NAME_LEN];
	uint8_t key[32];
};

void tlsh_ticket_key_derive(const uint8_t raw[TLSH_TICKET_KEY_FILE_LEN],
			    struct tlsh_ticket_key *k);

/* Tolerated difference between the client's ticket age and ours. */
#define TLSH_TICKET_AGE_SKEW_S 30

/* An external PSK: identity, key, and its hash (32: SHA-256, 48: SHA-384). */
struct tlsh_psk {
	const uint8_t *identity;
	size_t identity_len;
	const uint8_t *key;
	size_t key_len;
	size_t hash_len;	/* 0: SHA-256 */
};

struct tlsh_config {
	/* Required: the source of all randomness (tests inject their own). */
	nettle_random_func *random;
	void *random_ctx;

	/*
	 * Preference lists; NULL/0 selects the defaults. A server follows its
	 * own order, a client offers in this order. The client sends a key
	 * share for its first group only.
	 */
	/*
	 * TLS 1.3: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, AES-128-CCM;
	 * then TLS 1.2: ECDHE_ECDSA and ECDHE_RSA with AES-128-GCM,
	 * AES-256-GCM, ChaCha20-Poly1305, then RSA key transport with
	 * AES-128-GCM, AES-256-GCM (see allow_rsa_kx). One list for both
	 * versions; each version uses the suites that belong to it.
	 */
	const uint16_t *suites;
	size_t n_suites;
	const uint16_t *groups;	/* X25519, secp256r1, secp384r1 */
	size_t n_groups;
	/*
	 * CertificateVerify schemes offered and accepted (default: ECDSA
	 * P-256/P-384, Ed25519, RSA-PSS rsae/pss SHA-256/384/512). TLS 1.2
	 * ServerKeyExchange: the same list when set, else the default plus
	 * rsa_pkcs1_sha256/384/512.
	 */
	const uint16_t *sig_schemes;
	size_t n_sig_schemes;

	/*
	 * Own certificate chains and keys (server: at least one; client:
	 * optional). A server picks, in this order, the first credential whose
	 * leaf matches the client's SNI and can sign with a scheme the client
	 * offers, else the first that can sign with an offered scheme. A client
	 * picks the first that can sign with a scheme the CertificateRequest
	 * allows, else sends an empty Certificate. `cred` is the older
	 * single-credential form, used when n_creds is 0.
	 */
	const struct tlsh_cred *const *creds;
	size_t n_creds;
	const struct tlsh_cred *cred;

	/*
	 * Peer authentication. Client: the server's chain is always verified
	 * against trust (and server_name) unless insecure_skip_verify. Server:
	 * verify_client requests a client certificate; require_client_cert
	 * fails the handshake if none is sent (TLS 1.3: certificate_required;
	 * TLS 1.2: handshake_failure, RFC 5246 7.4.6). In TLS 1.2 the
	 * client's CertificateVerify uses a scheme of the suite's hash.
	 */
	gnutls_x509_trust_list_t trust;
	bool insecure_skip_verify;
	bool verify_client;
	bool require_client_cert;
	/*
	 * Server, TLS 1.2: the certificate_authorities of CertificateRequest,
	 * encoded (DistinguishedName vectors, tlsh_ca_names_load); NULL: an
	 * empty list.
	 */
	const uint8_t *client_ca_names;
	size_t client_ca_names_len;

	const char *server_name;	/* client: SNI and name check */

	/* ALPN protocol names in preference order. */
	const char *const *alpn;
	size_t n_alpn;

	/* Client: no legacy_session_id / dummy ChangeCipherSpec. */
	bool no_middlebox_compat;

	/*
	 * Server: NewSessionTickets sent after the client's Finished and
	 * before the handshake is reported done (each in its own record, so
	 * the exported TX sequence number equals the count). Default 0. Only
	 * sent to a client that offered psk_dhe_ke (RFC 8446 4.2.9). Without
	 * ticket_keys they carry lifetime 0 and random content (nothing to
	 * redeem); with them, a sealed session (see struct tlsh_ticket_key).
	 */
	unsigned int n_tickets;

	/*
	 * TLS 1.3 resumption, server (RFC 8446 4.6.1, 4.2.11). The first key
	 * seals the tickets sent; every key opens the tickets that name it.
	 * A ticket carries the resumption PSK, the suite, the issue time,
	 * lifetime and age_add, and the SNI, ALPN and client certificate
	 * (SHA-256 of its leaf) of the handshake that issued it; it resumes
	 * only for the same SNI and ALPN, within its lifetime, with an
	 * obfuscated age within TLSH_TICKET_AGE_SKEW_S of ours, and, when
	 * require_client_cert is set, only if it carried a client
	 * certificate. Anything else (unknown key, tampered, expired, other
	 * name) means a full handshake. ticket_lifetime: seconds, 0 = 7200,
	 * at most 604800. Early data is never accepted. TLS 1.2 session
	 * tickets (RFC 5077) use the same keys and checks (no age): one
	 * ticket, when n_tickets is not 0, to a client that sent the
	 * SessionTicket extension, only for a session with the extended
	 * master secret; a ticket that fits gives the abbreviated handshake.
	 */
	const struct tlsh_ticket_key *ticket_keys;
	size_t n_ticket_keys;
	uint32_t ticket_lifetime;

	/*
	 * Client: a session to resume (the bytes on_session gave earlier;
	 * TLS 1.3, or a TLS 1.2 session ticket offered in a TLS 1.2 hello),
	 * offered if it is still within its lifetime and was made for this
	 * server_name and a suite still configured; otherwise a full
	 * handshake, with tlsh_conn_session_note() saying why. on_session
	 * is called for each NewSessionTicket received (through
	 * tlsh_conn_read_record or tlsh_conn_post_handshake) with the
	 * session serialized: PSK, suite, lifetime, age_add, ticket, SNI,
	 * ALPN, time received (TLS 1.2: within the handshake, once the
	 * server's Finished verified, with the master secret as the PSK).
	 * It holds a secret: store it like a key. With on_session set the
	 * ClientHello offers psk_dhe_ke and an empty SessionTicket extension
	 * (without them no server sends tickets). The callback is kept by the connection:
	 * it may outlive this configuration.
	 */
	const uint8_t *session;
	size_t session_len;
	void (*on_session)(void *ctx, const uint8_t *session, size_t len);
	void *session_ctx;

	/*
	 * External PSKs (RFC 8446 4.2.11, "ext binder"). Client: offered
	 * after a resumption ticket, with psk_dhe_ke. Server: a ClientHello
	 * identity equal to one of these selects it. allow_psk_ke also
	 * offers / accepts psk_ke (no (EC)DHE, no forward secrecy).
	 */
	const struct tlsh_psk *psks;
	size_t n_psks;
	bool allow_psk_ke;

	/*
	 * NSS key log: called with CLIENT_HANDSHAKE_TRAFFIC_SECRET,
	 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
	 * SERVER_TRAFFIC_SECRET_0 and EXPORTER_SECRET as each is derived.
	 */
	void (*keylog)(void *ctx, const char *label,
		       const uint8_t *client_random, const uint8_t *secret,
		       size_t secret_len);
	void *keylog_ctx;

	/* Time for certificate validity checks; NULL: time(NULL). */
	time_t (*now)(void *ctx);
	void *now_ctx;

	/*
	 * Limit on everything received before the handshake completes
	 * (record headers included), which also bounds any one handshake
	 * message. 0: TLSH_DEFAULT_MAX_HANDSHAKE_BYTES (384 KiB: a ClientHello
	 * as long as its vectors allow, about 2^17 bytes, twice with a
	 * HelloRetryRequest, and a client certificate chain). Exceeding it
	 * fails the handshake with handshake_failure; a message whose header
	 * announces a length it can never have fails with decode_error.
	 */
	size_t max_handshake_bytes;

	/*
	 * Protocol versions, TLSH_TLS12 or TLSH_TLS13; 0 means TLS 1.2 for
	 * min and TLS 1.3 for max. A server picks the highest both support
	 * and, when it supports TLS 1.3 but settles on 1.2, marks its random
	 * with the RFC 8446 4.1.3 downgrade sentinel, which a client that
	 * offered TLS 1.3 checks. verify_client works in both versions.
	 */
	uint16_t min_version;
	uint16_t max_version;
	/*
	 * TLS 1.2 RSA key transport (TLS_RSA_WITH_AES_*_GCM_*), which has no
	 * forward secrecy: offered (client) and accepted (server) only when
	 * set, even if listed in suites.
	 */
	bool allow_rsa_kx;
	/*
	 * TLS 1.2 without the extended master secret (RFC 7627). It is always
	 * offered and used when both sides support it; without this flag a
	 * peer that lacks it fails the handshake (handshake_failure).
	 */
	bool allow_no_ems;
};

#define TLSH_DEFAULT_MAX_HANDSHAKE_BYTES (384u * 1024)

/* How the handshake was keyed. */
enum tlsh_psk_use {
	TLSH_PSK_NONE,		/* a full handshake */
	TLSH_PSK_RESUMED,	/* a session ticket */
	TLSH_PSK_EXTERNAL,	/* an external PSK */
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
 * The peer's leaf certificate once the handshake is done (verified, as the
 * configuration asked), owned by c; NULL if the peer sent none.
 */
gnutls_x509_crt_t tlsh_conn_peer_leaf(const struct tlsh_conn *c);
/* TLSH_TLS13 or TLSH_TLS12 once the version is negotiated, else 0. */
uint16_t tlsh_conn_version(const struct tlsh_conn *c);
/* The SignatureScheme of the server's CertificateVerify (0 before it). */
uint16_t tlsh_conn_sigscheme(const struct tlsh_conn *c);
/* Whether (and how) a PSK keyed the handshake; valid once done. */
enum tlsh_psk_use tlsh_conn_psk(const struct tlsh_conn *c);
/* The external PSK that keyed it (an entry of cfg->psks), else NULL. */
const struct tlsh_psk *tlsh_conn_external_psk(const struct tlsh_conn *c);
/*
 * Client: why cfg->session was not offered or not accepted ("session
 * expired", "session for another server name", "server did not resume",
 * ...); NULL if it resumed or none was given.
 */
const char *tlsh_conn_session_note(const struct tlsh_conn *c);

/*
 * One line saying why the handshake failed ("certificate expired", "unknown
 * CA", "name mismatch: cert is for a.example, wanted b.example", "no common
 * cipher suite", "peer sent alert handshake_failure", ...); NULL while there
 * is no error.
 */
const char *tlsh_conn_error_reason(const struct tlsh_conn *c);

/*
 * Application traffic keys for the kernel: tx is this side's write key.
 * k->version says the record format (traffic.h has the TLS 1.2 IV layout);
 * the sequence numbers count the records already sent / received under
 * these keys (TLS 1.2: 1 after the Finished).
 * Fails with TLSH_ERR_STATE before the handshake is complete.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_export_keys(const struct tlsh_conn *c, struct tlsh_traffic_keys *k);

/*
 * Userspace record layer after the handshake (fallback relay, tests):
 * protect application data into the output, or unprotect one whole record
 * in place (*type: 23 data, 21 alert, 22 post-handshake messages that were
 * handled, with *data_len 0). Unlike tlsh_conn_post_handshake this layer
 * follows a TLS 1.3 KeyUpdate (RFC 8446 4.6.3: the answer to
 * update_requested is queued in the output under the old key, both keys
 * move on) and answers TLS 1.2 renegotiation with a no_renegotiation
 * warning; a TLS 1.2 peer's warning alerts are ignored (returned as type 21
 * with *data_len 0). Each refused renegotiation and ignored warning counts;
 * the fifth ends the connection (unexpected_message). The output may thus
 * hold records after a read: send it. Errors of our own (class
 * TLSH_ECLASS_LOCAL) are sticky with their alert queued, as in the
 * handshake; a peer's alert is returned as its error and is not sticky.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_write_app(struct tlsh_conn *c, const uint8_t *data, size_t len);
TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_read_record(struct tlsh_conn *c, uint8_t *rec, size_t len,
		      uint8_t *type, const uint8_t **data, size_t *data_len);

/*
 * Alerts, for both versions; the driver sends whatever lands in the output.
 *
 * tlsh_conn_close_notify() queues a close_notify (warning level) protected
 * with the current write keys (plaintext before there are any); after it
 * tlsh_conn_write_app() fails. Repeating it is a no-op; after a fatal alert
 * of ours it returns that error and queues nothing. A peer's close_notify
 * or alert (an error of class TLSH_ECLASS_PEER) does not stop it.
 *
 * tlsh_conn_abort() ends the connection with a fatal alert for err (its
 * low byte; TLSH_OK or a peer-class error become internal_error): queued
 * like a handshake failure's (pending handshake messages dropped, the alert
 * plaintext before keys, protected after), the error made sticky, secrets
 * wiped. If the connection already failed nothing more is queued and the
 * first error is returned; after our close_notify the error is recorded but
 * no alert follows. Returns the connection's error.
 */
enum tlsh_err tlsh_conn_close_notify(struct tlsh_conn *c);
enum tlsh_err tlsh_conn_abort(struct tlsh_conn *c, enum tlsh_err err);

/*
 * Handshake bytes received after the handshake (from a kTLS socket: a
 * record whose TLS_GET_RECORD_TYPE is 22). A client checks and ignores
 * NewSessionTickets (TLSH_OK); a message split across records is kept until
 * complete. Anything else fails: KeyUpdate with unexpected_message (the
 * kernel cannot rekey; end the connection), malformed input with its alert.
 * Nothing is queued for sending.
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_conn_post_handshake(struct tlsh_conn *c, const uint8_t *data,
			 size_t len);

#endif
