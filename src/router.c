/*
 * router.c - alerts in, the dispatcher's flushes through the notification
 * pipeline, and the Alertmanager API v2 alert endpoints.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alertstore.h"
#include "api_alerts.h"
#include "cli.h"
#include "dispatch.h"
#include "expo.h"
#include "inhibit.h"
#include "jsonw.h"
#include "log.h"
#include "matcher.h"
#include "nflog.h"
#include "notify_send.h"
#include "receiver.h"
#include "router_int.h"
#include "silence.h"
#include "timeinterval.h"

/* Alertmanager's --alerts.gc-interval. */
#define ROUTER_GC_MS (30 * 60 * 1000LL)
/* Alertmanager's --data.retention, for notification log entries. */
#define ROUTER_RETENTION_MS (120 * 3600 * 1000LL)
/* notify.MinTimeout: the least a flush may take to deliver. */
#define ROUTER_MIN_TIMEOUT_MS (10 * 1000LL)

static int64_t real_wall(void *ctx)
{
	(void)ctx;
	return loop_wall_ms();
}

int64_t router_now(const struct router *r)
{
	return r->wall.wall_ms(r->wall.ctx);
}

#define now_of router_now

/* ---------------------------------------------------------- alerts in */

void router_put(struct router *r, struct am_alert **v, size_t n)
{
	int64_t now = now_of(r);

	for (size_t i = 0; i < n; i++) {
		struct am_alert *s;

		if (am_alert_resolved(v[i], now))
			r->received_resolved++;
		else
			r->received_firing++;
		s = alertstore_put(r->alerts, v[i], now);
		inhibitor_put(r->inhibit, s->labels, s->ends_at);
		dispatcher_put(r->disp, s);
	}
}

void router_put_eval(struct router *r, const struct alerting_notification *v,
		     size_t n)
{
	const struct labels *ext = r->cfg->evaluation.external_labels;
	struct am_alert **as = xcalloc(n + 1, sizeof *as);
	int64_t now = now_of(r);

	for (size_t i = 0; i < n; i++) {
		struct labels_builder b = {0};

		/* As Prometheus sends them: external labels added where the
		 * alert lacks them. */
		for (size_t k = 0; ext && k < ext->n; k++)
			labels_builder_set(&b, ext->v[k].name, ext->v[k].value);
		for (size_t k = 0; k < v[i].labels->n; k++)
			labels_builder_set(&b, v[i].labels->v[k].name,
					   v[i].labels->v[k].value);
		as[i] = am_alert_new(labels_builder_build(&b),
				     v[i].annotations
					     ? labels_dup(v[i].annotations)
					     : NULL,
				     v[i].generator_url, v[i].starts_at,
				     v[i].ends_at, now);
		labels_builder_free(&b);
	}
	router_put(r, as, n);
	free(as);
}

static void gone(void *ctx, struct am_alert *a)
{
	struct router *r = ctx;

	dispatcher_forget(r->disp, a);
	inhibitor_remove(r->inhibit, a->labels->fp);
}

static void gc_tick(struct loop *l, void *arg)
{
	struct router *r = arg;

	struct buf err = {0};
	size_t n = 0;

	alertstore_gc(r->alerts, now_of(r), gone, r);
	if (silences_gc(r->silences, now_of(r), &n, &err) == -1)
		LOG_ERROR("silences", "Deleting expired silences failed", "err",
			  buf_str(&err));
	buf_reset(&err);
	if (nflog_gc(r->o.store, now_of(r), NULL, &err) == -1)
		LOG_ERROR("nflog", "Deleting expired entries failed", "err",
			  buf_str(&err));
	buf_free(&err);
	r->gc_timer = loop_timer_add(l, loop_now(l) + ROUTER_GC_MS, gc_tick, r);
}

/* ------------------------------------------------------------ pipeline */

/* Alertmanager's buckets for notification_latency_seconds. */
static const double latency_buckets[ROUTER_LATENCY_BUCKETS] = {1, 5, 10,
								15, 20};

/* One flush in the pipeline. */
struct job {
	struct router *r;
	struct dispatch_flush *f;
	struct dispatch_alert **alerts; /* what passed the mute stages */
	size_t n;
	size_t pending; /* integrations still running */
	int failed;
};

/* One integration of a flush. */
struct task {
	struct job *j;
	struct notify_sender *sender; /* while a send is in flight */
	struct task *prev, *next;     /* r->sending */
	struct notify_req req;	      /* built, waiting for its bucket */
	struct task *queued;	      /* next in the bucket's queue */
	const struct receiver_ops *ops;
	size_t ops_idx, idx;
	struct nflog_key key;
	uint64_t *firing, *resolved;
	size_t nfiring, nresolved;
	int64_t started;
};

/* Frees the configurations router_retire() holds. */
static void retired_free(struct router *r)
{
	while (r->retired) {
		struct retired *x = r->retired;

		r->retired = x->next;
		config_free(x->cfg);
		free(x);
	}
}

static void job_finish(struct job *j)
{
	struct router *r = j->r;

	r->flushing--;
	j->f->done(j->f, !j->failed);
	free(j->alerts);
	free(j);
	if (r->flushing == 0) /* nothing in flight points into them now */
		retired_free(r);
}

static void task_free(struct task *t)
{
	notify_req_free(&t->req);
	free(t->firing);
	free(t->resolved);
	free(t);
}

static void task_done(struct task *t, int ok)
{
	struct job *j = t->j;

	if (!ok)
		j->failed = 1;
	task_free(t);
	if (--j->pending == 0)
		job_finish(j);
}

/* Go's nanoseconds of a ms time, for the template data. */
static void split_ms(int64_t ms, int64_t *sec, int32_t *nsec)
{
	*sec = ms / 1000;
	*nsec = (int32_t)(ms % 1000) * 1000000;
	if (*nsec < 0) {
		*sec -= 1;
		*nsec += 1000000000;
	}
}

static void on_sent(void *arg, int ok, const char *reason,
		    enum notify_why why, int attempts)
{
	struct task *t = arg;
	struct job *j = t->j;
	struct router *r = j->r;
	struct integration_stats *st = &r->stats[t->ops_idx];
	struct buf err = {0};

	if (t->sender) { /* off the list of sends in flight */
		if (t->prev)
			t->prev->next = t->next;
		else
			r->sending = t->next;
		if (t->next)
			t->next->prev = t->prev;
		t->sender = NULL;
	}
	if (r->closing) { /* abandoned at shutdown: no log, no record */
		task_done(t, 0);
		return;
	}

	st->requests += (uint64_t)attempts;
	{
		double secs = (double)(loop_mono_ms() - t->started) / 1000.0;

		st->latency_sum += secs;
		st->latency_count++;
		for (size_t k = 0; k < ROUTER_LATENCY_BUCKETS; k++)
			if (secs <= latency_buckets[k])
				st->latency_le[k]++;
	}
	if (!ok) {
		char n[16];

		st->failed[why]++;
		st->requests_failed += (uint64_t)attempts;
		snprintf(n, sizeof n, "%d", attempts);
		LOG_ERROR("dispatcher", "Notify for alerts failed",
			  "receiver", j->f->receiver, "integration",
			  t->ops->integration, "attempts", n, "err", reason);
		task_done(t, 0);
		return;
	}
	/* SetNotifies: recorded durably after the send, so a crash
	 * between the two may re-send, never lose. */
	if (nflog_log(r->o.store, &t->key, t->firing, t->nfiring, t->resolved,
		      t->nresolved, j->f->repeat_interval_ms,
		      ROUTER_RETENTION_MS, now_of(r), &err) == -1)
		LOG_ERROR("dispatcher", "Recording the notification failed",
			  "err", buf_str(&err));
	buf_free(&err);
	task_done(t, 1);
}

/* Sends the task's built request; on_sent() finishes the task. */
static void task_send(struct task *t)
{
	struct job *j = t->j;
	struct router *r = j->r;
	/* Alertmanager's deadline: max(group_interval, 10 s), from the
	 * send, not from the wait for a rate limit. */
	int64_t deadline = j->f->route->group_interval_ms;

	if (deadline < ROUTER_MIN_TIMEOUT_MS)
		deadline = ROUTER_MIN_TIMEOUT_MS;
	t->started = loop_mono_ms();
	t->sender = notify_send(r->o.loop, r->o.http, r->o.oauth2, t->ops,
				&t->req,
				loop_now(r->o.loop) + deadline, on_sent, t);
	t->next = r->sending;
	if (r->sending)
		r->sending->prev = t;
	r->sending = t;
}

/* ------------------------------------------------------- rate limits */

/*
 * A token bucket per integration config (receiver, integration, index),
 * from its rate_limit.  A notification takes a token or waits, in order,
 * in the bucket's queue: none is dropped.  Buckets outlive reloads (the
 * rate is re-read at each use) and are few -- one per rate-limited
 * integration in use -- so a list will do.
 */
struct bucket {
	struct bucket *next;
	struct router *r;
	char *receiver;
	const struct receiver_ops *ops;
	size_t idx;
	double tokens, per_second;
	uint32_t burst;
	int64_t at; /* loop time tokens was counted at */
	struct task *head, *tail;
	uint64_t timer;
};

static const struct config_rate *
integration_rate(const struct config_receiver *recv,
		 const struct receiver_ops *ops, size_t idx)
{
	if (ops == &receiver_slack && idx < recv->nslack)
		return &recv->slack[idx].rate;
	if (ops == &receiver_webhook && idx < recv->nwebhook)
		return &recv->webhook[idx].rate;
	if (ops == &receiver_pagerduty && idx < recv->npagerduty)
		return &recv->pagerduty[idx].rate;
	if (ops == &receiver_email && idx < recv->nemail)
		return &recv->email[idx].rate;
	return NULL;
}

static struct bucket *bucket_get(struct router *r, const char *receiver,
				 const struct receiver_ops *ops, size_t idx,
				 const struct config_rate *rate)
{
	struct bucket *b;

	for (b = r->buckets; b; b = b->next)
		if (b->ops == ops && b->idx == idx &&
		    strcmp(b->receiver, receiver) == 0)
			break;
	if (!b) {
		b = xcalloc(1, sizeof *b);
		b->r = r;
		b->receiver = xstrdup(receiver);
		b->ops = ops;
		b->idx = idx;
		b->tokens = rate->burst;
		b->at = loop_now(r->o.loop);
		b->next = r->buckets;
		r->buckets = b;
	}
	b->per_second = rate->per_second;
	b->burst = rate->burst;
	return b;
}

static void bucket_drain(struct loop *l, void *arg);

/* Sends what the tokens allow, then waits for the next token. */
static void bucket_run(struct bucket *b)
{
	struct loop *l = b->r->o.loop;
	int64_t now = loop_now(l);

	b->tokens += (double)(now - b->at) * b->per_second / 1000.0;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->at = now;
	while (b->head && b->tokens >= 1) {
		struct task *t = b->head;

		b->head = t->queued;
		if (!b->head)
			b->tail = NULL;
		t->queued = NULL;
		b->tokens -= 1;
		task_send(t);
	}
	if (b->head && !b->timer) {
		int64_t wait = (int64_t)((1 - b->tokens) * 1000.0 /
					 b->per_second) + 1;

		b->timer = loop_timer_add(l, now + wait, bucket_drain, b);
	}
}

static void bucket_drain(struct loop *l, void *arg)
{
	struct bucket *b = arg;

	(void)l;
	b->timer = 0;
	bucket_run(b);
}

static void bucket_push(struct bucket *b, struct task *t)
{
	if (b->tail)
		b->tail->queued = t;
	else
		b->head = t;
	b->tail = t;
	if (!b->timer)
		bucket_run(b);
	if (b->tail == t) /* still waiting: delayed by its rate limit */
		b->r->stats[t->ops_idx].delayed++;
}

/* Shutdown: notifications still waiting are abandoned, unrecorded. */
static void buckets_free(struct router *r)
{
	while (r->buckets) {
		struct bucket *b = r->buckets;

		r->buckets = b->next;
		if (b->timer)
			loop_timer_cancel(r->o.loop, b->timer);
		while (b->head) {
			struct task *t = b->head;

			b->head = t->queued;
			task_done(t, 0);
		}
		free(b->receiver);
		free(b);
	}
}

/* Dedup, then send one integration; finishes the task itself. */
static void task_run(struct task *t)
{
	struct job *j = t->j;
	struct router *r = j->r;
	const struct config_receiver *recv = j->f->route->recv;
	int send_resolved = t->ops->send_resolved(recv, t->idx);
	struct tmpl_am_alert *v;
	struct tmpl_am_notification nf = {0};
	struct notify_msg m = {0};
	struct notify_req req;
	const struct config_rate *rate;
	struct buf err = {0};
	size_t n = 0;

	t->firing = xcalloc(j->n + 1, sizeof *t->firing);
	t->resolved = xcalloc(j->n + 1, sizeof *t->resolved);
	for (size_t i = 0; i < j->n; i++) {
		uint64_t h = nflog_alert_hash(j->alerts[i]->a->labels);

		if (j->alerts[i]->resolved)
			t->resolved[t->nresolved++] = h;
		else
			t->firing[t->nfiring++] = h;
	}
	t->key.group_key = j->f->group_key;
	t->key.receiver = j->f->receiver;
	t->key.integration = t->ops->integration;
	t->key.idx = (int)t->idx;
	{
		struct nflog_entry *e = NULL;
		int needs;

		if (nflog_query(r->o.store, &t->key, &e, &err) == -1) {
			/* without the log, sending again beats not sending */
			LOG_ERROR("dispatcher", "Reading the notification log "
				  "failed", "err", buf_str(&err));
			buf_reset(&err);
		}
		needs = nflog_needs_update(e, t->firing, t->nfiring,
					   t->resolved, t->nresolved,
					   send_resolved,
					   j->f->repeat_interval_ms,
					   j->f->now);
		nflog_entry_free(e);
		if (!needs) {
			buf_free(&err);
			task_done(t, 1);
			return;
		}
	}
	/* send_resolved off: only the firing alerts; none firing: nothing
	 * is sent, but the log still records the all-resolved state. */
	if (!send_resolved && t->nfiring == 0) {
		buf_free(&err);
		t->started = loop_mono_ms();
		on_sent(t, 1, "", NOTIFY_WHY_OTHER, 0);
		return;
	}
	v = xcalloc(j->n + 1, sizeof *v);
	for (size_t i = 0; i < j->n; i++) {
		const struct dispatch_alert *da = j->alerts[i];

		if (!send_resolved && da->resolved)
			continue;
		v[n].status = da->resolved ? "resolved" : "firing";
		v[n].labels = da->a->labels;
		v[n].annotations = da->a->annotations;
		split_ms(da->a->starts_at, &v[n].starts_sec,
			 &v[n].starts_nsec);
		if (da->resolved)
			split_ms(da->ends_at, &v[n].ends_sec, &v[n].ends_nsec);
		else
			v[n].ends_sec = TMPL_AM_ZERO_TIME;
		v[n].generator_url = da->a->generator_url;
		n++;
	}
	nf.receiver = j->f->receiver;
	nf.group_labels = j->f->group_labels;
	nf.alerts = v;
	nf.nalerts = n;
	nf.external_url = r->external_url;
	m.nf = &nf;
	m.group_key = j->f->group_key;
	m.templates = r->templates;
	r->stats[t->ops_idx].total++;
	if (t->ops->build(recv, t->idx, &m, &req, &err) == -1) {
		free(v);
		t->started = loop_mono_ms();
		on_sent(t, 0, buf_str(&err), NOTIFY_WHY_OTHER, 0);
		buf_free(&err);
		return;
	}
	free(v);
	buf_free(&err);
	t->req = req;
	rate = integration_rate(recv, t->ops, t->idx);
	if (rate && rate->per_second > 0) {
		bucket_push(bucket_get(r, j->f->receiver, t->ops, t->idx, rate),
			    t);
		return;
	}
	task_send(t);
}

/* The mute stages: inhibition, time intervals, silences.  Returns the
 * number of alerts left in j->alerts. */
static size_t mute_stages(struct job *j)
{
	struct router *r = j->r;
	const struct dispatch_flush *f = j->f;
	const struct route *rt = f->route;
	size_t n = 0;

	if (rt->nactive_time_intervals &&
	    !timeinterval_active(r->cfg, rt->active_time_intervals,
				 rt->nactive_time_intervals, f->now)) {
		r->muted++;
		return 0;
	}
	if (rt->nmute_time_intervals &&
	    timeinterval_mutes(r->cfg, rt->mute_time_intervals,
			       rt->nmute_time_intervals, f->now)) {
		r->muted++;
		return 0;
	}
	for (size_t i = 0; i < f->nalerts; i++) {
		struct dispatch_alert *da = &f->alerts[i];
		uint64_t by;

		if (inhibitor_mutes(r->inhibit, da->a->labels, f->now, &by)) {
			r->suppressed_inhibited++;
			continue;
		}
		if (silences_mutes(r->silences, da->a->labels, f->now,
				   &r->ids)) {
			r->suppressed_silenced++;
			continue;
		}
		j->alerts[n++] = da;
	}
	return n;
}

static void pipeline(void *ctx, struct dispatch_flush *f)
{
	struct router *r = ctx;
	struct job *j = xcalloc(1, sizeof *j);
	struct task **tasks;
	size_t ntasks = 0;

	j->r = r;
	j->f = f;
	j->alerts = xcalloc(f->nalerts + 1, sizeof *j->alerts);
	r->flushing++;
	{
		struct buf err = {0};

		if (silences_reload_if_changed(r->silences, f->now, &err) ==
		    -1)
			LOG_ERROR("silences", "Reloading silences failed",
				  "err", buf_str(&err));
		buf_free(&err);
	}
	j->n = mute_stages(j);
	if (j->n == 0 || !f->route->recv) {
		job_finish(j);
		return;
	}
	/* Fan out: every integration of the receiver, concurrently. */
	for (size_t k = 0; receivers_all[k]; k++)
		ntasks += receivers_all[k]->count(f->route->recv);
	tasks = xcalloc(ntasks + 1, sizeof *tasks);
	ntasks = 0;
	for (size_t k = 0; receivers_all[k]; k++) {
		const struct receiver_ops *ops = receivers_all[k];
		size_t count = ops->count(f->route->recv);

		for (size_t idx = 0; idx < count; idx++) {
			struct task *t = xcalloc(1, sizeof *t);

			t->j = j;
			t->ops = ops;
			t->ops_idx = k;
			t->idx = idx;
			tasks[ntasks++] = t;
		}
	}
	if (ntasks == 0) {
		free(tasks);
		job_finish(j);
		return;
	}
	j->pending = ntasks;
	for (size_t i = 0; i < ntasks; i++)
		task_run(tasks[i]);
	free(tasks);
}

/* ----------------------------------------------------------- lifecycle */

static char *default_external_url(int port)
{
	char host[256];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	return xasprintf("http://%s:%d", host, port);
}

static struct tmpl_set *load_templates(const struct config *c,
				       struct buf *err)
{
	char *dir = tmpl_am_template_dir();
	struct tmpl_set *set =
		tmpl_am_set_new(dir, (const char *const *)c->templates,
				c->ntemplates, err);

	free(dir);
	return set;
}

struct router *router_new(const struct router_opts *o, const struct config *c,
			  struct buf *err)
{
	struct router *r = xcalloc(1, sizeof *r);
	const char *url = o->external_url ? o->external_url : "";

	r->o = *o;
	if (o->wall)
		r->wall = *o->wall;
	else
		r->wall.wall_ms = real_wall;
	r->external_url = url[0] ? xstrdup(url) : default_external_url(o->port);
	{
		size_t n = strlen(r->external_url);

		while (n > 8 && r->external_url[n - 1] == '/')
			r->external_url[--n] = '\0';
	}
	r->cfg = c;
	r->started = now_of(r);
	r->templates = load_templates(c, err);
	if (!r->templates)
		goto fail;
	r->silences = silences_open(o->store, SILENCE_RETENTION_MS, r->started,
				    err);
	if (!r->silences)
		goto fail;
	r->alerts = alertstore_new();
	r->inhibit = inhibitor_new(c->inhibit_rules, c->ninhibit_rules);
	r->disp = dispatcher_new(o->loop, &r->wall, c->route, pipeline, r);
	r->gc_timer = loop_timer_add(o->loop, loop_now(o->loop) + ROUTER_GC_MS,
				     gc_tick, r);
	return r;
fail:
	router_free(r);
	return NULL;
}

void router_free(struct router *r)
{
	if (!r)
		return;
	/* Sends still retrying at shutdown are abandoned: their flushes
	 * finish as failed, so nothing is recorded as notified. */
	r->closing = 1;
	while (r->sending)
		notify_send_abort(r->sending->sender);
	buckets_free(r);
	retired_free(r);
	if (r->gc_timer)
		loop_timer_cancel(r->o.loop, r->gc_timer);
	dispatcher_free(r->disp);
	inhibitor_free(r->inhibit);
	alertstore_free(r->alerts);
	silences_close(r->silences);
	silence_ids_free(&r->ids);
	tmpl_set_free(r->templates);
	free(r->external_url);
	free(r);
}

static void feed(void *ctx, struct am_alert *a)
{
	struct router *r = ctx;

	inhibitor_put(r->inhibit, a->labels, a->ends_at);
	dispatcher_put(r->disp, a);
}

int router_reload(struct router *r, const struct config *c, struct buf *err)
{
	struct tmpl_set *t = load_templates(c, err);

	if (!t)
		return -1;
	tmpl_set_free(r->templates);
	r->templates = t;
	r->cfg = c;
	inhibitor_free(r->inhibit);
	r->inhibit = inhibitor_new(c->inhibit_rules, c->ninhibit_rules);
	dispatcher_reload(r->disp, c->route);
	/* every alert routed again: kept groups already hold theirs */
	alertstore_foreach(r->alerts, feed, r);
	return 0;
}

void router_retire(struct router *r, struct config *old)
{
	struct retired *x;

	if (r->flushing == 0) {
		config_free(old);
		return;
	}
	x = xcalloc(1, sizeof *x);
	x->cfg = old;
	x->next = r->retired;
	r->retired = x;
}

int router_busy(const struct router *r)
{
	return r->flushing > 0;
}

/* ------------------------------------------------------------- metrics */

struct count_ctx {
	int64_t now;
	size_t active, suppressed;
	const struct router *r;
	struct silence_ids ids;
};

static void count_alert(void *ctx, struct am_alert *a)
{
	struct count_ctx *c = ctx;

	if (am_alert_resolved(a, c->now))
		return;
	if (inhibitor_mutes(c->r->inhibit, a->labels, c->now, NULL) ||
	    silences_mutes(c->r->silences, a->labels, c->now, &c->ids))
		c->suppressed++;
	else
		c->active++;
}

void router_metrics(const struct router *r, struct buf *out)
{
	struct count_ctx c = {now_of(r), 0, 0, r, {0}};

	alertstore_foreach(r->alerts, count_alert, &c);
	silence_ids_free(&c.ids);
	expo_family(out, "tocsin_alerts", "gauge",
		    "How many alerts by state.");
	expo_samplef(out, "tocsin_alerts", (double)c.active, "state", "active",
		     EXPO_END);
	expo_samplef(out, "tocsin_alerts", (double)c.suppressed, "state",
		     "suppressed", EXPO_END);
	expo_samplef(out, "tocsin_alerts", 0, "state", "unprocessed",
		     EXPO_END);
	expo_family(out, "tocsin_alerts_received_total", "counter",
		    "The total number of received alerts.");
	expo_samplef(out, "tocsin_alerts_received_total",
		     (double)r->received_firing, "status", "firing", EXPO_END);
	expo_samplef(out, "tocsin_alerts_received_total",
		     (double)r->received_resolved, "status", "resolved",
		     EXPO_END);
	expo_family(out, "tocsin_alerts_invalid_total", "counter",
		    "The total number of received alerts that were invalid.");
	expo_samplef(out, "tocsin_alerts_invalid_total", (double)r->invalid,
		     EXPO_END);
	expo_family(out, "tocsin_dispatcher_aggregation_groups", "gauge",
		    "Number of active aggregation groups");
	expo_samplef(out, "tocsin_dispatcher_aggregation_groups",
		     (double)dispatcher_group_count(r->disp), EXPO_END);
	expo_family(out, "tocsin_notifications_suppressed_total", "counter",
		    "The total number of notifications suppressed for being "
		    "silenced, inhibited, outside of active time intervals or "
		    "within muted time intervals.");
	expo_samplef(out, "tocsin_notifications_suppressed_total",
		     (double)r->suppressed_inhibited, "reason", "inhibition",
		     EXPO_END);
	expo_samplef(out, "tocsin_notifications_suppressed_total",
		     (double)r->suppressed_silenced, "reason", "silence",
		     EXPO_END);
	expo_samplef(out, "tocsin_notifications_suppressed_total",
		     (double)r->muted, "reason", "time_interval", EXPO_END);
#define PER_INTEGRATION(name, type, help, field)                             \
	do {                                                                 \
		expo_family(out, name, type, help);                          \
		for (size_t k = 0; receivers_all[k]; k++)                    \
			expo_samplef(out, name, (double)r->stats[k].field,   \
				     "integration",                          \
				     receivers_all[k]->integration, EXPO_END); \
	} while (0)
	PER_INTEGRATION("tocsin_notifications_total", "counter",
			"The total number of attempted notifications.", total);
	expo_family(out, "tocsin_notifications_failed_total", "counter",
		    "The total number of failed notifications.");
	for (size_t k = 0; receivers_all[k]; k++)
		for (size_t w = 0; w < NOTIFY_NWHY; w++)
			expo_samplef(out, "tocsin_notifications_failed_total",
				     (double)r->stats[k].failed[w],
				     "integration",
				     receivers_all[k]->integration, "reason",
				     notify_failure_reasons[w], EXPO_END);
	PER_INTEGRATION("tocsin_notifications_rate_limited_total", "counter",
			"The total number of notifications that waited for "
			"their integration's rate_limit (Tocsin's own).",
			delayed);
	PER_INTEGRATION("tocsin_notification_requests_total", "counter",
			"The total number of attempted notification requests.",
			requests);
	PER_INTEGRATION("tocsin_notification_requests_failed_total", "counter",
			"The total number of failed notification requests.",
			requests_failed);
	expo_family(out, "tocsin_notification_latency_seconds", "histogram",
		    "The latency of notifications in seconds.");
	for (size_t k = 0; receivers_all[k]; k++) {
		for (size_t b = 0; b <= ROUTER_LATENCY_BUCKETS; b++) {
			int inf = b == ROUTER_LATENCY_BUCKETS;
			char le[16];

			snprintf(le, sizeof le, "%g",
				 inf ? 0.0 : latency_buckets[b]);
			expo_samplef(out,
				     "tocsin_notification_latency_seconds_bucket",
				     (double)(inf ? r->stats[k].latency_count
						  : r->stats[k].latency_le[b]),
				     "integration",
				     receivers_all[k]->integration, "le",
				     inf ? "+Inf" : le, EXPO_END);
		}
		expo_samplef(out, "tocsin_notification_latency_seconds_sum",
			     r->stats[k].latency_sum, "integration",
			     receivers_all[k]->integration, EXPO_END);
		expo_samplef(out, "tocsin_notification_latency_seconds_count",
			     (double)r->stats[k].latency_count, "integration",
			     receivers_all[k]->integration, EXPO_END);
	}
#undef PER_INTEGRATION
}
