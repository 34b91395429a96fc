// SPDX-License-Identifier: GPL-2.0
/*
 * floor: the public-key work of one server handshake, done with nettle
 * and nothing else, so the benchmark can show how close a server comes
 * to it. Per handshake: an X25519 key pair and shared secret, and one
 * signature (ECDSA P-256 with SHA-256, or RSA-2048 PSS with SHA-256 as
 * TLS 1.3 uses it), with fresh randomness from getrandom() as a server
 * would take it. sig=none: the key exchange alone, the public-key work of
 * a TLS 1.3 resumption with psk_dhe_ke.
 *
 *   floor ecdsa|rsa|none N
 *
 * Prints "floor sig=ecdsa|rsa|none n=N cpu_us=US" (process CPU time per
 * handshake). The loop is the function floor_loop, so that
 * `valgrind --tool=callgrind --toggle-collect=floor_loop` counts exactly
 * its instructions.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include <gmp.h>
#include <nettle/curve25519.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>

static void os_random(void *ctx, size_t n, uint8_t *dst)
{
	(void)ctx;
	while (n) {
		ssize_t r = getrandom(dst, n, 0);

		if (r <= 0)
			abort();
		dst += r;
		n -= (size_t)r;
	}
}

static struct {
	struct ecc_scalar ec_key;
	struct rsa_public_key rsa_pub;
	struct rsa_private_key rsa_priv;
	bool rsa, none;
	uint8_t peer_share[CURVE25519_SIZE];
} k;

/* What every server does per handshake: key share, shared secret, sign. */
__attribute__((noinline)) static void floor_loop(long n)
{
	uint8_t priv[CURVE25519_SIZE], share[CURVE25519_SIZE];
	uint8_t secret[CURVE25519_SIZE], digest[SHA256_DIGEST_SIZE];
	uint8_t salt[SHA256_DIGEST_SIZE];
	struct dsa_signature sig;
	mpz_t s;
	long i;

	dsa_signature_init(&sig);
	mpz_init(s);
	for (i = 0; i < n; i++) {
		os_random(NULL, sizeof(priv), priv);
		curve25519_mul_g(share, priv);
		curve25519_mul(secret, priv, k.peer_share);
		if (k.none)
			continue;
		/* The transcript hash a real signature covers. */
		os_random(NULL, sizeof(digest), digest);
		if (k.rsa) {
			os_random(NULL, sizeof(salt), salt);
			if (!rsa_pss_sha256_sign_digest_tr(&k.rsa_pub,
							   &k.rsa_priv, NULL,
							   os_random,
							   sizeof(salt), salt,
							   digest, s))
				abort();
		} else {
			ecdsa_sign(&k.ec_key, NULL, os_random, sizeof(digest),
				   digest, &sig);
		}
	}
	dsa_signature_clear(&sig);
	mpz_clear(s);
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n;

	if (argc != 3 || (strcmp(argv[1], "ecdsa") && strcmp(argv[1], "rsa") &&
			  strcmp(argv[1], "none")) ||
	    (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: floor ecdsa|rsa|none N\n");
		return 2;
	}
	k.rsa = !strcmp(argv[1], "rsa");
	k.none = !strcmp(argv[1], "none");
	if (k.none) {
		;
	} else if (k.rsa) {
		rsa_public_key_init(&k.rsa_pub);
		rsa_private_key_init(&k.rsa_priv);
		mpz_set_ui(k.rsa_pub.e, 65537);
		if (!rsa_generate_keypair(&k.rsa_pub, &k.rsa_priv, NULL,
					  os_random, NULL, NULL, 2048, 0))
			return 1;
	} else {
		struct ecc_point pub;

		ecc_point_init(&pub, nettle_get_secp_256r1());
		ecc_scalar_init(&k.ec_key, nettle_get_secp_256r1());
		ecdsa_generate_keypair(&pub, &k.ec_key, NULL, os_random);
		ecc_point_clear(&pub);
	}
	os_random(NULL, sizeof(k.peer_share), k.peer_share);
	curve25519_mul_g(k.peer_share, k.peer_share);

	floor_loop(n < 10 ? n : 10);	/* warm the caches */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	floor_loop(n);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("floor sig=%s n=%ld cpu_us=%.1f\n", argv[1], n,
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		(double)(b.tv_nsec - a.tv_nsec)) / 1e3 / (double)n);
	return 0;
}
