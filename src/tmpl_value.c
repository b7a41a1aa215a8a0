/*
 * tmpl_value.c - template values: reference-counted nil, bool, int, float,
 * string, list, map and object (Go struct) values, their Go type names and
 * truth, and the UTF-8 and Unicode helpers the engine shares.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

/* Static values: refs == 0 means never freed. */
static struct tmpl_value nil_value = {.kind = TMPL_NIL};
static struct tmpl_value true_value = {.kind = TMPL_BOOL, .u.b = 1};
static struct tmpl_value false_value = {.kind = TMPL_BOOL, .u.b = 0};

const struct tmpl_class tmpl_uint8_class = {.type = "uint8"};

/* ---------------------------------------------------------- lifetime */

static struct tmpl_value *value_new(enum tmpl_kind kind)
{
	struct tmpl_value *v = xcalloc(1, sizeof(*v));

	v->kind = kind;
	v->refs = 1;
	return v;
}

struct tmpl_value *tmpl_ref(struct tmpl_value *v)
{
	if (v && v->refs)
		v->refs++;
	return v;
}

static void value_free(struct tmpl_value *v)
{
	switch (v->kind) {
	case TMPL_STRING:
		free(v->u.str.s);
		break;
	case TMPL_LIST:
		for (size_t i = 0; i < v->u.list.n; i++)
			tmpl_unref(v->u.list.v[i]);
		free(v->u.list.v);
		break;
	case TMPL_MAP:
		for (size_t i = 0; i < v->u.map.n; i++) {
			free(v->u.map.v[i].key);
			tmpl_unref(v->u.map.v[i].value);
		}
		free(v->u.map.v);
		break;
	case TMPL_OBJECT:
		for (size_t i = 0; i < v->u.obj.n; i++)
			tmpl_unref(v->u.obj.v[i].value);
		free(v->u.obj.v);
		if (v->u.obj.data && v->cls && v->cls->free)
			v->cls->free(v->u.obj.data);
		break;
	default:
		break;
	}
	free(v);
}

void tmpl_unref(struct tmpl_value *v)
{
	if (!v || v->refs == 0)
		return;
	if (--v->refs == 0)
		value_free(v);
}

/* ------------------------------------------------------------ scalars */

struct tmpl_value *tmpl_nil(void)
{
	return &nil_value;
}

struct tmpl_value *tmpl_bool(int b)
{
	return b ? &true_value : &false_value;
}

struct tmpl_value *tmpl_int(int64_t i)
{
	struct tmpl_value *v = value_new(TMPL_INT);

	v->u.i = i;
	return v;
}

struct tmpl_value *tmpl_float(double f)
{
	struct tmpl_value *v = value_new(TMPL_FLOAT);

	v->u.f = f;
	return v;
}

struct tmpl_value *tmpl_string_take(char *s, size_t len)
{
	struct tmpl_value *v = value_new(TMPL_STRING);

	v->u.str.s = s;
	v->u.str.len = len;
	return v;
}

struct tmpl_value *tmpl_stringn(const char *s, size_t len)
{
	char *p = xmalloc(len + 1);

	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return tmpl_string_take(p, len);
}

struct tmpl_value *tmpl_string(const char *s)
{
	return tmpl_stringn(s, strlen(s));
}

struct tmpl_value *tmpl_typed_take(struct tmpl_value *v,
				   const struct tmpl_class *cls)
{
	struct tmpl_value *c;

	if (v->refs == 1) {
		v->cls = cls;
		return v;
	}
	/* Shared or static: make a private copy of the scalar. */
	switch (v->kind) {
	case TMPL_STRING:
		c = tmpl_stringn(v->u.str.s, v->u.str.len);
		break;
	case TMPL_INT:
		c = tmpl_int(v->u.i);
		break;
	case TMPL_FLOAT:
		c = tmpl_float(v->u.f);
		break;
	case TMPL_BOOL:
		c = value_new(TMPL_BOOL);
		c->u.b = v->u.b;
		break;
	default:
		return v; /* containers keep their type */
	}
	tmpl_unref(v);
	c->cls = cls;
	return c;
}

/* -------------------------------------------------------------- lists */

struct tmpl_value *tmpl_list_new(const struct tmpl_class *cls)
{
	struct tmpl_value *v = value_new(TMPL_LIST);

	v->cls = cls;
	return v;
}

void tmpl_list_push_take(struct tmpl_value *list, struct tmpl_value *item)
{
	assert(list->kind == TMPL_LIST);
	if (list->u.list.n == list->u.list.cap) {
		list->u.list.cap = list->u.list.cap ? 2 * list->u.list.cap : 4;
		list->u.list.v = xrealloc(
		    list->u.list.v, list->u.list.cap * sizeof(*list->u.list.v));
	}
	list->u.list.v[list->u.list.n++] = item;
}

/* --------------------------------------------------------------- maps */

struct tmpl_value *tmpl_map_new(enum tmpl_kind elem)
{
	struct tmpl_value *v = value_new(TMPL_MAP);

	v->u.map.elem = elem;
	return v;
}

/* Returns the index of key, or -(insertion point) - 1. */
static long map_find(const struct tmpl_value *m, const char *key)
{
	size_t lo = 0, hi = m->u.map.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->u.map.v[mid].key, key);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

void tmpl_map_set_take(struct tmpl_value *m, const char *key,
		       struct tmpl_value *value)
{
	long i;
	size_t at;

	assert(m->kind == TMPL_MAP);
	i = map_find(m, key);
	if (i >= 0) {
		tmpl_unref(m->u.map.v[i].value);
		m->u.map.v[i].value = value;
		return;
	}
	at = (size_t)(-i - 1);
	if (m->u.map.n == m->u.map.cap) {
		m->u.map.cap = m->u.map.cap ? 2 * m->u.map.cap : 8;
		m->u.map.v =
		    xrealloc(m->u.map.v, m->u.map.cap * sizeof(*m->u.map.v));
	}
	memmove(&m->u.map.v[at + 1], &m->u.map.v[at],
		(m->u.map.n - at) * sizeof(*m->u.map.v));
	m->u.map.v[at].key = xstrdup(key);
	m->u.map.v[at].value = value;
	m->u.map.n++;
}

struct tmpl_value *tmpl_map_get(const struct tmpl_value *m, const char *key)
{
	long i = map_find(m, key);

	return i >= 0 ? m->u.map.v[i].value : NULL;
}

struct tmpl_value *tmpl_map_labels(const struct labels *l)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_STRING);

	if (!l)
		return m;
	/* Label sets are sorted by name already: append in order. */
	m->u.map.cap = l->n;
	m->u.map.v = l->n ? xmalloc(l->n * sizeof(*m->u.map.v)) : NULL;
	for (size_t i = 0; i < l->n; i++) {
		m->u.map.v[i].key = xstrdup(l->v[i].name);
		m->u.map.v[i].value = tmpl_string(l->v[i].value);
	}
	m->u.map.n = l->n;
	return m;
}

/* ------------------------------------------------------------ objects */

struct tmpl_value *tmpl_object_new(const struct tmpl_class *cls,
				   const char *const *names,
				   struct tmpl_value **values_take, size_t n,
				   void *data)
{
	struct tmpl_value *v = value_new(TMPL_OBJECT);

	v->cls = cls;
	v->u.obj.n = n;
	v->u.obj.v = n ? xmalloc(n * sizeof(*v->u.obj.v)) : NULL;
	for (size_t i = 0; i < n; i++) {
		v->u.obj.v[i].name = names[i];
		v->u.obj.v[i].value = values_take[i];
	}
	v->u.obj.data = data;
	return v;
}

struct tmpl_value *tmpl_object_field(const struct tmpl_value *v,
				     const char *name)
{
	if (v->kind != TMPL_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->u.obj.n; i++)
		if (strcmp(v->u.obj.v[i].name, name) == 0)
			return v->u.obj.v[i].value;
	return NULL;
}

/* ------------------------------------------------------- type, truth */

const char *tmpl_type_name(const struct tmpl_value *v)
{
	if (v->cls)
		return v->cls->type;
	switch (v->kind) {
	case TMPL_NIL:
		return "<nil>";
	case TMPL_BOOL:
		return "bool";
	case TMPL_INT:
		return "int";
	case TMPL_FLOAT:
		return "float64";
	case TMPL_STRING:
		return "string";
	case TMPL_LIST:
		return "[]interface {}";
	case TMPL_MAP:
		return v->u.map.elem == TMPL_STRING ? "map[string]string"
						    : "map[string]interface {}";
	case TMPL_OBJECT:
		return "struct {}";
	}
	return "?";
}

int tmpl_truth(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TMPL_NIL:
		return 0;
	case TMPL_BOOL:
		return v->u.b;
	case TMPL_INT:
		return v->u.i != 0;
	case TMPL_FLOAT:
		return v->u.f != 0; /* NaN is true, as in Go */
	case TMPL_STRING:
		return v->u.str.len > 0;
	case TMPL_LIST:
		return v->u.list.n > 0;
	case TMPL_MAP:
		return v->u.map.n > 0;
	case TMPL_OBJECT:
		return 1; /* structs and non-nil pointers */
	}
	return 0;
}

/* ------------------------------------------------------ UTF-8, Unicode */

uint32_t tmpl_utf8_decode(const char *str, size_t n, size_t *width)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t r, min;
	size_t k;

	if (n == 0) {
		*width = 0;
		return 0xFFFD;
	}
	if (s[0] < 0x80) {
		*width = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2, r = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3, r = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4, r = s[0] & 0x07, min = 0x10000;
	} else {
		*width = 1;
		return 0xFFFD;
	}
	if (n < k) {
		*width = 1;
		return 0xFFFD;
	}
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*width = 1;
			return 0xFFFD;
		}
		r = (r << 6) | (s[i] & 0x3f);
	}
	if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
		*width = 1;
		return 0xFFFD;
	}
	*width = k;
	return r;
}

void tmpl_utf8_put(struct buf *out, uint32_t r)
{
	char b[4];

	if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = 0xFFFD;
	if (r < 0x80) {
		buf_putc(out, (char)r);
	} else if (r < 0x800) {
		b[0] = (char)(0xc0 | (r >> 6));
		b[1] = (char)(0x80 | (r & 0x3f));
		buf_add(out, b, 2);
	} else if (r < 0x10000) {
		b[0] = (char)(0xe0 | (r >> 12));
		b[1] = (char)(0x80 | ((r >> 6) & 0x3f));
		b[2] = (char)(0x80 | (r & 0x3f));
		buf_add(out, b, 3);
	} else {
		b[0] = (char)(0xf0 | (r >> 18));
		b[1] = (char)(0x80 | ((r >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((r >> 6) & 0x3f));
		b[3] = (char)(0x80 | (r & 0x3f));
		buf_add(out, b, 4);
	}
}

size_t tmpl_utf8_count(const char *s, size_t n)
{
	size_t count = 0, w;

	for (size_t i = 0; i < n; i += w, count++)
		tmpl_utf8_decode(s + i, n - i, &w);
	return count;
}

/* Ranges of code points that are not letters, digits or printable in the
 * parts of Unicode that label values actually use. */
static int in_ranges(uint32_t r, const uint32_t (*t)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r >= t[i][0] && r <= t[i][1])
			return 1;
	return 0;
}

static const uint32_t nonprint[][2] = {
    {0x7f, 0xa0},     {0xad, 0xad},	{0x378, 0x379},	     {0x380, 0x383},
    {0x38b, 0x38b},   {0x38d, 0x38d},	{0x3a2, 0x3a2},	     {0x61c, 0x61c},
    {0x1680, 0x1680}, {0x180e, 0x180e}, {0x2000, 0x200f},    {0x2028, 0x202f},
    {0x205f, 0x206f}, {0x3000, 0x3000}, {0xd800, 0xf8ff},    {0xfeff, 0xfeff},
    {0xfff0, 0xfffb}, {0xfffe, 0xffff}, {0xe0000, 0x10ffff},
};

int tmpl_is_print(uint32_t r)
{
	if (r < 0x80)
		return r >= 0x20 && r < 0x7f;
	return !in_ranges(r, nonprint, ARRAY_LEN(nonprint));
}

static const uint32_t nonletter[][2] = {
    {0x80, 0xa9},
    {0xab, 0xb4},
    {0xb6, 0xb9},
    {0xbb, 0xbf},
    {0xd7, 0xd7},
    {0xf7, 0xf7},
    {0x2b9, 0x2ff} /* modifiers: approx */,
    {0x300, 0x36f} /* combining marks */,
    {0x2000, 0x2bff},
    {0x3000, 0x3004},
    {0x3008, 0x3020},
    {0xd800, 0xf8ff},
    {0xfe00, 0xfe6f},
    {0xfeff, 0xfeff},
    {0xff00, 0xff20},
    {0xfff0, 0xffff},
};

int tmpl_is_letter(uint32_t r)
{
	if (r < 0x80)
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
	if (tmpl_is_digit(r))
		return 0;
	return tmpl_is_print(r) &&
	       !in_ranges(r, nonletter, ARRAY_LEN(nonletter));
}

static const uint32_t digits[][2] = {
    {'0', '9'},	    {0x660, 0x669},   {0x6f0, 0x6f9},
    {0x966, 0x96f}, {0xff10, 0xff19},
};

int tmpl_is_digit(uint32_t r)
{
	return in_ranges(r, digits, ARRAY_LEN(digits));
}
