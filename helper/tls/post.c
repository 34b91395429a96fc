// SPDX-License-Identifier: GPL-2.0
/* After the handshake: key export and the userspace record layer. */
#include <string.h>

#include "tls/conn.h"
#include "tls/ticket.h"

enum tlsh_err tlsh_conn_export_keys(const struct tlsh_conn *c,
				    struct tlsh_traffic_keys *k)
{
	if (!c->done || c->err || c->hdr_have || c->hs_in.len)
		return TLSH_ERR_STATE;
	memset(k, 0, sizeof(*k));
	k->version = c->tls12 ? TLSH_TLS12 : TLSH_TLS13;
	k->aead = c->suite->aead;
	memcpy(k->tx.key, c->tx.key, c->suite->key_len);
	memcpy(k->tx.iv, c->tx.iv, sizeof(k->tx.iv));
	k->tx.seq = c->tx.seq;
	memcpy(k->rx.key, c->rx.key, c->suite->key_len);
	memcpy(k->rx.iv, c->rx.iv, sizeof(k->rx.iv));
	k->rx.seq = c->rx.seq;
	return TLSH_OK;
}

enum tlsh_err tlsh_conn_write_app(struct tlsh_conn *c, const uint8_t *data,
				  size_t len)
{
	if (!c->done || c->err || c->closed)
		return TLSH_ERR_STATE;
	while (len) {
		size_t n = len < TLSH_MAX_PLAINTEXT ? len : TLSH_MAX_PLAINTEXT;

		TRY(tlsh_rec_seal(&c->tx, TLSH_CT_APPLICATION_DATA, data, n, 0,
				  &c->out));
		data += n;
		len -= n;
	}
	return TLSH_OK;
}

static enum tlsh_err read_record(struct tlsh_conn *c, uint8_t *rec,
				 size_t len, uint8_t *type,
				 const uint8_t **data, size_t *data_len)
{
	size_t body;

	if (len < TLSH_REC_HDR)
		return TLSH_ERR_DECODE;
	TRY(tlsh_rec_header(rec, &body));
	if (body != len - TLSH_REC_HDR)
		return TLSH_ERR_DECODE;
	TRY(tlsh_rec_open(&c->rx, rec, rec + TLSH_REC_HDR, body, type,
			  data_len));
	*data = rec + TLSH_REC_HDR;
	if (*type == TLSH_CT_ALERT) {
		enum tlsh_err err = tlsh_handle_alert(c, *data, *data_len);

		if (!err)
			*data_len = 0;	/* a tolerated TLS 1.2 warning */
		return err;
	}
	if (*type == TLSH_CT_HANDSHAKE) {
		size_t n = *data_len;

		*data_len = 0;
		return tlsh_post_handshake(c, *data, n, true);
	}
	if (*type != TLSH_CT_APPLICATION_DATA)
		return TLSH_ERR_UNEXPECTED_MESSAGE;
	return TLSH_OK;
}

enum tlsh_err tlsh_conn_read_record(struct tlsh_conn *c, uint8_t *rec,
				    size_t len, uint8_t *type,
				    const uint8_t **data, size_t *data_len)
{
	enum tlsh_err err;

	if (!c->done || c->err)
		return TLSH_ERR_STATE;
	c->cur_msg = 0;
	err = read_record(c, rec, len, type, data, data_len);
	/* Our own verdict ends the connection with its alert queued. */
	if (err && tlsh_err_class(err) == TLSH_ECLASS_LOCAL)
		return tlsh_fail(c, err);
	return err;
}
