/*
 * output.h - creating an output file safely (vmscope often runs as root):
 * never over an existing file unless asked, never through a symbolic
 * link, mode 0600 whatever the umask, and nothing left behind on failure.
 * The contents go to a temporary file in the same directory that appears
 * under its name only when vms_out_publish() has made it durable.
 */
#ifndef VMSCOPE_OUTPUT_H
#define VMSCOPE_OUTPUT_H

#include "vmscope/vmscope.h"

#define VMS_OUT_FORCE 0x1u       /* replace an existing regular file */

struct vms_out {
	int fd;                  /* write the contents here; -1 when closed */
	int dirfd;
	unsigned flags;
	char *path;              /* for messages */
	char *base;              /* the name in dirfd */
	char *tmp;               /* a temporary name in dirfd, or NULL */
	int published;
};

/*
 * Refuse a world-writable directory without the sticky bit, a symbolic
 * link at path, and an existing file unless VMS_OUT_FORCE; then open an
 * unnamed (O_TMPFILE) or hidden temporary file in path's directory.
 */
int vms_out_open(struct vms_out *o, const char *path, unsigned flags,
		 struct vms_err *err);
/* fsync the file, give it its name, fsync the directory. */
int vms_out_publish(struct vms_out *o, struct vms_err *err);
/* fdatasync what was written since (a series after publishing). */
int vms_out_sync(struct vms_out *o, struct vms_err *err);
/* Close; before publishing, the temporary file is removed. */
void vms_out_close(struct vms_out *o);

#endif
