/*
 * map.c - the region model: storage, errors, names, sorting and lookup.
 *
 * Strings live in a pool of chunks owned by the map; paths are interned
 * so that the thousands of regions of one library share one copy.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmscope/vmscope.h"
#include "internal.h"

#define POOL_CHUNK (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used;
	size_t size;
	max_align_t data[];
};

struct intern_ent {
	const char *s;
	size_t n;
	uint32_t hash;
};

struct vms_pool {
	struct chunk *chunks;
	int regions_mapped;      /* map->regions is mmap()ed */
	size_t regions_bytes;
	size_t regions_clean;    /* mmap()ed: slots from here on are zero */
	struct intern_ent *tab;  /* open addressing, power of two */
	size_t tabsize;
	size_t tabused;
	struct vms_label_state label;
	struct ctr_arena *arenas; /* counter blocks of big maps */
	size_t ctr_blocks;       /* counter blocks handed out */
	uint64_t *ctr_next;      /* free room in arenas */
	uint64_t *ctr_end;
};

/*
 * Counter blocks of a map read from smaps: 192 bytes for each of up to
 * 65 530 regions.  Past the first few thousand they come from 2 MiB
 * arenas in huge pages, like the region array and for the same reason.
 */
#define CTR_ARENA ((size_t)2 << 20)
#define CTR_SMALL 4096

struct ctr_arena {
	struct ctr_arena *next;
	uint64_t pad[7];         /* blocks start on a cache line */
	uint64_t data[];
};

static const char *const errmsgs[] = {
#define X(name, msg) msg,
	VMS_ERRORS(X)
#undef X
};

const char *
vms_errcode_str(enum vms_errcode code)
{
	if ((unsigned)code >= VMS_E__COUNT)
		return "unknown error";
	return errmsgs[code];
}

int
vms_err_set(struct vms_err *err, enum vms_errcode code, int sys,
	    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	err->sys = sys;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
vms_err_nomem(struct vms_err *err)
{
	return vms_err_set(err, VMS_E_NOMEM, ENOMEM, "out of memory");
}

static const char *const ctr_keys[] = {
#define X(e, key, smaps) #key,
	VMS_COUNTERS(X)
#undef X
};
static const char *const ctr_smaps[] = {
#define X(e, key, smaps) smaps,
	VMS_COUNTERS(X)
#undef X
};
static const char *const vmf_names[] = {
#define X(e, s) s,
	VMS_VMFLAGS(X)
#undef X
};
static const char *const label_names[] = {
#define X(e, s) s,
	VMS_LABELS(X)
#undef X
};
static const char *const role_names[] = {
#define X(e, s) s,
	VMS_ROLES(X)
#undef X
};
static const char *const share_names[] = {
#define X(e, s) s,
	VMS_SHARES(X)
#undef X
};

const char *
vms_counter_key(enum vms_counter c)
{
	return (unsigned)c < VMS_C__COUNT ? ctr_keys[c] : NULL;
}

const char *
vms_counter_smaps_key(enum vms_counter c)
{
	return (unsigned)c < VMS_C__COUNT ? ctr_smaps[c] : NULL;
}

const char *
vms_vmflag_name(enum vms_vmflag f)
{
	return (unsigned)f < VMS_VMF__COUNT ? vmf_names[f] : NULL;
}

int
vms_vmflag_lookup(const char *s, size_t n)
{
	if (n != 2)
		return -1;
	for (int i = 0; i < VMS_VMF__COUNT; i++)
		if (vmf_names[i][0] == s[0] && vmf_names[i][1] == s[1])
			return i;
	return -1;
}

const char *
vms_label_name(enum vms_label l)
{
	return (unsigned)l < VMS_LABEL__COUNT ? label_names[l] : NULL;
}

const char *
vms_role_name(enum vms_role r)
{
	return (unsigned)r < VMS_ROLE__COUNT ? role_names[r] : NULL;
}

const char *
vms_share_name(enum vms_share s)
{
	return (unsigned)s < VMS_SHARE__COUNT ? share_names[s] : NULL;
}

struct vms_map *
vms_map_new(struct vms_err *err)
{
	struct vms_map *map = calloc(1, sizeof(*map));

	if (map == NULL || (map->pool = calloc(1, sizeof(*map->pool))) == NULL) {
		free(map);
		vms_err_nomem(err);
		return NULL;
	}
	return map;
}

void
vms_map_free(struct vms_map *map)
{
	struct chunk *c, *next;

	if (map == NULL)
		return;
	if (map->pool != NULL && map->pool->regions_mapped)
		munmap(map->regions, map->pool->regions_bytes);
	else
		free(map->regions);
	if (map->pool != NULL) {
		struct ctr_arena *a, *anext;

		for (a = map->pool->arenas; a != NULL; a = anext) {
			anext = a->next;
			munmap(a, CTR_ARENA);
		}
		for (c = map->pool->chunks; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
		free(map->pool->tab);
		free(map->pool);
	}
	free(map->threads);
	free(map->auxv);
	free(map->warnings);
	free(map);
}

int
vms_grow(void **arr, size_t *cap, size_t need, size_t elem,
	 struct vms_err *err)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return vms_err_set(err, VMS_E_LIMIT, 0, "too many entries");
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return vms_err_set(err, VMS_E_LIMIT, 0, "too many entries");
	p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return vms_err_nomem(err);
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * A map of 60 000 regions is some 8 MB, written once front to back: in
 * 4 KiB pages the faults cost more than the parsing.  A large array is
 * therefore mapped by hand, in huge pages where the system allows, with
 * address space for as many regions as a process usually may have
 * (vm.max_map_count is 65 530 by default), so that it grows in place;
 * past that, mremap() moves pages instead of copying them.  Only the
 * pages written are ever allocated.
 */
#define BIG_ARRAY ((size_t)2 << 20)
#define BIG_FROM ((size_t)256 << 10)
#define USUAL_MAX 65536

int
vms_map_reserve(struct vms_map *map, size_t n, struct vms_err *err)
{
	struct vms_pool *pool = map->pool;
	const size_t elem = sizeof(*map->regions);
	size_t bytes;
	void *p;

	if (n <= map->cap)
		return 0;
	if (n > SIZE_MAX / 2 / elem)
		return vms_err_set(err, VMS_E_LIMIT, 0, "too many regions");
	if (n * elem < BIG_FROM && !pool->regions_mapped)
		return vms_grow((void **)&map->regions, &map->cap, n, elem,
				err);
	bytes = n > map->cap * 2 ? n : map->cap * 2;
	if (!pool->regions_mapped && bytes < USUAL_MAX)
		bytes = USUAL_MAX;
	bytes = (bytes * elem + BIG_ARRAY - 1) & ~(BIG_ARRAY - 1);
	if (!pool->regions_mapped) {
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return vms_err_nomem(err);
		madvise(p, bytes, MADV_HUGEPAGE);
		if (map->nregions > 0)
			memcpy(p, map->regions, map->nregions * elem);
		free(map->regions);
		pool->regions_clean = map->nregions;
	} else {
		p = mremap(map->regions, pool->regions_bytes, bytes,
			   MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return vms_err_nomem(err);
	}
	map->regions = p;
	pool->regions_mapped = 1;
	pool->regions_bytes = bytes;
	map->cap = bytes / elem;
	return 0;
}

struct vms_label_state *
vms_map_label_state(struct vms_map *map)
{
	return &map->pool->label;
}

struct vms_region *
vms_map_add(struct vms_map *map, struct vms_err *err)
{
	struct vms_pool *pool = map->pool;
	struct vms_region *r;

	if (map->nregions == map->cap &&
	    vms_map_reserve(map, map->nregions + 1, err) < 0)
		return NULL;
	r = &map->regions[map->nregions];
	/*
	 * Pages of a mapped array that no region has reached yet are still
	 * the kernel's zero-filled ones: writing zeros again over megabytes
	 * of fresh memory costs a cache miss a region for nothing.  Only
	 * this function writes past nregions (see vmscope.h), so every slot
	 * from the mark on is untouched.
	 */
	if (!pool->regions_mapped || map->nregions < pool->regions_clean)
		memset(r, 0, sizeof(*r));
	else
		pool->regions_clean = map->nregions + 1;
	map->nregions++;
	return r;
}

static uint64_t *
ctr_block(struct vms_map *map, struct vms_err *err)
{
	struct vms_pool *pool = map->pool;
	const size_t n = VMS_C__COUNT;
	uint64_t *p;

	if (pool->ctr_blocks < CTR_SMALL)
		return vms_map_alloc(map, n * sizeof(*p), err);
	if ((size_t)(pool->ctr_end - pool->ctr_next) < n) {
		struct ctr_arena *a = mmap(NULL, CTR_ARENA,
					   PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED) {
			vms_err_nomem(err);
			return NULL;
		}
		madvise(a, CTR_ARENA, MADV_HUGEPAGE);
		a->next = pool->arenas;
		pool->arenas = a;
		pool->ctr_next = a->data;
		pool->ctr_end = (uint64_t *)((char *)a + CTR_ARENA);
	}
	p = pool->ctr_next;
	pool->ctr_next += n;
	return p;
}

uint64_t *
vms_region_counters(struct vms_map *map, struct vms_region *r,
		    struct vms_err *err)
{
	if (r->counters == NULL) {
		uint64_t *p = ctr_block(map, err);

		if (p == NULL)
			return NULL;
		memset(p, 0, VMS_C__COUNT * sizeof(*p));
		map->pool->ctr_blocks++;
		r->counters = p;
	}
	return r->counters;
}

int
vms_region_set(struct vms_map *map, struct vms_region *r, enum vms_counter c,
	       uint64_t v, struct vms_err *err)
{
	if ((unsigned)c >= VMS_C__COUNT)
		return vms_err_set(err, VMS_E_INVAL, 0, "no such counter");
	if (vms_region_counters(map, r, err) == NULL)
		return -1;
	r->counters[c] = v;
	r->has |= VMS_HAS_CTR(c);
	return 0;
}

struct vms_thread *
vms_map_add_thread(struct vms_map *map, struct vms_err *err)
{
	size_t cap = map->nthreads;
	struct vms_thread *t;

	/* The capacity is the count rounded up to a power of two. */
	if ((map->nthreads & (map->nthreads - 1)) == 0 &&
	    vms_grow((void **)&map->threads, &cap, map->nthreads + 1,
		     sizeof(*map->threads), err) < 0)
		return NULL;
	t = &map->threads[map->nthreads++];
	memset(t, 0, sizeof(*t));
	return t;
}

void *
vms_map_alloc(struct vms_map *map, size_t size, struct vms_err *err)
{
	struct vms_pool *pool = map->pool;
	struct chunk *c = pool->chunks;
	size_t align = sizeof(max_align_t);
	size_t need = (size + align - 1) & ~(align - 1);
	void *p;

	if (size > SIZE_MAX - align) {
		vms_err_set(err, VMS_E_LIMIT, 0, "allocation too large");
		return NULL;
	}
	if (need == 0)
		need = align;
	if (c == NULL || c->size - c->used < need) {
		size_t sz = need > POOL_CHUNK ? need : POOL_CHUNK;

		if (sz > SIZE_MAX - sizeof(*c)) {
			vms_err_set(err, VMS_E_LIMIT, 0, "allocation too large");
			return NULL;
		}
		c = malloc(sizeof(*c) + sz);
		if (c == NULL) {
			vms_err_nomem(err);
			return NULL;
		}
		c->size = sz;
		c->used = 0;
		/* A large one-off block goes behind the current chunk. */
		if (sz > POOL_CHUNK && pool->chunks != NULL) {
			c->next = pool->chunks->next;
			pool->chunks->next = c;
		} else {
			c->next = pool->chunks;
			pool->chunks = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += need;
	return p;
}

const char *
vms_map_strndup(struct vms_map *map, const char *s, size_t n,
		struct vms_err *err)
{
	char *p;

	if (n == SIZE_MAX) {
		vms_err_set(err, VMS_E_LIMIT, 0, "string too long");
		return NULL;
	}
	p = vms_map_alloc(map, n + 1, err);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *
vms_map_strdup(struct vms_map *map, const char *s, struct vms_err *err)
{
	return vms_map_strndup(map, s, strlen(s), err);
}

static uint32_t
fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

const char *
vms_map_intern(struct vms_map *map, const char *s, size_t n,
	       struct vms_err *err)
{
	struct vms_pool *pool = map->pool;
	uint32_t h = fnv1a(s, n);
	struct intern_ent *e;
	const char *copy;
	size_t i;

	if (pool->tabused * 2 >= pool->tabsize) {
		size_t nsize = pool->tabsize ? pool->tabsize * 2 : 256;
		struct intern_ent *nt;

		if (nsize > SIZE_MAX / sizeof(*nt))
			return vms_map_strndup(map, s, n, err);
		nt = calloc(nsize, sizeof(*nt));
		if (nt == NULL) {
			vms_err_nomem(err);
			return NULL;
		}
		for (i = 0; i < pool->tabsize; i++) {
			struct intern_ent *o = &pool->tab[i];
			size_t j;

			if (o->s == NULL)
				continue;
			for (j = o->hash & (nsize - 1); nt[j].s != NULL;
			     j = (j + 1) & (nsize - 1))
				;
			nt[j] = *o;
		}
		free(pool->tab);
		pool->tab = nt;
		pool->tabsize = nsize;
	}
	for (i = h & (pool->tabsize - 1);; i = (i + 1) & (pool->tabsize - 1)) {
		e = &pool->tab[i];
		if (e->s == NULL)
			break;
		if (e->hash == h && e->n == n && memcmp(e->s, s, n) == 0)
			return e->s;
	}
	copy = vms_map_strndup(map, s, n, err);
	if (copy == NULL)
		return NULL;
	e->s = copy;
	e->n = n;
	e->hash = h;
	pool->tabused++;
	return copy;
}

int
vms_map_warn(struct vms_map *map, const char *fmt, ...)
{
	size_t cap = map->nwarnings;
	char buf[512];
	const char *w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* The same damage repeated a thousand times is one warning. */
	for (size_t i = 0; i < map->nwarnings; i++)
		if (strcmp(map->warnings[i], buf) == 0)
			return 0;
	if (map->nwarnings >= VMS_MAX_WARNINGS)
		return 0;
	if ((map->nwarnings & (map->nwarnings - 1)) == 0 &&
	    vms_grow((void **)&map->warnings, &cap, map->nwarnings + 1,
		     sizeof(*map->warnings), NULL) < 0)
		return -1;
	w = vms_map_strdup(map, buf, NULL);
	if (w == NULL)
		return -1;
	map->warnings[map->nwarnings++] = w;
	return 0;
}

int
vms_map_warn_err(struct vms_map *map, struct vms_err *err, const char *fmt,
		 ...)
{
	char buf[480];
	va_list ap;

	/* Formatted here: vms_map_warn() takes no va_list. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (vms_map_warn(map, "%s", buf) < 0)
		return vms_err_nomem(err);
	return 0;
}

static int
cmp_region(const void *a, const void *b)
{
	const struct vms_region *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

int
vms_map_finish(struct vms_map *map, struct vms_err *err)
{
	const struct vms_label_state *st = &map->pool->label;
	size_t i, out, from = 0;
	uint64_t cut;
	int sorted = 1, clean = 1;

	/* What the reader labelled as it went is known to be in order. */
	if (!st->broken && st->n <= map->nregions)
		from = st->n;
	/* Most sources give a clean, sorted list: one pass tells. */
	for (i = from; i < map->nregions && sorted; i++) {
		const struct vms_region *r = &map->regions[i];

		if (r->end <= r->start)
			clean = 0;
		if (i > 0 && cmp_region(r - 1, r) > 0)
			sorted = 0;
		else if (i > 0 && r[-1].end > r->start)
			clean = 0;
	}
	if (sorted && clean)
		return vms_map_label_rest(map, from, err);
	if (!sorted)
		qsort(map->regions, map->nregions, sizeof(*map->regions),
		      cmp_region);
	/*
	 * Drop empty and inverted regions, and clip overlaps: a view must be
	 * able to trust that the list is a partition of part of the space.
	 */
	for (i = 0, out = 0; i < map->nregions; i++) {
		struct vms_region *r = &map->regions[i];

		if (r->end <= r->start) {
			if (vms_map_warn(map,
					 "region at 0x%" PRIx64 " is empty or "
					 "inverted: dropped",
					 r->start) < 0)
				return vms_err_nomem(err);
			continue;
		}
		if (out > 0 && map->regions[out - 1].end > r->start) {
			struct vms_region *prev = &map->regions[out - 1];

			if (vms_map_warn(map,
					 "regions at 0x%" PRIx64 " and 0x%" PRIx64
					 " overlap: the later one is clipped",
					 prev->start, r->start) < 0)
				return vms_err_nomem(err);
			if (r->end <= prev->end)
				continue;
			cut = prev->end - r->start;
			if (r->has & VMS_HAS_OFFSET)
				r->offset += cut;
			/* The dumped bytes of the cut-off part go with it. */
			if (r->has & VMS_HAS_DATA) {
				uint64_t d = cut < r->data_size ? cut : r->data_size;

				r->data_offset += d;
				r->data_size -= d;
			}
			r->start = prev->end;
		}
		if (out != i)
			map->regions[out] = *r;
		out++;
	}
	map->nregions = out;
	return vms_map_label_rest(map, 0, err);
}

size_t
vms_map_lower_bound(const struct vms_map *map, uint64_t addr)
{
	size_t lo = 0, hi = map->nregions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->regions[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct vms_region *
vms_map_find(const struct vms_map *map, uint64_t addr)
{
	size_t i = vms_map_lower_bound(map, addr);

	if (i < map->nregions && map->regions[i].start <= addr)
		return &map->regions[i];
	return NULL;
}
