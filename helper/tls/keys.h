/* SPDX-License-Identifier: GPL-2.0 */
/* keys.c: TLS 1.3 traffic secrets, their installation and the key log. */
#ifndef TLSH_TLS_KEYS_H
#define TLSH_TLS_KEYS_H

#include "tls/conn.h"

void tlsh_set_tx(struct tlsh_conn *c, const uint8_t *secret);
void tlsh_set_rx(struct tlsh_conn *c, const uint8_t *secret);
/*
 * Derive the handshake secrets from the early secret in c->ks, the (EC)DHE
 * output (NULL: psk_ke) and the transcript.
 */
void tlsh_derive_hs(struct tlsh_conn *c, const uint8_t *dh, size_t dh_len);
/* The same once the key schedule is at the handshake secret already. */
void tlsh_derive_hs_secrets(struct tlsh_conn *c);
/* Derive the application secrets (transcript through server Finished). */
void tlsh_derive_ap(struct tlsh_conn *c);
void tlsh_keylog(const struct tlsh_conn *c, const char *label,
		 const uint8_t *secret);

#endif
