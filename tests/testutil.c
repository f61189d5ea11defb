/*
 * testutil.c - helpers shared by the tests (see testutil.h).  POSIX only:
 * fork/exec with pipes, poll, nftw; the fixtures' protocol is described in
 * testutil.h and testdata/mapper.c.
 */
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "vmscope/vmscope.h"

#ifndef VMS_BINARY_DIR
#error "VMS_BINARY_DIR must name the build directory"
#endif
#ifndef VMS_SOURCE_DIR
#error "VMS_SOURCE_DIR must name the source directory"
#endif

#define READY_TIMEOUT_MS 30000

char *
vt_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}

char *
vt_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	dir = vt_asprintf("%s/vmscope-test.XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 &&
			       errno != ENOENT
		       ? -1
		       : 0;
}

int
vt_rmtree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Everything readable from fd, NUL-terminated; NULL on error. */
static char *
read_all(int fd, size_t *len)
{
	size_t have = 0, cap = 8192;
	char *buf = malloc(cap), *nb;

	if (buf == NULL)
		return NULL;
	for (;;) {
		ssize_t n;

		if (cap - have < 2) {
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + have, cap - have - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	if (len != NULL)
		*len = have;
	return buf;
fail:
	free(buf);
	return NULL;
}

char *
vt_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = read_all(fd, len);
	e = errno;
	close(fd);
	errno = e;
	return buf;
}

int
vt_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = data;

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

static int
wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* Append what fd has to *buf; 1 at end of file, 0 if more, -1 error. */
static int
drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char tmp[8192];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return 1;
	if (*len + (size_t)n + 1 > *cap) {
		size_t ncap = *cap ? *cap : 8192;
		char *nb;

		while (*len + (size_t)n + 1 > ncap)
			ncap *= 2;
		nb = realloc(*buf, ncap);
		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return 0;
}

int
vt_run(const char *const argv[], const char *input, struct vt_run *r)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	size_t ocap = 0, ecap = 0, inlen = input ? strlen(input) : 0;
	struct pollfd pfd[3];
	pid_t pid;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 ||
	    pipe2(perr, O_CLOEXEC) < 0)
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 ||
		    dup2(perr[1], 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	if (inlen == 0) {
		close(pin[1]);
		pin[1] = -1;
	}
	/* stdin, stdout and stderr at once, so that no pipe fills up. */
	while (pout[0] >= 0 || perr[0] >= 0) {
		int k;

		pfd[0] = (struct pollfd){.fd = pout[0], .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = perr[0], .events = POLLIN};
		pfd[2] = (struct pollfd){.fd = pin[1], .events = POLLOUT};
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
			ssize_t n = write(pin[1], input, inlen);

			if (n > 0) {
				input += n;
				inlen -= (size_t)n;
			}
			if (n < 0 || inlen == 0) {
				close(pin[1]);
				pin[1] = -1;
			}
		}
		for (k = 0; k < 2; k++) {
			int *fd = k == 0 ? &pout[0] : &perr[0];
			int d;

			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			d = k == 0 ? drain(*fd, &r->out, &r->outlen, &ocap)
				   : drain(*fd, &r->err, &r->errlen, &ecap);
			if (d != 0) {
				close(*fd);
				*fd = -1;
			}
		}
	}
	r->status = wait_status(pid);
	rc = 0;
	if (r->out == NULL)
		r->out = strdup("");
	if (r->err == NULL)
		r->err = strdup("");
out:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	return rc;
}

void
vt_run_free(struct vt_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

char *
vt_fixture_path(const char *name)
{
	return vt_asprintf("%s/tests/vms_%s", VMS_BINARY_DIR, name);
}

char *
vt_vmscope_path(void)
{
	return vt_asprintf("%s/vmscope", VMS_BINARY_DIR);
}

char *
vt_source_path(const char *rel)
{
	return vt_asprintf("%s/%s", VMS_SOURCE_DIR, rel);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the fixture's stdout up to "ready"; 0, or -1 (exit, timeout). */
static int
read_facts(struct vt_fixture *fx, int fd)
{
	char *buf = NULL, *line, *nl;
	size_t len = 0, cap = 0;
	long deadline = now_ms() + READY_TIMEOUT_MS;
	int rc = -1;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long left = deadline - now_ms();
		int d;

		if (buf != NULL && (strncmp(buf, "ready\n", 6) == 0 ||
				    strstr(buf, "\nready\n") != NULL))
			break;
		if (left <= 0) {
			errno = ETIMEDOUT;
			goto out;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			goto out;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		d = drain(fd, &buf, &len, &cap);
		if (d != 0) {
			errno = d > 0 ? ECHILD : errno;
			goto out;
		}
	}
	for (line = buf; strncmp(line, "ready\n", 6) != 0; line = nl + 1) {
		char **nf;

		nl = strchr(line, '\n');
		*nl = '\0';
		nf = realloc(fx->facts, (fx->nfacts + 1) * sizeof(*nf));
		if (nf == NULL)
			goto out;
		fx->facts = nf;
		if ((fx->facts[fx->nfacts] = strdup(line)) == NULL)
			goto out;
		fx->nfacts++;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int
vt_fixture_start(struct vt_fixture *fx, const char *name,
		 const char *const args[])
{
	return vt_fixture_start_as(fx, name, args, (uid_t)-1, (gid_t)-1);
}

int
vt_fixture_start_as(struct vt_fixture *fx, const char *name,
		    const char *const args[], uid_t uid, gid_t gid)
{
	const char *argv[32];
	char *const envp[] = {NULL};
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, e;
	char *path = vt_fixture_path(name);
	size_t n = 0;
	int rc;

	memset(fx, 0, sizeof(*fx));
	fx->pid = -1;
	fx->in = -1;
	argv[n++] = path;
	argv[n++] = fx->dir = vt_tmpdir();
	for (; args != NULL && args[n - 2] != NULL; n++) {
		if (n + 1 >= sizeof(argv) / sizeof(argv[0])) {
			errno = E2BIG;
			goto fail;
		}
		argv[n] = args[n - 2];
	}
	argv[n] = NULL;
	if (fx->dir == NULL || pipe2(pin, O_CLOEXEC) < 0 ||
	    pipe2(pout, O_CLOEXEC) < 0)
		goto fail;
	if (uid != (uid_t)-1 && chown(fx->dir, uid, gid) < 0)
		goto fail;
	fx->pid = fork();
	if (fx->pid < 0)
		goto fail;
	if (fx->pid == 0) {
		if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 ||
		    chdir(fx->dir) < 0)
			_exit(126);
		if (uid != (uid_t)-1 &&
		    (setgroups(0, NULL) < 0 || setgid(gid) < 0 ||
		     setuid(uid) < 0))
			_exit(126);
		execve(path, (char *const *)argv, envp);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	pin[0] = pout[1] = -1;
	fx->in = pin[1];
	rc = read_facts(fx, pout[0]);
	close(pout[0]);
	pout[0] = -1;
	if (rc < 0)
		goto fail;
	free(path);
	return 0;
fail:
	e = errno;
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0 && pin[i] != fx->in)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
	}
	if (fx->pid > 0)
		kill(fx->pid, SIGKILL);
	vt_fixture_stop(fx);
	free(path);
	errno = e;
	return -1;
}

const char *
vt_fact(const struct vt_fixture *fx, const char *key, size_t nth)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < fx->nfacts; i++) {
		const char *f = fx->facts[i];

		if (strncmp(f, key, kl) != 0 || f[kl] != ' ')
			continue;
		if (nth-- == 0)
			return f + kl + 1;
	}
	return NULL;
}

int
vt_fact_u64(const struct vt_fixture *fx, const char *key, size_t nth,
	    uint64_t *v)
{
	const char *s = vt_fact(fx, key, nth);
	char *end;

	if (s == NULL) {
		errno = ENOENT;
		return -1;
	}
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || (*end != '\0' && *end != ' ')) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
vt_fixture_stop(struct vt_fixture *fx)
{
	int st = -1;

	if (fx->in >= 0)
		close(fx->in);
	if (fx->pid > 0)
		st = wait_status(fx->pid);
	if (fx->dir != NULL)
		vt_rmtree(fx->dir);
	free(fx->dir);
	for (size_t i = 0; i < fx->nfacts; i++)
		free(fx->facts[i]);
	free(fx->facts);
	memset(fx, 0, sizeof(*fx));
	fx->pid = -1;
	fx->in = -1;
	return st;
}

int
vt_rollup_read(const char *procfs, pid_t pid, struct vt_rollup *r)
{
	char *path = vt_asprintf("%s/%d/smaps_rollup",
				 procfs != NULL ? procfs : "/proc", (int)pid);
	char *text = vt_read_file(path, NULL), *line, *save = NULL;
	int rc = -1;

	free(path);
	memset(r, 0, sizeof(*r));
	if (text == NULL)
		return -1;
	/* The first line is the "start-end ---p ... [rollup]" header. */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *end;
		unsigned long long v;

		if (colon == NULL || line[0] == ' ' ||
		    (size_t)(colon - line) >= sizeof(r->key[0]))
			continue;
		errno = 0;
		v = strtoull(colon + 1, &end, 10);
		if (errno != 0 || end == colon + 1 || strcmp(end, " kB") != 0)
			continue;
		if (r->n == VT_ROLLUP_MAX) {
			errno = E2BIG;
			goto out;
		}
		memcpy(r->key[r->n], line, (size_t)(colon - line));
		r->key[r->n][colon - line] = '\0';
		r->bytes[r->n++] = (uint64_t)v * 1024;
	}
	rc = r->n > 0 ? 0 : -1;
	if (rc < 0)
		errno = EINVAL;
out:
	free(text);
	return rc;
}

int
vt_rollup_get(const struct vt_rollup *r, const char *key, uint64_t *v)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->key[i], key) == 0) {
			*v = r->bytes[i];
			return 0;
		}
	return -1;
}

int
vt_rollup_compare(const struct vt_rollup *a, const struct vt_rollup *b)
{
	if (a->n != b->n)
		return -1;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->key[i], b->key[i]) != 0 ||
		    a->bytes[i] != b->bytes[i])
			return -1;
	return 0;
}

struct vms_map *
vt_tree_open(const char *tree, const char *target, unsigned flags,
	     struct vms_err *err)
{
	char *root = vt_source_path(tree);
	struct vms_open_opts oo = {.procfs = root, .flags = flags};
	struct vms_map *map = vms_open(target, &oo, err);

	free(root);
	return map;
}

char *
vt_render(const struct vms_view *v, const struct vms_map *map,
	  const struct vms_view_opts *vo)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return NULL;
	rc = v->print(f, map, vo);
	if (fclose(f) != 0 || rc != 0) {
		if (rc != 0)
			errno = EIO;
		free(buf);
		return NULL;
	}
	return buf;
}

int
vt_golden(const char *rel, const char *out)
{
	char *path = vt_source_path(rel), *want = NULL;
	int rc = -1;

	if (getenv("VMS_UPDATE_GOLDEN") != NULL &&
	    vt_write_file(path, out, strlen(out)) < 0) {
		fprintf(stderr, "%s: cannot write: %s\n", path,
			strerror(errno));
		goto out;
	}
	want = vt_read_file(path, NULL);
	if (want == NULL) {
		fprintf(stderr, "%s: missing golden (VMS_UPDATE_GOLDEN=1)\n",
			path);
		goto out;
	}
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "--- %s\n+++ output\n%s", path, out);
		goto out;
	}
	rc = 0;
out:
	free(want);
	free(path);
	return rc;
}

int
vt_has_warning(const struct vms_map *map, const char *needle)
{
	for (size_t i = 0; i < map->nwarnings; i++)
		if (strstr(map->warnings[i], needle) != NULL)
			return 1;
	return 0;
}
