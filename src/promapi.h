/*
 * promapi.h - the pure half of the Prometheus HTTP API client: building an
 * instant query (POST /api/v1/query) and reading its answer.  No I/O here
 * except promapi_secret_read(); the event loop drives libcurl and hands
 * this module complete buffers:
 *
 *   promapi_request_build(ds, &req, &err)             URL, headers
 *   promapi_form_append(&body, expr, ts, timeout)     the form body
 *   write callback:  promapi_body_add(&body, max, p, n, &err) == -1 -> abort
 *   transfer failed: promapi_error_from_curl(code, os_errno, url, errbuf, &err)
 *   transfer done:   promapi_parse(status, content_type, body.s, body.len,
 *                                  &result, &err)
 *
 * Errors are appended to a struct buf as one line without a trailing
 * newline, worded for a rule's health / lastError.
 */
#ifndef TOCSIN_PROMAPI_H
#define TOCSIN_PROMAPI_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "labels.h"
#include "util.h"

#define PROMAPI_QUERY_PATH "/api/v1/query"
/* Response bodies larger than this are refused unless the caller picks
 * another cap for promapi_body_add(). */
#define PROMAPI_DEFAULT_MAX_BODY ((size_t)64 << 20)
/* Room for any promapi_format_time() result, NUL included. */
#define PROMAPI_TIME_SIZE 32

/* ------------------------------------------------------------ request */

/*
 * Everything one query sends.  Owns its strings; free with
 * promapi_request_free().  headers are "Name: value" lines ready for
 * curl_slist_append(); they include the Authorization secret, so never log
 * them whole.
 */
struct promapi_request {
	char *url; /* <datasource url>/api/v1/query */
	char **headers;
	size_t nheaders;
};

/*
 * Builds what every query to ds sends: the URL and the headers (the form
 * body, which differs, comes from promapi_form_append()).  Reads
 * password_file / credentials_file now, so a rotated secret is picked up
 * by the next request built.  Returns 0, or -1 with the reason in err and
 * req left empty.
 */
int promapi_request_build(const struct config_datasource *ds,
			  struct promapi_request *req, struct buf *err);
void promapi_request_free(struct promapi_request *req);
/* Returns 1 when ds's requests carry no secret read from a file, so their
 * URL and headers stay the same from one query to the next. */
int promapi_request_fixed(const struct config_datasource *ds);

/* Returns base + "/api/v1/query" as a new string: a path prefix
 * (http://h/prometheus) is kept, its trailing slashes dropped and runs of
 * slashes folded; a ?query of the base stays at the end, a #fragment goes.
 * The caller frees it. */
char *promapi_url(const char *base);

/* Writes ms as Unix seconds the way Prometheus' Go client sends a query
 * time (strconv.FormatFloat 'f', -1): up to three decimals, no trailing
 * zeros, no fraction when it is zero ("1700000000.12", "1700000000",
 * "-1.5").  Returns out; size should be PROMAPI_TIME_SIZE. */
char *promapi_format_time(int64_t ms, char *out, size_t size);

/* Appends s escaped as Go's url.QueryEscape does (' ' -> '+'). */
void promapi_form_escape(struct buf *out, const char *s);

/* Appends the form body "query=<expr>&time=<time>[&timeout=<timeout>]" to
 * b, keys in Go's url.Values order; timeout_ms <= 0 leaves timeout out. */
void promapi_form_append(struct buf *b, const char *expr, int64_t time_ms,
			 int64_t timeout_ms);

/*
 * Reads a secret file as prometheus/common does: the whole file, leading
 * and trailing white space removed.  what names the secret in errors
 * ("basic auth password").  Returns 0 with a new string in *out (the caller
 * frees it), or -1 with e.g.
 *   unable to read basic auth password file /run/pw: No such file or directory
 */
int promapi_secret_read(const char *path, const char *what, char **out,
			struct buf *err);

/* Sets *value to the Authorization header value h asks for ("Basic ...",
 * "Bearer ..."), or NULL when h has no basic_auth / authorization; the
 * caller frees it.  Returns 0, or -1 when a secret file cannot be read. */
int promapi_auth_value(const struct config_http *h, char **value,
		       struct buf *err);

/* ----------------------------------------------------------- response */

/* One sample of the answer.  Labels include __name__; a scalar answer is
 * one sample with no labels, as Prometheus' ruler treats it. */
struct promapi_sample {
	struct labels *labels; /* NULL until promapi_sample_labels() (lazy) */
	/* Read by promapi_parse_lazy()'s fast path: the text of the
	 * sample's "metric" object in the body, from '{' to '}', and key, a
	 * seeded hash of it (nonzero).  Equal keys: equal text, equal labels
	 * (but for a 2^-64 chance).  Otherwise NULL, 0 and 0. */
	const char *metric_text;
	size_t metric_len;
	uint64_t key;
	double value;
	int64_t t_ms;  /* the sample's timestamp, Unix ms */
	int histogram; /* a native histogram: value is 0, as the
			* ruler sees it */
};

enum promapi_type { PROMAPI_VECTOR, PROMAPI_SCALAR };

/* A parsed answer; owns everything, free with promapi_result_free().
 * Samples keep the server's order; equal label sets are not merged. */
struct promapi_result {
	enum promapi_type type;
	struct promapi_sample *v;
	size_t n;
	size_t cap; /* room in v (promapi_result_clear() keeps it) */
	char **warnings; /* the response's "warnings", in order */
	size_t nwarnings;
};

/*
 * Parses a complete response: the HTTP status, the Content-Type header
 * (NULL when absent) and the body.  Returns 0 with r filled, or -1 with r
 * empty and one of these in err:
 *   bad_data: invalid parameter "query": 1:5: parse error: ...   (status
 *       "error" body: errorType ": " error, whatever the HTTP status)
 *   rule result is not a vector or scalar     (matrix or string)
 *   server returned HTTP status 502 Bad Gateway: "<html> ..."
 *   malformed JSON response at line 1, column 7: ...
 *   malformed response: data.result[0].value[1]: strconv.ParseFloat: ...
 * r may be passed to promapi_result_free() either way.
 */
int promapi_parse(long http_status, const char *content_type, const char *body,
		  size_t len, struct promapi_result *r, struct buf *err);
void promapi_result_free(struct promapi_result *r);
/* Empties r but keeps the room of its sample array for the next
 * promapi_parse_lazy() into it. */
void promapi_result_clear(struct promapi_result *r);

/*
 * promapi_parse(), but a vector the fast path reads has no label sets yet:
 * each sample points into body (which must outlive r) and has its key, and
 * promapi_sample_labels() builds its labels when they are needed.  An
 * evaluator that finds its alerts by key builds none in the steady state.
 *
 * known[i] (i < nknown; 0: none) is the key sample i had in an earlier
 * answer read by this process: when the text up to its first '}' has that
 * key, it is that text, checked then, and is not checked again.
 */
int promapi_parse_lazy(long http_status, const char *content_type,
		       const char *body, size_t len, const uint64_t *known,
		       size_t nknown, struct promapi_result *r,
		       struct buf *err);
/* r must be zeroed, or emptied by promapi_result_clear(): then its sample
 * array is used again. */
/* The labels of s, built now when they were not (r frees them). */
const struct labels *promapi_sample_labels(struct promapi_sample *s);

/* The fast path promapi_parse() tries first: 1 with r filled when the body
 * is a plain instant vector it can read alone (no escapes, warnings or
 * histograms), else 0 with r empty and the general path to take.  For
 * tests and the fuzz target, which check both paths agree. */
int promapi_parse_fast(long http_status, const char *body, size_t len,
		       struct promapi_result *r);
/* The general path alone. */
int promapi_parse_json(long http_status, const char *content_type,
		       const char *body, size_t len, struct promapi_result *r,
		       struct buf *err);

/* Parses a sample value as Go's strconv.ParseFloat(s, 64) does ("NaN",
 * "+Inf", "-Inf", "1e+06", hex floats, "1_000"; no spaces).
 * Returns 0, or -1 with Go's message:
 *   strconv.ParseFloat: parsing "x": invalid syntax | value out of range */
int promapi_parse_value(const char *s, double *v, struct buf *err);

/*
 * For the write callback: appends n bytes to body unless body would grow
 * past max bytes.  Returns 0, or -1 with "response exceeds <max> bytes" in
 * err (body is then left as it was; the callback should return 0 so curl
 * stops with CURLE_WRITE_ERROR, and the loop reports this err instead).
 */
int promapi_body_add(struct buf *body, size_t max, const void *p, size_t n,
		     struct buf *err);

/* Returns Go's http.StatusText for code ("Bad Gateway"), "" if unknown. */
const char *promapi_status_text(long code);

/*
 * Describes a failed transfer to url: code is curl's result, os_errno
 * CURLINFO_OS_ERRNO (0 if none) and detail the CURLOPT_ERRORBUFFER text
 * (NULL or "" if none).  Appends e.g.
 *   Post "http://127.0.0.1:1/api/v1/query": connection refused
 *   Post "http://h/api/v1/query": timed out (Operation timed out after ...)
 */
void promapi_error_from_curl(CURLcode code, long os_errno, const char *url,
			     const char *detail, struct buf *err);

#endif
