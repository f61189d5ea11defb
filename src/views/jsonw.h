/*
 * jsonw.h - the streaming JSON writer shared by the JSON views: the
 * whole-map view (json.c) and the diff views (diff.c).  Strings are
 * escaped as vmscope-json(5) says; a member whose string is not UTF-8
 * gets a NAME_hex sibling.  Unknown values are written as null.
 */
#ifndef VMSCOPE_JSONW_H
#define VMSCOPE_JSONW_H

#include <stdio.h>

#include "vmscope/vmscope.h"

struct vms_jw {
	FILE *out;
	int pretty;
	int depth;
	int first; /* nothing written yet in the open container */
	int flat;  /* in an array of scalars, kept on one line */
};

/* What goes before any member or element. */
void vms_jw_sep(struct vms_jw *w);
/* A member's key ("k" followed by suffix), then the caller's value. */
void vms_jw_keyx(struct vms_jw *w, const char *k, const char *suffix);
void vms_jw_key(struct vms_jw *w, const char *k);
/* Open and close '{' or '['. */
void vms_jw_begin(struct vms_jw *w, int c);
void vms_jw_end(struct vms_jw *w, int c);
/* An array of scalars: one line even when pretty. */
void vms_jw_begin_flat(struct vms_jw *w);

int vms_jw_utf8_valid(const char *s, size_t n);
/* A string value; 0 when bytes had to be replaced by U+FFFD. */
int vms_jw_strn(struct vms_jw *w, const char *s, size_t n);
/* Bytes as a string of hex digits. */
void vms_jw_hex(struct vms_jw *w, const unsigned char *p, size_t n);

/* Members: null for a NULL string or a value that is not known. */
void vms_jw_str(struct vms_jw *w, const char *k, const char *s);
void vms_jw_strs(struct vms_jw *w, const char *k, const char *const *v,
		 size_t n, int flat);
void vms_jw_null(struct vms_jw *w, const char *k);
void vms_jw_u64(struct vms_jw *w, const char *k, int known, uint64_t v);
void vms_jw_i64(struct vms_jw *w, const char *k, int known, int64_t v);
void vms_jw_addr(struct vms_jw *w, const char *k, int known, uint64_t v);
void vms_jw_bool(struct vms_jw *w, const char *k, int known, int v);
/* RFC 3339 in UTC with nanoseconds. */
void vms_jw_time(struct vms_jw *w, const char *k, int known, int64_t sec,
		 int32_t nsec);

/* The "source" and "process" members of vmscope-json(5). */
void vms_jw_source(struct vms_jw *w, const struct vms_map *map);
void vms_jw_process(struct vms_jw *w, const struct vms_process *p);

#endif
