/*
 * coreprog.c - a process to dump: a heap, a mapped file, a guard page and
 * N threads, then either waits (for gcore) or crashes (for a kernel or
 * qemu-user core).
 *
 * usage: coreprog wait|crash NTHREADS
 *
 * It writes "pid.txt" and, before crashing, a copy of /proc/self/maps as
 * "maps.txt" in its working directory, and on stdout "pid N" and "ready"
 * once set up.  The crash is a store to FAULT_ADDR, which nothing maps.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FAULT_ADDR 0x1234

static void *
idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void
copy_maps(void)
{
	char buf[4096];
	ssize_t n;
	int in = open("/proc/self/maps", O_RDONLY);
	int out = open("maps.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

int
main(int argc, char **argv)
{
	static char page[65536];
	unsigned char *heap, *guard;
	pthread_t t;
	long ps = sysconf(_SC_PAGESIZE);
	int fd, n, i;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: coreprog wait|crash NTHREADS\n");
		return 2;
	}
	n = atoi(argv[2]);
	heap = malloc(1 << 20);
	if (heap == NULL)
		return 1;
	memset(heap, 0x5a, 1 << 20);
	memset(page, 'f', sizeof(page));
	fd = open("mapped.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
		return 1;
	if (mmap(NULL, sizeof(page), PROT_READ, MAP_PRIVATE, fd, 0) ==
	    MAP_FAILED)
		return 1;
	/* Three pages; the first is made a guard below the other two. */
	guard = mmap(NULL, 3 * (size_t)ps, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED || mprotect(guard, (size_t)ps, PROT_NONE) < 0)
		return 1;
	memset(guard + ps, 1, 2 * (size_t)ps);
	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, idle, NULL) != 0)
			return 1;
	f = fopen("pid.txt", "w");
	if (f == NULL)
		return 1;
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	printf("pid %ld\nready\n", (long)getpid());
	fflush(stdout);
	if (strcmp(argv[1], "crash") == 0) {
		copy_maps();
		*(volatile int *)(uintptr_t)FAULT_ADDR = 1;
	}
	for (;;)
		pause();
}
