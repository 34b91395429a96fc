// SPDX-License-Identifier: GPL-2.0
/*
 * PSK handshakes for the kernel's consumers (NVMe/TCP with TLS): the keys
 * come from the kernel's keyrings (daemon_hs.h).
 *
 * NVMe keeps its PSKs as keys of type "psk" (registered by nvme-keyring),
 * normally in the keyring ".nvme": the description is the TLS PSK
 * identity, "NVMe<version><R|G><hash> <hostnqn> <subnqn>[ <digest>]" with
 * hash 01 for SHA-256 and 02 for SHA-384, the payload the raw key.
 *
 * - Host (we are the client): ACCEPT's PEER_IDENTITY attributes are the
 *   serials of the PSKs to offer.
 * - Target (we are the server): any "psk" key of the consumer's keyring
 *   whose description is the identity the host offers. Linux 6.17 names
 *   that keyring in ACCEPT (KEYRING); before it (6.12) the kernel links it
 *   into the accepting thread's process keyring during ACCEPT, and links
 *   accumulate there. So the main thread empties its process keyring
 *   before each ACCEPT and reads what ACCEPT linked right after it: each
 *   request searches its own consumer's keyring only, never one another
 *   consumer left behind.
 *
 * Every key is read on the main thread at claim time, while the link that
 * makes us possess it is in place (a key the consumer added with default
 * permissions is readable by its possessor only); the worker that runs
 * the handshake needs no keyring.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "daemon/daemon_hs.h"
#include "daemon/daemon_worker.h"

/* Nested keyrings looked into below the consumer's. */
#define KEYRING_DEPTH	4

void tlshd_hs_keyring_forget(void)
{
	/* No process keyring yet is as good as an empty one. */
	(void)syscall(SYS_keyctl, KEYCTL_CLEAR, KEY_SPEC_PROCESS_KEYRING);
}

/* The serials linked in a keyring: malloc'd, *n of them; NULL if none. */
static int32_t *keyring_list(int32_t keyring, size_t *n)
{
	long len = syscall(SYS_keyctl, KEYCTL_READ, keyring, NULL, 0);
	int32_t *ids;

	*n = 0;
	if (len <= 0)
		return NULL;
	ids = malloc((size_t)len);
	if (!ids)
		return NULL;
	len = syscall(SYS_keyctl, KEYCTL_READ, keyring, ids, len);
	if (len <= 0) {
		free(ids);
		return NULL;
	}
	*n = (size_t)len / sizeof(*ids);
	return ids;
}

/*
 * KEYCTL_DESCRIBE: "TYPE;UID;GID;PERM;DESCRIPTION". The type into type,
 * the description into desc. 0 or -errno.
 */
static int key_describe(int32_t serial, char *type, size_t typelen,
			char *desc, size_t desclen)
{
	char buf[TLSHD_HS_IDENTITY_MAX + 128], *p;
	long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, serial, buf,
			 sizeof(buf) - 1);
	size_t tlen;
	int i;

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	buf[n] = '\0';
	p = strchr(buf, ';');
	if (!p)
		return -EPROTO;
	tlen = (size_t)(p - buf);
	if (tlen >= typelen)
		return -EPROTO;
	memcpy(type, buf, tlen);
	type[tlen] = '\0';
	for (i = 0; i < 3 && p; i++)
		p = strchr(p + 1, ';');
	if (!p || strlen(p + 1) >= desclen)
		return -EPROTO;
	strcpy(desc, p + 1);
	return 0;
}

uint32_t tlshd_hs_keyring_accepted(void)
{
	size_t n, i;
	int32_t *ids = keyring_list(KEY_SPEC_PROCESS_KEYRING, &n);
	uint32_t found = 0;

	for (i = 0; i < n && !found; i++) {
		char type[32], desc[TLSHD_HS_IDENTITY_MAX];

		if (!key_describe(ids[i], type, sizeof(type), desc,
				  sizeof(desc)) && !strcmp(type, "keyring"))
			found = (uint32_t)ids[i];
	}
	free(ids);
	return found;
}

size_t tlshd_hs_psk_hash_len(const char *identity, size_t key_len)
{
	/* "NVMe" version digit, R or G, two hash digits, a blank. */
	if (!strncmp(identity, "NVMe", 4) && strlen(identity) > 8 &&
	    identity[4] >= '0' && identity[4] <= '9' &&
	    (identity[5] == 'R' || identity[5] == 'G') &&
	    identity[8] == ' ') {
		if (!strncmp(identity + 6, "01", 2))
			return 32;
		if (!strncmp(identity + 6, "02", 2))
			return 48;
		return 0;	/* a hash this engine does not have */
	}
	return key_len == 48 ? 48 : 32;
}

void tlshd_hs_psks_free(struct tlshd_hs_psks *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		/* One block each: the identity, then the key. */
		uint8_t *block = (uint8_t *)ps->list[i].identity;

		explicit_bzero(block, ps->list[i].identity_len +
			       ps->list[i].key_len);
		free(block);
	}
	free(ps->list);
	free(ps->serials);
	memset(ps, 0, sizeof(*ps));
}

/* Append one PSK (identity desc, the key's payload). 0 or -errno. */
static int psks_add(struct tlshd_hs_psks *ps, int32_t serial,
		    const char *desc, char *why, size_t whylen)
{
	size_t idlen = strlen(desc), klen = 0, hash;
	uint8_t *key = NULL, *block;
	long e;

	for (size_t i = 0; i < ps->n; i++)	/* linked twice: once */
		if (ps->serials[i] == (uint32_t)serial)
			return 0;
	if (ps->n == TLSHD_HS_MAX_PSKS) {
		tlsh_err_msg(why, whylen, "more than %d PSKs",
			     TLSHD_HS_MAX_PSKS);
		return -E2BIG;
	}
	e = tlshd_hs_key_read(serial, &key, &klen);
	if (e) {
		tlsh_err_msg(why, whylen, "cannot read PSK %d (%s): %s",
			     serial, desc, strerror((int)-e));
		return (int)e;
	}
	hash = tlshd_hs_psk_hash_len(desc, klen);
	if (!hash || !idlen || idlen > 0xffff) {
		explicit_bzero(key, klen);
		free(key);
		tlsh_err_msg(why, whylen, "PSK %d (%s): unknown hash", serial,
			     desc);
		return -EKEYREJECTED;
	}
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 4;
		struct tlsh_psk *l = realloc(ps->list, cap * sizeof(*l));
		uint32_t *s = l ? realloc(ps->serials, cap * sizeof(*s)) : NULL;

		if (l)
			ps->list = l;
		if (s)
			ps->serials = s;
		if (!l || !s) {
			explicit_bzero(key, klen);
			free(key);
			tlsh_err_msg(why, whylen, "out of memory");
			return -ENOMEM;
		}
		ps->cap = cap;
	}
	block = malloc(idlen + klen);
	if (!block) {
		explicit_bzero(key, klen);
		free(key);
		tlsh_err_msg(why, whylen, "out of memory");
		return -ENOMEM;
	}
	memcpy(block, desc, idlen);
	memcpy(block + idlen, key, klen);
	explicit_bzero(key, klen);
	free(key);
	ps->list[ps->n] = (struct tlsh_psk){
		.identity = block, .identity_len = idlen,
		.key = block + idlen, .key_len = klen, .hash_len = hash,
	};
	ps->serials[ps->n++] = (uint32_t)serial;
	return 0;
}

int tlshd_hs_psks_from_serials(struct tlshd_hs_psks *ps, const uint32_t *ids,
			       unsigned int n, const char *type, char *why,
			       size_t whylen)
{
	unsigned int i;

	for (i = 0; i < n && ps->n < TLSHD_HS_MAX_OFFER; i++) {
		char ktype[32], desc[TLSHD_HS_IDENTITY_MAX];
		int e = key_describe((int32_t)ids[i], ktype, sizeof(ktype),
				     desc, sizeof(desc));

		if (e) {
			tlsh_err_msg(why, whylen, "PSK %u: %s", ids[i],
				     strerror(-e));
			return e;
		}
		if (strcmp(ktype, type)) {
			tlsh_err_msg(why, whylen, "key %u is a %s key, not %s",
				     ids[i], ktype, type);
			return -EKEYREJECTED;
		}
		e = psks_add(ps, (int32_t)ids[i], desc, why, whylen);
		if (e)
			return e;
	}
	if (!ps->n) {
		tlsh_err_msg(why, whylen, "no PSK named in the request");
		return -ENOKEY;
	}
	return 0;
}

static int collect(struct tlshd_hs_psks *ps, int32_t keyring, const char *type,
		   int depth, char *why, size_t whylen)
{
	size_t n, i;
	int32_t *ids = keyring_list(keyring, &n);
	int e = 0;

	for (i = 0; i < n && !e; i++) {
		char ktype[32], desc[TLSHD_HS_IDENTITY_MAX];

		if (key_describe(ids[i], ktype, sizeof(ktype), desc,
				 sizeof(desc)))
			continue;	/* gone, or not ours to see */
		if (!strcmp(ktype, type))
			e = psks_add(ps, ids[i], desc, why, whylen);
		else if (!strcmp(ktype, "keyring") && depth < KEYRING_DEPTH)
			e = collect(ps, ids[i], type, depth + 1, why, whylen);
		/* One key that cannot be read spoils no other. */
		if (e && e != -ENOMEM && e != -E2BIG)
			e = 0;
	}
	free(ids);
	return e;
}

int tlshd_hs_psks_from_keyring(struct tlshd_hs_psks *ps, uint32_t keyring,
			       const char *type, char *why, size_t whylen)
{
	int e = collect(ps, (int32_t)keyring, type, 0, why, whylen);

	if (e)
		return e;
	if (!ps->n) {
		tlsh_err_msg(why, whylen, "no %s keys in keyring %u", type,
			     keyring);
		return -ENOKEY;
	}
	return 0;
}

uint32_t tlshd_hs_psk_serial(const struct tlshd_hs_psks *ps,
			     const struct tlsh_psk *used)
{
	if (!used || used < ps->list || used >= ps->list + ps->n)
		return 0;
	return ps->serials[used - ps->list];
}
