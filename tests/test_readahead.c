/*
 * test_readahead.c - the read-ahead ring (src/readahead.c) that the live
 * reader parses /proc files through.  The truth is the bytes written: a
 * consumer that takes whole lines and carries the cut tail, as the maps
 * parser does, must get back exactly the text, whatever the file size
 * (read in the caller only, or past the pieces that start the reader
 * thread) and however the writer splits it (a pipe fed in small pieces).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmscope/vmscope.h"
#include "internal.h"
#include "testutil.h"

/* Lines of varied length: "<n> xxxx...\n", some far longer than others. */
static char *
make_text(size_t size, uint32_t seed)
{
	char *t = malloc(size + 1);
	size_t at = 0;

	assert_non_null(t);
	while (at < size) {
		size_t len = 1 + (seed >> 8) % 200;

		seed = seed * 1103515245u + 12345u;
		if (seed % 97 == 0)
			len += 3000;
		for (size_t i = 0; i < len && at < size; i++, at++)
			t[at] = (char)('a' + (at + seed) % 26);
		if (at < size)
			t[at++] = '\n';
	}
	t[size] = '\0';
	return t;
}

/*
 * Read fd through the ring as the maps parser would: whole lines, the cut
 * tail carried into the next piece.  The text in *out; the last errno, or
 * 0 at a clean end of file.
 */
static int
consume(int fd, char **out, size_t *outlen, size_t *pieces)
{
	struct vms_err err = {0};
	struct vms_ra *ra = vms_ra_start(fd, &err);
	const char *tail = NULL;
	size_t n = 0, cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int rc = 0;

	assert_non_null(ra);
	assert_non_null(buf);
	*pieces = 0;
	for (;;) {
		const char *text;
		ssize_t got;
		size_t used;
		int eof = 0, e = 0;

		got = vms_ra_next(ra, tail, n, &text, &eof, &e);
		if (got < 0) {
			rc = e;
			break;
		}
		(*pieces)++;
		/* The carried tail comes back first. */
		assert_true((size_t)got >= n);
		used = (size_t)got;
		if (!eof) {
			while (used > 0 && text[used - 1] != '\n')
				used--;
		}
		while (len + used > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + len, text, used);
		len += used;
		if (eof)
			break;
		tail = text + used;
		n = (size_t)got - used;
	}
	vms_ra_stop(ra);
	*out = buf;
	*outlen = len;
	return rc;
}

static void
check_file(size_t size)
{
	char path[] = "/tmp/vms-ra-XXXXXX";
	int fd = mkstemp(path);
	char *text = make_text(size, (uint32_t)size + 7);
	char *got;
	size_t len, pieces;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, text, size), (ssize_t)size);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(consume(fd, &got, &len, &pieces), 0);
	assert_int_equal(len, size);
	assert_memory_equal(got, text, size);
	/* A regular file fills each piece: the count follows from the size. */
	assert_true(pieces >= 1);
	if (size > 4u << 20)
		assert_true(pieces > 4);
	free(got);
	free(text);
	close(fd);
}

static void
test_file_sizes(void **state)
{
	static const size_t sizes[] = {
		0, 1, 100, 4095, 4096, 56 * 1024, 64 * 1024 - 1, 64 * 1024,
		64 * 1024 + 1, 128 * 1024, 200 * 1024, 1u << 20, 5u << 20,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_file(sizes[i]);
}

struct writer {
	int fd;
	const char *text;
	size_t size;
};

/* Small, uneven writes with pauses: the reader sees short reads. */
static void *
write_slowly(void *arg)
{
	struct writer *w = arg;
	uint32_t seed = 99;

	for (size_t at = 0; at < w->size;) {
		size_t len = 1 + (seed >> 4) % 9000;
		ssize_t put;

		seed = seed * 1103515245u + 12345u;
		if (len > w->size - at)
			len = w->size - at;
		put = write(w->fd, w->text + at, len);
		if (put <= 0)
			break;
		at += (size_t)put;
		if (seed % 13 == 0)
			usleep(200);
	}
	close(w->fd);
	return NULL;
}

static void
test_pipe_pieces(void **state)
{
	size_t size = 3u << 20;
	char *text = make_text(size, 5);
	struct writer w;
	pthread_t t;
	int p[2];
	char *got;
	size_t len, pieces;

	(void)state;
	assert_int_equal(pipe(p), 0);
	w.fd = p[1];
	w.text = text;
	w.size = size;
	assert_int_equal(pthread_create(&t, NULL, write_slowly, &w), 0);
	assert_int_equal(consume(p[0], &got, &len, &pieces), 0);
	pthread_join(t, NULL);
	assert_int_equal(len, size);
	assert_memory_equal(got, text, size);
	free(got);
	free(text);
	close(p[0]);
}

/* A line longer than the carry room is refused, not overrun. */
static void
test_line_too_long(void **state)
{
	char path[] = "/tmp/vms-ra-XXXXXX";
	int fd = mkstemp(path);
	size_t size = 3 * VMS_RA_CARRY;
	char *text = malloc(size);
	char *got;
	size_t len, pieces;

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(text);
	unlink(path);
	memset(text, 'x', size);
	assert_int_equal(write(fd, text, size), (ssize_t)size);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(consume(fd, &got, &len, &pieces), EFBIG);
	assert_int_equal(len, 0);
	free(got);
	free(text);
	close(fd);
}

/* A read error reaches the caller as its errno. */
static void
test_read_error(void **state)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	char *got;
	size_t len, pieces;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(consume(fd, &got, &len, &pieces), EISDIR);
	free(got);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_sizes),
		cmocka_unit_test(test_pipe_pieces),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_read_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
