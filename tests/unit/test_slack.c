/*
 * test_slack.c - the Slack request against the ones Alertmanager 0.25 sent
 * (same members, order and values, the same Content-Length), the optional
 * members Go's omitempty leaves out or keeps, title truncation, template
 * and secret-file failures, and the answer verdicts.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

TestSuite(slack, .init = setup);

/* A receiver "r" with the given slack_configs items (YAML, indented for
 * the list); the test frees it with config_free(). */
static struct config *load(const char *items)
{
	struct diags d = {0};
	char *yaml = xasprintf("route:\n  receiver: r\nreceivers:\n- name: r\n"
			       "  slack_configs:\n%s",
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

/* One firing alert and its group, owned by the fixture. */
struct fixture {
	struct tmpl_am_alert a;
	struct tmpl_am_notification nf;
	struct labels *gl;
	struct tmpl_set *set;
	struct notify_msg m;
};

/* The alert Prometheus posted for DemoQueueHigh (severity warning; the
 * first entry of sink.jsonl), grouped by alertname and job. */
static const char *const warning_alert =
	"{\"alertname\":\"DemoQueueHigh\",\"instance\":\"127.0.0.1:9201\","
	"\"job\":\"static-file\",\"monitor\":\"peers-loopback\","
	"\"queue\":\"orders\",\"severity\":\"warning\",\"team\":\"db\"}";
static const char *const warning_annotations =
	"{\"description\":\"Queue orders of team db has 42.0 items. LABELS = "
	"map[__name__:demo_queue_depth instance:127.0.0.1:9201 "
	"job:static-file queue:orders team:db]\","
	"\"summary\":\"Queue orders is deep (42 items)\"}";

static void fixture_init(struct fixture *f, const char *labels,
			 const char *annotations, const char *receiver)
{
	struct buf err = {0};
	json_t *l = json_loads(labels, 0, NULL);
	json_t *an = json_loads(annotations, 0, NULL);
	json_t *g = json_pack("{s:O,s:O}", "alertname",
			      json_object_get(l, "alertname"), "job",
			      json_object_get(l, "job"));

	memset(f, 0, sizeof *f);
	f->a.status = "firing";
	f->a.labels = labels_of(l);
	f->a.annotations = labels_of(an);
	f->a.starts_sec = 1795315878;
	f->a.ends_sec = TMPL_AM_ZERO_TIME;
	f->a.generator_url =
		"http://vm:9090/graph?g0.expr=demo_queue_depth+%3E+10&g0.tab=1";
	f->gl = labels_of(g);
	f->nf.receiver = receiver;
	f->nf.group_labels = f->gl;
	f->nf.alerts = &f->a;
	f->nf.nalerts = 1;
	f->nf.external_url = "http://vm:9093";
	f->set = tmpl_am_set_new("templates", NULL, 0, &err);
	cr_assert_not_null(f->set, "%s", buf_str(&err));
	f->m.nf = &f->nf;
	f->m.group_key = "{}/{}:{alertname=\"DemoQueueHigh\", "
			 "job=\"static-file\"}";
	f->m.templates = f->set;
	json_decref(l);
	json_decref(an);
	json_decref(g);
	buf_free(&err);
}

static void fixture_free(struct fixture *f)
{
	labels_free((struct labels *)f->a.labels);
	labels_free((struct labels *)f->a.annotations);
	labels_free(f->gl);
	tmpl_set_free(f->set);
}

/* The sample's configuration as far as the request tells it: channel,
 * a title and a text of its own, the rest Alertmanager's defaults. */
static const char *const sample_config =
	"  - api_url: http://127.0.0.1:9099/slack\n"
	"    channel: '#alerts'\n"
	"    title: '[{{ .Status | toUpper }}:{{ .Alerts.Firing | len }}] "
	"{{ .CommonLabels.alertname }}'\n"
	"    text: \"{{ range .Alerts }}{{ .Annotations.summary }} "
	"({{ .Labels.instance }})\\n{{ end }}\"\n";

/* Builds the request of config 0 for f; returns 0 or -1 (err set). */
static int build(const struct config *c, struct fixture *f,
		 struct notify_req *req, struct buf *err)
{
	return receiver_slack.build(&c->receivers[0], 0, &f->m, req, err);
}

/* Compares body with the captured request member for member, in order. */
static void same_as_sample(const char *body, size_t len, const char *name)
{
	json_error_t jerr;
	json_t *doc = json_load_file(sample(name), JSON_PRESERVE_ORDER, &jerr);
	json_t *ours = json_loadb(body, len, 0, &jerr);
	char *got, *want;
	long clen;

	cr_assert_not_null(doc, "%s", jerr.text);
	cr_assert_not_null(ours, "%s: %s", jerr.text, body);
	got = json_dumps(ours, JSON_COMPACT | JSON_PRESERVE_ORDER);
	want = json_dumps(json_object_get(doc, "body"),
			  JSON_COMPACT | JSON_PRESERVE_ORDER);
	cr_assert_str_eq(got, want);
	/* byte for byte, json.Encoder's newline included */
	clen = strtol(json_string_value(json_object_get(
			      json_object_get(doc, "headers"),
			      "Content-Length")),
		      NULL, 10);
	cr_assert_eq((long)len, clen, "length %zu, Alertmanager %ld", len,
		     clen);
	cr_assert_eq(body[len - 1], '\n');
	free(got);
	free(want);
	json_decref(ours);
	json_decref(doc);
}

Test(slack, request_as_alertmanager)
{
	struct config *c = load(sample_config);
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};

	fixture_init(&f, warning_alert, warning_annotations, "slack");
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	same_as_sample(req.body, req.len, "slack-request.json");
	cr_assert_str_eq(req.url, "http://127.0.0.1:9099/slack");
	cr_assert_str_eq(req.headers->data, "Content-Type: application/json");
	cr_assert_null(req.headers->next);
	cr_assert_eq(req.http, &c->receivers[0].slack[0].http);
	notify_req_free(&req);
	fixture_free(&f);
	config_free(c);
	buf_free(&err);
}

/* The same configuration for the critical DemoQueueHigh alert (the one
 * of webhook-pager-request.json), as the third Slack entry of
 * sink.jsonl has it. */
Test(slack, critical_alert_as_alertmanager)
{
	static const char *const want =
		"{\"channel\":\"#alerts\",\"username\":\"Alertmanager\","
		"\"attachments\":[{\"title\":\"[FIRING:1] DemoQueueHigh\","
		"\"title_link\":\"http://vm:9093/#/alerts?receiver=slack\","
		"\"text\":\"Queue orders is VERY deep (42 items) "
		"(127.0.0.1:9201)\\n\",\"fallback\":\"[FIRING:1] DemoQueueHigh "
		"static-file (127.0.0.1:9201 peers-loopback orders critical db)"
		" | http://vm:9093/#/alerts?receiver=slack\",\"callback_id\":"
		"\"\",\"footer\":\"\",\"color\":\"danger\",\"mrkdwn_in\":"
		"[\"fallback\",\"pretext\",\"text\"]}]}\n";
	struct config *c = load(sample_config);
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};

	fixture_init(&f,
		     "{\"alertname\":\"DemoQueueHigh\",\"instance\":"
		     "\"127.0.0.1:9201\",\"job\":\"static-file\",\"monitor\":"
		     "\"peers-loopback\",\"queue\":\"orders\",\"severity\":"
		     "\"critical\",\"team\":\"db\"}",
		     "{\"description\":\"Total depth of all queues: 57\","
		     "\"summary\":\"Queue orders is VERY deep (42 items)\"}",
		     "slack");
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(req.body, want);
	notify_req_free(&req);
	fixture_free(&f);
	config_free(c);
	buf_free(&err);
}

/* Every optional member, with Go's omitempty rules: fields keep short
 * (a *bool, always set), actions with a url lose name, value and confirm
 * (Alertmanager's unmarshaling clears them). */
Test(slack, every_member_in_go_order)
{
	static const char *const want =
		"{\"channel\":\"#c-{{x}}\",\"username\":\"u\","
		"\"icon_emoji\":\":fire:\",\"icon_url\":\"http://i/\","
		"\"link_names\":true,\"attachments\":[{\"title\":\"t\","
		"\"title_link\":\"http://l/\",\"pretext\":\"p firing\","
		"\"text\":\"\",\"fallback\":\"\",\"callback_id\":\"cb\","
		"\"fields\":[{\"title\":\"f1\",\"value\":\"v1\",\"short\":true},"
		"{\"title\":\"f2\",\"value\":\"DemoQueueHigh\",\"short\":false}],"
		"\"actions\":[{\"type\":\"button\",\"text\":\"Runbook\","
		"\"url\":\"http://rb/\",\"style\":\"danger\"},"
		"{\"type\":\"button\",\"text\":\"Ack\",\"name\":\"ack\","
		"\"value\":\"1\",\"confirm\":{\"text\":\"Sure?\","
		"\"ok_text\":\"Yes\"}}],"
		"\"image_url\":\"http://img/\",\"thumb_url\":\"http://th/\","
		"\"footer\":\"foot \\u003c\\u0026\\u003e\",\"color\":\"#ff0000\","
		"\"mrkdwn_in\":[\"text\"]}]}\n";
	struct config *c = load(
		"  - api_url: http://x/\n"
		"    channel: '#c-{{ \"{{x}}\" }}'\n"
		"    username: u\n"
		"    icon_emoji: ':fire:'\n"
		"    icon_url: http://i/\n"
		"    link_names: true\n"
		"    title: t\n"
		"    title_link: http://l/\n"
		"    pretext: 'p {{ .Status }}'\n"
		"    text: ''\n"
		"    fallback: ''\n"
		"    callback_id: cb\n"
		"    footer: 'foot <&>'\n"
		"    color: '#ff0000'\n"
		"    image_url: http://img/\n"
		"    thumb_url: http://th/\n"
		"    short_fields: true\n"
		"    mrkdwn_in: [text]\n"
		"    fields:\n"
		"    - title: f1\n"
		"      value: v1\n"
		"    - title: f2\n"
		"      value: '{{ .CommonLabels.alertname }}'\n"
		"      short: false\n"
		"    actions:\n"
		"    - type: button\n"
		"      text: Runbook\n"
		"      url: http://rb/\n"
		"      style: danger\n"
		"      name: dropped\n"
		"      confirm:\n"
		"        text: dropped too\n"
		"    - type: button\n"
		"      text: Ack\n"
		"      name: ack\n"
		"      value: '1'\n"
		"      confirm:\n"
		"        text: Sure?\n"
		"        ok_text: 'Yes'\n");
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};

	fixture_init(&f, warning_alert, warning_annotations, "r");
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(req.body, want);
	notify_req_free(&req);
	fixture_free(&f);
	config_free(c);
	buf_free(&err);
}

/* notify.Truncate: 1024 runes at most, the last three "...". */
Test(slack, title_truncated_in_runes)
{
	struct config *c = load("  - api_url: http://x/\n");
	struct fixture f;
	struct notify_req req;
	struct buf err = {0}, title = {0};
	json_t *doc;
	const char *got;

	/* 1030 runes of two bytes each */
	for (int i = 0; i < 1030; i++)
		buf_puts(&title, "\xc3\xa9");
	free(c->receivers[0].slack[0].title);
	c->receivers[0].slack[0].title = xstrdup(buf_str(&title));
	fixture_init(&f, warning_alert, warning_annotations, "r");
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	doc = json_loadb(req.body, req.len, 0, NULL);
	got = json_string_value(json_object_get(
		json_array_get(json_object_get(doc, "attachments"), 0),
		"title"));
	cr_assert_eq(strlen(got), 1021 * 2 + 3);
	cr_assert_str_eq(got + 1021 * 2, "...");
	/* 1024 runes exactly are kept */
	buf_reset(&title);
	for (int i = 0; i < 1024; i++)
		buf_puts(&title, "\xc3\xa9");
	free(c->receivers[0].slack[0].title);
	c->receivers[0].slack[0].title = xstrdup(buf_str(&title));
	notify_req_free(&req);
	json_decref(doc);
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	doc = json_loadb(req.body, req.len, 0, NULL);
	got = json_string_value(json_object_get(
		json_array_get(json_object_get(doc, "attachments"), 0),
		"title"));
	cr_assert_str_eq(got, buf_str(&title));
	json_decref(doc);
	notify_req_free(&req);
	fixture_free(&f);
	config_free(c);
	buf_free(&err);
	buf_free(&title);
}

Test(slack, template_error_fails_with_field_and_reason)
{
	struct config *c = load("  - api_url: http://x/\n"
				"    fields:\n"
				"    - title: ok\n"
				"      value: '{{ .NoSuchField }}'\n");
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};

	fixture_init(&f, warning_alert, warning_annotations, "r");
	cr_assert_eq(build(c, &f, &req, &err), -1);
	cr_assert(strncmp(buf_str(&err),
			  "failed to template Slack fields[0].value: template: ",
			  51) == 0,
		  "%s", buf_str(&err));
	cr_assert(strstr(buf_str(&err), "NoSuchField"), "%s", buf_str(&err));
	cr_assert_null(req.body);
	cr_assert_null(req.url);
	notify_req_free(&req);
	fixture_free(&f);
	config_free(c);
	buf_free(&err);
}

Test(slack, api_url_file_read_at_each_send)
{
	char path[] = "/tmp/test_slack_XXXXXX";
	int fd = mkstemp(path);
	struct config *c;
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};
	char *yaml;

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, " https://hooks.slack.com/services/T/B/x\n", 40),
		     40);
	close(fd);
	yaml = xasprintf("  - api_url_file: %s\n", path);
	c = load(yaml);
	fixture_init(&f, warning_alert, warning_annotations, "r");
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(req.url, "https://hooks.slack.com/services/T/B/x");
	notify_req_free(&req);
	unlink(path);
	cr_assert_eq(build(c, &f, &req, &err), -1);
	cr_assert(strncmp(buf_str(&err), "unable to read Slack API URL file ",
			  34) == 0,
		  "%s", buf_str(&err));
	cr_assert(strstr(buf_str(&err), "No such file or directory"), "%s",
		  buf_str(&err));
	cr_assert_null(req.body);
	notify_req_free(&req);
	fixture_free(&f);
	config_free(c);
	buf_free(&err);
	free(yaml);
}

Test(slack, post_message_with_charset)
{
	struct config *c = load("  - api_url: https://slack.com/api/"
				"chat.postMessage\n"
				"    channel: C123\n"
				"    http_config:\n"
				"      authorization:\n"
				"        credentials: xoxb-1\n");
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};

	fixture_init(&f, warning_alert, warning_annotations, "r");
	cr_assert_eq(build(c, &f, &req, &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(req.headers->data,
			 "Content-Type: application/json; charset=utf-8");
	cr_assert_not_null(req.http->authorization);
	cr_assert(strncmp(req.body, "{\"channel\":\"C123\",", 18) == 0, "%s",
		  req.body);
	notify_req_free(&req);
	fixture_free(&f);
	config_free(c);
	buf_free(&err);
}

static enum notify_verdict judge(long status, const char *body,
				 struct buf *r)
{
	buf_reset(r);
	return receiver_slack.judge(status, body, strlen(body), r);
}

Test(slack, verdicts)
{
	struct buf r = {0};

	cr_assert_eq(judge(200, "ok", &r), NOTIFY_OK);
	cr_assert_eq(judge(200, "", &r), NOTIFY_OK);
	cr_assert_eq(judge(200, "{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1\"}",
			   &r),
		     NOTIFY_OK);
	cr_assert_eq(judge(200, "{\"success\":true}", &r), NOTIFY_OK,
		     "a Slack-compatible JSON answer without ok");
	cr_assert_eq(judge(200, "{\"ok\":false,\"error\":\"channel_not_found\"}",
			   &r),
		     NOTIFY_FAIL);
	cr_assert_str_eq(buf_str(&r),
			 "error response from Slack: channel_not_found");
	cr_assert_eq(judge(200, "invalid_token", &r), NOTIFY_FAIL);
	cr_assert_str_eq(buf_str(&r),
			 "received an error response from Slack: invalid_token");
	cr_assert_eq(judge(429, "", &r), NOTIFY_RETRY);
	cr_assert_eq(judge(500, "rollup_error", &r), NOTIFY_RETRY);
	cr_assert_str_eq(buf_str(&r), "unexpected status code 500: rollup_error");
	cr_assert_eq(judge(503, "", &r), NOTIFY_RETRY);
	cr_assert_str_eq(buf_str(&r), "unexpected status code 503");
	cr_assert_eq(judge(400, "invalid_payload", &r), NOTIFY_FAIL);
	cr_assert_eq(judge(403, "action_prohibited", &r), NOTIFY_FAIL);
	cr_assert_eq(judge(404, "channel_not_found", &r), NOTIFY_FAIL);
	cr_assert_eq(judge(410, "channel_is_archived", &r), NOTIFY_FAIL);
	buf_free(&r);
}

Test(slack, integration_table)
{
	int found = 0;

	cr_assert_str_eq(receiver_slack.integration, "slack");
	for (size_t i = 0; receivers_all[i]; i++)
		found += receivers_all[i] == &receiver_slack;
	cr_assert_eq(found, 1);
}

Test(slack, send_resolved_defaults_false)
{
	struct config *c = load("  - api_url: http://x/\n"
				"  - api_url: http://y/\n"
				"    send_resolved: true\n");

	cr_assert_eq(receiver_slack.count(&c->receivers[0]), 2);
	cr_assert_eq(receiver_slack.send_resolved(&c->receivers[0], 0), 0);
	cr_assert_eq(receiver_slack.send_resolved(&c->receivers[0], 1), 1);
	config_free(c);
}
