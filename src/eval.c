/*
 * eval.c - the rule evaluator: groups, their schedule, one evaluation at a
 * time per group, persistence and restore.
 *
 * A group evaluation is a small state machine driven by query answers:
 * group_tick() picks the slot, group_step() starts the queries of the next
 * alerting rules (up to group_concurrency at once) and applies the answers
 * that are next in rule order, query_done() applies an answer whose turn
 * it is (or keeps it, or its error, for later) and calls group_step()
 * again, group_finish() saves and sends.  Queries may answer synchronously
 * (tests, errors) or later (curl); group_step() loops instead of recursing
 * so a group of thousands of rules answered synchronously does not grow
 * the stack.
 *
 * With several queries in flight nothing but the time changes: every
 * query has the slot's timestamp, and the answers go through the state
 * machine in rule order.  Alerting rules read nothing another writes
 * (Tocsin writes no series), so unlike Prometheus there is no dependency
 * between them to respect.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval.h"
#include "expo.h"
#include "jsonw.h"
#include "log.h"
#include "tmpl.h"
#include "tmpl_int.h"

struct eval_rule {
	const struct rule *src;	  /* in its rulefile */
	struct alerting_rule *ar; /* NULL: a recording rule */
	uint64_t labels_hash;
	double eval_seconds;	/* duration of the last evaluation */
	int64_t last_eval_ms;	/* wall time it started; 0: never */
	uint64_t evaluations, failures;
};

/* A query in flight, or its answer waiting for its turn; outlives its
 * group when the group goes away first. */
struct eval_q {
	struct eval_group *g; /* NULL once abandoned */
	size_t rule;
	int64_t started_mono;
	int arrived;
	struct promapi_result *r; /* a kept answer (token: to release) */
	void *token;
	char *err; /* an error that came before its turn */
};

struct eval_group {
	struct evaluator *e;
	const char *file; /* the rulefile's path */
	const struct rule_group *src;
	int64_t interval_ms, query_offset_ms, offset_ms;
	struct eval_rule *rules;
	size_t nrules;
	uint64_t timer;
	int64_t last_ts; /* slot of the last evaluation; 0: none */
	uint64_t state_digest; /* of the state saved last; 0: none saved */
	size_t nactive;	       /* alerts in the state saved last */

	/* the running evaluation: queries started for rules [cur, next),
	 * nflight of them (recording rules have none), answers applied for
	 * the rules before cur */
	int busy, in_start;
	size_t cur, next, nflight;
	int64_t ts, started_mono, started_wall;
	struct alerting_output out;
	struct eval_q **qs; /* [nrules], by rule */

	/* metrics */
	uint64_t iterations, missed;
	double last_duration, duration_sum;
	int64_t last_eval_ms;	/* slot of the last evaluation */
	int64_t last_started_ms; /* wall time it started (the API's
				    lastEvaluation, as Prometheus') */
};

struct evaluator {
	struct loop *loop;
	struct eval_clock wall;
	struct eval_query_ops q;
	struct eval_sink sink;
	struct store *st;
	struct eval_settings set; /* external_* owned */
	struct rulefile **files;
	size_t nfiles;
	struct eval_group **groups;
	size_t ngroups;
	int restored; /* the store's state was loaded once */
	uint64_t eval_total, fail_total;
	double eval_seconds_sum;
	struct alerting_sample *samples; /* rule_result()'s, kept */
	size_t samples_cap;
	struct alerting_scratch scratch; /* alerting_eval()'s, kept */
};

static int64_t real_wall(void *ctx)
{
	(void)ctx;
	return loop_wall_ms();
}

static int64_t wall_now(const struct evaluator *e)
{
	return e->wall.wall_ms(e->wall.ctx);
}

/* ------------------------------------------------------------- schedule */

int64_t eval_group_offset(const char *file, const char *name,
			  int64_t interval_ms)
{
	uint64_t h = 14695981039346656037ULL;
	const char *parts[2] = {file, name};

	if (interval_ms <= 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i];
		     *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		h ^= 0xff;
		h *= 1099511628211ULL;
	}
	return (int64_t)(h % (uint64_t)interval_ms);
}

int64_t eval_slot(int64_t now_ms, int64_t interval_ms, int64_t offset_ms)
{
	int64_t base = now_ms - offset_ms, q;

	if (interval_ms <= 0)
		return now_ms;
	q = base / interval_ms;
	if (base % interval_ms < 0)
		q--;
	return q * interval_ms + offset_ms;
}

static void group_tick(struct loop *l, void *arg);

static void group_schedule(struct eval_group *g)
{
	struct evaluator *e = g->e;
	int64_t now = wall_now(e);
	int64_t next = eval_slot(now, g->interval_ms, g->offset_ms) +
		       g->interval_ms;

	if (g->timer)
		loop_timer_cancel(e->loop, g->timer);
	g->timer = loop_timer_add(e->loop, loop_now(e->loop) + (next - now),
				  group_tick, g);
}

/* ------------------------------------------------------------ templates */

struct tmpl_query_ctx {
	struct evaluator *e;
	int64_t ts;
};

static int tmpl_query(void *ctx, const char *expr, struct tmpl_value **result,
		      struct buf *err)
{
	struct tmpl_query_ctx *c = ctx;
	struct promapi_result r = {0};

	if (!c->e->q.sync) {
		buf_puts(err, "query is not available here");
		return -1;
	}
	if (c->e->q.sync(c->e->q.ctx, expr, c->ts, &r, err) == -1) {
		promapi_result_free(&r);
		return -1;
	}
	*result = tmpl_query_result_new();
	for (size_t i = 0; i < r.n; i++)
		tmpl_query_result_add(*result, r.v[i].labels, r.v[i].value);
	promapi_result_free(&r);
	return 0;
}

/* ----------------------------------------------------------- evaluation */

static void group_step(struct eval_group *g);
static void group_finish(struct eval_group *g);

static const struct labels *result_labels(void *ctx, size_t i)
{
	struct promapi_result *r = ctx;

	return promapi_sample_labels(&r->v[i]);
}

static void rule_result(struct eval_group *g, struct eval_rule *er,
			struct promapi_result *r, const char *qerr)
{
	struct evaluator *e = g->e;
	struct alerting_result res = {0};
	struct alerting_sample *samples = NULL;
	struct tmpl_query_ctx tq = {e, g->ts};
	struct alerting_env env = {
		.interval_ms = g->interval_ms,
		.resend_delay_ms = e->set.resend_delay_ms,
		.query_offset_ms = g->query_offset_ms,
		.limit = g->src->limit,
		.external_labels = e->set.external_labels,
		.external_url = e->set.external_url,
		.query = tmpl_query,
		.query_ctx = &tq,
		.no_series = 1, /* nowhere to write them */
		.scratch = &e->scratch,
	};

	if (!r) {
		res.kind = ALERTING_RESULT_ERROR;
		res.error = qerr;
	} else if (r->type == PROMAPI_SCALAR) {
		res.kind = ALERTING_RESULT_SCALAR;
		res.scalar = r->n ? r->v[0].value : NAN;
	} else {
		res.kind = ALERTING_RESULT_VECTOR;
		if (r->n > e->samples_cap) {
			free(e->samples);
			e->samples_cap = r->n;
			e->samples = xmalloc(r->n * sizeof *e->samples);
		}
		samples = e->samples;
		for (size_t i = 0; i < r->n; i++) {
			samples[i].labels = r->v[i].labels;
			samples[i].value = r->v[i].value;
			samples[i].key = r->v[i].key;
		}
		res.samples = samples;
		res.labels_of = result_labels;
		res.labels_ctx = r;
		res.nsamples = r->n;
	}
	er->evaluations++;
	e->eval_total++;
	if (alerting_eval(er->ar, g->ts, &res, &env, &g->out) == -1) {
		er->failures++;
		e->fail_total++;
		LOG_WARN("rules", "Evaluating rule failed", "group",
			 g->src->name, "file", g->file, "rule", er->src->name,
			 "err", er->ar->last_error);
	}
}

/* Moves cur past recording rules, which have no query: cur is then the
 * alerting rule whose answer is next. */
static void skip_records(struct eval_group *g)
{
	while (g->cur < g->nrules && !g->rules[g->cur].ar)
		g->cur++;
	if (g->next < g->cur)
		g->next = g->cur;
}

/* Applies the answer of q, whose turn it is: r or err at hand, or (both
 * NULL) the answer or error kept in q. */
static void q_apply(struct eval_group *g, struct eval_q *q,
		    struct promapi_result *r, const char *err)
{
	struct evaluator *e = g->e;
	struct eval_rule *er = &g->rules[q->rule];

	if (!r && !err) {
		r = q->r;
		err = q->err;
	}
	rule_result(g, er, r, err ? err : (r ? NULL : "query failed"));
	er->eval_seconds =
		(double)(loop_mono_ms() - q->started_mono) / 1000.0;
	g->qs[q->rule] = NULL;
	g->nflight--;
	g->cur = q->rule + 1;
	skip_records(g);
	if (q->token)
		e->q.release(e->q.ctx, q->token);
	free(q->err);
	free(q);
}

static int query_done(void *arg, struct promapi_result *r, const char *err,
		      void *token)
{
	struct eval_q *q = arg;
	struct eval_group *g = q->g;

	if (!g) { /* abandoned */
		free(q);
		return 0;
	}
	if (q->rule == g->cur) {
		q_apply(g, q, r, err);
		if (!g->in_start)
			group_step(g);
		return 0;
	}
	/* An answer before its turn: kept, or its error copied. */
	q->arrived = 1;
	if (r && token) {
		q->r = r;
		q->token = token;
		return 1;
	}
	q->err = xstrdup(err ? err : "query failed");
	return 0;
}

/* Starts the query of rule i; its answer may come at once. */
static void q_start(struct eval_group *g, size_t i)
{
	struct evaluator *e = g->e;
	struct eval_rule *er = &g->rules[i];
	struct buf err = {0};
	struct eval_query_hint hint;
	struct eval_q *q = xcalloc(1, sizeof *q);

	er->last_eval_ms = wall_now(e);
	q->g = g;
	q->rule = i;
	q->started_mono = loop_mono_ms();
	g->qs[i] = q;
	g->nflight++;
	hint.keys = alerting_rule_keys(er->ar, &hint.n);
	g->in_start = 1;
	if (e->q.start(e->q.ctx, er->src->expr, g->ts - g->query_offset_ms,
		       &hint, query_done, q, &err) == -1) {
		/* done never runs: the error takes the answer's place */
		q->arrived = 1;
		q->err = xstrdup(err.len ? buf_str(&err) : "query failed");
	}
	g->in_start = 0;
	buf_free(&err);
}

static size_t group_window(const struct eval_group *g)
{
	const struct evaluator *e = g->e;

	if (!e->q.release || e->set.group_concurrency < 2)
		return 1;
	return e->set.group_concurrency;
}

static void group_step(struct eval_group *g)
{
	size_t window = group_window(g);

	for (;;) {
		size_t was = g->cur;

		while (g->next < g->nrules && g->nflight < window) {
			size_t i = g->next++;

			if (g->rules[i].ar)
				q_start(g, i);
		}
		/* answers (and errors) whose turn it is */
		while (g->cur < g->next && g->qs[g->cur]->arrived)
			q_apply(g, g->qs[g->cur], NULL, NULL);
		if (g->cur == g->nrules) {
			group_finish(g);
			return;
		}
		/* nothing applied: every query that may run is running */
		if (g->cur == was)
			return;
	}
}

/* A digest of what a restart needs (not values or annotations, which the
 * next evaluation renders again), so an unchanged group is not rewritten
 * on every evaluation. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t group_digest(const struct eval_group *g)
{
	uint64_t h = 1;

	for (size_t i = 0; i < g->nrules; i++) {
		const struct alerting_rule *r = g->rules[i].ar;

		if (!r)
			continue;
		h = mix(h, i);
		h += alerting_rule_digest(r);
	}
	return h ? h : 1;
}

static int group_save(struct eval_group *g, struct buf *err)
{
	struct evaluator *e = g->e;
	struct store_group_key key = {g->file, g->src->name, 0};
	struct store_rule_alerts *rules;
	struct alert_persist **ps;
	size_t n = 0;
	int rc;
	uint64_t digest;

	if (!e->st)
		return 0;
	digest = group_digest(g);
	if (digest == g->state_digest) {
		/* Unchanged: only when it was evaluated, which a restart
		 * needs to tell the downtime (Prometheus' downAt). */
		if (g->nactive == 0)
			return 0;
		return store_alerts_touch_group(e->st, &key, wall_now(e), err);
	}
	rules = xcalloc(g->nrules ? g->nrules : 1, sizeof *rules);
	ps = xcalloc(g->nrules ? g->nrules : 1, sizeof *ps);
	for (size_t i = 0; i < g->nrules; i++) {
		struct eval_rule *er = &g->rules[i];
		const struct alert **v;
		size_t na = 0;

		if (!er->ar)
			continue;
		v = alerting_rule_alerts(er->ar, &na);
		ps[n] = xcalloc(na ? na : 1, sizeof **ps);
		for (size_t j = 0; j < na; j++)
			alerting_alert_export(v[j], &ps[n][j]);
		free((void *)v);
		rules[n].rule.name = er->ar->name;
		rules[n].rule.labels_hash = er->labels_hash;
		rules[n].alerts = ps[n];
		rules[n].nalerts = na;
		n++;
	}
	rc = store_alerts_save_group(e->st, &key, rules, n, wall_now(e), err);
	g->nactive = 0;
	for (size_t i = 0; i < n; i++)
		g->nactive += rules[i].nalerts;
	if (rc == 0)
		g->state_digest = digest;
	for (size_t i = 0; i < n; i++)
		free(ps[i]);
	free(ps);
	free(rules);
	return rc;
}

static void group_send(struct eval_group *g)
{
	struct evaluator *e = g->e;

	if (g->out.nsends && e->sink.send)
		e->sink.send(e->sink.ctx, g, g->out.sends, g->out.nsends);
	alerting_output_free(&g->out);
}

static void group_finish(struct eval_group *g)
{
	struct evaluator *e = g->e;
	struct buf err = {0};
	double secs = (double)(loop_mono_ms() - g->started_mono) / 1000.0;

	g->busy = 0;
	g->cur = g->next = 0;
	g->last_duration = secs;
	g->duration_sum += secs;
	e->eval_seconds_sum += secs;
	if (group_save(g, &err) == -1) {
		LOG_ERROR("rules", "Saving alert state failed", "group",
			  g->src->name, "file", g->file, "err", buf_str(&err));
	}
	buf_free(&err);
	group_send(g);
}

static void group_eval(struct eval_group *g, int64_t ts)
{
	g->busy = 1;
	g->cur = g->next = g->nflight = 0;
	skip_records(g);
	g->ts = ts;
	g->last_ts = ts;
	g->last_eval_ms = ts;
	g->iterations++;
	g->started_mono = loop_mono_ms();
	g->started_wall = wall_now(g->e);
	g->last_started_ms = g->started_wall;
	group_step(g);
}

static void group_tick(struct loop *l, void *arg)
{
	struct eval_group *g = arg;
	int64_t now = wall_now(g->e), ts;

	(void)l;
	g->timer = 0;
	ts = eval_slot(now, g->interval_ms, g->offset_ms);
	if (g->busy || (g->last_ts && ts <= g->last_ts)) {
		/* Still running (the slot is missed, counted when the next
		 * evaluation starts) or woken before the slot. */
		group_schedule(g);
		return;
	}
	if (g->last_ts && ts - g->last_ts > g->interval_ms) {
		uint64_t missed =
			(uint64_t)((ts - g->last_ts) / g->interval_ms - 1);

		g->missed += missed;
		LOG_WARN("rules", "Rule group evaluation missed", "group",
			 g->src->name, "file", g->file);
	}
	group_schedule(g);
	group_eval(g, ts);
}

/* Stops a running evaluation: its query's answer will be ignored; what it
 * already decided is sent so no notification is lost. */
static void group_abandon(struct eval_group *g)
{
	struct evaluator *e = g->e;

	for (size_t i = g->cur; g->qs && i < g->next; i++) {
		struct eval_q *q = g->qs[i];

		if (!q)
			continue;
		g->qs[i] = NULL;
		if (!q->arrived) {
			q->g = NULL; /* its done frees it */
			continue;
		}
		if (q->token)
			e->q.release(e->q.ctx, q->token);
		free(q->err);
		free(q);
	}
	g->cur = g->next = g->nflight = 0;
	if (g->busy) {
		g->busy = 0;
		group_send(g);
	}
	alerting_output_free(&g->out);
}

/* --------------------------------------------------------------- groups */

static void group_free(struct eval_group *g)
{
	if (!g)
		return;
	group_abandon(g);
	if (g->timer)
		loop_timer_cancel(g->e->loop, g->timer);
	for (size_t i = 0; i < g->nrules; i++)
		alerting_rule_free(g->rules[i].ar);
	free(g->rules);
	free(g->qs);
	free(g);
}

static struct eval_group *group_new(struct evaluator *e, const char *file,
				    const struct rule_group *src)
{
	struct eval_group *g = xcalloc(1, sizeof *g);

	g->e = e;
	g->file = file;
	g->src = src;
	g->interval_ms = src->interval_ms ? src->interval_ms
					  : e->set.interval_ms;
	if (g->interval_ms <= 0)
		g->interval_ms = 60000;
	g->query_offset_ms = src->has_query_offset ? src->query_offset_ms
						   : e->set.query_offset_ms;
	g->offset_ms = eval_group_offset(file, src->name, g->interval_ms);
	g->nrules = src->nrules;
	g->rules = xcalloc(g->nrules ? g->nrules : 1, sizeof *g->rules);
	g->qs = xcalloc(g->nrules ? g->nrules : 1, sizeof *g->qs);
	for (size_t i = 0; i < src->nrules; i++) {
		struct eval_rule *er = &g->rules[i];

		er->src = &src->rules[i];
		if (er->src->kind != RULE_ALERT)
			continue;
		er->ar = alerting_rule_new(er->src, src);
		er->ar->restored = 1; /* no series are written */
		er->labels_hash =
			store_rule_labels_hash(er->ar->labels, er->ar->nlabels);
	}
	return g;
}

static struct eval_group *group_find(struct eval_group **v, size_t n,
				     const char *file, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i]->file, file) == 0 &&
		    strcmp(v[i]->src->name, name) == 0)
			return v[i];
	return NULL;
}

/* Moves the alerts and the history of old into its successor g. */
static void group_take_over(struct eval_group *g, struct eval_group *old)
{
	struct alerting_rule **to, **from;
	size_t nto = 0, nfrom = 0;

	group_abandon(old);
	to = xcalloc(g->nrules + 1, sizeof *to);
	from = xcalloc(old->nrules + 1, sizeof *from);
	for (size_t i = 0; i < g->nrules; i++)
		if (g->rules[i].ar)
			to[nto++] = g->rules[i].ar;
	for (size_t i = 0; i < old->nrules; i++)
		if (old->rules[i].ar)
			from[nfrom++] = old->rules[i].ar;
	alerting_group_carry_over(to, nto, from, nfrom);
	free(to);
	free(from);
	g->iterations = old->iterations;
	g->missed = old->missed;
	g->duration_sum = old->duration_sum;
	g->last_duration = old->last_duration;
	g->last_eval_ms = old->last_eval_ms;
	g->last_started_ms = old->last_started_ms;
	for (size_t i = 0; i < g->nrules; i++) {
		struct eval_rule *er = &g->rules[i];

		/* rule history follows the rule, matched as its alerts are */
		for (size_t j = 0; er->ar && j < old->nrules; j++) {
			struct eval_rule *o = &old->rules[j];

			if (o->ar && o->last_eval_ms &&
			    alerting_rule_same(er->ar, o->ar)) {
				er->eval_seconds = o->eval_seconds;
				er->last_eval_ms = o->last_eval_ms;
				er->evaluations = o->evaluations;
				er->failures = o->failures;
				o->last_eval_ms = 0;
				break;
			}
		}
	}
	if (g->interval_ms == old->interval_ms)
		g->last_ts = old->last_ts;
}

/* -------------------------------------------------------------- restore */

struct restore_ctx {
	struct evaluator *e;
	int64_t now;
	size_t restored, dropped;
};

static struct eval_rule *rule_find(struct eval_group *g,
				   const struct store_rule_key *k)
{
	for (size_t i = 0; i < g->nrules; i++) {
		struct eval_rule *er = &g->rules[i];

		if (er->ar && er->labels_hash == k->labels_hash &&
		    strcmp(er->ar->name, k->name) == 0)
			return er;
	}
	return NULL;
}

/*
 * Prometheus restores only ActiveAt of pending and firing alerts, from the
 * ALERTS_FOR_STATE series, and loses keep_firing_for progress and the
 * firing status of alerts whose `for` is under the grace period (its
 * issues #13957, #15175).  Here a firing alert comes back firing with its
 * FiredAt (so Alertmanager sees the same StartsAt), its KeepFiringSince
 * and its last send; a pending alert gets Prometheus' ActiveAt arithmetic,
 * the downtime not counted towards `for` (also when `for` is under the
 * grace period, which Prometheus does not restore at all); resolved alerts come back to
 * finish their resolved notifications.  State older than the outage
 * tolerance is dropped, as Prometheus finds no series then.
 */
static int restore_one(void *ctx, const struct store_group_key *gk,
		       const struct store_rule_key *rk,
		       const struct alert_persist *a)
{
	struct restore_ctx *c = ctx;
	struct evaluator *e = c->e;
	struct eval_group *g = group_find(e->groups, e->ngroups, gk->file,
					  gk->group);
	struct eval_rule *er = g ? rule_find(g, rk) : NULL;
	struct alert_persist p = *a;

	if (!er || c->now - gk->saved_at_ms > e->set.outage_tolerance_ms) {
		c->dropped++;
		return 0;
	}
	if (p.state == ALERT_PENDING) {
		/* ALERTS_FOR_STATE holds ActiveAt.Unix(): whole seconds */
		int64_t active_s = p.active_at / 1000, active_at;

		/* Prometheus leaves rules with `for` under the grace period
		 * alone, so they wait their whole `for` again; here their
		 * clock, too, just skips the downtime. */
		if (alerting_restore_active_at(er->ar->for_ms, e->set.grace_ms,
					       c->now, gk->saved_at_ms,
					       (double)active_s,
					       &active_at))
			p.active_at = active_at;
		else if (c->now > gk->saved_at_ms)
			p.active_at += c->now - gk->saved_at_ms;
	}
	if (alerting_rule_import(er->ar, &p))
		c->restored++;
	else
		c->dropped++;
	return 0;
}

static void restore(struct evaluator *e)
{
	struct restore_ctx c = {e, wall_now(e), 0, 0};
	struct buf err = {0};
	char n1[32], n2[32];

	if (store_alerts_load(e->st, restore_one, &c, &err) == -1) {
		LOG_ERROR("rules", "Restoring alert state failed", "err",
			  buf_str(&err));
		buf_free(&err);
		return;
	}
	snprintf(n1, sizeof n1, "%zu", c.restored);
	snprintf(n2, sizeof n2, "%zu", c.dropped);
	LOG_INFO("rules", "Restored alert state", "alerts", n1, "dropped", n2);
	/* Written again at the first evaluation of each group. */
	for (size_t i = 0; i < e->ngroups; i++)
		e->groups[i]->state_digest = 0;
}

/* ------------------------------------------------------------------ API */

struct evaluator *eval_new(struct loop *l, const struct eval_clock *wall,
			   const struct eval_query_ops *q,
			   const struct eval_sink *sink, struct store *st)
{
	struct evaluator *e = xcalloc(1, sizeof *e);

	e->loop = l;
	if (wall)
		e->wall = *wall;
	else
		e->wall.wall_ms = real_wall;
	e->q = *q;
	if (sink)
		e->sink = *sink;
	e->st = st;
	e->set.external_url = xstrdup("");
	return e;
}

static void settings_free(struct eval_settings *s)
{
	labels_free((struct labels *)s->external_labels);
	free((char *)s->external_url);
	s->external_labels = NULL;
	s->external_url = NULL;
}

/* Frees the groups and the rule files they point into. */
static void groups_free(struct evaluator *e)
{
	for (size_t i = 0; i < e->ngroups; i++)
		group_free(e->groups[i]);
	free(e->groups);
	for (size_t i = 0; i < e->nfiles; i++)
		rulefile_free(e->files[i]);
	free(e->files);
	e->groups = NULL;
	e->files = NULL;
	e->ngroups = e->nfiles = 0;
}

void eval_free(struct evaluator *e)
{
	if (!e)
		return;
	groups_free(e);
	settings_free(&e->set);
	free(e->samples);
	alerting_scratch_free(&e->scratch);
	free(e);
}

/* Prometheus drops the trailing slash of --web.external-url, so links are
 * <url>/graph, never <url>//graph. */
static void trim_slashes(char *u)
{
	size_t len = strlen(u);
	const char *scheme = strstr(u, "://");
	size_t min = scheme ? (size_t)(scheme - u) + 3 : 0;

	while (len > min && u[len - 1] == '/')
		u[--len] = '\0';
}

int eval_load(struct evaluator *e, struct rulefile **files, size_t n,
	      const struct eval_settings *s, struct buf *err)
{
	struct eval_group **groups = NULL;
	struct store_group_key *keys;
	size_t ngroups = 0, cap = 0, nrecord = 0;
	int rc = 0;

	settings_free(&e->set);
	e->set = *s;
	e->set.external_labels =
		s->external_labels ? labels_dup(s->external_labels) : NULL;
	e->set.external_url = xstrdup(s->external_url ? s->external_url : "");
	trim_slashes((char *)e->set.external_url);

	for (size_t i = 0; i < n; i++) {
		const struct rulefile *rf = files[i];

		for (size_t j = 0; j < rf->ngroups; j++) {
			struct eval_group *g, *old;

			/* The same group twice (a file matched by two globs)
			 * is evaluated once. */
			if (group_find(groups, ngroups, rf->path,
				       rf->groups[j].name))
				continue;
			g = group_new(e, rf->path, &rf->groups[j]);
			for (size_t k = 0; k < g->nrules; k++)
				nrecord += g->rules[k].ar == NULL;
			old = group_find(e->groups, e->ngroups, rf->path,
					 rf->groups[j].name);
			if (old)
				group_take_over(g, old);
			if (ngroups == cap) {
				cap = cap ? cap * 2 : 16;
				groups = xrealloc(groups, cap * sizeof *groups);
			}
			groups[ngroups++] = g;
		}
	}
	groups_free(e);
	e->files = files;
	e->nfiles = n;
	e->groups = groups;
	e->ngroups = ngroups;

	if (nrecord) {
		char num[32];

		snprintf(num, sizeof num, "%zu", nrecord);
		LOG_WARN("rules",
			 "Recording rules are not evaluated; keep them in "
			 "Prometheus",
			 "rules", num);
	}
	if (e->st && !e->restored) {
		e->restored = 1;
		restore(e);
	}
	if (e->st) {
		keys = xcalloc(ngroups ? ngroups : 1, sizeof *keys);
		for (size_t i = 0; i < ngroups; i++) {
			keys[i].file = groups[i]->file;
			keys[i].group = groups[i]->src->name;
		}
		rc = store_alerts_retain_groups(e->st, keys, ngroups, err);
		free(keys);
	}
	for (size_t i = 0; i < ngroups; i++)
		group_schedule(groups[i]);
	return rc;
}

void eval_stop(struct evaluator *e)
{
	for (size_t i = 0; i < e->ngroups; i++) {
		struct eval_group *g = e->groups[i];

		if (g->timer)
			loop_timer_cancel(e->loop, g->timer);
		g->timer = 0;
	}
}

int eval_flush(struct evaluator *e, struct buf *err)
{
	int rc = 0;

	for (size_t i = 0; i < e->ngroups; i++)
		if (group_save(e->groups[i], err) == -1)
			rc = -1;
	return rc;
}

size_t eval_group_count(const struct evaluator *e)
{
	return e->ngroups;
}

size_t eval_rule_count(const struct evaluator *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->ngroups; i++)
		for (size_t j = 0; j < e->groups[i]->nrules; j++)
			n += e->groups[i]->rules[j].ar != NULL;
	return n;
}

size_t eval_active_alerts(const struct evaluator *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->ngroups; i++) {
		const struct eval_group *g = e->groups[i];

		for (size_t j = 0; j < g->nrules; j++) {
			const struct alerting_rule *r = g->rules[j].ar;

			for (size_t k = 0; r && k < r->active.cap; k++) {
				const struct alert *a = r->active.slots[k];

				n += a && a->state >= ALERT_PENDING;
			}
		}
	}
	return n;
}

int eval_busy(const struct evaluator *e)
{
	for (size_t i = 0; i < e->ngroups; i++)
		if (e->groups[i]->busy)
			return 1;
	return 0;
}

const char *eval_group_file(const struct eval_group *g)
{
	return g->file;
}

const char *eval_group_name(const struct eval_group *g)
{
	return g->src->name;
}

/* ---------------------------------------------------------- inspection */

/* Prometheus prints alert values with strconv.FormatFloat(v, 'e', -1). */
static void value_e(struct buf *out, double v)
{
	buf_putc(out, '"');
	if (isnan(v))
		buf_puts(out, "NaN");
	else if (isinf(v))
		buf_puts(out, v > 0 ? "+Inf" : "-Inf");
	else
		tmpl_format_float(out, v, 'e', -1);
	buf_putc(out, '"');
}

static void kv_json(struct buf *out, const struct rule_kv *v, size_t n)
{
	buf_putc(out, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		jsonw_str(out, v[i].name);
		buf_putc(out, ':');
		jsonw_str(out, v[i].value);
	}
	buf_putc(out, '}');
}

static void alert_json(struct buf *out, const struct alert *a)
{
	buf_puts(out, "{\"labels\":");
	jsonw_labels(out, a->labels);
	buf_puts(out, ",\"annotations\":");
	jsonw_labels(out, a->annotations);
	buf_puts(out, ",\"state\":");
	jsonw_str(out, alerting_state_name(a->state));
	buf_puts(out, ",\"activeAt\":");
	jsonw_time(out, a->active_at);
	if (a->keep_firing_since != ALERT_TIME_ZERO) {
		buf_puts(out, ",\"keepFiringSince\":");
		jsonw_time(out, a->keep_firing_since);
	}
	buf_puts(out, ",\"value\":");
	value_e(out, a->value);
	buf_putc(out, '}');
}

/* Active alerts (pending and firing) of r, in label order, as JSON. */
static size_t alerts_json(struct buf *out, const struct alerting_rule *r,
			  size_t nprev)
{
	size_t n = 0, k = nprev;
	const struct alert **v = alerting_rule_alerts(r, &n);

	for (size_t i = 0; i < n; i++) {
		if (v[i]->state < ALERT_PENDING)
			continue;
		if (k++)
			buf_putc(out, ',');
		alert_json(out, v[i]);
	}
	free((void *)v);
	return k;
}

static void seconds_json(struct buf *out, int64_t ms)
{
	jsonw_float(out, (double)ms / 1000.0);
}

static void rule_json(struct buf *out, const struct eval_rule *er)
{
	const struct rule *src = er->src;
	const struct alerting_rule *r = er->ar;
	enum alerting_health h = r ? r->health : ALERTING_HEALTH_UNKNOWN;

	buf_putc(out, '{');
	if (r) {
		buf_puts(out, "\"state\":");
		jsonw_str(out, alerting_state_name(alerting_rule_state(r)));
		buf_putc(out, ',');
	}
	buf_puts(out, "\"name\":");
	jsonw_str(out, src->name);
	buf_puts(out, ",\"query\":");
	jsonw_str(out, src->expr);
	if (r) {
		buf_puts(out, ",\"duration\":");
		seconds_json(out, r->for_ms);
		buf_puts(out, ",\"keepFiringFor\":");
		seconds_json(out, r->keep_firing_for_ms);
		buf_puts(out, ",\"labels\":");
		kv_json(out, r->labels, r->nlabels);
		buf_puts(out, ",\"annotations\":");
		kv_json(out, r->annotations, r->nannotations);
		buf_puts(out, ",\"alerts\":[");
		alerts_json(out, r, 0);
		buf_putc(out, ']');
	} else if (src->nlabels) {
		buf_puts(out, ",\"labels\":");
		kv_json(out, src->labels, src->nlabels);
	}
	buf_puts(out, ",\"health\":");
	jsonw_str(out, alerting_health_name(h));
	if (r && r->last_error) {
		buf_puts(out, ",\"lastError\":");
		jsonw_str(out, r->last_error);
	} else if (!r) {
		buf_puts(out, ",\"lastError\":\"recording rules are evaluated "
			      "by Prometheus, not Tocsin\"");
	}
	buf_puts(out, ",\"evaluationTime\":");
	jsonw_float(out, er->eval_seconds);
	buf_puts(out, ",\"lastEvaluation\":");
	jsonw_time(out, er->last_eval_ms ? er->last_eval_ms : ALERT_TIME_ZERO);
	buf_puts(out, r ? ",\"type\":\"alerting\"}" : ",\"type\":\"recording\"}");
}

void eval_rules_json(const struct evaluator *e, const char *type,
		     struct buf *out)
{
	int want_alert = !type || strcmp(type, "alert") == 0;
	int want_record = !type || strcmp(type, "record") == 0;

	buf_puts(out, "{\"status\":\"success\",\"data\":{\"groups\":[");
	for (size_t i = 0; i < e->ngroups; i++) {
		const struct eval_group *g = e->groups[i];
		size_t k = 0;

		if (i)
			buf_putc(out, ',');
		buf_puts(out, "{\"name\":");
		jsonw_str(out, g->src->name);
		buf_puts(out, ",\"file\":");
		jsonw_str(out, g->file);
		buf_puts(out, ",\"rules\":[");
		for (size_t j = 0; j < g->nrules; j++) {
			const struct eval_rule *er = &g->rules[j];

			if (er->ar ? !want_alert : !want_record)
				continue;
			if (k++)
				buf_putc(out, ',');
			rule_json(out, er);
		}
		buf_puts(out, "],\"interval\":");
		seconds_json(out, g->interval_ms);
		buf_printf(out, ",\"limit\":%lld", g->src->limit);
		buf_puts(out, ",\"evaluationTime\":");
		jsonw_float(out, g->last_duration);
		buf_puts(out, ",\"lastEvaluation\":");
		jsonw_time(out, g->last_started_ms ? g->last_started_ms
						   : ALERT_TIME_ZERO);
		buf_putc(out, '}');
	}
	buf_puts(out, "]}}");
}

void eval_alerts_json(const struct evaluator *e, struct buf *out)
{
	size_t k = 0;

	buf_puts(out, "{\"status\":\"success\",\"data\":{\"alerts\":[");
	for (size_t i = 0; i < e->ngroups; i++) {
		const struct eval_group *g = e->groups[i];

		for (size_t j = 0; j < g->nrules; j++)
			if (g->rules[j].ar)
				k = alerts_json(out, g->rules[j].ar, k);
	}
	buf_puts(out, "]}}");
}

/* --------------------------------------------------------------- metrics */

/* Prometheus' rule_group label: file;group. */
static void group_sample(struct buf *out, const char *name,
			 const struct eval_group *g, double v)
{
	char *label = xasprintf("%s;%s", g->file, g->src->name);

	expo_samplef(out, name, v, "rule_group", label, EXPO_END);
	free(label);
}

#define PER_GROUP(name, type, help, expr)                                    \
	do {                                                                 \
		expo_family(out, name, type, help);                          \
		for (size_t i_ = 0; i_ < e->ngroups; i_++) {                 \
			const struct eval_group *g = e->groups[i_];          \
			group_sample(out, name, g, (double)(expr));          \
		}                                                            \
	} while (0)

static uint64_t group_evals(const struct eval_group *g, int failures)
{
	uint64_t n = 0;

	for (size_t i = 0; i < g->nrules; i++)
		n += failures ? g->rules[i].failures : g->rules[i].evaluations;
	return n;
}

void eval_metrics(const struct evaluator *e, struct buf *out)
{
	PER_GROUP("tocsin_rule_evaluations_total", "counter",
		  "The total number of rule evaluations.",
		  group_evals(g, 0));
	PER_GROUP("tocsin_rule_evaluation_failures_total", "counter",
		  "The total number of rule evaluation failures.",
		  group_evals(g, 1));
	PER_GROUP("tocsin_rule_group_iterations_total", "counter",
		  "The total number of scheduled rule group evaluations, "
		  "whether executed or missed.",
		  g->iterations + g->missed);
	PER_GROUP("tocsin_rule_group_iterations_missed_total", "counter",
		  "The total number of rule group evaluations missed due to "
		  "slow rule group evaluation.",
		  g->missed);
	PER_GROUP("tocsin_rule_group_interval_seconds", "gauge",
		  "The interval of a rule group.",
		  (double)g->interval_ms / 1000.0);
	PER_GROUP("tocsin_rule_group_last_duration_seconds", "gauge",
		  "The duration of the last rule group evaluation.",
		  g->last_duration);
	PER_GROUP("tocsin_rule_group_last_evaluation_timestamp_seconds",
		  "gauge",
		  "The timestamp of the last rule group evaluation in seconds.",
		  g->last_eval_ms ? (double)g->last_eval_ms / 1000.0 : 0.0);
	PER_GROUP("tocsin_rule_group_rules", "gauge",
		  "The number of rules.", g->nrules);
	expo_family(out, "tocsin_rule_group_duration_seconds", "summary",
		    "The duration of rule group evaluations.");
	{
		double sum = 0;
		uint64_t count = 0;

		for (size_t i = 0; i < e->ngroups; i++) {
			sum += e->groups[i]->duration_sum;
			count += e->groups[i]->iterations;
		}
		expo_samplef(out, "tocsin_rule_group_duration_seconds_sum",
			     sum, EXPO_END);
		expo_samplef(out, "tocsin_rule_group_duration_seconds_count",
			     (double)count, EXPO_END);
	}
	expo_family(out, "tocsin_rule_alerts", "gauge",
		    "The number of active (pending or firing) alerts.");
	expo_samplef(out, "tocsin_rule_alerts", (double)eval_active_alerts(e),
		     EXPO_END);
}
