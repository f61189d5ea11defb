/*
 * test_procmaps.c - the /proc/PID/maps and smaps parser (src/procmaps.c),
 * alone through vms_parse_maps_mem() and vms_parse_maps(), and with the
 * live reader through vms_open() on fake procfs trees under
 * testdata/procfs/ (described in testdata/procfs/README).
 *
 * Two kinds of truth: a table written by hand from the fixture text, and
 * an oracle in this file that re-reads the text line by line and demands
 * that every counter printed is in the map with its value, and that every
 * counter not printed has its `has' bit clear.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmscope/vmscope.h"
#include "internal.h"
#include "testutil.h"

#define KB(x) ((uint64_t)(x) * 1024)

/* What a test made, freed after it even when it fails. */
static struct vms_map *maps_made[8];
static char *texts_made[8];

static struct vms_map *
keep(struct vms_map *map)
{
	for (size_t i = 0; i < sizeof(maps_made) / sizeof(maps_made[0]); i++)
		if (maps_made[i] == NULL) {
			maps_made[i] = map;
			return map;
		}
	fail_msg("a test made too many maps");
	return NULL;
}

static int
free_made(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(maps_made) / sizeof(maps_made[0]); i++) {
		vms_map_free(maps_made[i]);
		maps_made[i] = NULL;
		free(texts_made[i]);
		texts_made[i] = NULL;
	}
	return 0;
}

/* Free now what a test made, and forget it. */
static void
drop_map(struct vms_map *map)
{
	for (size_t i = 0; i < sizeof(maps_made) / sizeof(maps_made[0]); i++)
		if (maps_made[i] == map)
			maps_made[i] = NULL;
	vms_map_free(map);
}

static void
drop_text(char *text)
{
	for (size_t i = 0; i < sizeof(texts_made) / sizeof(texts_made[0]); i++)
		if (texts_made[i] == text)
			texts_made[i] = NULL;
	free(text);
}

/* Strings that may be NULL. */
#define check_str(a, b) check_str_((a), (b), __FILE__, __LINE__)

static void
check_str_(const char *got, const char *want, const char *file, int line)
{
	if (got == NULL && want == NULL)
		return;
	if (got == NULL || want == NULL || strcmp(got, want) != 0) {
		print_error("%s:%d: got \"%s\", want \"%s\"\n", file, line,
			    got ? got : "(null)", want ? want : "(null)");
		fail();
	}
}

static char *
fixture_text(const char *rel, size_t *len)
{
	char *path = vt_source_path(rel);
	char *text = vt_read_file(path, len);

	if (text == NULL)
		print_error("%s: %s\n", path, strerror(errno));
	free(path);
	assert_non_null(text);
	for (size_t i = 0; i < sizeof(texts_made) / sizeof(texts_made[0]); i++)
		if (texts_made[i] == NULL) {
			texts_made[i] = text;
			return text;
		}
	fail_msg("a test read too many files");
	return NULL;
}

static struct vms_map *
parse_text(const char *text, size_t len, int smaps, const char *name)
{
	struct vms_err err = {0};
	struct vms_map *map = keep(vms_map_new(&err));

	assert_non_null(map);
	if (vms_parse_maps_mem(map, text, len, smaps, name, &err) < 0) {
		print_error("%s: %s\n", name, err.msg);
		fail();
	}
	return map;
}

static struct vms_map *
parse_fixture(const char *rel, int smaps)
{
	size_t len;
	char *text = fixture_text(rel, &len);
	return parse_text(text, len, smaps, rel);
}

static struct vms_map *
open_tree(const char *tree, const char *target, unsigned flags)
{
	struct vms_err err = {0};
	struct vms_map *map = vt_tree_open(tree, target, flags, &err);

	if (map == NULL)
		print_error("%s %s: %s\n", tree, target, err.msg);
	assert_non_null(map);
	return keep(map);
}

/*
 * The counters as smaps names them, written out here rather than taken
 * from the library, so that a wrong key in the library is caught.
 */
static const struct {
	const char *key;
	enum vms_counter c;
} smaps_keys[] = {
	{"Rss", VMS_C_RSS},
	{"Pss", VMS_C_PSS},
	{"Pss_Dirty", VMS_C_PSS_DIRTY},
	{"Pss_Anon", VMS_C_PSS_ANON},
	{"Pss_File", VMS_C_PSS_FILE},
	{"Pss_Shmem", VMS_C_PSS_SHMEM},
	{"Shared_Clean", VMS_C_SHARED_CLEAN},
	{"Shared_Dirty", VMS_C_SHARED_DIRTY},
	{"Private_Clean", VMS_C_PRIVATE_CLEAN},
	{"Private_Dirty", VMS_C_PRIVATE_DIRTY},
	{"Referenced", VMS_C_REFERENCED},
	{"Anonymous", VMS_C_ANONYMOUS},
	{"KSM", VMS_C_KSM},
	{"LazyFree", VMS_C_LAZYFREE},
	{"AnonHugePages", VMS_C_ANON_HUGE},
	{"ShmemPmdMapped", VMS_C_SHMEM_PMD},
	{"FilePmdMapped", VMS_C_FILE_PMD},
	{"Shared_Hugetlb", VMS_C_SHARED_HUGETLB},
	{"Private_Hugetlb", VMS_C_PRIVATE_HUGETLB},
	{"Swap", VMS_C_SWAP},
	{"SwapPss", VMS_C_SWAP_PSS},
	{"Locked", VMS_C_LOCKED},
	{"KernelPageSize", VMS_C_KERNEL_PAGE},
	{"MMUPageSize", VMS_C_MMU_PAGE},
};
#define NKEYS (sizeof(smaps_keys) / sizeof(smaps_keys[0]))

static void
check_counters_(const struct vms_region *r, const char *block,
		const char *where)
{
	uint64_t want[VMS_C__COUNT] = {0}, seen = 0;
	const char *line, *nl;

	/* Each "Key: N kB" line of the block. */
	for (line = block; *line != '\0'; line = nl + 1) {
		unsigned long long v;
		char key[64];
		int n = 0;

		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line) - 1;
		if (sscanf(line, "%63[^:]: %llu kB%n", key, &v, &n) != 2 ||
		    n == 0)
			continue;
		for (size_t k = 0; k < NKEYS; k++)
			if (strcmp(smaps_keys[k].key, key) == 0) {
				want[smaps_keys[k].c] = (uint64_t)v * 1024;
				seen |= VMS_HAS_CTR(smaps_keys[k].c);
			}
	}
	for (size_t k = 0; k < NKEYS; k++) {
		enum vms_counter c = smaps_keys[k].c;
		uint64_t got = 0;

		if (!(seen & VMS_HAS_CTR(c))) {
			if (vms_region_get(r, c, &got) == 0) {
				print_error("%s: %s: not in the text, but "
					    "known (%" PRIu64 ")\n",
					    where, smaps_keys[k].key, got);
				fail();
			}
			continue;
		}
		if (vms_region_get(r, c, &got) < 0) {
			print_error("%s: %s: in the text, but unknown\n", where,
				    smaps_keys[k].key);
			fail();
		}
		if (got != want[c]) {
			print_error("%s: %s: %" PRIu64 ", want %" PRIu64 "\n",
				    where, smaps_keys[k].key, got, want[c]);
			fail();
		}
	}
}

/*
 * Check every region of map against the text it was parsed from: the
 * header numbers by sscanf, then the counters, THPeligible,
 * ProtectionKey and VmFlags lines of its block.
 */
static void
check_against_text(const struct vms_map *map, const char *text, int smaps)
{
	const char *line = text, *next;
	size_t i = 0;
	char *block = NULL;
	size_t blen = 0;

	for (; *line != '\0'; line = next) {
		uint64_t start, end, off, ino;
		unsigned maj, min;
		char perms[5];
		int n = 0;

		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		if (sscanf(line,
			   "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x "
			   "%" SCNu64 "%n",
			   &start, &end, perms, &off, &maj, &min, &ino,
			   &n) != 7 ||
		    n == 0)
			continue;
		assert_true(i < map->nregions);
		{
			const struct vms_region *r = &map->regions[i];
			uint8_t prot = (perms[0] == 'r' ? VMS_PROT_R : 0) |
				       (perms[1] == 'w' ? VMS_PROT_W : 0) |
				       (perms[2] == 'x' ? VMS_PROT_X : 0);
			uint64_t need = VMS_HAS_PROT | VMS_HAS_OFFSET |
					VMS_HAS_DEVINO | VMS_HAS_SHARED;
			const char *b, *e;
			char where[64];

			snprintf(where, sizeof(where), "region %zu (%" PRIx64
				 ")", i, start);
			assert_int_equal(r->start, start);
			assert_int_equal(r->end, end);
			assert_int_equal(r->prot, prot);
			assert_int_equal(!!(r->flags & VMS_RF_SHARED),
					 perms[3] == 's');
			assert_int_equal(r->offset, off);
			assert_int_equal(r->dev_major, maj);
			assert_int_equal(r->dev_minor, min);
			assert_int_equal(r->inode, ino);
			assert_int_equal(r->has & need, need);
			/* The block: the key lines up to the next header. */
			for (b = e = next; *e != '\0';) {
				const char *q = e;

				while (*q != '\0' && *q != '\n' && *q != '-' &&
				       *q != ':')
					q++;
				if (*q == '-')
					break;
				q = strchr(e, '\n');
				e = q != NULL ? q + 1 : e + strlen(e);
			}
			free(block);
			block = strndup(b, (size_t)(e - b));
			assert_non_null(block);
			blen = (size_t)(e - b);
			if (!smaps) {
				assert_int_equal(blen, 0);
				assert_int_equal(r->has & ~need &
							 ~VMS_HAS_DELETED,
						 0);
			} else {
				const char *t = strstr(block, "THPeligible:");
				const char *pk = strstr(block,
							"ProtectionKey:");
				const char *vf = strstr(block, "VmFlags:");

				check_counters_(r, block, where);
				assert_int_equal(!!(r->has & VMS_HAS_THP),
						 t != NULL);
				if (t != NULL)
					assert_int_equal(r->thp_eligible,
							 atoi(t + 12));
				assert_int_equal(!!(r->has & VMS_HAS_PKEY),
						 pk != NULL);
				if (pk != NULL)
					assert_int_equal(r->pkey,
							 atoi(pk + 14));
				assert_int_equal(!!(r->has & VMS_HAS_VMFLAGS),
						 vf != NULL);
			}
		}
		i++;
	}
	assert_int_equal(i, map->nregions);
	free(block);
}

/* The same, against the fixture file rel (under the source tree). */
static void
check_against_file(const struct vms_map *map, const char *rel, int smaps)
{
	size_t len;
	char *text = fixture_text(rel, &len);

	check_against_text(map, text, smaps);
	drop_text(text);
}

/* What the hand-written fixtures say, region by region. */
struct want {
	uint64_t start, end;
	uint8_t prot;
	uint8_t flags;       /* VMS_RF_SHARED, VMS_RF_DELETED (the claim) */
	uint64_t offset;
	uint32_t maj, min;
	uint64_t inode;
	const char *path;
	const char *name;
};

#define R_ VMS_PROT_R
#define W_ VMS_PROT_W
#define X_ VMS_PROT_X
#define S_ VMS_RF_SHARED
#define D_ VMS_RF_DELETED

/* testdata/procfs/names/4242/smaps as the parser must give it. */
static const struct want names_want[] = {
	{0x400000, 0x401000, R_ | X_, 0, 0, 0x103, 2, 1234,
	 "/usr/bin/fake prog", NULL},
	{0x401000, 0x402000, R_ | W_, 0, 0x1000, 0x103, 2, 1234,
	 "/usr/bin/fake prog", NULL},
	{0x600000, 0x621000, R_ | W_, 0, 0, 0, 0, 0, NULL, "[heap]"},
	{0x7f0000000000, 0x7f0000001000, R_, 0, 0, 8, 1, 55, "  lead spaces",
	 NULL},
	{0x7f0000001000, 0x7f0000002000, R_, 0, 0, 8, 1, 56, "/tmp/new\nline",
	 NULL},
	{0x7f0000002000, 0x7f0000003000, R_, S_ | D_, 0, 8, 1, 57,
	 "/nonexistent-vmscope/gone", NULL},
	{0x7f0000003000, 0x7f0000004000, R_ | W_, 0, 0, 0, 0, 0, NULL,
	 "[anon:my name]"},
	{0x7f0000004000, 0x7f0000014000, R_ | W_, S_ | D_, 0, 0, 1, 65538,
	 "/SYSV00000000", NULL},
	{0x7f0000014000, 0x7f0000015000, R_ | W_, S_ | D_, 0, 0, 1, 1027,
	 "/memfd:x", NULL},
	{0x7f0000100000, 0x7f0000101000, 0, 0, 0, 0, 0, 0, NULL, NULL},
	{0x7f0000101000, 0x7f0000141000, R_ | W_, 0, 0, 0, 0, 0, NULL, NULL},
	{0x7f0000180000, 0x7f0000181000, 0, 0, 0, 0, 0, 0, NULL, NULL},
	{0x7f0000181000, 0x7f00001c1000, R_ | W_, 0, 0, 0, 0, 0, NULL, NULL},
	{0x7f0000200000, 0x7f0000201000, R_ | W_, 0, 0, 0, 0, 0, NULL, NULL},
	{0x7ffc00000000, 0x7ffc00021000, R_ | W_, 0, 0, 0, 0, 0, NULL,
	 "[stack]"},
	{0x7ffc00100000, 0x7ffc00104000, R_, 0, 0, 0, 0, 0, NULL, "[vvar]"},
	{0x7ffc00104000, 0x7ffc00106000, R_ | X_, 0, 0, 0, 0, 0, NULL,
	 "[vdso]"},
	{0xfffffffff0000000, 0xfffffffff0001000, R_, 0, 0x0123456789abcdef,
	 0xfff, 0xfffff, UINT64_C(9223372036854775817), "/long/inode", NULL},
	{0xffffffffff600000, 0xffffffffff601000, X_, 0, 0, 0, 0, 0, NULL,
	 "[vsyscall]"},
};
#define NAMES_N (sizeof(names_want) / sizeof(names_want[0]))

static void
check_want(const struct vms_map *map, const struct want *w, size_t n)
{
	assert_int_equal(map->nregions, n);
	for (size_t i = 0; i < n; i++) {
		const struct vms_region *r = &map->regions[i];

		assert_int_equal(r->start, w[i].start);
		assert_int_equal(r->end, w[i].end);
		assert_int_equal(r->prot, w[i].prot);
		assert_int_equal(r->flags & (S_ | D_), w[i].flags);
		assert_int_equal(r->offset, w[i].offset);
		assert_int_equal(r->dev_major, w[i].maj);
		assert_int_equal(r->dev_minor, w[i].min);
		assert_int_equal(r->inode, w[i].inode);
		check_str(r->path, w[i].path);
		check_str(r->name, w[i].name);
		/* The parser only reads; it never claims verification. */
		assert_false(r->has & VMS_HAS_DELETED);
	}
}

static void
test_names_smaps(void **state)
{
	struct vms_map *map;
	char *text;
	size_t len;

	(void)state;
	text = fixture_text("testdata/procfs/names/4242/smaps", &len);
	map = parse_text(text, len, 1, "names/smaps");
	check_want(map, names_want, NAMES_N);
	check_against_text(map, text, 1);

	/* Spot checks of the oracle's work, by hand. */
	{
		const struct vms_region *heap = &map->regions[2];
		const struct vms_region *anon = &map->regions[6];
		const struct vms_region *empty = &map->regions[13];
		uint64_t v;

		assert_int_equal(vms_region_get(heap, VMS_C_SWAP, &v), 0);
		assert_int_equal(v, KB(12));
		assert_int_equal(vms_region_get(heap, VMS_C_RSS, &v), 0);
		assert_int_equal(v, KB(8));
		assert_int_equal(heap->thp_eligible, 1);
		assert_true(heap->has & VMS_HAS_THP);
		assert_int_equal(vms_region_get(&map->regions[0], VMS_C_PSS,
						&v),
				 0);
		assert_int_equal(v, KB(2));
		assert_int_equal(vms_region_get(anon, VMS_C_LOCKED, &v), 0);
		assert_int_equal(v, KB(4));
		assert_true(anon->has & VMS_HAS_PKEY);
		assert_int_equal(anon->pkey, 3);
		/* Pss_Anon is printed only in smaps_rollup. */
		assert_int_equal(vms_region_get(anon, VMS_C_PSS_ANON, &v), -1);
		/* "VmFlags: " with no flags: known, and none. */
		assert_true(empty->has & VMS_HAS_VMFLAGS);
		assert_int_equal(empty->vmflags, 0);
		assert_null(empty->vmflags_other);
	}
	/* Known mnemonics are bits; unknown ones are kept verbatim. */
	assert_int_equal(map->regions[0].vmflags,
			 VMS_VMF(RD) | VMS_VMF(EX) | VMS_VMF(MR) |
				 VMS_VMF(MW) | VMS_VMF(ME));
	check_str(map->regions[0].vmflags_other, "zz qq");
	assert_int_equal(map->regions[6].vmflags,
			 VMS_VMF(RD) | VMS_VMF(WR) | VMS_VMF(MR) |
				 VMS_VMF(MW) | VMS_VMF(ME) | VMS_VMF(LO) |
				 VMS_VMF(AC));
	assert_null(map->regions[6].vmflags_other);
	assert_int_equal(map->regions[15].vmflags,
			 VMS_VMF(RD) | VMS_VMF(MR) | VMS_VMF(PF) |
				 VMS_VMF(IO) | VMS_VMF(DE) | VMS_VMF(DD));
	assert_int_equal(map->regions[18].vmflags, VMS_VMF(EX));
	/* Equal paths are one string. */
	assert_ptr_equal(map->regions[0].path, map->regions[1].path);
	drop_map(map);
	drop_text(text);
}

static void
test_names_maps(void **state)
{
	struct vms_map *map;
	char *text;
	size_t len;

	(void)state;
	text = fixture_text("testdata/procfs/names/4242/maps", &len);
	map = parse_text(text, len, 0, "names/maps");
	check_want(map, names_want, NAMES_N);
	check_against_text(map, text, 0);
	for (size_t i = 0; i < map->nregions; i++)
		assert_int_equal(map->regions[i].has & VMS_HAS_VMFLAGS, 0);
	drop_map(map);
	drop_text(text);
}

/* The stream parser and the buffer parser agree, whatever the buffer. */
static void
test_stream_equals_mem(void **state)
{
	static const char *const files[] = {
		"testdata/procfs/names/4242/smaps",
		"testdata/procfs/oldkernel/100/smaps",
		"testdata/procfs/k32/321/smaps",
		"testdata/procfs/truncated/77/smaps",
	};

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct vms_err err = {0};
		struct vms_map *a = parse_fixture(files[f], 1);
		struct vms_map *b = vms_map_new(&err);
		char *path = vt_source_path(files[f]);
		FILE *in = fopen(path, "r");

		assert_non_null(in);
		assert_non_null(b);
		if (vms_parse_maps(b, in, 1, files[f], &err) < 0) {
			print_error("%s: %s\n", files[f], err.msg);
			fail();
		}
		fclose(in);
		assert_int_equal(a->nregions, b->nregions);
		for (size_t i = 0; i < a->nregions; i++) {
			const struct vms_region *x = &a->regions[i];
			const struct vms_region *y = &b->regions[i];

			assert_int_equal(x->start, y->start);
			assert_int_equal(x->end, y->end);
			assert_int_equal(x->has, y->has);
			for (int k = 0; k < VMS_C__COUNT; k++)
				assert_int_equal(vms_region_ctr(x, k),
						 vms_region_ctr(y, k));
			assert_int_equal(x->vmflags, y->vmflags);
			assert_int_equal(x->flags, y->flags);
			check_str(x->path, y->path);
			check_str(x->name, y->name);
			check_str(x->vmflags_other, y->vmflags_other);
		}
		drop_map(a);
		drop_map(b);
		free(path);
	}
}

/*
 * The buffer fed in pieces of every size: a line split anywhere must
 * give the same map (the live reader feeds 256 KiB at a time).
 */
static void
test_feed_split(void **state)
{
	struct vms_map *whole;
	char *text;
	size_t len;

	(void)state;
	text = fixture_text("testdata/procfs/names/4242/smaps", &len);
	whole = parse_text(text, len, 1, "names/smaps");
	for (size_t cut = 1; cut < len; cut += 7) {
		struct vms_err err = {0};
		struct vms_map *m = vms_map_new(&err);
		FILE *in;

		/* fmemopen with a tiny buffer forces short reads. */
		in = fmemopen(text, len, "r");
		assert_non_null(in);
		setvbuf(in, NULL, _IOFBF, cut < 64 ? 64 : cut);
		assert_int_equal(vms_parse_maps(m, in, 1, "split", &err), 0);
		fclose(in);
		assert_int_equal(m->nregions, whole->nregions);
		for (size_t i = 0; i < m->nregions; i++) {
			assert_int_equal(m->regions[i].has,
					 whole->regions[i].has);
			check_str(m->regions[i].path, whole->regions[i].path);
		}
		drop_map(m);
	}
	drop_map(whole);
	drop_text(text);
}

static void
test_old_kernel(void **state)
{
	struct vms_map *map;
	char *text;
	size_t len;
	uint64_t v;

	(void)state;
	text = fixture_text("testdata/procfs/oldkernel/100/smaps", &len);
	map = parse_text(text, len, 1, "oldkernel/smaps");
	assert_int_equal(map->nregions, 3);
	check_against_text(map, text, 1);
	/* 3.10: no Pss_Dirty, KSM, LazyFree, SwapPss, THPeligible ... */
	assert_int_equal(vms_region_get(&map->regions[0], VMS_C_PSS_DIRTY, &v),
			 -1);
	assert_int_equal(vms_region_get(&map->regions[0], VMS_C_SWAP_PSS, &v),
			 -1);
	assert_int_equal(vms_region_get(&map->regions[0], VMS_C_LAZYFREE, &v),
			 -1);
	assert_int_equal(vms_region_get(&map->regions[0], VMS_C_ANONYMOUS, &v),
			 0);
	assert_int_equal(v, 0);
	assert_int_equal(map->regions[0].has & (VMS_HAS_THP | VMS_HAS_PKEY),
			 0);
	assert_true(map->regions[0].has & VMS_HAS_VMFLAGS);
	assert_int_equal(map->regions[0].vmflags,
			 VMS_VMF(RD) | VMS_VMF(EX) | VMS_VMF(MR) |
				 VMS_VMF(MW) | VMS_VMF(ME) | VMS_VMF(DW));
	/* 2.6.32: no Anonymous, Locked or VmFlags either. */
	assert_int_equal(vms_region_get(&map->regions[1], VMS_C_ANONYMOUS, &v),
			 -1);
	assert_int_equal(vms_region_get(&map->regions[1], VMS_C_LOCKED, &v),
			 -1);
	assert_int_equal(map->regions[1].has & VMS_HAS_VMFLAGS, 0);
	assert_int_equal(vms_region_get(&map->regions[1], VMS_C_PRIVATE_DIRTY,
					&v),
			 0);
	assert_int_equal(v, KB(4));
	assert_int_equal(vms_region_get(&map->regions[2], VMS_C_SWAP, &v), 0);
	assert_int_equal(v, KB(8));
	drop_map(map);
	drop_text(text);
}

static void
test_k32(void **state)
{
	static const struct want k32_want[] = {
		{0x08048000, 0x08053000, R_ | X_, 0, 0, 8, 1, 1310,
		 "/usr/lib/i386-linux-gnu/a-rather-long-library-name.so.1",
		 NULL},
		{0x08053000, 0x08054000, R_ | W_, 0, 0xa000, 8, 1, 1310,
		 "/usr/lib/i386-linux-gnu/a-rather-long-library-name.so.1",
		 NULL},
		{0x09a5f000, 0x09a80000, R_ | W_, 0, 0, 0, 0, 0, NULL,
		 "[heap]"},
		{0xb7500000, 0xb7501000, R_, 0, 0, 8, 1, 77, "  lead", NULL},
		{0xb7501000, 0xb7502000, R_ | W_, 0, 0, 0, 0, 0, NULL, NULL},
		{0xbf9c0000, 0xbf9e1000, R_ | W_, 0, 0, 0, 0, 0, NULL,
		 "[stack]"},
	};
	struct vms_map *map;
	char *text;
	size_t len;

	(void)state;
	text = fixture_text("testdata/procfs/k32/321/maps", &len);
	map = parse_text(text, len, 0, "k32/maps");
	check_want(map, k32_want, sizeof(k32_want) / sizeof(k32_want[0]));
	check_against_text(map, text, 0);
	drop_map(map);
	drop_text(text);
	text = fixture_text("testdata/procfs/k32/321/smaps", &len);
	map = parse_text(text, len, 1, "k32/smaps");
	check_want(map, k32_want, sizeof(k32_want) / sizeof(k32_want[0]));
	check_against_text(map, text, 1);
	drop_map(map);
	drop_text(text);
}

/* A last line without its newline is still a line. */
static void
test_no_final_newline(void **state)
{
	struct vms_map *map;
	char *text;
	size_t len;

	(void)state;
	text = fixture_text("testdata/procfs/truncated/77/smaps", &len);
	assert_true(len > 0 && text[len - 1] != '\n');
	map = parse_text(text, len, 1, "truncated/smaps");
	assert_int_equal(map->nregions, 2);
	check_against_text(map, text, 1);
	assert_true(map->regions[1].has & VMS_HAS_VMFLAGS);
	assert_int_equal(map->regions[1].vmflags,
			 VMS_VMF(RD) | VMS_VMF(MR) | VMS_VMF(MW) |
				 VMS_VMF(ME) | VMS_VMF(AC));
	drop_map(map);
	drop_text(text);
	/* The same for maps, and for a maps line without a name. */
	map = parse_text("1000-2000 r--p 00000000 00:00 0", 31, 0, "m");
	assert_int_equal(map->nregions, 1);
	assert_null(map->regions[0].path);
	assert_null(map->regions[0].name);
	drop_map(map);
}

/* An input that must be refused with a message "NAME:LINE: ...". */
struct bad {
	const char *text;
	int smaps;
	unsigned line;
};

static const struct bad bad_inputs[] = {
	{"zzzz-1000 r--p 00000000 00:00 0\n", 0, 1},
	{"1000-2000 r--p 00000000 00:00 0\n-2000 r--p 0 00:00 0\n", 0, 2},
	{"10000000000000000-10000000000000001 r--p 00000000 00:00 0\n", 0,
	 1},
	{"1000-2000 rwxq 00000000 00:00 0\n", 0, 1},
	{"1000-2000 rw 00000000 00:00 0\n", 0, 1},
	{"1000-2000 r--p 0000000g 00:00 0\n", 0, 1},
	{"1000-2000 r--p 00000000 00-00 0\n", 0, 1},
	{"1000-2000 r--p 00000000 00:00\n", 0, 1},
	{"1000-2000 r--p 00000000 00:00 x\n", 0, 1},
	{"1000-2000 r--p 00000000 00:00 0x /a\n", 0, 1},
	{"1000-2000 r--p 00000000 100000000:00 0 /a\n", 0, 1},
	{"1000-2000 r--p 00000000 00:00 99999999999999999999 /a\n", 0, 1},
	{"1000-2000 r--p\n", 0, 1},
	{"Rss: 4 kB\n", 1, 1},
	{"1000-2000 r--p 00000000 00:00 0\nRss: four kB\n", 1, 2},
	{"1000-2000 r--p 00000000 00:00 0\nRss: 4 MB\n", 1, 2},
	{"1000-2000 r--p 00000000 00:00 0\nRss: 4 kB junk\n", 1, 2},
	{"1000-2000 r--p 00000000 00:00 0\nRss: 99999999999999999999 kB\n",
	 1, 2},
	{"1000-2000 r--p 00000000 00:00 0\nRss: 18014398509481984 kB\n", 1,
	 2},
	{"1000-2000 r--p 00000000 00:00 0\nthis is no smaps line\n", 1, 2},
	{"1000-2000 r--p 00000000 00:00 0\nSize: 4 kB\nTHPeligible: 7\n", 1,
	 3},
	{"1000-2000 r--p 00000000 00:00 0\nProtectionKey: -1\n", 1, 2},
	/* A counter cut short before its unit: no silent "12 bytes". */
	{"1000-2000 r--p 00000000 00:00 0\nSize: 4 kB\nRss:   12", 1, 3},
	{"1000-2000 r--p 00000000 00:00 0\nSize: 4 kB\nRss:", 1, 3},
	/* smaps cut in the middle of a mapping line. */
	{"1000-2000 r--p 00000000 00:00 0\nRss: 4 kB\n3000-30", 1, 3},
};

static void
test_malformed(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]);
	     i++) {
		const struct bad *b = &bad_inputs[i];
		struct vms_err err = {0};
		struct vms_map *map = vms_map_new(&err);
		char want[64];
		int rc;

		assert_non_null(map);
		rc = vms_parse_maps_mem(map, b->text, strlen(b->text), b->smaps,
					"fake/smaps", &err);
		snprintf(want, sizeof(want), "fake/smaps:%u: ", b->line);
		if (rc != -1) {
			print_error("input %zu accepted: \"%s\"\n", i, b->text);
			failed++;
		} else if (strncmp(err.msg, want, strlen(want)) != 0) {
			print_error("input %zu: message \"%s\", want it to "
				    "start with \"%s\"\n",
				    i, err.msg, want);
			failed++;
		} else if (err.code != VMS_E_CORRUPT &&
			   err.code != VMS_E_TRUNCATED &&
			   err.code != VMS_E_LIMIT) {
			print_error("input %zu: code %d\n", i, (int)err.code);
			failed++;
		}
		drop_map(map);
	}
	assert_int_equal(failed, 0);
}

/* The largest numbers the kernel can print are numbers, not errors. */
static void
test_max_values(void **state)
{
	static const char text[] =
		"ffffffffffffe000-fffffffffffff000 rw-s ffffffffffffffff "
		"ffffffff:ffffffff 18446744073709551615 /max\n"
		"Rss:    18014398509481983 kB\n";
	struct vms_map *map;
	uint64_t v;

	(void)state;
	map = parse_text(text, strlen(text), 1, "max");
	assert_int_equal(map->nregions, 1);
	assert_int_equal(map->regions[0].offset, UINT64_MAX);
	assert_int_equal(map->regions[0].dev_major, UINT32_MAX);
	assert_int_equal(map->regions[0].dev_minor, UINT32_MAX);
	assert_int_equal(map->regions[0].inode, UINT64_MAX);
	assert_int_equal(vms_region_get(&map->regions[0], VMS_C_RSS, &v), 0);
	assert_int_equal(v, UINT64_C(18014398509481983) * 1024);
	drop_map(map);
}

/* Junk of every byte value: an error or a map, never a crash. */
static void
test_junk_bytes(void **state)
{
	char buf[512];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct vms_err err = {0};
		struct vms_map *map = vms_map_new(&err);
		size_t n = (size_t)(round % (int)sizeof(buf));
		int rc;

		strcpy(buf, "1000-2000 rw-p 00000000 00:00 0 [heap]\nRss: 4 kB\n");
		for (size_t i = (size_t)(round % 40); i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (char)(seed >> 16);
		}
		rc = vms_parse_maps_mem(map, buf, n, round & 1, "junk", &err);
		if (rc < 0)
			assert_true(strncmp(err.msg, "junk:", 5) == 0);
		drop_map(map);
	}
}

static void
test_empty_input(void **state)
{
	struct vms_map *map;

	(void)state;
	map = parse_text("", 0, 1, "empty");
	assert_int_equal(map->nregions, 0);
	drop_map(map);
	map = parse_text("\n", 1, 0, "empty");
	assert_int_equal(map->nregions, 0);
	drop_map(map);
}

/* ---- the live reader on fake trees ---- */

static const struct vms_region *
region_at(const struct vms_map *map, uint64_t addr)
{
	const struct vms_region *r = vms_map_find(map, addr);

	if (r == NULL) {
		print_error("no region at 0x%" PRIx64 "\n", addr);
		fail();
	}
	return r;
}

static void
test_open_names(void **state)
{
	struct vms_map *map;
	const struct vms_region *r;

	(void)state;
	map = open_tree("testdata/procfs/names", "4242", VMS_OPEN_COUNTERS);
	check_against_file(map, "testdata/procfs/names/4242/smaps", 1);

	/* The process. */
	assert_true(map->proc.has & VMS_P_PID);
	assert_int_equal(map->proc.pid, 4242);
	assert_true(map->proc.has & VMS_P_PPID);
	assert_int_equal(map->proc.ppid, 1);
	assert_true(map->proc.has & VMS_P_UID);
	assert_int_equal(map->proc.uid, 1000);
	assert_int_equal(map->proc.gid, 1000);
	assert_int_equal(map->proc.state, 'S');
	check_str(map->proc.comm, "fake prog");
	assert_int_equal(map->proc.argc, 3);
	check_str(map->proc.argv[0], "/usr/bin/fake prog");
	check_str(map->proc.argv[1], "--flag");
	check_str(map->proc.argv[2], "two words");
	assert_int_equal(map->source.kind, VMS_SOURCE_LIVE);

	/* The threads, from task/TID/syscall. */
	assert_int_equal(map->nthreads, 4);
	assert_int_equal(map->threads[0].tid, 4242);
	assert_int_equal(map->threads[0].has, VMS_THR_HAS_SP | VMS_THR_HAS_PC);
	assert_int_equal(map->threads[0].sp, 0x7ffc0001ff00);
	assert_int_equal(map->threads[0].pc, 0x7f00deadbeef);
	assert_int_equal(map->threads[1].tid, 4243);
	assert_int_equal(map->threads[1].sp, 0x7f000013fe80);
	assert_int_equal(map->threads[1].pc, 0x7f0000aa1234);
	assert_int_equal(map->threads[2].tid, 4244);
	assert_int_equal(map->threads[2].has & VMS_THR_HAS_SP, 0);
	assert_int_equal(map->threads[3].tid, 4245);
	assert_true(map->threads[3].has & VMS_THR_HAS_SP);
	assert_int_equal(map->threads[3].sp, 0x7f00001bff00);
	assert_int_equal(map->threads[3].pc, 0x401234);
	/* 4244 said "running" at each look: the map says so, once. */
	assert_true(vt_has_warning(map, "1 thread was on a CPU when read "
					"(4244): no stack pointer to show, so "
					"its stack is not labelled"));
	{
		size_t said = 0;

		for (size_t i = 0; i < map->nwarnings; i++)
			said += strstr(map->warnings[i], "on a CPU") != NULL;
		assert_int_equal(said, 1);
	}

	/* The labels. */
	r = region_at(map, 0x600000);
	assert_int_equal(r->label, VMS_LABEL_HEAP);
	r = region_at(map, 0x7ffc00000000);
	assert_int_equal(r->label, VMS_LABEL_STACK);
	r = region_at(map, 0x7ffc00100000);
	assert_int_equal(r->label, VMS_LABEL_VVAR);
	r = region_at(map, 0x7ffc00104000);
	assert_int_equal(r->label, VMS_LABEL_VDSO);
	r = region_at(map, 0xffffffffff600000);
	assert_int_equal(r->label, VMS_LABEL_VSYSCALL);
	r = region_at(map, 0x7f0000101000);
	assert_int_equal(r->label, VMS_LABEL_THREAD_STACK);
	assert_int_equal(r->label_id, 4243);
	r = region_at(map, 0x7f0000100000);
	assert_int_equal(r->label, VMS_LABEL_GUARD);
	assert_int_equal(r->label_id, 4243);
	r = region_at(map, 0x7f0000181000);
	assert_int_equal(r->label, VMS_LABEL_THREAD_STACK);
	assert_int_equal(r->label_id, 4245);
	r = region_at(map, 0x7f0000180000);
	assert_int_equal(r->label, VMS_LABEL_GUARD);
	assert_int_equal(r->label_id, 4245);
	r = region_at(map, 0x7f0000004000);
	assert_int_equal(r->label, VMS_LABEL_SYSV_SHM);
	assert_int_equal(r->label_id, 65538);
	check_str(r->path, "/SYSV00000000");
	r = region_at(map, 0x7f0000014000);
	assert_int_equal(r->label, VMS_LABEL_MEMFD);
	r = region_at(map, 0x7f0000003000);
	assert_int_equal(r->label, VMS_LABEL_NONE);
	check_str(r->name, "[anon:my name]");
	/* Not a stack: no thread's stack pointer is in it. */
	r = region_at(map, 0x7f0000200000);
	assert_int_equal(r->label, VMS_LABEL_NONE);
	r = region_at(map, 0x400000);
	assert_int_equal(r->label, VMS_LABEL_NONE);

	/*
	 * " (deleted)" with no map_files to ask and no file at the path:
	 * taken as deleted, but not verified, and the map says so.
	 */
	r = region_at(map, 0x7f0000002000);
	check_str(r->path, "/nonexistent-vmscope/gone");
	assert_true(r->flags & VMS_RF_DELETED);
	assert_false(r->has & VMS_HAS_DELETED);
	assert_true(map->nwarnings > 0);
	/* A name with a newline, and one that starts with spaces. */
	check_str(region_at(map, 0x7f0000001000)->path, "/tmp/new\nline");
	check_str(region_at(map, 0x7f0000000000)->path, "  lead spaces");
	drop_map(map);
}

/* Without VMS_OPEN_COUNTERS the reader takes maps: no counter is known. */
static void
test_open_names_nocounters(void **state)
{
	struct vms_map *map;

	(void)state;
	map = open_tree("testdata/procfs/names", "/proc/4242",
			0);
	check_against_file(map, "testdata/procfs/names/4242/maps", 0);
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		assert_int_equal(r->has & (VMS_HAS_CTR(VMS_C__COUNT) - 1), 0);
		assert_false(r->has & VMS_HAS_VMFLAGS);
		assert_int_equal(r->share, VMS_SHARE_UNKNOWN +
						   (r->flags & VMS_RF_SHARED ?
							    VMS_SHARE_SHARED :
							    0));
	}
	/* Labels need no counters. */
	assert_int_equal(region_at(map, 0x7f0000101000)->label,
			 VMS_LABEL_THREAD_STACK);
	assert_int_equal(region_at(map, 0x600000)->label, VMS_LABEL_HEAP);
	drop_map(map);
}

static void
test_open_nothreads(void **state)
{
	struct vms_map *map;

	(void)state;
	map = open_tree("testdata/procfs/names", "4242",
			VMS_OPEN_COUNTERS | VMS_OPEN_NOTHREADS);
	assert_int_equal(map->nthreads, 0);
	/* [stack] is the kernel's word; thread stacks need the threads. */
	assert_int_equal(region_at(map, 0x7ffc00000000)->label,
			 VMS_LABEL_STACK);
	assert_int_equal(region_at(map, 0x7f0000101000)->label,
			 VMS_LABEL_NONE);
	drop_map(map);
}

static void
test_open_oldkernel(void **state)
{
	struct vms_map *map;

	(void)state;
	map = open_tree("testdata/procfs/oldkernel", "100", VMS_OPEN_COUNTERS);
	check_against_file(map, "testdata/procfs/oldkernel/100/smaps", 1);
	/* No task/, cmdline or comm: still a map, with what is known. */
	assert_int_equal(map->nthreads, 0);
	assert_int_equal(map->proc.argc, 0);
	check_str(map->proc.comm, "cat");
	assert_int_equal(map->proc.ppid, 99);
	assert_int_equal(region_at(map, 0x7fff5d3c1000)->label,
			 VMS_LABEL_STACK);
	drop_map(map);
}

static void
test_open_k32(void **state)
{
	struct vms_map *map;

	(void)state;
	map = open_tree("testdata/procfs/k32", "321", VMS_OPEN_COUNTERS);
	assert_int_equal(map->nregions, 6);
	check_str(region_at(map, 0xb7500000)->path, "  lead");
	assert_int_equal(region_at(map, 0x09a5f000)->label, VMS_LABEL_HEAP);
	drop_map(map);
	map = open_tree("testdata/procfs/k32", "321", 0);
	assert_int_equal(map->nregions, 6);
	check_str(region_at(map, 0x08048000)->path,
		  "/usr/lib/i386-linux-gnu/a-rather-long-library-name.so.1");
	drop_map(map);
}

static void
test_open_truncated(void **state)
{
	struct vms_map *map;

	(void)state;
	map = open_tree("testdata/procfs/truncated", "77", VMS_OPEN_COUNTERS);
	assert_int_equal(map->nregions, 2);
	assert_true(map->regions[1].vmflags & VMS_VMF(AC));
	drop_map(map);
}

/* Damage gives an error naming the file and the line, and no map. */
static void
expect_open_error(const char *tree, const char *pid, const char *file,
		  unsigned line)
{
	struct vms_open_opts o = {.flags = VMS_OPEN_COUNTERS};
	struct vms_err err = {0};
	struct vms_map *map;
	char *root = vt_source_path(tree);
	char *want = vt_asprintf("%s/%s/%s:%u: ", root, pid, file, line);

	o.procfs = root;
	map = vms_open(pid, &o, &err);
	assert_null(map);
	assert_int_equal(err.code, VMS_E_CORRUPT);
	if (strstr(err.msg, want) == NULL) {
		print_error("message \"%s\" does not name \"%s\"\n", err.msg,
			    want);
		fail();
	}
	free(want);
	free(root);
}

static void
test_open_bad(void **state)
{
	size_t len;
	char *text;
	unsigned lines = 1;

	(void)state;
	expect_open_error("testdata/procfs/bad", "55", "smaps", 5);
	text = fixture_text("testdata/procfs/cut/78/smaps", &len);
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	drop_text(text);
	expect_open_error("testdata/procfs/cut", "78", "smaps", lines);
}

/* A zombie or a kernel thread: empty maps are an empty map, not an error. */
static void
test_open_zombie(void **state)
{
	struct vms_map *map;

	(void)state;
	map = open_tree("testdata/procfs/zombie", "66", VMS_OPEN_COUNTERS);
	assert_int_equal(map->nregions, 0);
	assert_int_equal(map->proc.state, 'Z');
	assert_int_equal(map->proc.argc, 0);
	drop_map(map);
	map = open_tree("testdata/procfs/zombie", "66", 0);
	assert_int_equal(map->nregions, 0);
	drop_map(map);
}

static void
test_open_missing_pid(void **state)
{
	struct vms_open_opts o = {.flags = VMS_OPEN_COUNTERS};
	struct vms_err err = {0};
	char *root = vt_source_path("testdata/procfs/names");

	(void)state;
	o.procfs = root;
	assert_null(vms_open_pid(4243, &o, &err));
	assert_int_equal(err.code, VMS_E_NOENT);
	assert_non_null(strstr(err.msg, "4243"));
	free(root);
}

/*
 * " (deleted)" decided without map_files (as for a user without
 * CAP_SYS_ADMIN): a tree made here, whose maps names real files of a
 * temporary directory, so that the reader can stat them.
 */
static void
test_deleted_without_map_files(void **state)
{
	struct vms_open_opts o = {.flags = 0};
	struct vms_err err = {0};
	struct vms_map *map;
	struct stat lit, other;
	char *dir = vt_tmpdir(), *proc, *pdir, *lit_path, *other_path, *text;
	char *path;
	const struct vms_region *r;

	(void)state;
	assert_non_null(dir);
	lit_path = vt_asprintf("%s/x (deleted)", dir);
	other_path = vt_asprintf("%s/y (deleted)", dir);
	assert_int_equal(vt_write_file(lit_path, "x", 1), 0);
	assert_int_equal(vt_write_file(other_path, "y", 1), 0);
	assert_int_equal(stat(lit_path, &lit), 0);
	assert_int_equal(stat(other_path, &other), 0);
	proc = vt_asprintf("%s/proc", dir);
	pdir = vt_asprintf("%s/proc/500", dir);
	assert_int_equal(mkdir(proc, 0755), 0);
	assert_int_equal(mkdir(pdir, 0755), 0);
	/*
	 * 1000: the file is literally named "x (deleted)" and is there;
	 * 2000: "y" was unlinked and another file "y (deleted)" was made
	 *       since (another inode);
	 * 3000: "gone" was unlinked and nothing is at the path.
	 */
	text = vt_asprintf(
		"1000-2000 r--s 00000000 %02x:%02x %ju %s\n"
		"2000-3000 r--s 00000000 %02x:%02x %ju %s/y (deleted)\n"
		"3000-4000 r--s 00000000 08:01 99 %s/gone (deleted)\n",
		major(lit.st_dev), minor(lit.st_dev), (uintmax_t)lit.st_ino,
		lit_path, major(other.st_dev), minor(other.st_dev),
		(uintmax_t)other.st_ino + 1000, dir, dir);
	path = vt_asprintf("%s/maps", pdir);
	assert_int_equal(vt_write_file(path, text, strlen(text)), 0);
	free(path);
	drop_text(text);
	o.procfs = proc;
	map = vms_open("500", &o, &err);
	if (map == NULL)
		print_error("%s\n", err.msg);
	assert_non_null(map);
	assert_int_equal(map->nregions, 3);

	r = &map->regions[0];
	check_str(r->path, lit_path);
	assert_false(r->flags & VMS_RF_DELETED);

	r = &map->regions[1];
	path = vt_asprintf("%s/y", dir);
	check_str(r->path, path);
	free(path);
	assert_true(r->flags & VMS_RF_DELETED);
	assert_false(r->has & VMS_HAS_DELETED);

	r = &map->regions[2];
	path = vt_asprintf("%s/gone", dir);
	check_str(r->path, path);
	free(path);
	assert_true(r->flags & VMS_RF_DELETED);
	assert_false(r->has & VMS_HAS_DELETED);
	/* "say when you cannot": a warning on the map. */
	assert_true(map->nwarnings > 0);

	drop_map(map);
	free(lit_path);
	free(other_path);
	free(pdir);
	free(proc);
	vt_rmtree(dir);
	free(dir);
}

/*
 * The check mode the live reader uses after smaps: the map read from one
 * text agrees with the same text, and not with one where a mapping was
 * added, removed, moved or changed its protection.
 */
static void
test_check_mode(void **state)
{
	static const char base[] =
		"1000-2000 r-xp 00000000 08:01 5 /bin/x\n"
		"2000-3000 rw-p 00001000 08:01 5 /bin/x\n"
		"7000-9000 rw-p 00000000 00:00 0 \n";
	static const char *const other[] = {
		"1000-2000 r-xp 00000000 08:01 5 /bin/x\n"
		"2000-3000 rw-p 00001000 08:01 5 /bin/x\n",
		"1000-2000 r-xp 00000000 08:01 5 /bin/x\n"
		"2000-3000 rw-p 00001000 08:01 5 /bin/x\n"
		"7000-9000 rw-p 00000000 00:00 0 \n"
		"a000-b000 rw-p 00000000 00:00 0 \n",
		"1000-2000 r-xp 00000000 08:01 5 /bin/x\n"
		"2000-3000 rw-p 00001000 08:01 5 /bin/x\n"
		"7000-a000 rw-p 00000000 00:00 0 \n",
		"1000-2000 r-xp 00000000 08:01 5 /bin/x\n"
		"2000-3000 r--p 00001000 08:01 5 /bin/x\n"
		"7000-9000 rw-p 00000000 00:00 0 \n",
	};
	struct vms_maps_parser p;
	struct vms_err err;
	struct vms_map *map = vms_map_new(&err);

	(void)state;
	assert_int_equal(vms_parse_maps_mem(map, base, sizeof(base) - 1, 0,
					    "base", &err),
			 0);
	vms_maps_parser_check(&p, map, "same");
	assert_int_equal(vms_maps_parser_feed(&p, base, sizeof(base) - 1, 1,
					      &err),
			 (ssize_t)(sizeof(base) - 1));
	assert_false(p.differs || p.checked != map->nregions);
	assert_int_equal(map->nregions, 3);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		vms_maps_parser_check(&p, map, "other");
		assert_true(vms_maps_parser_feed(&p, other[i],
						 strlen(other[i]), 1,
						 &err) >= 0);
		if (!(p.differs || p.checked != map->nregions))
			fail_msg("change %zu not seen", i);
		assert_int_equal(map->nregions, 3);
	}
	vms_map_free(map);
}
/*
 * A name repeated on consecutive lines (a library's segments) becomes the
 * same value each time, with the same " (deleted)" and "\\012" handling,
 * and a different name in between changes nothing.
 */
static void
test_repeated_names(void **state)
{
	static const char text[] =
		"1000-2000 r--p 00000000 08:01 7 /lib/a\\012b (deleted)\n"
		"2000-3000 r-xp 00001000 08:01 7 /lib/a\\012b (deleted)\n"
		"3000-4000 rw-p 00000000 00:00 0 \n"
		"4000-5000 r--p 00002000 08:01 7 /lib/a\\012b (deleted)\n"
		"5000-6000 rw-p 00000000 00:00 0 [heap]\n"
		"6000-7000 rw-p 00000000 00:00 0 [heap]\n"
		"7000-8000 r--p 00000000 08:01 9 [heap]x\n"
		"8000-9000 r--p 00000000 08:01 9 /lib/a\\012b\n";
	struct vms_map *map;

	(void)state;
	map = parse_text(text, sizeof(text) - 1, 0, "repeated");
	assert_int_equal(map->nregions, 8);
	for (size_t i = 0; i < 8; i++) {
		const struct vms_region *r = &map->regions[i];
		int deleted = i == 0 || i == 1 || i == 3;

		if (i == 0 || i == 1 || i == 3 || i == 7) {
			assert_string_equal(r->path, "/lib/a\nb");
			assert_null(r->name);
		} else if (i == 4 || i == 5) {
			assert_string_equal(r->name, "[heap]");
			assert_null(r->path);
		} else if (i == 6) {
			assert_string_equal(r->path, "[heap]x");
		} else {
			assert_null(r->path);
			assert_null(r->name);
		}
		assert_int_equal((r->flags & VMS_RF_DELETED) != 0, deleted);
	}
	assert_ptr_equal(map->regions[0].path, map->regions[1].path);
	assert_ptr_equal(map->regions[1].path, map->regions[3].path);
	assert_ptr_equal(map->regions[4].name, map->regions[5].name);
}

/*
 * Header lines of every shape the kernel can write (addresses and offsets
 * of 8 to 16 digits, 2- and 3-digit device numbers, any inode), in lower
 * and upper case, with names and without, against sscanf's reading of the
 * same lines.  The 12-digit lower-case lines take the parser's fixed-place
 * path, the rest its field-by-field one: both must agree with sscanf.
 */
static void
test_header_shapes(void **state)
{
	enum { N = 3000 };
	size_t cap = (size_t)N * 160, len = 0;
	char *text = malloc(cap);
	size_t *at_line = calloc(N, sizeof(*at_line));
	unsigned long long at = 0x10000;
	uint32_t seed = 7;
	struct vms_map *map;

	(void)state;
	assert_non_null(text);
	assert_non_null(at_line);
	for (int i = 0; i < N; i++) {
		unsigned long long size, off, ino;
		int aw, ow, n, upper;
		unsigned maj, min;
		char line[200];

		seed = seed * 1103515245u + 12345u;
		/* mostly the usual 12-digit shape, sometimes others */
		aw = (seed >> 8) % 4 == 0 ? 8 + (int)((seed >> 12) % 9) : 12;
		ow = (seed >> 16) % 5 == 0 ? 8 + (int)((seed >> 20) % 9) : 8;
		upper = (seed >> 24) % 7 == 0;
		size = 0x1000ull * (1 + (seed >> 4) % 64);
		if (i == N / 2)
			at = 0x7f0000000000ull;
		at += 0x1000ull * ((seed >> 6) % 3);
		off = (unsigned long long)(seed % 0x10000u) * 0x1000u;
		if (ow > 8)
			off |= 1ull << (4 * ow - 1);
		maj = (seed >> 3) % 5 == 0 ? 259 : (seed >> 5) % 256;
		min = (seed >> 9) % 256;
		ino = (seed >> 2) % 3 == 0 ? 0 : seed * 977ull;
		n = snprintf(line, sizeof(line),
			     upper ? "%0*llX-%0*llX r%cx%c %0*llX %02X:%02X %llu"
				   : "%0*llx-%0*llx r%cx%c %0*llx %02x:%02x %llu",
			     aw, at, aw, at + size, seed & 1 ? 'w' : '-',
			     seed & 2 ? 's' : 'p', ow, off, maj, min, ino);
		if (ino != 0)
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      "%*s/lib/x%d.so", n < 72 ? 72 - n : 1, "",
				      i % 5);
		line[n++] = '\n';
		assert_true(len + (size_t)n < cap);
		at_line[i] = len;
		memcpy(text + len, line, (size_t)n);
		len += (size_t)n;
		at += size;
	}
	map = parse_text(text, len, 0, "shapes");
	assert_int_equal(map->nregions, N);
	for (int i = 0; i < N; i++) {
		const struct vms_region *r = &map->regions[i];
		const char *from = text + at_line[i];
		unsigned long long s, e, off, ino;
		char perm[5], name[32], line[200];
		unsigned maj, min;
		int k;

		/* one line only: sscanf's blanks would cross into the next */
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(from, "\n"),
			 from);
		k = sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %31s", &s, &e,
			   perm, &off, &maj, &min, &ino, name);
		assert_true(k == 7 || k == 8);
		assert_int_equal(r->start, s);
		assert_int_equal(r->end, e);
		assert_int_equal(r->offset, off);
		assert_int_equal(r->dev_major, maj);
		assert_int_equal(r->dev_minor, min);
		assert_int_equal(r->inode, ino);
		assert_int_equal((r->prot & VMS_PROT_W) != 0, perm[1] == 'w');
		assert_int_equal((r->flags & VMS_RF_SHARED) != 0,
				 perm[3] == 's');
		if (k == 8 && r->path == NULL)
			fail_msg("no path for line %d: %s", i, line);
		if (k == 8)
			assert_string_equal(r->path, name);
		else
			assert_null(r->path);
	}
	drop_map(map);
	free(at_line);
	free(text);
}


int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, free_made)
	const struct CMUnitTest tests[] = {
		T(test_names_smaps),
		T(test_names_maps),
		T(test_stream_equals_mem),
		T(test_feed_split),
		T(test_old_kernel),
		T(test_k32),
		T(test_no_final_newline),
		T(test_malformed),
		T(test_max_values),
		T(test_junk_bytes),
		T(test_empty_input),
		T(test_open_names),
		T(test_open_names_nocounters),
		T(test_open_nothreads),
		T(test_open_oldkernel),
		T(test_open_k32),
		T(test_open_truncated),
		T(test_open_bad),
		T(test_open_zombie),
		T(test_open_missing_pid),
		T(test_deleted_without_map_files),
		T(test_check_mode),
		T(test_repeated_names),
		T(test_header_shapes),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
