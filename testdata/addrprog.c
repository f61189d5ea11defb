/*
 * addrprog.c - a process whose addresses tests/test_addr.c looks up.
 * Built with -g -O1 so that DWARF has line tables and an inlined call.
 *
 *   vms_addrprog DIR
 *
 * It prints its facts on stdout, one "KEY 0xADDR" line each, then
 * "ready", and waits until its standard input reaches end of file.
 *
 * Facts: pid; outer (the function outer_fn); inl_call (the call made by
 * the inlined function, whose return address less one lies inside it);
 * data (an initialised global); bss (a small zeroed global); bss_big (far
 * into a large zeroed array, past the file's last page); rodata (a
 * constant string); heap; stack; hole (an unmapped page between two
 * mapped ones) with hole_below and hole_above (their starts).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int data_var[4] = {1, 2, 3, 4};
int bss_var;
char bss_big[1 << 18];
const char rodata_str[] = "addrprog rodata";
volatile int sink;

__attribute__((noinline)) static void *
where(void)
{
	return __builtin_return_address(0);
}

static inline __attribute__((always_inline)) void *
inl_fn(int x)
{
	void *p;

	sink += x;
	p = where();
	sink += 1;
	return p;
}

__attribute__((noinline)) static void *
outer_fn(int x)
{
	void *p = inl_fn(x * 2);

	sink += x;
	return p;
}

int
main(int argc, char **argv)
{
	long ps = sysconf(_SC_PAGESIZE);
	volatile int local = 1;
	char *heap = malloc(4096), *m;
	void *ret;
	char c;

	if (argc != 2 || argv[1] == NULL || heap == NULL || ps <= 0)
		return 1;
	m = mmap(NULL, (size_t)ps * 3, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || munmap(m + ps, (size_t)ps) != 0)
		return 1;
	/* Keep the two pages apart from anything the kernel might merge. */
	if (mprotect(m, (size_t)ps, PROT_READ) != 0)
		return 1;
	ret = outer_fn(argc);
	bss_var = local;
	bss_big[200000] = (char)data_var[1];
	heap[0] = rodata_str[0];
	printf("pid %d\n", (int)getpid());
	printf("outer 0x%" PRIxPTR "\n", (uintptr_t)&outer_fn);
	printf("inl_call 0x%" PRIxPTR "\n", (uintptr_t)ret - 1);
	printf("data 0x%" PRIxPTR "\n", (uintptr_t)&data_var[1]);
	printf("bss 0x%" PRIxPTR "\n", (uintptr_t)&bss_var);
	printf("bss_big 0x%" PRIxPTR "\n", (uintptr_t)&bss_big[200000]);
	printf("rodata 0x%" PRIxPTR "\n", (uintptr_t)&rodata_str[3]);
	printf("heap 0x%" PRIxPTR "\n", (uintptr_t)heap);
	printf("stack 0x%" PRIxPTR "\n", (uintptr_t)&local);
	printf("hole 0x%" PRIxPTR "\n", (uintptr_t)(m + ps + 16));
	printf("hole_below 0x%" PRIxPTR "\n", (uintptr_t)m);
	printf("hole_above 0x%" PRIxPTR "\n", (uintptr_t)(m + 2 * ps));
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
