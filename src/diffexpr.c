/*
 * diffexpr.c - thresholds on a diff (vmscope diff --fail-if): parsing
 * "[SCOPE.]FIELD OP VALUE" and evaluating it on a struct vms_diff.  The
 * grammar is in vmscope-diff(1); every expression is about the change
 * B - A, and percentages are compared exactly, by cross-multiplication
 * in 128 bits, so that +10% is not +10% plus one byte.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

#define MAX_DECIMALS 6

static int
bad(struct vms_err *err, const char *text, const char *why)
{
	return vms_err_set(err, VMS_E_INVAL, 0, "%s: %s", text, why);
}

/* The operator at s; its length, or 0. */
static size_t
parse_op(const char *s, enum vms_diff_op *op)
{
	if (s[0] == '>' && s[1] == '=')
		*op = VMS_DIFF_GE;
	else if (s[0] == '<' && s[1] == '=')
		*op = VMS_DIFF_LE;
	else if (s[0] == '=' && s[1] == '=')
		*op = VMS_DIFF_EQ;
	else if (s[0] == '!' && s[1] == '=')
		*op = VMS_DIFF_NE;
	else if (s[0] == '>')
		*op = VMS_DIFF_GT;
	else if (s[0] == '<')
		*op = VMS_DIFF_LT;
	else
		return 0;
	return *op == VMS_DIFF_GT || *op == VMS_DIFF_LT ? 1 : 2;
}

/* K, M, G, T (powers of 1024), each with an optional "B" or "iB". */
static int
parse_unit(const char *s, uint64_t *unit, size_t *len)
{
	static const char units[] = "KMGT";
	const char *u =
		*s != '\0' ? strchr(units, toupper((unsigned char)*s)) : NULL;

	*unit = 1;
	*len = 0;
	if (*s == 'B' || *s == 'b') {
		*len = 1;
		return 1;
	}
	if (u == NULL)
		return 0;
	*unit = UINT64_C(1) << (10 * (u - units + 1));
	*len = 1;
	if ((s[1] == 'i' || s[1] == 'I') && (s[2] == 'B' || s[2] == 'b'))
		*len = 3;
	else if (s[1] == 'B' || s[1] == 'b')
		*len = 2;
	return 1;
}

static int
parse_value(const char *s, struct vms_diff_expr *e, struct vms_err *err)
{
	uint64_t mant = 0, unit = 1, pow10 = 1;
	unsigned digits = 0, decimals = 0;
	int neg = 0, point = 0;
	size_t ulen = 0;

	while (*s == ' ')
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; isdigit((unsigned char)*s) || (*s == '.' && !point); s++) {
		if (*s == '.') {
			point = 1;
			continue;
		}
		if (++digits > 18)
			return bad(err, e->text,
				   "the value has too many "
				   "digits");
		mant = mant * 10 + (uint64_t)(*s - '0');
		if (point) {
			decimals++;
			pow10 *= 10;
		}
	}
	if (digits == 0)
		return bad(err, e->text, "no number after the operator");
	if (*s == '%') {
		if (decimals > MAX_DECIMALS)
			return bad(err, e->text,
				   "more than 6 decimals in a "
				   "percentage");
		e->percent = 1;
		e->scale = decimals;
		s++;
	} else if (parse_unit(s, &unit, &ulen)) {
		if (e->field == VMS_DF_REGIONS && ulen > 0)
			return bad(err, e->text, "regions is a count: no unit");
		s += ulen;
		if (mant > (uint64_t)INT64_MAX / unit)
			return bad(err, e->text, "the value is too large");
		mant *= unit;
		if (mant % pow10 != 0)
			return bad(err, e->text, "not a whole number of bytes");
		mant /= pow10;
	} else if (decimals > 0) {
		return bad(err, e->text, "a fraction needs a unit or %");
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		return bad(err, e->text,
			   "unexpected text after the value "
			   "(units: K M G T, or %)");
	e->value = neg ? -(int64_t)mant : (int64_t)mant;
	return 0;
}

int
vms_diff_expr_parse(const char *s, struct vms_diff_expr *e, struct vms_err *err)
{
	const char *op = s + strcspn(s, "<>=!"), *l0 = s, *l1 = op, *dot;
	size_t oplen;
	int f;

	memset(e, 0, sizeof(*e));
	e->text = s;
	if (*op == '\0')
		return bad(err, s, "no operator (> >= < <= == !=)");
	oplen = parse_op(op, &e->op);
	if (oplen == 0)
		return bad(err, s, "not an operator (> >= < <= == !=)");
	while (*l0 == ' ')
		l0++;
	while (l1 > l0 && l1[-1] == ' ')
		l1--;
	for (dot = l1; dot > l0 && dot[-1] != '.'; dot--)
		;
	if (dot > l0) {
		e->scope = l0;
		e->scope_len = (size_t)(dot - 1 - l0);
		if (e->scope_len == 0)
			return bad(err, s, "empty scope before '.'");
	}
	f = vms_diff_field_lookup(dot, (size_t)(l1 - dot));
	if (f < 0)
		return bad(err, s,
			   "unknown field (regions, size, rss, pss, "
			   "dirty, swap, anonymous, locked)");
	e->field = f;
	return parse_value(op + oplen, e, err);
}

/* Does group g answer to the scope s (n bytes)? */
static int
matches(const char *name, enum vms_diff_kind kind, const char *s, size_t n)
{
	size_t len;
	const char *base;

	if (name == NULL)
		return 0;
	len = strlen(name);
	if (len == n && memcmp(name, s, n) == 0)
		return 1;
	if (kind != VMS_DIFF_MODULE)
		/* "[heap]" answers to "heap" too. */
		return len == n + 2 && name[0] == '[' &&
		       memcmp(name + 1, s, n) == 0 && name[n + 1] == ']';
	base = strrchr(name, '/');
	base = base != NULL ? base + 1 : name;
	/* "libz.so.1" answers for libz.so.1.2.13 as well. */
	return strncmp(base, s, n) == 0 && (base[n] == '\0' || base[n] == '.');
}

/* A label or anonymous kind that may have no regions on either side. */
static int
known_scope(const char *s, size_t n)
{
	static const char *const extra[] = {"anon", "anon-shared"};

	for (int l = 1; l < VMS_LABEL__COUNT; l++) {
		const char *name = vms_label_name(l);

		if (name != NULL && strlen(name) == n &&
		    memcmp(name, s, n) == 0)
			return 1;
	}
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (strlen(extra[i]) == n && memcmp(extra[i], s, n) == 0)
			return 1;
	return 0;
}

static int
scope_value(const struct vms_diff_expr *e, const struct vms_diff *d,
	    struct vms_diff_value *x, struct vms_err *err)
{
	int found = 0;

	x->a = x->b = 0;
	x->known = VMS_DIFF_A | VMS_DIFF_B;
	for (size_t i = 0; i < d->ngroups; i++) {
		const struct vms_diff_group *g = &d->groups[i];
		const struct vms_diff_value *v = &g->v[e->field];

		if (!matches(g->name, g->kind, e->scope, e->scope_len) &&
		    !matches(g->name_a, g->kind, e->scope, e->scope_len))
			continue;
		found = 1;
		x->a += v->a;
		x->b += v->b;
		x->known &= v->known;
	}
	if (found)
		return 0;
	if (!known_scope(e->scope, e->scope_len))
		return vms_err_set(err, VMS_E_NOENT, 0,
				   "%s: no module or label '%.*s' in A or B",
				   e->text, (int)e->scope_len, e->scope);
	/* A label with no regions: zero wherever the map knows the field. */
	x->known = d->totals[e->field].known;
	return 0;
}

/* A product as a sign and a 128-bit magnitude. */
struct wide {
	int neg;
	uint64_t hi;
	uint64_t lo;
};

static struct wide
mul(int64_t x, uint64_t y)
{
	uint64_t m = x < 0 ? (uint64_t)(-(x + 1)) + 1 : (uint64_t)x;
	uint64_t m0 = m & 0xffffffffu, m1 = m >> 32;
	uint64_t y0 = y & 0xffffffffu, y1 = y >> 32;
	uint64_t p00 = m0 * y0, p01 = m0 * y1, p10 = m1 * y0, p11 = m1 * y1;
	uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
	struct wide w;

	w.lo = (mid << 32) | (p00 & 0xffffffffu);
	w.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	w.neg = x < 0 && (w.hi != 0 || w.lo != 0);
	return w;
}

static int
widecmp(struct wide x, struct wide y)
{
	int c;

	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	if (x.hi != y.hi)
		c = x.hi < y.hi ? -1 : 1;
	else if (x.lo != y.lo)
		c = x.lo < y.lo ? -1 : 1;
	else
		return 0;
	return x.neg ? -c : c;
}

static const char *
unknown_in(unsigned known)
{
	switch (known & (VMS_DIFF_A | VMS_DIFF_B)) {
	case VMS_DIFF_A:
		return "B";
	case VMS_DIFF_B:
		return "A";
	default:
		return "A and B";
	}
}

int
vms_diff_expr_eval(const struct vms_diff_expr *e, const struct vms_diff *d,
		   struct vms_diff_value *v, struct vms_err *err)
{
	struct vms_diff_value x;
	int64_t delta;
	int c;

	if ((unsigned)e->field >= VMS_DF__COUNT)
		return vms_err_set(err, VMS_E_INVAL, 0, "%s: no field",
				   e->text);
	if (e->scope == NULL)
		x = d->totals[e->field];
	else if (scope_value(e, d, &x, err) < 0)
		return -1;
	if (v != NULL)
		*v = x;
	if (vms_diff_delta(&x, &delta) < 0)
		return vms_err_set(err, VMS_E_UNSUPPORTED, 0,
				   "%s: %s is not known in %s", e->text,
				   vms_diff_field_name(e->field),
				   unknown_in(x.known));
	if (e->percent) {
		uint64_t k = 100;

		for (unsigned i = 0; i < e->scale; i++)
			k *= 10;
		c = widecmp(mul(delta, k), mul(e->value, x.a));
	} else {
		c = delta < e->value ? -1 : delta > e->value;
	}
	switch (e->op) {
	case VMS_DIFF_GT:
		return c > 0;
	case VMS_DIFF_GE:
		return c >= 0;
	case VMS_DIFF_LT:
		return c < 0;
	case VMS_DIFF_LE:
		return c <= 0;
	case VMS_DIFF_EQ:
		return c == 0;
	default:
		return c != 0;
	}
}
