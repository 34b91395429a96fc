/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine's result, neutral of any record layer: the negotiated version
 * and AEAD, and per direction the write key, IV and next sequence number.
 * tlsh_conn_export_keys() fills it; the kTLS installer (os/ktls.h) and the
 * userspace record code consume it. No kernel or socket header here.
 */
#ifndef TLSH_TLS_TRAFFIC_H
#define TLSH_TLS_TRAFFIC_H

#include <stdint.h>

#define TLSH_TLS12 0x0303
#define TLSH_TLS13 0x0304

/* The AEAD algorithms the engine negotiates (all of them kTLS can carry). */
enum tlsh_aead {
	TLSH_AEAD_NONE = 0,
	TLSH_AEAD_AES_128_GCM,
	TLSH_AEAD_AES_256_GCM,
	TLSH_AEAD_CHACHA20_POLY1305,
	TLSH_AEAD_AES_128_CCM,
};

/*
 * One direction's record protection state.
 *
 * key: the write key (16 or 32 bytes, per AEAD).
 * iv:  TLS 1.3 and TLS 1.2 ChaCha20-Poly1305 (RFC 7905): the full 12-byte
 *      write IV that is XORed with the sequence number.
 *      TLS 1.2 AES-GCM / AES-CCM (RFC 5288 / 6655): only iv[0..3], the
 *      implicit "salt" from the key block; the 8-byte explicit nonce a
 *      sender puts in each record is the record sequence number.
 * seq: the sequence number of the next record in this direction.
 */
struct tlsh_traffic_dir {
	uint8_t key[32];
	uint8_t iv[12];
	uint64_t seq;
};

struct tlsh_traffic_keys {
	uint16_t version;	/* TLSH_TLS12 or TLSH_TLS13 */
	enum tlsh_aead aead;
	struct tlsh_traffic_dir tx;	/* this side's writes */
	struct tlsh_traffic_dir rx;	/* the peer's writes */
};

#endif
