/*
 * cli.h - what the personalities of the vmscope command share.  Each
 * personality (pmap, procmap, vmmap, ...) parses its own options in its
 * own cli_*.c file and then shows targets through cli_show_all().
 */
#ifndef VMSCOPE_CLI_H
#define VMSCOPE_CLI_H

#include "vmscope/vmscope.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1      /* some target could not be shown */
#define CLI_EXIT_USAGE 2

struct cli {
	const char *prog;              /* "vmscope" */
	const char *view;              /* a name for vms_view_find() */
	struct vms_view_opts vopts;
	struct vms_open_opts oopts;
};

/*
 * Open each target (none: the parent process), print it with c->view,
 * report errors and warnings on stderr.  The exit status.
 */
int cli_show_all(struct cli *c, int ntargets, char *const targets[]);

/* The personalities: each returns an exit status. */
int cli_pmap(struct cli *c, int argc, char **argv);
int cli_snapshot(struct cli *c, int argc, char **argv);
int cli_procmap(struct cli *c, int argc, char **argv);
int cli_vmmap(struct cli *c, int argc, char **argv);
int cli_diff(struct cli *c, int argc, char **argv);
int cli_addr(struct cli *c, int argc, char **argv);

#endif
