/*
 * tmpl_parse.c - the template parser and template sets.  A recursive-descent
 * parser shaped like Go's text/template/parse/parse.go, so that the same
 * input fails with the same message on the same line ("template: x:1:
 * unexpected \"}\" in operand", "undefined variable \"$label\"").
 *
 * Every node, string and constant of one tmpl_parse() call lives in one
 * unit (an arena plus a list of constants), so a parse error simply drops
 * the unit: errors unwind with longjmp from wherever they are found.
 */
#include <assert.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

#define MAX_NEST 100 /* nested parentheses and control structures */

/* ------------------------------------------------------------- arena */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	unsigned char *data;
};

void *tmpl_arena_alloc(struct tunit *u, size_t n)
{
	struct arena_chunk *c = u->arena;
	size_t hdr = (sizeof(*c) + 15) & ~(size_t)15;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		/* Start small (a rule template is a few hundred bytes of
		 * nodes and is kept for the rule's life), then double. */
		size_t size = c ? (c->size < 16384 ? c->size * 2 : 16384) : 1024;

		if (size < n)
			size = n;

		c = xcalloc(1, hdr + size);
		c->data = (unsigned char *)c + hdr;
		c->size = size;
		c->next = u->arena;
		u->arena = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

void tmpl_unit_free(struct tunit *u)
{
	struct arena_chunk *c, *next;

	if (!u)
		return;
	for (c = u->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	for (size_t i = 0; i < u->nconsts; i++)
		tmpl_unref(u->consts[i]);
	free(u->consts);
	free(u->text);
	free(u->parse_name);
	free(u);
}

static char *arena_strndup(struct tunit *u, const char *s, size_t n)
{
	char *p = tmpl_arena_alloc(u, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ------------------------------------------------------------ parser */

struct parser {
	struct tmpl_set *set;
	struct tunit *unit;
	const struct toks *toks;
	size_t i;   /* next token */
	size_t far; /* furthest token read: errors report its line */
	jmp_buf jb;
	struct buf *err;
	struct buf scratch; /* for quoting inside error messages */
	const char **vars;  /* variables in scope, innermost last */
	size_t nvars, capvars, vars_base;
	int range_depth;
	int action_line;
	int nest;
	struct ttree **trees; /* trees of this parse */
	size_t ntrees, captrees;
};

static _Noreturn void errorf(struct parser *p, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

static _Noreturn void errorf(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	size_t far = p->far < p->toks->n ? p->far : p->toks->n - 1;

	buf_printf(p->err, "template: %s:%d: ", p->unit->parse_name,
		   p->toks->v[far].line);
	va_start(ap, fmt);
	buf_vprintf(p->err, fmt, ap);
	va_end(ap);
	longjmp(p->jb, 1);
}

static const struct tok *next(struct parser *p)
{
	size_t idx = p->i < p->toks->n ? p->i : p->toks->n - 1;

	p->i++;
	if (idx > p->far)
		p->far = idx;
	return &p->toks->v[idx];
}

static void backup(struct parser *p)
{
	p->i--;
}

static const struct tok *peek(struct parser *p)
{
	const struct tok *t = next(p);

	backup(p);
	return t;
}

static const struct tok *next_nonspace(struct parser *p)
{
	const struct tok *t;

	do
		t = next(p);
	while (t->type == TK_SPACE);
	return t;
}

static const struct tok *peek_nonspace(struct parser *p)
{
	const struct tok *t = next_nonspace(p);

	backup(p);
	return t;
}

/* Go's item.String(), into the scratch buffer. */
static const char *tok_string(struct parser *p, const struct tok *t)
{
	struct buf *b = &p->scratch;

	buf_reset(b);
	if (t->type == TK_EOF) {
		buf_puts(b, "EOF");
	} else if (t->type == TK_ERROR) {
		buf_add(b, t->val, t->len);
	} else if (t->type > TK_KEYWORD) {
		buf_putc(b, '<');
		buf_add(b, t->val, t->len);
		buf_putc(b, '>');
	} else if (tmpl_utf8_count(t->val, t->len) > 10) {
		size_t n = 0, w;

		for (int k = 0; k < 10; k++, n += w)
			tmpl_utf8_decode(t->val + n, t->len - n, &w);
		tmpl_quote(b, t->val, n, 0);
		buf_puts(b, "...");
	} else {
		tmpl_quote(b, t->val, t->len, 0);
	}
	return buf_str(b);
}

static _Noreturn void unexpected(struct parser *p, const struct tok *t,
				 const char *context)
{
	if (t->type == TK_ERROR) {
		const char *msg = tok_string(p, t);

		if (p->action_line != 0 && p->action_line != t->line) {
			size_t n = strlen(msg);
			int action =
			    n >= 7 && strcmp(msg + n - 7, " action") == 0;

			errorf(p, "%s%s started at %s:%d", msg,
			       action ? "" : " in action", p->unit->parse_name,
			       p->action_line);
		}
		errorf(p, "%s", msg);
	}
	errorf(p, "unexpected %s in %s", tok_string(p, t), context);
}

static const struct tok *expect(struct parser *p, enum tok_type type,
				const char *context)
{
	const struct tok *t = next_nonspace(p);

	if (t->type != type)
		unexpected(p, t, context);
	return t;
}

/* -------------------------------------------------------------- nodes */

static struct tnode *new_node(struct parser *p, enum tnode_type type,
			      size_t pos)
{
	struct tnode *n = tmpl_arena_alloc(p->unit, sizeof(*n));

	n->type = type;
	n->pos = pos;
	return n;
}

static void node_push(struct parser *p, struct tnode ***v, size_t *n,
		      size_t *cap, struct tnode *x)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 4;
		struct tnode **nv =
		    tmpl_arena_alloc(p->unit, ncap * sizeof(*nv));

		if (*n)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
}

static void kid_push(struct parser *p, struct tnode *parent, struct tnode *x)
{
	node_push(p, &parent->kids, &parent->nkids, &parent->capkids, x);
}

static void keep_const(struct parser *p, struct tnode *n, struct tmpl_value *v)
{
	struct tunit *u = p->unit;

	if (u->nconsts == u->capconsts) {
		u->capconsts = u->capconsts ? 2 * u->capconsts : 16;
		u->consts =
		    xrealloc(u->consts, u->capconsts * sizeof(*u->consts));
	}
	u->consts[u->nconsts++] = v;
	n->constant = v;
}

/* Splits "a.b.c" into the node's ident array (after any existing ones). */
static void add_idents(struct parser *p, struct tnode *n, const char *s,
		       size_t len)
{
	size_t count = 1, k = 0;
	char **v;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '.')
			count++;
	v = tmpl_arena_alloc(p->unit, (n->nident + count) * sizeof(*v));
	if (n->nident)
		memcpy(v, n->ident, n->nident * sizeof(*v));
	for (size_t i = 0, start = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			v[n->nident + k++] =
			    arena_strndup(p->unit, s + start, i - start);
			start = i + 1;
		}
	}
	n->ident = v;
	n->nident += count;
}

/* ---------------------------------------------------- Go's Node.String */

static void pipe_string(const struct tnode *n, struct buf *out)
{
	for (size_t i = 0; i < n->ndecl; i++) {
		if (i > 0)
			buf_puts(out, ", ");
		tmpl_node_string(n->decl[i], out);
	}
	if (n->ndecl)
		buf_puts(out, " := ");
	for (size_t i = 0; i < n->nkids; i++) {
		if (i > 0)
			buf_puts(out, " | ");
		tmpl_node_string(n->kids[i], out);
	}
}

static void control_string(const struct tnode *n, const char *name,
			   struct buf *out)
{
	buf_printf(out, "{{%s ", name);
	pipe_string(n->pipe, out);
	buf_puts(out, "}}");
	tmpl_node_string(n->list, out);
	if (n->elselist) {
		buf_puts(out, "{{else}}");
		tmpl_node_string(n->elselist, out);
	}
	buf_puts(out, "{{end}}");
}

void tmpl_node_string(const struct tnode *n, struct buf *out)
{
	if (!n)
		return;
	switch (n->type) {
	case TN_LIST:
		for (size_t i = 0; i < n->nkids; i++)
			tmpl_node_string(n->kids[i], out);
		break;
	case TN_TEXT:
		buf_add(out, n->text, n->len);
		break;
	case TN_ACTION:
		buf_puts(out, "{{");
		pipe_string(n->pipe, out);
		buf_puts(out, "}}");
		break;
	case TN_IF:
		control_string(n, "if", out);
		break;
	case TN_RANGE:
		control_string(n, "range", out);
		break;
	case TN_WITH:
		control_string(n, "with", out);
		break;
	case TN_TEMPLATE:
		buf_puts(out, "{{template ");
		tmpl_quote(out, n->text, n->len, 0);
		if (n->pipe) {
			buf_putc(out, ' ');
			pipe_string(n->pipe, out);
		}
		buf_puts(out, "}}");
		break;
	case TN_BREAK:
		buf_puts(out, "{{break}}");
		break;
	case TN_CONTINUE:
		buf_puts(out, "{{continue}}");
		break;
	case TN_ELSE:
		buf_puts(out, "{{else}}");
		break;
	case TN_END:
		buf_puts(out, "{{end}}");
		break;
	case TN_PIPE:
		pipe_string(n, out);
		break;
	case TN_CMD:
		for (size_t i = 0; i < n->nkids; i++) {
			if (i > 0)
				buf_putc(out, ' ');
			if (n->kids[i]->type == TN_PIPE) {
				buf_putc(out, '(');
				pipe_string(n->kids[i], out);
				buf_putc(out, ')');
			} else {
				tmpl_node_string(n->kids[i], out);
			}
		}
		break;
	case TN_IDENT:
		buf_puts(out, n->ident[0]);
		break;
	case TN_FIELD:
		for (size_t i = 0; i < n->nident; i++) {
			buf_putc(out, '.');
			buf_puts(out, n->ident[i]);
		}
		break;
	case TN_VAR:
		for (size_t i = 0; i < n->nident; i++) {
			if (i > 0)
				buf_putc(out, '.');
			buf_puts(out, n->ident[i]);
		}
		break;
	case TN_CHAIN:
		if (n->pipe->type == TN_PIPE) {
			buf_putc(out, '(');
			pipe_string(n->pipe, out);
			buf_putc(out, ')');
		} else {
			tmpl_node_string(n->pipe, out);
		}
		for (size_t i = 0; i < n->nident; i++) {
			buf_putc(out, '.');
			buf_puts(out, n->ident[i]);
		}
		break;
	case TN_DOT:
		buf_putc(out, '.');
		break;
	case TN_NIL:
		buf_puts(out, "nil");
		break;
	case TN_BOOL:
		buf_puts(out, n->constant->u.b ? "true" : "false");
		break;
	case TN_NUMBER:
	case TN_STRING:
		buf_add(out, n->src, n->srclen);
		break;
	}
}

static const char *node_string(struct parser *p, const struct tnode *n)
{
	buf_reset(&p->scratch);
	tmpl_node_string(n, &p->scratch);
	return buf_str(&p->scratch);
}

/* ----------------------------------------------------- strconv.Unquote */

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Go's strconv.UnquoteChar: decodes one character of s (n bytes) into *r,
 * *multibyte saying whether it is a rune (UTF-8) rather than a byte.
 * Returns the bytes consumed, or 0 on a syntax error.
 */
static size_t unquote_char(const char *s, size_t n, char quote, uint32_t *r,
			   int *multibyte)
{
	static const char esc[] = "abfnrtv";
	static const char val[] = "\a\b\f\n\r\t\v";
	const char *e;
	size_t w, digits;
	char c;

	*multibyte = 0;
	if (n == 0 || s[0] == quote)
		return 0;
	if ((unsigned char)s[0] >= 0x80) {
		*r = tmpl_utf8_decode(s, n, &w);
		*multibyte = 1;
		return w;
	}
	if (s[0] != '\\') {
		*r = (unsigned char)s[0];
		return 1;
	}
	if (n < 2)
		return 0;
	c = s[1];
	if (c && (e = strchr(esc, c))) {
		*r = (unsigned char)val[e - esc];
		return 2;
	}
	switch (c) {
	case 'x':
	case 'u':
	case 'U':
		digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
		if (n < 2 + digits)
			return 0;
		*r = 0;
		for (size_t j = 0; j < digits; j++) {
			int x = unhex(s[2 + j]);

			if (x < 0)
				return 0;
			*r = (*r << 4) | (uint32_t)x;
		}
		if (c != 'x') {
			if (*r > 0x10FFFF || (*r >= 0xD800 && *r <= 0xDFFF))
				return 0;
			*multibyte = 1;
		}
		return 2 + digits;
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
		if (n < 4)
			return 0;
		*r = (uint32_t)(c - '0');
		for (size_t j = 2; j < 4; j++) {
			if (s[j] < '0' || s[j] > '7')
				return 0;
			*r = (*r << 3) | (uint32_t)(s[j] - '0');
		}
		return *r > 255 ? 0 : 4;
	case '\\':
		*r = '\\';
		return 2;
	case '\'':
	case '"':
		if (c != quote)
			return 0;
		*r = (uint32_t)c;
		return 2;
	}
	return 0;
}

/* Go's strconv.Unquote of a "..." or `...` token into out; returns 0 or
 * -1 (invalid syntax). */
static int unquote(const char *s, size_t n, struct buf *out)
{
	if (n < 2 || s[0] != s[n - 1])
		return -1;
	if (s[0] == '`') {
		for (size_t i = 1; i < n - 1; i++) {
			if (s[i] == '`')
				return -1;
			if (s[i] != '\r')
				buf_putc(out, s[i]);
		}
		return 0;
	}
	if (s[0] != '"')
		return -1;
	s++;
	n -= 2;
	while (n > 0) {
		uint32_t r;
		int multibyte;
		size_t w;

		if (s[0] == '\n')
			return -1;
		w = unquote_char(s, n, '"', &r, &multibyte);
		if (w == 0)
			return -1;
		if (r < 0x80 || !multibyte)
			buf_putc(out, (char)r);
		else
			tmpl_utf8_put(out, r);
		s += w;
		n -= w;
	}
	return 0;
}

/* ------------------------------------------------------------- numbers */

/* Go's strconv.ParseUint(s, 0, 64): 0, or -1 on syntax or range error. */
static int parse_uint(const char *s, size_t n, uint64_t *out)
{
	const char *s0 = s;
	size_t n0 = n;
	unsigned base = 10;
	uint64_t v = 0;
	int underscores = 0;

	if (n == 0)
		return -1;
	if (s[0] == '0') {
		int c = n >= 3 ? s[1] | 0x20 : 0;

		if (c == 'b' || c == 'o' || c == 'x') {
			base = c == 'b' ? 2 : c == 'o' ? 8 : 16;
			s += 2;
			n -= 2;
		} else {
			base = 8;
			s++;
			n--;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		unsigned d;

		if (c == '_') {
			underscores = 1;
			continue;
		}
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return -1;
		if (d >= base)
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (underscores) {
		/* Go's underscoreOK, restated for integers. */
		char saw = '^';
		size_t i = 0;

		if (n0 >= 2 && s0[0] == '0' && base != 10 &&
		    ((s0[1] | 0x20) == 'b' || (s0[1] | 0x20) == 'o' ||
		     (s0[1] | 0x20) == 'x')) {
			i = 2;
			saw = '0';
		}
		for (; i < n0; i++) {
			if (s0[i] == '_') {
				if (saw != '0')
					return -1;
				saw = '_';
			} else {
				if (saw == '_' && unhex(s0[i]) < 0)
					return -1;
				saw = unhex(s0[i]) >= 0 ? '0' : '!';
			}
		}
		if (saw == '_')
			return -1;
	}
	*out = v;
	return 0;
}

static int parse_int(const char *s, size_t n, int64_t *out)
{
	int neg = 0;
	uint64_t u;

	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	if (parse_uint(s, n, &u) < 0)
		return -1;
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else {
		if (u > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)u;
	}
	return 0;
}

static int contains_any(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] && strchr(set, s[i]))
			return 1;
	return 0;
}

/* Go's parse.newNumber and exec's idealConstant, at parse time. */
static struct tnode *number(struct parser *p, const struct tok *t)
{
	struct tnode *n = new_node(p, TN_NUMBER, t->pos);
	const char *s = t->val;
	size_t len = t->len;
	int is_uint = 0;
	uint64_t u = 0;
	struct buf *b = &p->scratch;

	n->src = s;
	n->srclen = len;
	if (t->type == TK_CHARCONST) {
		uint32_t r;
		int mb;
		size_t w = unquote_char(s + 1, len - 1, '\'', &r, &mb);

		if (w == 0)
			errorf(p, "invalid syntax");
		if (1 + w != len - 1)
			errorf(p, "malformed character constant: %.*s",
			       (int)len, s);
		n->num_is_int = n->num_is_float = 1;
		n->num_int = r;
		n->num_float = r;
		keep_const(p, n, tmpl_int(r));
		return n;
	}
	if (t->type == TK_COMPLEX || (len && s[len - 1] == 'i'))
		errorf(p, "complex constants are not supported: %.*s", (int)len,
		       s);
	if (parse_uint(s, len, &u) == 0)
		is_uint = 1;
	if (parse_int(s, len, &n->num_int) == 0)
		n->num_is_int = 1;
	if (n->num_is_int) {
		n->num_is_float = 1;
		n->num_float = (double)n->num_int;
	} else if (is_uint) {
		n->num_is_float = 1;
		n->num_float = (double)u;
	} else {
		double f;

		buf_reset(b);
		if (tmpl_parse_float(s, len, &f, b) == 0) {
			if (!contains_any(s, len, ".eEpP")) {
				buf_reset(b);
				tmpl_quote(b, s, len, 0);
				errorf(p, "integer overflow: %s", buf_str(b));
			}
			n->num_is_float = 1;
			n->num_float = f;
			if (f >= -9223372036854775808.0 &&
			    f < 9223372036854775808.0 &&
			    (double)(int64_t)f == f) {
				n->num_is_int = 1;
				n->num_int = (int64_t)f;
			}
		}
	}
	if (!n->num_is_int && !is_uint && !n->num_is_float) {
		buf_reset(b);
		tmpl_quote(b, s, len, 0);
		errorf(p, "illegal number syntax: %s", buf_str(b));
	}
	/* idealConstant: floats by spelling, then int, else overflow. */
	if (n->num_is_float && s[0] != '\'' &&
	    !(len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x' &&
	      !contains_any(s, len, "pP")) &&
	    contains_any(s, len, ".eEpP"))
		keep_const(p, n, tmpl_float(n->num_float));
	else if (n->num_is_int)
		keep_const(p, n, tmpl_int(n->num_int));
	else
		n->num_err = arena_strndup(p->unit, s, len);
	return n;
}

/* ------------------------------------------------------------- grammar */

static struct tnode *pipeline(struct parser *p, const char *context,
			      enum tok_type end);
static struct tnode *item_list(struct parser *p, struct tnode **end);
static struct tnode *if_control(struct parser *p);
static struct tnode *with_control(struct parser *p);

static void nest_in(struct parser *p)
{
	if (++p->nest > MAX_NEST)
		errorf(p, "max expression depth exceeded");
}

static void push_var(struct parser *p, const char *name)
{
	if (p->nvars == p->capvars) {
		p->capvars = p->capvars ? 2 * p->capvars : 16;
		p->vars = xrealloc(p->vars, p->capvars * sizeof(*p->vars));
	}
	p->vars[p->nvars++] = name;
}

static struct tnode *new_var(struct parser *p, const struct tok *t)
{
	struct tnode *n = new_node(p, TN_VAR, t->pos);

	add_idents(p, n, t->val, t->len);
	return n;
}

static struct tnode *use_var(struct parser *p, const struct tok *t)
{
	struct tnode *v = new_var(p, t);

	for (size_t i = p->vars_base; i < p->nvars; i++)
		if (strcmp(p->vars[i], v->ident[0]) == 0)
			return v;
	buf_reset(&p->scratch);
	tmpl_quote(&p->scratch, v->ident[0], strlen(v->ident[0]), 0);
	errorf(p, "undefined variable %s", buf_str(&p->scratch));
}

static struct tnode *string_node(struct parser *p, const struct tok *t)
{
	struct tnode *n = new_node(p, TN_STRING, t->pos);
	struct buf *b = &p->scratch;

	buf_reset(b);
	if (unquote(t->val, t->len, b) < 0)
		errorf(p, "invalid syntax");
	n->src = t->val;
	n->srclen = t->len;
	n->len = b->len;
	n->text = arena_strndup(p->unit, buf_str(b), b->len);
	keep_const(p, n, tmpl_stringn(n->text, n->len));
	return n;
}

static struct tnode *term(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	struct tnode *n;

	switch (t->type) {
	case TK_IDENT:
		n = new_node(p, TN_IDENT, t->pos);
		n->ident = tmpl_arena_alloc(p->unit, sizeof(*n->ident));
		n->ident[0] = arena_strndup(p->unit, t->val, t->len);
		n->nident = 1;
		n->fn = tmpl_find_func(p->set, n->ident[0]);
		if (!n->fn) {
			buf_reset(&p->scratch);
			tmpl_quote(&p->scratch, t->val, t->len, 0);
			errorf(p, "function %s not defined",
			       buf_str(&p->scratch));
		}
		return n;
	case TK_DOT:
		return new_node(p, TN_DOT, t->pos);
	case TK_NIL:
		return new_node(p, TN_NIL, t->pos);
	case TK_VARIABLE:
		return use_var(p, t);
	case TK_FIELD:
		n = new_node(p, TN_FIELD, t->pos);
		add_idents(p, n, t->val + 1, t->len - 1);
		return n;
	case TK_BOOL:
		n = new_node(p, TN_BOOL, t->pos);
		n->constant = tmpl_bool(t->val[0] == 't');
		return n;
	case TK_CHARCONST:
	case TK_COMPLEX:
	case TK_NUMBER:
		return number(p, t);
	case TK_LPAREN:
		nest_in(p);
		n = pipeline(p, "parenthesized pipeline", TK_RPAREN);
		p->nest--;
		return n;
	case TK_STRING:
	case TK_RAWSTRING:
		return string_node(p, t);
	default:
		backup(p);
		return NULL;
	}
}

static struct tnode *operand(struct parser *p)
{
	struct tnode *node = term(p), *chain, *n;

	if (!node || peek(p)->type != TK_FIELD)
		return node;
	chain = new_node(p, TN_CHAIN, peek(p)->pos);
	chain->pipe = node;
	while (peek(p)->type == TK_FIELD) {
		const struct tok *f = next(p);

		add_idents(p, chain, f->val + 1, f->len - 1);
	}
	switch (node->type) {
	case TN_FIELD:
	case TN_VAR:
		n = new_node(p, node->type, chain->pos);
		n->ident =
		    tmpl_arena_alloc(p->unit, (node->nident + chain->nident) *
						  sizeof(*n->ident));
		memcpy(n->ident, node->ident, node->nident * sizeof(char *));
		memcpy(n->ident + node->nident, chain->ident,
		       chain->nident * sizeof(char *));
		n->nident = node->nident + chain->nident;
		return n;
	case TN_BOOL:
	case TN_STRING:
	case TN_NUMBER:
	case TN_NIL:
	case TN_DOT: {
		struct buf q = {0};
		const char *s = node_string(p, node);

		tmpl_quote(&q, s, strlen(s), 0);
		buf_reset(&p->scratch);
		buf_add(&p->scratch, q.s, q.len);
		buf_free(&q);
		errorf(p, "unexpected . after term %s", buf_str(&p->scratch));
	}
	default:
		return chain;
	}
}

static struct tnode *command(struct parser *p)
{
	struct tnode *cmd = new_node(p, TN_CMD, peek_nonspace(p)->pos);

	for (;;) {
		struct tnode *op;
		const struct tok *t;

		peek_nonspace(p);
		op = operand(p);
		if (op)
			kid_push(p, cmd, op);
		t = next(p);
		if (t->type == TK_SPACE)
			continue;
		if (t->type == TK_RDELIM || t->type == TK_RPAREN)
			backup(p);
		else if (t->type != TK_PIPE)
			unexpected(p, t, "operand");
		break;
	}
	if (cmd->nkids == 0)
		errorf(p, "empty command");
	return cmd;
}

static void check_pipeline(struct parser *p, struct tnode *pipe,
			   const char *context)
{
	if (pipe->nkids == 0)
		errorf(p, "missing value for %s", context);
	for (size_t i = 1; i < pipe->nkids; i++) {
		switch (pipe->kids[i]->kids[0]->type) {
		case TN_BOOL:
		case TN_DOT:
		case TN_NIL:
		case TN_NUMBER:
		case TN_STRING:
			errorf(p,
			       "non executable command in pipeline stage %zu",
			       i + 1);
		default:
			break;
		}
	}
}

static struct tnode *pipeline(struct parser *p, const char *context,
			      enum tok_type end)
{
	struct tnode *pipe = new_node(p, TN_PIPE, peek_nonspace(p)->pos);
	const struct tok *t;

decls:
	if (peek_nonspace(p)->type == TK_VARIABLE) {
		const struct tok *v = next_nonspace(p);
		size_t at = p->i - 1;
		const struct tok *nx = peek_nonspace(p);

		if (nx->type == TK_ASSIGN || nx->type == TK_DECLARE) {
			pipe->is_assign = nx->type == TK_ASSIGN;
			next_nonspace(p);
			node_push(p, &pipe->decl, &pipe->ndecl, &pipe->capdecl,
				  new_var(p, v));
			push_var(p, pipe->decl[pipe->ndecl - 1]->ident[0]);
		} else if (nx->type == TK_CHAR && nx->len == 1 &&
			   nx->val[0] == ',') {
			next_nonspace(p);
			node_push(p, &pipe->decl, &pipe->ndecl, &pipe->capdecl,
				  new_var(p, v));
			push_var(p, pipe->decl[pipe->ndecl - 1]->ident[0]);
			if (strcmp(context, "range") == 0 && pipe->ndecl < 2) {
				t = peek_nonspace(p);
				if (t->type == TK_VARIABLE ||
				    t->type == TK_RDELIM ||
				    t->type == TK_RPAREN)
					goto decls;
				errorf(p,
				       "range can only initialize variables");
			}
			errorf(p, "too many declarations in %s", context);
		} else {
			p->i = at;
		}
	}
	for (;;) {
		t = next_nonspace(p);
		if (t->type == end) {
			check_pipeline(p, pipe, context);
			return pipe;
		}
		switch (t->type) {
		case TK_BOOL:
		case TK_CHARCONST:
		case TK_COMPLEX:
		case TK_DOT:
		case TK_FIELD:
		case TK_IDENT:
		case TK_NUMBER:
		case TK_NIL:
		case TK_RAWSTRING:
		case TK_STRING:
		case TK_VARIABLE:
		case TK_LPAREN:
			backup(p);
			kid_push(p, pipe, command(p));
			break;
		default:
			unexpected(p, t, context);
		}
	}
}

/* The body of if/range/with, with else, else if and else with. */
static struct tnode *control(struct parser *p, enum tnode_type type,
			     const char *context)
{
	size_t saved_vars = p->nvars;
	struct tnode *n = new_node(p, type, 0), *end;

	nest_in(p);
	n->pipe = pipeline(p, context, TK_RDELIM);
	n->pos = n->pipe->pos;
	if (type == TN_RANGE)
		p->range_depth++;
	n->list = item_list(p, &end);
	if (type == TN_RANGE)
		p->range_depth--;
	if (end->type == TN_ELSE) {
		if (type == TN_IF && peek(p)->type == TK_IF) {
			next(p);
			n->elselist = new_node(p, TN_LIST, end->pos);
			kid_push(p, n->elselist, if_control(p));
		} else if (type == TN_WITH && peek(p)->type == TK_WITH) {
			next(p);
			n->elselist = new_node(p, TN_LIST, end->pos);
			kid_push(p, n->elselist, with_control(p));
		} else {
			n->elselist = item_list(p, &end);
			if (end->type != TN_END)
				errorf(p, "expected end; found %s",
				       node_string(p, end));
		}
	}
	p->nvars = saved_vars;
	p->nest--;
	return n;
}

static struct tnode *if_control(struct parser *p)
{
	return control(p, TN_IF, "if");
}

static struct tnode *with_control(struct parser *p)
{
	return control(p, TN_WITH, "with");
}

static struct tnode *else_control(struct parser *p)
{
	const struct tok *t = peek_nonspace(p);

	if (t->type == TK_IF || t->type == TK_WITH)
		return new_node(p, TN_ELSE, t->pos);
	t = expect(p, TK_RDELIM, "else");
	return new_node(p, TN_ELSE, t->pos);
}

static struct tnode *break_control(struct parser *p, const struct tok *tk,
				   enum tnode_type type)
{
	const char *word = type == TN_BREAK ? "break" : "continue";
	const struct tok *t = next_nonspace(p);

	if (t->type != TK_RDELIM) {
		char ctx[16];

		snprintf(ctx, sizeof(ctx), "{{%s}}", word);
		unexpected(p, t, ctx);
	}
	if (p->range_depth == 0)
		errorf(p, "{{%s}} outside {{range}}", word);
	return new_node(p, type, tk->pos);
}

static const char *template_name(struct parser *p, const struct tok *t,
				 const char *context, size_t *len)
{
	const char *name;

	if (t->type != TK_STRING && t->type != TK_RAWSTRING)
		unexpected(p, t, context);
	buf_reset(&p->scratch);
	if (unquote(t->val, t->len, &p->scratch) < 0)
		errorf(p, "invalid syntax");
	*len = p->scratch.len;
	name = arena_strndup(p->unit, buf_str(&p->scratch), *len);
	return name;
}

static struct tnode *template_control(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	struct tnode *n = new_node(p, TN_TEMPLATE, t->pos);

	n->text = template_name(p, t, "template clause", &n->len);
	if (next_nonspace(p)->type != TK_RDELIM) {
		backup(p);
		n->pipe = pipeline(p, "template clause", TK_RDELIM);
	}
	return n;
}

/* Go's parse.add: a second non-empty definition in one parse is an
 * error; an empty one never replaces a real one. */
static void add_tree(struct parser *p, const char *name, struct tnode *root)
{
	struct ttree *t;

	for (size_t i = 0; i < p->ntrees; i++) {
		if (strcmp(p->trees[i]->name, name) != 0)
			continue;
		if (tmpl_tree_empty(p->trees[i]->root)) {
			p->trees[i]->root = root;
			return;
		}
		if (!tmpl_tree_empty(root)) {
			buf_reset(&p->scratch);
			tmpl_quote(&p->scratch, name, strlen(name), 0);
			errorf(p,
			       "template: multiple definition of template %s",
			       buf_str(&p->scratch));
		}
		return;
	}
	t = tmpl_arena_alloc(p->unit, sizeof(*t));
	t->name = arena_strndup(p->unit, name, strlen(name));
	t->root = root;
	t->unit = p->unit;
	if (p->ntrees == p->captrees) {
		p->captrees = p->captrees ? 2 * p->captrees : 8;
		p->trees = xrealloc(p->trees, p->captrees * sizeof(*p->trees));
	}
	p->trees[p->ntrees++] = t;
}

/* Parses a define or block body as a tree of its own: no outer
 * variables, not inside any range. */
static struct tnode *sub_tree(struct parser *p, const char *context)
{
	size_t saved_base = p->vars_base, saved_n = p->nvars;
	int saved_range = p->range_depth;
	struct tnode *root, *end;

	p->vars_base = p->nvars;
	push_var(p, "$");
	p->range_depth = 0;
	root = item_list(p, &end);
	if (end->type != TN_END)
		errorf(p, "unexpected %s in %s", node_string(p, end), context);
	p->vars_base = saved_base;
	p->nvars = saved_n;
	p->range_depth = saved_range;
	return root;
}

static struct tnode *block_control(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	struct tnode *n = new_node(p, TN_TEMPLATE, t->pos);
	struct tnode *root;

	n->text = template_name(p, t, "block clause", &n->len);
	n->pipe = pipeline(p, "block clause", TK_RDELIM);
	nest_in(p);
	root = sub_tree(p, "block clause");
	p->nest--;
	add_tree(p, n->text, root);
	return n;
}

static void parse_definition(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	const char *name;
	size_t len;

	if (t->type != TK_STRING && t->type != TK_RAWSTRING)
		unexpected(p, t, "define clause");
	name = template_name(p, t, "define clause", &len);
	expect(p, TK_RDELIM, "define clause");
	add_tree(p, name, sub_tree(p, "define clause"));
}

static struct tnode *action(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	struct tnode *n;

	switch (t->type) {
	case TK_BLOCK:
		return block_control(p);
	case TK_BREAK:
		return break_control(p, t, TN_BREAK);
	case TK_CONTINUE:
		return break_control(p, t, TN_CONTINUE);
	case TK_ELSE:
		return else_control(p);
	case TK_END:
		t = expect(p, TK_RDELIM, "end");
		return new_node(p, TN_END, t->pos);
	case TK_IF:
		return if_control(p);
	case TK_RANGE:
		return control(p, TN_RANGE, "range");
	case TK_TEMPLATE:
		return template_control(p);
	case TK_WITH:
		return with_control(p);
	default:
		break;
	}
	backup(p);
	n = new_node(p, TN_ACTION, peek(p)->pos);
	n->pipe = pipeline(p, "command", TK_RDELIM);
	return n;
}

static struct tnode *text_or_action(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	struct tnode *n;

	switch (t->type) {
	case TK_TEXT:
		n = new_node(p, TN_TEXT, t->pos);
		n->text = t->val;
		n->len = t->len;
		return n;
	case TK_LDELIM:
		p->action_line = t->line;
		n = action(p);
		p->action_line = 0;
		return n;
	default:
		unexpected(p, t, "input");
	}
}

static struct tnode *item_list(struct parser *p, struct tnode **end)
{
	struct tnode *list = new_node(p, TN_LIST, peek_nonspace(p)->pos);

	while (peek_nonspace(p)->type != TK_EOF) {
		struct tnode *n = text_or_action(p);

		if (n->type == TN_END || n->type == TN_ELSE) {
			*end = n;
			return list;
		}
		kid_push(p, list, n);
	}
	errorf(p, "unexpected EOF");
}

static void parse_top(struct parser *p, const char *name)
{
	struct tnode *root = new_node(p, TN_LIST, peek(p)->pos);

	push_var(p, "$");
	while (peek(p)->type != TK_EOF) {
		struct tnode *n;

		if (peek(p)->type == TK_LDELIM) {
			size_t at = p->i;

			next(p);
			if (next_nonspace(p)->type == TK_DEFINE) {
				parse_definition(p);
				continue;
			}
			p->i = at;
		}
		n = text_or_action(p);
		if (n->type == TN_END || n->type == TN_ELSE)
			errorf(p, "unexpected %s", node_string(p, n));
		kid_push(p, root, n);
	}
	add_tree(p, name, root);
}

static int run(struct parser *p, const char *name)
{
	if (setjmp(p->jb))
		return -1;
	parse_top(p, name);
	return 0;
}

int tmpl_tree_empty(const struct tnode *n)
{
	if (!n)
		return 1;
	switch (n->type) {
	case TN_LIST:
		for (size_t i = 0; i < n->nkids; i++)
			if (!tmpl_tree_empty(n->kids[i]))
				return 0;
		return 1;
	case TN_TEXT:
		for (size_t i = 0; i < n->len; i++)
			if (!strchr(" \t\n\v\f\r", n->text[i]) || !n->text[i])
				return 0;
		return 1;
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------- sets */

struct tmpl_set *tmpl_set_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_set));
}

struct tmpl_set *tmpl_set_new_child(const struct tmpl_set *parent)
{
	struct tmpl_set *set = tmpl_set_new();

	set->parent = parent;
	set->missingkey = parent->missingkey;
	for (size_t i = 0; i < parent->ntables; i++)
		tmpl_set_funcs(set, parent->tables[i]);
	return set;
}

void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nunits; i++)
		tmpl_unit_free(set->units[i]);
	free(set->units);
	free(set->trees);
	free(set->tables);
	free(set->first_name);
	free(set);
}

void tmpl_set_funcs(struct tmpl_set *set, const struct tmpl_func *table)
{
	set->tables =
	    xrealloc(set->tables, (set->ntables + 1) * sizeof(*set->tables));
	set->tables[set->ntables++] = table;
}

void tmpl_set_missingkey(struct tmpl_set *set, enum tmpl_missingkey mode)
{
	set->missingkey = mode;
}

const struct tmpl_func *tmpl_find_func(const struct tmpl_set *set,
				       const char *name)
{
	for (size_t i = set->ntables; i-- > 0;)
		for (const struct tmpl_func *f = set->tables[i]; f->name; f++)
			if (strcmp(f->name, name) == 0)
				return f;
	for (const struct tmpl_func *f = tmpl_builtins; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

const struct ttree *tmpl_find_tree(const struct tmpl_set *set, const char *name)
{
	for (; set; set = set->parent)
		for (size_t i = 0; i < set->ntrees; i++)
			if (strcmp(set->trees[i]->name, name) == 0)
				return set->trees[i];
	return NULL;
}

int tmpl_defined(const struct tmpl_set *set, const char *name)
{
	return tmpl_find_tree(set, name) != NULL;
}

/* Go's associate: a new tree replaces an old one unless it is empty. */
static void associate(struct tmpl_set *set, struct ttree *t)
{
	for (size_t i = 0; i < set->ntrees; i++) {
		if (strcmp(set->trees[i]->name, t->name) != 0)
			continue;
		if (!tmpl_tree_empty(t->root))
			set->trees[i] = t;
		return;
	}
	if (set->parent && tmpl_tree_empty(t->root) &&
	    tmpl_find_tree(set->parent, t->name))
		return;
	set->trees =
	    xrealloc(set->trees, (set->ntrees + 1) * sizeof(*set->trees));
	set->trees[set->ntrees++] = t;
}

int tmpl_parse(struct tmpl_set *set, const char *name, const char *text,
	       size_t len, struct buf *err)
{
	struct tunit *u = xcalloc(1, sizeof(*u));
	struct toks toks;
	struct parser p = {.set = set, .unit = u, .toks = &toks, .err = err};
	int rc;

	u->text = xmalloc(len + 1);
	if (len)
		memcpy(u->text, text, len);
	u->text[len] = '\0';
	u->len = len;
	u->parse_name = xstrdup(name);
	tmpl_lex(u->text, len, &toks);
	assert(toks.n > 0);
	rc = run(&p, name);
	if (rc == 0) {
		for (size_t i = 0; i < p.ntrees; i++)
			associate(set, p.trees[i]);
		set->units = xrealloc(set->units,
				      (set->nunits + 1) * sizeof(*set->units));
		set->units[set->nunits++] = u;
		if (!set->first_name)
			set->first_name = xstrdup(name);
	} else {
		tmpl_unit_free(u);
	}
	free(p.trees);
	free(p.vars);
	buf_free(&p.scratch);
	tmpl_toks_free(&toks);
	return rc;
}
