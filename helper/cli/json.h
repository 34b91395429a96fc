/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small JSON writer for machine-readable output (`status --json`): no
 * parser, no tree, the text written as it goes, with the commas and the
 * string escaping done here and nowhere else.
 *
 * Strings are written as RFC 8259 strings: '"' and '\\' escaped, control
 * characters (below 0x20, and 0x7f) as \n, \t, ... or \u00XX, valid UTF-8
 * as it is, and each byte that is not part of valid UTF-8 (a path may hold
 * any byte but '/' and NUL) as \ufffd, so the output is always valid
 * UTF-8 JSON.
 */
#ifndef TLSH_JSON_H
#define TLSH_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TLSH_JSON_MAX_DEPTH	16

struct tlsh_json {
	FILE *out;
	unsigned int depth;
	bool has_items[TLSH_JSON_MAX_DEPTH];	/* a comma before the next */
};

void tlsh_json_init(struct tlsh_json *j, FILE *out);

/*
 * Every value below takes the key it has in the enclosing object, or NULL
 * inside an array (and for the outermost value).
 */
void tlsh_json_open(struct tlsh_json *j, const char *key, char bracket);
void tlsh_json_close(struct tlsh_json *j, char bracket);
/* s NULL: null. */
void tlsh_json_string(struct tlsh_json *j, const char *key, const char *s);
void tlsh_json_u64(struct tlsh_json *j, const char *key, uint64_t v);
void tlsh_json_bool(struct tlsh_json *j, const char *key, bool v);
void tlsh_json_null(struct tlsh_json *j, const char *key);
/*
 * A decimal number given as text (a field of a daemon reply): written as a
 * number if it is one (digits only), else null.
 */
void tlsh_json_decimal(struct tlsh_json *j, const char *key, const char *text);

/* s (NULL: null) as a JSON string, quotes included. */
void tlsh_json_write_str(FILE *out, const char *s);

#endif
