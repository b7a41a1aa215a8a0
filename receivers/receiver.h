/*
 * receiver.h - the integrations (Alertmanager's "*_configs"), one file each
 * in receivers/, behind one table.  An integration turns a notification
 * into the HTTP request(s) to make and tells what an answer means; the
 * pipeline (src/notify.c) sends, retries and records.
 */
#ifndef TOCSIN_RECEIVER_H
#define TOCSIN_RECEIVER_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "tmpl.h"
#include "util.h"

/* What every integration gets to build its message from. */
struct notify_msg {
	const struct tmpl_am_notification *nf; /* receiver, alerts, ... */
	const char *group_key;
	const struct tmpl_set *templates; /* the configured templates */
};

/* One HTTP request.  Owned strings; free with notify_req_free(). */
struct notify_req {
	char *url;
	char *body;
	size_t len;
	struct curl_slist *headers; /* Content-Type and the like */
	const struct config_http *http; /* borrowed from the config */
};

void notify_req_free(struct notify_req *r);

/* How an answer is to be taken (Alertmanager's notify.Retrier). */
enum notify_verdict {
	NOTIFY_OK,
	NOTIFY_RETRY, /* 5xx and the like: try again until the deadline */
	NOTIFY_FAIL,  /* a bad request: retrying will not help */
};

struct receiver_ops {
	const char *integration; /* "webhook": metrics and nflog key */
	/* Number of configs of this integration in r. */
	size_t (*count)(const struct config_receiver *r);
	int (*send_resolved)(const struct config_receiver *r, size_t idx);
	/* Builds the request for config idx of r.  Returns 0, or -1 with
	 * the reason in err (a template or a secret file failed). */
	int (*build)(const struct config_receiver *r, size_t idx,
		     const struct notify_msg *m, struct notify_req *req,
		     struct buf *err);
	/* Judges an answer; reason gets a short text for logs/metrics. */
	enum notify_verdict (*judge)(long status, const char *body,
				     size_t len, struct buf *reason);
};

extern const struct receiver_ops receiver_webhook;

/* Every integration, NULL-terminated. */
extern const struct receiver_ops *const receivers_all[];

/* Appends a notification as Alertmanager's webhook payload (version 4):
 * at most max_alerts alerts (0: all), truncatedAlerts the rest. */
void webhook_payload(struct buf *out, const struct notify_msg *m,
		     uint64_t max_alerts);

#endif
