// SPDX-License-Identifier: GPL-2.0
/* Traffic secrets: derivation, installation and the NSS key log. */
#include <string.h>

#include "tls/conn.h"
#include "tls/keys.h"

void tlsh_set_tx(struct tlsh_conn *c, const uint8_t *secret)
{
	tlsh_rec_set_secret(&c->tx, c->suite, secret);
}

void tlsh_set_rx(struct tlsh_conn *c, const uint8_t *secret)
{
	tlsh_rec_set_secret(&c->rx, c->suite, secret);
	c->rx_key_changed = true;
}

void tlsh_derive_hs(struct tlsh_conn *c, const uint8_t *dh, size_t dh_len)
{
	tlsh_ks_next(&c->ks, dh, dh_len);
	tlsh_derive_hs_secrets(c);
}

void tlsh_derive_hs_secrets(struct tlsh_conn *c)
{
	uint8_t th[TLSH_HASH_MAX];

	tlsh_transcript_hash(&c->tr, th);
	tlsh_ks_derive(&c->ks, "c hs traffic", th, c->c_hs);
	tlsh_ks_derive(&c->ks, "s hs traffic", th, c->s_hs);
	tlsh_keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c->c_hs);
	tlsh_keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", c->s_hs);
}

void tlsh_derive_ap(struct tlsh_conn *c)
{
	uint8_t th[TLSH_HASH_MAX];

	tlsh_ks_next(&c->ks, NULL, 0);
	tlsh_transcript_hash(&c->tr, th);
	tlsh_ks_derive(&c->ks, "c ap traffic", th, c->c_ap);
	tlsh_ks_derive(&c->ks, "s ap traffic", th, c->s_ap);
	tlsh_keylog(c, "CLIENT_TRAFFIC_SECRET_0", c->c_ap);
	tlsh_keylog(c, "SERVER_TRAFFIC_SECRET_0", c->s_ap);
	if (c->cfg->keylog) {
		uint8_t exp[TLSH_HASH_MAX];

		tlsh_ks_derive(&c->ks, "exp master", th, exp);
		tlsh_keylog(c, "EXPORTER_SECRET", exp);
		explicit_bzero(exp, sizeof(exp));
	}
}

void tlsh_keylog(const struct tlsh_conn *c, const char *label,
		 const uint8_t *secret)
{
	if (c->cfg->keylog)
		c->cfg->keylog(c->cfg->keylog_ctx, label, c->client_random,
			       secret, c->suite->hash->len);
}
