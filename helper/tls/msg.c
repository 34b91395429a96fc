// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tls/msg.h"

#define TRY(expr) do { enum tlsh_err e_ = (expr); if (e_) return e_; } while (0)

/* SHA-256("HelloRetryRequest"), RFC 8446 section 4.1.3. */
const uint8_t tlsh_hrr_random[TLSH_RANDOM] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

uint16_t tlsh_hs_type(const uint8_t *msg, size_t len)
{
	if (msg[0] == TLSH_HS_SERVER_HELLO &&
	    len >= TLSH_HS_HDR + 2 + TLSH_RANDOM &&
	    !memcmp(msg + TLSH_HS_HDR + 2, tlsh_hrr_random, TLSH_RANDOM))
		return TLSH_HS_HELLO_RETRY_REQUEST;
	return msg[0];
}

const char *tlsh_msg_name(uint16_t type)
{
	switch (type) {
	case TLSH_HS_CLIENT_HELLO: return "ClientHello";
	case TLSH_HS_SERVER_HELLO: return "ServerHello";
	case TLSH_HS_HELLO_RETRY_REQUEST: return "HelloRetryRequest";
	case TLSH_HS_NEW_SESSION_TICKET: return "NewSessionTicket";
	case TLSH_HS_END_OF_EARLY_DATA: return "EndOfEarlyData";
	case TLSH_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
	case TLSH_HS_CERTIFICATE: return "Certificate";
	case TLSH_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
	case TLSH_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
	case TLSH_HS_FINISHED: return "Finished";
	case TLSH_HS_KEY_UPDATE: return "KeyUpdate";
	case TLSH_HS_HELLO_REQUEST: return "HelloRequest";
	case TLSH_HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
	case TLSH_HS_SERVER_HELLO_DONE: return "ServerHelloDone";
	case TLSH_HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
	case TLSH_MSG_CHANGE_CIPHER_SPEC: return "ChangeCipherSpec";
	default: return "an unknown handshake message";
	}
}

bool tlsh_downgrade_sentinel(const uint8_t *random)
{
	static const uint8_t downgrade[7] = "DOWNGRD";
	const uint8_t *tail = random + TLSH_RANDOM - 8;

	return !memcmp(tail, downgrade, 7) && tail[7] <= 1;
}

bool tlsh_u16_list_has(struct tlsh_cur list, uint16_t v)
{
	uint16_t x;

	while (tlsh_cur_u16(&list, &x) == TLSH_OK)
		if (x == v)
			return true;
	return false;
}

static enum tlsh_err parse_versions(struct tlsh_cur b, bool *tls13,
				    bool *tls12)
{
	struct tlsh_cur list;

	TRY(tlsh_cur_vec(&b, 1, 2, 254, &list));
	TRY(tlsh_cur_end(&b));
	if (tlsh_cur_left(&list) % 2)
		return TLSH_ERR_DECODE;
	*tls13 = tlsh_u16_list_has(list, 0x0304);
	*tls12 = tlsh_u16_list_has(list, 0x0303);
	return TLSH_OK;
}

static enum tlsh_err parse_shares(struct tlsh_cur b, struct tlsh_cur *out)
{
	struct tlsh_cur list, it;
	uint16_t seen[32];
	size_t n = 0;

	TRY(tlsh_cur_vec(&b, 2, 0, 0xffff, &list));
	TRY(tlsh_cur_end(&b));
	it = list;
	while (tlsh_cur_left(&it)) {
		uint16_t group;
		struct tlsh_cur kx;

		TRY(tlsh_cur_u16(&it, &group));
		TRY(tlsh_cur_vec(&it, 2, 1, 0xffff, &kx));
		/* RFC 8446 4.2.8: one share per group. */
		for (size_t i = 0; i < n; i++)
			if (seen[i] == group)
				return TLSH_ERR_ILLEGAL_PARAMETER;
		if (n < sizeof(seen) / sizeof(seen[0]))
			seen[n++] = group;
	}
	*out = list;
	return TLSH_OK;
}

bool tlsh_ch_find_share(struct tlsh_cur shares, uint16_t group,
			const uint8_t **kx, size_t *kx_len)
{
	while (tlsh_cur_left(&shares)) {
		uint16_t g;
		struct tlsh_cur k;

		if (tlsh_cur_u16(&shares, &g) || tlsh_cur_vec(&shares, 2, 1,
							       0xffff, &k))
			return false;
		if (g == group) {
			*kx = k.p;
			*kx_len = tlsh_cur_left(&k);
			return true;
		}
	}
	return false;
}

static enum tlsh_err parse_sni(struct tlsh_cur b, const uint8_t **name,
			       size_t *len)
{
	struct tlsh_cur list;

	TRY(tlsh_cur_vec(&b, 2, 1, 0xffff, &list));
	TRY(tlsh_cur_end(&b));
	*name = NULL;
	while (tlsh_cur_left(&list)) {
		uint8_t type;
		struct tlsh_cur n;

		TRY(tlsh_cur_u8(&list, &type));
		TRY(tlsh_cur_vec(&list, 2, 1, 0xffff, &n));
		if (type != 0)
			continue;
		/* RFC 6066 section 3: at most one host_name. */
		if (*name)
			return TLSH_ERR_ILLEGAL_PARAMETER;
		*name = n.p;
		*len = tlsh_cur_left(&n);
		if (memchr(*name, 0, *len))
			return TLSH_ERR_ILLEGAL_PARAMETER;
	}
	return TLSH_OK;
}

static enum tlsh_err parse_alpn(struct tlsh_cur b, struct tlsh_cur *out)
{
	struct tlsh_cur list, it;

	TRY(tlsh_cur_vec(&b, 2, 2, 0xffff, &list));
	TRY(tlsh_cur_end(&b));
	it = list;
	while (tlsh_cur_left(&it)) {
		struct tlsh_cur name;

		TRY(tlsh_cur_vec(&it, 1, 1, 255, &name));
	}
	*out = list;
	return TLSH_OK;
}

/* A server's ALPN answer: RFC 7301 3.1, exactly one protocol. */
static enum tlsh_err parse_alpn_one(struct tlsh_cur b, const uint8_t **p,
				    size_t *len)
{
	struct tlsh_cur list, name;

	TRY(parse_alpn(b, &list));
	TRY(tlsh_cur_vec(&list, 1, 1, 255, &name));
	if (tlsh_cur_left(&list))
		return TLSH_ERR_ILLEGAL_PARAMETER;
	*p = name.p;
	*len = tlsh_cur_left(&name);
	return TLSH_OK;
}

static enum tlsh_err parse_u16_list_ext(struct tlsh_cur b,
					struct tlsh_cur *out)
{
	TRY(tlsh_u16_list(&b, out));
	return tlsh_cur_end(&b);
}

static enum tlsh_err parse_cookie(struct tlsh_cur b, const uint8_t **p,
				  size_t *len)
{
	struct tlsh_cur c;

	TRY(tlsh_cur_vec(&b, 2, 1, 0xffff, &c));
	TRY(tlsh_cur_end(&b));
	*p = c.p;
	*len = tlsh_cur_left(&c);
	return TLSH_OK;
}

enum tlsh_err tlsh_parse_client_hello(const uint8_t *body, size_t len,
				      struct tlsh_client_hello *ch)
{
	struct tlsh_cur c = tlsh_cur_make(body, len), sid;
	const struct tlsh_exts *x = &ch->x;

	memset(ch, 0, sizeof(*ch));
	ch->body = body;
	TRY(tlsh_cur_u16(&c, &ch->legacy_version));
	TRY(tlsh_cur_bytes(&c, TLSH_RANDOM, &ch->random));
	TRY(tlsh_cur_vec(&c, 1, 0, 32, &sid));
	ch->session_id = sid.p;
	ch->session_id_len = tlsh_cur_left(&sid);
	TRY(tlsh_u16_list(&c, &ch->suites));
	TRY(tlsh_cur_vec(&c, 1, 1, 255, &ch->comp));
	/* No extensions at all (RFC 5246 7.4.1.2 allows it): none present. */
	if (tlsh_cur_left(&c))
		TRY(tlsh_ext_parse(&c, TLSH_IN_CH, &ch->x));
	TRY(tlsh_cur_end(&c));
	if (tlsh_ext_has(x, TLSH_X_SUPPORTED_VERSIONS))
		TRY(parse_versions(x->body[TLSH_X_SUPPORTED_VERSIONS],
				   &ch->tls13, &ch->tls12));
	else
		ch->tls12 = ch->legacy_version >= 0x0303;
	if (tlsh_ext_has(x, TLSH_X_PRE_SHARED_KEY) && !x->psk_last)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (tlsh_ext_has(x, TLSH_X_SUPPORTED_GROUPS))
		TRY(parse_u16_list_ext(x->body[TLSH_X_SUPPORTED_GROUPS],
				       &ch->groups));
	if (tlsh_ext_has(x, TLSH_X_SIGNATURE_ALGORITHMS))
		TRY(parse_u16_list_ext(x->body[TLSH_X_SIGNATURE_ALGORITHMS],
				       &ch->sigalgs));
	if (tlsh_ext_has(x, TLSH_X_KEY_SHARE))
		TRY(parse_shares(x->body[TLSH_X_KEY_SHARE], &ch->shares));
	if (tlsh_ext_has(x, TLSH_X_SERVER_NAME))
		TRY(parse_sni(x->body[TLSH_X_SERVER_NAME], &ch->sni,
			      &ch->sni_len));
	if (tlsh_ext_has(x, TLSH_X_ALPN))
		TRY(parse_alpn(x->body[TLSH_X_ALPN], &ch->alpn));
	if (tlsh_ext_has(x, TLSH_X_COOKIE))
		TRY(parse_cookie(x->body[TLSH_X_COOKIE], &ch->cookie,
				 &ch->cookie_len));
	return TLSH_OK;
}

enum tlsh_err tlsh_parse_server_hello(const uint8_t *body, size_t len,
				      struct tlsh_server_hello *sh)
{
	struct tlsh_cur c = tlsh_cur_make(body, len), sid, b;
	uint16_t legacy_version;
	uint8_t comp;
	const struct tlsh_exts *x = &sh->x;

	memset(sh, 0, sizeof(*sh));
	TRY(tlsh_cur_u16(&c, &legacy_version));
	TRY(tlsh_cur_bytes(&c, TLSH_RANDOM, &sh->random));
	sh->hrr = !memcmp(sh->random, tlsh_hrr_random, TLSH_RANDOM);
	TRY(tlsh_cur_vec(&c, 1, 0, 32, &sid));
	sh->session_id = sid.p;
	sh->session_id_len = tlsh_cur_left(&sid);
	TRY(tlsh_cur_u16(&c, &sh->suite));
	TRY(tlsh_cur_u8(&c, &comp));
	sh->legacy_version = legacy_version;
	sh->comp = comp;
	/* TLS 1.2 allows a ServerHello without an extension block. */
	if (tlsh_cur_left(&c) || sh->hrr)
		TRY(tlsh_ext_parse(&c, sh->hrr ? TLSH_IN_HRR :
				   TLSH_IN_SH | TLSH_IN_SH12, &sh->x));
	TRY(tlsh_cur_end(&c));
	if (tlsh_ext_has(x, TLSH_X_SUPPORTED_VERSIONS)) {
		b = x->body[TLSH_X_SUPPORTED_VERSIONS];
		TRY(tlsh_cur_u16(&b, &sh->version));
		TRY(tlsh_cur_end(&b));
		/* RFC 8446 4.2.1: only TLS 1.3 may be selected this way. */
		if (sh->version != 0x0304)
			return TLSH_ERR_ILLEGAL_PARAMETER;
		if (!sh->hrr)
			TRY(tlsh_ext_check(x, TLSH_IN_SH));
	} else if (!sh->hrr) {
		sh->version = legacy_version;
		TRY(tlsh_ext_check(x, TLSH_IN_SH12));
		if (tlsh_ext_has(x, TLSH_X_ALPN))
			TRY(parse_alpn_one(x->body[TLSH_X_ALPN], &sh->alpn,
					   &sh->alpn_len));
		return TLSH_OK;
	}
	if (sh->version != 0x0304)	/* an HRR without supported_versions */
		return TLSH_ERR_PROTOCOL_VERSION;
	if (legacy_version != 0x0303 || comp != 0)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (tlsh_ext_has(x, TLSH_X_KEY_SHARE)) {
		b = x->body[TLSH_X_KEY_SHARE];
		TRY(tlsh_cur_u16(&b, &sh->group));
		if (!sh->hrr) {
			struct tlsh_cur kx;

			TRY(tlsh_cur_vec(&b, 2, 1, 0xffff, &kx));
			sh->share = kx.p;
			sh->share_len = tlsh_cur_left(&kx);
		}
		TRY(tlsh_cur_end(&b));
	}
	if (tlsh_ext_has(x, TLSH_X_COOKIE))
		TRY(parse_cookie(x->body[TLSH_X_COOKIE], &sh->cookie,
				 &sh->cookie_len));
	return TLSH_OK;
}

enum tlsh_err tlsh_parse_encrypted_extensions(const uint8_t *body,
					      size_t len,
					      struct tlsh_encrypted_extensions *ee)
{
	struct tlsh_cur c = tlsh_cur_make(body, len);
	const struct tlsh_exts *x = &ee->x;

	memset(ee, 0, sizeof(*ee));
	TRY(tlsh_ext_parse(&c, TLSH_IN_EE, &ee->x));
	TRY(tlsh_cur_end(&c));
	if (tlsh_ext_has(x, TLSH_X_SERVER_NAME) &&
	    tlsh_cur_left(&x->body[TLSH_X_SERVER_NAME]))
		return TLSH_ERR_DECODE;
	if (tlsh_ext_has(x, TLSH_X_ALPN))
		TRY(parse_alpn_one(x->body[TLSH_X_ALPN], &ee->alpn,
				   &ee->alpn_len));
	if (tlsh_ext_has(x, TLSH_X_SUPPORTED_GROUPS)) {
		struct tlsh_cur groups;

		TRY(parse_u16_list_ext(x->body[TLSH_X_SUPPORTED_GROUPS],
				       &groups));
	}
	return TLSH_OK;
}

enum tlsh_err tlsh_parse_certificate(const uint8_t *body, size_t len,
				     struct tlsh_certificate *ct)
{
	struct tlsh_cur c = tlsh_cur_make(body, len), ctx, list;

	memset(ct, 0, sizeof(*ct));
	TRY(tlsh_cur_vec(&c, 1, 0, 255, &ctx));
	ct->context = ctx.p;
	ct->context_len = tlsh_cur_left(&ctx);
	TRY(tlsh_cur_vec(&c, 3, 0, 0xffffff, &list));
	TRY(tlsh_cur_end(&c));
	while (tlsh_cur_left(&list)) {
		struct tlsh_cur der;
		struct tlsh_exts x;

		TRY(tlsh_cur_vec(&list, 3, 1, 0xffffff, &der));
		TRY(tlsh_ext_parse(&list, TLSH_IN_CT, &x));
		if (ct->n == sizeof(ct->der) / sizeof(ct->der[0]))
			return TLSH_ERR_BAD_CERTIFICATE;
		ct->der[ct->n] = der.p;
		ct->der_len[ct->n++] = tlsh_cur_left(&der);
	}
	return TLSH_OK;
}

enum tlsh_err tlsh_parse_certificate_request(const uint8_t *body, size_t len,
					     struct tlsh_certificate_request *cr)
{
	struct tlsh_cur c = tlsh_cur_make(body, len), ctx;

	memset(cr, 0, sizeof(*cr));
	TRY(tlsh_cur_vec(&c, 1, 0, 255, &ctx));
	cr->context = ctx.p;
	cr->context_len = tlsh_cur_left(&ctx);
	TRY(tlsh_ext_parse(&c, TLSH_IN_CR, &cr->x));
	TRY(tlsh_cur_end(&c));
	if (!tlsh_ext_has(&cr->x, TLSH_X_SIGNATURE_ALGORITHMS))
		return TLSH_ERR_MISSING_EXTENSION;
	return parse_u16_list_ext(cr->x.body[TLSH_X_SIGNATURE_ALGORITHMS],
				  &cr->sigalgs);
}

enum tlsh_err tlsh_parse_certificate_verify(const uint8_t *body, size_t len,
					    struct tlsh_certificate_verify *cv)
{
	struct tlsh_cur c = tlsh_cur_make(body, len), sig;

	TRY(tlsh_cur_u16(&c, &cv->scheme));
	TRY(tlsh_cur_vec(&c, 2, 1, 0xffff, &sig));
	TRY(tlsh_cur_end(&c));
	cv->sig = sig.p;
	cv->sig_len = tlsh_cur_left(&sig);
	return TLSH_OK;
}

enum tlsh_err tlsh_parse_new_session_ticket(const uint8_t *body, size_t len,
					    struct tlsh_new_session_ticket *nst)
{
	struct tlsh_cur c = tlsh_cur_make(body, len), nonce, ticket;

	memset(nst, 0, sizeof(*nst));
	TRY(tlsh_cur_u32(&c, &nst->lifetime));
	TRY(tlsh_cur_u32(&c, &nst->age_add));
	TRY(tlsh_cur_vec(&c, 1, 0, 255, &nonce));
	TRY(tlsh_cur_vec(&c, 2, 1, 0xffff, &ticket));
	TRY(tlsh_ext_parse(&c, TLSH_IN_NST, &nst->x));
	TRY(tlsh_cur_end(&c));
	nst->nonce = nonce.p;
	nst->nonce_len = tlsh_cur_left(&nonce);
	nst->ticket = ticket.p;
	nst->ticket_len = tlsh_cur_left(&ticket);
	return TLSH_OK;
}
