/*
 * tmpl_int.h - internals shared by the tmpl*.c files: tokens, the syntax
 * tree, template sets, and Go's fmt and strconv as the engine needs them.
 * Nothing outside src/tmpl*.c includes this.
 */
#ifndef TOCSIN_TMPL_INT_H
#define TOCSIN_TMPL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tmpl.h"

/* -------------------------------------------------------------- lexer */

/* Token types in Go's order: everything after TK_KEYWORD prints as <word>. */
enum tok_type {
	TK_ERROR,
	TK_BOOL,
	TK_CHAR,
	TK_CHARCONST,
	TK_COMMENT,
	TK_COMPLEX,
	TK_ASSIGN,
	TK_DECLARE,
	TK_EOF,
	TK_FIELD,
	TK_IDENT,
	TK_LDELIM,
	TK_LPAREN,
	TK_NUMBER,
	TK_PIPE,
	TK_RAWSTRING,
	TK_RDELIM,
	TK_RPAREN,
	TK_SPACE,
	TK_STRING,
	TK_TEXT,
	TK_VARIABLE,
	TK_KEYWORD,
	TK_BLOCK,
	TK_BREAK,
	TK_CONTINUE,
	TK_DOT,
	TK_DEFINE,
	TK_ELSE,
	TK_END,
	TK_IF,
	TK_NIL,
	TK_RANGE,
	TK_TEMPLATE,
	TK_WITH,
};

struct tok {
	enum tok_type type;
	int line;	 /* 1-based line of the token's first byte */
	size_t pos;	 /* byte offset into the text */
	const char *val; /* into the text, or the error message */
	size_t len;
};

struct toks {
	struct tok *v;
	size_t n, cap;
	char *errmsg; /* the TK_ERROR token's text, owned */
};

/* Splits text into tokens ending in TK_EOF or TK_ERROR.  Free with
 * tmpl_toks_free(). */
void tmpl_lex(const char *text, size_t len, struct toks *out);
void tmpl_toks_free(struct toks *t);

/* --------------------------------------------------------------- tree */

enum tnode_type {
	TN_LIST,
	TN_TEXT,
	TN_ACTION,
	TN_IF,
	TN_RANGE,
	TN_WITH,
	TN_TEMPLATE,
	TN_BREAK,
	TN_CONTINUE,
	TN_ELSE,
	TN_END, /* ELSE, END: parse only */
	TN_PIPE,
	TN_CMD,
	TN_IDENT,
	TN_FIELD,
	TN_VAR,
	TN_CHAIN,
	TN_DOT,
	TN_NIL,
	TN_BOOL,
	TN_NUMBER,
	TN_STRING,
};

struct tnode {
	enum tnode_type type;
	size_t pos; /* byte offset into the unit's text */
	/* LIST: items; PIPE: commands; CMD: arguments (the first is the
	 * function, field, variable or constant) */
	struct tnode **kids;
	size_t nkids, capkids;
	/* PIPE: declared or assigned variables ($x := / $x =) */
	struct tnode **decl;
	size_t ndecl, capdecl;
	int is_assign;
	/* IF, RANGE, WITH, ACTION, TEMPLATE: the pipeline; CHAIN: the term */
	struct tnode *pipe;
	struct tnode *list, *elselist;
	/* FIELD: .a.b as {a, b}; VAR: $x.a as {$x, a}; CHAIN: the fields;
	 * IDENT: the name */
	char **ident;
	size_t nident;
	/* TEXT: the text; STRING: the value; TEMPLATE: the name; NUMBER,
	 * STRING: src is the source spelling */
	const char *text, *src;
	size_t len, srclen;
	const struct tmpl_func *fn;   /* IDENT: the function */
	struct tmpl_value *constant;  /* NUMBER, STRING, BOOL: the value */
	int num_is_int, num_is_float; /* NUMBER: Go's NumberNode flags */
	int64_t num_int;
	double num_float;
	const char *num_err; /* NUMBER: "1e99999 overflows int" */
};

/* Go's Node.String(): the source form used in error messages. */
void tmpl_node_string(const struct tnode *n, struct buf *out);

struct arena_chunk;

/* One tmpl_parse() call: the text, every node, every constant. */
struct tunit {
	char *text;
	size_t len;
	char *parse_name;
	struct arena_chunk *arena;
	struct tmpl_value **consts;
	size_t nconsts, capconsts;
};

struct ttree {
	char *name;	    /* in the unit's arena */
	struct tnode *root; /* a TN_LIST */
	struct tunit *unit;
};

struct tmpl_set {
	struct tunit **units;
	size_t nunits;
	struct ttree **trees;
	size_t ntrees;
	const struct tmpl_func **tables;
	size_t ntables;
	enum tmpl_missingkey missingkey;
	char *first_name; /* Go's t.name for "no template" errors */
	const struct tmpl_set *parent; /* templates not found here are there */
};

void *tmpl_arena_alloc(struct tunit *u, size_t n);
void tmpl_unit_free(struct tunit *u);
/* Returns the function called name, or NULL. */
const struct tmpl_func *tmpl_find_func(const struct tmpl_set *set,
				       const char *name);
const struct ttree *tmpl_find_tree(const struct tmpl_set *set,
				   const char *name);
/* Go's parse.IsEmptyTree. */
int tmpl_tree_empty(const struct tnode *n);

/* Go's builtins: and, or, not, len, index, slice, print, printf... */
extern const struct tmpl_func tmpl_builtins[];
int tmpl_builtin_is(const struct tmpl_func *f, const char *name);

/* ---------------------------------------------------- Go fmt, strconv */

/* fmt.Sprint / Sprintln / Sprintf over template values.  They stop
 * writing soon after out->len passes limit (the caller then fails). */
void tmpl_sprint(struct buf *out, size_t limit, struct tmpl_value *const *v,
		 size_t n);
void tmpl_sprintln(struct buf *out, size_t limit, struct tmpl_value *const *v,
		   size_t n);
void tmpl_sprintf(struct buf *out, size_t limit, const char *fmt, size_t fmtlen,
		  struct tmpl_value *const *v, size_t n);
/* Appends v as strconv.FormatFloat(v, verb, prec, 64): verb is one of
 * e E f g G; prec -1 means the shortest exact form. */
void tmpl_format_float(struct buf *out, double v, char verb, int prec);
/* Appends strconv.Quote(s), or QuoteToASCII when ascii. */
void tmpl_quote(struct buf *out, const char *s, size_t len, int ascii);
/* Appends url.QueryEscape(s). */
void tmpl_query_escape(struct buf *out, const char *s, size_t len);
/* Appends Go's %#U-less rune form for errors: U+0023 '#'. */
void tmpl_rune_desc(struct buf *out, uint32_t r);
/* strconv.ParseFloat(s, 64): 0, or -1 with Go's message in err. */
int tmpl_parse_float(const char *s, size_t len, double *v, struct buf *err);
/* Go's float64 -> int64 conversion as amd64 does it (MinInt64 when out of
 * range), instead of C's undefined behaviour. */
int64_t tmpl_f2i(double v);

/* UTF-8 as Go decodes it: invalid bytes are U+FFFD of width 1. */
uint32_t tmpl_utf8_decode(const char *s, size_t n, size_t *width);
void tmpl_utf8_put(struct buf *out, uint32_t r);
size_t tmpl_utf8_count(const char *s, size_t n);
/* unicode.IsPrint, IsLetter, IsDigit, IsSpace - exact for ASCII and
 * Latin-1, approximate beyond. */
int tmpl_is_print(uint32_t r);
int tmpl_is_letter(uint32_t r);
int tmpl_is_digit(uint32_t r);

/* Go's unicode.ToUpper / ToLower (simple mappings; ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic). */
uint32_t tmpl_rune_upper(uint32_t r);
uint32_t tmpl_rune_lower(uint32_t r);

/* Prometheus' functions that Alertmanager shares (tmpl_prom.c). */
int tmpl_to_upper(struct tmpl_call *c, struct tmpl_value *const *a, size_t n,
		  struct tmpl_value **out);
int tmpl_to_lower(struct tmpl_call *c, struct tmpl_value *const *a, size_t n,
		  struct tmpl_value **out);
int tmpl_match(struct tmpl_call *c, struct tmpl_value *const *a, size_t n,
	       struct tmpl_value **out);
int tmpl_re_replace_all(struct tmpl_call *c, struct tmpl_value *const *a,
			size_t n, struct tmpl_value **out);
int tmpl_safe_html(struct tmpl_call *c, struct tmpl_value *const *a, size_t n,
		   struct tmpl_value **out);
/* Prometheus' humanizeDuration over an already converted number. */
int tmpl_humanize_duration_float(double v, struct tmpl_value **out);

/* Static classes of Go types the engine itself makes. */
extern const struct tmpl_class tmpl_uint8_class;
extern const struct tmpl_class tmpl_int64_class;

/* --------------------------------------------- Go's time (tmpl_time.c) */

#define TMPL_ZONE_ABBR 16
/* Go's zero time.Time, 0001-01-01 00:00:00 UTC, in Unix seconds. */
#define TMPL_ZERO_TIME_SEC (-62135596800LL)

/*
 * A time.Time: an instant and the zone it is shown in.  The offset and
 * abbreviation are those of loc at that instant; loc is "UTC", "Local",
 * an IANA name, or "" for a fixed zone (an RFC 3339 offset), whose empty
 * abbreviation prints as "-0700".
 */
struct tmpl_gotime {
	int64_t sec;  /* since the Unix epoch */
	int32_t nsec; /* 0 .. 999999999 */
	int32_t off;  /* seconds east of UTC */
	char abbr[TMPL_ZONE_ABBR];
	char loc[48];
};

/* t becomes the instant sec+nsec in UTC. */
void tmpl_gotime_utc(struct tmpl_gotime *t, int64_t sec, int32_t nsec);
/* t moves to the Local zone ($TZ, else /etc/localtime). */
void tmpl_gotime_local(struct tmpl_gotime *t);
/* t moves to the location called name (time.LoadLocation's names);
 * 0, or -1 with Go's message ("unknown time zone X") in err. */
int tmpl_gotime_in(struct tmpl_gotime *t, const char *name, struct buf *err);
/* time.Now() in the Local zone. */
void tmpl_gotime_now(struct tmpl_gotime *t);
/* Appends t.Format(layout); tmpl_gotime_string() is t.String(). */
void tmpl_gotime_format(struct buf *b, const struct tmpl_gotime *t,
			const char *layout, size_t len);
void tmpl_gotime_string(struct buf *b, const struct tmpl_gotime *t);
/* t.Sub(u) in nanoseconds, saturated as Go does. */
int64_t tmpl_gotime_sub(const struct tmpl_gotime *t,
			const struct tmpl_gotime *u);
/* time.Time.UnmarshalJSON: s is the JSON token, quotes included.  0, or
 * -1 with Go's "parsing time ..." message in err. */
int tmpl_gotime_parse_json(const char *s, size_t n, struct tmpl_gotime *t,
			   struct buf *err);
/* Returns a new time.Time (ptr: *time.Time) holding a copy of t. */
struct tmpl_value *tmpl_gotime_value(const struct tmpl_gotime *t, int ptr);
/* The time in a time.Time or *time.Time value (borrowed), else NULL. */
const struct tmpl_gotime *tmpl_gotime_of(const struct tmpl_value *v);
/* Appends Duration(d).String(): "1h2m3.5s". */
void tmpl_duration_format(struct buf *b, int64_t d);
/* d in units of unit nanoseconds, as Duration.Seconds/Minutes/Hours
 * compute it: whole units plus the remainder's fraction. */
double tmpl_duration_in(int64_t d, int64_t unit);
/* Returns a new time.Duration value. */
struct tmpl_value *tmpl_duration_value(int64_t ns);
extern const struct tmpl_class tmpl_time_class;
extern const struct tmpl_class tmpl_duration_class;

/* ------------------------------------ output escapers (html/template) */

/* How an escaper wants a printing action's pipeline run. */
struct tmpl_esc_plan {
	size_t ncmds;			  /* run the first ncmds commands */
	const struct tmpl_func *first_fn; /* non-NULL: called with the first
					   * command's arguments instead of
					   * its function */
};

/*
 * An output escaper (tmpl_html.c) sees every text node and every printing
 * action of an execution and writes them itself.  Each hook returns 0, or
 * -1 with the reason in why, which the execution reports after Go's
 * "template: NAME:L:C: executing ..." prefix.
 */
struct tmpl_escaper {
	/* Appends text node n, as the escaper rewrites it, to out. */
	int (*text)(struct tmpl_escaper *e, const struct tnode *n,
		    struct buf *out, struct buf *why);
	/* Plans action n, one that prints (no variable declarations). */
	int (*action)(struct tmpl_escaper *e, const struct tnode *n,
		      struct tmpl_esc_plan *plan, struct buf *why);
	/* Appends v, the value of the action planned last, escaped. */
	int (*print)(struct tmpl_escaper *e, const struct tmpl_value *v,
		     struct buf *out, struct buf *why);
};

/* tmpl_exec() with an escaper (NULL: none). */
int tmpl_exec_escaped(const struct tmpl_set *set, const char *name,
		      struct tmpl_value *data,
		      const struct tmpl_exec_opts *opts,
		      struct tmpl_escaper *esc, struct buf *out,
		      struct buf *err);


/* ------------------------------------------------ helpers for functions */

/* The parameter list of every template function (struct tmpl_func.fn). */
#define TMPL_ARGS                                                              \
	struct tmpl_call *c, struct tmpl_value *const *a, size_t n,            \
	    struct tmpl_value **out

/* Writes why a function failed into c->err; tmpl_fail() is that as an
 * expression of -1, for `return tmpl_fail(c, ...);`. */
void tmpl_call_fail(struct tmpl_call *c, const char *fmt, ...)
	PRINTF_LIKE(2, 3);
#define tmpl_fail(c, ...) (tmpl_call_fail(c, __VA_ARGS__), -1)
/* Sets *out to a string value taking b's text (b is left empty); returns 0. */
int tmpl_ret_buf(struct buf *b, struct tmpl_value **out);

#endif
