/*
 * test_matcher.c - label matchers.  Expected results come from
 * Alertmanager's own tests (matcher/parse, matcher/oldparse, matcher/compat,
 * matcher/matcher_test.go) and from amtool 0.25 (`amtool check-config` on
 * a route with `matchers: [<input>]`), never from this implementation.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "labels.h"
#include "matcher.h"

/* ------------------------------------------------------------ helpers */

struct want {
	enum matcher_op op;
	const char *name, *value;
};

struct pcase {
	const char *in;
	const char *err; /* NULL: must parse */
	size_t n;
	struct want w[3];
};

#define EQ  MATCHER_EQ
#define NE  MATCHER_NE
#define RE  MATCHER_RE
#define NRE MATCHER_NRE

static void check_parsed(const struct pcase *c, const struct matchers *ms)
{
	cr_assert_eq(ms->n, c->n, "%s: %zu matchers, want %zu", c->in, ms->n,
		     c->n);
	for (size_t i = 0; i < c->n; i++) {
		cr_expect_eq(ms->v[i].op, c->w[i].op, "%s: matcher %zu op",
			     c->in, i);
		cr_expect_str_eq(ms->v[i].name, c->w[i].name, "%s: name",
				 c->in);
		cr_expect_str_eq(ms->v[i].value, c->w[i].value, "%s: value",
				 c->in);
	}
}

static void run_cases(enum matcher_grammar g, const struct pcase *cs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pcase *c = &cs[i];
		struct matchers ms = {0};
		struct buf err = {0}, warn = {0};
		int rc = matchers_parse_mode(c->in, g, &ms, &err, &warn);

		if (c->err) {
			cr_expect_eq(rc, -1, "%s: should fail", c->in);
			cr_expect_str_eq(buf_str(&err), c->err, "input %s",
					 c->in);
			cr_expect_eq(ms.n, 0);
		} else {
			cr_expect_eq(rc, 0, "%s: %s", c->in, buf_str(&err));
			if (rc == 0)
				check_parsed(c, &ms);
		}
		matchers_free(&ms);
		buf_free(&err);
		buf_free(&warn);
	}
}

/* Parses one matcher string or fails the test; the caller frees m. */
static void must_parse(const char *s, struct matcher *m)
{
	struct buf err = {0};
	int rc = matcher_parse(s, m, &err, NULL);

	cr_assert_eq(rc, 0, "%s: %s", s, buf_str(&err));
	buf_free(&err);
}

static int matches(const char *matcher, const char *value)
{
	struct matcher m;
	int r;

	must_parse(matcher, &m);
	r = matcher_matches(&m, value);
	matcher_free(&m);
	return r;
}

static char *regex_error(const char *value)
{
	struct matcher m;
	struct buf err = {0};

	cr_assert_eq(matcher_init(&m, "foo", MATCHER_RE, value, &err), -1,
		     "regex %s should not compile", value);
	matcher_free(&m);
	return buf_take(&err);
}

static int regex_ok(const char *value)
{
	struct matcher m;
	struct buf err = {0};
	int rc = matcher_init(&m, "foo", MATCHER_RE, value, &err);

	matcher_free(&m);
	buf_free(&err);
	return rc == 0;
}

static struct labels *mklabels(const char *const *kv)
{
	struct labels_builder b = {0};
	struct labels *l;

	for (; kv[0]; kv += 2)
		labels_builder_set(&b, kv[0], kv[1]);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* ----------------------------------------------------- match semantics */

Test(matcher, operators)
{
	/* matcher/matcher_test.go TestMatcher */
	cr_expect(matches("x=\"bar\"", "bar"));
	cr_expect(!matches("x=\"bar\"", "foo-bar"));
	cr_expect(!matches("x!=\"bar\"", "bar"));
	cr_expect(matches("x!=\"bar\"", "foo-bar"));
	cr_expect(matches("x=~\"bar\"", "bar"));
	cr_expect(!matches("x=~\"bar\"", "foo-bar"));
	cr_expect(matches("x=~\".*bar\"", "foo-bar"));
	cr_expect(!matches("x!~\"bar\"", "bar"));
	cr_expect(matches("x!~\"bar\"", "foo-bar"));
	cr_expect(!matches("x!~\".*bar\"", "foo-bar"));
	cr_expect(matches("x=~\"foo.bar\"", "foo-bar"));
	cr_expect(!matches("x=~\"foo\\\\.bar\"", "foo-bar"));
	cr_expect(matches("x=~\"foo\\\\.bar\"", "foo.bar"));
	cr_expect(matches("x=\"foo\\nbar\"", "foo\nbar"));
	cr_expect(!matches("x=~\"foo.bar\"", "foo\nbar"));
	cr_expect(matches("x=~\"(?s)foo.bar\"", "foo\nbar"));
}

Test(matcher, regex_is_anchored)
{
	cr_expect(!matches("foo=~\"foo\"", "foobar"));
	cr_expect(!matches("foo=~\"bar\"", "foobar"));
	cr_expect(matches("foo=~\"a|b\"", "b"));
	cr_expect(!matches("foo=~\"a|b\"", "ab"));
	cr_expect(matches("foo!~\"a|b\"", "ab"));
	/* "^(?:" v ")$": a value closing the group early still sees both
	 * anchors, as in Go */
	cr_expect(matches("foo=~\"a)|(b\"", "a"));
	cr_expect(matches("foo=~\"a)|(b\"", "ab"));
	cr_expect(matches("foo=~\"a)|(b\"", "xb"));
	cr_expect(!matches("foo=~\"a)|(b\"", "xa"));
	/* Go's $ is the end of text, not before a final newline */
	cr_expect(!matches("foo=~\"a\"", "a\n"));
	cr_expect(matches("foo=~\"(?m)a$\\\\n\"", "a\n"));
}

Test(matcher, absent_label_is_empty)
{
	cr_expect(matches("foo!=\"x\"", NULL));
	cr_expect(matches("foo=\"\"", NULL));
	cr_expect(!matches("foo=\"x\"", NULL));
	cr_expect(matches("foo=~\".*\"", NULL));
	cr_expect(!matches("foo=~\".+\"", NULL));
	cr_expect(matches("foo!~\".+\"", NULL));
	cr_expect(!matches("foo!~\".*\"", NULL));
	cr_expect(matches("foo=~\".*\"", "anything"));
}

Test(matcher, matchers_match_label_sets)
{
	static const char *const kv[] = {"alertname", "HighLatency", "severity",
					 "critical",  "team",	     "db",
					 "Σ",	      "ok",	     NULL};
	struct labels *l = mklabels(kv), *empty = labels_empty();
	struct matchers ms = {0}, none = {0};
	struct buf err = {0};

	cr_assert_eq(
	    matchers_parse("{alertname=~\"High.*\", severity=\"critical\", "
			   "team!=\"web\", missing=\"\", Σ=ok}",
			   &ms, &err, NULL),
	    0, "%s", buf_str(&err));
	cr_expect_eq(ms.n, 5);
	cr_expect(matchers_match(&ms, l));
	cr_expect(!matchers_match(&ms, empty));
	cr_expect(matchers_match(&none, l), "an empty list matches all");
	cr_expect(matchers_match(&none, empty));
	matchers_free(&ms);

	cr_assert_eq(matchers_parse("team=~\"db|web\",severity!~\"warn.*\"",
				    &ms, &err, NULL),
		     0);
	cr_expect(matchers_match(&ms, l));
	cr_expect(matchers_match(&ms, empty) == 0, "team=~ needs team");
	matchers_free(&ms);

	cr_assert_eq(
	    matchers_parse("team=db,severity=warning", &ms, &err, NULL), 0);
	cr_expect(!matchers_match(&ms, l), "every matcher must match");
	matchers_free(&ms);

	labels_free(empty);
	labels_free(l);
	buf_free(&err);
}

/* --------------------------------------------------- UTF-8 grammar */

/* matcher/parse/parse_test.go TestMatchers */
static const struct pcase utf8_cases[] = {
    {"", NULL, 0, {{0}}},
    {"{}", NULL, 0, {{0}}},
    {"{foo=bar}", NULL, 1, {{EQ, "foo", "bar"}}},
    {"{foo=bar,}", NULL, 1, {{EQ, "foo", "bar"}}},
    {"{foo!=bar}", NULL, 1, {{NE, "foo", "bar"}}},
    {"{foo=~[a-z]+}", NULL, 1, {{RE, "foo", "[a-z]+"}}},
    {"{foo!~[a-z]+}", NULL, 1, {{NRE, "foo", "[a-z]+"}}},
    {"{foo=🙂}", NULL, 1, {{EQ, "foo", "🙂"}}},
    {"{foo=🙂bar}", NULL, 1, {{EQ, "foo", "🙂bar"}}},
    {"foo=bar", NULL, 1, {{EQ, "foo", "bar"}}},
    {"foo=bar,", NULL, 1, {{EQ, "foo", "bar"}}},
    {"foo!=bar", NULL, 1, {{NE, "foo", "bar"}}},
    {"foo=~[a-z]+", NULL, 1, {{RE, "foo", "[a-z]+"}}},
    {"foo!~[a-z]+", NULL, 1, {{NRE, "foo", "[a-z]+"}}},
    {"{\"foo\"=\"bar\"}", NULL, 1, {{EQ, "foo", "bar"}}},
    {"{\"foo\"=\"bar\",}", NULL, 1, {{EQ, "foo", "bar"}}},
    {"{\"foo\"!=\"bar\"}", NULL, 1, {{NE, "foo", "bar"}}},
    {"{\"foo\"=~\"[a-z]+\"}", NULL, 1, {{RE, "foo", "[a-z]+"}}},
    {"{\"foo\"!~\"[a-z]+\"}", NULL, 1, {{NRE, "foo", "[a-z]+"}}},
    {"{\"foo\"=\"🙂\"}", NULL, 1, {{EQ, "foo", "🙂"}}},
    {"{\"foo\"=\"\\xf0\\x9f\\x99\\x82\"}", NULL, 1, {{EQ, "foo", "🙂"}}},
    {"{\"foo\"=\"\\U0001f642\"}", NULL, 1, {{EQ, "foo", "🙂"}}},
    {"{\"foo\"=\"🙂bar\"}", NULL, 1, {{EQ, "foo", "🙂bar"}}},
    {"{\"foo\"=\"bar\\n\"}", NULL, 1, {{EQ, "foo", "bar\n"}}},
    {"{\"foo\"=\"bar\\t\"}", NULL, 1, {{EQ, "foo", "bar\t"}}},
    {"{\"foo\"=\"\\\"bar\\\"\"}", NULL, 1, {{EQ, "foo", "\"bar\""}}},
    {"{\"foo\"=\"bar\\\\\"}", NULL, 1, {{EQ, "foo", "bar\\"}}},
    {"\"foo\"=\"bar\"", NULL, 1, {{EQ, "foo", "bar"}}},
    {"\"foo\"=\"bar\",", NULL, 1, {{EQ, "foo", "bar"}}},
    {"{foo=bar,bar!=baz}", NULL, 2, {{EQ, "foo", "bar"}, {NE, "bar", "baz"}}},
    {"{foo=\"bar\",bar!=\"baz\"}",
     NULL,
     2,
     {{EQ, "foo", "bar"}, {NE, "bar", "baz"}}},
    {"foo=bar,bar!=baz", NULL, 2, {{EQ, "foo", "bar"}, {NE, "bar", "baz"}}},
    {"foo=\"bar\",bar!=\"baz\"",
     NULL,
     2,
     {{EQ, "foo", "bar"}, {NE, "bar", "baz"}}},
    {",", "0:1: unexpected ,: expected label name", 0, {{0}}},
    {"{,}", "1:2: unexpected ,: expected label name", 0, {{0}}},
    {"{", "0:1: end of input: expected close brace", 0, {{0}}},
    {"}", "0:1: }: expected opening brace", 0, {{0}}},
    {"foo=bar}", "0:8: }: expected opening brace", 0, {{0}}},
    {"{foo=bar", "0:8: end of input: expected close brace", 0, {{0}}},
    {"{foo=:\"bar\"}",
     "6:11: unexpected \"bar\": expected a comma or close brace",
     0,
     {{0}}},
    {"{foo=\"bar\\w\"}", "5:12: \"bar\\w\": invalid input", 0, {{0}}},
    {"{foo=bar\\n}",
     "8:9: \\: invalid input: expected a comma or close brace",
     0,
     {{0}}},
    {"{\"foo\"=\"\\xf0\\x9f\"}",
     "7:17: \"\\xf0\\x9f\": invalid input",
     0,
     {{0}}},
    /* matcher/parse/lexer_test.go errors, seen through the parser */
    {"~", "0:1: ~: invalid input", 0, {{0}}},
    {"foo!",
     "3:4: unexpected end of input, expected one of '=~': "
     "expected an operator such as '=', '!=', '=~' or '!~'",
     0,
     {{0}}},
    {"foo!=!!", "5:6: !: expected one of '=~': expected label value", 0, {{0}}},
    {"foo=\"hello",
     "4:10: \"hello: missing end \": expected label value",
     0,
     {{0}}},
    /* §2.2: the value is required, one trailing comma only */
    {"foo=", "end of input: expected label value", 0, {{0}}},
    {"foo=bar,,",
     "8:9: unexpected ,: expected a matcher or close brace "
     "after comma",
     0,
     {{0}}},
    {"{foo=bar} x", "10:11: x: expected end of input", 0, {{0}}},
    {"{}}", "2:3: }: expected end of input", 0, {{0}}},
    {"foo bar",
     "4:7: unexpected bar: expected an operator such as '=', "
     "'!=', '=~' or '!~'",
     0,
     {{0}}},
    {"foo=bar baz",
     "8:11: unexpected baz: expected a comma or close brace",
     0,
     {{0}}},
    /* whitespace anywhere between tokens, Unicode spaces too */
    {" { foo = bar ,\tbaz !~ \"q\"\n , } ",
     NULL,
     2,
     {{EQ, "foo", "bar"}, {NRE, "baz", "q"}}},
    {"foo\u202f=\u00a0bar", NULL, 1, {{EQ, "foo", "bar"}}},
    {"\"label name with spaces\"=\"v\"",
     NULL,
     1,
     {{EQ, "label name with spaces", "v"}}},
    {"Σ=🙂,\"00\"=x", NULL, 2, {{EQ, "Σ", "🙂"}, {EQ, "00", "x"}}},
    {"foo='x'", "4:5: ': invalid input: expected label value", 0, {{0}}},
    {"foo=\"tab\there\"", NULL, 1, {{EQ, "foo", "tab\there"}}},
    {"foo=\"a\\u00e9\\101\"", NULL, 1, {{EQ, "foo", "aéA"}}},
    {"foo=\"\\ud800\"", "4:12: \"\\ud800\": invalid input", 0, {{0}}},
    {"foo=\"raw\nnewline\"", "4:17: \"raw\nnewline\": invalid input", 0, {{0}}},
    {"foo=\"\\'\"", "4:8: \"\\'\": invalid input", 0, {{0}}},
    {"foo=~\"a**\"",
     "failed to create matcher: error parsing regexp: "
     "invalid nested repetition operator: `**`",
     0,
     {{0}}},
};

Test(matcher, utf8_grammar)
{
	run_cases(MATCHER_UTF8, utf8_cases, ARRAY_LEN(utf8_cases));
}

/* ------------------------------------------------- classic grammar */

/* matcher/oldparse/parse_test.go TestMatchers */
static const struct pcase classic_cases[] = {
    {"{}", NULL, 0, {{0}}},
    {"", NULL, 0, {{0}}},
    {",", "bad matcher format: ", 0, {{0}}},
    {"{,}", "bad matcher format: ", 0, {{0}}},
    {"{foo='}", NULL, 1, {{EQ, "foo", "'"}}},
    {"{foo=`}", NULL, 1, {{EQ, "foo", "`"}}},
    {"{foo=\\\"}", NULL, 1, {{EQ, "foo", "\""}}},
    {"{foo=bar}", NULL, 1, {{EQ, "foo", "bar"}}},
    {"{foo=\"bar\"}", NULL, 1, {{EQ, "foo", "bar"}}},
    {"{foo=~bar.*}", NULL, 1, {{RE, "foo", "bar.*"}}},
    {"{foo=~\"bar.*\"}", NULL, 1, {{RE, "foo", "bar.*"}}},
    {"{foo!=bar}", NULL, 1, {{NE, "foo", "bar"}}},
    {"{foo!=\"bar\"}", NULL, 1, {{NE, "foo", "bar"}}},
    {"{foo!~bar.*}", NULL, 1, {{NRE, "foo", "bar.*"}}},
    {"{foo!~\"bar.*\"}", NULL, 1, {{NRE, "foo", "bar.*"}}},
    {"{foo=\"bar\", baz!=\"quux\"}",
     NULL,
     2,
     {{EQ, "foo", "bar"}, {NE, "baz", "quux"}}},
    {"{foo=\"bar\",baz!~\".*quux\", derp=\"wat\"}",
     NULL,
     3,
     {{EQ, "foo", "bar"}, {NRE, "baz", ".*quux"}, {EQ, "derp", "wat"}}},
    {"{foo=\"bar\", instance=~\"some-api.*\"}",
     NULL,
     2,
     {{EQ, "foo", "bar"}, {RE, "instance", "some-api.*"}}},
    {"{foo=\"\"}", NULL, 1, {{EQ, "foo", ""}}},
    {"{foo=\"bar,quux\", job=\"job1\"}",
     NULL,
     2,
     {{EQ, "foo", "bar,quux"}, {EQ, "job", "job1"}}},
    {"{foo = \"bar\", dings != \"bums\", }",
     NULL,
     2,
     {{EQ, "foo", "bar"}, {NE, "dings", "bums"}}},
    {"foo=bar,dings!=bums",
     NULL,
     2,
     {{EQ, "foo", "bar"}, {NE, "dings", "bums"}}},
    {"{quote=\"She said: \\\"Hi, ladies! That's gender-neutral…\\\"\"}",
     NULL,
     1,
     {{EQ, "quote", "She said: \"Hi, ladies! That's gender-neutral…\""}}},
    {"statuscode=~\"5..\"", NULL, 1, {{RE, "statuscode", "5.."}}},
    {"tricky=~~~", NULL, 1, {{RE, "tricky", "~~"}}},
    {"trickier==\\\\=\\=\\\"", NULL, 1, {{EQ, "trickier", "=\\=\\=\""}}},
    {"contains_quote != \"\\\"\" , contains_comma !~ \"foo,bar\" , ",
     NULL,
     2,
     {{NE, "contains_quote", "\""}, {NRE, "contains_comma", "foo,bar"}}},
    {"{foo=bar}}", NULL, 1, {{EQ, "foo", "bar}"}}},
    {"{foo=bar}},}", NULL, 1, {{EQ, "foo", "bar}}"}}},
    {"{foo=,bar=}}", NULL, 2, {{EQ, "foo", ""}, {EQ, "bar", "}"}}},
    {"{foo=bar\\t}", NULL, 1, {{EQ, "foo", "bar\\t"}}},
    {"{foo=bar\\n}", NULL, 1, {{EQ, "foo", "bar\n"}}},
    {"{foo=bar\\}", NULL, 1, {{EQ, "foo", "bar\\"}}},
    {"{foo=bar\\\\}", NULL, 1, {{EQ, "foo", "bar\\"}}},
    {"{foo=bar\\\"}", NULL, 1, {{EQ, "foo", "bar\""}}},
    {"job=", NULL, 1, {{EQ, "job", ""}}},
    {"job=\"value",
     "matcher value contains unescaped double quote: \"value",
     0,
     {{0}}},
    {"job=value\"",
     "matcher value contains unescaped double quote: value\"",
     0,
     {{0}}},
    {"trickier==\\\\=\\=\\\"\"",
     "matcher value contains unescaped double quote: =\\\\=\\=\\\"\"",
     0,
     {{0}}},
    {"contains_unescaped_quote = foo\"bar",
     "matcher value contains unescaped double quote: foo\"bar",
     0,
     {{0}}},
    {"{invalid-name = \"valid label\"}",
     "bad matcher format: invalid-name = \"valid label\"",
     0,
     {{0}}},
    {"\"{foo=\\\"bar\"}", "bad matcher format: \"{foo=\\\"bar\"", 0, {{0}}},
    {"\"foo=\\\"bar\"", "bad matcher format: \"foo=\\\"bar\"", 0, {{0}}},
    {"\"foo=\"bar\"\"", "bad matcher format: \"foo=\"bar\"\"", 0, {{0}}},
    {"{{foo=", "bad matcher format: {foo=", 0, {{0}}},
    {"{foo=", NULL, 1, {{EQ, "foo", ""}}},
    {"{foo=}b", NULL, 1, {{EQ, "foo", "}b"}}},
    /* amtool 0.25 check-config */
    {"a=b,,c=d", "bad matcher format: ", 0, {{0}}},
    {"foo bar=\"x\"", "bad matcher format: foo bar=\"x\"", 0, {{0}}},
    {"foo=\"a\"b\"",
     "matcher value contains unescaped double quote: \"a\"b\"",
     0,
     {{0}}},
    {"foo=~\"(?!x)\"",
     "error parsing regexp: invalid or unsupported Perl syntax: `(?!`",
     0,
     {{0}}},
    /* §2.3: names may hold ':' but not start with a digit */
    {"a:b_1=x", NULL, 1, {{EQ, "a:b_1", "x"}}},
    {"1a=x", "bad matcher format: 1a=x", 0, {{0}}},
    {"foo🙂=bar", "bad matcher format: foo🙂=bar", 0, {{0}}},
    {"  foo  =~  \" x \"  ", NULL, 1, {{RE, "foo", " x "}}},
    {"foo= bar baz ", NULL, 1, {{EQ, "foo", "bar baz"}}},
};

Test(matcher, classic_grammar)
{
	run_cases(MATCHER_CLASSIC, classic_cases, ARRAY_LEN(classic_cases));
}

Test(matcher, classic_invalid_utf8)
{
	struct matcher m;
	struct buf err = {0};

	cr_expect_eq(
	    matcher_parse_mode("foo=\"\xff\"", MATCHER_CLASSIC, &m, &err, NULL),
	    -1);
	cr_expect_str_eq(buf_str(&err),
			 "matcher value not valid UTF-8: \"\xff\"");
	buf_free(&err);
}

/* ------------------------------------------------------- fallback */

/* matcher/compat/parse_test.go TestFallbackMatchersParser, plus config
 * strings from the brief and the corpus */
static const struct pcase fallback_cases[] = {
    {"{foo=bar,bar=baz}", NULL, 2, {{EQ, "foo", "bar"}, {EQ, "bar", "baz"}}},
    {"{foo!bar}", "bad matcher format: foo!bar", 0, {{0}}},
    {"{foo🙂=bar,bar=baz🙂}",
     NULL,
     2,
     {{EQ, "foo🙂", "bar"}, {EQ, "bar", "baz🙂"}}},
    {"{foo=!bar,bar=$baz\\n}",
     NULL,
     2,
     {{EQ, "foo", "!bar"}, {EQ, "bar", "$baz\n"}}},
    {"{foo=\"\\xf0\\x9f\\x99\\x82\"}",
     NULL,
     1,
     {{EQ, "foo", "\\xf0\\x9f\\x99\\x82"}}},
    {"severity=\"critical\"", NULL, 1, {{EQ, "severity", "critical"}}},
    {"alertname=~\"Foo|Bar\", team!=\"x\"",
     NULL,
     2,
     {{RE, "alertname", "Foo|Bar"}, {NE, "team", "x"}}},
    {"{a=\"b\",c=\"d\"}", NULL, 2, {{EQ, "a", "b"}, {EQ, "c", "d"}}},
    {"foo=bar", NULL, 1, {{EQ, "foo", "bar"}}},
    {"\"label name with spaces\"=\"v\"",
     NULL,
     1,
     {{EQ, "label name with spaces", "v"}}},
    {"service=~\"foo1|foo2|baz\"", NULL, 1, {{RE, "service", "foo1|foo2|baz"}}},
    {"link_a_device=~\".+\"", NULL, 1, {{RE, "link_a_device", ".+"}}},
    {"foo=", NULL, 1, {{EQ, "foo", ""}}},
    {"foo=bar baz", NULL, 1, {{EQ, "foo", "bar baz"}}},
    {"foo=~\\d+", NULL, 1, {{RE, "foo", "\\d+"}}},
    {"foo=\"a\\tb\"", NULL, 1, {{EQ, "foo", "a\\tb"}}},
    {"", NULL, 0, {{0}}},
    {"a=b,,c=d", "bad matcher format: ", 0, {{0}}},
    {"foo bar=\"x\"", "bad matcher format: foo bar=\"x\"", 0, {{0}}},
    {"foo=~\"(?!x)\"",
     "error parsing regexp: invalid or unsupported Perl syntax: `(?!`",
     0,
     {{0}}},
    {"foo=~\"a{1001}\"",
     "error parsing regexp: invalid repeat count: `{1001}`",
     0,
     {{0}}},
    {"foo=~\"\\\\1\"",
     "error parsing regexp: invalid escape sequence: `\\1`",
     0,
     {{0}}},
    {"foo=\"a\"b\"",
     "matcher value contains unescaped double quote: \"a\"b\"",
     0,
     {{0}}},
};

Test(matcher, fallback)
{
	run_cases(MATCHER_FALLBACK, fallback_cases, ARRAY_LEN(fallback_cases));
}

static char *parse_warning(const char *in)
{
	struct matchers ms = {0};
	struct buf err = {0}, warn = {0};

	cr_assert_eq(matchers_parse(in, &ms, &err, &warn), 0, "%s: %s", in,
		     buf_str(&err));
	matchers_free(&ms);
	buf_free(&err);
	return buf_take(&warn);
}

Test(matcher, fallback_warnings)
{
	char *w;

	w = parse_warning("foo=\"bar\"");
	cr_expect_str_eq(w, "", "both parsers agree: no warning");
	free(w);
	w = parse_warning("\"label name with spaces\"=\"v\"");
	cr_expect_str_eq(w, "", "classic fails: UTF-8 result, no warning");
	free(w);

	/* UTF-8 fails, classic succeeds: warn and suggest the UTF-8 form */
	w = parse_warning("foo=bar baz,x=~\\d+");
	cr_expect(strstr(w, "classic") != NULL, "%s", w);
	cr_expect(strstr(w, "foo=\"bar baz\",x=~\"\\\\d+\"") != NULL, "%s", w);
	cr_expect(strstr(w, "expected a comma or close brace") != NULL, "%s",
		  w);
	free(w);

	/* both succeed but disagree */
	w = parse_warning("foo=\"a\\tb\"");
	cr_expect(strstr(w, "disagreement") != NULL, "%s", w);
	free(w);
}

Test(matcher, warnings_accumulate)
{
	struct matchers ms = {0};
	struct buf err = {0}, warn = {0};

	cr_assert_eq(matchers_parse("a=b c", &ms, &err, &warn), 0);
	cr_assert_eq(matchers_parse("d=e f", &ms, &err, &warn), 0);
	cr_expect_eq(ms.n, 2, "matchers_parse appends");
	cr_expect_str_eq(ms.v[1].value, "e f");
	cr_expect(strchr(buf_str(&warn), '\n') != NULL, "%s", buf_str(&warn));
	cr_expect_eq(matchers_parse("x=\"", &ms, &err, &warn), -1);
	cr_expect_eq(ms.n, 2, "a failed parse leaves out as it was");
	matchers_free(&ms);
	buf_free(&err);
	buf_free(&warn);
}

/* ------------------------------------------------- single matcher */

struct one {
	enum matcher_grammar g;
	const char *in;
	const char *err;
	struct want w;
};

static const struct one single_cases[] = {
    /* matcher/compat TestFallbackMatcherParser */
    {MATCHER_FALLBACK, "foo=bar", NULL, {EQ, "foo", "bar"}},
    {MATCHER_FALLBACK, "foo!bar", "bad matcher format: foo!bar", {0}},
    {MATCHER_FALLBACK, "foo🙂=bar", NULL, {EQ, "foo🙂", "bar"}},
    {MATCHER_FALLBACK, "foo=!bar\\n", NULL, {EQ, "foo", "!bar\n"}},
    {MATCHER_FALLBACK,
     "foo=\"\\xf0\\x9f\\x99\\x82\"",
     NULL,
     {EQ, "foo", "\\xf0\\x9f\\x99\\x82"}},
    /* compat.FallbackMatcherParser: braces refused first */
    {MATCHER_FALLBACK,
     "{foo=bar}",
     "unexpected open or close brace: {foo=bar}",
     {0}},
    {MATCHER_FALLBACK,
     "foo=bar}",
     "unexpected open or close brace: foo=bar}",
     {0}},
    {MATCHER_FALLBACK, "{", "unexpected open or close brace: {", {0}},
    {MATCHER_UTF8,
     "{foo=bar}",
     "unexpected open or close brace: {foo=bar}",
     {0}},
    /* both fail: the classic parser's error */
    {MATCHER_FALLBACK, "", "bad matcher format: ", {0}},
    /* classic ParseMatcher takes the whole rest as the value */
    {MATCHER_FALLBACK, "foo=bar,bar=baz", NULL, {EQ, "foo", "bar,bar=baz"}},
    /* matcher/parse TestMatcher */
    {MATCHER_UTF8, "", "no matchers", {0}},
    {MATCHER_UTF8, "foo=bar,bar=baz", "expected 1 matcher, found 2", {0}},
    {MATCHER_UTF8,
     "foo=\"\\xf0\\x9f\"",
     "4:14: \"\\xf0\\x9f\": invalid input",
     {0}},
    {MATCHER_UTF8, "foo=bar,", NULL, {EQ, "foo", "bar"}},
    {MATCHER_UTF8, "\"foo\"=\"\\U0001f642\"", NULL, {EQ, "foo", "🙂"}},
    {MATCHER_CLASSIC, "{foo=bar}", "bad matcher format: {foo=bar}", {0}},
    {MATCHER_CLASSIC, "foo=~\"a.*\"", NULL, {RE, "foo", "a.*"}},
};

Test(matcher, single)
{
	for (size_t i = 0; i < ARRAY_LEN(single_cases); i++) {
		const struct one *c = &single_cases[i];
		struct matcher m;
		struct buf err = {0};
		int rc = matcher_parse_mode(c->in, c->g, &m, &err, NULL);

		if (c->err) {
			cr_expect_eq(rc, -1, "%s should fail", c->in);
			cr_expect_str_eq(buf_str(&err), c->err, "input %s",
					 c->in);
			cr_expect_null(m.name);
		} else if (rc == 0) {
			cr_expect_eq(m.op, c->w.op, "%s", c->in);
			cr_expect_str_eq(m.name, c->w.name, "%s", c->in);
			cr_expect_str_eq(m.value, c->w.value, "%s", c->in);
		} else {
			cr_expect_fail("%s: %s", c->in, buf_str(&err));
		}
		matcher_free(&m);
		buf_free(&err);
	}
}

/* ----------------------------------------------------------- regexes */

Test(matcher, regex_errors_as_go)
{
	/* exact strings printed by amtool 0.25 check-config */
	static const char *const go[][2] = {
	    {"(?!x)",
	     "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"},
	    {"a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"},
	    {"\\1", "error parsing regexp: invalid escape sequence: `\\1`"},
	    {"(?=x)",
	     "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
	    {"(?<=x)",
	     "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"},
	    {"(?>x)",
	     "error parsing regexp: invalid or unsupported Perl syntax: `(?>`"},
	    {"a*+",
	     "error parsing regexp: invalid nested repetition operator: `*+`"},
	    {"a**",
	     "error parsing regexp: invalid nested repetition operator: `**`"},
	    {"a{2}{3}", "error parsing regexp: invalid nested repetition "
			"operator: `{2}{3}`"},
	    {"*", "error parsing regexp: missing argument to repetition "
		  "operator: `*`"},
	    {"(*FAIL)", "error parsing regexp: missing argument to repetition "
			"operator: `*`"},
	    {"a|+", "error parsing regexp: missing argument to repetition "
		    "operator: `+`"},
	    {"\\K", "error parsing regexp: invalid escape sequence: `\\K`"},
	    {"\\x4", "error parsing regexp: invalid escape sequence: `\\x4)`"},
	    {"[\\b]", "error parsing regexp: invalid escape sequence: `\\b`"},
	    {"(a{100}){100}",
	     "error parsing regexp: invalid repeat count: `{100}`"},
	    {"a{3,2}", "error parsing regexp: invalid repeat count: `{3,2}`"},
	    {"(?P<a-b>x)",
	     "error parsing regexp: invalid named capture: `(?P<a-b>`"},
	    {"(?x)a",
	     "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"},
	    {"(?<name>x)",
	     "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"},
	    {"(?-)", "error parsing regexp: invalid or unsupported Perl "
		     "syntax: `(?-)`"},
	    {"(?i)*", "error parsing regexp: missing argument to repetition "
		      "operator: `*`"},
	    {"\\8", "error parsing regexp: invalid escape sequence: `\\8`"},
	    {"\\18", "error parsing regexp: invalid escape sequence: `\\1`"},
	    {"\\C", "error parsing regexp: invalid escape sequence: `\\C`"},
	    {"\\o{1}", "error parsing regexp: invalid escape sequence: `\\o`"},
	    {"\\uFFFF", "error parsing regexp: invalid escape sequence: `\\u`"},
	    {"\\x{110000}",
	     "error parsing regexp: invalid escape sequence: `\\x{110000`"},
	    {"a{1000}{0}", "error parsing regexp: invalid nested repetition "
			   "operator: `{1000}{0}`"},
	    {"(a{0}){1001}",
	     "error parsing regexp: invalid repeat count: `{1001}`"},
	};

	for (size_t i = 0; i < ARRAY_LEN(go); i++) {
		char *e = regex_error(go[i][0]);

		cr_expect_str_eq(e, go[i][1], "regex %s", go[i][0]);
		free(e);
	}
}

Test(matcher, regex_errors_structure)
{
	/* amtool 0.25 check-config */
	static const char *const go[][2] = {
	    {"(a", "error parsing regexp: missing closing ): `^(?:(a)$`"},
	    {"invalid[regexp",
	     "error parsing regexp: missing closing ]: `[regexp)$`"},
	    {"a)", "error parsing regexp: unexpected ): `^(?:a))$`"},
	    {"[z-a]",
	     "error parsing regexp: invalid character class range: `z-a`"},
	    {"c*\\", "error parsing regexp: missing closing ): `^(?:c*\\)$`"},
	    {"[[:foo:]]",
	     "error parsing regexp: invalid character class range: `[:foo:]`"},
	    {")[[:alp>a:]", "error parsing regexp: invalid character class "
			    "range: `[:alp>a:]`"},
	    {"[[:^alpa:]]", "error parsing regexp: invalid character class "
			    "range: `[:^alpa:]`"},
	    {"[a[-Pz]",
	     "error parsing regexp: invalid character class range: `[-P`"},
	    {"[a-[]",
	     "error parsing regexp: invalid character class range: `a-[`"},
	};

	for (size_t i = 0; i < ARRAY_LEN(go); i++) {
		char *e = regex_error(go[i][0]);

		cr_expect_str_eq(e, go[i][1], "regex %s", go[i][0]);
		free(e);
	}
}

Test(matcher, regex_nesting_limit)
{
	/* amtool 0.25: 998 nested groups compile, 999 nest too deeply */
	struct buf re = {0};
	char *e;

	for (int i = 0; i < 998; i++)
		buf_putc(&re, '(');
	buf_putc(&re, 'a');
	for (int i = 0; i < 998; i++)
		buf_putc(&re, ')');
	cr_expect(regex_ok(buf_str(&re)));
	buf_reset(&re);
	for (int i = 0; i < 999; i++)
		buf_putc(&re, '(');
	buf_putc(&re, 'a');
	for (int i = 0; i < 999; i++)
		buf_putc(&re, ')');
	e = regex_error(buf_str(&re));
	cr_expect(
	    strncmp(
		e,
		"error parsing regexp: expression nests too deeply: `^(?:(((",
		58) == 0,
	    "%.80s", e);
	free(e);
	buf_free(&re);
}

Test(matcher, regex_errors_pcre2_wording)
{
	/* Go: "error parsing regexp: invalid character class range:
	 * `\p{Foo}`"; the problem is PCRE2's wording, the shape Go's */
	static const char *const bad[][2] = {
	    {"\\p{Foo}", "`^(?:\\p{Foo})$`"},
	};

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *e = regex_error(bad[i][0]);
		size_t n = strlen(e), k = strlen(bad[i][1]);

		cr_expect(strncmp(e, "error parsing regexp: ", 22) == 0, "%s",
			  e);
		cr_expect(n > k && strcmp(e + n - k, bad[i][1]) == 0, "%s", e);
		free(e);
	}
}

Test(matcher, regex_go_syntax_accepted)
{
	/* RE2 syntax Go accepts (amtool 0.25 check-config SUCCESS) */
	static const char *const ok[] = {
	    "(?i)foo",
	    "(?i:foo)bar",
	    "(?s-m:a.b)",
	    "(?P<name>x)",
	    "(?U)a+",
	    "\\d+\\.\\w\\s\\S\\D\\W",
	    "[[:alpha:]]+",
	    "[^[:space:]]",
	    "\\pL\\p{Greek}",
	    "\\x41\\x{1F642}",
	    "\\Qa.b*\\E",
	    "\\0\\012",
	    "a{2}",
	    "a{2,}",
	    "a{2,5}?",
	    "a{,3}",
	    "{",
	    "a{x}",
	    "x{01}",
	    "\\z\\A\\b\\B",
	    "[]a]",
	    "[^]a]",
	    "[a-]",
	    "(a{10}){100}",
	    "\\-\\_\\ \\#",
	    "(?:)",
	    "()",
	    "a|",
	    "[\\d-z]",
	    "(?)",
	    "^*",
	    "$*",
	    "\\b*",
	    "\\A+\\z?",
	    "(a)(?P<1a>b)",
	    "[[.a.]]",
	    "[[=a=]]",
	    "(?P<n>a)(?P<n>b)",
	    "a{1000}",
	    "\\v",
	    "[a-c-b]",
	    "[]-a]",
	    "[é-ü]",
	    "[:alpha:]",
	    "1[:apha:]]",
	    "[=a=]",
	    "[.a.]",
	    "[[]",
	    "[a[]",
	};

	for (size_t i = 0; i < ARRAY_LEN(ok); i++)
		cr_expect(regex_ok(ok[i]), "regex %s should compile", ok[i]);
}

Test(matcher, regex_go_semantics)
{
	/* a '{' that starts no repeat is literal in Go */
	cr_expect(matches("foo=~\"a{,3}\"", "a{,3}"));
	cr_expect(matches("foo=~\"x{01}\"", "x{01}"));
	cr_expect(matches("foo=~\"a{2}\"", "aa"));
	/* \v is a vertical tab; \s leaves it out */
	cr_expect(matches("foo=~\"\\\\v\"", "\v"));
	cr_expect(!matches("foo=~\"\\\\v\"", "\n"));
	cr_expect(!matches("foo=~\"\\\\s\"", "\v"));
	cr_expect(!matches("foo=~\"[\\\\s]\"", "\v"));
	cr_expect(matches("foo=~\"\\\\S\"", "\v"));
	cr_expect(matches("foo=~\"[\\\\S]\"", "\v"));
	cr_expect(matches("foo=~\"\\\\s\"", "\t"));
	/* octal, never a backreference */
	cr_expect(matches("foo=~\"\\\\101\"", "A"));
	cr_expect(matches("foo=~\"(a)\\\\12\"", "a\n"));
	/* Unicode: one rune for '.', case folding */
	cr_expect(matches("foo=~\"..\"", "Σ🙂"));
	cr_expect(matches("foo=~\"(?i)σ\"", "Σ"));
	cr_expect(matches("foo=~\"\\\\pL+\"", "Σίσυφος"));
	/* \d \w are ASCII in Go */
	cr_expect(!matches("foo=~\"\\\\d\"", "٣"));
	cr_expect(matches("foo=~\"[\\\\d-z]+\"", "1-z"));
	cr_expect(!matches("foo=~\"[\\\\d-z]\"", "q"));
	cr_expect(!matches("foo=~\"\\\\w\"", "é"));
	cr_expect(matches("foo=~\"\\\\pN\"", "٣"));
	cr_expect(matches("foo=~\"(?i)k\"", "\u212a"),
		  "Kelvin sign folds to k");
	cr_expect(!matches("foo=~\"(?i)STRASSE\"", "straße"));
	cr_expect(matches("foo=~\"[[:^alpha:]]\"", "1"));
	/* Go repeats assertions */
	cr_expect(matches("foo=~\"^*a\"", "a"));
	cr_expect(matches("foo=~\"\\\\b+a\"", "a"));
}

Test(matcher, regex_catastrophic_backtracking)
{
	/* RE2 answers in linear time; we must still answer correctly */
	char v[64];

	memset(v, 'a', sizeof(v) - 2);
	v[sizeof(v) - 2] = '!';
	v[sizeof(v) - 1] = '\0';
	cr_expect(!matches("foo=~\"(a*)*b\"", v));
	cr_expect(matches("foo=~\"(a*)*!\"", v));
	cr_expect(matches("foo!~\"(a|aa)*b\"", v));
}

/* -------------------------------------------------- render and sort */

static char *fmt(enum matcher_op op, const char *name, const char *value)
{
	struct matcher m;
	struct buf out = {0}, err = {0};

	cr_assert_eq(matcher_init(&m, name, op, value, &err), 0, "%s",
		     buf_str(&err));
	matcher_format(&m, &out);
	matcher_free(&m);
	buf_free(&err);
	return buf_take(&out);
}

Test(matcher, format)
{
	/* matcher/matcher_test.go TestMatcherString */
	static const struct {
		enum matcher_op op;
		const char *n, *v, *want;
	} t[] = {
	    {EQ, "foo", "bar", "foo=\"bar\""},
	    {NE, "foo", "bar", "foo!=\"bar\""},
	    {RE, "foo", "bar", "foo=~\"bar\""},
	    {NRE, "foo", "bar", "foo!~\"bar\""},
	    {EQ, "foo", "back\\slash", "foo=\"back\\\\slash\""},
	    {EQ, "foo", "double\"quote", "foo=\"double\\\"quote\""},
	    {EQ, "foo", "new\nline", "foo=\"new\\nline\""},
	    {EQ, "foo", "tab\tstop", "foo=\"tab\tstop\""},
	    {EQ, "foo", "🙂", "foo=\"🙂\""},
	    {NE, "foo!", "bar", "\"foo!\"!=\"bar\""},
	    {EQ, "foo🙂", "bar", "foo🙂=\"bar\""},
	    {EQ, "foo bar", "baz", "\"foo bar\"=\"baz\""},
	    {EQ, "a,b", "tab\t\"", "\"a,b\"=\"tab\\t\\\"\""},
	};

	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		char *s = fmt(t[i].op, t[i].n, t[i].v);

		cr_expect_str_eq(s, t[i].want);
		free(s);
	}
}

Test(matcher, format_list_and_sort)
{
	struct matchers ms = {0};
	struct buf err = {0}, out = {0};

	cr_assert_eq(matchers_parse("b=\"2\",a!=\"1\",a=\"1\",a=~\"0\",a=\"1\"",
				    &ms, &err, NULL),
		     0);
	matchers_sort(&ms);
	matchers_format(&ms, &out);
	/* by name, then value, then type (= before !=) */
	cr_expect_str_eq(buf_str(&out),
			 "{a=~\"0\",a=\"1\",a=\"1\",a!=\"1\",b=\"2\"}");
	buf_reset(&out);
	matchers_free(&ms);
	matchers_format(&ms, &out);
	cr_expect_str_eq(buf_str(&out), "{}");
	buf_free(&out);
	buf_free(&err);
}

Test(matcher, format_round_trips)
{
	static const char *const in[] = {
	    "foo=\"a\\\\b\\\"c\\nd\"",
	    "\"x y\"=~\"a|b\"",
	    "\"q\\\"\"!=\"\\u00e9\"",
	    "Σ!~\"[a-z]+\"",
	};

	for (size_t i = 0; i < ARRAY_LEN(in); i++) {
		struct matcher a, b;
		struct buf out = {0};

		must_parse(in[i], &a);
		matcher_format(&a, &out);
		must_parse(buf_str(&out), &b);
		cr_expect(matcher_equal(&a, &b), "%s -> %s", in[i],
			  buf_str(&out));
		matcher_free(&a);
		matcher_free(&b);
		buf_free(&out);
	}
}

Test(matcher, op_strings_and_free_null)
{
	cr_expect_str_eq(matcher_op_str(MATCHER_EQ), "=");
	cr_expect_str_eq(matcher_op_str(MATCHER_NE), "!=");
	cr_expect_str_eq(matcher_op_str(MATCHER_RE), "=~");
	cr_expect_str_eq(matcher_op_str(MATCHER_NRE), "!~");
	matcher_free(NULL);
	matchers_free(NULL);
}
