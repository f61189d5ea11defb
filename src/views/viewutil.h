/*
 * viewutil.h - what several views share: region names in the Solaris
 * style, the command line, unknown-aware sums.  Views include only the
 * public header and this one.
 */
#ifndef VMSCOPE_VIEWUTIL_H
#define VMSCOPE_VIEWUTIL_H

#include <stdio.h>

#include "vmscope/vmscope.h"

/* The views' tables, one per file, each ending with a NULL name. */
extern const struct vms_view vms_view_pmap[];
extern const struct vms_view vms_view_json[];
extern const struct vms_view vms_view_procmap[];
extern const struct vms_view vms_view_vmmap[];

/* The mark a view prints for a value the source cannot know. */
#define VMS_UNKNOWN_MARK "?"

/*
 * The name of a region as Solaris pmap prints it: the path for a file
 * ("/lib/libc.so.6", " (deleted)" appended when unlinked), else a
 * bracketed label ("[ heap ]", "[ stack tid=42 ]", "[ anon ]").  With
 * raw, names as the source gave them, no labels.
 */
const char *vms_view_name(const struct vms_region *r, int raw, char *buf,
			  size_t size);
/* 1 if the region has a file path (not a label or bracketed name). */
int vms_view_is_file(const struct vms_region *r);

/* The command line, arguments joined by spaces; comm if none. */
void vms_view_print_args(FILE *out, const struct vms_map *map);
/*
 * The header of the pmap family: "PID:\targs", or for a file
 * "core 'FILE' of PID:\targs".
 */
void vms_view_print_title(FILE *out, const struct vms_map *map);

/*
 * For a dump: the signal that killed the process, the fault address and
 * whether a region holds it, the thread that took it; nothing otherwise.
 * vms_view_print_title() prints it after the title.
 */
void vms_view_print_fault(FILE *out, const struct vms_map *map);

/* Does the region meet the -A range of opts? */
int vms_view_in_range(const struct vms_region *r,
		      const struct vms_view_opts *o);

/* A sum that turns unknown when any part is unknown. */
struct vms_sum {
	uint64_t v;
	int known;
};
void vms_sum_init(struct vms_sum *s);
void vms_sum_add(struct vms_sum *s, const struct vms_region *r,
		 enum vms_counter c);

/* The hex width of addresses: 8 for 32-bit targets, else 16. */
int vms_view_addr_width(const struct vms_map *map);

/*
 * The maximum protection: the source's own when it has one, else Linux's
 * VM_MAYREAD/MAYWRITE/MAYEXEC (VmFlags mr, mw, me).  -1 when unknown.
 */
int vms_view_maxprot(const struct vms_region *r);

/*
 * s shortened to at most room bytes by cutting its head ("...tail"), so
 * that a path keeps its file name; s itself when it fits.
 */
const char *vms_view_cut(const char *s, size_t room, char *buf, size_t size);

#endif
