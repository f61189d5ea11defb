/*
 * test_elfcore.c - the ELF core reader (formats/elfcore.c) and the
 * decompressing input (formats/input.c).
 *
 * Three kinds of fixture: cores built in memory here (both classes and
 * byte orders, PN_XNUM, notes, NT_FILE) and then damaged in every way the
 * reader must survive; real cores that testdata/mkcores.sh makes from
 * testdata/coreprog.c (gdb gcore, a kernel core, qemu-user cores of other
 * architectures), checked against /proc/PID/maps taken at dump time and
 * against readelf -lW and eu-readelf -n; and those real cores compressed
 * with the gzip, zstd, xz and lz4 tools.
 *
 * With VMS_WRITE_SEEDS=DIR it writes the in-memory cores there as fuzz
 * seeds and exits (tests/fuzz/mkseeds-elfcore.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bytebuf.h"
#include "testutil.h"
#include "vmscope/vmscope.h"
#include "internal.h"

struct tseg {
	uint64_t vaddr, memsz, filesz;
	uint32_t flags;
};

struct tnote {
	const char *name;
	uint32_t type;
	struct vt_buf desc;
};

struct tspec {
	int is64, be;
	uint16_t machine;
	uint16_t type;
	const struct tseg *segs;
	size_t nsegs;
	struct tnote *notes;
	size_t nnotes;
	int xnum;
	unsigned note_align;
};

#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

/* Header, program headers (PT_NOTE first), notes, then the contents. */
static unsigned char *
build(const struct tspec *s, size_t *len)
{
	struct vt_buf b = {.be = s->be};
	unsigned w = s->is64 ? 8 : 4, a = s->note_align ? s->note_align : 4;
	size_t eh = s->is64 ? 64 : 52, ph = s->is64 ? 56 : 32;
	size_t phnum = s->nsegs + 1, notes = vt_align(eh + phnum * ph, 8), off,
	       data;
	size_t i;

	vt_buf_bytes(&b, 0, "\177ELF", 4);
	b.p[4] = s->is64 ? 2 : 1;
	b.p[5] = s->be ? 2 : 1;
	b.p[6] = 1;
	vt_buf_put(&b, 16, s->type ? s->type : 4, 2);
	vt_buf_put(&b, 18, s->machine, 2);
	vt_buf_put(&b, 20, 1, 4);
	vt_buf_put(&b, s->is64 ? 32 : 28, eh, w);
	vt_buf_put(&b, s->is64 ? 52 : 40, eh, 2);
	vt_buf_put(&b, s->is64 ? 54 : 42, ph, 2);
	vt_buf_put(&b, s->is64 ? 56 : 44, s->xnum ? 0xffff : phnum, 2);
	/* The notes. */
	off = notes;
	for (i = 0; i < s->nnotes; i++) {
		const struct tnote *n = &s->notes[i];
		size_t nl = strlen(n->name) + 1;

		vt_buf_put(&b, off, nl, 4);
		vt_buf_put(&b, off + 4, n->desc.len, 4);
		vt_buf_put(&b, off + 8, n->type, 4);
		vt_buf_bytes(&b, off + 12, n->name, nl);
		off = vt_align(off + 12 + nl, a);
		if (n->desc.len)
			vt_buf_bytes(&b, off, n->desc.p, n->desc.len);
		off = vt_align(off + n->desc.len, a);
	}
	/* PT_NOTE */
	if (s->is64) {
		vt_buf_put(&b, eh, 4, 4);
		vt_buf_put(&b, eh + 8, notes, 8);
		vt_buf_put(&b, eh + 32, off - notes, 8);
		vt_buf_put(&b, eh + 48, a, 8);
	} else {
		vt_buf_put(&b, eh, 4, 4);
		vt_buf_put(&b, eh + 4, notes, 4);
		vt_buf_put(&b, eh + 16, off - notes, 4);
		vt_buf_put(&b, eh + 28, a, 4);
	}
	data = vt_align(off, 16);
	for (i = 0; i < s->nsegs; i++) {
		const struct tseg *g = &s->segs[i];
		size_t p = eh + (i + 1) * ph;

		vt_buf_put(&b, p, 1, 4);
		if (s->is64) {
			vt_buf_put(&b, p + 4, g->flags, 4);
			vt_buf_put(&b, p + 8, data, 8);
			vt_buf_put(&b, p + 16, g->vaddr, 8);
			vt_buf_put(&b, p + 32, g->filesz, 8);
			vt_buf_put(&b, p + 40, g->memsz, 8);
			vt_buf_put(&b, p + 48, 4096, 8);
		} else {
			vt_buf_put(&b, p + 4, data, 4);
			vt_buf_put(&b, p + 8, g->vaddr, 4);
			vt_buf_put(&b, p + 16, g->filesz, 4);
			vt_buf_put(&b, p + 20, g->memsz, 4);
			vt_buf_put(&b, p + 24, g->flags, 4);
			vt_buf_put(&b, p + 28, 4096, 4);
		}
		if (g->filesz) {
			vt_buf_reserve(&b, data + g->filesz);
			memset(b.p + data, (int)(i + 1), g->filesz);
		}
		data += g->filesz;
	}
	if (s->xnum) {
		size_t sh = vt_align(data, 8);

		vt_buf_put(&b, s->is64 ? 40 : 32, sh, w);
		vt_buf_put(&b, s->is64 ? 58 : 46, s->is64 ? 64 : 40, 2);
		vt_buf_put(&b, sh + (s->is64 ? 44 : 28), phnum, 4);
		vt_buf_reserve(&b, sh + (s->is64 ? 64 : 40));
	}
	*len = b.len;
	return b.p;
}

static void
notes_free(struct tnote *n, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free(n[i].desc.p);
}

/* Descriptor builders, in the layouts of linux/elfcore.h. */
static struct vt_buf
d_prstatus(const struct tspec *s, uint32_t tid, int sig, uint64_t sp,
	   uint64_t pc)
{
	struct vt_buf d = {.be = s->be};
	unsigned reg = s->is64 ? 112 : 72, rs = s->is64 ? 8 : 4, psp = 0,
		 ppc = 0;
	unsigned nregs = 0;

	switch (s->machine) {
	case 62:
		rs = 8;
		ppc = 16, psp = 19, nregs = 27;
		break;
	case 3:
		ppc = 12, psp = 15, nregs = 17;
		break;
	case 20:
	case 21:
		ppc = 32, psp = 1, nregs = 48;
		break;
	default:
		fail_msg("no register layout for machine %u", s->machine);
	}
	vt_buf_put(&d, 0, (uint64_t)sig, 4);
	vt_buf_put(&d, 12, (uint64_t)sig, 2);
	vt_buf_put(&d, s->is64 ? 32 : 24, tid, 4);
	vt_buf_put(&d, reg + psp * rs, sp, rs);
	vt_buf_put(&d, reg + ppc * rs, pc, rs);
	vt_buf_reserve(&d, reg + nregs * rs + 4);
	d.len = vt_align(d.len, s->is64 ? 8 : 4);
	return d;
}

static struct vt_buf
d_prpsinfo(const struct tspec *s, uint32_t pid, uint32_t uid, const char *fname,
	   const char *args, int uid16)
{
	struct vt_buf d = {.be = s->be};
	unsigned u = s->is64 ? 16 : 8, p = s->is64 ? 24 : uid16 ? 12 : 16;

	d.p = NULL;
	vt_buf_reserve(&d, s->is64 ? 136 : uid16 ? 124 : 128);
	d.p[1] = 'R';
	vt_buf_put(&d, u, uid, uid16 ? 2 : 4);
	vt_buf_put(&d, u + (uid16 ? 2 : 4), uid + 1, uid16 ? 2 : 4);
	vt_buf_put(&d, p, pid, 4);
	vt_buf_put(&d, p + 4, 1, 4);
	memcpy(d.p + p + 16, fname, strlen(fname));
	memcpy(d.p + p + 32, args, strlen(args));
	return d;
}

static struct vt_buf
d_siginfo(const struct tspec *s, int sig, int code, uint64_t addr)
{
	struct vt_buf d = {.be = s->be};

	vt_buf_reserve(&d, 128);
	vt_buf_put(&d, 0, (uint64_t)sig, 4);
	vt_buf_put(&d, 8, (uint64_t)code, 4);
	vt_buf_put(&d, s->is64 ? 16 : 12, addr, s->is64 ? 8 : 4);
	return d;
}

static struct vt_buf
d_auxv(const struct tspec *s, const uint64_t *kv, size_t n)
{
	struct vt_buf d = {.be = s->be};
	unsigned w = s->is64 ? 8 : 4;

	for (size_t i = 0; i < 2 * n; i++)
		vt_buf_put(&d, i * w, kv[i], w);
	vt_buf_reserve(&d, 2 * n * w + 2 * w);
	return d;
}

struct tfile {
	uint64_t start, end, pgoff;
	const char *path;
};

static struct vt_buf
d_ntfile(int be, unsigned w, uint64_t page, const struct tfile *f, size_t n)
{
	struct vt_buf d = {.be = be};
	size_t off = 2 * w + n * 3 * w;

	vt_buf_put(&d, 0, n, w);
	vt_buf_put(&d, w, page, w);
	for (size_t i = 0; i < n; i++) {
		vt_buf_put(&d, 2 * w + i * 3 * w, f[i].start, w);
		vt_buf_put(&d, 2 * w + i * 3 * w + w, f[i].end, w);
		vt_buf_put(&d, 2 * w + i * 3 * w + 2 * w, f[i].pgoff, w);
		vt_buf_bytes(&d, off, f[i].path, strlen(f[i].path) + 1);
		off += strlen(f[i].path) + 1;
	}
	return d;
}

static const struct tseg std_segs[] = {
	{0x10000, 0x3000, 0x3000, PF_R | PF_X},
	{0x20000, 0x2000, 0x1000, PF_R | PF_W},
	{0x30000, 0x1000, 0, PF_R},
};
static const struct tfile std_files[] = {
	{0x10000, 0x13000, 0, "/bin/prog"},
	{0x40000, 0x42000, 2, "/lib/ro data"},
};

/* A complete little core: 3 segments, 2 threads, every note we read. */
static unsigned char *
std_core(int is64, int be, uint16_t machine, unsigned align, size_t *len)
{
	struct tspec s = {.is64 = is64,
			  .be = be,
			  .machine = machine,
			  .segs = std_segs,
			  .nsegs = 3,
			  .note_align = align};
	struct tnote n[6];
	uint64_t av[] = {6, 4096, 3, 0x10040, 9, 0x10100};
	unsigned char *img;

	s.notes = n;
	s.nnotes = 6;
	n[0] = (struct tnote){"CORE", 1,
			      d_prstatus(&s, 100, 11, 0x20800, 0x10100)};
	n[1] = (struct tnote){"CORE", 3,
			      d_prpsinfo(&s, 100, 1000, "prog", "prog -x  arg ",
					 machine == 3)};
	n[2] = (struct tnote){"CORE", 0x53494749,
			      d_siginfo(&s, 11, 1, 0x20010)};
	n[3] = (struct tnote){"CORE", 6, d_auxv(&s, av, 3)};
	n[4] = (struct tnote){"CORE", 0x46494c45,
			      d_ntfile(be, is64 ? 8 : 4, 4096, std_files, 2)};
	n[5] = (struct tnote){"CORE", 1,
			      d_prstatus(&s, 101, 0, 0x20900, 0x10200)};
	img = build(&s, len);
	notes_free(n, 6);
	return img;
}

static struct vms_map *
open_mem(const void *p, size_t n, unsigned flags, struct vms_err *err)
{
	struct vms_open_opts o = {.flags = flags};

	memset(err, 0, sizeof(*err));
	return vms_open_mem(p, n, "mem.core", &o, err);
}

static const struct vms_region *
region_at(const struct vms_map *m, uint64_t start)
{
	const struct vms_region *r = vms_map_find(m, start);

	if (r == NULL || r->start != start)
		fail_msg("no region starts at 0x%" PRIx64, start);
	return r;
}

static void
check_std(const struct vms_map *m, int is64, int be, uint16_t machine)
{
	const struct vms_region *r;

	assert_int_equal(m->nregions, 4);
	assert_int_equal(m->arch.machine, machine);
	assert_int_equal(m->arch.wordsize, is64 ? 64 : 32);
	assert_int_equal(m->arch.big_endian, be);
	assert_int_equal(m->source.kind, VMS_SOURCE_ELF_CORE);
	assert_string_equal(m->source.format, "elf");
	r = region_at(m, 0x10000);
	assert_int_equal(r->end, 0x13000);
	assert_int_equal(r->prot, VMS_PROT_R | VMS_PROT_X);
	assert_true(r->has & VMS_HAS_PROT);
	assert_string_equal(r->path, "/bin/prog");
	assert_true(r->has & VMS_HAS_OFFSET);
	assert_int_equal(r->offset, 0);
	assert_true(r->has & VMS_HAS_DATA);
	assert_int_equal(r->data_size, 0x3000);
	assert_int_equal(r->counters[VMS_C_RSS], 0x3000);
	assert_true(r->has & VMS_HAS_CTR(VMS_C_RSS));
	assert_false(r->has & VMS_HAS_CTR(VMS_C_PSS));
	assert_false(r->flags & VMS_RF_PARTIAL);
	r = region_at(m, 0x20000);
	assert_int_equal(r->prot, VMS_PROT_R | VMS_PROT_W);
	assert_null(r->path);
	assert_false(r->has & VMS_HAS_OFFSET);
	assert_int_equal(r->counters[VMS_C_RSS], 0x1000);
	assert_true(r->flags & VMS_RF_PARTIAL);
	assert_true(r->flags & VMS_RF_FAULT);
	r = region_at(m, 0x30000);
	assert_int_equal(r->counters[VMS_C_RSS], 0);
	assert_true(r->flags & VMS_RF_PARTIAL);
	/* Listed by NT_FILE only: a region whose protection is unknown. */
	r = region_at(m, 0x40000);
	assert_int_equal(r->end, 0x42000);
	assert_string_equal(r->path, "/lib/ro data");
	assert_int_equal(r->offset, 0x2000);
	assert_false(r->has & VMS_HAS_PROT);
	assert_false(r->has & VMS_HAS_DATA);
	assert_true(r->has & VMS_HAS_CTR(VMS_C_RSS));
	assert_int_equal(r->counters[VMS_C_RSS], 0);
	/* Threads, in the order of the notes. */
	assert_int_equal(m->nthreads, 2);
	assert_int_equal(m->threads[0].tid, 100);
	assert_int_equal(m->threads[0].sp, 0x20800);
	assert_int_equal(m->threads[0].pc, 0x10100);
	assert_int_equal(m->threads[0].signo, 11);
	assert_int_equal(m->threads[0].has, VMS_THR_HAS_SP | VMS_THR_HAS_PC);
	assert_int_equal(m->threads[1].tid, 101);
	assert_int_equal(m->threads[1].sp, 0x20900);
	/* The process. */
	assert_int_equal(m->proc.pid, 100);
	assert_int_equal(m->proc.ppid, 1);
	assert_int_equal(m->proc.uid, 1000);
	assert_int_equal(m->proc.gid, 1001);
	assert_string_equal(m->proc.comm, "prog");
	assert_int_equal(m->proc.argc, 3);
	assert_string_equal(m->proc.argv[0], "prog");
	assert_string_equal(m->proc.argv[2], "arg");
	assert_string_equal(m->proc.exe, "/bin/prog");
	assert_int_equal(m->proc.signo, 11);
	assert_int_equal(m->proc.sigcode, 1);
	assert_int_equal(m->proc.fault_addr, 0x20010);
	assert_int_equal(m->proc.fault_tid, 100);
	assert_true(m->proc.has & VMS_P_FAULT_ADDR);
	assert_true(m->proc.has & VMS_P_FAULT_TID);
	assert_true(m->has & VMS_P_PAGE_SIZE);
	assert_int_equal(m->page_size, 4096);
	assert_int_equal(m->nauxv, 3);
	assert_int_equal(m->auxv[1].type, 3);
	assert_int_equal(m->auxv[1].value, 0x10040);
}

static void
t_classes(void **state)
{
	static const struct {
		int is64, be;
		uint16_t machine;
	} k[] = {
		{1, 0, 62}, {1, 1, 21}, {0, 0, 3}, {0, 1, 20}, {0, 0, 62},
	};
	struct vms_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		for (unsigned a = 4; a <= 8; a += 4) {
			size_t len;
			unsigned char *img = std_core(k[i].is64, k[i].be,
						      k[i].machine, a, &len);
			struct vms_map *m = open_mem(img, len, 0, &err);

			if (m == NULL)
				fail_msg("%s", err.msg);
			check_std(m, k[i].is64, k[i].be, k[i].machine);
			assert_int_equal(m->nwarnings, 0);
			vms_map_free(m);
			free(img);
		}
	}
}

static void
t_xnum(void **state)
{
	size_t n = 70000, len;
	struct tseg *segs = calloc(n, sizeof(*segs));
	struct tspec s = {.is64 = 1, .machine = 62, .xnum = 1};
	struct vms_err err;
	struct vms_map *m;
	unsigned char *img;
	clock_t t0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		segs[i] = (struct tseg){0x100000 + i * 0x2000, 0x1000, 0, PF_R};
	s.segs = segs;
	s.nsegs = n;
	img = build(&s, &len);
	t0 = clock();
	m = open_mem(img, len, 0, &err);
	if (m == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(m->nregions, n);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	vms_map_free(m);
	/* A PN_XNUM core whose section header is missing. */
	m = open_mem(img, len - 64, 0, &err);
	assert_null(m);
	assert_non_null(strstr(err.msg, "PN_XNUM"));
	free(img);
	free(segs);
}

static void
t_ntfile_layouts(void **state)
{
	/* One NT_FILE range over two segments, one inside a segment. */
	static const struct tseg segs[] = {
		{0x10000, 0x2000, 0x2000, PF_R | PF_X},
		{0x12000, 0x2000, 0x2000, PF_R},
		{0x50000, 0x4000, 0x4000, PF_R | PF_W},
	};
	static const struct tfile files[] = {
		{0x10000, 0x14000, 1, "/lib/a.so"},
		{0x52000, 0x53000, 0, "/dev/zero (deleted)"},
	};
	struct tspec s = {
		.is64 = 0, .be = 0, .machine = 3, .segs = segs, .nsegs = 3};
	struct vms_err err;
	const struct vms_region *r;

	(void)state;
	/* ELF32 with 64-bit NT_FILE words, then with 32-bit ones. */
	for (unsigned w = 8; w >= 4; w -= 4) {
		struct tnote n = {"CORE", 0x46494c45,
				  d_ntfile(0, w, 4096, files, 2)};
		struct vms_map *m;
		unsigned char *img;
		size_t len;

		s.notes = &n;
		s.nnotes = 1;
		img = build(&s, &len);
		m = open_mem(img, len, 0, &err);
		if (m == NULL)
			fail_msg("%s", err.msg);
		assert_int_equal(m->nregions, 5);
		r = region_at(m, 0x10000);
		assert_string_equal(r->path, "/lib/a.so");
		assert_int_equal(r->offset, 0x1000);
		r = region_at(m, 0x12000);
		assert_string_equal(r->path, "/lib/a.so");
		assert_int_equal(r->offset, 0x3000);
		assert_int_equal(r->data_offset,
				 region_at(m, 0x10000)->data_offset + 0x2000);
		r = region_at(m, 0x50000);
		assert_null(r->path);
		assert_int_equal(r->end, 0x52000);
		/* The kernel's " (deleted)" is a flag, not part of the path. */
		r = region_at(m, 0x52000);
		assert_string_equal(r->path, "/dev/zero");
		assert_true(r->flags & VMS_RF_DELETED);
		assert_false(region_at(m, 0x10000)->flags & VMS_RF_DELETED);
		assert_int_equal(r->data_offset,
				 region_at(m, 0x50000)->data_offset + 0x2000);
		assert_int_equal(r->data_size, 0x1000);
		r = region_at(m, 0x53000);
		assert_null(r->path);
		assert_int_equal(r->end, 0x54000);
		vms_map_free(m);
		free(img);
		notes_free(&n, 1);
	}
}

static void
t_not_core(void **state)
{
	static const char *const want[] = {
		NULL,
		"relocatable object",
		"an ELF executable, not a core",
		"shared object",
	};
	struct vms_err err;
	size_t len;

	(void)state;
	for (uint16_t t = 1; t <= 3; t++) {
		struct tspec s = {.is64 = 1,
				  .machine = 62,
				  .type = t,
				  .segs = std_segs,
				  .nsegs = 1};
		unsigned char *img = build(&s, &len);

		assert_null(open_mem(img, len, 0, &err));
		assert_int_equal(err.code, VMS_E_FORMAT);
		assert_non_null(strstr(err.msg, want[t]));
		assert_non_null(strstr(err.msg, "mem.core: "));
		free(img);
	}
}

static void
t_truncated(void **state)
{
	struct vms_err err;
	struct vms_map *m;
	size_t len;
	unsigned char *img = std_core(1, 0, 62, 4, &len);
	const struct vms_region *r;

	(void)state;
	/* Cut in the middle of the second segment's contents. */
	m = open_mem(img, len - 0x1800, 0, &err);
	if (m == NULL)
		fail_msg("%s", err.msg);
	assert_true(vt_has_warning(m, "truncated core"));
	r = region_at(m, 0x10000);
	assert_int_equal(r->data_size, 0x3000 - 0x800);
	assert_true(r->flags & VMS_RF_PARTIAL);
	r = region_at(m, 0x20000);
	assert_int_equal(r->data_size, 0);
	assert_int_equal(r->counters[VMS_C_RSS], 0);
	vms_map_free(m);
	/* Every shorter prefix: a map or a one-line error, never worse. */
	for (size_t n = 0; n < len; n += n < 2048 ? 1 : 509) {
		m = open_mem(img, n, 0, &err);
		if (m == NULL) {
			assert_true(err.code > VMS_E_OK &&
				    err.code < VMS_E__COUNT);
			assert_null(strchr(err.msg, '\n'));
			assert_true(strlen(err.msg) > 0);
		}
		vms_map_free(m);
	}
	free(img);
}

/* Offset of the first note header in a std_core(). */
static size_t
first_note(const unsigned char *img, int is64)
{
	size_t eh = is64 ? 64 : 52;

	return is64 ? img[eh + 8] | (size_t)img[eh + 9] << 8
		    : img[eh + 4] | (size_t)img[eh + 5] << 8;
}

static void
put32le(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
t_bad_notes(void **state)
{
	struct vms_err err;
	struct vms_map *m;
	size_t len, nt;
	unsigned char *img = std_core(1, 0, 62, 4, &len), *bad;

	(void)state;
	nt = first_note(img, 1);
	bad = malloc(len);
	/* A huge descsz: the rest of the segment is skipped. */
	memcpy(bad, img, len);
	put32le(bad + nt + 4, 0xfffffff0u);
	m = open_mem(bad, len, 0, &err);
	assert_non_null(m);
	assert_true(vt_has_warning(m, "run past its segment"));
	assert_int_equal(m->nregions, 3);
	vms_map_free(m);
	/* n_namesz = 0: the note is skipped, the walk goes on. */
	memcpy(bad, img, len);
	put32le(bad + nt, 0);
	m = open_mem(bad, len, 0, &err);
	assert_non_null(m);
	vms_map_free(m);
	/* A name without its NUL, a zero-sized descriptor. */
	memcpy(bad, img, len);
	bad[nt + 12 + 4] = 'X';
	put32le(bad + nt + 4, 0);
	m = open_mem(bad, len, 0, &err);
	assert_non_null(m);
	vms_map_free(m);
	free(bad);
	free(img);
}

static void
t_bad_ntfile(void **state)
{
	static const uint64_t counts[] = {
		UINT64_C(0x8000000000000000),
		UINT64_C(0x5555555555555556),
		1000,
		3,
	};
	struct tspec s = {
		.is64 = 1, .machine = 62, .segs = std_segs, .nsegs = 3};
	struct vms_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct tnote n = {"CORE", 0x46494c45,
				  d_ntfile(0, 8, 4096, std_files, 2)};
		struct vms_map *m;
		unsigned char *img;
		size_t len;

		vt_buf_put(&n.desc, 0, counts[i], 8);
		s.notes = &n;
		s.nnotes = 1;
		img = build(&s, &len);
		m = open_mem(img, len, 0, &err);
		assert_non_null(m);
		assert_true(vt_has_warning(m, "NT_FILE note is malformed"));
		assert_int_equal(m->nregions, 3);
		vms_map_free(m);
		free(img);
		notes_free(&n, 1);
	}
}

static void
t_bad_phdrs(void **state)
{
	static const struct tseg segs[] = {
		{0x30000, 0x2000, 0x1000, PF_R},
		{0x10000, 0x3000, 0x1000, PF_R},
		{0x11000, 0x1000, 0x1000, PF_R | PF_W},
	};
	struct tspec s = {.is64 = 1, .machine = 62, .segs = segs, .nsegs = 3};
	struct vms_err err;
	struct vms_map *m;
	size_t len;
	unsigned char *img = build(&s, &len);

	(void)state;
	/* Unsorted and overlapping: sorted, the overlap clipped. */
	m = open_mem(img, len, 0, &err);
	assert_non_null(m);
	assert_int_equal(m->nregions, 2);
	assert_true(vt_has_warning(m, "overlap"));
	vms_map_free(m);
	/* e_phnum says more than there is. */
	img[56] = 0x60;
	img[57] = 0xea;
	m = open_mem(img, len, 0, &err);
	assert_null(m);
	assert_int_equal(err.code, VMS_E_TRUNCATED);
	/* e_phentsize smaller than a program header. */
	img[56] = 4;
	img[57] = 0;
	img[54] = 8;
	m = open_mem(img, len, 0, &err);
	assert_null(m);
	assert_int_equal(err.code, VMS_E_CORRUPT);
	/* No program headers at all. */
	img[56] = 0;
	m = open_mem(img, len, 0, &err);
	assert_null(m);
	/* A class that does not exist. */
	img[4] = 3;
	m = open_mem(img, len, 0, &err);
	assert_null(m);
	assert_int_equal(err.code, VMS_E_CORRUPT);
	free(img);
}

/* Every byte of headers and notes set to a few values: no crash. */
static void
t_byte_sweep(void **state)
{
	static const unsigned char vals[] = {0, 0xff, 0x80, 0x7f, 1};
	size_t len;
	unsigned char *img = std_core(0, 1, 20, 4, &len);
	unsigned char *bad = malloc(len);
	size_t head = 0x400 < len ? 0x400 : len;
	struct vms_err err;

	(void)state;
	for (size_t i = 0; i < head; i++) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			memcpy(bad, img, len);
			bad[i] = vals[v];
			vms_map_free(
				open_mem(bad, len, VMS_OPEN_BUILDIDS, &err));
		}
	}
	free(bad);
	free(img);
}

/* A NetBSD core: procinfo and one LWP's registers. */
static void
t_netbsd(void **state)
{
	struct tspec s = {
		.is64 = 1, .machine = 62, .segs = std_segs, .nsegs = 2};
	struct tnote n[2];
	struct vms_err err;
	struct vms_map *m;
	unsigned char *img;
	size_t len;

	(void)state;
	n[0] = (struct tnote){"NetBSD-CORE", 1, {.be = 0}};
	vt_buf_put(&n[0].desc, 0, 1, 4);
	vt_buf_put(&n[0].desc, 4, 160, 4);
	vt_buf_put(&n[0].desc, 8, 11, 4);
	vt_buf_put(&n[0].desc, 80, 578, 4);
	vt_buf_bytes(&n[0].desc, 124, "a.out", 6);
	vt_buf_put(&n[0].desc, 156, 1, 4);
	n[1] = (struct tnote){"NetBSD-CORE@1", 33, {.be = 0}};
	vt_buf_put(&n[1].desc, 21 * 8, 0x10010, 8);
	vt_buf_put(&n[1].desc, 24 * 8, 0x20ff0, 8);
	vt_buf_reserve(&n[1].desc, 26 * 8);
	s.notes = n;
	s.nnotes = 2;
	img = build(&s, &len);
	m = open_mem(img, len, 0, &err);
	if (m == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(m->proc.pid, 578);
	assert_string_equal(m->proc.comm, "a.out");
	assert_int_equal(m->proc.signo, 11);
	assert_int_equal(m->nthreads, 1);
	assert_int_equal(m->threads[0].tid, 1);
	assert_int_equal(m->threads[0].pc, 0x10010);
	assert_int_equal(m->threads[0].sp, 0x20ff0);
	assert_int_equal(m->proc.fault_tid, 1);
	vms_map_free(m);
	free(img);
	notes_free(n, 2);
}

/*
 * Real cores.
 */
struct real {
	char *dir; /* mkcores.sh's output */
	char *manifest;
};

static int
setup_real(void **state)
{
	struct real *rl = calloc(1, sizeof(*rl));
	char *script = vt_source_path("testdata/mkcores.sh");
	const char *argv[] = {"/bin/sh", script, VMS_SOURCE_DIR, NULL, NULL};
	struct vt_run run;

	rl->dir = vt_tmpdir();
	argv[3] = rl->dir;
	if (rl->dir == NULL || vt_run(argv, NULL, &run) < 0)
		return -1;
	vt_run_free(&run);
	free(script);
	script = vt_asprintf("%s/MANIFEST", rl->dir);
	rl->manifest = vt_read_file(script, NULL);
	free(script);
	*state = rl;
	return 0;
}

static int
teardown_real(void **state)
{
	struct real *rl = *state;

	if (rl != NULL) {
		if (getenv("VMS_KEEP_CORES") == NULL)
			vt_rmtree(rl->dir);
		free(rl->dir);
		free(rl->manifest);
		free(rl);
	}
	return 0;
}

/* The nth "core" line of the manifest, split. */
static int
manifest_core(const struct real *rl, size_t nth, char *kind, char *name,
	      char *core, char *maps)
{
	const char *p = rl->manifest;

	while (p != NULL && *p != '\0') {
		if (sscanf(p, "core %31s %31s %255s %255s", kind, name, core,
			   maps) == 4 &&
		    nth-- == 0)
			return 0;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

static void
print_skips(const struct real *rl)
{
	const char *p = rl->manifest;

	while (p != NULL && (p = strstr(p, "skip ")) != NULL) {
		const char *e = strchr(p, '\n');

		printf("real cores: SKIPPED %.*s\n",
		       (int)(e ? e - p - 5 : (ptrdiff_t)strlen(p + 5)), p + 5);
		p = e;
	}
}

static char *
run_out(const char *const argv[])
{
	struct vt_run r;
	char *out;

	if (vt_run(argv, NULL, &r) < 0 || r.status != 0) {
		if (r.status != -1)
			vt_run_free(&r);
		return NULL;
	}
	out = r.out;
	r.out = NULL;
	vt_run_free(&r);
	return out;
}

/* Compare with readelf -lW: every PT_LOAD is where the map says. */
static void
check_readelf(const struct vms_map *m, const char *core)
{
	const char *argv[] = {"/usr/bin/readelf", "-lW", core, NULL};
	char *out = run_out(argv), *line, *save = NULL;
	size_t loads = 0;

	if (out == NULL) {
		printf("real cores: readelf not available: not compared\n");
		return;
	}
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t off, va, pa, fs, ms;
		const struct vms_region *r;
		int n = 0;
		uint8_t prot = 0;

		if (sscanf(line,
			   " LOAD 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64
			   " 0x%" SCNx64 " 0x%" SCNx64 " %n",
			   &off, &va, &pa, &fs, &ms, &n) != 5 ||
		    ms == 0)
			continue;
		for (const char *f = line + n; *f != '\0' && *f != '0'; f++)
			prot |= *f == 'R'   ? VMS_PROT_R
				: *f == 'W' ? VMS_PROT_W
				: *f == 'E' ? VMS_PROT_X
					    : 0;
		loads++;
		r = region_at(m, va);
		assert_int_equal(r->data_offset, off);
		assert_int_equal(r->data_size, fs < r->end - r->start
						       ? fs
						       : r->end - r->start);
		assert_int_equal(r->prot, prot);
	}
	assert_true(loads > 0);
	free(out);
}

/* Compare with eu-readelf -n: every NT_FILE entry names its region. */
static void
check_eu_readelf(const struct vms_map *m, const char *core)
{
	const char *argv[] = {"/usr/bin/eu-readelf", "-n", core, NULL};
	char *out = run_out(argv), *line, *save = NULL;

	if (out == NULL) {
		printf("real cores: eu-readelf not available: not compared\n");
		return;
	}
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t s, e, off, sz;
		char path[512];
		const struct vms_region *r;

		if (sscanf(line,
			   " %" SCNx64 "-%" SCNx64 " %" SCNx64 " %" SCNu64
			   " %511s",
			   &s, &e, &off, &sz, path) != 5)
			continue;
		r = region_at(m, s);
		assert_non_null(r->path);
		assert_string_equal(r->path, path);
		assert_int_equal(r->offset, off);
	}
	free(out);
}

/*
 * Compare with /proc/PID/maps taken at dump time.  A kernel core has one
 * PT_LOAD per mapping, protections exact; gcore leaves out [vvar] and
 * marks every dumped segment readable.
 */
static void
check_maps(const struct vms_map *m, const char *maps, int gcore)
{
	char *text = vt_read_file(maps, NULL), *line, *save = NULL;
	size_t lines = 0;

	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t s, e, off;
		char perms[8], path[512] = "";
		const struct vms_region *r;
		uint8_t prot;

		if (sscanf(line,
			   "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64
			   " %*s %*s %511s",
			   &s, &e, perms, &off, path) < 4)
			continue;
		if (gcore && strncmp(path, "[vvar", 5) == 0)
			continue;
		lines++;
		r = region_at(m, s);
		assert_int_equal(r->end, e);
		prot = (uint8_t)((perms[0] == 'r' ? VMS_PROT_R : 0) |
				 (perms[1] == 'w' ? VMS_PROT_W : 0) |
				 (perms[2] == 'x' ? VMS_PROT_X : 0));
		if (!(r->has & VMS_HAS_PROT))
			assert_true(gcore);
		else if (gcore)
			assert_int_equal(r->prot & ~VMS_PROT_R,
					 prot & ~VMS_PROT_R);
		else
			assert_int_equal(r->prot, prot);
		if (path[0] == '/') {
			assert_non_null(r->path);
			assert_string_equal(r->path, path);
			assert_int_equal(r->offset, off);
		}
	}
	assert_int_equal(lines, m->nregions);
	free(text);
}

static void
t_real(void **state)
{
	struct real *rl = *state;
	char kind[32], name[32], core[256], maps[256];
	size_t i;

	print_skips(rl);
	for (i = 0; manifest_core(rl, i, kind, name, core, maps) == 0; i++) {
		char *path = vt_asprintf("%s/%s", rl->dir, core);
		char *comm = vt_asprintf("coreprog%s%s",
					 strcmp(name, "native") ? "." : "",
					 strcmp(name, "native") ? name : "");
		struct vms_err err;
		struct vms_map *m = vms_open(path, NULL, &err);
		int crash = strcmp(kind, "gcore") != 0;

		if (m == NULL)
			fail_msg("%s: %s", core, err.msg);
		printf("real cores: %s %s (%s): %zu regions, %zu threads\n",
		       kind, name, m->arch.name, m->nregions, m->nthreads);
		check_readelf(m, path);
		check_eu_readelf(m, path);
		if (strcmp(maps, "-") != 0) {
			char *mp = vt_asprintf("%s/%s", rl->dir, maps);

			check_maps(m, mp, !crash);
			free(mp);
		}
		/* The main thread and two more, each with its stack. */
		assert_int_equal(m->nthreads, 3);
		for (size_t t = 0; t < m->nthreads; t++) {
			const struct vms_region *st =
				vms_map_find(m, m->threads[t].sp);
			const struct vms_region *pc =
				vms_map_find(m, m->threads[t].pc);

			assert_non_null(st);
			assert_true(st->prot & VMS_PROT_W);
			assert_non_null(pc);
			if (pc->has & VMS_HAS_PROT)
				assert_true(pc->prot & VMS_PROT_X);
		}
		assert_true(m->proc.has & VMS_P_PID);
		assert_int_equal(strncmp(m->proc.comm, comm, 15), 0);
		/* gdb keeps only the first word of the command line. */
		assert_true(m->proc.argc >= 1);
		if (crash) {
			assert_int_equal(m->proc.argc, 3);
			assert_string_equal(m->proc.argv[1], "crash");
		}
		if (crash) {
			assert_int_equal(m->proc.signo, 11);
			assert_int_equal(m->threads[0].tid, m->proc.pid);
			if (m->proc.has & VMS_P_FAULT_ADDR)
				assert_int_equal(m->proc.fault_addr, 0x1234);
		}
		vms_map_free(m);
		free(comm);
		free(path);
	}
	if (i == 0) {
		printf("real cores: none could be made: SKIPPED\n");
		skip();
	}
}

/* Two maps of the same core read two ways are the same. */
static void
same_map(const struct vms_map *a, const struct vms_map *b)
{
	assert_int_equal(a->nregions, b->nregions);
	for (size_t i = 0; i < a->nregions; i++) {
		const struct vms_region *x = &a->regions[i],
					*y = &b->regions[i];

		assert_int_equal(x->start, y->start);
		assert_int_equal(x->end, y->end);
		assert_int_equal(x->has, y->has);
		assert_int_equal(x->prot, y->prot);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->data_offset, y->data_offset);
		assert_int_equal(x->data_size, y->data_size);
		assert_int_equal(x->offset, y->offset);
		assert_int_equal(x->label, y->label);
		assert_int_equal(!x->path, !y->path);
		if (x->path)
			assert_string_equal(x->path, y->path);
		assert_int_equal(x->build_id_len, y->build_id_len);
		if (x->build_id_len)
			assert_memory_equal(x->build_id, y->build_id,
					    x->build_id_len);
	}
	assert_int_equal(a->nthreads, b->nthreads);
	for (size_t i = 0; i < a->nthreads; i++) {
		assert_int_equal(a->threads[i].tid, b->threads[i].tid);
		assert_int_equal(a->threads[i].sp, b->threads[i].sp);
	}
	assert_int_equal(a->proc.pid, b->proc.pid);
	assert_int_equal(a->proc.fault_addr, b->proc.fault_addr);
	assert_int_equal(a->nwarnings, b->nwarnings);
}

/* The first real core of the manifest, or NULL. */
static char *
some_core(const struct real *rl, const char *want)
{
	char kind[32], name[32], core[256], maps[256];

	for (size_t i = 0; manifest_core(rl, i, kind, name, core, maps) == 0;
	     i++)
		if (want == NULL || strcmp(kind, want) == 0)
			return vt_asprintf("%s/%s", rl->dir, core);
	return NULL;
}

/* Read path as standard input from a pipe. */
static struct vms_map *
open_stdin(const char *path, const struct vms_open_opts *o, struct vms_err *err)
{
	int fds[2], saved = dup(0), st;
	struct vms_map *m;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t n;
		char *data;

		close(fds[0]);
		data = vt_read_file(path, &n);
		for (size_t off = 0; data != NULL && off < n;) {
			ssize_t k = write(fds[1], data + off, n - off);

			if (k <= 0)
				break;
			off += (size_t)k;
		}
		_exit(0);
	}
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	m = vms_open("-", o, err);
	dup2(saved, 0);
	close(saved);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return m;
}

static void
t_compressed(void **state)
{
	static const struct {
		const char *tool, *ext, *fmt;
	} z[] = {
		{"gzip", "gz", "elf+gzip"},
		{"zstd", "zst", "elf+zstd"},
		{"xz", "xz", "elf+xz"},
		{"lz4", "lz4", "elf+lz4"},
	};
	struct real *rl = *state;
	struct vms_open_opts o = {.flags = VMS_OPEN_BUILDIDS};
	char *core = some_core(rl, "kernel");
	struct vms_map *plain, *m;
	struct vms_err err;

	if (core == NULL)
		core = some_core(rl, NULL);
	if (core == NULL) {
		printf("compressed cores: no real core: SKIPPED\n");
		skip();
		return;
	}
	plain = vms_open(core, &o, &err);
	assert_non_null(plain);
	m = open_stdin(core, &o, &err);
	if (m == NULL)
		fail_msg("stdin: %s", err.msg);
	same_map(plain, m);
	vms_map_free(m);
	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		char *tool = vt_asprintf("/usr/bin/%s", z[i].tool);
		char *out = vt_asprintf("%s.%s", core, z[i].ext);
		char *cmd =
			vt_asprintf("%s -c -1 '%s' > '%s'", tool, core, out);
		const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
		struct vt_run r;
		char *data, *cut;
		size_t n;

		if (access(tool, X_OK) != 0 || vt_run(argv, NULL, &r) < 0 ||
		    r.status != 0) {
			printf("compressed cores: %s not available: SKIPPED\n",
			       z[i].tool);
			free(tool), free(out), free(cmd);
			continue;
		}
		vt_run_free(&r);
		m = vms_open(out, &o, &err);
		if (m == NULL)
			fail_msg("%s: %s", out, err.msg);
		assert_string_equal(m->source.format, z[i].fmt);
		same_map(plain, m);
		vms_map_free(m);
		m = open_stdin(out, &o, &err);
		if (m == NULL)
			fail_msg("stdin %s: %s", out, err.msg);
		same_map(plain, m);
		vms_map_free(m);
		/* Cut short, and damaged: a clean error naming the file. */
		data = vt_read_file(out, &n);
		cut = vt_asprintf("%s.cut", out);
		assert_int_equal(vt_write_file(cut, data, 40), 0);
		m = vms_open(cut, &o, &err);
		assert_null(m);
		assert_non_null(strstr(err.msg, cut));
		assert_null(strchr(err.msg, '\n'));
		for (size_t k = 20; k < 120 && k < n; k++)
			data[k] ^= 0x55;
		assert_int_equal(vt_write_file(cut, data, n), 0);
		m = vms_open(cut, &o, &err);
		if (m == NULL) {
			assert_non_null(strstr(err.msg, cut));
			assert_null(strchr(err.msg, '\n'));
		}
		vms_map_free(m);
		/*
		 * zstd, xz and lz4 are loaded on first use: without the
		 * library, a one-line error that says which, then fine
		 * again once it can be loaded.
		 */
		if (i > 0) {
			const char *c = z[i].fmt + 4;

			assert_int_equal(vms_input_codec_soname(
						 c, "libvmscope-none.so.0"),
					 0);
			m = vms_open(out, &o, &err);
			assert_null(m);
			assert_int_equal(err.code, VMS_E_UNSUPPORTED);
			assert_non_null(strstr(err.msg, out));
			assert_non_null(strstr(err.msg, "libvmscope-none.so.0 "
							"cannot be loaded"));
			assert_null(strchr(err.msg, '\n'));
			assert_int_equal(vms_input_codec_soname(c, NULL), 0);
			m = vms_open(out, &o, &err);
			if (m == NULL)
				fail_msg("%s again: %s", out, err.msg);
			vms_map_free(m);
		}
		printf("compressed cores: %s ok\n", z[i].tool);
		free(data), free(cut), free(tool), free(out), free(cmd);
	}
	vms_map_free(plain);
	free(core);
}

/* The build-id of a file, as readelf -n prints it; malloc'ed hex. */
static char *
readelf_build_id(const char *file)
{
	const char *argv[] = {"/usr/bin/readelf", "-n", file, NULL};
	char *out = run_out(argv), *p, *id = NULL;

	if (out != NULL && (p = strstr(out, "Build ID: ")) != NULL) {
		p += 10;
		id = vt_asprintf("%.*s", (int)strcspn(p, " \n"), p);
	}
	free(out);
	return id;
}

static void
t_build_ids(void **state)
{
	struct real *rl = *state;
	struct vms_open_opts o = {.flags = VMS_OPEN_BUILDIDS};
	char *core = some_core(rl, "kernel"), *prog, *want;
	const struct vms_region *r = NULL;
	struct vms_map *m;
	struct vms_err err;
	char got[129];

	if (core == NULL) {
		printf("build-ids: no kernel core: SKIPPED\n");
		skip();
		return;
	}
	prog = vt_asprintf("%s/coreprog", rl->dir);
	want = readelf_build_id(prog);
	m = vms_open(core, &o, &err);
	if (m == NULL)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < m->nregions; i++)
		if (m->regions[i].path != NULL &&
		    strcmp(m->regions[i].path, prog) == 0)
			r = &m->regions[i];
	assert_non_null(r);
	assert_true(r->build_id_len > 0 && r->build_id_len <= 64);
	for (size_t i = 0; i < r->build_id_len; i++)
		sprintf(got + 2 * i, "%02x", r->build_id[i]);
	if (want != NULL)
		assert_string_equal(got, want);
	assert_false(vt_has_warning(m, "stale"));
	vms_map_free(m);
	/* Replace the program by another one: a stale library. */
	{
		char *other = vt_asprintf("%s/coreprog.i686", rl->dir);
		size_t n;
		char *data = vt_read_file(other, &n);
		char *oid = readelf_build_id(other);

		if (data != NULL && oid != NULL) {
			assert_int_equal(vt_write_file(prog, data, n), 0);
			m = vms_open(core, &o, &err);
			assert_non_null(m);
			assert_true(vt_has_warning(m, "stale"));
			vms_map_free(m);
		}
		free(oid);
		free(data);
		free(other);
	}
	free(want);
	free(prog);
	free(core);
}

/* Write the in-memory cores as fuzz seeds. */
static int
write_seeds(const char *dir)
{
	static const struct {
		int is64, be;
		uint16_t machine;
		unsigned align;
	} k[] = {
		{1, 0, 62, 4}, {1, 1, 21, 8}, {0, 0, 3, 4},
		{0, 1, 20, 4}, {0, 0, 62, 4},
	};
	static const char *const names[] = {
		"x86_64", "ppc64", "i386", "ppc", "x32",
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		size_t len;
		unsigned char *img = std_core(k[i].is64, k[i].be, k[i].machine,
					      k[i].align, &len);
		char *path = vt_asprintf("%s/%s.core", dir, names[i]);

		if (vt_write_file(path, img, len) < 0)
			return 1;
		free(path);
		free(img);
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest built[] = {
		cmocka_unit_test(t_classes),
		cmocka_unit_test(t_xnum),
		cmocka_unit_test(t_ntfile_layouts),
		cmocka_unit_test(t_not_core),
		cmocka_unit_test(t_truncated),
		cmocka_unit_test(t_bad_notes),
		cmocka_unit_test(t_bad_ntfile),
		cmocka_unit_test(t_bad_phdrs),
		cmocka_unit_test(t_byte_sweep),
		cmocka_unit_test(t_netbsd),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(t_real),
		cmocka_unit_test(t_compressed),
		cmocka_unit_test(t_build_ids),
	};
	const char *seeds = getenv("VMS_WRITE_SEEDS");
	int fails;

	if (seeds != NULL)
		return write_seeds(seeds);
	fails = cmocka_run_group_tests_name("built", built, NULL, NULL);
	fails += cmocka_run_group_tests_name("real", real, setup_real,
					     teardown_real);
	return fails != 0;
}
