/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engine internals: the connection state, the handshake shapes (step
 * tables) and the loop in conn.c that runs them.
 */
#ifndef TLSH_TLS_CONN_H
#define TLSH_TLS_CONN_H

#include "tls/engine.h"
#include "tls/kex.h"
#include "tls/keysched.h"
#include "tls/msg.h"
#include "tls/prf.h"
#include "tls/record.h"
#include "tls/transcript.h"

#define TRY(expr) do { enum tlsh_err e_ = (expr); if (e_) return e_; } while (0)

/* Largest handshake message accepted (a long certificate chain). */
#define TLSH_MAX_HS_MSG (1u << 18)
/*
 * The largest ClientHello body its vectors allow (RFC 8446 4.1.2): version,
 * random, session id <0..32>, cipher suites <2..2^16-2>, compression
 * <1..2^8-1>, extensions <8..2^16-1>.
 */
#define TLSH_MAX_CH_BODY (2 + 32 + 1 + 32 + 2 + 65534 + 1 + 255 + 2 + 65535)
/* ServerHello: the same without the suite and compression lists. */
#define TLSH_MAX_SH_BODY (2 + 32 + 1 + 32 + 2 + 1 + 2 + 65535)
/* Early data a server skips when it does not accept 0-RTT (4.2.10). */
#define TLSH_MAX_EARLY_SKIP (1u << 16)
/* TLS 1.2 warning alerts (and refused renegotiations) tolerated. */
#define TLSH_MAX_WARNINGS 4
/* PSKs a client offers at most: a session ticket and external PSKs. */
#define TLSH_MAX_PSK_OFFER 4

struct tlsh_conn;

/* Conditions of a step, bits: it runs when all of them hold. */
enum tlsh_cond {
	TLSH_ALWAYS = 0,
	TLSH_IF_OWN_CERT = 1 << 0,	/* we send a non-empty Certificate */
	TLSH_IF_PEER_CERT = 1 << 1,	/* the peer sent a non-empty Certificate */
	TLSH_IF_NO_PSK = 1 << 2,	/* certificates authenticate */
	TLSH_IF_PSK = 1 << 3,		/* a PSK (TLS 1.2: a resumed ticket) */
	TLSH_IF_TICKET12 = 1 << 4,	/* TLS 1.2: a NewSessionTicket comes */
	TLSH_IF_VERIFY_CLIENT = 1 << 5,	/* server: cfg->verify_client */
	TLSH_IF_HRR = 1 << 6,		/* a HelloRetryRequest was chosen or came */
	TLSH_IF_CERT_REQUESTED = 1 << 7, /* client: a CertificateRequest came */
	TLSH_IF_ECDHE12 = 1 << 8,	/* TLS 1.2: the suite's key exchange is ECDHE */
};

/*
 * One step of a handshake shape: a message we send or expect, when its
 * condition holds. An optional step expects a message the peer may leave
 * out: another message passes on to the steps after it. recv handlers
 * get the message body (after the 4-byte header); the transcript already
 * includes the message and c->th_before holds the hash before it.
 */
struct tlsh_step {
	bool send;
	bool optional;
	uint16_t msg;
	uint16_t cond;
	union {
		enum tlsh_err (*send_fn)(struct tlsh_conn *c);
		enum tlsh_err (*recv_fn)(struct tlsh_conn *c,
					 const uint8_t *body, size_t len);
	};
};

struct tlsh_shape {
	const char *name;
	const struct tlsh_step *steps;
	size_t n;
};

#define SEND(m, fn, ...) { .send = true, .msg = (m), .send_fn = (fn), __VA_ARGS__ }
#define RECV(m, fn, ...) { .send = false, .msg = (m), .recv_fn = (fn), __VA_ARGS__ }
#define SHAPE(name, arr) { name, arr, sizeof(arr) / sizeof(arr[0]) }

struct tlsh_conn {
	const struct tlsh_config *cfg;
	bool server;
	enum tlsh_err err;
	bool done;
	bool closed;	/* our close_notify is queued: nothing more to write */

	/* State machine: the shape being followed and the next step in it. */
	const struct tlsh_shape *shape;
	size_t step;

	/* Record input: header, then exactly the body. */
	uint8_t hdr[TLSH_REC_HDR];
	size_t hdr_have;
	uint8_t *body;
	size_t body_len, body_have;
	bool rx_key_changed;	/* a message just switched the read key */
	bool peer_protected;	/* a protected record has been received */
	unsigned int warnings;	/* TLS 1.2 warnings / renegotiations seen */
	size_t post_skip;	/* rest of a refused renegotiation hello */

	struct tlsh_wbuf hs_in;		/* handshake bytes not yet a message */
	struct tlsh_wbuf hs_out;	/* handshake messages to be sealed */
	struct tlsh_wbuf out;		/* records ready to send */

	struct tlsh_rec_dir rx, tx;
	struct tlsh_transcript tr;
	uint8_t th_before[TLSH_HASH_MAX];
	struct tlsh_keysched ks;
	uint8_t c_hs[TLSH_HASH_MAX], s_hs[TLSH_HASH_MAX];
	uint8_t c_ap[TLSH_HASH_MAX], s_ap[TLSH_HASH_MAX];

	const struct tlsh_suite *suite;
	struct tlsh_kex kex;
	uint16_t group;
	uint16_t sig_scheme;	/* the one we sign with */
	bool hrr;
	bool ccs_sent;
	bool first_hello_seen;	/* CCS may be received from now on */

	uint8_t random[TLSH_RANDOM];
	uint8_t session_id[32];
	size_t session_id_len;

	/*
	 * Peer authentication. A client's identity (TLS 1.3 and 1.2 alike,
	 * tls12_auth.c) is peer.crt[0] once peer_cv_ok; tickets keep its
	 * SHA-256 (client_id below).
	 */
	struct tlsh_peer_chain peer;
	bool peer_cert_sent;
	bool peer_cv_ok;

	char alpn[256];
	bool has_alpn;
	char sni[256];
	bool has_sni;

	const struct tlsh_cred *cred;	/* own credential, once chosen */
	uint16_t server_sig_scheme;	/* the scheme of the server's CV */
	uint8_t client_random[TLSH_RANDOM];
	bool version_agreed;
	size_t hs_bytes_in;		/* received so far, for the limit */
	uint16_t cur_msg;		/* message being handled, for reasons */
	char reason[200];

	bool tls12;			/* TLS 1.2 was agreed */
	uint16_t version;		/* agreed version, 0 before */

	/*
	 * PSKs (psk.c). Once one is chosen c->ks holds its early secret.
	 * res_master: resumption_master_secret (server: until its tickets
	 * are out; client: for the tickets that arrive after the handshake).
	 */
	enum tlsh_psk_use psk_use;
	bool psk_ke;			/* PSK without (EC)DHE */
	const struct tlsh_psk *ext_psk;	/* the external one chosen, in cfg */
	uint8_t res_master[TLSH_HASH_MAX];
	bool have_res_master;
	/* The SNI, ALPN and client certificate a resumed ticket was for. */
	uint8_t client_id[32];		/* SHA-256 of the client's leaf */
	bool has_client_id;
	const char *session_note;	/* client: why cfg->session did not resume */
	/* Kept from the config: tickets arrive after the handshake. */
	void (*on_session)(void *ctx, const uint8_t *s, size_t len);
	void *session_ctx;
	time_t (*now)(void *ctx);
	void *now_ctx;

	/* Client only. */
	struct {
		uint8_t *cookie;	/* from the HRR */
		size_t cookie_len;
		bool cert_requested;	/* the server sent CertificateRequest */
		uint8_t cr_context[255];
		size_t cr_context_len;
		uint16_t cr_sigalgs[32];	/* its signature_algorithms */
		size_t n_cr_sigalgs;
		uint32_t sent_exts;	/* extensions offered (bits) */
		/* PSKs offered, in ClientHello order (psk.c). */
		struct tlsh_psk_offer {
			enum tlsh_psk_use kind;
			const uint8_t *identity;	/* in cfg */
			const struct tlsh_psk *ext;	/* external: in cfg */
			size_t identity_len;
			uint32_t obfuscated_age;
			const struct tlsh_hash *hash;
			uint8_t early[TLSH_HASH_MAX];	/* early secret */
		} psk[TLSH_MAX_PSK_OFFER];
		size_t n_psk;
		uint16_t psk_suite;	/* the session's suite */
	} cli;

	/* Server only. */
	struct {
		bool psk_dhe_ke;	/* the client offered psk_dhe_ke */
		/*
		 * The client offered early_data (never accepted here): skip
		 * what RFC 8446 4.2.10 says, at most TLSH_MAX_EARLY_SKIP bytes.
		 */
		enum { EARLY_NONE, EARLY_SKIP_UNDECRYPTABLE,
		       EARLY_SKIP_APPDATA } early;
		size_t early_skipped;
		/* Transcript before the last ClientHello (PSK binders). */
		struct tlsh_transcript tr_ch;
		uint16_t psk_identity;	/* the one chosen */
	} srv;

	/* TLS 1.2 only (tls12.c, tls12_server.c, tls12_client.c). */
	struct {
		uint16_t client_version;	/* server: CH.legacy_version */
		bool ems;			/* extended master secret */
		bool peer_reneg_info;		/* peer signalled RFC 5746 */
		bool peer_point_formats;	/* the peer sent them */
		uint8_t server_random[TLSH_RANDOM];
		uint8_t ms[TLSH_MASTER_SECRET];
		struct tlsh_key_block kb;	/* keys waiting for CCS */
		uint8_t peer_kx[TLSH_KEX_PUB_MAX];	/* client: its point */
		size_t peer_kx_len;
	} t12;

	/* TLS 1.2 session tickets, RFC 5077 (tls12_ticket.c). */
	struct {
		/* server: we send one; client: the server said it will */
		bool issue;
		/* client: the session offered (ticket in cfg->session) */
		bool offered;
		const uint8_t *ticket;
		size_t ticket_len;
		uint16_t suite;
		uint8_t ms[TLSH_MASTER_SECRET];
		/* client: the ticket received, stored at the server Finished */
		uint8_t *got;
		size_t got_len;
		uint32_t got_lifetime;
		/* server, resumed: the ticket's issue time and lifetime */
		uint64_t time;
		uint32_t lifetime;
	} tk12;

	const struct tlsh_test_hooks *hooks;
};

/*
 * Test-only hooks (RFC 8448 replays, negative tests); never set in
 * production. The *_ext hooks write a message's extensions (inside the
 * block's length) and return true when they wrote all of them, false to
 * let the engine add its own after whatever they wrote.
 */
struct tlsh_test_hooks {
	bool (*client_hello_ext)(const struct tlsh_conn *c,
				 struct tlsh_wbuf *w);
	bool (*hrr_ext)(const struct tlsh_conn *c, struct tlsh_wbuf *w);
	bool (*encrypted_ext)(const struct tlsh_conn *c, struct tlsh_wbuf *w);
	/* The body of NewSessionTicket number i (true: written). */
	bool (*ticket)(const struct tlsh_conn *c, unsigned int i,
		       struct tlsh_wbuf *w);
	/*
	 * Change an outgoing message, w->buf[mark..len), after it entered our
	 * transcript and before it is sent (as an on-path attacker would).
	 */
	void (*mutate)(const struct tlsh_conn *c, struct tlsh_wbuf *w,
		       size_t mark);
	/* TLS 1.2 RSA key transport: the client's pre-master secret. */
	void (*pre_master)(const struct tlsh_conn *c, uint8_t *pms,
			   size_t len);
	void *ctx;
};

/* query.c */
void tlsh_conn_set_test_hooks(struct tlsh_conn *c,
			      const struct tlsh_test_hooks *h);

static inline bool tlsh_hook_ext(const struct tlsh_conn *c,
				 bool (*fn)(const struct tlsh_conn *c,
					    struct tlsh_wbuf *w),
				 struct tlsh_wbuf *w)
{
	return fn && fn(c, w);
}

/*
 * conn.c: the record and message loop that runs the shapes. The handlers
 * of each role and version live in the files named by their headers:
 * hello.h, tls13.h, common.h (TLS 1.3, both roles), tls12*.h, keys.h,
 * ticket.h; query.h has the configuration defaults.
 */
TLSH_MUST_CHECK enum tlsh_err tlsh_run_sends(struct tlsh_conn *c);
/*
 * From the message being handled on, follow another shape (a client learns
 * TLS 1.2, or a resumption, from the ServerHello): at its step for it,
 * which the shape must have.
 */
void tlsh_follow_shape(struct tlsh_conn *c, const struct tlsh_shape *shape);
TLSH_MUST_CHECK enum tlsh_err tlsh_flush_hs(struct tlsh_conn *c);
TLSH_MUST_CHECK enum tlsh_err tlsh_send_ccs(struct tlsh_conn *c);
/* Append a finished handshake message (already in hs_out) to the transcript. */
void tlsh_msg_done(struct tlsh_conn *c, size_t mark);
/* The same at the end of a message's writer: whether hs_out held it all. */
TLSH_MUST_CHECK enum tlsh_err tlsh_msg_end(struct tlsh_conn *c, size_t mark);

/*
 * Handshake messages from records: tlsh_hs_in_add appends a record's bytes
 * to hs_in; tlsh_hs_in_at is the message at off in it (*have bytes of it
 * there, *mlen its header's body length), NULL before a whole header;
 * tlsh_hs_in_drop removes the off bytes handled.
 */
TLSH_MUST_CHECK enum tlsh_err tlsh_hs_in_add(struct tlsh_conn *c,
					     const uint8_t *p, size_t len);
const uint8_t *tlsh_hs_in_at(const struct tlsh_conn *c, size_t off,
			     size_t *have, size_t *mlen);
void tlsh_hs_in_drop(struct tlsh_conn *c, size_t off);

/* An alert record's content: OK for a tolerated TLS 1.2 warning. */
enum tlsh_err tlsh_handle_alert(struct tlsh_conn *c, const uint8_t *p,
				size_t len);
/*
 * A handshake message header's length: decode_error when the message can
 * never be that long (or short), handshake_failure over our own limit.
 */
TLSH_MUST_CHECK enum tlsh_err tlsh_check_msg_len(struct tlsh_conn *c,
						 uint8_t type, size_t mlen);
/* Make err sticky, queue its alert and wipe the secrets (first one wins). */
enum tlsh_err tlsh_fail(struct tlsh_conn *c, enum tlsh_err err);

/* A TLS 1.2 ChangeCipherSpec record, dispatched as a table step. */
TLSH_MUST_CHECK enum tlsh_err tlsh12_handle_ccs(struct tlsh_conn *c);

#endif
