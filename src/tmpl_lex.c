/*
 * tmpl_lex.c - the template lexer: Go's text/template/parse/lex.go state
 * machine run to completion into a token array.  The token stream ends in
 * TK_EOF or in one TK_ERROR carrying Go's message ("unclosed action",
 * "bad character U+0023 '#'", ...).
 */
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

enum state {
	S_TEXT,
	S_LEFT_DELIM,
	S_COMMENT,
	S_RIGHT_DELIM,
	S_INSIDE,
	S_DONE,
};

struct lexer {
	const char *in;
	size_t len;
	size_t start, pos;
	size_t width; /* of the last rune next() read, 0 at EOF */
	int line;     /* line of in[start] */
	int paren;    /* open parentheses in this action */
	struct toks *out;
};

#define EOF_RUNE 0xFFFFFFFFu

static int is_space(uint32_t r)
{
	return r == ' ' || r == '\t' || r == '\r' || r == '\n';
}

static int is_alnum(uint32_t r)
{
	return r == '_' || tmpl_is_letter(r) || tmpl_is_digit(r);
}

static uint32_t next(struct lexer *l)
{
	size_t w;
	uint32_t r;

	if (l->pos >= l->len) {
		l->width = 0;
		return EOF_RUNE;
	}
	r = tmpl_utf8_decode(l->in + l->pos, l->len - l->pos, &w);
	l->width = w;
	l->pos += w;
	return r;
}

static uint32_t peek(const struct lexer *l)
{
	size_t w;

	if (l->pos >= l->len)
		return EOF_RUNE;
	return tmpl_utf8_decode(l->in + l->pos, l->len - l->pos, &w);
}

/* Steps back over the rune next() just read; once only. */
static void backup(struct lexer *l)
{
	l->pos -= l->width;
}

static int accept(struct lexer *l, const char *valid)
{
	if (l->pos < l->len && l->in[l->pos] && strchr(valid, l->in[l->pos])) {
		l->pos++;
		return 1;
	}
	return 0;
}

static void accept_run(struct lexer *l, const char *valid)
{
	while (accept(l, valid))
		;
}

static int has_prefix(const struct lexer *l, size_t at, const char *p)
{
	size_t n = strlen(p);

	return at <= l->len && l->len - at >= n &&
	       memcmp(l->in + at, p, n) == 0;
}

static void count_lines(struct lexer *l)
{
	for (size_t i = l->start; i < l->pos; i++)
		if (l->in[i] == '\n')
			l->line++;
}

static void push(struct lexer *l, enum tok_type type, size_t pos,
		 const char *val, size_t len)
{
	struct toks *t = l->out;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = (struct tok){type, l->line, pos, val, len};
}

static void emit(struct lexer *l, enum tok_type type)
{
	push(l, type, l->start, l->in + l->start, l->pos - l->start);
	count_lines(l);
	l->start = l->pos;
}

static void ignore(struct lexer *l)
{
	count_lines(l);
	l->start = l->pos;
}

/* Emits the error token; the message is kept in out->errmsg. */
static enum state error_buf(struct lexer *l, struct buf *msg)
{
	l->out->errmsg = buf_take(msg);
	push(l, TK_ERROR, l->start, l->out->errmsg, strlen(l->out->errmsg));
	return S_DONE;
}

static enum state error_str(struct lexer *l, const char *msg)
{
	struct buf b = {0};

	buf_puts(&b, msg);
	return error_buf(l, &b);
}

static enum state error_rune(struct lexer *l, const char *msg, uint32_t r)
{
	struct buf b = {0};

	buf_puts(&b, msg);
	tmpl_rune_desc(&b, r);
	return error_buf(l, &b);
}

/* "-" and a space after a left delimiter. */
static int left_trim(const struct lexer *l, size_t at)
{
	return at + 2 <= l->len && l->in[at] == '-' &&
	       is_space((unsigned char)l->in[at + 1]);
}

/* A space and "-" before a right delimiter. */
static int right_trim(const struct lexer *l, size_t at)
{
	return at + 2 <= l->len && is_space((unsigned char)l->in[at]) &&
	       l->in[at + 1] == '-';
}

/* Is pos at "}}" or " -}}"?  *trim says which. */
static int at_right_delim(const struct lexer *l, int *trim)
{
	*trim = 0;
	if (right_trim(l, l->pos) && has_prefix(l, l->pos + 2, "}}")) {
		*trim = 1;
		return 1;
	}
	return has_prefix(l, l->pos, "}}");
}

static size_t space_len_right(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && is_space((unsigned char)s[n - 1 - k]))
		k++;
	return k;
}

static size_t space_len_left(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && is_space((unsigned char)s[k]))
		k++;
	return k;
}

/* ------------------------------------------------------------ states */

static enum state lex_text(struct lexer *l)
{
	const char *p = NULL;

	if (l->pos < l->len)
		p = memmem(l->in + l->pos, l->len - l->pos, "{{", 2);
	if (p) {
		size_t x = (size_t)(p - (l->in + l->pos));

		if (x > 0) {
			size_t trim = 0;

			l->pos += x;
			if (left_trim(l, l->pos + 2))
				trim = space_len_right(l->in + l->start,
						       l->pos - l->start);
			l->pos -= trim;
			if (l->pos > l->start)
				emit(l, TK_TEXT);
			l->pos += trim;
			ignore(l);
		}
		return S_LEFT_DELIM;
	}
	l->pos = l->len;
	if (l->pos > l->start)
		emit(l, TK_TEXT);
	emit(l, TK_EOF);
	return S_DONE;
}

static enum state lex_left_delim(struct lexer *l)
{
	size_t after;

	l->pos += 2;
	after = left_trim(l, l->pos) ? 2 : 0;
	if (has_prefix(l, l->pos + after, "/*")) {
		l->pos += after;
		ignore(l);
		return S_COMMENT;
	}
	emit(l, TK_LDELIM);
	l->pos += after;
	ignore(l);
	l->paren = 0;
	return S_INSIDE;
}

static enum state lex_comment(struct lexer *l)
{
	const char *end;
	int trim;

	l->pos += 2;
	end = memmem(l->in + l->pos, l->len - l->pos, "*/", 2);
	if (!end)
		return error_str(l, "unclosed comment");
	l->pos = (size_t)(end - l->in) + 2;
	if (!at_right_delim(l, &trim))
		return error_str(l, "comment ends before closing delimiter");
	if (trim)
		l->pos += 2;
	l->pos += 2;
	if (trim)
		l->pos += space_len_left(l->in + l->pos, l->len - l->pos);
	ignore(l);
	return S_TEXT;
}

static enum state lex_right_delim(struct lexer *l)
{
	int trim;

	at_right_delim(l, &trim);
	if (trim) {
		l->pos += 2;
		ignore(l);
	}
	l->pos += 2;
	emit(l, TK_RDELIM);
	if (trim) {
		l->pos += space_len_left(l->in + l->pos, l->len - l->pos);
		ignore(l);
	}
	return S_TEXT;
}

static enum state lex_space(struct lexer *l)
{
	int n = 0;

	while (l->pos < l->len && is_space((unsigned char)l->in[l->pos])) {
		l->pos++;
		n++;
	}
	/* " -}}": leave the last space to the trim-marked delimiter. */
	if (right_trim(l, l->pos - 1) && has_prefix(l, l->pos + 1, "}}")) {
		l->pos--;
		if (n == 1)
			return S_RIGHT_DELIM;
	}
	emit(l, TK_SPACE);
	return S_INSIDE;
}

static int at_terminator(const struct lexer *l)
{
	uint32_t r = peek(l);

	if (is_space(r))
		return 1;
	switch (r) {
	case EOF_RUNE:
	case '.':
	case ',':
	case '|':
	case ':':
	case ')':
	case '(':
	case '}':
		return 1;
	}
	return 0;
}

/* After '$' or '.': a variable or field name, or "$"/"." alone. */
static enum state lex_field_or_var(struct lexer *l, enum tok_type type)
{
	uint32_t r;

	if (at_terminator(l)) {
		emit(l, type == TK_VARIABLE ? TK_VARIABLE : TK_DOT);
		return S_INSIDE;
	}
	for (;;) {
		r = next(l);
		if (r == EOF_RUNE || !is_alnum(r)) {
			backup(l);
			break;
		}
	}
	if (!at_terminator(l))
		return error_rune(l, "bad character ", r);
	emit(l, type);
	return S_INSIDE;
}

static const struct {
	const char *word;
	enum tok_type type;
} keywords[] = {
    {"block", TK_BLOCK},
    {"break", TK_BREAK},
    {"continue", TK_CONTINUE},
    {"define", TK_DEFINE},
    {"else", TK_ELSE},
    {"end", TK_END},
    {"if", TK_IF},
    {"nil", TK_NIL},
    {"range", TK_RANGE},
    {"template", TK_TEMPLATE},
    {"with", TK_WITH},
};

static enum state lex_identifier(struct lexer *l)
{
	uint32_t r;
	size_t n;
	const char *word = l->in + l->start;

	for (;;) {
		r = next(l);
		if (r == EOF_RUNE || !is_alnum(r)) {
			backup(l);
			break;
		}
	}
	if (!at_terminator(l))
		return error_rune(l, "bad character ", r);
	n = l->pos - l->start;
	for (size_t i = 0; i < ARRAY_LEN(keywords); i++) {
		if (strlen(keywords[i].word) == n &&
		    memcmp(keywords[i].word, word, n) == 0) {
			emit(l, keywords[i].type);
			return S_INSIDE;
		}
	}
	if ((n == 4 && memcmp(word, "true", 4) == 0) ||
	    (n == 5 && memcmp(word, "false", 5) == 0))
		emit(l, TK_BOOL);
	else
		emit(l, TK_IDENT);
	return S_INSIDE;
}

/* Go's scanNumber: accepts more than is valid; the parser checks. */
static int scan_number(struct lexer *l)
{
	const char *digits = "0123456789_";
	uint32_t r;

	accept(l, "+-");
	if (accept(l, "0")) {
		if (accept(l, "xX"))
			digits = "0123456789abcdefABCDEF_";
		else if (accept(l, "oO"))
			digits = "01234567_";
		else if (accept(l, "bB"))
			digits = "01_";
	}
	accept_run(l, digits);
	if (accept(l, "."))
		accept_run(l, digits);
	if (strlen(digits) == 11 && accept(l, "eE")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	if (strlen(digits) == 23 && accept(l, "pP")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	accept(l, "i");
	r = peek(l);
	if (r != EOF_RUNE && is_alnum(r)) {
		next(l);
		return 0;
	}
	return 1;
}

static enum state bad_number(struct lexer *l)
{
	struct buf b = {0};

	buf_puts(&b, "bad number syntax: ");
	tmpl_quote(&b, l->in + l->start, l->pos - l->start, 0);
	return error_buf(l, &b);
}

static enum state lex_number(struct lexer *l)
{
	uint32_t sign;

	if (!scan_number(l))
		return bad_number(l);
	sign = peek(l);
	if (sign == '+' || sign == '-') {
		if (!scan_number(l) || l->in[l->pos - 1] != 'i')
			return bad_number(l);
		emit(l, TK_COMPLEX);
	} else {
		emit(l, TK_NUMBER);
	}
	return S_INSIDE;
}

/* A quoted string or character constant, up to the closing quote. */
static enum state lex_quote(struct lexer *l, uint32_t quote, enum tok_type type,
			    const char *unterminated)
{
	for (;;) {
		uint32_t r = next(l);

		if (r == '\\') {
			r = next(l);
			if (r != EOF_RUNE && r != '\n')
				continue;
		}
		if (r == EOF_RUNE || r == '\n')
			return error_str(l, unterminated);
		if (r == quote)
			break;
	}
	emit(l, type);
	return S_INSIDE;
}

static enum state lex_raw_quote(struct lexer *l)
{
	const char *end = memchr(l->in + l->pos, '`', l->len - l->pos);

	if (!end)
		return error_str(l, "unterminated raw quoted string");
	l->pos = (size_t)(end - l->in) + 1;
	emit(l, TK_RAWSTRING);
	return S_INSIDE;
}

static enum state lex_inside(struct lexer *l)
{
	int trim;
	uint32_t r;

	if (at_right_delim(l, &trim)) {
		if (l->paren == 0)
			return S_RIGHT_DELIM;
		return error_str(l, "unclosed left paren");
	}
	r = next(l);
	if (r == EOF_RUNE)
		return error_str(l, "unclosed action");
	if (is_space(r)) {
		backup(l);
		return lex_space(l);
	}
	switch (r) {
	case '=':
		emit(l, TK_ASSIGN);
		return S_INSIDE;
	case ':':
		if (next(l) != '=')
			return error_str(l, "expected :=");
		emit(l, TK_DECLARE);
		return S_INSIDE;
	case '|':
		emit(l, TK_PIPE);
		return S_INSIDE;
	case '"':
		return lex_quote(l, '"', TK_STRING,
				 "unterminated quoted string");
	case '`':
		return lex_raw_quote(l);
	case '$':
		return lex_field_or_var(l, TK_VARIABLE);
	case '\'':
		return lex_quote(l, '\'', TK_CHARCONST,
				 "unterminated character constant");
	case '(':
		emit(l, TK_LPAREN);
		l->paren++;
		return S_INSIDE;
	case ')':
		emit(l, TK_RPAREN);
		if (--l->paren < 0)
			return error_rune(l, "unexpected right paren ", r);
		return S_INSIDE;
	case '.':
		if (l->pos < l->len &&
		    (l->in[l->pos] < '0' || l->in[l->pos] > '9'))
			return lex_field_or_var(l, TK_FIELD);
		/* '.' can start a number */
		backup(l);
		return lex_number(l);
	case '+':
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		backup(l);
		return lex_number(l);
	}
	if (is_alnum(r)) {
		backup(l);
		return lex_identifier(l);
	}
	if (r < 0x80 && tmpl_is_print(r)) {
		emit(l, TK_CHAR);
		return S_INSIDE;
	}
	return error_rune(l, "unrecognized character in action: ", r);
}

void tmpl_lex(const char *text, size_t len, struct toks *out)
{
	struct lexer l = {.in = text, .len = len, .line = 1, .out = out};
	enum state s = S_TEXT;

	memset(out, 0, sizeof(*out));
	while (s != S_DONE) {
		switch (s) {
		case S_TEXT:
			s = lex_text(&l);
			break;
		case S_LEFT_DELIM:
			s = lex_left_delim(&l);
			break;
		case S_COMMENT:
			s = lex_comment(&l);
			break;
		case S_RIGHT_DELIM:
			s = lex_right_delim(&l);
			break;
		case S_INSIDE:
			s = lex_inside(&l);
			break;
		case S_DONE:
			break;
		}
	}
}

void tmpl_toks_free(struct toks *t)
{
	free(t->v);
	free(t->errmsg);
	memset(t, 0, sizeof(*t));
}
