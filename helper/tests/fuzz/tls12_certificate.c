// SPDX-License-Identifier: GPL-2.0
/* TLS 1.2 Certificate (no context, no extensions) at the client. */
#include "inject.h"

static const char *const names[] = { "cert12", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_inject_target(names, data, size);
}
