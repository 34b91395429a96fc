/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounded reading and writing of TLS wire structures.
 *
 * A reader is a {p, end} cursor: every read checks the bounds first and fails
 * with decode_error. A length-prefixed vector is read into a sub-cursor that
 * the caller must consume exactly (tlsh_cur_end), else decode_error.
 *
 * A writer appends into a caller-provided or heap buffer; length prefixes are
 * opened before a vector and patched when it is closed. Overflow is sticky and
 * reported once, at the end.
 */
#ifndef TLSH_TLS_CURSOR_H
#define TLSH_TLS_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "tls/err.h"

struct tlsh_cur {
	const uint8_t *p;
	const uint8_t *end;
};

static inline struct tlsh_cur tlsh_cur_make(const uint8_t *p, size_t len)
{
	struct tlsh_cur c = { p, p + len };
	return c;
}

static inline size_t tlsh_cur_left(const struct tlsh_cur *c)
{
	return (size_t)(c->end - c->p);
}

TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_cur_bytes(struct tlsh_cur *c, size_t n, const uint8_t **out)
{
	if (tlsh_cur_left(c) < n)
		return TLSH_ERR_DECODE;
	*out = c->p;
	c->p += n;
	return TLSH_OK;
}

TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_cur_uint(struct tlsh_cur *c, size_t n, uint32_t *v)
{
	uint32_t x = 0;

	if (tlsh_cur_left(c) < n)
		return TLSH_ERR_DECODE;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | c->p[i];
	c->p += n;
	*v = x;
	return TLSH_OK;
}

TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_cur_u8(struct tlsh_cur *c, uint8_t *v)
{
	uint32_t x = 0;
	enum tlsh_err e = tlsh_cur_uint(c, 1, &x);

	*v = (uint8_t)x;
	return e;
}

TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_cur_u16(struct tlsh_cur *c, uint16_t *v)
{
	uint32_t x = 0;
	enum tlsh_err e = tlsh_cur_uint(c, 2, &x);

	*v = (uint16_t)x;
	return e;
}

TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_cur_u24(struct tlsh_cur *c, uint32_t *v)
{
	return tlsh_cur_uint(c, 3, v);
}

TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_cur_u32(struct tlsh_cur *c, uint32_t *v)
{
	return tlsh_cur_uint(c, 4, v);
}

/*
 * A vector with an lenbytes-wide length prefix, whose length must lie in
 * [min, max]; the body becomes the sub-cursor *sub.
 */
TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_cur_vec(struct tlsh_cur *c, size_t lenbytes, size_t min, size_t max,
	     struct tlsh_cur *sub)
{
	uint32_t len;
	const uint8_t *body;
	enum tlsh_err e = tlsh_cur_uint(c, lenbytes, &len);

	if (e)
		return e;
	if (len < min || len > max)
		return TLSH_ERR_DECODE;
	e = tlsh_cur_bytes(c, len, &body);
	if (e)
		return e;
	*sub = tlsh_cur_make(body, len);
	return TLSH_OK;
}

/* A fully consumed block; anything left over is a decode_error. */
TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_cur_end(const struct tlsh_cur *c)
{
	return c->p == c->end ? TLSH_OK : TLSH_ERR_DECODE;
}

struct tlsh_wbuf {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool heap;	/* buf is malloc'd and may grow */
	bool overflow;	/* sticky: a write did not fit */
};

/* Writer over a fixed caller buffer. */
void tlsh_wbuf_fixed(struct tlsh_wbuf *w, uint8_t *buf, size_t cap);
/* Growable heap writer (starts empty; tlsh_wbuf_free releases it). */
void tlsh_wbuf_heap(struct tlsh_wbuf *w);
void tlsh_wbuf_free(struct tlsh_wbuf *w);
/* Wipe the contents (for buffers that held secrets) then free. */
void tlsh_wbuf_wipe_free(struct tlsh_wbuf *w);

/* Reserve n bytes at the end and return them (NULL and sticky on overflow). */
uint8_t *tlsh_wbuf_reserve(struct tlsh_wbuf *w, size_t n);
void tlsh_put_bytes(struct tlsh_wbuf *w, const void *p, size_t n);
void tlsh_put_uint(struct tlsh_wbuf *w, size_t n, uint32_t v);

static inline void tlsh_put_u8(struct tlsh_wbuf *w, uint8_t v)
{
	tlsh_put_uint(w, 1, v);
}

static inline void tlsh_put_u16(struct tlsh_wbuf *w, uint16_t v)
{
	tlsh_put_uint(w, 2, v);
}

static inline void tlsh_put_u24(struct tlsh_wbuf *w, uint32_t v)
{
	tlsh_put_uint(w, 3, v);
}

/*
 * Open a vector with an lenbytes-wide length prefix; returns a mark for
 * tlsh_vec_close, which patches in the length (overflow if it does not fit).
 */
size_t tlsh_vec_open(struct tlsh_wbuf *w, size_t lenbytes);
void tlsh_vec_close(struct tlsh_wbuf *w, size_t mark, size_t lenbytes);

/* TLSH_ERR_BUFFER if any write overflowed, else OK. */
TLSH_MUST_CHECK static inline enum tlsh_err
tlsh_wbuf_err(const struct tlsh_wbuf *w)
{
	return w->overflow ? TLSH_ERR_BUFFER : TLSH_OK;
}

#endif
