/*
 * snapbuild.h - snapshot files taken apart into their chunks and put
 * together again, written from vmscope-snapshot(5) and not from
 * formats/snapshot.c: the tests use it to check the library against the
 * spec and to make files the library would never write (other versions,
 * unknown, missing, repeated or reordered chunks, headers that lie).
 *
 * Only the first frame is handled.  Running out of memory aborts; none of
 * these functions calls a cmocka assertion.  Names start with vt_.
 */
#ifndef VMS_SNAPBUILD_H
#define VMS_SNAPBUILD_H

#include <stddef.h>
#include <stdint.h>

/* Chunk types: four ASCII letters, the first in the low byte. */
#define VT_CHUNK_PROC 0x434f5250u /* "PROC" */
#define VT_CHUNK_PAGE 0x45474150u /* "PAGE" */
#define VT_CHUNK_CONT 0x544e4f43u /* "CONT" */
#define VT_CHUNK_END 0x20444e45u  /* "END " */

/*
 * A chunk as it lies in a file: the fields of its header, which may be
 * set to lie, and its payload as stored (deflated).  The header's own
 * CRC and the stored length are always made from the rest.
 */
struct vt_chunk {
	uint32_t type;
	uint32_t flags;	       /* bit 0: critical */
	uint32_t raw;	       /* the inflated length */
	uint32_t rawcrc;       /* the CRC-32 of the inflated payload */
	unsigned char *stored; /* malloc'ed */
	size_t slen;
};

/* The little-endian 32-bit number at p. */
uint32_t vt_le32_get(const unsigned char *p);

/*
 * The chunks of the first frame of the len bytes at buf, up to its END
 * (not included), copied into c[0] to c[max - 1] (c may be NULL when max
 * is 0).  Returns how many chunks there are, which is more than max when
 * they did not all fit: only max of them were copied then.  Stops early
 * at a chunk that does not fit in len.
 */
size_t vt_snap_split(const unsigned char *buf, size_t len, struct vt_chunk *c,
		     size_t max);
/*
 * A file of one frame: a header of version major.minor, the n chunks and
 * an END that matches them, deflated at level 1 as the library writes it.
 * Malloc'ed; its length in *len.
 */
unsigned char *vt_snap_join(unsigned major, unsigned minor,
			    const struct vt_chunk *c, size_t n, size_t *len);

/* A chunk of the n bytes at raw, deflated at level (0 to 9). */
struct vt_chunk vt_chunk_make(uint32_t type, uint32_t flags, const void *raw,
			      size_t n, int level);
/*
 * The inflated payload of c, malloc'ed with one byte to spare (c->raw + 1
 * bytes); NULL if it does not inflate to exactly c->raw bytes.
 */
unsigned char *vt_chunk_inflate(const struct vt_chunk *c);
/* Free the stored payloads of c[0] to c[n - 1]. */
void vt_chunks_free(struct vt_chunk *c, size_t n);

#endif /* VMS_SNAPBUILD_H */
