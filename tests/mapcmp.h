/*
 * mapcmp.h - is a map read back from a snapshot the map that was written?
 * Shared by tests/test_snapshot.c and the round-trip fuzzer.
 */
#ifndef VMS_MAPCMP_H
#define VMS_MAPCMP_H

#include <stddef.h>

#include "vmscope/vmscope.h"

/*
 * 0 when back holds every field of orig (fields whose `has' bit is clear
 * must be zero in back: unknown is not carried as a value), -1 with the
 * first difference described in why.
 */
int vt_map_compare(const struct vms_map *orig, const struct vms_map *back,
		   char *why, size_t n);

#endif
