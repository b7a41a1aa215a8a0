/*
 * rule_driver.c - turns one rule file into a promtool unit test whose
 * expected alerts are what Tocsin renders, for
 * tests/integration/test_tmpl_rules_promtool.sh:
 *
 *   rule_driver RULEFILE OUTDIR
 *
 * Alerting rule number i (from 1, in file order) keeps its name, labels and
 * annotations; its expr becomes `tocsin_synth{tocsin_rule="i"} * 1` (the
 * product drops __name__, as most real expressions do) and its `for` 0.
 * Recording rules are left out.  Each rule gets one series per variant
 * below: a value picked for the humanize and printf paths, plus the labels
 * its templates read ($labels.X, .Labels.X, index $labels "X") set to
 * sample values; the "bare" variant has none of them, so missing labels
 * render too.  OUTDIR/rules.yml gets the rules and OUTDIR/test.yml the
 * series and, for each alert, the labels and annotations tmpl_expand_rule()
 * renders.  `promtool test rules OUTDIR/test.yml` passing proves agreement.
 *
 * Prints the number of alerting rules; exits 1 when the file does not load.
 * Strings go to YAML Go-quoted (buf_quote), which YAML reads back unchanged
 * as long as they are valid UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "labels.h"
#include "rulefile.h"
#include "tmpl.h"

#define METRIC	"tocsin_synth"
#define EXT_URL "http://ext:9090/prefix"

struct variant {
	const char *name;
	const char *value; /* as written in the series and read by strtod */
	int bare; /* no labels besides tocsin_rule and tocsin_variant */
};

static const struct variant variants[] = {
    {"big", "1234567.891", 0}, {"small", "0.0421", 0}, {"int", "42", 0},
    {"zero", "0", 0},	       {"neg", "-7.5e-05", 0}, {"huge", "1.5e+21", 0},
    {"nan", "NaN", 0},	       {"inf", "-Inf", 0},     {"bare", "3.14159", 1},
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* Labels every non-bare series has; the other labels its rule's templates
 * read get "<name>-value". */
static const char *const base_labels[] = {"instance", "host-1:9100", "job",
					  "node", NULL};

/* One alerting rule of the file, with the label names its templates read. */
struct synth_rule {
	const struct rule *rule;
	size_t idx;
	struct labels_builder refs; /* names only; values unused */
};

/* ------------------------------------------------ template label refs */

static int ref_usable(const char *name)
{
	return labels_name_legacy(name) && strncmp(name, "__", 2) != 0 &&
	       strncmp(name, "tocsin_", 7) != 0 &&
	       strcmp(name, "alertname") != 0;
}

static void add_ref(struct labels_builder *refs, const char *s, size_t n)
{
	char *name = xstrndup(s, n);

	if (ref_usable(name))
		labels_builder_set(refs, name, "x");
	free(name);
}

/* Adds to refs every label name text reads as $labels.X, .Labels.X or
 * index $labels "X". */
static void scan_refs(const char *text, struct labels_builder *refs)
{
	static const char ident[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	static const char *const dotted[] = {"$labels.", ".Labels.", NULL};
	static const char indexed[] = "index $labels \"";
	const char *s;

	for (const char *const *p = dotted; *p; p++)
		for (s = text; (s = strstr(s, *p)) != NULL;) {
			s += strlen(*p);
			add_ref(refs, s, strspn(s, ident));
		}
	for (s = text; (s = strstr(s, indexed)) != NULL;) {
		s += strlen(indexed);
		add_ref(refs, s, strcspn(s, "\"\\"));
	}
}

/* ------------------------------------------------------------ series */

/* Returns the labels of rule sr's series for variant v, without __name__;
 * the caller frees them. */
static struct labels *series_labels(const struct synth_rule *sr,
				    const struct variant *v)
{
	struct labels_builder b = {0};
	struct labels *l;
	char idx[32];

	snprintf(idx, sizeof(idx), "%zu", sr->idx);
	labels_builder_set(&b, "tocsin_rule", idx);
	labels_builder_set(&b, "tocsin_variant", v->name);
	for (size_t i = 0; !v->bare && i < sr->refs.n; i++) {
		char *val = xasprintf("%s-value", sr->refs.v[i].name);

		labels_builder_set(&b, sr->refs.v[i].name, val);
		free(val);
	}
	for (const char *const *p = base_labels; !v->bare && *p; p += 2)
		labels_builder_set(&b, p[0], p[1]);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* promtool answers `query` from the test's series, which are all METRIC:
 * a bare selector of another metric finds nothing.  Anything else would
 * need PromQL, so it fails here and the test shows the difference. */
static int query(void *ctx, const char *expr, struct tmpl_value **result,
		 struct buf *err)
{
	(void)ctx;
	if (labels_metric_name_legacy(expr) && strcmp(expr, METRIC) != 0) {
		*result = tmpl_query_result_new();
		return 0;
	}
	buf_printf(err, "rule_driver: cannot evaluate %s", expr);
	return -1;
}

/* ------------------------------------------------------------- output */

static void put_quoted(FILE *f, const char *s)
{
	struct buf b = {0};

	buf_quote(&b, s);
	fputs(buf_str(&b), f);
	buf_free(&b);
}

/* Writes the line "<indent>"name": "value"". */
static void put_pair(FILE *f, const char *indent, const char *name,
		     const char *value)
{
	fputs(indent, f);
	put_quoted(f, name);
	fputs(": ", f);
	put_quoted(f, value);
	fputc('\n', f);
}

/* Writes "<indent>key:" and the pairs as a block mapping, or nothing. */
static void put_map(FILE *f, const char *indent, const char *key,
		    const struct rule_kv *kv, size_t n)
{
	char *inner = xasprintf("%s  ", indent);

	if (n > 0)
		fprintf(f, "%s%s:\n", indent, key);
	for (size_t i = 0; i < n; i++)
		put_pair(f, inner, kv[i].name, kv[i].value);
	free(inner);
}

static void write_rules(FILE *f, const struct rulefile *rf)
{
	size_t idx = 0;

	fputs("groups:\n", f);
	for (size_t g = 0; g < rf->ngroups; g++) {
		const struct rule_group *gr = &rf->groups[g];
		size_t first = idx;

		fputs("- name: ", f);
		put_quoted(f, gr->name);
		fputs("\n  rules:\n", f);
		for (size_t i = 0; i < gr->nrules; i++) {
			const struct rule *r = &gr->rules[i];

			if (r->kind != RULE_ALERT)
				continue;
			fputs("  - alert: ", f);
			put_quoted(f, r->name);
			fprintf(f,
				"\n    expr: '%s{tocsin_rule=\"%zu\"} * 1'\n",
				METRIC, ++idx);
			put_map(f, "    ", "labels", r->labels, r->nlabels);
			put_map(f, "    ", "annotations", r->annotations,
				r->nannotations);
		}
		if (idx == first)
			fputs("    []\n", f);
	}
}

static void write_series(FILE *f, const struct synth_rule *rules, size_t n)
{
	struct buf sel = {0};

	fputs("  input_series:\n", f);
	for (size_t i = 0; i < n; i++)
		for (size_t v = 0; v < NVARIANTS; v++) {
			struct labels *l =
			    series_labels(&rules[i], &variants[v]);

			buf_reset(&sel);
			buf_puts(&sel, METRIC);
			labels_format(l, &sel);
			fputs("  - series: ", f);
			put_quoted(f, buf_str(&sel));
			fprintf(f, "\n    values: '%s'\n", variants[v].value);
			labels_free(l);
		}
	buf_free(&sel);
}

/* Returns the labels of the alert a rule fires for series labels l with
 * template data d, as Prometheus builds them: l, then each rule label
 * expanded (an empty result removes the label).  The caller frees them. */
static struct labels *alert_labels(const struct rule *r, const struct labels *l,
				   const struct tmpl_rule_data *d,
				   const struct tmpl_rule_env *env)
{
	struct labels_builder b = {0};
	struct labels *out;
	char *s;

	for (size_t i = 0; i < l->n; i++)
		labels_builder_set(&b, l->v[i].name, l->v[i].value);
	for (size_t i = 0; i < r->nlabels; i++) {
		tmpl_expand_rule(r->name, r->labels[i].value, d, env, &s);
		labels_builder_set(&b, r->labels[i].name, s);
		free(s);
	}
	out = labels_builder_build(&b);
	labels_builder_free(&b);
	return out;
}

/* Writes the alert rule sr fires for variant v: its labels and its
 * annotations expanded. */
static void write_alert(FILE *f, const struct synth_rule *sr,
			const struct variant *v, const struct labels *ext)
{
	const struct rule *r = sr->rule;
	struct labels *l = series_labels(sr, v), *al;
	struct tmpl_rule_data d = {l, ext, EXT_URL, strtod(v->value, NULL)};
	struct tmpl_rule_env env = {EXT_URL, query, NULL, 0};
	char *s;

	al = alert_labels(r, l, &d, &env);
	fputs("    - exp_labels:\n", f);
	for (size_t i = 0; i < al->n; i++)
		put_pair(f, "        ", al->v[i].name, al->v[i].value);
	fputs(r->nannotations ? "      exp_annotations:\n"
			      : "      exp_annotations: {}\n",
	      f);
	for (size_t i = 0; i < r->nannotations; i++) {
		tmpl_expand_rule(r->name, r->annotations[i].value, &d, &env,
				 &s);
		put_pair(f, "        ", r->annotations[i].name, s);
		free(s);
	}
	labels_free(al);
	labels_free(l);
}

/* Returns 1 when a rule before rules[i] has its name. */
static int named_before(const struct synth_rule *rules, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(rules[j].rule->name, rules[i].rule->name) == 0)
			return 1;
	return 0;
}

/* One alert_rule_test per alert name (names may repeat across groups). */
static void write_tests(FILE *f, const struct synth_rule *rules, size_t n)
{
	struct labels_builder eb = {0};
	struct labels *ext;

	labels_builder_set(&eb, "region", "eu");
	ext = labels_builder_build(&eb);
	labels_builder_free(&eb);
	fputs("  alert_rule_test:\n", f);
	for (size_t i = 0; i < n; i++) {
		const char *name = rules[i].rule->name;

		if (named_before(rules, i))
			continue;
		fputs("  - eval_time: 0m\n    alertname: ", f);
		put_quoted(f, name);
		fputs("\n    exp_alerts:\n", f);
		for (size_t j = i; j < n; j++) {
			if (strcmp(rules[j].rule->name, name) != 0)
				continue;
			for (size_t v = 0; v < NVARIANTS; v++)
				write_alert(f, &rules[j], &variants[v], ext);
		}
	}
	labels_free(ext);
}

static void write_test(FILE *f, const struct synth_rule *rules, size_t n)
{
	fputs("rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n"
	      "- interval: 1m\n  external_labels: {region: eu}\n"
	      "  external_url: " EXT_URL "\n",
	      f);
	write_series(f, rules, n);
	write_tests(f, rules, n);
}

/* ---------------------------------------------------------------- main */

/* Returns the alerting rules of rf with their label refs (n set). */
static struct synth_rule *collect(const struct rulefile *rf, size_t *n)
{
	struct synth_rule *v =
	    xcalloc(rulefile_count_rules(rf) + 1, sizeof(*v));

	*n = 0;
	for (size_t g = 0; g < rf->ngroups; g++)
		for (size_t i = 0; i < rf->groups[g].nrules; i++) {
			const struct rule *r = &rf->groups[g].rules[i];
			struct synth_rule *sr = &v[*n];

			if (r->kind != RULE_ALERT)
				continue;
			sr->rule = r;
			sr->idx = ++*n;
			for (size_t k = 0; k < r->nlabels; k++)
				scan_refs(r->labels[k].value, &sr->refs);
			for (size_t k = 0; k < r->nannotations; k++)
				scan_refs(r->annotations[k].value, &sr->refs);
		}
	return v;
}

/* Opens dir/name for writing; returns NULL after saying why. */
static FILE *open_out(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (!f)
		perror(path);
	free(path);
	return f;
}

/* Writes dir/rules.yml and dir/test.yml; returns 0 or -1. */
static int write_outputs(const char *dir, const struct rulefile *rf,
			 const struct synth_rule *rules, size_t n)
{
	FILE *r = open_out(dir, "rules.yml"), *t = open_out(dir, "test.yml");
	int rc = -1;

	if (r && t) {
		write_rules(r, rf);
		write_test(t, rules, n);
		rc = ferror(r) || ferror(t) ? -1 : 0;
	}
	if (r && fclose(r) != 0)
		rc = -1;
	if (t && fclose(t) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "rule_driver: cannot write to %s\n", dir);
	return rc;
}

int main(int argc, char **argv)
{
	struct diags d = {0};
	struct rulefile *rf;
	struct synth_rule *rules = NULL;
	size_t n = 0;
	int rc = 1;

	if (argc != 3) {
		fputs("usage: rule_driver RULEFILE OUTDIR\n", stderr);
		return 2;
	}
	rf = rulefile_load(argv[1], &d);
	if (!rf) {
		diags_print(&d, stderr);
		goto out;
	}
	rules = collect(rf, &n);
	if (write_outputs(argv[2], rf, rules, n) < 0)
		goto out;
	printf("%zu\n", n);
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		labels_builder_free(&rules[i].refs);
	free(rules);
	rulefile_free(rf);
	diags_free(&d);
	return rc;
}
