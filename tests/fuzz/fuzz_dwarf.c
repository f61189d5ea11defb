/*
 * fuzz_dwarf.c - address lookup on a damaged ELF or debug file: the bytes
 * become a file (a memfd, named by its /proc/self/fd path, since libdwarf
 * and libelf open paths and descriptors), read through dwarf.c's
 * interface, then as the module of a one-region map through the public
 * lookup (sections, symbols, notes, debuglink, DWARF) and roles.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vms_dwarf.h"
#include "vmscope/vmscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lookups(struct vms_dwarf *d, const uint8_t *data, size_t size)
{
	struct vms_dwarf_frame f[VMS_DWARF_FRAMES];
	uint64_t pc = 0;
	int n;

	if (size >= 8)
		memcpy(&pc, data + size - 8, 8);
	for (uint64_t a = 0; a < 0x3000; a += 0x31) {
		n = vms_dwarf_lookup(d, a, f, VMS_DWARF_FRAMES, NULL);
		for (int i = 0; i < n; i++)
			vms_dwarf_frame_clear(&f[i]);
	}
	n = vms_dwarf_lookup(d, pc, f, VMS_DWARF_FRAMES, NULL);
	for (int i = 0; i < n; i++)
		vms_dwarf_frame_clear(&f[i]);
}

static void
as_module(const char *path)
{
	struct vms_elf_opts eo = {.sysroot = NULL};
	struct vms_map *map = vms_map_new(NULL);
	struct vms_addr_ctx *ctx = NULL;
	struct vms_region *r;

	if (map == NULL)
		return;
	r = vms_map_add(map, NULL);
	if (r == NULL)
		goto out;
	r->start = 0x400000;
	r->end = 0x404000;
	r->has = VMS_HAS_OFFSET | VMS_HAS_PROT;
	r->prot = VMS_PROT_R | VMS_PROT_X;
	r->path = vms_map_strdup(map, path, NULL);
	map->source.kind = VMS_SOURCE_ELF_CORE;
	if (r->path == NULL || vms_map_finish(map, NULL) < 0)
		goto out;
	vms_map_roles(map, &eo, NULL);
	ctx = vms_addr_ctx_new(map, &eo, NULL);
	if (ctx == NULL)
		goto out;
	for (uint64_t a = 0x400000; a < 0x404000; a += 0x123)
		vms_addr_free(vms_addr_lookup(ctx, a, NULL));
out:
	vms_addr_ctx_free(ctx);
	vms_map_free(map);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct vms_dwarf *d;
	int fd = memfd_create("fuzz_dwarf", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	d = vms_dwarf_open(path, NULL);
	if (d != NULL) {
		lookups(d, data, size);
		vms_dwarf_close(d);
	}
	as_module(path);
	close(fd);
	return 0;
}
