// SPDX-License-Identifier: GPL-2.0
/*
 * tlsh_ext_parse and tlsh_ext_check. Input: one byte naming the message
 * (a TLSH_IN_* bit: data[0] % 8), then an extension block with its
 * length.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsh_exts x;
	struct tlsh_cur c;
	uint32_t in;
	enum tlsh_err err;

	if (size < 1)
		return 0;
	in = 1u << (data[0] % 8);
	c = tlsh_cur_make(data + 1, size - 1);
	if (tlsh_ext_parse(&c, in, &x))
		return 0;
	if (x.present >> TLSH_X_COUNT)
		__builtin_trap();
	for (int i = 0; i < TLSH_X_COUNT; i++) {
		if (!tlsh_ext_has(&x, (enum tlsh_ext_id)i))
			continue;
		if (x.body[i].p < data + 1 || x.body[i].end > data + size ||
		    !(tlsh_ext_table[i].allowed_in & in))
			__builtin_trap();
	}
	if (tlsh_ext_check(&x, in))
		__builtin_trap();	/* parse let through a misplaced one */
	err = tlsh_ext_check(&x, TLSH_IN_SH);
	if (err != TLSH_OK && err != TLSH_ERR_ILLEGAL_PARAMETER)
		__builtin_trap();
	return 0;
}
