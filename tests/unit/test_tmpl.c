/*
 * test_tmpl.c - the template engine: oracle-confirmed cases (amtool 0.25,
 * promtool 2.42; see tests/tmpl-oracle/), then the lexer, values, printing,
 * sets, functions, limits and the rule helpers one by one.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "tmpl_int.h"

struct am_case {
	const char *text, *out, *err;
};
struct prom_case {
	const char *text, *value, *out;
};
struct check_case {
	const char *text, *err;
};

#include "tmpl_oracle.h"

/* ------------------------------------------------------------ fixtures */

static const struct tmpl_class kv_class = {.type = "template.KV"};
static const struct tmpl_class data_class = {.type = "template.Data"};
static const struct tmpl_class alert_class = {.type = "template.Alert"};

static int alerts_firing(struct tmpl_call *c, struct tmpl_value *const *a,
			 size_t n, struct tmpl_value **out)
{
	struct tmpl_value *l = tmpl_list_new(c->self->cls);

	(void)a, (void)n;
	for (size_t i = 0; i < c->self->u.list.n; i++) {
		struct tmpl_value *s =
		    tmpl_object_field(c->self->u.list.v[i], "Status");

		if (strcmp(s->u.str.s, "firing") == 0)
			tmpl_list_push_take(l, tmpl_ref(c->self->u.list.v[i]));
	}
	*out = l;
	return 0;
}

static const struct tmpl_func alerts_methods[] = {
    {"Firing", alerts_firing, "", NULL},
    {"Resolved", alerts_firing, "", NULL},
    {NULL, NULL, NULL, NULL},
};
static const struct tmpl_class alerts_class = {
    .type = "template.Alerts",
    .methods = alerts_methods,
};

static struct tmpl_value *kv(const char *const *p)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_STRING);

	for (; *p; p += 2)
		tmpl_map_set_take(m, p[0], tmpl_string(p[1]));
	m->cls = &kv_class;
	return m;
}

/* amtool's sample data (see tests/tmpl-oracle/driver.c). */
static struct tmpl_value *am_data(void)
{
	static const char *const names[] = {
	    "Receiver",	   "Status",	   "Alerts",
	    "GroupLabels", "CommonLabels", "CommonAnnotations",
	    "ExternalURL",
	};
	static const char *const status[] = {"Status"};
	static const char *const gl[] = {"grouplabelkey1", "grouplabelvalue1",
					 "grouplabelkey2", "grouplabelvalue2",
					 NULL};
	static const char *const cl[] = {"commonlabelkey1", "commonlabelvalue1",
					 "commonlabelkey2", "commonlabelvalue2",
					 NULL};
	static const char *const ca[] = {
	    "commonannotationkey1", "commonannotationvalue1",
	    "commonannotationkey2", "commonannotationvalue2", NULL};
	struct tmpl_value *alerts = tmpl_list_new(&alerts_class), *f[7];

	for (int i = 0; i < 2; i++) {
		struct tmpl_value *s = tmpl_string("alertstatus");

		tmpl_list_push_take(
		    alerts, tmpl_object_new(&alert_class, status, &s, 1, NULL));
	}
	f[0] = tmpl_string("receiver");
	f[1] = tmpl_string("alertstatus");
	f[2] = alerts;
	f[3] = kv(gl);
	f[4] = kv(cl);
	f[5] = kv(ca);
	f[6] = tmpl_string("https://example.com");
	return tmpl_object_new(&data_class, names, f, 7, NULL);
}

static struct labels *labels_of(const char *const *p)
{
	struct labels_builder b = {0};
	struct labels *l;

	for (; *p; p += 2)
		labels_builder_set(&b, p[0], p[1]);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

static const char *const series[] = {"__name__", "up",	   "job", "j",
				     "instance", "i:9100", NULL};
static double query_value = 1234567;

/* Like promtool's storage: "up" is the one series; "fail" fails. */
static int fake_query(void *ctx, const char *expr, struct tmpl_value **r,
		      struct buf *err)
{
	(void)ctx;
	if (strcmp(expr, "fail") == 0) {
		buf_puts(err, "query timed out");
		return -1;
	}
	*r = tmpl_query_result_new();
	if (strcmp(expr, "up") == 0) {
		struct labels *l = labels_of(series);

		tmpl_query_result_add(*r, l, query_value);
		labels_free(l);
	}
	if (strcmp(expr, "three") == 0) {
		static const char *const s[][5] = {
		    {"k", "b", "n", "1", NULL},
		    {"k", "a", "n", "2", NULL},
		    {"k", "b", "n", "3", NULL},
		};
		for (int i = 0; i < 3; i++) {
			struct labels *l = labels_of(s[i]);

			tmpl_query_result_add(*r, l, i);
			labels_free(l);
		}
	}
	return 0;
}

static const struct tmpl_rule_env env = {"http://ext:9090/prefix", fake_query,
					 NULL, 0};

/* Expands a rule annotation against the promtool fixture. */
static char *expand(const char *text, double value)
{
	static const char *const ext[] = {"region", "eu", NULL};
	struct labels *l = labels_of(series), *e = labels_of(ext);
	struct tmpl_rule_data d = {l, e, "http://ext:9090/prefix", value};
	char *out;

	query_value = value;
	tmpl_expand_rule("A", text, &d, &env, &out);
	labels_free(l);
	labels_free(e);
	return out;
}

/* Renders text with dot = data in a fresh set (missingkey=zero, the
 * Prometheus functions); returns the output or "ERR: message". */
static char *render_named(const char *name, const char *text,
			  struct tmpl_value *data, enum tmpl_missingkey mk,
			  const struct tmpl_exec_opts *opts)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = {0}, err = {0};
	int rc;

	tmpl_set_funcs(set, tmpl_prom_funcs);
	tmpl_set_missingkey(set, mk);
	rc = tmpl_parse(set, name, text, strlen(text), &err);
	if (rc == 0)
		rc = tmpl_exec(set, name, data, opts, &out, &err);
	tmpl_set_free(set);
	if (rc < 0) {
		char *s = xasprintf("ERR: %s", buf_str(&err));

		buf_free(&out);
		buf_free(&err);
		return s;
	}
	buf_free(&err);
	return out.len ? buf_take(&out) : (buf_free(&out), xstrdup(""));
}

static char *render_opts(const char *text, struct tmpl_value *data,
			 enum tmpl_missingkey mk,
			 const struct tmpl_exec_opts *opts)
{
	return render_named("t", text, data, mk, opts);
}

static char *render(const char *text, struct tmpl_value *data)
{
	return render_opts(text, data, TMPL_MISSINGKEY_ZERO, NULL);
}

#define expect_render(text, data, want)                                        \
	do {                                                                   \
		char *got_ = render(text, data);                               \
		cr_expect_str_eq(got_, want, "template %s: got %s", text,      \
				 got_);                                        \
		free(got_);                                                    \
	} while (0)

/* ---------------------------------------------------- oracle-confirmed */

Test(tmpl_oracle, amtool_cases)
{
	struct tmpl_value *data = am_data();

	for (size_t i = 0; i < ARRAY_LEN(am_cases); i++) {
		const struct am_case *c = &am_cases[i];
		char *got =
		    render_named("", c->text, data, TMPL_MISSINGKEY_ZERO, NULL);

		if (c->out) {
			cr_expect_str_eq(got, c->out, "template %s: got %s",
					 c->text, got);
		} else {
			char *want = xasprintf("ERR: %s", c->err);

			cr_expect_str_eq(got, want, "template %s: got %s",
					 c->text, got);
			free(want);
		}
		free(got);
	}
	tmpl_unref(data);
}

Test(tmpl_oracle, promtool_annotations)
{
	for (size_t i = 0; i < ARRAY_LEN(prom_cases); i++) {
		const struct prom_case *c = &prom_cases[i];
		char *got = expand(c->text, strtod(c->value, NULL));

		cr_expect_str_eq(got, c->out, "template %s (value %s)", c->text,
				 c->value);
		free(got);
	}
}

Test(tmpl_oracle, promtool_check_rules)
{
	for (size_t i = 0; i < ARRAY_LEN(check_cases); i++) {
		const struct check_case *c = &check_cases[i];
		struct buf err = {0};
		int rc = tmpl_check_rule("A", c->text, &err);

		cr_expect_str_eq(rc ? buf_str(&err) : "ok", c->err,
				 "template %s", c->text);
		buf_free(&err);
	}
}

/* ---------------------------------------------------------------- lexer */

static void expect_tokens(const char *text, const enum tok_type *want, size_t n)
{
	struct toks t;

	tmpl_lex(text, strlen(text), &t);
	cr_assert_eq(t.n, n, "%s: %zu tokens, want %zu", text, t.n, n);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(t.v[i].type, want[i], "%s: token %zu", text, i);
	tmpl_toks_free(&t);
}

Test(tmpl_lex, actions_and_text)
{
	static const enum tok_type a[] = {
	    TK_TEXT,   TK_LDELIM, TK_VARIABLE, TK_FIELD, TK_SPACE,
	    TK_PIPE,   TK_SPACE,  TK_IDENT,    TK_SPACE, TK_STRING,
	    TK_RDELIM, TK_TEXT,	  TK_EOF,
	};
	static const enum tok_type b[] = {
	    TK_LDELIM, TK_IF,	  TK_SPACE, TK_LPAREN,	  TK_IDENT,
	    TK_SPACE,  TK_NUMBER, TK_SPACE, TK_CHARCONST, TK_RPAREN,
	    TK_RDELIM, TK_LDELIM, TK_END,   TK_RDELIM,	  TK_EOF,
	};
	static const enum tok_type c[] = {
	    TK_LDELIM,	TK_VARIABLE, TK_CHAR, TK_SPACE,	 TK_VARIABLE, TK_SPACE,
	    TK_DECLARE, TK_SPACE,    TK_DOT,  TK_RDELIM, TK_EOF,
	};
	static const enum tok_type d[] = {TK_TEXT, TK_EOF};
	static const enum tok_type e[] = {
	    TK_LDELIM, TK_BOOL,	  TK_SPACE, TK_NIL,	TK_SPACE,  TK_RAWSTRING,
	    TK_SPACE,  TK_NUMBER, TK_SPACE, TK_COMPLEX, TK_RDELIM, TK_EOF,
	};

	expect_tokens("a {{$labels.x | printf \"%s\"}} b", a, ARRAY_LEN(a));
	expect_tokens("{{if (eq 1 'x')}}{{end}}", b, ARRAY_LEN(b));
	expect_tokens("{{$i, $v := .}}", c, ARRAY_LEN(c));
	expect_tokens("no actions at all", d, ARRAY_LEN(d));
	expect_tokens("{{true nil `r` -1.5e3 1+2i}}", e, ARRAY_LEN(e));
}

Test(tmpl_lex, trim_markers_and_comments)
{
	struct toks t;

	tmpl_lex("a \n {{- 1 -}} \n b{{/* c */}}c", 29, &t);
	cr_assert_eq(t.v[0].type, TK_TEXT);
	cr_expect_eq(t.v[0].len, 1); /* "a": the spaces are trimmed */
	cr_expect_eq(t.v[2].type, TK_NUMBER);
	cr_expect_eq(t.v[4].type, TK_TEXT);
	cr_expect_eq(t.v[4].len, 1); /* "b" */
	cr_expect_eq(t.v[4].line, 3);
	cr_expect_eq(t.v[5].type, TK_TEXT); /* "c", after the comment */
	tmpl_toks_free(&t);
	/* "-3" without a space is a number, not a trim marker */
	tmpl_lex("{{-3}}", 6, &t);
	cr_expect_eq(t.v[1].type, TK_NUMBER);
	cr_expect_eq(t.v[1].len, 2);
	tmpl_toks_free(&t);
}

Test(tmpl_lex, errors)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"{{ 1", "unclosed action"},
	    {"{{ \"x", "unterminated quoted string"},
	    {"{{ `x", "unterminated raw quoted string"},
	    {"{{ 'x", "unterminated character constant"},
	    {"{{ .a# }}", "bad character U+0023 '#'"},
	    {"{{ ( }}", "unclosed left paren"},
	    {"{{ ) }}", "unexpected right paren U+0029 ')'"},
	    {"{{ 3x }}", "bad number syntax: \"3x\""},
	    {"{{ a : b }}", "expected :="},
	    {"{{/* x", "unclosed comment"},
	    {"{{/* x */ }}", "comment ends before closing delimiter"},
	    {"{{ \x01 }}", "unrecognized character in action: U+0001"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct toks t;

		tmpl_lex(cases[i].text, strlen(cases[i].text), &t);
		cr_assert_eq(t.v[t.n - 1].type, TK_ERROR, "%s", cases[i].text);
		cr_expect_str_eq(t.v[t.n - 1].val, cases[i].msg);
		tmpl_toks_free(&t);
	}
}

/* --------------------------------------------------------------- values */

Test(tmpl_value, constructors_types_truth)
{
	struct tmpl_value *v[] = {
	    tmpl_nil(),
	    tmpl_bool(0),
	    tmpl_bool(1),
	    tmpl_int(0),
	    tmpl_int(-3),
	    tmpl_float(0),
	    tmpl_float(NAN),
	    tmpl_string(""),
	    tmpl_stringn("a\0b", 3),
	    tmpl_list_new(NULL),
	    tmpl_map_new(TMPL_STRING),
	    tmpl_map_new(TMPL_NIL),
	    tmpl_typed_take(tmpl_string("x"), &tmpl_html_class),
	};
	static const char *const types[] = {
	    "<nil>",
	    "bool",
	    "bool",
	    "int",
	    "int",
	    "float64",
	    "float64",
	    "string",
	    "string",
	    "[]interface {}",
	    "map[string]string",
	    "map[string]interface {}",
	    "template.HTML",
	};
	static const int truth[] = {0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1};

	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		cr_expect_str_eq(tmpl_type_name(v[i]), types[i], "value %zu",
				 i);
		cr_expect_eq(tmpl_truth(v[i]), truth[i], "value %zu", i);
		tmpl_unref(v[i]);
	}
	tmpl_unref(NULL);
}

Test(tmpl_value, maps_stay_sorted_and_replace)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_NIL);
	struct buf b = {0};

	tmpl_map_set_take(m, "b", tmpl_int(2));
	tmpl_map_set_take(m, "c", tmpl_int(3));
	tmpl_map_set_take(m, "a", tmpl_int(1));
	tmpl_map_set_take(m, "b", tmpl_string("two"));
	tmpl_map_set_take(m, "z", tmpl_nil());
	cr_expect_eq(m->u.map.n, 4);
	cr_expect_str_eq(tmpl_map_get(m, "b")->u.str.s, "two");
	cr_expect_null(tmpl_map_get(m, "nope"));
	tmpl_print(&b, m);
	cr_expect_str_eq(buf_str(&b), "map[a:1 b:two c:3 z:<nil>]");
	buf_free(&b);
	tmpl_unref(m);
}

Test(tmpl_value, refcounts_share_values)
{
	struct tmpl_value *s = tmpl_string("shared");
	struct tmpl_value *l = tmpl_list_new(NULL), *t;

	tmpl_list_push_take(l, tmpl_ref(s));
	tmpl_list_push_take(l, tmpl_ref(s));
	cr_expect_eq(s->refs, 3);
	tmpl_unref(l);
	cr_expect_eq(s->refs, 1);
	/* typing a shared scalar copies it rather than changing the original */
	tmpl_ref(s);
	t = tmpl_typed_take(s, &tmpl_html_class);
	cr_expect_neq(t, s);
	cr_expect_null(s->cls);
	tmpl_unref(t);
	tmpl_unref(s);
}

Test(tmpl_value, labels_map)
{
	static const char *const p[] = {"job", "node", "instance", "h:1", NULL};
	struct labels *l = labels_of(p);
	struct tmpl_value *m = tmpl_map_labels(l), *e = tmpl_map_labels(NULL);
	struct buf b = {0};

	tmpl_print(&b, m);
	cr_expect_str_eq(buf_str(&b), "map[instance:h:1 job:node]");
	cr_expect_eq(e->u.map.n, 0);
	buf_free(&b);
	tmpl_unref(m);
	tmpl_unref(e);
	labels_free(l);
}

/* ------------------------------------------------------------- printing */

Test(tmpl_print, go_float_v)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
	    {1234567, "1.234567e+06"},
	    {0.5, "0.5"},
	    {1, "1"},
	    {1e21, "1e+21"},
	    {1e20, "1e+20"},
	    {100000, "100000"},
	    {0.0001, "0.0001"},
	    {0.00001, "1e-05"},
	    {0, "0"},
	    {-0.0, "-0"},
	    {0.1, "0.1"},
	    {1.0 / 3, "0.3333333333333333"},
	    {123456789, "1.23456789e+08"},
	    {-1.5, "-1.5"},
	    {5e-324, "5e-324"},
	    {1.7976931348623157e308, "1.7976931348623157e+308"},
	    {HUGE_VAL, "+Inf"},
	    {-HUGE_VAL, "-Inf"},
	    {NAN, "NaN"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct tmpl_value *v = tmpl_float(cases[i].v);
		struct buf b = {0};

		tmpl_print(&b, v);
		cr_expect_str_eq(buf_str(&b), cases[i].s, "%.17g", cases[i].v);
		buf_free(&b);
		tmpl_unref(v);
	}
}

Test(tmpl_print, containers_and_nil)
{
	struct tmpl_value *l = tmpl_list_new(NULL), *data;
	static const char *const names[] = {"L"};

	tmpl_list_push_take(l, tmpl_string("a"));
	tmpl_list_push_take(l, tmpl_float(1.5));
	tmpl_list_push_take(l, tmpl_nil());
	tmpl_list_push_take(l, tmpl_list_new(NULL));
	data = tmpl_object_new(NULL, names, &l, 1, NULL);
	expect_render("{{ .L }}|{{ print .L }}|{{ printf \"%d\" .L }}", data,
		      "[a 1.5 <nil> []]|[a 1.5 <nil> []]|"
		      "[%!d(string=a) %!d(float64=1.5) <nil> []]");
	expect_render("{{ .Nope }}", data,
		      "ERR: template: t:1:3: executing \"t\" at <.Nope>: "
		      "can't evaluate field Nope in type struct {}");
	expect_render("{{ index .L 2 }}|{{ print (index .L 2) }}", data,
		      "<no value>|<nil>");
	tmpl_unref(data);
}

Test(tmpl_print, time)
{
	static const struct {
		int64_t sec;
		int32_t nsec;
		const char *s;
	} cases[] = {
	    {0, 0, "1970-01-01 00:00:00 +0000 UTC"},
	    {1435065584, 128000000, "2015-06-23 13:19:44.128 +0000 UTC"},
	    {-1, 500000000, "1969-12-31 23:59:59.5 +0000 UTC"},
	    {951782400, 1, "2000-02-29 00:00:00.000000001 +0000 UTC"},
	    {-62135596800, 0, "0001-01-01 00:00:00 +0000 UTC"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct tmpl_value *t =
		    tmpl_time_new(cases[i].sec, cases[i].nsec);
		struct buf b = {0};

		tmpl_print(&b, t);
		cr_expect_str_eq(buf_str(&b), cases[i].s);
		buf_free(&b);
		tmpl_unref(t);
	}
}

Test(tmpl_print, parse_float_like_go)
{
	static const struct {
		const char *s;
		double v;
		int ok;
	} cases[] = {
	    {"1.5", 1.5, 1},	   {"1_000", 1000, 1},
	    {"+Inf", HUGE_VAL, 1}, {"-infinity", -HUGE_VAL, 1},
	    {"0x1p-2", 0.25, 1},   {"1e-400", 0, 1},
	    {".5", 0.5, 1},	   {"5.", 5, 1},
	    {"0x10", 0, 0},	   {" 1", 0, 0},
	    {"1e", 0, 0},	   {"_1", 0, 0},
	    {"1__0", 0, 0},	   {"+nan", 0, 0},
	    {"infin", 0, 0},	   {"", 0, 0},
	    {"1e400", 0, 0},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf err = {0};
		double v = 0;
		int rc =
		    tmpl_parse_float(cases[i].s, strlen(cases[i].s), &v, &err);

		cr_expect_eq(rc == 0, cases[i].ok, "%s", cases[i].s);
		if (cases[i].ok)
			cr_expect_eq(v, cases[i].v, "%s", cases[i].s);
		buf_free(&err);
	}
}

/* ---------------------------------------------------------------- sets */

Test(tmpl_set, define_block_and_redefinition)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = {0}, err = {0};
	const char *a = "{{define \"x\"}}one{{end}}main:{{template \"x\"}}";
	const char *b = "{{define \"x\"}}two{{end}}";
	const char *c = "{{define \"x\"}}  {{end}}";

	cr_assert_eq(tmpl_parse(set, "a", a, strlen(a), &err), 0);
	cr_assert_eq(tmpl_exec(set, "a", NULL, NULL, &out, &err), 0);
	cr_expect_str_eq(buf_str(&out), "main:one");
	/* a later definition replaces, an empty one never does */
	cr_assert_eq(tmpl_parse(set, "b", b, strlen(b), &err), 0);
	cr_assert_eq(tmpl_parse(set, "c", c, strlen(c), &err), 0);
	buf_reset(&out);
	cr_assert_eq(tmpl_exec(set, "a", NULL, NULL, &out, &err), 0);
	cr_expect_str_eq(buf_str(&out), "main:two");
	cr_expect(tmpl_defined(set, "x"));
	cr_expect(!tmpl_defined(set, "y"));
	/* a failed parse leaves the set as it was */
	cr_expect_eq(
	    tmpl_parse(set, "d", "{{define \"x\"}}three{{end}}{{", 28, &err),
	    -1);
	buf_reset(&out);
	cr_assert_eq(tmpl_exec(set, "x", NULL, NULL, &out, &err), 0);
	cr_expect_str_eq(buf_str(&out), "two");
	buf_reset(&err);
	cr_expect_eq(tmpl_exec(set, "nope", NULL, NULL, &out, &err), -1);
	cr_expect_str_eq(buf_str(&err), "template: no template \"nope\" "
					"associated with template \"a\"");
	tmpl_set_free(set);
	buf_free(&out);
	buf_free(&err);
}

Test(tmpl_set, parse_errors_name_lines)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
	    {"{{define \"x\"}}a{{end}}{{define \"x\"}}b{{end}}",
	     "template: t:1: template: multiple definition of template "
	     "\"x\""},
	    {"a\nb\n{{ if }}", "template: t:3: missing value for if"},
	    {"{{ if 1 }}\n\n", "template: t:3: unexpected EOF"},
	    {"{{ 1 }}\n{{ \"x\n", "template: t:2: unterminated quoted "
				  "string"},
	    {"{{ print\n1\n", "template: t:3: unclosed action started at "
			      "t:1"},
	    {"{{ $x := 1 }}{{ define \"d\" }}{{ $x }}{{ end }}",
	     "template: t:1: undefined variable \"$x\""},
	    {"{{ 1i }}", "template: t:1: complex constants are not "
			 "supported: 1i"},
	    {"{{ 0x1fffffffffffffffff }}",
	     "template: t:1: illegal number syntax: "
	     "\"0x1fffffffffffffffff\""},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = render(cases[i].text, NULL);
		char *want = xasprintf("ERR: %s", cases[i].err);

		cr_expect_str_eq(got, want, "%s", cases[i].text);
		free(got);
		free(want);
	}
}

/* ------------------------------------------------------------ semantics */

Test(tmpl_exec, missingkey_modes)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_NIL),
			  *s = tmpl_map_new(TMPL_STRING), *data;
	static const char *const names[] = {"I", "S"};
	struct tmpl_value *f[2];
	char *got;

	tmpl_map_set_take(m, "a", tmpl_int(1));
	tmpl_map_set_take(s, "a", tmpl_string("x"));
	f[0] = m;
	f[1] = s;
	data = tmpl_object_new(NULL, names, f, 2, NULL);
	got = render_opts("{{.I.b}}|{{.S.b}}|{{index .I \"b\"}}|"
			  "{{index .S \"b\"}}",
			  data, TMPL_MISSINGKEY_DEFAULT, NULL);
	cr_expect_str_eq(got, "<no value>|<no value>|<no value>|");
	free(got);
	got = render_opts("{{.I.b}}|{{.S.b}}|{{.I.b.c}}", data,
			  TMPL_MISSINGKEY_DEFAULT, NULL);
	cr_expect_str_eq(got, "<no value>|<no value>|<no value>");
	free(got);
	got =
	    render_opts("{{.I.b}}|{{.S.b}}", data, TMPL_MISSINGKEY_ZERO, NULL);
	cr_expect_str_eq(got, "<no value>|");
	free(got);
	got = render_opts("{{.I.b.c}}", data, TMPL_MISSINGKEY_ZERO, NULL);
	cr_expect_str_eq(got,
			 "ERR: template: t:1:4: executing \"t\" at "
			 "<.I.b.c>: nil pointer evaluating interface {}.c");
	free(got);
	got = render_opts("{{.S.b}}", data, TMPL_MISSINGKEY_ERROR, NULL);
	cr_expect_str_eq(got, "ERR: template: t:1:4: executing \"t\" at "
			      "<.S.b>: map has no entry for key \"b\"");
	free(got);
	tmpl_unref(data);
}

Test(tmpl_exec, range_break_continue_else)
{
	struct tmpl_value *l = tmpl_list_new(NULL), *data;
	static const char *const names[] = {"L", "E"};
	struct tmpl_value *f[2];

	for (int i = 0; i < 5; i++)
		tmpl_list_push_take(l, tmpl_int(i * 10));
	f[0] = l;
	f[1] = tmpl_list_new(NULL);
	data = tmpl_object_new(NULL, names, f, 2, NULL);
	expect_render("{{range $i, $v := .L}}{{if eq $i 1}}{{continue}}{{end}}"
		      "{{if gt $i 3}}{{break}}{{end}}{{$i}}:{{$v}} {{end}}",
		      data, "0:0 2:20 3:30 ");
	expect_render("{{range .E}}x{{else}}empty{{end}}|{{range .L}}{{.}}"
		      "{{break}}{{else}}no{{end}}",
		      data, "empty|0");
	expect_render("{{range $x := .L}}{{$x}}{{end}}", data, "010203040");
	expect_render("{{$v := 0}}{{range .L}}{{$v = .}}{{end}}{{$v}}", data,
		      "40");
	tmpl_unref(data);
}

Test(tmpl_exec, else_with_go_1_23)
{
	/* Go 1.23 syntax; Go 1.19 (Prometheus 2.42) rejects it. */
	expect_render("{{with 0}}a{{else with 2}}b{{.}}{{else}}c{{end}}", NULL,
		      "b2");
	expect_render("{{with 0}}a{{else with \"\"}}b{{else}}c{{end}}", NULL,
		      "c");
}

Test(tmpl_exec, variables_scope)
{
	expect_render("{{$x := 1}}{{with 2}}{{$x := .}}{{$x}}{{end}}{{$x}}",
		      NULL, "21");
	expect_render("{{define \"u\"}}{{$}}{{end}}{{template \"u\" 7}}{{$}}",
		      NULL, "7<no value>");
	expect_render("{{$x := (print 1 | printf \"%s%s\" \"a\")}}{{$x}}", NULL,
		      "a1");
}

/* ------------------------------------------------------------ functions */

static int fn_concat(struct tmpl_call *c, struct tmpl_value *const *a, size_t n,
		     struct tmpl_value **out)
{
	struct buf b = {0};

	(void)c;
	for (size_t i = 0; i < n; i++)
		buf_add(&b, a[i]->u.str.s, a[i]->u.str.len);
	*out = tmpl_stringn(buf_str(&b), b.len);
	buf_free(&b);
	return 0;
}

static int fn_fail(struct tmpl_call *c, struct tmpl_value *const *a, size_t n,
		   struct tmpl_value **out)
{
	(void)a, (void)n, (void)out;
	buf_puts(c->err, "no luck");
	return -1;
}

static int fn_ctx(struct tmpl_call *c, struct tmpl_value *const *a, size_t n,
		  struct tmpl_value **out)
{
	(void)a, (void)n;
	*out = tmpl_string(c->ctx);
	return 0;
}

static int fn_add(struct tmpl_call *c, struct tmpl_value *const *a, size_t n,
		  struct tmpl_value **out)
{
	(void)c, (void)n;
	*out = tmpl_int(a[0]->u.i + (int64_t)a[1]->u.f);
	return 0;
}

static const struct tmpl_func test_funcs[] = {
    {"concat", fn_concat, "ss*", NULL}, {"fail", fn_fail, "", NULL},
    {"ctx", fn_ctx, "", NULL},		{"add", fn_add, "if", NULL},
    {"len", fn_ctx, "", NULL}, /* overrides the builtin */
    {NULL, NULL, NULL, NULL},
};

static char *render_funcs(const char *text)
{
	struct tmpl_set *set = tmpl_set_new();
	struct tmpl_exec_opts opts = {.ctx = "context!"};
	struct buf out = {0}, err = {0};
	int rc;

	tmpl_set_funcs(set, test_funcs);
	rc = tmpl_parse(set, "f", text, strlen(text), &err);
	if (rc == 0)
		rc = tmpl_exec(set, "f", NULL, &opts, &out, &err);
	tmpl_set_free(set);
	buf_puts(rc ? &err : &out, "");
	buf_free(rc ? &out : &err);
	return buf_take(rc ? &err : &out);
}

Test(tmpl_funcs, table_signatures_and_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"{{concat \"a\" \"b\" \"c\"}}|{{\"x\" | concat \"w\"}}", "abc|wx"},
	    {"{{ctx}}|{{len}}|{{add 1 2.9}}|{{add 1.0 2}}", "context!|"
							    "context!|3|3"},
	    {"{{concat}}",
	     "template: f:1:2: executing \"f\" at <concat>: "
	     "wrong number of args for concat: want at least 1 got 0"},
	    {"{{add 1}}", "template: f:1:2: executing \"f\" at <add>: "
			  "wrong number of args for add: want 2 got 1"},
	    {"{{concat 1}}", "template: f:1:9: executing \"f\" at <1>: "
			     "expected string; found 1"},
	    {"{{add 1.5 2}}", "template: f:1:6: executing \"f\" at <1.5>: "
			      "expected integer; found 1.5"},
	    {"{{add 1 true}}", "template: f:1:8: executing \"f\" at <true>: "
			       "expected float; found true"},
	    {"{{1 | concat}}",
	     "template: f:1:6: executing \"f\" at "
	     "<concat>: wrong type for value; expected string; got int"},
	    /* with arguments, Go points at the last one evaluated */
	    {"{{1 | concat \"a\"}}",
	     "template: f:1:13: executing \"f\" at "
	     "<\"a\">: wrong type for value; expected string; got int"},
	    {"{{concat nil}}", "template: f:1:9: executing \"f\" at <nil>: "
			       "cannot assign nil to string"},
	    {"{{fail}}", "template: f:1:2: executing \"f\" at <fail>: error "
			 "calling fail: no luck"},
	    {"{{nope}}", "template: f:1: function \"nope\" not defined"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = render_funcs(cases[i].text);

		cr_expect_str_eq(got, cases[i].want, "%s: got %s",
				 cases[i].text, got);
		free(got);
	}
}

Test(tmpl_funcs, methods_on_classes)
{
	struct tmpl_value *t = tmpl_time_new(1435065584, 128000000);
	static const char *const names[] = {"T"};
	struct tmpl_value *data = tmpl_object_new(NULL, names, &t, 1, NULL);

	expect_render("{{.T}}|{{.T.Unix}}|{{.T.UnixMilli}}|{{.T.UTC}}|"
		      "{{printf \"%T %T\" .T .T.Unix}}",
		      data,
		      "2015-06-23 13:19:44.128 +0000 UTC|1435065584|"
		      "1435065584128|2015-06-23 13:19:44.128 +0000 UTC|"
		      "*time.Time int64");
	expect_render("{{.T.Unix 1}}", data,
		      "ERR: template: t:1:4: executing \"t\" at <.T.Unix>: "
		      "wrong number of args for Unix: want 0 got 1");
	expect_render("{{.T.Nope}}", data,
		      "ERR: template: t:1:4: executing \"t\" at <.T.Nope>: "
		      "can't evaluate field Nope in type *time.Time");
	tmpl_unref(data);
}

/* --------------------------------------------------------------- limits */

Test(tmpl_limits, output_depth_steps_nesting)
{
	struct tmpl_exec_opts small = {.max_output = 10};
	struct tmpl_exec_opts few = {.max_steps = 1000};
	struct buf deep = {0};
	char *got;

	got =
	    render_opts("0123456789{{1}}", NULL, TMPL_MISSINGKEY_ZERO, &small);
	cr_expect_str_eq(got, "ERR: template: t:1:12: executing \"t\" at "
			      "<{{1}}>: template output exceeds 10 bytes");
	free(got);
	got = render_opts("{{printf \"%50d\" 1}}", NULL, TMPL_MISSINGKEY_ZERO,
			  &small);
	cr_expect_str_eq(got,
			 "ERR: template: t:1:2: executing \"t\" at "
			 "<printf \"%50d\" 1>: error calling printf: result "
			 "exceeds 10 bytes");
	free(got);
	got = render("{{define \"r\"}}{{template \"r\" .}}{{end}}"
		     "{{template \"r\" 1}}",
		     NULL);
	cr_expect_str_eq(got,
			 "ERR: template: t:1:25: executing \"r\" at "
			 "<{{template \"r\" .}}>: exceeded maximum template "
			 "depth (100)");
	free(got);
	/* 10^4 iterations stop at the step budget */
	got =
	    render_opts("{{range args 0 1 2 3 4 5 6 7 8 9}}{{range args 0 1 2 "
			"3 4 5 6 7 8 9}}{{range args 0 1 2 3 4 5 6 7 8 9}}"
			"{{range args 0 1 2 3 4 5 6 7 8 9}}{{.}}{{end}}{{end}}"
			"{{end}}{{end}}",
			NULL, TMPL_MISSINGKEY_ZERO, &few);
	cr_expect(strstr(got, "template execution exceeds 1000 steps"), "%s",
		  got);
	free(got);
	/* a string doubling in a loop hits the size limit */
	got = render("{{$s := \"ab\"}}{{range $i, $_ := slice \"xxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxx\" 0}}{{end}}{{range $k, $v := "
		     "args 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
		     "21 22 23 24 25}}{{$s = printf \"%s%s\" $s $s}}{{end}}",
		     NULL);
	cr_expect(strstr(got, "range can't iterate over") ||
		      strstr(got, "exceeds"),
		  "%s", got);
	free(got);
	for (int i = 0; i < 150; i++)
		buf_puts(&deep, "(");
	buf_puts(&deep, "1");
	for (int i = 0; i < 150; i++)
		buf_puts(&deep, ")");
	{
		char *text = xasprintf("{{%s}}", buf_str(&deep));

		got = render(text, NULL);
		cr_expect_str_eq(got,
				 "ERR: template: t:1: max expression depth "
				 "exceeded");
		free(got);
		free(text);
	}
	buf_free(&deep);
}

/* ------------------------------------------------------ Prometheus rules */

Test(tmpl_prom, scenario_19)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"{{ $value }}", "1.234567e+06"},
	    {"{{ $value | humanize }}", "1.235M"},
	    {"{{ humanize1024 1048576 }}", "1Mi"},
	    {"{{ 0.1234567 | humanizePercentage }}", "12.35%"},
	    {"{{ 3600 | humanizeDuration }}", "1h 0m 0s"},
	    {"{{ query \"absent_metric\" | first | value }}",
	     "<error expanding template: error executing template "
	     "__alert_A: template: __alert_A:1:139: executing \"__alert_A\" "
	     "at <first>: error calling first: first() called on vector "
	     "with no elements>"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = expand(cases[i].text, 1234567);

		cr_expect_str_eq(got, cases[i].want, "%s", cases[i].text);
		free(got);
	}
}

Test(tmpl_prom, queries)
{
	char *got = expand("{{ range query \"three\" | sortByLabel \"k\" }}"
			   "{{ .Labels.n }}{{ end }}|{{ query \"three\" | first"
			   " | label \"k\" }}|{{ range query \"three\" }}"
			   "{{ value . }}{{ end }}|{{ len (query \"up\") }}",
			   1);

	cr_expect_str_eq(got, "213|b|012|1"); /* stable sort */
	free(got);
	got = expand("{{ query \"fail\" }}", 1);
	cr_expect_str_eq(got,
			 "<error expanding template: error executing "
			 "template __alert_A: template: __alert_A:1:115: "
			 "executing \"__alert_A\" at <query \"fail\">: error "
			 "calling query: query timed out>");
	free(got);
	got = expand("{{ label \"x\" nil }}", 1);
	cr_expect(strstr(got, "error calling label: runtime error: invalid "
			      "memory address or nil pointer dereference"),
		  "%s", got);
	free(got);
	got = expand("{{ pathPrefix }}|{{ externalURL }}", 1);
	cr_expect_str_eq(got, "/prefix|http://ext:9090/prefix");
	free(got);
}

Test(tmpl_prom, expand_errors_and_check)
{
	struct buf err = {0};
	char *got = expand("{{ $label.instance }}", 1);

	cr_expect_str_eq(got,
			 "<error expanding template: error parsing "
			 "template __alert_A: template: __alert_A:1: undefined "
			 "variable \"$label\">");
	free(got);
	cr_expect_eq(tmpl_check_rule("X", "{{ $labels.instance }}", &err), 0);
	cr_expect_eq(tmpl_check_rule("X", "{{ humanise 1 }}", &err), -1);
	cr_expect_str_eq(buf_str(&err), "template: __alert_X:1: function "
					"\"humanise\" not defined");
	buf_free(&err);
}

Test(tmpl_prom, regexps)
{
	expect_render(
	    "{{ reReplaceAll \"(a)(b)?\" \"[$1|$2|${1}x|$1x|$$|$}|$\" "
	    "\"abaca\" }}",
	    NULL, "[a|b|ax||$|$}|$[a||ax||$|$}|$c[a||ax||$|$}|$");
	expect_render(
	    "{{ reReplaceAll \"a*\" \"-\" \"baaac\" }}|{{ reReplaceAll"
	    " \"\" \"-\" \"héllo\" }}",
	    NULL, "-b-c-|-h-é-l-l-o-");
	expect_render("{{ match \"^a.c$\" \"abc\\n\" }}|{{ match \"^a.c\" "
		      "\"xabc\" }}|{{ match \"(?i)é\" \"É\" }}",
		      NULL, "false|false|true");
	/* Deviation: RE2 has no backtracking, Go would print the text. */
#define EVIL "\"(a+)+$\" \"x\" \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\""
	expect_render(
	    "{{ reReplaceAll " EVIL " }}", NULL,
	    "ERR: template: t:1:3: executing \"t\" at <reReplaceAll " EVIL
	    ">: error calling reReplaceAll: regexp: match limit "
	    "exceeded");
#undef EVIL
}

/* Functions Prometheus added after 2.42 (ruler.md §3 table): the outputs the
 * reference gives; promtool 2.42 cannot check them. */
Test(tmpl_prom, to_duration_now_url_query_escape)
{
	static const struct tmpl_rule_env at = {NULL, NULL, NULL, 1700000000.5};
	struct tmpl_rule_data d = {NULL, NULL, "", 0};
	char *out;

	d.labels = labels_empty();
	d.external_labels = labels_empty();
	tmpl_expand_rule("A", "{{ 1800 | toDuration }}", &d, &at, &out);
	cr_assert_str_eq(out, "30m0s");
	free(out);
	tmpl_expand_rule("A", "{{ 90061.5 | toDuration }}", &d, &at, &out);
	cr_assert_str_eq(out, "25h1m1.5s");
	free(out);
	tmpl_expand_rule("A", "{{ now }}", &d, &at, &out);
	cr_assert_str_eq(out, "1.7000000005e+09", "the evaluation time, not the clock");
	free(out);
	tmpl_expand_rule("A", "{{ urlQueryEscape \"a b&c=d/é\" }}", &d, &at, &out);
	cr_assert_str_eq(out, "a+b%26c%3Dd%2F%C3%A9");
	free(out);
	labels_free((struct labels *)d.labels);
	labels_free((struct labels *)d.external_labels);
}
