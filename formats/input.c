/*
 * input.c - byte ranges of an input: a file read with pread(2), or a
 * buffer in memory.  Every range is checked against the input's size
 * before it is handed out.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct vms_input {
	const char *name;
	int fd;                  /* -1 for a buffer */
	const unsigned char *mem;
	uint64_t size;
	unsigned char *buf;      /* what vms_input_get() hands out */
	size_t bufcap;
	char namebuf[];
};

static struct vms_input *
input_new(const char *name, struct vms_err *err)
{
	size_t n = strlen(name);
	struct vms_input *in = calloc(1, sizeof(*in) + n + 1);

	if (in == NULL) {
		vms_err_nomem(err);
		return NULL;
	}
	memcpy(in->namebuf, name, n + 1);
	in->name = in->namebuf;
	in->fd = -1;
	return in;
}

struct vms_input *
vms_input_open_mem(const void *buf, size_t len, const char *name,
		   struct vms_err *err)
{
	struct vms_input *in = input_new(name, err);

	if (in == NULL)
		return NULL;
	in->mem = buf;
	in->size = len;
	return in;
}

struct vms_input *
vms_input_open_file(const char *path, struct vms_err *err)
{
	struct vms_input *in;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		vms_err_set(err, e == ENOENT ? VMS_E_NOENT :
				 e == EACCES ? VMS_E_PERM : VMS_E_IO,
			    e, "%s: %s", path, strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		vms_err_set(err, VMS_E_UNSUPPORTED, 0,
			    "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	in = input_new(path, err);
	if (in == NULL) {
		close(fd);
		return NULL;
	}
	in->fd = fd;
	in->size = (uint64_t)st.st_size;
	return in;
}

void
vms_input_close(struct vms_input *in)
{
	if (in == NULL)
		return;
	if (in->fd >= 0)
		close(in->fd);
	free(in->buf);
	free(in);
}

const char *
vms_input_name(const struct vms_input *in)
{
	return in->name;
}

const char *
vms_input_compression(const struct vms_input *in)
{
	(void)in;
	return NULL;
}

uint64_t
vms_input_size(const struct vms_input *in)
{
	return in->size;
}

ssize_t
vms_input_read(struct vms_input *in, uint64_t off, void *buf, size_t n,
	       struct vms_err *err)
{
	size_t done = 0;

	if (off >= in->size || n == 0)
		return 0;
	if (n > in->size - off)
		n = (size_t)(in->size - off);
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	if (in->mem != NULL) {
		memcpy(buf, in->mem + off, n);
		return (ssize_t)n;
	}
	while (done < n) {
		ssize_t got = pread(in->fd, (char *)buf + done, n - done,
				    (off_t)(off + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return vms_err_set(err, VMS_E_IO, errno,
					   "%s: read at 0x%" PRIx64 ": %s",
					   in->name, off + done,
					   strerror(errno));
		if (got == 0)
			break;
		done += (size_t)got;
	}
	return (ssize_t)done;
}

const void *
vms_input_get(struct vms_input *in, uint64_t off, size_t n,
	      struct vms_err *err)
{
	ssize_t got;

	if (off > in->size || n > in->size - off) {
		vms_err_set(err, VMS_E_TRUNCATED, 0,
			    "%s: %zu bytes at 0x%" PRIx64
			    " lie past the end (0x%" PRIx64 ")",
			    in->name, n, off, in->size);
		return NULL;
	}
	if (in->mem != NULL)
		return in->mem + off;
	if (vms_grow((void **)&in->buf, &in->bufcap, n ? n : 1, 1, err) < 0)
		return NULL;
	got = vms_input_read(in, off, in->buf, n, err);
	if (got < 0)
		return NULL;
	if ((size_t)got != n) {
		vms_err_set(err, VMS_E_TRUNCATED, 0,
			    "%s: short read at 0x%" PRIx64, in->name, off);
		return NULL;
	}
	return in->buf;
}
