/*
 * procmap.c - the NetBSD pmap(1) / OpenBSD procmap(1) view and its modes:
 * -s (the Solaris-like default), -l (exactly /proc/PID/maps, proc(5) and
 * fs/proc/task_mmu.c), -m (the BSD procfs "map" file), -a (all of it on
 * one line) and -d (a ddb(4)-like dump of the model).  Column layouts
 * follow the BSD format strings; the fields the BSD kernel keeps and Linux
 * does not (maximum protection, copy-on-write, needs-copy, inheritance,
 * wired count, advice) are derived from VmFlags and the smaps counters as
 * vmscope-procmap(1) documents, and print "?" when the source cannot know
 * them.
 *
 * Lines fit 80 columns unless VMS_VIEW_WIDE: -s cuts a long name from the
 * head, -m -v moves it to a line of its own, and -a on a 64-bit target
 * takes two lines per entry, since its fixed columns alone pass 80.
 */
#include <inttypes.h>
#include <string.h>

#include "viewutil.h"

#define KB(x) (((x) + 1023) / 1024)
#define COLS 80
#define MIN_NAME 24 /* a name is never cut shorter than this */

/* NetBSD <sys/mman.h> inheritance values. */
#define INH_SHARE 0
#define INH_COPY 1
#define INH_NONE 2
#define INH_ZERO 4

/* Linux madvise(2) values; the first three are also the BSD ones. */
#define ADV_RANDOM 1
#define ADV_SEQUENTIAL 2
#define ADV_HUGEPAGE 14
#define ADV_NOHUGEPAGE 15

static int
vmflags_known(const struct vms_region *r)
{
	return (r->has & VMS_HAS_VMFLAGS) != 0;
}

static int
vmflag(const struct vms_region *r, uint64_t bit)
{
	return (r->vmflags & bit) != 0;
}

/* "rwx" for a protection, "???" when unknown (p < 0). */
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

static int
prot_of(const struct vms_region *r)
{
	return (r->has & VMS_HAS_PROT) ? r->prot : -1;
}

/* A private mapping is copy-on-write: 1, 0, or -1 when unknown. */
static int
cow(const struct vms_region *r)
{
	if (!(r->has & VMS_HAS_SHARED))
		return -1;
	return !(r->flags & VMS_RF_SHARED);
}

/*
 * UVM's needs-copy: a copy-on-write entry that has no private copy of any
 * page yet.  Linux counts those copies as Anonymous pages.
 */
static int
needs_copy(const struct vms_region *r)
{
	uint64_t anon;
	int c = cow(r);

	if (c <= 0)
		return c;
	if (vms_region_get(r, VMS_C_ANONYMOUS, &anon) < 0)
		return -1;
	return anon == 0;
}

/* dc (MADV_DONTFORK) and wf (MADV_WIPEONFORK) say what fork(2) does. */
static int
inheritance(const struct vms_region *r)
{
	if (!vmflags_known(r) || cow(r) < 0)
		return -1;
	if (vmflag(r, VMS_VMF(DC)))
		return INH_NONE;
	if (vmflag(r, VMS_VMF(WF)))
		return INH_ZERO;
	return cow(r) ? INH_COPY : INH_SHARE;
}

static int
wired(const struct vms_region *r)
{
	return vmflags_known(r) ? vmflag(r, VMS_VMF(LO)) : -1;
}

/* "0", "2", "2,14": the access advice, then the huge page advice. */
static const char *
advice(const struct vms_region *r, char *buf, size_t size)
{
	int a = 0, h = 0;

	if (!vmflags_known(r))
		return VMS_UNKNOWN_MARK;
	if (vmflag(r, VMS_VMF(SR)))
		a = ADV_SEQUENTIAL;
	else if (vmflag(r, VMS_VMF(RR)))
		a = ADV_RANDOM;
	if (vmflag(r, VMS_VMF(HG)))
		h = ADV_HUGEPAGE;
	else if (vmflag(r, VMS_VMF(NH)))
		h = ADV_NOHUGEPAGE;
	if (h != 0 && a != 0)
		snprintf(buf, size, "%d,%d", a, h);
	else
		snprintf(buf, size, "%d", h != 0 ? h : a);
	return buf;
}

/* A number, or the unknown mark for v < 0. */
static const char *
num(int v, char *buf, size_t size)
{
	if (v < 0)
		return VMS_UNKNOWN_MARK;
	snprintf(buf, size, "%d", v);
	return buf;
}

static char
tf(int v)
{
	return v < 0 ? '?' : v ? 'T' : 'F';
}

/*
 * The BSD name column: a file's path, else a bracketed label that the
 * BSD tools indent by two spaces ("  [ anon ]").
 */
static const char *
bsd_name(const struct vms_region *r, char *buf, size_t size)
{
	char tmp[4096 + 64];
	const char *n = vms_view_name(r, 0, tmp, sizeof(tmp));

	snprintf(buf, size, "%s%s", vms_view_is_file(r) ? "" : "  ", n);
	return buf;
}

/* Cut a name so that a line that has used `used' columns ends by 80. */
static const char *
fit(const struct vms_view_opts *o, const char *s, size_t used, char *buf,
    size_t size)
{
	size_t room = used < COLS - MIN_NAME ? COLS - used : MIN_NAME;

	if (o->flags & VMS_VIEW_WIDE)
		return s;
	return vms_view_cut(s, room, buf, size);
}

/*
 * With -v -v, the hole before a region: its pages and kilobytes, as
 * NetBSD prints it; the page count is "?" when the page size is not known.
 */
static void
hole(FILE *out, const struct vms_map *map, const struct vms_view_opts *o,
     uint64_t *prev_end, const struct vms_region *r)
{
	uint64_t gap;

	if (o->verbose >= 2 && *prev_end != 0 && r->start > *prev_end) {
		gap = r->start - *prev_end;
		if ((map->has & VMS_P_PAGE_SIZE) && map->page_size != 0)
			fprintf(out, "[%" PRIu64 " pages / %" PRIu64 "K]\n",
				gap / map->page_size, gap / 1024);
		else
			fprintf(out,
				"[" VMS_UNKNOWN_MARK " pages / %" PRIu64 "K]\n",
				gap / 1024);
	}
	*prev_end = r->end;
}

/* -s: "08048000    420K read/exec         /bin/sh" */
static const char *
prot_words(const struct vms_region *r, char *buf, size_t size)
{
	if (!(r->has & VMS_HAS_PROT))
		return VMS_UNKNOWN_MARK;
	snprintf(buf, size, "%s%s%s%s%s", (r->prot & VMS_PROT_R) ? "read" : "",
		 (r->prot & VMS_PROT_R) && (r->prot & (VMS_PROT_W | VMS_PROT_X))
			 ? "/"
			 : "",
		 (r->prot & VMS_PROT_W) ? "write" : "",
		 (r->prot & VMS_PROT_W) && (r->prot & VMS_PROT_X) ? "/" : "",
		 (r->prot & VMS_PROT_X) ? "exec" : "");
	return buf;
}

static int
print_solaris(FILE *out, const struct vms_map *map,
	      const struct vms_view_opts *o)
{
	int aw = vms_view_addr_width(map);
	uint64_t total = 0, prev = 0;
	char name[4200], cut[4200], p[32];

	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		int n;

		if (!vms_view_in_range(r, o))
			continue;
		hole(out, map, o, &prev, r);
		n = fprintf(out, "%0*" PRIX64 " %6" PRIu64 "K %-15s   ", aw,
			    r->start, KB(vms_region_size(r)),
			    prot_words(r, p, sizeof(p)));
		bsd_name(r, name, sizeof(name));
		fprintf(out, "%s\n", fit(o, name, (size_t)n, cut, sizeof(cut)));
		/* NetBSD leaves out what cannot be touched (PROT_NONE). */
		if (!(r->has & VMS_HAS_PROT) || r->prot != 0)
			total += KB(vms_region_size(r));
	}
	if (!(o->flags & VMS_VIEW_QUIET))
		fprintf(out, "%-*s %8" PRIu64 "K\n", aw - 2, " total", total);
	return 0;
}

/*
 * -l: the kernel's show_map_vma(): addresses and offset in at least 8 hex
 * digits, the device in at least 2 each, then the name padded to column 73
 * (49 on 32-bit kernels), '\n' in a path written as "\012".
 */
static const char *
kernel_name(const struct vms_region *r)
{
	if (r->name != NULL)
		return r->name;
	if (r->path != NULL)
		return NULL;
	switch (r->label) {
	case VMS_LABEL_HEAP:
		return "[heap]";
	case VMS_LABEL_STACK:
		return "[stack]";
	case VMS_LABEL_VDSO:
		return "[vdso]";
	case VMS_LABEL_VVAR:
		return "[vvar]";
	case VMS_LABEL_VSYSCALL:
		return "[vsyscall]";
	default:
		return NULL;
	}
}

static void
put_path(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			fputs("\\012", out);
		else
			fputc(*s, out);
	}
}

static int
print_maps(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	int pad = map->arch.wordsize == 32 ? 48 : 72;
	uint64_t prev = 0;
	char name[4200], m[8];

	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		const char *kn = kernel_name(r);
		int n;

		if (!vms_view_in_range(r, o))
			continue;
		hole(out, map, o, &prev, r);
		memcpy(m, rwx(prot_of(r), m), 3);
		m[3] = !(r->has & VMS_HAS_SHARED)   ? '?'
		       : (r->flags & VMS_RF_SHARED) ? 's'
						    : 'p';
		m[4] = '\0';
		n = fprintf(out, "%08" PRIx64 "-%08" PRIx64 " %s ", r->start,
			    r->end, m);
		if (r->has & VMS_HAS_OFFSET)
			n += fprintf(out, "%08" PRIx64 " ", r->offset);
		else
			n += fprintf(out, "???????? ");
		if (r->has & VMS_HAS_DEVINO)
			n += fprintf(out, "%02x:%02x %" PRIu64 " ",
				     r->dev_major, r->dev_minor, r->inode);
		else
			n += fprintf(out, "??:?? ? ");
		if (r->path == NULL && kn == NULL && o->verbose < 1) {
			fputc('\n', out);
			continue;
		}
		fprintf(out, "%*s ", n < pad ? pad - n : 0, "");
		if (kn != NULL) {
			fputs(kn, out);
		} else if (r->path != NULL) {
			put_path(out, r->path);
			if (r->flags & VMS_RF_DELETED)
				fputs(" (deleted)", out);
		} else {
			/* -v: a name for what the kernel leaves unnamed. */
			fputs(vms_view_name(r, 0, name, sizeof(name)), out);
		}
		fputc('\n', out);
	}
	return 0;
}

/* -m: "0x8048000 0x80b1000 r-x rwx COW NC 1 0 0" */
static int
print_map(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	uint64_t prev = 0;
	char name[4200], cut[4200], p[4], mp[4], b1[16], b2[16], b3[16];

	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		int c = cow(r), nc = needs_copy(r), n;

		if (!vms_view_in_range(r, o))
			continue;
		hole(out, map, o, &prev, r);
		n = fprintf(out,
			    "0x%" PRIx64 " 0x%" PRIx64 " %s %s %s %s %s %s %s",
			    r->start, r->end, rwx(prot_of(r), p),
			    rwx(vms_view_maxprot(r), mp),
			    c < 0 ? VMS_UNKNOWN_MARK
			    : c	  ? "COW"
				  : "NCOW",
			    nc < 0 ? VMS_UNKNOWN_MARK
			    : nc   ? "NC"
				   : "NNC",
			    num(inheritance(r), b1, sizeof(b1)),
			    num(wired(r), b2, sizeof(b2)),
			    advice(r, b3, sizeof(b3)));
		if (o->verbose >= 1) {
			if ((r->has & VMS_HAS_DEVINO) && r->inode != 0)
				n += fprintf(out, " %u,%u %" PRIu64,
					     r->dev_major, r->dev_minor,
					     r->inode);
			bsd_name(r, name, sizeof(name));
			/* Too long for the line: a line of its own. */
			if (!(o->flags & VMS_VIEW_WIDE) &&
			    (size_t)n + 1 + strlen(name) > COLS)
				fprintf(out, "\n        %s",
					fit(o, name, 8, cut, sizeof(cut)));
			else
				fprintf(out, " %s", name);
		}
		fputc('\n', out);
	}
	return 0;
}

/* The widest of a column's values, but not less than min. */
static int
hexw(uint64_t v, int min)
{
	int w = 1;

	while (v >>= 4)
		w++;
	return w > min ? w : min;
}

static int
decw(uint64_t v, int min)
{
	int w = 1;

	while (v /= 10)
		w++;
	return w > min ? w : min;
}

/*
 * -a: "Start End Size Offset rwxpc RWX I/W/A Dev Inode - File".  Wide, or
 * on a 32-bit target, one line with the NetBSD widths.  Otherwise the
 * fixed columns alone pass column 80 on a 64-bit target, so each entry
 * takes two lines, the second "Dev Inode - File", with the offset, device
 * and inode columns fitted to their values.
 */
static int
print_all(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	int aw = vms_view_addr_width(map);
	int split = aw == 16 && !(o->flags & VMS_VIEW_WIDE);
	int ow = aw, dw = 5, iw = 7;
	const char *sep = split ? "\n        " : " ";
	uint64_t total = 0;
	char name[4200], cut[4200], p[4], mp[4], b1[16], b2[16], b3[16];
	char dev[32], ino[32];

	if (split) {
		ow = 8;
		iw = 5;
		for (size_t i = 0; i < map->nregions; i++) {
			const struct vms_region *r = &map->regions[i];

			ow = hexw(r->offset, ow);
			iw = decw(r->inode, iw);
			dw = snprintf(dev, sizeof(dev), "%02u:%02u",
				      r->dev_major, r->dev_minor) > dw
				     ? (int)strlen(dev)
				     : dw;
		}
	}
	if (!(o->flags & VMS_VIEW_QUIET))
		fprintf(out,
			"%-*s %-*s %8s %-*s rwxpc  RWX  I/W/A%s%-*s %*s"
			" - File\n",
			aw, "Start", aw, "End", "Size ", ow, "Offset", sep, dw,
			"Dev", iw + 1, "Inode");
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];
		int c = cow(r), nc = needs_copy(r), n;

		if (!vms_view_in_range(r, o))
			continue;
		fprintf(out, "%0*" PRIx64 "-%0*" PRIx64 " %7" PRIu64 "k ", aw,
			r->start, aw, r->end - 1, KB(vms_region_size(r)));
		if (r->has & VMS_HAS_OFFSET)
			fprintf(out, "%0*" PRIx64, ow, r->offset);
		else
			fprintf(out, "%*s", ow, VMS_UNKNOWN_MARK);
		fprintf(out, " %s%c%c (%s) %s/%s/%s%s", rwx(prot_of(r), p),
			c < 0 ? '?'
			: c   ? 'p'
			      : 's',
			nc < 0 ? '?'
			: nc   ? '+'
			       : '-',
			rwx(vms_view_maxprot(r), mp),
			num(inheritance(r), b1, sizeof(b1)),
			num(wired(r), b2, sizeof(b2)),
			advice(r, b3, sizeof(b3)), sep);
		if (r->has & VMS_HAS_DEVINO) {
			snprintf(dev, sizeof(dev), "%02u:%02u", r->dev_major,
				 r->dev_minor);
			snprintf(ino, sizeof(ino), "%" PRIu64, r->inode);
		} else {
			snprintf(dev, sizeof(dev), "?:?");
			snprintf(ino, sizeof(ino), VMS_UNKNOWN_MARK);
		}
		n = fprintf(out, "%-*s %*s - ", dw, dev, iw + 1, ino);
		bsd_name(r, name, sizeof(name));
		fprintf(out, "%s\n",
			split ? fit(o, name, (size_t)n + 8, cut, sizeof(cut))
			      : name);
		if (!(r->has & VMS_HAS_PROT) || r->prot != 0)
			total += KB(vms_region_size(r));
	}
	if (!(o->flags & VMS_VIEW_QUIET))
		fprintf(out, "%-*s %7" PRIu64 "k\n", 2 * aw + 1, " total",
			total);
	return 0;
}

/* -d: the header of the map, then one block per entry. */
static void
dump_header(FILE *out, const struct vms_map *map)
{
	const struct vms_map *m = map;
	uint64_t lo = 0, hi = 0, size = 0;
	char pid[32] = VMS_UNKNOWN_MARK, ps[32] = VMS_UNKNOWN_MARK;

	if (m->nregions > 0) {
		lo = m->regions[0].start;
		hi = m->regions[m->nregions - 1].end;
	}
	for (size_t i = 0; i < m->nregions; i++)
		size += vms_region_size(&m->regions[i]);
	if (m->proc.has & VMS_P_PID)
		snprintf(pid, sizeof(pid), "%" PRId64, m->proc.pid);
	if (m->has & VMS_P_PAGE_SIZE)
		snprintf(ps, sizeof(ps), "%" PRIu64, m->page_size);
	fprintf(out, "MAP pid %s: [0x%" PRIx64 "->0x%" PRIx64 "]\n", pid, lo,
		hi);
	fprintf(out, "\t#ent=%zu, sz=%" PRIu64 ", pagesize=%s, source=%s\n",
		m->nregions, size, ps,
		m->source.format != NULL ? m->source.format : VMS_UNKNOWN_MARK);
	fprintf(out, "\tcommand=");
	vms_view_print_args(out, m);
	fputc('\n', out);
}

static void
dump_vmflags(FILE *out, const struct vms_region *r)
{
	int first = 1;

	fputs("\tvmflags=", out);
	if (!vmflags_known(r)) {
		fputs(VMS_UNKNOWN_MARK "\n", out);
		return;
	}
	for (int f = 0; f < VMS_VMF__COUNT; f++) {
		if (r->vmflags & (UINT64_C(1) << f)) {
			fprintf(out, "%s%s", first ? "" : " ",
				vms_vmflag_name((enum vms_vmflag)f));
			first = 0;
		}
	}
	if (r->vmflags_other != NULL)
		fprintf(out, "%s%s", first ? "" : " ", r->vmflags_other);
	fputc('\n', out);
}

/* Every counter, three to a line, in bytes; "?" when unknown. */
static void
dump_counters(FILE *out, const struct vms_region *r)
{
	int col = 0;

	for (int c = 0; c < VMS_C__COUNT; c++) {
		uint64_t v;

		fprintf(out, "%s%s=", col == 0 ? "\t" : ", ",
			vms_counter_key((enum vms_counter)c));
		if (vms_region_get(r, (enum vms_counter)c, &v) == 0)
			fprintf(out, "%" PRIu64, v);
		else
			fputs(VMS_UNKNOWN_MARK, out);
		if (++col == 3 || c == VMS_C__COUNT - 1) {
			fputc('\n', out);
			col = 0;
		}
	}
}

static void
dump_entry(FILE *out, size_t i, const struct vms_region *r,
	   const struct vms_view_opts *o)
{
	int c = cow(r), nc = needs_copy(r), prot = prot_of(r);
	int max = vms_view_maxprot(r);
	const char *label = vms_label_name((enum vms_label)r->label);
	const char *role = vms_role_name((enum vms_role)r->role);
	const char *share = vms_share_name((enum vms_share)r->share);
	char b1[16], b2[16], b3[16], name[4200], cut[4200];

	fprintf(out, " - %zu: 0x%" PRIx64 "->0x%" PRIx64 ": offset=", i,
		r->start, r->end);
	if (r->has & VMS_HAS_OFFSET)
		fprintf(out, "0x%" PRIx64, r->offset);
	else
		fputs(VMS_UNKNOWN_MARK, out);
	fprintf(out, ", size=%" PRIu64 "\n", vms_region_size(r));
	fprintf(out,
		"\tcow=%c, nc=%c, prot(max)=%s/%s, inh=%s, wc=%s, "
		"adv=%s\n",
		tf(c), tf(nc), num(prot, b1, sizeof(b1)),
		num(max, b2, sizeof(b2)), num(inheritance(r), b3, sizeof(b3)),
		wired(r) < 0 ? VMS_UNKNOWN_MARK
		: wired(r)   ? "1"
			     : "0",
		advice(r, name, sizeof(name)));
	fputs("\tdev=", out);
	if (r->has & VMS_HAS_DEVINO)
		fprintf(out, "%u,%u, ino=%" PRIu64, r->dev_major, r->dev_minor,
			r->inode);
	else
		fputs(VMS_UNKNOWN_MARK ", ino=" VMS_UNKNOWN_MARK, out);
	fprintf(out, ", label=%s", label != NULL ? label : "none");
	if (r->label == VMS_LABEL_THREAD_STACK || r->label == VMS_LABEL_GUARD ||
	    r->label == VMS_LABEL_SYSV_SHM)
		fprintf(out, "/%" PRIu64, r->label_id);
	fprintf(out, ", role=%s\n", role != NULL ? role : "none");
	fprintf(out, "\tshare=%s, deleted=%c%s, thp=",
		share != NULL ? share : VMS_UNKNOWN_MARK,
		(r->flags & VMS_RF_DELETED) ? 'T' : 'F',
		(r->flags & VMS_RF_DELETED) && !(r->has & VMS_HAS_DELETED)
			? " (unverified)"
			: "");
	if (r->has & VMS_HAS_THP)
		fprintf(out, "%d", r->thp_eligible);
	else
		fputs(VMS_UNKNOWN_MARK, out);
	fputs(", pkey=", out);
	if (r->has & VMS_HAS_PKEY)
		fprintf(out, "%d", r->pkey);
	else
		fputs(VMS_UNKNOWN_MARK, out);
	fputc('\n', out);
	dump_vmflags(out, r);
	dump_counters(out, r);
	fputs("\tbuild-id=", out);
	for (size_t k = 0; k < r->build_id_len; k++)
		fprintf(out, "%02x", r->build_id[k]);
	if (r->build_id_len == 0)
		fputs("none", out);
	if (r->has & VMS_HAS_DATA)
		fprintf(out, ", data=0x%" PRIx64 "+0x%" PRIx64, r->data_offset,
			r->data_size);
	fprintf(out, "%s%s\n", (r->flags & VMS_RF_PARTIAL) ? ", partial" : "",
		(r->flags & VMS_RF_FAULT) ? ", fault" : "");
	if (o->verbose >= 1) {
		const char *n = r->path != NULL ? r->path
				: r->name != NULL
					? r->name
					: bsd_name(r, name, sizeof(name)) + 2;

		fprintf(out, "\t(%s)\n", fit(o, n, 10, cut, sizeof(cut)));
	}
}

static int
print_ddb(FILE *out, const struct vms_map *map, const struct vms_view_opts *o)
{
	uint64_t prev = 0;

	if (!(o->flags & VMS_VIEW_QUIET))
		dump_header(out, map);
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		if (!vms_view_in_range(r, o))
			continue;
		hole(out, map, o, &prev, r);
		dump_entry(out, i, r, o);
	}
	return 0;
}

const struct vms_view vms_view_procmap[] = {
	{"procmap", 0, print_solaris},
	{"procmap-l", 0, print_maps},
	{"procmap-m", VMS_OPEN_COUNTERS, print_map},
	{"procmap-a", VMS_OPEN_COUNTERS, print_all},
	{"procmap-d", VMS_OPEN_COUNTERS, print_ddb},
	{NULL, 0, NULL},
};
