/*
 * dispatch.h - Alertmanager's dispatcher: each alert is routed through the
 * route tree (first match, `continue`, inheritance already applied by the
 * config loader) into one aggregation group per matching route and group
 * label set; a group flushes after group_wait, then on every
 * group_interval tick, handing its alerts to the notification pipeline.
 *
 * Timers follow Alertmanager 0.25 exactly (reference §3.3): the timer is
 * reset to group_interval before a flush; an alert older than group_wait
 * arriving in a group that never flushed flushes it at once; after a
 * successful flush the resolved alerts not modified meanwhile leave the
 * group; groups left empty are removed by the maintenance pass every 30 s.
 * repeat_interval is not a timer: the pipeline's dedup stage applies it on
 * the group_interval ticks.
 *
 * Unlike Alertmanager, a reload keeps the groups of routes whose key and
 * settings did not change, with their timers (its issues #2492, #3037,
 * #3410: every reload re-sends).
 */
#ifndef TOCSIN_DISPATCH_H
#define TOCSIN_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "alertstore.h"
#include "config.h"
#include "eval.h"
#include "loop.h"

/* How often empty groups are removed (dispatcher maintenance). */
#define DISPATCH_MAINTENANCE_MS (30 * 1000LL)

/* One alert of a flush: a snapshot taken when the flush began. */
struct dispatch_alert {
	struct am_alert *a; /* a reference held for the flush */
	int resolved;	    /* resolved at the flush's now */
	int64_t ends_at;    /* 0 for firing alerts (Alertmanager zeroes it) */
	int64_t updated_at; /* to tell whether it changed during the flush */
};

/* What a group hands the pipeline: everything is valid until done(). */
struct dispatch_flush {
	const struct route *route;
	const char *receiver;
	const char *group_key; /* route key ":" group labels */
	const struct labels *group_labels;
	struct dispatch_alert *alerts; /* sorted by job, instance, labels */
	size_t nalerts;
	int64_t now;
	int64_t repeat_interval_ms;
	/* The pipeline calls this exactly once, ok = 1 when every
	 * integration succeeded (resolved alerts may then leave). */
	void (*done)(struct dispatch_flush *f, int ok);
	void *priv;
};

/* Runs the pipeline for one flush; may finish (call f->done) before it
 * returns or later, on the loop. */
typedef void dispatch_notify_fn(void *ctx, struct dispatch_flush *f);

struct dispatcher;

/* Returns a dispatcher routing through root (borrowed: the config must
 * outlive it or be replaced with dispatcher_reload()).  wall NULL: the
 * real clock. */
struct dispatcher *dispatcher_new(struct loop *l, const struct eval_clock *wall,
				  const struct route *root,
				  dispatch_notify_fn *notify, void *ctx);
/* Stops timers, abandons flushes in flight (their done() still works) and
 * frees the groups. */
void dispatcher_free(struct dispatcher *d);

/* Routes alert a (which the caller keeps; groups take references). */
void dispatcher_put(struct dispatcher *d, struct am_alert *a);

/* Removes a from every group (the alert store dropped it). */
void dispatcher_forget(struct dispatcher *d, struct am_alert *a);

/* Switches to a new route tree.  Groups whose route has the same key,
 * receiver, group_by and timers keep their alerts and timers; the others
 * are dropped and their alerts routed again (re-put) by the caller. */
void dispatcher_reload(struct dispatcher *d, const struct route *root);

/* Runs the maintenance pass now (tests); the loop runs it every 30 s. */
void dispatcher_maintenance(struct dispatcher *d);

size_t dispatcher_group_count(const struct dispatcher *d);

/* The routes an alert goes to (Route.Match): appends to *out (a growing
 * array of n entries, cap cap). */
void route_match(const struct route *root, const struct labels *l,
		 const struct route ***out, size_t *n, size_t *cap);
/* Appends a route's key: parent key "/" matchers, the root "{}". */
void route_key(const struct route *r, struct buf *out);

/* Alertmanager's order of alerts in a notification: labels job, then
 * instance (a missing one last), then LabelSet.Before. */
int dispatch_alert_cmp(const struct dispatch_alert *a,
		       const struct dispatch_alert *b);
/* LabelSet.Before as a comparison: fewer labels first, then the first
 * differing name or value. */
int dispatch_labels_before(const struct labels *a, const struct labels *b);

/* Calls fn for every group with its receiver, group labels, and alerts
 * (borrowed), for /api/v2/alerts/groups. */
void dispatcher_groups(const struct dispatcher *d,
		       void (*fn)(void *ctx, const struct route *r,
				  const struct labels *group_labels,
				  struct am_alert *const *alerts, size_t n),
		       void *ctx);

#endif
