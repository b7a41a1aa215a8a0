/*
 * labels.c - sorted immutable label sets and their fingerprints.
 */
#include "labels.h"

#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL
#define LABEL_SEP 0xff

static uint64_t fnv_add(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t fnv_sep(uint64_t h)
{
	h ^= LABEL_SEP;
	return h * FNV_PRIME;
}

uint64_t labels_hash_pairs(const struct label *v, size_t n)
{
	uint64_t h = FNV_OFFSET;

	for (size_t i = 0; i < n; i++) {
		h = fnv_sep(fnv_add(h, v[i].name));
		h = fnv_sep(fnv_add(h, v[i].value));
	}
	return h;
}

static ssize_t builder_find(const struct labels_builder *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->v[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

void labels_builder_del(struct labels_builder *b, const char *name)
{
	ssize_t i = builder_find(b, name);

	if (i < 0)
		return;
	free((char *)b->v[i].name);
	free((char *)b->v[i].value);
	b->v[i] = b->v[--b->n];
}

void labels_builder_set(struct labels_builder *b, const char *name,
			const char *value)
{
	ssize_t i;

	if (!value || !*value) {
		labels_builder_del(b, name);
		return;
	}
	i = builder_find(b, name);
	if (i >= 0) {
		free((char *)b->v[i].value);
		b->v[i].value = xstrdup(value);
		return;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->v = xrealloc(b->v, b->cap * sizeof *b->v);
	}
	b->v[b->n].name = xstrdup(name);
	b->v[b->n].value = xstrdup(value);
	b->n++;
}

void labels_builder_free(struct labels_builder *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free((char *)b->v[i].name);
		free((char *)b->v[i].value);
	}
	free(b->v);
	memset(b, 0, sizeof *b);
}

static int pair_cmp(const void *a, const void *b)
{
	return strcmp(((const struct label *)a)->name,
		      ((const struct label *)b)->name);
}

/* Packs n sorted pairs and their strings into one allocation. */
static struct labels *pack(const struct label *v, size_t n)
{
	size_t bytes = sizeof(struct labels) + n * sizeof(struct label);
	struct labels *l;
	char *p;

	for (size_t i = 0; i < n; i++)
		bytes += strlen(v[i].name) + strlen(v[i].value) + 2;
	l = xmalloc(bytes);
	l->n = n;
	p = (char *)&l->v[n];
	for (size_t i = 0; i < n; i++) {
		size_t ln = strlen(v[i].name) + 1, lv = strlen(v[i].value) + 1;

		memcpy(p, v[i].name, ln);
		l->v[i].name = p;
		p += ln;
		memcpy(p, v[i].value, lv);
		l->v[i].value = p;
		p += lv;
	}
	l->fp = labels_hash_pairs(l->v, n);
	return l;
}

struct labels *labels_builder_build(const struct labels_builder *b)
{
	struct label *tmp = xmalloc((b->n ? b->n : 1) * sizeof *tmp);
	struct labels *l;

	if (b->n)
		memcpy(tmp, b->v, b->n * sizeof *tmp);
	qsort(tmp, b->n, sizeof *tmp, pair_cmp);
	l = pack(tmp, b->n);
	free(tmp);
	return l;
}

struct labels *labels_from_sorted(const struct label *v, size_t n)
{
	return pack(v, n);
}

struct labels *labels_empty(void)
{
	return pack(NULL, 0);
}

struct labels *labels_dup(const struct labels *l)
{
	return pack(l->v, l->n);
}

void labels_free(struct labels *l)
{
	free(l);
}

const char *labels_get(const struct labels *l, const char *name)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].name, name);

		if (c == 0)
			return l->v[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int labels_cmp(const struct labels *a, const struct labels *b)
{
	size_t n = a->n < b->n ? a->n : b->n;

	for (size_t i = 0; i < n; i++) {
		int c = strcmp(a->v[i].name, b->v[i].name);

		if (c)
			return c;
		c = strcmp(a->v[i].value, b->v[i].value);
		if (c)
			return c;
	}
	return (a->n > b->n) - (a->n < b->n);
}

int labels_equal(const struct labels *a, const struct labels *b)
{
	return a->fp == b->fp && labels_cmp(a, b) == 0;
}

void labels_format(const struct labels *l, struct buf *out)
{
	buf_putc(out, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_puts(out, ", ");
		buf_puts(out, l->v[i].name);
		buf_putc(out, '=');
		buf_quote(out, l->v[i].value);	/* Go's %q */
	}
	buf_putc(out, '}');
}

int labels_name_valid(const char *name)
{
	return name[0] != '\0' && utf8_valid(name, strlen(name));
}

static int legacy(const char *s, int colon)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++) {
		int alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    *p == '_' || (colon && *p == ':');

		if (!alpha && !(p > s && *p >= '0' && *p <= '9'))
			return 0;
	}
	return 1;
}

int labels_name_legacy(const char *name)
{
	return legacy(name, 0);
}

int labels_metric_name_legacy(const char *name)
{
	return legacy(name, 1);
}
