/*
 * oauth2.h - OAuth 2.0 client-credentials tokens for an http_config's
 * oauth2 block, as prometheus/common gets them (golang.org/x/oauth2's
 * clientcredentials): a POST to token_url with grant_type, scope and
 * endpoint_params, the client's id and secret in Basic auth; the token is
 * reused until 10 seconds before it expires.
 *
 * Tokens are fetched on the loop and shared by every request with the
 * same token_url, client, secret, scopes and parameters; requests that
 * need one while it is being fetched wait for the same answer.
 */
#ifndef TOCSIN_OAUTH2_H
#define TOCSIN_OAUTH2_H

#include "config.h"
#include "loop.h"

struct oauth2_cache;
struct oauth2_wait;

/* The answer: value is the Authorization header value ("Bearer abc"),
 * or NULL with err saying why. */
typedef void oauth2_fn(void *arg, const char *value, const char *err);

/* Token requests go through h. */
struct oauth2_cache *oauth2_cache_new(struct loop *l, struct loop_http *h);
/* Free after loop_http_free(h): fetches in flight call back into the
 * cache when h aborts them.  Waits not cancelled are dropped silently.
 * NULL ok. */
void oauth2_cache_free(struct oauth2_cache *c);

/*
 * Calls fn(arg, ...) with a token for o: from the cache, or once fetched.
 * fn never runs inside this call.  Returns a wait to cancel, valid until
 * fn has run.
 */
struct oauth2_wait *oauth2_token(struct oauth2_cache *c,
				 const struct config_oauth2 *o, oauth2_fn *fn,
				 void *arg);
/* fn will not be called.  NULL ok. */
void oauth2_cancel(struct oauth2_wait *w);

/* Reads a token endpoint's answer: *value the Authorization value
 * ("Bearer abc"; the caller frees it), *expires the loop time it stops
 * being used at (now + expires_in - 10 s; now when that is earlier; 0: no
 * expiry).  Returns 0, or -1 with the reason in err (*value NULL). */
int oauth2_parse(long status, const char *body, size_t len, int64_t now,
		 char **value, int64_t *expires, struct buf *err);

/* Go's Token.Type(): "bearer" -> "Bearer", "mac" -> "MAC", "basic" ->
 * "Basic", "" -> "Bearer", anything else as is.  Exposed for tests. */
const char *oauth2_token_type(const char *t);

#endif
