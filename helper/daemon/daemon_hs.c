// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper daemon` as the kernel's TLS handshake agent (daemon_hs.h).
 *
 * The main thread is in the "tlshd" group of the kernel's handshake
 * family. On READY (and at startup) it claims requests with ACCEPT until
 * the kernel says EAGAIN or the daemon's bound on handshakes is reached,
 * and hands each socket, with a configuration made for that request, to
 * the least loaded worker, where it runs beside tlsh.ko's connections:
 * many at once, client and server handshakes alike (a loopback NFS mount
 * needs both at the same time), no process per handshake. The worker
 * installs kTLS and answers DONE itself.
 *
 * TLS 1.3 only, no session tickets, and the I/O step never takes a byte
 * past the handshake off the socket: what follows is the consumer's.
 *
 * The credentials are loaded once per configuration ("bases", refcounted
 * like attached listeners): a reload swaps them for new requests while
 * running handshakes keep the ones they started with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include <gnutls/abstract.h>

#include "daemon/daemon_hs.h"
#include "daemon/daemon_worker.h"
#include "os/addr.h"

/* The well-known ports, to name the consumer in the log. */
#define NFS_PORT	2049
#define NVME_TCP_PORT	4420

/*
 * A peer's key: view, read and search for its possessor, view and read
 * for its user (the permission bits of keyctl_setperm(3), which
 * <linux/keyctl.h> does not carry).
 */
#define PEER_KEY_PERM	(0x01000000 | 0x02000000 | 0x08000000 | \
			 0x00010000 | 0x00020000)

struct tlshd_hs {
	struct tlsh_nl ready, cmd;
	struct tlsh_hs_family fam;
	char *conf_path;		/* --tlshd-config; NULL: tlshd's */
	struct tlshd_hs_conf conf;
	/* NULL: not configured (server), or not loadable. */
	struct tlshd_listener *server, *client_anon, *client_x509;
};

/* ---- keys (keyutils' system calls, without the library) ---- */

long tlshd_hs_key_read(int32_t serial, uint8_t **out, size_t *len)
{
	long n = syscall(SYS_keyctl, KEYCTL_READ, serial, NULL, 0);
	uint8_t *buf;

	*out = NULL;
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf = malloc((size_t)n);
	if (!buf)
		return -ENOMEM;
	if (syscall(SYS_keyctl, KEYCTL_READ, serial, buf, n) != n) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

int tlshd_hs_cred_from_keys(uint32_t cert, uint32_t key, struct tlsh_cred **out,
			  char *why, size_t whylen)
{
	uint8_t *cder = NULL, *kder = NULL;
	size_t clen = 0, klen = 0;
	gnutls_datum_t cd, kd;
	gnutls_privkey_t pk = NULL;
	struct tlsh_cred *cred = NULL;
	long e;

	e = tlshd_hs_key_read((int32_t)cert, &cder, &clen);
	if (!e)
		e = tlshd_hs_key_read((int32_t)key, &kder, &klen);
	if (e) {
		tlsh_err_msg(why, whylen, "cannot read key %u: %s",
			     cder ? key : cert, strerror((int)-e));
		goto out;
	}
	cd.data = cder;
	cd.size = (unsigned int)clen;
	kd.data = kder;
	kd.size = (unsigned int)klen;
	cred = calloc(1, sizeof(*cred));
	if (!cred || gnutls_privkey_init(&pk) < 0) {
		e = -ENOMEM;
		tlsh_err_msg(why, whylen, "out of memory");
		goto out;
	}
	if (gnutls_privkey_import_x509_raw(pk, &kd, GNUTLS_X509_FMT_DER, NULL,
					   0) < 0) {
		e = -EKEYREJECTED;
		tlsh_err_msg(why, whylen, "key %u is not a DER private key",
			     key);
		goto out;
	}
	/* tlsh_cred_import takes the key over, whatever it returns. */
	if (tlsh_cred_import(cred, &cd, 1, pk)) {
		pk = NULL;
		e = -EKEYREJECTED;
		tlsh_err_msg(why, whylen,
			     "key %u is not a DER certificate for key %u",
			     cert, key);
		goto out;
	}
	pk = NULL;
	*out = cred;
	cred = NULL;
out:
	if (pk)
		gnutls_privkey_deinit(pk);
	free(cred);
	if (kder)
		explicit_bzero(kder, klen);
	free(kder);
	free(cder);
	return (int)e;
}

/*
 * The verified peer's certificate as a key for the consumer (DONE's
 * REMOTE_AUTH): as tlshd does, an "asymmetric" key "TLS x509 PEER" in the
 * user keyring, readable by its user only. A kernel that cannot parse the
 * certificate as an asymmetric key gets a "user" key with the same DER:
 * what matters to nfsd is a non-zero serial (mtls exports), and reporting
 * none would make those mounts fail every operation.
 */
uint32_t tlshd_hs_peer_key(gnutls_x509_crt_t crt, const char *peer)
{
	char desc[320];
	gnutls_datum_t der;
	long serial;

	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) < 0)
		return 0;
	snprintf(desc, sizeof(desc), "TLS x509 %s", peer);
	serial = syscall(SYS_add_key, "asymmetric", desc, der.data,
			 (size_t)der.size, KEY_SPEC_USER_KEYRING);
	if (serial < 0)
		serial = syscall(SYS_add_key, "user", desc, der.data,
				 (size_t)der.size, KEY_SPEC_USER_KEYRING);
	gnutls_free(der.data);
	if (serial <= 0)
		return 0;
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, serial,
		    PEER_KEY_PERM))
		tlshd_log("handshake: cannot restrict key %ld: %s", serial,
			  strerror(errno));
	return (uint32_t)serial;
}

/* [authenticate] keyrings: a name (as in /proc/keys) or a serial. */
static long keyring_lookup(const char *name)
{
	char line[512];
	long id = 0;
	char *end;
	FILE *f;

	id = strtol(name, &end, 0);
	if (!*end && id > 0)
		return id;
	f = fopen("/proc/keys", "re");
	if (!f)
		return 0;
	id = 0;
	while (!id && fgets(line, sizeof(line), f)) {
		char type[64], desc[256];
		unsigned long serial;

		/* SERIAL FLAGS USAGE TIMEOUT PERM UID GID TYPE DESC: ... */
		if (sscanf(line, "%lx %*s %*s %*s %*s %*s %*s %63s %255[^:]",
			   &serial, type, desc) == 3 &&
		    !strcmp(type, "keyring") && !strcmp(desc, name))
			id = (long)serial;
	}
	fclose(f);
	return id;
}

static void link_keyrings(const struct tlshd_hs_conf *c)
{
	unsigned int i;

	for (i = 0; i < c->n_keyrings; i++) {
		long id = keyring_lookup(c->keyrings[i]);

		if (!id || syscall(SYS_keyctl, KEYCTL_LINK, id,
				   KEY_SPEC_SESSION_KEYRING))
			tlshd_log("handshake: keyring %s: %s", c->keyrings[i],
				  id ? strerror(errno) : "not found");
	}
}

/* ---- configurations ---- */

struct bases {
	struct tlshd_listener *server, *client_anon, *client_x509;
};

static void bases_put(struct bases *b)
{
	tlshd_listener_put(b->server);
	tlshd_listener_put(b->client_anon);
	tlshd_listener_put(b->client_x509);
	memset(b, 0, sizeof(*b));
}

static int dup_opt(char **slot, const char *v)
{
	if (!v)
		return 0;
	*slot = strdup(v);
	return *slot ? 0 : -1;
}

/*
 * Credentials and trust for one side: TLS 1.3 only, no tickets. with_cert:
 * the side's certificate and key (required for a server). A server asks
 * every client for a certificate and verifies one that comes (truststore,
 * else the system store), but lets a client without one in: the consumer
 * learns from REMOTE_AUTH whether one was verified.
 */
static struct tlshd_listener *base_new(const struct tlshd_hs_side *s,
				       bool server, bool with_cert,
				       char *err, size_t errlen)
{
	struct tlshd_listener *l = calloc(1, sizeof(*l));
	struct tlsh_profile *p;
	struct tlsh_config *cfg;
	int n;

	if (!l) {
		tlsh_err_msg(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&l->refs, 1);
	pthread_mutex_init(&l->creds_lock, NULL);
	tlsh_spec_init(&l->spec);
	p = &l->spec.profile;
	p->tls_min = p->tls_max = TLSH_TLS13;
	if ((with_cert && (dup_opt(&p->certs[0], s->certificate) ||
			   dup_opt(&p->keys[0], s->private_key))) ||
	    (!server && dup_opt(&p->ca, s->truststore))) {
		tlsh_err_msg(err, errlen, "out of memory");
		goto fail;
	}
	if (with_cert) {
		p->n_certs = p->n_keys = 1;
		if (!s->certificate || !s->private_key) {
			tlsh_err_msg(err, errlen,
				     "x509.certificate and x509.private_key go together");
			goto fail;
		}
	}
	/* Never swapped: a reload makes new bases (tlshd_hs_reload). */
	l->creds = tlshd_creds_load_side(p, server, err, errlen);
	if (!l->creds)
		goto fail;
	cfg = &l->creds->tls.cfg;
	if (server) {
		if (tlsh_trust_load(&l->creds->tls.trust, s->truststore)) {
			tlsh_err_msg(err, errlen, "no CA certificates loaded from %s",
				     s->truststore ? s->truststore :
						     "the system store");
			goto fail;
		}
		cfg->trust = l->creds->tls.trust;
		cfg->verify_client = true;
		cfg->require_client_cert = false;
	}
	if (s->crl) {
		n = gnutls_x509_trust_list_add_trust_file(l->creds->tls.trust, NULL,
							  s->crl,
							  GNUTLS_X509_FMT_PEM,
							  0, 0);
		if (n < 0) {
			tlsh_err_msg(err, errlen, "cannot load the CRLs in %s",
				     s->crl);
			goto fail;
		}
	}
	cfg->n_tickets = 0;
	l->timeout_ms = DEFAULT_TIMEOUT_MS;
	return l;
fail:
	tlshd_listener_put(l);
	return NULL;
}

/* All of a configuration's bases, or -1 with err (b empty). */
static int bases_load(const struct tlshd_hs_conf *c, struct bases *b,
		      char *err, size_t errlen)
{
	char why[300];

	memset(b, 0, sizeof(*b));
	if (c->server.certificate || c->server.private_key) {
		b->server = base_new(&c->server, true, true, why, sizeof(why));
		if (!b->server)
			goto fail_server;
	}
	b->client_anon = base_new(&c->client, false, false, why, sizeof(why));
	if (!b->client_anon)
		goto fail_client;
	if (c->client.certificate || c->client.private_key) {
		b->client_x509 = base_new(&c->client, false, true, why,
					  sizeof(why));
		if (!b->client_x509)
			goto fail_client;
	}
	return 0;
fail_server:
	tlsh_err_msg(err, errlen, "[authenticate.server]: %s", why);
	bases_put(b);
	return -1;
fail_client:
	tlsh_err_msg(err, errlen, "[authenticate.client]: %s", why);
	bases_put(b);
	return -1;
}

/* Read the configuration and load it into hs; the old stays on failure. */
static int hs_configure(struct tlshd_hs *hs)
{
	struct tlshd_hs_conf conf;
	struct bases b;
	char err[400];

	if (tlshd_hs_conf_load(hs->conf_path, &conf, err, sizeof(err))) {
		tlshd_log("handshake: %s", err);
		return -1;
	}
	if (bases_load(&conf, &b, err, sizeof(err))) {
		tlshd_log("handshake: %s: %s", conf.path ? conf.path :
			  "default configuration", err);
		tlshd_hs_conf_free(&conf);
		return -1;
	}
	tlshd_listener_put(hs->server);
	tlshd_listener_put(hs->client_anon);
	tlshd_listener_put(hs->client_x509);
	hs->server = b.server;
	hs->client_anon = b.client_anon;
	hs->client_x509 = b.client_x509;
	tlshd_hs_conf_free(&hs->conf);
	hs->conf = conf;
	if (conf.n_unknown)
		tlshd_log("handshake: %s: %u setting(s) not used, the first %s",
			  conf.path, conf.n_unknown, conf.first_unknown);
	link_keyrings(&conf);
	tlshd_log("handshake: configuration %s: server %s, client certificate %s, client trust %s",
		  conf.path ? conf.path : "(none: defaults)",
		  conf.server.certificate ? conf.server.certificate :
		  "none (server requests are refused)",
		  conf.client.certificate ? conf.client.certificate : "none",
		  conf.client.truststore ? conf.client.truststore :
		  "the system store");
	return 0;
}

/* ---- requests ---- */

static int sock_port(int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		       getsockname(fd, (struct sockaddr *)&ss, &len);

	if (r)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/* "NFS client", "NVMe target", ...: from the server's well-known port. */
static void name_consumer(struct tlshd_hs_job *job)
{
	int port = sock_port(job->req.fd, !job->server);
	const char *proto = port == NFS_PORT ? "NFS" :
			    port == NVME_TCP_PORT ? "NVMe" : "kernel";
	const char *role = job->server ? (port == NVME_TCP_PORT ? "target" :
							       "server") :
			   (port == NVME_TCP_PORT ? "host" : "client");

	snprintf(job->who, sizeof(job->who), "%s %s (%s)", proto, role,
		 tlsh_hs_auth_name(job->req.auth_mode));
}

/*
 * PSK, TLS 1.3 only (the base's): a host offers the keys the request
 * names; a target knows the "psk" keys of the consumer's keyring (else of
 * the configured keyrings, else of .nvme) and nothing else: no
 * certificate, an unknown identity is refused with unknown_psk_identity.
 */
static int job_prepare_psk(struct tlshd_hs *hs, struct tlshd_hs_job *job,
			   struct tlshd_listener **base, char *why,
			   size_t whylen)
{
	struct tlshd_listener *l = hs->client_anon;
	struct tlsh_hs_req *r = &job->req;
	unsigned int i;
	int e = -ENOKEY;

	if (!l) {
		tlsh_err_msg(why, whylen, "no client configuration");
		return EACCES;
	}
	if (!job->server) {
		e = tlshd_hs_psks_from_serials(&job->psks, r->peerids,
					       r->n_peerids, "psk", why,
					       whylen);
	} else if (job->keyring) {
		e = tlshd_hs_psks_from_keyring(&job->psks, job->keyring, "psk",
					       why, whylen);
	} else {
		/* The consumer named no keyring: those tlshd would search. */
		for (i = 0; i < hs->conf.n_keyrings; i++) {
			long id = keyring_lookup(hs->conf.keyrings[i]);

			if (id > 0 && !tlshd_hs_psks_from_keyring(&job->psks,
						(uint32_t)id, "psk", why,
						whylen))
				e = 0;
		}
		if (!hs->conf.n_keyrings) {
			long id = keyring_lookup(".nvme");

			if (id > 0)
				e = tlshd_hs_psks_from_keyring(&job->psks,
							(uint32_t)id, "psk",
							why, whylen);
			else
				tlsh_err_msg(why, whylen,
					     "no keyring named in the request and no .nvme");
		}
	}
	if (e)
		return e == -ENOMEM ? ENOMEM : EKEYREJECTED;
	job->cfg = l->creds->tls.cfg;
	job->cfg.psks = job->psks.list;
	job->cfg.n_psks = job->psks.n;
	job->cfg.server_name = NULL;
	if (job->server) {
		job->cfg.cred = NULL;
		job->cfg.creds = NULL;
		job->cfg.n_creds = 0;
		job->cfg.verify_client = false;
		job->cfg.require_client_cert = false;
	}
	atomic_fetch_add(&l->refs, 1);
	*base = l;
	return 0;
}

/*
 * The configuration of one request, from the base it runs under (*base,
 * a reference taken). 0, or a positive errno for DONE with why.
 */
static int job_prepare(struct tlshd_hs *hs, struct tlshd_hs_job *job,
		       struct tlshd_listener **base, char *why, size_t whylen)
{
	struct tlsh_hs_req *r = &job->req;
	struct tlshd_listener *l;
	int e;

	*base = NULL;
	job->verbose = hs->conf.loglevel > 0;
	job->server = r->msg_type == TLSH_HS_MSG_SERVERHELLO;
	name_consumer(job);
	if (r->msg_type != TLSH_HS_MSG_CLIENTHELLO && !job->server) {
		tlsh_err_msg(why, whylen, "unknown message type %u",
			     r->msg_type);
		return EINVAL;
	}
	if (r->auth_mode == TLSH_HS_AUTH_PSK)
		return job_prepare_psk(hs, job, base, why, whylen);
	if (r->auth_mode != TLSH_HS_AUTH_X509 &&
	    (job->server || r->auth_mode != TLSH_HS_AUTH_UNAUTH)) {
		tlsh_err_msg(why, whylen, "unsupported authentication mode %u",
			     r->auth_mode);
		return EINVAL;
	}
	if (job->server) {
		l = hs->server;
		if (!l) {
			tlsh_err_msg(why, whylen,
				     "no [authenticate.server] x509.certificate in %s",
				     hs->conf.path ? hs->conf.path :
				     TLSHD_CONF_PATH);
			return EACCES;
		}
	} else if (r->auth_mode == TLSH_HS_AUTH_X509 && r->cert_serial) {
		l = hs->client_anon;	/* its trust; the keyring's cert */
		e = tlshd_hs_cred_from_keys(r->cert_serial, r->privkey_serial,
				   &job->kcred, why, whylen);
		if (e)
			return EACCES;
	} else if (r->auth_mode == TLSH_HS_AUTH_X509 && hs->client_x509) {
		l = hs->client_x509;
	} else {
		/* x509 without any certificate: the server may still agree. */
		l = hs->client_anon;
	}
	if (!l) {
		tlsh_err_msg(why, whylen, "no client configuration");
		return EACCES;
	}
	job->cfg = l->creds->tls.cfg;
	if (job->kcred) {
		job->kcred_ptr[0] = job->kcred;
		job->cfg.cred = job->kcred;
		job->cfg.creds = job->kcred_ptr;
		job->cfg.n_creds = 1;
	}
	/*
	 * The client checks the server's name as the consumer gave it, IP
	 * addresses against the certificate's IP SANs (no reverse DNS).
	 * Without one only the chain is verified.
	 */
	if (!job->server)
		job->cfg.server_name = r->has_peername ? r->peername : NULL;
	atomic_fetch_add(&l->refs, 1);
	*base = l;
	return 0;
}

void tlshd_hs_job_free(struct tlshd_hs_job *job)
{
	if (!job)
		return;
	if (job->kcred) {
		tlsh_cred_free(job->kcred);
		free(job->kcred);
	}
	tlshd_hs_psks_free(&job->psks);
	free(job);
}

int tlshd_hs_job_check(const struct tlshd_hs_job *job,
		       const struct tlsh_conn *tls, char *why, size_t whylen)
{
	if (job->req.auth_mode == TLSH_HS_AUTH_PSK &&
	    !tlsh_conn_external_psk(tls)) {
		tlsh_err_msg(why, whylen,
			     "the server authenticated without our PSK");
		return EACCES;
	}
	return 0;
}

int tlshd_hs_job_done(struct tlshd_worker *w, struct tlshd_hs_job *job,
		      const struct tlsh_conn *tls, uint32_t status, char *err,
		      size_t errlen)
{
	struct tlshd_hs *hs = w->d->hs;
	uint32_t remote = 0;
	gnutls_x509_crt_t leaf;
	int e;

	if (!w->hs_nl.sock && tlsh_hsnl_connect(&w->hs_nl, &hs->fam)) {
		snprintf(err, errlen, "%s", w->hs_nl.errmsg);
		return -EIO;
	}
	/*
	 * The consumer cares for: success, a timeout (it may retry), a PSK
	 * identity one side does not know (EKEYREJECTED, as tlshd says) and
	 * refusal (EACCES, whatever the handshake's own reason was).
	 */
	if (status && tls && tlsh_err_alert(tlsh_conn_error(tls)) ==
	    TLSH_ALERT_UNKNOWN_PSK_IDENTITY)
		status = EKEYREJECTED;
	if (status && status != ETIMEDOUT && status != ENOMEM &&
	    status != EKEYREJECTED)
		status = EACCES;
	if (!status && tls && job->req.auth_mode == TLSH_HS_AUTH_PSK) {
		const struct tlsh_psk *used = tlsh_conn_external_psk(tls);

		/* The host wants the serial of the PSK used, nvmet too. */
		remote = tlshd_hs_psk_serial(&job->psks, used);
		if (job->verbose && used)
			tlshd_log("%s: PSK \"%.*s\" (key %u)", job->who,
				  (int)(used->identity_len < 200 ?
					used->identity_len : 200),
				  (const char *)used->identity, remote);
	}
	leaf = !status && tls ? tlsh_conn_peer_leaf(tls) : NULL;
	if (leaf) {
		char peer[64];

		tlsh_peer_str(job->req.fd, peer, sizeof(peer));
		remote = tlshd_hs_peer_key(leaf, job->req.has_peername ?
				  job->req.peername : peer);
		if (!remote)
			tlshd_log("%s %s: cannot make a key of the peer's certificate: the consumer is not told who it is",
				  job->who, peer);
		else if (job->verbose)
			tlshd_log("%s %s: peer certificate reported as key %u%s",
				  job->who, peer, remote,
				  hs->fam.done_remote_auth ? "" :
				  " (not sent: DONE takes no REMOTE_AUTH)");
	}
	e = tlsh_hsnl_done(&w->hs_nl, &hs->fam, job->req.fd, status, remote);
	if (e)
		snprintf(err, errlen, "%s", w->hs_nl.errmsg);
	return e;
}

/* Refuse a request we will not run: DONE from the main thread, close. */
static void refuse(struct tlshd_hs *hs, struct tlshd_hs_job *job, int status,
		   const char *why)
{
	char peer[64];

	tlsh_peer_str(job->req.fd, peer, sizeof(peer));
	tlshd_log("%s %s: refused: %s", job->who, peer, why);
	if (tlsh_hsnl_done(&hs->cmd, &hs->fam, job->req.fd, (uint32_t)status, 0))
		tlshd_log("%s", hs->cmd.errmsg);
	close(job->req.fd);
	tlshd_hs_job_free(job);
}

void tlshd_hs_claim(struct tlshd *d)
{
	struct tlshd_hs *hs = d->hs;

	if (!hs)
		return;
	while (atomic_load(&d->claimed) < d->max_claimed) {
		struct tlshd_hs_job *job = calloc(1, sizeof(*job));
		struct tlshd_listener *base;
		char why[300];
		int e;

		if (!job) {
			tlshd_log("handshake: out of memory");
			return;
		}
		tlshd_hs_keyring_forget();
		e = tlsh_hsnl_accept(&hs->cmd, &job->req);
		if (e) {
			if (e != -EAGAIN)
				tlshd_log("%s", hs->cmd.errmsg);
			free(job);
			return;
		}
		job->keyring = job->req.keyring ? job->req.keyring :
			       tlshd_hs_keyring_accepted();
		e = job_prepare(hs, job, &base, why, sizeof(why));
		if (e) {
			refuse(hs, job, e, why);
			continue;
		}
		if (hs->conf.loglevel > 0)
			tlshd_log("%s: %s, peer name %s, timeout %u ms, keyring %u, %zu PSK(s)",
				  job->who, tlsh_hs_msg_name(job->req.msg_type),
				  job->req.has_peername ? job->req.peername :
				  "(none)", job->req.timeout_ms, job->keyring,
				  job->psks.n);
		if (tlshd_claimed_job(d, base, job->req.fd, job)) {
			tlshd_listener_put(base);
			refuse(hs, job, ENOMEM, "out of memory");
			continue;
		}
		tlshd_listener_put(base);	/* the connection holds its own */
	}
}

void tlshd_hs_event(struct tlshd *d)
{
	int r = tlsh_hsnl_read_ready(&d->hs->ready, &d->hs->fam);

	if (r < 0 && r != -ENOBUFS)
		tlshd_log("handshake: reading READY: %s", strerror(-r));
	tlshd_hs_claim(d);
}

int tlshd_hs_reload(struct tlshd *d)
{
	if (!d->hs)
		return 0;
	if (hs_configure(d->hs)) {
		tlshd_log("handshake: the previous configuration stays");
		return -1;
	}
	return 0;
}

static void hs_free(struct tlshd_hs *hs)
{
	tlsh_nl_close(&hs->ready);
	tlsh_nl_close(&hs->cmd);
	tlshd_listener_put(hs->server);
	tlshd_listener_put(hs->client_anon);
	tlshd_listener_put(hs->client_x509);
	tlshd_hs_conf_free(&hs->conf);
	free(hs->conf_path);
	free(hs);
}

int tlshd_hs_start(struct tlshd *d, const char *conf_path, unsigned int tag)
{
	struct tlshd_hs *hs = calloc(1, sizeof(*hs));
	int e;

	if (!hs || (conf_path && !(hs->conf_path = strdup(conf_path)))) {
		free(hs);
		tlshd_log("handshake: out of memory");
		return -1;
	}
	e = tlsh_hsnl_open(&hs->cmd, &hs->fam);
	if (e) {
		tlshd_log("%s%s", hs->cmd.errmsg, e == -ENOENT ?
			  ": not serving the kernel's handshake requests" : "");
		hs_free(hs);
		return e == -ENOENT ? 1 : -1;
	}
	if (!hs->fam.done_remote_auth)
		tlshd_log("handshake: this kernel's DONE takes no REMOTE_AUTH: consumers are not told who the peer is");
	if (tlsh_hsnl_connect(&hs->ready, &hs->fam) ||
	    tlsh_hsnl_join(&hs->ready, &hs->fam)) {
		tlshd_log("%s", hs->ready.errmsg[0] ? hs->ready.errmsg :
			  "handshake: cannot open the READY socket");
		hs_free(hs);
		return -1;
	}
	if (hs_configure(hs)) {
		hs_free(hs);
		return -1;
	}
	if (tlshd_watch_main(d, tlsh_nl_fd(&hs->ready), tag)) {
		tlshd_log("handshake: setup: %s", strerror(errno));
		hs_free(hs);
		return -1;
	}
	d->hs = hs;
	tlshd_log("handshake: serving the kernel's TLS handshake requests (handler class tlshd)");
	tlshd_hs_claim(d);	/* READY is not replayed */
	return 0;
}

void tlshd_hs_stop(struct tlshd *d)
{
	if (d->hs)
		hs_free(d->hs);
	d->hs = NULL;
}
