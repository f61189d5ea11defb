/*
 * vmmap.c - the macOS vmmap(1) view: a header block about the process,
 * the non-writable then the writable regions (or one list with
 * -interleaved), a legend and a summary by region type; an address shows
 * the region holding it and its neighbours.  Row layout as vmmap 2.4:
 *
 *   REGION TYPE  START - END  [ VSIZE  RSDNT  DIRTY   SWAP] PRT/MAX SHRMOD
 *   PURGE  REGION DETAIL
 *
 * Linux has no Mach region types; the names chosen for Linux regions, the
 * share modes and the derived maximum protection are documented in
 * vmscope-vmmap(1).  A value the source cannot know prints "?" ("???"
 * for a protection), never zero.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "viewutil.h"

#define DETAIL_MAX 48 /* details are cut to this unless wide */
#define MAX_TYPES 32

/* Sizes that turn unknown when a part is. */
struct sizes {
	struct vms_sum virt, rss, dirty, swap;
	size_t count;
};

/* One printed row: a region, or adjacent alike regions coalesced. */
struct row {
	const char *type;
	char detail[4200];
	uint64_t start, end;
	int prot, maxprot;
	enum vms_share share;
	char purge;
	struct sizes s;
};

static void
sizes_init(struct sizes *s)
{
	vms_sum_init(&s->virt);
	vms_sum_init(&s->rss);
	vms_sum_init(&s->dirty);
	vms_sum_init(&s->swap);
	s->count = 0;
}

static void
sizes_add(struct sizes *s, const struct vms_region *r)
{
	s->virt.v += vms_region_size(r);
	vms_sum_add(&s->rss, r, VMS_C_RSS);
	vms_sum_add(&s->dirty, r, VMS_C_PRIVATE_DIRTY);
	vms_sum_add(&s->dirty, r, VMS_C_SHARED_DIRTY);
	vms_sum_add(&s->swap, r, VMS_C_SWAP);
	s->count++;
}

/* vmmap's sizes: "32K" below 10M, then "512.0M", "1.5G"; "?" unknown. */
static const char *
human(const struct vms_sum *s, char *buf, size_t size)
{
	const uint64_t k = 1024, m = k * k, g = m * k;

	if (!s->known)
		return VMS_UNKNOWN_MARK;
	if (s->v < 10 * m)
		snprintf(buf, size, "%" PRIu64 "K", (s->v + k - 1) / k);
	else if (s->v < g)
		snprintf(buf, size, "%.1fM", (double)s->v / (double)m);
	else if (s->v < g * k)
		snprintf(buf, size, "%.1fG", (double)s->v / (double)g);
	else
		snprintf(buf, size, "%.1fT", (double)s->v / (double)(g * k));
	return buf;
}

static int
has_prefix(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

static void
path_detail(const struct vms_region *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", r->path != NULL ? r->path : "",
		 (r->flags & VMS_RF_DELETED) ? " (deleted)" : "");
}

/* "[anon:NAME]" -> "NAME" */
static void
inner_name(const char *n, char *buf, size_t size)
{
	const char *colon = strchr(n, ':');
	size_t len = strlen(n);

	if (colon != NULL && n[len - 1] == ']')
		snprintf(buf, size, "%.*s", (int)(n + len - 1 - colon - 1),
			 colon + 1);
	else
		snprintf(buf, size, "%s", n);
}

/* The region type and its detail, by ELF role, label and name. */
static const char *
type_of(const struct vms_region *r, char *detail, size_t size)
{
	static const char *const roles[] = {
		[VMS_ROLE_TEXT] = "__TEXT", [VMS_ROLE_RODATA] = "__RODATA",
		[VMS_ROLE_DATA] = "__DATA", [VMS_ROLE_RELRO] = "__DATA_CONST",
		[VMS_ROLE_BSS] = "__BSS",
	};
	int shared = (r->flags & VMS_RF_SHARED) != 0;

	detail[0] = '\0';
	if (r->role != VMS_ROLE_NONE && r->role < VMS_ROLE__COUNT) {
		path_detail(r, detail, size);
		return roles[r->role];
	}
	switch (r->label) {
	case VMS_LABEL_HEAP:
		snprintf(detail, size, "[heap]");
		return "Heap";
	case VMS_LABEL_STACK:
		snprintf(detail, size, "[stack]");
		return "Stack";
	case VMS_LABEL_THREAD_STACK:
		snprintf(detail, size, "thread %" PRIu64, r->label_id);
		return "Stack";
	case VMS_LABEL_GUARD:
		if (r->label_id != 0)
			snprintf(detail, size, "thread %" PRIu64, r->label_id);
		return "STACK GUARD";
	case VMS_LABEL_VDSO:
		snprintf(detail, size, "[vdso]");
		return "vdso";
	case VMS_LABEL_VVAR:
		snprintf(detail, size, "%s",
			 r->name != NULL ? r->name : "[vvar]");
		return "vvar";
	case VMS_LABEL_VSYSCALL:
		snprintf(detail, size, "[vsyscall]");
		return "vsyscall";
	case VMS_LABEL_SYSV_SHM:
		if (r->has & VMS_HAS_DEVINO)
			snprintf(detail, size, "key=0x%s shmid=%" PRIu64,
				 r->path + 5, r->label_id);
		else
			snprintf(detail, size, "key=0x%s", r->path + 5);
		return "SysV shm";
	case VMS_LABEL_MEMFD:
		snprintf(detail, size, "%s", r->path + 1);
		return "memfd";
	case VMS_LABEL_HUGETLB:
		path_detail(r, detail, size);
		return "hugetlb";
	default:
		break;
	}
	/* A Mach-O core's segments carry their own names: __TEXT, __DATA. */
	if (r->name != NULL && has_prefix(r->name, "__")) {
		if (r->path != NULL)
			path_detail(r, detail, size);
		return r->name;
	}
	/* MAP_SHARED|MAP_ANONYMOUS shows as /dev/zero. */
	if (has_prefix(r->path, "/dev/zero")) {
		if (shared)
			return "shared memory";
		return "VM_ALLOCATE";
	}
	if (has_prefix(r->path, "/dev/shm/")) {
		path_detail(r, detail, size);
		return "shared memory";
	}
	if (r->label == VMS_LABEL_DEVICE) {
		path_detail(r, detail, size);
		return "device";
	}
	if (r->path != NULL) {
		path_detail(r, detail, size);
		return "mapped file";
	}
	if (r->name != NULL) {
		inner_name(r->name, detail, size);
		if (has_prefix(r->name, "[anon_shmem:"))
			return "shared memory";
	}
	return shared ? "shared memory" : "VM_ALLOCATE";
}

/* MADV_FREE'd pages may vanish like a volatile purgeable region's. */
static char
purge_of(const struct vms_region *r)
{
	uint64_t v;

	if (vms_region_get(r, VMS_C_LAZYFREE, &v) < 0)
		return '?';
	return v > 0 ? 'V' : ' ';
}

static void
row_start(struct row *w, const struct vms_region *r)
{
	w->type = type_of(r, w->detail, sizeof(w->detail));
	w->start = r->start;
	w->end = r->end;
	w->prot = (r->has & VMS_HAS_PROT) ? r->prot : -1;
	w->maxprot = vms_view_maxprot(r);
	w->share = (enum vms_share)r->share;
	w->purge = purge_of(r);
	sizes_init(&w->s);
	sizes_add(&w->s, r);
}

/* Does r continue row w (adjacent, and alike in every printed field)? */
static int
continues(const struct row *w, const struct vms_region *r)
{
	char detail[4200];
	const char *t = type_of(r, detail, sizeof(detail));

	return w->end == r->start && strcmp(w->type, t) == 0 &&
	       strcmp(w->detail, detail) == 0 &&
	       w->prot == ((r->has & VMS_HAS_PROT) ? r->prot : -1) &&
	       w->maxprot == vms_view_maxprot(r) &&
	       w->share == (enum vms_share)r->share && w->purge == purge_of(r);
}

struct layout {
	int tw; /* type column */
	int aw; /* address digits */
	int wide;
};

static int
hex_digits(uint64_t v)
{
	int n = 1;

	while (v >>= 4)
		n++;
	return n;
}

static struct layout
layout_of(const struct vms_map *map, const struct vms_view_opts *o)
{
	struct layout l = {(int)strlen("REGION TYPE"), 8,
			   (o->flags & VMS_VIEW_WIDE) || o->verbose > 0};
	char detail[4200];

	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		int n = (int)strlen(type_of(r, detail, sizeof(detail)));

		if (n > l.tw)
			l.tw = n;
		if (hex_digits(r->end) > l.aw)
			l.aw = hex_digits(r->end);
	}
	return l;
}

static const char *
rwx(int p, char *buf)
{
	if (p < 0)
		return "???";
	buf[0] = (p & VMS_PROT_R) ? 'r' : '-';
	buf[1] = (p & VMS_PROT_W) ? 'w' : '-';
	buf[2] = (p & VMS_PROT_X) ? 'x' : '-';
	buf[3] = '\0';
	return buf;
}

static void
row_header(FILE *out, const struct layout *l, const char *indent)
{
	fprintf(out,
		"%s%-*s %*s - %-*s [ VSIZE  RSDNT  DIRTY   SWAP] PRT/MAX"
		" SHRMOD PURGE    REGION DETAIL\n",
		indent, l->tw, "REGION TYPE", l->aw - 1, "START", l->aw - 1,
		"END");
}

static void
row_print(FILE *out, const struct layout *l, const struct row *w,
	  const char *indent)
{
	const char *share = vms_share_name(w->share);
	char a[32], b[32], c[32], d[32], p[4], m[4], cut[4200];
	char line[4500];
	int n;

	n = snprintf(
		line, sizeof(line),
		"%s%-*s %*" PRIx64 "-%-*" PRIx64 " [%6s %6s %6s %6s] "
		"%s/%s SM=%s %c        %s",
		indent, l->tw, w->type, l->aw, w->start, l->aw, w->end,
		human(&w->s.virt, a, sizeof(a)), human(&w->s.rss, b, sizeof(b)),
		human(&w->s.dirty, c, sizeof(c)),
		human(&w->s.swap, d, sizeof(d)), rwx(w->prot, p),
		rwx(w->maxprot, m), share != NULL ? share : "???", w->purge,
		l->wide ? w->detail
			: vms_view_cut(w->detail, DETAIL_MAX, cut,
				       sizeof(cut)));
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	/* An empty detail or purge mode leaves no trailing blanks. */
	while (n > 0 && line[n - 1] == ' ')
		n--;
	fprintf(out, "%.*s\n", n, line);
}

/* Writable (1), non-writable (0); an unknown protection counts as writable. */
static int
writable(const struct vms_region *r)
{
	return !(r->has & VMS_HAS_PROT) || (r->prot & VMS_PROT_W);
}

/* The rows of one section (which: 0, 1, or -1 for all), coalesced. */
static void
print_rows(FILE *out, const struct vms_map *map, const struct vms_view_opts *o,
	   const struct layout *l, int which)
{
	struct row row, *w = &row;
	int open = 0;

	row_header(out, l, "");
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		if (which >= 0 && writable(r) != which)
			continue;
		if (!vms_view_in_range(r, o))
			continue;
		if (open && o->verbose == 0 && continues(w, r)) {
			w->end = r->end;
			sizes_add(&w->s, r);
			continue;
		}
		if (open)
			row_print(out, l, w, "");
		row_start(w, r);
		open = 1;
	}
	if (open)
		row_print(out, l, w, "");
}

static const char *
code_type(const struct vms_arch *a)
{
	if (a->name == NULL)
		return "???";
	if (strcmp(a->name, "x86_64") == 0)
		return "X86-64";
	if (strcmp(a->name, "aarch64") == 0 || strcmp(a->name, "arm64") == 0)
		return "ARM64";
	if (strcmp(a->name, "arm64e") == 0)
		return "ARM64E";
	if (strcmp(a->name, "ppc") == 0)
		return "PPC";
	if (strcmp(a->name, "ppc64") == 0)
		return "PPC64";
	if (strcmp(a->name, "i386") == 0 || strcmp(a->name, "i686") == 0)
		return "X86";
	if (strcmp(a->name, "arm") == 0)
		return "ARM";
	return a->name;
}

/*
 * Physical footprint: what the process alone holds, resident or not: its
 * private dirty pages, plus what its private mappings have in swap.
 * Unknown (and not printed) when a counter is.
 */
static int
footprint(const struct vms_map *map, struct vms_sum *fp)
{
	vms_sum_init(fp);
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		vms_sum_add(fp, r, VMS_C_PRIVATE_DIRTY);
		if (!((r->has & VMS_HAS_SHARED) && (r->flags & VMS_RF_SHARED)))
			vms_sum_add(fp, r, VMS_C_SWAP);
	}
	return fp->known;
}

static void
print_date(FILE *out, const struct vms_map *map)
{
	time_t t = (time_t)map->source.capture_sec;
	struct tm tm;
	char buf[64], zone[16];

	if (!(map->has & VMS_P_CAPTURE_TIME) || localtime_r(&t, &tm) == NULL)
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	fprintf(out, "Date/Time:       %s.%03d %s\n", buf,
		(int)(map->source.capture_nsec / 1000000), zone);
}

static void
print_head(FILE *out, const struct vms_map *map)
{
	const struct vms_process *p = &map->proc;
	const char *name = p->comm != NULL ? p->comm : VMS_UNKNOWN_MARK;
	char pid[32] = VMS_UNKNOWN_MARK, buf[32];
	struct vms_sum fp;

	if (p->has & VMS_P_PID)
		snprintf(pid, sizeof(pid), "%" PRId64, p->pid);
	fprintf(out, "Process:         %s [%s]\n", name, pid);
	fprintf(out, "Path:            %s\n",
		p->exe != NULL ? p->exe : VMS_UNKNOWN_MARK);
	for (size_t i = 0; p->exe != NULL && i < map->nregions; i++) {
		if (map->regions[i].path != NULL &&
		    strcmp(map->regions[i].path, p->exe) == 0) {
			fprintf(out, "Load Address:    0x%" PRIx64 "\n",
				map->regions[i].start);
			break;
		}
	}
	fprintf(out, "Identifier:      %s\n", pid);
	fprintf(out, "Code Type:       %s\n", code_type(&map->arch));
	if (p->has & VMS_P_PPID)
		fprintf(out, "Parent Process:  ??? [%" PRId64 "]\n", p->ppid);
	if (map->source.kind != VMS_SOURCE_LIVE)
		fprintf(out, "%-17s%s\n",
			map->source.kind == VMS_SOURCE_SNAPSHOT ? "Snapshot:"
								: "Core File:",
			map->source.name != NULL ? map->source.name : "");
	fputc('\n', out);
	if (map->has & VMS_P_CAPTURE_TIME || map->source.kernel != NULL) {
		print_date(out, map);
		if (map->source.kernel != NULL)
			fprintf(out, "OS Version:      Linux %s\n",
				map->source.kernel);
		fputc('\n', out);
	}
	if (footprint(map, &fp))
		fprintf(out, "Physical footprint:         %s\n\n",
			human(&fp, buf, sizeof(buf)));
	fprintf(out, "Virtual Memory Map of process %s (%s)\n", pid, name);
	fprintf(out, "Output report format:  2.4  -- %s-bit process\n",
		map->arch.wordsize == 32   ? "32"
		: map->arch.wordsize == 64 ? "64"
					   : VMS_UNKNOWN_MARK);
	if (map->has & VMS_P_PAGE_SIZE)
		fprintf(out, "VM page size:  %" PRIu64 " bytes\n",
			map->page_size);
	fputc('\n', out);
}

static void
print_legend(FILE *out)
{
	fputs("==== Legend\n"
	      "SM=sharing mode:\n"
	      "\tCOW=copy_on_write PRV=private NUL=empty ALI=aliased\n"
	      "\tSHM=shared ?\?\?=unknown\n"
	      "PURGE=purgeable mode:\n"
	      "\tV=volatile (has MADV_FREE pages) ?=unknown   "
	      "otherwise is unpurgeable\n\n",
	      out);
}

struct agg {
	const char *type;
	struct sizes s;
};

static int
agg_cmp(const void *a, const void *b)
{
	return strcmp(((const struct agg *)a)->type,
		      ((const struct agg *)b)->type);
}

static void
summary_line(FILE *out, int tw, const char *type, const struct sizes *s)
{
	char a[32], b[32], c[32], d[32];

	fprintf(out, "%-*s %8s %8s %8s %8s %8zu\n", tw, type,
		human(&s->virt, a, sizeof(a)), human(&s->rss, b, sizeof(b)),
		human(&s->dirty, c, sizeof(c)), human(&s->swap, d, sizeof(d)),
		s->count);
}

static void
print_summary(FILE *out, const struct vms_map *map,
	      const struct vms_view_opts *o, const char *pid)
{
	struct agg agg[MAX_TYPES];
	struct sizes total;
	size_t n = 0, k;
	int tw = 31;
	char detail[4200];
	const char *rule = "===========";

	sizes_init(&total);
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		const char *t;

		if (!vms_view_in_range(r, o))
			continue;
		t = type_of(r, detail, sizeof(detail));
		for (k = 0; k < n && strcmp(agg[k].type, t) != 0; k++)
			;
		if (k == n && n < MAX_TYPES) {
			agg[n].type = t;
			sizes_init(&agg[n++].s);
		}
		if (k < n)
			sizes_add(&agg[k].s, r);
		sizes_add(&total, r);
	}
	qsort(agg, n, sizeof(agg[0]), agg_cmp);
	for (k = 0; k < n; k++)
		if ((int)strlen(agg[k].type) > tw)
			tw = (int)strlen(agg[k].type);
	fprintf(out, "==== Summary for process %s\n", pid);
	fprintf(out, "%-*s %8s %8s %8s %8s %8s\n", tw, "", "VIRTUAL",
		"RESIDENT", "DIRTY", "SWAPPED", "REGION");
	fprintf(out, "%-*s %8s %8s %8s %8s %8s (non-coalesced)\n", tw,
		"REGION TYPE", "SIZE", "SIZE", "SIZE", "SIZE", "COUNT");
	fprintf(out, "%-*s %8s %8s %8s %8s %8s\n", tw, rule,
		"=======", "========", "=====", "=======", "======");
	for (k = 0; k < n; k++)
		summary_line(out, tw, agg[k].type, &agg[k].s);
	fprintf(out, "%-*s %8s %8s %8s %8s %8s\n", tw, rule,
		"=======", "========", "=====", "=======", "======");
	summary_line(out, tw, "TOTAL", &total);
}

static void
pid_of(const struct vms_map *map, char *buf, size_t size)
{
	if (map->proc.has & VMS_P_PID)
		snprintf(buf, size, "%" PRId64, map->proc.pid);
	else
		snprintf(buf, size, VMS_UNKNOWN_MARK);
}

/* vmmap PID ADDRESS: the region holding it, with one neighbour each side. */
static void
print_near(FILE *out, const struct vms_map *map, const struct vms_view_opts *o,
	   const struct layout *l)
{
	size_t at = vms_map_lower_bound(map, o->lo);
	int inside = at < map->nregions && map->regions[at].start <= o->lo;
	size_t first = at > 0 ? at - 1 : 0;
	size_t last = at + (inside ? 1 : 0);
	struct row row, *w = &row;

	row_header(out, l, "    ");
	for (size_t i = first; i <= last && i < map->nregions; i++) {
		if (i == at && !inside)
			fprintf(out,
				"--->  0x%" PRIx64 " is not in any region\n",
				o->lo);
		row_start(w, &map->regions[i]);
		row_print(out, l, w, i == at && inside ? "--->" : "    ");
	}
	if (at >= map->nregions)
		fprintf(out, "--->  0x%" PRIx64 " is not in any region\n",
			o->lo);
}

static int
print_sections(FILE *out, const struct vms_map *map,
	       const struct vms_view_opts *o, int interleaved)
{
	struct layout l = layout_of(map, o);
	char pid[32];

	pid_of(map, pid, sizeof(pid));
	print_head(out, map);
	if (o->flags & VMS_VIEW_ADDRESS) {
		print_near(out, map, o, &l);
		return 0;
	}
	if (interleaved) {
		fprintf(out, "==== Regions for process %s\n", pid);
		print_rows(out, map, o, &l, -1);
	} else {
		fprintf(out, "==== Non-writable regions for process %s\n", pid);
		print_rows(out, map, o, &l, 0);
		fprintf(out, "\n==== Writable regions for process %s\n", pid);
		print_rows(out, map, o, &l, 1);
	}
	fputc('\n', out);
	print_legend(out);
	print_summary(out, map, o, pid);
	return 0;
}

static int
print_default(FILE *out, const struct vms_map *map,
	      const struct vms_view_opts *o)
{
	return print_sections(out, map, o, 0);
}

static int
print_interleaved(FILE *out, const struct vms_map *map,
		  const struct vms_view_opts *o)
{
	return print_sections(out, map, o, 1);
}

static int
print_summary_only(FILE *out, const struct vms_map *map,
		   const struct vms_view_opts *o)
{
	char pid[32];

	pid_of(map, pid, sizeof(pid));
	print_head(out, map);
	print_summary(out, map, o, pid);
	return 0;
}

const struct vms_view vms_view_vmmap[] = {
	{"vmmap", VMS_OPEN_COUNTERS | VMS_OPEN_ROLES, print_default},
	{"vmmap-interleaved", VMS_OPEN_COUNTERS | VMS_OPEN_ROLES,
	 print_interleaved},
	{"vmmap-summary", VMS_OPEN_COUNTERS | VMS_OPEN_ROLES,
	 print_summary_only},
	{NULL, 0, NULL},
};
