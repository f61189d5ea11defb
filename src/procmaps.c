/*
 * procmaps.c - parse the text of /proc/PID/maps and /proc/PID/smaps
 * (proc(5); fs/proc/task_mmu.c fixes the layout):
 *
 *   start-end perms offset major:minor inode  [pad to column 73] pathname
 *   Key:   value kB        (smaps only; also THPeligible, ProtectionKey,
 *                           VmFlags: rd wr ...)
 *
 * The kernel writes '\n' in a pathname as "\012" and marks an unlinked
 * file with " (deleted)"; the live reader decides whether that suffix is
 * real.  The parser is fed pieces of text and never needs the whole.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Where the kernel pads the pathname to on 64-bit and 32-bit kernels. */
#define PAD64 73
#define PAD32 49

#define DELETED_SUFFIX " (deleted)"

/* One more than each hex digit's value, 0 for anything else. */
#define H10(b) [b] = b - '0' + 1
#define HLET(b) [b] = b - 'a' + 11, [b - 'a' + 'A'] = b - 'a' + 11
static const unsigned char hexdig[256] = {
	H10('0'), H10('1'), H10('2'), H10('3'), H10('4'),
	H10('5'), H10('6'), H10('7'), H10('8'), H10('9'),
	HLET('a'), HLET('b'), HLET('c'), HLET('d'), HLET('e'), HLET('f'),
};
#undef H10
#undef HLET

/* A hex digit's value, or -1. */
static int
hexval(unsigned char c)
{
	return hexdig[c] - 1;
}

/* Parse hex digits at *s (at most 16); -1 if none or too many. */
static int
gethex(const char **s, const char *e, uint64_t *v)
{
	const char *p = *s, *end = e - p > 17 ? p + 17 : e;
	uint64_t x = 0;
	unsigned d;

	for (; p < end && (d = hexdig[(unsigned char)*p] - 1u) <= 15; p++)
		x = x << 4 | d;
	if (p == *s || p - *s > 16)
		return -1;
	*s = p;
	*v = x;
	return 0;
}

/* Decimal digits at *s; -1 if none or past UINT64_MAX. */
static int
getdec(const char **s, const char *e, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;

	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		/* 19 digits never overflow: check only past them. */
		if (p - *s >= 19 && x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	if (p == *s)
		return -1;
	*s = p;
	*v = x;
	return 0;
}

static int
expect(const char **s, const char *e, char c)
{
	if (*s >= e || **s != c)
		return -1;
	(*s)++;
	return 0;
}

static int
bad_line(struct vms_maps_parser *p, const char *what, struct vms_err *err)
{
	return vms_err_set(err, VMS_E_CORRUPT, 0, "%s:%" PRIu64 ": %s",
			   p->name, p->line, what);
}

/* Keep what the name in p->last_raw (n bytes) became, if it fitted. */
static void
remember(struct vms_maps_parser *p, size_t n, const char *v, int is_path,
	 int deleted)
{
	if (n > sizeof(p->last_raw))
		return;
	p->last_len = n;
	p->last_value = v;
	p->last_is_path = is_path;
	p->last_deleted = deleted;
}

/* Store a pathname: decode "\012", intern, note " (deleted)". */
static int
set_name(struct vms_maps_parser *p, struct vms_region *r, const char *s,
	 size_t n, struct vms_err *err)
{
	const size_t dl = sizeof(DELETED_SUFFIX) - 1, raw_len = n;
	char stackbuf[512], *buf = stackbuf;
	const char *v;
	size_t i, o;
	int rc = -1;

	if (n == 0)
		return 0;
	if (n == p->last_len && memcmp(s, p->last_raw, n) == 0) {
		if (!p->last_is_path) {
			r->name = p->last_value;
		} else {
			r->path = p->last_value;
			if (p->last_deleted)
				r->flags |= VMS_RF_DELETED;
		}
		return 0;
	}
	p->last_len = 0;
	if (n <= sizeof(p->last_raw))
		memcpy(p->last_raw, s, n);
	if (s[0] == '[' && s[n - 1] == ']') {
		v = vms_map_intern(p->map, s, n, err);
		if (v == NULL)
			return -1;
		r->name = v;
		remember(p, n, v, 0, 0);
		return 0;
	}
	/*
	 * The suffix is the kernel's claim that the file was unlinked; the
	 * path is kept without it and the live reader checks the claim.
	 */
	if (n >= dl && memcmp(s + n - dl, DELETED_SUFFIX, dl) == 0) {
		r->flags |= VMS_RF_DELETED;
		n -= dl;
		if (n == 0)
			return 0;
	}
	if (memchr(s, '\\', n) == NULL) {
		v = vms_map_intern(p->map, s, n, err);
		goto out;
	}
	if (n > sizeof(stackbuf) && (buf = malloc(n)) == NULL)
		return vms_err_nomem(err);
	for (i = 0, o = 0; i < n; i++) {
		if (s[i] == '\\' && n - i >= 4 && memcmp(s + i, "\\012", 4) == 0) {
			buf[o++] = '\n';
			i += 3;
		} else {
			buf[o++] = s[i];
		}
	}
	v = vms_map_intern(p->map, buf, o, err);
	if (buf != stackbuf)
		free(buf);
out:
	if (v != NULL) {
		r->path = v;
		remember(p, raw_len, v, 1, (r->flags & VMS_RF_DELETED) != 0);
		rc = 0;
	}
	return rc;
}

/*
 * The name starts at the kernel's pad column when the prefix is shorter,
 * so that a file whose name begins with spaces keeps them.
 */
static const char *
name_start(const char *line, size_t prefix, size_t len)
{
	static const size_t pads[] = {PAD64, PAD32};
	size_t i;

#define B8 "        "
	static const char blanks[] = B8 B8 B8 B8 B8 B8 B8 B8 B8 " ";
#undef B8
	_Static_assert(sizeof(blanks) - 1 >= PAD64, "blanks reach PAD64");

	for (size_t k = 0; k < sizeof(pads) / sizeof(pads[0]); k++) {
		if (prefix > pads[k] || len <= pads[k])
			continue;
		if (memcmp(line + prefix, blanks, pads[k] - prefix) == 0)
			return line + pads[k];
	}
	for (i = prefix; i < len && line[i] == ' '; i++)
		;
	return line + i;
}

/* Check mode: does this header match the next region of the map? */
static int
check_header(struct vms_maps_parser *p, uint64_t start, uint64_t end,
	     const char *s, const char *e)
{
	const struct vms_region *r;
	uint64_t off, maj, min, ino;
	uint8_t prot;

	if (p->differs)
		return 0;
	if (p->checked >= p->map->nregions) {
		p->differs = 1;
		return 0;
	}
	r = &p->map->regions[p->checked++];
	prot = (uint8_t)((s[0] == 'r' ? VMS_PROT_R : 0) |
			 (s[1] == 'w' ? VMS_PROT_W : 0) |
			 (s[2] == 'x' ? VMS_PROT_X : 0));
	s += 5;
	if (gethex(&s, e, &off) < 0 || expect(&s, e, ' ') < 0 ||
	    gethex(&s, e, &maj) < 0 || expect(&s, e, ':') < 0 ||
	    gethex(&s, e, &min) < 0 || expect(&s, e, ' ') < 0 ||
	    getdec(&s, e, &ino) < 0 || r->start != start || r->end != end ||
	    r->prot != prot || r->offset != off || r->inode != ino)
		p->differs = 1;
	return 0;
}

/*
 * The usual line of a 64-bit process, all hex in lower case:
 *
 *   7f0123456000-7f0123457000 rw-p 00000000 00:00 0
 *
 * Every field up to the inode has a fixed place, so its digits can be
 * checked and converted eight at a time, with no search for where each
 * number ends.  The values in v (start, end, offset, major, minor) and
 * where the inode starts; NULL for a line of any other shape, which the
 * field-by-field path below then reads.
 */
#define SWAR_ONES UINT64_C(0x0101010101010101)
#define SWAR_HIGH UINT64_C(0x8080808080808080)

/* The eight bytes at p, the first in the low byte. */
static inline uint64_t
load_le64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/*
 * 0x80 in each byte of w that is not a digit or a lower-case hex letter.
 * Bytes are compared on their low seven bits, where adding never carries
 * into the next byte; a byte with the high bit set is never a digit.
 */
static inline uint64_t
not_hex(uint64_t w)
{
	uint64_t y = w & ~SWAR_HIGH;
	uint64_t ge0 = y + 0x50 * SWAR_ONES, gt9 = y + 0x46 * SWAR_ONES;
	uint64_t gea = y + 0x1f * SWAR_ONES, gtf = y + 0x19 * SWAR_ONES;

	return ~(((ge0 & ~gt9) | (gea & ~gtf)) & ~w) & SWAR_HIGH;
}

/* The value of the eight hex digits in w, the first the most significant. */
static inline uint64_t
hex_value8(uint64_t w)
{
	const uint64_t m8 = UINT64_C(0x00ff00ff00ff00ff);
	const uint64_t m16 = UINT64_C(0x0000ffff0000ffff);
	/* '0'-'9' have bit 6 clear, 'a'-'f' set: their low nibble is 1-6 */
	uint64_t b = (w & 0x0f * SWAR_ONES) + 9 * ((w >> 6) & SWAR_ONES);

	/* pairs of digits, then fours, then all eight */
	b = (b & m8) << 4 | ((b >> 8) & m8);
	b = (b & m16) << 8 | ((b >> 16) & m16);
	return (b & 0xffffffffu) << 16 | b >> 32;
}

static const char *
fixed_header(const char *s, const char *e, uint64_t v[5])
{
	uint64_t a0, a1, b0, b1, off;
	unsigned d[4];

	if (e - s < 47 || s[12] != '-' || s[25] != ' ' || s[30] != ' ' ||
	    s[39] != ' ' || s[42] != ':' || s[45] != ' ')
		return NULL;
	/* 12 digits as two overlapping groups of 8: 0-7 and 4-11 */
	a0 = load_le64(s);
	a1 = load_le64(s + 4);
	b0 = load_le64(s + 13);
	b1 = load_le64(s + 17);
	off = load_le64(s + 31);
	if ((not_hex(a0) | not_hex(a1) | not_hex(b0) | not_hex(b1) |
	     not_hex(off)) != 0)
		return NULL;
	d[0] = hexdig[(unsigned char)s[40]];
	d[1] = hexdig[(unsigned char)s[41]];
	d[2] = hexdig[(unsigned char)s[43]];
	d[3] = hexdig[(unsigned char)s[44]];
	if (d[0] == 0 || d[1] == 0 || d[2] == 0 || d[3] == 0)
		return NULL;
	v[0] = hex_value8(a0) << 16 | (hex_value8(a1) & 0xffff);
	v[1] = hex_value8(b0) << 16 | (hex_value8(b1) & 0xffff);
	v[2] = hex_value8(off);
	v[3] = (d[0] - 1) << 4 | (d[1] - 1);
	v[4] = (d[2] - 1) << 4 | (d[3] - 1);
	return s + 46;
}

static int
parse_header(struct vms_maps_parser *p, const char *s, const char *e,
	     struct vms_err *err)
{
	const char *line = s, *fixed;
	uint64_t start, end, off, maj, min, ino, v[5] = {0};
	struct vms_region *r;
	size_t prefix, len = (size_t)(e - s);

	fixed = fixed_header(s, e, v);
	if (fixed != NULL) {
		start = v[0];
		end = v[1];
		s += 26;
	} else if (gethex(&s, e, &start) < 0 || expect(&s, e, '-') < 0 ||
		   gethex(&s, e, &end) < 0 || expect(&s, e, ' ') < 0) {
		return bad_line(p, "bad address range", err);
	}
	if (e - s < 5 || s[4] != ' ' || (s[0] != 'r' && s[0] != '-') ||
	    (s[1] != 'w' && s[1] != '-') || (s[2] != 'x' && s[2] != '-') ||
	    (s[3] != 's' && s[3] != 'p'))
		return bad_line(p, "bad permissions", err);
	if (p->check)
		return check_header(p, start, end, s, e);
	r = vms_map_add(p->map, err);
	/* smaps gives every region counters: the block now, stores later. */
	if (r == NULL ||
	    (p->smaps && vms_region_counters(p->map, r, err) == NULL))
		return -1;
	p->cur = p->map->nregions;
	p->next_key = 0;
	r->start = start;
	r->end = end;
	r->prot = (uint8_t)((s[0] == 'r' ? VMS_PROT_R : 0) |
			    (s[1] == 'w' ? VMS_PROT_W : 0) |
			    (s[2] == 'x' ? VMS_PROT_X : 0));
	r->flags = s[3] == 's' ? VMS_RF_SHARED : 0;
	s += 5;
	if (fixed != NULL) {
		off = v[2];
		maj = v[3];
		min = v[4];
		s = fixed;
		if (getdec(&s, e, &ino) < 0)
			return bad_line(p, "bad offset, device or inode", err);
	} else if (gethex(&s, e, &off) < 0 || expect(&s, e, ' ') < 0 ||
		   gethex(&s, e, &maj) < 0 || expect(&s, e, ':') < 0 ||
		   gethex(&s, e, &min) < 0 || expect(&s, e, ' ') < 0 ||
		   getdec(&s, e, &ino) < 0) {
		return bad_line(p, "bad offset, device or inode", err);
	}
	if (maj > UINT32_MAX || min > UINT32_MAX)
		return bad_line(p, "device number out of range", err);
	r->offset = off;
	r->dev_major = (uint32_t)maj;
	r->dev_minor = (uint32_t)min;
	r->inode = ino;
	r->has |= VMS_HAS_PROT | VMS_HAS_OFFSET | VMS_HAS_DEVINO |
		  VMS_HAS_SHARED;
	if (s == e)
		return 0;
	if (*s != ' ')
		return bad_line(p, "junk after inode", err);
	s++;
	prefix = (size_t)(s - line);
	s = name_start(line, prefix, len);
	return set_name(p, r, s, (size_t)(e - s), err);
}

static int
parse_vmflags(struct vms_maps_parser *p, struct vms_region *r, const char *s,
	      const char *e, struct vms_err *err)
{
	char other[256];
	size_t olen = 0;

	r->vmflags = 0;
	while (s < e) {
		const char *w;
		int f;

		while (s < e && *s == ' ')
			s++;
		w = s;
		while (s < e && *s != ' ')
			s++;
		if (s == w)
			break;
		f = vms_vmflag_lookup(w, (size_t)(s - w));
		if (f >= 0) {
			r->vmflags |= UINT64_C(1) << f;
		} else if (olen + (size_t)(s - w) + 1 < sizeof(other)) {
			if (olen > 0)
				other[olen++] = ' ';
			memcpy(other + olen, w, (size_t)(s - w));
			olen += (size_t)(s - w);
		}
	}
	r->has |= VMS_HAS_VMFLAGS;
	if (olen > 0) {
		r->vmflags_other = vms_map_intern(p->map, other, olen, err);
		if (r->vmflags_other == NULL)
			return -1;
	}
	return 0;
}

/*
 * The keys of a smaps record, in the order the kernel writes them, so
 * that the next key is nearly always the one after the last (the parser
 * remembers where it is).  Pss_Anon, Pss_File and Pss_Shmem appear only
 * in smaps_rollup.
 */
enum kind { K_CTR, K_SIZE, K_THP, K_PKEY, K_VMFLAGS };

static const struct key {
	const char *name;
	uint8_t len;
	uint8_t kind;
	uint8_t ctr;
} keys[] = {
#define K(name, kind, ctr) {name, sizeof(name) - 1, kind, ctr}
	K("Size", K_SIZE, 0),
	K("KernelPageSize", K_CTR, VMS_C_KERNEL_PAGE),
	K("MMUPageSize", K_CTR, VMS_C_MMU_PAGE),
	K("Rss", K_CTR, VMS_C_RSS),
	K("Pss", K_CTR, VMS_C_PSS),
	K("Pss_Dirty", K_CTR, VMS_C_PSS_DIRTY),
	K("Pss_Anon", K_CTR, VMS_C_PSS_ANON),
	K("Pss_File", K_CTR, VMS_C_PSS_FILE),
	K("Pss_Shmem", K_CTR, VMS_C_PSS_SHMEM),
	K("Shared_Clean", K_CTR, VMS_C_SHARED_CLEAN),
	K("Shared_Dirty", K_CTR, VMS_C_SHARED_DIRTY),
	K("Private_Clean", K_CTR, VMS_C_PRIVATE_CLEAN),
	K("Private_Dirty", K_CTR, VMS_C_PRIVATE_DIRTY),
	K("Referenced", K_CTR, VMS_C_REFERENCED),
	K("Anonymous", K_CTR, VMS_C_ANONYMOUS),
	K("KSM", K_CTR, VMS_C_KSM),
	K("LazyFree", K_CTR, VMS_C_LAZYFREE),
	K("AnonHugePages", K_CTR, VMS_C_ANON_HUGE),
	K("ShmemPmdMapped", K_CTR, VMS_C_SHMEM_PMD),
	K("FilePmdMapped", K_CTR, VMS_C_FILE_PMD),
	K("Shared_Hugetlb", K_CTR, VMS_C_SHARED_HUGETLB),
	K("Private_Hugetlb", K_CTR, VMS_C_PRIVATE_HUGETLB),
	K("Swap", K_CTR, VMS_C_SWAP),
	K("SwapPss", K_CTR, VMS_C_SWAP_PSS),
	K("Locked", K_CTR, VMS_C_LOCKED),
	K("THPeligible", K_THP, 0),
	K("ProtectionKey", K_PKEY, 0),
	K("VmFlags", K_VMFLAGS, 0),
#undef K
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Does the line start with "key:"? */
static int
key_at(const struct key *k, const char *s, const char *e)
{
	return (size_t)(e - s) > k->len && s[k->len] == ':' &&
	       memcmp(s, k->name, k->len) == 0;
}

/* The key the line starts with: the expected one first; NULL if none. */
static const struct key *
find_key(struct vms_maps_parser *p, const char *s, const char *e)
{
	if (p->next_key < NKEYS && key_at(&keys[p->next_key], s, e))
		return &keys[p->next_key++];
	for (size_t i = 0; i < NKEYS; i++) {
		if (key_at(&keys[i], s, e)) {
			p->next_key = i + 1;
			return &keys[i];
		}
	}
	return NULL;
}

static int
parse_key(struct vms_maps_parser *p, const struct key *k, const char *s,
	  const char *e, struct vms_err *err)
{
	struct vms_region *r;
	uint64_t v;

	if (p->cur == 0)
		return bad_line(p, "key before the first mapping", err);
	r = &p->map->regions[p->cur - 1];
	s += k->len + 1;
	if (k->kind == K_VMFLAGS)
		return parse_vmflags(p, r, s, e, err);
	/* The kernel right-aligns values behind a run of spaces. */
	while (e - s >= 8 && memcmp(s, "        ", 8) == 0)
		s += 8;
	while (s < e && *s == ' ')
		s++;
	if (getdec(&s, e, &v) < 0)
		return bad_line(p, "bad number", err);
	switch (k->kind) {
	case K_THP:
		if (s != e || v > 1)
			return bad_line(p, "bad THPeligible", err);
		r->thp_eligible = (int8_t)v;
		r->has |= VMS_HAS_THP;
		return 0;
	case K_PKEY:
		if (s != e || v > 127)
			return bad_line(p, "bad ProtectionKey", err);
		r->pkey = (int8_t)v;
		r->has |= VMS_HAS_PKEY;
		return 0;
	default:
		break;
	}
	/* Every smaps counter is in kB; a line cut short is damage. */
	if (e - s != 3 || memcmp(s, " kB", 3) != 0)
		return bad_line(p, "bad unit", err);
	if (v > UINT64_MAX / 1024)
		return bad_line(p, "number out of range", err);
	/* Size is end - start, already known. */
	if (k->kind == K_CTR) {
		r->counters[k->ctr] = v * 1024;
		r->has |= VMS_HAS_CTR(k->ctr);
	}
	return 0;
}

/* A "Key:" line this parser does not know: newer than it, skipped. */
static int
unknown_key(struct vms_maps_parser *p, const char *s, const char *e,
	    struct vms_err *err)
{
	const char *colon = memchr(s, ':', (size_t)(e - s));

	if (colon == NULL)
		return bad_line(p, "neither a mapping nor a \"Key:\" line", err);
	if (p->cur == 0)
		return bad_line(p, "key before the first mapping", err);
	return 0;
}

void
vms_maps_parser_init(struct vms_maps_parser *p, struct vms_map *map,
		     int smaps, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->map = map;
	p->smaps = smaps;
	p->name = name;
}

void
vms_maps_parser_check(struct vms_maps_parser *p, struct vms_map *map,
		      const char *name)
{
	vms_maps_parser_init(p, map, 0, name);
	p->check = 1;
}

/* Is this line a mapping header: hex digits then '-'? */
static int
is_header(const char *s, const char *e)
{
	const char *q = s;

	while (q < e && hexval((unsigned char)*q) >= 0)
		q++;
	return q > s && q < e && *q == '-';
}

ssize_t
vms_maps_parser_feed(struct vms_maps_parser *p, const char *buf, size_t len,
		     int eof, struct vms_err *err)
{
	const char *s = buf, *end = buf + len;

	if (len > SSIZE_MAX)
		return vms_err_set(err, VMS_E_LIMIT, 0, "%s: input too large",
				   p->name);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl != NULL ? nl : end;
		const struct key *k;
		int rc;

		if (nl == NULL && !eof)
			break;
		p->line++;
		if (e == s)
			rc = 0;
		else if (!p->smaps)
			rc = parse_header(p, s, e, err);
		else if ((k = find_key(p, s, e)) != NULL)
			rc = parse_key(p, k, s, e, err);
		else if (is_header(s, e))
			rc = parse_header(p, s, e, err);
		else
			rc = unknown_key(p, s, e, err);
		if (rc < 0)
			return -1;
		s = nl != NULL ? nl + 1 : end;
	}
	return (ssize_t)(s - buf);
}

int
vms_parse_maps_mem(struct vms_map *map, const char *buf, size_t len,
		   int smaps, const char *name, struct vms_err *err)
{
	struct vms_maps_parser p;

	vms_maps_parser_init(&p, map, smaps, name);
	return vms_maps_parser_feed(&p, buf, len, 1, err) < 0 ? -1 : 0;
}

int
vms_parse_maps(struct vms_map *map, FILE *in, int smaps, const char *name,
	       struct vms_err *err)
{
	struct vms_maps_parser p;
	size_t have = 0, cap = 64 * 1024;
	char *buf = malloc(cap);
	int rc = -1;

	if (buf == NULL)
		return vms_err_nomem(err);
	vms_maps_parser_init(&p, map, smaps, name);
	for (;;) {
		size_t got;
		ssize_t used;
		int eof;

		if (have == cap &&
		    vms_grow((void **)&buf, &cap, cap + 1, 1, err) < 0)
			goto out;
		got = fread(buf + have, 1, cap - have, in);
		if (got == 0 && ferror(in)) {
			vms_err_set(err, VMS_E_IO, errno, "%s: %s", name,
				    strerror(errno));
			goto out;
		}
		have += got;
		eof = got == 0;
		used = vms_maps_parser_feed(&p, buf, have, eof, err);
		if (used < 0)
			goto out;
		memmove(buf, buf + used, have - (size_t)used);
		have -= (size_t)used;
		if (eof)
			break;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}
