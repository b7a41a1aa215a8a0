/*
 * tmpl_prom.c - Prometheus 2.42's rule template functions (template/
 * template.go): query, first, label, value, humanize*, title, match,
 * reReplaceAll, stripPort, graphLink..., the *time.Time and *template.sample
 * types they use, and tmpl_expand_rule(), which expands an alert's
 * annotation exactly as the rule evaluator does.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "duration.h"
#include "tmpl_int.h"

#define ARGS TMPL_ARGS
#define fail tmpl_fail


static const struct tmpl_rule_env *env_of(const struct tmpl_call *c)
{
	return c->ctx;
}

/* ------------------------------------------------------------- types */

const struct tmpl_class tmpl_html_class = {.type = "template.HTML"};
static const struct tmpl_class query_result_class = {
    .type = "template.queryResult",
};
static const struct tmpl_class sample_class = {
    .type = "*template.sample",
    .is_ptr = 1,
};
static const struct tmpl_class rule_data_class = {
    .type = "struct { Labels map[string]string; ExternalLabels "
	    "map[string]string; ExternalURL string; Value float64 }",
};

struct tmpl_value *tmpl_query_result_new(void)
{
	return tmpl_list_new(&query_result_class);
}

void tmpl_query_result_add(struct tmpl_value *result, const struct labels *l,
			   double value)
{
	static const char *const names[] = {"Labels", "Value"};
	struct tmpl_value *v[2] = {tmpl_map_labels(l), tmpl_float(value)};

	tmpl_list_push_take(result,
			    tmpl_object_new(&sample_class, names, v, 2, NULL));
}

/* ------------------------------------------------------------- numbers */

/* Prometheus' convertToFloat. */
static int to_float(struct tmpl_call *c, const struct tmpl_value *v, double *f)
{
	if (v->kind == TMPL_FLOAT && !v->cls) {
		*f = v->u.f;
		return 0;
	}
	if (v->kind == TMPL_INT && (!v->cls || v->cls == &tmpl_int64_class)) {
		*f = (double)v->u.i;
		return 0;
	}
	if (v->kind == TMPL_STRING && !v->cls)
		return tmpl_parse_float(v->u.str.s, v->u.str.len, f, c->err);
	return fail(c, "can't convert %s to float", tmpl_type_name(v));
}

/* fmt.Sprintf("%.4g%s", v, suffix) */
static int ret_g4(double v, const char *suffix, struct tmpl_value **out)
{
	struct buf b = {0};

	tmpl_format_float(&b, v, 'g', 4);
	buf_puts(&b, suffix);
	return tmpl_ret_buf(&b, out);
}

static int fn_humanize(ARGS)
{
	static const char *const big[] = {"k", "M", "G", "T",
					  "P", "E", "Z", "Y"};
	static const char *const small[] = {"m", "u", "n", "p",
					    "f", "a", "z", "y"};
	const char *prefix = "";
	double v;

	(void)n;
	if (to_float(c, a[0], &v) < 0)
		return -1;
	if (v == 0 || isnan(v) || isinf(v))
		return ret_g4(v, "", out);
	if (fabs(v) >= 1) {
		for (size_t i = 0; i < ARRAY_LEN(big) && fabs(v) >= 1000; i++) {
			prefix = big[i];
			v /= 1000;
		}
		return ret_g4(v, prefix, out);
	}
	for (size_t i = 0; i < ARRAY_LEN(small) && fabs(v) < 1; i++) {
		prefix = small[i];
		v *= 1000;
	}
	return ret_g4(v, prefix, out);
}

static int fn_humanize1024(ARGS)
{
	static const char *const big[] = {"ki", "Mi", "Gi", "Ti",
					  "Pi", "Ei", "Zi", "Yi"};
	const char *prefix = "";
	double v;

	(void)n;
	if (to_float(c, a[0], &v) < 0)
		return -1;
	if (fabs(v) <= 1 || isnan(v) || isinf(v))
		return ret_g4(v, "", out);
	for (size_t i = 0; i < ARRAY_LEN(big) && fabs(v) >= 1024; i++) {
		prefix = big[i];
		v /= 1024;
	}
	return ret_g4(v, prefix, out);
}

static int fn_humanize_duration(ARGS)
{
	double v;

	(void)n;
	if (to_float(c, a[0], &v) < 0)
		return -1;
	return tmpl_humanize_duration_float(v, out);
}

int tmpl_humanize_duration_float(double v, struct tmpl_value **out)
{
	static const char *const small[] = {"m", "u", "n", "p",
					    "f", "a", "z", "y"};
	const char *prefix = "", *sign = "";
	struct buf b = {0};
	int64_t d, secs, mins, hours, days;

	if (isnan(v) || isinf(v))
		return ret_g4(v, "", out);
	if (v == 0)
		return ret_g4(v, "s", out);
	if (fabs(v) >= 1) {
		if (v < 0) {
			sign = "-";
			v = -v;
		}
		d = tmpl_f2i(v);
		secs = d % 60;
		mins = (d / 60) % 60;
		hours = (d / 60 / 60) % 24;
		days = d / 60 / 60 / 24;
		if (days != 0)
			buf_printf(&b, "%s%lldd %lldh %lldm %llds", sign,
				   (long long)days, (long long)hours,
				   (long long)mins, (long long)secs);
		else if (hours != 0)
			buf_printf(&b, "%s%lldh %lldm %llds", sign,
				   (long long)hours, (long long)mins,
				   (long long)secs);
		else if (mins != 0)
			buf_printf(&b, "%s%lldm %llds", sign, (long long)mins,
				   (long long)secs);
		else {
			buf_puts(&b, sign);
			tmpl_format_float(&b, v, 'g', 4);
			buf_putc(&b, 's');
		}
		return tmpl_ret_buf(&b, out);
	}
	for (size_t i = 0; i < ARRAY_LEN(small) && fabs(v) < 1; i++) {
		prefix = small[i];
		v *= 1000;
	}
	tmpl_format_float(&b, v, 'g', 4);
	buf_puts(&b, prefix);
	buf_putc(&b, 's');
	return tmpl_ret_buf(&b, out);
}

static int fn_humanize_percentage(ARGS)
{
	double v;

	(void)n;
	if (to_float(c, a[0], &v) < 0)
		return -1;
	return ret_g4(v * 100, "%", out);
}

/* Prometheus' floatToTime: 1 for NaN/Inf, -1 on overflow, else 0. */
static int float_to_time(struct tmpl_call *c, double v, struct tmpl_gotime *t)
{
	double ts;
	int64_t ns, ms;

	if (isnan(v) || isinf(v))
		return 1;
	ts = v * 1e9;
	if (ts > 9223372036854775807.0 || ts < -9223372036854775808.0) {
		struct buf b = {0};

		tmpl_format_float(&b, v, 'g', -1);
		tmpl_call_fail(c,
		      "%s cannot be represented as a nanoseconds timestamp "
		      "since it overflows int64",
		      buf_str(&b));
		buf_free(&b);
		return -1;
	}
	ns = tmpl_f2i(ts);
	ms = ns / 1000000;
	tmpl_gotime_utc(t, ms / 1000, (int32_t)(ms % 1000 * 1000000));
	return 0;
}

static int fn_humanize_timestamp(ARGS)
{
	struct tmpl_gotime t;
	struct buf b = {0};
	double v;
	int rc;

	(void)n;
	if (to_float(c, a[0], &v) < 0)
		return -1;
	rc = float_to_time(c, v, &t);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return ret_g4(v, "", out);
	tmpl_gotime_string(&b, &t);
	return tmpl_ret_buf(&b, out);
}

static int fn_to_time(ARGS)
{
	struct tmpl_gotime t;
	double v;
	int rc;

	(void)n;
	if (to_float(c, a[0], &v) < 0)
		return -1;
	rc = float_to_time(c, v, &t);
	if (rc > 0)
		return fail(c, "value is NaN or Inf");
	if (rc < 0)
		return -1;
	*out = tmpl_gotime_value(&t, 1);
	return 0;
}

/*
 * toDuration: seconds to a time.Duration, as Go's
 * time.Duration(v * float64(time.Second)) converts (out-of-range and NaN
 * give amd64's 0x8000000000000000).
 */
static int fn_to_duration(ARGS)
{
	double v, ns;

	(void)n;
	if (to_float(c, a[0], &v) < 0)
		return -1;
	ns = v * 1e9;
	if (!(ns > -9223372036854775808.0 && ns < 9223372036854775808.0))
		*out = tmpl_duration_value(INT64_MIN);
	else
		*out = tmpl_duration_value((int64_t)ns);
	return 0;
}

/* now: the evaluation time in unix seconds (not the wall clock). */
static int fn_now(ARGS)
{
	const struct tmpl_rule_env *env = env_of(c);

	(void)a, (void)n;
	*out = tmpl_float(env ? env->now : 0);
	return 0;
}

/* urlQueryEscape: Go's url.QueryEscape. */
static int fn_url_query_escape(ARGS)
{
	struct buf b = {0};

	(void)c, (void)n;
	tmpl_query_escape(&b, a[0]->u.str.s, a[0]->u.str.len);
	return tmpl_ret_buf(&b, out);
}

static int fn_parse_duration(ARGS)
{
	char why[128];
	int64_t ms;

	(void)n;
	if (duration_parse(a[0]->u.str.s, &ms, why, sizeof(why)) < 0)
		return fail(c, "%s", why);
	/* float64(time.Duration(v)) / float64(time.Second), as Go does */
	*out = tmpl_float((double)(ms * 1000000) / 1e9);
	return 0;
}

/* ------------------------------------------------------------- strings */

/*
 * Unicode's simple case mappings for the scripts alerts are written in:
 * Latin (Basic, Latin-1, Extended-A and -B, Extended Additional), Greek,
 * Cyrillic, Armenian, circled and fullwidth letters.  Each range holds
 * upper-case runes (ALT_*: pairs, the upper one at the even or odd
 * code point) and the distance to their lower-case twins.
 */
enum { CASE_DELTA, CASE_ALT_EVEN, CASE_ALT_ODD };

static const struct case_range {
	uint32_t lo, hi; /* for ALT_*: both members of every pair */
	int kind;
	int32_t delta; /* CASE_DELTA: lower = upper + delta */
} case_ranges[] = {
    {0x0041, 0x005a, CASE_DELTA, 32},	{0x00c0, 0x00d6, CASE_DELTA, 32},
    {0x00d8, 0x00de, CASE_DELTA, 32},	{0x0100, 0x012f, CASE_ALT_EVEN, 1},
    {0x0132, 0x0137, CASE_ALT_EVEN, 1}, {0x0139, 0x0148, CASE_ALT_ODD, 1},
    {0x014a, 0x0177, CASE_ALT_EVEN, 1}, {0x0179, 0x017e, CASE_ALT_ODD, 1},
    {0x01cd, 0x01dc, CASE_ALT_ODD, 1},	{0x01de, 0x01ef, CASE_ALT_EVEN, 1},
    {0x01f4, 0x01f5, CASE_ALT_EVEN, 1}, {0x01f8, 0x021f, CASE_ALT_EVEN, 1},
    {0x0222, 0x0233, CASE_ALT_EVEN, 1}, {0x0246, 0x024f, CASE_ALT_EVEN, 1},
    {0x0386, 0x0386, CASE_DELTA, 38},	{0x0388, 0x038a, CASE_DELTA, 37},
    {0x038c, 0x038c, CASE_DELTA, 64},	{0x038e, 0x038f, CASE_DELTA, 63},
    {0x0391, 0x03a1, CASE_DELTA, 32},	{0x03a3, 0x03ab, CASE_DELTA, 32},
    {0x03d8, 0x03ef, CASE_ALT_EVEN, 1}, {0x0400, 0x040f, CASE_DELTA, 80},
    {0x0410, 0x042f, CASE_DELTA, 32},	{0x0460, 0x0481, CASE_ALT_EVEN, 1},
    {0x048a, 0x04bf, CASE_ALT_EVEN, 1}, {0x04c0, 0x04c0, CASE_DELTA, 15},
    {0x04c1, 0x04ce, CASE_ALT_ODD, 1},	{0x04d0, 0x052f, CASE_ALT_EVEN, 1},
    {0x0531, 0x0556, CASE_DELTA, 48},	{0x1e00, 0x1e95, CASE_ALT_EVEN, 1},
    {0x1ea0, 0x1eff, CASE_ALT_EVEN, 1}, {0x24b6, 0x24cf, CASE_DELTA, 26},
    {0xff21, 0xff3a, CASE_DELTA, 32},
};

/* Runes outside the ranges: {rune, upper, lower}. */
static const uint32_t case_odd[][3] = {
    {0x00b5, 0x039c, 0x00b5}, {0x00ff, 0x0178, 0x00ff},
    {0x0130, 0x0130, 0x0069}, {0x0131, 0x0049, 0x0131},
    {0x0178, 0x0178, 0x00ff}, {0x017f, 0x0053, 0x017f},
    {0x01c4, 0x01c4, 0x01c6}, {0x01c5, 0x01c4, 0x01c6},
    {0x01c6, 0x01c4, 0x01c6}, {0x01c7, 0x01c7, 0x01c9},
    {0x01c8, 0x01c7, 0x01c9}, {0x01c9, 0x01c7, 0x01c9},
    {0x01ca, 0x01ca, 0x01cc}, {0x01cb, 0x01ca, 0x01cc},
    {0x01cc, 0x01ca, 0x01cc}, {0x01f1, 0x01f1, 0x01f3},
    {0x01f2, 0x01f1, 0x01f3}, {0x01f3, 0x01f1, 0x01f3},
    {0x03c2, 0x03a3, 0x03c2}, {0x1e9e, 0x1e9e, 0x00df},
};

/* Maps r through the tables; upper selects the direction. */
static uint32_t case_map(uint32_t r, int upper)
{
	if (r < 0x80) {
		if (upper && r >= 'a' && r <= 'z')
			return r - 32;
		if (!upper && r >= 'A' && r <= 'Z')
			return r + 32;
		return r;
	}
	for (size_t i = 0; i < ARRAY_LEN(case_odd); i++)
		if (case_odd[i][0] == r)
			return case_odd[i][upper ? 1 : 2];
	for (size_t i = 0; i < ARRAY_LEN(case_ranges); i++) {
		const struct case_range *cr = &case_ranges[i];

		if (cr->kind == CASE_DELTA) {
			uint32_t d = (uint32_t)cr->delta;

			if (!upper && r >= cr->lo && r <= cr->hi)
				return r + d;
			if (upper && r >= cr->lo + d && r <= cr->hi + d)
				return r - d;
		} else if (r >= cr->lo && r <= cr->hi) {
			int is_upper =
			    (r % 2 == 0) == (cr->kind == CASE_ALT_EVEN);

			if (upper && !is_upper)
				return r - 1;
			if (!upper && is_upper)
				return r + 1;
			return r;
		}
	}
	return r;
}

uint32_t tmpl_rune_upper(uint32_t r)
{
	return case_map(r, 1);
}

uint32_t tmpl_rune_lower(uint32_t r)
{
	return case_map(r, 0);
}

/* Maps every rune; invalid bytes become U+FFFD as in Go. */
static int map_runes(const struct tmpl_value *s, uint32_t (*f)(uint32_t),
		     struct tmpl_value **out)
{
	struct buf b = {0};
	size_t w;

	for (size_t i = 0; i < s->u.str.len; i += w)
		tmpl_utf8_put(&b, f(tmpl_utf8_decode(s->u.str.s + i,
						     s->u.str.len - i, &w)));
	return tmpl_ret_buf(&b, out);
}

int tmpl_to_upper(ARGS)
{
	(void)c, (void)n;
	return map_runes(a[0], tmpl_rune_upper, out);
}

int tmpl_to_lower(ARGS)
{
	(void)c, (void)n;
	return map_runes(a[0], tmpl_rune_lower, out);
}

/* strings.Title's isSeparator. */
static int is_separator(uint32_t r)
{
	if (r < 0x80)
		return !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
			 (r >= 'A' && r <= 'Z') || r == '_');
	if (tmpl_is_letter(r) || tmpl_is_digit(r))
		return 0;
	return r == 0x85 || r == 0xa0 || r == 0x1680 ||
	       (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 ||
	       r == 0x202f || r == 0x205f || r == 0x3000;
}

/* strings.Title: upper-cases the first letter of each word (title case
 * equals upper case for the scripts handled). */
static int fn_title(ARGS)
{
	const struct tmpl_value *s = a[0];
	struct buf b = {0};
	uint32_t prev = ' ';
	size_t w;

	(void)c, (void)n;
	for (size_t i = 0; i < s->u.str.len; i += w) {
		uint32_t r =
		    tmpl_utf8_decode(s->u.str.s + i, s->u.str.len - i, &w);

		tmpl_utf8_put(&b, is_separator(prev) ? tmpl_rune_upper(r) : r);
		prev = r;
	}
	return tmpl_ret_buf(&b, out);
}

int tmpl_safe_html(ARGS)
{
	(void)c, (void)n;
	*out = tmpl_typed_take(tmpl_stringn(a[0]->u.str.s, a[0]->u.str.len),
			       &tmpl_html_class);
	return 0;
}

static int fn_args(ARGS)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_NIL);

	(void)c;
	for (size_t i = 0; i < n; i++) {
		char key[32];

		snprintf(key, sizeof(key), "arg%zu", i);
		tmpl_map_set_take(m, key, tmpl_ref(a[i]));
	}
	*out = m;
	return 0;
}

static int graph_link(struct tmpl_call *c, const struct tmpl_value *expr,
		      int tab, struct tmpl_value **out)
{
	struct buf b = {0};

	(void)c;
	buf_puts(&b, "/graph?g0.expr=");
	tmpl_query_escape(&b, expr->u.str.s, expr->u.str.len);
	buf_printf(&b, "&g0.tab=%d", tab);
	return tmpl_ret_buf(&b, out);
}

static int fn_graph_link(ARGS)
{
	(void)n;
	return graph_link(c, a[0], 0, out);
}

static int fn_table_link(ARGS)
{
	(void)n;
	return graph_link(c, a[0], 1, out);
}

/* Go's net.SplitHostPort; returns 0 and the parts, or -1. */
static int split_host_port(const char *s, size_t n, size_t *host,
			   size_t *hostlen, size_t *port)
{
	const char *colon = NULL, *end;
	size_t i, j = 0, k = 0;

	for (i = n; i-- > 0;) {
		if (s[i] == ':') {
			colon = s + i;
			break;
		}
	}
	if (!colon)
		return -1;
	i = (size_t)(colon - s);
	if (s[0] == '[') {
		end = memchr(s, ']', n);
		if (!end || (size_t)(end - s) + 1 != i)
			return -1;
		*host = 1;
		*hostlen = (size_t)(end - s) - 1;
		j = 1;
		k = (size_t)(end - s) + 1;
	} else {
		if (memchr(s, ':', i))
			return -1;
		*host = 0;
		*hostlen = i;
	}
	if (memchr(s + j, '[', n - j) || memchr(s + k, ']', n - k))
		return -1;
	*port = i + 1;
	return 0;
}

static int parse_ip(const char *s, size_t n)
{
	unsigned char addr[16];
	char tmp[64];

	if (n == 0 || n >= sizeof(tmp) || memchr(s, '\0', n))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET, tmp, addr) == 1 ||
	       inet_pton(AF_INET6, tmp, addr) == 1;
}

static int fn_strip_port(ARGS)
{
	const struct tmpl_value *s = a[0];
	size_t host, hostlen, port;

	(void)c, (void)n;
	if (split_host_port(s->u.str.s, s->u.str.len, &host, &hostlen, &port) <
	    0) {
		*out = tmpl_ref((struct tmpl_value *)s);
		return 0;
	}
	*out = tmpl_stringn(s->u.str.s + host, hostlen);
	return 0;
}

static int fn_strip_domain(ARGS)
{
	const struct tmpl_value *s = a[0];
	size_t host = 0, hostlen = s->u.str.len, port = 0, portlen = 0;
	const char *h, *dot;
	struct buf b = {0};

	(void)c, (void)n;
	if (split_host_port(s->u.str.s, s->u.str.len, &host, &hostlen, &port) ==
	    0)
		portlen = s->u.str.len - port;
	else
		host = 0, hostlen = s->u.str.len, port = 0;
	h = s->u.str.s + host;
	if (parse_ip(h, hostlen)) {
		*out = tmpl_ref((struct tmpl_value *)s);
		return 0;
	}
	dot = memchr(h, '.', hostlen);
	if (dot)
		hostlen = (size_t)(dot - h);
	if (portlen == 0) {
		*out = tmpl_stringn(h, hostlen);
		return 0;
	}
	/* net.JoinHostPort brackets a host that has a colon */
	if (memchr(h, ':', hostlen)) {
		buf_putc(&b, '[');
		buf_add(&b, h, hostlen);
		buf_putc(&b, ']');
	} else {
		buf_add(&b, h, hostlen);
	}
	buf_putc(&b, ':');
	buf_add(&b, s->u.str.s + port, portlen);
	return tmpl_ret_buf(&b, out);
}

/* ------------------------------------------------------------ regexps */

/* Go's regexp/syntax wording for the PCRE2 errors that have a twin:
 * "error parsing regexp: missing closing ): `(`". */
static void re_error(struct buf *why, int code, const struct tmpl_value *pat,
		     size_t off)
{
	static const struct {
		const char *go;
		int code;
		int whole; /* Go quotes the whole expression */
	} map[] = {
	    {"missing closing )", PCRE2_ERROR_MISSING_CLOSING_PARENTHESIS, 1},
	    {"unexpected )", PCRE2_ERROR_UNMATCHED_CLOSING_PARENTHESIS, 1},
	    {"missing closing ]", PCRE2_ERROR_MISSING_SQUARE_BRACKET, 0},
	    {"missing argument to repetition operator",
	     PCRE2_ERROR_QUANTIFIER_INVALID, 0},
	    {"trailing backslash at end of expression",
	     PCRE2_ERROR_END_BACKSLASH, 0},
	    {"invalid character class range", PCRE2_ERROR_CLASS_RANGE_ORDER, 0},
	};
	PCRE2_UCHAR msg[256];

	for (size_t i = 0; i < ARRAY_LEN(map); i++) {
		if (map[i].code != code)
			continue;
		buf_printf(why, "error parsing regexp: %s: `", map[i].go);
		if (map[i].whole || off > pat->u.str.len)
			buf_add(why, pat->u.str.s, pat->u.str.len);
		else if (code == PCRE2_ERROR_END_BACKSLASH)
			; /* Go shows an empty fragment */
		else if (code == PCRE2_ERROR_MISSING_SQUARE_BRACKET) {
			const char *lb = memrchr(
			    pat->u.str.s, '[',
			    off < pat->u.str.len ? off : pat->u.str.len);
			size_t at = lb ? (size_t)(lb - pat->u.str.s) : 0;

			buf_add(why, pat->u.str.s + at, pat->u.str.len - at);
		} else
			buf_add(why, pat->u.str.s + (off ? off - 1 : 0),
				pat->u.str.len - (off ? off - 1 : 0));
		buf_putc(why, '`');
		return;
	}
	pcre2_get_error_message(code, msg, sizeof(msg));
	buf_printf(why, "error parsing regexp: %s", (const char *)msg);
}

/* Compiles a Go (RE2) regexp with PCRE2: unanchored, UTF-8, $ only at
 * the end as in Go; on error writes Go's wording where known. */
static pcre2_code *re_compile(const struct tmpl_value *pat, struct buf *why)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat->u.str.s, pat->u.str.len,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
					   PCRE2_DOLLAR_ENDONLY,
				       &code, &off, NULL);

	if (!re)
		re_error(why, code, pat, off);
	return re;
}

/* A failed match (backtracking limits): "regexp: match limit exceeded". */
static int match_error(struct tmpl_call *c, int rc)
{
	PCRE2_UCHAR msg[256];

	pcre2_get_error_message(rc, msg, sizeof(msg));
	return fail(c, "regexp: %s", (const char *)msg);
}

static pcre2_match_context *match_context(void)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);

	pcre2_set_match_limit(mc, 1000000);
	pcre2_set_depth_limit(mc, 10000);
	return mc;
}

int tmpl_match(ARGS)
{
	struct buf why = {0};
	pcre2_code *re = re_compile(a[0], &why);
	pcre2_match_data *md;
	pcre2_match_context *mc;
	int rc;

	(void)n;
	if (!re) {
		tmpl_call_fail(c, "%s", buf_str(&why));
		buf_free(&why);
		return -1;
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	mc = match_context();
	rc = pcre2_match(re, (PCRE2_SPTR)a[1]->u.str.s, a[1]->u.str.len, 0, 0,
			 md, mc);
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		return match_error(c, rc);
	*out = tmpl_bool(rc >= 0);
	return 0;
}

/* The group number called name, or -1. */
static int group_number(pcre2_code *re, const char *name, size_t len)
{
	uint32_t count, size;
	PCRE2_SPTR table;

	pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *e = table + i * size;
		const char *nm = (const char *)e + 2;

		if (strlen(nm) == len && memcmp(nm, name, len) == 0)
			return (e[0] << 8) | e[1];
	}
	return -1;
}

/* Go's Regexp.expand: $1, ${1}, $name, ${name}, $$. */
static void expand(struct buf *b, pcre2_code *re, const char *tmpl, size_t tlen,
		   const char *src, const PCRE2_SIZE *ov, uint32_t ngroups)
{
	size_t i = 0;

	while (i < tlen) {
		const char *dollar = memchr(tmpl + i, '$', tlen - i);
		size_t j, start, namelen, w;
		int brace = 0, num = 0;

		if (!dollar)
			break;
		buf_add(b, tmpl + i, (size_t)(dollar - tmpl) - i);
		i = (size_t)(dollar - tmpl) + 1;
		if (i < tlen && tmpl[i] == '$') {
			buf_putc(b, '$');
			i++;
			continue;
		}
		j = i;
		if (j < tlen && tmpl[j] == '{') {
			brace = 1;
			j++;
		}
		start = j;
		while (j < tlen) {
			uint32_t r = tmpl_utf8_decode(tmpl + j, tlen - j, &w);

			if (!tmpl_is_letter(r) && !tmpl_is_digit(r) && r != '_')
				break;
			j += w;
		}
		namelen = j - start;
		if (namelen == 0 || (brace && (j >= tlen || tmpl[j] != '}'))) {
			buf_putc(b, '$'); /* malformed: $ as text */
			continue;
		}
		if (brace)
			j++;
		i = j;
		for (size_t k = 0; k < namelen; k++) {
			char ch = tmpl[start + k];

			if (ch < '0' || ch > '9' || num >= 100000000) {
				num = -1;
				break;
			}
			num = num * 10 + (ch - '0');
		}
		if (tmpl[start] == '0' && namelen > 1)
			num = -1;
		if (num < 0)
			num = group_number(re, tmpl + start, namelen);
		if (num >= 0 && (uint32_t)num < ngroups &&
		    ov[2 * num] != PCRE2_UNSET)
			buf_add(b, src + ov[2 * num],
				ov[2 * num + 1] - ov[2 * num]);
	}
	buf_add(b, tmpl + i, tlen - i);
}

/* strconv.CanBackquote, which regexp's error quoting uses. */
static int can_backquote_re(const struct tmpl_value *s)
{
	size_t w;

	for (size_t i = 0; i < s->u.str.len; i += w) {
		uint32_t r =
		    tmpl_utf8_decode(s->u.str.s + i, s->u.str.len - i, &w);

		if ((w == 1 && r == 0xFFFD) || r == '`' || r == 0xFEFF ||
		    (r < ' ' && r != '\t') || r == 0x7f)
			return 0;
	}
	return 1;
}

/* Go's Regexp.ReplaceAllString, match by match. */
int tmpl_re_replace_all(ARGS)
{
	const struct tmpl_value *repl = a[1], *text = a[2];
	const char *src = text->u.str.s;
	size_t len = text->u.str.len, last = 0, pos = 0, w;
	struct buf why = {0}, b = {0};
	pcre2_code *re = re_compile(a[0], &why);
	pcre2_match_data *md;
	pcre2_match_context *mc;
	int rc = 0;

	(void)n;
	if (!re) {
		struct buf q = {0};

		if (can_backquote_re(a[0]))
			buf_printf(&q, "`%s`", a[0]->u.str.s);
		else
			tmpl_quote(&q, a[0]->u.str.s, a[0]->u.str.len, 0);
		tmpl_call_fail(c, "regexp: Compile(%s): %s", buf_str(&q), buf_str(&why));
		buf_free(&q);
		buf_free(&why);
		return -1;
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	mc = match_context();
	while (pos <= len) {
		PCRE2_SIZE *ov;
		int m = pcre2_match(re, (PCRE2_SPTR)src, len, pos, 0, md, mc);

		if (m == PCRE2_ERROR_NOMATCH)
			break;
		if (m < 0) {
			rc = match_error(c, m);
			break;
		}
		ov = pcre2_get_ovector_pointer(md);
		buf_add(&b, src + last, ov[0] - last);
		if (ov[1] > last || ov[0] == 0)
			expand(&b, re, repl->u.str.s, repl->u.str.len, src, ov,
			       pcre2_get_ovector_count(md));
		last = ov[1];
		if (pos < len)
			tmpl_utf8_decode(src + pos, len - pos, &w);
		else
			w = 0;
		if (pos + w > ov[1])
			pos += w;
		else if (pos + 1 > ov[1])
			pos++;
		else
			pos = ov[1];
		if (b.len > c->max_string) {
			rc = fail(c, "result exceeds %zu bytes", c->max_string);
			break;
		}
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	if (rc < 0) {
		buf_free(&b);
		return -1;
	}
	buf_add(&b, src + last, len - last);
	return tmpl_ret_buf(&b, out);
}

/* ------------------------------------------------------------- queries */

static int fn_query(ARGS)
{
	const struct tmpl_rule_env *env = env_of(c);
	struct tmpl_value *r = NULL;

	(void)n;
	if (!env || !env->query)
		return fail(c, "queries are not available here");
	if (env->query(env->query_ctx, a[0]->u.str.s, &r, c->err) < 0)
		return -1;
	*out = r ? r : tmpl_query_result_new();
	return 0;
}

static int fn_first(ARGS)
{
	(void)n;
	if (a[0]->kind != TMPL_LIST || a[0]->u.list.n == 0)
		return fail(c, "first() called on vector with no elements");
	*out = tmpl_ref(a[0]->u.list.v[0]);
	return 0;
}

static const char nil_deref[] =
    "runtime error: invalid memory address or nil pointer dereference";

static int fn_label(ARGS)
{
	struct tmpl_value *labels, *v;

	(void)n;
	if (a[1]->kind == TMPL_NIL)
		return fail(c, "%s", nil_deref);
	labels = tmpl_object_field(a[1], "Labels");
	v = labels ? tmpl_map_get(labels, a[0]->u.str.s) : NULL;
	*out = v ? tmpl_ref(v) : tmpl_stringn("", 0);
	return 0;
}

static int fn_value(ARGS)
{
	struct tmpl_value *v;

	(void)n;
	if (a[0]->kind == TMPL_NIL)
		return fail(c, "%s", nil_deref);
	v = tmpl_object_field(a[0], "Value");
	*out = v ? tmpl_ref(v) : tmpl_float(0);
	return 0;
}

static int fn_strvalue(ARGS)
{
	struct tmpl_value *labels, *v;

	(void)n;
	if (a[0]->kind == TMPL_NIL)
		return fail(c, "%s", nil_deref);
	labels = tmpl_object_field(a[0], "Labels");
	v = labels ? tmpl_map_get(labels, "__value__") : NULL;
	*out = v ? tmpl_ref(v) : tmpl_stringn("", 0);
	return 0;
}

static const char *sample_label(const struct tmpl_value *s, const char *l)
{
	struct tmpl_value *labels =
	    s->kind == TMPL_OBJECT ? tmpl_object_field(s, "Labels") : NULL;
	struct tmpl_value *v = labels ? tmpl_map_get(labels, l) : NULL;

	return v && v->kind == TMPL_STRING ? v->u.str.s : "";
}

/* sort.Stable by one label's value (insertion sort: stable). */
static int fn_sort_by_label(ARGS)
{
	struct tmpl_value *r = tmpl_query_result_new();
	const struct tmpl_value *in = a[1];
	const char *l = a[0]->u.str.s;

	(void)c, (void)n;
	if (in->kind != TMPL_LIST) {
		*out = r;
		return 0;
	}
	for (size_t i = 0; i < in->u.list.n; i++) {
		struct tmpl_value *x = in->u.list.v[i];
		size_t j = r->u.list.n;

		tmpl_list_push_take(r, tmpl_ref(x));
		while (j > 0 &&
		       strcmp(sample_label(x, l),
			      sample_label(r->u.list.v[j - 1], l)) < 0) {
			r->u.list.v[j] = r->u.list.v[j - 1];
			j--;
		}
		r->u.list.v[j] = x;
	}
	*out = r;
	return 0;
}

static int fn_external_url(ARGS)
{
	const struct tmpl_rule_env *env = env_of(c);

	(void)a, (void)n;
	*out = tmpl_string(env && env->external_url ? env->external_url : "");
	return 0;
}

/* url.URL.Path: what follows scheme://host, up to ? or #. */
static int fn_path_prefix(ARGS)
{
	const struct tmpl_rule_env *env = env_of(c);
	const char *u = env && env->external_url ? env->external_url : "";
	const char *p = strstr(u, "://");
	size_t len;

	(void)a, (void)n;
	p = p ? strchr(p + 3, '/') : (u[0] == '/' ? u : NULL);
	if (!p) {
		*out = tmpl_stringn("", 0);
		return 0;
	}
	len = strcspn(p, "?#");
	*out = tmpl_stringn(p, len);
	return 0;
}

#define SAMPLE "*template.sample"
#define RESULT "template.queryResult"

const struct tmpl_func tmpl_prom_funcs[] = {
    {"query", fn_query, "s", NULL},
    {"first", fn_first, "t", RESULT},
    {"label", fn_label, "st", SAMPLE},
    {"value", fn_value, "t", SAMPLE},
    {"strvalue", fn_strvalue, "t", SAMPLE},
    {"args", fn_args, "a*", NULL},
    {"reReplaceAll", tmpl_re_replace_all, "sss", NULL},
    {"safeHtml", tmpl_safe_html, "s", NULL},
    {"match", tmpl_match, "ss", NULL},
    {"title", fn_title, "s", NULL},
    {"toUpper", tmpl_to_upper, "s", NULL},
    {"toLower", tmpl_to_lower, "s", NULL},
    {"graphLink", fn_graph_link, "s", NULL},
    {"tableLink", fn_table_link, "s", NULL},
    {"sortByLabel", fn_sort_by_label, "st", RESULT},
    {"humanize", fn_humanize, "a", NULL},
    {"humanize1024", fn_humanize1024, "a", NULL},
    {"humanizeDuration", fn_humanize_duration, "a", NULL},
    {"humanizePercentage", fn_humanize_percentage, "a", NULL},
    {"humanizeTimestamp", fn_humanize_timestamp, "a", NULL},
    {"toTime", fn_to_time, "a", NULL},
    {"toDuration", fn_to_duration, "a", NULL},
    {"now", fn_now, "", NULL},
    {"urlQueryEscape", fn_url_query_escape, "s", NULL},
    {"pathPrefix", fn_path_prefix, "", NULL},
    {"externalURL", fn_external_url, "", NULL},
    {"parseDuration", fn_parse_duration, "s", NULL},
    {"stripPort", fn_strip_port, "s", NULL},
    {"stripDomain", fn_strip_domain, "s", NULL},
    {NULL, NULL, NULL, NULL},
};

/* ------------------------------------------------------- rule expansion */

static const char rule_prefix[] =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

static struct tmpl_set *rule_set(void)
{
	struct tmpl_set *set = tmpl_set_new();

	tmpl_set_funcs(set, tmpl_prom_funcs);
	tmpl_set_missingkey(set, TMPL_MISSINGKEY_ZERO);
	return set;
}

static int rule_parse(struct tmpl_set *set, const char *name, const char *text,
		      struct buf *err)
{
	struct buf src = {0};
	int rc;

	buf_puts(&src, rule_prefix);
	buf_puts(&src, text);
	rc = tmpl_parse(set, name, buf_str(&src), src.len, err);
	buf_free(&src);
	return rc;
}

int tmpl_check_rule(const char *alert, const char *text, struct buf *err)
{
	struct tmpl_set *set = rule_set();
	char *name = xasprintf("__alert_%s", alert);
	int rc = rule_parse(set, name, text, err);

	free(name);
	tmpl_set_free(set);
	return rc;
}

struct tmpl_rule_tmpl {
	struct tmpl_set *set; /* NULL: plain text, or a parse error */
	char *name;
	char *text;	 /* plain text: the output itself */
	char *parse_err; /* "<error expanding template: ...>" */
};

struct tmpl_rule_tmpl *tmpl_rule_compile(const char *alert, const char *text)
{
	struct tmpl_rule_tmpl *t = xcalloc(1, sizeof *t);
	struct buf err = {0};

	t->name = xasprintf("__alert_%s", alert);
	t->text = xstrdup(text);
	/* Text without actions renders as itself: no parse, no run. */
	if (!strstr(text, "{{"))
		return t;
	t->set = rule_set();
	if (rule_parse(t->set, t->name, text, &err) < 0) {
		t->parse_err = xasprintf("<error expanding template: error "
					 "parsing template %s: %s>",
					 t->name, buf_str(&err));
		tmpl_set_free(t->set);
		t->set = NULL;
	}
	buf_free(&err);
	return t;
}

void tmpl_rule_tmpl_free(struct tmpl_rule_tmpl *t)
{
	if (!t)
		return;
	tmpl_set_free(t->set);
	free(t->name);
	free(t->text);
	free(t->parse_err);
	free(t);
}

int tmpl_rule_exec(const struct tmpl_rule_tmpl *t,
		   const struct tmpl_rule_data *d,
		   const struct tmpl_rule_env *env, char **out)
{
	static const char *const names[] = {"Labels", "ExternalLabels",
					    "ExternalURL", "Value"};
	struct buf err = {0}, res = {0};
	struct tmpl_value *fields[4], *data;
	struct tmpl_exec_opts opts = {.ctx = (void *)env};
	int rc;

	if (t->parse_err) {
		*out = xstrdup(t->parse_err);
		return -1;
	}
	if (!t->set) {
		*out = xstrdup(t->text);
		return 0;
	}
	fields[0] = tmpl_map_labels(d->labels);
	fields[1] = tmpl_map_labels(d->external_labels);
	fields[2] = tmpl_string(d->external_url ? d->external_url : "");
	fields[3] = tmpl_float(d->value);
	data = tmpl_object_new(&rule_data_class, names, fields, 4, NULL);
	rc = tmpl_exec(t->set, t->name, data, &opts, &res, &err);
	tmpl_unref(data);
	if (rc < 0)
		*out = xasprintf("<error expanding template: error executing "
				 "template %s: %s>",
				 t->name, buf_str(&err));
	else
		*out = res.len ? buf_take(&res) : xstrdup("");
	buf_free(&res);
	buf_free(&err);
	return rc;
}

int tmpl_expand_rule(const char *alert, const char *text,
		     const struct tmpl_rule_data *d,
		     const struct tmpl_rule_env *env, char **out)
{
	struct tmpl_rule_tmpl *t = tmpl_rule_compile(alert, text);
	int rc = tmpl_rule_exec(t, d, env, out);

	tmpl_rule_tmpl_free(t);
	return rc;
}
