/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS 1.3 handshake messages: parsing into validated views over the input
 * (every vector checked and consumed exactly) and serialization.
 */
#ifndef TLSH_TLS_MSG_H
#define TLSH_TLS_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "tls/cursor.h"
#include "tls/ext.h"

#define TLSH_HS_HELLO_REQUEST		0	/* TLS 1.2 */
#define TLSH_HS_CLIENT_HELLO		1
#define TLSH_HS_SERVER_HELLO		2
#define TLSH_HS_NEW_SESSION_TICKET	4
#define TLSH_HS_END_OF_EARLY_DATA	5
#define TLSH_HS_ENCRYPTED_EXTENSIONS	8
#define TLSH_HS_CERTIFICATE		11
#define TLSH_HS_SERVER_KEY_EXCHANGE	12	/* TLS 1.2 */
#define TLSH_HS_CERTIFICATE_REQUEST	13
#define TLSH_HS_SERVER_HELLO_DONE	14	/* TLS 1.2 */
#define TLSH_HS_CERTIFICATE_VERIFY	15
#define TLSH_HS_CLIENT_KEY_EXCHANGE	16	/* TLS 1.2 */
#define TLSH_HS_FINISHED		20
#define TLSH_HS_KEY_UPDATE		24
/* Not a wire type: a ServerHello carrying the HelloRetryRequest random. */
#define TLSH_HS_HELLO_RETRY_REQUEST	0x102
/* Not a handshake message: a TLS 1.2 ChangeCipherSpec, as a table step. */
#define TLSH_MSG_CHANGE_CIPHER_SPEC	0x114

#define TLSH_HS_HDR	4
#define TLSH_RANDOM	32

extern const uint8_t tlsh_hrr_random[TLSH_RANDOM];

/*
 * The type of a handshake message (header included, len bytes) as the
 * step tables name it: a ServerHello with the HRR random is a
 * TLSH_HS_HELLO_RETRY_REQUEST.
 */
uint16_t tlsh_hs_type(const uint8_t *msg, size_t len);

/*
 * RFC 8446 4.1.3: the last 8 bytes of a ServerHello.random are
 * "DOWNGRD" 01 (TLS 1.2 negotiated) or 00 (older) from a server that
 * supports TLS 1.3.
 */
bool tlsh_downgrade_sentinel(const uint8_t *random);

/* "ClientHello", ... for reasons and logs. */
const char *tlsh_msg_name(uint16_t type);

/* A list of u16 values (already checked to be even and non-empty). */
TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_u16_list(struct tlsh_cur *c, struct tlsh_cur *list)
{
	enum tlsh_err e = tlsh_cur_vec(c, 2, 2, 0xfffe, list);

	if (!e && tlsh_cur_left(list) % 2)
		e = TLSH_ERR_DECODE;
	return e;
}

bool tlsh_u16_list_has(struct tlsh_cur list, uint16_t v);

struct tlsh_client_hello {
	const uint8_t *body;		/* the message after its header */
	uint16_t legacy_version;
	const uint8_t *random;
	const uint8_t *session_id;
	size_t session_id_len;
	struct tlsh_cur suites;		/* u16 list */
	struct tlsh_cur comp;		/* compression methods */
	struct tlsh_exts x;
	bool tls13;			/* supported_versions has 0x0304 */
	/* supported_versions has 0x0303, or is absent with legacy >= 1.2 */
	bool tls12;
	struct tlsh_cur groups;		/* u16 list, if present */
	struct tlsh_cur sigalgs;	/* u16 list, if present */
	struct tlsh_cur shares;		/* KeyShareEntry list (validated) */
	const uint8_t *sni;		/* host_name, if present */
	size_t sni_len;
	struct tlsh_cur alpn;		/* ProtocolName list, if present */
	const uint8_t *cookie;
	size_t cookie_len;
};

/* body: the message after its 4-byte header. */
TLSH_MUST_CHECK enum tlsh_err
tlsh_parse_client_hello(const uint8_t *body, size_t len,
			struct tlsh_client_hello *ch);

/* The key_exchange of the share for group in a validated share list. */
bool tlsh_ch_find_share(struct tlsh_cur shares, uint16_t group,
			const uint8_t **kx, size_t *kx_len);

/*
 * version: from supported_versions (which must say 0x0304, else
 * illegal_parameter), else legacy_version: a TLS 1.2 ServerHello, whose
 * extensions are checked against the TLS 1.2 allow-list and whose
 * compression method is left to the caller.
 */
struct tlsh_server_hello {
	bool hrr;
	uint16_t legacy_version;
	uint8_t comp;
	const uint8_t *random;
	const uint8_t *session_id;
	size_t session_id_len;
	uint16_t suite;
	struct tlsh_exts x;
	uint16_t version;		/* from supported_versions, 0 if absent */
	uint16_t group;			/* SH: share group; HRR: selected group */
	const uint8_t *share;		/* SH only */
	size_t share_len;
	const uint8_t *cookie;		/* HRR only */
	size_t cookie_len;
	const uint8_t *alpn;		/* TLS 1.2: the selected protocol */
	size_t alpn_len;
};

TLSH_MUST_CHECK enum tlsh_err
tlsh_parse_server_hello(const uint8_t *body, size_t len,
			struct tlsh_server_hello *sh);

struct tlsh_encrypted_extensions {
	struct tlsh_exts x;
	const uint8_t *alpn;		/* the one selected protocol */
	size_t alpn_len;
};

TLSH_MUST_CHECK enum tlsh_err
tlsh_parse_encrypted_extensions(const uint8_t *body, size_t len,
				struct tlsh_encrypted_extensions *ee);

struct tlsh_certificate {
	const uint8_t *context;
	size_t context_len;
	size_t n;
	const uint8_t *der[16];
	size_t der_len[16];
};

TLSH_MUST_CHECK enum tlsh_err
tlsh_parse_certificate(const uint8_t *body, size_t len,
		       struct tlsh_certificate *ct);

struct tlsh_certificate_request {
	const uint8_t *context;
	size_t context_len;
	struct tlsh_exts x;
	struct tlsh_cur sigalgs;
};

TLSH_MUST_CHECK enum tlsh_err
tlsh_parse_certificate_request(const uint8_t *body, size_t len,
			       struct tlsh_certificate_request *cr);

struct tlsh_certificate_verify {
	uint16_t scheme;
	const uint8_t *sig;
	size_t sig_len;
};

TLSH_MUST_CHECK enum tlsh_err
tlsh_parse_certificate_verify(const uint8_t *body, size_t len,
			      struct tlsh_certificate_verify *cv);

struct tlsh_new_session_ticket {
	uint32_t lifetime;
	uint32_t age_add;
	const uint8_t *nonce;
	size_t nonce_len;
	const uint8_t *ticket;
	size_t ticket_len;
	struct tlsh_exts x;
};

TLSH_MUST_CHECK enum tlsh_err
tlsh_parse_new_session_ticket(const uint8_t *body, size_t len,
			      struct tlsh_new_session_ticket *nst);

/* Serialization helpers: a handshake header whose length is patched later. */
static inline size_t tlsh_hs_open(struct tlsh_wbuf *w, uint8_t type)
{
	tlsh_put_u8(w, type);
	return tlsh_vec_open(w, 3);
}

static inline void tlsh_hs_close(struct tlsh_wbuf *w, size_t mark)
{
	tlsh_vec_close(w, mark, 3);
}

/* Open / close one extension (type, then a u16-length body). */
static inline size_t tlsh_ext_open(struct tlsh_wbuf *w, enum tlsh_ext_id id)
{
	tlsh_put_u16(w, tlsh_ext_table[id].type);
	return tlsh_vec_open(w, 2);
}

static inline void tlsh_ext_close(struct tlsh_wbuf *w, size_t mark)
{
	tlsh_vec_close(w, mark, 2);
}

/* An extension whose body is one u16-length vector of u16 values. */
static inline void tlsh_ext_put_u16_list(struct tlsh_wbuf *w,
					 enum tlsh_ext_id id,
					 const uint16_t *v, size_t n)
{
	size_t e = tlsh_ext_open(w, id), l = tlsh_vec_open(w, 2);

	for (size_t i = 0; i < n; i++)
		tlsh_put_u16(w, v[i]);
	tlsh_vec_close(w, l, 2);
	tlsh_ext_close(w, e);
}

#endif
