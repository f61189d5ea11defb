/*
 * diff.c - comparing two maps (vmscope-diff(1)), and the trend of a
 * sequence of maps.  It reads only the model.
 *
 * Each region belongs to a group: a module (its path), a label (one group
 * per label: heap, stack, thread stacks ...), a kernel name ("[anon:x]")
 * or plain anonymous memory.  Groups are matched first (modules by
 * build-id, then everything by key), then regions inside each pair of
 * groups by a list of passes, each a sort and a merge on one key.  So
 * memory is linear and time O(n log n) in the number of regions.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NONE UINT32_MAX

/* What a region belongs to. */
struct gkey {
	uint64_t hash;	 /* of str */
	const char *str; /* a module's path, a kernel name, or NULL */
	uint8_t kind;	 /* enum vms_diff_kind */
	uint8_t label;	 /* enum vms_label, for VMS_DIFF_LABEL */
};

/* The regions of one map in one group. */
struct grp {
	struct gkey k;
	uint32_t first; /* in side.ents */
	uint32_t n;
	uint32_t row; /* in the result's groups, or NONE */
	const unsigned char *bid;
	size_t bidlen;
	uint64_t has;		     /* VMS_HAS_* bits of all its regions */
	uint64_t acc[VMS_DF__COUNT]; /* its sums */
};

struct side {
	const struct vms_map *map;
	uint32_t *ents;	  /* region indices by group, then address */
	struct grp *grps; /* by key */
	size_t ngrps;
	uint32_t *row;		     /* per region: its row */
	uint32_t *match;	     /* per region: the other map's, or NONE */
	uint32_t *near;		     /* per region: the row of the nearest
				      * module or label below it, or NONE */
	uint64_t known;		     /* VMS_HAS_CTR bits of every region */
	uint64_t acc[VMS_DF__COUNT]; /* sums over the map */
};

/* A pair of groups: a row of the result. */
struct pair {
	uint32_t ga; /* in side a's grps, or NONE */
	uint32_t gb;
};

/* The key of a region in one matching pass. */
struct mkey {
	uint64_t k1;
	uint64_t k2;
	const char *s;
	uint32_t idx;
};

enum pass {
	P_OFFSET,
	P_START,
	P_END,
	P_TID,
	P_SHMID,
	P_NAME,
	P_NEIGH,
	P_ORDER
};

static const char *const field_names[] = {
#define F_NAME_(e, key) #key,
	VMS_DIFF_FIELDS(F_NAME_)
#undef F_NAME_
};

static const char *const kind_names[] = {
#define K_NAME_(e, s) s,
	VMS_DIFF_KINDS(K_NAME_)
#undef K_NAME_
};

static const char *const change_names[] = {
#define C_NAME_(e, s) s,
	VMS_DIFF_CHANGES(C_NAME_)
#undef C_NAME_
};

/* The row name of each label. */
static const char *const label_rows[VMS_LABEL__COUNT] = {
	[VMS_LABEL_HEAP] = "[heap]",
	[VMS_LABEL_STACK] = "[stack]",
	[VMS_LABEL_THREAD_STACK] = "[thread-stack]",
	[VMS_LABEL_GUARD] = "[guard]",
	[VMS_LABEL_VDSO] = "[vdso]",
	[VMS_LABEL_VVAR] = "[vvar]",
	[VMS_LABEL_VSYSCALL] = "[vsyscall]",
	[VMS_LABEL_SYSV_SHM] = "[sysv-shm]",
	[VMS_LABEL_MEMFD] = "[memfd]",
	[VMS_LABEL_HUGETLB] = "[hugetlb]",
	[VMS_LABEL_DEVICE] = "[device]",
};

#define SHARED_ANON "[anon-shared]"
#define PLAIN_ANON "[anon]"

const char *
vms_diff_field_name(enum vms_diff_field f)
{
	return (unsigned)f < VMS_DF__COUNT ? field_names[f] : NULL;
}

int
vms_diff_field_lookup(const char *s, size_t n)
{
	for (int f = 0; f < VMS_DF__COUNT; f++)
		if (strlen(field_names[f]) == n &&
		    memcmp(field_names[f], s, n) == 0)
			return f;
	return -1;
}

const char *
vms_diff_kind_name(enum vms_diff_kind k)
{
	return (unsigned)k < VMS_DIFF__KINDS ? kind_names[k] : NULL;
}

const char *
vms_diff_change_name(enum vms_diff_change_kind k)
{
	return (unsigned)k < VMS_DIFF__CHANGES ? change_names[k] : NULL;
}

/* FNV-1a: groups sort by hash, so that few strings are compared. */
static uint64_t
hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; s != NULL && *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return h;
}

static void
classify(const struct vms_region *r, struct gkey *k)
{
	k->str = NULL;
	k->label = VMS_LABEL_NONE;
	switch (r->label) {
	case VMS_LABEL_HUGETLB:
	case VMS_LABEL_DEVICE:
		/* A file on hugetlbfs, a device file: a module. */
		if (r->path != NULL && strcmp(r->path, "/anon_hugepage") != 0)
			break;
		/* FALLTHROUGH */
	case VMS_LABEL_HEAP:
	case VMS_LABEL_STACK:
	case VMS_LABEL_THREAD_STACK:
	case VMS_LABEL_GUARD:
	case VMS_LABEL_VDSO:
	case VMS_LABEL_VVAR:
	case VMS_LABEL_VSYSCALL:
	case VMS_LABEL_SYSV_SHM:
	case VMS_LABEL_MEMFD:
		k->kind = VMS_DIFF_LABEL;
		k->label = r->label;
		return;
	default:
		break;
	}
	if (vms_region_is_shared_anon(r)) {
		k->kind = VMS_DIFF_NAMED;
		k->str = SHARED_ANON;
	} else if (r->path != NULL) {
		k->kind = VMS_DIFF_MODULE;
		k->str = r->path;
	} else if (r->name != NULL) {
		k->kind = VMS_DIFF_NAMED;
		k->str = r->name;
	} else {
		k->kind = VMS_DIFF_ANON;
	}
}

static int
keycmp(const struct gkey *x, const struct gkey *y)
{
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->label != y->label)
		return x->label < y->label ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->str == y->str)
		return 0;
	if (x->str == NULL || y->str == NULL)
		return x->str == NULL ? -1 : 1;
	return strcmp(x->str, y->str);
}

static int
grpcmp(const void *p, const void *q)
{
	return keycmp(&((const struct grp *)p)->k, &((const struct grp *)q)->k);
}

/* The fields of one region added to acc. */
static void
accumulate(uint64_t acc[VMS_DF__COUNT], const struct vms_region *r)
{
	acc[VMS_DF_REGIONS]++;
	acc[VMS_DF_SIZE] += vms_region_size(r);
	acc[VMS_DF_RSS] += vms_region_ctr(r, VMS_C_RSS);
	acc[VMS_DF_PSS] += vms_region_ctr(r, VMS_C_PSS);
	acc[VMS_DF_DIRTY] += vms_region_ctr(r, VMS_C_PRIVATE_DIRTY) +
			     vms_region_ctr(r, VMS_C_SHARED_DIRTY);
	acc[VMS_DF_SWAP] += vms_region_ctr(r, VMS_C_SWAP);
	acc[VMS_DF_ANONYMOUS] += vms_region_ctr(r, VMS_C_ANONYMOUS);
	acc[VMS_DF_LOCKED] += vms_region_ctr(r, VMS_C_LOCKED);
}

static void
side_free(struct side *s)
{
	free(s->ents);
	free(s->grps);
	free(s->row);
	free(s->match);
	free(s->near);
	memset(s, 0, sizeof(*s));
}

/* Sort the regions of map into groups. */
static int
side_init(struct side *s, const struct vms_map *map, int full,
	  struct vms_err *err)
{
	size_t n = map->nregions, tcap = 16, gcap = 0;
	uint32_t *table = NULL, *gof = NULL, first = 0;
	const char *last = NULL;
	uint64_t lasth = 0;

	memset(s, 0, sizeof(*s));
	s->map = map;
	s->known = ~UINT64_C(0);
	if (n >= NONE)
		return vms_err_set(err, VMS_E_LIMIT, 0,
				   "%s: too many regions to compare",
				   map->source.name ? map->source.name : "map");
	s->ents = malloc((n ? n : 1) * sizeof(*s->ents));
	gof = malloc((n ? n : 1) * sizeof(*gof));
	while (tcap < 2 * n)
		tcap *= 2;
	table = calloc(tcap, sizeof(*table));
	if (s->ents == NULL || gof == NULL || table == NULL)
		goto nomem;
	/* Groups by hashing, in the order they first appear. */
	for (size_t i = 0; i < n; i++) {
		const struct vms_region *r = &map->regions[i];
		struct gkey k;
		size_t slot;

		classify(r, &k);
		/* Paths are interned: the same pointer comes in runs. */
		if (k.str != last) {
			last = k.str;
			lasth = hash(last);
		}
		k.hash = lasth;
		s->known &= r->has;
		slot = (size_t)(k.hash ^ ((uint64_t)k.kind << 56) ^
				((uint64_t)k.label << 48)) &
		       (tcap - 1);
		while (table[slot] != 0 &&
		       keycmp(&s->grps[table[slot] - 1].k, &k) != 0)
			slot = (slot + 1) & (tcap - 1);
		if (table[slot] == 0) {
			struct grp *gp;

			if (vms_grow((void **)&s->grps, &gcap, s->ngrps + 1,
				     sizeof(*s->grps), err) < 0)
				goto fail;
			gp = &s->grps[s->ngrps];
			memset(gp, 0, sizeof(*gp));
			gp->k = k;
			gp->row = (uint32_t)s->ngrps;
			table[slot] = (uint32_t)++s->ngrps;
		}
		gof[i] = table[slot] - 1;
		s->grps[gof[i]].n++;
	}
	/* Then sorted by key; row holds the first-seen number meanwhile. */
	if (s->ngrps > 0)
		qsort(s->grps, s->ngrps, sizeof(*s->grps), grpcmp);
	for (size_t g = 0; g < s->ngrps; g++) {
		table[s->grps[g].row] = (uint32_t)g;
		s->grps[g].first = first;
		first += s->grps[g].n;
		s->grps[g].n = 0;
		s->grps[g].row = NONE;
		s->grps[g].has = ~UINT64_C(0);
	}
	/* Each group's regions in address order. */
	for (size_t i = 0; i < n; i++) {
		const struct vms_region *r = &map->regions[i];
		struct grp *gp = &s->grps[table[gof[i]]];

		accumulate(gp->acc, r);
		accumulate(s->acc, r);
		gp->has &= r->has;
		s->ents[gp->first + gp->n] = (uint32_t)i;
		gp->n++;
		if (gp->bid == NULL && r->build_id != NULL &&
		    r->build_id_len > 0 && gp->k.kind == VMS_DIFF_MODULE) {
			gp->bid = r->build_id;
			gp->bidlen = r->build_id_len;
		}
	}
	free(table);
	free(gof);
	table = gof = NULL;
	if (!full)
		return 0;
	s->row = malloc((n ? n : 1) * sizeof(*s->row));
	s->match = malloc((n ? n : 1) * sizeof(*s->match));
	s->near = malloc((n ? n : 1) * sizeof(*s->near));
	if (s->row == NULL || s->match == NULL || s->near == NULL)
		goto nomem;
	memset(s->match, 0xff, (n ? n : 1) * sizeof(*s->match));
	return 0;
nomem:
	vms_err_nomem(err);
fail:
	free(table);
	free(gof);
	side_free(s);
	return -1;
}

static const struct vms_region *
region_at(const struct side *s, uint32_t ent)
{
	return &s->map->regions[s->ents[ent]];
}

/* Is field f known when every region has the bits in has? */
static int
known_of(uint64_t has, enum vms_diff_field f)
{
	uint64_t need = 0;

	switch (f) {
	case VMS_DF_RSS:
		need = VMS_HAS_CTR(VMS_C_RSS);
		break;
	case VMS_DF_PSS:
		need = VMS_HAS_CTR(VMS_C_PSS);
		break;
	case VMS_DF_DIRTY:
		need = VMS_HAS_CTR(VMS_C_PRIVATE_DIRTY) |
		       VMS_HAS_CTR(VMS_C_SHARED_DIRTY);
		break;
	case VMS_DF_SWAP:
		need = VMS_HAS_CTR(VMS_C_SWAP);
		break;
	case VMS_DF_ANONYMOUS:
		need = VMS_HAS_CTR(VMS_C_ANONYMOUS);
		break;
	case VMS_DF_LOCKED:
		need = VMS_HAS_CTR(VMS_C_LOCKED);
		break;
	default:
		break;
	}
	return (has & need) == need;
}

/*
 * The fields of group g (NULL: the side has none of it, so each is zero
 * where the map knows it) into one side (bit) of v.
 */
static void
sum_group(const struct side *s, const struct grp *g, unsigned bit,
	  struct vms_diff_value v[VMS_DF__COUNT])
{
	static const uint64_t zero[VMS_DF__COUNT];
	const uint64_t *acc = g != NULL ? g->acc : zero;
	uint64_t has = g != NULL ? g->has : s->known;

	for (int f = 0; f < VMS_DF__COUNT; f++) {
		if (!known_of(has, f))
			continue;
		if (bit == VMS_DIFF_A)
			v[f].a = acc[f];
		else
			v[f].b = acc[f];
		v[f].known |= bit;
	}
}

static void
sum_map(const struct side *s, unsigned bit,
	struct vms_diff_value v[VMS_DF__COUNT])
{
	const uint64_t *acc = s->acc;

	for (int f = 0; f < VMS_DF__COUNT; f++) {
		if (!known_of(s->known, f))
			continue;
		if (bit == VMS_DIFF_A)
			v[f].a = acc[f];
		else
			v[f].b = acc[f];
		v[f].known |= bit;
	}
}

static int
bidcmp(const struct grp *x, const struct grp *y)
{
	size_t n = x->bidlen < y->bidlen ? x->bidlen : y->bidlen;
	int c = memcmp(x->bid, y->bid, n);

	if (c != 0)
		return c;
	return x->bidlen < y->bidlen ? -1 : x->bidlen > y->bidlen;
}

static int
bidptrcmp(const void *p, const void *q)
{
	const struct grp *x = *(const struct grp *const *)p;
	const struct grp *y = *(const struct grp *const *)q;
	int c = bidcmp(x, y);

	return c != 0 ? c : keycmp(&x->k, &y->k);
}

/* The module groups of s that have a build-id, sorted by it. */
static struct grp **
with_bids(struct side *s, size_t *n)
{
	struct grp **v = malloc((s->ngrps ? s->ngrps : 1) * sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < s->ngrps; i++)
		if (s->grps[i].bid != NULL)
			v[(*n)++] = &s->grps[i];
	qsort(v, *n, sizeof(*v), bidptrcmp);
	return v;
}

static void
pair_up(struct pair *pairs, size_t *np, struct side *a, struct grp *ga,
	struct side *b, struct grp *gb)
{
	pairs[*np].ga = ga != NULL ? (uint32_t)(ga - a->grps) : NONE;
	pairs[*np].gb = gb != NULL ? (uint32_t)(gb - b->grps) : NONE;
	if (ga != NULL)
		ga->row = (uint32_t)*np;
	if (gb != NULL)
		gb->row = (uint32_t)*np;
	(*np)++;
}

/* Pair the groups of a and b; unpaired ones get rows of their own. */
static int
match_groups(struct side *a, struct side *b, int paths, struct pair *pairs,
	     size_t *np, struct vms_err *err)
{
	size_t i = 0, j = 0;

	*np = 0;
	if (!paths) {
		size_t na, nb;
		struct grp **va = with_bids(a, &na), **vb = with_bids(b, &nb);

		if (va == NULL || vb == NULL) {
			free(va);
			free(vb);
			return vms_err_nomem(err);
		}
		while (i < na && j < nb) {
			int c = bidcmp(va[i], vb[j]);

			if (c == 0)
				pair_up(pairs, np, a, va[i++], b, vb[j++]);
			else if (c < 0)
				i++;
			else
				j++;
		}
		free(va);
		free(vb);
	}
	for (i = 0, j = 0; i < a->ngrps || j < b->ngrps;) {
		struct grp *ga = i < a->ngrps ? &a->grps[i] : NULL;
		struct grp *gb = j < b->ngrps ? &b->grps[j] : NULL;
		int c;

		if (ga != NULL && ga->row != NONE) {
			i++;
			continue;
		}
		if (gb != NULL && gb->row != NONE) {
			j++;
			continue;
		}
		c = ga == NULL ? 1 : gb == NULL ? -1 : keycmp(&ga->k, &gb->k);
		if (c == 0) {
			pair_up(pairs, np, a, ga, b, gb);
			i++;
			j++;
		} else if (c < 0) {
			pair_up(pairs, np, a, ga, b, NULL);
			i++;
		} else {
			pair_up(pairs, np, a, NULL, b, gb);
			j++;
		}
	}
	return 0;
}

/* Each region's row, and the row of the nearest module or label below. */
static void
rows_of_regions(struct side *s)
{
	uint32_t near = NONE;

	for (size_t g = 0; g < s->ngrps; g++) {
		const struct grp *gp = &s->grps[g];
		/* near says for a moment whether the region is a landmark. */
		uint32_t mark = gp->k.kind == VMS_DIFF_MODULE ||
				gp->k.kind == VMS_DIFF_LABEL;

		for (uint32_t i = 0; i < gp->n; i++) {
			s->row[s->ents[gp->first + i]] = gp->row;
			s->near[s->ents[gp->first + i]] = mark;
		}
	}
	for (size_t i = 0; i < s->map->nregions; i++) {
		uint32_t mark = s->near[i];

		s->near[i] = near;
		if (mark)
			near = s->row[i];
	}
}

/* The passes that match the regions of a pair of groups, in order. */
static const uint8_t *
passes_of(const struct gkey *k)
{
	static const uint8_t module[] = {P_OFFSET, P_ORDER + 1};
	static const uint8_t tid[] = {P_TID, P_ORDER, P_ORDER + 1};
	static const uint8_t shm[] = {P_SHMID, P_NAME, P_ORDER, P_ORDER + 1};
	static const uint8_t memfd[] = {P_NAME, P_ORDER + 1};
	static const uint8_t label[] = {P_START, P_ORDER, P_ORDER + 1};
	static const uint8_t anon[] = {P_START, P_END, P_NEIGH, P_ORDER + 1};

	switch (k->kind) {
	case VMS_DIFF_MODULE:
		return module;
	case VMS_DIFF_LABEL:
		switch (k->label) {
		case VMS_LABEL_THREAD_STACK:
		case VMS_LABEL_GUARD:
			return tid;
		case VMS_LABEL_SYSV_SHM:
			return shm;
		case VMS_LABEL_MEMFD:
			return memfd;
		default:
			return label;
		}
	default:
		return anon;
	}
}

static int
mkeycmp(const struct mkey *x, const struct mkey *y)
{
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? -1 : 1;
	if (x->s != y->s) {
		if (x->s == NULL || y->s == NULL)
			return x->s == NULL ? -1 : 1;
		return strcmp(x->s, y->s);
	}
	return 0;
}

/*
 * A stable merge sort: keys come in address order, and equal keys must
 * stay in it.  tmp holds n / 2 keys.  Sorted runs cost one comparison.
 */
static void
msort(struct mkey *v, struct mkey *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 12) {
		for (size_t a = 1; a < n; a++) {
			struct mkey x = v[a];
			size_t b = a;

			for (; b > 0 && mkeycmp(&x, &v[b - 1]) < 0; b--)
				v[b] = v[b - 1];
			v[b] = x;
		}
		return;
	}
	msort(v, tmp, h);
	msort(v + h, tmp, n - h);
	if (mkeycmp(&v[h - 1], &v[h]) <= 0)
		return;
	memcpy(tmp, v, h * sizeof(*v));
	while (i < h && j < n)
		v[k++] = mkeycmp(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];
	while (i < h)
		v[k++] = tmp[i++];
}

struct passctx {
	int pass;
	int use_off; /* P_OFFSET: file offsets, not addresses */
};

/* The keys of the unmatched regions of g in one pass; their count. */
static size_t
keys_of(const struct side *s, const struct grp *g, const struct passctx *pc,
	struct mkey *out, struct mkey *tmp)
{
	uint64_t base = g->n > 0 ? region_at(s, g->first)->start : 0;
	size_t n = 0;

	for (uint32_t i = 0; i < g->n; i++) {
		uint32_t idx = s->ents[g->first + i];
		const struct vms_region *r = &s->map->regions[idx];
		struct mkey *k = &out[n];

		if (s->match[idx] != NONE)
			continue;
		k->k1 = k->k2 = 0;
		k->s = NULL;
		k->idx = idx;
		switch (pc->pass) {
		case P_OFFSET:
			k->k1 = pc->use_off ? r->offset : r->start - base;
			break;
		case P_TID:
			k->k1 = r->label_id;
			break;
		case P_SHMID:
			if (!(r->has & VMS_HAS_DEVINO))
				continue;
			k->k1 = r->label_id;
			break;
		case P_NAME:
			k->s = r->path;
			break;
		case P_NEIGH:
			k->k1 = s->near[idx];
			k->k2 = vms_region_size(r);
			break;
		default:
			break;
		}
		n++;
	}
	msort(out, tmp, n);
	return n;
}

static int
all_offsets(const struct side *s, const struct grp *g)
{
	for (uint32_t i = 0; i < g->n; i++)
		if (!(region_at(s, g->first + i)->has & VMS_HAS_OFFSET))
			return 0;
	return 1;
}

/*
 * Match by start (or end) address: a group's regions are in address
 * order, so this is a merge, without keys or sorting.
 */
static void
by_address(struct side *a, const struct grp *ga, struct side *b,
	   const struct grp *gb, int end)
{
	uint32_t i = 0, j = 0;

	while (i < ga->n && j < gb->n) {
		uint32_t x = a->ents[ga->first + i];
		uint32_t y = b->ents[gb->first + j];
		const struct vms_region *rx = &a->map->regions[x];
		const struct vms_region *ry = &b->map->regions[y];
		uint64_t kx = end ? rx->end : rx->start;
		uint64_t ky = end ? ry->end : ry->start;

		if (a->match[x] != NONE || kx < ky) {
			i++;
		} else if (b->match[y] != NONE || ky < kx) {
			j++;
		} else {
			a->match[x] = y;
			b->match[y] = x;
			i++;
			j++;
		}
	}
}

/* Match the regions of two groups of one row; ka, kb, tmp are scratch. */
static void
match_regions(struct side *a, const struct grp *ga, struct side *b,
	      const struct grp *gb, struct mkey *ka, struct mkey *kb,
	      struct mkey *tmp)
{
	struct passctx pc = {0, 0};

	pc.use_off = all_offsets(a, ga) && all_offsets(b, gb);
	for (const uint8_t *p = passes_of(&ga->k); *p <= P_ORDER; p++) {
		size_t na, nb, i = 0, j = 0;

		if (*p == P_START || *p == P_END) {
			by_address(a, ga, b, gb, *p == P_END);
			continue;
		}
		pc.pass = *p;
		na = keys_of(a, ga, &pc, ka, tmp);
		nb = keys_of(b, gb, &pc, kb, tmp);
		while (i < na && j < nb) {
			int c = mkeycmp(&ka[i], &kb[j]);

			if (c == 0) {
				a->match[ka[i].idx] = kb[j].idx;
				b->match[kb[j].idx] = ka[i].idx;
				i++;
				j++;
			} else if (c < 0) {
				i++;
			} else {
				j++;
			}
		}
	}
}

static int
add_change(struct vms_diff *d, size_t *cap, enum vms_diff_change_kind kind,
	   uint32_t row, const struct vms_region *ra,
	   const struct vms_region *rb, struct vms_err *err)
{
	struct vms_diff_change *c;

	if (vms_grow((void **)&d->changes, cap, d->nchanges + 1,
		     sizeof(*d->changes), err) < 0)
		return -1;
	c = &d->changes[d->nchanges++];
	c->kind = kind;
	c->group = row;
	c->a = ra;
	c->b = rb;
	return 0;
}

static int
changes_of(struct vms_diff *d, const struct side *a, const struct side *b,
	   const struct pair *pairs, size_t np, int paths, struct vms_err *err)
{
	size_t cap = 0;

	for (size_t i = 0; i < np; i++) {
		const struct grp *ga, *gb;

		if (paths || pairs[i].ga == NONE || pairs[i].gb == NONE)
			continue;
		ga = &a->grps[pairs[i].ga];
		gb = &b->grps[pairs[i].gb];
		if (ga->bid != NULL && gb->bid != NULL && bidcmp(ga, gb) != 0 &&
		    add_change(d, &cap, VMS_DIFF_REPLACED, (uint32_t)i,
			       region_at(a, ga->first), region_at(b, gb->first),
			       err) < 0)
			return -1;
	}
	for (size_t i = 0; i < a->map->nregions; i++)
		if (a->match[i] == NONE &&
		    add_change(d, &cap, VMS_DIFF_REMOVED, a->row[i],
			       &a->map->regions[i], NULL, err) < 0)
			return -1;
	for (size_t i = 0; i < b->map->nregions; i++) {
		const struct vms_region *rb = &b->map->regions[i], *ra;

		if (b->match[i] == NONE) {
			if (add_change(d, &cap, VMS_DIFF_ADDED, b->row[i], NULL,
				       rb, err) < 0)
				return -1;
			continue;
		}
		ra = &a->map->regions[b->match[i]];
		if (vms_region_size(ra) != vms_region_size(rb) &&
		    add_change(d, &cap, VMS_DIFF_RESIZED, b->row[i], ra, rb,
			       err) < 0)
			return -1;
		if ((ra->has & rb->has & VMS_HAS_PROT) &&
		    ra->prot != rb->prot &&
		    add_change(d, &cap, VMS_DIFF_PROT, b->row[i], ra, rb, err) <
			    0)
			return -1;
	}
	return 0;
}

/* Rows in the order of the table: largest RSS growth first. */
struct rowsort {
	const struct vms_diff_group *g;
	uint32_t old;
};

static int
rowcmp(const void *p, const void *q)
{
	const struct vms_diff_group *x = ((const struct rowsort *)p)->g;
	const struct vms_diff_group *y = ((const struct rowsort *)q)->g;
	int64_t dx = 0, dy = 0;
	int kx, ky, c;

	kx = vms_diff_delta(&x->v[VMS_DF_RSS], &dx) == 0;
	ky = vms_diff_delta(&y->v[VMS_DF_RSS], &dy) == 0;
	if (kx != ky)
		return kx ? -1 : 1;
	if (kx && dx != dy)
		return dx > dy ? -1 : 1;
	vms_diff_delta(&x->v[VMS_DF_SIZE], &dx);
	vms_diff_delta(&y->v[VMS_DF_SIZE], &dy);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->label != y->label)
		return x->label < y->label ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return ((const struct rowsort *)p)->old <
			       ((const struct rowsort *)q)->old
		       ? -1
		       : 1;
}

static const struct vms_region *
change_region(const struct vms_diff_change *c)
{
	return c->b != NULL ? c->b : c->a;
}

static int
changecmp(const void *p, const void *q)
{
	const struct vms_diff_change *x = p, *y = q;
	uint64_t sx = change_region(x)->start, sy = change_region(y)->start;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return sx < sy ? -1 : sx > sy;
}

static const char *
row_name(const struct grp *g)
{
	switch (g->k.kind) {
	case VMS_DIFF_LABEL:
		return label_rows[g->k.label] != NULL ? label_rows[g->k.label]
						      : "[label]";
	case VMS_DIFF_ANON:
		return PLAIN_ANON;
	default:
		return g->k.str;
	}
}

static void
fill_row(struct vms_diff_group *out, const struct side *a, const struct grp *ga,
	 const struct side *b, const struct grp *gb)
{
	const struct grp *g = gb != NULL ? gb : ga;

	memset(out, 0, sizeof(*out));
	out->name = row_name(g);
	if (ga != NULL && gb != NULL && g->k.kind == VMS_DIFF_MODULE &&
	    strcmp(ga->k.str, gb->k.str) != 0)
		out->name_a = ga->k.str;
	out->kind = g->k.kind;
	out->label = g->k.label;
	out->in = (ga != NULL ? VMS_DIFF_A : 0) | (gb != NULL ? VMS_DIFF_B : 0);
	if (ga != NULL) {
		out->build_id_a = ga->bid;
		out->build_id_a_len = ga->bidlen;
	}
	if (gb != NULL) {
		out->build_id_b = gb->bid;
		out->build_id_b_len = gb->bidlen;
	}
	sum_group(a, ga, VMS_DIFF_A, out->v);
	sum_group(b, gb, VMS_DIFF_B, out->v);
}

static int
any_delta(const struct vms_diff_value v[VMS_DF__COUNT])
{
	int64_t d;

	for (int f = 0; f < VMS_DF__COUNT; f++)
		if (vms_diff_delta(&v[f], &d) == 0 && d != 0)
			return 1;
	return 0;
}

/* Sort the rows for the table and renumber the changes' groups. */
static int
order(struct vms_diff *d, struct vms_err *err)
{
	struct rowsort *rs =
		malloc((d->ngroups ? d->ngroups : 1) * sizeof(*rs));
	struct vms_diff_group *g =
		malloc((d->ngroups ? d->ngroups : 1) * sizeof(*g));
	uint32_t *inv = malloc((d->ngroups ? d->ngroups : 1) * sizeof(*inv));

	if (rs == NULL || g == NULL || inv == NULL) {
		free(rs);
		free(g);
		free(inv);
		return vms_err_nomem(err);
	}
	for (size_t i = 0; i < d->ngroups; i++) {
		rs[i].g = &d->groups[i];
		rs[i].old = (uint32_t)i;
	}
	qsort(rs, d->ngroups, sizeof(*rs), rowcmp);
	for (size_t i = 0; i < d->ngroups; i++) {
		g[i] = *rs[i].g;
		inv[rs[i].old] = (uint32_t)i;
	}
	free(d->groups);
	d->groups = g;
	for (size_t i = 0; i < d->nchanges; i++) {
		d->changes[i].group = inv[d->changes[i].group];
		d->groups[d->changes[i].group].changed = 1;
	}
	if (d->nchanges > 0)
		qsort(d->changes, d->nchanges, sizeof(*d->changes), changecmp);
	for (size_t i = 0; i < d->ngroups; i++) {
		if (any_delta(d->groups[i].v))
			d->groups[i].changed = 1;
		if (d->groups[i].changed)
			d->differs = 1;
	}
	if (d->nchanges > 0 || any_delta(d->totals))
		d->differs = 1;
	free(rs);
	free(inv);
	return 0;
}

int
vms_diff_run(const struct vms_map *a, const struct vms_map *b,
	     const struct vms_diff_opts *o, struct vms_diff **out,
	     struct vms_err *err)
{
	int paths = o != NULL && (o->flags & VMS_DIFF_PATHS);
	struct side sa = {0}, sb = {0};
	struct mkey *ka = NULL, *kb = NULL, *tmp = NULL;
	struct pair *pairs = NULL;
	struct vms_diff *d;
	size_t np = 0;
	int rc = -1;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return vms_err_nomem(err);
	d->a = a;
	d->b = b;
	if (side_init(&sa, a, 1, err) < 0 || side_init(&sb, b, 1, err) < 0)
		goto done;
	pairs = malloc((sa.ngrps + sb.ngrps + 1) * sizeof(*pairs));
	ka = malloc((a->nregions ? a->nregions : 1) * sizeof(*ka));
	kb = malloc((b->nregions ? b->nregions : 1) * sizeof(*kb));
	tmp = malloc((a->nregions > b->nregions ? a->nregions : b->nregions) /
			     2 * sizeof(*tmp) +
		     sizeof(*tmp));
	if (pairs == NULL || ka == NULL || kb == NULL || tmp == NULL) {
		vms_err_nomem(err);
		goto done;
	}
	if (match_groups(&sa, &sb, paths, pairs, &np, err) < 0)
		goto done;
	rows_of_regions(&sa);
	rows_of_regions(&sb);
	d->groups = calloc(np ? np : 1, sizeof(*d->groups));
	if (d->groups == NULL) {
		vms_err_nomem(err);
		goto done;
	}
	d->ngroups = np;
	for (size_t i = 0; i < np; i++) {
		const struct grp *ga =
			pairs[i].ga != NONE ? &sa.grps[pairs[i].ga] : NULL;
		const struct grp *gb =
			pairs[i].gb != NONE ? &sb.grps[pairs[i].gb] : NULL;

		fill_row(&d->groups[i], &sa, ga, &sb, gb);
		if (ga != NULL && gb != NULL)
			match_regions(&sa, ga, &sb, gb, ka, kb, tmp);
	}
	sum_map(&sa, VMS_DIFF_A, d->totals);
	sum_map(&sb, VMS_DIFF_B, d->totals);
	if (changes_of(d, &sa, &sb, pairs, np, paths, err) < 0 ||
	    order(d, err) < 0)
		goto done;
	*out = d;
	d = NULL;
	rc = 0;
done:
	vms_diff_free(d);
	side_free(&sa);
	side_free(&sb);
	free(pairs);
	free(ka);
	free(kb);
	free(tmp);
	return rc;
}

void
vms_diff_free(struct vms_diff *d)
{
	if (d == NULL)
		return;
	free(d->groups);
	free(d->changes);
	free(d);
}

/*
 * Trends.  Rows are kept sorted by key until vms_trend_finish(); each
 * frame is merged into them.
 */
struct vms_trend_store {
	struct gkey *keys;     /* per row; str owned */
	size_t fcap;	       /* frames each row's arrays hold */
	unsigned char *fknown; /* per frame: RSS known in the whole map */
	int finished;
};

struct vms_trend *
vms_trend_new(struct vms_err *err)
{
	struct vms_trend *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->store = calloc(1, sizeof(*t->store))) == NULL) {
		free(t);
		vms_err_nomem(err);
		return NULL;
	}
	return t;
}

/* Room for one more frame in every row and in the frame lists. */
static int
trend_room(struct vms_trend *t, struct vms_err *err)
{
	struct vms_trend_store *st = t->store;
	size_t ncap;

	if (t->nframes < st->fcap)
		return 0;
	ncap = st->fcap ? st->fcap * 2 : 8;
	for (size_t i = 0; i < t->nrows; i++) {
		uint64_t *v = realloc(t->rows[i].rss, ncap * sizeof(*v));
		unsigned char *k;

		if (v == NULL)
			return vms_err_nomem(err);
		t->rows[i].rss = v;
		k = realloc(t->rows[i].known, ncap);
		if (k == NULL)
			return vms_err_nomem(err);
		t->rows[i].known = k;
	}
	{
		const char **f = realloc(t->frames, ncap * sizeof(*f));
		unsigned char *k;

		if (f == NULL)
			return vms_err_nomem(err);
		t->frames = f;
		k = realloc(st->fknown, ncap);
		if (k == NULL)
			return vms_err_nomem(err);
		st->fknown = k;
	}
	st->fcap = ncap;
	return 0;
}

/* A new row for group g, zero (where known) in the earlier frames. */
static int
trend_row(struct vms_trend *t, struct vms_trend_row *row, struct gkey *key,
	  const struct grp *g, struct vms_err *err)
{
	struct vms_trend_store *st = t->store;
	size_t cap = st->fcap;
	int owned = g->k.kind == VMS_DIFF_MODULE || g->k.kind == VMS_DIFF_NAMED;

	memset(row, 0, sizeof(*row));
	*key = g->k;
	row->kind = g->k.kind;
	row->label = g->k.label;
	row->rss = calloc(cap, sizeof(*row->rss));
	row->known = calloc(cap, 1);
	if (owned)
		key->str = strdup(g->k.str);
	if (row->rss == NULL || row->known == NULL ||
	    (owned && key->str == NULL)) {
		free(row->rss);
		free(row->known);
		if (owned)
			free((char *)key->str);
		return vms_err_nomem(err);
	}
	row->name = owned ? key->str : row_name(g);
	for (size_t f = 0; f < t->nframes; f++)
		row->known[f] = st->fknown[f];
	return 0;
}

static void
trend_row_free(struct vms_trend_row *row)
{
	free(row->rss);
	free(row->known);
	if (row->kind == VMS_DIFF_MODULE || row->kind == VMS_DIFF_NAMED)
		free((char *)row->name);
}

/* New rows for the groups of s that have none yet, sorted by key. */
static int
trend_fresh(struct vms_trend *t, const struct side *s,
	    struct vms_trend_row *rows, struct gkey *keys, size_t *n,
	    struct vms_err *err)
{
	size_t i = 0;

	*n = 0;
	for (size_t j = 0; j < s->ngrps; j++) {
		while (i < t->nrows &&
		       keycmp(&t->store->keys[i], &s->grps[j].k) < 0)
			i++;
		if (i < t->nrows &&
		    keycmp(&t->store->keys[i], &s->grps[j].k) == 0)
			continue;
		if (trend_row(t, &rows[*n], &keys[*n], &s->grps[j], err) < 0) {
			while (*n > 0)
				trend_row_free(&rows[--*n]);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

int
vms_trend_add(struct vms_trend *t, const struct vms_map *map, const char *name,
	      struct vms_err *err)
{
	struct vms_trend_store *st = t->store;
	struct vms_trend_row *rows = NULL, *fresh = NULL;
	struct gkey *keys = NULL, *fkeys = NULL;
	size_t f = t->nframes, n = 0, nf = 0, i = 0, j = 0, g = 0, cap;
	char *fname = NULL;
	struct side s;

	if (st->finished)
		return vms_err_set(err, VMS_E_INVAL, 0,
				   "trend: a frame added after the end");
	if (side_init(&s, map, 0, err) < 0)
		return -1;
	cap = t->nrows + s.ngrps;
	rows = malloc((cap ? cap : 1) * sizeof(*rows));
	keys = malloc((cap ? cap : 1) * sizeof(*keys));
	fresh = malloc((s.ngrps ? s.ngrps : 1) * sizeof(*fresh));
	fkeys = malloc((s.ngrps ? s.ngrps : 1) * sizeof(*fkeys));
	fname = strdup(name != NULL ? name : "");
	if (rows == NULL || keys == NULL || fresh == NULL || fkeys == NULL ||
	    fname == NULL) {
		vms_err_nomem(err);
		goto fail;
	}
	if (trend_room(t, err) < 0 ||
	    trend_fresh(t, &s, fresh, fkeys, &nf, err) < 0)
		goto fail;
	t->frames[f] = fname;
	st->fknown[f] = (s.known & VMS_HAS_CTR(VMS_C_RSS)) != 0;
	/* Merge the old rows and the fresh ones; both are sorted by key. */
	while (i < t->nrows || j < nf) {
		if (j >= nf ||
		    (i < t->nrows && keycmp(&st->keys[i], &fkeys[j]) < 0)) {
			rows[n] = t->rows[i];
			keys[n++] = st->keys[i++];
		} else {
			rows[n] = fresh[j];
			keys[n++] = fkeys[j++];
		}
	}
	/* Each row's value in this frame: groups are sorted by key too. */
	for (i = 0; i < n; i++) {
		struct vms_diff_value v[VMS_DF__COUNT] = {{0}};
		const struct grp *gp = NULL;

		while (g < s.ngrps && keycmp(&s.grps[g].k, &keys[i]) < 0)
			g++;
		if (g < s.ngrps && keycmp(&s.grps[g].k, &keys[i]) == 0)
			gp = &s.grps[g];
		sum_group(&s, gp, VMS_DIFF_A, v);
		rows[i].rss[f] = v[VMS_DF_RSS].a;
		rows[i].known[f] = (v[VMS_DF_RSS].known & VMS_DIFF_A) != 0;
	}
	free(t->rows);
	free(st->keys);
	free(fresh);
	free(fkeys);
	t->rows = rows;
	st->keys = keys;
	t->nrows = n;
	t->nframes++;
	side_free(&s);
	return 0;
fail:
	free(rows);
	free(keys);
	free(fresh);
	free(fkeys);
	free(fname);
	side_free(&s);
	return -1;
}

/* A row with the growth from its first frame to its last. */
struct trendsort {
	struct vms_trend_row row;
	int64_t growth;
	int known; /* every frame known */
};

static int
trendcmp(const void *p, const void *q)
{
	const struct trendsort *x = p, *y = q;

	if (x->row.growing != y->row.growing)
		return x->row.growing ? -1 : 1;
	if (x->known != y->known)
		return x->known ? -1 : 1;
	if (x->growth != y->growth)
		return x->growth > y->growth ? -1 : 1;
	if (x->row.kind != y->row.kind)
		return x->row.kind < y->row.kind ? -1 : 1;
	if (x->row.label != y->row.label)
		return x->row.label < y->row.label ? -1 : 1;
	return strcmp(x->row.name, y->row.name);
}

void
vms_trend_finish(struct vms_trend *t)
{
	struct trendsort *ts;

	if (t->store->finished)
		return;
	t->store->finished = 1;
	for (size_t i = 0; i < t->nrows; i++) {
		struct vms_trend_row *r = &t->rows[i];
		int up = t->nframes >= 3;

		for (size_t f = 0; f < t->nframes && up; f++)
			up = r->known[f] &&
			     (f == 0 || r->rss[f] >= r->rss[f - 1]);
		r->growing = up && r->rss[t->nframes - 1] > r->rss[0];
	}
	/* Without memory to sort, the rows stay in key order. */
	ts = malloc((t->nrows ? t->nrows : 1) * sizeof(*ts));
	if (ts == NULL)
		return;
	for (size_t i = 0; i < t->nrows; i++) {
		struct vms_diff_value v = {0, 0, 0};
		const struct vms_trend_row *r = &t->rows[i];

		ts[i].row = *r;
		ts[i].known = 1;
		for (size_t f = 0; f < t->nframes; f++)
			ts[i].known &= r->known[f];
		if (t->nframes > 0) {
			v.a = r->rss[0];
			v.b = r->rss[t->nframes - 1];
			v.known = VMS_DIFF_A | VMS_DIFF_B;
		}
		ts[i].growth = 0;
		if (ts[i].known && t->nframes > 0)
			vms_diff_delta(&v, &ts[i].growth);
	}
	qsort(ts, t->nrows, sizeof(*ts), trendcmp);
	for (size_t i = 0; i < t->nrows; i++)
		t->rows[i] = ts[i].row;
	free(ts);
}

void
vms_trend_free(struct vms_trend *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows; i++)
		trend_row_free(&t->rows[i]);
	for (size_t i = 0; i < t->nframes; i++)
		free((char *)t->frames[i]);
	free(t->frames);
	free(t->rows);
	if (t->store != NULL) {
		free(t->store->keys);
		free(t->store->fknown);
	}
	free(t->store);
	free(t);
}
