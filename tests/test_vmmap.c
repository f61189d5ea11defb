/*
 * test_vmmap.c - the vmmap view: every mode on the fake procfs tree
 * testdata/procfs/golden against goldens in testdata/golden/vmmap/, with
 * the capture time and kernel fixed (TZ=UTC); region types by ELF role;
 * coalescing; human sizes; the summary's totals against sums the test
 * takes itself from smaps; unknown marks.
 *
 * VMS_UPDATE_GOLDEN=1 rewrites the goldens; read the diff before
 * committing it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "testutil.h"
#include "vmscope/vmscope.h"

struct golden {
	const char *view;
	const char *target;
	unsigned flags;
	int verbose;
	uint64_t lo;
	const char *file;
};

static const struct golden goldens[] = {
	{"vmmap", "4242", 0, 0, 0, "default-4242"},
	{"vmmap", "4343", 0, 0, 0, "default-4343"},
	{"vmmap-interleaved", "4242", 0, 0, 0, "interleaved-4242"},
	{"vmmap-summary", "4242", 0, 0, 0, "summary-4242"},
	{"vmmap", "4242", VMS_VIEW_ADDRESS, 0, 0x7f0000a00010, "addr-4242"},
	{"vmmap", "4242", VMS_VIEW_ADDRESS, 0, 0x7f0000a80000, "gap-4242"},
};

static char *
print_map(const char *view, const struct vms_map *map,
	  const struct vms_view_opts *vo)
{
	const struct vms_view *v = vms_view_find(view);
	char *out;

	assert_non_null(v);
	out = vt_render(v, map, vo);
	assert_non_null(out);
	return out;
}

static char *
render(const struct golden *g)
{
	struct vms_view_opts vo = {0};
	struct vms_err err = {0};
	struct vms_map *map;
	char *out;

	map = vt_tree_open("testdata/procfs/golden", g->target,
			   vms_view_find(g->view)->needs, &err);
	if (map == NULL)
		fail_msg("%s: %s", g->target, err.msg);
	/* What the live reader takes from this host, fixed for goldens. */
	map->source.capture_sec = 1700000000;
	map->source.capture_nsec = 250000000;
	map->source.kernel = "6.1.0-test";
	vo.flags = g->flags;
	vo.verbose = g->verbose;
	vo.lo = g->lo;
	out = print_map(g->view, map, &vo);
	vms_map_free(map);
	return out;
}

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void
test_goldens(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		char *out = render(&goldens[i]);
		char *rel = vt_asprintf("testdata/golden/vmmap/%s.txt",
					goldens[i].file);

		if (vt_golden(rel, out) != 0)
			fail_msg("%s does not match the golden",
				 goldens[i].file);
		free(rel);
		free(out);
	}
}

/* Sum "Key: N kB" over a smaps file, independently of the parser. */
static unsigned long long
smaps_sum(const char *text, const char *key)
{
	size_t kl = strlen(key);
	unsigned long long sum = 0;

	for (const char *s = text; s != NULL && *s; s = strchr(s, '\n')) {
		unsigned long long v;

		if (*s == '\n')
			s++;
		if (strncmp(s, key, kl) == 0 && s[kl] == ':' &&
		    sscanf(s + kl + 1, "%llu", &v) == 1)
			sum += v;
	}
	return sum;
}

/* The TOTAL row agrees with smaps (all values under 10M: in K). */
static void
test_total_matches_smaps(void **state)
{
	const struct golden g = {"vmmap-summary", "4343", 0, 0, 0, NULL};
	char *path = vt_source_path("testdata/procfs/golden/4343/smaps");
	char *smaps = vt_read_file(path, NULL);
	char *out = render(&g);
	const char *t = strstr(out, "\nTOTAL ");
	unsigned long long v[5];

	(void)state;
	assert_non_null(smaps);
	assert_non_null(t);
	assert_int_equal(sscanf(t, " TOTAL %lluK %lluK %lluK %lluK %llu", &v[0],
				&v[1], &v[2], &v[3], &v[4]),
			 5);
	assert_int_equal(v[0], smaps_sum(smaps, "Size"));
	assert_int_equal(v[1], smaps_sum(smaps, "Rss"));
	assert_int_equal(v[2], smaps_sum(smaps, "Private_Dirty") +
				       smaps_sum(smaps, "Shared_Dirty"));
	assert_int_equal(v[3], smaps_sum(smaps, "Swap"));
	assert_int_equal(v[4], 4);
	free(out);
	free(smaps);
	free(path);
}

/* Is want in out?  Shows out when not. */
static int
has(const char *out, const char *want)
{
	if (strstr(out, want) != NULL)
		return 1;
	print_error("no \"%s\" in:\n%s", want, out);
	return 0;
}

static struct vms_region *
add(struct vms_map *map, uint64_t start, uint64_t end, unsigned prot,
    const char *path, enum vms_role role)
{
	struct vms_err err;
	struct vms_region *r = vms_map_add(map, &err);

	assert_non_null(r);
	r->start = start;
	r->end = end;
	r->prot = (uint8_t)prot;
	r->has = VMS_HAS_PROT | VMS_HAS_SHARED | VMS_HAS_VMFLAGS;
	r->vmflags = VMS_VMF(MR) | VMS_VMF(MW) | VMS_VMF(ME);
	r->path = path;
	r->role = (uint8_t)role;
	return r;
}

/*
 * ELF roles name the types; alike neighbours coalesce unless verbose;
 * sizes switch to M and G as vmmap's do; unknown counters print "?".
 */
static void
test_roles_and_coalescing(void **state)
{
	const uint64_t m = 1024 * 1024;
	struct vms_view_opts vo = {0};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	struct vms_region *r;
	char *out;

	(void)state;
	add(map, 0x400000, 0x401000, VMS_PROT_R, "/bin/x", VMS_ROLE_RODATA);
	add(map, 0x401000, 0x403000, VMS_PROT_R | VMS_PROT_X, "/bin/x",
	    VMS_ROLE_TEXT);
	add(map, 0x403000, 0x404000, VMS_PROT_R, "/bin/x", VMS_ROLE_RELRO);
	add(map, 0x404000, 0x405000, VMS_PROT_R | VMS_PROT_W, "/bin/x",
	    VMS_ROLE_DATA);
	add(map, 0x405000, 0x406000, VMS_PROT_R | VMS_PROT_W, NULL,
	    VMS_ROLE_BSS);
	/* Two alike anonymous neighbours, then a big one. */
	add(map, 0x10000000, 0x10000000 + 20 * m, VMS_PROT_R | VMS_PROT_W, NULL,
	    VMS_ROLE_NONE);
	add(map, 0x10000000 + 20 * m, 0x10000000 + 30 * m,
	    VMS_PROT_R | VMS_PROT_W, NULL, VMS_ROLE_NONE);
	r = add(map, 0x100000000, 0x100000000 + 1536 * m,
		VMS_PROT_R | VMS_PROT_W, NULL, VMS_ROLE_NONE);
	r->has &= ~VMS_HAS_VMFLAGS;
	map->arch.wordsize = 64;
	map->source.kind = VMS_SOURCE_ELF_CORE;
	map->source.name = "core.7";
	assert_int_equal(vms_map_finish(map, &err), 0);

	out = print_map("vmmap-interleaved", map, &vo);
	assert_true(has(out, "\n__RODATA        400000-401000    [    4K "));
	assert_true(has(out, "\n__TEXT          401000-403000    [    8K "));
	assert_true(has(out, "\n__DATA_CONST    403000-404000    [    4K "));
	assert_true(has(out, "\n__DATA          404000-405000    [    4K "));
	assert_true(has(out, "\n__BSS           405000-406000    [    4K "));
	assert_true(has(out, "Core File:       core.7\n"));
	/* 30M coalesced; counters unknown; maxprot unknown for the last. */
	assert_true(has(out, "\nVM_ALLOCATE   10000000-11e00000  "
			     "[ 30.0M      ?      ?      ?] rw-/rwx "
			     "SM=??? ?\n"));
	assert_true(has(out, "[  1.5G      ?      ?      ?] rw-/??? "
			     "SM=??? ?\n"));
	assert_null(strstr(out, "Physical footprint"));
	assert_true(has(out, "\nVM_ALLOCATE                         "
			     "1.5G        ?        ?        ?        3"
			     "\n"));
	assert_true(has(out, "\nTOTAL                               "
			     "1.5G        ?        ?        ?        8"
			     "\n"));
	free(out);
	vo.verbose = 1;
	out = print_map("vmmap-interleaved", map, &vo);
	assert_true(has(out, "10000000-11400000  [ 20.0M "));
	free(out);
	vms_map_free(map);
}

/* A long detail is cut unless -wide. */
static void
test_wide(void **state)
{
	const char *path = "/opt/a/very/long/path/to/some/library/that/has/"
			   "many/parts/libfoo.so.1";
	struct vms_view_opts vo = {0};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	char *out;

	(void)state;
	add(map, 0x400000, 0x401000, VMS_PROT_R, path, VMS_ROLE_NONE);
	assert_int_equal(vms_map_finish(map, &err), 0);
	out = print_map("vmmap", map, &vo);
	assert_null(strstr(out, path));
	assert_true(has(out, "SM=??? ?        .../some/library/that/"
			     "has/many/parts/libfoo.so.1\n"));
	free(out);
	vo.flags = VMS_VIEW_WIDE;
	out = print_map("vmmap", map, &vo);
	assert_true(has(out, path));
	free(out);
	vms_map_free(map);
}

/* Run vmscope vmmap with arguments (NULL-terminated). */
static void
run(struct vt_run *r, const char *a0, ...)
{
	const char *argv[16];
	char *vmscope = vt_vmscope_path();
	va_list ap;
	int n = 0;

	argv[n++] = vmscope;
	argv[n++] = "vmmap";
	va_start(ap, a0);
	for (const char *a = a0; a != NULL && n < 15; a = va_arg(ap, char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(vt_run(argv, NULL, r), 0);
	free(vmscope);
}

static void
test_cli(void **state)
{
	char *procfs = vt_source_path("testdata/procfs/golden");
	struct vt_run r;

	(void)state;
	run(&r, NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	run(&r, "-bogus", "self", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	run(&r, "self", "xyz", NULL);
	assert_int_equal(r.status, 2);
	assert_true(has(r.err, "xyz: not an address"));
	vt_run_free(&r);
	run(&r, "self", "1", "2", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	/* An address: its region marked, with its neighbours. */
	run(&r, "--procfs", procfs, "4242", "0x7f0000a00010", NULL);
	assert_int_equal(r.status, 0);
	assert_true(has(r.out, "\n--->memfd "));
	assert_true(has(r.out, "\n    SysV shm "));
	assert_true(has(r.out, "\n    VM_ALLOCATE "));
	assert_null(strstr(r.out, "==== Summary"));
	vt_run_free(&r);
	/* Single-dash long options as macOS spells them. */
	run(&r, "--procfs", procfs, "-summary", "-wide", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_true(has(r.out, "==== Summary for process 4242\n"));
	assert_null(strstr(r.out, "==== Writable"));
	vt_run_free(&r);
	run(&r, "--procfs", procfs, "-interleaved", "-v", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_true(has(r.out, "==== Regions for process 4242\n"));
	vt_run_free(&r);
	run(&r, "self", NULL);
	assert_int_equal(r.status, 0);
	assert_true(has(r.out, "==== Writable regions for process "));
	assert_true(has(r.out, "Physical footprint: "));
	vt_run_free(&r);
	free(procfs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_total_matches_smaps),
		cmocka_unit_test(test_roles_and_coalescing),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
