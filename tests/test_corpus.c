/*
 * test_corpus.c - conformance over the shared corpus of real cores written
 * by other tools (../shared/corpus, or $VMS_CORPUS_DIR): every NAME.xz is
 * read twice, compressed through vms_open() and decompressed (liblzma)
 * through vms_open_mem(), and both maps must match NAME.regions.txt,
 * which lists one PT_LOAD per line as
 *   start end perms p_offset p_filesz p_memsz nt_file_offset nt_file_name
 * ("-" where NT_FILE has no entry).  Mach-O lists ("# start end initprot
 * maxprot fileoff filesize", from llvm-readobj --macho-segment) give one
 * LC_SEGMENT per line; a list without rows means the file must be refused.
 * The corpus is never copied into the repository; without it the test is
 * skipped, and says so.
 */
#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <lzma.h>

#include "testutil.h"
#include "vmscope/vmscope.h"

struct row {
	uint64_t start, end, offset, filesz, memsz, ntoff;
	char perms[4];
	char maxperms[4]; /* Mach-O */
	int has_nt;
	char *path;
};

static char *
corpus_dir(void)
{
	const char *env = getenv("VMS_CORPUS_DIR");

	if (env != NULL && *env != '\0')
		return vt_asprintf("%s", env);
	return vt_asprintf("%s", VMS_SOURCE_DIR "/../shared/corpus");
}

/* The whole .xz file decompressed, or NULL. */
static unsigned char *
unxz(const char *path, size_t *len)
{
	size_t inlen, cap = 1 << 20, out = 0;
	char *in = vt_read_file(path, &inlen);
	lzma_stream s = LZMA_STREAM_INIT;
	unsigned char *buf = malloc(cap);
	lzma_ret r = LZMA_OK;

	if (in == NULL || buf == NULL ||
	    lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
		free(in);
		free(buf);
		return NULL;
	}
	s.next_in = (const uint8_t *)in;
	s.avail_in = inlen;
	while (r == LZMA_OK) {
		if (out == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		s.next_out = buf + out;
		s.avail_out = cap - out;
		r = lzma_code(&s, LZMA_FINISH);
		out = cap - s.avail_out;
	}
	lzma_end(&s);
	free(in);
	if (r != LZMA_STREAM_END) {
		free(buf);
		return NULL;
	}
	*len = out;
	return buf;
}

/* The rows of a .regions.txt; *macho set for Mach-O lists. */
static struct row *
read_rows(const char *path, size_t *n, int *macho)
{
	char *text = vt_read_file(path, NULL), *line, *save = NULL;
	size_t cap = 1;
	struct row *rows = malloc(sizeof(*rows));

	*n = 0;
	*macho = 0;
	assert_non_null(rows);
	if (text == NULL) {
		free(rows);
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct row *r;
		char nt[32], name[4096];
		int k;

		if (line[0] == '#') {
			if (strstr(line, "initprot") != NULL)
				*macho = 1;
			continue;
		}
		if (*n == cap) {
			cap *= 2;
			rows = realloc(rows, cap * sizeof(*rows));
			assert_non_null(rows);
		}
		r = &rows[(*n)++];
		memset(r, 0, sizeof(*r));
		if (*macho) {
			k = sscanf(line,
				   "%" SCNx64 " %" SCNx64 " %3s %3s %" SCNx64
				   " %" SCNx64,
				   &r->start, &r->end, r->perms, r->maxperms,
				   &r->offset, &r->filesz);
			assert_int_equal(k, 6);
			continue;
		}
		name[0] = '\0';
		k = sscanf(line,
			   "%" SCNx64 " %" SCNx64 " %3s %" SCNx64 " %" SCNx64
			   " %" SCNx64 " %31s %4095[^\n]",
			   &r->start, &r->end, r->perms, &r->offset, &r->filesz,
			   &r->memsz, nt, name);
		assert_true(k >= 7);
		if (strcmp(nt, "-") != 0) {
			r->has_nt = 1;
			r->ntoff = strtoull(nt, NULL, 16);
			r->path = vt_asprintf("%s", name);
		}
	}
	free(text);
	return rows;
}

static void
perms_of(unsigned prot, char *out)
{
	out[0] = (prot & VMS_PROT_R) ? 'r' : '-';
	out[1] = (prot & VMS_PROT_W) ? 'w' : '-';
	out[2] = (prot & VMS_PROT_X) ? 'x' : '-';
	out[3] = '\0';
}

/* Compare one map with the rows; size is the uncompressed core size. */
static void
check_map(const char *what, const struct vms_map *map, const struct row *rows,
	  size_t n, uint64_t size)
{
	size_t withdata = 0, i;

	for (i = 0; i < map->nregions; i++)
		if (map->regions[i].has & VMS_HAS_DATA)
			withdata++;
	if (withdata != n)
		fail_msg("%s: %zu regions from segments, expected %zu", what,
			 withdata, n);
	for (i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		const struct vms_region *r = vms_map_find(map, w->start);
		uint64_t held = 0;
		char perms[4];

		if (r == NULL || r->start != w->start)
			fail_msg("%s: no region starts at 0x%" PRIx64, what,
				 w->start);
		if (r->end != w->end)
			fail_msg("%s: region 0x%" PRIx64 " ends at 0x%" PRIx64
				 ", expected 0x%" PRIx64,
				 what, w->start, r->end, w->end);
		perms_of(r->prot, perms);
		assert_true(r->has & VMS_HAS_PROT);
		if (strcmp(perms, w->perms) != 0)
			fail_msg("%s: region 0x%" PRIx64 " is %s, expected %s",
				 what, w->start, perms, w->perms);
		assert_true(r->has & VMS_HAS_DATA);
		assert_int_equal(r->data_offset, w->offset);
		if (w->offset < size)
			held = size - w->offset < w->filesz ? size - w->offset
							    : w->filesz;
		if (r->data_size != held)
			fail_msg("%s: region 0x%" PRIx64 " holds 0x%" PRIx64
				 " bytes, expected 0x%" PRIx64,
				 what, w->start, r->data_size, held);
		assert_true(r->has & VMS_HAS_CTR(VMS_C_RSS));
		assert_int_equal(r->counters[VMS_C_RSS], held);
		assert_int_equal(!!(r->flags & VMS_RF_PARTIAL),
				 held < w->end - w->start);
		if (w->has_nt) {
			if (r->path == NULL || strcmp(r->path, w->path) != 0)
				fail_msg("%s: region 0x%" PRIx64 " maps %s, "
					 "expected %s",
					 what, w->start,
					 r->path ? r->path : "nothing",
					 w->path);
			assert_true(r->has & VMS_HAS_OFFSET);
			assert_int_equal(r->offset, w->ntoff);
		} else if (r->path != NULL) {
			fail_msg("%s: region 0x%" PRIx64 " maps %s, expected "
				 "no file",
				 what, w->start, r->path);
		}
	}
}

/* A Mach-O map against its LC_SEGMENT rows. */
static void
check_macho(const char *what, const struct vms_map *map, const struct row *rows,
	    size_t n, uint64_t size)
{
	if (map->nregions != n)
		fail_msg("%s: %zu regions, expected %zu", what, map->nregions,
			 n);
	assert_int_equal(map->source.kind, VMS_SOURCE_MACHO_CORE);
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		const struct vms_region *r = &map->regions[i];
		uint64_t held = 0;
		char perms[4], maxperms[4];

		if (r->start != w->start || r->end != w->end)
			fail_msg("%s: region %zu is 0x%" PRIx64 "-0x%" PRIx64
				 ", expected 0x%" PRIx64 "-0x%" PRIx64,
				 what, i, r->start, r->end, w->start, w->end);
		assert_true(r->has & VMS_HAS_PROT);
		assert_true(r->has & VMS_HAS_MAXPROT);
		perms_of(r->prot, perms);
		perms_of(r->maxprot, maxperms);
		if (strcmp(perms, w->perms) != 0 ||
		    strcmp(maxperms, w->maxperms) != 0)
			fail_msg("%s: region 0x%" PRIx64 " is %s/%s, expected "
				 "%s/%s",
				 what, w->start, perms, maxperms, w->perms,
				 w->maxperms);
		assert_true(r->has & VMS_HAS_DATA);
		assert_int_equal(r->data_offset, w->offset);
		if (w->filesz > 0 && w->offset < size)
			held = size - w->offset < w->filesz ? size - w->offset
							    : w->filesz;
		assert_int_equal(r->data_size, held);
		assert_int_equal(r->counters[VMS_C_RSS], held);
		assert_int_equal(!!(r->flags & VMS_RF_PARTIAL),
				 held < w->end - w->start);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
check_one(const char *dir, const char *sub, const char *file, size_t *done)
{
	char *xz = vt_asprintf("%s/%s/%s", dir, sub, file);
	char *base = vt_asprintf("%.*s", (int)(strlen(xz) - 3), xz);
	char *rpath = vt_asprintf("%s.regions.txt", base);
	char *what = vt_asprintf("%s/%.*s", sub, (int)(strlen(file) - 3), file);
	struct vms_map *a, *b;
	struct vms_err err;
	struct row *rows;
	unsigned char *img;
	size_t n, len = 0, i;
	int macho;
	double t0;

	rows = read_rows(rpath, &n, &macho);
	img = unxz(xz, &len);
	if (img == NULL)
		fail_msg("%s: cannot decompress", xz);
	t0 = now();
	a = vms_open(xz, NULL, &err);
	if (now() - t0 > 2.0)
		fail_msg("%s: took %.2f s", what, now() - t0);
	b = vms_open_mem(img, len, what, NULL, &err);
	if (rows == NULL) {
		/* No oracle (the PN_XNUM file): it must not crash or hang. */
		printf("corpus: %s: read in %.3f s, no region list to "
		       "compare\n",
		       what, now() - t0);
	} else if (a == NULL || b == NULL) {
		if (n != 0)
			fail_msg("%s: %s", what, err.msg);
		printf("corpus: %s: refused (%s), and no regions expected\n",
		       what, err.msg);
	} else if (macho) {
		check_macho(what, a, rows, n, len);
		check_macho(what, b, rows, n, len);
		assert_string_equal(a->source.format, "macho+xz");
		assert_string_equal(b->source.format, "macho");
		assert_int_equal(a->nthreads, b->nthreads);
		printf("corpus: %s: %zu segments ok, %zu threads, "
		       "%zu warnings\n",
		       what, n, a->nthreads, a->nwarnings);
	} else {
		check_map(what, a, rows, n, len);
		check_map(what, b, rows, n, len);
		assert_string_equal(a->source.format, "elf+xz");
		assert_string_equal(b->source.format, "elf");
		assert_int_equal(a->nregions, b->nregions);
		assert_int_equal(a->nthreads, b->nthreads);
		printf("corpus: %s: %zu segments ok, %zu regions, %zu threads, "
		       "%zu warnings\n",
		       what, n, a->nregions, a->nthreads, a->nwarnings);
	}
	(*done)++;
	vms_map_free(a);
	vms_map_free(b);
	for (i = 0; i < n; i++)
		free(rows[i].path);
	free(rows);
	free(img);
	free(what);
	free(rpath);
	free(base);
	free(xz);
}

static void
t_corpus(void **state)
{
	char *dir = corpus_dir();
	struct dirent **subs = NULL;
	size_t done = 0;
	int nsub, i;

	(void)state;
	nsub = scandir(dir, &subs, NULL, alphasort);
	if (nsub < 0) {
		printf("corpus: not found at %s (set VMS_CORPUS_DIR): "
		       "SKIPPED\n",
		       dir);
		free(dir);
		skip();
		return;
	}
	for (i = 0; i < nsub; i++) {
		char *sub = vt_asprintf("%s/%s", dir, subs[i]->d_name);
		struct dirent **files = NULL;
		int nf = subs[i]->d_name[0] == '.'
				 ? -1
				 : scandir(sub, &files, NULL, alphasort);

		for (int j = 0; j < nf; j++) {
			const char *f = files[j]->d_name;
			size_t l = strlen(f);

			if (l > 3 && strcmp(f + l - 3, ".xz") == 0 &&
			    strstr(f, ".txt.") == NULL)
				check_one(dir, subs[i]->d_name, f, &done);
			free(files[j]);
		}
		free(files);
		free(sub);
		free(subs[i]);
	}
	free(subs);
	free(dir);
	printf("corpus: %zu files checked\n", done);
	assert_true(done > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
