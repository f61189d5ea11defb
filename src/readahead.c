/*
 * readahead.c - read a file in a second thread while the caller parses
 * what has come.  For /proc/PID/smaps the kernel's generation of the
 * text is most of the cost; parsing it at the same time, on another CPU,
 * hides the parser behind the kernel.
 *
 * The reader fills a small ring of buffers in order.  Each buffer has
 * room in front of its data, where the caller's unparsed tail of the
 * previous piece (a line cut in two) is copied, so that every piece the
 * caller sees is contiguous text.
 *
 * A thread costs more than it hides on a small file (a process with a
 * thousand mappings has under 100 KiB of maps): the first SYNC_PIECES
 * pieces are read by the caller itself, and the reader thread starts only
 * when the file goes on past them.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define NBUF 4
#define CHUNK (64 * 1024)
/* The kernel gives about a page a read; a buffer is handed over fuller. */
#define FULL_ENOUGH (CHUNK - 8192)
#define SYNC_PIECES 2
/* Small: the reader only calls read() and takes the lock. */
#define READER_STACK (64 * 1024)

struct slot {
	char *mem;        /* VMS_RA_CARRY + CHUNK bytes */
	size_t len;       /* bytes of data after the carry room */
	int ready;        /* filled and not yet released */
	int eof;          /* the last piece */
	int err;          /* errno of a failed read, or 0 */
};

struct vms_ra {
	int fd;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	size_t fill;      /* the slot the reader fills next */
	size_t take;      /* the slot the caller takes next */
	int held;         /* the caller holds slot take - 1 */
	int no_thread;    /* the reader could not start: read in the caller */
	char *mem;        /* all the slots' memory */
	struct slot slot[NBUF];
};

/* Fill s from the file: at least FULL_ENOUGH bytes, or up to the end. */
static void
fill_slot(int fd, struct slot *s)
{
	size_t len = 0;
	int eof = 0, e = 0;

	while (len < FULL_ENOUGH) {
		ssize_t got = read(fd, s->mem + VMS_RA_CARRY + len,
				   CHUNK - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			break;
		}
		if (got == 0) {
			eof = 1;
			break;
		}
		len += (size_t)got;
	}
	s->len = len;
	s->eof = eof;
	s->err = e;
}

static void *
reader(void *arg)
{
	struct vms_ra *ra = arg;

	for (;;) {
		struct slot *s = &ra->slot[ra->fill % NBUF];
		int last;

		pthread_mutex_lock(&ra->mu);
		while (s->ready && !ra->stop)
			pthread_cond_wait(&ra->cv, &ra->mu);
		if (ra->stop) {
			pthread_mutex_unlock(&ra->mu);
			return NULL;
		}
		pthread_mutex_unlock(&ra->mu);
		fill_slot(ra->fd, s);
		last = s->eof || s->err != 0;
		pthread_mutex_lock(&ra->mu);
		s->ready = 1;
		ra->fill++;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mu);
		if (last)
			return NULL;
	}
}

struct vms_ra *
vms_ra_start(int fd, struct vms_err *err)
{
	struct vms_ra *ra = calloc(1, sizeof(*ra));

	if (ra == NULL) {
		vms_err_nomem(err);
		return NULL;
	}
	ra->fd = fd;
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->cv, NULL);
	/* One block: pages the file never reaches are never touched. */
	ra->mem = malloc(NBUF * (size_t)(VMS_RA_CARRY + CHUNK));
	if (ra->mem == NULL) {
		vms_ra_stop(ra);
		vms_err_nomem(err);
		return NULL;
	}
	for (size_t i = 0; i < NBUF; i++)
		ra->slot[i].mem = ra->mem + i * (size_t)(VMS_RA_CARRY + CHUNK);
	return ra;
}

/* The reader thread, for the pieces after the first SYNC_PIECES. */
static int
start_reader(struct vms_ra *ra)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int e;

	if ((e = pthread_attr_init(&attr)) != 0)
		return e;
	/* Below the minimum the default is kept: only a little more memory. */
	(void)pthread_attr_setstacksize(&attr, READER_STACK);
	/* Signals are for the caller's thread, never the reader. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&ra->thread, &attr, reader, ra);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (e == 0)
		ra->started = 1;
	return e;
}

ssize_t
vms_ra_next(struct vms_ra *ra, const char *tail, size_t n, const char **text,
	    int *eof, int *errnum)
{
	struct slot *s = &ra->slot[ra->take % NBUF];
	char *start;

	if (n > VMS_RA_CARRY) {
		*errnum = EFBIG;
		return -1;
	}
	if (!ra->started && ra->take >= SYNC_PIECES && !ra->no_thread)
		ra->no_thread = start_reader(ra) != 0;
	/*
	 * No reader thread (not yet, or none could start: then the caller
	 * reads everything itself), so no lock is needed to fill the slot.
	 */
	if (!ra->started) {
		fill_slot(ra->fd, s);
		s->ready = 1;
		ra->fill++;
	}
	pthread_mutex_lock(&ra->mu);
	while (!s->ready)
		pthread_cond_wait(&ra->cv, &ra->mu);
	pthread_mutex_unlock(&ra->mu);
	/* The tail lives in the held slot: copy it before releasing that. */
	start = s->mem + VMS_RA_CARRY - n;
	if (n > 0)
		memmove(start, tail, n);
	pthread_mutex_lock(&ra->mu);
	if (ra->held)
		ra->slot[(ra->take + NBUF - 1) % NBUF].ready = 0;
	ra->held = 1;
	ra->take++;
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	if (s->err != 0) {
		*errnum = s->err;
		return -1;
	}
	*eof = s->eof;
	*text = start;
	return (ssize_t)(n + s->len);
}

void
vms_ra_stop(struct vms_ra *ra)
{
	if (ra == NULL)
		return;
	if (ra->started) {
		pthread_mutex_lock(&ra->mu);
		ra->stop = 1;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mu);
		pthread_join(ra->thread, NULL);
	}
	free(ra->mem);
	pthread_cond_destroy(&ra->cv);
	pthread_mutex_destroy(&ra->mu);
	free(ra);
}
