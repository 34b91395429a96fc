// SPDX-License-Identifier: GPL-2.0
#include "os/random.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/types.h>

void tlsh_os_random(void *ctx, size_t len, uint8_t *dst)
{
	(void)ctx;
	while (len) {
		ssize_t n = getrandom(dst, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		dst += n;
		len -= (size_t)n;
	}
}
