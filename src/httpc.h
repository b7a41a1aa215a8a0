/*
 * httpc.h - curl easy handles configured from an http_config block
 * (prometheus/common's HTTPClientConfig): TLS, proxy, redirects, timeout.
 * Shared by the datasource client, the Alertmanager forwarder and the
 * receivers, so every outgoing request honours the same options.
 */
#ifndef TOCSIN_HTTPC_H
#define TOCSIN_HTTPC_H

#include <curl/curl.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

#include "cli.h"

#define HTTPC_USER_AGENT "Tocsin/" TOCSIN_VERSION

/*
 * Applies h's TLS, proxy and redirect options, the User-Agent and the
 * overall timeout (timeout_ms > 0) to easy; h NULL: no http_config.
 * Authorization is the caller's business: promapi_auth_value() reads
 * secret files per request.  Returns 0, or -1 with the reason in err (an
 * option curl refuses, a TLS version it does not know).
 */
int httpc_setup(CURL *easy, const struct config_http *h, int64_t timeout_ms,
		struct buf *err);

#endif
