/*
 * cli_snapshot.c - the snapshot personality: write what a target (a pid,
 * a core or another snapshot) holds to a vmscope-snapshot(5) file, once
 * or as a series of frames, and check such files (--verify).
 *
 * Exit status: 0 done, 1 failed, 2 usage, 3 (--verify, or a damaged
 * snapshot as the target) only part of a file could be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"

#define CLI_EXIT_PARTIAL 3

/* The one mutable global: set by SIGINT or SIGTERM during a series. */
static volatile sig_atomic_t interrupted;

struct snap {
	struct cli *c;
	const char *out;         /* -o, or NULL for the default name */
	unsigned outflags;       /* VMS_OUT_* */
	struct vms_snapshot_opts so;
	uint64_t interval_ns;    /* 0: one frame */
	unsigned long count;     /* frames; 0: until interrupted */
	int quiet;
	int progress;
	int pages;               /* --pages */
	const char *contents;    /* --contents FILTER, or NULL */
};

static void
usage(FILE *out)
{
	fputs("usage: vmscope snapshot [-fq] [-o FILE] [--pages] "
	      "[--contents=FILTER]\n"
	      "                        [--interval TIME [--count N]] TARGET\n"
	      "       vmscope snapshot --verify FILE...\n"
	      "TARGET: a pid, self, /proc/PID, a core file or a snapshot.\n"
	      "  -o, --output FILE  write FILE (- is standard output);\n"
	      "                     default COMMAND.PID.YYYYMMDDTHHMMSS.vms\n"
	      "  -f, --force        replace an existing FILE\n"
	      "  --interval TIME    a frame every TIME (5s, 500ms, 2m) ...\n"
	      "  --count N          ... N frames (default: until interrupted)\n"
	      "  --frame N          with a snapshot TARGET: its frame N\n"
	      "  --level N          zlib level 1-9 (default 1)\n"
	      "  --pages            page state of every region (live only)\n"
	      "  --contents=FILTER  the bytes of regions: all, or a comma "
	      "list of\n"
	      "                     heap, stack, thread-stack, anon and path "
	      "substrings.\n"
	      "                     WARNING: contents hold secrets (the "
	      "environment and\n"
	      "                     arguments on the stack, keys in the "
	      "heap); guard\n"
	      "                     the file like the process's memory.\n"
	      "  --verify           check every chunk of each FILE\n"
	      "  -q, --quiet        no progress line, no file name printed\n"
	      "  -h, --help  this help;  -V, --version  the version\n"
	      "Exit status: 0 done, 1 failed, 2 usage, 3 a file was read only "
	      "in part.\nSee vmscope-snapshot(1) and vmscope-snapshot(5).\n",
	      out);
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* "5", "5s", "500ms", "2m", "1h" as nanoseconds; 0 when invalid. */
static uint64_t
parse_interval(const char *s)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{"", 1000000000ull},  {"s", 1000000000ull},
		{"ms", 1000000ull},   {"m", 60000000000ull},
		{"h", 3600000000000ull},
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !(v > 0))
		return 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0 &&
		    v * (double)units[i].ns < 1e18)
			return (uint64_t)(v * (double)units[i].ns);
	return 0;
}

/* Sleep ns, or less when a signal stops the series. */
static void
pause_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u),
			      (long)(ns % 1000000000u)};

	while (!interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * COMMAND.PID.YYYYMMDDTHHMMSS.vms (UTC) with the command name escaped:
 * anything but letters, digits, '_', '+', '-' and an inner '.' becomes
 * %XX, so that no name is hidden, holds a '/' or a control character.
 */
static void
default_name(const struct vms_map *map, char *out, size_t n)
{
	const char *cmd = map->proc.comm != NULL ? map->proc.comm : "unknown";
	time_t t = (map->has & VMS_P_CAPTURE_TIME) ?
			   (time_t)map->source.capture_sec :
			   time(NULL);
	char esc[3 * 64 + 1], stamp[32], pid[32];
	size_t k = 0;
	struct tm tm;

	for (size_t i = 0; cmd[i] != '\0' && i < 64; i++) {
		unsigned char ch = (unsigned char)cmd[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' ||
		    ch == '-' || (ch == '.' && i > 0))
			esc[k++] = (char)ch;
		else
			k += (size_t)sprintf(esc + k, "%%%02X", ch);
	}
	esc[k] = '\0';
	if (k == 0)
		strcpy(esc, "unknown");
	if (map->proc.has & VMS_P_PID)
		snprintf(pid, sizeof(pid), "%" PRId64, map->proc.pid);
	else
		strcpy(pid, "nopid");
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm) == 0)
		strcpy(stamp, "unknown");
	snprintf(out, n, "%s.%s.%s.vms", esc, pid, stamp);
}

/* Write all n bytes of p to fd: 0, or -1 with errno set. */
static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * --contents reads a core or a snapshot a second time, after its map, and
 * a pipe can be read only once: standard input that is not a file is
 * copied to a temporary file that then takes its place.  The copy holds
 * what the input holds, a process's memory: mode 0600, and unnamed
 * (O_TMPFILE) where the file system allows, else unlinked as soon as it
 * is made, so that it goes when vmscope exits.  0, or -1 after a message.
 */
static int
spool_stdin(const struct cli *c)
{
	const char *dir = getenv("TMPDIR");
	size_t cap = (size_t)128 << 10;
	char tmpl[PATH_MAX], *buf = NULL;
	struct stat st;
	ssize_t got;
	int fd, e;

	if (fstat(STDIN_FILENO, &st) < 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	      S_ISCHR(st.st_mode)))
		return 0;
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 &&
	    (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		snprintf(tmpl, sizeof(tmpl), "%s/.vmscope-stdin.XXXXXX", dir);
		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmpl);
	}
	if (fd < 0 || (buf = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		got = read(STDIN_FILENO, buf, cap);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (write_all(fd, buf, (size_t)got) < 0)
			goto fail;
	}
	if (got < 0 || dup2(fd, STDIN_FILENO) < 0)
		goto fail;
	free(buf);
	close(fd);
	return 0;
fail:
	e = errno;
	fprintf(stderr, "%s: standard input: copying it to %s: %s\n", c->prog,
		dir, strerror(e));
	free(buf);
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Of a snapshot, the regions the filter selects that it holds no bytes of
 * (it was taken without them): written as a core's regions without data
 * are, selected and empty, and said once.
 */
static void
warn_unheld(const struct snap *s, const char *target, const struct vms_map *map)
{
	size_t n = 0;

	if (map->source.kind != VMS_SOURCE_SNAPSHOT)
		return;
	for (size_t i = 0; i < map->nregions; i++)
		if (vms_contents_wants(s->so.contents, &map->regions[i]) &&
		    !(map->regions[i].flags & VMS_RF_CONTENTS))
			n++;
	if (n > 0)
		fprintf(stderr,
			"%s: %s: warning: the snapshot holds no bytes of %zu "
			"region%s --contents=%s selects\n",
			s->c->prog, target, n, n == 1 ? "" : "s", s->contents);
}

/* One frame to standard output (a pipe to ssh, say): no series. */
static int
to_stdout(struct snap *s, const struct vms_map *map)
{
	struct vms_err err = {0};

	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s: not writing a snapshot to a terminal\n",
			s->c->prog);
		return CLI_EXIT_USAGE;
	}
	if (vms_snapshot_write(map, STDOUT_FILENO, &s->so, &err) < 0) {
		fprintf(stderr, "%s: standard output: %s\n", s->c->prog,
			err.msg);
		return CLI_EXIT_FAILED;
	}
	return map->source.damaged ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}

static int
capture(struct snap *s, const char *target)
{
	struct vms_open_opts oo = s->c->oopts;
	struct vms_out out = {.fd = -1, .dirfd = -1};
	struct vms_err err = {0};
	struct sigaction sa = {0};
	unsigned long frame = 0;
	char name[512];
	off_t bytes = 0;
	int rc = CLI_EXIT_FAILED, damaged = 0;

	oo.flags |= VMS_OPEN_COUNTERS | VMS_OPEN_BUILDIDS |
		    (s->pages ? VMS_OPEN_PAGES : 0);
	if (s->interval_ns > 0) {
		/* No SA_RESTART: a signal ends the sleep at once. */
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (s->contents != NULL && strcmp(target, "-") == 0 &&
	    spool_stdin(s->c) < 0)
		return CLI_EXIT_FAILED;
	for (;;) {
		struct vms_map *map;

		if (frame > 0)
			pause_ns(s->interval_ns);
		if (interrupted)
			break;
		map = vms_open(target, &oo, &err);
		if (map == NULL) {
			if (frame > 0 && (err.code == VMS_E_GONE ||
					  err.code == VMS_E_NOENT)) {
				if (!s->quiet)
					fprintf(stderr,
						"%s%s: %s: exited after frame "
						"%lu\n",
						s->progress ? "\n" : "",
						s->c->prog, target, frame);
				rc = CLI_EXIT_OK;
				break;
			}
			fprintf(stderr, "%s%s: %s\n", s->progress ? "\n" : "",
				s->c->prog, err.msg);
			goto done;
		}
		if (frame == 0)
			cli_warnings(s->c, target, map);
		if (s->pages && map->source.kind != VMS_SOURCE_LIVE &&
		    map->npages == 0) {
			fprintf(stderr,
				"%s: %s: --pages reads the page tables of a "
				"live process (/proc/PID/pagemap); a %s has "
				"none\n",
				s->c->prog, target,
				map->source.kind == VMS_SOURCE_SNAPSHOT ?
					"snapshot taken without --pages" :
					"core");
			vms_map_free(map);
			goto done;
		}
		if (s->contents != NULL) {
			s->so.contents = vms_contents_open(map, target, &oo,
							   s->contents, &err);
			if (s->so.contents == NULL) {
				fprintf(stderr, "%s%s: %s\n",
					s->progress ? "\n" : "", s->c->prog,
					err.msg);
				vms_map_free(map);
				goto done;
			}
			if (frame == 0)
				warn_unheld(s, target, map);
		}
		damaged |= map->source.damaged;
		if (s->out != NULL && strcmp(s->out, "-") == 0) {
			rc = to_stdout(s, map);
			vms_contents_close(s->so.contents);
			vms_map_free(map);
			return rc;
		}
		if (frame == 0) {
			if (s->out != NULL)
				snprintf(name, sizeof(name), "%s", s->out);
			else
				default_name(map, name, sizeof(name));
			if (vms_out_open(&out, name, s->outflags, &err) < 0 ||
			    vms_snapshot_write(map, out.fd, &s->so, &err) < 0 ||
			    vms_out_publish(&out, &err) < 0) {
				fprintf(stderr, "%s: %s\n", s->c->prog,
					err.msg);
				vms_contents_close(s->so.contents);
				vms_map_free(map);
				goto done;
			}
		} else if (vms_snapshot_append(map, out.fd, &s->so, &err) < 0 ||
			   vms_out_sync(&out, &err) < 0) {
			fprintf(stderr, "%s%s: %s: %s\n",
				s->progress ? "\n" : "", s->c->prog, name,
				err.msg);
			vms_contents_close(s->so.contents);
			vms_map_free(map);
			goto done;
		}
		vms_contents_close(s->so.contents);
		s->so.contents = NULL;
		frame++;
		bytes = lseek(out.fd, 0, SEEK_CUR);
		if (s->progress)
			fprintf(stderr,
				"\r%s: %s: frame %lu%s%.0lu, %zu regions, "
				"%lld bytes ",
				s->c->prog, name, frame, s->count ? "/" : "",
				s->count, map->nregions, (long long)bytes);
		vms_map_free(map);
		if (s->interval_ns == 0 || (s->count && frame >= s->count)) {
			rc = CLI_EXIT_OK;
			break;
		}
	}
	if (frame > 0)
		rc = CLI_EXIT_OK;
done:
	if (s->progress && frame > 0)
		fputc('\n', stderr);
	if (interrupted && frame > 0 && !s->quiet)
		fprintf(stderr, "%s: interrupted after frame %lu\n", s->c->prog,
			frame);
	if (interrupted && frame == 0)
		fprintf(stderr, "%s: interrupted before the first frame\n",
			s->c->prog);
	if (frame > 0 && !s->quiet)
		printf("%s\n", name);
	vms_out_close(&out);
	if (rc == CLI_EXIT_OK && damaged)
		rc = CLI_EXIT_PARTIAL;
	return frame == 0 ? CLI_EXIT_FAILED : rc;
}

static int
verify_files(struct snap *s, int n, char *const files[])
{
	int rc = CLI_EXIT_OK;

	for (int i = 0; i < n; i++) {
		struct vms_snapshot_info info;
		struct vms_err err = {0};

		if (vms_snapshot_verify(files[i], &info, &err) < 0) {
			fprintf(stderr, "%s: %s\n", s->c->prog, err.msg);
			rc = CLI_EXIT_FAILED;
			continue;
		}
		printf("%s: format %u.%u, %" PRIu32 " frame%s, %" PRIu64
		       " chunks (%" PRIu64 " skipped), %" PRIu64
		       " regions in the last, %" PRIu64 " bytes: %s\n",
		       files[i], info.major, info.minor, info.nframes,
		       info.nframes == 1 ? "" : "s", info.nchunks,
		       info.nskipped, info.nregions, info.good_end,
		       info.damaged ? "DAMAGED" : "ok");
		if (info.damaged) {
			printf("%s: %s\n", files[i], info.damage);
			if (rc == CLI_EXIT_OK)
				rc = CLI_EXIT_PARTIAL;
		}
	}
	return rc;
}

int
cli_snapshot(struct cli *c, int argc, char **argv)
{
	enum { O_INTERVAL = 256, O_COUNT, O_FRAME, O_LEVEL, O_VERIFY,
	       O_PROCFS, O_PAGES, O_CONTENTS };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"interval", required_argument, NULL, O_INTERVAL},
		{"count", required_argument, NULL, O_COUNT},
		{"frame", required_argument, NULL, O_FRAME},
		{"level", required_argument, NULL, O_LEVEL},
		{"verify", no_argument, NULL, O_VERIFY},
		{"procfs", required_argument, NULL, O_PROCFS},
		{"pages", no_argument, NULL, O_PAGES},
		{"contents", required_argument, NULL, O_CONTENTS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct snap s = {.c = c};
	int verify = 0, opt;
	char *end;

	while ((opt = getopt_long(argc, argv, "+o:fqhV", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'o': s.out = optarg; break;
		case 'f': s.outflags |= VMS_OUT_FORCE; break;
		case 'q': s.quiet = 1; break;
		case O_VERIFY: verify = 1; break;
		case O_PROCFS: c->oopts.procfs = optarg; break;
		case O_PAGES: s.pages = 1; break;
		case O_CONTENTS: {
			struct vms_err err = {0};

			if (vms_contents_filter_check(optarg, &err) < 0) {
				fprintf(stderr, "%s: %s\n", c->prog, err.msg);
				return CLI_EXIT_USAGE;
			}
			s.contents = optarg;
			break;
		}
		case O_INTERVAL:
			s.interval_ns = parse_interval(optarg);
			if (s.interval_ns == 0)
				goto bad;
			break;
		case O_COUNT:
			errno = 0;
			s.count = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || s.count == 0)
				goto bad;
			break;
		case O_FRAME:
			errno = 0;
			c->oopts.frame = (int)strtol(optarg, &end, 10);
			if (errno || *end || end == optarg ||
			    c->oopts.frame < 1)
				goto bad;
			break;
		case O_LEVEL:
			s.so.level = (int)strtol(optarg, &end, 10);
			if (*end || s.so.level < 1 || s.so.level > 9)
				goto bad;
			break;
		default:
			return cli_opt_other(opt, usage);
		}
	}
	if (verify) {
		if (optind == argc || s.out || s.interval_ns || s.count ||
		    s.pages || s.contents)
			goto use;
		return verify_files(&s, argc - optind, argv + optind);
	}
	if (argc - optind != 1 || (s.count && !s.interval_ns) ||
	    (s.interval_ns && s.out && strcmp(s.out, "-") == 0))
		goto use;
	s.progress = !s.quiet && s.interval_ns > 0 && isatty(STDERR_FILENO);
	return capture(&s, argv[optind]);
bad:
	fprintf(stderr, "%s: %s: invalid value\n", c->prog, optarg);
	return CLI_EXIT_USAGE;
use:
	return cli_usage_error(usage);
}
