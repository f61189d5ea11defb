/*
 * test_addr.c - address lookup (src/addr.c, elfmod.c, dwarf.c) and the
 * addr personality, on testdata/addrprog.c (built -g -O1) running live
 * and in a gcore of it.  The truth comes from binutils run here: nm for
 * symbols and their sections, addr2line -f -i for functions, lines and
 * inlined calls, readelf -lW for segment roles.  A stripped copy with a
 * .gnu_debuglink, a debug file found by build-id, a copy whose build-id
 * differs, and a debug file with damaged DWARF are made in each run.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "vmscope/vmscope.h"
#include "vms_dwarf.h"

struct env {
	struct vt_fixture fx;
	char *exe;	     /* the fixture binary */
	char *tmp;	     /* our scratch directory */
	struct vms_map *map; /* the live map */
};

/* A tool of binutils or gdb, or NULL (the test is then skipped). */
static const char *
tool(const char *name, char *buf, size_t size)
{
	static const char *const dirs[] = {"/usr/bin", "/bin",
					   "/usr/local/bin"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, size, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

static int
need(const char *name, char *buf, size_t size)
{
	if (tool(name, buf, size) != NULL)
		return 1;
	print_message("%s not found: skipped\n", name);
	return 0;
}

/* Run argv (NULL-terminated) and return its stdout; fails unless 0. */
static char *
run_ok(const char *const argv[])
{
	struct vt_run r;
	char *out;

	assert_int_equal(vt_run(argv, NULL, &r), 0);
	if (r.status != 0)
		fail_msg("%s: status %d: %s", argv[0], r.status, r.err);
	out = r.out;
	r.out = NULL;
	vt_run_free(&r);
	return out;
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct vms_open_opts oo = {.flags = VMS_OPEN_BUILDIDS | VMS_OPEN_ROLES};
	struct vms_err err;

	if (e == NULL || vt_fixture_start(&e->fx, "addrprog", NULL) < 0)
		return -1;
	e->exe = vt_fixture_path("addrprog");
	e->tmp = vt_tmpdir();
	e->map = vms_open_pid(e->fx.pid, &oo, &err);
	if (e->tmp == NULL || e->map == NULL) {
		print_error("setup: %s\n", e->map == NULL ? err.msg : "tmp");
		return -1;
	}
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	if (e == NULL)
		return 0;
	vms_map_free(e->map);
	vt_fixture_stop(&e->fx);
	if (e->tmp != NULL)
		vt_rmtree(e->tmp);
	free(e->tmp);
	free(e->exe);
	free(e);
	return 0;
}

static uint64_t
fact(struct env *e, const char *key)
{
	uint64_t v = 0;

	if (vt_fact_u64(&e->fx, key, 0, &v) < 0)
		fail_msg("fact %s missing", key);
	return v;
}

/* nm's line for symbol: its value and type letter. */
static void
nm_sym(const char *file, const char *sym, uint64_t *value, char *type)
{
	char nm[256];
	const char *argv[] = {tool("nm", nm, sizeof(nm)), file, NULL};
	char *out = run_ok(argv), *line, *save = NULL;

	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256];
		unsigned long long v;
		char t;

		if (sscanf(line, "%llx %c %255s", &v, &t, name) == 3 &&
		    strcmp(name, sym) == 0) {
			*value = v;
			*type = t;
			free(out);
			return;
		}
	}
	fail_msg("nm: %s not in %s", sym, file);
}

/* The section nm's type letter stands for. */
static const char *
nm_section(char t)
{
	switch (t) {
	case 'T':
	case 't':
		return ".text";
	case 'D':
	case 'd':
		return ".data";
	case 'B':
	case 'b':
		return ".bss";
	case 'R':
	case 'r':
		return ".rodata";
	default:
		return NULL;
	}
}

static const char *
base(const char *p)
{
	const char *s = p != NULL ? strrchr(p, '/') : NULL;

	return s != NULL ? s + 1 : p;
}

/* Our frames against addr2line -f -i: function, file name, line. */
static void
check_frames(const char *file, const struct vms_addr *a)
{
	char tbuf[256], hexa[32], *out, *line, *save = NULL;
	const char *argv[] = {tool("addr2line", tbuf, sizeof(tbuf)),
			      "-f",
			      "-i",
			      "-e",
			      file,
			      hexa,
			      NULL};
	size_t n = 0;

	snprintf(hexa, sizeof(hexa), "0x%" PRIx64, a->vaddr);
	out = run_ok(argv);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), n++) {
		char *pos = strtok_r(NULL, "\n", &save), *colon;
		const struct vms_frame *f;

		assert_non_null(pos);
		if (n >= a->nframes)
			fail_msg("0x%" PRIx64 ": addr2line has frame %zu (%s),"
				 " we have %zu",
				 a->vaddr, n, line, a->nframes);
		f = &a->frames[n];
		assert_non_null(f->function);
		assert_string_equal(f->function, line);
		colon = strrchr(pos, ':');
		assert_non_null(colon);
		*colon = '\0';
		assert_non_null(f->file);
		assert_string_equal(base(f->file), base(pos));
		assert_int_equal(f->line, strtoul(colon + 1, NULL, 10));
	}
	assert_int_equal(n, a->nframes);
	free(out);
}

/* The address of symbol sym in the fixture's process. */
struct want {
	const char *fact;
	const char *sym; /* nearest symbol, or NULL */
	int frames;	 /* addr2line must agree */
	int inlined;	 /* at least two frames */
};

static const struct want wants[] = {
	{"outer", "outer_fn", 1, 0},  {"inl_call", "outer_fn", 1, 1},
	{"data", "data_var", 0, 0},   {"bss", "bss_var", 0, 0},
	{"bss_big", "bss_big", 0, 0}, {"rodata", "rodata_str", 0, 0},
};

/*
 * Look up every fact of the fixture in map with eo; truth from the
 * unstripped binary (truth), whatever file the lookup read.
 */
static void
check_map(struct env *e, const struct vms_map *map,
	  const struct vms_elf_opts *eo, int want_dwarf)
{
	struct vms_err err;
	struct vms_addr_ctx *ctx = vms_addr_ctx_new(map, eo, &err);
	uint64_t outer_v = 0, bias;
	char t;
	struct vms_addr *a;

	assert_non_null(ctx);
	nm_sym(e->exe, "outer_fn", &outer_v, &t);
	bias = fact(e, "outer") - outer_v;
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		const struct want *w = &wants[i];
		uint64_t addr = fact(e, w->fact), v = 0;

		a = vms_addr_lookup(ctx, addr, &err);
		assert_non_null(a);
		assert_non_null(a->region);
		if (a->state != VMS_MOD_OK || !(a->has & VMS_A_VADDR))
			fail_msg("%s: state %s: %s", w->fact,
				 vms_modstate_name(a->state),
				 a->why ? a->why : "-");
		assert_int_equal(a->bias, bias);
		assert_int_equal(a->vaddr, addr - bias);
		nm_sym(e->exe, w->sym, &v, &t);
		assert_true(a->has & VMS_A_SYMBOL);
		assert_string_equal(a->symbol, w->sym);
		assert_int_equal(a->symbol_offset, addr - bias - v);
		assert_true(a->has & VMS_A_SECTION);
		assert_string_equal(a->section, nm_section(t));
		if (w->frames && want_dwarf) {
			check_frames(e->exe, a);
			if (w->inlined)
				assert_true(a->nframes >= 2);
			else
				assert_true(a->nframes >= 1);
		}
		vms_addr_free(a);
	}
	/* Heap, stack: regions without a module. */
	a = vms_addr_lookup(ctx, fact(e, "heap"), &err);
	assert_non_null(a);
	assert_non_null(a->region);
	assert_int_equal(a->region->label, VMS_LABEL_HEAP);
	assert_int_equal(a->state, VMS_MOD_NONE);
	vms_addr_free(a);
	a = vms_addr_lookup(ctx, fact(e, "stack"), &err);
	assert_non_null(a);
	assert_non_null(a->region);
	assert_int_equal(a->region->label, VMS_LABEL_STACK);
	vms_addr_free(a);
	/* The hole: unmapped, between the two pages around it. */
	a = vms_addr_lookup(ctx, fact(e, "hole"), &err);
	assert_non_null(a);
	assert_null(a->region);
	assert_non_null(a->below);
	assert_non_null(a->above);
	assert_int_equal(a->below->start, fact(e, "hole_below"));
	assert_int_equal(a->above->start, fact(e, "hole_above"));
	vms_addr_free(a);
	vms_addr_ctx_free(ctx);
}

static void
test_live(void **state)
{
	struct env *e = *state;
	char b[256];

	if (!need("nm", b, sizeof(b)) || !need("addr2line", b, sizeof(b)))
		skip();
	check_map(e, e->map, NULL, 1);
}

/*
 * The same program linked at a fixed address (not PIE): the load bias is
 * 0 and every answer is the same.
 */
static void
test_nopie(void **state)
{
	struct vms_open_opts oo = {.flags = VMS_OPEN_BUILDIDS | VMS_OPEN_ROLES};
	struct env e = {0};
	struct vms_err err;
	char b[256];

	(void)state;
	if (!need("nm", b, sizeof(b)) || !need("addr2line", b, sizeof(b)))
		skip();
	assert_int_equal(vt_fixture_start(&e.fx, "addrprog_nopie", NULL), 0);
	e.exe = vt_fixture_path("addrprog_nopie");
	e.map = vms_open_pid(e.fx.pid, &oo, &err);
	if (e.map == NULL)
		fail_msg("%s", err.msg);
	check_map(&e, e.map, NULL, 1);
	assert_int_equal(vms_map_find(e.map, fact(&e, "outer"))->start <
				 UINT64_C(0x100000000),
			 1);
	vms_map_free(e.map);
	vt_fixture_stop(&e.fx);
	free(e.exe);
}

static char *
mkdirs(const char *root, const char *file)
{
	char *path = vt_asprintf("%s%s", root, file), *p;

	for (p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	return path;
}

/*
 * Under sysroot, the fixture stripped of its DWARF, with a debuglink to
 * NAME.debug next to it: the lookups must still find lines.
 */
static void
test_debuglink(void **state)
{
	struct env *e = *state;
	char oc[256];
	char *root = vt_asprintf("%s/root", e->tmp), *copy, *dbg, *link;
	struct vms_elf_opts eo = {0};

	if (!need("objcopy", oc, sizeof(oc)) || !need("nm", oc, sizeof(oc)) ||
	    !need("addr2line", oc, sizeof(oc)))
		skip();
	tool("objcopy", oc, sizeof(oc));
	assert_int_equal(mkdir(root, 0700), 0);
	copy = mkdirs(root, e->exe);
	dbg = vt_asprintf("%s.debug", copy);
	link = vt_asprintf("--add-gnu-debuglink=%s", dbg);
	{
		const char *a1[] = {oc, "--only-keep-debug", e->exe, dbg, NULL};
		const char *a2[] = {oc, "--strip-debug", e->exe, copy, NULL};
		const char *a3[] = {oc, link, copy, NULL};

		free(run_ok(a1));
		free(run_ok(a2));
		free(run_ok(a3));
	}
	eo.sysroot = root;
	check_map(e, e->map, &eo, 1);
	/* A debug file that is not the one linked: CRC differs, no lines. */
	{
		size_t len;
		char *bytes = vt_read_file(dbg, &len);
		struct vms_err err;
		struct vms_addr_ctx *ctx;
		struct vms_addr *a;

		assert_non_null(bytes);
		bytes[len - 1] ^= 1;
		assert_int_equal(vt_write_file(dbg, bytes, len), 0);
		free(bytes);
		ctx = vms_addr_ctx_new(e->map, &eo, &err);
		a = vms_addr_lookup(ctx, fact(e, "outer"), &err);
		assert_non_null(a);
		assert_int_equal(a->state, VMS_MOD_OK);
		assert_null(a->debug_file);
		assert_int_equal(a->nframes, 0);
		vms_addr_free(a);
		vms_addr_ctx_free(ctx);
	}
	free(link);
	free(dbg);
	free(copy);
	free(root);
}

/* The build-id of the fixture as hex, from the map. */
static char *
exe_id(struct env *e)
{
	for (size_t i = 0; i < e->map->nregions; i++) {
		const struct vms_region *r = &e->map->regions[i];

		if (r->path != NULL && strcmp(r->path, e->exe) == 0 &&
		    r->build_id_len > 0) {
			char *s = calloc(1, 2 * r->build_id_len + 1);

			for (size_t k = 0; k < r->build_id_len; k++)
				sprintf(s + 2 * k, "%02x", r->build_id[k]);
			return s;
		}
	}
	fail_msg("no build-id for %s in the map", e->exe);
	return NULL;
}

/*
 * --debug-dir DIR with DIR/.build-id/xx/rest.debug; the copy under the
 * sysroot has no debuglink.  Then the same debug file damaged: lookups
 * must not crash, whatever they find.
 */
static void
test_buildid_dir(void **state)
{
	struct env *e = *state;
	char oc[256];
	char *root = vt_asprintf("%s/r2", e->tmp), *copy, *id = exe_id(e);
	char *ddir = vt_asprintf("%s/dbg", e->tmp), *sub, *dbg;
	struct vms_elf_opts eo = {0};

	if (!need("objcopy", oc, sizeof(oc)) || !need("nm", oc, sizeof(oc)) ||
	    !need("addr2line", oc, sizeof(oc)))
		skip();
	tool("objcopy", oc, sizeof(oc));
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(mkdir(ddir, 0700), 0);
	copy = mkdirs(root, e->exe);
	sub = vt_asprintf("%s/.build-id", ddir);
	assert_int_equal(mkdir(sub, 0700), 0);
	free(sub);
	sub = vt_asprintf("%s/.build-id/%.2s", ddir, id);
	assert_int_equal(mkdir(sub, 0700), 0);
	dbg = vt_asprintf("%s/%s.debug", sub, id + 2);
	{
		const char *a1[] = {oc, "--only-keep-debug", e->exe, dbg, NULL};
		const char *a2[] = {oc, "--strip-all", e->exe, copy, NULL};

		free(run_ok(a1));
		free(run_ok(a2));
	}
	eo.sysroot = root;
	eo.debug_dir = ddir;
	/* Stripped of .symtab: symbols come from the debug file. */
	check_map(e, e->map, &eo, 1);
	{
		size_t len;
		unsigned char *bytes = (unsigned char *)vt_read_file(dbg, &len);
		struct vms_err err;
		struct vms_addr_ctx *ctx;

		assert_non_null(bytes);
		/* Damage everything past the headers but keep the notes'
		 * build-id: a flipped byte every 61. */
		for (size_t k = 4096; k < len; k += 61)
			bytes[k] ^= 0x5a;
		assert_int_equal(vt_write_file(dbg, bytes, len), 0);
		free(bytes);
		for (int round = 0; round < 2; round++) {
			ctx = vms_addr_ctx_new(e->map, &eo, &err);
			assert_non_null(ctx);
			for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]);
			     i++)
				vms_addr_free(vms_addr_lookup(
					ctx, fact(e, wants[i].fact), &err));
			vms_addr_ctx_free(ctx);
		}
	}
	free(dbg);
	free(sub);
	free(ddir);
	free(copy);
	free(id);
	free(root);
}

/* A copy whose build-id differs is reported, never used. */
static void
test_mismatch(void **state)
{
	struct env *e = *state;
	char *root = vt_asprintf("%s/r3", e->tmp), *copy, *bytes;
	const struct vms_region *r = NULL;
	struct vms_elf_opts eo = {0};
	struct vms_err err;
	struct vms_addr_ctx *ctx;
	struct vms_addr *a;
	struct vms_map *map;
	struct vms_open_opts oo = {.flags = VMS_OPEN_BUILDIDS};
	size_t len, hits = 0;

	for (size_t i = 0; i < e->map->nregions && r == NULL; i++)
		if (e->map->regions[i].path != NULL &&
		    strcmp(e->map->regions[i].path, e->exe) == 0)
			r = &e->map->regions[i];
	assert_non_null(r);
	assert_true(r->build_id_len > 0);
	assert_int_equal(mkdir(root, 0700), 0);
	copy = mkdirs(root, e->exe);
	bytes = vt_read_file(e->exe, &len);
	assert_non_null(bytes);
	/* "Rebuilt": the same program with another build-id. */
	for (size_t k = 0; k + r->build_id_len <= len; k++) {
		if (memcmp(bytes + k, r->build_id, r->build_id_len) == 0) {
			bytes[k] ^= 0xff;
			hits++;
		}
	}
	assert_true(hits >= 1);
	assert_int_equal(vt_write_file(copy, bytes, len), 0);
	free(bytes);
	eo.sysroot = root;
	ctx = vms_addr_ctx_new(e->map, &eo, &err);
	a = vms_addr_lookup(ctx, fact(e, "outer"), &err);
	assert_non_null(a);
	assert_int_equal(a->state, VMS_MOD_MISMATCH);
	assert_non_null(a->why);
	assert_non_null(strstr(a->why, "build-id"));
	assert_false(a->has & (VMS_A_SYMBOL | VMS_A_SECTION));
	assert_int_equal(a->nframes, 0);
	assert_true(a->has & VMS_A_OFFSET);
	vms_addr_free(a);
	vms_addr_ctx_free(ctx);
	/* vms_map_roles: a warning, no role from the wrong file. */
	map = vms_open_pid(e->fx.pid, &oo, &err);
	assert_non_null(map);
	assert_int_equal(vms_map_roles(map, &eo, &err), 0);
	hits = 0;
	for (size_t i = 0; i < map->nwarnings; i++)
		if (strstr(map->warnings[i], "build-id") != NULL &&
		    strstr(map->warnings[i], e->exe) != NULL)
			hits++;
	assert_int_equal(hits, 1);
	for (size_t i = 0; i < map->nregions; i++)
		if (map->regions[i].path != NULL &&
		    strcmp(map->regions[i].path, e->exe) == 0)
			assert_int_equal(map->regions[i].role, VMS_ROLE_NONE);
	vms_map_free(map);
	free(copy);
	free(root);
}

/* A module missing on this machine: region and offset still there. */
static void
test_missing(void **state)
{
	struct env *e = *state;
	struct vms_elf_opts eo = {.sysroot = "/nonexistent-sysroot"};
	struct vms_err err;
	struct vms_addr_ctx *ctx = vms_addr_ctx_new(e->map, &eo, &err);
	struct vms_addr *a = vms_addr_lookup(ctx, fact(e, "outer"), &err);

	assert_non_null(a);
	assert_non_null(a->region);
	assert_int_equal(a->state, VMS_MOD_MISSING);
	assert_true(a->has & VMS_A_OFFSET);
	assert_false(a->has & VMS_A_SYMBOL);
	vms_addr_free(a);
	vms_addr_ctx_free(ctx);
}

/*
 * Roles against readelf -lW: each region of the fixture lies in one
 * PT_LOAD whose flags give its role (inside PT_GNU_RELRO: relro); the
 * anonymous region after the data, within its p_memsz, is the bss.
 */
static void
test_roles(void **state)
{
	struct env *e = *state;
	char re[256], *out, *line, *save = NULL;
	struct {
		uint64_t vaddr, memsz;
		char flags[4];
	} seg[16];
	size_t nseg = 0, seen[VMS_ROLE__COUNT] = {0};
	uint64_t relro_lo = 0, relro_hi = 0, outer_v = 0, bias;
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	char t;

	if (!need("readelf", re, sizeof(re)) || !need("nm", re, sizeof(re)))
		skip();
	tool("readelf", re, sizeof(re));
	{
		const char *argv[] = {re, "-lW", e->exe, NULL};

		out = run_ok(argv);
	}
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char type[32], f1[4] = "", f2[4] = "", f3[4] = "";
		unsigned long long off, va, pa, fsz, msz;
		int n = sscanf(line,
			       "%31s %llx %llx %llx %llx %llx %3s %3s %3s",
			       type, &off, &va, &pa, &fsz, &msz, f1, f2, f3);

		if (n < 7)
			continue;
		if (strcmp(type, "LOAD") == 0 && nseg < 16) {
			seg[nseg].vaddr = va;
			seg[nseg].memsz = msz;
			snprintf(seg[nseg].flags, 4, "%s%s%s", f1, f2, f3);
			nseg++;
		} else if (strcmp(type, "GNU_RELRO") == 0) {
			relro_lo = va & ~(pg - 1);
			relro_hi = (va + msz + pg - 1) & ~(pg - 1);
		}
	}
	free(out);
	assert_true(nseg >= 2);
	nm_sym(e->exe, "outer_fn", &outer_v, &t);
	bias = fact(e, "outer") - outer_v;
	for (size_t i = 0; i < e->map->nregions; i++) {
		const struct vms_region *r = &e->map->regions[i];
		uint64_t lo = r->start - bias;
		int want = VMS_ROLE_NONE;
		size_t s;

		if (r->path == NULL || strcmp(r->path, e->exe) != 0) {
			if (r->role == VMS_ROLE_BSS)
				seen[VMS_ROLE_BSS]++;
			continue;
		}
		for (s = 0; s < nseg; s++)
			if ((seg[s].vaddr & ~(pg - 1)) <= lo &&
			    lo < seg[s].vaddr + seg[s].memsz)
				break;
		assert_true(s < nseg);
		if (strchr(seg[s].flags, 'E'))
			want = VMS_ROLE_TEXT;
		else if (relro_lo <= lo && r->end - bias <= relro_hi)
			want = VMS_ROLE_RELRO;
		else if (strchr(seg[s].flags, 'W'))
			want = VMS_ROLE_DATA;
		else
			want = VMS_ROLE_RODATA;
		assert_int_equal(r->role, want);
		seen[want]++;
		/* The bss follows the data, inside the segment. */
		if (want == VMS_ROLE_DATA && i + 1 < e->map->nregions &&
		    e->map->regions[i + 1].path == NULL &&
		    e->map->regions[i + 1].start == r->end &&
		    e->map->regions[i + 1].start - bias <
			    seg[s].vaddr + seg[s].memsz)
			assert_int_equal(e->map->regions[i + 1].role,
					 VMS_ROLE_BSS);
	}
	/* The fixture's 256 KiB array makes a bss mapping of its own. */
	for (int k = VMS_ROLE_TEXT; k < VMS_ROLE__COUNT; k++)
		if (seen[k] == 0)
			fail_msg("no %s region", vms_role_name(k));
}

/* A gcore of the fixture: the same answers as live. */
static void
test_core(void **state)
{
	struct env *e = *state;
	char gdb[256], pid[32], b[256];
	char *core = vt_asprintf("%s/core", e->tmp);
	char *ex = vt_asprintf("gcore %s", core);
	const char *argv[] = {gdb, "-batch", "-nx", "-p", pid, "-ex", ex, NULL};
	struct vms_open_opts oo = {.flags = VMS_OPEN_BUILDIDS | VMS_OPEN_ROLES};
	struct vms_err err;
	struct vms_map *map;
	struct vt_run r;
	size_t roles = 0;

	if (!need("gdb", gdb, sizeof(gdb)) || !need("nm", b, sizeof(b)) ||
	    !need("addr2line", b, sizeof(b))) {
		free(ex);
		free(core);
		skip();
	}
	snprintf(pid, sizeof(pid), "%d", (int)e->fx.pid);
	assert_int_equal(vt_run(argv, NULL, &r), 0);
	if (r.status != 0 || access(core, R_OK) != 0) {
		print_message("gcore failed (%d): %s: skipped\n", r.status,
			      r.err);
		vt_run_free(&r);
		free(ex);
		free(core);
		skip();
	}
	vt_run_free(&r);
	map = vms_open(core, &oo, &err);
	if (map == NULL)
		fail_msg("%s", err.msg);
	check_map(e, map, NULL, 1);
	for (size_t i = 0; i < map->nregions; i++)
		if (map->regions[i].role != VMS_ROLE_NONE)
			roles++;
	assert_true(roles >= 5);
	vms_map_free(map);
	/* Without build-ids nothing checks the files: no roles. */
	oo.flags = VMS_OPEN_ROLES;
	map = vms_open(core, &oo, &err);
	assert_non_null(map);
	for (size_t i = 0; i < map->nregions; i++)
		assert_int_equal(map->regions[i].role, VMS_ROLE_NONE);
	vms_map_free(map);
	free(ex);
	free(core);
}

/* The command: exit statuses, bad addresses, a long list on stdin. */
static void
test_cli(void **state)
{
	struct env *e = *state;
	char *vmscope = vt_vmscope_path(), pid[32], outer[32];
	struct vt_run r;
	size_t n = 100000, lines = 0;
	char *input, *p;

	snprintf(pid, sizeof(pid), "%d", (int)e->fx.pid);
	snprintf(outer, sizeof(outer), "0x%" PRIx64, fact(e, "outer"));
	{
		const char *argv[] = {vmscope, "addr", pid, outer,
				      "zz",    "1000", NULL};

		assert_int_equal(vt_run(argv, NULL, &r), 0);
		assert_int_equal(r.status, 1);
		assert_non_null(strstr(r.out, "outer_fn+0x0"));
		assert_non_null(strstr(r.out, "(text)"));
		assert_non_null(strstr(r.out, "0x1000: unmapped"));
		assert_non_null(strstr(r.err, "zz: not an address"));
		vt_run_free(&r);
	}
	{
		const char *argv[] = {vmscope, "addr", "--json",
				      pid,     outer,  NULL};

		assert_int_equal(vt_run(argv, NULL, &r), 0);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "\"symbol\":\"outer_fn\""));
		assert_non_null(strstr(r.out, "\"module_state\":\"ok\""));
		vt_run_free(&r);
	}
	{
		const char *argv[] = {vmscope, "addr", NULL};

		assert_int_equal(vt_run(argv, NULL, &r), 0);
		assert_int_equal(r.status, 2);
		vt_run_free(&r);
	}
	{
		const char *argv[] = {vmscope, "addr", "--threads", pid, NULL};

		assert_int_equal(vt_run(argv, NULL, &r), 0);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "thread "));
		vt_run_free(&r);
	}
	/* 100 000 addresses on standard input (a file: vt_run writes its
	 * input before it reads): one line each. */
	input = malloc(n * 20 + 1);
	assert_non_null(input);
	p = input;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%" PRIx64 "\n", fact(e, "outer") + i % 64);
	{
		char *list = vt_asprintf("%s/list", e->tmp);
		char *cmd = vt_asprintf("exec '%s' addr %s < '%s'", vmscope,
					pid, list);
		const char *argv[] = {"/bin/sh", "-c", cmd, NULL};

		assert_int_equal(vt_write_file(list, input, strlen(input)), 0);
		assert_int_equal(vt_run(argv, NULL, &r), 0);
		assert_int_equal(r.status, 0);
		for (p = r.out; (p = strchr(p, '\n')) != NULL; p++)
			lines++;
		assert_int_equal(lines, n);
		vt_run_free(&r);
		free(cmd);
		free(list);
	}
	free(input);
	free(vmscope);
}

/*
 * libdwarf is loaded on first use: when it cannot be, the DWARF reader
 * says which library, in one line, and works again once it can.
 */
static void
test_no_libdwarf(void **state)
{
	struct env *e = *state;
	struct vms_err err = {0};
	struct vms_dwarf *d;

	vms_dwarf_soname("libvmscope-none.so.0");
	d = vms_dwarf_open(e->exe, &err);
	vms_dwarf_soname(NULL);
	assert_null(d);
	assert_int_equal(err.code, VMS_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "need libdwarf, and "
					"libvmscope-none.so.0 cannot be loaded"));
	assert_null(strchr(err.msg, '\n'));
	d = vms_dwarf_open(e->exe, &err);
	if (d == NULL)
		fail_msg("%s: %s", e->exe, err.msg);
	vms_dwarf_close(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_nopie),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_no_libdwarf),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_buildid_dir),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_core),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
