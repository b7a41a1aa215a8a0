/*
 * fuzz_template_html.c - libFuzzer target for HTML output (html/template):
 * parses the input as a template set with Alertmanager's functions and
 * runs its templates with tmpl_exec_html() over amtool's example data,
 * under small limits; then feeds the raw input to the context machine
 * (from every starting state) and to each escaper.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_html_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as template text, in a set of its own. */
static void run_templates(const char *text, size_t size)
{
	static const char *const names[] = {"f", "a", "b", "x",
					    "email.default.html"};
	struct tmpl_exec_opts opts = {
	    .max_output = 1 << 16, .max_depth = 20, .max_steps = 20000};
	struct buf out = {0}, err = {0};
	struct tmpl_set *set = tmpl_set_new();
	struct tmpl_value *dot = tmpl_am_data_example();

	tmpl_set_funcs(set, tmpl_am_funcs);
	tmpl_set_missingkey(set, TMPL_MISSINGKEY_ZERO);
	if (tmpl_parse(set, "f", text, size, &err) == 0) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			buf_reset(&out);
			buf_reset(&err);
			if (tmpl_defined(set, names[i]))
				tmpl_exec_html(set, names[i], dot, &opts, &out,
					       &err);
		}
	}
	tmpl_unref(dot);
	tmpl_set_free(set);
	buf_free(&out);
	buf_free(&err);
}

/* The input as template text seen from each context, and as a value
 * printed by each escaper. */
static void run_machine(const char *text, size_t size)
{
	struct html_errs errs = {0};
	struct buf out = {0}, why = {0};
	struct tmpl_value *v = tmpl_stringn(text, size);
	struct tmpl_value *h =
	    tmpl_typed_take(tmpl_stringn(text, size), &tmpl_html_class);

	for (int st = HS_TEXT; st < HS_ERROR; st++) {
		struct hctx c = {.state = (uint8_t)st,
				 .delim = (uint8_t)(size % 4),
				 .url = (uint8_t)(size % 3),
				 .attr = (uint8_t)(size % 6),
				 .elem = (uint8_t)(size % 5)};

		buf_reset(&out);
		html_escape_text(&errs, &c, text, size, &out);
	}
	for (int e = 0; e < HX_COUNT; e++) {
		buf_reset(&out);
		buf_reset(&why);
		html_escape_value((enum html_escaper)e, v, &out, &why);
		html_escape_value((enum html_escaper)e, h, &out, &why);
	}
	buf_reset(&out);
	html_strip_tags(&out, text, size);
	buf_reset(&out);
	html_decode_css(&out, text, size);
	tmpl_unref(v);
	tmpl_unref(h);
	html_errs_free(&errs);
	buf_free(&out);
	buf_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_templates((const char *)data, size);
	run_machine((const char *)data, size);
	return 0;
}
