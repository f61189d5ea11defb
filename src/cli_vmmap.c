/*
 * cli_vmmap.c - the macOS vmmap personality: single-dash long options as
 * vmmap(1) spells them (-interleaved, -summary, -wide, -verbose), one
 * target and an optional address whose region is shown with its
 * neighbours.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static void
usage(FILE *out)
{
	fputs("usage: vmscope vmmap [-w|-wide] [-v|-verbose] [-interleaved]"
	      " [-summary]\n"
	      "                     TARGET [ADDRESS]\n"
	      "TARGET: a pid, self, /proc/PID, or a core file.\n"
	      "  -w, -wide       full region details, never cut\n"
	      "  -v, -verbose    -wide, and adjacent alike regions stay apart "
	      "(-noCoalesce)\n"
	      "  -interleaved    one list in address order\n"
	      "  -summary        only the summary by region type\n"
	      "  ADDRESS         only the region holding it and its "
	      "neighbours (hex)\n"
	      "  --json[=pretty] every field as JSON\n"
	      "  -h, -help       this help;  -V, -version  the version\n"
	      "See vmscope-vmmap(1).\n",
	      out);
}

int
cli_vmmap(struct cli *c, int argc, char **argv)
{
	enum { O_INTER = 256, O_SUMMARY, O_NOCOAL, O_PROCFS, O_JSON };
	static const struct option longopts[] = {
		{"wide", no_argument, NULL, 'w'},
		{"verbose", no_argument, NULL, 'v'},
		{"interleaved", no_argument, NULL, O_INTER},
		{"summary", no_argument, NULL, O_SUMMARY},
		{"noCoalesce", no_argument, NULL, O_NOCOAL},
		{"procfs", required_argument, NULL, O_PROCFS},
		{"json", optional_argument, NULL, O_JSON},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *view = "vmmap";
	const char *json = NULL;
	int opt, nargs;

	while ((opt = getopt_long_only(argc, argv, "+wvhV", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'w':
			c->vopts.flags |= VMS_VIEW_WIDE;
			break;
		case 'v':
		case O_NOCOAL:
			c->vopts.verbose++;
			break;
		case O_INTER:
			view = "vmmap-interleaved";
			break;
		case O_SUMMARY:
			view = "vmmap-summary";
			break;
		case O_PROCFS:
			c->oopts.procfs = optarg;
			break;
		case O_JSON:
			json = cli_json_view(c, "", optarg);
			if (json == NULL)
				return CLI_EXIT_USAGE;
			break;
		default:
			return cli_opt_other(opt, usage);
		}
	}
	nargs = argc - optind;
	if (nargs < 1 || nargs > 2)
		return cli_usage_error(usage);
	if (nargs == 2) {
		if (cli_parse_hex(argv[optind + 1], &c->vopts.lo) < 0) {
			fprintf(stderr, "%s: vmmap: %s: not an address (hex)\n",
				c->prog, argv[optind + 1]);
			return CLI_EXIT_USAGE;
		}
		c->vopts.flags |= VMS_VIEW_ADDRESS;
	}
	c->view = json != NULL ? json : view;
	return cli_show_all(c, 1, argv + optind);
}
