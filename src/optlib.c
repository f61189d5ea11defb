/*
 * optlib.c - libraries that only some inputs need, loaded with dlopen()
 * on first use: the zstd, xz and lz4 decoders (formats/input.c) and
 * libdwarf (src/dwarf.c).  Reading a live process then loads none of
 * them: less start-up, and less code mapped into a process that often
 * runs as root.  The caller describes a library as a soname and a table
 * of function names with the slots that receive them (see internal.h).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int
vms_optlib_load(struct vms_optlib *l, const char *what, struct vms_err *err)
{
	int state;

	pthread_mutex_lock(&l->mu);
	if (l->soname == NULL)
		l->soname = l->built;
	if (l->state == 0) {
		void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
		const char *e = h == NULL ? dlerror() : NULL;

		for (size_t i = 0; h != NULL && i < l->n; i++) {
			*l->slots[i] = dlsym(h, l->names[i]);
			if (*l->slots[i] == NULL) {
				e = dlerror();
				dlclose(h);
				h = NULL;
			}
		}
		/* A loaded library stays for the life of the process. */
		l->state = h != NULL ? 1 : -1;
		if (h == NULL)
			snprintf(l->why, sizeof(l->why), "%s",
				 e != NULL ? e : "not found");
	}
	state = l->state;
	pthread_mutex_unlock(&l->mu);
	if (state > 0)
		return 0;
	return vms_err_set(err, VMS_E_UNSUPPORTED, 0,
			   "%s, and %s cannot be loaded: %s", what, l->soname,
			   l->why);
}

void
vms_optlib_soname(struct vms_optlib *l, const char *soname)
{
	pthread_mutex_lock(&l->mu);
	l->soname = soname != NULL ? soname : l->built;
	l->state = 0;
	pthread_mutex_unlock(&l->mu);
}
