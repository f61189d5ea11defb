/*
 * vmscope.h - the public interface of libvmscope.
 *
 * One model, struct vms_map, describes the address space of one process.
 * Every reader (live /proc, ELF core, Mach-O core, snapshot) fills it and
 * every view prints it.  Optional facts carry a bit in a `has' mask: a bit
 * that is clear means "not known from this source", never zero.
 *
 * Ownership: a map owns every string and array it points to; they live
 * until vms_map_free().  Free functions accept NULL.
 */
#ifndef VMSCOPE_VMSCOPE_H
#define VMSCOPE_VMSCOPE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMS_VERSION "0.1.0"

/*
 * Errors.  One list gives the codes and their messages; the message in
 * struct vms_err names the input and the place.
 */
#define VMS_ERRORS(X)                                                  \
	X(OK, "success")                                               \
	X(NOMEM, "out of memory")                                      \
	X(IO, "input/output error")                                    \
	X(NOENT, "no such process or file")                            \
	X(PERM, "permission denied")                                   \
	X(GONE, "process exited while being read")                     \
	X(UNSTABLE, "address space kept changing")                     \
	X(FORMAT, "unrecognised input format")                         \
	X(CORRUPT, "corrupt input")                                    \
	X(TRUNCATED, "truncated input")                                \
	X(LIMIT, "input exceeds a limit")                              \
	X(UNSUPPORTED, "unsupported input")                            \
	X(INVAL, "invalid argument")

enum vms_errcode {
#define VMS_ERR_ENUM_(name, msg) VMS_E_##name,
	VMS_ERRORS(VMS_ERR_ENUM_)
#undef VMS_ERR_ENUM_
	VMS_E__COUNT
};

struct vms_err {
	enum vms_errcode code;
	int sys;        /* errno or the lower library's code; 0 if none */
	char msg[512];  /* one line: "core.42: PT_NOTE at 0x3a8: truncated" */
};

const char *vms_errcode_str(enum vms_errcode code);

/* Fill err (may be NULL) and return -1; the format is the whole message. */
int vms_err_set(struct vms_err *err, enum vms_errcode code, int sys,
		const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Protection bits, as in PROT_READ/WRITE/EXEC but fixed values. */
#define VMS_PROT_R 0x1u
#define VMS_PROT_W 0x2u
#define VMS_PROT_X 0x4u

/*
 * Per-region counters, in bytes.  The list gives the enum name, the JSON
 * and snapshot key, and the /proc/PID/smaps key.
 */
#define VMS_COUNTERS(X)                                        \
	X(RSS, rss, "Rss")                                     \
	X(PSS, pss, "Pss")                                     \
	X(PSS_DIRTY, pss_dirty, "Pss_Dirty")                   \
	X(PSS_ANON, pss_anon, "Pss_Anon")                      \
	X(PSS_FILE, pss_file, "Pss_File")                      \
	X(PSS_SHMEM, pss_shmem, "Pss_Shmem")                   \
	X(SHARED_CLEAN, shared_clean, "Shared_Clean")          \
	X(SHARED_DIRTY, shared_dirty, "Shared_Dirty")          \
	X(PRIVATE_CLEAN, private_clean, "Private_Clean")       \
	X(PRIVATE_DIRTY, private_dirty, "Private_Dirty")       \
	X(REFERENCED, referenced, "Referenced")                \
	X(ANONYMOUS, anonymous, "Anonymous")                   \
	X(KSM, ksm, "KSM")                                     \
	X(LAZYFREE, lazyfree, "LazyFree")                      \
	X(ANON_HUGE, anon_huge, "AnonHugePages")               \
	X(SHMEM_PMD, shmem_pmd, "ShmemPmdMapped")              \
	X(FILE_PMD, file_pmd, "FilePmdMapped")                 \
	X(SHARED_HUGETLB, shared_hugetlb, "Shared_Hugetlb")    \
	X(PRIVATE_HUGETLB, private_hugetlb, "Private_Hugetlb") \
	X(SWAP, swap, "Swap")                                  \
	X(SWAP_PSS, swap_pss, "SwapPss")                       \
	X(LOCKED, locked, "Locked")                            \
	X(KERNEL_PAGE, kernel_page_size, "KernelPageSize")     \
	X(MMU_PAGE, mmu_page_size, "MMUPageSize")

enum vms_counter {
#define VMS_CTR_ENUM_(e, key, smaps) VMS_C_##e,
	VMS_COUNTERS(VMS_CTR_ENUM_)
#undef VMS_CTR_ENUM_
	VMS_C__COUNT
};

/* Name of a counter as used in JSON and snapshots ("rss"). */
const char *vms_counter_key(enum vms_counter c);
/* Its /proc/PID/smaps key ("Rss"). */
const char *vms_counter_smaps_key(enum vms_counter c);

/* `has' bits of a region beyond the counters (which use bit = counter). */
#define VMS_HAS_CTR(c) (UINT64_C(1) << (c))
#define VMS_HAS_PROT (UINT64_C(1) << 40)      /* prot is known */
#define VMS_HAS_MAXPROT (UINT64_C(1) << 41)   /* maxprot is known */
#define VMS_HAS_OFFSET (UINT64_C(1) << 42)    /* offset is known */
#define VMS_HAS_DEVINO (UINT64_C(1) << 43)    /* dev and inode known */
#define VMS_HAS_VMFLAGS (UINT64_C(1) << 44)   /* vmflags is known */
#define VMS_HAS_SHARED (UINT64_C(1) << 45)    /* VMS_RF_SHARED is meaningful */
#define VMS_HAS_THP (UINT64_C(1) << 46)       /* thp_eligible is known */
#define VMS_HAS_PKEY (UINT64_C(1) << 47)      /* pkey is known */
#define VMS_HAS_DATA (UINT64_C(1) << 48)      /* data_offset/size known */
#define VMS_HAS_DELETED (UINT64_C(1) << 49)   /* VMS_RF_DELETED verified */

/* Region flags. */
#define VMS_RF_SHARED 0x01u   /* MAP_SHARED ('s' in maps) */
#define VMS_RF_DELETED 0x02u  /* the backing file was unlinked */
#define VMS_RF_FAULT 0x04u    /* holds the fault address */
#define VMS_RF_PARTIAL 0x08u  /* contents not (all) in the dump */
#define VMS_RF_CONTENTS 0x10u /* a snapshot holds its bytes (--contents):
                               * vms_snapshot_contents() */

/*
 * Linux VmFlags mnemonics (proc(5)), one bit each.  Mnemonics this list
 * does not know are kept verbatim in vms_region.vmflags_other.
 */
#define VMS_VMFLAGS(X)                                                  \
	X(RD, "rd") X(WR, "wr") X(EX, "ex") X(SH, "sh") X(MR, "mr")     \
	X(MW, "mw") X(ME, "me") X(MS, "ms") X(GD, "gd") X(PF, "pf")     \
	X(DW, "dw") X(LO, "lo") X(IO, "io") X(SR, "sr") X(RR, "rr")     \
	X(DC, "dc") X(DE, "de") X(AC, "ac") X(NR, "nr") X(HT, "ht")     \
	X(SF, "sf") X(NL, "nl") X(AR, "ar") X(WF, "wf") X(DD, "dd")     \
	X(SD, "sd") X(MM, "mm") X(HG, "hg") X(NH, "nh") X(MG, "mg")     \
	X(UM, "um") X(UW, "uw") X(UI, "ui") X(SS, "ss") X(SL, "sl")     \
	X(BT, "bt") X(MT, "mt") X(LF, "lf") X(GU, "gu")

enum vms_vmflag {
#define VMS_VMF_ENUM_(e, s) VMS_VMF_##e,
	VMS_VMFLAGS(VMS_VMF_ENUM_)
#undef VMS_VMF_ENUM_
	VMS_VMF__COUNT
};
#define VMS_VMF(f) (UINT64_C(1) << VMS_VMF_##f)

const char *vms_vmflag_name(enum vms_vmflag f);
/* The flag for a two-letter mnemonic, or -1. */
int vms_vmflag_lookup(const char *s, size_t n);

/* What a region is, beyond its backing file. */
#define VMS_LABELS(X)                                               \
	X(NONE, NULL) X(HEAP, "heap") X(STACK, "stack")             \
	X(THREAD_STACK, "thread-stack") X(GUARD, "guard")           \
	X(VDSO, "vdso") X(VVAR, "vvar") X(VSYSCALL, "vsyscall")     \
	X(SYSV_SHM, "sysv-shm") X(MEMFD, "memfd")                   \
	X(HUGETLB, "hugetlb") X(DEVICE, "device")

enum vms_label {
#define VMS_LABEL_ENUM_(e, s) VMS_LABEL_##e,
	VMS_LABELS(VMS_LABEL_ENUM_)
#undef VMS_LABEL_ENUM_
	VMS_LABEL__COUNT
};
/* "heap", ... or NULL for VMS_LABEL_NONE. */
const char *vms_label_name(enum vms_label l);

/* The role of a region inside an ELF module (from its program headers). */
#define VMS_ROLES(X)                                                  \
	X(NONE, NULL) X(TEXT, "text") X(RODATA, "rodata")             \
	X(DATA, "data") X(RELRO, "relro") X(BSS, "bss")

enum vms_role {
#define VMS_ROLE_ENUM_(e, s) VMS_ROLE_##e,
	VMS_ROLES(VMS_ROLE_ENUM_)
#undef VMS_ROLE_ENUM_
	VMS_ROLE__COUNT
};
const char *vms_role_name(enum vms_role r);

/* macOS-style share mode, derived from the counters where they are known. */
#define VMS_SHARES(X)                                                   \
	X(UNKNOWN, NULL) X(PRIVATE, "PRV") X(COW, "COW") X(SHARED, "SHM") \
	X(EMPTY, "NUL") X(ALIASED, "ALI")

enum vms_share {
#define VMS_SHARE_ENUM_(e, s) VMS_SHARE_##e,
	VMS_SHARES(VMS_SHARE_ENUM_)
#undef VMS_SHARE_ENUM_
	VMS_SHARE__COUNT
};
const char *vms_share_name(enum vms_share s);

/*
 * One mapping.  The fields every view reads come first, in one cache
 * line: a map of 60 000 regions is walked several times, and a maps-only
 * read never fills the counters, which therefore live in a block of
 * their own (see vms_region_set()).
 */
struct vms_region {
	uint64_t start;          /* first byte */
	uint64_t end;            /* one past the last byte */
	uint64_t has;            /* VMS_HAS_* and VMS_HAS_CTR() bits */
	const char *path;        /* backing file, or NULL; the kernel's
	                          * " (deleted)" is not part of it (see
	                          * VMS_RF_DELETED) */
	const char *name;        /* the kernel's bracketed name as given:
	                          * "[heap]", "[anon:NAME]", "[uprobes]" */
	uint64_t vmflags;        /* VMS_VMF() bits */
	uint64_t label_id;       /* tid of a thread stack or guard, shmid */
	uint8_t prot;            /* VMS_PROT_* */
	uint8_t maxprot;
	uint8_t flags;           /* VMS_RF_* */
	uint8_t label;           /* enum vms_label */
	uint8_t role;            /* enum vms_role */
	uint8_t share;           /* enum vms_share */
	int8_t thp_eligible;
	int8_t pkey;
	/*
	 * VMS_C__COUNT values in the map's storage, indexed by enum
	 * vms_counter; NULL while no counter is known.  A value is
	 * meaningful only under its VMS_HAS_CTR() bit.
	 */
	uint64_t *counters;
	uint64_t offset;         /* offset in the backing file */
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t data_offset;    /* where the contents sit in the source */
	uint64_t data_size;      /* how many bytes of contents it holds */
	const char *vmflags_other; /* unknown VmFlags mnemonics, or NULL */
	const unsigned char *build_id;
	size_t build_id_len;
};

static inline uint64_t
vms_region_size(const struct vms_region *r)
{
	return r->end - r->start;
}

/*
 * Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, or a shared mapping
 * of /dev/zero): the kernel backs it with an unlinked shmem file that it
 * names "/dev/zero (deleted)".
 */
static inline int
vms_region_is_shared_anon(const struct vms_region *r)
{
	return r->path != NULL && (r->flags & VMS_RF_DELETED) &&
	       strcmp(r->path, "/dev/zero") == 0;
}

/* A counter's value, or -1 when it is not known. */
static inline int
vms_region_get(const struct vms_region *r, enum vms_counter c, uint64_t *v)
{
	if (!(r->has & VMS_HAS_CTR(c)))
		return -1;
	*v = r->counters[c];
	return 0;
}

/* A counter's value, 0 when it is not known: for sums only. */
static inline uint64_t
vms_region_ctr(const struct vms_region *r, enum vms_counter c)
{
	return (r->has & VMS_HAS_CTR(c)) ? r->counters[c] : 0;
}

struct vms_thread {
	uint64_t tid;
	uint64_t sp;             /* stack pointer */
	uint64_t pc;             /* program counter */
	unsigned has;            /* VMS_THR_HAS_* */
	int signo;               /* pending/current signal, 0 if none */
	const char *name;        /* comm of the thread, or NULL */
};
#define VMS_THR_HAS_SP 0x1u
#define VMS_THR_HAS_PC 0x2u

struct vms_auxv {
	uint64_t type;
	uint64_t value;
};

enum vms_source_kind {
	VMS_SOURCE_LIVE,
	VMS_SOURCE_ELF_CORE,
	VMS_SOURCE_MACHO_CORE,
	VMS_SOURCE_SNAPSHOT,
};

/* `has' bits of struct vms_process and struct vms_map. */
#define VMS_P_PID 0x0001u
#define VMS_P_PPID 0x0002u
#define VMS_P_UID 0x0004u
#define VMS_P_GID 0x0008u
#define VMS_P_FAULT 0x0010u       /* signo, code */
#define VMS_P_FAULT_ADDR 0x0020u
#define VMS_P_FAULT_TID 0x0040u
#define VMS_P_PAGE_SIZE 0x0080u
#define VMS_P_CAPTURE_TIME 0x0100u

struct vms_process {
	unsigned has;            /* VMS_P_* */
	int64_t pid;
	int64_t ppid;
	int64_t uid;
	int64_t gid;
	const char *comm;        /* short command name, or NULL */
	const char *exe;         /* path of the executable, or NULL */
	const char **argv;       /* argc strings */
	size_t argc;
	char state;              /* 'R', 'S', 'Z' ... or 0 */
	int signo;               /* VMS_P_FAULT: the signal that killed it */
	int sigcode;
	uint64_t fault_addr;     /* VMS_P_FAULT_ADDR */
	uint64_t fault_tid;      /* VMS_P_FAULT_TID */
};

struct vms_arch {
	uint16_t machine;        /* ELF e_machine (EM_*), 0 if unknown */
	uint8_t wordsize;        /* 32 or 64; 0 if unknown */
	uint8_t big_endian;
	const char *name;        /* "x86_64", "aarch64" ... or NULL */
};

struct vms_source {
	enum vms_source_kind kind;
	const char *name;        /* what the user named: "core.42", "1234" */
	const char *format;      /* "proc", "elf", "elf+zstd", ... */
	const char *host;        /* hostname, kernel release, boot id: */
	const char *kernel;      /* NULL when unknown */
	const char *boot_id;
	int64_t capture_sec;     /* VMS_P_CAPTURE_TIME */
	int32_t capture_nsec;
	/*
	 * A snapshot: what it was captured from (never VMS_SOURCE_SNAPSHOT;
	 * name and format above are the original's), the vmscope that wrote
	 * it, the frame shown (from 1) and the complete frames in the file.
	 */
	enum vms_source_kind from_kind;
	const char *from_name;
	const char *from_format;
	const char *writer;      /* "vmscope 0.1.0", or NULL */
	uint32_t frame;
	uint32_t nframes;
	int damaged;             /* bytes after the last good frame */
};

/*
 * Page state (vmscope snapshot --pages), from the page tables of a live
 * process (/proc/PID/pagemap).  A run is a range of pages of one state.
 */
#define VMS_PG_PRESENT 0x01u     /* in memory */
#define VMS_PG_SWAPPED 0x02u     /* in swap */
#define VMS_PG_DIRTY 0x04u       /* soft-dirty: written since mapped or
                                  * since soft-dirty bits were cleared */
#define VMS_PG_HUGE 0x08u        /* part of a huge page (THP, hugetlb) */
#define VMS_PG_FILE 0x10u        /* a file page or shared anonymous */
#define VMS_PG_EXCLUSIVE 0x20u   /* mapped by this process only */
#define VMS_PG_ZERO 0x40u        /* the shared zero page */
#define VMS_PG_ALL 0x7fu

struct vms_page_run {
	uint64_t start;          /* addresses, page-aligned, inside the */
	uint64_t end;            /* region */
	uint32_t flags;          /* VMS_PG_*, never 0 */
};

/* The pages of one region: a page in no run has none of the flags. */
struct vms_pages {
	size_t region;           /* index in map->regions */
	uint32_t known;          /* the VMS_PG_* bits this source tells */
	const struct vms_page_run *runs; /* by address, disjoint */
	size_t nruns;
};

struct vms_pool;

struct vms_map {
	struct vms_region *regions;   /* sorted by start, no overlaps */
	size_t nregions;
	size_t cap;
	unsigned has;                 /* VMS_P_PAGE_SIZE, VMS_P_CAPTURE_TIME */
	uint64_t page_size;
	struct vms_process proc;
	struct vms_arch arch;
	struct vms_source source;
	struct vms_thread *threads;
	size_t nthreads;
	struct vms_auxv *auxv;
	size_t nauxv;
	const char **warnings;        /* non-fatal damage found on the way */
	size_t nwarnings;
	struct vms_pool *pool;        /* storage of every string above */
	struct vms_pages *pages;      /* by region; a region with none:
	                               * unknown (in the pool, like runs) */
	size_t npages;
};

/* Building a map (readers, tests, fuzzers). */
struct vms_map *vms_map_new(struct vms_err *err);
void vms_map_free(struct vms_map *map);
/* Room for n regions in all (readers that know the count). */
int vms_map_reserve(struct vms_map *map, size_t n, struct vms_err *err);
/*
 * A zeroed region appended at the end, or NULL (err set).  Regions are
 * added only through it: nregions may be lowered to drop the last ones,
 * but the slots past nregions belong to the map (they are known to be
 * zero without being written), so never write them or raise nregions.
 */
struct vms_region *vms_map_add(struct vms_map *map, struct vms_err *err);
/*
 * Set counter c of r (a region of map) to v and mark it known; the
 * region's counter block is taken from the map's storage on first use.
 */
int vms_region_set(struct vms_map *map, struct vms_region *r,
		   enum vms_counter c, uint64_t v, struct vms_err *err);
/* r's counter block, made (all unknown) if it has none; NULL on error. */
uint64_t *vms_region_counters(struct vms_map *map, struct vms_region *r,
			      struct vms_err *err);
/* Copy n bytes (plus a NUL) into the map's storage. */
const char *vms_map_strndup(struct vms_map *map, const char *s, size_t n,
			    struct vms_err *err);
const char *vms_map_strdup(struct vms_map *map, const char *s,
			   struct vms_err *err);
/* Like strdup but shared: equal strings get one copy (paths). */
const char *vms_map_intern(struct vms_map *map, const char *s, size_t n,
			   struct vms_err *err);
void *vms_map_alloc(struct vms_map *map, size_t size, struct vms_err *err);
struct vms_thread *vms_map_add_thread(struct vms_map *map,
				      struct vms_err *err);
/* Record a warning; returns -1 only when memory runs out. */
int vms_map_warn(struct vms_map *map, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Sort the regions, check them (overlaps become a warning and the later
 * region is clipped) and label them.  Every reader's result goes through
 * this once, through vms_open().
 */
int vms_map_finish(struct vms_map *map, struct vms_err *err);
/* The region holding addr, or NULL. */
const struct vms_region *vms_map_find(const struct vms_map *map,
				      uint64_t addr);
/* The index of the first region ending after addr (nregions if none). */
size_t vms_map_lower_bound(const struct vms_map *map, uint64_t addr);

/* The page state of region i, or NULL when it is not known. */
const struct vms_pages *vms_map_pages(const struct vms_map *map, size_t i);

/* Labelling: names heap, stacks, guards ... (run by vms_map_finish). */
int vms_map_label(struct vms_map *map, struct vms_err *err);

/* Opening a target. */
#define VMS_OPEN_COUNTERS 0x01u  /* live: read smaps, not only maps */
#define VMS_OPEN_NOTHREADS 0x02u /* live: skip thread stack pointers */
#define VMS_OPEN_BUILDIDS 0x04u  /* read build-ids (may read contents) */
#define VMS_OPEN_ROLES 0x08u     /* ELF segment roles: reads the mapped
                                  * files (vms_map_roles()); with
                                  * VMS_OPEN_BUILDIDS they are checked */
#define VMS_OPEN_PAGES 0x10u     /* live: page state (map->pages) from
                                  * /proc/PID/pagemap */

struct vms_open_opts {
	unsigned flags;          /* VMS_OPEN_* */
	const char *procfs;      /* procfs root; NULL means "/proc" */
	int retries;             /* live: re-reads when the map changes;
	                          * 0 means the default (4) */
	int frame;               /* snapshot: frame N from 1; -N counts
	                          * from the end; 0 means the last */
};

/*
 * Open a target: a pid ("1234"), "self", "/proc/PID", or a file (a core
 * or a snapshot, compressed or not; "-" is standard input).
 */
struct vms_map *vms_open(const char *target, const struct vms_open_opts *o,
			 struct vms_err *err);
struct vms_map *vms_open_pid(int64_t pid, const struct vms_open_opts *o,
			     struct vms_err *err);
/* A file image in memory (tests, fuzzers); name is used in messages. */
struct vms_map *vms_open_mem(const void *buf, size_t len, const char *name,
			     const struct vms_open_opts *o,
			     struct vms_err *err);

/*
 * The live reader's parsers, each on a stream, so that fake trees and
 * fuzzers can feed them.  `smaps' selects the smaps format (headers
 * followed by "Key: value kB" lines) over the maps format.
 */
int vms_parse_maps(struct vms_map *map, FILE *in, int smaps, const char *name,
		   struct vms_err *err);
int vms_parse_maps_mem(struct vms_map *map, const char *buf, size_t len,
		       int smaps, const char *name, struct vms_err *err);

/*
 * Snapshots (vmscope-snapshot(5)): a map written to a compact, checksummed
 * file that vms_open() reads back.  A file is a header and one or more
 * frames; a series appends frames.  Unknown fields stay unknown.
 */
#define VMS_SNAP_MAJOR 1
#define VMS_SNAP_MINOR 1

/*
 * Region contents (vmscope snapshot --contents): where they are read
 * from and which regions.  FILTER is "all", or a comma list of labels
 * (heap, stack, thread-stack, anon) and path substrings; the grammar is
 * in vmscope-snapshot(1).  Contents hold secrets: never a default.
 */
struct vms_contents;

/*
 * Contents for map, opened as target with o: a live process's memory
 * (/proc/PID/mem), the bytes a core holds, or those a snapshot holds of
 * the frame map was read from (regions it holds none of have none).  A
 * core or a snapshot is read again: target cannot be a pipe ("-" must be
 * a regular file, see vmscope-snapshot(1)).
 */
struct vms_contents *vms_contents_open(const struct vms_map *map,
				       const char *target,
				       const struct vms_open_opts *o,
				       const char *filter,
				       struct vms_err *err);
/*
 * The same for a core or a snapshot image in memory, as vms_open_mem()
 * read map from it; buf must outlive the result.
 */
struct vms_contents *vms_contents_open_mem(const struct vms_map *map,
					   const void *buf, size_t len,
					   const char *name,
					   const char *filter,
					   struct vms_err *err);
void vms_contents_close(struct vms_contents *c);
/* Check a FILTER: 0, or -1 with err (VMS_E_INVAL) set. */
int vms_contents_filter_check(const char *filter, struct vms_err *err);
/* Would the region's bytes be written? */
int vms_contents_wants(const struct vms_contents *c,
		       const struct vms_region *r);

struct vms_snapshot_opts {
	int level;               /* zlib level 1-9; 0 means the default */
	struct vms_contents *contents; /* NULL: no contents */
};

/* The file header and one frame, written at fd's current offset. */
int vms_snapshot_write(const struct vms_map *map, int fd,
		       const struct vms_snapshot_opts *o, struct vms_err *err);
/* One more frame, appended at fd's current offset (a series). */
int vms_snapshot_append(const struct vms_map *map, int fd,
			const struct vms_snapshot_opts *o,
			struct vms_err *err);
/*
 * The same in memory: header (if header is set) and one frame in a
 * malloc'ed buffer the caller frees.
 */
int vms_snapshot_encode(const struct vms_map *map, int header,
			const struct vms_snapshot_opts *o, void **buf,
			size_t *len, struct vms_err *err);

/*
 * The bytes a snapshot holds of the region that starts at start (flag
 * VMS_RF_CONTENTS), of frame o->frame as vms_open() counts them: fn gets
 * each piece in ascending order of offset in the region, at most 1 MiB
 * at a time; the gaps between pieces could not be read.  fn returns 0
 * to go on.  0 when done (fn never called: no contents), -1 with err
 * set, or fn's nonzero value.  The file is read twice: path cannot be a
 * pipe ("-" must be a regular file).
 */
typedef int (*vms_contents_fn)(void *arg, uint64_t off, const void *buf,
			       size_t n);
int vms_snapshot_contents(const char *path, const struct vms_open_opts *o,
			  uint64_t start, vms_contents_fn fn, void *arg,
			  struct vms_err *err);
int vms_snapshot_contents_mem(const void *buf, size_t len, const char *name,
			      const struct vms_open_opts *o, uint64_t start,
			      vms_contents_fn fn, void *arg,
			      struct vms_err *err);

/* What vms_snapshot_verify() found. */
struct vms_snapshot_info {
	unsigned major, minor;   /* version in the file header */
	uint64_t size;           /* bytes read */
	uint64_t good_end;       /* offset after the last good frame */
	uint32_t nframes;        /* complete frames, every chunk checked */
	uint64_t nchunks;        /* chunks in them */
	uint64_t nskipped;       /* unknown skippable chunks among them */
	uint64_t nregions;       /* regions in the last good frame */
	int damaged;             /* something follows the last good frame */
	char damage[640];        /* "truncated after frame 3 (...)" */
};

/*
 * Check every chunk of every frame of a snapshot file ("-" is standard
 * input).  0 when at least one frame is good (info->damaged tells about
 * the rest); -1 with err set when the file is not a readable snapshot.
 */
int vms_snapshot_verify(const char *path, struct vms_snapshot_info *info,
			struct vms_err *err);
int vms_snapshot_verify_mem(const void *buf, size_t len, const char *name,
			    struct vms_snapshot_info *info,
			    struct vms_err *err);

/*
 * ELF modules: the files that a map's regions come from, found on this
 * machine and checked against what the map recorded (build-id; for a
 * live process, device and inode).  A file that does not match is
 * reported and never used.
 */
struct vms_elf_opts {
	const char *sysroot;     /* look for files only under DIR */
	const char *debug_dir;   /* searched first for debug files */
	const char *procfs;      /* live: procfs root; NULL means "/proc" */
};

/*
 * Set the role (text, rodata, relro, data, bss) of the regions of every
 * ELF module found and checked: a module that is missing, or that nothing
 * in the map can check (a core read without VMS_OPEN_BUILDIDS), keeps its
 * regions' roles; a mismatch is a warning on the map.  -1 only when
 * memory runs out.
 */
int vms_map_roles(struct vms_map *map, const struct vms_elf_opts *o,
		  struct vms_err *err);

/* What became of the file of a file-backed region. */
#define VMS_MODSTATES(X)                                            \
	X(NONE, "no file")  X(OK, "ok")                             \
	X(MISSING, "not found on this machine")                     \
	X(MISMATCH, "does not match the mapped file")               \
	X(NOTELF, "not an ELF file")                                \
	X(UNVERIFIED, "not checked")

enum vms_modstate {
#define VMS_MODSTATE_ENUM_(e, s) VMS_MOD_##e,
	VMS_MODSTATES(VMS_MODSTATE_ENUM_)
#undef VMS_MODSTATE_ENUM_
	VMS_MOD__COUNT
};
const char *vms_modstate_name(enum vms_modstate s);

/* One source position; inlined calls give several. */
struct vms_frame {
	const char *function;    /* or NULL */
	const char *file;        /* source file, or NULL */
	uint32_t line;           /* 0 when unknown */
	uint32_t column;         /* 0 when unknown */
};

/* `has' bits of struct vms_addr. */
#define VMS_A_OFFSET 0x01u       /* file_offset */
#define VMS_A_VADDR 0x02u        /* vaddr and bias */
#define VMS_A_SECTION 0x04u
#define VMS_A_SYMBOL 0x08u       /* symbol and symbol_offset */
#define VMS_A_SYMSIZE 0x10u      /* the symbol's size covers addr */

/*
 * What is at an address.  Regions point into the map, which must outlive
 * the result; the strings belong to the result (vms_addr_free()).
 */
struct vms_addr {
	uint64_t addr;
	unsigned has;                   /* VMS_A_* */
	const struct vms_region *region; /* holding addr, or NULL */
	const struct vms_region *below; /* unmapped: the nearest regions */
	const struct vms_region *above; /* below and above, or NULL */
	enum vms_modstate state;        /* of the region's file */
	const char *module;             /* the file read, or NULL */
	const char *why;                /* when not VMS_MOD_OK: details */
	uint64_t file_offset;           /* VMS_A_OFFSET */
	uint64_t vaddr;                 /* VMS_A_VADDR: in the file's terms */
	uint64_t bias;                  /* addr - vaddr */
	const char *section;            /* VMS_A_SECTION: ".text" ... */
	const char *symbol;             /* VMS_A_SYMBOL: nearest below */
	uint64_t symbol_offset;
	const char *debug_file;         /* where DWARF came from, or NULL */
	struct vms_frame *frames;       /* innermost (inlined) first */
	size_t nframes;
};

/*
 * Address lookups on one map.  The context caches each module's file,
 * symbols and DWARF, so many lookups cost one open per module.  It
 * borrows map and the strings of o.
 */
struct vms_addr_ctx;
struct vms_addr_ctx *vms_addr_ctx_new(const struct vms_map *map,
				      const struct vms_elf_opts *o,
				      struct vms_err *err);
void vms_addr_ctx_free(struct vms_addr_ctx *ctx);
/*
 * What is at addr; NULL only when memory runs out.  Missing files and
 * damaged debug information leave fields unknown, not an error.
 */
struct vms_addr *vms_addr_lookup(struct vms_addr_ctx *ctx, uint64_t addr,
				 struct vms_err *err);
void vms_addr_free(struct vms_addr *a);

/*
 * Diff (vmscope-diff(1)): what changed from map A to map B, usually one
 * program at two times or in two runs.  Regions are put in groups (a
 * module, a label, a named or a plain anonymous kind) and matched so that
 * ASLR and restarts do not show as changes; vms_diff_run() says how.
 *
 * The fields compared, with the JSON key of each.  dirty is
 * private_dirty + shared_dirty.
 */
#define VMS_DIFF_FIELDS(X)                                          \
	X(REGIONS, regions) X(SIZE, size) X(RSS, rss) X(PSS, pss)   \
	X(DIRTY, dirty) X(SWAP, swap) X(ANONYMOUS, anonymous)       \
	X(LOCKED, locked)

enum vms_diff_field {
#define VMS_DF_ENUM_(e, key) VMS_DF_##e,
	VMS_DIFF_FIELDS(VMS_DF_ENUM_)
#undef VMS_DF_ENUM_
	VMS_DF__COUNT
};
/* "rss" ... */
const char *vms_diff_field_name(enum vms_diff_field f);
/* The field called s (n bytes), or -1. */
int vms_diff_field_lookup(const char *s, size_t n);

#define VMS_DIFF_A 0x1u
#define VMS_DIFF_B 0x2u

/* A field on both sides; a side whose bit is clear in known is unknown. */
struct vms_diff_value {
	uint64_t a;
	uint64_t b;
	unsigned known;          /* VMS_DIFF_A | VMS_DIFF_B */
};

/* b - a (saturated) when both sides are known: 0, else -1. */
static inline int
vms_diff_delta(const struct vms_diff_value *v, int64_t *d)
{
	uint64_t m;

	if ((v->known & (VMS_DIFF_A | VMS_DIFF_B)) != (VMS_DIFF_A | VMS_DIFF_B))
		return -1;
	m = v->b >= v->a ? v->b - v->a : v->a - v->b;
	if (m > (uint64_t)INT64_MAX)
		m = (uint64_t)INT64_MAX;
	*d = v->b >= v->a ? (int64_t)m : -(int64_t)m;
	return 0;
}

#define VMS_DIFF_KINDS(X)                                          \
	X(MODULE, "module") X(LABEL, "label") X(NAMED, "named")     \
	X(ANON, "anonymous")

enum vms_diff_kind {
#define VMS_DK_ENUM_(e, s) VMS_DIFF_##e,
	VMS_DIFF_KINDS(VMS_DK_ENUM_)
#undef VMS_DK_ENUM_
	VMS_DIFF__KINDS
};
const char *vms_diff_kind_name(enum vms_diff_kind k);

/* One row of the table: a module, a label or a kind of anonymous memory. */
struct vms_diff_group {
	const char *name;        /* a module's path (B's when matched), a
	                          * label "[heap]", a kernel name
	                          * "[anon:x]", "[anon-shared]", "[anon]" */
	const char *name_a;      /* A's path when it differs, else NULL */
	enum vms_diff_kind kind;
	enum vms_label label;    /* VMS_DIFF_LABEL */
	unsigned in;             /* VMS_DIFF_A | VMS_DIFF_B: has regions */
	int changed;             /* a known delta not 0, or a change */
	const unsigned char *build_id_a; /* a module's, or NULL */
	size_t build_id_a_len;
	const unsigned char *build_id_b;
	size_t build_id_b_len;
	struct vms_diff_value v[VMS_DF__COUNT];
};

#define VMS_DIFF_CHANGES(X)                                           \
	X(ADDED, "added") X(REMOVED, "removed") X(RESIZED, "resized") \
	X(PROT, "prot") X(REPLACED, "replaced")

enum vms_diff_change_kind {
#define VMS_DC_ENUM_(e, s) VMS_DIFF_##e,
	VMS_DIFF_CHANGES(VMS_DC_ENUM_)
#undef VMS_DC_ENUM_
	VMS_DIFF__CHANGES
};
const char *vms_diff_change_name(enum vms_diff_change_kind k);

/*
 * A region added (a is NULL), removed (b is NULL), resized or whose
 * protection changed; a module replaced (the same path, other build-ids:
 * a and b are its first regions).
 */
struct vms_diff_change {
	enum vms_diff_change_kind kind;
	size_t group;            /* index in groups */
	const struct vms_region *a;  /* borrowed from map A, or NULL */
	const struct vms_region *b;  /* borrowed from map B, or NULL */
};

struct vms_diff_opts {
	unsigned flags;          /* VMS_DIFF_* */
};
#define VMS_DIFF_PATHS 0x1u      /* match modules by path only */

struct vms_diff {
	const struct vms_map *a;     /* borrowed: both maps must outlive */
	const struct vms_map *b;     /* the diff */
	struct vms_diff_group *groups;   /* largest RSS growth first */
	size_t ngroups;
	struct vms_diff_change *changes; /* by group, then address */
	size_t nchanges;
	struct vms_diff_value totals[VMS_DF__COUNT];
	int differs;             /* a change, or a known delta not 0 */
};

/*
 * Compare map a with map b (o may be NULL).  Matching, in order:
 * modules by build-id when both have one, then groups by path or label;
 * inside a matched group, regions of a module by offset in the module,
 * thread stacks and guards by tid then in address order, SysV segments by
 * shmid, then key, then order, memfds by name, other labels by address
 * then order, anonymous regions by start, then end address, then by size
 * and the nearest module or label below them.  Memory and time O(n log n).
 */
int vms_diff_run(const struct vms_map *a, const struct vms_map *b,
		 const struct vms_diff_opts *o, struct vms_diff **out,
		 struct vms_err *err);
void vms_diff_free(struct vms_diff *d);

/*
 * A threshold on a diff (--fail-if): [SCOPE.]FIELD OP VALUE, always about
 * the change B - A; the grammar is in vmscope-diff(1).
 */
enum vms_diff_op {
	VMS_DIFF_GT, VMS_DIFF_GE, VMS_DIFF_LT, VMS_DIFF_LE, VMS_DIFF_EQ,
	VMS_DIFF_NE,
};

struct vms_diff_expr {
	const char *text;        /* as given (borrowed) */
	const char *scope;       /* borrowed from text, or NULL: totals */
	size_t scope_len;
	enum vms_diff_field field;
	enum vms_diff_op op;
	int percent;             /* value / 10^scale percent of A */
	int64_t value;           /* bytes, a count, or the percentage */
	unsigned scale;          /* decimals of a percentage */
};

/* Parse s (which must outlive e): 0, or -1 with err (VMS_E_INVAL) set. */
int vms_diff_expr_parse(const char *s, struct vms_diff_expr *e,
			struct vms_err *err);
/*
 * 1 when the expression holds on d, 0 when not, -1 (err set) when it
 * cannot be evaluated: the field is unknown on a side
 * (VMS_E_UNSUPPORTED) or SCOPE names no group or label (VMS_E_NOENT).
 * The value compared goes to *v when v is not NULL.
 */
int vms_diff_expr_eval(const struct vms_diff_expr *e, const struct vms_diff *d,
		       struct vms_diff_value *v, struct vms_err *err);

/*
 * A trend: the RSS of every group in each of a sequence of maps (the
 * frames of a series), fed one map at a time so that only one is held.
 * Groups are matched by path or label alone.
 */
struct vms_trend_store;

struct vms_trend_row {
	const char *name;        /* as in struct vms_diff_group */
	enum vms_diff_kind kind;
	enum vms_label label;
	uint64_t *rss;           /* nframes values */
	unsigned char *known;    /* nframes flags: rss[i] is known */
	int growing;             /* 3 frames or more, all known, never
	                          * falling and last above first */
};

struct vms_trend {
	size_t nframes;
	struct vms_trend_row *rows;  /* after vms_trend_finish(): growing
	                              * first, then by growth */
	size_t nrows;
	const char **frames;     /* a name for each frame */
	struct vms_trend_store *store;
};

struct vms_trend *vms_trend_new(struct vms_err *err);
/* Add map as the next frame, named name (copied). */
int vms_trend_add(struct vms_trend *t, const struct vms_map *map,
		  const char *name, struct vms_err *err);
/* Flag the growing rows and sort. */
void vms_trend_finish(struct vms_trend *t);
void vms_trend_free(struct vms_trend *t);

/* Printing a diff or a trend: text, or JSON (vmscope-diff(1)). */
#define VMS_DIFF_PRINT_JSON 0x1u
#define VMS_DIFF_PRINT_PRETTY 0x2u   /* JSON indented */
#define VMS_DIFF_PRINT_ALL 0x4u      /* text: unchanged groups too */
int vms_diff_print(FILE *out, const struct vms_diff *d, unsigned flags);
int vms_trend_print(FILE *out, const struct vms_trend *t, unsigned flags);

/*
 * Views.  A view prints a map and knows nothing of where it came from.
 */
struct vms_view_opts {
	uint64_t lo;             /* with VMS_VIEW_RANGE: only regions that */
	uint64_t hi;             /* meet [lo, hi] (inclusive) */
	unsigned flags;          /* VMS_VIEW_* */
	int verbose;
};
#define VMS_VIEW_RANGE 0x01u     /* lo and hi apply (-A) */
#define VMS_VIEW_QUIET 0x02u     /* no header or total lines (-q) */
#define VMS_VIEW_WIDE 0x04u      /* never truncate */
#define VMS_VIEW_RAW 0x08u       /* names as the source gave them (-l) */
#define VMS_VIEW_FULLPATH 0x10u  /* full paths where a view shortens */
#define VMS_VIEW_SHARED 0x20u    /* count shared mappings too (-a) */
#define VMS_VIEW_ADDRESS 0x40u   /* lo is an address: show the region
                                  * holding it and its neighbours */

struct vms_view {
	const char *name;        /* "pmap", "pmap-x", "procmap-l", ... */
	unsigned needs;          /* VMS_OPEN_* flags the view needs */
	int (*print)(FILE *out, const struct vms_map *map,
		     const struct vms_view_opts *opts);
};

/* The view called name, or NULL. */
const struct vms_view *vms_view_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* VMSCOPE_VMSCOPE_H */
