/*
 * mkmaps: create N distinct mappings for the benchmark in bench/live.sh,
 * print "ready PID" and wait until stdin closes or a signal arrives.
 *
 * Adjacent VMAs never merge, because each differs from its neighbours
 * in protection or backing (see mm/vma.c, is_mergeable_vma()):
 *
 *   i % 4 == 0   anonymous rw-p, 1-4 pages, about half of them touched
 *   i % 4 == 1   anonymous r--p, touched while writable, then mprotect()ed
 *   i % 4 == 2   anonymous rw-p, like 0
 *   i % 4 == 3   this program's own file, private; read-only (page cache:
 *                Rss but no Anon) or, every other time, written (COW: Anon)
 *
 * All of it lives in one reserved PROT_NONE range that is filled exactly,
 * so the process has N + (its ~25 usual) mappings and no stray gaps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Room for the process's own mappings (ELF segments, libc, stack, vdso). */
#define SLACK 128

static long
max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Deterministic sizes and touch patterns, the same for every run. */
static uint32_t
next(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 16;
}

int
main(int argc, char **argv)
{
	long n, limit, psz, fpages, i;
	char *end, *base, *p, buf[64];
	size_t total, npg;
	uint32_t seed = 12345;
	unsigned char *sizes = NULL;
	struct stat st;
	volatile char sink = 0;
	int fd = -1, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: mkmaps N\n");
		return 2;
	}
	errno = 0;
	n = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || n < 1) {
		fprintf(stderr, "mkmaps: %s: not a positive number\n", argv[1]);
		return 2;
	}
	limit = max_map_count();
	if (limit < 0) {
		fprintf(stderr, "mkmaps: cannot read vm.max_map_count\n");
		return 1;
	}
	if (n > limit - SLACK) {
		fprintf(stderr,
			"mkmaps: %ld mappings is too many: vm.max_map_count is "
			"%ld and the process needs about %d of its own; use at "
			"most %ld or raise the limit (sysctl "
			"vm.max_map_count)\n",
			n, limit, SLACK, limit - SLACK);
		return 2;
	}

	psz = sysconf(_SC_PAGESIZE);
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror("mkmaps: /proc/self/exe");
		goto out;
	}
	fpages = (long)(st.st_size / psz);
	if (fpages < 1) {
		fprintf(stderr, "mkmaps: own executable is under a page\n");
		goto out;
	}

	sizes = malloc((size_t)n);
	if (sizes == NULL) {
		perror("mkmaps: malloc");
		goto out;
	}
	total = 0;
	for (i = 0; i < n; i++) {
		sizes[i] =
			(unsigned char)(i % 4 == 3 ? 1 : 1 + next(&seed) % 4);
		total += sizes[i];
	}
	base = mmap(NULL, total * (size_t)psz, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		perror("mkmaps: reserving the range");
		goto out;
	}

	p = base;
	for (i = 0; i < n; i++) {
		npg = sizes[i];
		if (i % 4 == 3) {
			int wr = (i / 4) % 2;
			off_t off = (off_t)((i / 4) % fpages) * psz;

			if (mmap(p, (size_t)psz,
				 PROT_READ | (wr ? PROT_WRITE : 0),
				 MAP_PRIVATE | MAP_FIXED, fd,
				 off) == MAP_FAILED) {
				fprintf(stderr, "mkmaps: mapping %ld: %s\n", i,
					strerror(errno));
				goto out;
			}
			if (wr)
				p[0] = 1;
			else
				sink += p[0];
		} else {
			size_t k;

			if (mmap(p, npg * (size_t)psz, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
				 0) == MAP_FAILED) {
				fprintf(stderr, "mkmaps: mapping %ld: %s\n", i,
					strerror(errno));
				goto out;
			}
			/* The first page always, the rest half the time. */
			for (k = 0; k < npg; k++)
				if (k == 0 || next(&seed) % 2)
					p[k * (size_t)psz] = (char)k;
			if (i % 4 == 1 &&
			    mprotect(p, npg * (size_t)psz, PROT_READ) != 0) {
				fprintf(stderr, "mkmaps: mprotect %ld: %s\n", i,
					strerror(errno));
				goto out;
			}
		}
		p += npg * (size_t)psz;
	}
	(void)sink;

	printf("ready %ld\n", (long)getpid());
	if (fflush(stdout) != 0) {
		perror("mkmaps: stdout");
		goto out;
	}
	/* Hold the mappings until whoever started us closes our stdin. */
	while (read(STDIN_FILENO, buf, sizeof buf) > 0)
		;
	ret = 0;
out:
	free(sizes);
	if (fd >= 0)
		close(fd);
	return ret;
}
