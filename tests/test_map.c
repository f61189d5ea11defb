/*
 * test_map.c - the region model: storage, sorting, clipping of overlaps,
 * lookup, interning, warnings, and the labelling that runs after every
 * reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmscope/vmscope.h"

static struct vms_region *
add(struct vms_map *m, uint64_t s, uint64_t e, unsigned prot)
{
	struct vms_err err;
	struct vms_region *r = vms_map_add(m, &err);

	assert_non_null(r);
	r->start = s;
	r->end = e;
	r->prot = (uint8_t)prot;
	r->has |= VMS_HAS_PROT;
	return r;
}

static void
test_sort_and_find(void **state)
{
	struct vms_err err;
	struct vms_map *m = vms_map_new(&err);

	(void)state;
	add(m, 0x3000, 0x4000, 1);
	add(m, 0x1000, 0x2000, 1);
	add(m, 0x2000, 0x3000, 3);
	assert_int_equal(vms_map_finish(m, &err), 0);
	assert_int_equal(m->nregions, 3);
	assert_int_equal(m->regions[0].start, 0x1000);
	assert_int_equal(m->regions[1].start, 0x2000);
	assert_int_equal(m->regions[2].start, 0x3000);
	assert_null(vms_map_find(m, 0xfff));
	assert_ptr_equal(vms_map_find(m, 0x1000), &m->regions[0]);
	assert_ptr_equal(vms_map_find(m, 0x2fff), &m->regions[1]);
	assert_ptr_equal(vms_map_find(m, 0x3fff), &m->regions[2]);
	assert_null(vms_map_find(m, 0x4000));
	assert_int_equal(vms_map_lower_bound(m, 0x5000), 3);
	assert_int_equal(m->nwarnings, 0);
	vms_map_free(m);
}

static void
test_overlap_and_empty(void **state)
{
	struct vms_err err;
	struct vms_map *m = vms_map_new(&err);
	struct vms_region *r;

	(void)state;
	add(m, 0x1000, 0x3000, 1);
	r = add(m, 0x2000, 0x5000, 1);
	r->offset = 0x10000;
	r->data_offset = 0x800;
	r->data_size = 0x1800;
	r->has |= VMS_HAS_OFFSET | VMS_HAS_DATA;
	add(m, 0x2000, 0x2800, 1);  /* inside the first: dropped */
	add(m, 0x9000, 0x9000, 1);  /* empty: dropped */
	add(m, 0xa000, 0x8000, 1);  /* inverted: dropped */
	assert_int_equal(vms_map_finish(m, &err), 0);
	assert_int_equal(m->nregions, 2);
	assert_int_equal(m->regions[0].end, 0x3000);
	/* The later region is clipped and its file offset follows. */
	assert_int_equal(m->regions[1].start, 0x3000);
	assert_int_equal(m->regions[1].end, 0x5000);
	assert_int_equal(m->regions[1].offset, 0x11000);
	/* So do its dumped bytes: 0x1000 of 0x1800 are cut off. */
	assert_int_equal(m->regions[1].data_offset, 0x1800);
	assert_int_equal(m->regions[1].data_size, 0x800);
	assert_true(m->nwarnings >= 2);
	vms_map_free(m);
}

static void
test_intern_and_warn(void **state)
{
	struct vms_err err;
	struct vms_map *m = vms_map_new(&err);
	const char *a, *b, *c;
	char name[32];

	(void)state;
	a = vms_map_intern(m, "/lib/libc.so.6", 14, &err);
	b = vms_map_intern(m, "/lib/libc.so.6xyz", 14, &err);
	c = vms_map_intern(m, "/lib/libm.so.6", 14, &err);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, c);
	assert_string_equal(c, "/lib/libm.so.6");
	/* Many strings force the table to grow; lookups stay right. */
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "/x/%d", i);
		assert_non_null(vms_map_intern(m, name, strlen(name), &err));
	}
	assert_ptr_equal(vms_map_intern(m, "/lib/libc.so.6", 14, &err), a);
	/* Repeated warnings are kept once; their number is capped. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(vms_map_warn(m, "same %d", 1), 0);
	assert_int_equal(m->nwarnings, 1);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(vms_map_warn(m, "w %d", i), 0);
	assert_true(m->nwarnings <= 64);
	vms_map_free(m);
	vms_map_free(NULL);
}

static void
test_labels(void **state)
{
	struct vms_err err;
	struct vms_map *m = vms_map_new(&err);
	struct vms_thread *t;
	struct vms_region *r;

	(void)state;
	m->proc.pid = 100;
	m->proc.has |= VMS_P_PID;
	r = add(m, 0x1000, 0x2000, 3);
	r->name = "[heap]";
	r = add(m, 0x10000, 0x11000, 0);  /* guard of the thread below */
	r = add(m, 0x11000, 0x20000, 3);  /* thread 101's stack */
	r = add(m, 0x30000, 0x31000, 3);
	r->path = "/SYSV0000002a";
	r->inode = 7;
	r->has |= VMS_HAS_DEVINO;
	r = add(m, 0x40000, 0x41000, 3);
	r->path = "/memfd:vms";
	r->has |= VMS_HAS_DEVINO;
	r = add(m, 0x50000, 0x51000, 5);
	r->name = "[vdso]";
	r = add(m, 0x7f000, 0x80000, 3);
	r->name = "[stack]";
	t = vms_map_add_thread(m, &err);
	t->tid = 100;
	t->sp = 0x7f800;
	t->has = VMS_THR_HAS_SP;
	t = vms_map_add_thread(m, &err);
	t->tid = 101;
	t->sp = 0x1f000;
	t->has = VMS_THR_HAS_SP;
	/* A thread whose sp is at the very top of its stack. */
	t = vms_map_add_thread(m, &err);
	t->tid = 102;
	t->sp = 0x2000;
	t->has = VMS_THR_HAS_SP;
	assert_int_equal(vms_map_finish(m, &err), 0);
	assert_int_equal(m->regions[0].label, VMS_LABEL_HEAP);
	assert_int_equal(m->regions[1].label, VMS_LABEL_GUARD);
	assert_int_equal(m->regions[1].label_id, 101);
	assert_int_equal(m->regions[2].label, VMS_LABEL_THREAD_STACK);
	assert_int_equal(m->regions[2].label_id, 101);
	assert_int_equal(m->regions[3].label, VMS_LABEL_SYSV_SHM);
	assert_int_equal(m->regions[3].label_id, 7);
	assert_int_equal(m->regions[4].label, VMS_LABEL_MEMFD);
	assert_int_equal(m->regions[5].label, VMS_LABEL_VDSO);
	assert_int_equal(m->regions[6].label, VMS_LABEL_STACK);
	/* The heap is not relabelled by a stray stack pointer. */
	assert_int_equal(m->regions[0].label_id, 0);
	assert_string_equal(vms_label_name(VMS_LABEL_THREAD_STACK),
			    "thread-stack");
	assert_null(vms_label_name(VMS_LABEL_NONE));
	vms_map_free(m);
}

static void
test_share_mode(void **state)
{
	struct vms_err err;
	struct vms_map *m = vms_map_new(&err);
	struct vms_region *r;
	const uint64_t ctr = VMS_HAS_CTR(VMS_C_RSS) |
			     VMS_HAS_CTR(VMS_C_SHARED_CLEAN) |
			     VMS_HAS_CTR(VMS_C_SHARED_DIRTY);

	(void)state;
	r = add(m, 0x1000, 0x2000, 1);  /* no counters: unknown */
	r = add(m, 0x2000, 0x3000, 1);  /* nothing resident: NUL */
	r->has |= ctr;
	assert_non_null(vms_region_counters(m, r, NULL));
	r = add(m, 0x3000, 0x4000, 1);  /* shared pages: COW */
	r->has |= ctr;
	assert_non_null(vms_region_counters(m, r, NULL));
	r->counters[VMS_C_RSS] = 4096;
	r->counters[VMS_C_SHARED_CLEAN] = 4096;
	r = add(m, 0x4000, 0x5000, 3);  /* private pages only: PRV */
	r->has |= ctr;
	assert_non_null(vms_region_counters(m, r, NULL));
	r->counters[VMS_C_RSS] = 4096;
	r = add(m, 0x5000, 0x6000, 3);  /* MAP_SHARED: SHM */
	r->has |= ctr | VMS_HAS_SHARED;
	r->flags |= VMS_RF_SHARED;
	assert_int_equal(vms_map_finish(m, &err), 0);
	assert_int_equal(m->regions[0].share, VMS_SHARE_UNKNOWN);
	assert_int_equal(m->regions[1].share, VMS_SHARE_EMPTY);
	assert_int_equal(m->regions[2].share, VMS_SHARE_COW);
	assert_int_equal(m->regions[3].share, VMS_SHARE_PRIVATE);
	assert_int_equal(m->regions[4].share, VMS_SHARE_SHARED);
	assert_string_equal(vms_share_name(VMS_SHARE_COW), "COW");
	vms_map_free(m);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(vms_counter_key(VMS_C_PRIVATE_DIRTY),
			    "private_dirty");
	assert_string_equal(vms_counter_smaps_key(VMS_C_ANON_HUGE),
			    "AnonHugePages");
	assert_int_equal(vms_vmflag_lookup("nr", 2), VMS_VMF_NR);
	assert_int_equal(vms_vmflag_lookup("zz", 2), -1);
	assert_int_equal(vms_vmflag_lookup("n", 1), -1);
	assert_string_equal(vms_errcode_str(VMS_E_UNSTABLE),
			    "address space kept changing");
	assert_string_equal(vms_errcode_str((enum vms_errcode)999),
			    "unknown error");
}

/* A dump has no kernel names: vdso, vsyscall and heap come from layout. */
static void
test_labels_by_layout(void **state)
{
	struct vms_err err;
	struct vms_map *m = vms_map_new(&err);
	struct vms_region *r;
	struct vms_auxv av[1] = {{33, 0x7f0000010000}};

	(void)state;
	m->proc.exe = "/bin/prog";
	m->arch.wordsize = 64;
	m->arch.machine = 62;
	m->auxv = malloc(sizeof(av));
	memcpy(m->auxv, av, sizeof(av));
	m->nauxv = 1;
	r = add(m, 0x400000, 0x401000, 5);
	r->path = "/bin/prog";
	r = add(m, 0x401000, 0x402000, 3);
	r->path = "/bin/prog";
	add(m, 0x402000, 0x404000, 3);             /* bss: touches the exe */
	add(m, 0x2000000, 0x2021000, 3);           /* the heap */
	add(m, 0x3000000, 0x3001000, 3);           /* another anon region */
	add(m, 0x7f000000e000, 0x7f0000010000, 1); /* vvar, read-only */
	add(m, 0x7f0000010000, 0x7f0000012000, 5); /* AT_SYSINFO_EHDR */
	add(m, 0xffffffffff600000, 0xffffffffff601000, 4);
	assert_int_equal(vms_map_finish(m, &err), 0);
	assert_int_equal(m->regions[2].label, VMS_LABEL_NONE);
	assert_int_equal(m->regions[3].label, VMS_LABEL_HEAP);
	assert_int_equal(m->regions[4].label, VMS_LABEL_NONE);
	assert_int_equal(m->regions[5].label, VMS_LABEL_VVAR);
	assert_int_equal(m->regions[6].label, VMS_LABEL_VDSO);
	assert_int_equal(m->regions[7].label, VMS_LABEL_VSYSCALL);
	vms_map_free(m);

	/* No randomisation: the heap touches the bss, which touches the exe. */
	m = vms_map_new(&err);
	m->proc.exe = "/bin/prog";
	m->arch.wordsize = 64;
	r = add(m, 0x400000, 0x401000, 5);
	r->path = "/bin/prog";
	add(m, 0x401000, 0x404000, 3);
	add(m, 0x404000, 0x425000, 3);
	assert_int_equal(vms_map_finish(m, &err), 0);
	assert_int_equal(m->regions[1].label, VMS_LABEL_NONE);
	assert_int_equal(m->regions[2].label, VMS_LABEL_HEAP);
	vms_map_free(m);

	/* Beyond the 32 MiB brk window of a 32-bit process: no heap. */
	m = vms_map_new(&err);
	m->proc.exe = "/bin/prog";
	m->arch.wordsize = 32;
	r = add(m, 0x8048000, 0x8049000, 5);
	r->path = "/bin/prog";
	add(m, 0x8049000 + (UINT64_C(33) << 20), 0x8060000 + (33 << 20), 3);
	assert_int_equal(vms_map_finish(m, &err), 0);
	assert_int_equal(m->regions[1].label, VMS_LABEL_NONE);
	/* Kernel names present: layout is not guessed. */
	r = add(m, 0x8050000, 0x8051000, 3);
	r->name = "[stack]";
	add(m, 0x804a000, 0x804b000, 3);
	assert_int_equal(vms_map_finish(m, &err), 0);
	assert_int_equal(m->regions[1].label, VMS_LABEL_NONE);
	vms_map_free(m);
}

/* Every slot vms_map_add() hands out is zero, whatever it held before. */
static int
all_zero(const struct vms_region *r)
{
	static const struct vms_region zero;

	return memcmp(r, &zero, sizeof(*r)) == 0;
}

static void
test_add_zeroes(void **state)
{
	const size_t n = 70000; /* past the size where the array is mapped */
	struct vms_err err;
	struct vms_map *m = vms_map_new(&err);
	struct vms_region *r;

	(void)state;
	assert_non_null(m);
	for (size_t i = 0; i < n; i++) {
		r = vms_map_add(m, &err);
		assert_non_null(r);
		assert_true(all_zero(r));
		memset(r, 0xa5, sizeof(*r));
	}
	/* Cut back and grow again: the reused slots are dirty. */
	m->nregions = 10;
	for (size_t i = 10; i < n + 100; i++) {
		r = vms_map_add(m, &err);
		assert_non_null(r);
		assert_true(all_zero(r));
		memset(r, 0x5a, sizeof(*r));
	}
	/* Cut back after a reserve that moved the array. */
	assert_int_equal(vms_map_reserve(m, 4 * n, &err), 0);
	m->nregions = n / 2;
	r = vms_map_add(m, &err);
	assert_non_null(r);
	assert_true(all_zero(r));
	vms_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_and_find),
		cmocka_unit_test(test_add_zeroes),
		cmocka_unit_test(test_overlap_and_empty),
		cmocka_unit_test(test_intern_and_warn),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_labels_by_layout),
		cmocka_unit_test(test_share_mode),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
