/*
 * test_httpc.c - curl options from http_config: what is refused, and that
 * a configured client still talks to a loopback server.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* With proxy_url every request goes to the proxy, whatever no_proxy in
 * the environment says (Prometheus' and Alertmanager's clients read no
 * proxy setting from the environment).  The proxy here refuses
 * connections; the server named in the URL accepts them and never
 * answers, so going around the proxy would time out instead. */
Test(httpc, no_proxy_environment_is_ignored)
{
	struct config *c = load(
		"global: {http_config: {proxy_url: 'http://127.0.0.1:1'}}\n"
		"route: {receiver: x}\nreceivers: [{name: x}]\n");
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	CURL *e = curl_easy_init();
	struct buf err = {0};
	char url[64], ebuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	cr_assert_not_null(c);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(listen(lfd, 8), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	cr_assert_eq(httpc_setup(e, &c->global.http, 3000, &err), 0, "%s",
		     buf_str(&err));
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(e);
	cr_assert_eq(rc, CURLE_COULDNT_CONNECT, "%s", curl_easy_strerror(rc));
	cr_assert(strstr(ebuf, "port 1 "), "%s", ebuf);
	curl_easy_cleanup(e);
	close(lfd);
	buf_free(&err);
	config_free(c);
}
