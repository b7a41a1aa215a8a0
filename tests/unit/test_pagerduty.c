/*
 * test_pagerduty.c - the PagerDuty event against the ones Alertmanager 0.25
 * sent (each rebuilt from the webhook payload the same receiver got for the
 * same group: same members, order, values and Content-Length), the optional
 * members, v1 events, truncation, template and secret-file failures, and
 * the answer verdicts.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static void setup(void)
{
	setenv("TZ", "UTC", 1);
	unsetenv("TOCSIN_DATADIR");
}

TestSuite(pagerduty, .init = setup);

/* A receiver "pager" with the given pagerduty_configs items. */
static struct config *load(const char *items)
{
	struct diags d = {0};
	char *yaml = xasprintf("route:\n  receiver: pager\nreceivers:\n"
			       "- name: pager\n  pagerduty_configs:\n%s",
			       items);
	struct config *c = config_load_buf("t.yml", ".", yaml, strlen(yaml),
					   &d);

	for (size_t i = 0; !c && i < d.n; i++) {
		char *s = diag_format(&d.v[i]);

		cr_log_error("%s", s);
		free(s);
	}
	cr_assert_not_null(c, "configuration did not load");
	diags_free(&d);
	free(yaml);
	return c;
}

/* What the captures were sent with: a routing key, the rest defaults. */
static const char *const sample_config =
	"  - routing_key: dummy-routing-key-0123456789abcdef\n"
	"    url: http://127.0.0.1:9099/pagerduty\n";

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

	*sec = TMPL_AM_ZERO_TIME;
	*nsec = 0;
	if (strcmp(s, "0001-01-01T00:00:00Z") == 0)
		return;
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

/* A notification rebuilt from a webhook payload (which it borrows). */
struct fixture {
	struct tmpl_am_alert *v;
	size_t n;
	struct tmpl_am_notification nf;
	struct labels *gl;
	struct tmpl_set *set;
	struct notify_msg m;
};

static void fixture_init(struct fixture *f, json_t *payload)
{
	struct buf err = {0};
	json_t *alerts = json_object_get(payload, "alerts"), *a;
	size_t i;

	memset(f, 0, sizeof *f);
	f->n = json_array_size(alerts);
	f->v = calloc(f->n ? f->n : 1, sizeof *f->v);
	json_array_foreach(alerts, i, a)
	{
		struct tmpl_am_alert *x = &f->v[i];

		x->status = json_string_value(json_object_get(a, "status"));
		x->labels = labels_of(json_object_get(a, "labels"));
		x->annotations = labels_of(json_object_get(a, "annotations"));
		parse_time(json_string_value(json_object_get(a, "startsAt")),
			   &x->starts_sec, &x->starts_nsec);
		parse_time(json_string_value(json_object_get(a, "endsAt")),
			   &x->ends_sec, &x->ends_nsec);
		x->generator_url =
			json_string_value(json_object_get(a, "generatorURL"));
		x->fingerprint =
			json_string_value(json_object_get(a, "fingerprint"));
	}
	f->gl = labels_of(json_object_get(payload, "groupLabels"));
	f->nf.receiver =
		json_string_value(json_object_get(payload, "receiver"));
	f->nf.group_labels = f->gl;
	f->nf.alerts = f->v;
	f->nf.nalerts = f->n;
	f->nf.external_url =
		json_string_value(json_object_get(payload, "externalURL"));
	f->set = tmpl_am_set_new("templates", NULL, 0, &err);
	cr_assert_not_null(f->set, "%s", buf_str(&err));
	f->m.nf = &f->nf;
	f->m.group_key =
		json_string_value(json_object_get(payload, "groupKey"));
	f->m.templates = f->set;
	buf_free(&err);
}

static void fixture_free(struct fixture *f)
{
	for (size_t i = 0; i < f->n; i++) {
		labels_free((struct labels *)f->v[i].labels);
		labels_free((struct labels *)f->v[i].annotations);
	}
	free(f->v);
	labels_free(f->gl);
	tmpl_set_free(f->set);
}

static int build(const struct config *c, struct fixture *f,
		 struct notify_req *req, struct buf *err)
{
	return receiver_pagerduty.build(&c->receivers[0], 0, &f->m, req, err);
}

/* Byte length of want as Go's encoder writes it (<, >, & escaped as
 * \u003c ...) plus its newline: what Content-Length says. */
static size_t go_length(json_t *want)
{
	char *s = json_dumps(want, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n = strlen(s) + 1;

	for (const char *p = s; *p; p++)
		n += (*p == '<' || *p == '>' || *p == '&') ? 5 : 0;
	free(s);
	return n;
}

/* Builds the event for payload and compares it with want, member for
 * member and in order. */
static void same_event(const struct config *c, json_t *payload, json_t *want)
{
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};
	json_error_t jerr;
	json_t *ours;
	char *got, *exp;

	fixture_init(&f, payload);
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	ours = json_loadb(req.body, req.len, 0, &jerr);
	cr_assert_not_null(ours, "%s: %s", jerr.text, req.body);
	got = json_dumps(ours, JSON_COMPACT | JSON_PRESERVE_ORDER);
	exp = json_dumps(want, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cr_assert_str_eq(got, exp);
	cr_assert_eq(req.len, go_length(want));
	cr_assert_eq(req.body[req.len - 1], '\n');
	free(got);
	free(exp);
	json_decref(ours);
	notify_req_free(&req);
	fixture_free(&f);
	buf_free(&err);
}

Test(pagerduty, event_as_alertmanager)
{
	struct config *c = load(sample_config);
	json_error_t jerr;
	json_t *pd = json_load_file(sample("pagerduty-request.json"), 0, &jerr);
	json_t *wh = json_load_file(sample("webhook-pager-request.json"), 0,
				    &jerr);
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};

	cr_assert_not_null(pd, "%s", jerr.text);
	cr_assert_not_null(wh, "%s", jerr.text);
	same_event(c, json_object_get(wh, "body"), json_object_get(pd, "body"));
	/* Content-Length as captured (the & of the generator URL escaped) */
	cr_assert_eq(go_length(json_object_get(pd, "body")),
		     strtoul(json_string_value(json_object_get(
				     json_object_get(pd, "headers"),
				     "Content-Length")),
			     NULL, 10));
	fixture_init(&f, json_object_get(wh, "body"));
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(req.url, "http://127.0.0.1:9099/pagerduty");
	cr_assert_str_eq(req.headers->data, "Content-Type: application/json");
	cr_assert_eq(req.http, &c->receivers[0].pagerduty[0].http);
	notify_req_free(&req);
	fixture_free(&f);
	buf_free(&err);
	json_decref(pd);
	json_decref(wh);
	config_free(c);
}

/* Every PagerDuty event of sink.jsonl, each against the webhook payload
 * of the same group (found by its dedup key). */
Test(pagerduty, every_captured_event)
{
	struct config *c = load(sample_config);
	FILE *fp = fopen(sample("sink.jsonl"), "r");
	json_t *events = json_array(), *hooks = json_array(), *e, *h;
	char line[65536];
	size_t i, j, matched = 0;

	cr_assert_not_null(fp);
	while (fgets(line, sizeof line, fp)) {
		json_t *d = json_loads(line, 0, NULL);
		const char *path = json_string_value(json_object_get(d, "path"));

		if (path && strcmp(path, "/pagerduty") == 0)
			json_array_append(events, json_object_get(d, "body"));
		if (path && strcmp(path, "/webhook-pager") == 0)
			json_array_append(hooks, json_object_get(d, "body"));
		json_decref(d);
	}
	fclose(fp);
	json_array_foreach(events, i, e)
	{
		const char *dedup =
			json_string_value(json_object_get(e, "dedup_key"));

		json_array_foreach(hooks, j, h)
		{
			struct fixture f;
			struct notify_req req;
			struct buf err = {0};
			json_t *ours;
			int same;

			/* the same group, and the same alerts: compare our
			 * dedup key to find it */
			fixture_init(&f, h);
			cr_assert_eq(build(c, &f, &req, &err), 0, "%s",
				     buf_str(&err));
			ours = json_loadb(req.body, req.len, 0, NULL);
			same = strcmp(json_string_value(json_object_get(
					      ours, "dedup_key")),
				      dedup) == 0 &&
			       json_equal(json_object_get(ours, "payload"),
					  json_object_get(e, "payload"));
			json_decref(ours);
			notify_req_free(&req);
			fixture_free(&f);
			buf_free(&err);
			if (same) {
				same_event(c, h, e);
				matched++;
				break;
			}
		}
	}
	cr_log_info("%zu of %zu events matched", matched,
		    json_array_size(events));
	cr_assert_geq(matched, 8, "only %zu of %zu events rebuilt", matched,
		      json_array_size(events));
	json_decref(events);
	json_decref(hooks);
	config_free(c);
}

static json_t *payload_of(const char *status)
{
	json_error_t jerr;
	json_t *wh = json_load_file(sample("webhook-pager-request.json"), 0,
				    &jerr);
	json_t *body = json_incref(json_object_get(wh, "body"));
	json_t *a = json_array_get(json_object_get(body, "alerts"), 0);

	json_object_set_new(a, "status", json_string(status));
	if (strcmp(status, "resolved") == 0)
		json_object_set_new(a, "endsAt",
				    json_string("2026-11-22T02:55:28.392Z"));
	json_decref(wh);
	return body;
}

/* Builds config items for the webhook-pager alert with status; returns
 * the body (caller frees) or NULL with the reason in err. */
static char *event(const char *items, const char *status, struct buf *err)
{
	struct config *c = load(items);
	json_t *p = payload_of(status);
	struct fixture f;
	struct notify_req req;
	char *body = NULL;

	fixture_init(&f, p);
	if (build(c, &f, &req, err) == 0) {
		body = req.body;
		req.body = NULL;
	} else {
		cr_assert_null(req.body);
		cr_assert_null(req.url);
	}
	notify_req_free(&req);
	fixture_free(&f);
	json_decref(p);
	config_free(c);
	return body;
}

static const char *const dedup =
	"c66a375b651b249cf23ebb574d43a58d6a02c6070d9e67dde7f88acf8823fa8a";

Test(pagerduty, resolve_when_all_resolved)
{
	struct buf err = {0};
	char *body = event(sample_config, "resolved", &err);
	json_t *doc = json_loads(body, 0, NULL);
	json_t *cd = json_object_get(json_object_get(doc, "payload"),
				     "custom_details");

	cr_assert_str_eq(json_string_value(json_object_get(doc, "event_action")),
			 "resolve");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "dedup_key")),
			 dedup);
	cr_assert_str_eq(json_string_value(json_object_get(cd, "num_resolved")),
			 "1");
	cr_assert_str_eq(json_string_value(json_object_get(cd, "firing")), "");
	cr_assert(strncmp(json_string_value(json_object_get(
				  json_object_get(doc, "payload"), "summary")),
			  "[RESOLVED] DemoQueueHigh", 24) == 0);
	json_decref(doc);
	free(body);
	buf_free(&err);
}

/* Optional members in Go's order; images and links without src / href
 * are dropped; user details merged with the defaults, sorted. */
Test(pagerduty, every_member_in_go_order)
{
	static const char *const want =
		"{\"routing_key\":\"rk-pager\",\"dedup_key\":\"c66a375b651b249c"
		"f23ebb574d43a58d6a02c6070d9e67dde7f88acf8823fa8a\","
		"\"event_action\":\"trigger\",\"payload\":{\"summary\":\"s "
		"DemoQueueHigh\",\"source\":\"src\",\"severity\":\"critical\","
		"\"class\":\"cl\",\"component\":\"co\",\"group\":\"gr\","
		"\"custom_details\":{\"firing\":\"1\",\"num_firing\":\"1\","
		"\"num_resolved\":\"0\",\"resolved\":\"\",\"zone\":\"a\\u0026b\"}},"
		"\"client\":\"cli\",\"client_url\":\"http://c/\",\"images\":"
		"[{\"src\":\"http://img/\",\"alt\":\"\",\"href\":\"\"}],"
		"\"links\":[{\"href\":\"http://rb/\",\"text\":\"Runbook\"}]}\n";
	struct buf err = {0};
	char *body = event("  - routing_key: 'rk-{{ .Receiver }}'\n"
			   "    description: 's {{ .CommonLabels.alertname }}'\n"
			   "    client: cli\n"
			   "    client_url: http://c/\n"
			   "    source: src\n"
			   "    severity: '{{ .CommonLabels.severity }}'\n"
			   "    class: cl\n"
			   "    component: co\n"
			   "    group: gr\n"
			   "    details:\n"
			   "      zone: 'a&b'\n"
			   "      firing: '{{ len .Alerts.Firing }}'\n"
			   "    images:\n"
			   "    - src: http://img/\n"
			   "    - src: '{{ .CommonLabels.nope }}'\n"
			   "      alt: dropped\n"
			   "    links:\n"
			   "    - href: http://rb/\n"
			   "      text: Runbook\n"
			   "    - text: dropped\n",
			   "firing", &err);

	cr_assert_not_null(body, "%s", buf_str(&err));
	cr_assert_str_eq(body, want);
	free(body);
	buf_free(&err);
}

/* notify.Truncate(description, 1024): runes, "..." at the end. */
Test(pagerduty, summary_truncated_in_runes)
{
	struct buf err = {0}, items = {0};
	char *body;
	json_t *doc;
	const char *s;

	buf_puts(&items, "  - routing_key: k\n    description: '");
	for (int i = 0; i < 1100; i++)
		buf_puts(&items, "\xe2\x82\xac"); /* euro sign, 3 bytes */
	buf_puts(&items, "'\n");
	body = event(buf_str(&items), "firing", &err);
	cr_assert_not_null(body, "%s", buf_str(&err));
	doc = json_loads(body, 0, NULL);
	s = json_string_value(
		json_object_get(json_object_get(doc, "payload"), "summary"));
	cr_assert_eq(strlen(s), 1021 * 3 + 3);
	cr_assert_str_eq(s + 1021 * 3, "...");
	json_decref(doc);
	free(body);
	buf_free(&items);
	buf_free(&err);
}

/* Alertmanager's encodeMessage: an event over 512000 bytes loses its
 * custom details. */
Test(pagerduty, oversized_details_replaced)
{
	struct buf err = {0};
	char *body = event("  - routing_key: k\n"
			   "    details:\n"
			   "      big: '{{ printf \"%0600000d\" 0 }}'\n",
			   "firing", &err);
	json_t *doc, *want = json_pack(
		"{s:s}", "error",
		"Custom details have been removed because the original event "
		"exceeds the maximum size of 512KB");

	cr_assert_not_null(body, "%s", buf_str(&err));
	cr_assert_lt(strlen(body), 10000);
	doc = json_loads(body, 0, NULL);
	cr_assert(json_equal(json_object_get(json_object_get(doc, "payload"),
					     "custom_details"),
			     want));
	json_decref(want);
	json_decref(doc);
	free(body);
	buf_free(&err);
}

/* v1 (service_key): pagerDutyMessage's v1 members, event_action "" and
 * payload null as Go writes them, the fixed v1 endpoint. */
Test(pagerduty, v1_event)
{
	struct buf err = {0};
	char *body = event("  - service_key: sk\n"
			   "    details:\n"
			   "      firing: x\n",
			   "firing", &err);
	char *want = xasprintf(
		"{\"service_key\":\"sk\",\"incident_key\":\"%s\","
		"\"event_type\":\"trigger\",\"description\":\"[FIRING:1] "
		"DemoQueueHigh static-file (127.0.0.1:9201 peers-loopback "
		"orders critical db)\",\"event_action\":\"\",\"payload\":null,"
		"\"client\":\"Alertmanager\",\"client_url\":"
		"\"http://vm:9093/#/alerts?receiver=pager\",\"details\":"
		"{\"firing\":\"x\",\"num_firing\":\"1\",\"num_resolved\":\"0\","
		"\"resolved\":\"\"}}\n",
		dedup);

	cr_assert_not_null(body, "%s", buf_str(&err));
	cr_assert_str_eq(body, want);
	free(body);
	free(want);
	/* a resolve carries no client */
	body = event("  - service_key: sk\n", "resolved", &err);
	cr_assert_not_null(body, "%s", buf_str(&err));
	cr_assert(strstr(body, "\"event_type\":\"resolve\""), "%s", body);
	cr_assert_null(strstr(body, "\"client\""), "%s", body);
	free(body);
	buf_free(&err);
}

Test(pagerduty, v1_url)
{
	struct config *c = load("  - service_key: sk\n");
	json_t *p = payload_of("firing");
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};

	fixture_init(&f, p);
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(req.url, "https://events.pagerduty.com/generic/"
				  "2010-04-15/create_event.json");
	notify_req_free(&req);
	fixture_free(&f);
	json_decref(p);
	config_free(c);
	buf_free(&err);
}

Test(pagerduty, routing_key_file)
{
	char path[] = "/tmp/test_pagerduty_XXXXXX";
	int fd = mkstemp(path);
	struct buf err = {0};
	char *yaml, *body;

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "from-file\n", 10), 10);
	close(fd);
	yaml = xasprintf("  - routing_key_file: %s\n", path);
	body = event(yaml, "firing", &err);
	cr_assert_not_null(body, "%s", buf_str(&err));
	cr_assert(strncmp(body, "{\"routing_key\":\"from-file\",", 27) == 0,
		  "%s", body);
	free(body);
	unlink(path);
	body = event(yaml, "firing", &err);
	cr_assert_null(body);
	cr_assert(strncmp(buf_str(&err),
			  "unable to read PagerDuty routing key file /tmp/",
			  47) == 0,
		  "%s", buf_str(&err));
	cr_assert(strstr(buf_str(&err), "No such file or directory"));
	free(yaml);
	buf_free(&err);
}

Test(pagerduty, template_errors)
{
	struct buf err = {0};
	char *body;

	body = event("  - routing_key: k\n"
		     "    details:\n"
		     "      bad: '{{ .NoSuchField }}'\n",
		     "firing", &err);
	cr_assert_null(body);
	cr_assert(strncmp(buf_str(&err),
			  "\"bad\": failed to template \"{{ .NoSuchField }}\": "
			  "template: ",
			  58) == 0,
		  "%s", buf_str(&err));
	buf_reset(&err);
	body = event("  - routing_key: k\n"
		     "    client: '{{ .NoSuchField }}'\n",
		     "firing", &err);
	cr_assert_null(body);
	cr_assert(strncmp(buf_str(&err),
			  "failed to template PagerDuty v2 message: template: ",
			  51) == 0,
		  "%s", buf_str(&err));
	buf_reset(&err);
	body = event("  - routing_key: '{{ .CommonLabels.nope }}'\n", "firing",
		     &err);
	cr_assert_null(body);
	cr_assert_str_eq(buf_str(&err), "routing key cannot be empty");
	buf_free(&err);
}

/* The dedup key is SHA-256 of the group key (FIPS 180-4 vectors, one of
 * them two blocks long). */
Test(pagerduty, dedup_key_is_sha256)
{
	static const struct {
		const char *in, *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	struct config *c = load("  - routing_key: k\n");
	json_t *p = payload_of("firing");

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct fixture f;
		struct notify_req req;
		struct buf err = {0};
		json_t *doc;

		fixture_init(&f, p);
		f.m.group_key = v[i].in;
		cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
		doc = json_loads(req.body, 0, NULL);
		cr_assert_str_eq(
			json_string_value(json_object_get(doc, "dedup_key")),
			v[i].hex);
		json_decref(doc);
		notify_req_free(&req);
		fixture_free(&f);
		buf_free(&err);
	}
	json_decref(p);
	config_free(c);
}

static enum notify_verdict judge(long status, const char *body,
				 struct buf *r)
{
	buf_reset(r);
	return receiver_pagerduty.judge(status, body, strlen(body), r);
}

Test(pagerduty, verdicts)
{
	struct buf r = {0};

	cr_assert_eq(judge(202, "{\"status\":\"success\",\"message\":\"Event "
				"processed\",\"dedup_key\":\"x\"}",
			   &r),
		     NOTIFY_OK);
	cr_assert_eq(judge(200, "", &r), NOTIFY_OK);
	cr_assert_eq(judge(400, "{\"status\":\"invalid event\",\"message\":"
				"\"Event object is invalid\",\"errors\":"
				"[\"Length of 'routing_key' is incorrect\","
				"\"'payload' is missing\"]}",
			   &r),
		     NOTIFY_FAIL);
	cr_assert_str_eq(buf_str(&r),
			 "unexpected status code 400: Event object is invalid: "
			 "Length of 'routing_key' is incorrect,'payload' is "
			 "missing");
	cr_assert_eq(judge(400, "not json", &r), NOTIFY_FAIL);
	cr_assert_str_eq(buf_str(&r), "unexpected status code 400");
	cr_assert_eq(judge(429, "", &r), NOTIFY_RETRY);
	cr_assert_eq(judge(500, "", &r), NOTIFY_RETRY);
	cr_assert_eq(judge(503, "", &r), NOTIFY_RETRY);
	cr_assert_eq(judge(403, "", &r), NOTIFY_RETRY, "v1's rate limit");
	cr_assert_eq(judge(404, "", &r), NOTIFY_FAIL);
	cr_assert_str_eq(buf_str(&r), "unexpected status code 404");
	buf_free(&r);
}

Test(pagerduty, integration_table_in_alertmanager_order)
{
	size_t pd = 0, sl = 0, wh = 0;

	cr_assert_str_eq(receiver_pagerduty.integration, "pagerduty");
	for (size_t i = 0; receivers_all[i]; i++) {
		if (receivers_all[i] == &receiver_pagerduty)
			pd = i + 1;
		if (receivers_all[i] == &receiver_slack)
			sl = i + 1;
		if (receivers_all[i] == &receiver_webhook)
			wh = i + 1;
	}
	cr_assert(wh && pd && sl);
	cr_assert(wh < pd && pd < sl, "webhook, email, pagerduty, ..., slack");
}

Test(pagerduty, send_resolved_defaults_true)
{
	struct config *c = load("  - routing_key: k\n"
				"  - routing_key: k\n"
				"    send_resolved: false\n");

	cr_assert_eq(receiver_pagerduty.count(&c->receivers[0]), 2);
	cr_assert_eq(receiver_pagerduty.send_resolved(&c->receivers[0], 0), 1);
	cr_assert_eq(receiver_pagerduty.send_resolved(&c->receivers[0], 1), 0);
	config_free(c);
}
