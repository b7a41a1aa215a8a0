/*
 * inhibit.c - the inhibitor: sources by fingerprint, and per rule the
 * sources bucketed by their `equal` label values.
 *
 * Invariants: a source is kept iff at least one rule's source matchers
 * match its labels; it sits in exactly one group of each such rule
 * (source.m[k] says which group, list and place); a group is never empty
 * (the last source out frees it), so any of its sources' labels stand for
 * the group's key and no key is stored.
 *
 * A group keeps two lists: sources matching only the rule's source side,
 * and sources matching both sides.  A target matching both sides may not
 * be inhibited by the second kind, so its check skips that list without
 * looking at it; e.g. source severity=~"critical|warning", target
 * severity="warning" then costs one look per warning target, not one per
 * warning source.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "inhibit.h"
#include "matcher.h"

struct group;

/* Where a source sits in one rule's index. */
struct member {
	struct group *g;
	int list;	/* LIST_SOURCE or LIST_BOTH */
	size_t idx;	/* in g->v[list] */
	size_t rule;	/* index of the rule owning g */
};

struct source {
	struct labels *l;	/* owned copy */
	int64_t ends_at;
	struct source *next;	/* fingerprint chain */
	struct member *m;
	size_t nm;
};

enum { LIST_SOURCE, LIST_BOTH };

/* The sources of one rule that share the values of its `equal` labels,
 * split by whether they also match the rule's target matchers. */
struct group {
	uint64_t hash;
	struct source **v[2];
	size_t n[2], cap[2];
	struct group *next;	/* hash chain */
};

struct rule_index {
	const struct config_inhibit *rule;
	struct group **tab;	/* cap slots, a power of two */
	size_t cap, n;
};

struct inhibitor {
	struct rule_index *rules;
	size_t nrules;
	struct source **tab;	/* by fingerprint; cap a power of two */
	size_t cap, n;
	/* Statistics, not state: counted through a const inhibitor. */
	uint64_t *examined;
};

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL
#define INITIAL_CAP 16

static size_t slot(uint64_t h, size_t cap)
{
	/* Fibonacci hashing spreads FNV's low bits. */
	return (size_t)((h * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

/* Any source of g (groups are never empty). */
static const struct source *group_any(const struct group *g)
{
	return g->n[LIST_SOURCE] ? g->v[LIST_SOURCE][0] : g->v[LIST_BOTH][0];
}

static const char *value_of(const struct labels *l, const char *name)
{
	const char *v = labels_get(l, name);

	return v ? v : "";
}

/* Hash of the rule's equal-label values in l (missing = ""). */
static uint64_t equal_hash(const struct config_inhibit *r,
			   const struct labels *l)
{
	uint64_t h = FNV_OFFSET;

	for (size_t i = 0; i < r->nequal; i++) {
		for (const char *p = value_of(l, r->equal[i]); *p; p++) {
			h ^= (unsigned char)*p;
			h *= FNV_PRIME;
		}
		h ^= 0xff;	/* never in valid UTF-8 */
		h *= FNV_PRIME;
	}
	return h;
}

/* a and b agree on every equal label of r (missing == ""). */
static int equal_same(const struct config_inhibit *r, const struct labels *a,
		      const struct labels *b)
{
	for (size_t i = 0; i < r->nequal; i++)
		if (strcmp(value_of(a, r->equal[i]), value_of(b, r->equal[i])) != 0)
			return 0;
	return 1;
}

/* ------------------------------------------------------------- groups */

/* The group of ri holding l's equal values, or NULL. */
static struct group *group_find(const struct rule_index *ri, uint64_t h,
				const struct labels *l)
{
	struct group *g;

	if (!ri->cap)
		return NULL;
	for (g = ri->tab[slot(h, ri->cap)]; g; g = g->next)
		if (g->hash == h && equal_same(ri->rule, group_any(g)->l, l))
			return g;
	return NULL;
}

static void groups_grow(struct rule_index *ri)
{
	size_t cap = ri->cap ? ri->cap * 2 : INITIAL_CAP;
	struct group **tab = xcalloc(cap, sizeof *tab);

	for (size_t i = 0; i < ri->cap; i++) {
		struct group *g = ri->tab[i], *next;

		for (; g; g = next) {
			size_t k = slot(g->hash, cap);

			next = g->next;
			g->next = tab[k];
			tab[k] = g;
		}
	}
	free(ri->tab);
	ri->tab = tab;
	ri->cap = cap;
}

/* Adds s to ri's group for its labels, filling in *m. */
static void group_add(struct rule_index *ri, struct source *s,
		      struct member *m)
{
	uint64_t h = equal_hash(ri->rule, s->l);
	struct group *g = group_find(ri, h, s->l);
	int k;

	if (!g) {
		size_t at;

		if (ri->n >= ri->cap)
			groups_grow(ri);
		g = xcalloc(1, sizeof *g);
		g->hash = h;
		at = slot(h, ri->cap);
		g->next = ri->tab[at];
		ri->tab[at] = g;
		ri->n++;
	}
	k = matchers_match(&ri->rule->target, s->l) ? LIST_BOTH : LIST_SOURCE;
	if (g->n[k] == g->cap[k]) {
		g->cap[k] = g->cap[k] ? g->cap[k] * 2 : 4;
		g->v[k] = xrealloc(g->v[k], g->cap[k] * sizeof *g->v[k]);
	}
	m->g = g;
	m->list = k;
	m->idx = g->n[k];
	g->v[k][g->n[k]++] = s;
}

static void group_unlink(struct rule_index *ri, struct group *g)
{
	struct group **pp = &ri->tab[slot(g->hash, ri->cap)];

	while (*pp != g)
		pp = &(*pp)->next;
	*pp = g->next;
	ri->n--;
	free(g->v[LIST_SOURCE]);
	free(g->v[LIST_BOTH]);
	free(g);
}

/* Takes the source at m out of its group, moving the group's last source
 * into its place; frees the group when it empties. */
static void group_del(struct rule_index *ri, const struct member *m)
{
	struct group *g = m->g;
	int k = m->list;
	struct source *moved;

	assert(m->idx < g->n[k]);
	moved = g->v[k][--g->n[k]];
	if (m->idx < g->n[k]) {
		g->v[k][m->idx] = moved;
		for (size_t i = 0; i < moved->nm; i++)
			if (moved->m[i].g == g)
				moved->m[i].idx = m->idx;
	}
	if (g->n[LIST_SOURCE] + g->n[LIST_BOTH] == 0)
		group_unlink(ri, g);
}

/* ------------------------------------------------------------ sources */

static struct source **source_slot(const struct inhibitor *ih, uint64_t fp)
{
	struct source **pp;

	if (!ih->cap)
		return NULL;
	pp = &ih->tab[slot(fp, ih->cap)];
	while (*pp && (*pp)->l->fp != fp)
		pp = &(*pp)->next;
	return pp;
}

static void sources_grow(struct inhibitor *ih)
{
	size_t cap = ih->cap ? ih->cap * 2 : INITIAL_CAP;
	struct source **tab = xcalloc(cap, sizeof *tab);

	for (size_t i = 0; i < ih->cap; i++) {
		struct source *s = ih->tab[i], *next;

		for (; s; s = next) {
			size_t k = slot(s->l->fp, cap);

			next = s->next;
			s->next = tab[k];
			tab[k] = s;
		}
	}
	free(ih->tab);
	ih->tab = tab;
	ih->cap = cap;
}

/* Takes the source at *pp out of everything and frees it. */
static void source_drop(struct inhibitor *ih, struct source **pp)
{
	struct source *s = *pp;

	*pp = s->next;
	ih->n--;
	for (size_t k = 0; k < s->nm; k++)
		group_del(&ih->rules[s->m[k].rule], &s->m[k]);
	labels_free(s->l);
	free(s->m);
	free(s);
}

/* Returns a new source for l, entered into every rule whose source
 * matchers match it, or NULL when none does. */
static struct source *source_new(struct inhibitor *ih, const struct labels *l,
				 int64_t ends_at)
{
	struct member *m = NULL;
	struct source *s;
	size_t nm = 0;

	for (size_t r = 0; r < ih->nrules; r++) {
		if (!matchers_match(&ih->rules[r].rule->source, l))
			continue;
		if (!m)	/* room for this rule and every later one */
			m = xcalloc(ih->nrules - r, sizeof *m);
		m[nm++].rule = r;
	}
	if (nm == 0)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->l = labels_dup(l);
	s->ends_at = ends_at;
	s->m = m;
	s->nm = nm;
	for (size_t k = 0; k < nm; k++)
		group_add(&ih->rules[m[k].rule], s, &m[k]);
	return s;
}

/* ---------------------------------------------------------------- API */

struct inhibitor *inhibitor_new(const struct config_inhibit *rules, size_t n)
{
	struct inhibitor *ih = xcalloc(1, sizeof *ih);

	ih->rules = n ? xcalloc(n, sizeof *ih->rules) : NULL;
	ih->nrules = n;
	for (size_t i = 0; i < n; i++)
		ih->rules[i].rule = &rules[i];
	ih->examined = xcalloc(1, sizeof *ih->examined);
	return ih;
}

void inhibitor_free(struct inhibitor *ih)
{
	if (!ih)
		return;
	for (size_t i = 0; i < ih->cap; i++)
		while (ih->tab[i])
			source_drop(ih, &ih->tab[i]);
	for (size_t r = 0; r < ih->nrules; r++) {
		assert(ih->rules[r].n == 0);
		free(ih->rules[r].tab);
	}
	free(ih->rules);
	free(ih->tab);
	free(ih->examined);
	free(ih);
}

void inhibitor_put(struct inhibitor *ih, const struct labels *l,
		   int64_t ends_at)
{
	struct source **pp = source_slot(ih, l->fp), *s;

	if (pp && *pp) {
		if (labels_equal((*pp)->l, l)) {
			(*pp)->ends_at = ends_at;
			return;
		}
		source_drop(ih, pp);	/* a fingerprint collision: newest wins */
	}
	s = source_new(ih, l, ends_at);
	if (!s)
		return;
	if (ih->n >= ih->cap)
		sources_grow(ih);
	pp = &ih->tab[slot(l->fp, ih->cap)];
	s->next = *pp;
	*pp = s;
	ih->n++;
}

void inhibitor_remove(struct inhibitor *ih, uint64_t fp)
{
	struct source **pp = source_slot(ih, fp);

	if (pp && *pp)
		source_drop(ih, pp);
}

/* The first source in list k of g unresolved at now, or NULL. */
static const struct source *live_source(const struct group *g, int k,
					int64_t now, uint64_t *examined)
{
	for (size_t i = 0; i < g->n[k]; i++) {
		const struct source *s = g->v[k][i];

		(*examined)++;
		if (s->ends_at == 0 || s->ends_at > now)
			return s;
	}
	return NULL;
}

/* The first source of rule ri that inhibits target at now, or NULL. */
static const struct source *rule_source(const struct rule_index *ri,
					const struct labels *target,
					int64_t now, uint64_t *examined)
{
	const struct config_inhibit *r = ri->rule;
	const struct group *g;
	const struct source *s;

	if (!matchers_match(&r->target, target))
		return NULL;
	g = group_find(ri, equal_hash(r, target), target);
	if (!g)
		return NULL;
	s = live_source(g, LIST_SOURCE, now, examined);
	/* A target matching both sides is not inhibited by such sources. */
	if (!s && !matchers_match(&r->source, target))
		s = live_source(g, LIST_BOTH, now, examined);
	return s;
}

int inhibitor_mutes(const struct inhibitor *ih, const struct labels *target,
		    int64_t now, uint64_t *by_fp)
{
	for (size_t r = 0; r < ih->nrules; r++) {
		const struct source *s =
			rule_source(&ih->rules[r], target, now, ih->examined);

		if (s) {
			if (by_fp)
				*by_fp = s->l->fp;
			return 1;
		}
	}
	return 0;
}

size_t inhibitor_count(const struct inhibitor *ih)
{
	return ih->n;
}

uint64_t inhibitor_examined(const struct inhibitor *ih)
{
	return *ih->examined;
}
