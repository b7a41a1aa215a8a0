/*
 * test_webhook.c - the webhook payload against the ones captured from
 * Alertmanager 0.25 (same keys, order and values), max_alerts truncation,
 * the request (the payload with json.Encoder's newline, as Alertmanager
 * sends it) and the answer verdicts.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "receiver.h"

static const char *sample(const char *name)
{
	static char path[512];
	const char *shared = getenv("SHARED");

	snprintf(path, sizeof path, "%s/corpus/samples/%s",
		 shared ? shared : "../shared", name);
	return path;
}

static struct labels *labels_of(json_t *o)
{
	struct labels_builder b = {0};
	const char *k;
	json_t *v;
	struct labels *l;

	json_object_foreach(o, k, v)
	{
		labels_builder_set(&b, k, json_string_value(v));
	}
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* "2026-11-22T02:51:08.392Z" (any fraction) or Go's zero time */
static void parse_time(const char *s, int64_t *sec, int32_t *nsec)
{
	struct tm tm = {0};
	const char *dot;
	int32_t frac = 0, scale = 100000000;

	if (strcmp(s, "0001-01-01T00:00:00Z") == 0) {
		*sec = TMPL_AM_ZERO_TIME;
		*nsec = 0;
		return;
	}
	cr_assert(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
			 &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			 &tm.tm_sec) == 6,
		  "%s", s);
	for (dot = strchr(s, '.'); dot && *++dot >= '0' && *dot <= '9';
	     scale /= 10)
		frac += (*dot - '0') * scale;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*sec = (int64_t)timegm(&tm);
	*nsec = frac;
}

/* Rebuilds the notification a captured payload came from and encodes it
 * again; the result must read the same, key order included. */
static void round_trip(const char *name)
{
	json_error_t jerr;
	json_t *doc = json_load_file(sample(name), 0, &jerr), *alerts, *a;
	struct tmpl_am_alert *v;
	struct tmpl_am_notification nf = {0};
	struct notify_msg m = {0};
	struct labels *gl;
	struct buf out = {0};
	size_t i, n;
	char *got, *want;
	json_t *ours;

	cr_assert_not_null(doc, "%s: %s", name, jerr.text);
	alerts = json_object_get(doc, "alerts");
	n = json_array_size(alerts);
	v = calloc(n, sizeof *v);
	json_array_foreach(alerts, i, a)
	{
		/* Tocsin keeps times to the millisecond (what Prometheus and
		 * amtool send); a client sending finer times gets them back
		 * rounded down.  Compare at millisecond precision. */
		static const char *const keys[] = {"startsAt", "endsAt"};

		for (int k = 0; k < 2; k++) {
			char t[64];
			const char *s0 = json_string_value(
				json_object_get(a, keys[k]));
			const char *dot = strchr(s0, '.');

			if (dot && strlen(s0) < sizeof t) {
				size_t len = (size_t)(dot - s0) + 4;

				memcpy(t, s0, len);
				while (t[len - 1] == '0')
					len--;
				if (t[len - 1] == '.')
					len--;
				t[len] = 'Z';
				t[len + 1] = '\0';
				json_object_set_new(a, keys[k], json_string(t));
			}
		}
		v[i].status = json_string_value(json_object_get(a, "status"));
		v[i].labels = labels_of(json_object_get(a, "labels"));
		v[i].annotations = labels_of(json_object_get(a, "annotations"));
		parse_time(json_string_value(json_object_get(a, "startsAt")),
			   &v[i].starts_sec, &v[i].starts_nsec);
		parse_time(json_string_value(json_object_get(a, "endsAt")),
			   &v[i].ends_sec, &v[i].ends_nsec);
		v[i].generator_url =
			json_string_value(json_object_get(a, "generatorURL"));
	}
	gl = labels_of(json_object_get(doc, "groupLabels"));
	nf.receiver = json_string_value(json_object_get(doc, "receiver"));
	nf.group_labels = gl;
	nf.alerts = v;
	nf.nalerts = n;
	nf.external_url =
		json_string_value(json_object_get(doc, "externalURL"));
	m.nf = &nf;
	m.group_key = json_string_value(json_object_get(doc, "groupKey"));
	webhook_payload(&out, &m, 0);
	ours = json_loads(out.s, 0, &jerr);
	cr_assert_not_null(ours, "%s: %s", jerr.text, out.s);
	got = json_dumps(ours, JSON_COMPACT | JSON_PRESERVE_ORDER);
	want = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
	json_decref(ours);
	for (i = 0; i < n; i++) {
		labels_free((struct labels *)v[i].labels);
		labels_free((struct labels *)v[i].annotations);
	}
	free(v);
	labels_free(gl);
	buf_free(&out);
	json_decref(doc);
}

Test(webhook, firing_payload_as_alertmanager)
{
	round_trip("webhook-payload.json");
}

Test(webhook, two_alerts_payload_as_alertmanager)
{
	round_trip("webhook-payload-firing-2alerts.json");
}

Test(webhook, resolved_payload_as_alertmanager)
{
	round_trip("webhook-payload-resolved.json");
}

Test(webhook, max_alerts_truncates_and_counts)
{
	struct tmpl_am_alert v[3] = {0};
	struct tmpl_am_notification nf = {0};
	struct notify_msg m = {0};
	struct buf out = {0};

	for (int i = 0; i < 3; i++) {
		v[i].status = "firing";
		v[i].ends_sec = TMPL_AM_ZERO_TIME;
	}
	nf.receiver = "team-x.pager";
	nf.alerts = v;
	nf.nalerts = 3;
	m.nf = &nf;
	m.group_key = "{}:{}";
	webhook_payload(&out, &m, 2);
	cr_assert(strstr(out.s, "\"truncatedAlerts\":1}"), "%s", out.s);
	/* Alertmanager's QuoteMeta quirk on the receiver name */
	cr_assert(strncmp(out.s, "{\"receiver\":\"team-x\\\\.pager\"", 28) == 0,
		  "%s", out.s);
	buf_free(&out);
}

Test(webhook, request_is_payload_and_newline)
{
	static const char yaml[] =
		"route:\n  receiver: r\nreceivers:\n- name: r\n"
		"  webhook_configs:\n  - url: http://127.0.0.1:9/hook\n";
	struct diags d = {0};
	struct config *c = config_load_buf("t.yml", ".", yaml,
					   sizeof yaml - 1, &d);
	struct tmpl_am_alert v = {0};
	struct tmpl_am_notification nf = {0};
	struct notify_msg m = {0};
	struct notify_req req;
	struct buf want = {0}, err = {0};

	cr_assert_not_null(c);
	v.status = "firing";
	v.ends_sec = TMPL_AM_ZERO_TIME;
	nf.receiver = "r";
	nf.alerts = &v;
	nf.nalerts = 1;
	m.nf = &nf;
	m.group_key = "{}:{}";
	cr_assert_eq(receiver_webhook.build(&c->receivers[0], 0, &m, &req,
					    &err),
		     0, "%s", buf_str(&err));
	webhook_payload(&want, &m, 0);
	buf_putc(&want, '\n');
	cr_assert_eq(req.len, want.len);
	cr_assert(memcmp(req.body, want.s, want.len) == 0, "%s", req.body);
	cr_assert_str_eq(req.url, "http://127.0.0.1:9/hook");
	cr_assert_str_eq(req.headers->data, "Content-Type: application/json");
	notify_req_free(&req);
	buf_free(&want);
	buf_free(&err);
	diags_free(&d);
	config_free(c);
}

Test(webhook, verdicts)
{
	struct buf r = {0};

	cr_assert_eq(receiver_webhook.judge(200, "", 0, &r), NOTIFY_OK);
	cr_assert_eq(receiver_webhook.judge(204, "", 0, &r), NOTIFY_OK);
	cr_assert_eq(receiver_webhook.judge(503, "", 0, &r), NOTIFY_RETRY);
	cr_assert_eq(receiver_webhook.judge(400, "", 0, &r), NOTIFY_FAIL);
	cr_assert_eq(receiver_webhook.judge(429, "", 0, &r), NOTIFY_FAIL,
		     "Alertmanager's webhook does not retry 429");
	buf_free(&r);
}
