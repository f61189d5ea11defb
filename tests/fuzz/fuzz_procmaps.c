/*
 * fuzz_procmaps.c - the maps/smaps text parser, and the labelling that
 * follows it, on arbitrary bytes.  The first byte picks maps or smaps.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vmscope/vmscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vms_err err;
	struct vms_map *map;

	if (size < 1)
		return 0;
	map = vms_map_new(&err);
	if (map == NULL)
		return 0;
	if (vms_parse_maps_mem(map, (const char *)data + 1, size - 1,
			       data[0] & 1, "fuzz", &err) == 0)
		vms_map_finish(map, &err);
	vms_map_free(map);
	return 0;
}
