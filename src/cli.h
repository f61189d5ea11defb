/*
 * cli.h - what the personalities of the vmscope command share.  Each
 * personality (pmap, procmap, vmmap, ...) parses its own options in its
 * own cli_*.c file and then shows targets through cli_show_all().
 */
#ifndef VMSCOPE_CLI_H
#define VMSCOPE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "vmscope/vmscope.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1      /* some target could not be shown */
#define CLI_EXIT_USAGE 2

struct cli {
	const char *prog;              /* "vmscope" */
	const char *view;              /* a name for vms_view_find() */
	struct vms_view_opts vopts;
	struct vms_open_opts oopts;
	int symbolize;                 /* name the code at threads' pcs */
};

/*
 * Open each target (none: the parent process), print it with c->view,
 * report errors and warnings on stderr.  The exit status.
 */
int cli_show_all(struct cli *c, int ntargets, char *const targets[]);

/* Each warning the map collected, on stderr (cli_util.c). */
void cli_warnings(const struct cli *c, const char *target,
		  const struct vms_map *map);

/*
 * Shared option handling (cli_util.c).  The end of every personality's
 * option switch: -h prints usage on stdout, -V the version, anything
 * else is a usage error with usage on stderr.  The exit status.
 */
int cli_opt_other(int opt, void (*usage)(FILE *out));
/* usage on stderr: CLI_EXIT_USAGE. */
int cli_usage_error(void (*usage)(FILE *out));
/* "OPT ARG: WHAT" on stderr: CLI_EXIT_USAGE. */
int cli_bad_arg(const struct cli *c, const char *opt, const char *arg,
		const char *what);
/*
 * --json's optional argument as a view: "json", "json-pretty" for
 * "pretty", else NULL after a message on stderr that names the
 * personality as where ("diff: ", or "").
 */
const char *cli_json_view(const struct cli *c, const char *where,
			  const char *arg);
/* A hex address (strtoull's syntax): 0, or -1 when s is not one. */
int cli_parse_hex(const char *s, uint64_t *v);
/* "low", "low,", ",high", "low,high" in hex (Solaris -A): 0, or -1. */
int cli_parse_range(const char *s, uint64_t *lo, uint64_t *hi);

/* The personalities: each returns an exit status. */
int cli_pmap(struct cli *c, int argc, char **argv);
/*
 * After a map: each thread's pc and the fault address, resolved as
 * vmscope addr does (cli_addr.c).  -1 when one could not be resolved.
 */
int cli_symbolize(struct cli *c, const struct vms_map *map);
int cli_snapshot(struct cli *c, int argc, char **argv);
int cli_procmap(struct cli *c, int argc, char **argv);
int cli_vmmap(struct cli *c, int argc, char **argv);
int cli_diff(struct cli *c, int argc, char **argv);
int cli_addr(struct cli *c, int argc, char **argv);

#endif
