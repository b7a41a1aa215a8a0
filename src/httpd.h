/*
 * httpd.h - an HTTP/1.1 server (libmicrohttpd) driven by our event loop.
 *
 * libmicrohttpd runs in "external epoll" mode: it owns no thread; its epoll
 * fd is watched by the loop and MHD_run() is called from there, so every
 * handler runs on the loop thread and may touch loop state freely.
 *
 * A request's body is read whole before its handler runs; the handler
 * replies synchronously with httpd_reply().  Routes are exact paths or path
 * prefixes; an exact route beats a prefix, a longer prefix a shorter one.
 */
#ifndef TOCSIN_HTTPD_H
#define TOCSIN_HTTPD_H

#include <stddef.h>

#include "loop.h"
#include "util.h"

struct httpd;
struct httpd_req;

/* A route handler.  It should call httpd_reply() once; when it returns
 * without replying the client gets a 500. */
typedef void httpd_fn(struct httpd_req *req, void *arg);

/* Default cap on a request body (httpd_set_max_body()). */
#define HTTPD_MAX_BODY_DEFAULT ((size_t)32 << 20)

/*
 * Returns a server listening on listen, written like Prometheus'
 * --web.listen-address: "127.0.0.1:9093", "[::1]:9093", "localhost:9093",
 * ":9093" (every interface, IPv6 and IPv4 when the host has IPv6); port 0
 * picks a free port.  Returns NULL with a message in err ("listen tcp
 * 127.0.0.1:80: bind: Address already in use").  l needs a real clock.
 * Free with httpd_free() before loop_free(l).
 */
struct httpd *httpd_new(struct loop *l, const char *listen, struct buf *err);
/* Closes every connection (without calling handlers), stops listening and
 * leaves the loop.  Not from inside a handler.  NULL ok. */
void httpd_free(struct httpd *h);
/* Returns the port the server listens on. */
int httpd_port(const struct httpd *h);
/* Sets the largest request body accepted; bigger ones get 413 and the
 * handler is not called. */
void httpd_set_max_body(struct httpd *h, size_t max);

/* Routes method ("GET", "POST", ...; NULL: any) on path to fn(req, arg).
 * With prefix, path matches every request path starting with it.  A GET
 * route also answers HEAD (the body is left out).  path is copied.
 * Returns 0, or -1 when the same method, path and prefix is routed already. */
int httpd_handle(struct httpd *h, const char *method, const char *path,
		 int prefix, httpd_fn *fn, void *arg);

/* ------------------------------------------------------ inside a handler */

/* Strings returned below live until the handler returns. */

/* Returns the request method ("GET"). */
const char *httpd_req_method(const struct httpd_req *req);
/* Returns the decoded request path, without the query. */
const char *httpd_req_path(const struct httpd_req *req);
/* Returns the part of the path after the route's prefix ("" for an exact
 * route). */
const char *httpd_req_rest(const struct httpd_req *req);
/* Returns the first value of a form field (urlencoded POST/PUT body) or
 * query argument, the body first as Go's FormValue; "" for "?a" and NULL
 * when absent.  Values are decoded (%XX, '+'). */
const char *httpd_req_arg(const struct httpd_req *req, const char *name);
/* Stores up to max values of name (form values, then query) in out and
 * returns how many there are (maybe more than max): "?filter=a&filter=b". */
size_t httpd_req_args(const struct httpd_req *req, const char *name,
		      const char **out, size_t max);
/* Returns a request header's value (name case-insensitive), or NULL. */
const char *httpd_req_header(const struct httpd_req *req, const char *name);
/* Returns the request body and its length (always NUL-terminated; "" when
 * there is none). */
const char *httpd_req_body(const struct httpd_req *req, size_t *len);
/* Returns the client address as "127.0.0.1:51234" or "[::1]:51234". */
const char *httpd_req_remote(const struct httpd_req *req);

/* Adds a response header for the coming httpd_reply(); both copied. */
void httpd_reply_header(struct httpd_req *req, const char *name,
			const char *value);
/* Sends status with body (copied; len bytes) and content_type (NULL: no
 * Content-Type).  Returns 0, or -1 when the request was answered already
 * or libmicrohttpd refused. */
int httpd_reply(struct httpd_req *req, int status, const char *content_type,
		const char *body, size_t len);

#endif
