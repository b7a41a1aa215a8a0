/*
 * config_route.c - the routing tree and inhibit rules.
 *
 * Routes are validated as Alertmanager 0.25 validates them (Route and
 * Config.UnmarshalYAML, with its messages) and built as dispatch.NewRoute
 * builds them: options inherited from the parent, matchers from match,
 * match_re and matchers merged and sorted.  Receivers and time interval
 * names are resolved here, so they must be loaded first.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "duration.h"

static const char *const route_keys[] = {
	"receiver", "group_by", "match", "match_re", "matchers",
	"mute_time_intervals", "active_time_intervals", "continue", "routes",
	"group_wait", "group_interval", "repeat_interval", NULL};
static const char *const inhibit_keys[] = {
	"source_match", "source_match_re", "source_matchers", "target_match",
	"target_match_re", "target_matchers", "equal", NULL};

/* ---------------------------------------------------------- matchers */

/* Adds one match / match_re pair; returns 0 or -1 after an error. */
static int match_pair(struct cload *l, const struct ynode *k,
		      const struct ynode *v, int regex, struct matchers *out)
{
	struct matcher m;
	struct buf err = {0};
	char *q = config_quote(k->str), *anchored;
	int rc = -1;

	if (!labels_name_legacy(k->str)) {
		cl_err(l, k, "invalid label name %s", q);
	} else if (v->kind == YNODE_SEQ || v->kind == YNODE_MAP) {
		cl_err(l, v, "value of %s must be a string", q);
	} else if (regex && v->kind == YNODE_NULL) {
		cl_err(l, k, "invalid regexp value for %s", q);
	} else if (!regex) {
		if (matcher_init(&m, k->str, MATCHER_EQ, ydoc_text(v), &err) == 0) {
			matchers_push(out, &m);
			rc = 0;
		}
	} else if (matcher_init(&m, k->str, MATCHER_RE, v->str, &err) == 0) {
		/* 0.25 keeps the anchored source as the matcher's value; it
		 * shows in route keys, hence in group keys. */
		matcher_free(&m);
		anchored = xasprintf("^(?:%s)$", v->str);
		if (matcher_init(&m, k->str, MATCHER_RE, anchored, &err) == 0) {
			matchers_push(out, &m);
			rc = 0;
		}
		free(anchored);
	}
	if (err.len)
		cl_err(l, v, "%s", buf_str(&err));
	buf_free(&err);
	free(q);
	return rc;
}

void config_match_load(struct cload *l, const struct ynode *m,
		       const char *key, int regex, struct matchers *out,
		       struct config_kv **kv, size_t *nkv)
{
	const struct ynode *map = NULL;

	*kv = NULL;
	*nkv = 0;
	if (ydoc_map(&l->y, m, key, &map) != 1 || map->n == 0)
		return;
	*kv = xcalloc(map->n, sizeof **kv);
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i];
		const struct ynode *v = map->items[2 * i + 1];

		if (match_pair(l, k, v, regex, out) < 0)
			continue;
		(*kv)[*nkv].name = xstrdup(k->str);
		(*kv)[*nkv].value = xstrdup(ydoc_text(v));
		(*nkv)++;
	}
	qsort(*kv, *nkv, sizeof **kv, config_kv_cmp);
}

/* The classic grammar of Alertmanager 0.25 names labels with
 * [a-zA-Z_:][a-zA-Z0-9_:]*; other names parse (UTF-8 grammar, 0.27+)
 * but 0.25 refuses the file, which is worth a warning. */
static int classic_name(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_' || *s == ':'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == ':'))
			return 0;
	return 1;
}

static void classic_names(struct cload *l, const struct ynode *it,
			  const struct matchers *ms, size_t from)
{
	for (size_t i = from; i < ms->n; i++) {
		char *q;

		if (classic_name(ms->v[i].name))
			continue;
		q = config_quote(ms->v[i].name);
		cl_warn(l, it, "label name %s needs the UTF-8 matcher syntax of Alertmanager 0.27+; Alertmanager 0.25 rejects this file",
			q);
		free(q);
	}
}

void config_matchers_load(struct cload *l, const struct ynode *m,
			  const char *key, struct matchers *out, char ***strs,
			  size_t *nstrs)
{
	const struct ynode *s = cl_seq(l, m, key);

	*strs = NULL;
	*nstrs = 0;
	if (!s || s->n == 0)
		return;
	*strs = xcalloc(s->n, sizeof **strs);
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *it = s->items[i];
		struct buf err = {0}, warn = {0};

		if (it->kind == YNODE_SEQ || it->kind == YNODE_MAP) {
			cl_err(l, it, "%s: expected a string, got a %s", key,
			       it->kind == YNODE_SEQ ? "sequence" : "mapping");
			continue;
		}
		size_t before = out->n;

		if (matchers_parse(ydoc_text(it), out, &err, &warn) < 0)
			cl_err(l, it, "%s", buf_str(&err));
		else if (warn.len)
			cl_warn(l, it, "%s", buf_str(&warn));
		else
			classic_names(l, it, out, before);
		(*strs)[(*nstrs)++] = xstrdup(ydoc_text(it));
		buf_free(&err);
		buf_free(&warn);
	}
}

/* ------------------------------------------------------------ routes */

static void strv_copy(char ***dst, size_t *ndst, char *const *src, size_t n)
{
	*dst = n ? xcalloc(n, sizeof **dst) : NULL;
	for (size_t i = 0; i < n; i++)
		(*dst)[i] = xstrdup(src[i]);
	*ndst = n;
}

/* The options a route starts from: its parent's, or the defaults. */
static void route_inherit(struct route *r, const struct route *parent)
{
	r->parent = (struct route *)parent;
	r->group_wait_ms = CONFIG_DEFAULT_GROUP_WAIT;
	r->group_interval_ms = CONFIG_DEFAULT_GROUP_INTERVAL;
	r->repeat_interval_ms = CONFIG_DEFAULT_REPEAT_INTERVAL;
	if (!parent) {
		r->receiver = xstrdup("");
		return;
	}
	r->receiver = xstrdup(parent->receiver);
	r->recv = parent->recv;
	strv_copy(&r->group_by, &r->ngroup_by, parent->group_by,
		  parent->ngroup_by);
	r->group_by_all = parent->group_by_all;
	r->group_wait_ms = parent->group_wait_ms;
	r->group_interval_ms = parent->group_interval_ms;
	r->repeat_interval_ms = parent->repeat_interval_ms;
}

/* Checks one group_by item; returns 1 for '...', 0 for a name, -1 bad. */
static int group_by_item(struct cload *l, const struct ynode *it,
			 char **names, size_t n)
{
	const char *s = ydoc_text(it);
	char *q;

	if (strcmp(s, "...") == 0)
		return 1;
	q = config_quote(s);
	if (it->kind == YNODE_SEQ || it->kind == YNODE_MAP) {
		cl_err(l, it, "group_by: expected a string");
	} else if (!labels_name_legacy(s)) {
		cl_err(l, it, "invalid label name %s in group_by list", q);
	} else {
		for (size_t i = 0; i < n; i++)
			if (strcmp(names[i], s) == 0) {
				cl_err(l, it, "duplicated label %s in group_by", q);
				free(q);
				return -1;
			}
		free(q);
		return 0;
	}
	free(q);
	return -1;
}

/* group_by: names replace the inherited list; a lone '...' sets
 * group_by_all; an empty list changes nothing (the 0.25 quirk). */
static void route_group_by(struct cload *l, const struct ynode *n,
			   struct route *r)
{
	const struct ynode *s = cl_seq(l, n, "group_by");
	char **names;
	size_t nn = 0;
	int all = 0;

	if (!s)
		return;
	r->set |= ROUTE_SET_GROUP_BY;
	r->group_by_own = cl_strlist(l, n, "group_by", &r->ngroup_by_own);
	names = xcalloc(s->n + 1, sizeof *names);
	for (size_t i = 0; i < s->n; i++) {
		int k = group_by_item(l, s->items[i], names, nn);

		if (k == 1)
			all = 1;
		else if (k == 0)
			names[nn++] = xstrdup(ydoc_text(s->items[i]));
	}
	if (all && nn)
		cl_err(l, s, "cannot have wildcard group_by (`...`) and other other labels at the same time");
	if (nn) {
		config_strv_free(r->group_by, r->ngroup_by);
		r->group_by = names;
		r->ngroup_by = nn;
		r->group_by_all = 0;
		return;
	}
	free(names);
	if (all)
		r->group_by_all = 1;
}

static void route_timers(struct cload *l, const struct ynode *n,
			 struct route *r)
{
	int set;

	r->group_wait_ms = cl_duration(l, n, "group_wait", r->group_wait_ms, &set);
	r->set |= set ? ROUTE_SET_GROUP_WAIT : 0;
	r->group_interval_ms = cl_duration(l, n, "group_interval",
					   r->group_interval_ms, &set);
	r->set |= set ? ROUTE_SET_GROUP_INTERVAL : 0;
	if (set && r->group_interval_ms == 0)
		cl_err(l, cl_pos(n, "group_interval"), "group_interval cannot be zero");
	r->repeat_interval_ms = cl_duration(l, n, "repeat_interval",
					    r->repeat_interval_ms, &set);
	r->set |= set ? ROUTE_SET_REPEAT_INTERVAL : 0;
	if (set && r->repeat_interval_ms == 0)
		cl_err(l, cl_pos(n, "repeat_interval"), "repeat_interval cannot be zero");
}

static void route_receiver(struct cload *l, const struct ynode *n,
			   struct route *r)
{
	char *name = cl_str(l, n, "receiver", NULL);
	char *q;

	if (!name[0]) {
		free(name);
		return;
	}
	free(r->receiver);
	r->receiver = name;
	r->set |= ROUTE_SET_RECEIVER;
	r->recv = config_receiver_find(l->cfg, name);
	if (r->recv)
		return;
	q = config_quote(name);
	cl_err(l, cl_pos(n, "receiver"), "undefined receiver %s used in route", q);
	free(q);
}

/* Names of mute / active time intervals must be defined. */
static char **route_intervals(struct cload *l, const struct ynode *n,
			      const char *key, size_t *count)
{
	const struct ynode *s = ydoc_get(n, key);
	char **v = cl_strlist(l, n, key, count);

	for (size_t i = 0; i < *count; i++) {
		char *q;

		if (config_time_interval_find(l->cfg, v[i]))
			continue;
		q = config_quote(v[i]);
		cl_err(l, s && i < s->n ? s->items[i] : n,
		       "undefined time interval %s used in route", q);
		free(q);
	}
	return v;
}

static void route_matchers(struct cload *l, const struct ynode *n,
			   struct route *r)
{
	config_match_load(l, n, "match", 0, &r->matchers, &r->match, &r->nmatch);
	config_match_load(l, n, "match_re", 1, &r->matchers, &r->match_re,
			  &r->nmatch_re);
	config_matchers_load(l, n, "matchers", &r->matchers, &r->matcher_strs,
			     &r->nmatcher_strs);
	matchers_sort(&r->matchers);
}

static void route_warn_intervals(struct cload *l, const struct ynode *n,
				 const struct route *r)
{
	char a[32], b[32];

	/* Only where one of the two is set, not on every inheriting child. */
	if (r->repeat_interval_ms >= r->group_interval_ms ||
	    !(r->set & (ROUTE_SET_GROUP_INTERVAL | ROUTE_SET_REPEAT_INTERVAL)))
		return;
	duration_format(r->repeat_interval_ms, a, sizeof a);
	duration_format(r->group_interval_ms, b, sizeof b);
	cl_warn(l, cl_pos(n, "repeat_interval"), "repeat_interval (%s) is less than group_interval (%s); notifications will not repeat until the next group_interval",
		a, b);
}

static void route_load(struct cload *l, const struct ynode *n,
		       struct route *r, const struct route *parent);

static void route_children(struct cload *l, const struct ynode *n,
			   struct route *r)
{
	const struct ynode *s = cl_seq(l, n, "routes");

	if (!s || s->n == 0)
		return;
	if (l->nroutes + s->n > CONFIG_MAX_ROUTES) {
		if (l->nroutes <= CONFIG_MAX_ROUTES)
			cl_err(l, s, "the route tree has more than %d routes",
			       CONFIG_MAX_ROUTES);
		l->nroutes = CONFIG_MAX_ROUTES + 1;
		return;
	}
	l->nroutes += s->n;
	r->routes = xcalloc(s->n, sizeof *r->routes);
	r->nroutes = s->n;
	for (size_t i = 0; i < s->n; i++)
		route_load(l, s->items[i], &r->routes[i], r);
}

static void route_load(struct cload *l, const struct ynode *n,
		       struct route *r, const struct route *parent)
{
	r->line = n->line;
	r->col = n->col;
	route_inherit(r, parent);
	if (n->kind != YNODE_MAP) {
		cl_err(l, n, "route: expected a mapping, got %s",
		       n->kind == YNODE_NULL ? "null" :
		       n->kind == YNODE_SEQ ? "a sequence" : "a scalar");
		return;
	}
	cl_keys(l, n, "route", route_keys);
	route_receiver(l, n, r);
	route_group_by(l, n, r);
	route_timers(l, n, r);
	r->cont = cl_bool(l, n, "continue", 0);
	route_matchers(l, n, r);
	r->mute_time_intervals = route_intervals(l, n, "mute_time_intervals",
						 &r->nmute_time_intervals);
	r->active_time_intervals = route_intervals(
		l, n, "active_time_intervals", &r->nactive_time_intervals);
	route_warn_intervals(l, n, r);
	route_children(l, n, r);
}

/* The rules only the root must follow. */
static void route_root_checks(struct cload *l, const struct ynode *n,
			      const struct route *r)
{
	if (!r->receiver[0])
		cl_err(l, n, "root route must specify a default receiver");
	if (r->matchers.n) {
		const struct ynode *at = ydoc_get_key(n, "match");

		at = at ? at : ydoc_get_key(n, "match_re");
		at = at ? at : ydoc_get_key(n, "matchers");
		cl_err(l, at ? at : n, "root route must not have any matchers");
	}
	if (r->nmute_time_intervals)
		cl_err(l, ydoc_get_key(n, "mute_time_intervals"),
		       "root route must not have any mute time intervals");
	if (r->nactive_time_intervals)
		cl_err(l, ydoc_get_key(n, "active_time_intervals"),
		       "root route must not have any active time intervals");
	if (r->cont)
		cl_err(l, ydoc_get_key(n, "continue"),
		       "cannot have continue in root route");
}

void config_route_load(struct cload *l, const struct ynode *n)
{
	struct route *r = xcalloc(1, sizeof *r);

	l->cfg->route = r;
	route_load(l, n, r, NULL);
	if (n->kind == YNODE_MAP)
		route_root_checks(l, n, r);
}

void config_route_free(struct route *r)
{
	for (size_t i = 0; i < r->nroutes; i++)
		config_route_free(&r->routes[i]);
	free(r->routes);
	free(r->receiver);
	config_strv_free(r->group_by, r->ngroup_by);
	config_strv_free(r->group_by_own, r->ngroup_by_own);
	matchers_free(&r->matchers);
	config_strv_free(r->mute_time_intervals, r->nmute_time_intervals);
	config_strv_free(r->active_time_intervals, r->nactive_time_intervals);
	config_kv_free(r->match, r->nmatch);
	config_kv_free(r->match_re, r->nmatch_re);
	config_strv_free(r->matcher_strs, r->nmatcher_strs);
}

/* ----------------------------------------------------- inhibit rules */

static void inhibit_equal(struct cload *l, const struct ynode *n,
			  struct config_inhibit *r)
{
	const struct ynode *s = ydoc_get(n, "equal");

	if (!cl_seq(l, n, "equal") || s->n == 0)
		return;
	r->equal = xcalloc(s->n, sizeof *r->equal);
	for (size_t i = 0; i < s->n; i++) {
		const char *v = ydoc_text(s->items[i]);
		char *q;

		/* A null item is skipped: yaml.v2 never validates it. */
		if (s->items[i]->kind == YNODE_NULL)
			continue;
		if (s->items[i]->kind == YNODE_SCALAR && labels_name_legacy(v)) {
			r->equal[r->nequal++] = xstrdup(v);
			continue;
		}
		q = config_quote(v);
		cl_err(l, s->items[i], "%s is not a valid label name", q);
		free(q);
	}
}

static void inhibit_load(struct cload *l, const struct ynode *n,
			 struct config_inhibit *r)
{
	r->line = n->line;
	r->col = n->col;
	if (n->kind == YNODE_NULL)
		return;		/* an empty rule is legal */
	if (cl_keys(l, n, "inhibit rule", inhibit_keys))
		return;
	config_match_load(l, n, "source_match", 0, &r->source,
			  &r->source_match, &r->nsource_match);
	config_match_load(l, n, "source_match_re", 1, &r->source,
			  &r->source_match_re, &r->nsource_match_re);
	config_matchers_load(l, n, "source_matchers", &r->source,
			     &r->source_matcher_strs, &r->nsource_matcher_strs);
	config_match_load(l, n, "target_match", 0, &r->target,
			  &r->target_match, &r->ntarget_match);
	config_match_load(l, n, "target_match_re", 1, &r->target,
			  &r->target_match_re, &r->ntarget_match_re);
	config_matchers_load(l, n, "target_matchers", &r->target,
			     &r->target_matcher_strs, &r->ntarget_matcher_strs);
	matchers_sort(&r->source);
	matchers_sort(&r->target);
	inhibit_equal(l, n, r);
}

void config_inhibit_load(struct cload *l, const struct ynode *seq)
{
	struct config *c = l->cfg;

	if (!seq || seq->n == 0)
		return;
	c->inhibit_rules = xcalloc(seq->n, sizeof *c->inhibit_rules);
	c->ninhibit_rules = seq->n;
	for (size_t i = 0; i < seq->n; i++)
		inhibit_load(l, seq->items[i], &c->inhibit_rules[i]);
}

void config_inhibit_free(struct config_inhibit *r)
{
	matchers_free(&r->source);
	matchers_free(&r->target);
	config_strv_free(r->equal, r->nequal);
	config_kv_free(r->source_match, r->nsource_match);
	config_kv_free(r->source_match_re, r->nsource_match_re);
	config_kv_free(r->target_match, r->ntarget_match);
	config_kv_free(r->target_match_re, r->ntarget_match_re);
	config_strv_free(r->source_matcher_strs, r->nsource_matcher_strs);
	config_strv_free(r->target_matcher_strs, r->ntarget_matcher_strs);
}
