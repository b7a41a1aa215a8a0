/*
 * fuzz_yaml.c - libFuzzer target for the YAML tree (ydoc.c) and what sits
 * on it: the typed accessors, durations and label sets built from mappings.
 *
 * Besides "no crash, no leak, no UB" it checks the tree's invariants and
 * aborts when one breaks:
 *   - a NULL document always comes with an error in the diagnostics;
 *   - positions are 1-based, scalars are NUL-terminated at len, nulls are "";
 *   - mapping keys are scalars and unique (merges and duplicates resolved);
 *   - every accepted duration prints to a form that parses back the same;
 *   - a label set's fingerprint is the hash of its pairs, in sorted order.
 * Aliases make the tree a DAG with possibly exponential path counts, so
 * the walk visits each node once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "duration.h"
#include "labels.h"
#include "ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

/* ------------------------------------------------- visited-node pointer set */

struct seen {
	const void **v;
	size_t cap, n;
};

/* Returns 1 if p was already in s, else adds it and returns 0. */
static int seen_add(struct seen *s, const void *p)
{
	size_t h;

	if (2 * (s->n + 1) > s->cap) {
		struct seen t = {NULL, s->cap ? 2 * s->cap : 256, 0};

		t.v = xcalloc(t.cap, sizeof *t.v);
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				seen_add(&t, s->v[i]);
		free(s->v);
		*s = t;
	}
	h = ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL % s->cap;
	while (s->v[h]) {
		if (s->v[h] == p)
			return 1;
		h = (h + 1) % s->cap;
	}
	s->v[h] = p;
	s->n++;
	return 0;
}

/* ------------------------------------------------------------------ checks */

static const char *const known[] = {
    "groups", "name",	     "rules", "alert",	  "record",   "expr", "for",
    "labels", "annotations", "route", "receiver", "interval", NULL,
};

static void check_duration(const char *s)
{
	char err[128], out[32];
	int64_t ms, again;

	if (strlen(s) > 64 || duration_parse(s, &ms, err, sizeof err) < 0)
		return;
	CHECK(ms >= 0);
	duration_format(ms, out, sizeof out);
	CHECK(duration_parse(out, &again, err, sizeof err) == 0);
	CHECK(again == ms);
}

/* Builds a label set from a mapping of scalars and checks it. */
static void check_labels(const struct ynode *m)
{
	struct labels_builder b = {0};
	struct labels *l, *d;
	struct buf out = {0};

	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *v = m->items[2 * i + 1];

		if (v->kind == YNODE_SEQ || v->kind == YNODE_MAP)
			goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		const char *name = m->items[2 * i]->str;

		labels_name_valid(name);
		labels_name_legacy(name);
		labels_metric_name_legacy(name);
		labels_builder_set(&b, name, ydoc_text(m->items[2 * i + 1]));
	}
	l = labels_builder_build(&b);
	CHECK(l->fp == labels_hash_pairs(l->v, l->n));
	for (size_t i = 0; i < l->n; i++) {
		CHECK(l->v[i].value[0] != '\0');
		CHECK(labels_get(l, l->v[i].name) == l->v[i].value);
		if (i > 0)
			CHECK(strcmp(l->v[i - 1].name, l->v[i].name) < 0);
	}
	d = labels_dup(l);
	CHECK(labels_equal(l, d) && labels_cmp(d, l) == 0);
	labels_format(l, &out);
	labels_free(d);
	labels_free(l);
out:
	buf_free(&out);
	labels_builder_free(&b);
}

static void check_map(struct yctx *c, const struct ynode *m)
{
	const char *s;
	const struct ynode *n;
	long long i;
	int64_t ms;
	int bo;

	for (size_t a = 0; a < m->n; a++) {
		const struct ynode *k = m->items[2 * a];

		CHECK(k->kind == YNODE_SCALAR);
		for (size_t b = a + 1; b < m->n && b < 512; b++)
			CHECK(strcmp(k->str, m->items[2 * b]->str) != 0);
		CHECK(ydoc_get_key(m, k->str) == k);
		CHECK(ydoc_get(m, k->str) == m->items[2 * a + 1]);
	}
	ydoc_check_map(c, m, "fuzz", known);
	for (const char *const *kn = known; *kn; kn++) {
		ydoc_str(c, m, *kn, &s);
		ydoc_bool(c, m, *kn, &bo);
		ydoc_int(c, m, *kn, &i);
		ydoc_duration(c, m, *kn, &ms);
		ydoc_seq(c, m, *kn, &n);
		ydoc_map(c, m, *kn, &n);
	}
	check_labels(m);
}

static void check_node(struct yctx *c, const struct ynode *n)
{
	CHECK(n->line >= 1 && n->col >= 1);
	switch (n->kind) {
	case YNODE_NULL:
		CHECK(n->str[0] == '\0' && n->len == 0);
		break;
	case YNODE_SCALAR:
		CHECK(n->str[n->len] == '\0');
		check_duration(n->str);
		ydoc_parse_bool(n, &(int){0});
		break;
	case YNODE_SEQ:
		break;
	case YNODE_MAP:
		check_map(c, n);
		break;
	}
}

/* Visits every node reachable from root once, without recursion. */
static void walk(struct yctx *c, const struct ynode *root)
{
	struct seen seen = {0};
	const struct ynode **stack = NULL;
	size_t sp = 0, cap = 0;

	if (!root)
		return;
	stack = xmalloc(sizeof *stack);
	cap = 1;
	stack[sp++] = root;
	seen_add(&seen, root);
	while (sp > 0) {
		const struct ynode *n = stack[--sp];
		size_t k = n->kind == YNODE_MAP	  ? 2 * n->n
			   : n->kind == YNODE_SEQ ? n->n
						  : 0;

		check_node(c, n);
		for (size_t i = 0; i < k; i++) {
			if (seen_add(&seen, n->items[i]))
				continue;
			if (sp == cap) {
				cap *= 2;
				stack = xrealloc(stack, cap * sizeof *stack);
			}
			stack[sp++] = n->items[i];
		}
	}
	free(stack);
	free(seen.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = {0};
	struct ydoc *doc =
	    ydoc_load_buf("fuzz.yml", (const char *)data, size, &d);

	if (!doc) {
		CHECK(d.nerrors > 0);
	} else {
		struct yctx c = {doc->file, &d};

		CHECK(doc->ndocs >= 0);
		CHECK(doc->root == NULL || doc->ndocs >= 1);
		walk(&c, doc->root);
		ydoc_free(doc);
	}
	for (size_t i = 0; i < d.n; i++)
		free(diag_format(&d.v[i]));
	diags_free(&d);
	return 0;
}
