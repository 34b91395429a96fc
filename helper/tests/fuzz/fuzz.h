/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the fuzz targets, the seed corpus generator and the regression
 * runner: deterministic randomness and clock, the test PKI (made by pki.sh,
 * with fixed validity dates), the configurations the engine targets use,
 * a feeding loop that honours tlsh_conn_want, and an in-memory client /
 * server pair whose traffic can be captured or whose messages can be
 * replaced on the way out.
 *
 * Everything a target does is a function of its input: the same bytes
 * reproduce the same run.
 */
#ifndef TLSH_FUZZ_H
#define TLSH_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/conn.h"

/*
 * A record direction for the record target and its seeds: sel % 8 picks
 * none, the four TLS 1.3 suites, or TLS 1.2 AES-128-GCM, AES-256-GCM,
 * ChaCha20-Poly1305; fixed key and IV, the given sequence number.
 */
#define FZ_REC_SUITES 8
void fz_record_dir(struct tlsh_rec_dir *d, unsigned int sel, uint64_t seq);

/* libFuzzer's entry point, implemented once per target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* splitmix64: cheap, and every byte depends only on the seed. */
struct fz_rng {
	uint64_t s;
};

void fz_random(void *ctx, size_t len, uint8_t *dst);
uint64_t fz_next(struct fz_rng *r);

/* The fixed clock: 2030-01-01, inside every pki.sh validity period. */
#define FZ_NOW ((time_t)1893456000)

/* A growable byte buffer (captures, corpus entries). */
struct fz_buf {
	uint8_t *p;
	size_t len, cap;
};

void fz_buf_put(struct fz_buf *b, const void *p, size_t n);
void fz_buf_free(struct fz_buf *b);

/*
 * The PKI, loaded once from $TLSH_FUZZ_PKI or the directory compiled in as
 * TLSH_FUZZ_PKI_DIR: a trusted ECDSA CA, server credentials "ec" (ECDSA
 * P-256) and "rsa" (RSA 2048), client credential "cli". Exits on failure.
 */
struct fz_pki {
	gnutls_x509_trust_list_t trust;
	struct tlsh_cred ec, rsa, cli;
	const struct tlsh_cred *server_creds[2];
};

const struct fz_pki *fz_pki(void);

/*
 * The engine targets' own configurations. Server: credentials ec then
 * rsa, groups X25519 and P-256, ALPN h2 / http/1.1, one ticket, RSA key
 * transport allowed; variant 1 requires a client certificate (TLS 1.3
 * only). Client: default suites and groups, SNI localhost, ALPN http/1.1,
 * the cli credential, RSA key transport allowed.
 */
#define FZ_SERVER_SEED 0x5e5e
#define FZ_CLIENT_SEED 0xc1c1
void fz_server_config(struct tlsh_config *cfg, struct fz_rng *r,
		      unsigned int variant);
void fz_client_config(struct tlsh_config *cfg, struct fz_rng *r);

/*
 * Feed a byte stream to c as a driver would: never more than
 * tlsh_conn_want asks, at most chunk bytes at a time (0: no limit), the
 * output drained. After the handshake, whole records go to
 * tlsh_conn_read_record. Returns the bytes consumed.
 */
size_t fz_feed_stream(struct tlsh_conn *c, const uint8_t *data, size_t len,
		      size_t chunk);
/*
 * The whole engine (a client: its ClientHello sent; a server: the
 * fz_server_config variant data[0] bit 0) fed data[1..] as its peer's byte
 * stream, in the chunks data[0] bits 1-2 choose (0 and 3: as much as
 * wanted, 1: one byte at a time, 2: seven at a time).
 */
void fz_engine_stream(bool server, const uint8_t *data, size_t size);

/*
 * Records after the handshake: each read with tlsh_conn_read_record (a
 * truncated last one is dropped).
 */
void fz_read_records(struct tlsh_conn *c, const uint8_t *data, size_t len);

/*
 * A handshake between two configured engines over memory. Optional:
 * hooks for either side, captures of what each side consumed (c2s: the
 * client's bytes the server read; s2c the other way).
 */
struct fz_pair {
	struct tlsh_conn *c, *s;
	enum tlsh_err cerr, serr;
	struct fz_buf *c2s, *s2c;
};

/* 0 if both ends completed the handshake. */
int fz_pair_run(struct fz_pair *p, const struct tlsh_config *ccfg,
		const struct tlsh_config *scfg,
		const struct tlsh_test_hooks *chooks,
		const struct tlsh_test_hooks *shooks);
void fz_pair_free(struct fz_pair *p);

/*
 * Handshake flows used by the message injection targets and the corpus
 * generator: the peer configurations that make each message appear.
 */
enum fz_flow {
	FZ_FLOW_13,		/* TLS 1.3, 1-RTT */
	FZ_FLOW_13_HRR,		/* TLS 1.3 with HelloRetryRequest */
	FZ_FLOW_13_AUTH,	/* TLS 1.3 with client authentication */
	FZ_FLOW_12_ECDHE,	/* TLS 1.2 ECDHE_ECDSA */
	FZ_FLOW_12_RSA,		/* TLS 1.2 RSA key transport */
	FZ_FLOW_12_ECDHE_RSA,	/* TLS 1.2 ECDHE_RSA (RSA signature in SKE) */
	FZ_FLOW_COUNT
};

struct fz_flow_cfg {
	struct fz_rng crng, srng;
	struct tlsh_config c, s;
};

void fz_flow_config(struct fz_flow_cfg *f, enum fz_flow flow);

/*
 * A message to replace: which side sends it, in which flow, its type
 * (TLSH_HS_*, TLSH_HS_HELLO_RETRY_REQUEST) and which occurrence (0: the
 * first).
 */
struct fz_inject {
	const char *name;
	enum fz_flow flow;
	bool server_sends;
	uint16_t type;
	unsigned int nth;
};

extern const struct fz_inject fz_injections[];
extern const size_t fz_n_injections;

/*
 * Run the handshake of inj's flow with the message replaced by msg (whole
 * handshake messages: header and body, any number of them, or nothing).
 */
void fz_inject_run(const struct fz_inject *inj, const uint8_t *msg,
		   size_t len);
/* The same with the original message captured into orig (for seeds). */
void fz_inject_capture(const struct fz_inject *inj, struct fz_buf *orig);

#endif
