/*
 * eval_prom.c - instant queries to Prometheus on the event loop.
 */
#include <stdlib.h>
#include <string.h>

#include "eval_prom.h"
#include "httpc.h"

/* Transfers kept for reuse at most: more than run at once is waste. */
#define POOL_MAX 64

struct eval_prom {
	struct loop_http *http;
	const struct config_datasource *ds;
	unsigned gen; /* of ds: one more at every eval_prom_set_datasource() */
	size_t max_body;
	uint64_t queries, failures;
	struct pq *idle; /* finished transfers of this gen, ready again */
	size_t nidle;
};

/* One transfer.  Its easy handle, headers and URL serve the next query
 * too (curl keeps the connection in the multi handle's cache either way,
 * but setting a handle up again costs as much as the exchange itself):
 * only the form body changes. */
struct pq {
	struct eval_prom *p;
	unsigned gen;
	struct pq *next_idle;
	CURL *easy;
	struct curl_slist *headers;
	struct promapi_request req;
	struct buf form, body, ctype, err;
	struct promapi_result res; /* emptied after each answer, its room
				      kept */
	uint64_t *known; /* the hint's keys, copied */
	size_t nknown, known_cap;
	char errbuf[CURL_ERROR_SIZE];
	eval_query_done_fn *done;
	void *arg;
};

static size_t on_body(char *ptr, size_t size, size_t n, void *arg)
{
	struct pq *q = arg;

	if (promapi_body_add(&q->body, q->p->max_body, ptr, size * n,
			     &q->err) == -1)
		return 0;
	return size * n;
}

static void pq_free(struct pq *q)
{
	if (q->easy)
		curl_easy_cleanup(q->easy);
	curl_slist_free_all(q->headers);
	promapi_request_free(&q->req);
	buf_free(&q->form);
	buf_free(&q->body);
	buf_free(&q->ctype);
	buf_free(&q->err);
	free(q->known);
	promapi_result_free(&q->res);
	free(q);
}

/* Sets q's form body for expr at time_ms. */
static void pq_form(struct pq *q, const char *expr, int64_t time_ms)
{
	buf_reset(&q->form);
	promapi_form_append(&q->form, expr, time_ms, q->p->ds->timeout_ms);
	curl_easy_setopt(q->easy, CURLOPT_POSTFIELDSIZE, (long)q->form.len);
	curl_easy_setopt(q->easy, CURLOPT_POSTFIELDS, buf_str(&q->form));
}

/* Prepares q's easy handle for expr at time_ms. */
static int pq_setup(struct pq *q, const char *expr, int64_t time_ms,
		    struct buf *err)
{
	const struct config_datasource *ds = q->p->ds;

	if (promapi_request_build(ds, &q->req, err) == -1)
		return -1;
	q->easy = curl_easy_init();
	if (!q->easy) {
		buf_puts(err, "curl_easy_init failed");
		return -1;
	}
	if (httpc_setup(q->easy, &ds->http, ds->timeout_ms, err) == -1)
		return -1;
	for (size_t i = 0; i < q->req.nheaders; i++)
		q->headers = curl_slist_append(q->headers, q->req.headers[i]);
	/* curl would send "Expect: 100-continue" for large bodies. */
	q->headers = curl_slist_append(q->headers, "Expect:");
	curl_easy_setopt(q->easy, CURLOPT_URL, q->req.url);
	pq_form(q, expr, time_ms);
	curl_easy_setopt(q->easy, CURLOPT_HTTPHEADER, q->headers);
	curl_easy_setopt(q->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(q->easy, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(q->easy, CURLOPT_ERRORBUFFER, q->errbuf);
	curl_easy_setopt(q->easy, CURLOPT_ACCEPT_ENCODING, "");
	/* An answer of a few hundred series in one read: with curl's 16 KB
	 * a 100-series answer took two reads and one poll more. */
	curl_easy_setopt(q->easy, CURLOPT_BUFFERSIZE, 65536L);
	return 0;
}

/* Turns a finished transfer into a result or an error; lazy: with
 * promapi_parse_lazy() (r then points into q's body). */
static int pq_finish(struct pq *q, CURLcode rc, struct promapi_result *r,
		     int lazy, struct buf *err)
{
	long status = 0, os_errno = 0;
	char *ct = NULL;

	if (rc != CURLE_OK) {
		if (rc == CURLE_WRITE_ERROR && q->err.len) {
			buf_printf(err, "%s", buf_str(&q->err));
		} else {
			curl_easy_getinfo(q->easy, CURLINFO_OS_ERRNO,
					  &os_errno);
			promapi_error_from_curl(rc, os_errno, q->req.url,
						q->errbuf, err);
		}
		return -1;
	}
	curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(q->easy, CURLINFO_CONTENT_TYPE, &ct);
	if (lazy)
		return promapi_parse_lazy(status, ct, buf_str(&q->body),
					  q->body.len, q->known, q->nknown, r,
					  err);
	return promapi_parse(status, ct, buf_str(&q->body), q->body.len, r,
			     err);
}

/* Keeps q for the next query when its datasource is still the one in use
 * and its headers are fixed (a secret read from a file is read again for
 * every query: then q goes). */
static void pq_release(struct pq *q)
{
	struct eval_prom *p = q->p;

	if (q->gen != p->gen || p->nidle >= POOL_MAX ||
	    !promapi_request_fixed(p->ds)) {
		pq_free(q);
		return;
	}
	buf_reset(&q->body);
	buf_reset(&q->ctype);
	buf_reset(&q->err);
	q->errbuf[0] = '\0';
	q->done = NULL;
	q->arg = NULL;
	q->next_idle = p->idle;
	p->idle = q;
	p->nidle++;
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
	struct pq *q = arg;
	struct buf err = {0};

	(void)easy;
	if (pq_finish(q, rc, &q->res, 1, &err) == 0) {
		buf_free(&err);
		if (q->done(q->arg, &q->res, NULL, q) == 1)
			return; /* kept: release() gives it back */
	} else {
		q->p->failures++;
		q->done(q->arg, NULL, buf_str(&err), NULL);
	}
	promapi_result_clear(&q->res);
	buf_free(&err);
	pq_release(q);
}

/* An answer kept by its done function: q goes back to the pool. */
static void release(void *ctx, void *token)
{
	struct pq *q = token;

	(void)ctx;
	promapi_result_clear(&q->res);
	pq_release(q);
}

/* A transfer ready for expr at time_ms: an idle one with its new form
 * body, or a new one.  NULL with err set when it cannot be made. */
static struct pq *pq_get(struct eval_prom *p, const char *expr,
			 int64_t time_ms, struct buf *err)
{
	struct pq *q = p->idle;

	if (q) {
		p->idle = q->next_idle;
		p->nidle--;
		q->next_idle = NULL;
		pq_form(q, expr, time_ms);
		return q;
	}
	q = xcalloc(1, sizeof *q);
	q->p = p;
	q->gen = p->gen;
	if (pq_setup(q, expr, time_ms, err) == -1) {
		pq_free(q);
		return NULL;
	}
	return q;
}

static int start(void *ctx, const char *expr, int64_t time_ms,
		 const struct eval_query_hint *hint, eval_query_done_fn *done,
		 void *arg, struct buf *err)
{
	struct eval_prom *p = ctx;
	struct pq *q;

	p->queries++;
	q = pq_get(p, expr, time_ms, err);
	if (q) {
		q->done = done;
		q->arg = arg;
		q->nknown = hint ? hint->n : 0;
		if (q->nknown > q->known_cap) {
			free(q->known);
			q->known_cap = q->nknown;
			q->known = xmalloc(q->known_cap * sizeof *q->known);
		}
		if (q->nknown)
			memcpy(q->known, hint->keys,
			       q->nknown * sizeof *q->known);
		if (loop_http_start(p->http, q->easy, on_done, q) == 0)
			return 0;
		pq_free(q);
	}
	if (!err->len)
		buf_puts(err, "cannot start the query");
	p->failures++;
	return -1;
}

/* The `query` template function blocks the loop for its duration, as it
 * blocks the rule's goroutine in Prometheus; the datasource timeout bounds
 * it. */
static int sync_query(void *ctx, const char *expr, int64_t time_ms,
		      struct promapi_result *r, struct buf *err)
{
	struct eval_prom *p = ctx;
	struct pq *q = xcalloc(1, sizeof *q);
	int rc = -1;

	q->p = p;
	p->queries++;
	if (pq_setup(q, expr, time_ms, err) == 0)
		rc = pq_finish(q, curl_easy_perform(q->easy), r, 0, err);
	if (rc == -1)
		p->failures++;
	pq_free(q);
	return rc;
}

struct eval_prom *eval_prom_new(struct loop_http *h,
				const struct config_datasource *ds,
				size_t max_body)
{
	struct eval_prom *p = xcalloc(1, sizeof *p);

	p->http = h;
	p->ds = ds;
	p->max_body = max_body ? max_body : PROMAPI_DEFAULT_MAX_BODY;
	return p;
}

/* Frees every idle transfer. */
static void pool_drain(struct eval_prom *p)
{
	while (p->idle) {
		struct pq *q = p->idle;

		p->idle = q->next_idle;
		pq_free(q);
	}
	p->nidle = 0;
}

void eval_prom_set_datasource(struct eval_prom *p,
			      const struct config_datasource *ds)
{
	/* Transfers set up for the old one are not reused, even those still
	 * running. */
	pool_drain(p);
	p->gen++;
	p->ds = ds;
}

void eval_prom_free(struct eval_prom *p)
{
	if (!p)
		return;
	pool_drain(p);
	free(p);
}

void eval_prom_ops(struct eval_prom *p, struct eval_query_ops *ops)
{
	ops->start = start;
	ops->sync = sync_query;
	ops->release = release;
	ops->ctx = p;
}

uint64_t eval_prom_queries(const struct eval_prom *p)
{
	return p->queries;
}

uint64_t eval_prom_failures(const struct eval_prom *p)
{
	return p->failures;
}
