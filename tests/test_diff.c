/*
 * test_diff.c - the diff (src/diff.c, src/diffexpr.c, src/views/diff.c,
 * src/cli_diff.c).
 *
 * Maps built here with known differences exercise each matching rule,
 * unknown fields and the --fail-if thresholds at their edges; the JSON is
 * read back by tests/diff_check.py (Python's json module) and compared
 * with the library's own result.  Then the real thing: the fixture
 * vms_grower grows its heap by a known amount and loads libz.so.1
 * between two snapshots (and over a three-frame series); two runs of it
 * read live must not show libraries added or removed (ASLR).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "vmscope/vmscope.h"

#define ALL_COUNTERS (VMS_HAS_CTR(VMS_C__COUNT) - 1)
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define LIBZ "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"

static struct vms_map *
newmap(void)
{
	struct vms_err err = {0};
	struct vms_map *m = vms_map_new(&err);

	assert_non_null(m);
	m->proc.has |= VMS_P_PID;
	m->proc.pid = 100;
	return m;
}

/* A region with every counter known: rss as given, pss half of it. */
static struct vms_region *
reg(struct vms_map *m, uint64_t s, uint64_t e, unsigned prot, const char *path,
    uint64_t off, uint64_t rss)
{
	struct vms_err err = {0};
	struct vms_region *r = vms_map_add(m, &err);

	assert_non_null(r);
	r->start = s;
	r->end = e;
	r->prot = (uint8_t)prot;
	r->has |= VMS_HAS_PROT | VMS_HAS_OFFSET | ALL_COUNTERS;
	if (path != NULL)
		r->path = vms_map_intern(m, path, strlen(path), &err);
	r->offset = off;
	assert_non_null(vms_region_counters(m, r, &err));
	r->counters[VMS_C_RSS] = rss;
	r->counters[VMS_C_PSS] = rss / 2;
	r->counters[VMS_C_PRIVATE_DIRTY] = rss / 4;
	r->counters[VMS_C_ANONYMOUS] = path == NULL ? rss : 0;
	return r;
}

static struct vms_region *
named(struct vms_map *m, uint64_t s, uint64_t e, const char *name, uint64_t rss)
{
	struct vms_err err = {0};
	struct vms_region *r = reg(m, s, e, 3, NULL, 0, rss);

	r->name = vms_map_strdup(m, name, &err);
	return r;
}

/* A small module: text, rodata, data at base, as a loader maps it. */
static void
module(struct vms_map *m, uint64_t base, const char *path, uint64_t rss)
{
	reg(m, base, base + 0x1000, 1, path, 0, rss);
	reg(m, base + 0x1000, base + 0x5000, 5, path, 0x1000, rss);
	reg(m, base + 0x5000, base + 0x6000, 3, path, 0x5000, rss);
}

static void
finish(struct vms_map *m)
{
	struct vms_err err = {0};

	if (vms_map_finish(m, &err) < 0)
		fail_msg("finish: %s", err.msg);
}

/* The region holding addr, given a label after the labelling ran. */
static void
label_at(struct vms_map *m, uint64_t addr, enum vms_label l, uint64_t id)
{
	struct vms_region *r = (struct vms_region *)vms_map_find(m, addr);

	assert_non_null(r);
	r->label = (uint8_t)l;
	r->label_id = id;
}

static struct vms_diff *
run(const struct vms_map *a, const struct vms_map *b, unsigned flags)
{
	struct vms_diff_opts o = {flags};
	struct vms_err err = {0};
	struct vms_diff *d = NULL;

	if (vms_diff_run(a, b, &o, &d, &err) < 0)
		fail_msg("diff: %s", err.msg);
	return d;
}

static const struct vms_diff_group *
group(const struct vms_diff *d, const char *name)
{
	for (size_t i = 0; i < d->ngroups; i++)
		if (strcmp(d->groups[i].name, name) == 0)
			return &d->groups[i];
	fail_msg("no group %s", name);
	return NULL;
}

static size_t
changes(const struct vms_diff *d, enum vms_diff_change_kind k, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nchanges; i++)
		if (d->changes[i].kind == k &&
		    (name == NULL ||
		     strcmp(d->groups[d->changes[i].group].name, name) == 0))
			n++;
	return n;
}

static int64_t
delta(const struct vms_diff_value *v)
{
	int64_t x = 0;

	assert_int_equal(vms_diff_delta(v, &x), 0);
	return x;
}

/* A process: exe, libc, heap, anonymous memory, stack, vdso. */
static struct vms_map *
process(uint64_t shift, uint64_t heap, uint64_t stack)
{
	struct vms_map *m = newmap();

	module(m, 0x555500000000 + shift, "/usr/bin/prog", 0x1000);
	named(m, 0x555600000000 + shift, 0x555600000000 + shift + heap,
	      "[heap]", heap);
	module(m, 0x7f0000000000 + shift, LIBC, 0x2000);
	/* libc's bss: anonymous, right above it. */
	reg(m, 0x7f0000006000 + shift, 0x7f0000008000 + shift, 3, NULL, 0,
	    0x1000);
	named(m, 0x7ffd00000000 + shift, 0x7ffd00000000 + shift + stack,
	      "[stack]", 0x3000);
	named(m, 0x7ffd10000000 + shift, 0x7ffd10002000 + shift, "[vdso]",
	      0x2000);
	finish(m);
	return m;
}

static void
test_identical(void **state)
{
	struct vms_map *a = process(0, 0x21000, 0x21000), *e;
	struct vms_diff *d = run(a, a, 0);

	(void)state;
	assert_int_equal(d->differs, 0);
	assert_int_equal(d->nchanges, 0);
	for (size_t i = 0; i < d->ngroups; i++)
		assert_int_equal(d->groups[i].changed, 0);
	assert_int_equal(delta(&d->totals[VMS_DF_RSS]), 0);
	assert_int_equal(d->totals[VMS_DF_REGIONS].a, a->nregions);
	vms_diff_free(d);
	/* From nothing: everything added. */
	e = newmap();
	finish(e);
	d = run(e, a, 0);
	assert_int_equal(changes(d, VMS_DIFF_ADDED, NULL), a->nregions);
	assert_int_equal(d->nchanges, a->nregions);
	vms_diff_free(d);
	d = run(e, e, 0);
	assert_int_equal(d->differs, 0);
	assert_int_equal(d->ngroups, 0);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(e);
}

/* Everything moved (ASLR): matched all the same; heap growth seen. */
static void
test_aslr(void **state)
{
	struct vms_map *a = process(0, 0x21000, 0x21000);
	struct vms_map *b = process(0x123456000, 0x821000, 0x21000);
	struct vms_diff *d = run(a, b, 0);
	const struct vms_diff_group *h;

	(void)state;
	assert_int_equal(changes(d, VMS_DIFF_ADDED, NULL), 0);
	assert_int_equal(changes(d, VMS_DIFF_REMOVED, NULL), 0);
	assert_int_equal(changes(d, VMS_DIFF_RESIZED, NULL), 1);
	assert_int_equal(changes(d, VMS_DIFF_RESIZED, "[heap]"), 1);
	h = group(d, "[heap]");
	assert_int_equal(delta(&h->v[VMS_DF_SIZE]), 0x800000);
	assert_int_equal(delta(&h->v[VMS_DF_RSS]), 0x800000);
	/* The table starts with the largest RSS growth. */
	assert_string_equal(d->groups[0].name, "[heap]");
	assert_int_equal(group(d, LIBC)->changed, 0);
	assert_int_equal(group(d, "[anon]")->changed, 0);
	assert_int_equal(d->differs, 1);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

static void
test_added_removed(void **state)
{
	struct vms_map *a = process(0, 0x21000, 0x21000);
	struct vms_map *b = process(0, 0x21000, 0x21000);
	struct vms_diff *d;
	const struct vms_diff_group *g;

	(void)state;
	vms_map_free(a);
	a = newmap();
	module(a, 0x555500000000, "/usr/bin/prog", 0x1000);
	module(a, 0x7e0000000000, "/usr/lib/libfoo.so.1", 0x1000);
	finish(a);
	vms_map_free(b);
	b = newmap();
	module(b, 0x555500000000, "/usr/bin/prog", 0x1000);
	module(b, 0x7e0000000000, LIBZ, 0x3000);
	finish(b);
	d = run(a, b, 0);
	assert_int_equal(changes(d, VMS_DIFF_ADDED, LIBZ), 3);
	assert_int_equal(changes(d, VMS_DIFF_REMOVED, "/usr/lib/libfoo.so.1"),
			 3);
	assert_int_equal(d->nchanges, 6);
	g = group(d, LIBZ);
	assert_int_equal(g->in, VMS_DIFF_B);
	assert_int_equal(g->v[VMS_DF_REGIONS].a, 0);
	assert_int_equal(g->v[VMS_DF_REGIONS].b, 3);
	assert_int_equal(delta(&g->v[VMS_DF_RSS]), 3 * 0x3000);
	assert_int_equal(group(d, "/usr/lib/libfoo.so.1")->in, VMS_DIFF_A);
	assert_int_equal(group(d, "/usr/bin/prog")->changed, 0);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

/* Modules by offset: a region resized, one re-protected. */
static void
test_resized_prot(void **state)
{
	struct vms_map *a = newmap(), *b = newmap();
	struct vms_diff *d;

	(void)state;
	module(a, 0x7f0000000000, LIBC, 0x1000);
	reg(b, 0x7f1000000000, 0x7f1000001000, 1, LIBC, 0, 0x1000);
	reg(b, 0x7f1000001000, 0x7f1000006000, 5, LIBC, 0x1000, 0x1000);
	reg(b, 0x7f1000006000, 0x7f1000007000, 1, LIBC, 0x5000, 0x1000);
	finish(a);
	finish(b);
	d = run(a, b, 0);
	assert_int_equal(d->nchanges, 2);
	assert_int_equal(changes(d, VMS_DIFF_RESIZED, LIBC), 1);
	assert_int_equal(changes(d, VMS_DIFF_PROT, LIBC), 1);
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct vms_diff_change *c = &d->changes[i];

		if (c->kind == VMS_DIFF_RESIZED) {
			assert_int_equal(c->a->offset, 0x1000);
			assert_int_equal(vms_region_size(c->b), 0x5000);
		} else {
			assert_int_equal(c->a->prot, 3);
			assert_int_equal(c->b->prot, 1);
		}
	}
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

static const unsigned char bid1[] = {0xde, 0xad, 0xbe, 0xef, 1};
static const unsigned char bid2[] = {0xde, 0xad, 0xbe, 0xef, 2};

static void
with_bid(struct vms_map *m, const unsigned char *bid)
{
	for (size_t i = 0; i < m->nregions; i++) {
		if (m->regions[i].path == NULL)
			continue;
		m->regions[i].build_id = bid;
		m->regions[i].build_id_len = sizeof(bid1);
	}
}

/* Build-ids first: a moved file is the same module; a new one is not. */
static void
test_build_id(void **state)
{
	struct vms_map *a = newmap(), *b = newmap(), *c = newmap();
	struct vms_diff *d;
	const struct vms_diff_group *g;

	(void)state;
	module(a, 0x7f0000000000, "/usr/lib/libx.so.1", 0x1000);
	module(b, 0x7f0000000000, "/opt/x/libx.so.1", 0x1000);
	module(c, 0x7f0000000000, "/usr/lib/libx.so.1", 0x1000);
	finish(a);
	finish(b);
	finish(c);
	with_bid(a, bid1);
	with_bid(b, bid1);
	with_bid(c, bid2);
	d = run(a, b, 0);
	assert_int_equal(d->nchanges, 0);
	assert_int_equal(d->ngroups, 1);
	g = &d->groups[0];
	assert_string_equal(g->name, "/opt/x/libx.so.1");
	assert_string_equal(g->name_a, "/usr/lib/libx.so.1");
	vms_diff_free(d);
	/* By path alone they differ. */
	d = run(a, b, VMS_DIFF_PATHS);
	assert_int_equal(changes(d, VMS_DIFF_ADDED, NULL), 3);
	assert_int_equal(changes(d, VMS_DIFF_REMOVED, NULL), 3);
	vms_diff_free(d);
	/* The same path, another build-id: replaced. */
	d = run(a, c, 0);
	assert_int_equal(d->nchanges, 1);
	assert_int_equal(changes(d, VMS_DIFF_REPLACED, "/usr/lib/libx.so.1"),
			 1);
	vms_diff_free(d);
	d = run(a, c, VMS_DIFF_PATHS);
	assert_int_equal(d->nchanges, 0);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
	vms_map_free(c);
}

/* Thread stacks by tid, then in order; guards likewise. */
static void
test_thread_stacks(void **state)
{
	struct vms_map *a = newmap(), *b = newmap();
	struct vms_diff *d;
	size_t resized = 0;

	(void)state;
	reg(a, 0x10000, 0x11000, 0, NULL, 0, 0);
	reg(a, 0x11000, 0x20000, 3, NULL, 0, 0x1000);
	reg(a, 0x30000, 0x40000, 3, NULL, 0, 0x1000);
	reg(b, 0x50000, 0x51000, 0, NULL, 0, 0);
	reg(b, 0x51000, 0x62000, 3, NULL, 0, 0x1000); /* tid 11 grew */
	reg(b, 0x70000, 0x80000, 3, NULL, 0, 0x1000); /* tid 13, was 12 */
	reg(b, 0x90000, 0xa0000, 3, NULL, 0, 0x1000); /* tid 14: new */
	finish(a);
	finish(b);
	label_at(a, 0x10000, VMS_LABEL_GUARD, 11);
	label_at(a, 0x11000, VMS_LABEL_THREAD_STACK, 11);
	label_at(a, 0x30000, VMS_LABEL_THREAD_STACK, 12);
	label_at(b, 0x50000, VMS_LABEL_GUARD, 11);
	/* In B, tid 11's stack comes after the others by address. */
	label_at(b, 0x51000, VMS_LABEL_THREAD_STACK, 11);
	label_at(b, 0x70000, VMS_LABEL_THREAD_STACK, 13);
	label_at(b, 0x90000, VMS_LABEL_THREAD_STACK, 14);
	d = run(a, b, 0);
	assert_int_equal(changes(d, VMS_DIFF_ADDED, "[thread-stack]"), 1);
	assert_int_equal(changes(d, VMS_DIFF_REMOVED, NULL), 0);
	assert_int_equal(changes(d, VMS_DIFF_RESIZED, "[thread-stack]"), 1);
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct vms_diff_change *c = &d->changes[i];

		if (c->kind == VMS_DIFF_ADDED)
			assert_int_equal(c->b->label_id, 14);
		if (c->kind == VMS_DIFF_RESIZED) {
			assert_int_equal(c->a->label_id, 11);
			assert_int_equal(c->b->label_id, 11);
			resized++;
		}
	}
	assert_int_equal(resized, 1);
	assert_int_equal(group(d, "[guard]")->changed, 0);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

static struct vms_region *
shm(struct vms_map *m, uint64_t s, const char *path, uint64_t inode)
{
	struct vms_region *r = reg(m, s, s + 0x10000, 3, path, 0, 0x1000);

	r->has |= VMS_HAS_DEVINO;
	r->inode = inode;
	return r;
}

/* SysV segments by shmid, then key; memfds by name. */
static void
test_sysv_memfd(void **state)
{
	struct vms_map *a = newmap(), *b = newmap();
	struct vms_diff *d;

	(void)state;
	shm(a, 0x100000, "/SYSV00001234", 5);
	shm(a, 0x200000, "/SYSV00005678", 6);
	shm(a, 0x300000, "/memfd:foo", 7);
	/* Another run: new shmids, same keys; foo gone, bar new. */
	shm(b, 0x400000, "/SYSV00005678", 16);
	shm(b, 0x500000, "/SYSV00001234", 15);
	shm(b, 0x600000, "/memfd:bar", 8)->end += 0x10000;
	finish(a);
	finish(b);
	assert_int_equal(a->regions[0].label, VMS_LABEL_SYSV_SHM);
	assert_int_equal(a->regions[0].label_id, 5);
	assert_int_equal(a->regions[2].label, VMS_LABEL_MEMFD);
	d = run(a, b, 0);
	assert_int_equal(group(d, "[sysv-shm]")->changed, 0);
	assert_int_equal(changes(d, VMS_DIFF_REMOVED, "[memfd]"), 1);
	assert_int_equal(changes(d, VMS_DIFF_ADDED, "[memfd]"), 1);
	assert_int_equal(d->nchanges, 2);
	vms_diff_free(d);
	/* The same run: by shmid, even when the order changed. */
	vms_map_free(b);
	b = newmap();
	shm(b, 0x100000, "/SYSV00005678", 6);
	shm(b, 0x200000, "/SYSV00001234", 5)->end += 0x10000;
	finish(b);
	d = run(a, b, 0);
	assert_int_equal(changes(d, VMS_DIFF_RESIZED, "[sysv-shm]"), 1);
	assert_int_equal(d->changes[0].a->label_id, 5);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

/* Anonymous: by start, by end, then by size and the module below. */
static void
test_anon(void **state)
{
	struct vms_map *a = newmap(), *b = newmap();
	struct vms_diff *d;

	(void)state;
	module(a, 0x7f0000000000, LIBC, 0x1000);
	reg(a, 0x7f0000006000, 0x7f0000008000, 3, NULL, 0, 0x1000);
	reg(a, 0x10000000, 0x10100000, 3, NULL, 0, 0x1000);
	reg(a, 0x20000000, 0x20100000, 3, NULL, 0, 0x1000);
	reg(a, 0x30000000, 0x30001000, 3, NULL, 0, 0x1000);
	named(a, 0x40000000, 0x40001000, "[anon:jit]", 0x1000);
	module(b, 0x7f2000000000, LIBC, 0x1000);
	/* libc's bss: another address (ASLR), the same size. */
	reg(b, 0x7f2000006000, 0x7f2000008000, 3, NULL, 0, 0x1000);
	reg(b, 0x10000000, 0x10200000, 3, NULL, 0, 0x1000); /* grew up */
	reg(b, 0x1ff00000, 0x20100000, 3, NULL, 0, 0x1000); /* grew down */
	reg(b, 0x31000000, 0x31002000, 3, NULL, 0, 0x1000); /* other */
	named(b, 0x40000000, 0x40002000, "[anon:jit]", 0x1000);
	finish(a);
	finish(b);
	d = run(a, b, 0);
	assert_int_equal(changes(d, VMS_DIFF_RESIZED, "[anon]"), 2);
	assert_int_equal(changes(d, VMS_DIFF_ADDED, "[anon]"), 1);
	assert_int_equal(changes(d, VMS_DIFF_REMOVED, "[anon]"), 1);
	assert_int_equal(changes(d, VMS_DIFF_RESIZED, "[anon:jit]"), 1);
	assert_int_equal(d->nchanges, 5);
	assert_int_equal(group(d, LIBC)->changed, 0);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

/* A core has no PSS: not compared, null in JSON, not evaluable. */
static void
test_unknown(void **state)
{
	struct vms_map *a = process(0, 0x21000, 0x21000);
	struct vms_map *b = process(0, 0x21000, 0x22000);
	struct vms_diff_expr e;
	struct vms_err err = {0};
	struct vms_diff *d;
	int64_t x;

	(void)state;
	for (size_t i = 0; i < a->nregions; i++)
		a->regions[i].has &= ~VMS_HAS_CTR(VMS_C_PSS);
	d = run(a, b, 0);
	assert_int_equal(d->totals[VMS_DF_PSS].known, VMS_DIFF_B);
	assert_int_equal(vms_diff_delta(&d->totals[VMS_DF_PSS], &x), -1);
	assert_int_equal(group(d, LIBC)->v[VMS_DF_PSS].known, VMS_DIFF_B);
	assert_int_equal(group(d, LIBC)->v[VMS_DF_RSS].known,
			 VMS_DIFF_A | VMS_DIFF_B);
	/* Only the stack changed; an unknown PSS is not a difference. */
	assert_int_equal(group(d, LIBC)->changed, 0);
	assert_int_equal(d->nchanges, 1);
	assert_int_equal(vms_diff_expr_parse("pss>0", &e, &err), 0);
	assert_int_equal(vms_diff_expr_eval(&e, d, NULL, &err), -1);
	assert_int_equal(err.code, VMS_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "pss>0: pss is not known in A"));
	assert_int_equal(vms_diff_expr_parse("libc.so.6.pss<0", &e, &err), 0);
	assert_int_equal(vms_diff_expr_eval(&e, d, NULL, &err), -1);
	assert_int_equal(vms_diff_expr_parse("stack.size>=+4K", &e, &err), 0);
	assert_int_equal(vms_diff_expr_eval(&e, d, NULL, &err), 1);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

static void
test_expr_parse(void **state)
{
	static const struct {
		const char *s;
		const char *scope;
		enum vms_diff_field f;
		enum vms_diff_op op;
		int percent;
		int64_t value;
		unsigned scale;
	} good[] = {
		{"rss>+10%", NULL, VMS_DF_RSS, VMS_DIFF_GT, 1, 10, 0},
		{"heap.rss>+64M", "heap", VMS_DF_RSS, VMS_DIFF_GT, 0, 64 << 20,
		 0},
		{"regions>+100", NULL, VMS_DF_REGIONS, VMS_DIFF_GT, 0, 100, 0},
		{"swap>0", NULL, VMS_DF_SWAP, VMS_DIFF_GT, 0, 0, 0},
		{"libc.so.6.dirty>=1.5K", "libc.so.6", VMS_DF_DIRTY,
		 VMS_DIFF_GE, 0, 1536, 0},
		{" size <= -2GiB ", NULL, VMS_DF_SIZE, VMS_DIFF_LE, 0,
		 -(INT64_C(2) << 30), 0},
		{"pss<-12.5%", NULL, VMS_DF_PSS, VMS_DIFF_LT, 1, -125, 1},
		{"anonymous==0", NULL, VMS_DF_ANONYMOUS, VMS_DIFF_EQ, 0, 0, 0},
		{"[heap].locked!=4kb", "[heap]", VMS_DF_LOCKED, VMS_DIFF_NE, 0,
		 4096, 0},
		{"/usr/lib/libc.so.6.swap>1T", "/usr/lib/libc.so.6",
		 VMS_DF_SWAP, VMS_DIFF_GT, 0, INT64_C(1) << 40, 0},
	};
	static const char *const bad[] = {
		"rss",
		"rss=5",
		"rss=>5",
		"foo>1",
		".rss>1",
		"rss>",
		"rss>+",
		"rss>1X",
		"regions>1K",
		"rss>1.3K",
		"rss>1.5",
		"rss>1%%",
		"rss>10000000000000000000",
		"rss>9999999T",
		"heap.>1",
		"rss>1.1234567%",
	};
	struct vms_diff_expr e;
	struct vms_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (vms_diff_expr_parse(good[i].s, &e, &err) < 0)
			fail_msg("%s: %s", good[i].s, err.msg);
		if (good[i].scope == NULL) {
			assert_null(e.scope);
		} else {
			assert_int_equal(e.scope_len, strlen(good[i].scope));
			assert_memory_equal(e.scope, good[i].scope,
					    e.scope_len);
		}
		assert_int_equal(e.field, good[i].f);
		assert_int_equal(e.op, good[i].op);
		assert_int_equal(e.percent, good[i].percent);
		assert_int_equal(e.value, good[i].value);
		assert_int_equal(e.scale, good[i].scale);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (vms_diff_expr_parse(bad[i], &e, &err) == 0)
			fail_msg("%s: parsed", bad[i]);
		assert_int_equal(err.code, VMS_E_INVAL);
		/* The message names the expression. */
		assert_memory_equal(err.msg, bad[i], strlen(bad[i]));
	}
}

/* A diff made by hand: totals and one module, one label. */
struct handmade {
	struct vms_diff d;
	struct vms_diff_group g[2];
};

static void
handmade(struct handmade *h, enum vms_diff_field f, uint64_t a, uint64_t b)
{
	memset(h, 0, sizeof(*h));
	h->g[0].name = LIBC;
	h->g[0].kind = VMS_DIFF_MODULE;
	h->g[1].name = "[heap]";
	h->g[1].kind = VMS_DIFF_LABEL;
	h->g[1].label = VMS_LABEL_HEAP;
	for (int i = 0; i < VMS_DF__COUNT; i++) {
		h->d.totals[i].known = VMS_DIFF_A | VMS_DIFF_B;
		h->g[0].v[i].known = h->g[1].v[i].known =
			VMS_DIFF_A | VMS_DIFF_B;
	}
	h->d.totals[f].a = h->g[0].v[f].a = h->g[1].v[f].a = a;
	h->d.totals[f].b = h->g[0].v[f].b = h->g[1].v[f].b = b;
	h->d.groups = h->g;
	h->d.ngroups = 2;
}

static int
holds(const char *s, enum vms_diff_field f, uint64_t a, uint64_t b)
{
	struct vms_diff_expr e;
	struct vms_err err = {0};
	struct handmade h;
	int r;

	handmade(&h, f, a, b);
	if (vms_diff_expr_parse(s, &e, &err) < 0)
		fail_msg("%s: %s", s, err.msg);
	r = vms_diff_expr_eval(&e, &h.d, NULL, &err);
	if (r < 0)
		fail_msg("%s: %s", s, err.msg);
	return r;
}

static void
test_expr_edges(void **state)
{
	const uint64_t m64 = UINT64_C(64) << 20;

	(void)state;
	/* +10% exactly does not exceed +10%; one byte more does. */
	assert_int_equal(holds("rss>+10%", VMS_DF_RSS, 1000000, 1100000), 0);
	assert_int_equal(holds("rss>+10%", VMS_DF_RSS, 1000000, 1100001), 1);
	assert_int_equal(holds("rss>=+10%", VMS_DF_RSS, 1000000, 1100000), 1);
	assert_int_equal(holds("rss>=10%", VMS_DF_RSS, 1000000, 1099999), 0);
	assert_int_equal(holds("rss<-10%", VMS_DF_RSS, 1000000, 900000), 0);
	assert_int_equal(holds("rss<-10%", VMS_DF_RSS, 1000000, 899999), 1);
	assert_int_equal(holds("rss>+12.5%", VMS_DF_RSS, 800, 900), 0);
	assert_int_equal(holds("rss>+12.5%", VMS_DF_RSS, 800, 901), 1);
	assert_int_equal(holds("rss==+12.5%", VMS_DF_RSS, 800, 900), 1);
	/* From zero any growth is beyond every percentage. */
	assert_int_equal(holds("rss>+1000%", VMS_DF_RSS, 0, 1), 1);
	assert_int_equal(holds("rss>+0%", VMS_DF_RSS, 0, 0), 0);
	/* Big values do not overflow the cross-multiplication. */
	assert_int_equal(holds("rss>+50%", VMS_DF_RSS, UINT64_C(1) << 62,
			       (UINT64_C(1) << 62) + (UINT64_C(1) << 61)),
			 0);
	assert_int_equal(holds("rss>+49.999999%", VMS_DF_RSS, UINT64_C(1) << 62,
			       (UINT64_C(1) << 62) + (UINT64_C(1) << 61)),
			 1);
	assert_int_equal(
		holds("heap.rss>+64M", VMS_DF_RSS, 0x100000, 0x100000 + m64),
		0);
	assert_int_equal(holds("heap.rss>+64M", VMS_DF_RSS, 0x100000,
			       0x100000 + m64 + 1),
			 1);
	assert_int_equal(holds("regions>+100", VMS_DF_REGIONS, 50, 150), 0);
	assert_int_equal(holds("regions>+100", VMS_DF_REGIONS, 50, 151), 1);
	assert_int_equal(holds("regions<=-1", VMS_DF_REGIONS, 50, 49), 1);
	/* swap>0 is about the change: swap that stays is no news. */
	assert_int_equal(holds("swap>0", VMS_DF_SWAP, 4096, 4096), 0);
	assert_int_equal(holds("swap>0", VMS_DF_SWAP, 4096, 8192), 1);
	assert_int_equal(holds("swap>0", VMS_DF_SWAP, 0, 1), 1);
	assert_int_equal(holds("swap!=0", VMS_DF_SWAP, 8192, 4096), 1);
	/* Scopes: a basename, the full path, a label with or without []. */
	assert_int_equal(holds("libc.so.6.size>0", VMS_DF_SIZE, 1, 2), 1);
	assert_int_equal(holds(LIBC ".size>0", VMS_DF_SIZE, 1, 2), 1);
	assert_int_equal(holds("[heap].size>0", VMS_DF_SIZE, 1, 2), 1);
	assert_int_equal(holds("libc.so.size>0", VMS_DF_SIZE, 1, 2), 1);
	assert_int_equal(holds("libc.so.6.size>0", VMS_DF_SIZE, 1, 2), 1);
	/* A label with no regions anywhere: zero on both sides. */
	assert_int_equal(holds("thread-stack.size==0", VMS_DF_SIZE, 1, 2), 1);
}

static void
test_expr_noscope(void **state)
{
	struct vms_diff_expr e;
	struct vms_err err = {0};
	struct handmade h;

	(void)state;
	handmade(&h, VMS_DF_RSS, 1, 2);
	/* "libc.s" is no prefix up to a '.' of libc.so.6. */
	assert_int_equal(vms_diff_expr_parse("libc.s.rss>0", &e, &err), 0);
	assert_int_equal(vms_diff_expr_eval(&e, &h.d, NULL, &err), -1);
	assert_int_equal(vms_diff_expr_parse("libfoo.so.rss>0", &e, &err), 0);
	assert_int_equal(vms_diff_expr_eval(&e, &h.d, NULL, &err), -1);
	assert_int_equal(err.code, VMS_E_NOENT);
	assert_non_null(strstr(err.msg, "libfoo.so"));
	/* A label unknown in a map whose totals are unknown: no answer. */
	h.d.totals[VMS_DF_RSS].known = VMS_DIFF_B;
	assert_int_equal(vms_diff_expr_parse("vdso.rss>0", &e, &err), 0);
	assert_int_equal(vms_diff_expr_eval(&e, &h.d, NULL, &err), -1);
	assert_int_equal(err.code, VMS_E_UNSUPPORTED);
}

/* Run diff_check.py on the JSON; its summary, malloc'ed (NULL: skip). */
static char *
pycheck(const char *json)
{
	char *script = vt_source_path("tests/diff_check.py");
	const char *argv[] = {"/usr/bin/env", "python3", script, NULL};
	struct vt_run r;

	assert_int_equal(vt_run(argv, json, &r), 0);
	free(script);
	if (r.status == 127) {
		vt_run_free(&r);
		return NULL;
	}
	if (r.status != 0)
		fail_msg("diff_check.py: %s", r.err);
	free(r.err);
	return r.out;
}

static void
hex(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fprintf(f, "%02x", (unsigned char)*s);
}

static void
put(FILE *f, const struct vms_diff_value *v)
{
	int64_t x;

	if (v->known & VMS_DIFF_A)
		fprintf(f, " %" PRIu64, v->a);
	else
		fputs(" ?", f);
	if (v->known & VMS_DIFF_B)
		fprintf(f, " %" PRIu64, v->b);
	else
		fputs(" ?", f);
	if (vms_diff_delta(v, &x) == 0)
		fprintf(f, " %" PRId64 "\n", x);
	else
		fputs(" ?\n", f);
}

/* The summary diff_check.py makes, from the library's own result. */
static char *
summary(const struct vms_diff *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fprintf(f, "differs %d\n", d->differs);
	for (int i = 0; i < VMS_DF__COUNT; i++) {
		fprintf(f, "total %s", vms_diff_field_name(i));
		put(f, &d->totals[i]);
	}
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct vms_diff_group *gp = &d->groups[g];

		fputs("group ", f);
		hex(f, gp->name);
		fprintf(f, " %s %d %d %d\n", vms_diff_kind_name(gp->kind),
			(gp->in & VMS_DIFF_A) != 0, (gp->in & VMS_DIFF_B) != 0,
			gp->changed);
		for (int i = 0; i < VMS_DF__COUNT; i++) {
			fputs("field ", f);
			hex(f, gp->name);
			fprintf(f, " %s", vms_diff_field_name(i));
			put(f, &gp->v[i]);
		}
	}
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct vms_diff_change *c = &d->changes[i];

		fprintf(f, "change %s ", vms_diff_change_name(c->kind));
		hex(f, d->groups[c->group].name);
		fputc(' ', f);
		if (c->a != NULL)
			fprintf(f, "0x%" PRIx64 " ", c->a->start);
		else
			fputs("- ", f);
		if (c->b != NULL)
			fprintf(f, "0x%" PRIx64 "\n", c->b->start);
		else
			fputs("-\n", f);
	}
	fclose(f);
	return buf;
}

static char *
print(const struct vms_diff *d, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(vms_diff_print(f, d, flags), 0);
	fclose(f);
	return buf;
}

static void
check_json(const struct vms_diff *d)
{
	unsigned styles[] = {VMS_DIFF_PRINT_JSON,
			     VMS_DIFF_PRINT_JSON | VMS_DIFF_PRINT_PRETTY};

	for (size_t i = 0; i < 2; i++) {
		char *json = print(d, styles[i]);
		char *got = pycheck(json), *want;

		free(json);
		if (got == NULL)
			skip();
		want = summary(d);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
}

static void
test_json(void **state)
{
	struct vms_map *a = process(0, 0x21000, 0x21000);
	struct vms_map *b = process(0x1000000, 0x821000, 0x22000);
	struct vms_diff *d;
	struct vms_err err = {0};

	(void)state;
	for (size_t i = 0; i < a->nregions; i++)
		a->regions[i].has &= ~VMS_HAS_CTR(VMS_C_PSS);
	module(b, 0x7e0000000000, LIBZ, 0x1000);
	/* A path that is not UTF-8 and one with a quote and a newline. */
	module(b, 0x7d0000000000, "/tmp/\xff\xfe.so", 0x1000);
	module(b, 0x7c0000000000, "/tmp/a \"b\"\nc.so", 0x1000);
	assert_int_equal(vms_map_finish(b, &err), 0);
	d = run(a, b, 0);
	assert_true(d->nchanges > 6);
	check_json(d);
	vms_diff_free(d);
	d = run(a, a, 0);
	check_json(d);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

/* needle must be in text; the whole text in the message if not. */
static void
has(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		fail_msg("no \"%s\" in:\n%s", needle, text);
}

static void
test_text(void **state)
{
	struct vms_map *a = process(0, 0x21000, 0x21000);
	struct vms_map *b = process(0x1000000, 0x821000, 0x21000);
	struct vms_diff *d;
	char *text;

	(void)state;
	for (size_t i = 0; i < a->nregions; i++)
		a->regions[i].has &= ~VMS_HAS_CTR(VMS_C_PSS);
	d = run(a, b, 0);
	text = print(d, 0);
	/* The heap leads the table, with human sizes and a signed delta. */
	has(text, "\n 132.0K    8.1M    +8.0M        ?    4.1M        ?");
	has(text, "    [heap]\n");
	has(text, "(5 groups unchanged)\n");
	has(text, "CHANGES: 1\n  resized   ");
	has(text, "rw-  132.0K -> 8.1M (+8.0M)  [heap]\n");
	has(text, "\npss                   ?");
	free(text);
	text = print(d, VMS_DIFF_PRINT_ALL);
	assert_null(strstr(text, "unchanged"));
	has(text, LIBC "\n");
	free(text);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

static void
test_trend(void **state)
{
	struct vms_err err = {0};
	struct vms_trend *t = vms_trend_new(&err);
	uint64_t heaps[] = {0x21000, 0x41000, 0x41000, 0x81000};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(t);
	for (size_t i = 0; i < 4; i++) {
		struct vms_map *m = process(i * 0x1000000, heaps[i], 0x21000);
		char name[16];

		if (i == 2)
			module(m, 0x7e0000000000, LIBZ, 0x1000);
		if (i == 3) {
			/* Unknown RSS in one frame of libc. */
			module(m, 0x7e0000000000, LIBZ, 0x1000);
			finish(m);
			for (size_t r = 0; r < m->nregions; r++)
				if (m->regions[r].path != NULL &&
				    strcmp(m->regions[r].path, LIBC) == 0)
					m->regions[r].has = 0;
		} else {
			finish(m);
		}
		snprintf(name, sizeof(name), "f%zu", i + 1);
		assert_int_equal(vms_trend_add(t, m, name, &err), 0);
		vms_map_free(m);
	}
	vms_trend_finish(t);
	assert_int_equal(t->nframes, 4);
	assert_string_equal(t->frames[3], "f4");
	/* The heap grows and never falls: first. */
	assert_string_equal(t->rows[0].name, "[heap]");
	assert_int_equal(t->rows[0].growing, 1);
	for (size_t i = 1; i < t->nrows; i++) {
		const struct vms_trend_row *r = &t->rows[i];

		/* A module that came and stayed grew too. */
		assert_int_equal(r->growing, strcmp(r->name, LIBZ) == 0);
		if (strcmp(r->name, LIBZ) == 0) {
			/* Absent from the first frames: zero there. */
			assert_int_equal(r->known[0], 1);
			assert_int_equal(r->rss[0], 0);
			assert_int_equal(r->rss[2], 0x3000);
		}
		if (strcmp(r->name, LIBC) == 0)
			assert_int_equal(r->known[3], 0);
	}
	assert_int_equal(vms_trend_add(t, NULL, "x", &err), -1);
	f = open_memstream(&buf, &len);
	assert_int_equal(vms_trend_print(f, t, 0), 0);
	fclose(f);
	has(buf, "  +384.0K  growing  [heap]\n");
	has(buf, "       ?        ?           " LIBC "\n");
	free(buf);
	vms_trend_free(t);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* 60 000 regions: 500 modules moved (ASLR), anonymous memory resized. */
static struct vms_map *
big(uint64_t shift, int grow)
{
	struct vms_map *m = newmap();
	char path[64];

	for (int i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "/usr/lib/lib%d.so", i);
		module(m, 0x7f0000000000 + shift + (uint64_t)i * 0x100000, path,
		       0x1000);
	}
	for (uint64_t i = 0; i < 58500; i++) {
		uint64_t s = 0x100000000 + i * 0x10000;

		reg(m, s, s + 0x2000 + (grow && i % 585 == 0 ? 0x1000 : 0), 3,
		    NULL, 0, 0x1000);
	}
	finish(m);
	return m;
}

static void
test_speed(void **state)
{
	struct vms_map *a = big(0, 0), *b = big(0x5000000000, 1);
	struct vms_diff *d;
	double t0, ms;

	(void)state;
	assert_int_equal(a->nregions, 60000);
	t0 = now_ms();
	d = run(a, b, 0);
	ms = now_ms() - t0;
	print_message("diff of two 60000-region maps: %.1f ms\n", ms);
	assert_int_equal(d->nchanges, 100);
	assert_int_equal(changes(d, VMS_DIFF_RESIZED, "[anon]"), 100);
	/* Generous: sanitizers and a busy shared machine. */
	assert_true(ms < 3000);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
}

/* The vmscope command with args; its status, stdout and stderr. */
static int
vmscope(struct vt_run *r, const char *const args[])
{
	const char *argv[32];
	char *bin = vt_vmscope_path();
	size_t n = 0;

	argv[n++] = bin;
	while (*args != NULL && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	assert_int_equal(vt_run(argv, NULL, r), 0);
	free(bin);
	return r->status;
}

static int
vmscope_ok(const char *const args[])
{
	struct vt_run r;
	int st = vmscope(&r, args);

	if (st != 0 && st != 1)
		fail_msg("vmscope %s %s: status %d: %s", args[0], args[1], st,
			 r.err);
	vt_run_free(&r);
	return st;
}

/* Tell the fixture to grow; wait for its report; the bytes so far. */
static uint64_t
grow(struct vt_fixture *fx)
{
	char *path = vt_asprintf("%s/grown", fx->dir);
	uint64_t total = 0;

	unlink(path);
	assert_int_equal(write(fx->in, "grow\n", 5), 5);
	for (int i = 0; i < 1000; i++) {
		char *s = vt_read_file(path, NULL);

		if (s != NULL) {
			assert_int_equal(sscanf(s, "grown %" SCNu64, &total),
					 1);
			free(s);
			break;
		}
		usleep(10000);
	}
	free(path);
	assert_true(total > 0);
	return total;
}

static struct vms_map *
live(pid_t pid)
{
	struct vms_open_opts oo = {.flags = VMS_OPEN_COUNTERS |
					    VMS_OPEN_BUILDIDS};
	struct vms_err err = {0};
	struct vms_map *m = vms_open_pid(pid, &oo, &err);

	if (m == NULL)
		fail_msg("pid %d: %s", (int)pid, err.msg);
	return m;
}

static const struct vms_diff_group *
libz(const struct vms_diff *d)
{
	for (size_t i = 0; i < d->ngroups; i++)
		if (strstr(d->groups[i].name, "/libz.so") != NULL)
			return &d->groups[i];
	fail_msg("no libz group");
	return NULL;
}

/*
 * Snapshots of vms_grower before and after it grew: the heap delta is
 * what it says it allocated, libz.so.1 is new, the command agrees.
 */
static void
test_grower(void **state)
{
	const char *args[] = {"4194304", NULL};
	struct vt_fixture fx;
	struct vms_map *a, *b;
	struct vms_diff *d;
	uint64_t step, page, pid;
	const struct vms_diff_group *h;
	char *sa, *sb, *spid, *json;
	struct vt_run r;

	(void)state;
	if (vt_fixture_start(&fx, "grower", args) < 0)
		fail_msg("vms_grower: %s", strerror(errno));
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	assert_int_equal(vt_fact_u64(&fx, "page_size", 0, &page), 0);
	spid = vt_asprintf("%" PRIu64, pid);
	sa = vt_asprintf("%s/a.vms", fx.dir);
	sb = vt_asprintf("%s/b.vms", fx.dir);
	vmscope_ok(
		(const char *const[]){"snapshot", "-q", "-o", sa, spid, NULL});
	step = grow(&fx);
	vmscope_ok(
		(const char *const[]){"snapshot", "-q", "-o", sb, spid, NULL});
	assert_int_equal(step, 4194304);
	{
		struct vms_open_opts oo = {0};
		struct vms_err err = {0};

		a = vms_open(sa, &oo, &err);
		b = vms_open(sb, &oo, &err);
		assert_non_null(a);
		assert_non_null(b);
	}
	d = run(a, b, 0);
	h = group(d, "[heap]");
	assert_int_equal(delta(&h->v[VMS_DF_SIZE]), (int64_t)step);
	assert_true(delta(&h->v[VMS_DF_RSS]) >= (int64_t)step);
	assert_true(delta(&h->v[VMS_DF_RSS]) <= (int64_t)(step + 16 * page));
	assert_int_equal(libz(d)->in, VMS_DIFF_B);
	assert_int_equal(changes(d, VMS_DIFF_ADDED, libz(d)->name),
			 libz(d)->v[VMS_DF_REGIONS].b);
	assert_int_equal(changes(d, VMS_DIFF_REMOVED, NULL), 0);
	/* The command: exit 1, the same content in JSON. */
	assert_int_equal(vmscope(&r, (const char *const[]){"diff", "--json", sa,
							   sb, NULL}),
			 1);
	json = pycheck(r.out);
	if (json != NULL) {
		char *want = summary(d);

		assert_string_equal(json, want);
		free(want);
		free(json);
	}
	vt_run_free(&r);
	/* Thresholds at the edge of what was allocated. */
	assert_int_equal(
		vmscope(&r,
			(const char *const[]){"diff", "-q", "--fail-if",
					      "heap.size>+4M", sa, sb, NULL}),
		0);
	vt_run_free(&r);
	assert_int_equal(vmscope(&r, (const char *const[]){"diff", "--fail-if",
							   "heap.size>=+4M", sa,
							   sb, NULL}),
			 1);
	assert_non_null(strstr(r.err, "--fail-if heap.size>=+4M holds: "));
	vt_run_free(&r);
	/* Identical inputs: exit 0, no changes. */
	assert_int_equal(
		vmscope(&r, (const char *const[]){"diff", sb, sb, NULL}), 0);
	assert_non_null(strstr(r.out, "CHANGES: none\n"));
	vt_run_free(&r);
	assert_int_equal(vmscope(&r, (const char *const[]){"diff", "--json", sb,
							   sb, NULL}),
			 0);
	assert_non_null(strstr(r.out, "\"changes\":[]}"));
	vt_run_free(&r);
	/* Trouble: a bad expression, a scope nobody has. */
	assert_int_equal(
		vmscope(&r, (const char *const[]){"diff", "--fail-if", "rss>>1",
						  sa, sb, NULL}),
		2);
	assert_non_null(strstr(r.err, "rss>>1"));
	vt_run_free(&r);
	assert_int_equal(vmscope(&r, (const char *const[]){"diff", "--fail-if",
							   "nosuch.so.rss>0",
							   sa, sb, NULL}),
			 2);
	assert_non_null(strstr(r.err, "nosuch.so"));
	vt_run_free(&r);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
	vt_fixture_stop(&fx);
	free(sa);
	free(sb);
	free(spid);
}

/* A series written frame by frame: first vs last, --frames, --trend. */
static void
test_series(void **state)
{
	const char *args[] = {"1048576", NULL};
	struct vms_snapshot_opts so = {0};
	struct vms_err err = {0};
	struct vt_fixture fx;
	struct vms_map *m;
	struct vt_run r;
	uint64_t pid, step = 0;
	char *path;
	int fd;

	(void)state;
	if (vt_fixture_start(&fx, "grower", args) < 0)
		fail_msg("vms_grower: %s", strerror(errno));
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	path = vt_asprintf("%s/series.vms", fx.dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	for (int i = 0; i < 3; i++) {
		if (i > 0)
			step = grow(&fx);
		m = live((pid_t)pid);
		if ((i == 0 ? vms_snapshot_write(m, fd, &so, &err)
			    : vms_snapshot_append(m, fd, &so, &err)) < 0)
			fail_msg("%s: %s", path, err.msg);
		vms_map_free(m);
	}
	close(fd);
	assert_int_equal(step, 2 * 1048576);
	assert_int_equal(vmscope(&r, (const char *const[]){"diff", "--fail-if",
							   "heap.size==+2M",
							   "-q", path, NULL}),
			 1);
	vt_run_free(&r);
	assert_int_equal(
		vmscope(&r,
			(const char *const[]){"diff", "--frames", "1,2", "-q",
					      "--fail-if", "heap.size==+1M",
					      path, NULL}),
		1);
	vt_run_free(&r);
	assert_int_equal(
		vmscope(&r,
			(const char *const[]){"diff", "--frames", "-2,-1", "-q",
					      "--fail-if", "heap.size!=+1M",
					      path, NULL}),
		0);
	vt_run_free(&r);
	assert_int_equal(vmscope(&r, (const char *const[]){"diff", "--trend",
							   path, NULL}),
			 1);
	has(r.out, "  growing  [heap]\n");
	has(r.out, "#3  ");
	vt_run_free(&r);
	assert_int_equal(
		vmscope(&r, (const char *const[]){"diff", "--trend", "--json",
						  path, NULL}),
		1);
	assert_non_null(strstr(r.out, "\"name\":\"[heap]\""));
	vt_run_free(&r);
	vt_fixture_stop(&fx);
	free(path);
}

/* Two runs of one program (ASLR): no library added or removed. */
static void
test_two_runs(void **state)
{
	struct vt_fixture f1, f2;
	struct vms_map *a, *b;
	struct vms_diff *d;
	uint64_t p1, p2;

	(void)state;
	if (vt_fixture_start(&f1, "grower", NULL) < 0 ||
	    vt_fixture_start(&f2, "grower", NULL) < 0)
		fail_msg("vms_grower: %s", strerror(errno));
	assert_int_equal(vt_fact_u64(&f1, "pid", 0, &p1), 0);
	assert_int_equal(vt_fact_u64(&f2, "pid", 0, &p2), 0);
	a = live((pid_t)p1);
	b = live((pid_t)p2);
	d = run(a, b, 0);
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct vms_diff_group *g =
			&d->groups[d->changes[i].group];

		if (g->kind == VMS_DIFF_MODULE)
			fail_msg("%s: %s", g->name,
				 vms_diff_change_name(d->changes[i].kind));
	}
	for (size_t i = 0; i < d->ngroups; i++)
		if (d->groups[i].kind == VMS_DIFF_MODULE)
			assert_int_equal(d->groups[i].in,
					 VMS_DIFF_A | VMS_DIFF_B);
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
	vt_fixture_stop(&f1);
	vt_fixture_stop(&f2);
}

/*
 * A core of a process of /bin/sleep, started with an empty environment
 * in dir, written by gdb's gcore as dir/NAME.PID; its path, or NULL.
 * sleep is a system binary, so the sanitizers' shadow is not in it.
 */
static char *
sleep_core(const char *dir, const char *name)
{
	char *const envp[] = {NULL};
	char *maps, *prefix, *path = NULL, *text = NULL;
	struct vt_run r = {0};
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chdir(dir) == 0)
			execle("/bin/sleep", "sleep", "60", (char *)NULL, envp);
		_exit(127);
	}
	/* Until the dynamic linker has mapped libc. */
	maps = vt_asprintf("/proc/%d/maps", (int)pid);
	for (int i = 0; i < 200; i++) {
		free(text);
		text = vt_read_file(maps, NULL);
		if (text != NULL && strstr(text, "libc.so") != NULL)
			break;
		usleep(10000);
	}
	prefix = vt_asprintf("%s/%s", dir, name);
	{
		char pidstr[16];
		const char *argv[] = {"/usr/bin/gcore", "-o", prefix, pidstr,
				      NULL};

		snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
		if (vt_run(argv, NULL, &r) == 0 && r.status == 0)
			path = vt_asprintf("%s.%d", prefix, (int)pid);
		vt_run_free(&r);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free(text);
	free(maps);
	free(prefix);
	return path;
}

/*
 * Two cores of two runs of one program: the libraries load at other
 * addresses (ASLR), and none is reported added or removed.
 */
static void
test_two_cores(void **state)
{
	struct vms_err err = {0};
	struct vms_map *a, *b;
	struct vms_diff *d;
	char *dir, *ca, *cb;

	(void)state;
	if (access("/usr/bin/gcore", X_OK) != 0 || access("/bin/sleep", X_OK)) {
		print_message("gcore or sleep missing: two-core diff skipped\n");
		skip();
	}
	dir = vt_tmpdir();
	assert_non_null(dir);
	ca = sleep_core(dir, "a");
	cb = sleep_core(dir, "b");
	if (ca == NULL || cb == NULL) {
		vt_rmtree(dir);
		print_message("gcore failed: two-core diff skipped\n");
		skip();
	}
	a = vms_open(ca, NULL, &err);
	if (a == NULL)
		fail_msg("%s", err.msg);
	b = vms_open(cb, NULL, &err);
	if (b == NULL)
		fail_msg("%s", err.msg);
	d = run(a, b, 0);
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct vms_diff_group *g =
			&d->groups[d->changes[i].group];

		if (g->kind == VMS_DIFF_MODULE &&
		    (d->changes[i].kind == VMS_DIFF_ADDED ||
		     d->changes[i].kind == VMS_DIFF_REMOVED))
			fail_msg("%s: %s", g->name,
				 vms_diff_change_name(d->changes[i].kind));
	}
	{
		size_t modules = 0;

		for (size_t i = 0; i < d->ngroups; i++) {
			if (d->groups[i].kind != VMS_DIFF_MODULE)
				continue;
			modules++;
			assert_int_equal(d->groups[i].in,
					 VMS_DIFF_A | VMS_DIFF_B);
		}
		/* sleep, libc and the dynamic linker at least. */
		assert_true(modules >= 3);
	}
	/* Say so when nothing moved: then ASLR was not what was tested. */
	for (size_t i = 0; i < a->nregions; i++) {
		const struct vms_region *ra = &a->regions[i];

		if (ra->path != NULL && strstr(ra->path, "libc.so") != NULL) {
			const struct vms_region *rb = vms_map_find(b, ra->start);

			if (rb != NULL && rb->path != NULL &&
			    strcmp(rb->path, ra->path) == 0)
				print_message("libc at the same address in both"
					      " runs: no ASLR here\n");
			break;
		}
	}
	vms_diff_free(d);
	vms_map_free(a);
	vms_map_free(b);
	vt_rmtree(dir);
	free(dir);
	free(ca);
	free(cb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_aslr),
		cmocka_unit_test(test_added_removed),
		cmocka_unit_test(test_resized_prot),
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_thread_stacks),
		cmocka_unit_test(test_sysv_memfd),
		cmocka_unit_test(test_anon),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_expr_parse),
		cmocka_unit_test(test_expr_edges),
		cmocka_unit_test(test_expr_noscope),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_trend),
		cmocka_unit_test(test_speed),
		cmocka_unit_test(test_grower),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_two_runs),
		cmocka_unit_test(test_two_cores),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
