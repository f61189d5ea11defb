/*
 * buildid.c - the build-ids of the ELF files a live process maps: from
 * the PROCMAP_QUERY ioctl on /proc/PID/maps (Linux 6.11, <linux/fs.h>;
 * the structure is mirrored here for older headers), else from the
 * NT_GNU_BUILD_ID note (ELF gABI, <elf.h>) read from the file itself
 * through /proc/PID/map_files or, when it is the same inode, its path.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

#define NOTES_MAX (64 * 1024)
#define CACHE 16

/* struct procmap_query of <linux/fs.h>, 104 bytes. */
struct pmq {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};
#define PMQ_IOCTL _IOWR('f', 17, struct pmq)

/* The build-id from the PT_NOTE segments of an ELF file, or 0. */
static size_t
file_id(int fd, unsigned char *out)
{
	unsigned char eh[64], *notes;
	int is64, be;
	uint64_t phoff;
	unsigned phnum, phsz;
	size_t len = 0;

	if (pread(fd, eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh, ELFMAG, SELFMAG) != 0)
		return 0;
	is64 = eh[EI_CLASS] == ELFCLASS64;
	be = eh[EI_DATA] == ELFDATA2MSB;
	phoff = is64 ? vms_get64(be, eh + 32) : vms_get32(be, eh + 28);
	phsz = vms_get16(be, eh + (is64 ? 54 : 42));
	phnum = vms_get16(be, eh + (is64 ? 56 : 44));
	if (phsz < (is64 ? 56u : 32u) || phnum == 0 || phnum > 512)
		return 0;
	notes = malloc(NOTES_MAX);
	if (notes == NULL)
		return 0;
	for (unsigned i = 0; i < phnum && len == 0; i++) {
		unsigned char ph[56];
		uint64_t off, sz;

		off = phoff + (uint64_t)i * phsz;
		if (pread(fd, ph, sizeof(ph), (off_t)off) < (is64 ? 56 : 32))
			break;
		if (vms_get32(be, ph) != PT_NOTE)
			continue;
		off = is64 ? vms_get64(be, ph + 8) : vms_get32(be, ph + 4);
		sz = is64 ? vms_get64(be, ph + 32) : vms_get32(be, ph + 16);
		if (sz > NOTES_MAX || off > INT64_MAX)
			continue;
		if (pread(fd, notes, (size_t)sz, (off_t)off) != (ssize_t)sz)
			continue;
		/*
		 * Walked at 4-byte alignment whatever p_align says: an
		 * 8-aligned PT_NOTE (GNU property notes) is read as 4.
		 */
		len = vms_note_build_id(notes, (size_t)sz, be, 4, out);
	}
	free(notes);
	return len;
}

/* The file of region r, by map_files or by its path if the inode fits. */
static size_t
read_id(int dirfd, const struct vms_region *r, unsigned char *out)
{
	char name[64];
	struct stat st;
	size_t len;
	int fd;

	snprintf(name, sizeof(name), "map_files/%" PRIx64 "-%" PRIx64,
		 r->start, r->end);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
					   O_NONBLOCK);
		if (fd < 0)
			return 0;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    ((r->has & VMS_HAS_DEVINO) &&
		     (st.st_ino != r->inode ||
		      major(st.st_dev) != r->dev_major ||
		      minor(st.st_dev) != r->dev_minor))) {
			close(fd);
			return 0;
		}
	}
	len = file_id(fd, out);
	close(fd);
	return len;
}

int
vms_live_build_ids(struct vms_map *map, int dirfd, struct vms_err *err)
{
	struct {
		const char *path;
		const unsigned char *id;
		size_t len;
	} cache[CACHE] = {{0}};
	unsigned next = 0;
	int mfd = openat(dirfd, "maps", O_RDONLY | O_CLOEXEC), ioctl_ok = 1;

	for (size_t i = 0; i < map->nregions; i++) {
		struct vms_region *r = &map->regions[i];
		unsigned char id[VMS_BUILD_ID_MAX];
		size_t len = 0, k;

		if (r->path == NULL || (r->flags & VMS_RF_DELETED))
			continue;
		for (k = 0; k < CACHE; k++)
			if (cache[k].path != NULL &&
			    strcmp(cache[k].path, r->path) == 0)
				break;
		if (k < CACHE) {
			r->build_id = cache[k].id;
			r->build_id_len = cache[k].len;
			continue;
		}
		if (mfd >= 0 && ioctl_ok) {
			struct pmq q = {.size = sizeof(q),
					.query_addr = r->start,
					.build_id_size = VMS_BUILD_ID_MAX,
					.build_id_addr = (uintptr_t)id};

			if (ioctl(mfd, PMQ_IOCTL, &q) == 0)
				len = q.build_id_size;
			else if (errno == ENOTTY || errno == EINVAL)
				ioctl_ok = 0;
		}
		/* Not in the page cache, an old kernel: read the file. */
		if (len == 0)
			len = read_id(dirfd, r, id);
		k = next++ % CACHE;
		cache[k].path = r->path;
		cache[k].id = NULL;
		cache[k].len = 0;
		if (len > 0) {
			unsigned char *copy = vms_map_alloc(map, len, err);

			if (copy == NULL) {
				if (mfd >= 0)
					close(mfd);
				return -1;
			}
			memcpy(copy, id, len);
			cache[k].id = copy;
			cache[k].len = len;
		}
		r->build_id = cache[k].id;
		r->build_id_len = cache[k].len;
	}
	if (mfd >= 0)
		close(mfd);
	return 0;
}
