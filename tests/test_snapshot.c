/*
 * test_snapshot.c - snapshots (formats/snapshot.c, vmscope-snapshot(5)),
 * safe output (src/output.c) and the snapshot command.
 *
 * Round trips from every input at hand: this process, the fixture process
 * vms_mapper, the fake procfs tree, maps built here with every field set
 * and with every field unknown, and a snapshot of a snapshot.  Each is
 * compared field by field (mapcmp.c) and through the pmap views.  Then
 * damage: every truncation length, every bit flipped, version and chunk
 * changes made by an independent re-assembler of the container
 * (snapbuild.c).
 *
 * VMS_UPDATE_SEEDS=1 rewrites the fuzz seeds in tests/fuzz/seeds/snapshot
 * (tests/fuzz/mkseeds-snapshot.sh runs it).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mapcmp.h"
#include "output.h"
#include "snapbuild.h"
#include "testutil.h"
#include "vmscope/vmscope.h"

static void *
encode(const struct vms_map *map, int header, size_t *len)
{
	struct vms_err err = {0};
	void *buf = NULL;

	if (vms_snapshot_encode(map, header, NULL, &buf, len, &err) < 0)
		fail_msg("encode: %s", err.msg);
	return buf;
}

static struct vms_map *
readback(const void *buf, size_t len, int frame, struct vms_err *err)
{
	struct vms_open_opts oo = {.frame = frame};

	return vms_open_mem(buf, len, "test.vms", &oo, err);
}

static char *
render(const struct vms_map *map, const char *view)
{
	const struct vms_view *v = vms_view_find(view);
	struct vms_view_opts vo = {0};
	char *out;

	assert_non_null(v);
	out = vt_render(v, map, &vo);
	assert_non_null(out);
	return out;
}

/*
 * What a view prints about the regions, not about the source: the pmap
 * family's lines but the first (the title), procmap's lines but the first
 * (it has no title, so one region is not compared), the entries of its
 * ddb dump, vmmap's report from its first section, and JSON's regions
 * and totals.
 */
static const char *
body(const char *view, const char *out)
{
	const char *b;

	if (strncmp(view, "vmmap", 5) == 0)
		b = strstr(out, "\n==== ");
	else if (strcmp(view, "procmap-d") == 0)
		b = strstr(out, "\n - ");
	else if (strcmp(view, "json") == 0)
		b = strstr(out, "\"regions\":");
	else
		b = strchr(out, '\n');
	assert_non_null(b);
	return b;
}

static void
views_equal(const struct vms_map *a, const struct vms_map *b)
{
	static const char *const views[] = {
		"pmap",	     "pmap-x",	  "pmap-XX",   "pmap-S",
		"pmap-d",    "procmap",	  "procmap-l", "procmap-m",
		"procmap-a", "procmap-d", "vmmap",     "vmmap-summary",
		"json",
	};

	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		char *x = render(a, views[i]), *y = render(b, views[i]);
		const char *bx = body(views[i], x), *by = body(views[i], y);
		const char *wx = strstr(bx, "\"warnings\":");
		const char *wy = strstr(by, "\"warnings\":");
		size_t nx = wx != NULL ? (size_t)(wx - bx) : strlen(bx);
		size_t ny = wy != NULL ? (size_t)(wy - by) : strlen(by);

		if (nx != ny || memcmp(bx, by, nx) != 0) {
			print_error("--- original\n%s\n+++ snapshot\n%s", x, y);
			fail_msg("view %s differs", views[i]);
		}
		free(x);
		free(y);
	}
}

static void
assert_same(const struct vms_map *a, const struct vms_map *b)
{
	char why[512];

	if (vt_map_compare(a, b, why, sizeof(why)) < 0)
		fail_msg("round trip: %s", why);
}

/* Write, read back, compare; the copy read back (freed by the caller). */
static struct vms_map *
roundtrip(const struct vms_map *map)
{
	struct vms_err err = {0};
	struct vms_map *back;
	size_t len;
	void *buf = encode(map, 1, &len);

	back = readback(buf, len, 0, &err);
	if (back == NULL)
		fail_msg("read back: %s", err.msg);
	free(buf);
	assert_same(map, back);
	views_equal(map, back);
	assert_int_equal(back->source.nframes, 1);
	assert_int_equal(back->source.damaged, 0);
	return back;
}

/* A map with every field set, as a reader would hand it over. */
static struct vms_map *
build_full(void)
{
	static const unsigned char bid[20] = {0xde, 0xad, 0xbe, 0xef, 1, 2};
	static const char *const argv[] = {"/usr/bin/prog", "--flag", "",
					   "naïve \n arg"};
	struct vms_err err = {0};
	struct vms_map *map = vms_map_new(&err);
	struct vms_thread *t;

	assert_non_null(map);
	for (int i = 0; i < 12; i++) {
		struct vms_region *r = vms_map_add(map, &err);

		assert_non_null(r);
		r->start = 0x400000 + (uint64_t)i * 0x3000 +
			   (i > 6 ? 0x7f0000000000 : 0);
		r->end = r->start + 0x1000 * (uint64_t)(1 + i % 3);
		r->has = VMS_HAS_PROT | VMS_HAS_MAXPROT | VMS_HAS_OFFSET |
			 VMS_HAS_DEVINO | VMS_HAS_VMFLAGS | VMS_HAS_SHARED |
			 VMS_HAS_THP | VMS_HAS_PKEY | VMS_HAS_DATA |
			 VMS_HAS_DELETED;
		for (int c = 0; c < VMS_C__COUNT; c++)
			assert_int_equal(
				vms_region_set(map, r, c,
					       (uint64_t)(c * 4096 + i * 1024 + 7),
					       &err),
				0);
		r->offset = (uint64_t)i * 0x1000 + (i == 3 ? 0x123 : 0);
		r->inode = 1000 + (uint64_t)i * 7;
		r->dev_major = 253;
		r->dev_minor = (uint32_t)i;
		r->vmflags = VMS_VMF(RD) | VMS_VMF(MR) | ((uint64_t)i << 5);
		r->data_offset = 0x10000 + (uint64_t)i * 0x2000;
		r->data_size = vms_region_size(r) - (i == 5 ? 1 : 0);
		r->path = i < 4 ? "/usr/lib/libx.so" : i < 6 ? "/x (y)" : NULL;
		r->name = i == 8 ? "[anon:heap arena]" : NULL;
		r->vmflags_other = i == 2 ? "zz yy" : NULL;
		if (i < 4) {
			r->build_id = bid;
			r->build_id_len = sizeof(bid);
		}
		r->label_id = i == 9 ? 77 : 0;
		r->prot = (uint8_t)(i & 7);
		r->maxprot = 7;
		r->flags = i == 5 ? VMS_RF_DELETED | VMS_RF_PARTIAL :
			   i == 6 ? VMS_RF_SHARED : 0;
		r->role = (uint8_t)(i % VMS_ROLE__COUNT);
		r->thp_eligible = (int8_t)(i & 1);
		r->pkey = (int8_t)(i == 7 ? -1 : 0);
	}
	map->regions[10].label = VMS_LABEL_SYSV_SHM;
	map->has = VMS_P_PAGE_SIZE | VMS_P_CAPTURE_TIME;
	map->page_size = 16384;
	map->proc.has = VMS_P_PID | VMS_P_PPID | VMS_P_UID | VMS_P_GID |
			VMS_P_FAULT | VMS_P_FAULT_ADDR | VMS_P_FAULT_TID;
	map->proc.pid = 4242;
	map->proc.ppid = 1;
	map->proc.uid = -2;
	map->proc.gid = 0;
	map->proc.comm = "prog";
	map->proc.exe = "/usr/bin/prog";
	map->proc.argv = (const char **)argv;
	map->proc.argc = 4;
	map->proc.state = 'S';
	map->proc.signo = 11;
	map->proc.sigcode = -6;
	map->proc.fault_addr = 0x401010;
	map->proc.fault_tid = 4243;
	map->arch = (struct vms_arch){183, 64, 1, "aarch64"};
	map->source.kind = VMS_SOURCE_ELF_CORE;
	map->source.name = "core.4242";
	map->source.format = "elf+zstd";
	map->source.host = "build-host";
	map->source.kernel = "6.1.0-test";
	map->source.boot_id = "0f1e2d3c-0000-4000-8000-000000000000";
	map->source.capture_sec = -5;
	map->source.capture_nsec = 999999999;
	for (int i = 0; i < 3; i++) {
		t = vms_map_add_thread(map, &err);
		assert_non_null(t);
		t->tid = 4242 + (uint64_t)i * 3;
		t->has = i == 2 ? 0 : VMS_THR_HAS_SP | VMS_THR_HAS_PC;
		t->sp = 0x7f0000412000 - (uint64_t)i;
		t->pc = 0x401000;
		t->signo = i == 1 ? 11 : 0;
		t->name = i == 1 ? "worker" : NULL;
	}
	map->auxv = calloc(3, sizeof(*map->auxv));
	assert_non_null(map->auxv);
	map->auxv[0] = (struct vms_auxv){6, 16384};
	map->auxv[1] = (struct vms_auxv){33, 0x7fff12340000};
	map->auxv[2] = (struct vms_auxv){UINT64_MAX, UINT64_MAX};
	map->nauxv = 3;
	assert_int_equal(vms_map_warn(map, "a note on %s", "the source"), 0);
	assert_int_equal(vms_map_finish(map, &err), 0);
	return map;
}

/* The least a map can be: ranges, nothing else known. */
static struct vms_map *
build_unknown(void)
{
	struct vms_err err = {0};
	struct vms_map *map = vms_map_new(&err);

	assert_non_null(map);
	for (int i = 0; i < 5; i++) {
		struct vms_region *r = vms_map_add(map, &err);

		assert_non_null(r);
		r->start = UINT64_C(0xffff800000000000) + (uint64_t)i * 0x10001;
		r->end = r->start + 0x10000;
	}
	map->source.kind = VMS_SOURCE_MACHO_CORE;
	assert_int_equal(vms_map_finish(map, &err), 0);
	return map;
}

static void
test_roundtrip_built(void **state)
{
	struct vms_map *full = build_full(), *none = build_unknown();
	struct vms_map *back, *again;

	(void)state;
	back = roundtrip(full);
	assert_string_equal(back->source.format, "snapshot");
	assert_int_equal(back->source.frame, 1);
	/* A snapshot of a snapshot still names the core it came from. */
	again = roundtrip(back);
	assert_same(full, again);
	assert_int_equal(again->source.from_kind, VMS_SOURCE_ELF_CORE);
	assert_string_equal(again->source.from_name, "core.4242");
	vms_map_free(again);
	vms_map_free(back);
	back = roundtrip(none);
	assert_int_equal(back->regions[0].has, 0);
	assert_null(back->proc.comm);
	vms_map_free(back);
	vms_map_free(full);
	vms_map_free(none);
}

static void
test_roundtrip_procfs(void **state)
{
	static const char *const targets[] = {"4242", "4343"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct vms_err err = {0};
		struct vms_map *map =
			vt_tree_open("testdata/procfs/golden", targets[i],
				     VMS_OPEN_COUNTERS, &err);

		if (map == NULL)
			fail_msg("%s: %s", targets[i], err.msg);
		vms_map_free(roundtrip(map));
		vms_map_free(map);
	}
}

/* Our own build-id, from the note the loader mapped (dl_iterate_phdr). */
struct selfid {
	unsigned char id[64];
	size_t len;
};

static int
self_note(struct dl_phdr_info *info, size_t size, void *data)
{
	struct selfid *s = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum && s->len == 0; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const unsigned char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (end - p >= 12) {
			const ElfW(Nhdr) *nh = (const void *)p;
			size_t nsz = (nh->n_namesz + 3u) & ~3u;
			size_t dsz = (nh->n_descsz + 3u) & ~3u;

			if (nh->n_type == NT_GNU_BUILD_ID &&
			    nh->n_namesz == 4 && nh->n_descsz <= 64) {
				memcpy(s->id, p + 12 + nsz, nh->n_descsz);
				s->len = nh->n_descsz;
				break;
			}
			p += 12 + nsz + dsz;
		}
	}
	return 1; /* the main program comes first */
}

static void
test_roundtrip_live(void **state)
{
	struct vms_open_opts oo = {.flags = VMS_OPEN_COUNTERS |
					    VMS_OPEN_BUILDIDS};
	struct vms_err err = {0};
	struct vt_fixture fx;
	struct vms_map *map;
	uint64_t pid;

	(void)state;
	map = vms_open("self", &oo, &err);
	if (map == NULL)
		fail_msg("self: %s", err.msg);
	assert_true(map->nthreads > 0 && map->nauxv > 0);
	{
		const struct vms_region *r = vms_map_find(
			map, (uint64_t)(uintptr_t)&test_roundtrip_live);
		struct selfid want = {{0}, 0};

		dl_iterate_phdr(self_note, &want);
		assert_non_null(r);
		assert_non_null(r->build_id);
		assert_true(want.len > 0);
		assert_int_equal(r->build_id_len, want.len);
		assert_memory_equal(r->build_id, want.id, want.len);
	}
	vms_map_free(roundtrip(map));
	vms_map_free(map);

	assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	map = vms_open_pid((int64_t)pid, &oo, &err);
	if (map == NULL)
		fail_msg("mapper: %s", err.msg);
	assert_true(map->nthreads >= 3);
	vms_map_free(roundtrip(map));
	vms_map_free(map);
	assert_int_equal(vt_fixture_stop(&fx), 0);
}

/* Frame A (full), then frame B (unknown) appended. */
static unsigned char *
two_frames(size_t *enda, size_t *total)
{
	struct vms_map *a = build_full(), *b = build_unknown();
	size_t la, lb;
	unsigned char *fa = encode(a, 1, &la), *fb = encode(b, 0, &lb);
	unsigned char *buf = malloc(la + lb);

	assert_non_null(buf);
	memcpy(buf, fa, la);
	memcpy(buf + la, fb, lb);
	free(fa);
	free(fb);
	vms_map_free(a);
	vms_map_free(b);
	*enda = la;
	*total = la + lb;
	return buf;
}

static int
has_warning(const struct vms_map *m, const char *s)
{
	for (size_t i = 0; i < m->nwarnings; i++)
		if (strstr(m->warnings[i], s) != NULL)
			return 1;
	return 0;
}

static void
test_frames(void **state)
{
	struct vms_map *a = build_full(), *b = build_unknown(), *m;
	struct vms_snapshot_info info;
	struct vms_err err = {0};
	size_t enda, total;
	unsigned char *buf = two_frames(&enda, &total);

	(void)state;
	m = readback(buf, total, 0, &err);
	assert_non_null(m);
	assert_same(b, m);
	assert_int_equal(m->source.frame, 2);
	assert_int_equal(m->source.nframes, 2);
	vms_map_free(m);
	m = readback(buf, total, 1, &err);
	assert_non_null(m);
	assert_same(a, m);
	assert_int_equal(m->source.frame, 1);
	vms_map_free(m);
	assert_null(readback(buf, total, 3, &err));
	assert_int_equal(err.code, VMS_E_INVAL);
	assert_int_equal(vms_snapshot_verify_mem(buf, total, "t", &info, &err),
			 0);
	assert_int_equal(info.nframes, 2);
	assert_int_equal(info.damaged, 0);
	assert_int_equal(info.nregions, b->nregions);
	assert_int_equal(info.good_end, total);
	free(buf);
	vms_map_free(a);
	vms_map_free(b);
}

static void
test_truncation(void **state)
{
	struct vms_map *a = build_full(), *b = build_unknown(), *m;
	size_t enda, total;
	unsigned char *buf = two_frames(&enda, &total);

	(void)state;
	for (size_t len = 0; len <= total; len++) {
		struct vms_snapshot_info info;
		struct vms_err err = {0};
		unsigned char *copy = malloc(len ? len : 1);
		int v;

		/* An exact-size copy, so ASan sees any read past the end. */
		memcpy(copy, buf, len);
		m = readback(copy, len, 0, &err);
		v = vms_snapshot_verify_mem(copy, len, "t", &info, &err);
		if (len < enda) {
			assert_null(m);
			assert_int_equal(v, -1);
		} else if (len < total) {
			if (m == NULL)
				fail_msg("length %zu: %s", len, err.msg);
			assert_same(a, m);
			assert_int_equal(m->source.nframes, 1);
			assert_int_equal(m->source.damaged, len > enda);
			assert_int_equal(
				has_warning(m, "truncated after frame 1"),
				len > enda);
			assert_int_equal(v, 0);
			assert_int_equal(info.nframes, 1);
			assert_int_equal(info.damaged, len > enda);
		} else {
			assert_non_null(m);
			assert_same(b, m);
			assert_int_equal(m->source.damaged, 0);
		}
		vms_map_free(m);
		free(copy);
	}
	free(buf);
	vms_map_free(a);
	vms_map_free(b);
}

static void
test_reassembled_is_identical(void **state)
{
	struct vms_map *a = build_full();
	struct vt_chunk c[16];
	size_t len, jlen, n;
	unsigned char *buf = encode(a, 1, &len), *j;

	(void)state;
	n = vt_snap_split(buf, len, c, 16);
	assert_int_equal(n, 6);
	j = vt_snap_join(1, VMS_SNAP_MINOR, c, n, &jlen);
	/* The spec and the library agree to the byte. */
	assert_int_equal(jlen, len);
	assert_memory_equal(j, buf, len);
	vt_chunks_free(c, n);
	free(j);
	free(buf);
	vms_map_free(a);
}

static void
test_versions(void **state)
{
	struct vms_map *a = build_full(), *m;
	struct vms_snapshot_info info;
	struct vms_err err = {0};
	struct vt_chunk c[16], x[17];
	size_t len, jlen, n;
	unsigned char *buf = encode(a, 1, &len), *j;
	unsigned char junk[300];

	(void)state;
	n = vt_snap_split(buf, len, c, 16);
	assert_true(n <= 16);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7);

	/* A newer major is refused, saying so. */
	j = vt_snap_join(2, 0, c, n, &jlen);
	assert_null(readback(j, jlen, 0, &err));
	assert_int_equal(err.code, VMS_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "newer"));
	free(j);

	/* A newer minor with an unknown skippable chunk is read. */
	memcpy(x, c, n * sizeof(*c));
	x[n] = x[n - 1];
	/* XTRA */
	x[n - 1] = vt_chunk_make(0x41525458u, 0, junk, sizeof(junk), 1);
	j = vt_snap_join(1, 7, x, n + 1, &jlen);
	m = readback(j, jlen, 0, &err);
	if (m == NULL)
		fail_msg("minor 7: %s", err.msg);
	assert_same(a, m);
	vms_map_free(m);
	assert_int_equal(vms_snapshot_verify_mem(j, jlen, "t", &info, &err),
			 0);
	assert_int_equal(info.nskipped, 1);
	assert_int_equal(info.minor, 7);
	free(j);

	/* The same chunk marked critical stops the reader. */
	x[n - 1].flags = 1;
	j = vt_snap_join(1, 7, x, n + 1, &jlen);
	assert_null(readback(j, jlen, 0, &err));
	assert_int_equal(err.code, VMS_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "XTRA"));
	free(j);
	free(x[n - 1].stored);

	/* A known chunk grown at its end: fine from a newer minor only. */
	for (size_t i = 0; i < n; i++) {
		unsigned char *raw;
		size_t rl = c[i].raw;
		struct vt_chunk save = c[i];

		if (c[i].type != VT_CHUNK_PROC)
			continue;
		raw = vt_chunk_inflate(&c[i]);
		assert_non_null(raw);
		raw = realloc(raw, rl + 5);
		assert_non_null(raw);
		memcpy(raw + rl, "\x01\x02\x03\x04\x05", 5);
		c[i] = vt_chunk_make(save.type, save.flags, raw, rl + 5, 1);
		j = vt_snap_join(1, VMS_SNAP_MINOR + 1, c, n, &jlen);
		m = readback(j, jlen, 0, &err);
		assert_non_null(m);
		assert_same(a, m);
		vms_map_free(m);
		free(j);
		j = vt_snap_join(1, VMS_SNAP_MINOR, c, n, &jlen);
		assert_null(readback(j, jlen, 0, &err));
		assert_int_equal(err.code, VMS_E_CORRUPT);
		free(j);
		free(c[i].stored);
		c[i] = save;
		free(raw);
	}

	/* Lengths that lie: more than deflate can give, or wrong. */
	for (size_t i = 0; i < n; i++) {
		uint32_t raw = c[i].raw;

		c[i].raw = (uint32_t)(c[i].slen * 1100);
		j = vt_snap_join(1, 0, c, n, &jlen);
		assert_null(readback(j, jlen, 0, &err));
		free(j);
		c[i].raw = raw + 1;
		j = vt_snap_join(1, 0, c, n, &jlen);
		assert_null(readback(j, jlen, 0, &err));
		assert_int_equal(err.code, VMS_E_CORRUPT);
		free(j);
		c[i].raw = raw;
	}
	/* Known chunks are needed, and only once each. */
	j = vt_snap_join(1, 0, c + 1, n - 1, &jlen);
	assert_null(readback(j, jlen, 0, &err));
	free(j);
	memcpy(x, c, n * sizeof(*c));
	x[n] = c[2];
	j = vt_snap_join(1, 0, x, n + 1, &jlen);
	assert_null(readback(j, jlen, 0, &err));
	assert_non_null(strstr(err.msg, "two"));
	free(j);

	vt_chunks_free(c, n);
	free(buf);
	vms_map_free(a);
}

/* Where the END chunk's stored payload lies in a one-frame file. */
static void
end_payload(const unsigned char *buf, size_t len, size_t *lo, size_t *hi)
{
	size_t off = 16;

	while (off + 24 <= len && vt_le32_get(buf + off) != VT_CHUNK_END)
		off += 24 + vt_le32_get(buf + off + 8);
	*lo = off + 24;
	*hi = *lo + vt_le32_get(buf + off + 8);
}

static void
test_bit_flips(void **state)
{
	struct vms_map *a = build_full(), *b = build_unknown(), *m;
	size_t len, lo, hi, enda, total;
	unsigned char *buf = encode(a, 1, &len);
	struct vms_err err = {0};

	(void)state;
	end_payload(buf, len, &lo, &hi);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (unsigned char)(1u << bit);
			m = readback(buf, len, 0, &err);
			buf[i] ^= (unsigned char)(1u << bit);
			if (m == NULL)
				continue;
			/*
			 * Only the padding bits of END's own deflate stream
			 * carry nothing, and then nothing changed.
			 */
			if (i < lo || i >= hi)
				fail_msg("flip of bit %d at %zu not detected",
					 bit, i);
			assert_same(a, m);
			vms_map_free(m);
		}
	}
	free(buf);
	/* Damage in frame 2 leaves frame 1 readable. */
	buf = two_frames(&enda, &total);
	for (size_t i = enda; i < total; i += 7) {
		buf[i] ^= 0x10;
		m = readback(buf, total, 0, &err);
		buf[i] ^= 0x10;
		assert_non_null(m);
		if (m->source.nframes == 1) {
			assert_same(a, m);
			assert_true(m->source.damaged);
		} else {
			assert_same(b, m);
		}
		vms_map_free(m);
	}
	free(buf);
	vms_map_free(a);
	vms_map_free(b);
}

static void
test_not_a_snapshot(void **state)
{
	static const unsigned char mangled[16] = {0x89, 'V', 'M', 'S', '\n',
						  0x1a, '\n'};
	struct vms_map *a = build_full();
	struct vms_err err = {0};
	size_t len;
	unsigned char *buf = encode(a, 1, &len);

	(void)state;
	/* A transfer that turned CR LF into LF. */
	memcpy(buf, mangled, sizeof(mangled));
	assert_null(readback(buf, len, 0, &err));
	assert_int_equal(err.code, VMS_E_CORRUPT);
	assert_non_null(strstr(err.msg, "mangled"));
	assert_null(readback(buf, 16, 0, &err));
	free(buf);
	vms_map_free(a);
}

/* Output safety: a fresh directory per test. */
static char *
entries(const char *dir)
{
	char *cmd = vt_asprintf("/bin/ls -A %s", dir);
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct vt_run r;
	char *out;

	assert_int_equal(vt_run(argv, NULL, &r), 0);
	out = strdup(r.out);
	vt_run_free(&r);
	free(cmd);
	return out;
}

static void
assert_file(const char *path, const char *want)
{
	char *got = vt_read_file(path, NULL);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_output_safety(void **state)
{
	char *dir = vt_tmpdir(), *path, *link, *other, *ls;
	struct vms_err err = {0};
	struct vms_out o;
	struct stat st;
	mode_t old;

	(void)state;
	assert_non_null(dir);
	path = vt_asprintf("%s/out.vms", dir);
	link = vt_asprintf("%s/link.vms", dir);
	other = vt_asprintf("%s/other", dir);

	/* umask 022 or 0: still 0600. */
	old = umask(0);
	assert_int_equal(vms_out_open(&o, path, 0, &err), 0);
	assert_int_equal(write(o.fd, "one", 3), 3);
	assert_int_equal(vms_out_publish(&o, &err), 0);
	vms_out_close(&o);
	umask(old);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* An existing file: refused, or replaced with --force. */
	assert_int_equal(vms_out_open(&o, path, 0, &err), -1);
	assert_non_null(strstr(err.msg, "exists"));
	old = umask(022);
	assert_int_equal(vms_out_open(&o, path, VMS_OUT_FORCE, &err), 0);
	assert_int_equal(write(o.fd, "two", 3), 3);
	assert_int_equal(vms_out_publish(&o, &err), 0);
	vms_out_close(&o);
	umask(old);
	assert_file(path, "two");
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* A symbolic link: refused even with --force, its target intact. */
	assert_int_equal(vt_write_file(other, "keep", 4), 0);
	assert_int_equal(symlink(other, link), 0);
	assert_int_equal(vms_out_open(&o, link, VMS_OUT_FORCE, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_file(other, "keep");

	/* A failure before publishing leaves nothing. */
	unlink(link);
	unlink(other);
	unlink(path);
	assert_int_equal(vms_out_open(&o, path, 0, &err), 0);
	assert_int_equal(write(o.fd, "partial", 7), 7);
	vms_out_close(&o);
	ls = entries(dir);
	assert_string_equal(ls, "");
	free(ls);

	/* A name that appears meanwhile is not overwritten. */
	assert_int_equal(vms_out_open(&o, path, 0, &err), 0);
	assert_int_equal(vt_write_file(path, "theirs", 6), 0);
	assert_int_equal(vms_out_publish(&o, &err), -1);
	vms_out_close(&o);
	assert_file(path, "theirs");
	ls = entries(dir);
	assert_string_equal(ls, "out.vms\n");
	free(ls);
	unlink(path);

	/* A directory anyone may write to needs the sticky bit. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(vms_out_open(&o, path, 0, &err), -1);
	assert_non_null(strstr(err.msg, "sticky"));
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(vms_out_open(&o, path, 0, &err), 0);
	vms_out_close(&o);
	assert_int_equal(chmod(dir, 0700), 0);

	assert_int_equal(vt_rmtree(dir), 0);
	free(path);
	free(link);
	free(other);
	free(dir);
}

/* The command. */
static int
run(struct vt_run *r, const char *a1, const char *a2, const char *a3,
    const char *a4, const char *a5)
{
	char *v = vt_vmscope_path();
	const char *argv[] = {v, a1, a2, a3, a4, a5, NULL};
	int rc = vt_run(argv, NULL, r);

	free(v);
	return rc;
}

static void
test_cli(void **state)
{
	char *dir = vt_tmpdir(), *file, *cut, *junk, *pidstr, *data;
	struct vt_fixture fx;
	struct vt_run r, l;
	struct stat st;
	uint64_t pid;
	size_t len;

	(void)state;
	assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	pidstr = vt_asprintf("%llu", (unsigned long long)pid);
	file = vt_asprintf("%s/m.vms", dir);
	cut = vt_asprintf("%s/cut.vms", dir);
	junk = vt_asprintf("%s/junk.vms", dir);

	assert_int_equal(run(&r, "snapshot", "-o", file, pidstr, NULL), 0);
	assert_int_equal(r.status, 0);
	vt_run_free(&r);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The view of the file is the view of the process. */
	assert_int_equal(run(&r, "-x", file, NULL, NULL, NULL), 0);
	assert_int_equal(run(&l, "-x", pidstr, NULL, NULL, NULL), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(strchr(r.out, '\n'), strchr(l.out, '\n'));
	vt_run_free(&r);
	vt_run_free(&l);

	assert_int_equal(run(&r, "snapshot", "-o", file, pidstr, NULL), 0);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "exists"));
	vt_run_free(&r);
	assert_int_equal(run(&r, "snapshot", "-f", "-o", file, pidstr), 0);
	assert_int_equal(r.status, 0);
	vt_run_free(&r);

	/* --verify: 0 whole, 3 recovered in part, 1 unreadable. */
	assert_int_equal(run(&r, "snapshot", "--verify", file, NULL, NULL), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "1 frame,"));
	vt_run_free(&r);
	data = vt_read_file(file, &len);
	assert_int_equal(vt_write_file(cut, data, len + 0), 0);
	assert_int_equal(vt_write_file(junk, data, 20), 0);
	{
		/* Frame 1, then half of a frame 2. */
		FILE *f = fopen(cut, "a");

		fwrite(data + 16, 1, (len - 16) / 2, f);
		fclose(f);
	}
	assert_int_equal(run(&r, "snapshot", "--verify", cut, NULL, NULL), 0);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "truncated after frame 1"));
	vt_run_free(&r);
	assert_int_equal(run(&r, "-x", cut, NULL, NULL, NULL), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "truncated after frame 1"));
	vt_run_free(&r);
	assert_int_equal(run(&r, "snapshot", "--verify", junk, NULL, NULL), 0);
	assert_int_equal(r.status, 1);
	vt_run_free(&r);
	free(data);

	/* The default name, in the current directory. */
	{
		char *v = vt_vmscope_path();
		char *cmd = vt_asprintf("cd %s && %s snapshot %s && ls", dir,
					v, pidstr);
		const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
		char *want = vt_asprintf("vms_mapper.%s.", pidstr);

		assert_int_equal(vt_run(argv, NULL, &r), 0);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, want));
		vt_run_free(&r);
		free(want);
		free(cmd);
		free(v);
	}
	assert_int_equal(vt_fixture_stop(&fx), 0);
	assert_int_equal(vt_rmtree(dir), 0);
	free(pidstr);
	free(file);
	free(cut);
	free(junk);
	free(dir);
}

/* A series stopped by SIGINT leaves a valid file of whole frames. */
static void
test_series_sigint(void **state)
{
	char *dir = vt_tmpdir(), *file, *v = vt_vmscope_path(), *pidstr;
	struct vms_snapshot_info info;
	struct vms_err err = {0};
	struct vt_fixture fx;
	struct vms_map *m;
	uint64_t pid;
	pid_t child;
	int status;

	(void)state;
	assert_int_equal(vt_fixture_start(&fx, "mapper", NULL), 0);
	assert_int_equal(vt_fact_u64(&fx, "pid", 0, &pid), 0);
	pidstr = vt_asprintf("%llu", (unsigned long long)pid);
	file = vt_asprintf("%s/series.vms", dir);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		execl(v, v, "snapshot", "--interval", "50ms", "-o", file,
		      pidstr, (char *)NULL);
		_exit(127);
	}
	/* Wait for three frames, at most 20 s. */
	for (int i = 0; i < 400; i++) {
		struct timespec ts = {0, 50000000};

		if (vms_snapshot_verify(file, &info, &err) == 0 &&
		    info.nframes >= 3)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(kill(child, SIGINT), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(vms_snapshot_verify(file, &info, &err), 0);
	assert_true(info.nframes >= 3);
	assert_int_equal(info.damaged, 0);
	m = vms_open(file, NULL, &err);
	assert_non_null(m);
	assert_int_equal(m->source.frame, info.nframes);
	assert_int_equal(m->proc.pid, (int64_t)pid);
	vms_map_free(m);
	assert_int_equal(vt_fixture_stop(&fx), 0);
	assert_int_equal(vt_rmtree(dir), 0);
	free(pidstr);
	free(file);
	free(dir);
	free(v);
}

/*
 * The chunks of a snapshot as fuzz_snapshot's wrapped input: 'W', then
 * per chunk a type index, a 16-bit length and the raw bytes.
 */
static void
wrapped_seed(const unsigned char *buf, size_t len, const char *dir,
	     const char *name)
{
	/* fuzz_snapshot's list; 6 and 7 are none of ours, and END. */
	static const uint32_t types[] = {0x53525453u, 0x434f5250u,
					 0x4e474552u, 0x44524854u,
					 0x56585541u, 0x4e524157u,
					 0, 0, 0x45474150u, 0x544e4f43u};
	struct vt_chunk c[64];
	size_t n, wl = 1;
	unsigned char *w;
	char *path;

	n = vt_snap_split(buf, len, c, 64);
	assert_true(n <= 64);
	for (size_t i = 0; i < n; i++)
		wl += 3 + c[i].raw;
	w = malloc(wl);
	assert_non_null(w);
	w[0] = 'W';
	wl = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char *raw = vt_chunk_inflate(&c[i]);
		unsigned k = 0;

		while (k < 10 && types[k] != c[i].type)
			k++;
		assert_true(k < 10 && c[i].raw < 65536);
		assert_non_null(raw);
		w[wl] = (unsigned char)k;
		w[wl + 1] = (unsigned char)c[i].raw;
		w[wl + 2] = (unsigned char)(c[i].raw >> 8);
		memcpy(w + wl + 3, raw, c[i].raw);
		wl += 3 + c[i].raw;
		free(raw);
	}
	vt_chunks_free(c, n);
	path = vt_asprintf("%s/%s", dir, name);
	assert_int_equal(vt_write_file(path, w, wl), 0);
	free(path);
	free(w);
}

/*
 * A snapshot of the committed core with all the bytes it holds: CONT
 * chunks for the fuzzers' pull of contents.
 */
static unsigned char *
core_contents(size_t *len)
{
	char *xz = vt_source_path("testdata/cores/x86_64.core.xz");
	struct vms_snapshot_opts so = {0};
	struct vms_err err = {0};
	struct vms_map *map = vms_open(xz, NULL, &err);
	void *buf = NULL;

	assert_non_null(map);
	/* Nothing of this machine in a committed file: not its path. */
	map->source.name = "x86_64.core.xz";
	so.contents = vms_contents_open(map, xz, NULL, "all", &err);
	assert_non_null(so.contents);
	assert_int_equal(vms_snapshot_encode(map, 1, &so, &buf, len, &err),
			 0);
	vms_contents_close(so.contents);
	vms_map_free(map);
	free(xz);
	return buf;
}

/* The fuzz seeds: made here, from maps built here, on request. */
static void
test_seeds(void **state)
{
	struct vms_map *maps[2] = {build_full(), build_unknown()};
	char *dir = vt_source_path("tests/fuzz/seeds/snapshot");
	size_t enda, total;
	unsigned char *two = two_frames(&enda, &total);

	(void)state;
	if (getenv("VMS_UPDATE_SEEDS") != NULL) {
		for (int i = 0; i < 2; i++) {
			size_t len;
			void *buf = encode(maps[i], 1, &len);
			char *p = vt_asprintf("%s/%s.vms", dir,
					      i ? "unknown" : "full");

			assert_int_equal(vt_write_file(p, buf, len), 0);
			free(p);
			free(buf);
		}
		{
			char *p = vt_asprintf("%s/two-frames.vms", dir);

			assert_int_equal(vt_write_file(p, two, total), 0);
			free(p);
		}
		{
			size_t len;
			unsigned char *buf = encode(maps[0], 1, &len);
			char *p;

			wrapped_seed(buf, len, dir, "wrapped-full");
			free(buf);
			buf = core_contents(&len);
			wrapped_seed(buf, len, dir, "wrapped-contents");
			p = vt_asprintf("%s/contents.vms", dir);
			assert_int_equal(vt_write_file(p, buf, len), 0);
			free(p);
			free(buf);
		}
	}
	free(two);
	free(dir);
	vms_map_free(maps[0]);
	vms_map_free(maps[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_built),
		cmocka_unit_test(test_roundtrip_procfs),
		cmocka_unit_test(test_roundtrip_live),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_reassembled_is_identical),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_not_a_snapshot),
		cmocka_unit_test(test_output_safety),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_series_sigint),
		cmocka_unit_test(test_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
