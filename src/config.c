/*
 * config.c - loading the configuration file: the top-level walk, the
 * amtool-style summary, lookups and release.  Sections live in their own
 * files (config_global.c, config_receivers.c, config_route.c,
 * config_timeinterval.c, config_tocsin.c); config_dump.c prints the
 * result back as YAML.
 *
 * Order matters for Alertmanager's checks: global first (integrations fall
 * back to it), then time intervals and receivers (routes name them), then
 * the route tree, inhibit rules, templates and Tocsin's sections.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static const char *const top_keys[] = {
	"global", "route", "inhibit_rules", "receivers", "templates",
	"mute_time_intervals", "time_intervals",
	/* Tocsin's sections. */
	"datasource", "rule_files", "evaluation", "alerting", "storage", NULL};

static void templates_load(struct cload *l, const struct ynode *root)
{
	struct config *c = l->cfg;

	c->templates = cl_globlist(l, root, "templates", &c->ntemplates);
}

static void route_section(struct cload *l, const struct ynode *root)
{
	const struct ynode *n = ydoc_get(root, "route");

	if (!n || n->kind == YNODE_NULL) {
		const struct ynode *k = ydoc_get_key(root, "route");

		cl_err(l, k ? k : root, "no routes provided");
		return;
	}
	config_route_load(l, n);
}

/* Walks the document; every problem goes to the diagnostics. */
static void config_walk(struct cload *l, const struct ynode *root)
{
	config_global_load(l, NULL);
	if (!root || root->kind == YNODE_NULL) {
		config_tocsin_load(l, NULL);
		cl_err(l, NULL, "no route provided in config");
		return;
	}
	if (cl_keys(l, root, "configuration", top_keys) &&
	    root->kind != YNODE_MAP) {
		config_tocsin_load(l, NULL);
		return;
	}
	config_global_free(&l->cfg->global);
	config_global_load(l, ydoc_get(root, "global"));
	config_time_intervals_load(l, cl_seq(l, root, "mute_time_intervals"), 1);
	config_time_intervals_load(l, cl_seq(l, root, "time_intervals"), 0);
	config_receivers_load(l, cl_seq(l, root, "receivers"));
	route_section(l, root);
	config_inhibit_load(l, cl_seq(l, root, "inhibit_rules"));
	templates_load(l, root);
	config_tocsin_load(l, root);
}

/* Orders the diagnostics added since start by position (stable). */
static void diags_sort_from(struct diags *d, size_t start)
{
	for (size_t i = start + 1; i < d->n; i++) {
		struct diag g = d->v[i];
		size_t j = i;

		while (j > start && (d->v[j - 1].line > g.line ||
				     (d->v[j - 1].line == g.line &&
				      d->v[j - 1].col > g.col))) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = g;
	}
}

struct config *config_load_buf(const char *name, const char *dir,
			       const char *s, size_t n, struct diags *d)
{
	size_t start = d->n, nerrors = d->nerrors;
	struct ydoc *doc = ydoc_load_buf(name, s, n, d);
	struct config *c;
	struct cload l;

	if (!doc)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->file = xstrdup(name);
	c->dir = xstrdup(dir && dir[0] ? dir : ".");
	l.y.file = c->file;
	l.y.d = d;
	l.dir = c->dir;
	l.cfg = c;
	l.nroutes = 1;
	config_walk(&l, doc->root);
	ydoc_free(doc);
	diags_sort_from(d, start);
	if (d->nerrors > nerrors) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *config_load(const char *path, struct diags *d)
{
	size_t len;
	char *s = file_read(path, &len);
	char *dir;
	struct config *c;

	if (!s) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "%s", strerror(errno));
		return NULL;
	}
	dir = path_dir(path);
	c = config_load_buf(path, dir, s, len, d);
	free(dir);
	free(s);
	return c;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	config_global_free(&c->global);
	if (c->route) {
		config_route_free(c->route);
		free(c->route);
	}
	for (size_t i = 0; i < c->nreceivers; i++)
		config_receiver_free(&c->receivers[i]);
	free(c->receivers);
	for (size_t i = 0; i < c->ninhibit_rules; i++)
		config_inhibit_free(&c->inhibit_rules[i]);
	free(c->inhibit_rules);
	for (size_t i = 0; i < c->ntime_intervals; i++)
		config_time_interval_free(&c->time_intervals[i]);
	free(c->time_intervals);
	config_strv_free(c->templates, c->ntemplates);
	config_tocsin_free(c);
	free(c->file);
	free(c->dir);
	free(c);
}

void config_summary(const struct config *c, FILE *out)
{
	fprintf(out, "Found:\n - global config\n");
	if (c->route)
		fprintf(out, " - route\n");
	fprintf(out, " - %zu inhibit rules\n", c->ninhibit_rules);
	fprintf(out, " - %zu receivers\n", c->nreceivers);
	fprintf(out, " - %zu templates\n", c->ntemplates);
	if (c->nrule_files)
		fprintf(out, " - %zu rule files\n", c->nrule_files);
}

struct config_receiver *config_receiver_find(const struct config *c,
					     const char *name)
{
	for (size_t i = 0; i < c->nreceivers; i++)
		if (strcmp(c->receivers[i].name, name) == 0)
			return &c->receivers[i];
	return NULL;
}

const struct config_time_interval *
config_time_interval_find(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->ntime_intervals; i++)
		if (strcmp(c->time_intervals[i].name, name) == 0)
			return &c->time_intervals[i];
	return NULL;
}
