/*
 * bytebuf.h - a growing byte buffer for building binary files in memory:
 * the ELF cores of tests/test_elfcore.c and the Mach-O cores of
 * tests/test_macho.c, which are also the fuzz seeds that
 * tests/fuzz/mkseeds-elfcore.sh and mkseeds-macho.sh write, so what these
 * functions write must not change.
 *
 * Bytes not written are zero.  Running out of memory aborts, so no call
 * can fail; none of them calls a cmocka assertion.  Names start with vt_.
 */
#ifndef VMS_BYTEBUF_H
#define VMS_BYTEBUF_H

#include <stddef.h>
#include <stdint.h>

/* Zero-initialise it; set be for big-endian numbers.  Free p. */
struct vt_buf {
	unsigned char *p;
	size_t len; /* one past the highest byte written or reserved */
	size_t cap; /* bytes allocated at p */
	int be;
};

/* Make bytes [0, end) exist (zero where new) and len at least end. */
void vt_buf_reserve(struct vt_buf *b, size_t end);
/* The low n (1 to 8) bytes of v at off, in b's byte order. */
void vt_buf_put(struct vt_buf *b, size_t off, uint64_t v, unsigned n);
/* n bytes from src at off. */
void vt_buf_bytes(struct vt_buf *b, size_t off, const void *src, size_t n);
/* v rounded up to a multiple of a. */
size_t vt_align(size_t v, size_t a);

#endif /* VMS_BYTEBUF_H */
