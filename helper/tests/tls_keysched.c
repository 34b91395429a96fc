// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 8448 section 3 (Simple 1-RTT Handshake): every secret, key, IV and
 * Finished value, byte for byte, and the RFC's protected records decrypted.
 */
#include <string.h>

#include "tls_testutil.h"
#include "tls_rfc8448.h"
#include "kselftest_harness.h"
#include "tls/kex.h"
#include "tls/keysched.h"
#include "tls/record.h"
#include "tls/transcript.h"

#define client_priv r8448_s3_client_priv
#define server_priv r8448_s3_server_priv
#define client_hello R8448_MSG(r8448_s3_ch_record)
#define server_hello R8448_MSG(r8448_s3_sh_record)
static const char client_pub[] =
	"99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe"
	"b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c";
static const char server_pub[] =
	"c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1"
	"56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f";

static const char early_secret[] =
	"33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f"
	"26 60 e1 b2 2e 10 f1 70 f9 2a";
static const char ecdhe[] =
	"8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75"
	"63 ef d4 62 72 90 0f 89 49 2d";
static const char hs_secret[] =
	"1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69"
	"1e d2 21 a9 f0 ca 04 3f be ac";
static const char hash_ch_sh[] =
	"86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6"
	"e9 5f 02 ed 06 3c f0 e1 ca d8";
static const char c_hs_traffic[] =
	"b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5"
	"2e 96 00 74 6a 0e 27 a5 5a 21";
static const char s_hs_traffic[] =
	"b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9"
	"10 5d 42 be fd 59 d3 91 ad 38";
static const char master_secret[] =
	"18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62"
	"79 84 d5 a4 1d a8 d0 40 29 19";
/* Transcript hash ClientHello..server Finished. */
static const char hash_ch_sf[] =
	"96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa"
	"e4 77 7a 76 86 c9 ff 83 df 13";
static const char c_ap_traffic[] =
	"9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df"
	"00 87 f7 92 eb b7 c1 75 04 a5";
static const char s_ap_traffic[] =
	"a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb"
	"6b 3a 4b 4f 1f 3f cb 63 16 43";
static const char exp_master[] =
	"fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67 92 c5 0c 9a 3f 89 45 2f"
	"68 d8 ae 31 1b 43 09 d3 cf 50";
/* Transcript hash ClientHello..client Finished. */
static const char hash_ch_cf[] =
	"20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26 84 65 8d 60 49 e8"
	"64 29 42 6d b8 7c 54 ad 14 3d";
static const char res_master[] =
	"7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41 b0 bf da f8 6c c8 56 23"
	"1f 2d 5a ba 46 c4 34 ec 19 6c";
/* PSK for the ticket with nonce 00 00; also the early secret in section 4. */
static const char ticket_psk[] =
	"4e cd 0e b6 ec 3b 4d 87 f5 d6 02 8f 92 2c a4 c5 85 1a 27 7f d4 13"
	"11 c9 e6 2d 2c 94 92 e1 c4 f3";
static const char resumed_early_secret[] =
	"9b 21 88 e9 b2 fc 6d 64 d7 1d c3 29 90 0e 20 bb 41 91 50 00 f6 78"
	"aa 83 9c bb 79 7c b7 d8 33 2c";

static const char s_hs_key[] = "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc";
static const char s_hs_iv[] = "5d 31 3e b2 67 12 76 ee 13 00 0b 30";
static const char c_hs_key[] = "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01";
static const char c_hs_iv[] = "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f";
static const char s_ap_key[] = "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56";
static const char s_ap_iv[] = "cf 78 2b 88 dd 83 54 9a ad f1 e9 84";
static const char c_ap_key[] = "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51";
static const char c_ap_iv[] = "5b 78 92 3d ee 08 57 90 33 e5 23 d9";

static const char s_finished_key[] =
	"00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65"
	"2f 01 f2 88 a1 d8 cd c1 9f c8";
static const char c_finished_key[] =
	"b8 0a d0 10 15 fb 2f 0b d6 5f f7 d4 da 5d 6b f8 3f 84 82 1d 1f 87"
	"fd c7 d3 c7 5b 5a 7b 42 d9 c4";
static const char c_finished[] =
	"a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6"
	"e9 85 27 b6 42 f2 ed d5 ce 61";

/* {client} the protected Finished record. */
static const char c_finished_record[] =
	"17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc"
	"77 b0 51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de"
	"b3 84 bd 1c ae ac ab 68 67 d7 26 c4 05 46";
/* {client} application data, 50 octets 00..31. */
static const char c_app_record[] =
	"17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef"
	"ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a"
	"20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee"
	"bb 21 69 49 15 e4";
/* close_notify alerts. */
static const char c_alert_record[] =
	"17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0"
	"b0 e3";
static const char s_alert_record[] =
	"17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88"
	"64 a9";

#define HEX(var, str) \
	uint8_t var[1024]; \
	size_t var##_len __attribute__((unused)) = unhex(str, var, sizeof(var))

TEST(x25519_shares)
{
	HEX(cpriv, client_priv);
	HEX(spriv, server_priv);
	HEX(spub, server_pub);
	struct tlsh_kex c = { .group = TLSH_GROUP_X25519 };
	struct tlsh_kex s = { .group = TLSH_GROUP_X25519 };
	uint8_t out[32], out2[32];
	size_t n;

	memcpy(c.priv, cpriv, 32);
	memcpy(s.priv, spriv, 32);
	ASSERT_EQ(32, cpriv_len);
	ASSERT_EQ(TLSH_OK, tlsh_kex_shared(&c, spub, spub_len, out, &n));
	ASSERT_EQ(32, n);
	ASSERT_TRUE(hex_eq(ecdhe, out, n));
	{
		HEX(cpub, client_pub);

		ASSERT_EQ(TLSH_OK, tlsh_kex_shared(&s, cpub, cpub_len, out2, &n));
		ASSERT_TRUE(hex_eq(ecdhe, out2, n));
	}
}

static void rng_from(void *ctx, size_t len, uint8_t *dst)
{
	uint8_t **src = ctx;

	memcpy(dst, *src, len);
	*src += len;
}

TEST(x25519_generate_public)
{
	HEX(cpriv, client_priv);
	uint8_t *p = cpriv;
	struct tlsh_kex k;

	ASSERT_EQ(TLSH_OK, tlsh_kex_generate(&k, TLSH_GROUP_X25519, &p,
					     rng_from));
	ASSERT_TRUE(hex_eq(client_pub, k.pub, k.pub_len));
	(void)cpriv_len;
}

TEST(x25519_zero_share_rejected)
{
	struct tlsh_kex k = { .group = TLSH_GROUP_X25519, .priv = { 1 } };
	uint8_t zero[32] = { 0 }, out[32];
	size_t n;

	ASSERT_EQ(TLSH_ERR_ILLEGAL_PARAMETER,
		  tlsh_kex_shared(&k, zero, 32, out, &n));
	ASSERT_EQ(TLSH_ERR_ILLEGAL_PARAMETER,
		  tlsh_kex_shared(&k, zero, 31, out, &n));
}

TEST(key_schedule)
{
	const struct tlsh_hash *h = &tlsh_hash_sha256;
	struct tlsh_keysched ks;
	struct tlsh_transcript t;
	uint8_t th[48], sec[48], sec2[48];
	HEX(ch, client_hello);
	HEX(sh, server_hello);
	HEX(dh, ecdhe);
	HEX(hsf, hash_ch_sf);
	HEX(hcf, hash_ch_cf);

	ASSERT_EQ(196, ch_len);
	ASSERT_EQ(90, sh_len);

	tlsh_ks_init(&ks, h, NULL, 0);
	ASSERT_TRUE(hex_eq(early_secret, ks.secret, 32));

	tlsh_transcript_init(&t);
	tlsh_transcript_add(&t, ch, ch_len);
	tlsh_transcript_select(&t, h);
	tlsh_transcript_add(&t, sh, sh_len);
	tlsh_transcript_hash(&t, th);
	ASSERT_TRUE(hex_eq(hash_ch_sh, th, 32));

	tlsh_ks_next(&ks, dh, dh_len);
	ASSERT_TRUE(hex_eq(hs_secret, ks.secret, 32));
	tlsh_ks_derive(&ks, "c hs traffic", th, sec);
	ASSERT_TRUE(hex_eq(c_hs_traffic, sec, 32));
	tlsh_ks_derive(&ks, "s hs traffic", th, sec2);
	ASSERT_TRUE(hex_eq(s_hs_traffic, sec2, 32));

	{
		uint8_t key[16], iv[12], fk[32], fin[32];

		tlsh_traffic_key_iv(h, sec, 16, key, iv);
		ASSERT_TRUE(hex_eq(c_hs_key, key, 16));
		ASSERT_TRUE(hex_eq(c_hs_iv, iv, 12));
		tlsh_traffic_key_iv(h, sec2, 16, key, iv);
		ASSERT_TRUE(hex_eq(s_hs_key, key, 16));
		ASSERT_TRUE(hex_eq(s_hs_iv, iv, 12));
		tlsh_hkdf_expand_label(h, sec2, "finished", NULL, 0, fk, 32);
		ASSERT_TRUE(hex_eq(s_finished_key, fk, 32));
		tlsh_hkdf_expand_label(h, sec, "finished", NULL, 0, fk, 32);
		ASSERT_TRUE(hex_eq(c_finished_key, fk, 32));
		/* The client's Finished covers ClientHello..server Finished. */
		tlsh_finished_mac(h, sec, hsf, fin);
		ASSERT_TRUE(hex_eq(c_finished, fin, 32));
	}

	tlsh_ks_next(&ks, NULL, 0);
	ASSERT_TRUE(hex_eq(master_secret, ks.secret, 32));
	tlsh_ks_derive(&ks, "c ap traffic", hsf, sec);
	ASSERT_TRUE(hex_eq(c_ap_traffic, sec, 32));
	{
		uint8_t key[16], iv[12];

		tlsh_traffic_key_iv(h, sec, 16, key, iv);
		ASSERT_TRUE(hex_eq(c_ap_key, key, 16));
		ASSERT_TRUE(hex_eq(c_ap_iv, iv, 12));
		tlsh_ks_derive(&ks, "s ap traffic", hsf, sec);
		ASSERT_TRUE(hex_eq(s_ap_traffic, sec, 32));
		tlsh_traffic_key_iv(h, sec, 16, key, iv);
		ASSERT_TRUE(hex_eq(s_ap_key, key, 16));
		ASSERT_TRUE(hex_eq(s_ap_iv, iv, 12));
	}
	tlsh_ks_derive(&ks, "exp master", hsf, sec);
	ASSERT_TRUE(hex_eq(exp_master, sec, 32));
	tlsh_ks_derive(&ks, "res master", hcf, sec);
	ASSERT_TRUE(hex_eq(res_master, sec, 32));
	{
		static const uint8_t nonce[2] = { 0, 0 };
		uint8_t psk[32];

		tlsh_hkdf_expand_label(h, sec, "resumption", nonce, 2, psk, 32);
		ASSERT_TRUE(hex_eq(ticket_psk, psk, 32));
		tlsh_ks_init(&ks, h, psk, 32);
		ASSERT_TRUE(hex_eq(resumed_early_secret, ks.secret, 32));
	}
	tlsh_ks_wipe(&ks);
}

/* Open one RFC record with the traffic secret given in hex. */
static int open_record(const char *secret_hex, uint64_t seq,
		       const char *record_hex, uint8_t *type, uint8_t *out,
		       size_t *out_len)
{
	const struct tlsh_suite *s = tlsh_suite_by_id(0x1301);
	struct tlsh_rec_dir d = { 0 };
	uint8_t secret[32], rec[512];
	size_t n = unhex(record_hex, rec, sizeof(rec)), body;
	int err;

	unhex(secret_hex, secret, sizeof(secret));
	tlsh_rec_set_secret(&d, s, secret);
	d.seq = seq;
	err = tlsh_rec_header(rec, &body);
	if (err)
		return err;
	if (body != n - TLSH_REC_HDR)
		return -1;
	err = tlsh_rec_open(&d, rec, rec + TLSH_REC_HDR, body, type, out_len);
	if (!err)
		memcpy(out, rec + TLSH_REC_HDR, *out_len);
	tlsh_rec_wipe(&d);
	return err;
}

TEST(decrypt_rfc_records)
{
	uint8_t type, pt[512], want[50];
	size_t n;

	ASSERT_EQ(0, open_record(c_hs_traffic, 0, c_finished_record, &type,
				 pt, &n));
	ASSERT_EQ(TLSH_CT_HANDSHAKE, type);
	ASSERT_EQ(36, n);
	ASSERT_EQ(0x14, pt[0]);
	ASSERT_TRUE(hex_eq(c_finished, pt + 4, 32));

	for (int i = 0; i < 50; i++)
		want[i] = (uint8_t)i;
	ASSERT_EQ(0, open_record(c_ap_traffic, 0, c_app_record, &type, pt, &n));
	ASSERT_EQ(TLSH_CT_APPLICATION_DATA, type);
	ASSERT_EQ(50, n);
	ASSERT_EQ(0, memcmp(want, pt, 50));
	ASSERT_EQ(0, open_record(c_ap_traffic, 1, c_alert_record, &type, pt, &n));
	ASSERT_EQ(TLSH_CT_ALERT, type);
	ASSERT_EQ(2, n);
	ASSERT_EQ(1, pt[0]);
	ASSERT_EQ(0, pt[1]);
	/* The server sent its NewSessionTicket and 50 bytes before. */
	ASSERT_EQ(0, open_record(s_ap_traffic, 2, s_alert_record, &type, pt, &n));
	ASSERT_EQ(TLSH_CT_ALERT, type);
	ASSERT_EQ(2, n);
	ASSERT_EQ(1, pt[0]);
	ASSERT_EQ(0, pt[1]);

	/* Wrong sequence number: the tag does not verify. */
	ASSERT_EQ(TLSH_ERR_BAD_RECORD_MAC,
		  open_record(c_ap_traffic, 1, c_app_record, &type, pt, &n));
}

TEST(seal_reproduces_rfc_record)
{
	const struct tlsh_suite *s = tlsh_suite_by_id(0x1301);
	struct tlsh_rec_dir d = { 0 };
	uint8_t secret[32], data[50], buf[128];
	struct tlsh_wbuf w;

	for (int i = 0; i < 50; i++)
		data[i] = (uint8_t)i;
	unhex(c_ap_traffic, secret, sizeof(secret));
	tlsh_rec_set_secret(&d, s, secret);
	tlsh_wbuf_fixed(&w, buf, sizeof(buf));
	ASSERT_EQ(TLSH_OK, tlsh_rec_seal(&d, TLSH_CT_APPLICATION_DATA, data,
					 50, 0, &w));
	ASSERT_TRUE(hex_eq(c_app_record, buf, w.len));
	ASSERT_EQ(1, d.seq);
}

/*
 * Directions hold keys, not expanded AEAD contexts (4.3 KiB each for
 * AES-GCM, two per handshake in flight); the per-thread cache of two
 * expansions must not mix keys up when more directions take turns.
 */
TEST(directions_in_turn_keep_their_own_keys)
{
	static const uint16_t ids[] = { 0x1301, 0x1302, 0x1303 };
	struct tlsh_rec_dir tx[3] = { 0 }, rx[3] = { 0 };
	uint8_t secret[32], data[40], buf[3][2][128], type;
	struct tlsh_wbuf w;
	size_t body, n;

	ASSERT_GE(96, sizeof(struct tlsh_rec_dir));
	for (int i = 0; i < 3; i++) {
		memset(secret, 0x11 * (i + 1), sizeof(secret));
		tlsh_rec_set_secret(&tx[i], tlsh_suite_by_id(ids[i]), secret);
		tlsh_rec_set_secret(&rx[i], tlsh_suite_by_id(ids[i]), secret);
	}
	/* Sealed round-robin: every switch past the second evicts. */
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < 3; i++) {
			memset(data, 'a' + 3 * r + i, sizeof(data));
			tlsh_wbuf_fixed(&w, buf[i][r], sizeof(buf[i][r]));
			ASSERT_EQ(TLSH_OK, tlsh_rec_seal(&tx[i],
				  TLSH_CT_APPLICATION_DATA, data, sizeof(data),
				  0, &w));
		}
	}
	/* Opened in another order, interleaved with a wipe and a re-key. */
	tlsh_rec_wipe(&tx[1]);
	for (int r = 0; r < 2; r++) {
		for (int i = 2; i >= 0; i--) {
			uint8_t *rec = buf[i][r];

			ASSERT_EQ(TLSH_OK, tlsh_rec_header(rec, &body));
			ASSERT_EQ(TLSH_OK, tlsh_rec_open(&rx[i], rec,
				  rec + TLSH_REC_HDR, body, &type, &n));
			ASSERT_EQ(TLSH_CT_APPLICATION_DATA, type);
			ASSERT_EQ(sizeof(data), n);
			memset(data, 'a' + 3 * r + i, sizeof(data));
			ASSERT_EQ(0, memcmp(data, rec + TLSH_REC_HDR, n));
		}
	}
	/* A record under one key does not open under another. */
	tlsh_wbuf_fixed(&w, buf[0][0], sizeof(buf[0][0]));
	ASSERT_EQ(TLSH_OK, tlsh_rec_seal(&tx[0], TLSH_CT_APPLICATION_DATA,
					 data, sizeof(data), 0, &w));
	rx[2].seq = tx[0].seq - 1;
	ASSERT_EQ(TLSH_OK, tlsh_rec_header(buf[0][0], &body));
	ASSERT_NE(TLSH_OK, tlsh_rec_open(&rx[2], buf[0][0],
					 buf[0][0] + TLSH_REC_HDR, body, &type,
					 &n));
	for (int i = 0; i < 3; i++) {
		tlsh_rec_wipe(&tx[i]);
		tlsh_rec_wipe(&rx[i]);
	}
}

TEST_HARNESS_MAIN
