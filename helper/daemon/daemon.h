/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tlshelper daemon` and the commands that talk to it (attach, detach,
 * status): shared pieces.
 *
 * One line format serves the config file, the daemon's state file and the
 * control socket: a verb followed by key=value words (values without
 * whitespace), e.g.
 *
 *   listen port=8443 cert=/etc/tls/a.pem key=/etc/tls/a.key alpn=h2,http/1.1
 *          tls-min=1.3
 *   attach cert=/a.pem key=/a.key timeout=10000      (+ the listener fd)
 *   listener id=3 cert=/a.pem key=/a.key             (state file)
 */
#ifndef TLSH_DAEMON_H
#define TLSH_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "profile/profile.h"

/* Where the daemon listens for attach / detach / list (root only). */
#define TLSH_DAEMON_DIR		"/run/tlsh"
#define TLSH_DAEMON_SOCK	TLSH_DAEMON_DIR "/daemon.sock"
/* The listeners the daemon serves, re-read when it restarts. */
#define TLSH_DAEMON_STATE	TLSH_DAEMON_DIR "/listeners"
/* Overrides both paths' directory (tests). */
#define TLSH_DAEMON_DIR_ENV	"TLSH_DAEMON_DIR"

#define TLSH_LINE_MAX		4096

/* One listener's settings, as attach asks for them. */
struct tlsh_spec {
	/* The TLS side: cert=, key=, ca=, alpn=, tls-max=, ... (profile.h) */
	struct tlsh_profile profile;
	uint32_t timeout_ms;	/* 0: the module's default */
	uint32_t max_in_flight;	/* 0: the module's default */
	int close_notify;	/* 0 (off), 1 (on); -1: the module's default */
	/* Which socket (config file "listen" lines) or listener (state). */
	int port;		/* 0: not given */
	pid_t pid;
	int fd;			/* -1: not given */
	uint32_t id;		/* 0: not given */
	/*
	 * State: attached with SO_REUSEPORT on, one member of a group
	 * ("reuseport=yes"); detaching one member detaches the group.
	 */
	bool reuseport;
	/*
	 * State: attached for the config file's line "pid= fd=" (line-pid=,
	 * line-fd=), so that the line still names it after a restart.
	 */
	pid_t line_pid;		/* 0: not from such a line */
	int line_fd;
	/*
	 * State file: which load of tlsh.ko, in which netns, gave the id
	 * (listener ids start again at 1 when the module is reloaded).
	 */
	char *module;		/* tlsh_module_instance(); NULL: unknown */
	uint32_t netns;		/* inode of the netns; 0: unknown */
};

void tlsh_spec_init(struct tlsh_spec *s);
void tlsh_spec_free(struct tlsh_spec *s);

/*
 * Parse "VERB key=value ..." (line is modified). *verb points into line.
 * Returns 0, or -1 with a sentence in err.
 */
int tlsh_spec_parse(char *line, const char **verb, struct tlsh_spec *s,
		    char *err, size_t errlen);
/*
 * Set one setting by name (value NULL for a flag): the profile's (profile.h)
 * or the listener's (timeout=, port=, ...). Returns 1 if set, 0 if name is
 * no setting or has no value, -1 with a sentence in err for a bad value.
 */
int tlsh_spec_set(struct tlsh_spec *s, const char *name, const char *value,
		  char *err, size_t errlen);
/* "VERB key=value ..." for s; returns the length, or -1 if it did not fit. */
int tlsh_spec_format(const char *verb, const struct tlsh_spec *s, char *buf,
		     size_t len);
/* Completeness checks shared by attach and the config file; -1 and err. */
int tlsh_spec_check(const struct tlsh_spec *s, char *err, size_t errlen);

/*
 * This load of tlsh.ko, "BOOT-ID.INODE": the boot id and the inode of
 * /sys/module/tlsh, which sysfs numbers afresh (never reused during a
 * boot) each time the module is loaded. 0, or -errno (-ENOENT: not loaded).
 */
int tlsh_module_instance(char *buf, size_t len);
/* The inode of this process's network namespace, or 0. */
uint32_t tlsh_netns_id(void);

/*
 * Whether a state-file line saved may be restored: it names the listener
 * by id, and that id means the same listener only under the same load of
 * the module (module) in the same netns (netns). 0, or -1 with the
 * reason in why.
 */
int tlsh_spec_same_instance(const struct tlsh_spec *saved, const char *module,
			    uint32_t netns, char *why, size_t whylen);

/* The daemon's directory: $TLSH_DAEMON_DIR or TLSH_DAEMON_DIR. */
const char *tlsh_daemon_dir(void);
/* dir + "/" + name into buf; returns buf. */
const char *tlsh_daemon_path(const char *name, char *buf, size_t len);

/* ---- finding a running server's listening socket (daemon_proc.c) ---- */

struct tlsh_sock_owner {
	pid_t pid;
	int fd;
	unsigned long inode;
};

/*
 * Listening sockets one port may have (IPv4 and IPv6, every member of a
 * SO_REUSEPORT group: one per worker process, say) for attach to take.
 */
#define TLSH_MAX_PORT_LISTENERS	256

/*
 * The listening TCP sockets (IPv4 and IPv6) on port but those whose inode
 * is in skip[nskip], each with one process and fd that hold it. Returns
 * how many, 0 if nothing (new) listens there, -E2BIG if more than max (or
 * TLSH_MAX_PORT_LISTENERS) listen there, -EACCES if the sockets'
 * processes are not visible to us, or -errno.
 */
int tlsh_find_listeners(int port, const unsigned long *skip, int nskip,
			struct tlsh_sock_owner *out, int max);

/*
 * fn(own, arg) for each socket listening on port (tlsh_find_listeners()),
 * then for any that started listening meanwhile: until the first member
 * of a SO_REUSEPORT group is attached, new members may join it (then
 * tlsh.ko refuses them, see kmod/tlsh_reuseport.c), and all of them must
 * be attached. fn returns non-zero to stop. Returns how many sockets fn
 * was called for, or what tlsh_find_listeners() returned if none.
 */
typedef int tlsh_listener_fn(const struct tlsh_sock_owner *own, void *arg);
int tlsh_each_listener(int port, tlsh_listener_fn *fn, void *arg);

/* A copy of fd `fd` of process pid (pidfd_open + pidfd_getfd), or -errno. */
int tlsh_grab_fd(pid_t pid, int fd);

/*
 * Whether fd is the socket a scan found: a listening TCP socket, with
 * inode `inode` (when not 0) and bound to port (when > 0). Between the scan
 * of /proc and pidfd_getfd the process may have closed the fd and opened
 * another in its place, or exited and its pid been reused. 0, or -ESTALE
 * with a sentence in err.
 */
int tlsh_check_listener(int fd, unsigned long inode, int port, char *err,
			size_t errlen);

/*
 * tlsh_grab_fd() of own->pid's own->fd, then tlsh_check_listener() against
 * own->inode and port: the fd, or -errno (the copy closed) with a sentence
 * in err.
 */
int tlsh_grab_listener(const struct tlsh_sock_owner *own, int port,
		       char *err, size_t errlen);

/* The TCP port a socket is bound to, or -1. */
int tlsh_sock_port(int fd, char *addr, size_t addrlen);

/* ---- the control socket (daemon_ctl.c) ---- */

/*
 * Send one request line (and fd, if >= 0) to the daemon and read its reply
 * (one or more lines, NUL-terminated), waiting at most timeout_ms. Returns
 * 0, -ECONNREFUSED / -ENOENT when no daemon runs, -EACCES when not
 * allowed, -EAGAIN when it did not answer in time, else -errno.
 */
int tlsh_ctl_call(const char *request, int fd, char *reply, size_t len,
		  int timeout_ms);

/* Daemon side: bind and listen on the socket (root-only directory). */
int tlsh_ctl_listen(char *err, size_t errlen);
/*
 * Read one request from a connected client: the line and an fd it passed
 * (or -1). Returns 0 or -errno. Refuses (-EPERM) a peer whose uid is not
 * ours.
 */
int tlsh_ctl_recv(int conn, char *line, size_t len, int *fd);

/* ---- the daemon (daemon.c) ---- */

/*
 * Handshakes a worker holds at once, unless --max-active says: few fds and
 * little memory per worker, yet room for handshakes waiting one round trip
 * on slow clients (64 at 100 ms: 640 a second). Under CPU overload what
 * keeps handshakes completing is the oldest-first order of the steps
 * (daemon_worker.c), which works with any bound.
 */
#define TLSH_DAEMON_DEFAULT_MAX_ACTIVE	64

struct tlsh_daemon_opts {
	const char *config;	/* NULL: none */
	unsigned int workers;	/* 0: one per online CPU */
	unsigned int max_claimed;	/* 0: default */
	/*
	 * Handshakes each worker advances at once (0: the default); the
	 * module keeps the rest pending, oldest claimed first.
	 */
	unsigned int max_active;
	/*
	 * The kernel's handshake agent: tlshd's configuration file (NULL:
	 * /etc/tlshd/config, else /etc/tlshd.conf).
	 */
	const char *tlshd_config;
};

/* Runs until SIGTERM / SIGINT; returns the exit status. */
int tlsh_daemon_run(const struct tlsh_daemon_opts *o);

#endif
