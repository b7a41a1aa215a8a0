/*
 * httpc.c - curl options from an http_config block.
 */
#include <string.h>

#include "httpc.h"

/* curl's CURL_SSLVERSION_* (max: CURL_SSLVERSION_MAX_*) for "TLS10" ..
 * "TLS13"; -1 when unknown. */
static long tls_version(const char *v, int max)
{
	static const struct {
		const char *name;
		long min, max;
	} map[] = {
		{"TLS10", CURL_SSLVERSION_TLSv1_0, CURL_SSLVERSION_MAX_TLSv1_0},
		{"TLS11", CURL_SSLVERSION_TLSv1_1, CURL_SSLVERSION_MAX_TLSv1_1},
		{"TLS12", CURL_SSLVERSION_TLSv1_2, CURL_SSLVERSION_MAX_TLSv1_2},
		{"TLS13", CURL_SSLVERSION_TLSv1_3, CURL_SSLVERSION_MAX_TLSv1_3},
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(v, map[i].name) == 0)
			return max ? map[i].max : map[i].min;
	return -1;
}

#define SET(opt, val)                                                        \
	do {                                                                 \
		CURLcode rc_ = curl_easy_setopt(easy, opt, val);             \
		if (rc_ != CURLE_OK) {                                       \
			buf_printf(err, "http client: %s: %s", #opt,         \
				   curl_easy_strerror(rc_));                 \
			return -1;                                           \
		}                                                            \
	} while (0)

int httpc_setup(CURL *easy, const struct config_http *h, int64_t timeout_ms,
		struct buf *err)
{
	const struct config_tls *t;
	long version = CURL_SSLVERSION_DEFAULT;

	SET(CURLOPT_USERAGENT, HTTPC_USER_AGENT);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	if (timeout_ms > 0)
		SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	/* Without proxy_url, no proxy: "" keeps curl from taking one from
	 * http_proxy and the like, which Prometheus' and Alertmanager's
	 * clients ignore too; and with it, every host goes through it: ""
	 * keeps curl from reading exceptions from no_proxy. */
	SET(CURLOPT_PROXY, h ? h->proxy_url : "");
	SET(CURLOPT_NOPROXY, "");
	if (!h)
		return 0;
	t = &h->tls;
	if (h->follow_redirects) {
		SET(CURLOPT_FOLLOWLOCATION, 1L);
		/* Go's http.Client stops after 10 redirects. */
		SET(CURLOPT_MAXREDIRS, 10L);
		SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	}
	/* enable_http2: false keeps HTTP/1.1; true is curl's default, as
	 * Go's: HTTP/2 when TLS negotiates it */
	if (!h->enable_http2)
		SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (t->ca_file[0])
		SET(CURLOPT_CAINFO, t->ca_file);
	if (t->cert_file[0])
		SET(CURLOPT_SSLCERT, t->cert_file);
	if (t->key_file[0])
		SET(CURLOPT_SSLKEY, t->key_file);
	if (t->insecure_skip_verify) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (t->min_version[0]) {
		version = tls_version(t->min_version, 0);
		if (version == -1) {
			buf_printf(err, "unknown TLS version: %s",
				   t->min_version);
			return -1;
		}
	}
	if (t->max_version[0]) {
		long max = tls_version(t->max_version, 1);

		if (max == -1) {
			buf_printf(err, "unknown TLS version: %s",
				   t->max_version);
			return -1;
		}
		version |= max;
	}
	if (version != CURL_SSLVERSION_DEFAULT)
		SET(CURLOPT_SSLVERSION, version);
	return 0;
}
