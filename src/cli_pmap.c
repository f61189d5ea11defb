/*
 * cli_pmap.c - the Solaris pmap personality, the default: its options
 * (with the procps additions -X, -XX, -d, -q, -p) pick a pmap view mode.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static void
usage(FILE *out)
{
	fputs("usage: vmscope [-x|-S|-s|-r|-X|-XX|-d] [-alpqF] [-A low[,high]]"
	      " [TARGET...]\n"
	      "       vmscope pmap [options] [TARGET...]\n"
	      "TARGET: a pid, self, /proc/PID, or a core file; with none, the"
	      " calling shell.\n"
	      "  -x          resident, anonymous and locked kilobytes\n"
	      "  -S          swap use per mapping\n"
	      "  -s          page sizes in use (with -x: a Pgsz column)\n"
	      "  -r          only reserved (PROT_NONE) ranges\n"
	      "  -X, -XX     procps-style smaps columns (-XX: all of them)\n"
	      "  -d          procps-style offsets and devices\n"
	      "  -a          accepted; Linux counts only private anonymous "
	      "pages\n"
	      "  -l          names as the kernel gives them, no labels\n"
	      "  -p          full paths where a mode shows file names\n"
	      "  -q          no header or total lines\n"
	      "  -F          accepted; vmscope never stops the target\n"
	      "  -A low,high only mappings that meet this address range "
	      "(hex)\n"
	      "  --frame N   with a snapshot series: frame N (default: the "
	      "last)\n"
	      "  --json[=pretty]  every field as JSON, one line per target"
	      " (vmscope-json(5))\n"
	      "  --symbolize then each thread's pc and the fault address:"
	      " symbol, file:line\n"
	      "  -h, --help  this help;  -V, --version  the version\n"
	      "See vmscope(1).\n",
	      out);
}

int
cli_pmap(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"procfs", required_argument, NULL, 'P'},
		{"frame", required_argument, NULL, 'N'},
		{"json", optional_argument, NULL, 'J'},
		{"symbolize", no_argument, NULL, 'Y'},
		{NULL, 0, NULL, 0},
	};
	int x = 0, S = 0, s = 0, r = 0, X = 0, d = 0, opt;
	const char *json = NULL;

	while ((opt = getopt_long(argc, argv, "+xSsrXdalpqFA:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'x': x = 1; break;
		case 'S': S = 1; break;
		case 's': s = 1; break;
		case 'r': r = 1; break;
		case 'X': X++; break;
		case 'd': d = 1; break;
		case 'a': c->vopts.flags |= VMS_VIEW_SHARED; break;
		case 'l': c->vopts.flags |= VMS_VIEW_RAW; break;
		case 'p': c->vopts.flags |= VMS_VIEW_FULLPATH; break;
		case 'q': c->vopts.flags |= VMS_VIEW_QUIET; break;
		case 'F': break;
		case 'P': c->oopts.procfs = optarg; break;
		case 'Y':
			c->symbolize = 1;
			break;
		case 'N':
			c->oopts.frame = atoi(optarg);
			if (c->oopts.frame < 1)
				return cli_bad_arg(c, "--frame", optarg,
						   "frames count from 1");
			break;
		case 'J':
			json = cli_json_view(c, "", optarg);
			if (json == NULL)
				return CLI_EXIT_USAGE;
			break;
		case 'A':
			if (cli_parse_range(optarg, &c->vopts.lo,
					    &c->vopts.hi) < 0)
				return cli_bad_arg(c, "-A", optarg,
						   "not an address range "
						   "(low[,high] in hex)");
			c->vopts.flags |= VMS_VIEW_RANGE;
			break;
		default:
			return cli_opt_other(opt, usage);
		}
	}
	if (x + S + r + (X > 0) + d > 1 || (s && (S || r || X || d)) || X > 2) {
		fprintf(stderr, "%s: -x, -S, -r, -X, -XX and -d exclude each "
				"other (-s goes with -x)\n",
			c->prog);
		return CLI_EXIT_USAGE;
	}
	c->view = x ? (s ? "pmap-xs" : "pmap-x") : S ? "pmap-S" :
		  s ? "pmap-s" : r ? "pmap-r" : X == 1 ? "pmap-X" :
		  X == 2 ? "pmap-XX" : d ? "pmap-d" : "pmap";
	/* JSON holds every field, so the mode options do not matter. */
	if (json != NULL)
		c->view = json;
	return cli_show_all(c, argc - optind, argv + optind);
}

