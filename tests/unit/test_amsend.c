/*
 * test_amsend.c - forwarding to Alertmanagers: the JSON Prometheus 2.42
 * posts (compared with the captured request), batching, the bounded queue,
 * several Alertmanagers with one of them failing.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amsend.h"
#include "httpd.h"
#include "log.h"

#define SAMPLE "../shared/corpus/samples/prometheus-to-alertmanager-post.json"

static const char *sample_path(void)
{
	static char path[512];
	const char *shared = getenv("SHARED");

	if (shared)
		snprintf(path, sizeof path, "%s/corpus/samples/%s", shared,
			 "prometheus-to-alertmanager-post.json");
	else
		snprintf(path, sizeof path, "%s", SAMPLE);
	return path;
}

/* "2026-11-22T02:56:23.392Z" -> ms */
static int64_t parse_ms(const char *s)
{
	struct tm tm = {0};
	int ms = 0;

	cr_assert_eq(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year,
			    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			    &tm.tm_sec, &ms),
		     7);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

static struct labels *labels_of(json_t *o, const char *skip)
{
	struct labels_builder b = {0};
	const char *k;
	json_t *v;
	struct labels *l;

	json_object_foreach(o, k, v)
	{
		if (!skip || strcmp(k, skip) != 0)
			labels_builder_set(&b, k, json_string_value(v));
	}
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

Test(amsend, encodes_alerts_as_prometheus_posts_them)
{
	json_error_t jerr;
	json_t *doc = json_load_file(sample_path(), 0, &jerr), *body, *a;
	size_t i;
	struct labels_builder eb = {0};
	struct labels *ext;

	cr_assert_not_null(doc, "%s: %s", sample_path(), jerr.text);
	body = json_object_get(doc, "body");
	/* The sample's Prometheus had external label monitor="peers-loopback" */
	labels_builder_set(&eb, "monitor", "peers-loopback");
	ext = labels_builder_build(&eb);
	labels_builder_free(&eb);
	json_array_foreach(body, i, a)
	{
		struct alerting_notification n = {0};
		struct buf out = {0};
		char *want;

		n.labels = labels_of(json_object_get(a, "labels"), "monitor");
		n.annotations = labels_of(json_object_get(a, "annotations"),
					  NULL);
		n.starts_at = parse_ms(
			json_string_value(json_object_get(a, "startsAt")));
		n.ends_at = parse_ms(
			json_string_value(json_object_get(a, "endsAt")));
		n.generator_url = (char *)json_string_value(
			json_object_get(a, "generatorURL"));
		amsend_encode(&out, &n, ext);
		/* Go's encoding/json escapes & < > in strings ... */
		cr_assert(strstr(out.s, "%3E+10\\u0026g0.tab=1"), "%s", out.s);
		/* ... and otherwise the same keys in the same order with the
		 * same values (the sample was re-indented when captured) */
		{
			json_t *ours = json_loads(out.s, 0, &jerr);
			char *got;

			cr_assert_not_null(ours, "%s", jerr.text);
			got = json_dumps(ours, JSON_COMPACT |
						       JSON_PRESERVE_ORDER);
			want = json_dumps(a, JSON_COMPACT |
						     JSON_PRESERVE_ORDER);
			cr_assert_str_eq(got, want);
			free(got);
			free(want);
			json_decref(ours);
		}
		buf_free(&out);
		labels_free(n.labels);
		labels_free(n.annotations);
	}
	labels_free(ext);
	json_decref(doc);
}

Test(amsend, alert_labels_win_over_external_labels)
{
	struct labels_builder b = {0};
	struct labels *ext, *l;
	struct alerting_notification n = {0};
	struct buf out = {0};

	labels_builder_set(&b, "cluster", "prod");
	labels_builder_set(&b, "region", "eu");
	ext = labels_builder_build(&b);
	labels_builder_free(&b);
	memset(&b, 0, sizeof b);
	labels_builder_set(&b, "alertname", "A");
	labels_builder_set(&b, "cluster", "canary");
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	n.labels = l;
	n.starts_at = 0;
	n.ends_at = 1500;
	amsend_encode(&out, &n, ext);
	/* no annotations key, no generatorURL: omitempty as in Go */
	cr_assert_str_eq(out.s,
			 "{\"endsAt\":\"1970-01-01T00:00:01.500Z\","
			 "\"startsAt\":\"1970-01-01T00:00:00.000Z\","
			 "\"labels\":{\"alertname\":\"A\",\"cluster\":"
			 "\"canary\",\"region\":\"eu\"}}");
	buf_free(&out);
	labels_free(l);
	labels_free(ext);
}

/* ------------------------------------------------------ over loopback */

static struct loop *loop;
static struct loop_http *http;
static struct httpd *srv;
static struct amsend *am;
static int posts_ok, posts_bad, alerts_ok;
static char *last_ua;

static void on_ok(struct httpd_req *r, void *arg)
{
	size_t len;
	const char *body = httpd_req_body(r, &len);
	json_t *v = json_loadb(body, len, 0, NULL);

	(void)arg;
	cr_assert(json_is_array(v), "not a JSON array: %s", body);
	cr_assert_str_eq(httpd_req_header(r, "Content-Type"),
			 "application/json");
	free(last_ua);
	last_ua = xstrdup(httpd_req_header(r, "User-Agent"));
	alerts_ok += (int)json_array_size(v);
	json_decref(v);
	posts_ok++;
	httpd_reply(r, 200, "application/json", "", 0);
}

static void on_bad(struct httpd_req *r, void *arg)
{
	(void)arg;
	posts_bad++;
	httpd_reply(r, 500, "text/plain", "boom", 4);
}

static void setup(void)
{
	struct buf err = {0};

	log_set_output(fopen("/dev/null", "w"));
	loop = loop_new(NULL);
	http = loop_http_new(loop, 8);
	srv = httpd_new(loop, "127.0.0.1:0", &err);
	cr_assert_not_null(srv, "%s", buf_str(&err));
	httpd_handle(srv, "POST", "/good/api/v2/alerts", 0, on_ok, NULL);
	httpd_handle(srv, "POST", "/bad/api/v2/alerts", 0, on_bad, NULL);
	buf_free(&err);
}

static void teardown(void)
{
	loop_http_free(http);
	amsend_free(am);
	httpd_free(srv);
	loop_free(loop);
	free(last_ua);
}

static struct alerting_notification *alerts(int n)
{
	struct alerting_notification *v = xcalloc((size_t)n, sizeof *v);

	for (int i = 0; i < n; i++) {
		struct labels_builder b = {0};
		char num[16];

		snprintf(num, sizeof num, "%d", i);
		labels_builder_set(&b, "alertname", "A");
		labels_builder_set(&b, "i", num);
		v[i].labels = labels_builder_build(&b);
		labels_builder_free(&b);
		v[i].starts_at = 1000;
		v[i].ends_at = 2000;
	}
	return v;
}

static void alerts_free(struct alerting_notification *v, int n)
{
	for (int i = 0; i < n; i++)
		labels_free(v[i].labels);
	free(v);
}

static void drain(void)
{
	int64_t end = loop_mono_ms() + 10000;

	while (!amsend_idle(am) && loop_mono_ms() < end)
		loop_run_once(loop, 50);
	cr_assert(amsend_idle(am));
}

Test(amsend, batches_go_to_every_alertmanager, .init = setup,
     .fini = teardown)
{
	struct config_am_target t[2];
	char u1[64], u2[64];
	struct alerting_notification *v = alerts(600);
	struct buf m = {0};

	snprintf(u1, sizeof u1, "http://127.0.0.1:%d/good/", httpd_port(srv));
	snprintf(u2, sizeof u2, "http://127.0.0.1:%d/bad", httpd_port(srv));
	t[0].url = u1;
	t[0].timeout_ms = 5000;
	t[1].url = u2;
	t[1].timeout_ms = 5000;
	am = amsend_new(http, 0, 0);
	amsend_configure(am, t, 2, NULL);
	amsend_push(am, v, 600);
	drain();
	/* 600 alerts in batches of 256: 3 posts to each */
	cr_assert_eq(posts_ok, 3);
	cr_assert_eq(posts_bad, 3);
	cr_assert_eq(alerts_ok, 600);
	cr_assert(strncmp(last_ua, "Tocsin/", 7) == 0, "%s", last_ua);
	amsend_metrics(am, &m);
	cr_assert(strstr(m.s, "tocsin_notifications_errors_total{alertmanager="
			      "\"http://127.0.0.1:"),
		  "%s", m.s);
	/* one Alertmanager took every batch: nothing dropped */
	cr_assert(strstr(m.s, "tocsin_notifications_dropped_total 0\n"), "%s",
		  m.s);
	buf_free(&m);
	alerts_free(v, 600);
}

Test(amsend, a_full_queue_drops_the_oldest, .init = setup, .fini = teardown)
{
	struct config_am_target t;
	char u[64];
	struct alerting_notification *v = alerts(50);
	struct buf m = {0};

	snprintf(u, sizeof u, "http://127.0.0.1:%d/good", httpd_port(srv));
	t.url = u;
	t.timeout_ms = 5000;
	am = amsend_new(http, 20, 10);
	amsend_configure(am, &t, 1, NULL);
	/* as Prometheus' notifier: all 50 are queued, the oldest 30 beyond
	 * the capacity of 20 dropped, then batches of 10 leave */
	amsend_push(am, v, 50);
	amsend_metrics(am, &m);
	cr_assert(strstr(m.s, "tocsin_notifications_dropped_total 30\n"), "%s",
		  m.s);
	drain();
	cr_assert_eq(alerts_ok, 20);
	cr_assert_eq(posts_ok, 2);
	buf_free(&m);
	alerts_free(v, 50);
}

Test(amsend, without_alertmanagers_nothing_is_queued, .init = setup,
     .fini = teardown)
{
	struct alerting_notification *v = alerts(3);

	am = amsend_new(http, 0, 0);
	amsend_configure(am, NULL, 0, NULL);
	amsend_push(am, v, 3);
	cr_assert(amsend_idle(am));
	alerts_free(v, 3);
}
