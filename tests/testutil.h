/*
 * testutil.h - small helpers shared by the test files: temporary
 * directories, whole files, running a command, fixture programs and fake
 * procfs trees from testdata/, the kernel's own /proc/PID/smaps_rollup,
 * and a view's output against its golden file.
 *
 * Every function returns 0 (or a pointer) on success and -1 (or NULL) on
 * failure with errno set (vt_golden says why on stderr instead); none of
 * them calls a cmocka assertion, so each can be used in setup and teardown
 * too.  Names start with vt_.
 */
#ifndef VMS_TESTUTIL_H
#define VMS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vms_err;
struct vms_map;
struct vms_view;
struct vms_view_opts;

/* A fresh directory under $TMPDIR (or /tmp); a malloc'ed path. */
char *vt_tmpdir(void);
/* Remove path and everything below it, like rm -rf; 0 or -1. */
int vt_rmtree(const char *path);
/*
 * The whole file, NUL-terminated, malloc'ed; its length (without the
 * NUL) in *len if len is not NULL.  Reads /proc files correctly.
 */
char *vt_read_file(const char *path, size_t *len);
/* Create or replace path with len bytes of data. */
int vt_write_file(const char *path, const void *data, size_t len);
/* A malloc'ed string made by printf; aborts when memory runs out. */
char *vt_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What a command did. */
struct vt_run {
	int status;     /* exit status, or 128 + signal; -1 if not run */
	char *out;      /* all of its stdout, NUL-terminated */
	size_t outlen;
	char *err;      /* all of its stderr, NUL-terminated */
	size_t errlen;
};

/*
 * Run argv[0] (a path; no $PATH search, no shell) with argv, stdin from
 * input (NULL: /dev/null), the caller's environment, and capture stdout
 * and stderr.  0 if it ran (whatever its status), -1 if it could not be
 * started.  Free with vt_run_free().
 */
int vt_run(const char *const argv[], const char *input, struct vt_run *r);
void vt_run_free(struct vt_run *r);

/*
 * A fixture program from testdata/ (built as VMS_BINARY_DIR/tests/vms_NAME)
 * running as our child.  It runs with an empty environment in a fresh
 * temporary directory, which is also its argv[1]; its stdin is a pipe
 * from us.  It prints facts, one "KEY VALUE..." line each, then "ready",
 * then waits until its stdin closes.
 */
struct vt_fixture {
	pid_t pid;
	int in;          /* the write end of its stdin; -1 once closed */
	char *dir;       /* its working directory, removed by vt_fixture_stop */
	char **facts;    /* the lines before "ready", without '\n' */
	size_t nfacts;
};

/*
 * Start vms_NAME DIR ARGS... (args NULL-terminated, may be NULL) and wait
 * (at most 30 s) for its "ready" line.  -1 if it could not start or did
 * not become ready; it is then stopped and *fx is cleared.
 */
int vt_fixture_start(struct vt_fixture *fx, const char *name,
		     const char *const args[]);
/*
 * The same, run as user uid and group gid (we must be root): its
 * directory is given to that user first.
 */
int vt_fixture_start_as(struct vt_fixture *fx, const char *name,
			const char *const args[], uid_t uid, gid_t gid);
/*
 * The value of the nth (from 0) fact line whose first word is key: the
 * text after "key ", or NULL.
 */
const char *vt_fact(const struct vt_fixture *fx, const char *key, size_t nth);
/* The same, as a number (decimal, or hex with 0x); 0 or -1. */
int vt_fact_u64(const struct vt_fixture *fx, const char *key, size_t nth,
		uint64_t *v);
/*
 * Close its stdin, wait for it, remove its directory and free *fx.  The
 * exit status (as in struct vt_run), or -1.  A no-op on a cleared *fx.
 */
int vt_fixture_stop(struct vt_fixture *fx);

/* The path of a fixture program or the vmscope binary in the build. */
char *vt_fixture_path(const char *name);  /* .../tests/vms_NAME */
char *vt_vmscope_path(void);              /* .../vmscope */
/* A path under the source tree: VMS_SOURCE_DIR/rel. */
char *vt_source_path(const char *rel);

/* /proc/PID/smaps_rollup as numbers: every "Key: N kB" line, in bytes. */
#define VT_ROLLUP_MAX 48
struct vt_rollup {
	size_t n;
	char key[VT_ROLLUP_MAX][24];
	uint64_t bytes[VT_ROLLUP_MAX];
};

/* Read /proc/PID/smaps_rollup (procfs NULL means "/proc"); 0 or -1. */
int vt_rollup_read(const char *procfs, pid_t pid, struct vt_rollup *r);
/* The value of key ("Rss"); 0, or -1 if the kernel did not print it. */
int vt_rollup_get(const struct vt_rollup *r, const char *key, uint64_t *v);
/* 0 if a and b hold the same keys with the same values, in order; else -1. */
int vt_rollup_compare(const struct vt_rollup *a, const struct vt_rollup *b);

/*
 * vms_open(target) with open flags on the fake procfs tree at tree, a path
 * under the source tree (testdata/procfs/golden, ...); NULL with err filled
 * if it fails.
 */
struct vms_map *vt_tree_open(const char *tree, const char *target,
			     unsigned flags, struct vms_err *err);
/*
 * What view v prints for map with opts vo, NUL-terminated, malloc'ed; NULL
 * if the stream could not be made or the view failed (errno EIO).
 */
char *vt_render(const struct vms_view *v, const struct vms_map *map,
		const struct vms_view_opts *vo);
/*
 * Is out the same as the golden file rel (a path under the source tree)?
 * With VMS_UPDATE_GOLDEN set in the environment, out is written there first;
 * read the diff before committing it.  0 if they are the same; else -1,
 * after saying why on stderr: the golden is missing or cannot be written, or
 * it differs, and then "--- PATH", "+++ output" and out follow.
 */
int vt_golden(const char *rel, const char *out);

/* Does one of map's warnings contain needle? */
int vt_has_warning(const struct vms_map *map, const char *needle);

#endif /* VMS_TESTUTIL_H */
