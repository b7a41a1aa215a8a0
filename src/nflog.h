/*
 * nflog.h - the notification log of Alertmanager 0.25 (nflog/nflog.go):
 * for each (aggregation group, receiver, integration, index) what was last
 * notified, so the Dedup stage sends only what changed or what is due
 * again, across restarts.
 *
 * Alert hashes are Alertmanager's (hashAlert in notify/notify.go): xxHash64
 * (seed 0) over "name\xffvalue\xff" of every label, sorted by name.
 *
 * Entries live in the store: nflog_log() writes through (one statement,
 * synchronous=FULL) before it returns, nflog_query() reads by primary key.
 * The SetNotifies stage calls nflog_log() after a successful send, so a
 * crash between the send and the write may send again, never lose one.
 */
#ifndef TOCSIN_NFLOG_H
#define TOCSIN_NFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "labels.h"
#include "store.h"
#include "util.h"

/* xxHash64 of data with seed 0 (XXH64). */
uint64_t nflog_xxhash64(const void *data, size_t len);
/* hashAlert(): the hash of an alert's label set, as Alertmanager's. */
uint64_t nflog_alert_hash(const struct labels *l);

/* An entry as read back; owned (nflog_entry_free()). */
struct nflog_entry {
	char *group_key, *receiver, *integration;
	int idx;
	int64_t timestamp;   /* ms: when the notification went out */
	uint64_t *firing;    /* alert hashes, as logged */
	size_t nfiring;
	uint64_t *resolved;
	size_t nresolved;
	int64_t expires_at;
};

void nflog_entry_free(struct nflog_entry *e);

/*
 * Dedup's needsUpdate(), pure.  e is the logged entry (NULL: none);
 * firing and resolved the hashes of the alerts about to be sent (any
 * order); repeat_interval_ms the route's.  Returns 1 to notify:
 *   no entry                      -> iff firing is non-empty
 *   firing not a subset of e's    -> yes (a new firing alert)
 *   firing empty                  -> iff e's firing is non-empty
 *   send_resolved and resolved
 *     not a subset of e's         -> yes
 *   else                          -> iff e->timestamp < now - repeat
 */
int nflog_needs_update(const struct nflog_entry *e, const uint64_t *firing,
		       size_t nfiring, const uint64_t *resolved,
		       size_t nresolved, int send_resolved,
		       int64_t repeat_interval_ms, int64_t now);

/* The key of an entry (strings borrowed). */
struct nflog_key {
	const char *group_key;
	const char *receiver;
	const char *integration;
	int idx;
};

/*
 * Log(): records that the alerts of firing and resolved were notified to
 * k at now; the entry expires at now + min(retention_ms, 2 *
 * repeat_interval_ms) (retention_ms <= 0: 120h).  A logged entry with a
 * later timestamp than now is kept.  Durable when it returns 0; -1 with
 * the store's error.
 */
int nflog_log(struct store *st, const struct nflog_key *k,
	      const uint64_t *firing, size_t nfiring,
	      const uint64_t *resolved, size_t nresolved,
	      int64_t repeat_interval_ms, int64_t retention_ms, int64_t now,
	      struct buf *err);

/* Sets *out to a new entry for k (the caller frees it with
 * nflog_entry_free()), or to NULL when there is none.  0 or -1. */
int nflog_query(struct store *st, const struct nflog_key *k,
		struct nflog_entry **out, struct buf *err);

/* GC: deletes the entries with expires_at <= now; *ndeleted may be NULL. */
int nflog_gc(struct store *st, int64_t now, int64_t *ndeleted,
	     struct buf *err);

#endif
