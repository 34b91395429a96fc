// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "tls/cursor.h"

void tlsh_wbuf_fixed(struct tlsh_wbuf *w, uint8_t *buf, size_t cap)
{
	*w = (struct tlsh_wbuf){ .buf = buf, .cap = cap };
}

void tlsh_wbuf_heap(struct tlsh_wbuf *w)
{
	*w = (struct tlsh_wbuf){ .heap = true };
}

void tlsh_wbuf_free(struct tlsh_wbuf *w)
{
	if (w->heap)
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

void tlsh_wbuf_wipe_free(struct tlsh_wbuf *w)
{
	if (w->buf)
		explicit_bzero(w->buf, w->cap);
	tlsh_wbuf_free(w);
}

static bool grow(struct tlsh_wbuf *w, size_t need)
{
	size_t cap = w->cap ? w->cap : 256;
	uint8_t *nb;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	/* Never realloc: the old block may hold secrets and must be wiped. */
	nb = malloc(cap);
	if (!nb)
		return false;
	if (w->buf) {
		memcpy(nb, w->buf, w->len);
		explicit_bzero(w->buf, w->cap);
		free(w->buf);
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

uint8_t *tlsh_wbuf_reserve(struct tlsh_wbuf *w, size_t n)
{
	uint8_t *p;

	if (w->overflow)
		return NULL;
	if (n > w->cap - w->len) {
		if (!w->heap || n > SIZE_MAX - w->len || !grow(w, w->len + n)) {
			w->overflow = true;
			return NULL;
		}
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

void tlsh_put_bytes(struct tlsh_wbuf *w, const void *src, size_t n)
{
	uint8_t *p = tlsh_wbuf_reserve(w, n);

	if (p && n)
		memcpy(p, src, n);
}

void tlsh_put_uint(struct tlsh_wbuf *w, size_t n, uint32_t v)
{
	uint8_t *p = tlsh_wbuf_reserve(w, n);

	if (!p)
		return;
	for (size_t i = n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

size_t tlsh_vec_open(struct tlsh_wbuf *w, size_t lenbytes)
{
	size_t mark = w->len;

	tlsh_put_uint(w, lenbytes, 0);
	return mark;
}

void tlsh_vec_close(struct tlsh_wbuf *w, size_t mark, size_t lenbytes)
{
	size_t len;

	if (w->overflow)
		return;
	len = w->len - mark - lenbytes;
	if (lenbytes < 4 && len >> (8 * lenbytes)) {
		w->overflow = true;
		return;
	}
	for (size_t i = lenbytes; i-- > 0; len >>= 8)
		w->buf[mark + i] = (uint8_t)len;
}
