// SPDX-License-Identifier: GPL-2.0
/*
 * tcp-floor: the kernel's TCP work of a handshake without the TLS: the
 * benchmark's floor for what a server spends in the kernel per connection.
 * Each connection on 127.0.0.1:PORT: accept, read the client's first
 * flight (TCP_FLOOR_CH bytes), answer with a server flight
 * (TCP_FLOOR_SH bytes), read the client's last flight (TCP_FLOOR_FIN
 * bytes) and close: the shape of a TLS 1.3 handshake, as `loadgen -P`
 * drives it. One thread, epoll, non-blocking.
 *
 *   tcp-floor PORT
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "tcp-floor.h"

struct fconn {
	int fd;
	size_t got, sent;
	int stage;		/* 0: reading CH, 1: writing SH, 2: reading FIN */
};

static void fconn_close(struct fconn *c)
{
	close(c->fd);
	free(c);
}

static void fconn_step(int ep, struct fconn *c)
{
	static char buf[TCP_FLOOR_SH];
	struct epoll_event ev = { .data.ptr = c };
	ssize_t r;

	for (;;) {
		if (c->stage == 0 || c->stage == 2) {
			size_t want = c->stage == 0 ? TCP_FLOOR_CH :
						      TCP_FLOOR_FIN;

			r = recv(c->fd, buf, want - c->got, 0);
			if (r < 0 && errno == EAGAIN)
				return;
			if (r <= 0)
				return fconn_close(c);
			c->got += (size_t)r;
			if (c->got < want)
				continue;
			if (c->stage == 2)
				return fconn_close(c);
			c->got = 0;
			c->stage = 1;
		}
		r = send(c->fd, buf, TCP_FLOOR_SH - c->sent, MSG_NOSIGNAL);
		if (r < 0 && errno == EAGAIN) {
			ev.events = EPOLLOUT;
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			return;
		}
		if (r < 0)
			return fconn_close(c);
		c->sent += (size_t)r;
		if (c->sent < TCP_FLOOR_SH)
			continue;
		c->stage = 2;
		ev.events = EPOLLIN;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	struct rlimit rl;
	int one = 1, lfd, ep, i, n, port;

	if (argc != 2 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: tcp-floor PORT\n");
		return 2;
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ep = epoll_create1(0);
	if (lfd < 0 || ep < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 4096)) {
		perror("tcp-floor: listen");
		return 1;
	}
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < n; i++) {
			struct fconn *c = evs[i].data.ptr;
			int fd;

			if (c) {
				fconn_step(ep, c);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL,
					     SOCK_NONBLOCK)) >= 0) {
				c = calloc(1, sizeof(*c));
				if (!c) {
					close(fd);
					continue;
				}
				c->fd = fd;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				fconn_step(ep, c);
			}
		}
	}
}
