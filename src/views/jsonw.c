/*
 * jsonw.c - the streaming JSON writer of the JSON views (json.c, the
 * diff views): members, containers, strings escaped as vmscope-json(5)
 * says (RFC 8259), and the source and process objects they share.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "jsonw.h"

static void
newline(struct vms_jw *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* What goes before any member or element. */
void
vms_jw_sep(struct vms_jw *w)
{
	if (!w->first)
		fputs(w->pretty && w->flat ? ", " : ",", w->out);
	w->first = 0;
	if (!w->flat)
		newline(w);
}

void
vms_jw_keyx(struct vms_jw *w, const char *k, const char *suffix)
{
	vms_jw_sep(w);
	fprintf(w->out, "\"%s%s\":%s", k, suffix, w->pretty ? " " : "");
}

void
vms_jw_key(struct vms_jw *w, const char *k)
{
	vms_jw_keyx(w, k, "");
}

void
vms_jw_begin(struct vms_jw *w, int c)
{
	fputc(c, w->out);
	w->depth++;
	w->first = 1;
}

void
vms_jw_end(struct vms_jw *w, int c)
{
	w->depth--;
	if (!w->first && !w->flat)
		newline(w);
	fputc(c, w->out);
	w->first = 0;
	w->flat = 0;
}

/* An array of scalars: one line even when pretty, as people read it. */
void
vms_jw_begin_flat(struct vms_jw *w)
{
	vms_jw_begin(w, '[');
	w->flat = 1;
}

/* The length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	/* Overlong forms and UTF-16 surrogates are not UTF-8. */
	if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return n;
}

int
vms_jw_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, k; i < n; i += k)
		if ((k = utf8_len(p + i, n - i)) == 0)
			return 0;
	return 1;
}

/* A string value; 0 when bytes had to be replaced (see the top). */
int
vms_jw_strn(struct vms_jw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int valid = 1;

	fputc('"', w->out);
	for (size_t i = 0, k; i < n; i += k) {
		k = utf8_len(p + i, n - i);
		if (k == 0) {
			fputs("\\ufffd", w->out);
			valid = 0;
			k = 1;
		} else if (k == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			/* JavaScript before ES2019 ends a line there. */
			fprintf(w->out, "\\u20%02x", p[i + 2] - 0x80);
		} else if (k > 1) {
			fwrite(p + i, 1, k, w->out);
		} else if (p[i] == '"' || p[i] == '\\') {
			fprintf(w->out, "\\%c", p[i]);
		} else if (p[i] >= 0x20 && p[i] != 0x7f) {
			fputc(p[i], w->out);
		} else {
			const char *e = strchr("\bb\ff\nn\rr\tt", p[i]);

			if (p[i] != 0 && e != NULL)
				fprintf(w->out, "\\%c", e[1]);
			else
				fprintf(w->out, "\\u%04x", p[i]);
		}
	}
	fputc('"', w->out);
	return valid;
}

void
vms_jw_hex(struct vms_jw *w, const unsigned char *p, size_t n)
{
	fputc('"', w->out);
	for (size_t i = 0; i < n; i++)
		fprintf(w->out, "%02x", p[i]);
	fputc('"', w->out);
}

/* A string member, null for NULL, plus NAME_hex when not UTF-8. */
void
vms_jw_str(struct vms_jw *w, const char *k, const char *s)
{
	vms_jw_key(w, k);
	if (s == NULL) {
		fputs("null", w->out);
		return;
	}
	if (!vms_jw_strn(w, s, strlen(s))) {
		vms_jw_keyx(w, k, "_hex");
		vms_jw_hex(w, (const unsigned char *)s, strlen(s));
	}
}

/* An array of strings, and NAME_hex (null where valid) if need be. */
void
vms_jw_strs(struct vms_jw *w, const char *k, const char *const *v, size_t n,
	    int flat)
{
	int valid = 1;

	vms_jw_key(w, k);
	if (flat)
		vms_jw_begin_flat(w);
	else
		vms_jw_begin(w, '[');
	for (size_t i = 0; i < n; i++) {
		vms_jw_sep(w);
		valid &= vms_jw_strn(w, v[i], strlen(v[i]));
	}
	vms_jw_end(w, ']');
	if (valid)
		return;
	vms_jw_keyx(w, k, "_hex");
	if (flat)
		vms_jw_begin_flat(w);
	else
		vms_jw_begin(w, '[');
	for (size_t i = 0; i < n; i++) {
		vms_jw_sep(w);
		if (vms_jw_utf8_valid(v[i], strlen(v[i])))
			fputs("null", w->out);
		else
			vms_jw_hex(w, (const unsigned char *)v[i],
				   strlen(v[i]));
	}
	vms_jw_end(w, ']');
}

void
vms_jw_null(struct vms_jw *w, const char *k)
{
	vms_jw_key(w, k);
	fputs("null", w->out);
}

void
vms_jw_u64(struct vms_jw *w, const char *k, int known, uint64_t v)
{
	vms_jw_key(w, k);
	if (known)
		fprintf(w->out, "%" PRIu64, v);
	else
		fputs("null", w->out);
}

void
vms_jw_i64(struct vms_jw *w, const char *k, int known, int64_t v)
{
	vms_jw_key(w, k);
	if (known)
		fprintf(w->out, "%" PRId64, v);
	else
		fputs("null", w->out);
}

void
vms_jw_addr(struct vms_jw *w, const char *k, int known, uint64_t v)
{
	vms_jw_key(w, k);
	if (known)
		fprintf(w->out, "\"0x%" PRIx64 "\"", v);
	else
		fputs("null", w->out);
}

void
vms_jw_bool(struct vms_jw *w, const char *k, int known, int v)
{
	vms_jw_key(w, k);
	fputs(!known ? "null" : v ? "true" : "false", w->out);
}

static const char *const kinds[] = {
	[VMS_SOURCE_LIVE] = "live",
	[VMS_SOURCE_ELF_CORE] = "elf-core",
	[VMS_SOURCE_MACHO_CORE] = "macho-core",
	[VMS_SOURCE_SNAPSHOT] = "snapshot",
};

/* RFC 3339 in UTC with nanoseconds: fixed width, so it sorts as text. */
void
vms_jw_time(struct vms_jw *w, const char *k, int known, int64_t sec,
	    int32_t nsec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (!known || (int64_t)t != sec || nsec < 0 || nsec > 999999999 ||
	    gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		vms_jw_null(w, k);
		return;
	}
	vms_jw_key(w, k);
	fprintf(w->out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId32 "Z\"",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, nsec);
}

static const char *
kind_name(enum vms_source_kind k)
{
	return (size_t)k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : NULL;
}

/* Where a snapshot came from and which of its frames this is. */
static void
snapshot(struct vms_jw *w, const struct vms_source *s)
{
	vms_jw_key(w, "snapshot");
	if (s->kind != VMS_SOURCE_SNAPSHOT) {
		fputs("null", w->out);
		return;
	}
	vms_jw_begin(w, '{');
	vms_jw_str(w, "from_kind", kind_name(s->from_kind));
	vms_jw_str(w, "from_name", s->from_name);
	vms_jw_str(w, "from_format", s->from_format);
	vms_jw_str(w, "writer", s->writer);
	vms_jw_u64(w, "frame", s->frame != 0, s->frame);
	vms_jw_u64(w, "frames", s->nframes != 0, s->nframes);
	vms_jw_bool(w, "damaged", 1, s->damaged);
	vms_jw_end(w, '}');
}

void
vms_jw_source(struct vms_jw *w, const struct vms_map *map)
{
	const struct vms_source *s = &map->source;

	vms_jw_key(w, "source");
	vms_jw_begin(w, '{');
	vms_jw_str(w, "kind", kind_name(s->kind));
	vms_jw_str(w, "name", s->name);
	vms_jw_str(w, "format", s->format);
	vms_jw_str(w, "host", s->host);
	vms_jw_str(w, "kernel", s->kernel);
	vms_jw_str(w, "boot_id", s->boot_id);
	vms_jw_time(w, "capture_time", (map->has & VMS_P_CAPTURE_TIME) != 0,
		    s->capture_sec, s->capture_nsec);
	snapshot(w, s);
	vms_jw_end(w, '}');
}

void
vms_jw_process(struct vms_jw *w, const struct vms_process *p)
{
	char state[2] = {p->state, '\0'};

	vms_jw_key(w, "process");
	vms_jw_begin(w, '{');
	vms_jw_i64(w, "pid", (p->has & VMS_P_PID) != 0, p->pid);
	vms_jw_i64(w, "ppid", (p->has & VMS_P_PPID) != 0, p->ppid);
	vms_jw_i64(w, "uid", (p->has & VMS_P_UID) != 0, p->uid);
	vms_jw_i64(w, "gid", (p->has & VMS_P_GID) != 0, p->gid);
	vms_jw_str(w, "comm", p->comm);
	vms_jw_str(w, "exe", p->exe);
	vms_jw_strs(w, "argv", p->argv, p->argc, 1);
	vms_jw_str(w, "state", p->state != 0 ? state : NULL);
	vms_jw_i64(w, "signal", (p->has & VMS_P_FAULT) != 0, p->signo);
	vms_jw_i64(w, "signal_code", (p->has & VMS_P_FAULT) != 0, p->sigcode);
	vms_jw_addr(w, "fault_addr", (p->has & VMS_P_FAULT_ADDR) != 0,
		    p->fault_addr);
	vms_jw_u64(w, "fault_tid", (p->has & VMS_P_FAULT_TID) != 0,
		   p->fault_tid);
	vms_jw_end(w, '}');
}
