/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One TLS profile for every front-end: the policy and credentials of one
 * side of a handshake, as `serve` / `connect` take them on the command line
 * and the daemon takes them per listener (config file "listen" lines,
 * `attach` options, the state file), and the engine configuration
 * (struct tlsh_config) built from it.
 *
 * The settings have one name each, used as a long option (--tls-max 1.2)
 * and as a key=value word (tls-max=1.2); the flags stand alone in both
 * forms (--allow-rsa-kx, allow-rsa-kx).
 */
#ifndef TLSH_PROFILE_H
#define TLSH_PROFILE_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/engine.h"

#define TLSH_PROFILE_MAX_CREDS	8
#define TLSH_PROFILE_MAX_ALPN	16
#define TLSH_PROFILE_MAX_TICKET_KEYS	8
#define TLSH_PROFILE_MAX_PSK	64	/* bytes of an external PSK */
/* NewSessionTickets a server with ticket key files sends by default. */
#define TLSH_PROFILE_DEFAULT_TICKETS	2

struct tlsh_profile {
	char *certs[TLSH_PROFILE_MAX_CREDS], *keys[TLSH_PROFILE_MAX_CREDS];
	size_t n_certs, n_keys;
	char *ca;		/* NULL: none (a client: the system store) */
	bool verify_client;	/* server: require a client certificate */
	char *alpn;		/* "h2,http/1.1"; NULL: no ALPN */
	unsigned int tickets;	/* server: NewSessionTickets sent */
	bool tickets_set;	/* tickets given (else: 2 with key files, 0) */
	/* server: ticket key files, 80 bytes each; the first seals */
	char *ticket_keys[TLSH_PROFILE_MAX_TICKET_KEYS];
	size_t n_ticket_keys;
	/* an external TLS 1.3 PSK (SHA-256): identity, file with the key in hex */
	char *psk_identity, *psk_file;
	size_t max_handshake;	/* 0: the engine's default */
	uint16_t tls_min, tls_max;	/* TLSH_TLS12 / TLSH_TLS13; 0: default */
	bool allow_rsa_kx;	/* TLS 1.2 RSA key transport */
	bool allow_no_ems;	/* TLS 1.2 without extended master secret */
};

/*
 * The long options of the profile, for a front-end's getopt_long table:
 * each returns TLSH_PROFILE_OPT, its name is opts[longindex].name and goes
 * to tlsh_profile_set() with optarg.
 */
#define TLSH_PROFILE_OPT	0x7000
#define TLSH_PROFILE_LONGOPTS						\
	{ "cert", required_argument, NULL, TLSH_PROFILE_OPT },		\
	{ "key", required_argument, NULL, TLSH_PROFILE_OPT },		\
	{ "ca", required_argument, NULL, TLSH_PROFILE_OPT },		\
	{ "verify-client", no_argument, NULL, TLSH_PROFILE_OPT },	\
	{ "alpn", required_argument, NULL, TLSH_PROFILE_OPT },		\
	{ "tickets", required_argument, NULL, TLSH_PROFILE_OPT },	\
	{ "ticket-keys", required_argument, NULL, TLSH_PROFILE_OPT },	\
	{ "max-handshake-bytes", required_argument, NULL,		\
	  TLSH_PROFILE_OPT },						\
	{ "tls-min", required_argument, NULL, TLSH_PROFILE_OPT },	\
	{ "tls-max", required_argument, NULL, TLSH_PROFILE_OPT },	\
	{ "allow-rsa-kx", no_argument, NULL, TLSH_PROFILE_OPT },	\
	{ "allow-no-ems", no_argument, NULL, TLSH_PROFILE_OPT },	\
	{ "psk-identity", required_argument, NULL, TLSH_PROFILE_OPT },	\
	{ "psk-file", required_argument, NULL, TLSH_PROFILE_OPT }

void tlsh_profile_init(struct tlsh_profile *p);
void tlsh_profile_free(struct tlsh_profile *p);

/*
 * Set one setting by name (value NULL for a flag). Returns 1 if set, 0 if
 * name is not a profile setting (p unchanged), -1 with a sentence in err
 * for a bad value, a value given to a flag or a missing one.
 */
int tlsh_profile_set(struct tlsh_profile *p, const char *name,
		     const char *value, char *err, size_t errlen);

/* A decimal in [min, max], nothing else in v: 0, else -1. */
int tlsh_parse_long(const char *v, long min, long max, long *out);

/* *dst becomes a copy of v (the old one freed): 0, or -1 (unchanged). */
int tlsh_set_str(char **dst, const char *v);

/* The sentence into err (errlen bytes); returns -1. */
int tlsh_err_msg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A "VERB key=value ..." line being written; overflow is sticky. */
struct tlsh_line {
	char *p;
	size_t left;
	bool overflow;
};

void tlsh_line_put(struct tlsh_line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append " name=value ..." for every setting made. */
void tlsh_profile_format(const struct tlsh_profile *p, struct tlsh_line *l);

/*
 * Whether the settings fit together for this side (server: a certificate
 * is required; verify-client needs ca=). 0, or -1 and err.
 */
int tlsh_profile_check(const struct tlsh_profile *p, bool server, char *err,
		       size_t errlen);

/* The profile loaded: what the engine configuration points to. */
struct tlsh_profile_state {
	struct tlsh_cred cred[TLSH_PROFILE_MAX_CREDS];
	const struct tlsh_cred *cred_ptr[TLSH_PROFILE_MAX_CREDS];
	size_t n_cred;
	gnutls_x509_trust_list_t trust;
	uint8_t *ca_names;		/* TLS 1.2 certificate_authorities */
	size_t ca_names_len;
	char *alpn_buf;
	const char *alpn[TLSH_PROFILE_MAX_ALPN];
	struct tlsh_ticket_key ticket_keys[TLSH_PROFILE_MAX_TICKET_KEYS];
	uint8_t psk_key[TLSH_PROFILE_MAX_PSK];
	char psk_identity[256];
	struct tlsh_psk psk;
	struct tlsh_config cfg;		/* points into this state */
};

/*
 * Load the credentials and trust of p (checked first) and build st->cfg,
 * which stays valid, with st, until tlsh_profile_unload(). A client
 * without ca trusts the system store. Returns TLSH_OK, TLSH_ERR_CONFIG
 * (a file unusable, a key that does not sign for its certificate, a bad
 * setting) or TLSH_ERR_NOMEM, with a sentence in err; st is then unloaded.
 */
enum tlsh_err tlsh_profile_load(const struct tlsh_profile *p, bool server,
				struct tlsh_profile_state *st, char *err,
				size_t errlen);
/* Idempotent; wipes the keys. */
void tlsh_profile_unload(struct tlsh_profile_state *st);

/*
 * The daemon: a server state without ticket key files gets one random
 * ticket key, in memory only (tickets resume on this daemon until it
 * restarts; the number sent stays the profile's `tickets`).
 */
void tlsh_profile_random_ticket_key(struct tlsh_profile_state *st);

/* "1.2", "1.3" <-> TLSH_TLS12, TLSH_TLS13 (0 / NULL otherwise). */
uint16_t tlsh_version_parse(const char *s);
const char *tlsh_version_name(uint16_t v);
/* A key exchange group's name for logs: "x25519", ...; NULL if unknown. */
const char *tlsh_group_name(uint16_t group);

#endif
