/*
 * oauth2.c - client-credentials tokens, fetched on the loop and shared.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpc.h"
#include "oauth2.h"
#include "promapi.h"

/* golang.org/x/oauth2: a token is not used in its last 10 seconds. */
#define EXPIRY_DELTA_MS 10000
#define FETCH_TIMEOUT_MS 30000
#define ANSWER_MAX (64 << 10)

struct entry {
	struct entry *next;
	struct oauth2_cache *c;
	char *key;
	char *value;	 /* "Bearer abc"; NULL: none yet */
	int64_t expires; /* loop ms it stops being used at; 0: never */
	CURL *easy;	 /* the fetch in flight */
	struct curl_slist *headers;
	char *form;
	struct buf answer;
	char errbuf[CURL_ERROR_SIZE];
	struct oauth2_wait *waiters;
};

struct oauth2_wait {
	struct oauth2_wait *next;
	struct oauth2_cache *c;
	struct entry *e;
	const struct config_oauth2 *o; /* until the fetch starts */
	oauth2_fn *fn;
	void *arg;
	uint64_t timer; /* deferred first look */
};

struct oauth2_cache {
	struct loop *loop;
	struct loop_http *http;
	struct entry *entries;
};

const char *oauth2_token_type(const char *t)
{
	if (!t || !t[0] || strcasecmp(t, "bearer") == 0)
		return "Bearer";
	if (strcasecmp(t, "mac") == 0)
		return "MAC";
	if (strcasecmp(t, "basic") == 0)
		return "Basic";
	return t;
}

struct oauth2_cache *oauth2_cache_new(struct loop *l, struct loop_http *h)
{
	struct oauth2_cache *c = xcalloc(1, sizeof *c);

	c->loop = l;
	c->http = h;
	return c;
}

static void entry_reset_fetch(struct entry *e)
{
	curl_slist_free_all(e->headers);
	e->headers = NULL;
	free(e->form);
	e->form = NULL;
	buf_free(&e->answer);
}

void oauth2_cache_free(struct oauth2_cache *c)
{
	if (!c)
		return;
	while (c->entries) {
		struct entry *e = c->entries;

		c->entries = e->next;
		while (e->waiters) {
			struct oauth2_wait *w = e->waiters;

			e->waiters = w->next;
			free(w);
		}
		entry_reset_fetch(e);
		free(e->key);
		free(e->value);
		free(e);
	}
	free(c);
}

/* What makes two oauth2 blocks get the same token. */
static char *entry_key(const struct config_oauth2 *o)
{
	struct buf k = {0};

	buf_printf(&k, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%d",
		   o->token_url, o->client_id, o->client_secret,
		   o->client_secret_file, o->proxy_url, o->tls.ca_file,
		   o->tls.cert_file, o->tls.key_file,
		   o->tls.insecure_skip_verify);
	for (size_t i = 0; i < o->nscopes; i++)
		buf_printf(&k, "\x1fs=%s", o->scopes[i]);
	for (size_t i = 0; i < o->nendpoint_params; i++)
		buf_printf(&k, "\x1fp=%s=%s", o->endpoint_params[i].name,
			   o->endpoint_params[i].value);
	return buf_take(&k);
}

static struct entry *entry_get(struct oauth2_cache *c,
			       const struct config_oauth2 *o)
{
	char *key = entry_key(o);
	struct entry *e;

	for (e = c->entries; e; e = e->next)
		if (strcmp(e->key, key) == 0) {
			free(key);
			return e;
		}
	e = xcalloc(1, sizeof *e);
	e->c = c;
	e->key = key;
	e->next = c->entries;
	c->entries = e;
	return e;
}

/* Hands value (or err) to every waiter of e. */
static void answer_all(struct entry *e, const char *value, const char *err)
{
	struct oauth2_wait *w = e->waiters;

	e->waiters = NULL;
	while (w) {
		struct oauth2_wait *next = w->next;

		w->fn(w->arg, value, err);
		free(w);
		w = next;
	}
}

static int usable(const struct entry *e, int64_t now)
{
	return e->value && (e->expires == 0 || now < e->expires);
}


int oauth2_parse(long status, const char *body, size_t len, int64_t now,
		 char **value, int64_t *expires, struct buf *err)
{
	json_error_t jerr;
	json_t *j, *tok, *exp;
	double secs = 0;

	*value = NULL;
	*expires = 0;
	if (status < 200 || status > 299) {
		buf_printf(err, "oauth2: cannot fetch token: status %ld", status);
		if (len)
			buf_printf(err, ": %.*s", (int)(len < 200 ? len : 200),
				   body);
		return -1;
	}
	j = json_loadb(body ? body : "", len, 0, &jerr);
	if (!j || !json_is_object(j)) {
		buf_printf(err, "oauth2: cannot parse token response: %s",
			   j ? "not a JSON object" : jerr.text);
		json_decref(j);
		return -1;
	}
	tok = json_object_get(j, "access_token");
	if (!json_is_string(tok) || !json_string_length(tok)) {
		buf_puts(err, "oauth2: server response missing access_token");
		json_decref(j);
		return -1;
	}
	*value = xasprintf("%s %s",
			   oauth2_token_type(json_string_value(
				   json_object_get(j, "token_type"))),
			   json_string_value(tok));
	/* it becomes a header line: no CR, LF or other control bytes */
	for (const unsigned char *p = (const unsigned char *)*value; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			buf_puts(err, "oauth2: token or token_type holds "
				      "control characters");
			free(*value);
			*value = NULL;
			json_decref(j);
			return -1;
		}
	exp = json_object_get(j, "expires_in");
	if (json_is_string(exp)) /* some servers quote it; Go accepts that */
		secs = strtod(json_string_value(exp), NULL);
	else if (json_is_number(exp))
		secs = json_number_value(exp);
	if (secs > 0) {
		/* a year at most: no overflow, and a token is re-read then */
		if (secs > 366.0 * 86400)
			secs = 366.0 * 86400;
		*expires = now + (int64_t)(secs * 1000) - EXPIRY_DELTA_MS;
		if (*expires <= now) /* shorter than the delta: only the
					waiters of this fetch use it */
			*expires = now;
	}
	json_decref(j);
	return 0;
}

static void on_fetched(CURL *easy, CURLcode rc, void *arg)
{
	struct entry *e = arg;
	struct buf err = {0};
	long status = 0;

	e->easy = NULL;
	if (rc != CURLE_OK) {
		long os_errno = 0;

		curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
		buf_puts(&err, "oauth2: cannot fetch token: ");
		promapi_error_from_curl(rc, os_errno, "token_url", e->errbuf,
					&err);
	} else {
		char *value;
		int64_t expires;

		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		if (oauth2_parse(status, e->answer.s, e->answer.len,
				 loop_now(e->c->loop), &value, &expires,
				 &err) == 0) {
			free(e->value);
			e->value = value;
			e->expires = expires;
		}
	}
	curl_easy_cleanup(easy);
	entry_reset_fetch(e);
	if (err.len)
		answer_all(e, NULL, buf_str(&err));
	else
		answer_all(e, e->value, NULL);
	buf_free(&err);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct entry *e = arg;
	size_t len = size * n;

	if (e->answer.len + len > ANSWER_MAX)
		return 0; /* CURLE_WRITE_ERROR */
	buf_add(&e->answer, p, len);
	return len;
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(((const struct config_kv *)a)->name,
		      ((const struct config_kv *)b)->name);
}

/* url.Values{grant_type, scope, endpoint_params...}.Encode(): sorted by
 * name, endpoint_params overriding the first two. */
static char *form_body(CURL *easy, const struct config_oauth2 *o)
{
	struct config_kv *v = xcalloc(o->nendpoint_params + 2, sizeof *v);
	struct buf scope = {0}, out = {0};
	size_t n = 0;

	for (size_t i = 0; i < o->nscopes; i++)
		buf_printf(&scope, "%s%s", i ? " " : "", o->scopes[i]);
	v[n++] = (struct config_kv){"grant_type", "client_credentials"};
	if (o->nscopes)
		v[n++] = (struct config_kv){"scope", (char *)buf_str(&scope)};
	for (size_t i = 0; i < o->nendpoint_params; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(v[k].name, o->endpoint_params[i].name) == 0)
				break;
		v[k] = o->endpoint_params[i];
		if (k == n)
			n++;
	}
	qsort(v, n, sizeof *v, cmp_pair);
	for (size_t i = 0; i < n; i++) {
		char *kn = curl_easy_escape(easy, v[i].name, 0);
		char *kv = curl_easy_escape(easy, v[i].value, 0);

		buf_printf(&out, "%s%s=%s", i ? "&" : "", kn ? kn : "",
			   kv ? kv : "");
		curl_free(kn);
		curl_free(kv);
	}
	buf_free(&scope);
	free(v);
	return buf_take(&out);
}

/* Starts fetching e's token for o; failures are answered at once. */
static void fetch(struct entry *e, const struct config_oauth2 *o)
{
	struct config_http h;
	struct buf err = {0};
	char *secret = NULL, *id = NULL, *pw = NULL;
	CURL *easy = curl_easy_init();

	memset(&h, 0, sizeof h);
	h.tls = o->tls;
	h.proxy_url = o->proxy_url;
	h.follow_redirects = 1;
	h.enable_http2 = 1;
	if (!easy) {
		answer_all(e, NULL, "oauth2: cannot create a request");
		return;
	}
	if (o->client_secret_file[0]) {
		if (promapi_secret_read(o->client_secret_file,
					"oauth2 client secret", &secret,
					&err) == -1)
			goto fail;
	} else {
		secret = xstrdup(o->client_secret);
	}
	if (httpc_setup(easy, &h, FETCH_TIMEOUT_MS, &err) == -1)
		goto fail;
	/* AuthStyleInHeader: id and secret query-escaped, then Basic */
	id = curl_easy_escape(easy, o->client_id, 0);
	pw = curl_easy_escape(easy, secret, 0);
	e->form = form_body(easy, o);
	e->headers = curl_slist_append(NULL, "Content-Type: "
					     "application/x-www-form-urlencoded");
	e->headers = curl_slist_append(e->headers, "Expect:");
	curl_easy_setopt(easy, CURLOPT_URL, o->token_url);
	curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(easy, CURLOPT_USERNAME, id ? id : "");
	curl_easy_setopt(easy, CURLOPT_PASSWORD, pw ? pw : "");
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, e->form);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, e->headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, e->errbuf);
	curl_free(id);
	curl_free(pw);
	free(secret);
	e->errbuf[0] = '\0';
	e->easy = easy;
	if (loop_http_start(e->c->http, easy, on_fetched, e) == -1) {
		e->easy = NULL;
		buf_puts(&err, "oauth2: cannot start the token request");
		secret = NULL;
		goto fail;
	}
	return;
fail:
	free(secret);
	curl_easy_cleanup(easy);
	entry_reset_fetch(e);
	answer_all(e, NULL, buf_str(&err));
	buf_free(&err);
}

/* The deferred first look: the cached token, or wait for a fetch. */
static void look(struct loop *l, void *arg)
{
	struct oauth2_wait *w = arg;
	struct entry *e = w->e;
	const struct config_oauth2 *o = w->o;

	w->timer = 0;
	if (usable(e, loop_now(l))) {
		w->fn(w->arg, e->value, NULL);
		free(w);
		return;
	}
	w->next = e->waiters;
	e->waiters = w;
	if (!e->easy)
		fetch(e, o);
}

struct oauth2_wait *oauth2_token(struct oauth2_cache *c,
				 const struct config_oauth2 *o, oauth2_fn *fn,
				 void *arg)
{
	struct oauth2_wait *w = xcalloc(1, sizeof *w);

	w->c = c;
	w->e = entry_get(c, o);
	w->o = o;
	w->fn = fn;
	w->arg = arg;
	w->timer = loop_timer_add(c->loop, loop_now(c->loop), look, w);
	return w;
}

void oauth2_cancel(struct oauth2_wait *w)
{
	struct oauth2_wait **p;

	if (!w)
		return;
	if (w->timer) {
		loop_timer_cancel(w->c->loop, w->timer);
		free(w);
		return;
	}
	for (p = &w->e->waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	free(w);
}
