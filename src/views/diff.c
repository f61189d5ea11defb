/*
 * diff.c - printing a diff (struct vms_diff) and a trend (struct
 * vms_trend) as text for people or as JSON for programs; the layouts are
 * in vmscope-diff(1).  Text shows sizes in K/M/G with one decimal and
 * signed deltas ("+12.0M"); JSON has exact bytes and null for what a
 * source cannot know.  Like every view it sees only the model.
 */
#include <inttypes.h>
#include <string.h>

#include "jsonw.h"
#include "viewutil.h"

/* 0, 512B, 4.0K, 12.5M, 1.1G, 2.0T */
static const char *
human(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double x = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, size, v == 0 ? "0" : "%" PRIu64 "B", v);
		return buf;
	}
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f%c", x, units[u]);
	return buf;
}

static const char *
cell(const struct vms_diff_value *v, unsigned side, int bytes, char *buf,
     size_t size)
{
	uint64_t x = side == VMS_DIFF_A ? v->a : v->b;

	if (!(v->known & side))
		return VMS_UNKNOWN_MARK;
	if (bytes)
		return human(x, buf, size);
	snprintf(buf, size, "%" PRIu64, x);
	return buf;
}

static const char *
delta_cell(const struct vms_diff_value *v, int bytes, char *buf, size_t size)
{
	char h[24];  /* "1023.9E" at most; the sign and it fit in 32 */
	int64_t d;

	if (vms_diff_delta(v, &d) < 0)
		return VMS_UNKNOWN_MARK;
	if (d == 0)
		return "0";
	if (bytes)
		snprintf(buf, size, "%c%s", d > 0 ? '+' : '-',
			 human(d > 0 ? (uint64_t)d : (uint64_t)0 - (uint64_t)d,
			       h, sizeof(h)));
	else
		snprintf(buf, size, "%+" PRId64, d);
	return buf;
}

/* The order of the table's columns. */
static const enum vms_diff_field columns[] = {
	VMS_DF_RSS,  VMS_DF_PSS,  VMS_DF_DIRTY,
	VMS_DF_SWAP, VMS_DF_SIZE, VMS_DF_REGIONS,
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

static const char *const headings[VMS_DF__COUNT] = {
	[VMS_DF_REGIONS] = "REGIONS", [VMS_DF_SIZE] = "SIZE",
	[VMS_DF_RSS] = "RSS",	      [VMS_DF_PSS] = "PSS",
	[VMS_DF_DIRTY] = "DIRTY",     [VMS_DF_SWAP] = "SWAP",
	[VMS_DF_ANONYMOUS] = "ANON",  [VMS_DF_LOCKED] = "LOCKED",
};

static void
title(FILE *out, const char *tag, const struct vms_map *map)
{
	const struct vms_source *s = &map->source;
	const char *name = s->name != NULL ? s->name : "";

	fprintf(out, "%s ", tag);
	if (s->kind == VMS_SOURCE_SNAPSHOT)
		fprintf(out, "snapshot '%s' frame %" PRIu32 "/%" PRIu32 " of ",
			name, s->frame, s->nframes);
	else if (s->kind != VMS_SOURCE_LIVE)
		fprintf(out, "core '%s' of ", name);
	if (map->proc.has & VMS_P_PID)
		fprintf(out, "%" PRId64 ": ", map->proc.pid);
	else
		fputs("?: ", out);
	vms_view_print_args(out, map);
	fputc('\n', out);
}

static void
row(FILE *out, const struct vms_diff_group *g)
{
	char a[32], b[32], d[32];

	for (size_t i = 0; i < NCOLUMNS; i++) {
		const struct vms_diff_value *v = &g->v[columns[i]];
		int bytes = columns[i] != VMS_DF_REGIONS;

		fprintf(out, bytes ? "%7s %7s %8s  " : "%5s %5s %6s",
			cell(v, VMS_DIFF_A, bytes, a, sizeof(a)),
			cell(v, VMS_DIFF_B, bytes, b, sizeof(b)),
			delta_cell(v, bytes, d, sizeof(d)));
	}
	fprintf(out, "  %c %s",
		g->in == VMS_DIFF_A   ? '-'
		: g->in == VMS_DIFF_B ? '+'
				      : ' ',
		g->name);
	if (g->name_a != NULL)
		fprintf(out, " (was %s)", g->name_a);
	fputc('\n', out);
}

static void
table(FILE *out, const struct vms_diff *d, unsigned flags)
{
	size_t hidden = 0;

	/* The regions column comes last, before the name. */
	for (size_t i = 0; i < NCOLUMNS; i++)
		fprintf(out, columns[i] != VMS_DF_REGIONS ? "%-24s  " : "%-18s",
			headings[columns[i]]);
	fputs("    NAME\n", out);
	for (size_t i = 0; i < NCOLUMNS; i++)
		fputs(columns[i] != VMS_DF_REGIONS
			      ? "      A       B    DELTA  "
			      : "    A     B  DELTA",
		      out);
	fputc('\n', out);
	for (size_t i = 0; i < d->ngroups; i++) {
		if (!d->groups[i].changed && !(flags & VMS_DIFF_PRINT_ALL)) {
			hidden++;
			continue;
		}
		row(out, &d->groups[i]);
	}
	if (hidden > 0)
		fprintf(out, "(%zu group%s unchanged)\n", hidden,
			hidden == 1 ? "" : "s");
}

static const char *
perm(const struct vms_region *r, char *buf)
{
	if (!(r->has & VMS_HAS_PROT))
		return "???";
	buf[0] = (r->prot & VMS_PROT_R) ? 'r' : '-';
	buf[1] = (r->prot & VMS_PROT_W) ? 'w' : '-';
	buf[2] = (r->prot & VMS_PROT_X) ? 'x' : '-';
	buf[3] = '\0';
	return buf;
}

static void
build_id(FILE *out, const unsigned char *p, size_t n)
{
	if (p == NULL) {
		fputs("none", out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

static void
change(FILE *out, const struct vms_diff *d, const struct vms_diff_change *c)
{
	const struct vms_region *r = c->b != NULL ? c->b : c->a;
	const struct vms_map *m = c->b != NULL ? d->b : d->a;
	const struct vms_diff_group *g = &d->groups[c->group];
	int w = vms_view_addr_width(m);
	char pa[4], pb[4], h1[32], h2[32], h3[32];
	struct vms_diff_value v = {0, 0, VMS_DIFF_A | VMS_DIFF_B};

	fprintf(out, "  %-8s  %0*" PRIx64 "-%0*" PRIx64 "  ",
		vms_diff_change_name(c->kind), w, r->start, w, r->end);
	switch (c->kind) {
	case VMS_DIFF_RESIZED:
		v.a = vms_region_size(c->a);
		v.b = vms_region_size(c->b);
		fprintf(out, "%s  %s -> %s (%s)", perm(r, pb),
			human(v.a, h1, sizeof(h1)), human(v.b, h2, sizeof(h2)),
			delta_cell(&v, 1, h3, sizeof(h3)));
		break;
	case VMS_DIFF_PROT:
		fprintf(out, "%s -> %s  %s", perm(c->a, pa), perm(c->b, pb),
			human(vms_region_size(r), h1, sizeof(h1)));
		break;
	case VMS_DIFF_REPLACED:
		fputs("build-id ", out);
		build_id(out, g->build_id_a, g->build_id_a_len);
		fputs(" -> ", out);
		build_id(out, g->build_id_b, g->build_id_b_len);
		break;
	default:
		fprintf(out, "%s  %s", perm(r, pb),
			human(vms_region_size(r), h1, sizeof(h1)));
		break;
	}
	fprintf(out, "  %s\n", g->name);
}

static void
totals(FILE *out, const struct vms_diff *d)
{
	char a[32], b[32], x[32];

	fprintf(out, "%-12s %10s %10s %10s\n", "TOTAL", "A", "B", "DELTA");
	for (int f = 0; f < VMS_DF__COUNT; f++) {
		const struct vms_diff_value *v = &d->totals[f];
		int bytes = f != VMS_DF_REGIONS;

		fprintf(out, "%-12s %10s %10s %10s\n", vms_diff_field_name(f),
			cell(v, VMS_DIFF_A, bytes, a, sizeof(a)),
			cell(v, VMS_DIFF_B, bytes, b, sizeof(b)),
			delta_cell(v, bytes, x, sizeof(x)));
	}
}

static int
print_text(FILE *out, const struct vms_diff *d, unsigned flags)
{
	title(out, "---", d->a);
	title(out, "+++", d->b);
	fputc('\n', out);
	table(out, d, flags);
	fputc('\n', out);
	if (d->nchanges == 0)
		fputs("CHANGES: none\n", out);
	else
		fprintf(out, "CHANGES: %zu\n", d->nchanges);
	for (size_t i = 0; i < d->nchanges; i++)
		change(out, d, &d->changes[i]);
	fputc('\n', out);
	totals(out, d);
	return ferror(out) ? -1 : 0;
}

/* {"a": N, "b": N, "delta": N}, null where unknown. */
static void
j_value(struct vms_jw *w, const char *k, const struct vms_diff_value *v)
{
	int64_t d = 0;
	int known = vms_diff_delta(v, &d) == 0;

	vms_jw_key(w, k);
	vms_jw_begin(w, '{');
	vms_jw_u64(w, "a", (v->known & VMS_DIFF_A) != 0, v->a);
	vms_jw_u64(w, "b", (v->known & VMS_DIFF_B) != 0, v->b);
	vms_jw_i64(w, "delta", known, d);
	vms_jw_end(w, '}');
}

static void
j_values(struct vms_jw *w, const struct vms_diff_value v[VMS_DF__COUNT])
{
	for (int f = 0; f < VMS_DF__COUNT; f++)
		j_value(w, vms_diff_field_name(f), &v[f]);
}

static void
j_side(struct vms_jw *w, const char *k, const struct vms_map *map)
{
	vms_jw_key(w, k);
	vms_jw_begin(w, '{');
	vms_jw_source(w, map);
	vms_jw_process(w, &map->proc);
	vms_jw_u64(w, "regions", 1, map->nregions);
	vms_jw_strs(w, "warnings", map->warnings, map->nwarnings, 0);
	vms_jw_end(w, '}');
}

static void
j_bid(struct vms_jw *w, const char *k, const unsigned char *p, size_t n)
{
	vms_jw_key(w, k);
	if (p != NULL)
		vms_jw_hex(w, p, n);
	else
		fputs("null", w->out);
}

static void
j_group(struct vms_jw *w, const struct vms_diff_group *g)
{
	vms_jw_sep(w);
	vms_jw_begin(w, '{');
	vms_jw_str(w, "name", g->name);
	vms_jw_str(w, "name_a", g->name_a);
	vms_jw_str(w, "kind", vms_diff_kind_name(g->kind));
	vms_jw_str(w, "label",
		   g->kind == VMS_DIFF_LABEL ? vms_label_name(g->label) : NULL);
	vms_jw_bool(w, "in_a", 1, (g->in & VMS_DIFF_A) != 0);
	vms_jw_bool(w, "in_b", 1, (g->in & VMS_DIFF_B) != 0);
	vms_jw_bool(w, "changed", 1, g->changed);
	j_bid(w, "build_id_a", g->build_id_a, g->build_id_a_len);
	j_bid(w, "build_id_b", g->build_id_b, g->build_id_b_len);
	j_values(w, g->v);
	vms_jw_end(w, '}');
}

static void
j_region(struct vms_jw *w, const char *k, const struct vms_region *r)
{
	char p[4];

	vms_jw_key(w, k);
	if (r == NULL) {
		fputs("null", w->out);
		return;
	}
	vms_jw_begin(w, '{');
	vms_jw_addr(w, "start", 1, r->start);
	vms_jw_addr(w, "end", 1, r->end);
	vms_jw_u64(w, "size", 1, vms_region_size(r));
	vms_jw_str(w, "prot", (r->has & VMS_HAS_PROT) ? perm(r, p) : NULL);
	vms_jw_u64(w, "offset", (r->has & VMS_HAS_OFFSET) != 0, r->offset);
	vms_jw_u64(w, "rss", (r->has & VMS_HAS_CTR(VMS_C_RSS)) != 0,
		   vms_region_ctr(r, VMS_C_RSS));
	vms_jw_end(w, '}');
}

static int
print_json(FILE *out, const struct vms_diff *d, int pretty)
{
	struct vms_jw w = {out, pretty, 0, 1, 0};

	vms_jw_begin(&w, '{');
	vms_jw_u64(&w, "schema", 1, 1);
	vms_jw_str(&w, "vmscope", VMS_VERSION);
	j_side(&w, "a", d->a);
	j_side(&w, "b", d->b);
	vms_jw_bool(&w, "differs", 1, d->differs);
	vms_jw_key(&w, "totals");
	vms_jw_begin(&w, '{');
	j_values(&w, d->totals);
	vms_jw_end(&w, '}');
	vms_jw_key(&w, "groups");
	vms_jw_begin(&w, '[');
	for (size_t i = 0; i < d->ngroups; i++)
		j_group(&w, &d->groups[i]);
	vms_jw_end(&w, ']');
	vms_jw_key(&w, "changes");
	vms_jw_begin(&w, '[');
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct vms_diff_change *c = &d->changes[i];

		vms_jw_sep(&w);
		vms_jw_begin(&w, '{');
		vms_jw_str(&w, "change", vms_diff_change_name(c->kind));
		vms_jw_str(&w, "group", d->groups[c->group].name);
		vms_jw_u64(&w, "group_index", 1, c->group);
		j_region(&w, "a", c->a);
		j_region(&w, "b", c->b);
		vms_jw_end(&w, '}');
	}
	vms_jw_end(&w, ']');
	vms_jw_end(&w, '}');
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

int
vms_diff_print(FILE *out, const struct vms_diff *d, unsigned flags)
{
	if (flags & VMS_DIFF_PRINT_JSON)
		return print_json(out, d, (flags & VMS_DIFF_PRINT_PRETTY) != 0);
	return print_text(out, d, flags);
}

/* Did the row's RSS change from one frame to another? */
static int
moved(const struct vms_trend *t, const struct vms_trend_row *r)
{
	for (size_t f = 1; f < t->nframes; f++)
		if (r->known[f] != r->known[0] || r->rss[f] != r->rss[0])
			return 1;
	return 0;
}

static void
trend_text(FILE *out, const struct vms_trend *t, unsigned flags)
{
	size_t hidden = 0;
	char h[32];

	fprintf(out, "RSS in %zu frames:\n", t->nframes);
	for (size_t f = 0; f < t->nframes; f++)
		fprintf(out, "  #%zu  %s\n", f + 1, t->frames[f]);
	fputc('\n', out);
	for (size_t f = 0; f < t->nframes; f++)
		fprintf(out, "%6s#%zu ", "", f + 1);
	fprintf(out, "%8s  %-7s  NAME\n", "GROWTH", "TREND");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct vms_trend_row *r = &t->rows[i];
		struct vms_diff_value v = {0, 0, 0};

		if (!moved(t, r) && !(flags & VMS_DIFF_PRINT_ALL)) {
			hidden++;
			continue;
		}
		for (size_t f = 0; f < t->nframes; f++)
			fprintf(out, "%8s ",
				r->known[f] ? human(r->rss[f], h, sizeof(h))
					    : VMS_UNKNOWN_MARK);
		if (t->nframes > 0) {
			v.a = r->rss[0];
			v.b = r->rss[t->nframes - 1];
			v.known = (r->known[0] ? VMS_DIFF_A : 0) |
				  (r->known[t->nframes - 1] ? VMS_DIFF_B : 0);
		}
		fprintf(out, "%8s  %-7s  %s\n", delta_cell(&v, 1, h, sizeof(h)),
			r->growing ? "growing" : "", r->name);
	}
	if (hidden > 0)
		fprintf(out, "(%zu group%s unchanged)\n", hidden,
			hidden == 1 ? "" : "s");
}

static void
trend_json(FILE *out, const struct vms_trend *t, int pretty)
{
	struct vms_jw w = {out, pretty, 0, 1, 0};

	vms_jw_begin(&w, '{');
	vms_jw_u64(&w, "schema", 1, 1);
	vms_jw_str(&w, "vmscope", VMS_VERSION);
	vms_jw_strs(&w, "frames", t->frames, t->nframes, 0);
	vms_jw_key(&w, "groups");
	vms_jw_begin(&w, '[');
	for (size_t i = 0; i < t->nrows; i++) {
		const struct vms_trend_row *r = &t->rows[i];

		vms_jw_sep(&w);
		vms_jw_begin(&w, '{');
		vms_jw_str(&w, "name", r->name);
		vms_jw_str(&w, "kind", vms_diff_kind_name(r->kind));
		vms_jw_str(&w, "label",
			   r->kind == VMS_DIFF_LABEL ? vms_label_name(r->label)
						     : NULL);
		vms_jw_key(&w, "rss");
		vms_jw_begin_flat(&w);
		for (size_t f = 0; f < t->nframes; f++) {
			vms_jw_sep(&w);
			if (r->known[f])
				fprintf(out, "%" PRIu64, r->rss[f]);
			else
				fputs("null", out);
		}
		vms_jw_end(&w, ']');
		vms_jw_bool(&w, "growing", 1, r->growing);
		vms_jw_end(&w, '}');
	}
	vms_jw_end(&w, ']');
	vms_jw_end(&w, '}');
	fputc('\n', out);
}

int
vms_trend_print(FILE *out, const struct vms_trend *t, unsigned flags)
{
	if (flags & VMS_DIFF_PRINT_JSON)
		trend_json(out, t, (flags & VMS_DIFF_PRINT_PRETTY) != 0);
	else
		trend_text(out, t, flags);
	return ferror(out) ? -1 : 0;
}
