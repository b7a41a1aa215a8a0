/*
 * alerting.h - the alerting-rule state machine of Prometheus' ruler
 * (rules/alerting.go Eval and sendAlerts, rules/group.go CopyState and the
 * arithmetic of RestoreForState) as a pure module: no I/O, no clock.  The
 * caller runs the query, hands over its result and the slot time `ts`, and
 * gets back the notifications to send and the ALERTS series to write.
 *
 * Times are int64 milliseconds since the epoch.  An unset time is
 * ALERT_TIME_ZERO, Go's zero time.Time, so every comparison Prometheus makes
 * against a zero time gives the same answer here and no difference
 * overflows.
 *
 * Ownership: a struct alerting_rule owns its alerts; struct alert pointers
 * handed out are borrowed and live until the next alerting_eval(),
 * alerting_rule_carry_over() or alerting_rule_free() on that rule.
 * Everything in a struct alerting_output is owned by the output and released
 * with alerting_output_free().
 */
#ifndef TOCSIN_ALERTING_H
#define TOCSIN_ALERTING_H

#include <stddef.h>
#include <stdint.h>

#include "labels.h"
#include "rulefile.h"
#include "tmpl.h"
#include "util.h"

/* Go's time.Time{} in Unix milliseconds: 0001-01-01T00:00:00Z. */
#define ALERT_TIME_ZERO (-62135596800000LL)

/* How long a resolved alert stays and is re-sent (resolvedRetention). */
#define ALERTING_RESOLVED_RETENTION_MS (15 * 60 * 1000LL)

/* Ordered as Prometheus orders them, so a rule's state is the maximum. */
enum alert_state {
	ALERT_UNKNOWN, /* a rule never evaluated; no alert is ever unknown */
	ALERT_INACTIVE,
	ALERT_PENDING,
	ALERT_FIRING,
};

enum alerting_health {
	ALERTING_HEALTH_UNKNOWN,
	ALERTING_HEALTH_OK,
	ALERTING_HEALTH_ERR,
};

/* "unknown", "inactive", "pending", "firing" / "unknown", "ok", "err". */
const char *alerting_state_name(enum alert_state s);
const char *alerting_health_name(enum alerting_health h);

/* One instance of an alerting rule: Prometheus' rules.Alert. */
struct alert {
	struct labels *labels;	    /* identity; owned */
	struct labels *annotations; /* owned; values may be empty */
	double value;		    /* of the last evaluation that had it */
	/* private to alerting.c: the alerting_sample.key of the sample it
	 * was made of or last updated by, and labels->fp (the digest reads
	 * it without touching the labels) */
	uint64_t key;
	uint64_t fp;
	enum alert_state state;
	/* private to alerting.c, 0 between evaluations */
	unsigned char in_result; /* this evaluation's result holds it */
	unsigned char doomed; /* to be deleted at the end of this evaluation */
	unsigned char seen;   /* this result holds it */
	/* private to alerting.c: how the annotations were rendered, for
	 * their reuse (see alerts_of_result()); 0: not reusable */
	unsigned char ann_src;
	/* private: the ann_source() of the sample of key */
	unsigned char key_src;
	int64_t active_at;
	int64_t fired_at;    /* kept after resolution (StartsAt) */
	int64_t resolved_at; /* ALERT_TIME_ZERO while active */
	int64_t last_sent_at;
	int64_t valid_until;	   /* EndsAt of the last firing send */
	int64_t keep_firing_since; /* ALERT_TIME_ZERO unless kept firing */
};

/* Alerts keyed by label set: open addressing on the fingerprint, linear
 * probing, collisions told apart by labels_equal().  cap is 0 or a power
 * of two and at least twice count. */
struct alert_table {
	struct alert **slots;
	size_t cap, count;
};

/*
 * An alerting rule and its alerts.  Fields are read-only outside
 * alerting.c, except `expr` and `restored` (see below).
 */
struct alerting_rule {
	char *name;
	/* Text for the generator URL.  Prometheus prints the parsed
	 * expression there; a caller with a PromQL printer may replace it
	 * (xmalloc'd, the rule frees it). */
	char *expr;
	int64_t for_ms;
	int64_t keep_firing_for_ms;
	struct rule_kv *labels; /* group labels overlaid by the rule's,
				   sorted by name; templates */
	size_t nlabels;
	struct rule_kv *annotations; /* sorted by name; templates */
	size_t nannotations;
	/* the same templates parsed once, in the same order */
	struct tmpl_rule_tmpl **label_tmpls, **annotation_tmpls;

	enum alerting_health health;
	char *last_error;     /* NULL unless health is ERR */
	int64_t evaluated_at; /* ts of the last evaluation, even a failed one;
				 ALERT_TIME_ZERO before the first */
	/* Prometheus writes ALERTS / ALERTS_FOR_STATE only once the rule's
	 * "for" state was restored (or restore was not needed).  0 after
	 * alerting_rule_new(); the caller sets it. */
	int restored;

	struct alert_table active; /* pending, firing and resolved alerts */

	/* private to alerting.c: what rendering needs to skip */
	unsigned char *label_dyn; /* per label: the template has actions */
	int labels_plain;	  /* no label_dyn: alerts found by key */
	unsigned char *ann_kind; /* per annotation: what it reads (alerting.c) */
	char *cache_name; /* the __name__ reusable annotations were made of */
	struct labels *cache_ext_labels; /* the env they were made in */
	char *cache_ext_url;		  /* NULL: none yet */
	/* The alerts of the last result in its order (borrowed from active;
	 * emptied whenever one may have gone): where to look first. */
	struct alert **prev;
	uint64_t *prev_keys; /* their keys, read without touching them */
	size_t nprev, prev_cap;
	/* alerting_rule_digest() as of the last evaluation; 0 in digest_ok
	 * once an alert changed since */
	uint64_t digest;
	int digest_ok;
};

/*
 * Returns a new rule for alerting rule `rule` of `group` (NULL: no group
 * labels).  Group labels are merged under the rule's as Prometheus'
 * rules.FromMaps(rg.Labels, r.Labels) does: the rule's win.  Nothing is
 * borrowed.  Free it with alerting_rule_free().
 */
struct alerting_rule *alerting_rule_new(const struct rule *rule,
					const struct rule_group *group);
void alerting_rule_free(struct alerting_rule *r);

/* ------------------------------------------------------------ evaluation */

struct alerting_sample {
	const struct labels *labels; /* including __name__; NULL: ask
					alerting_result.labels_of */
	double value;
	/* 0, or a key of the sample's labels as the query answered them:
	 * samples with equal keys have equal labels.  An alert made of a
	 * sample with a key is found again, when the rule's labels are plain
	 * text, by the same key at the same place of the next result, without
	 * building or comparing its labels. */
	uint64_t key;
};

enum alerting_result_kind {
	ALERTING_RESULT_VECTOR,
	ALERTING_RESULT_SCALAR, /* one sample with no labels */
	ALERTING_RESULT_ERROR,	/* the query failed */
};

/* What the rule's query returned.  Nothing is taken. */
struct alerting_result {
	enum alerting_result_kind kind;
	const struct alerting_sample *samples; /* VECTOR */
	size_t nsamples;
	double scalar;	   /* SCALAR */
	const char *error; /* ERROR: becomes the rule's last error */
	/* For a sample whose labels are NULL: returns them (the caller keeps
	 * them until alerting_eval() returns). */
	const struct labels *(*labels_of)(void *ctx, size_t i);
	void *labels_ctx;
};

/* Everything an evaluation needs besides the rule and the result. */
struct alerting_env {
	int64_t interval_ms;	 /* the group's interval (ValidUntil) */
	int64_t resend_delay_ms; /* --rules.alert.resend-delay, 1m */
	int64_t query_offset_ms; /* series are stamped ts - query_offset */
	long long limit;	 /* the group's limit; 0: none */
	const struct labels *external_labels; /* $externalLabels; NULL */
	const char *external_url;	      /* $externalURL; NULL: "" */
	/* The `query` template function (Prometheus runs it at ts); NULL
	 * makes it fail.  See struct tmpl_rule_env. */
	int (*query)(void *ctx, const char *expr, struct tmpl_value **result,
		     struct buf *err);
	void *query_ctx;
	/* 1: write no ALERTS / ALERTS_FOR_STATE series (a caller with no
	 * place to store them saves building them). */
	int no_series;
	/* Room an evaluation works in, kept by the caller from one
	 * evaluation to the next (alerting_scratch_free()); NULL: allocated
	 * for each. */
	struct alerting_scratch *scratch;
};

struct alerting_scratch {
	void *p;
	size_t cap;
};

void alerting_scratch_free(struct alerting_scratch *s);

/* One alert for Alertmanager: rules.SendAlerts' notifier.Alert. */
struct alerting_notification {
	struct labels *labels;
	struct labels *annotations;
	int64_t starts_at; /* FiredAt */
	int64_t ends_at;   /* ResolvedAt if resolved, else ValidUntil */
	char *generator_url;
	enum alert_state state; /* ALERT_FIRING or ALERT_INACTIVE */
};

/* A sample of ALERTS or ALERTS_FOR_STATE. */
struct alerting_series {
	struct labels *labels;
	double value;
	int64_t t; /* ts - query_offset */
};

/* Filled by alerting_eval(); starts zeroed, sorted by alert labels. */
struct alerting_output {
	struct alerting_notification *sends;
	size_t nsends, sends_cap;
	struct alerting_series *series;
	size_t nseries, series_cap;
};

/* Releases everything in out and leaves it empty (and reusable). */
void alerting_output_free(struct alerting_output *out);

/*
 * Evaluates rule r at slot time ts with the query result res, in the exact
 * order of Prometheus' AlertingRule.Eval, then picks what to send as its
 * sendAlerts does.  Appends the notifications and (once r->restored) the
 * ALERTS / ALERTS_FOR_STATE series to out.
 *
 * Returns 0, or -1 when the query failed, two samples gave one label set,
 * or the group limit was exceeded; then r->health is ERR, r->last_error
 * says why, nothing is appended to out, and the alerts are unchanged
 * except after a limit error, which drops them all.
 */
int alerting_eval(struct alerting_rule *r, int64_t ts,
		  const struct alerting_result *res,
		  const struct alerting_env *env, struct alerting_output *out);

/* Prometheus' Alert.needsSending: 1 when alert a is due at ts. */
int alerting_needs_sending(const struct alert *a, int64_t ts,
			   int64_t resend_delay_ms);

/* Appends externalURL "/graph?g0.expr=" QueryEscape(expr) "&g0.tab=1". */
void alerting_generator_url(struct buf *out, const char *external_url,
			    const char *expr);

/* --------------------------------------------------------------- reading */

/* The rule's state for the API: unknown before the first evaluation, then
 * the maximum over its alerts (inactive when it has none). */
enum alert_state alerting_rule_state(const struct alerting_rule *r);

/* Returns a new array of the rule's n alerts sorted by labels (borrowed
 * pointers; free the array, not the alerts), or NULL when there are none. */
/* The alerting_sample.key of each sample of the last result, in order (0
 * where unknown), *n of them; valid until the rule's next evaluation. */
const uint64_t *alerting_rule_keys(const struct alerting_rule *r, size_t *n);
const struct alert **alerting_rule_alerts(const struct alerting_rule *r,
					  size_t *n);

/* Returns a digest of what a restart needs of r's alerts (labels, state
 * and times; not values or annotations), independent of their order:
 * equal digests mean (but for collisions) nothing to save again. */
uint64_t alerting_rule_digest(const struct alerting_rule *r);

/* Returns the alert with these labels, or NULL. */
struct alert *alerting_rule_find(const struct alerting_rule *r,
				 const struct labels *labels);

/* ---------------------------------------------------------------- reload */

/*
 * Prometheus matches a surviving rule by name and labels (nameAndLabels:
 * the name and the merged label templates).  Returns 1 when a and b match.
 */
int alerting_rule_same(const struct alerting_rule *a,
		       const struct alerting_rule *b);

/* Moves every alert of from into to (CopyState), replacing an alert of to
 * with the same labels; from is left without alerts. */
void alerting_rule_carry_over(struct alerting_rule *to,
			      struct alerting_rule *from);

/* CopyState for a group: each new rule takes the alerts of the first
 * unmatched old rule with the same name and labels, in order. */
void alerting_group_carry_over(struct alerting_rule **to, size_t nto,
			       struct alerting_rule **from, size_t nfrom);

/* --------------------------------------------------------------- restore */

/* The persisted fields of one alert, as exported and imported. */
struct alert_persist {
	const struct labels *labels;
	const struct labels *annotations; /* NULL: none */
	double value;
	enum alert_state state;
	int64_t active_at, fired_at, resolved_at, last_sent_at, valid_until;
	int64_t keep_firing_since;
};

/* Fills p with a's fields; p borrows a's labels and annotations. */
void alerting_alert_export(const struct alert *a, struct alert_persist *p);

/*
 * Adds (or replaces) the alert p describes in r, copying everything.
 * Returns the alert, or NULL when p is not a state an alert can be in
 * (unknown state, missing labels).
 */
struct alert *alerting_rule_import(struct alerting_rule *r,
				   const struct alert_persist *p);

/*
 * The arithmetic of Prometheus' RestoreForState for one alert of a rule
 * with `for` for_ms: at restore time ts the last ALERTS_FOR_STATE sample
 * is (t_ms, value = ActiveAt in seconds).  Returns 1 and sets *active_at to
 * the ActiveAt to use, or 0 when the alert keeps its current ActiveAt
 * (for < grace: the rule is not restored; value is NaN, a stale marker).
 * Finding the sample (within the outage tolerance) is the caller's job.
 */
int alerting_restore_active_at(int64_t for_ms, int64_t grace_ms, int64_t ts,
			       int64_t t_ms, double value, int64_t *active_at);

#endif
