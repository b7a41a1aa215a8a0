/*
 * test_config.c - the configuration loader: Alertmanager 0.25's defaults,
 * inheritance, fallbacks and every validation message (each message was
 * checked against amtool 0.25 check-config on the same input; the few
 * marked "Tocsin" have no amtool counterpart), plus Tocsin's sections.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"

static struct config *load(const char *yaml, struct diags *d)
{
	return config_load_buf("t.yml", "/etc/am", yaml, strlen(yaml), d);
}

static void dump_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);

		cr_log_info("%s", s);
		free(s);
	}
}

/* Loads yaml that must be valid; fails the test with the errors if not. */
static struct config *load_ok(const char *yaml, struct diags *d)
{
	struct config *c = load(yaml, d);

	if (!c)
		dump_diags(d);
	cr_assert_not_null(c, "configuration did not load");
	return c;
}

/* Returns the diagnostic of the given level whose message is msg. */
static const struct diag *find_diag(const struct diags *d,
				    enum diag_level level, const char *msg,
				    int prefix)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		if (g->level != level)
			continue;
		if (prefix ? strncmp(g->msg, msg, strlen(msg)) == 0
			   : strcmp(g->msg, msg) == 0)
			return g;
	}
	return NULL;
}

#define RECV_A "route:\n  receiver: a\nreceivers:\n- name: a\n"

/* ------------------------------------------------------ every message */

struct ecase {
	const char *name;
	const char *yaml;
	const char *msg;	/* amtool 0.25's words unless noted in cases.txt */
	int line, col;
	int prefix;		/* msg is a prefix (regexp engine wording) */
};

/* Each case: its YAML, the error it must raise and where. */
static const struct ecase cases[] = {
	{"empty_file",
	 "",
	 "no route provided in config", 1, 1, 0},
	{"no_route",
	 "receivers:\n"
	 "- name: a\n",
	 "no routes provided", 1, 1, 0},
	{"null_route",
	 "route:\n"
	 "receivers:\n"
	 "- name: a\n",
	 "no routes provided", 1, 1, 0},
	{"root_receiver",
	 "route:\n"
	 "  group_by: [a]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "root route must specify a default receiver", 2, 3, 0},
	{"root_matchers",
	 "route:\n"
	 "  receiver: a\n"
	 "  match:\n"
	 "    a: b\n"
	 "receivers:\n"
	 "- name: a\n",
	 "root route must not have any matchers", 3, 3, 0},
	{"root_matchers_new",
	 "route:\n"
	 "  receiver: a\n"
	 "  matchers: [a=b]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "root route must not have any matchers", 3, 3, 0},
	{"root_mute",
	 "route:\n"
	 "  receiver: a\n"
	 "  mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n",
	 "root route must not have any mute time intervals", 3, 3, 0},
	{"root_active",
	 "route:\n"
	 "  receiver: a\n"
	 "  active_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n",
	 "root route must not have any active time intervals", 3, 3, 0},
	{"root_continue",
	 "route:\n"
	 "  receiver: a\n"
	 "  continue: true\n"
	 "receivers:\n"
	 "- name: a\n",
	 "cannot have continue in root route", 3, 3, 0},
	{"undefined_receiver",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - receiver: b\n"
	 "receivers:\n"
	 "- name: a\n",
	 "undefined receiver \"b\" used in route", 4, 15, 0},
	{"group_by_invalid",
	 "route:\n"
	 "  receiver: a\n"
	 "  group_by: [x, a-b]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "invalid label name \"a-b\" in group_by list", 3, 17, 0},
	{"group_by_dup",
	 "route:\n"
	 "  receiver: a\n"
	 "  group_by:\n"
	 "  - x\n"
	 "  - x\n"
	 "receivers:\n"
	 "- name: a\n",
	 "duplicated label \"x\" in group_by", 5, 5, 0},
	{"group_by_wildcard",
	 "route:\n"
	 "  receiver: a\n"
	 "  group_by: ['...', x]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "cannot have wildcard group_by (`...`) and other other labels at the same time", 3, 13, 0},
	{"group_interval_zero",
	 "route:\n"
	 "  receiver: a\n"
	 "  group_interval: 0s\n"
	 "receivers:\n"
	 "- name: a\n",
	 "group_interval cannot be zero", 3, 19, 0},
	{"repeat_interval_zero",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - repeat_interval: 0\n"
	 "receivers:\n"
	 "- name: a\n",
	 "repeat_interval cannot be zero", 4, 22, 0},
	{"bad_duration",
	 "route:\n"
	 "  receiver: a\n"
	 "  group_wait: 1x\n"
	 "receivers:\n"
	 "- name: a\n",
	 "group_wait: not a valid duration string: \"1x\"", 3, 15, 0},
	{"match_name",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - match:\n"
	 "      a-b: c\n"
	 "receivers:\n"
	 "- name: a\n",
	 "invalid label name \"a-b\"", 5, 7, 0},
	{"match_re_name",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - match_re:\n"
	 "      a-b: c\n"
	 "receivers:\n"
	 "- name: a\n",
	 "invalid label name \"a-b\"", 5, 7, 0},
	{"match_re_null",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - match_re:\n"
	 "      a:\n"
	 "receivers:\n"
	 "- name: a\n",
	 "invalid regexp value for \"a\"", 5, 7, 0},
	{"match_re_bad",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - match_re:\n"
	 "      a: ((\n"
	 "receivers:\n"
	 "- name: a\n",
	 "error parsing regexp: ", 5, 10, 1},
	{"matchers_bad",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - matchers: [a]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "bad matcher format: a", 4, 16, 0},
	{"matchers_regex",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - matchers: ['a=~\"((\"']\n"
	 "receivers:\n"
	 "- name: a\n",
	 "error parsing regexp: ", 4, 16, 1},
	{"undefined_mute",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [x]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "undefined time interval \"x\" used in route", 4, 27, 0},
	{"undefined_active",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - active_time_intervals: [y]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "undefined time interval \"y\" used in route", 4, 29, 0},
	{"receiver_no_name",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "- email_configs: []\n",
	 "missing name in receiver", 5, 3, 0},
	{"receiver_dup",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "- name: a\n",
	 "notification config name \"a\" is not unique", 5, 9, 0},
	{"webhook_no_url",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - send_resolved: false\n",
	 "missing URL in webhook config", 6, 5, 0},
	{"webhook_url_and_file",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: http://x/\n"
	 "    url_file: /u\n",
	 "at most one of url & url_file must be configured", 6, 5, 0},
	{"url_scheme",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: ftp://x/\n",
	 "unsupported scheme \"ftp\" for URL", 6, 10, 0},
	{"url_host",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: 'http:/x'\n",
	 "missing host for URL", 6, 10, 0},
	{"url_port",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: 'http://x:abc'\n",
	 "parse \"http://x:abc\": invalid port \":abc\" after host", 6, 10, 0},
	{"url_escape",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: 'http://x/%zz'\n",
	 "parse \"http://x/%zz\": invalid URL escape \"%zz\"", 6, 10, 0},
	{"url_hostchar",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: 'http://a b/'\n",
	 "parse \"http://a b/\": invalid character \" \" in host name", 6, 10, 0},
	{"url_noscheme",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: ':x'\n",
	 "parse \":x\": missing protocol scheme", 6, 10, 0},
	{"max_alerts",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: http://x/\n"
	 "    max_alerts: -1\n",
	 "max_alerts: cannot parse \"-1\" as a non-negative integer", 7, 17, 0},
	{"slack_no_url",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  slack_configs:\n"
	 "  - channel: c\n",
	 "no global Slack API URL set either inline or in a file", 6, 5, 0},
	{"slack_both",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  slack_configs:\n"
	 "  - api_url: http://x/\n"
	 "    api_url_file: /f\n",
	 "at most one of api_url & api_url_file must be configured", 6, 5, 0},
	{"global_slack_both",
	 "global:\n"
	 "  slack_api_url: http://x/\n"
	 "  slack_api_url_file: /f\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "at most one of slack_api_url & slack_api_url_file must be configured", 2, 3, 0},
	{"slack_action_type",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  slack_configs:\n"
	 "  - api_url: http://x/\n"
	 "    actions:\n"
	 "    - text: t\n"
	 "      url: http://y/\n",
	 "missing type in Slack action configuration", 8, 7, 0},
	{"slack_action_text",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  slack_configs:\n"
	 "  - api_url: http://x/\n"
	 "    actions:\n"
	 "    - type: button\n"
	 "      url: http://y/\n",
	 "missing text in Slack action configuration", 8, 7, 0},
	{"slack_action_name",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  slack_configs:\n"
	 "  - api_url: http://x/\n"
	 "    actions:\n"
	 "    - type: button\n"
	 "      text: t\n",
	 "missing name or url in Slack action configuration", 8, 7, 0},
	{"slack_confirm",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  slack_configs:\n"
	 "  - api_url: http://x/\n"
	 "    actions:\n"
	 "    - type: button\n"
	 "      text: t\n"
	 "      name: n\n"
	 "      confirm:\n"
	 "        title: x\n",
	 "missing text in Slack confirmation configuration", 12, 9, 0},
	{"slack_field_title",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  slack_configs:\n"
	 "  - api_url: http://x/\n"
	 "    fields:\n"
	 "    - value: v\n",
	 "missing title in Slack field configuration", 8, 7, 0},
	{"slack_field_value",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  slack_configs:\n"
	 "  - api_url: http://x/\n"
	 "    fields:\n"
	 "    - title: t\n",
	 "missing value in Slack field configuration", 8, 7, 0},
	{"email_to",
	 "global:\n"
	 "  smtp_smarthost: h:25\n"
	 "  smtp_from: f@x\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  email_configs:\n"
	 "  - from: y@x\n",
	 "missing to address in email config", 9, 5, 0},
	{"email_from",
	 "global:\n"
	 "  smtp_smarthost: h:25\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  email_configs:\n"
	 "  - to: t@x\n",
	 "no global SMTP from set", 8, 5, 0},
	{"email_smarthost",
	 "global:\n"
	 "  smtp_from: f@x\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  email_configs:\n"
	 "  - to: t@x\n",
	 "no global SMTP smarthost set", 8, 5, 0},
	{"smarthost_port_empty",
	 "global:\n"
	 "  smtp_smarthost: 'h:'\n"
	 "  smtp_from: f@x\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "address \"h:\": port cannot be empty", 2, 19, 0},
	{"smarthost_no_port",
	 "global:\n"
	 "  smtp_from: f@x\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  email_configs:\n"
	 "  - to: t@x\n"
	 "    smarthost: h\n",
	 "address h: missing port in address", 9, 16, 0},
	{"smarthost_colons",
	 "global:\n"
	 "  smtp_smarthost: 'h:1:2'\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "address h:1:2: too many colons in address", 2, 19, 0},
	{"smtp_password_both",
	 "global:\n"
	 "  smtp_auth_password: p\n"
	 "  smtp_auth_password_file: /f\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "at most one of smtp_auth_password & smtp_auth_password_file must be configured", 2, 3, 0},
	{"email_header_dup",
	 "global:\n"
	 "  smtp_smarthost: h:25\n"
	 "  smtp_from: f@x\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  email_configs:\n"
	 "  - to: t@x\n"
	 "    headers:\n"
	 "      subject: a\n"
	 "      SUBJECT: b\n",
	 "duplicate header \"Subject\" in email config", 12, 7, 0},
	{"pd_no_key",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  pagerduty_configs:\n"
	 "  - severity: x\n",
	 "missing service or routing key in PagerDuty config", 6, 5, 0},
	{"pd_routing_both",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  pagerduty_configs:\n"
	 "  - routing_key: k\n"
	 "    routing_key_file: /f\n",
	 "at most one of routing_key & routing_key_file must be configured", 6, 5, 0},
	{"pd_service_both",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  pagerduty_configs:\n"
	 "  - service_key: k\n"
	 "    service_key_file: /f\n",
	 "at most one of service_key & service_key_file must be configured", 6, 5, 0},
	{"pd_no_url",
	 "global:\n"
	 "  pagerduty_url:\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  pagerduty_configs:\n"
	 "  - routing_key: k\n",
	 "no global PagerDuty URL set", 8, 5, 0},
	{"http_bearer_both",
	 "global:\n"
	 "  http_config:\n"
	 "    bearer_token: t\n"
	 "    bearer_token_file: /f\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "at most one of bearer_token & bearer_token_file must be configured", 3, 5, 0},
	{"http_basic_bearer",
	 "global:\n"
	 "  http_config:\n"
	 "    bearer_token: t\n"
	 "    basic_auth:\n"
	 "      username: u\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured", 3, 5, 0},
	{"http_basic_password",
	 "global:\n"
	 "  http_config:\n"
	 "    basic_auth:\n"
	 "      password: p\n"
	 "      password_file: /f\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "at most one of basic_auth password & password_file must be configured", 4, 7, 0},
	{"http_auth_bearer",
	 "global:\n"
	 "  http_config:\n"
	 "    bearer_token: t\n"
	 "    authorization:\n"
	 "      credentials: c\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "authorization is not compatible with bearer_token & bearer_token_file", 3, 5, 0},
	{"http_auth_creds",
	 "global:\n"
	 "  http_config:\n"
	 "    authorization:\n"
	 "      credentials: c\n"
	 "      credentials_file: /f\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "at most one of authorization credentials & credentials_file must be configured", 4, 7, 0},
	{"http_auth_basic_type",
	 "global:\n"
	 "  http_config:\n"
	 "    authorization:\n"
	 "      type: Basic\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "authorization type cannot be set to \"basic\", use \"basic_auth\" instead", 4, 7, 0},
	{"http_auth_and_basic",
	 "global:\n"
	 "  http_config:\n"
	 "    authorization: {}\n"
	 "    basic_auth: {}\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "at most one of basic_auth, oauth2 & authorization must be configured", 3, 5, 0},
	{"oauth2_client_id",
	 "global:\n"
	 "  http_config:\n"
	 "    oauth2:\n"
	 "      token_url: http://t/\n"
	 "      client_secret: s\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "oauth2 client_id must be configured", 4, 7, 0},
	{"oauth2_secret",
	 "global:\n"
	 "  http_config:\n"
	 "    oauth2:\n"
	 "      client_id: i\n"
	 "      token_url: http://t/\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "either oauth2 client_secret or client_secret_file must be configured", 4, 7, 0},
	{"oauth2_token_url",
	 "global:\n"
	 "  http_config:\n"
	 "    oauth2:\n"
	 "      client_id: i\n"
	 "      client_secret: s\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "oauth2 token_url must be configured", 4, 7, 0},
	{"oauth2_secret_both",
	 "global:\n"
	 "  http_config:\n"
	 "    oauth2:\n"
	 "      client_id: i\n"
	 "      client_secret: s\n"
	 "      client_secret_file: /f\n"
	 "      token_url: http://t/\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "at most one of oauth2 client_secret & client_secret_file must be configured", 4, 7, 0},
	{"tls_version",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: http://x/\n"
	 "    http_config:\n"
	 "      tls_config:\n"
	 "        min_version: TLS14\n",
	 "unknown TLS version: TLS14", 9, 22, 0},
	{"proxy_header",
	 "global:\n"
	 "  http_config:\n"
	 "    proxy_connect_header:\n"
	 "      X-A: [b]\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "if proxy_connect_header is configured proxy_url must also be configured", 4, 7, 0},
	{"ti_both_times",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - times:\n"
	 "    - start_time: '09:00'\n",
	 "both start and end times must be provided", 11, 7, 0},
	{"ti_start_end",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - times:\n"
	 "    - start_time: '10:00'\n"
	 "      end_time: '09:00'\n",
	 "start time cannot be equal or greater than end time", 11, 7, 0},
	{"ti_timestamp",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - times:\n"
	 "    - start_time: '9:00'\n"
	 "      end_time: '10:00'\n",
	 "couldn't parse timestamp 9:00, invalid format", 11, 19, 0},
	{"ti_weekday",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - weekdays: [Mon]\n",
	 "mon is not a valid weekday", 10, 16, 0},
	{"ti_weekday_order",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - weekdays: ['friday:monday']\n",
	 "start day cannot be before end day", 10, 16, 0},
	{"ti_range_format",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - weekdays: ['a:b:c']\n",
	 "couldn't parse range a:b:c, invalid format", 10, 16, 0},
	{"ti_dom_range",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - days_of_month: ['0']\n",
	 "0 is not a valid day of the month: out of range", 10, 21, 0},
	{"ti_dom_negative",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - days_of_month: ['-3:5']\n",
	 "end day must be negative if start day is negative", 10, 21, 0},
	{"ti_dom_order",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - days_of_month: ['5:-30']\n",
	 "end day -30 is always before start day 5", 10, 21, 0},
	{"ti_dom_atoi",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - days_of_month: ['x']\n",
	 "strconv.Atoi: parsing \"x\": invalid syntax", 10, 21, 0},
	{"ti_month",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - months: ['jan']\n",
	 "jan is not a valid month", 10, 14, 0},
	{"ti_month_order",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - months: ['december:january']\n",
	 "end month january is before start month december", 10, 14, 0},
	{"ti_year_order",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - years: ['2022:2020']\n",
	 "end year 2020 is before start year 2022", 10, 13, 0},
	{"ti_location",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - location: Mars/Base\n",
	 "unknown time zone Mars/Base", 10, 15, 0},
	{"ti_location_name",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - location: ../etc/passwd\n",
	 "time: invalid location name", 10, 15, 0},
	{"ti_no_name",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- time_intervals: []\n",
	 "missing name in time interval", 6, 3, 0},
	{"mti_no_name",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "mute_time_intervals:\n"
	 "- time_intervals: []\n",
	 "missing name in mute time interval", 6, 3, 0},
	{"ti_dup",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "mute_time_intervals:\n"
	 "- name: t\n"
	 "time_intervals:\n"
	 "- name: t\n",
	 "time interval \"t\" is not unique", 8, 9, 0},
	{"mti_dup",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "mute_time_intervals:\n"
	 "- name: t\n"
	 "- name: t\n",
	 "mute time interval \"t\" is not unique", 7, 9, 0},
	{"inhibit_equal",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "inhibit_rules:\n"
	 "- equal: [a, a-b]\n",
	 "\"a-b\" is not a valid label name", 6, 14, 0},
	{"inhibit_match",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "inhibit_rules:\n"
	 "- target_match:\n"
	 "    a-b: c\n",
	 "invalid label name \"a-b\"", 7, 5, 0},
	{"inhibit_re_null",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "inhibit_rules:\n"
	 "- source_match_re:\n"
	 "    a: ~\n",
	 "invalid regexp value for \"a\"", 7, 5, 0},
	{"inhibit_matchers",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "inhibit_rules:\n"
	 "- source_matchers: [x]\n",
	 "bad matcher format: x", 6, 21, 0},
	{"template_pattern",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "templates:\n"
	 "- '[x'\n",
	 "syntax error in pattern", 6, 3, 0},
	{"unknown_key",
	 "route:\n"
	 "  recevier: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "unknown key \"recevier\" in route (did you mean \"receiver\"?)", 2, 3, 0},
	{"unknown_top",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "tracing: {}\n",
	 "unknown key \"tracing\" in configuration", 5, 1, 0},
	{"unsupported_integration",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  opsgenie_configs:\n"
	 "  - api_key: k\n",
	 "receiver \"a\": opsgenie_configs is not supported by Tocsin (supported: email_configs, pagerduty_configs, slack_configs, webhook_configs)", 5, 3, 0},
	{"unsupported_global",
	 "global:\n"
	 "  victorops_api_key: k\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "global: victorops_api_key is not supported by Tocsin (victorops_configs are not supported)", 2, 3, 0},
	{"yaml_syntax",
	 "route: [\n",
	 "yaml: ", 2, 1, 1},
	{"datasource_url",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "datasource:\n"
	 "  timeout: 5s\n",
	 "datasource: missing url", 6, 3, 0},
	{"datasource_scheme",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "datasource:\n"
	 "  url: ftp://p/\n",
	 "unsupported scheme \"ftp\" for URL", 6, 8, 0},
	{"rule_files_need_ds",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "rule_files: [a.yml]\n",
	 "rule_files needs a datasource: add a datasource section with a url", 5, 1, 0},
	{"eval_interval",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "evaluation:\n"
	 "  interval: 0s\n",
	 "evaluation interval must be greater than zero", 6, 13, 0},
	{"group_concurrency_zero",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "evaluation:\n"
	 "  group_concurrency: 0\n",
	 "group_concurrency: cannot parse \"0\" as a number of queries from 1 "
	 "to 64", 6, 22, 0},
	{"group_concurrency_big",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "evaluation:\n"
	 "  group_concurrency: 65\n",
	 "group_concurrency: cannot parse \"65\" as a number of queries from "
	 "1 to 64", 6, 22, 0},
	{"group_concurrency_text",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "evaluation:\n"
	 "  group_concurrency: 4x\n",
	 "group_concurrency: cannot parse \"4x\" as a number of queries from "
	 "1 to 64", 6, 22, 0},
	{"external_label",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "evaluation:\n"
	 "  external_labels:\n"
	 "    a-b: x\n",
	 "\"a-b\" is not a valid label name", 7, 5, 0},
	{"am_url",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "alerting:\n"
	 "  alertmanagers:\n"
	 "  - timeout: 5s\n",
	 "alertmanager: missing url", 7, 5, 0},
	{"am_not_map",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "alerting:\n"
	 "  alertmanagers: [x]\n",
	 "alertmanager: expected a mapping", 6, 19, 0},
	{"ds_basic_and_auth",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "datasource:\n"
	 "  url: http://p/\n"
	 "  basic_auth: {username: u}\n"
	 "  authorization: {credentials: c}\n",
	 "at most one of basic_auth & authorization must be configured", 6, 3, 0},
	{"group_by_item_seq",
	 "route:\n"
	 "  receiver: a\n"
	 "  group_by: [[a]]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "group_by: expected a string", 3, 14, 0},
	{"email_header_value",
	 "global:\n"
	 "  smtp_smarthost: h:25\n"
	 "  smtp_from: f@x\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  email_configs:\n"
	 "  - to: t@x\n"
	 "    headers:\n"
	 "      X-A: [b]\n",
	 "headers: value of \"X-A\" must be a string", 11, 12, 0},
	{"null_integration",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  email_configs:\n"
	 "  -\n",
	 "missing email_config", 6, 4, 0},
	{"proxy_header_value",
	 "global:\n"
	 "  http_config:\n"
	 "    proxy_url: http://p/\n"
	 "    proxy_connect_header:\n"
	 "      X-A: b\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "proxy_connect_header: value of \"X-A\" must be a list of strings", 5, 12, 0},
	{"proxy_header_item",
	 "global:\n"
	 "  http_config:\n"
	 "    proxy_url: http://p/\n"
	 "    proxy_connect_header:\n"
	 "      X-A: [[b]]\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "proxy_connect_header: expected a string", 5, 13, 0},
	{"null_child_route",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  -\n"
	 "receivers:\n"
	 "- name: a\n",
	 "route: expected a mapping, got null", 4, 4, 0},
	{"match_value_seq",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - match:\n"
	 "      a: [b]\n"
	 "receivers:\n"
	 "- name: a\n",
	 "value of \"a\" must be a string", 5, 10, 0},
	{"ti_year_range",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - years: ['99999999999999999999']\n",
	 "strconv.Atoi: parsing \"99999999999999999999\": value out of range", 10, 13, 0},
	{"url_colon",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: '1a:b'\n",
	 "parse \"1a:b\": first path segment in URL cannot contain colon", 6, 10, 0},
	{"ti_location_file",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - location: zone.tab\n",
	 "malformed time zone information", 10, 15, 0},
	{"ti_location_dir",
	 "route:\n"
	 "  receiver: a\n"
	 "  routes:\n"
	 "  - mute_time_intervals: [t]\n"
	 "receivers:\n"
	 "- name: a\n"
	 "time_intervals:\n"
	 "- name: t\n"
	 "  time_intervals:\n"
	 "  - location: Europe\n",
	 "is a directory", 10, 15, 0},
	{"url_bracket",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: 'http://[::1'\n",
	 "parse \"http://[::1\": missing ']' in host", 6, 10, 0},
	{"url_control",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: \"http://x/\\u0001\"\n",
	 "parse \"http://x/\\x01\": net/url: invalid control character in URL", 6, 10, 0},
	{"url_userinfo",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: 'http://u p@x/'\n",
	 "parse \"http://u p@x/\": net/url: invalid userinfo", 6, 10, 0},
	{"url_host_escape",
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n"
	 "  webhook_configs:\n"
	 "  - url: 'http://%41/'\n",
	 "parse \"http://%41/\": invalid URL escape \"%41\"", 6, 10, 0},
	{"smarthost_bracket",
	 "global:\n"
	 "  smtp_smarthost: '[::1:25'\n"
	 "route:\n"
	 "  receiver: a\n"
	 "receivers:\n"
	 "- name: a\n",
	 "address [::1:25: missing ']' in address", 2, 19, 0},
};

/* Criterion passes parameters to a re-executed child, so the parameter is
 * an index into cases[] rather than pointers. */
ParameterizedTestParameters(config, errors)
{
	static size_t idx[ARRAY_LEN(cases)];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, ARRAY_LEN(cases));
}

ParameterizedTest(size_t *i, config, errors)
{
	const struct ecase *ec = &cases[*i];
	struct diags d = {0};
	struct config *c = load(ec->yaml, &d);
	const struct diag *g = find_diag(&d, DIAG_ERROR, ec->msg, ec->prefix);

	if (!g || c)
		dump_diags(&d);
	cr_assert_null(c, "%s: loaded", ec->name);
	cr_assert_not_null(g, "%s: no error \"%s\"", ec->name, ec->msg);
	cr_assert_str_eq(g->file, "t.yml");
	cr_assert_eq(g->line, ec->line, "%s: line %d, want %d", ec->name,
		     g->line, ec->line);
	cr_assert_eq(g->col, ec->col, "%s: col %d, want %d", ec->name, g->col,
		     ec->col);
	config_free(c);
	diags_free(&d);
}

/* ------------------------------------------------------------ defaults */

Test(config, global_defaults)
{
	struct diags d = {0};
	struct config *c = load_ok(RECV_A, &d);
	const struct config_global *g = &c->global;

	cr_assert_eq(g->resolve_timeout_ms, 5 * 60 * 1000);
	cr_assert_str_eq(g->smtp_hello, "localhost");
	cr_assert_eq(g->smtp_require_tls, 1);
	cr_assert_str_eq(g->smtp_from, "");
	cr_assert_str_eq(g->pagerduty_url, "https://events.pagerduty.com/v2/enqueue");
	cr_assert_str_eq(g->slack_api_url, "");
	cr_assert_eq(g->http.follow_redirects, 1);
	cr_assert_eq(g->http.enable_http2, 1);
	cr_assert_null(g->http.basic_auth);
	cr_assert_null(g->http.authorization);
	cr_assert_eq(d.n, 0);
	config_free(c);
	diags_free(&d);
}

Test(config, empty_global_restores_defaults)
{
	struct diags d = {0};
	struct config *c = load_ok("global:\n" RECV_A, &d);

	cr_assert_eq(c->global.resolve_timeout_ms, 5 * 60 * 1000);
	cr_assert_str_eq(c->global.smtp_hello, "localhost");
	config_free(c);
	diags_free(&d);
}

Test(config, route_defaults)
{
	struct diags d = {0};
	struct config *c = load_ok(RECV_A, &d);
	const struct route *r = c->route;

	cr_assert_eq(r->group_wait_ms, 30 * 1000);
	cr_assert_eq(r->group_interval_ms, 5 * 60 * 1000);
	cr_assert_eq(r->repeat_interval_ms, 4 * 60 * 60 * 1000);
	cr_assert_eq(r->ngroup_by, 0);
	cr_assert_eq(r->group_by_all, 0);
	cr_assert_eq(r->cont, 0);
	cr_assert_eq(r->matchers.n, 0);
	cr_assert_null(r->parent);
	cr_assert_eq(r->recv, &c->receivers[0]);
	config_free(c);
	diags_free(&d);
}

Test(config, tocsin_defaults)
{
	struct diags d = {0};
	struct config *c = load_ok(RECV_A, &d);

	cr_assert_str_eq(c->datasource.url, "");
	cr_assert_eq(c->datasource.timeout_ms, 30 * 1000);
	cr_assert_eq(c->nrule_files, 0);
	cr_assert_eq(c->evaluation.interval_ms, 60 * 1000);
	cr_assert_eq(c->evaluation.query_offset_ms, 0);
	cr_assert_eq(c->evaluation.resend_delay_ms, 60 * 1000);
	cr_assert_eq(c->evaluation.for_outage_tolerance_ms, 60 * 60 * 1000);
	cr_assert_eq(c->evaluation.for_grace_period_ms, 10 * 60 * 1000);
	cr_assert_eq(c->evaluation.group_concurrency, 1);
	cr_assert_eq(c->evaluation.external_labels->n, 0);
	cr_assert_eq(c->nalertmanagers, 0);
	cr_assert_str_eq(c->storage_path, "/etc/am/data/tocsin.db");
	config_free(c);
	diags_free(&d);
}

Test(config, tocsin_sections)
{
	struct diags d = {0};
	struct config *c = load_ok(
		RECV_A
		"datasource:\n"
		"  url: http://127.0.0.1:9090\n"
		"  timeout: 10s\n"
		"  basic_auth: {username: u, password_file: pw}\n"
		"  headers: {X-Scope-OrgID: team-a}\n"
		"  tls_config: {ca_file: ca.pem, insecure_skip_verify: true}\n"
		"rule_files: ['rules/*.yml', /abs/r.yml]\n"
		"evaluation:\n"
		"  interval: 30s\n"
		"  query_offset: 1m\n"
		"  group_concurrency: 8\n"
		"  external_labels: {cluster: prod}\n"
		"  external_url: https://tocsin.example.com\n"
		"alerting:\n"
		"  alertmanagers: [{url: 'http://127.0.0.1:9093'}]\n"
		"storage:\n"
		"  path: /var/lib/tocsin/t.db\n",
		&d);

	cr_assert_str_eq(c->datasource.url, "http://127.0.0.1:9090");
	cr_assert_eq(c->datasource.timeout_ms, 10 * 1000);
	cr_assert_str_eq(c->datasource.http.basic_auth->password_file,
			 "/etc/am/pw");
	cr_assert_str_eq(c->datasource.headers[0].name, "X-Scope-OrgID");
	cr_assert_str_eq(c->datasource.http.tls.ca_file, "/etc/am/ca.pem");
	cr_assert_eq(c->datasource.http.tls.insecure_skip_verify, 1);
	cr_assert_eq(c->nrule_files, 2);
	cr_assert_str_eq(c->rule_files[0], "/etc/am/rules/*.yml");
	cr_assert_str_eq(c->rule_files[1], "/abs/r.yml");
	cr_assert_eq(c->evaluation.interval_ms, 30 * 1000);
	cr_assert_eq(c->evaluation.query_offset_ms, 60 * 1000);
	cr_assert_eq(c->evaluation.group_concurrency, 8);
	cr_assert_str_eq(labels_get(c->evaluation.external_labels, "cluster"), "prod");
	cr_assert_str_eq(c->evaluation.external_url, "https://tocsin.example.com");
	cr_assert_eq(c->nalertmanagers, 1);
	cr_assert_eq(c->alertmanagers[0].timeout_ms, 10 * 1000);
	cr_assert_str_eq(c->storage_path, "/var/lib/tocsin/t.db");
	config_free(c);
	diags_free(&d);
}

/* --------------------------------------------------------- inheritance */

static const char tree[] =
	"route:\n"
	"  receiver: a\n"
	"  group_by: [x, y]\n"
	"  group_wait: 10s\n"
	"  group_interval: 1m\n"
	"  repeat_interval: 2h\n"
	"  routes:\n"
	"  - receiver: b\n"				/* routes[0] */
	"    mute_time_intervals: [night]\n"
	"    active_time_intervals: [day]\n"
	"    routes:\n"
	"    - group_wait: 1s\n"			/* routes[0].routes[0] */
	"  - group_by: []\n"				/* routes[1]: the quirk */
	"    routes:\n"
	"    - group_by: ['...']\n"			/* routes[1].routes[0] */
	"      routes:\n"
	"      - group_by: [z]\n"			/* ...routes[0].routes[0] */
	"        continue: true\n"
	"receivers:\n"
	"- name: a\n"
	"- name: b\n"
	"time_intervals:\n"
	"- name: night\n"
	"- name: day\n";

Test(config, inheritance)
{
	struct diags d = {0};
	struct config *c = load_ok(tree, &d);
	const struct route *b = &c->route->routes[0];
	const struct route *bb = &b->routes[0];

	cr_assert_eq(c->route->nroutes, 2);
	cr_assert_str_eq(b->receiver, "b");
	cr_assert_eq(b->recv, &c->receivers[1]);
	cr_assert_eq(b->ngroup_by, 2);
	cr_assert_str_eq(b->group_by[1], "y");
	cr_assert_eq(b->group_wait_ms, 10 * 1000);
	cr_assert_eq(b->group_interval_ms, 60 * 1000);
	cr_assert_eq(b->repeat_interval_ms, 2 * 60 * 60 * 1000);
	cr_assert_eq(b->nmute_time_intervals, 1);
	cr_assert_eq(b->nactive_time_intervals, 1);
	/* The grandchild inherits the receiver and timers it does not set,
	 * but never the time intervals. */
	cr_assert_str_eq(bb->receiver, "b");
	cr_assert_eq(bb->recv, &c->receivers[1]);
	cr_assert_eq(bb->group_wait_ms, 1000);
	cr_assert_eq(bb->group_interval_ms, 60 * 1000);
	cr_assert_eq(bb->nmute_time_intervals, 0);
	cr_assert_eq(bb->nactive_time_intervals, 0);
	cr_assert_eq(bb->parent, b);
	cr_assert_eq(b->parent, c->route);
	config_free(c);
	diags_free(&d);
}

Test(config, empty_group_by_does_not_override)
{
	struct diags d = {0};
	struct config *c = load_ok(tree, &d);
	const struct route *q = &c->route->routes[1];
	const struct route *all = &q->routes[0];
	const struct route *z = &all->routes[0];

	/* Alertmanager <= 0.30: `group_by: []` keeps the parent's list. */
	cr_assert_eq(q->ngroup_by, 2);
	cr_assert_str_eq(q->group_by[0], "x");
	cr_assert_eq(q->group_by_all, 0);
	cr_assert_str_eq(q->receiver, "a");
	cr_assert_eq(all->group_by_all, 1);
	cr_assert_eq(z->group_by_all, 0);
	cr_assert_eq(z->ngroup_by, 1);
	cr_assert_str_eq(z->group_by[0], "z");
	cr_assert_eq(z->cont, 1);
	config_free(c);
	diags_free(&d);
}

static char *fmt_matchers(const struct matchers *ms)
{
	struct buf b = {0};

	matchers_format(ms, &b);
	return buf_take(&b);
}

Test(config, matchers_merged_and_sorted)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"route:\n"
		"  receiver: a\n"
		"  routes:\n"
		"  - match: {b: '2', a: '1'}\n"
		"    match_re: {c: 'x.*'}\n"
		"    matchers: ['a!=\"0\"', 'd=~\"y\", e=f']\n"
		"receivers:\n"
		"- name: a\n",
		&d);
	char *s = fmt_matchers(&c->route->routes[0].matchers);

	/* match_re values stay anchored, as 0.25 shows them in route keys. */
	cr_assert_str_eq(s, "{a!=\"0\",a=\"1\",b=\"2\",c=~\"^(?:x.*)$\",d=~\"y\",e=\"f\"}");
	free(s);
	config_free(c);
	diags_free(&d);
}

Test(config, inhibit_rules_merged)
{
	struct diags d = {0};
	struct config *c = load_ok(
		RECV_A
		"inhibit_rules:\n"
		"- source_match: {severity: critical}\n"
		"  source_matchers: ['alertname=~\"A|B\"']\n"
		"  target_match_re: {severity: 'warn.*'}\n"
		"  target_matchers: [team=x]\n"
		"  equal: [alertname, cluster]\n"
		"- \n",
		&d);
	const struct config_inhibit *r = &c->inhibit_rules[0];
	char *src = fmt_matchers(&r->source), *dst = fmt_matchers(&r->target);

	cr_assert_eq(c->ninhibit_rules, 2);
	cr_assert_str_eq(src, "{alertname=~\"A|B\",severity=\"critical\"}");
	cr_assert_str_eq(dst, "{severity=~\"^(?:warn.*)$\",team=\"x\"}");
	cr_assert_eq(r->nequal, 2);
	cr_assert_str_eq(r->equal[1], "cluster");
	/* An empty rule is legal (acceptance test TestEmptyInhibitionRule). */
	cr_assert_eq(c->inhibit_rules[1].source.n, 0);
	free(src);
	free(dst);
	config_free(c);
	diags_free(&d);
}

/* --------------------------------------------------------- integrations */

Test(config, send_resolved_defaults)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"global: {smtp_smarthost: 'mx:25', smtp_from: am@x, slack_api_url: 'http://s/'}\n"
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"  webhook_configs: [{url: 'http://w/'}, {url: 'http://w/', send_resolved: false}]\n"
		"  pagerduty_configs: [{routing_key: k}]\n"
		"  email_configs: [{to: t@x}, {to: t@x, send_resolved: true}]\n"
		"  slack_configs: [{channel: c}]\n",
		&d);
	const struct config_receiver *r = &c->receivers[0];

	cr_assert_eq(r->webhook[0].send_resolved, 1);
	cr_assert_eq(r->webhook[1].send_resolved, 0);
	cr_assert_eq(r->pagerduty[0].send_resolved, 1);
	cr_assert_eq(r->email[0].send_resolved, 0);
	cr_assert_eq(r->email[1].send_resolved, 1);
	cr_assert_eq(r->slack[0].send_resolved, 0);
	config_free(c);
	diags_free(&d);
}

Test(config, smtp_fallbacks)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"global:\n"
		"  smtp_smarthost: 'mx.example.org:587'\n"
		"  smtp_from: am@example.org\n"
		"  smtp_hello: am.example.org\n"
		"  smtp_auth_username: user\n"
		"  smtp_auth_password: pw\n"
		"  smtp_auth_identity: id\n"
		"  smtp_require_tls: false\n"
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"  email_configs:\n"
		"  - to: ops@example.org\n"
		"  - to: dev@example.org\n"
		"    from: dev-am@example.org\n"
		"    smarthost: '[::1]:25'\n"
		"    auth_password_file: pwfile\n"
		"    require_tls: true\n"
		"    headers: {x-team: dev, subject: hi}\n",
		&d);
	const struct config_email *e = c->receivers[0].email;

	cr_assert_str_eq(e[0].smarthost, "mx.example.org:587");
	cr_assert_str_eq(e[0].smarthost_host, "mx.example.org");
	cr_assert_str_eq(e[0].smarthost_port, "587");
	cr_assert_str_eq(e[0].from, "am@example.org");
	cr_assert_str_eq(e[0].hello, "am.example.org");
	cr_assert_str_eq(e[0].auth_username, "user");
	cr_assert_str_eq(e[0].auth_password, "pw");
	cr_assert_str_eq(e[0].auth_identity, "id");
	cr_assert_eq(e[0].require_tls, 0);
	cr_assert_str_eq(e[0].html, "{{ template \"email.default.html\" . }}");
	cr_assert_str_eq(e[0].text, "");
	/* Subject, To and From headers filled in as Alertmanager does. */
	cr_assert_eq(e[0].nheaders, 3);
	cr_assert_str_eq(e[0].headers[0].name, "From");
	cr_assert_str_eq(e[0].headers[0].value, "am@example.org");
	cr_assert_str_eq(e[0].headers[1].name, "Subject");
	cr_assert_str_eq(e[0].headers[1].value, CONFIG_EMAIL_DEFAULT_SUBJECT);
	cr_assert_str_eq(e[0].headers[2].value, "ops@example.org");

	cr_assert_str_eq(e[1].from, "dev-am@example.org");
	cr_assert_str_eq(e[1].smarthost_host, "::1");
	cr_assert_str_eq(e[1].smarthost_port, "25");
	/* A local password file replaces the global password. */
	cr_assert_str_eq(e[1].auth_password, "");
	cr_assert_str_eq(e[1].auth_password_file, "/etc/am/pwfile");
	cr_assert_eq(e[1].require_tls, 1);
	cr_assert_str_eq(e[1].headers[1].name, "Subject");
	cr_assert_str_eq(e[1].headers[1].value, "hi");
	cr_assert_str_eq(e[1].headers[3].name, "X-Team");
	config_free(c);
	diags_free(&d);
}

Test(config, slack_fallbacks_and_defaults)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"global: {slack_api_url_file: /run/slack}\n"
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"  slack_configs:\n"
		"  - channel: '#ops'\n"
		"  - api_url: 'https://hooks.slack.com/services/X'\n"
		"    title: T\n",
		&d);
	const struct config_slack *s = c->receivers[0].slack;

	cr_assert_str_eq(s[0].api_url, "");
	cr_assert_str_eq(s[0].api_url_file, "/run/slack");
	cr_assert_str_eq(s[0].title, "{{ template \"slack.default.title\" . }}");
	cr_assert_str_eq(s[0].color, "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}");
	cr_assert_str_eq(s[0].username, "{{ template \"slack.default.username\" . }}");
	cr_assert_str_eq(s[1].api_url, "https://hooks.slack.com/services/X");
	cr_assert_str_eq(s[1].api_url_file, "");
	cr_assert_str_eq(s[1].title, "T");
	cr_assert_eq(s[1].http.follow_redirects, 1);
	config_free(c);
	diags_free(&d);
}

Test(config, pagerduty_fallbacks_and_defaults)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"global: {pagerduty_url: 'https://events.eu.pagerduty.com/v2/enqueue'}\n"
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"  pagerduty_configs:\n"
		"  - routing_key: k\n"
		"    details: {firing: mine, team: x}\n"
		"  - service_key: s\n"
		"    url: 'https://pd.example/'\n"
		"    client: Tocsin\n",
		&d);
	const struct config_pagerduty *p = c->receivers[0].pagerduty;

	cr_assert_str_eq(p[0].url, "https://events.eu.pagerduty.com/v2/enqueue");
	cr_assert_str_eq(p[0].client, "{{ template \"pagerduty.default.client\" . }}");
	cr_assert_str_eq(p[0].source, p[0].client);
	cr_assert_eq(p[0].ndetails, 5);
	cr_assert_str_eq(p[0].details[0].name, "firing");
	cr_assert_str_eq(p[0].details[0].value, "mine");
	cr_assert_str_eq(p[0].details[1].name, "num_firing");
	cr_assert_str_eq(p[0].details[4].name, "team");
	cr_assert_str_eq(p[1].url, "https://pd.example/");
	cr_assert_str_eq(p[1].source, "Tocsin");
	config_free(c);
	diags_free(&d);
}

Test(config, http_config_inheritance)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"global:\n"
		"  http_config:\n"
		"    bearer_token: tok\n"
		"    proxy_url: 'http://proxy:3128'\n"
		"    tls_config: {ca_file: ca.pem}\n"
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"  webhook_configs:\n"
		"  - url: 'http://w/'\n"
		"  - url: 'http://w/'\n"
		"    http_config:\n"
		"      basic_auth: {username: u, password: p}\n"
		"      follow_redirects: false\n",
		&d);
	const struct config_webhook *w = c->receivers[0].webhook;

	/* bearer_token folds into authorization, as prometheus/common does. */
	cr_assert_not_null(w[0].http.authorization);
	cr_assert_str_eq(w[0].http.authorization->type, "Bearer");
	cr_assert_str_eq(w[0].http.authorization->credentials, "tok");
	cr_assert_str_eq(w[0].http.proxy_url, "http://proxy:3128");
	cr_assert_str_eq(w[0].http.tls.ca_file, "/etc/am/ca.pem");
	cr_assert_eq(w[0].http.enable_http2, 1);
	/* An own http_config replaces the global one entirely. */
	cr_assert_null(w[1].http.authorization);
	cr_assert_str_eq(w[1].http.basic_auth->password, "p");
	cr_assert_eq(w[1].http.follow_redirects, 0);
	cr_assert_str_eq(w[1].http.proxy_url, "");
	config_free(c);
	diags_free(&d);
}

Test(config, webhook_url_file_and_max_alerts)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"  webhook_configs:\n"
		"  - url_file: secrets/hook\n"
		"    max_alerts: 10\n",
		&d);

	cr_assert_str_eq(c->receivers[0].webhook[0].url_file, "/etc/am/secrets/hook");
	cr_assert_str_eq(c->receivers[0].webhook[0].url, "");
	cr_assert_eq(c->receivers[0].webhook[0].max_alerts, 10);
	config_free(c);
	diags_free(&d);
}

/* ---------------------------------------------------------------- dump */

Test(config, dump_hides_secrets)
{
	static const char *const secrets[] = {
		"SMTPPW", "SLACKHOOK", "RKSECRET", "BEARERTOK",
		"BAPW", "DSPW", "SKSECRET", "AUTHSECRET", "OASECRET", NULL};
	struct diags d = {0};
	struct config *c = load_ok(
		"global:\n"
		"  smtp_smarthost: 'mx:25'\n"
		"  smtp_from: am@x\n"
		"  smtp_auth_password: SMTPPW\n"
		"  smtp_auth_secret: AUTHSECRET\n"
		"  slack_api_url: 'https://hooks.slack.com/services/SLACKHOOK'\n"
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"  email_configs: [{to: t@x}]\n"
		"  slack_configs: [{channel: c}]\n"
		"  pagerduty_configs: [{routing_key: RKSECRET}, {service_key: SKSECRET}]\n"
		"  webhook_configs:\n"
		"  - url: 'http://w/WHSECRET'\n"
		"    http_config: {bearer_token: BEARERTOK}\n"
		"  - url: 'http://w/'\n"
		"    http_config: {basic_auth: {username: u, password: BAPW}}\n"
		"  - url: 'http://w/'\n"
		"    http_config: {oauth2: {client_id: i, client_secret: OASECRET, token_url: 'http://t/'}}\n"
		"datasource:\n"
		"  url: 'http://prom:9090'\n"
		"  basic_auth: {username: u, password: DSPW}\n",
		&d);
	struct buf b = {0};

	config_dump(c, &b, 1);
	for (int i = 0; secrets[i]; i++)
		cr_assert_null(strstr(buf_str(&b), secrets[i]), "%s leaked:\n%s",
			       secrets[i], buf_str(&b));
	cr_assert_not_null(strstr(buf_str(&b), "  smtp_auth_password: <secret>\n"));
	cr_assert_not_null(strstr(buf_str(&b), "  slack_api_url: <secret>\n"));
	cr_assert_not_null(strstr(buf_str(&b), "    routing_key: <secret>\n"));
	/* Alertmanager 0.25 prints a webhook url as is, and amtool 0.25
	 * cannot read the routes back when it is "<secret>" */
	cr_assert_not_null(strstr(buf_str(&b), "    url: http://w/WHSECRET\n"));
	cr_assert_not_null(strstr(buf_str(&b),
				  "      authorization:\n        type: Bearer\n"
				  "        credentials: <secret>\n"));
	buf_free(&b);
	config_free(c);
	diags_free(&d);
}

/* The layout Alertmanager 0.25 prints in /api/v2/status for the same
 * file (captured from prometheus-alertmanager 0.25.0). */
Test(config, dump_layout_like_alertmanager)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"route:\n"
		"  receiver: a\n"
		"  group_by: [x]\n"
		"  routes:\n"
		"  - receiver: a\n"
		"    matchers: ['a=\"b\"', 'c=~d']\n"
		"    match: {z: y}\n"
		"    match_re: {q: 'r.*'}\n"
		"    group_wait: 1m\n"
		"    continue: true\n"
		"    mute_time_intervals: [t]\n"
		"receivers:\n"
		"- name: a\n"
		"inhibit_rules:\n"
		"- source_match: {a: b}\n"
		"  target_matchers: [c=d]\n"
		"  equal: [x]\n"
		"time_intervals:\n"
		"- name: t\n"
		"  time_intervals:\n"
		"  - times: [{start_time: '09:00', end_time: '24:00'}]\n"
		"    weekdays: ['monday:friday', sunday]\n"
		"    days_of_month: ['-3:-1', '1']\n"
		"    months: ['may:august']\n"
		"    years: ['2020:2022']\n"
		"    location: Europe/Berlin\n",
		&d);
	struct buf b = {0};
	static const char route[] =
		"route:\n"
		"  receiver: a\n"
		"  group_by:\n"
		"  - x\n"
		"  continue: false\n"
		"  routes:\n"
		"  - receiver: a\n"
		"    match:\n"
		"      z: \"y\"\n"
		"    match_re:\n"
		"      q: r.*\n"
		"    matchers:\n"
		"    - a=\"b\"\n"
		"    - c=~\"d\"\n"
		"    mute_time_intervals:\n"
		"    - t\n"
		"    continue: true\n"
		"    group_wait: 1m\n"
		"inhibit_rules:\n"
		"- source_match:\n"
		"    a: b\n"
		"  target_matchers:\n"
		"  - c=\"d\"\n"
		"  equal:\n"
		"  - x\n"
		"receivers:\n"
		"- name: a\n"
		"templates: []\n"
		"time_intervals:\n"
		"- name: t\n"
		"  time_intervals:\n"
		"  - times:\n"
		"    - start_time: \"09:00\"\n"
		"      end_time: \"24:00\"\n"
		"    weekdays: ['monday:friday', sunday]\n"
		"    days_of_month: ['-3:-1', \"1\"]\n"
		"    months: [\"5:8\"]\n"
		"    years: ['2020:2022']\n"
		"    location: Europe/Berlin\n";

	config_dump(c, &b, 1);
	cr_assert_not_null(strstr(buf_str(&b), route), "got:\n%s", buf_str(&b));
	cr_assert_not_null(strstr(buf_str(&b),
				  "global:\n  resolve_timeout: 5m\n  http_config:\n"
				  "    follow_redirects: true\n    enable_http2: true\n"
				  "  smtp_hello: localhost\n  smtp_require_tls: true\n"
				  "  pagerduty_url: https://events.pagerduty.com/v2/enqueue\n"));
	buf_free(&b);
	config_free(c);
	diags_free(&d);
}

/* ------------------------------------------------------ time intervals */

static const struct config_time_spec *only_spec(const struct config *c,
						const char *name)
{
	const struct config_time_interval *t = config_time_interval_find(c, name);

	cr_assert_not_null(t);
	cr_assert_eq(t->nspecs, 1);
	return &t->specs[0];
}

Test(config, time_interval_parsing)
{
	struct diags d = {0};
	struct config *c = load_ok(
		RECV_A
		"time_intervals:\n"
		"- name: work\n"
		"  time_intervals:\n"
		"  - times:\n"
		"    - {start_time: '09:00', end_time: '12:30'}\n"
		"    - {start_time: '13:00', end_time: '24:00'}\n"
		"    weekdays: ['Monday:friday', SUNDAY]\n"
		"    days_of_month: ['-3:-1', '1:5', '7']\n"
		"    months: ['may:august', december, '1:3']\n"
		"    years: ['2020:2022', '2030']\n"
		"    location: Europe/Berlin\n"
		"- name: never\n"
		"  time_intervals:\n"
		"  - weekdays: []\n"
		"mute_time_intervals:\n"
		"- name: old\n"
		"  time_intervals: [{location: Local}]\n",
		&d);
	const struct config_time_spec *s = only_spec(c, "work");

	cr_assert_eq(s->times.n, 2);
	cr_assert_eq(s->times.v[0].begin, 9 * 60);
	cr_assert_eq(s->times.v[0].end, 12 * 60 + 30);
	cr_assert_eq(s->times.v[1].end, 1440);	/* "24:00" */
	cr_assert_eq(s->weekdays.n, 2);
	cr_assert_eq(s->weekdays.v[0].begin, 1);
	cr_assert_eq(s->weekdays.v[0].end, 5);
	cr_assert_eq(s->weekdays.v[1].begin, 0);
	cr_assert_eq(s->weekdays.v[1].end, 0);
	cr_assert_eq(s->days_of_month.v[0].begin, -3);
	cr_assert_eq(s->days_of_month.v[0].end, -1);
	cr_assert_eq(s->days_of_month.v[2].begin, 7);
	cr_assert_eq(s->months.v[0].begin, 5);
	cr_assert_eq(s->months.v[0].end, 8);
	cr_assert_eq(s->months.v[1].begin, 12);
	cr_assert_eq(s->months.v[2].end, 3);
	cr_assert_eq(s->years.v[0].begin, 2020);
	cr_assert_eq(s->years.v[1].end, 2030);
	cr_assert_str_eq(s->location, "Europe/Berlin");
	cr_assert_eq(s->times.set, 1);
	/* An absent field matches anything, an empty one nothing. */
	s = only_spec(c, "never");
	cr_assert_eq(s->times.set, 0);
	cr_assert_eq(s->weekdays.set, 1);
	cr_assert_eq(s->weekdays.n, 0);
	cr_assert_str_eq(s->location, "");
	cr_assert_eq(config_time_interval_find(c, "old")->legacy, 1);
	cr_assert_str_eq(only_spec(c, "old")->location, "Local");
	cr_assert_null(config_time_interval_find(c, "nope"));
	config_free(c);
	diags_free(&d);
}

/* ------------------------------------------------- errors and warnings */

Test(config, all_errors_reported_with_positions)
{
	struct diags d = {0};
	struct config *c = load(
		"global:\n"
		"  smtp_smarthost: nope\n"				/* 2 */
		"route:\n"
		"  receiver: a\n"
		"  group_by: [a-b]\n"					/* 5 */
		"  routes:\n"
		"  - receiver: missing\n"				/* 7 */
		"    group_interval: 0s\n"				/* 8 */
		"receivers:\n"
		"- name: a\n"
		"  webhook_configs:\n"
		"  - url: 'ftp://x/'\n"					/* 12 */
		"  pagerduty_configs:\n"
		"  - severity: x\n"					/* 14 */
		"time_intervals:\n"
		"- name: t\n"
		"  time_intervals:\n"
		"  - weekdays: [mon]\n",				/* 18 */
		&d);
	static const struct {
		int line;
		const char *msg;
	} want[] = {
		{2, "address nope: missing port in address"},
		{5, "invalid label name \"a-b\" in group_by list"},
		{7, "undefined receiver \"missing\" used in route"},
		{8, "group_interval cannot be zero"},
		{12, "unsupported scheme \"ftp\" for URL"},
		{14, "missing service or routing key in PagerDuty config"},
		{18, "mon is not a valid weekday"},
	};

	cr_assert_null(c);
	cr_assert_eq(d.nerrors, ARRAY_LEN(want));
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		cr_assert_str_eq(d.v[i].msg, want[i].msg);
		cr_assert_eq(d.v[i].line, want[i].line, "%s: line %d",
			     want[i].msg, d.v[i].line);
	}
	diags_free(&d);
}

Test(config, warnings_do_not_fail)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"global: {smtp_smarthost: 'mx:25', smtp_from: a@x}\n"
		"route:\n"
		"  receiver: a\n"
		"  group_interval: 10m\n"
		"  repeat_interval: 5m\n"
		"  routes:\n"
		"  - matchers: ['a=~\\\\d+']\n"
		"receivers:\n"
		"- name: a\n"
		"  email_configs: [{to: t, auth_password: p, auth_password_file: f}]\n",
		&d);
	const struct diag *g = find_diag(
		&d, DIAG_WARNING,
		"repeat_interval (5m) is less than group_interval (10m); "
		"notifications will not repeat until the next group_interval", 0);

	cr_assert_not_null(g);
	cr_assert_eq(g->line, 5);
	/* The child inherits both timers, so it warns too. */
	cr_assert_eq(d.nerrors, 0);
	cr_assert_not_null(find_diag(&d, DIAG_WARNING, "matchers input ", 1));
	cr_assert_not_null(find_diag(&d, DIAG_WARNING,
				     "at most one of auth_password & auth_password_file", 1));
	config_free(c);
	diags_free(&d);
}

Test(config, utf8_matcher_name_warns)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"route:\n  receiver: a\n  routes:\n  - matchers: ['\"service name\"=x']\n"
		"receivers:\n- name: a\n",
		&d);

	cr_assert_not_null(find_diag(&d, DIAG_WARNING, "label name \"service name\"", 1));
	config_free(c);
	diags_free(&d);
}

Test(config, unknown_key_suggestion)
{
	struct diags d = {0};
	struct config *c = load(
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"  webhook_config: [{url: 'http://x/'}]\n",
		&d);

	cr_assert_null(c);
	cr_assert_not_null(find_diag(&d, DIAG_ERROR,
				     "unknown key \"webhook_config\" in receiver (did you mean \"webhook_configs\"?)", 0));
	diags_free(&d);
}

/* ------------------------------------------------------------- paths */

Test(config, relative_paths_resolved)
{
	struct diags d = {0};
	struct config *c = load_ok(
		"global:\n"
		"  slack_api_url_file: secrets/slack\n"
		"  smtp_auth_password_file: ./pw\n"
		"  http_config:\n"
		"    basic_auth: {username: u, password_file: ../shared/pw}\n"
		"    tls_config: {ca_file: ca.pem, cert_file: /abs/c.pem}\n"
		"route: {receiver: a}\n"
		"receivers:\n"
		"- name: a\n"
		"templates: ['*.tmpl', '/usr/share/t/*.tmpl', '../tpl/x.tmpl']\n",
		&d);

	cr_assert_str_eq(c->global.slack_api_url_file, "/etc/am/secrets/slack");
	cr_assert_str_eq(c->global.smtp_auth_password_file, "/etc/am/pw");
	cr_assert_str_eq(c->global.http.basic_auth->password_file, "/etc/shared/pw");
	cr_assert_str_eq(c->global.http.tls.ca_file, "/etc/am/ca.pem");
	cr_assert_str_eq(c->global.http.tls.cert_file, "/abs/c.pem");
	cr_assert_eq(c->ntemplates, 3);
	cr_assert_str_eq(c->templates[0], "/etc/am/*.tmpl");
	cr_assert_str_eq(c->templates[1], "/usr/share/t/*.tmpl");
	cr_assert_str_eq(c->templates[2], "/etc/tpl/x.tmpl");
	config_free(c);
	diags_free(&d);
}

Test(config, load_file_uses_its_directory)
{
	char dir[] = "/tmp/test_config_XXXXXX";
	char *path, *want;
	FILE *f;
	struct diags d = {0};
	struct config *c;

	cr_assert_not_null(mkdtemp(dir));
	path = xasprintf("%s/am.yml", dir);
	f = fopen(path, "w");
	fputs("route: {receiver: a}\nreceivers: [{name: a}]\ntemplates: [t/*.tmpl]\n", f);
	fclose(f);
	c = config_load(path, &d);
	want = xasprintf("%s/t/*.tmpl", dir);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->templates[0], want);
	cr_assert_str_eq(c->file, path);
	config_free(c);
	diags_free(&d);
	remove(path);
	remove(dir);
	free(want);
	free(path);
}

Test(config, missing_file)
{
	struct diags d = {0};

	cr_assert_null(config_load("/nonexistent/am.yml", &d));
	cr_assert_eq(d.nerrors, 1);
	cr_assert_str_eq(d.v[0].msg, "No such file or directory");
	diags_free(&d);
}

/* ------------------------------------------------------------ corpus */

static char *summary(const struct config *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	config_summary(c, f);
	fclose(f);
	return s;
}

/* amtool 0.25 check-config prints this block for the Debian example. */
Test(config, debian_example_summary)
{
	struct diags d = {0};
	struct config *c = config_load("../shared/corpus/alertmanager/debian/alertmanager.yml", &d);
	char *s;

	if (!c)
		dump_diags(&d);
	cr_assert_not_null(c);
	s = summary(c);
	cr_assert_str_eq(s, "Found:\n - global config\n - route\n - 1 inhibit rules\n"
			    " - 5 receivers\n - 1 templates\n");
	cr_assert_str_eq(config_receiver_find(c, "team-X-mails")->name, "team-X-mails");
	cr_assert_null(config_receiver_find(c, "nobody"));
	free(s);
	config_free(c);
	diags_free(&d);
}

Test(config, route_tree_size_is_bounded)
{
	struct buf y = {0};
	struct diags d = {0};
	struct config *c;

	buf_puts(&y, "receivers: [{name: a}]\nroute:\n  receiver: a\n  routes:\n");
	for (int i = 0; i < CONFIG_MAX_ROUTES + 1; i++)
		buf_puts(&y, "  - {}\n");
	c = config_load_buf("t.yml", ".", y.s, y.len, &d);
	cr_assert_null(c);
	cr_assert_not_null(find_diag(&d, DIAG_ERROR, "the route tree has more than", 1));
	buf_free(&y);
	diags_free(&d);
}

Test(config, free_null)
{
	config_free(NULL);
}
