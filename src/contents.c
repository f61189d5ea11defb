/*
 * contents.c - the bytes of regions, for snapshots taken with --contents
 * (vmscope-snapshot(1), vmscope-snapshot(5)): which regions (the FILTER),
 * and where their bytes come from: a live process's /proc/PID/mem
 * (proc(5); it needs the right to ptrace the process), the contents a
 * core holds (data_offset and data_size of each region), or the CONT
 * chunks of a snapshot taken with contents (formats/snapshot.c reads
 * them).  A core or a snapshot is read a second time, after the map.
 *
 * Regions are read in pieces of VMS_CONTENTS_PIECE bytes, so a region is
 * never held whole.  Bytes that cannot be read (a page the kernel will
 * not give, a part the core did not dump) are passed over.  Of a live
 * process only populated pages (present or swapped, from its pagemap) are
 * read: a read of the others would fault them in, and terabytes of
 * reserved address space (sanitizers, garbage-collected heaps) would be
 * read as zeros.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define F_ALL 0x01u
#define F_ANON 0x02u
#define F_HEAP 0x04u
#define F_STACK 0x08u
#define F_TSTACK 0x10u

struct vms_contents {
	unsigned what;           /* F_* */
	char *subs;              /* path substrings, each NUL-ended */
	size_t nsubs;
	int fd;                  /* live: /proc/PID/mem, else -1 */
	int pm;                  /* live: /proc/PID/pagemap, or -1 */
	struct vms_input *in;    /* a core, else NULL */
	struct vms_snapcont *snap; /* a snapshot, else NULL */
	uint64_t page;
};

static const struct {
	const char *word;
	unsigned bit;
} words[] = {
	{"all", F_ALL},     {"anon", F_ANON},          {"heap", F_HEAP},
	{"stack", F_STACK}, {"thread-stack", F_TSTACK},
};

/*
 * FILTER = ITEM { "," ITEM }; an ITEM is a word above or else a
 * substring of the path.  c may be NULL: only check.
 */
static int
parse(const char *filter, struct vms_contents *c, struct vms_err *err)
{
	const char *s = filter;
	char *out = NULL;

	if (filter == NULL || *filter == '\0')
		return vms_err_set(err, VMS_E_INVAL, 0,
				   "--contents: an empty filter");
	if (c != NULL) {
		out = c->subs = malloc(strlen(filter) + 1);
		if (out == NULL)
			return vms_err_nomem(err);
	}
	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		unsigned bit = 0;

		if (n == 0)
			return vms_err_set(err, VMS_E_INVAL, 0,
					   "--contents=%s: an empty item",
					   filter);
		for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (strlen(words[k].word) == n &&
			    memcmp(words[k].word, s, n) == 0)
				bit = words[k].bit;
		if (c != NULL && bit != 0) {
			c->what |= bit;
		} else if (c != NULL) {
			memcpy(out, s, n);
			out[n] = '\0';
			out += n + 1;
			c->nsubs++;
		}
		s += n;
		if (*s == ',' && *++s == '\0')
			return vms_err_set(err, VMS_E_INVAL, 0,
					   "--contents=%s: an empty item",
					   filter);
	}
	return 0;
}

int
vms_contents_filter_check(const char *filter, struct vms_err *err)
{
	return parse(filter, NULL, err);
}

/*
 * Regions never read: no read permission, the kernel's own pages, and
 * device or raw-frame mappings, where a read may have side effects.
 */
static int
readable(const struct vms_region *r)
{
	if ((r->has & VMS_HAS_PROT) && !(r->prot & VMS_PROT_R))
		return 0;
	if ((r->has & VMS_HAS_VMFLAGS) &&
	    (r->vmflags & (VMS_VMF(IO) | VMS_VMF(PF))))
		return 0;
	return r->label != VMS_LABEL_VVAR && r->label != VMS_LABEL_VSYSCALL &&
	       r->label != VMS_LABEL_DEVICE;
}

int
vms_contents_wants(const struct vms_contents *c, const struct vms_region *r)
{
	const char *name = r->path != NULL ? r->path : r->name;
	const char *sub = c->subs;

	if (!readable(r))
		return 0;
	if (c->what & F_ALL)
		return 1;
	if ((c->what & F_ANON) && r->label != VMS_LABEL_VDSO &&
	    (r->path == NULL || vms_region_is_shared_anon(r)))
		return 1;
	if (((c->what & F_HEAP) && r->label == VMS_LABEL_HEAP) ||
	    ((c->what & F_STACK) && r->label == VMS_LABEL_STACK) ||
	    ((c->what & F_TSTACK) && r->label == VMS_LABEL_THREAD_STACK))
		return 1;
	for (size_t i = 0; i < c->nsubs; i++, sub += strlen(sub) + 1)
		if (name != NULL && strstr(name, sub) != NULL)
			return 1;
	return 0;
}

void
vms_contents_close(struct vms_contents *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->pm >= 0)
		close(c->pm);
	vms_input_close(c->in);
	vms_snapcont_close(c->snap);
	free(c->subs);
	free(c);
}

static int
open_mem(struct vms_contents *c, const struct vms_map *map,
	 const struct vms_open_opts *o, struct vms_err *err)
{
	char path[PATH_MAX];
	int e;

	snprintf(path, sizeof(path), "%s/%" PRId64 "/mem",
		 o != NULL && o->procfs != NULL ? o->procfs : "/proc",
		 map->proc.pid);
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd >= 0) {
		snprintf(path, sizeof(path), "%s/%" PRId64 "/pagemap",
			 o != NULL && o->procfs != NULL ? o->procfs : "/proc",
			 map->proc.pid);
		c->pm = open(path, O_RDONLY | O_CLOEXEC);
		return 0;
	}
	e = errno;
	return vms_err_set(err, e == EACCES || e == EPERM ? VMS_E_PERM :
			   e == ENOENT || e == ESRCH ? VMS_E_GONE :
							VMS_E_IO,
			   e, "%s: %s%s", path, strerror(e),
			   e == EACCES || e == EPERM ?
				   " (reading memory needs the right to "
				   "ptrace the process)" :
				   "");
}

static struct vms_contents *
contents_new(const struct vms_map *map, const char *filter, struct vms_err *err)
{
	struct vms_contents *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		vms_err_nomem(err);
		return NULL;
	}
	c->fd = c->pm = -1;
	c->page = (map->has & VMS_P_PAGE_SIZE) && map->page_size > 0 ?
			  map->page_size :
			  4096;
	if (parse(filter, c, err) < 0) {
		vms_contents_close(c);
		return NULL;
	}
	return c;
}

struct vms_contents *
vms_contents_open(const struct vms_map *map, const char *target,
		  const struct vms_open_opts *o, const char *filter,
		  struct vms_err *err)
{
	struct vms_contents *c = contents_new(map, filter, err);

	if (c == NULL)
		return NULL;
	switch (map->source.kind) {
	case VMS_SOURCE_LIVE:
		if (!(map->proc.has & VMS_P_PID)) {
			vms_err_set(err, VMS_E_INVAL, 0,
				    "%s: no process id", target);
			goto fail;
		}
		if (open_mem(c, map, o, err) < 0)
			goto fail;
		break;
	case VMS_SOURCE_ELF_CORE:
	case VMS_SOURCE_MACHO_CORE:
		if (vms_input_reopen_check(target, err) < 0)
			goto fail;
		c->in = vms_input_open_file(target, err);
		if (c->in == NULL)
			goto fail;
		break;
	case VMS_SOURCE_SNAPSHOT:
		c->snap = vms_snapcont_open(map, target, NULL, 0, NULL, err);
		if (c->snap == NULL)
			goto fail;
		break;
	default:
		vms_err_set(err, VMS_E_INVAL, 0, "%s: source kind %u unknown",
			    target, (unsigned)map->source.kind);
		goto fail;
	}
	return c;
fail:
	vms_contents_close(c);
	return NULL;
}

struct vms_contents *
vms_contents_open_mem(const struct vms_map *map, const void *buf, size_t len,
		      const char *name, const char *filter, struct vms_err *err)
{
	struct vms_contents *c;

	if (map->source.kind == VMS_SOURCE_LIVE) {
		vms_err_set(err, VMS_E_INVAL, 0,
			    "%s: a live process has no image in memory", name);
		return NULL;
	}
	c = contents_new(map, filter, err);
	if (c == NULL)
		return NULL;
	if (map->source.kind == VMS_SOURCE_SNAPSHOT)
		c->snap = vms_snapcont_open(map, NULL, buf, len, name, err);
	else
		c->in = vms_input_open_mem(buf, len, name, err);
	if (c->snap == NULL && c->in == NULL) {
		vms_contents_close(c);
		return NULL;
	}
	return c;
}

/* Page by page from where a whole piece failed: the readable start. */
static ssize_t
mem_pages(struct vms_contents *c, uint64_t addr, unsigned char *buf,
	  size_t n, uint64_t *skip)
{
	size_t have = 0;

	while (have < n) {
		size_t step = c->page - (addr + have) % c->page;
		ssize_t got;

		if (step > n - have)
			step = n - have;
		got = pread(c->fd, buf + have, step, (off_t)(addr + have));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		have += (size_t)got;
	}
	if (have == 0)
		*skip = c->page - addr % c->page;
	return (ssize_t)have;
}

ssize_t
vms_contents_read(struct vms_contents *c, const struct vms_region *r,
		  uint64_t off, void *buf, size_t n, uint64_t *skip,
		  struct vms_err *err)
{
	uint64_t size = vms_region_size(r);
	ssize_t got;

	if (c->snap != NULL)
		return vms_snapcont_read(c->snap, r, off, buf, n, skip, err);
	*skip = size - off;
	if (off >= size)
		return 0;
	if (n > size - off)
		n = (size_t)(size - off);
	if (c->in != NULL) {
		if (!(r->has & VMS_HAS_DATA) || off >= r->data_size)
			return 0;
		if (n > r->data_size - off)
			n = (size_t)(r->data_size - off);
		got = vms_input_read(c->in, r->data_offset + off, buf, n, err);
		return got;  /* 0 at the end of the input: skip the rest */
	}
	if (r->start + off > (uint64_t)INT64_MAX - n)
		return 0;
	if (c->pm >= 0) {
		uint64_t lo = r->start + off, s, e;
		int found = vms_pages_next(c->pm, lo, r->end, c->page, &s, &e);

		if (!found || s > lo) {
			*skip = s > lo ? s - lo : c->page;
			return 0;
		}
		if (e - lo < n)
			n = (size_t)(e - lo);
	}
	do
		got = pread(c->fd, buf, n, (off_t)(r->start + off));
	while (got < 0 && errno == EINTR);
	if (got > 0)
		return got;
	if (got < 0 && errno == ESRCH)
		return vms_err_set(err, VMS_E_GONE, errno,
				   "process exited while its memory was read");
	return mem_pages(c, r->start + off, buf, n, skip);
}
