/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Message injection targets: a real handshake in which one message is
 * replaced, as it leaves the sender, by the fuzz input (whole handshake
 * messages, header included), so that the receiver's parser and handler
 * for that message see it at the right point of the handshake, decrypted
 * if the flight is protected. data[0] picks among the injections the
 * target allows (fuzz.h, fz_injections); the rest is the message.
 */
#ifndef TLSH_FUZZ_INJECT_H
#define TLSH_FUZZ_INJECT_H

#include <string.h>

#include "fuzz.h"

const unsigned int fz_regress_iterations = 1500;

/* names: the fz_injections entries this target uses, NULL-terminated. */
static inline int fz_inject_target(const char *const *names,
				   const uint8_t *data, size_t size)
{
	size_t n = 0, pick;

	if (size < 1)
		return 0;
	while (names[n])
		n++;
	pick = data[0] % n;
	for (size_t i = 0; i < fz_n_injections; i++)
		if (!strcmp(fz_injections[i].name, names[pick]))
			fz_inject_run(&fz_injections[i], data + 1, size - 1);
	return 0;
}

#endif
