/*
 * main.c - the vmscope command: picks a personality from the first word,
 * which parses its options; shows each target and chooses the exit status:
 * 0 when every target was shown, 1 when some target failed, 2 for a usage
 * error.  Only the command writes to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int
show(struct cli *c, const char *target)
{
	const struct vms_view *v = vms_view_find(c->view);
	struct vms_open_opts oo = c->oopts;
	struct vms_err err = {0};
	struct vms_map *map;
	int rc;

	oo.flags |= v->needs;
	if (c->symbolize)
		oo.flags |= VMS_OPEN_BUILDIDS;
	map = vms_open(target, &oo, &err);
	if (map == NULL) {
		fprintf(stderr, "%s: %s\n", c->prog, err.msg);
		return -1;
	}
	rc = v->print(stdout, map, &c->vopts);
	if (rc == 0 && c->symbolize && cli_symbolize(c, map) < 0)
		rc = -1;
	cli_warnings(c, target, map);
	vms_map_free(map);
	return rc;
}

int
cli_show_all(struct cli *c, int ntargets, char *const targets[])
{
	char parent[32];
	int failed = 0;

	if (ntargets == 0) {
		snprintf(parent, sizeof(parent), "%ld", (long)getppid());
		return show(c, parent) < 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	}
	for (int i = 0; i < ntargets; i++)
		if (show(c, targets[i]) < 0)
			failed = 1;
	return failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

static const struct {
	const char *word;
	int (*run)(struct cli *c, int argc, char **argv);
} personalities[] = {
	{"pmap", cli_pmap},
	{"snapshot", cli_snapshot},
	{"procmap", cli_procmap},
	{"vmmap", cli_vmmap},
	{"diff", cli_diff},
	{"addr", cli_addr},
};

int
main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct cli c = {.prog = "vmscope"};
	int (*run)(struct cli *, int, char **) = cli_pmap;
	int rc;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	for (size_t i = 0; argc > 1 && i < sizeof(personalities) /
						  sizeof(personalities[0]);
	     i++) {
		if (strcmp(argv[1], personalities[i].word) == 0) {
			run = personalities[i].run;
			argv++;
			argc--;
			break;
		}
	}
	rc = run(&c, argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", c.prog,
			strerror(errno));
		return CLI_EXIT_FAILED;
	}
	return rc;
}
