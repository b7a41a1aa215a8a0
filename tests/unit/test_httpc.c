/*
 * test_httpc.c - curl options from http_config: what is refused, and that
 * a configured client still talks to a loopback server.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "config.h"
#include "httpc.h"

static struct config *load(const char *yaml)
{
	struct diags d = {0};
	struct config *c = config_load_buf("t.yml", "/tmp", yaml, strlen(yaml),
					   &d);

	if (!c)
		diags_print(&d, stderr);
	diags_free(&d);
	return c;
}

Test(httpc, defaults_without_http_config)
{
	CURL *e = curl_easy_init();
	struct buf err = {0};

	cr_assert_eq(httpc_setup(e, NULL, 1500, &err), 0, "%s", buf_str(&err));
	curl_easy_cleanup(e);
	buf_free(&err);
}

Test(httpc, tls_and_proxy_options_apply)
{
	struct config *c = load(
		"route: {receiver: x}\nreceivers: [{name: x}]\n"
		"datasource:\n  url: https://127.0.0.1:1\n"
		"  tls_config: {insecure_skip_verify: true,"
		" min_version: TLS12, max_version: TLS13}\n");
	CURL *e = curl_easy_init();
	struct buf err = {0};

	cr_assert_not_null(c);
	cr_assert_eq(httpc_setup(e, &c->datasource.http, 0, &err), 0, "%s",
		     buf_str(&err));
	curl_easy_cleanup(e);
	buf_free(&err);
	config_free(c);
}

Test(httpc, unknown_tls_version_is_an_error)
{
	struct config *c = load("route: {receiver: x}\nreceivers: [{name: x}]\n"
				"datasource:\n  url: http://127.0.0.1:1\n");
	CURL *e = curl_easy_init();
	struct buf err = {0};
	char *saved;

	cr_assert_not_null(c);
	/* the loader refuses it; a caller building its own block may not */
	saved = c->datasource.http.tls.min_version;
	c->datasource.http.tls.min_version = "TLS9";
	cr_assert_eq(httpc_setup(e, &c->datasource.http, 0, &err), -1);
	cr_assert_str_eq(buf_str(&err), "unknown TLS version: TLS9");
	c->datasource.http.tls.min_version = saved;
	curl_easy_cleanup(e);
	buf_free(&err);
	config_free(c);
}
