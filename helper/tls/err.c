// SPDX-License-Identifier: GPL-2.0
#include "tls/err.h"

const char *tlsh_alert_name(unsigned int a)
{
	switch (a) {
	case TLSH_ALERT_CLOSE_NOTIFY: return "close_notify";
	case TLSH_ALERT_UNEXPECTED_MESSAGE: return "unexpected_message";
	case TLSH_ALERT_BAD_RECORD_MAC: return "bad_record_mac";
	case TLSH_ALERT_RECORD_OVERFLOW: return "record_overflow";
	case TLSH_ALERT_HANDSHAKE_FAILURE: return "handshake_failure";
	case TLSH_ALERT_BAD_CERTIFICATE: return "bad_certificate";
	case TLSH_ALERT_UNSUPPORTED_CERTIFICATE:
		return "unsupported_certificate";
	case TLSH_ALERT_CERTIFICATE_REVOKED: return "certificate_revoked";
	case TLSH_ALERT_CERTIFICATE_EXPIRED: return "certificate_expired";
	case TLSH_ALERT_CERTIFICATE_UNKNOWN: return "certificate_unknown";
	case TLSH_ALERT_ILLEGAL_PARAMETER: return "illegal_parameter";
	case TLSH_ALERT_UNKNOWN_CA: return "unknown_ca";
	case TLSH_ALERT_DECODE_ERROR: return "decode_error";
	case TLSH_ALERT_DECRYPT_ERROR: return "decrypt_error";
	case TLSH_ALERT_PROTOCOL_VERSION: return "protocol_version";
	case TLSH_ALERT_INSUFFICIENT_SECURITY: return "insufficient_security";
	case TLSH_ALERT_INAPPROPRIATE_FALLBACK: return "inappropriate_fallback";
	case TLSH_ALERT_INTERNAL_ERROR: return "internal_error";
	case TLSH_ALERT_NO_RENEGOTIATION: return "no_renegotiation";
	case TLSH_ALERT_MISSING_EXTENSION: return "missing_extension";
	case TLSH_ALERT_UNSUPPORTED_EXTENSION: return "unsupported_extension";
	case TLSH_ALERT_UNRECOGNIZED_NAME: return "unrecognized_name";
	case TLSH_ALERT_UNKNOWN_PSK_IDENTITY: return "unknown_psk_identity";
	case TLSH_ALERT_CERTIFICATE_REQUIRED: return "certificate_required";
	case TLSH_ALERT_NO_APPLICATION_PROTOCOL:
		return "no_application_protocol";
	default: return "alert";
	}
}

const char *tlsh_err_str(enum tlsh_err e)
{
	switch (e) {
	case TLSH_OK: return "ok";
	case TLSH_ERR_NOMEM: return "out of memory";
	case TLSH_ERR_CONFIG: return "bad configuration";
	case TLSH_ERR_BUFFER: return "buffer too small";
	case TLSH_ERR_STATE: return "engine misuse or internal state error";
	default: break;
	}
	if (tlsh_err_class(e) == TLSH_ECLASS_PEER)
		return tlsh_err_alert(e) == TLSH_ALERT_CLOSE_NOTIFY ?
			"peer closed" : "peer sent a fatal alert";
	return tlsh_alert_name(tlsh_err_alert(e));
}
