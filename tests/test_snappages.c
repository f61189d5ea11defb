/*
 * test_snappages.c - snapshots with page state (--pages, src/pages.c) and
 * with region contents (--contents, src/contents.c), vmscope-snapshot(5)
 * format 1.1: the PAGE and CONT chunks.
 *
 * Page state of the fixture process vms_mapper is checked against this
 * file's own read of /proc/PID/pagemap and against smaps; contents against
 * its own reads of /proc/PID/mem and of a core's bytes, and so are the
 * contents of a snapshot converted into another (--contents on a
 * snapshot: from a file, a compressed file, a pipe, a frame of a series;
 * damaged CONT chunks are refused in one line).  pmap -s rows
 * split by page state are checked against goldens in testdata/golden/pmap
 * (VMS_UPDATE_GOLDEN=1 rewrites them; read the diff).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mapcmp.h"
#include "snapbuild.h"
#include "testutil.h"
#include "vmscope/vmscope.h"

#define PIECE ((size_t)1 << 20)

static void *
encode(const struct vms_map *map, struct vms_contents *c, size_t *len)
{
	struct vms_snapshot_opts so = {.contents = c};
	struct vms_err err = {0};
	void *buf = NULL;

	if (vms_snapshot_encode(map, 1, &so, &buf, len, &err) < 0)
		fail_msg("encode: %s", err.msg);
	return buf;
}

static struct vms_map *
readback(const void *buf, size_t len)
{
	struct vms_err err = {0};
	struct vms_map *m = vms_open_mem(buf, len, "t.vms", NULL, &err);

	if (m == NULL)
		fail_msg("read back: %s", err.msg);
	return m;
}

static void
assert_same(const struct vms_map *a, const struct vms_map *b)
{
	char why[512];

	if (vt_map_compare(a, b, why, sizeof(why)) < 0)
		fail_msg("round trip: %s", why);
}

/* What this test sees itself in /proc/PID/pagemap over [lo, hi). */
struct count {
	uint64_t present, swapped, dirty, file, exclusive;
};

static struct count
pagemap_count(pid_t pid, uint64_t lo, uint64_t hi)
{
	char *path = vt_asprintf("/proc/%d/pagemap", (int)pid);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct count c = {0};
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	for (uint64_t a = lo; a < hi; a += page) {
		uint64_t w;

		assert_int_equal(pread(fd, &w, 8, (off_t)(a / page * 8)), 8);
		if (!(w >> 62))
			continue;  /* neither present nor swapped */
		c.present += w >> 63 & 1;
		c.swapped += w >> 62 & 1;
		c.file += w >> 61 & 1;
		c.exclusive += w >> 56 & 1;
		c.dirty += w >> 55 & 1;
	}
	close(fd);
	free(path);
	return c;
}

/* The same, from the runs the library gathered. */
static struct count
runs_count(const struct vms_pages *pg)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct count c = {0};

	for (size_t k = 0; k < pg->nruns; k++) {
		const struct vms_page_run *r = &pg->runs[k];
		uint64_t n = (r->end - r->start) / page;

		assert_true(r->end > r->start);
		assert_int_equal(r->start % page, 0);
		assert_true(r->flags != 0);
		if (k > 0)
			assert_true(r->start >= pg->runs[k - 1].end);
		c.present += (r->flags & VMS_PG_PRESENT) ? n : 0;
		c.swapped += (r->flags & VMS_PG_SWAPPED) ? n : 0;
		c.file += (r->flags & VMS_PG_FILE) ? n : 0;
		c.exclusive += (r->flags & VMS_PG_EXCLUSIVE) ? n : 0;
		c.dirty += (r->flags & VMS_PG_DIRTY) ? n : 0;
	}
	return c;
}

static size_t
region_at(const struct vms_map *m, uint64_t addr)
{
	const struct vms_region *r = vms_map_find(m, addr);

	assert_non_null(r);
	return (size_t)(r - m->regions);
}

static void
test_pages_live(void **state)
{
	static const char *const facts[] = {
		"heap", "anon", "file_private", "file_shared", "shared_anon",
		"shm", "memfd", "guard", "noreserve", "locked", "deleted",
	};
	struct vms_open_opts oo = {.flags = VMS_OPEN_COUNTERS |
					    VMS_OPEN_PAGES};
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), pid, addr;
	struct vms_err err = {0};
	struct vms_map *map, *back;
	struct vt_fixture fx;
	size_t len;
	void *buf;

	(void)state;
	assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	map = vms_open_pid((int64_t)pid, &oo, &err);
	if (map == NULL)
		fail_msg("mapper: %s", err.msg);
	assert_true(map->npages > 0);
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const struct vms_region *r;
		const struct vms_pages *pg;
		struct count want, got;
		uint64_t rss;

		assert_int_equal(vt_fact_u64(&fx, facts[i], 0, &addr), 0);
		r = &map->regions[region_at(map, addr)];
		pg = vms_map_pages(map, region_at(map, addr));
		assert_non_null(pg);
		assert_true(pg->known & VMS_PG_PRESENT);
		assert_true(pg->known & VMS_PG_SWAPPED);
		want = pagemap_count((pid_t)pid, r->start, r->end);
		got = runs_count(pg);
		if (got.present != want.present)
			fail_msg("%s: %llu present pages, pagemap says %llu",
				 facts[i], (unsigned long long)got.present,
				 (unsigned long long)want.present);
		assert_int_equal(got.swapped, want.swapped);
		if (pg->known & VMS_PG_FILE)
			assert_int_equal(got.file, want.file);
		if (pg->known & VMS_PG_EXCLUSIVE)
			assert_int_equal(got.exclusive, want.exclusive);
		/* Unknown soft-dirty: the kernel sets no bit. */
		if (pg->known & VMS_PG_DIRTY)
			assert_int_equal(got.dirty, want.dirty);
		else
			assert_int_equal(want.dirty, 0);
		/* And smaps agrees, page for page. */
		assert_int_equal(vms_region_get(r, VMS_C_RSS, &rss), 0);
		assert_int_equal(got.present * page, rss);
	}
	/* What the fixture touched: 3 pages of its 16 (the region may be
	 * merged with a neighbour). */
	assert_int_equal(vt_fact_u64(&fx, "anon", 0, &addr), 0);
	{
		const struct vms_pages *pg =
			vms_map_pages(map, region_at(map, addr));
		uint64_t n = 0;

		for (size_t k = 0; k < pg->nruns; k++) {
			uint64_t s = pg->runs[k].start, e = pg->runs[k].end;

			s = s > addr ? s : addr;
			e = e < addr + 16 * page ? e : addr + 16 * page;
			if (e > s && (pg->runs[k].flags & VMS_PG_PRESENT))
				n += (e - s) / page;
		}
		assert_int_equal(n, 3);
	}
	assert_int_equal(vt_fact_u64(&fx, "guard", 0, &addr), 0);
	assert_int_equal(vms_map_pages(map, region_at(map, addr))->nruns, 0);

	/* The runs survive a snapshot. */
	buf = encode(map, NULL, &len);
	back = readback(buf, len);
	assert_same(map, back);
	vms_map_free(back);
	free(buf);
	vms_map_free(map);
	assert_int_equal(vt_fixture_stop(&fx), 0);
}

static char *
render(const struct vms_map *map, const char *view,
       const struct vms_view_opts *vo)
{
	const struct vms_view *v = vms_view_find(view);
	char *out;

	assert_non_null(v);
	out = vt_render(v, map, vo);
	assert_non_null(out);
	return out;
}

static void
golden(const char *name, const char *out)
{
	char *rel = vt_asprintf("testdata/golden/pmap/%s.txt", name);

	if (vt_golden(rel, out) != 0)
		fail_msg("%s does not match the golden", name);
	free(rel);
}

/* The fake process 4242 with page state made up for four regions. */
static struct vms_map *
fake_with_pages(void)
{
	struct vms_err err = {0};
	struct vms_map *map = vt_tree_open("testdata/procfs/golden", "4242",
					   VMS_OPEN_COUNTERS, &err);
	struct vms_page_run *runs;
	uint64_t heap, tstack, shm, thp;

	if (map == NULL)
		fail_msg("4242: %s", err.msg);
	heap = 0x555555560000;
	tstack = 0x7f0000001000;
	shm = 0x7f0000900000;
	thp = 0x7f0000d00000;
	runs = vms_map_alloc(map, 5 * sizeof(*runs), &err);
	map->pages = vms_map_alloc(map, 4 * sizeof(*map->pages), &err);
	assert_non_null(runs);
	assert_non_null(map->pages);
	/* heap: 16K present, 4K swapped, 8K present at 64K. */
	runs[0] = (struct vms_page_run){heap, heap + 0x4000, VMS_PG_PRESENT};
	runs[1] = (struct vms_page_run){heap + 0x4000, heap + 0x5000,
					VMS_PG_SWAPPED};
	runs[2] = (struct vms_page_run){heap + 0x10000, heap + 0x12000,
					VMS_PG_PRESENT | VMS_PG_DIRTY};
	/* thread stack: the top 12K. */
	runs[3] = (struct vms_page_run){tstack + 0x800000 - 0x3000,
					tstack + 0x800000, VMS_PG_PRESENT};
	/* anon: one 2M huge page after 1M of nothing. */
	runs[4] = (struct vms_page_run){thp, thp + 0x100000,
					VMS_PG_PRESENT | VMS_PG_HUGE};
	map->pages[0] = (struct vms_pages){region_at(map, heap), VMS_PG_ALL,
					   runs, 3};
	map->pages[1] = (struct vms_pages){region_at(map, tstack), VMS_PG_ALL,
					   runs + 3, 1};
	map->pages[2] = (struct vms_pages){region_at(map, shm), VMS_PG_ALL,
					   NULL, 0};
	map->pages[3] = (struct vms_pages){region_at(map, thp), VMS_PG_ALL,
					   runs + 4, 1};
	map->npages = 4;
	return map;
}

/* The "Bytes" of every row of -s output whose address is in [lo, hi). */
static uint64_t
rows_bytes(const char *out, uint64_t lo, uint64_t hi, int *nrows)
{
	uint64_t sum = 0;

	*nrows = 0;
	for (const char *s = out; s != NULL && *s; s = strchr(s, '\n')) {
		unsigned long long a, k;

		if (*s == '\n')
			s++;
		if (sscanf(s, "%llx %lluK", &a, &k) == 2 && a >= lo &&
		    a < hi) {
			sum += k * 1024;
			++*nrows;
		}
	}
	return sum;
}

static void
test_pgsz_split(void **state)
{
	struct vms_view_opts vo = {0};
	struct vms_map *map = fake_with_pages(), *back;
	char *out, *again;
	uint64_t b;
	size_t len;
	void *buf;
	int n;

	(void)state;
	out = render(map, "pmap-s", &vo);
	golden("s-pages-4242", out);
	/* The rows of a region add up to it; Solaris' runs, counted. */
	b = rows_bytes(out, 0x555555560000, 0x555555581000, &n);
	assert_int_equal(b, 0x21000);
	assert_int_equal(n, 4);   /* 16K 4K, 48K -, 8K 4K, 60K - */
	b = rows_bytes(out, 0x7f0000001000, 0x7f0000801000, &n);
	assert_int_equal(b, 0x800000);
	assert_int_equal(n, 2);
	b = rows_bytes(out, 0x7f0000d00000, 0x7f0000f00000, &n);
	assert_int_equal(b, 0x200000);
	assert_int_equal(n, 2);
	assert_non_null(strstr(out, "1024K   2M"));
	/* Regions without page state keep their one row. */
	b = rows_bytes(out, 0x7ffffffde000, 0x7ffffffff000, &n);
	assert_int_equal(n, 1);

	/* The view of the snapshot is the view of the map. */
	buf = encode(map, NULL, &len);
	back = readback(buf, len);
	assert_same(map, back);
	again = render(back, "pmap-s", &vo);
	assert_string_equal(strchr(out, '\n'), strchr(again, '\n'));
	free(again);
	free(out);

	/* -A clips the runs too. */
	vo.flags = VMS_VIEW_RANGE;
	vo.lo = 0x555555562000;
	vo.hi = 0x555555570fff;
	out = render(map, "pmap-s", &vo);
	golden("s-pages-A-4242", out);
	b = rows_bytes(out, 0, UINT64_MAX, &n);
	assert_int_equal(b, 0xf000);
	assert_int_equal(n, 3);   /* 8K 4K, 48K -, 4K 4K */
	free(out);
	vms_map_free(back);
	free(buf);
	vms_map_free(map);
}

/* Contents read back through the library, into one buffer. */
struct got {
	unsigned char *p;
	unsigned char *seen;     /* per byte: delivered */
	uint64_t size;
	uint64_t have;           /* bytes delivered */
	uint64_t next;
};

static int
collect(void *arg, uint64_t off, const void *buf, size_t n)
{
	struct got *g = arg;

	assert_true(off >= g->next);
	assert_true(off + n <= g->size);
	assert_true(n <= PIECE);
	memcpy(g->p + off, buf, n);
	if (g->seen != NULL)
		memset(g->seen + off, 1, n);
	g->have += n;
	g->next = off + n;
	return 0;
}

static struct got
contents_of(const void *buf, size_t len, const struct vms_region *r)
{
	struct got g = {calloc(1, vms_region_size(r) + 1),
			calloc(1, vms_region_size(r) + 1), vms_region_size(r),
			0, 0};
	struct vms_err err = {0};

	assert_non_null(g.p);
	assert_non_null(g.seen);
	if (vms_snapshot_contents_mem(buf, len, "t.vms", NULL, r->start,
				      collect, &g, &err) != 0)
		fail_msg("contents at 0x%llx: %s",
			 (unsigned long long)r->start, err.msg);
	return g;
}

/* The region's bytes, read by the test itself through /proc/PID/mem. */
static unsigned char *
mem_of(pid_t pid, const struct vms_region *r)
{
	char *path = vt_asprintf("/proc/%d/mem", (int)pid);
	unsigned char *p = malloc(vms_region_size(r));
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, vms_region_size(r), (off_t)r->start),
			 (ssize_t)vms_region_size(r));
	close(fd);
	free(path);
	return p;
}

/*
 * What a live capture must hold: every populated page (present or
 * swapped, by the test's own pagemap read), byte for byte as
 * /proc/PID/mem gives it, and nothing else.  The count of pages held.
 */
static uint64_t
check_live(pid_t pid, const struct vms_region *r, const struct got *g)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), held = 0;
	unsigned char *pops = malloc(g->size / page + 1), *m;

	/* Before reading it: a read faults pages in. */
	assert_non_null(pops);
	for (uint64_t o = 0; o < g->size; o += page) {
		struct count c = pagemap_count(pid, r->start + o,
					       r->start + o + page);

		pops[o / page] = c.present + c.swapped > 0;
	}
	m = mem_of(pid, r);
	for (uint64_t o = 0; o < g->size; o += page) {
		int pop = pops[o / page];

		if (g->seen[o] != pop)
			fail_msg("0x%llx: %s, but %s",
				 (unsigned long long)(r->start + o),
				 pop ? "populated" : "not populated",
				 g->seen[o] ? "held" : "not held");
		for (uint64_t k = 0; k < page; k++)
			assert_int_equal(g->seen[o + k], g->seen[o]);
		if (pop)
			assert_memory_equal(g->p + o, m + o, page);
		held += (uint64_t)pop;
	}
	free(m);
	free(pops);
	return held;
}

static void
test_contents_live(void **state)
{
	struct vms_open_opts oo = {.flags = VMS_OPEN_COUNTERS};
	struct vms_err err = {0};
	struct vms_contents *c;
	struct vms_map *map, *back;
	struct vt_fixture fx;
	uint64_t pid, heap, anon, fp, named;
	char pidstr[32];
	size_t len;
	void *buf;

	(void)state;
	assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	assert_int_equal(vt_fact_u64(&fx, "heap", 0, &heap), 0);
	assert_int_equal(vt_fact_u64(&fx, "anon", 0, &anon), 0);
	assert_int_equal(vt_fact_u64(&fx, "file_private", 0, &fp), 0);
	assert_int_equal(vt_fact_u64(&fx, "anon_named", 0, &named), 0);
	snprintf(pidstr, sizeof(pidstr), "%llu", (unsigned long long)pid);
	map = vms_open(pidstr, &oo, &err);
	if (map == NULL)
		fail_msg("mapper: %s", err.msg);

	/* "anon": heap and anonymous regions, not files. */
	c = vms_contents_open(map, pidstr, &oo, "anon", &err);
	if (c == NULL)
		fail_msg("contents: %s", err.msg);
	assert_true(vms_contents_wants(c, vms_map_find(map, heap)));
	assert_true(vms_contents_wants(c, vms_map_find(map, anon)));
	assert_false(vms_contents_wants(c, vms_map_find(map, fp)));
	buf = encode(map, c, &len);
	vms_contents_close(c);
	back = readback(buf, len);
	assert_same(map, back);
	{
		static const char *const keys[] = {"heap", "anon",
						   "anon_named"};

		for (size_t i = 0; i < 3; i++) {
			uint64_t a;
			const struct vms_region *r;
			struct got g;

			assert_int_equal(vt_fact_u64(&fx, keys[i], 0, &a), 0);
			r = vms_map_find(back, a);
			assert_true(r->flags & VMS_RF_CONTENTS);
			g = contents_of(buf, len, r);
			assert_true(check_live((pid_t)pid, r, &g) > 0);
			free(g.p);
			free(g.seen);
		}
		/* A file region: flagged not, no bytes. */
		assert_false(vms_map_find(back, fp)->flags & VMS_RF_CONTENTS);
		{
			struct got g = contents_of(buf, len,
						   vms_map_find(back, fp));

			assert_int_equal(g.have, 0);
			free(g.p);
			free(g.seen);
		}
	}
	vms_map_free(back);
	free(buf);

	/* A filter: the heap and a path substring. */
	c = vms_contents_open(map, pidstr, &oo, "heap,/data", &err);
	assert_non_null(c);
	buf = encode(map, c, &len);
	vms_contents_close(c);
	back = readback(buf, len);
	for (size_t i = 0; i < back->nregions; i++) {
		const struct vms_region *r = &back->regions[i];
		int want = r->label == VMS_LABEL_HEAP ||
			   (r->path != NULL && strstr(r->path, "/data"));

		assert_int_equal((r->flags & VMS_RF_CONTENTS) != 0, want);
	}
	{
		const struct vms_region *r = vms_map_find(back, fp);
		struct got g = contents_of(buf, len, r);

		/* A page written, one read (and fault-around's). */
		assert_true(check_live((pid_t)pid, r, &g) >= 2);
		free(g.p);
		free(g.seen);
	}
	vms_map_free(back);
	free(buf);

	/* Filters that are not. */
	assert_int_equal(vms_contents_filter_check("", &err), -1);
	assert_int_equal(vms_contents_filter_check("heap,", &err), -1);
	assert_int_equal(vms_contents_filter_check("heap,,x", &err), -1);
	assert_int_equal(vms_contents_filter_check("all", &err), 0);
	vms_map_free(map);
	assert_int_equal(vt_fixture_stop(&fx), 0);
}

/*
 * Each region of snapshot buf (frame frame) that it flags holds exactly
 * the bytes core map holds of it, as the test reads them from the plain
 * core fd.  The count of regions with bytes.
 */
static size_t
check_core_bytes(const void *buf, size_t len, int frame,
		 const struct vms_map *map, int fd)
{
	struct vms_open_opts oo = {.frame = frame};
	struct vms_err err = {0};
	struct vms_map *back = vms_open_mem(buf, len, "t.vms", &oo, &err);
	size_t nchecked = 0;

	assert_non_null(back);
	assert_int_equal(back->nregions, map->nregions);
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		uint64_t want = (r->has & VMS_HAS_DATA) ? r->data_size : 0;
		struct got g = {calloc(1, vms_region_size(r) + 1), NULL,
				vms_region_size(r), 0, 0};

		assert_int_equal(back->regions[i].start, r->start);
		if (!(back->regions[i].flags & VMS_RF_CONTENTS)) {
			free(g.p);
			continue;
		}
		assert_non_null(g.p);
		if (vms_snapshot_contents_mem(buf, len, "t.vms", &oo, r->start,
					      collect, &g, &err) != 0)
			fail_msg("0x%llx: %s", (unsigned long long)r->start,
				 err.msg);
		if (want > vms_region_size(r))
			want = vms_region_size(r);
		assert_int_equal(g.have, want);
		if (want > 0) {
			unsigned char *own = malloc(want);

			assert_non_null(own);
			assert_int_equal(pread(fd, own, want,
					       (off_t)r->data_offset),
					 (ssize_t)want);
			assert_memory_equal(g.p, own, want);
			free(own);
		}
		nchecked += want > 0;
		free(g.p);
	}
	vms_map_free(back);
	return nchecked;
}

/* Every region a core holds bytes of reads back as the core's bytes. */
static void
check_core(const char *core, const char *plain, const char *filter)
{
	struct vms_err err = {0};
	struct vms_contents *c;
	struct vms_map *map, *back;
	size_t len, nchecked;
	int fd = open(plain, O_RDONLY);
	void *buf;

	assert_true(fd >= 0);
	map = vms_open(core, NULL, &err);
	if (map == NULL)
		fail_msg("%s: %s", core, err.msg);
	c = vms_contents_open(map, core, NULL, filter, &err);
	if (c == NULL)
		fail_msg("%s: %s", core, err.msg);
	buf = encode(map, c, &len);
	vms_contents_close(c);
	back = readback(buf, len);
	assert_same(map, back);
	nchecked = check_core_bytes(buf, len, 0, map, fd);
	assert_true(nchecked > 0);
	vms_map_free(back);
	vms_map_free(map);
	close(fd);
	free(buf);
}

/* Run cmd by sh(1): its status, and what it wrote on standard error. */
static int
run_sh_err(const char *cmd, char **errtext)
{
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct vt_run r;

	assert_int_equal(vt_run(argv, NULL, &r), 0);
	*errtext = r.err;
	r.err = NULL;
	vt_run_free(&r);
	return r.status;
}

/* The same, saying what it wrote on standard error when it fails. */
static int
run_sh(const char *cmd)
{
	char *errtext;
	int st = run_sh_err(cmd, &errtext);

	if (st != 0)
		print_message("%s: %s", cmd, errtext);
	free(errtext);
	return st;
}

/*
 * Built with a sanitizer, the fixture reserves terabytes of shadow that
 * gcore would write out: more than 4 GiB mapped is too big.
 */
static int
too_big(pid_t pid)
{
	char *path = vt_asprintf("/proc/%d/maps", (int)pid);
	char *maps = vt_read_file(path, NULL);
	uint64_t total = 0;

	assert_non_null(maps);
	for (const char *l = maps; l != NULL && *l; l = strchr(l, '\n')) {
		unsigned long long a, b;

		if (*l == '\n')
			l++;
		if (sscanf(l, "%llx-%llx", &a, &b) == 2)
			total += b - a;
	}
	free(maps);
	free(path);
	return total > (UINT64_C(4) << 30);
}

static void
test_contents_core(void **state)
{
	char *dir = vt_tmpdir(), *xz = vt_source_path(
					 "testdata/cores/x86_64.core.xz");
	char *plain = vt_asprintf("%s/x86_64.core", dir), *cmd;
	struct vt_fixture fx;
	uint64_t pid;

	(void)state;
	/* The committed core, through the xz stream. */
	cmd = vt_asprintf("xz -dc %s > %s", xz, plain);
	assert_int_equal(run_sh(cmd), 0);
	free(cmd);
	check_core(xz, plain, "all");

	/* A core gcore makes of the fixture, from an empty environment. */
	if (access("/usr/bin/gcore", X_OK) == 0) {
		char *core = vt_asprintf("%s/mapper.core", dir);

		assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
		assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
		cmd = too_big((pid_t)pid) ?
			      NULL :
			      vt_asprintf("cd %s && env -i /usr/bin/gcore "
					  "-o %s/mapper %llu >/dev/null 2>&1 "
					  "&& mv %s/mapper.%llu %s",
					  dir, dir, (unsigned long long)pid,
					  dir, (unsigned long long)pid, core);
		if (cmd == NULL)
			print_message("a sanitizer's shadow: no gcore\n");
		else if (run_sh(cmd) == 0)
			check_core(core, core, "heap,stack,thread-stack");
		else
			print_message("gcore failed: core part skipped\n");
		free(cmd);
		free(core);
		assert_int_equal(vt_fixture_stop(&fx), 0);
	}
	assert_int_equal(vt_rmtree(dir), 0);
	free(plain);
	free(xz);
	free(dir);
}

/*
 * Rename the PAGE and CONT chunks to types no reader knows, keeping their
 * flags, and make END again: a reader of format 1.0, to which they are
 * unknown, sees exactly this.  *n is the count renamed.
 */
static unsigned char *
hide_new_chunks(const unsigned char *in, size_t *len, size_t *n)
{
	size_t nc = vt_snap_split(in, *len, NULL, 0);
	struct vt_chunk *c = calloc(nc + 1, sizeof(*c));
	unsigned char *buf;

	assert_non_null(c);
	assert_int_equal(vt_snap_split(in, *len, c, nc), nc);
	*n = 0;
	for (size_t i = 0; i < nc; i++) {
		if (c[i].type != VT_CHUNK_PAGE && c[i].type != VT_CHUNK_CONT)
			continue;
		/* skippable, and now unknown */
		assert_int_equal(c[i].flags & 1, 0);
		c[i].type = (c[i].type & 0x00ffffffu) | (uint32_t)'x' << 24;
		++*n;
	}
	buf = vt_snap_join(in[8], in[10], c, nc, len);
	vt_chunks_free(c, nc);
	free(c);
	return buf;
}

static void
test_old_minor(void **state)
{
	struct vms_map *map = fake_with_pages(), *back;
	struct vms_snapshot_info info;
	struct vms_err err = {0};
	unsigned char *buf, *old;
	size_t len, n;

	(void)state;
	buf = encode(map, NULL, &len);
	assert_int_equal(vms_snapshot_verify_mem(buf, len, "t", &info, &err),
			 0);
	assert_int_equal(info.major, VMS_SNAP_MAJOR);
	assert_int_equal(info.minor, 1);
	assert_int_equal(info.nskipped, 0);
	old = hide_new_chunks(buf, &len, &n);
	assert_int_equal(n, 1);
	assert_int_equal(vms_snapshot_verify_mem(old, len, "t", &info, &err),
			 0);
	assert_int_equal(info.nskipped, 1);
	back = readback(old, len);
	/* Everything but the page state, which is unknown. */
	assert_int_equal(back->npages, 0);
	map->npages = 0;
	assert_same(map, back);
	vms_map_free(back);
	free(old);
	free(buf);
	vms_map_free(map);

	/* Contents, from the committed core: skipped the same way. */
	{
		char *xz = vt_source_path("testdata/cores/x86_64.core.xz");
		struct vms_contents *c;
		struct got g = {NULL, NULL, 0, 0, 0};

		map = vms_open(xz, NULL, &err);
		assert_non_null(map);
		c = vms_contents_open(map, xz, NULL, "all", &err);
		assert_non_null(c);
		buf = encode(map, c, &len);
		vms_contents_close(c);
		old = hide_new_chunks(buf, &len, &n);
		assert_true(n > 0);
		back = readback(old, len);
		assert_same(map, back);
		for (size_t i = 0; i < back->nregions; i++)
			assert_int_equal(vms_snapshot_contents_mem(
						 old, len, "t", NULL,
						 back->regions[i].start,
						 collect, &g, &err),
					 0);
		assert_int_equal(g.have, 0);
		vms_map_free(back);
		vms_map_free(map);
		free(old);
		free(buf);
		free(xz);
	}
}

/*
 * Converting a snapshot that holds contents (a second read of it, through
 * src/contents.c and the pull reader of formats/snapshot.c).  What a
 * snapshot holds of a region, as vms_snapshot_contents() delivers it:
 * runs of bytes (offset and length pairs) and their bytes one after the
 * other, never a buffer the size of the region (a sanitizer's shadow is
 * terabytes).
 */
struct held {
	uint64_t *runs;          /* offset, length, ... */
	size_t nruns;
	unsigned char *p;
	size_t len;
};

static int
hold(void *arg, uint64_t off, const void *buf, size_t n)
{
	struct held *h = arg;
	uint64_t *last = h->nruns ? h->runs + 2 * (h->nruns - 1) : NULL;

	assert_true(n > 0 && n <= PIECE);
	if (last != NULL && last[0] + last[1] == off) {
		last[1] += n;
	} else {
		assert_true(last == NULL || off > last[0] + last[1]);
		h->runs = realloc(h->runs,
				  2 * (h->nruns + 1) * sizeof(*h->runs));
		assert_non_null(h->runs);
		h->runs[2 * h->nruns] = off;
		h->runs[2 * h->nruns + 1] = n;
		h->nruns++;
	}
	h->p = realloc(h->p, h->len + n);
	assert_non_null(h->p);
	memcpy(h->p + h->len, buf, n);
	h->len += n;
	return 0;
}

static struct held
held_of(const void *buf, size_t len, int frame, uint64_t start)
{
	struct vms_open_opts oo = {.frame = frame};
	struct held h = {NULL, 0, NULL, 0};
	struct vms_err err = {0};

	if (vms_snapshot_contents_mem(buf, len, "t.vms", &oo, start, hold, &h,
				      &err) != 0)
		fail_msg("contents at 0x%llx: %s", (unsigned long long)start,
			 err.msg);
	return h;
}

static void
held_free(struct held *h)
{
	free(h->runs);
	free(h->p);
}

/* What a and b hold of the region at start is the same, run for run. */
static void
assert_held_same(const void *a, size_t alen, int aframe, const void *b,
		 size_t blen, uint64_t start)
{
	struct held x = held_of(a, alen, aframe, start);
	struct held y = held_of(b, blen, 0, start);

	if (x.nruns != y.nruns || x.len != y.len)
		fail_msg("0x%llx: %zu runs of %zu bytes, then %zu of %zu",
			 (unsigned long long)start, x.nruns, x.len, y.nruns,
			 y.len);
	assert_memory_equal(x.runs, y.runs, 2 * x.nruns * sizeof(uint64_t));
	if (x.len > 0)
		assert_memory_equal(x.p, y.p, x.len);
	held_free(&x);
	held_free(&y);
}

static uint64_t
held_bytes(const void *buf, size_t len, uint64_t start)
{
	struct held h = held_of(buf, len, 0, start);
	uint64_t n = h.len;

	held_free(&h);
	return n;
}

/* A snapshot image converted through the library, with filter. */
static void *
convert_mem(const void *buf, size_t len, int frame, const char *filter,
	    size_t *outlen)
{
	struct vms_open_opts oo = {.frame = frame};
	struct vms_err err = {0};
	struct vms_contents *c;
	struct vms_map *map;
	void *out;

	map = vms_open_mem(buf, len, "in.vms", &oo, &err);
	if (map == NULL)
		fail_msg("in.vms: %s", err.msg);
	c = vms_contents_open_mem(map, buf, len, "in.vms", filter, &err);
	if (c == NULL)
		fail_msg("in.vms: contents: %s", err.msg);
	out = encode(map, c, outlen);
	vms_contents_close(c);
	vms_map_free(map);
	return out;
}

/* The same from a file (plain or compressed: read as a stream). */
static void *
convert_file(const char *path, const char *filter, size_t *outlen)
{
	struct vms_err err = {0};
	struct vms_contents *c;
	struct vms_map *map;
	void *out;

	map = vms_open(path, NULL, &err);
	if (map == NULL)
		fail_msg("%s: %s", path, err.msg);
	c = vms_contents_open(map, path, NULL, filter, &err);
	if (c == NULL)
		fail_msg("%s: contents: %s", path, err.msg);
	out = encode(map, c, outlen);
	vms_contents_close(c);
	vms_map_free(map);
	return out;
}

static void
assert_file_is(const char *path, const void *buf, size_t len)
{
	size_t flen;
	char *f = vt_read_file(path, &flen);

	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	if (flen != len || memcmp(f, buf, len) != 0)
		fail_msg("%s: %zu bytes, not the %zu expected", path, flen,
			 len);
	free(f);
}

/*
 * "anon" as vmscope-snapshot(1) words it: regions without a file (not
 * the vdso) and shared anonymous memory, never one without read
 * permission, [vvar], [vsyscall], a device or VmFlags io or pf.
 */
static int
anon_selects(const struct vms_region *r)
{
	if (!(r->has & VMS_HAS_PROT) || !(r->prot & VMS_PROT_R) ||
	    r->label == VMS_LABEL_VVAR || r->label == VMS_LABEL_VSYSCALL ||
	    r->label == VMS_LABEL_DEVICE || r->label == VMS_LABEL_VDSO ||
	    ((r->has & VMS_HAS_VMFLAGS) &&
	     (r->vmflags & (VMS_VMF(IO) | VMS_VMF(PF)))))
		return 0;
	return r->path == NULL || (strcmp(r->path, "/dev/zero") == 0 &&
				   (r->flags & VMS_RF_DELETED));
}

/* The fixture's region at fact key, checked against its memory. */
static void
check_fact_live(const struct vt_fixture *fx, pid_t pid, const void *buf,
		size_t len, const char *key)
{
	struct vms_err err = {0};
	struct vms_map *m = vms_open_mem(buf, len, "t.vms", NULL, &err);
	const struct vms_region *r;
	uint64_t a;
	struct got g;

	assert_non_null(m);
	assert_int_equal(vt_fact_u64(fx, key, 0, &a), 0);
	r = vms_map_find(m, a);
	assert_non_null(r);
	assert_true(r->flags & VMS_RF_CONTENTS);
	g = contents_of(buf, len, r);
	if (check_live(pid, r, &g) == 0)
		fail_msg("%s: no page held", key);
	free(g.p);
	free(g.seen);
	vms_map_free(m);
}

static void
test_convert_live(void **state)
{
	static const char *const anon_facts[] = {"heap", "anon", "anon_named",
						 "shared_anon"};
	static const char *const file_facts[] = {"file_private",
						 "file_shared", "memfd",
						 "deleted"};
	char *v = vt_vmscope_path(), *dir = vt_tmpdir(), *a, *agz, *cmd;
	struct vms_open_opts oo = {.flags = VMS_OPEN_COUNTERS};
	struct vms_err err = {0};
	struct vms_map *map, *ma, *mb;
	struct vms_contents *c;
	struct vt_fixture fx;
	char pidstr[32], *etext;
	void *bufa, *bufb, *out;
	size_t lena, lenb, len;
	uint64_t pid;

	(void)state;
	a = vt_asprintf("%s/a.vms", dir);
	agz = vt_asprintf("%s/a.vms.gz", dir);
	assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	snprintf(pidstr, sizeof(pidstr), "%llu", (unsigned long long)pid);
	map = vms_open(pidstr, &oo, &err);
	if (map == NULL)
		fail_msg("mapper: %s", err.msg);
	c = vms_contents_open(map, pidstr, &oo, "all", &err);
	assert_non_null(c);
	bufa = encode(map, c, &lena);
	vms_contents_close(c);
	vms_map_free(map);
	assert_int_equal(vt_write_file(a, bufa, lena), 0);
	cmd = vt_asprintf("gzip -c %s > %s", a, agz);
	assert_int_equal(run_sh(cmd), 0);
	free(cmd);

	/* The same filter again: the very same file, from each input. */
	out = convert_mem(bufa, lena, 0, "all", &len);
	assert_int_equal(len, lena);
	assert_memory_equal(out, bufa, len);
	free(out);
	out = convert_file(a, "all", &len);
	assert_int_equal(len, lena);
	assert_memory_equal(out, bufa, len);
	free(out);
	out = convert_file(agz, "all", &len);
	assert_int_equal(len, lena);
	assert_memory_equal(out, bufa, len);
	free(out);

	/*
	 * "anon" of "all": the regions it selects, each with what the
	 * original holds of it, the others flagged not and empty.
	 */
	bufb = convert_file(a, "anon", &lenb);
	ma = readback(bufa, lena);
	mb = readback(bufb, lenb);
	assert_same(ma, mb);
	for (size_t i = 0; i < mb->nregions; i++) {
		const struct vms_region *r = &mb->regions[i];
		int sel = anon_selects(r);

		if (((r->flags & VMS_RF_CONTENTS) != 0) != sel)
			fail_msg("0x%llx %s: %s by anon",
				 (unsigned long long)r->start,
				 r->path ? r->path : r->name ? r->name : "",
				 sel ? "not selected" : "selected");
		if (sel)
			assert_held_same(bufa, lena, 0, bufb, lenb, r->start);
		else
			assert_int_equal(held_bytes(bufb, lenb, r->start), 0);
	}
	for (size_t i = 0; i < 4; i++) {
		uint64_t addr;

		check_fact_live(&fx, (pid_t)pid, bufb, lenb, anon_facts[i]);
		assert_int_equal(vt_fact_u64(&fx, file_facts[i], 0, &addr), 0);
		assert_false(vms_map_find(mb, addr)->flags & VMS_RF_CONTENTS);
		/* Left out, though the original holds bytes of it. */
		assert_true(held_bytes(bufa, lena,
				       vms_map_find(ma, addr)->start) > 0);
	}
	vms_map_free(ma);
	vms_map_free(mb);

	/*
	 * The command, from a pipe: the file on standard input, plain and
	 * compressed; it writes what the library wrote.
	 */
	for (int k = 0; k < 2; k++) {
		cmd = vt_asprintf("cat %s | %s snapshot -q --contents=anon "
				  "-o %s/c%d.vms -",
				  k ? agz : a, v, dir, k);
		assert_int_equal(run_sh_err(cmd, &etext), 0);
		assert_string_equal(etext, "");
		free(etext);
		free(cmd);
		cmd = vt_asprintf("%s/c%d.vms", dir, k);
		assert_file_is(cmd, bufb, lenb);
		free(cmd);
	}
	/* And to a pipe: stdin to stdout. */
	cmd = vt_asprintf("cat %s | %s snapshot --contents=anon -o - - | "
			  "cat > %s/e.vms",
			  a, v, dir);
	assert_int_equal(run_sh(cmd), 0);
	free(cmd);
	cmd = vt_asprintf("%s/e.vms", dir);
	assert_file_is(cmd, bufb, lenb);
	free(cmd);

	free(bufb);
	free(bufa);
	assert_int_equal(vt_fixture_stop(&fx), 0);
	assert_int_equal(vt_rmtree(dir), 0);
	free(agz);
	free(a);
	free(dir);
	free(v);
}

/* A snapshot of the committed core with all it holds, and its map. */
static void *
core_snapshot(struct vms_map **mapp, size_t *len)
{
	char *xz = vt_source_path("testdata/cores/x86_64.core.xz");
	struct vms_err err = {0};
	struct vms_contents *c;
	void *buf;

	*mapp = vms_open(xz, NULL, &err);
	if (*mapp == NULL)
		fail_msg("%s: %s", xz, err.msg);
	c = vms_contents_open(*mapp, xz, NULL, "all", &err);
	assert_non_null(c);
	buf = encode(*mapp, c, len);
	vms_contents_close(c);
	free(xz);
	return buf;
}

/* The committed core, decompressed by xz(1) into dir: an open fd. */
static int
plain_core(const char *dir)
{
	char *xz = vt_source_path("testdata/cores/x86_64.core.xz");
	char *plain = vt_asprintf("%s/x86_64.core", dir);
	char *cmd = vt_asprintf("xz -dc %s > %s", xz, plain);
	int fd;

	assert_int_equal(run_sh(cmd), 0);
	fd = open(plain, O_RDONLY);
	assert_true(fd >= 0);
	free(cmd);
	free(plain);
	free(xz);
	return fd;
}

/*
 * --frame: a series of the core's frame (all it holds) and the fixture's
 * (its heap only).  Frame 1 converts to the core's bytes, the last to
 * the fixture's heap; the regions the last frame holds nothing of are
 * written selected and empty, with a warning from the command.
 */
static void
test_convert_frames(void **state)
{
	char *v = vt_vmscope_path(), *dir = vt_tmpdir(), *sv, *cmd, *etext;
	struct vms_open_opts oo = {.flags = VMS_OPEN_COUNTERS};
	struct vms_snapshot_opts so = {0};
	struct vms_err err = {0};
	struct vms_map *core, *live, *m2, *back;
	struct vt_fixture fx;
	unsigned char *series;
	void *buf1, *buf2, *out;
	size_t len1, len2, len, nempty = 0;
	uint64_t pid, heap;
	char pidstr[32];
	int fd = plain_core(dir);

	(void)state;
	buf1 = core_snapshot(&core, &len1);
	assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	assert_int_equal(vt_fact_u64(&fx, "heap", 0, &heap), 0);
	snprintf(pidstr, sizeof(pidstr), "%llu", (unsigned long long)pid);
	live = vms_open(pidstr, &oo, &err);
	assert_non_null(live);
	so.contents = vms_contents_open(live, pidstr, &oo, "heap", &err);
	assert_non_null(so.contents);
	assert_int_equal(vms_snapshot_encode(live, 0, &so, &buf2, &len2, &err),
			 0);
	vms_contents_close(so.contents);
	series = malloc(len1 + len2);
	assert_non_null(series);
	memcpy(series, buf1, len1);
	memcpy(series + len1, buf2, len2);

	/* Frame 1: the core's own bytes; the very file of the core. */
	out = convert_mem(series, len1 + len2, 1, "all", &len);
	assert_true(check_core_bytes(out, len, 0, core, fd) > 0);
	assert_int_equal(len, len1);
	assert_memory_equal(out, buf1, len);
	free(out);

	/* The last frame: the heap, and the rest selected but empty. */
	out = convert_mem(series, len1 + len2, 0, "all", &len);
	back = readback(out, len);
	m2 = vms_open_mem(series, len1 + len2, "s.vms", NULL, &err);
	assert_non_null(m2);
	assert_same(m2, back);
	for (size_t i = 0; i < back->nregions; i++) {
		const struct vms_region *r = &back->regions[i];

		if (r->start == vms_map_find(back, heap)->start) {
			assert_held_same(series, len1 + len2, 2, out, len,
					 r->start);
			continue;
		}
		assert_int_equal(held_bytes(out, len, r->start), 0);
		nempty += (r->flags & VMS_RF_CONTENTS) != 0;
	}
	assert_true(nempty > 0);
	check_fact_live(&fx, (pid_t)pid, out, len, "heap");

	/* The command says how many it holds nothing of, and then none. */
	sv = vt_asprintf("%s/s.vms", dir);
	assert_int_equal(vt_write_file(sv, series, len1 + len2), 0);
	cmd = vt_asprintf("%s snapshot -q --contents=all -o %s/x.vms %s", v,
			  dir, sv);
	assert_int_equal(run_sh_err(cmd, &etext), 0);
	free(cmd);
	cmd = vt_asprintf("warning: the snapshot holds no bytes of %zu regions "
			  "--contents=all selects\n",
			  nempty);
	if (strstr(etext, cmd) == NULL)
		fail_msg("no \"%s\" in \"%s\"", cmd, etext);
	free(cmd);
	free(etext);
	cmd = vt_asprintf("%s/x.vms", dir);
	assert_file_is(cmd, out, len);
	free(cmd);
	cmd = vt_asprintf("%s snapshot -q --frame 1 --contents=all -o %s/y.vms "
			  "%s",
			  v, dir, sv);
	assert_int_equal(run_sh_err(cmd, &etext), 0);
	assert_string_equal(etext, "");
	free(etext);
	free(cmd);
	cmd = vt_asprintf("%s/y.vms", dir);
	assert_file_is(cmd, buf1, len1);
	free(cmd);

	vms_map_free(back);
	vms_map_free(m2);
	free(out);
	free(sv);
	free(series);
	free(buf2);
	free(buf1);
	vms_map_free(live);
	vms_map_free(core);
	close(fd);
	assert_int_equal(vt_fixture_stop(&fx), 0);
	assert_int_equal(vt_rmtree(dir), 0);
	free(dir);
	free(v);
}

static size_t
put_leb(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static uint64_t
get_leb(const unsigned char **p)
{
	uint64_t v = 0;

	for (unsigned sh = 0;; sh += 7) {
		v |= (uint64_t)(**p & 0x7f) << sh;
		if (!(*(*p)++ & 0x80))
			return v;
	}
}

/*
 * The payload of a CONT chunk, inflated (free it): the start it names in
 * *start, and where the bytes of contents begin, after the start and the
 * offset, in *at; their count is returned.
 */
static size_t
cont_read(const struct vt_chunk *c, unsigned char **raw, uint64_t *start,
	  const unsigned char **at)
{
	*raw = vt_chunk_inflate(c);
	assert_non_null(*raw);
	*at = *raw;
	*start = get_leb(at);
	get_leb(at);
	return c->raw - (size_t)(*at - *raw);
}

/* A copy of a CONT chunk with another start and offset, the same bytes. */
static struct vt_chunk
recont(const struct vt_chunk *c, uint64_t start, uint64_t off)
{
	unsigned char *raw, *nr;
	const unsigned char *at;
	uint64_t was;
	size_t rest = cont_read(c, &raw, &was, &at), n;
	struct vt_chunk d;

	nr = malloc(rest + 20);
	assert_non_null(nr);
	n = put_leb(nr, start);
	n += put_leb(nr + n, off);
	memcpy(nr + n, at, rest);
	d = vt_chunk_make(c->type, c->flags, nr, n + rest, 1);
	free(nr);
	free(raw);
	return d;
}

/* The map opens; contents do not, with one line that says why. */
static void
assert_cont_refused(const void *buf, size_t len, const char *why)
{
	struct vms_err err = {0};
	struct vms_map *map = vms_open_mem(buf, len, "bad.vms", NULL, &err);
	struct vms_contents *c;

	if (map == NULL)
		fail_msg("bad.vms: %s", err.msg);
	c = vms_contents_open_mem(map, buf, len, "bad.vms", "all", &err);
	assert_null(c);
	assert_int_equal(err.code, VMS_E_CORRUPT);
	if (strstr(err.msg, "bad.vms: CONT chunk at 0x") != err.msg ||
	    strstr(err.msg, why) == NULL || strchr(err.msg, '\n') != NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, why);
	vms_map_free(map);
}

/*
 * Bad and cut CONT chunks: a one-line error, or the frame before them,
 * never a crash (the sanitizer build runs this too).
 */
static void
test_convert_damage(void **state)
{
	char *v = vt_vmscope_path(), *dir = vt_tmpdir(), *cmd, *etext, *path;
	struct vms_snapshot_opts so = {0};
	struct vms_err err = {0};
	struct vt_chunk c[64], keep;
	struct vms_map *core, *map;
	unsigned char *bad, *two;
	size_t lenc, n, first = 0, len, lenf, cont_at = 0, cont_end = 0;
	size_t keep_bytes;
	uint64_t start, size;
	void *bufc, *frame;

	(void)state;
	bufc = core_snapshot(&core, &lenc);
	n = vt_snap_split(bufc, lenc, c, 64);
	assert_true(n <= 64);
	while (first < n && c[first].type != VT_CHUNK_CONT)
		first++;
	assert_true(first < n);
	{
		unsigned char *raw;
		const unsigned char *at;

		keep_bytes = cont_read(&c[first], &raw, &start, &at);
		free(raw);
	}
	size = vms_region_size(vms_map_find(core, start));
	/* Where the CONT chunks lie in the file. */
	for (size_t off = 16, i = 0; i < n; i++) {
		if (i == first)
			cont_at = off;
		off += 24 + c[i].slen;
		cont_end = off;
	}
	keep = c[first];

	/* Bytes past the end of the region. */
	c[first] = recont(&keep, start, size - 1);
	bad = vt_snap_join(1, 1, c, n, &len);
	assert_cont_refused(bad, len, "outside the region");
	/* The older call says so too, naming the input it read again. */
	{
		struct got g = {calloc(1, size + 1), NULL, size, 0, 0};

		assert_non_null(g.p);
		assert_int_equal(vms_snapshot_contents_mem(bad, len, "bad.vms",
							   NULL, start,
							   collect, &g, &err),
				 -1);
		assert_non_null(strstr(err.msg, "bad.vms: CONT chunk at 0x"));
		free(g.p);
	}
	path = vt_asprintf("%s/bad.vms", dir);
	assert_int_equal(vt_write_file(path, bad, len), 0);
	free(bad);
	/* The command: status 1, one line, no file. */
	cmd = vt_asprintf("%s snapshot -q --contents=all -o %s/out.vms %s", v,
			  dir, path);
	assert_int_equal(run_sh_err(cmd, &etext), 1);
	if (strstr(etext, "outside the region") == NULL ||
	    strchr(etext, '\n') != etext + strlen(etext) - 1)
		fail_msg("not one line: \"%s\"", etext);
	free(etext);
	free(cmd);
	cmd = vt_asprintf("%s/out.vms", dir);
	assert_int_equal(access(cmd, F_OK), -1);
	free(cmd);
	free(c[first].stored);

	/* The same chunk twice: bytes that overlap. */
	{
		struct vt_chunk twice[65];

		memcpy(twice, c, first * sizeof(*c));
		twice[first] = keep;
		memcpy(twice + first + 1, c + first,
		       (n - first) * sizeof(*c));
		twice[first + 1] = keep;
		bad = vt_snap_join(1, 1, twice, n + 1, &len);
		assert_cont_refused(bad, len, "out of order");
		free(bad);
	}

	/* A head that is no start and offset. */
	{
		unsigned char head[11];

		memset(head, 0xff, sizeof(head));
		c[first] = vt_chunk_make(VT_CHUNK_CONT, keep.flags, head,
					 sizeof(head), 1);
	}
	bad = vt_snap_join(1, 1, c, n, &len);
	assert_cont_refused(bad, len, "cannot be read");
	free(bad);
	free(c[first].stored);

	/* A start no region has: those bytes are never asked for. */
	c[first] = recont(&keep, start + 1, 0);
	bad = vt_snap_join(1, 1, c, n, &len);
	{
		size_t lo;
		void *out = convert_mem(bad, len, 0, "all", &lo);

		assert_int_equal(held_bytes(out, lo, start),
				 held_bytes(bufc, lenc, start) - keep_bytes);
		free(out);
	}
	free(bad);
	free(c[first].stored);
	c[first] = keep;

	/*
	 * The regions' chunks in reverse order, and gzip'ed: the stream
	 * is read from its start again for each chunk behind it.
	 */
	{
		struct vt_chunk rev[64];
		size_t ncont = n - first, lo;
		char *gz = vt_asprintf("%s/rev.vms.gz", dir);
		void *out;

		assert_true(ncont >= 2);
		memcpy(rev, c, n * sizeof(*c));
		for (size_t i = 0; i < ncont; i++)
			rev[first + i] = c[n - 1 - i];
		bad = vt_snap_join(1, 1, rev, n, &len);
		assert_int_equal(vt_write_file(path, bad, len), 0);
		cmd = vt_asprintf("gzip -c %s > %s", path, gz);
		assert_int_equal(run_sh(cmd), 0);
		free(cmd);
		out = convert_file(gz, "all", &lo);
		for (size_t i = 0; i < core->nregions; i++)
			assert_held_same(bufc, lenc, 0, out, lo,
					 core->regions[i].start);
		free(out);
		free(bad);
		free(gz);
	}

	/*
	 * Cut anywhere in a second frame: the first is read, and its
	 * contents converted.  Cut in the only frame: one line.
	 */
	{
		char *xz = vt_source_path("testdata/cores/x86_64.core.xz");

		so.contents = vms_contents_open(core, xz, NULL, "all", &err);
		free(xz);
	}
	assert_non_null(so.contents);
	assert_int_equal(vms_snapshot_encode(core, 0, &so, &frame, &lenf,
					     &err),
			 0);
	vms_contents_close(so.contents);
	two = malloc(lenc + lenf);
	assert_non_null(two);
	memcpy(two, bufc, lenc);
	memcpy(two + lenc, frame, lenf);
	for (size_t cut = lenc + 1; cut < lenc + lenf; cut += 41) {
		size_t lo;
		void *out;

		map = vms_open_mem(two, cut, "cut.vms", NULL, &err);
		assert_non_null(map);
		assert_int_equal(map->source.frame, 1);
		assert_true(map->source.damaged);
		vms_map_free(map);
		out = convert_mem(two, cut, 0, "all", &lo);
		for (size_t i = 0; i < core->nregions; i++)
			assert_held_same(bufc, lenc, 0, out, lo,
					 core->regions[i].start);
		free(out);
	}
	for (size_t cut = cont_at; cut < cont_end; cut += 37) {
		map = vms_open_mem(bufc, cut, "cut.vms", NULL, &err);
		assert_null(map);
		assert_null(strchr(err.msg, '\n'));
	}

	/* The file changes under the reader: a one-line error. */
	memcpy(two, bufc, lenc);
	map = vms_open_mem(two, lenc, "c.vms", NULL, &err);
	assert_non_null(map);
	so.contents = vms_contents_open_mem(map, two, lenc, "c.vms", "all",
					    &err);
	assert_non_null(so.contents);
	two[cont_at + 30] ^= 0x10;
	{
		void *out = NULL;

		assert_int_equal(vms_snapshot_encode(map, 1, &so, &out, &len,
						     &err),
				 -1);
		assert_null(strchr(err.msg, '\n'));
		assert_non_null(strstr(err.msg, "c.vms: chunk CONT at 0x"));
	}
	vms_contents_close(so.contents);
	vms_map_free(map);

	/* Every byte of the CONT chunks flipped, one bit each time. */
	for (size_t at = cont_at; at < cont_end; at++) {
		struct vms_contents *cc;

		memcpy(two, bufc, lenc);
		two[at] ^= (unsigned char)(1u << (at % 8));
		map = vms_open_mem(two, lenc, "f.vms", NULL, &err);
		if (map == NULL) {
			assert_null(strchr(err.msg, '\n'));
			continue;
		}
		cc = vms_contents_open_mem(map, two, lenc, "f.vms", "all",
					   &err);
		if (cc != NULL) {
			void *out = NULL;

			so.contents = cc;
			if (vms_snapshot_encode(map, 1, &so, &out, &len,
						&err) == 0)
				free(out);
			vms_contents_close(cc);
		} else {
			assert_null(strchr(err.msg, '\n'));
		}
		vms_map_free(map);
	}

	vt_chunks_free(c, n);
	free(two);
	free(frame);
	free(bufc);
	vms_map_free(core);
	assert_int_equal(vt_rmtree(dir), 0);
	free(path);
	free(dir);
	free(v);
}

/*
 * More than a compressed stream keeps of its start (16 MiB): three
 * regions of 6 MiB of bytes that do not compress, in 1 MiB chunks, in
 * address order and in reverse, gzip'ed.  After the walk every chunk
 * past the kept start is behind the stream, which is read again.
 */
static void
test_convert_big(void **state)
{
	char *dir = vt_tmpdir(), *plain, *gz, *cmd;
	const uint64_t size = (uint64_t)6 << 20, base = 0x10000000;
	struct vms_err err = {0};
	struct vt_chunk c[64], order[64];
	struct vms_map *map = vms_map_new(&err);
	uint32_t x = 12345;
	size_t n, nc = 0, len, lo;
	unsigned char *buf, *raw = malloc(PIECE + 20);
	void *head, *out;

	(void)state;
	assert_non_null(map);
	assert_non_null(raw);
	for (int i = 0; i < 3; i++) {
		struct vms_region *r = vms_map_add(map, &err);

		assert_non_null(r);
		r->start = base + (uint64_t)i * 2 * size;
		r->end = r->start + size;
		r->has = VMS_HAS_PROT;
		r->prot = VMS_PROT_R | VMS_PROT_W;
	}
	head = encode(map, NULL, &len);
	n = vt_snap_split(head, len, c, 64);
	assert_true(n <= 64);
	free(head);
	for (int i = 0; i < 3; i++) {
		for (uint64_t off = 0; off < size; off += PIECE) {
			size_t h;

			assert_true(n + nc < 64);
			h = put_leb(raw, map->regions[i].start);
			h += put_leb(raw + h, off);
			for (size_t b = 0; b < PIECE; b++) {
				x = x * 1103515245u + 12345u;
				raw[h + b] = (unsigned char)(x >> 23);
			}
			/* Stored: random bytes would not shrink. */
			c[n + nc++] = vt_chunk_make(VT_CHUNK_CONT, 0, raw,
						    h + PIECE, 0);
		}
	}
	free(raw);
	plain = vt_asprintf("%s/big.vms", dir);
	gz = vt_asprintf("%s/big.vms.gz", dir);
	for (int rev = 0; rev < 2; rev++) {
		size_t per = nc / 3;

		/* Regions in reverse, each region's chunks in order. */
		memcpy(order, c, n * sizeof(*c));
		for (size_t i = 0; i < nc; i++)
			order[n + i] = c[n + (rev ? (2 - i / per) * per +
							    i % per :
						    i)];
		buf = vt_snap_join(1, 1, order, n + nc, &len);
		assert_true(len > ((size_t)17 << 20));
		assert_int_equal(vt_write_file(plain, buf, len), 0);
		free(buf);
		cmd = vt_asprintf("gzip -1 -c %s > %s", plain, gz);
		assert_int_equal(run_sh(cmd), 0);
		free(cmd);
		out = convert_file(gz, "all", &lo);
		/* Each region whole, the chunks' bytes one after another. */
		for (size_t i = 0; i < 3; i++) {
			struct held h = held_of(out, lo, 0,
						map->regions[i].start);

			assert_int_equal(h.nruns, 1);
			assert_int_equal(h.runs[0], 0);
			assert_int_equal(h.runs[1], size);
			for (size_t k = 0; k < per; k++) {
				const struct vt_chunk *ck = &c[n + i * per + k];
				unsigned char *r = vt_chunk_inflate(ck);

				assert_non_null(r);
				assert_memory_equal(h.p + k * PIECE,
						    r + ck->raw - PIECE, PIECE);
				free(r);
			}
			held_free(&h);
		}
		free(out);
	}
	vt_chunks_free(c, n + nc);
	vms_map_free(map);
	assert_int_equal(vt_rmtree(dir), 0);
	free(gz);
	free(plain);
	free(dir);
}

/*
 * A named pipe is read once: the map, but not its contents (standard
 * input is copied to a file first; a pipe given by name is not).
 */
static void
test_convert_fifo(void **state)
{
	char *v = vt_vmscope_path(), *dir = vt_tmpdir(), *cmd, *etext, *fifo;
	struct vms_map *core;
	size_t lenc;
	void *bufc = core_snapshot(&core, &lenc);
	char *file = vt_asprintf("%s/c.vms", dir);

	(void)state;
	fifo = vt_asprintf("%s/fifo", dir);
	assert_int_equal(vt_write_file(file, bufc, lenc), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A writer that gives up if vmscope never opens the pipe. */
	cmd = vt_asprintf("timeout 30 sh -c 'cat %s > %s' & %s snapshot -q "
			  "--contents=all -o %s/out.vms %s; st=$?; wait; "
			  "exit $st",
			  file, fifo, v, dir, fifo);
	assert_int_equal(run_sh_err(cmd, &etext), 1);
	if (strstr(etext, "a pipe is read only once") == NULL ||
	    strchr(etext, '\n') != etext + strlen(etext) - 1)
		fail_msg("not one line: \"%s\"", etext);
	free(etext);
	free(cmd);
	/* Without contents, one read is enough. */
	cmd = vt_asprintf("timeout 30 sh -c 'cat %s > %s' & %s snapshot -q "
			  "-o %s/out.vms %s; st=$?; wait; exit $st",
			  file, fifo, v, dir, fifo);
	assert_int_equal(run_sh(cmd), 0);
	free(cmd);
	/* And a core on standard input, its bytes from the copy. */
	{
		char *xz = vt_source_path("testdata/cores/x86_64.core.xz");
		int fd = plain_core(dir);

		cmd = vt_asprintf("xz -dc %s | %s snapshot -q --contents=all "
				  "-o %s/core.vms -",
				  xz, v, dir);
		assert_int_equal(run_sh(cmd), 0);
		free(cmd);
		cmd = vt_asprintf("%s/core.vms", dir);
		{
			size_t l;
			char *b = vt_read_file(cmd, &l);

			assert_non_null(b);
			assert_true(check_core_bytes(b, l, 0, core, fd) > 0);
			free(b);
		}
		free(cmd);
		close(fd);
		free(xz);
	}
	vms_map_free(core);
	free(bufc);
	free(file);
	free(fifo);
	assert_int_equal(vt_rmtree(dir), 0);
	free(dir);
	free(v);
}

/* The command: --pages refuses a core; -s of the file splits rows. */
static void
test_cli(void **state)
{
	char *v = vt_vmscope_path(), *dir = vt_tmpdir(), *file, *core;
	const char *argv[8] = {v, "snapshot", "--pages", "-o", NULL, NULL};
	struct vt_fixture fx;
	struct vt_run r;
	uint64_t pid, anon;
	char pidstr[32], row[160];

	(void)state;
	file = vt_asprintf("%s/p.vms", dir);
	core = vt_source_path("testdata/cores/x86_64.core.xz");
	argv[4] = file;
	argv[5] = core;
	assert_int_equal(vt_run(argv, NULL, &r), 0);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "a core has none"));
	vt_run_free(&r);

	argv[2] = "--contents=heap,";
	assert_int_equal(vt_run(argv, NULL, &r), 0);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);

	assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	assert_int_equal(vt_fact_u64(&fx, "anon", 0, &anon), 0);
	snprintf(pidstr, sizeof(pidstr), "%llu", (unsigned long long)pid);
	argv[2] = "--pages";
	argv[5] = pidstr;
	assert_int_equal(vt_run(argv, NULL, &r), 0);
	assert_int_equal(r.status, 0);
	vt_run_free(&r);
	{
		const char *sv[] = {v, "-s", file, NULL};

		assert_int_equal(vt_run(sv, NULL, &r), 0);
		assert_int_equal(r.status, 0);
	}
	/* anon: 3 pages touched of 16, then 13 not mapped. */
	snprintf(row, sizeof(row), "%016llX         12K   4K",
		 (unsigned long long)anon);
	assert_non_null(strstr(r.out, row));
	snprintf(row, sizeof(row), "%016llX         52K    -",
		 (unsigned long long)anon + 0x3000);
	assert_non_null(strstr(r.out, row));
	vt_run_free(&r);
	/* The same runs in JSON: the anon region's first run, 3 pages. */
	{
		const char *jv[] = {v, "--json", file, NULL};

		assert_int_equal(vt_run(jv, NULL, &r), 0);
		assert_int_equal(r.status, 0);
	}
	snprintf(row, sizeof(row),
		 "\"runs\":[{\"start\":\"0x%llx\",\"end\":\"0x%llx\","
		 "\"flags\":[\"present\"",
		 (unsigned long long)anon, (unsigned long long)anon + 0x3000);
	if (strstr(r.out, row) == NULL)
		fail_msg("no \"%s\" in the JSON", row);
	assert_non_null(strstr(r.out, "\"pages\":{\"known\":[\"present\""));
	vt_run_free(&r);
	assert_int_equal(vt_fixture_stop(&fx), 0);
	assert_int_equal(vt_rmtree(dir), 0);
	free(file);
	free(core);
	free(dir);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_live),
		cmocka_unit_test(test_pgsz_split),
		cmocka_unit_test(test_contents_live),
		cmocka_unit_test(test_contents_core),
		cmocka_unit_test(test_old_minor),
		cmocka_unit_test(test_convert_live),
		cmocka_unit_test(test_convert_frames),
		cmocka_unit_test(test_convert_damage),
		cmocka_unit_test(test_convert_big),
		cmocka_unit_test(test_convert_fifo),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
