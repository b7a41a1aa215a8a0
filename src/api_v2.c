/*
 * api_v2.c - the Alertmanager API v2 on the router: alerts (POST, GET,
 * groups), receivers, status and silences, with Alertmanager 0.25's
 * status codes and bodies, so amtool and Prometheus work unchanged.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_alerts.h"
#include "cli.h"
#include "dispatch.h"
#include "jsonw.h"
#include "matcher.h"
#include "router_int.h"

/* Cache-Control as Alertmanager 0.26+ sends on every v2 answer. */
static void reply(struct httpd_req *q, int status, const struct buf *b)
{
	httpd_reply_header(q, "Cache-Control", "no-store");
	httpd_reply(q, status, "application/json", b->s ? b->s : "", b->len);
}

static void reply_error(struct httpd_req *q, int status, int code,
			const char *msg)
{
	struct buf b = {0};

	if (code) {
		buf_printf(&b, "{\"code\":%d,\"message\":", code);
		jsonw_str(&b, msg);
		buf_putc(&b, '}');
	} else {
		jsonw_str(&b, msg); /* a handler's payload: a JSON string */
	}
	reply(q, status, &b);
	buf_free(&b);
}

/* ------------------------------------------------------------ filters */

struct filter {
	int active, silenced, inhibited, unprocessed;
	struct matchers m;
	struct matcher recv; /* op 0 with no name: none */
	int has_recv;
};

/* go-openapi's swag.ConvertBool, as go-swagger reads a boolean query
 * parameter: these spellings (any case) are true, everything else is
 * false, never an error. */
static int parse_bool(const char *s)
{
	static const char *const t[] = {"true", "1",	    "yes",
					"ok",	"y",	    "on",
					"selected", "checked", "t",
					"enabled"};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcasecmp(s, t[i]) == 0)
			return 1;
	return 0;
}

/* Reads the query; answers and returns -1 on a bad one. */
static int filter_read(struct httpd_req *q, struct filter *f, int groups)
{
	static const char *const names[] = {"active", "silenced", "inhibited",
					    "unprocessed"};
	int *dst[] = {&f->active, &f->silenced, &f->inhibited,
		      &f->unprocessed};
	const char *vals[64];
	size_t n;
	struct buf err = {0};

	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < 4; i++) {
		const char *v = httpd_req_arg(q, names[i]);

		if (groups && i == 3)
			continue;
		*dst[i] = v ? parse_bool(v) : 1;
	}
	n = httpd_req_args(q, "filter", vals, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		struct matcher m;

		if (matcher_parse_mode(vals[i], MATCHER_CLASSIC, &m,
				       &err, NULL) == -1) {
			reply_error(q, 400, 0, buf_str(&err));
			buf_free(&err);
			matchers_free(&f->m);
			return -1;
		}
		matchers_push(&f->m, &m);
	}
	{
		const char *re = httpd_req_arg(q, "receiver");

		if (re && re[0]) {
			if (matcher_init(&f->recv, "receiver", MATCHER_RE, re,
					 &err) == -1) {
				reply_error(q, 400, 0, buf_str(&err));
				buf_free(&err);
				matchers_free(&f->m);
				return -1;
			}
			f->has_recv = 1;
		}
	}
	return 0;
}

static void filter_free(struct filter *f)
{
	matchers_free(&f->m);
	if (f->has_recv)
		matcher_free(&f->recv);
}

/* Alertmanager's matchFilterLabels: an empty value is skipped for a
 * positive matcher when the label is missing, for a negative one when it
 * is present. */
static int filter_labels(const struct matchers *ms, const struct labels *l)
{
	for (size_t i = 0; i < ms->n; i++) {
		const struct matcher *m = &ms->v[i];
		const char *v = labels_get(l, m->name);
		int neg = m->op == MATCHER_NE || m->op == MATCHER_NRE;

		if (!m->value[0] && (neg ? v != NULL : v == NULL))
			continue;
		if (!matcher_matches(m, v ? v : ""))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------- alert status */

struct status {
	const char **receivers;
	size_t nreceivers;
	struct silence_ids sil;
	const char **silenced_by;
	size_t nsilenced;
	uint64_t inhibited_by;
	int inhibited;
};

static void status_of(struct router *r, const struct am_alert *a,
		      int64_t now, struct status *st)
{
	const struct route **rs = NULL;
	size_t n = 0, cap = 0;

	memset(st, 0, sizeof *st);
	route_match(r->cfg->route, a->labels, &rs, &n, &cap);
	st->receivers = xcalloc(n + 1, sizeof *st->receivers);
	for (size_t i = 0; i < n; i++)
		st->receivers[st->nreceivers++] = rs[i]->receiver;
	free(rs);
	st->inhibited = inhibitor_mutes(r->inhibit, a->labels, now,
					&st->inhibited_by);
	st->nsilenced = silences_mutes(r->silences, a->labels, now, &st->sil);
	st->silenced_by = xcalloc(st->nsilenced + 1, sizeof *st->silenced_by);
	for (size_t i = 0; i < st->nsilenced; i++)
		st->silenced_by[i] = st->sil.v[i];
}

static void status_free(struct status *st)
{
	free(st->receivers);
	free(st->silenced_by);
	silence_ids_free(&st->sil);
}

/* Whether the alert passes the filter; writes it when out is set. */
static int alert_out(struct router *r, const struct filter *f,
		     const struct am_alert *a, int64_t now, struct buf *out,
		     int *first)
{
	struct status st;
	struct api_alert_status as;
	int keep = 1, suppressed;

	if (a->ends_at && a->ends_at < now)
		return 0; /* resolved alerts are never listed */
	if (!filter_labels(&f->m, a->labels))
		return 0;
	status_of(r, a, now, &st);
	suppressed = st.nsilenced || st.inhibited;
	if (f->has_recv) {
		keep = 0;
		for (size_t i = 0; i < st.nreceivers && !keep; i++)
			keep = matcher_matches(&f->recv, st.receivers[i]);
	}
	if ((!f->active && !suppressed) || (!f->silenced && st.nsilenced) ||
	    (!f->inhibited && st.inhibited))
		keep = 0;
	if (keep && out) {
		as.receivers = st.receivers;
		as.nreceivers = st.nreceivers;
		as.silenced_by = st.silenced_by;
		as.nsilenced = st.nsilenced;
		as.inhibited_by = &st.inhibited_by;
		as.ninhibited = st.inhibited ? 1 : 0;
		as.unprocessed = 0;
		if (!*first)
			buf_putc(out, ',');
		*first = 0;
		api_alert_json(out, a, &as);
	}
	status_free(&st);
	return keep;
}

/* ---------------------------------------------------------- handlers */

struct collect {
	struct am_alert **v;
	size_t n, cap;
};

static void collect_one(void *ctx, struct am_alert *a)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	c->v[c->n++] = a;
}

static int by_fp(const void *x, const void *y)
{
	uint64_t a = (*(struct am_alert *const *)x)->labels->fp;
	uint64_t b = (*(struct am_alert *const *)y)->labels->fp;

	return a < b ? -1 : a > b;
}

static void h_alerts_get(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	struct filter f;
	struct collect c = {0};
	struct buf b = {0};
	int64_t now = router_now(r);
	int first = 1;

	if (filter_read(q, &f, 0) == -1)
		return;
	router_refresh_silences(r);
	alertstore_foreach(r->alerts, collect_one, &c);
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, by_fp);
	buf_putc(&b, '[');
	for (size_t i = 0; i < c.n; i++)
		alert_out(r, &f, c.v[i], now, &b, &first);
	buf_putc(&b, ']');
	reply(q, 200, &b);
	buf_free(&b);
	free(c.v);
	filter_free(&f);
}

static void h_alerts_post(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	struct api_alerts_post p;
	size_t len;
	const char *body = httpd_req_body(q, &len);

	api_alerts_parse(body, len, router_now(r),
			 r->cfg->global.resolve_timeout_ms, &p);
	r->invalid += p.ninvalid;
	router_put(r, p.alerts, p.n);
	p.n = 0; /* taken */
	reply(q, p.status, &p.body);
	api_alerts_post_free(&p);
}

/* One group of /api/v2/alerts/groups, kept for sorting. */
struct group_out {
	const struct labels *labels;
	const char *receiver;
	struct buf alerts; /* the JSON array's content */
};

struct groups_ctx {
	struct router *r;
	const struct filter *f;
	int64_t now;
	struct group_out *v;
	size_t n, cap;
};

static int alert_order(const void *x, const void *y)
{
	struct dispatch_alert a = {*(struct am_alert *const *)x, 0, 0, 0};
	struct dispatch_alert b = {*(struct am_alert *const *)y, 0, 0, 0};

	return dispatch_alert_cmp(&a, &b);
}

static void one_group(void *ctx, const struct route *rt,
		      const struct labels *gl, struct am_alert *const *alerts,
		      size_t n)
{
	struct groups_ctx *g = ctx;
	struct am_alert **v = xcalloc(n + 1, sizeof *v);
	struct group_out o = {gl, rt->receiver, {0}};
	int first = 1, any = 0;

	if (g->f->has_recv && !matcher_matches(&g->f->recv, rt->receiver)) {
		free(v);
		return;
	}
	memcpy(v, alerts, n * sizeof *v);
	qsort(v, n, sizeof *v, alert_order);
	for (size_t i = 0; i < n; i++)
		any |= alert_out(g->r, g->f, v[i], g->now, &o.alerts, &first);
	free(v);
	if (!any) {
		buf_free(&o.alerts);
		return;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->v = xrealloc(g->v, g->cap * sizeof *g->v);
	}
	g->v[g->n++] = o;
}

static int group_order(const void *x, const void *y)
{
	const struct group_out *a = x, *b = y;
	int c = labels_equal(a->labels, b->labels)
			? 0
			: dispatch_labels_before(a->labels, b->labels);

	return c ? c : strcmp(a->receiver, b->receiver);
}

static void h_groups(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	struct filter f;
	struct groups_ctx g = {0};
	struct buf b = {0};

	if (filter_read(q, &f, 1) == -1)
		return;
	router_refresh_silences(r);
	g.r = r;
	g.f = &f;
	g.now = router_now(r);
	dispatcher_groups(r->disp, one_group, &g);
	if (g.n)
		qsort(g.v, g.n, sizeof *g.v, group_order);
	buf_putc(&b, '[');
	for (size_t i = 0; i < g.n; i++) {
		buf_puts(&b, i ? ",{\"alerts\":[" : "{\"alerts\":[");
		buf_add(&b, g.v[i].alerts.s, g.v[i].alerts.len);
		buf_puts(&b, "],\"labels\":");
		jsonw_labels(&b, g.v[i].labels);
		buf_puts(&b, ",\"receiver\":{\"name\":");
		jsonw_str(&b, g.v[i].receiver);
		buf_puts(&b, "}}");
		buf_free(&g.v[i].alerts);
	}
	buf_putc(&b, ']');
	reply(q, 200, &b);
	buf_free(&b);
	free(g.v);
	filter_free(&f);
}

static void h_receivers(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	struct buf b = {0};

	buf_putc(&b, '[');
	for (size_t i = 0; i < r->cfg->nreceivers; i++) {
		buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
		jsonw_str(&b, r->cfg->receivers[i].name);
		buf_putc(&b, '}');
	}
	buf_putc(&b, ']');
	reply(q, 200, &b);
	buf_free(&b);
}

static void h_status(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	struct buf b = {0}, yaml = {0};

	config_dump(r->cfg, &yaml, 0);
	buf_puts(&b, "{\"cluster\":{\"peers\":[],\"status\":\"disabled\"},"
		     "\"config\":{\"original\":");
	jsonw_str(&b, buf_str(&yaml));
	buf_puts(&b, "},\"uptime\":");
	jsonw_time_millis(&b, r->started);
	buf_puts(&b, ",\"versionInfo\":{\"branch\":\"\",\"buildDate\":\"\","
		     "\"buildUser\":\"\",\"goVersion\":\"\",\"revision\":\"\","
		     "\"version\":");
	jsonw_str(&b, TOCSIN_VERSION);
	buf_puts(&b, "}}");
	reply(q, 200, &b);
	buf_free(&b);
	buf_free(&yaml);
}

int router_routes(struct router *r, struct httpd *h)
{
	static const struct {
		const char *method, *path;
		int prefix;
		httpd_fn *fn;
	} v[] = {
		{"GET", "/api/v2/alerts", 0, h_alerts_get},
		{"POST", "/api/v2/alerts", 0, h_alerts_post},
		{"GET", "/api/v2/alerts/groups", 0, h_groups},
		{"GET", "/api/v2/receivers", 0, h_receivers},
		{"GET", "/api/v2/status", 0, h_status},
		{"GET", "/api/v2/silences", 0, api_silences_get},
		{"POST", "/api/v2/silences", 0, api_silences_post},
		{"GET", "/api/v2/silence/", 1, api_silence_get},
		{"DELETE", "/api/v2/silence/", 1, api_silence_delete},
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (httpd_handle(h, v[i].method, v[i].path, v[i].prefix,
				 v[i].fn, r) == -1)
			return -1;
	return 0;
}
