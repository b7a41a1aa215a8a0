/*
 * fuzz_template.c - libFuzzer target for the template engine: parses the
 * input as a template set with Prometheus' functions and runs every
 * template in it against alert-like data with a fake query, under small
 * limits.  An input starting with "%" is also used as a printf format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_query(void *ctx, const char *expr, struct tmpl_value **r,
		      struct buf *err)
{
	struct labels_builder b = {0};
	struct labels *l;

	(void)ctx;
	if (expr[0] == '!') {
		buf_puts(err, "query failed");
		return -1;
	}
	*r = tmpl_query_result_new();
	if (expr[0] == '\0')
		return 0;
	labels_builder_set(&b, "__name__", expr);
	labels_builder_set(&b, "instance", "b:9100");
	l = labels_builder_build(&b);
	tmpl_query_result_add(*r, l, 1.5);
	labels_free(l);
	labels_builder_set(&b, "instance", "a:9100");
	l = labels_builder_build(&b);
	tmpl_query_result_add(*r, l, -2);
	labels_free(l);
	labels_builder_free(&b);
	return 0;
}

static struct tmpl_value *make_data(void)
{
	static const char *const names[] = {"Labels", "Value", "List", "Any"};
	struct labels_builder b = {0};
	struct labels *l;
	struct tmpl_value *v[4], *any;

	labels_builder_set(&b, "instance", "host.example.com:9100");
	labels_builder_set(&b, "job", "node");
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	v[0] = tmpl_map_labels(l);
	labels_free(l);
	v[1] = tmpl_float(1234567.5);
	v[2] = tmpl_list_new(NULL);
	tmpl_list_push_take(v[2], tmpl_string("a"));
	tmpl_list_push_take(v[2], tmpl_int(2));
	tmpl_list_push_take(v[2], tmpl_nil());
	any = tmpl_map_new(TMPL_NIL);
	tmpl_map_set_take(any, "x", tmpl_bool(1));
	tmpl_map_set_take(any, "n", tmpl_nil());
	v[3] = any;
	return tmpl_object_new(NULL, names, v, 4, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl_rule_env env = {"http://prom:9090/x", fake_query, NULL, 0};
	struct tmpl_exec_opts opts = {.ctx = &env,
				      .max_output = 1 << 16,
				      .max_depth = 20,
				      .max_steps = 20000};
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = {0}, err = {0};
	struct tmpl_value *dot = make_data();

	tmpl_set_funcs(set, tmpl_prom_funcs);
	tmpl_set_missingkey(set, (enum tmpl_missingkey)(size % 3));
	if (tmpl_parse(set, "f", (const char *)data, size, &err) == 0) {
		static const char *const names[] = {"f", "a", "b", "x"};

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			buf_reset(&out);
			buf_reset(&err);
			if (tmpl_defined(set, names[i]))
				tmpl_exec(set, names[i], dot, &opts, &out,
					  &err);
		}
	}
	if (size > 0 && data[0] == '%') {
		/* The input as a printf format over assorted operands. */
		struct tmpl_value *args[8] = {
		    tmpl_int(-42),
		    tmpl_float(0.1),
		    tmpl_string("h\xc3\xa9"),
		    tmpl_nil(),
		    tmpl_bool(1),
		    tmpl_typed_take(tmpl_string("<b>"), &tmpl_html_class),
		    tmpl_time_new(1435065584, 128000000),
		    tmpl_ref(dot),
		};

		buf_reset(&out);
		tmpl_sprintf(&out, 1 << 16, (const char *)data, size, args,
			     size % 9);
		for (size_t i = 0; i < 8; i++)
			tmpl_unref(args[i]);
	}
	tmpl_unref(dot);
	tmpl_set_free(set);
	buf_free(&out);
	buf_free(&err);
	return 0;
}
