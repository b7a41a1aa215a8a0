/*
 * store.h - Tocsin's persistent state behind a small interface.  A backend
 * is a struct store_ops picked by name (only "sqlite" so far); callers see
 * struct store and the store_*() functions, never the backend.
 *
 * What is stored: the rule evaluator's alert state, so pending and firing
 * alerts survive a restart (schema 1); the router's silences, their
 * history and the notification log (schema 2).
 *
 * Sharing: store_open() is the daemon's and refuses a second opener.
 * store_open_shared() is the CLI's (`--db FILE` while the daemon runs): it
 * takes no lock and relies on SQLite's own locking, waiting up to 5 s for
 * a writer (busy_timeout); its writes are single transactions like the
 * daemon's, and the daemon sees them through store_data_version().
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

/* ------------------------------------------------------------ silences */

/*
 * A stored silence: its id, when it was last changed, when it may be
 * deleted (ends_at + retention) and its record, an opaque JSON text that
 * silence.c writes and reads (the store never looks inside).
 */
struct store_silence {
	const char *id;
	int64_t updated_at_ms;
	int64_t expires_at_ms;
	const char *data;
};

/* One row of a silence's history.  what: "create", "update", "expire" or
 * "gc".  created_by is the silence's, client who asked (a remote address,
 * "cli", or "" for Tocsin itself).  before/after are records as in struct
 * store_silence, NULL for none (before of a create, after of a gc). */
struct store_silence_history {
	const char *id;
	int64_t at_ms;
	const char *what;
	const char *created_by;
	const char *client;
	const char *before;
	const char *after;
	int64_t seq; /* set by a read: the row's order of writing */
};

/* One change of the silences, applied in one transaction: every put is
 * inserted or replaces the silence of its id, every del id is deleted,
 * every history row appended. */
struct store_silence_write {
	const struct store_silence *put;
	size_t nput;
	const char *const *del;
	size_t ndel;
	const struct store_silence_history *hist;
	size_t nhist;
};

/* Called per stored silence or history row; borrowed for the call only.
 * Return 0 to go on, non-zero to stop (the caller returns that value). */
typedef int (*store_silence_fn)(void *ctx, const struct store_silence *s);
typedef int (*store_silence_history_fn)(
	void *ctx, const struct store_silence_history *h);

/* ---------------------------------------------------- notification log */

/* An nflog entry's key: the aggregation group's key, the receiver's name,
 * the integration's name ("webhook", "email", ...) and its index among the
 * receiver's integrations of that name. */
struct store_nflog_key {
	const char *group_key;
	const char *receiver;
	const char *integration;
	int idx;
};

struct store_nflog_entry {
	struct store_nflog_key key;
	int64_t timestamp_ms;	/* when the notification was sent */
	const uint64_t *firing; /* alert hashes */
	size_t nfiring;
	const uint64_t *resolved;
	size_t nresolved;
	int64_t expires_at_ms;
};

typedef int (*store_nflog_fn)(void *ctx, const struct store_nflog_entry *e);

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
	int (*open_shared)(const char *path, void **be, struct buf *err);
	int (*data_version)(void *be, int64_t *v, struct buf *err);
	int (*silences_write)(void *be, const struct store_silence_write *w,
			      struct buf *err);
	int (*silences_load)(void *be, store_silence_fn fn, void *ctx,
			     struct buf *err);
	int (*silence_history)(void *be, const char *id,
			       store_silence_history_fn fn, void *ctx,
			       struct buf *err);
	int (*nflog_put)(void *be, const struct store_nflog_entry *e,
			 struct buf *err);
	int (*nflog_get)(void *be, const struct store_nflog_key *k,
			 store_nflog_fn fn, void *ctx, struct buf *err);
	int (*nflog_load)(void *be, store_nflog_fn fn, void *ctx,
			  struct buf *err);
	int (*nflog_gc)(void *be, int64_t now_ms, int64_t *ndeleted,
			struct buf *err);
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
/* Opens the store at path for a tool sharing the file with a running
 * daemon (the CLI's --db): no exclusive lock; SQLite's locks serialize the
 * writes, a busy database is waited for up to 5 s.  Migrates the schema
 * like store_open() when the file is older.  Never use it for a daemon. */
int store_open_shared(const char *path, struct store **st, struct buf *err);
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

/*
 * Sets *v to a number that changes whenever another connection (the CLI,
 * another process) committed to the file since st was opened; this
 * connection's own commits do not change it (SQLite's PRAGMA
 * data_version).  Cheap: no disk access when nothing changed.
 */
int store_data_version(struct store *st, int64_t *v, struct buf *err);

/* Applies w in one transaction (durable when it returns 0). */
int store_silences_write(struct store *st, const struct store_silence_write *w,
			 struct buf *err);
/* Calls fn for every stored silence, in id order. */
int store_silences_load(struct store *st, store_silence_fn fn, void *ctx,
			struct buf *err);
/* Calls fn for every history row of silence id (NULL: of all silences),
 * oldest first. */
int store_silence_history(struct store *st, const char *id,
			  store_silence_history_fn fn, void *ctx,
			  struct buf *err);

/* Stores e, replacing the entry of its key unless that one's timestamp is
 * later than e's (Alertmanager's Log() ignores such a write).  One
 * statement, durable when it returns 0. */
int store_nflog_put(struct store *st, const struct store_nflog_entry *e,
		    struct buf *err);
/* Calls fn with the entry of key k if there is one; returns 0 when there
 * is none, else fn's value. */
int store_nflog_get(struct store *st, const struct store_nflog_key *k,
		    store_nflog_fn fn, void *ctx, struct buf *err);
/* Calls fn for every entry. */
int store_nflog_load(struct store *st, store_nflog_fn fn, void *ctx,
		     struct buf *err);
/* Deletes the entries with expires_at <= now_ms; *ndeleted (may be NULL)
 * says how many. */
int store_nflog_gc(struct store *st, int64_t now_ms, int64_t *ndeleted,
		   struct buf *err);

/* FNV-1a 64 over "name\xffvalue\xff" of the n pairs, which must be sorted
 * by name (as struct alerting_rule's labels are). */
uint64_t store_rule_labels_hash(const struct rule_kv *v, size_t n);

#endif
