/*
 * config_global.c - the `global:` section: Alertmanager 0.25's
 * DefaultGlobalConfig() and its checks.  Keys of integrations Tocsin does
 * not implement (opsgenie_*, wechat_*, victorops_*, telegram_api_url,
 * webex_api_url) are rejected by name instead of being ignored.
 */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static const char *const global_keys[] = {
	"resolve_timeout", "http_config", "smtp_from", "smtp_hello",
	"smtp_smarthost", "smtp_auth_username", "smtp_auth_password",
	"smtp_auth_password_file", "smtp_auth_secret", "smtp_auth_identity",
	"smtp_require_tls", "slack_api_url", "slack_api_url_file",
	"pagerduty_url",
	/* Known to Alertmanager 0.25, refused below. */
	"opsgenie_api_url", "opsgenie_api_key", "opsgenie_api_key_file",
	"wechat_api_url", "wechat_api_secret", "wechat_api_corp_id",
	"victorops_api_url", "victorops_api_key", "victorops_api_key_file",
	"telegram_api_url", "webex_api_url",
	/* Alertmanager 0.28+, refused below as well. */
	"jira_api_url", "rocketchat_api_url", "rocketchat_token",
	"rocketchat_token_file", "rocketchat_token_id",
	"rocketchat_token_id_file", NULL};

/* Global keys of integrations Tocsin does not implement. */
static const struct {
	const char *key, *integration;
} unsupported_keys[] = {
	{"opsgenie_api_url", "opsgenie_configs"},
	{"opsgenie_api_key", "opsgenie_configs"},
	{"opsgenie_api_key_file", "opsgenie_configs"},
	{"wechat_api_url", "wechat_configs"},
	{"wechat_api_secret", "wechat_configs"},
	{"wechat_api_corp_id", "wechat_configs"},
	{"victorops_api_url", "victorops_configs"},
	{"victorops_api_key", "victorops_configs"},
	{"victorops_api_key_file", "victorops_configs"},
	{"telegram_api_url", "telegram_configs"},
	{"webex_api_url", "webex_configs"},
	{"jira_api_url", "jira_configs"},
	{"rocketchat_api_url", "rocketchat_configs"},
	{"rocketchat_token", "rocketchat_configs"},
	{"rocketchat_token_file", "rocketchat_configs"},
	{"rocketchat_token_id", "rocketchat_configs"},
	{"rocketchat_token_id_file", "rocketchat_configs"},
};

static void global_defaults(struct config_global *g)
{
	memset(g, 0, sizeof *g);
	g->resolve_timeout_ms = CONFIG_DEFAULT_RESOLVE_TIMEOUT;
	config_http_init(&g->http);
	g->smtp_from = xstrdup("");
	g->smtp_hello = xstrdup(CONFIG_DEFAULT_SMTP_HELLO);
	g->smtp_smarthost = xstrdup("");
	g->smtp_auth_username = xstrdup("");
	g->smtp_auth_password = xstrdup("");
	g->smtp_auth_password_file = xstrdup("");
	g->smtp_auth_secret = xstrdup("");
	g->smtp_auth_identity = xstrdup("");
	g->smtp_require_tls = 1;
	g->slack_api_url = xstrdup("");
	g->slack_api_url_file = xstrdup("");
	g->pagerduty_url = xstrdup(CONFIG_DEFAULT_PAGERDUTY_URL);
}

static void unsupported(struct cload *l, const struct ynode *n)
{
	for (size_t i = 0; i < ARRAY_LEN(unsupported_keys); i++) {
		const struct ynode *k = ydoc_get_key(n, unsupported_keys[i].key);

		if (k)
			cl_err(l, k, "global: %s is not supported by Tocsin (%s are not supported)",
			       unsupported_keys[i].key,
			       unsupported_keys[i].integration);
	}
}

static void smarthost_check(struct cload *l, const struct ynode *m,
			    const char *key, const char *v);

void config_global_load(struct cload *l, const struct ynode *n)
{
	struct config_global *g = &l->cfg->global;
	char *s;

	global_defaults(g);
	if (!n || n->kind == YNODE_NULL || cl_keys(l, n, "global", global_keys))
		return;
	unsupported(l, n);
	g->resolve_timeout_ms = cl_duration(l, n, "resolve_timeout",
					    CONFIG_DEFAULT_RESOLVE_TIMEOUT, NULL);
	config_http_load(l, ydoc_get(n, "http_config"), &g->http);
#define STR(field, def)                                  \
	s = cl_str(l, n, #field, def);                   \
	free(g->field);                                  \
	g->field = s
	STR(smtp_from, "");
	STR(smtp_hello, CONFIG_DEFAULT_SMTP_HELLO);
	STR(smtp_smarthost, "");
	STR(smtp_auth_username, "");
	STR(smtp_auth_password, "");
	STR(smtp_auth_secret, "");
	STR(smtp_auth_identity, "");
#undef STR
	smarthost_check(l, n, "smtp_smarthost", g->smtp_smarthost);
	free(g->smtp_auth_password_file);
	g->smtp_auth_password_file = cl_path(l, n, "smtp_auth_password_file");
	g->smtp_require_tls = cl_bool(l, n, "smtp_require_tls", 1);
	free(g->slack_api_url);
	g->slack_api_url = cl_secret_url(l, n, "slack_api_url", "");
	free(g->slack_api_url_file);
	g->slack_api_url_file = cl_path(l, n, "slack_api_url_file");
	free(g->pagerduty_url);
	/* An explicit null clears the default, as yaml.v2 does. */
	g->pagerduty_url = cl_url(l, n, "pagerduty_url",
				  ydoc_get_key(n, "pagerduty_url") ? "" :
				  CONFIG_DEFAULT_PAGERDUTY_URL);
	if (cl_has(n, "slack_api_url") && g->slack_api_url_file[0])
		cl_err(l, n, "at most one of slack_api_url & slack_api_url_file must be configured");
	if (g->smtp_auth_password[0] && g->smtp_auth_password_file[0])
		cl_err(l, n, "at most one of smtp_auth_password & smtp_auth_password_file must be configured");
}

void config_global_free(struct config_global *g)
{
	config_http_free(&g->http);
	free(g->smtp_from);
	free(g->smtp_hello);
	free(g->smtp_smarthost);
	free(g->smtp_auth_username);
	free(g->smtp_auth_password);
	free(g->smtp_auth_password_file);
	free(g->smtp_auth_secret);
	free(g->smtp_auth_identity);
	free(g->slack_api_url);
	free(g->slack_api_url_file);
	free(g->pagerduty_url);
	memset(g, 0, sizeof *g);
}

/* ------------------------------------------------------------ HostPort */

static int addr_error(struct buf *err, const char *s, const char *why)
{
	buf_printf(err, "address %s: %s", s, why);
	return -1;
}

int config_hostport_split(const char *s, char **host, char **port,
			  struct buf *err)
{
	const char *colon = strrchr(s, ':');
	size_t j = 0, k = 0, hs = 0, he;

	if (!colon)
		return addr_error(err, s, "missing port in address");
	he = (size_t)(colon - s);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return addr_error(err, s, "missing ']' in address");
		if (close + 1 != colon)
			return addr_error(err, s, close[1] == ':' ?
					  "too many colons in address" :
					  "missing port in address");
		hs = 1;
		he = (size_t)(close - s);
		j = 1;
		k = he + 1;
	} else if (memchr(s, ':', he)) {
		return addr_error(err, s, "too many colons in address");
	}
	if (strchr(s + j, '['))
		return addr_error(err, s, "unexpected '[' in address");
	if (strchr(s + k, ']'))
		return addr_error(err, s, "unexpected ']' in address");
	if (!colon[1]) {
		buf_puts(err, "address ");
		buf_quote(err, s);
		buf_puts(err, ": port cannot be empty");
		return -1;
	}
	*host = xstrndup(s + hs, he - hs);
	*port = xstrdup(colon + 1);
	return 0;
}

/* smtp_smarthost is a host:port checked like Alertmanager's HostPort. */
static void smarthost_check(struct cload *l, const struct ynode *m,
			    const char *key, const char *v)
{
	struct buf err = {0};
	char *h = NULL, *p = NULL;

	if (v[0] && config_hostport_split(v, &h, &p, &err) < 0)
		cl_err(l, cl_pos(m, key), "%s", buf_str(&err));
	free(h);
	free(p);
	buf_free(&err);
}
