/*
 * driver.c - renders one template the way an oracle would, for oracle.py:
 *   driver am TEMPLATE          like `amtool template render` (fake data)
 *   driver prom TEMPLATE VALUE  like a Prometheus annotation (promtool test)
 *   driver check TEMPLATE       like `promtool check rules`
 * The fake data mirrors tests/unit/test_tmpl.c's fixtures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

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

/* amtool's sample data, without the alerts' timestamps. */
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
static double value = 1234567;

/* promtool's storage: the one input series, at value. */
static int query(void *ctx, const char *expr, struct tmpl_value **result,
		 struct buf *err)
{
	(void)ctx, (void)err;
	*result = tmpl_query_result_new();
	if (strcmp(expr, "up") == 0) {
		struct labels *l = labels_of(series);

		tmpl_query_result_add(*result, l, value);
		labels_free(l);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const ext[] = {"region", "eu", NULL};
	struct buf out = {0}, err = {0};
	int rc;

	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "check") == 0) {
		rc = tmpl_check_rule("A", argv[2], &err);
		fputs(rc ? buf_str(&err) : "ok", stdout);
	} else if (strcmp(argv[1], "prom") == 0) {
		struct labels *l = labels_of(series), *e = labels_of(ext);
		struct tmpl_rule_data d = {l, e, "http://ext:9090/prefix", 0};
		struct tmpl_rule_env env = {"http://ext:9090/prefix", query,
					    NULL, 0};
		char *s;

		if (argc > 3)
			value = strtod(argv[3], NULL);
		d.value = value;
		tmpl_expand_rule("A", argv[2], &d, &env, &s);
		fputs(s, stdout);
		free(s);
		labels_free(l);
		labels_free(e);
	} else {
		struct tmpl_set *set = tmpl_set_new();
		struct tmpl_value *data = am_data();

		tmpl_set_funcs(set, tmpl_prom_funcs);
		tmpl_set_missingkey(set, TMPL_MISSINGKEY_ZERO);
		rc = tmpl_parse(set, "", argv[2], strlen(argv[2]), &err);
		if (rc == 0)
			rc = tmpl_exec(set, "", data, NULL, &out, &err);
		if (rc == 0)
			fwrite(buf_str(&out), 1, out.len, stdout);
		else
			printf("amtool: error: %s\n\n", buf_str(&err));
		tmpl_unref(data);
		tmpl_set_free(set);
	}
	buf_free(&out);
	buf_free(&err);
	return 0;
}
