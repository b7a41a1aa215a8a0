/*
 * config_http.c - http_config and tls_config blocks, with the defaults and
 * validation of prometheus/common's HTTPClientConfig (the version
 * Alertmanager 0.25 links): follow_redirects and enable_http2 default to
 * true, bearer_token[_file] folds into authorization, and the mutual
 * exclusions are checked with the library's messages.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

static const char *const http_keys[] = {
	"basic_auth", "authorization", "oauth2", "bearer_token",
	"bearer_token_file", "proxy_url", "proxy_connect_header",
	"tls_config", "follow_redirects", "enable_http2", NULL};
static const char *const tls_keys[] = {
	"ca_file", "cert_file", "key_file", "server_name",
	"insecure_skip_verify", "min_version", "max_version", NULL};
static const char *const basic_auth_keys[] = {"username", "password",
					      "password_file", NULL};
static const char *const authorization_keys[] = {"type", "credentials",
						 "credentials_file", NULL};
static const char *const oauth2_keys[] = {
	"client_id", "client_secret", "client_secret_file", "scopes",
	"token_url", "endpoint_params", "tls_config", "proxy_url", NULL};
static const char *const tls_versions[] = {"TLS10", "TLS11", "TLS12",
					   "TLS13", NULL};

/* ---------------------------------------------------------------- TLS */

void config_tls_init(struct config_tls *t)
{
	t->ca_file = xstrdup("");
	t->cert_file = xstrdup("");
	t->key_file = xstrdup("");
	t->server_name = xstrdup("");
	t->insecure_skip_verify = 0;
	t->min_version = xstrdup("");
	t->max_version = xstrdup("");
}

static char *tls_version(struct cload *l, const struct ynode *m,
			 const char *key)
{
	char *v;

	if (!ydoc_get_key(m, key))
		return xstrdup("");
	v = cl_str(l, m, key, NULL);
	for (size_t i = 0; tls_versions[i]; i++)
		if (strcmp(v, tls_versions[i]) == 0)
			return v;
	cl_err(l, cl_pos(m, key), "unknown TLS version: %s", v);
	v[0] = '\0';
	return v;
}

void config_tls_load(struct cload *l, const struct ynode *n,
		     struct config_tls *t)
{
	config_tls_free(t);
	if (!n || n->kind == YNODE_NULL || cl_keys(l, n, "tls_config", tls_keys)) {
		config_tls_init(t);
		return;
	}
	t->ca_file = cl_path(l, n, "ca_file");
	t->cert_file = cl_path(l, n, "cert_file");
	t->key_file = cl_path(l, n, "key_file");
	t->server_name = cl_str(l, n, "server_name", NULL);
	t->insecure_skip_verify = cl_bool(l, n, "insecure_skip_verify", 0);
	t->min_version = tls_version(l, n, "min_version");
	t->max_version = tls_version(l, n, "max_version");
}

void config_tls_copy(struct config_tls *dst, const struct config_tls *src)
{
	dst->ca_file = xstrdup(src->ca_file);
	dst->cert_file = xstrdup(src->cert_file);
	dst->key_file = xstrdup(src->key_file);
	dst->server_name = xstrdup(src->server_name);
	dst->insecure_skip_verify = src->insecure_skip_verify;
	dst->min_version = xstrdup(src->min_version);
	dst->max_version = xstrdup(src->max_version);
}

void config_tls_free(struct config_tls *t)
{
	free(t->ca_file);
	free(t->cert_file);
	free(t->key_file);
	free(t->server_name);
	free(t->min_version);
	free(t->max_version);
	memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------ auth blocks */

struct config_basic_auth *config_basic_auth_load(struct cload *l,
						 const struct ynode *n)
{
	struct config_basic_auth *b;

	if (!n || n->kind == YNODE_NULL ||
	    cl_keys(l, n, "basic_auth", basic_auth_keys))
		return NULL;
	b = xcalloc(1, sizeof *b);
	b->username = cl_str(l, n, "username", NULL);
	b->password = cl_str(l, n, "password", NULL);
	b->password_file = cl_path(l, n, "password_file");
	return b;
}

struct config_authorization *config_authorization_load(struct cload *l,
						       const struct ynode *n)
{
	struct config_authorization *a;
	char *type;
	size_t i = 0, len;

	if (!n || n->kind == YNODE_NULL ||
	    cl_keys(l, n, "authorization", authorization_keys))
		return NULL;
	a = xcalloc(1, sizeof *a);
	type = cl_str(l, n, "type", NULL);
	/* Trimmed of spaces; "Bearer" when empty. */
	while (type[i] == ' ' || type[i] == '\t' || type[i] == '\n')
		i++;
	len = strlen(type + i);
	while (len && strchr(" \t\n\r", type[i + len - 1]))
		len--;
	a->type = len ? xstrndup(type + i, len) : xstrdup("Bearer");
	free(type);
	a->credentials = cl_str(l, n, "credentials", NULL);
	a->credentials_file = cl_path(l, n, "credentials_file");
	return a;
}

void config_basic_auth_free(struct config_basic_auth *b)
{
	if (!b)
		return;
	free(b->username);
	free(b->password);
	free(b->password_file);
	free(b);
}

void config_authorization_free(struct config_authorization *a)
{
	if (!a)
		return;
	free(a->type);
	free(a->credentials);
	free(a->credentials_file);
	free(a);
}

static char *common_url(struct cload *l, const struct ynode *m,
			const char *key)
{
	char *s = cl_str(l, m, key, NULL);
	struct buf err = {0};

	if (s[0] && config_url_parse(s, &err, NULL, NULL) < 0) {
		cl_err(l, cl_pos(m, key), "%s", buf_str(&err));
		s[0] = '\0';
	}
	buf_free(&err);
	return s;
}

static struct config_oauth2 *oauth2_load(struct cload *l,
					 const struct ynode *n)
{
	struct config_oauth2 *o;

	if (!n || n->kind == YNODE_NULL || cl_keys(l, n, "oauth2", oauth2_keys))
		return NULL;
	o = xcalloc(1, sizeof *o);
	o->client_id = cl_str(l, n, "client_id", NULL);
	o->client_secret = cl_str(l, n, "client_secret", NULL);
	o->client_secret_file = cl_path(l, n, "client_secret_file");
	o->token_url = cl_str(l, n, "token_url", NULL);
	o->scopes = cl_strlist(l, n, "scopes", &o->nscopes);
	o->endpoint_params = cl_kv(l, n, "endpoint_params",
				   &o->nendpoint_params);
	config_tls_init(&o->tls);
	config_tls_load(l, ydoc_get(n, "tls_config"), &o->tls);
	o->proxy_url = common_url(l, n, "proxy_url");
	return o;
}

static void oauth2_free(struct config_oauth2 *o)
{
	if (!o)
		return;
	free(o->client_id);
	free(o->client_secret);
	free(o->client_secret_file);
	free(o->token_url);
	config_strv_free(o->scopes, o->nscopes);
	config_kv_free(o->endpoint_params, o->nendpoint_params);
	config_tls_free(&o->tls);
	free(o->proxy_url);
	free(o);
}

/* proxy_connect_header: a mapping of header name to a list of values. */
static void connect_header_load(struct cload *l, const struct ynode *m,
				struct config_http *h)
{
	const struct ynode *map = NULL;

	if (ydoc_map(&l->y, m, "proxy_connect_header", &map) != 1)
		return;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i];
		const struct ynode *v = map->items[2 * i + 1];

		if (v->kind == YNODE_NULL)
			continue;
		if (v->kind != YNODE_SEQ) {
			cl_err(l, v, "proxy_connect_header: value of \"%s\" must be a list of strings",
			       k->str);
			continue;
		}
		for (size_t j = 0; j < v->n; j++) {
			struct config_kv *kv;

			if (v->items[j]->kind == YNODE_SEQ ||
			    v->items[j]->kind == YNODE_MAP) {
				cl_err(l, v->items[j], "proxy_connect_header: expected a string");
				continue;
			}
			h->proxy_connect_header = xrealloc(
				h->proxy_connect_header,
				(h->nproxy_connect_header + 1) * sizeof *kv);
			kv = &h->proxy_connect_header[h->nproxy_connect_header++];
			kv->name = xstrdup(k->str);
			kv->value = xstrdup(ydoc_text(v->items[j]));
		}
	}
}

/* ------------------------------------------------------- http_config */

void config_http_init(struct config_http *h)
{
	memset(h, 0, sizeof *h);
	h->proxy_url = xstrdup("");
	config_tls_init(&h->tls);
	h->follow_redirects = 1;
	h->enable_http2 = 1;
}

static void oauth2_validate(struct cload *l, const struct ynode *n,
			    const struct config_http *h)
{
	const struct config_oauth2 *o = h->oauth2;
	const struct ynode *op = cl_pos(n, "oauth2");

	if (h->basic_auth)
		cl_err(l, n, "at most one of basic_auth, oauth2 & authorization must be configured");
	if (!o->client_id[0])
		cl_err(l, op, "oauth2 client_id must be configured");
	if (!o->client_secret[0] && !o->client_secret_file[0])
		cl_err(l, op, "either oauth2 client_secret or client_secret_file must be configured");
	if (!o->token_url[0])
		cl_err(l, op, "oauth2 token_url must be configured");
	if (o->client_secret[0] && o->client_secret_file[0])
		cl_err(l, op, "at most one of oauth2 client_secret & client_secret_file must be configured");
}

/* HTTPClientConfig.Validate(): exclusions, then bearer_token folding. */
static void http_validate(struct cload *l, const struct ynode *n,
			  struct config_http *h, char *bearer,
			  char *bearer_file)
{
	const struct ynode *at = n;
	struct config_authorization *a = h->authorization;

	if (bearer[0] && bearer_file[0])
		cl_err(l, at, "at most one of bearer_token & bearer_token_file must be configured");
	if ((h->basic_auth || h->oauth2) && (bearer[0] || bearer_file[0]))
		cl_err(l, at, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
	if (h->basic_auth && h->basic_auth->password[0] &&
	    h->basic_auth->password_file[0])
		cl_err(l, cl_pos(n, "basic_auth"),
		       "at most one of basic_auth password & password_file must be configured");
	if (a) {
		if (bearer[0] || bearer_file[0])
			cl_err(l, at, "authorization is not compatible with bearer_token & bearer_token_file");
		if (a->credentials[0] && a->credentials_file[0])
			cl_err(l, cl_pos(n, "authorization"),
			       "at most one of authorization credentials & credentials_file must be configured");
		if (strcasecmp(a->type, "basic") == 0)
			cl_err(l, cl_pos(n, "authorization"),
			       "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
		if (h->basic_auth || h->oauth2)
			cl_err(l, at, "at most one of basic_auth, oauth2 & authorization must be configured");
	} else if (bearer[0] || bearer_file[0]) {
		a = h->authorization = xcalloc(1, sizeof *a);
		a->type = xstrdup("Bearer");
		a->credentials = xstrdup(bearer_file[0] ? "" : bearer);
		a->credentials_file = xstrdup(bearer_file);
	}
	if (h->oauth2)
		oauth2_validate(l, n, h);
	if (h->nproxy_connect_header && !h->proxy_url[0])
		cl_err(l, cl_pos(n, "proxy_connect_header"),
		       "if proxy_connect_header is configured proxy_url must also be configured");
}

void config_http_load(struct cload *l, const struct ynode *n,
		      struct config_http *h)
{
	char *bearer, *bearer_file;

	config_http_free(h);
	config_http_init(h);
	if (!n || n->kind == YNODE_NULL || cl_keys(l, n, "http_config", http_keys))
		return;
	h->basic_auth = config_basic_auth_load(l, ydoc_get(n, "basic_auth"));
	h->authorization = config_authorization_load(l, ydoc_get(n, "authorization"));
	h->oauth2 = oauth2_load(l, ydoc_get(n, "oauth2"));
	bearer = cl_str(l, n, "bearer_token", NULL);
	bearer_file = cl_path(l, n, "bearer_token_file");
	free(h->proxy_url);
	h->proxy_url = common_url(l, n, "proxy_url");
	connect_header_load(l, n, h);
	config_tls_load(l, ydoc_get(n, "tls_config"), &h->tls);
	h->follow_redirects = cl_bool(l, n, "follow_redirects", 1);
	h->enable_http2 = cl_bool(l, n, "enable_http2", 1);
	http_validate(l, n, h, bearer, bearer_file);
	free(bearer);
	free(bearer_file);
}

static struct config_oauth2 *oauth2_copy(const struct config_oauth2 *o)
{
	struct config_oauth2 *c;

	if (!o)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->client_id = xstrdup(o->client_id);
	c->client_secret = xstrdup(o->client_secret);
	c->client_secret_file = xstrdup(o->client_secret_file);
	c->token_url = xstrdup(o->token_url);
	c->nscopes = o->nscopes;
	if (o->nscopes) {
		c->scopes = xcalloc(o->nscopes, sizeof *c->scopes);
		for (size_t i = 0; i < o->nscopes; i++)
			c->scopes[i] = xstrdup(o->scopes[i]);
	}
	c->endpoint_params = config_kv_dup(o->endpoint_params,
					   o->nendpoint_params);
	c->nendpoint_params = o->nendpoint_params;
	config_tls_copy(&c->tls, &o->tls);
	c->proxy_url = xstrdup(o->proxy_url);
	return c;
}

void config_http_copy(struct config_http *dst, const struct config_http *src)
{
	memset(dst, 0, sizeof *dst);
	if (src->basic_auth) {
		dst->basic_auth = xcalloc(1, sizeof *dst->basic_auth);
		dst->basic_auth->username = xstrdup(src->basic_auth->username);
		dst->basic_auth->password = xstrdup(src->basic_auth->password);
		dst->basic_auth->password_file =
			xstrdup(src->basic_auth->password_file);
	}
	if (src->authorization) {
		dst->authorization = xcalloc(1, sizeof *dst->authorization);
		dst->authorization->type = xstrdup(src->authorization->type);
		dst->authorization->credentials =
			xstrdup(src->authorization->credentials);
		dst->authorization->credentials_file =
			xstrdup(src->authorization->credentials_file);
	}
	dst->oauth2 = oauth2_copy(src->oauth2);
	dst->proxy_url = xstrdup(src->proxy_url);
	dst->proxy_connect_header = config_kv_dup(src->proxy_connect_header,
						  src->nproxy_connect_header);
	dst->nproxy_connect_header = src->nproxy_connect_header;
	config_tls_copy(&dst->tls, &src->tls);
	dst->follow_redirects = src->follow_redirects;
	dst->enable_http2 = src->enable_http2;
}

void config_http_free(struct config_http *h)
{
	config_basic_auth_free(h->basic_auth);
	config_authorization_free(h->authorization);
	oauth2_free(h->oauth2);
	free(h->proxy_url);
	config_kv_free(h->proxy_connect_header, h->nproxy_connect_header);
	config_tls_free(&h->tls);
	memset(h, 0, sizeof *h);
}
