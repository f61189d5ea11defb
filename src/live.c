/*
 * live.c - the live reader: a running Linux process through procfs
 * (proc(5)).  Every file is opened relative to one /proc/PID directory
 * descriptor, under a procfs root that tests point at fake trees.
 *
 *   smaps or maps      the regions (smaps adds counters and VmFlags)
 *   status, cmdline    command, parent, owner, state, arguments
 *   exe, auxv          executable path, word size, machine, page size
 *   task/TID/syscall   each thread's stack pointer and program counter
 *   map_files/A-B      whether a " (deleted)" file really was unlinked
 *
 * The address space may change while it is read.  After smaps the reader
 * compares the region list with a fresh read of maps; after maps it checks
 * that every thread's stack pointer lies in a region.  It retries a few
 * times, then gives up with "address space kept changing".
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define SMALL_FILE (64 * 1024)

struct live {
	struct vms_map *map;
	int dirfd;
	int64_t pid;
	char where[PATH_MAX];    /* "/proc/42", for messages */
	char task[300];          /* "" or "task/TID/": where maps are read */
	int self;                /* reading our own address space */
	int running;             /* a thread was on a CPU when looked at */
	size_t nrunning;         /* how many threads were */
	unsigned long running_tids[8]; /* the first of them */
	int warned_deleted;
};

/* An errno from opening or reading /proc/PID/x as a vms error. */
static int
proc_err(struct live *l, const char *file, int e, struct vms_err *err)
{
	switch (e) {
	case ENOENT:
	case ESRCH:
		return vms_err_set(err, VMS_E_GONE, e,
				   "%" PRId64 ": process exited while being read"
				   " (%s)",
				   l->pid, file);
	case EACCES:
	case EPERM:
		return vms_err_set(err, VMS_E_PERM, e,
				   "%" PRId64 ": permission denied reading %s/%s"
				   " (needs the same user or CAP_SYS_PTRACE)",
				   l->pid, l->where, file);
	default:
		return vms_err_set(err, VMS_E_IO, e, "%s/%s: %s", l->where,
				   file, strerror(e));
	}
}

/*
 * Read a small file whole into a malloc'd NUL-terminated buffer; NULL
 * with *errnum set when it cannot be read.
 */
static char *
slurp(int dirfd, const char *file, size_t *len, int *errnum)
{
	size_t have = 0, cap = 4096;
	char *buf = NULL, *nb;
	int fd;

	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*errnum = errno;
		return NULL;
	}
	for (;;) {
		ssize_t got;

		if (buf == NULL || cap - have < 2) {
			if (buf != NULL)
				cap *= 2;
			if (cap > SMALL_FILE * 16 ||
			    (nb = realloc(buf, cap)) == NULL) {
				*errnum = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		got = read(fd, buf + have, cap - have - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*errnum = errno;
			goto fail;
		}
		if (got == 0)
			break;
		have += (size_t)got;
	}
	close(fd);
	buf[have] = '\0';
	*len = have;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/*
 * Parse (s)maps, or check the map against maps, while a second thread
 * reads the file: the parser keeps pace with the kernel instead of
 * following it.
 */
/*
 * " (deleted)" is only the kernel's claim: the parser took it off the
 * path, and a file whose name really ends so must get it back.
 * map_files/A-B stats the mapped file itself: a link count of 0 settles
 * it.  Without access to map_files (it needs CAP_SYS_ADMIN), a file at
 * the literal name with the mapped inode means the name is literal;
 * otherwise the file is taken as deleted, unverified, and the map says so.
 */
static int
check_deleted(struct live *l, struct vms_region *r, struct vms_err *err)
{
	char file[64], *literal;
	struct stat st;
	int is_literal;

	snprintf(file, sizeof(file), "map_files/%" PRIx64 "-%" PRIx64,
		 r->start, r->end);
	if (fstatat(l->dirfd, file, &st, 0) == 0) {
		r->has |= VMS_HAS_DELETED;
		if (st.st_nlink == 0)
			return 0;
		is_literal = 1;
	} else {
		if (asprintf(&literal, "%s (deleted)", r->path) < 0)
			return vms_err_nomem(err);
		is_literal = stat(literal, &st) == 0 && st.st_ino == r->inode;
		free(literal);
		if (!is_literal && !l->warned_deleted) {
			l->warned_deleted = 1;
			if (vms_map_warn(l->map,
					 "%s/map_files not readable: files "
					 "marked deleted by the kernel are not "
					 "verified",
					 l->where) < 0)
				return vms_err_nomem(err);
		}
	}
	if (!is_literal)
		return 0;
	r->flags &= (uint8_t)~VMS_RF_DELETED;
	if (asprintf(&literal, "%s (deleted)", r->path) < 0)
		return vms_err_nomem(err);
	r->path = vms_map_intern(l->map, literal, strlen(literal), err);
	free(literal);
	return r->path == NULL ? -1 : 0;
}

/*
 * Regions the parser has finished (all but the last, which may still get
 * smaps keys, until the end): settle what " (deleted)" means for them and
 * label them while they are in the cache.
 */
static int
settle(struct live *l, size_t *done, int eof, struct vms_err *err)
{
	struct vms_map *map = l->map;
	size_t n = map->nregions;

	if (!eof && n > 0)
		n--;
	for (size_t i = *done; i < n; i++) {
		struct vms_region *r = &map->regions[i];

		if ((r->flags & VMS_RF_DELETED) && r->path != NULL &&
		    check_deleted(l, r, err) < 0)
			return -1;
	}
	*done = n;
	vms_map_label_upto(map, n);
	return 0;
}

static int
read_maps(struct live *l, int smaps, int check, int *differs,
	  struct vms_err *err)
{
	char file[320];
	struct vms_maps_parser p;
	char name[PATH_MAX + 340];
	const char *tail = NULL;
	struct vms_ra *ra;
	size_t n = 0, done = 0;
	int fd, rc = -1;

	snprintf(file, sizeof(file), "%s%s", l->task, smaps ? "smaps" : "maps");
	snprintf(name, sizeof(name), "%s/%s", l->where, file);
	if (check) {
		vms_maps_parser_check(&p, l->map, name);
	} else {
		vms_maps_parser_init(&p, l->map, smaps, name);
		vms_map_label_upto(l->map, 0);
	}
	fd = openat(l->dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return proc_err(l, file, errno, err);
	ra = vms_ra_start(fd, err);
	if (ra == NULL)
		goto out;
	for (;;) {
		const char *text;
		ssize_t len, used;
		int eof = 0, e = 0;

		len = vms_ra_next(ra, tail, n, &text, &eof, &e);
		if (len < 0 && e == EFBIG) {
			vms_err_set(err, VMS_E_CORRUPT, 0, "%s: line too long",
				    name);
			goto out;
		}
		if (len < 0) {
			proc_err(l, file, e, err);
			goto out;
		}
		used = vms_maps_parser_feed(&p, text, (size_t)len, eof, err);
		if (used < 0 || (!check && settle(l, &done, eof, err) < 0))
			goto out;
		if (eof)
			break;
		tail = text + used;
		n = (size_t)(len - used);
	}
	if (check)
		*differs = p.differs || p.checked != l->map->nregions;
	rc = 0;
out:
	vms_ra_stop(ra);
	close(fd);
	return rc;
}

/* "0x7ffc..." or "7ffc..." */
static int
parse_hex_word(const char **s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(*s, &end, 16);
	if (end == *s || errno != 0)
		return -1;
	*s = end;
	return 0;
}

/*
 * task/TID/syscall: "nr a1 .. a6 sp pc", "-1 sp pc" (not in a syscall)
 * or "running" (no registers to show).
 */
static void
parse_syscall(struct vms_thread *t, const char *s, int *running)
{
	uint64_t w[9];
	int n = 0;

	if (strncmp(s, "running", 7) == 0) {
		*running = 1;
		return;
	}
	if (strncmp(s, "-1 ", 3) == 0) {
		s += 3;
		if (parse_hex_word(&s, &w[0]) < 0 ||
		    parse_hex_word(&s, &w[1]) < 0)
			return;
		/* An exited thread shows "-1 0x0 0x0": no registers left. */
		if (w[0] == 0 && w[1] == 0)
			return;
		t->sp = w[0];
		t->pc = w[1];
		t->has |= VMS_THR_HAS_SP | VMS_THR_HAS_PC;
		return;
	}
	while (n < 9 && parse_hex_word(&s, &w[n]) == 0)
		n++;
	if (n != 9)
		return;
	t->sp = w[7];
	t->pc = w[8];
	t->has |= VMS_THR_HAS_SP | VMS_THR_HAS_PC;
}

static int
cmp_thread(const void *a, const void *b)
{
	const struct vms_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Keep the first few tids of threads found running, for the warning. */
static void
add_running(struct live *l, unsigned long tid)
{
	if (l->nrunning < sizeof(l->running_tids) / sizeof(l->running_tids[0]))
		l->running_tids[l->nrunning] = tid;
	l->nrunning++;
}

/* "thread 7 was running ...": their stacks cannot be named. */
static int
warn_running(struct live *l, struct vms_err *err)
{
	const size_t shown = sizeof(l->running_tids) / sizeof(l->running_tids[0]);
	char list[8 * 22];      /* room for eight 20-digit tids */
	size_t n = 0;

	list[0] = '\0';
	for (size_t i = 0; i < l->nrunning && i < shown && n < sizeof(list);
	     i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%lu",
				      i > 0 ? ", " : "", l->running_tids[i]);
	if (vms_map_warn(l->map,
			 "%zu thread%s on a CPU when read (%s%s): no stack "
			 "pointer to show, so %s not labelled",
			 l->nrunning, l->nrunning == 1 ? " was" : "s were", list,
			 l->nrunning > shown ? ", ..." : "",
			 l->nrunning == 1 ? "its stack is" : "their stacks are") < 0)
		return vms_err_nomem(err);
	return 0;
}

static int
read_threads(struct live *l, struct vms_err *err)
{
	struct dirent *de;
	DIR *d;
	int fd;

	l->map->nthreads = 0;
	l->running = 0;
	l->nrunning = 0;
	fd = openat(l->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;  /* a fake tree or an old kernel: no threads */
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return vms_err_nomem(err);
	}
	while ((de = readdir(d)) != NULL) {
		char file[64], *text, *end;
		struct vms_thread *t;
		unsigned long tid;
		size_t len;
		int e;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		errno = 0;
		tid = strtoul(de->d_name, &end, 10);
		if (*end != '\0' || errno != 0)
			continue;
		t = vms_map_add_thread(l->map, err);
		if (t == NULL) {
			closedir(d);
			return -1;
		}
		t->tid = tid;
		snprintf(file, sizeof(file), "task/%lu/syscall", tid);
		/*
		 * A thread on a CPU has no registers to show.  One that is
		 * only passing through user space is caught on a second or
		 * third look; a busy one stays "running".
		 */
		for (int look = 0; look < 3; look++) {
			int on_cpu = 0;

			text = slurp(l->dirfd, file, &len, &e);
			if (text == NULL)
				break;
			parse_syscall(t, text, &on_cpu);
			free(text);
			if (!on_cpu)
				break;
			if (look == 2) {
				l->running = 1;
				add_running(l, tid);
				break;
			}
			sched_yield();
		}
	}
	closedir(d);
	qsort(l->map->threads, l->map->nthreads, sizeof(*l->map->threads),
	      cmp_thread);
	return 0;
}

/*
 * How much the threads have run: over task/TID/schedstat, the sum of the
 * nanoseconds on a CPU and of the times scheduled, and the thread ids.
 * If it is the same before and after smaps is read, and no thread was on
 * a CPU, no thread ran: nothing changed the address space, and the maps
 * re-read that checks for changes can be skipped.  -1 when a thread's
 * schedstat cannot be read (a kernel without schedstats, a fake tree).
 */
static int
run_signature(struct live *l, uint64_t sig[3])
{
	struct dirent *de;
	int fd, rc = 0;
	DIR *d;

	sig[0] = sig[1] = sig[2] = 0;
	fd = openat(l->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		unsigned long long run, wait, slices;
		char file[300], *text;
		size_t len;
		int e;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(file, sizeof(file), "task/%s/schedstat", de->d_name);
		text = slurp(l->dirfd, file, &len, &e);
		if (text == NULL ||
		    sscanf(text, "%llu %llu %llu", &run, &wait, &slices) != 3) {
			rc = -1;
		} else {
			sig[0] += run;
			sig[1] += slices;
			sig[2] += strtoull(de->d_name, NULL, 10) + 1;
		}
		free(text);
	}
	closedir(d);
	return rc;
}

/*
 * Does every thread with a known stack pointer point into a region?  A
 * kernel thread or a zombie has no regions and nothing to compare.
 */
static int
threads_consistent(const struct vms_map *map)
{
	if (map->nregions == 0)
		return 1;
	for (size_t i = 0; i < map->nthreads; i++) {
		const struct vms_thread *t = &map->threads[i];

		if ((t->has & VMS_THR_HAS_SP) && vms_map_find(map, t->sp) == NULL &&
		    (t->sp == 0 || vms_map_find(map, t->sp - 1) == NULL))
			return 0;
	}
	return 1;
}

static const char *
field(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *s = text; s != NULL && *s != '\0';) {
		if (strncmp(s, key, n) == 0 && s[n] == ':') {
			s += n + 1;
			while (*s == ' ' || *s == '\t')
				s++;
			return s;
		}
		s = strchr(s, '\n');
		if (s != NULL)
			s++;
	}
	return NULL;
}

static int
read_status(struct live *l, struct vms_err *err)
{
	struct vms_process *p = &l->map->proc;
	const char *v;
	size_t len;
	char *text;
	int e;

	text = slurp(l->dirfd, "status", &len, &e);
	if (text == NULL)
		return e == ENOENT ? 0 : proc_err(l, "status", e, err);
	if ((v = field(text, "Name")) != NULL) {
		/* status escapes the name; comm holds it raw. */
		char *c = NULL;
		size_t clen;

		if ((c = slurp(l->dirfd, "comm", &clen, &e)) != NULL &&
		    clen > 0 && c[clen - 1] == '\n')
			clen--;
		if (c != NULL)
			p->comm = vms_map_strndup(l->map, c, clen, err);
		else
			p->comm = vms_map_strndup(l->map, v, strcspn(v, "\n"),
						  err);
		free(c);
		if (p->comm == NULL)
			goto fail;
	}
	if ((v = field(text, "State")) != NULL)
		p->state = *v;
	if ((v = field(text, "PPid")) != NULL) {
		p->ppid = strtoll(v, NULL, 10);
		p->has |= VMS_P_PPID;
	}
	if ((v = field(text, "Uid")) != NULL) {
		p->uid = strtoll(v, NULL, 10);
		p->has |= VMS_P_UID;
	}
	if ((v = field(text, "Gid")) != NULL) {
		p->gid = strtoll(v, NULL, 10);
		p->has |= VMS_P_GID;
	}
	free(text);
	return 0;
fail:
	free(text);
	return -1;
}

static int
read_cmdline(struct live *l, struct vms_err *err)
{
	struct vms_process *p = &l->map->proc;
	size_t len, n = 0, i, k;
	const char **argv;
	char *text;
	int e;

	text = slurp(l->dirfd, "cmdline", &len, &e);
	if (text == NULL)
		return 0;
	if (len > 0 && text[len - 1] != '\0')
		text[len++] = '\0';  /* slurp leaves room for the NUL */
	for (i = 0; i < len; i++)
		n += text[i] == '\0';
	if (n == 0) {
		free(text);
		return 0;
	}
	argv = vms_map_alloc(l->map, n * sizeof(*argv), err);
	if (argv == NULL)
		goto fail;
	for (i = 0, k = 0; i < len && k < n; k++) {
		size_t sl = strlen(text + i);

		argv[k] = vms_map_strndup(l->map, text + i, sl, err);
		if (argv[k] == NULL)
			goto fail;
		i += sl + 1;
	}
	p->argv = argv;
	p->argc = n;
	free(text);
	return 0;
fail:
	free(text);
	return -1;
}

static const char *
machine_name(uint16_t m)
{
	switch (m) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return "s390";
	case EM_RISCV: return "riscv";
	case EM_MIPS: return "mips";
	default: return NULL;
	}
}

/* Word size and machine from the executable's ELF header; page size. */
static int
read_exe(struct live *l, struct vms_err *err)
{
	struct vms_map *map = l->map;
	unsigned char id[20];
	char path[PATH_MAX];
	ssize_t n;
	size_t len;
	char *aux;
	int fd, e;

	n = readlinkat(l->dirfd, "exe", path, sizeof(path) - 1);
	if (n > 0) {
		map->proc.exe = vms_map_intern(map, path, (size_t)n, err);
		if (map->proc.exe == NULL)
			return -1;
	}
	fd = openat(l->dirfd, "exe", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, id, sizeof(id), 0) == (ssize_t)sizeof(id) &&
		    memcmp(id, ELFMAG, SELFMAG) == 0) {
			int be = id[EI_DATA] == ELFDATA2MSB;

			map->arch.wordsize = id[EI_CLASS] == ELFCLASS64 ? 64 :
					     id[EI_CLASS] == ELFCLASS32 ? 32 : 0;
			map->arch.big_endian = (uint8_t)be;
			map->arch.machine = (uint16_t)(be ? id[18] << 8 | id[19] :
							 id[19] << 8 | id[18]);
			map->arch.name = machine_name(map->arch.machine);
		}
		close(fd);
	}
	if (map->arch.wordsize == 0) {
		map->arch.wordsize = sizeof(long) * 8;
	}
	/* auxv is in the process's word size and byte order (ours). */
	aux = slurp(l->dirfd, "auxv", &len, &e);
	if (aux != NULL) {
		size_t w = map->arch.wordsize == 32 ? 4 : 8, cnt = len / (2 * w);

		map->auxv = cnt ? calloc(cnt, sizeof(*map->auxv)) : NULL;
		if (cnt > 0 && map->auxv == NULL) {
			free(aux);
			return vms_err_nomem(err);
		}
		for (size_t i = 0; map->auxv != NULL && i < cnt; i++) {
			uint64_t t = 0, v = 0;

			if (w == 4) {
				uint32_t a, b;

				memcpy(&a, aux + i * 8, 4);
				memcpy(&b, aux + i * 8 + 4, 4);
				t = a;
				v = b;
			} else {
				memcpy(&t, aux + i * 16, 8);
				memcpy(&v, aux + i * 16 + 8, 8);
			}
			if (t == AT_NULL)
				break;
			map->auxv[map->nauxv++] = (struct vms_auxv){t, v};
			if (t == AT_PAGESZ && v != 0) {
				map->page_size = v;
				map->has |= VMS_P_PAGE_SIZE;
			}
		}
		free(aux);
	}
	if (!(map->has & VMS_P_PAGE_SIZE)) {
		map->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
		map->has |= VMS_P_PAGE_SIZE;
	}
	return 0;
}

/* The machine: host name, kernel, boot id and the time of capture. */
static int
read_machine(struct live *l, const char *root, struct vms_err *err)
{
	struct vms_map *map = l->map;
	struct utsname u;
	struct timespec ts;
	char path[PATH_MAX];
	size_t len;
	char *id;
	int e;

	if (uname(&u) == 0) {
		map->source.host = vms_map_strdup(map, u.nodename, err);
		map->source.kernel = vms_map_strdup(map, u.release, err);
		if (map->source.host == NULL || map->source.kernel == NULL)
			return -1;
		if (map->arch.name == NULL)
			map->arch.name = vms_map_strdup(map, u.machine, err);
	}
	snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", root);
	id = slurp(AT_FDCWD, path, &len, &e);
	if (id != NULL) {
		map->source.boot_id = vms_map_strndup(map, id, strcspn(id, "\n"),
						      err);
		free(id);
		if (map->source.boot_id == NULL)
			return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	map->source.capture_sec = ts.tv_sec;
	map->source.capture_nsec = (int32_t)ts.tv_nsec;
	map->has |= VMS_P_CAPTURE_TIME;
	return 0;
}

/*
 * When the main thread has exited and others live on, the process is a
 * zombie whose maps are empty; the address space is still there, seen
 * through any live thread's task directory.
 */
static void
find_live_task(struct live *l)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(l->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char file[300], *stat, *paren;
		size_t len;
		int e;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    strtoll(de->d_name, NULL, 10) == l->pid)
			continue;
		snprintf(file, sizeof(file), "task/%s/stat", de->d_name);
		stat = slurp(l->dirfd, file, &len, &e);
		if (stat == NULL)
			continue;
		paren = strrchr(stat, ')');
		if (paren != NULL && paren[1] == ' ' && paren[2] != 'Z' &&
		    paren[2] != 'X') {
			snprintf(l->task, sizeof(l->task), "task/%s/",
				 de->d_name);
			free(stat);
			break;
		}
		free(stat);
	}
	closedir(d);
}

static int
read_regions(struct live *l, const struct vms_open_opts *o,
	     struct vms_err *err)
{
	int smaps = (o->flags & VMS_OPEN_COUNTERS) != 0;
	int tries = o->retries > 0 ? o->retries : VMS_DEFAULT_RETRIES;

	if (l->map->proc.state == 'Z')
		find_live_task(l);
	for (int i = 0; i <= tries; i++) {
		uint64_t before[3], after[3];
		int differs = 0, quiet;

		quiet = smaps && !l->self && run_signature(l, before) == 0;
		l->map->nregions = 0;
		if (read_maps(l, smaps, 0, NULL, err) < 0)
			return -1;
		if (!(o->flags & VMS_OPEN_NOTHREADS) && read_threads(l, err) < 0)
			return -1;
		/*
		 * Reading itself, vmscope changes what it reads with each
		 * allocation: no two reads would ever agree.
		 */
		if (l->self)
			return l->nrunning > 0 ? warn_running(l, err) : 0;
		quiet = quiet && !l->running && !(o->flags & VMS_OPEN_NOTHREADS) &&
			run_signature(l, after) == 0 &&
			memcmp(before, after, sizeof(before)) == 0;
		if (smaps && !quiet &&
		    read_maps(l, 0, 1, &differs, err) < 0)
			return -1;
		if (!differs && threads_consistent(l->map))
			return l->nrunning > 0 ? warn_running(l, err) : 0;
	}
	return vms_err_set(err, VMS_E_UNSTABLE, 0,
			   "%" PRId64 ": address space kept changing "
			   "(%d reads)",
			   l->pid, tries + 1);
}

int
vms_live_load(struct vms_map *map, int64_t pid, const struct vms_open_opts *o,
	      struct vms_err *err)
{
	const char *root = o->procfs != NULL ? o->procfs : "/proc";
	struct live l = {.map = map, .dirfd = -1, .pid = pid};
	char name[32];
	int rc = -1;

	snprintf(l.where, sizeof(l.where), "%s/%" PRId64, root, pid);
	l.self = pid == (int64_t)getpid() && strcmp(root, "/proc") == 0;
	l.dirfd = open(l.where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l.dirfd < 0) {
		int e = errno;

		if (e == ENOENT)
			return vms_err_set(err, VMS_E_NOENT, e,
					   "%" PRId64 ": no such process", pid);
		return proc_err(&l, "", e, err);
	}
	snprintf(name, sizeof(name), "%" PRId64, pid);
	map->source.kind = VMS_SOURCE_LIVE;
	map->source.format = "proc";
	if (map->source.name == NULL &&
	    (map->source.name = vms_map_strdup(map, name, err)) == NULL)
		goto out;
	map->proc.pid = pid;
	map->proc.has |= VMS_P_PID;
	if (read_status(&l, err) < 0 || read_cmdline(&l, err) < 0 ||
	    read_exe(&l, err) < 0 || read_machine(&l, root, err) < 0 ||
	    read_regions(&l, o, err) < 0)
		goto out;
	if ((o->flags & VMS_OPEN_PAGES) &&
	    vms_live_pages(map, l.dirfd, err) < 0)
		goto out;
	if ((o->flags & VMS_OPEN_BUILDIDS) &&
	    vms_live_build_ids(map, l.dirfd, err) < 0)
		goto out;
	rc = 0;
out:
	close(l.dirfd);
	return rc;
}
