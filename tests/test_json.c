/*
 * test_json.c - the JSON view (vmscope-json(5)).  Every output is read
 * back by an independent parser, Python's json module, through
 * tests/json_check.py (skipped when there is no python3):
 *
 *   - goldens in testdata/golden/json/ for the fake procfs tree
 *     testdata/procfs/golden, each also checked field by field against
 *     the tree's smaps text;
 *   - a real process (testdata/mapper.c) through the command, its totals
 *     against the kernel's /proc/PID/smaps_rollup;
 *   - the same map through a snapshot: the same regions and totals;
 *   - a map built in memory: unknown is null, never 0;
 *   - strings that are not UTF-8 or hold control characters come back as
 *     the same bytes by the documented scheme;
 *   - the output does not change between runs.
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

/* Relative, so that warnings naming the tree do not name the checkout. */
#define TREE "testdata/procfs/golden"

static int
setup(void **state)
{
	(void)state;
	return chdir(VMS_SOURCE_DIR);
}

/*
 * Run json_check.py MODE ARGS... (up to 16, NULL-terminated) on input;
 * the first line of its stdout, malloc'ed.  Skips without python3.
 */
static char *
checkv(const char *input, va_list ap)
{
	char *script = vt_source_path("tests/json_check.py");
	const char *argv[24] = {"/usr/bin/env", "python3", script};
	struct vt_run r;
	int n = 3;

	for (const char *a = va_arg(ap, char *); a != NULL && n < 20;
	     a = va_arg(ap, char *))
		argv[n++] = a;
	argv[n] = NULL;
	assert_int_equal(vt_run(argv, input, &r), 0);
	free(script);
	if (r.status == 127) {
		vt_run_free(&r);
		skip();
	}
	if (r.status != 0)
		fail_msg("json_check.py %s: %s", argv[3], r.err);
	free(r.err);
	r.out[strcspn(r.out, "\n")] = '\0';
	return r.out;
}

static char *
check(const char *input, ...)
{
	va_list ap;
	char *out;

	va_start(ap, input);
	out = checkv(input, ap);
	va_end(ap);
	return out;
}

/* The same, and its output must be want. */
static void
check_equal(const char *input, const char *want, ...)
{
	va_list ap;
	char *got;

	va_start(ap, want);
	got = checkv(input, ap);
	va_end(ap);
	if (strcmp(got, want) != 0)
		fail_msg("json_check.py: got '%s', want '%s'", got, want);
	free(got);
}

static char *
render(const char *view, const struct vms_map *map, unsigned flags, uint64_t lo,
       uint64_t hi)
{
	const struct vms_view *v = vms_view_find(view);
	struct vms_view_opts vo = {.lo = lo, .hi = hi, .flags = flags};
	char *out;

	assert_non_null(v);
	out = vt_render(v, map, &vo);
	assert_non_null(out);
	return out;
}

static struct vms_map *
open_tree(const char *target)
{
	struct vms_open_opts oo = {.procfs = TREE};
	struct vms_err err = {0};
	struct vms_map *map;

	oo.flags = vms_view_find("json")->needs;
	map = vms_open(target, &oo, &err);
	if (map == NULL)
		fail_msg("%s: %s", target, err.msg);
	/*
	 * The live reader takes these from the machine running the test,
	 * the page size too when the tree has no auxv: pin them, so that the
	 * goldens hold only what the tree says.
	 */
	map->source.host = "testhost";
	map->source.kernel = "6.1.0-test";
	map->source.boot_id = "0e0e0e0e-0000-4000-8000-000000000001";
	map->source.capture_sec = 1700000000;
	map->source.capture_nsec = 5;
	map->page_size = 4096;
	return map;
}

static char *
render_tree(const char *view, const char *target, unsigned flags, uint64_t lo,
	    uint64_t hi)
{
	struct vms_map *map = open_tree(target);
	char *out = render(view, map, flags, lo, hi);

	vms_map_free(map);
	return out;
}

struct golden {
	const char *view;
	const char *target;
	unsigned flags;
	uint64_t lo, hi;
	const char *file;
};

static const struct golden goldens[] = {
	{"json", "4242", 0, 0, 0, "4242"},
	{"json", "4343", 0, 0, 0, "4343"},
	{"json-pretty", "4242", 0, 0, 0, "pretty-4242"},
	{"json", "4242", VMS_VIEW_RANGE, 0x7f0000900800, 0x7f0000a00fff,
	 "A-4242"},
};

static void
test_goldens(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		const struct golden *g = &goldens[i];
		char *out =
			render_tree(g->view, g->target, g->flags, g->lo, g->hi);
		char *rel =
			vt_asprintf("testdata/golden/json/%s.json", g->file);

		if (vt_golden(rel, out) != 0)
			fail_msg("%s does not match the golden", g->file);
		free(rel);
		free(out);
	}
}

/* Each region and total against the smaps text, read by Python. */
static void
test_tree_against_smaps(void **state)
{
	static const char *const pids[] = {"4242", "4343"};

	(void)state;
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		char *out = render_tree("json", pids[i], 0, 0, 0);
		char *smaps = vt_asprintf(TREE "/%s/smaps", pids[i]);

		free(check(out, "smaps", smaps, NULL));
		free(smaps);
		free(out);
	}
}

/* -A keeps the regions that meet the range, whole, and says so. */
static void
test_range(void **state)
{
	char *out = render_tree("json", "4242", VMS_VIEW_RANGE, 0x7f0000900800,
				0x7f0000a00fff);

	(void)state;
	check_equal(out,
		    "2 \"0x7f0000900000\" \"0x7f0000a01000\" "
		    "\"0x7f0000900800\" \"0x7f0000a00fff\" 1052672",
		    "get", "totals.regions", "regions.0.start", "regions.1.end",
		    "range.low", "range.high", "totals.size", NULL);
	free(out);
}

static char *
vmscope_run(struct vt_run *r, const char *a1, const char *a2, const char *a3,
	    const char *a4, const char *a5)
{
	char *prog = vt_vmscope_path();
	const char *argv[] = {prog, a1, a2, a3, a4, a5, NULL};

	assert_int_equal(vt_run(argv, NULL, r), 0);
	free(prog);
	return r->out;
}

/* The command: JSON Lines for several targets; --json=pretty; errors. */
static void
test_cli(void **state)
{
	struct vt_run r;

	(void)state;
	vmscope_run(&r, "--json", "--procfs", TREE, "4242", "4343");
	assert_int_equal(r.status, 0);
	check_equal(r.out, "2", "lines", NULL);
	vt_run_free(&r);
	vmscope_run(&r, "-x", "--json=pretty", "--procfs", TREE, "4343");
	assert_int_equal(r.status, 0);
	assert_int_equal(strncmp(r.out, "{\n  \"schema\": 1,\n", 17), 0);
	check_equal(r.out, "4 \"/bin/demo32\"", "get", "totals.regions",
		    "process.argv.0", NULL);
	vt_run_free(&r);
	vmscope_run(&r, "--json=yaml", "4343", NULL, NULL, NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	vt_run_free(&r);
}

static uint64_t
rollup(const struct vt_rollup *r, const char *key)
{
	uint64_t v;

	if (vt_rollup_get(r, key, &v) < 0)
		fail_msg("smaps_rollup has no %s", key);
	return v;
}

static char *
hex(const char *s)
{
	size_t n = strlen(s);
	char *h = malloc(2 * n + 1);

	assert_non_null(h);
	for (size_t i = 0; i < n; i++)
		snprintf(h + 2 * i, 3, "%02x", (unsigned char)s[i]);
	h[2 * n] = '\0';
	return h;
}

/*
 * A real process through the command, against smaps_rollup.  Page counts
 * are exact.  The kernel keeps PSS with 12 more bits and truncates it to
 * kB once per region in smaps but once for all in smaps_rollup, so Locked
 * (PSS-weighted there) may fall short by less than 1 kB per region, never
 * more and never above; Pss moves with the sharers (below).
 */
static void
test_live_rollup(void **state)
{
	unsigned long long n, rss, pss, anon, swap, locked;
	struct vt_rollup before, after;
	struct vt_fixture fx;
	struct vt_run r = {0};
	char pid[32], *got, *want, *path;
	int tries;

	(void)state;
	if (vt_fixture_start(&fx, "mapper", NULL) < 0)
		fail_msg("vms_mapper did not start");
	snprintf(pid, sizeof(pid), "%d", (int)fx.pid);
	/* Shared pages' PSS moves as other processes come and go. */
	for (tries = 0; tries < 20; tries++) {
		assert_int_equal(vt_rollup_read(NULL, fx.pid, &before), 0);
		vmscope_run(&r, "--json", pid, NULL, NULL, NULL);
		assert_int_equal(vt_rollup_read(NULL, fx.pid, &after), 0);
		if (r.status == 0 && vt_rollup_compare(&before, &after) == 0)
			break;
		vt_run_free(&r);
		usleep(50000);
	}
	assert_true(tries < 20);
	got = check(r.out, "get", "totals.regions", "totals.rss", "totals.pss",
		    "totals.anonymous", "totals.swap", "totals.locked", NULL);
	assert_int_equal(sscanf(got, "%llu %llu %llu %llu %llu %llu", &n, &rss,
				&pss, &anon, &swap, &locked),
			 6);
	free(got);
	assert_int_equal(rss, rollup(&after, "Rss"));
	assert_int_equal(anon, rollup(&after, "Anonymous"));
	assert_int_equal(swap, rollup(&after, "Swap"));
	/*
	 * While vmscope runs it shares the target's libraries, so their
	 * pages' PSS drops below what the test sees before and after: the
	 * sum lies between the private pages and the rollup.
	 */
	assert_true(pss <= rollup(&after, "Pss"));
	assert_true(pss + 1024 * n >= rollup(&after, "Private_Clean") +
					      rollup(&after, "Private_Dirty"));
	assert_true(locked <= rollup(&after, "Locked"));
	assert_true(rollup(&after, "Locked") - locked < 1024 * n);
	/* A file name with a newline, as the kernel escapes it in maps. */
	path = vt_asprintf("%s/new\nline", fx.dir);
	want = hex(path);
	got = check(r.out, "at", vt_fact(&fx, "newline", 0), "path", NULL);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(path);
	vt_run_free(&r);
	assert_int_equal(vt_fixture_stop(&fx), 0);
}

/*
 * Another input: the tree's map written as a snapshot and read back says
 * the same about every region and in the totals; only the source differs.
 */
static void
test_snapshot_input(void **state)
{
	struct vms_open_opts oo = {0};
	struct vms_map *map = open_tree("4242"), *back;
	struct vms_err err = {0};
	char *live, *snap, *both;
	void *buf = NULL;
	size_t len = 0;

	(void)state;
	live = render("json", map, 0, 0, 0);
	assert_int_equal(vms_snapshot_encode(map, 1, NULL, &buf, &len, &err),
			 0);
	oo.flags = vms_view_find("json")->needs;
	back = vms_open_mem(buf, len, "4242.vms", &oo, &err);
	if (back == NULL)
		fail_msg("snapshot: %s", err.msg);
	snap = render("json", back, 0, 0, 0);
	check_equal(snap, "\"snapshot\" \"live\"", "get", "source.kind",
		    "source.snapshot.from_kind", NULL);
	both = vt_asprintf("%s%s", live, snap);
	check_equal(both, "same", "same", "regions", "totals", "process",
		    "threads", NULL);
	free(both);
	free(snap);
	free(live);
	free(buf);
	vms_map_free(back);
	vms_map_free(map);
}

/* A core-like map: what the source cannot know is null, never 0. */
static void
test_unknown_is_null(void **state)
{
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	struct vms_region *r;
	char *out;

	(void)state;
	assert_non_null(map);
	r = vms_map_add(map, &err);
	r->start = 0x400000;
	r->end = 0x402000;
	r->prot = VMS_PROT_R | VMS_PROT_X;
	r->has = VMS_HAS_PROT;
	assert_int_equal(vms_region_set(map, r, VMS_C_RSS, 0, &err), 0);
	r->path = "/bin/x";
	r = vms_map_add(map, &err);
	r->start = 0x500000;
	r->end = 0x501000;
	map->source.kind = VMS_SOURCE_ELF_CORE;
	map->source.name = "core.1";
	assert_int_equal(vms_map_finish(map, &err), 0);
	out = render("json", map, 0, 0, 0);
	/* Known zero is 0; unknown is null, in regions and in totals. */
	check_equal(out, "0 null null null null null", "get", "regions.0.rss",
		    "regions.0.pss", "regions.0.anonymous", "regions.0.swap",
		    "regions.0.locked", "regions.0.huge", NULL);
	check_equal(out, "\"r-x\" null null null null null null", "get",
		    "regions.0.prot", "regions.0.maxprot", "regions.0.shared",
		    "regions.0.share", "regions.0.offset", "regions.0.dev",
		    "regions.0.inode", NULL);
	check_equal(out, "null null null null null null null", "get",
		    "regions.1.prot", "regions.1.rss", "regions.1.vmflags",
		    "regions.1.thp_eligible", "regions.1.protection_key",
		    "totals.ksm", "totals.rss", NULL);
	check_equal(out, "2 12288 null null null null", "get", "totals.regions",
		    "totals.size", "process.pid", "page_size",
		    "source.capture_time", "arch.wordsize", NULL);
	free(out);
	vms_map_free(map);
}

/*
 * Each kind of byte a path may hold: JSON's special characters, control
 * characters, DEL, U+2028, valid UTF-8 of 2 and 4 bytes, and invalid
 * sequences: a stray byte, a bad continuation, a surrogate, an overlong
 * form, a code point above U+10FFFF and a sequence cut short at the end.
 */
static const char weird[] = "/tmp/q\"b\\s\nn\tt\x01"
			    "c\x7f"
			    "d\xff"
			    "e\xc3\x28"
			    "f\xe2\x80\xa8"
			    "g\xc3\xa9\xf0\x9f\x98\x80"
			    "h\xed\xa0\x80"
			    "i\xc0\xaf"
			    "j\xf4\x90\x80\x80"
			    "k\xe2\x82";

static struct vms_map *
weird_map(void)
{
	static const char *const argv[] = {"ok", weird, "x\x80"};
	static const char *const warnings[] = {"bad \xfe name"};
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);
	struct vms_thread *t;
	struct vms_region *r;

	assert_non_null(map);
	r = vms_map_add(map, &err);
	r->start = 0x10000;
	r->end = 0x11000;
	r->path = weird;
	r = vms_map_add(map, &err);
	r->start = 0x20000;
	r->end = 0x21000;
	r->name = "[anon:\xff\x01]";
	r = vms_map_add(map, &err);
	r->start = 0x30000;
	r->end = 0x31000;
	r->path = "/ok/caf\xc3\xa9";
	t = vms_map_add_thread(map, &err);
	t->tid = 7;
	t->name = weird;
	map->proc.argv = (const char **)argv;
	map->proc.argc = 3;
	map->proc.comm = "c\x1f";
	map->source.kind = VMS_SOURCE_SNAPSHOT;
	map->source.name = "snap\xff";
	assert_int_equal(vms_map_finish(map, &err), 0);
	map->warnings = (const char **)warnings;
	map->nwarnings = 1;
	return map;
}

static void
test_escaping(void **state)
{
	static const struct {
		const char *path;
		const char *bytes;
	} fields[] = {
		{"regions.0.path", weird},
		{"regions.1.name", "[anon:\xff\x01]"},
		{"regions.2.path", "/ok/caf\xc3\xa9"},
		{"process.argv.0", "ok"},
		{"process.argv.1", weird},
		{"process.argv.2", "x\x80"},
		{"process.comm", "c\x1f"},
		{"threads.0.name", weird},
		{"source.name", "snap\xff"},
		{"warnings.0", "bad \xfe name"},
	};
	struct vms_map *map = weird_map();
	char *out = render("json", map, 0, 0, 0);
	size_t len = strlen(out);

	(void)state;
	/* One line of printable text: control characters are escaped. */
	for (size_t i = 0; i + 1 < len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			fail_msg("raw byte 0x%02x at %zu", out[i], i);
	assert_int_equal(out[len - 1], '\n');
	assert_non_null(strstr(out, "\"path\":\"/tmp/q\\\"b\\\\s\\nn\\tt"
				    "\\u0001c\\u007fd\\ufffde\\ufffd(f\\u2028g"
				    "\xc3\xa9\xf0\x9f\x98\x80h\\ufffd\\ufffd"
				    "\\ufffdi\\ufffd\\ufffdj\\ufffd\\ufffd"
				    "\\ufffd\\ufffdk\\ufffd\\ufffd\",\"path_hex"
				    "\":\"2f746d70"));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char *want = hex(fields[i].bytes);
		char *got = check(out, "bytes", fields[i].path, NULL);

		if (strcmp(got, want) != 0)
			fail_msg("%s: got %s, want %s", fields[i].path, got,
				 want);
		free(got);
		free(want);
	}
	/* NAME_hex only where needed; in arrays, null where not needed. */
	check_equal(out, "absent absent null absent", "get",
		    "regions.2.path_hex", "process.argv.0_hex",
		    "process.argv_hex.0", "process.comm_hex", NULL);
	free(out);
	map->warnings = NULL;
	map->nwarnings = 0;
	vms_map_free(map);
}

/* The same map gives the same bytes, compact and pretty alike. */
static void
test_deterministic(void **state)
{
	static const char *const views[] = {"json", "json-pretty"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char *a = render_tree(views[i], "4242", 0, 0, 0);
		char *b = render_tree(views[i], "4242", 0, 0, 0);
		struct vms_map *map = weird_map();
		char *c = render(views[i], map, 0, 0, 0);
		char *d = render(views[i], map, 0, 0, 0);

		assert_string_equal(a, b);
		assert_string_equal(c, d);
		free(check(c, "get", "schema", NULL));
		free(a);
		free(b);
		free(c);
		free(d);
		map->warnings = NULL;
		map->nwarnings = 0;
		vms_map_free(map);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_tree_against_smaps),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_live_rollup),
		cmocka_unit_test(test_snapshot_input),
		cmocka_unit_test(test_unknown_is_null),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
