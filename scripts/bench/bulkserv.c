// SPDX-License-Identifier: GPL-2.0
/*
 * bulkserv: the plaintext server of the bulk-transfer benchmark
 * (scripts/bench/vm-bulk.sh). It knows nothing of TLS: under
 * `tlshelper serve --exec` or behind tlsh.ko its socket is a kTLS socket and
 * the kernel does the record layer; otherwise it is plain TCP.
 *
 *   bulkserv [--listen PORT --done-file FILE] sendfile FILE
 *   bulkserv [--listen PORT --done-file FILE] [--save-once FILE] read
 *
 * sendfile: reads a request up to its blank line (HTTP/1.0 style), answers
 * 200 with Content-Length, then the file with sendfile(2), and closes.
 * read: reads to EOF with 64 KiB read(2)s, answers "read N\n" and closes;
 * with --save-once the first connection that can create FILE (O_EXCL) also
 * writes what it read there, so that a run can be checked byte for byte.
 *
 * Without --listen the connection is stdin/stdout, as `tlshelper serve
 * --exec` (or inetd) gives it, and at exit stderr gets "bulkserv: ok BYTES
 * cpu_s=C" (C: this process's user+system CPU from main() on: the data
 * path, without exec and dynamic loading) or "bulkserv: fail REASON".
 * With --listen it serves 127.0.0.1:PORT, one connection after another in
 * this one process, waiting in poll() rather than in accept() (so that
 * `tlshelper attach` can take the listener), and appends such a line per
 * finished connection to the done file, without the "bulkserv: " (C: from
 * accept() to close()).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define READ_CHUNK	65536
#define MAX_REQUEST	4096

static const char *file_arg, *save_once;
static bool mode_read;

/* Writes all of BUF; false (errno set) on failure. */
static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		len -= (size_t)w;
	}
	return true;
}

/* sendfile mode, one connection. Bytes of the body sent, or -1 and WHY. */
static long long serve_file(int in, int out, const char **why)
{
	char req[MAX_REQUEST + 1], head[128];
	size_t have = 0;
	long long off = 0;
	struct stat st;
	int fd;

	for (;;) {
		ssize_t r = read(in, req + have, MAX_REQUEST - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r ? strerror(errno) : "EOF before the request ended";
			return -1;
		}
		have += (size_t)r;
		req[have] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
		if (have == MAX_REQUEST) {
			*why = "request too long";
			return -1;
		}
	}
	fd = open(file_arg, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		*why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Length: %lld\r\n"
		 "Connection: close\r\n\r\n", (long long)st.st_size);
	if (!write_all(out, head, strlen(head))) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	while (off < st.st_size) {
		off_t pos = off;
		ssize_t s = sendfile(out, fd, &pos, st.st_size - off);

		if (s < 0 && errno == EINTR)
			continue;
		if (s <= 0) {
			*why = s ? strerror(errno) : "file shrank";
			close(fd);
			return -1;
		}
		off += s;
	}
	close(fd);
	return off;
}

/* read mode, one connection. Bytes read, or -1 and WHY. */
static long long read_to_eof(int in, int out, const char **why)
{
	static char buf[READ_CHUNK];
	long long total = 0;
	char reply[64];
	int save = -1;

	if (save_once)
		save = open(save_once, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = strerror(errno);
			total = -1;
			break;
		}
		if (r == 0)
			break;
		total += r;
		if (save >= 0 && !write_all(save, buf, (size_t)r)) {
			*why = "cannot write the --save-once file";
			total = -1;
			break;
		}
	}
	if (save >= 0)
		close(save);
	if (total < 0)
		return -1;
	snprintf(reply, sizeof(reply), "read %lld\n", total);
	if (!write_all(out, reply, strlen(reply))) {
		*why = strerror(errno);
		return -1;
	}
	return total;
}

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* One connection, then its result line (no newline) to OUT. */
static bool handle(int in, int out, double cpu0, FILE *report)
{
	const char *why = "?";
	long long n = mode_read ? read_to_eof(in, out, &why) :
				  serve_file(in, out, &why);

	if (n < 0)
		fprintf(report, "fail %s", why);
	else
		fprintf(report, "ok %lld cpu_s=%.4f", n, cpu_now() - cpu0);
	return n >= 0;
}

static int listen_on(int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 64)) {
		fprintf(stderr, "bulkserv: listen on port %d: %s\n", port,
			strerror(errno));
		exit(1);
	}
	return s;
}

static void serve_forever(int port, const char *done_file)
{
	int ls = listen_on(port);
	FILE *done = fopen(done_file, "a");

	if (!done) {
		fprintf(stderr, "bulkserv: %s: %s\n", done_file, strerror(errno));
		exit(1);
	}
	for (;;) {
		struct pollfd p = { .fd = ls, .events = POLLIN };
		double cpu0;
		int c;

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		cpu0 = cpu_now();
		c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		handle(c, c, cpu0, done);
		close(c);
		fputc('\n', done);
		fflush(done);
	}
	fprintf(stderr, "bulkserv: poll: %s\n", strerror(errno));
	exit(1);
}

static int usage(void)
{
	fprintf(stderr, "usage: bulkserv [--listen PORT --done-file FILE] sendfile FILE\n"
		"       bulkserv [--listen PORT --done-file FILE] [--save-once FILE] read\n");
	return 2;
}

int main(int argc, char **argv)
{
	double cpu0 = cpu_now();
	const char *done_file = NULL;
	int i, port = -1;
	bool ok;

	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--listen"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--done-file"))
			done_file = argv[i + 1];
		else if (!strcmp(argv[i], "--save-once"))
			save_once = argv[i + 1];
		else
			return usage();
	}
	if (i + 2 == argc && !strcmp(argv[i], "sendfile"))
		file_arg = argv[i + 1];
	else if (i + 1 == argc && !strcmp(argv[i], "read"))
		mode_read = true;
	else
		return usage();
	if ((port >= 0) != (done_file != NULL) || port > 65535)
		return usage();

	if (port >= 0)
		serve_forever(port, done_file);
	fputs("bulkserv: ", stderr);
	ok = handle(STDIN_FILENO, STDOUT_FILENO, cpu0, stderr);
	fputc('\n', stderr);
	return ok ? 0 : 1;
}
