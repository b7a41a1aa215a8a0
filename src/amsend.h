/*
 * amsend.h - forwards the evaluator's alerts to external Alertmanagers as
 * Prometheus' notifier does: POST /api/v2/alerts with a JSON array of
 * {annotations, endsAt, startsAt, generatorURL, labels}, external labels
 * added where an alert lacks them, a bounded queue (oldest dropped first
 * when full), batches sent to every Alertmanager concurrently, one batch
 * in flight at a time.
 */
#ifndef TOCSIN_AMSEND_H
#define TOCSIN_AMSEND_H

#include <stddef.h>
#include <stdint.h>

#include "alerting.h"
#include "config.h"
#include "loop.h"

/* Prometheus' --alertmanager.notification-queue-capacity and batch size. */
#define AMSEND_QUEUE_CAPACITY 10000
#define AMSEND_BATCH 256

struct amsend;

/* Returns a forwarder sending through h; capacity / batch 0: defaults. */
struct amsend *amsend_new(struct loop_http *h, size_t capacity,
			  size_t batch);
/* Aborted transfers must have finished (loop_http_free()) first. */
void amsend_free(struct amsend *s);

/* Replaces the Alertmanagers and external labels (both copied).  A batch
 * in flight finishes against the old ones. */
void amsend_configure(struct amsend *s, const struct config_am_target *v,
		      size_t n, const struct labels *external_labels);

/* Queues n alerts (encoded now) and starts sending.  Without any
 * Alertmanager configured this does nothing. */
void amsend_push(struct amsend *s, const struct alerting_notification *v,
		 size_t n);

/* Appends one alert as Alertmanager API v2 JSON (PostableAlert), with
 * ext's labels added where v lacks them. */
void amsend_encode(struct buf *out, const struct alerting_notification *v,
		   const struct labels *ext);

/* 1 when nothing is queued or in flight. */
int amsend_idle(const struct amsend *s);

/* The notifier metrics (tocsin_notifications_*) in exposition format. */
void amsend_metrics(const struct amsend *s, struct buf *out);

#endif
