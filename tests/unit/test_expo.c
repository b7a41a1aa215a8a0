/*
 * test_expo.c - the text exposition writer: numbers as Go's
 * strconv.FormatFloat(v, 'g', -1, 64), escaping, histograms, the process
 * collector, and the real promtool's verdict on the output.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "expo.h"
#include "util.h"

static const char *fmt(struct buf *b, double v)
{
	buf_reset(b);
	expo_float(b, v);
	return buf_str(b);
}

/* Expected strings are Go's output (client_golang's writeFloat). */
Test(expo, floats_like_go)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{0, "0"},
		{-0.0, "0"},
		{1, "1"},
		{-1, "-1"},
		{0.1, "0.1"},
		{0.5, "0.5"},
		{1.5, "1.5"},
		{-2.25, "-2.25"},
		{123456, "123456"},
		{999999, "999999"},
		{1e6, "1e+06"},
		{1048576, "1.048576e+06"},
		{1234567, "1.234567e+06"},
		{1.67603649734e9, "1.67603649734e+09"},
		{2.0688896e7, "2.0688896e+07"},
		{1e21, "1e+21"},
		{1e100, "1e+100"},
		{18446744073709551615.0, "1.8446744073709552e+19"},
		{0.0001, "0.0001"},
		{0.00012, "0.00012"},
		{0.00001, "1e-05"},
		{2.5e-7, "2.5e-07"},
		{0.1 + 0.2, "0.30000000000000004"},
		{1.0 / 3, "0.3333333333333333"},
		{123.456, "123.456"},
		{4170.78, "4170.78"},
		{9007199254740992.0, "9.007199254740992e+15"},
		{5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
		{2.2250738585072014e-308, "2.2250738585072014e-308"},
		{INFINITY, "+Inf"},
		{-INFINITY, "-Inf"},
		{NAN, "NaN"},
	};
	struct buf b = {0};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		cr_expect_str_eq(fmt(&b, cases[i].v), cases[i].want, "case %zu", i);
	buf_free(&b);
}

Test(expo, family_and_samples)
{
	struct buf b = {0};
	const struct label ls[] = {
		{"code", "200"},
		{"path", "a\\b\"c\"\nd"},
	};

	expo_family(&b, "tocsin_requests_total", "counter",
		    "Requests by code.\nSecond line with \\ and \"quotes\".");
	expo_sample(&b, "tocsin_requests_total", ls, 2, 3);
	expo_sample(&b, "tocsin_requests_total", NULL, 0, 1e6);
	expo_samplef(&b, "tocsin_requests_total", 0.5, "code", "500", "x", "y", EXPO_END);
	expo_samplef(&b, "tocsin_requests_total", NAN, EXPO_END);
	expo_family(&b, "tocsin_up", "gauge", NULL);
	cr_assert_str_eq(buf_str(&b),
		"# HELP tocsin_requests_total Requests by code.\\nSecond line with \\\\ and \"quotes\".\n"
		"# TYPE tocsin_requests_total counter\n"
		"tocsin_requests_total{code=\"200\",path=\"a\\\\b\\\"c\\\"\\nd\"} 3\n"
		"tocsin_requests_total 1e+06\n"
		"tocsin_requests_total{code=\"500\",x=\"y\"} 0.5\n"
		"tocsin_requests_total NaN\n"
		"# TYPE tocsin_up gauge\n");
	buf_free(&b);
}

static const double bounds[] = {0.005, 0.1, 1, 2.5, 1e6};
static const unsigned long long counts[] = {0, 2, 3, 3, 4};

Test(expo, histogram)
{
	struct buf b = {0};
	const struct label ls[] = {{"handler", "/api"}};
	struct expo_hist h = {bounds, counts, ARRAY_LEN(bounds), 5, 1234.5};

	expo_family(&b, "tocsin_http_duration_seconds", "histogram", "Latency.");
	expo_histogram(&b, "tocsin_http_duration_seconds", ls, 1, &h);
	expo_histogram(&b, "tocsin_http_duration_seconds", NULL, 0, &h);
	cr_assert_str_eq(buf_str(&b),
		"# HELP tocsin_http_duration_seconds Latency.\n"
		"# TYPE tocsin_http_duration_seconds histogram\n"
		"tocsin_http_duration_seconds_bucket{handler=\"/api\",le=\"0.005\"} 0\n"
		"tocsin_http_duration_seconds_bucket{handler=\"/api\",le=\"0.1\"} 2\n"
		"tocsin_http_duration_seconds_bucket{handler=\"/api\",le=\"1\"} 3\n"
		"tocsin_http_duration_seconds_bucket{handler=\"/api\",le=\"2.5\"} 3\n"
		"tocsin_http_duration_seconds_bucket{handler=\"/api\",le=\"1e+06\"} 4\n"
		"tocsin_http_duration_seconds_bucket{handler=\"/api\",le=\"+Inf\"} 5\n"
		"tocsin_http_duration_seconds_sum{handler=\"/api\"} 1234.5\n"
		"tocsin_http_duration_seconds_count{handler=\"/api\"} 5\n"
		"tocsin_http_duration_seconds_bucket{le=\"0.005\"} 0\n"
		"tocsin_http_duration_seconds_bucket{le=\"0.1\"} 2\n"
		"tocsin_http_duration_seconds_bucket{le=\"1\"} 3\n"
		"tocsin_http_duration_seconds_bucket{le=\"2.5\"} 3\n"
		"tocsin_http_duration_seconds_bucket{le=\"1e+06\"} 4\n"
		"tocsin_http_duration_seconds_bucket{le=\"+Inf\"} 5\n"
		"tocsin_http_duration_seconds_sum 1234.5\n"
		"tocsin_http_duration_seconds_count 5\n");
	buf_free(&b);
}

/* Returns the value on the sample line of name in s, or NaN. */
static double sample_of(const char *s, const char *name)
{
	char *key = xasprintf("\n%s ", name);
	const char *p = strstr(s, key);
	double v = p ? strtod(p + strlen(key), NULL) : NAN;

	free(key);
	return v;
}

Test(expo, process_metrics)
{
	struct buf b = {0};
	const char *s;
	double start;

	cr_assert_eq(expo_process(&b), 7);
	s = buf_str(&b);
	cr_assert(strncmp(s, "# HELP process_cpu_seconds_total Total user and "
			     "system CPU time spent in seconds.\n"
			     "# TYPE process_cpu_seconds_total counter\n", 100) == 0);
	cr_assert(strstr(s, "# HELP process_start_time_seconds Start time of the "
			    "process since unix epoch in seconds.\n"));
	cr_assert(strstr(s, "# HELP process_virtual_memory_max_bytes Maximum amount "
			    "of virtual memory available in bytes.\n"));
	cr_assert(strstr(s, "# TYPE process_open_fds gauge\n"));
	cr_assert_geq(sample_of(s, "process_cpu_seconds_total"), 0);
	cr_assert_geq(sample_of(s, "process_open_fds"), 3);
	cr_assert_geq(sample_of(s, "process_max_fds"), sample_of(s, "process_open_fds"));
	cr_assert_gt(sample_of(s, "process_resident_memory_bytes"), 1e5);
	cr_assert_gt(sample_of(s, "process_virtual_memory_bytes"),
		     sample_of(s, "process_resident_memory_bytes"));
	start = sample_of(s, "process_start_time_seconds");
	cr_assert_gt(start, 1.5e9);
	cr_assert_leq(start, (double)time(NULL) + 1);
	/* families in name order, as client_golang's gatherer sorts them */
	cr_assert_lt(strstr(s, "process_max_fds"), strstr(s, "process_open_fds"));
	cr_assert_lt(strstr(s, "process_open_fds"), strstr(s, "process_resident_memory_bytes"));
	buf_free(&b);
}

/* promtool check metrics exits 0 only when the text parses and passes its
 * lint (counter names end in _total, units in base units, ...). */
Test(expo, promtool_accepts)
{
	static const char promtool[] = "/usr/bin/promtool";
	struct buf b = {0};
	const struct label ls[] = {{"code", "200"}, {"path", "we\"ird\\\n"}};
	struct expo_hist h = {bounds, counts, ARRAY_LEN(bounds), 5, 1234.5};
	char path[] = "/tmp/test_expo_XXXXXX";
	char *cmd;
	int fd, rc;

	if (access(promtool, X_OK) != 0) {
		cr_log_warn("%s not installed, skipped", promtool);
		return;
	}
	expo_family(&b, "tocsin_requests_total", "counter", "Requests by code.\n\\");
	expo_sample(&b, "tocsin_requests_total", ls, 2, 3);
	expo_samplef(&b, "tocsin_requests_total", 1e21, "code", "500", EXPO_END);
	expo_family(&b, "tocsin_temperature_celsius", "gauge", "A gauge.");
	expo_sample(&b, "tocsin_temperature_celsius", NULL, 0, -INFINITY);
	expo_family(&b, "tocsin_http_duration_seconds", "histogram", "Latency.");
	expo_histogram(&b, "tocsin_http_duration_seconds", ls, 1, &h);
	expo_family(&b, "tocsin_rpc_duration_seconds", "summary", "A summary.");
	expo_samplef(&b, "tocsin_rpc_duration_seconds", 0.001, "quantile", "0.5", EXPO_END);
	expo_sample(&b, "tocsin_rpc_duration_seconds_sum", NULL, 0, 2.5e-7);
	expo_sample(&b, "tocsin_rpc_duration_seconds_count", NULL, 0, 7);
	expo_family(&b, "tocsin_info", "untyped", "Untyped.");
	expo_sample(&b, "tocsin_info", NULL, 0, NAN);
	expo_process(&b);

	fd = mkstemp(path);
	cr_assert_neq(fd, -1);
	cr_assert_eq(write(fd, b.s, b.len), (ssize_t)b.len);
	close(fd);
	cmd = xasprintf("%s check metrics < %s", promtool, path);
	rc = system(cmd);
	cr_assert_eq(rc, 0, "promtool rejected:\n%s", buf_str(&b));
	unlink(path);
	free(cmd);
	buf_free(&b);
}
