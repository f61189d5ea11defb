/*
 * elfmod.c - the ELF files behind a map's file-backed regions, read with
 * libelf (program headers, sections, .symtab/.dynsym, notes), and the
 * segment roles derived from them.
 *
 * Specs: the System V gABI (PT_LOAD, p_offset/p_vaddr congruence modulo
 * the page size, SHF_ALLOC sections), the GNU extensions PT_GNU_RELRO,
 * NT_GNU_BUILD_ID and .gnu_debuglink (a file name and the CRC-32 of the
 * debug file, the one zlib computes), and the layout of debug files under
 * /usr/lib/debug/.build-id/xx/rest.debug that gdb and debuginfod use.
 *
 * A file is found through /proc/PID/map_files (live processes: the very
 * file mapped, even when deleted), else by path, under the sysroot when
 * one is given.  It is used only when it matches what the map recorded:
 * the build-id, else (live) the device and inode.  Nothing is fetched
 * over the network.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>

#include "vms_dwarf.h"
#include "elfmod.h"
#include "internal.h"

#define MAX_PHDRS 4096
#define DEBUG_ROOT "/usr/lib/debug"

struct sym {
	uint64_t value;
	uint64_t size;
	const char *name; /* in the ELF string table it came from */
	int rank;	  /* higher wins between equal values */
};

/* One open ELF file. */
struct efile {
	int fd;
	Elf *elf;
};

struct priv {
	struct vms_modset *ms;
	struct efile main;
	uint16_t type;
	GElf_Phdr *ph;
	size_t nph;
	unsigned char id[VMS_BUILD_ID_MAX];
	size_t idlen;
	int debug_done;
	char *debug;	  /* the file DWARF is read from */
	struct efile dbg; /* a separate debug file */
	struct vms_dwarf *dwarf;
	int syms_done;
	struct sym *syms;
	size_t nsyms;
};

struct vms_modset {
	const struct vms_map *map;
	struct vms_elf_opts o;
	uint64_t page;
	struct vms_mod **mods;
	size_t nmods, cap;
};

const char *
vms_modstate_name(enum vms_modstate s)
{
	static const char *const names[] = {
#define X(e, s) s,
		VMS_MODSTATES(X)
#undef X
	};

	return (unsigned)s < VMS_MOD__COUNT ? names[s] : "unknown";
}

/* Files read for lookups: checked, or with nothing to check against. */
static int
usable(const struct vms_mod *m)
{
	return m->state == VMS_MOD_OK || m->state == VMS_MOD_UNVERIFIED;
}

static void
efile_close(struct efile *f)
{
	if (f->elf != NULL)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	f->elf = NULL;
	f->fd = -1;
}

/* A regular file opened as ELF; 0, or -1 with errno (ENOEXEC: not ELF). */
static int
efile_open(struct efile *f, const char *path)
{
	struct stat st;

	f->elf = NULL;
	/* Paths come from the input: never block on a FIFO or a device. */
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (f->fd < 0)
		return -1;
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		efile_close(f);
		errno = ENOEXEC;
		return -1;
	}
	elf_version(EV_CURRENT);
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (f->elf == NULL || elf_kind(f->elf) != ELF_K_ELF) {
		efile_close(f);
		errno = ENOEXEC;
		return -1;
	}
	return 0;
}

/* The NT_GNU_BUILD_ID in one block of notes, or 0. */
static size_t
note_id(Elf_Data *d, unsigned char *out)
{
	size_t off = 0, next, name, desc;
	GElf_Nhdr nh;

	while (d != NULL &&
	       (next = gelf_getnote(d, off, &nh, &name, &desc)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp((char *)d->d_buf + name, "GNU", 4) == 0 &&
		    nh.n_descsz > 0 && nh.n_descsz <= VMS_BUILD_ID_MAX) {
			memcpy(out, (char *)d->d_buf + desc, nh.n_descsz);
			return nh.n_descsz;
		}
		off = next;
	}
	return 0;
}

/* The build-id of an ELF file: note sections, else PT_NOTE segments. */
static size_t
elf_id(Elf *e, unsigned char *out)
{
	Elf_Scn *scn = NULL;
	size_t n = 0, len;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn)) != NULL)
		if (gelf_getshdr(scn, &sh) != NULL && sh.sh_type == SHT_NOTE &&
		    (len = note_id(elf_getdata(scn, NULL), out)) > 0)
			return len;
	if (elf_getphdrnum(e, &n) != 0 || n > MAX_PHDRS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) == NULL ||
		    ph.p_type != PT_NOTE)
			continue;
		len = note_id(
			elf_getdata_rawchunk(
				e, (int64_t)ph.p_offset, ph.p_filesz,
				ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR),
			out);
		if (len > 0)
			return len;
	}
	return 0;
}

/* The concatenation of the strings up to a NULL, malloc'ed. */
static char *
cat(const char *s, ...)
{
	size_t len = 0, n;
	const char *p;
	char *out, *q;
	va_list ap;

	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *))
		len += strlen(p);
	va_end(ap);
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	q = out;
	va_start(ap, s);
	for (p = s; p != NULL; p = va_arg(ap, const char *)) {
		n = strlen(p);
		memcpy(q, p, n);
		q += n;
	}
	va_end(ap);
	*q = '\0';
	return out;
}

/* The lowest region of path: the one the load bias is taken from. */
static const struct vms_region *
first_region(const struct vms_map *map, const char *path)
{
	for (size_t i = 0; i < map->nregions; i++)
		if (map->regions[i].path != NULL &&
		    strcmp(map->regions[i].path, path) == 0)
			return &map->regions[i];
	return NULL;
}

static int
same_id(const struct vms_region *r, const struct priv *p)
{
	return r->build_id_len == p->idlen &&
	       memcmp(r->build_id, p->id, p->idlen) == 0;
}

/*
 * Is the file opened the one the map names?  A recorded build-id
 * decides; else, for a live process, device and inode.
 */
static void
verify(struct vms_modset *ms, struct vms_mod *m, const struct vms_region *r,
       int via_map_files)
{
	struct priv *p = m->priv;
	char a[2 * VMS_BUILD_ID_MAX + 1], b[2 * VMS_BUILD_ID_MAX + 1];
	struct stat st;

	if (r->build_id_len > 0 && r->build_id_len <= VMS_BUILD_ID_MAX) {
		if (same_id(r, p))
			return;
		vms_build_id_hex(a, r->build_id, r->build_id_len);
		vms_build_id_hex(b, p->id, p->idlen);
		m->state = VMS_MOD_MISMATCH;
		snprintf(m->why, sizeof(m->why), "%s: build-id %s, mapped %s",
			 m->file, p->idlen > 0 ? b : "(none)", a);
		return;
	}
	if (via_map_files)
		return;
	if (ms->o.sysroot != NULL || ms->map->source.kind != VMS_SOURCE_LIVE ||
	    !(r->has & VMS_HAS_DEVINO) || fstat(p->main.fd, &st) < 0) {
		m->state = VMS_MOD_UNVERIFIED;
		snprintf(m->why, sizeof(m->why),
			 "%s: the map records no build-id to check it against",
			 m->file);
		return;
	}
	if (st.st_ino != r->inode || major(st.st_dev) != r->dev_major ||
	    minor(st.st_dev) != r->dev_minor) {
		m->state = VMS_MOD_MISMATCH;
		snprintf(m->why, sizeof(m->why),
			 "%s: inode %u:%u %llu, mapped %u:%u %" PRIu64
			 ": replaced since it was mapped",
			 m->file, major(st.st_dev), minor(st.st_dev),
			 (unsigned long long)st.st_ino, r->dev_major,
			 r->dev_minor, r->inode);
	}
}

/*
 * The load bias from the module's lowest region: of the PT_LOADs whose
 * file pages hold its offset, the lowest in memory.
 */
static void
find_bias(struct vms_modset *ms, struct vms_mod *m, const struct vms_region *r)
{
	struct priv *p = m->priv;
	const GElf_Phdr *best = NULL;

	if (!(r->has & VMS_HAS_OFFSET))
		return;
	for (size_t i = 0; i < p->nph; i++) {
		const GElf_Phdr *ph = &p->ph[i];
		uint64_t off0 = ph->p_offset & ~(ms->page - 1);

		if (ph->p_type != PT_LOAD || r->offset < off0 ||
		    r->offset - off0 >= (ph->p_offset - off0) + ph->p_filesz)
			continue;
		if (((r->start - ph->p_vaddr - r->offset + ph->p_offset) &
		     (ms->page - 1)) != 0)
			continue;
		if (best == NULL || ph->p_vaddr < best->p_vaddr)
			best = ph;
	}
	if (best == NULL)
		return;
	m->bias = r->start - (best->p_vaddr + r->offset - best->p_offset);
	m->has_bias = 1;
}

/* Open and check the file of m, whose lowest region is r. */
static int
open_mod(struct vms_modset *ms, struct vms_mod *m, const struct vms_region *r)
{
	const struct vms_map *map = ms->map;
	struct priv *p = m->priv;
	int via_map_files = 0, eno;
	size_t n = 0;
	GElf_Ehdr eh;

	if (map->source.kind == VMS_SOURCE_LIVE &&
	    (map->proc.has & VMS_P_PID) && ms->o.sysroot == NULL) {
		char buf[4200];

		snprintf(buf, sizeof(buf),
			 "%s/%" PRId64 "/map_files/%" PRIx64 "-%" PRIx64,
			 ms->o.procfs != NULL ? ms->o.procfs : "/proc",
			 map->proc.pid, r->start, r->end);
		if (efile_open(&p->main, buf) == 0) {
			via_map_files = 1;
			m->file = strdup(buf);
		}
	}
	if (!via_map_files) {
		if (ms->o.sysroot != NULL)
			m->file = cat(ms->o.sysroot, m->path, NULL);
		else
			m->file = strdup(m->path);
		if (m->file == NULL)
			return vms_err_nomem(NULL);
		if (efile_open(&p->main, m->file) < 0) {
			eno = errno;
			m->state = eno == ENOEXEC ? VMS_MOD_NOTELF
						  : VMS_MOD_MISSING;
			snprintf(m->why, sizeof(m->why), "%s: %s", m->file,
				 eno == ENOEXEC ? "not an ELF file"
						: strerror(eno));
			return 0;
		}
	}
	if (m->file == NULL)
		return -1;
	if (gelf_getehdr(p->main.elf, &eh) == NULL ||
	    elf_getphdrnum(p->main.elf, &n) != 0 || n > MAX_PHDRS) {
		m->state = VMS_MOD_NOTELF;
		snprintf(m->why, sizeof(m->why), "%s: %s", m->file,
			 elf_errmsg(-1));
		return 0;
	}
	p->type = eh.e_type;
	if (n > 0) {
		p->ph = calloc(n, sizeof(*p->ph));
		if (p->ph == NULL)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (gelf_getphdr(p->main.elf, (int)i, &p->ph[p->nph]) != NULL)
			p->nph++;
	p->idlen = elf_id(p->main.elf, p->id);
	m->state = VMS_MOD_OK;
	verify(ms, m, r, via_map_files);
	if (usable(m))
		find_bias(ms, m, r);
	return 0;
}

static void
mod_free(struct vms_mod *m)
{
	struct priv *p;

	if (m == NULL)
		return;
	p = m->priv;
	if (p != NULL) {
		efile_close(&p->main);
		efile_close(&p->dbg);
		vms_dwarf_close(p->dwarf);
		free(p->ph);
		free(p->syms);
		free(p->debug);
		free(p);
	}
	free(m->file);
	free(m);
}

struct vms_modset *
vms_modset_new(const struct vms_map *map, const struct vms_elf_opts *o,
	       struct vms_err *err)
{
	struct vms_modset *ms = calloc(1, sizeof(*ms));

	if (ms == NULL) {
		vms_err_nomem(err);
		return NULL;
	}
	ms->map = map;
	if (o != NULL)
		ms->o = *o;
	ms->page = (map->has & VMS_P_PAGE_SIZE) && map->page_size >= 512 &&
				   (map->page_size & (map->page_size - 1)) == 0
			   ? map->page_size
			   : 4096;
	return ms;
}

void
vms_modset_free(struct vms_modset *ms)
{
	if (ms == NULL)
		return;
	for (size_t i = 0; i < ms->nmods; i++)
		mod_free(ms->mods[i]);
	free(ms->mods);
	free(ms);
}

/* Files that are not worth opening: devices, shared memory. */
static int
no_file(const struct vms_region *r)
{
	return r->path == NULL || r->label == VMS_LABEL_DEVICE ||
	       r->label == VMS_LABEL_SYSV_SHM ||
	       r->label == VMS_LABEL_HUGETLB || vms_region_is_shared_anon(r);
}

struct vms_mod *
vms_modset_get(struct vms_modset *ms, const struct vms_region *r,
	       struct vms_err *err)
{
	const struct vms_region *first;
	struct vms_mod *m;

	if (err != NULL)
		err->code = VMS_E_OK;
	if (no_file(r))
		return NULL;
	for (size_t i = 0; i < ms->nmods; i++)
		if (strcmp(ms->mods[i]->path, r->path) == 0)
			return ms->mods[i];
	if (vms_grow((void **)&ms->mods, &ms->cap, ms->nmods + 1,
		     sizeof(*ms->mods), err) < 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->priv = calloc(1, sizeof(struct priv))) == NULL) {
		free(m);
		vms_err_nomem(err);
		return NULL;
	}
	((struct priv *)m->priv)->ms = ms;
	((struct priv *)m->priv)->main.fd = -1;
	((struct priv *)m->priv)->dbg.fd = -1;
	m->path = r->path;
	first = first_region(ms->map, r->path);
	if (open_mod(ms, m, first != NULL ? first : r) < 0) {
		mod_free(m);
		vms_err_nomem(err);
		return NULL;
	}
	ms->mods[ms->nmods++] = m;
	return m;
}

int
vms_mod_covers(struct vms_mod *m, uint64_t vaddr)
{
	const struct priv *p = m->priv;

	if (!usable(m) || !m->has_bias)
		return 0;
	for (size_t i = 0; i < p->nph; i++)
		if (p->ph[i].p_type == PT_LOAD && p->ph[i].p_vaddr <= vaddr &&
		    vaddr - p->ph[i].p_vaddr < p->ph[i].p_memsz)
			return 1;
	return 0;
}

/* The section holding vaddr in one ELF file, or NULL. */
static const char *
section_in(Elf *e, uint64_t vaddr)
{
	Elf_Scn *scn = NULL;
	size_t shstr;

	if (e == NULL || elf_getshdrstrndx(e, &shstr) != 0)
		return NULL;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) == NULL ||
		    !(sh.sh_flags & SHF_ALLOC) ||
		    ((sh.sh_flags & SHF_TLS) && sh.sh_type == SHT_NOBITS))
			continue;
		if (sh.sh_addr <= vaddr && vaddr - sh.sh_addr < sh.sh_size)
			return elf_strptr(e, shstr, sh.sh_name);
	}
	return NULL;
}

const char *
vms_mod_section(struct vms_mod *m, uint64_t vaddr)
{
	struct priv *p = m->priv;
	const char *s;

	if (!usable(m))
		return NULL;
	s = section_in(p->main.elf, vaddr);
	if (s == NULL) {
		vms_mod_dwarf(m, NULL);
		s = section_in(p->dbg.elf, vaddr);
	}
	return s;
}

/* The CRC-32 of a whole file, as .gnu_debuglink records it. */
static int
file_crc(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		c = crc32(c, buf, (uInt)n);
		off += n;
	}
	*crc = (uint32_t)c;
	return n < 0 ? -1 : 0;
}

/* Does ELF file e carry DWARF of its own? */
static int
has_dwarf(Elf *e)
{
	Elf_Scn *scn = NULL;
	size_t shstr;

	if (elf_getshdrstrndx(e, &shstr) != 0)
		return 0;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;

		if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(e, shstr, sh.sh_name);
		if (name != NULL && (strcmp(name, ".debug_info") == 0 ||
				     strcmp(name, ".zdebug_info") == 0))
			return 1;
	}
	return 0;
}

/* Take path as the debug file if it is ELF and passes check. */
static int
try_debug(struct priv *p, char *path, const unsigned char *id, size_t idlen,
	  const uint32_t *crc)
{
	unsigned char fid[VMS_BUILD_ID_MAX];
	uint32_t c;

	if (path == NULL)
		return 0;
	if (efile_open(&p->dbg, path) < 0) {
		free(path);
		return 0;
	}
	if ((id != NULL && (elf_id(p->dbg.elf, fid) != idlen ||
			    memcmp(fid, id, idlen) != 0)) ||
	    (crc != NULL && (file_crc(p->dbg.fd, &c) < 0 || c != *crc))) {
		efile_close(&p->dbg);
		free(path);
		return 0;
	}
	p->debug = path;
	return 1;
}

/* The name and CRC of .gnu_debuglink, or 0. */
static int
debuglink(Elf *e, const char **name, uint32_t *crc)
{
	Elf_Scn *scn = NULL;
	size_t shstr;

	if (elf_getshdrstrndx(e, &shstr) != 0)
		return 0;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;
		const char *sn;
		Elf_Data *d;
		size_t len;

		if (gelf_getshdr(scn, &sh) == NULL)
			continue;
		sn = elf_strptr(e, shstr, sh.sh_name);
		if (sn == NULL || strcmp(sn, ".gnu_debuglink") != 0)
			continue;
		d = elf_getdata(scn, NULL);
		if (d == NULL || d->d_buf == NULL || d->d_size < 8)
			return 0;
		len = strnlen(d->d_buf, d->d_size);
		if (len == 0 || len + 1 > d->d_size - 4 ||
		    memchr(d->d_buf, '/', len) != NULL)
			return 0;
		/* The CRC follows the name, 4-byte aligned. */
		len = (len + 4) & ~(size_t)3;
		if (len + 4 > d->d_size)
			return 0;
		memcpy(crc, (char *)d->d_buf + len, 4);
		if (elf_getident(e, NULL)[EI_DATA] !=
		    (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? ELFDATA2MSB
							    : ELFDATA2LSB))
			*crc = __builtin_bswap32(*crc);
		*name = d->d_buf;
		return 1;
	}
	return 0;
}

/*
 * A separate debug file: by build-id under the debug directories, else
 * by .gnu_debuglink next to the file, in its .debug/ and under the
 * debug directories.
 */
static void
find_debug(struct vms_modset *ms, struct vms_mod *m)
{
	struct priv *p = m->priv;
	const char *dirs[3], *name = NULL, *sysroot = ms->o.sysroot;
	char idhex[2 * VMS_BUILD_ID_MAX + 1], *root, *dir, *slash;
	size_t nd = 0;
	uint32_t crc = 0;

	root = cat(sysroot != NULL ? sysroot : "", DEBUG_ROOT, NULL);
	if (ms->o.debug_dir != NULL)
		dirs[nd++] = ms->o.debug_dir;
	if (root != NULL)
		dirs[nd++] = root;
	if (p->idlen >= 2) {
		vms_build_id_hex(idhex, p->id, p->idlen);
		for (size_t i = 0; i < nd; i++) {
			char two[3] = {idhex[0], idhex[1], '\0'};

			if (try_debug(p,
				      cat(dirs[i], "/.build-id/", two, "/",
					  idhex + 2, ".debug", NULL),
				      p->id, p->idlen, NULL))
				goto out;
		}
	}
	if (!debuglink(p->main.elf, &name, &crc))
		goto out;
	/* The directory of the file as named, not of map_files/. */
	dir = cat(sysroot != NULL ? sysroot : "", m->path, NULL);
	if (dir == NULL)
		goto out;
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	if (!try_debug(p, cat(dir, "/", name, NULL), NULL, 0, &crc) &&
	    !try_debug(p, cat(dir, "/.debug/", name, NULL), NULL, 0, &crc)) {
		const char *rel = dir + (sysroot != NULL ? strlen(sysroot) : 0);

		for (size_t i = 0; i < nd; i++)
			if (try_debug(p, cat(dirs[i], rel, "/", name, NULL),
				      NULL, 0, &crc) ||
			    try_debug(p, cat(dirs[i], "/", name, NULL), NULL, 0,
				      &crc))
				break;
	}
	free(dir);
out:
	free(root);
}

struct vms_dwarf *
vms_mod_dwarf(struct vms_mod *m, const char **file)
{
	struct priv *p = m->priv;

	if (file != NULL)
		*file = NULL;
	if (!usable(m))
		return NULL;
	if (!p->debug_done) {
		struct vms_err e;

		p->debug_done = 1;
		if (has_dwarf(p->main.elf))
			p->debug = strdup(m->file);
		else
			find_debug(p->ms, m);
		/* A debug file without DWARF still has symbols. */
		if (p->debug != NULL)
			p->dwarf = vms_dwarf_open(p->debug, &e);
	}
	if (file != NULL)
		*file = p->debug;
	return p->dwarf;
}

static int
rank(const GElf_Sym *s)
{
	int r = GELF_ST_TYPE(s->st_info) == STT_NOTYPE ? 0 : 2;

	if (GELF_ST_BIND(s->st_info) != STB_LOCAL)
		r++;
	return r + (s->st_size > 0 ? 4 : 0);
}

/* Symbols that name code or data at an address. */
static int
wanted(const GElf_Sym *s)
{
	int t = GELF_ST_TYPE(s->st_info);

	if (s->st_shndx == SHN_UNDEF || s->st_shndx == SHN_ABS ||
	    s->st_name == 0)
		return 0;
	if (t == STT_FUNC || t == STT_OBJECT || t == STT_GNU_IFUNC)
		return 1;
	return t == STT_NOTYPE && GELF_ST_BIND(s->st_info) != STB_LOCAL;
}

/* Add the symbols of the table of type type in e; -1 no memory. */
static int
add_syms(struct priv *p, Elf *e, unsigned type)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0;

	if (e == NULL)
		return 0;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t n, ent;

		if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != type ||
		    sh.sh_type == SHT_NOBITS)
			continue;
		d = elf_getdata(scn, NULL);
		ent = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
		if (d == NULL || ent == 0)
			continue;
		/* The count follows the bytes libelf holds, not sh_size. */
		n = d->d_size / ent;
		if (n == 0)
			continue;
		if (vms_grow((void **)&p->syms, &cap, p->nsyms + n,
			     sizeof(*p->syms), NULL) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;

			if (gelf_getsym(d, (int)i, &s) == NULL || !wanted(&s))
				continue;
			name = elf_strptr(e, sh.sh_link, s.st_name);
			if (name == NULL || *name == '\0')
				continue;
			p->syms[p->nsyms++] = (struct sym){
				s.st_value, s.st_size, name, rank(&s)};
		}
		return 0;
	}
	return 0;
}

static int
cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* .symtab of the file or of its debug file, else .dynsym. */
static int
load_syms(struct vms_mod *m)
{
	struct priv *p = m->priv;

	p->syms_done = 1;
	if (add_syms(p, p->main.elf, SHT_SYMTAB) < 0)
		return -1;
	if (p->nsyms == 0) {
		vms_mod_dwarf(m, NULL);
		if (add_syms(p, p->dbg.elf, SHT_SYMTAB) < 0)
			return -1;
	}
	if (p->nsyms == 0 && add_syms(p, p->main.elf, SHT_DYNSYM) < 0)
		return -1;
	if (p->nsyms > 1)
		qsort(p->syms, p->nsyms, sizeof(*p->syms), cmp_sym);
	return 0;
}

int
vms_mod_symbol(struct vms_mod *m, uint64_t vaddr, const char **name,
	       uint64_t *off, int *inside, struct vms_err *err)
{
	struct priv *p = m->priv;
	size_t lo = 0, hi, best;

	if (!usable(m))
		return 0;
	if (!p->syms_done && load_syms(m) < 0)
		return vms_err_nomem(err);
	hi = p->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->syms[mid].value <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	best = lo - 1;
	/* A sized symbol that covers vaddr beats a nearer one that ends
	 * before it (a label inside a function, say). */
	for (size_t k = lo, seen = 0; k > 0 && seen < 16; k--, seen++) {
		const struct sym *s = &p->syms[k - 1];

		if (vaddr - s->value < s->size) {
			best = k - 1;
			break;
		}
	}
	*name = p->syms[best].name;
	*off = vaddr - p->syms[best].value;
	*inside = *off < p->syms[best].size;
	return 1;
}

/* The PT_LOAD that [lo, hi) (file addresses) falls in, or NULL. */
static const GElf_Phdr *
segment_of(const struct priv *p, uint64_t pg, uint64_t lo, uint64_t hi)
{
	const GElf_Phdr *best = NULL;
	uint64_t most = 0;

	for (size_t i = 0; i < p->nph; i++) {
		const GElf_Phdr *ph = &p->ph[i];
		uint64_t a = ph->p_vaddr & ~(pg - 1),
			 b = ph->p_vaddr + ph->p_memsz;
		uint64_t x, y;

		if (ph->p_type != PT_LOAD || b < ph->p_vaddr)
			continue;
		x = a > lo ? a : lo;
		y = b < hi ? b : hi;
		if (x < y && y - x > most) {
			most = y - x;
			best = ph;
		}
	}
	return best;
}

static int
in_relro(const struct priv *p, uint64_t pg, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < p->nph; i++) {
		const GElf_Phdr *ph = &p->ph[i];
		uint64_t a = ph->p_vaddr & ~(pg - 1);
		uint64_t b = (ph->p_vaddr + ph->p_memsz + pg - 1) & ~(pg - 1);

		if (ph->p_type == PT_GNU_RELRO && a <= lo && hi <= b && lo < hi)
			return 1;
	}
	return 0;
}

static enum vms_role
role_of(const struct vms_mod *m, uint64_t pg, const struct vms_region *r,
	const GElf_Phdr **seg)
{
	const struct priv *p = m->priv;
	uint64_t lo = r->start - m->bias, hi = r->end - m->bias;

	*seg = segment_of(p, pg, lo, hi);
	if (*seg == NULL || hi < lo)
		return VMS_ROLE_NONE;
	if ((*seg)->p_flags & PF_X)
		return VMS_ROLE_TEXT;
	if (in_relro(p, pg, lo, hi))
		return VMS_ROLE_RELRO;
	if ((*seg)->p_flags & PF_W)
		return VMS_ROLE_DATA;
	return VMS_ROLE_RODATA;
}

/* The anonymous mapping right after a module's data: its bss. */
static int
is_bss(const struct vms_mod *m, const GElf_Phdr *seg,
       const struct vms_region *prev, const struct vms_region *r)
{
	return r->path == NULL && r->name == NULL &&
	       r->label == VMS_LABEL_NONE && r->start == prev->end &&
	       seg->p_memsz > seg->p_filesz &&
	       r->start - m->bias < seg->p_vaddr + seg->p_memsz &&
	       r->start - m->bias >= seg->p_vaddr;
}

int
vms_map_roles(struct vms_map *map, const struct vms_elf_opts *o,
	      struct vms_err *err)
{
	struct vms_modset *ms = vms_modset_new(map, o, err);
	int rc = -1;

	if (ms == NULL)
		return -1;
	for (size_t i = 0; i < map->nregions; i++) {
		struct vms_region *r = &map->regions[i];
		const GElf_Phdr *seg = NULL;
		struct vms_mod *m;
		enum vms_role role;

		if (r->path == NULL)
			continue;
		m = vms_modset_get(ms, r, err);
		if (m == NULL) {
			if (err != NULL && err->code != VMS_E_OK)
				goto out;
			continue;
		}
		if (m->state == VMS_MOD_MISMATCH && !m->warned) {
			m->warned = 1;
			if (vms_map_warn(map, "%s: not used: %s", m->path,
					 m->why) < 0) {
				vms_err_nomem(err);
				goto out;
			}
		}
		if (m->state != VMS_MOD_OK || !m->has_bias)
			continue;
		role = role_of(m, ms->page, r, &seg);
		if (role == VMS_ROLE_NONE)
			continue;
		r->role = (uint8_t)role;
		if ((role == VMS_ROLE_DATA || role == VMS_ROLE_RELRO) &&
		    i + 1 < map->nregions &&
		    is_bss(m, seg, r, &map->regions[i + 1]))
			map->regions[i + 1].role = VMS_ROLE_BSS;
	}
	rc = 0;
out:
	vms_modset_free(ms);
	return rc;
}
