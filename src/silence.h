/*
 * silence.h - Alertmanager 0.25's silences: the model, its states, Set()
 * and Expire() semantics with Alertmanager's error strings, retention, the
 * API v2 JSON (postableSilence in, gettableSilence out), and struct
 * silences, the collection the router mutes alerts with.
 *
 * Times are ms since the epoch; 0 is Go's zero time ("not set").
 *
 * Durability: every change of a struct silences is written through to the
 * store in one transaction (the silence rows and their history together)
 * before the call returns success, so an answer 200 means on disk.  When
 * the write fails nothing changed, in memory or on disk.
 *
 * Decisions are pure functions of their inputs and `now`
 * (silence_state(), silence_can_update(), silence_validate(),
 * silence_from_json()); struct silences adds the store and the index.
 */
#ifndef TOCSIN_SILENCE_H
#define TOCSIN_SILENCE_H

#include <stddef.h>
#include <stdint.h>

#include "labels.h"
#include "matcher.h"
#include "store.h"
#include "util.h"

#define SILENCE_ID_LEN 36 /* a UUID: 8-4-4-4-12 lower-case hex digits */

/* Alertmanager's default --data.retention: a silence is deleted this long
 * after it ended. */
#define SILENCE_RETENTION_MS (120LL * 3600 * 1000)

struct silence {
	char id[SILENCE_ID_LEN + 1]; /* "" for a silence not stored yet */
	struct matchers matchers;    /* in the order given, compiled */
	int64_t starts_at, ends_at, updated_at;
	char *created_by, *comment;
	/* Set by silence_from_json() when a matcher could not be built (bad
	 * label name or value, bad regex): the validation error of
	 * Alertmanager ("invalid label matcher 0: ..."), which
	 * silences_set() answers; that matcher is then missing from
	 * matchers.  NULL otherwise. */
	char *invalid;
	/* The matcher the silences' index files it under (silence.c's
	 * business): an equality matcher's position, or -1 when scanned. */
	int ikey;
};

/* Frees s and everything it holds; NULL is a no-op. */
void silence_free(struct silence *s);
/* Returns a deep copy of s; the caller frees it with silence_free(). */
struct silence *silence_dup(const struct silence *s);

enum silence_state { SILENCE_EXPIRED, SILENCE_ACTIVE, SILENCE_PENDING };

/* getState: now < starts_at pending, now > ends_at expired, else active
 * (both ends included). */
enum silence_state silence_state(const struct silence *s, int64_t now);
/* "expired", "active", "pending". */
const char *silence_state_str(enum silence_state st);

/*
 * Alertmanager's validateSilence() on s: returns 0, or -1 with the message
 * (without the "invalid silence: " prefix silences_set() adds) appended to
 * err: "at least one matcher required", "invalid label matcher %d: ...",
 * "at least one matcher must not match the empty string", "invalid zero
 * start timestamp", "invalid zero end timestamp", "end time must not be
 * before start time".  Checked in that order.
 */
int silence_validate(const struct silence *s, struct buf *err);

/*
 * canUpdate(prev, next, now): next may replace prev in place (same id)
 * iff their matchers are equal, in order, and either prev is active, next
 * starts in the same second as prev and next does not end before now, or
 * prev is pending and next does not start before now.  Never for an
 * expired prev.
 */
int silence_can_update(const struct silence *prev, const struct silence *next,
		       int64_t now);

/* Fills id with a new random UUID version 4 (getrandom(2)). */
void silence_new_id(char id[SILENCE_ID_LEN + 1]);
/* 1 when s is a UUID as the API's {silenceID} path parameter requires
 * (8-4-4-4-12 hex digits, either case), else 0 (answer 422). */
int silence_id_valid(const char *s);

/* --------------------------------------------------------------- JSON */

/* Appends s as a gettableSilence at now: keys in Alertmanager 0.25's
 * order (id, status, updatedAt, comment, createdBy, endsAt, matchers,
 * startsAt), times with three decimals. */
void silence_to_json(struct buf *out, const struct silence *s, int64_t now);

/* What an API call answers: the HTTP status and the body (JSON, possibly
 * empty), to be written as they are. */
struct silence_answer {
	int status;
	struct buf body;
};

void silence_answer_free(struct silence_answer *a);

/*
 * Reads a postableSilence body.  Returns a new silence (the caller frees
 * it; its id is the body's, "" when absent; nothing is validated beyond
 * the schema), or NULL with a filled in *a: 400 {"code":400,"message":
 * "parsing silence body from \"\" failed, because ..."} for a body that
 * does not decode, 422 {"code":602,"message":"comment in body is
 * required"} for a missing field (several: code 422, "validation failure
 * list:\n..."), {"code":612,...} for an empty matchers list.  isEqual
 * defaults to true.  a->status is 200 on success.
 */
struct silence *silence_from_json(const char *body, size_t len,
				  struct silence_answer *a);

/* --------------------------------------------------------- collection */

/*
 * All silences, in memory, loaded from a store at open, changed only
 * through these functions (or reloaded after another process changed the
 * file).  Single-threaded.  Pointers to silences handed out are borrowed
 * until the next call that changes the collection (set, expire, gc,
 * reload).
 *
 * Matching index: a silence is indexed under the (name, value) of its
 * first equality matcher with a non-empty value; silences without one go
 * to a short list scanned for every alert.  silences_mutes() looks up each
 * label pair of the alert, so a call costs O(L + C * M): L the alert's
 * labels, C the candidates (silences indexed under one of its pairs, plus
 * the scan list), M the matchers per candidate.  Expired silences leave
 * the index at silences_gc() (they stay listable until retention ends);
 * `now` must not go backwards between silences_gc() and later calls.
 */
struct silences;

/* The outcome of a change. */
enum silence_rc {
	SILENCE_OK,
	SILENCE_NOT_FOUND, /* unknown id: "silence not found" */
	SILENCE_INVALID,   /* validation failed */
	SILENCE_STORE_ERR, /* the store failed; nothing changed */
};

/* Opens the collection on st (borrowed; it must outlive the collection),
 * loading every stored silence and indexing those not expired at now.
 * retention_ms <= 0 means SILENCE_RETENTION_MS.  Returns NULL with the
 * reason in err. */
struct silences *silences_open(struct store *st, int64_t retention_ms,
			       int64_t now, struct buf *err);
void silences_close(struct silences *s);

/* Number of silences held (all states). */
size_t silences_count(const struct silences *s);
/* Returns the silence of id (borrowed), or NULL. */
const struct silence *silences_get(const struct silences *s, const char *id);

/*
 * Set(): creates or updates a silence from in (borrowed; in->id "" for a
 * new one) at now, as Alertmanager 0.25 does:
 *  - in->id unknown: SILENCE_NOT_FOUND;
 *  - starts_at 0 becomes now;
 *  - a known id that silence_can_update(): updated in place, same id,
 *    updated_at = now;
 *  - otherwise a new silence with a new id, starts_at clamped to now, and
 *    the old one (if any and not expired) expired at now, both in one
 *    transaction.
 * The silence is validated first (msg: "invalid silence: ..."); unlike
 * Alertmanager, an invalid replacement leaves the old silence alone.
 * client says who asked ("10.0.0.1:5555", "cli"; NULL is ""), for the
 * history.  On SILENCE_OK id_out (may be NULL) holds the silence's id;
 * otherwise msg (may be NULL) gets the reason.
 */
enum silence_rc silences_set(struct silences *s, const struct silence *in,
			     int64_t now, const char *client,
			     char id_out[SILENCE_ID_LEN + 1], struct buf *msg);

/* Expire(): an active silence ends at now, a pending one starts and ends
 * at now; an expired one is left as it is (SILENCE_OK).  Unknown id:
 * SILENCE_NOT_FOUND (Alertmanager 0.26+ answers 404, 0.25 500). */
enum silence_rc silences_expire(struct silences *s, const char *id,
				int64_t now, const char *client,
				struct buf *msg);

/* Deletes the silences whose ends_at + retention <= now (history "gc"),
 * in one transaction, and drops silences expired at now from the matching
 * index.  *ndeleted (may be NULL) says how many were deleted.  Returns 0,
 * or -1 with the reason in err (may be NULL) and nothing deleted.  The
 * router calls it at each maintenance (Alertmanager: every 15 min). */
int silences_gc(struct silences *s, int64_t now, size_t *ndeleted,
		struct buf *err);

/* Reloads everything from the store when another connection wrote to it
 * since the last load (PRAGMA data_version).  Returns 1 when it reloaded,
 * 0 when nothing changed, -1 with err (the old state then stays). */
int silences_reload_if_changed(struct silences *s, int64_t now,
			       struct buf *err);

/* Silence ids, owned. */
struct silence_ids {
	char (*v)[SILENCE_ID_LEN + 1];
	size_t n, cap;
};

void silence_ids_free(struct silence_ids *ids);

/*
 * The router's question: sets out (emptied first) to the ids of the
 * silences active at now whose matchers all match l, sorted.  Returns
 * out->n (non-zero: the alert is muted).  See the complexity above.
 */
size_t silences_mutes(struct silences *s, const struct labels *l,
		      int64_t now, struct silence_ids *out);
/* Candidates silences_mutes() examined since the collection was opened
 * (the cost counter tests assert on). */
uint64_t silences_examined(const struct silences *s);

/*
 * GET /api/v2/silences: sets *out to a new array (the caller frees the
 * array, not the silences) of the silences that match filter (NULL or
 * empty: all), ordered as Alertmanager: active by ends_at, then pending
 * by starts_at, then expired by ends_at latest first; *n its length.  A
 * silence matches a filter iff every filter matcher equals one of its
 * matchers (same name, operator and value string), not by matching alert
 * labels.
 */
void silences_list(const struct silences *s, const struct matchers *filter,
		   int64_t now, const struct silence ***out, size_t *n);
/* Appends the JSON array of that list to out. */
void silences_list_json(const struct silences *s,
			const struct matchers *filter, int64_t now,
			struct buf *out);

/*
 * POST /api/v2/silences in full: reads the body (silence_from_json()),
 * checks as Alertmanager's handler (400 "Failed to create silence: start
 * time must be before end time", then "Failed to create silence: end time
 * can't be in the past"), then silences_set(): 200 {"silenceID":"..."},
 * 404 "silence not found", 400 "invalid silence: ...", 500 when the store
 * failed.  Fills *a; the caller frees it with silence_answer_free().
 */
void silences_post(struct silences *s, const char *body, size_t len,
		   int64_t now, const char *client, struct silence_answer *a);

/* A history row, owned copies. */
struct silence_event {
	int64_t seq;
	char id[SILENCE_ID_LEN + 1];
	int64_t at;
	char *what;	  /* "create", "update", "expire", "gc" */
	char *created_by; /* the silence's created_by */
	char *client;	  /* who asked; "" for Tocsin itself (gc) */
	char *before;	  /* the silence's JSON record before, or NULL */
	char *after;	  /* after, or NULL */
};

struct silence_events {
	struct silence_event *v;
	size_t n, cap;
};

void silence_events_free(struct silence_events *ev);

/* Appends to ev the history of silence id (NULL: of every silence), oldest
 * first; 0, or -1 with the reason in err (may be NULL).  Records are JSON objects {"id","matchers","startsAt","endsAt",
 * "updatedAt","createdBy","comment"} with gettableSilence's field forms. */
int silences_history(struct silences *s, const char *id,
		     struct silence_events *ev, struct buf *err);

#endif
