/*
 * coreutil.c - the pieces the ELF and Mach-O core readers share: how a
 * failed read becomes a warning, how segment data is clipped to the file,
 * and how the source is named.  No format of its own: the specs are those
 * of elfcore.c and macho.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "coreutil.h"

int
vms_probe_head(struct vms_input *in, size_t n, const unsigned char **p,
	       struct vms_err *err)
{
	struct vms_err e2;

	if (vms_input_size(in) < n)
		return 0;
	*p = vms_input_get(in, 0, n, &e2);
	if (*p == NULL && e2.code == VMS_E_TRUNCATED)
		return 0;
	if (*p == NULL) {
		if (err != NULL)
			*err = e2;
		return -1;
	}
	return 1;
}

int
vms_read_failed(struct vms_map *map, const struct vms_err *e2,
		struct vms_err *err, const char *fmt, ...)
{
	char what[480];
	va_list ap;

	if (e2->code != VMS_E_TRUNCATED && e2->code != VMS_E_UNSUPPORTED) {
		if (err != NULL)
			*err = *e2;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return vms_map_warn_err(map, err, "%s: %s", what, e2->msg);
}

void
vms_seg_clip(uint64_t size, uint64_t off, uint64_t *present, uint64_t *need)
{
	uint64_t end = off + *present;

	if (*present == 0)
		return;
	if (end < off)
		end = UINT64_MAX;
	if (end > *need)
		*need = end;
	if (end > size)
		*present = off >= size ? 0 : size - off;
}

int
vms_seg_truncated(struct vms_map *map, uint64_t need, uint64_t size,
		  struct vms_err *err)
{
	if (need <= size)
		return 0;
	return vms_map_warn_err(map, err,
				"truncated core: the segments need "
				"%" PRIu64 " bytes, the file has %" PRIu64,
				need, size);
}

static int
cmp_data(const void *a, const void *b)
{
	const struct vms_region *x = *(struct vms_region *const *)a;
	const struct vms_region *y = *(struct vms_region *const *)b;

	if (x->data_offset != y->data_offset)
		return x->data_offset < y->data_offset ? -1 : 1;
	return 0;
}

void
vms_regions_by_data(struct vms_region **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_data);
}

int
vms_core_source(struct vms_map *map, const struct vms_input *in,
		enum vms_source_kind kind, const char *format,
		struct vms_err *err)
{
	const char *comp = vms_input_compression(in);
	char buf[32];

	map->source.kind = kind;
	snprintf(buf, sizeof(buf), "%s%s%s", format, comp ? "+" : "",
		 comp ? comp : "");
	map->source.format = vms_map_strdup(map, buf, err);
	return map->source.format == NULL ? -1 : 0;
}
