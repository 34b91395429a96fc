// SPDX-License-Identifier: GPL-2.0
/* The JSON writer of machine-readable output (json.h). */
#include <string.h>

#include "cli/json.h"

/*
 * The length of the valid UTF-8 sequence at p (at most n bytes), or 0:
 * shortest form only, no surrogates, nothing above U+10FFFF (RFC 3629).
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void tlsh_json_write_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s) {
		fputs("null", out);
		return;
	}
	n = strlen(s);
	fputc('"', out);
	while (n) {
		size_t len = utf8_len(p, n);

		if (!len) {
			fputs("\\ufffd", out);
			len = 1;
		} else if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p);
		} else if (*p == '\n') {
			fputs("\\n", out);
		} else if (*p == '\t') {
			fputs("\\t", out);
		} else if (*p == '\r') {
			fputs("\\r", out);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
		} else {
			fwrite(p, 1, len, out);
		}
		p += len;
		n -= len;
	}
	fputc('"', out);
}

void tlsh_json_init(struct tlsh_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* The comma before an item, and its key. */
static void item(struct tlsh_json *j, const char *key)
{
	if (j->has_items[j->depth])
		fputc(',', j->out);
	j->has_items[j->depth] = true;
	if (key) {
		tlsh_json_write_str(j->out, key);
		fputc(':', j->out);
	}
}

void tlsh_json_open(struct tlsh_json *j, const char *key, char bracket)
{
	item(j, key);
	fputc(bracket, j->out);
	if (j->depth + 1 < TLSH_JSON_MAX_DEPTH)
		j->depth++;
	j->has_items[j->depth] = false;
}

void tlsh_json_close(struct tlsh_json *j, char bracket)
{
	if (j->depth)
		j->depth--;
	fputc(bracket, j->out);
	if (!j->depth)
		fputc('\n', j->out);
}

void tlsh_json_string(struct tlsh_json *j, const char *key, const char *s)
{
	item(j, key);
	tlsh_json_write_str(j->out, s);
}

void tlsh_json_u64(struct tlsh_json *j, const char *key, uint64_t v)
{
	item(j, key);
	fprintf(j->out, "%llu", (unsigned long long)v);
}

void tlsh_json_bool(struct tlsh_json *j, const char *key, bool v)
{
	item(j, key);
	fputs(v ? "true" : "false", j->out);
}

void tlsh_json_null(struct tlsh_json *j, const char *key)
{
	item(j, key);
	fputs("null", j->out);
}

void tlsh_json_decimal(struct tlsh_json *j, const char *key, const char *text)
{
	size_t n = text ? strspn(text, "0123456789") : 0;

	item(j, key);
	/* JSON has no leading zeros: "0" alone, or digits from 1-9. */
	if (n && !text[n] && n <= 20 && (text[0] != '0' || n == 1))
		fputs(text, j->out);
	else
		fputs("null", j->out);
}
