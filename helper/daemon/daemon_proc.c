// SPDX-License-Identifier: GPL-2.0
/*
 * Finding a running server's listening socket by port, and taking a copy of
 * it: /proc/net/tcp{,6} give the inodes of the sockets listening on the
 * port, /proc/PID/fd/N links ("socket:[INODE]") the processes holding them,
 * pidfd_open + pidfd_getfd (Linux 5.6+) the copy.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/addr.h"
#include "daemon/daemon.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define TCP_LISTEN_STATE 0x0A
/* One more than a port may have: tells "too many" from "all of them". */
#define MAX_INODES (TLSH_MAX_PORT_LISTENERS + 1)

/* Inodes of the sockets in LISTEN on port, from one /proc/net/tcp* file. */
static int listen_inodes(const char *path, int port, unsigned long *inodes,
			 int n, int max)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return n;	/* no IPv6, for one */
	if (!fgets(line, sizeof(line), f)) {	/* the header */
		fclose(f);
		return n;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned int lport, state;
		unsigned long inode;
		char local[64];

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63[0-9A-Fa-f:] %*s %x %*s %*s %*s %*u %*u %lu",
			   local, &state, &inode) != 3)
			continue;
		if (sscanf(strrchr(local, ':') + 1, "%x", &lport) != 1)
			continue;
		if (state == TCP_LISTEN_STATE && (int)lport == port && inode)
			inodes[n++] = inode;
	}
	fclose(f);
	return n;
}

static int inode_index(const unsigned long *inodes, int n, unsigned long ino)
{
	int i;

	for (i = 0; i < n; i++)
		if (inodes[i] == ino)
			return i;
	return -1;
}

int tlsh_find_listeners(int port, const unsigned long *skip, int nskip,
			struct tlsh_sock_owner *out, int max)
{
	unsigned long inodes[MAX_INODES];
	bool found[MAX_INODES] = { false };
	struct dirent *pe;
	int i, n = 0, got = 0;
	DIR *proc;

	n = listen_inodes("/proc/net/tcp", port, inodes, n, MAX_INODES);
	n = listen_inodes("/proc/net/tcp6", port, inodes, n, MAX_INODES);
	if (n > TLSH_MAX_PORT_LISTENERS || n > max)
		return -E2BIG;
	for (i = 0; i < n; i++)
		found[i] = inode_index(skip, nskip, inodes[i]) >= 0;
	for (i = 0; i < n && found[i]; i++)
		;
	if (i == n)
		return 0;	/* nothing, or nothing new */
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while (got < n && got < max && (pe = readdir(proc))) {
		char path[300], link[64];
		struct dirent *fe;
		DIR *fds;

		if (!isdigit((unsigned char)pe->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", pe->d_name);
		fds = opendir(path);
		if (!fds)
			continue;	/* gone, or not ours to see */
		while (got < max && (fe = readdir(fds))) {
			char fdpath[600];
			unsigned long ino;
			ssize_t len;
			int i;

			if (!isdigit((unsigned char)fe->d_name[0]))
				continue;
			snprintf(fdpath, sizeof(fdpath), "%s/%s", path,
				 fe->d_name);
			len = readlink(fdpath, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			i = inode_index(inodes, n, ino);
			if (i < 0 || found[i])
				continue;
			found[i] = true;
			out[got].pid = (pid_t)atoi(pe->d_name);
			out[got].fd = atoi(fe->d_name);
			out[got].inode = ino;
			got++;
		}
		closedir(fds);
	}
	closedir(proc);
	/* Listening, but in no process we may look into. */
	return got ? got : -EACCES;
}

int tlsh_each_listener(int port, tlsh_listener_fn *fn, void *arg)
{
	static const int rounds = 3;
	unsigned long seen[TLSH_MAX_PORT_LISTENERS];
	struct tlsh_sock_owner own[TLSH_MAX_PORT_LISTENERS];
	int round, i, n, nseen = 0;

	for (round = 0; round < rounds; round++) {
		n = tlsh_find_listeners(port, seen, nseen, own,
					TLSH_MAX_PORT_LISTENERS);
		if (n <= 0)
			return nseen && n >= 0 ? nseen : n;
		if (nseen + n > TLSH_MAX_PORT_LISTENERS)
			return -E2BIG;
		for (i = 0; i < n; i++) {
			seen[nseen++] = own[i].inode;
			if (fn(&own[i], arg))
				return nseen;
		}
	}
	return nseen;
}

int tlsh_grab_fd(pid_t pid, int fd)
{
	int pidfd, copy, err;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	err = errno;
	close(pidfd);
	return copy < 0 ? -err : copy;
}

int tlsh_check_listener(int fd, unsigned long inode, int port, char *err,
			size_t errlen)
{
	int type = 0, proto = 0, listening = 0, got;
	socklen_t len = sizeof(int);
	char addr[80];
	struct stat st;

	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "the fd taken is not a socket");
		return -ESTALE;
	}
	if (inode && st.st_ino != inode) {
		snprintf(err, errlen,
			 "the fd taken is socket %lu, not the listening socket %lu found (the process closed or replaced it meanwhile)",
			 (unsigned long)st.st_ino, inode);
		return -ESTALE;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    (len = sizeof(int),
	     getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len)) ||
	    (len = sizeof(int),
	     getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len)) ||
	    type != SOCK_STREAM || proto != IPPROTO_TCP || !listening) {
		snprintf(err, errlen, "the fd taken is not a listening TCP socket");
		return -ESTALE;
	}
	got = tlsh_sock_port(fd, addr, sizeof(addr));
	if (port > 0 && got != port) {
		snprintf(err, errlen,
			 "the fd taken listens on %s, not on port %d", addr,
			 port);
		return -ESTALE;
	}
	return 0;
}

int tlsh_grab_listener(const struct tlsh_sock_owner *own, int port,
		       char *err, size_t errlen)
{
	int fd = tlsh_grab_fd(own->pid, own->fd);
	int e;

	if (fd < 0) {
		snprintf(err, errlen, "cannot take fd %d of process %d: %s%s",
			 own->fd, (int)own->pid, strerror(-fd),
			 fd == -EPERM ? " (needs root, or ptrace rights over it)" :
					"");
		return fd;
	}
	e = tlsh_check_listener(fd, own->inode, port, err, errlen);
	if (e) {
		close(fd);
		return e;
	}
	return fd;
}

int tlsh_sock_port(int fd, char *addr, size_t addrlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[64];

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	if (!addr) {
		addr = buf;
		addrlen = sizeof(buf);
	}
	return tlsh_addr_str((struct sockaddr *)&ss, len, addr, addrlen);
}
