/*
 * config.h - the configuration file: a strict superset of Alertmanager
 * 0.25's alertmanager.yml (global, route, receivers, inhibit_rules,
 * time_intervals / mute_time_intervals, templates) plus Tocsin's own
 * sections (datasource, rule_files, evaluation, alerting, storage).
 *
 * Loading validates everything Alertmanager validates, with its words, and
 * goes on after an error so that every problem of a file is reported with
 * file:line:col.  Defaults are filled in as Alertmanager fills them: global
 * SMTP / Slack / PagerDuty / http_config fallbacks, per-integration
 * send_resolved defaults, route inheritance.
 *
 * Ownership: a struct config owns every string, array and matcher reachable
 * from it; config_free() releases the whole tree.  String fields are never
 * NULL: "" means "not set".  Optional sub-blocks (basic_auth, authorization,
 * oauth2) are NULL when absent.  Relative *_file paths, templates,
 * rule_files and storage.path are already joined with the configuration
 * file's directory.
 */
#ifndef TOCSIN_CONFIG_H
#define TOCSIN_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "labels.h"
#include "matcher.h"
#include "util.h"

/* Defaults Alertmanager applies (config.DefaultGlobalConfig, DefaultRouteOpts). */
#define CONFIG_DEFAULT_RESOLVE_TIMEOUT (5 * 60 * 1000LL)
#define CONFIG_DEFAULT_GROUP_WAIT (30 * 1000LL)
#define CONFIG_DEFAULT_GROUP_INTERVAL (5 * 60 * 1000LL)
#define CONFIG_DEFAULT_REPEAT_INTERVAL (4 * 60 * 60 * 1000LL)
#define CONFIG_DEFAULT_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"
#define CONFIG_DEFAULT_SMTP_HELLO "localhost"
#define CONFIG_EMAIL_DEFAULT_SUBJECT "{{ template \"email.default.subject\" . }}"
/* A route tree with more nodes than this is refused (YAML aliases can
 * make one exponentially large). */
#define CONFIG_MAX_ROUTES 100000

/* A name/value pair (headers, details, endpoint_params ...). */
struct config_kv {
	char *name;
	char *value;
};

/* Secrets come inline or from a *_file; at most one of the pair is set. */
struct config_tls {
	char *ca_file, *cert_file, *key_file, *server_name;
	int insecure_skip_verify;
	char *min_version, *max_version;	/* "TLS10".."TLS13" or "" */
};

struct config_basic_auth {
	char *username, *password, *password_file;
};

/* bearer_token / bearer_token_file are folded in here (type "Bearer"), as
 * prometheus/common's HTTPClientConfig.Validate() does. */
struct config_authorization {
	char *type;		/* "Bearer" unless set */
	char *credentials, *credentials_file;
};

struct config_oauth2 {
	char *client_id, *client_secret, *client_secret_file, *token_url;
	char **scopes;
	size_t nscopes;
	struct config_kv *endpoint_params;	/* sorted by name */
	size_t nendpoint_params;
	struct config_tls tls;
	char *proxy_url;
};

struct config_http {
	struct config_basic_auth *basic_auth;
	struct config_authorization *authorization;
	struct config_oauth2 *oauth2;
	char *proxy_url;
	struct config_kv *proxy_connect_header;	/* a name may repeat */
	size_t nproxy_connect_header;
	struct config_tls tls;
	int follow_redirects;	/* default 1 */
	int enable_http2;	/* default 1 */
};

/* ------------------------------------------------------------- global */

struct config_global {
	int64_t resolve_timeout_ms;
	struct config_http http;
	char *smtp_from, *smtp_hello, *smtp_smarthost;
	char *smtp_auth_username, *smtp_auth_password, *smtp_auth_password_file;
	char *smtp_auth_secret, *smtp_auth_identity;
	int smtp_require_tls;	/* default 1 */
	char *slack_api_url, *slack_api_url_file;
	char *pagerduty_url;
};

/* ---------------------------------------------------------- receivers */

/* Tocsin's `rate_limit: {per_second, burst}` of an integration: a token
 * bucket; notifications beyond it wait, none is dropped. */
struct config_rate {
	double per_second; /* 0: unlimited */
	uint32_t burst;	   /* tokens the bucket holds, >= 1 */
};

struct config_email {
	int send_resolved;	/* default 0 */
	struct config_rate rate;
	char *to, *from, *hello;
	char *smarthost;	/* "host:port" */
	char *smarthost_host, *smarthost_port;
	char *auth_username, *auth_password, *auth_password_file;
	char *auth_secret, *auth_identity;
	/* Canonical MIME names, sorted; Subject, To and From are filled in
	 * with Alertmanager's defaults when not given. */
	struct config_kv *headers;
	size_t nheaders;
	char *html, *text;
	int require_tls;	/* default global.smtp_require_tls */
	struct config_tls tls;
	int line, col;
};

struct config_pagerduty_image {
	char *src, *alt, *href;
};

struct config_pagerduty_link {
	char *href, *text;
};

struct config_pagerduty {
	int send_resolved;
	struct config_rate rate;	/* default 1 */
	struct config_http http;
	char *service_key, *service_key_file;
	char *routing_key, *routing_key_file;
	char *url;		/* default global.pagerduty_url */
	char *client, *client_url, *description;
	struct config_kv *details;	/* defaults merged in, sorted */
	size_t ndetails;
	struct config_pagerduty_image *images;
	size_t nimages;
	struct config_pagerduty_link *links;
	size_t nlinks;
	char *source;		/* defaults to client */
	char *severity, *class, *component, *group;
	int line, col;
};

struct config_slack_field {
	char *title, *value;
	int short_set, is_short;	/* "short" is a *bool in Alertmanager */
};

struct config_slack_action {
	char *type, *text, *url, *style, *name, *value;
	struct config_slack_confirm {
		int set;
		char *text, *title, *ok_text, *dismiss_text;
	} confirm;
};

struct config_slack {
	int send_resolved;
	struct config_rate rate;	/* default 0 */
	struct config_http http;
	char *api_url, *api_url_file;	/* default global.slack_api_url[_file] */
	char *channel, *username, *color, *title, *title_link, *pretext;
	char *text, *footer, *fallback, *callback_id, *icon_emoji, *icon_url;
	char *image_url, *thumb_url;
	struct config_slack_field *fields;
	size_t nfields;
	int short_fields, link_names;
	char **mrkdwn_in;
	size_t nmrkdwn_in;
	struct config_slack_action *actions;
	size_t nactions;
	int line, col;
};

struct config_webhook {
	int send_resolved;
	struct config_rate rate;	/* default 1 */
	struct config_http http;
	char *url, *url_file;	/* exactly one is set */
	uint64_t max_alerts;	/* 0: unlimited */
	int line, col;
};

struct config_receiver {
	char *name;
	struct config_email *email;
	size_t nemail;
	struct config_pagerduty *pagerduty;
	size_t npagerduty;
	struct config_slack *slack;
	size_t nslack;
	struct config_webhook *webhook;
	size_t nwebhook;
	int line, col;
};

/* -------------------------------------------------------------- route */

/*
 * A routing tree node with Alertmanager's inheritance applied
 * (dispatch.NewRoute): receiver, group_by, group_by_all and the three
 * timers come from the parent unless set here; mute / active time
 * intervals are never inherited.  Quirk kept from 0.25: `group_by: []`
 * on a child does not override the parent's group_by.  When group_by_all
 * is set, group_by may still hold inherited names and is ignored.
 */
struct route {
	char *receiver;
	struct config_receiver *recv;	/* resolved; never NULL once loaded */
	char **group_by;
	size_t ngroup_by;
	int group_by_all;
	int64_t group_wait_ms, group_interval_ms, repeat_interval_ms;
	int cont;		/* `continue` */
	/* match + match_re + matchers, sorted (name, value, type).  match_re
	 * values are anchored as Alertmanager 0.25 keeps them: ^(?:re)$. */
	struct matchers matchers;
	char **mute_time_intervals;
	size_t nmute_time_intervals;
	char **active_time_intervals;
	size_t nactive_time_intervals;
	struct route *routes;	/* children, in order */
	size_t nroutes;
	struct route *parent;	/* NULL at the root */
	/* What this node set itself (for config_dump, which prints the
	 * route as written, like Alertmanager). */
	unsigned set;		/* enum route_set bits */
	/* The node's own group_by, match, match_re and matchers as written,
	 * for config_dump. */
	char **group_by_own;
	size_t ngroup_by_own;
	struct config_kv *match, *match_re;
	size_t nmatch, nmatch_re;
	char **matcher_strs;
	size_t nmatcher_strs;
	int line, col;
};

enum route_set {
	ROUTE_SET_RECEIVER = 1 << 0,
	ROUTE_SET_GROUP_BY = 1 << 1,
	ROUTE_SET_GROUP_WAIT = 1 << 2,
	ROUTE_SET_GROUP_INTERVAL = 1 << 3,
	ROUTE_SET_REPEAT_INTERVAL = 1 << 4,
};

/* ----------------------------------------------------- inhibit rules */

struct config_inhibit {
	struct matchers source, target;	/* new + legacy forms, sorted */
	char **equal;
	size_t nequal;
	/* As written, for config_dump. */
	struct config_kv *source_match, *source_match_re, *target_match,
		*target_match_re;
	size_t nsource_match, nsource_match_re, ntarget_match,
		ntarget_match_re;
	char **source_matcher_strs, **target_matcher_strs;
	size_t nsource_matcher_strs, ntarget_matcher_strs;
	int line, col;
};

/* ---------------------------------------------------- time intervals */

/* An inclusive range [begin, end]; times use [begin, end) in minutes. */
struct config_range {
	int begin, end;
};

/* A list of ranges; `set` distinguishes "absent" (matches anything) from
 * an empty list (matches nothing), as Alertmanager does. */
struct config_ranges {
	struct config_range *v;
	size_t n;
	int set;
};

struct config_time_spec {
	struct config_ranges times;	/* minutes of the day, end exclusive, <= 1440 */
	struct config_ranges weekdays;	/* 0 = sunday .. 6 = saturday */
	struct config_ranges days_of_month;	/* 1..31 or -31..-1 */
	struct config_ranges months;	/* 1..12 */
	struct config_ranges years;
	char *location;		/* "" = UTC; "Local"; an IANA name */
};

struct config_time_interval {
	char *name;
	struct config_time_spec *specs;	/* OR of specs */
	size_t nspecs;
	int legacy;		/* from mute_time_intervals */
	int line, col;
};

/* ------------------------------------------------- Tocsin's sections */

struct config_datasource {
	char *url;		/* "" when the section is absent */
	int64_t timeout_ms;	/* default 30s */
	struct config_http http;	/* basic_auth, authorization, tls_config */
	struct config_kv *headers;
	size_t nheaders;
};

struct config_evaluation {
	int64_t interval_ms;		/* default 1m */
	int64_t query_offset_ms;	/* default 0 */
	int64_t resend_delay_ms;	/* default 1m */
	int64_t for_outage_tolerance_ms;	/* default 1h */
	int64_t for_grace_period_ms;	/* default 10m */
	unsigned group_concurrency;	/* queries of a group at once; 1 */
	struct labels *external_labels;	/* never NULL */
	char *external_url;
};

struct config_am_target {
	char *url;
	int64_t timeout_ms;	/* default 10s */
};

struct config {
	char *file;		/* name used in diagnostics */
	char *dir;		/* base directory for relative paths */
	struct config_global global;
	struct route *route;
	struct config_receiver *receivers;
	size_t nreceivers;
	struct config_inhibit *inhibit_rules;
	size_t ninhibit_rules;
	struct config_time_interval *time_intervals;	/* both lists */
	size_t ntime_intervals;
	char **templates;	/* globs joined with dir */
	size_t ntemplates;

	struct config_datasource datasource;
	char **rule_files;	/* globs joined with dir */
	size_t nrule_files;
	struct config_evaluation evaluation;
	struct config_am_target *alertmanagers;
	size_t nalertmanagers;
	char *storage_path;	/* default "data/tocsin.db", joined with dir */
};

/*
 * Loads and validates a configuration file.  Returns a new config (free it
 * with config_free()) or NULL when there was any error; every error and
 * warning is added to d with its position.
 */
struct config *config_load(const char *path, struct diags *d);
/* The same over a buffer; name is used in diagnostics, dir is the base for
 * relative paths (NULL: the current directory). */
struct config *config_load_buf(const char *name, const char *dir,
			       const char *s, size_t n, struct diags *d);
void config_free(struct config *c);

/* Prints amtool check-config's "Found:" block. */
void config_summary(const struct config *c, FILE *out);
/* Appends the effective configuration as YAML, laid out like
 * Alertmanager's /api/v2/status config.original; secrets print <secret>.
 * Tocsin's own sections (datasource, rule_files, evaluation, alerting,
 * storage) follow when tocsin is set: amtool, which parses the status
 * strictly, must not get them. */
void config_dump(const struct config *c, struct buf *out, int tocsin);

/* Returns the receiver named name, or NULL. */
struct config_receiver *config_receiver_find(const struct config *c,
					     const char *name);
/* Returns the time interval named name, or NULL. */
const struct config_time_interval *
config_time_interval_find(const struct config *c, const char *name);

/* `tocsin check config FILE...` (argv[0] is "config"). */
int cli_check_config(int argc, char **argv);

#endif
