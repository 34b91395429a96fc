// SPDX-License-Identifier: GPL-2.0
/* The fuzz targets' shared machinery (fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tls/kex.h"
#include "tls/suite.h"

#ifndef TLSH_FUZZ_PKI_DIR
#define TLSH_FUZZ_PKI_DIR "build/fuzz/pki"
#endif

uint64_t fz_next(struct fz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void fz_random(void *ctx, size_t len, uint8_t *dst)
{
	struct fz_rng *r = ctx;

	while (len) {
		uint64_t v = fz_next(r);
		size_t n = len < sizeof(v) ? len : sizeof(v);

		memcpy(dst, &v, n);
		dst += n;
		len -= n;
	}
}

static time_t fz_clock(void *ctx)
{
	(void)ctx;
	return FZ_NOW;
}

void fz_buf_put(struct fz_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void fz_buf_free(struct fz_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------ PKI */

static void load_or_die(struct tlsh_cred *cred, const char *dir,
			const char *name)
{
	char crt[512], key[512];

	snprintf(crt, sizeof(crt), "%s/%s.pem", dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	if (tlsh_cred_load(cred, crt, key)) {
		fprintf(stderr, "fuzz: cannot load %s (run helper/tests/fuzz/pki.sh %s)\n",
			crt, dir);
		exit(2);
	}
}

const struct fz_pki *fz_pki(void)
{
	static struct fz_pki pki;
	static bool loaded;
	const char *dir = getenv("TLSH_FUZZ_PKI");
	char ca[512];

	if (loaded)
		return &pki;
	if (!dir || !*dir)
		dir = TLSH_FUZZ_PKI_DIR;
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	if (tlsh_trust_load(&pki.trust, ca)) {
		fprintf(stderr, "fuzz: cannot load %s\n", ca);
		exit(2);
	}
	load_or_die(&pki.ec, dir, "ec");
	load_or_die(&pki.rsa, dir, "rsa");
	load_or_die(&pki.cli, dir, "cli");
	pki.server_creds[0] = &pki.ec;
	pki.server_creds[1] = &pki.rsa;
	loaded = true;
	return &pki;
}

/* -------------------------------------------------------- configurations */

static const char *const server_alpn[] = { "h2", "http/1.1" };
static const char *const client_alpn[] = { "http/1.1" };
static const uint16_t server_groups[] = { TLSH_GROUP_X25519,
					  TLSH_GROUP_SECP256R1 };

/* Both sides: a seeded random source, the fixed clock, the test CA. */
static void base_config(struct tlsh_config *cfg, struct fz_rng *r,
			uint64_t seed)
{
	memset(cfg, 0, sizeof(*cfg));
	r->s = seed;
	cfg->random = fz_random;
	cfg->random_ctx = r;
	cfg->now = fz_clock;
	cfg->trust = fz_pki()->trust;
}

void fz_server_config(struct tlsh_config *cfg, struct fz_rng *r,
		      unsigned int variant)
{
	const struct fz_pki *pki = fz_pki();

	base_config(cfg, r, FZ_SERVER_SEED);
	cfg->creds = pki->server_creds;
	cfg->n_creds = 2;
	cfg->groups = server_groups;
	cfg->n_groups = 2;
	cfg->alpn = server_alpn;
	cfg->n_alpn = 2;
	cfg->n_tickets = 1;
	cfg->allow_rsa_kx = true;
	if (variant & 1) {
		cfg->verify_client = true;
		cfg->require_client_cert = true;
	}
}

void fz_client_config(struct tlsh_config *cfg, struct fz_rng *r)
{
	const struct fz_pki *pki = fz_pki();

	base_config(cfg, r, FZ_CLIENT_SEED);
	cfg->server_name = "localhost";
	cfg->alpn = client_alpn;
	cfg->n_alpn = 1;
	cfg->cred = &pki->cli;
	cfg->allow_rsa_kx = true;
}

static const uint16_t hrr_groups[] = { TLSH_GROUP_SECP384R1,
				       TLSH_GROUP_X25519 };
static const uint16_t suite_ecdhe_ecdsa[] = {
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 };
static const uint16_t suite_ecdhe_rsa[] = {
	TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 };
static const uint16_t suite_rsa[] = { TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256 };
/* The TLS 1.2 flows: the client offers only this suite. */
static const uint16_t *const suite12[FZ_FLOW_COUNT] = {
	[FZ_FLOW_12_ECDHE] = suite_ecdhe_ecdsa,
	[FZ_FLOW_12_ECDHE_RSA] = suite_ecdhe_rsa,
	[FZ_FLOW_12_RSA] = suite_rsa,
};

void fz_flow_config(struct fz_flow_cfg *f, enum fz_flow flow)
{
	fz_client_config(&f->c, &f->crng);
	fz_server_config(&f->s, &f->srng, flow == FZ_FLOW_13_AUTH);
	if (flow == FZ_FLOW_13_HRR) {
		/* The server has no P-384: the client's one share is refused. */
		f->c.groups = hrr_groups;
		f->c.n_groups = 2;
	} else if (suite12[flow]) {
		f->c.max_version = TLSH_TLS12;
		f->c.suites = suite12[flow];
		f->c.n_suites = 1;
	}
}

/* --------------------------------------------------------------- driving */

static void drain(struct tlsh_conn *c)
{
	size_t n;

	(void)tlsh_conn_output(c, &n);
	tlsh_conn_output_done(c, n);
}

/* Whatever state the engine is in, these must not misbehave. */
static void probe(struct tlsh_conn *c)
{
	struct tlsh_traffic_keys k;
	const char *reason = tlsh_conn_error_reason(c);

	if (reason && strlen(reason) >= 200)
		abort();
	(void)tlsh_conn_version(c);
	(void)tlsh_conn_sigscheme(c);
	if (tlsh_conn_done(c) && !tlsh_conn_error(c)) {
		if (tlsh_conn_export_keys(c, &k))
			abort();	/* done, yet no keys */
		explicit_bzero(&k, sizeof(k));
	}
}

void fz_read_records(struct tlsh_conn *c, const uint8_t *data, size_t len)
{
	uint8_t *rec = malloc(TLSH_REC_HDR + 0x10000);

	if (!rec)
		abort();
	while (len >= TLSH_REC_HDR) {
		size_t n = TLSH_REC_HDR + ((size_t)data[3] << 8 | data[4]);
		const uint8_t *d;
		size_t dlen;
		uint8_t type;

		if (n > len)
			break;
		memcpy(rec, data, n);
		if (tlsh_conn_read_record(c, rec, n, &type, &d, &dlen))
			break;
		if (d < rec || d + dlen > rec + n)
			abort();	/* data outside the record */
		data += n;
		len -= n;
	}
	free(rec);
	drain(c);
	probe(c);
}

void fz_engine_stream(bool server, const uint8_t *data, size_t size)
{
	static const size_t chunks[4] = { 0, 1, 7, 0 };
	struct tlsh_config cfg;
	struct fz_rng r;
	struct tlsh_conn *c;
	size_t n;

	if (size < 1)
		return;
	if (server)
		fz_server_config(&cfg, &r, data[0] & 1);
	else
		fz_client_config(&cfg, &r);
	if (tlsh_conn_new(&c, &cfg, server) || tlsh_conn_start(c))
		__builtin_trap();
	(void)tlsh_conn_output(c, &n);
	tlsh_conn_output_done(c, n);
	fz_feed_stream(c, data + 1, size - 1, chunks[(data[0] >> 1) & 3]);
	tlsh_conn_free(c);
}

size_t fz_feed_stream(struct tlsh_conn *c, const uint8_t *data, size_t len,
		      size_t chunk)
{
	size_t off = 0;

	while (off < len) {
		size_t want = tlsh_conn_want(c), n, used = 0;
		enum tlsh_err err;

		if (!want) {
			/* Nothing wanted: only when done or failed. */
			if (!tlsh_conn_done(c) && !tlsh_conn_error(c))
				abort();
			break;
		}
		n = len - off < want ? len - off : want;
		if (chunk && n > chunk)
			n = chunk;
		err = tlsh_conn_feed(c, data + off, n, &used);
		if (used > n)
			abort();
		off += used;
		drain(c);
		if (err || !used)
			break;
	}
	probe(c);
	if (tlsh_conn_done(c) && !tlsh_conn_error(c))
		fz_read_records(c, data + off, len - off);
	return off;
}

/* Move from's output to `to`, exactly as much as it wants at a time. */
static enum tlsh_err pump(struct tlsh_conn *from, struct tlsh_conn *to,
			  struct fz_buf *cap, size_t *moved)
{
	size_t len, off = 0;
	const uint8_t *out = tlsh_conn_output(from, &len);
	enum tlsh_err err = TLSH_OK;

	while (off < len && tlsh_conn_want(to)) {
		size_t want = tlsh_conn_want(to), used = 0;
		size_t n = len - off < want ? len - off : want;

		err = tlsh_conn_feed(to, out + off, n, &used);
		if (cap)
			fz_buf_put(cap, out + off, used);
		off += used;
		if (err || used != n)
			break;
	}
	tlsh_conn_output_done(from, off);
	*moved = off;
	return err;
}

int fz_pair_run(struct fz_pair *p, const struct tlsh_config *ccfg,
		const struct tlsh_config *scfg,
		const struct tlsh_test_hooks *chooks,
		const struct tlsh_test_hooks *shooks)
{
	p->c = p->s = NULL;
	p->cerr = tlsh_conn_new(&p->c, ccfg, false);
	p->serr = tlsh_conn_new(&p->s, scfg, true);
	if (p->cerr || p->serr) {
		fprintf(stderr, "fuzz: bad configuration\n");
		abort();
	}
	if (chooks)
		tlsh_conn_set_test_hooks(p->c, chooks);
	if (shooks)
		tlsh_conn_set_test_hooks(p->s, shooks);
	p->cerr = tlsh_conn_start(p->c);
	for (int round = 0; round < 20 && !p->cerr && !p->serr; round++) {
		size_t a = 0, b = 0;

		p->serr = pump(p->c, p->s, p->c2s, &a);
		if (p->serr)
			break;
		p->cerr = pump(p->s, p->c, p->s2c, &b);
		if (tlsh_conn_done(p->c) && tlsh_conn_done(p->s))
			break;
		if (!a && !b)
			break;
	}
	/* The alert, if any, reaches the other side. */
	if (p->serr) {
		size_t n;

		p->cerr = pump(p->s, p->c, NULL, &n);
	} else if (p->cerr) {
		size_t n;

		p->serr = pump(p->c, p->s, NULL, &n);
	}
	probe(p->c);
	probe(p->s);
	return tlsh_conn_done(p->c) && tlsh_conn_done(p->s) &&
	       !tlsh_conn_error(p->c) && !tlsh_conn_error(p->s) ? 0 : -1;
}

void fz_pair_free(struct fz_pair *p)
{
	tlsh_conn_free(p->c);
	tlsh_conn_free(p->s);
	p->c = p->s = NULL;
}

/* ------------------------------------------------------ message injection */

const struct fz_inject fz_injections[] = {
	/* Received by the client. */
	{ "sh13", FZ_FLOW_13, true, TLSH_HS_SERVER_HELLO, 0 },
	{ "hrr", FZ_FLOW_13_HRR, true, TLSH_HS_HELLO_RETRY_REQUEST, 0 },
	{ "sh13_after_hrr", FZ_FLOW_13_HRR, true, TLSH_HS_SERVER_HELLO, 0 },
	{ "ee", FZ_FLOW_13, true, TLSH_HS_ENCRYPTED_EXTENSIONS, 0 },
	{ "cr13", FZ_FLOW_13_AUTH, true, TLSH_HS_CERTIFICATE_REQUEST, 0 },
	{ "cert13_server", FZ_FLOW_13, true, TLSH_HS_CERTIFICATE, 0 },
	{ "cv13_server", FZ_FLOW_13, true, TLSH_HS_CERTIFICATE_VERIFY, 0 },
	{ "fin13_server", FZ_FLOW_13, true, TLSH_HS_FINISHED, 0 },
	{ "sh12", FZ_FLOW_12_ECDHE, true, TLSH_HS_SERVER_HELLO, 0 },
	{ "sh12_rsa", FZ_FLOW_12_RSA, true, TLSH_HS_SERVER_HELLO, 0 },
	{ "cert12", FZ_FLOW_12_ECDHE, true, TLSH_HS_CERTIFICATE, 0 },
	{ "ske12_ecdsa", FZ_FLOW_12_ECDHE, true, TLSH_HS_SERVER_KEY_EXCHANGE, 0 },
	{ "ske12_rsa", FZ_FLOW_12_ECDHE_RSA, true, TLSH_HS_SERVER_KEY_EXCHANGE, 0 },
	{ "shd12", FZ_FLOW_12_ECDHE, true, TLSH_HS_SERVER_HELLO_DONE, 0 },
	{ "shd12_rsa", FZ_FLOW_12_RSA, true, TLSH_HS_SERVER_HELLO_DONE, 0 },
	{ "fin12_server", FZ_FLOW_12_ECDHE, true, TLSH_HS_FINISHED, 0 },
	/* Received by the server. */
	{ "ch13", FZ_FLOW_13, false, TLSH_HS_CLIENT_HELLO, 0 },
	{ "ch2", FZ_FLOW_13_HRR, false, TLSH_HS_CLIENT_HELLO, 1 },
	{ "cert13_client", FZ_FLOW_13_AUTH, false, TLSH_HS_CERTIFICATE, 0 },
	{ "cv13_client", FZ_FLOW_13_AUTH, false, TLSH_HS_CERTIFICATE_VERIFY, 0 },
	{ "fin13_client", FZ_FLOW_13, false, TLSH_HS_FINISHED, 0 },
	{ "ch12", FZ_FLOW_12_ECDHE, false, TLSH_HS_CLIENT_HELLO, 0 },
	{ "cke12_ecdhe", FZ_FLOW_12_ECDHE, false, TLSH_HS_CLIENT_KEY_EXCHANGE, 0 },
	{ "cke12_rsa", FZ_FLOW_12_RSA, false, TLSH_HS_CLIENT_KEY_EXCHANGE, 0 },
	{ "fin12_client", FZ_FLOW_12_ECDHE, false, TLSH_HS_FINISHED, 0 },
};
const size_t fz_n_injections = sizeof(fz_injections) / sizeof(fz_injections[0]);

struct inject_state {
	const struct fz_inject *inj;
	const uint8_t *msg;
	size_t len;
	struct fz_buf *orig;
	unsigned int seen[0x200];
	bool done;
};

static void inject_hook(const struct tlsh_conn *c, struct tlsh_wbuf *w,
			size_t mark)
{
	struct inject_state *st = c->hooks->ctx;
	const uint8_t *m = w->buf + mark;
	uint16_t type;

	if (st->done || w->len - mark < TLSH_HS_HDR)
		return;
	type = tlsh_hs_type(m, w->len - mark);
	if (type != st->inj->type || st->seen[type]++ != st->inj->nth)
		return;
	st->done = true;
	if (st->orig) {
		fz_buf_put(st->orig, m, w->len - mark);
		return;
	}
	w->len = mark;
	tlsh_put_bytes(w, st->msg, st->len);
}

static void inject(const struct fz_inject *inj, const uint8_t *msg,
		   size_t len, struct fz_buf *orig)
{
	struct fz_flow_cfg f;
	struct inject_state st = { .inj = inj, .msg = msg, .len = len,
				   .orig = orig };
	struct tlsh_test_hooks h = { .mutate = inject_hook, .ctx = &st };
	struct fz_pair p = { 0 };

	fz_flow_config(&f, inj->flow);
	if (!fz_pair_run(&p, &f.c, &f.s, inj->server_sends ? NULL : &h,
			 inj->server_sends ? &h : NULL)) {
		/* Both done: data must still flow. */
		static const uint8_t hello[] = "hello";
		size_t n;
		const uint8_t *out;

		if (tlsh_conn_write_app(p.c, hello, sizeof(hello)))
			abort();
		out = tlsh_conn_output(p.c, &n);
		fz_read_records(p.s, out, n);
	}
	fz_pair_free(&p);
}

void fz_inject_run(const struct fz_inject *inj, const uint8_t *msg,
		   size_t len)
{
	inject(inj, msg, len, NULL);
}

void fz_inject_capture(const struct fz_inject *inj, struct fz_buf *orig)
{
	inject(inj, NULL, 0, orig);
}

/* ------------------------------------------------------------- records */

void fz_record_dir(struct tlsh_rec_dir *d, unsigned int sel, uint64_t seq)
{
	static const uint16_t ids[FZ_REC_SUITES] = {
		0, TLSH_TLS_AES_128_GCM_SHA256, TLSH_TLS_AES_256_GCM_SHA384,
		TLSH_TLS_CHACHA20_POLY1305_SHA256, TLSH_TLS_AES_128_CCM_SHA256,
		TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		TLSH_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	};
	const struct tlsh_suite *s;
	uint8_t key[32], iv[12];

	memset(d, 0, sizeof(*d));
	s = tlsh_suite_by_id(ids[sel % FZ_REC_SUITES]);
	if (!s)
		return;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x40 + i);
	for (size_t i = 0; i < sizeof(iv); i++)
		iv[i] = (uint8_t)(0xa0 + i);
	/* TLS 1.2 GCM: a 4-byte implicit salt, then zeros. */
	if (tlsh_suite_is12(s) && s->fixed_iv_len == 4)
		memset(iv + 4, 0, sizeof(iv) - 4);
	tlsh_rec_set_key(d, s, key, iv, seq);
}
