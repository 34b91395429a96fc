// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tls/ext.h"

#define CH TLSH_IN_CH
#define SH TLSH_IN_SH
#define HRR TLSH_IN_HRR
#define EE TLSH_IN_EE
#define CT TLSH_IN_CT
#define CR TLSH_IN_CR
#define NST TLSH_IN_NST
#define SH12 TLSH_IN_SH12

/* RFC 8446 section 4.2, the table of where each extension may appear. */
const struct tlsh_ext_desc tlsh_ext_table[TLSH_X_COUNT] = {
	[TLSH_X_SERVER_NAME] = { 0, "server_name", CH | EE | SH12 },
	[TLSH_X_MAX_FRAGMENT_LENGTH] = { 1, "max_fragment_length", CH | EE },
	[TLSH_X_STATUS_REQUEST] = { 5, "status_request", CH | CR | CT },
	[TLSH_X_SUPPORTED_GROUPS] = { 10, "supported_groups", CH | EE },
	[TLSH_X_SIGNATURE_ALGORITHMS] = { 13, "signature_algorithms", CH | CR },
	[TLSH_X_USE_SRTP] = { 14, "use_srtp", CH | EE },
	[TLSH_X_HEARTBEAT] = { 15, "heartbeat", CH | EE },
	[TLSH_X_ALPN] = { 16, "application_layer_protocol_negotiation",
			  CH | EE | SH12 },
	[TLSH_X_SCT] = { 18, "signed_certificate_timestamp", CH | CR | CT },
	[TLSH_X_CLIENT_CERT_TYPE] = { 19, "client_certificate_type", CH | EE },
	[TLSH_X_SERVER_CERT_TYPE] = { 20, "server_certificate_type", CH | EE },
	[TLSH_X_PADDING] = { 21, "padding", CH },
	[TLSH_X_RECORD_SIZE_LIMIT] = { 28, "record_size_limit", CH | EE },
	[TLSH_X_PRE_SHARED_KEY] = { 41, "pre_shared_key", CH | SH },
	[TLSH_X_EARLY_DATA] = { 42, "early_data", CH | EE | NST },
	[TLSH_X_SUPPORTED_VERSIONS] = { 43, "supported_versions",
					CH | SH | HRR },
	[TLSH_X_COOKIE] = { 44, "cookie", CH | HRR },
	[TLSH_X_PSK_KEY_EXCHANGE_MODES] = { 45, "psk_key_exchange_modes", CH },
	[TLSH_X_CERTIFICATE_AUTHORITIES] = { 47, "certificate_authorities",
					     CH | CR },
	[TLSH_X_OID_FILTERS] = { 48, "oid_filters", CR },
	[TLSH_X_POST_HANDSHAKE_AUTH] = { 49, "post_handshake_auth", CH },
	[TLSH_X_SIGNATURE_ALGORITHMS_CERT] = { 50, "signature_algorithms_cert",
					       CH | CR },
	[TLSH_X_KEY_SHARE] = { 51, "key_share", CH | SH | HRR },
	[TLSH_X_EC_POINT_FORMATS] = { 11, "ec_point_formats", CH | SH12 },
	[TLSH_X_EXTENDED_MASTER_SECRET] = { 23, "extended_master_secret",
					    CH | SH12 },
	[TLSH_X_RENEGOTIATION_INFO] = { 0xff01, "renegotiation_info",
					CH | SH12 },
	[TLSH_X_SESSION_TICKET] = { 35, "session_ticket", CH | SH12 },
};

static int find(uint16_t type)
{
	for (int i = 0; i < TLSH_X_COUNT; i++)
		if (tlsh_ext_table[i].type == type)
			return i;
	return -1;
}

enum tlsh_err tlsh_ext_parse(struct tlsh_cur *c, uint32_t in,
			     struct tlsh_exts *out)
{
	/* Unknown types seen, for duplicate detection among them too. */
	uint16_t unknown[64];
	size_t n_unknown = 0;
	struct tlsh_cur block;
	enum tlsh_err err;
	bool tolerant = in & (TLSH_IN_CH | TLSH_IN_CR | TLSH_IN_NST);

	memset(out, 0, sizeof(*out));
	err = tlsh_cur_vec(c, 2, 0, 0xffff, &block);
	if (err)
		return err;
	while (tlsh_cur_left(&block)) {
		uint16_t type;
		struct tlsh_cur body;
		int id;

		err = tlsh_cur_u16(&block, &type);
		if (!err)
			err = tlsh_cur_vec(&block, 2, 0, 0xffff, &body);
		if (err)
			return err;
		id = find(type);
		out->psk_last = false;
		if (id < 0) {
			if (!tolerant)
				return TLSH_ERR_UNSUPPORTED_EXTENSION;
			for (size_t i = 0; i < n_unknown; i++)
				if (unknown[i] == type)
					return TLSH_ERR_ILLEGAL_PARAMETER;
			if (n_unknown < sizeof(unknown) / sizeof(unknown[0]))
				unknown[n_unknown++] = type;
			continue;
		}
		if (out->present & (1u << id))
			return TLSH_ERR_ILLEGAL_PARAMETER;
		if (!(tlsh_ext_table[id].allowed_in & in))
			return TLSH_ERR_ILLEGAL_PARAMETER;
		out->present |= 1u << id;
		out->body[id] = body;
		out->psk_last = id == TLSH_X_PRE_SHARED_KEY;
	}
	return TLSH_OK;
}

enum tlsh_err tlsh_ext_check(const struct tlsh_exts *x, uint32_t in)
{
	for (int i = 0; i < TLSH_X_COUNT; i++)
		if ((x->present & (1u << i)) &&
		    !(tlsh_ext_table[i].allowed_in & in))
			return TLSH_ERR_ILLEGAL_PARAMETER;
	return TLSH_OK;
}
