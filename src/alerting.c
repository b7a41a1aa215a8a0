/*
 * alerting.c - the alerting-rule state machine: Prometheus' AlertingRule.Eval
 * and sendAlerts step by step, the alert table, reload carry-over and the
 * restore arithmetic.  Nothing here reads a clock or does I/O.
 *
 * Section and step numbers in comments refer to
 * ../shared/reference/ruler.md §2.
 */
#include "alerting.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ERR_DUPLICATE                                                          \
	"vector contains metrics with the same labelset after applying alert " \
	"labels"

const char *alerting_state_name(enum alert_state s)
{
	static const char *const names[] = {"unknown", "inactive", "pending",
					    "firing"};

	return (unsigned)s < ARRAY_LEN(names) ? names[s] : "unknown";
}

const char *alerting_health_name(enum alerting_health h)
{
	static const char *const names[] = {"unknown", "ok", "err"};

	return (unsigned)h < ARRAY_LEN(names) ? names[h] : "unknown";
}

/* ---------------------------------------------------------------- alerts */


static struct alert *alert_new(void)
{
	struct alert *a = xcalloc(1, sizeof *a);

	a->active_at = a->fired_at = a->resolved_at = ALERT_TIME_ZERO;
	a->last_sent_at = a->valid_until = a->keep_firing_since =
	    ALERT_TIME_ZERO;
	return a;
}

static void alert_free(struct alert *a)
{
	if (!a)
		return;
	labels_free(a->labels);
	labels_free(a->annotations);
	free(a);
}

/* ------------------------------------------------------------ the table */

/* Returns the slot holding labels l, or the empty slot where it would go.
 * The table has at least one empty slot. */
static size_t table_slot(const struct alert_table *t, const struct labels *l)
{
	size_t mask = t->cap - 1, i = (size_t)l->fp & mask;

	while (t->slots[i] && !labels_equal(t->slots[i]->labels, l))
		i = (i + 1) & mask;
	return i;
}

static struct alert *table_get(const struct alert_table *t,
			       const struct labels *l)
{
	return t->cap ? t->slots[table_slot(t, l)] : NULL;
}

static void table_put(struct alert_table *t, struct alert *a);

static void table_grow(struct alert_table *t)
{
	struct alert_table old = *t;

	t->cap = old.cap ? old.cap * 2 : 8;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	t->count = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i])
			table_put(t, old.slots[i]);
	free(old.slots);
}

/* Adds a (taken), replacing and freeing an alert with the same labels. */
static void table_put(struct alert_table *t, struct alert *a)
{
	size_t i;

	if ((t->count + 1) * 2 > t->cap)
		table_grow(t);
	i = table_slot(t, a->labels);
	if (t->slots[i])
		alert_free(t->slots[i]);
	else
		t->count++;
	t->slots[i] = a;
}

/* Empties t; free_alerts says whether the alerts go too. */
static void table_clear(struct alert_table *t, int free_alerts)
{
	for (size_t i = 0; free_alerts && i < t->cap; i++)
		alert_free(t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* Deletes and frees the doomed alerts by rebuilding the table. */
static void table_sweep(struct alert_table *t)
{
	struct alert_table old = *t;

	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < old.cap; i++) {
		struct alert *a = old.slots[i];

		if (a && a->doomed)
			alert_free(a);
		else if (a)
			table_put(t, a);
	}
	free(old.slots);
}

static int alert_ptr_cmp(const void *x, const void *y)
{
	const struct alert *a = *(struct alert *const *)x;
	const struct alert *b = *(struct alert *const *)y;

	return labels_cmp(a->labels, b->labels);
}

/* Returns the alerts of t sorted by labels (NULL when none). */
static struct alert **table_sorted(const struct alert_table *t, size_t *n)
{
	struct alert **v;
	size_t k = 0;

	*n = t->count;
	if (!t->count)
		return NULL;
	v = xmalloc(t->count * sizeof *v);
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			v[k++] = t->slots[i];
	assert(k == t->count);
	qsort(v, k, sizeof *v, alert_ptr_cmp);
	return v;
}

/* ------------------------------------------------------------ the rule */

static void kv_copy(struct rule_kv *dst, const struct rule_kv *src)
{
	dst->name = xstrdup(src->name);
	dst->value = xstrdup(src->value);
}

/* Merges two name-sorted lists; b wins on equal names (rules.FromMaps). */
static struct rule_kv *kv_merge(const struct rule_kv *a, size_t na,
				const struct rule_kv *b, size_t nb, size_t *n)
{
	struct rule_kv *v = xmalloc((na + nb ? na + nb : 1) * sizeof *v);
	size_t i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		int c = strcmp(a[i].name, b[j].name);

		if (c == 0)
			i++;
		kv_copy(&v[k++], c < 0 ? &a[i++] : &b[j++]);
	}
	while (i < na)
		kv_copy(&v[k++], &a[i++]);
	while (j < nb)
		kv_copy(&v[k++], &b[j++]);
	*n = k;
	return v;
}

static void kv_free(struct rule_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* Returns a copy of s without leading and trailing ASCII white space. */
static char *trim_dup(const char *s)
{
	const char *ws = " \t\n\r\v\f";
	size_t len;

	s += strspn(s, ws);
	len = strlen(s);
	while (len && strchr(ws, s[len - 1]))
		len--;
	return xstrndup(s, len);
}

struct alerting_rule *alerting_rule_new(const struct rule *rule,
					const struct rule_group *group)
{
	struct alerting_rule *r = xcalloc(1, sizeof *r);

	r->name = xstrdup(rule->name);
	/* The parsed-and-printed expression Prometheus links to never has
	 * surrounding white space; a block scalar's text ends in "\n". */
	r->expr = trim_dup(rule->expr);
	r->for_ms = rule->for_ms;
	r->keep_firing_for_ms = rule->keep_firing_for_ms;
	if (group)
		r->labels = kv_merge(group->labels, group->nlabels,
				     rule->labels, rule->nlabels, &r->nlabels);
	else
		r->labels =
		    kv_merge(rule->labels, rule->nlabels, NULL, 0, &r->nlabels);
	r->annotations = kv_merge(rule->annotations, rule->nannotations, NULL,
				  0, &r->nannotations);
	r->label_tmpls = xcalloc(r->nlabels + 1, sizeof *r->label_tmpls);
	for (size_t i = 0; i < r->nlabels; i++)
		r->label_tmpls[i] = tmpl_rule_compile(r->name,
						      r->labels[i].value);
	r->annotation_tmpls =
		xcalloc(r->nannotations + 1, sizeof *r->annotation_tmpls);
	for (size_t i = 0; i < r->nannotations; i++)
		r->annotation_tmpls[i] =
			tmpl_rule_compile(r->name, r->annotations[i].value);
	r->health = ALERTING_HEALTH_UNKNOWN;
	r->evaluated_at = ALERT_TIME_ZERO;
	return r;
}

void alerting_rule_free(struct alerting_rule *r)
{
	if (!r)
		return;
	table_clear(&r->active, 1);
	for (size_t i = 0; i < r->nlabels; i++)
		tmpl_rule_tmpl_free(r->label_tmpls[i]);
	for (size_t i = 0; i < r->nannotations; i++)
		tmpl_rule_tmpl_free(r->annotation_tmpls[i]);
	free(r->label_tmpls);
	free(r->annotation_tmpls);
	kv_free(r->labels, r->nlabels);
	kv_free(r->annotations, r->nannotations);
	free(r->last_error);
	free(r->expr);
	free(r->name);
	free(r);
}

/* Marks the evaluation failed with msg (health err, §2.6); returns -1. */
static int rule_fail(struct alerting_rule *r, char *msg)
{
	free(r->last_error);
	r->last_error = msg;
	r->health = ALERTING_HEALTH_ERR;
	return -1;
}

/* ------------------------------------------- step 2: alerts of a result */

/* What expanding one sample's templates needs. */
struct expand_ctx {
	const struct alerting_rule *r;
	struct tmpl_rule_data data;
	struct tmpl_rule_env env;
};

/* Returns the expanded template text (the caller frees it).  A failing
 * template yields "<error expanding template: ...>" and is no error. */
static char *expand(const struct expand_ctx *x, const struct tmpl_rule_tmpl *t)
{
	char *out;

	tmpl_rule_exec(t, &x->data, &x->env, &out);
	return out;
}

/* Alert labels: the sample's without __name__, then each rule label
 * expanded (an empty result deletes it), then alertname.  Both inputs are
 * sorted, so this is a merge into one allocation, not a builder. */
static struct labels *alert_labels(const struct expand_ctx *x)
{
	const struct labels *sl = x->data.labels;
	const struct alerting_rule *r = x->r;
	size_t cap = sl->n + r->nlabels + 1, n = 0, i = 0, j = 0;
	struct label *v = xmalloc(cap * sizeof *v);
	char **vals = xcalloc(r->nlabels + 1, sizeof *vals);
	struct labels *l;
	int have_alertname = 0;

	for (size_t k = 0; k < r->nlabels; k++)
		vals[k] = expand(x, r->label_tmpls[k]);
	while (i < sl->n || j < r->nlabels) {
		int c = i == sl->n	  ? 1
			: j == r->nlabels ? -1
					  : strcmp(sl->v[i].name,
						   r->labels[j].name);
		const char *name, *value;

		if (c < 0) {
			name = sl->v[i].name;
			value = sl->v[i++].value;
			if (strcmp(name, "__name__") == 0)
				continue;
		} else {
			if (c == 0)
				i++; /* the rule's label wins */
			name = r->labels[j].name;
			value = vals[j++];
		}
		if (strcmp(name, "alertname") == 0) {
			value = r->name;
			have_alertname = 1;
		}
		if (!value[0])
			continue;
		/* alertname comes in its sorted place */
		if (!have_alertname && strcmp(name, "alertname") > 0) {
			v[n].name = "alertname";
			v[n++].value = r->name;
			have_alertname = 1;
		}
		v[n].name = name;
		v[n++].value = value;
	}
	if (!have_alertname) {
		v[n].name = "alertname";
		v[n++].value = r->name;
	}
	l = labels_from_sorted(v, n);
	for (size_t k = 0; k < r->nlabels; k++)
		free(vals[k]);
	free(vals);
	free(v);
	return l;
}

/* Annotations: every template expanded, empty results kept. */
static struct labels *alert_annotations(const struct expand_ctx *x)
{
	size_t n = x->r->nannotations;
	struct label *v = xmalloc((n ? n : 1) * sizeof *v);
	struct labels *l;

	for (size_t i = 0; i < n; i++) {
		v[i].name = x->r->annotations[i].name;
		v[i].value = expand(x, x->r->annotation_tmpls[i]);
	}
	l = labels_from_sorted(v, n);
	for (size_t i = 0; i < n; i++)
		free((char *)v[i].value);
	free(v);
	return l;
}

/* Returns a new pending alert for one sample (step 4's "new alert"). */
static struct alert *alert_of_sample(const struct expand_ctx *x, int64_t ts)
{
	struct alert *a = alert_new();

	a->labels = alert_labels(x);
	a->annotations = alert_annotations(x);
	a->value = x->data.value;
	a->state = ALERT_PENDING;
	a->active_at = ts;
	return a;
}

/*
 * Steps 2-3: builds the alerts of every sample into fresh.  Returns 0, or
 * -1 when two samples give the same label set (fresh must then be
 * cleared).  Nothing of the rule is touched.
 */
static int alerts_of_result(const struct alerting_rule *r, int64_t ts,
			    const struct alerting_result *res,
			    const struct alerting_env *env,
			    struct alert_table *fresh)
{
	struct labels *none = labels_empty();
	struct alerting_sample scalar = {none, res->scalar};
	const struct alerting_sample *v = res->samples;
	size_t n = res->nsamples;
	struct expand_ctx x = {.r = r};
	int rc = 0;

	if (res->kind == ALERTING_RESULT_SCALAR) {
		v = &scalar;
		n = 1;
	}
	x.data.external_labels = env->external_labels;
	x.data.external_url = env->external_url ? env->external_url : "";
	x.env.external_url = x.data.external_url;
	x.env.query = env->query;
	x.env.query_ctx = env->query_ctx;
	x.env.now = (double)ts / 1000.0;	/* `now` is the slot, as in Prometheus */
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct alert *a;

		x.data.labels = v[i].labels ? v[i].labels : none;
		x.data.value = v[i].value;
		a = alert_of_sample(&x, ts);
		if (table_get(fresh, a->labels)) {
			alert_free(a);
			rc = -1;
		} else {
			table_put(fresh, a);
		}
	}
	labels_free(none);
	return rc;
}

/* --------------------------------------------------- steps 4-5: advance */

/* Step 4: an alert already pending or firing keeps its ActiveAt and takes
 * the new value and annotations; otherwise the new pending alert replaces
 * it.  Consumes fresh. */
static void merge(struct alerting_rule *r, struct alert_table *fresh)
{
	for (size_t i = 0; i < fresh->cap; i++) {
		struct alert *a = fresh->slots[i], *old;

		if (!a)
			continue;
		assert(a->state == ALERT_PENDING && !a->in_result);
		old = table_get(&r->active, a->labels);
		if (old && old->state != ALERT_INACTIVE) {
			old->value = a->value;
			labels_free(old->annotations);
			old->annotations = a->annotations;
			a->annotations = NULL;
			old->in_result = 1;
			alert_free(a);
			continue;
		}
		a->in_result = 1;
		table_put(&r->active, a);
	}
	table_clear(fresh, 0);
}

/* Step 5 for an alert missing from the result.  Returns 1 when it is
 * still active (kept firing by keep_firing_for), 0 when it is done. */
static int advance_missing(const struct alerting_rule *r, struct alert *a,
			   int64_t ts)
{
	int keep = 0;

	if (a->state == ALERT_FIRING && r->keep_firing_for_ms > 0) {
		if (a->keep_firing_since == ALERT_TIME_ZERO)
			a->keep_firing_since = ts;
		keep = ts - a->keep_firing_since < r->keep_firing_for_ms;
	}
	if (a->state == ALERT_PENDING ||
	    (a->resolved_at != ALERT_TIME_ZERO &&
	     ts - a->resolved_at > ALERTING_RESOLVED_RETENTION_MS))
		a->doomed = 1;
	if (!keep && a->state != ALERT_INACTIVE) {
		a->state = ALERT_INACTIVE;
		a->resolved_at = ts;
	}
	return keep;
}

/* Step 5 for an active alert: the `for` clock. */
static void advance_active(const struct alerting_rule *r, struct alert *a,
			   int64_t ts)
{
	/* In the result (pending or firing) or kept firing, never resolved. */
	assert(a->state != ALERT_INACTIVE);
	if (a->state == ALERT_PENDING && ts - a->active_at >= r->for_ms) {
		a->state = ALERT_FIRING;
		a->fired_at = ts;
	}
	/* Only after a reload raised `for` (TestFiringAlertResetToPending
	 * OnHoldDurationIncrease). */
	if (a->state == ALERT_FIRING && ts - a->active_at < r->for_ms) {
		a->state = ALERT_PENDING;
		a->fired_at = ALERT_TIME_ZERO;
		a->last_sent_at = ALERT_TIME_ZERO;
		a->keep_firing_since = ALERT_TIME_ZERO;
	}
}

/* Step 5 over every alert; returns numActivePending. */
static size_t advance(struct alerting_rule *r, int64_t ts)
{
	size_t active = 0;
	int doomed = 0;

	for (size_t i = 0; i < r->active.cap; i++) {
		struct alert *a = r->active.slots[i];

		if (!a)
			continue;
		if (!a->in_result) {
			int keep = advance_missing(r, a, ts);

			doomed |= a->doomed;
			if (!keep)
				continue;
		} else {
			a->in_result = 0;
			a->keep_firing_since = ALERT_TIME_ZERO;
		}
		active++;
		advance_active(r, a, ts);
	}
	if (doomed)
		table_sweep(&r->active);
	return active;
}

/* ------------------------------------------------------ output: series */

static void series_push(struct alerting_output *out, struct labels *l,
			double value, int64_t t)
{
	if (out->nseries == out->series_cap) {
		out->series_cap = out->series_cap ? out->series_cap * 2 : 8;
		out->series = xrealloc(out->series,
				       out->series_cap * sizeof *out->series);
	}
	out->series[out->nseries++] = (struct alerting_series){l, value, t};
}

/* Labels of an ALERTS-family sample (AlertingRule.sample): the raw rule
 * labels, overlaid by the alert's, then __name__, alertname and, for
 * ALERTS, alertstate. */
static struct labels *series_labels(const struct alerting_rule *r,
				    const struct alert *a, const char *metric,
				    const char *state)
{
	struct labels_builder b = {0};
	struct labels *l;

	for (size_t i = 0; i < r->nlabels; i++)
		labels_builder_set(&b, r->labels[i].name, r->labels[i].value);
	for (size_t i = 0; i < a->labels->n; i++)
		labels_builder_set(&b, a->labels->v[i].name,
				   a->labels->v[i].value);
	labels_builder_set(&b, "__name__", metric);
	labels_builder_set(&b, "alertname", r->name);
	if (state)
		labels_builder_set(&b, "alertstate", state);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* Go's time.Unix() seconds of a millisecond time: floor division. */
static int64_t unix_seconds(int64_t ms)
{
	return ms / 1000 - (ms % 1000 < 0);
}

/* ALERTS and ALERTS_FOR_STATE of every pending or firing alert. */
static void write_series(const struct alerting_rule *r, struct alert **v,
			 size_t n, int64_t t, struct alerting_output *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct alert *a = v[i];

		if (a->state == ALERT_INACTIVE)
			continue;
		series_push(out,
			    series_labels(r, a, "ALERTS",
					  alerting_state_name(a->state)),
			    1, t);
		series_push(out, series_labels(r, a, "ALERTS_FOR_STATE", NULL),
			    (double)unix_seconds(a->active_at), t);
	}
}

/* --------------------------------------------------------- output: sends */

int alerting_needs_sending(const struct alert *a, int64_t ts,
			   int64_t resend_delay_ms)
{
	if (a->state == ALERT_PENDING)
		return 0;
	/* Resolved since the last send: send the resolution now. */
	if (a->resolved_at > a->last_sent_at)
		return 1;
	/* LastSentAt + resendDelay strictly before ts. */
	return a->last_sent_at < ts - resend_delay_ms;
}

void alerting_generator_url(struct buf *out, const char *external_url,
			    const char *expr)
{
	buf_puts(out, external_url ? external_url : "");
	buf_puts(out, "/graph?g0.expr=");
	/* Go's url.QueryEscape */
	for (const unsigned char *p = (const unsigned char *)expr; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
			buf_putc(out, (char)*p);
		else if (*p == ' ')
			buf_putc(out, '+');
		else
			buf_printf(out, "%%%02X", *p);
	}
	buf_puts(out, "&g0.tab=1");
}

static void send_push(struct alerting_output *out, const struct alert *a,
		      const char *url)
{
	struct alerting_notification *s;

	if (out->nsends == out->sends_cap) {
		out->sends_cap = out->sends_cap ? out->sends_cap * 2 : 8;
		out->sends =
		    xrealloc(out->sends, out->sends_cap * sizeof *out->sends);
	}
	s = &out->sends[out->nsends++];
	s->labels = labels_dup(a->labels);
	s->annotations = labels_dup(a->annotations);
	s->starts_at = a->fired_at;
	s->ends_at =
	    a->resolved_at != ALERT_TIME_ZERO ? a->resolved_at : a->valid_until;
	s->generator_url = xstrdup(url);
	s->state = a->state;
}

/* sendAlerts: every alert due is stamped and appended to out. */
static void send_alerts(struct alerting_rule *r, struct alert **v, size_t n,
			int64_t ts, const struct alerting_env *env,
			struct alerting_output *out)
{
	int64_t delta = env->interval_ms > env->resend_delay_ms
			    ? env->interval_ms
			    : env->resend_delay_ms;
	struct buf url = {0};

	alerting_generator_url(&url, env->external_url, r->expr);
	for (size_t i = 0; i < n; i++) {
		struct alert *a = v[i];

		if (!alerting_needs_sending(a, ts, env->resend_delay_ms))
			continue;
		a->last_sent_at = ts;
		/* Allow for two Eval or Alertmanager send failures. */
		a->valid_until = ts + 4 * delta;
		send_push(out, a, buf_str(&url));
	}
	buf_free(&url);
}

void alerting_output_free(struct alerting_output *out)
{
	for (size_t i = 0; i < out->nsends; i++) {
		labels_free(out->sends[i].labels);
		labels_free(out->sends[i].annotations);
		free(out->sends[i].generator_url);
	}
	for (size_t i = 0; i < out->nseries; i++)
		labels_free(out->series[i].labels);
	free(out->sends);
	free(out->series);
	memset(out, 0, sizeof *out);
}

/* ------------------------------------------------------------- Eval */

int alerting_eval(struct alerting_rule *r, int64_t ts,
		  const struct alerting_result *res,
		  const struct alerting_env *env, struct alerting_output *out)
{
	struct alert_table fresh = {0};
	struct alert **v;
	size_t active, n;

	r->evaluated_at = ts;
	if (res->kind == ALERTING_RESULT_ERROR)
		return rule_fail(
		    r, xstrdup(res->error ? res->error : "query failed"));
	if (alerts_of_result(r, ts, res, env, &fresh) < 0) {
		table_clear(&fresh, 1);
		return rule_fail(r, xstrdup(ERR_DUPLICATE));
	}
	merge(r, &fresh);
	active = advance(r, ts);
	if (env->limit > 0 && active > (unsigned long long)env->limit) {
		/* All alerts go, with no resolved notification (§2.2.6). */
		table_clear(&r->active, 1);
		return rule_fail(r, xasprintf("exceeded limit of %lld with "
					      "%zu alerts",
					      env->limit, active));
	}
	r->health = ALERTING_HEALTH_OK;
	free(r->last_error);
	r->last_error = NULL;
	v = table_sorted(&r->active, &n);
	if (r->restored && !env->no_series)
		write_series(r, v, n, ts - env->query_offset_ms, out);
	send_alerts(r, v, n, ts, env, out);
	free(v);
	return 0;
}

/* --------------------------------------------------------------- reading */

enum alert_state alerting_rule_state(const struct alerting_rule *r)
{
	enum alert_state max = ALERT_INACTIVE;

	if (r->evaluated_at == ALERT_TIME_ZERO)
		return ALERT_UNKNOWN;
	for (size_t i = 0; i < r->active.cap; i++)
		if (r->active.slots[i] && r->active.slots[i]->state > max)
			max = r->active.slots[i]->state;
	return max;
}

const struct alert **alerting_rule_alerts(const struct alerting_rule *r,
					  size_t *n)
{
	return (const struct alert **)table_sorted(&r->active, n);
}

struct alert *alerting_rule_find(const struct alerting_rule *r,
				 const struct labels *labels)
{
	return table_get(&r->active, labels);
}

/* ---------------------------------------------------------------- reload */

int alerting_rule_same(const struct alerting_rule *a,
		       const struct alerting_rule *b)
{
	if (strcmp(a->name, b->name) != 0 || a->nlabels != b->nlabels)
		return 0;
	for (size_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i].name, b->labels[i].name) != 0 ||
		    strcmp(a->labels[i].value, b->labels[i].value) != 0)
			return 0;
	return 1;
}

void alerting_rule_carry_over(struct alerting_rule *to,
			      struct alerting_rule *from)
{
	for (size_t i = 0; i < from->active.cap; i++)
		if (from->active.slots[i])
			table_put(&to->active, from->active.slots[i]);
	table_clear(&from->active, 0);
}

void alerting_group_carry_over(struct alerting_rule **to, size_t nto,
			       struct alerting_rule **from, size_t nfrom)
{
	unsigned char *used = xcalloc(nfrom ? nfrom : 1, 1);

	for (size_t i = 0; i < nto; i++) {
		for (size_t j = 0; j < nfrom; j++) {
			if (used[j] || !alerting_rule_same(to[i], from[j]))
				continue;
			used[j] = 1;
			alerting_rule_carry_over(to[i], from[j]);
			break;
		}
	}
	free(used);
}

/* --------------------------------------------------------------- restore */

void alerting_alert_export(const struct alert *a, struct alert_persist *p)
{
	p->labels = a->labels;
	p->annotations = a->annotations;
	p->value = a->value;
	p->state = a->state;
	p->active_at = a->active_at;
	p->fired_at = a->fired_at;
	p->resolved_at = a->resolved_at;
	p->last_sent_at = a->last_sent_at;
	p->valid_until = a->valid_until;
	p->keep_firing_since = a->keep_firing_since;
}

struct alert *alerting_rule_import(struct alerting_rule *r,
				   const struct alert_persist *p)
{
	struct alert *a;

	if (!p->labels || p->state < ALERT_INACTIVE || p->state > ALERT_FIRING)
		return NULL;
	a = alert_new();
	a->labels = labels_dup(p->labels);
	a->annotations = p->annotations
			     ? labels_from_sorted(p->annotations->v, p->annotations->n)
			     : labels_empty();
	a->value = p->value;
	a->state = p->state;
	a->active_at = p->active_at;
	a->fired_at = p->fired_at;
	a->resolved_at = p->resolved_at;
	a->last_sent_at = p->last_sent_at;
	a->valid_until = p->valid_until;
	a->keep_firing_since = p->keep_firing_since;
	table_put(&r->active, a);
	return a;
}

int alerting_restore_active_at(int64_t for_ms, int64_t grace_ms, int64_t ts,
			       int64_t t_ms, double value, int64_t *active_at)
{
	int64_t down_at, restored, remaining;

	/* A `for` below the grace period is not restored: the alert waits
	 * its `for` again (issue #15175). */
	if (for_ms < grace_ms)
		return 0;
	/* NaN is the stale marker of an alert that went inactive; values
	 * past ~31 million years are no ActiveAt. */
	if (!(fabs(value) < 1e15))
		return 0;
	/* time.Unix(t/1000, 0) and time.Unix(int64(v), 0): both truncate. */
	down_at = t_ms / 1000 * 1000;
	restored = (int64_t)value * 1000;
	remaining = for_ms - (down_at - restored);
	if (remaining <= 0)
		; /* It was firing: the next Eval fires it again. */
	else if (remaining < grace_ms)
		restored = ts + grace_ms - for_ms; /* fires at ts + grace */
	else
		restored += ts - down_at; /* the downtime does not count */
	*active_at = restored;
	return 1;
}
