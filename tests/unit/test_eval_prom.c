/*
 * test_eval_prom.c - the evaluator's Prometheus client over real loopback
 * HTTP (a server on the same loop that misbehaves on purpose): what it
 * sends, and every kind of failure turned into one clear rule error.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "eval_prom.h"
#include "httpd.h"
#include "log.h"

static struct loop *loop;
static struct loop_http *http;
static struct httpd *srv;
static struct config *cfg;
static struct eval_prom *prom;
static struct eval_query_ops ops;

/* What the server saw last. */
static char *seen_body, *seen_auth, *seen_ctype, *seen_custom;

/* The answer to give, chosen by the query expression. */
static void on_query(struct httpd_req *r, void *arg)
{
	const char *q = httpd_req_arg(r, "query");
	const char *h;
	size_t len;

	(void)arg;
	free(seen_body);
	free(seen_auth);
	free(seen_ctype);
	free(seen_custom);
	seen_body = xstrdup(httpd_req_body(r, &len));
	h = httpd_req_header(r, "Authorization");
	seen_auth = h ? xstrdup(h) : NULL;
	h = httpd_req_header(r, "Content-Type");
	seen_ctype = h ? xstrdup(h) : NULL;
	h = httpd_req_header(r, "X-Scope-OrgID");
	seen_custom = h ? xstrdup(h) : NULL;
	if (!q)
		q = "";
#define J(s) httpd_reply(r, 200, "application/json", s, strlen(s))
	if (strcmp(q, "up") == 0) {
		J("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
		  "\"result\":[{\"metric\":{\"__name__\":\"up\",\"job\":\"a\"},"
		  "\"value\":[1700000000.5,\"1\"]},{\"metric\":{\"__name__\":"
		  "\"up\",\"job\":\"b\"},\"value\":[1700000000.5,\"NaN\"]}]}}");
	} else if (strcmp(q, "scalar(1)") == 0) {
		J("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
		  "\"result\":[1700000000,\"+Inf\"]}}");
	} else if (strcmp(q, "bad(") == 0) {
		const char *b = "{\"status\":\"error\",\"errorType\":\"bad_data\","
				"\"error\":\"invalid parameter \\\"query\\\": "
				"1:5: parse error: unclosed left parenthesis\"}";

		httpd_reply(r, 400, "application/json", b, strlen(b));
	} else if (strcmp(q, "proxy") == 0) {
		const char *b = "<html><body>502 Bad Gateway</body></html>";

		httpd_reply(r, 502, "text/html", b, strlen(b));
	} else if (strcmp(q, "truncated") == 0) {
		J("{\"status\":\"success\",\"data\":{\"resultType\":\"vec");
	} else if (strcmp(q, "range[5m]") == 0) {
		J("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
		  "\"result\":[]}}");
	} else if (strcmp(q, "huge") == 0) {
		struct buf b = {0};

		buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":"
			     "\"vector\",\"result\":[");
		for (int i = 0; i < 200; i++)
			buf_printf(&b, "%s{\"metric\":{\"i\":\"%d\"},\"value\":"
				       "[1,\"1\"]}",
				   i ? "," : "", i);
		buf_puts(&b, "]}}");
		httpd_reply(r, 200, "application/json", b.s, b.len);
		buf_free(&b);
	} else {
		J("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
		  "\"result\":[]}}");
	}
#undef J
}

static void setup(void)
{
	struct buf err = {0};

	log_set_output(fopen("/dev/null", "w"));
	loop = loop_new(NULL);
	http = loop_http_new(loop, 4);
	srv = httpd_new(loop, "127.0.0.1:0", &err);
	cr_assert_not_null(srv, "%s", buf_str(&err));
	cr_assert_eq(httpd_handle(srv, "POST", "/prom/api/v1/query", 0,
				  on_query, NULL),
		     0);
	buf_free(&err);
}

static void teardown(void)
{
	loop_http_free(http);
	eval_prom_free(prom);
	httpd_free(srv);
	loop_free(loop);
	config_free(cfg);
	free(seen_body);
	free(seen_auth);
	free(seen_ctype);
	free(seen_custom);
}

TestSuite(eval_prom, .init = setup, .fini = teardown);

/* A datasource block pointing at url; extra YAML lines appended. */
static void datasource(const char *url, const char *extra, size_t max_body)
{
	struct diags d = {0};
	struct buf y = {0};

	buf_printf(&y, "route: {receiver: x}\nreceivers: [{name: x}]\n"
		       "datasource:\n  url: %s\n%s",
		   url, extra ? extra : "");
	cfg = config_load_buf("t.yml", "/tmp", y.s, y.len, &d);
	if (!cfg)
		diags_print(&d, stderr);
	cr_assert_not_null(cfg);
	diags_free(&d);
	buf_free(&y);
	prom = eval_prom_new(http, &cfg->datasource, max_body);
	eval_prom_ops(prom, &ops);
}

static void server_datasource(const char *extra, size_t max_body)
{
	char url[64];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/prom/",
		 httpd_port(srv));
	datasource(url, extra, max_body);
}

struct outcome {
	int done;
	char *err;
	size_t n;
	int scalar;
	double v0;
	char *labels0;
	int keep;
	struct promapi_result *kept;
	void *token;
};

static int on_done(void *arg, struct promapi_result *r, const char *err,
		   void *token)
{
	struct outcome *o = arg;

	o->done++;
	if (!r) {
		cr_assert_null(token);
		o->err = xstrdup(err);
		return 0;
	}
	cr_assert_not_null(token);
	if (o->keep) {
		o->kept = r;
		o->token = token;
		return 1;
	}
	o->n = r->n;
	o->scalar = r->type == PROMAPI_SCALAR;
	if (r->n) {
		struct buf b = {0};

		o->v0 = r->v[0].value;
		labels_format(promapi_sample_labels(&r->v[0]), &b);
		o->labels0 = buf_take(&b);
	}
	return 0;
}

/* keep: the done function keeps the answer (o->kept, o->token). */
static void query_with(const char *expr, struct outcome *o, int keep)
{
	struct buf err = {0};
	int64_t end = loop_mono_ms() + 10000;

	memset(o, 0, sizeof *o);
	o->keep = keep;
	cr_assert_eq(ops.start(ops.ctx, expr, 1700000000123LL, NULL, on_done, o,
			       &err),
		     0, "%s", buf_str(&err));
	while (!o->done && loop_mono_ms() < end)
		loop_run_once(loop, 50);
	cr_assert_eq(o->done, 1);
	buf_free(&err);
}

static void query(const char *expr, struct outcome *o)
{
	query_with(expr, o, 0);
}

static void outcome_free(struct outcome *o)
{
	free(o->err);
	free(o->labels0);
}

Test(eval_prom, sends_the_query_prometheus_expects)
{
	struct outcome o;

	server_datasource("  timeout: 15s\n"
			  "  authorization: {credentials: s3cr3t}\n"
			  "  headers: {X-Scope-OrgID: ml}\n",
			  0);
	query("up", &o);
	cr_assert_null(o.err, "%s", o.err);
	cr_assert_eq(o.n, 2);
	cr_assert_str_eq(o.labels0, "{__name__=\"up\", job=\"a\"}");
	cr_assert_float_eq(o.v0, 1.0, 0);
	cr_assert_str_eq(seen_body, "query=up&time=1700000000.123&timeout=15s");
	cr_assert_str_eq(seen_auth, "Bearer s3cr3t");
	cr_assert_str_eq(seen_ctype, "application/x-www-form-urlencoded");
	cr_assert_str_eq(seen_custom, "ml");
	outcome_free(&o);
}

Test(eval_prom, scalar_results_are_one_sample)
{
	struct outcome o;

	server_datasource(NULL, 0);
	query("scalar(1)", &o);
	cr_assert_null(o.err);
	cr_assert(o.scalar);
	cr_assert_eq(o.n, 1);
	cr_assert_str_eq(o.labels0, "{}");
	outcome_free(&o);
}

static void expect_error(const char *expr, const char *want)
{
	struct outcome o;

	query(expr, &o);
	cr_assert_not_null(o.err, "%s: no error", expr);
	cr_assert_str_eq(o.err, want);
	outcome_free(&o);
}

Test(eval_prom, error_bodies_become_rule_errors)
{
	server_datasource(NULL, 0);
	expect_error("bad(", "bad_data: invalid parameter \"query\": 1:5: "
			     "parse error: unclosed left parenthesis");
	expect_error("range[5m]", "rule result is not a vector or scalar");
	expect_error("proxy", "server returned HTTP status 502 Bad Gateway: "
			      "\"<html><body>502 Bad Gateway</body></html>\"");
	cr_assert_eq(eval_prom_failures(prom), 3);
}

Test(eval_prom, malformed_json_names_the_place)
{
	struct outcome o;

	server_datasource(NULL, 0);
	query("truncated", &o);
	cr_assert_not_null(o.err);
	cr_assert(strncmp(o.err, "malformed JSON response at line 1, column ",
			  41) == 0,
		  "%s", o.err);
	outcome_free(&o);
}

Test(eval_prom, oversized_answers_are_refused)
{
	server_datasource(NULL, 1024);
	expect_error("huge", "response exceeds 1024 bytes");
}

Test(eval_prom, refused_connection)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	struct sockaddr_in sa = {0};
	socklen_t len = sizeof sa;
	char url[64];

	/* a port nobody listens on: bound, then closed */
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(fd);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	datasource(url, NULL, 0);
	{
		struct outcome o;

		query("up", &o);
		cr_assert_not_null(o.err);
		cr_assert(strstr(o.err, "connection refused"), "%s", o.err);
		cr_assert(strncmp(o.err, "Post \"http://127.0.0.1:", 23) == 0,
			  "%s", o.err);
		outcome_free(&o);
	}
}

Test(eval_prom, a_silent_server_times_out)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {0};
	socklen_t len = sizeof sa;
	char url[64];
	struct outcome o;

	/* listening, never accepting: the connection is made, no answer */
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	cr_assert_eq(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sa.sin_port));
	datasource(url, "  timeout: 300ms\n", 0);
	query("up", &o);
	cr_assert_not_null(o.err);
	cr_assert(strstr(o.err, "timed out") || strstr(o.err, "Timeout"),
		  "%s", o.err);
	cr_assert(strncmp(o.err, "Post \"http://127.0.0.1:", 23) == 0, "%s",
		  o.err);
	outcome_free(&o);
	close(fd);
}

/* Transfers are kept and used again: each query still sends its own
 * form body and reads its own answer. */
Test(eval_prom, reused_transfers_send_each_query)
{
	static const char *const exprs[] = {"up", "scalar(1)", "bad(", "up",
					     "nothing", "up"};
	struct outcome o;

	server_datasource("  timeout: 15s\n", 0);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof exprs / sizeof *exprs; i++) {
			char want[128];

			query(exprs[i], &o);
			snprintf(want, sizeof want,
				 "query=%s&time=1700000000.123&timeout=15s",
				 strcmp(exprs[i], "bad(") == 0 ? "bad%28"
							       : exprs[i]);
			if (strcmp(exprs[i], "scalar(1)") == 0)
				strcpy(want, "query=scalar%281%29&time="
					     "1700000000.123&timeout=15s");
			cr_assert_str_eq(seen_body, want);
			if (strcmp(exprs[i], "up") == 0) {
				cr_assert_null(o.err, "%s", o.err);
				cr_assert_eq(o.n, 2);
				cr_assert_str_eq(o.labels0, "{__name__=\"up\", "
							    "job=\"a\"}");
			} else if (strcmp(exprs[i], "bad(") == 0) {
				cr_assert_not_null(o.err);
			} else {
				cr_assert_null(o.err, "%s", o.err);
			}
			outcome_free(&o);
		}
	}
	cr_assert_eq(eval_prom_queries(prom), 12);
	cr_assert_eq(eval_prom_failures(prom), 2);
}

/* An answer its done function keeps stays whole while other queries run
 * (on other transfers), until it is released. */
Test(eval_prom, a_kept_answer_stays_until_released)
{
	struct outcome k, o;
	struct buf b = {0};

	server_datasource(NULL, 0);
	query_with("up", &k, 1);
	cr_assert_not_null(k.kept);
	query("huge", &o);
	cr_assert_null(o.err, "%s", o.err);
	cr_assert_eq(o.n, 200);
	outcome_free(&o);
	query("scalar(1)", &o);
	outcome_free(&o);
	cr_assert_eq(k.kept->n, 2);
	labels_format(promapi_sample_labels(&k.kept->v[1]), &b);
	cr_assert_str_eq(buf_str(&b), "{__name__=\"up\", job=\"b\"}");
	cr_assert(isnan(k.kept->v[1].value));
	buf_free(&b);
	ops.release(ops.ctx, k.token);
	query("up", &o);
	cr_assert_eq(o.n, 2);
	outcome_free(&o);
	outcome_free(&k);
}

/* A reload's datasource is used from the next query on, though the old
 * one's transfers were kept. */
Test(eval_prom, a_new_datasource_is_used_at_once)
{
	struct diags d = {0};
	const char *y = "route: {receiver: x}\nreceivers: [{name: x}]\n"
			"datasource:\n  url: http://127.0.0.1:1/nowhere\n";
	struct config *other;
	struct outcome o;

	server_datasource(NULL, 0);
	query("up", &o);
	cr_assert_null(o.err, "%s", o.err);
	outcome_free(&o);
	other = config_load_buf("o.yml", "/tmp", y, strlen(y), &d);
	cr_assert_not_null(other);
	eval_prom_set_datasource(prom, &other->datasource);
	query("up", &o);
	cr_assert_not_null(o.err);
	cr_assert(strncmp(o.err, "Post \"http://127.0.0.1:1/nowhere/api/v1/"
				 "query\"",
			  46) == 0,
		  "%s", o.err);
	outcome_free(&o);
	eval_prom_set_datasource(prom, &cfg->datasource);
	query("up", &o);
	cr_assert_null(o.err, "%s", o.err);
	outcome_free(&o);
	config_free(other);
	diags_free(&d);
}

/* http_proxy in the environment is no proxy_url: as Prometheus' client,
 * Tocsin's goes straight to the datasource. */
Test(eval_prom, proxy_environment_is_ignored)
{
	struct outcome o;

	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	setenv("http_proxy", "http://127.0.0.1:1", 1);
	setenv("HTTP_PROXY", "http://127.0.0.1:1", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
	server_datasource(NULL, 0);
	query("up", &o);
	cr_assert_null(o.err, "%s", o.err);
	cr_assert_eq(o.n, 2);
	outcome_free(&o);
}

/* A secret read from a file is read again for every query, as
 * Prometheus' clients do. */
Test(eval_prom, credentials_file_read_for_every_query)
{
	char path[] = "/tmp/tocsin-cred-XXXXXX", *extra;
	int fd = mkstemp(path);
	struct outcome o;
	FILE *f;

	cr_assert_geq(fd, 0);
	close(fd);
	extra = xasprintf("  authorization: {credentials_file: %s}\n", path);
	server_datasource(extra, 0);
	for (int i = 0; i < 3; i++) {
		char want[32];

		f = fopen(path, "w");
		cr_assert_not_null(f);
		fprintf(f, "token-%d\n", i);
		fclose(f);
		query("up", &o);
		cr_assert_null(o.err, "%s", o.err);
		snprintf(want, sizeof want, "Bearer token-%d", i);
		cr_assert_str_eq(seen_auth, want);
		outcome_free(&o);
	}
	unlink(path);
	free(extra);
}

/* The `query` template function blocks, so its server must run in
 * another process. */
static pid_t child;

static void kill_child(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
}

Test(eval_prom, the_template_query_runs_to_the_end, .fini = kill_child)
{
	struct promapi_result r = {0};
	struct buf err = {0};
	int pfd[2], port = 0;
	char url[64];

	cr_assert_eq(pipe(pfd), 0);
	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		/* epoll sets are shared across fork: a loop of its own */
		struct loop *l2 = loop_new(NULL);
		struct httpd *s2 = httpd_new(l2, "127.0.0.1:0", &err);

		if (!s2 || httpd_handle(s2, "POST", "/prom/api/v1/query", 0,
					on_query, NULL) == -1)
			_exit(1);
		port = httpd_port(s2);
		if (write(pfd[1], &port, sizeof port) != sizeof port)
			_exit(1);
		loop_run(l2);
		_exit(0);
	}
	cr_assert_eq(read(pfd[0], &port, sizeof port), (ssize_t)sizeof port);
	/* the parent stops serving: only the child answers */
	httpd_free(srv);
	srv = NULL;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/prom", port);
	datasource(url, NULL, 0);
	cr_assert_eq(ops.sync(ops.ctx, "up", 1700000000000LL, &r, &err), 0,
		     "%s", buf_str(&err));
	cr_assert_eq(r.n, 2);
	promapi_result_free(&r);
	cr_assert_eq(ops.sync(ops.ctx, "bad(", 1700000000000LL, &r, &err), -1);
	cr_assert(strncmp(buf_str(&err), "bad_data: ", 10) == 0);
	promapi_result_free(&r);
	buf_free(&err);
}
