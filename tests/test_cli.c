/*
 * test_cli.c - the vmscope command as a user runs it: the default target
 * is the parent, errors are one line with the documented exit status,
 * -A ranges, every mode's header, several targets in one call.
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

static char *vmscope;
static char *procfs;

static int
setup(void **state)
{
	(void)state;
	vmscope = vt_vmscope_path();
	procfs = vt_source_path("testdata/procfs/golden");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(vmscope);
	free(procfs);
	return 0;
}

/* Run vmscope with up to 8 arguments; NULL ends the list. */
static void
run(struct vt_run *r, const char *a0, ...)
{
	const char *argv[12] = {vmscope};
	va_list ap;
	int n = 1;

	va_start(ap, a0);
	for (const char *a = a0; a != NULL && n < 10; a = va_arg(ap, char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(vt_run(argv, NULL, r), 0);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
test_default_target_is_parent(void **state)
{
	struct vt_run r;
	char want[32];

	(void)state;
	run(&r, NULL);
	assert_int_equal(r.status, 0);
	/* The parent of vmscope is this test. */
	snprintf(want, sizeof(want), "%ld:\t", (long)getpid());
	assert_memory_equal(r.out, want, strlen(want));
	assert_non_null(strstr(r.out, " total "));
	vt_run_free(&r);
}

static void
test_self_and_pid(void **state)
{
	struct vt_run r;
	char pid[32], want[48];

	(void)state;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	run(&r, "-x", pid, NULL);
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want), "%s:\t", pid);
	assert_memory_equal(r.out, want, strlen(want));
	assert_non_null(strstr(r.out, "Address     Kbytes        RSS       "
				      "Anon     Locked Mode   Mapped File\n"));
	assert_non_null(strstr(r.out, "total Kb"));
	assert_non_null(strstr(r.out, "test_cli"));
	vt_run_free(&r);
	snprintf(want, sizeof(want), "/proc/%s", pid);
	run(&r, want, NULL);
	assert_int_equal(r.status, 0);
	vt_run_free(&r);
	run(&r, "self", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, vmscope));
	vt_run_free(&r);
}

static void
test_errors(void **state)
{
	struct vt_run r;

	(void)state;
	/* Beyond any pid_max: no such process, status 1, one line. */
	run(&r, "999999999", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "vmscope: 999999999: no such process\n");
	assert_string_equal(r.out, "");
	vt_run_free(&r);
	/* One bad target among good ones: the good ones print, status 1. */
	run(&r, "--procfs", procfs, "4242", "999999999", "4343", NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "4242:\t"));
	assert_non_null(strstr(r.out, "4343:\t"));
	/* + the unverified-deleted and the running-thread warnings */
	assert_int_equal(count_lines(r.err), 1 + 2);
	assert_non_null(strstr(r.err, "4242: warning: 1 thread was on a CPU"));
	vt_run_free(&r);
	/* A file that is no core. */
	run(&r, "/etc/hostname", NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "vmscope: /etc/hostname: "));
	assert_int_equal(count_lines(r.err), 1);
	vt_run_free(&r);
	/* Usage errors: status 2. */
	run(&r, "-x", "-S", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	run(&r, "-Q", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
	run(&r, "-A", "zz", NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "-A zz: not an address range"));
	vt_run_free(&r);
	run(&r, "-A", "2000,1000", "self", NULL);
	assert_int_equal(r.status, 2);
	vt_run_free(&r);
}

static void
test_help_version(void **state)
{
	struct vt_run r;

	(void)state;
	run(&r, "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: vmscope"));
	vt_run_free(&r);
	run(&r, "--version", NULL);
	assert_int_equal(r.status, 0);
	assert_memory_equal(r.out, "vmscope ", 8);
	vt_run_free(&r);
	run(&r, "pmap", "-V", NULL);
	assert_int_equal(r.status, 0);
	vt_run_free(&r);
}

static void
test_ranges(void **state)
{
	struct vt_run r;

	(void)state;
	/* One address: the region that holds it. */
	run(&r, "--procfs", procfs, "-A", "7f0000a00010", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
			    "4242:\t/usr/bin/demo --serve a b\n"
			    "00007F0000A00000          4K rw-s     "
			    "[ memfd:cache ]\n"
			    "         total            4K\n");
	vt_run_free(&r);
	/* low, : to the end; the vsyscall page is the last. */
	run(&r, "--procfs", procfs, "-q", "-A", "7ffffffde000,", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.out), 2);
	assert_non_null(strstr(r.out, "[ vsyscall ]"));
	vt_run_free(&r);
	/* ,high : from 0. */
	run(&r, "--procfs", procfs, "-q", "-A", ",555555555fff", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.out), 1);
	vt_run_free(&r);
	/* A range that meets nothing: an empty table, not an error. */
	run(&r, "--procfs", procfs, "-A", "1000,2000", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "total            0K\n"));
	vt_run_free(&r);
}

static void
test_headers(void **state)
{
	static const struct {
		const char *opt, *header;
	} modes[] = {
		{"-x", "         Address     Kbytes        RSS       Anon     "
		       "Locked Mode   Mapped File\n"},
		{"-S", "         Address     Kbytes       Swap Mode   "
		       "Mapped File\n"},
		{"-s", "         Address      Bytes Pgsz Mode   Mapped File\n"},
		{"-xs", "Locked Pgsz Mode   Mapped File\n"},
		{"-X", "         Address Perm   Offset Device Inode Size  Rss"
		       "  Pss Pss_Dirty Referenced Anonymous KSM "},
		{"-XX", " KernelPageSize MMUPageSize "},
		{"-d", "Address           Kbytes Mode  Offset           Device"
		       "    Mapping\n"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct vt_run r;

		run(&r, "--procfs", procfs, modes[i].opt, "4242", NULL);
		assert_int_equal(r.status, 0);
		if (strstr(r.out, modes[i].header) == NULL)
			fail_msg("%s: no header \"%s\" in:\n%s", modes[i].opt,
				 modes[i].header, r.out);
		vt_run_free(&r);
	}
}

static void
test_quiet_and_raw(void **state)
{
	struct vt_run r;

	(void)state;
	run(&r, "--procfs", procfs, "-q", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.out), 16);
	assert_null(strstr(r.out, "total"));
	vt_run_free(&r);
	run(&r, "--procfs", procfs, "-l", "4242", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[heap]"));
	assert_non_null(strstr(r.out, "/SYSV0000beef (deleted)"));
	vt_run_free(&r);
}

/* --symbolize names the code at each thread's pc after the map. */
static void
test_symbolize(void **state)
{
	struct vt_run r;
	char want[64];

	(void)state;
	run(&r, "-q", "--symbolize", "self", NULL);
	assert_int_equal(r.status, 0);
	/* vmscope reading itself: its one thread, at a pc in its text. */
	snprintf(want, sizeof(want), "\nthread ");
	assert_non_null(strstr(r.out, want));
	assert_non_null(strstr(r.out, " pc 0x"));
	assert_non_null(strstr(r.out, " r-x "));
	vt_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_target_is_parent),
		cmocka_unit_test(test_self_and_pid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_quiet_and_raw),
		cmocka_unit_test(test_symbolize),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
