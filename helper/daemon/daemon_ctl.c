// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's control socket: AF_UNIX SOCK_SEQPACKET in a root-only
 * directory (0700), the socket itself 0600, and the peer's uid checked
 * (SO_PEERCRED) on every request. One request per connection: a line
 * (daemon.h) plus, for attach, the listening socket as SCM_RIGHTS; one
 * reply message ("ok ..." or "error SENTENCE", possibly several lines).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/daemon.h"

static int sock_addr(struct sockaddr_un *sun)
{
	char path[sizeof(sun->sun_path) + 1];

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	tlsh_daemon_path("daemon.sock", path, sizeof(path));
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

static int send_with_fd(int s, const char *line, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { (void *)line, strlen(line) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		msg.msg_control = c.buf;
		msg.msg_controllen = sizeof(c.buf);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &fd, sizeof(int));
	}
	return sendmsg(s, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int tlsh_ctl_call(const char *request, int fd, char *reply, size_t len,
		  int timeout_ms)
{
	struct sockaddr_un sun;
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 };
	ssize_t n;
	int s, err;

	err = sock_addr(&sun);
	if (err)
		return err;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		goto out;
	}
	err = send_with_fd(s, request, fd);
	if (err)
		goto out;
	n = recv(s, reply, len - 1, 0);
	if (n < 0) {
		err = errno == EWOULDBLOCK ? -EAGAIN : -errno;
		goto out;
	}
	if (n == 0) {	/* refused without a word: not ours to ask */
		err = -EACCES;
		goto out;
	}
	reply[n] = '\0';
out:
	close(s);
	return err;
}

int tlsh_ctl_listen(char *err, size_t errlen)
{
	const char *dir = tlsh_daemon_dir();
	struct sockaddr_un sun;
	struct stat st;
	int s, e;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		e = -errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-e));
		return e;
	}
	if (stat(dir, &st) || st.st_uid != geteuid() ||
	    (st.st_mode & 0077)) {
		snprintf(err, errlen,
			 "%s must be a directory owned by uid %d, mode 0700",
			 dir, (int)geteuid());
		return -EPERM;
	}
	e = sock_addr(&sun);
	if (e) {
		snprintf(err, errlen, "socket path under %s is too long", dir);
		return e;
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0) {
		e = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-e));
		return e;
	}
	/* A live daemon answers; a stale socket file is removed. */
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	    errno == EAGAIN) {
		close(s);
		snprintf(err, errlen, "another daemon is running (%s)",
			 sun.sun_path);
		return -EADDRINUSE;
	}
	close(s);
	unlink(sun.sun_path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(sun.sun_path, 0600) || listen(s, 64)) {
		e = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", sun.sun_path,
			 strerror(-e));
		if (s >= 0)
			close(s);
		return e;
	}
	return s;
}

int tlsh_ctl_recv(int conn, char *line, size_t len, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} c;
	struct iovec iov = { line, len - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *h;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct timeval tv = { .tv_sec = 5 };
	ssize_t n;
	int err = 0;

	*fd = -1;
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	line[n] = '\0';
	for (h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
		size_t i, nfd;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int f;

			memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = f;
			else
				close(f);	/* one fd per request */
		}
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		err = -EMSGSIZE;
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen) ||
	    cred.uid != geteuid())
		err = -EPERM;
	if (err && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return err;
}
