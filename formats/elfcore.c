/*
 * elfcore.c - the ELF core file reader: Linux cores written by the kernel,
 * gdb's gcore, qemu-user, lldb and others, and NetBSD cores.
 *
 * Specs followed: the System V gABI (ELF header, program headers, PN_XNUM
 * with the real count in section header 0, note layout and alignment);
 * Linux include/uapi/linux/elfcore.h and include/linux/elfcore.h
 * (struct elf_prstatus, elf_prpsinfo, NT_FILE, NT_SIGINFO, NT_AUXV) with
 * each architecture's asm/ptrace.h, asm/user.h or asm/reg.h for the layout
 * of pr_reg; NetBSD's core(5) and <sys/exec_elf.h> (NetBSD-CORE notes,
 * struct netbsd_elfcore_procinfo).
 *
 * The file is parsed by hand through vms_input_get(), not with libelf:
 * elf_memory() wants one contiguous image including the section header
 * that a PN_XNUM core keeps at its very end, and a compressed core is a
 * stream of which we read only the start.  Only the ELF header, the
 * program headers and the notes are read; segment contents are touched
 * only for build-ids (VMS_OPEN_BUILDIDS), in ascending offset order.
 *
 * Regions are PT_LOAD segments split where NT_FILE entries begin and end,
 * plus the NT_FILE ranges no segment covers (gcore leaves read-only file
 * mappings out).  "Resident" for a core means the bytes the dump holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coreutil.h"
#include "internal.h"

#define ET_REL_ 1
#define ET_EXEC_ 2
#define ET_DYN_ 3
#define ET_CORE_ 4
#define PT_LOAD_ 1
#define PT_NOTE_ 4
#define PN_XNUM_ 0xffff
#define PF_X_ 1u
#define PF_W_ 2u
#define PF_R_ 4u

#define NT_PRSTATUS_ 1
#define NT_PRPSINFO_ 3
#define NT_AUXV_ 6
#define NT_SIGINFO_ 0x53494749u
#define NT_FILE_ 0x46494c45u
#define NETBSD_PROCINFO 1
#define NETBSD_AUXV 2
#define NETBSD_GETREGS 33 /* PT_GETREGS on amd64 and i386 */

#define AT_PHDR_ 3
#define AT_PAGESZ_ 6
#define AT_ENTRY_ 9

#define PHDR_CHUNK ((size_t)64 << 10)	/* bytes of phdrs per read */
#define NOTE_MAX ((uint64_t)64 << 20)	/* largest PT_NOTE we read */
#define BUILDID_READ ((size_t)64 << 10) /* head of a module we parse */

struct seg {
	uint64_t vaddr;
	uint64_t end; /* vaddr + memsz, clipped */
	uint64_t offset;
	uint64_t present; /* bytes of filesz that are in the file */
	uint32_t flags;
	size_t index; /* phdr order, to keep sorting stable */
};

#define DELETED_LEN (sizeof(" (deleted)") - 1)

struct ntfile {
	uint64_t start;
	uint64_t end;
	uint64_t offset;  /* in bytes */
	const char *path; /* interned in the map */
	int deleted;      /* the kernel wrote " (deleted)" after it */
};

struct notes {
	uint64_t offset;
	uint64_t size;
	unsigned align;
};

struct core {
	struct vms_map *map;
	struct vms_input *in;
	const struct vms_open_opts *opts;
	const char *name;
	int is64;
	int be;
	uint16_t type;
	uint16_t machine;
	uint32_t eflags;
	uint64_t size; /* of the input, UINT64_MAX if unknown */
	uint64_t need; /* bytes the segments' data needs */
	struct seg *segs;
	size_t nsegs;
	size_t segcap;
	struct notes *notes;
	size_t nnotes;
	size_t notecap;
	struct ntfile *files;
	size_t nfiles;
	int seen_file;
	int seen_siginfo;
	int netbsd;
	uint64_t ntfile_page;
	uint64_t at_phdr;
	uint64_t at_entry;
	int64_t netbsd_siglwp;
};

/* Fixed-width reads in the core's byte order. */
static uint16_t
rd16(const struct core *c, const unsigned char *p)
{
	return vms_get16(c->be, p);
}

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

/* A word of w bytes (4 or 8). */
static uint64_t
rdw(const struct core *c, const unsigned char *p, unsigned w)
{
	return w == 8 ? rd64(c, p) : rd32(c, p);
}

static const char *
arch_name(uint16_t machine, int is64, int be)
{
	switch (machine) {
	case 2:
	case 18:
		return "sparc";
	case 3:
		return "i386";
	case 4:
		return "m68k";
	case 8:
		return is64 ? (be ? "mips64" : "mips64el")
			    : (be ? "mips" : "mipsel");
	case 15:
		return "parisc";
	case 20:
		return "ppc";
	case 21:
		return be ? "ppc64" : "ppc64le";
	case 22:
		return is64 ? "s390x" : "s390";
	case 40:
		return "arm";
	case 42:
		return "sh";
	case 43:
		return "sparc64";
	case 50:
		return "ia64";
	case 62:
		return is64 ? "x86_64" : "x32";
	case 183:
		return "aarch64";
	case 243:
		return is64 ? "riscv64" : "riscv32";
	case 258:
		return "loongarch64";
	case 0x9026:
		return "alpha";
	default:
		return NULL;
	}
}

/*
 * Where pr_reg starts in struct elf_prstatus, and which of its registers
 * are the stack pointer and the program counter.
 */
struct regs {
	unsigned off;  /* of pr_reg in the note */
	unsigned size; /* bytes per register */
	unsigned sp;
	unsigned pc;
	int known;
};

static void
reg_layout(const struct core *c, struct regs *r)
{
	/* elf_prstatus: 12 bytes of siginfo, pr_cursig, two longs, four
	 * pids and four timevals; m68k aligns longs to 2 bytes. */
	r->off = c->is64 ? 112 : c->machine == 4 ? 70 : 72;
	r->size = c->is64 ? 8 : 4;
	r->known = 1;
	switch (c->machine) {
	case 62: /* x86_64; x32 keeps 64-bit registers */
		r->size = 8;
		r->pc = 16;
		r->sp = 19;
		break;
	case 3: /* i386; a 64-bit dump uses x86_64's */
		if (c->is64) {
			r->pc = 16;
			r->sp = 19;
		} else {
			r->pc = 12;
			r->sp = 15;
		}
		break;
	case 183:
		r->sp = 31;
		r->pc = 32;
		break;
	case 40:
		r->sp = 13;
		r->pc = 15;
		break;
	case 20:
	case 21:
		r->sp = 1;
		r->pc = 32;
		break;
	case 22: /* psw mask, psw addr, gprs[16] */
		r->pc = 1;
		r->sp = 17;
		break;
	case 243:
		r->pc = 0;
		r->sp = 2;
		break;
	case 8: /* o32 has 6 words of padding first */
		if (c->is64 || (c->eflags & 0x20)) {
			r->size = 8;
			r->sp = 29;
			r->pc = 34;
		} else {
			r->sp = 35;
			r->pc = 40;
		}
		break;
	case 43: /* g, o, l, i, tstate, tpc */
		r->sp = 14;
		r->pc = 33;
		break;
	case 2:
	case 18: /* psr, pc, npc, y, g, o */
		r->pc = 1;
		r->sp = 18;
		break;
	case 4: /* d1-d7, a0-a6, d0, usp, orig_d0, sr */
		r->sp = 15;
		r->pc = 18;
		break;
	default:
		r->known = 0;
		break;
	}
}

static int
prstatus(struct core *c, const unsigned char *d, uint64_t n,
	 struct vms_err *err)
{
	unsigned pidoff = c->is64 ? 32 : c->machine == 4 ? 22 : 24;
	struct vms_thread *t;
	struct regs r;

	if (n < pidoff + 4u)
		return vms_map_warn_err(c->map, err,
					"NT_PRSTATUS of %" PRIu64
					" bytes is too short: skipped",
					n);
	t = vms_map_add_thread(c->map, err);
	if (t == NULL)
		return -1;
	t->tid = rd32(c, d + pidoff);
	t->signo = (int16_t)rd16(c, d + 12);
	reg_layout(c, &r);
	if (r.known && r.off + (uint64_t)(r.pc + 1) * r.size <= n &&
	    r.off + (uint64_t)(r.sp + 1) * r.size <= n) {
		t->pc = rdw(c, d + r.off + r.pc * r.size, r.size);
		t->sp = rdw(c, d + r.off + r.sp * r.size, r.size);
		if (c->machine == 22 && !c->is64)
			t->pc &= 0x7fffffffu; /* the 31-bit mode bit */
		if (c->machine == 43 && (t->sp & 1))
			t->sp += 2047; /* the sparc64 stack bias */
		t->has |= VMS_THR_HAS_SP | VMS_THR_HAS_PC;
	}
	/* Without NT_SIGINFO, the first thread's signal is the fault. */
	if (c->map->nthreads == 1 && !c->seen_siginfo && t->signo > 0) {
		c->map->proc.signo = t->signo;
		c->map->proc.has |= VMS_P_FAULT;
	}
	if (c->map->nthreads == 1 && t->signo > 0) {
		c->map->proc.fault_tid = t->tid;
		c->map->proc.has |= VMS_P_FAULT_TID;
	}
	return 0;
}

/* Split pr_psargs (the kernel joined argv with spaces) into argv. */
static int
set_args(struct core *c, const char *s, size_t n, struct vms_err *err)
{
	struct vms_map *map = c->map;
	size_t i, argc = 0, k = 0;
	const char **argv;

	n = strnlen(s, n);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	for (i = 0; i < n; i++)
		if (s[i] != ' ' && (i == 0 || s[i - 1] == ' '))
			argc++;
	if (argc == 0)
		return 0;
	argv = vms_map_alloc(map, argc * sizeof(*argv), err);
	if (argv == NULL)
		return -1;
	for (i = 0; i < n;) {
		size_t j;

		if (s[i] == ' ') {
			i++;
			continue;
		}
		for (j = i; j < n && s[j] != ' '; j++)
			;
		argv[k] = vms_map_strndup(map, s + i, j - i, err);
		if (argv[k++] == NULL)
			return -1;
		i = j;
	}
	map->proc.argv = argv;
	map->proc.argc = argc;
	return 0;
}

static int
prpsinfo(struct core *c, const unsigned char *d, uint64_t n,
	 struct vms_err *err)
{
	struct vms_process *p = &c->map->proc;
	unsigned uid, pid, fname, psargs;
	int uid16 = 0;

	/* The layouts differ in the width of pr_flag and of the ids:
	 * 136 bytes on 64-bit, 128 with 32-bit ids, 124 with 16-bit ones
	 * (i386, arm, m68k, sh, sparc32 and 64-bit kernels' compat). */
	if (n >= 136) {
		uid = 16;
		pid = 24;
	} else if (n >= 128) {
		uid = 8;
		pid = 16;
	} else if (n >= 124) {
		uid16 = 1;
		uid = 8;
		pid = 12;
	} else {
		return vms_map_warn_err(c->map, err,
					"NT_PRPSINFO of %" PRIu64
					" bytes is too short: skipped",
					n);
	}
	fname = pid + 16;
	psargs = fname + 16;
	p->uid = uid16 ? rd16(c, d + uid) : rd32(c, d + uid);
	p->gid = uid16 ? rd16(c, d + uid + 2) : rd32(c, d + uid + 4);
	p->pid = (int32_t)rd32(c, d + pid);
	p->ppid = (int32_t)rd32(c, d + pid + 4);
	p->has |= VMS_P_PID | VMS_P_PPID | VMS_P_UID | VMS_P_GID;
	p->state = (char)d[1];
	p->comm = vms_map_strndup(c->map, (const char *)d + fname,
				  strnlen((const char *)d + fname, 16), err);
	if (p->comm == NULL)
		return -1;
	return set_args(c, (const char *)d + psargs, 80, err);
}

static int
siginfo(struct core *c, const unsigned char *d, uint64_t n, struct vms_err *err)
{
	struct vms_process *p = &c->map->proc;
	int mips = c->machine == 8;
	int bus = (c->machine == 8 || c->machine == 2 || c->machine == 18 ||
		   c->machine == 43 || c->machine == 15 || c->machine == 0x9026)
			  ? 10
			  : 7;
	unsigned addr = c->is64 ? 16 : 12;
	int signo;

	if (n < addr + (c->is64 ? 8u : 4u))
		return vms_map_warn_err(c->map, err,
					"NT_SIGINFO of %" PRIu64
					" bytes is too short: skipped",
					n);
	signo = (int32_t)rd32(c, d);
	if (signo <= 0)
		return 0;
	p->signo = signo;
	p->sigcode = (int32_t)rd32(c, d + (mips ? 4 : 8));
	p->has |= VMS_P_FAULT;
	c->seen_siginfo = 1;
	/* Only these signals carry the faulting address in si_addr. */
	if (signo == 11 || signo == 4 || signo == 8 || signo == bus) {
		p->fault_addr = rdw(c, d + addr, c->is64 ? 8 : 4);
		p->has |= VMS_P_FAULT_ADDR;
	}
	return 0;
}

static int
auxv(struct core *c, const unsigned char *d, uint64_t n, struct vms_err *err)
{
	unsigned w = c->is64 ? 8 : 4;
	struct vms_map *map = c->map;
	size_t i, count;

	if (map->auxv != NULL)
		return vms_map_warn_err(c->map, err,
					"a second NT_AUXV: ignored");
	/* Up to AT_NULL: the allocation follows the entries present. */
	for (count = 0; count < n / (2 * w); count++)
		if (rdw(c, d + count * 2 * w, w) == 0)
			break;
	if (count == 0)
		return 0;
	map->auxv = calloc(count, sizeof(*map->auxv));
	if (map->auxv == NULL)
		return vms_err_nomem(err);
	for (i = 0; i < count; i++) {
		uint64_t type = rdw(c, d + i * 2 * w, w);
		uint64_t val = rdw(c, d + i * 2 * w + w, w);

		if (type == 0)
			break;
		map->auxv[i].type = type;
		map->auxv[i].value = val;
		if (type == AT_PAGESZ_ && val != 0 && (val & (val - 1)) == 0) {
			map->page_size = val;
			map->has |= VMS_P_PAGE_SIZE;
		} else if (type == AT_PHDR_) {
			c->at_phdr = val;
		} else if (type == AT_ENTRY_) {
			c->at_entry = val;
		}
	}
	map->nauxv = i;
	return 0;
}

/*
 * Is an NT_FILE descriptor consistent with words of w bytes?  The count
 * must fit, the page size be a power of two and the strings be there.
 */
static int
ntfile_fits(const struct core *c, const unsigned char *d, uint64_t n,
	    unsigned w)
{
	uint64_t count, page, table, k = 0, i;

	if (n < 2u * w)
		return 0;
	count = rdw(c, d, w);
	page = rdw(c, d + w, w);
	if (page == 0 || (page & (page - 1)) != 0)
		return 0;
	if (count > (n - 2u * w) / (3u * w))
		return 0;
	table = 2u * w + count * 3u * w;
	if (count == 0) {
		for (i = table; i < n; i++)
			if (d[i] != '\0')
				return 0;
		return 1;
	}
	for (i = table; i < n && k < count; i++)
		if (d[i] == '\0')
			k++;
	if (k < count)
		return 0;
	for (i = 0; i < count; i++) {
		const unsigned char *e = d + 2u * w + i * 3u * w;

		if (rdw(c, e, w) >= rdw(c, e + w, w))
			return 0;
	}
	return 1;
}

static int
cmp_file(const void *a, const void *b)
{
	const struct ntfile *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static int
ntfile(struct core *c, const unsigned char *d, uint64_t n, struct vms_err *err)
{
	unsigned w = c->is64 ? 8 : 4;
	uint64_t count, page, i, out;
	const unsigned char *s, *end = d + n;

	if (c->seen_file)
		return vms_map_warn_err(c->map, err,
					"a second NT_FILE: ignored");
	c->seen_file = 1;
	/* Some 32-bit cores carry 64-bit fields: take the layout that is
	 * consistent, never decode garbage. */
	if (!ntfile_fits(c, d, n, w)) {
		w = 12 - w;
		if (!ntfile_fits(c, d, n, w))
			return vms_map_warn_err(
				c->map, err,
				"NT_FILE note is malformed: ignored");
	}
	count = rdw(c, d, w);
	page = rdw(c, d + w, w);
	c->ntfile_page = page;
	if (count == 0)
		return 0;
	c->files = calloc((size_t)count, sizeof(*c->files));
	if (c->files == NULL)
		return vms_err_nomem(err);
	s = d + 2u * w + count * 3u * w;
	for (i = 0, out = 0; i < count; i++) {
		const unsigned char *e = d + 2u * w + i * 3u * w;
		size_t len = strnlen((const char *)s, (size_t)(end - s));
		struct ntfile *f = &c->files[out];
		uint64_t pgoff = rdw(c, e + 2u * w, w);

		f->start = rdw(c, e, w);
		f->end = rdw(c, e + w, w);
		f->offset = pgoff * page;
		if (page != 0 && f->offset / page != pgoff) {
			if (vms_map_warn_err(c->map, err,
					     "NT_FILE offset of 0x%" PRIx64
					     " overflows",
					     f->start) < 0)
				return -1;
			f->offset = 0;
		}
		/*
		 * The kernel names an unlinked file "path (deleted)"; the
		 * model keeps the path and a flag (a core cannot tell a file
		 * that is literally named so).
		 */
		f->deleted = len > DELETED_LEN &&
			     memcmp(s + len - DELETED_LEN, " (deleted)",
				    DELETED_LEN) == 0;
		f->path = vms_map_intern(c->map, (const char *)s,
					 len - (f->deleted ? DELETED_LEN : 0),
					 err);
		if (f->path == NULL)
			return -1;
		s += len + 1;
		out++;
	}
	if (out > 1)
		qsort(c->files, (size_t)out, sizeof(*c->files), cmp_file);
	/* Entries must not overlap; drop those that do. */
	for (i = 0, c->nfiles = 0; i < out; i++) {
		if (c->nfiles > 0 &&
		    c->files[c->nfiles - 1].end > c->files[i].start) {
			if (vms_map_warn_err(
				    c->map, err,
				    "NT_FILE entries at 0x%" PRIx64
				    " overlap: the later one is dropped",
				    c->files[i].start) < 0)
				return -1;
			continue;
		}
		c->files[c->nfiles++] = c->files[i];
	}
	return 0;
}

static int
netbsd_procinfo(struct core *c, const unsigned char *d, uint64_t n,
		struct vms_err *err)
{
	struct vms_process *p = &c->map->proc;

	/* struct netbsd_elfcore_procinfo, version 1 */
	if (n < 160 || rd32(c, d) != 1)
		return vms_map_warn_err(c->map, err,
					"NetBSD procinfo note of %" PRIu64
					" bytes, version %u: skipped",
					n, n >= 4 ? rd32(c, d) : 0);
	p->signo = (int32_t)rd32(c, d + 8);
	p->sigcode = (int32_t)rd32(c, d + 12);
	if (p->signo != 0)
		p->has |= VMS_P_FAULT;
	p->pid = (int32_t)rd32(c, d + 80);
	p->ppid = (int32_t)rd32(c, d + 84);
	p->uid = rd32(c, d + 96);
	p->gid = rd32(c, d + 108);
	p->has |= VMS_P_PID | VMS_P_PPID | VMS_P_UID | VMS_P_GID;
	c->netbsd_siglwp = (int32_t)rd32(c, d + 156);
	p->comm = vms_map_strndup(c->map, (const char *)d + 124,
				  strnlen((const char *)d + 124, 32), err);
	return p->comm == NULL ? -1 : 0;
}

/* A NetBSD-CORE@LWP note: registers of one thread. */
static int
netbsd_lwp(struct core *c, const char *lwp, size_t lwplen, uint32_t type,
	   const unsigned char *d, uint64_t n, struct vms_err *err)
{
	struct vms_thread *t;
	uint64_t tid = 0;
	size_t i;

	if (type != NETBSD_GETREGS)
		return 0;
	for (i = 0;
	     i < lwplen && lwp[i] >= '0' && lwp[i] <= '9' && tid < UINT32_MAX;
	     i++)
		tid = tid * 10 + (uint64_t)(lwp[i] - '0');
	if (i == 0 || i != lwplen)
		return vms_map_warn_err(c->map, err,
					"NetBSD note for LWP '%.*s': skipped",
					(int)(lwplen > 20 ? 20 : lwplen), lwp);
	t = vms_map_add_thread(c->map, err);
	if (t == NULL)
		return -1;
	t->tid = tid;
	if (c->machine == 62 && c->is64 && n >= 26 * 8) {
		t->pc = rd64(c, d + 21 * 8);
		t->sp = rd64(c, d + 24 * 8);
		t->has = VMS_THR_HAS_SP | VMS_THR_HAS_PC;
	} else if (c->machine == 3 && !c->is64 && n >= 16 * 4) {
		t->pc = rd32(c, d + 8 * 4);
		t->sp = rd32(c, d + 4 * 4);
		t->has = VMS_THR_HAS_SP | VMS_THR_HAS_PC;
	}
	if (c->netbsd_siglwp > 0 && (uint64_t)c->netbsd_siglwp == tid &&
	    c->map->proc.signo != 0) {
		t->signo = c->map->proc.signo;
		c->map->proc.fault_tid = tid;
		c->map->proc.has |= VMS_P_FAULT_TID;
	}
	return 0;
}

static int
one_note(struct core *c, const char *name, size_t namelen, uint32_t type,
	 const unsigned char *d, uint64_t n, struct vms_err *err)
{
	if (namelen == 4 && memcmp(name, "CORE", 4) == 0) {
		switch (type) {
		case NT_PRSTATUS_:
			return prstatus(c, d, n, err);
		case NT_PRPSINFO_:
			return prpsinfo(c, d, n, err);
		case NT_AUXV_:
			return auxv(c, d, n, err);
		case NT_SIGINFO_:
			return siginfo(c, d, n, err);
		case NT_FILE_:
			return ntfile(c, d, n, err);
		default:
			return 0;
		}
	}
	if (namelen >= 11 && memcmp(name, "NetBSD-CORE", 11) == 0) {
		c->netbsd = 1;
		if (namelen == 11 && type == NETBSD_PROCINFO)
			return netbsd_procinfo(c, d, n, err);
		if (namelen == 11 && type == NETBSD_AUXV)
			return auxv(c, d, n, err);
		if (namelen > 12 && name[11] == '@')
			return netbsd_lwp(c, name + 12, namelen - 12, type, d,
					  n, err);
	}
	return 0;
}

static uint64_t
align_up(uint64_t v, unsigned a)
{
	return (v + a - 1) & ~(uint64_t)(a - 1);
}

/* Walk the notes of one PT_NOTE held in buf[0, len). */
static int
walk_notes(struct core *c, const unsigned char *buf, uint64_t len,
	   const struct notes *ns, struct vms_err *err)
{
	unsigned a = ns->align == 8 ? 8 : 4;
	uint64_t off = 0;

	while (off < len) {
		uint32_t namesz, descsz, type;
		uint64_t desc, next;
		const char *name;
		size_t namelen;

		if (len - off < 12)
			return vms_map_warn_err(c->map, err,
						"note at 0x%" PRIx64
						": truncated header",
						ns->offset + off);
		namesz = rd32(c, buf + off);
		descsz = rd32(c, buf + off + 4);
		type = rd32(c, buf + off + 8);
		desc = align_up(off + 12 + (uint64_t)namesz, a);
		next = align_up(desc + (uint64_t)descsz, a);
		if (desc > len || descsz > len - desc)
			return vms_map_warn_err(
				c->map, err,
				"note at 0x%" PRIx64 ": sizes (%" PRIu32
				", %" PRIu32
				") run past its segment: rest skipped",
				ns->offset + off, namesz, descsz);
		name = (const char *)buf + off + 12;
		namelen = strnlen(name, namesz);
		if (namelen == 0 && namesz == 0 && descsz == 0 && type == 0) {
			/* Zero padding at the end of a segment. */
			off = next;
			continue;
		}
		if (namelen == 0) {
			if (vms_map_warn_err(c->map, err,
					     "note at 0x%" PRIx64
					     " has no owner name: skipped",
					     ns->offset + off) < 0)
				return -1;
		} else if (one_note(c, name, namelen, type, buf + desc, descsz,
				    err) < 0) {
			return -1;
		}
		off = next;
	}
	return 0;
}

static int
cmp_notes(const void *a, const void *b)
{
	const struct notes *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

static int
read_notes(struct core *c, struct vms_err *err)
{
	size_t i;

	/* Ascending, so that a stream is read forward. */
	if (c->nnotes > 1)
		qsort(c->notes, c->nnotes, sizeof(*c->notes), cmp_notes);
	for (i = 0; i < c->nnotes; i++) {
		struct notes *ns = &c->notes[i];
		uint64_t len = ns->size;
		const unsigned char *buf;
		struct vms_err e2;

		if (len > NOTE_MAX) {
			if (vms_map_warn_err(c->map, err,
					     "PT_NOTE at 0x%" PRIx64
					     " of %" PRIu64
					     " bytes is too large: skipped",
					     ns->offset, len) < 0)
				return -1;
			continue;
		}
		if (c->size != UINT64_MAX &&
		    (ns->offset > c->size || len > c->size - ns->offset)) {
			if (vms_map_warn_err(c->map, err,
					     "PT_NOTE at 0x%" PRIx64
					     " runs past the end of the file",
					     ns->offset) < 0)
				return -1;
			len = ns->offset > c->size ? 0 : c->size - ns->offset;
		}
		if (len == 0)
			continue;
		buf = vms_input_get(c->in, ns->offset, (size_t)len, &e2);
		if (buf == NULL) {
			if (vms_read_failed(c->map, &e2, err,
					    "PT_NOTE at 0x%" PRIx64,
					    ns->offset) < 0)
				return -1;
			continue;
		}
		if (walk_notes(c, buf, len, ns, err) < 0)
			return -1;
	}
	return 0;
}

static int
add_seg(struct core *c, const unsigned char *ph, size_t index,
	struct vms_err *err)
{
	uint64_t offset, vaddr, filesz, memsz;
	uint32_t flags;
	struct seg *s;

	if (c->is64) {
		flags = rd32(c, ph + 4);
		offset = rd64(c, ph + 8);
		vaddr = rd64(c, ph + 16);
		filesz = rd64(c, ph + 32);
		memsz = rd64(c, ph + 40);
	} else {
		offset = rd32(c, ph + 4);
		vaddr = rd32(c, ph + 8);
		filesz = rd32(c, ph + 16);
		memsz = rd32(c, ph + 20);
		flags = rd32(c, ph + 24);
	}
	if (memsz == 0)
		return 0;
	if (vms_grow((void **)&c->segs, &c->segcap, c->nsegs + 1,
		     sizeof(*c->segs), err) < 0)
		return -1;
	s = &c->segs[c->nsegs++];
	s->vaddr = vaddr;
	s->offset = offset;
	s->flags = flags;
	s->index = index;
	s->end = vaddr + memsz;
	if (s->end < vaddr) {
		if (vms_map_warn_err(c->map, err,
				     "PT_LOAD at 0x%" PRIx64 " wraps "
				     "around the address space: clipped",
				     vaddr) < 0)
			return -1;
		s->end = UINT64_MAX;
	}
	if (filesz > memsz) {
		if (vms_map_warn_err(c->map, err,
				     "PT_LOAD at 0x%" PRIx64 " has more "
				     "bytes in the file than in memory",
				     vaddr) < 0)
			return -1;
		filesz = memsz;
	}
	s->present = filesz;
	vms_seg_clip(c->size, s->offset, &s->present, &c->need);
	return 0;
}

static int
add_notes(struct core *c, const unsigned char *ph, struct vms_err *err)
{
	struct notes *ns;

	if (vms_grow((void **)&c->notes, &c->notecap, c->nnotes + 1,
		     sizeof(*c->notes), err) < 0)
		return -1;
	ns = &c->notes[c->nnotes++];
	if (c->is64) {
		ns->offset = rd64(c, ph + 8);
		ns->size = rd64(c, ph + 32);
		ns->align = (unsigned)rd64(c, ph + 48);
	} else {
		ns->offset = rd32(c, ph + 4);
		ns->size = rd32(c, ph + 16);
		ns->align = rd32(c, ph + 28);
	}
	return 0;
}

/* The program headers, read in bounded chunks: no allocation follows
 * e_phnum before the entries are actually there. */
static int
read_phdrs(struct core *c, uint64_t phoff, uint64_t phnum, unsigned phentsize,
	   struct vms_err *err)
{
	size_t per = PHDR_CHUNK / phentsize, i = 0;

	if (per == 0)
		per = 1;
	if (c->size != UINT64_MAX &&
	    (phoff > c->size || phnum > (c->size - phoff) / phentsize))
		return vms_err_set(err, VMS_E_TRUNCATED, 0,
				   "%s: %" PRIu64
				   " program headers at 0x%" PRIx64
				   " run past the end of the file "
				   "(0x%" PRIx64 ")",
				   c->name, phnum, phoff, c->size);
	while (i < phnum) {
		size_t k = phnum - i < per ? (size_t)(phnum - i) : per;
		const unsigned char *p;

		p = vms_input_get(c->in, phoff + (uint64_t)i * phentsize,
				  k * phentsize, err);
		if (p == NULL)
			return -1;
		for (size_t j = 0; j < k; j++, i++) {
			const unsigned char *ph = p + j * phentsize;
			uint32_t type = rd32(c, ph);

			if (type == PT_LOAD_ && add_seg(c, ph, i, err) < 0)
				return -1;
			if (type == PT_NOTE_ && add_notes(c, ph, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int
cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* One region [a, b): from segment s and file f, either may be NULL. */
static int
emit(struct core *c, const struct seg *s, uint64_t a, uint64_t b,
     const struct ntfile *f, struct vms_err *err)
{
	struct vms_region *r = vms_map_add(c->map, err);
	uint64_t held = 0;

	if (r == NULL)
		return -1;
	r->start = a;
	r->end = b;
	if (s != NULL) {
		uint64_t delta = a - s->vaddr;

		if (delta < s->present)
			held = s->present - delta < b - a ? s->present - delta
							  : b - a;
		r->prot = (uint8_t)(((s->flags & PF_R_) ? VMS_PROT_R : 0) |
				    ((s->flags & PF_W_) ? VMS_PROT_W : 0) |
				    ((s->flags & PF_X_) ? VMS_PROT_X : 0));
		r->data_offset = s->offset + delta;
		r->data_size = held;
		r->has |= VMS_HAS_PROT | VMS_HAS_DATA;
	}
	if (vms_region_set(c->map, r, VMS_C_RSS, held, err) < 0)
		return -1;
	if (held < b - a)
		r->flags |= VMS_RF_PARTIAL;
	if (f != NULL) {
		r->path = f->path;
		if (f->deleted)
			r->flags |= VMS_RF_DELETED;
		r->offset = f->offset + (a - f->start);
		r->has |= VMS_HAS_OFFSET;
	}
	return 0;
}

static int
build_regions(struct core *c, struct vms_err *err)
{
	struct ntfile *fs = c->files;
	size_t nf = c->nfiles, i, j = 0, nm = 0, k;
	struct seg *merged = NULL;
	int ret = -1;

	if (c->nsegs > 1)
		qsort(c->segs, c->nsegs, sizeof(*c->segs), cmp_seg);
	for (i = 0; i < c->nsegs; i++) {
		const struct seg *s = &c->segs[i];
		uint64_t a = s->vaddr, e = s->end;
		size_t lo = 0, hi = nf;

		/* The first file entry ending after a. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (fs[mid].end <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		j = lo;
		while (a < e) {
			uint64_t b;

			if (j < nf && fs[j].start <= a) {
				b = fs[j].end < e ? fs[j].end : e;
				if (emit(c, s, a, b, &fs[j], err) < 0)
					return -1;
				if (b == fs[j].end)
					j++;
			} else {
				b = j < nf && fs[j].start < e ? fs[j].start : e;
				if (emit(c, s, a, b, NULL, err) < 0)
					return -1;
			}
			a = b;
		}
	}
	if (nf == 0)
		return 0;
	/* File ranges that no segment covers are regions too. */
	if (c->nsegs > 0) {
		merged = calloc(c->nsegs, sizeof(*merged));
		if (merged == NULL)
			return vms_err_nomem(err);
	}
	for (i = 0; i < c->nsegs; i++) {
		if (nm > 0 && c->segs[i].vaddr <= merged[nm - 1].end) {
			if (c->segs[i].end > merged[nm - 1].end)
				merged[nm - 1].end = c->segs[i].end;
			continue;
		}
		merged[nm++] = c->segs[i];
	}
	for (i = 0, k = 0; i < nf; i++) {
		uint64_t a = fs[i].start;

		while (k < nm && merged[k].end <= a)
			k++;
		while (a < fs[i].end) {
			uint64_t b;

			if (k < nm && merged[k].vaddr <= a) {
				a = merged[k].end;
				if (a < fs[i].end)
					k++;
				continue;
			}
			b = k < nm && merged[k].vaddr < fs[i].end
				    ? merged[k].vaddr
				    : fs[i].end;
			if (emit(c, NULL, a, b, &fs[i], err) < 0)
				goto out;
			a = b;
		}
	}
	ret = 0;
out:
	free(merged);
	return ret;
}

/*
 * The build-id in the head of an ELF image held in p[0, n); its length,
 * or 0 when there is none in that part.
 */
static size_t
image_build_id(const unsigned char *p, size_t n, unsigned char *out)
{
	struct core m;
	uint64_t phoff, i;
	unsigned phent, phnum, w;

	if (n < 52 || memcmp(p, "\177ELF", 4) != 0 ||
	    (p[4] != 1 && p[4] != 2) || (p[5] != 1 && p[5] != 2))
		return 0;
	memset(&m, 0, sizeof(m));
	m.is64 = p[4] == 2;
	m.be = p[5] == 2;
	if (m.is64 && n < 64)
		return 0;
	w = m.is64 ? 8 : 4;
	phoff = rdw(&m, p + (m.is64 ? 32 : 28), w);
	phent = rd16(&m, p + (m.is64 ? 54 : 42));
	phnum = rd16(&m, p + (m.is64 ? 56 : 44));
	if (phent < (m.is64 ? 56u : 32u) || phoff > n)
		return 0;
	for (i = 0; i < phnum && phent <= (n - phoff) / (i + 1); i++) {
		const unsigned char *ph = p + phoff + i * phent;
		uint64_t off, sz;
		size_t len;
		unsigned a;

		if (rd32(&m, ph) != PT_NOTE_)
			continue;
		off = rdw(&m, ph + (m.is64 ? 8 : 4), w);
		sz = rdw(&m, ph + (m.is64 ? 32 : 16), w);
		a = rdw(&m, ph + (m.is64 ? 48 : 28), w) == 8 ? 8 : 4;
		if (off > n || sz > n - off)
			continue;
		len = vms_note_build_id(p + off, (size_t)sz, m.be, a, out);
		if (len > 0)
			return len;
	}
	return 0;
}

/* The build-id of a file on this machine; 0 if none or not readable. */
static size_t
file_build_id(const char *path, unsigned char *out)
{
	unsigned char *buf;
	struct stat st;
	size_t len = 0;
	ssize_t got;
	int fd;

	/* The path comes from the core: never block on a FIFO. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (buf = malloc(BUILDID_READ)) != NULL) {
		got = pread(fd, buf, BUILDID_READ, 0);
		if (got > 0)
			len = image_build_id(buf, (size_t)got, out);
		free(buf);
	}
	close(fd);
	return len;
}

/*
 * Build-ids: the first page of every mapped ELF module, read from the
 * core's own memory in ascending offset order, then compared with the
 * file of the same path on this machine.
 */
static int
build_ids(struct core *c, struct vms_err *err)
{
	struct vms_map *map = c->map;
	struct vms_region **heads;
	size_t nh = 0, i, j;
	int ret = -1;

	if (map->nregions == 0)
		return 0;
	heads = calloc(map->nregions, sizeof(*heads));
	if (heads == NULL)
		return vms_err_nomem(err);
	for (i = 0; i < map->nregions; i++) {
		struct vms_region *r = &map->regions[i];

		if (r->path != NULL && (r->has & VMS_HAS_OFFSET) &&
		    r->offset == 0 && (r->has & VMS_HAS_DATA) &&
		    r->data_size >= 52)
			heads[nh++] = r;
	}
	vms_regions_by_data(heads, nh);
	for (i = 0; i < nh; i++) {
		struct vms_region *h = heads[i];
		unsigned char id[VMS_BUILD_ID_MAX], disk[VMS_BUILD_ID_MAX];
		char a[2 * VMS_BUILD_ID_MAX + 1], b[2 * VMS_BUILD_ID_MAX + 1];
		size_t n = h->data_size < BUILDID_READ ? (size_t)h->data_size
						       : BUILDID_READ;
		const unsigned char *p;
		unsigned char *copy;
		struct vms_err e2;
		size_t len, dlen;

		p = vms_input_get(c->in, h->data_offset, n, &e2);
		if (p == NULL) {
			if (e2.code == VMS_E_NOMEM) {
				if (err != NULL)
					*err = e2;
				goto out;
			}
			if (vms_map_warn_err(c->map, err, "build-ids: %s",
					     e2.msg) < 0)
				goto out;
			if (e2.code == VMS_E_UNSUPPORTED)
				break;
			continue;
		}
		len = image_build_id(p, n, id);
		if (len == 0)
			continue;
		copy = vms_map_alloc(map, len, err);
		if (copy == NULL)
			goto out;
		memcpy(copy, id, len);
		for (j = 0; j < map->nregions; j++) {
			if (map->regions[j].path == h->path) {
				map->regions[j].build_id = copy;
				map->regions[j].build_id_len = len;
			}
		}
		dlen = file_build_id(h->path, disk);
		if (dlen == 0 || (dlen == len && memcmp(disk, id, len) == 0))
			continue;
		vms_build_id_hex(a, id, len);
		vms_build_id_hex(b, disk, dlen);
		if (vms_map_warn(map,
				 "%s: build-id %s in the core, %s on "
				 "this machine: stale library?",
				 h->path, a, b) < 0) {
			vms_err_nomem(err);
			goto out;
		}
	}
	ret = 0;
out:
	free(heads);
	return ret;
}

static const char *
exe_path(const struct core *c)
{
	uint64_t addr[2] = {c->at_phdr, c->at_entry};

	for (int k = 0; k < 2; k++) {
		if (addr[k] == 0)
			continue;
		for (size_t i = 0; i < c->nfiles; i++)
			if (c->files[i].start <= addr[k] &&
			    addr[k] < c->files[i].end)
				return c->files[i].path;
	}
	return NULL;
}

static int
probe(struct vms_input *in, struct vms_err *err)
{
	const unsigned char *p;
	int r = vms_probe_head(in, 4, &p, err);

	return r <= 0 ? r : memcmp(p, "\177ELF", 4) == 0;
}

static int
read_header(struct core *c, uint64_t *phoff, uint64_t *phnum,
	    unsigned *phentsize, struct vms_err *err)
{
	const unsigned char *p;
	static const char *const kinds[] = {
		NULL,
		"an ELF relocatable object",
		"an ELF executable",
		"an ELF shared object or PIE executable",
	};
	uint64_t shoff;
	unsigned shentsize;

	p = vms_input_get(c->in, 0, 16, err);
	if (p == NULL)
		return -1;
	if ((p[4] != 1 && p[4] != 2) || (p[5] != 1 && p[5] != 2))
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: ELF class %u, data encoding %u: "
				   "not supported",
				   c->name, p[4], p[5]);
	c->is64 = p[4] == 2;
	c->be = p[5] == 2;
	p = vms_input_get(c->in, 0, c->is64 ? 64 : 52, err);
	if (p == NULL)
		return vms_err_set(err, VMS_E_TRUNCATED, 0,
				   "%s: truncated ELF header", c->name);
	c->type = rd16(c, p + 16);
	c->machine = rd16(c, p + 18);
	if (c->type >= ET_REL_ && c->type <= ET_DYN_)
		return vms_err_set(err, VMS_E_FORMAT, 0,
				   "%s: %s, not a core file", c->name,
				   kinds[c->type]);
	if (c->type != ET_CORE_)
		return vms_err_set(err, VMS_E_FORMAT, 0,
				   "%s: ELF file of type %u, not a core file",
				   c->name, c->type);
	if (c->is64) {
		*phoff = rd64(c, p + 32);
		shoff = rd64(c, p + 40);
		c->eflags = rd32(c, p + 48);
		*phentsize = rd16(c, p + 54);
		*phnum = rd16(c, p + 56);
		shentsize = rd16(c, p + 58);
	} else {
		*phoff = rd32(c, p + 28);
		shoff = rd32(c, p + 32);
		c->eflags = rd32(c, p + 36);
		*phentsize = rd16(c, p + 42);
		*phnum = rd16(c, p + 44);
		shentsize = rd16(c, p + 46);
	}
	if (*phnum == PN_XNUM_) {
		/* The real count is sh_info of section header 0. */
		if (shoff == 0 || shentsize < (c->is64 ? 64u : 40u))
			return vms_err_set(err, VMS_E_CORRUPT, 0,
					   "%s: e_phnum is PN_XNUM but there "
					   "is no section header 0",
					   c->name);
		p = vms_input_get(c->in, shoff, c->is64 ? 64 : 40, err);
		if (p == NULL)
			return vms_err_set(err, VMS_E_TRUNCATED, 0,
					   "%s: e_phnum is PN_XNUM but section"
					   " header 0 at 0x%" PRIx64
					   " is not in the file",
					   c->name, shoff);
		*phnum = rd32(c, p + (c->is64 ? 44 : 28));
	}
	if (*phnum > 0 && *phentsize < (c->is64 ? 56u : 32u))
		return vms_err_set(err, VMS_E_CORRUPT, 0,
				   "%s: e_phentsize %u is smaller than a "
				   "program header",
				   c->name, *phentsize);
	return 0;
}

static int
load(struct vms_map *map, struct vms_input *in, const struct vms_open_opts *o,
     struct vms_err *err)
{
	struct core c;
	uint64_t phoff = 0, phnum = 0;
	unsigned phentsize = 0;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	c.map = map;
	c.in = in;
	c.opts = o;
	c.name = vms_input_name(in);
	c.size = vms_input_size(in);
	if (read_header(&c, &phoff, &phnum, &phentsize, err) < 0)
		goto out;
	if (phnum == 0) {
		vms_err_set(err, VMS_E_CORRUPT, 0,
			    "%s: a core file without program headers", c.name);
		goto out;
	}
	if (read_phdrs(&c, phoff, phnum, phentsize, err) < 0)
		goto out;
	map->arch.machine = c.machine;
	map->arch.wordsize = c.is64 ? 64 : 32;
	map->arch.big_endian = (uint8_t)c.be;
	map->arch.name = arch_name(c.machine, c.is64, c.be);
	if (vms_core_source(map, in, VMS_SOURCE_ELF_CORE, "elf", err) < 0)
		goto out;
	if (vms_seg_truncated(map, c.need, c.size, err) < 0 ||
	    read_notes(&c, err) < 0 || build_regions(&c, err) < 0)
		goto out;
	if (!(map->has & VMS_P_PAGE_SIZE) && c.ntfile_page >= 512) {
		map->page_size = c.ntfile_page;
		map->has |= VMS_P_PAGE_SIZE;
	}
	map->proc.exe = exe_path(&c);
	if (map->nregions == 0 &&
	    vms_map_warn_err(map, err, "no memory segments in the core") < 0)
		goto out;
	if (map->proc.has & VMS_P_FAULT_ADDR) {
		for (size_t i = 0; i < map->nregions; i++) {
			struct vms_region *r = &map->regions[i];

			if (r->start <= map->proc.fault_addr &&
			    map->proc.fault_addr < r->end)
				r->flags |= VMS_RF_FAULT;
		}
	}
	if ((o->flags & VMS_OPEN_BUILDIDS) && build_ids(&c, err) < 0)
		goto out;
	ret = 0;
out:
	free(c.segs);
	free(c.notes);
	free(c.files);
	return ret;
}

const struct vms_reader vms_reader_elfcore = {
	.name = "elf",
	.probe = probe,
	.load = load,
};
