/* SPDX-License-Identifier: GPL-2.0 */
/*
 * After the handshake: move plaintext between a local fd pair (stdin/stdout,
 * or one end of a socketpair given to an exec'd program) and the TLS socket.
 *
 * Two record layers behind one loop:
 *  - kTLS: the socket carries plaintext; control records (the peer's alerts,
 *    NewSessionTicket, KeyUpdate) arrive through recvmsg() with a
 *    TLS_GET_RECORD_TYPE cmsg, and our close_notify leaves with
 *    TLS_SET_RECORD_TYPE. This is what spares an unmodified program the EIO
 *    that 6.1 kTLS returns to a plain read() of a non-data record.
 *  - userspace fallback (a kernel without the TLS ULP): the engine's own
 *    record layer on the finished connection (tlsh_conn_write_app,
 *    tlsh_conn_read_record, tlsh_conn_close_notify, tlsh_conn_abort), so
 *    TLS 1.2 and TLS 1.3 alike, continuing the handshake's sequence numbers.
 *
 * Half-close: local EOF sends close_notify and shuts the socket's write side;
 * the peer's close_notify (or a bare TCP EOF) shuts the local write side.
 * The relay ends when both directions are closed, on a fatal alert, or when
 * the local side is gone. A peer KeyUpdate ends the kTLS connection with
 * close_notify (6.1 cannot rekey RX); the fallback follows it (RFC 8446
 * 4.6.3: new read key, update_requested answered) and answers a TLS 1.2
 * renegotiation with a no_renegotiation warning, as the engine's record
 * layer does. Whenever the relay gives up on the peer it sends a fatal
 * alert first.
 */
#ifndef TLSH_RELAY_H
#define TLSH_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "os/ktls.h"
#include "tls/engine.h"

struct tlsh_relay {
	int net_fd;
	int local_in, local_out;	/* may be the same socket */
	bool ktls;			/* net_fd has TLS_TX and TLS_RX */
	/* Fallback only: the connection whose handshake is done. */
	struct tlsh_conn *conn;
	/*
	 * kTLS only, optional: a client's connection kept to take the
	 * NewSessionTickets that arrive (tlsh_conn_post_handshake).
	 */
	struct tlsh_conn *tickets;
};

struct tlsh_relay_result {
	bool close_notify;		/* the peer closed with close_notify */
	bool peer_alert;		/* the peer sent a fatal alert */
	uint8_t alert;			/* ...this one */
	bool key_update;		/* the peer sent KeyUpdate */
	uint64_t to_net, to_local;	/* plaintext bytes each way */
	char error[160];		/* why it failed ("" on success) */
};

/* Returns 0 when both directions closed cleanly, -1 otherwise (r->error). */
int tlsh_relay_run(const struct tlsh_relay *rl, struct tlsh_relay_result *r);

/* Send an alert record on a kTLS socket (best effort, waits at most 2 s). */
void tlsh_ktls_send_alert(int fd, uint8_t level, uint8_t desc);

#endif
