// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.3 pre-shared keys: resumption tickets and external PSKs.
 *
 * Server tickets (the identity a client echoes) are
 *     name(16) nonce(12) AES-256-GCM(state) tag(16)
 * under the first configured ticket key, the name as additional data. The
 * state: format 1, suite, issue time, lifetime, age_add, PSK, SNI, ALPN and
 * the SHA-256 of the client's leaf certificate. Any ticket that does not
 * open, or no longer fits (expired, age off, another SNI or ALPN, a client
 * certificate now required), is skipped: a full handshake follows.
 *
 * TLS 1.2 tickets (tls12_ticket.c) are sealed and opened here too, as
 * format 2: the same fields with the master secret as the PSK (age_add 0)
 * and the extended master secret flag after the client certificate; a
 * ticket of one version never opens as the other.
 *
 * The client's session (cfg->session, on_session) is its own format 1:
 * version, suite, time received, lifetime, age_add, PSK, SNI, ALPN, ticket;
 * for version 0x0303 the EMS flag comes before the ticket.
 */
#include <string.h>

#include <nettle/gcm.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "tls/conn.h"
#include "tls/psk.h"
#include "tls/query.h"
#include "tls/suite.h"
#include "tls/tls12_ticket.h"

#define TICKET_FORMAT		1
#define TICKET_FORMAT12		2
#define SESSION_FORMAT		1
#define TICKET_NONCE_LEN	12
#define TICKET_TAG_LEN		16
#define TICKET_OVERHEAD (TLSH_TICKET_KEY_NAME_LEN + TICKET_NONCE_LEN + \
			 TICKET_TAG_LEN)
#define DEFAULT_LIFETIME	7200
#define MAX_LIFETIME		604800	/* RFC 8446 4.6.1: seven days */
#define MAX_PSK_TRIES		8	/* identities a server looks at */
#define PSK_MODE_KE		0
#define PSK_MODE_DHE_KE		1

void tlsh_ticket_key_derive(const uint8_t raw[TLSH_TICKET_KEY_FILE_LEN],
			    struct tlsh_ticket_key *k)
{
	static const char salt[] = "tlsh ticket key";
	uint8_t prk[TLSH_HASH_MAX];

	memcpy(k->name, raw, TLSH_TICKET_KEY_NAME_LEN);
	tlsh_hkdf_extract(&tlsh_hash_sha256, (const uint8_t *)salt,
			  sizeof(salt) - 1, raw + TLSH_TICKET_KEY_NAME_LEN,
			  TLSH_TICKET_KEY_FILE_LEN - TLSH_TICKET_KEY_NAME_LEN,
			  prk);
	memcpy(k->key, prk, sizeof(k->key));
	explicit_bzero(prk, sizeof(prk));
}

uint64_t tlsh_ticket_now(const struct tlsh_conn *c)
{
	time_t t = tlsh_now(c);

	return t > 0 ? (uint64_t)t : 0;
}

static void put_u64(struct tlsh_wbuf *w, uint64_t v)
{
	tlsh_put_uint(w, 4, (uint32_t)(v >> 32));
	tlsh_put_uint(w, 4, (uint32_t)v);
}

static enum tlsh_err get_u64(struct tlsh_cur *cur, uint64_t *v)
{
	uint32_t hi, lo;

	TRY(tlsh_cur_u32(cur, &hi));
	TRY(tlsh_cur_u32(cur, &lo));
	*v = (uint64_t)hi << 32 | lo;
	return TLSH_OK;
}

static void put_vec8(struct tlsh_wbuf *w, const uint8_t *p, size_t n)
{
	tlsh_put_u8(w, (uint8_t)n);
	tlsh_put_bytes(w, p, n);
}

static enum tlsh_err get_vec8(struct tlsh_cur *cur, size_t max, uint8_t *out,
			      size_t *len)
{
	struct tlsh_cur v;

	TRY(tlsh_cur_vec(cur, 1, 0, max, &v));
	*len = tlsh_cur_left(&v);
	memcpy(out, v.p, *len);
	return TLSH_OK;
}

/* The fields tickets and sessions share, in the same order. */
static void put_common(struct tlsh_wbuf *w,
		       const struct tlsh_ticket_state *st)
{
	tlsh_put_u16(w, st->suite);
	put_u64(w, st->time);
	tlsh_put_uint(w, 4, st->lifetime);
	tlsh_put_uint(w, 4, st->age_add);
	put_vec8(w, st->psk, st->psk_len);
	put_vec8(w, st->sni, st->sni_len);
	put_vec8(w, st->alpn, st->alpn_len);
}

static enum tlsh_err get_common(struct tlsh_cur *cur,
				struct tlsh_ticket_state *st)
{
	const struct tlsh_suite *s;

	TRY(tlsh_cur_u16(cur, &st->suite));
	TRY(get_u64(cur, &st->time));
	TRY(tlsh_cur_u32(cur, &st->lifetime));
	TRY(tlsh_cur_u32(cur, &st->age_add));
	TRY(get_vec8(cur, TLSH_HASH_MAX, st->psk, &st->psk_len));
	TRY(get_vec8(cur, 255, st->sni, &st->sni_len));
	TRY(get_vec8(cur, 255, st->alpn, &st->alpn_len));
	s = tlsh_suite_by_id(st->suite);
	if (!s || tlsh_suite_is12(s) != (st->version == TLSH_TLS12) ||
	    st->psk_len != (tlsh_suite_is12(s) ? TLSH_MASTER_SECRET :
			    s->hash->len))
		return TLSH_ERR_DECODE;
	return TLSH_OK;
}

/* PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", nonce). */
static void ticket_psk(const struct tlsh_conn *c, const uint8_t *nonce,
		       size_t nonce_len, struct tlsh_ticket_state *st)
{
	const struct tlsh_hash *h = c->suite->hash;

	tlsh_hkdf_expand_label(h, c->res_master, "resumption", nonce,
			       nonce_len, st->psk, h->len);
	st->psk_len = h->len;
	st->suite = c->suite->id;
}

void tlsh_psk_derive_res_master(struct tlsh_conn *c)
{
	uint8_t th[TLSH_HASH_MAX];

	tlsh_transcript_hash(&c->tr, th);
	tlsh_ks_derive(&c->ks, "res master", th, c->res_master);
	c->have_res_master = true;
}

void tlsh_psk_wipe(struct tlsh_conn *c)
{
	explicit_bzero(c->res_master, sizeof(c->res_master));
	c->have_res_master = false;
	for (size_t i = 0; i < TLSH_MAX_PSK_OFFER; i++)
		explicit_bzero(c->cli.psk[i].early, sizeof(c->cli.psk[i].early));
}

/* ---- binders ---- */

static const struct tlsh_hash *hash_of_len(size_t len)
{
	return len == 48 ? &tlsh_hash_sha384 : len == 32 || len == 0 ?
	       &tlsh_hash_sha256 : NULL;
}

/*
 * binder = HMAC(finished_key(Derive-Secret(early, "res binder" or "ext
 * binder", "")), Transcript-Hash(before + partial ClientHello)).
 */
static void binder(const struct tlsh_hash *h, const uint8_t *early,
		   enum tlsh_psk_use kind, const struct tlsh_transcript *before,
		   const uint8_t *partial, size_t partial_len, uint8_t *out)
{
	struct tlsh_transcript t = *before;
	uint8_t empty[TLSH_HASH_MAX], key[TLSH_HASH_MAX], th[TLSH_HASH_MAX];

	tlsh_transcript_select(&t, h);
	tlsh_transcript_add(&t, partial, partial_len);
	tlsh_transcript_hash(&t, th);
	tlsh_hash_empty(h, empty);
	tlsh_derive_secret(h, early, kind == TLSH_PSK_EXTERNAL ?
			   "ext binder" : "res binder", empty, key);
	tlsh_finished_mac(h, key, th, out);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(&t, sizeof(t));
}

static void early_secret(const struct tlsh_hash *h, const uint8_t *psk,
			 size_t psk_len, uint8_t *out)
{
	struct tlsh_keysched ks;

	tlsh_ks_init(&ks, h, psk, psk_len);
	memcpy(out, ks.secret, h->len);
	tlsh_ks_wipe(&ks);
}

/* ---- client ---- */

static bool suite_configured(const struct tlsh_conn *c, uint16_t id)
{
	size_t n;
	const uint16_t *s = tlsh_cfg_suites(c->cfg, &n);

	for (size_t i = 0; i < n; i++)
		if (s[i] == id)
			return true;
	return false;
}

static enum tlsh_err session_decode(const uint8_t *p, size_t len,
				    struct tlsh_ticket_state *st)
{
	struct tlsh_cur cur = tlsh_cur_make(p, len), t;
	uint8_t format, ems = 1;
	uint16_t version;

	TRY(tlsh_cur_u8(&cur, &format));
	TRY(tlsh_cur_u16(&cur, &version));
	if (format != SESSION_FORMAT ||
	    (version != TLSH_TLS13 && version != TLSH_TLS12))
		return TLSH_ERR_DECODE;
	st->version = version;
	TRY(get_common(&cur, st));
	if (version == TLSH_TLS12)
		TRY(tlsh_cur_u8(&cur, &ems));
	st->ems = ems != 0;
	TRY(tlsh_cur_vec(&cur, 2, 1, 0xffff, &t));
	st->ticket = t.p;
	st->ticket_len = tlsh_cur_left(&t);
	return tlsh_cur_end(&cur);
}

static const char *session_offer(struct tlsh_conn *c)
{
	const struct tlsh_config *cfg = c->cfg;
	const char *name = cfg->server_name ? cfg->server_name : "";
	struct tlsh_psk_offer *o = &c->cli.psk[c->cli.n_psk];
	struct tlsh_ticket_state st;
	uint64_t now = tlsh_ticket_now(c), age;

	if (session_decode(cfg->session, cfg->session_len, &st)) {
		explicit_bzero(&st, sizeof(st));
		return "session unreadable";
	}
	if (st.sni_len != strlen(name) || memcmp(st.sni, name, st.sni_len)) {
		explicit_bzero(&st, sizeof(st));
		return "session for another server name";
	}
	age = now >= st.time ? now - st.time : 0;
	if (st.time > now + TLSH_TICKET_AGE_SKEW_S || age >= st.lifetime) {
		explicit_bzero(&st, sizeof(st));
		return "session expired";
	}
	if (!suite_configured(c, st.suite)) {
		explicit_bzero(&st, sizeof(st));
		return "session's cipher suite not configured";
	}
	if (st.version == TLSH_TLS12) {
		const char *note = tlsh12_ticket_client_offer(c, &st);

		explicit_bzero(&st, sizeof(st));
		return note;
	}
	if (!tlsh_cfg_speaks(cfg, TLSH_TLS13)) {
		explicit_bzero(&st, sizeof(st));
		return "TLS 1.3 not offered";
	}
	o->kind = TLSH_PSK_RESUMED;
	o->ext = NULL;
	o->identity = st.ticket;
	o->identity_len = st.ticket_len;
	o->obfuscated_age = (uint32_t)(age * 1000) + st.age_add;
	o->hash = tlsh_suite_by_id(st.suite)->hash;
	early_secret(o->hash, st.psk, st.psk_len, o->early);
	c->cli.psk_suite = st.suite;
	c->cli.n_psk++;
	explicit_bzero(&st, sizeof(st));
	return NULL;
}

void tlsh_psk_client_prepare(struct tlsh_conn *c)
{
	const struct tlsh_config *cfg = c->cfg;

	c->cli.n_psk = 0;
	/* The session's name, kept: tickets come after the config may go. */
	if (cfg->server_name && strlen(cfg->server_name) < sizeof(c->sni)) {
		strcpy(c->sni, cfg->server_name);
		c->has_sni = true;
	}
	if (cfg->session && cfg->session_len)
		c->session_note = session_offer(c);
	/* External PSKs are TLS 1.3's. */
	for (size_t i = 0; tlsh_cfg_speaks(cfg, TLSH_TLS13) &&
	     i < cfg->n_psks &&
	     c->cli.n_psk < TLSH_MAX_PSK_OFFER; i++) {
		const struct tlsh_psk *p = &cfg->psks[i];
		struct tlsh_psk_offer *o = &c->cli.psk[c->cli.n_psk];

		o->hash = hash_of_len(p->hash_len);
		if (!o->hash || !p->identity_len || p->identity_len > 0xffff ||
		    !p->key_len)
			continue;
		o->kind = TLSH_PSK_EXTERNAL;
		o->ext = p;
		o->identity = p->identity;
		o->identity_len = p->identity_len;
		o->obfuscated_age = 0;
		early_secret(o->hash, p->key, p->key_len, o->early);
		c->cli.n_psk++;
	}
}

void tlsh_psk_client_after_hrr(struct tlsh_conn *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->cli.n_psk; i++) {
		if (c->cli.psk[i].hash != c->suite->hash)
			continue;
		if (n != i)
			c->cli.psk[n] = c->cli.psk[i];
		n++;
	}
	for (size_t i = n; i < c->cli.n_psk; i++)
		explicit_bzero(c->cli.psk[i].early, sizeof(c->cli.psk[i].early));
	if (c->cli.n_psk && !n && c->cli.psk[0].kind == TLSH_PSK_RESUMED)
		c->session_note = "session's hash differs from the server's choice";
	c->cli.n_psk = n;
}

bool tlsh_psk_client_offers_modes(const struct tlsh_conn *c)
{
	return c->cli.n_psk || c->on_session;
}

void tlsh_psk_client_put(struct tlsh_conn *c, struct tlsh_wbuf *w)
{
	size_t e, l, v;

	if (!tlsh_psk_client_offers_modes(c))
		return;
	e = tlsh_ext_open(w, TLSH_X_PSK_KEY_EXCHANGE_MODES);
	l = tlsh_vec_open(w, 1);
	tlsh_put_u8(w, PSK_MODE_DHE_KE);
	if (c->cfg->allow_psk_ke)
		tlsh_put_u8(w, PSK_MODE_KE);
	tlsh_vec_close(w, l, 1);
	tlsh_ext_close(w, e);
	if (!c->cli.n_psk)
		return;
	/* Last of all extensions (RFC 8446 4.2.11). */
	e = tlsh_ext_open(w, TLSH_X_PRE_SHARED_KEY);
	l = tlsh_vec_open(w, 2);
	for (size_t i = 0; i < c->cli.n_psk; i++) {
		v = tlsh_vec_open(w, 2);
		tlsh_put_bytes(w, c->cli.psk[i].identity,
			       c->cli.psk[i].identity_len);
		tlsh_vec_close(w, v, 2);
		tlsh_put_uint(w, 4, c->cli.psk[i].obfuscated_age);
	}
	tlsh_vec_close(w, l, 2);
	l = tlsh_vec_open(w, 2);
	for (size_t i = 0; i < c->cli.n_psk; i++) {
		uint8_t zeros[TLSH_HASH_MAX] = { 0 };

		put_vec8(w, zeros, c->cli.psk[i].hash->len);
	}
	tlsh_vec_close(w, l, 2);
	tlsh_ext_close(w, e);
}

static size_t binders_len(const struct tlsh_conn *c)
{
	size_t n = 2;

	for (size_t i = 0; i < c->cli.n_psk; i++)
		n += 1 + c->cli.psk[i].hash->len;
	return n;
}

void tlsh_psk_client_binders(struct tlsh_conn *c, size_t mark)
{
	struct tlsh_wbuf *w = &c->hs_out;
	size_t total, partial, off;

	if (!c->cli.n_psk || w->overflow)
		return;
	total = binders_len(c);
	partial = w->len - mark - total;
	off = mark + partial + 2;
	for (size_t i = 0; i < c->cli.n_psk; i++) {
		const struct tlsh_psk_offer *o = &c->cli.psk[i];

		binder(o->hash, o->early, o->kind, &c->tr, w->buf + mark,
		       partial, w->buf + off + 1);
		off += 1 + o->hash->len;
	}
}

enum tlsh_err tlsh_psk_client_accept(struct tlsh_conn *c,
				     const struct tlsh_server_hello *sh)
{
	struct tlsh_cur b = sh->x.body[TLSH_X_PRE_SHARED_KEY];
	const struct tlsh_psk_offer *o;
	uint16_t idx;

	if (!tlsh_ext_has(&sh->x, TLSH_X_PRE_SHARED_KEY)) {
		if (c->cli.n_psk && c->cli.psk[0].kind == TLSH_PSK_RESUMED &&
		    !c->session_note)
			c->session_note = "server did not resume";
		if (!tlsh_ext_has(&sh->x, TLSH_X_KEY_SHARE))
			return TLSH_ERR_MISSING_EXTENSION;
		tlsh_ks_init(&c->ks, c->suite->hash, NULL, 0);
		return TLSH_OK;
	}
	TRY(tlsh_cur_u16(&b, &idx));
	TRY(tlsh_cur_end(&b));
	if (idx >= c->cli.n_psk)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	o = &c->cli.psk[idx];
	/* RFC 8446 4.2.11: the suite must use the PSK's hash. */
	if (o->hash != c->suite->hash)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (!tlsh_ext_has(&sh->x, TLSH_X_KEY_SHARE)) {
		if (!c->cfg->allow_psk_ke)
			return TLSH_ERR_MISSING_EXTENSION;
		c->psk_ke = true;
	}
	c->psk_use = o->kind;
	c->ext_psk = o->ext;
	if (o->kind == TLSH_PSK_RESUMED)
		c->session_note = NULL;
	else if (c->cli.n_psk && c->cli.psk[0].kind == TLSH_PSK_RESUMED)
		c->session_note = "server chose an external PSK";
	c->ks.hash = o->hash;
	memcpy(c->ks.secret, o->early, o->hash->len);
	return TLSH_OK;
}

void tlsh_psk_client_ticket(struct tlsh_conn *c,
			    const struct tlsh_new_session_ticket *nst)
{
	struct tlsh_ticket_state st;

	/* Lifetime 0: discard at once (RFC 8446 4.6.1). */
	if (!c->on_session || !c->have_res_master || !nst->lifetime ||
	    !nst->ticket_len)
		return;
	memset(&st, 0, sizeof(st));
	st.version = TLSH_TLS13;
	ticket_psk(c, nst->nonce, nst->nonce_len, &st);
	st.time = tlsh_ticket_now(c);
	st.lifetime = nst->lifetime < MAX_LIFETIME ? nst->lifetime :
		      MAX_LIFETIME;
	st.age_add = nst->age_add;
	st.sni_len = c->has_sni ? strlen(c->sni) : 0;
	memcpy(st.sni, c->sni, st.sni_len);
	st.alpn_len = c->has_alpn ? strlen(c->alpn) : 0;
	memcpy(st.alpn, c->alpn, st.alpn_len);
	st.ticket = nst->ticket;
	st.ticket_len = nst->ticket_len;
	tlsh_session_emit(c, &st);
	explicit_bzero(&st, sizeof(st));
}

void tlsh_session_emit(struct tlsh_conn *c,
		       const struct tlsh_ticket_state *st)
{
	struct tlsh_wbuf w;

	tlsh_wbuf_heap(&w);
	tlsh_put_u8(&w, SESSION_FORMAT);
	tlsh_put_u16(&w, st->version);
	put_common(&w, st);
	if (st->version == TLSH_TLS12)
		tlsh_put_u8(&w, st->ems);
	tlsh_put_u16(&w, (uint16_t)st->ticket_len);
	tlsh_put_bytes(&w, st->ticket, st->ticket_len);
	if (!tlsh_wbuf_err(&w))
		c->on_session(c->session_ctx, w.buf, w.len);
	tlsh_wbuf_wipe_free(&w);
}

/* ---- server ---- */

/*
 * The client certificate identity a ticket carries: the one a resumed
 * session had, else the SHA-256 of the leaf the client sent (c->peer; for
 * TLS 1.2 filled once the engine takes client certificates there).
 */
static void client_id_of(const struct tlsh_conn *c,
			 struct tlsh_ticket_state *st)
{
	struct sha256_ctx h;
	gnutls_datum_t der;

	if (c->has_client_id) {
		memcpy(st->client_id, c->client_id, 32);
		st->has_client_id = true;
		return;
	}
	if (!c->peer.n || gnutls_x509_crt_export2(c->peer.crt[0],
						  GNUTLS_X509_FMT_DER, &der))
		return;
	sha256_init(&h);
	sha256_update(&h, der.size, der.data);
	sha256_digest(&h, sizeof(st->client_id), st->client_id);
	st->has_client_id = true;
	gnutls_free(der.data);
}

enum tlsh_err tlsh_ticket_seal(struct tlsh_conn *c,
			       const struct tlsh_ticket_state *st,
			       struct tlsh_wbuf *w)
{
	const struct tlsh_ticket_key *k = &c->cfg->ticket_keys[0];
	struct gcm_aes256_ctx g;
	struct tlsh_wbuf pt;
	uint8_t nonce[TICKET_NONCE_LEN];
	size_t v, at;

	tlsh_wbuf_heap(&pt);
	tlsh_put_u8(&pt, st->version == TLSH_TLS12 ? TICKET_FORMAT12 :
		    TICKET_FORMAT);
	put_common(&pt, st);
	tlsh_put_u8(&pt, st->has_client_id);
	tlsh_put_bytes(&pt, st->client_id, sizeof(st->client_id));
	if (st->version == TLSH_TLS12)
		tlsh_put_u8(&pt, st->ems);
	if (tlsh_wbuf_err(&pt)) {
		tlsh_wbuf_wipe_free(&pt);
		return TLSH_ERR_NOMEM;
	}
	c->cfg->random(c->cfg->random_ctx, sizeof(nonce), nonce);
	v = tlsh_vec_open(w, 2);
	tlsh_put_bytes(w, k->name, sizeof(k->name));
	tlsh_put_bytes(w, nonce, sizeof(nonce));
	at = w->len;
	/* Room for the ciphertext and the tag, sealed in place. */
	tlsh_put_bytes(w, pt.buf, pt.len);
	for (size_t i = 0; i < TICKET_TAG_LEN; i++)
		tlsh_put_u8(w, 0);
	if (!w->overflow) {
		gcm_aes256_set_key(&g, k->key);
		gcm_aes256_set_iv(&g, sizeof(nonce), nonce);
		gcm_aes256_update(&g, sizeof(k->name), k->name);
		gcm_aes256_encrypt(&g, pt.len, w->buf + at, pt.buf);
		gcm_aes256_digest(&g, TICKET_TAG_LEN, w->buf + at + pt.len);
		explicit_bzero(&g, sizeof(g));
	}
	tlsh_vec_close(w, v, 2);
	tlsh_wbuf_wipe_free(&pt);
	return tlsh_wbuf_err(w);
}

bool tlsh_ticket_open(const struct tlsh_conn *c, const uint8_t *t,
		      size_t len, struct tlsh_ticket_state *st,
		      size_t *key_index)
{
	const struct tlsh_config *cfg = c->cfg;
	const struct tlsh_ticket_key *k = NULL;
	struct gcm_aes256_ctx g;
	uint8_t pt[512], tag[TICKET_TAG_LEN];
	size_t ct_len;
	struct tlsh_cur cur;
	uint8_t format, has_id, ems = 1;
	bool v12 = st->version == TLSH_TLS12;
	const uint8_t *id;
	bool ok;

	if (len < TICKET_OVERHEAD || len - TICKET_OVERHEAD > sizeof(pt))
		return false;
	for (size_t i = 0; i < cfg->n_ticket_keys && !k; i++)
		if (!memcmp(cfg->ticket_keys[i].name, t,
			    TLSH_TICKET_KEY_NAME_LEN))
			k = &cfg->ticket_keys[i], *key_index = i;
	if (!k)
		return false;
	ct_len = len - TICKET_OVERHEAD;
	gcm_aes256_set_key(&g, k->key);
	gcm_aes256_set_iv(&g, TICKET_NONCE_LEN, t + TLSH_TICKET_KEY_NAME_LEN);
	gcm_aes256_update(&g, TLSH_TICKET_KEY_NAME_LEN, t);
	gcm_aes256_decrypt(&g, ct_len, pt,
			   t + TLSH_TICKET_KEY_NAME_LEN + TICKET_NONCE_LEN);
	gcm_aes256_digest(&g, sizeof(tag), tag);
	explicit_bzero(&g, sizeof(g));
	ok = memeql_sec(tag, t + len - TICKET_TAG_LEN, sizeof(tag));
	cur = tlsh_cur_make(pt, ct_len);
	ok = ok && !tlsh_cur_u8(&cur, &format) &&
	     format == (v12 ? TICKET_FORMAT12 : TICKET_FORMAT) &&
	     !get_common(&cur, st) && !tlsh_cur_u8(&cur, &has_id) &&
	     !tlsh_cur_bytes(&cur, 32, &id) &&
	     (!v12 || !tlsh_cur_u8(&cur, &ems)) && !tlsh_cur_end(&cur);
	if (ok) {
		st->ems = ems != 0;
		st->has_client_id = has_id != 0;
		memcpy(st->client_id, id, 32);
	}
	explicit_bzero(pt, sizeof(pt));
	return ok;
}

static bool same(const uint8_t *a, size_t alen, const char *b, bool has_b)
{
	size_t blen = has_b ? strlen(b) : 0;

	return alen == blen && !memcmp(a, b, alen);
}

bool tlsh_ticket_fits(const struct tlsh_conn *c,
		      const struct tlsh_ticket_state *st)
{
	uint64_t now = tlsh_ticket_now(c), age;

	if (st->time > now + TLSH_TICKET_AGE_SKEW_S)
		return false;
	age = now >= st->time ? now - st->time : 0;
	if (age >= st->lifetime)
		return false;
	if (!same(st->sni, st->sni_len, c->sni, c->has_sni) ||
	    !same(st->alpn, st->alpn_len, c->alpn, c->has_alpn))
		return false;
	return !c->cfg->require_client_cert || st->has_client_id;
}

/* TLS 1.3: also the client's view of the ticket's age (RFC 8446 4.2.11.1). */
static bool ticket_fits13(const struct tlsh_conn *c,
			  const struct tlsh_ticket_state *st,
			  uint32_t obfuscated_age)
{
	uint64_t now = tlsh_ticket_now(c), age, client_age_s;

	if (!tlsh_ticket_fits(c, st))
		return false;
	age = now >= st->time ? now - st->time : 0;
	client_age_s = (uint32_t)(obfuscated_age - st->age_add) / 1000;
	return client_age_s <= age + TLSH_TICKET_AGE_SKEW_S &&
	       age <= client_age_s + TLSH_TICKET_AGE_SKEW_S;
}

/*
 * A suite of the PSK's hash: the current one if it fits, else (not after a
 * HelloRetryRequest) our first offered suite with that hash.
 */
static bool suite_for_hash(struct tlsh_conn *c,
			   const struct tlsh_client_hello *ch,
			   const struct tlsh_hash *h)
{
	size_t n;
	const uint16_t *ours = tlsh_cfg_suites(c->cfg, &n);

	if (c->suite->hash == h)
		return true;
	if (c->hrr)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct tlsh_suite *s = tlsh_suite_by_id(ours[i]);

		if (s && !tlsh_suite_is12(s) && s->hash == h &&
		    tlsh_u16_list_has(ch->suites, ours[i])) {
			c->suite = s;
			return true;
		}
	}
	return false;
}

/* The identity as one of ours: its early secret into c->ks. */
static bool identity_usable(struct tlsh_conn *c,
			    const struct tlsh_client_hello *ch,
			    const uint8_t *id, size_t id_len, uint32_t age,
			    enum tlsh_psk_use *kind)
{
	const struct tlsh_config *cfg = c->cfg;
	struct tlsh_ticket_state st = { .version = TLSH_TLS13 };
	size_t key_index;

	for (size_t i = 0; i < cfg->n_psks; i++) {
		const struct tlsh_psk *p = &cfg->psks[i];
		const struct tlsh_hash *h = hash_of_len(p->hash_len);

		if (p->identity_len != id_len || memcmp(p->identity, id, id_len) ||
		    !h || !suite_for_hash(c, ch, h))
			continue;
		tlsh_ks_init(&c->ks, h, p->key, p->key_len);
		c->ext_psk = p;
		*kind = TLSH_PSK_EXTERNAL;
		return true;
	}
	if (!cfg->n_ticket_keys)
		return false;
	if (!tlsh_ticket_open(c, id, id_len, &st, &key_index)) {
		explicit_bzero(&st, sizeof(st));
		return false;
	}
	if (!ticket_fits13(c, &st, age) ||
	    !suite_for_hash(c, ch, tlsh_suite_by_id(st.suite)->hash)) {
		explicit_bzero(&st, sizeof(st));
		return false;
	}
	tlsh_ks_init(&c->ks, c->suite->hash, st.psk, st.psk_len);
	c->has_client_id = st.has_client_id;
	memcpy(c->client_id, st.client_id, 32);
	*kind = TLSH_PSK_RESUMED;
	explicit_bzero(&st, sizeof(st));
	return true;
}

enum tlsh_err tlsh_psk_server_choose(struct tlsh_conn *c,
				     const struct tlsh_client_hello *ch)
{
	const uint8_t *msg = ch->body - TLSH_HS_HDR;
	struct tlsh_cur b = ch->x.body[TLSH_X_PRE_SHARED_KEY];
	struct tlsh_cur modes_b = ch->x.body[TLSH_X_PSK_KEY_EXCHANGE_MODES];
	struct tlsh_cur ids, binders, modes, it, id, bd;
	uint8_t mac[TLSH_HASH_MAX];
	bool dhe, ke, chosen = false;
	size_t n_ids = 0, n_binders = 0, pick = 0;
	enum tlsh_psk_use kind = TLSH_PSK_NONE;
	uint32_t age;

	c->psk_use = TLSH_PSK_NONE;
	if (!tlsh_ext_has(&ch->x, TLSH_X_PRE_SHARED_KEY))
		return TLSH_OK;
	/* RFC 8446 4.2.9: a PSK offer needs the modes. */
	if (!tlsh_ext_has(&ch->x, TLSH_X_PSK_KEY_EXCHANGE_MODES))
		return TLSH_ERR_MISSING_EXTENSION;
	TRY(tlsh_cur_vec(&modes_b, 1, 1, 255, &modes));
	dhe = memchr(modes.p, PSK_MODE_DHE_KE, tlsh_cur_left(&modes)) &&
	      tlsh_ext_has(&ch->x, TLSH_X_KEY_SHARE);
	ke = memchr(modes.p, PSK_MODE_KE, tlsh_cur_left(&modes)) &&
	     c->cfg->allow_psk_ke;
	TRY(tlsh_cur_vec(&b, 2, 7, 0xffff, &ids));
	TRY(tlsh_cur_vec(&b, 2, 33, 0xffff, &binders));
	TRY(tlsh_cur_end(&b));
	/* Every identity and binder well-formed, one binder per identity. */
	for (it = ids; tlsh_cur_left(&it); n_ids++) {
		TRY(tlsh_cur_vec(&it, 2, 1, 0xffff, &id));
		TRY(tlsh_cur_u32(&it, &age));
		/* A few tries: each ticket costs a decryption. */
		if (!chosen && (dhe || ke) && n_ids < MAX_PSK_TRIES &&
		    identity_usable(c, ch, id.p, tlsh_cur_left(&id), age,
				    &kind)) {
			chosen = true;
			pick = n_ids;
		}
	}
	for (it = binders; tlsh_cur_left(&it); n_binders++)
		TRY(tlsh_cur_vec(&it, 1, 32, 255, &bd));
	if (n_ids != n_binders)
		return TLSH_ERR_ILLEGAL_PARAMETER;
	if (!chosen)
		return TLSH_OK;
	it = binders;
	for (size_t i = 0; i <= pick; i++)
		TRY(tlsh_cur_vec(&it, 1, 32, 255, &bd));
	/* The binders are the message's last bytes (psk_last is checked). */
	binder(c->ks.hash, c->ks.secret, kind, &c->srv.tr_ch, msg,
	       (size_t)(binders.p - 2 - msg), mac);
	if (tlsh_cur_left(&bd) != c->ks.hash->len ||
	    !memeql_sec(mac, bd.p, c->ks.hash->len)) {
		explicit_bzero(mac, sizeof(mac));
		tlsh_set_reason(c, "PSK binder does not verify");
		return TLSH_ERR_DECRYPT;
	}
	explicit_bzero(mac, sizeof(mac));
	c->psk_use = kind;
	c->psk_ke = !dhe;
	c->srv.psk_identity = (uint16_t)pick;
	return TLSH_OK;
}

void tlsh_ticket_state_init(const struct tlsh_conn *c,
			    struct tlsh_ticket_state *st)
{
	const struct tlsh_config *cfg = c->cfg;

	memset(st, 0, sizeof(*st));
	st->time = tlsh_ticket_now(c);
	st->lifetime = cfg->ticket_lifetime ? cfg->ticket_lifetime :
		       DEFAULT_LIFETIME;
	if (st->lifetime > MAX_LIFETIME)
		st->lifetime = MAX_LIFETIME;
	st->sni_len = c->has_sni ? strlen(c->sni) : 0;
	memcpy(st->sni, c->sni, st->sni_len);
	st->alpn_len = c->has_alpn ? strlen(c->alpn) : 0;
	memcpy(st->alpn, c->alpn, st->alpn_len);
	client_id_of(c, st);
}

enum tlsh_err tlsh_psk_write_ticket(struct tlsh_conn *c, unsigned int i,
				    struct tlsh_wbuf *w)
{
	const struct tlsh_config *cfg = c->cfg;
	struct tlsh_ticket_state st;
	uint8_t nonce[4] = { (uint8_t)(i >> 24), (uint8_t)(i >> 16),
			     (uint8_t)(i >> 8), (uint8_t)i };
	uint8_t age_add[4];
	enum tlsh_err err;
	size_t v;

	tlsh_ticket_state_init(c, &st);
	st.version = TLSH_TLS13;
	cfg->random(cfg->random_ctx, sizeof(age_add), age_add);
	ticket_psk(c, nonce, sizeof(nonce), &st);
	st.age_add = (uint32_t)age_add[0] << 24 | (uint32_t)age_add[1] << 16 |
		     (uint32_t)age_add[2] << 8 | age_add[3];

	tlsh_put_uint(w, 4, st.lifetime);
	tlsh_put_uint(w, 4, st.age_add);
	v = tlsh_vec_open(w, 1);
	tlsh_put_bytes(w, nonce, sizeof(nonce));
	tlsh_vec_close(w, v, 1);
	err = tlsh_ticket_seal(c, &st, w);
	tlsh_put_u16(w, 0);	/* no extensions: no early data */
	explicit_bzero(&st, sizeof(st));
	return err ? err : tlsh_wbuf_err(w);
}
