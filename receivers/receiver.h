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

/* What an SMTP request adds: the envelope and the login.  url is then
 * smtp[s]://host:port/HELLO and body the whole message (CRLF lines);
 * http points at http below (TLS options only).  Owned strings but for
 * http's, borrowed from the config; freed by notify_req_free(). */
struct notify_smtp {
	char *mail_from;	   /* "<a@x>" */
	struct curl_slist *rcpt;   /* "<b@y>" each */
	char *username, *password; /* NULL: no AUTH */
	char *authzid;		   /* PLAIN's identity, or NULL */
	const char *login_options; /* "AUTH=PLAIN;AUTH=LOGIN" or the like */
	int require_tls;	   /* STARTTLS or fail (not for smtps://) */
	struct config_http http;
};

/* One HTTP request.  Owned strings; free with notify_req_free(). */
struct notify_req {
	char *url;
	char *body;
	size_t len;
	struct curl_slist *headers; /* Content-Type and the like */
	const struct config_http *http; /* borrowed from the config */
	struct notify_smtp *smtp;	/* NULL: an HTTP POST */
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
extern const struct receiver_ops receiver_email;
extern const struct receiver_ops receiver_pagerduty;
extern const struct receiver_ops receiver_slack;

/* Every integration, NULL-terminated. */
extern const struct receiver_ops *const receivers_all[];

/* Appends a notification as Alertmanager's webhook payload (version 4):
 * at most max_alerts alerts (0: all), truncatedAlerts the rest. */
void webhook_payload(struct buf *out, const struct notify_msg *m,
		     uint64_t max_alerts);

/* Appends the message Alertmanager's email integration writes for config
 * e (headers, multipart/alternative, quoted-printable) with the given
 * Date, Message-Id and boundary.  Returns 0, or -1 with the reason. */
int email_message(const struct config_email *e, const struct notify_msg *m,
		  struct tmpl_value *data, const char *date, const char *msgid,
		  const char *boundary, struct buf *out, struct buf *err);
void notify_smtp_free(struct notify_smtp *s);

#endif
