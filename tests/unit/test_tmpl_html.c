/*
 * test_tmpl_html.c - HTML output (Go's html/template, tmpl_exec_html):
 * every case of tests/tmpl-oracle/html.txt against what amtool 0.25
 * printed for it (tmpl_html_oracle.h), then each context and escaper by
 * name - the expected strings there were also printed by
 *   amtool template render --template.type=html --template.text=...
 * with amtool's sample data - and last what only Tocsin does (limits,
 * the JS objects it refuses, the engine's hooks).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "tmpl_html_int.h"

struct html_case {
	const char *text, *out, *err;
};

#include "tmpl_html_oracle.h"

/* ------------------------------------------------------------ fixtures */

/* Renders text as amtool does: Alertmanager's functions, missingkey=zero,
 * amtool's sample data; returns the output or "ERR: message". */
static char *render_opts(const char *text, const struct tmpl_exec_opts *opts)
{
	struct buf out = {0}, err = {0};
	struct tmpl_set *set = tmpl_am_set_new(NULL, NULL, 0, &err);
	struct tmpl_value *data = tmpl_am_data_example();
	char *s;
	int rc;

	cr_assert(set, "set: %s", buf_str(&err));
	rc = tmpl_parse(set, "", text, strlen(text), &err);
	cr_assert(rc == 0, "parse %s: %s", text, buf_str(&err));
	rc = tmpl_exec_html(set, "", data, opts, &out, &err);
	s = rc == 0 ? xstrdup(buf_str(&out))
		    : xasprintf("ERR: %s", buf_str(&err));
	tmpl_unref(data);
	tmpl_set_free(set);
	buf_free(&out);
	buf_free(&err);
	return s;
}

static char *render(const char *text)
{
	return render_opts(text, NULL);
}

#define expect_html(text, want)                                                \
	do {                                                                   \
		char *got_ = render(text);                                     \
		cr_expect_str_eq(got_, want, "template %s: got %s", text,      \
				 got_);                                        \
		free(got_);                                                    \
	} while (0)

/* ---------------------------------------------------- oracle-confirmed */

Test(tmpl_html_oracle, amtool_cases)
{
	cr_assert(ARRAY_LEN(html_cases) > 50);
	for (size_t i = 0; i < ARRAY_LEN(html_cases); i++) {
		const struct html_case *c = &html_cases[i];
		char *got = render(c->text);
		char *want =
		    c->out ? xstrdup(c->out) : xasprintf("ERR: %s", c->err);

		cr_expect_str_eq(got, want, "template %s: got %s", c->text,
				 got);
		free(want);
		free(got);
	}
}

/* ------------------------------------------- contexts, as amtool prints */

Test(tmpl_html, text_escaper)
{
	/* htmlEscaper: Go's entities, NUL as U+FFFD */
	expect_html("{{ \"<b>\\\"'&+\\x00\" }}",
		    "&lt;b&gt;&#34;&#39;&amp;&#43;\xef\xbf\xbd");
	expect_html("{{ .Receiver }} at {{ .ExternalURL }}",
		    "receiver at https://example.com");
	/* a missing label prints nothing (nil is skipped, not <no value>) */
	expect_html("[{{ .CommonLabels.nope }}]", "[]");
}

Test(tmpl_html, template_text_is_rewritten)
{
	/* comments go, a '<' that opens no tag is escaped, doctypes stay */
	expect_html("<!-- c --> a < b <!DOCTYPE x> <title>{{ \"<t>\" }} "
		    "{{ safeHtml \"<x>\" }}</title><textarea>{{ \"&\" }}"
		    "</textarea>",
		    " a &lt; b <!DOCTYPE x> <title>&lt;t&gt; &lt;x&gt;</title>"
		    "<textarea>&amp;</textarea>");
	expect_html("<!-- {{ \"hidden\" }} -->shown", "shown");
}

Test(tmpl_html, safe_html_bypass)
{
	/* text: as is; attribute: tags stripped, no double &amp;; RCDATA:
	 * < and > escaped, & kept */
	expect_html(
	    "<p>{{ safeHtml \"<b>bold</b> &amp; co\" }}</p>"
	    "<p title=\"{{ safeHtml \"<b>bold</b> &amp; \\\"co\\\"\" }}\">"
	    "</p><title>{{ safeHtml \"<b>&amp;\" }}</title>",
	    "<p><b>bold</b> &amp; co</p><p title=\"bold &amp; "
	    "&#34;co&#34;\"></p><title>&lt;b&gt;&amp;</title>");
}

Test(tmpl_html, attribute_values)
{
	/* quoted: attrEscaper; unquoted: htmlNospaceEscaper */
	expect_html("<p title=\"{{ \"a\\\"b <c> & d'e +f\" }}\" "
		    "class='{{ \"x'y\" }}' id={{ \"a b=c`d\" }}>",
		    "<p title=\"a&#34;b &lt;c&gt; &amp; d&#39;e &#43;f\" "
		    "class='x&#39;y' id=a&#32;b&#61;c&#96;d>");
}

Test(tmpl_html, url_attributes)
{
	expect_html(
	    "<a href=\"{{ \"https://example.com/a b/\xc3\xbc?q=<x>&r=1\" }}\">|"
	    "<a href=\"{{ \"javascript:alert(1)\" }}\">|"
	    "<a href=\"{{ \"JavaScript:x\" }}\">|"
	    "<a href=\"/search?q={{ \"a b&c=d#e\" }}\">|"
	    "<a href=\"{{ \"mailto:x@y\" }}\">|"
	    "<a href=\"{{ \"data:text/html,x\" }}\">",
	    "<a href=\"https://example.com/a%20b/%c3%bc?q=%3cx%3e&amp;r=1\">|"
	    "<a href=\"#ZgotmplZ\">|<a href=\"#ZgotmplZ\">|"
	    "<a href=\"/search?q=a%20b%26c%3dd%23e\">|"
	    "<a href=\"mailto:x@y\">|<a href=\"#ZgotmplZ\">");
	/* the brief's example */
	expect_html(
	    "<a href=\"{{ \"http://x/?a=b&c=<d>\" }}\">{{ \"<b>\" }}</a>",
	    "<a href=\"http://x/?a=b&amp;c=%3cd%3e\">&lt;b&gt;</a>");
	/* Alertmanager's __alertmanagerURL in an href */
	expect_html(
	    "<a href=\"{{ .ExternalURL }}/#/alerts?receiver="
	    "{{ .Receiver | urlquery }}\">",
	    "<a href=\"https://example.com/#/alerts?receiver=receiver\">");
}

Test(tmpl_html, srcset)
{
	expect_html("<img srcset=\"{{ \"a b.png 1x, javascript:x 2x\" }}\">",
		    "<img srcset=\"#ZgotmplZ,#ZgotmplZ\">");
}

Test(tmpl_html, css)
{
	expect_html("<p style=\"color: {{ \"red\" }}; width: "
		    "{{ \"expression(alert(1))\" }}; font: {{ \"a;b\" }}\">|"
		    "<p style=\"font-family: &quot;{{ \"a\\\"b\" }}&quot;\">",
		    "<p style=\"color: red; width: ZgotmplZ; font: ZgotmplZ\">|"
		    "<p style=\"font-family: &quot;a\\22 b&quot;\">");
}

Test(tmpl_html, javascript)
{
	expect_html(
	    "<script>var s = {{ \"a\\\"</script>\" }}, n = {{ 1.5 }}, "
	    "b = {{ true }}, m = {{ .CommonLabels }}, q = \"{{ \"x\\\"y\" "
	    "}}\", "
	    "r = /{{ \"a.b\" }}/;</script>",
	    "<script>var s = \"a\\\"\\u003c/script\\u003e\", n =  1.5 , "
	    "b =  true , m = {\"commonlabelkey1\":\"commonlabelvalue1\","
	    "\"commonlabelkey2\":\"commonlabelvalue2\"}, q = \"x\\u0022y\", "
	    "r = /a\\.b/;</script>");
}

Test(tmpl_html, attribute_names)
{
	expect_html("<a {{ \"title\" }}=\"x\" {{ \"onclick\" }}=\"y\" "
		    "{{ \"a b\" }}=\"z\">",
		    "<a title=\"x\" ZgotmplZ=\"y\" ZgotmplZ=\"z\">");
}

Test(tmpl_html, predefined_escapers_merge)
{
	/* a pipeline ending in html/urlquery is not escaped twice */
	expect_html(
	    "{{ \"<b>\" | html }}|<a href=\"{{ \"a b\" | urlquery }}\">|"
	    "<a href=\"?x={{ \"a b\" | urlquery }}\">",
	    "&lt;b&gt;|<a href=\"a&#43;b\">|<a href=\"?x=a&#43;b\">");
}

Test(tmpl_html, nested_templates)
{
	/* one template called from text, an attribute and a URL: escaped
	 * for each */
	expect_html(
	    "{{ define \"t\" }}<i>{{ . }}</i>{{ end }}"
	    "{{ template \"t\" \"<x>\" }}<a title=\"{{ template \"t\" "
	    "\"<y>\" }}\" href=\"{{ template \"t\" \"javascript:z\" }}\">",
	    "<i>&lt;x&gt;</i><a title=\"<i>&lt;y&gt;</i>\" "
	    "href=\"<i>javascript:z</i>\">");
	expect_html("{{ range .Alerts }}<a href=\"{{ .GeneratorURL }}\">"
		    "{{ .Status }}</a>{{ end }}",
		    "<a href=\"https://generatorurl.com\">alertstatus</a>"
		    "<a href=\"https://generatorurl.com\">alertstatus</a>");
}

Test(tmpl_html, go_errors)
{
	expect_html("<a href=\"{{ \"x\" }}",
		    "ERR: html/template: ends in a non-text context: {stateURL "
		    "delimDoubleQuote urlPartNone jsCtxRegexp attrURL "
		    "elementNone <nil>}");
	expect_html("{{ if .Status }}<a href=\"{{ end }}",
		    "ERR: html/template::1:6: {{if}} branches end in different "
		    "contexts: {stateURL delimDoubleQuote urlPartNone "
		    "jsCtxRegexp attrURL elementNone <nil>}, {stateText "
		    "delimNone urlPartNone jsCtxRegexp attrNone elementNone "
		    "<nil>}");
	expect_html("<script>var a = `{{ \"x\" }}`;</script>",
		    "ERR: html/template::1:20: {{\"x\"}} appears in a JS "
		    "template literal");
	expect_html("{{ \"x\" | html | printf \"%s\" }}",
		    "ERR: html/template::1:3: predefined escaper \"html\" "
		    "disallowed in template");
	/* found before running, even in a branch never taken */
	expect_html("{{ if false }}{{ template \"missing\" }}{{ end }}",
		    "ERR: html/template::1:26: no such template \"missing\"");
}

/* --------------------------------------------------------- Tocsin only */

Test(tmpl_html, named_template_errors)
{
	struct buf out = {0}, err = {0};
	struct tmpl_set *set = tmpl_set_new();
	const char *text = "{{ define \"x\" }}<a href=\"{{ end }}";

	cr_assert(tmpl_parse(set, "f.tmpl", text, strlen(text), &err) == 0);
	buf_puts(&out, "kept");
	cr_expect(tmpl_exec_html(set, "x", NULL, NULL, &out, &err) < 0);
	cr_expect_str_eq(
	    buf_str(&err),
	    "html/template:x: ends in a non-text context: {stateURL "
	    "delimDoubleQuote urlPartNone jsCtxRegexp attrURL "
	    "elementNone <nil>}");
	cr_expect_str_eq(buf_str(&out), "kept", "nothing written on error");
	buf_reset(&err);
	cr_expect(tmpl_exec_html(set, "nope", NULL, NULL, &out, &err) < 0);
	cr_expect_str_eq(buf_str(&err), "html/template: \"nope\" is undefined");
	tmpl_set_free(set);
	buf_free(&out);
	buf_free(&err);
}

Test(tmpl_html, js_objects_refused)
{
	/* Go writes any struct as JSON by its json tags; Tocsin knows those
	 * of Alertmanager's types (html.txt has them) and refuses others */
	static const struct tmpl_class thing_class = {.type = "main.thing"};
	static const char *const names[] = {"A"};
	struct tmpl_value *one = tmpl_int(1);
	struct tmpl_value *thing =
	    tmpl_object_new(&thing_class, names, &one, 1, NULL);
	struct buf out = {0}, err = {0};
	struct tmpl_set *set = tmpl_set_new();
	const char *text = "<script>var a = {{ . }};</script>";

	cr_assert(tmpl_parse(set, "t", text, strlen(text), &err) == 0);
	cr_expect(tmpl_exec_html(set, "t", thing, NULL, &out, &err) < 0);
	cr_expect_str_eq(buf_str(&err),
			 "template: t:1:19: executing \"t\" at <{{.}}>: cannot "
			 "write a value of type main.thing in a script context "
			 "(Tocsin writes strings, numbers, booleans, lists, "
			 "maps, times and Alertmanager's data there)");
	tmpl_unref(thing);
	tmpl_set_free(set);
	buf_free(&out);
	buf_free(&err);
}

Test(tmpl_html, output_limit)
{
	struct tmpl_exec_opts opts = {.max_output = 20};
	char *got =
	    render_opts("{{ range .Alerts }}{{ \"<<<<<<\" }}{{ end }}", &opts);

	cr_expect(strstr(got, "template output exceeds 20 bytes") != NULL,
		  "got %s", got);
	free(got);
}

Test(tmpl_html, contexts_machine)
{
	struct html_errs errs = {0};
	struct hctx c = {0};
	struct buf out = {0};
	const char *t = "<a href='x?";

	html_escape_text(&errs, &c, t, strlen(t), &out);
	cr_expect_eq(c.state, HS_URL);
	cr_expect_eq(c.delim, HD_SQ);
	cr_expect_eq(c.url, HU_QUERY_OR_FRAG);
	cr_expect_str_eq(buf_str(&out), t);
	buf_reset(&out);
	t = "'><script>var x = 1 /* c\n */ ";
	html_escape_text(&errs, &c, t, strlen(t), &out);
	cr_expect_eq(c.state, HS_JS);
	cr_expect_eq(c.elem, HEL_SCRIPT);
	cr_expect_str_eq(buf_str(&out), "'><script>var x = 1 \n ");
	cr_expect_eq(html_attr_type("data-href", 9), HC_URL);
	cr_expect_eq(html_attr_type("onload", 6), HC_JS);
	cr_expect_eq(html_attr_type("xmlns:x", 7), HC_URL);
	cr_expect_eq(html_attr_type("title", 5), HC_PLAIN);
	buf_free(&out);
	html_errs_free(&errs);
}

Test(tmpl_html, text_mode_untouched)
{
	/* the same set executed as text/template escapes nothing */
	struct buf out = {0}, err = {0};
	struct tmpl_set *set = tmpl_set_new();
	const char *text = "<a href=\"{{ . }}\">{{ . }}</a><!-- c -->";
	struct tmpl_value *v = tmpl_string("javascript:<x>");

	cr_assert(tmpl_parse(set, "t", text, strlen(text), &err) == 0);
	cr_assert(tmpl_exec(set, "t", v, NULL, &out, &err) == 0);
	cr_expect_str_eq(buf_str(&out), "<a href=\"javascript:<x>\">"
					"javascript:<x></a><!-- c -->");
	buf_reset(&out);
	cr_assert(tmpl_exec_html(set, "t", v, NULL, &out, &err) == 0);
	cr_expect_str_eq(buf_str(&out),
			 "<a href=\"#ZgotmplZ\">javascript:&lt;x&gt;</a>");
	tmpl_unref(v);
	tmpl_set_free(set);
	buf_free(&out);
	buf_free(&err);
}
