/* SPDX-License-Identifier: GPL-2.0 */
/* TLS 1.2 additions to tls_pair.h: configuration and the traffic check. */
#ifndef TLSH_TESTS_TLS12_PAIR_H
#define TLSH_TESTS_TLS12_PAIR_H

#include "tls_pair.h"
#include "tls/suite.h"

/*
 * The client offers exactly one TLS 1.2 suite (and every group: in TLS 1.2
 * its supported_groups also bound the ECDSA certificate's curve); the
 * server only the group given (if any).
 */
static inline void pair12_client(struct pair *p, const uint16_t *suite,
				 const uint16_t *group)
{
	p->ccfg.suites = suite;
	p->ccfg.n_suites = 1;
	p->scfg.groups = group;
	p->scfg.n_groups = group ? 1 : 0;
	p->ccfg.allow_rsa_kx = true;
	p->scfg.allow_rsa_kx = true;
}

/*
 * TLS 1.2 keys agree crosswise, in the kTLS layout (GCM: 4-byte salt then
 * zeros; sequence 1 after the Finished), and data flows both ways through
 * the userspace record layer.
 */
static inline int check_traffic12(struct pair *p)
{
	struct tlsh_traffic_keys ck, sk;
	uint8_t msg[300], got[TLSH_MAX_CIPHERTEXT];
	static const uint8_t zero[8];
	size_t dlen, len;
	uint8_t type;
	int rc = keys_agree(p, TLSH_TLS12, &ck, &sk);

	if (rc)
		return rc;
	if (ck.tx.seq != 1 || ck.rx.seq != 1)
		return -3;
	if (ck.aead != TLSH_AEAD_CHACHA20_POLY1305 &&
	    (memcmp(ck.tx.iv + 4, zero, 8) || memcmp(ck.rx.iv + 4, zero, 8)))
		return -4;
	if (!memcmp(ck.tx.key, ck.rx.key, sizeof(ck.tx.key)))
		return -5;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	if (tlsh_conn_write_app(p->c, msg, sizeof(msg)))
		return -6;
	(void)tlsh_conn_output(p->c, &len);
	/* GCM: 8-byte explicit nonce + tag; ChaCha: tag only. */
	if (len != 5 + sizeof(msg) + 16 +
		   (ck.aead == TLSH_AEAD_CHACHA20_POLY1305 ? 0 : 8))
		return -7;
	if (deliver_record(p->c, p->s, &type, got, &dlen) ||
	    type != TLSH_CT_APPLICATION_DATA || dlen != sizeof(msg) ||
	    memcmp(got, msg, dlen))
		return -8;
	for (int i = 0; i < 3; i++) {
		if (tlsh_conn_write_app(p->s, msg, 10 + i))
			return -9;
		if (deliver_record(p->s, p->c, &type, got, &dlen) ||
		    dlen != (size_t)(10 + i) || memcmp(got, msg, dlen))
			return -10;
	}
	return 0;
}

/* The end of a TLS 1.2 test whose handshake succeeded. */
static inline void check_traffic12_and_free(struct __test_metadata *_metadata,
					    struct pair *p)
{
	ASSERT_EQ(0, check_traffic12(p));
	pair_free(p);
}

#endif
