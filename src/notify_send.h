/*
 * notify_send.h - delivering one notification request with retries on the
 * loop: Alertmanager's backoff (500 ms, x1.5, +-50% jitter, at most 60 s
 * between attempts) until success, a verdict that retrying will not help,
 * or the deadline.  Unlike Alertmanager, a Retry-After header on 429/503
 * is honoured: the next attempt waits at least that long (and is not made
 * when that would pass the deadline).
 */
#ifndef TOCSIN_NOTIFY_SEND_H
#define TOCSIN_NOTIFY_SEND_H

#include <stdint.h>

#include "loop.h"
#include "receiver.h"

struct notify_sender;

/* Why a send failed, as Alertmanager 0.26+ labels
 * notifications_failed_total{reason}: the last answer was a 4xx
 * (clientError) or a 5xx (serverError), the deadline passed with no
 * answer to blame (contextDeadlineExceeded), it was aborted
 * (contextCanceled), or anything else (other). */
enum notify_why {
	NOTIFY_WHY_OTHER,
	NOTIFY_WHY_CLIENT,
	NOTIFY_WHY_SERVER,
	NOTIFY_WHY_CANCELED,
	NOTIFY_WHY_DEADLINE,
	NOTIFY_NWHY
};

/* Their label values, by enum notify_why. */
extern const char *const notify_failure_reasons[NOTIFY_NWHY];

/* Outcome of a send; reason is "" and why NOTIFY_WHY_OTHER on success. */
typedef void notify_sent_fn(void *arg, int ok, const char *reason,
			    enum notify_why why, int attempts);

struct oauth2_cache;

/*
 * Sends req (taken) for integration ops through h, timing out each
 * attempt at the time left, giving up at deadline_mono (loop clock ms).
 * A request whose http_config has oauth2 gets its token from oauth2 (NULL:
 * sent without one); a token that cannot be had fails the attempt, which
 * is retried.
 * done(arg, ...) runs exactly once, on the loop, never before this returns.
 * Returns the sender (for notify_send_abort()).
 */
struct notify_sender *notify_send(struct loop *l, struct loop_http *h,
				  struct oauth2_cache *oauth2,
				  const struct receiver_ops *ops,
				  struct notify_req *req, int64_t deadline_mono,
				  notify_sent_fn *done, void *arg);

/* Stops a send in flight; its done() runs with ok = 0 at once.  The
 * transfer itself is left to finish (its result is ignored). */
void notify_send_abort(struct notify_sender *s);

/* Seconds from a Retry-After value (delta-seconds or an HTTP date) at
 * wall time now_ms; -1 when it cannot be read.  Exposed for tests. */
int64_t notify_retry_after_ms(const char *v, int64_t now_ms);

/* The next backoff interval after cur (0: the first); an attempt waits
 * this +-50%. */
int64_t notify_backoff_ms(int64_t cur);

#endif
