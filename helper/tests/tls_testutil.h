/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the tls_* host tests. */
#ifndef TLSH_TESTS_TLS_TESTUTIL_H
#define TLSH_TESTS_TLS_TESTUTIL_H

/*
 * kselftest_harness.h compares `expected` (often an int literal) with size_t
 * and enum values, and trips -Wmisleading-indentation itself; include this
 * header before it.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmisleading-indentation"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Parse hex (spaces and newlines ignored) into out; returns the length. */
static inline size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (isspace((unsigned char)*hex))
			continue;
		v = isdigit((unsigned char)*hex) ? *hex - '0' :
			tolower((unsigned char)*hex) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (uint8_t)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

static inline void print_hex(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "# %s (%zu):", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n#   ", p[i]);
	fprintf(stderr, "\n");
}

/* 1 when buf[0..len) equals the hex string; prints both otherwise. */
static inline int hex_eq(const char *hex, const uint8_t *buf, size_t len)
{
	uint8_t want[4096];
	size_t n = unhex(hex, want, sizeof(want));

	if (n == len && !memcmp(want, buf, len))
		return 1;
	print_hex("expected", want, n < sizeof(want) ? n : sizeof(want));
	print_hex("got", buf, len);
	return 0;
}

#endif
