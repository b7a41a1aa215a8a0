/*
 * webhook.c - Alertmanager's webhook integration (notify/webhook): a POST
 * of the notification as JSON, version "4".
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "promapi.h"
#include "receiver.h"

void notify_req_free(struct notify_req *r)
{
	free(r->url);
	free(r->body);
	curl_slist_free_all(r->headers);
	notify_smtp_free(r->smtp);
	memset(r, 0, sizeof *r);
}

/* regexp.QuoteMeta: Alertmanager's template data quotes the receiver. */
static void quote_meta(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s))
			buf_putc(out, '\\');
		buf_putc(out, *s);
	}
}

static void time_json(struct buf *out, int64_t sec, int32_t nsec)
{
	/* RFC3339Nano: jsonw takes ms; Alertmanager times carry what the
	 * client sent, and ours are ms anyway */
	jsonw_time(out, sec * 1000 + nsec / 1000000);
}

/* Labels every alert has with the same value. */
static struct labels *common(const struct tmpl_am_alert *v, size_t n,
			     int annotations)
{
	struct labels_builder b = {0};
	const struct labels *first;
	struct labels *out;

	if (n == 0)
		return labels_empty();
	first = annotations ? v[0].annotations : v[0].labels;
	for (size_t i = 0; first && i < first->n; i++) {
		const char *name = first->v[i].name;
		const char *value = first->v[i].value;
		int all = 1;

		for (size_t j = 1; j < n && all; j++) {
			const struct labels *l =
				annotations ? v[j].annotations : v[j].labels;
			const char *x = l ? labels_get(l, name) : NULL;

			all = x && strcmp(x, value) == 0;
		}
		if (all)
			labels_builder_set(&b, name, value);
	}
	out = labels_builder_build(&b);
	labels_builder_free(&b);
	return out;
}

void webhook_payload(struct buf *out, const struct notify_msg *m,
		     uint64_t max_alerts)
{
	const struct tmpl_am_notification *nf = m->nf;
	size_t n = nf->nalerts, firing = 0;
	struct labels *cl, *ca;
	struct buf recv = {0};
	uint64_t truncated = 0;

	for (size_t i = 0; i < n; i++)
		firing += strcmp(nf->alerts[i].status, "firing") == 0;
	if (max_alerts && n > max_alerts) {
		truncated = n - max_alerts;
		n = (size_t)max_alerts;
	}
	quote_meta(&recv, nf->receiver);
	buf_puts(out, "{\"receiver\":");
	jsonw_str(out, buf_str(&recv));
	buf_puts(out, ",\"status\":");
	jsonw_str(out, firing ? "firing" : "resolved");
	buf_puts(out, ",\"alerts\":[");
	for (size_t i = 0; i < n; i++) {
		const struct tmpl_am_alert *a = &nf->alerts[i];
		char fp[17];

		if (i)
			buf_putc(out, ',');
		buf_puts(out, "{\"status\":");
		jsonw_str(out, a->status);
		buf_puts(out, ",\"labels\":");
		jsonw_labels(out, a->labels);
		buf_puts(out, ",\"annotations\":");
		jsonw_labels(out, a->annotations);
		buf_puts(out, ",\"startsAt\":");
		time_json(out, a->starts_sec, a->starts_nsec);
		buf_puts(out, ",\"endsAt\":");
		time_json(out, a->ends_sec, a->ends_nsec);
		buf_puts(out, ",\"generatorURL\":");
		jsonw_str(out, a->generator_url ? a->generator_url : "");
		buf_puts(out, ",\"fingerprint\":");
		if (a->fingerprint) {
			jsonw_str(out, a->fingerprint);
		} else {
			snprintf(fp, sizeof fp, "%016" PRIx64,
				 a->labels ? a->labels->fp : 0);
			jsonw_str(out, fp);
		}
		buf_putc(out, '}');
	}
	/* common labels and annotations are over all alerts, truncated
	 * or not, as template.Data is built before truncation */
	cl = common(nf->alerts, nf->nalerts, 0);
	ca = common(nf->alerts, nf->nalerts, 1);
	buf_puts(out, "],\"groupLabels\":");
	jsonw_labels(out, nf->group_labels);
	buf_puts(out, ",\"commonLabels\":");
	jsonw_labels(out, cl);
	buf_puts(out, ",\"commonAnnotations\":");
	jsonw_labels(out, ca);
	buf_puts(out, ",\"externalURL\":");
	jsonw_str(out, nf->external_url ? nf->external_url : "");
	buf_puts(out, ",\"version\":\"4\",\"groupKey\":");
	jsonw_str(out, m->group_key);
	buf_printf(out, ",\"truncatedAlerts\":%" PRIu64 "}", truncated);
	labels_free(cl);
	labels_free(ca);
	buf_free(&recv);
}

static size_t count(const struct config_receiver *r)
{
	return r->nwebhook;
}

static int send_resolved(const struct config_receiver *r, size_t idx)
{
	return r->webhook[idx].send_resolved;
}

static int build(const struct config_receiver *r, size_t idx,
		 const struct notify_msg *m, struct notify_req *req,
		 struct buf *err)
{
	const struct config_webhook *w = &r->webhook[idx];
	struct buf body = {0};

	memset(req, 0, sizeof *req);
	if (w->url_file[0]) {
		/* read at each notification, as Alertmanager does */
		if (promapi_secret_read(w->url_file, "webhook url", &req->url,
					err) == -1)
			return -1;
	} else {
		req->url = xstrdup(w->url);
	}
	webhook_payload(&body, m, w->max_alerts);
	/* json.Encoder's newline: Alertmanager's Content-Length counts it */
	buf_putc(&body, '\n');
	req->len = body.len;
	req->body = buf_take(&body);
	req->headers = curl_slist_append(NULL,
					 "Content-Type: application/json");
	req->http = &w->http;
	return 0;
}

/* notify.Retrier with no extra codes: 2xx ok, 5xx retried, the rest not. */
static enum notify_verdict judge(long status, const char *body, size_t len,
				 struct buf *reason)
{
	(void)body;
	(void)len;
	if (status / 100 == 2)
		return NOTIFY_OK;
	buf_printf(reason, "unexpected status code %ld", status);
	return status / 100 == 5 ? NOTIFY_RETRY : NOTIFY_FAIL;
}

const struct receiver_ops receiver_webhook = {
	.integration = "webhook",
	.count = count,
	.send_resolved = send_resolved,
	.build = build,
	.judge = judge,
};
