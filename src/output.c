/*
 * output.c - safe creation of output files (see output.h): a temporary
 * file in the target directory, O_TMPFILE and linkat(2) where the file
 * system has them, else an O_EXCL name and renameat2(2) RENAME_NOREPLACE,
 * with fsync(2) of the file and of the directory before and after the
 * name appears.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "output.h"

static int
sys_err(struct vms_out *o, const char *what, struct vms_err *err)
{
	int e = errno;

	return vms_err_set(err, e == EACCES || e == EPERM ? VMS_E_PERM :
							    VMS_E_IO,
			   e, "%s: %s: %s", o->path, what, strerror(e));
}

/* A fresh ".BASE.XXXXXXXXXXXX" that no file has yet; NULL if none. */
static char *
tmp_name(const char *base, int dirfd, int *fd)
{
	for (int tries = 0; tries < 64; tries++) {
		unsigned char rnd[6];
		char *name;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return NULL;
		if (asprintf(&name, ".%.200s.%02x%02x%02x%02x%02x%02x", base,
			     rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
			     rnd[5]) < 0)
			return NULL;
		if (fd == NULL) {
			struct stat st;

			if (fstatat(dirfd, name, &st,
				    AT_SYMLINK_NOFOLLOW) < 0 &&
			    errno == ENOENT)
				return name;
		} else {
			*fd = openat(dirfd, name,
				     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					     O_CLOEXEC,
				     0600);
			if (*fd >= 0)
				return name;
		}
		free(name);
		if (errno != EEXIST)
			return NULL;
	}
	errno = EEXIST;
	return NULL;
}

int
vms_out_open(struct vms_out *o, const char *path, unsigned flags,
	     struct vms_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = o->dirfd = -1;
	o->flags = flags;
	o->path = strdup(path);
	if (slash != NULL)
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	o->base = strdup(slash != NULL ? slash + 1 : path);
	if (o->path == NULL || o->base == NULL || (slash != NULL && !dir)) {
		free(dir);
		vms_out_close(o);
		return vms_err_nomem(err);
	}
	if (o->base[0] == '\0' || strcmp(o->base, ".") == 0 ||
	    strcmp(o->base, "..") == 0) {
		vms_err_set(err, VMS_E_INVAL, 0, "%s: not a file name", path);
		goto fail;
	}
	o->dirfd = open(dir != NULL ? dir : ".",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0 || fstat(o->dirfd, &st) < 0) {
		sys_err(o, "its directory", err);
		goto fail;
	}
	/* Anyone could swap names under us there. */
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		vms_err_set(err, VMS_E_PERM, 0,
			    "%s: its directory is writable by anyone and not "
			    "sticky: refusing",
			    path);
		goto fail;
	}
	if (fstatat(o->dirfd, o->base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode)) {
			vms_err_set(err, VMS_E_PERM, 0,
				    "%s: is a symbolic link: refusing", path);
			goto fail;
		}
		if (!(flags & VMS_OUT_FORCE)) {
			vms_err_set(err, VMS_E_INVAL, EEXIST,
				    "%s: exists (--force replaces it)", path);
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			vms_err_set(err, VMS_E_INVAL, 0,
				    "%s: not a regular file", path);
			goto fail;
		}
	} else if (errno != ENOENT) {
		sys_err(o, "stat", err);
		goto fail;
	}
	o->fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (o->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR ||
			  errno == EINVAL || errno == ENOENT)) {
		o->tmp = tmp_name(o->base, o->dirfd, &o->fd);
		if (o->tmp == NULL)
			o->fd = -1;
	}
	if (o->fd < 0) {
		sys_err(o, "creating a temporary file", err);
		goto fail;
	}
	/* The umask may only have taken bits away; make it exactly 0600. */
	if (fchmod(o->fd, 0600) < 0) {
		sys_err(o, "fchmod", err);
		goto fail;
	}
	free(dir);
	return 0;
fail:
	free(dir);
	vms_out_close(o);
	return -1;
}

/* Give the unnamed file a name: the final one, or a temporary one. */
static int
link_tmpfile(struct vms_out *o, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
	if (linkat(AT_FDCWD, proc, o->dirfd, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	/* No /proc: this needs CAP_DAC_READ_SEARCH. */
	return linkat(o->fd, "", o->dirfd, name, AT_EMPTY_PATH);
}

static int
rename_noreplace(struct vms_out *o)
{
	if (renameat2(o->dirfd, o->tmp, o->dirfd, o->base, RENAME_NOREPLACE) ==
	    0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: link fails on a name. */
	if (linkat(o->dirfd, o->tmp, o->dirfd, o->base, 0) < 0)
		return -1;
	unlinkat(o->dirfd, o->tmp, 0);
	return 0;
}

int
vms_out_publish(struct vms_out *o, struct vms_err *err)
{
	int force = (o->flags & VMS_OUT_FORCE) != 0;

	if (fsync(o->fd) < 0)
		return sys_err(o, "fsync", err);
	if (o->tmp == NULL && !force) {
		if (link_tmpfile(o, o->base) < 0)
			return sys_err(o, errno == EEXIST ?
						  "created by someone else "
						  "meanwhile" :
						  "linkat",
				       err);
	} else {
		if (o->tmp == NULL) {
			o->tmp = tmp_name(o->base, o->dirfd, NULL);
			if (o->tmp == NULL || link_tmpfile(o, o->tmp) < 0) {
				free(o->tmp);
				o->tmp = NULL;
				return sys_err(o, "linkat", err);
			}
		}
		if ((force ? renameat(o->dirfd, o->tmp, o->dirfd, o->base) :
			     rename_noreplace(o)) < 0)
			return sys_err(o, errno == EEXIST ?
						  "created by someone else "
						  "meanwhile" :
						  "rename",
				       err);
		free(o->tmp);
		o->tmp = NULL;
	}
	o->published = 1;
	if (fsync(o->dirfd) < 0)
		return sys_err(o, "fsync of its directory", err);
	return 0;
}

int
vms_out_sync(struct vms_out *o, struct vms_err *err)
{
	return fdatasync(o->fd) < 0 ? sys_err(o, "fdatasync", err) : 0;
}

void
vms_out_close(struct vms_out *o)
{
	if (o->tmp != NULL && o->dirfd >= 0)
		unlinkat(o->dirfd, o->tmp, 0);
	if (o->fd >= 0)
		close(o->fd);
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->tmp);
	free(o->path);
	free(o->base);
	memset(o, 0, sizeof(*o));
	o->fd = o->dirfd = -1;
}
