/*
 * config_receivers.c - `receivers:` and the four integrations Tocsin
 * implements (email, PagerDuty, Slack, webhook), with Alertmanager 0.25's
 * defaults (DefaultEmailConfig, DefaultSlackConfig, ...), its global
 * fallbacks (Config.UnmarshalYAML) and its messages.  Integrations
 * Alertmanager knows but Tocsin does not implement are refused by name.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static const char *const receiver_keys[] = {
	"name", "email_configs", "pagerduty_configs", "slack_configs",
	"webhook_configs",
	/* Known to Alertmanager, refused by unsupported_integrations(). */
	"discord_configs", "opsgenie_configs", "pushover_configs",
	"sns_configs", "telegram_configs", "victorops_configs",
	"webex_configs", "wechat_configs", "msteams_configs",
	/* Alertmanager 0.28+; amtool 0.25 does not know them either. */
	"msteamsv2_configs", "jira_configs", "rocketchat_configs",
	"mattermost_configs", "incidentio_configs", NULL};

static const char *const email_keys[] = {
	"send_resolved", "to", "from", "hello", "smarthost", "auth_username",
	"auth_password", "auth_password_file", "auth_secret", "auth_identity",
	"headers", "html", "text", "require_tls", "tls_config", "rate_limit",
	NULL};
static const char *const pagerduty_keys[] = {
	"send_resolved", "http_config", "service_key", "service_key_file",
	"routing_key", "routing_key_file", "url", "client", "client_url",
	"description", "details", "images", "links", "source", "severity",
	"class", "component", "group", "rate_limit", NULL};
static const char *const pd_image_keys[] = {"src", "alt", "href", NULL};
static const char *const pd_link_keys[] = {"href", "text", NULL};
static const char *const slack_keys[] = {
	"send_resolved", "http_config", "api_url", "api_url_file", "channel",
	"username", "color", "title", "title_link", "pretext", "text",
	"fields", "short_fields", "footer", "fallback", "callback_id",
	"icon_emoji", "icon_url", "image_url", "thumb_url", "link_names",
	"mrkdwn_in", "actions", "rate_limit", NULL};
static const char *const slack_field_keys[] = {"title", "value", "short",
					       NULL};
static const char *const slack_action_keys[] = {
	"type", "text", "url", "style", "name", "value", "confirm", NULL};
static const char *const slack_confirm_keys[] = {"text", "title", "ok_text",
						 "dismiss_text", NULL};
/* url_file is a Tocsin extension (Alertmanager 0.26+). */
static const char *const webhook_keys[] = {"send_resolved", "http_config",
					   "url", "url_file", "max_alerts",
					   "rate_limit", NULL};
static const char *const rate_keys[] = {"per_second", "burst", NULL};

/* rate_limit (Tocsin's own): {per_second: non-negative number, burst:
 * positive integer}; absent keys keep the integration's defaults. */
static void rate_limit(struct cload *l, const struct ynode *n,
		       struct config_rate *r, double per_second,
		       uint32_t burst)
{
	const struct ynode *m = ydoc_get(n, "rate_limit"), *v;

	r->per_second = per_second;
	r->burst = burst;
	if (!m || m->kind == YNODE_NULL)
		return;
	if (m->kind != YNODE_MAP) {
		cl_err(l, m, "rate_limit: expected a mapping with per_second "
			     "and burst");
		return;
	}
	if (cl_keys(l, m, "rate_limit", rate_keys) != 0)
		return;
	if ((v = ydoc_get(m, "per_second")) && v->kind != YNODE_NULL) {
		char *end;
		double x;

		errno = 0;
		x = v->kind == YNODE_SCALAR ? strtod(v->str, &end) : -1;
		if (v->kind != YNODE_SCALAR || errno || *end || end == v->str ||
		    !(x >= 0 && x <= 1e6))
			cl_err(l, v, "rate_limit: per_second: cannot parse "
				     "\"%s\" as a number of messages per second "
				     "(0 to 1000000, 0: unlimited)",
			       ydoc_text(v));
		else
			r->per_second = x;
	}
	if ((v = ydoc_get(m, "burst")) && v->kind != YNODE_NULL) {
		unsigned long x;

		if (cl_count(v, 1000000, &x) == -1)
			cl_err(l, v, "rate_limit: burst: cannot parse \"%s\" "
				     "as a positive integer (at most 1000000)",
			       ydoc_text(v));
		else
			r->burst = (uint32_t)x;
	}
}

/* Every receiver key past the four integrations Tocsin implements. */
static const char *const *const unsupported_integrations = receiver_keys + 5;

#define SUPPORTED_LIST \
	"email_configs, pagerduty_configs, slack_configs, webhook_configs"

/* ------------------------------------------------------------- email */

/* Go's textproto.CanonicalMIMEHeaderKey(): keys with bytes outside the
 * token set stay as written. */
static char *mime_canonical(const char *k)
{
	char *s = xstrdup(k);
	int upper = 1;

	for (const char *p = k; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80 || !(isalnum(c) || strchr("!#$%&'*+-.^_`|~", c)))
			return s;
	}
	for (char *p = s; *p; p++) {
		if (upper && islower((unsigned char)*p))
			*p = (char)toupper((unsigned char)*p);
		else if (!upper && isupper((unsigned char)*p))
			*p = (char)tolower((unsigned char)*p);
		upper = *p == '-';
	}
	return s;
}

static const struct config_kv *kv_find(const struct config_kv *v, size_t n,
				       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static void header_default(struct config_email *e, const char *name,
			   const char *value)
{
	if (kv_find(e->headers, e->nheaders, name))
		return;
	e->headers = xrealloc(e->headers, (e->nheaders + 1) * sizeof *e->headers);
	e->headers[e->nheaders].name = xstrdup(name);
	e->headers[e->nheaders].value = xstrdup(value);
	e->nheaders++;
}

/* headers: names canonicalised like Go's textproto; two names that
 * canonicalise alike are an error at the later one. */
static void email_headers(struct cload *l, const struct ynode *n,
			  struct config_email *e)
{
	const struct ynode *map = NULL;

	if (ydoc_map(&l->y, n, "headers", &map) != 1 || map->n == 0)
		return;
	e->headers = xcalloc(map->n, sizeof *e->headers);
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i];
		const struct ynode *v = map->items[2 * i + 1];
		char *canon, *q;

		if (v->kind == YNODE_SEQ || v->kind == YNODE_MAP) {
			cl_err(l, v, "headers: value of \"%s\" must be a string", k->str);
			continue;
		}
		canon = mime_canonical(k->str);
		if (!kv_find(e->headers, e->nheaders, canon)) {
			e->headers[e->nheaders].name = canon;
			e->headers[e->nheaders].value = xstrdup(ydoc_text(v));
			e->nheaders++;
			continue;
		}
		q = config_quote(canon);
		cl_err(l, k, "duplicate header %s in email config", q);
		free(q);
		free(canon);
	}
}

static void email_globals(struct cload *l, const struct ynode *n,
			  struct config_email *e)
{
	const struct config_global *g = &l->cfg->global;

#define FALLBACK(field, gfield)                   \
	if (!e->field[0]) {                       \
		free(e->field);                   \
		e->field = xstrdup(g->gfield);    \
	}
	FALLBACK(smarthost, smtp_smarthost)
	FALLBACK(from, smtp_from)
	FALLBACK(hello, smtp_hello)
	FALLBACK(auth_username, smtp_auth_username)
	FALLBACK(auth_secret, smtp_auth_secret)
	FALLBACK(auth_identity, smtp_auth_identity)
#undef FALLBACK
	if (!e->auth_password[0] && !e->auth_password_file[0]) {
		free(e->auth_password);
		free(e->auth_password_file);
		e->auth_password = xstrdup(g->smtp_auth_password);
		e->auth_password_file = xstrdup(g->smtp_auth_password_file);
	}
	if (!e->smarthost[0])
		cl_err(l, n, "no global SMTP smarthost set");
	if (!e->from[0])
		cl_err(l, n, "no global SMTP from set");
}

/* The fields as written, with DefaultEmailConfig's html. */
static void email_fields(struct cload *l, const struct ynode *n,
			 struct config_email *e)
{
	e->line = n->line;
	e->col = n->col;
	e->send_resolved = cl_bool(l, n, "send_resolved", 0);
	rate_limit(l, n, &e->rate, 0, 1);
	e->to = cl_str(l, n, "to", NULL);
	e->from = cl_str(l, n, "from", NULL);
	e->hello = cl_str(l, n, "hello", NULL);
	e->smarthost = cl_str(l, n, "smarthost", NULL);
	e->auth_username = cl_str(l, n, "auth_username", NULL);
	e->auth_password = cl_str(l, n, "auth_password", NULL);
	e->auth_password_file = cl_path(l, n, "auth_password_file");
	e->auth_secret = cl_str(l, n, "auth_secret", NULL);
	e->auth_identity = cl_str(l, n, "auth_identity", NULL);
	e->html = cl_str(l, n, "html", "{{ template \"email.default.html\" . }}");
	e->text = cl_str(l, n, "text", NULL);
	e->require_tls = l->cfg->global.smtp_require_tls;
	cl_bool_opt(l, n, "require_tls", &e->require_tls);
	config_tls_init(&e->tls);
	config_tls_load(l, ydoc_get(n, "tls_config"), &e->tls);
}

/* Splits the effective smarthost; an own bad one is reported. */
static void email_smarthost(struct cload *l, const struct ynode *n,
			    struct config_email *e, int own)
{
	struct buf err = {0};

	if (e->smarthost[0] &&
	    config_hostport_split(e->smarthost, &e->smarthost_host,
				  &e->smarthost_port, &err) < 0 && own)
		cl_err(l, cl_pos(n, "smarthost"), "%s", buf_str(&err));
	if (!e->smarthost_host) {
		e->smarthost_host = xstrdup("");
		e->smarthost_port = xstrdup("");
	}
	buf_free(&err);
}

static void email_load(struct cload *l, const struct ynode *n, void *item)
{
	struct config_email *e = item;
	int own_smarthost;

	email_fields(l, n, e);
	own_smarthost = e->smarthost[0] != '\0';
	if (!e->to[0])
		cl_err(l, n, "missing to address in email config");
	email_headers(l, n, e);
	/* Alertmanager 0.25 accepts both (the inline password wins); later
	 * versions refuse them together. */
	if (e->auth_password[0] && e->auth_password_file[0])
		cl_warn(l, n, "at most one of auth_password & auth_password_file should be configured; auth_password is used");
	email_globals(l, n, e);
	email_smarthost(l, n, e, own_smarthost);
	header_default(e, "Subject", CONFIG_EMAIL_DEFAULT_SUBJECT);
	header_default(e, "To", e->to);
	header_default(e, "From", e->from);
	qsort(e->headers, e->nheaders, sizeof *e->headers, config_kv_cmp);
}

static void email_free(void *item)
{
	struct config_email *e = item;

	free(e->to);
	free(e->from);
	free(e->hello);
	free(e->smarthost);
	free(e->smarthost_host);
	free(e->smarthost_port);
	free(e->auth_username);
	free(e->auth_password);
	free(e->auth_password_file);
	free(e->auth_secret);
	free(e->auth_identity);
	config_kv_free(e->headers, e->nheaders);
	free(e->html);
	free(e->text);
	config_tls_free(&e->tls);
}

/* --------------------------------------------------------- PagerDuty */

static const struct config_kv pd_default_details[] = {
	{"firing", "{{ template \"pagerduty.default.instances\" .Alerts.Firing }}"},
	{"num_firing", "{{ .Alerts.Firing | len }}"},
	{"num_resolved", "{{ .Alerts.Resolved | len }}"},
	{"resolved", "{{ template \"pagerduty.default.instances\" .Alerts.Resolved }}"},
};

static void pd_details(struct cload *l, const struct ynode *n,
		       struct config_pagerduty *p)
{
	p->details = cl_kv(l, n, "details", &p->ndetails);
	for (size_t i = 0; i < ARRAY_LEN(pd_default_details); i++) {
		const struct config_kv *dk = &pd_default_details[i];
		size_t j;

		for (j = 0; j < p->ndetails; j++)
			if (strcmp(p->details[j].name, dk->name) == 0)
				break;
		if (j < p->ndetails)
			continue;
		p->details = xrealloc(p->details,
				      (p->ndetails + 1) * sizeof *p->details);
		p->details[p->ndetails].name = xstrdup(dk->name);
		p->details[p->ndetails].value = xstrdup(dk->value);
		p->ndetails++;
	}
	qsort(p->details, p->ndetails, sizeof *p->details, config_kv_cmp);
}

/* Returns the mapping items of the list under key; null items are
 * skipped, other non-mappings are errors.  *n gets the count of usable
 * items. */
static const struct ynode **map_items(struct cload *l, const struct ynode *m,
				      const char *key, const char *what,
				      const char *const *keys, size_t *n)
{
	const struct ynode *s = cl_seq(l, m, key);
	const struct ynode **v;

	*n = 0;
	if (!s || s->n == 0)
		return NULL;
	v = xcalloc(s->n, sizeof *v);
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *it = s->items[i];

		if (it->kind == YNODE_NULL)
			continue;	/* yaml.v2 leaves a zero item; 0.25 accepts it */
		if (it->kind != YNODE_MAP) {
			cl_err(l, it, "%s: expected a mapping, got %s", what,
			       it->kind == YNODE_SEQ ? "a sequence" : "a scalar");
			continue;
		}
		if (cl_keys(l, it, what, keys) == 0)
			v[(*n)++] = it;
	}
	return v;
}

static void pd_images_links(struct cload *l, const struct ynode *n,
			    struct config_pagerduty *p)
{
	size_t k;
	const struct ynode **it;

	it = map_items(l, n, "images", "pagerduty image", pd_image_keys, &k);
	p->images = k ? xcalloc(k, sizeof *p->images) : NULL;
	for (size_t i = 0; i < k; i++) {
		p->images[i].src = cl_str(l, it[i], "src", NULL);
		p->images[i].alt = cl_str(l, it[i], "alt", NULL);
		p->images[i].href = cl_str(l, it[i], "href", NULL);
	}
	p->nimages = k;
	free(it);
	it = map_items(l, n, "links", "pagerduty link", pd_link_keys, &k);
	p->links = k ? xcalloc(k, sizeof *p->links) : NULL;
	for (size_t i = 0; i < k; i++) {
		p->links[i].href = cl_str(l, it[i], "href", NULL);
		p->links[i].text = cl_str(l, it[i], "text", NULL);
	}
	p->nlinks = k;
	free(it);
}

static void pd_load(struct cload *l, const struct ynode *n, void *item)
{
	struct config_pagerduty *p = item;
	const struct config_global *g = &l->cfg->global;

	p->line = n->line;
	p->col = n->col;
	p->send_resolved = cl_bool(l, n, "send_resolved", 1);
	rate_limit(l, n, &p->rate, 0, 1);
	if (cl_has(n, "http_config"))
		config_http_load(l, ydoc_get(n, "http_config"), &p->http);
	else
		config_http_copy(&p->http, &g->http);
	p->service_key = cl_str(l, n, "service_key", NULL);
	p->service_key_file = cl_path(l, n, "service_key_file");
	p->routing_key = cl_str(l, n, "routing_key", NULL);
	p->routing_key_file = cl_path(l, n, "routing_key_file");
	p->url = cl_url(l, n, "url", g->pagerduty_url);
	p->client = cl_str(l, n, "client", "{{ template \"pagerduty.default.client\" . }}");
	p->client_url = cl_str(l, n, "client_url", "{{ template \"pagerduty.default.clientURL\" . }}");
	p->description = cl_str(l, n, "description", "{{ template \"pagerduty.default.description\" .}}");
	pd_details(l, n, p);
	pd_images_links(l, n, p);
	p->source = cl_str(l, n, "source", NULL);
	if (!p->source[0]) {
		free(p->source);
		p->source = xstrdup(p->client);
	}
	p->severity = cl_str(l, n, "severity", NULL);
	p->class = cl_str(l, n, "class", NULL);
	p->component = cl_str(l, n, "component", NULL);
	p->group = cl_str(l, n, "group", NULL);
	if (!p->routing_key[0] && !p->service_key[0] &&
	    !p->routing_key_file[0] && !p->service_key_file[0])
		cl_err(l, n, "missing service or routing key in PagerDuty config");
	if (p->routing_key[0] && p->routing_key_file[0])
		cl_err(l, n, "at most one of routing_key & routing_key_file must be configured");
	if (p->service_key[0] && p->service_key_file[0])
		cl_err(l, n, "at most one of service_key & service_key_file must be configured");
	if (!p->url[0] && !cl_has(n, "url"))
		cl_err(l, n, "no global PagerDuty URL set");
}

static void pd_free(void *item)
{
	struct config_pagerduty *p = item;

	config_http_free(&p->http);
	free(p->service_key);
	free(p->service_key_file);
	free(p->routing_key);
	free(p->routing_key_file);
	free(p->url);
	free(p->client);
	free(p->client_url);
	free(p->description);
	config_kv_free(p->details, p->ndetails);
	for (size_t i = 0; i < p->nimages; i++) {
		free(p->images[i].src);
		free(p->images[i].alt);
		free(p->images[i].href);
	}
	free(p->images);
	for (size_t i = 0; i < p->nlinks; i++) {
		free(p->links[i].href);
		free(p->links[i].text);
	}
	free(p->links);
	free(p->source);
	free(p->severity);
	free(p->class);
	free(p->component);
	free(p->group);
}

/* ------------------------------------------------------------- Slack */

static void slack_fields(struct cload *l, const struct ynode *n,
			 struct config_slack *s)
{
	size_t k;
	const struct ynode **it = map_items(l, n, "fields", "slack field",
					    slack_field_keys, &k);

	s->fields = k ? xcalloc(k, sizeof *s->fields) : NULL;
	for (size_t i = 0; i < k; i++) {
		struct config_slack_field *f = &s->fields[i];

		f->title = cl_str(l, it[i], "title", NULL);
		f->value = cl_str(l, it[i], "value", NULL);
		f->short_set = cl_bool_opt(l, it[i], "short", &f->is_short);
		if (!f->title[0])
			cl_err(l, it[i], "missing title in Slack field configuration");
		if (!f->value[0])
			cl_err(l, it[i], "missing value in Slack field configuration");
	}
	s->nfields = k;
	free(it);
}

static void slack_confirm(struct cload *l, const struct ynode *a,
			  struct config_slack_action *act)
{
	const struct ynode *c = ydoc_get(a, "confirm");
	struct config_slack_confirm *cf = &act->confirm;

	if (c && c->kind != YNODE_NULL && cl_keys(l, c, "slack confirm", slack_confirm_keys) == 0) {
		cf->set = 1;
		cf->text = cl_str(l, c, "text", NULL);
		cf->title = cl_str(l, c, "title", NULL);
		cf->ok_text = cl_str(l, c, "ok_text", NULL);
		cf->dismiss_text = cl_str(l, c, "dismiss_text", NULL);
		if (!cf->text[0])
			cl_err(l, c, "missing text in Slack confirmation configuration");
		return;
	}
	cf->text = xstrdup("");
	cf->title = xstrdup("");
	cf->ok_text = xstrdup("");
	cf->dismiss_text = xstrdup("");
}

static void slack_actions(struct cload *l, const struct ynode *n,
			  struct config_slack *s)
{
	size_t k;
	const struct ynode **it = map_items(l, n, "actions", "slack action",
					    slack_action_keys, &k);

	s->actions = k ? xcalloc(k, sizeof *s->actions) : NULL;
	for (size_t i = 0; i < k; i++) {
		struct config_slack_action *a = &s->actions[i];

		a->type = cl_str(l, it[i], "type", NULL);
		a->text = cl_str(l, it[i], "text", NULL);
		a->url = cl_str(l, it[i], "url", NULL);
		a->style = cl_str(l, it[i], "style", NULL);
		a->name = cl_str(l, it[i], "name", NULL);
		a->value = cl_str(l, it[i], "value", NULL);
		slack_confirm(l, it[i], a);
		if (!a->type[0])
			cl_err(l, it[i], "missing type in Slack action configuration");
		if (!a->text[0])
			cl_err(l, it[i], "missing text in Slack action configuration");
		if (!a->url[0] && !a->name[0])
			cl_err(l, it[i], "missing name or url in Slack action configuration");
	}
	s->nactions = k;
	free(it);
}

static void slack_api(struct cload *l, const struct ynode *n,
		      struct config_slack *s)
{
	const struct config_global *g = &l->cfg->global;

	s->api_url = cl_secret_url(l, n, "api_url", NULL);
	s->api_url_file = cl_path(l, n, "api_url_file");
	if (cl_has(n, "api_url") && s->api_url_file[0])
		cl_err(l, n, "at most one of api_url & api_url_file must be configured");
	if (cl_has(n, "api_url") || s->api_url_file[0])
		return;
	if (!g->slack_api_url[0] && !g->slack_api_url_file[0]) {
		cl_err(l, n, "no global Slack API URL set either inline or in a file");
		return;
	}
	free(s->api_url);
	free(s->api_url_file);
	s->api_url = xstrdup(g->slack_api_url);
	s->api_url_file = xstrdup(g->slack_api_url_file);
}

#define SLACK_DEFAULT(name) "{{ template \"slack.default." name "\" . }}"

static void slack_load(struct cload *l, const struct ynode *n, void *item)
{
	struct config_slack *s = item;

	s->line = n->line;
	s->col = n->col;
	s->send_resolved = cl_bool(l, n, "send_resolved", 0);
	/* Slack: one message per second per incoming webhook */
	rate_limit(l, n, &s->rate, 1, 1);
	if (cl_has(n, "http_config"))
		config_http_load(l, ydoc_get(n, "http_config"), &s->http);
	else
		config_http_copy(&s->http, &l->cfg->global.http);
	slack_api(l, n, s);
	s->channel = cl_str(l, n, "channel", NULL);
	s->username = cl_str(l, n, "username", SLACK_DEFAULT("username"));
	s->color = cl_str(l, n, "color", "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}");
	s->title = cl_str(l, n, "title", SLACK_DEFAULT("title"));
	s->title_link = cl_str(l, n, "title_link", SLACK_DEFAULT("titlelink"));
	s->pretext = cl_str(l, n, "pretext", SLACK_DEFAULT("pretext"));
	s->text = cl_str(l, n, "text", SLACK_DEFAULT("text"));
	s->footer = cl_str(l, n, "footer", SLACK_DEFAULT("footer"));
	s->fallback = cl_str(l, n, "fallback", SLACK_DEFAULT("fallback"));
	s->callback_id = cl_str(l, n, "callback_id", SLACK_DEFAULT("callbackid"));
	s->icon_emoji = cl_str(l, n, "icon_emoji", SLACK_DEFAULT("iconemoji"));
	s->icon_url = cl_str(l, n, "icon_url", SLACK_DEFAULT("iconurl"));
	s->image_url = cl_str(l, n, "image_url", NULL);
	s->thumb_url = cl_str(l, n, "thumb_url", NULL);
	s->short_fields = cl_bool(l, n, "short_fields", 0);
	s->link_names = cl_bool(l, n, "link_names", 0);
	s->mrkdwn_in = cl_strlist(l, n, "mrkdwn_in", &s->nmrkdwn_in);
	slack_fields(l, n, s);
	slack_actions(l, n, s);
}

static void slack_free(void *item)
{
	struct config_slack *s = item;

	config_http_free(&s->http);
	free(s->api_url);
	free(s->api_url_file);
	free(s->channel);
	free(s->username);
	free(s->color);
	free(s->title);
	free(s->title_link);
	free(s->pretext);
	free(s->text);
	free(s->footer);
	free(s->fallback);
	free(s->callback_id);
	free(s->icon_emoji);
	free(s->icon_url);
	free(s->image_url);
	free(s->thumb_url);
	config_strv_free(s->mrkdwn_in, s->nmrkdwn_in);
	for (size_t i = 0; i < s->nfields; i++) {
		free(s->fields[i].title);
		free(s->fields[i].value);
	}
	free(s->fields);
	for (size_t i = 0; i < s->nactions; i++) {
		struct config_slack_action *a = &s->actions[i];

		free(a->type);
		free(a->text);
		free(a->url);
		free(a->style);
		free(a->name);
		free(a->value);
		free(a->confirm.text);
		free(a->confirm.title);
		free(a->confirm.ok_text);
		free(a->confirm.dismiss_text);
	}
	free(s->actions);
}

/* ----------------------------------------------------------- webhook */

/* max_alerts is a uint64: a plain non-negative number (yaml.v2 also
 * truncates floats). */
static uint64_t max_alerts(struct cload *l, const struct ynode *n)
{
	const struct ynode *v = ydoc_get(n, "max_alerts");
	unsigned long long x;
	char *end;

	if (!v || v->kind == YNODE_NULL)
		return 0;
	if (v->kind == YNODE_SCALAR && v->plain && isdigit((unsigned char)v->str[0])) {
		errno = 0;
		x = strtoull(v->str, &end, 0);
		if (!errno && (!*end || (*end == '.' && strspn(end + 1, "0123456789") ==
							strlen(end + 1))))
			return (uint64_t)x;
	}
	cl_err(l, v, "max_alerts: cannot parse \"%s\" as a non-negative integer",
	       ydoc_text(v));
	return 0;
}

static void webhook_load(struct cload *l, const struct ynode *n, void *item)
{
	struct config_webhook *w = item;

	w->line = n->line;
	w->col = n->col;
	w->send_resolved = cl_bool(l, n, "send_resolved", 1);
	rate_limit(l, n, &w->rate, 0, 1);
	if (cl_has(n, "http_config"))
		config_http_load(l, ydoc_get(n, "http_config"), &w->http);
	else
		config_http_copy(&w->http, &l->cfg->global.http);
	w->url = cl_url(l, n, "url", NULL);
	w->url_file = cl_path(l, n, "url_file");
	w->max_alerts = max_alerts(l, n);
	if (cl_has(n, "url") && w->url_file[0])
		cl_err(l, n, "at most one of url & url_file must be configured");
	else if (!cl_has(n, "url") && !w->url_file[0])
		cl_err(l, n, "missing URL in webhook config");
}

static void webhook_free(void *item)
{
	struct config_webhook *w = item;

	config_http_free(&w->http);
	free(w->url);
	free(w->url_file);
}

/* ---------------------------------------------------------- receivers */

struct integration {
	const char *key, *what;
	const char *const *keys;
	size_t size;
	size_t arr_off, n_off;	/* where the array and count live */
	void (*load)(struct cload *l, const struct ynode *n, void *item);
	void (*free)(void *item);
};

#define INTEGRATION(key, what, keys, type, field, load, fr)              \
	{key, what, keys, sizeof(struct type),                           \
	 offsetof(struct config_receiver, field),                        \
	 offsetof(struct config_receiver, n##field), load, fr}

static const struct integration integrations[] = {
	INTEGRATION("email_configs", "email_config", email_keys, config_email,
		    email, email_load, email_free),
	INTEGRATION("pagerduty_configs", "pagerduty_config", pagerduty_keys,
		    config_pagerduty, pagerduty, pd_load, pd_free),
	INTEGRATION("slack_configs", "slack_config", slack_keys, config_slack,
		    slack, slack_load, slack_free),
	INTEGRATION("webhook_configs", "webhook_config", webhook_keys,
		    config_webhook, webhook, webhook_load, webhook_free),
};

static void **integ_array(struct config_receiver *r,
			  const struct integration *in)
{
	return (void **)((char *)r + in->arr_off);
}

static size_t *integ_count(struct config_receiver *r,
			   const struct integration *in)
{
	return (size_t *)((char *)r + in->n_off);
}

static void integration_load(struct cload *l, const struct ynode *rn,
			     struct config_receiver *r,
			     const struct integration *in)
{
	const struct ynode *s = cl_seq(l, rn, in->key);
	char *arr;
	size_t n = 0;

	if (!s || s->n == 0)
		return;
	arr = xcalloc(s->n, in->size);
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *it = s->items[i];

		if (it->kind == YNODE_NULL) {
			cl_err(l, it, "missing %s", in->what);
			continue;
		}
		if (cl_keys(l, it, in->what, in->keys))
			continue;
		in->load(l, it, arr + n * in->size);
		n++;
	}
	*integ_array(r, in) = arr;
	*integ_count(r, in) = n;
}

static void receiver_load(struct cload *l, const struct ynode *rn,
			  struct config_receiver *r)
{
	r->line = rn->line;
	r->col = rn->col;
	r->name = xstrdup("");
	if (rn->kind == YNODE_NULL) {
		cl_err(l, rn, "missing name in receiver");
		return;
	}
	if (cl_keys(l, rn, "receiver", receiver_keys) && rn->kind != YNODE_MAP)
		return;
	free(r->name);
	r->name = cl_str(l, rn, "name", NULL);
	if (!r->name[0])
		cl_err(l, rn, "missing name in receiver");
	for (size_t i = 0; unsupported_integrations[i]; i++) {
		const struct ynode *k = ydoc_get_key(rn, unsupported_integrations[i]);

		char *q;

		if (!k)
			continue;
		q = config_quote(r->name);
		cl_err(l, k, "receiver %s: %s is not supported by Tocsin (supported: " SUPPORTED_LIST ")",
		       q, unsupported_integrations[i]);
		free(q);
	}
	for (size_t i = 0; i < ARRAY_LEN(integrations); i++)
		integration_load(l, rn, r, &integrations[i]);
}

void config_receivers_load(struct cload *l, const struct ynode *seq)
{
	struct config *c = l->cfg;

	if (!seq || seq->n == 0)
		return;
	c->receivers = xcalloc(seq->n, sizeof *c->receivers);
	for (size_t i = 0; i < seq->n; i++) {
		struct config_receiver *r = &c->receivers[i];

		receiver_load(l, seq->items[i], r);
		c->nreceivers++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->receivers[j].name, r->name) == 0) {
				char *q = config_quote(r->name);

				cl_err(l, cl_pos(seq->items[i], "name"),
				       "notification config name %s is not unique", q);
				free(q);
				break;
			}
	}
}

void config_receiver_free(struct config_receiver *r)
{
	for (size_t i = 0; i < ARRAY_LEN(integrations); i++) {
		const struct integration *in = &integrations[i];
		char *arr = *integ_array(r, in);
		size_t n = *integ_count(r, in);

		for (size_t j = 0; j < n; j++)
			in->free(arr + j * in->size);
		free(arr);
	}
	free(r->name);
}
