/*
 * test_pmap.c - the pmap view: every mode on the fake procfs tree
 * testdata/procfs/golden (a 64-bit and a 32-bit process) against golden
 * files in testdata/golden/pmap/, the totals of -x and -S against sums
 * the test takes itself from the smaps text, and a live process with
 * tens of thousands of mappings (which the view formats on two threads)
 * against its /proc/PID/maps.
 *
 * VMS_UPDATE_GOLDEN=1 rewrites the goldens; read the diff before
 * committing it.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "vmscope/vmscope.h"

struct golden {
	const char *view;
	const char *target;
	unsigned flags;
	uint64_t lo, hi;
	const char *file;
};

static const struct golden goldens[] = {
	{"pmap", "4242", 0, 0, 0, "default-4242"},
	{"pmap", "4343", 0, 0, 0, "default-4343"},
	{"pmap-x", "4242", 0, 0, 0, "x-4242"},
	{"pmap-x", "4343", 0, 0, 0, "x-4343"},
	{"pmap-xs", "4242", 0, 0, 0, "xs-4242"},
	{"pmap-S", "4242", 0, 0, 0, "S-4242"},
	{"pmap-s", "4242", 0, 0, 0, "s-4242"},
	{"pmap-r", "4242", 0, 0, 0, "r-4242"},
	{"pmap-X", "4242", 0, 0, 0, "X-4242"},
	{"pmap-XX", "4242", 0, 0, 0, "XX-4242"},
	{"pmap-d", "4242", 0, 0, 0, "d-4242"},
	{"pmap-x", "4242", VMS_VIEW_QUIET | VMS_VIEW_FULLPATH, 0, 0,
	 "xqp-4242"},
	{"pmap", "4242", VMS_VIEW_RAW, 0, 0, "l-4242"},
	{"pmap", "4242", VMS_VIEW_RANGE, 0x7f0000900800, 0x7f0000a00fff,
	 "A-4242"},
};

static char *
render(const struct golden *g)
{
	const struct vms_view *v = vms_view_find(g->view);
	struct vms_view_opts vo = {0};
	struct vms_err err = {0};
	struct vms_map *map;
	char *out;

	assert_non_null(v);
	map = vt_tree_open("testdata/procfs/golden", g->target, v->needs, &err);
	if (map == NULL)
		fail_msg("%s: %s", g->target, err.msg);
	vo.flags = g->flags;
	vo.lo = g->lo;
	vo.hi = g->hi;
	out = vt_render(v, map, &vo);
	assert_non_null(out);
	vms_map_free(map);
	return out;
}

static void
test_goldens(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		char *out = render(&goldens[i]);
		char *rel = vt_asprintf("testdata/golden/pmap/%s.txt",
					goldens[i].file);

		if (vt_golden(rel, out) != 0)
			fail_msg("%s does not match the golden",
				 goldens[i].file);
		free(rel);
		free(out);
	}
}

/* Sum "Key: N kB" over a smaps file, independently of the parser. */
static uint64_t
smaps_sum(const char *text, const char *key)
{
	size_t kl = strlen(key);
	uint64_t sum = 0;

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

/* The numbers of the "total Kb" line of -x or -S output. */
static int
total_line(const char *out, unsigned long long *v, int n)
{
	const char *t = strstr(out, "total Kb");

	if (t == NULL)
		return -1;
	t += strlen("total Kb");
	for (int i = 0; i < n; i++) {
		int used;

		if (sscanf(t, "%llu%n", &v[i], &used) != 1)
			return -1;
		t += used;
	}
	return 0;
}

static void
test_totals_match_smaps(void **state)
{
	const struct golden x = {"pmap-x", "4242", 0, 0, 0, NULL};
	const struct golden sw = {"pmap-S", "4242", 0, 0, 0, NULL};
	char *path = vt_source_path("testdata/procfs/golden/4242/smaps");
	char *smaps = vt_read_file(path, NULL);
	unsigned long long v[4];
	char *out;

	(void)state;
	assert_non_null(smaps);
	out = render(&x);
	assert_int_equal(total_line(out, v, 4), 0);
	assert_int_equal(v[0], smaps_sum(smaps, "Size"));
	assert_int_equal(v[1], smaps_sum(smaps, "Rss"));
	assert_int_equal(v[2], smaps_sum(smaps, "Anonymous"));
	assert_int_equal(v[3], smaps_sum(smaps, "Locked"));
	free(out);
	out = render(&sw);
	assert_int_equal(total_line(out, v, 2), 0);
	assert_int_equal(v[1], smaps_sum(smaps, "Swap"));
	free(out);
	free(smaps);
	free(path);
}

/* A map whose counters are unknown prints "?", never "-" or 0. */
static void
test_unknown_is_not_zero(void **state)
{
	const struct vms_view *v = vms_view_find("pmap-x");
	struct vms_view_opts vo = {0};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	struct vms_region *r;
	char *buf;

	(void)state;
	r = vms_map_add(map, &err);
	r->start = 0x400000;
	r->end = 0x402000;
	r->prot = VMS_PROT_R | VMS_PROT_X;
	r->has = VMS_HAS_PROT;
	assert_int_equal(vms_region_set(map, r, VMS_C_RSS, 0, &err), 0);
	r->path = "/bin/x";
	map->source.kind = VMS_SOURCE_ELF_CORE;
	map->source.name = "core.1";
	assert_int_equal(vms_map_finish(map, &err), 0);
	buf = vt_render(v, map, &vo);
	assert_non_null(buf);
	/* RSS known zero: "-"; Anon and Locked unknown: "?". */
	assert_non_null(strstr(buf, "core 'core.1' of ?:"));
	assert_non_null(
		strstr(buf, "0000000000400000          8          -          ?"
			    "          ? r-x    x"));
	assert_non_null(strstr(buf, "8          -          ?          ?\n"));
	free(buf);
	vms_map_free(map);
}

/*
 * Default rows of a 64-bit map against printf's own formatting of the
 * columns before the name: addresses of every length, sizes from a page
 * to more kilobytes than the column's ten places hold (a 64 TiB
 * reservation), every mode.
 */
static void
test_row_columns(void **state)
{
	static const struct {
		uint64_t start, len;
		unsigned prot;
		int shared;
	} rs[] = {
		{0x1000, 0x1000, VMS_PROT_R, 0},
		{0x400000, 0x3000, VMS_PROT_R | VMS_PROT_X, 0},
		{0x7f0000000000, 0x200000, VMS_PROT_R | VMS_PROT_W, 1},
		{0x100000000000, UINT64_C(1) << 46, 0, 0},
		{0x7fffffffe000, 0x1000, VMS_PROT_W | VMS_PROT_X, 0},
		{UINT64_C(0xffffffffff600000), 0x1000, VMS_PROT_X, 0},
	};
	const struct vms_view *v = vms_view_find("pmap");
	struct vms_view_opts vo = {0};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	char *buf;

	(void)state;
	map->arch.wordsize = 64;
	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		struct vms_region *r = vms_map_add(map, &err);

		r->start = rs[i].start;
		r->end = rs[i].start + rs[i].len;
		r->prot = (uint8_t)rs[i].prot;
		r->flags = rs[i].shared ? VMS_RF_SHARED : 0;
		r->has = VMS_HAS_PROT | VMS_HAS_SHARED;
	}
	assert_int_equal(vms_map_finish(map, &err), 0);
	buf = vt_render(v, map, &vo);
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		char want[128];

		snprintf(want, sizeof(want), "\n%016" PRIX64 " %10" PRIu64
			 "K %c%c%c%c  ",
			 rs[i].start, rs[i].len / 1024,
			 rs[i].prot & VMS_PROT_R ? 'r' : '-',
			 rs[i].prot & VMS_PROT_W ? 'w' : '-',
			 rs[i].prot & VMS_PROT_X ? 'x' : '-',
			 rs[i].shared ? 's' : '-');
		if (strstr(buf, want) == NULL)
			fail_msg("no row \"%s\" in:\n%s", want + 1, buf);
	}
	free(buf);
	vms_map_free(map);
}

/* A dump names the signal, the fault address and the region holding it. */
static void
test_fault_line(void **state)
{
	const struct vms_view *v = vms_view_find("pmap");
	struct vms_view_opts vo = {0};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	struct vms_region *r;
	char *buf;

	(void)state;
	r = vms_map_add(map, &err);
	r->start = 0x10000;
	r->end = 0x11000;
	r->has = VMS_HAS_PROT;
	r->prot = VMS_PROT_R;
	map->arch.wordsize = 32;
	map->source.kind = VMS_SOURCE_ELF_CORE;
	map->source.name = "core.7";
	map->proc.pid = 7;
	map->proc.signo = 11;
	map->proc.sigcode = 1;
	map->proc.fault_addr = 0x10010;
	map->proc.fault_tid = 8;
	map->proc.has = VMS_P_PID | VMS_P_FAULT | VMS_P_FAULT_ADDR |
			VMS_P_FAULT_TID;
	assert_int_equal(vms_map_finish(map, &err), 0);
	assert_true(map->regions[0].flags & VMS_RF_FAULT);
	buf = vt_render(v, map, &vo);
	assert_non_null(buf);
	assert_string_equal(buf,
			    "core 'core.7' of 7:\t\n"
			    "  signal SIGSEGV (11), code 1, fault address "
			    "0x10010 (mapped, marked <- fault), thread 8\n"
			    "00010000       4K r--      [ anon ]  <- fault\n"
			    " total         4K\n");
	free(buf);
	/* An address no region holds is said to be unmapped. */
	map->proc.fault_addr = 0x20000;
	assert_int_equal(vms_map_finish(map, &err), 0);
	buf = vt_render(v, map, &vo);
	assert_non_null(buf);
	assert_non_null(strstr(buf, "0x20000 (unmapped)"));
	assert_null(strstr(buf, "<- fault\n"));
	free(buf);
	vms_map_free(map);
}

/*
 * A child with 2n + 1 more mappings that the kernel cannot merge: every
 * other page of one PROT_NONE range is made writable and written.  It says "r" on a
 * pipe when done and waits until the pipe it reads is closed.
 */
static pid_t
many_maps(size_t n, int *hold)
{
	int ready[2], wait[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(wait), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		long pg = sysconf(_SC_PAGESIZE);
		char *p = mmap(NULL, (size_t)pg * (2 * n + 1), PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		close(ready[0]);
		close(wait[1]);
		if (p == MAP_FAILED)
			_exit(1);
		for (size_t i = 0; i < n; i++) {
			char *q = p + (2 * i + 1) * (size_t)pg;

			if (mprotect(q, (size_t)pg, PROT_READ | PROT_WRITE))
				_exit(1);
			*q = 1;
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(wait[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(wait[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*hold = wait[1];
	return pid;
}

/*
 * The default view of a process with some 40 000 mappings: one row per
 * maps line, in order, with its address and size, and the total.  -x:
 * its totals against smaps_rollup.
 */
static void
test_many_rows(void **state)
{
	const struct vms_view *v = vms_view_find("pmap");
	struct vms_view_opts vo = {0};
	struct vms_err err = {0};
	struct vms_map *map;
	char target[32], file[64], line[4096], *out, *row;
	uint64_t total = 0;
	size_t nmaps = 0;
	int hold, st;
	FILE *maps;
	pid_t pid;

	(void)state;
	pid = many_maps(20000, &hold);
	snprintf(target, sizeof(target), "%d", (int)pid);
	map = vms_open(target, NULL, &err);
	if (map == NULL)
		fail_msg("%s: %s", target, err.msg);
	out = vt_render(v, map, &vo);
	assert_non_null(out);
	snprintf(file, sizeof(file), "/proc/%d/maps", (int)pid);
	maps = fopen(file, "r");
	assert_non_null(maps);
	row = strchr(out, '\n');
	assert_non_null(row);
	row++;
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long long s, e, kb;
		char want[40];

		assert_int_equal(sscanf(line, "%llx-%llx", &s, &e), 2);
		snprintf(want, sizeof(want), "%016llX ", s);
		assert_memory_equal(row, want, strlen(want));
		kb = strtoull(row + strlen(want), NULL, 10);
		assert_int_equal(kb, (e - s) / 1024);
		total += kb;
		nmaps++;
		row = strchr(row, '\n');
		assert_non_null(row);
		row++;
	}
	fclose(maps);
	assert_true(nmaps > 40000);
	assert_int_equal(map->nregions, nmaps);
	{
		uint64_t said = 0;

		assert_int_equal(sscanf(row, " total %" SCNu64 "K", &said), 1);
		assert_int_equal(said, total);
		/* and it is the last line */
		assert_string_equal(strchr(row, '\n'), "\n");
	}
	free(out);
	vms_map_free(map);
	/* -x too */
	v = vms_view_find("pmap-x");
	map = vms_open(target, &(struct vms_open_opts){.flags = v->needs},
		       &err);
	if (map == NULL)
		fail_msg("%s: %s", target, err.msg);
	out = vt_render(v, map, &vo);
	assert_non_null(out);
	row = strstr(out, "total Kb");
	assert_non_null(row);
	{
		unsigned long long kb, rss, anon;
		struct vt_rollup ru;
		uint64_t want;

		assert_int_equal(sscanf(row + 8, "%llu %llu %llu", &kb, &rss,
					&anon),
				 3);
		assert_int_equal(kb, total);
		/* The child is still: the kernel's own sums. */
		assert_int_equal(vt_rollup_read(NULL, pid, &ru), 0);
		assert_int_equal(vt_rollup_get(&ru, "Rss", &want), 0);
		assert_int_equal(rss, want / 1024);
		assert_int_equal(vt_rollup_get(&ru, "Anonymous", &want), 0);
		assert_int_equal(anon, want / 1024);
		assert_true(anon >= 20000 * (unsigned long long)
						sysconf(_SC_PAGESIZE) / 1024);
	}
	free(out);
	vms_map_free(map);
	close(hold);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_totals_match_smaps),
		cmocka_unit_test(test_unknown_is_not_zero),
		cmocka_unit_test(test_fault_line),
		cmocka_unit_test(test_row_columns),
		cmocka_unit_test(test_many_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
