/*
 * matcher.h - Alertmanager label matchers: name, operator (= != =~ !~) and
 * value.  Regexes are compiled once with PCRE2 and anchored as Alertmanager
 * anchors them ("^(?:" value ")$").  A label missing from a set matches as
 * the empty string.
 *
 * Two input grammars are accepted, as Alertmanager 0.27+ does by default
 * ("fallback" mode): the UTF-8 grammar first, the classic one when the UTF-8
 * parse fails (a warning then suggests the UTF-8 spelling).
 */
#ifndef TOCSIN_MATCHER_H
#define TOCSIN_MATCHER_H

#include <stddef.h>

#include "labels.h"
#include "util.h"

enum matcher_op { MATCHER_EQ, MATCHER_NE, MATCHER_RE, MATCHER_NRE };

struct matcher {
	enum matcher_op op;
	char *name;
	char *value;
	void *re;		/* pcre2_code *, for MATCHER_RE / MATCHER_NRE */
};

struct matchers {
	struct matcher *v;
	size_t n, cap;
};

/* Initialises m (compiling the regex for =~ / !~).  Strings are copied.
 * Returns 0, or -1 with Alertmanager's message appended to err. */
int matcher_init(struct matcher *m, const char *name, enum matcher_op op,
		 const char *value, struct buf *err);
void matcher_free(struct matcher *m);

/* Parses a string holding one or more comma-separated matchers, optionally
 * in braces ({a="b", c=~"d.*"}), appending them to out.  Returns 0, or -1
 * with the error appended to err (out then holds what parsed before).
 * A fallback to the classic grammar appends a note to warn (may be NULL;
 * a note goes on a new line when warn already holds text).  When both
 * grammars fail, the error is the classic parser's, as in Alertmanager. */
int matchers_parse(const char *s, struct matchers *out, struct buf *err,
		   struct buf *warn);
/* Parses exactly one matcher (API filter, amtool argument); input that
 * starts with '{' or ends with '}' is refused.  On success the caller owns
 * *out (matcher_free()); on error *out is zeroed. */
int matcher_parse(const char *s, struct matcher *out, struct buf *err,
		  struct buf *warn);

/* Alertmanager's --enable-feature modes: fallback (default), UTF-8 only
 * (utf8-strict-mode), classic only (classic-mode, Alertmanager <= 0.26). */
enum matcher_grammar { MATCHER_FALLBACK, MATCHER_UTF8, MATCHER_CLASSIC };

int matchers_parse_mode(const char *s, enum matcher_grammar g,
			struct matchers *out, struct buf *err, struct buf *warn);
int matcher_parse_mode(const char *s, enum matcher_grammar g,
		       struct matcher *out, struct buf *err, struct buf *warn);

/* Appends an initialised matcher, taking ownership of its contents. */
void matchers_push(struct matchers *ms, struct matcher *m);
void matchers_free(struct matchers *ms);

/* value NULL means the label is absent (matches as ""). */
int matcher_matches(const struct matcher *m, const char *value);
/* All matchers match l (an empty list matches everything). */
int matchers_match(const struct matchers *ms, const struct labels *l);

/* Same name, operator and value. */
int matcher_equal(const struct matcher *a, const struct matcher *b);
/* <0, 0, >0 ordering by name, then value, then operator. */
int matcher_cmp(const struct matcher *a, const struct matcher *b);
/* 1 when a and b hold equal matchers in the same order. */
int matchers_equal(const struct matchers *a, const struct matchers *b);
/* Sorts by name, then value, then operator (Alertmanager's order). */
void matchers_sort(struct matchers *ms);
/* name<op>"value" with \\, \n and \" escaped (Matcher.String()); a name
 * holding whitespace or one of {}!=~,\"'` is Go-quoted with its value. */
void matcher_format(const struct matcher *m, struct buf *out);
/* {m1,m2} (Matchers.String()). */
void matchers_format(const struct matchers *ms, struct buf *out);
const char *matcher_op_str(enum matcher_op op);

#endif
