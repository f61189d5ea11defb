/*
 * pages.c - the page state of a live process's regions (map->pages), from
 * its page tables through /proc/PID/pagemap (proc(5), the kernel's
 * Documentation/admin-guide/mm/pagemap.rst).
 *
 * Where the kernel has it (Linux 6.7 and later), the PAGEMAP_SCAN ioctl
 * hands over ranges of pages of one state, so a large region costs one
 * entry, not one word per page.  Older kernels give one 64-bit word per
 * page: present bit 63, swapped 62, file or shared anonymous 61,
 * exclusively mapped 56, soft-dirty 55.  Physical frame numbers need
 * CAP_SYS_ADMIN and are not used.
 *
 * The address space may change between the read of the regions and this
 * one: ranges outside the regions are dropped, those inside are clipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

/*
 * The PAGEMAP_SCAN interface of <linux/fs.h> (Linux 6.7), which older
 * headers lack; the layout is the kernel's ABI.
 */
struct pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};

struct page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};

#define PM_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_FILE (1u << 2)
#define PAGE_IS_PRESENT (1u << 3)
#define PAGE_IS_SWAPPED (1u << 4)
#define PAGE_IS_PFNZERO (1u << 5)
#define PAGE_IS_HUGE (1u << 6)
#define PAGE_IS_SOFT_DIRTY (1u << 7)   /* Linux 6.9 */

#define PM_PRESENT (UINT64_C(1) << 63)
#define PM_SWAPPED (UINT64_C(1) << 62)
#define PM_FILE (UINT64_C(1) << 61)
#define PM_EXCLUSIVE (UINT64_C(1) << 56)
#define PM_SOFT_DIRTY (UINT64_C(1) << 55)

#define VEC_LEN 4096             /* ranges per ioctl */
#define WORDS 4096               /* pagemap words per read */

const struct vms_pages *
vms_map_pages(const struct vms_map *map, size_t i)
{
	size_t lo = 0, hi = map->npages;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->pages[mid].region < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < map->npages && map->pages[lo].region == i ?
		       &map->pages[lo] :
		       NULL;
}

/* Runs gathered in region order; begin[i] is region i's first. */
struct gather {
	struct vms_map *map;
	struct vms_page_run *runs;
	size_t nruns, cap;
	size_t *begin;           /* nregions + 1 */
	unsigned char *known;    /* per region: covered by the read */
	size_t cur;              /* the region runs go to */
	uint32_t mask;           /* VMS_PG_* the method tells */
	int can_dirty;           /* the method reports soft-dirty bits */
	int dirty_seen;
};

/* Runs now go to region i (never an earlier one). */
static void
to_region(struct gather *g, size_t i)
{
	while (g->cur < i)
		g->begin[++g->cur] = g->nruns;
}

static int
add_run(struct gather *g, uint64_t s, uint64_t e, uint32_t flags,
	struct vms_err *err)
{
	struct vms_page_run *last = g->nruns > g->begin[g->cur] ?
					    &g->runs[g->nruns - 1] :
					    NULL;

	/* A scan resumed at walk_end may hand the last range again. */
	if (last != NULL && s < last->end)
		s = last->end;
	if (flags == 0 || e <= s)
		return 0;
	g->dirty_seen |= (flags & VMS_PG_DIRTY) != 0;
	if (last != NULL && last->end == s && last->flags == flags) {
		last->end = e;
		return 0;
	}
	if (vms_grow((void **)&g->runs, &g->cap, g->nruns + 1,
		     sizeof(*g->runs), err) < 0)
		return -1;
	g->runs[g->nruns++] = (struct vms_page_run){s, e, flags};
	return 0;
}

/* A range of one state, split over the regions it meets. */
static int
add_range(struct gather *g, uint64_t s, uint64_t e, uint32_t flags,
	  struct vms_err *err)
{
	const struct vms_map *map = g->map;
	size_t i = g->cur;

	while (s < e) {
		const struct vms_region *r;

		while (i < map->nregions && map->regions[i].end <= s)
			i++;
		if (i >= map->nregions)
			return 0;
		r = &map->regions[i];
		if (r->start >= e)
			return 0;
		to_region(g, i);
		if (add_run(g, s > r->start ? s : r->start,
			    e < r->end ? e : r->end, flags, err) < 0)
			return -1;
		s = r->end;
	}
	return 0;
}

static uint32_t
from_categories(uint64_t c)
{
	return ((c & PAGE_IS_PRESENT) ? VMS_PG_PRESENT : 0) |
	       ((c & PAGE_IS_SWAPPED) ? VMS_PG_SWAPPED : 0) |
	       ((c & PAGE_IS_SOFT_DIRTY) ? VMS_PG_DIRTY : 0) |
	       ((c & PAGE_IS_HUGE) ? VMS_PG_HUGE : 0) |
	       ((c & PAGE_IS_FILE) ? VMS_PG_FILE : 0) |
	       ((c & PAGE_IS_PFNZERO) ? VMS_PG_ZERO : 0);
}

/*
 * One scan of [start, end): 0 done, 1 the kernel has no PAGEMAP_SCAN
 * (or refuses this range), -1 err set.
 */
static int
scan(struct gather *g, int fd, uint64_t start, uint64_t end,
     struct page_region *vec, struct vms_err *err)
{
	struct pm_scan_arg a;
	uint64_t ret = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE |
		       PAGE_IS_PFNZERO | PAGE_IS_HUGE | PAGE_IS_SOFT_DIRTY;

	while (start < end) {
		int n;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.start = start;
		a.end = end;
		a.vec = (uint64_t)(uintptr_t)vec;
		a.vec_len = VEC_LEN;
		a.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
		a.return_mask = ret;
		n = ioctl(fd, PM_SCAN, &a);
		if (n < 0 && errno == EINTR)
			continue;
		/* Linux 6.7 and 6.8 know no SOFT_DIRTY category. */
		if (n < 0 && errno == EINVAL && (ret & PAGE_IS_SOFT_DIRTY)) {
			ret &= ~(uint64_t)PAGE_IS_SOFT_DIRTY;
			continue;
		}
		if (n < 0)
			return 1;
		for (int k = 0; k < n; k++)
			if (add_range(g, vec[k].start, vec[k].end,
				      from_categories(vec[k].categories),
				      err) < 0)
				return -1;
		if (a.walk_end <= start)
			return 1;
		start = a.walk_end;
	}
	g->mask = VMS_PG_PRESENT | VMS_PG_SWAPPED | VMS_PG_HUGE | VMS_PG_FILE |
		  VMS_PG_ZERO;
	g->can_dirty = (ret & PAGE_IS_SOFT_DIRTY) != 0;
	return 0;
}

static uint32_t
from_word(uint64_t w)
{
	if (!(w & (PM_PRESENT | PM_SWAPPED)))
		return 0;
	return ((w & PM_PRESENT) ? VMS_PG_PRESENT : 0) |
	       ((w & PM_SWAPPED) ? VMS_PG_SWAPPED : 0) |
	       ((w & PM_FILE) ? VMS_PG_FILE : 0) |
	       ((w & PM_EXCLUSIVE) ? VMS_PG_EXCLUSIVE : 0) |
	       ((w & PM_SOFT_DIRTY) ? VMS_PG_DIRTY : 0);
}

/* Region i word by word: 0, or 1 when the pagemap stops short. */
static int
words(struct gather *g, int fd, size_t i, uint64_t page, uint64_t *buf,
      struct vms_err *err)
{
	const struct vms_region *r = &g->map->regions[i];
	uint64_t at = r->start / page, stop = r->end / page;

	to_region(g, i);
	while (at < stop) {
		size_t want = stop - at < WORDS ? (size_t)(stop - at) : WORDS;
		ssize_t got;

		if (at > (uint64_t)INT64_MAX / 8)
			return 1;
		got = pread(fd, buf, want * 8, (off_t)(at * 8));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || got % 8 != 0)
			return 1;
		for (size_t k = 0; k < (size_t)got / 8; k++)
			if (add_run(g, (at + k) * page, (at + k + 1) * page,
				    from_word(buf[k]), err) < 0)
				return -1;
		at += (uint64_t)got / 8;
	}
	return 0;
}

static int
read_words(struct gather *g, int fd, struct vms_err *err)
{
	uint64_t page = (g->map->has & VMS_P_PAGE_SIZE) ?
				g->map->page_size :
				(uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t *buf;
	int rc = 0;

	if (page == 0 || (page & (page - 1)) != 0)
		return 0;
	buf = malloc(WORDS * sizeof(*buf));
	if (buf == NULL)
		return vms_err_nomem(err);
	for (size_t i = 0; i < g->map->nregions && rc >= 0; i++) {
		size_t mark = g->nruns;

		rc = words(g, fd, i, page, buf, err);
		if (rc == 0)
			g->known[i] = 1;
		else if (rc == 1)
			g->nruns = mark;  /* a partial read tells nothing */
	}
	free(buf);
	g->mask = VMS_PG_PRESENT | VMS_PG_SWAPPED | VMS_PG_FILE |
		  VMS_PG_EXCLUSIVE;
	g->can_dirty = 1;
	return rc < 0 ? -1 : 0;
}

/*
 * Soft-dirty bits exist when the kernel tracks them: some region has the
 * "sd" VmFlag or some page came back soft-dirty.  Otherwise a clear bit
 * says nothing.
 */
static int
dirty_known(const struct gather *g)
{
	if (!g->can_dirty)
		return 0;
	if (g->dirty_seen)
		return 1;
	for (size_t i = 0; i < g->map->nregions; i++) {
		const struct vms_region *r = &g->map->regions[i];

		if ((r->has & VMS_HAS_VMFLAGS) && (r->vmflags & VMS_VMF(SD)))
			return 1;
	}
	return 0;
}

/* Move what was gathered into the map's storage. */
static int
publish(struct gather *g, struct vms_err *err)
{
	struct vms_map *map = g->map;
	struct vms_page_run *runs = NULL;
	uint32_t known = g->mask | (dirty_known(g) ? VMS_PG_DIRTY : 0);
	size_t n = 0, k = 0;

	to_region(g, map->nregions);
	for (size_t i = 0; i < map->nregions; i++)
		n += g->known[i];
	if (n == 0)
		return 0;
	if (g->nruns > 0) {
		runs = vms_map_alloc(map, g->nruns * sizeof(*runs), err);
		if (runs == NULL)
			return -1;
		memcpy(runs, g->runs, g->nruns * sizeof(*runs));
	}
	map->pages = vms_map_alloc(map, n * sizeof(*map->pages), err);
	if (map->pages == NULL)
		return -1;
	for (size_t i = 0; i < map->nregions; i++) {
		if (!g->known[i])
			continue;
		map->pages[k++] = (struct vms_pages){
			.region = i,
			.known = known,
			.runs = runs != NULL ? runs + g->begin[i] : NULL,
			.nruns = g->begin[i + 1] - g->begin[i],
		};
	}
	map->npages = n;
	return 0;
}

int
vms_live_pages(struct vms_map *map, int dirfd, struct vms_err *err)
{
	struct gather g = {.map = map};
	struct page_region *vec = NULL;
	size_t n = map->nregions;
	int fd, rc = -1, r = 1;

	map->pages = NULL;
	map->npages = 0;
	if (n == 0)
		return 0;
	fd = openat(dirfd, "pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vms_map_warn(map, "pagemap: %s: page state unknown",
				    strerror(errno)) < 0 ?
			       vms_err_nomem(err) :
			       0;
	g.begin = calloc(n + 1, sizeof(*g.begin));
	g.known = calloc(n, 1);
	vec = malloc(VEC_LEN * sizeof(*vec));
	if (g.begin == NULL || g.known == NULL || vec == NULL) {
		vms_err_nomem(err);
		goto out;
	}
	/*
	 * One scan over the whole space; the kernel refuses ranges beyond
	 * the user's part ([vsyscall]), so the top regions go one by one.
	 */
	for (size_t last = n; last > 0 && r == 1; last--) {
		g.nruns = 0;
		g.cur = 0;
		r = scan(&g, fd, map->regions[0].start,
			 map->regions[last - 1].end, vec, err);
		if (r < 0)
			goto out;
		if (r == 0)
			memset(g.known, 1, last);
		if (last + 8 < n)
			break;  /* not a range problem: no PAGEMAP_SCAN */
	}
	if (r == 1) {
		g.nruns = 0;
		g.cur = 0;
		memset(g.begin, 0, (n + 1) * sizeof(*g.begin));
		if (read_words(&g, fd, err) < 0)
			goto out;
	}
	rc = publish(&g, err);
out:
	close(fd);
	free(vec);
	free(g.runs);
	free(g.begin);
	free(g.known);
	return rc;
}

/* The first populated range [*s, *e) in [lo, hi), by pagemap words. */
static int
next_words(int fd, uint64_t lo, uint64_t hi, uint64_t page, uint64_t *s,
	   uint64_t *e)
{
	uint64_t buf[256];
	int found = 0;

	for (uint64_t at = lo / page; at < hi / page;) {
		size_t want = hi / page - at < 256 ? (size_t)(hi / page - at) :
						     256;
		ssize_t got;

		if (at > (uint64_t)INT64_MAX / 8)
			break;
		got = pread(fd, buf, want * 8, (off_t)(at * 8));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || got % 8 != 0)
			break;
		for (size_t k = 0; k < (size_t)got / 8; k++) {
			int pop = from_word(buf[k]) != 0;

			if (pop && !found) {
				found = 1;
				*s = (at + k) * page;
			}
			if (!pop && found) {
				*e = (at + k) * page;
				return 1;
			}
		}
		at += (uint64_t)got / 8;
		/* Bounded work per call when nothing is found. */
		if (!found && at * page - lo >= VMS_CONTENTS_PIECE) {
			*s = *e = at * page;
			return 0;
		}
	}
	if (found)
		*e = hi;
	else
		*s = *e = hi;
	return found;
}

int
vms_pages_next(int fd, uint64_t lo, uint64_t hi, uint64_t page, uint64_t *s,
	       uint64_t *e)
{
	struct page_region v;
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = lo,
		.end = hi,
		.vec = (uint64_t)(uintptr_t)&v,
		.vec_len = 1,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	};
	int n;

	do
		n = ioctl(fd, PM_SCAN, &a);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return next_words(fd, lo, hi, page, s, e);
	if (n == 0) {
		*s = *e = a.walk_end > lo ? a.walk_end : hi;
		return 0;
	}
	*s = v.start > lo ? v.start : lo;
	*e = v.end < hi ? v.end : hi;
	return 1;
}
