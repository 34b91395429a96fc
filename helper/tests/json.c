// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer of `status --json` (cli/json.c): strings escaped so that
 * any path (quotes, backslashes, control characters, bytes that are not
 * UTF-8) comes out as valid JSON, and the commas between items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cli/json.h"

/* s written as a JSON string, into a buffer the caller frees. */
static char *json_str(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	tlsh_json_write_str(f, s);
	fclose(f);
	return buf;
}

#define EXPECT_JSON(in, want)						\
	do {								\
		char *got = json_str(in);				\
									\
		ASSERT_NE(NULL, got);					\
		EXPECT_STREQ(want, got);				\
		free(got);						\
	} while (0)

TEST(plain_strings_pass_through)
{
	EXPECT_JSON("/etc/tlsh/a.pem", "\"/etc/tlsh/a.pem\"");
	EXPECT_JSON("", "\"\"");
	EXPECT_JSON(NULL, "null");
}

TEST(quotes_and_backslashes_are_escaped)
{
	EXPECT_JSON("/tmp/o\"dd\\name.pem", "\"/tmp/o\\\"dd\\\\name.pem\"");
	EXPECT_JSON("\"", "\"\\\"\"");
	EXPECT_JSON("\\", "\"\\\\\"");
	/* A slash needs no escape. */
	EXPECT_JSON("a/b", "\"a/b\"");
}

TEST(control_characters_are_escaped)
{
	EXPECT_JSON("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
	EXPECT_JSON("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	EXPECT_JSON("\b\f", "\"\\u0008\\u000c\"");
}

TEST(valid_utf8_passes_invalid_bytes_become_replacement)
{
	/* é (2 bytes), € (3), 😀 (4): kept as they are. */
	EXPECT_JSON("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* A Latin-1 byte, a lone continuation byte, a cut sequence. */
	EXPECT_JSON("a\xe9z", "\"a\\ufffdz\"");
	EXPECT_JSON("\x80", "\"\\ufffd\"");
	EXPECT_JSON("\xe2\x82", "\"\\ufffd\\ufffd\"");
	/* Overlong '/', a UTF-16 surrogate, above U+10FFFF. */
	EXPECT_JSON("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	EXPECT_JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	EXPECT_JSON("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* A cut sequence does not eat the quote that follows. */
	EXPECT_JSON("\xe2\"", "\"\\ufffd\\\"\"");
}

/* A writer into memory: *buf holds the text once f is closed. */
FIXTURE(mem) {
	char *buf;
	size_t len;
	FILE *f;
	struct tlsh_json j;
};

FIXTURE_SETUP(mem)
{
	self->buf = NULL;
	self->f = open_memstream(&self->buf, &self->len);
	ASSERT_NE(NULL, self->f);
	tlsh_json_init(&self->j, self->f);
}

FIXTURE_TEARDOWN(mem)
{
	free(self->buf);
}

TEST_F(mem, objects_and_arrays_get_their_commas)
{
	struct tlsh_json j = self->j;

	tlsh_json_open(&j, NULL, '{');
	tlsh_json_u64(&j, "schema", 1);
	tlsh_json_open(&j, "a", '[');
	tlsh_json_string(&j, NULL, "x");
	tlsh_json_null(&j, NULL);
	tlsh_json_open(&j, NULL, '{');
	tlsh_json_close(&j, '}');
	tlsh_json_close(&j, ']');
	tlsh_json_bool(&j, "ok", true);
	tlsh_json_open(&j, "empty", '[');
	tlsh_json_close(&j, ']');
	tlsh_json_u64(&j, "big", 18446744073709551615ULL);
	tlsh_json_close(&j, '}');
	fclose(self->f);
	EXPECT_STREQ("{\"schema\":1,\"a\":[\"x\",null,{}],\"ok\":true,"
		     "\"empty\":[],\"big\":18446744073709551615}\n", self->buf);
}

TEST_F(mem, decimal_text_is_a_number_or_null)
{
	struct tlsh_json j = self->j;

	tlsh_json_open(&j, NULL, '[');
	tlsh_json_decimal(&j, NULL, "42");
	tlsh_json_decimal(&j, NULL, "0");
	tlsh_json_decimal(&j, NULL, "");
	tlsh_json_decimal(&j, NULL, NULL);
	tlsh_json_decimal(&j, NULL, "-1");
	tlsh_json_decimal(&j, NULL, "007");
	tlsh_json_decimal(&j, NULL, "1e3");
	tlsh_json_decimal(&j, NULL, "12\"");
	tlsh_json_close(&j, ']');
	fclose(self->f);
	EXPECT_STREQ("[42,0,null,null,null,null,null,null]\n", self->buf);
}

TEST_HARNESS_MAIN
