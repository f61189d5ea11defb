/*
 * dwarf.c - function names and file:line for an address, with inlined
 * calls, from the DWARF of one ELF file (DWARF 2-5: .debug_info DIEs,
 * .debug_line, .debug_ranges and .debug_rnglists).
 *
 * Every libdwarf call of vmscope is here.  It is written against the
 * libdwarf 20210528 API of Debian 12 (dwarf_init_path with 12 arguments,
 * dwarf_finish with 2); a newer libdwarf changes this file only.
 *
 * The input may be damaged: every error of libdwarf ends the walk it
 * happened in, and walks are bounded (DIEs visited, nesting depth,
 * references followed, sibling offsets that must increase).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dwarf.h>
#include <libdwarf.h>

#include "internal.h"
#include "vms_dwarf.h"

/*
 * libdwarf is needed only to look addresses up (vmscope addr): it is
 * loaded on first use (optlib.c) and called through this table.
 */
#define DWARF_FNS(X)                                                   \
	X(dwarf_attr) X(dwarf_child) X(dwarf_dealloc)                  \
	X(dwarf_dealloc_attribute) X(dwarf_dealloc_die)                \
	X(dwarf_dealloc_rnglists_head) X(dwarf_diename)                \
	X(dwarf_dieoffset) X(dwarf_errmsg) X(dwarf_errno)              \
	X(dwarf_finish) X(dwarf_formudata) X(dwarf_get_ranges_b)       \
	X(dwarf_get_rnglists_entry_fields_a) X(dwarf_global_formref)   \
	X(dwarf_hasattr) X(dwarf_highpc_b) X(dwarf_init_path)          \
	X(dwarf_lineaddr) X(dwarf_lineendsequence) X(dwarf_lineno)     \
	X(dwarf_lineoff_b) X(dwarf_linesrc) X(dwarf_lowpc)             \
	X(dwarf_next_cu_header_d) X(dwarf_offdie_b)                    \
	X(dwarf_ranges_dealloc) X(dwarf_rnglists_get_rle_head)         \
	X(dwarf_siblingof_b) X(dwarf_srcfiles) X(dwarf_srclines_b)     \
	X(dwarf_srclines_dealloc_b)                                    \
	X(dwarf_srclines_from_linecontext) X(dwarf_tag)                \
	X(dwarf_whatform)

static struct { DWARF_FNS(VMS_OPTLIB_FN_PTR) } dw;
#define SLOT_DW(f) (void **)&dw.f,
static const char *const dw_names[] = {DWARF_FNS(VMS_OPTLIB_FN_NAME)};
static void **const dw_slots[] = {DWARF_FNS(SLOT_DW)};
static struct vms_optlib dw_lib =
	VMS_OPTLIB_INIT(VMS_SONAME_DWARF, dw_names, dw_slots);

void
vms_dwarf_soname(const char *soname)
{
	vms_optlib_soname(&dw_lib, soname);
}

#define MAX_CUS (1u << 20)
#define MAX_RANGES (1u << 22)
#define MAX_DIES 2000000L /* DIEs one lookup may visit */
#define MAX_DEPTH 64
#define MAX_REFS 8 /* abstract_origin/specification hops */

struct cu {
	Dwarf_Off die; /* offset of the CU's DIE */
	uint64_t base; /* DW_AT_low_pc, the base of its ranges */
	Dwarf_Half version;
};

struct range {
	uint64_t lo, hi;
	size_t cu;
};

struct row {
	uint64_t addr;
	Dwarf_Signed idx; /* in the line buffer */
};

struct vms_dwarf {
	Dwarf_Debug dbg;
	struct cu *cus;
	size_t ncus, cucap;
	struct range *ranges;
	size_t nranges, rcap;
	int nomem;
	/* The line table of one CU, kept for the next lookup. */
	size_t line_cu; /* SIZE_MAX: none */
	Dwarf_Line_Context lctx;
	Dwarf_Line *lines;
	struct row *rows; /* rows that start a range, by address */
	size_t nrows;
	char **files; /* dwarf_srcfiles() of that CU */
	Dwarf_Signed nfiles;
};

/* 1 when res is DW_DLV_OK; a libdwarf error is dropped. */
static int
ok(struct vms_dwarf *d, int res, Dwarf_Error e)
{
	if (res == DW_DLV_ERROR && e != NULL)
		dw.dwarf_dealloc(d != NULL ? d->dbg : NULL, e, DW_DLA_ERROR);
	return res == DW_DLV_OK;
}

static void
drop_lines(struct vms_dwarf *d)
{
	if (d->files != NULL) {
		for (Dwarf_Signed i = 0; i < d->nfiles; i++)
			dw.dwarf_dealloc(d->dbg, d->files[i], DW_DLA_STRING);
		dw.dwarf_dealloc(d->dbg, d->files, DW_DLA_LIST);
	}
	if (d->lctx != NULL)
		dw.dwarf_srclines_dealloc_b(d->lctx);
	free(d->rows);
	d->files = NULL;
	d->nfiles = 0;
	d->lctx = NULL;
	d->lines = NULL;
	d->rows = NULL;
	d->nrows = 0;
	d->line_cu = SIZE_MAX;
}

void
vms_dwarf_close(struct vms_dwarf *d)
{
	Dwarf_Error e = NULL;

	if (d == NULL)
		return;
	drop_lines(d);
	if (d->dbg != NULL)
		ok(d, dw.dwarf_finish(d->dbg, &e), e);
	free(d->cus);
	free(d->ranges);
	free(d);
}

void
vms_dwarf_frame_clear(struct vms_dwarf_frame *f)
{
	free(f->function);
	free(f->file);
	memset(f, 0, sizeof(*f));
}

static int
has_attr(struct vms_dwarf *d, Dwarf_Die die, Dwarf_Half at)
{
	Dwarf_Bool b = 0;
	Dwarf_Error e = NULL;

	return ok(d, dw.dwarf_hasattr(die, at, &b, &e), e) && b;
}

static int
attr_udata(struct vms_dwarf *d, Dwarf_Die die, Dwarf_Half at, uint64_t *v)
{
	Dwarf_Attribute a = NULL;
	Dwarf_Unsigned u = 0;
	Dwarf_Error e = NULL;
	int r;

	if (!ok(d, dw.dwarf_attr(die, at, &a, &e), e))
		return 0;
	r = ok(d, dw.dwarf_formudata(a, &u, &e), e);
	dw.dwarf_dealloc_attribute(a);
	*v = u;
	return r;
}

/* A reference attribute: the global offset of the DIE it names. */
static int
attr_ref(struct vms_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *off)
{
	Dwarf_Attribute a = NULL;
	Dwarf_Error e = NULL;
	int r;

	if (!ok(d, dw.dwarf_attr(die, at, &a, &e), e))
		return 0;
	r = ok(d, dw.dwarf_global_formref(a, off, &e), e);
	dw.dwarf_dealloc_attribute(a);
	return r;
}

typedef int (*range_fn)(struct vms_dwarf *d, uint64_t lo, uint64_t hi,
			void *arg);

/* DWARF 5 range lists (.debug_rnglists). */
static int
rnglists(struct vms_dwarf *d, Dwarf_Attribute a, Dwarf_Half form, range_fn fn,
	 void *arg)
{
	Dwarf_Rnglists_Head head = NULL;
	Dwarf_Unsigned val = 0, count = 0, goff = 0;
	Dwarf_Error e = NULL;
	int rc = 0;

	if (form == DW_FORM_rnglistx) {
		if (!ok(d, dw.dwarf_formudata(a, &val, &e), e))
			return 0;
	} else {
		Dwarf_Off off = 0;

		if (!ok(d, dw.dwarf_global_formref(a, &off, &e), e))
			return 0;
		val = off;
	}
	if (!ok(d,
		dw.dwarf_rnglists_get_rle_head(a, form, val, &head, &count, &goff,
					    &e),
		e))
		return 0;
	for (Dwarf_Unsigned i = 0; i < count && rc == 0; i++) {
		unsigned len = 0, code = 0;
		Dwarf_Unsigned r1, r2, c1 = 0, c2 = 0;
		Dwarf_Bool noaddr = 0;

		if (!ok(d,
			dw.dwarf_get_rnglists_entry_fields_a(head, i, &len, &code,
							  &r1, &r2, &noaddr,
							  &c1, &c2, &e),
			e))
			break;
		if (code == DW_RLE_end_of_list)
			break;
		if (code == DW_RLE_base_address ||
		    code == DW_RLE_base_addressx || noaddr)
			continue;
		if (c1 < c2)
			rc = fn(d, c1, c2, arg);
	}
	dw.dwarf_dealloc_rnglists_head(head);
	return rc;
}

/* DWARF 2-4 range lists (.debug_ranges), relative to the CU's base. */
static int
ranges_v4(struct vms_dwarf *d, Dwarf_Die die, Dwarf_Attribute a, uint64_t base,
	  range_fn fn, void *arg)
{
	Dwarf_Ranges *rb = NULL;
	Dwarf_Signed n = 0;
	Dwarf_Unsigned bytes = 0, u = 0;
	Dwarf_Off off = 0, real = 0;
	Dwarf_Error e = NULL;
	int rc = 0;

	if (ok(d, dw.dwarf_formudata(a, &u, &e), e))
		off = u;
	else if (!ok(d, dw.dwarf_global_formref(a, &off, &e), e))
		return 0;
	if (!ok(d,
		dw.dwarf_get_ranges_b(d->dbg, off, die, &real, &rb, &n, &bytes,
				   &e),
		e))
		return 0;
	for (Dwarf_Signed i = 0; i < n && rc == 0; i++) {
		if (rb[i].dwr_type == DW_RANGES_END)
			break;
		if (rb[i].dwr_type == DW_RANGES_ADDRESS_SELECTION) {
			base = rb[i].dwr_addr2;
			continue;
		}
		if (rb[i].dwr_addr1 < rb[i].dwr_addr2)
			rc = fn(d, base + rb[i].dwr_addr1,
				base + rb[i].dwr_addr2, arg);
	}
	dw.dwarf_ranges_dealloc(d->dbg, rb, n);
	return rc;
}

/*
 * Call fn for each address range of die: low_pc/high_pc, or ranges.
 * 0 when done (or there are none), else what fn returned.
 */
static int
die_ranges(struct vms_dwarf *d, Dwarf_Die die, const struct cu *cu, range_fn fn,
	   void *arg)
{
	Dwarf_Addr lo = 0, hi = 0;
	Dwarf_Half form = 0;
	enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
	Dwarf_Attribute a = NULL;
	Dwarf_Error e = NULL;
	int rc;

	/* A CU may have a low_pc (its base) and ranges, no high_pc. */
	if (ok(d, dw.dwarf_lowpc(die, &lo, &e), e) &&
	    ok(d, dw.dwarf_highpc_b(die, &hi, &form, &cls, &e), e)) {
		if (cls == DW_FORM_CLASS_CONSTANT)
			hi = lo + hi < lo ? UINT64_MAX : lo + hi;
		return lo < hi ? fn(d, lo, hi, arg) : 0;
	}
	if (!ok(d, dw.dwarf_attr(die, DW_AT_ranges, &a, &e), e))
		return 0;
	if (!ok(d, dw.dwarf_whatform(a, &form, &e), e)) {
		dw.dwarf_dealloc_attribute(a);
		return 0;
	}
	if (form == DW_FORM_rnglistx || cu->version >= 5)
		rc = rnglists(d, a, form, fn, arg);
	else
		rc = ranges_v4(d, die, a, cu->base, fn, arg);
	dw.dwarf_dealloc_attribute(a);
	return rc;
}

static int
add_range(struct vms_dwarf *d, uint64_t lo, uint64_t hi, void *arg)
{
	size_t cu = *(size_t *)arg;

	if (d->nranges >= MAX_RANGES)
		return 1;
	if (d->nranges == d->rcap) {
		size_t cap = d->rcap ? d->rcap * 2 : 64;
		struct range *p = realloc(d->ranges, cap * sizeof(*p));

		if (p == NULL) {
			d->nomem = 1;
			return 1;
		}
		d->ranges = p;
		d->rcap = cap;
	}
	d->ranges[d->nranges++] = (struct range){lo, hi, cu};
	return 0;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Every CU and its address ranges, once, sorted for lookups. */
static int
index_cus(struct vms_dwarf *d, struct vms_err *err)
{
	for (;;) {
		Dwarf_Unsigned len, typeoff, next;
		Dwarf_Half ver = 0, asz, lsz, ext, type;
		Dwarf_Off abbr, off = 0;
		Dwarf_Sig8 sig;
		Dwarf_Die die = NULL;
		Dwarf_Error e = NULL;
		Dwarf_Addr lo = 0;
		struct cu *cu;
		size_t idx;

		if (!ok(d,
			dw.dwarf_next_cu_header_d(d->dbg, 1, &len, &ver, &abbr,
					       &asz, &lsz, &ext, &sig, &typeoff,
					       &next, &type, &e),
			e))
			break;
		if (!ok(d, dw.dwarf_siblingof_b(d->dbg, NULL, 1, &die, &e), e))
			continue;
		if (!ok(d, dw.dwarf_dieoffset(die, &off, &e), e) ||
		    d->ncus >= MAX_CUS) {
			dw.dwarf_dealloc_die(die);
			continue;
		}
		if (d->ncus == d->cucap) {
			size_t cap = d->cucap ? d->cucap * 2 : 16;
			struct cu *p = realloc(d->cus, cap * sizeof(*p));

			if (p == NULL) {
				dw.dwarf_dealloc_die(die);
				return vms_err_set(err, VMS_E_NOMEM, ENOMEM,
						   "out of memory");
			}
			d->cus = p;
			d->cucap = cap;
		}
		idx = d->ncus++;
		cu = &d->cus[idx];
		cu->die = off;
		cu->version = ver;
		cu->base = ok(d, dw.dwarf_lowpc(die, &lo, &e), e) ? lo : 0;
		die_ranges(d, die, cu, add_range, &idx);
		dw.dwarf_dealloc_die(die);
		if (d->nomem)
			return vms_err_set(err, VMS_E_NOMEM, ENOMEM,
					   "out of memory");
	}
	if (d->nranges > 1)
		qsort(d->ranges, d->nranges, sizeof(*d->ranges), cmp_range);
	return 0;
}

/*
 * libdwarf 20210528 trusts a file's section headers: a section count or
 * size from a damaged file becomes one huge allocation.  libelf checks
 * them first, so a file libdwarf sees has headers inside the file and
 * sections that fit in it.
 */
static int
plausible_elf(const char *path, struct vms_err *err)
{
	size_t n = 0;
	struct stat st;
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vms_err_set(err, VMS_E_NOENT, errno, "%s: %s", path,
				   strerror(errno));
	if (fstat(fd, &st) < 0 || elf_version(EV_CURRENT) == EV_NONE ||
	    (elf = elf_begin(fd, ELF_C_READ, NULL)) == NULL ||
	    elf_kind(elf) != ELF_K_ELF || elf_getshdrnum(elf, &n) < 0 ||
	    n > (uint64_t)st.st_size / 40) {
		vms_err_set(err, VMS_E_CORRUPT, 0, "%s: not a readable ELF file",
			    path);
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) == NULL ||
		    (sh.sh_type != SHT_NOBITS &&
		     (sh.sh_offset > (uint64_t)st.st_size ||
		      sh.sh_size > (uint64_t)st.st_size - sh.sh_offset))) {
			vms_err_set(err, VMS_E_CORRUPT, 0,
				    "%s: a section lies past the end of the "
				    "file",
				    path);
			goto out;
		}
	}
	rc = 0;
out:
	elf_end(elf);
	close(fd);
	return rc;
}

struct vms_dwarf *
vms_dwarf_open(const char *path, struct vms_err *err)
{
	struct vms_dwarf *d;
	Dwarf_Error e = NULL;
	int res;

	if (plausible_elf(path, err) < 0 ||
	    vms_optlib_load(&dw_lib, "DWARF line and symbol lookups need "
			    "libdwarf", err) < 0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		vms_err_set(err, VMS_E_NOMEM, ENOMEM, "out of memory");
		return NULL;
	}
	d->line_cu = SIZE_MAX;
	/* No true-path buffer: libdwarf follows no debuglink of its own. */
	res = dw.dwarf_init_path(path, NULL, 0, DW_DLC_READ, DW_GROUPNUMBER_ANY,
			      NULL, NULL, &d->dbg, NULL, 0, NULL, &e);
	if (res != DW_DLV_OK) {
		if (res == DW_DLV_NO_ENTRY)
			vms_err_set(err, VMS_E_NOENT, 0, "%s: no DWARF", path);
		else
			vms_err_set(err, VMS_E_CORRUPT,
				    e ? (int)dw.dwarf_errno(e) : 0,
				    "%s: DWARF: %s", path,
				    e ? dw.dwarf_errmsg(e) : "unreadable");
		ok(NULL, res, e);
		d->dbg = NULL;
		vms_dwarf_close(d);
		return NULL;
	}
	if (index_cus(d, err) < 0) {
		vms_dwarf_close(d);
		return NULL;
	}
	return d;
}

static int
cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * The line table of CU c, kept until another CU is asked for.  Each row
 * that is followed, in its sequence, by a higher address starts a range
 * [addr, next); rows are kept sorted by address so a lookup is a search.
 */
static int
load_lines(struct vms_dwarf *d, size_t c, Dwarf_Die cudie)
{
	Dwarf_Unsigned ver = 0;
	Dwarf_Small tables = 0;
	Dwarf_Signed n = 0;
	Dwarf_Error e = NULL;

	if (d->line_cu == c)
		return 0;
	drop_lines(d);
	d->line_cu = c;
	if (!ok(d, dw.dwarf_srclines_b(cudie, &ver, &tables, &d->lctx, &e), e)) {
		d->lctx = NULL;
		return 0;
	}
	if (!ok(d, dw.dwarf_srclines_from_linecontext(d->lctx, &d->lines, &n, &e),
		e) ||
	    n <= 0)
		return 0;
	d->rows = calloc((size_t)n, sizeof(*d->rows));
	if (d->rows == NULL)
		return -1;
	for (Dwarf_Signed i = 0; i + 1 < n; i++) {
		Dwarf_Addr a = 0, b = 0;
		Dwarf_Bool end = 0;

		if (!ok(d, dw.dwarf_lineendsequence(d->lines[i], &end, &e), e) ||
		    end || !ok(d, dw.dwarf_lineaddr(d->lines[i], &a, &e), e) ||
		    !ok(d, dw.dwarf_lineaddr(d->lines[i + 1], &b, &e), e) ||
		    b <= a)
			continue;
		d->rows[d->nrows++] = (struct row){a, i};
	}
	qsort(d->rows, d->nrows, sizeof(*d->rows), cmp_row);
	if (!ok(d, dw.dwarf_srcfiles(cudie, &d->files, &d->nfiles, &e), e)) {
		d->files = NULL;
		d->nfiles = 0;
	}
	return 0;
}

/* The row whose range holds pc, or -1. */
static Dwarf_Signed
find_row(struct vms_dwarf *d, uint64_t pc)
{
	size_t lo = 0, hi = d->nrows;
	Dwarf_Error e = NULL;

	/* The last row starting at or below pc. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->rows[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		Dwarf_Signed i = d->rows[--lo].idx;
		Dwarf_Addr next = 0;

		if (ok(d, dw.dwarf_lineaddr(d->lines[i + 1], &next, &e), e) &&
		    pc < next)
			return i;
		/* An earlier, longer range may still hold pc; rarely. */
		if (d->rows[lo].addr + (UINT64_C(1) << 20) < pc)
			break;
	}
	return -1;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The name of a subprogram or inlined call, through its origins. */
static char *
die_name(struct vms_dwarf *d, Dwarf_Die die)
{
	static const Dwarf_Half refs[] = {DW_AT_abstract_origin,
					  DW_AT_specification};
	Dwarf_Die cur = die;
	char *out = NULL;

	for (int hop = 0; hop <= MAX_REFS && cur != NULL; hop++) {
		Dwarf_Error e = NULL;
		Dwarf_Off off = 0;
		Dwarf_Die next = NULL;
		char *name = NULL;

		if (ok(d, dw.dwarf_diename(cur, &name, &e), e)) {
			out = strdup(name);
			if (out == NULL)
				d->nomem = 1;
			break;
		}
		for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++)
			if (attr_ref(d, cur, refs[k], &off))
				break;
		if (off != 0 &&
		    !ok(d, dw.dwarf_offdie_b(d->dbg, off, 1, &next, &e), e))
			next = NULL;
		if (cur != die)
			dw.dwarf_dealloc_die(cur);
		cur = next;
	}
	if (cur != NULL && cur != die)
		dw.dwarf_dealloc_die(cur);
	return out;
}

struct hold {
	uint64_t pc;
	int in;
};

static int
holds_fn(struct vms_dwarf *d, uint64_t lo, uint64_t hi, void *arg)
{
	struct hold *h = arg;

	(void)d;
	if (lo <= h->pc && h->pc < hi) {
		h->in = 1;
		return 1;
	}
	return 0;
}

/* 1 if die covers pc, 0 if not, -1 if it says nothing about addresses. */
static int
holds(struct vms_dwarf *d, Dwarf_Die die, const struct cu *cu, uint64_t pc)
{
	struct hold h = {pc, 0};

	if (!has_attr(d, die, DW_AT_low_pc) && !has_attr(d, die, DW_AT_ranges))
		return -1;
	die_ranges(d, die, cu, holds_fn, &h);
	return h.in;
}

struct walk {
	const struct cu *cu;
	uint64_t pc;
	long budget;
	Dwarf_Die chain[VMS_DWARF_FRAMES];
	size_t n;
};

/*
 * Below parent, the subprogram and nested inlined calls that cover pc,
 * outermost first, into w->chain (which then owns them).
 */
static void
walk(struct vms_dwarf *d, Dwarf_Die parent, struct walk *w, int depth)
{
	Dwarf_Die child = NULL;
	Dwarf_Off prev = 0;
	Dwarf_Error e = NULL;

	if (depth > MAX_DEPTH || w->n == VMS_DWARF_FRAMES ||
	    !ok(d, dw.dwarf_child(parent, &child, &e), e))
		return;
	while (child != NULL && --w->budget > 0) {
		Dwarf_Half tag = 0;
		Dwarf_Die next = NULL;
		Dwarf_Off off = 0;
		int h, found = 0;

		if (!ok(d, dw.dwarf_dieoffset(child, &off, &e), e) ||
		    off <= prev) {
			dw.dwarf_dealloc_die(child);
			return;
		}
		prev = off;
		if (ok(d, dw.dwarf_tag(child, &tag, &e), e)) {
			switch (tag) {
			case DW_TAG_subprogram:
			case DW_TAG_inlined_subroutine:
				if (holds(d, child, w->cu, w->pc) == 1) {
					w->chain[w->n++] = child;
					walk(d, child, w, depth + 1);
					return;
				}
				break;
			case DW_TAG_lexical_block:
			case DW_TAG_namespace:
			case DW_TAG_module:
			case DW_TAG_class_type:
			case DW_TAG_structure_type:
				h = holds(d, child, w->cu, w->pc);
				if (h != 0) {
					size_t before = w->n;

					walk(d, child, w, depth + 1);
					found = w->n > before;
				}
				break;
			default:
				break;
			}
		}
		if (found) {
			dw.dwarf_dealloc_die(child);
			return;
		}
		if (!ok(d, dw.dwarf_siblingof_b(d->dbg, child, 1, &next, &e), e))
			next = NULL;
		dw.dwarf_dealloc_die(child);
		child = next;
	}
	if (child != NULL)
		dw.dwarf_dealloc_die(child);
}

/* The CU whose ranges hold pc, or SIZE_MAX. */
static size_t
find_cu(const struct vms_dwarf *d, uint64_t pc)
{
	size_t lo = 0, hi = d->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->ranges[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges of different CUs do not nest; look a little back. */
	for (size_t k = 0; k < 8 && lo > 0; k++, lo--)
		if (pc < d->ranges[lo - 1].hi)
			return d->ranges[lo - 1].cu;
	return SIZE_MAX;
}

/* File number n of the CU's line table: 0-based from DWARF 5 on. */
static const char *
file_name(const struct vms_dwarf *d, const struct cu *cu, uint64_t n)
{
	if (cu->version < 5) {
		if (n == 0)
			return NULL;
		n--;
	}
	return n < (uint64_t)d->nfiles ? d->files[n] : NULL;
}

static int
set_pos(struct vms_dwarf_frame *f, char *func, const char *file, uint64_t line,
	uint64_t col)
{
	f->function = func;
	f->file = dup_or_null(file);
	f->line = line > UINT32_MAX ? 0 : (uint32_t)line;
	f->column = col > UINT32_MAX ? 0 : (uint32_t)col;
	return file != NULL && f->file == NULL ? -1 : 0;
}

int
vms_dwarf_lookup(struct vms_dwarf *d, uint64_t pc, struct vms_dwarf_frame *out,
		 size_t max, struct vms_err *err)
{
	struct walk w = {.pc = pc, .budget = MAX_DIES};
	Dwarf_Die cudie = NULL;
	Dwarf_Error e = NULL;
	Dwarf_Unsigned line = 0, col = 0;
	Dwarf_Signed row;
	char *file = NULL;
	size_t c, n = 0;
	int rc = -1;

	memset(out, 0, max * sizeof(*out));
	d->nomem = 0;
	c = find_cu(d, pc);
	if (c == SIZE_MAX || max == 0)
		return 0;
	w.cu = &d->cus[c];
	if (!ok(d, dw.dwarf_offdie_b(d->dbg, w.cu->die, 1, &cudie, &e), e))
		return 0;
	if (load_lines(d, c, cudie) < 0)
		goto out;
	row = d->rows != NULL ? find_row(d, pc) : -1;
	if (row >= 0) {
		Dwarf_Line l = d->lines[row];

		if (!ok(d, dw.dwarf_lineno(l, &line, &e), e))
			line = 0;
		if (!ok(d, dw.dwarf_lineoff_b(l, &col, &e), e))
			col = 0;
		if (!ok(d, dw.dwarf_linesrc(l, &file, &e), e))
			file = NULL;
	}
	walk(d, cudie, &w, 0);
	/* Innermost first: the line table's position, then call sites. */
	for (size_t k = w.n; k > 0 && n < max; k--) {
		char *fn = die_name(d, w.chain[k - 1]);

		if (k == w.n) {
			if (set_pos(&out[n++], fn, file, line, col) < 0)
				goto out;
		} else {
			Dwarf_Die call = w.chain[k];
			uint64_t cf = 0, cl = 0, cc = 0;

			attr_udata(d, call, DW_AT_call_file, &cf);
			attr_udata(d, call, DW_AT_call_line, &cl);
			attr_udata(d, call, DW_AT_call_column, &cc);
			if (set_pos(&out[n++], fn, file_name(d, w.cu, cf), cl,
				    cc) < 0)
				goto out;
		}
	}
	if (w.n == 0 && row >= 0 &&
	    set_pos(&out[n++], NULL, file, line, col) < 0)
		goto out;
	rc = d->nomem ? -1 : (int)n;
out:
	if (rc < 0) {
		for (size_t k = 0; k < n; k++)
			vms_dwarf_frame_clear(&out[k]);
		vms_err_set(err, VMS_E_NOMEM, ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < w.n; k++)
		dw.dwarf_dealloc_die(w.chain[k]);
	if (file != NULL)
		dw.dwarf_dealloc(d->dbg, file, DW_DLA_STRING);
	dw.dwarf_dealloc_die(cudie);
	return rc;
}
