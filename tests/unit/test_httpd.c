/*
 * test_httpd.c - the HTTP server on 127.0.0.1:0, driven by the loop, with
 * curl transfers from the same loop as clients.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd.h"
#include "loop.h"
#include "util.h"

/* --------------------------------------------------------------- fixture */

static struct loop *L;
static struct loop_http *LH;
static struct httpd *H;

static void setup(void)
{
	struct buf err = {0};

	L = loop_new(NULL);
	cr_assert_not_null(L);
	LH = loop_http_new(L, 0);
	cr_assert_not_null(LH);
	H = httpd_new(L, "127.0.0.1:0", &err);
	cr_assert_not_null(H, "%s", buf_str(&err));
	buf_free(&err);
}

static void teardown(void)
{
	loop_http_free(LH);
	httpd_free(H);
	loop_free(L);
}

/* A finished client transfer. */
struct resp {
	struct buf body, hdrs;
	long status;
	CURLcode rc;
	int done;
};

static void resp_free(struct resp *r)
{
	buf_free(&r->body);
	buf_free(&r->hdrs);
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

static void on_done(CURL *e, CURLcode rc, void *arg)
{
	struct resp *r = arg;

	r->rc = rc;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	r->done = 1;
}

/* Runs method on path (relative to H) with an optional body until the
 * answer arrives; fills r (freed with resp_free()). */
static void fetch_on(struct httpd *h, const char *method, const char *path,
		     const char *body, size_t len, struct resp *r)
{
	CURL *e = curl_easy_init();
	char *url = xasprintf("http://127.0.0.1:%d%s", httpd_port(h), path);
	int64_t deadline = loop_mono_ms() + 10000;

	memset(r, 0, sizeof(*r));
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "tocsin-test/1");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &r->hdrs);
	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	cr_assert_eq(loop_http_start(LH, e, on_done, r), 0);
	while (!r->done && loop_mono_ms() < deadline)
		loop_run_once(L, 100);
	cr_assert(r->done, "no answer for %s %s", method, path);
	cr_assert_eq(r->rc, CURLE_OK, "%s", curl_easy_strerror(r->rc));
	curl_easy_cleanup(e);
	free(url);
}

static void fetch(const char *method, const char *path, const char *body,
		  size_t len, struct resp *r)
{
	fetch_on(H, method, path, body, len, r);
}

/* ------------------------------------------------------------- handlers */

/* Echoes what the request looked like. */
static void h_echo(struct httpd_req *req, void *arg)
{
	struct buf b = {0};
	const char *vals[8];
	size_t n = httpd_req_args(req, "filter", vals, 8), len;
	const char *a = httpd_req_arg(req, "a");

	buf_printf(&b, "%s %s rest=%s arg=%s tag=%s n=%zu", httpd_req_method(req),
		   httpd_req_path(req), httpd_req_rest(req), a ? a : "(null)",
		   (const char *)arg, n);
	for (size_t i = 0; i < n && i < 8; i++)
		buf_printf(&b, " [%s]", vals[i]);
	httpd_req_body(req, &len);
	buf_printf(&b, " body=%zu", len);
	httpd_reply_header(req, "X-Test", "yes");
	cr_assert_eq(httpd_reply(req, 200, "text/plain", b.s, b.len), 0);
	cr_assert_eq(httpd_reply(req, 200, "text/plain", "x", 1), -1);
	buf_free(&b);
}

/* Replies with the body's checksum so big bodies compare cheaply. */
static void h_sum(struct httpd_req *req, void *arg)
{
	size_t len;
	const unsigned char *p = (const unsigned char *)httpd_req_body(req, &len);
	unsigned long sum = 0;
	char out[64];
	int n;

	(void)arg;
	for (size_t i = 0; i < len; i++)
		sum = sum * 31 + p[i];
	n = snprintf(out, sizeof(out), "%zu %lu", len, sum);
	httpd_reply(req, 201, "text/plain", out, (size_t)n);
}

static int forgot_calls;

static void h_forget(struct httpd_req *req, void *arg)
{
	(void)req;
	(void)arg;
	forgot_calls++;
}

static void h_info(struct httpd_req *req, void *arg)
{
	const char *ua = httpd_req_header(req, "user-agent");
	char *s = xasprintf("%s|%s|%s", httpd_req_remote(req),
			    ua ? ua : "(none)",
			    httpd_req_header(req, "X-Absent") ? "x" : "nil");

	(void)arg;
	httpd_reply(req, 200, NULL, s, strlen(s));
	free(s);
}

/* Replies with 8 MiB, more than socket buffers hold. */
static void h_big(struct httpd_req *req, void *arg)
{
	size_t n = (size_t)8 << 20;
	char *p = xcalloc(1, n);

	(void)arg;
	httpd_reply(req, 200, "application/octet-stream", p, n);
	free(p);
}

static unsigned long checksum(const char *p, size_t len)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = sum * 31 + (unsigned char)p[i];
	return sum;
}

/* ------------------------------------------------------------------ tests */

TestSuite(httpd, .init = setup, .fini = teardown, .timeout = 60);

Test(httpd, port_nonzero)
{
	cr_assert_gt(httpd_port(H), 0);
	cr_assert_lt(httpd_port(H), 65536);
}

Test(httpd, get_query_args)
{
	struct resp r;

	httpd_handle(H, "GET", "/api/v2/alerts", 0, h_echo, "alerts");
	fetch("GET", "/api/v2/alerts?a=x%20y%26z&filter=a%3D%22b%22&filter=c&A=no&filter=",
	      NULL, 0, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(buf_str(&r.body),
			 "GET /api/v2/alerts rest= arg=x y&z tag=alerts n=3"
			 " [a=\"b\"] [c] [] body=0");
	cr_assert(strstr(buf_str(&r.hdrs), "X-Test: yes\r\n"));
	cr_assert(strstr(buf_str(&r.hdrs), "Content-Type: text/plain\r\n"));
	resp_free(&r);

	fetch("GET", "/api/v2/alerts?a=1+2&flag", NULL, 0, &r);
	cr_assert_str_eq(buf_str(&r.body),
			 "GET /api/v2/alerts rest= arg=1 2 tag=alerts n=0 body=0");
	resp_free(&r);
	fetch("GET", "/api/v2/alerts", NULL, 0, &r);
	cr_assert_str_eq(buf_str(&r.body),
			 "GET /api/v2/alerts rest= arg=(null) tag=alerts n=0 body=0");
	resp_free(&r);
}

Test(httpd, form_values_before_query)
{
	struct resp r;
	static const char form[] = "a=from+form&filter=f%31&b";

	httpd_handle(H, "POST", "/form", 0, h_echo, "f");
	fetch("POST", "/form?a=q&filter=q1", form, strlen(form), &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(buf_str(&r.body),
			 "POST /form rest= arg=from form tag=f n=2 [f1] [q1] body=25");
	resp_free(&r);
}

Test(httpd, post_body_whole)
{
	struct resp r;
	size_t big = (3u << 20) + 12345;
	char *body = xmalloc(big);
	char want[64];

	for (size_t i = 0; i < big; i++)
		body[i] = (char)('a' + (i * 7) % 26);
	httpd_handle(H, "POST", "/sum", 0, h_sum, NULL);

	fetch("POST", "/sum", "hello", 5, &r);
	cr_assert_eq(r.status, 201);
	snprintf(want, sizeof(want), "5 %lu", checksum("hello", 5));
	cr_assert_str_eq(buf_str(&r.body), want);
	resp_free(&r);

	fetch("POST", "/sum", body, big, &r); /* > 1 MiB: Expect: 100-continue */
	cr_assert_eq(r.status, 201);
	snprintf(want, sizeof(want), "%zu %lu", big, checksum(body, big));
	cr_assert_str_eq(buf_str(&r.body), want);
	resp_free(&r);

	fetch("POST", "/sum", "", 0, &r);
	cr_assert_str_eq(buf_str(&r.body), "0 0");
	resp_free(&r);
	free(body);
}

Test(httpd, not_found)
{
	struct resp r;

	httpd_handle(H, "GET", "/known", 0, h_echo, "k");
	fetch("GET", "/unknown", NULL, 0, &r);
	cr_assert_eq(r.status, 404);
	cr_assert_str_eq(buf_str(&r.body), "404 page not found\n");
	cr_assert(strstr(buf_str(&r.hdrs),
			 "Content-Type: text/plain; charset=utf-8\r\n"));
	resp_free(&r);
	fetch("GET", "/known/sub", NULL, 0, &r); /* exact routes only exact */
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	fetch("POST", "/nothing", "data", 4, &r);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
}

Test(httpd, method_not_allowed)
{
	struct resp r;

	httpd_handle(H, "GET", "/api/v2/silences", 0, h_echo, "list");
	httpd_handle(H, "POST", "/api/v2/silences", 0, h_echo, "post");
	cr_assert_eq(httpd_handle(H, "POST", "/api/v2/silences", 0, h_echo, "x"), -1);
	fetch("DELETE", "/api/v2/silences", NULL, 0, &r);
	cr_assert_eq(r.status, 405);
	cr_assert_str_eq(buf_str(&r.body), "Method Not Allowed\n");
	cr_assert(strstr(buf_str(&r.hdrs), "Allow: GET, HEAD, POST\r\n"),
		  "%s", buf_str(&r.hdrs));
	resp_free(&r);
	fetch("POST", "/api/v2/silences", "{}", 2, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(buf_str(&r.body), "tag=post"));
	resp_free(&r);
}

Test(httpd, head_uses_get)
{
	struct resp r;

	httpd_handle(H, "GET", "/x", 0, h_echo, "x");
	fetch("HEAD", "/x", NULL, 0, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body.len, 0);
	cr_assert(strstr(buf_str(&r.hdrs), "X-Test: yes\r\n"));
	resp_free(&r);
}

Test(httpd, body_over_cap)
{
	struct resp r;
	char body[300];

	memset(body, 'x', sizeof(body));
	httpd_handle(H, "POST", "/sum", 0, h_sum, NULL);
	httpd_set_max_body(H, 256);
	fetch("POST", "/sum", body, 256, &r);
	cr_assert_eq(r.status, 201);
	resp_free(&r);
	fetch("POST", "/sum", body, 257, &r);
	cr_assert_eq(r.status, 413);
	cr_assert_str_eq(buf_str(&r.body), "Request Entity Too Large\n");
	resp_free(&r);
}

/* A chunked upload declares no length: the cap applies while reading. */
Test(httpd, chunked_body_over_cap)
{
	struct resp r;
	CURL *e = curl_easy_init();
	struct curl_slist *hl = curl_slist_append(NULL, "Transfer-Encoding: chunked");
	char *url, body[300];
	int64_t deadline = loop_mono_ms() + 10000;

	memset(body, 'y', sizeof(body));
	memset(&r, 0, sizeof(r));
	httpd_handle(H, "PUT", "/sum", 0, h_sum, NULL);
	httpd_set_max_body(H, 100);
	url = xasprintf("http://127.0.0.1:%d/sum", httpd_port(H));
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 300L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &r.body);
	cr_assert_eq(loop_http_start(LH, e, on_done, &r), 0);
	while (!r.done && loop_mono_ms() < deadline)
		loop_run_once(L, 100);
	cr_assert_eq(r.rc, CURLE_OK, "%s", curl_easy_strerror(r.rc));
	cr_assert_eq(r.status, 413);
	curl_easy_cleanup(e);
	curl_slist_free_all(hl);
	free(url);
	resp_free(&r);
}

Test(httpd, handler_forgets_reply)
{
	struct resp r;

	httpd_handle(H, NULL, "/forget", 0, h_forget, NULL);
	fetch("PATCH", "/forget", NULL, 0, &r);
	cr_assert_eq(r.status, 500);
	cr_assert_eq(forgot_calls, 1);
	resp_free(&r);
}

Test(httpd, prefix_routes)
{
	struct resp r;

	httpd_handle(H, NULL, "/", 1, h_echo, "root");
	httpd_handle(H, "GET", "/api/v2/silence/", 1, h_echo, "one");
	httpd_handle(H, "DELETE", "/api/v2/silence/", 1, h_echo, "del");
	httpd_handle(H, "GET", "/api/v2/silence/special", 0, h_echo, "exact");

	fetch("GET", "/api/v2/silence/abc-123", NULL, 0, &r);
	cr_assert_str_eq(buf_str(&r.body),
			 "GET /api/v2/silence/abc-123 rest=abc-123 arg=(null) tag=one n=0 body=0");
	resp_free(&r);
	fetch("DELETE", "/api/v2/silence/abc", NULL, 0, &r);
	cr_assert(strstr(buf_str(&r.body), "tag=del"));
	resp_free(&r);
	fetch("GET", "/api/v2/silence/special", NULL, 0, &r);
	cr_assert(strstr(buf_str(&r.body), "tag=exact"));
	resp_free(&r);
	/* no prefix route takes POST: the catch-all "/" does */
	fetch("POST", "/api/v2/silence/abc", "x", 1, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(buf_str(&r.body), "tag=root rest=") == NULL);
	cr_assert(strstr(buf_str(&r.body), "rest=api/v2/silence/abc"));
	resp_free(&r);
	fetch("GET", "/api/v2/silence%2Fx%20y", NULL, 0, &r);
	cr_assert(strstr(buf_str(&r.body), "GET /api/v2/silence/x y rest=x y"),
		  "%s", buf_str(&r.body));
	resp_free(&r);
}

Test(httpd, headers_and_remote)
{
	struct resp r;

	httpd_handle(H, "GET", "/info", 0, h_info, NULL);
	fetch("GET", "/info", NULL, 0, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strncmp(buf_str(&r.body), "127.0.0.1:", 10) == 0, "%s",
		  buf_str(&r.body));
	cr_assert(strstr(buf_str(&r.body), "|tocsin-test/1|"));
	cr_assert(strstr(buf_str(&r.body), "|nil"));
	cr_assert(strstr(buf_str(&r.hdrs), "Content-Type") == NULL);
	resp_free(&r);
}

Test(httpd, two_servers)
{
	struct buf err = {0};
	struct httpd *h2 = httpd_new(L, "127.0.0.1:0", &err);
	struct resp r;

	cr_assert_not_null(h2, "%s", buf_str(&err));
	cr_assert_neq(httpd_port(h2), httpd_port(H));
	httpd_handle(H, "GET", "/", 0, h_echo, "one");
	httpd_handle(h2, "GET", "/", 0, h_echo, "two");
	fetch_on(h2, "GET", "/", NULL, 0, &r);
	cr_assert(strstr(buf_str(&r.body), "tag=two"));
	resp_free(&r);
	fetch_on(H, "GET", "/", NULL, 0, &r);
	cr_assert(strstr(buf_str(&r.body), "tag=one"));
	resp_free(&r);
	httpd_free(h2);
	buf_free(&err);
}

Test(httpd, ipv6_loopback)
{
	struct buf err = {0};
	struct httpd *h6 = httpd_new(L, "[::1]:0", &err);

	if (!h6) { /* hosts without IPv6 */
		cr_log_warn("no IPv6: %s", buf_str(&err));
		buf_free(&err);
		return;
	}
	cr_assert_gt(httpd_port(h6), 0);
	httpd_free(h6);
	buf_free(&err);
}

Test(httpd, all_interfaces)
{
	struct buf err = {0};
	struct httpd *h = httpd_new(L, ":0", &err);
	struct resp r;

	cr_assert_not_null(h, "%s", buf_str(&err));
	httpd_handle(h, "GET", "/info", 0, h_info, NULL);
	fetch_on(h, "GET", "/info", NULL, 0, &r); /* IPv4 client, maybe mapped */
	cr_assert(strncmp(buf_str(&r.body), "127.0.0.1:", 10) == 0, "%s",
		  buf_str(&r.body));
	resp_free(&r);
	httpd_free(h);
	buf_free(&err);
}

Test(httpd, bind_errors)
{
	struct buf err = {0};
	char *addr = xasprintf("127.0.0.1:%d", httpd_port(H));
	char *want = xasprintf("listen tcp %s: bind: Address already in use", addr);
	static const struct {
		const char *listen, *want;
	} bad[] = {
		{"127.0.0.1", "listen tcp: address 127.0.0.1: missing port in address"},
		{"::1:80", "listen tcp: address ::1:80: too many colons in address"},
		{"[::1:80", "listen tcp: address [::1:80: missing ']' in address"},
		{"127.0.0.1:http", "listen tcp: address 127.0.0.1:http: invalid port"},
		{"127.0.0.1:70000", "listen tcp: address 127.0.0.1:70000: invalid port"},
		{"no-such-host.invalid:80", "listen tcp no-such-host.invalid:80: lookup no-such-host.invalid: "},
		{"192.0.2.1:0", "listen tcp 192.0.2.1:0: bind: Cannot assign requested address"},
	};

	cr_assert_null(httpd_new(L, addr, &err));
	cr_assert_str_eq(buf_str(&err), want);
	free(want);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		buf_reset(&err);
		cr_assert_null(httpd_new(L, bad[i].listen, &err));
		cr_assert(strncmp(buf_str(&err), bad[i].want, strlen(bad[i].want)) == 0,
			  "%s: got %s", bad[i].listen, buf_str(&err));
	}
	free(addr);
	buf_free(&err);
}

/* Returns the number of open fds. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	const struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A client holding a half-sent request when the server goes away; no fd
 * of the server may stay open. */
Test(httpd, free_with_open_connection)
{
	struct buf err = {0};
	int before = count_fds();
	struct httpd *h = httpd_new(L, "127.0.0.1:0", &err);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), idle = socket(AF_INET, SOCK_STREAM, 0);
	static const char part[] = "POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc";

	cr_assert_not_null(h, "%s", buf_str(&err));
	httpd_handle(h, "POST", "/sum", 0, h_sum, NULL);
	sa.sin_port = htons((uint16_t)httpd_port(h));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(connect(idle, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(write(fd, part, sizeof(part) - 1), (ssize_t)sizeof(part) - 1);
	for (int i = 0; i < 10; i++)
		loop_run_once(L, 10);
	httpd_free(h);
	cr_assert_eq(count_fds(), before + 2);
	close(fd);
	close(idle);
	buf_free(&err);
}

/* A client that vanishes while its answer is being written must not
 * take the server (SIGPIPE) with it. */
Test(httpd, client_gone_mid_reply)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	static const char req[] = "POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
	struct resp r;

	httpd_handle(H, "POST", "/sum", 0, h_sum, NULL);
	httpd_handle(H, "GET", "/big", 0, h_big, NULL);
	sa.sin_port = htons((uint16_t)httpd_port(H));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int k = 0; k < 5; k++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		cr_assert_eq(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
		close(fd);
		for (int i = 0; i < 5; i++)
			loop_run_once(L, 5);
	}
	for (int k = 0; k < 3; k++) { /* gone while 8 MiB are being sent */
		static const char get[] = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		char chunk[4096];

		cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		cr_assert_eq(write(fd, get, sizeof(get) - 1), (ssize_t)sizeof(get) - 1);
		for (int i = 0; i < 5; i++)
			loop_run_once(L, 5);
		cr_assert_gt(read(fd, chunk, sizeof(chunk)), 0);
		close(fd); /* unread data: the kernel answers with RST */
		for (int i = 0; i < 5; i++)
			loop_run_once(L, 5);
	}
	fetch("POST", "/sum", "ok", 2, &r); /* still serving */
	cr_assert_eq(r.status, 201);
	resp_free(&r);
}

/* Many requests on one keep-alive connection and several at once. */
Test(httpd, keepalive_and_concurrency)
{
	struct resp r[8];
	CURL *e[8];
	char *url = xasprintf("http://127.0.0.1:%d/x?filter=v", httpd_port(H));
	int64_t deadline = loop_mono_ms() + 10000;
	int done = 0;

	httpd_handle(H, "GET", "/x", 0, h_echo, "x");
	for (int round = 0; round < 3; round++) {
		struct resp one;

		fetch("GET", "/x", NULL, 0, &one);
		cr_assert_eq(one.status, 200);
		resp_free(&one);
	}
	for (int i = 0; i < 8; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		e[i] = curl_easy_init();
		curl_easy_setopt(e[i], CURLOPT_URL, url);
		curl_easy_setopt(e[i], CURLOPT_NOPROXY, "*");
		curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(e[i], CURLOPT_WRITEDATA, &r[i].body);
		cr_assert_eq(loop_http_start(LH, e[i], on_done, &r[i]), 0);
	}
	while (done < 8 && loop_mono_ms() < deadline) {
		loop_run_once(L, 100);
		done = 0;
		for (int i = 0; i < 8; i++)
			done += r[i].done;
	}
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(r[i].status, 200);
		cr_assert(strstr(buf_str(&r[i].body), "n=1 [v]"));
		curl_easy_cleanup(e[i]);
		resp_free(&r[i]);
	}
	free(url);
}
