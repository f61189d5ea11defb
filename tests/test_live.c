/*
 * test_live.c - the live reader on real processes: testdata/mapper.c
 * (started once for the whole group), ourselves, a zombie and a pid that
 * does not exist.  The truth is what the kernel says in files this test
 * reads itself: /proc/PID/maps, map_files/, smaps_rollup, and the facts
 * the mapper printed (its threads' ids, its mappings' addresses).
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmscope/vmscope.h"
#include "testutil.h"

#define NTHREADS 3

static struct vt_fixture fx;
static uint64_t pagesz;

/* The maps a test opened, freed after it even when it fails. */
static struct vms_map *opened[8];

static struct vms_map *
keep(struct vms_map *map)
{
	for (size_t i = 0; i < sizeof(opened) / sizeof(opened[0]); i++)
		if (opened[i] == NULL) {
			opened[i] = map;
			return map;
		}
	fail_msg("a test opened too many maps");
	return NULL;
}

/* A second fixture a test started, stopped after it even if it fails. */
static struct vt_fixture extra = {.pid = -1, .in = -1};

static int
free_opened(void **state)
{
	(void)state;
	if (extra.pid > 0)
		vt_fixture_stop(&extra);
	for (size_t i = 0; i < sizeof(opened) / sizeof(opened[0]); i++) {
		vms_map_free(opened[i]);
		opened[i] = NULL;
	}
	return 0;
}

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

static int
setup_mapper(void **state)
{
	const char *args[] = {"3", NULL};

	(void)state;
	pagesz = (uint64_t)sysconf(_SC_PAGESIZE);
	if (vt_fixture_start(&fx, "mapper", args) < 0) {
		print_error("vms_mapper: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int
teardown_mapper(void **state)
{
	(void)state;
	return vt_fixture_stop(&fx) == 0 ? 0 : -1;
}

static uint64_t
fact(const char *key)
{
	uint64_t v;

	if (vt_fact_u64(&fx, key, 0, &v) < 0) {
		print_error("the mapper printed no fact \"%s\"\n", key);
		fail();
	}
	return v;
}

static struct vms_map *
open_pid(pid_t pid, unsigned flags)
{
	struct vms_open_opts o = {.flags = flags};
	struct vms_err err = {0};
	struct vms_map *map = vms_open_pid(pid, &o, &err);

	if (map == NULL)
		print_error("%d: %s\n", (int)pid, err.msg);
	assert_non_null(map);
	return keep(map);
}

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

/*
 * What the kernel says about one mapping of the mapper: its maps line,
 * and for a file, the map_files link and the file's link count.
 */
struct truth {
	uint64_t start, end, offset, inode;
	unsigned maj, min;
	char perms[5];
	char *name;       /* the maps text after the inode, or NULL */
	char *link;       /* readlink of map_files/START-END, or NULL */
	int unlinked;     /* the mapped file has no name left */
};

static size_t
read_truth(pid_t pid, struct truth **out)
{
	char *path = vt_asprintf("/proc/%d/maps", (int)pid);
	char *text = vt_read_file(path, NULL), *line, *save = NULL;
	struct truth *t = NULL;
	size_t n = 0;

	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct truth *x;
		char lk[PATH_MAX + 1], *mf;
		struct stat st;
		ssize_t k;
		int pos = 0;

		t = realloc(t, (n + 1) * sizeof(*t));
		assert_non_null(t);
		x = &t[n++];
		memset(x, 0, sizeof(*x));
		assert_int_equal(sscanf(line,
					"%" SCNx64 "-%" SCNx64 " %4s %" SCNx64
					" %x:%x %" SCNu64 "%n",
					&x->start, &x->end, x->perms,
					&x->offset, &x->maj, &x->min,
					&x->inode, &pos),
				 7);
		while (line[pos] == ' ')
			pos++;
		if (line[pos] != '\0')
			x->name = strdup(line + pos);
		mf = vt_asprintf("/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
				 (int)pid, x->start, x->end);
		k = readlink(mf, lk, sizeof(lk) - 1);
		if (k >= 0) {
			lk[k] = '\0';
			x->link = strdup(lk);
			assert_int_equal(stat(mf, &st), 0);
			x->unlinked = st.st_nlink == 0;
		}
		free(mf);
	}
	free(text);
	free(path);
	*out = t;
	return n;
}

static void
free_truth(struct truth *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].link);
	}
	free(t);
}

/* Every maps line is a region with the same numbers and name. */
static void
check_maps(pid_t pid, const struct vms_map *map)
{
	struct truth *t;
	size_t n = read_truth(pid, &t);
	const size_t dl = strlen(" (deleted)");

	assert_int_equal(map->nregions, n);
	for (size_t i = 0; i < n; i++) {
		const struct vms_region *r = &map->regions[i];
		uint8_t prot = (t[i].perms[0] == 'r' ? VMS_PROT_R : 0) |
			       (t[i].perms[1] == 'w' ? VMS_PROT_W : 0) |
			       (t[i].perms[2] == 'x' ? VMS_PROT_X : 0);

		assert_int_equal(r->start, t[i].start);
		assert_int_equal(r->end, t[i].end);
		assert_int_equal(r->prot, prot);
		assert_int_equal(!!(r->flags & VMS_RF_SHARED),
				 t[i].perms[3] == 's');
		assert_int_equal(r->offset, t[i].offset);
		assert_int_equal(r->dev_major, t[i].maj);
		assert_int_equal(r->dev_minor, t[i].min);
		assert_int_equal(r->inode, t[i].inode);
		if (t[i].link != NULL) {
			/* A file: its real name, decoded, as the link says. */
			size_t ll = strlen(t[i].link);
			char *want = strdup(t[i].link);

			if (t[i].unlinked && ll > dl &&
			    strcmp(t[i].link + ll - dl, " (deleted)") == 0)
				want[ll - dl] = '\0';
			check_str(r->path, want);
			free(want);
			assert_int_equal(!!(r->flags & VMS_RF_DELETED),
					 t[i].unlinked);
			if (t[i].unlinked)
				assert_true(r->has & VMS_HAS_DELETED);
			assert_null(r->name);
		} else if (t[i].name != NULL) {
			check_str(r->name, t[i].name);
			assert_null(r->path);
		} else {
			assert_null(r->path);
			assert_null(r->name);
		}
	}
	free_truth(t, n);
}

static void
test_maps_match(void **state)
{
	struct vms_map *map;

	(void)state;
	map = open_pid(fx.pid, 0);
	check_maps(fx.pid, map);
	for (size_t i = 0; i < map->nregions; i++) {
		assert_int_equal(map->regions[i].has &
					 (VMS_HAS_CTR(VMS_C__COUNT) - 1),
				 0);
		assert_false(map->regions[i].has & VMS_HAS_VMFLAGS);
	}
	map = open_pid(fx.pid, VMS_OPEN_COUNTERS);
	check_maps(fx.pid, map);
	assert_int_equal(map->proc.pid, fx.pid);
	assert_int_equal(map->proc.ppid, getpid());
	assert_int_equal(map->proc.uid, getuid());
}

/*
 * Sums over the regions against smaps_rollup.  Page counts are exact.
 * The kernel keeps PSS with 12 more bits and truncates to kB once per
 * region in smaps but once for all in smaps_rollup, so a PSS-like sum
 * (Pss, Pss_Dirty, SwapPss, and Locked, which is PSS-weighted) may fall
 * short by less than 1 kB per region, never more, never above.
 */
static const struct {
	const char *key;
	enum vms_counter c;
	int pss;
} rollup_keys[] = {
	{"Rss", VMS_C_RSS, 0},
	{"Pss", VMS_C_PSS, 1},
	{"Pss_Dirty", VMS_C_PSS_DIRTY, 1},
	{"Shared_Clean", VMS_C_SHARED_CLEAN, 0},
	{"Shared_Dirty", VMS_C_SHARED_DIRTY, 0},
	{"Private_Clean", VMS_C_PRIVATE_CLEAN, 0},
	{"Private_Dirty", VMS_C_PRIVATE_DIRTY, 0},
	{"Referenced", VMS_C_REFERENCED, 0},
	{"Anonymous", VMS_C_ANONYMOUS, 0},
	{"KSM", VMS_C_KSM, 0},
	{"LazyFree", VMS_C_LAZYFREE, 0},
	{"AnonHugePages", VMS_C_ANON_HUGE, 0},
	{"ShmemPmdMapped", VMS_C_SHMEM_PMD, 0},
	{"FilePmdMapped", VMS_C_FILE_PMD, 0},
	{"Shared_Hugetlb", VMS_C_SHARED_HUGETLB, 0},
	{"Private_Hugetlb", VMS_C_PRIVATE_HUGETLB, 0},
	{"Swap", VMS_C_SWAP, 0},
	{"SwapPss", VMS_C_SWAP_PSS, 1},
	{"Locked", VMS_C_LOCKED, 1},
};
#define NROLLUP (sizeof(rollup_keys) / sizeof(rollup_keys[0]))

static void
test_rollup(void **state)
{
	struct vt_rollup before, after;
	struct vms_map *map = NULL;
	uint64_t v;
	int tries;

	(void)state;
	/*
	 * The mapper is still, but the PSS of shared library pages moves
	 * when other processes start or end: take a map between two equal
	 * rollups.
	 */
	for (tries = 0; tries < 20; tries++) {
		assert_int_equal(vt_rollup_read(NULL, fx.pid, &before), 0);
		free_opened(NULL);
		map = open_pid(fx.pid, VMS_OPEN_COUNTERS);
		assert_int_equal(vt_rollup_read(NULL, fx.pid, &after), 0);
		if (vt_rollup_compare(&before, &after) == 0)
			break;
		usleep(50000);
	}
	assert_true(tries < 20);
	/* What pmap -x totals: every kernel since 2.6.25 prints these. */
	assert_int_equal(vt_rollup_get(&after, "Rss", &v), 0);
	assert_int_equal(vt_rollup_get(&after, "Anonymous", &v), 0);
	assert_int_equal(vt_rollup_get(&after, "Locked", &v), 0);
	assert_true(v >= pagesz * fact("mlock_ok"));
	for (size_t k = 0; k < NROLLUP; k++) {
		uint64_t want, sum = 0;

		if (vt_rollup_get(&after, rollup_keys[k].key, &want) < 0)
			continue;  /* older kernel */
		for (size_t i = 0; i < map->nregions; i++) {
			const struct vms_region *r = &map->regions[i];

			if (vms_region_get(r, rollup_keys[k].c, &v) < 0) {
				print_error("region 0x%" PRIx64 ": %s "
					    "unknown\n",
					    r->start, rollup_keys[k].key);
				fail();
			}
			sum += v;
		}
		if (!rollup_keys[k].pss ? sum != want
					: sum > want ||
						  want - sum >=
							  1024 * map->nregions) {
			print_error("%s: regions sum to %" PRIu64
				    ", smaps_rollup says %" PRIu64 "\n",
				    rollup_keys[k].key, sum, want);
			fail();
		}
	}
}

/* Each thread's stack carries its tid; the page below is its guard. */
static void
test_thread_stacks(void **state)
{
	struct vms_map *map;
	size_t n = 0;

	(void)state;
	map = open_pid(fx.pid, VMS_OPEN_COUNTERS);
	assert_int_equal(map->nthreads, NTHREADS + 1);
	for (; vt_fact(&fx, "thread", n) != NULL; n++) {
		const char *f = vt_fact(&fx, "thread", n);
		unsigned long long tid, addr;
		const struct vms_region *r, *g;
		size_t i, t;

		assert_int_equal(sscanf(f, "%llu %llx", &tid, &addr), 2);
		r = region_at(map, addr);
		if (r->label != VMS_LABEL_THREAD_STACK || r->label_id != tid) {
			print_error("thread %llu: stack at 0x%llx labelled "
				    "%s id %" PRIu64 "\n",
				    tid, addr,
				    vms_label_name(r->label) ?
					    vms_label_name(r->label) :
					    "none",
				    r->label_id);
			fail();
		}
		assert_null(r->path);
		i = (size_t)(r - map->regions);
		assert_true(i > 0);
		g = &map->regions[i - 1];
		assert_int_equal(g->end, r->start);
		assert_int_equal(g->prot, 0);
		assert_int_equal(g->label, VMS_LABEL_GUARD);
		assert_int_equal(g->label_id, tid);
		for (t = 0; t < map->nthreads; t++)
			if (map->threads[t].tid == tid)
				break;
		assert_true(t < map->nthreads);
		assert_true(map->threads[t].has & VMS_THR_HAS_SP);
		assert_ptr_equal(vms_map_find(map, map->threads[t].sp), r);
	}
	assert_int_equal(n, NTHREADS);
	/* The main thread's stack is [stack]. */
	for (size_t i = 0; i < map->nregions; i++) {
		const struct vms_region *r = &map->regions[i];

		if (r->name != NULL && strcmp(r->name, "[stack]") == 0)
			assert_int_equal(r->label, VMS_LABEL_STACK);
		else
			assert_int_not_equal(r->label, VMS_LABEL_STACK);
	}
}

static struct vms_map *
mapper_map(void)
{
	return open_pid(fx.pid, VMS_OPEN_COUNTERS);
}

static void
test_heap_anon_files(void **state)
{
	struct vms_map *map = mapper_map();
	const struct vms_region *r;
	struct stat st;
	char *path;
	uint64_t v;

	(void)state;
	r = region_at(map, fact("heap"));
	assert_int_equal(r->label, VMS_LABEL_HEAP);
	check_str(r->name, "[heap]");

	r = region_at(map, fact("anon"));
	assert_int_equal(r->label, VMS_LABEL_NONE);
	assert_null(r->path);
	assert_false(r->flags & VMS_RF_SHARED);

	path = vt_asprintf("%s/data", fx.dir);
	assert_int_equal(stat(path, &st), 0);
	r = region_at(map, fact("file_private"));
	check_str(r->path, path);
	assert_int_equal(r->inode, st.st_ino);
	assert_int_equal(r->dev_major, major(st.st_dev));
	assert_int_equal(r->dev_minor, minor(st.st_dev));
	assert_false(r->flags & (VMS_RF_SHARED | VMS_RF_DELETED));
	/* The one written page was copied: it is private and anonymous. */
	assert_int_equal(vms_region_get(r, VMS_C_ANONYMOUS, &v), 0);
	assert_int_equal(v, pagesz);
	r = region_at(map, fact("file_shared"));
	check_str(r->path, path);
	assert_true(r->flags & VMS_RF_SHARED);
	assert_int_equal(r->share, VMS_SHARE_SHARED);
	free(path);
}

/* MAP_SHARED|MAP_ANONYMOUS shows as "/dev/zero (deleted)": no device. */
static void
test_shared_anon(void **state)
{
	struct vms_map *map = mapper_map();
	const struct vms_region *r;

	(void)state;
	r = region_at(map, fact("shared_anon"));
	assert_true(r->flags & VMS_RF_SHARED);
	assert_int_equal(r->share, VMS_SHARE_SHARED);
	if (r->label == VMS_LABEL_DEVICE) {
		print_error("shared anonymous memory (%s, dev %u:%u) is "
			    "labelled a device\n",
			    r->path ? r->path : "(null)", r->dev_major,
			    r->dev_minor);
		fail();
	}
}

/* Deleted, and literally named so: only map_files can tell. */
static void
test_deleted(void **state)
{
	struct vms_map *map = mapper_map();
	const struct vms_region *r;
	char *path;

	(void)state;
	path = vt_asprintf("%s/gone", fx.dir);
	r = region_at(map, fact("deleted"));
	check_str(r->path, path);
	assert_true(r->flags & VMS_RF_DELETED);
	assert_true(r->has & VMS_HAS_DELETED);
	free(path);

	path = vt_asprintf("%s/x (deleted)", fx.dir);
	r = region_at(map, fact("fake_deleted"));
	check_str(r->path, path);
	assert_false(r->flags & VMS_RF_DELETED);
	free(path);
	/* As root, map_files answered: nothing is left unverified. */
	for (size_t i = 0; i < map->nwarnings; i++)
		assert_null(strstr(map->warnings[i], "map_files"));
}

static void
test_odd_names(void **state)
{
	struct vms_map *map = mapper_map();
	char *path;

	(void)state;
	path = vt_asprintf("%s/new\nline", fx.dir);
	check_str(region_at(map, fact("newline"))->path, path);
	free(path);
	path = vt_asprintf("%s/with two  spaces", fx.dir);
	check_str(region_at(map, fact("spaces"))->path, path);
	free(path);
}

static void
test_shm_memfd(void **state)
{
	struct vms_map *map = mapper_map();
	const struct vms_region *r;

	(void)state;
	r = region_at(map, fact("shm"));
	assert_int_equal(r->label, VMS_LABEL_SYSV_SHM);
	assert_int_equal(r->label_id, fact("shmid"));
	assert_true(r->flags & VMS_RF_SHARED);

	r = region_at(map, fact("memfd"));
	assert_int_equal(r->label, VMS_LABEL_MEMFD);
	check_str(r->path, "/memfd:vms-memfd");
}

static void
test_anon_named(void **state)
{
	struct vms_map *map = mapper_map();
	const struct vms_region *r;

	(void)state;
	r = region_at(map, fact("anon_named"));
	if (fact("anon_name_ok"))
		check_str(r->name, "[anon:vms-anon]");
	else
		assert_null(r->name);  /* no CONFIG_ANON_VMA_NAME here */
	assert_null(r->path);
}

static void
test_guard_noreserve_locked(void **state)
{
	struct vms_map *map = mapper_map();
	const struct vms_region *r;
	char *oc;
	uint64_t v;

	(void)state;
	r = region_at(map, fact("guard"));
	assert_true(r->has & VMS_HAS_PROT);
	assert_int_equal(r->prot, 0);
	assert_int_not_equal(r->label, VMS_LABEL_THREAD_STACK);

	r = region_at(map, fact("noreserve"));
	assert_true(r->has & VMS_HAS_VMFLAGS);
	/* Mode 2 (never overcommit) ignores MAP_NORESERVE. */
	oc = vt_read_file("/proc/sys/vm/overcommit_memory", NULL);
	if (oc != NULL && oc[0] != '2')
		assert_true(r->vmflags & VMS_VMF(NR));
	free(oc);

	r = region_at(map, fact("locked"));
	if (fact("mlock_ok")) {
		assert_true(r->vmflags & VMS_VMF(LO));
		assert_int_equal(vms_region_get(r, VMS_C_LOCKED, &v), 0);
		assert_int_equal(v, pagesz);
	}
}

static void
test_mapper_process(void **state)
{
	struct vms_map *map = mapper_map();
	char *path = vt_fixture_path("mapper");
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < map->nregions; i++)
		if (map->regions[i].path != NULL &&
		    strcmp(map->regions[i].path, path) == 0)
			n++;
	assert_true(n > 0);
	check_str(map->proc.exe, path);
	assert_int_equal(map->proc.argc, 3);
	check_str(map->proc.argv[0], path);
	check_str(map->proc.argv[1], fx.dir);
	check_str(map->proc.argv[2], "3");
	check_str(map->proc.comm, "vms_mapper");
	assert_true(map->proc.state == 'S' || map->proc.state == 'R');
	assert_int_equal(map->source.kind, VMS_SOURCE_LIVE);
	free(path);
}

/* A pid that names no process. */
static void
test_no_such_pid(void **state)
{
	struct vms_err err = {0};
	char *want, *target;
	pid_t pid = 4194303;

	(void)state;
	while (pid > 2 && (kill(pid, 0) == 0 || errno != ESRCH))
		pid -= 7;
	want = vt_asprintf("%d", (int)pid);
	assert_null(vms_open_pid(pid, NULL, &err));
	assert_int_equal(err.code, VMS_E_NOENT);
	assert_non_null(strstr(err.msg, want));
	memset(&err, 0, sizeof(err));
	target = vt_asprintf("/proc/%d", (int)pid);
	assert_null(vms_open(target, NULL, &err));
	assert_int_equal(err.code, VMS_E_NOENT);
	assert_non_null(strstr(err.msg, want));
	free(target);
	memset(&err, 0, sizeof(err));
	assert_null(vms_open(want, NULL, &err));
	assert_int_equal(err.code, VMS_E_NOENT);
	assert_non_null(strstr(err.msg, want));
	free(want);
}

/* A zombie has no address space: an empty map, not an error. */
static void
test_zombie(void **state)
{
	struct vms_map *map;
	pid_t pid;
	int st, i;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	/* Wait, without reaping, until it is a zombie. */
	for (i = 0; i < 500; i++) {
		char *path = vt_asprintf("/proc/%d/stat", (int)pid);
		char *text = vt_read_file(path, NULL), *p;
		int z = 0;

		free(path);
		if (text != NULL && (p = strrchr(text, ')')) != NULL)
			z = p[1] == ' ' && p[2] == 'Z';
		free(text);
		if (z)
			break;
		usleep(10000);
	}
	assert_true(i < 500);
	map = open_pid(pid, VMS_OPEN_COUNTERS);
	assert_int_equal(map->nregions, 0);
	assert_int_equal(map->proc.state, 'Z');
	map = open_pid(pid, 0);
	assert_int_equal(map->nregions, 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

/*
 * Without CAP_SYS_ADMIN, map_files cannot be read.  A mapper of user
 * nobody, read by a child of ours that became nobody: the deleted file
 * is still deleted (unverified, and the map says so), the file named
 * "x (deleted)" is still not, and the thread stacks still have tids.
 */
struct nonroot_result {
	int opened;
	char msg[512];
	int gone_path_ok, gone_deleted, gone_verified;
	int fake_path_ok, fake_deleted;
	int stack_ok;
	int warned;
};

static void
nonroot_child(const struct vt_fixture *m, int fd)
{
	struct vms_open_opts o = {.flags = VMS_OPEN_COUNTERS};
	struct nonroot_result res;
	struct vms_err err = {0};
	const struct vms_region *r;
	struct vms_map *map;
	unsigned long long tid, addr;
	uint64_t a;
	char *want;

	memset(&res, 0, sizeof(res));
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		_exit(3);
	map = vms_open_pid(m->pid, &o, &err);
	res.opened = map != NULL;
	snprintf(res.msg, sizeof(res.msg), "%s", err.msg);
	if (map != NULL) {
		if (vt_fact_u64(m, "deleted", 0, &a) == 0 &&
		    (r = vms_map_find(map, a)) != NULL) {
			want = vt_asprintf("%s/gone", m->dir);
			res.gone_path_ok = r->path && !strcmp(r->path, want);
			res.gone_deleted = !!(r->flags & VMS_RF_DELETED);
			res.gone_verified = !!(r->has & VMS_HAS_DELETED);
			free(want);
		}
		if (vt_fact_u64(m, "fake_deleted", 0, &a) == 0 &&
		    (r = vms_map_find(map, a)) != NULL) {
			want = vt_asprintf("%s/x (deleted)", m->dir);
			res.fake_path_ok = r->path && !strcmp(r->path, want);
			res.fake_deleted = !!(r->flags & VMS_RF_DELETED);
			free(want);
		}
		if (sscanf(vt_fact(m, "thread", 0), "%llu %llx", &tid,
			   &addr) == 2 &&
		    (r = vms_map_find(map, addr)) != NULL)
			res.stack_ok = r->label == VMS_LABEL_THREAD_STACK &&
				       r->label_id == tid;
		res.warned = map->nwarnings > 0;
		vms_map_free(map);
	}
	_exit(write(fd, &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 4);
}

static void
test_nonroot(void **state)
{
	const char *args[] = {"1", NULL};
	struct nonroot_result res;
	struct vt_fixture *m = &extra;
	int p[2], st;
	pid_t pid;
	ssize_t n;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(vt_fixture_start_as(m, "mapper", args, 65534, 65534),
			 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		nonroot_child(m, p[1]);
	}
	close(p[1]);
	n = read(p[0], &res, sizeof(res));
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(vt_fixture_stop(m), 0);
	assert_int_equal(n, sizeof(res));
	if (!res.opened)
		print_error("as nobody: %s\n", res.msg);
	assert_true(res.opened);
	assert_true(res.gone_path_ok);
	assert_true(res.gone_deleted);
	assert_false(res.gone_verified);
	assert_true(res.warned);
	assert_true(res.fake_path_ok);
	assert_false(res.fake_deleted);
	assert_true(res.stack_ok);
}

/*
 * The main thread ended with pthread_exit() and the others run on: the
 * leader is a zombie and /proc/PID/maps is empty, but the address space
 * is alive (task/TID/maps of a live thread shows it).  Not an empty map.
 */
static void
test_leader_exited(void **state)
{
	const char *args[] = {"1", "leader-exits", NULL};
	struct vt_fixture *m = &extra;
	struct vms_map *map;
	const struct vms_region *r;
	unsigned long long tid, addr;
	char *path, *text;
	size_t lines = 0;
	int i;

	(void)state;
	assert_int_equal(vt_fixture_start(m, "mapper", args), 0);
	/* Wait for the leader to become a zombie. */
	path = vt_asprintf("/proc/%d/status", (int)m->pid);
	for (i = 0; i < 500; i++) {
		text = vt_read_file(path, NULL);
		if (text != NULL && strstr(text, "\nState:\tZ") != NULL) {
			free(text);
			break;
		}
		free(text);
		usleep(10000);
	}
	free(path);
	assert_true(i < 500);
	assert_int_equal(sscanf(vt_fact(m, "thread", 0), "%llu %llx", &tid,
				&addr),
			 2);
	path = vt_asprintf("/proc/%d/task/%llu/maps", (int)m->pid, tid);
	text = vt_read_file(path, NULL);
	free(path);
	assert_non_null(text);
	for (char *p = text; *p != '\0'; p++)
		lines += *p == '\n';
	free(text);
	assert_true(lines > 0);

	map = open_pid(m->pid, VMS_OPEN_COUNTERS);
	if (map->nregions != lines)
		print_error("leader exited: %zu regions, task %llu/maps has "
			    "%zu lines\n",
			    map->nregions, tid, lines);
	assert_int_equal(map->nregions, lines);
	r = region_at(map, addr);
	assert_int_equal(r->label, VMS_LABEL_THREAD_STACK);
	assert_int_equal(r->label_id, tid);
	/* Stop it here: free_opened() would stop it first and hide how. */
	assert_int_equal(vt_fixture_stop(m), 0);
	free_opened(NULL);
}

/* A kernel thread (kthreadd is pid 2 outside containers): no memory. */
static void
test_kernel_thread(void **state)
{
	char *status = vt_read_file("/proc/2/status", NULL);
	char *maps = vt_read_file("/proc/2/maps", NULL);
	struct vms_map *map;

	(void)state;
	if (status == NULL || maps == NULL || maps[0] != '\0' ||
	    strstr(status, "\nPPid:\t0\n") == NULL) {
		free(status);
		free(maps);
		skip();
	}
	free(status);
	free(maps);
	map = open_pid(2, VMS_OPEN_COUNTERS);
	assert_int_equal(map->nregions, 0);
}

static void
test_self(void **state)
{
	struct vms_err err = {0};
	struct vms_open_opts o = {.flags = VMS_OPEN_COUNTERS};
	struct vms_map *map;
	const struct vms_region *r;
	char exe[PATH_MAX + 1];
	ssize_t n;
	int local = 1;

	(void)state;
	map = vms_open("self", &o, &err);
	if (map == NULL)
		print_error("self: %s\n", err.msg);
	assert_non_null(map);
	keep(map);
	assert_int_equal(map->proc.pid, getpid());
	assert_true(map->nthreads >= 1);
	r = region_at(map, (uint64_t)(uintptr_t)&local);
	assert_int_equal(r->label, VMS_LABEL_STACK);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	r = region_at(map, (uint64_t)(uintptr_t)&test_self);
	check_str(r->path, exe);
	assert_true(r->prot & VMS_PROT_X);
	assert_int_equal(map->page_size, (uint64_t)sysconf(_SC_PAGESIZE));
}

/*
 * A process that runs while it is read cannot be taken as unchanged: the
 * maps are read again and compared, and a spinning process whose map does
 * not change still reads fine.
 */
static void
test_running_target(void **state)
{
	struct vms_map *map;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	map = open_pid(pid, VMS_OPEN_COUNTERS);
	assert_true(map->nregions > 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free_opened(NULL);
}

int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, free_opened)
	const struct CMUnitTest tests[] = {
		T(test_maps_match),
		T(test_rollup),
		T(test_thread_stacks),
		T(test_heap_anon_files),
		T(test_shared_anon),
		T(test_deleted),
		T(test_odd_names),
		T(test_shm_memfd),
		T(test_anon_named),
		T(test_guard_noreserve_locked),
		T(test_mapper_process),
		T(test_no_such_pid),
		T(test_zombie),
		T(test_nonroot),
		T(test_leader_exited),
		T(test_kernel_thread),
		T(test_self),
		T(test_running_target),
	};
#undef T

	return cmocka_run_group_tests(tests, setup_mapper, teardown_mapper);
}
