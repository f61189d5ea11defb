/*
 * views.c - the table of views.  Adding a view is one file in src/views/,
 * one line here and one line in CMakeLists.txt.
 */
#include <string.h>

#include "viewutil.h"

static const struct vms_view *const tables[] = {
	vms_view_pmap,
	vms_view_json,
	vms_view_procmap,
	vms_view_vmmap,
};

const struct vms_view *
vms_view_find(const char *name)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct vms_view *v = tables[t]; v->name != NULL; v++)
			if (strcmp(v->name, name) == 0)
				return v;
	return NULL;
}
