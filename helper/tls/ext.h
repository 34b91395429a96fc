/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Extensions: one descriptor per known extension with the messages it may
 * appear in (RFC 8446 section 4.2), and a parser that splits an extension
 * block into per-extension slots, rejecting duplicates and misplaced ones.
 */
#ifndef TLSH_TLS_EXT_H
#define TLSH_TLS_EXT_H

#include <stdbool.h>
#include <stdint.h>

#include "tls/cursor.h"

/* Messages that carry extensions, as bits for the allow-lists. */
#define TLSH_IN_CH	(1u << 0)
#define TLSH_IN_SH	(1u << 1)
#define TLSH_IN_HRR	(1u << 2)
#define TLSH_IN_EE	(1u << 3)
#define TLSH_IN_CT	(1u << 4)	/* CertificateEntry */
#define TLSH_IN_CR	(1u << 5)
#define TLSH_IN_NST	(1u << 6)
#define TLSH_IN_SH12	(1u << 7)	/* a TLS 1.2 ServerHello */

enum tlsh_ext_id {
	TLSH_X_SERVER_NAME,
	TLSH_X_MAX_FRAGMENT_LENGTH,
	TLSH_X_STATUS_REQUEST,
	TLSH_X_SUPPORTED_GROUPS,
	TLSH_X_SIGNATURE_ALGORITHMS,
	TLSH_X_USE_SRTP,
	TLSH_X_HEARTBEAT,
	TLSH_X_ALPN,
	TLSH_X_SCT,
	TLSH_X_CLIENT_CERT_TYPE,
	TLSH_X_SERVER_CERT_TYPE,
	TLSH_X_PADDING,
	TLSH_X_RECORD_SIZE_LIMIT,
	TLSH_X_PRE_SHARED_KEY,
	TLSH_X_EARLY_DATA,
	TLSH_X_SUPPORTED_VERSIONS,
	TLSH_X_COOKIE,
	TLSH_X_PSK_KEY_EXCHANGE_MODES,
	TLSH_X_CERTIFICATE_AUTHORITIES,
	TLSH_X_OID_FILTERS,
	TLSH_X_POST_HANDSHAKE_AUTH,
	TLSH_X_SIGNATURE_ALGORITHMS_CERT,
	TLSH_X_KEY_SHARE,
	/* TLS 1.2 only (RFC 8422, 7627, 5746, 5077). */
	TLSH_X_EC_POINT_FORMATS,
	TLSH_X_EXTENDED_MASTER_SECRET,
	TLSH_X_RENEGOTIATION_INFO,
	TLSH_X_SESSION_TICKET,		/* RFC 5077 */
	TLSH_X_COUNT
};

struct tlsh_ext_desc {
	uint16_t type;		/* IANA value */
	const char *name;
	uint32_t allowed_in;	/* TLSH_IN_* */
};

extern const struct tlsh_ext_desc tlsh_ext_table[TLSH_X_COUNT];

/* One parsed extension block. */
struct tlsh_exts {
	uint32_t present;	/* bit per enum tlsh_ext_id */
	struct tlsh_cur body[TLSH_X_COUNT];
	/* For ClientHello: pre_shared_key must be the last extension. */
	bool psk_last;
};

static inline bool tlsh_ext_has(const struct tlsh_exts *x, enum tlsh_ext_id id)
{
	return x->present & (1u << id);
}

/*
 * Parse an extension block (with its u16 length) for message `in`:
 * duplicates -> illegal_parameter; a known extension not allowed in this
 * message -> illegal_parameter; an unknown one is ignored in ClientHello and
 * CertificateRequest/NewSessionTicket, and unsupported_extension elsewhere
 * (a server may only answer what was offered).
 */
TLSH_MUST_CHECK enum tlsh_err
tlsh_ext_parse(struct tlsh_cur *c, uint32_t in, struct tlsh_exts *out);

/* illegal_parameter if x holds an extension not allowed in message `in`. */
TLSH_MUST_CHECK enum tlsh_err tlsh_ext_check(const struct tlsh_exts *x,
					     uint32_t in);

#endif
