/*
 * mapper.c - a process with one of every kind of mapping, for the live
 * reader's integration tests (tests/test_live.c).
 *
 *   vms_mapper DIR [NTHREADS [leader-exits]]
 *
 * It makes its files in DIR, maps them, starts NTHREADS threads (default
 * 2) that touch their stacks and block, then prints its facts on stdout,
 * one "KEY VALUE..." line each, and last a line "ready".  Addresses are
 * in hex with 0x.  From then on it changes nothing (the tests compare
 * /proc/PID/smaps_rollup with sums over regions) until its standard input
 * reaches end of file; then it exits 0.  With "leader-exits", another
 * thread waits for that, and the main thread ends (pthread_exit) right
 * after "ready", leaving a zombie thread group leader.  Any failure to
 * set up is exit 1 with a message on stderr.
 *
 * Facts: pid, heap, anon, file_private, file_shared, shared_anon, deleted,
 * fake_deleted, newline, spaces, shm, shmid, memfd, anon_named,
 * anon_name_ok (0 if the kernel lacks PR_SET_VMA_ANON_NAME), guard,
 * noreserve, locked, mlock_ok, and one "thread TID ADDR" per thread with
 * ADDR an address on that thread's stack.  File names in DIR: "data",
 * "gone" (unlinked), "x (deleted)", "new\nline", "with two  spaces".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define MAX_THREADS 64
#define THREAD_STACK (256 * 1024)

struct state;

struct thread {
	struct state *st;
	pthread_t th;
	pid_t tid;
	uintptr_t stack_addr;
};

struct state {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int started;
	struct thread threads[MAX_THREADS];
};

static void
die(const char *what)
{
	fprintf(stderr, "vms_mapper: %s: %s\n", what, strerror(errno));
	exit(1);
}

static size_t pagesz;

static void
touch(void *p, size_t len)
{
	volatile char *c = p;

	for (size_t i = 0; i < len; i += pagesz)
		c[i] = 1;
}

/* Fault pages in for reading (read-only mappings). */
static void
peek(const void *p, size_t len)
{
	const volatile char *c = p;

	for (size_t i = 0; i < len; i += pagesz)
		(void)c[i];
}

static void *
map_anon(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap anonymous");
	return p;
}

/* Create DIR/name with len bytes; the open descriptor. */
static int
make_file(const char *dir, const char *name, size_t len)
{
	char path[4096], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	memset(buf, 'v', sizeof(buf));
	for (size_t done = 0; done < len; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die(path);
	return fd;
}

static void *
map_file(int fd, size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap file");
	return p;
}

static void *
thread_main(void *arg)
{
	struct thread *me = arg;
	struct state *st = me->st;
	volatile char buf[16 * 1024];

	memset((char *)buf, 1, sizeof(buf));
	pthread_mutex_lock(&st->lock);
	me->tid = gettid();
	me->stack_addr = (uintptr_t)buf;
	st->started++;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	for (;;)
		pause();
	return NULL;
}

/*
 * Wait until thread tid sleeps (in pause()): a thread still on its way
 * there has no system call to show in task/TID/syscall, so "ready" would
 * come before its stack pointer can be read.  Gives up after 10 s.
 */
static void
wait_parked(pid_t tid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	for (int i = 0; i < 10000; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		char *paren;

		if (f != NULL)
			fclose(f);
		buf[n] = '\0';
		paren = strrchr(buf, ')');
		if (paren != NULL && paren[1] == ' ' && paren[2] == 'S')
			return;
		usleep(1000);
	}
}

/* Wait until stdin reaches end of file, then end the process. */
static void *
wait_stdin(void *arg)
{
	char c;

	(void)arg;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, &c, 1);

		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	_exit(0);
	return NULL;
}

static void
fact(const char *key, const void *addr)
{
	printf("%s 0x%" PRIxPTR "\n", key, (uintptr_t)addr);
}

int
main(int argc, char **argv)
{
	static struct state st = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	const char *dir;
	pthread_attr_t attr;
	int nthreads = 2, fd, shmid, name_ok, mlock_ok, leader_exits = 0;
	pthread_t waiter;
	char *heap, *brk0, *p, c, path[4096];
	size_t len;

	if (argc < 2 || argc > 4 ||
	    (argc == 4 && strcmp(argv[3], "leader-exits") != 0)) {
		fprintf(stderr, "usage: vms_mapper DIR [NTHREADS "
				"[leader-exits]]\n");
		return 2;
	}
	dir = argv[1];
	if (argc >= 3)
		nthreads = atoi(argv[2]);
	leader_exits = argc == 4;
	if (nthreads < 0 || nthreads > MAX_THREADS) {
		fprintf(stderr, "vms_mapper: NTHREADS must be 0..%d\n",
			MAX_THREADS);
		return 2;
	}
	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	len = 4 * pagesz;

	/*
	 * Below the mmap threshold: glibc takes it from brk, the [heap].
	 * An allocator that does not (a sanitizer's) gets brk by hand.
	 */
	brk0 = sbrk(0);
	heap = malloc(64 * 1024);
	if (heap == NULL)
		die("malloc");
	if (heap < brk0 || heap >= (char *)sbrk(0)) {
		heap = sbrk(64 * 1024);
		if (heap == (void *)-1)
			die("sbrk");
	}
	touch(heap, 64 * 1024);
	fact("heap", heap);

	p = map_anon(16 * pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	/*
	 * A flag of its own keeps the kernel from merging it with a
	 * neighbouring anonymous mapping (a sanitizer's, say): tests look
	 * for a mapping that starts here.
	 */
	if (madvise(p, 16 * pagesz, MADV_NOHUGEPAGE) != 0)
		die("madvise");
	touch(p, 3 * pagesz);
	fact("anon", p);

	fd = make_file(dir, "data", len);
	p = map_file(fd, len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	touch(p, pagesz);  /* one copy-on-write page, now anonymous */
	c = p[2 * pagesz];
	(void)c;
	fact("file_private", p);
	p = map_file(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	touch(p, 2 * pagesz);
	fact("file_shared", p);
	close(fd);

	p = map_anon(4 * pagesz, PROT_READ | PROT_WRITE, MAP_SHARED);
	touch(p, 2 * pagesz);
	fact("shared_anon", p);

	fd = make_file(dir, "gone", len);
	p = map_file(fd, len, PROT_READ, MAP_SHARED);
	peek(p, len);
	close(fd);
	snprintf(path, sizeof(path), "%s/gone", dir);
	if (unlink(path) < 0)
		die(path);
	fact("deleted", p);

	fd = make_file(dir, "x (deleted)", len);
	p = map_file(fd, len, PROT_READ, MAP_SHARED);
	peek(p, pagesz);
	close(fd);
	fact("fake_deleted", p);

	fd = make_file(dir, "new\nline", len);
	p = map_file(fd, len, PROT_READ, MAP_PRIVATE);
	peek(p, pagesz);
	close(fd);
	fact("newline", p);

	fd = make_file(dir, "with two  spaces", len);
	p = map_file(fd, len, PROT_READ, MAP_PRIVATE);
	peek(p, pagesz);
	close(fd);
	fact("spaces", p);

	shmid = shmget(IPC_PRIVATE, 16 * pagesz, IPC_CREAT | 0600);
	if (shmid < 0)
		die("shmget");
	p = shmat(shmid, NULL, 0);
	if (p == (void *)-1) {
		shmctl(shmid, IPC_RMID, NULL);
		die("shmat");
	}
	/* Removed now, so that the segment goes when we do. */
	if (shmctl(shmid, IPC_RMID, NULL) < 0)
		die("shmctl IPC_RMID");
	touch(p, 2 * pagesz);
	fact("shm", p);
	printf("shmid %d\n", shmid);

	fd = memfd_create("vms-memfd", 0);
	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, (off_t)len) < 0)
		die("ftruncate memfd");
	p = map_file(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	touch(p, pagesz);
	close(fd);
	fact("memfd", p);

	p = map_anon(2 * pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	touch(p, pagesz);
	name_ok = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p,
			2 * pagesz, (unsigned long)"vms-anon") == 0;
	fact("anon_named", p);
	printf("anon_name_ok %d\n", name_ok);

	p = map_anon(pagesz, PROT_NONE, MAP_PRIVATE);
	fact("guard", p);

	p = map_anon(8 * pagesz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_NORESERVE);
	touch(p, pagesz);
	fact("noreserve", p);

	p = map_anon(pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	/* The system call itself: a sanitizer's mlock() does nothing. */
	mlock_ok = syscall(SYS_mlock, p, pagesz) == 0;
	touch(p, pagesz);
	fact("locked", p);
	printf("mlock_ok %d\n", mlock_ok);

	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setstacksize(&attr, THREAD_STACK) != 0)
		die("pthread_attr");
	pthread_mutex_lock(&st.lock);
	for (int i = 0; i < nthreads; i++) {
		st.threads[i].st = &st;
		errno = pthread_create(&st.threads[i].th, &attr, thread_main,
				       &st.threads[i]);
		if (errno != 0)
			die("pthread_create");
	}
	while (st.started < nthreads)
		pthread_cond_wait(&st.cond, &st.lock);
	pthread_mutex_unlock(&st.lock);
	for (int i = 0; i < nthreads; i++)
		wait_parked(st.threads[i].tid);
	if (leader_exits) {
		errno = pthread_create(&waiter, &attr, wait_stdin, NULL);
		if (errno != 0)
			die("pthread_create");
	}
	pthread_attr_destroy(&attr);
	for (int i = 0; i < nthreads; i++)
		printf("thread %d 0x%" PRIxPTR "\n", (int)st.threads[i].tid,
		       st.threads[i].stack_addr);

	printf("pid %d\nready\n", (int)getpid());
	if (fflush(stdout) != 0)
		die("stdout");
	/* Quiescent from here on: no allocation, no mapping. */
	if (leader_exits)
		pthread_exit(NULL);
	for (;;) {
		ssize_t n = read(STDIN_FILENO, &c, 1);

		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	_exit(0);
}
