/*
 * matcher.c - Alertmanager label matchers: construction, matching,
 * rendering and order; Go RE2 regexes on PCRE2; the two input grammars
 * (UTF-8 of Alertmanager 0.27+, classic of pkg/labels) and the fallback
 * between them that Alertmanager runs by default.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "matcher.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RUNE_BAD (-1L) /* a byte that starts no valid UTF-8 rune */
#define RUNE_EOF (-2L)

/* Backtracking steps before the DFA matcher takes over (re_match). */
#define RE_BACKTRACK_LIMIT "(*LIMIT_MATCH=1000000)"

/* Go's regexp limits: repeat counts and nesting. */
#define RE2_MAX_REPEAT 1000
#define RE2_MAX_NEST   1000

/* ------------------------------------------------------------ runes */

/* Returns the rune at s (n > 0 bytes available) and its length in *w;
 * an invalid sequence decodes as RUNE_BAD of length 1. */
static long utf8_rune(const char *s, size_t n, size_t *w)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	long r;

	*w = 1;
	if (p[0] < 0x80)
		return p[0];
	k = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
	    : p[0] >= 0xe0 && p[0] <= 0xef ? 3
	    : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
					   : 0;
	if (k == 0 || k > n || !utf8_valid(s, k))
		return RUNE_BAD;
	r = p[0] & (0x7f >> k);
	for (size_t i = 1; i < k; i++)
		r = r << 6 | (p[i] & 0x3f);
	*w = k;
	return r;
}

/* Appends r (a valid code point) encoded as UTF-8. */
static void utf8_put(struct buf *b, long r)
{
	char s[4];
	size_t n;

	if (r < 0x80) {
		s[0] = (char)r;
		n = 1;
	} else if (r < 0x800) {
		s[0] = (char)(0xc0 | r >> 6);
		s[1] = (char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		s[0] = (char)(0xe0 | r >> 12);
		s[1] = (char)(0x80 | (r >> 6 & 0x3f));
		s[2] = (char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | r >> 18);
		s[1] = (char)(0x80 | (r >> 12 & 0x3f));
		s[2] = (char)(0x80 | (r >> 6 & 0x3f));
		s[3] = (char)(0x80 | (r & 0x3f));
		n = 4;
	}
	buf_add(b, s, n);
}

/* Go's unicode.IsSpace. */
static int go_space(long r)
{
	switch (r) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return 1;
	}
	return r >= 0x2000 && r <= 0x200a;
}

/* Characters that end an unquoted token in the UTF-8 grammar and that make
 * Matcher.String() quote a label name (matcher/parse isReserved). */
static int reserved(long r)
{
	if (r == RUNE_BAD || go_space(r))
		return 1;
	return r > 0 && r < 0x80 && strchr("{}!=~,\\\"'`", (int)r) != NULL;
}

/* Go regexp's \s: [\t\n\f\r ]. */
static int ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int hex_val(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* ------------------------------------------------------- RE2 syntax */

/*
 * Alertmanager compiles regexes with Go's regexp, whose RE2 syntax is
 * narrower than PCRE2's.  re2_translate() walks the anchored pattern as
 * Go's parser does, rejects what Go rejects with Go's wording, and writes a
 * PCRE2 pattern with Go's meaning: \v is a vertical tab, \s leaves it out,
 * octal escapes are never backreferences, a '{' that starts no valid
 * repeat is a literal, named groups become plain groups.  PCRE2 then
 * reports whatever else is wrong (unbalanced parentheses, bad ranges...).
 */
struct re2 {
	const char *s; /* the whole anchored pattern */
	size_t n, i;
	struct buf *out;
	struct buf *err;
	int at_start;	 /* nothing to repeat since start, '(' or '|' */
	size_t last_rep; /* offset of the repeat just before, or SIZE_MAX */
	long atom;	 /* repeat-count product inside the last atom */
	int atom_assert; /* the last atom is ^ $ \A \z \b or \B */
	size_t atom_out; /* where that assertion starts in out */
	long *group;	 /* largest product inside each open group */
	size_t depth, cap;
};

static int re2_fail(struct re2 *r, const char *code, size_t from, size_t to)
{
	buf_printf(r->err, "error parsing regexp: %s: `%.*s`", code,
		   (int)(to - from), r->s + from);
	return -1;
}

static void re2_copy(struct re2 *r, size_t len)
{
	buf_add(r->out, r->s + r->i, len);
	r->i += len;
}

/* Length of the rune at offset i (1 for a bad byte or the end). */
static size_t re2_runelen(const struct re2 *r, size_t i)
{
	size_t w = 1;

	if (i < r->n)
		utf8_rune(r->s + i, r->n - i, &w);
	return w;
}

static void re2_atom(struct re2 *r, long prod)
{
	r->at_start = 0;
	r->atom = prod;
	r->atom_assert = 0;
}

/* Go repeats an assertion (^*, \b+); PCRE2 only a group holding one. */
static void re2_assertion(struct re2 *r, size_t out0)
{
	r->atom_assert = 1;
	r->atom_out = out0;
}

static void re2_wrap_assertion(struct re2 *r)
{
	struct buf *b = r->out;

	buf_grow(b, 3);
	memmove(b->s + r->atom_out + 3, b->s + r->atom_out,
		b->len - r->atom_out + 1);
	memcpy(b->s + r->atom_out, "(?:", 3);
	b->len += 3;
	buf_putc(b, ')');
	r->atom_assert = 0;
}

/* \p{Name}, \pL: copied for PCRE2 to check the name. */
static void re2_unicode_class(struct re2 *r)
{
	size_t j = r->i + 2;

	if (j < r->n && r->s[j] == '{') {
		while (j < r->n && r->s[j] != '}')
			j++;
		j += j < r->n;
	} else {
		j += re2_runelen(r, j);
	}
	if (j > r->n)
		j = r->n;
	re2_copy(r, j - r->i);
}

/* \x{10FFFF} or \xHH, the only forms Go accepts; an error quotes what
 * Go had read when it gave up. */
static int re2_hex(struct re2 *r)
{
	size_t j = r->i + 2, nhex = 0;
	long v = 0;

	if (j < r->n && r->s[j] == '{') {
		for (j++; j < r->n; nhex++) {
			char c = r->s[j];

			j += re2_runelen(r, j);
			if (c == '}' && nhex > 0) {
				re2_copy(r, j - r->i);
				return 0;
			}
			if (!is_hex(c) || (v = v * 16 + hex_val(c)) > 0x10ffff)
				break;
		}
	} else if (j + 1 < r->n && is_hex(r->s[j]) && is_hex(r->s[j + 1])) {
		re2_copy(r, 4);
		return 0;
	} else if (j < r->n) {
		j += re2_runelen(r, j);
		j += j < r->n ? re2_runelen(r, j) : 0;
	}
	return re2_fail(r, "invalid escape sequence", r->i, j);
}

/* \0, \012: Go reads up to three octal digits; a lone \1-\7 would be a
 * backreference, which RE2 lacks. */
static int re2_octal(struct re2 *r)
{
	size_t j = r->i + 1;
	int v = 0;

	if (r->s[j] != '0' &&
	    (j + 1 >= r->n || r->s[j + 1] < '0' || r->s[j + 1] > '7'))
		return re2_fail(r, "invalid escape sequence", r->i, j + 1);
	for (int k = 0; k < 3 && j < r->n && r->s[j] >= '0' && r->s[j] <= '7';
	     k++, j++)
		v = v * 8 + (r->s[j] - '0');
	buf_printf(r->out, "\\x{%x}", v);
	r->i = j;
	return 0;
}

/* \Q...\E: literal text, copied through for PCRE2. */
static void re2_quote(struct re2 *r)
{
	const char *e = NULL;

	for (size_t j = r->i + 2; j + 1 < r->n && !e; j++)
		if (r->s[j] == '\\' && r->s[j + 1] == 'E')
			e = r->s + j;
	re2_copy(r, e ? (size_t)(e - (r->s + r->i)) + 2 : r->n - r->i);
}

/* Escapes Go reads the same way inside and outside classes.  Returns 0,
 * 1 when c is not one of them, -1 on error. */
static int re2_common_escape(struct re2 *r, char c, int in_class)
{
	switch (c) {
	case 'd':
	case 'D':
	case 'w':
	case 'W':
	case 'a':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		re2_copy(r, 2);
		return 0;
	case 's':
		buf_puts(r->out,
			 in_class ? "\\t\\n\\f\\r\\x20" : "[\\t\\n\\f\\r ]");
		r->i += 2;
		return 0;
	case 'S':
		buf_puts(r->out,
			 in_class
			     ? "\\x00-\\x08\\x0b\\x0e-\\x1f\\x21-\\x{10ffff}"
			     : "[^\\t\\n\\f\\r ]");
		r->i += 2;
		return 0;
	case 'v':
		buf_puts(r->out, "\\x0b");
		r->i += 2;
		return 0;
	case 'p':
	case 'P':
		re2_unicode_class(r);
		return 0;
	case 'x':
		return re2_hex(r);
	}
	if (c >= '0' && c <= '9')
		return c <= '7' ? re2_octal(r)
				: re2_fail(r, "invalid escape sequence", r->i,
					   r->i + 2);
	return 1;
}

/* An escape at r->i (a backslash). */
static int re2_escape(struct re2 *r, int in_class)
{
	char c;
	int rc;

	if (r->i + 1 >= r->n)
		return re2_fail(r, "trailing backslash at end of expression",
				r->n, r->n);
	c = r->s[r->i + 1];
	rc = re2_common_escape(r, c, in_class);
	if (rc != 1)
		return rc;
	if (!in_class && strchr("AzbB", c)) {
		re2_copy(r, 2);
		return 0;
	}
	if (!in_class && c == 'Q') {
		re2_quote(r);
		return 0;
	}
	if ((unsigned char)c < 0x80 && !is_alnum(c)) {
		re2_copy(r, 2);
		return 0;
	}
	return re2_fail(r, "invalid escape sequence", r->i,
			r->i + 1 + re2_runelen(r, r->i + 1));
}

/* [:alpha:] inside a class at r->i.  Returns 1 when one was copied, 0
 * when there is none (the '[' is then a literal), -1 for an unknown name. */
static int re2_posix_class(struct re2 *r)
{
	static const char *const names[] = {
	    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
	    "lower", "print", "punct", "space", "upper", "word",  "xdigit"};
	const char *name = r->s + r->i + 2, *e;
	size_t len;

	if (r->i + 1 >= r->n || r->s[r->i + 1] != ':')
		return 0;
	e = strstr(name, ":]");
	if (!e || (size_t)(e - r->s) + 2 > r->n)
		return 0;
	len = (size_t)(e - r->s) + 2 - r->i;
	name += *name == '^';
	for (size_t k = 0; k < ARRAY_LEN(names); k++) {
		if ((size_t)(e - name) == strlen(names[k]) &&
		    memcmp(name, names[k], strlen(names[k])) == 0) {
			re2_copy(r, len);
			return 1;
		}
	}
	return re2_fail(r, "invalid character class range", r->i, r->i + len);
}

/* Copies one rune of a class; [ : . = are escaped so that PCRE2 sees no
 * POSIX class where Go sees none. */
static void re2_class_rune(struct re2 *r, size_t w)
{
	if (w == 1 && strchr("[:.=", r->s[r->i]))
		buf_putc(r->out, '\\');
	re2_copy(r, w);
}

/* A literal in a class, or a lo-hi range of literals (Go rejects hi < lo). */
static int re2_class_literal(struct re2 *r)
{
	size_t w = re2_runelen(r, r->i), j = r->i + w, w2 = 0;
	int range = j + 1 < r->n && r->s[j] == '-' && r->s[j + 1] != ']' &&
		    r->s[j + 1] != '\\';

	if (range) {
		long lo = utf8_rune(r->s + r->i, r->n - r->i, &w);
		long hi = utf8_rune(r->s + j + 1, r->n - j - 1, &w2);

		if (hi < lo)
			return re2_fail(r, "invalid character class range",
					r->i, j + 1 + w2);
	}
	re2_class_rune(r, w);
	if (range) {
		re2_copy(r, 1);
		re2_class_rune(r, w2);
	}
	return 0;
}

/* A character class at r->i ('['). */
static int re2_class(struct re2 *r)
{
	size_t start = r->i;
	int first = 1, rc;

	re2_copy(r, 1);
	if (r->i < r->n && r->s[r->i] == '^')
		re2_copy(r, 1);
	while (r->i < r->n && (r->s[r->i] != ']' || first)) {
		char c = r->s[r->i];

		first = 0;
		if (c == '[' && (rc = re2_posix_class(r)) != 0) {
			if (rc == -1)
				return -1;
			continue;
		}
		if (c == '\\') {
			int perl = r->i + 1 < r->n &&
				   strchr("dDsSwWpP", r->s[r->i + 1]);

			if (re2_escape(r, 1) == -1)
				return -1;
			/* after a class escape Go reads '-' as a literal */
			if (perl && r->i + 1 < r->n && r->s[r->i] == '-') {
				buf_puts(r->out, "\\-");
				r->i++;
			}
		} else if (re2_class_literal(r) == -1) {
			return -1;
		}
	}
	if (r->i >= r->n)
		return re2_fail(r, "missing closing ]", start, r->n);
	re2_copy(r, 1);
	re2_atom(r, 1);
	return 0;
}

static void re2_push_group(struct re2 *r)
{
	if (r->depth + 1 >= r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->group = xrealloc(r->group, r->cap * sizeof(*r->group));
	}
	r->group[++r->depth] = 1;
	r->at_start = 1;
	r->atom_assert = 0;
}

/* (?P<name> at r->i; Go allows [A-Za-z0-9_]+ (and, as Go 1.19 under
 * Alertmanager 0.25, not the (?<name> spelling).  PCRE2 gets a plain
 * group: names do not matter for matching. */
static int re2_named_group(struct re2 *r, size_t name)
{
	const char *gt = memchr(r->s + name, '>', r->n - name);
	size_t end;

	if (!gt)
		return re2_fail(r, "invalid named capture", r->i, r->n);
	end = (size_t)(gt - r->s);
	for (size_t j = name; j <= end; j++)
		if (j == end ? j == name : !is_alnum(r->s[j]) && r->s[j] != '_')
			return re2_fail(r, "invalid named capture", r->i,
					end + 1);
	buf_putc(r->out, '(');
	r->i = end + 1;
	re2_push_group(r);
	return 0;
}

/* (?flags) or (?flags: at r->i, flags from imsU with at most one '-'. */
static int re2_flags_group(struct re2 *r)
{
	size_t j = r->i + 2;
	int neg = 0, saw = 0;

	while (j < r->n) {
		char c = r->s[j];

		j += re2_runelen(r, j);
		if (c && strchr("imsU", c)) {
			saw = 1;
		} else if (c == '-' && !neg) {
			neg = 1;
			saw = 0;
		} else if ((c == ':' || c == ')') && (!neg || saw)) {
			if (j - r->i > 3 || c == ':')
				re2_copy(r, j - r->i);
			else
				r->i = j; /* "(?)" sets nothing */
			if (c == ':')
				re2_push_group(r);
			return 0;
		} else {
			break;
		}
	}
	return re2_fail(r, "invalid or unsupported Perl syntax", r->i, j);
}

static int re2_group(struct re2 *r)
{
	const char *t = r->s + r->i;
	size_t left = r->n - r->i;

	if (r->depth + 1 >= RE2_MAX_NEST)
		return re2_fail(r, "expression nests too deeply", 0, r->n);
	if (left < 2 || t[1] != '?') {
		re2_copy(r, 1);
		re2_push_group(r);
		return 0;
	}
	if (left > 4 && t[2] == 'P' && t[3] == '<')
		return re2_named_group(r, r->i + 4);
	return re2_flags_group(r);
}

static int re2_close(struct re2 *r)
{
	long inner;

	if (r->depth == 0)
		return re2_fail(r, "unexpected )", 0, r->n);
	inner = r->group[r->depth--];
	if (inner > r->group[r->depth])
		r->group[r->depth] = inner;
	re2_copy(r, 1);
	re2_atom(r, inner);
	return 0;
}

/* Go's parseInt: digits without a leading zero, saturating.  Returns the
 * position after them, or NULL. */
static const char *re2_int(const char *p, const char *end, long *v)
{
	if (p >= end || *p < '0' || *p > '9' ||
	    (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	for (*v = 0; p < end && *p >= '0' && *p <= '9'; p++)
		*v = *v < 100000000 ? *v * 10 + (*p - '0') : 100000000;
	return p;
}

/* Parses Go's {n}, {n,}, {n,m} at r->i; returns its length or 0 when it is
 * not one (then '{' is a literal).  max is -1 for {n,}. */
static size_t re2_braces(const struct re2 *r, long *min, long *max)
{
	const char *s = r->s + r->i, *end = r->s + r->n;
	const char *p = re2_int(s + 1, end, min);

	if (!p || p >= end)
		return 0;
	*max = *min;
	if (*p == ',') {
		p++;
		if (p < end && *p == '}')
			*max = -1;
		else if (!(p = re2_int(p, end, max)))
			return 0;
	}
	if (p >= end || *p != '}')
		return 0;
	return (size_t)(p + 1 - s);
}

/* A repeat operator of len bytes at r->i; sets *rep to its offset. */
static int re2_repeat(struct re2 *r, size_t len, long min, long max,
		      size_t *rep)
{
	size_t from = r->i, to = r->i + len;
	long eff = max >= 0 ? max : min, prod;

	if (to < r->n && r->s[to] == '?')
		to++;
	if (r->last_rep != SIZE_MAX)
		return re2_fail(r, "invalid nested repetition operator",
				r->last_rep, to);
	if (r->at_start)
		return re2_fail(r, "missing argument to repetition operator",
				from, to);
	prod = eff == 0 ? 1 : eff * r->atom;
	if ((min >= 2 || max >= 2) && prod > RE2_MAX_REPEAT)
		return re2_fail(r, "invalid repeat count", from, to);
	if (prod > r->group[r->depth])
		r->group[r->depth] = prod;
	r->atom = prod;
	if (r->atom_assert)
		re2_wrap_assertion(r);
	re2_copy(r, to - from);
	*rep = from;
	return 0;
}

static int re2_brace(struct re2 *r, size_t *rep)
{
	long min, max;
	size_t len = re2_braces(r, &min, &max);

	if (len == 0) {
		buf_puts(r->out, "\\{");
		r->i++;
		re2_atom(r, 1);
		return 0;
	}
	if (min > RE2_MAX_REPEAT || max > RE2_MAX_REPEAT ||
	    (max >= 0 && min > max))
		return re2_fail(r, "invalid repeat count", r->i, r->i + len);
	return re2_repeat(r, len, min, max, rep);
}

/* One step of the walk; *rep is set when the step was a repeat. */
static int re2_step(struct re2 *r, size_t *rep)
{
	size_t out0 = r->out->len;

	switch (r->s[r->i]) {
	case '\\':
		re2_atom(r, 1);
		if (r->i + 1 < r->n && strchr("AzbB", r->s[r->i + 1]))
			re2_assertion(r, out0);
		return re2_escape(r, 0);
	case '^':
	case '$':
		re2_copy(r, 1);
		re2_atom(r, 1);
		re2_assertion(r, out0);
		return 0;
	case '[':
		return re2_class(r);
	case '(':
		return re2_group(r);
	case ')':
		return re2_close(r);
	case '|':
		re2_copy(r, 1);
		r->at_start = 1;
		r->atom_assert = 0;
		return 0;
	case '*':
	case '+':
	case '?':
		return re2_repeat(r, 1, 0, 0, rep);
	case '{':
		return re2_brace(r, rep);
	}
	re2_copy(r, re2_runelen(r, r->i));
	re2_atom(r, 1);
	return 0;
}

/* Checks pattern as Go would and writes its PCRE2 form to out.  Returns 0,
 * or -1 with Go's message appended to err. */
static int re2_translate(const char *pattern, struct buf *out, struct buf *err)
{
	struct re2 r = {.s = pattern,
			.n = strlen(pattern),
			.out = out,
			.err = err,
			.at_start = 1,
			.last_rep = SIZE_MAX,
			.atom = 1};
	int rc = 0;

	r.cap = 16;
	r.group = xmalloc(r.cap * sizeof(*r.group));
	r.group[0] = 1; /* the top level */
	while (rc == 0 && r.i < r.n) {
		size_t rep = SIZE_MAX;

		rc = re2_step(&r, &rep);
		r.last_rep = rep;
	}
	if (rc == 0 && r.depth > 0)
		rc = re2_fail(&r, "missing closing )", 0, r.n);
	free(r.group);
	return rc;
}

/* ------------------------------------------------------------ PCRE2 */

/* Returns the compiled anchored regex for value, or NULL with Go's
 * "error parsing regexp: ..." appended to err.  Free with pcre2_code_free. */
static pcre2_code *re_compile(const char *value, struct buf *err)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
			PCRE2_DOLLAR_ENDONLY | PCRE2_NO_AUTO_CAPTURE |
			PCRE2_NEVER_BACKSLASH_C;
	char *anchored = xasprintf("^(?:%s)$", value);
	struct buf pat = {0};
	pcre2_compile_context *cc = NULL;
	pcre2_code *re = NULL;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int code;

	buf_puts(&pat, RE_BACKTRACK_LIMIT);
	if (re2_translate(anchored, &pat, err) == -1)
		goto out;
	cc = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_set_parens_nest_limit(cc, RE2_MAX_NEST + 2);
	re = pcre2_compile((PCRE2_SPTR)buf_str(&pat), pat.len, opts, &code,
			   &off, cc);
	if (!re) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		buf_printf(err, "error parsing regexp: %s: `%s`", (char *)msg,
			   anchored);
		goto out;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
out:
	pcre2_compile_context_free(cc);
	buf_free(&pat);
	free(anchored);
	return re;
}

/* RE2 never gives up; when backtracking hits PCRE2's limits, the DFA
 * matcher answers in polynomial time. */
static int re_match_dfa(const pcre2_code *re, const char *s, size_t n,
			pcre2_match_data *md)
{
	size_t wscount = 1000;
	int rc;

	for (;;) {
		int *ws = xmalloc(wscount * sizeof(*ws));

		rc = pcre2_dfa_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL, ws,
				     wscount);
		free(ws);
		if (rc != PCRE2_ERROR_DFA_WSSIZE || wscount >= 1000000)
			break;
		wscount *= 10;
	}
	return rc >= 0;
}

static int re_match(const pcre2_code *re, const char *s)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	size_t n = strlen(s);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);

	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = re_match_dfa(re, s, n, md) ? 0 : -1;
	pcre2_match_data_free(md);
	return rc >= 0;
}

/* ---------------------------------------------------------- matchers */

const char *matcher_op_str(enum matcher_op op)
{
	static const char *const str[] = {"=", "!=", "=~", "!~"};

	return (unsigned)op < ARRAY_LEN(str) ? str[op] : "?";
}

int matcher_init(struct matcher *m, const char *name, enum matcher_op op,
		 const char *value, struct buf *err)
{
	memset(m, 0, sizeof(*m));
	if (op == MATCHER_RE || op == MATCHER_NRE) {
		m->re = re_compile(value, err);
		if (!m->re)
			return -1;
	}
	m->op = op;
	m->name = xstrdup(name);
	m->value = xstrdup(value);
	return 0;
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	pcre2_code_free(m->re);
	free(m->name);
	free(m->value);
	memset(m, 0, sizeof(*m));
}

void matchers_push(struct matchers *ms, struct matcher *m)
{
	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 4;
		ms->v = xrealloc(ms->v, ms->cap * sizeof(*ms->v));
	}
	ms->v[ms->n++] = *m;
	memset(m, 0, sizeof(*m));
}

void matchers_free(struct matchers *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->n; i++)
		matcher_free(&ms->v[i]);
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}

/* Moves every matcher of from to the end of to; from ends up empty. */
static void matchers_move(struct matchers *to, struct matchers *from)
{
	for (size_t i = 0; i < from->n; i++)
		matchers_push(to, &from->v[i]);
	free(from->v);
	memset(from, 0, sizeof(*from));
}

int matcher_matches(const struct matcher *m, const char *value)
{
	if (!value)
		value = "";
	switch (m->op) {
	case MATCHER_EQ:
		return strcmp(value, m->value) == 0;
	case MATCHER_NE:
		return strcmp(value, m->value) != 0;
	case MATCHER_RE:
		return re_match(m->re, value);
	case MATCHER_NRE:
		return !re_match(m->re, value);
	}
	return 0;
}

int matchers_match(const struct matchers *ms, const struct labels *l)
{
	for (size_t i = 0; i < ms->n; i++) {
		const char *v = l ? labels_get(l, ms->v[i].name) : NULL;

		if (!matcher_matches(&ms->v[i], v))
			return 0;
	}
	return 1;
}

int matcher_equal(const struct matcher *a, const struct matcher *b)
{
	return a->op == b->op && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->value, b->value) == 0;
}

int matchers_equal(const struct matchers *a, const struct matchers *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (!matcher_equal(&a->v[i], &b->v[i]))
			return 0;
	return 1;
}

int matcher_cmp(const struct matcher *a, const struct matcher *b)
{
	int c = strcmp(a->name, b->name);

	if (c == 0)
		c = strcmp(a->value, b->value);
	if (c == 0)
		c = (a->op > b->op) - (a->op < b->op);
	return c;
}

static int cmp_matcher(const void *a, const void *b)
{
	return matcher_cmp(a, b);
}

void matchers_sort(struct matchers *ms)
{
	if (ms->n > 1)
		qsort(ms->v, ms->n, sizeof(*ms->v), cmp_matcher);
}

static int name_needs_quotes(const char *name)
{
	size_t n = strlen(name), w;

	for (size_t i = 0; i < n; i += w) {
		long r = utf8_rune(name + i, n - i, &w);

		if (r != RUNE_BAD && reserved(r))
			return 1;
	}
	return 0;
}

void matcher_format(const struct matcher *m, struct buf *out)
{
	if (name_needs_quotes(m->name)) {
		buf_quote(out, m->name);
		buf_puts(out, matcher_op_str(m->op));
		buf_quote(out, m->value);
		return;
	}
	buf_puts(out, m->name);
	buf_puts(out, matcher_op_str(m->op));
	buf_putc(out, '"');
	for (const char *p = m->value; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_putc(out, '\\');
		if (*p == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

/* m1,m2 without braces: the suggestion Alertmanager logs. */
static void matchers_join(const struct matchers *ms, struct buf *out)
{
	for (size_t i = 0; i < ms->n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		matcher_format(&ms->v[i], out);
	}
}

void matchers_format(const struct matchers *ms, struct buf *out)
{
	buf_putc(out, '{');
	matchers_join(ms, out);
	buf_putc(out, '}');
}

/* --------------------------------------------------- classic grammar */

/*
 * pkg/labels ParseMatcher: the input must match
 *   ^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$
 * and the value, optionally in double quotes, knows \n \" \\ escapes.
 */
static int classic_name_start(char c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == ':';
}

static size_t classic_op(const char *s, enum matcher_op *op)
{
	if (s[0] == '=') {
		*op = s[1] == '~' ? MATCHER_RE : MATCHER_EQ;
		return s[1] == '~' ? 2 : 1;
	}
	if (s[0] == '!' && (s[1] == '=' || s[1] == '~')) {
		*op = s[1] == '=' ? MATCHER_NE : MATCHER_NRE;
		return 2;
	}
	return 0;
}

/* Unescapes raw (len bytes, the third regex group) into out.  Returns 0 or
 * -1 with Alertmanager's message appended to err. */
static int classic_value(const char *raw, size_t len, struct buf *out,
			 struct buf *err)
{
	const char *p = raw;
	size_t k = len;
	int quoted = 0, esc = 0;

	if (k > 0 && p[0] == '"') {
		p++;
		k--;
		quoted = 1;
	}
	if (!utf8_valid(p, k)) {
		buf_printf(err, "matcher value not valid UTF-8: %.*s", (int)len,
			   raw);
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		char c = p[i];

		if (esc) {
			esc = 0;
			if (c == 'n')
				c = '\n';
			else if (c != '"' && c != '\\')
				buf_putc(out, '\\'); /* spurious escape */
		} else if (c == '\\' && i < k - 1) {
			esc = 1;
			continue;
		} else if (c == '"') {
			if (!quoted || i < k - 1)
				goto bad;
			quoted = 0;
			continue;
		}
		buf_putc(out, c);
	}
	if (!quoted)
		return 0;
bad:
	buf_printf(err, "matcher value contains unescaped double quote: %.*s",
		   (int)len, raw);
	return -1;
}

/* Parses exactly one classic matcher s into m.  Returns 0 or -1. */
static int classic_one(const char *s, struct matcher *m, struct buf *err)
{
	size_t n = strlen(s), i = 0, name, name_end, v, v_end, oplen;
	enum matcher_op op = MATCHER_EQ;
	struct buf value = {0};
	char *nm;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	while (i < n && ascii_space(s[i]))
		i++;
	name = i;
	while (i < n && (classic_name_start(s[i]) ||
			 (i > name && s[i] >= '0' && s[i] <= '9')))
		i++;
	name_end = i;
	while (i < n && ascii_space(s[i]))
		i++;
	oplen = name_end > name ? classic_op(s + i, &op) : 0;
	if (oplen == 0) {
		buf_printf(err, "bad matcher format: %s", s);
		return -1;
	}
	for (v = i + oplen; v < n && ascii_space(s[v]); v++)
		;
	for (v_end = n; v_end > v && ascii_space(s[v_end - 1]); v_end--)
		;
	if (classic_value(s + v, v_end - v, &value, err) == 0) {
		nm = xstrndup(s + name, name_end - name);
		rc = matcher_init(m, nm, op, buf_str(&value), err);
		free(nm);
	}
	buf_free(&value);
	return rc;
}

/* Go's strings.TrimSpace: the span of s without Unicode spaces around. */
static void trim_space(const char *s, size_t *from, size_t *to)
{
	size_t w;

	while (*from < *to && go_space(utf8_rune(s + *from, *to - *from, &w)))
		*from += w;
	while (*to > *from) {
		size_t k = 1;

		while (k < 4 && k < *to - *from &&
		       ((unsigned char)s[*to - k] & 0xc0) == 0x80)
			k++;
		if (!go_space(utf8_rune(s + *to - k, k, &w)) || w != k)
			break;
		*to -= k;
	}
}

static int classic_push(const char *tok, struct matchers *out, struct buf *err)
{
	struct matcher m;

	if (classic_one(tok, &m, err) == -1)
		return -1;
	matchers_push(out, &m);
	return 0;
}

/*
 * pkg/labels ParseMatchers: strip one '{' and one '}', split on commas
 * outside double quotes, parse each piece; the last piece is trimmed and
 * skipped when empty (so one trailing comma is fine).  Go walks runes, so
 * a byte that is not UTF-8 becomes U+FFFD.
 */
static int classic_all(const char *s, struct matchers *out, struct buf *err)
{
	size_t n = strlen(s), w, from = 0, to;
	struct buf tok = {0};
	int inq = 0, esc = 0, rc = 0;

	if (n > 0 && s[0] == '{')
		s++, n--;
	if (n > 0 && s[n - 1] == '}')
		n--;
	for (size_t i = 0; i < n && rc == 0; i += w) {
		long r = utf8_rune(s + i, n - i, &w);

		if (r == ',' && !inq) {
			rc = classic_push(buf_str(&tok), out, err);
			buf_reset(&tok);
			continue;
		}
		if (r == '"')
			inq = esc ? inq : !inq;
		esc = r == '\\' ? !esc : r == ',' ? esc : 0;
		utf8_put(&tok, r == RUNE_BAD ? 0xfffd : r);
	}
	to = tok.len;
	trim_space(buf_str(&tok), &from, &to);
	if (rc == 0 && to > from) {
		char *last = xstrndup(tok.s + from, to - from);

		rc = classic_push(last, out, err);
		free(last);
	}
	buf_free(&tok);
	return rc;
}

/* ---------------------------------------------- UTF-8 grammar: lexer */

enum tok_kind {
	TOK_EOF,
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_COMMA,
	TOK_EQ,
	TOK_NE,
	TOK_RE,
	TOK_NRE, /* in enum matcher_op order */
	TOK_QUOTED,
	TOK_UNQUOTED
};
#define TK(k)  (1u << (k))
#define TK_OPS (TK(TOK_EQ) | TK(TOK_NE) | TK(TOK_RE) | TK(TOK_NRE))
#define TK_STR (TK(TOK_QUOTED) | TK(TOK_UNQUOTED))

/* A token: bytes [off, end) of the input, columns counted in runes. */
struct tok {
	enum tok_kind kind;
	size_t off, end;
	int col, colend;
};

/* matcher/parse's lexer.  Once it fails every later scan fails with the
 * same error (err, owned). */
struct lexer {
	const char *s;
	size_t n;
	size_t start, pos, width;
	int col, cols;
	char *err;
};

static long lx_next(struct lexer *lx)
{
	long r;

	if (lx->pos >= lx->n) {
		lx->width = 0;
		return RUNE_EOF;
	}
	r = utf8_rune(lx->s + lx->pos, lx->n - lx->pos, &lx->width);
	lx->pos += lx->width;
	lx->cols++;
	return r;
}

static void lx_rewind(struct lexer *lx)
{
	lx->pos -= lx->width;
	if (lx->width > 0)
		lx->cols--;
}

static int lx_accept(struct lexer *lx, char c)
{
	if (lx_next(lx) == c)
		return 1;
	lx_rewind(lx);
	return 0;
}

static int lx_emit(struct lexer *lx, enum tok_kind kind, struct tok *t)
{
	t->kind = kind;
	t->off = lx->start;
	t->end = lx->pos;
	t->col = lx->col;
	t->colend = lx->cols;
	lx->start = lx->pos;
	lx->col = lx->cols;
	return 0;
}

/* Records "col:cols: <text so far>: what" as the lexer's error. */
static int lx_fail(struct lexer *lx, const char *what)
{
	lx->err =
	    xasprintf("%d:%d: %.*s: %s", lx->col, lx->cols,
		      (int)(lx->pos - lx->start), lx->s + lx->start, what);
	return -1;
}

static int lx_operator(struct lexer *lx, struct tok *t)
{
	if (lx_accept(lx, '!')) {
		if (lx_accept(lx, '='))
			return lx_emit(lx, TOK_NE, t);
		if (lx_accept(lx, '~'))
			return lx_emit(lx, TOK_NRE, t);
	} else if (lx_accept(lx, '=')) {
		if (lx_accept(lx, '~'))
			return lx_emit(lx, TOK_RE, t);
		return lx_emit(lx, TOK_EQ, t);
	}
	if (lx->pos >= lx->n) {
		lx->err = xasprintf(
		    "%d:%d: unexpected end of input, expected one of '=~'",
		    lx->col, lx->cols);
		return -1;
	}
	return lx_fail(lx, "expected one of '=~'");
}

static int lx_quoted(struct lexer *lx, struct tok *t)
{
	int esc = 0;
	long r;

	lx_next(lx);
	while ((r = lx_next(lx)) != RUNE_EOF) {
		if (esc)
			esc = 0;
		else if (r == '\\')
			esc = 1;
		else if (r == '"')
			return lx_emit(lx, TOK_QUOTED, t);
	}
	return lx_fail(lx, "missing end \"");
}

static int lx_unquoted(struct lexer *lx, struct tok *t)
{
	long r;

	while ((r = lx_next(lx)) != RUNE_EOF) {
		if (reserved(r)) {
			lx_rewind(lx);
			break;
		}
	}
	return lx_emit(lx, TOK_UNQUOTED, t);
}

/* Scans the next token into t (TOK_EOF at the end).  Returns 0 or -1. */
static int lx_scan(struct lexer *lx, struct tok *t)
{
	long r;

	memset(t, 0, sizeof(*t));
	if (lx->err)
		return -1;
	while ((r = lx_next(lx)) != RUNE_EOF) {
		switch (r) {
		case '{':
			return lx_emit(lx, TOK_LBRACE, t);
		case '}':
			return lx_emit(lx, TOK_RBRACE, t);
		case ',':
			return lx_emit(lx, TOK_COMMA, t);
		case '=':
		case '!':
			lx_rewind(lx);
			return lx_operator(lx, t);
		case '"':
			lx_rewind(lx);
			return lx_quoted(lx, t);
		}
		if (!reserved(r)) {
			lx_rewind(lx);
			return lx_unquoted(lx, t);
		}
		if (!go_space(r))
			return lx_fail(lx, "invalid input");
		lx->start = lx->pos;
		lx->col = lx->cols;
	}
	return 0;
}

static int lx_peek(struct lexer *lx, struct tok *t)
{
	struct lexer saved = *lx;
	int rc = lx_scan(lx, t);
	char *err = lx->err;

	*lx = saved;
	lx->err = err;
	return rc;
}

/* --------------------------------------------- UTF-8 grammar: parser */

/* Go's strconv.Unquote of a double-quoted token into out, which must then
 * be valid UTF-8.  Returns 0 or -1. */
static int unquote_escape(const char *s, size_t n, size_t *i, struct buf *out)
{
	static const char from[] = "abfnrtv\\\"", to[] = "\a\b\f\n\r\t\v\\\"";
	const char *e = strchr(from, s[*i + 1]);
	size_t digits = 0;
	long v = 0;
	char c = s[*i + 1];

	if (e && c) {
		buf_putc(out, to[e - from]);
		*i += 2;
		return 0;
	}
	digits = c == 'x'		? 2
		 : c == 'u'		? 4
		 : c == 'U'		? 8
		 : c >= '0' && c <= '7' ? 3
					: 0;
	if (digits == 0 || *i + 1 + digits + (c >= '0' && c <= '7' ? 0 : 1) > n)
		return -1;
	if (c >= '0' && c <= '7') {
		for (size_t k = 1; k <= 3; k++) {
			if (s[*i + k] < '0' || s[*i + k] > '7')
				return -1;
			v = v * 8 + (s[*i + k] - '0');
		}
		*i += 4;
	} else {
		for (size_t k = 2; k < 2 + digits; k++) {
			if (!is_hex(s[*i + k]))
				return -1;
			v = v * 16 + hex_val(s[*i + k]);
		}
		*i += 2 + digits;
	}
	if (c == 'x' || (c >= '0' && c <= '7')) {
		if (v > 255)
			return -1;
		buf_putc(out, (char)v);
	} else {
		if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return -1;
		utf8_put(out, v);
	}
	return 0;
}

static int go_unquote(const char *s, size_t n, struct buf *out)
{
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return -1;
	s++;
	n -= 2;
	for (size_t i = 0; i < n;) {
		if (s[i] == '"' || s[i] == '\n')
			return -1;
		if (s[i] != '\\') {
			buf_putc(out, s[i++]);
			continue;
		}
		if (i + 1 >= n || unquote_escape(s, n, &i, out) == -1)
			return -1;
	}
	return utf8_valid(buf_str(out), out->len) ? 0 : -1;
}

enum pstate {
	P_OPEN,
	P_CLOSE,
	P_MATCHER,
	P_END_MATCHER,
	P_COMMA,
	P_EOF,
	P_DONE,
	P_ERROR
};

struct parser {
	struct lexer lx;
	int has_open;
	struct matchers ms;
	struct buf why; /* reason of the last failed expect */
	struct buf err;
};

static enum pstate p_fail(struct parser *p, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

static enum pstate p_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&p->err, fmt, ap);
	va_end(ap);
	return P_ERROR;
}

/* Peeks at the next token.  Returns 0 when its kind is in kinds, 1 at the
 * end of input, -1 otherwise; p->why then says why. */
static int expect_peek(struct parser *p, unsigned kinds, struct tok *t)
{
	buf_reset(&p->why);
	if (lx_peek(&p->lx, t) == -1) {
		buf_puts(&p->why, p->lx.err);
		return -1;
	}
	if (t->kind == TOK_EOF) {
		buf_puts(&p->why, "end of input");
		return 1;
	}
	if (!(kinds & TK(t->kind))) {
		buf_printf(&p->why, "%d:%d: unexpected %.*s", t->col, t->colend,
			   (int)(t->end - t->off), p->lx.s + t->off);
		return -1;
	}
	return 0;
}

/* expect_peek() that consumes the token when it fits. */
static int expect(struct parser *p, unsigned kinds, struct tok *t)
{
	int rc = expect_peek(p, kinds, t);

	if (rc == 0)
		lx_scan(&p->lx, t);
	return rc;
}

/* Returns the decoded text of a name or value token (the caller frees it),
 * or NULL after recording "invalid input". */
static char *p_string(struct parser *p, const struct tok *t, int is_name)
{
	const char *s = p->lx.s + t->off;
	size_t n = t->end - t->off;
	struct buf b = {0};

	if (t->kind == TOK_UNQUOTED)
		return xstrndup(s, n);
	if (go_unquote(s, n, &b) == 0 && (!is_name || b.len > 0))
		return buf_take(&b);
	buf_free(&b);
	p_fail(p, "%d:%d: %.*s: invalid input", t->col, t->colend, (int)n, s);
	return NULL;
}

static enum pstate p_open(struct parser *p)
{
	struct tok t;

	if (lx_peek(&p->lx, &t) == -1)
		return p_fail(p, "%s", p->lx.err);
	if (t.kind == TOK_EOF)
		return P_EOF;
	if (t.kind == TOK_LBRACE) {
		lx_scan(&p->lx, &t);
		p->has_open = 1;
	}
	if (lx_peek(&p->lx, &t) == -1)
		return p_fail(p, "%s", p->lx.err);
	return t.kind == TOK_EOF || t.kind == TOK_RBRACE ? P_CLOSE : P_MATCHER;
}

static enum pstate p_close(struct parser *p)
{
	struct tok t;
	int rc = expect(p, TK(TOK_RBRACE), &t);

	if (p->has_open && rc != 0)
		return p_fail(p, "0:%d: %s: expected close brace", p->lx.cols,
			      buf_str(&p->why));
	if (!p->has_open && rc == 0)
		return p_fail(p, "0:%d: }: expected opening brace", p->lx.cols);
	return P_EOF;
}

static enum pstate p_matcher(struct parser *p)
{
	struct tok t;
	char *name = NULL, *value = NULL;
	enum matcher_op op;
	struct matcher m;
	struct buf e = {0};
	enum pstate next = P_ERROR;

	if (expect(p, TK_STR, &t) != 0)
		return p_fail(p, "%s: expected label name", buf_str(&p->why));
	if (!(name = p_string(p, &t, 1)))
		goto out;
	if (expect(p, TK_OPS, &t) != 0) {
		p_fail(
		    p,
		    "%s: expected an operator such as '=', '!=', '=~' or '!~'",
		    buf_str(&p->why));
		goto out;
	}
	op = (enum matcher_op)(t.kind - TOK_EQ);
	if (expect(p, TK_STR, &t) != 0) {
		p_fail(p, "%s: expected label value", buf_str(&p->why));
		goto out;
	}
	if (!(value = p_string(p, &t, 0)))
		goto out;
	if (matcher_init(&m, name, op, value, &e) == -1) {
		p_fail(p, "failed to create matcher: %s", buf_str(&e));
		goto out;
	}
	matchers_push(&p->ms, &m);
	next = P_END_MATCHER;
out:
	buf_free(&e);
	free(value);
	free(name);
	return next;
}

static enum pstate p_end_matcher(struct parser *p)
{
	struct tok t;
	int rc = expect_peek(p, TK(TOK_COMMA) | TK(TOK_RBRACE), &t);

	if (rc == 1)
		return P_CLOSE;
	if (rc == -1)
		return p_fail(p, "%s: expected a comma or close brace",
			      buf_str(&p->why));
	return t.kind == TOK_COMMA ? P_COMMA : P_CLOSE;
}

static enum pstate p_comma(struct parser *p)
{
	struct tok t;
	int rc;

	if (expect(p, TK(TOK_COMMA), &t) != 0)
		return p_fail(p, "%s: expected a comma", buf_str(&p->why));
	rc = expect_peek(p, TK(TOK_RBRACE) | TK_STR, &t);
	if (rc == 1)
		return P_CLOSE;
	if (rc == -1)
		return p_fail(
		    p, "%s: expected a matcher or close brace after comma",
		    buf_str(&p->why));
	return t.kind == TOK_RBRACE ? P_CLOSE : P_MATCHER;
}

static enum pstate p_eof(struct parser *p)
{
	struct tok t;

	if (lx_scan(&p->lx, &t) == -1)
		return p_fail(p, "%s: expected end of input", p->lx.err);
	if (t.kind != TOK_EOF)
		return p_fail(p, "%d:%d: %.*s: expected end of input", t.col,
			      t.colend, (int)(t.end - t.off), p->lx.s + t.off);
	return P_DONE;
}

typedef enum pstate (*pstate_fn)(struct parser *p);

static const pstate_fn pstates[] = {
    [P_OPEN] = p_open,	     [P_CLOSE] = p_close,
    [P_MATCHER] = p_matcher, [P_END_MATCHER] = p_end_matcher,
    [P_COMMA] = p_comma,     [P_EOF] = p_eof,
};

/* matcher/parse Matchers(): appends the matchers of s to out.  Returns 0,
 * or -1 with the error appended to err (out untouched). */
static int utf8_all(const char *s, struct matchers *out, struct buf *err)
{
	struct parser p = {.lx = {.s = s, .n = strlen(s)}};
	enum pstate st = P_OPEN;
	int rc = 0;

	while (st != P_DONE && st != P_ERROR)
		st = pstates[st](&p);
	if (st == P_ERROR) {
		buf_puts(err, buf_str(&p.err));
		rc = -1;
	} else {
		matchers_move(out, &p.ms);
	}
	matchers_free(&p.ms);
	buf_free(&p.why);
	buf_free(&p.err);
	free(p.lx.err);
	return rc;
}

/* matcher/parse Matcher(): exactly one matcher. */
static int utf8_one(const char *s, struct matcher *m, struct buf *err)
{
	struct matchers ms = {0};
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (utf8_all(s, &ms, err) == -1)
		return -1;
	if (ms.n == 0) {
		buf_puts(err, "no matchers");
	} else if (ms.n > 1) {
		buf_printf(err, "expected 1 matcher, found %zu", ms.n);
	} else {
		*m = ms.v[0];
		ms.n = 0;
		rc = 0;
	}
	matchers_free(&ms);
	return rc;
}

/* ----------------------------------------------------------- fallback */

static void warn_start(struct buf *warn)
{
	if (warn->len > 0)
		buf_putc(warn, '\n');
}

static void warn_fallback(struct buf *warn, const char *input,
			  const struct buf *why, const struct matchers *c)
{
	if (!warn)
		return;
	warn_start(warn);
	buf_puts(warn, "matchers input ");
	buf_quote(warn, input);
	buf_printf(
	    warn,
	    " is incompatible with the UTF-8 matchers parser (%s); "
	    "it was parsed with the classic parser as a fallback. To make "
	    "it compatible, double-quote all values and regular "
	    "expressions: ",
	    buf_str(why));
	matchers_join(c, warn);
}

static void warn_disagree(struct buf *warn, const char *input,
			  const struct matchers *c)
{
	if (!warn)
		return;
	warn_start(warn);
	buf_puts(warn, "matchers input ");
	buf_quote(warn, input);
	buf_puts(warn, " has disagreement: the UTF-8 and the classic parser "
		       "read it differently; using the classic reading ");
	matchers_join(c, warn);
}

/* Alertmanager's FallbackMatchersParser on parsed results: u (UTF-8, urc)
 * and c (classic, crc).  Moves the winner to out. */
static int fallback_pick(const char *s, struct matchers *u, int urc,
			 const struct buf *uerr, struct matchers *c, int crc,
			 struct matchers *out, struct buf *warn)
{
	if (urc == -1) {
		warn_fallback(warn, s, uerr, c);
		matchers_move(out, c);
	} else if (crc == 0 && !matchers_equal(u, c)) {
		warn_disagree(warn, s, c);
		matchers_move(out, c);
	} else {
		matchers_move(out, u);
	}
	return 0;
}

static int fallback_all(const char *s, struct matchers *out, struct buf *err,
			struct buf *warn)
{
	struct matchers u = {0}, c = {0};
	struct buf uerr = {0}, cerr = {0};
	int urc = utf8_all(s, &u, &uerr);
	int crc = classic_all(s, &c, &cerr);
	int rc = 0;

	if (urc == -1 && crc == -1) {
		buf_puts(err,
			 buf_str(&cerr)); /* Alertmanager reports classic's */
		rc = -1;
	} else {
		rc = fallback_pick(s, &u, urc, &uerr, &c, crc, out, warn);
	}
	matchers_free(&c);
	matchers_free(&u);
	buf_free(&cerr);
	buf_free(&uerr);
	return rc;
}

int matchers_parse_mode(const char *s, enum matcher_grammar g,
			struct matchers *out, struct buf *err, struct buf *warn)
{
	struct matchers tmp = {0};
	int rc;

	switch (g) {
	case MATCHER_UTF8:
		rc = utf8_all(s, out, err);
		break;
	case MATCHER_CLASSIC:
		rc = classic_all(s, &tmp, err);
		if (rc == 0)
			matchers_move(out, &tmp);
		matchers_free(&tmp);
		break;
	default:
		rc = fallback_all(s, out, err, warn);
		break;
	}
	return rc;
}

int matchers_parse(const char *s, struct matchers *out, struct buf *err,
		   struct buf *warn)
{
	return matchers_parse_mode(s, MATCHER_FALLBACK, out, err, warn);
}

/* FallbackMatcherParser for one matcher. */
static int fallback_one(const char *s, struct matcher *out, struct buf *err,
			struct buf *warn)
{
	struct matchers u = {0}, c = {0}, res = {0};
	struct matcher um, cm;
	struct buf uerr = {0}, cerr = {0};
	int urc = utf8_one(s, &um, &uerr);
	int crc = classic_one(s, &cm, &cerr);
	int rc = -1;

	if (urc == 0)
		matchers_push(&u, &um);
	if (crc == 0)
		matchers_push(&c, &cm);
	if (urc == -1 && crc == -1) {
		buf_puts(err, buf_str(&cerr));
	} else {
		rc = fallback_pick(s, &u, urc, &uerr, &c, crc, &res, warn);
		*out = res.v[0];
		res.n = 0;
	}
	matchers_free(&res);
	matchers_free(&c);
	matchers_free(&u);
	buf_free(&cerr);
	buf_free(&uerr);
	return rc;
}

int matcher_parse_mode(const char *s, enum matcher_grammar g,
		       struct matcher *out, struct buf *err, struct buf *warn)
{
	size_t n = strlen(s);

	memset(out, 0, sizeof(*out));
	if (g != MATCHER_CLASSIC &&
	    ((n > 0 && s[0] == '{') || (n > 0 && s[n - 1] == '}'))) {
		buf_printf(err, "unexpected open or close brace: %s", s);
		return -1;
	}
	switch (g) {
	case MATCHER_UTF8:
		return utf8_one(s, out, err);
	case MATCHER_CLASSIC:
		return classic_one(s, out, err);
	default:
		return fallback_one(s, out, err, warn);
	}
}

int matcher_parse(const char *s, struct matcher *out, struct buf *err,
		  struct buf *warn)
{
	return matcher_parse_mode(s, MATCHER_FALLBACK, out, err, warn);
}
