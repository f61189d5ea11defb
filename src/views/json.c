/*
 * json.c - the JSON view: the whole model of one target as one JSON
 * object, schema 1 of vmscope-json(5), written by the small streaming
 * writer in jsonw.c that follows RFC 8259.  "json" writes each object on
 * one line (JSON Lines when there are several targets); "json-pretty"
 * indents with two spaces.
 *
 * Strings: '"' and '\' are escaped, the control characters \b \f \n \r
 * \t by their short forms and the rest of U+0000-U+001F, DEL, U+2028 and
 * U+2029 as \u00XX / \u20XX; other valid UTF-8 is copied.  A string that
 * is not valid UTF-8 (RFC 3629; paths are arbitrary bytes) has each byte
 * that does not start a valid sequence written as \ufffd, and the object
 * gets a sibling member NAME_hex with all of its bytes in hex, so nothing
 * is lost.  Addresses are hex strings, since jq and JavaScript keep only
 * 53 bits of a number; sizes and counters are exact decimal integers.
 */
#include <inttypes.h>
#include <string.h>

#include "jsonw.h"
#include "viewutil.h"

static void
m_prot(struct vms_jw *w, const char *k, int known, unsigned prot)
{
	char s[4];

	if (!known) {
		vms_jw_null(w, k);
		return;
	}
	s[0] = (prot & VMS_PROT_R) ? 'r' : '-';
	s[1] = (prot & VMS_PROT_W) ? 'w' : '-';
	s[2] = (prot & VMS_PROT_X) ? 'x' : '-';
	s[3] = '\0';
	vms_jw_str(w, k, s);
}

static void
arch(struct vms_jw *w, const struct vms_arch *a)
{
	vms_jw_key(w, "arch");
	vms_jw_begin(w, '{');
	vms_jw_str(w, "name", a->name);
	vms_jw_u64(w, "machine", a->machine != 0, a->machine);
	vms_jw_u64(w, "wordsize", a->wordsize != 0, a->wordsize);
	/* Byte order comes with the word size; neither is known alone. */
	if (a->wordsize == 0)
		vms_jw_null(w, "endian");
	else
		vms_jw_str(w, "endian", a->big_endian ? "big" : "little");
	vms_jw_end(w, '}');
}

static void
threads(struct vms_jw *w, const struct vms_map *map)
{
	vms_jw_key(w, "threads");
	vms_jw_begin(w, '[');
	for (size_t i = 0; i < map->nthreads; i++) {
		const struct vms_thread *t = &map->threads[i];

		vms_jw_sep(w);
		vms_jw_begin(w, '{');
		vms_jw_u64(w, "tid", 1, t->tid);
		vms_jw_addr(w, "sp", (t->has & VMS_THR_HAS_SP) != 0, t->sp);
		vms_jw_addr(w, "pc", (t->has & VMS_THR_HAS_PC) != 0, t->pc);
		/* The model has no "unknown" here: 0 is none or not told. */
		vms_jw_i64(w, "signal", t->signo != 0, t->signo);
		vms_jw_str(w, "name", t->name);
		vms_jw_end(w, '}');
	}
	vms_jw_end(w, ']');
}

/* Linux auxv types (include/uapi/linux/auxvec.h and the arch headers). */
static const char *
auxv_name(uint64_t type)
{
	static const char *const names[] = {
		[0] = "AT_NULL",
		[1] = "AT_IGNORE",
		[2] = "AT_EXECFD",
		[3] = "AT_PHDR",
		[4] = "AT_PHENT",
		[5] = "AT_PHNUM",
		[6] = "AT_PAGESZ",
		[7] = "AT_BASE",
		[8] = "AT_FLAGS",
		[9] = "AT_ENTRY",
		[10] = "AT_NOTELF",
		[11] = "AT_UID",
		[12] = "AT_EUID",
		[13] = "AT_GID",
		[14] = "AT_EGID",
		[15] = "AT_PLATFORM",
		[16] = "AT_HWCAP",
		[17] = "AT_CLKTCK",
		[18] = "AT_FPUCW",
		[19] = "AT_DCACHEBSIZE",
		[20] = "AT_ICACHEBSIZE",
		[21] = "AT_UCACHEBSIZE",
		[22] = "AT_IGNOREPPC",
		[23] = "AT_SECURE",
		[24] = "AT_BASE_PLATFORM",
		[25] = "AT_RANDOM",
		[26] = "AT_HWCAP2",
		[27] = "AT_RSEQ_FEATURE_SIZE",
		[28] = "AT_RSEQ_ALIGN",
		[29] = "AT_HWCAP3",
		[30] = "AT_HWCAP4",
		[31] = "AT_EXECFN",
		[32] = "AT_SYSINFO",
		[33] = "AT_SYSINFO_EHDR",
		[34] = "AT_L1I_CACHESHAPE",
		[35] = "AT_L1D_CACHESHAPE",
		[36] = "AT_L2_CACHESHAPE",
		[37] = "AT_L3_CACHESHAPE",
		[40] = "AT_L1I_CACHESIZE",
		[41] = "AT_L1I_CACHEGEOMETRY",
		[42] = "AT_L1D_CACHESIZE",
		[43] = "AT_L1D_CACHEGEOMETRY",
		[44] = "AT_L2_CACHESIZE",
		[45] = "AT_L2_CACHEGEOMETRY",
		[46] = "AT_L3_CACHESIZE",
		[47] = "AT_L3_CACHEGEOMETRY",
		[51] = "AT_MINSIGSTKSZ",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

static void
auxv(struct vms_jw *w, const struct vms_map *map)
{
	vms_jw_key(w, "auxv");
	vms_jw_begin(w, '[');
	for (size_t i = 0; i < map->nauxv; i++) {
		vms_jw_sep(w);
		vms_jw_begin(w, '{');
		vms_jw_u64(w, "type", 1, map->auxv[i].type);
		vms_jw_str(w, "name", auxv_name(map->auxv[i].type));
		vms_jw_addr(w, "value", 1, map->auxv[i].value);
		vms_jw_end(w, '}');
	}
	vms_jw_end(w, ']');
}

static const enum vms_counter huge_parts[] = {
	VMS_C_ANON_HUGE,      VMS_C_SHMEM_PMD,	     VMS_C_FILE_PMD,
	VMS_C_SHARED_HUGETLB, VMS_C_PRIVATE_HUGETLB,
};
#define NHUGE (sizeof(huge_parts) / sizeof(huge_parts[0]))

/* Bytes in huge pages of any kind; 0 (unknown) if a part is unknown. */
static int
huge_of(const struct vms_region *r, uint64_t *v)
{
	uint64_t x;

	*v = 0;
	for (size_t i = 0; i < NHUGE; i++) {
		if (vms_region_get(r, huge_parts[i], &x) < 0)
			return 0;
		*v += x;
	}
	return 1;
}

static void
vmflags(struct vms_jw *w, const struct vms_region *r)
{
	const char *s = r->vmflags_other;

	if (!(r->has & VMS_HAS_VMFLAGS)) {
		vms_jw_null(w, "vmflags");
		return;
	}
	vms_jw_key(w, "vmflags");
	vms_jw_begin_flat(w);
	for (int f = 0; f < VMS_VMF__COUNT; f++) {
		if (r->vmflags & (UINT64_C(1) << f)) {
			vms_jw_sep(w);
			vms_jw_strn(w, vms_vmflag_name(f),
				    strlen(vms_vmflag_name(f)));
		}
	}
	/* Mnemonics the library does not know, as the kernel wrote them. */
	while (s != NULL && *s != '\0') {
		size_t n;

		s += strspn(s, " ");
		n = strcspn(s, " ");
		if (n > 0) {
			vms_jw_sep(w);
			vms_jw_strn(w, s, n);
		}
		s += n;
	}
	vms_jw_end(w, ']');
}

static const struct {
	unsigned bit;
	const char *name;
} page_flags[] = {
	{VMS_PG_PRESENT, "present"}, {VMS_PG_SWAPPED, "swapped"},
	{VMS_PG_DIRTY, "dirty"},     {VMS_PG_HUGE, "huge"},
	{VMS_PG_FILE, "file"},       {VMS_PG_EXCLUSIVE, "exclusive"},
	{VMS_PG_ZERO, "zero"},
};

static void
page_flag_list(struct vms_jw *w, const char *k, unsigned flags)
{
	vms_jw_key(w, k);
	vms_jw_begin_flat(w);
	for (size_t i = 0; i < sizeof(page_flags) / sizeof(page_flags[0]); i++)
		if (flags & page_flags[i].bit) {
			vms_jw_sep(w);
			vms_jw_strn(w, page_flags[i].name,
				    strlen(page_flags[i].name));
		}
	vms_jw_end(w, ']');
}

/*
 * Page state, where the source has it (a snapshot taken with --pages):
 * the flags it tells, and the runs of pages that have any of them.
 */
static void
pages(struct vms_jw *w, const struct vms_pages *pg)
{
	if (pg == NULL) {
		vms_jw_null(w, "pages");
		return;
	}
	vms_jw_key(w, "pages");
	vms_jw_begin(w, '{');
	page_flag_list(w, "known", pg->known);
	vms_jw_key(w, "runs");
	vms_jw_begin(w, '[');
	for (size_t i = 0; i < pg->nruns; i++) {
		vms_jw_sep(w);
		vms_jw_begin(w, '{');
		vms_jw_addr(w, "start", 1, pg->runs[i].start);
		vms_jw_addr(w, "end", 1, pg->runs[i].end);
		page_flag_list(w, "flags", pg->runs[i].flags);
		vms_jw_end(w, '}');
	}
	vms_jw_end(w, ']');
	vms_jw_end(w, '}');
}

static void
region(struct vms_jw *w, const struct vms_map *map, size_t i)
{
	const struct vms_region *r = &map->regions[i];
	int tid = r->label == VMS_LABEL_THREAD_STACK ||
		  (r->label == VMS_LABEL_GUARD && r->label_id != 0);
	int devino = (r->has & VMS_HAS_DEVINO) != 0;
	int maxprot = vms_view_maxprot(r);
	char dev[32];
	uint64_t v = 0;
	int known;

	vms_jw_sep(w);
	vms_jw_begin(w, '{');
	vms_jw_addr(w, "start", 1, r->start);
	vms_jw_addr(w, "end", 1, r->end);
	vms_jw_u64(w, "size", 1, vms_region_size(r));
	m_prot(w, "prot", (r->has & VMS_HAS_PROT) != 0, r->prot);
	m_prot(w, "maxprot", maxprot >= 0, (unsigned)maxprot);
	vms_jw_bool(w, "shared", (r->has & VMS_HAS_SHARED) != 0,
		    (r->flags & VMS_RF_SHARED) != 0);
	vms_jw_str(w, "share", vms_share_name(r->share));
	vms_jw_str(w, "path", r->path);
	vms_jw_str(w, "name", r->name);
	vms_jw_bool(w, "deleted", 1, (r->flags & VMS_RF_DELETED) != 0);
	vms_jw_bool(w, "deleted_verified", 1, (r->has & VMS_HAS_DELETED) != 0);
	vms_jw_u64(w, "offset", (r->has & VMS_HAS_OFFSET) != 0, r->offset);
	snprintf(dev, sizeof(dev), "%02x:%02x", r->dev_major, r->dev_minor);
	vms_jw_str(w, "dev", devino ? dev : NULL);
	vms_jw_u64(w, "inode", devino, r->inode);
	vms_jw_str(w, "label", vms_label_name(r->label));
	vms_jw_u64(w, "tid", tid, r->label_id);
	vms_jw_u64(w, "shmid", r->label == VMS_LABEL_SYSV_SHM && devino,
		   r->label_id);
	vms_jw_str(w, "role", vms_role_name(r->role));
	vms_jw_key(w, "build_id");
	if (r->build_id != NULL)
		vms_jw_hex(w, r->build_id, r->build_id_len);
	else
		fputs("null", w->out);
	vmflags(w, r);
	vms_jw_bool(w, "thp_eligible", (r->has & VMS_HAS_THP) != 0,
		    r->thp_eligible != 0);
	vms_jw_i64(w, "protection_key", (r->has & VMS_HAS_PKEY) != 0, r->pkey);
	vms_jw_bool(w, "partial", 1, (r->flags & VMS_RF_PARTIAL) != 0);
	vms_jw_bool(w, "fault", 1, (r->flags & VMS_RF_FAULT) != 0);
	for (int c = 0; c < VMS_C__COUNT; c++) {
		known = vms_region_get(r, c, &v) == 0;
		vms_jw_u64(w, vms_counter_key(c), known, v);
	}
	known = huge_of(r, &v);
	vms_jw_u64(w, "huge", known, v);
	vms_jw_bool(w, "contents", 1, (r->flags & VMS_RF_CONTENTS) != 0);
	pages(w, vms_map_pages(map, i));
	vms_jw_end(w, '}');
}

/* Per-region page sizes have no meaningful sum. */
static int
summable(enum vms_counter c)
{
	return c != VMS_C_KERNEL_PAGE && c != VMS_C_MMU_PAGE;
}

static void
regions_and_totals(struct vms_jw *w, const struct vms_map *map,
		   const struct vms_view_opts *o)
{
	struct vms_sum sums[VMS_C__COUNT], huge;
	uint64_t size = 0, count = 0, v;

	for (int c = 0; c < VMS_C__COUNT; c++)
		vms_sum_init(&sums[c]);
	vms_sum_init(&huge);
	vms_jw_key(w, "regions");
	vms_jw_begin(w, '[');
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		if (!vms_view_in_range(r, o))
			continue;
		region(w, map, i);
		count++;
		size += vms_region_size(r);
		for (int c = 0; c < VMS_C__COUNT; c++)
			vms_sum_add(&sums[c], r, c);
		if (huge_of(r, &v))
			huge.v += v;
		else
			huge.known = 0;
	}
	vms_jw_end(w, ']');
	vms_jw_key(w, "totals");
	vms_jw_begin(w, '{');
	vms_jw_u64(w, "regions", 1, count);
	vms_jw_u64(w, "size", 1, size);
	for (int c = 0; c < VMS_C__COUNT; c++)
		if (summable(c))
			vms_jw_u64(w, vms_counter_key(c), sums[c].known,
				   sums[c].v);
	vms_jw_u64(w, "huge", huge.known, huge.v);
	vms_jw_end(w, '}');
}

static int
print(FILE *out, const struct vms_map *map, const struct vms_view_opts *o,
      int pretty)
{
	struct vms_jw w = {out, pretty, 0, 1, 0};
	int ranged = (o->flags & VMS_VIEW_RANGE) != 0;

	vms_jw_begin(&w, '{');
	vms_jw_u64(&w, "schema", 1, 1);
	vms_jw_str(&w, "vmscope", VMS_VERSION);
	vms_jw_source(&w, map);
	vms_jw_process(&w, &map->proc);
	arch(&w, &map->arch);
	vms_jw_u64(&w, "page_size", (map->has & VMS_P_PAGE_SIZE) != 0,
		   map->page_size);
	vms_jw_key(&w, "range");
	if (ranged) {
		vms_jw_begin(&w, '{');
		vms_jw_addr(&w, "low", 1, o->lo);
		vms_jw_addr(&w, "high", 1, o->hi);
		vms_jw_end(&w, '}');
	} else {
		fputs("null", out);
	}
	threads(&w, map);
	auxv(&w, map);
	regions_and_totals(&w, map, o);
	vms_jw_strs(&w, "warnings", map->warnings, map->nwarnings, 0);
	vms_jw_end(&w, '}');
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

static int
print_json(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	return print(out, map, o, 0);
}

static int
print_pretty(FILE *out, const struct vms_map *map,
	     const struct vms_view_opts *o)
{
	return print(out, map, o, 1);
}

const struct vms_view vms_view_json[] = {
	{"json", VMS_OPEN_COUNTERS | VMS_OPEN_BUILDIDS, print_json},
	{"json-pretty", VMS_OPEN_COUNTERS | VMS_OPEN_BUILDIDS, print_pretty},
	{NULL, 0, NULL},
};
