// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's defences against what can change under it (issue 12, item
 * 8), on the host:
 * - attach takes a listening socket with pidfd_getfd after finding it in
 *   /proc: the fd taken must be the socket found (tlsh_check_listener);
 * - peer-chosen strings (SNI, ALPN, certificate names) are escaped and
 *   bounded before they reach a log line (tlsh_log_str, tlsh_log_text);
 * - a state-file line is restored only under the module load and netns
 *   that gave its id (tlsh_spec_same_instance);
 * - attach --port takes every socket on the port, a reuseport group's
 *   members included, also one that joined during the attach
 *   (tlsh_find_listeners, tlsh_each_listener).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "daemon/daemon.h"
#include "daemon/daemon_reload.h"
#include "os/addr.h"

/* A TCP socket on 127.0.0.1, listening (or only bound); its port. */
static int tcp_socket(bool listening, int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    (listening && listen(fd, 4)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (unsigned long)st.st_ino;
}

/* The number the next fd would get: a copy left open would take it. */
static int next_fd(void)
{
	int fd = dup(STDIN_FILENO);

	if (fd >= 0)
		close(fd);
	return fd;
}

TEST(check_listener_accepts_the_socket_found)
{
	char err[200] = "";
	int port, fd = tcp_socket(true, &port);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, tlsh_check_listener(fd, inode_of(fd), port, err,
					 sizeof(err))) TH_LOG("%s", err);
	/* Named by pid and fd: no inode or port to compare. */
	EXPECT_EQ(0, tlsh_check_listener(fd, 0, 0, err, sizeof(err)));
	close(fd);
}

TEST(check_listener_refuses_another_inode)
{
	char err[200] = "";
	int port, fd = tcp_socket(true, &port);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ESTALE, tlsh_check_listener(fd, inode_of(fd) + 1, port,
					       err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not the listening socket"))
		TH_LOG("%s", err);
	close(fd);
}

TEST(check_listener_refuses_another_port)
{
	char err[200] = "";
	int port, fd = tcp_socket(true, &port);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ESTALE, tlsh_check_listener(fd, inode_of(fd),
					       port == 1 ? 2 : 1, err,
					       sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not on port")) TH_LOG("%s", err);
	close(fd);
}

TEST(check_listener_refuses_what_is_not_a_tcp_listener)
{
	char err[200] = "";
	int sp[2], port, fd, file;

	/* A socketpair: a socket, with the inode asked for, but not TCP. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	EXPECT_EQ(-ESTALE, tlsh_check_listener(sp[0], inode_of(sp[0]), 0,
					       err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a listening TCP socket"))
		TH_LOG("%s", err);
	close(sp[0]);
	close(sp[1]);
	/* TCP, bound, not listening. */
	fd = tcp_socket(false, &port);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ESTALE, tlsh_check_listener(fd, inode_of(fd), port, err,
					       sizeof(err)));
	close(fd);
	/* Not a socket at all. */
	file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, file);
	EXPECT_EQ(-ESTALE, tlsh_check_listener(file, inode_of(file), 0, err,
					       sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a socket")) TH_LOG("%s", err);
	close(file);
}

/*
 * The race itself, in one process: the scan found listener A at fd N; the
 * server then closed N and another listener B took its number. Taking fd N
 * now gives B; tlsh_grab_listener must refuse it and keep no copy.
 */
TEST(grab_listener_refuses_a_reused_fd)
{
	struct tlsh_sock_owner own;
	char err[200] = "";
	int port_a, port_b, a, b, before, got;

	a = tcp_socket(true, &port_a);
	ASSERT_LE(0, a);
	own.pid = getpid();
	own.fd = a;
	own.inode = inode_of(a);
	got = tlsh_grab_listener(&own, port_a, err, sizeof(err));
	if (got == -ENOSYS || got == -EPERM)
		SKIP(close(a); return, "pidfd_getfd: %s", err);
	ASSERT_LE(0, got) TH_LOG("%s", err);
	EXPECT_EQ(inode_of(a), inode_of(got));
	close(got);

	b = tcp_socket(true, &port_b);
	ASSERT_LE(0, b);
	ASSERT_EQ(a, dup2(b, a));	/* fd N is now listener B */
	close(b);
	before = next_fd();
	got = tlsh_grab_listener(&own, port_a, err, sizeof(err));
	EXPECT_EQ(-ESTALE, got) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "not the listening socket"))
		TH_LOG("%s", err);
	EXPECT_EQ(before, next_fd());	/* the copy was closed */
	close(a);
}

TEST(log_str_escapes_control_and_non_ascii_bytes)
{
	static const char sni[] = "a\nlistener 1 ok\x1b[31m \"\\\xff.test";
	char buf[128];

	EXPECT_STREQ("a\\x0alistener\\x201\\x20ok\\x1b[31m\\x20\\x22\\\\\\xff.test",
		     tlsh_log_str(sni, sizeof(sni) - 1, buf, sizeof(buf)));
	EXPECT_STREQ("www.example.com",
		     tlsh_log_str("www.example.com", 15, buf, sizeof(buf)));
	EXPECT_STREQ("", tlsh_log_str("", 0, buf, sizeof(buf)));
	/* Free text keeps its spaces, not its newlines or quotes. */
	EXPECT_STREQ("unknown CA (issuer CN=x\\x0aok \\x22y\\x22)",
		     tlsh_log_text("unknown CA (issuer CN=x\nok \"y\")", buf,
				   sizeof(buf)));
}

TEST(log_str_is_bounded)
{
	char name[255], buf[32];
	size_t i;

	for (i = 0; i < sizeof(name); i++)
		name[i] = i % 2 ? 'a' : '\x01';
	tlsh_log_str(name, sizeof(name), buf, sizeof(buf));
	EXPECT_GE(sizeof(buf) - 1, strlen(buf));
	EXPECT_STREQ("...", buf + strlen(buf) - 3);
	/* Exactly what fits is not cut; one more byte is. */
	EXPECT_STREQ("abc", tlsh_log_str("abc", 3, buf, 4));
	EXPECT_STREQ("...", tlsh_log_str("abcd", 4, buf, 4));
	EXPECT_STREQ("...", tlsh_log_str("\n", 1, buf, 4));
	EXPECT_STREQ("\\x0a", tlsh_log_str("\n", 1, buf, 5));
	EXPECT_STREQ("a...", tlsh_log_str("abcdef", 6, buf, 5));
}

static void saved_line(struct __test_metadata *_metadata,
		       struct tlsh_spec *s, const char *line)
{
	char buf[512], err[200] = "";
	const char *verb;

	snprintf(buf, sizeof(buf), "%s", line);
	ASSERT_EQ(0, tlsh_spec_parse(buf, &verb, s, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_STREQ("listener", verb);
}

/* A listener of a "pid= fd=" config line keeps the line's key over a restart. */
TEST(state_line_keeps_its_pid_fd_config_line)
{
	struct tlsh_spec s;
	char out[512], key[TLSHD_CONFIG_KEY_MAX];

	saved_line(_metadata, &s,
		   "listener id=3 port=8443 line-pid=1234 line-fd=5 cert=/a.pem key=/a.key");
	EXPECT_STREQ("pid=1234 fd=5", tlshd_config_key(&s, key, sizeof(key)));
	ASSERT_LT(0, tlsh_spec_format("listener", &s, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, " port=8443 line-pid=1234 line-fd=5 "))
		TH_LOG("%s", out);
	tlsh_spec_free(&s);
	/* A port= line's listener: its port. */
	saved_line(_metadata, &s, "listener id=3 port=8443 cert=/a.pem key=/a.key");
	EXPECT_STREQ("port=8443", tlshd_config_key(&s, key, sizeof(key)));
	tlsh_spec_free(&s);
}

TEST(state_line_restores_only_under_the_same_module_load)
{
	static const char mod[] = "1b4e28ba-2fa1-11d2-883f-0016d3cca427.4242";
	struct tlsh_spec s;
	char why[300], out[512];

	saved_line(_metadata, &s,
		   "listener id=1 module=1b4e28ba-2fa1-11d2-883f-0016d3cca427.4242 netns=4026531840 port=8443 cert=/a.pem key=/a.key");
	EXPECT_EQ(0, tlsh_spec_same_instance(&s, mod, 4026531840u, why,
					     sizeof(why)));
	/* Reloaded: sysfs gave /sys/module/tlsh another inode. */
	EXPECT_EQ(-1, tlsh_spec_same_instance(&s,
			"1b4e28ba-2fa1-11d2-883f-0016d3cca427.4299",
			4026531840u, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "earlier load")) TH_LOG("%s", why);
	/* Rebooted. */
	EXPECT_EQ(-1, tlsh_spec_same_instance(&s,
			"00000000-2fa1-11d2-883f-0016d3cca427.4242",
			4026531840u, why, sizeof(why)));
	/* Another netns. */
	EXPECT_EQ(-1, tlsh_spec_same_instance(&s, mod, 4026532000u, why,
					      sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "network namespace")) TH_LOG("%s", why);
	/* The daemon cannot tell the current load. */
	EXPECT_EQ(-1, tlsh_spec_same_instance(&s, NULL, 4026531840u, why,
					      sizeof(why)));
	/* Written back as read. */
	ASSERT_LT(0, tlsh_spec_format("listener", &s, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, " module=1b4e28ba-2fa1-11d2-883f-0016d3cca427.4242 netns=4026531840 "))
		TH_LOG("%s", out);
	tlsh_spec_free(&s);

	/* A line of an older daemon: id alone. */
	saved_line(_metadata, &s, "listener id=1 port=8443 cert=/a.pem key=/a.key");
	EXPECT_EQ(-1, tlsh_spec_same_instance(&s, mod, 4026531840u, why,
					      sizeof(why)));
	tlsh_spec_free(&s);
}

/* A member of a SO_REUSEPORT group on 127.0.0.1:port (0: any port). */
static int reuseport_listener(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(*port);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

TEST(find_listeners_lists_a_reuseport_group_but_the_sockets_seen)
{
	struct tlsh_sock_owner own[TLSH_MAX_PORT_LISTENERS];
	unsigned long seen[3];
	int fds[3], port = 0, i, n;

	for (i = 0; i < 3; i++) {
		fds[i] = reuseport_listener(&port);
		ASSERT_LE(0, fds[i]);
		seen[i] = inode_of(fds[i]);
	}
	n = tlsh_find_listeners(port, NULL, 0, own, TLSH_MAX_PORT_LISTENERS);
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(getpid(), own[i].pid);
		EXPECT_EQ(own[i].inode, inode_of(own[i].fd));
	}
	/* What was attached already is left out; then nothing is new. */
	n = tlsh_find_listeners(port, seen, 2, own, TLSH_MAX_PORT_LISTENERS);
	ASSERT_EQ(1, n);
	EXPECT_EQ(seen[2], own[0].inode);
	EXPECT_EQ(0, tlsh_find_listeners(port, seen, 3, own,
					 TLSH_MAX_PORT_LISTENERS));
	/* More listen than the caller has room for: none rather than some. */
	EXPECT_EQ(-E2BIG, tlsh_find_listeners(port, NULL, 0, own, 2));
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

struct each_run {
	int port;
	int calls;
	int joiner;	/* a member that joins during the first call */
	unsigned long inodes[8];
};

static int each_fn(const struct tlsh_sock_owner *own, void *arg)
{
	struct each_run *r = arg;

	if (r->calls < 8)
		r->inodes[r->calls] = own->inode;
	if (!r->calls++)
		r->joiner = reuseport_listener(&r->port);
	return 0;
}

/*
 * Until the first member is attached a socket can still join the group:
 * the port is listed again, and the newcomer taken too (each once).
 */
TEST(each_listener_takes_a_member_that_joined_meanwhile)
{
	struct each_run r = { .joiner = -1 };
	int fds[2], i;

	for (i = 0; i < 2; i++) {
		fds[i] = reuseport_listener(&r.port);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(3, tlsh_each_listener(r.port, each_fn, &r));
	ASSERT_LE(0, r.joiner);
	EXPECT_EQ(3, r.calls);
	EXPECT_EQ(inode_of(r.joiner), r.inodes[2]);
	EXPECT_NE(r.inodes[0], r.inodes[1]);
	close(r.joiner);
	for (i = 0; i < 2; i++)
		close(fds[i]);
}

TEST(state_line_keeps_the_reuseport_mark)
{
	struct tlsh_spec s;
	char out[512];

	saved_line(_metadata, &s,
		   "listener id=3 port=8443 reuseport=yes cert=/a.pem key=/a.key");
	EXPECT_TRUE(s.reuseport);
	ASSERT_LT(0, tlsh_spec_format("listener", &s, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, " port=8443 reuseport=yes "))
		TH_LOG("%s", out);
	tlsh_spec_free(&s);
	saved_line(_metadata, &s, "listener id=4 port=8443 cert=/a.pem key=/a.key");
	EXPECT_FALSE(s.reuseport);
	ASSERT_LT(0, tlsh_spec_format("listener", &s, out, sizeof(out)));
	EXPECT_EQ(NULL, strstr(out, "reuseport")) TH_LOG("%s", out);
	tlsh_spec_free(&s);
}

TEST(module_instance_names_the_netns_and_the_load)
{
	char buf[128];
	int e = tlsh_module_instance(buf, sizeof(buf));

	EXPECT_NE(0u, tlsh_netns_id());
	/* The host never has tlsh.ko; in the VM it is a boot id and inode. */
	if (e == -ENOENT)
		SKIP(return, "tlsh.ko is not loaded");
	ASSERT_EQ(0, e);
	EXPECT_NE(NULL, strchr(buf, '.'));
}

TEST_HARNESS_MAIN
