/*
 * snapbuild.c - snapshot files split into chunks and joined again, after
 * vmscope-snapshot(5) alone (see snapbuild.h): a 16-byte file header, then
 * per chunk a 24-byte header (type, flags, stored length, raw length, raw
 * CRC, header CRC) and its zlib stream; END ends the frame with the count
 * of chunks and the CRCs of their headers and stored payloads.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "snapbuild.h"

uint32_t
vt_le32_get(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void
le32_put(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		abort();
	return p;
}

size_t
vt_snap_split(const unsigned char *buf, size_t len, struct vt_chunk *c,
	      size_t max)
{
	size_t off = 16, n = 0;

	while (off + 24 <= len) {
		const unsigned char *h = buf + off;
		size_t slen = vt_le32_get(h + 8);

		if (vt_le32_get(h) == VT_CHUNK_END || slen > len - off - 24)
			break;
		if (n < max) {
			c[n].type = vt_le32_get(h);
			c[n].flags = vt_le32_get(h + 4);
			c[n].slen = slen;
			c[n].raw = vt_le32_get(h + 12);
			c[n].rawcrc = vt_le32_get(h + 16);
			c[n].stored = xmalloc(slen + 1);
			memcpy(c[n].stored, h + 24, slen);
		}
		off += 24 + slen;
		n++;
	}
	return n;
}

/* c's header and payload at p; what they add to END's CRCs into hc, pc. */
static unsigned char *
put_chunk(unsigned char *p, const struct vt_chunk *c, uLong *hc, uLong *pc)
{
	le32_put(p, c->type);
	le32_put(p + 4, c->flags);
	le32_put(p + 8, (uint32_t)c->slen);
	le32_put(p + 12, c->raw);
	le32_put(p + 16, c->rawcrc);
	le32_put(p + 20, (uint32_t)crc32(0, p, 20));
	memcpy(p + 24, c->stored, c->slen);
	*hc = crc32(*hc, p, 24);
	*pc = crc32(*pc, p + 24, (uInt)c->slen);
	return p + 24 + c->slen;
}

unsigned char *
vt_snap_join(unsigned major, unsigned minor, const struct vt_chunk *c, size_t n,
	     size_t *len)
{
	uLong hc = crc32(0, NULL, 0), pc = crc32(0, NULL, 0);
	size_t cap = 16 + 24 + compressBound(12);
	unsigned char *buf, *p, endraw[12];
	struct vt_chunk end;

	for (size_t i = 0; i < n; i++)
		cap += 24 + c[i].slen;
	buf = xmalloc(cap);
	memcpy(buf, "\x89VMS\r\n\x1a\n", 8);
	buf[8] = (unsigned char)major;
	buf[9] = 0;
	buf[10] = (unsigned char)minor;
	buf[11] = 0;
	le32_put(buf + 12, (uint32_t)crc32(0, buf, 12));
	p = buf + 16;
	for (size_t i = 0; i < n; i++)
		p = put_chunk(p, &c[i], &hc, &pc);
	le32_put(endraw, (uint32_t)n);
	le32_put(endraw + 4, (uint32_t)hc);
	le32_put(endraw + 8, (uint32_t)pc);
	end = vt_chunk_make(VT_CHUNK_END, 1, endraw, sizeof(endraw), 1);
	p = put_chunk(p, &end, &hc, &pc);
	free(end.stored);
	*len = (size_t)(p - buf);
	return buf;
}

struct vt_chunk
vt_chunk_make(uint32_t type, uint32_t flags, const void *raw, size_t n,
	      int level)
{
	struct vt_chunk c = {type, flags, (uint32_t)n, 0, NULL, 0};
	uLongf sl = compressBound(n);

	c.stored = xmalloc(sl);
	if (compress2(c.stored, &sl, raw, n, level) != Z_OK)
		abort();
	c.slen = sl;
	c.rawcrc = (uint32_t)crc32(0, raw, (uInt)n);
	return c;
}

unsigned char *
vt_chunk_inflate(const struct vt_chunk *c)
{
	unsigned char *raw = xmalloc((size_t)c->raw + 1);
	uLongf rl = c->raw;

	if (uncompress(raw, &rl, c->stored, c->slen) != Z_OK || rl != c->raw) {
		free(raw);
		return NULL;
	}
	return raw;
}

void
vt_chunks_free(struct vt_chunk *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].stored);
}
