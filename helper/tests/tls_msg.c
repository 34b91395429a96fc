// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake message parsing: the RFC 8448 messages parse, and every kind of
 * malformation gets its exact alert.
 */
#include <string.h>

#include "tls_testutil.h"
#include "tls_rfc8448.h"
#include "kselftest_harness.h"
#include "tls/cursor.h"
#include "tls/kex.h"
#include "tls/msg.h"

/* RFC 8448 section 3 ClientHello and ServerHello, without the header. */
#define ch_hex R8448_BODY(r8448_s3_ch_record)
#define sh_hex R8448_BODY(r8448_s3_sh_record)

/* Offset of the extensions length in the ClientHello body above. */
#define CH_EXT_LEN_OFF 45
#define SH_EXT_LEN_OFF 38

static size_t load(const char *hex, uint8_t *buf)
{
	return unhex(hex, buf, 1024);
}

/* Append raw extension bytes and fix up the block length at off. */
static void add_ext(uint8_t *b, size_t *len, size_t off, const char *hex)
{
	size_t n = unhex(hex, b + *len, 256);
	unsigned int l = (unsigned int)b[off] << 8 | b[off + 1];

	l += (unsigned int)n;
	b[off] = (uint8_t)(l >> 8);
	b[off + 1] = (uint8_t)l;
	*len += n;
}

TEST(cursor_bounds)
{
	static const uint8_t in[] = { 0x00, 0x03, 1, 2, 3, 0xff };
	struct tlsh_cur c = tlsh_cur_make(in, sizeof(in)), v;
	uint8_t x;
	uint32_t u;

	ASSERT_EQ(TLSH_OK, tlsh_cur_vec(&c, 2, 0, 10, &v));
	ASSERT_EQ(3, tlsh_cur_left(&v));
	ASSERT_EQ(TLSH_OK, tlsh_cur_u8(&v, &x));
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_cur_end(&v));
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_cur_u24(&v, &u));
	ASSERT_EQ(TLSH_OK, tlsh_cur_u8(&c, &x));
	ASSERT_EQ(0xff, x);
	ASSERT_EQ(TLSH_OK, tlsh_cur_end(&c));
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_cur_u8(&c, &x));
	/* Length outside [min, max]. */
	c = tlsh_cur_make(in, sizeof(in));
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_cur_vec(&c, 2, 4, 10, &v));
	c = tlsh_cur_make(in, sizeof(in));
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_cur_vec(&c, 2, 0, 2, &v));
	/* Longer than what is left. */
	c = tlsh_cur_make(in, 4);
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_cur_vec(&c, 2, 0, 10, &v));
}

TEST(writer_vectors)
{
	uint8_t buf[8];
	struct tlsh_wbuf w;
	size_t m;

	tlsh_wbuf_fixed(&w, buf, sizeof(buf));
	m = tlsh_vec_open(&w, 2);
	tlsh_put_u24(&w, 0x010203);
	tlsh_vec_close(&w, m, 2);
	ASSERT_EQ(TLSH_OK, tlsh_wbuf_err(&w));
	ASSERT_TRUE(hex_eq("00 03 01 02 03", buf, w.len));
	tlsh_put_bytes(&w, "abcd", 4);
	ASSERT_EQ(TLSH_ERR_BUFFER, tlsh_wbuf_err(&w));
	/* A 1-byte length cannot hold 256. */
	tlsh_wbuf_heap(&w);
	m = tlsh_vec_open(&w, 1);
	for (int i = 0; i < 256; i++)
		tlsh_put_u8(&w, 0);
	tlsh_vec_close(&w, m, 1);
	ASSERT_EQ(TLSH_ERR_BUFFER, tlsh_wbuf_err(&w));
	tlsh_wbuf_free(&w);
}

TEST(client_hello_rfc8448)
{
	uint8_t b[1024];
	size_t len = load(ch_hex, b);
	struct tlsh_client_hello ch;
	const uint8_t *kx;
	size_t kx_len;

	ASSERT_EQ(192, len);
	ASSERT_EQ(TLSH_OK, tlsh_parse_client_hello(b, len, &ch));
	ASSERT_TRUE(ch.tls13);
	ASSERT_EQ(0, ch.session_id_len);
	ASSERT_TRUE(tlsh_u16_list_has(ch.suites, 0x1303));
	ASSERT_FALSE(tlsh_u16_list_has(ch.suites, 0x1304));
	ASSERT_TRUE(tlsh_u16_list_has(ch.groups, TLSH_GROUP_SECP256R1));
	ASSERT_TRUE(tlsh_u16_list_has(ch.sigalgs, 0x0804));
	ASSERT_EQ(6, ch.sni_len);
	ASSERT_EQ(0, memcmp(ch.sni, "server", 6));
	ASSERT_TRUE(tlsh_ch_find_share(ch.shares, TLSH_GROUP_X25519, &kx,
				       &kx_len));
	ASSERT_EQ(32, kx_len);
	ASSERT_EQ(0x99, kx[0]);
	ASSERT_FALSE(tlsh_ch_find_share(ch.shares, TLSH_GROUP_SECP256R1, &kx,
					&kx_len));
}

TEST(client_hello_truncated)
{
	uint8_t b[1024];
	size_t len = load(ch_hex, b);
	struct tlsh_client_hello ch;

	for (size_t n = 0; n < len; n++) {
		enum tlsh_err e = tlsh_parse_client_hello(b, n, &ch);

		/*
		 * Cut right after the compression methods: a hello without
		 * extensions, which can only be TLS 1.2.
		 */
		if (n == CH_EXT_LEN_OFF) {
			ASSERT_EQ(TLSH_OK, e);
			ASSERT_FALSE(ch.tls13);
			ASSERT_TRUE(ch.tls12);
		} else {
			ASSERT_EQ(TLSH_ERR_DECODE, e) {
				TH_LOG("prefix %zu", n);
			}
		}
	}
}

TEST(client_hello_trailing_byte)
{
	uint8_t b[1024];
	size_t len = load(ch_hex, b);
	struct tlsh_client_hello ch;

	b[len++] = 0;
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_parse_client_hello(b, len, &ch));
}

TEST(client_hello_wrong_inner_length)
{
	uint8_t b[1024];
	size_t len = load(ch_hex, b);
	struct tlsh_client_hello ch;

	/* key_share client_shares length 0x24 -> 0x23: one byte left over. */
	for (size_t i = 0; i + 4 < len; i++) {
		if (b[i] == 0x00 && b[i + 1] == 0x33 && b[i + 2] == 0x00 &&
		    b[i + 3] == 0x26) {
			b[i + 5] = 0x23;
			break;
		}
	}
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_parse_client_hello(b, len, &ch));
}

TEST(client_hello_bad_compression)
{
	uint8_t b[1024];
	size_t len = load(ch_hex, b);
	struct tlsh_client_hello ch;

	/* The one method: not null. The server rejects it (tls_negative). */
	b[CH_EXT_LEN_OFF - 1] = 1;
	ASSERT_EQ(TLSH_OK, tlsh_parse_client_hello(b, len, &ch));
	ASSERT_EQ(1, tlsh_cur_left(&ch.comp));
	ASSERT_EQ(1, ch.comp.p[0]);
}

TEST(client_hello_without_tls13)
{
	uint8_t b[1024];
	size_t len = load(ch_hex, b);
	struct tlsh_client_hello ch;

	/* supported_versions lists 0x0304 -> 0x0303 only. */
	for (size_t i = 0; i + 6 < len; i++) {
		if (b[i] == 0x00 && b[i + 1] == 0x2b && b[i + 4] == 0x02) {
			b[i + 6] = 0x03;
			break;
		}
	}
	/* A TLS 1.2 hello: the server decides (tls12_handshake). */
	ASSERT_EQ(TLSH_OK, tlsh_parse_client_hello(b, len, &ch));
	ASSERT_FALSE(ch.tls13);
	ASSERT_TRUE(ch.tls12);
}

TEST(client_hello_duplicate_key_share_group)
{
	static const char two_shares[] =
		"00 33 00 0c 00 0a 00 17 00 01 aa 00 17 00 01 bb";
	uint8_t b[1024];
	size_t len = load(ch_hex, b), n;
	struct tlsh_client_hello ch;

	/* Replace the extension block by just supported_versions + shares. */
	n = CH_EXT_LEN_OFF + 2;
	b[CH_EXT_LEN_OFF] = 0;
	b[CH_EXT_LEN_OFF + 1] = 0;
	len = n;
	add_ext(b, &len, CH_EXT_LEN_OFF, "00 2b 00 03 02 03 04");
	add_ext(b, &len, CH_EXT_LEN_OFF, two_shares);
	ASSERT_EQ(TLSH_ERR_ILLEGAL_PARAMETER,
		  tlsh_parse_client_hello(b, len, &ch));
}

TEST(server_hello_rfc8448)
{
	uint8_t b[1024];
	size_t len = load(sh_hex, b);
	struct tlsh_server_hello sh;

	ASSERT_EQ(86, len);
	ASSERT_EQ(TLSH_OK, tlsh_parse_server_hello(b, len, &sh));
	ASSERT_FALSE(sh.hrr);
	ASSERT_EQ(0x1301, sh.suite);
	ASSERT_EQ(0x0304, sh.version);
	ASSERT_EQ(TLSH_GROUP_X25519, sh.group);
	ASSERT_EQ(32, sh.share_len);
	for (size_t n = 0; n < len; n++) {
		enum tlsh_err e = tlsh_parse_server_hello(b, n, &sh);

		/* Without an extension block: a TLS 1.2 ServerHello. */
		if (n == SH_EXT_LEN_OFF) {
			ASSERT_EQ(TLSH_OK, e);
			ASSERT_EQ(0x0303, sh.version);
		} else {
			ASSERT_EQ(TLSH_ERR_DECODE, e);
		}
	}
}

/*
 * One extension appended to a valid hello (twice for "again"), and what
 * the parser says about it.
 */
FIXTURE(hello_ext) {};
FIXTURE_VARIANT(hello_ext) {
	bool server;		/* the ServerHello, else the ClientHello */
	const char *ext;
	bool again;		/* valid once, appended a second time */
	enum tlsh_err want;
};
FIXTURE_SETUP(hello_ext) {}
FIXTURE_TEARDOWN(hello_ext) {}

FIXTURE_VARIANT_ADD(hello_ext, client_hello_duplicate_extension) {
	.ext = "00 0a 00 04 00 02 00 1d",	/* a second supported_groups */
	.want = TLSH_ERR_ILLEGAL_PARAMETER,
};
FIXTURE_VARIANT_ADD(hello_ext, client_hello_duplicate_unknown_extension) {
	.ext = "fe 00 00 00", .again = true,
	.want = TLSH_ERR_ILLEGAL_PARAMETER,
};
FIXTURE_VARIANT_ADD(hello_ext, client_hello_misplaced_extension) {
	.ext = "00 30 00 02 00 00",	/* oid_filters: CertificateRequest only */
	.want = TLSH_ERR_ILLEGAL_PARAMETER,
};
FIXTURE_VARIANT_ADD(hello_ext, server_hello_unknown_extension) {
	.server = true, .ext = "fe 00 00 00",
	.want = TLSH_ERR_UNSUPPORTED_EXTENSION,
};
FIXTURE_VARIANT_ADD(hello_ext, server_hello_misplaced_extension) {
	.server = true, .ext = "00 2c 00 03 00 01 00",	/* a cookie: HRR only */
	.want = TLSH_ERR_ILLEGAL_PARAMETER,
};

static enum tlsh_err parse_hello(bool server, const uint8_t *b, size_t len)
{
	struct tlsh_client_hello ch;
	struct tlsh_server_hello sh;

	return server ? tlsh_parse_server_hello(b, len, &sh) :
			tlsh_parse_client_hello(b, len, &ch);
}

TEST_F(hello_ext, parse)
{
	size_t off = variant->server ? SH_EXT_LEN_OFF : CH_EXT_LEN_OFF;
	uint8_t b[1024];
	size_t len = load(variant->server ? sh_hex : ch_hex, b);

	add_ext(b, &len, off, variant->ext);
	if (variant->again) {
		ASSERT_EQ(TLSH_OK, parse_hello(variant->server, b, len));
		add_ext(b, &len, off, variant->ext);
	}
	ASSERT_EQ(variant->want, parse_hello(variant->server, b, len));
}

TEST(hello_retry_request)
{
	static const char hrr[] =
		"03 03 cf 21 ad 74 e5 9a 61 11 be 1d 8c 02 1e 65 b8 91 c2 a2 11"
		"16 7a bb 8c 5e 07 9e 09 e2 c8 a8 33 9c 00 13 01 00 00 13 00 2b"
		"00 02 03 04 00 33 00 02 00 17 00 2c 00 03 00 01 ab";
	uint8_t b[1024];
	size_t len = load(hrr, b);
	struct tlsh_server_hello sh;

	ASSERT_EQ(TLSH_OK, tlsh_parse_server_hello(b, len, &sh));
	ASSERT_TRUE(sh.hrr);
	ASSERT_EQ(TLSH_GROUP_SECP256R1, sh.group);
	ASSERT_EQ(1, sh.cookie_len);
	ASSERT_EQ(0xab, sh.cookie[0]);
}

TEST(encrypted_extensions)
{
	struct tlsh_encrypted_extensions ee;
	uint8_t b[64];
	size_t len;

	len = unhex("00 0b 00 10 00 07 00 05 02 68 32 00 00", b, sizeof(b));
	ASSERT_EQ(TLSH_ERR_DECODE,
		  tlsh_parse_encrypted_extensions(b, len, &ee));
	len = unhex("00 0b 00 10 00 07 00 05 02 68 32 00 00"
		    , b, sizeof(b));
	b[1] = 0x0f;	/* + empty server_name below */
	len += unhex("00 00 00 00", b + len, 16);
	ASSERT_EQ(TLSH_ERR_DECODE,
		  tlsh_parse_encrypted_extensions(b, len, &ee));
	len = unhex("00 09 00 10 00 05 00 03 02 68 32", b, sizeof(b));
	ASSERT_EQ(TLSH_OK, tlsh_parse_encrypted_extensions(b, len, &ee));
	ASSERT_EQ(2, ee.alpn_len);
	/* Two protocols in the server's answer. */
	len = unhex("00 0c 00 10 00 08 00 06 02 68 32 02 68 33", b, sizeof(b));
	ASSERT_EQ(TLSH_ERR_ILLEGAL_PARAMETER,
		  tlsh_parse_encrypted_extensions(b, len, &ee));
	/* key_share does not belong in EncryptedExtensions. */
	len = unhex("00 06 00 33 00 02 00 1d", b, sizeof(b));
	ASSERT_EQ(TLSH_ERR_ILLEGAL_PARAMETER,
		  tlsh_parse_encrypted_extensions(b, len, &ee));
}

TEST(certificate)
{
	struct tlsh_certificate ct;
	uint8_t b[64];
	size_t len;

	len = unhex("00 00 00 0a 00 00 03 30 01 00 00 00 00 00", b, sizeof(b));
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_parse_certificate(b, len, &ct));
	len = unhex("00 00 00 08 00 00 03 30 01 00 00 00", b, sizeof(b));
	ASSERT_EQ(TLSH_OK, tlsh_parse_certificate(b, len, &ct));
	ASSERT_EQ(1, ct.n);
	ASSERT_EQ(3, ct.der_len[0]);
	/* An empty cert_data. */
	len = unhex("00 00 00 05 00 00 00 00 00", b, sizeof(b));
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_parse_certificate(b, len, &ct));
	/* Empty list is well-formed (the engine decides if that is OK). */
	len = unhex("00 00 00 00", b, sizeof(b));
	ASSERT_EQ(TLSH_OK, tlsh_parse_certificate(b, len, &ct));
	ASSERT_EQ(0, ct.n);
}

TEST(certificate_verify_and_request)
{
	struct tlsh_certificate_verify cv;
	struct tlsh_certificate_request cr;
	uint8_t b[64];
	size_t len;

	len = unhex("08 04 00 02 aa bb", b, sizeof(b));
	ASSERT_EQ(TLSH_OK, tlsh_parse_certificate_verify(b, len, &cv));
	ASSERT_EQ(0x0804, cv.scheme);
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_parse_certificate_verify(b, len - 1,
								 &cv));
	b[len] = 0;
	ASSERT_EQ(TLSH_ERR_DECODE, tlsh_parse_certificate_verify(b, len + 1,
								 &cv));
	len = unhex("00 00 08 00 0d 00 04 00 02 04 03", b, sizeof(b));
	ASSERT_EQ(TLSH_OK, tlsh_parse_certificate_request(b, len, &cr));
	ASSERT_TRUE(tlsh_u16_list_has(cr.sigalgs, 0x0403));
	len = unhex("00 00 00", b, sizeof(b));
	b[2] = 0;
	len = unhex("00 00 00", b, sizeof(b));
	ASSERT_EQ(TLSH_ERR_MISSING_EXTENSION,
		  tlsh_parse_certificate_request(b, len, &cr));
}

TEST(new_session_ticket)
{
	struct tlsh_new_session_ticket nst;
	uint8_t b[64];
	size_t len;

	len = unhex("00 00 1c 20 01 02 03 04 02 00 00 00 03 aa bb cc 00 00",
		    b, sizeof(b));
	ASSERT_EQ(TLSH_OK, tlsh_parse_new_session_ticket(b, len, &nst));
	ASSERT_EQ(7200, nst.lifetime);
	ASSERT_EQ(3, nst.ticket_len);
	for (size_t n = 0; n < len; n++)
		ASSERT_EQ(TLSH_ERR_DECODE,
			  tlsh_parse_new_session_ticket(b, n, &nst));
}

TEST_HARNESS_MAIN
