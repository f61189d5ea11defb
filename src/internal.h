/*
 * internal.h - what the library's own files share and users do not see:
 * growth and error helpers, the input abstraction and the reader table.
 */
#ifndef VMSCOPE_INTERNAL_H
#define VMSCOPE_INTERNAL_H

#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/vmscope.h"

#define VMS_MAX_WARNINGS 64
#define VMS_DEFAULT_RETRIES 4
#define VMS_BUILD_ID_MAX 64     /* longest build-id taken from a note */

/* Fixed-width reads in a given byte order (be: most significant first). */
static inline uint16_t
vms_get16(int be, const unsigned char *p)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t
vms_get32(int be, const unsigned char *p)
{
	if (be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t
vms_get64(int be, const unsigned char *p)
{
	uint64_t a = vms_get32(be, p), b = vms_get32(be, p + 4);

	return be ? a << 32 | b : b << 32 | a;
}

/* Grow *arr to hold need elements of elem bytes (doubling). */
int vms_grow(void **arr, size_t *cap, size_t need, size_t elem,
	     struct vms_err *err);
int vms_err_nomem(struct vms_err *err);
/*
 * vms_map_warn(), and when memory runs out the error in err: for damage
 * that leaves the map usable, where only out of memory stops reading.
 */
int vms_map_warn_err(struct vms_map *map, struct vms_err *err,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Labelling as a reader goes (label.c): vms_map_label_upto(map, n) says
 * that regions [0, n) are complete and final, in this order; n == 0
 * forgets what was labelled (the reader dropped its regions to read
 * again).  vms_map_finish() labels the rest and what needs the whole map.
 */
struct vms_label_state {
	size_t n;                /* regions labelled, in order */
	int kernel_names;        /* one of them had a kernel name */
	int broken;              /* out of order: finish does it all */
};

struct vms_label_state *vms_map_label_state(struct vms_map *map);
void vms_map_label_upto(struct vms_map *map, size_t n);
/* Label regions [from, n) and then what needs the whole map. */
int vms_map_label_rest(struct vms_map *map, size_t from, struct vms_err *err);

/*
 * An input: bytes at offsets, whatever holds them (a file, a buffer, a
 * decompressing stream).  Readers touch input bytes only through
 * vms_input_get(), which checks every range against the input.
 */
struct vms_input;

/* Open a file ("-" is standard input), peeling off compression. */
struct vms_input *vms_input_open_file(const char *path, struct vms_err *err);
/* Borrow a buffer; it must outlive the input. */
struct vms_input *vms_input_open_mem(const void *buf, size_t len,
				     const char *name, struct vms_err *err);
void vms_input_close(struct vms_input *in);
/* The name for messages. */
const char *vms_input_name(const struct vms_input *in);
/* "elf", "gzip", ...: the compression peeled off, or NULL. */
const char *vms_input_compression(const struct vms_input *in);
/*
 * n bytes at off, valid until the next call on this input; NULL with err
 * set (VMS_E_TRUNCATED) when the range is not all in the input.
 */
const void *vms_input_get(struct vms_input *in, uint64_t off, size_t n,
			  struct vms_err *err);
/*
 * Copy up to n bytes at off into buf; the count copied (short only at the
 * end of the input), or -1 with err set.
 */
ssize_t vms_input_read(struct vms_input *in, uint64_t off, void *buf,
		       size_t n, struct vms_err *err);
/*
 * The size, when known: files and buffers; a stream once it has been read
 * to its end, or when its format declares the size (xz index, zstd or lz4
 * frame header).  UINT64_MAX otherwise.
 */
uint64_t vms_input_size(const struct vms_input *in);
int vms_input_size_known(const struct vms_input *in);
/*
 * Can path ("-": standard input) be opened a second time for the same
 * bytes, as contents are read after the map?  0, or -1 (err set,
 * VMS_E_UNSUPPORTED) for a pipe, a socket or a terminal.
 */
int vms_input_reopen_check(const char *path, struct vms_err *err);
/*
 * A library loaded with dlopen() on first use (optlib.c).  Its user keeps
 * a table of function pointers typed from the library's header, and
 * describes it here: the soname from the build, each function's name and
 * the slot of the table that receives it.
 */
struct vms_optlib {
	const char *built;       /* the build's soname */
	const char *const *names;
	void **const *slots;
	size_t n;
	pthread_mutex_t mu;
	const char *soname;      /* what is loaded: built, or a test's */
	int state;               /* 0 not tried, 1 loaded, -1 failed */
	char why[256];           /* the dlopen() or dlsym() failure */
};
#define VMS_OPTLIB_FN_PTR(f) __typeof__(f) *f;
#define VMS_OPTLIB_FN_NAME(f) #f,
#define VMS_OPTLIB_INIT(soname, names, slots)                          \
	{soname, names, slots, sizeof(names) / sizeof(names[0]),        \
	 PTHREAD_MUTEX_INITIALIZER, NULL, 0, ""}
/*
 * Load l once (all callers share the outcome); 0, or -1 with err set to
 * "WHAT, and SONAME cannot be loaded: WHY" (VMS_E_UNSUPPORTED).
 */
int vms_optlib_load(struct vms_optlib *l, const char *what,
		    struct vms_err *err);
/* For tests: load l from soname (NULL: the build's), tried anew. */
void vms_optlib_soname(struct vms_optlib *l, const char *soname);

/*
 * For tests: load the library of compression comp ("zstd", "xz", "lz4")
 * from soname (NULL: the build's) from now on, and try again at the next
 * use.  Not while an input of that kind is open.  0, or -1 for an
 * unknown comp.
 */
int vms_input_codec_soname(const char *comp, const char *soname);

/*
 * A reader.  probe answers 1 (mine), 0 (not mine) or -1 (err set); load
 * fills map, and vms_open() then runs vms_map_finish() on it.
 */
struct vms_reader {
	const char *name;
	int (*probe)(struct vms_input *in, struct vms_err *err);
	int (*load)(struct vms_map *map, struct vms_input *in,
		    const struct vms_open_opts *o, struct vms_err *err);
};

/* The file readers, exact magic first; NULL-terminated. */
extern const struct vms_reader *const vms_readers[];

/* The readers, each in its own file under formats/. */
extern const struct vms_reader vms_reader_elfcore;
extern const struct vms_reader vms_reader_macho;
extern const struct vms_reader vms_reader_snapshot;

/*
 * The parser of /proc/PID/maps and /proc/PID/smaps text (procmaps.c), fed
 * in pieces so that a 50 MB smaps never sits in memory whole.
 */
struct vms_maps_parser {
	struct vms_map *map;
	const char *name;        /* for messages: "/proc/42/smaps" */
	int smaps;               /* key lines follow each header */
	uint64_t line;           /* current line number, from 1 */
	size_t cur;              /* index of the region keys go to, +1 */
	size_t next_key;         /* the smaps key expected next */
	int check;               /* compare headers with the map, add none */
	size_t checked;          /* check: headers compared so far */
	int differs;             /* check: a header did not match */
	/*
	 * The last name seen, as the text gave it, and what it became: a
	 * library's segments, or one file mapped many times, repeat it.
	 */
	char last_raw[128];
	size_t last_len;         /* 0: nothing kept */
	const char *last_value;  /* interned */
	int last_is_path;        /* else a bracketed name */
	int last_deleted;        /* it carried " (deleted)" */
};

void vms_maps_parser_init(struct vms_maps_parser *p, struct vms_map *map,
			  int smaps, const char *name);
/*
 * Parse the complete lines in buf (all of it when eof); the count of bytes
 * consumed, or -1 with err set.  The caller keeps the rest for later.
 */
ssize_t vms_maps_parser_feed(struct vms_maps_parser *p, const char *buf,
			     size_t len, int eof, struct vms_err *err);

/*
 * Check mode: each header is compared with the map's regions in order and
 * nothing is added; differs is set on the first mismatch.  The live
 * reader uses it to see whether the map changed while it read smaps.
 */
void vms_maps_parser_check(struct vms_maps_parser *p, struct vms_map *map,
			   const char *name);

/*
 * Reading a file in a second thread while the caller parses (readahead.c).
 * vms_ra_next() hands the next piece of text: the caller's unparsed tail
 * of the previous piece (tail, n; at most VMS_RA_CARRY bytes) followed by
 * what came since; *eof on the last piece.  Its length, or -1 with
 * *errnum set.
 */
#define VMS_RA_CARRY (64 * 1024)
struct vms_ra;
struct vms_ra *vms_ra_start(int fd, struct vms_err *err);
ssize_t vms_ra_next(struct vms_ra *ra, const char *tail, size_t n,
		    const char **text, int *eof, int *errnum);
void vms_ra_stop(struct vms_ra *ra);

/* The live reader (src/live.c). */
int vms_live_load(struct vms_map *map, int64_t pid,
		  const struct vms_open_opts *o, struct vms_err *err);
/*
 * Page state of a live process (src/pages.c): map->pages for its regions,
 * from the pagemap of the /proc/PID directory dirfd.
 */
int vms_live_pages(struct vms_map *map, int dirfd, struct vms_err *err);
/*
 * The first range [*s, *e) of populated (present or swapped) pages in
 * [lo, hi), through the pagemap fd: 1, or 0 with *s = *e where to look
 * on (the search may stop early).
 */
int vms_pages_next(int fd, uint64_t lo, uint64_t hi, uint64_t page,
		   uint64_t *s, uint64_t *e);

/*
 * Region contents (src/contents.c), read for the snapshot writer in
 * pieces of at most VMS_CONTENTS_PIECE bytes.  Up to n bytes of region r
 * from off on: the count read, without a gap; 0 when the bytes at off
 * cannot be read, with *skip set to how many to pass over; -1 with err
 * set when writing must stop.
 */
#define VMS_CONTENTS_PIECE ((size_t)1 << 20)
ssize_t vms_contents_read(struct vms_contents *c, const struct vms_region *r,
			  uint64_t off, void *buf, size_t n, uint64_t *skip,
			  struct vms_err *err);

/*
 * The contents a snapshot holds (formats/snapshot.c), for contents.c: the
 * CONT chunks of the frame map was read from (map->source.frame), noted
 * when opened and read back with the contract of vms_contents_read(),
 * one inflated chunk at a time.  The snapshot is path, or when path is
 * NULL the len bytes at buf (which must outlive the reader), named name
 * in messages.
 */
struct vms_snapcont;
struct vms_snapcont *vms_snapcont_open(const struct vms_map *map,
				       const char *path, const void *buf,
				       size_t len, const char *name,
				       struct vms_err *err);
ssize_t vms_snapcont_read(struct vms_snapcont *s, const struct vms_region *r,
			  uint64_t off, void *buf, size_t n, uint64_t *skip,
			  struct vms_err *err);
void vms_snapcont_close(struct vms_snapcont *s);

/* Build-ids of the mapped ELF files (src/buildid.c). */
int vms_live_build_ids(struct vms_map *map, int dirfd, struct vms_err *err);

/*
 * The NT_GNU_BUILD_ID note in n bytes of ELF notes (one PT_NOTE's
 * contents) in byte order be, aligned to align (8, else 4), copied to out
 * (VMS_BUILD_ID_MAX bytes): its length, or 0.  A note that overruns the
 * notes, or a build-id note of 0 or more than VMS_BUILD_ID_MAX bytes,
 * ends the search with 0 (src/elfnote.c).
 */
size_t vms_note_build_id(const unsigned char *notes, size_t n, int be,
			 unsigned align, unsigned char *out);
/* n bytes of id as 2n lowercase hex digits and a NUL in dst. */
void vms_build_id_hex(char *dst, const unsigned char *id, size_t n);

#endif /* VMSCOPE_INTERNAL_H */
