/*
 * test_duration.c - Prometheus durations (model.Duration).
 *
 * The tables come from the real tools on this machine, not from our own
 * output:
 *   - parse results and error texts: `promtool check rules` 2.42 on a rule
 *     with `for: <input>`;
 *   - printed forms: Prometheus 2.42 reading `scrape_interval: <input>` and
 *     serving it back from /api/v1/status/config (model.Duration.String()).
 * See also ../shared/reference/ruler.md section 1.1.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

#define S DURATION_SECOND
#define M DURATION_MINUTE
#define H DURATION_HOUR
#define D DURATION_DAY
#define W (7 * D)
#define Y (365 * D)

static int64_t parse_ok(const char *s)
{
	char err[128] = "";
	int64_t ms = -1;

	cr_assert_eq(duration_parse(s, &ms, err, sizeof err), 0,
		     "\"%s\" should parse, got: %s", s, err);
	return ms;
}

static void parse_err(const char *s, const char *want)
{
	char err[128] = "";
	int64_t ms = 12345;

	cr_assert_eq(duration_parse(s, &ms, err, sizeof err), -1,
		     "\"%s\" should fail", s);
	cr_assert_str_eq(err, want, "input \"%s\"", s);
	cr_assert_eq(ms, 12345, "output untouched on error");
}

Test(duration, every_unit)
{
	cr_assert_eq(parse_ok("1y"), Y);
	cr_assert_eq(parse_ok("1w"), W);
	cr_assert_eq(parse_ok("1d"), D);
	cr_assert_eq(parse_ok("1h"), H);
	cr_assert_eq(parse_ok("1m"), M);
	cr_assert_eq(parse_ok("1s"), S);
	cr_assert_eq(parse_ok("1ms"), 1);
	cr_assert_eq(Y, 31536000000LL);
}

Test(duration, concatenations_in_descending_order)
{
	cr_assert_eq(parse_ok("1h30m"), H + 30 * M);
	cr_assert_eq(parse_ok("1y2w3d4h5m6s7ms"),
		     Y + 2 * W + 3 * D + 4 * H + 5 * M + 6 * S + 7);
	cr_assert_eq(parse_ok("1d1ms"), D + 1);
	cr_assert_eq(parse_ok("1m1ms"), M + 1);
	cr_assert_eq(parse_ok("1s1ms"), S + 1);
	cr_assert_eq(parse_ok("5m5ms"), 5 * M + 5);
	cr_assert_eq(parse_ok("01m"), M);
	cr_assert_eq(parse_ok("90d"), 90 * D);
	cr_assert_eq(parse_ok("1500ms"), 1500);
}

Test(duration, zero_forms)
{
	cr_assert_eq(parse_ok("0"), 0);
	cr_assert_eq(parse_ok("0s"), 0);
	cr_assert_eq(parse_ok("0ms"), 0);
	cr_assert_eq(parse_ok("0y0w"), 0);
	parse_err("00", "not a valid duration string: \"00\"");
}

Test(duration, invalid_strings)
{
	/* Each text as promtool 2.42 prints it. */
	static const char *const bad[] = {
	    "1m1h", "1h1h", "5m5m", "1y1y", "1w1y", "1s1m",  "1ms1s", "-1m",
	    "1.5h", "5",    "1x",   "1 m",  " 1m",  "1M",    "1mss",  "ms",
	    "1hms", "h",    "1m ",  "+1m",  "1e3s", "1d-1h",
	};
	char want[128];

	parse_err("", "empty duration string");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(want, sizeof want,
			 "not a valid duration string: \"%s\"", bad[i]);
		parse_err(bad[i], want);
	}
}

Test(duration, error_quotes_like_go)
{
	/* Go's %q: promtool prints "1\"x" and "5m\t". */
	parse_err("1\"x", "not a valid duration string: \"1\\\"x\"");
	parse_err("5m\t", "not a valid duration string: \"5m\\t\"");
	parse_err("\xc3\xa9", "not a valid duration string: \"\xc3\xa9\"");
}

Test(duration, range_limit_is_int64_nanoseconds)
{
	/* Go's time.Duration tops out at 2^63-1 ns = 106751d23h47m16s854ms. */
	cr_assert_eq(parse_ok("292y"), 292 * Y);
	cr_assert_eq(parse_ok("106751d23h47m16s854ms"), INT64_MAX / 1000000);
	cr_assert_eq(parse_ok("9223372036854ms"), 9223372036854LL);
	parse_err("293y", "duration out of range");
	parse_err("106751d23h47m16s855ms", "duration out of range");
	parse_err("9223372036855ms", "duration out of range");
	parse_err("99999999999999999999s", "duration out of range");
	parse_err("292y52w", "duration out of range");
	cr_assert_eq(parse_ok("292y10w"), 292 * Y + 10 * W);
}

Test(duration, syntax_is_checked_before_range)
{
	/* promtool: "99999999999999999999x" and "300y1x" are not valid,
	 * not out of range. */
	parse_err("99999999999999999999x",
		  "not a valid duration string: \"99999999999999999999x\"");
	parse_err("300y1x", "not a valid duration string: \"300y1x\"");
	parse_err("300y1m1h", "not a valid duration string: \"300y1m1h\"");
}

Test(duration, small_error_buffer_is_safe)
{
	char err[8];
	int64_t ms;

	cr_assert_eq(duration_parse("1m1h", &ms, err, sizeof err), -1);
	cr_assert_str_eq(err, "not a v");
}

/* ------------------------------------------------------------- printing */

static const struct {
	const char *in, *out;
} printed[] = {
    /* input written in a Prometheus config -> what Prometheus prints */
    {"90d", "90d"},
    {"14d", "2w"},
    {"1y", "1y"},
    {"1h30m", "1h30m"},
    {"1500ms", "1s500ms"},
    {"7d", "1w"},
    {"372d", "372d"},
    {"730d", "2y"},
    {"8d", "8d"},
    {"60s", "1m"},
    {"3600s", "1h"},
    {"86400s", "1d"},
    {"366d", "366d"},
    {"1y1d", "366d"},
    {"2w1d", "15d"},
    {"1w", "1w"},
    {"292y", "292y"},
    {"106751d23h47m16s854ms", "106751d23h47m16s854ms"},
    {"61m", "1h1m"},
    {"25h", "1d1h"},
    {"1000ms", "1s"},
    {"59999ms", "59s999ms"},
    {"1y2w3d4h5m6s7ms", "382d4h5m6s7ms"},
};

Test(duration, format_matches_prometheus)
{
	char out[32];

	for (size_t i = 0; i < sizeof printed / sizeof printed[0]; i++) {
		int64_t ms = parse_ok(printed[i].in);

		cr_assert_str_eq(duration_format(ms, out, sizeof out),
				 printed[i].out, "input %s", printed[i].in);
	}
}

Test(duration, format_zero_and_negative)
{
	char out[32];

	cr_assert_str_eq(duration_format(0, out, sizeof out), "0s");
	cr_assert_str_eq(duration_format(-90 * M, out, sizeof out), "-1h30m");
	cr_assert_str_eq(duration_format(INT64_MIN, out, sizeof out),
			 "-106751991167d7h12m55s808ms");
	cr_assert_str_eq(duration_format(INT64_MAX, out, sizeof out),
			 "106751991167d7h12m55s807ms");
}

Test(duration, format_parse_round_trip)
{
	static const int64_t v[] = {
	    1,
	    999,
	    S,
	    59 * S,
	    M,
	    H,
	    D,
	    W,
	    2 * W,
	    Y,
	    2 * Y,
	    90 * D,
	    Y + W,
	    364 * D,
	    13 * D + 23 * H + 59 * M + 59 * S + 999,
	    INT64_MAX / 1000000,
	};
	char out[32];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		duration_format(v[i], out, sizeof out);
		cr_assert_eq(parse_ok(out), v[i], "%s", out);
	}
	/* And every printed form of the table parses back to itself. */
	for (size_t i = 0; i < sizeof printed / sizeof printed[0]; i++) {
		duration_format(parse_ok(printed[i].out), out, sizeof out);
		cr_assert_str_eq(out, printed[i].out);
	}
}

Test(duration, format_truncates_safely)
{
	char out[5];

	duration_format(382 * D + 4 * H, out, sizeof out);
	cr_assert_str_eq(out, "382d");
	duration_format(1500, out, 4);
	cr_assert_str_eq(out, "1s5");
}
