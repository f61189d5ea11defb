/*
 * test_coreviews.c - every view on ELF cores: the two small cores that
 * testdata/mkviewcores.sh made (x86_64 and i386, xz-compressed, read as
 * they are) rendered by each view against goldens in testdata/golden/core/,
 * and their regions checked against readelf's program headers.
 *
 * VMS_UPDATE_GOLDEN=1 rewrites the goldens; read the diff before
 * committing it.
 */
#include <inttypes.h>
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

static const char *const cores[] = {"x86_64", "i386"};

static const char *const views[] = {
	"pmap",    "pmap-x",    "pmap-S",    "pmap-d",  "procmap",
	"procmap-l", "procmap-m", "procmap-a", "vmmap", "vmmap-summary",
	"json",
};

static struct vms_map *
open_core(const char *core, unsigned flags)
{
	char *rel = vt_asprintf("testdata/cores/%s.core.xz", core);
	char *path = vt_source_path(rel);
	struct vms_open_opts oo = {0};
	struct vms_err err = {0};
	struct vms_map *map;

	/*
	 * Build ids are compared with files on this machine, which differ
	 * from one machine to the next: the goldens leave them out.
	 */
	oo.flags = flags & ~VMS_OPEN_BUILDIDS;
	map = vms_open(path, &oo, &err);
	if (map == NULL)
		fail_msg("%s: %s", path, err.msg);
	/* The title names the core as the user did: keep it short. */
	map->source.name = vms_map_strdup(map, rel + strlen("testdata/cores/"),
					  &err);
	free(path);
	free(rel);
	return map;
}

static void
test_goldens(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cores) / sizeof(cores[0]); c++) {
		for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
			const struct vms_view *view = vms_view_find(views[v]);
			struct vms_view_opts vo = {0};
			struct vms_map *map;
			char *out, *rel;

			assert_non_null(view);
			map = open_core(cores[c], view->needs);
			out = vt_render(view, map, &vo);
			assert_non_null(out);
			vms_map_free(map);
			rel = vt_asprintf("testdata/golden/core/%s-%s.txt",
					  cores[c], views[v]);
			if (vt_golden(rel, out) != 0)
				fail_msg("%s does not match the golden", rel);
			free(rel);
			free(out);
		}
	}
}

/*
 * Every PT_LOAD that readelf lists is a region with the same start, size
 * and permissions, and the file's NOTE segment is not a region.
 */
static void
test_against_readelf(void **state)
{
	char *readelf = NULL, *xz = NULL;

	(void)state;
	for (const char *const *p = (const char *const[]){
		     "/usr/bin/readelf", "/usr/bin/x86_64-linux-gnu-readelf",
		     NULL};
	     *p != NULL; p++)
		if (access(*p, X_OK) == 0) {
			readelf = strdup(*p);
			break;
		}
	if (access("/usr/bin/xz", X_OK) == 0)
		xz = strdup("/usr/bin/xz");
	if (readelf == NULL || xz == NULL) {
		print_message("readelf or xz missing: comparison skipped\n");
		free(readelf);
		free(xz);
		skip();
	}
	for (size_t c = 0; c < sizeof(cores) / sizeof(cores[0]); c++) {
		char *rel = vt_asprintf("testdata/cores/%s.core.xz", cores[c]);
		char *src = vt_source_path(rel);
		char *dir = vt_tmpdir(), *raw = vt_asprintf("%s/core", dir);
		const char *unxz[] = {xz, "-dc", src, NULL};
		const char *rd[] = {readelf, "-lW", raw, NULL};
		struct vms_map *map = open_core(cores[c], 0);
		struct vt_run r;
		size_t loads = 0;

		assert_int_equal(vt_run(unxz, NULL, &r), 0);
		assert_int_equal(r.status, 0);
		assert_int_equal(vt_write_file(raw, r.out, r.outlen), 0);
		vt_run_free(&r);
		assert_int_equal(vt_run(rd, NULL, &r), 0);
		assert_int_equal(r.status, 0);
		for (char *line = strtok(r.out, "\n"); line != NULL;
		     line = strtok(NULL, "\n")) {
			unsigned long long off, va, pa, fsz, msz;
			char flg[8] = "";
			const struct vms_region *reg;
			unsigned prot = 0;

			if (sscanf(line, " LOAD 0x%llx 0x%llx 0x%llx 0x%llx "
					 "0x%llx %7[RWE ]",
				   &off, &va, &pa, &fsz, &msz, flg) < 5)
				continue;
			loads++;
			prot = (strchr(flg, 'R') ? VMS_PROT_R : 0) |
			       (strchr(flg, 'W') ? VMS_PROT_W : 0) |
			       (strchr(flg, 'E') ? VMS_PROT_X : 0);
			reg = vms_map_find(map, va);
			if (reg == NULL || reg->start != va ||
			    reg->end - reg->start != msz)
				fail_msg("%s: LOAD at 0x%llx size 0x%llx is no "
					 "region",
					 cores[c], va, msz);
			assert_int_equal(reg->prot, prot);
			assert_int_equal(reg->data_offset, off);
			assert_int_equal(reg->data_size, fsz);
			assert_int_equal(!!(reg->flags & VMS_RF_PARTIAL),
					 fsz < msz);
		}
		assert_true(loads > 0);
		assert_int_equal(loads, map->nregions);
		vt_run_free(&r);
		vms_map_free(map);
		vt_rmtree(dir);
		free(dir);
		free(raw);
		free(src);
		free(rel);
	}
	free(readelf);
	free(xz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_against_readelf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
