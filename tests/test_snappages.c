/*
 * test_snappages.c - snapshots with page state (--pages, src/pages.c) and
 * with region contents (--contents, src/contents.c), vmscope-snapshot(5)
 * format 1.1: the PAGE and CONT chunks.
 *
 * Page state of the fixture process vms_mapper is checked against this
 * file's own read of /proc/PID/pagemap and against smaps; contents against
 * its own reads of /proc/PID/mem and of a core's bytes.  pmap -s rows
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
#include <zlib.h>

#include <cmocka.h>

#include "mapcmp.h"
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

/* Every region a core holds bytes of reads back as the core's bytes. */
static void
check_core(const char *core, const char *plain, const char *filter)
{
	struct vms_err err = {0};
	struct vms_contents *c;
	struct vms_map *map, *back;
	size_t len, nchecked = 0;
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
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		uint64_t want = (r->has & VMS_HAS_DATA) ? r->data_size : 0;
		struct got g;

		if (!(back->regions[i].flags & VMS_RF_CONTENTS))
			continue;
		g = contents_of(buf, len, &back->regions[i]);
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
		free(g.seen);
	}
	assert_true(nchecked > 0);
	vms_map_free(back);
	vms_map_free(map);
	close(fd);
	free(buf);
}

static int
run_sh(const char *cmd)
{
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct vt_run r;
	int st;

	if (vt_run(argv, NULL, &r) < 0)
		return -1;
	st = r.status;
	if (st != 0)
		print_message("%s: %s", cmd, r.err);
	vt_run_free(&r);
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

/* The container, as a reader of format 1.0 sees it. */
static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void
wr32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * Rename the PAGE and CONT chunks to types no reader knows, keeping their
 * flags, and make END again: a reader of format 1.0, to which they are
 * unknown, sees exactly this.  *n is the count renamed.
 */
static unsigned char *
hide_new_chunks(const unsigned char *in, size_t *len, size_t *n)
{
	uLong hc = crc32(0, NULL, 0), pc = crc32(0, NULL, 0);
	unsigned char *buf = malloc(*len + 64), raw[12];
	uLongf sl = 64;
	size_t off = 16;

	assert_non_null(buf);
	memcpy(buf, in, *len);
	*n = 0;
	for (;;) {
		unsigned char *h = buf + off;
		uint32_t type = rd32(h), slen = rd32(h + 8);

		assert_true(off + 24 <= *len);
		if (type == 0x20444e45u) /* "END " */
			break;
		if (type == 0x45474150u || type == 0x544e4f43u) {
			/* PAGE, CONT: skippable, and now unknown */
			assert_int_equal(rd32(h + 4) & 1, 0);
			h[3] = 'x';
			wr32(h + 20, (uint32_t)crc32(0, h, 20));
			++*n;
		}
		hc = crc32(hc, h, 24);
		pc = crc32(pc, h + 24, slen);
		off += 24 + slen;
	}
	{
		uLongf rl = sizeof(raw);
		unsigned char *h = buf + off;

		assert_int_equal(uncompress(raw, &rl, h + 24, rd32(h + 8)),
				 Z_OK);
		wr32(raw + 4, (uint32_t)hc);
		wr32(raw + 8, (uint32_t)pc);
		assert_int_equal(compress2(h + 24, &sl, raw, 12, 1), Z_OK);
		wr32(h + 8, (uint32_t)sl);
		wr32(h + 16, (uint32_t)crc32(0, raw, 12));
		wr32(h + 20, (uint32_t)crc32(0, h, 20));
		*len = off + 24 + sl;
	}
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
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
