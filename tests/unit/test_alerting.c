/*
 * test_alerting.c - the alerting-rule state machine against the black-box
 * scenarios of ../shared/reference/ruler.md §9, driven by a fake clock (slot
 * times T(i) = T0 + i minutes) and canned query results.
 *
 * Unless a test says otherwise: group interval 1m, resend delay 1m, query
 * offset 0, one rule `alert: A, expr: X`; sent(S, E) is a notification with
 * StartsAt S and EndsAt E.  Where the reference marks a rule [derived from
 * code] or [observation], the test says what in Prometheus' source it
 * rests on (rules/alerting.go, rules/group.go, rules/manager.go at the
 * commit the reference names).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alerting.h"
#include "diag.h"
#include "rulefile.h"

#define SEC 1000LL
#define MIN (60 * SEC)
/* A minute-aligned slot (2023-11-14T22:14:00Z); any base would do. */
#define T0 1700000040000LL

static int64_t T(int i)
{
	return T0 + i * MIN;
}

/* Go's float64(t.Unix()) of a whole-second time. */
static double unix_s(int64_t ms)
{
	return floor((double)ms / 1000);
}

/* ------------------------------------------------------------- fixture */

/* Each test runs in its own process; teardown frees what it left. */
static struct rulefile *rf;
static struct alerting_rule *rule, *rule2;
static struct alerting_output out;
static struct alerting_env env;
static struct diags d;

static void teardown(void)
{
	alerting_output_free(&out);
	alerting_rule_free(rule);
	alerting_rule_free(rule2);
	rulefile_free(rf);
	diags_free(&d);
}

static int fake_query(void *ctx, const char *expr, struct tmpl_value **r,
		      struct buf *err);

static void setup(void)
{
	env.interval_ms = MIN;
	env.resend_delay_ms = MIN;
	env.external_url = "http://prom:9090";
	env.query = fake_query;
}

TestSuite(alerting, .init = setup, .fini = teardown);

/* The template `query` function: "absent_metric" has no series, "up" one,
 * "fail" fails. */
static int fake_query(void *ctx, const char *expr, struct tmpl_value **r,
		      struct buf *err)
{
	(void)ctx;
	if (strcmp(expr, "fail") == 0) {
		buf_puts(err, "query timed out");
		return -1;
	}
	*r = tmpl_query_result_new();
	if (strcmp(expr, "up") == 0) {
		struct labels *l = labels_empty();

		tmpl_query_result_add(*r, l, 1);
		labels_free(l);
	}
	return 0;
}

/* Loads `yaml` (one group) and returns a new state machine for rule i. */
static struct alerting_rule *load_rule(const char *yaml, size_t i)
{
	struct alerting_rule *r;

	rulefile_free(rf);
	rf = rulefile_load_buf("t.yml", yaml, strlen(yaml), &d);
	cr_assert_not_null(rf, "rule file rejected");
	cr_assert_lt(i, rf->groups[0].nrules);
	r = alerting_rule_new(&rf->groups[0].rules[i], &rf->groups[0]);
	r->restored = 1;
	return r;
}

/* Sets up `rule` as alert A with `for` and extra rule YAML lines. */
static void rule_a(const char *for_, const char *extra)
{
	char *yaml = xasprintf("groups:\n- name: g\n  rules:\n"
			       "  - alert: A\n    expr: X\n    for: %s\n%s",
			       for_, extra ? extra : "");

	rule = load_rule(yaml, 0);
	free(yaml);
}

/* Builds labels from "k=v,k2=v2" ("" is the empty set). */
static struct labels *mk(const char *spec)
{
	struct labels_builder b = {0};
	struct labels *l;
	char *s = xstrdup(spec), *save = NULL;

	for (char *p = strtok_r(s, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '=');

		cr_assert_not_null(eq, "bad spec %s", spec);
		*eq = '\0';
		labels_builder_set(&b, p, eq + 1);
	}
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	free(s);
	return l;
}

/* The labels of alert A for a series spec: the spec plus alertname=A. */
static struct labels *alert_labels(const char *spec)
{
	char *s = xasprintf("alertname=A%s%s", *spec ? "," : "", spec);
	struct labels *l = mk(s);

	free(s);
	return l;
}

#define MAXS 8

/* Evaluates r at ts on a vector of n samples {__name__="X", spec[i]} with
 * values val[i] (val NULL: all 1).  out holds this evaluation's output. */
static int eval_on(struct alerting_rule *r, int64_t ts, const char **spec,
		   const double *val, size_t n)
{
	struct alerting_sample s[MAXS];
	struct labels *l[MAXS];
	struct alerting_result res = {
	    .kind = ALERTING_RESULT_VECTOR, .samples = s, .nsamples = n};
	int rc;

	cr_assert_leq(n, MAXS);
	for (size_t i = 0; i < n; i++) {
		char *full = *spec[i] ? xasprintf("__name__=X,%s", spec[i])
				      : xstrdup("__name__=X");

		l[i] = mk(full);
		free(full);
		s[i] = (struct alerting_sample){l[i], val ? val[i] : 1, 0};
	}
	alerting_output_free(&out);
	rc = alerting_eval(r, ts, &res, &env, &out);
	for (size_t i = 0; i < n; i++)
		labels_free(l[i]);
	return rc;
}

/* Evaluates `rule` at T(i) on one sample per spec (NULL-terminated);
 * asserts success. */
static void ev(int i, ...)
{
	const char *spec[MAXS];
	size_t n = 0;
	va_list ap;

	va_start(ap, i);
	for (const char *s = va_arg(ap, const char *); s;
	     s = va_arg(ap, const char *))
		spec[n++] = s;
	va_end(ap);
	cr_assert_eq(eval_on(rule, T(i), spec, NULL, n), 0, "eval at t%d: %s",
		     i, rule->last_error ? rule->last_error : "");
}

/* Evaluates `rule` at T(i) on a failed query. */
static void ev_err(int i, const char *msg)
{
	struct alerting_result res = {.kind = ALERTING_RESULT_ERROR,
				      .error = msg};

	alerting_output_free(&out);
	cr_assert_eq(alerting_eval(rule, T(i), &res, &env, &out), -1);
}

/* The alert of `rule` for a series spec, or NULL. */
static struct alert *get(const char *spec)
{
	struct labels *l = alert_labels(spec);
	struct alert *a = alerting_rule_find(rule, l);

	labels_free(l);
	return a;
}

/* Asserts the alert's state and ActiveAt. */
static struct alert *expect_alert(const char *spec, enum alert_state st,
				  int64_t active_at)
{
	struct alert *a = get(spec);

	cr_assert_not_null(a, "no alert {%s}", spec);
	cr_assert_eq(a->state, st, "{%s}: %s, want %s", spec,
		     alerting_state_name(a->state), alerting_state_name(st));
	cr_assert_eq(a->active_at, active_at, "{%s} ActiveAt %+lld min", spec,
		     (long long)((a->active_at - T0) / MIN));
	return a;
}

static void expect_no_sends(const char *when)
{
	cr_assert_eq(out.nsends, 0, "%s: %zu sends, want none", when,
		     out.nsends);
}

/* Asserts that out holds exactly one notification, for spec, sent(s, e). */
static void expect_sent(const char *when, const char *spec, int64_t s,
			int64_t e)
{
	struct labels *l = alert_labels(spec);

	cr_assert_eq(out.nsends, 1, "%s: %zu sends, want 1", when, out.nsends);
	cr_assert(labels_equal(out.sends[0].labels, l), "%s: labels", when);
	cr_assert_eq(out.sends[0].starts_at, s, "%s: StartsAt %+lld min", when,
		     (long long)((out.sends[0].starts_at - T0) / MIN));
	cr_assert_eq(out.sends[0].ends_at, e, "%s: EndsAt %+lld min", when,
		     (long long)((out.sends[0].ends_at - T0) / MIN));
	labels_free(l);
}

/* Index of the series named metric with alertstate st (NULL: none), or -1. */
static int find_series(const char *metric, const char *st)
{
	for (size_t i = 0; i < out.nseries; i++) {
		const struct labels *l = out.series[i].labels;
		const char *got = labels_get(l, "alertstate");

		if (strcmp(labels_get(l, "__name__"), metric) != 0)
			continue;
		if ((!st && !got) || (st && got && strcmp(st, got) == 0))
			return (int)i;
	}
	return -1;
}

/* --------------------------------------------- §9 black-box scenarios */

/* 1. Basic for=5m lifecycle; resolved alerts re-sent for 15 minutes. */
Test(alerting, s01_basic_lifecycle)
{
	struct alert *a;
	int k;

	rule_a("5m", NULL);
	cr_assert_eq(alerting_rule_state(rule), ALERT_UNKNOWN);
	ev(0, "i=1", NULL);
	expect_alert("i=1", ALERT_PENDING, T(0));
	expect_no_sends("t0");
	cr_assert_eq(alerting_rule_state(rule), ALERT_PENDING);
	cr_assert_eq(rule->health, ALERTING_HEALTH_OK);
	k = find_series("ALERTS", "pending");
	cr_assert_geq(k, 0);
	cr_assert_eq(out.series[k].value, 1);
	cr_assert_eq(out.series[k].t, T(0));
	k = find_series("ALERTS_FOR_STATE", NULL);
	cr_assert_geq(k, 0);
	cr_assert_eq(out.series[k].value, unix_s(T(0)));
	cr_assert_eq(out.nseries, 2);

	for (int i = 1; i <= 4; i++) {
		ev(i, "i=1", NULL);
		expect_alert("i=1", ALERT_PENDING, T(0));
		expect_no_sends("t1-t4");
	}
	ev(5, "i=1", NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->fired_at, T(5));
	expect_sent("t5", "i=1", T(5), T(9));
	cr_assert_eq(out.sends[0].state, ALERT_FIRING);
	cr_assert_geq(find_series("ALERTS", "firing"), 0);
	cr_assert_lt(find_series("ALERTS", "pending"), 0); /* goes stale */
	cr_assert_eq(alerting_rule_state(rule), ALERT_FIRING);

	/* [derived from code] LastSentAt + resendDelay must be strictly
	 * before ts: needsSending ends in LastSentAt.Add(resendDelay)
	 * .Before(ts), and Go's Before is strict.  So with resend delay ==
	 * interval a firing alert goes out every second evaluation. */
	ev(6, "i=1", NULL);
	expect_no_sends("t6");
	ev(7, "i=1", NULL);
	expect_sent("t7", "i=1", T(5), T(11));

	ev(8, NULL);
	a = expect_alert("i=1", ALERT_INACTIVE, T(0));
	cr_assert_eq(a->resolved_at, T(8));
	cr_assert_eq(a->fired_at, T(5)); /* kept: StartsAt stays */
	expect_sent("t8", "i=1", T(5), T(8));
	cr_assert_eq(out.sends[0].state, ALERT_INACTIVE);
	cr_assert_eq(out.nseries, 0); /* ALERTS firing goes stale */
	cr_assert_eq(alerting_rule_state(rule), ALERT_INACTIVE);

	for (int i = 9; i <= 23; i++) {
		ev(i, NULL);
		expect_alert("i=1", ALERT_INACTIVE, T(0));
		if (i % 2 == 0)
			expect_sent("resolved resend", "i=1", T(5), T(8));
		else
			expect_no_sends("resolved, odd minute");
	}
	/* t23: 15m since ResolvedAt is not > 15m, kept; t24: 16m, gone. */
	ev(24, NULL);
	cr_assert_null(get("i=1"));
	expect_no_sends("t24");
	cr_assert_eq(alerting_rule_state(rule), ALERT_INACTIVE);
}

/* 2. for=0 fires on the first evaluation; for < interval on the second. */
Test(alerting, s02_for_zero_and_short)
{
	struct alert *a;

	rule_a("0s", NULL);
	ev(0, "i=1", NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->fired_at, T(0));
	expect_sent("t0", "i=1", T(0), T(4));
	cr_assert_lt(find_series("ALERTS", "pending"), 0);
	cr_assert_geq(find_series("ALERTS", "firing"), 0);

	alerting_rule_free(rule);
	rule_a("30s", NULL);
	ev(0, "i=1", NULL);
	expect_alert("i=1", ALERT_PENDING, T(0));
	expect_no_sends("t0");
	ev(1, "i=1", NULL);
	expect_alert("i=1", ALERT_FIRING, T(0));
	expect_sent("t1", "i=1", T(1), T(5));
}

/* 3. A gap while pending deletes the alert silently; the clock restarts. */
Test(alerting, s03_flapping)
{
	rule_a("3m", NULL);
	ev(0, "i=1", NULL);
	ev(1, "i=1", NULL);
	expect_alert("i=1", ALERT_PENDING, T(0));
	ev(2, NULL);
	cr_assert_null(get("i=1"));
	expect_no_sends("t2");
	cr_assert_eq(alerting_rule_state(rule), ALERT_INACTIVE);
	for (int i = 3; i <= 5; i++) {
		ev(i, "i=1", NULL);
		expect_alert("i=1", ALERT_PENDING, T(3));
		expect_no_sends("t3-t5");
	}
	ev(6, "i=1", NULL);
	expect_alert("i=1", ALERT_FIRING, T(3));
	expect_sent("t6", "i=1", T(6), T(10));
}

/* 4. A query error while pending freezes the state, not the clock. */
Test(alerting, s04_query_error_while_pending)
{
	rule_a("3m", NULL);
	ev(0, "i=1", NULL);
	ev(1, "i=1", NULL);
	ev_err(2, "execution: query timed out");
	cr_assert_eq(rule->health, ALERTING_HEALTH_ERR);
	cr_assert_str_eq(rule->last_error, "execution: query timed out");
	expect_alert("i=1", ALERT_PENDING, T(0));
	expect_no_sends("t2");
	cr_assert_eq(out.nseries, 0); /* nothing written, nothing staled */
	cr_assert_eq(alerting_rule_state(rule), ALERT_PENDING);
	ev(3, "i=1", NULL);
	cr_assert_eq(rule->health, ALERTING_HEALTH_OK);
	cr_assert_null(rule->last_error);
	expect_alert("i=1", ALERT_FIRING, T(0));
	expect_sent("t3", "i=1", T(3), T(7));
}

/* 5. Errors while firing: no sends; the first success re-sends with the
 * original StartsAt. */
Test(alerting, s05_query_errors_while_firing)
{
	struct alert *a;

	rule_a("5m", NULL);
	for (int i = 0; i <= 7; i++)
		ev(i, "i=1", NULL);
	expect_sent("t7", "i=1", T(5), T(11));
	for (int i = 8; i <= 12; i++) {
		ev_err(i, "server_error: 503");
		expect_no_sends("t8-t12");
		a = expect_alert("i=1", ALERT_FIRING, T(0));
		cr_assert_eq(a->last_sent_at, T(7));
		cr_assert_eq(a->valid_until, T(11)); /* AM resolves at t11 */
	}
	ev(13, "i=1", NULL);
	expect_alert("i=1", ALERT_FIRING, T(0));
	expect_sent("t13", "i=1", T(5), T(17));
}

/* 6. keep_firing_for=2m: still firing at t10 and t11, resolved at t12
 * (12 - 10 = 2m is not < 2m). */
Test(alerting, s06_keep_firing_for)
{
	struct alert *a;

	rule_a("5m", "    keep_firing_for: 2m\n");
	for (int i = 0; i <= 9; i++)
		ev(i, "i=1", NULL);
	expect_alert("i=1", ALERT_FIRING, T(0)); /* last sent t9 */

	ev(10, NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->keep_firing_since, T(10));
	cr_assert_eq(a->resolved_at, ALERT_TIME_ZERO);
	cr_assert_geq(find_series("ALERTS", "firing"), 0);
	expect_no_sends("t10");
	ev(11, NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->keep_firing_since, T(10));
	expect_sent("t11", "i=1", T(5), T(15)); /* the resend cadence */
	ev(12, NULL);
	a = expect_alert("i=1", ALERT_INACTIVE, T(0));
	cr_assert_eq(a->resolved_at, T(12));
	expect_sent("t12", "i=1", T(5), T(12));
	cr_assert_eq(out.nseries, 0);

	/* The series back at t11: KeepFiringSince cleared, nothing else. */
	alerting_rule_free(rule);
	rule_a("5m", "    keep_firing_for: 2m\n");
	for (int i = 0; i <= 9; i++)
		ev(i, "i=1", NULL);
	ev(10, NULL);
	ev(11, "i=1", NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->keep_firing_since, ALERT_TIME_ZERO);
	cr_assert_eq(a->fired_at, T(5));
	expect_sent("t11", "i=1", T(5), T(15));
	/* A later gap starts the keep-firing clock afresh. */
	ev(12, NULL);
	ev(13, NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->keep_firing_since, T(12));
	ev(14, NULL);
	expect_alert("i=1", ALERT_INACTIVE, T(0));
	expect_sent("t14", "i=1", T(5), T(14));
	/* Restart during keep-firing resolves: keep_firing_for is not
	 * persisted by Prometheus (issue #13957), nothing to test here. */
}

/* 7. keep_firing_for does not protect a pending alert. */
Test(alerting, s07_keep_firing_for_not_pending)
{
	rule_a("5m", "    keep_firing_for: 10m\n");
	for (int i = 0; i <= 2; i++)
		ev(i, "i=1", NULL);
	ev(3, NULL);
	cr_assert_null(get("i=1"));
	expect_no_sends("t3");
}

/* 8. NaN and infinite values make alerts like any other value. */
Test(alerting, s08_nan_inf_values)
{
	static const char *const specs[] = {"i=1", "i=2", "i=3"};
	const double vals[] = {NAN, INFINITY, -INFINITY};
	const char *spec[3] = {specs[0], specs[1], specs[2]};
	static const char *const want[][2] = {
	    {"NaN", "NaN"}, {"+Inf", "+Inf"}, {"-Inf", "-Inf"}};

	rule_a("0s", "    annotations:\n"
		     "      v: '{{ $value }}'\n"
		     "      h: '{{ $value | humanize }}'\n");
	cr_assert_eq(eval_on(rule, T(0), spec, vals, 3), 0);
	cr_assert_eq(out.nsends, 3);
	for (int i = 0; i < 3; i++) {
		struct alert *a = expect_alert(specs[i], ALERT_FIRING, T(0));
		const struct labels *an = out.sends[i].annotations;

		cr_assert_str_eq(labels_get(an, "v"), want[i][0]);
		cr_assert_str_eq(labels_get(an, "h"), want[i][1]);
		if (i == 0)
			cr_assert(isnan(a->value));
		else
			cr_assert_eq(a->value, vals[i]);
	}
	/* `my_gauge > 5` over a NaN input returns no series: no alert. */
	ev(1, NULL);
	cr_assert_eq(alerting_rule_state(rule), ALERT_INACTIVE);
}

/* 9. Two samples with one label set fail the evaluation, changing
 * nothing. */
Test(alerting, s09_duplicate_labelset)
{
	static const char *const msg =
	    "vector contains metrics with the same labelset after applying "
	    "alert labels";
	struct alerting_sample s[2];
	struct labels *a = mk("__name__=a,x=1"), *b = mk("__name__=b,x=1");
	struct alerting_result res = {
	    .kind = ALERTING_RESULT_VECTOR, .samples = s, .nsamples = 2};
	struct alert *al;

	rule_a("0s", "    annotations:\n      v: '{{ $value }}'\n");
	ev(0, "x=1", NULL);
	expect_sent("t0", "x=1", T(0), T(4));
	s[0] = (struct alerting_sample){a, 5, 0};
	s[1] = (struct alerting_sample){b, 6, 0};
	alerting_output_free(&out);
	cr_assert_eq(alerting_eval(rule, T(2), &res, &env, &out), -1);
	cr_assert_str_eq(rule->last_error, msg);
	cr_assert_eq(rule->health, ALERTING_HEALTH_ERR);
	expect_no_sends("t2"); /* LastSent t0: would have been due */
	cr_assert_eq(out.nseries, 0);
	al = expect_alert("x=1", ALERT_FIRING, T(0));
	cr_assert_eq(al->value, 1); /* value and annotations untouched */
	cr_assert_str_eq(labels_get(al->annotations, "v"), "1");
	cr_assert_eq(al->last_sent_at, T(0));
	labels_free(a);
	labels_free(b);

	/* A rule label overriding the only differing label. */
	alerting_rule_free(rule);
	rule_a("0s", "    labels:\n      x: same\n");
	{
		const char *spec[] = {"x=1", "x=2"};

		cr_assert_eq(eval_on(rule, T(0), spec, NULL, 2), -1);
		cr_assert_str_eq(rule->last_error, msg);
		cr_assert_eq(alerting_rule_state(rule), ALERT_INACTIVE);
		cr_assert_eq(rule->active.count, 0);
	}
}

/* 10. A templated label that churns makes a new alert every time (never
 * fires); a churning annotation updates the one alert. */
Test(alerting, s10_label_and_annotation_churn)
{
	const char *spec[] = {"i=1"};
	struct alert *a;

	rule_a("2m", "    labels:\n      v: '{{ $value }}'\n");
	for (int i = 0; i <= 6; i++) {
		double v = i + 1;
		char want[32];

		cr_assert_eq(eval_on(rule, T(i), spec, &v, 1), 0);
		cr_assert_eq(rule->active.count, 1);
		snprintf(want, sizeof want, "i=1,v=%d", i + 1);
		expect_alert(want, ALERT_PENDING, T(i));
		expect_no_sends("label churn");
	}

	alerting_rule_free(rule);
	rule_a("2m", "    annotations:\n      v: '{{ $value }}'\n");
	for (int i = 0; i <= 4; i++) {
		double v = i + 1;
		char want[32];

		cr_assert_eq(eval_on(rule, T(i), spec, &v, 1), 0);
		a = expect_alert("i=1", i < 2 ? ALERT_PENDING : ALERT_FIRING,
				 T(0));
		snprintf(want, sizeof want, "%d", i + 1);
		cr_assert_str_eq(labels_get(a->annotations, "v"), want);
		cr_assert_eq(a->value, v);
		if (i == 2 || i == 4) {
			expect_sent("annotation churn", "i=1", T(2), T(i + 4));
			cr_assert_str_eq(
			    labels_get(out.sends[0].annotations, "v"), want);
		} else {
			expect_no_sends("annotation churn");
		}
	}
}

/* 11. limit: one alert too many drops them all, silently. */
Test(alerting, s11_limit)
{
	env.limit = 2;
	rule_a("2m", NULL);
	for (int i = 0; i <= 4; i++)
		ev(i, "i=1", "i=2", NULL);
	expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(out.nsends, 2); /* t4: the resend of both */
	alerting_output_free(&out);
	{
		const char *spec[] = {"i=1", "i=2", "i=3"};

		cr_assert_eq(eval_on(rule, T(5), spec, NULL, 3), -1);
	}
	cr_assert_str_eq(rule->last_error, "exceeded limit of 2 with 3 alerts");
	cr_assert_eq(rule->health, ALERTING_HEALTH_ERR);
	cr_assert_eq(rule->active.count, 0);
	expect_no_sends("t5"); /* no resolved notifications */
	cr_assert_eq(out.nseries, 0);
	ev(6, "i=1", "i=2", NULL);
	expect_alert("i=1", ALERT_PENDING, T(6));
	expect_alert("i=2", ALERT_PENDING, T(6));
	expect_no_sends("t6");
	ev(7, "i=1", "i=2", NULL);
	ev(8, "i=1", "i=2", NULL);
	expect_alert("i=1", ALERT_FIRING, T(6));
	cr_assert_eq(out.nsends, 2);
	cr_assert_eq(out.sends[0].starts_at, T(8));
	cr_assert_eq(out.sends[1].starts_at, T(8));

	/* With for=0 they fire again at t6; exactly at the limit is fine. */
	alerting_rule_free(rule);
	rule_a("0s", NULL);
	ev(4, "i=1", "i=2", NULL);
	{
		const char *spec[] = {"i=1", "i=2", "i=3"};

		cr_assert_eq(eval_on(rule, T(5), spec, NULL, 3), -1);
	}
	ev(6, "i=1", "i=2", NULL);
	expect_alert("i=1", ALERT_FIRING, T(6));
	cr_assert_eq(out.nsends, 2);
	cr_assert_eq(out.sends[0].starts_at, T(6));
}

/* 12. Resolved, then active again within 15m: a brand-new alert. */
Test(alerting, s12_resolve_then_refire)
{
	struct alert *a;

	rule_a("0s", NULL);
	ev(0, "i=1", NULL);
	expect_sent("t0", "i=1", T(0), T(4));
	ev(1, "i=1", NULL);
	expect_no_sends("t1");
	ev(2, "i=1", NULL);
	expect_sent("t2", "i=1", T(0), T(6));
	ev(3, NULL);
	expect_sent("t3", "i=1", T(0), T(3));
	ev(4, NULL);
	expect_no_sends("t4");
	ev(5, NULL);
	expect_sent("t5", "i=1", T(0), T(3));
	ev(6, "i=1", NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(6));
	cr_assert_eq(a->resolved_at, ALERT_TIME_ZERO);
	expect_sent("t6", "i=1", T(6), T(10));
	ev(7, "i=1", NULL);
	expect_no_sends("t7"); /* the resolved resends stopped */
}

/* The same label set pending again while its resolved alert is still
 * being re-sent: a new alert, not sent while pending; the resends stop. */
Test(alerting, s12_resolved_then_pending_again)
{
	rule_a("2m", NULL);
	for (int i = 0; i <= 2; i++)
		ev(i, "i=1", NULL);
	expect_sent("t2", "i=1", T(2), T(6));
	ev(3, NULL);
	expect_sent("t3", "i=1", T(2), T(3));
	ev(4, "i=1", NULL);
	expect_alert("i=1", ALERT_PENDING, T(4));
	expect_no_sends("t4");
	ev(5, "i=1", NULL);
	expect_no_sends("t5"); /* the resolved resend would have been due */
	ev(6, "i=1", NULL);
	expect_sent("t6", "i=1", T(6), T(10));
}

/* 13. Instances are independent. */
Test(alerting, s13_independent_instances)
{
	rule_a("0s", NULL);
	ev(0, "i=a", "i=b", NULL);
	cr_assert_eq(out.nsends, 2);
	ev(1, "i=a", NULL);
	expect_alert("i=a", ALERT_FIRING, T(0));
	expect_alert("i=b", ALERT_INACTIVE, T(0));
	expect_sent("t1", "i=b", T(0), T(1));
	cr_assert_eq(alerting_rule_state(rule), ALERT_FIRING);
	ev(2, "i=a", NULL);
	expect_sent("t2", "i=a", T(0), T(6));
}

/* 14. A scalar result is one sample without labels; other result types
 * are errors the caller reports as the query's. */
Test(alerting, s14_scalar_and_odd_results)
{
	struct alerting_result res = {.kind = ALERTING_RESULT_SCALAR,
				      .scalar = 1};
	struct labels *want = mk("alertname=A,severity=page");

	rule_a("0s", "    labels:\n      severity: page\n"
		     "    annotations:\n      n: '{{ len $labels }}'\n");
	cr_assert_eq(alerting_eval(rule, T(0), &res, &env, &out), 0);
	cr_assert_eq(out.nsends, 1);
	cr_assert(labels_equal(out.sends[0].labels, want));
	cr_assert_str_eq(labels_get(out.sends[0].annotations, "n"), "0");
	labels_free(want);

	ev_err(1, "rule result is not a vector or scalar");
	cr_assert_str_eq(rule->last_error,
			 "rule result is not a vector or scalar");
	cr_assert_eq(rule->health, ALERTING_HEALTH_ERR);
}

/*
 * 15. Restart restore.  The evaluator finds the last ALERTS_FOR_STATE
 * sample within the outage tolerance (or reads its own store); this module
 * does Prometheus' arithmetic (RestoreForState in rules/group.go) and the
 * plumbing.  for=30m, grace 10m, evaluations every minute.
 */
Test(alerting, s15_restore)
{
	const int64_t grace = 10 * MIN;
	int64_t at;
	struct alert *a;

	/* Pending 15m when stopped (last sample at t15, value ActiveAt t0 in
	 * seconds), down 5m, restarted t20, evaluated t21 and t22, restored
	 * at t22: remaining 15m >= grace, so ActiveAt moves by t22 - t15. */
	rule_a("30m", NULL);
	rule->restored = 0;
	ev(21, "i=1", NULL);
	cr_assert_eq(out.nseries, 0); /* no ALERTS before the restore */
	ev(22, "i=1", NULL);
	a = expect_alert("i=1", ALERT_PENDING, T(21));
	cr_assert_eq(alerting_restore_active_at(30 * MIN, grace, T(22), T(15),
						unix_s(T(0)), &at),
		     1);
	cr_assert_eq(at, T(7));
	a->active_at = at;
	rule->restored = 1;
	for (int i = 23; i <= 36; i++) {
		ev(i, "i=1", NULL);
		expect_alert("i=1", ALERT_PENDING, T(7));
	}
	ev(37, "i=1", NULL); /* 37m after the original ActiveAt */
	expect_alert("i=1", ALERT_FIRING, T(7));
	expect_sent("t37", "i=1", T(37), T(41));

	/* Pending 28m: remaining 2m < grace, fires grace after restore. */
	cr_assert_eq(alerting_restore_active_at(30 * MIN, grace, T(35), T(28),
						unix_s(T(0)), &at),
		     1);
	cr_assert_eq(at, T(35) + grace - 30 * MIN);
	/* Firing when stopped: the old ActiveAt, fires at the next eval. */
	cr_assert_eq(alerting_restore_active_at(30 * MIN, grace, T(45), T(40),
						unix_s(T(0)), &at),
		     1);
	cr_assert_eq(at, T(0));
	/* for=5m < grace: not restored, the alert waits its `for` again
	 * (at the reference's commit; upstream PR #19882 of 2026-10 later
	 * restores firing alerts with short `for` too). */
	cr_assert_eq(alerting_restore_active_at(5 * MIN, grace, T(45), T(40),
						unix_s(T(38)), &at),
		     0);
	/* A stale marker is no ActiveAt. */
	cr_assert_eq(
	    alerting_restore_active_at(30 * MIN, grace, T(45), T(40), NAN, &at),
	    0);
	/* Go truncates both times to whole seconds: time.Unix(t/1000, 0). */
	cr_assert_eq(alerting_restore_active_at(30 * MIN, grace, T(22),
						T(15) + 999, 1700000040.9, &at),
		     1);
	cr_assert_eq(at, T(7));
}

/* 16. query_offset shifts only the written samples. */
Test(alerting, s16_query_offset)
{
	struct alert *a;
	int k;

	env.query_offset_ms = MIN;
	rule_a("1m", NULL);
	ev(0, "i=1", NULL);
	k = find_series("ALERTS", "pending");
	cr_assert_geq(k, 0);
	cr_assert_eq(out.series[k].t, T(-1));
	ev(1, "i=1", NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->fired_at, T(1));
	expect_sent("t1", "i=1", T(1), T(5));
	for (size_t i = 0; i < out.nseries; i++)
		cr_assert_eq(out.series[i].t, T(0));
	k = find_series("ALERTS_FOR_STATE", NULL);
	cr_assert_eq(out.series[k].value, unix_s(T(0)));
}

/* 17. Rule chaining: B, after A in the group, sees A's ALERTS of this
 * cycle (in Prometheus they are appended before B queries). */
Test(alerting, s17_rule_chaining)
{
	static const char *const yaml =
	    "groups:\n- name: g\n  rules:\n"
	    "  - alert: A\n    expr: X\n    labels:\n      sev: '{{ \"\" }}'\n"
	    "  - alert: B\n"
	    "    expr: ALERTS{alertname=\"A\",alertstate=\"firing\"}\n";
	struct alerting_sample s[1];
	struct alerting_result res = {.kind = ALERTING_RESULT_VECTOR,
				      .samples = s};
	struct alerting_output outb = {0};
	struct labels *want;
	int k;

	rule = load_rule(yaml, 0);
	rule2 = load_rule(yaml, 1);
	ev(0, "i=1", NULL);
	k = find_series("ALERTS", "firing");
	cr_assert_geq(k, 0);
	/* [observation] sample() starts from the raw rule labels: `sev`
	 * expanded to "" and left the alert, its template text stays in
	 * ALERTS (AlertingRule.sample: labels.NewBuilder(r.labels), then
	 * the alert's labels over it). */
	want = mk("__name__=ALERTS,alertname=A,alertstate=firing,i=1,"
		  "sev={{ \"\" }}");
	cr_assert(labels_equal(out.series[k].labels, want));
	labels_free(want);
	cr_assert_null(labels_get(out.sends[0].labels, "sev"));

	s[0] = (struct alerting_sample){out.series[k].labels, 1, 0};
	res.nsamples = 1;
	cr_assert_eq(alerting_eval(rule2, T(0), &res, &env, &outb), 0);
	cr_assert_eq(outb.nsends, 1);
	want = mk("alertname=B,alertstate=firing,i=1,sev={{ \"\" }}");
	cr_assert(labels_equal(outb.sends[0].labels, want));
	cr_assert_eq(outb.sends[0].starts_at, T(0));
	labels_free(want);
	alerting_output_free(&outb);
}

/* 18. Reload raising `for`: back to pending, no resolved notification,
 * fires again once ts - ActiveAt >= the new `for`. */
Test(alerting, s18_reload_larger_for)
{
	struct alerting_rule *old;
	struct alert *a;

	rule_a("15s", NULL);
	ev(0, "i=1", NULL);
	expect_alert("i=1", ALERT_PENDING, T(0));
	ev(1, "i=1", NULL);
	expect_alert("i=1", ALERT_FIRING, T(0));
	expect_sent("t1", "i=1", T(1), T(5));

	old = rule;
	rule = NULL;
	rule_a("1h", NULL);
	cr_assert(alerting_rule_same(rule, old)); /* same name and labels */
	alerting_rule_carry_over(rule, old);
	cr_assert_eq(old->active.count, 0);
	alerting_rule_free(old);
	cr_assert_eq(alerting_rule_state(rule), ALERT_UNKNOWN);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->last_sent_at, T(1)); /* the old rule's alert */

	ev(2, "i=1", NULL);
	a = expect_alert("i=1", ALERT_PENDING, T(0));
	cr_assert_eq(a->fired_at, ALERT_TIME_ZERO);
	cr_assert_eq(a->last_sent_at, ALERT_TIME_ZERO);
	expect_no_sends("t2");
	cr_assert_geq(find_series("ALERTS", "pending"), 0);
	for (int i = 3; i < 60; i++) {
		ev(i, "i=1", NULL);
		expect_no_sends("t3-t59");
	}
	ev(60, "i=1", NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	cr_assert_eq(a->fired_at, T(60));
	expect_sent("t60", "i=1", T(60), T(64));
}

/* 19. Template formatting through the state machine; a failing template
 * leaves its error text and the alert fires anyway. */
Test(alerting, s19_template_formatting)
{
	const char *spec[] = {"i=1"};
	double v = 1234567;
	const struct labels *an;

	rule_a("0s",
	       "    annotations:\n"
	       "      a: '{{ $value }}'\n"
	       "      b: '{{ $value | humanize }}'\n"
	       "      c: '{{ humanize1024 1048576 }}'\n"
	       "      d: '{{ 0.1234567 | humanizePercentage }}'\n"
	       "      e: '{{ 3600 | humanizeDuration }}'\n"
	       "      f: '{{ query \"absent_metric\" | first | value }}'\n");
	cr_assert_eq(eval_on(rule, T(0), spec, &v, 1), 0);
	expect_alert("i=1", ALERT_FIRING, T(0));
	expect_sent("t0", "i=1", T(0), T(4));
	an = out.sends[0].annotations;
	cr_assert_str_eq(labels_get(an, "a"), "1.234567e+06");
	cr_assert_str_eq(labels_get(an, "b"), "1.235M");
	cr_assert_str_eq(labels_get(an, "c"), "1Mi");
	cr_assert_str_eq(labels_get(an, "d"), "12.35%");
	cr_assert_str_eq(labels_get(an, "e"), "1h 0m 0s");
	cr_assert_str_eq(labels_get(an, "f"),
			 "<error expanding template: error executing template "
			 "__alert_A: template: __alert_A:1:139: executing "
			 "\"__alert_A\" at <first>: error calling first: "
			 "first() called on vector with no elements>");
}

/* ------------------------------------------------------ needsSending */

Test(alerting, needs_sending_edges)
{
	struct alert a = {.state = ALERT_PENDING,
			  .resolved_at = ALERT_TIME_ZERO,
			  .last_sent_at = ALERT_TIME_ZERO};

	/* Pending never goes out, not even resolved-looking. */
	cr_assert_not(alerting_needs_sending(&a, T(0), MIN));
	a.resolved_at = T(0);
	cr_assert_not(alerting_needs_sending(&a, T(5), MIN));

	/* Firing, never sent (Go's zero LastSentAt). */
	a.state = ALERT_FIRING;
	a.resolved_at = ALERT_TIME_ZERO;
	cr_assert(alerting_needs_sending(&a, T(0), MIN));
	/* LastSentAt + delay == ts: not due (strict); past it: due. */
	a.last_sent_at = T(0);
	cr_assert_not(alerting_needs_sending(&a, T(1), MIN));
	cr_assert(alerting_needs_sending(&a, T(1) + 1, MIN));
	cr_assert_not(alerting_needs_sending(&a, T(0), 0));
	cr_assert(alerting_needs_sending(&a, T(0) + 1, 0));

	/* Resolved after the last send: due at once. */
	a.state = ALERT_INACTIVE;
	a.resolved_at = T(0) + 1;
	cr_assert(alerting_needs_sending(&a, T(0) + 1, MIN));
	/* Resolved at the same instant as the last send: ResolvedAt is not
	 * After LastSentAt, so the resend cadence decides. */
	a.resolved_at = T(0);
	cr_assert_not(alerting_needs_sending(&a, T(1), MIN));
	cr_assert(alerting_needs_sending(&a, T(2), MIN));
	/* Resolved, never sent. */
	a.last_sent_at = ALERT_TIME_ZERO;
	cr_assert(alerting_needs_sending(&a, T(0), MIN));
}

Test(alerting, resend_delay_zero_and_long)
{
	/* resend delay 0: every evaluation sends (vmalert's default). */
	env.resend_delay_ms = 0;
	rule_a("0s", NULL);
	for (int i = 0; i < 3; i++) {
		ev(i, "i=1", NULL);
		expect_sent("every eval", "i=1", T(0), T(i + 4));
	}
	/* resend delay 5m > interval: next send once t2 + 5m < ts, with
	 * ValidUntil = ts + 4 * 5m. */
	env.resend_delay_ms = 5 * MIN;
	for (int i = 3; i <= 7; i++) {
		ev(i, "i=1", NULL);
		expect_no_sends("within 5m");
	}
	ev(8, "i=1", NULL);
	expect_sent("t8", "i=1", T(0), T(28));
}

Test(alerting, interval_longer_than_resend)
{
	/* interval 5m: ValidUntil = ts + 20m, and every eval resends. */
	env.interval_ms = 5 * MIN;
	rule_a("0s", NULL);
	ev(0, "i=1", NULL);
	expect_sent("t0", "i=1", T(0), T(20));
	ev(5, "i=1", NULL);
	expect_sent("t5", "i=1", T(0), T(25));
}

/* ---------------------------------------------------------- templates */

Test(alerting, template_error_in_annotation_still_fires)
{
	struct alert *a;
	const char *s;

	rule_a("0s", "    annotations:\n"
		     "      bad: '{{ humanize \"x\" }}'\n"
		     "      q: '{{ query \"fail\" }}'\n"
		     "      empty: '{{ $labels.missing }}'\n");
	ev(0, "i=1", NULL);
	a = expect_alert("i=1", ALERT_FIRING, T(0));
	expect_sent("t0", "i=1", T(0), T(4));
	s = labels_get(a->annotations, "bad");
	cr_assert(strncmp(s,
			  "<error expanding template: error executing "
			  "template __alert_A: ",
			  63) == 0,
		  "%s", s);
	cr_assert_str_eq(labels_get(a->annotations, "q"),
			 "<error expanding template: error executing template "
			 "__alert_A: template: __alert_A:1:115: executing "
			 "\"__alert_A\" at <query \"fail\">: error calling "
			 "query: query timed out>");
	/* Annotations keep empty values (a ScratchBuilder, no deletion). */
	cr_assert_str_eq(labels_get(a->annotations, "empty"), "");
	cr_assert_eq(a->annotations->n, 3);
}

Test(alerting, template_labels_and_data)
{
	struct labels *el = mk("region=eu");
	struct alert *a;

	env.external_labels = el;
	rule_a("0s",
	       "    labels:\n"
	       "      alertname: other\n"
	       "      gone: '{{ $labels.missing }}'\n"
	       "      i: '{{ $labels.i }}-x'\n"
	       "      job: ''\n"
	       "      sev: '{{ $labels.__name__ }}'\n"
	       "    annotations:\n"
	       "      ext: '{{ $externalLabels.region }} {{ $externalURL }}'\n"
	       "      link: '{{ \"up\" | tableLink }} {{ externalURL }}'\n");
	ev(0, "i=1,job=j,alertname=sample", NULL);
	/* Sample labels minus __name__, rule labels expanded over them (""
	 * deletes), alertname last. */
	a = expect_alert("i=1-x,sev=X", ALERT_FIRING, T(0));
	cr_assert_str_eq(labels_get(a->annotations, "ext"),
			 "eu http://prom:9090");
	cr_assert_str_eq(labels_get(a->annotations, "link"),
			 "/graph?g0.expr=up&g0.tab=1 http://prom:9090");
	labels_free(el);
}

Test(alerting, group_labels_merge)
{
	static const char *const yaml =
	    "groups:\n- name: g\n  labels:\n    team: g\n    sev: g\n"
	    "  rules:\n  - alert: A\n    expr: X\n"
	    "    labels:\n      sev: r\n";

	rule = load_rule(yaml, 0);
	cr_assert_eq(rule->nlabels, 2);
	cr_assert_str_eq(rule->labels[0].name, "sev");
	cr_assert_str_eq(rule->labels[0].value, "r"); /* the rule's wins */
	cr_assert_str_eq(rule->labels[1].name, "team");
	ev(0, "i=1", NULL);
	expect_alert("i=1,sev=r,team=g", ALERT_FIRING, T(0));
}

/* ------------------------------------------------------ generator URL */

Test(alerting, generator_url)
{
	static const char *const yaml =
	    "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: |\n"
	    "      sum(rate(x{a=\"b c\"}[5m])) > 0.5\n";
	struct buf b = {0};

	alerting_generator_url(&b, "http://prom:9090/p", "a/b?c&d=e+f~_.-é");
	cr_assert_str_eq(buf_str(&b), "http://prom:9090/p/graph?g0.expr="
				      "a%2Fb%3Fc%26d%3De%2Bf~_.-%C3%A9"
				      "&g0.tab=1");
	buf_free(&b);

	rule = load_rule(yaml, 0);
	ev(0, "", NULL);
	cr_assert_eq(out.nsends, 1);
	cr_assert_str_eq(out.sends[0].generator_url,
			 "http://prom:9090/graph?g0.expr="
			 "sum%28rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29%29"
			 "+%3E+0.5&g0.tab=1");
}

/* ---------------------------------------------------------- the rest */

Test(alerting, names_and_state_before_eval)
{
	cr_assert_str_eq(alerting_state_name(ALERT_UNKNOWN), "unknown");
	cr_assert_str_eq(alerting_state_name(ALERT_INACTIVE), "inactive");
	cr_assert_str_eq(alerting_state_name(ALERT_PENDING), "pending");
	cr_assert_str_eq(alerting_state_name(ALERT_FIRING), "firing");
	cr_assert_str_eq(alerting_health_name(ALERTING_HEALTH_UNKNOWN),
			 "unknown");
	cr_assert_str_eq(alerting_health_name(ALERTING_HEALTH_OK), "ok");
	cr_assert_str_eq(alerting_health_name(ALERTING_HEALTH_ERR), "err");

	rule_a("0s", NULL);
	cr_assert_eq(rule->health, ALERTING_HEALTH_UNKNOWN);
	cr_assert_eq(alerting_rule_state(rule), ALERT_UNKNOWN);
	/* A failed first evaluation still counts as evaluated (Prometheus
	 * sets the evaluation timestamp in a defer). */
	ev_err(0, "boom");
	cr_assert_eq(alerting_rule_state(rule), ALERT_INACTIVE);
	alerting_rule_free(NULL);
}

Test(alerting, not_restored_writes_no_series)
{
	rule_a("0s", NULL);
	rule->restored = 0;
	ev(0, "i=1", NULL);
	cr_assert_eq(out.nseries, 0);
	cr_assert_eq(out.nsends, 1);
}

Test(alerting, many_alerts_table)
{
	static struct labels *ls[1000];
	struct alerting_sample *s = xcalloc(1000, sizeof *s);
	struct alerting_result res = {.kind = ALERTING_RESULT_VECTOR,
				      .samples = s};
	const struct alert **v;
	size_t n;

	rule_a("0s", NULL);
	for (int i = 0; i < 1000; i++) {
		char *spec = xasprintf("__name__=X,i=%04d", i);

		ls[i] = mk(spec);
		s[i] = (struct alerting_sample){ls[i], i, 0};
		free(spec);
	}
	res.nsamples = 1000;
	cr_assert_eq(alerting_eval(rule, T(0), &res, &env, &out), 0);
	cr_assert_eq(out.nsends, 1000);
	for (size_t i = 1; i < out.nsends; i++) /* sorted by labels */
		cr_assert_lt(
		    labels_cmp(out.sends[i - 1].labels, out.sends[i].labels),
		    0);
	/* Every other series goes: 500 resolved. */
	for (int i = 0; i < 500; i++)
		s[i] = (struct alerting_sample){ls[2 * i], 2 * i, 0};
	res.nsamples = 500;
	alerting_output_free(&out);
	cr_assert_eq(alerting_eval(rule, T(1), &res, &env, &out), 0);
	cr_assert_eq(out.nsends, 500);
	cr_assert_eq(out.sends[0].ends_at, T(1));
	/* 16 minutes on the resolved ones are gone. */
	alerting_output_free(&out);
	cr_assert_eq(alerting_eval(rule, T(17), &res, &env, &out), 0);
	cr_assert_eq(rule->active.count, 500);
	v = alerting_rule_alerts(rule, &n);
	cr_assert_eq(n, 500);
	for (size_t i = 0; i < n; i++) {
		char want[24];

		snprintf(want, sizeof want, "%04zu", 2 * i);
		cr_assert_str_eq(labels_get(v[i]->labels, "i"), want);
		cr_assert_eq(v[i]->state, ALERT_FIRING);
		cr_assert_eq(v[i]->value, (double)(2 * i));
	}
	free(v);
	for (int i = 0; i < 1000; i++)
		labels_free(ls[i]);
	free(s);
}

Test(alerting, export_import)
{
	struct alert_persist p;
	struct alerting_rule *other;
	struct alert *a, *b;

	rule_a("0s",
	       "    annotations:\n      e: ''\n      v: '{{ $value }}'\n");
	ev(0, "i=1", NULL);
	ev(1, NULL);
	a = expect_alert("i=1", ALERT_INACTIVE, T(0));
	alerting_alert_export(a, &p);
	cr_assert_eq(p.state, ALERT_INACTIVE);
	cr_assert_eq(p.resolved_at, T(1));
	cr_assert_eq(p.last_sent_at, T(1));

	other = load_rule("groups:\n- name: g\n  rules:\n"
			  "  - alert: A\n    expr: X\n",
			  0);
	b = alerting_rule_import(other, &p);
	cr_assert_not_null(b);
	cr_assert(labels_equal(b->labels, a->labels));
	cr_assert_eq(b->annotations->n, 2);
	cr_assert_str_eq(labels_get(b->annotations, "e"), "");
	cr_assert_eq(b->state, ALERT_INACTIVE);
	cr_assert_eq(b->active_at, T(0));
	cr_assert_eq(b->fired_at, T(0));
	cr_assert_eq(b->resolved_at, T(1));
	cr_assert_eq(b->last_sent_at, T(1));
	cr_assert_eq(b->valid_until, T(5)); /* stamped by the t1 send */
	cr_assert_eq(b->keep_firing_since, ALERT_TIME_ZERO);
	/* Importing again replaces. */
	cr_assert_not_null(alerting_rule_import(other, &p));
	cr_assert_eq(other->active.count, 1);
	p.state = ALERT_UNKNOWN;
	cr_assert_null(alerting_rule_import(other, &p));
	p.state = ALERT_FIRING;
	p.labels = NULL;
	cr_assert_null(alerting_rule_import(other, &p));

	/* The imported resolved alert is re-sent on the cadence. */
	alerting_rule_free(rule);
	rule = other;
	ev(2, NULL);
	expect_no_sends("t2");
	ev(3, NULL);
	expect_sent("t3", "i=1", T(0), T(1));
}

Test(alerting, group_carry_over_matches_in_order)
{
	static const char *const yaml =
	    "groups:\n- name: g\n  rules:\n"
	    "  - alert: A\n    expr: X\n"
	    "  - alert: A\n    expr: Y\n"
	    "  - alert: A\n    expr: X\n    labels:\n      l: v\n";
	struct alerting_rule *from[3], *to[3];
	struct labels *l = mk("alertname=A,i=1");

	for (size_t i = 0; i < 3; i++)
		from[i] = load_rule(yaml, i);
	/* Give each old rule one alert, with its index as value. */
	for (size_t i = 0; i < 3; i++) {
		const char *spec[] = {"i=1"};
		double v = (double)i;

		cr_assert_eq(eval_on(from[i], T(0), spec, &v, 1), 0);
	}
	for (size_t i = 0; i < 3; i++)
		to[i] = load_rule(yaml, i);
	cr_assert(alerting_rule_same(to[0], from[1])); /* expr not compared */
	cr_assert_not(alerting_rule_same(to[2], from[0]));
	alerting_group_carry_over(to, 3, from, 3);
	/* First with first, second with second, labelled with labelled. */
	cr_assert_eq(alerting_rule_find(to[0], l)->value, 0);
	cr_assert_eq(alerting_rule_find(to[1], l)->value, 1);
	labels_free(l);
	l = mk("alertname=A,i=1,l=v");
	cr_assert_eq(alerting_rule_find(to[2], l)->value, 2);
	labels_free(l);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(from[i]->active.count, 0);
		alerting_rule_free(from[i]);
		alerting_rule_free(to[i]);
	}
}

Test(alerting, keep_firing_counts_toward_limit)
{
	/* Kept-firing alerts count as active (numActivePending++ after the
	 * keepFiring branch). */
	env.limit = 1;
	rule_a("0s", "    keep_firing_for: 5m\n");
	ev(0, "i=1", NULL);
	{
		const char *spec[] = {"i=2"};

		cr_assert_eq(eval_on(rule, T(1), spec, NULL, 1), -1);
	}
	cr_assert_eq(alerting_rule_state(rule), ALERT_INACTIVE);
	cr_assert_str_eq(rule->last_error, "exceeded limit of 1 with 2 alerts");
}

/* ------------------------------------------- reuse of rendered results */

/* Evaluates `rule` at ts on one sample (labels spec, may hold __name__)
 * with value v; asserts success and returns the alert of alert spec
 * aspec. */
static struct alert *ev1(int64_t ts, const char *spec, double v,
			 const char *aspec)
{
	struct labels *l = mk(spec);
	struct alerting_sample s = {l, v, 0};
	struct alerting_result res = {
	    .kind = ALERTING_RESULT_VECTOR, .samples = &s, .nsamples = 1};
	struct alert *a;

	alerting_output_free(&out);
	cr_assert_eq(alerting_eval(rule, ts, &res, &env, &out), 0, "%s",
		     rule->last_error ? rule->last_error : "");
	labels_free(l);
	a = get(aspec);
	cr_assert_not_null(a, "no alert {%s}", aspec);
	return a;
}

static void expect_ann(const struct alert *a, const char *want)
{
	cr_assert_str_eq(labels_get(a->annotations, "d"), want);
}

/* Annotations are rendered again whenever anything they may read
 * changed: $value, $labels (also __name__), $externalLabels,
 * $externalURL; and kept when nothing did. */
Test(alerting, annotations_follow_their_data)
{
	struct labels *ext = mk("dc=eu");
	struct alert *a;

	rule_a("0s", "    annotations:\n      d: '{{ $labels.__name__ }} "
		     "{{ $value }} {{ $externalLabels.dc }} "
		     "{{ $externalURL }}'\n      s: plain\n");
	a = ev1(T(0), "__name__=X,i=1", 1, "i=1");
	expect_ann(a, "X 1  http://prom:9090");
	a = ev1(T(1), "__name__=X,i=1", 1, "i=1");
	expect_ann(a, "X 1  http://prom:9090");
	cr_assert_str_eq(labels_get(a->annotations, "s"), "plain");
	a = ev1(T(2), "__name__=X,i=1", 2, "i=1");
	expect_ann(a, "X 2  http://prom:9090");
	a = ev1(T(3), "__name__=Y,i=1", 2, "i=1");
	expect_ann(a, "Y 2  http://prom:9090");
	a = ev1(T(4), "i=1", 2, "i=1");
	expect_ann(a, " 2  http://prom:9090");
	a = ev1(T(5), "__name__=X,i=1", 2, "i=1");
	expect_ann(a, "X 2  http://prom:9090");
	env.external_labels = ext;
	a = ev1(T(6), "__name__=X,i=1", 2, "i=1");
	expect_ann(a, "X 2 eu http://prom:9090");
	env.external_url = "http://other";
	a = ev1(T(7), "__name__=X,i=1", 2, "i=1");
	expect_ann(a, "X 2 eu http://other");
	env.external_labels = NULL;
	a = ev1(T(8), "__name__=X,i=1", 2, "i=1");
	expect_ann(a, "X 2  http://other");
	/* -0 and 0 print differently */
	a = ev1(T(9), "__name__=X,i=1", 0.0, "i=1");
	expect_ann(a, "X 0  http://other");
	a = ev1(T(10), "__name__=X,i=1", -0.0, "i=1");
	expect_ann(a, "X -0  http://other");
	labels_free(ext);
}

/* A label of the sample that the rule's labels replace is still in
 * $labels: a new value of it renders again. */
Test(alerting, annotations_see_replaced_labels)
{
	struct alert *a;

	rule_a("0s", "    labels:\n      sev: page\n    annotations:\n"
		     "      d: '{{ $labels.sev }}{{ $labels.alertname }}'\n");
	a = ev1(T(0), "i=1,sev=a", 1, "i=1,sev=page");
	expect_ann(a, "a");
	a = ev1(T(1), "i=1,sev=b", 1, "i=1,sev=page");
	expect_ann(a, "b");
	a = ev1(T(2), "alertname=Z,i=1,sev=b", 1, "i=1,sev=page");
	expect_ann(a, "bZ");
	a = ev1(T(3), "i=1,sev=b", 1, "i=1,sev=page");
	expect_ann(a, "b");
}

/* Templates that read the clock or the TSDB render at every evaluation. */
Test(alerting, annotations_with_now_render_every_time)
{
	struct alert *a;

	/* Go prints float64 seconds with %v */
	rule_a("0s", "    annotations:\n      d: '{{ now }}'\n");
	a = ev1(T(0), "i=1", 1, "i=1");
	expect_ann(a, "1.70000004e+09");
	a = ev1(T(1), "i=1", 1, "i=1");
	expect_ann(a, "1.7000001e+09");
}

/* Samples in another order, or one twice, find their own alerts. */
Test(alerting, result_order_changes)
{
	const char *spec[] = {"i=1", "i=2", "i=3"};
	const char *rev[] = {"i=3", "i=1", "i=2"};
	const char *dup[] = {"i=1", "i=3", "i=3"};
	double v[] = {1, 2, 3};

	rule_a("0s", "    annotations:\n      d: '{{ $labels.i }}={{ $value }}'\n");
	cr_assert_eq(eval_on(rule, T(0), spec, v, 3), 0);
	cr_assert_eq(eval_on(rule, T(1), spec, v, 3), 0);
	cr_assert_eq(eval_on(rule, T(2), rev, v, 3), 0);
	expect_ann(get("i=3"), "3=1");
	expect_ann(get("i=1"), "1=2");
	expect_ann(get("i=2"), "2=3");
	cr_assert_eq(get("i=3")->value, 1);
	cr_assert_eq(eval_on(rule, T(3), dup, v, 3), -1);
	cr_assert_eq(eval_on(rule, T(4), rev, v, 3), 0);
	cr_assert_eq(eval_on(rule, T(5), spec, v, 2), 0);
	expect_ann(get("i=1"), "1=1");
	expect_ann(get("i=2"), "2=2");
	cr_assert_eq(get("i=3")->state, ALERT_INACTIVE);
	cr_assert_eq(eval_on(rule, T(6), spec, v, 3), 0);
	expect_alert("i=3", ALERT_FIRING, T(6));
	expect_ann(get("i=3"), "3=3");
	cr_assert_eq(rule->active.count, 3);
}

/* Alerts taken over by a reloaded rule render its templates. */
Test(alerting, carried_over_alerts_render_new_templates)
{
	static const char *const yaml =
	    "groups:\n- name: g\n  rules:\n"
	    "  - alert: A\n    expr: X\n    annotations:\n      d: old\n"
	    "  - alert: A\n    expr: X\n    annotations:\n"
	    "      d: 'new {{ $value }}'\n";
	struct alert *a;

	rule = load_rule(yaml, 0);
	a = ev1(T(0), "i=1", 1, "i=1");
	expect_ann(a, "old");
	rule2 = load_rule(yaml, 1);
	alerting_rule_carry_over(rule2, rule);
	alerting_rule_free(rule);
	rule = rule2;
	rule2 = NULL;
	a = ev1(T(1), "i=1", 1, "i=1");
	expect_ann(a, "new 1");
	cr_assert_eq(a->active_at, T(0));
}

/* Every annotation, reused or rendered again, is what rendering it
 * afresh gives, while the value, the series' labels and the external
 * labels and URL change in turn; templates that may read $value in
 * roundabout ways included. */
Test(alerting, reused_annotations_equal_fresh_renders)
{
	static const char *const tmpls[] = {
	    "plain text",
	    "{{ $labels.i }} on {{ $labels.__name__ }}",
	    "{{ $value }}",
	    "{{ printf \"%v\" . }}",
	    "{{ $x := . }}{{ $x.Labels.i }}{{ printf \"%v\" $x }}",
	    "{{ printf \"%v\" $ }}",
	    "{{ with $ }}{{ .Labels.i }}{{ end }}{{ $.Labels }}",
	    "{{ define \"t\" }}{{ printf \"%v\" . }}{{ end }}"
	    "{{ template \"t\" . }}",
	    "{{ \"}}\" }}{{ printf \"%v\" . }}",
	    "{{ printf \"%v}}\" . }}",
	    "{{ printf `%v}}` . }}",
	    "{{ `}}` }}{{ printf \"%v\" . }}",
	    "{{ '}' }}{{ printf \"%v\" . }}",
	    "{{ range $labels }}{{ . }}{{ end }}",
	    "{{ 0.5 }} {{ $externalLabels.dc }} {{ $externalURL }}",
	    "{{ now }}",
	    "{{ humanize 1.5 }} {{ toUpper $labels.i }}",
	};
	static const struct {
		const char *spec;
		double v;
		int ext; /* 0: none, 1: dc=eu, 2: dc=us + other URL */
	} steps[] = {
	    {"__name__=X,i=1", 1, 0}, {"__name__=X,i=1", 1, 0},
	    {"__name__=X,i=1", 2, 0}, {"__name__=Y,i=1", 2, 0},
	    {"i=1", 2, 0},	      {"i=1", 2, 1},
	    {"i=1", 3, 1},	      {"i=1", 3, 2},
	    {"__name__=X,i=1", 3, 2}, {"__name__=X,i=1", 3, 2},
	};
	struct labels *ext1 = mk("dc=eu"), *ext2 = mk("dc=us");
	struct buf yaml = {0};

	buf_puts(&yaml, "groups:\n- name: g\n  rules:\n  - alert: A\n"
			"    expr: X\n    annotations:\n");
	for (size_t i = 0; i < sizeof tmpls / sizeof *tmpls; i++) {
		buf_printf(&yaml, "      a%02zu: '", i);
		for (const char *c = tmpls[i]; *c; c++)
			buf_puts(&yaml, *c == '\'' ? "''" : (char[]){*c, 0});
		buf_puts(&yaml, "'\n");
	}
	rule = load_rule(buf_str(&yaml), 0);
	buf_free(&yaml);
	for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
		struct labels *l = mk(steps[k].spec);
		struct alert *a;

		env.external_labels = steps[k].ext == 0	  ? NULL
				      : steps[k].ext == 1 ? ext1
							  : ext2;
		env.external_url =
		    steps[k].ext == 2 ? "http://other" : "http://prom:9090";
		a = ev1(T((int)k), steps[k].spec, steps[k].v, "i=1");
		for (size_t i = 0; i < sizeof tmpls / sizeof *tmpls; i++) {
			struct tmpl_rule_data data = {l, env.external_labels,
						      env.external_url,
						      steps[k].v};
			struct tmpl_rule_env tenv = {env.external_url,
						     fake_query, NULL,
						     (double)T((int)k) / 1000};
			char name[8], *want;

			snprintf(name, sizeof name, "a%02zu", i);
			tmpl_expand_rule("A", tmpls[i], &data, &tenv, &want);
			cr_assert_str_eq(labels_get(a->annotations, name),
					 want, "step %zu, %s", k, tmpls[i]);
			free(want);
		}
		labels_free(l);
	}
	labels_free(ext1);
	labels_free(ext2);
}

/* ------------------------------------------- alerts found by sample key */

/* Samples handed over without labels: labels_of() builds them from
 * specs on demand and counts how often it was asked. */
struct keyed {
	const char **spec;
	struct labels *built[MAXS];
	int calls;
};

static const struct labels *keyed_labels(void *ctx, size_t i)
{
	struct keyed *k = ctx;
	char *full = *k->spec[i] ? xasprintf("__name__=X,%s", k->spec[i])
				 : xstrdup("__name__=X");

	cr_assert_null(k->built[i], "labels of sample %zu asked twice", i);
	k->built[i] = mk(full);
	free(full);
	k->calls++;
	return k->built[i];
}

/* Evaluates `rule` at ts on samples {__name__="X", spec[i]} with keys and
 * values; returns alerting_eval()'s result and how often labels were
 * built in *calls. */
static int eval_keyed(int64_t ts, const char **spec, const uint64_t *keys,
		      const double *val, size_t n, int *calls)
{
	struct alerting_sample s[MAXS];
	struct keyed k = {.spec = spec};
	struct alerting_result res = {.kind = ALERTING_RESULT_VECTOR,
				      .samples = s,
				      .nsamples = n,
				      .labels_of = keyed_labels,
				      .labels_ctx = &k};
	int rc;

	cr_assert_leq(n, MAXS);
	for (size_t i = 0; i < n; i++)
		s[i] = (struct alerting_sample){NULL, val[i], keys[i]};
	alerting_output_free(&out);
	rc = alerting_eval(rule, ts, &res, &env, &out);
	for (size_t i = 0; i < n; i++)
		labels_free(k.built[i]);
	*calls = k.calls;
	return rc;
}

/* The same key at the same place finds the same alert without building
 * the sample's labels; labels are built only where something needs them. */
Test(alerting, keys_find_alerts_without_labels)
{
	const char *spec[] = {"i=1", "i=2"}, *swapped[] = {"i=2", "i=1"};
	const uint64_t keys[] = {11, 22}, swapped_keys[] = {22, 11};
	const double one[] = {1, 1}, moved[] = {1, 5};
	struct alert *a1, *a2;
	int calls;

	rule_a("0s", "    labels: {severity: page}\n"
		     "    annotations:\n      d: '{{ $labels.i }}={{ $value }}'\n"
		     "      s: plain\n");
	cr_assert_eq(eval_keyed(T(0), spec, keys, one, 2, &calls), 0);
	cr_assert_eq(calls, 2, "new alerts need their labels");
	a1 = get("i=1,severity=page");
	a2 = get("i=2,severity=page");
	cr_assert(a1 && a2);
	expect_ann(a2, "2=1");
	cr_assert_eq(eval_keyed(T(1), spec, keys, one, 2, &calls), 0);
	cr_assert_eq(calls, 0, "known keys, same values: no labels built");
	cr_assert_eq(a1->state, ALERT_FIRING);
	cr_assert_eq(a2->state, ALERT_FIRING);
	cr_assert_eq(eval_keyed(T(2), spec, keys, moved, 2, &calls), 0);
	cr_assert_eq(calls, 1, "only the sample whose $value changed");
	expect_ann(a2, "2=5");
	cr_assert_float_eq(a2->value, 5, 0);
	cr_assert_str_eq(labels_get(a2->annotations, "s"), "plain");
	/* another order: found by labels, the same alerts */
	cr_assert_eq(eval_keyed(T(3), swapped, swapped_keys, one, 2, &calls),
		     0);
	cr_assert_eq(calls, 2);
	cr_assert_eq(get("i=1,severity=page"), a1);
	cr_assert_eq(get("i=2,severity=page"), a2);
	cr_assert_eq(a1->active_at, T(0));
	cr_assert_eq(a2->active_at, T(0));
	expect_ann(a2, "2=1");
	/* and by key again in that order */
	cr_assert_eq(eval_keyed(T(4), swapped, swapped_keys, one, 2, &calls),
		     0);
	cr_assert_eq(calls, 0);
	cr_assert_eq(rule->active.count, 2);
}

/* A key that moved to another place is looked up by labels; two samples
 * of one text (one key) are the duplicate label set error. */
Test(alerting, keys_do_not_hide_duplicates)
{
	const char *spec[] = {"i=1", "i=2"}, *twice[] = {"i=1", "i=1"};
	const uint64_t keys[] = {11, 22}, same[] = {11, 11};
	const double one[] = {1, 1};
	int calls;

	rule_a("0s", NULL);
	cr_assert_eq(eval_keyed(T(0), spec, keys, one, 2, &calls), 0);
	cr_assert_eq(eval_keyed(T(1), twice, same, one, 2, &calls), -1);
	cr_assert_str_eq(rule->last_error,
			 "vector contains metrics with the same labelset "
			 "after applying alert labels");
	cr_assert_eq(calls, 1, "the second sample is looked up by labels");
}

/* With a templated label, a key says nothing of the alert's labels:
 * every sample's labels are built. */
Test(alerting, keys_unused_with_templated_labels)
{
	const char *spec[] = {"i=1"};
	const uint64_t keys[] = {11};
	const double v1[] = {1}, v2[] = {2};
	int calls;

	rule_a("0s", "    labels: {band: '{{ if gt $value 1.0 }}high"
		     "{{ else }}low{{ end }}'}\n");
	cr_assert_eq(eval_keyed(T(0), spec, keys, v1, 1, &calls), 0);
	cr_assert_eq(calls, 1);
	cr_assert_not_null(get("band=low,i=1"));
	cr_assert_eq(eval_keyed(T(1), spec, keys, v2, 1, &calls), 0);
	cr_assert_eq(calls, 1);
	cr_assert_not_null(get("band=high,i=1"), "the label followed");
	cr_assert_eq(rule->active.count, 2);
}

/* A resolved alert kept for its notification is not found by its key: the
 * series coming back is a new pending alert. */
Test(alerting, keys_do_not_revive_resolved_alerts)
{
	const char *spec[] = {"i=1"};
	const uint64_t keys[] = {11};
	const double one[] = {1};
	struct alert *a;
	int calls;

	rule_a("5m", NULL);
	cr_assert_eq(eval_keyed(T(0), spec, keys, one, 1, &calls), 0);
	a = get("i=1");
	cr_assert_eq(eval_keyed(T(1), spec, keys, one, 0, &calls), 0);
	cr_assert_null(get("i=1"), "a pending alert goes at once");
	cr_assert_eq(eval_keyed(T(2), spec, keys, one, 1, &calls), 0);
	cr_assert_eq(calls, 1);
	a = get("i=1");
	cr_assert_eq(a->state, ALERT_PENDING);
	cr_assert_eq(a->active_at, T(2));
}

/* The digest kept while evaluating equals one taken from scratch, through
 * new, firing, sent, resolved and deleted alerts. */
Test(alerting, digest_follows_every_change)
{
	const char *sets[][3] = {{"i=1", "i=2", "i=3"}, {"i=1", "i=2", "i=3"},
				 {"i=1", "i=3", ""},	{"i=3", "", ""},
				 {"i=3", "", ""},	{"i=1", "i=2", ""}};
	const size_t ns[] = {3, 3, 2, 1, 1, 2};
	uint64_t seen[20] = {0};

	rule_a("1m", "    keep_firing_for: 2m\n");
	for (int i = 0; i < 20; i++) {
		size_t k = (size_t)i % 6;
		uint64_t kept;

		cr_assert_eq(eval_on(rule, T(i * 3), sets[k], NULL, ns[k]), 0);
		kept = alerting_rule_digest(rule);
		rule->digest_ok = 0;
		cr_assert_eq(kept, alerting_rule_digest(rule), "at %d", i);
		rule->digest_ok = 1;
		seen[i] = kept;
	}
	/* and it tells states apart */
	cr_assert_neq(seen[0], seen[1]);
}

/* A restart needs every one of these: a change to any must change the
 * digest, or the group is not saved again. */
Test(alerting, digest_covers_every_saved_field)
{
	const char *set[] = {"i=1"};
	struct alert *a;
	int64_t *times[6];
	uint64_t base;

	rule_a("1m", "    keep_firing_for: 2m\n");
	cr_assert_eq(eval_on(rule, T(0), set, NULL, 1), 0);
	a = rule->active.slots[0];
	for (size_t i = 1; !a && i < rule->active.cap; i++)
		a = rule->active.slots[i];
	cr_assert_not_null(a);
	rule->digest_ok = 0;
	base = alerting_rule_digest(rule);
	times[0] = &a->active_at;
	times[1] = &a->fired_at;
	times[2] = &a->resolved_at;
	times[3] = &a->last_sent_at;
	times[4] = &a->valid_until;
	times[5] = &a->keep_firing_since;
	for (size_t i = 0; i < 6; i++) {
		int64_t was = *times[i];

		*times[i] = was + 1000;
		cr_assert_neq(alerting_rule_digest(rule), base, "field %zu", i);
		*times[i] = was;
	}
	cr_assert_eq(a->state, ALERT_PENDING);
	a->state = ALERT_FIRING;
	cr_assert_neq(alerting_rule_digest(rule), base, "state");
	a->state = ALERT_PENDING;
	a->fp ^= 1;
	cr_assert_neq(alerting_rule_digest(rule), base, "fp");
	a->fp ^= 1;
	cr_assert_eq(alerting_rule_digest(rule), base);
}

/* With a scratch kept by the caller: it grows with the result, is used
 * again, and a failed evaluation (duplicate label sets) leaves it to its
 * owner. */
Test(alerting, scratch_kept_between_evaluations)
{
	const char *one[] = {"i=1"}, *three[] = {"i=1", "i=2", "i=3"},
		   *dup[] = {"i=1", "i=1"}, *two[] = {"i=2", "i=3"};
	struct alerting_scratch sc = {0};
	void *was;

	env.scratch = &sc;
	rule_a("0s", NULL);
	cr_assert_eq(eval_on(rule, T(0), one, NULL, 1), 0);
	cr_assert_not_null(sc.p);
	cr_assert_eq(rule->active.count, 1);
	cr_assert_eq(eval_on(rule, T(1), three, NULL, 3), 0);
	cr_assert_eq(rule->active.count, 3);
	was = sc.p;
	cr_assert_eq(eval_on(rule, T(2), dup, NULL, 2), -1);
	cr_assert_eq(sc.p, was);
	cr_assert_eq(rule->active.count, 3); /* errors freeze state */
	cr_assert_eq(eval_on(rule, T(3), two, NULL, 2), 0);
	cr_assert_eq(sc.p, was);
	expect_alert("i=2", ALERT_FIRING, T(1));
	expect_alert("i=3", ALERT_FIRING, T(1));
	env.scratch = NULL;
	alerting_scratch_free(&sc);
	cr_assert_null(sc.p);
}
