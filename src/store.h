/*
 * store.h - Tocsin's persistent state behind a small interface.  A backend
 * is a struct store_ops picked by name (only "sqlite" so far); callers see
 * struct store and the store_*() functions, never the backend.
 *
 * What is stored (first part): the rule evaluator's alert state, so pending
 * and firing alerts survive a restart.  Silences and the notification log
 * come later as new schema versions.
 *
 * Errors: every fallible function returns 0 or -1; on -1 it appended one
 * line to err saying which operation failed on which file and why, and a
 * write that failed changed nothing (its transaction was rolled back).
 *
 * Ownership: nothing passed in is taken.  Everything a load callback sees
 * is borrowed for the duration of the call only.
 */
#ifndef TOCSIN_STORE_H
#define TOCSIN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "alerting.h"
#include "rulefile.h"
#include "util.h"

/* A rule group: the rule file's path as configured and the group name. */
struct store_group_key {
	const char *file;
	const char *group;
	int64_t saved_at_ms; /* set by a load: when the group was saved
				(the now_ms of that save); ignored otherwise */
};

/*
 * An alerting rule inside its group: the name and a hash of its static
 * label templates (store_rule_labels_hash()), which is how Prometheus
 * tells rules of one group apart (nameAndLabels).
 */
struct store_rule_key {
	const char *name;
	uint64_t labels_hash;
};

/* The alerts of one rule to save; alerts[i].labels must not be NULL.
 * Two rules of a group may share a key (Prometheus allows it); their
 * alerts come back from a load in the order they were saved, so the
 * caller can hand them out in rule order as CopyState does. */
struct store_rule_alerts {
	struct store_rule_key rule;
	const struct alert_persist *alerts;
	size_t nalerts;
};

/*
 * Called once per stored alert by store_alerts_load(), grouped by group
 * and, within a group, in the order they were saved.  Return 0 to go on,
 * non-zero to stop the load (store_alerts_load() then returns that value).
 */
typedef int (*store_alert_fn)(void *ctx, const struct store_group_key *g,
			      const struct store_rule_key *r,
			      const struct alert_persist *a);

struct store;

/* A backend.  `be` is the backend's own handle. */
struct store_ops {
	const char *name;
	int (*open)(const char *path, void **be, struct buf *err);
	void (*close)(void *be);
	int (*alerts_save_group)(void *be, const struct store_group_key *g,
				 const struct store_rule_alerts *rules,
				 size_t nrules, int64_t now_ms,
				 struct buf *err);
	int (*alerts_touch_group)(void *be, const struct store_group_key *g,
				  int64_t now_ms, struct buf *err);
	int (*alerts_load)(void *be, store_alert_fn fn, void *ctx,
			   struct buf *err);
	int (*alerts_retain_groups)(void *be,
				    const struct store_group_key *keep,
				    size_t nkeep, struct buf *err);
};

extern const struct store_ops store_sqlite_ops;

/*
 * Opens (creating it if needed) the store at path with the default backend
 * (SQLite).  The directory must exist.  Sets *st to a store the caller
 * closes with store_close().  Fails when another process (or another
 * store_open() in this one) has the file open, when the file is corrupt or
 * not a database, or when it was written by a newer Tocsin.
 */
int store_open(const char *path, struct store **st, struct buf *err);
/* The same with the backend named `backend` ("sqlite"). */
int store_open_backend(const char *backend, const char *path,
		       struct store **st, struct buf *err);
/* Closes st and releases its lock; NULL is a no-op. */
void store_close(struct store *st);

/*
 * Replaces everything stored for group g by the alerts of its nrules rules,
 * in one transaction: afterwards the store holds exactly these alerts for
 * g (an alert missing here is gone), or, on failure, exactly what it held
 * before.  now_ms is recorded as the group's last update.
 */
int store_alerts_save_group(struct store *st, const struct store_group_key *g,
			    const struct store_rule_alerts *rules,
			    size_t nrules, int64_t now_ms, struct buf *err);

/* Records that group g was evaluated at now_ms without its alerts
 * changing: a load reports now_ms as its saved_at_ms.  A group never
 * saved stays absent. */
int store_alerts_touch_group(struct store *st, const struct store_group_key *g,
			     int64_t now_ms, struct buf *err);

/* Calls fn for every stored alert.  Returns 0, -1, or fn's non-zero. */
int store_alerts_load(struct store *st, store_alert_fn fn, void *ctx,
		      struct buf *err);

/* Deletes the state of every group not among the nkeep keys, in one
 * transaction. */
int store_alerts_retain_groups(struct store *st,
			       const struct store_group_key *keep,
			       size_t nkeep, struct buf *err);

/* FNV-1a 64 over "name\xffvalue\xff" of the n pairs, which must be sorted
 * by name (as struct alerting_rule's labels are). */
uint64_t store_rule_labels_hash(const struct rule_kv *v, size_t n);

#endif
