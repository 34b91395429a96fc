// SPDX-License-Identifier: GPL-2.0
/* Configuration defaults and what a connection reports about itself. */
#include <stdarg.h>
#include <stdio.h>

#include "tls/conn.h"
#include "tls/query.h"

static const uint16_t default_suites[] = {
	TLSH_TLS_AES_128_GCM_SHA256, TLSH_TLS_AES_256_GCM_SHA384,
	TLSH_TLS_CHACHA20_POLY1305_SHA256, TLSH_TLS_AES_128_CCM_SHA256,
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	TLSH_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	TLSH_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	TLSH_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	/* Used only with allow_rsa_kx. */
	TLSH_TLS_RSA_WITH_AES_128_GCM_SHA256,
	TLSH_TLS_RSA_WITH_AES_256_GCM_SHA384,
};
static const uint16_t default_groups[] = {
	TLSH_GROUP_X25519, TLSH_GROUP_SECP256R1, TLSH_GROUP_SECP384R1,
};

const uint16_t *tlsh_cfg_suites(const struct tlsh_config *cfg, size_t *n)
{
	if (cfg->suites && cfg->n_suites) {
		*n = cfg->n_suites;
		return cfg->suites;
	}
	*n = sizeof(default_suites) / sizeof(default_suites[0]);
	return default_suites;
}

const uint16_t *tlsh_cfg_sig_schemes(const struct tlsh_config *cfg,
				     size_t *n)
{
	if (cfg->sig_schemes && cfg->n_sig_schemes) {
		*n = cfg->n_sig_schemes;
		return cfg->sig_schemes;
	}
	*n = tlsh_sig_schemes_n;
	return tlsh_sig_schemes;
}

const uint16_t *tlsh_cfg_groups(const struct tlsh_config *cfg, size_t *n)
{
	if (cfg->groups && cfg->n_groups) {
		*n = cfg->n_groups;
		return cfg->groups;
	}
	*n = sizeof(default_groups) / sizeof(default_groups[0]);
	return default_groups;
}

bool tlsh_conn_done(const struct tlsh_conn *c)
{
	return c->done;
}

enum tlsh_err tlsh_conn_error(const struct tlsh_conn *c)
{
	return c->err;
}

uint16_t tlsh_conn_suite(const struct tlsh_conn *c)
{
	return c->suite ? c->suite->id : 0;
}

uint16_t tlsh_conn_group(const struct tlsh_conn *c)
{
	return c->group;
}

bool tlsh_conn_did_hrr(const struct tlsh_conn *c)
{
	return c->hrr;
}

const char *tlsh_conn_alpn(const struct tlsh_conn *c)
{
	return c->has_alpn ? c->alpn : NULL;
}

const char *tlsh_conn_sni(const struct tlsh_conn *c)
{
	return c->has_sni ? c->sni : NULL;
}

size_t tlsh_conn_peer_certs(const struct tlsh_conn *c)
{
	return c->peer.n;
}

gnutls_x509_crt_t tlsh_conn_peer_leaf(const struct tlsh_conn *c)
{
	return c->done && c->peer.n ? c->peer.crt[0] : NULL;
}

uint16_t tlsh_conn_version(const struct tlsh_conn *c)
{
	if (c->tls12)
		return TLSH_TLS12;
	return c->version_agreed ? TLSH_TLS13 : 0;
}

uint16_t tlsh_cfg_min_version(const struct tlsh_config *cfg)
{
	return cfg->min_version ? cfg->min_version : TLSH_TLS12;
}

uint16_t tlsh_cfg_max_version(const struct tlsh_config *cfg)
{
	return cfg->max_version ? cfg->max_version : TLSH_TLS13;
}

bool tlsh_cfg_speaks(const struct tlsh_config *cfg, uint16_t version)
{
	size_t n;
	const uint16_t *ids = tlsh_cfg_suites(cfg, &n);

	if (version < tlsh_cfg_min_version(cfg) ||
	    version > tlsh_cfg_max_version(cfg))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct tlsh_suite *s = tlsh_suite_by_id(ids[i]);

		if (s && tlsh_suite_allowed(cfg, s) &&
		    tlsh_suite_is12(s) == (version == TLSH_TLS12))
			return true;
	}
	return false;
}

bool tlsh_suite_allowed(const struct tlsh_config *cfg,
			const struct tlsh_suite *s)
{
	return s && (s->kx != TLSH_KX_RSA || cfg->allow_rsa_kx);
}

uint16_t tlsh_conn_sigscheme(const struct tlsh_conn *c)
{
	return c->server_sig_scheme;
}

const char *tlsh_conn_error_reason(const struct tlsh_conn *c)
{
	if (!c->err)
		return NULL;
	return c->reason[0] ? c->reason : tlsh_err_str(c->err);
}

void tlsh_set_reason(struct tlsh_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

const struct tlsh_cred *const *tlsh_cfg_creds(const struct tlsh_config *cfg,
					      size_t *n)
{
	if (cfg->creds && cfg->n_creds) {
		*n = cfg->n_creds;
		return cfg->creds;
	}
	*n = cfg->cred ? 1 : 0;
	return cfg->cred ? &cfg->cred : NULL;
}

size_t tlsh_cfg_max_hs(const struct tlsh_config *cfg)
{
	return cfg->max_handshake_bytes ? cfg->max_handshake_bytes :
		TLSH_DEFAULT_MAX_HANDSHAKE_BYTES;
}

void tlsh_conn_set_test_hooks(struct tlsh_conn *c,
			      const struct tlsh_test_hooks *h)
{
	c->hooks = h;
}

time_t tlsh_now(const struct tlsh_conn *c)
{
	return c->now ? c->now(c->now_ctx) : time(NULL);
}

enum tlsh_psk_use tlsh_conn_psk(const struct tlsh_conn *c)
{
	return c->psk_use;
}

const struct tlsh_psk *tlsh_conn_external_psk(const struct tlsh_conn *c)
{
	return c->psk_use == TLSH_PSK_EXTERNAL ? c->ext_psk : NULL;
}

const char *tlsh_conn_session_note(const struct tlsh_conn *c)
{
	return c->session_note;
}
