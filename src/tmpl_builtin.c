/*
 * tmpl_builtin.c - Go text/template's builtin functions (and, or, not, len,
 * index, slice, print, printf, println, html, js, urlquery, eq, ne, lt, le,
 * gt, ge, call) with Go 1.19's semantics and error texts.
 */
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

#define ARGS TMPL_ARGS
#define fail tmpl_fail

void tmpl_call_fail(struct tmpl_call *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(c->err, fmt, ap);
	va_end(ap);
}

int tmpl_ret_buf(struct buf *b, struct tmpl_value **out)
{
	size_t len = b->len;

	if (len == 0)
		buf_free(b);
	*out = tmpl_string_take(len ? buf_take(b) : xstrdup(""), len);
	return 0;
}

/* and/or are evaluated by the executor, which short-circuits them. */
static int fn_and(ARGS)
{
	(void)c, (void)a, (void)n, (void)out;
	return -1;
}

static int fn_or(ARGS)
{
	(void)c, (void)a, (void)n, (void)out;
	return -1;
}

static int fn_not(ARGS)
{
	(void)c, (void)n;
	*out = tmpl_bool(!tmpl_truth(a[0]));
	return 0;
}

static int fn_len(ARGS)
{
	const struct tmpl_value *v = a[0];
	const char *t;

	(void)n;
	switch (v->kind) {
	case TMPL_STRING:
		*out = tmpl_int((int64_t)v->u.str.len);
		return 0;
	case TMPL_LIST:
		*out = tmpl_int((int64_t)v->u.list.n);
		return 0;
	case TMPL_MAP:
		*out = tmpl_int((int64_t)v->u.map.n);
		return 0;
	case TMPL_NIL:
		return fail(c, "reflect: call of reflect.Value.Type on zero "
			       "Value");
	default:
		t = tmpl_type_name(v);
		if (v->cls && v->cls->is_ptr && t[0] == '*')
			t++;
		return fail(c, "len of type %s", t);
	}
}

/* ------------------------------------------------------------ indexing */

/* Go's indexArg: an integer index within [0, cap]. */
static int index_arg(struct tmpl_call *c, const struct tmpl_value *v,
		     size_t cap, size_t *x)
{
	if (v->kind == TMPL_NIL)
		return fail(c, "cannot index slice/array with nil");
	if (v->kind != TMPL_INT)
		return fail(c, "cannot index slice/array with type %s",
			    tmpl_type_name(v));
	if (v->u.i < 0 || (uint64_t)v->u.i > cap)
		return fail(c, "index out of range: %lld", (long long)v->u.i);
	*x = (size_t)v->u.i;
	return 0;
}

/* Go's prepareArg for a map[string]... key. */
static int map_key(struct tmpl_call *c, const struct tmpl_value *v)
{
	if (v->kind == TMPL_NIL)
		return fail(c, "value is nil; should be of type string");
	if (v->kind != TMPL_STRING || v->cls)
		return fail(c, "value has type %s; should be string",
			    tmpl_type_name(v));
	return 0;
}

static int fn_index(ARGS)
{
	struct tmpl_value *item = a[0], *next;
	size_t x;

	if (item->kind == TMPL_NIL)
		return fail(c, "index of untyped nil");
	item = tmpl_ref(item);
	for (size_t i = 1; i < n; i++) {
		switch (item->kind) {
		case TMPL_LIST:
			if (index_arg(c, a[i], item->u.list.n, &x) < 0)
				goto fail;
			if (x == item->u.list.n) {
				tmpl_call_fail(c, "reflect: slice index out of range");
				goto fail;
			}
			next = tmpl_ref(item->u.list.v[x]);
			break;
		case TMPL_STRING:
			if (index_arg(c, a[i], item->u.str.len, &x) < 0)
				goto fail;
			if (x == item->u.str.len) {
				tmpl_call_fail(c, "reflect: string index out of range");
				goto fail;
			}
			next = tmpl_typed_take(
			    tmpl_int((unsigned char)item->u.str.s[x]),
			    &tmpl_uint8_class);
			break;
		case TMPL_MAP:
			if (map_key(c, a[i]) < 0)
				goto fail;
			next = tmpl_map_get(item, a[i]->u.str.s);
			if (next)
				next = tmpl_ref(next);
			else if (item->u.map.elem == TMPL_STRING)
				next = tmpl_stringn("", 0);
			else
				next = tmpl_nil();
			break;
		case TMPL_NIL:
			tmpl_call_fail(c, "index of nil pointer");
			goto fail;
		default:
			tmpl_call_fail(c, "can't index item of type %s",
			      tmpl_type_name(item));
			goto fail;
		}
		tmpl_unref(item);
		item = next;
	}
	*out = item;
	return 0;
fail:
	tmpl_unref(item);
	return -1;
}

static int fn_slice(ARGS)
{
	const struct tmpl_value *item = a[0];
	size_t idx[3] = {0, 0, 0}, cap, nidx = n - 1;
	struct tmpl_value *r;

	if (item->kind == TMPL_NIL)
		return fail(c, "slice of untyped nil");
	if (nidx > 3)
		return fail(c, "too many slice indexes: %zu", nidx);
	switch (item->kind) {
	case TMPL_STRING:
		if (nidx == 3)
			return fail(c, "cannot 3-index slice a string");
		cap = item->u.str.len;
		break;
	case TMPL_LIST:
		cap = item->u.list.n;
		break;
	default:
		return fail(c, "can't slice item of type %s",
			    tmpl_type_name(item));
	}
	idx[1] = cap;
	for (size_t i = 0; i < nidx; i++)
		if (index_arg(c, a[i + 1], cap, &idx[i]) < 0)
			return -1;
	if (idx[0] > idx[1])
		return fail(c, "invalid slice index: %zu > %zu", idx[0],
			    idx[1]);
	if (nidx == 3 && idx[1] > idx[2])
		return fail(c, "invalid slice index: %zu > %zu", idx[1],
			    idx[2]);
	if (item->kind == TMPL_STRING) {
		r = tmpl_stringn(item->u.str.s + idx[0], idx[1] - idx[0]);
		*out = item->cls ? tmpl_typed_take(r, item->cls) : r;
		return 0;
	}
	r = tmpl_list_new(item->cls);
	for (size_t i = idx[0]; i < idx[1]; i++)
		tmpl_list_push_take(r, tmpl_ref(item->u.list.v[i]));
	*out = r;
	return 0;
}

/* ------------------------------------------------------------ printing */

static int fn_print(ARGS)
{
	struct buf b = {0};

	tmpl_sprint(&b, c->max_string, a, n);
	return tmpl_ret_buf(&b, out);
}

static int fn_println(ARGS)
{
	struct buf b = {0};

	tmpl_sprintln(&b, c->max_string, a, n);
	return tmpl_ret_buf(&b, out);
}

static int fn_printf(ARGS)
{
	struct buf b = {0};

	tmpl_sprintf(&b, c->max_string, a[0]->u.str.s, a[0]->u.str.len, a + 1,
		     n - 1);
	return tmpl_ret_buf(&b, out);
}

/* Go's evalArgs: one plain string as is, else fmt.Sprint with nil shown
 * as "<no value>". */
static void eval_args(struct buf *b, size_t limit, struct tmpl_value *const *a,
		      size_t n)
{
	struct tmpl_value **v;

	if (n == 1 && a[0]->kind == TMPL_STRING && !a[0]->cls) {
		buf_add(b, a[0]->u.str.s, a[0]->u.str.len);
		return;
	}
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = a[i]->kind == TMPL_NIL ? tmpl_string("<no value>")
					      : tmpl_ref(a[i]);
	tmpl_sprint(b, limit, v, n);
	for (size_t i = 0; i < n; i++)
		tmpl_unref(v[i]);
	free(v);
}

static int fn_html(ARGS)
{
	struct buf s = {0}, b = {0};

	eval_args(&s, c->max_string, a, n);
	for (size_t i = 0; i < s.len; i++) {
		switch (s.s[i]) {
		case '"':
			buf_puts(&b, "&#34;");
			break;
		case '\'':
			buf_puts(&b, "&#39;");
			break;
		case '&':
			buf_puts(&b, "&amp;");
			break;
		case '<':
			buf_puts(&b, "&lt;");
			break;
		case '>':
			buf_puts(&b, "&gt;");
			break;
		case '\0':
			buf_puts(&b, "\xef\xbf\xbd");
			break;
		default:
			buf_putc(&b, s.s[i]);
		}
	}
	buf_free(&s);
	return tmpl_ret_buf(&b, out);
}

static int fn_js(ARGS)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf s = {0}, b = {0};
	size_t w;

	eval_args(&s, c->max_string, a, n);
	for (size_t i = 0; i < s.len; i += w) {
		unsigned char ch = (unsigned char)s.s[i];
		uint32_t r;

		w = 1;
		switch (ch) {
		case '\\':
			buf_puts(&b, "\\\\");
			continue;
		case '\'':
			buf_puts(&b, "\\'");
			continue;
		case '"':
			buf_puts(&b, "\\\"");
			continue;
		case '<':
			buf_puts(&b, "\\u003C");
			continue;
		case '>':
			buf_puts(&b, "\\u003E");
			continue;
		case '&':
			buf_puts(&b, "\\u0026");
			continue;
		case '=':
			buf_puts(&b, "\\u003D");
			continue;
		}
		if (ch < ' ') {
			buf_printf(&b, "\\u00%c%c", hex[ch >> 4], hex[ch & 15]);
			continue;
		}
		if (ch < 0x80) {
			buf_putc(&b, (char)ch);
			continue;
		}
		r = tmpl_utf8_decode(s.s + i, s.len - i, &w);
		if (tmpl_is_print(r))
			buf_add(&b, s.s + i, w);
		else
			buf_printf(&b, "\\u%04X", (unsigned)r);
	}
	buf_free(&s);
	return tmpl_ret_buf(&b, out);
}

static int fn_urlquery(ARGS)
{
	struct buf s = {0}, b = {0};

	eval_args(&s, c->max_string, a, n);
	tmpl_query_escape(&b, s.s, s.len);
	buf_free(&s);
	return tmpl_ret_buf(&b, out);
}

/* --------------------------------------------------------- comparisons */

enum bkind { K_INVALID, K_BOOL, K_INT, K_UINT, K_FLOAT, K_STRING };

static enum bkind basic_kind(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TMPL_BOOL:
		return K_BOOL;
	case TMPL_INT:
		return v->cls == &tmpl_uint8_class ? K_UINT : K_INT;
	case TMPL_FLOAT:
		return K_FLOAT;
	case TMPL_STRING:
		return K_STRING;
	default:
		return K_INVALID;
	}
}

static int str_cmp(const struct tmpl_value *x, const struct tmpl_value *y)
{
	size_t n = x->u.str.len < y->u.str.len ? x->u.str.len : y->u.str.len;
	int r = n ? memcmp(x->u.str.s, y->u.str.s, n) : 0;

	if (r)
		return r;
	return x->u.str.len < y->u.str.len ? -1 : x->u.str.len > y->u.str.len;
}

/* Go's eq: 1 true, 0 false, -1 error. */
static int eq(struct tmpl_call *c, struct tmpl_value *const *a, size_t n)
{
	enum bkind k1 = basic_kind(a[0]);

	if (n < 2)
		return fail(c, "missing argument for comparison");
	for (size_t i = 1; i < n; i++) {
		const struct tmpl_value *x = a[0], *y = a[i];
		enum bkind k2 = basic_kind(y);
		int truth = 0;

		if (k1 != k2) {
			if (k1 == K_INT && k2 == K_UINT)
				truth = x->u.i >= 0 && x->u.i == y->u.i;
			else if (k1 == K_UINT && k2 == K_INT)
				truth = y->u.i >= 0 && x->u.i == y->u.i;
			else if (x->kind != TMPL_NIL && y->kind != TMPL_NIL)
				return fail(c, "incompatible types for "
					       "comparison");
		} else {
			switch (k1) {
			case K_BOOL:
				truth = x->u.b == y->u.b;
				break;
			case K_INT:
			case K_UINT:
				truth = x->u.i == y->u.i;
				break;
			case K_FLOAT:
				truth = x->u.f == y->u.f;
				break;
			case K_STRING:
				truth = str_cmp(x, y) == 0;
				break;
			case K_INVALID:
				if (x->kind == TMPL_NIL ||
				    y->kind == TMPL_NIL) {
					truth = x->kind == y->kind;
				} else if (y->kind == TMPL_LIST ||
					   y->kind == TMPL_MAP) {
					struct buf b = {0};

					tmpl_print(&b, y);
					tmpl_call_fail(c, "non-comparable type %s: %s",
					      buf_str(&b), tmpl_type_name(y));
					buf_free(&b);
					return -1;
				} else {
					truth = x == y;
				}
				break;
			}
		}
		if (truth)
			return 1;
	}
	return 0;
}

/* Go's lt: 1 true, 0 false, -1 error. */
static int lt(struct tmpl_call *c, const struct tmpl_value *x,
	      const struct tmpl_value *y)
{
	enum bkind k1 = basic_kind(x), k2 = basic_kind(y);

	if (k1 == K_INVALID || k2 == K_INVALID)
		return fail(c, "invalid type for comparison");
	if (k1 != k2) {
		if (k1 == K_INT && k2 == K_UINT)
			return x->u.i < 0 || x->u.i < y->u.i;
		if (k1 == K_UINT && k2 == K_INT)
			return y->u.i >= 0 && x->u.i < y->u.i;
		return fail(c, "incompatible types for comparison");
	}
	switch (k1) {
	case K_FLOAT:
		return x->u.f < y->u.f;
	case K_INT:
	case K_UINT:
		return x->u.i < y->u.i;
	case K_STRING:
		return str_cmp(x, y) < 0;
	default:
		return fail(c, "invalid type for comparison");
	}
}

static int le(struct tmpl_call *c, struct tmpl_value *const *a)
{
	int r = lt(c, a[0], a[1]);

	return r != 0 ? r : eq(c, a, 2);
}

static int fn_eq(ARGS)
{
	int r = eq(c, a, n);

	if (r < 0)
		return -1;
	*out = tmpl_bool(r);
	return 0;
}

static int fn_ne(ARGS)
{
	int r = eq(c, a, n);

	if (r < 0)
		return -1;
	*out = tmpl_bool(!r);
	return 0;
}

static int fn_lt(ARGS)
{
	int r = lt(c, a[0], a[1]);

	(void)n;
	if (r < 0)
		return -1;
	*out = tmpl_bool(r);
	return 0;
}

static int fn_le(ARGS)
{
	int r = le(c, a);

	(void)n;
	if (r < 0)
		return -1;
	*out = tmpl_bool(r);
	return 0;
}

static int fn_gt(ARGS)
{
	int r = le(c, a);

	(void)n;
	if (r < 0)
		return -1;
	*out = tmpl_bool(!r);
	return 0;
}

static int fn_ge(ARGS)
{
	int r = lt(c, a[0], a[1]);

	(void)n;
	if (r < 0)
		return -1;
	*out = tmpl_bool(!r);
	return 0;
}

/* Templates cannot hold function values, so call always fails as Go's
 * does on a non-function. */
static int fn_call(ARGS)
{
	(void)n, (void)out;
	if (a[0]->kind == TMPL_NIL)
		return fail(c, "call of nil");
	return fail(c, "non-function of type %s", tmpl_type_name(a[0]));
}

const struct tmpl_func tmpl_builtins[] = {
    {"and", fn_and, "vv*", NULL},
    {"call", fn_call, "vv*", NULL},
    {"html", fn_html, "a*", NULL},
    {"index", fn_index, "vv*", NULL},
    {"slice", fn_slice, "vv*", NULL},
    {"js", fn_js, "a*", NULL},
    {"len", fn_len, "v", NULL},
    {"not", fn_not, "v", NULL},
    {"or", fn_or, "vv*", NULL},
    {"print", fn_print, "a*", NULL},
    {"printf", fn_printf, "sa*", NULL},
    {"println", fn_println, "a*", NULL},
    {"urlquery", fn_urlquery, "a*", NULL},
    {"eq", fn_eq, "vv*", NULL},
    {"ge", fn_ge, "vv", NULL},
    {"gt", fn_gt, "vv", NULL},
    {"le", fn_le, "vv", NULL},
    {"lt", fn_lt, "vv", NULL},
    {"ne", fn_ne, "vv", NULL},
    {NULL, NULL, NULL, NULL},
};

int tmpl_builtin_is(const struct tmpl_func *f, const char *name)
{
	if (strcmp(name, "and") == 0)
		return f->fn == fn_and;
	if (strcmp(name, "or") == 0)
		return f->fn == fn_or;
	return 0;
}
