/*
 * test_log.c - log lines as Prometheus 2.42 / Alertmanager 0.25 print them
 * through go-kit log: logfmt by go-logfmt v0.5.1's encode.go rules, json
 * by go-kit's JSON logger (encoding/json, SetEscapeHTML(false)).  The
 * expected strings apply those rules by hand; the clock is fixed.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define TS "2026-11-22T02:46:32.691Z"

static char *cap_s;
static size_t cap_len;
static FILE *cap;

static int64_t fixed_now(void)
{
	return INT64_C(1795315592691); /* 2026-11-22T02:46:32.691Z */
}

static void setup(void)
{
	cap = open_memstream(&cap_s, &cap_len);
	cr_assert(cap);
	log_set_output(cap);
	log_set_clock(fixed_now);
}

static void teardown(void)
{
	log_set_output(NULL);
	log_set_clock(NULL);
	fclose(cap);
	free(cap_s);
}

TestSuite(log, .init = setup, .fini = teardown);

/* What was written so far. */
static const char *captured(void)
{
	fflush(cap);
	return cap_s ? cap_s : "";
}

static void setup_ok(const char *level, const char *format)
{
	struct buf err = {0};

	cr_assert_eq(log_setup(level, format, &err), 0, "%s", buf_str(&err));
	buf_free(&err);
}

/* Formats the pairs kv[0..n-1] with component "c" and msg "m". */
static char *line(enum log_format fmt, const char *const *kv, size_t n)
{
	struct log_record r = {0, LOG_LEVEL_INFO, "x.c", 1, "c", "m", kv, n};
	struct buf out = {0};

	log_format_line(&out, fmt, &r);
	return buf_take(&out);
}

static void expect_line(enum log_format fmt, const char *const *kv,
			size_t n, const char *want)
{
	char *got = line(fmt, kv, n);

	cr_expect_str_eq(got, want);
	free(got);
}

#define LOGFMT_HEAD "ts=1970-01-01T00:00:00.000Z caller=x.c:1 level=info " \
		    "component=c msg=m "
#define JSON_TAIL "\"ts\":\"1970-01-01T00:00:00.000Z\"}\n"

/* ------------------------------------------------------------- logfmt */

Test(log, logfmt_line_through_macro)
{
	int at = __LINE__ + 1;
	LOG_INFO("rules", "Loading configuration file", "file", "am.yml");
	char *want = xasprintf(
		"ts=" TS " caller=test_log.c:%d level=info component=rules "
		"msg=\"Loading configuration file\" file=am.yml\n",
		at);

	cr_assert_str_eq(captured(), want);
	free(want);
}

Test(log, logfmt_without_component_or_msg)
{
	log_kv(LOG_LEVEL_WARN, "main.c", 7, NULL, NULL, "a", "1", NULL);
	cr_assert_str_eq(captured(),
			 "ts=" TS " caller=main.c:7 level=warn a=1\n");
}

struct qcase {
	const char *value, *logfmt, *json;
};

/* value, then how go-logfmt and encoding/json write it. */
static const struct qcase quoting[] = {
	{"plain", "plain", "\"plain\""},
	{"a b", "\"a b\"", "\"a b\""},
	{"a=b", "\"a=b\"", "\"a=b\""},
	{"say \"hi\"", "\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\""},
	{"a\"b", "\"a\\\"b\"", "\"a\\\"b\""},
	{"", "", "\"\""},
	{"line1\nline2", "\"line1\\nline2\"", "\"line1\\nline2\""},
	{"a\tb", "\"a\\tb\"", "\"a\\tb\""},
	{"cr\r", "\"cr\\r\"", "\"cr\\r\""},
	{"\x01", "\"\\u0001\"", "\"\\u0001\""},
	{"\b\f", "\"\\u0008\\u000c\"", "\"\\u0008\\u000c\""},
	{"back\\slash", "back\\slash", "\"back\\\\slash\""},
	{"back\\ slash", "\"back\\\\ slash\"", "\"back\\\\ slash\""},
	{"null", "\"null\"", "\"null\""},
	{"nullx", "nullx", "\"nullx\""},
	{"\xff", "\"\\ufffd\"", "\"\\ufffd\""},
	{"a\xc3(", "\"a\\ufffd(\"", "\"a\\ufffd(\""},
	{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
	 "\"\\ufffd\\ufffd\\ufffd\""},
	{"\xef\xbf\xbd", "\"\\ufffd\"", "\"\xef\xbf\xbd\""},
	{"h\xc3\xa9llo\xe2\x86\x92\xe6\x97\xa5", "h\xc3\xa9llo\xe2\x86\x92\xe6\x97\xa5",
	 "\"h\xc3\xa9llo\xe2\x86\x92\xe6\x97\xa5\""},
	{"\xf0\x9f\x94\xa5 fire", "\"\xf0\x9f\x94\xa5 fire\"",
	 "\"\xf0\x9f\x94\xa5 fire\""},
	{"\x7f", "\x7f", "\"\x7f\""},
	{"<a&b>", "<a&b>", "\"<a&b>\""},
	{"\xe2\x80\xa8", "\xe2\x80\xa8", "\"\\u2028\""},
	{"\xc2\x85", "\xc2\x85", "\"\xc2\x85\""},
	{"k=v x", "\"k=v x\"", "\"k=v x\""},
};

Test(log, logfmt_value_quoting)
{
	for (size_t i = 0; i < ARRAY_LEN(quoting); i++) {
		const char *kv[] = {"k", quoting[i].value};
		char *want = xasprintf(LOGFMT_HEAD "k=%s\n", quoting[i].logfmt);

		expect_line(LOG_FORMAT_LOGFMT, kv, 2, want);
		free(want);
	}
}

Test(log, json_value_escaping)
{
	for (size_t i = 0; i < ARRAY_LEN(quoting); i++) {
		const char *kv[] = {"k", quoting[i].value};
		char *want = xasprintf(
			"{\"caller\":\"x.c:1\",\"component\":\"c\",\"k\":%s,"
			"\"level\":\"info\",\"msg\":\"m\"," JSON_TAIL,
			quoting[i].json);

		expect_line(LOG_FORMAT_JSON, kv, 2, want);
		free(want);
	}
}

Test(log, logfmt_keys_are_sanitized)
{
	const char *kv[] = {"bad key", "1", "a=b", "2", "\"q\"", "3",
			    " \t",     "4", "k\xff", "5", "\xef\xbf\xbd", "6",
			    "\xc3\xa9", "7"};

	expect_line(LOG_FORMAT_LOGFMT, kv, ARRAY_LEN(kv),
		    LOGFMT_HEAD "badkey=1 ab=2 q=3 k=5 \xc3\xa9=7\n");
}

Test(log, json_keys_kept_and_escaped)
{
	const char *kv[] = {"bad key", "1", "k\xff", "2", "<", "3"};

	expect_line(LOG_FORMAT_JSON, kv, ARRAY_LEN(kv),
		    "{\"<\":\"3\",\"bad key\":\"1\",\"caller\":\"x.c:1\","
		    "\"component\":\"c\",\"k\\ufffd\":\"2\",\"level\":\"info\","
		    "\"msg\":\"m\"," JSON_TAIL);
}

Test(log, odd_pairs_and_null_values)
{
	const char *kv[] = {"a", NULL, NULL, "skipped", "last"};

	expect_line(LOG_FORMAT_LOGFMT, kv, ARRAY_LEN(kv),
		    LOGFMT_HEAD "a=null last=(MISSING)\n");
	expect_line(LOG_FORMAT_JSON, kv, ARRAY_LEN(kv),
		    "{\"a\":null,\"caller\":\"x.c:1\",\"component\":\"c\","
		    "\"last\":\"(MISSING)\",\"level\":\"info\",\"msg\":\"m\","
		    JSON_TAIL);
}

Test(log, odd_pairs_through_log_kv)
{
	log_kv(LOG_LEVEL_ERROR, "a.c", 3, "x", "y", "err", NULL);
	cr_assert_str_eq(captured(), "ts=" TS " caller=a.c:3 level=error "
				     "component=x msg=y err=(MISSING)\n");
}

Test(log, duplicate_keys)
{
	const char *kv[] = {"k", "1", "level", "fake", "k", "2"};

	/* logfmt writes every pair; go-kit's JSON map keeps the last. */
	expect_line(LOG_FORMAT_LOGFMT, kv, ARRAY_LEN(kv),
		    LOGFMT_HEAD "k=1 level=fake k=2\n");
	expect_line(LOG_FORMAT_JSON, kv, ARRAY_LEN(kv),
		    "{\"caller\":\"x.c:1\",\"component\":\"c\",\"k\":\"2\","
		    "\"level\":\"fake\",\"msg\":\"m\"," JSON_TAIL);
}

/* --------------------------------------------------------------- json */

Test(log, json_line_through_macro)
{
	int at;
	char *want;

	setup_ok(NULL, "json");
	at = __LINE__ + 1;
	LOG_INFO("rules", "Loading configuration file", "file", "am.yml");
	want = xasprintf("{\"caller\":\"test_log.c:%d\",\"component\":\"rules\","
			 "\"file\":\"am.yml\",\"level\":\"info\","
			 "\"msg\":\"Loading configuration file\","
			 "\"ts\":\"" TS "\"}\n",
			 at);
	cr_assert_str_eq(captured(), want);
	free(want);
}

Test(log, log_kvv_dynamic_pairs)
{
	const char *kv[] = {"group", "g1", "err", "boom"};

	log_kvv(LOG_LEVEL_WARN, "eval.c", 9, "rules", "failed", kv, 4);
	cr_assert_str_eq(captured(), "ts=" TS " caller=eval.c:9 level=warn "
				     "component=rules msg=failed group=g1 "
				     "err=boom\n");
}

/* ------------------------------------------------------------ caller, ts */

Test(log, caller_is_basename)
{
	log_kv(LOG_LEVEL_INFO, "src/deep/dir/eval.c", 241, NULL, "a", NULL);
	log_kv(LOG_LEVEL_INFO, "eval.c", 1, NULL, "b", NULL);
	log_kv(LOG_LEVEL_INFO, NULL, 0, NULL, "c", NULL);
	cr_assert_str_eq(captured(),
			 "ts=" TS " caller=eval.c:241 level=info msg=a\n"
			 "ts=" TS " caller=eval.c:1 level=info msg=b\n"
			 "ts=" TS " caller=?:0 level=info msg=c\n");
}

static void expect_ts(int64_t ms, const char *want)
{
	struct log_record r = {ms, LOG_LEVEL_INFO, "x.c", 1, NULL, NULL,
			       NULL, 0};
	struct buf out = {0};
	char *w = xasprintf("ts=%s caller=x.c:1 level=info\n", want);

	log_format_line(&out, LOG_FORMAT_LOGFMT, &r);
	cr_expect_str_eq(buf_str(&out), w);
	free(w);
	buf_free(&out);
}

Test(log, timestamps_have_three_decimals)
{
	expect_ts(0, "1970-01-01T00:00:00.000Z");
	expect_ts(5, "1970-01-01T00:00:00.005Z");
	expect_ts(-1, "1969-12-31T23:59:59.999Z");
	expect_ts(INT64_C(1795315592000), "2026-11-22T02:46:32.000Z");
	expect_ts(INT64_C(1795315592691), TS);
}

/* ------------------------------------------------------- levels, setup */

static int evaluated;

static const char *side_effect(void)
{
	evaluated++;
	return "v";
}

Test(log, default_level_is_info)
{
	LOG_DEBUG("c", "hidden", "k", side_effect());
	cr_assert_eq(evaluated, 0, "filtered arguments must not be evaluated");
	cr_assert_str_eq(captured(), "");
	LOG_INFO("c", "shown");
	cr_assert_neq(strstr(captured(), "msg=shown"), NULL);
}

Test(log, level_filtering)
{
	static const struct {
		const char *flag;
		int shown[4]; /* debug, info, warn, error */
	} cases[] = {
		{"debug", {1, 1, 1, 1}},
		{"info", {0, 1, 1, 1}},
		{"warn", {0, 0, 1, 1}},
		{"error", {0, 0, 0, 1}},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		setup_ok(cases[i].flag, NULL);
		for (int l = LOG_LEVEL_DEBUG; l <= LOG_LEVEL_ERROR; l++)
			cr_expect_eq(log_enabled((enum log_level)l),
				     cases[i].shown[l], "%s at %s",
				     cases[i].flag,
				     log_level_name((enum log_level)l));
	}
	setup_ok("warn", NULL);
	LOG_DEBUG("c", "d");
	LOG_INFO("c", "i");
	LOG_WARN("c", "w");
	LOG_ERROR("c", "e");
	cr_assert_eq(strstr(captured(), "msg=d"), NULL);
	cr_assert_eq(strstr(captured(), "msg=i"), NULL);
	cr_assert_neq(strstr(captured(), "level=warn component=c msg=w\n"),
		      NULL);
	cr_assert_neq(strstr(captured(), "level=error component=c msg=e\n"),
		      NULL);
}

static void setup_err(const char *level, const char *format,
		      const char *want)
{
	struct buf err = {0};

	cr_expect_eq(log_setup(level, format, &err), -1);
	cr_expect_str_eq(buf_str(&err), want);
	buf_free(&err);
}

Test(log, bad_flags_are_reported)
{
	setup_ok("error", "json");
	setup_err("x", NULL, "unrecognized log level \"x\"");
	setup_err("Info", NULL, "unrecognized log level \"Info\"");
	setup_err("", NULL, "unrecognized log level \"\"");
	setup_err(NULL, "yaml", "unrecognized log format \"yaml\"");
	setup_err("debug", "text", "unrecognized log format \"text\"");
	setup_err("a\"b", "json", "unrecognized log level \"a\\\"b\"");
	/* nothing changed */
	cr_assert_eq(log_enabled(LOG_LEVEL_WARN), 0);
	LOG_ERROR(NULL, "still json");
	cr_assert_eq(captured()[0], '{');
}

Test(log, one_line_per_call)
{
	int at = __LINE__ + 1;
	LOG_INFO("c", "one");
	LOG_INFO("c", "two");
	char *want = xasprintf("ts=" TS " caller=test_log.c:%d level=info "
			       "component=c msg=one\n"
			       "ts=" TS " caller=test_log.c:%d level=info "
			       "component=c msg=two\n",
			       at, at + 1);

	cr_assert_str_eq(captured(), want);
	free(want);
}
