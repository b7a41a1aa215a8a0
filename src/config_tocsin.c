/*
 * config_tocsin.c - Tocsin's own top-level sections: datasource (the
 * Prometheus HTTP API the evaluator queries), rule_files, evaluation,
 * alerting (extra Alertmanagers to forward to) and storage.  All are
 * optional; a plain alertmanager.yml loads with the defaults.
 */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

#define DEFAULT_DATASOURCE_TIMEOUT (30 * 1000LL)
#define DEFAULT_EVAL_INTERVAL (60 * 1000LL)
#define DEFAULT_RESEND_DELAY (60 * 1000LL)
#define DEFAULT_OUTAGE_TOLERANCE (60 * 60 * 1000LL)
#define DEFAULT_GRACE_PERIOD (10 * 60 * 1000LL)
#define DEFAULT_AM_TIMEOUT (10 * 1000LL)
#define DEFAULT_STORAGE_PATH "data/tocsin.db"

static const char *const datasource_keys[] = {
	"url", "timeout", "basic_auth", "authorization", "headers",
	"tls_config", NULL};
static const char *const evaluation_keys[] = {
	"interval", "query_offset", "resend_delay", "for_outage_tolerance",
	"for_grace_period", "group_concurrency", "external_labels",
	"external_url", NULL};
static const char *const alerting_keys[] = {"alertmanagers", NULL};
static const char *const am_keys[] = {"url", "timeout", NULL};
static const char *const storage_keys[] = {"path", NULL};

static void positive(struct cload *l, const struct ynode *m, const char *key,
		     const char *what, int64_t v)
{
	if (v <= 0)
		cl_err(l, cl_pos(m, key), "%s must be greater than zero", what);
}

static void datasource_load(struct cload *l, const struct ynode *n)
{
	struct config_datasource *ds = &l->cfg->datasource;
	struct config_http *h = &ds->http;

	if (!n || n->kind == YNODE_NULL ||
	    cl_keys(l, n, "datasource", datasource_keys))
		return;
	free(ds->url);
	ds->url = cl_url(l, n, "url", NULL);
	if (!cl_has(n, "url"))
		cl_err(l, n, "datasource: missing url");
	ds->timeout_ms = cl_duration(l, n, "timeout", DEFAULT_DATASOURCE_TIMEOUT, NULL);
	positive(l, n, "timeout", "datasource timeout", ds->timeout_ms);
	h->basic_auth = config_basic_auth_load(l, ydoc_get(n, "basic_auth"));
	h->authorization = config_authorization_load(l, ydoc_get(n, "authorization"));
	config_tls_load(l, ydoc_get(n, "tls_config"), &h->tls);
	ds->headers = cl_kv(l, n, "headers", &ds->nheaders);
	if (h->basic_auth && h->authorization)
		cl_err(l, n, "at most one of basic_auth & authorization must be configured");
	if (h->basic_auth && h->basic_auth->password[0] &&
	    h->basic_auth->password_file[0])
		cl_err(l, cl_pos(n, "basic_auth"),
		       "at most one of basic_auth password & password_file must be configured");
	if (h->authorization && h->authorization->credentials[0] &&
	    h->authorization->credentials_file[0])
		cl_err(l, cl_pos(n, "authorization"),
		       "at most one of authorization credentials & credentials_file must be configured");
}

static void rule_files_load(struct cload *l, const struct ynode *root)
{
	struct config *c = l->cfg;

	c->rule_files = cl_globlist(l, root, "rule_files", &c->nrule_files);
	if (c->nrule_files && !c->datasource.url[0] &&
	    !ydoc_get(root, "datasource"))
		cl_err(l, ydoc_get_key(root, "rule_files"),
		       "rule_files needs a datasource: add a datasource section with a url");
}

static void external_labels(struct cload *l, const struct ynode *n,
			    struct config_evaluation *ev)
{
	struct labels_builder b = {0};
	const struct ynode *map = ydoc_get(n, "external_labels");
	size_t nkv;
	struct config_kv *kv = cl_kv(l, n, "external_labels", &nkv);

	for (size_t i = 0; i < nkv; i++) {
		char *q;

		if (labels_name_legacy(kv[i].name)) {
			labels_builder_set(&b, kv[i].name, kv[i].value);
			continue;
		}
		q = config_quote(kv[i].name);
		cl_err(l, ydoc_get_key(map, kv[i].name),
		       "%s is not a valid label name", q);
		free(q);
	}
	labels_free(ev->external_labels);
	ev->external_labels = labels_builder_build(&b);
	labels_builder_free(&b);
	config_kv_free(kv, nkv);
}

/* group_concurrency (Tocsin's own): how many queries of one group
 * evaluation run at once, 1 to 64. */
static void group_concurrency(struct cload *l, const struct ynode *n,
			      struct config_evaluation *ev)
{
	const struct ynode *v = ydoc_get(n, "group_concurrency");
	unsigned long x;

	ev->group_concurrency = 1;
	if (!v || v->kind == YNODE_NULL)
		return;
	if (cl_count(v, 64, &x) == -1)
		cl_err(l, v, "group_concurrency: cannot parse \"%s\" as a "
			     "number of queries from 1 to 64",
		       ydoc_text(v));
	else
		ev->group_concurrency = (unsigned)x;
}

static void evaluation_load(struct cload *l, const struct ynode *n)
{
	struct config_evaluation *ev = &l->cfg->evaluation;

	if (!n || n->kind == YNODE_NULL ||
	    cl_keys(l, n, "evaluation", evaluation_keys))
		return;
	ev->interval_ms = cl_duration(l, n, "interval", DEFAULT_EVAL_INTERVAL, NULL);
	positive(l, n, "interval", "evaluation interval", ev->interval_ms);
	ev->query_offset_ms = cl_duration(l, n, "query_offset", 0, NULL);
	ev->resend_delay_ms = cl_duration(l, n, "resend_delay", DEFAULT_RESEND_DELAY, NULL);
	ev->for_outage_tolerance_ms = cl_duration(l, n, "for_outage_tolerance",
						  DEFAULT_OUTAGE_TOLERANCE, NULL);
	ev->for_grace_period_ms = cl_duration(l, n, "for_grace_period",
					      DEFAULT_GRACE_PERIOD, NULL);
	group_concurrency(l, n, ev);
	external_labels(l, n, ev);
	free(ev->external_url);
	ev->external_url = cl_url(l, n, "external_url", NULL);
}

static void alerting_load(struct cload *l, const struct ynode *n)
{
	struct config *c = l->cfg;
	const struct ynode *s;

	if (!n || n->kind == YNODE_NULL || cl_keys(l, n, "alerting", alerting_keys))
		return;
	s = cl_seq(l, n, "alertmanagers");
	if (!s || s->n == 0)
		return;
	c->alertmanagers = xcalloc(s->n, sizeof *c->alertmanagers);
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *it = s->items[i];
		struct config_am_target *t = &c->alertmanagers[c->nalertmanagers];

		if (it->kind != YNODE_MAP) {
			cl_err(l, it, "alertmanager: expected a mapping");
			continue;
		}
		if (cl_keys(l, it, "alertmanager", am_keys))
			continue;
		t->url = cl_url(l, it, "url", NULL);
		if (!cl_has(it, "url"))
			cl_err(l, it, "alertmanager: missing url");
		t->timeout_ms = cl_duration(l, it, "timeout", DEFAULT_AM_TIMEOUT, NULL);
		positive(l, it, "timeout", "alertmanager timeout", t->timeout_ms);
		c->nalertmanagers++;
	}
}

static void storage_load(struct cload *l, const struct ynode *n)
{
	char *p;

	if (!n || n->kind == YNODE_NULL || cl_keys(l, n, "storage", storage_keys))
		return;
	if (!cl_has(n, "path"))
		return;
	p = cl_path(l, n, "path");
	if (!p[0]) {
		free(p);
		return;
	}
	free(l->cfg->storage_path);
	l->cfg->storage_path = p;
}

static void tocsin_defaults(struct cload *l)
{
	struct config *c = l->cfg;

	c->datasource.url = xstrdup("");
	c->datasource.timeout_ms = DEFAULT_DATASOURCE_TIMEOUT;
	config_http_init(&c->datasource.http);
	c->evaluation.interval_ms = DEFAULT_EVAL_INTERVAL;
	c->evaluation.resend_delay_ms = DEFAULT_RESEND_DELAY;
	c->evaluation.group_concurrency = 1;
	c->evaluation.for_outage_tolerance_ms = DEFAULT_OUTAGE_TOLERANCE;
	c->evaluation.for_grace_period_ms = DEFAULT_GRACE_PERIOD;
	c->evaluation.external_labels = labels_empty();
	c->evaluation.external_url = xstrdup("");
	c->storage_path = cl_join(l, DEFAULT_STORAGE_PATH);
}

void config_tocsin_load(struct cload *l, const struct ynode *root)
{
	tocsin_defaults(l);
	datasource_load(l, ydoc_get(root, "datasource"));
	rule_files_load(l, root);
	evaluation_load(l, ydoc_get(root, "evaluation"));
	alerting_load(l, ydoc_get(root, "alerting"));
	storage_load(l, ydoc_get(root, "storage"));
}

void config_tocsin_free(struct config *c)
{
	free(c->datasource.url);
	config_http_free(&c->datasource.http);
	config_kv_free(c->datasource.headers, c->datasource.nheaders);
	config_strv_free(c->rule_files, c->nrule_files);
	labels_free(c->evaluation.external_labels);
	free(c->evaluation.external_url);
	for (size_t i = 0; i < c->nalertmanagers; i++)
		free(c->alertmanagers[i].url);
	free(c->alertmanagers);
	free(c->storage_path);
}
