/*
 * cli_vmmap.c - the macOS vmmap personality: single-dash long options as
 * vmmap(1) spells them (-interleaved, -summary, -wide, -verbose), one
 * target and an optional address whose region is shown with its
 * neighbours.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char *end;
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
			json = optarg == NULL		       ? "json"
			       : strcmp(optarg, "pretty") == 0 ? "json-pretty"
							       : NULL;
			if (json == NULL) {
				fprintf(stderr,
					"%s: --json=%s: only "
					"--json=pretty is known\n",
					c->prog, optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("vmscope %s\n", VMS_VERSION);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	nargs = argc - optind;
	if (nargs < 1 || nargs > 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (nargs == 2) {
		errno = 0;
		c->vopts.lo = strtoull(argv[optind + 1], &end, 16);
		if (errno != 0 || end == argv[optind + 1] || *end != '\0') {
			fprintf(stderr, "%s: vmmap: %s: not an address (hex)\n",
				c->prog, argv[optind + 1]);
			return CLI_EXIT_USAGE;
		}
		c->vopts.flags |= VMS_VIEW_ADDRESS;
	}
	c->view = json != NULL ? json : view;
	return cli_show_all(c, 1, argv + optind);
}
