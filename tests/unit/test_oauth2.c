/*
 * test_oauth2.c - client-credentials tokens for notifications, against a
 * loopback token endpoint and webhook on the same loop: the token request
 * as golang.org/x/oauth2's clientcredentials makes it, one token shared
 * by sends with the same oauth2 block, fetched again once it expires, and
 * a token endpoint that refuses failing the send after its retries.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "httpd.h"
#include "log.h"
#include "notify_send.h"
#include "oauth2.h"

static struct loop *loop;
static struct loop_http *http;
static struct httpd *srv;
static struct oauth2_cache *cache;

static int token_status;       /* what /token answers */
static const char *token_body; /* NULL: a fresh token each time */
static int ntoken, nhook;
static char token_form[512], token_auth[256], hook_auth[8][128];

static void on_token(struct httpd_req *r, void *arg)
{
	size_t len;
	const char *body = httpd_req_body(r, &len);
	const char *a = httpd_req_header(r, "Authorization");
	char tok[128];

	(void)arg;
	ntoken++;
	snprintf(token_form, sizeof token_form, "%s", body);
	snprintf(token_auth, sizeof token_auth, "%s", a ? a : "");
	if (token_status != 200) {
		httpd_reply(r, token_status, "application/json",
			    "{\"error\":\"invalid_client\"}", 26);
		return;
	}
	if (token_body) {
		httpd_reply(r, 200, "application/json", token_body,
			    strlen(token_body));
		return;
	}
	snprintf(tok, sizeof tok,
		 "{\"access_token\":\"tok%d\",\"token_type\":\"bearer\","
		 "\"expires_in\":3600}",
		 ntoken);
	httpd_reply(r, 200, "application/json", tok, strlen(tok));
}

static void on_hook(struct httpd_req *r, void *arg)
{
	const char *a = httpd_req_header(r, "Authorization");

	(void)arg;
	if (nhook < 8)
		snprintf(hook_auth[nhook], sizeof hook_auth[0], "%s",
			 a ? a : "");
	nhook++;
	httpd_reply(r, 200, "text/plain", "ok", 2);
}

static void setup(void)
{
	struct buf err = {0};

	loop = loop_new(NULL);
	http = loop_http_new(loop, 4);
	cache = oauth2_cache_new(loop, http);
	srv = httpd_new(loop, "127.0.0.1:0", &err);
	cr_assert_not_null(srv, "%s", buf_str(&err));
	httpd_handle(srv, "POST", "/token", 0, on_token, NULL);
	httpd_handle(srv, "POST", "/hook", 0, on_hook, NULL);
	token_status = 200;
	token_body = NULL;
	ntoken = nhook = 0;
	buf_free(&err);
}

static void teardown(void)
{
	loop_http_free(http);
	oauth2_cache_free(cache);
	httpd_free(srv);
	loop_free(loop);
}

TestSuite(oauth2, .init = setup, .fini = teardown);

struct result {
	int done, ok;
	char reason[256];
};

static void sent(void *arg, int ok, const char *reason, enum notify_why why,
		 int attempts)
{
	struct result *r = arg;

	(void)why;
	(void)attempts;
	r->done++;
	r->ok = ok;
	snprintf(r->reason, sizeof r->reason, "%s", reason);
}

/* An http_config with an oauth2 block pointing at the test server. */
struct client {
	struct config_http h;
	struct config_oauth2 o;
	char url[128];
	char *scopes[2];
	struct config_kv params[2];
};

static void client_init(struct client *c)
{
	memset(c, 0, sizeof *c);
	config_http_init(&c->h);
	config_tls_init(&c->o.tls);
	snprintf(c->url, sizeof c->url, "http://127.0.0.1:%d/token",
		 httpd_port(srv));
	c->o.client_id = "tocsin id";
	c->o.client_secret = "s3cret";
	c->o.client_secret_file = "";
	c->o.token_url = c->url;
	c->o.proxy_url = "";
	c->scopes[0] = "alerts";
	c->scopes[1] = "write";
	c->o.scopes = c->scopes;
	c->o.nscopes = 2;
	c->h.oauth2 = &c->o;
}

static void client_free(struct client *c)
{
	c->h.oauth2 = NULL;
	config_tls_free(&c->o.tls);
	config_http_free(&c->h);
}

/* Sends one notification with c's http_config; waits for the outcome. */
static void send_wait(struct client *c, int64_t budget_ms, struct result *r)
{
	struct notify_req req = {0};
	int64_t end = loop_mono_ms() + budget_ms + 5000;

	req.url = xasprintf("http://127.0.0.1:%d/hook", httpd_port(srv));
	req.body = xstrdup("{}");
	req.len = 2;
	req.http = &c->h;
	memset(r, 0, sizeof *r);
	notify_send(loop, http, cache, &receiver_webhook, &req,
		    loop_now(loop) + budget_ms, sent, r);
	while (!r->done && loop_mono_ms() < end)
		loop_run_once(loop, 50);
	cr_assert_eq(r->done, 1);
}

Test(oauth2, token_requested_as_clientcredentials_and_shared)
{
	struct client c;
	struct result r1, r2;

	client_init(&c);
	send_wait(&c, 5000, &r1);
	cr_assert(r1.ok, "%s", r1.reason);
	cr_assert_eq(ntoken, 1);
	cr_assert_str_eq(token_form,
			 "grant_type=client_credentials&scope=alerts%20write");
	/* id and secret query-escaped, then Basic: "tocsin%20id:s3cret" */
	cr_assert_str_eq(token_auth, "Basic dG9jc2luJTIwaWQ6czNjcmV0");
	cr_assert_str_eq(hook_auth[0], "Bearer tok1");
	send_wait(&c, 5000, &r2);
	cr_assert(r2.ok, "%s", r2.reason);
	cr_assert_eq(ntoken, 1, "the cached token is used again");
	cr_assert_str_eq(hook_auth[1], "Bearer tok1");
	client_free(&c);
}

Test(oauth2, endpoint_params_override_and_sort)
{
	struct client c;
	struct result r;

	client_init(&c);
	c.params[0] = (struct config_kv){"audience", "https://api"};
	c.params[1] = (struct config_kv){"scope", "mine"};
	c.o.endpoint_params = c.params;
	c.o.nendpoint_params = 2;
	send_wait(&c, 5000, &r);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_str_eq(token_form, "audience=https%3A%2F%2Fapi&"
				     "grant_type=client_credentials&scope=mine");
	client_free(&c);
}

Test(oauth2, short_lived_tokens_are_fetched_again)
{
	struct client c;
	struct result r;

	client_init(&c);
	/* 5 s: inside golang.org/x/oauth2's 10 s expiry delta */
	token_body = "{\"access_token\":\"short\",\"token_type\":\"MAC\","
		     "\"expires_in\":5}";
	send_wait(&c, 5000, &r);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_str_eq(hook_auth[0], "MAC short");
	send_wait(&c, 5000, &r);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_eq(ntoken, 2, "an expiring token is not reused");
	client_free(&c);
}

Test(oauth2, refused_token_fails_the_send_after_retries)
{
	struct client c;
	struct result r;

	client_init(&c);
	token_status = 401;
	send_wait(&c, 2500, &r);
	cr_assert(!r.ok);
	cr_assert_geq(ntoken, 2, "a failed token request is retried");
	cr_assert_eq(nhook, 0, "nothing is sent without the token");
	cr_assert(strstr(r.reason, "oauth2: cannot fetch token: status 401"),
		  "%s", r.reason);
	client_free(&c);
}

Test(oauth2, missing_access_token_is_an_error)
{
	struct client c;
	struct result r;

	client_init(&c);
	token_body = "{\"token_type\":\"bearer\"}";
	send_wait(&c, 1500, &r);
	cr_assert(!r.ok);
	cr_assert(strstr(r.reason, "missing access_token"), "%s", r.reason);
	client_free(&c);
}

Test(oauth2, token_types_as_go_prints_them)
{
	cr_assert_str_eq(oauth2_token_type("bearer"), "Bearer");
	cr_assert_str_eq(oauth2_token_type("BEARER"), "Bearer");
	cr_assert_str_eq(oauth2_token_type(""), "Bearer");
	cr_assert_str_eq(oauth2_token_type(NULL), "Bearer");
	cr_assert_str_eq(oauth2_token_type("mac"), "MAC");
	cr_assert_str_eq(oauth2_token_type("basic"), "Basic");
	cr_assert_str_eq(oauth2_token_type("DPoP"), "DPoP");
}

Test(oauth2, answers_read_as_golang_oauth2_reads_them)
{
	const int64_t now = 1000000;
	char *v;
	int64_t exp;
	struct buf err = {0};
	static const char quoted[] = "{\"access_token\":\"a\",\"expires_in\":\"60\"}";
	static const char crlf[] = "{\"access_token\":\"a\\r\\nX-Evil: 1\"}";
	static const char refused[] = "{\"error\":\"invalid_client\"}";

	cr_assert_eq(oauth2_parse(200, quoted, strlen(quoted), now, &v, &exp,
				  &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(v, "Bearer a");
	cr_assert_eq(exp, now + 50000, "expires_in less the 10 s delta");
	free(v);
	cr_assert_eq(oauth2_parse(200, crlf, strlen(crlf), now, &v, &exp,
				  &err), -1, "no header injection");
	cr_assert_null(v);
	buf_reset(&err);
	cr_assert_eq(oauth2_parse(400, refused, strlen(refused), now, &v,
				  &exp, &err), -1);
	cr_assert_str_eq(buf_str(&err), "oauth2: cannot fetch token: status "
					"400: {\"error\":\"invalid_client\"}");
	buf_free(&err);
}
