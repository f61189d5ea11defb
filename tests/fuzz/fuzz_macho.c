/*
 * fuzz_macho.c - the Mach-O core reader, with its notes and the image
 * discovery in dumped memory, and the labelling that follows it, on
 * arbitrary bytes through the open-from-memory call.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vmscope/vmscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vms_err err;

	vms_map_free(vms_open_mem(data, size, "fuzz", NULL, &err));
	return 0;
}
