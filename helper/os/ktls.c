// SPDX-License-Identifier: GPL-2.0
/*
 * kTLS key installer: map negotiated traffic keys to the kernel's
 * tls12_crypto_info_* layouts and hand them to the record layer.
 *
 * Everything that can be checked without changing the socket is checked
 * first. Then TCP_ULP, TLS_TX, TLS_RX, in that order: a failure at the ULP or
 * TX step leaves a socket that still carries plaintext; a failure at RX would
 * leave it half-keyed, so it is shut down instead.
 */
#include "os/ktls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define ULP_NAME_MAX 16		/* TCP_ULP_NAME_MAX in the kernel */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Where each field lives in a tls12_crypto_info_* struct. All four share
 * the shape {info, iv, key, salt, rec_seq}; only the sizes differ, and
 * salt + iv is always the 12-byte AEAD nonce.
 */
struct ktls_layout {
	uint16_t cipher_type;
	socklen_t size;
	size_t iv, iv_len;
	size_t key, key_len;
	size_t salt, salt_len;
	size_t rec_seq;
};

#define KTLS_LAYOUT(type, name) {					\
	.cipher_type = TLS_CIPHER_##name,				\
	.size = sizeof(struct type),					\
	.iv = offsetof(struct type, iv),				\
	.iv_len = TLS_CIPHER_##name##_IV_SIZE,				\
	.key = offsetof(struct type, key),				\
	.key_len = TLS_CIPHER_##name##_KEY_SIZE,			\
	.salt = offsetof(struct type, salt),				\
	.salt_len = TLS_CIPHER_##name##_SALT_SIZE,			\
	.rec_seq = offsetof(struct type, rec_seq),			\
}

static const struct ktls_layout ktls_layouts[] = {
	[TLSH_AEAD_AES_128_GCM] =
		KTLS_LAYOUT(tls12_crypto_info_aes_gcm_128, AES_GCM_128),
	[TLSH_AEAD_AES_256_GCM] =
		KTLS_LAYOUT(tls12_crypto_info_aes_gcm_256, AES_GCM_256),
	[TLSH_AEAD_CHACHA20_POLY1305] =
		KTLS_LAYOUT(tls12_crypto_info_chacha20_poly1305,
			    CHACHA20_POLY1305),
	[TLSH_AEAD_AES_128_CCM] =
		KTLS_LAYOUT(tls12_crypto_info_aes_ccm_128, AES_CCM_128),
};

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

int tlsh_ktls_crypto_info(uint16_t version, enum tlsh_aead aead,
			  const struct tlsh_traffic_dir *dir,
			  union tlsh_ktls_crypto_info *ci, socklen_t *len)
{
	const struct ktls_layout *l;
	unsigned char *b = (unsigned char *)ci;

	if (version != TLSH_TLS12 && version != TLSH_TLS13)
		return -EPROTONOSUPPORT;
	if ((unsigned int)aead >= ARRAY_SIZE(ktls_layouts) ||
	    !ktls_layouts[aead].size)
		return -EOPNOTSUPP;
	l = &ktls_layouts[aead];

	memset(ci, 0, sizeof(*ci));
	ci->info.version = version;
	ci->info.cipher_type = l->cipher_type;
	memcpy(b + l->key, dir->key, l->key_len);
	put_be64(b + l->rec_seq, dir->seq);
	memcpy(b + l->salt, dir->iv, l->salt_len);
	/*
	 * The kernel's nonce is salt || iv. For TLS 1.3 and ChaCha20 it XORs
	 * rec_seq into the last 8 bytes, so salt || iv is the whole write IV.
	 * For TLS 1.2 GCM/CCM iv is the explicit nonce, sent in each record
	 * and incremented per record: starting it at seq keeps the two equal,
	 * which is what every other implementation sends.
	 */
	if (version == TLSH_TLS13 || aead == TLSH_AEAD_CHACHA20_POLY1305)
		memcpy(b + l->iv, dir->iv + l->salt_len, l->iv_len);
	else
		put_be64(b + l->iv, dir->seq);
	*len = l->size;
	return 0;
}

static int ktls_fail(struct tlsh_ktls_error *e, const char *step, int err)
{
	e->step = step;
	e->err = err;
	return -err;
}

/* Checks that change nothing: a TCP stream, ESTABLISHED, no ULP yet. */
static int ktls_check_socket(int fd, struct tlsh_ktls_error *e)
{
	static const char step_type[] = "precondition: socket type";
	struct tcp_info ti;
	char ulp[ULP_NAME_MAX + 1] = "";
	int type, proto;
	socklen_t len;

	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
		return ktls_fail(e, step_type, errno);
	len = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
		return ktls_fail(e, step_type, errno);
	if (type != SOCK_STREAM || proto != IPPROTO_TCP)
		return ktls_fail(e, step_type, EPROTOTYPE);

	/* tls_init() refuses anything but ESTABLISHED with ENOTCONN. */
	len = sizeof(ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return ktls_fail(e, "precondition: TCP state", errno);
	if (ti.tcpi_state != TCP_ESTABLISHED) {
		e->tcp_state = ti.tcpi_state;
		return ktls_fail(e, "precondition: TCP state", ENOTCONN);
	}

	/* An empty name means no ULP; any ULP (even "tls") is a misuse. */
	len = ULP_NAME_MAX;
	if (getsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp, &len))
		return ktls_fail(e, "precondition: ULP", errno);
	if (len > 0) {
		memcpy(e->ulp, ulp, sizeof(e->ulp) - 1);
		return ktls_fail(e, "precondition: ULP", EEXIST);
	}
	return 0;
}

int tlsh_ktls_install_crypto_info(int fd,
				  const struct tlsh_ktls_crypto_infos *ci,
				  struct tlsh_ktls_error *err)
{
	struct tlsh_ktls_error scratch;
	struct tlsh_ktls_error *e = err ? err : &scratch;
	int rc;

	memset(e, 0, sizeof(*e));
	e->tcp_state = -1;

	rc = ktls_check_socket(fd, e);
	if (rc)
		return rc;

	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", strlen("tls")))
		return ktls_fail(e, "TCP_ULP", errno);
	/* With the ULP but no keys, tls passes plaintext straight through. */
	e->ulp_attached = true;

	if (setsockopt(fd, SOL_TLS, TLS_TX, &ci->tx, ci->tx_len))
		return ktls_fail(e, "TLS_TX", errno);

	if (setsockopt(fd, SOL_TLS, TLS_RX, &ci->rx, ci->rx_len)) {
		rc = ktls_fail(e, "TLS_RX", errno);
		/*
		 * Encrypting out, plaintext in: no protocol means that. The
		 * kernel cannot drop TX keys, so end the connection here
		 * rather than trust every caller to close it.
		 */
		shutdown(fd, SHUT_RDWR);
		e->socket_unusable = true;
		return rc;
	}
	return 0;
}

int tlsh_ktls_install(int fd, const struct tlsh_traffic_keys *p,
		      struct tlsh_ktls_error *err)
{
	struct tlsh_ktls_crypto_infos ci;
	struct tlsh_ktls_error scratch;
	struct tlsh_ktls_error *e = err ? err : &scratch;
	int rc;

	memset(e, 0, sizeof(*e));
	e->tcp_state = -1;

	rc = tlsh_ktls_crypto_info(p->version, p->aead, &p->tx, &ci.tx,
				   &ci.tx_len);
	if (!rc)
		rc = tlsh_ktls_crypto_info(p->version, p->aead, &p->rx, &ci.rx,
					   &ci.rx_len);
	if (rc == -EPROTONOSUPPORT)
		rc = ktls_fail(e, "precondition: version", -rc);
	else if (rc)
		rc = ktls_fail(e, "precondition: AEAD", -rc);
	else
		rc = tlsh_ktls_install_crypto_info(fd, &ci, e);

	explicit_bzero(&ci, sizeof(ci));
	return rc;
}

static const char *ktls_tcp_state_name(int state)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_SYN_SENT] = "SYN_SENT",
		[TCP_SYN_RECV] = "SYN_RECV", [TCP_FIN_WAIT1] = "FIN_WAIT1",
		[TCP_FIN_WAIT2] = "FIN_WAIT2", [TCP_TIME_WAIT] = "TIME_WAIT",
		[TCP_CLOSE] = "CLOSE", [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_LAST_ACK] = "LAST_ACK", [TCP_LISTEN] = "LISTEN",
		[TCP_CLOSING] = "CLOSING",
	};

	if (state < 0 || (size_t)state >= ARRAY_SIZE(names) ||
	    !names[state])
		return "unknown";
	return names[state];
}

/* A hint that says what the errno means for this step, or NULL. */
static const char *ktls_hint(const struct tlsh_ktls_error *e, char *buf,
			     size_t len)
{
	const char *s = e->step;

	if (!strcmp(s, "precondition: version"))
		return "kTLS carries TLS 1.2 and 1.3 only";
	if (!strcmp(s, "precondition: AEAD"))
		return "kTLS carries AES-GCM, ChaCha20-Poly1305, AES-128-CCM";
	if (!strcmp(s, "precondition: socket type") && e->err == EPROTOTYPE)
		return "kTLS needs a TCP stream socket";
	if (!strcmp(s, "precondition: TCP state") && e->tcp_state >= 0) {
		snprintf(buf, len, "TCP state %s, kTLS needs ESTABLISHED",
			 ktls_tcp_state_name(e->tcp_state));
		return buf;
	}
	if (!strcmp(s, "precondition: ULP") && e->ulp[0]) {
		snprintf(buf, len, "socket already has ULP \"%.15s\"", e->ulp);
		return buf;
	}
	if (!strcmp(s, "TCP_ULP") && e->err == ENOENT)
		return "kernel has no TLS ULP: modprobe tls";
	if ((!strcmp(s, "TLS_TX") || !strcmp(s, "TLS_RX")) && e->err == EINVAL)
		return "kernel rejected the crypto parameters";
	if ((!strcmp(s, "TLS_TX") || !strcmp(s, "TLS_RX")) && e->err == ENOENT)
		return "kernel crypto API lacks this cipher";
	return NULL;
}

const char *tlsh_ktls_strerror(const struct tlsh_ktls_error *e, char *buf,
			       size_t len)
{
	char ebuf[64], hbuf[64];
	const char *hint, *what, *state;

	if (!len)
		return buf;
	if (!e->step) {
		snprintf(buf, len, "kTLS keys installed");
		return buf;
	}
	what = strerror_r(e->err, ebuf, sizeof(ebuf));
	hint = ktls_hint(e, hbuf, sizeof(hbuf));
	if (e->socket_unusable)
		state = "socket shut down";
	else if (e->ulp_attached)
		state = "socket still carries plaintext";
	else
		state = "socket unchanged";
	snprintf(buf, len, "%s%s: %s%s%s%s; %s", e->step,
		 strcmp(e->step, "TCP_ULP") ? "" : " \"tls\"", what,
		 hint ? " (" : "", hint ? hint : "", hint ? ")" : "", state);
	return buf;
}
