// SPDX-License-Identifier: GPL-2.0
/*
 * A plain-TCP server whose accepts are io_uring requests (liburing), for
 * selftests/attach_uring.sh: it listens on 127.0.0.1:PORT, submits N
 * IORING_OP_ACCEPT requests and one multishot accept at once, prints
 * "pending N+1" and then serves, re-submitting each accept that
 * completes. The same protocol and log as selftests/lib/accept_server.py
 * (its clients check it): a connection's request is read in a thread of
 * its own and logged to LOG, one line each, "served" (a request read in
 * plaintext, answered with the 48 KiB payload), "raw" (the first byte
 * was 0x16: a TLS handshake record, the server read a ClientHello),
 * "bad" or "error ..."; a failed accept logs "accept-error ERRNO". Not a
 * test itself (built into build/selftests/lib/, which the VM selftest
 * list does not run).
 *
 *   uring_accept PORT LOG N
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PAYLOAD_LEN (48 * 1024)
#define SINGLE 1	/* user_data of a one-shot accept */
#define MULTI 2		/* user_data of the multishot accept */

static const char *logf;
static unsigned char payload[PAYLOAD_LEN];

/* One write() of a short line on O_APPEND: whole lines, any thread. */
static void log_line(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int fd, len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (len < 0 || len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fd = open(logf, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, len) != len)
		perror("log");
	close(fd);
}

static int send_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* A request is one line ("GET i\n"); attached, it arrives decrypted. */
static void *handle(void *arg)
{
	int fd = (int)(long)arg;
	struct timeval tv = { .tv_sec = 60 };
	char req[4096];
	size_t have = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (have < sizeof(req)) {
		ssize_t n = recv(fd, req + have, sizeof(req) - have, 0);

		if (n <= 0) {
			log_line("error recv %s", n ? strerror(errno) : "eof");
			goto out;
		}
		have += n;
		if (req[0] == 0x16 || memchr(req, '\n', have))
			break;
	}
	if (req[0] == 0x16) {
		log_line("raw");
	} else if (have >= 3 && !memcmp(req, "GET", 3)) {
		log_line("served");
		send_all(fd, payload, sizeof(payload));
	} else {
		log_line("bad");
	}
out:
	close(fd);
	return NULL;
}

static void submit_accept(struct io_uring *ring, int lfd, int multishot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		fprintf(stderr, "uring_accept: no free SQE\n");
		exit(1);
	}
	if (multishot)
		io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
	else
		io_uring_prep_accept(sqe, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, multishot ? MULTI : SINGLE);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct io_uring ring;
	int lfd, one = 1, n, i, err;

	if (argc != 4) {
		fprintf(stderr, "usage: uring_accept PORT LOG N\n");
		return 2;
	}
	logf = argv[2];
	n = atoi(argv[3]);
	for (i = 0; i < PAYLOAD_LEN; i++)
		payload[i] = (unsigned char)(i * 7 + 3);
	sin.sin_port = htons(atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 128)) {
		perror("uring_accept: listener");
		return 1;
	}
	err = io_uring_queue_init(64, &ring, 0);
	if (err) {
		fprintf(stderr, "uring_accept: io_uring: %s\n", strerror(-err));
		return 1;
	}
	for (i = 0; i < n; i++)
		submit_accept(&ring, lfd, 0);
	submit_accept(&ring, lfd, 1);
	err = io_uring_submit(&ring);
	if (err != n + 1) {
		fprintf(stderr, "uring_accept: submit: %d\n", err);
		return 1;
	}
	printf("pending %d\n", n + 1);
	fflush(stdout);
	for (;;) {
		struct io_uring_cqe *cqe;
		pthread_t t;
		int res, more;
		__u64 what;

		err = io_uring_wait_cqe(&ring, &cqe);
		if (err == -EINTR)
			continue;
		if (err) {
			fprintf(stderr, "uring_accept: wait: %s\n", strerror(-err));
			return 1;
		}
		res = cqe->res;
		what = io_uring_cqe_get_data64(cqe);
		more = cqe->flags & IORING_CQE_F_MORE;
		io_uring_cqe_seen(&ring, cqe);
		if (res < 0)
			log_line("accept-error %d", -res);
		else if (pthread_create(&t, NULL, handle, (void *)(long)res))
			close(res);
		else
			pthread_detach(t);
		/* A one-shot accept is done; a multishot one may have ended. */
		if (what == SINGLE || !more) {
			submit_accept(&ring, lfd, what == MULTI);
			io_uring_submit(&ring);
		}
	}
}
