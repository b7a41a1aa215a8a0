/*
 * alertstore.h - the router's alerts: what Prometheus (or Tocsin's own
 * evaluator) posted, keyed by label fingerprint, merged as Alertmanager's
 * provider merges them (api/v2 postAlertsHandler, types.Alert.Merge), and
 * dropped some time after they resolved.
 *
 * Alerts are reference counted: the store holds one reference and every
 * aggregation group holding the alert another, so an alert in several
 * groups (routes with `continue`) exists once.  A later post of the same
 * alert updates the object in place; updated_at tells a flush whether it
 * changed meanwhile.
 */
#ifndef TOCSIN_ALERTSTORE_H
#define TOCSIN_ALERTSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "labels.h"
#include "util.h"

/*
 * Label sets and generator URLs of alerts are built with am_labels_new()
 * and intern_get(): their names, and values that repeat across alerts,
 * are shared strings (intern.h).  Read them as any struct labels; only
 * the alert frees them.
 */
struct am_alert {
	unsigned refs;
	int timeout; /* ends_at came from resolve_timeout, not the client */
	struct labels *labels;	    /* identity; never changes */
	struct labels *annotations; /* never NULL; may be empty */
	const char *generator_url;  /* interned; never NULL */
	int64_t starts_at, ends_at, updated_at; /* ms since the epoch */
};

/*
 * Returns a new label set of n pairs sorted by unique name, kept as given
 * (empty values too).  Names are interned; a value is interned when it is
 * already shared or, with learn set, was seen recently (intern_maybe()),
 * else copied into the set.  Free it with am_labels_free(), never with
 * labels_free(); labels_dup() makes an ordinary copy.
 */
struct labels *am_labels_new(const struct label *v, size_t n, int learn);
void am_labels_free(struct labels *l);

/* An alert is resolved at now iff ends_at is set and not after now. */
int am_alert_resolved(const struct am_alert *a, int64_t now);
struct am_alert *am_alert_ref(struct am_alert *a);
void am_alert_unref(struct am_alert *a);
/* Returns a new alert (one reference) taking labels and annotations
 * (ordinary sets, freed here once copied into shared form; annotations
 * may be NULL) and copying generator_url (NULL: ""). */
struct am_alert *am_alert_new(struct labels *labels,
			      struct labels *annotations,
			      const char *generator_url, int64_t starts_at,
			      int64_t ends_at, int64_t updated_at);
/* The same taking sets made by am_labels_new() and a reference to an
 * interned generator_url. */
struct am_alert *am_alert_new_shared(struct labels *labels,
				     struct labels *annotations,
				     const char *generator_url,
				     int64_t starts_at, int64_t ends_at,
				     int64_t updated_at);

struct alertstore;

struct alertstore *alertstore_new(void);
void alertstore_free(struct alertstore *s);

/*
 * Stores a (the store takes the caller's reference): when an alert with
 * the same labels exists and a overlaps it in time, the two are merged
 * into the stored object as Alertmanager merges them; otherwise a
 * replaces it (a new occurrence).  now decides what is resolved during
 * the merge.  Returns the stored alert (borrowed).
 */
struct am_alert *alertstore_put(struct alertstore *s, struct am_alert *a,
				int64_t now);

/* Returns the alert with these labels, or NULL (borrowed). */
struct am_alert *alertstore_get(const struct alertstore *s,
				const struct labels *l);

size_t alertstore_count(const struct alertstore *s);

/* Calls fn for every alert, in no particular order; fn must not change
 * the store. */
void alertstore_foreach(const struct alertstore *s,
			void (*fn)(void *ctx, struct am_alert *a), void *ctx);

/* Drops every alert resolved at now, calling gone(ctx, a) for each before
 * releasing the store's reference.  Returns how many were dropped. */
size_t alertstore_gc(struct alertstore *s, int64_t now,
		     void (*gone)(void *ctx, struct am_alert *a), void *ctx);

#endif
