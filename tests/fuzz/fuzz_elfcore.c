/*
 * fuzz_elfcore.c - the ELF core reader, and the labelling that follows
 * it, on arbitrary bytes through the open-from-memory call; build-ids on,
 * so that the reads of contents are fuzzed too.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vmscope/vmscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vms_open_opts o = {.flags = VMS_OPEN_BUILDIDS};
	struct vms_err err;

	vms_map_free(vms_open_mem(data, size, "fuzz", &o, &err));
	return 0;
}
