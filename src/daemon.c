/*
 * daemon.c - wiring of `tocsin run`: configuration and rules in, the loop,
 * the evaluator, the forwarder and the HTTP endpoints; reload and shutdown.
 */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "amsend.h"
#include "cli.h"
#include "daemon.h"
#include "eval.h"
#include "eval_prom.h"
#include "expo.h"
#include "httpd.h"
#include "log.h"
#include "router.h"
#include "loop.h"
#include "oauth2.h"
#include "sdnotify.h"
#include "store.h"

/* Transfers the daemon runs at once (queries and notifications). */
#define DAEMON_MAX_TRANSFERS 64
/* Notifications: no cap over all, a few connections per host, so that a
 * slow or stuck endpoint holds back its own notifications only. */
#define DAEMON_NOTIFY_PER_HOST 16

struct daemon {
	struct daemon_opts opts;
	char *config_file;
	struct config *cfg;
	struct loop *loop;
	struct loop_http *http;	   /* queries, alerts to Alertmanagers */
	struct loop_http *notify_http; /* notifications */
	struct oauth2_cache *oauth2;   /* their http_config oauth2 tokens */
	struct eval_prom *prom;
	struct amsend *am;
	struct evaluator *eval;
	struct router *router;
	struct store *st;
	struct httpd *httpd;
	int stopping;
	int ready;
	int64_t start_wall;
	/* reload metrics */
	int last_reload_ok;
	int64_t last_reload_ms;
};

/* ------------------------------------------------------------ loading */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct rulefile **daemon_load_rules(const struct config *c, size_t *n,
				    struct diags *d)
{
	char **paths = NULL;
	size_t np = 0, cap = 0;
	struct rulefile **files;
	int bad = 0;

	*n = 0;
	for (size_t i = 0; i < c->nrule_files; i++) {
		glob_t g;
		int rc = glob(c->rule_files[i], GLOB_NOSORT, NULL, &g);

		if (rc == GLOB_NOMATCH)
			continue;
		if (rc != 0) {
			diag_add(d, DIAG_ERROR, c->file, 0, 0,
				 "rule_files: cannot expand %s", c->rule_files[i]);
			bad = 1;
			continue;
		}
		for (size_t j = 0; j < g.gl_pathc; j++) {
			if (np == cap) {
				cap = cap ? cap * 2 : 16;
				paths = xrealloc(paths, cap * sizeof *paths);
			}
			paths[np++] = xstrdup(g.gl_pathv[j]);
		}
		globfree(&g);
	}
	if (np)
		qsort(paths, np, sizeof *paths, cmp_str);
	files = xcalloc(np ? np : 1, sizeof *files);
	for (size_t i = 0; i < np; i++) {
		if (i && strcmp(paths[i], paths[i - 1]) == 0)
			continue; /* matched by two globs */
		files[*n] = rulefile_load(paths[i], d);
		if (!files[*n])
			bad = 1;
		else
			(*n)++;
	}
	for (size_t i = 0; i < np; i++)
		free(paths[i]);
	free(paths);
	if (bad) {
		for (size_t i = 0; i < *n; i++)
			rulefile_free(files[i]);
		free(files);
		*n = 0;
		return NULL;
	}
	return files;
}

static void diags_to_buf(const struct diags *d, struct buf *err)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);

		if (d->v[i].level == DIAG_ERROR)
			buf_printf(err, "%s\n", s);
		free(s);
	}
}

static void settings_from(const struct config *c, struct eval_settings *s)
{
	const struct config_evaluation *ev = &c->evaluation;

	memset(s, 0, sizeof *s);
	s->interval_ms = ev->interval_ms;
	s->query_offset_ms = ev->query_offset_ms;
	s->resend_delay_ms = ev->resend_delay_ms;
	s->outage_tolerance_ms = ev->for_outage_tolerance_ms;
	s->grace_ms = ev->for_grace_period_ms;
	s->group_concurrency = ev->group_concurrency;
	s->external_labels = ev->external_labels;
	s->external_url = ev->external_url;
}

/* Loads config and rules; NULL with the errors in err. */
static struct config *load_all(const char *file, struct rulefile ***files,
			       size_t *nfiles, struct buf *err)
{
	struct diags d = {0};
	struct config *c = config_load(file, &d);

	*files = NULL;
	*nfiles = 0;
	if (c) {
		*files = daemon_load_rules(c, nfiles, &d);
		if (!*files) {
			config_free(c);
			c = NULL;
		}
	}
	if (c && c->nrule_files && !c->datasource.url[0]) {
		buf_printf(err, "%s: rule_files needs a datasource\n", file);
		config_free(c);
		c = NULL;
	}
	if (!c) {
		diags_to_buf(&d, err);
		if (*files) {
			for (size_t i = 0; i < *nfiles; i++)
				rulefile_free((*files)[i]);
			free(*files);
			*files = NULL;
			*nfiles = 0;
		}
	}
	diags_free(&d);
	return c;
}

/* ----------------------------------------------------------- the sink */

static void on_alerts(void *ctx, const struct eval_group *g,
		      const struct alerting_notification *v, size_t n)
{
	struct daemon *d = ctx;

	(void)g;
	amsend_push(d->am, v, n);
	router_put_eval(d->router, v, n);
}

/* ----------------------------------------------------------- endpoints */

static void reply_text(struct httpd_req *r, int status, const char *s)
{
	httpd_reply(r, status, "text/plain; charset=utf-8", s, strlen(s));
}

static void reply_json(struct httpd_req *r, int status, struct buf *b)
{
	httpd_reply(r, status, "application/json", b->s ? b->s : "", b->len);
}

static void h_healthy(struct httpd_req *r, void *arg)
{
	(void)arg;
	reply_text(r, 200, "Healthy.\n");
}

static void h_ready(struct httpd_req *r, void *arg)
{
	struct daemon *d = arg;

	if (d->ready)
		reply_text(r, 200, "Ready.\n");
	else
		reply_text(r, 503, "Service Unavailable\n");
}

static void h_reload(struct httpd_req *r, void *arg)
{
	struct daemon *d = arg;
	struct buf err = {0};

	if (daemon_reload(d, &err) == 0) {
		httpd_reply(r, 200, "text/plain; charset=utf-8", "", 0);
	} else {
		struct buf msg = {0};

		/* Prometheus answers 500 "failed to reload config: ..." */
		buf_printf(&msg, "failed to reload config: %s", buf_str(&err));
		reply_text(r, 500, buf_str(&msg));
		buf_free(&msg);
	}
	buf_free(&err);
}

static void h_rules(struct httpd_req *r, void *arg)
{
	struct daemon *d = arg;
	const char *type = httpd_req_arg(r, "type");
	struct buf b = {0};

	if (type && (!type[0] || (strcmp(type, "alert") != 0 &&
				  strcmp(type, "record") != 0))) {
		if (!type[0]) {
			type = NULL;
		} else {
			buf_puts(&b, "{\"status\":\"error\",\"errorType\":"
				     "\"bad_data\",\"error\":\"invalid query "
				     "parameter type: must be alert or record"
				     "\"}");
			reply_json(r, 400, &b);
			buf_free(&b);
			return;
		}
	}
	eval_rules_json(d->eval, type, &b);
	reply_json(r, 200, &b);
	buf_free(&b);
}

static void h_alerts(struct httpd_req *r, void *arg)
{
	struct daemon *d = arg;
	struct buf b = {0};

	eval_alerts_json(d->eval, &b);
	reply_json(r, 200, &b);
	buf_free(&b);
}

static void h_metrics(struct httpd_req *r, void *arg)
{
	struct daemon *d = arg;
	struct buf b = {0};
	int64_t reload_s;

	expo_family(&b, "tocsin_build_info", "gauge",
		    "A metric with a constant '1' value labeled by version "
		    "from which tocsin was built.");
	expo_samplef(&b, "tocsin_build_info", 1, "version", TOCSIN_VERSION,
		     EXPO_END);
	expo_family(&b, "tocsin_config_last_reload_successful", "gauge",
		    "Whether the last configuration reload attempt was "
		    "successful.");
	expo_samplef(&b, "tocsin_config_last_reload_successful",
		     d->last_reload_ok, EXPO_END);
	expo_family(&b, "tocsin_config_last_reload_success_timestamp_seconds",
		    "gauge", "Timestamp of the last successful configuration "
			     "reload.");
	/* whole seconds, as Prometheus' time.Now().Unix() */
	reload_s = d->last_reload_ms / 1000;
	expo_samplef(&b, "tocsin_config_last_reload_success_timestamp_seconds",
		     (double)reload_s, EXPO_END);
	eval_metrics(d->eval, &b);
	amsend_metrics(d->am, &b);
	router_metrics(d->router, &b);
	expo_family(&b, "tocsin_datasource_queries_total", "counter",
		    "Queries sent to the datasource.");
	expo_samplef(&b, "tocsin_datasource_queries_total",
		     (double)eval_prom_queries(d->prom), EXPO_END);
	expo_family(&b, "tocsin_datasource_query_failures_total", "counter",
		    "Queries to the datasource that failed.");
	expo_samplef(&b, "tocsin_datasource_query_failures_total",
		     (double)eval_prom_failures(d->prom), EXPO_END);
	expo_process(&b);
	httpd_reply(r, 200, EXPO_CONTENT_TYPE,
		    b.s ? b.s : "", b.len);
	buf_free(&b);
}

static int routes(struct daemon *d)
{
	static const struct {
		const char *method, *path;
		httpd_fn *fn;
	} v[] = {
		{"GET", "/-/healthy", h_healthy},
		{"GET", "/-/ready", h_ready},
		{"POST", "/-/reload", h_reload},
		{"PUT", "/-/reload", h_reload},
		{"GET", "/metrics", h_metrics},
		{"GET", "/api/v1/rules", h_rules},
		{"GET", "/api/v1/alerts", h_alerts},
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (httpd_handle(d->httpd, v[i].method, v[i].path, 0, v[i].fn,
				 d) == -1)
			return -1;
	return router_routes(d->router, d->httpd);
}

/* ------------------------------------------------------------- signals */

static void on_term(struct loop *l, int signo, void *arg)
{
	struct daemon *d = arg;

	LOG_INFO("main", signo == SIGINT ? "Received SIGINT, exiting gracefully..."
					 : "Received SIGTERM, exiting gracefully...");
	d->stopping = 1;
	loop_stop(l);
}

static void on_hup(struct loop *l, int signo, void *arg)
{
	struct daemon *d = arg;
	struct buf err = {0};

	(void)l;
	(void)signo;
	daemon_reload(d, &err); /* logs what went wrong */
	buf_free(&err);
}

/* ------------------------------------------------------------ lifecycle */

static int mkdir_parents(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	free(p);
	return rc;
}

struct daemon *daemon_new(const struct daemon_opts *o, struct buf *err,
			  int *exit_code)
{
	struct daemon *d = xcalloc(1, sizeof *d);
	struct rulefile **files;
	size_t nfiles;
	struct eval_query_ops ops;
	struct eval_sink sink;
	struct eval_settings set;
	const char *spath;

	d->opts = *o;
	d->config_file = xstrdup(o->config_file);
	d->opts.config_file = d->config_file;
	if (d->opts.shutdown_timeout_ms < 0)
		d->opts.shutdown_timeout_ms = 10000;
	d->start_wall = loop_wall_ms();
	LOG_INFO("configuration", "Loading configuration file", "file",
		 o->config_file);
	d->cfg = load_all(o->config_file, &files, &nfiles, err);
	if (!d->cfg) {
		*exit_code = EX_CONFIG;
		goto fail;
	}
	spath = o->storage_path ? o->storage_path : d->cfg->storage_path;
	if (mkdir_parents(spath) == -1 ||
	    store_open(spath, &d->st, err) == -1) {
		if (!err->len)
			buf_printf(err, "cannot create the directory of %s: %s\n",
				   spath, strerror(errno));
		*exit_code = EX_CANTCREAT;
		for (size_t i = 0; i < nfiles; i++)
			rulefile_free(files[i]);
		free(files);
		goto fail;
	}
	d->loop = loop_new(NULL);
	d->http = d->loop ? loop_http_new(d->loop, DAEMON_MAX_TRANSFERS) : NULL;
	d->notify_http = d->loop ? loop_http_new(d->loop, 0) : NULL;
	if (d->notify_http) {
		loop_http_max_host(d->notify_http, DAEMON_NOTIFY_PER_HOST);
		d->oauth2 = oauth2_cache_new(d->loop, d->notify_http);
	}
	if (!d->http || !d->notify_http) {
		buf_puts(err, "cannot set up the event loop\n");
		*exit_code = EX_OSERR;
		for (size_t i = 0; i < nfiles; i++)
			rulefile_free(files[i]);
		free(files);
		goto fail;
	}
	d->prom = eval_prom_new(d->http, &d->cfg->datasource, 0);
	d->am = amsend_new(d->http, 0, 0);
	amsend_configure(d->am, d->cfg->alertmanagers, d->cfg->nalertmanagers,
			 d->cfg->evaluation.external_labels);
	eval_prom_ops(d->prom, &ops);
	sink.send = on_alerts;
	sink.ctx = d;
	d->eval = eval_new(d->loop, NULL, &ops, &sink, d->st);

	d->httpd = httpd_new(d->loop, o->listen, err);
	if (d->httpd) {
		struct router_opts ro = {0};

		ro.loop = d->loop;
		ro.http = d->notify_http;
		ro.oauth2 = d->oauth2;
		ro.store = d->st;
		ro.external_url = o->external_url && o->external_url[0]
					  ? o->external_url
					  : d->cfg->evaluation.external_url;
		ro.port = httpd_port(d->httpd);
		d->router = router_new(&ro, d->cfg, err);
		if (!d->router) {
			*exit_code = EX_CONFIG;
			for (size_t i = 0; i < nfiles; i++)
				rulefile_free(files[i]);
			free(files);
			goto fail;
		}
	}
	if (!d->httpd || routes(d) == -1) {
		buf_putc(err, '\n');
		*exit_code = EX_UNAVAILABLE;
		for (size_t i = 0; i < nfiles; i++)
			rulefile_free(files[i]);
		free(files);
		goto fail;
	}
	settings_from(d->cfg, &set);
	if (eval_load(d->eval, files, nfiles, &set, err) == -1) {
		/* the store failed; the rules run anyway */
		LOG_ERROR("rules", "Cleaning stored state failed", "err",
			  buf_str(err));
		buf_reset(err);
	}
	if (loop_signal_add(d->loop, SIGTERM, on_term, d) == -1 ||
	    loop_signal_add(d->loop, SIGINT, on_term, d) == -1 ||
	    loop_signal_add(d->loop, SIGHUP, on_hup, d) == -1) {
		buf_printf(err, "cannot handle signals: %s\n", strerror(errno));
		*exit_code = EX_OSERR;
		goto fail;
	}
	signal(SIGPIPE, SIG_IGN);
	d->last_reload_ok = 1;
	d->last_reload_ms = loop_wall_ms();
	return d;
fail:
	daemon_free(d);
	return NULL;
}

int daemon_port(const struct daemon *d)
{
	return httpd_port(d->httpd);
}

int daemon_reload(struct daemon *d, struct buf *err)
{
	struct rulefile **files;
	size_t nfiles;
	struct config *c;
	struct eval_settings set;
	int rc = 0;

	sdnotify_reloading();
	LOG_INFO("configuration", "Loading configuration file", "file",
		 d->config_file);
	c = load_all(d->config_file, &files, &nfiles, err);
	if (!c) {
		LOG_ERROR("configuration",
			  "Error reloading config; the running configuration "
			  "stays",
			  "file", d->config_file, "err", buf_str(err));
		d->last_reload_ok = 0;
		sdnotify("READY=1");
		return -1;
	}
	if (!d->opts.storage_path &&
	    strcmp(c->storage_path, d->cfg->storage_path) != 0)
		LOG_WARN("configuration",
			 "storage.path changed; the new path is used after a "
			 "restart",
			 "path", c->storage_path);
	if (router_reload(d->router, c, err) == -1) {
		LOG_ERROR("configuration",
			  "Error reloading config; the running configuration "
			  "stays",
			  "file", d->config_file, "err", buf_str(err));
		for (size_t i = 0; i < nfiles; i++)
			rulefile_free(files[i]);
		free(files);
		config_free(c);
		d->last_reload_ok = 0;
		sdnotify("READY=1");
		return -1;
	}
	eval_prom_set_datasource(d->prom, &c->datasource);
	amsend_configure(d->am, c->alertmanagers, c->nalertmanagers,
			 c->evaluation.external_labels);
	settings_from(c, &set);
	if (eval_load(d->eval, files, nfiles, &set, err) == -1) {
		LOG_ERROR("rules", "Cleaning stored state failed", "err",
			  buf_str(err));
		buf_reset(err);
	}
	router_retire(d->router, d->cfg);
	d->cfg = c;
	d->last_reload_ok = 1;
	d->last_reload_ms = loop_wall_ms();
	LOG_INFO("configuration", "Completed loading of configuration file",
		 "file", d->config_file);
	sdnotify("READY=1");
	return rc;
}

int daemon_run(struct daemon *d)
{
	struct buf err = {0};
	int64_t deadline;
	char port[16];

	snprintf(port, sizeof port, "%d", httpd_port(d->httpd));
	d->ready = 1;
	LOG_INFO("main", "Server is ready to receive web requests.", "port",
		 port);
	sdnotify("READY=1\nSTATUS=evaluating rules");
	if (loop_run(d->loop) == -1) {
		LOG_ERROR("main", "Event loop failed", "err", strerror(errno));
		return EX_OSERR;
	}
	sdnotify("STOPPING=1");
	d->ready = 0;
	/* No new evaluations; running ones and queued alerts may finish. */
	eval_stop(d->eval);
	deadline = loop_mono_ms() + d->opts.shutdown_timeout_ms;
	while ((eval_busy(d->eval) || !amsend_idle(d->am) ||
		router_busy(d->router)) &&
	       loop_mono_ms() < deadline)
		if (loop_run_once(d->loop, 100) == -1)
			break;
	if (eval_busy(d->eval))
		LOG_WARN("main", "Abandoning running rule evaluations");
	if (eval_flush(d->eval, &err) == -1)
		LOG_ERROR("main", "Saving alert state failed", "err",
			  buf_str(&err));
	buf_free(&err);
	LOG_INFO("main", "See you next time!");
	return EX_OK;
}

void daemon_free(struct daemon *d)
{
	if (!d)
		return;
	httpd_free(d->httpd);
	eval_free(d->eval);
	router_free(d->router);
	/* aborts every transfer; their callbacks still see the forwarder */
	loop_http_free(d->http);
	loop_http_free(d->notify_http);
	oauth2_cache_free(d->oauth2); /* after its fetches were aborted */
	amsend_free(d->am);
	eval_prom_free(d->prom);
	loop_free(d->loop);
	store_close(d->st);
	config_free(d->cfg);
	free(d->config_file);
	free(d);
}
