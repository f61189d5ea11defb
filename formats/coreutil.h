/*
 * coreutil.h - what the core readers (elfcore.c, macho.c) share: the
 * probe's first bytes, failed reads, segment data clipped to the file and
 * the map's source (reads in a given byte order are in internal.h, which
 * the live reader shares).  Included only by formats/.
 */
#ifndef VMSCOPE_COREUTIL_H
#define VMSCOPE_COREUTIL_H

#include "internal.h"

/*
 * The first n bytes of the input, for a probe, in *p: 1; 0 when the input
 * is shorter (not mine); -1 with err set.
 */
int vms_probe_head(struct vms_input *in, size_t n, const unsigned char **p,
		   struct vms_err *err);

/*
 * A failed read, e2: a warning "WHAT: e2's message" (WHAT from fmt) when
 * only the input's end or a stream's direction is to blame, and reading
 * goes on; else e2 is the error, and -1.
 */
int vms_read_failed(struct vms_map *map, const struct vms_err *e2,
		    struct vms_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Segment data [off, off + *present) clipped to an input of size bytes
 * (UINT64_MAX when unknown); *need rises to where the data should end.
 * Once all segments are in, vms_seg_truncated() warns, once, when they
 * need more than the input holds.
 */
void vms_seg_clip(uint64_t size, uint64_t off, uint64_t *present,
		  uint64_t *need);
int vms_seg_truncated(struct vms_map *map, uint64_t need, uint64_t size,
		      struct vms_err *err);

/* Regions in ascending data offset, so that a stream is read forward. */
void vms_regions_by_data(struct vms_region **v, size_t n);

/*
 * The map's source: kind, and format as "elf", or "elf+zstd" when the
 * input was compressed.
 */
int vms_core_source(struct vms_map *map, const struct vms_input *in,
		    enum vms_source_kind kind, const char *format,
		    struct vms_err *err);

#endif /* VMSCOPE_COREUTIL_H */
