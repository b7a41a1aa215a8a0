/*
 * router.h - the notification router (what Alertmanager does): alerts in
 * from POST /api/v2/alerts and from the evaluator, the dispatcher's groups,
 * and for each flush the pipeline in Alertmanager's order
 *
 *   inhibition -> active time intervals -> mute time intervals -> silences
 *   -> per integration: dedup (notification log) -> send with retry
 *   -> record in the notification log
 *
 * plus the Alertmanager API v2 surface served from the same state.
 */
#ifndef TOCSIN_ROUTER_H
#define TOCSIN_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "alerting.h"
#include "config.h"
#include "eval.h"
#include "httpd.h"
#include "loop.h"
#include "store.h"

struct router;

struct oauth2_cache;

struct router_opts {
	struct loop *loop;
	struct loop_http *http;
	struct oauth2_cache *oauth2; /* tokens for http_config oauth2; NULL:
					sent without */
	struct store *store;	     /* silences and notification log */
	const struct eval_clock *wall; /* NULL: the real clock */
	const char *external_url;    /* for notifications; "" picks
					http://<hostname>:<port> */
	int port;		     /* for that default */
};

/* Returns a router for configuration c (borrowed until the next
 * router_reload()), or NULL with the reason in err (templates that do not
 * parse, the store failing to load silences). */
struct router *router_new(const struct router_opts *o, const struct config *c,
			  struct buf *err);
void router_free(struct router *r);

/* Switches to configuration c; groups of unchanged routes keep their
 * timers.  On failure the running configuration stays.  Returns 0 or -1
 * with the reason in err. */
int router_reload(struct router *r, const struct config *c, struct buf *err);
/* Takes old, the configuration a router_reload() replaced, and frees it
 * once no notification started under it is in flight (sends retrying or
 * waiting for their rate limit still use its receivers and http_config):
 * at once when none is. */
void router_retire(struct router *r, struct config *old);

/* Alerts from Tocsin's own evaluator (the eval_sink). */
void router_put_eval(struct router *r, const struct alerting_notification *v,
		     size_t n);

/* Registers the Alertmanager API v2 routes on h. */
int router_routes(struct router *r, struct httpd *h);

/* The router's metrics (tocsin_alerts, tocsin_notifications_*, ...). */
void router_metrics(const struct router *r, struct buf *out);

/* 1 while a notification is being sent (graceful stop waits for it). */
int router_busy(const struct router *r);

#endif
