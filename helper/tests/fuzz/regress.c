// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzz target without libFuzzer (make fuzz-regress): runs every file of
 * the seed corpus directories given, then a fixed number of deterministic
 * mutations of them, and prints one TAP line. A crash, a leak or undefined
 * behaviour ends the process under ASan/UBSan before the "ok".
 *
 *   build/fuzz-regress/NAME [-n ITERATIONS] DIR...
 * ITERATIONS defaults to the target's fz_regress_iterations, else 10000.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* A target may lower the count (a handshake per input is slow). */
extern const unsigned int fz_regress_iterations __attribute__((weak));

#define FZ_MAX_INPUT 4096

struct seeds {
	struct fz_buf *v;
	size_t n, cap;
};

static void add_seed(struct seeds *s, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t buf[FZ_MAX_INPUT];
	size_t n;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	fz_buf_put(&s->v[s->n++], buf, n);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void add_dir(struct seeds *s, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	char path[4096];

	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir,
				 names[i]->d_name);
			add_seed(s, path);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

/* One to four random edits, in place; returns the new length. */
static size_t mutate(struct fz_rng *r, uint8_t *b, size_t len,
		     const struct seeds *s)
{
	static const uint8_t magic[] = { 0x00, 0x01, 0x7f, 0x80, 0xff,
					 0x03, 0x04, 0x16, 0x17, 0x20 };
	int edits = 1 + (int)(fz_next(r) % 4);

	while (edits--) {
		size_t pos = len ? fz_next(r) % len : 0;
		size_t n;

		switch (fz_next(r) % 9) {
		case 0:		/* flip a bit */
			if (len)
				b[pos] ^= (uint8_t)(1u << (fz_next(r) % 8));
			break;
		case 1:		/* an interesting byte */
			if (len)
				b[pos] = magic[fz_next(r) % sizeof(magic)];
			break;
		case 2:		/* a random byte */
			if (len)
				b[pos] = (uint8_t)fz_next(r);
			break;
		case 3:		/* truncate */
			len = pos;
			break;
		case 4:		/* delete a run */
			n = 1 + fz_next(r) % 16;
			if (pos + n > len)
				n = len - pos;
			memmove(b + pos, b + pos + n, len - pos - n);
			len -= n;
			break;
		case 5:		/* insert a run of one byte */
			n = 1 + fz_next(r) % 16;
			if (len + n > FZ_MAX_INPUT)
				break;
			memmove(b + pos + n, b + pos, len - pos);
			memset(b + pos, (int)(fz_next(r) & 0xff), n);
			len += n;
			break;
		case 6:		/* a length field: 16-bit big endian +- small */
			if (pos + 1 < len) {
				unsigned int v = (unsigned int)b[pos] << 8 |
						 b[pos + 1];

				v += (unsigned int)(fz_next(r) % 5) - 2;
				if (fz_next(r) % 4 == 0)
					v = (unsigned int)fz_next(r) & 0xffff;
				b[pos] = (uint8_t)(v >> 8);
				b[pos + 1] = (uint8_t)v;
			}
			break;
		case 7:		/* splice in a piece of another seed */
			if (s->n) {
				const struct fz_buf *o = &s->v[fz_next(r) % s->n];
				size_t from = o->len ? fz_next(r) % o->len : 0;

				n = o->len - from;
				if (n > 64)
					n = 1 + fz_next(r) % 64;
				if (pos + n > FZ_MAX_INPUT)
					break;
				memcpy(b + pos, o->p + from, n);
				if (pos + n > len)
					len = pos + n;
			}
			break;
		default:	/* duplicate a run */
			n = 1 + fz_next(r) % 32;
			if (pos + n > len || len + n > FZ_MAX_INPUT)
				break;
			memmove(b + pos + n, b + pos, len - pos);
			len += n;
			break;
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
			   argv[0];
	unsigned long iters = &fz_regress_iterations ? fz_regress_iterations :
			      10000;
	struct seeds s = { 0 };
	struct fz_rng r = { 0x7e57 };
	uint8_t *buf = malloc(FZ_MAX_INPUT);
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		iters = strtoul(argv[2], NULL, 0);
		i = 3;
	}
	for (; i < argc; i++)
		add_dir(&s, argv[i]);
	printf("1..1\n");
	fflush(stdout);
	if (!buf)
		abort();
	/* The empty input, then every seed as it is. */
	LLVMFuzzerTestOneInput(buf, 0);
	for (size_t k = 0; k < s.n; k++) {
		memcpy(buf, s.v[k].p, s.v[k].len);
		LLVMFuzzerTestOneInput(buf, s.v[k].len);
	}
	for (unsigned long k = 0; k < iters; k++) {
		size_t len = 0;

		if (s.n) {
			const struct fz_buf *o = &s.v[fz_next(&r) % s.n];

			memcpy(buf, o->p, o->len);
			len = o->len;
		}
		len = mutate(&r, buf, len, &s);
		LLVMFuzzerTestOneInput(buf, len);
	}
	if (!s.n) {
		printf("not ok 1 %s: no seeds\n", name);
		return 1;
	}
	printf("ok 1 %s: %zu seeds, %lu mutations\n", name, s.n, iters);
	for (size_t k = 0; k < s.n; k++)
		fz_buf_free(&s.v[k]);
	free(s.v);
	free(buf);
	return 0;
}
