/*
 * cli_addr.c - the addr personality: what is at each address of a
 * process, core or snapshot, one line each (or JSON); with --threads,
 * each thread's pc and the fault address too.  Addresses come from the
 * command line, or one or more per line on standard input.
 *
 * Exit status: 0 every address was looked up, 1 the target or some
 * address failed, 2 usage.  See vmscope-addr(1).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "views/jsonw.h"

struct run {
	struct cli *c;
	const struct vms_map *map;
	struct vms_addr_ctx *ctx;
	struct vms_jw jw;
	int json;
	int failed;
};

static void
usage(FILE *out)
{
	fputs("usage: vmscope addr [--sysroot DIR] [--debug-dir DIR] [--json]"
	      " [--threads]\n"
	      "                    TARGET [ADDRESS...]\n"
	      "TARGET: a pid, self, /proc/PID, a core file or a snapshot.\n"
	      "ADDRESS: hex, with or without 0x; none (or -): read them from "
	      "standard input.\n"
	      "  --sysroot DIR    look for mapped files under DIR only\n"
	      "  --debug-dir DIR  look for debug files in DIR first\n"
	      "  --threads        also each thread's pc and the fault "
	      "address\n"
	      "  --json           one JSON document\n"
	      "  --procfs DIR     procfs root (default /proc)\n"
	      "  -h, --help       this help;  -V, --version  the version\n"
	      "See vmscope-addr(1).\n",
	      out);
}

static int
parse_addr(const char *s, uint64_t *v)
{
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!isxdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static void
prot_str(const struct vms_region *r, char *buf)
{
	if (!(r->has & VMS_HAS_PROT)) {
		strcpy(buf, "???");
		return;
	}
	buf[0] = (r->prot & VMS_PROT_R) ? 'r' : '-';
	buf[1] = (r->prot & VMS_PROT_W) ? 'w' : '-';
	buf[2] = (r->prot & VMS_PROT_X) ? 'x' : '-';
	buf[3] = '\0';
}

/* The path, the kernel's name, or the label in brackets. */
static const char *
region_name(const struct vms_region *r, char *buf, size_t size)
{
	const char *l = vms_label_name((enum vms_label)r->label);

	if (r->path != NULL) {
		snprintf(buf, size, "%s%s", r->path,
			 (r->flags & VMS_RF_DELETED) ? " (deleted)" : "");
	} else if (r->name != NULL) {
		snprintf(buf, size, "%s", r->name);
	} else if (l != NULL && r->label_id != 0) {
		snprintf(buf, size, "[%s %" PRIu64 "]", l, r->label_id);
	} else {
		snprintf(buf, size, "[%s]", l != NULL ? l : "anon");
	}
	return buf;
}

static void
text_region(FILE *out, const struct vms_region *r)
{
	char prot[4], name[4200];

	prot_str(r, prot);
	fprintf(out, "%" PRIx64 "-%" PRIx64 " %s %s", r->start, r->end, prot,
		region_name(r, name, sizeof(name)));
}

static void
text_frames(FILE *out, const struct vms_addr *a)
{
	for (size_t i = 0; i < a->nframes; i++) {
		const struct vms_frame *f = &a->frames[i];

		fprintf(out, i == 0 ? " in %s" : ", inlined into %s",
			f->function != NULL ? f->function : "??");
		if (f->file != NULL)
			fprintf(out, " at %s:%" PRIu32, f->file, f->line);
	}
}

static void
print_text(FILE *out, const char *what, const struct vms_addr *a)
{
	const struct vms_region *r = a->region;

	if (what != NULL)
		fprintf(out, "%s ", what);
	fprintf(out, "0x%" PRIx64 ": ", a->addr);
	if (r == NULL) {
		fputs("unmapped, ", out);
		if (a->below != NULL) {
			fprintf(out, "0x%" PRIx64 " past ",
				a->addr - a->below->end);
			text_region(out, a->below);
		} else {
			fputs("nothing below", out);
		}
		if (a->above != NULL) {
			fprintf(out, ", 0x%" PRIx64 " before ",
				a->above->start - a->addr);
			text_region(out, a->above);
		} else {
			fputs(", nothing above", out);
		}
		fputc('\n', out);
		return;
	}
	text_region(out, r);
	if (r->role != VMS_ROLE_NONE)
		fprintf(out, " (%s)", vms_role_name((enum vms_role)r->role));
	if (a->has & VMS_A_OFFSET)
		fprintf(out, " +0x%" PRIx64, a->file_offset);
	if (a->has & VMS_A_SECTION)
		fprintf(out, " %s", a->section);
	if (a->has & VMS_A_SYMBOL)
		fprintf(out, " %s+0x%" PRIx64, a->symbol, a->symbol_offset);
	text_frames(out, a);
	if (r->build_id_len > 0) {
		fputs(" build-id ", out);
		for (size_t i = 0; i < r->build_id_len; i++)
			fprintf(out, "%02x", r->build_id[i]);
	}
	if (a->state != VMS_MOD_OK && a->state != VMS_MOD_NONE)
		fprintf(out, " (%s: %s)", vms_modstate_name(a->state),
			a->why != NULL ? a->why : "?");
	fputc('\n', out);
}

static void
json_region(struct vms_jw *w, const char *k, const struct vms_region *r)
{
	char prot[4];

	if (r == NULL) {
		vms_jw_null(w, k);
		return;
	}
	prot_str(r, prot);
	vms_jw_key(w, k);
	vms_jw_begin(w, '{');
	vms_jw_addr(w, "start", 1, r->start);
	vms_jw_addr(w, "end", 1, r->end);
	vms_jw_str(w, "prot", (r->has & VMS_HAS_PROT) ? prot : NULL);
	vms_jw_str(w, "path", r->path);
	vms_jw_str(w, "name", r->name);
	vms_jw_str(w, "label", vms_label_name((enum vms_label)r->label));
	vms_jw_str(w, "role", vms_role_name((enum vms_role)r->role));
	vms_jw_key(w, "build_id");
	if (r->build_id_len > 0)
		vms_jw_hex(w, r->build_id, r->build_id_len);
	else
		fputs("null", w->out);
	vms_jw_end(w, '}');
}

static void
print_json(struct vms_jw *w, const char *what, const struct vms_addr *a)
{
	const struct vms_region *r = a->region;
	int mod = r != NULL && a->state != VMS_MOD_NONE;

	vms_jw_sep(w);
	vms_jw_begin(w, '{');
	vms_jw_addr(w, "address", 1, a->addr);
	vms_jw_str(w, "what", what);
	vms_jw_bool(w, "mapped", 1, r != NULL);
	json_region(w, "region", r);
	json_region(w, "below", a->below);
	json_region(w, "above", a->above);
	vms_jw_u64(w, "below_distance", a->below != NULL,
		   a->below != NULL ? a->addr - a->below->end : 0);
	vms_jw_u64(w, "above_distance", a->above != NULL,
		   a->above != NULL ? a->above->start - a->addr : 0);
	vms_jw_u64(w, "file_offset", (a->has & VMS_A_OFFSET) != 0,
		   a->file_offset);
	vms_jw_str(w, "module", a->module);
	vms_jw_str(w, "module_state", mod ? vms_modstate_name(a->state) : NULL);
	vms_jw_str(w, "module_problem", a->why);
	vms_jw_addr(w, "load_bias", (a->has & VMS_A_VADDR) != 0, a->bias);
	vms_jw_addr(w, "module_address", (a->has & VMS_A_VADDR) != 0, a->vaddr);
	vms_jw_str(w, "section", a->section);
	vms_jw_str(w, "symbol", a->symbol);
	vms_jw_u64(w, "symbol_offset", (a->has & VMS_A_SYMBOL) != 0,
		   a->symbol_offset);
	vms_jw_bool(w, "symbol_covers", (a->has & VMS_A_SYMBOL) != 0,
		    (a->has & VMS_A_SYMSIZE) != 0);
	vms_jw_str(w, "debug_file", a->debug_file);
	vms_jw_key(w, "frames");
	vms_jw_begin(w, '[');
	for (size_t i = 0; i < a->nframes; i++) {
		const struct vms_frame *f = &a->frames[i];

		vms_jw_sep(w);
		vms_jw_begin(w, '{');
		vms_jw_str(w, "function", f->function);
		vms_jw_str(w, "file", f->file);
		vms_jw_u64(w, "line", f->line != 0, f->line);
		vms_jw_u64(w, "column", f->column != 0, f->column);
		vms_jw_bool(w, "inlined", 1, i + 1 < a->nframes);
		vms_jw_end(w, '}');
	}
	vms_jw_end(w, ']');
	vms_jw_end(w, '}');
}

static int
one(struct run *run, const char *what, uint64_t addr)
{
	struct vms_err err = {0};
	struct vms_addr *a = vms_addr_lookup(run->ctx, addr, &err);

	if (a == NULL) {
		fprintf(stderr, "%s: addr: 0x%" PRIx64 ": %s\n", run->c->prog,
			addr, err.msg);
		run->failed = 1;
		return -1;
	}
	if (run->json)
		print_json(&run->jw, what, a);
	else
		print_text(stdout, what, a);
	vms_addr_free(a);
	return 0;
}

static void
word(struct run *run, const char *s)
{
	uint64_t v;

	if (parse_addr(s, &v) < 0) {
		fprintf(stderr, "%s: addr: %s: not an address (hex)\n",
			run->c->prog, s);
		run->failed = 1;
		return;
	}
	one(run, NULL, v);
}

/* Addresses on standard input, separated by white space. */
static void
from_stdin(struct run *run)
{
	char buf[128];
	size_t n = 0;
	int ch;

	do {
		ch = getchar();
		if (ch != EOF && !isspace(ch)) {
			if (n + 1 < sizeof(buf))
				buf[n] = (char)ch;
			n++;
			continue;
		}
		if (n == 0)
			continue;
		if (n >= sizeof(buf)) {
			fprintf(stderr, "%s: addr: %.20s...: not an address\n",
				run->c->prog, buf);
			run->failed = 1;
		} else {
			buf[n] = '\0';
			word(run, buf);
		}
		n = 0;
	} while (ch != EOF);
}

static void
threads(struct run *run)
{
	const struct vms_map *map = run->map;
	char what[64];

	for (size_t i = 0; i < map->nthreads; i++) {
		const struct vms_thread *t = &map->threads[i];

		if (!(t->has & VMS_THR_HAS_PC))
			continue;
		snprintf(what, sizeof(what), "thread %" PRIu64 " pc", t->tid);
		one(run, what, t->pc);
	}
	if (map->proc.has & VMS_P_FAULT_ADDR)
		one(run, "fault", map->proc.fault_addr);
}

int
cli_symbolize(struct cli *c, const struct vms_map *map)
{
	struct vms_elf_opts eo = {.procfs = c->oopts.procfs};
	struct run run = {.c = c, .map = map};
	struct vms_err err = {0};

	run.ctx = vms_addr_ctx_new(map, &eo, &err);
	if (run.ctx == NULL) {
		fprintf(stderr, "%s: %s\n", c->prog, err.msg);
		return -1;
	}
	threads(&run);
	vms_addr_ctx_free(run.ctx);
	return run.failed ? -1 : 0;
}

int
cli_addr(struct cli *c, int argc, char **argv)
{
	enum { O_SYSROOT = 256, O_DEBUGDIR, O_JSON, O_THREADS, O_PROCFS };
	static const struct option longopts[] = {
		{"sysroot", required_argument, NULL, O_SYSROOT},
		{"debug-dir", required_argument, NULL, O_DEBUGDIR},
		{"json", no_argument, NULL, O_JSON},
		{"threads", no_argument, NULL, O_THREADS},
		{"procfs", required_argument, NULL, O_PROCFS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct vms_elf_opts eo = {0};
	struct run run = {.c = c};
	struct vms_err err = {0};
	struct vms_map *map;
	int opt, thr = 0, nargs;

	while ((opt = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (opt) {
		case O_SYSROOT:
			eo.sysroot = optarg;
			break;
		case O_DEBUGDIR:
			eo.debug_dir = optarg;
			break;
		case O_JSON:
			run.json = 1;
			break;
		case O_THREADS:
			thr = 1;
			break;
		case O_PROCFS:
			c->oopts.procfs = optarg;
			break;
		default:
			return cli_opt_other(opt, usage);
		}
	}
	nargs = argc - optind;
	if (nargs < 1)
		return cli_usage_error(usage);
	eo.procfs = c->oopts.procfs;
	c->oopts.flags |= VMS_OPEN_BUILDIDS;
	map = vms_open(argv[optind], &c->oopts, &err);
	if (map == NULL) {
		fprintf(stderr, "%s: %s\n", c->prog, err.msg);
		return CLI_EXIT_FAILED;
	}
	/* Roles for the lines; a mismatch becomes a warning below. */
	if (vms_map_roles(map, &eo, &err) < 0 ||
	    (run.ctx = vms_addr_ctx_new(map, &eo, &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", c->prog, err.msg);
		vms_map_free(map);
		return CLI_EXIT_FAILED;
	}
	run.map = map;
	run.jw.out = stdout;
	if (run.json) {
		vms_jw_begin(&run.jw, '{');
		vms_jw_str(&run.jw, "target", argv[optind]);
		vms_jw_key(&run.jw, "addresses");
		vms_jw_begin(&run.jw, '[');
	}
	if (thr)
		threads(&run);
	if (nargs == 1 && !thr)
		from_stdin(&run);
	for (int i = optind + 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			from_stdin(&run);
		else
			word(&run, argv[i]);
	}
	if (run.json) {
		vms_jw_end(&run.jw, ']');
		vms_jw_end(&run.jw, '}');
		fputc('\n', stdout);
	}
	cli_warnings(c, argv[optind], map);
	vms_addr_ctx_free(run.ctx);
	vms_map_free(map);
	return run.failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}
