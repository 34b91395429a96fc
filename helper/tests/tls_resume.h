/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The resumption rig of tls_resume.c (TLS 1.3) and tls12_resume.c: a pair
 * with its own clocks, two ticket keys and the client's last session.
 */
#ifndef TLSH_TESTS_TLS_RESUME_H
#define TLSH_TESTS_TLS_RESUME_H

#include <string.h>

#include "tls12_pair.h"
#include "tls/conn.h"

struct clock {
	time_t t;
};

static inline time_t clock_now(void *ctx)
{
	return ((struct clock *)ctx)->t;
}

/* The last session the client was given. */
struct saved {
	uint8_t buf[4096];
	size_t len;
	unsigned int count;
};

static inline void save_session(void *ctx, const uint8_t *s, size_t len)
{
	struct saved *sv = ctx;

	if (len <= sizeof(sv->buf)) {
		memcpy(sv->buf, s, len);
		sv->len = len;
		sv->count++;
	}
}

static inline void key_from_byte(uint8_t b, struct tlsh_ticket_key *k)
{
	uint8_t raw[TLSH_TICKET_KEY_FILE_LEN];

	memset(raw, b, sizeof(raw));
	tlsh_ticket_key_derive(raw, k);
}

struct rig {
	struct pair p;
	struct clock cclk, sclk;
	struct saved sv;
	struct tlsh_ticket_key keys[2];
};

/*
 * A pair (server certificate cert) with a clock, ticket keys (first: key
 * A) and a session sink.
 */
static inline int rig_init_cert(struct rig *r, const char *cert)
{
	memset(r, 0, sizeof(*r));
	if (pair_init(&r->p, cert))
		return -1;
	/* Now: the test certificates are valid for a year from their making. */
	r->cclk.t = r->sclk.t = time(NULL);
	r->p.ccfg.now = clock_now;
	r->p.ccfg.now_ctx = &r->cclk;
	r->p.scfg.now = clock_now;
	r->p.scfg.now_ctx = &r->sclk;
	r->p.ccfg.on_session = save_session;
	r->p.ccfg.session_ctx = &r->sv;
	key_from_byte('A', &r->keys[0]);
	key_from_byte('B', &r->keys[1]);
	r->p.scfg.ticket_keys = r->keys;
	r->p.scfg.n_ticket_keys = 1;
	r->p.scfg.n_tickets = 2;
	r->p.scfg.ticket_lifetime = 3600;
	return 0;
}

static inline int rig_init(struct rig *r)
{
	return rig_init_cert(r, "ec");
}

/* The tickets after a handshake reach the client's record layer. */
static inline int take_tickets(struct pair *p)
{
	uint8_t type, data[TLSH_MAX_CIPHERTEXT];
	size_t dlen, out;

	for (;;) {
		(void)tlsh_conn_output(p->s, &out);
		if (!out)
			return 0;
		if (deliver_record(p->s, p->c, &type, data, &dlen) ||
		    type != TLSH_CT_HANDSHAKE)
			return -1;
	}
}

static inline void next_conn(struct rig *r)
{
	tlsh_conn_free(r->p.c);
	tlsh_conn_free(r->p.s);
	r->p.c = r->p.s = NULL;
	r->p.cerr = r->p.serr = TLSH_OK;
	r->p.ccfg.session = r->sv.buf;
	r->p.ccfg.session_len = r->sv.len;
}

/*
 * A full handshake that leaves a session (TLS 1.3: two tickets after it;
 * TLS 1.2, when the client offers nothing else: one within it), data both
 * ways; then the next connection set up.
 */
static inline int first(struct rig *r)
{
	bool v12 = r->p.ccfg.max_version == TLSH_TLS12;

	if (run(&r->p) || take_tickets(&r->p) ||
	    (v12 ? check_traffic12(&r->p) : check_traffic(&r->p)) ||
	    r->sv.count != (v12 ? 1u : 2u) ||
	    tlsh_conn_version(r->p.c) != (v12 ? TLSH_TLS12 : TLSH_TLS13) ||
	    tlsh_conn_psk(r->p.c) != TLSH_PSK_NONE ||
	    tlsh_conn_psk(r->p.s) != TLSH_PSK_NONE ||
	    tlsh_conn_peer_certs(r->p.c) != 1)
		return -1;
	next_conn(r);
	return 0;
}

/* The next handshake: how the server keyed it, or -1 if it failed. */
static inline int again(struct rig *r)
{
	if (run(&r->p))
		return -1;
	return (int)tlsh_conn_psk(r->p.s);
}

/* Replace the 9-byte name "localhost" in the session with another. */
static inline int rename_session(struct saved *sv, const char *name)
{
	for (size_t i = 0; i + 9 <= sv->len; i++) {
		if (!memcmp(sv->buf + i, "localhost", 9)) {
			memcpy(sv->buf + i, name, 9);
			return 0;
		}
	}
	return -1;
}

#endif
