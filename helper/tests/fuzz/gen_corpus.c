// SPDX-License-Identifier: GPL-2.0
/*
 * The seed corpus, from real in-process handshakes (TLS 1.3, HRR, client
 * auth, TLS 1.2 ECDHE and RSA key transport) with the targets' own
 * configurations, PKI and fixed randomness, so that the engine seeds
 * replay to completion:
 *   gen_corpus OUTDIR     writes OUTDIR/TARGET/NAME for every target
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "tls/kex.h"
#include "tls/suite.h"

static const char *outdir;

static void seed(const char *target, const char *name, int prefix,
		 const uint8_t *p, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	if (prefix >= 0)
		fputc(prefix, f);
	if (len)
		fwrite(p, 1, len, f);
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
}

static const struct fz_inject *injection(const char *name)
{
	for (size_t i = 0; i < fz_n_injections; i++)
		if (!strcmp(fz_injections[i].name, name))
			return &fz_injections[i];
	fprintf(stderr, "gen_corpus: no injection %s\n", name);
	exit(1);
}

/* The original message (header included) of an injection point. */
static struct fz_buf message(const char *name)
{
	struct fz_buf b = { 0 };

	fz_inject_capture(injection(name), &b);
	if (b.len < TLSH_HS_HDR) {
		fprintf(stderr, "gen_corpus: %s was not sent\n", name);
		exit(1);
	}
	return b;
}

/* Its index in an injection target's name list. */
static int pick(const char *const *names, const char *name)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return i;
	exit(1);
}

static const char *const to_client[] = {
	"sh13", "hrr", "sh13_after_hrr", "ee", "cr13", "cert13_server",
	"cv13_server", "fin13_server", "sh12", "sh12_rsa", "cert12",
	"ske12_ecdsa", "ske12_rsa", "shd12", "shd12_rsa", "fin12_server",
	NULL
};
static const char *const to_server[] = {
	"ch13", "ch2", "cert13_client", "cv13_client", "fin13_client",
	"ch12", "cke12_ecdhe", "cke12_rsa", "fin12_client", NULL
};

/* Message parser seeds: the bodies; injection seeds: whole messages. */
static void messages(void)
{
	static const struct { const char *inj, *target; } bodies[] = {
		{ "ch13", "client_hello" }, { "ch2", "client_hello" },
		{ "ch12", "client_hello" },
		{ "sh13", "server_hello" }, { "hrr", "server_hello" },
		{ "sh13_after_hrr", "server_hello" },
		{ "sh12", "server_hello" }, { "sh12_rsa", "server_hello" },
		{ "ee", "encrypted_extensions" },
		{ "cert13_server", "certificate" },
		{ "cert13_client", "certificate" },
		{ "cr13", "certificate_request" },
		{ "cv13_server", "certificate_verify" },
		{ "cv13_client", "certificate_verify" },
	};
	static const char *const ske[] = { "ske12_ecdsa", "ske12_rsa", NULL };
	static const char *const cke[] = { "cke12_ecdhe", "cke12_rsa", NULL };
	static const char *const cert12[] = { "cert12", NULL };
	static const struct { const char *target, *const *names; } sets[] = {
		{ "tls12_server_key_exchange", ske },
		{ "tls12_client_key_exchange", cke },
		{ "tls12_certificate", cert12 },
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct fz_buf b = message(bodies[i].inj);

		seed(bodies[i].target, bodies[i].inj, -1, b.p + TLSH_HS_HDR,
		     b.len - TLSH_HS_HDR);
		fz_buf_free(&b);
	}
	for (int i = 0; to_client[i]; i++) {
		struct fz_buf b = message(to_client[i]);

		seed("to_client", to_client[i], i, b.p, b.len);
		fz_buf_free(&b);
	}
	for (int i = 0; to_server[i]; i++) {
		struct fz_buf b = message(to_server[i]);

		seed("to_server", to_server[i], i, b.p, b.len);
		fz_buf_free(&b);
	}
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		for (int k = 0; sets[i].names[k]; k++) {
			struct fz_buf b = message(sets[i].names[k]);

			seed(sets[i].target, sets[i].names[k],
			     pick(sets[i].names, sets[i].names[k]), b.p, b.len);
			fz_buf_free(&b);
		}
	}
}

/* Hand-made messages the engine never sends. */
static void crafted(void)
{
	/* NewSessionTicket: lifetime, age_add, nonce, ticket, early_data. */
	static const uint8_t nst[] = {
		0, 0, 0x1c, 0x20, 1, 2, 3, 4, 2, 0, 1, 0, 4, 't', 'i', 'c', 'k',
		0, 8, 0, 42, 0, 4, 0, 0, 0x40, 0,
	};
	static const uint8_t nst_plain[] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xee, 0, 0,
	};
	/* TLS 1.2 CertificateRequest (ecdsa_sign, rsa_sign; two schemes;
	 * no CAs) then ServerHelloDone. */
	static const uint8_t cr12[] = {
		13, 0, 0, 11, 2, 64, 1, 0, 4, 4, 3, 8, 4, 0, 0,
		14, 0, 0, 0,
	};
	/* Post-handshake: raw messages, then records. */
	static const uint8_t key_update[] = { 24, 0, 0, 1, 0 };
	static const uint8_t hello_request[] = { 0, 0, 0, 0 };
	static const uint8_t nst_msg_hdr[] = { 4, 0, 0, sizeof(nst) };
	static const uint8_t alert_close[] = { 21, 2, 1, 0 };
	static const uint8_t alert_fatal[] = { 21, 2, 2, 40 };
	static const uint8_t data_rec[] = { 23, 5, 'h', 'e', 'l', 'l', 'o' };
	uint8_t buf[256];
	size_t n;

	seed("new_session_ticket", "nst", -1, nst, sizeof(nst));
	seed("new_session_ticket", "nst_plain", -1, nst_plain,
	     sizeof(nst_plain));
	seed("tls12_certificate_request", "cr12_ecdhe", 0, cr12, sizeof(cr12));
	seed("tls12_certificate_request", "cr12_rsa", 1, cr12, sizeof(cr12));
	seed("to_client", "cr12", pick(to_client, "shd12"), cr12, sizeof(cr12));

	memcpy(buf, nst_msg_hdr, 4);
	memcpy(buf + 4, nst, sizeof(nst));
	n = 4 + sizeof(nst);
	/* data[0] mode, data[1] split point, then the bytes. */
	{
		uint8_t in[300];

		in[0] = 0;
		in[1] = 10;
		memcpy(in + 2, buf, n);
		seed("post_handshake", "nst13_split", -1, in, n + 2);
		in[1] = 2;
		memcpy(in + 2, key_update, sizeof(key_update));
		seed("post_handshake", "key_update13", -1, in,
		     2 + sizeof(key_update));
		in[0] = 1;
		memcpy(in + 2, hello_request, sizeof(hello_request));
		seed("post_handshake", "hello_request12", -1, in,
		     2 + sizeof(hello_request));
		in[0] = 4;	/* records, TLS 1.3, to the client */
		in[1] = 0;
		in[2] = 22;
		in[3] = (uint8_t)n;
		memcpy(in + 4, buf, n);
		memcpy(in + 4 + n, data_rec, sizeof(data_rec));
		memcpy(in + 4 + n + sizeof(data_rec), alert_close,
		       sizeof(alert_close));
		seed("post_handshake", "records13", -1, in,
		     4 + n + sizeof(data_rec) + sizeof(alert_close));
		in[0] = 7;	/* records, TLS 1.2, to the server */
		memcpy(in + 2, data_rec, sizeof(data_rec));
		memcpy(in + 2 + sizeof(data_rec), alert_fatal,
		       sizeof(alert_fatal));
		seed("post_handshake", "records12", -1, in,
		     2 + sizeof(data_rec) + sizeof(alert_fatal));
	}
}

/* Extension blocks cut out of real hellos, for each message kind. */
static void extensions(void)
{
	struct fz_buf ch = message("ch13"), sh = message("sh13"),
		      ee = message("ee"), cr = message("cr13"),
		      sh12 = message("sh12"), hrr = message("hrr");
	struct tlsh_client_hello chv;
	const uint8_t *b;
	size_t off;

	if (tlsh_parse_client_hello(ch.p + 4, ch.len - 4, &chv))
		exit(1);
	b = chv.comp.end;
	seed("extensions", "ch", 0, b, (size_t)(ch.p + ch.len - b));
	/* ServerHello: version, random, session id, suite, compression. */
	off = 4 + 2 + 32 + 1 + sh.p[4 + 34] + 3;
	seed("extensions", "sh", 1, sh.p + off, sh.len - off);
	off = 4 + 2 + 32 + 1 + hrr.p[4 + 34] + 3;
	seed("extensions", "hrr", 2, hrr.p + off, hrr.len - off);
	seed("extensions", "ee", 3, ee.p + 4, ee.len - 4);
	off = 4 + 1 + cr.p[4];
	seed("extensions", "cr", 5, cr.p + off, cr.len - off);
	off = 4 + 2 + 32 + 1 + sh12.p[4 + 34] + 3;
	seed("extensions", "sh12", 7, sh12.p + off, sh12.len - off);
	fz_buf_free(&ch);
	fz_buf_free(&sh);
	fz_buf_free(&ee);
	fz_buf_free(&cr);
	fz_buf_free(&sh12);
	fz_buf_free(&hrr);
}

static void records(void)
{
	static const uint8_t content[] = "GET / HTTP/1.1\r\n\r\n";

	for (unsigned int sel = 0; sel < FZ_REC_SUITES; sel++) {
		for (uint8_t type = TLSH_CT_ALERT; type <= 23; type++) {
			struct tlsh_rec_dir d;
			struct tlsh_wbuf w;
			uint8_t in[64];
			char name[32];

			fz_record_dir(&d, sel, 3);
			tlsh_wbuf_heap(&w);
			if (tlsh_rec_seal(&d, type, content, sizeof(content),
					  type == 23 ? 5 : 0, &w))
				exit(1);
			in[0] = (uint8_t)sel;
			snprintf(name, sizeof(name), "open-%u-%u", sel, type);
			/* prefix byte, then the sequence number byte */
			{
				uint8_t *rec = malloc(w.len + 1);

				rec[0] = 3;
				memcpy(rec + 1, w.buf, w.len);
				seed("record", name, in[0], rec, w.len + 1);
				free(rec);
			}
			in[1] = 3;
			in[2] = type - TLSH_CT_ALERT;
			in[3] = type == 23 ? 5 : 0;
			memcpy(in + 4, content, sizeof(content));
			snprintf(name, sizeof(name), "seal-%u-%u", sel, type);
			seed("record", name, in[0] | 8, in + 1,
			     3 + sizeof(content));
			tlsh_wbuf_free(&w);
			tlsh_rec_wipe(&d);
		}
	}
}

/* Stream i's varied peer: 1 HRR (to these groups), 3-5 TLS 1.2, 6 ChaCha. */
static void vary_peer(struct tlsh_config *x, size_t i, const uint16_t *hrr,
		      size_t n_hrr)
{
	static const uint16_t s12[] = {
		TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 };
	static const uint16_t s12rsa[] = {
		TLSH_TLS_RSA_WITH_AES_256_GCM_SHA384 };
	static const uint16_t s12chacha[] = {
		TLSH_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 };
	static const uint16_t s13chacha[] = {
		TLSH_TLS_CHACHA20_POLY1305_SHA256 };
	static const uint16_t *const suite[] = {
		[3] = s12, [4] = s12rsa, [5] = s12chacha, [6] = s13chacha,
	};

	if (i == 1) {
		x->groups = hrr;
		x->n_groups = n_hrr;
	}
	if (i >= 3 && i <= 5)
		x->max_version = TLSH_TLS12;
	if (i < sizeof(suite) / sizeof(suite[0]) && suite[i]) {
		x->suites = suite[i];
		x->n_suites = 1;
	}
}

/*
 * One complete handshake, then application data from the peer: what the
 * target ("client" or "server") reads, seeded as name.
 */
static void stream(const char *target, const char *name, int flags,
		   const struct tlsh_config *ccfg,
		   const struct tlsh_config *scfg)
{
	static const uint8_t hello[] = "hello, client";
	bool server = !strcmp(target, "server");
	struct fz_buf c2s = { 0 }, s2c = { 0 };
	struct fz_buf *in = server ? &c2s : &s2c;
	struct fz_pair p = { .c2s = &c2s, .s2c = &s2c };
	const char *why;
	const uint8_t *out;
	size_t n;

	if (fz_pair_run(&p, ccfg, scfg, NULL, NULL)) {
		why = tlsh_conn_error_reason(server ? p.s : p.c);
		fprintf(stderr, "gen_corpus: %s handshake failed (%s)\n",
			name, why ? why : "?");
		exit(1);
	}
	if (tlsh_conn_write_app(server ? p.c : p.s, hello, sizeof(hello)))
		exit(1);
	out = tlsh_conn_output(server ? p.c : p.s, &n);
	fz_buf_put(in, out, n);
	seed(target, name, flags, in->p, in->len);
	fz_pair_free(&p);
	fz_buf_free(&c2s);
	fz_buf_free(&s2c);
}

/*
 * Whole streams: what the client target's client and the server
 * target's server read in complete handshakes.
 */
static void streams(void)
{
	static const uint16_t p256[] = { TLSH_GROUP_SECP256R1 };
	static const uint16_t hrr_groups[] = { TLSH_GROUP_SECP384R1,
					       TLSH_GROUP_X25519 };
	static const char *const names[] = {
		"tls13", "hrr", "auth", "tls12", "tls12_rsa", "tls12_chacha",
		"tls13_chacha",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct fz_rng cr, sr, xr;
		struct tlsh_config ccfg, scfg, xcfg;
		unsigned int variant = i == 2;

		/* Client target's client against a varied server. */
		fz_client_config(&ccfg, &cr);
		fz_server_config(&xcfg, &xr, variant);
		vary_peer(&xcfg, i, p256, 1);
		stream("client", names[i], 0, &ccfg, &xcfg);

		/* Server target's server against a varied client. */
		fz_client_config(&xcfg, &xr);
		fz_server_config(&scfg, &sr, variant);
		vary_peer(&xcfg, i, hrr_groups, 2);
		stream("server", names[i], (int)variant, &xcfg, &scfg);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	messages();
	crafted();
	extensions();
	records();
	streams();
	return 0;
}
