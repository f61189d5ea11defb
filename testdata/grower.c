/*
 * grower.c - a process that changes in known ways, for the diff tests
 * (tests/test_diff.c).
 *
 *   vms_grower DIR [BYTES]
 *
 * It prints "pid PID", "page_size N" and "ready", then reads lines from
 * its standard input.  For each line "grow" it loads libz.so.1 with
 * dlopen() (once), then extends its heap with sbrk() by BYTES (default
 * 8 MiB, rounded up to pages) and touches every new page, and writes
 * "grown TOTAL" (all bytes added so far) to DIR/grown, made whole by a
 * rename.  At the end of its input it exits 0; any failure is exit 1
 * with a message on stderr.
 *
 * dlopen() goes first and malloc keeps a large top pad from the start,
 * so that the loader's own allocations do not move the break: the heap
 * grows by exactly what sbrk() was asked for.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "vms_grower: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
report(const char *dir, size_t total)
{
	char tmp[4096], path[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/grown.tmp", dir);
	snprintf(path, sizeof(path), "%s/grown", dir);
	f = fopen(tmp, "w");
	if (f == NULL)
		die(tmp);
	fprintf(f, "grown %zu\n", total);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die(path);
}

int
main(int argc, char **argv)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), step = 8u << 20;
	size_t total = 0;
	void *lib = NULL;
	char line[64];

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: vms_grower DIR [BYTES]\n");
		return 1;
	}
	if (argc == 3)
		step = strtoul(argv[2], NULL, 0);
	step = (step + page - 1) / page * page;
	mallopt(M_TOP_PAD, 1 << 20);
	free(malloc(64));
	printf("pid %d\npage_size %zu\nready\n", (int)getpid(), page);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *p;

		if (strcmp(line, "grow\n") != 0)
			continue;
		if (lib == NULL &&
		    (lib = dlopen("libz.so.1", RTLD_NOW)) == NULL) {
			fprintf(stderr, "vms_grower: %s\n", dlerror());
			return 1;
		}
		p = sbrk((intptr_t)step);
		if (p == (void *)-1)
			die("sbrk");
		for (size_t i = 0; i < step; i += page)
			p[i] = 1;
		total += step;
		report(argv[1], total);
	}
	return 0;
}
