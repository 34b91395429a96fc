// SPDX-License-Identifier: GPL-2.0
/* tlsh_parse_client_hello and the views it returns. */
#include "fuzz.h"
#include "tls/kex.h"

static void walk_u16(struct tlsh_cur list)
{
	uint16_t v;

	while (tlsh_cur_u16(&list, &v) == TLSH_OK)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t groups[] = { TLSH_GROUP_X25519,
					   TLSH_GROUP_SECP256R1,
					   TLSH_GROUP_SECP384R1, 0x0019 };
	struct tlsh_client_hello ch;
	const uint8_t *kx;
	size_t kx_len;

	if (tlsh_parse_client_hello(data, size, &ch))
		return 0;
	/* Every view lies inside the input. */
	if (ch.sni && (ch.sni < data || ch.sni + ch.sni_len > data + size))
		__builtin_trap();
	if (ch.cookie && (ch.cookie < data ||
			  ch.cookie + ch.cookie_len > data + size))
		__builtin_trap();
	if (ch.session_id_len > 32)
		__builtin_trap();
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (tlsh_ch_find_share(ch.shares, groups[i], &kx, &kx_len) &&
		    (kx < data || kx + kx_len > data + size || !kx_len))
			__builtin_trap();
	walk_u16(ch.suites);
	walk_u16(ch.groups);
	walk_u16(ch.sigalgs);
	(void)tlsh_u16_list_has(ch.suites, 0x1301);
	return 0;
}
