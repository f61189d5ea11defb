/*
 * pair: time a baseline command and a candidate command in alternation
 * and print the median of the per-pair ratios.
 *
 *   pair RUNS WARMUP BASELINE... -- CANDIDATE...
 *
 * Each of RUNS rounds (after WARMUP untimed ones) runs the baseline and
 * the candidate, in turn first, output to /dev/null, wall time by
 * CLOCK_MONOTONIC from just before fork() to just after the wait.  Two runs side by side see
 * nearly the same machine, so the ratio of a pair cancels the drift of a
 * shared, noisy host that makes medians taken seconds apart disagree; the
 * median over the pairs then drops the pairs a burst hit.
 *
 * Prints "BASE_MS CAND_MS RATIO": the two medians of the times and the
 * median of the ratios.  Exit status 0, 1 when a command failed or could
 * not start, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall seconds of one run of argv, or -1 if it failed. */
static double
run(char **argv, int devnull)
{
	double t0 = now();
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dup2(devnull, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return now() - t0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	char **base = argv + 3, **cand = NULL;
	double *tb, *tc, *ratio;
	long runs, warmup;
	int devnull;

	if (argc < 6)
		goto usage;
	runs = strtol(argv[1], NULL, 10);
	warmup = strtol(argv[2], NULL, 10);
	if (runs < 1 || runs > 100000 || warmup < 0 || warmup > 1000)
		goto usage;
	for (int i = 3; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = NULL;
			cand = argv + i + 1;
			break;
		}
	if (cand == NULL || cand[0] == NULL || base[0] == NULL)
		goto usage;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	tb = calloc((size_t)runs, sizeof(*tb));
	tc = calloc((size_t)runs, sizeof(*tc));
	ratio = calloc((size_t)runs, sizeof(*ratio));
	if (devnull < 0 || tb == NULL || tc == NULL || ratio == NULL) {
		perror("pair");
		return 1;
	}
	for (long r = -warmup; r < runs; r++) {
		/* Who goes first alternates: neither gets the warmer caches. */
		int cfirst = r % 2 != 0;
		double c = cfirst ? run(cand, devnull) : 0;
		double b = run(base, devnull);

		if (!cfirst)
			c = run(cand, devnull);

		if (b <= 0 || c <= 0) {
			fprintf(stderr, "pair: %s failed\n",
				b <= 0 ? base[0] : cand[0]);
			return 1;
		}
		if (r < 0)
			continue;
		tb[r] = b;
		tc[r] = c;
		ratio[r] = c / b;
	}
	printf("%.3f %.3f %.3f\n", median(tb, (size_t)runs) * 1e3,
	       median(tc, (size_t)runs) * 1e3, median(ratio, (size_t)runs));
	return 0;
usage:
	fprintf(stderr, "usage: pair RUNS WARMUP BASELINE... -- CANDIDATE...\n");
	return 2;
}
