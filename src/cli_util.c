/*
 * cli_util.c - what the personalities' option parsing shares: -h, -V and
 * usage errors, --json[=pretty], hex addresses and ranges, and how a
 * map's warnings are reported.  Each message here is the one every
 * personality prints, so that they read alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void
cli_warnings(const struct cli *c, const char *target, const struct vms_map *map)
{
	for (size_t i = 0; i < map->nwarnings; i++)
		fprintf(stderr, "%s: %s: warning: %s\n", c->prog, target,
			map->warnings[i]);
}

int
cli_usage_error(void (*usage)(FILE *out))
{
	usage(stderr);
	return CLI_EXIT_USAGE;
}

int
cli_opt_other(int opt, void (*usage)(FILE *out))
{
	switch (opt) {
	case 'h':
		usage(stdout);
		return CLI_EXIT_OK;
	case 'V':
		printf("vmscope %s\n", VMS_VERSION);
		return CLI_EXIT_OK;
	default:
		return cli_usage_error(usage);
	}
}

int
cli_bad_arg(const struct cli *c, const char *opt, const char *arg,
	    const char *what)
{
	fprintf(stderr, "%s: %s %s: %s\n", c->prog, opt, arg, what);
	return CLI_EXIT_USAGE;
}

const char *
cli_json_view(const struct cli *c, const char *where, const char *arg)
{
	if (arg == NULL)
		return "json";
	if (strcmp(arg, "pretty") == 0)
		return "json-pretty";
	fprintf(stderr, "%s: %s--json=%s: only --json=pretty is known\n",
		c->prog, where, arg);
	return NULL;
}

int
cli_parse_hex(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 16);
	return errno != 0 || end == s || *end != '\0' ? -1 : 0;
}

int
cli_parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *comma = strchr(s, ',');
	char *end;

	*lo = 0;
	*hi = UINT64_MAX;
	if (*s != ',' && *s != '\0') {
		errno = 0;
		*lo = strtoull(s, &end, 16);
		if (errno != 0 || end == s || (*end != ',' && *end != '\0'))
			return -1;
		if (comma == NULL)
			*hi = *lo;
	} else if (comma == NULL) {
		return -1;
	}
	if (comma != NULL && comma[1] != '\0' &&
	    cli_parse_hex(comma + 1, hi) < 0)
		return -1;
	if (*hi < *lo || (*s == ',' && comma[1] == '\0'))
		return -1;
	return 0;
}
