/*
 * test_notify_send.c - delivering with retries against a loopback server
 * on the same loop: 5xx retried with backoff, Retry-After honoured, bad
 * requests not retried, the deadline respected, Retry-After parsing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "httpd.h"
#include "log.h"
#include "notify_send.h"

static struct loop *loop;
static struct loop_http *http;
static struct httpd *srv;
static const int *script; /* statuses to answer, 0-terminated; last repeats */
static size_t nreq;
static int64_t req_at[16];
static const char *retry_after;

static void on_req(struct httpd_req *r, void *arg)
{
	int st = script[0];

	(void)arg;
	for (size_t i = 0; i <= nreq && script[i]; i++)
		st = script[i];
	if (nreq < 16)
		req_at[nreq] = loop_mono_ms();
	nreq++;
	if ((st == 429 || st == 503) && retry_after)
		httpd_reply_header(r, "Retry-After", retry_after);
	httpd_reply(r, st, "text/plain", "x", 1);
}

static void setup(void)
{
	struct buf err = {0};

	loop = loop_new(NULL);
	http = loop_http_new(loop, 4);
	srv = httpd_new(loop, "127.0.0.1:0", &err);
	cr_assert_not_null(srv, "%s", buf_str(&err));
	httpd_handle(srv, "POST", "/hook", 0, on_req, NULL);
	nreq = 0;
	retry_after = NULL;
	buf_free(&err);
}

static void teardown(void)
{
	loop_http_free(http);
	httpd_free(srv);
	loop_free(loop);
}

TestSuite(notify_send, .init = setup, .fini = teardown);

struct result {
	int done, ok, attempts;
	char reason[256], why[64];
};

static void sent(void *arg, int ok, const char *reason, enum notify_why why,
		 int attempts)
{
	struct result *r = arg;

	r->done++;
	r->ok = ok;
	r->attempts = attempts;
	snprintf(r->reason, sizeof r->reason, "%s", reason);
	snprintf(r->why, sizeof r->why, "%s",
		 ok ? "" : notify_failure_reasons[why]);
}

static void send_and_wait(int64_t budget_ms, struct result *r)
{
	struct notify_req req = {0};
	int64_t end = loop_mono_ms() + budget_ms + 5000;

	req.url = xasprintf("http://127.0.0.1:%d/hook", httpd_port(srv));
	req.body = xstrdup("{}");
	req.len = 2;
	memset(r, 0, sizeof *r);
	notify_send(loop, http, NULL, &receiver_webhook, &req,
		    loop_now(loop) + budget_ms, sent, r);
	cr_assert_eq(r->done, 0, "done never runs inside notify_send");
	while (!r->done && loop_mono_ms() < end)
		loop_run_once(loop, 50);
	cr_assert_eq(r->done, 1);
}

Test(notify_send, server_errors_are_retried_with_backoff)
{
	static const int s[] = {500, 502, 200, 0};
	struct result r;

	script = s;
	send_and_wait(10000, &r);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_str_eq(r.why, "");
	cr_assert_eq(r.attempts, 3);
	/* 500 ms +-50%, then 750 ms +-50% */
	cr_assert_geq(req_at[1] - req_at[0], 240);
	cr_assert_leq(req_at[1] - req_at[0], 900);
	cr_assert_geq(req_at[2] - req_at[1], 370);
}

Test(notify_send, bad_requests_are_not_retried)
{
	static const int s[] = {400, 0};
	struct result r;

	script = s;
	send_and_wait(10000, &r);
	cr_assert(!r.ok);
	cr_assert_eq(r.attempts, 1);
	cr_assert_str_eq(r.reason, "unexpected status code 400");
	cr_assert_str_eq(r.why, "clientError");
}

Test(notify_send, retry_after_is_honoured)
{
	static const int s[] = {503, 200, 0};
	struct result r;

	script = s;
	retry_after = "2";
	send_and_wait(10000, &r);
	cr_assert(r.ok, "%s", r.reason);
	cr_assert_geq(req_at[1] - req_at[0], 1990,
		      "waited %lld ms, Retry-After said 2 s",
		      (long long)(req_at[1] - req_at[0]));
}

Test(notify_send, gives_up_at_the_deadline)
{
	static const int s[] = {503, 0};
	struct result r;

	script = s;
	retry_after = "30";
	send_and_wait(3000, &r);
	cr_assert(!r.ok);
	cr_assert_eq(r.attempts, 1, "a 30 s Retry-After does not fit in 3 s");
	cr_assert_str_eq(r.reason,
			 "unexpected status code 503 (no time left to retry)");
	cr_assert_str_eq(r.why, "serverError",
			 "the last answer is blamed, not the deadline");
}

Test(notify_send, refused_connections_are_retried_then_fail)
{
	struct notify_req req = {0};
	struct result r = {0};
	int64_t end;

	/* a port nobody listens on: our own server, freed */
	req.url = xasprintf("http://127.0.0.1:%d/hook", httpd_port(srv));
	httpd_free(srv);
	srv = NULL;
	req.body = xstrdup("{}");
	req.len = 2;
	notify_send(loop, http, NULL, &receiver_webhook, &req, loop_now(loop) + 2000,
		    sent, &r);
	end = loop_mono_ms() + 8000;
	while (!r.done && loop_mono_ms() < end)
		loop_run_once(loop, 50);
	cr_assert_eq(r.done, 1);
	cr_assert(!r.ok);
	cr_assert_geq(r.attempts, 2);
	cr_assert(strstr(r.reason, "connection refused"), "%s", r.reason);
	cr_assert_str_eq(r.why, "contextDeadlineExceeded",
			 "no answer to blame: the deadline is");
}

Test(notify_send, retry_after_values)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
	cr_assert_eq(notify_retry_after_ms(" 120", 0), 120000);
	cr_assert_eq(notify_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
					   784111777000LL - 5000),
		     5000);
	cr_assert_eq(notify_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
					   784111777000LL + 5000),
		     0, "a date in the past: no wait");
	cr_assert_eq(notify_retry_after_ms("soon", 0), -1);
	cr_assert_eq(notify_retry_after_ms("-5", 0), -1);
	cr_assert_eq(notify_backoff_ms(0), 500);
	cr_assert_eq(notify_backoff_ms(500), 750);
	cr_assert_eq(notify_backoff_ms(50000), 60000);
}
