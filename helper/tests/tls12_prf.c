// SPDX-License-Identifier: GPL-2.0
/*
 * TLS 1.2 key derivation known answers: the PRF with P_SHA256 and
 * P_SHA384, the master secret without and with the extended master secret,
 * the key block for each AEAD layout, Finished verify_data.
 *
 * Where the vectors come from:
 *  - prf_sha256 / prf_sha384: the inputs (secret, seed, label "test
 *    label") of the TLS 1.2 PRF test vectors circulated on the IETF TLS
 *    working group list; the expected outputs were computed independently
 *    with Python's hmac/hashlib (P_hash written from RFC 5246 section 5),
 *    and the SHA-256 output agrees with the published one.
 *  - everything else: inputs chosen here (pre-master 03 03 00 01 .. 2d,
 *    client_random 20..3f, server_random 40..5f, session hash =
 *    SHA-256/384("handshake messages")); expected values computed with the
 *    same independent Python script from RFC 5246 8.1, 6.3, 7.4.9 and
 *    RFC 7627 4.
 */
#include "tls_testutil.h"
#include "kselftest_harness.h"

#include <nettle/sha2.h>

#include "tls/prf.h"
#include "tls/suite.h"

static void inputs(uint8_t pms[48], uint8_t cr[32], uint8_t sr[32])
{
	pms[0] = 3;
	pms[1] = 3;
	for (int i = 0; i < 46; i++)
		pms[2 + i] = (uint8_t)i;
	for (int i = 0; i < 32; i++) {
		cr[i] = (uint8_t)(0x20 + i);
		sr[i] = (uint8_t)(0x40 + i);
	}
}

static void session_hash(bool sha384, uint8_t *out)
{
	static const char msg[] = "handshake messages";

	if (sha384) {
		struct sha512_ctx h;

		sha384_init(&h);
		sha384_update(&h, sizeof(msg) - 1, (const uint8_t *)msg);
		sha384_digest(&h, SHA384_DIGEST_SIZE, out);
	} else {
		struct sha256_ctx h;

		sha256_init(&h);
		sha256_update(&h, sizeof(msg) - 1, (const uint8_t *)msg);
		sha256_digest(&h, SHA256_DIGEST_SIZE, out);
	}
}

/* The PRF of a 16-byte secret and seed under "test label" is want. */
static void check_prf(struct __test_metadata *_metadata,
		      const struct tlsh_hash *h, const char *secret_hex,
		      const char *seed_hex, const char *want)
{
	uint8_t secret[16], seed[16], out[256];
	size_t n = unhex(want, out, sizeof(out));

	ASSERT_EQ(16, unhex(secret_hex, secret, sizeof(secret)));
	ASSERT_EQ(16, unhex(seed_hex, seed, sizeof(seed)));
	tlsh_prf(h, secret, 16, "test label", seed, 16, NULL, 0, out, n);
	ASSERT_TRUE(hex_eq(want, out, n));
	/* A split seed is the same seed. */
	tlsh_prf(h, secret, 16, "test label", seed, 5, seed + 5, 11, out, n);
	ASSERT_TRUE(hex_eq(want, out, n));
}

TEST(prf_sha256)
{
	check_prf(_metadata, &tlsh_hash_sha256,
		  "9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35",
		  "a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c",
		  "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
		  "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
		  "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
		  "87347b66");
}

TEST(prf_sha384)
{
	check_prf(_metadata, &tlsh_hash_sha384,
		  "b8 0b 73 3d 6c ee fc dc 71 56 6e a4 8e 55 67 df",
		  "cd 66 5c f6 a8 44 7d d6 ff 8b 27 55 5e db 74 65",
		  "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
		  "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
		  "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
		  "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
		  "91c8f3a26854308d5eaa3be85e0990703d73e56f");
}

TEST(master_secret)
{
	uint8_t pms[48], cr[32], sr[32], ms[48];

	inputs(pms, cr, sr);
	tlsh_master_secret(&tlsh_hash_sha256, pms, 48, false, NULL, cr, sr,
			   ms);
	ASSERT_TRUE(hex_eq("9154519d6f3e3e6e8973e259b10e6ada1172b9daf89e6078"
			   "cf4f4ada6bcfdd981832f7099ff1236672d172db4871dd34",
			   ms, 48));
	tlsh_master_secret(&tlsh_hash_sha384, pms, 48, false, NULL, cr, sr,
			   ms);
	ASSERT_TRUE(hex_eq("38d802d492cabd170be266b21e2c1f7e06f8b9adc4ca5297"
			   "1ef6470411be01bd6df424569835e0a5a47de22bc7be368d",
			   ms, 48));
}

TEST(extended_master_secret)
{
	uint8_t pms[48], cr[32], sr[32], sh[48], ms[48];

	inputs(pms, cr, sr);
	session_hash(false, sh);
	ASSERT_TRUE(hex_eq("6e1b983f2338a681fec9331551f24072641b2c011c693e34"
			   "10cd95da2d6b5458", sh, 32));
	tlsh_master_secret(&tlsh_hash_sha256, pms, 48, true, sh, cr, sr, ms);
	ASSERT_TRUE(hex_eq("145dc9af47c08ed47170c8b5bc09e05718506a1607d3d2e7"
			   "de1c4f9f44cdb398ff184e09e1e97eb6bd0752e022d331e8",
			   ms, 48));
	session_hash(true, sh);
	tlsh_master_secret(&tlsh_hash_sha384, pms, 48, true, sh, cr, sr, ms);
	ASSERT_TRUE(hex_eq("02d8b44a4d4f7ccd660e4baea08f3264fb83542ff87f9689"
			   "d2ddaaa029e0c7890983bac07469241e78a3f28f61c2579d",
			   ms, 48));
}

/* The key block of suite from ms: keys and IVs (hex) of both sides. */
static void check_key_block(struct __test_metadata *_metadata,
			    const struct tlsh_suite *suite, const uint8_t *ms,
			    const uint8_t *cr, const uint8_t *sr,
			    const char *ckey, const char *skey,
			    const char *civ, const char *siv)
{
	struct tlsh_key_block kb;
	size_t klen = suite->key_len;

	tlsh_key_block(suite, ms, cr, sr, &kb);
	ASSERT_TRUE(hex_eq(ckey, kb.client_key, klen));
	ASSERT_TRUE(hex_eq(skey, kb.server_key, klen));
	ASSERT_TRUE(hex_eq(civ, kb.client_iv, 12));
	ASSERT_TRUE(hex_eq(siv, kb.server_iv, 12));
}

TEST(key_block)
{
	uint8_t pms[48], cr[32], sr[32], ms[48];
	const struct tlsh_suite *gcm128 = tlsh_suite_by_id(
		TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
	const struct tlsh_suite *chacha = tlsh_suite_by_id(
		TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
	const struct tlsh_suite *gcm256 = tlsh_suite_by_id(
		TLSH_TLS_RSA_WITH_AES_256_GCM_SHA384);

	inputs(pms, cr, sr);
	tlsh_master_secret(&tlsh_hash_sha256, pms, 48, false, NULL, cr, sr,
			   ms);
	/* AES-128-GCM: keys 16 + 16, implicit salts 4 + 4. */
	check_key_block(_metadata, gcm128, ms, cr, sr,
			"927db9f70f88e6052976e4e5b2ae3ed7",
			"fe3ea868020054ed3251b1f839259e40",
			"c3908983 0000000000000000",
			"b4045600 0000000000000000");
	/* ChaCha20-Poly1305: keys 32 + 32, IVs 12 + 12. */
	check_key_block(_metadata, chacha, ms, cr, sr,
			"927db9f70f88e6052976e4e5b2ae3ed7fe3ea868020054ed"
			"3251b1f839259e40",
			"c3908983b4045600403b72b15a8c0a61093c6ffbd082474c"
			"fbb3a7598ed0b7fe",
			"1e9572e631d7c14d7f4beb6b", "9b0a8da860abfb186db7dbc7");
	/* AES-256-GCM with the SHA-384 PRF. */
	tlsh_master_secret(&tlsh_hash_sha384, pms, 48, false, NULL, cr, sr,
			   ms);
	check_key_block(_metadata, gcm256, ms, cr, sr,
			"5a7eeeff913acd27e2ee481411719dbd3f715c77761c56f1"
			"d9c848a507fd764f",
			"65e0c8341efcc471cce95cd3952526e5655793753854793c"
			"2301c03529ec82b6",
			"6c2368e5 0000000000000000",
			"019ae095 0000000000000000");
}

TEST(finished_verify_data)
{
	uint8_t pms[48], cr[32], sr[32], sh[48], ms[48], vd[12];

	inputs(pms, cr, sr);
	session_hash(false, sh);
	tlsh_master_secret(&tlsh_hash_sha256, pms, 48, false, NULL, cr, sr,
			   ms);
	tlsh_verify_data(&tlsh_hash_sha256, ms, false, sh, vd);
	ASSERT_TRUE(hex_eq("4d5e60c50c469c1ec52a6174", vd, 12));
	tlsh_verify_data(&tlsh_hash_sha256, ms, true, sh, vd);
	ASSERT_TRUE(hex_eq("ad6a91d35661050d5a182d43", vd, 12));
	session_hash(true, sh);
	tlsh_master_secret(&tlsh_hash_sha384, pms, 48, false, NULL, cr, sr,
			   ms);
	tlsh_verify_data(&tlsh_hash_sha384, ms, false, sh, vd);
	ASSERT_TRUE(hex_eq("364513e2ef39ede3740be3bb", vd, 12));
}

TEST_HARNESS_MAIN
