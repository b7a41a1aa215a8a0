/*
 * httpd.c - HTTP server on libmicrohttpd in external epoll mode.  See
 * httpd.h.
 *
 * We open the listening socket ourselves, so address parsing and bind
 * errors read like Go's net.Listen, and hand it to MHD.  MHD's epoll fd is
 * watched for LOOP_READ; after every MHD_run() one loop timer is re-armed
 * from MHD_get_timeout(), which is 0 while MHD still holds ready
 * connections it did not get to (its sockets are edge-triggered), and
 * otherwise the nearest connection timeout.
 *
 * MHD calls the access handler first with the headers, then once per body
 * chunk, then once more with no data.  The route is picked on the first
 * call (so 404, 405 and an oversized Content-Length are answered before
 * the body is read), the body accumulates in the request, and the handler
 * runs on the last call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd.h"

/* Idle keep-alive connections are closed after this many seconds. */
#define HTTPD_IDLE_TIMEOUT 120
/* Per-connection memory for headers and read buffers (MHD's default is
 * 32 KiB; long Alertmanager filter queries want more). */
#define HTTPD_CONN_MEMORY ((size_t)128 << 10)
/* Cap on one wait for MHD's timeout, so a huge value cannot overflow. */
#define HTTPD_MAX_WAIT_MS (3600 * 1000)

struct route {
	char *method; /* NULL: any */
	char *path;
	size_t plen;
	int prefix;
	httpd_fn *fn;
	void *arg;
};

struct httpd {
	struct loop *l;
	struct MHD_Daemon *d;
	int epfd; /* MHD's, watched by the loop */
	int port;
	uint64_t timer; /* 0: none armed */
	size_t max_body;
	struct route *routes; /* only ever appended: requests keep indexes */
	size_t nroutes;
};

/* A name/value pair owned by the request. */
struct pair {
	char *name, *value;
};

struct httpd_req {
	struct httpd *h;
	struct MHD_Connection *conn;
	const char *method, *path; /* MHD's, valid for the request */
	size_t route;
	struct buf body;
	int too_big, replied;
	struct pair *form; /* urlencoded body fields */
	size_t nform;
	struct pair *hdrs; /* response headers to add */
	size_t nhdrs;
	char remote[INET6_ADDRSTRLEN + 8];
};

/* ------------------------------------------------------------- listening */

/* Splits "host:port" or "[host]:port" into new strings like Go's
 * net.SplitHostPort; returns 0, or -1 with a message in err. */
static int split_hostport(const char *s, char **host, char **port,
			  struct buf *err)
{
	const char *colon = strrchr(s, ':'), *h = s, *hend;

	if (!colon) {
		buf_printf(err, "listen tcp: address %s: missing port in address", s);
		return -1;
	}
	hend = colon;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close + 1 != colon) {
			buf_printf(err, "listen tcp: address %s: %s", s,
				   close ? "missing port in address" : "missing ']' in address");
			return -1;
		}
		h = s + 1;
		hend = close;
	} else if (memchr(s, ':', (size_t)(colon - s))) {
		buf_printf(err, "listen tcp: address %s: too many colons in address", s);
		return -1;
	}
	*host = xstrndup(h, (size_t)(hend - h));
	*port = xstrdup(colon + 1);
	return 0;
}

/* Returns a listening socket bound to sa, or -1 with errno and the failing
 * step ("socket", "bind", "listen") in *step.  dual: accept IPv4 too on an
 * IPv6 wildcard socket. */
static int listen_on(const struct sockaddr *sa, socklen_t len, int dual,
		     const char **step)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, v6only = !dual, saved;

	*step = "socket";
	if (fd == -1)
		return -1;
	/* Restarts must not wait for TIME_WAIT; a live listener still
	 * makes bind fail. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	*step = "bind";
	if (bind(fd, sa, len) == 0) {
		*step = "listen";
		if (listen(fd, SOMAXCONN) == 0)
			return fd;
	}
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Returns a socket listening on every interface at port: IPv6 with IPv4
 * mapped in, or plain IPv4 when the host has no IPv6. */
static int listen_any(const char *port, const char **step)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
	int fd;

	a6.sin6_port = htons((uint16_t)strtol(port, NULL, 10)); /* port_ok() */
	a4.sin_port = a6.sin6_port;
	fd = listen_on((struct sockaddr *)&a6, sizeof(a6), 1, step);
	if (fd == -1 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
		fd = listen_on((struct sockaddr *)&a4, sizeof(a4), 0, step);
	return fd;
}

/* Returns 1 when port is a decimal number 0..65535. */
static int port_ok(const char *port)
{
	if (!*port || strspn(port, "0123456789") != strlen(port))
		return 0;
	return strtol(port, NULL, 10) <= 65535; /* saturates when long */
}

/* Returns a socket listening on host:port (host a name or literal; the
 * first address that binds wins), or -1 with a message in err. */
static int listen_host(const char *addr, const char *host, const char *port,
		       struct buf *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res, *ai;
	const char *step = "bind";
	int fd = -1, rc, saved = 0;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		buf_printf(err, "listen tcp %s: lookup %s: %s", addr, host,
			   gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && fd == -1; ai = ai->ai_next) {
		fd = listen_on(ai->ai_addr, ai->ai_addrlen, 0, &step);
		if (fd == -1)
			saved = errno;
	}
	freeaddrinfo(res);
	if (fd == -1)
		buf_printf(err, "listen tcp %s: %s: %s", addr, step, strerror(saved));
	return fd;
}

/* Returns a listening socket for a --web.listen-address value, or -1 with
 * a message in err. */
static int listen_addr(const char *addr, struct buf *err)
{
	char *host = NULL, *port = NULL;
	const char *step = "bind";
	int fd = -1;

	if (split_hostport(addr, &host, &port, err) == -1)
		return -1;
	if (!port_ok(port)) {
		buf_printf(err, "listen tcp: address %s: invalid port", addr);
	} else if (*host) {
		fd = listen_host(addr, host, port, err);
	} else {
		fd = listen_any(port, &step);
		if (fd == -1)
			buf_printf(err, "listen tcp %s: %s: %s", addr, step,
				   strerror(errno));
	}
	free(host);
	free(port);
	return fd;
}

/* Returns the port fd is bound to, or -1. */
static int bound_port(int fd)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len = sizeof(u);

	memset(&u, 0, sizeof(u));
	if (getsockname(fd, &u.sa, &len) == -1)
		return -1;
	return ntohs(u.sa.sa_family == AF_INET6 ? u.in6.sin6_port : u.in.sin_port);
}

/* ---------------------------------------------------------------- routing */

static int method_ok(const struct route *r, const char *method)
{
	if (!r->method || strcmp(r->method, method) == 0)
		return 1;
	return strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0;
}

/* Returns how specifically r matches path: 0 not at all, otherwise longer
 * prefixes score higher and an exact route highest. */
static size_t route_score(const struct route *r, const char *path)
{
	if (!r->prefix)
		return strcmp(r->path, path) == 0 ? (size_t)-1 : 0;
	return strncmp(r->path, path, r->plen) == 0 ? r->plen + 1 : 0;
}

/* Returns 1 when the comma-separated list has method as an element. */
static int allow_has(const struct buf *allow, const char *method)
{
	size_t n = strlen(method);

	for (const char *p = buf_str(allow); (p = strstr(p, method)) != NULL; p += n)
		if ((p == allow->s || p[-1] == ' ') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/*
 * Finds the best route for method and path.  Returns 200 with its index in
 * *idx, 405 when routes match the path but not the method (their methods
 * are appended to allow), or 404.
 */
static int route_find(const struct httpd *h, const char *method,
		      const char *path, size_t *idx, struct buf *allow)
{
	size_t best = 0;
	int path_known = 0;

	for (size_t i = 0; i < h->nroutes; i++) {
		const struct route *r = &h->routes[i];
		size_t score = route_score(r, path);

		if (score == 0)
			continue;
		path_known = 1;
		if (method_ok(r, method) && score > best) {
			best = score;
			*idx = i;
		}
	}
	if (best > 0)
		return 200;
	if (!path_known)
		return 404;
	for (size_t i = 0; i < h->nroutes; i++) {
		const struct route *r = &h->routes[i];

		if (route_score(r, path) == 0 || allow_has(allow, r->method))
			continue; /* r->method is set: else it would match */
		buf_printf(allow, "%s%s", allow->len ? ", " : "", r->method);
		if (strcmp(r->method, "GET") == 0)
			buf_puts(allow, ", HEAD");
	}
	return 405;
}

int httpd_handle(struct httpd *h, const char *method, const char *path,
		 int prefix, httpd_fn *fn, void *arg)
{
	struct route *r;

	for (size_t i = 0; i < h->nroutes; i++) {
		r = &h->routes[i];
		/* same method: equal strings, or both NULL */
		if (r->prefix == !!prefix && strcmp(r->path, path) == 0 &&
		    (r->method && method ? strcmp(r->method, method) == 0
					 : r->method == method))
			return -1;
	}
	h->routes = xrealloc(h->routes, (h->nroutes + 1) * sizeof(*h->routes));
	r = &h->routes[h->nroutes++];
	r->method = method ? xstrdup(method) : NULL;
	r->path = xstrdup(path);
	r->plen = strlen(path);
	r->prefix = !!prefix;
	r->fn = fn;
	r->arg = arg;
	return 0;
}

/* -------------------------------------------------------------- replying */

void httpd_reply_header(struct httpd_req *req, const char *name,
			const char *value)
{
	req->hdrs = xrealloc(req->hdrs, (req->nhdrs + 1) * sizeof(*req->hdrs));
	req->hdrs[req->nhdrs].name = xstrdup(name);
	req->hdrs[req->nhdrs].value = xstrdup(value);
	req->nhdrs++;
}

int httpd_reply(struct httpd_req *req, int status, const char *content_type,
		const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (req->replied)
		return -1;
	req->replied = 1;
	r = MHD_create_response_from_buffer(len, (void *)(body ? body : ""),
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return -1;
	if (content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	for (size_t i = 0; i < req->nhdrs; i++)
		MHD_add_response_header(r, req->hdrs[i].name, req->hdrs[i].value);
	rc = MHD_queue_response(req->conn, (unsigned int)status, r);
	MHD_destroy_response(r);
	return rc == MHD_YES ? 0 : -1;
}

/* Replies with a plain-text error body as Go's http.Error does. */
static int reply_text(struct httpd_req *req, int status, const char *text)
{
	httpd_reply_header(req, "X-Content-Type-Options", "nosniff");
	return httpd_reply(req, status, "text/plain; charset=utf-8", text,
			   strlen(text));
}

/* ---------------------------------------------------------------- request */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and '+' in s[0..n) into a new string; a malformed escape is
 * kept as it is. */
static char *form_unescape(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
			   hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Parses an application/x-www-form-urlencoded body into req->form. */
static void form_parse(struct httpd_req *req)
{
	const char *p = buf_str(&req->body), *end = p + req->body.len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *fend = amp ? amp : end, *eq;
		struct pair *f;

		eq = memchr(p, '=', (size_t)(fend - p));
		if (fend > p) {
			req->form = xrealloc(req->form, (req->nform + 1) * sizeof(*f));
			f = &req->form[req->nform++];
			f->name = form_unescape(p, (size_t)((eq ? eq : fend) - p));
			f->value = eq ? form_unescape(eq + 1, (size_t)(fend - eq - 1))
				      : xstrdup("");
		}
		p = fend + 1;
	}
}

/* Returns 1 when the request carries an urlencoded form body. */
static int has_form(const struct httpd_req *req)
{
	const char *ct = httpd_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	static const char form[] = "application/x-www-form-urlencoded";

	return ct && strncasecmp(ct, form, sizeof(form) - 1) == 0 &&
	       (strcmp(req->method, "POST") == 0 ||
		strcmp(req->method, "PUT") == 0 ||
		strcmp(req->method, "PATCH") == 0);
}

/* Writes sa as "127.0.0.1:51234" or "[::1]:51234" into out; IPv4 clients
 * of a dual-stack socket print as IPv4, as in Go. */
static void addr_text(const struct sockaddr *sa, char *out, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, n, "%s:%d", host, ntohs(s4->sin_port));
	} else if (sa && sa->sa_family == AF_INET6 &&
		   IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], host, sizeof(host));
		snprintf(out, n, "%s:%d", host, ntohs(s6->sin6_port));
	} else if (sa && sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, n, "[%s]:%d", host, ntohs(s6->sin6_port));
	} else {
		snprintf(out, n, "%s", host);
	}
}

static void req_free(struct httpd_req *req)
{
	if (!req)
		return;
	for (size_t i = 0; i < req->nform; i++) {
		free(req->form[i].name);
		free(req->form[i].value);
	}
	for (size_t i = 0; i < req->nhdrs; i++) {
		free(req->hdrs[i].name);
		free(req->hdrs[i].value);
	}
	free(req->form);
	free(req->hdrs);
	buf_free(&req->body);
	free(req);
}

/* Returns 1 when the declared Content-Length exceeds the cap. */
static int declared_too_big(const struct httpd_req *req)
{
	const char *cl = httpd_req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return cl && strtoull(cl, NULL, 10) > req->h->max_body;
}

/* First call: headers are in.  Routes the request, answering 404, 405
 * and 413 at once. */
static enum MHD_Result req_begin(struct httpd_req *req)
{
	struct buf allow = {0};
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	int rc = route_find(req->h, req->method, req->path, &req->route, &allow);

	addr_text(ci ? ci->client_addr : NULL, req->remote, sizeof(req->remote));

	if (rc == 404)
		rc = reply_text(req, 404, "404 page not found\n");
	else if (rc == 405) {
		httpd_reply_header(req, "Allow", buf_str(&allow));
		rc = reply_text(req, 405, "Method Not Allowed\n");
	} else if (declared_too_big(req))
		rc = reply_text(req, 413, "Request Entity Too Large\n");
	else
		rc = 0;
	buf_free(&allow);
	return rc == 0 ? MHD_YES : MHD_NO;
}

/* A body chunk: kept while under the cap, dropped after. */
static void req_absorb(struct httpd_req *req, const char *data, size_t n)
{
	if (req->replied || req->too_big)
		return;
	if (n > req->h->max_body - req->body.len) {
		req->too_big = 1;
		buf_free(&req->body);
		return;
	}
	buf_add(&req->body, data, n);
}

/* Last call: the body is complete; runs the handler. */
static enum MHD_Result req_finish(struct httpd_req *req)
{
	const struct route *r;

	if (req->replied)
		return MHD_YES;
	if (req->too_big)
		return reply_text(req, 413, "Request Entity Too Large\n") == 0
			       ? MHD_YES : MHD_NO;
	if (has_form(req))
		form_parse(req);
	r = &req->h->routes[req->route];
	r->fn(req, r->arg);
	if (!req->replied)
		return reply_text(req, 500, "Internal Server Error\n") == 0
			       ? MHD_YES : MHD_NO;
	return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
				 const char *url, const char *method,
				 const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	struct httpd_req *req = *con_cls;

	(void)version;
	if (!req) {
		req = xcalloc(1, sizeof(*req));
		req->h = cls;
		req->conn = conn;
		req->method = method;
		req->path = url;
		*con_cls = req;
		return req_begin(req);
	}
	if (*upload_size > 0) {
		req_absorb(req, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return req_finish(req);
}

/* MHD is done with a request (answered, or its connection died). */
static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
}

/* --------------------------------------------------------------- accessors */

const char *httpd_req_method(const struct httpd_req *req) { return req->method; }
const char *httpd_req_path(const struct httpd_req *req) { return req->path; }

const char *httpd_req_rest(const struct httpd_req *req)
{
	const struct route *r = &req->h->routes[req->route];

	return r->prefix ? req->path + r->plen : "";
}

const char *httpd_req_header(const struct httpd_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *httpd_req_body(const struct httpd_req *req, size_t *len)
{
	if (len)
		*len = req->body.len;
	return buf_str(&req->body);
}

/* Collects values of one query argument for httpd_req_args(). */
struct argscan {
	const char *name;
	const char **out;
	size_t max, n;
};

static enum MHD_Result scan_arg(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	struct argscan *a = cls;

	(void)kind;
	if (strcmp(key, a->name) != 0)
		return MHD_YES;
	if (a->n < a->max)
		a->out[a->n] = value ? value : "";
	a->n++;
	return MHD_YES;
}

size_t httpd_req_args(const struct httpd_req *req, const char *name,
		      const char **out, size_t max)
{
	struct argscan a = {name, out, max, 0};

	for (size_t i = 0; i < req->nform; i++) {
		if (strcmp(req->form[i].name, name) != 0)
			continue;
		if (a.n < max)
			out[a.n] = req->form[i].value;
		a.n++;
	}
	/* MHD's own lookup ignores case; Go's query names do not. */
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, scan_arg, &a);
	return a.n;
}

const char *httpd_req_arg(const struct httpd_req *req, const char *name)
{
	const char *v = NULL;

	return httpd_req_args(req, name, &v, 1) > 0 ? v : NULL;
}

const char *httpd_req_remote(const struct httpd_req *req) { return req->remote; }

/* ------------------------------------------------------------ loop glue */

static void httpd_run(struct httpd *h);

static void on_timer(struct loop *l, void *arg)
{
	struct httpd *h = arg;

	(void)l;
	h->timer = 0;
	httpd_run(h);
}

static void on_ready(struct loop *l, int fd, int events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	httpd_run(arg);
}

/* Lets MHD do its work, then re-arms the timer from MHD_get_timeout(). */
static void httpd_run(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(h->d);
	if (h->timer)
		loop_timer_cancel(h->l, h->timer);
	h->timer = 0;
	if (MHD_get_timeout(h->d, &ms) != MHD_YES)
		return;
	if (ms > HTTPD_MAX_WAIT_MS)
		ms = HTTPD_MAX_WAIT_MS;
	h->timer = loop_timer_add(h->l, loop_now(h->l) + (int64_t)ms, on_timer, h);
}

/* MHD sends with MSG_NOSIGNAL on Linux; elsewhere a closed peer would
 * raise SIGPIPE, which must not kill the daemon. */
static void sigpipe_guard(void)
{
	if (MHD_is_feature_supported(MHD_FEATURE_AUTOSUPPRESS_SIGPIPE) != MHD_YES)
		signal(SIGPIPE, SIG_IGN);
}

/* Starts MHD on the listening socket fd (which it then owns); returns 0,
 * or -1 with a message in err. */
static int httpd_start(struct httpd *h, int fd, const char *listen,
		       struct buf *err)
{
	const union MHD_DaemonInfo *di;

	h->d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_access, h,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)HTTPD_IDLE_TIMEOUT,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTPD_CONN_MEMORY,
				MHD_OPTION_END);
	if (!h->d) {
		buf_printf(err, "listen tcp %s: libmicrohttpd failed to start", listen);
		close(fd);
		return -1;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->epfd = di ? di->epoll_fd : -1;
	if (h->epfd == -1 || loop_fd_add(h->l, h->epfd, LOOP_READ, on_ready, h) == -1) {
		buf_printf(err, "listen tcp %s: cannot watch libmicrohttpd: %s",
			   listen, strerror(errno));
		MHD_stop_daemon(h->d);
		h->d = NULL;
		return -1;
	}
	return 0;
}

struct httpd *httpd_new(struct loop *l, const char *listen, struct buf *err)
{
	struct httpd *h;
	int fd;

	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES) {
		buf_puts(err, "httpd: libmicrohttpd was built without epoll");
		return NULL;
	}
	fd = listen_addr(listen, err);
	if (fd == -1)
		return NULL;
	sigpipe_guard();
	h = xcalloc(1, sizeof(*h));
	h->l = l;
	h->max_body = HTTPD_MAX_BODY_DEFAULT;
	h->port = bound_port(fd);
	if (httpd_start(h, fd, listen, err) == -1) {
		free(h);
		return NULL;
	}
	httpd_run(h);
	return h;
}

void httpd_free(struct httpd *h)
{
	if (!h)
		return;
	loop_fd_del(h->l, h->epfd);
	if (h->timer)
		loop_timer_cancel(h->l, h->timer);
	MHD_stop_daemon(h->d); /* closes connections and the listener */
	for (size_t i = 0; i < h->nroutes; i++) {
		free(h->routes[i].method);
		free(h->routes[i].path);
	}
	free(h->routes);
	free(h);
}

int httpd_port(const struct httpd *h) { return h->port; }

void httpd_set_max_body(struct httpd *h, size_t max) { h->max_body = max; }
