/*
 * bytebuf.c - a growing byte buffer for the in-memory core builders (see
 * bytebuf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"

void
vt_buf_reserve(struct vt_buf *b, size_t end)
{
	if (end > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		unsigned char *np;

		while (ncap < end)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (np == NULL)
			abort();
		memset(np + b->cap, 0, ncap - b->cap);
		b->p = np;
		b->cap = ncap;
	}
	if (end > b->len)
		b->len = end;
}

void
vt_buf_put(struct vt_buf *b, size_t off, uint64_t v, unsigned n)
{
	vt_buf_reserve(b, off + n);
	for (unsigned i = 0; i < n; i++) {
		unsigned shift = 8 * (b->be ? n - 1 - i : i);

		b->p[off + i] = (unsigned char)(v >> shift);
	}
}

void
vt_buf_bytes(struct vt_buf *b, size_t off, const void *src, size_t n)
{
	vt_buf_reserve(b, off + n);
	memcpy(b->p + off, src, n);
}

size_t
vt_align(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}
