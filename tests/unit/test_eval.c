/*
 * test_eval.c - the evaluator on a fake clock with canned query answers:
 * slots, missed iterations, rules in order on one timestamp, query_offset,
 * errors freezing state, sends reaching the sink, reload carrying state,
 * restore from the store after a restart, and the API answers.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval.h"
#include "jsonw.h"
#include "log.h"

#define SEC 1000LL
#define MIN (60 * SEC)
/* A minute-aligned time; groups get offsets within their interval. */
#define T0 1700000040000LL

/* ------------------------------------------------------------ fake clock */

static int64_t now_ms = T0;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return now_ms;
}

static const struct loop_clock fake_clock = {fake_now, NULL};
static const struct eval_clock fake_wall = {fake_now, NULL};

/* ---------------------------------------------------------- fake queries */

struct call {
	char *expr;
	int64_t t;
};

/* Canned answer per expression: "" empty vector, "ERR:msg" an error,
 * "SCALAR:v", or "name{a=b,c=d} v; ..." samples. */
static struct {
	const char *expr[8];
	const char *answer[8];
	size_t n;
	int deferred; /* answer only on answer_pending() */
	struct call calls[256];
	size_t ncalls;
	/* deferred queries, in the order they started */
	struct {
		eval_query_done_fn *done;
		void *arg;
		char *expr;
	} pending[16];
	size_t npending;
	int kept; /* answers kept by the evaluator, not released yet */
} fq;

static void canned(const char *expr, const char *answer)
{
	for (size_t i = 0; i < fq.n; i++)
		if (strcmp(fq.expr[i], expr) == 0) {
			fq.answer[i] = answer;
			return;
		}
	fq.expr[fq.n] = expr;
	fq.answer[fq.n++] = answer;
}

static struct labels *parse_labels(const char *s, size_t len)
{
	struct labels_builder b = {0};
	const char *brace = memchr(s, '{', len);
	struct labels *l;

	if (!brace) {
		char *name = xstrndup(s, len);

		labels_builder_set(&b, "__name__", name);
		free(name);
	} else {
		char *name = xstrndup(s, (size_t)(brace - s));
		char *body = xstrndup(brace + 1, len - (size_t)(brace - s) - 2);
		char *save = NULL;

		if (name[0])
			labels_builder_set(&b, "__name__", name);
		for (char *kv = strtok_r(body, ",", &save); kv;
		     kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');

			*eq = '\0';
			labels_builder_set(&b, kv, eq + 1);
		}
		free(name);
		free(body);
	}
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* Answers with spec; the evaluator may keep the answer (until
 * fq_release()). */
static void answer(const char *spec, eval_query_done_fn *done, void *arg)
{
	struct promapi_result *rp = xcalloc(1, sizeof *rp), r = {0};

	if (strncmp(spec, "ERR:", 4) == 0) {
		cr_assert_eq(done(arg, NULL, spec + 4, NULL), 0);
		free(rp);
		return;
	}
	if (strncmp(spec, "SCALAR:", 7) == 0) {
		r.type = PROMAPI_SCALAR;
		r.v = xcalloc(1, sizeof *r.v);
		r.n = 1;
		r.v[0].labels = labels_empty();
		r.v[0].value = strtod(spec + 7, NULL);
	} else {
		const char *p = spec;

		r.type = PROMAPI_VECTOR;
		r.v = xcalloc(16, sizeof *r.v);
		while (*p) {
			const char *end = strchr(p, ';'), *sp;
			size_t len = end ? (size_t)(end - p) : strlen(p);

			while (*p == ' ')
				p++, len--;
			sp = memchr(p, ' ', len);
			r.v[r.n].labels = parse_labels(p, (size_t)(sp - p));
			r.v[r.n].value = strtod(sp + 1, NULL);
			r.n++;
			p = end ? end + 1 : p + len;
		}
	}
	*rp = r;
	if (done(arg, rp, NULL, rp) == 1) {
		fq.kept++;
		return;
	}
	promapi_result_free(rp);
	free(rp);
}

static void fq_release(void *ctx, void *token)
{
	(void)ctx;
	cr_assert_gt(fq.kept, 0);
	fq.kept--;
	promapi_result_free(token);
	free(token);
}

static const char *lookup(const char *expr)
{
	for (size_t i = 0; i < fq.n; i++)
		if (strcmp(fq.expr[i], expr) == 0)
			return fq.answer[i];
	return "";
}

static int fq_start(void *ctx, const char *expr, int64_t t,
		    const struct eval_query_hint *hint,
		    eval_query_done_fn *done, void *arg, struct buf *err)
{
	(void)ctx;
	(void)hint;
	(void)err;
	cr_assert_lt(fq.ncalls, 256);
	fq.calls[fq.ncalls].expr = xstrdup(expr);
	fq.calls[fq.ncalls++].t = t;
	if (fq.deferred) {
		cr_assert_lt(fq.npending, 16);
		fq.pending[fq.npending].done = done;
		fq.pending[fq.npending].arg = arg;
		fq.pending[fq.npending++].expr = xstrdup(expr);
		return 0;
	}
	answer(lookup(expr), done, arg);
	return 0;
}

static int fq_sync(void *ctx, const char *expr, int64_t t,
		   struct promapi_result *r, struct buf *err)
{
	(void)ctx;
	(void)t;
	if (strcmp(expr, "model_baseline") == 0) {
		r->type = PROMAPI_VECTOR;
		r->v = xcalloc(1, sizeof *r->v);
		r->n = 1;
		r->v[0].labels = labels_empty();
		r->v[0].value = 0.25;
		return 0;
	}
	buf_puts(err, "no such series");
	return -1;
}

/* Answers the deferred query of expr (NULL: the oldest). */
static void answer_expr(const char *expr)
{
	size_t k = 0;
	eval_query_done_fn *done;
	void *arg;
	char *e;

	while (expr && k < fq.npending && strcmp(fq.pending[k].expr, expr))
		k++;
	cr_assert_lt(k, fq.npending, "no query of %s waits",
		     expr ? expr : "any");
	done = fq.pending[k].done;
	arg = fq.pending[k].arg;
	e = fq.pending[k].expr;
	memmove(&fq.pending[k], &fq.pending[k + 1],
		(fq.npending - k - 1) * sizeof fq.pending[0]);
	fq.npending--;
	answer(lookup(e), done, arg);
	free(e);
}

static void answer_pending(void)
{
	cr_assert_eq(fq.npending, 1, "one query at a time");
	answer_expr(NULL);
}

static const struct eval_query_ops fq_ops = {fq_start, fq_sync, fq_release,
					      NULL};

/* -------------------------------------------------------------- the sink */

struct sent {
	char *labels;
	int64_t starts, ends;
	int firing;
	char *annotations;
};

static struct sent sent[256];
static size_t nsent;

static void sink_send(void *ctx, const struct eval_group *g,
		      const struct alerting_notification *v, size_t n)
{
	(void)ctx;
	(void)g;
	for (size_t i = 0; i < n; i++) {
		struct buf b = {0}, a = {0};

		cr_assert_lt(nsent, 256);
		labels_format(v[i].labels, &b);
		labels_format(v[i].annotations, &a);
		sent[nsent].labels = buf_take(&b);
		sent[nsent].annotations = buf_take(&a);
		sent[nsent].starts = v[i].starts_at;
		sent[nsent].ends = v[i].ends_at;
		sent[nsent].firing = v[i].state == ALERT_FIRING;
		nsent++;
	}
}

static const struct eval_sink sink = {sink_send, NULL};

static void sent_clear(void)
{
	for (size_t i = 0; i < nsent; i++) {
		free(sent[i].labels);
		free(sent[i].annotations);
	}
	nsent = 0;
}

/* --------------------------------------------------------------- fixture */

static struct loop *loop;
static struct evaluator *ev;
static struct store *st;
static char dir[64];

static void setup(void)
{
	now_ms = T0;
	memset(&fq, 0, sizeof fq);
	nsent = 0;
	loop = loop_new(&fake_clock);
	cr_assert_not_null(loop);
	strcpy(dir, "/tmp/tocsin-eval-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	log_set_output(fopen("/dev/null", "w"));
}

static void teardown(void)
{
	char path[128];

	eval_free(ev);
	store_close(st);
	loop_free(loop);
	for (size_t i = 0; i < fq.ncalls; i++)
		free(fq.calls[i].expr);
	for (size_t i = 0; i < fq.npending; i++)
		free(fq.pending[i].expr);
	sent_clear();
	snprintf(path, sizeof path, "%s/state.db", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/state.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/state.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(eval, .init = setup, .fini = teardown);

static struct rulefile *rules(const char *text)
{
	struct diags d = {0};
	struct rulefile *rf = rulefile_load_buf("rules.yml", text,
						strlen(text), &d);

	if (!rf)
		diags_print(&d, stderr);
	cr_assert_not_null(rf);
	diags_free(&d);
	return rf;
}

static const struct eval_settings defaults = {
	.interval_ms = MIN,
	.resend_delay_ms = MIN,
	.outage_tolerance_ms = 60 * MIN,
	.grace_ms = 10 * MIN,
};

static void load(const char *text, const struct eval_settings *s)
{
	struct rulefile **files = xcalloc(1, sizeof *files);
	struct buf err = {0};

	files[0] = rules(text);
	if (!ev)
		ev = eval_new(loop, &fake_wall, &fq_ops, &sink, st);
	cr_assert_eq(eval_load(ev, files, 1, s ? s : &defaults, &err), 0,
		     "%s", buf_str(&err));
	buf_free(&err);
}

/* Advances the clock to t, running every timer due on the way in order. */
static void run_until(int64_t t)
{
	while (now_ms < t) {
		now_ms += SEC < t - now_ms ? SEC : t - now_ms;
		while (loop_run_once(loop, 0) > 0)
			;
	}
}

static const char one_rule[] =
	"groups:\n"
	"- name: g\n"
	"  interval: 1m\n"
	"  rules:\n"
	"  - alert: Drift\n"
	"    expr: drift > 0.2\n"
	"    for: 2m\n"
	"    labels: {severity: warning}\n"
	"    annotations:\n"
	"      summary: 'model {{ $labels.model }} drifted by {{ $value }}'\n";

/* ------------------------------------------------------------------ slots */

Test(eval, slot_arithmetic)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);

	cr_assert(off >= 0 && off < MIN);
	cr_assert_eq(eval_group_offset("rules.yml", "g", MIN), off);
	cr_assert_neq(eval_group_offset("rules.yml", "h", MIN), off,
		      "groups are spread");
	cr_assert_eq(eval_slot(T0 + 5 * SEC, MIN, 0), T0);
	cr_assert_eq(eval_slot(T0, MIN, 0), T0);
	cr_assert_eq(eval_slot(T0 - 1, MIN, 0), T0 - MIN);
	cr_assert_eq(eval_slot(T0 + 5 * SEC, MIN, 7 * SEC), T0 - MIN + 7 * SEC);
	cr_assert_eq(eval_slot(T0 + 7 * SEC, MIN, 7 * SEC), T0 + 7 * SEC);
	/* before the epoch: floor, not truncation */
	cr_assert_eq(eval_slot(-1, MIN, 0), -MIN);
}

Test(eval, evaluates_at_stable_slots_from_the_next_one)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t first = eval_slot(T0, MIN, off) + MIN;

	load(one_rule, NULL);
	run_until(first - 1);
	cr_assert_eq(fq.ncalls, 0, "nothing before the first slot");
	run_until(first + 3 * MIN + 30 * SEC);
	cr_assert_eq(fq.ncalls, 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_str_eq(fq.calls[i].expr, "drift > 0.2");
		cr_assert_eq(fq.calls[i].t, first + (int64_t)i * MIN);
	}
}

Test(eval, query_offset_shifts_the_query_not_the_slot)
{
	struct eval_settings s = defaults;
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t first = eval_slot(T0, MIN, off) + MIN;

	s.query_offset_ms = 30 * SEC;
	canned("drift > 0.2", "drift{model=fraud} 0.5");
	load(one_rule, &s);
	run_until(first);
	cr_assert_eq(fq.ncalls, 1);
	cr_assert_eq(fq.calls[0].t, first - 30 * SEC);
}

Test(eval, group_query_offset_wins_over_the_default)
{
	struct eval_settings s = defaults;
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t first = eval_slot(T0, MIN, off) + MIN;

	s.query_offset_ms = 30 * SEC;
	load("groups:\n- name: g\n  interval: 1m\n  query_offset: 0s\n"
	     "  rules:\n  - alert: A\n    expr: up == 0\n",
	     &s);
	run_until(first);
	cr_assert_eq(fq.ncalls, 1);
	cr_assert_eq(fq.calls[0].t, first);
}

Test(eval, rules_in_order_on_one_timestamp_recording_rules_skipped)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t first = eval_slot(T0, MIN, off) + MIN;

	load("groups:\n- name: g\n  rules:\n"
	     "  - alert: A\n    expr: a > 1\n"
	     "  - record: job:b:sum\n    expr: sum(b)\n"
	     "  - alert: C\n    expr: c > 1\n",
	     NULL);
	cr_assert_eq(eval_rule_count(ev), 2);
	run_until(first);
	cr_assert_eq(fq.ncalls, 2);
	cr_assert_str_eq(fq.calls[0].expr, "a > 1");
	cr_assert_str_eq(fq.calls[1].expr, "c > 1");
	cr_assert_eq(fq.calls[0].t, fq.calls[1].t);
}

/* ------------------------------------------------------ the state machine */

Test(eval, pending_firing_resolved_reach_the_sink)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;

	canned("drift > 0.2", "drift{model=fraud} 0.5");
	load(one_rule, NULL);
	run_until(t1 + MIN);
	cr_assert_eq(nsent, 0, "pending alerts are not sent");
	cr_assert_eq(eval_active_alerts(ev), 1);
	run_until(t1 + 2 * MIN);
	cr_assert_eq(nsent, 1);
	cr_assert_str_eq(sent[0].labels,
			 "{alertname=\"Drift\", model=\"fraud\", "
			 "severity=\"warning\"}");
	cr_assert_str_eq(sent[0].annotations,
			 "{summary=\"model fraud drifted by 0.5\"}");
	cr_assert_eq(sent[0].starts, t1 + 2 * MIN);
	cr_assert_eq(sent[0].ends, t1 + 2 * MIN + 4 * MIN);
	cr_assert(sent[0].firing);
	/* resend every second slot with the 1m resend delay */
	run_until(t1 + 4 * MIN);
	cr_assert_eq(nsent, 2);
	canned("drift > 0.2", "");
	run_until(t1 + 5 * MIN);
	cr_assert_eq(nsent, 3);
	cr_assert(!sent[2].firing);
	cr_assert_eq(sent[2].starts, t1 + 2 * MIN);
	cr_assert_eq(sent[2].ends, t1 + 5 * MIN);
	cr_assert_eq(eval_active_alerts(ev), 0);
}

Test(eval, query_errors_freeze_state_and_send_nothing)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;
	struct buf b = {0};

	canned("drift > 0.2", "drift{model=fraud} 0.5");
	load(one_rule, NULL);
	run_until(t1);
	canned("drift > 0.2", "ERR:server returned HTTP status 503");
	run_until(t1 + 3 * MIN);
	cr_assert_eq(nsent, 0);
	cr_assert_eq(eval_active_alerts(ev), 1, "still pending");
	eval_rules_json(ev, NULL, &b);
	cr_assert(strstr(b.s, "\"health\":\"err\""), "%s", b.s);
	cr_assert(strstr(b.s, "\"lastError\":\"server returned HTTP status "
			      "503\""),
		  "%s", b.s);
	buf_reset(&b);
	/* the first good answer fires: the for clock kept running */
	canned("drift > 0.2", "drift{model=fraud} 0.5");
	run_until(t1 + 4 * MIN);
	cr_assert_eq(nsent, 1);
	cr_assert_eq(sent[0].starts, t1 + 4 * MIN);
	eval_metrics(ev, &b);
	cr_assert(strstr(b.s, "tocsin_rule_evaluation_failures_total{"
			      "rule_group=\"rules.yml;g\"} 3\n"),
		  "%s", b.s);
	cr_assert(strstr(b.s, "tocsin_rule_evaluations_total{"
			      "rule_group=\"rules.yml;g\"} 5\n"),
		  "%s", b.s);
	buf_free(&b);
}

Test(eval, missed_iterations_are_skipped_and_counted)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;
	struct buf b = {0};

	fq.deferred = 1;
	load(one_rule, NULL);
	run_until(t1);
	cr_assert_eq(fq.ncalls, 1);
	cr_assert(eval_busy(ev));
	/* the query hangs over three more slots */
	run_until(t1 + 3 * MIN + 10 * SEC);
	cr_assert_eq(fq.ncalls, 1, "no overlapping evaluation");
	answer_pending();
	cr_assert(!eval_busy(ev));
	run_until(t1 + 4 * MIN);
	cr_assert_eq(fq.ncalls, 2);
	cr_assert_eq(fq.calls[1].t, t1 + 4 * MIN, "back on the slot grid");
	answer_pending();
	eval_metrics(ev, &b);
	cr_assert(strstr(b.s, "tocsin_rule_group_iterations_missed_total{"
			      "rule_group=\"rules.yml;g\"} 3\n"),
		  "%s", b.s);
	buf_free(&b);
}

Test(eval, query_template_function_uses_the_datasource)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;

	canned("conf < 0.5", "conf{model=m} 0.25");
	load("groups:\n- name: g\n  rules:\n  - alert: LowConfidence\n"
	     "    expr: conf < 0.5\n"
	     "    annotations:\n"
	     "      baseline: '{{ with query \"model_baseline\" }}"
	     "{{ . | first | value }}{{ end }}'\n"
	     "      bad: '{{ query \"nope\" }}'\n",
	     NULL);
	run_until(t1);
	cr_assert_eq(nsent, 1);
	cr_assert_str_eq(sent[0].annotations,
			 "{bad=\"<error expanding template: error executing "
			 "template __alert_LowConfidence: template: "
			 "__alert_LowConfidence:1:115: executing "
			 "\\\"__alert_LowConfidence\\\" at <query \\\"nope\\\">: "
			 "error calling query: no such series>\", "
			 "baseline=\"0.25\"}");
}

/* ------------------------------------------------------------------ reload */

Test(eval, reload_keeps_alerts_of_rules_with_the_same_name_and_labels)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;

	canned("drift > 0.2", "drift{model=fraud} 0.5");
	canned("drift > 0.3", "drift{model=fraud} 0.5");
	load(one_rule, NULL);
	run_until(t1 + MIN);
	cr_assert_eq(eval_active_alerts(ev), 1);
	/* another expression, same name and labels: the alert stays */
	load("groups:\n- name: g\n  interval: 1m\n  rules:\n"
	     "  - alert: Drift\n    expr: drift > 0.3\n    for: 2m\n"
	     "    labels: {severity: warning}\n",
	     NULL);
	cr_assert_eq(eval_active_alerts(ev), 1);
	run_until(t1 + 2 * MIN);
	cr_assert_eq(nsent, 1, "fires on the original for clock");
	cr_assert_eq(sent[0].starts, t1 + 2 * MIN);
	/* other labels: a new rule, the alert is gone */
	load("groups:\n- name: g\n  interval: 1m\n  rules:\n"
	     "  - alert: Drift\n    expr: drift > 0.3\n    for: 2m\n"
	     "    labels: {severity: critical}\n",
	     NULL);
	cr_assert_eq(eval_active_alerts(ev), 0);
}

/* ----------------------------------------------------------------- restore */

static void open_store(void)
{
	char path[128];
	struct buf err = {0};

	snprintf(path, sizeof path, "%s/state.db", dir);
	cr_assert_eq(store_open(path, &st, &err), 0, "%s", buf_str(&err));
	buf_free(&err);
}

/* Stops the evaluator and its store as a kill would: nothing flushed. */
static void crash(void)
{
	eval_free(ev);
	ev = NULL;
	store_close(st);
	st = NULL;
}

Test(eval, restart_restores_firing_alerts_with_their_start)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;

	open_store();
	canned("drift > 0.2", "drift{model=fraud} 0.5");
	load(one_rule, NULL);
	run_until(t1 + 2 * MIN + 10 * SEC);
	cr_assert_eq(nsent, 1);
	crash();

	/* down for 5 minutes */
	now_ms += 5 * MIN;
	open_store();
	load(one_rule, NULL);
	cr_assert_eq(eval_active_alerts(ev), 1);
	run_until(now_ms + MIN);
	cr_assert_eq(nsent, 2, "firing right away, not pending again");
	cr_assert(sent[1].firing);
	cr_assert_eq(sent[1].starts, t1 + 2 * MIN, "same StartsAt");
}

Test(eval, restart_shifts_pending_alerts_by_the_downtime)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;
	struct buf b = {0};
	char want[64];

	open_store();
	canned("drift > 0.2", "drift{model=fraud} 0.5");
	load("groups:\n- name: g\n  interval: 1m\n  rules:\n"
	     "  - alert: Drift\n    expr: drift > 0.2\n    for: 30m\n",
	     NULL);
	run_until(t1 + 10 * SEC); /* pending since t1 */
	crash();
	now_ms += 20 * MIN;
	open_store();
	load("groups:\n- name: g\n  interval: 1m\n  rules:\n"
	     "  - alert: Drift\n    expr: drift > 0.2\n    for: 30m\n",
	     NULL);
	eval_alerts_json(ev, &b);
	/* Prometheus' arithmetic: ActiveAt + (restore time - saved at) */
	{
		struct buf t = {0};

		/* saved when the evaluation at t1 ran: the first whole
		 * step of run_until() at or after t1 */
		int64_t saved = T0 + (t1 - T0 + SEC - 1) / SEC * SEC;

		jsonw_time_raw(&t, (t1 / 1000) * 1000 + (now_ms - saved));
		snprintf(want, sizeof want, "\"activeAt\":\"%s\"", buf_str(&t));
		buf_free(&t);
	}
	cr_assert(strstr(b.s, want), "want %s in %s", want, b.s);
	cr_assert(strstr(b.s, "\"state\":\"pending\""), "%s", b.s);
	buf_free(&b);
}

Test(eval, restart_after_the_outage_tolerance_starts_fresh)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;

	open_store();
	canned("drift > 0.2", "drift{model=fraud} 0.5");
	load(one_rule, NULL);
	run_until(t1 + 2 * MIN + 10 * SEC);
	crash();
	now_ms += 61 * MIN;
	open_store();
	load(one_rule, NULL);
	cr_assert_eq(eval_active_alerts(ev), 0);
}

Test(eval, keep_firing_for_progress_survives_a_restart)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;
	const char *text = "groups:\n- name: g\n  interval: 1m\n  rules:\n"
			   "  - alert: Burn\n    expr: burn > 1\n"
			   "    keep_firing_for: 10m\n";

	open_store();
	canned("burn > 1", "burn{slo=a} 2");
	load(text, NULL);
	run_until(t1); /* fires at once (for: 0) */
	canned("burn > 1", "");
	run_until(t1 + 5 * MIN); /* kept firing since t1 + 1m */
	crash();
	now_ms += 2 * MIN;
	open_store();
	load(text, NULL);
	sent_clear();
	/* Prometheus would forget: here it resolves 10m after the
	 * condition cleared, at t1 + 11m */
	run_until(t1 + 10 * MIN + 10 * SEC);
	for (size_t i = 0; i < nsent; i++)
		cr_assert(sent[i].firing);
	run_until(t1 + 11 * MIN + 10 * SEC);
	cr_assert(nsent > 0);
	cr_assert(!sent[nsent - 1].firing);
	cr_assert_eq(sent[nsent - 1].ends, t1 + 11 * MIN);
}

/* --------------------------------------------------------------------- API */

Test(eval, rules_and_alerts_json_have_prometheus_shape)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;
	struct buf b = {0}, want = {0};

	canned("drift > 0.2", "drift{model=fraud} 0.5");
	load(one_rule, NULL);
	run_until(t1);
	eval_alerts_json(ev, &b);
	buf_puts(&want, "{\"status\":\"success\",\"data\":{\"alerts\":[{"
			"\"labels\":{\"alertname\":\"Drift\",\"model\":"
			"\"fraud\",\"severity\":\"warning\"},\"annotations\":"
			"{\"summary\":\"model fraud drifted by 0.5\"},"
			"\"state\":\"pending\",\"activeAt\":\"");
	jsonw_time_raw(&want, t1);
	buf_puts(&want, "\",\"value\":\"5e-01\"}]}}");
	cr_assert_str_eq(b.s, want.s);
	buf_reset(&b);
	eval_rules_json(ev, "record", &b);
	cr_assert(strstr(b.s, "\"rules\":[]"), "%s", b.s);
	buf_reset(&b);
	eval_rules_json(ev, NULL, &b);
	cr_assert(strstr(b.s, "{\"state\":\"pending\",\"name\":\"Drift\","
			      "\"query\":\"drift \\u003e 0.2\",\"duration\":120,"
			      "\"keepFiringFor\":0,\"labels\":{\"severity\":"
			      "\"warning\"},\"annotations\":{\"summary\":"),
		  "%s", b.s);
	cr_assert(strstr(b.s, "\"interval\":60,\"limit\":0,"), "%s", b.s);
	buf_free(&b);
	buf_free(&want);
}

Test(eval, restart_short_for_also_skips_the_downtime)
{
	int64_t off = eval_group_offset("rules.yml", "g", MIN);
	int64_t t1 = eval_slot(T0, MIN, off) + MIN;
	/* for: 5m is under the 10m grace period: Prometheus would not
	 * restore it and the alert would wait 5 more minutes */
	const char *text = "groups:\n- name: g\n  interval: 1m\n  rules:\n"
			   "  - alert: Drift\n    expr: drift > 0.2\n"
			   "    for: 5m\n";

	open_store();
	canned("drift > 0.2", "drift{model=fraud} 0.5");
	load(text, NULL);
	run_until(t1 + 3 * MIN + 10 * SEC); /* pending for 3 minutes */
	cr_assert_eq(nsent, 0);
	crash();
	now_ms += 20 * MIN;
	open_store();
	load(text, NULL);
	run_until(now_ms + MIN + 10 * SEC);
	cr_assert_eq(nsent, 0, "the 20 minutes down do not count");
	run_until(now_ms + 2 * MIN);
	cr_assert_eq(nsent, 1, "the remaining 2 minutes do");
}

/* ------------------------------------------------ queries of a group at once */

static const char five_rules[] = "groups:\n- name: g\n  rules:\n"
				 "  - alert: A\n    expr: a\n"
				 "  - record: r\n    expr: sum(r)\n"
				 "  - alert: B\n    expr: b\n"
				 "  - alert: C\n    expr: c\n"
				 "  - alert: D\n    expr: d\n"
				 "  - alert: E\n    expr: e\n";

/* Starts five_rules' first evaluation with three queries at once, every
 * answer deferred; b answers with b_answer. */
static void five_at_once(const char *b_answer)
{
	struct eval_settings s = defaults;
	int64_t off = eval_group_offset("rules.yml", "g", MIN);

	s.group_concurrency = 3;
	canned("a", "a 1");
	canned("b", b_answer);
	canned("c", "c 1");
	canned("d", "d 1");
	canned("e", "e 1");
	fq.deferred = 1;
	load(five_rules, &s);
	run_until(eval_slot(T0, MIN, off) + MIN);
	cr_assert_eq(fq.ncalls, 3, "three queries in flight");
	cr_assert_str_eq(fq.calls[0].expr, "a");
	cr_assert_str_eq(fq.calls[1].expr, "b");
	cr_assert_str_eq(fq.calls[2].expr, "c");
}

/* The alertnames sent, in order, as "A,B,...". */
static char *sent_names(void)
{
	struct buf b = {0};

	for (size_t i = 0; i < nsent; i++) {
		const char *n = strstr(sent[i].labels, "alertname=\"");

		cr_assert_not_null(n);
		buf_printf(&b, "%s%c", i ? "," : "", n[11]);
	}
	return buf_take(&b);
}

Test(eval, group_concurrency_applies_answers_in_rule_order)
{
	char *names;

	five_at_once("b 1");
	answer_expr("c"); /* before its turn: kept */
	answer_expr("b");
	cr_assert_eq(fq.kept, 2);
	cr_assert_eq(fq.ncalls, 3, "the window is full");
	cr_assert_eq(eval_active_alerts(ev), 0, "nothing applied yet");
	answer_expr("a"); /* a, b, c go through; d and e start */
	cr_assert_eq(fq.kept, 0);
	cr_assert_eq(eval_active_alerts(ev), 3);
	cr_assert_eq(fq.ncalls, 5);
	cr_assert_str_eq(fq.calls[3].expr, "d");
	cr_assert_str_eq(fq.calls[4].expr, "e");
	for (size_t i = 1; i < 5; i++)
		cr_assert_eq(fq.calls[i].t, fq.calls[0].t, "one timestamp");
	answer_expr("e");
	cr_assert(eval_busy(ev));
	cr_assert_eq(nsent, 0);
	answer_expr("d");
	cr_assert(!eval_busy(ev));
	names = sent_names();
	cr_assert_str_eq(names, "A,B,C,D,E");
	free(names);
}

Test(eval, group_concurrency_error_before_its_turn)
{
	char *names, *m;
	struct buf b = {0};

	five_at_once("ERR:boom");
	answer_expr("b"); /* an error: copied, nothing kept */
	answer_expr("c");
	cr_assert_eq(fq.kept, 1);
	answer_expr("a");
	answer_expr("d");
	answer_expr("e");
	cr_assert(!eval_busy(ev));
	names = sent_names();
	cr_assert_str_eq(names, "A,C,D,E");
	free(names);
	eval_rules_json(ev, NULL, &b);
	m = strstr(buf_str(&b), "\"name\":\"B\"");
	cr_assert_not_null(m);
	cr_assert_not_null(strstr(m, "\"lastError\":\"boom\""), "%s", m);
	buf_free(&b);
}

/* A reload that drops the group while answers wait for their turn gives
 * them back; the answers still to come are dropped. */
Test(eval, group_concurrency_abandoned_with_answers_kept)
{
	five_at_once("b 1");
	answer_expr("c");
	answer_expr("b");
	cr_assert_eq(fq.kept, 2);
	load("groups:\n- name: other\n  rules:\n  - alert: Z\n    expr: z\n",
	     NULL);
	cr_assert_eq(fq.kept, 0);
	answer_expr("a");
	cr_assert_eq(fq.kept, 0);
	cr_assert_eq(nsent, 0);
	cr_assert_eq(eval_active_alerts(ev), 0);
}
