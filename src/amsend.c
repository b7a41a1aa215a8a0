/*
 * amsend.c - the Alertmanager forwarder.
 */
#include <stdlib.h>
#include <string.h>

#include "amsend.h"
#include "expo.h"
#include "httpc.h"
#include "jsonw.h"
#include "log.h"
#include "promapi.h"

struct am {
	char *url; /* <base>/api/v2/alerts */
	int64_t timeout_ms;
	uint64_t sent, errors; /* alerts */
	double latency_sum;
	uint64_t latency_count;
};

struct amsend {
	struct loop_http *http;
	size_t capacity, batch;
	struct am *ams;
	size_t nams;
	struct labels *ext;

	/* ring of encoded alerts */
	char **q;
	size_t head, count;

	/* the batch in flight */
	size_t inflight; /* transfers running */
	uint64_t gen;	 /* bumped by every amsend_configure() */
	int batch_ok;	 /* some Alertmanager took it */
	uint64_t dropped;
};

struct post {
	struct amsend *s;
	size_t idx;   /* of its Alertmanager in s->ams */
	uint64_t gen; /* s->gen when started; stale after a reconfigure */
	size_t nalerts;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	int64_t started;
	char errbuf[CURL_ERROR_SIZE];
};

static char *am_url(const char *base)
{
	struct buf b = {0};
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	buf_add(&b, base, n);
	buf_puts(&b, "/api/v2/alerts");
	return buf_take(&b);
}

struct amsend *amsend_new(struct loop_http *h, size_t capacity, size_t batch)
{
	struct amsend *s = xcalloc(1, sizeof *s);

	s->http = h;
	s->capacity = capacity ? capacity : AMSEND_QUEUE_CAPACITY;
	s->batch = batch ? batch : AMSEND_BATCH;
	s->q = xcalloc(s->capacity, sizeof *s->q);
	return s;
}

static void ams_free(struct amsend *s)
{
	for (size_t i = 0; i < s->nams; i++)
		free(s->ams[i].url);
	free(s->ams);
	s->ams = NULL;
	s->nams = 0;
}

void amsend_free(struct amsend *s)
{
	if (!s)
		return;
	ams_free(s);
	labels_free(s->ext);
	for (size_t i = 0; i < s->count; i++)
		free(s->q[(s->head + i) % s->capacity]);
	free(s->q);
	free(s);
}

void amsend_configure(struct amsend *s, const struct config_am_target *v,
		      size_t n, const struct labels *external_labels)
{
	/* Posts in flight point at the old entries; they keep their own
	 * copy of what they need and only update counters of a live one. */
	if (s->inflight) {
		LOG_DEBUG("notifier",
			  "Reconfigured while a batch is in flight");
	}
	ams_free(s);
	s->gen++;
	labels_free(s->ext);
	s->ext = external_labels ? labels_dup(external_labels) : NULL;
	s->ams = xcalloc(n ? n : 1, sizeof *s->ams);
	s->nams = n;
	for (size_t i = 0; i < n; i++) {
		s->ams[i].url = am_url(v[i].url);
		s->ams[i].timeout_ms = v[i].timeout_ms;
	}
}

void amsend_encode(struct buf *out, const struct alerting_notification *v,
		   const struct labels *ext)
{
	struct labels *l = v->labels, *merged = NULL;

	if (ext && ext->n) {
		struct labels_builder b = {0};

		for (size_t i = 0; i < ext->n; i++)
			labels_builder_set(&b, ext->v[i].name,
					   ext->v[i].value);
		/* The alert's own labels win. */
		for (size_t i = 0; i < v->labels->n; i++)
			labels_builder_set(&b, v->labels->v[i].name,
					   v->labels->v[i].value);
		merged = labels_builder_build(&b);
		labels_builder_free(&b);
		l = merged;
	}
	buf_putc(out, '{');
	if (v->annotations && v->annotations->n) {
		buf_puts(out, "\"annotations\":");
		jsonw_labels(out, v->annotations);
		buf_putc(out, ',');
	}
	buf_puts(out, "\"endsAt\":");
	jsonw_time_millis(out, v->ends_at);
	buf_puts(out, ",\"startsAt\":");
	jsonw_time_millis(out, v->starts_at);
	if (v->generator_url && v->generator_url[0]) {
		buf_puts(out, ",\"generatorURL\":");
		jsonw_str(out, v->generator_url);
	}
	buf_puts(out, ",\"labels\":");
	jsonw_labels(out, l);
	buf_putc(out, '}');
	labels_free(merged);
}

static void post_free(struct post *p)
{
	if (p->easy)
		curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->headers);
	free(p->body);
	free(p);
}

static void kick(struct amsend *s);

static void batch_done(struct amsend *s, size_t nalerts)
{
	if (!s->batch_ok)
		s->dropped += nalerts;
	kick(s);
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
	struct post *p = arg;
	struct amsend *s = p->s;
	struct am *am = p->gen == s->gen ? &s->ams[p->idx] : NULL;
	long status = 0;
	int ok;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	ok = rc == CURLE_OK && status / 100 == 2;
	if (am) {
		am->latency_sum +=
			(double)(loop_mono_ms() - p->started) / 1000.0;
		am->latency_count++;
		if (ok) {
			am->sent += p->nalerts;
		} else {
			am->errors += p->nalerts;
			if (rc != CURLE_OK) {
				struct buf err = {0};

				promapi_error_from_curl(rc, 0, am->url,
							p->errbuf, &err);
				LOG_ERROR("notifier",
					  "Error sending alerts", "alertmanager",
					  am->url, "err",
					  buf_str(&err));
				buf_free(&err);
			} else {
				char code[16];

				snprintf(code, sizeof code, "%ld", status);
				LOG_ERROR("notifier", "Error sending alerts",
					  "alertmanager", am->url, "err",
					  "bad response status", "status", code);
			}
		}
	}
	s->batch_ok |= ok;
	s->inflight--;
	{
		size_t n = p->nalerts;

		post_free(p);
		if (s->inflight == 0)
			batch_done(s, n);
	}
}

static size_t discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * n;
}

static int post_start(struct amsend *s, size_t idx, const char *body,
		      size_t nalerts)
{
	struct post *p = xcalloc(1, sizeof *p);
	struct am *am = &s->ams[idx];
	struct buf err = {0};

	p->s = s;
	p->idx = idx;
	p->gen = s->gen;
	p->nalerts = nalerts;
	p->body = xstrdup(body);
	p->started = loop_mono_ms();
	p->easy = curl_easy_init();
	if (!p->easy || httpc_setup(p->easy, NULL, am->timeout_ms, &err)) {
		LOG_ERROR("notifier", "Cannot set up a request", "err",
			  buf_str(&err));
		buf_free(&err);
		post_free(p);
		return -1;
	}
	buf_free(&err);
	p->headers = curl_slist_append(p->headers,
				       "Content-Type: application/json");
	p->headers = curl_slist_append(p->headers, "Expect:");
	curl_easy_setopt(p->easy, CURLOPT_URL, am->url);
	curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->errbuf);
	/* The answer body is not needed. */
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, discard);
	if (loop_http_start(s->http, p->easy, on_done, p) == -1) {
		post_free(p);
		return -1;
	}
	return 0;
}

static void kick(struct amsend *s)
{
	struct buf body = {0};
	size_t n;

	if (s->inflight || s->count == 0 || s->nams == 0)
		return;
	n = s->count < s->batch ? s->count : s->batch;
	buf_putc(&body, '[');
	for (size_t i = 0; i < n; i++) {
		char *a = s->q[s->head];

		if (i)
			buf_putc(&body, ',');
		buf_puts(&body, a);
		free(a);
		s->q[s->head] = NULL;
		s->head = (s->head + 1) % s->capacity;
	}
	s->count -= n;
	buf_putc(&body, ']');
	s->batch_ok = 0;
	for (size_t i = 0; i < s->nams; i++) {
		s->inflight++;
		if (post_start(s, i, buf_str(&body), n) == -1) {
			s->inflight--;
			s->ams[i].errors += n;
		}
	}
	buf_free(&body);
	if (s->inflight == 0) {
		s->dropped += n;
		/* Nothing could start; try the rest later rather than spin. */
	}
}

void amsend_push(struct amsend *s, const struct alerting_notification *v,
		 size_t n)
{
	if (s->nams == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct buf b = {0};

		amsend_encode(&b, &v[i], s->ext);
		if (s->count == s->capacity) {
			/* Prometheus drops the oldest alerts. */
			free(s->q[s->head]);
			s->head = (s->head + 1) % s->capacity;
			s->count--;
			s->dropped++;
		}
		s->q[(s->head + s->count) % s->capacity] = buf_take(&b);
		s->count++;
	}
	kick(s);
}

int amsend_idle(const struct amsend *s)
{
	return s->count == 0 && s->inflight == 0;
}

void amsend_metrics(const struct amsend *s, struct buf *out)
{
	expo_family(out, "tocsin_notifications_dropped_total", "counter",
		    "Total number of alerts dropped due to errors when sending "
		    "to Alertmanager.");
	expo_samplef(out, "tocsin_notifications_dropped_total",
		     (double)s->dropped, EXPO_END);
	expo_family(out, "tocsin_notifications_queue_capacity", "gauge",
		    "The capacity of the alert notifications queue.");
	expo_samplef(out, "tocsin_notifications_queue_capacity",
		     (double)s->capacity, EXPO_END);
	expo_family(out, "tocsin_notifications_queue_length", "gauge",
		    "The number of alert notifications in the queue.");
	expo_samplef(out, "tocsin_notifications_queue_length",
		     (double)s->count, EXPO_END);
	expo_family(out, "tocsin_notifications_alertmanagers_discovered",
		    "gauge",
		    "The number of alertmanagers discovered and active.");
	expo_samplef(out, "tocsin_notifications_alertmanagers_discovered",
		     (double)s->nams, EXPO_END);
	expo_family(out, "tocsin_notifications_sent_total", "counter",
		    "Total number of alerts sent.");
	for (size_t i = 0; i < s->nams; i++)
		expo_samplef(out, "tocsin_notifications_sent_total",
			     (double)s->ams[i].sent, "alertmanager",
			     s->ams[i].url, EXPO_END);
	expo_family(out, "tocsin_notifications_errors_total", "counter",
		    "Total number of sent alerts affected by errors.");
	for (size_t i = 0; i < s->nams; i++)
		expo_samplef(out, "tocsin_notifications_errors_total",
			     (double)s->ams[i].errors, "alertmanager",
			     s->ams[i].url, EXPO_END);
	expo_family(out, "tocsin_notifications_latency_seconds", "summary",
		    "Latency quantiles for sending alert notifications.");
	for (size_t i = 0; i < s->nams; i++) {
		expo_samplef(out, "tocsin_notifications_latency_seconds_sum",
			     s->ams[i].latency_sum, "alertmanager",
			     s->ams[i].url, EXPO_END);
		expo_samplef(out, "tocsin_notifications_latency_seconds_count",
			     (double)s->ams[i].latency_count, "alertmanager",
			     s->ams[i].url, EXPO_END);
	}
}
