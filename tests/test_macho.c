/*
 * test_macho.c - the Mach-O core reader (formats/macho.c).
 *
 * Two kinds of fixture: cores built in memory here (both widths and byte
 * orders, every thread state flavour read, every LC_NOTE read, images in
 * dumped memory), then damaged in every way LLVM's macho-invalid tests
 * list; and small YAML files under testdata/macho/ that LLVM's yaml2obj
 * turns into cores, whose segment contents and note payloads are then
 * written by the "# vms-fill:", "# vms-bytes:" and "# vms-text:" lines of
 * the YAML (yaml2obj cannot), checked against llvm-readobj --macho-segment.
 *
 * With VMS_WRITE_SEEDS=DIR it writes the in-memory cores there as fuzz
 * seeds and exits (tests/fuzz/mkseeds-macho.sh).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bytebuf.h"
#include "testutil.h"
#include "vmscope/vmscope.h"

#define CPU_X86_64 0x01000007u
#define CPU_I386 7u
#define CPU_ARM64 0x0100000cu
#define CPU_ARM 12u
#define CPU_PPC 18u
#define CPU_PPC64 0x01000012u

struct mseg {
	uint64_t vmaddr, vmsize, filesize;
	uint32_t initprot, maxprot;
	const char *name;
	const struct vt_buf *data; /* contents, else a fill pattern */
};

/* A thread: one state of a flavour, optionally after a float state. */
struct mthr {
	uint32_t flavor;
	uint64_t sp, pc;
	int fp_first;
};

struct mnote {
	const char *owner;
	size_t off; /* absolute; 0 places it after the commands */
	struct vt_buf data;
};

struct mspec {
	int is64, be;
	uint32_t cputype, cpusubtype, filetype;
	const struct mseg *segs;
	size_t nsegs;
	const struct mthr *thr;
	size_t nthr;
	struct mnote *notes;
	size_t nnotes;
	size_t data_at; /* first segment data offset; 0: after the rest */
};

/* Words in a state and where sp and pc go, by cpu and flavour. */
struct layout {
	uint32_t count;
	unsigned w, sp, pc; /* register width, indices */
	uint32_t inner;	    /* a header naming this flavour first */
};

static struct layout
state_layout(uint32_t cpu, uint32_t flavor)
{
	struct layout l = {0, 0, 0, 0, 0};

	switch (cpu & 0xffffff) {
	case 7:
		if (flavor == 4)
			l = (struct layout){42, 8, 7, 16, 0};
		else if (flavor == 1)
			l = (struct layout){16, 4, 7, 10, 0};
		else if (flavor == 7)
			l = (struct layout){44, 8, 7, 16, 4};
		break;
	case 12:
		if (flavor == 6)
			l = (struct layout){68, 8, 31, 32, 0};
		else if (flavor == 9 || (flavor == 1 && !(cpu >> 24)))
			l = (struct layout){17, 4, 13, 15, 0};
		else if (flavor == 1)
			l = (struct layout){70, 8, 31, 32, 6};
		break;
	case 18:
		if (flavor == 1)
			l = (struct layout){40, 4, 3, 0, 0};
		else if (flavor == 5)
			l = (struct layout){76, 8, 3, 0, 0};
		break;
	}
	if (l.count == 0)
		fail_msg("no layout for cpu 0x%x flavour %u", cpu, flavor);
	return l;
}

/* An LC_THREAD at off; its size. */
static size_t
put_thread(struct vt_buf *b, size_t off, uint32_t cpu, const struct mthr *t)
{
	struct layout l = state_layout(cpu, t->flavor);
	size_t pos = off + 8, st;

	vt_buf_put(b, off, 4, 4);
	if (t->fp_first) { /* a state we do not read, before the one */
		vt_buf_put(b, pos, 99, 4);
		vt_buf_put(b, pos + 4, 6, 4);
		pos += 8 + 24;
	}
	vt_buf_put(b, pos, t->flavor, 4);
	vt_buf_put(b, pos + 4, l.count, 4);
	st = pos + 8;
	if (l.inner) {
		vt_buf_put(b, st, l.inner, 4);
		vt_buf_put(b, st + 4, l.count - 2, 4);
		st += 8;
	}
	vt_buf_put(b, st + l.sp * l.w, t->sp, l.w);
	vt_buf_put(b, st + l.pc * l.w, t->pc, l.w);
	pos += 8 + l.count * 4;
	vt_buf_reserve(b, pos);
	vt_buf_put(b, off + 4, pos - off, 4);
	return pos - off;
}

/* Header, LC_THREADs, LC_NOTEs, LC_SEGMENTs; payloads; contents. */
static unsigned char *
build(const struct mspec *s, size_t *len)
{
	struct vt_buf b = {.be = s->be};
	size_t hdr = s->is64 ? 32 : 28, off = hdr, seg = s->is64 ? 72 : 56;
	size_t i, ncmds = s->nthr + s->nnotes + s->nsegs, data, noff;
	size_t *note_at = calloc(s->nnotes + 1, sizeof(*note_at));

	vt_buf_put(&b, 0, s->is64 ? 0xfeedfacf : 0xfeedface, 4);
	vt_buf_put(&b, 4, s->cputype, 4);
	vt_buf_put(&b, 8, s->cpusubtype, 4);
	vt_buf_put(&b, 12, s->filetype ? s->filetype : 4, 4);
	vt_buf_put(&b, 16, ncmds, 4);
	for (i = 0; i < s->nthr; i++)
		off += put_thread(&b, off, s->cputype, &s->thr[i]);
	off += s->nnotes * 40 + s->nsegs * seg;
	vt_buf_put(&b, 20, off - hdr, 4);
	noff = vt_align(off, 16);
	for (i = 0; i < s->nnotes; i++) {
		note_at[i] = s->notes[i].off ? s->notes[i].off : noff;
		if (s->notes[i].data.len)
			vt_buf_bytes(&b, note_at[i], s->notes[i].data.p,
				     s->notes[i].data.len);
		if (!s->notes[i].off)
			noff = vt_align(noff + s->notes[i].data.len, 16);
	}
	data = s->data_at ? s->data_at
			  : vt_align(b.len > noff ? b.len : noff, 4096);
	off = hdr;
	for (i = 0; i < s->nthr; i++)
		off += put_thread(&b, off, s->cputype, &s->thr[i]);
	for (i = 0; i < s->nnotes; i++, off += 40) {
		char owner[16] = {0};

		memcpy(owner, s->notes[i].owner, strlen(s->notes[i].owner));
		vt_buf_put(&b, off, 0x31, 4);
		vt_buf_put(&b, off + 4, 40, 4);
		vt_buf_bytes(&b, off + 8, owner, 16);
		vt_buf_put(&b, off + 24, note_at[i], 8);
		vt_buf_put(&b, off + 32, s->notes[i].data.len, 8);
	}
	for (i = 0; i < s->nsegs; i++, off += seg) {
		const struct mseg *g = &s->segs[i];
		char name[16] = {0};
		unsigned w = s->is64 ? 8 : 4;

		if (g->name)
			memcpy(name, g->name, strlen(g->name));
		vt_buf_put(&b, off, s->is64 ? 0x19 : 0x1, 4);
		vt_buf_put(&b, off + 4, seg, 4);
		vt_buf_bytes(&b, off + 8, name, 16);
		vt_buf_put(&b, off + 24, g->vmaddr, w);
		vt_buf_put(&b, off + 24 + w, g->vmsize, w);
		vt_buf_put(&b, off + 24 + 2 * w, g->filesize ? data : 0, w);
		vt_buf_put(&b, off + 24 + 3 * w, g->filesize, w);
		vt_buf_put(&b, off + 24 + 4 * w, g->maxprot, 4);
		vt_buf_put(&b, off + 28 + 4 * w, g->initprot, 4);
		if (g->filesize) {
			vt_buf_reserve(&b, data + g->filesize);
			memset(b.p + data, (int)(i + 1), g->filesize);
			if (g->data)
				memcpy(b.p + data, g->data->p,
				       g->data->len < g->filesize
					       ? g->data->len
					       : g->filesize);
		}
		data += g->filesize;
	}
	free(note_at);
	*len = b.len;
	return b.p;
}

static void
notes_free(struct mnote *n, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free(n[i].data.p);
}

static struct vms_map *
open_mem(const void *p, size_t n, struct vms_err *err)
{
	memset(err, 0, sizeof(*err));
	return vms_open_mem(p, n, "mem.core", NULL, err);
}

static const struct vms_region *
region_at(const struct vms_map *m, uint64_t start)
{
	const struct vms_region *r = vms_map_find(m, start);

	if (r == NULL || r->start != start)
		fail_msg("no region starts at 0x%" PRIx64, start);
	return r;
}

static int
has_warning(const struct vms_map *m, const char *needle)
{
	for (size_t i = 0; i < m->nwarnings; i++)
		if (strstr(m->warnings[i], needle) != NULL)
			return 1;
	return 0;
}

static const struct mseg std_segs[] = {
	{0x100000000, 0x4000, 0x4000, 5, 5, NULL, NULL},
	{0x100004000, 0x4000, 0x1000, 3, 7, NULL, NULL},
	{0x100008000, 0x4000, 0, 0, 0, NULL, NULL},
	{0x7ff000000, 0x8000, 0x8000, 3, 3, NULL, NULL},
};

struct combo {
	int is64, be;
	uint32_t cpu;
	uint32_t flavor;
	const char *arch;
	uint16_t machine;
};

static const struct combo combos[] = {
	{1, 0, CPU_X86_64, 4, "x86_64", 62}, {1, 0, CPU_ARM64, 6, "arm64", 183},
	{0, 0, CPU_I386, 1, "i386", 3},	     {0, 0, CPU_ARM, 1, "arm", 40},
	{0, 1, CPU_PPC, 1, "ppc", 20},	     {1, 1, CPU_PPC64, 5, "ppc64", 21},
};

static unsigned char *
core_of(const struct combo *k, const struct mseg *sg, size_t *len)
{
	struct mseg segs[4];
	struct mthr thr[2] = {
		{k->flavor, 0x7ff007f00, 0x100000f00, 0},
		{k->flavor, 0x7ff003000, 0x100001000, 1},
	};
	struct mspec s = {k->is64, k->be, k->cpu, 0,	0, segs,
			  4,	   thr,	  2,	  NULL, 0, 0};

	memcpy(segs, sg, sizeof(segs));
	if (!k->is64) { /* 32-bit addresses */
		for (int i = 0; i < 4; i++)
			segs[i].vmaddr &= 0xfffffffu;
		thr[0].sp &= 0xfffffffu;
		thr[0].pc &= 0xfffffffu;
		thr[1].sp &= 0xfffffffu;
		thr[1].pc &= 0xfffffffu;
	}
	return build(&s, len);
}

static unsigned char *
std_core(const struct combo *k, size_t *len)
{
	return core_of(k, std_segs, len);
}

static void
t_widths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		const struct combo *k = &combos[i];
		uint64_t mask = k->is64 ? UINT64_MAX : 0xfffffffu;
		const struct vms_region *r;
		struct vms_err err;
		struct vms_map *m;
		unsigned char *img;
		size_t len;

		img = std_core(k, &len);
		m = open_mem(img, len, &err);
		if (m == NULL)
			fail_msg("%s: %s", k->arch, err.msg);
		assert_int_equal(m->nregions, 4);
		assert_int_equal(m->source.kind, VMS_SOURCE_MACHO_CORE);
		assert_string_equal(m->source.format, "macho");
		assert_string_equal(m->arch.name, k->arch);
		assert_int_equal(m->arch.machine, k->machine);
		assert_int_equal(m->arch.wordsize, k->is64 ? 64 : 32);
		assert_int_equal(m->arch.big_endian, k->be);
		assert_int_equal(m->nwarnings, 0);
		r = region_at(m, 0x100000000 & mask);
		assert_int_equal(r->end, 0x100004000 & mask);
		assert_int_equal(r->prot, VMS_PROT_R | VMS_PROT_X);
		assert_int_equal(r->maxprot, VMS_PROT_R | VMS_PROT_X);
		assert_true(r->has & VMS_HAS_MAXPROT);
		assert_true(r->has & VMS_HAS_DATA);
		assert_int_equal(r->data_offset % 4096, 0);
		assert_int_equal(r->data_size, 0x4000);
		assert_int_equal(r->counters[VMS_C_RSS], 0x4000);
		assert_false(r->has & VMS_HAS_CTR(VMS_C_PSS));
		assert_false(r->flags & VMS_RF_PARTIAL);
		assert_null(r->path);
		r = region_at(m, 0x100004000 & mask);
		assert_int_equal(r->prot, VMS_PROT_R | VMS_PROT_W);
		assert_int_equal(r->maxprot, 7);
		assert_int_equal(r->counters[VMS_C_RSS], 0x1000);
		assert_true(r->flags & VMS_RF_PARTIAL);
		/* filesize 0: nothing dumped, the next offsets unmoved */
		r = region_at(m, 0x100008000 & mask);
		assert_int_equal(r->prot, 0);
		assert_true(r->has & VMS_HAS_PROT);
		assert_int_equal(r->data_size, 0);
		assert_int_equal(r->counters[VMS_C_RSS], 0);
		assert_true(r->flags & VMS_RF_PARTIAL);
		assert_int_equal(region_at(m, 0x7ff000000 & mask)->data_offset,
				 region_at(m, 0x100004000 & mask)->data_offset +
					 0x1000);
		/* Threads: sp and pc, stacks labelled by them. */
		assert_int_equal(m->nthreads, 2);
		assert_int_equal(m->threads[0].tid, 0);
		assert_int_equal(m->threads[1].tid, 1);
		assert_int_equal(m->threads[0].sp, 0x7ff007f00 & mask);
		assert_int_equal(m->threads[0].pc, 0x100000f00 & mask);
		assert_int_equal(m->threads[1].sp, 0x7ff003000 & mask);
		assert_true(m->threads[1].has & VMS_THR_HAS_PC);
		r = region_at(m, 0x7ff000000 & mask);
		assert_int_equal(r->label, VMS_LABEL_THREAD_STACK);
		vms_map_free(m);
		free(img);
	}
}

/* Every flavour whose registers are read, alone or after another. */
static void
t_flavours(void **state)
{
	static const struct {
		uint32_t cpu, flavor;
		int is64;
	} f[] = {
		{CPU_X86_64, 4, 1}, {CPU_X86_64, 7, 1}, {CPU_I386, 1, 0},
		{CPU_ARM64, 6, 1},  {CPU_ARM64, 1, 1},	{CPU_ARM, 1, 0},
		{CPU_ARM, 9, 0},    {CPU_PPC, 1, 0},	{CPU_PPC64, 5, 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		for (int fp = 0; fp < 2; fp++) {
			struct mseg sg = {0x10000, 0x1000, 0x1000, 3,
					  3,	   NULL,   NULL};
			struct mthr t = {f[i].flavor, 0x10ff0, 0x1234, fp};
			struct mspec s = {
				f[i].is64,
				f[i].cpu == CPU_PPC64 || f[i].cpu == CPU_PPC,
				f[i].cpu,
				0,
				0,
				&sg,
				1,
				&t,
				1,
				NULL,
				0,
				0};
			struct vms_err err;
			struct vms_map *m;
			unsigned char *img;
			size_t len;

			img = build(&s, &len);
			m = open_mem(img, len, &err);
			if (m == NULL)
				fail_msg("cpu 0x%x flavour %u: %s", f[i].cpu,
					 f[i].flavor, err.msg);
			assert_int_equal(m->nthreads, 1);
			if (!(m->threads[0].has & VMS_THR_HAS_SP))
				fail_msg("cpu 0x%x flavour %u: no sp", f[i].cpu,
					 f[i].flavor);
			assert_int_equal(m->threads[0].sp, 0x10ff0);
			assert_int_equal(m->threads[0].pc, 0x1234);
			vms_map_free(m);
			free(img);
		}
	}
}

/* Payload builders, in the layouts lldb writes and reads. */
static struct vt_buf
n_addrbits(unsigned bits)
{
	struct vt_buf d = {0};

	vt_buf_put(&d, 0, 4, 4);
	vt_buf_put(&d, 4, bits, 4);
	vt_buf_put(&d, 8, bits, 4);
	vt_buf_put(&d, 12, 0, 4);
	return d;
}

static struct vt_buf
n_mainbin(uint64_t addr, unsigned log2page)
{
	struct vt_buf d = {0};

	vt_buf_put(&d, 0, 2, 4);
	vt_buf_put(&d, 4, 2, 4);
	vt_buf_put(&d, 8, addr, 8);
	vt_buf_put(&d, 16, 0, 8);
	vt_buf_put(&d, 40, log2page, 4);
	vt_buf_put(&d, 44, 1, 4);
	return d;
}

static struct vt_buf
n_text(const char *s)
{
	struct vt_buf d = {0};

	vt_buf_bytes(&d, 0, s, strlen(s));
	return d;
}

static struct vt_buf
n_loadbin(uint64_t addr, const char *name)
{
	struct vt_buf d = {0};

	vt_buf_put(&d, 0, 1, 4);
	vt_buf_reserve(&d, 20);
	d.p[4] = 0x42;
	vt_buf_put(&d, 20, addr, 8);
	vt_buf_put(&d, 28, UINT64_MAX, 8);
	vt_buf_bytes(&d, 36, name, strlen(name) + 1);
	return d;
}

struct iimg {
	const char *path;
	unsigned char uuid;
	uint64_t load;
	const char *segs[3];
	uint64_t addrs[3];
};

/* "all image infos" at absolute offset at: the header, entries, the
 * segment arrays, then the strings. */
static struct vt_buf
n_images(size_t at, const struct iimg *im, size_t n)
{
	struct vt_buf d = {0};
	size_t e = 24, sv = e + n * 48, str = sv + n * 3 * 32;

	vt_buf_put(&d, 0, 1, 4);
	vt_buf_put(&d, 4, n, 4);
	vt_buf_put(&d, 8, at + e, 8);
	vt_buf_put(&d, 16, 48, 4);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		vt_buf_put(&d, e + i * 48, at + str, 8);
		vt_buf_reserve(&d, e + i * 48 + 24);
		memset(d.p + e + i * 48 + 8, im[i].uuid, 16);
		vt_buf_put(&d, e + i * 48 + 24, im[i].load, 8);
		vt_buf_put(&d, e + i * 48 + 32, at + sv + i * 96, 8);
		for (; k < 3 && im[i].segs[k] != NULL; k++) {
			vt_buf_bytes(&d, sv + i * 96 + k * 32, im[i].segs[k],
				     strlen(im[i].segs[k]));
			vt_buf_put(&d, sv + i * 96 + k * 32 + 16,
				   im[i].addrs[k], 8);
		}
		vt_buf_put(&d, e + i * 48 + 40, k, 4);
		vt_buf_bytes(&d, str, im[i].path, strlen(im[i].path) + 1);
		str += strlen(im[i].path) + 1;
	}
	vt_buf_reserve(&d, sv + n * 96);
	return d;
}

static const struct mseg img_segs[] = {
	{0x100000000, 0x4000, 0x4000, 5, 5, NULL, NULL},
	{0x100004000, 0x4000, 0x4000, 3, 3, NULL, NULL},
	{0x100008000, 0x4000, 0x4000, 1, 1, NULL, NULL},
	{0x180000000, 0x8000, 0x8000, 5, 5, NULL, NULL},
	{0x16f000000, 0x4000, 0x0, 0, 0, NULL, NULL},
	{0x16f004000, 0x8000, 0x8000, 3, 3, NULL, NULL},
};

static const struct iimg images[] = {
	{"/Users/me/a.out",
	 0x11,
	 0x100000000,
	 {"__TEXT", "__DATA", "__LINKEDIT"},
	 {0x100000000, 0x100004000, 0x100008000}},
	{"/usr/lib/dyld",
	 0x22,
	 0x180000000,
	 {"__TEXT", NULL, NULL},
	 {0x180000000, 0, 0}},
	{"/usr/lib/libnone.dylib",
	 0x33,
	 0x190000000,
	 {NULL, NULL, NULL},
	 {0, 0, 0}},
};

/* An arm64e core with every note lldb reads. */
static unsigned char *
notes_core(const struct mseg *sg, size_t *len)
{
	struct mthr thr[2] = {
		{6, 0x16f00a000, 0x100000f00 | (UINT64_C(0x5a) << 48), 0},
		{6, 0x16f004100, 0x180000200 | (UINT64_C(0x21) << 56), 0},
	};
	struct mnote n[6];
	struct mspec s = {1, 0, CPU_ARM64, 2, 0, sg, 6, thr, 2, n, 6, 0};
	unsigned char *img;

	n[0] = (struct mnote){"addrable bits", 0, n_addrbits(47)};
	n[1] = (struct mnote){"main bin spec", 0, n_mainbin(0x100000000, 14)};
	n[2] = (struct mnote){"process metadata", 0,
			      n_text("{\"threads\":[{\"thread_id\":18427013},"
				     " {\"x\":[1,{\"thread_id\":7}],"
				     "\"thread_id\":18427037}]}")};
	n[3] = (struct mnote){"kern ver str", 0, n_text("Darwin")};
	n[4] = (struct mnote){"all image infos", 0x2000,
			      n_images(0x2000, images, 3)};
	n[5] = (struct mnote){"load binary", 0,
			      n_loadbin(0x16f004000, "/never/used")};
	img = build(&s, len);
	notes_free(n, 6);
	return img;
}

static void
t_notes(void **state)
{
	const struct vms_region *r;
	struct vms_err err;
	struct vms_map *m;
	unsigned char *img;
	size_t len;

	(void)state;
	img = notes_core(img_segs, &len);
	m = open_mem(img, len, &err);
	if (m == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(m->arch.name, "arm64e");
	assert_int_equal(m->nwarnings, 0);
	r = region_at(m, 0x100000000);
	assert_string_equal(r->path, "/Users/me/a.out");
	assert_string_equal(r->name, "__TEXT");
	assert_int_equal(r->build_id_len, 16);
	assert_int_equal(r->build_id[0], 0x11);
	assert_int_equal(r->build_id[15], 0x11);
	r = region_at(m, 0x100004000);
	assert_string_equal(r->name, "__DATA");
	assert_string_equal(r->path, "/Users/me/a.out");
	assert_string_equal(region_at(m, 0x100008000)->name, "__LINKEDIT");
	r = region_at(m, 0x180000000);
	assert_string_equal(r->path, "/usr/lib/dyld");
	assert_int_equal(r->build_id[0], 0x22);
	/* "load binary" names only what image infos left unnamed. */
	r = region_at(m, 0x16f004000);
	assert_string_equal(r->path, "/never/used");
	assert_null(r->name);
	assert_string_equal(m->proc.exe, "/Users/me/a.out");
	assert_string_equal(m->proc.comm, "a.out");
	assert_true(m->has & VMS_P_PAGE_SIZE);
	assert_int_equal(m->page_size, 16384);
	/* Thread ids from the metadata; pcs without their PAC bits. */
	assert_int_equal(m->nthreads, 2);
	assert_int_equal(m->threads[0].tid, 18427013);
	assert_int_equal(m->threads[1].tid, 18427037);
	assert_int_equal(m->threads[0].pc, 0x100000f00);
	assert_int_equal(m->threads[1].pc, 0x180000200);
	assert_int_equal(m->threads[0].sp, 0x16f00a000);
	/* The stack of thread 0 is an unnamed region: labelled. */
	r = region_at(m, 0x16f004000);
	assert_int_equal(r->label, VMS_LABEL_NONE);
	vms_map_free(m);
	free(img);
}

/* A dylib's header and load commands, as dyld maps them. */
static struct vt_buf
dylib_head(int be, uint32_t type, const char *name, uint64_t text,
	   uint64_t data)
{
	struct vt_buf d = {.be = be};
	size_t off = 32, id = name ? 24 + vt_align(strlen(name) + 1, 8) : 0;

	vt_buf_put(&d, 0, 0xfeedfacf, 4);
	vt_buf_put(&d, 4, CPU_X86_64, 4);
	vt_buf_put(&d, 12, type, 4);
	vt_buf_put(&d, 16, name ? 4 : 3, 4);
	if (name) {
		vt_buf_put(&d, off, 0xd, 4);
		vt_buf_put(&d, off + 4, id, 4);
		vt_buf_put(&d, off + 8, 24, 4);
		vt_buf_bytes(&d, off + 24, name, strlen(name) + 1);
		off += id;
	}
	vt_buf_put(&d, off, 0x1b, 4);
	vt_buf_put(&d, off + 4, 24, 4);
	vt_buf_reserve(&d, off + 24);
	memset(d.p + off + 8, 0x77, 16);
	off += 24;
	for (int k = 0; k < 2; k++, off += 72) {
		vt_buf_put(&d, off, 0x19, 4);
		vt_buf_put(&d, off + 4, 72, 4);
		vt_buf_bytes(&d, off + 8, k ? "__DATA" : "__TEXT", 6);
		vt_buf_put(&d, off + 24, k ? data : text, 8);
		vt_buf_put(&d, off + 32, 0x1000, 8);
		vt_buf_put(&d, off + 40, k ? 0x1000 : 0, 8);
		vt_buf_put(&d, off + 48, 0x1000, 8);
	}
	vt_buf_put(&d, 20, off - 32, 4);
	return d;
}

/* Two images in dumped memory: a dylib, and an executable named by a
 * "load binary" note. */
static unsigned char *
discovery_core(size_t *len)
{
	struct vt_buf lib =
		dylib_head(0, 6, "/usr/lib/libz.1.dylib", 0x1000, 0x3000);
	struct vt_buf exe = dylib_head(0, 2, NULL, 0x100000000, 0x100002000);
	struct mseg segs[] = {
		{0x7f0001000, 0x1000, 0x1000, 5, 5, NULL, &lib},
		{0x7f0003000, 0x1000, 0x1000, 3, 3, NULL, NULL},
		{0x200000000, 0x1000, 0x1000, 5, 5, NULL, &exe},
		{0x200002000, 0x1000, 0x1000, 3, 3, NULL, NULL},
	};
	struct mnote n[1] = {
		{"load binary", 0, n_loadbin(0x200000000, "/bin/tool")},
	};
	struct mspec s = {1, 0, CPU_X86_64, 3, 0, segs, 4, NULL, 0, n, 1, 0};
	unsigned char *img = build(&s, len);

	notes_free(n, 1);
	free(lib.p);
	free(exe.p);
	return img;
}

static void
t_discovery(void **state)
{
	const struct vms_region *r;
	struct vms_err err;
	struct vms_map *m;
	unsigned char *img;
	size_t len;

	(void)state;
	img = discovery_core(&len);
	m = open_mem(img, len, &err);
	if (m == NULL)
		fail_msg("%s", err.msg);
	r = region_at(m, 0x7f0001000);
	assert_string_equal(r->path, "/usr/lib/libz.1.dylib");
	assert_string_equal(r->name, "__TEXT");
	assert_int_equal(r->build_id[0], 0x77);
	r = region_at(m, 0x7f0003000);
	assert_string_equal(r->path, "/usr/lib/libz.1.dylib");
	assert_string_equal(r->name, "__DATA");
	r = region_at(m, 0x200002000);
	assert_string_equal(r->path, "/bin/tool");
	assert_string_equal(r->name, "__DATA");
	assert_string_equal(m->proc.exe, "/bin/tool");
	assert_string_equal(m->proc.comm, "tool");
	vms_map_free(m);
	free(img);
}

/* An image, damaged at a byte offset: 4 bytes set to v. */
static void
poke(unsigned char *img, size_t off, int be, uint32_t v)
{
	struct vt_buf b = {img, off + 4, off + 4, be};

	vt_buf_put(&b, off, v, 4);
}

/* The offset of the first load command of type cmd in a built core. */
static size_t
cmd_at(const unsigned char *img, uint32_t cmd)
{
	int is64 = img[0] == 0xcf;
	size_t off = is64 ? 32 : 28;
	uint32_t n, k, sz;

	memcpy(&n, img + 16, 4);
	for (k = 0; k < n; k++) {
		uint32_t c;

		memcpy(&c, img + off, 4);
		memcpy(&sz, img + off + 4, 4);
		if (c == cmd)
			return off;
		off += sz;
	}
	fail_msg("no load command 0x%x", cmd);
	return 0;
}

static void
expect_error(const unsigned char *img, size_t len, enum vms_errcode code,
	     const char *needle)
{
	struct vms_err err;
	struct vms_map *m = open_mem(img, len, &err);

	if (m != NULL)
		fail_msg("accepted, expected \"%s\"", needle);
	if (err.code != code || strstr(err.msg, needle) == NULL ||
	    strncmp(err.msg, "mem.core: ", 10) != 0 ||
	    strchr(err.msg, '\n') != NULL)
		fail_msg("got %s (%s), expected %s with \"%s\"", err.msg,
			 vms_errcode_str(err.code), vms_errcode_str(code),
			 needle);
}

static struct vms_map *
expect_warning(const unsigned char *img, size_t len, const char *needle)
{
	struct vms_err err;
	struct vms_map *m = open_mem(img, len, &err);

	if (m == NULL)
		fail_msg("refused (%s), expected a warning \"%s\"", err.msg,
			 needle);
	if (!has_warning(m, needle))
		fail_msg("no warning \"%s\" (%zu warnings%s%s)", needle,
			 m->nwarnings, m->nwarnings ? ": " : "",
			 m->nwarnings ? m->warnings[0] : "");
	return m;
}

static unsigned char *
fresh(size_t *len)
{
	return std_core(&combos[0], len);
}

static void
t_bad_commands(void **state)
{
	unsigned char *img;
	size_t len, th;

	(void)state;
	img = fresh(&len);
	th = cmd_at(img, 4);
	poke(img, th + 4, 0, 0); /* cmdsize 0: a loop that never advances */
	expect_error(img, len, VMS_E_CORRUPT, "cmdsize 0 is less than 8");
	poke(img, th + 4, 0, 4);
	expect_error(img, len, VMS_E_CORRUPT, "cmdsize 4 is less than 8");
	poke(img, th + 4, 0, 186);
	expect_error(img, len, VMS_E_CORRUPT, "not a multiple of 4");
	poke(img, th + 4, 0, 0x100000);
	expect_error(img, len, VMS_E_CORRUPT, "runs past sizeofcmds");
	free(img);

	img = fresh(&len);
	poke(img, 16, 0, 0xfffffff0); /* ncmds huge */
	expect_error(img, len, VMS_E_CORRUPT, "cannot fit in sizeofcmds");
	free(img);

	img = fresh(&len);
	poke(img, 16, 0, 7); /* one command more than there is */
	expect_error(img, len, VMS_E_CORRUPT, "lies past sizeofcmds");
	free(img);

	img = fresh(&len);
	poke(img, 20, 0, (uint32_t)len); /* sizeofcmds past the end */
	expect_error(img, len, VMS_E_TRUNCATED, "past the end of the file");
	free(img);

	img = fresh(&len);
	poke(img, 12, 0, 2);
	expect_error(img, len, VMS_E_FORMAT, "executable, not a core");
	poke(img, 12, 0, 6);
	expect_error(img, len, VMS_E_FORMAT, "type 6, not a core");
	expect_error(img, 20, VMS_E_TRUNCATED, "truncated Mach-O header");
	free(img);

	img = fresh(&len);
	th = cmd_at(img, 0x19);
	poke(img, th + 4, 0, 64); /* smaller than segment_command_64 */
	expect_error(img, len, VMS_E_CORRUPT, "smaller than the command");
	free(img);
}

static void
t_bad_segments(void **state)
{
	struct vms_map *m;
	unsigned char *img;
	size_t len, sg;

	(void)state;
	/* filesize > vmsize: clipped. */
	img = fresh(&len);
	sg = cmd_at(img, 0x19);
	poke(img, sg + 48, 0, 0x5000);
	m = expect_warning(img, len, "exceeds vmsize");
	assert_int_equal(region_at(m, 0x100000000)->data_size, 0x4000);
	vms_map_free(m);
	/* nsects inconsistent with cmdsize: sections ignored. */
	poke(img, sg + 48, 0, 0x4000);
	poke(img, sg + 64, 0, 3);
	m = expect_warning(img, len, "3 sections do not fit");
	assert_int_equal(m->nregions, 4);
	vms_map_free(m);
	/* Overlapping segments: the later one is clipped. */
	poke(img, sg + 64, 0, 0);
	poke(img, sg + 32, 0, 0x6000);
	m = expect_warning(img, len, "overlap");
	assert_int_equal(region_at(m, 0x100000000)->end, 0x100006000);
	assert_int_equal(region_at(m, 0x100006000)->end, 0x100008000);
	/* The clipped one's data moved with its start. */
	assert_int_equal(region_at(m, 0x100006000)->data_size, 0);
	assert_int_equal(region_at(m, 0x100006000)->data_offset,
			 region_at(m, 0x100000000)->data_offset + 0x6000);
	vms_map_free(m);
	/* fileoff + filesize past the end: a truncated core, marked. */
	poke(img, sg + 32, 0, 0x4000);
	poke(img, sg + 40, 0, (uint32_t)len - 0x1000);
	m = expect_warning(img, len, "truncated core");
	assert_int_equal(region_at(m, 0x100000000)->data_size, 0x1000);
	assert_true(region_at(m, 0x100000000)->flags & VMS_RF_PARTIAL);
	vms_map_free(m);
	/* fileoff + filesize wrapping around. */
	poke(img, sg + 44, 0, 0xffffffff);
	m = expect_warning(img, len, "truncated core");
	assert_int_equal(region_at(m, 0x100000000)->data_size, 0);
	vms_map_free(m);
	free(img);
	/* A headers-only core: every segment's data missing. */
	img = fresh(&len);
	sg = cmd_at(img, 0x19) + 4 * 72;
	m = expect_warning(img, sg, "truncated core");
	assert_int_equal(m->nregions, 4);
	for (size_t i = 0; i < m->nregions; i++) {
		assert_int_equal(m->regions[i].counters[VMS_C_RSS], 0);
		assert_true(m->regions[i].flags & VMS_RF_PARTIAL);
	}
	assert_int_equal(m->nthreads, 2);
	vms_map_free(m);
	/* No segments at all. */
	poke(img, 16, 0, 2);
	expect_error(img, len, VMS_E_CORRUPT, "without memory segments");
	free(img);
}

static void
t_bad_threads_notes(void **state)
{
	struct mnote n[2] = {
		{"addrable bits", 0, n_addrbits(40)},
		{"main bin spec", 0, n_mainbin(1, 12)},
	};
	struct mspec s = {1, 0, CPU_ARM64, 0, 0, std_segs, 4, NULL, 0, n, 2, 0};
	struct mthr t = {6, 0x1000, 0x2000, 0};
	struct vms_map *m;
	unsigned char *img;
	size_t len, th, nt;

	(void)state;
	/* A thread state count that overruns its command. */
	img = fresh(&len);
	th = cmd_at(img, 4);
	poke(img, th + 12, 0, 1000);
	m = expect_warning(img, len, "count 1000 overruns cmdsize");
	assert_int_equal(m->nthreads, 2);
	assert_false(m->threads[0].has & VMS_THR_HAS_SP);
	vms_map_free(m);
	/* An unknown cpu type: the map, without registers. */
	poke(img, th + 12, 0, 42);
	poke(img, 4, 0, 0x77);
	m = expect_warning(img, len, "cpu type 0x77 is not known");
	assert_null(m->arch.name);
	assert_false(m->threads[1].has & VMS_THR_HAS_SP);
	vms_map_free(m);
	free(img);
	/* Note payloads outside the file; a note command too small. */
	s.thr = &t;
	s.nthr = 1;
	img = build(&s, &len);
	nt = cmd_at(img, 0x31);
	poke(img, nt + 24, 0, (uint32_t)len - 4);
	m = expect_warning(img, len, "lies outside the file");
	assert_int_equal(m->nregions, 4);
	vms_map_free(m);
	poke(img, nt + 28, 0, 0x80000000);
	m = expect_warning(img, len, "lies outside the file");
	vms_map_free(m);
	/* Too small for a note: the next command starts inside it. */
	poke(img, nt + 4, 0, 32);
	expect_error(img, len, VMS_E_CORRUPT, "is less than 8");
	free(img);
	notes_free(n, 2);
}

/* Every truncation and every single-byte change of the load commands:
 * no crash, no hang, an error or a map. */
static void
t_byte_sweep(void **state)
{
	unsigned char *img, *copy;
	size_t len;

	(void)state;
	img = notes_core(img_segs, &len);
	copy = malloc(len);
	assert_non_null(copy);
	for (size_t n = 0; n < 0x700 && n < len; n++) {
		struct vms_err err;

		vms_map_free(open_mem(img, n, &err));
		memcpy(copy, img, len);
		copy[n] ^= 0xff;
		vms_map_free(open_mem(copy, len, &err));
		copy[n] ^= 0x7f;
		vms_map_free(open_mem(copy, len, &err));
	}
	free(copy);
	free(img);
}

static char *
print_view(const char *name, const struct vms_map *m)
{
	const struct vms_view *v = vms_view_find(name);
	struct vms_view_opts o = {0};
	char *out;

	assert_non_null(v);
	out = vt_render(v, m, &o);
	assert_non_null(out);
	return out;
}

static void
t_views(void **state)
{
	struct vms_err err;
	struct vms_map *m;
	unsigned char *img;
	char *out;
	size_t len;

	(void)state;
	img = std_core(&combos[0], &len);
	m = open_mem(img, len, &err);
	assert_non_null(m);
	out = print_view("vmmap", m);
	/* PRT/MAX has real data: rw-/rwx for a segment whose max is 7. */
	if (strstr(out, "rw-/rwx") == NULL || strstr(out, "r-x/r-x") == NULL ||
	    strstr(out, "---/---") == NULL || strstr(out, "64-bit") == NULL)
		fail_msg("vmmap:\n%s", out);
	free(out);
	out = print_view("pmap-x", m);
	if (strstr(out, "0000000100004000") == NULL ||
	    strstr(out, "rw-") == NULL || strstr(out, "r-x") == NULL)
		fail_msg("pmap -x:\n%s", out);
	free(out);
	vms_map_free(m);
	free(img);
}

/* The yaml2obj fixtures. */
static char *
tool(const char *a, const char *b)
{
	static const char *const dirs[] = {"/usr/bin", "/usr/lib/llvm-14/bin"};

	for (size_t i = 0; i < 2; i++) {
		char *p = vt_asprintf("%s/%s", dirs[i], a);

		if (access(p, X_OK) == 0)
			return p;
		free(p);
		p = vt_asprintf("%s/%s", dirs[i], b);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Apply the "# vms-..." lines of a YAML file to the core made from it. */
static void
patch(const char *yaml, unsigned char *img, size_t len)
{
	char *text = vt_read_file(yaml, NULL), *line, *save = NULL;

	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long off, n, v;
		char *p;

		if (sscanf(line, "# vms-fill: %li %li %li", &off, &n, &v) ==
		    3) {
			assert_true(off + n <= len);
			memset(img + off, (int)v, n);
		} else if (strncmp(line, "# vms-bytes: ", 13) == 0) {
			off = strtoul(line + 13, &p, 0);
			while (*p == ' ') {
				v = strtoul(p, &p, 16);
				assert_true(off < len);
				img[off++] = (unsigned char)v;
			}
		} else if (strncmp(line, "# vms-text: ", 12) == 0) {
			off = strtoul(line + 12, &p, 0);
			p++;
			assert_true(off + strlen(p) + 1 <= len);
			memcpy(img + off, p, strlen(p) + 1);
		}
	}
	free(text);
}

/* llvm-readobj --macho-segment's segments, compared with the map. */
static size_t
check_readobj(const char *readobj, const char *core, const struct vms_map *m)
{
	const char *argv[] = {readobj, "--macho-segment", core, NULL};
	struct vt_run run;
	char *p;
	size_t n = 0;

	assert_int_equal(vt_run(argv, NULL, &run), 0);
	assert_int_equal(run.status, 0);
	for (p = strstr(run.out, "Segment {"); p != NULL;
	     p = strstr(p + 1, "Segment {")) {
		uint64_t va, vs, fo, fs;
		char maxp[4], initp[4], got[4];
		const struct vms_region *r;

		assert_int_equal(
			sscanf(strstr(p, "vmaddr:"), "vmaddr: %" SCNx64, &va),
			1);
		sscanf(strstr(p, "vmsize:"), "vmsize: %" SCNx64, &vs);
		sscanf(strstr(p, "fileoff:"), "fileoff: %" SCNu64, &fo);
		sscanf(strstr(p, "filesize:"), "filesize: %" SCNu64, &fs);
		sscanf(strstr(p, "maxprot:"), "maxprot: %3s", maxp);
		sscanf(strstr(p, "initprot:"), "initprot: %3s", initp);
		r = region_at(m, va);
		assert_int_equal(r->end, va + vs);
		assert_int_equal(r->data_offset, fo);
		assert_int_equal(r->data_size, fs);
		assert_int_equal(r->counters[VMS_C_RSS], fs);
		assert_int_equal(!!(r->flags & VMS_RF_PARTIAL), fs < vs);
		got[0] = (r->prot & VMS_PROT_R) ? 'r' : '-';
		got[1] = (r->prot & VMS_PROT_W) ? 'w' : '-';
		got[2] = (r->prot & VMS_PROT_X) ? 'x' : '-';
		got[3] = '\0';
		assert_string_equal(got, initp);
		got[0] = (r->maxprot & VMS_PROT_R) ? 'r' : '-';
		got[1] = (r->maxprot & VMS_PROT_W) ? 'w' : '-';
		got[2] = (r->maxprot & VMS_PROT_X) ? 'x' : '-';
		assert_string_equal(got, maxp);
		n++;
	}
	vt_run_free(&run);
	return n;
}

static void
t_yaml(void **state)
{
	static const char *const names[] = {"arm64e", "x86_64", "ppc"};
	char *yaml2obj = tool("yaml2obj", "yaml2obj-14");
	char *readobj = tool("llvm-readobj", "llvm-readobj-14");
	char *dir = vt_tmpdir();

	(void)state;
	if (yaml2obj == NULL || readobj == NULL) {
		printf("macho: yaml2obj or llvm-readobj not found: SKIPPED\n");
		free(yaml2obj);
		free(readobj);
		free(dir);
		skip();
		return;
	}
	assert_non_null(dir);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *yaml = vt_asprintf("%s/testdata/macho/%s.yaml",
					 VMS_SOURCE_DIR, names[i]);
		char *core = vt_asprintf("%s/%s.core", dir, names[i]);
		const char *argv[] = {yaml2obj, yaml, "-o", core, NULL};
		struct vt_run run;
		struct vms_err err;
		struct vms_map *m;
		unsigned char *img;
		size_t len, nseg;

		assert_int_equal(vt_run(argv, NULL, &run), 0);
		if (run.status != 0)
			fail_msg("yaml2obj %s: %s", yaml, run.err);
		vt_run_free(&run);
		img = (unsigned char *)vt_read_file(core, &len);
		assert_non_null(img);
		patch(yaml, img, len);
		assert_int_equal(vt_write_file(core, img, len), 0);
		m = vms_open(core, NULL, &err);
		if (m == NULL)
			fail_msg("%s: %s", core, err.msg);
		nseg = check_readobj(readobj, core, m);
		assert_int_equal(nseg, m->nregions);
		if (strcmp(names[i], "arm64e") == 0) {
			const struct vms_region *r = region_at(m, 0x100000000);

			assert_string_equal(m->arch.name, "arm64e");
			assert_int_equal(m->nthreads, 2);
			assert_int_equal(m->threads[0].tid, 4242);
			assert_int_equal(m->threads[1].tid, 4343);
			assert_int_equal(m->threads[0].pc, 0x100003f5c);
			assert_int_equal(m->threads[1].sp, 0x16fe84000);
			assert_int_equal(m->page_size, 16384);
			assert_string_equal(r->path, "/tmp/hello");
			assert_string_equal(r->name, "__TEXT");
			assert_int_equal(r->build_id[0], 0xde);
			assert_string_equal(m->proc.exe, "/tmp/hello");
			r = region_at(m, 0x16fe80000);
			assert_int_equal(r->label, VMS_LABEL_THREAD_STACK);
			assert_int_equal(r->label_id, 4343);
		} else if (strcmp(names[i], "x86_64") == 0) {
			const struct vms_region *r = region_at(m, 0x7ff800000);

			assert_string_equal(r->path, "/usr/lib/libfoo.dylib");
			assert_string_equal(r->name, "__TEXT");
			assert_int_equal(m->threads[0].sp, 0x7ff7bfeff000);
		} else {
			assert_int_equal(m->arch.big_endian, 1);
			assert_string_equal(m->arch.name, "ppc");
			assert_int_equal(m->threads[0].pc, 0x1f00);
		}
		printf("macho: %s: %zu segments match llvm-readobj\n", names[i],
		       nseg);
		vms_map_free(m);
		free(img);
		free(core);
		free(yaml);
	}
	vt_rmtree(dir);
	free(dir);
	free(yaml2obj);
	free(readobj);
}

/* The seeds: the same cores with a few bytes of contents each. */
static const struct mseg small_segs[] = {
	{0x100000000, 0x4000, 0x100, 5, 5, NULL, NULL},
	{0x100004000, 0x4000, 0x80, 3, 7, NULL, NULL},
	{0x100008000, 0x4000, 0, 0, 0, NULL, NULL},
	{0x7ff000000, 0x8000, 0x100, 3, 3, NULL, NULL},
};

static const struct mseg small_img_segs[] = {
	{0x100000000, 0x4000, 0x100, 5, 5, NULL, NULL},
	{0x100004000, 0x4000, 0x100, 3, 3, NULL, NULL},
	{0x100008000, 0x4000, 0x100, 1, 1, NULL, NULL},
	{0x180000000, 0x8000, 0x100, 5, 5, NULL, NULL},
	{0x16f000000, 0x4000, 0x0, 0, 0, NULL, NULL},
	{0x16f004000, 0x8000, 0x100, 3, 3, NULL, NULL},
};

static int
write_seed(const char *dir, const char *name, unsigned char *img, size_t len)
{
	char *p = vt_asprintf("%s/%s.core", dir, name);
	int r = vt_write_file(p, img, len);

	free(p);
	free(img);
	return r < 0;
}

static int
write_seeds(const char *dir)
{
	unsigned char *img;
	size_t len;
	int bad = 0;

	for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		img = core_of(&combos[i], small_segs, &len);
		bad |= write_seed(dir, combos[i].arch, img, len);
	}
	img = notes_core(small_img_segs, &len);
	bad |= write_seed(dir, "arm64e-notes", img, len);
	img = discovery_core(&len);
	bad |= write_seed(dir, "x86_64-images", img, len);
	return bad;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_widths),
		cmocka_unit_test(t_flavours),
		cmocka_unit_test(t_notes),
		cmocka_unit_test(t_discovery),
		cmocka_unit_test(t_bad_commands),
		cmocka_unit_test(t_bad_segments),
		cmocka_unit_test(t_bad_threads_notes),
		cmocka_unit_test(t_byte_sweep),
		cmocka_unit_test(t_views),
		cmocka_unit_test(t_yaml),
	};
	const char *seeds = getenv("VMS_WRITE_SEEDS");

	if (seeds != NULL)
		return write_seeds(seeds);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
