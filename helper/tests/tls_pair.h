/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client and a server engine talking over memory: deterministic
 * randomness, credentials from the test PKI (tls_pki.h), a pump that feeds
 * exactly what tlsh_conn_want asks, and a check that the exported keys
 * agree and carry data both ways.
 */
#ifndef TLSH_TESTS_TLS_PAIR_H
#define TLSH_TESTS_TLS_PAIR_H

#include <string.h>

#include <nettle/sha2.h>

#include "tls/conn.h"
#include "tls/engine.h"
#include "tls/kex.h"
#include "tls/record.h"
#include "tls_pki.h"

/* Deterministic randomness: SHA-256 in counter mode over a seed. */
struct rng {
	uint8_t seed;
	uint64_t ctr;
};

static inline void rng_fill(void *ctx, size_t len, uint8_t *dst)
{
	struct rng *r = ctx;

	while (len) {
		struct sha256_ctx h;
		uint8_t block[SHA256_DIGEST_SIZE];
		size_t n = len < sizeof(block) ? len : sizeof(block);

		sha256_init(&h);
		sha256_update(&h, 1, &r->seed);
		sha256_update(&h, sizeof(r->ctr), (uint8_t *)&r->ctr);
		sha256_digest(&h, sizeof(block), block);
		r->ctr++;
		memcpy(dst, block, n);
		dst += n;
		len -= n;
	}
}

/* Point a config's list at an array and set its count. */
#define SET_LIST(cfg, field, array) do { \
	_Static_assert(!__builtin_types_compatible_p(__typeof__(array), \
						     __typeof__(&(array)[0])), \
		       "SET_LIST wants an array, not a pointer"); \
	(cfg).field = (array); \
	(cfg).n_##field = sizeof(array) / sizeof((array)[0]); \
} while (0)

#define PAIR_MAX_CREDS 6

struct pair {
	struct rng crng, srng;
	struct tlsh_config ccfg, scfg;
	struct tlsh_cred creds[PAIR_MAX_CREDS];
	const struct tlsh_cred *cred_ptrs[PAIR_MAX_CREDS];
	size_t n_creds;
	struct tlsh_cred client_cred;
	gnutls_x509_trust_list_t trust;
	struct tlsh_conn *c, *s;
	enum tlsh_err cerr, serr;
};

static inline gnutls_x509_trust_list_t load_trust(const char *ca)
{
	gnutls_x509_trust_list_t t;

	if (tlsh_trust_load(&t, ca))
		return NULL;
	return t;
}

static inline int load_cred(struct tlsh_cred *cred, const char *name)
{
	char crt[64], key[64];

	snprintf(crt, sizeof(crt), "%s.pem", name);
	snprintf(key, sizeof(key), "%s.key", name);
	return tlsh_cred_load(cred, pki_path(crt), pki_path(key)) ? -1 : 0;
}

/* Another server credential; the config then uses the creds array. */
static inline int pair_add_cred(struct pair *p, const char *name)
{
	if (p->n_creds == PAIR_MAX_CREDS ||
	    load_cred(&p->creds[p->n_creds], name))
		return -1;
	p->cred_ptrs[p->n_creds] = &p->creds[p->n_creds];
	p->n_creds++;
	p->scfg.cred = NULL;
	p->scfg.creds = p->cred_ptrs;
	p->scfg.n_creds = p->n_creds;
	return 0;
}

/* server_cert: the PKI name of the server's credential (the single form). */
static inline int pair_init(struct pair *p, const char *server_cert)
{
	memset(p, 0, sizeof(*p));
	if (!pki_make())
		return -1;
	if (load_cred(&p->creds[0], server_cert) ||
	    load_cred(&p->client_cred, "cli"))
		return -1;
	p->n_creds = 1;
	p->cred_ptrs[0] = &p->creds[0];
	p->trust = load_trust(pki_path("cas.pem"));
	if (!p->trust)
		return -1;
	p->crng.seed = 1;
	p->srng.seed = 2;
	p->ccfg.random = rng_fill;
	p->ccfg.random_ctx = &p->crng;
	p->ccfg.trust = p->trust;
	p->ccfg.server_name = "localhost";
	p->scfg.random = rng_fill;
	p->scfg.random_ctx = &p->srng;
	p->scfg.cred = &p->creds[0];
	p->scfg.trust = p->trust;
	return 0;
}

static inline void pair_free(struct pair *p)
{
	tlsh_conn_free(p->c);
	tlsh_conn_free(p->s);
	for (size_t i = 0; i < p->n_creds; i++)
		tlsh_cred_free(&p->creds[i]);
	tlsh_cred_free(&p->client_cred);
	if (p->trust)
		gnutls_x509_trust_list_deinit(p->trust, 1);
}

/* Move from's output to the peer, fed exactly as tlsh_conn_want asks. */
static inline enum tlsh_err pump(struct tlsh_conn *from, struct tlsh_conn *to,
			  size_t *moved)
{
	size_t len, used;
	const uint8_t *out = tlsh_conn_output(from, &len);
	size_t off = 0;
	enum tlsh_err err = TLSH_OK;

	while (off < len && tlsh_conn_want(to)) {
		size_t want = tlsh_conn_want(to);
		size_t n = len - off < want ? len - off : want;

		err = tlsh_conn_feed(to, out + off, n, &used);
		off += used;
		if (err || used != n)
			break;
	}
	*moved = off;
	tlsh_conn_output_done(from, off);
	return err;
}

/* Create both ends (the hooks, if any, go on after this). */
static inline int pair_start(struct pair *p)
{
	if (tlsh_conn_new(&p->c, &p->ccfg, false) ||
	    tlsh_conn_new(&p->s, &p->scfg, true))
		return -1;
	return 0;
}

/* Move records both ways until both are done; 0 when they are. */
static inline int pair_pump(struct pair *p)
{
	for (int round = 0; round < 20 && !p->cerr && !p->serr; round++) {
		size_t a = 0, b = 0;

		p->serr = pump(p->c, p->s, &a);
		if (p->serr)
			break;
		p->cerr = pump(p->s, p->c, &b);
		if (tlsh_conn_done(p->c) && tlsh_conn_done(p->s))
			return 0;
		if (!a && !b)
			break;
	}
	/* Deliver a final alert, if any, so the peer sees it. */
	if (p->serr) {
		size_t n;

		p->cerr = pump(p->s, p->c, &n);
	} else if (p->cerr) {
		size_t n;

		p->serr = pump(p->c, p->s, &n);
	}
	return -1;
}

/* Run the started handshake; 0 when both sides completed. */
static inline int pair_run(struct pair *p)
{
	p->cerr = tlsh_conn_start(p->c);
	return pair_pump(p);
}

static inline int run(struct pair *p)
{
	if (pair_start(p))
		return -1;
	return pair_run(p);
}

/* Both sides complete the handshake, or the test fails naming both errors. */
static inline void run_ok(struct __test_metadata *_metadata, struct pair *p)
{
	ASSERT_EQ(0, run(p)) {
		TH_LOG("client %s (%s), server %s (%s)", tlsh_err_str(p->cerr),
		       tlsh_conn_error_reason(p->c) ?: "-",
		       tlsh_err_str(p->serr),
		       tlsh_conn_error_reason(p->s) ?: "-");
	}
}

/*
 * A client_hello_ext hook: psk_key_exchange_modes = { psk_dhe_ke }, a
 * client that allows tickets (the engine adds its own extensions after).
 */
static inline bool add_psk_modes(const struct tlsh_conn *c,
				 struct tlsh_wbuf *w)
{
	static const uint8_t ext[] = { 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01 };

	(void)c;
	tlsh_put_bytes(w, ext, sizeof(ext));
	return false;
}

/*
 * Start both sides, give the client the test hooks h, run the handshake:
 * pair_run's result.
 */
static inline int run_hooked(struct __test_metadata *_metadata,
			     struct pair *p, const struct tlsh_test_hooks *h)
{
	ASSERT_EQ(0, pair_start(p));
	tlsh_conn_set_test_hooks(p->c, h);
	return pair_run(p);
}

/* Unprotect one record of from's output at the peer. */
static inline enum tlsh_err deliver_record(struct tlsh_conn *from,
				    struct tlsh_conn *to, uint8_t *type,
				    uint8_t *data, size_t *dlen)
{
	uint8_t rec[TLSH_REC_HDR + TLSH_MAX_CIPHERTEXT];
	const uint8_t *out = tlsh_conn_output(from, dlen), *d;
	size_t len;
	enum tlsh_err err;

	if (*dlen < TLSH_REC_HDR)
		return TLSH_ERR_STATE;
	len = TLSH_REC_HDR + ((size_t)out[3] << 8 | out[4]);
	memcpy(rec, out, len);
	tlsh_conn_output_done(from, len);
	err = tlsh_conn_read_record(to, rec, len, type, &d, dlen);
	if (!err)
		memcpy(data, d, *dlen);
	return err;
}

/* The alert the sender received, delivered as a record if it is done. */
static inline enum tlsh_err sender_saw(struct tlsh_conn *sender,
				       struct tlsh_conn *receiver)
{
	uint8_t type, data[64];
	size_t len;

	if (!tlsh_conn_done(sender))
		return tlsh_conn_error(sender);
	(void)tlsh_conn_output(receiver, &len);
	if (!len)
		return TLSH_OK;
	return deliver_record(receiver, sender, &type, data, &len);
}

/*
 * A handshake message damaged on its way from sender to receiver: the
 * receiver failed with want, the sender got its alert, and neither exports
 * keys (but a sender already done, as a TLS 1.3 client is once its
 * Finished is out).
 */
static inline void expect_damage_stopped(struct __test_metadata *_metadata,
					 const char *name,
					 struct tlsh_conn *sender,
					 struct tlsh_conn *receiver,
					 enum tlsh_err want)
{
	struct tlsh_traffic_keys k;
	enum tlsh_err got = tlsh_conn_error(receiver);

	EXPECT_EQ(want, got) {
		TH_LOG("%s: got %s (%s)", name, tlsh_err_str(got),
		       tlsh_conn_error_reason(receiver) ?: "-");
	}
	EXPECT_EQ(tlsh_err_peer_alert(tlsh_err_alert(want)),
		  sender_saw(sender, receiver)) {
		TH_LOG("%s: sender saw %s", name,
		       tlsh_conn_error_reason(sender) ?: "-");
	}
	EXPECT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(receiver, &k));
	if (!tlsh_conn_done(sender))
		EXPECT_EQ(TLSH_ERR_STATE, tlsh_conn_export_keys(sender, &k));
}

/* Both sides export keys of this version that agree crosswise (else < 0). */
static inline int keys_agree(struct pair *p, uint16_t version,
			     struct tlsh_traffic_keys *ck,
			     struct tlsh_traffic_keys *sk)
{
	if (tlsh_conn_export_keys(p->c, ck) || tlsh_conn_export_keys(p->s, sk))
		return -1;
	if (memcmp(&ck->tx, &sk->rx, sizeof(ck->tx)) ||
	    memcmp(&ck->rx, &sk->tx, sizeof(ck->rx)) || ck->aead != sk->aead ||
	    ck->version != version || sk->version != version)
		return -2;
	return 0;
}

/* Keys agree crosswise, and data flows both ways through them. */
static inline int check_traffic(struct pair *p)
{
	struct tlsh_traffic_keys ck, sk;
	uint8_t msg[100], got[TLSH_MAX_CIPHERTEXT];
	size_t len, dlen;
	uint8_t type;
	int rc = keys_agree(p, TLSH_TLS13, &ck, &sk);

	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	if (tlsh_conn_write_app(p->c, msg, sizeof(msg)))
		return -3;
	if (deliver_record(p->c, p->s, &type, got, &dlen) ||
	    dlen != sizeof(msg) || memcmp(got, msg, dlen))
		return -4;
	if (tlsh_conn_write_app(p->s, msg, 10))
		return -5;
	if (deliver_record(p->s, p->c, &type, got, &dlen) ||
	    dlen != 10 || memcmp(got, msg, dlen))
		return -6;
	(void)tlsh_conn_output(p->s, &len);
	return len ? -7 : 0;
}

/* The end of a TLS 1.3 test whose handshake succeeded. */
static inline void check_traffic_and_free(struct __test_metadata *_metadata,
					  struct pair *p)
{
	ASSERT_EQ(0, check_traffic(p));
	pair_free(p);
}

#endif
