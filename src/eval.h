/*
 * eval.h - the rule evaluator: every group of the loaded rule files runs on
 * its own timer at stable slots of its interval, its alerting rules are
 * queried on the slot's timestamp (one after the other, or a few at once
 * with group_concurrency), the results go in rule order through the
 * state machine (alerting.h), the group's alert state is saved
 * in one store transaction, and what is due is handed to a sink (the
 * Alertmanager forwarder, the in-process router).
 *
 * Nothing here does I/O directly: queries go through struct eval_query_ops
 * (the real one, eval_query_prom.c, drives promapi over the loop's curl
 * multi handle; tests pass canned answers), time comes from the loop's
 * clock plus a wall clock, and the store may be NULL.
 *
 * Recording rules are loaded and listed but not evaluated: Tocsin has no
 * place to write their samples, so they stay with Prometheus, which keeps
 * the series alerting rules read.
 */
#ifndef TOCSIN_EVAL_H
#define TOCSIN_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "alerting.h"
#include "loop.h"
#include "promapi.h"
#include "rulefile.h"
#include "store.h"
#include "util.h"

/* Called exactly once per started query: r on success, else NULL and err
 * (valid during the call).  r stays the callee's; it stays valid after
 * the call too when the function returns 1 (only with a token, which is
 * NULL without r or when the ops have no release), until
 * ops.release(token).  Otherwise it returns 0. */
typedef int eval_query_done_fn(void *arg, struct promapi_result *r,
			       const char *err, void *token);

/* What the evaluator expects of an answer: the keys (promapi_sample.key)
 * of the last answer's samples, in order, 0 where unknown.  The callee may
 * copy them; they need not outlive start(). */
struct eval_query_hint {
	const uint64_t *keys;
	size_t n;
};

struct eval_query_ops {
	/* Starts an instant query of expr at time_ms (hint may be NULL).
	 * Returns 0 (done runs later, or already ran) or -1 with err set
	 * (done never runs). */
	int (*start)(void *ctx, const char *expr, int64_t time_ms,
		     const struct eval_query_hint *hint,
		     eval_query_done_fn *done, void *arg, struct buf *err);
	/* Runs a query to the end for the `query` template function.  NULL:
	 * the function fails.  Returns 0 with *r filled, or -1 with err. */
	int (*sync)(void *ctx, const char *expr, int64_t time_ms,
		    struct promapi_result *r, struct buf *err);
	/* Gives back an answer kept by a done function.  NULL: answers
	 * cannot be kept, and a group's queries run one at a time. */
	void (*release)(void *ctx, void *token);
	void *ctx;
};

struct eval_group;

/* Receives what a group evaluation decided to send. */
struct eval_sink {
	void (*send)(void *ctx, const struct eval_group *g,
		     const struct alerting_notification *v, size_t n);
	void *ctx;
};

/* Settings from the configuration's evaluation section. */
struct eval_settings {
	int64_t interval_ms;	 /* groups without their own interval */
	int64_t query_offset_ms; /* groups without their own query_offset */
	int64_t resend_delay_ms;
	int64_t outage_tolerance_ms; /* restore state younger than this */
	int64_t grace_ms;	     /* for_grace_period */
	const struct labels *external_labels; /* copied; NULL: none */
	const char *external_url;	      /* copied; NULL: "" */
	/* Queries of one group evaluation in flight at once (0 or 1: one
	 * after the other); their answers are applied in rule order. */
	size_t group_concurrency;
};

/* A wall clock (ms since the epoch): slot times and alert timestamps. */
struct eval_clock {
	int64_t (*wall_ms)(void *ctx);
	void *ctx;
};

struct evaluator;

/*
 * Returns a new evaluator running on l.  wall NULL: the real clock.  st may
 * be NULL (no persistence).  Nothing runs until eval_load().
 */
struct evaluator *eval_new(struct loop *l, const struct eval_clock *wall,
			   const struct eval_query_ops *q,
			   const struct eval_sink *sink, struct store *st);
/* Cancels timers, abandons running evaluations (their queries' answers
 * are ignored) and frees everything.  The store is not closed. */
void eval_free(struct evaluator *e);

/*
 * Replaces the rule files with files[0..n) (taken: the evaluator frees
 * them) and the settings with *s.  A group whose file and name survive
 * keeps its alerts (rules matched by name and labels, as Prometheus'
 * reload does) and, when its interval did not change, its schedule.
 * The first call also restores state saved in the store (see
 * eval_restore()).  Returns 0; -1 with err only when the store fails,
 * which leaves the new rules loaded.
 */
int eval_load(struct evaluator *e, struct rulefile **files, size_t n,
	      const struct eval_settings *s, struct buf *err);

/* Stops scheduling: no evaluation starts after this; running ones go on
 * (eval_busy() tells when they are done).  eval_load() schedules again. */
void eval_stop(struct evaluator *e);

/* Saves every group's state now (at shutdown). */
int eval_flush(struct evaluator *e, struct buf *err);

/* Number of groups / alerting rules / active (pending or firing) alerts. */
size_t eval_group_count(const struct evaluator *e);
size_t eval_rule_count(const struct evaluator *e);
size_t eval_active_alerts(const struct evaluator *e);

/* 1 while any group evaluation is running. */
int eval_busy(const struct evaluator *e);

/* --------------------------------------------------------- inspection */

/* Prometheus' /api/v1/rules answer.  type: NULL, "alert" or "record". */
void eval_rules_json(const struct evaluator *e, const char *type,
		     struct buf *out);
/* Prometheus' /api/v1/alerts answer. */
void eval_alerts_json(const struct evaluator *e, struct buf *out);
/* The rule metrics in text exposition format (tocsin_rule_*). */
void eval_metrics(const struct evaluator *e, struct buf *out);

/* ------------------------------------------------------------- groups */

const char *eval_group_file(const struct eval_group *g);
const char *eval_group_name(const struct eval_group *g);

/* Slot arithmetic (pure): the group's offset within its interval, from
 * file and name, and the latest slot at or before now. */
int64_t eval_group_offset(const char *file, const char *name,
			  int64_t interval_ms);
int64_t eval_slot(int64_t now_ms, int64_t interval_ms, int64_t offset_ms);

#endif
