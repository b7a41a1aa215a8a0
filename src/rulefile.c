/*
 * rulefile.c - Prometheus rule file loading and validation.
 *
 * The YAML tree is walked once; every problem is added to the diagnostics
 * with the position of the node at fault, and loading goes on so that the
 * user sees all problems of a file at once.  Messages use promtool's words
 * ("group \"g\", rule 2, \"Name\": invalid field 'for' in recording rule").
 */
#include "rulefile.h"

#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "tmpl.h"
#include "ydoc.h"

static const char *const file_keys[] = {"groups", NULL};
static const char *const group_keys[] = {"name",  "interval", "query_offset",
					 "limit", "labels",   "rules",
					 NULL};
static const char *const rule_keys[] = {"record", "alert",  "expr",
					"for",	  "keep_firing_for", "labels",
					"annotations", NULL};

/* Where one rule is being validated, for promtool-style prefixes. */
struct rule_at {
	struct yctx *c;
	const char *group;
	size_t index;		/* 1-based */
	const char *name;
};

static void rule_err(struct rule_at *at, const struct ynode *n,
		     const char *fmt, ...) PRINTF_LIKE(3, 4);

static void rule_err(struct rule_at *at, const struct ynode *n,
		     const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;

	buf_puts(&b, "group ");
	buf_quote(&b, at->group);
	buf_printf(&b, ", rule %zu, ", at->index);
	buf_quote(&b, at->name);
	buf_puts(&b, ": ");
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ydoc_err(at->c, n, "%s", b.s);
	buf_free(&b);
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rule_kv *)a)->name,
		      ((const struct rule_kv *)b)->name);
}

static void kv_free(struct rule_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/*
 * Reads a mapping of strings under key into a new sorted array.  Scalars of
 * any style are taken as text (YAML 5 becomes "5"), as Go's decoder does for
 * map[string]string.  Returns the number of entries; *out is NULL when 0.
 */
static size_t read_kv(struct yctx *c, const struct ynode *map, const char *key,
		      struct rule_kv **out)
{
	const struct ynode *m = NULL;
	struct rule_kv *v;
	size_t n = 0;

	*out = NULL;
	if (ydoc_map(c, map, key, &m) != 1 || m->n == 0)
		return 0;
	v = xcalloc(m->n, sizeof *v);
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *val = m->items[2 * i + 1];

		if (val->kind == YNODE_SEQ || val->kind == YNODE_MAP) {
			ydoc_err(c, val, "%s: value of \"%s\" must be a string",
				 key, m->items[2 * i]->str);
			continue;
		}
		v[n].name = xstrdup(m->items[2 * i]->str);
		v[n].value = xstrdup(ydoc_text(val));
		n++;
	}
	qsort(v, n, sizeof *v, kv_cmp);
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	return n;
}

/*
 * Label names: non-empty UTF-8, never __name__; values: valid UTF-8.  Errors
 * point at the offending key inside the mapping under key in rn.
 */
static void check_labels(struct rule_at *at, const struct ynode *rn,
			 const char *key, const struct rule_kv *v, size_t n,
			 const char *what)
{
	const struct ynode *map = ydoc_get(rn, key);
	int is_label = strcmp(what, "label") == 0;

	for (size_t i = 0; i < n; i++) {
		const char *name = v[i].name;
		const struct ynode *pos = ydoc_get_key(map, name);

		if (!pos)
			pos = rn;
		if (!labels_name_valid(name) ||
		    (is_label && strcmp(name, "__name__") == 0))
			rule_err(at, pos, "invalid %s name: %s", what, name);
		if (is_label && !utf8_valid(v[i].value, strlen(v[i].value)))
			rule_err(at, pos, "invalid label value: %s",
				 v[i].value);
	}
}

/*
 * Alerting-rule labels and annotations are templates: each must parse as
 * Prometheus parses it (its $labels/$value prelude and function set), with
 * promtool's message: label "x": template: __alert_A:1: ...
 */
static void check_templates(struct rule_at *at, const struct ynode *rn,
			    const char *key, const struct rule_kv *v, size_t n,
			    const char *what)
{
	const struct ynode *map = ydoc_get(rn, key);

	for (size_t i = 0; i < n; i++) {
		struct buf err = {0}, q = {0};
		const struct ynode *pos = ydoc_get(map, v[i].name);

		if (tmpl_check_rule(at->name, v[i].value, &err) < 0) {
			buf_quote(&q, v[i].name);
			rule_err(at, pos ? pos : rn, "%s %s: %s", what,
				 buf_str(&q), buf_str(&err));
		}
		buf_free(&err);
		buf_free(&q);
	}
}

/* The node a rule's errors point at: its alert/record value, else the rule. */
static const struct ynode *rule_anchor(const struct ynode *rn)
{
	const struct ynode *n = ydoc_get(rn, "alert");

	if (!n || n->kind == YNODE_NULL || !*ydoc_text(n))
		n = ydoc_get(rn, "record");
	if (!n || n->kind == YNODE_NULL || !*ydoc_text(n))
		return rn;
	return n;
}

static void check_recording(struct rule_at *at, const struct ynode *rn,
			    const struct rule *r)
{
	const struct ynode *pos = rule_anchor(rn);

	if (r->nannotations)
		rule_err(at, pos, "invalid field 'annotations' in recording rule");
	if (r->for_ms)
		rule_err(at, pos, "invalid field 'for' in recording rule");
	if (r->keep_firing_for_ms)
		rule_err(at, pos,
			 "invalid field 'keep_firing_for' in recording rule");
	if (!labels_metric_name_legacy(r->name))
		rule_err(at, pos, "invalid recording rule name: %s", r->name);
}

/* Fills r from the rule mapping rn; returns the number of errors added. */
static size_t load_rule(struct yctx *c, const struct ynode *rn,
			const char *group, size_t index, struct rule *r)
{
	const char *record = "", *alert = "", *expr = "";
	size_t before = c->d->nerrors;
	struct rule_at at = {c, group, index, ""};
	const struct ynode *pos, *expr_at;
	int bad_name, bad_expr;

	if (rn->kind != YNODE_MAP) {
		struct buf q = {0};

		buf_quote(&q, group);
		ydoc_err(c, rn, "group %s, rule %zu: expected a mapping",
			 buf_str(&q), index);
		buf_free(&q);
		return 1;
	}
	ydoc_check_map(c, rn, "rule", rule_keys);
	/* A field of the wrong type was reported; don't also call it unset. */
	bad_name = ydoc_str(c, rn, "record", &record) < 0;
	bad_name |= ydoc_str(c, rn, "alert", &alert) < 0;
	bad_expr = ydoc_str(c, rn, "expr", &expr) < 0;
	ydoc_duration(c, rn, "for", &r->for_ms);
	ydoc_duration(c, rn, "keep_firing_for", &r->keep_firing_for_ms);
	r->nlabels = read_kv(c, rn, "labels", &r->labels);
	r->nannotations = read_kv(c, rn, "annotations", &r->annotations);
	r->kind = *record ? RULE_RECORD : RULE_ALERT;
	/* promtool names a rule by its alert when both are (wrongly) set. */
	r->name = xstrdup(*alert ? alert : record);
	r->expr = xstrdup(expr);
	pos = rule_anchor(rn);
	r->line = pos->line;
	r->col = pos->col;
	/* A name merged in ("<<: *base") or shared by an alias was written
	 * before this rule; the rule's own position then tells the rules
	 * apart (lint messages). */
	if (pos->line < rn->line ||
	    (pos->line == rn->line && pos->col < rn->col)) {
		r->line = rn->line;
		r->col = rn->col;
	}
	at.name = r->name;

	/* Positions are promtool's where it has one: the record value for
	 * both-set (it adds the alert's), the expr value for a missing expr. */
	if (*record && *alert)
		rule_err(&at, ydoc_get(rn, "record"),
			 "only one of 'record' and 'alert' must be set");
	else if (!*record && !*alert && !bad_name)
		rule_err(&at, pos, "one of 'record' or 'alert' must be set");
	expr_at = ydoc_get(rn, "expr");
	if (!*expr && !bad_expr)
		rule_err(&at, expr_at ? expr_at : pos,
			 "field 'expr' must be set in rule");
	if (*record)
		check_recording(&at, rn, r);
	check_labels(&at, rn, "labels", r->labels, r->nlabels, "label");
	if (!*record) {
		check_labels(&at, rn, "annotations", r->annotations,
			     r->nannotations, "annotation");
		check_templates(&at, rn, "labels", r->labels, r->nlabels,
				"label");
		check_templates(&at, rn, "annotations", r->annotations,
				r->nannotations, "annotation");
	}
	return c->d->nerrors - before;
}

static void rule_free(struct rule *r)
{
	free(r->name);
	free(r->expr);
	kv_free(r->labels, r->nlabels);
	kv_free(r->annotations, r->nannotations);
}

static void load_group_labels(struct yctx *c, const struct ynode *gn,
			      struct rule_group *g)
{
	g->nlabels = read_kv(c, gn, "labels", &g->labels);
	for (size_t i = 0; i < g->nlabels; i++) {
		const char *name = g->labels[i].name;

		if (!labels_name_valid(name) || strcmp(name, "__name__") == 0)
			ydoc_err(c, ydoc_get_key(gn, "labels"),
				 "invalid label name: %s", name);
		if (!utf8_valid(g->labels[i].value, strlen(g->labels[i].value)))
			ydoc_err(c, ydoc_get_key(gn, "labels"),
				 "invalid label value: %s", g->labels[i].value);
	}
}

/* promtool's check that group g's name is not one of the groups before it
 * (rf->groups[0 .. rf->ngroups-1]); unnamed groups get their own error. */
static void check_group_name(struct yctx *c, const struct rulefile *rf,
			     const struct rule_group *g)
{
	if (!*g->name)
		return;
	for (size_t j = 0; j < rf->ngroups; j++) {
		if (strcmp(rf->groups[j].name, g->name) == 0) {
			diag_add(c->d, DIAG_ERROR, c->file, g->line, g->col,
				 "groupname: \"%s\" is repeated in the same file",
				 g->name);
			return;
		}
	}
}

/* Fills g from gn; rf holds the groups before it, for the name check.
 * Errors come in promtool's order: the group's name, then its rules. */
static void load_group(struct yctx *c, const struct ynode *gn,
		       const struct rulefile *rf, struct rule_group *g)
{
	const struct ynode *rules = NULL;
	const char *s = "";
	int bad_name;

	ydoc_check_map(c, gn, "rule group", group_keys);
	bad_name = ydoc_str(c, gn, "name", &s) < 0;
	g->name = xstrdup(s);
	/* Group errors point at the group's mapping, as promtool's do. */
	g->line = gn->line;
	g->col = gn->col;
	if (!*s && !bad_name)
		ydoc_err(c, gn, "Groupname must not be empty");
	check_group_name(c, rf, g);
	ydoc_duration(c, gn, "interval", &g->interval_ms);
	if (ydoc_duration(c, gn, "query_offset", &g->query_offset_ms) == 1)
		g->has_query_offset = 1;
	ydoc_int(c, gn, "limit", &g->limit);
	load_group_labels(c, gn, g);
	if (ydoc_seq(c, gn, "rules", &rules) != 1)
		return;
	g->rules = xcalloc(rules->n, sizeof *g->rules);
	for (size_t i = 0; i < rules->n; i++) {
		/* Go's decoder drops null items ("- " alone) from the list
		 * and numbers the rules that remain. */
		if (rules->items[i]->kind == YNODE_NULL)
			continue;
		load_rule(c, rules->items[i], g->name, g->nrules + 1,
			  &g->rules[g->nrules]);
		g->nrules++;
	}
}

/*
 * Builds the rule file from doc.  before is d->nerrors ahead of parsing, so
 * that errors the tree builder reported without failing (duplicate keys, bad
 * merges) also make the file invalid.
 */
static struct rulefile *load_doc(struct ydoc *doc, struct diags *d,
				 size_t before)
{
	struct yctx c = {doc->file, d};
	struct rulefile *rf = xcalloc(1, sizeof *rf);
	const struct ynode *groups = NULL;

	rf->path = xstrdup(doc->file);
	if (doc->ndocs > 1)
		diag_add(d, DIAG_WARNING, doc->file, 0, 0,
			 "Multiple document yaml rules files are not supported, "
			 "only the first document is processed");
	/* Unknown keys beside groups don't stop the groups being checked. */
	ydoc_check_map(&c, doc->root, "rule file", file_keys);
	if (ydoc_seq(&c, doc->root, "groups", &groups) == 1) {
		rf->groups = xcalloc(groups->n, sizeof *rf->groups);
		for (size_t i = 0; i < groups->n; i++) {
			const struct ynode *gn = groups->items[i];

			if (gn->kind == YNODE_NULL)
				continue;	/* dropped, as by Go's decoder */
			if (gn->kind != YNODE_MAP) {
				ydoc_err(&c, gn, "rule group: expected a mapping");
				continue;
			}
			load_group(&c, gn, rf, &rf->groups[rf->ngroups]);
			rf->ngroups++;
		}
	}
	if (d->nerrors > before) {
		rulefile_free(rf);
		return NULL;
	}
	return rf;
}

struct rulefile *rulefile_load_buf(const char *name, const char *s, size_t n,
				   struct diags *d)
{
	size_t before = d->nerrors;
	struct ydoc *doc = ydoc_load_buf(name, s, n, d);
	struct rulefile *rf;

	if (!doc)
		return NULL;
	rf = load_doc(doc, d, before);
	ydoc_free(doc);
	return rf;
}

struct rulefile *rulefile_load(const char *path, struct diags *d)
{
	size_t before = d->nerrors;
	struct ydoc *doc = ydoc_load_file(path, d);
	struct rulefile *rf;

	if (!doc)
		return NULL;
	rf = load_doc(doc, d, before);
	ydoc_free(doc);
	return rf;
}

void rulefile_free(struct rulefile *rf)
{
	if (!rf)
		return;
	for (size_t i = 0; i < rf->ngroups; i++) {
		struct rule_group *g = &rf->groups[i];

		for (size_t j = 0; j < g->nrules; j++)
			rule_free(&g->rules[j]);
		free(g->rules);
		kv_free(g->labels, g->nlabels);
		free(g->name);
	}
	free(rf->groups);
	free(rf->path);
	free(rf);
}

size_t rulefile_count_rules(const struct rulefile *rf)
{
	size_t n = 0;

	for (size_t i = 0; i < rf->ngroups; i++)
		n += rf->groups[i].nrules;
	return n;
}

/* ------------------------------------------------------------------- lint */

/* A rule's static label set: group labels overlaid by rule labels. */
static struct labels *static_labels(const struct rule_group *g,
				    const struct rule *r)
{
	struct labels_builder b = {0};
	struct labels *l;

	for (size_t i = 0; i < g->nlabels; i++)
		labels_builder_set(&b, g->labels[i].name, g->labels[i].value);
	for (size_t i = 0; i < r->nlabels; i++)
		labels_builder_set(&b, r->labels[i].name, r->labels[i].value);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* One rule in the lint's sorted view; idx keeps file order. */
struct lint_item {
	const struct rule *r;
	struct labels *l;
	size_t idx;
};

/* Orders by name, then label set, then file order. */
static int lint_cmp(const void *pa, const void *pb)
{
	const struct lint_item *a = pa, *b = pb;
	int c = strcmp(a->r->name, b->r->name);

	if (c == 0)
		c = labels_cmp(a->l, b->l);
	if (c == 0)
		c = (a->idx > b->idx) - (a->idx < b->idx);
	return c;
}

static int lint_same(const struct lint_item *a, const struct lint_item *b)
{
	return strcmp(a->r->name, b->r->name) == 0 && labels_equal(a->l, b->l);
}

/* Warns about the run v[0..n) of equal rules at its first occurrence. */
static void lint_report(const char *path, const struct lint_item *v, size_t n,
			struct diags *d)
{
	struct buf lines = {0}, lb = {0};

	for (size_t i = 1; i < n; i++)
		buf_printf(&lines, "%s%d", i > 1 ? ", " : "", v[i].r->line);
	labels_format(v[0].l, &lb);
	diag_add(d, DIAG_WARNING, path, v[0].r->line, v[0].r->col,
		 "duplicate rule: \"%s\" with labels %s is defined again at line %s",
		 v[0].r->name, buf_str(&lb), buf_str(&lines));
	buf_free(&lines);
	buf_free(&lb);
}

/*
 * Sorting makes equal rules neighbours, so the lint costs O(n log n) even
 * for files of many thousand rules.  Warnings come out in name order.
 */
size_t rulefile_lint_duplicates(const struct rulefile *rf, struct diags *d)
{
	size_t total = rulefile_count_rules(rf), k = 0, dups = 0;
	struct lint_item *v = xcalloc(total ? total : 1, sizeof *v);

	for (size_t i = 0; i < rf->ngroups; i++) {
		for (size_t j = 0; j < rf->groups[i].nrules; j++, k++) {
			v[k].r = &rf->groups[i].rules[j];
			v[k].l = static_labels(&rf->groups[i], v[k].r);
			v[k].idx = k;
		}
	}
	qsort(v, total, sizeof *v, lint_cmp);
	for (size_t i = 0; i < total;) {
		size_t n = 1;

		while (i + n < total && lint_same(&v[i], &v[i + n]))
			n++;
		if (n > 1) {
			lint_report(rf->path, &v[i], n, d);
			dups++;
		}
		i += n;
	}
	for (size_t i = 0; i < total; i++)
		labels_free(v[i].l);
	free(v);
	return dups;
}
