/*
 * test_promapi.c - the pure half of the Prometheus query client: request
 * URL, form body, headers and secrets; response parsing and its errors.
 *
 * Responses come from a real Prometheus 2.42:
 *   - ../shared/corpus/samples/prom-api-v1-query-*: captured on loopback.
 *     They were pretty-printed after capture (Prometheus sends compact
 *     JSON, and vector timestamps as "1795316016.990" - the samples say
 *     "1795316016.99"); badquery.txt is the raw body plus an "HTTP 400"
 *     line naming the status.
 *   - the REAL_* strings below: `curl -si` against prometheus 2.42 on this
 *     machine, bodies and Content-Types copied byte for byte.
 * Value syntax cases were checked against the same Prometheus, whose
 * `time` parameter goes through strconv.ParseFloat: time=1_700_000_000 and
 * 0x1p30 are accepted, 1__0, _1, 1_ and " 1" are refused.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "promapi.h"

#define SAMPLES "../shared/corpus/samples/"
#define JSON	"application/json"

/* Captured from Prometheus 2.42 (see the top of the file). */
#define REAL_TINY_VALUE                                                        \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","         \
	"\"result\":"                                                          \
	"[{\"metric\":{},\"value\":[1700000000.500,\"1e-07\"]}]}}"
#define REAL_BIG_VALUE                                                         \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","         \
	"\"result\":"                                                          \
	"[{\"metric\":{},\"value\":[-1.500,\"1e+21\"]}]}}"
#define REAL_DENORMAL                                                          \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","         \
	"\"result\":"                                                          \
	"[{\"metric\":{},\"value\":[-1.500,\"5e-324\"]}]}}"
#define REAL_SCALAR_SMALL                                                      \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","         \
	"\"result\":"                                                          \
	"[-1.5,\"0.0000001\"]}}"
#define REAL_SCALAR_NEGINF                                                     \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","         \
	"\"result\":"                                                          \
	"[1700000000.5,\"-Inf\"]}}"
#define REAL_SCALAR_1E21                                                       \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","         \
	"\"result\":"                                                          \
	"[1700000000.5,\"1000000000000000000000\"]}}"
#define REAL_EXECUTION                                                         \
	"{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query " \
	"processing would load too many samples into memory in query "         \
	"execution\"}"
#define REAL_404      "404 page not found\n"
#define REAL_404_TYPE "text/plain; charset=utf-8"

/* ------------------------------------------------------------ helpers */

static char *sample(const char *name, size_t *len)
{
	char path[256];
	char *s;

	snprintf(path, sizeof path, SAMPLES "%s", name);
	s = file_read(path, len);
	cr_assert(s, "cannot read %s: %s", path, strerror(errno));
	return s;
}

/* Parses a body that must succeed. */
static void parse_ok(long status, const char *ct, const char *body, size_t len,
		     struct promapi_result *r)
{
	struct buf err = {0};
	int rc = promapi_parse(status, ct, body, len, r, &err);

	cr_assert_eq(rc, 0, "parse failed: %s", buf_str(&err));
	cr_assert_eq(err.len, 0);
	buf_free(&err);
}

static void parse_sample_ok(const char *name, struct promapi_result *r)
{
	size_t len;
	char *s = sample(name, &len);

	parse_ok(200, JSON, s, len, r);
	free(s);
}

/* Parses a body that must fail with exactly want; len (size_t)-1 means
 * strlen(body). */
static void parse_err(long status, const char *ct, const char *body, size_t len,
		      const char *want)
{
	struct promapi_result r;
	struct buf err = {0};

	if (len == (size_t)-1)
		len = strlen(body);

	cr_assert_eq(promapi_parse(status, ct, body, len, &r, &err), -1,
		     "should fail: %.*s", (int)len, body);
	cr_assert_str_eq(buf_str(&err), want);
	cr_assert_eq(r.n, 0, "result left empty");
	cr_assert_null(r.v);
	cr_assert_null(r.warnings);
	promapi_result_free(&r);
	buf_free(&err);
}

static void perr(const char *body, const char *want)
{
	parse_err(200, JSON, body, strlen(body), want);
}

static char *fmt_labels(const struct labels *l)
{
	struct buf b = {0};

	labels_format(l, &b);
	return buf_take(&b);
}

static void expect_labels(const struct promapi_sample *s, const char *want)
{
	char *got = fmt_labels(s->labels);

	cr_assert_str_eq(got, want);
	free(got);
}

/* A one-sample vector body with the given value string. */
static double vector_value(const char *v)
{
	struct promapi_result r;
	char *body =
	    xasprintf("{\"status\":\"success\",\"data\":{\"resultType\":"
		      "\"vector\",\"result\":[{\"metric\":{\"a\":\"b\"},"
		      "\"value\":[1,\"%s\"]}]}}",
		      v);
	double d;

	parse_ok(200, JSON, body, strlen(body), &r);
	cr_assert_eq(r.n, 1);
	d = r.v[0].value;
	promapi_result_free(&r);
	free(body);
	return d;
}

/* ------------------------------------------------------ corpus samples */

Test(promapi_samples, vector)
{
	static const char *const queues[] = {"idle", "mails", "orders"};
	static const char *const teams[] = {"web", "mail", "db"};
	static const double values[] = {3, 12, 42};
	struct promapi_result r;

	parse_sample_ok("prom-api-v1-query-vector.json", &r);
	cr_assert_eq(r.type, PROMAPI_VECTOR);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.nwarnings, 0);
	for (size_t i = 0; i < 3; i++) {
		char *want =
		    xasprintf("{__name__=\"demo_queue_depth\", "
			      "instance=\"127.0.0.1:9201\", "
			      "job=\"static-file\", queue=\"%s\", team=\"%s\"}",
			      queues[i], teams[i]);

		expect_labels(&r.v[i], want);
		cr_assert_eq(r.v[i].labels->n, 5);
		cr_assert_eq(r.v[i].value, values[i]);
		cr_assert_eq(r.v[i].t_ms, 1795316016990LL);
		cr_assert_eq(r.v[i].histogram, 0);
		free(want);
	}
	promapi_result_free(&r);
}

Test(promapi_samples, scalar)
{
	struct promapi_result r;

	parse_sample_ok("prom-api-v1-query-scalar.json", &r);
	cr_assert_eq(r.type, PROMAPI_SCALAR);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.v[0].labels->n, 0, "a scalar has no labels");
	cr_assert_eq(r.v[0].value, 57);
	cr_assert_eq(r.v[0].t_ms, 1795316017068LL);
	promapi_result_free(&r);
}

Test(promapi_samples, inf)
{
	struct promapi_result r;

	parse_sample_ok("prom-api-v1-query-inf.json", &r);
	cr_assert_eq(r.type, PROMAPI_SCALAR);
	cr_assert_eq(r.n, 1);
	cr_assert(isinf(r.v[0].value) && r.v[0].value > 0);
	cr_assert_eq(r.v[0].t_ms, 1795316017204LL);
	promapi_result_free(&r);
}

Test(promapi_samples, nan)
{
	struct promapi_result r;

	parse_sample_ok("prom-api-v1-query-nan.json", &r);
	cr_assert_eq(r.type, PROMAPI_SCALAR);
	cr_assert(isnan(r.v[0].value));
	cr_assert_eq(r.v[0].t_ms, 1795316017256LL);
	promapi_result_free(&r);
}

Test(promapi_samples, empty)
{
	struct promapi_result r;

	parse_sample_ok("prom-api-v1-query-empty.json", &r);
	cr_assert_eq(r.type, PROMAPI_VECTOR);
	cr_assert_eq(r.n, 0);
	cr_assert_null(r.v);
	promapi_result_free(&r);
}

Test(promapi_samples, sum_has_no_labels)
{
	struct promapi_result r;

	parse_sample_ok("prom-api-v1-query-sum.json", &r);
	cr_assert_eq(r.type, PROMAPI_VECTOR);
	cr_assert_eq(r.n, 1);
	expect_labels(&r.v[0], "{}");
	cr_assert_eq(r.v[0].value, 57);
	cr_assert_eq(r.v[0].t_ms, 1795316017017LL);
	promapi_result_free(&r);
}

Test(promapi_samples, matrix_and_string_are_refused)
{
	static const char *const names[] = {"prom-api-v1-query-matrix.json",
					    "prom-api-v1-query-string.json"};

	for (size_t i = 0; i < 2; i++) {
		size_t len;
		char *s = sample(names[i], &len);

		parse_err(200, JSON, s, len,
			  "rule result is not a vector or scalar");
		free(s);
	}
}

/* The file is the body, then a line "HTTP <status>". */
Test(promapi_samples, badquery)
{
	size_t len;
	char *s = sample("prom-api-v1-query-badquery.txt", &len);
	char *nl = strchr(s, '\n');
	long status;

	cr_assert(nl);
	cr_assert(strncmp(nl + 1, "HTTP ", 5) == 0);
	status = strtol(nl + 6, NULL, 10);
	cr_assert_eq(status, 400);
	parse_err(status, JSON, s, (size_t)(nl - s),
		  "bad_data: invalid parameter \"query\": 1:5: parse error: "
		  "unclosed left parenthesis");
	free(s);
}

/* ------------------------------------------------------ values, times */

Test(promapi_values, real_exponents_and_specials)
{
	struct promapi_result r;

	parse_ok(200, JSON, REAL_TINY_VALUE, strlen(REAL_TINY_VALUE), &r);
	cr_assert_eq(r.v[0].value, 1e-07);
	cr_assert_eq(r.v[0].t_ms, 1700000000500LL);
	promapi_result_free(&r);

	parse_ok(200, JSON, REAL_BIG_VALUE, strlen(REAL_BIG_VALUE), &r);
	cr_assert_eq(r.v[0].value, 1e21);
	cr_assert_eq(r.v[0].t_ms, -1500);
	promapi_result_free(&r);

	parse_ok(200, JSON, REAL_DENORMAL, strlen(REAL_DENORMAL), &r);
	cr_assert_eq(r.v[0].value, 5e-324);
	cr_assert_gt(r.v[0].value, 0);
	promapi_result_free(&r);

	parse_ok(200, JSON, REAL_SCALAR_SMALL, strlen(REAL_SCALAR_SMALL), &r);
	cr_assert_eq(r.v[0].value, 1e-07);
	cr_assert_eq(r.v[0].t_ms, -1500);
	promapi_result_free(&r);

	parse_ok(200, JSON, REAL_SCALAR_NEGINF, strlen(REAL_SCALAR_NEGINF), &r);
	cr_assert(isinf(r.v[0].value) && r.v[0].value < 0);
	promapi_result_free(&r);

	parse_ok(200, JSON, REAL_SCALAR_1E21, strlen(REAL_SCALAR_1E21), &r);
	cr_assert_eq(r.v[0].value, 1e21);
	promapi_result_free(&r);
}

Test(promapi_values, strconv_parsefloat)
{
	static const struct {
		const char *in;
		double want;
	} ok[] = {
	    {"0", 0},
	    {"3", 3},
	    {"-42", -42},
	    {"+7", 7},
	    {"0.5", 0.5},
	    {"1e+06", 1e6},
	    {"1E6", 1e6},
	    {"1e-07", 1e-7},
	    {"-1e-300", -1e-300},
	    {"1.7976931348623157e+308", 1.7976931348623157e308},
	    {"5e-324", 5e-324},
	    {"1e-400", 0}, /* underflow is no error in Go */
	    {"123456789012345690000000", 1.2345678901234569e23},
	    {".5", 0.5},
	    {"5.", 5},
	    {"0x1p-2", 0.25},
	    {"0X1.8P1", 3},
	    {"0x_1p30", 1073741824},
	    {"1_700_000_000", 1700000000},
	    {"1_0.5_0e1_0", 1.05e11},
	    {"0.1", 0.1},
	    {"0.30000000000000004", 0.30000000000000004},
	};
	static const char *const bad[] = {
	    "",	    " 1",    "1 ",     "abc",	  "1e",	   "1e+",
	    ".",    "e5",    "++1",    "+-1",	  "0x10",  "0x",
	    "0xp1", "1__0",  "_1",     "1_",	  "1._5",  "+nan",
	    "-NaN", "infin", "in",     "Infinit", "1,5",   "0b101",
	    "0o17", "1e5.5", "nan(1)", "1d",	  "0x1.8",
	};
	struct buf err = {0};
	double v;

	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		cr_assert_eq(promapi_parse_value(ok[i].in, &v, &err), 0,
			     "%s: %s", ok[i].in, buf_str(&err));
		cr_assert_eq(v, ok[i].want, "%s -> %.17g", ok[i].in, v);
		cr_assert_eq(vector_value(ok[i].in), ok[i].want, "%s",
			     ok[i].in);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *want = NULL;
		struct buf q = {0};

		buf_reset(&err);
		cr_assert_eq(promapi_parse_value(bad[i], &v, &err), -1,
			     "\"%s\" should fail, got %g", bad[i], v);
		buf_quote(&q, bad[i]);
		want =
		    xasprintf("strconv.ParseFloat: parsing %s: invalid syntax",
			      buf_str(&q));
		cr_assert_str_eq(buf_str(&err), want);
		free(want);
		buf_free(&q);
	}
	buf_free(&err);
}

Test(promapi_values, specials)
{
	static const char *const pos[] = {
	    "+Inf", "Inf", "inf", "INF", "infinity", "+Infinity", "iNfInItY"};
	static const char *const nans[] = {"NaN", "nan", "NAN", "nAn"};
	struct buf err = {0};
	double v;

	for (size_t i = 0; i < ARRAY_LEN(pos); i++) {
		cr_assert_eq(promapi_parse_value(pos[i], &v, &err), 0, "%s",
			     pos[i]);
		cr_assert(isinf(v) && v > 0, "%s", pos[i]);
	}
	cr_assert_eq(promapi_parse_value("-Inf", &v, &err), 0);
	cr_assert(isinf(v) && v < 0);
	cr_assert_eq(promapi_parse_value("-infinity", &v, &err), 0);
	cr_assert(isinf(v) && v < 0);
	for (size_t i = 0; i < ARRAY_LEN(nans); i++) {
		cr_assert_eq(promapi_parse_value(nans[i], &v, &err), 0, "%s",
			     nans[i]);
		cr_assert(isnan(v), "%s", nans[i]);
	}
	cr_assert_eq(err.len, 0);
	cr_assert(isnan(vector_value("NaN")));
	cr_assert(isinf(vector_value("-Inf")));
	cr_assert_eq(vector_value("-0"), 0);
	cr_assert(signbit(vector_value("-0")), "-0 keeps its sign");
}

Test(promapi_values, out_of_range)
{
	static const char *const big[] = {"1e309", "-1e309", "1.8e308",
					  "0x1p1024", "1e99999999999999999999"};
	struct buf err = {0};
	double v;

	for (size_t i = 0; i < ARRAY_LEN(big); i++) {
		char *want = xasprintf(
		    "strconv.ParseFloat: parsing \"%s\": value out of range",
		    big[i]);

		buf_reset(&err);
		cr_assert_eq(promapi_parse_value(big[i], &v, &err), -1, "%s",
			     big[i]);
		cr_assert_str_eq(buf_str(&err), want);
		free(want);
	}
	buf_free(&err);
	perr("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	     "\"result\":"
	     "[{\"metric\":{},\"value\":[1,\"1e400\"]}]}}",
	     "malformed response: data.result[0].value[1]: strconv.ParseFloat: "
	     "parsing \"1e400\": value out of range");
}

Test(promapi_values, timestamps)
{
	struct promapi_result r;
	const char *body = "{\"status\":\"success\",\"data\":{\"resultType\":"
			   "\"vector\",\"result\":["
			   "{\"metric\":{},\"value\":[0.050,\"1\"]},"
			   "{\"metric\":{},\"value\":[1700000000,\"1\"]},"
			   "{\"metric\":{},\"value\":[-0.001,\"1\"]},"
			   "{\"metric\":{},\"value\":[1e3,\"1\"]},"
			   "{\"metric\":{},\"value\":["
			   "123456789012345678901234567890e-21,\"1\"]}]}}";

	parse_ok(200, JSON, body, strlen(body), &r);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.v[0].t_ms, 50);
	cr_assert_eq(r.v[1].t_ms, 1700000000000LL);
	cr_assert_eq(r.v[2].t_ms, -1);
	cr_assert_eq(r.v[3].t_ms, 1000000);
	cr_assert_eq(r.v[4].t_ms, 123456789012LL);
	promapi_result_free(&r);
	/* an integer too big for int64 is still a number: no jansson error */
	perr("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
	     "\"result\":"
	     "[123456789012345678901234567890,\"1\"]}}",
	     "malformed response: data.result[0]: invalid time");
	perr("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
	     "\"result\":"
	     "[\"1\",\"1\"]}}",
	     "malformed response: data.result[0]: invalid time");
}

/* ------------------------------------------------------ vector details */

Test(promapi_vector, duplicate_label_sets_are_kept)
{
	struct promapi_result r;
	const char *body =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":["
	    "{\"metric\":{\"job\":\"a\"},\"value\":[1,\"1\"]},"
	    "{\"metric\":{\"job\":\"a\"},\"value\":[1,\"2\"]}]}}";

	parse_ok(200, JSON, body, strlen(body), &r);
	cr_assert_eq(r.n, 2);
	cr_assert(labels_equal(r.v[0].labels, r.v[1].labels));
	cr_assert_eq(r.v[0].value, 1);
	cr_assert_eq(r.v[1].value, 2);
	promapi_result_free(&r);
}

/* Go's encoding/json and json-iterator keep the last of duplicate keys;
 * so does this parser. */
Test(promapi_vector, duplicate_keys_last_wins)
{
	struct promapi_result r;
	const char *body =
	    "{\"status\":\"error\",\"status\":\"success\",\"data\":{"
	    "\"resultType\":"
	    "\"matrix\",\"resultType\":\"vector\",\"result\":["
	    "{\"metric\":{\"a\":\"1\",\"a\":\"2\"},\"value\":[1,\"x\"],"
	    "\"value\":[2,\"5\"]}]}}";

	parse_ok(200, JSON, body, strlen(body), &r);
	cr_assert_eq(r.n, 1);
	expect_labels(&r.v[0], "{a=\"2\"}");
	cr_assert_eq(r.v[0].value, 5);
	cr_assert_eq(r.v[0].t_ms, 2000);
	promapi_result_free(&r);
}

Test(promapi_vector, labels_sorted_and_utf8_kept)
{
	struct promapi_result r;
	const char *body = "{\"status\":\"success\",\"data\":{\"resultType\":"
			   "\"vector\",\"result\":["
			   "{\"metric\":{\"z\":\"1\",\"__name__\":\"up\",\"a\":"
			   "\"\\u00fc \\\"q\\\"\\n\","
			   "\"empty\":\"\"},\"value\":[1,\"1\"]}]}}";

	parse_ok(200, JSON, body, strlen(body), &r);
	expect_labels(&r.v[0],
		      "{__name__=\"up\", a=\"ü \\\"q\\\"\\n\", z=\"1\"}");
	cr_assert_str_eq(labels_get(r.v[0].labels, "__name__"), "up");
	cr_assert_null(labels_get(r.v[0].labels, "empty"),
		       "an empty value is no label, as in Prometheus");
	promapi_result_free(&r);
}

Test(promapi_vector, metric_absent_or_null_means_no_labels)
{
	struct promapi_result r;
	const char *body =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":["
	    "{\"value\":[1,\"1\"]},{\"metric\":null,\"value\":[1,\"2\"]}]}}";

	parse_ok(200, JSON, body, strlen(body), &r);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.v[0].labels->n, 0);
	cr_assert_eq(r.v[1].labels->n, 0);
	promapi_result_free(&r);
}

Test(promapi_vector, native_histogram_sample)
{
	struct promapi_result r;
	const char *body =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":["
	    "{\"metric\":{\"__name__\":\"h\"},\"histogram\":[1700000000.5,{"
	    "\"count\":"
	    "\"3\",\"sum\":\"1.5\",\"buckets\":[[1,\"0\",\"1\",\"3\"]]}]}]}}";

	parse_ok(200, JSON, body, strlen(body), &r);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.v[0].histogram, 1);
	cr_assert_eq(r.v[0].value, 0);
	cr_assert_eq(r.v[0].t_ms, 1700000000500LL);
	promapi_result_free(&r);
}

Test(promapi_vector, warnings_are_kept)
{
	struct promapi_result r;
	const char *body =
	    "{\"status\":\"success\",\"warnings\":[\"remote read: partial\","
	    "\"second\"],\"data\":{\"resultType\":\"scalar\",\"result\":[1,"
	    "\"2\"]}}";

	parse_ok(200, JSON, body, strlen(body), &r);
	cr_assert_eq(r.nwarnings, 2);
	cr_assert_str_eq(r.warnings[0], "remote read: partial");
	cr_assert_str_eq(r.warnings[1], "second");
	cr_assert_eq(r.v[0].value, 2);
	promapi_result_free(&r);
}

Test(promapi_vector, extra_fields_ignored)
{
	struct promapi_result r;
	const char *body =
	    "{\"status\":\"success\",\"infos\":[\"i\"],\"isPartial\":false,"
	    "\"stats\":{\"seriesFetched\":\"1\"},\"data\":{\"resultType\":"
	    "\"vector\","
	    "\"result\":[{\"metric\":{},\"value\":[1,\"1\"],\"extra\":1}],"
	    "\"x\":2},"
	    "\"warnings\":null}";

	parse_ok(200, "application/json; charset=utf-8", body, strlen(body),
		 &r);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.nwarnings, 0);
	promapi_result_free(&r);
}

/* ------------------------------------------------------------- errors */

Test(promapi_errors, status_error_bodies)
{
	parse_err(
	    422, JSON, REAL_EXECUTION, strlen(REAL_EXECUTION),
	    "execution: query processing would load too many samples into "
	    "memory in query execution");
	/* the envelope wins whatever the HTTP status */
	parse_err(503, JSON,
		  "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":"
		  "\"query timed out in expression evaluation\"}",
		  (size_t)-1,
		  "timeout: query timed out in expression evaluation");
	perr("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"x\","
	     "\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
	     "bad_data: x");
	perr("{\"status\":\"error\",\"error\":\"only a message\"}",
	     "only a message");
	perr("{\"status\":\"error\",\"errorType\":\"internal\"}", "internal");
	parse_err(
	    500, JSON, "{\"status\":\"error\"}", (size_t)-1,
	    "server reported an error without a message (HTTP status 500)");
	perr("{\"status\":\"error\",\"errorType\":3,\"error\":[]}",
	     "server reported an error without a message (HTTP status 200)");
}

Test(promapi_errors, http_errors_with_other_bodies)
{
	const char *nginx =
	    "<html>\r\n<head><title>502 Bad "
	    "Gateway</title></head>\r\n<body>\r\n"
	    "<center><h1>502 Bad "
	    "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
	    "</body>\r\n</html>\r\n";

	parse_err(
	    502, "text/html", nginx, strlen(nginx),
	    "server returned HTTP status 502 Bad Gateway: \"<html> <head>"
	    "<title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad "
	    "Gateway</h1></center> <hr><center>nginx</center> </body> "
	    "</html>\"");
	parse_err(404, REAL_404_TYPE, REAL_404, strlen(REAL_404),
		  "server returned HTTP status 404 Not Found: \"404 page not "
		  "found\"");
	parse_err(502, NULL, "", 0,
		  "server returned HTTP status 502 Bad Gateway");
	parse_err(503, NULL, " \r\n", 3,
		  "server returned HTTP status 503 Service Unavailable");
	parse_err(599, NULL, "x", 1, "server returned HTTP status 599: \"x\"");
	parse_err(401, JSON, "{\"message\":\"Unauthorized\"}", (size_t)-1,
		  "server returned HTTP status 401 Unauthorized: "
		  "\"{\\\"message\\\":\\\"Unauthorized\\\"}\"");
	/* a success body with an error status is not believed */
	parse_err(500, JSON,
		  "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
		  "\"result\":"
		  "[1,\"1\"]}}",
		  (size_t)-1,
		  "server returned HTTP status 500 Internal Server Error: "
		  "\"{\\\"status\\\":\\\"success\\\",\\\"data\\\":{"
		  "\\\"resultType\\\":"
		  "\\\"scalar\\\",\\\"result\\\":[1,\\\"1\\\"]}}\"");
	parse_err(301, "text/html", "<a href=\"/x\">Moved</a>", (size_t)-1,
		  "server returned HTTP status 301 Moved Permanently: "
		  "\"<a href=\\\"/x\\\">Moved</a>\"");
}

Test(promapi_errors, excerpt_is_short_and_safe)
{
	struct buf body = {0}, want = {0};

	for (int i = 0; i < 100; i++)
		buf_puts(&body, "ab ");
	buf_puts(&want,
		 "server returned HTTP status 500 Internal Server Error: \"");
	for (int i = 0; i < 66; i++)
		buf_puts(&want, "ab ");
	buf_puts(&want, "ab\" (truncated)");
	parse_err(500, "text/plain", body.s, body.len, buf_str(&want));

	/* NUL and control bytes, invalid UTF-8, a multibyte character cut at
	 * the excerpt limit */
	parse_err(500, NULL, "a\0b\x01\xff", 5,
		  "server returned HTTP status 500 Internal Server Error: "
		  "\"a b\\x01\\xff\"");
	buf_reset(&body);
	for (int i = 0; i < 199; i++)
		buf_putc(&body, 'x');
	buf_puts(&body, "üzzz");
	buf_reset(&want);
	buf_puts(&want,
		 "server returned HTTP status 500 Internal Server Error: \"");
	for (int i = 0; i < 199; i++)
		buf_putc(&want, 'x');
	buf_puts(&want, "\" (truncated)");
	parse_err(500, NULL, body.s, body.len, buf_str(&want));
	buf_free(&body);
	buf_free(&want);
}

Test(promapi_errors, success_status_with_non_json)
{
	parse_err(200, "text/html; charset=utf-8", "<html>login</html>",
		  (size_t)-1,
		  "unexpected Content-Type \"text/html; charset=utf-8\" (want "
		  "application/json): \"<html>login</html>\"");
	parse_err(
	    200, NULL, "<html>login</html>", (size_t)-1,
	    "malformed JSON response at line 1, column 1: '[' or '{' expected "
	    "near '<'");
	parse_err(200, JSON, "", 0, "empty response body (HTTP status 200)");
	parse_err(204, NULL, NULL, 0, "empty response body (HTTP status 204)");
	/* a valid body is read whatever the Content-Type says */
	struct promapi_result r;
	size_t len;
	char *s = sample("prom-api-v1-query-scalar.json", &len);

	parse_ok(200, "text/plain", s, len, &r);
	cr_assert_eq(r.v[0].value, 57);
	promapi_result_free(&r);
	parse_ok(200, "application/vnd.x+json", s, len, &r);
	promapi_result_free(&r);
	free(s);
}

Test(promapi_errors, truncated_json)
{
	size_t len;
	char *s = sample("prom-api-v1-query-vector.json", &len);

	perr("{\"status\":\"success\",\"data\":{",
	     "malformed JSON response at line 1, column 28: string or '}' "
	     "expected near end of file");
	perr("{\"status\":\"success\"} x", "malformed JSON response at line 1, "
					   "column 22: end of file expected "
					   "near 'x'");
	perr("{\"status\":\"succ",
	     "malformed JSON response at line 1, column 15: premature end of "
	     "input near '\"succ'");
	/* every proper prefix of a real answer fails cleanly */
	for (size_t n = 0; n + 1 < len; n++) {
		struct promapi_result r;
		struct buf err = {0};

		if (n > 0 && strspn(s + n, " \n") == len - n)
			break; /* only white space left: the prefix is complete
				*/
		cr_assert_eq(promapi_parse(200, JSON, s, n, &r, &err), -1,
			     "prefix %zu", n);
		cr_assert(
		    strncmp(buf_str(&err), "malformed JSON response at line ",
			    32) == 0 ||
			strcmp(buf_str(&err),
			       "empty response body (HTTP status 200)") == 0,
		    "prefix %zu: %s", n, buf_str(&err));
		cr_assert_eq(r.n, 0);
		buf_free(&err);
	}
	free(s);
}

Test(promapi_errors, malformed_shapes)
{
#define HEAD                                                                   \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","         \
	"\"result\":"
	perr("[]", "malformed response: not a JSON object");
	perr("{}", "malformed response: no status \"success\" or \"error\"");
	perr("{\"status\":\"ok\"}",
	     "malformed response: no status \"success\" or \"error\"");
	perr("{\"status\":\"success\"}", "malformed response: no data object");
	perr("{\"status\":\"success\",\"data\":[]}",
	     "malformed response: no data object");
	perr("{\"status\":\"success\",\"data\":{}}",
	     "malformed response: no data.resultType");
	perr("{\"status\":\"success\",\"data\":{\"resultType\":\"streams\","
	     "\"result\":[]}}",
	     "malformed response: unknown resultType \"streams\"");
	perr("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}",
	     "malformed response: no data.result");
	perr(HEAD "{}}}",
	     "malformed response: data.result: vector is not an array");
	perr(HEAD "[1]}}", "malformed response: data.result[0]: not an object");
	perr(HEAD "[{\"metric\":{}}]}}",
	     "malformed response: data.result[0]: no value");
	perr(HEAD "[{\"metric\":[],\"value\":[1,\"1\"]}]}}",
	     "malformed response: data.result[0].metric: not an object");
	perr(HEAD "[{\"metric\":{\"a\":1},\"value\":[1,\"1\"]}]}}",
	     "malformed response: data.result[0].metric.a: not a string");
	perr(HEAD "[{\"metric\":{\"\":\"x\"},\"value\":[1,\"1\"]}]}}",
	     "malformed response: data.result[0].metric: \"\" is not a valid "
	     "label name");
	perr(
	    HEAD "[{\"metric\":{},\"value\":[1,\"1\"]},{\"metric\":{},"
		 "\"value\":[1]}]}}",
	    "malformed response: data.result[1].value: want [time, \"value\"]");
	perr(HEAD "[{\"metric\":{},\"value\":[1,1]}]}}",
	     "malformed response: data.result[0].value[1]: value is not a "
	     "string");
	perr(HEAD "[{\"metric\":{},\"value\":[null,\"1\"]}]}}",
	     "malformed response: data.result[0].value[0]: invalid time");
	perr(HEAD "[{\"metric\":{},\"value\":[1,\"1 \"]}]}}",
	     "malformed response: data.result[0].value[1]: strconv.ParseFloat: "
	     "parsing \"1 \": invalid syntax");
	perr(
	    HEAD "[{\"metric\":{},\"histogram\":[1,2]}]}}",
	    "malformed response: data.result[0].histogram: want [time, {...}]");
	perr(HEAD "[]},\"warnings\":[\"a\",1]}",
	     "malformed response: warnings[1]: not a string");
	perr(HEAD "[]},\"warnings\":\"a\"}",
	     "malformed response: warnings: not an array");
	perr("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
	     "\"result\":[]}}",
	     "malformed response: data.result: want [time, \"value\"]");
	perr("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
	     "\"result\":{}}}",
	     "malformed response: data.result: want [time, \"value\"]");
	/* jansson's own refusals: NUL in a string, invalid UTF-8, depth */
	perr(HEAD "[{\"metric\":{\"a\":\"\\u0000\"},\"value\":[1,\"1\"]}]}}",
	     "malformed JSON response at line 1, column 83: \\u0000 is not "
	     "allowed without JSON_ALLOW_NUL near '\"\\u0000\"'");
	parse_err(
	    200, JSON, "{\"status\":\"\xff\"}", 15,
	    "malformed JSON response at line 1, column 11: unable to decode "
	    "byte 0xff near '\"'");
#undef HEAD
}

Test(promapi_errors, deep_nesting_does_not_crash)
{
	struct buf b = {0};
	struct promapi_result r;
	struct buf err = {0};

	buf_puts(&b, "{\"status\":\"success\",\"data\":");
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	cr_assert_eq(promapi_parse(200, JSON, b.s, b.len, &r, &err), -1);
	cr_assert(strstr(buf_str(&err), "maximum parsing depth reached"), "%s",
		  buf_str(&err));
	buf_free(&err);
	buf_free(&b);
}

/* ----------------------------------------------------------- size cap */

Test(promapi_body, cap_enforced_incrementally)
{
	struct buf body = {0}, err = {0};

	cr_assert_eq(promapi_body_add(&body, 10, "0123", 4, &err), 0);
	cr_assert_eq(promapi_body_add(&body, 10, "", 0, &err), 0);
	cr_assert_eq(promapi_body_add(&body, 10, "456789", 6, &err), 0,
		     "exactly the cap is fine");
	cr_assert_eq(body.len, 10);
	cr_assert_str_eq(body.s, "0123456789");
	cr_assert_eq(promapi_body_add(&body, 10, "a", 1, &err), -1);
	cr_assert_str_eq(buf_str(&err), "response exceeds 10 bytes");
	cr_assert_str_eq(body.s, "0123456789", "body unchanged");
	buf_reset(&err);
	cr_assert_eq(promapi_body_add(&body, 10, "a", SIZE_MAX, &err), -1,
		     "no overflow in the check");
	buf_free(&body);
	buf_reset(&err);
	cr_assert_eq(promapi_body_add(&body, 0, "a", 1, &err), -1);
	cr_assert_str_eq(buf_str(&err), "response exceeds 0 bytes");
	cr_assert_eq(
	    promapi_body_add(&body, PROMAPI_DEFAULT_MAX_BODY, "a", 1, &err), 0);
	buf_free(&body);
	buf_free(&err);
}

/* ------------------------------------------------------------ request */

Test(promapi_request, url)
{
	static const char *const cases[][2] = {
	    {"http://127.0.0.1:9090", "http://127.0.0.1:9090/api/v1/query"},
	    {"http://127.0.0.1:9090/", "http://127.0.0.1:9090/api/v1/query"},
	    {"http://h///", "http://h/api/v1/query"},
	    {"https://h/prometheus", "https://h/prometheus/api/v1/query"},
	    {"https://h/prometheus/", "https://h/prometheus/api/v1/query"},
	    {"http://h/a/b/", "http://h/a/b/api/v1/query"},
	    {"http://h/p?tenant=a", "http://h/p/api/v1/query?tenant=a"},
	    {"http://h/?x=1#frag", "http://h/api/v1/query?x=1"},
	    {"http://h#frag", "http://h/api/v1/query"},
	    {"http://u:p@h:1/x%2Fy/", "http://u:p@h:1/x%2Fy/api/v1/query"},
	    {"http://h//prom//x//", "http://h/prom/x/api/v1/query"},
	    {"http://", "http:///api/v1/query"},
	    {"http://?x", "http:///api/v1/query?x"},
	    {"h:9090", "h:9090/api/v1/query"},
	    {"/p/", "/p/api/v1/query"},
	    {"", "/api/v1/query"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *u = promapi_url(cases[i][0]);

		cr_assert_str_eq(u, cases[i][1], "base %s", cases[i][0]);
		free(u);
	}
}

Test(promapi_request, time_format)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
	    {1700000000123LL, "1700000000.123"},
	    {1700000000000LL, "1700000000"},
	    {1700000000100LL, "1700000000.1"},
	    {1700000000120LL, "1700000000.12"},
	    {1795316016990LL, "1795316016.99"},
	    {1700000000005LL, "1700000000.005"},
	    {1700000000050LL, "1700000000.05"},
	    {0, "0"},
	    {5, "0.005"},
	    {-1, "-0.001"},
	    {-1500, "-1.5"},
	    {INT64_MAX, "9223372036854775.807"},
	    {INT64_MIN, "-9223372036854775.808"},
	};
	char out[PROMAPI_TIME_SIZE];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		cr_assert_str_eq(
		    promapi_format_time(cases[i].ms, out, sizeof out),
		    cases[i].want);
}

/* promapi_form_append() into a new string; the caller frees it. */
static char *form_body(const char *expr, int64_t time_ms, int64_t timeout_ms)
{
	struct buf b = {0};

	promapi_form_append(&b, expr, time_ms, timeout_ms);
	return buf_take(&b);
}

Test(promapi_request, form_body)
{
	char *b = form_body("sum(rate(http_requests_total{job=\"api\","
				    "code=~\"5..\"}[5m])) / 2 > "
				    "0.5 + 1 & a=b\nor on() vector(1e+06) # ü~",
				    1700000000123LL, 30000);

	/* Python's quote_plus(s, safe='') agrees with Go's QueryEscape. */
	cr_assert_str_eq(
	    b,
	    "query=sum%28rate%28http_requests_total%7Bjob%3D%22api%22%2Ccode%3D"
	    "~%225..%22%7D%5B5m%5D%29%29+%2F+2+%3E+0.5+%2B+1+%26+a%3Db%0Aor+on"
	    "%28%29+vector%281e%2B06%29+%23+%C3%BC~"
	    "&time=1700000000.123&timeout=30s");
	free(b);
	b = form_body("a b+c&d=e{f=\"g\"}\n\t%/?#", 1500, 90000);
	cr_assert_str_eq(
	    b, "query=a+b%2Bc%26d%3De%7Bf%3D%22g%22%7D%0A%09%25%2F%3F%23"
	       "&time=1.5&timeout=1m30s");
	free(b);
	b = form_body("up", 0, 1500);
	cr_assert_str_eq(b, "query=up&time=0&timeout=1s500ms");
	free(b);
	b = form_body("", 1000, 0);
	cr_assert_str_eq(b, "query=&time=1", "no timeout when none is set");
	free(b);
}

static char *tmpfile_with(const char *content)
{
	char *path = xstrdup("/tmp/test_promapi.XXXXXX");
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, strlen(content)),
		     (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void expect_headers(const struct promapi_request *req,
			   const char *const *want, size_t n)
{
	cr_assert_eq(req->nheaders, n, "got %zu headers", req->nheaders);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(req->headers[i], want[i], "header %zu", i);
}

#define DEFAULT_HEADERS                                                        \
	"Content-Type: application/x-www-form-urlencoded",                     \
	    "Accept: application/json", "User-Agent: Tocsin/" TOCSIN_VERSION,  \
	    "Expect:"

Test(promapi_request, build_plain)
{
	struct config_datasource ds = {.url = "http://h:9090/prom/",
				       .timeout_ms = 30000};
	static const char *const want[] = {DEFAULT_HEADERS};
	struct promapi_request req;
	struct buf err = {0};

	cr_assert_eq(promapi_request_build(&ds, &req, &err), 0, "%s",
		     buf_str(&err));
	cr_assert_str_eq(req.url, "http://h:9090/prom/api/v1/query");
	expect_headers(&req, want, ARRAY_LEN(want));
	promapi_request_free(&req);
	promapi_request_free(&req); /* twice is harmless */
	promapi_request_free(NULL);
	buf_free(&err);
}

Test(promapi_request, configured_headers_and_basic_auth)
{
	struct config_kv hs[] = {{"User-Agent", "custom/1"},
				 {"X-Scope-OrgID", "tenant-a"},
				 {"accept", "application/json; q=1"},
				 {"authorization", "overridden"},
				 {"X-Empty", ""}};
	struct config_basic_auth ba = {
	    .username = "user", .password = "pass", .password_file = ""};
	struct config_datasource ds = {.url = "http://h",
				       .timeout_ms = 1000,
				       .headers = hs,
				       .nheaders = ARRAY_LEN(hs)};
	static const char *const want[] = {
	    "Content-Type: application/x-www-form-urlencoded",
	    "Accept: application/json; q=1",
	    "User-Agent: custom/1",
	    "Expect:",
	    "X-Scope-OrgID: tenant-a",
	    "authorization: Basic dXNlcjpwYXNz",
	    "X-Empty;",
	};
	struct promapi_request req;
	struct buf err = {0};

	ds.http.basic_auth = &ba;
	cr_assert_eq(promapi_request_build(&ds, &req, &err), 0, "%s",
		     buf_str(&err));
	expect_headers(&req, want, ARRAY_LEN(want));
	promapi_request_free(&req);
	buf_free(&err);
}

Test(promapi_request, base64_padding)
{
	static const char *const cases[][3] = {
	    {"ü", "p:w", "Basic w7w6cDp3"},
	    {"", "", "Basic Og=="},
	    {"ab", "", "Basic YWI6"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct config_basic_auth ba = {.username = (char *)cases[i][0],
					       .password = (char *)cases[i][1],
					       .password_file = ""};
		struct config_http h = {.basic_auth = &ba};
		struct buf err = {0};
		char *v;

		cr_assert_eq(promapi_auth_value(&h, &v, &err), 0);
		cr_assert_str_eq(v, cases[i][2]);
		free(v);
	}
}

Test(promapi_request, secrets_from_files)
{
	char *pw = tmpfile_with("  s3cret\n\n");
	char *tok = tmpfile_with("tok\r\n");
	struct config_basic_auth ba = {
	    .username = "u", .password = "", .password_file = pw};
	struct config_authorization az = {
	    .type = "Bearer", .credentials = "", .credentials_file = tok};
	struct config_http h = {.basic_auth = &ba};
	struct buf err = {0};
	char *v;

	cr_assert_eq(promapi_auth_value(&h, &v, &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(v, "Basic dTpzM2NyZXQ="); /* u:s3cret */
	free(v);
	h.basic_auth = NULL;
	h.authorization = &az;
	cr_assert_eq(promapi_auth_value(&h, &v, &err), 0, "%s", buf_str(&err));
	cr_assert_str_eq(v, "Bearer tok");
	free(v);
	/* read at request time: a rotated secret is picked up */
	FILE *f = fopen(tok, "w");
	cr_assert(f);
	fputs("tok2", f);
	fclose(f);
	cr_assert_eq(promapi_auth_value(&h, &v, &err), 0);
	cr_assert_str_eq(v, "Bearer tok2");
	free(v);
	unlink(pw);
	unlink(tok);
	free(pw);
	free(tok);
	buf_free(&err);
}

Test(promapi_request, unreadable_secret_files)
{
	struct config_basic_auth ba = {.username = "u",
				       .password = "",
				       .password_file = "/nonexistent/pw"};
	struct config_authorization az = {
	    .type = "Bearer", .credentials = "", .credentials_file = "/tmp"};
	struct config_datasource ds = {.url = "http://h", .timeout_ms = 1000};
	struct promapi_request req;
	struct buf err = {0};

	ds.http.basic_auth = &ba;
	cr_assert_eq(promapi_request_build(&ds, &req, &err), -1);
	cr_assert_str_eq(buf_str(&err),
			 "unable to read basic auth password file "
			 "/nonexistent/pw: No such file or directory");
	cr_assert_null(req.url);
	cr_assert_null(req.headers);
	cr_assert_eq(req.nheaders, 0);
	promapi_request_free(&req);
	buf_reset(&err);
	ds.http.basic_auth = NULL;
	ds.http.authorization = &az;
	cr_assert_eq(promapi_request_build(&ds, &req, &err), -1);
	cr_assert_str_eq(buf_str(&err),
			 "unable to read authorization credentials "
			 "file /tmp: Is a directory");
	promapi_request_free(&req);
	buf_free(&err);
}

Test(promapi_request, authorization_types)
{
	struct config_authorization az = {
	    .type = "Token", .credentials = "abc", .credentials_file = ""};
	struct config_http h = {.authorization = &az};
	struct buf err = {0};
	char *v;

	cr_assert_eq(promapi_auth_value(&h, &v, &err), 0);
	cr_assert_str_eq(v, "Token abc");
	free(v);
	az.credentials = "";
	cr_assert_eq(promapi_auth_value(&h, &v, &err), 0);
	cr_assert_null(
	    v, "empty credentials send no header, as prometheus/common");
	h.authorization = NULL;
	cr_assert_eq(promapi_auth_value(&h, &v, &err), 0);
	cr_assert_null(v);
	buf_free(&err);
}

Test(promapi_request, header_injection_refused)
{
	char *tok = tmpfile_with("line1\nline2\n");
	struct config_authorization az = {
	    .type = "Bearer", .credentials = "", .credentials_file = tok};
	struct config_kv bad_value[] = {{"X-A", "a\r\nX-Evil: 1"}};
	struct config_kv bad_name[] = {{"X A", "v"}};
	struct config_datasource ds = {.url = "http://h", .timeout_ms = 1000};
	struct promapi_request req;
	struct buf err = {0};

	ds.http.authorization = &az;
	cr_assert_eq(promapi_request_build(&ds, &req, &err), -1);
	cr_assert_str_eq(buf_str(&err),
			 "invalid value for header \"Authorization\"");
	promapi_request_free(&req);
	ds.http.authorization = NULL;
	ds.headers = bad_value;
	ds.nheaders = 1;
	buf_reset(&err);
	cr_assert_eq(promapi_request_build(&ds, &req, &err), -1);
	cr_assert_str_eq(buf_str(&err), "invalid value for header \"X-A\"");
	promapi_request_free(&req);
	ds.headers = bad_name;
	buf_reset(&err);
	cr_assert_eq(promapi_request_build(&ds, &req, &err), -1);
	cr_assert_str_eq(buf_str(&err), "invalid header name \"X A\"");
	promapi_request_free(&req);
	ds.url = "";
	buf_reset(&err);
	cr_assert_eq(promapi_request_build(&ds, &req, &err), -1);
	cr_assert_str_eq(buf_str(&err), "no datasource url configured");
	unlink(tok);
	free(tok);
	buf_free(&err);
}

/* -------------------------------------------------------- curl errors */

Test(promapi_curl, messages)
{
	static const struct {
		CURLcode code;
		long os_errno;
		const char *detail, *want;
	} cases[] = {
	    {CURLE_COULDNT_CONNECT, ECONNREFUSED,
	     "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't "
	     "connect to server",
	     "Post \"http://127.0.0.1:1/api/v1/query\": connection refused "
	     "(Failed "
	     "to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to "
	     "server)"},
	    {CURLE_COULDNT_CONNECT, 0, NULL,
	     "Post \"http://127.0.0.1:1/api/v1/query\": cannot connect"},
	    {CURLE_OPERATION_TIMEDOUT, 0,
	     "Operation timed out after 30001 milliseconds with 0 bytes "
	     "received\n",
	     "Post \"http://127.0.0.1:1/api/v1/query\": timed out (Operation "
	     "timed "
	     "out after 30001 milliseconds with 0 bytes received)"},
	    {CURLE_COULDNT_RESOLVE_HOST, 0, "Could not resolve host: nope",
	     "Post \"http://127.0.0.1:1/api/v1/query\": cannot resolve the "
	     "host "
	     "(Could not resolve host: nope)"},
	    {CURLE_RECV_ERROR, ECONNRESET, "",
	     "Post \"http://127.0.0.1:1/api/v1/query\": connection reset by "
	     "peer"},
	    {CURLE_GOT_NOTHING, 0, "Empty reply from server",
	     "Post \"http://127.0.0.1:1/api/v1/query\": server closed the "
	     "connection "
	     "without a response (Empty reply from server)"},
	    {CURLE_PEER_FAILED_VERIFICATION, 0,
	     "SSL certificate problem: self-signed certificate",
	     "Post \"http://127.0.0.1:1/api/v1/query\": TLS certificate "
	     "verification "
	     "failed (SSL certificate problem: self-signed certificate)"},
	    {(CURLcode)9999, 0, "x",
	     "Post \"http://127.0.0.1:1/api/v1/query\": transfer failed (curl "
	     "error "
	     "9999) (x)"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf err = {0};

		promapi_error_from_curl(cases[i].code, cases[i].os_errno,
					"http://127.0.0.1:1/api/v1/query",
					cases[i].detail, &err);
		cr_assert_str_eq(buf_str(&err), cases[i].want);
		buf_free(&err);
	}
}

Test(promapi_curl, status_text)
{
	cr_assert_str_eq(promapi_status_text(200), "OK");
	cr_assert_str_eq(promapi_status_text(422), "Unprocessable Entity");
	cr_assert_str_eq(promapi_status_text(502), "Bad Gateway");
	cr_assert_str_eq(promapi_status_text(599), "");
	cr_assert_str_eq(promapi_status_text(-1), "");
}

/* ------------------------------------------------- fast path agreement */

/* ------------------------------------------------------- the lazy path */

/* Parses body lazily with known keys (may be NULL); asserts it reads what
 * promapi_parse() reads (e), and returns the keys it gave in *keys. */
static void lazy_matches(long status, const char *body, size_t len,
			 const uint64_t *known, size_t nknown,
			 const struct promapi_result *e, int erc,
			 const char *eerr, uint64_t **keys)
{
	struct promapi_result l = {0};
	struct buf err = {0};
	int rc = promapi_parse_lazy(status, JSON, body, len, known, nknown,
				    &l, &err);

	cr_assert_eq(rc, erc, "%.*s", (int)len, body);
	cr_assert_str_eq(buf_str(&err), eerr);
	if (rc == 0) {
		cr_assert_eq(l.type, e->type);
		cr_assert_eq(l.n, e->n);
		*keys = xcalloc(l.n + 1, sizeof **keys);
		for (size_t i = 0; i < l.n; i++) {
			struct promapi_sample *s = &l.v[i];

			if (s->key) {
				cr_assert_null(s->labels, "built too early");
				cr_assert_not_null(s->metric_text);
				cr_assert_eq(s->metric_text[0], '{');
				cr_assert_eq(s->metric_text[s->metric_len - 1],
					     '}');
			}
			(*keys)[i] = s->key;
			cr_assert(labels_equal(promapi_sample_labels(s),
					       e->v[i].labels),
				  "sample %zu of %.*s", i, (int)len, body);
			cr_assert_eq(promapi_sample_labels(s), s->labels,
				     "built once");
			cr_assert_eq(memcmp(&s->value, &e->v[i].value,
					    sizeof s->value),
				     0);
			cr_assert_eq(s->t_ms, e->v[i].t_ms);
			cr_assert_eq(s->histogram, e->v[i].histogram);
		}
	}
	promapi_result_free(&l);
	buf_free(&err);
}

/* The lazy path reads what promapi_parse() reads: without keys, with the
 * keys it gave (text taken as checked), with keys of other samples (text
 * checked again) and with keys nothing has.  Returns how many samples it
 * keyed. */
static size_t lazy_agrees(long status, const char *body, size_t len)
{
	struct promapi_result e;
	struct buf eerr = {0};
	int erc = promapi_parse(status, JSON, body, len, &e, &eerr);
	uint64_t *keys = NULL, *other = NULL, *again = NULL;
	size_t keyed = 0;

	lazy_matches(status, body, len, NULL, 0, &e, erc, buf_str(&eerr),
		     &keys);
	if (erc == 0) {
		other = xcalloc(e.n + 1, sizeof *other);
		for (size_t i = 0; i < e.n; i++) {
			keyed += keys[i] != 0;
			other[i] = i + 1 < e.n ? keys[i + 1] : 12345;
		}
		lazy_matches(status, body, len, keys, e.n, &e, erc,
			     buf_str(&eerr), &again);
		cr_assert_eq(memcmp(keys, again, e.n * sizeof *keys), 0,
			     "the same keys again");
		free(again);
		lazy_matches(status, body, len, other, e.n, &e, erc,
			     buf_str(&eerr), &again);
		cr_assert_eq(memcmp(keys, again, e.n * sizeof *keys), 0,
			     "the same keys from checked text");
		free(again);
	}
	free(keys);
	free(other);
	promapi_result_free(&e);
	buf_free(&eerr);
	return keyed;
}

Test(promapi_lazy, corpus_answers)
{
	static const char *const names[] = {
	    "prom-api-v1-query-empty.json",  "prom-api-v1-query-inf.json",
	    "prom-api-v1-query-matrix.json", "prom-api-v1-query-nan.json",
	    "prom-api-v1-query-scalar.json", "prom-api-v1-query-string.json",
	    "prom-api-v1-query-sum.json",    "prom-api-v1-query-vector.json",
	    "prom-api-v1-query-badquery.txt",
	};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		size_t len;
		char *s = sample(names[i], &len);

		lazy_agrees(200, s, len);
		lazy_agrees(400, s, len);
		free(s);
	}
}

/* Keys follow the text of the metric object: equal text, equal keys. */
Test(promapi_lazy, keys_follow_the_text)
{
	const char *body =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[{\"metric\":{\"a\":\"1\"},\"value\":[1,\"1\"]},"
	    "{\"metric\":{\"a\":\"2\"},\"value\":[1,\"1\"]},"
	    "{\"metric\":{\"a\":\"1\"},\"value\":[2,\"3\"]},"
	    "{\"metric\":{},\"value\":[2,\"3\"]},"
	    "{\"metric\": {\"a\": \"1\"},\"value\":[2,\"3\"]}]}}";
	struct promapi_result r = {0};
	struct buf err = {0};

	cr_assert_eq(lazy_agrees(200, body, strlen(body)), 5);
	cr_assert_eq(promapi_parse_lazy(200, JSON, body, strlen(body), NULL,
					0, &r, &err),
		     0);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.v[0].key, r.v[2].key);
	cr_assert_neq(r.v[0].key, r.v[1].key);
	cr_assert_neq(r.v[0].key, r.v[4].key, "other text, other key");
	cr_assert_eq(r.v[0].metric_len, strlen("{\"a\":\"1\"}"));
	cr_assert_eq(r.v[3].metric_len, 2);
	cr_assert(labels_equal(promapi_sample_labels(&r.v[0]),
			       promapi_sample_labels(&r.v[4])));
	promapi_result_free(&r);
	buf_free(&err);
}

/* Samples of one answer mostly share their timestamp text; one that
 * only starts like the last one's is read on its own. */
Test(promapi_lazy, timestamps_of_many_samples)
{
	const char *body =
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[{\"metric\":{},\"value\":[1,\"1\"]},"
	    "{\"metric\":{},\"value\":[1,\"1\"]},"
	    "{\"metric\":{},\"value\":[10,\"1\"]},"
	    "{\"metric\":{},\"value\":[10.5,\"1\"]},"
	    "{\"metric\":{},\"value\":[10.5 ,\"1\"]},"
	    "{\"metric\":{},\"value\":[ 10.5,\"1\"]},"
	    "{\"metric\":{},\"value\":[10.50,\"1\"]},"
	    "{\"metric\":{},\"value\":[-1,\"1\"]}]}}";
	static const int64_t want[] = {1000, 1000,  10000, 10500,
				       10500, 10500, 10500, -1000};
	struct promapi_result r = {0};
	struct buf err = {0};

	lazy_agrees(200, body, strlen(body));
	cr_assert_eq(promapi_parse_lazy(200, JSON, body, strlen(body), NULL,
					0, &r, &err),
		     0);
	cr_assert_eq(r.n, 8);
	for (size_t i = 0; i < 8; i++)
		cr_assert_eq(r.v[i].t_ms, want[i], "sample %zu", i);
	promapi_result_free(&r);
	buf_free(&err);
}

/* A result emptied with promapi_result_clear() takes the next answer in
 * the room it has, growing it when the answer is larger. */
Test(promapi_lazy, cleared_result_used_again)
{
	struct promapi_result r = {0};
	struct buf err = {0};
	struct promapi_sample *first;

	for (int round = 0; round < 3; round++) {
		static const int sizes[] = {3, 1, 400};
		struct buf b = {0};

		buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":"
			     "\"vector\",\"result\":[");
		for (int i = 0; i < sizes[round]; i++)
			buf_printf(&b, "%s{\"metric\":{\"i\":\"%d\"},\"value\":"
				       "[1,\"%d\"]}",
				   i ? "," : "", i, round);
		buf_puts(&b, "]}}");
		cr_assert_eq(promapi_parse_lazy(200, JSON, b.s, b.len, NULL, 0,
						&r, &err),
			     0, "%s", buf_str(&err));
		if (round == 0)
			first = r.v;
		if (round == 1)
			cr_assert_eq(r.v, first, "the room was kept");
		cr_assert_eq(r.n, (size_t)sizes[round]);
		cr_assert_geq(r.cap, r.n);
		for (int i = 0; i < sizes[round]; i++) {
			char want[16];

			snprintf(want, sizeof want, "%d", i);
			cr_assert_str_eq(
			    labels_get(promapi_sample_labels(&r.v[i]), "i"),
			    want);
			cr_assert_eq(r.v[i].value, round);
		}
		promapi_result_clear(&r);
		cr_assert_eq(r.n, 0);
		buf_free(&b);
	}
	/* an answer the general path reads, into the cleared result */
	{
		const char *scalar = "{\"status\":\"success\",\"data\":{"
				     "\"resultType\":\"scalar\",\"result\":"
				     "[1,\"7\"]}}";

		cr_assert_eq(promapi_parse_lazy(200, JSON, scalar,
						strlen(scalar), NULL, 0, &r,
						&err),
			     0);
		cr_assert_eq(r.type, PROMAPI_SCALAR);
		cr_assert_eq(r.v[0].value, 7);
	}
	promapi_result_free(&r);
	buf_free(&err);
}

/* A '}' inside a string ends no object: its key is of the whole object,
 * with or without a known key, and text that changed behind a known key
 * is checked again. */
Test(promapi_lazy, known_keys_and_odd_text)
{
	static const char *const bodies[] = {
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[{\"metric\":{\"a\":\"x}y\",\"b\":\"}\"},\"value\":"
	    "[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[{\"metric\":{\"a\":\"x}\"},\"value\":[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[{\"metric\":{\"a\":\"x}\",\"value\":[1,\"1\"]}]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[{\"metric\":{\"a\":\"\\u0078\"},\"value\":[1,"
	    "\"1\"]}]}}",
	};
	uint64_t k[4];

	for (size_t i = 0; i < 4; i++) {
		struct promapi_result r = {0};
		struct buf err = {0};
		int rc = promapi_parse_lazy(200, JSON, bodies[i],
					    strlen(bodies[i]), NULL, 0, &r,
					    &err);

		lazy_agrees(200, bodies[i], strlen(bodies[i]));
		k[i] = rc == 0 && r.n ? r.v[0].key : 0;
		promapi_result_free(&r);
		buf_free(&err);
	}
	cr_assert_neq(k[0], 0);
	cr_assert_neq(k[1], 0);
	cr_assert_eq(k[2], 0, "malformed: no result");
	cr_assert_eq(k[3], 0, "an escape: read by jansson, no key");
	/* body 2 behind body 1's key: other text, checked again, and refused
	 * as jansson refuses it */
	{
		struct promapi_result r = {0};
		struct buf err = {0};

		cr_assert_eq(promapi_parse_lazy(200, JSON, bodies[2],
						strlen(bodies[2]), &k[1], 1,
						&r, &err),
			     -1);
		cr_assert(strstr(buf_str(&err), "malformed"), "%s",
			  buf_str(&err));
		buf_free(&err);
	}
}

/* Parses one sample {"metric":{"l":lv},"value":[t,v]} with both paths;
 * returns what the fast path said (1: took it) after checking that the
 * two agree bit for bit. */
static int both_paths(const char *lv, const char *t, const char *v)
{
	char *body = xasprintf("{\"status\":\"success\",\"data\":{"
			       "\"resultType\":\"vector\",\"result\":["
			       "{\"metric\":{\"l\":\"%s\"},\"value\":[%s,"
			       "\"%s\"]}]}}",
			       lv, t, v);
	struct promapi_result f, g;
	struct buf err = {0};
	int fast = promapi_parse_fast(200, body, strlen(body), &f);
	int rc = promapi_parse_json(200, JSON, body, strlen(body), &g, &err);

	lazy_agrees(200, body, strlen(body));

	if (fast) {
		cr_assert_eq(rc, 0, "%s: %s", body, buf_str(&err));
		cr_assert_eq(f.n, 1);
		cr_assert_eq(memcmp(&f.v[0].value, &g.v[0].value,
				    sizeof(double)),
			     0, "%s: value %.17g, want %.17g", body,
			     f.v[0].value, g.v[0].value);
		cr_assert_eq(f.v[0].t_ms, g.v[0].t_ms, "%s: time", body);
		cr_assert(labels_equal(f.v[0].labels, g.v[0].labels), "%s",
			  body);
	}
	promapi_result_free(&f);
	promapi_result_free(&g);
	buf_free(&err);
	free(body);
	return fast;
}

Test(promapi_fast, numbers_agree_with_strtod)
{
	static const char *const values[] = {
	    "0", "-0", "0.0", "-0.0", "1", "0.1", "0.3", "0.100042",
	    "123.456", "1733540000.123", "9007199254740992",
	    "9007199254740993", "90071992547409930", "0.000000000000000000001",
	    "0.0000000000000000000001", "1.7976931348623157",
	    "12345678901234567890", "3.14159265358979323846", "007",
	    "1.", ".5", "-.5", "+1", "1e5", "1_0", "NaN", "-Inf", "0x1p3",
	};
	static const char *const times[] = {
	    "1733540000", "1733540000.123", "0.050", "-0.001",
	    "1733540000.1234567", "9007199254.740993", "0",
	};

	for (size_t i = 0; i < sizeof values / sizeof *values; i++)
		both_paths("x", "1", values[i]);
	for (size_t i = 0; i < sizeof times / sizeof *times; i++)
		cr_assert(both_paths("x", times[i], "1"), "%s", times[i]);
	/* pseudo-random decimals of every length */
	{
		uint64_t x = 88172645463325252ULL;

		for (int i = 0; i < 20000; i++) {
			char v[40];
			int digits, point;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			digits = 1 + (int)(x % 17);
			point = (int)((x >> 8) % (uint64_t)(digits + 1));
			snprintf(v, sizeof v, "%s%0*llu", (x >> 20) & 1 ? "-" : "",
				 digits,
				 (unsigned long long)((x >> 24) % 100000000000000000ULL));
			v[strlen(v) - (size_t)point] = '\0';
			if (point) {
				char frac[40];

				snprintf(frac, sizeof frac, "%llu",
					 (unsigned long long)(x % 1000000ULL));
				strncat(v, ".", sizeof v - strlen(v) - 1);
				strncat(v, frac, sizeof v - strlen(v) - 1);
			}
			both_paths("x", "1", v);
		}
	}
}

Test(promapi_fast, utf8_checked_in_strings)
{
	cr_assert(both_paths("\xc3\xbc", "1", "1"));
	cr_assert(both_paths("a\xe2\x82\xac" "b", "1", "1"));
	cr_assert_not(both_paths("\xc3", "1", "1"));
	cr_assert_not(both_paths("\xff", "1", "1"));
	cr_assert_not(both_paths("\xed\xa0\x80", "1", "1")); /* surrogate */
	cr_assert_not(both_paths("\xc0\xaf", "1", "1"));     /* overlong */
}

/* Escapes and control characters anywhere in a string leave the fast
 * path (whose scan looks at eight bytes at a time). */
Test(promapi_fast, escapes_and_controls_anywhere)
{
	for (size_t at = 0; at < 20; at++) {
		char v[32];

		memset(v, 'a', sizeof v);
		v[at] = '\\';
		v[at + 1] = 'n';
		v[24] = '\0';
		cr_assert_not(both_paths(v, "1", "1"), "escape at %zu", at);
		memset(v, 'a', sizeof v);
		v[at] = '\x01';
		v[24] = '\0';
		cr_assert_not(both_paths(v, "1", "1"), "control at %zu", at);
		memset(v, 'a', sizeof v);
		v[at] = '\xc3';
		v[at + 1] = '\xa9';
		v[24] = '\0';
		cr_assert(both_paths(v, "1", "1"), "UTF-8 at %zu", at);
		v[at + 1] = 'a';
		cr_assert_not(both_paths(v, "1", "1"), "bad UTF-8 at %zu", at);
		memset(v, ']', sizeof v); /* 0x5d: next to '\\' */
		v[24] = '\0';
		cr_assert(both_paths(v, "1", "1"));
		memset(v, ' ', sizeof v);
		v[24] = '\0';
		cr_assert(both_paths(v, "1", "1"));
	}
}
