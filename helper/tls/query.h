/* SPDX-License-Identifier: GPL-2.0 */
/*
 * query.c: the configuration with defaults applied, and small per-connection
 * queries shared by every handler.
 */
#ifndef TLSH_TLS_QUERY_H
#define TLSH_TLS_QUERY_H

#include "tls/conn.h"

/* The first reason recorded wins (printf-style). */
void tlsh_set_reason(struct tlsh_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Own credentials from the config (the creds array or the single cred). */
const struct tlsh_cred *const *tlsh_cfg_creds(const struct tlsh_config *cfg,
					      size_t *n);
/* The limit on handshake bytes received. */
size_t tlsh_cfg_max_hs(const struct tlsh_config *cfg);
const uint16_t *tlsh_cfg_suites(const struct tlsh_config *cfg, size_t *n);
const uint16_t *tlsh_cfg_groups(const struct tlsh_config *cfg, size_t *n);
const uint16_t *tlsh_cfg_sig_schemes(const struct tlsh_config *cfg,
				     size_t *n);
/* The configured version range (defaults applied). */
uint16_t tlsh_cfg_min_version(const struct tlsh_config *cfg);
uint16_t tlsh_cfg_max_version(const struct tlsh_config *cfg);

/* The version is in the configured range and has a configured suite. */
bool tlsh_cfg_speaks(const struct tlsh_config *cfg, uint16_t version);
/* Whether a suite may be used by this side at its version (allow_rsa_kx). */
bool tlsh_suite_allowed(const struct tlsh_config *cfg,
			const struct tlsh_suite *s);
/* Time for certificate checks. */
time_t tlsh_now(const struct tlsh_conn *c);

#endif
