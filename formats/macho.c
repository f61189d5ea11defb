/*
 * macho.c - the Mach-O core file reader: cores written by the macOS kernel
 * (/cores/core.PID), by lldb's "process save-core" and by Apple's gcore;
 * 32- and 64-bit, either byte order; x86_64, i386, arm64(e), arm, ppc.
 *
 * Specs followed: <mach-o/loader.h> (mach_header(_64), load_command,
 * segment_command(_64), thread_command, note_command, uuid_command,
 * dylib_command, dylinker_command), <mach/machine.h> (cpu types),
 * <mach/i386/thread_status.h>, <mach/arm/thread_status.h> and
 * <mach/ppc/thread_status.h> (thread state flavours and their layouts),
 * and the LC_NOTE payloads that xnu and lldb write: "all image infos",
 * "load binary", "main bin spec", "addrable bits", "process metadata".
 *
 * Only the header, the load commands and the notes are read, the load
 * commands in one piece.  Segment contents are touched only to find the
 * images of a core that lists none: the Mach-O header at the start of a
 * dumped segment, read in ascending offset order and within fixed bounds.
 *
 * A region is an LC_SEGMENT(_64): initprot and maxprot are the protection
 * and maximum protection; fileoff and filesize (clipped to the file) are
 * the data, and "resident" means the bytes the dump holds.  A region that
 * begins an image's segment carries the image's path (path), the segment
 * name ("__TEXT", in name) and the image's UUID (build_id).  A thread's
 * tid is the thread_id of the "process metadata" note, else its index
 * among the LC_THREADs, from 0.
 */
#include <stdlib.h>
#include <string.h>

#include "coreutil.h"
#include "internal.h"

#define MH_MAGIC_ 0xfeedfaceu
#define MH_MAGIC_64_ 0xfeedfacfu
#define MH_EXECUTE_ 2u
#define MH_CORE_ 4u

#define LC_SEGMENT_ 0x1u
#define LC_THREAD_ 0x4u
#define LC_UNIXTHREAD_ 0x5u
#define LC_ID_DYLIB_ 0xdu
#define LC_ID_DYLINKER_ 0xfu
#define LC_SEGMENT_64_ 0x19u
#define LC_UUID_ 0x1bu
#define LC_NOTE_ 0x31u

#define CPU_ABI64_ 0x01000000u
#define CPU_ABI64_32_ 0x02000000u
#define CPU_X86_ 7u
#define CPU_ARM_ 12u
#define CPU_PPC_ 18u
#define SUBTYPE_ARM64E_ 2u

#define SEG32_SIZE 56u
#define SEG64_SIZE 72u
#define SECT32_SIZE 68u
#define SECT64_SIZE 80u
#define NOTE_CMD_SIZE 40u

#define CMDS_MAX ((uint64_t)64 << 20) /* load commands we read */
#define NOTE_MAX ((uint64_t)16 << 20) /* largest note payload */
#define IMAGES_MAX 65536u	      /* "all image infos" entries */
#define IMAGE_SEGS_MAX 256u	      /* segments of one image */
#define PATH_MAX_ 4096u
#define SCAN_SEGS 4096u			  /* segment starts probed */
#define SCAN_CMDS ((size_t)64 << 10)	  /* an image's load commands */
#define SCAN_STREAM ((uint64_t)256 << 20) /* offsets probed in a stream */

struct seg {
	uint64_t vmaddr;
	uint64_t end;
	uint64_t fileoff;
	uint64_t present; /* bytes of filesize that are in the file */
	uint8_t prot;
	uint8_t maxprot;
	char name[17];
	size_t index;
};

struct note {
	char owner[17];
	uint64_t offset;
	uint64_t size;
	uint64_t at; /* of the command, for messages */
};

struct core {
	struct vms_map *map;
	struct vms_input *in;
	const char *name;
	int be;
	int is64;
	uint32_t cputype;
	uint32_t cpusubtype;
	uint64_t size; /* of the input, UINT64_MAX if unknown */
	uint64_t need; /* bytes the segments' data needs */
	unsigned char *cmds;
	uint32_t ncmds;
	uint32_t sizeofcmds;
	unsigned hdrsize;
	struct seg *segs;
	size_t nsegs;
	size_t segcap;
	struct note *notes;
	size_t nnotes;
	size_t notecap;
	unsigned addr_bits; /* from "addrable bits"; 0 if none */
	uint64_t main_addr; /* from "main bin spec"; UINT64_MAX if none */
	int have_images;    /* "all image infos" named the images */
	const char *exe;
};

/* Fixed-width reads in the core's byte order. */
static uint32_t
rd32(const struct core *c, const unsigned char *p)
{
	return vms_get32(c->be, p);
}

static uint64_t
rd64(const struct core *c, const unsigned char *p)
{
	return vms_get64(c->be, p);
}

/*
 * The Mach-O magic at p: 1 with *be and *is64 set, or 0.  Either width
 * in either byte order (MH_MAGIC, MH_CIGAM, MH_MAGIC_64, MH_CIGAM_64).
 */
static int
magic(const unsigned char *p, int *be, int *is64)
{
	for (int b = 0; b < 2; b++) {
		uint32_t m = vms_get32(b, p);

		if (m == MH_MAGIC_ || m == MH_MAGIC_64_) {
			*be = b;
			*is64 = m == MH_MAGIC_64_;
			return 1;
		}
	}
	return 0;
}

/*
 * The cpu type as a name and as the ELF machine of the same processor
 * (EM_X86_64, EM_386, EM_AARCH64, EM_ARM, EM_PPC, EM_PPC64).
 */
static const char *
arch_name(uint32_t cputype, uint32_t subtype, uint16_t *machine)
{
	switch (cputype) {
	case CPU_X86_ | CPU_ABI64_:
		*machine = 62;
		return "x86_64";
	case CPU_X86_:
		*machine = 3;
		return "i386";
	case CPU_ARM_ | CPU_ABI64_:
		*machine = 183;
		return (subtype & 0xffffffu) == SUBTYPE_ARM64E_ ? "arm64e"
								: "arm64";
	case CPU_ARM_ | CPU_ABI64_32_:
		*machine = 183;
		return "arm64_32";
	case CPU_ARM_:
		*machine = 40;
		return "arm";
	case CPU_PPC_:
		*machine = 20;
		return "ppc";
	case CPU_PPC_ | CPU_ABI64_:
		*machine = 21;
		return "ppc64";
	default:
		*machine = 0;
		return NULL;
	}
}

static const char *
cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case LC_SEGMENT_:
		return "LC_SEGMENT";
	case LC_SEGMENT_64_:
		return "LC_SEGMENT_64";
	case LC_THREAD_:
		return "LC_THREAD";
	case LC_UNIXTHREAD_:
		return "LC_UNIXTHREAD";
	case LC_NOTE_:
		return "LC_NOTE";
	default:
		return "load command";
	}
}

/* A 16-byte name field, without the NULs that pad it. */
static void
name16(char *dst, const unsigned char *src)
{
	size_t n = strnlen((const char *)src, 16);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
segment(struct core *c, const unsigned char *p, uint32_t size, uint64_t at,
	struct vms_err *err)
{
	int w64 = rd32(c, p) == LC_SEGMENT_64_;
	unsigned base = w64 ? SEG64_SIZE : SEG32_SIZE;
	unsigned sect = w64 ? SECT64_SIZE : SECT32_SIZE;
	uint64_t vmaddr, vmsize, fileoff, filesize;
	uint32_t nsects;
	struct seg *s;

	if (size < base)
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: %s at 0x%" PRIx64 ": cmdsize %" PRIu32
				   " is smaller than the command (%u)",
				   c->name, cmd_name(rd32(c, p)), at, size,
				   base);
	if (w64) {
		vmaddr = rd64(c, p + 24);
		vmsize = rd64(c, p + 32);
		fileoff = rd64(c, p + 40);
		filesize = rd64(c, p + 48);
	} else {
		vmaddr = rd32(c, p + 24);
		vmsize = rd32(c, p + 28);
		fileoff = rd32(c, p + 32);
		filesize = rd32(c, p + 36);
	}
	nsects = rd32(c, p + base - 8);
	if (nsects > (size - base) / sect &&
	    vms_map_warn_err(c->map, err,
			     "%s at 0x%" PRIx64 ": %" PRIu32
			     " sections do not fit "
			     "in cmdsize %" PRIu32 ": sections ignored",
			     cmd_name(rd32(c, p)), at, nsects, size) < 0)
		return -1;
	if (vmsize == 0)
		return 0;
	if (filesize > vmsize) {
		if (vms_map_warn_err(c->map, err,
				     "segment at 0x%" PRIx64
				     ": filesize 0x%" PRIx64
				     " exceeds vmsize 0x%" PRIx64 ": clipped",
				     vmaddr, filesize, vmsize) < 0)
			return -1;
		filesize = vmsize;
	}
	if (vms_grow((void **)&c->segs, &c->segcap, c->nsegs + 1,
		     sizeof(*c->segs), err) < 0)
		return -1;
	s = &c->segs[c->nsegs];
	memset(s, 0, sizeof(*s));
	s->vmaddr = vmaddr;
	s->end = vmaddr + vmsize < vmaddr ? UINT64_MAX : vmaddr + vmsize;
	s->fileoff = fileoff;
	s->present = filesize;
	vms_seg_clip(c->size, s->fileoff, &s->present, &c->need);
	s->maxprot = (uint8_t)(rd32(c, p + base - 16) & 7u);
	s->prot = (uint8_t)(rd32(c, p + base - 12) & 7u);
	s->index = c->nsegs++;
	name16(s->name, p + 8);
	return 0;
}

/*
 * The stack pointer and pc in one thread state of count 32-bit words;
 * 1 if the flavour holds the general registers, else 0.
 */
static int
state_regs(const struct core *c, uint32_t flavor, const unsigned char *s,
	   uint32_t count, uint64_t *sp, uint64_t *pc)
{
	uint32_t family = c->cputype & 0xffffffu;

	switch (family) {
	case CPU_X86_:
		if (flavor == 4 && count >= 42) { /* x86_THREAD_STATE64 */
			*sp = rd64(c, s + 7 * 8);
			*pc = rd64(c, s + 16 * 8);
			return 1;
		}
		if (flavor == 1 && count >= 16) { /* x86_THREAD_STATE32 */
			*sp = rd32(c, s + 7 * 4);
			*pc = rd32(c, s + 10 * 4);
			return 1;
		}
		/* x86_THREAD_STATE: a header naming one of the above. */
		if (flavor == 7 && count >= 2 && rd32(c, s) != 7 &&
		    rd32(c, s + 4) <= count - 2)
			return state_regs(c, rd32(c, s), s + 8, rd32(c, s + 4),
					  sp, pc);
		return 0;
	case CPU_ARM_:
		if (flavor == 6 && count >= 68) { /* ARM_THREAD_STATE64 */
			*sp = rd64(c, s + 31 * 8);
			*pc = rd64(c, s + 32 * 8);
			return 1;
		}
		/* ARM_THREAD_STATE32, or ARM_THREAD_STATE of a 32-bit
		 * process (r0-r12, sp, lr, pc, cpsr). */
		if ((flavor == 9 || flavor == 1) && count == 17) {
			*sp = rd32(c, s + 13 * 4);
			*pc = rd32(c, s + 15 * 4);
			return 1;
		}
		/* ARM_THREAD_STATE of arm64: a header naming one of them. */
		if (flavor == 1 && count >= 2 && rd32(c, s) != 1 &&
		    rd32(c, s + 4) <= count - 2)
			return state_regs(c, rd32(c, s), s + 8, rd32(c, s + 4),
					  sp, pc);
		return 0;
	case CPU_PPC_:
		if (flavor == 1 && count >= 40) { /* PPC_THREAD_STATE */
			*pc = rd32(c, s);
			*sp = rd32(c, s + 3 * 4);
			return 1;
		}
		if (flavor == 5 && count >= 76) { /* PPC_THREAD_STATE64 */
			*pc = rd64(c, s);
			*sp = rd64(c, s + 3 * 8);
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

static int
thread(struct core *c, const unsigned char *p, uint32_t size, uint64_t at,
       struct vms_err *err)
{
	struct vms_thread *t = vms_map_add_thread(c->map, err);
	uint32_t pos = 8;

	if (t == NULL)
		return -1;
	t->tid = c->map->nthreads - 1;
	while (size - pos >= 8) {
		uint32_t flavor = rd32(c, p + pos),
			 count = rd32(c, p + pos + 4);
		uint64_t sp, pc;

		if (flavor == 0 && count == 0)
			break;
		if (count > (size - pos - 8) / 4)
			return vms_map_warn_err(
				c->map, err,
				"%s at 0x%" PRIx64 ": flavor %" PRIu32
				" count %" PRIu32 " overruns cmdsize "
				"%" PRIu32 ": the rest is ignored",
				cmd_name(rd32(c, p)), at, flavor, count, size);
		if (!(t->has & VMS_THR_HAS_SP) &&
		    state_regs(c, flavor, p + pos + 8, count, &sp, &pc)) {
			t->sp = sp;
			t->pc = pc;
			t->has |= VMS_THR_HAS_SP | VMS_THR_HAS_PC;
		}
		pos += 8 + count * 4;
	}
	return 0;
}

static int
note(struct core *c, const unsigned char *p, uint32_t size, uint64_t at,
     struct vms_err *err)
{
	struct note *n;

	if (size < NOTE_CMD_SIZE)
		return vms_map_warn_err(c->map, err,
					"LC_NOTE at 0x%" PRIx64
					": cmdsize %" PRIu32
					" is too small: skipped",
					at, size);
	if (vms_grow((void **)&c->notes, &c->notecap, c->nnotes + 1,
		     sizeof(*c->notes), err) < 0)
		return -1;
	n = &c->notes[c->nnotes++];
	name16(n->owner, p + 8);
	n->offset = rd64(c, p + 24);
	n->size = rd64(c, p + 32);
	n->at = at;
	return 0;
}

static int
read_header(struct core *c, struct vms_err *err)
{
	const unsigned char *p;
	uint32_t filetype;

	p = vms_input_get(c->in, 0, 4, err);
	if (p == NULL || !magic(p, &c->be, &c->is64))
		return vms_err_set(err, VMS_E_FORMAT, 0,
				   "%s: not a Mach-O file", c->name);
	c->hdrsize = c->is64 ? 32 : 28;
	p = vms_input_get(c->in, 0, c->hdrsize, err);
	if (p == NULL)
		return vms_err_set(err, VMS_E_TRUNCATED, 0,
				   "%s: truncated Mach-O header", c->name);
	c->cputype = rd32(c, p + 4);
	c->cpusubtype = rd32(c, p + 8);
	filetype = rd32(c, p + 12);
	c->ncmds = rd32(c, p + 16);
	c->sizeofcmds = rd32(c, p + 20);
	if (filetype == MH_EXECUTE_)
		return vms_err_set(err, VMS_E_FORMAT, 0,
				   "%s: a Mach-O executable, not a core file",
				   c->name);
	if (filetype != MH_CORE_)
		return vms_err_set(err, VMS_E_FORMAT, 0,
				   "%s: Mach-O file of type %" PRIu32
				   ", not a core file",
				   c->name, filetype);
	if (c->ncmds > c->sizeofcmds / 8)
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: %" PRIu32 " load commands cannot fit "
				   "in sizeofcmds %" PRIu32,
				   c->name, c->ncmds, c->sizeofcmds);
	if (c->sizeofcmds > CMDS_MAX)
		return vms_err_set(err, VMS_E_LIMIT, 0,
				   "%s: %" PRIu32 " bytes of load commands: "
				   "more than %" PRIu64,
				   c->name, c->sizeofcmds, CMDS_MAX);
	if (c->size != UINT64_MAX && c->sizeofcmds > c->size - c->hdrsize)
		return vms_err_set(err, VMS_E_TRUNCATED, 0,
				   "%s: %" PRIu32 " bytes of load commands at "
				   "0x%x run past the end of the file "
				   "(0x%" PRIx64 ")",
				   c->name, c->sizeofcmds, c->hdrsize, c->size);
	c->cmds = malloc(c->sizeofcmds ? c->sizeofcmds : 1);
	if (c->cmds == NULL)
		return vms_err_nomem(err);
	if (c->sizeofcmds == 0)
		return 0;
	p = vms_input_get(c->in, c->hdrsize, c->sizeofcmds, err);
	if (p == NULL)
		return -1;
	memcpy(c->cmds, p, c->sizeofcmds);
	return 0;
}

static int
read_cmds(struct core *c, struct vms_err *err)
{
	uint32_t off = 0;
	int misaligned = 0;

	for (uint32_t i = 0; i < c->ncmds; i++) {
		const unsigned char *p = c->cmds + off;
		uint64_t at = c->hdrsize + (uint64_t)off;
		uint32_t cmd, size;
		int r = 0;

		if (c->sizeofcmds - off < 8)
			return vms_err_set(err, VMS_E_CORRUPT, 0,
					   "%s: load command %" PRIu32
					   " at 0x%" PRIx64 " lies past "
					   "sizeofcmds %" PRIu32,
					   c->name, i, at, c->sizeofcmds);
		cmd = rd32(c, p);
		size = rd32(c, p + 4);
		if (size < 8)
			return vms_err_set(err, VMS_E_CORRUPT, 0,
					   "%s: %s %" PRIu32 " at 0x%" PRIx64
					   ": cmdsize %" PRIu32
					   " is less than 8",
					   c->name, cmd_name(cmd), i, at, size);
		if (size % 4 != 0)
			return vms_err_set(err, VMS_E_CORRUPT, 0,
					   "%s: %s %" PRIu32 " at 0x%" PRIx64
					   ": cmdsize %" PRIu32
					   " is not a multiple of 4",
					   c->name, cmd_name(cmd), i, at, size);
		if (size > c->sizeofcmds - off)
			return vms_err_set(err, VMS_E_CORRUPT, 0,
					   "%s: %s %" PRIu32 " at 0x%" PRIx64
					   ": cmdsize %" PRIu32 " runs past "
					   "sizeofcmds %" PRIu32,
					   c->name, cmd_name(cmd), i, at, size,
					   c->sizeofcmds);
		if (c->is64 && size % 8 != 0 && !misaligned) {
			misaligned = 1;
			if (vms_map_warn_err(c->map, err,
					     "%s at 0x%" PRIx64
					     ": cmdsize %" PRIu32
					     " is not a multiple of 8",
					     cmd_name(cmd), at, size) < 0)
				return -1;
		}
		if (cmd == LC_SEGMENT_ || cmd == LC_SEGMENT_64_)
			r = segment(c, p, size, at, err);
		else if (cmd == LC_THREAD_ || cmd == LC_UNIXTHREAD_)
			r = thread(c, p, size, at, err);
		else if (cmd == LC_NOTE_)
			r = note(c, p, size, at, err);
		if (r < 0)
			return -1;
		off += size;
	}
	return 0;
}

static int
cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	if (x->vmaddr != y->vmaddr)
		return x->vmaddr < y->vmaddr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Overlapping segments: the later one is clipped here, before its region
 * is made, so that its bytes present (the RSS a dump reports) shrink with
 * it; vms_map_finish() would move its data but not recount those.
 */
static int
clip(struct core *c, struct seg *s, uint64_t prev_end, struct vms_err *err)
{
	uint64_t delta = prev_end - s->vmaddr;

	if (vms_map_warn_err(c->map, err,
			     "segments overlap at 0x%" PRIx64
			     ": the later one is clipped",
			     s->vmaddr) < 0)
		return -1;
	if (delta >= s->end - s->vmaddr)
		return 1;
	s->vmaddr += delta;
	s->fileoff += delta;
	s->present = s->present > delta ? s->present - delta : 0;
	return 0;
}

static int
build_regions(struct core *c, struct vms_err *err)
{
	uint64_t prev_end = 0;

	if (c->nsegs > 1)
		qsort(c->segs, c->nsegs, sizeof(*c->segs), cmp_seg);
	if (vms_map_reserve(c->map, c->nsegs, err) < 0)
		return -1;
	for (size_t i = 0; i < c->nsegs; i++) {
		struct seg *s = &c->segs[i];
		struct vms_region *r;
		uint64_t held;
		int k = 0;

		if (i > 0 && s->vmaddr < prev_end)
			k = clip(c, s, prev_end, err);
		if (k < 0)
			return -1;
		if (k > 0)
			continue;
		prev_end = s->end;
		r = vms_map_add(c->map, err);
		if (r == NULL)
			return -1;
		held = s->present < s->end - s->vmaddr ? s->present
						       : s->end - s->vmaddr;
		r->start = s->vmaddr;
		r->end = s->end;
		r->prot = s->prot;
		r->maxprot = s->maxprot;
		r->data_offset = s->fileoff;
		r->data_size = held;
		r->has = VMS_HAS_PROT | VMS_HAS_MAXPROT | VMS_HAS_DATA;
		if (vms_region_set(c->map, r, VMS_C_RSS, held, err) < 0)
			return -1;
		if (held < s->end - s->vmaddr)
			r->flags |= VMS_RF_PARTIAL;
		if (s->name[0] != '\0') {
			r->name = vms_map_intern(c->map, s->name,
						 strlen(s->name), err);
			if (r->name == NULL)
				return -1;
		}
	}
	return 0;
}

/* The region starting at addr (regions are sorted by start), or NULL. */
static struct vms_region *
region_at(const struct core *c, uint64_t addr)
{
	size_t lo = 0, hi = c->map->nregions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->map->regions[mid].start < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->map->nregions && c->map->regions[lo].start == addr)
		return &c->map->regions[lo];
	return NULL;
}

/* What is known of one image. */
struct image {
	const char *path;	   /* interned, or NULL */
	const unsigned char *uuid; /* in the map, or NULL */
};

static int
set_uuid(struct core *c, struct image *im, const unsigned char *u,
	 struct vms_err *err)
{
	static const unsigned char zero[16];
	unsigned char *copy;

	im->uuid = NULL;
	if (memcmp(u, zero, 16) == 0)
		return 0;
	copy = vms_map_alloc(c->map, 16, err);
	if (copy == NULL)
		return -1;
	memcpy(copy, u, 16);
	im->uuid = copy;
	return 0;
}

/*
 * Name the region where an image's segment begins.  The first image to
 * claim a region keeps it: in the dyld shared cache one region holds
 * many images, and it is named by the one whose segment starts it.
 */
static int
name_segment(struct core *c, const struct image *im, uint64_t addr,
	     const char *seg, struct vms_err *err)
{
	struct vms_region *r = region_at(c, addr);

	if (r == NULL || r->path != NULL || r->build_id != NULL)
		return 0;
	if (im->path == NULL && im->uuid == NULL && seg[0] == '\0')
		return 0;
	r->path = im->path;
	if (im->uuid != NULL) {
		r->build_id = im->uuid;
		r->build_id_len = 16;
	}
	if (seg[0] != '\0') {
		r->name = vms_map_intern(c->map, seg, strlen(seg), err);
		if (r->name == NULL)
			return -1;
	}
	return 0;
}

/*
 * The NUL-terminated string at a file offset (at most PATH_MAX_ bytes)
 * in *out, or NULL when it is not in the file; -1 only without memory.
 */
static int
file_string(struct core *c, uint64_t off, const char **out, struct vms_err *err)
{
	size_t n = PATH_MAX_;
	const char *p;

	*out = NULL;
	if (c->size != UINT64_MAX) {
		if (off >= c->size)
			return 0;
		if (c->size - off < n)
			n = (size_t)(c->size - off);
	}
	p = vms_input_get(c->in, off, n, NULL);
	if (p == NULL)
		return 0;
	*out = vms_map_intern(c->map, p, strnlen(p, n), err);
	return *out == NULL ? -1 : 0;
}

/*
 * "all image infos": a header {version, count, entries offset, entry
 * size}, entries {path offset, uuid, load address, segments offset,
 * segment count, flags} and per image {segname[16], vmaddr, unused}.
 */
static int
image_infos(struct core *c, const unsigned char *d, uint64_t n,
	    struct vms_err *err)
{
	uint32_t count, esize;
	uint64_t eoff;

	if (n < 20)
		return vms_map_warn_err(c->map, err,
					"\"all image infos\" of %" PRIu64
					" bytes is too short: ignored",
					n);
	count = rd32(c, d + 4);
	eoff = rd64(c, d + 8);
	esize = rd32(c, d + 16);
	if (esize < 48 || count > IMAGES_MAX)
		return vms_map_warn_err(c->map, err,
					"\"all image infos\": %" PRIu32
					" entries of %" PRIu32
					" bytes: ignored",
					count, esize);
	c->have_images = 1;
	for (uint32_t i = 0; i < count; i++) {
		unsigned char e[48], sv[32];
		uint64_t soff, poff;
		uint32_t nseg;
		struct image im;
		struct vms_err e2;
		char seg[17];

		if (vms_input_read(c->in, eoff + (uint64_t)i * esize, e, 48,
				   &e2) != 48)
			return vms_map_warn_err(
				c->map, err,
				"\"all image infos\": entry %" PRIu32
				" at 0x%" PRIx64
				" is not in the file: the rest is ignored",
				i, eoff + (uint64_t)i * esize);
		poff = rd64(c, e);
		soff = rd64(c, e + 32);
		nseg = rd32(c, e + 40);
		if (set_uuid(c, &im, e + 8, err) < 0)
			return -1;
		if (file_string(c, poff, &im.path, err) < 0)
			return -1;
		if (nseg > IMAGE_SEGS_MAX)
			nseg = IMAGE_SEGS_MAX;
		for (uint32_t k = 0; k < nseg; k++) {
			if (vms_input_read(c->in, soff + (uint64_t)k * 32, sv,
					   32, &e2) != 32)
				break;
			name16(seg, sv);
			if (name_segment(c, &im, rd64(c, sv + 16), seg, err) <
			    0)
				return -1;
		}
		/* An image listed without segments: its load address. */
		if (nseg == 0 && rd64(c, e + 24) != UINT64_MAX &&
		    name_segment(c, &im, rd64(c, e + 24), "", err) < 0)
			return -1;
	}
	return 0;
}

/*
 * A Mach-O image whose header is at the start of region r: its segments
 * (slid to where the header is), its install name and its UUID.  The
 * path, when the caller knows it (a "load binary" note), wins.
 */
static int
image_at(struct core *c, const struct vms_region *r, const char *path,
	 struct vms_err *err)
{
	const unsigned char *p;
	uint64_t start = r->start, text = UINT64_MAX;
	uint32_t ncmds, size, off = 0, ftype;
	struct image im = {path, NULL};
	unsigned hdr;
	size_t n;
	int be, w64;
	struct vms_err e2;

	p = vms_input_get(c->in, r->data_offset, 28, &e2);
	if (p == NULL)
		return vms_read_failed(c->map, &e2, err, "image discovery");
	if (!magic(p, &be, &w64))
		return 0;
	hdr = w64 ? 32 : 28;
	if (r->data_size < hdr)
		return 0;
	ftype = vms_get32(be, p + 12);
	ncmds = vms_get32(be, p + 16);
	size = vms_get32(be, p + 20);
	n = r->data_size - hdr < SCAN_CMDS ? (size_t)(r->data_size - hdr)
					   : SCAN_CMDS;
	if (size < n)
		n = size;
	p = vms_input_get(c->in, r->data_offset, hdr + n, &e2);
	if (p == NULL)
		return vms_read_failed(c->map, &e2, err, "image discovery");
	p += hdr;
	/* First the name, the UUID and where __TEXT was linked. */
	for (uint32_t i = 0; i < ncmds && n - off >= 8; i++) {
		uint32_t cmd = vms_get32(be, p + off),
			 cs = vms_get32(be, p + off + 4);

		if (cs < 8 || cs > n - off)
			break;
		if ((cmd == LC_ID_DYLIB_ || cmd == LC_ID_DYLINKER_) &&
		    cs >= 12 && im.path == NULL) {
			uint32_t at = vms_get32(be, p + off + 8);

			if (at < cs)
				im.path = vms_map_intern(
					c->map, (const char *)p + off + at,
					strnlen((const char *)p + off + at,
						cs - at),
					err);
			if (at < cs && im.path == NULL)
				return -1;
		} else if (cmd == LC_UUID_ && cs >= 24) {
			if (set_uuid(c, &im, p + off + 8, err) < 0)
				return -1;
		} else if ((cmd == LC_SEGMENT_64_ && cs >= SEG64_SIZE) ||
			   (cmd == LC_SEGMENT_ && cs >= SEG32_SIZE)) {
			int s64 = cmd == LC_SEGMENT_64_;
			uint64_t fo = s64 ? vms_get64(be, p + off + 40)
					  : vms_get32(be, p + off + 32);
			uint64_t fs = s64 ? vms_get64(be, p + off + 48)
					  : vms_get32(be, p + off + 36);

			if (fo == 0 && fs != 0 && text == UINT64_MAX)
				text = s64 ? vms_get64(be, p + off + 24)
					   : vms_get32(be, p + off + 24);
		}
		off += cs;
	}
	if (ftype == MH_EXECUTE_ && c->exe == NULL && im.path != NULL &&
	    c->main_addr == UINT64_MAX)
		c->exe = im.path;
	if (text == UINT64_MAX)
		return name_segment(c, &im, start, "", err);
	/* Then every segment, at its linked address plus the slide. */
	off = 0;
	for (uint32_t i = 0; i < ncmds && n - off >= 8; i++) {
		uint32_t cmd = vms_get32(be, p + off),
			 cs = vms_get32(be, p + off + 4);
		char seg[17];

		if (cs < 8 || cs > n - off)
			break;
		if ((cmd == LC_SEGMENT_64_ && cs >= SEG64_SIZE) ||
		    (cmd == LC_SEGMENT_ && cs >= SEG32_SIZE)) {
			uint64_t va = cmd == LC_SEGMENT_64_
					      ? vms_get64(be, p + off + 24)
					      : vms_get32(be, p + off + 24);

			name16(seg, p + off + 8);
			if (name_segment(c, &im, va - text + start, seg, err) <
			    0)
				return -1;
		}
		off += cs;
	}
	return 0;
}

/* The path a "load binary" note gives for an address, in *out. */
static int
loaded_path(struct core *c, uint64_t addr, const char **out,
	    struct vms_err *err)
{
	*out = NULL;
	for (size_t i = 0; i < c->nnotes; i++) {
		const struct note *nt = &c->notes[i];
		unsigned char d[36];
		struct vms_err e2;

		if (strcmp(nt->owner, "load binary") != 0 || nt->size < 37 ||
		    vms_input_read(c->in, nt->offset, d, 36, &e2) != 36 ||
		    rd64(c, d + 20) != addr)
			continue;
		return file_string(c, nt->offset + 36, out, err);
	}
	return 0;
}

/*
 * Without "all image infos", images are found where a dumped segment
 * begins with a Mach-O header.  Bounded: SCAN_SEGS segments, SCAN_CMDS
 * bytes of load commands each, and in a stream the first SCAN_STREAM
 * bytes (reading further would mean decompressing the whole core).
 */
static int
discover(struct core *c, struct vms_err *err)
{
	struct vms_map *map = c->map;
	struct vms_region **heads;
	size_t nh = 0;
	int ret = -1;

	if (map->nregions == 0)
		return 0;
	heads = calloc(map->nregions, sizeof(*heads));
	if (heads == NULL)
		return vms_err_nomem(err);
	for (size_t i = 0; i < map->nregions; i++) {
		struct vms_region *r = &map->regions[i];

		if (r->data_size < 28 || r->path != NULL)
			continue;
		if (vms_input_compression(c->in) != NULL &&
		    r->data_offset >= SCAN_STREAM)
			continue;
		heads[nh++] = r;
	}
	vms_regions_by_data(heads, nh);
	if (nh > SCAN_SEGS)
		nh = SCAN_SEGS;
	for (size_t i = 0; i < nh; i++) {
		size_t warned = map->nwarnings;
		const char *path;

		if (loaded_path(c, heads[i]->start, &path, err) < 0 ||
		    image_at(c, heads[i], path, err) < 0)
			goto out;
		if (map->nwarnings != warned)
			break;
	}
	ret = 0;
out:
	free(heads);
	return ret;
}

/* "addrable bits": version 3 gives one count, version 4 low and high. */
static void
addr_bits(struct core *c, const unsigned char *d, uint64_t n)
{
	uint32_t v, bits;

	if (n < 8)
		return;
	v = rd32(c, d);
	bits = rd32(c, d + 4);
	if ((v == 3 || v == 4) && bits > 0 && bits < 64)
		c->addr_bits = bits;
}

/* "main bin spec": where the main executable is, and the page size. */
static void
main_bin(struct core *c, const unsigned char *d, uint64_t n)
{
	uint32_t v, shift;

	if (n < 40)
		return;
	v = rd32(c, d);
	if (v < 1 || v > 2)
		return;
	c->main_addr = rd64(c, d + 8);
	shift = rd32(c, d + (v >= 2 ? 40 : 32));
	if (shift >= 9 && shift <= 30 && (v < 2 || n >= 48)) {
		c->map->page_size = (uint64_t)1 << shift;
		c->map->has |= VMS_P_PAGE_SIZE;
	}
}

/*
 * "process metadata": JSON, {"threads":[{"thread_id":N}, ...]}, one
 * entry per LC_THREAD in order.  Only thread_id is read.
 */
static void
metadata(struct core *c, const unsigned char *d, uint64_t n)
{
	const char *s = (const char *)d, *end = s + n;
	const char *k = NULL;
	size_t idx = 0;
	int depth = 0;

	for (const char *p = s; p + 9 <= end; p++)
		if (memcmp(p, "\"threads\"", 9) == 0) {
			k = p + 9;
			break;
		}
	while (k != NULL && k < end &&
	       (*k == ' ' || *k == ':' || *k == '\n' || *k == '\t'))
		k++;
	if (k == NULL || k >= end || *k != '[')
		return;
	for (k++; k < end && idx < c->map->nthreads; k++) {
		if (*k == '"') {
			const char *q = k + 1;

			while (q < end && *q != '"')
				q += *q == '\\' ? 2 : 1;
			if (q >= end)
				return;
			if (depth == 1 && q - k - 1 == 9 &&
			    memcmp(k + 1, "thread_id", 9) == 0) {
				uint64_t v = 0;
				const char *r = q + 1;

				while (r < end && (*r == ' ' || *r == ':'))
					r++;
				if (r < end && *r >= '0' && *r <= '9') {
					while (r < end && *r >= '0' &&
					       *r <= '9')
						v = v * 10 +
						    (uint64_t)(*r++ - '0');
					c->map->threads[idx].tid = v;
				}
			}
			k = q;
		} else if (*k == '{' || *k == '[') {
			depth++;
		} else if (*k == '}' || *k == ']') {
			if (depth == 0)
				return;
			if (--depth == 0)
				idx++;
		}
	}
}

static int
cmp_note(const void *a, const void *b)
{
	const struct note *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

/* The notes, in ascending offset order; "all image infos" last. */
static int
read_notes(struct core *c, struct vms_err *err)
{
	size_t infos = SIZE_MAX;

	if (c->nnotes > 1)
		qsort(c->notes, c->nnotes, sizeof(*c->notes), cmp_note);
	for (size_t i = 0; i < c->nnotes; i++) {
		const struct note *nt = &c->notes[i];
		const unsigned char *d;
		struct vms_err e2;
		int infos_note = strcmp(nt->owner, "all image infos") == 0;

		if (c->size != UINT64_MAX &&
		    (nt->offset > c->size || nt->size > c->size - nt->offset)) {
			if (vms_map_warn_err(
				    c->map, err,
				    "LC_NOTE \"%s\" at 0x%" PRIx64
				    ": payload of 0x%" PRIx64 " bytes at "
				    "0x%" PRIx64 " lies outside the file: "
				    "skipped",
				    nt->owner, nt->at, nt->size,
				    nt->offset) < 0)
				return -1;
			continue;
		}
		if (nt->size > NOTE_MAX) {
			if (vms_map_warn_err(c->map, err,
					     "LC_NOTE \"%s\" at 0x%" PRIx64
					     ": %" PRIu64 " bytes: skipped",
					     nt->owner, nt->at, nt->size) < 0)
				return -1;
			continue;
		}
		if (strcmp(nt->owner, "addrable bits") != 0 &&
		    strcmp(nt->owner, "main bin spec") != 0 &&
		    strcmp(nt->owner, "process metadata") != 0 && !infos_note)
			continue;
		if (infos_note) {
			if (infos == SIZE_MAX)
				infos = i;
			continue;
		}
		d = vms_input_get(c->in, nt->offset, (size_t)nt->size, &e2);
		if (d == NULL) {
			if (vms_read_failed(c->map, &e2, err, "%s", nt->owner) <
			    0)
				return -1;
			continue;
		}
		if (strcmp(nt->owner, "addrable bits") == 0)
			addr_bits(c, d, nt->size);
		else if (strcmp(nt->owner, "main bin spec") == 0)
			main_bin(c, d, nt->size);
		else
			metadata(c, d, nt->size);
	}
	if (infos != SIZE_MAX) {
		const struct note *nt = &c->notes[infos];
		unsigned char d[20];
		struct vms_err e2;
		ssize_t got;

		if (nt->size < 20)
			return vms_map_warn_err(c->map, err,
						"\"all image infos\" of "
						"%" PRIu64
						" bytes is too short: ignored",
						nt->size);
		got = vms_input_read(c->in, nt->offset, d, 20, &e2);
		if (got < 0)
			return vms_read_failed(c->map, &e2, err, "%s",
					       nt->owner);
		if (got != 20)
			return vms_map_warn_err(c->map, err,
						"\"all image infos\" at "
						"0x%" PRIx64
						" is not in the file",
						nt->offset);
		return image_infos(c, d, nt->size, err);
	}
	return 0;
}

/* A "load binary" note for an image the other sources did not name. */
static int
load_binaries(struct core *c, struct vms_err *err)
{
	for (size_t i = 0; i < c->nnotes; i++) {
		const struct note *nt = &c->notes[i];
		unsigned char d[36];
		struct image im;
		struct vms_err e2;

		if (strcmp(nt->owner, "load binary") != 0 || nt->size < 37 ||
		    vms_input_read(c->in, nt->offset, d, 36, &e2) != 36)
			continue;
		if (set_uuid(c, &im, d + 4, err) < 0)
			return -1;
		if (file_string(c, nt->offset + 36, &im.path, err) < 0)
			return -1;
		if (im.path != NULL && im.path[0] == '\0')
			im.path = NULL;
		if (name_segment(c, &im, rd64(c, d + 20), "", err) < 0)
			return -1;
	}
	return 0;
}

/* Pointer authentication signs arm64e return addresses: strip it. */
static void
strip_pcs(struct core *c)
{
	uint64_t mask;

	if (c->addr_bits == 0 || (c->cputype & 0xffffffu) != CPU_ARM_)
		return;
	mask = (UINT64_C(1) << c->addr_bits) - 1;
	for (size_t i = 0; i < c->map->nthreads; i++)
		c->map->threads[i].pc &= mask;
}

static int
set_process(struct core *c, struct vms_err *err)
{
	struct vms_map *map = c->map;
	const char *base;

	if (c->main_addr != UINT64_MAX) {
		const struct vms_region *r = region_at(c, c->main_addr);

		if (r != NULL && r->path != NULL)
			c->exe = r->path;
	}
	map->proc.exe = c->exe;
	if (c->exe == NULL)
		return 0;
	base = strrchr(c->exe, '/');
	base = base != NULL ? base + 1 : c->exe;
	if (*base == '\0')
		return 0;
	map->proc.comm = vms_map_strdup(map, base, err);
	return map->proc.comm == NULL ? -1 : 0;
}

static int
probe(struct vms_input *in, struct vms_err *err)
{
	const unsigned char *p;
	int be, is64, r = vms_probe_head(in, 4, &p, err);

	return r <= 0 ? r : magic(p, &be, &is64);
}

static int
load(struct vms_map *map, struct vms_input *in, const struct vms_open_opts *o,
     struct vms_err *err)
{
	struct core c;
	uint16_t machine;
	int ret = -1;

	(void)o;
	memset(&c, 0, sizeof(c));
	c.map = map;
	c.in = in;
	c.name = vms_input_name(in);
	c.size = vms_input_size(in);
	c.main_addr = UINT64_MAX;
	if (read_header(&c, err) < 0 || read_cmds(&c, err) < 0)
		goto out;
	if (c.nsegs == 0) {
		vms_err_set(err, VMS_E_CORRUPT, 0,
			    "%s: a core file without memory segments", c.name);
		goto out;
	}
	map->arch.name = arch_name(c.cputype, c.cpusubtype, &machine);
	map->arch.machine = machine;
	map->arch.wordsize =
		(c.cputype & CPU_ABI64_) ? 64 : (map->arch.name ? 32 : 0);
	if (map->arch.wordsize == 0)
		map->arch.wordsize = c.is64 ? 64 : 32;
	map->arch.big_endian = (uint8_t)c.be;
	if (map->arch.name == NULL &&
	    vms_map_warn_err(map, err,
			     "cpu type 0x%" PRIx32 " is not known: thread "
			     "registers not read",
			     c.cputype) < 0)
		goto out;
	if (vms_core_source(map, in, VMS_SOURCE_MACHO_CORE, "macho", err) < 0)
		goto out;
	if (vms_seg_truncated(map, c.need, c.size, err) < 0 ||
	    build_regions(&c, err) < 0 || read_notes(&c, err) < 0)
		goto out;
	if ((!c.have_images && discover(&c, err) < 0) ||
	    load_binaries(&c, err) < 0)
		goto out;
	strip_pcs(&c);
	if (set_process(&c, err) < 0)
		goto out;
	ret = 0;
out:
	free(c.cmds);
	free(c.segs);
	free(c.notes);
	return ret;
}

const struct vms_reader vms_reader_macho = {
	.name = "macho",
	.probe = probe,
	.load = load,
};
