/*
 * config_read.c - typed readers for the configuration loader.  Each reads
 * one key of a YAML mapping, applies the default when the key is absent or
 * null, and reports type problems at the node without stopping the load.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

void cl_err(struct cload *l, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(l->y.d, DIAG_ERROR, l->y.file, n ? n->line : 1,
		  n ? n->col : 1, fmt, ap);
	va_end(ap);
}

void cl_warn(struct cload *l, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(l->y.d, DIAG_WARNING, l->y.file, n ? n->line : 1,
		  n ? n->col : 1, fmt, ap);
	va_end(ap);
}

const struct ynode *cl_pos(const struct ynode *m, const char *key)
{
	const struct ynode *v = ydoc_get(m, key);

	if (v && v->kind != YNODE_NULL)
		return v;
	v = ydoc_get_key(m, key);
	return v ? v : m;
}

int cl_has(const struct ynode *m, const char *key)
{
	const struct ynode *v = ydoc_get(m, key);

	return v && v->kind != YNODE_NULL;
}

int cl_keys(struct cload *l, const struct ynode *n, const char *what,
	    const char *const *known)
{
	return ydoc_check_map(&l->y, n, what, known);
}

char *cl_str(struct cload *l, const struct ynode *m, const char *key,
	     const char *def)
{
	const char *s = NULL;

	if (ydoc_str(&l->y, m, key, &s) == 1)
		return xstrdup(s);
	return xstrdup(def ? def : "");
}

/* Appends one path element to out, handling "." and ".." like Go's
 * filepath.Clean; rooted tells whether out started with '/'. */
static void clean_push(struct buf *out, const char *el, size_t n, int rooted)
{
	size_t min = rooted ? 1 : 0;

	if (n == 0 || (n == 1 && el[0] == '.'))
		return;
	if (n == 2 && el[0] == '.' && el[1] == '.') {
		const char *last;
		size_t start;

		if (out->len > min) {
			last = strrchr(out->s + min, '/');
			start = last ? (size_t)(last - out->s) : min;
			if (strcmp(out->s + (last ? start + 1 : start), "..") != 0) {
				out->len = start;
				out->s[out->len] = '\0';
				return;
			}
		} else if (rooted) {
			return;
		}
	}
	if (out->len > min)
		buf_putc(out, '/');
	buf_add(out, el, n);
}

/* Returns a new string: p cleaned like Go's filepath.Clean. */
static char *path_clean(const char *p)
{
	struct buf out = {0};
	int rooted = p[0] == '/';

	if (rooted)
		buf_putc(&out, '/');
	while (*p) {
		size_t n = strcspn(p, "/");

		clean_push(&out, p, n, rooted);
		p += n;
		while (*p == '/')
			p++;
	}
	if (out.len == 0)
		buf_putc(&out, '.');
	return buf_take(&out);
}

char *cl_join(struct cload *l, const char *path)
{
	char *joined, *clean;

	if (!path[0] || path[0] == '/')
		return xstrdup(path);
	joined = xasprintf("%s/%s", l->dir ? l->dir : ".", path);
	clean = path_clean(joined);
	free(joined);
	return clean;
}

char *cl_path(struct cload *l, const struct ynode *m, const char *key)
{
	char *s = cl_str(l, m, key, NULL);
	char *p = cl_join(l, s);

	free(s);
	return p;
}

int cl_bool(struct cload *l, const struct ynode *m, const char *key, int def)
{
	int v = def;

	ydoc_bool(&l->y, m, key, &v);
	return v;
}

int cl_bool_opt(struct cload *l, const struct ynode *m, const char *key,
		int *out)
{
	return ydoc_bool(&l->y, m, key, out) == 1;
}

int cl_count(const struct ynode *v, unsigned long max, unsigned long *out)
{
	unsigned long x;
	char *end;

	if (v->kind != YNODE_SCALAR || !isdigit((unsigned char)v->str[0]))
		return -1;
	errno = 0;
	x = strtoul(v->str, &end, 10);
	if (!x || errno || *end || x > max)
		return -1;
	*out = x;
	return 0;
}

int64_t cl_duration(struct cload *l, const struct ynode *m, const char *key,
		    int64_t def, int *set)
{
	int64_t v = def;
	int rc = ydoc_duration(&l->y, m, key, &v);

	if (set)
		*set = rc == 1;
	return rc == 1 ? v : def;
}

const struct ynode *cl_seq(struct cload *l, const struct ynode *m,
			   const char *key)
{
	const struct ynode *s = NULL;

	if (ydoc_seq(&l->y, m, key, &s) != 1)
		return NULL;
	return s;
}

char **cl_strlist(struct cload *l, const struct ynode *m, const char *key,
		  size_t *n)
{
	const struct ynode *s = cl_seq(l, m, key);
	char **v;

	*n = 0;
	if (!s || s->n == 0)
		return NULL;
	v = xcalloc(s->n, sizeof *v);
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *it = s->items[i];

		if (it->kind == YNODE_SEQ || it->kind == YNODE_MAP) {
			cl_err(l, it, "%s: expected a string, got a %s", key,
			       it->kind == YNODE_SEQ ? "sequence" : "mapping");
			continue;
		}
		v[(*n)++] = xstrdup(ydoc_text(it));
	}
	if (*n == 0) {
		free(v);
		v = NULL;
	}
	return v;
}

char **cl_globlist(struct cload *l, const struct ynode *m, const char *key,
		   size_t *n)
{
	const struct ynode *s = ydoc_get(m, key);
	char **v = cl_strlist(l, m, key, n);

	for (size_t i = 0; i < *n; i++) {
		char *joined;

		if (config_glob_valid(v[i]) < 0)
			cl_err(l, s && i < s->n ? s->items[i] : m,
			       "syntax error in pattern");
		joined = cl_join(l, v[i]);
		free(v[i]);
		v[i] = joined;
	}
	return v;
}

char *config_quote(const char *s)
{
	struct buf b = {0};

	buf_quote(&b, s);
	return buf_take(&b);
}

int config_kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct config_kv *)a)->name,
		      ((const struct config_kv *)b)->name);
}

struct config_kv *cl_kv(struct cload *l, const struct ynode *m,
			const char *key, size_t *n)
{
	const struct ynode *map = NULL;
	struct config_kv *v;

	*n = 0;
	if (ydoc_map(&l->y, m, key, &map) != 1 || map->n == 0)
		return NULL;
	v = xcalloc(map->n, sizeof *v);
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *val = map->items[2 * i + 1];

		if (val->kind == YNODE_SEQ || val->kind == YNODE_MAP) {
			cl_err(l, val, "%s: value of \"%s\" must be a string",
			       key, map->items[2 * i]->str);
			continue;
		}
		v[*n].name = xstrdup(map->items[2 * i]->str);
		v[*n].value = xstrdup(ydoc_text(val));
		(*n)++;
	}
	if (*n == 0) {
		free(v);
		return NULL;
	}
	qsort(v, *n, sizeof *v, config_kv_cmp);
	return v;
}

void config_kv_free(struct config_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

struct config_kv *config_kv_dup(const struct config_kv *v, size_t n)
{
	struct config_kv *d;

	if (n == 0)
		return NULL;
	d = xcalloc(n, sizeof *d);
	for (size_t i = 0; i < n; i++) {
		d[i].name = xstrdup(v[i].name);
		d[i].value = xstrdup(v[i].value);
	}
	return d;
}

void config_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ------------------------------------------------------------- globs */

/* One range end of a character class (Go's getEsc); returns the bytes
 * used, 0 on a bad pattern. */
static size_t class_char(const char *p)
{
	size_t n = 1;

	if (!*p || *p == '-' || *p == ']')
		return 0;
	if (*p == '\\') {
		if (!p[1])
			return 0;
		n = 2;
	}
	/* A multi-byte rune counts as one character. */
	while (((unsigned char)p[n] & 0xc0) == 0x80)
		n++;
	return p[n] ? n : 0;
}

/* Checks a character class after '['; returns its length past ']'. */
static size_t class_len(const char *p)
{
	const char *s = p;
	int nrange = 0;

	if (*p == '^')
		p++;
	for (;;) {
		size_t n;

		if (*p == ']' && nrange > 0)
			return (size_t)(p + 1 - s);
		if (!(n = class_char(p)))
			return 0;
		p += n;
		if (*p == '-') {
			if (!(n = class_char(p + 1)))
				return 0;
			p += n + 1;
		}
		nrange++;
	}
}

int config_glob_valid(const char *pattern)
{
	for (const char *p = pattern; *p; p++) {
		size_t n;

		if (*p == '\\') {
			if (!*++p)
				return -1;
		} else if (*p == '[') {
			if (!(n = class_len(p + 1)))
				return -1;
			p += n;
		}
	}
	return 0;
}
