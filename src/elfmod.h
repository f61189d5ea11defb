/*
 * elfmod.h - the ELF modules of a map (elfmod.c): for each mapped path,
 * the file on this machine, checked, with its load bias, sections,
 * symbols and separate debug file.  Shared by roles and address lookup.
 */
#ifndef VMSCOPE_ELFMOD_H
#define VMSCOPE_ELFMOD_H

#include <stddef.h>
#include <stdint.h>

#include "vmscope/vmscope.h"

struct vms_dwarf;
struct vms_modset;

struct vms_mod {
	const char *path; /* as the map names it */
	char *file;	  /* the file read, or NULL */
	enum vms_modstate state;
	char why[400]; /* when not VMS_MOD_OK: details */
	int has_bias;
	uint64_t bias; /* address = file vaddr + bias */
	int warned;
	void *priv; /* elfmod.c's */
};

/*
 * The modules of map; each is opened when first asked for.  map and the
 * strings of o (NULL: defaults) are borrowed.
 */
struct vms_modset *vms_modset_new(const struct vms_map *map,
				  const struct vms_elf_opts *o,
				  struct vms_err *err);
void vms_modset_free(struct vms_modset *ms);
/*
 * The module of region r.  NULL with err set when memory runs out; NULL
 * with err->code VMS_E_OK when r has no file.
 */
struct vms_mod *vms_modset_get(struct vms_modset *ms,
			       const struct vms_region *r, struct vms_err *err);

/* Is vaddr inside the memory image of a PT_LOAD (its bss included)? */
int vms_mod_covers(struct vms_mod *m, uint64_t vaddr);
/* The ELF section holding vaddr (".text"), or NULL. */
const char *vms_mod_section(struct vms_mod *m, uint64_t vaddr);
/*
 * The nearest symbol at or below vaddr: 1 found, 0 none, -1 no memory.
 * *inside says whether its size covers vaddr.
 */
int vms_mod_symbol(struct vms_mod *m, uint64_t vaddr, const char **name,
		   uint64_t *off, int *inside, struct vms_err *err);
/*
 * The module's DWARF (its own, or a separate debug file's), opened once;
 * NULL when there is none.  *file is the file it came from.
 */
struct vms_dwarf *vms_mod_dwarf(struct vms_mod *m, const char **file);

#endif
