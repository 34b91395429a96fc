// SPDX-License-Identifier: GPL-2.0
/*
 * bulkclient: the one client of the bulk-transfer benchmark
 * (scripts/bench/vm-bulk.sh), over plain TCP or TLS. TLS is GnuTLS in
 * userspace, independent of the engine under test, forced to TLS 1.3 with
 * TLS_AES_128_GCM_SHA256 and X25519, the server verified as "localhost".
 *
 *   bulkclient PORT [--tls CAFILE] --get PATH [--out FILE]
 *   bulkclient PORT [--tls CAFILE] --put FILE
 *
 * --get: sends "GET /PATH HTTP/1.0", expects a 200, and reads the body to
 * the server's close (close_notify or TCP FIN); a Content-Length, where the
 * server sends one, must match. --out writes the body there.
 * --put: sends FILE in 64 KiB writes, then ends its side with a bare TCP FIN
 * (no close_notify: a plain kTLS reader on Linux 6.1 would read that record
 * as EIO, not EOF), and reads the server's "read N" reply to its close; N
 * must be FILE's size.
 *
 * Connects to 127.0.0.1:PORT. Prints one line, timed from before connect()
 * to the server's close:
 *   bytes=N wall_s=S cpu_s=C tls=TLS1.3/AES-128-GCM   (tls=none: plain TCP)
 * bytes: body bytes received (--get) or the server's count (--put); cpu_s:
 * this process's user+system CPU over the same span. Exit 1 on any failure;
 * killed by SIGALRM after 300 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>

#define CHUNK 65536
#define MAX_SECONDS 300
#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:" \
		 "-GROUP-ALL:+GROUP-X25519"

static int fd = -1;
static gnutls_session_t tls;	/* NULL: plain TCP */

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "bulkclient: %s: %s\n", what, why);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void send_all(const char *p, size_t len)
{
	while (len) {
		ssize_t w = tls ? gnutls_record_send(tls, p, len) : write(fd, p, len);

		if (tls && (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED))
			continue;
		if (!tls && w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			fail("send", tls ? gnutls_strerror((int)w) : strerror(errno));
		p += w;
		len -= (size_t)w;
	}
}

/* Some bytes, or 0 at the server's close (close_notify or FIN). */
static size_t recv_some(char *buf, size_t len)
{
	for (;;) {
		ssize_t r = tls ? gnutls_record_recv(tls, buf, len) : read(fd, buf, len);

		if (tls && (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED))
			continue;
		if (tls && r == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;
		if (!tls && r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("receive", tls ? gnutls_strerror((int)r) : strerror(errno));
		return (size_t)r;
	}
}

/* Before the clock starts: library, CA and session set up. */
static void tls_setup(const char *cafile)
{
	gnutls_certificate_credentials_t cred;
	const char *err_pos;

	if (gnutls_global_init() ||
	    gnutls_certificate_allocate_credentials(&cred) ||
	    gnutls_certificate_set_x509_trust_file(cred, cafile,
						   GNUTLS_X509_FMT_PEM) <= 0)
		fail(cafile, "cannot load the CA");
	if (gnutls_init(&tls, GNUTLS_CLIENT) ||
	    gnutls_priority_set_direct(tls, PRIORITY, &err_pos) ||
	    gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, cred) ||
	    gnutls_server_name_set(tls, GNUTLS_NAME_DNS, "localhost", 9))
		fail("gnutls", "session setup failed");
	gnutls_session_set_verify_cert(tls, "localhost", 0);
}

static void tls_handshake(void)
{
	int rc;

	gnutls_transport_set_int(tls, fd);
	do {
		rc = gnutls_handshake(tls);
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0)
		fail("handshake", gnutls_strerror(rc));
}

static long long get(const char *path, const char *out_path)
{
	static char buf[CHUNK + 1];
	char req[512], *body, *cl;
	long long total = 0, want = -1;
	size_t have = 0, n;
	int out = -1;

	if (out_path) {
		out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (out < 0)
			fail(out_path, strerror(errno));
	}
	snprintf(req, sizeof(req), "GET /%s HTTP/1.0\r\nHost: localhost\r\n\r\n",
		 path);
	send_all(req, strlen(req));
	/* The head, up to its blank line; what follows it is body. */
	for (;;) {
		n = recv_some(buf + have, CHUNK - have);
		if (!n)
			fail("response", "closed before the end of the header");
		have += n;
		buf[have] = 0;
		body = strstr(buf, "\r\n\r\n");
		if (body)
			break;
		if (have == CHUNK)
			fail("response", "header too long");
	}
	if (strncmp(buf, "HTTP/1.", 7) || strncmp(buf + 8, " 200", 4))
		fail("response", "not a 200");
	*body = 0;
	body += 4;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (cl)
		want = atoll(cl + 17);
	n = have - (size_t)(body - buf);
	do {
		if (out >= 0 && n && write(out, body, n) != (ssize_t)n)
			fail(out_path, "short write");
		total += (long long)n;
		body = buf;
		n = recv_some(buf, CHUNK);
	} while (n);
	if (out >= 0)
		close(out);
	if (want >= 0 && want != total) {
		snprintf(req, sizeof(req), "%lld body bytes, Content-Length %lld",
			 total, want);
		fail("response", req);
	}
	return total;
}

static long long put(const char *path)
{
	char reply[128], msg[160];
	size_t have = 0, n, off;
	long long got;
	struct stat st;
	char *data;
	int f = open(path, O_RDONLY | O_CLOEXEC);

	if (f < 0 || fstat(f, &st))
		fail(path, strerror(errno));
	data = st.st_size ? mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, f, 0) : "";
	if (data == MAP_FAILED)
		fail(path, strerror(errno));
	for (off = 0; off < (size_t)st.st_size; off += n) {
		n = (size_t)st.st_size - off < CHUNK ? (size_t)st.st_size - off : CHUNK;
		send_all(data + off, n);
	}
	if (shutdown(fd, SHUT_WR))
		fail("shutdown", strerror(errno));
	while (have < sizeof(reply) - 1 &&
	       (n = recv_some(reply + have, sizeof(reply) - 1 - have)))
		have += n;
	reply[have] = 0;
	if (sscanf(reply, "read %lld\n", &got) != 1)
		fail("reply", "no \"read N\" from the server");
	if (got != (long long)st.st_size) {
		snprintf(msg, sizeof(msg), "the server read %lld of %lld bytes",
			 got, (long long)st.st_size);
		fail("reply", msg);
	}
	return got;
}

static int usage(void)
{
	fprintf(stderr, "usage: bulkclient PORT [--tls CAFILE] --get PATH [--out FILE]\n"
		"       bulkclient PORT [--tls CAFILE] --put FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *ca = NULL, *get_path = NULL, *put_path = NULL, *out = NULL;
	const struct { const char *name, **value; } opts[] = {
		{ "--tls", &ca }, { "--get", &get_path },
		{ "--put", &put_path }, { "--out", &out },
	};
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	double t0, c0;
	long long bytes;
	size_t k, n_opts = sizeof(opts) / sizeof(opts[0]);
	int i;

	if (argc < 2)
		return usage();
	alarm(MAX_SECONDS);	/* a stuck server cannot hang the benchmark */
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	for (i = 2; i + 1 < argc; i += 2) {
		for (k = 0; k < n_opts && strcmp(argv[i], opts[k].name); k++)
			;
		if (k == n_opts)
			return usage();
		*opts[k].value = argv[i + 1];
	}
	if (i != argc || !get_path == !put_path || (out && !get_path))
		return usage();

	if (ca)
		tls_setup(ca);
	t0 = now();
	c0 = cpu_now();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		fail("connect", strerror(errno));
	if (tls)
		tls_handshake();
	bytes = get_path ? get(get_path, out) : put(put_path);
	printf("bytes=%lld wall_s=%.4f cpu_s=%.4f tls=%s\n", bytes, now() - t0,
	       cpu_now() - c0, !tls ? "none" :
	       gnutls_protocol_get_version(tls) == GNUTLS_TLS1_3 &&
	       gnutls_cipher_get(tls) == GNUTLS_CIPHER_AES_128_GCM ?
	       "TLS1.3/AES-128-GCM" : "other");
	return 0;
}
