/*
 * snapshot.c - the vmscope snapshot format, vmscope-snapshot(5): the
 * reader (probe, load, verify), the writer, and the reader of the bytes
 * of regions (CONT chunks) that the writer pulls from to convert them.
 *
 * All integers are little-endian; nothing is a dumped C struct.
 *
 *   file   = header frame+
 *   header = magic[8] major:u16 minor:u16 crc:u32
 *            magic is 89 'V' 'M' 'S' 0d 0a 1a 0a (as PNG's: a newline,
 *            8-bit or end-of-file mangling breaks it); crc is the CRC-32
 *            of the 12 bytes before it.
 *   frame  = chunk* END
 *   chunk  = type:u32 flags:u32 stored:u32 raw:u32 rawcrc:u32 hcrc:u32
 *            payload[stored]
 *            type is four ASCII letters ("REGN" as bytes); flags bit 0
 *            is CRITICAL (a reader that does not know the type must
 *            stop), the other bits are reserved (written 0, ignored);
 *            payload is one zlib stream (RFC 1950) that inflates to
 *            exactly raw bytes whose CRC-32 is rawcrc; hcrc is the
 *            CRC-32 of the 20 header bytes before it.
 *   END    = a chunk whose raw bytes are count:u32 hcrc:u32 pcrc:u32:
 *            the number of chunks before it in the frame, the CRC-32 of
 *            their headers (24 bytes each, in order) and the CRC-32 of
 *            their payloads as stored (deflate's padding bits change no
 *            raw byte; this catches their corruption too).
 *
 * The raw bytes of a chunk are varints (LEB128, at most 10 bytes),
 * zigzag varints for signed values and deltas, and single bytes; strings
 * are indices into the frame's string table (STRS; 0 is NULL).  The
 * regions (REGN) are stored column by column, each field of every region
 * together, as deltas from the neighbour where that helps; a field whose
 * `has' bit is clear is not stored at all, so unknown stays unknown.
 * The man page lists every field.  A known chunk may grow at its end in
 * a later minor version; a reader of an older minor ignores the rest.
 *
 * Each frame is complete in itself.  The reader keeps the last complete
 * frame (or the one asked for); damage after a complete frame becomes a
 * warning ("truncated after frame N") and reading goes on with what is
 * whole.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

#define HDR_SIZE 16
#define CHDR_SIZE 24
#define F_CRITICAL 0x1u
#define MAX_RAW ((size_t)256 << 20)       /* one chunk, inflated */
#define MAX_FRAME ((uint64_t)1 << 30)     /* one frame, inflated */
#define MAX_RATIO 1032                    /* deflate's best ratio */
#define READ_STEP ((size_t)1 << 20)
#define DEFAULT_LEVEL 1

#define TAG(a, b, c, d)                                             \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | \
	 (uint32_t)(d) << 24)
#define T_STRS TAG('S', 'T', 'R', 'S')
#define T_PROC TAG('P', 'R', 'O', 'C')
#define T_REGN TAG('R', 'E', 'G', 'N')
#define T_THRD TAG('T', 'H', 'R', 'D')
#define T_AUXV TAG('A', 'U', 'X', 'V')
#define T_WARN TAG('W', 'A', 'R', 'N')
#define T_PAGE TAG('P', 'A', 'G', 'E')
#define T_CONT TAG('C', 'O', 'N', 'T')
#define T_END TAG('E', 'N', 'D', ' ')

static const unsigned char magic[8] = {0x89, 'V', 'M', 'S',
				       '\r', '\n', 0x1a, '\n'};

static const struct {
	uint32_t type;
	uint32_t flags;
} known[] = {
	{T_STRS, F_CRITICAL}, {T_PROC, F_CRITICAL}, {T_REGN, F_CRITICAL},
	{T_THRD, 0},          {T_AUXV, 0},          {T_WARN, 0},
	{T_PAGE, 0},          {T_CONT, 0},
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

static void
put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t
crc(const void *p, size_t n)
{
	return (uint32_t)crc32_z(0, p, n);
}

static uint64_t
zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t
unzz(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void
tagname(uint32_t type, char out[5])
{
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(type >> (8 * i));

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[4] = '\0';
}

/* The common power of two of nonzero values, as a shift. */
static unsigned
tz(uint64_t v)
{
	return v == 0 ? 64 : (unsigned)__builtin_ctzll(v);
}

/* ---------------------------------------------------------------- */
/* Writing */

struct buf {
	unsigned char *p;
	size_t len, cap;
	int failed;
};

static unsigned char *
room(struct buf *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (n > SIZE_MAX - b->len ||
	    vms_grow((void **)&b->p, &b->cap, b->len + n, 1, NULL) < 0) {
		b->failed = 1;
		return NULL;
	}
	return b->p + b->len;
}

static void
put_bytes(struct buf *b, const void *s, size_t n)
{
	unsigned char *p = room(b, n);

	if (p != NULL && n > 0) {
		memcpy(p, s, n);
		b->len += n;
	}
}

static void
put_u8(struct buf *b, unsigned v)
{
	unsigned char *p = room(b, 1);

	if (p != NULL) {
		*p = (unsigned char)v;
		b->len++;
	}
}

static void
put_var(struct buf *b, uint64_t v)
{
	unsigned char *p = room(b, 10);
	size_t n = 0;

	if (p == NULL)
		return;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	b->len += n;
}

static void
put_zz(struct buf *b, int64_t v)
{
	put_var(b, zz(v));
}

/* The string table of a frame being written. */
struct sent {
	const char *s;
	size_t n;
	uint32_t hash;
	uint32_t idx;
};

struct strtab {
	struct sent *tab;
	size_t size, used;
	struct buf out;          /* the entries, in index order */
};

static uint32_t
fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int
stab_grow(struct strtab *t)
{
	size_t nsize = t->size ? t->size * 2 : 1024;
	struct sent *nt;

	if (nsize > SIZE_MAX / sizeof(*nt) ||
	    (nt = calloc(nsize, sizeof(*nt))) == NULL)
		return -1;
	for (size_t i = 0; i < t->size; i++) {
		size_t j;

		if (t->tab[i].s == NULL)
			continue;
		for (j = t->tab[i].hash & (nsize - 1); nt[j].s != NULL;
		     j = (j + 1) & (nsize - 1))
			;
		nt[j] = t->tab[i];
	}
	free(t->tab);
	t->tab = nt;
	t->size = nsize;
	return 0;
}

/* The index of s (from 1; 0 stands for NULL), added when new. */
static uint64_t
stab_add(struct strtab *t, const char *s, size_t n)
{
	uint32_t h;
	size_t i;

	if (s == NULL || t->out.failed)
		return 0;
	if (t->used * 2 >= t->size && stab_grow(t) < 0) {
		t->out.failed = 1;
		return 0;
	}
	h = fnv(s, n);
	for (i = h & (t->size - 1); t->tab[i].s != NULL;
	     i = (i + 1) & (t->size - 1))
		if (t->tab[i].hash == h && t->tab[i].n == n &&
		    memcmp(t->tab[i].s, s, n) == 0)
			return t->tab[i].idx;
	if (t->used >= UINT32_MAX - 1) {
		t->out.failed = 1;
		return 0;
	}
	t->tab[i] = (struct sent){s, n, h, (uint32_t)++t->used};
	put_var(&t->out, n);
	put_bytes(&t->out, s, n);
	return t->tab[i].idx;
}

static uint64_t
str(struct strtab *t, const char *s)
{
	return s == NULL ? 0 : stab_add(t, s, strlen(s));
}

static void
put_proc(struct buf *b, struct strtab *t, const struct vms_map *map)
{
	const struct vms_process *p = &map->proc;
	const struct vms_source *src = &map->source;
	int snap = src->kind == VMS_SOURCE_SNAPSHOT;

	put_var(b, map->has);
	if (map->has & VMS_P_PAGE_SIZE)
		put_var(b, map->page_size);
	put_var(b, p->has);
	if (p->has & VMS_P_PID)
		put_zz(b, p->pid);
	if (p->has & VMS_P_PPID)
		put_zz(b, p->ppid);
	if (p->has & VMS_P_UID)
		put_zz(b, p->uid);
	if (p->has & VMS_P_GID)
		put_zz(b, p->gid);
	put_var(b, str(t, p->comm));
	put_var(b, str(t, p->exe));
	put_var(b, p->argc);
	for (size_t i = 0; i < p->argc; i++)
		put_var(b, str(t, p->argv[i]));
	put_u8(b, (unsigned char)p->state);
	if (p->has & VMS_P_FAULT) {
		put_zz(b, p->signo);
		put_zz(b, p->sigcode);
	}
	if (p->has & VMS_P_FAULT_ADDR)
		put_var(b, p->fault_addr);
	if (p->has & VMS_P_FAULT_TID)
		put_var(b, p->fault_tid);
	put_var(b, map->arch.machine);
	put_u8(b, map->arch.wordsize);
	put_u8(b, map->arch.big_endian);
	put_var(b, str(t, map->arch.name));
	/* A snapshot of a snapshot names the original source. */
	put_var(b, snap ? src->from_kind : src->kind);
	put_var(b, str(t, snap ? src->from_name : src->name));
	put_var(b, str(t, snap ? src->from_format : src->format));
	put_var(b, str(t, src->host));
	put_var(b, str(t, src->kernel));
	put_var(b, str(t, src->boot_id));
	if (map->has & VMS_P_CAPTURE_TIME) {
		put_zz(b, src->capture_sec);
		put_zz(b, src->capture_nsec);
	}
	put_var(b, str(t, "vmscope " VMS_VERSION));
}

/*
 * REGN's columns.  Each holds one kind of field of every region, in
 * region order; the reader finds them all by their lengths and decodes
 * the regions in one pass.
 */
enum {
	C_HAS,          /* has, XOR the previous region's */
	C_RANGE,        /* start - previous end, end - start (shifted) */
	C_PROT,         /* prot, maxprot */
	C_FLAGS,        /* flags */
	C_LABEL,        /* label, role, share */
	C_THP,          /* thp_eligible, pkey */
	C_PATH,         /* path index - previous path index, name index */
	C_OFFSET,       /* offset - predicted (shifted) */
	C_DEVINO,       /* dev major, dev minor, inode - previous inode */
	C_VMFLAGS,      /* vmflags XOR previous, vmflags_other index */
	C_DATA,         /* data_offset - previous data end, data_size */
	C_MISC,         /* label_id, build-id index */
	C_CTR,          /* one column per counter */
	NCOLS = C_CTR + VMS_C__COUNT
};
#define NSHIFTS (3 + VMS_C__COUNT)

/* What REGN stores of a region's neighbours, for deltas. */
struct prev {
	uint64_t end, has, vmflags, inode, path, off_end, data_end;
	int has_off;
};

static unsigned
shift_min(unsigned cur, uint64_t v)
{
	unsigned t = tz(v);

	return t < cur ? t : cur;
}

/*
 * The common alignment of the addresses, offsets, data and each counter:
 * stored once, so that page-sized values cost a byte, not two.
 */
static void
shifts(const struct vms_map *map, unsigned sh[NSHIFTS])
{
	for (int k = 0; k < NSHIFTS; k++)
		sh[k] = 64;
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		sh[0] = shift_min(sh[0], r->start | r->end);
		if (r->has & VMS_HAS_OFFSET)
			sh[1] = shift_min(sh[1], r->offset);
		if (r->has & VMS_HAS_DATA)
			sh[2] = shift_min(sh[2], r->data_offset | r->data_size);
		for (int c = 0; c < VMS_C__COUNT; c++)
			if (r->has & VMS_HAS_CTR(c))
				sh[3 + c] = shift_min(sh[3 + c],
						      r->counters[c]);
	}
	for (int k = 0; k < NSHIFTS; k++)
		sh[k] = sh[k] > 63 ? 0 : sh[k];
}

static void
put_region(struct buf *col, struct strtab *t, const struct vms_region *r,
	   const unsigned sh[NSHIFTS], struct prev *pv, unsigned cflag)
{
	uint64_t p = str(t, r->path);

	put_var(&col[C_HAS], r->has ^ pv->has);
	put_zz(&col[C_RANGE], (int64_t)((r->start >> sh[0]) -
					(pv->end >> sh[0])));
	put_zz(&col[C_RANGE], (int64_t)((r->end >> sh[0]) -
					(r->start >> sh[0])));
	if (r->has & VMS_HAS_PROT)
		put_u8(&col[C_PROT], r->prot);
	if (r->has & VMS_HAS_MAXPROT)
		put_u8(&col[C_PROT], r->maxprot);
	put_u8(&col[C_FLAGS], (r->flags & ~VMS_RF_CONTENTS) | cflag);
	put_u8(&col[C_LABEL], r->label);
	put_u8(&col[C_LABEL], r->role);
	put_u8(&col[C_LABEL], r->share);
	if (r->has & VMS_HAS_THP)
		put_u8(&col[C_THP], (uint8_t)r->thp_eligible);
	if (r->has & VMS_HAS_PKEY)
		put_u8(&col[C_THP], (uint8_t)r->pkey);
	put_zz(&col[C_PATH], (int64_t)(p - pv->path));
	put_var(&col[C_PATH], str(t, r->name));
	if (r->has & VMS_HAS_OFFSET) {
		/* The next piece of the same file is the usual case. */
		uint64_t pred = pv->has_off && p == pv->path ? pv->off_end : 0;

		put_zz(&col[C_OFFSET], (int64_t)((r->offset >> sh[1]) -
						 (pred >> sh[1])));
		pv->off_end = r->offset + (r->end - r->start);
	}
	if (r->has & VMS_HAS_DEVINO) {
		put_var(&col[C_DEVINO], r->dev_major);
		put_var(&col[C_DEVINO], r->dev_minor);
		put_zz(&col[C_DEVINO], (int64_t)(r->inode - pv->inode));
		pv->inode = r->inode;
	}
	if (r->has & VMS_HAS_VMFLAGS) {
		put_var(&col[C_VMFLAGS], r->vmflags ^ pv->vmflags);
		pv->vmflags = r->vmflags;
	}
	put_var(&col[C_VMFLAGS], str(t, r->vmflags_other));
	if (r->has & VMS_HAS_DATA) {
		put_zz(&col[C_DATA], (int64_t)((r->data_offset >> sh[2]) -
					       (pv->data_end >> sh[2])));
		put_var(&col[C_DATA], r->data_size >> sh[2]);
		pv->data_end = r->data_offset + r->data_size;
	}
	put_var(&col[C_MISC], r->label_id);
	put_var(&col[C_MISC], r->build_id == NULL ? 0 :
			      stab_add(t, (const char *)r->build_id,
				       r->build_id_len));
	for (int c = 0; c < VMS_C__COUNT; c++)
		if (r->has & VMS_HAS_CTR(c))
			put_var(&col[C_CTR + c], r->counters[c] >> sh[3 + c]);
	pv->has = r->has;
	pv->end = r->end;
	pv->path = p;
	pv->has_off = (r->has & VMS_HAS_OFFSET) != 0;
}

static void
put_regions(struct buf *b, struct strtab *t, const struct vms_map *map,
	    const struct vms_contents *c)
{
	struct buf col[NCOLS] = {{0}};
	unsigned sh[NSHIFTS];
	struct prev pv = {0};

	shifts(map, sh);
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		put_region(col, t, r, sh, &pv,
			   c != NULL && vms_contents_wants(c, r) ?
				   VMS_RF_CONTENTS :
				   0);
	}
	put_var(b, map->nregions);
	for (int k = 0; k < NSHIFTS; k++)
		put_u8(b, sh[k]);
	put_var(b, NCOLS);
	for (int k = 0; k < NCOLS; k++) {
		put_var(b, col[k].len);
		b->failed |= col[k].failed;
	}
	for (int k = 0; k < NCOLS; k++) {
		put_bytes(b, col[k].p, col[k].len);
		free(col[k].p);
	}
}

static void
put_threads(struct buf *b, struct strtab *t, const struct vms_map *map)
{
	uint64_t prev = 0;

	put_var(b, map->nthreads);
	for (size_t i = 0; i < map->nthreads; i++) {
		const struct vms_thread *th = &map->threads[i];

		put_zz(b, (int64_t)(th->tid - prev));
		prev = th->tid;
		put_var(b, th->has);
		if (th->has & VMS_THR_HAS_SP)
			put_var(b, th->sp);
		if (th->has & VMS_THR_HAS_PC)
			put_var(b, th->pc);
		put_zz(b, th->signo);
		put_var(b, str(t, th->name));
	}
}

static void
put_auxv(struct buf *b, const struct vms_map *map)
{
	put_var(b, map->nauxv);
	for (size_t i = 0; i < map->nauxv; i++) {
		put_var(b, map->auxv[i].type);
		put_var(b, map->auxv[i].value);
	}
}

static void
put_warnings(struct buf *b, struct strtab *t, const struct vms_map *map)
{
	put_var(b, map->nwarnings);
	for (size_t i = 0; i < map->nwarnings; i++)
		put_var(b, str(t, map->warnings[i]));
}

/*
 * PAGE: the runs of pages, in units of a common power of two, each as the
 * gap from the end of the previous run (or the region's start) and its
 * length.
 */
static void
put_pages(struct buf *b, const struct vms_map *map)
{
	unsigned sh = 64;
	size_t prev = 0;

	for (size_t i = 0; i < map->npages; i++) {
		const struct vms_pages *pg = &map->pages[i];
		uint64_t at = map->regions[pg->region].start;

		for (size_t k = 0; k < pg->nruns; k++) {
			sh = shift_min(sh, pg->runs[k].start - at);
			sh = shift_min(sh, pg->runs[k].end - pg->runs[k].start);
			at = pg->runs[k].end;
		}
	}
	sh = sh > 63 ? 0 : sh;
	put_var(b, map->npages);
	put_u8(b, sh);
	for (size_t i = 0; i < map->npages; i++) {
		const struct vms_pages *pg = &map->pages[i];
		uint64_t at = map->regions[pg->region].start;

		put_var(b, pg->region - prev);
		prev = pg->region + 1;
		put_var(b, pg->known);
		put_var(b, pg->nruns);
		for (size_t k = 0; k < pg->nruns; k++) {
			const struct vms_page_run *run = &pg->runs[k];

			put_var(b, (run->start - at) >> sh);
			put_var(b, (run->end - run->start) >> sh);
			put_var(b, run->flags);
			at = run->end;
		}
	}
}

/* A chunk: its header, then raw deflated as one zlib stream. */
static int
put_chunk(struct buf *out, uint32_t type, uint32_t flags,
	  const struct buf *raw, int level, uint32_t sum[2],
	  struct vms_err *err)
{
	uLongf stored;
	unsigned char *h;
	int zr;

	if (raw->len > MAX_RAW)
		return vms_err_set(err, VMS_E_LIMIT, 0,
				   "snapshot: a chunk of %zu bytes exceeds "
				   "the limit",
				   raw->len);
	stored = compressBound((uLong)raw->len);
	h = room(out, CHDR_SIZE + stored);
	if (h == NULL)
		return vms_err_nomem(err);
	zr = compress2(h + CHDR_SIZE, &stored, raw->len ? raw->p : h,
		       (uLong)raw->len, level);
	if (zr != Z_OK)
		return vms_err_set(err, zr == Z_MEM_ERROR ? VMS_E_NOMEM :
				   VMS_E_INVAL, zr,
				   "snapshot: zlib: %s", zError(zr));
	put32(h, type);
	put32(h + 4, flags);
	put32(h + 8, (uint32_t)stored);
	put32(h + 12, (uint32_t)raw->len);
	put32(h + 16, raw->len ? crc(raw->p, raw->len) : 0);
	put32(h + 20, crc(h, 20));
	if (sum != NULL) {
		sum[0] = (uint32_t)crc32_z(sum[0], h, CHDR_SIZE);
		sum[1] = (uint32_t)crc32_z(sum[1], h + CHDR_SIZE, stored);
	}
	out->len += CHDR_SIZE + stored;
	return 0;
}

/* What the reader would refuse is not written either. */
static int
check_map(const struct vms_map *map, struct vms_err *err)
{
	enum vms_source_kind k = map->source.kind == VMS_SOURCE_SNAPSHOT ?
					 map->source.from_kind :
					 map->source.kind;

	if ((unsigned)k > VMS_SOURCE_MACHO_CORE)
		return vms_err_set(err, VMS_E_INVAL, 0,
				   "snapshot: source kind %u is not valid",
				   (unsigned)k);
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		if (r->label >= VMS_LABEL__COUNT ||
		    r->role >= VMS_ROLE__COUNT ||
		    r->share >= VMS_SHARE__COUNT)
			return vms_err_set(err, VMS_E_INVAL, 0,
					   "snapshot: region at 0x%" PRIx64
					   ": label, role or share out of "
					   "range",
					   r->start);
	}
	for (size_t i = 0; i < map->npages; i++) {
		const struct vms_pages *pg = &map->pages[i];
		const struct vms_region *r;
		uint64_t at;

		if (pg->region >= map->nregions ||
		    (i > 0 && pg->region <= map->pages[i - 1].region))
			return vms_err_set(err, VMS_E_INVAL, 0,
					   "snapshot: page state %zu: region "
					   "%zu out of order",
					   i, pg->region);
		r = &map->regions[pg->region];
		at = r->start;
		for (size_t j = 0; j < pg->nruns; j++) {
			const struct vms_page_run *run = &pg->runs[j];

			if (run->start < at || run->end <= run->start ||
			    run->end > r->end || run->flags == 0)
				return vms_err_set(err, VMS_E_INVAL, 0,
						   "snapshot: region at 0x%"
						   PRIx64 ": page run %zu is "
						   "empty, out of order or "
						   "outside",
						   r->start, j);
			at = run->end;
		}
	}
	return 0;
}

static int
write_all(int fd, const unsigned char *p, size_t n, struct vms_err *err)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return vms_err_set(err, VMS_E_IO, errno,
					   "snapshot: write: %s",
					   strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A frame being written: to memory, or to fd as it goes. */
struct fw {
	struct buf out;
	uint32_t sum[2];
	uint32_t count;          /* chunks before END */
	int level;
	int fd;                  /* -1: all in out */
};

static int
fw_flush(struct fw *f, struct vms_err *err)
{
	if (f->fd < 0 || f->out.len == 0)
		return 0;
	if (write_all(f->fd, f->out.p, f->out.len, err) < 0)
		return -1;
	f->out.len = 0;
	return 0;
}

/* Every chunk of the map itself: the file header first if asked. */
static int
put_map(struct fw *f, const struct vms_map *map, int header,
	const struct vms_contents *c, struct vms_err *err)
{
	struct buf parts[NKNOWN] = {{0}};
	struct strtab t = {0};
	int rc = -1;

	/* The table is filled by the others, and written first. */
	put_proc(&parts[1], &t, map);
	put_regions(&parts[2], &t, map, c);
	if (map->nthreads > 0)
		put_threads(&parts[3], &t, map);
	if (map->nauxv > 0)
		put_auxv(&parts[4], map);
	if (map->nwarnings > 0)
		put_warnings(&parts[5], &t, map);
	if (map->npages > 0)
		put_pages(&parts[6], map);
	put_var(&parts[0], t.used);
	put_bytes(&parts[0], t.out.p, t.out.len);
	if (header) {
		unsigned char *h = room(&f->out, HDR_SIZE);

		if (h != NULL) {
			memcpy(h, magic, sizeof(magic));
			h[8] = VMS_SNAP_MAJOR;
			h[9] = 0;
			h[10] = VMS_SNAP_MINOR;
			h[11] = 0;
			put32(h + 12, crc(h, 12));
			f->out.len += HDR_SIZE;
		}
	}
	for (size_t i = 0; i < NKNOWN; i++)
		if (parts[i].failed || t.out.failed || f->out.failed) {
			vms_err_nomem(err);
			goto out;
		}
	for (size_t i = 0; i < NKNOWN; i++) {
		if (i >= 3 && parts[i].len == 0)
			continue;
		if (put_chunk(&f->out, known[i].type, known[i].flags,
			      &parts[i], f->level, f->sum, err) < 0)
			goto out;
		f->count++;
	}
	rc = 0;
out:
	for (size_t i = 0; i < NKNOWN; i++)
		free(parts[i].p);
	free(t.out.p);
	free(t.tab);
	return rc;
}

/*
 * CONT: the bytes of a region, a piece at a time: the region's start, the
 * offset in it, then the bytes.  Memory stays at one piece.
 */
static int
put_contents(struct fw *f, const struct vms_map *map, struct vms_contents *c,
	     struct vms_err *err)
{
	struct buf raw = {0};
	int rc = -1;

	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		uint64_t off = 0, size = vms_region_size(r);

		if (!vms_contents_wants(c, r))
			continue;
		while (off < size) {
			uint64_t skip = 0;
			unsigned char *p;
			ssize_t got;

			raw.len = 0;
			put_var(&raw, r->start);
			put_var(&raw, off);
			p = room(&raw, VMS_CONTENTS_PIECE);
			if (p == NULL) {
				vms_err_nomem(err);
				goto out;
			}
			got = vms_contents_read(c, r, off, p,
						VMS_CONTENTS_PIECE, &skip, err);
			if (got < 0)
				goto out;
			if (got == 0) {
				if (skip == 0 || skip > size - off)
					skip = size - off;
				off += skip;
				continue;
			}
			raw.len += (size_t)got;
			if (put_chunk(&f->out, T_CONT, 0, &raw, f->level,
				      f->sum, err) < 0 ||
			    fw_flush(f, err) < 0)
				goto out;
			f->count++;
			off += (uint64_t)got;
		}
	}
	rc = 0;
out:
	free(raw.p);
	return rc;
}

static int
put_end(struct fw *f, struct vms_err *err)
{
	struct buf end = {0};
	unsigned char *e = room(&end, 12);
	int rc;

	if (e == NULL)
		return vms_err_nomem(err);
	put32(e, f->count);
	put32(e + 4, f->sum[0]);
	put32(e + 8, f->sum[1]);
	end.len = 12;
	rc = put_chunk(&f->out, T_END, F_CRITICAL, &end, f->level, NULL, err);
	free(end.p);
	return rc;
}

static int
frame(const struct vms_map *map, int header, const struct vms_snapshot_opts *o,
      struct fw *f, struct vms_err *err)
{
	struct vms_contents *c = o != NULL ? o->contents : NULL;

	f->level = o != NULL && o->level > 0 && o->level <= 9 ? o->level :
								 DEFAULT_LEVEL;
	if (check_map(map, err) < 0 || put_map(f, map, header, c, err) < 0 ||
	    fw_flush(f, err) < 0 ||
	    (c != NULL && put_contents(f, map, c, err) < 0) ||
	    put_end(f, err) < 0 || fw_flush(f, err) < 0)
		return -1;
	return 0;
}

int
vms_snapshot_encode(const struct vms_map *map, int header,
		    const struct vms_snapshot_opts *o, void **bufp,
		    size_t *lenp, struct vms_err *err)
{
	struct fw f = {.fd = -1};

	if (frame(map, header, o, &f, err) < 0) {
		free(f.out.p);
		return -1;
	}
	*bufp = f.out.p;
	*lenp = f.out.len;
	return 0;
}

static int
write_frame(const struct vms_map *map, int fd, int header,
	    const struct vms_snapshot_opts *o, struct vms_err *err)
{
	struct fw f = {.fd = fd};
	int rc = frame(map, header, o, &f, err);

	free(f.out.p);
	return rc;
}

int
vms_snapshot_write(const struct vms_map *map, int fd,
		   const struct vms_snapshot_opts *o, struct vms_err *err)
{
	return write_frame(map, fd, 1, o, err);
}

int
vms_snapshot_append(const struct vms_map *map, int fd,
		    const struct vms_snapshot_opts *o, struct vms_err *err)
{
	return write_frame(map, fd, 0, o, err);
}

/* ---------------------------------------------------------------- */
/* Reading */

struct rd {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t
get_var_long(struct rd *r)
{
	uint64_t v = 0;

	for (unsigned sh = 0; sh < 70; sh += 7) {
		unsigned char c;

		if (r->p >= r->end || (sh == 63 && *r->p > 1)) {
			r->bad = 1;
			return 0;
		}
		c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

/* Most values fit in one byte. */
static inline uint64_t
get_var(struct rd *r)
{
	if (r->p < r->end && *r->p < 0x80)
		return *r->p++;
	return get_var_long(r);
}

static int64_t
get_zz(struct rd *r)
{
	return unzz(get_var(r));
}

static unsigned
get_u8(struct rd *r)
{
	if (r->p >= r->end) {
		r->bad = 1;
		return 0;
	}
	return *r->p++;
}

/* A count of items of at least min bytes each that the rest can hold. */
static size_t
get_count(struct rd *r, size_t min)
{
	uint64_t n = get_var(r);

	if (n > (uint64_t)(r->end - r->p) / min) {
		r->bad = 1;
		return 0;
	}
	return (size_t)n;
}

struct sref {
	const char *s;
	size_t n;
};

struct dec {
	struct vms_map *map;
	const char *name;
	unsigned minor;
	struct sref *strs;
	size_t nstrs;
};

static const char *
get_str(struct dec *d, struct rd *r, size_t *len)
{
	uint64_t i = get_var(r);

	if (i > d->nstrs) {
		r->bad = 1;
		return NULL;
	}
	if (len != NULL)
		*len = i ? d->strs[i - 1].n : 0;
	return i ? d->strs[i - 1].s : NULL;
}

/* The end of a chunk's fields: all of it, unless a newer minor wrote it. */
static int
done(struct dec *d, struct rd *r, uint32_t type, struct vms_err *err)
{
	char tn[5];

	tagname(type, tn);
	if (r->bad)
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: %s chunk: a field runs past its end "
				   "or is out of range",
				   d->name, tn);
	if (r->p != r->end && d->minor <= VMS_SNAP_MINOR)
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: %s chunk: %zu bytes after its last "
				   "field",
				   d->name, tn, (size_t)(r->end - r->p));
	return 0;
}

static int
dec_strs(struct dec *d, struct rd *r, struct vms_err *err)
{
	size_t n = get_count(r, 1);

	if (r->bad)
		return done(d, r, T_STRS, err);
	d->strs = calloc(n ? n : 1, sizeof(*d->strs));
	if (d->strs == NULL)
		return vms_err_nomem(err);
	for (size_t i = 0; i < n; i++) {
		uint64_t len = get_var(r);

		if (r->bad || len > (uint64_t)(r->end - r->p)) {
			r->bad = 1;
			break;
		}
		d->strs[i].s = vms_map_intern(d->map, (const char *)r->p,
					      (size_t)len, err);
		if (d->strs[i].s == NULL)
			return -1;
		d->strs[i].n = (size_t)len;
		r->p += len;
		d->nstrs++;
	}
	return done(d, r, T_STRS, err);
}

static int
dec_proc(struct dec *d, struct rd *r, struct vms_err *err)
{
	struct vms_map *map = d->map;
	struct vms_process *p = &map->proc;
	struct vms_source *src = &map->source;
	uint64_t v;

	map->has = (unsigned)get_var(r);
	if (map->has & VMS_P_PAGE_SIZE)
		map->page_size = get_var(r);
	p->has = (unsigned)get_var(r);
	if (p->has & VMS_P_PID)
		p->pid = get_zz(r);
	if (p->has & VMS_P_PPID)
		p->ppid = get_zz(r);
	if (p->has & VMS_P_UID)
		p->uid = get_zz(r);
	if (p->has & VMS_P_GID)
		p->gid = get_zz(r);
	p->comm = get_str(d, r, NULL);
	p->exe = get_str(d, r, NULL);
	p->argc = get_count(r, 1);
	if (p->argc > 0 && !r->bad) {
		p->argv = vms_map_alloc(map, p->argc * sizeof(*p->argv), err);
		if (p->argv == NULL)
			return -1;
		for (size_t i = 0; i < p->argc; i++)
			p->argv[i] = get_str(d, r, NULL);
	}
	p->state = (char)get_u8(r);
	if (p->has & VMS_P_FAULT) {
		p->signo = (int)get_zz(r);
		p->sigcode = (int)get_zz(r);
	}
	if (p->has & VMS_P_FAULT_ADDR)
		p->fault_addr = get_var(r);
	if (p->has & VMS_P_FAULT_TID)
		p->fault_tid = get_var(r);
	map->arch.machine = (uint16_t)get_var(r);
	map->arch.wordsize = (uint8_t)get_u8(r);
	map->arch.big_endian = (uint8_t)get_u8(r);
	map->arch.name = get_str(d, r, NULL);
	v = get_var(r);
	if (v > VMS_SOURCE_MACHO_CORE || v == VMS_SOURCE_SNAPSHOT)
		r->bad = 1;
	src->from_kind = (enum vms_source_kind)v;
	src->from_name = get_str(d, r, NULL);
	src->from_format = get_str(d, r, NULL);
	src->host = get_str(d, r, NULL);
	src->kernel = get_str(d, r, NULL);
	src->boot_id = get_str(d, r, NULL);
	if (map->has & VMS_P_CAPTURE_TIME) {
		src->capture_sec = get_zz(r);
		src->capture_nsec = (int32_t)get_zz(r);
	}
	src->writer = get_str(d, r, NULL);
	return done(d, r, T_PROC, err);
}

static int
get_region(struct dec *d, struct rd *col, struct vms_region *g,
	   const unsigned sh[NSHIFTS], struct prev *pv, struct vms_err *err)
{
	uint64_t p, s;

	*g = (struct vms_region){0};
	g->has = get_var(&col[C_HAS]) ^ pv->has;
	s = (pv->end >> sh[0]) + (uint64_t)get_zz(&col[C_RANGE]);
	g->start = s << sh[0];
	g->end = (s + (uint64_t)get_zz(&col[C_RANGE])) << sh[0];
	if (g->has & VMS_HAS_PROT)
		g->prot = (uint8_t)get_u8(&col[C_PROT]);
	if (g->has & VMS_HAS_MAXPROT)
		g->maxprot = (uint8_t)get_u8(&col[C_PROT]);
	g->flags = (uint8_t)get_u8(&col[C_FLAGS]);
	g->label = (uint8_t)get_u8(&col[C_LABEL]);
	g->role = (uint8_t)get_u8(&col[C_LABEL]);
	g->share = (uint8_t)get_u8(&col[C_LABEL]);
	if (g->label >= VMS_LABEL__COUNT || g->role >= VMS_ROLE__COUNT ||
	    g->share >= VMS_SHARE__COUNT)
		col[C_LABEL].bad = 1;
	if (g->has & VMS_HAS_THP)
		g->thp_eligible = (int8_t)get_u8(&col[C_THP]);
	if (g->has & VMS_HAS_PKEY)
		g->pkey = (int8_t)get_u8(&col[C_THP]);
	p = pv->path + (uint64_t)get_zz(&col[C_PATH]);
	if (p > d->nstrs) {
		col[C_PATH].bad = 1;
		p = 0;
	}
	g->path = p ? d->strs[p - 1].s : NULL;
	g->name = get_str(d, &col[C_PATH], NULL);
	if (g->has & VMS_HAS_OFFSET) {
		uint64_t pred = pv->has_off && p == pv->path ? pv->off_end : 0;

		g->offset = ((pred >> sh[1]) + (uint64_t)get_zz(&col[C_OFFSET]))
			    << sh[1];
		pv->off_end = g->offset + (g->end - g->start);
	}
	if (g->has & VMS_HAS_DEVINO) {
		g->dev_major = (uint32_t)get_var(&col[C_DEVINO]);
		g->dev_minor = (uint32_t)get_var(&col[C_DEVINO]);
		g->inode = pv->inode + (uint64_t)get_zz(&col[C_DEVINO]);
		pv->inode = g->inode;
	}
	if (g->has & VMS_HAS_VMFLAGS) {
		g->vmflags = get_var(&col[C_VMFLAGS]) ^ pv->vmflags;
		pv->vmflags = g->vmflags;
	}
	g->vmflags_other = get_str(d, &col[C_VMFLAGS], NULL);
	if (g->has & VMS_HAS_DATA) {
		g->data_offset = ((pv->data_end >> sh[2]) +
				  (uint64_t)get_zz(&col[C_DATA]))
				 << sh[2];
		g->data_size = get_var(&col[C_DATA]) << sh[2];
		pv->data_end = g->data_offset + g->data_size;
	}
	g->label_id = get_var(&col[C_MISC]);
	g->build_id = (const unsigned char *)get_str(d, &col[C_MISC], &s);
	g->build_id_len = (size_t)s;
	if (g->has & (VMS_HAS_CTR(VMS_C__COUNT) - 1)) {
		uint64_t *ctr = vms_region_counters(d->map, g, err);

		if (ctr == NULL)
			return -1;
		for (int c = 0; c < VMS_C__COUNT; c++)
			if (g->has & VMS_HAS_CTR(c))
				ctr[c] = get_var(&col[C_CTR + c]) << sh[3 + c];
	}
	pv->has = g->has;
	pv->end = g->end;
	pv->path = p;
	pv->has_off = (g->has & VMS_HAS_OFFSET) != 0;
	return 0;
}

static int
dec_regions(struct dec *d, struct rd *r, struct vms_err *err)
{
	struct vms_map *map = d->map;
	struct rd col[NCOLS];
	uint64_t len[NCOLS];
	unsigned sh[NSHIFTS];
	struct prev pv = {0};
	size_t n = get_count(r, 1), ncols;
	const unsigned char *at;

	for (int k = 0; k < NSHIFTS; k++) {
		sh[k] = get_u8(r);
		if (sh[k] > 63)
			r->bad = 1;
	}
	ncols = get_count(r, 1);
	if (ncols < NCOLS || (ncols > NCOLS && d->minor <= VMS_SNAP_MINOR))
		r->bad = 1;
	if (r->bad)
		return done(d, r, T_REGN, err);
	/* The lengths, then the columns one after the other. */
	for (size_t k = 0; k < ncols; k++) {
		uint64_t v = get_var(r);

		if (k < NCOLS)
			len[k] = v;
	}
	at = r->p;
	for (size_t k = 0; k < NCOLS && !r->bad; k++) {
		if (len[k] > (uint64_t)(r->end - at)) {
			r->bad = 1;
			break;
		}
		col[k] = (struct rd){at, at + len[k], 0};
		at += len[k];
	}
	/* Every region has a byte in C_HAS at least. */
	if (!r->bad && n > len[C_HAS])
		r->bad = 1;
	if (r->bad)
		return done(d, r, T_REGN, err);
	if (vms_map_reserve(map, n ? n : 1, err) < 0)
		return -1;
	map->nregions = 0;
	for (size_t i = 0; i < n; i++) {
		struct vms_region *g = vms_map_add(map, err);

		if (g == NULL || get_region(d, col, g, sh, &pv, err) < 0)
			return -1;
	}
	for (int k = 0; k < NCOLS; k++)
		if (col[k].bad || col[k].p != col[k].end)
			r->bad = 1;
	/* Columns a newer minor added are skipped with the rest. */
	r->p = d->minor > VMS_SNAP_MINOR ? r->end : at;
	return done(d, r, T_REGN, err);
}

static int
dec_threads(struct dec *d, struct rd *r, struct vms_err *err)
{
	size_t n = get_count(r, 4);
	uint64_t prev = 0;

	for (size_t i = 0; i < n && !r->bad; i++) {
		struct vms_thread *t = vms_map_add_thread(d->map, err);

		if (t == NULL)
			return -1;
		t->tid = prev + (uint64_t)get_zz(r);
		prev = t->tid;
		t->has = (unsigned)get_var(r);
		if (t->has & VMS_THR_HAS_SP)
			t->sp = get_var(r);
		if (t->has & VMS_THR_HAS_PC)
			t->pc = get_var(r);
		t->signo = (int)get_zz(r);
		t->name = get_str(d, r, NULL);
	}
	return done(d, r, T_THRD, err);
}

static int
dec_auxv(struct dec *d, struct rd *r, struct vms_err *err)
{
	size_t n = get_count(r, 2);

	if (n > 0 && !r->bad) {
		d->map->auxv = calloc(n, sizeof(*d->map->auxv));
		if (d->map->auxv == NULL)
			return vms_err_nomem(err);
		for (size_t i = 0; i < n && !r->bad; i++) {
			d->map->auxv[i].type = get_var(r);
			d->map->auxv[i].value = get_var(r);
		}
		d->map->nauxv = n;
	}
	return done(d, r, T_AUXV, err);
}

static int
dec_warnings(struct dec *d, struct rd *r, struct vms_err *err)
{
	size_t n = get_count(r, 1);

	for (size_t i = 0; i < n && !r->bad; i++) {
		const char *w = get_str(d, r, NULL);

		if (w != NULL && vms_map_warn(d->map, "%s", w) < 0)
			return vms_err_nomem(err);
	}
	return done(d, r, T_WARN, err);
}

/* The runs of one region's pages, checked against the region. */
static int
get_runs(struct dec *d, struct rd *r, struct vms_pages *pg, unsigned sh,
	 struct vms_err *err)
{
	const struct vms_region *g = &d->map->regions[pg->region];
	size_t n = get_count(r, 3);
	struct vms_page_run *runs;
	uint64_t at = g->start;

	if (r->bad || n == 0)
		return 0;
	runs = vms_map_alloc(d->map, n * sizeof(*runs), err);
	if (runs == NULL)
		return -1;
	for (size_t k = 0; k < n && !r->bad; k++) {
		uint64_t gap = get_var(r), len = get_var(r);
		uint64_t flags = get_var(r);

		if (gap > (g->end - at) >> sh || len == 0 ||
		    len > (g->end - at - (gap << sh)) >> sh || flags == 0 ||
		    flags > UINT32_MAX) {
			r->bad = 1;
			break;
		}
		runs[k].start = at + (gap << sh);
		runs[k].end = runs[k].start + (len << sh);
		runs[k].flags = (uint32_t)flags;
		at = runs[k].end;
	}
	pg->runs = runs;
	pg->nruns = n;
	return 0;
}

static int
dec_pages(struct dec *d, struct rd *r, struct vms_err *err)
{
	struct vms_map *map = d->map;
	size_t n = get_count(r, 3), next = 0;
	unsigned sh = get_u8(r);

	if (sh > 63 || n > map->nregions)
		r->bad = 1;
	/* Runs are checked against regions as they are in the file. */
	for (size_t i = 1; i < map->nregions && !r->bad; i++)
		if (map->regions[i].start < map->regions[i - 1].end ||
		    map->regions[i].end <= map->regions[i].start)
			r->bad = 1;
	if (r->bad || n == 0)
		return done(d, r, T_PAGE, err);
	map->pages = vms_map_alloc(map, n * sizeof(*map->pages), err);
	if (map->pages == NULL)
		return -1;
	for (size_t i = 0; i < n && !r->bad; i++) {
		struct vms_pages *pg = &map->pages[i];
		uint64_t gap = get_var(r), kn = get_var(r);

		if (gap >= map->nregions - next || kn > UINT32_MAX) {
			r->bad = 1;
			break;
		}
		*pg = (struct vms_pages){.region = next + (size_t)gap,
					 .known = (uint32_t)kn};
		next = pg->region + 1;
		if (get_runs(d, r, pg, sh, err) < 0)
			return -1;
		map->npages = i + 1;
	}
	if (r->bad)
		map->npages = 0;
	return done(d, r, T_PAGE, err);
}

/* The inflated chunks of one frame. */
struct piece {
	uint32_t type;
	unsigned char *raw;
	size_t len;
};

struct frame {
	struct piece *v;
	size_t n, cap;
	uint64_t total;
};

static void
frame_clear(struct frame *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].raw);
	f->n = 0;
	f->total = 0;
}

static void
frame_free(struct frame *f)
{
	frame_clear(f);
	free(f->v);
	f->v = NULL;
	f->cap = 0;
}

/* Fill map from a complete frame. */
static int
decode(struct vms_map *map, const struct frame *f, const char *name,
       unsigned minor, struct vms_err *err)
{
	static int (*const fn[NKNOWN])(struct dec *, struct rd *,
				       struct vms_err *) = {
		dec_strs, dec_proc, dec_regions,
		dec_threads, dec_auxv, dec_warnings,
		dec_pages, NULL,
	};
	const struct piece *at[NKNOWN] = {NULL};
	struct dec d = {.map = map, .name = name, .minor = minor};
	int rc = -1;

	for (size_t i = 0; i < f->n; i++) {
		for (size_t k = 0; k < NKNOWN; k++) {
			char tn[5];

			if (f->v[i].type != known[k].type)
				continue;
			if (at[k] != NULL) {
				tagname(known[k].type, tn);
				return vms_err_set(err, VMS_E_CORRUPT, 0,
						   "%s: two %s chunks in a "
						   "frame",
						   name, tn);
			}
			at[k] = &f->v[i];
		}
	}
	if (at[0] == NULL || at[1] == NULL || at[2] == NULL)
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: a frame without STRS, PROC or REGN",
				   name);
	for (size_t k = 0; k < NKNOWN; k++) {
		struct rd r;

		if (at[k] == NULL || fn[k] == NULL)
			continue;
		r = (struct rd){at[k]->raw, at[k]->raw + at[k]->len, 0};
		if (fn[k](&d, &r, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(d.strs);
	return rc;
}

/* A CONT chunk of a frame: where it is and what it holds. */
struct cref {
	uint64_t at;              /* of its header in the file */
	uint64_t start;           /* the region's start */
	uint64_t off;             /* in the region */
	uint64_t n;               /* bytes; NO_CREF: its head is unreadable */
};
#define NO_CREF UINT64_MAX

/* What a walk notes of CONT chunks. */
enum { CONT_NONE, CONT_ONE, CONT_ALL };

/* A walk over the frames of a file. */
struct walk {
	struct vms_input *in;
	const char *name;
	uint64_t off;             /* of the next chunk */
	unsigned major, minor;
	uint32_t want;            /* the frame to keep (from 1); 0: last */
	int verify;               /* decode every frame */
	uint32_t nframes;         /* complete so far */
	uint64_t good_end;
	uint64_t nchunks, nskipped, nregions;
	uint64_t fchunks, fskipped;
	uint32_t hcrc, pcrc;
	struct frame cur, keep;
	int cont;                 /* CONT_ONE: note the CONT chunks of
	                           * cont_start; CONT_ALL: of every region */
	uint64_t cont_start;
	int stop;                 /* end after the frame to keep */
	struct crefs {
		struct cref *v;
		size_t n, cap;
	} coffs, ckeep;           /* those noted: this frame, kept one */
	unsigned char *z;         /* one chunk's stored bytes */
	size_t zcap;
	int damaged;
	struct vms_err damage;
};

static int
read_header(struct walk *w, struct vms_err *err)
{
	unsigned char h[HDR_SIZE];
	ssize_t got = vms_input_read(w->in, 0, h, sizeof(h), err);

	if (got < 0)
		return -1;
	if (got < 4 || memcmp(h, magic, 4) != 0)
		return vms_err_set(err, VMS_E_FORMAT, 0,
				   "%s: not a vmscope snapshot", w->name);
	if (got < HDR_SIZE)
		return vms_err_set(err, VMS_E_TRUNCATED, 0,
				   "%s: snapshot header truncated", w->name);
	if (memcmp(h, magic, sizeof(magic)) != 0)
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: snapshot header mangled (copied as "
				   "text? newlines or 8-bit bytes changed)",
				   w->name);
	if (get32(h + 12) != crc(h, 12))
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: snapshot header checksum mismatch",
				   w->name);
	w->major = (unsigned)(h[8] | h[9] << 8);
	w->minor = (unsigned)(h[10] | h[11] << 8);
	if (w->major != VMS_SNAP_MAJOR)
		return vms_err_set(err, VMS_E_UNSUPPORTED, 0,
				   "%s: snapshot format %u.%u; this vmscope "
				   "reads %u.x only%s",
				   w->name, w->major, w->minor, VMS_SNAP_MAJOR,
				   w->major > VMS_SNAP_MAJOR ?
					   " (written by a newer vmscope)" :
					   "");
	w->off = HDR_SIZE;
	return 0;
}

static int
is_known(uint32_t type)
{
	for (size_t k = 0; k < NKNOWN; k++)
		if (known[k].type == type)
			return 1;
	return type == T_END;
}

/* The stored bytes of a chunk, read in steps: a lying length costs little. */
static int
read_stored(struct walk *w, uint64_t off, size_t n, struct vms_err *err)
{
	size_t have = 0;

	while (have < n) {
		size_t step = n - have < READ_STEP ? n - have : READ_STEP;
		ssize_t got;

		if (vms_grow((void **)&w->z, &w->zcap, have + step, 1, err) < 0)
			return -1;
		got = vms_input_read(w->in, off + have, w->z + have, step, err);
		if (got < 0)
			return -1;
		if ((size_t)got < step)
			return vms_err_set(err, VMS_E_TRUNCATED, 0,
					   "%s: chunk payload at 0x%" PRIx64
					   " truncated",
					   w->name, off);
		have += step;
	}
	return 0;
}

/*
 * The next chunk: 1 read, 0 at the end of the input, -1 damage (err
 * set), -2 an unknown critical chunk (err set).
 */
static int
read_chunk(struct walk *w, struct piece *pc, uint32_t *flags,
	   struct vms_err *err)
{
	unsigned char h[CHDR_SIZE];
	uint64_t off = w->off, size = vms_input_size(w->in);
	uint32_t stored, raw;
	ssize_t got;
	uLong zin;
	uLongf zout;
	char tn[5];
	int zr;

	got = vms_input_read(w->in, off, h, sizeof(h), err);
	if (got < 0)
		return -1;
	if (got == 0)
		return 0;
	if (got < CHDR_SIZE)
		return vms_err_set(err, VMS_E_TRUNCATED, 0,
				   "%s: chunk header at 0x%" PRIx64
				   " truncated",
				   w->name, off);
	if (get32(h + 20) != crc(h, 20))
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: chunk header at 0x%" PRIx64
				   ": checksum mismatch",
				   w->name, off);
	pc->type = get32(h);
	*flags = get32(h + 4);
	stored = get32(h + 8);
	raw = get32(h + 12);
	tagname(pc->type, tn);
	if (!is_known(pc->type) && (*flags & F_CRITICAL))
	{
		vms_err_set(err, VMS_E_UNSUPPORTED, 0,
			    "%s: chunk %s at 0x%" PRIx64 " is critical and "
			    "unknown to this vmscope (format %u.%u)",
			    w->name, tn, off, w->major, w->minor);
		return -2;
	}
	if (raw > MAX_RAW || w->cur.total + raw > MAX_FRAME)
		return vms_err_set(err, VMS_E_LIMIT, 0,
				   "%s: chunk %s at 0x%" PRIx64 ": %" PRIu32
				   " bytes exceed the memory limit",
				   w->name, tn, off, raw);
	if ((uint64_t)raw > (uint64_t)stored * MAX_RATIO + 64 ||
	    stored > compressBound(raw))
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: chunk %s at 0x%" PRIx64 ": %" PRIu32
				   " bytes cannot inflate to %" PRIu32,
				   w->name, tn, off, stored, raw);
	if (size != UINT64_MAX && stored > size - off - CHDR_SIZE)
		return vms_err_set(err, VMS_E_TRUNCATED, 0,
				   "%s: chunk %s at 0x%" PRIx64 ": payload "
				   "runs past the end",
				   w->name, tn, off);
	if (read_stored(w, off + CHDR_SIZE, stored, err) < 0)
		return -1;
	pc->len = raw;
	pc->raw = malloc(raw ? raw : 1);
	if (pc->raw == NULL)
		return vms_err_nomem(err);
	zout = raw;
	zin = stored;
	zr = uncompress2(pc->raw, &zout, w->z, &zin);
	if (zr != Z_OK || zout != raw || zin != stored ||
	    crc(pc->raw, raw) != get32(h + 16)) {
		free(pc->raw);
		pc->raw = NULL;
		return vms_err_set(err, VMS_E_CORRUPT, zr,
				   "%s: chunk %s at 0x%" PRIx64 ": %s",
				   w->name, tn, off,
				   zr != Z_OK ? zError(zr) :
				   zout != raw || zin != stored ?
						"wrong length" :
						"checksum mismatch");
	}
	w->off = off + CHDR_SIZE + stored;
	if (pc->type != T_END) {
		w->hcrc = (uint32_t)crc32_z(w->hcrc, h, CHDR_SIZE);
		w->pcrc = (uint32_t)crc32_z(w->pcrc, w->z, stored);
	}
	return 1;
}

static int
end_frame(struct walk *w, const struct piece *pc, struct vms_err *err)
{
	if (pc->len < 12 || (pc->len > 12 && w->minor <= VMS_SNAP_MINOR) ||
	    get32(pc->raw) != w->fchunks || get32(pc->raw + 4) != w->hcrc ||
	    get32(pc->raw + 8) != w->pcrc)
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: END chunk before 0x%" PRIx64
				   " does not match its frame",
				   w->name, w->off);
	if (w->verify) {
		struct vms_map *m = vms_map_new(err);
		int rc;

		if (m == NULL)
			return -1;
		rc = decode(m, &w->cur, w->name, w->minor, err);
		w->nregions = m->nregions;
		vms_map_free(m);
		if (rc < 0)
			return -1;
	}
	w->nframes++;
	w->good_end = w->off;
	w->nchunks += w->fchunks + 1;
	w->nskipped += w->fskipped;
	if (w->want == 0 || w->want == w->nframes) {
		struct frame t = w->keep;
		struct crefs o = w->ckeep;

		w->keep = w->cur;
		w->cur = t;
		w->ckeep = w->coffs;
		w->coffs = o;
	}
	frame_clear(&w->cur);
	w->coffs.n = 0;
	w->fchunks = w->fskipped = 0;
	w->hcrc = w->pcrc = 0;
	return 0;
}

/* Walk every frame; -1 only for what is not damage (err set). */
static int
walk(struct walk *w, struct vms_err *err)
{
	for (;;) {
		struct piece pc = {0};
		uint64_t at = w->off;
		uint32_t flags;
		int r = read_chunk(w, &pc, &flags, &w->damage);

		if (r == -2) {
			*err = w->damage;
			return -1;
		}
		if (r == 0 && w->fchunks == 0 && w->nframes > 0)
			return 0;
		if (r == 0)
			vms_err_set(&w->damage, VMS_E_TRUNCATED, 0,
				    "%s: frame %" PRIu32 " ends early",
				    w->name, w->nframes + 1);
		if (r <= 0)
			break;
		if (pc.type == T_END) {
			r = end_frame(w, &pc, &w->damage);
			free(pc.raw);
			if (r < 0)
				break;
			if (w->stop && w->want != 0 && w->nframes == w->want)
				return 0;
			continue;
		}
		w->fchunks++;
		if (!is_known(pc.type)) {
			w->fskipped++;
			free(pc.raw);
			continue;
		}
		/* Contents are checked, then left in the file. */
		if (pc.type == T_CONT) {
			struct rd rd = {pc.raw, pc.raw + pc.len, 0};
			struct cref cr = {.at = at};
			int mine;

			cr.start = get_var(&rd);
			cr.off = get_var(&rd);
			cr.n = rd.bad ? NO_CREF : (uint64_t)(rd.end - rd.p);
			free(pc.raw);
			mine = w->cont == CONT_ALL ||
			       (w->cont == CONT_ONE && !rd.bad &&
				cr.start == w->cont_start);
			if (mine && vms_grow((void **)&w->coffs.v,
					     &w->coffs.cap, w->coffs.n + 1,
					     sizeof(cr), err) < 0)
				return -1;
			if (mine)
				w->coffs.v[w->coffs.n++] = cr;
			continue;
		}
		w->cur.total += pc.len;
		if (vms_grow((void **)&w->cur.v, &w->cur.cap, w->cur.n + 1,
			     sizeof(*w->cur.v), err) < 0) {
			free(pc.raw);
			return -1;
		}
		w->cur.v[w->cur.n++] = pc;
	}
	if (w->damage.code == VMS_E_NOMEM) {
		*err = w->damage;
		return -1;
	}
	w->damaged = 1;
	return 0;
}

static void
walk_free(struct walk *w)
{
	frame_free(&w->cur);
	frame_free(&w->keep);
	free(w->coffs.v);
	free(w->ckeep.v);
	free(w->z);
}

/* "truncated after frame 3" and the like. */
static void
damage_note(const struct walk *w, char *out, size_t n)
{
	const char *what = w->damage.code == VMS_E_TRUNCATED ? "truncated" :
			   w->damage.code == VMS_E_LIMIT ? "over a limit" :
							    "corrupt";

	snprintf(out, n, "%s after frame %" PRIu32 " (%s)", what, w->nframes,
		 w->damage.msg);
}

static int
probe(struct vms_input *in, struct vms_err *err)
{
	unsigned char h[4];
	ssize_t got = vms_input_read(in, 0, h, sizeof(h), err);

	if (got < 0)
		return -1;
	return got == (ssize_t)sizeof(h) && memcmp(h, magic, 4) == 0;
}

static int
load(struct vms_map *map, struct vms_input *in, const struct vms_open_opts *o,
     struct vms_err *err)
{
	struct walk w = {.in = in, .name = vms_input_name(in)};
	const char *comp = vms_input_compression(in);
	const char *title = map->source.name;
	char note[sizeof(w.damage.msg) + 128];
	int rc = -1;

	if (o->frame < 0)
		return vms_err_set(err, VMS_E_INVAL, 0,
				   "%s: frame %d: frames count from 1",
				   w.name, o->frame);
	w.want = (uint32_t)o->frame;
	if (read_header(&w, err) < 0 || walk(&w, err) < 0)
		goto out;
	if (w.nframes == 0) {
		*err = w.damage;
		goto out;
	}
	if (w.want > w.nframes) {
		vms_err_set(err, VMS_E_INVAL, 0,
			    "%s: no frame %" PRIu32 ": %" PRIu32 " complete "
			    "frame%s",
			    w.name, w.want, w.nframes,
			    w.nframes == 1 ? "" : "s");
		goto out;
	}
	if (decode(map, &w.keep, w.name, w.minor, err) < 0)
		goto out;
	map->source.kind = VMS_SOURCE_SNAPSHOT;
	map->source.name = title;
	map->source.format = "snapshot";
	if (comp != NULL) {
		snprintf(note, sizeof(note), "snapshot+%s", comp);
		map->source.format = vms_map_strdup(map, note, err);
		if (map->source.format == NULL)
			goto out;
	}
	map->source.frame = w.want ? w.want : w.nframes;
	map->source.nframes = w.nframes;
	map->source.damaged = w.damaged;
	if (w.damaged) {
		damage_note(&w, note, sizeof(note));
		if (vms_map_warn(map, "%s", note) < 0) {
			vms_err_nomem(err);
			goto out;
		}
	}
	rc = 0;
out:
	walk_free(&w);
	return rc;
}

const struct vms_reader vms_reader_snapshot = {
	.name = "snapshot",
	.probe = probe,
	.load = load,
};

static int
verify(struct vms_input *in, struct vms_snapshot_info *info,
       struct vms_err *err)
{
	struct walk w = {.in = in, .name = vms_input_name(in), .verify = 1};
	int rc = -1;

	memset(info, 0, sizeof(*info));
	if (read_header(&w, err) < 0)
		goto out;
	info->major = w.major;
	info->minor = w.minor;
	if (walk(&w, err) < 0)
		goto out;
	info->size = w.damaged ? vms_input_size(in) : w.off;
	info->good_end = w.good_end;
	info->nframes = w.nframes;
	info->nchunks = w.nchunks;
	info->nskipped = w.nskipped;
	info->nregions = w.nregions;
	info->damaged = w.damaged;
	if (w.damaged)
		damage_note(&w, info->damage, sizeof(info->damage));
	if (w.nframes == 0) {
		*err = w.damage;
		goto out;
	}
	rc = 0;
out:
	walk_free(&w);
	return rc;
}

int
vms_snapshot_verify(const char *path, struct vms_snapshot_info *info,
		    struct vms_err *err)
{
	struct vms_input *in = vms_input_open_file(path, err);
	int rc;

	if (in == NULL)
		return -1;
	rc = verify(in, info, err);
	vms_input_close(in);
	return rc;
}

int
vms_snapshot_verify_mem(const void *buf, size_t len, const char *name,
			struct vms_snapshot_info *info, struct vms_err *err)
{
	struct vms_input *in = vms_input_open_mem(buf, len, name, err);
	int rc;

	if (in == NULL)
		return -1;
	rc = verify(in, info, err);
	vms_input_close(in);
	return rc;
}

/* Where a snapshot is, to read it twice. */
struct place {
	const char *path;        /* or NULL: buf */
	const void *buf;
	size_t len;
	const char *name;
};

static struct vms_input *
place_open(const struct place *pl, struct vms_err *err)
{
	return pl->path != NULL ? vms_input_open_file(pl->path, err) :
				  vms_input_open_mem(pl->buf, pl->len,
						     pl->name, err);
}

/* The size of the region that starts at start in the kept frame. */
static int
region_size(struct walk *w, uint64_t start, uint64_t *size,
	    struct vms_err *err)
{
	struct vms_map *m = vms_map_new(err);
	const struct vms_region *r;
	int rc = -1;

	if (m == NULL)
		return -1;
	if (decode(m, &w->keep, w->name, w->minor, err) < 0)
		goto out;
	r = vms_map_find(m, start);
	if (r == NULL || r->start != start) {
		vms_err_set(err, VMS_E_NOENT, 0,
			    "%s: no region starts at 0x%" PRIx64, w->name,
			    start);
		goto out;
	}
	*size = vms_region_size(r);
	rc = 0;
out:
	vms_map_free(m);
	return rc;
}

/* The CONT chunks noted, read again from a fresh input, handed to fn. */
static int
deliver(struct walk *w, uint64_t size, vms_contents_fn fn, void *arg,
	struct vms_err *err)
{
	uint64_t next = 0;

	w->cur.total = 0;
	for (size_t i = 0; i < w->ckeep.n; i++) {
		struct piece pc = {0};
		uint32_t flags;
		struct rd rd;
		uint64_t off;
		size_t n;
		int r;

		w->off = w->ckeep.v[i].at;
		r = read_chunk(w, &pc, &flags, err);
		if (r <= 0 || pc.type != T_CONT) {
			free(pc.raw);
			return r < 0 ? -1 :
				       vms_err_set(err, VMS_E_IO, 0,
						   "%s: the file changed while "
						   "it was read",
						   w->name);
		}
		rd = (struct rd){pc.raw, pc.raw + pc.len, 0};
		get_var(&rd);
		off = get_var(&rd);
		n = (size_t)(rd.end - rd.p);
		if (rd.bad || off < next || off > size || n > size - off) {
			free(pc.raw);
			return vms_err_set(err, VMS_E_CORRUPT, 0,
					   "%s: CONT chunk at 0x%" PRIx64
					   ": bytes out of order or outside "
					   "the region",
					   w->name, w->ckeep.v[i].at);
		}
		next = off + n;
		r = fn(arg, off, rd.p, n);
		free(pc.raw);
		if (r != 0)
			return r;
	}
	return 0;
}

static int
contents(const struct place *pl, const struct vms_open_opts *o,
	 uint64_t start, vms_contents_fn fn, void *arg, struct vms_err *err)
{
	struct walk w = {.cont = CONT_ONE, .cont_start = start};
	uint64_t size = 0;
	int rc = -1;

	if (o != NULL && o->frame < 0)
		return vms_err_set(err, VMS_E_INVAL, 0,
				   "frame %d: frames count from 1", o->frame);
	w.want = o != NULL ? (uint32_t)o->frame : 0;
	if (pl->path != NULL && vms_input_reopen_check(pl->path, err) < 0)
		return -1;
	w.in = place_open(pl, err);
	if (w.in == NULL)
		return -1;
	w.name = vms_input_name(w.in);
	if (read_header(&w, err) < 0 || walk(&w, err) < 0)
		goto out;
	if (w.nframes == 0 || w.want > w.nframes) {
		if (w.nframes == 0)
			*err = w.damage;
		else
			vms_err_set(err, VMS_E_INVAL, 0,
				    "%s: no frame %" PRIu32, w.name, w.want);
		goto out;
	}
	if (region_size(&w, start, &size, err) < 0)
		goto out;
	/* A stream cannot go back: the pieces come from a second pass. */
	vms_input_close(w.in);
	w.in = place_open(pl, err);
	if (w.in == NULL)
		goto out;
	w.name = vms_input_name(w.in);
	rc = deliver(&w, size, fn, arg, err);
out:
	vms_input_close(w.in);
	walk_free(&w);
	return rc;
}

int
vms_snapshot_contents(const char *path, const struct vms_open_opts *o,
		      uint64_t start, vms_contents_fn fn, void *arg,
		      struct vms_err *err)
{
	struct place pl = {.path = path};

	return contents(&pl, o, start, fn, arg, err);
}

int
vms_snapshot_contents_mem(const void *buf, size_t len, const char *name,
			  const struct vms_open_opts *o, uint64_t start,
			  vms_contents_fn fn, void *arg, struct vms_err *err)
{
	struct place pl = {.buf = buf, .len = len, .name = name};

	return contents(&pl, o, start, fn, arg, err);
}

/*
 * The pull reader of src/contents.c: the CONT chunks of one frame, noted
 * in one walk (a few words each, never their bytes) and then read back
 * one at a time as the writer asks for each region's bytes in ascending
 * order, so that one inflated chunk is all that is held.  A compressed
 * input is a forward-only stream: it is opened again when a chunk lies
 * behind what was read, which happens once after the walk, and again
 * only when a writer other than vmscope put regions out of address order.
 */
struct vms_snapcont {
	struct place pl;
	char *own;                /* pl's path or name, copied */
	struct walk w;            /* w.ckeep: the chunks, by region */
	size_t cur;               /* the chunk held in pc, or SIZE_MAX */
	struct piece pc;
	size_t head;              /* pc's bytes before the contents */
	uint64_t hi;              /* the input was read up to here */
};

static int
crefcmp(const void *a, const void *b)
{
	const struct cref *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * Sort the chunks by region, file order within one, and keep those of
 * map's regions: each region's follow each other by ascending offset,
 * apart, inside the region, as deliver() checks them.
 */
static int
cref_index(struct vms_snapcont *s, const struct vms_map *map,
	   struct vms_err *err)
{
	struct crefs *c = &s->w.ckeep;
	const struct vms_region *r = NULL;
	uint64_t next = 0;
	size_t k = 0;

	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), crefcmp);
	for (size_t i = 0; i < c->n; i++) {
		const struct cref *e = &c->v[i];

		if (e->n == NO_CREF)
			return vms_err_set(err, VMS_E_CORRUPT, 0,
					   "%s: CONT chunk at 0x%" PRIx64
					   ": its region and offset cannot "
					   "be read",
					   s->w.name, e->at);
		if (r == NULL || r->start != e->start) {
			r = vms_map_find(map, e->start);
			if (r != NULL && r->start != e->start)
				r = NULL;
			next = 0;
		}
		/* No such region: no writer asks for its bytes. */
		if (r == NULL || e->n == 0)
			continue;
		if (e->off < next || e->off > vms_region_size(r) ||
		    e->n > vms_region_size(r) - e->off)
			return vms_err_set(err, VMS_E_CORRUPT, 0,
					   "%s: CONT chunk at 0x%" PRIx64
					   ": bytes out of order or outside "
					   "the region at 0x%" PRIx64,
					   s->w.name, e->at, r->start);
		next = e->off + e->n;
		c->v[k++] = *e;
	}
	c->n = k;
	return 0;
}

void
vms_snapcont_close(struct vms_snapcont *s)
{
	if (s == NULL)
		return;
	vms_input_close(s->w.in);
	walk_free(&s->w);
	free(s->pc.raw);
	free(s->own);
	free(s);
}

struct vms_snapcont *
vms_snapcont_open(const struct vms_map *map, const char *path,
		  const void *buf, size_t len, const char *name,
		  struct vms_err *err)
{
	struct vms_snapcont *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		vms_err_nomem(err);
		return NULL;
	}
	s->cur = SIZE_MAX;
	s->own = strdup(path != NULL ? path : name != NULL ? name : "-");
	if (s->own == NULL) {
		vms_err_nomem(err);
		goto fail;
	}
	s->pl = path != NULL ? (struct place){.path = s->own} :
			       (struct place){.buf = buf, .len = len,
					      .name = s->own};
	if (path != NULL && vms_input_reopen_check(path, err) < 0)
		goto fail;
	/* The frame map holds; a walk to its end and no further. */
	s->w.want = map->source.kind == VMS_SOURCE_SNAPSHOT ?
			    map->source.frame :
			    0;
	s->w.cont = CONT_ALL;
	s->w.stop = 1;
	s->w.in = place_open(&s->pl, err);
	if (s->w.in == NULL)
		goto fail;
	s->w.name = vms_input_name(s->w.in);
	if (read_header(&s->w, err) < 0 || walk(&s->w, err) < 0)
		goto fail;
	if (s->w.nframes == 0 || (s->w.want != 0 &&
				  s->w.nframes < s->w.want)) {
		if (s->w.nframes == 0)
			*err = s->w.damage;
		else
			vms_err_set(err, VMS_E_IO, 0,
				    "%s: no frame %" PRIu32 " any more: "
				    "the file changed while it was read",
				    s->w.name, s->w.want);
		goto fail;
	}
	s->hi = s->w.off;
	if (cref_index(s, map, err) < 0)
		goto fail;
	return s;
fail:
	vms_snapcont_close(s);
	return NULL;
}

/* The first chunk of the region at start that ends after off. */
static size_t
cref_find(const struct crefs *c, uint64_t start, uint64_t off)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cref *e = &c->v[mid];

		if (e->start < start ||
		    (e->start == start && e->off + e->n <= off))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Chunk i of the index, read again and inflated into s->pc. */
static int
cref_load(struct vms_snapcont *s, size_t i, struct vms_err *err)
{
	const struct cref *e = &s->w.ckeep.v[i];
	uint64_t start = 0, off = 0;
	uint32_t flags;
	struct rd rd = {NULL, NULL, 1};
	int r;

	if (s->cur == i)
		return 0;
	free(s->pc.raw);
	s->pc = (struct piece){0};
	s->cur = SIZE_MAX;
	if (e->at < s->hi && vms_input_compression(s->w.in) != NULL) {
		vms_input_close(s->w.in);
		s->w.in = place_open(&s->pl, err);
		if (s->w.in == NULL)
			return -1;
		s->w.name = vms_input_name(s->w.in);
	}
	s->w.off = e->at;
	s->w.cur.total = 0;
	r = read_chunk(&s->w, &s->pc, &flags, err);
	if (r < 0)
		return -1;
	if (r > 0 && s->pc.type == T_CONT) {
		rd = (struct rd){s->pc.raw, s->pc.raw + s->pc.len, 0};
		start = get_var(&rd);
		off = get_var(&rd);
	}
	if (rd.bad || start != e->start || off != e->off ||
	    (uint64_t)(rd.end - rd.p) != e->n)
		return vms_err_set(err, VMS_E_IO, 0,
				   "%s: the file changed while it was read",
				   s->w.name);
	s->head = (size_t)(rd.p - s->pc.raw);
	s->hi = s->w.off;
	s->cur = i;
	return 0;
}

ssize_t
vms_snapcont_read(struct vms_snapcont *s, const struct vms_region *r,
		  uint64_t off, void *buf, size_t n, uint64_t *skip,
		  struct vms_err *err)
{
	uint64_t size = vms_region_size(r);
	const struct cref *e;
	size_t i;

	*skip = size - off;
	if (off >= size)
		return 0;
	i = cref_find(&s->w.ckeep, r->start, off);
	if (i == s->w.ckeep.n || s->w.ckeep.v[i].start != r->start)
		return 0;
	e = &s->w.ckeep.v[i];
	if (e->off > off) {
		*skip = e->off - off;
		return 0;
	}
	if (cref_load(s, i, err) < 0)
		return -1;
	if (n > e->off + e->n - off)
		n = (size_t)(e->off + e->n - off);
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	memcpy(buf, s->pc.raw + s->head + (off - e->off), n);
	return (ssize_t)n;
}
