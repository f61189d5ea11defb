/*
 * vms_dwarf.h - source positions from DWARF, behind a small interface: every
 * libdwarf call is in dwarf.c, so another libdwarf changes one file.
 */
#ifndef VMSCOPE_DWARF_H
#define VMSCOPE_DWARF_H

#include <stddef.h>
#include <stdint.h>

#include "vmscope/vmscope.h"

#define VMS_DWARF_FRAMES 16 /* deepest chain of inlined calls we report */

struct vms_dwarf;

/* One position; the strings are malloc'ed and belong to the caller. */
struct vms_dwarf_frame {
	char *function;
	char *file;
	uint32_t line;
	uint32_t column;
};

/*
 * The DWARF of the ELF file at path.  NULL with err set: VMS_E_NOENT when
 * the file has no DWARF, VMS_E_CORRUPT when it cannot be read.
 */
struct vms_dwarf *vms_dwarf_open(const char *path, struct vms_err *err);
void vms_dwarf_close(struct vms_dwarf *d);
/* For tests: load libdwarf from soname (NULL: the build's), tried anew. */
void vms_dwarf_soname(const char *soname);

/*
 * The positions of pc (an address in the file's own terms), innermost
 * inlined call first, at most max of them: their count (0 when DWARF
 * says nothing about pc), or -1 when memory runs out.
 */
int vms_dwarf_lookup(struct vms_dwarf *d, uint64_t pc,
		     struct vms_dwarf_frame *out, size_t max,
		     struct vms_err *err);
void vms_dwarf_frame_clear(struct vms_dwarf_frame *f);

#endif
