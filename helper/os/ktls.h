/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Installing negotiated TLS traffic keys into the kernel record layer
 * (TCP_ULP "tls" + SOL_TLS TLS_TX / TLS_RX).
 *
 * The handshake engine exports a struct tlsh_traffic_keys (tls/traffic.h);
 * this is the only code that maps it to a crypto_info. tlsh_ktls_install()
 * checks every precondition first, then sets the ULP, TX and RX. Nothing
 * fallible happens after the keys are in; if RX fails after TX succeeded the
 * socket is shut down so it can never be used half-keyed.
 */
#ifndef TLSH_KTLS_H
#define TLSH_KTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include "tls/traffic.h"

/* What SOL_TLS TLS_TX / TLS_RX take, for every AEAD in enum tlsh_aead. */
union tlsh_ktls_crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 aes_gcm_128;
	struct tls12_crypto_info_aes_gcm_256 aes_gcm_256;
	struct tls12_crypto_info_chacha20_poly1305 chacha20_poly1305;
	struct tls12_crypto_info_aes_ccm_128 aes_ccm_128;
};

/*
 * Why tlsh_ktls_install() failed, and what state it left the socket in.
 *
 * step: "precondition: version", "precondition: AEAD", "precondition: socket
 *       type", "precondition: TCP state", "precondition: ULP", "TCP_ULP",
 *       "TLS_TX" or "TLS_RX"; NULL on success.
 * err:  positive errno of that step.
 * ulp_attached:    the "tls" ULP was set. Without socket_unusable it holds
 *                  no keys, and the socket still carries plaintext exactly
 *                  as before (the ULP cannot be removed again).
 * socket_unusable: TX was keyed and RX failed; the socket was shut down
 *                  (SHUT_RDWR) and must be closed. Nothing more reaches the
 *                  wire, though 6.1 kTLS may still accept a send() into its
 *                  record buffer.
 * Neither flag set: the socket was not changed at all.
 */
struct tlsh_ktls_error {
	const char *step;
	int err;
	bool ulp_attached;
	bool socket_unusable;
	int tcp_state;		/* "precondition: TCP state": the state */
	char ulp[16];		/* "precondition: ULP": the ULP found */
};

/*
 * Build the crypto_info for one direction. Pure: no syscalls. On success
 * *len is the size to pass to setsockopt(). Returns 0, -EPROTONOSUPPORT
 * (version) or -EOPNOTSUPP (AEAD). The caller wipes *ci when done.
 */
int tlsh_ktls_crypto_info(uint16_t version, enum tlsh_aead aead,
			  const struct tlsh_traffic_dir *dir,
			  union tlsh_ktls_crypto_info *ci, socklen_t *len)
	__attribute__((warn_unused_result));

/*
 * Install p's keys on the established TCP socket fd. Returns 0 or -errno;
 * err (may be NULL) says which step failed and the socket's state.
 * The caller must hold no bytes read past the handshake: the kernel only sees
 * what is still in the socket's receive queue.
 */
int tlsh_ktls_install(int fd, const struct tlsh_traffic_keys *p,
		      struct tlsh_ktls_error *err)
	__attribute__((warn_unused_result));

/* Both directions' crypto_infos, with the sizes to pass to setsockopt(). */
struct tlsh_ktls_crypto_infos {
	union tlsh_ktls_crypto_info tx, rx;
	socklen_t tx_len, rx_len;
};

/*
 * The socket half of tlsh_ktls_install(), taking ready-made crypto_infos
 * (the preconditions on the socket are still checked). Tests use it to make
 * the kernel reject one direction.
 */
int tlsh_ktls_install_crypto_info(int fd,
				  const struct tlsh_ktls_crypto_infos *ci,
				  struct tlsh_ktls_error *err)
	__attribute__((warn_unused_result));

/* One line describing err (no secrets), written to buf; returns buf. */
const char *tlsh_ktls_strerror(const struct tlsh_ktls_error *err, char *buf,
			       size_t len);

#endif
