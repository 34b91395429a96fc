/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `tlshelper daemon` as the kernel's own TLS handshake agent (the
 * net/handshake upcall, os/hsnl.h): a drop-in for ktls-utils' tlshd.
 *
 * The configuration is tlshd's: /etc/tlshd/config, else /etc/tlshd.conf
 * (GLib keyfile syntax), with its group and key names:
 *
 *   [debug]                  loglevel=N (tls=, nl= accepted)
 *   [authenticate]           keyrings=NAME;NAME;...
 *   [authenticate.client]    x509.truststore, x509.crl,
 *   [authenticate.server]    x509.certificate, x509.private_key
 *
 * The main thread claims requests (daemon_hs.c), reading the PSKs of
 * NVMe's requests from the kernel's keyrings as it does
 * (daemon_hs_psk.c); the daemon's workers (daemon_worker.c) run them next
 * to tlsh.ko's connections and call back here for the per-request
 * configuration, the check before kTLS and DONE.
 */
#ifndef TLSH_DAEMON_HS_H
#define TLSH_DAEMON_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "os/hsnl.h"
#include "tls/engine.h"
#include "tls/sig.h"

#define TLSHD_CONF_PATH		"/etc/tlshd/config"
#define TLSHD_CONF_LEGACY	"/etc/tlshd.conf"
#define TLSHD_CONF_MAX_KEYRINGS	8

struct tlshd_hs_side {
	char *truststore, *crl, *certificate, *private_key;	/* NULL: unset */
};

struct tlshd_hs_conf {
	char *path;		/* the file read; NULL: none (defaults) */
	int loglevel;
	char *keyrings[TLSHD_CONF_MAX_KEYRINGS];
	unsigned int n_keyrings;
	struct tlshd_hs_side client, server;
	/* Keys this parser does not know, kept for one warning. */
	unsigned int n_unknown;
	char first_unknown[64];
};

void tlshd_hs_conf_free(struct tlshd_hs_conf *c);

/*
 * Parse a keyfile from f (name: for messages). 0, or -1 with
 * "NAME:LINE: why" in err; *c is then empty.
 */
int tlshd_hs_conf_parse(FILE *f, const char *name, struct tlshd_hs_conf *c,
			char *err, size_t errlen);

/*
 * Read path, or with path NULL the first of TLSHD_CONF_PATH and
 * TLSHD_CONF_LEGACY that exists (neither: defaults, c->path NULL).
 * 0, or -1 with a sentence in err.
 */
int tlshd_hs_conf_load(const char *path, struct tlshd_hs_conf *c, char *err,
		       size_t errlen);

/* ---- the agent (daemon_hs.c) ---- */

struct tlshd;
struct tlshd_worker;
struct tlsh_conn;

/* ---- PSKs from the kernel's keyrings (daemon_hs_psk.c) ---- */

#define TLSHD_HS_IDENTITY_MAX	512	/* a key description, NUL included */
#define TLSHD_HS_MAX_PSKS	1024	/* a target's keyring, looked at */
#define TLSHD_HS_MAX_OFFER	4	/* a host's PSKs, offered */

/* PSKs read from keys: the engine's list and each entry's key serial. */
struct tlshd_hs_psks {
	struct tlsh_psk *list;
	uint32_t *serials;
	size_t n, cap;
};

/*
 * Before ACCEPT, on the thread that sends it: empty the process keyring,
 * so that afterwards it holds only the keyring this ACCEPT linked (6.12).
 */
void tlshd_hs_keyring_forget(void);
/* After ACCEPT: the keyring it linked into the process keyring, or 0. */
uint32_t tlshd_hs_keyring_accepted(void);
/*
 * The PSKs of the keys ids (of type type: "psk" for NVMe), at most
 * TLSHD_HS_MAX_OFFER: identity = description. 0, or -errno with why.
 */
int tlshd_hs_psks_from_serials(struct tlshd_hs_psks *ps, const uint32_t *ids,
			       unsigned int n, const char *type, char *why,
			       size_t whylen);
/*
 * Every key of type type in keyring (and keyrings linked in it). 0, or
 * -errno with why (-ENOKEY: none). Keys that cannot be read are skipped.
 */
int tlshd_hs_psks_from_keyring(struct tlshd_hs_psks *ps, uint32_t keyring,
			       const char *type, char *why, size_t whylen);
/*
 * The hash of a PSK (32: SHA-256, 48: SHA-384): from an NVMe identity
 * ("NVMe0R01 ...": 01, 02), else from the key's length; 0: an NVMe hash
 * this engine lacks.
 */
size_t tlshd_hs_psk_hash_len(const char *identity, size_t key_len);
/* The serial of the entry used (tlsh_conn_external_psk), or 0. */
uint32_t tlshd_hs_psk_serial(const struct tlshd_hs_psks *ps,
			     const struct tlsh_psk *used);
void tlshd_hs_psks_free(struct tlshd_hs_psks *ps);
/* A key's payload (malloc'd, *len bytes). 0 or -errno. */
long tlshd_hs_key_read(int32_t serial, uint8_t **out, size_t *len);

/* One claimed request, owned by the worker running it. */
struct tlshd_hs_job {
	struct tlsh_hs_req req;
	bool server;
	struct tlsh_config cfg;		/* the base's, made for this request */
	struct tlsh_cred *kcred;	/* from the keyring; NULL: none */
	const struct tlsh_cred *kcred_ptr[1];
	/* PSK mode: the keys, read when the request was claimed. */
	uint32_t keyring;		/* the consumer's; 0: none known */
	struct tlshd_hs_psks psks;
	char who[48];			/* "NFS client", ... for the log */
	bool verbose;			/* [debug] loglevel > 0 when claimed */
};

/*
 * At startup, with the workers running: find the family, read the
 * configuration (conf_path; NULL: tlshd's paths), join the tlshd group and
 * claim what waits. 0 when serving, 1 when the kernel has no such family
 * (said once in the log), -1 after logging why it cannot serve.
 */
int tlshd_hs_start(struct tlshd *d, const char *conf_path, unsigned int tag);
/* The group's fd was readable (its tag): claim what waits. */
void tlshd_hs_event(struct tlshd *d);
/* Claim what waits, up to the daemon's bound (after a handshake ended). */
void tlshd_hs_claim(struct tlshd *d);
/*
 * Re-read the configuration (SIGHUP): on success new requests use it,
 * those running keep theirs; on failure the old one stays (logged).
 * 0 or -1.
 */
int tlshd_hs_reload(struct tlshd *d);
void tlshd_hs_stop(struct tlshd *d);

/*
 * The DER certificate and private key in the keys cert and key (the
 * serials of ACCEPT's CERTIFICATE) as a credential (*out, to free with
 * tlsh_cred_free and free). 0, or -errno with why: -EKEYREJECTED when
 * they are no DER certificate and key that belong together.
 */
int tlshd_hs_cred_from_keys(uint32_t cert, uint32_t key,
			    struct tlsh_cred **out, char *why, size_t whylen);
/*
 * A verified peer's certificate as a key for the consumer (REMOTE_AUTH):
 * "TLS x509 PEER" in the user keyring; its serial, or 0.
 */
uint32_t tlshd_hs_peer_key(gnutls_x509_crt_t crt, const char *peer);

/* For the workers. */
/*
 * The handshake is done, kTLS not yet in: whether it is what the consumer
 * asked for (PSK mode: a PSK of ours keyed it, not a certificate).
 * 0, or a positive errno with why.
 */
int tlshd_hs_job_check(const struct tlshd_hs_job *job,
		       const struct tlsh_conn *tls, char *why, size_t whylen);
int tlshd_hs_job_done(struct tlshd_worker *w, struct tlshd_hs_job *job,
		      const struct tlsh_conn *tls, uint32_t status, char *err,
		      size_t errlen);
void tlshd_hs_job_free(struct tlshd_hs_job *job);

#endif
