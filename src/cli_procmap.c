/*
 * cli_procmap.c - the NetBSD pmap / OpenBSD procmap personality: its
 * options pick a procmap view mode (-s -l -m -a -d), targets come from
 * -p, -P, -M and the operands, and -A, -E, -S narrow the map to user
 * addresses (see vmscope-procmap(1) for how they differ from NetBSD's,
 * which take kernel addresses).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
usage(FILE *out)
{
	fputs("usage: vmscope procmap [-adlmPsvw] [-A low[,high]] [-E address]"
	      " [-S address]\n"
	      "                       [-M core] [-p pid] [pid | core ...]\n"
	      "  -s          Solaris style (the default)\n"
	      "  -l          exactly /proc/PID/maps (-v: name every entry)\n"
	      "  -m          the BSD procfs map file (-v: device, inode, "
	      "name)\n"
	      "  -a          all of it: Start End Size Offset rwxpc RWX "
	      "I/W/A Dev Inode File\n"
	      "  -d          a ddb-like dump of every field\n"
	      "  -v          more detail; twice: a note for each hole\n"
	      "  -w          wide: never cut names or wrap lines\n"
	      "  -p pid      this process;  -P  vmscope itself;  -M core  "
	      "this core file\n"
	      "  -A low[,high]  entries meeting this range (hex);  "
	      "-E address  the entry\n"
	      "              holding address;  -S address  entries from "
	      "there on\n"
	      "  --json[=pretty]  every field as JSON\n"
	      "  -h, --help  this help;  -V, --version  the version\n"
	      "See vmscope-procmap(1).\n",
	      out);
}

int
cli_procmap(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"procfs", required_argument, NULL, 'F'},
		{"json", optional_argument, NULL, 'J'},
		{NULL, 0, NULL, 0},
	};
	const char *mode = NULL, *first = NULL, *core = NULL;
	const char *json = NULL;
	char **targets;
	int opt, nmodes = 0, nranges = 0, n = 0, rc;

	while ((opt = getopt_long(argc, argv, "+adlmsvwPp:M:A:E:S:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'a':
			mode = "procmap-a";
			nmodes++;
			break;
		case 'd':
			mode = "procmap-d";
			nmodes++;
			break;
		case 'l':
			mode = "procmap-l";
			nmodes++;
			break;
		case 'm':
			mode = "procmap-m";
			nmodes++;
			break;
		case 's':
			mode = "procmap";
			nmodes++;
			break;
		case 'v':
			c->vopts.verbose++;
			break;
		case 'w':
			c->vopts.flags |= VMS_VIEW_WIDE;
			break;
		/* -P and -p override each other: the last one counts. */
		case 'P':
			first = "self";
			break;
		case 'p':
			first = optarg;
			break;
		case 'M':
			core = optarg;
			break;
		case 'F':
			c->oopts.procfs = optarg;
			break;
		case 'A':
			if (cli_parse_range(optarg, &c->vopts.lo,
					    &c->vopts.hi) < 0)
				return cli_bad_arg(
					c, "-A", optarg,
					"not an address range (low[,high] "
					"in hex)");
			nranges++;
			break;
		case 'E':
		case 'S':
			if (cli_parse_hex(optarg, &c->vopts.lo) < 0)
				return cli_bad_arg(c, opt == 'E' ? "-E" : "-S",
						   optarg,
						   "not an address (hex)");
			c->vopts.hi = opt == 'E' ? c->vopts.lo : UINT64_MAX;
			nranges++;
			break;
		case 'J':
			json = cli_json_view(c, "", optarg);
			if (json == NULL)
				return CLI_EXIT_USAGE;
			break;
		default:
			return cli_opt_other(opt, usage);
		}
	}
	if (nmodes > 1 || nranges > 1) {
		fprintf(stderr,
			"%s: procmap: -s, -l, -m, -a and -d exclude each "
			"other, and so do -A, -E and -S\n",
			c->prog);
		return CLI_EXIT_USAGE;
	}
	if (nranges > 0)
		c->vopts.flags |= VMS_VIEW_RANGE;
	c->view = json != NULL ? json : mode != NULL ? mode : "procmap";
	targets = calloc((size_t)argc + 2, sizeof(*targets));
	if (targets == NULL) {
		fprintf(stderr, "%s: %s\n", c->prog, strerror(errno));
		return CLI_EXIT_FAILED;
	}
	if (first != NULL)
		targets[n++] = (char *)first;
	if (core != NULL)
		targets[n++] = (char *)core;
	for (int i = optind; i < argc; i++)
		targets[n++] = argv[i];
	rc = cli_show_all(c, n, targets);
	free(targets);
	return rc;
}
