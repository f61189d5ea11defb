/*
 * open.c - the one dispatcher: a pid, "self" or "/proc/PID" goes to the
 * live reader; anything else is a file whose readers are asked in turn
 * whether it is theirs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Exact magic first; a reader that is not sure answers "not mine". */
const struct vms_reader *const vms_readers[] = {
	&vms_reader_snapshot,
	&vms_reader_elfcore,
	&vms_reader_macho,
	NULL,
};

static const struct vms_open_opts default_opts;

/* Every map's last steps: finish it, then the roles if asked for. */
static int
finish(struct vms_map *map, const struct vms_open_opts *o,
       struct vms_err *err)
{
	struct vms_elf_opts eo = {.procfs = o->procfs};

	if (vms_map_finish(map, err) < 0)
		return -1;
	return (o->flags & VMS_OPEN_ROLES) ? vms_map_roles(map, &eo, err) : 0;
}

/* A pid as the user may write it, or -1. */
static int64_t
target_pid(const char *s)
{
	const char *p = s;
	int64_t pid = 0;

	if (strcmp(s, "self") == 0)
		return (int64_t)getpid();
	if (strncmp(p, "/proc/", 6) == 0)
		p += 6;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		pid = pid * 10 + (*p - '0');
		if (pid > INT32_MAX)
			return -1;
	}
	if (*p == '/' && p[1] == '\0' && p != s)
		p++;
	return *p == '\0' ? pid : -1;
}

static struct vms_map *
load_input(struct vms_input *in, const char *title,
	   const struct vms_open_opts *o, struct vms_err *err)
{
	const struct vms_reader *const *rd;
	struct vms_map *map;

	for (rd = vms_readers; *rd != NULL; rd++) {
		int r = (*rd)->probe(in, err);

		if (r < 0)
			return NULL;
		if (r == 1)
			break;
	}
	if (*rd == NULL) {
		vms_err_set(err, VMS_E_FORMAT, 0,
			    "%s: not a process, core file or snapshot",
			    vms_input_name(in));
		return NULL;
	}
	map = vms_map_new(err);
	if (map == NULL)
		return NULL;
	map->source.name = vms_map_strdup(map, title, err);
	if (map->source.name == NULL || (*rd)->load(map, in, o, err) < 0 ||
	    finish(map, o, err) < 0) {
		vms_map_free(map);
		return NULL;
	}
	return map;
}

struct vms_map *
vms_open_pid(int64_t pid, const struct vms_open_opts *o, struct vms_err *err)
{
	struct vms_map *map;

	if (o == NULL)
		o = &default_opts;
	map = vms_map_new(err);
	if (map == NULL)
		return NULL;
	if (vms_live_load(map, pid, o, err) < 0 ||
	    finish(map, o, err) < 0) {
		vms_map_free(map);
		return NULL;
	}
	return map;
}

struct vms_map *
vms_open_mem(const void *buf, size_t len, const char *name,
	     const struct vms_open_opts *o, struct vms_err *err)
{
	struct vms_input *in;
	struct vms_map *map;

	if (o == NULL)
		o = &default_opts;
	in = vms_input_open_mem(buf, len, name, err);
	if (in == NULL)
		return NULL;
	map = load_input(in, name, o, err);
	vms_input_close(in);
	return map;
}

struct vms_map *
vms_open(const char *target, const struct vms_open_opts *o,
	 struct vms_err *err)
{
	int64_t pid = target_pid(target);
	struct vms_input *in;
	struct vms_map *map;
	struct stat st;

	if (o == NULL)
		o = &default_opts;
	if (pid >= 0) {
		map = vms_open_pid(pid, o, err);
		/* "1234" that names no process but a file is the file. */
		if (map != NULL || err == NULL || err->code != VMS_E_NOENT ||
		    strchr(target, '/') != NULL || stat(target, &st) < 0)
			return map;
	}
	in = vms_input_open_file(target, err);
	if (in == NULL)
		return NULL;
	map = load_input(in, target, o, err);
	vms_input_close(in);
	return map;
}
