/*
 * mapcmp.c - field-by-field comparison of a map and its snapshot copy.
 *
 * The static assertions below fail when a field is added to the model:
 * teach formats/snapshot.c, vmscope-snapshot(5) and this file about it,
 * then update the sizes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mapcmp.h"

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct vms_region) == 136, "vms_region changed");
_Static_assert(sizeof(struct vms_map) == 336, "vms_map changed");
_Static_assert(sizeof(struct vms_process) == 104, "vms_process changed");
_Static_assert(sizeof(struct vms_source) == 104, "vms_source changed");
_Static_assert(sizeof(struct vms_thread) == 40, "vms_thread changed");
_Static_assert(sizeof(struct vms_arch) == 16, "vms_arch changed");
#endif

struct cmp {
	char *why;
	size_t n;
	int bad;
};

__attribute__((format(printf, 2, 3))) static void
differ(struct cmp *c, const char *fmt, ...)
{
	va_list ap;

	if (c->bad++)
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, c->n, fmt, ap);
	va_end(ap);
}

static void
num(struct cmp *c, const char *what, size_t i, uint64_t a, uint64_t b)
{
	if (a != b)
		differ(c, "%s [%zu]: 0x%llx, read back 0x%llx", what, i,
		       (unsigned long long)a, (unsigned long long)b);
}

/* A field known only with a bit: equal when known, zero when not. */
static void
gated(struct cmp *c, const char *what, size_t i, uint64_t has, uint64_t bit,
      uint64_t a, uint64_t b)
{
	num(c, what, i, (has & bit) ? a : 0, b);
}

static void
text(struct cmp *c, const char *what, size_t i, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		differ(c, "%s [%zu]: \"%s\", read back \"%s\"", what, i,
		       a ? a : "(null)", b ? b : "(null)");
}

static void
regions(struct cmp *c, const struct vms_map *a, const struct vms_map *b)
{
	num(c, "nregions", 0, a->nregions, b->nregions);
	for (size_t i = 0; i < a->nregions && !c->bad; i++) {
		const struct vms_region *x = &a->regions[i];
		const struct vms_region *y = &b->regions[i];
		uint64_t h = x->has;

		num(c, "start", i, x->start, y->start);
		num(c, "end", i, x->end, y->end);
		num(c, "has", i, x->has, y->has);
		for (int k = 0; k < VMS_C__COUNT; k++)
			gated(c, vms_counter_key(k), i, h, VMS_HAS_CTR(k),
			      vms_region_ctr(x, k), vms_region_ctr(y, k));
		gated(c, "offset", i, h, VMS_HAS_OFFSET, x->offset, y->offset);
		gated(c, "inode", i, h, VMS_HAS_DEVINO, x->inode, y->inode);
		gated(c, "dev_major", i, h, VMS_HAS_DEVINO, x->dev_major,
		      y->dev_major);
		gated(c, "dev_minor", i, h, VMS_HAS_DEVINO, x->dev_minor,
		      y->dev_minor);
		gated(c, "vmflags", i, h, VMS_HAS_VMFLAGS, x->vmflags,
		      y->vmflags);
		gated(c, "data_offset", i, h, VMS_HAS_DATA, x->data_offset,
		      y->data_offset);
		gated(c, "data_size", i, h, VMS_HAS_DATA, x->data_size,
		      y->data_size);
		text(c, "path", i, x->path, y->path);
		text(c, "name", i, x->name, y->name);
		text(c, "vmflags_other", i, x->vmflags_other,
		     y->vmflags_other);
		num(c, "build_id_len", i, x->build_id ? x->build_id_len : 0,
		    y->build_id ? y->build_id_len : 0);
		if (x->build_id && x->build_id_len &&
		    (!y->build_id ||
		     memcmp(x->build_id, y->build_id, x->build_id_len) != 0))
			differ(c, "build_id [%zu] differs", i);
		num(c, "label_id", i, x->label_id, y->label_id);
		gated(c, "prot", i, h, VMS_HAS_PROT, x->prot, y->prot);
		gated(c, "maxprot", i, h, VMS_HAS_MAXPROT, x->maxprot,
		      y->maxprot);
		/* The writer sets CONTENTS when it writes them. */
		num(c, "flags", i, x->flags & ~VMS_RF_CONTENTS,
		    y->flags & ~VMS_RF_CONTENTS);
		num(c, "label", i, x->label, y->label);
		num(c, "role", i, x->role, y->role);
		num(c, "share", i, x->share, y->share);
		gated(c, "thp_eligible", i, h, VMS_HAS_THP,
		      (uint64_t)x->thp_eligible, (uint64_t)y->thp_eligible);
		gated(c, "pkey", i, h, VMS_HAS_PKEY, (uint64_t)x->pkey,
		      (uint64_t)y->pkey);
	}
}

static void
pages(struct cmp *c, const struct vms_map *a, const struct vms_map *b)
{
	num(c, "npages", 0, a->npages, b->npages);
	for (size_t i = 0; i < a->npages && !c->bad; i++) {
		const struct vms_pages *x = &a->pages[i], *y = &b->pages[i];

		num(c, "pages.region", i, x->region, y->region);
		num(c, "pages.known", i, x->known, y->known);
		num(c, "pages.nruns", i, x->nruns, y->nruns);
		for (size_t k = 0; k < x->nruns && !c->bad; k++) {
			num(c, "run.start", k, x->runs[k].start,
			    y->runs[k].start);
			num(c, "run.end", k, x->runs[k].end, y->runs[k].end);
			num(c, "run.flags", k, x->runs[k].flags,
			    y->runs[k].flags);
		}
	}
}

static void
process(struct cmp *c, const struct vms_map *a, const struct vms_map *b)
{
	const struct vms_process *x = &a->proc, *y = &b->proc;

	num(c, "map.has", 0, a->has, b->has);
	gated(c, "page_size", 0, a->has, VMS_P_PAGE_SIZE, a->page_size,
	      b->page_size);
	num(c, "proc.has", 0, x->has, y->has);
	gated(c, "pid", 0, x->has, VMS_P_PID, (uint64_t)x->pid,
	      (uint64_t)y->pid);
	gated(c, "ppid", 0, x->has, VMS_P_PPID, (uint64_t)x->ppid,
	      (uint64_t)y->ppid);
	gated(c, "uid", 0, x->has, VMS_P_UID, (uint64_t)x->uid,
	      (uint64_t)y->uid);
	gated(c, "gid", 0, x->has, VMS_P_GID, (uint64_t)x->gid,
	      (uint64_t)y->gid);
	text(c, "comm", 0, x->comm, y->comm);
	text(c, "exe", 0, x->exe, y->exe);
	num(c, "argc", 0, x->argc, y->argc);
	for (size_t i = 0; i < x->argc && !c->bad; i++)
		text(c, "argv", i, x->argv[i], y->argv[i]);
	num(c, "state", 0, (uint64_t)x->state, (uint64_t)y->state);
	gated(c, "signo", 0, x->has, VMS_P_FAULT, (uint64_t)x->signo,
	      (uint64_t)y->signo);
	gated(c, "sigcode", 0, x->has, VMS_P_FAULT, (uint64_t)x->sigcode,
	      (uint64_t)y->sigcode);
	gated(c, "fault_addr", 0, x->has, VMS_P_FAULT_ADDR, x->fault_addr,
	      y->fault_addr);
	gated(c, "fault_tid", 0, x->has, VMS_P_FAULT_TID, x->fault_tid,
	      y->fault_tid);
	num(c, "machine", 0, a->arch.machine, b->arch.machine);
	num(c, "wordsize", 0, a->arch.wordsize, b->arch.wordsize);
	num(c, "big_endian", 0, a->arch.big_endian, b->arch.big_endian);
	text(c, "arch.name", 0, a->arch.name, b->arch.name);
}

static void
source(struct cmp *c, const struct vms_map *a, const struct vms_map *b)
{
	const struct vms_source *x = &a->source, *y = &b->source;
	int snap = x->kind == VMS_SOURCE_SNAPSHOT;

	num(c, "source.kind", 0, VMS_SOURCE_SNAPSHOT, y->kind);
	num(c, "from_kind", 0, snap ? x->from_kind : x->kind, y->from_kind);
	text(c, "from_name", 0, snap ? x->from_name : x->name, y->from_name);
	text(c, "from_format", 0, snap ? x->from_format : x->format,
	     y->from_format);
	text(c, "host", 0, x->host, y->host);
	text(c, "kernel", 0, x->kernel, y->kernel);
	text(c, "boot_id", 0, x->boot_id, y->boot_id);
	gated(c, "capture_sec", 0, a->has, VMS_P_CAPTURE_TIME,
	      (uint64_t)x->capture_sec, (uint64_t)y->capture_sec);
	gated(c, "capture_nsec", 0, a->has, VMS_P_CAPTURE_TIME,
	      (uint64_t)x->capture_nsec, (uint64_t)y->capture_nsec);
	text(c, "writer", 0, "vmscope " VMS_VERSION, y->writer);
	if (y->frame < 1 || y->frame > y->nframes)
		differ(c, "frame %u of %u", y->frame, y->nframes);
}

static void
lists(struct cmp *c, const struct vms_map *a, const struct vms_map *b)
{
	num(c, "nthreads", 0, a->nthreads, b->nthreads);
	for (size_t i = 0; i < a->nthreads && !c->bad; i++) {
		const struct vms_thread *x = &a->threads[i];
		const struct vms_thread *y = &b->threads[i];

		num(c, "tid", i, x->tid, y->tid);
		num(c, "thread.has", i, x->has, y->has);
		gated(c, "sp", i, x->has, VMS_THR_HAS_SP, x->sp, y->sp);
		gated(c, "pc", i, x->has, VMS_THR_HAS_PC, x->pc, y->pc);
		num(c, "thread.signo", i, (uint64_t)x->signo,
		    (uint64_t)y->signo);
		text(c, "thread.name", i, x->name, y->name);
	}
	num(c, "nauxv", 0, a->nauxv, b->nauxv);
	for (size_t i = 0; i < a->nauxv && !c->bad; i++) {
		num(c, "auxv.type", i, a->auxv[i].type, b->auxv[i].type);
		num(c, "auxv.value", i, a->auxv[i].value, b->auxv[i].value);
	}
	/* The reader may add its own after the source's. */
	if (b->nwarnings < a->nwarnings)
		differ(c, "%zu warnings, read back %zu", a->nwarnings,
		       b->nwarnings);
	for (size_t i = 0; i < a->nwarnings && !c->bad; i++)
		text(c, "warning", i, a->warnings[i], b->warnings[i]);
}

int
vt_map_compare(const struct vms_map *orig, const struct vms_map *back,
	       char *why, size_t n)
{
	struct cmp c = {why, n, 0};

	regions(&c, orig, back);
	pages(&c, orig, back);
	process(&c, orig, back);
	source(&c, orig, back);
	lists(&c, orig, back);
	return c.bad ? -1 : 0;
}
