/*
 * test_procmap.c - the procmap view: every mode on the fake procfs tree
 * testdata/procfs/golden (64-bit 4242, 32-bit 4343) against goldens in
 * testdata/golden/procmap/; -l byte-equal to the maps file it was read
 * from, fake and live; the 80-column rule; unknown fields print "?".
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
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "vmscope/vmscope.h"

struct golden {
	const char *view;
	const char *target;
	unsigned flags;
	int verbose;
	uint64_t lo, hi;
	const char *file;
};

static const struct golden goldens[] = {
	{"procmap", "4242", 0, 0, 0, 0, "s-4242"},
	{"procmap", "4343", 0, 0, 0, 0, "s-4343"},
	{"procmap", "4242", 0, 2, 0, 0, "svv-4242"},
	{"procmap-l", "4242", 0, 0, 0, 0, "l-4242"},
	{"procmap-l", "4343", 0, 0, 0, 0, "l-4343"},
	{"procmap-l", "4242", 0, 1, 0, 0, "lv-4242"},
	{"procmap-m", "4242", 0, 0, 0, 0, "m-4242"},
	{"procmap-m", "4242", 0, 1, 0, 0, "mv-4242"},
	{"procmap-m", "4343", 0, 1, 0, 0, "mv-4343"},
	{"procmap-a", "4242", 0, 0, 0, 0, "a-4242"},
	{"procmap-a", "4242", VMS_VIEW_WIDE, 0, 0, 0, "aw-4242"},
	{"procmap-a", "4343", 0, 0, 0, 0, "a-4343"},
	{"procmap-d", "4242", 0, 1, 0, 0, "dv-4242"},
	{"procmap-d", "4343", 0, 0, 0, 0, "d-4343"},
	{"procmap", "4242", VMS_VIEW_RANGE, 0, 0x7f0000a00010, 0x7f0000a00010,
	 "E-4242"},
};

static struct vms_map *
open_fake(const char *target, unsigned needs)
{
	struct vms_err err = {0};
	struct vms_map *map;

	map = vt_tree_open("testdata/procfs/golden", target, needs, &err);
	if (map == NULL)
		fail_msg("%s: %s", target, err.msg);
	return map;
}

static char *
print_map(const struct vms_view *v, const struct vms_map *map,
	  const struct vms_view_opts *vo)
{
	char *out = vt_render(v, map, vo);

	assert_non_null(out);
	return out;
}

static char *
render(const struct golden *g)
{
	const struct vms_view *v = vms_view_find(g->view);
	struct vms_view_opts vo = {0};
	struct vms_map *map;
	char *out;

	assert_non_null(v);
	map = open_fake(g->target, v->needs);
	vo.flags = g->flags;
	vo.verbose = g->verbose;
	vo.lo = g->lo;
	vo.hi = g->hi;
	out = print_map(v, map, &vo);
	vms_map_free(map);
	return out;
}

static void
test_goldens(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		char *out = render(&goldens[i]);
		char *rel = vt_asprintf("testdata/golden/procmap/%s.txt",
					goldens[i].file);

		if (vt_golden(rel, out) != 0)
			fail_msg("%s does not match the golden",
				 goldens[i].file);
		free(rel);
		free(out);
	}
}

/* -l on the fake trees gives back the very maps file read. */
static void
test_maps_roundtrip_fake(void **state)
{
	static const char *const pids[] = {"4242", "4343"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct golden g = {"procmap-l", pids[i], 0, 0, 0, 0, NULL};
		char *rel =
			vt_asprintf("testdata/procfs/golden/%s/maps", pids[i]);
		char *path = vt_source_path(rel);
		char *want = vt_read_file(path, NULL);
		char *out = render(&g);

		assert_non_null(want);
		assert_string_equal(out, want);
		free(out);
		free(want);
		free(path);
		free(rel);
	}
}

/*
 * -l on a live process equals its /proc/PID/maps byte for byte.  The
 * fixture maps files, an unlinked file, shared memory and threads, then
 * waits; a map that changed between two reads is retried.  Our own map
 * is no good here: reading it allocates, which changes it.
 */
static void
test_maps_live(void **state)
{
	const struct vms_view *v = vms_view_find("procmap-l");
	struct vt_fixture fx;
	struct vms_view_opts vo = {0};
	struct vms_err err = {0};
	int same = 0;

	(void)state;
	if (vt_fixture_start(&fx, "mapper", NULL) < 0)
		fail_msg("cannot start the mapper fixture");
	for (int tries = 0; tries < 5 && !same; tries++) {
		char *path = vt_asprintf("/proc/%ld/maps", (long)fx.pid);
		struct vms_map *map = vms_open_pid(fx.pid, NULL, &err);
		char *want, *out;

		if (map == NULL)
			fail_msg("%ld: %s", (long)fx.pid, err.msg);
		out = print_map(v, map, &vo);
		want = vt_read_file(path, NULL);
		assert_non_null(want);
		same = strcmp(out, want) == 0;
		if (!same && tries == 4)
			assert_string_equal(out, want);
		free(want);
		free(out);
		free(path);
		vms_map_free(map);
	}
	/* And the same through the command, as a user runs it. */
	{
		char *vmscope = vt_vmscope_path();
		char *pid = vt_asprintf("%ld", (long)fx.pid);
		char *path = vt_asprintf("/proc/%s/maps", pid);
		const char *argv[] = {vmscope, "procmap", "-l", pid, NULL};
		struct vt_run r;
		char *want;

		assert_int_equal(vt_run(argv, NULL, &r), 0);
		want = vt_read_file(path, NULL);
		assert_int_equal(r.status, 0);
		assert_string_equal(r.out, want);
		vt_run_free(&r);
		free(want);
		free(path);
		free(pid);
		free(vmscope);
	}
	assert_true(vt_fixture_stop(&fx) >= 0);
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

static int
max_width(const char *s)
{
	int w = 0, n = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			n = 0;
			continue;
		}
		n += *s == '\t' ? 8 - n % 8 : 1;
		if (n > w)
			w = n;
	}
	return w;
}

/* Narrow output fits 80 columns; wide output may not. */
static void
test_80_columns(void **state)
{
	static const char *const views[] = {"procmap", "procmap-m", "procmap-a",
					    "procmap-d"};

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		struct golden g = {views[i], "4242", 0, 1, 0, 0, NULL};
		char *out = render(&g);

		if (max_width(out) > 80)
			fail_msg("%s: %d columns:\n%s", views[i],
				 max_width(out), out);
		free(out);
	}
}

/* A long name is cut from the head in narrow mode, whole with -w. */
static void
test_long_name(void **state)
{
	const struct vms_view *v = vms_view_find("procmap");
	struct vms_view_opts vo = {0};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	struct vms_region *r = vms_map_add(map, &err);
	const char *path = "/very/long/directory/name/that/goes/on/and/on/"
			   "lib/x86_64-linux-gnu/libsomething.so.1.2.3";
	char *out;

	(void)state;
	r->start = 0x400000;
	r->end = 0x401000;
	r->has = VMS_HAS_PROT;
	r->prot = VMS_PROT_R;
	r->path = path;
	map->arch.wordsize = 64;
	assert_int_equal(vms_map_finish(map, &err), 0);
	out = print_map(v, map, &vo);
	assert_true(max_width(out) <= 80);
	assert_true(has(out, "read              ...64-linux-gnu/"));
	assert_true(has(out, "/libsomething.so.1.2.3\n"));
	free(out);
	vo.flags = VMS_VIEW_WIDE;
	out = print_map(v, map, &vo);
	assert_true(has(out, path));
	free(out);
	vms_map_free(map);
}

/*
 * A region as a core gives it: no counters, no VmFlags, no device.  The
 * derived fields print "?", never a guess.
 */
static void
test_unknown_marks(void **state)
{
	struct vms_view_opts vo = {0};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	struct vms_region *r;
	char *out, *want;

	(void)state;
	r = vms_map_add(map, &err);
	r->start = 0x400000;
	r->end = 0x402000;
	r->prot = VMS_PROT_R | VMS_PROT_X;
	r->has = VMS_HAS_PROT | VMS_HAS_SHARED;
	r->path = "/bin/x";
	r = vms_map_add(map, &err);
	r->start = 0x600000;
	r->end = 0x601000;
	map->source.kind = VMS_SOURCE_ELF_CORE;
	map->source.name = "core.1";
	map->arch.wordsize = 64;
	assert_int_equal(vms_map_finish(map, &err), 0);

	out = print_map(vms_view_find("procmap-m"), map, &vo);
	assert_string_equal(out, "0x400000 0x402000 r-x ??? COW ? ? ? ?\n"
				 "0x600000 0x601000 ??? ??? ? ? ? ? ?\n");
	free(out);
	out = print_map(vms_view_find("procmap-l"), map, &vo);
	/* The name still starts at column 73. */
	want = vt_asprintf("%-72s /bin/x\n"
			   "00600000-00601000 ???? ???????? ??:?? ? \n",
			   "00400000-00402000 r-xp ???????? ??:?? ? ");
	assert_string_equal(out, want);
	free(want);
	free(out);
	out = print_map(vms_view_find("procmap"), map, &vo);
	assert_true(has(out, "0000000000600000      4K ?    "));
	/* An unknown protection counts in the total. */
	assert_true(has(out, "       12K\n"));
	free(out);
	out = print_map(vms_view_find("procmap-d"), map, &vo);
	assert_true(has(out, "cow=T, nc=?, prot(max)=5/?, inh=?, "
			     "wc=?, adv=?\n"));
	assert_true(has(out, "\tvmflags=?\n\trss=?, pss=?,"));
	free(out);
	vms_map_free(map);
}

/* With -v -v the holes are counted in pages when the page size is known. */
static void
test_holes(void **state)
{
	const struct vms_view *v = vms_view_find("procmap-m");
	struct vms_view_opts vo = {.verbose = 2};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	struct vms_region *r;
	char *out;

	(void)state;
	for (int i = 0; i < 2; i++) {
		r = vms_map_add(map, &err);
		r->start = 0x10000 + (uint64_t)i * 0x5000;
		r->end = r->start + 0x1000;
	}
	assert_int_equal(vms_map_finish(map, &err), 0);
	out = print_map(v, map, &vo);
	assert_true(has(out, "\n[? pages / 16K]\n0x15000 "));
	free(out);
	map->has |= VMS_P_PAGE_SIZE;
	map->page_size = 4096;
	out = print_map(v, map, &vo);
	assert_true(has(out, "\n[4 pages / 16K]\n0x15000 "));
	free(out);
	vms_map_free(map);
}

/* Run vmscope procmap with arguments (NULL-terminated). */
static void
run(struct vt_run *r, const char *a0, ...)
{
	const char *argv[16];
	char *vmscope = vt_vmscope_path();
	va_list ap;
	int n = 0;

	argv[n++] = vmscope;
	argv[n++] = "procmap";
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
	char pid[32], *want;
	struct vt_run r;

	(void)state;
	/* Usage errors: status 2. */
	run(&r, "-Q", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	run(&r, "-l", "-m", "self", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	run(&r, "-E", "zz", "self", NULL);
	assert_int_equal(r.status, 2);
	assert_true(has(r.err, "-E zz: not an address"));
	vt_run_free(&r);
	run(&r, "-A", "2000,1000", "self", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	/* -p PID, and the mode letters. */
	run(&r, "--procfs", procfs, "-a", "-p", "4343", NULL);
	assert_int_equal(r.status, 0);
	want = vt_source_path("testdata/golden/procmap/a-4343.txt");
	{
		char *g = vt_read_file(want, NULL);

		assert_string_equal(r.out, g);
		free(g);
	}
	free(want);
	vt_run_free(&r);
	/* -E: the entry holding an address; -S: from there on. */
	run(&r, "--procfs", procfs, "-l", "-E", "7f0000a00010", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_true(has(r.out, "7f0000a00000-7f0000a01000 rw-s "));
	assert_int_equal(strchr(r.out, '\n') - r.out + 1, (long)strlen(r.out));
	vt_run_free(&r);
	run(&r, "--procfs", procfs, "-S", "7ffff7fc5000", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_true(has(r.out, "[ vdso ]\n"));
	assert_null(strstr(r.out, "[ vvar ]"));
	vt_run_free(&r);
	/* -P is vmscope itself: its maps name the vmscope binary. */
	run(&r, "-l", "-P", NULL);
	assert_int_equal(r.status, 0);
	assert_true(has(r.out, "/vmscope\n"));
	vt_run_free(&r);
	/* -P then -p: the last one counts. */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	run(&r, "-l", "-P", "-p", pid, NULL);
	assert_int_equal(r.status, 0);
	assert_true(has(r.out, "/test_procmap\n"));
	vt_run_free(&r);
	/* --json, when the JSON view is built in. */
	if (vms_view_find("json") != NULL) {
		run(&r, "--procfs", procfs, "--json", "-m", "4343", NULL);
		assert_int_equal(r.status, 0);
		assert_memory_equal(r.out, "{\"schema\":", 10);
		vt_run_free(&r);
	}
	run(&r, "--json=x", "self", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	/* -M: a core file; one that is not gives status 1, one line. */
	run(&r, "-M", "/etc/hostname", NULL);
	assert_int_equal(r.status, 1);
	assert_true(has(r.err, "vmscope: /etc/hostname: "));
	vt_run_free(&r);
	free(procfs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_maps_roundtrip_fake),
		cmocka_unit_test(test_maps_live),
		cmocka_unit_test(test_80_columns),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_unknown_marks),
		cmocka_unit_test(test_holes),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
