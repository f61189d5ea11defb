/*
 * pmap.c - the Solaris/illumos pmap(1) view and its modes (default, -x,
 * -S, -s, -r), plus the procps pmap modes Linux users expect (-X, -XX,
 * -d).  Column layouts follow the illumos format strings: addresses are 8
 * or 16 upper-case hex digits by the target's data model, sizes in
 * kilobytes, a zero printed as "-" and a value the source cannot know as
 * "?".  The mode letters are rwxsR and a trailing '*' for a region whose
 * contents are not (all) in the dump; a letter the source cannot know is
 * a blank.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "viewutil.h"

#define KB(x) (((x) + 1023) / 1024)

struct cols {
	int aw;   /* address width */
	int sw;   /* size column width */
};

static struct cols
cols_of(const struct vms_map *map)
{
	struct cols c;

	c.aw = vms_view_addr_width(map);
	c.sw = c.aw == 16 ? 11 : 8;
	return c;
}

/* "rwxsR*": a letter the source does not know is a blank. */
static const char *
mode(const struct vms_region *r, char *buf)
{
	int prot = (r->has & VMS_HAS_PROT) != 0;

	buf[0] = !prot ? ' ' : (r->prot & VMS_PROT_R) ? 'r' : '-';
	buf[1] = !prot ? ' ' : (r->prot & VMS_PROT_W) ? 'w' : '-';
	buf[2] = !prot ? ' ' : (r->prot & VMS_PROT_X) ? 'x' : '-';
	buf[3] = !(r->has & VMS_HAS_SHARED) ? ' ' :
		 (r->flags & VMS_RF_SHARED) ? 's' : '-';
	buf[4] = !(r->has & VMS_HAS_VMFLAGS) ? ' ' :
		 (r->vmflags & VMS_VMF(NR)) ? 'R' : '-';
	buf[5] = (r->flags & VMS_RF_PARTIAL) ? '*' : ' ';
	buf[6] = '\0';
	return buf;
}

/*
 * Rows are built by hand in a buffer that is written when it fills: a
 * printf per field, or even an fwrite per row, costs more than the
 * parsing for maps of tens of thousands of regions.  ROWMAX bounds one
 * row; the buffer always has that much room when a row starts.
 */
#define ROWMAX 8448
#define ROWBUF (65536 + ROWMAX)

struct row {
	size_t n;
	const char *last;        /* the last string measured, and its length: */
	size_t lastlen;          /* neighbouring rows often share a name */
	char b[ROWBUF];
};

static void
row_init(struct row *w)
{
	w->n = 0;
	w->last = NULL;
	w->lastlen = 0;
}

static void
r_long(struct row *w, const char *s, size_t n)
{
	if (n > ROWBUF - 2 - w->n)
		n = ROWBUF - 2 - w->n;
	memcpy(w->b + w->n, s, n);
	w->n += n;
}

/*
 * The short copies that make up a row, without a call: two overlapping
 * fixed-size moves cover any length from 4 to 16.
 */
static inline __attribute__((always_inline)) void
r_mem(struct row *w, const char *s, size_t n)
{
	char *d = w->b + w->n;

	if (n > 16 || w->n > ROWBUF - 2 - 16) {
		r_long(w, s, n);
		return;
	}
	if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
	w->n += n;
}

static void
r_str(struct row *w, const char *s)
{
	r_mem(w, s, strlen(s));
}

/* s, which stays unchanged while the view prints (the map's or a literal). */
static void
r_fixed(struct row *w, const char *s)
{
	if (s != w->last) {
		w->last = s;
		w->lastlen = strlen(s);
	}
	r_mem(w, s, w->lastlen);
}

static void
r_pad(struct row *w, int count)
{
	if (count <= 0)
		return;
	if ((size_t)count > ROWBUF - 2 - w->n)
		count = (int)(ROWBUF - 2 - w->n);
	if (count <= 16 && w->n <= ROWBUF - 2 - 16)
		memcpy(w->b + w->n, "                ", 16);
	else
		memset(w->b + w->n, ' ', (size_t)count);
	w->n += (size_t)count;
}

/* s, right-aligned in width columns. */
static void
r_right(struct row *w, const char *s, int width)
{
	size_t n = strlen(s);

	r_pad(w, width - (int)n);
	r_mem(w, s, n);
}

static void
r_dec(struct row *w, uint64_t v, int width)
{
	char t[24], *p = t + sizeof(t);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	r_pad(w, width - (int)(t + sizeof(t) - p));
	r_mem(w, p, (size_t)(t + sizeof(t) - p));
}

/*
 * Eight upper-case hex digits of x, most significant first in memory:
 * each nibble is spread into a byte of its own and turned into ASCII
 * in parallel, which beats a loop of table lookups per digit.
 */
static uint64_t
hex8(uint32_t x)
{
	uint64_t y = x, nine;

	y = (y & 0xffff0000u) << 16 | (y & 0xffffu);
	y = (y & UINT64_C(0x0000ff000000ff00)) << 8 |
	    (y & UINT64_C(0x000000ff000000ff));
	y = (y & UINT64_C(0x00f000f000f000f0)) << 4 |
	    (y & UINT64_C(0x000f000f000f000f));
	/* 0x01 in each byte whose nibble is above 9 */
	nine = ((y + UINT64_C(0x0606060606060606)) >> 4) &
	       UINT64_C(0x0101010101010101);
	y += UINT64_C(0x3030303030303030) + nine * 7;
	return __builtin_bswap64(y);
}

/* Upper-case hex, zero-padded to width digits. */
static void
r_hex(struct row *w, uint64_t v, int width)
{
	uint64_t t[2] = {hex8((uint32_t)(v >> 32)), hex8((uint32_t)v)};
	int n = v == 0 ? 1 : (67 - __builtin_clzll(v)) / 4;

	for (; width > 16 && w->n < ROWBUF - 2; width--)
		w->b[w->n++] = '0';
	if (n < width)
		n = width;
	r_mem(w, (const char *)t + 16 - n, (size_t)n);
}

static void
r_ch(struct row *w, char c)
{
	if (w->n < ROWBUF - 1)
		w->b[w->n++] = c;
}

/* Write the buffer to out. */
static void
r_flush(struct row *w, FILE *out)
{
	fwrite(w->b, 1, w->n, out);
	w->n = 0;
}

/* End a row; write the buffer when another row might not fit. */
static void
r_end(struct row *w, FILE *out)
{
	w->b[w->n++] = '\n';
	if (w->n > ROWBUF - ROWMAX)
		r_flush(w, out);
}

/* printK: a number of kilobytes, "-" for zero, "?" for unknown. */
static void
r_k(struct row *w, int width, int known, uint64_t bytes)
{
	if (!known)
		r_right(w, VMS_UNKNOWN_MARK, width);
	else if (bytes == 0)
		r_right(w, "-", width);
	else
		r_dec(w, bytes / 1024, width);
}

static void
r_ctr(struct row *w, int width, const struct vms_region *r,
      enum vms_counter c)
{
	uint64_t v = 0;
	int known = vms_region_get(r, c, &v) == 0;

	r_k(w, width, known, v);
}

/*
 * The name column: Solaris indents bracketed names by two spaces so that
 * they stand apart from paths; -x shows only a file's last component.
 */
static void
r_name(struct row *w, const struct vms_region *r,
       const struct vms_view_opts *o, int base)
{
	int raw = (o->flags & VMS_VIEW_RAW) != 0;
	char tmp[4096 + 64];
	const char *n = vms_view_name(r, raw, tmp, sizeof(tmp));

	if (raw || vms_view_is_file(r)) {
		const char *slash;

		if (base && !(o->flags & VMS_VIEW_FULLPATH) &&
		    (slash = strrchr(n, '/')) != NULL)
			n = slash + 1;
	} else {
		r_mem(w, "  ", 2);
	}
	/* tmp is rewritten from row to row; the rest stays put. */
	if (n >= tmp && n < tmp + sizeof(tmp))
		r_str(w, n);
	else
		r_fixed(w, n);
	if (r->flags & VMS_RF_FAULT)
		r_str(w, "  <- fault");
}

/* The name column, for the modes that still print with stdio. */
static const char *
name_of(const struct vms_region *r, const struct vms_view_opts *o, int base,
	char *buf, size_t size)
{
	struct row w;

	row_init(&w);
	r_name(&w, r, o, base);
	if (w.n >= size)
		w.n = size - 1;
	memcpy(buf, w.b, w.n);
	buf[w.n] = '\0';
	return buf;
}

/* The part of a region inside the -A range (Solaris clips rows). */
static void
clip(const struct vms_region *r, const struct vms_view_opts *o,
     uint64_t *start, uint64_t *end)
{
	*start = r->start;
	*end = r->end;
	if (!(o->flags & VMS_VIEW_RANGE))
		return;
	if (*start < o->lo)
		*start = o->lo & ~UINT64_C(0xfff);
	if (o->hi != UINT64_MAX && *end > o->hi + 1)
		*end = (o->hi + 0x1000) & ~UINT64_C(0xfff);
	if (*end > r->end)
		*end = r->end;
	if (*start < r->start)
		*start = r->start;
}

/*
 * The columns before the name of a 64-bit default row in one go: every
 * field has a fixed place (16 hex digits, a blank, kilobytes right-aligned
 * in 10 columns, "K ", the mode, a blank), so nothing needs measuring.
 * What map_row() would print, byte for byte; 0 when the kilobytes do not
 * fit in their 10 columns and map_row() must do it.
 */
static int
map_head64(struct row *w, const struct vms_region *r, uint64_t start,
	   uint64_t kb)
{
	char *d = w->b + w->n, *p = d + 27;
	uint64_t hi = hex8((uint32_t)(start >> 32)), lo = hex8((uint32_t)start);
	char m[8];

	if (kb > UINT64_C(9999999999))
		return 0;
	/* A row starts with ROWMAX bytes of room (see r_end()). */
	memcpy(d, &hi, 8);
	memcpy(d + 8, &lo, 8);
	memcpy(d + 16, "                ", 16);
	do
		*--p = (char)('0' + kb % 10);
	while ((kb /= 10) != 0);
	d[27] = 'K';
	d[28] = ' ';
	memcpy(d + 29, mode(r, m), 6);
	d[35] = ' ';
	w->n += 36;
	return 1;
}

/* The default, -r and -s rows: address, kilobytes, [Pgsz,] mode, name. */
static void
map_row(struct row *w, const struct cols *c, const struct vms_region *r,
	const struct vms_view_opts *o, uint64_t start, uint64_t end,
	const char *pg)
{
	char m[8];

	if (c->aw == 16 && c->sw == 11 && pg == NULL &&
	    map_head64(w, r, start, KB(end - start))) {
		r_name(w, r, o, 0);
		return;
	}
	r_hex(w, start, c->aw);
	r_ch(w, ' ');
	r_dec(w, KB(end - start), c->sw - 1);
	r_ch(w, 'K');
	r_ch(w, ' ');
	if (pg != NULL) {
		r_right(w, pg, 4);
		r_ch(w, ' ');
	}
	r_mem(w, mode(r, m), 6);
	r_ch(w, ' ');
	r_name(w, r, o, 0);
}

static void
map_total(FILE *out, const struct cols *c, uint64_t total)
{
	fprintf(out, " %stotal  %*" PRIu64 "K\n", c->aw == 16 ? "        " : "",
		c->sw, total);
}

/* "4K", "2M", "1G" */
static const char *
pgsz(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= (UINT64_C(1) << 30) && bytes % (UINT64_C(1) << 30) == 0)
		snprintf(buf, size, "%" PRIu64 "G", bytes >> 30);
	else if (bytes >= (UINT64_C(1) << 20) && bytes % (UINT64_C(1) << 20) == 0)
		snprintf(buf, size, "%" PRIu64 "M", bytes >> 20);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, size, "%" PRIu64 "K", bytes >> 10);
	else
		snprintf(buf, size, "%" PRIu64 "b", bytes);
	return buf;
}

/*
 * The page sizes in use: "-" when nothing is mapped, the kernel page size,
 * "+2M" when transparent huge pages back part of it, "?" when unknown.
 */
static const char *
page_sizes(const struct vms_region *r, char *buf, size_t size)
{
	uint64_t kp, mmu = 0, rss, huge = 0, v;
	char a[32], b[32];

	if (vms_region_get(r, VMS_C_KERNEL_PAGE, &kp) < 0 ||
	    vms_region_get(r, VMS_C_RSS, &rss) < 0)
		return VMS_UNKNOWN_MARK;
	if (rss == 0)
		return "-";
	if (vms_region_get(r, VMS_C_MMU_PAGE, &mmu) < 0)
		mmu = kp;
	if (vms_region_get(r, VMS_C_ANON_HUGE, &v) == 0)
		huge += v;
	if (vms_region_get(r, VMS_C_SHMEM_PMD, &v) == 0)
		huge += v;
	if (vms_region_get(r, VMS_C_FILE_PMD, &v) == 0)
		huge += v;
	pgsz(mmu != kp ? mmu : kp, a, sizeof(a));
	if (huge > 0 && kp < (kp / 8) * kp) {
		pgsz(kp * (kp / 8), b, sizeof(b));
		if (huge >= rss)
			snprintf(buf, size, "%s", b);
		else
			snprintf(buf, size, "%s+%s", a, b);
		return buf;
	}
	snprintf(buf, size, "%s", a);
	return buf;
}

static void
x_header(FILE *out, const struct cols *c, int pg)
{
	fprintf(out, "%*s%*s%*s%*s%*s %sMode   Mapped File\n", c->aw,
		"Address", c->sw, "Kbytes", c->sw, "RSS", c->sw, "Anon", c->sw,
		"Locked", pg ? "Pgsz " : "");
}

static void
bar(FILE *out, const struct cols *c, int n)
{
	const char *b = c->aw == 16 ? "----------" : "-------";

	fputs(c->aw == 16 ? "------" : "-", out);
	for (int i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? " " : "", b);
	fputc('\n', out);
	fprintf(out, "%stotal Kb", c->aw == 16 ? "        " : "");
}

/*
 * Rows [from, to) of a table, made by one of the row functions below,
 * and what they add up to.
 */
struct rows {
	const struct vms_map *map;
	const struct vms_view_opts *o;
	const struct cols *c;
	/* Format r into w and add it up; 0 when it has no row. */
	int (*row)(struct rows *h, const struct vms_region *r);
	int reserved_only;       /* -r: PROT_NONE regions only */
	int pg;                  /* -xs: a page size column */
	size_t from;
	size_t to;
	uint64_t total;          /* kilobytes */
	struct vms_sum sum[3];   /* -x: RSS, Anon, Locked */
	struct row w;
};

static const enum vms_counter x_sums[3] = {VMS_C_RSS, VMS_C_ANONYMOUS,
					   VMS_C_LOCKED};

static void
rows_zero(struct rows *h)
{
	h->total = 0;
	for (int k = 0; k < 3; k++)
		vms_sum_init(&h->sum[k]);
}

/* The default and -r rows. */
static int
map_row_of(struct rows *h, const struct vms_region *r)
{
	uint64_t s, e;

	if (h->reserved_only && (!(r->has & VMS_HAS_PROT) || r->prot != 0))
		return 0;
	clip(r, h->o, &s, &e);
	if (e <= s)
		return 0;
	map_row(&h->w, h->c, r, h->o, s, e, NULL);
	h->total += KB(e - s);
	return 1;
}

/* The -x and -xs rows. */
static int
x_row_of(struct rows *h, const struct vms_region *r)
{
	struct row *w = &h->w;
	char m[8], ps[80];

	r_hex(w, r->start, h->c->aw);
	r_k(w, h->c->sw, 1, KB(vms_region_size(r)) * 1024);
	for (int k = 0; k < 3; k++) {
		r_ctr(w, h->c->sw, r, x_sums[k]);
		vms_sum_add(&h->sum[k], r, x_sums[k]);
	}
	if (h->pg) {
		r_ch(w, ' ');
		r_right(w, page_sizes(r, ps, sizeof(ps)), 4);
	}
	r_ch(w, ' ');
	r_mem(w, mode(r, m), 6);
	r_ch(w, ' ');
	r_name(w, r, h->o, 1);
	h->total += KB(vms_region_size(r));
	return 1;
}

static void
rows_run(struct rows *h, FILE *out)
{
	for (size_t i = h->from; i < h->to; i++) {
		const struct vms_region *r = &h->map->regions[i];

		__builtin_prefetch(r + 8);
		if (!vms_view_in_range(r, h->o))
			continue;
		if (h->row(h, r))
			r_end(&h->w, out);
	}
	r_flush(&h->w, out);
}

/* Every row of h's table, its sums in h. */
static int
rows_all(struct rows *h, FILE *out)
{
	h->from = 0;
	h->to = h->map->nregions;
	rows_zero(h);
	rows_run(h, out);
	return 0;
}

static struct rows *
rows_new(const struct vms_map *map, const struct vms_view_opts *o,
	 const struct cols *c, int (*row)(struct rows *h,
					  const struct vms_region *r))
{
	struct rows *h = malloc(sizeof(*h));

	if (h == NULL)
		return NULL;
	*h = (struct rows){.map = map, .o = o, .c = c, .row = row};
	row_init(&h->w);
	return h;
}

static int
print_map_rows(FILE *out, const struct vms_map *map,
	       const struct vms_view_opts *o, int reserved_only)
{
	struct cols c = cols_of(map);
	struct rows *h = rows_new(map, o, &c, map_row_of);

	if (h == NULL)
		return -1;
	h->reserved_only = reserved_only;
	if (!(o->flags & VMS_VIEW_QUIET))
		vms_view_print_title(out, map);
	rows_all(h, out);
	if (!(o->flags & VMS_VIEW_QUIET))
		map_total(out, &c, h->total);
	free(h);
	return 0;
}

static int
print_default(FILE *out, const struct vms_map *map,
	      const struct vms_view_opts *o)
{
	return print_map_rows(out, map, o, 0);
}

static int
print_reserved(FILE *out, const struct vms_map *map,
	       const struct vms_view_opts *o)
{
	return print_map_rows(out, map, o, 1);
}

static int
print_x_common(FILE *out, const struct vms_map *map,
	       const struct vms_view_opts *o, int pg)
{
	struct cols c = cols_of(map);
	struct rows *h = rows_new(map, o, &c, x_row_of);
	struct row *w;

	if (h == NULL)
		return -1;
	h->pg = pg;
	if (!(o->flags & VMS_VIEW_QUIET)) {
		vms_view_print_title(out, map);
		x_header(out, &c, pg);
	}
	rows_all(h, out);
	if (!(o->flags & VMS_VIEW_QUIET)) {
		w = &h->w;
		bar(out, &c, 5);
		r_k(w, c.sw, 1, h->total * 1024);
		for (int k = 0; k < 3; k++)
			r_k(w, c.sw, h->sum[k].known, h->sum[k].v);
		r_end(w, out);
		r_flush(w, out);
	}
	free(h);
	return 0;
}

static int
print_x(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	return print_x_common(out, map, o, 0);
}

static int
print_xs(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	return print_x_common(out, map, o, 1);
}

static int
print_swap(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	struct cols c = cols_of(map);
	struct vms_sum swap;
	uint64_t size = 0;
	struct row w;
	char m[8];

	row_init(&w);
	vms_sum_init(&swap);
	if (!(o->flags & VMS_VIEW_QUIET)) {
		vms_view_print_title(out, map);
		fprintf(out, "%*s%*s%*s Mode   Mapped File\n", c.aw, "Address",
			c.sw, "Kbytes", c.sw, "Swap");
	}
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		if (!vms_view_in_range(r, o))
			continue;
		r_hex(&w, r->start, c.aw);
		r_k(&w, c.sw, 1, KB(vms_region_size(r)) * 1024);
		r_ctr(&w, c.sw, r, VMS_C_SWAP);
		r_ch(&w, ' ');
		r_mem(&w, mode(r, m), 6);
		r_ch(&w, ' ');
		r_name(&w, r, o, 1);
		r_end(&w, out);
		size += KB(vms_region_size(r));
		vms_sum_add(&swap, r, VMS_C_SWAP);
	}
	r_flush(&w, out);
	if (o->flags & VMS_VIEW_QUIET)
		return 0;
	bar(out, &c, 3);
	r_k(&w, c.sw, 1, size * 1024);
	r_k(&w, c.sw, swap.known, swap.v);
	r_end(&w, out);
	r_flush(&w, out);
	return 0;
}

/* -s with the page state known: rows of one page size, merged. */
struct pgrow {
	uint64_t start, end, size;   /* size 0: no page mapped */
	int open;
};

static void
pgrow_flush(struct pgrow *a, struct row *w, const struct cols *c,
	    const struct vms_region *r, const struct vms_view_opts *o,
	    FILE *out)
{
	char ps[32];

	if (!a->open)
		return;
	map_row(w, c, r, o, a->start, a->end,
		a->size ? pgsz(a->size, ps, sizeof(ps)) : "-");
	r_end(w, out);
	a->open = 0;
}

static void
pgrow_add(struct pgrow *a, uint64_t s, uint64_t e, uint64_t size,
	  struct row *w, const struct cols *c, const struct vms_region *r,
	  const struct vms_view_opts *o, FILE *out)
{
	if (e <= s)
		return;
	if (a->open && a->size == size && a->end == s) {
		a->end = e;
		return;
	}
	pgrow_flush(a, w, c, r, o, out);
	*a = (struct pgrow){s, e, size, 1};
}

/*
 * Solaris prints one row per run of one page size, "-" where no page is
 * mapped; the page state (snapshot --pages) says which pages are present
 * and which are huge.
 */
static void
pgsz_split(struct row *w, const struct cols *c, const struct vms_map *map,
	   const struct vms_region *r, const struct vms_pages *pg,
	   const struct vms_view_opts *o, uint64_t s, uint64_t e, FILE *out)
{
	uint64_t base = (map->has & VMS_P_PAGE_SIZE) && map->page_size ?
				map->page_size :
				4096,
		 kp, huge, at = s;
	struct pgrow a = {0};

	if (vms_region_get(r, VMS_C_KERNEL_PAGE, &kp) < 0 || kp == 0)
		kp = base;
	huge = kp > base ? kp : base * (base / 8);
	for (size_t k = 0; k < pg->nruns; k++) {
		const struct vms_page_run *run = &pg->runs[k];
		uint64_t rs = run->start > s ? run->start : s;
		uint64_t re = run->end < e ? run->end : e;

		if (re <= rs)
			continue;
		pgrow_add(&a, at, rs, 0, w, c, r, o, out);
		pgrow_add(&a, rs, re,
			  !(run->flags & VMS_PG_PRESENT) ? 0 :
			  (run->flags & VMS_PG_HUGE)     ? huge :
							   kp,
			  w, c, r, o, out);
		at = re;
	}
	pgrow_add(&a, at, e, 0, w, c, r, o, out);
	pgrow_flush(&a, w, c, r, o, out);
}

static int
print_pgsz(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	struct cols c = cols_of(map);
	uint64_t total = 0;
	char ps[80];
	struct row w;

	row_init(&w);
	if (!(o->flags & VMS_VIEW_QUIET)) {
		vms_view_print_title(out, map);
		fprintf(out, "%*s %*s %4s %-6s %s\n", c.aw, "Address", c.sw - 1,
			"Bytes", "Pgsz", "Mode ", "Mapped File");
	}
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		uint64_t s, e;

		if (!vms_view_in_range(r, o))
			continue;
		clip(r, o, &s, &e);
		if (e <= s)
			continue;
		if (vms_map_pages(map, i) != NULL) {
			pgsz_split(&w, &c, map, r, vms_map_pages(map, i), o, s,
				   e, out);
		} else {
			map_row(&w, &c, r, o, s, e,
				page_sizes(r, ps, sizeof(ps)));
			r_end(&w, out);
		}
		total += KB(e - s);
	}
	r_flush(&w, out);
	if (!(o->flags & VMS_VIEW_QUIET))
		map_total(out, &c, total);
	return 0;
}

/*
 * procps -X and -XX: one column per smaps field the source knows, in the
 * kernel's order, widths fitted to the values; values in kilobytes.
 */
enum xcol_kind { XC_CTR, XC_SIZE, XC_THP, XC_PKEY, XC_VMFLAGS };

struct xcol {
	const char *head;
	enum xcol_kind kind;
	enum vms_counter ctr;
	int xx_only;
};

static const struct xcol xcols[] = {
	{"Size", XC_SIZE, 0, 0},
	{"KernelPageSize", XC_CTR, VMS_C_KERNEL_PAGE, 1},
	{"MMUPageSize", XC_CTR, VMS_C_MMU_PAGE, 1},
	{"Rss", XC_CTR, VMS_C_RSS, 0},
	{"Pss", XC_CTR, VMS_C_PSS, 0},
	{"Pss_Dirty", XC_CTR, VMS_C_PSS_DIRTY, 0},
	{"Shared_Clean", XC_CTR, VMS_C_SHARED_CLEAN, 1},
	{"Shared_Dirty", XC_CTR, VMS_C_SHARED_DIRTY, 1},
	{"Private_Clean", XC_CTR, VMS_C_PRIVATE_CLEAN, 1},
	{"Private_Dirty", XC_CTR, VMS_C_PRIVATE_DIRTY, 1},
	{"Referenced", XC_CTR, VMS_C_REFERENCED, 0},
	{"Anonymous", XC_CTR, VMS_C_ANONYMOUS, 0},
	{"KSM", XC_CTR, VMS_C_KSM, 0},
	{"LazyFree", XC_CTR, VMS_C_LAZYFREE, 0},
	{"AnonHugePages", XC_CTR, VMS_C_ANON_HUGE, 1},
	{"ShmemPmdMapped", XC_CTR, VMS_C_SHMEM_PMD, 0},
	{"FilePmdMapped", XC_CTR, VMS_C_FILE_PMD, 0},
	{"Shared_Hugetlb", XC_CTR, VMS_C_SHARED_HUGETLB, 0},
	{"Private_Hugetlb", XC_CTR, VMS_C_PRIVATE_HUGETLB, 0},
	{"Swap", XC_CTR, VMS_C_SWAP, 0},
	{"SwapPss", XC_CTR, VMS_C_SWAP_PSS, 0},
	{"Locked", XC_CTR, VMS_C_LOCKED, 0},
	{"THPeligible", XC_THP, 0, 0},
	{"ProtectionKey", XC_PKEY, 0, 0},
	{"VmFlags", XC_VMFLAGS, 0, 1},
};
#define NXCOLS (sizeof(xcols) / sizeof(xcols[0]))

/* A cell's text; returns 0 when the column has no value for the region. */
static int
xcell(const struct xcol *x, const struct vms_region *r, char *buf,
      size_t size)
{
	uint64_t v;
	size_t n = 0;

	switch (x->kind) {
	case XC_SIZE:
		snprintf(buf, size, "%" PRIu64, KB(vms_region_size(r)));
		return 1;
	case XC_CTR:
		if (vms_region_get(r, x->ctr, &v) < 0) {
			snprintf(buf, size, VMS_UNKNOWN_MARK);
			return 0;
		}
		snprintf(buf, size, "%" PRIu64, v / 1024);
		return 1;
	case XC_THP:
		if (!(r->has & VMS_HAS_THP))
			break;
		snprintf(buf, size, "%d", r->thp_eligible);
		return 1;
	case XC_PKEY:
		if (!(r->has & VMS_HAS_PKEY))
			break;
		snprintf(buf, size, "%d", r->pkey);
		return 1;
	case XC_VMFLAGS:
		if (!(r->has & VMS_HAS_VMFLAGS))
			break;
		buf[0] = '\0';
		for (int f = 0; f < VMS_VMF__COUNT && n + 4 < size; f++)
			if (r->vmflags & (UINT64_C(1) << f))
				n += (size_t)snprintf(buf + n, size - n, "%s%s",
						      n ? " " : "",
						      vms_vmflag_name(f));
		if (r->vmflags_other != NULL && n + 2 < size)
			snprintf(buf + n, size - n, "%s%s", n ? " " : "",
				 r->vmflags_other);
		return 1;
	}
	snprintf(buf, size, VMS_UNKNOWN_MARK);
	return 0;
}

static int
print_xx_common(FILE *out, const struct vms_map *map,
		const struct vms_view_opts *o, int xx)
{
	int show[NXCOLS], width[NXCOLS], aw = 7, ow = 6, dw = 6, iw = 5;
	struct vms_sum sums[NXCOLS];
	char cell[512], name[4200], buf[64];
	size_t k;

	for (k = 0; k < NXCOLS; k++) {
		show[k] = (!xcols[k].xx_only || xx) &&
			  xcols[k].kind == XC_SIZE;
		width[k] = (int)strlen(xcols[k].head);
		vms_sum_init(&sums[k]);
	}
	/* Pass 1: which columns the source knows, and their widths. */
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		if (!vms_view_in_range(r, o))
			continue;
		snprintf(buf, sizeof(buf), "%" PRIx64, r->start);
		if ((int)strlen(buf) > aw)
			aw = (int)strlen(buf);
		snprintf(buf, sizeof(buf), "%08" PRIx64, r->offset);
		if ((int)strlen(buf) > ow)
			ow = (int)strlen(buf);
		snprintf(buf, sizeof(buf), "%" PRIu64, r->inode);
		if ((int)strlen(buf) > iw)
			iw = (int)strlen(buf);
		for (k = 0; k < NXCOLS; k++) {
			if (xcols[k].xx_only && !xx)
				continue;
			if (xcell(&xcols[k], r, cell, sizeof(cell)))
				show[k] = 1;
			if (xcols[k].kind == XC_CTR)
				vms_sum_add(&sums[k], r, xcols[k].ctr);
			else if (xcols[k].kind == XC_SIZE)
				sums[k].v += KB(vms_region_size(r)) * 1024;
		}
	}
	for (size_t i = 0; i < map->nregions; i++) {
		for (k = 0; k < NXCOLS; k++) {
			int n;

			if (!show[k] || !vms_view_in_range(&map->regions[i], o))
				continue;
			xcell(&xcols[k], &map->regions[i], cell, sizeof(cell));
			n = (int)strlen(cell);
			if (n > width[k])
				width[k] = n;
		}
	}
	if (!(o->flags & VMS_VIEW_QUIET)) {
		vms_view_print_title(out, map);
		fprintf(out, "%*s Perm %*s %*s %*s", aw, "Address", ow,
			"Offset", dw, "Device", iw, "Inode");
		for (k = 0; k < NXCOLS; k++)
			if (show[k])
				fprintf(out, xcols[k].kind == XC_VMFLAGS ?
						     " %-*s" : " %*s",
					width[k], xcols[k].head);
		fputs(" Mapping\n", out);
	}
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		char perm[5];

		if (!vms_view_in_range(r, o))
			continue;
		memcpy(perm, mode(r, buf), 3);
		perm[3] = !(r->has & VMS_HAS_SHARED) ? ' ' :
			  (r->flags & VMS_RF_SHARED) ? 's' : 'p';
		perm[4] = '\0';
		snprintf(buf, sizeof(buf), "%02x:%02x", r->dev_major,
			 r->dev_minor);
		fprintf(out, "%*" PRIx64 " %s %0*" PRIx64 " %*s %*" PRIu64, aw,
			r->start, perm, ow, r->offset, dw, buf, iw, r->inode);
		for (k = 0; k < NXCOLS; k++) {
			if (!show[k])
				continue;
			xcell(&xcols[k], r, cell, sizeof(cell));
			if (xcols[k].kind == XC_VMFLAGS)
				fprintf(out, " %-*s", width[k], cell);
			else
				fprintf(out, " %*s", width[k], cell);
		}
		fprintf(out, " %s\n", name_of(r, o, 1, name, sizeof(name)));
	}
	if (o->flags & VMS_VIEW_QUIET)
		return 0;
	fprintf(out, "%*s", aw + 6 + ow + 1 + dw + 1 + iw, "");
	for (k = 0; k < NXCOLS; k++)
		if (show[k] && xcols[k].kind <= XC_SIZE)
			fprintf(out, " %.*s", width[k],
				"=============================");
	fputc('\n', out);
	fprintf(out, "%*s", aw + 6 + ow + 1 + dw + 1 + iw, "");
	for (k = 0; k < NXCOLS; k++) {
		if (!show[k] || xcols[k].kind > XC_SIZE)
			continue;
		if (sums[k].known)
			fprintf(out, " %*" PRIu64, width[k], sums[k].v / 1024);
		else
			fprintf(out, " %*s", width[k], VMS_UNKNOWN_MARK);
	}
	fputs(" KB \n", out);
	return 0;
}

static int
print_X(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	return print_xx_common(out, map, o, 0);
}

static int
print_XX(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	return print_xx_common(out, map, o, 1);
}

/* procps -d: offsets and devices, and the "mapped / writeable" summary. */
static int
print_device(FILE *out, const struct vms_map *map,
	     const struct vms_view_opts *o)
{
	uint64_t mapped = 0, wpriv = 0, shared = 0;
	char name[4200], m[8];

	if (!(o->flags & VMS_VIEW_QUIET)) {
		vms_view_print_title(out, map);
		fprintf(out, "%-16s %7s %-5s %-16s %-9s %s\n", "Address",
			"Kbytes", "Mode", "Offset", "Device", "Mapping");
	}
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		uint64_t kb = KB(vms_region_size(r));

		if (!vms_view_in_range(r, o))
			continue;
		mode(r, m);
		m[5] = '\0';
		fprintf(out, "%016" PRIx64 " %7" PRIu64 " %s %016" PRIx64
			     " %03x:%05x %s\n",
			r->start, kb, m, r->offset, r->dev_major, r->dev_minor,
			name_of(r, o, 1, name, sizeof(name)));
		mapped += kb;
		if (r->flags & VMS_RF_SHARED)
			shared += kb;
		else if (r->prot & VMS_PROT_W)
			wpriv += kb;
	}
	if (!(o->flags & VMS_VIEW_QUIET))
		fprintf(out,
			"mapped: %" PRIu64 "K    writeable/private: %" PRIu64
			"K    shared: %" PRIu64 "K\n",
			mapped, wpriv, shared);
	return 0;
}

const struct vms_view vms_view_pmap[] = {
	{"pmap", 0, print_default},
	{"pmap-r", 0, print_reserved},
	{"pmap-x", VMS_OPEN_COUNTERS, print_x},
	{"pmap-xs", VMS_OPEN_COUNTERS, print_xs},
	{"pmap-S", VMS_OPEN_COUNTERS, print_swap},
	{"pmap-s", VMS_OPEN_COUNTERS, print_pgsz},
	{"pmap-X", VMS_OPEN_COUNTERS, print_X},
	{"pmap-XX", VMS_OPEN_COUNTERS, print_XX},
	{"pmap-d", 0, print_device},
	{NULL, 0, NULL},
};
