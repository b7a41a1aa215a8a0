/*
 * config_dump.c - the loaded configuration back as YAML, laid out as
 * Alertmanager 0.25 prints its config in /api/v2/status (gopkg.in/yaml.v2
 * marshalling): struct field order, empty optional fields left out,
 * sequences not indented under their key, strings quoted only when yaml.v2
 * would quote them.  Every secret prints as <secret>.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "duration.h"

#define SECRET "<secret>"

/* ----------------------------------------------------------- scalars */

static int all_digits(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* yaml.v2 resolves an int: decimal, 0b, 0o / 0 octal, 0x, underscores. */
static int looks_int(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'x' || s[1] == 'o'))
		return all_digits(s + 2, "0123456789abcdefABCDEF_");
	return all_digits(s, "0123456789_");
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? and .inf/.nan. */
static int looks_float(const char *s)
{
	static const char *const special[] = {
		".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
		"-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL};
	size_t d = 0, f = 0;

	for (int i = 0; special[i]; i++)
		if (strcmp(s, special[i]) == 0)
			return 1;
	if (*s == '+' || *s == '-')
		s++;
	while (isdigit((unsigned char)s[d]) || s[d] == '_')
		d++;
	s += d;
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)s[f]) || s[f] == '_')
			f++;
		s += f;
	}
	if (d + f == 0)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		return all_digits(s, "0123456789");
	}
	return *s == '\0';
}

/* Sexagesimal floats (yaml.v2's isBase60Float): 1:20, 09:00, 5:8. */
static int looks_base60(const char *s)
{
	const char *p = s + (*s == '+' || *s == '-');
	size_t n;

	if (!isdigit((unsigned char)*p))
		return 0;
	p += strspn(p, "0123456789_");
	if (*p != ':')
		return 0;
	while (*p == ':') {
		n = strspn(++p, "0123456789");
		if (n == 0 || n > 2 || (n == 2 && *p > '5'))
			return 0;
		p += n;
	}
	if (*p == '.')
		p += 1 + strspn(p + 1, "0123456789_");
	return *p == '\0';
}

/* Would yaml.v2 read the plain text back as something else? */
static int resolves_non_string(const char *s)
{
	static const char *const words[] = {
		"", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES",
		"n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
		"False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "<<",
		NULL};

	for (int i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	return looks_int(s) || looks_float(s) || looks_base60(s);
}

/* libyaml's emitter: may s be written plain (block or flow context)? */
static int plain_ok(const char *s, int flow)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ' ||
	    strchr("#,[]{}&*!|>'\"%@`", s[0]))
		return 0;
	if (strncmp(s, "---", 3) == 0 || strncmp(s, "...", 3) == 0)
		return 0;
	if (strchr("-?:", s[0]) && (s[1] == ' ' || s[1] == '\0'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
		if (flow && strchr(",?[]{}:", c))
			return 0;
		if (c == ':' && (s[i + 1] == ' ' || s[i + 1] == '\0'))
			return 0;
		if (c == '#' && i > 0 && s[i - 1] == ' ')
			return 0;
	}
	return 1;
}

static void put_double_quoted(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\x%02X", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void put_scalar(struct buf *b, const char *s, int flow)
{
	int special = 0;

	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			special = 1;
	if (special || resolves_non_string(s)) {
		put_double_quoted(b, s);
	} else if (plain_ok(s, flow)) {
		buf_puts(b, s);
	} else {
		buf_putc(b, '\'');
		for (; *s; s++) {
			if (*s == '\'')
				buf_putc(b, '\'');
			buf_putc(b, *s);
		}
		buf_putc(b, '\'');
	}
}

/* ------------------------------------------------------------ writers */

static void ind(struct buf *b, int n)
{
	for (int i = 0; i < n; i++)
		buf_putc(b, ' ');
}

/* "key: value" at n spaces, always. */
static void kv_any(struct buf *b, int n, const char *k, const char *v)
{
	ind(b, n);
	buf_printf(b, "%s: ", k);
	put_scalar(b, v, 0);
	buf_putc(b, '\n');
}

/* "key: value" unless the value is empty (yaml omitempty). */
static void kv_str(struct buf *b, int n, const char *k, const char *v)
{
	if (v && v[0])
		kv_any(b, n, k, v);
}

static void kv_secret(struct buf *b, int n, const char *k, const char *v)
{
	if (v && v[0])
		kv_any(b, n, k, SECRET);
}

static void kv_bool(struct buf *b, int n, const char *k, int v)
{
	ind(b, n);
	buf_printf(b, "%s: %s\n", k, v ? "true" : "false");
}

static void kv_dur(struct buf *b, int n, const char *k, int64_t ms)
{
	char d[32];

	ind(b, n);
	buf_printf(b, "%s: %s\n", k, duration_format(ms, d, sizeof d));
}

static void key(struct buf *b, int n, const char *k)
{
	ind(b, n);
	buf_printf(b, "%s:\n", k);
}

static void strv(struct buf *b, int n, const char *k, char *const *v,
		 size_t count)
{
	if (!count)
		return;
	key(b, n, k);
	for (size_t i = 0; i < count; i++) {
		ind(b, n);
		buf_puts(b, "- ");
		put_scalar(b, v[i], 0);
		buf_putc(b, '\n');
	}
}

static void kvmap(struct buf *b, int n, const char *k,
		  const struct config_kv *v, size_t count)
{
	if (!count)
		return;
	key(b, n, k);
	for (size_t i = 0; i < count; i++) {
		ind(b, n + 2);
		put_scalar(b, v[i].name, 0);
		buf_puts(b, ": ");
		put_scalar(b, v[i].value, 0);
		buf_putc(b, '\n');
	}
}

/* -------------------------------------------------------- http / tls */

static int tls_empty(const struct config_tls *t)
{
	return !t->ca_file[0] && !t->cert_file[0] && !t->key_file[0] &&
	       !t->server_name[0] && !t->insecure_skip_verify &&
	       !t->min_version[0] && !t->max_version[0];
}

static void dump_tls(struct buf *b, int n, const char *k,
		     const struct config_tls *t)
{
	if (tls_empty(t))
		return;
	key(b, n, k);
	kv_str(b, n + 2, "ca_file", t->ca_file);
	kv_str(b, n + 2, "cert_file", t->cert_file);
	kv_str(b, n + 2, "key_file", t->key_file);
	kv_str(b, n + 2, "server_name", t->server_name);
	kv_bool(b, n + 2, "insecure_skip_verify", t->insecure_skip_verify);
	kv_str(b, n + 2, "min_version", t->min_version);
	kv_str(b, n + 2, "max_version", t->max_version);
}

static void dump_auth(struct buf *b, int n, const struct config_http *h)
{
	if (h->basic_auth) {
		key(b, n, "basic_auth");
		kv_str(b, n + 2, "username", h->basic_auth->username);
		kv_secret(b, n + 2, "password", h->basic_auth->password);
		kv_str(b, n + 2, "password_file", h->basic_auth->password_file);
	}
	if (h->authorization) {
		key(b, n, "authorization");
		kv_str(b, n + 2, "type", h->authorization->type);
		kv_secret(b, n + 2, "credentials", h->authorization->credentials);
		kv_str(b, n + 2, "credentials_file",
		       h->authorization->credentials_file);
	}
}

static void dump_http(struct buf *b, int n, const struct config_http *h)
{
	const struct config_oauth2 *o = h->oauth2;

	key(b, n, "http_config");
	dump_auth(b, n + 2, h);
	if (o) {
		key(b, n + 2, "oauth2");
		kv_any(b, n + 4, "client_id", o->client_id);
		kv_any(b, n + 4, "client_secret", o->client_secret[0] ? SECRET : "");
		kv_any(b, n + 4, "client_secret_file", o->client_secret_file);
		strv(b, n + 4, "scopes", o->scopes, o->nscopes);
		kv_any(b, n + 4, "token_url", o->token_url);
		kvmap(b, n + 4, "endpoint_params", o->endpoint_params,
		      o->nendpoint_params);
		dump_tls(b, n + 4, "tls_config", &o->tls);
		kv_str(b, n + 4, "proxy_url", o->proxy_url);
	}
	kv_str(b, n + 2, "proxy_url", h->proxy_url);
	if (h->nproxy_connect_header) {
		key(b, n + 2, "proxy_connect_header");
		for (size_t i = 0; i < h->nproxy_connect_header; i++) {
			const struct config_kv *kv = &h->proxy_connect_header[i];

			if (i == 0 || strcmp(kv->name, h->proxy_connect_header[i - 1].name) != 0) {
				ind(b, n + 4);
				put_scalar(b, kv->name, 0);
				buf_puts(b, ":\n");
			}
			ind(b, n + 4);
			buf_puts(b, "- " SECRET "\n");
		}
	}
	dump_tls(b, n + 2, "tls_config", &h->tls);
	kv_bool(b, n + 2, "follow_redirects", h->follow_redirects);
	kv_bool(b, n + 2, "enable_http2", h->enable_http2);
}

/* ------------------------------------------------------------ global */

static void dump_global(struct buf *b, const struct config_global *g)
{
	buf_puts(b, "global:\n");
	kv_dur(b, 2, "resolve_timeout", g->resolve_timeout_ms);
	dump_http(b, 2, &g->http);
	kv_str(b, 2, "smtp_from", g->smtp_from);
	kv_str(b, 2, "smtp_hello", g->smtp_hello);
	kv_str(b, 2, "smtp_smarthost", g->smtp_smarthost);
	kv_str(b, 2, "smtp_auth_username", g->smtp_auth_username);
	kv_secret(b, 2, "smtp_auth_password", g->smtp_auth_password);
	kv_str(b, 2, "smtp_auth_password_file", g->smtp_auth_password_file);
	kv_secret(b, 2, "smtp_auth_secret", g->smtp_auth_secret);
	kv_str(b, 2, "smtp_auth_identity", g->smtp_auth_identity);
	kv_bool(b, 2, "smtp_require_tls", g->smtp_require_tls);
	kv_secret(b, 2, "slack_api_url", g->slack_api_url);
	kv_str(b, 2, "slack_api_url_file", g->slack_api_url_file);
	kv_str(b, 2, "pagerduty_url", g->pagerduty_url);
}

/* ------------------------------------------------------------- route */

/* `matchers:` as Alertmanager prints them: parsed, sorted, String(). */
static void dump_matcher_strs(struct buf *b, int n, const char *k,
			      char *const *strs, size_t count)
{
	struct matchers ms = {0};
	struct buf err = {0};

	for (size_t i = 0; i < count; i++)
		matchers_parse(strs[i], &ms, &err, NULL);
	matchers_sort(&ms);
	if (ms.n) {
		key(b, n, k);
		for (size_t i = 0; i < ms.n; i++) {
			struct buf m = {0};

			matcher_format(&ms.v[i], &m);
			ind(b, n);
			buf_puts(b, "- ");
			put_scalar(b, buf_str(&m), 0);
			buf_putc(b, '\n');
			buf_free(&m);
		}
	}
	matchers_free(&ms);
	buf_free(&err);
}

static void dump_route(struct buf *b, int n, const struct route *r,
		       int in_item);

static void dump_route_body(struct buf *b, int n, const struct route *r)
{
	if (r->set & ROUTE_SET_RECEIVER)
		kv_str(b, n, "receiver", r->receiver);
	strv(b, n, "group_by", r->group_by_own, r->ngroup_by_own);
	kvmap(b, n, "match", r->match, r->nmatch);
	kvmap(b, n, "match_re", r->match_re, r->nmatch_re);
	dump_matcher_strs(b, n, "matchers", r->matcher_strs, r->nmatcher_strs);
	strv(b, n, "mute_time_intervals", r->mute_time_intervals,
	     r->nmute_time_intervals);
	strv(b, n, "active_time_intervals", r->active_time_intervals,
	     r->nactive_time_intervals);
	kv_bool(b, n, "continue", r->cont);
	if (r->nroutes) {
		key(b, n, "routes");
		for (size_t i = 0; i < r->nroutes; i++)
			dump_route(b, n, &r->routes[i], 1);
	}
	if (r->set & ROUTE_SET_GROUP_WAIT)
		kv_dur(b, n, "group_wait", r->group_wait_ms);
	if (r->set & ROUTE_SET_GROUP_INTERVAL)
		kv_dur(b, n, "group_interval", r->group_interval_ms);
	if (r->set & ROUTE_SET_REPEAT_INTERVAL)
		kv_dur(b, n, "repeat_interval", r->repeat_interval_ms);
}

/*
 * Writes the body at indentation n into a scratch buffer, then moves it
 * into b as a sequence item ("- " replaces the first line's indent).
 */
static void as_item(struct buf *b, int n, const char *body)
{
	size_t skip = (size_t)n + 2;

	ind(b, n);
	buf_puts(b, "- ");
	if (strlen(body) >= skip)
		buf_puts(b, body + skip);
}

static void dump_route(struct buf *b, int n, const struct route *r,
		       int in_item)
{
	struct buf body = {0};

	if (!in_item) {
		key(b, n, "route");
		dump_route_body(b, n + 2, r);
		return;
	}
	dump_route_body(&body, n + 2, r);
	as_item(b, n, buf_str(&body));
	buf_free(&body);
}

/* ----------------------------------------------------- inhibit rules */

static void dump_inhibit(struct buf *b, const struct config *c)
{
	if (!c->ninhibit_rules)
		return;
	buf_puts(b, "inhibit_rules:\n");
	for (size_t i = 0; i < c->ninhibit_rules; i++) {
		const struct config_inhibit *r = &c->inhibit_rules[i];
		struct buf body = {0};

		kvmap(&body, 2, "source_match", r->source_match, r->nsource_match);
		kvmap(&body, 2, "source_match_re", r->source_match_re,
		      r->nsource_match_re);
		dump_matcher_strs(&body, 2, "source_matchers",
				  r->source_matcher_strs, r->nsource_matcher_strs);
		kvmap(&body, 2, "target_match", r->target_match, r->ntarget_match);
		kvmap(&body, 2, "target_match_re", r->target_match_re,
		      r->ntarget_match_re);
		dump_matcher_strs(&body, 2, "target_matchers",
				  r->target_matcher_strs, r->ntarget_matcher_strs);
		strv(&body, 2, "equal", r->equal, r->nequal);
		if (body.len)
			as_item(b, 0, buf_str(&body));
		else
			buf_puts(b, "- {}\n");
		buf_free(&body);
	}
}

/* --------------------------------------------------------- receivers */

static void dump_email(struct buf *b, int n, const struct config_email *e)
{
	kv_bool(b, n, "send_resolved", e->send_resolved);
	kv_str(b, n, "to", e->to);
	kv_str(b, n, "from", e->from);
	kv_str(b, n, "hello", e->hello);
	kv_str(b, n, "smarthost", e->smarthost);
	kv_str(b, n, "auth_username", e->auth_username);
	kv_secret(b, n, "auth_password", e->auth_password);
	kv_str(b, n, "auth_password_file", e->auth_password_file);
	kv_secret(b, n, "auth_secret", e->auth_secret);
	kv_str(b, n, "auth_identity", e->auth_identity);
	kvmap(b, n, "headers", e->headers, e->nheaders);
	kv_str(b, n, "html", e->html);
	kv_str(b, n, "text", e->text);
	kv_bool(b, n, "require_tls", e->require_tls);
	dump_tls(b, n, "tls_config", &e->tls);
}

static void dump_pd_lists(struct buf *b, int n,
			  const struct config_pagerduty *p)
{
	if (p->nimages) {
		key(b, n, "images");
		for (size_t i = 0; i < p->nimages; i++) {
			struct buf body = {0};

			kv_str(&body, n + 2, "src", p->images[i].src);
			kv_str(&body, n + 2, "alt", p->images[i].alt);
			kv_str(&body, n + 2, "href", p->images[i].href);
			if (body.len)
				as_item(b, n, buf_str(&body));
			else
				buf_printf(b, "%*s- {}\n", n, "");
			buf_free(&body);
		}
	}
	if (p->nlinks) {
		key(b, n, "links");
		for (size_t i = 0; i < p->nlinks; i++) {
			struct buf body = {0};

			kv_str(&body, n + 2, "href", p->links[i].href);
			kv_str(&body, n + 2, "text", p->links[i].text);
			if (body.len)
				as_item(b, n, buf_str(&body));
			else
				buf_printf(b, "%*s- {}\n", n, "");
			buf_free(&body);
		}
	}
}

static void dump_pagerduty(struct buf *b, int n,
			   const struct config_pagerduty *p)
{
	kv_bool(b, n, "send_resolved", p->send_resolved);
	dump_http(b, n, &p->http);
	kv_secret(b, n, "service_key", p->service_key);
	kv_str(b, n, "service_key_file", p->service_key_file);
	kv_secret(b, n, "routing_key", p->routing_key);
	kv_str(b, n, "routing_key_file", p->routing_key_file);
	kv_str(b, n, "url", p->url);
	kv_str(b, n, "client", p->client);
	kv_str(b, n, "client_url", p->client_url);
	kv_str(b, n, "description", p->description);
	kvmap(b, n, "details", p->details, p->ndetails);
	dump_pd_lists(b, n, p);
	kv_str(b, n, "source", p->source);
	kv_str(b, n, "severity", p->severity);
	kv_str(b, n, "class", p->class);
	kv_str(b, n, "component", p->component);
	kv_str(b, n, "group", p->group);
}

static void dump_slack_lists(struct buf *b, int n, const struct config_slack *s)
{
	if (s->nfields) {
		key(b, n, "fields");
		for (size_t i = 0; i < s->nfields; i++) {
			struct buf body = {0};

			kv_str(&body, n + 2, "title", s->fields[i].title);
			kv_str(&body, n + 2, "value", s->fields[i].value);
			if (s->fields[i].short_set)
				kv_bool(&body, n + 2, "short", s->fields[i].is_short);
			as_item(b, n, buf_str(&body));
			buf_free(&body);
		}
	}
}

static void dump_slack_actions(struct buf *b, int n,
			       const struct config_slack *s)
{
	if (!s->nactions)
		return;
	key(b, n, "actions");
	for (size_t i = 0; i < s->nactions; i++) {
		const struct config_slack_action *a = &s->actions[i];
		struct buf body = {0};

		kv_str(&body, n + 2, "type", a->type);
		kv_str(&body, n + 2, "text", a->text);
		kv_str(&body, n + 2, "url", a->url);
		kv_str(&body, n + 2, "style", a->style);
		kv_str(&body, n + 2, "name", a->name);
		kv_str(&body, n + 2, "value", a->value);
		if (a->confirm.set) {
			key(&body, n + 2, "confirm");
			kv_str(&body, n + 4, "text", a->confirm.text);
			kv_str(&body, n + 4, "title", a->confirm.title);
			kv_str(&body, n + 4, "ok_text", a->confirm.ok_text);
			kv_str(&body, n + 4, "dismiss_text", a->confirm.dismiss_text);
		}
		as_item(b, n, buf_str(&body));
		buf_free(&body);
	}
}

static void dump_slack(struct buf *b, int n, const struct config_slack *s)
{
	kv_bool(b, n, "send_resolved", s->send_resolved);
	dump_http(b, n, &s->http);
	kv_secret(b, n, "api_url", s->api_url);
	kv_str(b, n, "api_url_file", s->api_url_file);
	kv_str(b, n, "channel", s->channel);
	kv_str(b, n, "username", s->username);
	kv_str(b, n, "color", s->color);
	kv_str(b, n, "title", s->title);
	kv_str(b, n, "title_link", s->title_link);
	kv_str(b, n, "pretext", s->pretext);
	kv_str(b, n, "text", s->text);
	dump_slack_lists(b, n, s);
	kv_bool(b, n, "short_fields", s->short_fields);
	kv_str(b, n, "footer", s->footer);
	kv_str(b, n, "fallback", s->fallback);
	kv_str(b, n, "callback_id", s->callback_id);
	kv_str(b, n, "icon_emoji", s->icon_emoji);
	kv_str(b, n, "icon_url", s->icon_url);
	kv_str(b, n, "image_url", s->image_url);
	kv_str(b, n, "thumb_url", s->thumb_url);
	kv_bool(b, n, "link_names", s->link_names);
	strv(b, n, "mrkdwn_in", s->mrkdwn_in, s->nmrkdwn_in);
	dump_slack_actions(b, n, s);
}

static void dump_webhook(struct buf *b, int n, const struct config_webhook *w)
{
	char num[32];

	kv_bool(b, n, "send_resolved", w->send_resolved);
	dump_http(b, n, &w->http);
	kv_str(b, n, "url", w->url); /* a plain URL in Alertmanager 0.25 */
	kv_str(b, n, "url_file", w->url_file);
	snprintf(num, sizeof num, "%llu", (unsigned long long)w->max_alerts);
	ind(b, n);
	buf_printf(b, "max_alerts: %s\n", num);
}

/* Writes each element of an integration list as a sequence item. */
#define DUMP_LIST(b, n, name, arr, count, fn)                         \
	do {                                                          \
		if (!(count))                                         \
			break;                                        \
		key(b, n, name);                                      \
		for (size_t i_ = 0; i_ < (count); i_++) {             \
			struct buf body_ = {0};                       \
			fn(&body_, (n) + 2, &(arr)[i_]);              \
			as_item(b, n, buf_str(&body_));               \
			buf_free(&body_);                             \
		}                                                     \
	} while (0)

static void dump_receivers(struct buf *b, const struct config *c)
{
	if (!c->nreceivers)
		return;
	buf_puts(b, "receivers:\n");
	for (size_t i = 0; i < c->nreceivers; i++) {
		const struct config_receiver *r = &c->receivers[i];
		struct buf body = {0};

		kv_any(&body, 2, "name", r->name);
		DUMP_LIST(&body, 2, "email_configs", r->email, r->nemail, dump_email);
		DUMP_LIST(&body, 2, "pagerduty_configs", r->pagerduty,
			  r->npagerduty, dump_pagerduty);
		DUMP_LIST(&body, 2, "slack_configs", r->slack, r->nslack, dump_slack);
		DUMP_LIST(&body, 2, "webhook_configs", r->webhook, r->nwebhook,
			  dump_webhook);
		as_item(b, 0, buf_str(&body));
		buf_free(&body);
	}
}

/* ---------------------------------------------------- time intervals */

static void range_text(struct buf *b, const struct config_range *r,
		       const char *const *names)
{
	if (names)
		buf_puts(b, names[r->begin]);
	else
		buf_printf(b, "%d", r->begin);
	if (r->begin == r->end)
		return;
	if (names)
		buf_printf(b, ":%s", names[r->end]);
	else
		buf_printf(b, ":%d", r->end);
}

static void flow_ranges(struct buf *b, int n, const char *k,
			const struct config_ranges *rs, const char *const *names)
{
	if (!rs->n)
		return;
	ind(b, n);
	buf_printf(b, "%s: [", k);
	for (size_t i = 0; i < rs->n; i++) {
		struct buf t = {0};

		range_text(&t, &rs->v[i], names);
		if (i)
			buf_puts(b, ", ");
		put_scalar(b, buf_str(&t), 1);
		buf_free(&t);
	}
	buf_puts(b, "]\n");
}

static void dump_spec(struct buf *b, int n, const struct config_time_spec *s)
{
	static const char *const weekdays[] = {"sunday", "monday", "tuesday",
					       "wednesday", "thursday",
					       "friday", "saturday"};

	if (s->times.n) {
		key(b, n, "times");
		for (size_t i = 0; i < s->times.n; i++) {
			char t[16];
			const struct config_range *r = &s->times.v[i];

			ind(b, n);
			buf_puts(b, "- start_time: ");
			snprintf(t, sizeof t, "%02d:%02d", r->begin / 60, r->begin % 60);
			put_scalar(b, t, 0);
			buf_putc(b, '\n');
			snprintf(t, sizeof t, "%02d:%02d", r->end / 60, r->end % 60);
			kv_any(b, n + 2, "end_time", t);
		}
	}
	flow_ranges(b, n, "weekdays", &s->weekdays, weekdays);
	flow_ranges(b, n, "days_of_month", &s->days_of_month, NULL);
	flow_ranges(b, n, "months", &s->months, NULL);
	flow_ranges(b, n, "years", &s->years, NULL);
	kv_str(b, n, "location", s->location);
}

static void dump_time_intervals(struct buf *b, const struct config *c,
				int legacy)
{
	int any = 0;

	for (size_t i = 0; i < c->ntime_intervals; i++) {
		const struct config_time_interval *t = &c->time_intervals[i];
		struct buf body = {0};

		if (t->legacy != legacy)
			continue;
		if (!any++)
			buf_puts(b, legacy ? "mute_time_intervals:\n" : "time_intervals:\n");
		kv_any(&body, 2, "name", t->name);
		key(&body, 2, "time_intervals");
		for (size_t j = 0; j < t->nspecs; j++) {
			struct buf sb = {0};

			dump_spec(&sb, 4, &t->specs[j]);
			if (sb.len)
				as_item(&body, 2, buf_str(&sb));
			else
				buf_puts(&body, "  - {}\n");
			buf_free(&sb);
		}
		as_item(b, 0, buf_str(&body));
		buf_free(&body);
	}
}

/* ----------------------------------------------------- Tocsin sections */

static void dump_datasource(struct buf *b, const struct config_datasource *ds)
{
	if (!ds->url[0])
		return;
	buf_puts(b, "datasource:\n");
	kv_str(b, 2, "url", ds->url);
	kv_dur(b, 2, "timeout", ds->timeout_ms);
	dump_auth(b, 2, &ds->http);
	kvmap(b, 2, "headers", ds->headers, ds->nheaders);
	dump_tls(b, 2, "tls_config", &ds->http.tls);
}

static void dump_evaluation(struct buf *b, const struct config_evaluation *ev)
{
	buf_puts(b, "evaluation:\n");
	kv_dur(b, 2, "interval", ev->interval_ms);
	kv_dur(b, 2, "query_offset", ev->query_offset_ms);
	kv_dur(b, 2, "resend_delay", ev->resend_delay_ms);
	kv_dur(b, 2, "for_outage_tolerance", ev->for_outage_tolerance_ms);
	kv_dur(b, 2, "for_grace_period", ev->for_grace_period_ms);
	ind(b, 2);
	buf_printf(b, "group_concurrency: %u\n", ev->group_concurrency);
	if (ev->external_labels->n) {
		key(b, 2, "external_labels");
		for (size_t i = 0; i < ev->external_labels->n; i++)
			kv_any(b, 4, ev->external_labels->v[i].name,
			       ev->external_labels->v[i].value);
	}
	kv_str(b, 2, "external_url", ev->external_url);
}

static void dump_tocsin(struct buf *b, const struct config *c)
{
	dump_datasource(b, &c->datasource);
	strv(b, 0, "rule_files", c->rule_files, c->nrule_files);
	dump_evaluation(b, &c->evaluation);
	if (c->nalertmanagers) {
		buf_puts(b, "alerting:\n  alertmanagers:\n");
		for (size_t i = 0; i < c->nalertmanagers; i++) {
			ind(b, 2);
			buf_puts(b, "- url: ");
			put_scalar(b, c->alertmanagers[i].url, 0);
			buf_putc(b, '\n');
			kv_dur(b, 4, "timeout", c->alertmanagers[i].timeout_ms);
		}
	}
	buf_puts(b, "storage:\n");
	kv_any(b, 2, "path", c->storage_path);
}

void config_dump(const struct config *c, struct buf *out, int tocsin)
{
	dump_global(out, &c->global);
	if (c->route)
		dump_route(out, 0, c->route, 0);
	dump_inhibit(out, c);
	dump_receivers(out, c);
	if (c->ntemplates)
		strv(out, 0, "templates", c->templates, c->ntemplates);
	else
		buf_puts(out, "templates: []\n");
	dump_time_intervals(out, c, 1);
	dump_time_intervals(out, c, 0);
	if (tocsin)
		dump_tocsin(out, c);
}
