/*
 * cli_diff.c - the diff personality: compare two targets (pids, cores,
 * snapshots, any mix) or two frames of a snapshot series, or show the
 * trend of a series.  Exit status as diff(1): 0 no differences, 1
 * differences, 2 trouble; with --fail-if, 1 only when an expression
 * holds.  See vmscope-diff(1).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define DIFF_SAME 0
#define DIFF_DIFFER 1
#define DIFF_TROUBLE 2

struct diffcli {
	struct cli *c;
	struct vms_diff_expr *exprs;
	size_t nexprs;
	int frames[2];	/* --frames I,J; 0: not given */
	unsigned print; /* VMS_DIFF_PRINT_* */
	int quiet;
	int trend;
	struct vms_diff_opts dopts;
};

static void
usage(FILE *out)
{
	fputs("usage: vmscope diff [-aq] [--json[=pretty]] [--fail-if EXPR]..."
	      " [--frames I,J] A B\n"
	      "       vmscope diff [options] SERIES.vms\n"
	      "       vmscope diff --trend [-a] [--json[=pretty]] SERIES.vms"
	      " | TARGET...\n"
	      "A, B: a pid, self, /proc/PID, a core or a snapshot; a series "
	      "alone: its\nfirst and last frames.\n"
	      "  -a, --all         unchanged groups too\n"
	      "  -q, --quiet       print nothing; the exit status tells\n"
	      "  --json[=pretty]   JSON with exact bytes (vmscope-diff(1))\n"
	      "  --fail-if EXPR    [SCOPE.]FIELD OP VALUE on B - A, e.g. "
	      "rss>+10%,\n"
	      "                    heap.rss>+64M, regions>+100 (repeatable)\n"
	      "  --frames I,J      frames of the series (or of A and B); -1 is"
	      " the last\n"
	      "  --trend           RSS of each group in every frame; flags "
	      "steady growth\n"
	      "  --paths           match modules by path only, not build-id\n"
	      "  -h, --help  this help;  -V, --version  the version\n"
	      "Exit status: 0 no differences, 1 differences (with --fail-if: "
	      "an expression\nholds), 2 trouble.  See vmscope-diff(1).\n",
	      out);
}

static int
parse_frame(const char *s, const char **end)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (errno != 0 || e == s || v == 0 || v < INT_MIN || v > INT_MAX)
		return 0;
	*end = e;
	return (int)v;
}

/* "I,J": frames from 1, or from the end when negative. */
static int
parse_frames(const char *s, int f[2])
{
	const char *end;

	f[0] = parse_frame(s, &end);
	if (f[0] == 0 || *end != ',')
		return -1;
	f[1] = parse_frame(end + 1, &end);
	if (f[1] == 0 || *end != '\0')
		return -1;
	return 0;
}

static void
warnings(const struct cli *c, const char *target, const struct vms_map *map)
{
	for (size_t i = 0; i < map->nwarnings; i++)
		fprintf(stderr, "%s: %s: warning: %s\n", c->prog, target,
			map->warnings[i]);
}

/*
 * A target with its counters (live: smaps) and build-ids; of a series,
 * frame (from 1; from the end when negative; 0 the last).  Nothing is
 * printed: it may run in a second thread.
 */
struct job {
	const struct cli *c;
	const char *target;
	int frame;
	struct vms_map *map;
	struct vms_err err;
};

static void *
open_job(void *arg)
{
	struct job *j = arg;
	struct vms_open_opts oo = j->c->oopts;

	oo.flags |= VMS_OPEN_COUNTERS | VMS_OPEN_BUILDIDS;
	oo.frame = j->frame > 0 ? j->frame : 0;
	j->map = vms_open(j->target, &oo, &j->err);
	if (j->map != NULL && j->frame < -1 &&
	    j->map->source.kind == VMS_SOURCE_SNAPSHOT) {
		/* The last frame tells how many there are. */
		uint32_t n = j->map->source.nframes;
		int64_t f = (int64_t)n + 1 + j->frame;

		vms_map_free(j->map);
		j->map = NULL;
		oo.frame = (int)f;
		if (f < 1)
			vms_err_set(&j->err, VMS_E_INVAL, 0,
				    "%s: frame %d: only %" PRIu32 " frames",
				    j->target, j->frame, n);
		else
			j->map = vms_open(j->target, &oo, &j->err);
	}
	return NULL;
}

/* Report what a job found; its map. */
static struct vms_map *
job_done(struct job *j)
{
	if (j->map == NULL)
		fprintf(stderr, "%s: diff: %s\n", j->c->prog, j->err.msg);
	else
		warnings(j->c, j->target, j->map);
	return j->map;
}

static struct vms_map *
load(const struct cli *c, const char *target, int frame)
{
	struct job j = {c, target, frame, NULL, {0}};

	open_job(&j);
	return job_done(&j);
}

/*
 * A and B at once, A in a second thread: reading a snapshot or smaps is
 * most of the time a diff takes.
 */
static int
load_both(const struct cli *c, const char *ta, int fa, const char *tb, int fb,
	  struct vms_map **a, struct vms_map **b)
{
	struct job ja = {c, ta, fa, NULL, {0}}, jb = {c, tb, fb, NULL, {0}};
	pthread_t th;
	int threaded = pthread_create(&th, NULL, open_job, &ja) == 0;

	if (!threaded)
		open_job(&ja);
	open_job(&jb);
	if (threaded)
		pthread_join(th, NULL);
	*a = job_done(&ja);
	*b = job_done(&jb);
	return *a != NULL && *b != NULL ? 0 : -1;
}

static int
trend(struct diffcli *d, int n, char *const targets[])
{
	struct vms_err err = {0};
	struct vms_trend *t = vms_trend_new(&err);
	struct vms_map *map = NULL;
	int rc = DIFF_TROUBLE;
	uint32_t frames = 0;
	char name[4096];

	if (t == NULL)
		goto fail;
	if (n == 1) {
		map = load(d->c, targets[0], 0);
		if (map == NULL)
			goto done;
		frames = map->source.kind == VMS_SOURCE_SNAPSHOT
				 ? map->source.nframes
				 : 1;
		vms_map_free(map);
		map = NULL;
	}
	for (int i = 0; i < (n == 1 ? (int)frames : n); i++) {
		const char *target = n == 1 ? targets[0] : targets[i];

		map = load(d->c, target, n == 1 ? i + 1 : 0);
		if (map == NULL)
			goto done;
		if (map->source.kind == VMS_SOURCE_SNAPSHOT)
			snprintf(name, sizeof(name), "%s frame %" PRIu32,
				 target, map->source.frame);
		else
			snprintf(name, sizeof(name), "%s", target);
		if (vms_trend_add(t, map, name, &err) < 0)
			goto fail;
		vms_map_free(map);
		map = NULL;
	}
	vms_trend_finish(t);
	if (!d->quiet && vms_trend_print(stdout, t, d->print) < 0)
		goto done;
	rc = DIFF_SAME;
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].growing)
			rc = DIFF_DIFFER;
	goto done;
fail:
	fprintf(stderr, "%s: diff: %s\n", d->c->prog, err.msg);
done:
	vms_map_free(map);
	vms_trend_free(t);
	return rc;
}

static void
said(FILE *out, const struct vms_diff_value *v)
{
	int64_t delta = 0;

	vms_diff_delta(v, &delta);
	fprintf(out, "A %" PRIu64 ", B %" PRIu64 ", B - A %+" PRId64, v->a,
		v->b, delta);
}

/* Evaluate every --fail-if; the exit status. */
static int
thresholds(const struct diffcli *d, const struct vms_diff *diff)
{
	int holds = 0, trouble = 0;

	for (size_t i = 0; i < d->nexprs; i++) {
		struct vms_err err = {0};
		struct vms_diff_value v;
		int r = vms_diff_expr_eval(&d->exprs[i], diff, &v, &err);

		if (r < 0) {
			fprintf(stderr,
				"%s: diff: --fail-if %s (not "
				"evaluable)\n",
				d->c->prog, err.msg);
			trouble = 1;
		} else if (r > 0) {
			holds = 1;
			if (d->quiet)
				continue;
			fprintf(stderr,
				"%s: diff: --fail-if %s holds: ", d->c->prog,
				d->exprs[i].text);
			said(stderr, &v);
			fputc('\n', stderr);
		}
	}
	return trouble ? DIFF_TROUBLE : holds ? DIFF_DIFFER : DIFF_SAME;
}

static int
compare(struct diffcli *d, int n, char *const targets[])
{
	struct vms_map *a = NULL, *b = NULL;
	struct vms_diff *diff = NULL;
	struct vms_err err = {0};
	int rc = DIFF_TROUBLE;
	int fa = d->frames[0], fb = d->frames[1];

	if (strcmp(targets[0], "-") == 0 && strcmp(targets[n - 1], "-") == 0) {
		fprintf(stderr,
			"%s: diff: standard input can be read only "
			"once\n",
			d->c->prog);
		goto done;
	}
	/* A series: its first and last frames unless told. */
	if (load_both(d->c, targets[0], n == 1 && fa == 0 ? 1 : fa,
		      targets[n - 1], fb, &a, &b) < 0)
		goto done;
	if (n == 1 && b->source.kind != VMS_SOURCE_SNAPSHOT) {
		fprintf(stderr,
			"%s: diff: %s: one target must be a snapshot "
			"series\n",
			d->c->prog, targets[0]);
		goto done;
	}
	if (vms_diff_run(a, b, &d->dopts, &diff, &err) < 0) {
		fprintf(stderr, "%s: diff: %s\n", d->c->prog, err.msg);
		goto done;
	}
	if (!d->quiet && vms_diff_print(stdout, diff, d->print) < 0)
		goto done;
	if (d->nexprs > 0)
		rc = thresholds(d, diff);
	else
		rc = diff->differs ? DIFF_DIFFER : DIFF_SAME;
done:
	vms_diff_free(diff);
	vms_map_free(a);
	vms_map_free(b);
	return rc;
}

int
cli_diff(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"json", optional_argument, NULL, 'J'},
		{"fail-if", required_argument, NULL, 'F'},
		{"frames", required_argument, NULL, 'N'},
		{"trend", no_argument, NULL, 'T'},
		{"paths", no_argument, NULL, 'p'},
		{"procfs", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct diffcli d = {.c = c};
	int opt, n, rc = DIFF_TROUBLE;

	d.exprs = calloc((size_t)argc + 1, sizeof(*d.exprs));
	if (d.exprs == NULL) {
		fprintf(stderr, "%s: diff: out of memory\n", c->prog);
		return DIFF_TROUBLE;
	}
	while ((opt = getopt_long(argc, argv, "+aqhV", longopts, NULL)) != -1) {
		struct vms_err err = {0};

		switch (opt) {
		case 'a':
			d.print |= VMS_DIFF_PRINT_ALL;
			break;
		case 'q':
			d.quiet = 1;
			break;
		case 'T':
			d.trend = 1;
			break;
		case 'p':
			d.dopts.flags |= VMS_DIFF_PATHS;
			break;
		case 'P':
			c->oopts.procfs = optarg;
			break;
		case 'J':
			if (cli_json_view(c, "diff: ", optarg) == NULL)
				goto done;
			d.print |= VMS_DIFF_PRINT_JSON;
			if (optarg != NULL)
				d.print |= VMS_DIFF_PRINT_PRETTY;
			break;
		case 'F':
			if (vms_diff_expr_parse(optarg, &d.exprs[d.nexprs],
						&err) < 0) {
				fprintf(stderr, "%s: diff: --fail-if %s\n",
					c->prog, err.msg);
				goto done;
			}
			d.nexprs++;
			break;
		case 'N':
			if (parse_frames(optarg, d.frames) < 0) {
				fprintf(stderr,
					"%s: diff: --frames %s: not "
					"I,J (frames from 1, -1 the "
					"last)\n",
					c->prog, optarg);
				goto done;
			}
			break;
		default:
			/* The same statuses: 0 for -h and -V, 2 for usage. */
			rc = cli_opt_other(opt, usage);
			goto done;
		}
	}
	n = argc - optind;
	if (d.trend && (d.nexprs > 0 || d.frames[0] != 0)) {
		fprintf(stderr,
			"%s: diff: --trend takes neither --fail-if nor "
			"--frames\n",
			c->prog);
		goto done;
	}
	if ((d.trend && n < 1) || (!d.trend && (n < 1 || n > 2))) {
		usage(stderr);
		goto done;
	}
	rc = d.trend ? trend(&d, n, argv + optind)
		     : compare(&d, n, argv + optind);
done:
	free(d.exprs);
	return rc;
}
