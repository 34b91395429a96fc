// SPDX-License-Identifier: GPL-2.0
/*
 * The record layer: tlsh_rec_header and tlsh_rec_open (unprotect) for no
 * protection, every TLS 1.3 suite and the TLS 1.2 AEAD formats, with fixed
 * keys (fz_record_dir). Input: data[0] = suite (low 3 bits) and mode
 * (bit 3), data[1] = the sequence number (0xf0 and up: that far below
 * 2^64, where the sequence space runs out), then
 *   mode 0: a record (5-byte header and body), opened as received;
 *   mode 1: type (21 + n % 3), padding length, content: sealed, then
 *           opened, and the round trip must give back type and content.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void open_record(unsigned int sel, uint64_t seq, const uint8_t *rec,
			size_t len)
{
	struct tlsh_rec_dir d;
	uint8_t *body;
	size_t body_len, n;
	uint8_t type;

	if (len < TLSH_REC_HDR)
		return;
	fz_record_dir(&d, sel, seq);
	/* As the engine: the header first, then exactly its body. */
	if (tlsh_rec_header(rec, &body_len) == TLSH_OK &&
	    body_len > TLSH_MAX_CIPHERTEXT)
		__builtin_trap();
	body_len = len - TLSH_REC_HDR;
	if (body_len > TLSH_MAX_CIPHERTEXT)
		return;
	/* A heap copy of the exact size, so ASan sees any overread. */
	body = malloc(body_len ? body_len : 1);
	if (!body)
		abort();
	memcpy(body, rec + TLSH_REC_HDR, body_len);
	if (tlsh_rec_open(&d, rec, body, body_len, &type, &n) == TLSH_OK &&
	    (n > body_len || n > TLSH_MAX_PLAINTEXT))
		__builtin_trap();
	free(body);
	tlsh_rec_wipe(&d);
}

static void round_trip(unsigned int sel, uint64_t seq, const uint8_t *in,
		       size_t len)
{
	struct tlsh_rec_dir tx, rx;
	struct tlsh_wbuf w;
	uint8_t type, want_type, pad;
	size_t n, body_len;

	if (len < 2)
		return;
	want_type = (uint8_t)(TLSH_CT_ALERT + in[0] % 3);
	pad = in[1];
	in += 2;
	len -= 2;
	fz_record_dir(&tx, sel, seq);
	fz_record_dir(&rx, sel, seq);
	tlsh_wbuf_heap(&w);
	if (tlsh_rec_seal(&tx, want_type, in, len, pad, &w) == TLSH_OK &&
	    tlsh_wbuf_err(&w) == TLSH_OK) {
		if (w.len < TLSH_REC_HDR ||
		    tlsh_rec_header(w.buf, &body_len) ||
		    body_len != w.len - TLSH_REC_HDR)
			__builtin_trap();	/* we sealed a bad record */
		/* Sealed by us, it must open to what went in. */
		if (tlsh_rec_open(&rx, w.buf, w.buf + TLSH_REC_HDR, body_len,
				  &type, &n) != TLSH_OK ||
		    n != len || type != want_type ||
		    memcmp(w.buf + TLSH_REC_HDR, in, n))
			__builtin_trap();
	}
	tlsh_wbuf_free(&w);
	tlsh_rec_wipe(&tx);
	tlsh_rec_wipe(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t seq;

	if (size < 2)
		return 0;
	seq = data[1] < 0xf0 ? data[1] : UINT64_MAX - (0xffu - data[1]);
	if (data[0] & 8)
		round_trip(data[0] & 7, seq, data + 2, size - 2);
	else
		open_record(data[0] & 7, seq, data + 2, size - 2);
	return 0;
}
