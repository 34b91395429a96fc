// SPDX-License-Identifier: GPL-2.0
/*
 * After a real handshake: tlsh_conn_post_handshake (handshake bytes from
 * a kTLS socket) and tlsh_conn_read_record (the userspace record layer).
 * data[0]: bit 0 TLS 1.2 instead of 1.3, bit 1 the server receives
 * instead of the client, bit 2 records instead of raw bytes; data[1]:
 * raw mode: where the bytes are split into two calls. The rest:
 *   raw:     handshake bytes (NewSessionTicket, KeyUpdate, HelloRequest..);
 *   records: [type][length][content]..., each sealed by the peer under
 *            its application key and opened by tlsh_conn_read_record.
 */
#include <stdlib.h>

#include "fuzz.h"

const unsigned int fz_regress_iterations = 1500;

static void raw(struct tlsh_conn *c, const uint8_t *p, size_t len,
		size_t split)
{
	enum tlsh_err err;

	if (split > len)
		split = len;
	err = tlsh_conn_post_handshake(c, p, split);
	if (!err)
		err = tlsh_conn_post_handshake(c, p + split, len - split);
	if (err != tlsh_conn_error(c))
		__builtin_trap();	/* the error is not recorded */
	/* Errors are sticky. */
	if (tlsh_conn_error(c) &&
	    tlsh_conn_post_handshake(c, p, len) != tlsh_conn_error(c))
		__builtin_trap();
}

static void records(struct tlsh_conn *peer, struct tlsh_conn *c,
		    const uint8_t *p, size_t len)
{
	while (len >= 2) {
		uint8_t type = p[0];
		size_t n = p[1] < len - 2 ? p[1] : len - 2;
		struct tlsh_wbuf w;
		const uint8_t *d;
		size_t dlen;
		uint8_t got;
		enum tlsh_err err;

		tlsh_wbuf_heap(&w);
		if (tlsh_rec_seal(&peer->tx, type, p + 2, n, 0, &w) ||
		    tlsh_wbuf_err(&w)) {
			tlsh_wbuf_free(&w);
			break;
		}
		err = tlsh_conn_read_record(c, w.buf, w.len, &got, &d, &dlen);
		if (!err && (d < w.buf || d + dlen > w.buf + w.len))
			__builtin_trap();
		tlsh_wbuf_free(&w);
		if (err)
			break;
		p += 2 + n;
		len -= 2 + n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_flow_cfg f;
	struct fz_pair p = { 0 };
	struct tlsh_conn *target, *peer;

	if (size < 2)
		return 0;
	fz_flow_config(&f, data[0] & 1 ? FZ_FLOW_12_ECDHE : FZ_FLOW_13);
	if (fz_pair_run(&p, &f.c, &f.s, NULL, NULL))
		__builtin_trap();	/* the unmodified handshake fails */
	target = data[0] & 2 ? p.s : p.c;
	peer = data[0] & 2 ? p.c : p.s;
	if (data[0] & 4)
		records(peer, target, data + 2, size - 2);
	else
		raw(target, data + 2, size - 2, data[1]);
	(void)tlsh_conn_error_reason(target);
	fz_pair_free(&p);
	return 0;
}
