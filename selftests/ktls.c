// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh_ktls_install() against the real record layer, for every version x
 * AEAD the kernel carries. One end of a loopback pair gets the keys; the
 * other stays plain TCP and speaks TLS records through the independent
 * implementation in recordcrypto.h, so a key, salt, IV or sequence number in
 * the wrong place shows up as a record that does not authenticate.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "os/ktls.h"
#include "ktls_util.h"
#include "recordcrypto.h"

#define SENDFILE_SIZE	(3u << 20)

FIXTURE(ktls)
{
	int ktls;	/* keyed end */
	int plain;	/* plain TCP end, speaking records by hand */
	struct tlsh_traffic_keys p;
};

FIXTURE_VARIANT(ktls)
{
	uint16_t version;
	enum tlsh_aead aead;
};

#define KTLS_VARIANT(name, ver, aead_)					\
	FIXTURE_VARIANT_ADD(ktls, name) {				\
		.version = ver, .aead = TLSH_AEAD_##aead_,		\
	}

KTLS_VARIANT(tls12_aes_128_gcm, TLSH_TLS12, AES_128_GCM);
KTLS_VARIANT(tls12_aes_256_gcm, TLSH_TLS12, AES_256_GCM);
KTLS_VARIANT(tls12_chacha20_poly1305, TLSH_TLS12, CHACHA20_POLY1305);
KTLS_VARIANT(tls12_aes_128_ccm, TLSH_TLS12, AES_128_CCM);
KTLS_VARIANT(tls13_aes_128_gcm, TLSH_TLS13, AES_128_GCM);
KTLS_VARIANT(tls13_aes_256_gcm, TLSH_TLS13, AES_256_GCM);
KTLS_VARIANT(tls13_chacha20_poly1305, TLSH_TLS13, CHACHA20_POLY1305);
KTLS_VARIANT(tls13_aes_128_ccm, TLSH_TLS13, AES_128_CCM);

FIXTURE_SETUP(ktls)
{
	tcp_pair(_metadata, &self->ktls, &self->plain);
	random_params(_metadata, &self->p, variant->version, variant->aead);
}

FIXTURE_TEARDOWN(ktls)
{
	close(self->ktls);
	close(self->plain);
}

static void install(struct __test_metadata *_metadata, int fd,
		    const struct tlsh_traffic_keys *p)
{
	struct tlsh_ktls_error e;
	char msg[160];
	int rc = tlsh_ktls_install(fd, p, &e);

	ASSERT_EQ(0, rc) TH_LOG("%s", tlsh_ktls_strerror(&e, msg, sizeof(msg)));
	ASSERT_EQ(NULL, e.step);
}

/*
 * Writes through the keyed end from a thread, so the test can read and
 * decrypt the other end at the same time without either side stalling on
 * full socket buffers. On failure it shuts down the write side so the
 * reader sees EOF instead of waiting for its timeout.
 */
struct writer {
	pthread_t thread;
	int fd;
	const uint8_t *buf;
	const size_t *sizes;	/* one send() per entry */
	int count;
	int file;		/* >= 0: sendfile() sizes[0] bytes from it */
	int err;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	const uint8_t *p = w->buf;
	off_t off = 0;

	for (int i = 0; i < w->count && !w->err; i++) {
		size_t left = w->sizes[i];

		while (left && !w->err) {
			ssize_t n;

			if (w->file >= 0)
				n = sendfile(w->fd, w->file, &off, left);
			else
				n = send(w->fd, p, left, MSG_NOSIGNAL);
			if (n <= 0) {
				w->err = n < 0 ? errno : EIO;
				break;
			}
			left -= n;
			if (w->file < 0)
				p += n;
		}
	}
	if (w->err)
		shutdown(w->fd, SHUT_WR);
	return NULL;
}

static void writer_start(struct __test_metadata *_metadata, struct writer *w)
{
	ASSERT_EQ(0, pthread_create(&w->thread, NULL, writer_main, w));
}

static void writer_join(struct __test_metadata *_metadata, struct writer *w)
{
	ASSERT_EQ(0, pthread_join(w->thread, NULL));
	ASSERT_EQ(0, w->err) TH_LOG("writer: %s", strerror(w->err));
}

/*
 * Read records from the plain end until `total` bytes of application data
 * have been opened, checking each against `expect`. *seq is the next
 * expected record number and is advanced. Returns the number of records;
 * first_len gets the first record's content length.
 */
static size_t open_records(struct __test_metadata *_metadata,
			   const FIXTURE_VARIANT(ktls) *variant,
			   int fd, const struct tlsh_traffic_dir *d,
			   uint64_t *seq, const uint8_t *expect, size_t total,
			   size_t *first_len)
{
	static uint8_t rec[RC_MAX_RECORD], out[RC_MAX_PLAIN + 256];
	size_t got = 0, records = 0;

	while (got < total) {
		size_t len = read_record(_metadata, fd, rec);
		uint8_t type = 0;
		ssize_t n;

		/* TLS 1.2 GCM/CCM: the explicit nonce is the record number. */
		if (rc_has_explicit_nonce(variant->version, variant->aead)) {
			ASSERT_GE(len, RC_HDR + RC_EXPLICIT);
			ASSERT_EQ(*seq, rc_get_be64(rec + RC_HDR));
		}
		n = rc_open(variant->version, variant->aead, d, *seq, rec, len,
			    &type, out);
		ASSERT_GE(n, 0) TH_LOG("record %zu (seq %#llx) does not open",
				       records, (unsigned long long)*seq);
		ASSERT_EQ(RC_TYPE_APPDATA, type);
		ASSERT_LE((size_t)n, RC_MAX_PLAIN);
		ASSERT_LE(got + n, total);
		ASSERT_EQ(0, memcmp(expect + got, out, n))
			TH_LOG("record %zu: plaintext differs", records);
		if (!records && first_len)
			*first_len = n;
		got += n;
		(*seq)++;
		records++;
	}
	return records;
}

/* Messages of varied sizes out through kTLS, opened independently. */
TEST_F(ktls, tx_records)
{
	/* 1 byte alone; exactly one full record; one byte over; many. */
	static const size_t sizes[] = { 1, 13, 16384, 16385, 40000, 100 };
	struct writer w = { .fd = self->ktls, .sizes = sizes,
			    .count = ARRAY_SIZE(sizes),
			    .file = -1 };
	uint64_t seq = self->p.tx.seq;
	size_t total = 0, first = 0, records;
	uint8_t *buf;

	for (int i = 0; i < w.count; i++)
		total += sizes[i];
	buf = malloc(total);
	ASSERT_NE(NULL, buf);
	fill_pattern(buf, total, 0x5eed);
	w.buf = buf;

	install(_metadata, self->ktls, &self->p);
	writer_start(_metadata, &w);
	records = open_records(_metadata, variant, self->plain, &self->p.tx,
			       &seq, buf, total, &first);
	writer_join(_metadata, &w);

	/* A send() without MSG_MORE closes its record. */
	EXPECT_EQ(1u, first);
	/* At least one record per send(), plus the splits at 16 KiB. */
	EXPECT_GE(records, 9u);
	EXPECT_EQ(self->p.tx.seq + records, seq);
	free(buf);
}

/* Records sealed independently from the configured RX sequence number. */
TEST_F(ktls, rx_records)
{
	static const size_t sizes[] = { 1, 300, 16384, 5 };
	static uint8_t wire[4 * RC_MAX_RECORD], plain[2 * RC_MAX_PLAIN];
	static uint8_t got[sizeof(plain)];
	uint64_t seq = self->p.rx.seq;
	size_t wire_len = 0, total = 0, off, cut = 0;

	fill_pattern(plain, sizeof(plain), 0xabcd);
	for (int i = 0; i < 4; i++) {
		/* TLS 1.3 padding on one record: the kernel must strip it. */
		wire_len += rc_seal(variant->version, variant->aead,
				    &self->p.rx, seq++, RC_TYPE_APPDATA,
				    plain + total, sizes[i], i == 1 ? 7 : 0,
				    wire + wire_len);
		total += sizes[i];
		if (i == 0)
			cut = wire_len + 2;
	}

	install(_metadata, self->ktls, &self->p);
	/* Cut inside the second record's header: the parser must reassemble. */
	write_full(_metadata, self->plain, wire, cut);
	usleep(10000);
	write_full(_metadata, self->plain, wire + cut, wire_len - cut);

	for (off = 0; off < total;) {
		ssize_t n = recv(self->ktls, got + off, total - off, 0);

		ASSERT_GT(n, 0) TH_LOG("recv: %s", strerror(errno));
		off += n;
	}
	ASSERT_EQ(0, memcmp(plain, got, total));
}

/*
 * Records that arrived before the keys were installed (the peer's first
 * application data right behind its Finished) are decrypted, not lost.
 */
TEST_F(ktls, rx_queued_before_install)
{
	static const char msg[] = "early application data";
	uint8_t rec[RC_MAX_RECORD];
	char got[sizeof(msg)];
	size_t len;

	len = rc_seal(variant->version, variant->aead, &self->p.rx,
		      self->p.rx.seq, RC_TYPE_APPDATA, (const uint8_t *)msg,
		      sizeof(msg), 0, rec);
	write_full(_metadata, self->plain, rec, len);
	usleep(10000);
	install(_metadata, self->ktls, &self->p);
	read_full(_metadata, self->ktls, got, sizeof(msg));
	ASSERT_EQ(0, memcmp(msg, got, sizeof(msg)));
}

/* sendfile() of a few MiB through kTLS arrives byte-exact. */
TEST_F_TIMEOUT(ktls, sendfile, 300)
{
	size_t size = SENDFILE_SIZE;
	struct writer w = { .fd = self->ktls, .sizes = &size, .count = 1 };
	uint64_t seq = self->p.tx.seq;
	size_t records;
	uint8_t *buf;

	buf = malloc(size);
	ASSERT_NE(NULL, buf);
	fill_pattern(buf, size, 0xf11e);
	w.file = memfd_create("ktls-sendfile", 0);
	ASSERT_GE(w.file, 0);
	ASSERT_EQ((ssize_t)size, write(w.file, buf, size));

	install(_metadata, self->ktls, &self->p);
	writer_start(_metadata, &w);
	records = open_records(_metadata, variant, self->plain, &self->p.tx,
			       &seq, buf, size, NULL);
	writer_join(_metadata, &w);
	EXPECT_GE(records, size / RC_MAX_PLAIN);
	close(w.file);
	free(buf);
}

/* One flipped ciphertext bit: recv() fails with EBADMSG. */
TEST_F(ktls, tampered_record)
{
	static const char good[] = "authentic", bad[] = "forged";
	uint8_t rec[RC_MAX_RECORD];
	char got[64];
	size_t len, off, in = 0;
	ssize_t n;

	install(_metadata, self->ktls, &self->p);
	len = rc_seal(variant->version, variant->aead, &self->p.rx,
		      self->p.rx.seq, RC_TYPE_APPDATA, (const uint8_t *)good,
		      sizeof(good), 0, rec);
	write_full(_metadata, self->plain, rec, len);
	len = rc_seal(variant->version, variant->aead, &self->p.rx,
		      self->p.rx.seq + 1, RC_TYPE_APPDATA, (const uint8_t *)bad,
		      sizeof(bad), 0, rec);
	off = RC_HDR + (rc_has_explicit_nonce(variant->version, variant->aead) ?
			RC_EXPLICIT : 0);
	rec[off + 2] ^= 0x01;
	write_full(_metadata, self->plain, rec, len);

	/* The good record's bytes may come first; then the error. */
	while ((n = recv(self->ktls, got + in, sizeof(got) - in, 0)) > 0)
		in += n;
	ASSERT_EQ(-1, n);
	ASSERT_EQ(EBADMSG, errno);
	ASSERT_EQ(sizeof(good), in);
	ASSERT_EQ(0, memcmp(good, got, in));
}

TEST_HARNESS_MAIN
