/*
 * addr.c - what is at an address of a map: the region holding it or its
 * neighbours, and for an ELF module (elfmod.c) the file offset, section,
 * nearest symbol and the source positions from DWARF (dwarf.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vms_dwarf.h"
#include "elfmod.h"
#include "internal.h"

struct vms_addr_ctx {
	const struct vms_map *map;
	struct vms_modset *ms;
};

/* The result and the storage of its strings. */
struct owned {
	struct vms_addr pub;
	char *str[5];
	struct vms_dwarf_frame df[VMS_DWARF_FRAMES];
	size_t ndf;
};

struct vms_addr_ctx *
vms_addr_ctx_new(const struct vms_map *map, const struct vms_elf_opts *o,
		 struct vms_err *err)
{
	struct vms_addr_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		vms_err_nomem(err);
		return NULL;
	}
	c->map = map;
	c->ms = vms_modset_new(map, o, err);
	if (c->ms == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
vms_addr_ctx_free(struct vms_addr_ctx *ctx)
{
	if (ctx == NULL)
		return;
	vms_modset_free(ctx->ms);
	free(ctx);
}

void
vms_addr_free(struct vms_addr *a)
{
	struct owned *o = (struct owned *)a;

	if (a == NULL)
		return;
	for (size_t i = 0; i < sizeof(o->str) / sizeof(o->str[0]); i++)
		free(o->str[i]);
	for (size_t i = 0; i < o->ndf; i++)
		vms_dwarf_frame_clear(&o->df[i]);
	free(a->frames);
	free(o);
}

/* A copy of s kept in slot k of o; -1 when memory runs out. */
static int
keep(struct owned *o, int k, const char *s, const char **dst)
{
	if (s == NULL)
		return 0;
	o->str[k] = strdup(s);
	if (o->str[k] == NULL)
		return -1;
	*dst = o->str[k];
	return 0;
}

/*
 * The module of an address: its region's, or for the anonymous mapping
 * after a module's data (its bss), that module's when one of its
 * segments covers the address.
 */
static struct vms_mod *
module_of(struct vms_addr_ctx *c, const struct vms_region *r, uint64_t addr,
	  struct vms_err *err)
{
	const struct vms_map *map = c->map;
	size_t i = (size_t)(r - map->regions);
	struct vms_mod *m;

	if (r->path != NULL || r->name != NULL || i == 0 ||
	    map->regions[i - 1].end != r->start ||
	    map->regions[i - 1].path == NULL)
		return vms_modset_get(c->ms, r, err);
	m = vms_modset_get(c->ms, &map->regions[i - 1], err);
	if (m != NULL && !vms_mod_covers(m, addr - m->bias))
		return NULL;
	return m;
}

static int
symbolize(struct vms_addr_ctx *c, struct owned *o, struct vms_err *err)
{
	struct vms_addr *a = &o->pub;
	const struct vms_region *r = a->region;
	const char *s, *dfile = NULL;
	struct vms_dwarf *dw;
	struct vms_mod *m;
	uint64_t off;
	int inside, n;

	m = module_of(c, r, a->addr, err);
	if (m == NULL)
		return err != NULL && err->code != VMS_E_OK ? -1 : 0;
	a->state = m->state;
	if (keep(o, 0, m->file, &a->module) < 0 ||
	    (m->state != VMS_MOD_OK && keep(o, 1, m->why, &a->why) < 0))
		return vms_err_nomem(err);
	if ((m->state != VMS_MOD_OK && m->state != VMS_MOD_UNVERIFIED) ||
	    !m->has_bias)
		return 0;
	a->bias = m->bias;
	a->vaddr = a->addr - m->bias;
	a->has |= VMS_A_VADDR;
	s = vms_mod_section(m, a->vaddr);
	if (s != NULL) {
		if (keep(o, 2, s, &a->section) < 0)
			return vms_err_nomem(err);
		a->has |= VMS_A_SECTION;
	}
	n = vms_mod_symbol(m, a->vaddr, &s, &off, &inside, err);
	if (n < 0)
		return -1;
	if (n > 0) {
		if (keep(o, 3, s, &a->symbol) < 0)
			return vms_err_nomem(err);
		a->symbol_offset = off;
		a->has |= VMS_A_SYMBOL | (inside ? VMS_A_SYMSIZE : 0);
	}
	dw = vms_mod_dwarf(m, &dfile);
	if (keep(o, 4, dfile, &a->debug_file) < 0)
		return vms_err_nomem(err);
	if (dw == NULL)
		return 0;
	n = vms_dwarf_lookup(dw, a->vaddr, o->df, VMS_DWARF_FRAMES, err);
	if (n < 0)
		return -1;
	o->ndf = (size_t)n;
	if (n == 0)
		return 0;
	a->frames = calloc((size_t)n, sizeof(*a->frames));
	if (a->frames == NULL)
		return vms_err_nomem(err);
	for (size_t i = 0; i < o->ndf; i++) {
		a->frames[i].function = o->df[i].function;
		a->frames[i].file = o->df[i].file;
		a->frames[i].line = o->df[i].line;
		a->frames[i].column = o->df[i].column;
	}
	a->nframes = o->ndf;
	return 0;
}

struct vms_addr *
vms_addr_lookup(struct vms_addr_ctx *ctx, uint64_t addr, struct vms_err *err)
{
	const struct vms_map *map = ctx->map;
	struct owned *o = calloc(1, sizeof(*o));
	struct vms_addr *a;
	const struct vms_region *r;

	if (o == NULL) {
		vms_err_nomem(err);
		return NULL;
	}
	a = &o->pub;
	a->addr = addr;
	r = vms_map_find(map, addr);
	if (r == NULL) {
		size_t i = vms_map_lower_bound(map, addr);

		if (i < map->nregions)
			a->above = &map->regions[i];
		if (i > 0)
			a->below = &map->regions[i - 1];
		return a;
	}
	a->region = r;
	if (r->path != NULL && (r->has & VMS_HAS_OFFSET)) {
		a->file_offset = r->offset + (addr - r->start);
		a->has |= VMS_A_OFFSET;
	}
	if (symbolize(ctx, o, err) < 0) {
		vms_addr_free(a);
		return NULL;
	}
	return a;
}
