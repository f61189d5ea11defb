/*
 * input.c - byte ranges of an input: a file read with pread(2), a buffer
 * in memory, or a forward-only stream (a pipe, or a file compressed with
 * gzip, zstd, xz or lz4, recognised by its magic number, not its name).
 *
 * Formats followed: RFC 1952 (gzip members, several allowed), RFC 8878
 * (zstd frames, skippable frames), the .xz file format 1.1.0 (streams,
 * the index at the end), the LZ4 frame format 1.6.x.
 *
 * A stream keeps the first PREFIX_MAX bytes it produced, so the headers and
 * notes at the start of a core can be read again in any order; beyond that
 * it reads forward only through a window of WIN_SIZE bytes.  Memory stays
 * bounded by those two sizes plus the largest range a reader asks for,
 * whatever the size of the input.  Every range is checked before it is
 * handed out; a stream whose size is not known yet checks it by trying.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "internal.h"

/*
 * zstd, xz and lz4 serve only cores compressed with them: their libraries
 * are loaded on first use (optlib.c), and called through these tables.
 */
#define ZSTD_FNS(X)                                                    \
	X(ZSTD_createDStream) X(ZSTD_decompressStream) X(ZSTD_freeDStream) \
	X(ZSTD_getErrorName) X(ZSTD_getFrameContentSize) X(ZSTD_isError)
#define LZMA_FNS(X)                                                    \
	X(lzma_code) X(lzma_end) X(lzma_stream_decoder)                \
	X(lzma_file_info_decoder) X(lzma_index_uncompressed_size)      \
	X(lzma_index_end)
#define LZ4_FNS(X)                                                     \
	X(LZ4F_createDecompressionContext) X(LZ4F_decompress)          \
	X(LZ4F_freeDecompressionContext) X(LZ4F_getErrorName)          \
	X(LZ4F_getFrameInfo) X(LZ4F_isError)                           \
	X(LZ4F_resetDecompressionContext)

static struct { ZSTD_FNS(VMS_OPTLIB_FN_PTR) } zstd_fn;
static struct { LZMA_FNS(VMS_OPTLIB_FN_PTR) } xz_fn;
static struct { LZ4_FNS(VMS_OPTLIB_FN_PTR) } lz4_fn;

#define SLOT_ZSTD(f) (void **)&zstd_fn.f,
#define SLOT_LZMA(f) (void **)&xz_fn.f,
#define SLOT_LZ4(f) (void **)&lz4_fn.f,
static const char *const zstd_names[] = {ZSTD_FNS(VMS_OPTLIB_FN_NAME)};
static void **const zstd_slots[] = {ZSTD_FNS(SLOT_ZSTD)};
static const char *const xz_names[] = {LZMA_FNS(VMS_OPTLIB_FN_NAME)};
static void **const xz_slots[] = {LZMA_FNS(SLOT_LZMA)};
static const char *const lz4_names[] = {LZ4_FNS(VMS_OPTLIB_FN_NAME)};
static void **const lz4_slots[] = {LZ4_FNS(SLOT_LZ4)};

/* By enum comp: none and gzip (zlib is linked) need no loading. */
static struct vms_optlib codec_libs[] = {
	{0},
	{0},
	VMS_OPTLIB_INIT(VMS_SONAME_ZSTD, zstd_names, zstd_slots),
	VMS_OPTLIB_INIT(VMS_SONAME_LZMA, xz_names, xz_slots),
	VMS_OPTLIB_INIT(VMS_SONAME_LZ4, lz4_names, lz4_slots),
};

#define PREFIX_MAX ((size_t)16 << 20)
#define PREFIX_STEP ((size_t)64 << 10)
#define WIN_SIZE ((size_t)1 << 20)
#define RAW_SIZE ((size_t)128 << 10)
#define LZMA_MEMLIMIT ((uint64_t)1 << 30)

enum comp { C_NONE, C_GZIP, C_ZSTD, C_XZ, C_LZ4 };

static const char *const comp_names[] = {NULL, "gzip", "zstd", "xz", "lz4"};

/* The library that decodes comp, loaded; 0, or -1 with err set. */
static int
codec_load(const char *name, enum comp comp, struct vms_err *err)
{
	char what[PATH_MAX + 32];

	if (codec_libs[comp].built == NULL)
		return 0;
	snprintf(what, sizeof(what), "%s: %s-compressed", name,
		 comp_names[comp]);
	return vms_optlib_load(&codec_libs[comp], what, err);
}

int
vms_input_codec_soname(const char *comp, const char *soname)
{
	for (size_t i = 0; i < sizeof(codec_libs) / sizeof(codec_libs[0]);
	     i++) {
		if (codec_libs[i].built == NULL ||
		    strcmp(comp, comp_names[i]) != 0)
			continue;
		vms_optlib_soname(&codec_libs[i], soname);
		return 0;
	}
	return -1;
}

struct stream {
	enum comp comp;
	int seekable; /* raw bytes come from pread, not read */
	/* Compressed side: read in order, rawoff counts what was read. */
	unsigned char *raw;
	size_t rawpos;
	size_t rawlen;
	uint64_t rawoff;
	int raweof;
	/* Decoders; only the one of `comp' is live. */
	z_stream z;
	int zinit;
	ZSTD_DStream *zs;
	lzma_stream lz;
	int lzinit;
	LZ4F_dctx *l4;
	int midframe; /* the decoder holds an unfinished frame */
	int eof;      /* all the data has been produced */
	int failed;   /* err holds the first failure */
	struct vms_err err;
	/* Decompressed side. */
	uint64_t pos;	       /* bytes produced so far */
	unsigned char *prefix; /* [0, plen) */
	size_t plen;
	size_t pcap;
	unsigned char *win; /* [wstart, wstart + wlen) */
	size_t wlen;
	uint64_t wstart;
};

struct vms_input {
	const char *name;
	int fd; /* -1 for a buffer */
	int ownfd;
	const unsigned char *mem;
	uint64_t size;	    /* UINT64_MAX while not known */
	unsigned char *buf; /* what vms_input_get() hands out */
	size_t bufcap;
	struct stream *st; /* NULL unless a stream */
	char namebuf[];
};

static struct vms_input *
input_new(const char *name, struct vms_err *err)
{
	size_t n = strlen(name);
	struct vms_input *in = calloc(1, sizeof(*in) + n + 1);

	if (in == NULL) {
		vms_err_nomem(err);
		return NULL;
	}
	memcpy(in->namebuf, name, n + 1);
	in->name = in->namebuf;
	in->fd = -1;
	return in;
}

struct vms_input *
vms_input_open_mem(const void *buf, size_t len, const char *name,
		   struct vms_err *err)
{
	struct vms_input *in = input_new(name, err);

	if (in == NULL)
		return NULL;
	in->mem = buf;
	in->size = len;
	return in;
}

/* Record the first failure of a stream; later calls repeat it. */
static int
st_fail(struct vms_input *in, enum vms_errcode code, int sys, const char *what,
	struct vms_err *err)
{
	struct stream *st = in->st;

	if (!st->failed) {
		vms_err_set(
			&st->err, code, sys,
			"%s: %s stream at compressed offset 0x%" PRIx64 ": %s",
			in->name,
			comp_names[st->comp] ? comp_names[st->comp] : "input",
			st->rawoff, what);
		st->failed = 1;
	}
	if (err != NULL)
		*err = st->err;
	return -1;
}

/*
 * At least need compressed bytes in raw (fewer only at the end of the
 * input); what is left is moved to the front first.
 */
static int
raw_need(struct vms_input *in, size_t need, struct vms_err *err)
{
	struct stream *st = in->st;
	ssize_t got;

	while (st->rawlen - st->rawpos < need && !st->raweof) {
		if (st->rawpos > 0) {
			memmove(st->raw, st->raw + st->rawpos,
				st->rawlen - st->rawpos);
			st->rawlen -= st->rawpos;
			st->rawpos = 0;
		}
		if (st->seekable)
			got = pread(in->fd, st->raw + st->rawlen,
				    RAW_SIZE - st->rawlen, (off_t)st->rawoff);
		else
			got = read(in->fd, st->raw + st->rawlen,
				   RAW_SIZE - st->rawlen);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			return st_fail(in, VMS_E_IO, e, strerror(e), err);
		}
		if (got == 0)
			st->raweof = 1;
		st->rawlen += (size_t)got;
		st->rawoff += (uint64_t)got;
	}
	return 0;
}

static int
truncated(struct vms_input *in, struct vms_err *err)
{
	return st_fail(in, VMS_E_TRUNCATED, 0,
		       "ends in the middle of a frame (truncated file?)", err);
}

static int
corrupt(struct vms_input *in, const char *what, int sys, struct vms_err *err)
{
	return st_fail(in, VMS_E_CORRUPT, sys, what, err);
}

/*
 * Decompress up to cap bytes into dst: the count, 0 at the end of the
 * data, -1 on failure.  Trailing bytes after the last complete frame that
 * do not start another frame are ignored, as gzip(1) does with padding.
 */
static ssize_t
produce(struct vms_input *in, unsigned char *dst, size_t cap,
	struct vms_err *err)
{
	struct stream *st = in->st;
	size_t done = 0;

	if (st->failed)
		return st_fail(in, VMS_E_IO, 0, "", err);
	if (cap > SSIZE_MAX)
		cap = SSIZE_MAX;
	while (done == 0 && !st->eof) {
		size_t avail, used = 0, made = 0;
		const unsigned char *src;

		if (raw_need(in, st->comp == C_GZIP ? 2 : 1, err) < 0)
			return -1;
		avail = st->rawlen - st->rawpos;
		src = st->raw + st->rawpos;
		/* xz learns that its input has ended from LZMA_FINISH. */
		if (avail == 0 && st->raweof && st->comp != C_XZ) {
			if (st->midframe)
				return truncated(in, err);
			st->eof = 1;
			break;
		}
		switch (st->comp) {
		case C_NONE:
			made = used = avail < cap ? avail : cap;
			memcpy(dst, src, made);
			break;
		case C_GZIP: {
			int r;

			if (!st->midframe &&
			    (avail < 2 || src[0] != 0x1f || src[1] != 0x8b)) {
				st->eof = 1;
				break;
			}
			if (!st->midframe && inflateReset(&st->z) != Z_OK)
				return corrupt(in, "inflateReset failed", 0,
					       err);
			st->midframe = 1;
			st->z.next_in = (unsigned char *)src;
			st->z.avail_in =
				(uInt)(avail > UINT_MAX ? UINT_MAX : avail);
			st->z.next_out = dst;
			st->z.avail_out =
				(uInt)(cap > UINT_MAX ? UINT_MAX : cap);
			r = inflate(&st->z, Z_NO_FLUSH);
			used = (size_t)(st->z.next_in - src);
			made = (size_t)(st->z.next_out - dst);
			if (r == Z_STREAM_END)
				st->midframe = 0;
			else if (r == Z_MEM_ERROR)
				return vms_err_nomem(err);
			else if (r != Z_OK && r != Z_BUF_ERROR)
				return corrupt(
					in, st->z.msg ? st->z.msg : "bad data",
					r, err);
			break;
		}
		case C_ZSTD: {
			ZSTD_inBuffer ib = {src, avail, 0};
			ZSTD_outBuffer ob = {dst, cap, 0};
			size_t r = zstd_fn.ZSTD_decompressStream(st->zs, &ob, &ib);

			if (zstd_fn.ZSTD_isError(r))
				return corrupt(in, zstd_fn.ZSTD_getErrorName(r), 0,
					       err);
			used = ib.pos;
			made = ob.pos;
			st->midframe = r != 0;
			break;
		}
		case C_XZ: {
			lzma_ret r;

			st->lz.next_in = src;
			st->lz.avail_in = avail;
			st->lz.next_out = dst;
			st->lz.avail_out = cap;
			r = xz_fn.lzma_code(&st->lz,
				      st->raweof ? LZMA_FINISH : LZMA_RUN);
			used = (size_t)(st->lz.next_in - src);
			made = (size_t)(st->lz.next_out - dst);
			st->midframe = 1;
			if (r == LZMA_STREAM_END) {
				st->midframe = 0;
				st->eof = 1;
			} else if (r == LZMA_MEM_ERROR) {
				return vms_err_nomem(err);
			} else if (r == LZMA_BUF_ERROR && st->raweof) {
				return truncated(in, err);
			} else if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
				return corrupt(in,
					       r == LZMA_MEMLIMIT_ERROR
						       ? "needs too much memory"
						       : "bad data",
					       (int)r, err);
			}
			break;
		}
		case C_LZ4: {
			size_t dl = cap, sl = avail;
			size_t r = lz4_fn.LZ4F_decompress(st->l4, dst, &dl, src,
						       &sl, NULL);

			if (lz4_fn.LZ4F_isError(r))
				return corrupt(in, lz4_fn.LZ4F_getErrorName(r), (int)r,
					       err);
			used = sl;
			made = dl;
			st->midframe = r != 0;
			break;
		}
		}
		st->rawpos += used;
		done += made;
		/* A decoder that neither eats nor makes with input at hand
		 * is stuck on bad data, or waits for input that will not
		 * come. */
		if (used == 0 && made == 0 && !st->eof) {
			if (st->raweof)
				return truncated(in, err);
			return corrupt(in, "no progress", 0, err);
		}
	}
	st->pos += done;
	if (st->eof)
		in->size = st->pos;
	return (ssize_t)done;
}

/* Grow the prefix so that it holds [0, want) or is full. */
static int
fill_prefix(struct vms_input *in, uint64_t want, struct vms_err *err)
{
	struct stream *st = in->st;

	while (!st->eof && st->plen < want && st->plen < PREFIX_MAX) {
		size_t target = st->plen + PREFIX_STEP;
		ssize_t got;

		if (want > target)
			target = want > PREFIX_MAX ? PREFIX_MAX : (size_t)want;
		if (target > PREFIX_MAX)
			target = PREFIX_MAX;
		if (target > st->pcap) {
			size_t ncap = st->pcap ? st->pcap : PREFIX_STEP;
			unsigned char *p;

			while (ncap < target)
				ncap *= 2;
			if (ncap > PREFIX_MAX)
				ncap = PREFIX_MAX;
			p = realloc(st->prefix, ncap);
			if (p == NULL)
				return vms_err_nomem(err);
			st->prefix = p;
			st->pcap = ncap;
		}
		got = produce(in, st->prefix + st->plen, target - st->plen,
			      err);
		if (got < 0)
			return -1;
		st->plen += (size_t)got;
	}
	if (st->wlen == 0)
		st->wstart = st->plen;
	return 0;
}

static int
past_end(struct vms_input *in, uint64_t off, size_t n, struct vms_err *err)
{
	return vms_err_set(err, VMS_E_TRUNCATED, 0,
			   "%s: %zu bytes at 0x%" PRIx64
			   " lie past the end (0x%" PRIx64 ")",
			   in->name, n, off, in->size);
}

/* [off, off + n) of a stream, reading forward as needed. */
static const void *
stream_get(struct vms_input *in, uint64_t off, size_t n, struct vms_err *err)
{
	struct stream *st = in->st;
	uint64_t end = off + n, cur;
	size_t got = 0;

	if (fill_prefix(in, end, err) < 0)
		return NULL;
	if (end <= st->plen)
		return st->prefix + off;
	if (st->eof && end > st->pos) {
		past_end(in, off, n, err);
		return NULL;
	}
	if (vms_grow((void **)&in->buf, &in->bufcap, n, 1, err) < 0)
		return NULL;
	cur = off;
	if (off < st->plen) {
		got = st->plen - (size_t)off;
		memcpy(in->buf, st->prefix + off, got);
		cur = st->plen;
	}
	if (cur < st->wstart) {
		vms_err_set(err, VMS_E_UNSUPPORTED, 0,
			    "%s: cannot go back to 0x%" PRIx64
			    " in a stream already read to 0x%" PRIx64
			    " (decompress the file first)",
			    in->name, cur, st->pos);
		return NULL;
	}
	for (;;) {
		uint64_t wend = st->wstart + st->wlen;
		ssize_t made;

		if (cur < wend) {
			size_t k = (size_t)((end < wend ? end : wend) - cur);

			memcpy(in->buf + got, st->win + (cur - st->wstart), k);
			got += k;
			cur += k;
		}
		if (cur == end)
			break;
		if (st->win == NULL && (st->win = malloc(WIN_SIZE)) == NULL) {
			vms_err_nomem(err);
			return NULL;
		}
		st->wstart = st->pos;
		st->wlen = 0;
		made = produce(in, st->win, WIN_SIZE, err);
		if (made < 0)
			return NULL;
		if (made == 0) {
			past_end(in, off, n, err);
			return NULL;
		}
		st->wlen = (size_t)made;
	}
	return in->buf;
}

/*
 * The uncompressed size an .xz file declares in its index, read from the
 * end of a seekable file; UINT64_MAX when it cannot be read (the stream
 * itself will then tell what is wrong).
 */
static uint64_t
xz_size(int fd, uint64_t filesize)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_index *idx = NULL;
	unsigned char buf[8192];
	uint64_t pos = 0, size = UINT64_MAX;
	lzma_ret r;

	if (xz_fn.lzma_file_info_decoder(&s, &idx, LZMA_MEMLIMIT, filesize) !=
	    LZMA_OK)
		return UINT64_MAX;
	for (;;) {
		if (s.avail_in == 0) {
			ssize_t got = pread(fd, buf, sizeof(buf), (off_t)pos);

			if (got < 0)
				break;
			s.next_in = buf;
			s.avail_in = (size_t)got;
			pos += (uint64_t)got;
		}
		r = xz_fn.lzma_code(&s, LZMA_RUN);
		if (r == LZMA_SEEK_NEEDED) {
			pos = s.seek_pos;
			s.avail_in = 0;
			continue;
		}
		if (r == LZMA_STREAM_END) {
			size = xz_fn.lzma_index_uncompressed_size(idx);
			break;
		}
		if (r != LZMA_OK)
			break;
	}
	xz_fn.lzma_index_end(idx, NULL);
	xz_fn.lzma_end(&s);
	return size;
}

static enum comp
sniff(const unsigned char *p, size_t n)
{
	static const unsigned char xz[] = {0xfd, '7', 'z', 'X', 'Z', 0};

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return C_GZIP;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
	    p[3] == 0xfd)
		return C_ZSTD;
	if (n >= 6 && memcmp(p, xz, 6) == 0)
		return C_XZ;
	if (n >= 4 && p[0] == 0x04 && p[1] == 0x22 && p[2] == 0x4d &&
	    p[3] == 0x18)
		return C_LZ4;
	return C_NONE;
}

static int
decoder_init(struct vms_input *in, uint64_t filesize, struct vms_err *err)
{
	struct stream *st = in->st;
	const unsigned char *p = st->raw + st->rawpos;
	size_t n = st->rawlen - st->rawpos;

	switch (st->comp) {
	case C_NONE:
		break;
	case C_GZIP:
		if (inflateInit2(&st->z, 15 + 16) != Z_OK)
			return vms_err_nomem(err);
		st->zinit = 1;
		break;
	case C_ZSTD: {
		unsigned long long cs = zstd_fn.ZSTD_getFrameContentSize(p, n);

		st->zs = zstd_fn.ZSTD_createDStream();
		if (st->zs == NULL)
			return vms_err_nomem(err);
		/* The size a single frame declares, as zstd(1) and
		 * systemd-coredump write it. */
		if (cs != ZSTD_CONTENTSIZE_UNKNOWN &&
		    cs != ZSTD_CONTENTSIZE_ERROR)
			in->size = cs;
		break;
	}
	case C_XZ:
		if (xz_fn.lzma_stream_decoder(&st->lz, LZMA_MEMLIMIT,
					LZMA_CONCATENATED) != LZMA_OK)
			return vms_err_nomem(err);
		st->lzinit = 1;
		if (st->seekable)
			in->size = xz_size(in->fd, filesize);
		break;
	case C_LZ4: {
		LZ4F_frameInfo_t fi;
		size_t sl = n, r;

		if (lz4_fn.LZ4F_isError(lz4_fn.LZ4F_createDecompressionContext(
			    &st->l4, LZ4F_VERSION)))
			return vms_err_nomem(err);
		memset(&fi, 0, sizeof(fi));
		r = lz4_fn.LZ4F_getFrameInfo(st->l4, &fi, p, &sl);
		/* getFrameInfo consumed the header; start again clean. */
		lz4_fn.LZ4F_resetDecompressionContext(st->l4);
		if (!lz4_fn.LZ4F_isError(r) && fi.contentSize != 0)
			in->size = fi.contentSize;
		break;
	}
	}
	return 0;
}

/* Turn an open input into a stream (a pipe, or compressed data). */
static int
stream_start(struct vms_input *in, int seekable, uint64_t filesize,
	     struct vms_err *err)
{
	struct stream *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return vms_err_nomem(err);
	in->st = st;
	st->seekable = seekable;
	st->raw = malloc(RAW_SIZE);
	if (st->raw == NULL)
		return vms_err_nomem(err);
	/* Enough bytes for the magic, even from a pipe that trickles. */
	if (raw_need(in, 6, err) < 0)
		return -1;
	st->comp = sniff(st->raw, st->rawlen);
	in->size = UINT64_MAX;
	if (codec_load(in->name, st->comp, err) < 0)
		return -1;
	return decoder_init(in, filesize, err);
}

struct vms_input *
vms_input_open_file(const char *path, struct vms_err *err)
{
	int isstdin = strcmp(path, "-") == 0;
	struct vms_input *in;
	unsigned char magic[6];
	struct stat st;
	ssize_t got;
	int fd;

	fd = isstdin ? 0 : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		vms_err_set(err,
			    e == ENOENT	  ? VMS_E_NOENT
			    : e == EACCES ? VMS_E_PERM
					  : VMS_E_IO,
			    e, "%s: %s", path, strerror(e));
		return NULL;
	}
	in = input_new(isstdin ? "<stdin>" : path, err);
	if (in == NULL) {
		if (!isstdin)
			close(fd);
		return NULL;
	}
	in->fd = fd;
	in->ownfd = !isstdin;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		vms_err_set(err, VMS_E_UNSUPPORTED, 0,
			    "%s: not a regular file or a pipe", in->name);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		if (stream_start(in, 0, UINT64_MAX, err) < 0)
			goto fail;
		return in;
	}
	in->size = (uint64_t)st.st_size;
	got = pread(fd, magic, sizeof(magic), 0);
	if (got < 0) {
		vms_err_set(err, VMS_E_IO, errno, "%s: %s", in->name,
			    strerror(errno));
		goto fail;
	}
	if (sniff(magic, (size_t)got) != C_NONE &&
	    stream_start(in, 1, (uint64_t)st.st_size, err) < 0)
		goto fail;
	return in;
fail:
	vms_input_close(in);
	return NULL;
}

void
vms_input_close(struct vms_input *in)
{
	struct stream *st;

	if (in == NULL)
		return;
	st = in->st;
	if (st != NULL) {
		if (st->zinit)
			inflateEnd(&st->z);
		if (st->zs != NULL)
			zstd_fn.ZSTD_freeDStream(st->zs);
		if (st->lzinit)
			xz_fn.lzma_end(&st->lz);
		if (st->l4 != NULL)
			lz4_fn.LZ4F_freeDecompressionContext(st->l4);
		free(st->raw);
		free(st->prefix);
		free(st->win);
		free(st);
	}
	if (in->ownfd)
		close(in->fd);
	free(in->buf);
	free(in);
}

const char *
vms_input_name(const struct vms_input *in)
{
	return in->name;
}

const char *
vms_input_compression(const struct vms_input *in)
{
	return in->st != NULL ? comp_names[in->st->comp] : NULL;
}

uint64_t
vms_input_size(const struct vms_input *in)
{
	return in->size;
}

int
vms_input_size_known(const struct vms_input *in)
{
	return in->size != UINT64_MAX;
}

ssize_t
vms_input_read(struct vms_input *in, uint64_t off, void *buf, size_t n,
	       struct vms_err *err)
{
	size_t done = 0;

	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	if (in->st != NULL) {
		const void *p;

		if (off >= in->size || n == 0)
			return 0;
		if (n > in->size - off)
			n = (size_t)(in->size - off);
		p = stream_get(in, off, n, err);
		/* The end may have turned up on the way: copy what is
		 * there. */
		if (p == NULL && in->st->eof && !in->st->failed &&
		    off < in->size && n > in->size - off) {
			n = (size_t)(in->size - off);
			p = stream_get(in, off, n, err);
		}
		if (p == NULL)
			return in->st->eof && off >= in->size ? 0 : -1;
		memcpy(buf, p, n);
		return (ssize_t)n;
	}
	if (off >= in->size || n == 0)
		return 0;
	if (n > in->size - off)
		n = (size_t)(in->size - off);
	if (in->mem != NULL) {
		memcpy(buf, in->mem + off, n);
		return (ssize_t)n;
	}
	while (done < n) {
		ssize_t got = pread(in->fd, (char *)buf + done, n - done,
				    (off_t)(off + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return vms_err_set(err, VMS_E_IO, errno,
					   "%s: read at 0x%" PRIx64 ": %s",
					   in->name, off + done,
					   strerror(errno));
		if (got == 0)
			break;
		done += (size_t)got;
	}
	return (ssize_t)done;
}

const void *
vms_input_get(struct vms_input *in, uint64_t off, size_t n, struct vms_err *err)
{
	ssize_t got;

	if (off > in->size || n > in->size - off) {
		past_end(in, off, n, err);
		return NULL;
	}
	if (in->st != NULL) {
		if (n == 0)
			return in->st->raw;
		return stream_get(in, off, n, err);
	}
	if (in->mem != NULL)
		return in->mem + off;
	if (vms_grow((void **)&in->buf, &in->bufcap, n ? n : 1, 1, err) < 0)
		return NULL;
	got = vms_input_read(in, off, in->buf, n, err);
	if (got < 0)
		return NULL;
	if ((size_t)got != n) {
		vms_err_set(err, VMS_E_TRUNCATED, 0,
			    "%s: short read at 0x%" PRIx64, in->name, off);
		return NULL;
	}
	return in->buf;
}

int
vms_input_reopen_check(const char *path, struct vms_err *err)
{
	int isstdin = strcmp(path, "-") == 0;
	struct stat st;

	/* What cannot be stat'ed fails again when it is opened, and says
	 * why there. */
	if ((isstdin ? fstat(STDIN_FILENO, &st) : stat(path, &st)) < 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	      S_ISCHR(st.st_mode)))
		return 0;
	return vms_err_set(err, VMS_E_UNSUPPORTED, 0,
			   "%s: a pipe is read only once, and contents are "
			   "read from it a second time (give a file)",
			   isstdin ? "standard input" : path);
}
