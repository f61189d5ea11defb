/*
 * fuzz_snapshot_roundtrip.c - a map made from the fuzz bytes is written
 * as a snapshot and read back; every field must survive (mapcmp.c).  The
 * bytes choose values, not layout, so any input makes a valid map.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapcmp.h"
#include "vmscope/vmscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct bytes {
	const uint8_t *p;
	size_t n;
};

/* n bytes as a little-endian number; zeros once the input runs out. */
static uint64_t
take(struct bytes *b, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && b->n > 0; i++, b->n--)
		v |= (uint64_t)*b->p++ << (8 * i);
	return v;
}

/* A value with many zero low bits, as sizes and counters have. */
static uint64_t
aligned(struct bytes *b)
{
	unsigned sh = (unsigned)take(b, 1) % 24;

	return take(b, 3) << sh;
}

static const char *
text(struct vms_map *m, struct bytes *b)
{
	char buf[32];
	unsigned n = (unsigned)take(b, 1);

	if (n >= 200)
		return NULL;
	n %= sizeof(buf);
	for (unsigned i = 0; i < n; i++)
		buf[i] = (char)(take(b, 1) | 1);
	return vms_map_intern(m, buf, n, NULL);
}

/* Page runs for some regions, after vms_map_finish() has fixed them. */
static int
pages(struct vms_map *m, struct bytes *b)
{
	m->pages = vms_map_alloc(m, (m->nregions + 1) * sizeof(*m->pages),
				 NULL);
	if (m->pages == NULL)
		return -1;
	for (size_t i = 0; i < m->nregions; i++) {
		const struct vms_region *r = &m->regions[i];
		struct vms_page_run *runs;
		size_t n = (size_t)take(b, 1);
		uint64_t at = r->start;

		if (!(n & 1))
			continue;
		n = (n >> 1) % 5;
		runs = vms_map_alloc(m, (n + 1) * sizeof(*runs), NULL);
		if (runs == NULL)
			return -1;
		m->pages[m->npages] = (struct vms_pages){
			i, (uint32_t)take(b, 1), runs, 0};
		for (size_t k = 0; k < n; k++) {
			uint64_t gap = aligned(b), len = aligned(b) + 1;

			if (gap > r->end - at || len > r->end - at - gap)
				break;
			runs[k] = (struct vms_page_run){
				at + gap, at + gap + len,
				(uint32_t)take(b, 1) | 1};
			at += gap + len;
			m->pages[m->npages].nruns++;
		}
		m->npages++;
	}
	return 0;
}

static struct vms_map *
build(struct bytes *b)
{
	const uint64_t mask = (VMS_HAS_CTR(VMS_C__COUNT) - 1) |
			      (UINT64_C(0x3ff) << 40);
	struct vms_map *m = vms_map_new(NULL);
	uint64_t at = aligned(b);
	size_t n;

	if (m == NULL)
		return NULL;
	n = take(b, 1) % 48;
	for (size_t i = 0; i < n; i++) {
		struct vms_region *r = vms_map_add(m, NULL);

		if (r == NULL)
			goto fail;
		r->start = at + aligned(b);
		r->end = r->start + aligned(b) + 1;
		at = r->end;
		r->has = take(b, 8) & mask;
		for (int c = 0; c < VMS_C__COUNT; c++)
			if ((r->has & VMS_HAS_CTR(c)) &&
			    vms_region_set(m, r, c, aligned(b), NULL) < 0)
				goto fail;
		r->offset = aligned(b);
		r->inode = take(b, 4);
		r->dev_major = (uint32_t)take(b, 2);
		r->dev_minor = (uint32_t)take(b, 2);
		r->vmflags = take(b, 8);
		r->data_offset = aligned(b);
		r->data_size = aligned(b);
		r->path = text(m, b);
		r->name = text(m, b);
		r->vmflags_other = text(m, b);
		r->build_id = (const unsigned char *)text(m, b);
		r->build_id_len = r->build_id ? strlen((const char *)
							       r->build_id) :
						0;
		r->label_id = take(b, 4);
		r->prot = (uint8_t)take(b, 1);
		r->maxprot = (uint8_t)take(b, 1);
		r->flags = (uint8_t)take(b, 1);
		r->label = (uint8_t)(take(b, 1) % VMS_LABEL__COUNT);
		r->role = (uint8_t)(take(b, 1) % VMS_ROLE__COUNT);
		r->thp_eligible = (int8_t)take(b, 1);
		r->pkey = (int8_t)take(b, 1);
	}
	m->has = (unsigned)take(b, 1) & (VMS_P_PAGE_SIZE | VMS_P_CAPTURE_TIME);
	m->page_size = aligned(b);
	m->proc.has = (unsigned)take(b, 2) & 0x7f;
	m->proc.pid = (int64_t)take(b, 8);
	m->proc.ppid = (int64_t)take(b, 4);
	m->proc.uid = (int32_t)take(b, 4);
	m->proc.gid = (int64_t)take(b, 8);
	m->proc.comm = text(m, b);
	m->proc.exe = text(m, b);
	m->proc.argc = take(b, 1) % 8;
	m->proc.argv = vms_map_alloc(m, 8 * sizeof(char *), NULL);
	if (m->proc.argv == NULL)
		goto fail;
	for (size_t i = 0; i < m->proc.argc; i++)
		m->proc.argv[i] = text(m, b);
	m->proc.state = (char)take(b, 1);
	m->proc.signo = (int)take(b, 4);
	m->proc.sigcode = (int)take(b, 4);
	m->proc.fault_addr = take(b, 8);
	m->proc.fault_tid = take(b, 4);
	m->arch.machine = (uint16_t)take(b, 2);
	m->arch.wordsize = (uint8_t)take(b, 1);
	m->arch.big_endian = (uint8_t)take(b, 1);
	m->arch.name = text(m, b);
	m->source.kind = (enum vms_source_kind)(take(b, 1) % 3);
	m->source.name = text(m, b);
	m->source.format = text(m, b);
	m->source.host = text(m, b);
	m->source.kernel = text(m, b);
	m->source.boot_id = text(m, b);
	m->source.capture_sec = (int64_t)take(b, 8);
	m->source.capture_nsec = (int32_t)take(b, 4);
	for (size_t i = take(b, 1) % 8; i > 0; i--) {
		struct vms_thread *t = vms_map_add_thread(m, NULL);

		if (t == NULL)
			goto fail;
		t->tid = take(b, 4);
		t->has = (unsigned)take(b, 1) & 3;
		t->sp = take(b, 8);
		t->pc = take(b, 8);
		t->signo = (int)take(b, 1);
		t->name = text(m, b);
	}
	m->nauxv = take(b, 1) % 8;
	m->auxv = calloc(8, sizeof(*m->auxv));
	if (m->auxv == NULL)
		goto fail;
	for (size_t i = 0; i < m->nauxv; i++) {
		m->auxv[i].type = take(b, 8);
		m->auxv[i].value = take(b, 8);
	}
	for (size_t i = take(b, 1) % 4; i > 0; i--) {
		const char *w = text(m, b);

		if (w != NULL && vms_map_warn(m, "%s", w) < 0)
			goto fail;
	}
	if (vms_map_finish(m, NULL) < 0 || pages(m, b) < 0)
		goto fail;
	return m;
fail:
	vms_map_free(m);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes b = {data, size};
	struct vms_map *m = build(&b), *back;
	struct vms_err err;
	char why[512];
	void *buf;
	size_t len;

	if (m == NULL)
		return 0;
	if (vms_snapshot_encode(m, 1, NULL, &buf, &len, &err) < 0) {
		fprintf(stderr, "encode: %s\n", err.msg);
		abort();
	}
	back = vms_open_mem(buf, len, "fuzz", NULL, &err);
	if (back == NULL) {
		fprintf(stderr, "read back: %s\n", err.msg);
		abort();
	}
	if (vt_map_compare(m, back, why, sizeof(why)) < 0) {
		fprintf(stderr, "round trip: %s\n", why);
		abort();
	}
	vms_map_free(back);
	vms_map_free(m);
	free(buf);
	return 0;
}
