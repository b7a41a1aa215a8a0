/*
 * api_alerts.h - Alertmanager API v2 alert documents: reading a POST
 * /api/v2/alerts body with Alertmanager 0.25's validation and answers, and
 * writing gettableAlert JSON.  Pure: no store, no clock.
 */
#ifndef TOCSIN_API_ALERTS_H
#define TOCSIN_API_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "alertstore.h"
#include "util.h"

/* A parsed POST: the alerts to store (each holding one reference). */
struct api_alerts_post {
	struct am_alert **alerts;
	size_t n;
	int status;	  /* HTTP status to answer */
	struct buf body;  /* the answer's body (JSON), maybe empty */
	size_t ninvalid;  /* alerts refused by validation */
};

/*
 * Reads a POST /api/v2/alerts body at time now.  Defaults as Alertmanager:
 * a missing startsAt becomes endsAt if set, else now; a missing endsAt
 * becomes now + resolve_timeout_ms (timeout set); labels with empty values
 * are dropped.  Schema errors (a missing labels object, a generatorURL that
 * is no URI) refuse the whole request with 422; an undecodable body with
 * 400; alerts failing validation are left out while the others are kept,
 * and the answer is then 400 with every error joined by "; ".
 */
void api_alerts_parse(const char *body, size_t len, int64_t now,
		      int64_t resolve_timeout_ms, struct api_alerts_post *p);
/*
 * The two ways api_alerts_parse() reads a body, for tests.  The fast path
 * takes only what Prometheus sends (an array of objects with labels,
 * annotations, startsAt, endsAt and generatorURL, each once, strings
 * only, every alert passing the schema); it returns 1 having filled p as
 * the general path (jansson) would, or 0 leaving p empty.
 */
int api_alerts_parse_fast(const char *body, size_t len, int64_t now,
			  int64_t resolve_timeout_ms,
			  struct api_alerts_post *p);
void api_alerts_parse_json(const char *body, size_t len, int64_t now,
			   int64_t resolve_timeout_ms,
			   struct api_alerts_post *p);
void api_alerts_post_free(struct api_alerts_post *p);

/* What GET /api/v2/alerts says of an alert besides the alert itself. */
struct api_alert_status {
	const char *const *receivers; /* names */
	size_t nreceivers;
	const char *const *silenced_by; /* silence ids */
	size_t nsilenced;
	const uint64_t *inhibited_by; /* fingerprints */
	size_t ninhibited;
	int unprocessed;
};

/* Appends a gettableAlert, keys in Alertmanager 0.25's order. */
void api_alert_json(struct buf *out, const struct am_alert *a,
		    const struct api_alert_status *st);

#endif
