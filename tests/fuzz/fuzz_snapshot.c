/*
 * fuzz_snapshot.c - the snapshot reader on arbitrary bytes through the
 * open-from-memory call: the last frame, the first, and --verify's walk;
 * the contents of a region, and all of them pulled into a new snapshot
 * (a conversion with --contents=all), which must then verify whole.
 *
 * Checksums stop almost every mutation at the container, so an input
 * that starts with 'W' is wrapped first: the rest is a list of chunks,
 * each a type byte (an index into the types below), a 16-bit length and
 * the raw bytes, that this target deflates and checksums into a valid
 * file.  The chunk decoders then see hostile contents.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "vmscope/vmscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char types[][5] = {"STRS", "PROC", "REGN", "THRD",
				"AUXV", "WARN", "XTRA", "END ",
				"PAGE", "CONT"};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static int
sink(void *arg, uint64_t off, const void *buf, size_t n)
{
	(void)arg;
	(void)off;
	(void)buf;
	(void)n;
	return 0;
}

static void
le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* One chunk at *p; the header and stored CRCs accumulate for END. */
static unsigned char *
chunk(unsigned char *p, const char *type, uint32_t flags,
      const uint8_t *raw, size_t n, uLong *hc, uLong *pc)
{
	uLongf sl = compressBound(n);

	if (compress2(p + 24, &sl, raw, n, 1) != Z_OK)
		return NULL;
	memcpy(p, type, 4);
	le32(p + 4, flags);
	le32(p + 8, (uint32_t)sl);
	le32(p + 12, (uint32_t)n);
	le32(p + 16, (uint32_t)crc32(0, raw, (uInt)n));
	le32(p + 20, (uint32_t)crc32(0, p, 20));
	if (hc != NULL) {
		*hc = crc32(*hc, p, 24);
		*pc = crc32(*pc, p + 24, (uInt)sl);
	}
	return p + 24 + sl;
}

static unsigned char *
wrap(const uint8_t *d, size_t n, size_t *len)
{
	unsigned char *buf = malloc(16 + 2 * n + 64 * (n / 3 + 2)), *p = buf;
	uLong hc = crc32(0, NULL, 0), pc = crc32(0, NULL, 0);
	unsigned char end[12];
	uint32_t count = 0;

	if (buf == NULL)
		return NULL;
	memcpy(p, "\x89VMS\r\n\x1a\n\x01\x00\x00\x00", 12);
	le32(p + 12, (uint32_t)crc32(0, p, 12));
	p += 16;
	while (n >= 3) {
		const char *type = types[d[0] % NTYPES];
		size_t l = (size_t)(d[1] | d[2] << 8);

		l = l < n - 3 ? l : n - 3;
		p = chunk(p, type, d[0] & 0x80 ? 1 : 0, d + 3, l, &hc, &pc);
		if (p == NULL) {
			free(buf);
			return NULL;
		}
		count++;
		d += 3 + l;
		n -= 3 + l;
	}
	le32(end, count);
	le32(end + 4, (uint32_t)hc);
	le32(end + 8, (uint32_t)pc);
	p = chunk(p, "END ", 1, end, sizeof(end), NULL, NULL);
	if (p == NULL) {
		free(buf);
		return NULL;
	}
	*len = (size_t)(p - buf);
	return buf;
}

/* What a snapshot holds, copied into a new one that must be whole. */
static void
convert(const struct vms_map *m, const uint8_t *data, size_t size)
{
	struct vms_snapshot_opts so = {0};
	struct vms_snapshot_info info;
	struct vms_err err;
	void *out;
	size_t len;

	so.contents = vms_contents_open_mem(m, data, size, "fuzz", "all", &err);
	if (so.contents == NULL)
		return;
	if (vms_snapshot_encode(m, 1, &so, &out, &len, &err) == 0) {
		if (vms_snapshot_verify_mem(out, len, "out", &info, &err) < 0 ||
		    info.damaged) {
			fprintf(stderr, "converted, then: %s\n",
				info.damaged ? info.damage : err.msg);
			abort();
		}
		free(out);
	}
	vms_contents_close(so.contents);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vms_open_opts o = {0};
	struct vms_snapshot_info info;
	struct vms_err err;
	unsigned char *w = NULL;
	struct vms_map *m;

	if (size > 0 && data[0] == 'W') {
		w = wrap(data + 1, size - 1, &size);
		if (w == NULL)
			return 0;
		data = w;
	}
	m = vms_open_mem(data, size, "fuzz", &o, &err);
	/* The contents of the first region, and of none. */
	vms_snapshot_contents_mem(data, size, "fuzz", &o,
				  m != NULL && m->nregions > 0 ?
					  m->regions[0].start :
					  0,
				  sink, NULL, &err);
	if (m != NULL)
		convert(m, data, size);
	vms_map_free(m);
	o.frame = 1;
	vms_map_free(vms_open_mem(data, size, "fuzz", &o, &err));
	vms_snapshot_verify_mem(data, size, "fuzz", &info, &err);
	free(w);
	return 0;
}
