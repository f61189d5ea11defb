/*
 * json.c - the JSON view: the whole model of one target as one JSON
 * object, schema 1 of vmscope-json(5), written by a small streaming
 * writer that follows RFC 8259.  "json" writes each object on one line
 * (JSON Lines when there are several targets); "json-pretty" indents
 * with two spaces.
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
#include <time.h>

#include "viewutil.h"

struct jw {
	FILE *out;
	int pretty;
	int depth;
	int first; /* nothing written yet in the open container */
	int flat;  /* in an array of scalars, kept on one line */
};

static void
newline(struct jw *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* What goes before any member or element. */
static void
sep(struct jw *w)
{
	if (!w->first)
		fputs(w->pretty && w->flat ? ", " : ",", w->out);
	w->first = 0;
	if (!w->flat)
		newline(w);
}

static void
keyx(struct jw *w, const char *k, const char *suffix)
{
	sep(w);
	fprintf(w->out, "\"%s%s\":%s", k, suffix, w->pretty ? " " : "");
}

static void
key(struct jw *w, const char *k)
{
	keyx(w, k, "");
}

static void
begin(struct jw *w, int c)
{
	fputc(c, w->out);
	w->depth++;
	w->first = 1;
}

static void
end(struct jw *w, int c)
{
	w->depth--;
	if (!w->first && !w->flat)
		newline(w);
	fputc(c, w->out);
	w->first = 0;
	w->flat = 0;
}

/* An array of scalars: one line even when pretty, as people read it. */
static void
begin_flat(struct jw *w)
{
	begin(w, '[');
	w->flat = 1;
}

/* The length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	/* Overlong forms and UTF-16 surrogates are not UTF-8. */
	if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return n;
}

static int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, k; i < n; i += k)
		if ((k = utf8_len(p + i, n - i)) == 0)
			return 0;
	return 1;
}

/* A string value; 0 when bytes had to be replaced (see the top). */
static int
v_strn(struct jw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int valid = 1;

	fputc('"', w->out);
	for (size_t i = 0, k; i < n; i += k) {
		k = utf8_len(p + i, n - i);
		if (k == 0) {
			fputs("\\ufffd", w->out);
			valid = 0;
			k = 1;
		} else if (k == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			/* JavaScript before ES2019 ends a line there. */
			fprintf(w->out, "\\u20%02x", p[i + 2] - 0x80);
		} else if (k > 1) {
			fwrite(p + i, 1, k, w->out);
		} else if (p[i] == '"' || p[i] == '\\') {
			fprintf(w->out, "\\%c", p[i]);
		} else if (p[i] >= 0x20 && p[i] != 0x7f) {
			fputc(p[i], w->out);
		} else {
			const char *e = strchr("\bb\ff\nn\rr\tt", p[i]);

			if (p[i] != 0 && e != NULL)
				fprintf(w->out, "\\%c", e[1]);
			else
				fprintf(w->out, "\\u%04x", p[i]);
		}
	}
	fputc('"', w->out);
	return valid;
}

static void
v_hex(struct jw *w, const unsigned char *p, size_t n)
{
	fputc('"', w->out);
	for (size_t i = 0; i < n; i++)
		fprintf(w->out, "%02x", p[i]);
	fputc('"', w->out);
}

/* A string member, null for NULL, plus NAME_hex when not UTF-8. */
static void
m_str(struct jw *w, const char *k, const char *s)
{
	key(w, k);
	if (s == NULL) {
		fputs("null", w->out);
		return;
	}
	if (!v_strn(w, s, strlen(s))) {
		keyx(w, k, "_hex");
		v_hex(w, (const unsigned char *)s, strlen(s));
	}
}

/* An array of strings, and NAME_hex (null where valid) if need be. */
static void
m_strs(struct jw *w, const char *k, const char *const *v, size_t n, int flat)
{
	int valid = 1;

	key(w, k);
	if (flat)
		begin_flat(w);
	else
		begin(w, '[');
	for (size_t i = 0; i < n; i++) {
		sep(w);
		valid &= v_strn(w, v[i], strlen(v[i]));
	}
	end(w, ']');
	if (valid)
		return;
	keyx(w, k, "_hex");
	if (flat)
		begin_flat(w);
	else
		begin(w, '[');
	for (size_t i = 0; i < n; i++) {
		sep(w);
		if (utf8_valid(v[i], strlen(v[i])))
			fputs("null", w->out);
		else
			v_hex(w, (const unsigned char *)v[i], strlen(v[i]));
	}
	end(w, ']');
}

static void
m_null(struct jw *w, const char *k)
{
	key(w, k);
	fputs("null", w->out);
}

static void
m_u64(struct jw *w, const char *k, int known, uint64_t v)
{
	key(w, k);
	if (known)
		fprintf(w->out, "%" PRIu64, v);
	else
		fputs("null", w->out);
}

static void
m_i64(struct jw *w, const char *k, int known, int64_t v)
{
	key(w, k);
	if (known)
		fprintf(w->out, "%" PRId64, v);
	else
		fputs("null", w->out);
}

static void
m_addr(struct jw *w, const char *k, int known, uint64_t v)
{
	key(w, k);
	if (known)
		fprintf(w->out, "\"0x%" PRIx64 "\"", v);
	else
		fputs("null", w->out);
}

static void
m_bool(struct jw *w, const char *k, int known, int v)
{
	key(w, k);
	fputs(!known ? "null" : v ? "true" : "false", w->out);
}

static void
m_prot(struct jw *w, const char *k, int known, unsigned prot)
{
	char s[4];

	if (!known) {
		m_null(w, k);
		return;
	}
	s[0] = (prot & VMS_PROT_R) ? 'r' : '-';
	s[1] = (prot & VMS_PROT_W) ? 'w' : '-';
	s[2] = (prot & VMS_PROT_X) ? 'x' : '-';
	s[3] = '\0';
	m_str(w, k, s);
}

static const char *const kinds[] = {
	[VMS_SOURCE_LIVE] = "live",
	[VMS_SOURCE_ELF_CORE] = "elf-core",
	[VMS_SOURCE_MACHO_CORE] = "macho-core",
	[VMS_SOURCE_SNAPSHOT] = "snapshot",
};

/* RFC 3339 in UTC with nanoseconds: fixed width, so it sorts as text. */
static void
m_time(struct jw *w, const char *k, int known, int64_t sec, int32_t nsec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (!known || (int64_t)t != sec || nsec < 0 || nsec > 999999999 ||
	    gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		m_null(w, k);
		return;
	}
	key(w, k);
	fprintf(w->out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId32 "Z\"",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, nsec);
}

static const char *
kind_name(enum vms_source_kind k)
{
	return (size_t)k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : NULL;
}

/* Where a snapshot came from and which of its frames this is. */
static void
snapshot(struct jw *w, const struct vms_source *s)
{
	key(w, "snapshot");
	if (s->kind != VMS_SOURCE_SNAPSHOT) {
		fputs("null", w->out);
		return;
	}
	begin(w, '{');
	m_str(w, "from_kind", kind_name(s->from_kind));
	m_str(w, "from_name", s->from_name);
	m_str(w, "from_format", s->from_format);
	m_str(w, "writer", s->writer);
	m_u64(w, "frame", s->frame != 0, s->frame);
	m_u64(w, "frames", s->nframes != 0, s->nframes);
	m_bool(w, "damaged", 1, s->damaged);
	end(w, '}');
}

static void
source(struct jw *w, const struct vms_map *map)
{
	const struct vms_source *s = &map->source;

	key(w, "source");
	begin(w, '{');
	m_str(w, "kind", kind_name(s->kind));
	m_str(w, "name", s->name);
	m_str(w, "format", s->format);
	m_str(w, "host", s->host);
	m_str(w, "kernel", s->kernel);
	m_str(w, "boot_id", s->boot_id);
	m_time(w, "capture_time", (map->has & VMS_P_CAPTURE_TIME) != 0,
	       s->capture_sec, s->capture_nsec);
	snapshot(w, s);
	end(w, '}');
}

static void
process(struct jw *w, const struct vms_process *p)
{
	char state[2] = {p->state, '\0'};

	key(w, "process");
	begin(w, '{');
	m_i64(w, "pid", (p->has & VMS_P_PID) != 0, p->pid);
	m_i64(w, "ppid", (p->has & VMS_P_PPID) != 0, p->ppid);
	m_i64(w, "uid", (p->has & VMS_P_UID) != 0, p->uid);
	m_i64(w, "gid", (p->has & VMS_P_GID) != 0, p->gid);
	m_str(w, "comm", p->comm);
	m_str(w, "exe", p->exe);
	m_strs(w, "argv", p->argv, p->argc, 1);
	m_str(w, "state", p->state != 0 ? state : NULL);
	m_i64(w, "signal", (p->has & VMS_P_FAULT) != 0, p->signo);
	m_i64(w, "signal_code", (p->has & VMS_P_FAULT) != 0, p->sigcode);
	m_addr(w, "fault_addr", (p->has & VMS_P_FAULT_ADDR) != 0,
	       p->fault_addr);
	m_u64(w, "fault_tid", (p->has & VMS_P_FAULT_TID) != 0, p->fault_tid);
	end(w, '}');
}

static void
arch(struct jw *w, const struct vms_arch *a)
{
	key(w, "arch");
	begin(w, '{');
	m_str(w, "name", a->name);
	m_u64(w, "machine", a->machine != 0, a->machine);
	m_u64(w, "wordsize", a->wordsize != 0, a->wordsize);
	/* Byte order comes with the word size; neither is known alone. */
	if (a->wordsize == 0)
		m_null(w, "endian");
	else
		m_str(w, "endian", a->big_endian ? "big" : "little");
	end(w, '}');
}

static void
threads(struct jw *w, const struct vms_map *map)
{
	key(w, "threads");
	begin(w, '[');
	for (size_t i = 0; i < map->nthreads; i++) {
		const struct vms_thread *t = &map->threads[i];

		sep(w);
		begin(w, '{');
		m_u64(w, "tid", 1, t->tid);
		m_addr(w, "sp", (t->has & VMS_THR_HAS_SP) != 0, t->sp);
		m_addr(w, "pc", (t->has & VMS_THR_HAS_PC) != 0, t->pc);
		/* The model has no "unknown" here: 0 is none or not told. */
		m_i64(w, "signal", t->signo != 0, t->signo);
		m_str(w, "name", t->name);
		end(w, '}');
	}
	end(w, ']');
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
auxv(struct jw *w, const struct vms_map *map)
{
	key(w, "auxv");
	begin(w, '[');
	for (size_t i = 0; i < map->nauxv; i++) {
		sep(w);
		begin(w, '{');
		m_u64(w, "type", 1, map->auxv[i].type);
		m_str(w, "name", auxv_name(map->auxv[i].type));
		m_addr(w, "value", 1, map->auxv[i].value);
		end(w, '}');
	}
	end(w, ']');
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
vmflags(struct jw *w, const struct vms_region *r)
{
	const char *s = r->vmflags_other;

	if (!(r->has & VMS_HAS_VMFLAGS)) {
		m_null(w, "vmflags");
		return;
	}
	key(w, "vmflags");
	begin_flat(w);
	for (int f = 0; f < VMS_VMF__COUNT; f++) {
		if (r->vmflags & (UINT64_C(1) << f)) {
			sep(w);
			v_strn(w, vms_vmflag_name(f),
			       strlen(vms_vmflag_name(f)));
		}
	}
	/* Mnemonics the library does not know, as the kernel wrote them. */
	while (s != NULL && *s != '\0') {
		size_t n;

		s += strspn(s, " ");
		n = strcspn(s, " ");
		if (n > 0) {
			sep(w);
			v_strn(w, s, n);
		}
		s += n;
	}
	end(w, ']');
}

static void
region(struct jw *w, const struct vms_region *r)
{
	int tid = r->label == VMS_LABEL_THREAD_STACK ||
		  (r->label == VMS_LABEL_GUARD && r->label_id != 0);
	int devino = (r->has & VMS_HAS_DEVINO) != 0;
	int maxprot = vms_view_maxprot(r);
	char dev[32];
	uint64_t v = 0;
	int known;

	sep(w);
	begin(w, '{');
	m_addr(w, "start", 1, r->start);
	m_addr(w, "end", 1, r->end);
	m_u64(w, "size", 1, vms_region_size(r));
	m_prot(w, "prot", (r->has & VMS_HAS_PROT) != 0, r->prot);
	m_prot(w, "maxprot", maxprot >= 0, (unsigned)maxprot);
	m_bool(w, "shared", (r->has & VMS_HAS_SHARED) != 0,
	       (r->flags & VMS_RF_SHARED) != 0);
	m_str(w, "share", vms_share_name(r->share));
	m_str(w, "path", r->path);
	m_str(w, "name", r->name);
	m_bool(w, "deleted", 1, (r->flags & VMS_RF_DELETED) != 0);
	m_bool(w, "deleted_verified", 1, (r->has & VMS_HAS_DELETED) != 0);
	m_u64(w, "offset", (r->has & VMS_HAS_OFFSET) != 0, r->offset);
	snprintf(dev, sizeof(dev), "%02x:%02x", r->dev_major, r->dev_minor);
	m_str(w, "dev", devino ? dev : NULL);
	m_u64(w, "inode", devino, r->inode);
	m_str(w, "label", vms_label_name(r->label));
	m_u64(w, "tid", tid, r->label_id);
	m_u64(w, "shmid", r->label == VMS_LABEL_SYSV_SHM && devino,
	      r->label_id);
	m_str(w, "role", vms_role_name(r->role));
	key(w, "build_id");
	if (r->build_id != NULL)
		v_hex(w, r->build_id, r->build_id_len);
	else
		fputs("null", w->out);
	vmflags(w, r);
	m_bool(w, "thp_eligible", (r->has & VMS_HAS_THP) != 0,
	       r->thp_eligible != 0);
	m_i64(w, "protection_key", (r->has & VMS_HAS_PKEY) != 0, r->pkey);
	m_bool(w, "partial", 1, (r->flags & VMS_RF_PARTIAL) != 0);
	m_bool(w, "fault", 1, (r->flags & VMS_RF_FAULT) != 0);
	for (int c = 0; c < VMS_C__COUNT; c++) {
		known = vms_region_get(r, c, &v) == 0;
		m_u64(w, vms_counter_key(c), known, v);
	}
	known = huge_of(r, &v);
	m_u64(w, "huge", known, v);
	end(w, '}');
}

/* Per-region page sizes have no meaningful sum. */
static int
summable(enum vms_counter c)
{
	return c != VMS_C_KERNEL_PAGE && c != VMS_C_MMU_PAGE;
}

static void
regions_and_totals(struct jw *w, const struct vms_map *map,
		   const struct vms_view_opts *o)
{
	struct vms_sum sums[VMS_C__COUNT], huge;
	uint64_t size = 0, count = 0, v;

	for (int c = 0; c < VMS_C__COUNT; c++)
		vms_sum_init(&sums[c]);
	vms_sum_init(&huge);
	key(w, "regions");
	begin(w, '[');
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		if (!vms_view_in_range(r, o))
			continue;
		region(w, r);
		count++;
		size += vms_region_size(r);
		for (int c = 0; c < VMS_C__COUNT; c++)
			vms_sum_add(&sums[c], r, c);
		if (huge_of(r, &v))
			huge.v += v;
		else
			huge.known = 0;
	}
	end(w, ']');
	key(w, "totals");
	begin(w, '{');
	m_u64(w, "regions", 1, count);
	m_u64(w, "size", 1, size);
	for (int c = 0; c < VMS_C__COUNT; c++)
		if (summable(c))
			m_u64(w, vms_counter_key(c), sums[c].known, sums[c].v);
	m_u64(w, "huge", huge.known, huge.v);
	end(w, '}');
}

static int
print(FILE *out, const struct vms_map *map, const struct vms_view_opts *o,
      int pretty)
{
	struct jw w = {out, pretty, 0, 1, 0};
	int ranged = (o->flags & VMS_VIEW_RANGE) != 0;

	begin(&w, '{');
	m_u64(&w, "schema", 1, 1);
	m_str(&w, "vmscope", VMS_VERSION);
	source(&w, map);
	process(&w, &map->proc);
	arch(&w, &map->arch);
	m_u64(&w, "page_size", (map->has & VMS_P_PAGE_SIZE) != 0,
	      map->page_size);
	key(&w, "range");
	if (ranged) {
		begin(&w, '{');
		m_addr(&w, "low", 1, o->lo);
		m_addr(&w, "high", 1, o->hi);
		end(&w, '}');
	} else {
		fputs("null", out);
	}
	threads(&w, map);
	auxv(&w, map);
	regions_and_totals(&w, map, o);
	m_strs(&w, "warnings", map->warnings, map->nwarnings, 0);
	end(&w, '}');
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
