/*
 * test_labels.c - label sets: the builder, order, lookup, comparison,
 * printing, name rules and fingerprints.
 *
 * Fingerprints and printed forms are checked against what a real
 * Alertmanager 0.25 produced (../shared/corpus/samples/): every alert there
 * carries the fingerprint Alertmanager computed from its labels, and every
 * webhook groupKey ends with ":" + LabelSet.String() of the group labels.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"

#define SAMPLES "../shared/corpus/samples/"

/* Builds a label set from NULL-terminated name, value pairs. */
static struct labels *mk(const char *first, ...)
{
	struct labels_builder b = {0};
	struct labels *l;
	va_list ap;

	va_start(ap, first);
	for (const char *n = first; n; n = va_arg(ap, const char *))
		labels_builder_set(&b, n, va_arg(ap, const char *));
	va_end(ap);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

static char *fmt(const struct labels *l)
{
	struct buf b = {0};

	labels_format(l, &b);
	return buf_take(&b);
}

/* ---------------------------------------------------------------- builder */

Test(labels, builder_sorts_and_replaces)
{
	struct labels_builder b = {0};
	struct labels *l;

	labels_builder_set(&b, "zone", "eu");
	labels_builder_set(&b, "alertname", "A");
	labels_builder_set(&b, "job", "x");
	labels_builder_set(&b, "job", "y"); /* replaces */
	l = labels_builder_build(&b);
	cr_assert_eq(l->n, 3);
	cr_assert_str_eq(l->v[0].name, "alertname");
	cr_assert_str_eq(l->v[1].name, "job");
	cr_assert_str_eq(l->v[1].value, "y");
	cr_assert_str_eq(l->v[2].name, "zone");
	labels_free(l);

	/* The builder stays usable after a build. */
	labels_builder_set(&b, "a", "1");
	l = labels_builder_build(&b);
	cr_assert_eq(l->n, 4);
	cr_assert_str_eq(l->v[0].name, "a");
	labels_free(l);
	labels_builder_free(&b);
	cr_assert_eq(b.n, 0);
	labels_builder_free(&b); /* twice is harmless */
}

Test(labels, builder_empty_value_deletes)
{
	/* Prometheus labels.Builder.Set: an empty value deletes the name. */
	struct labels_builder b = {0};
	struct labels *l;

	labels_builder_set(&b, "a", "1");
	labels_builder_set(&b, "b", "2");
	labels_builder_set(&b, "c", "3");
	labels_builder_set(&b, "b", "");
	labels_builder_set(&b, "never", "");
	labels_builder_set(&b, "c", NULL);
	labels_builder_del(&b, "absent");
	l = labels_builder_build(&b);
	cr_assert_eq(l->n, 1);
	cr_assert_str_eq(l->v[0].name, "a");
	labels_free(l);
	labels_builder_del(&b, "a");
	l = labels_builder_build(&b);
	cr_assert_eq(l->n, 0);
	labels_free(l);
	labels_builder_free(&b);
}

Test(labels, builder_copies_strings)
{
	struct labels_builder b = {0};
	char name[8] = "job", value[8] = "api";
	struct labels *l;

	labels_builder_set(&b, name, value);
	strcpy(name, "xxx");
	strcpy(value, "yyy");
	l = labels_builder_build(&b);
	cr_assert_str_eq(labels_get(l, "job"), "api");
	labels_free(l);
	labels_builder_free(&b);
}

Test(labels, sorting_is_bytewise)
{
	/* Go compares strings by bytes: "Z" < "_" < "a" < "\xc3..". */
	struct labels *l =
	    mk("a", "1", "_b", "2", "Zed", "3", "\xc3\xa9t\xc3\xa9", "4", "a0",
	       "5", "a_", "6", NULL);
	const char *want[] = {"Zed", "_b", "a",
			      "a0",  "a_", "\xc3\xa9t\xc3\xa9"};

	cr_assert_eq(l->n, 6);
	for (size_t i = 0; i < 6; i++)
		cr_assert_str_eq(l->v[i].name, want[i]);
	labels_free(l);
}

/* ----------------------------------------------------------- get and cmp */

Test(labels, get)
{
	struct labels *l = mk("c", "3", "a", "1", "b", "2", "e", "5", NULL);
	struct labels *e = labels_empty();

	cr_assert_str_eq(labels_get(l, "a"), "1");
	cr_assert_str_eq(labels_get(l, "b"), "2");
	cr_assert_str_eq(labels_get(l, "c"), "3");
	cr_assert_str_eq(labels_get(l, "e"), "5");
	cr_assert_null(labels_get(l, "d"));
	cr_assert_null(labels_get(l, ""));
	cr_assert_null(labels_get(l, "f"));
	cr_assert_null(labels_get(e, "a"));
	labels_free(l);
	labels_free(e);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

Test(labels, cmp_like_prometheus)
{
	/* Table of TestLabels_Compare, prometheus model/labels/labels_test.go:
	 * {aaa=111, bbb=222} against each. */
	static const struct {
		const char *n1, *v1, *n2, *v2, *n3, *v3;
		int want;
	} t[] = {
	    {"aaa", "110", "bbb", "222", NULL, NULL, 1},
	    {"aaa", "111", "bbb", "233", NULL, NULL, -1},
	    {"aaa", "111", "bar", "222", NULL, NULL, 1},
	    {"aaa", "111", "bbc", "222", NULL, NULL, -1},
	    {"aaa", "111", "bb", "222", NULL, NULL, 1},
	    {"aaa", "111", "bbbb", "222", NULL, NULL, -1},
	    {"aaa", "111", NULL, NULL, NULL, NULL, 1},
	    {"aaa", "111", "bbb", "222", "ccc", "333", -1},
	    {"aaa", "111", "bbb", "222", NULL, NULL, 0},
	};
	struct labels *base = mk("aaa", "111", "bbb", "222", NULL);

	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		struct labels *o = mk(t[i].n1, t[i].v1, t[i].n2, t[i].v2,
				      t[i].n3, t[i].v3, NULL);

		cr_assert_eq(sign(labels_cmp(base, o)), t[i].want, "row %zu",
			     i);
		cr_assert_eq(sign(labels_cmp(o, base)), -t[i].want, "row %zu",
			     i);
		cr_assert_eq(labels_equal(base, o), t[i].want == 0, "row %zu",
			     i);
		labels_free(o);
	}
	labels_free(base);
}

Test(labels, dup_and_empty)
{
	struct labels *l = mk("a", "1", "b", "2", NULL);
	struct labels *d = labels_dup(l);
	struct labels *e = labels_empty();
	struct labels *e2 = mk(NULL);

	cr_assert_neq(d, l);
	cr_assert(labels_equal(l, d));
	cr_assert_eq(d->fp, l->fp);
	cr_assert_neq(d->v[0].name, l->v[0].name, "dup owns its strings");
	cr_assert_eq(e->n, 0);
	cr_assert(labels_equal(e, e2));
	cr_assert_lt(labels_cmp(e, l), 0);
	labels_free(l);
	labels_free(d);
	labels_free(e);
	labels_free(e2);
	labels_free(NULL);
}

/* -------------------------------------------------------------- printing */

Test(labels, format)
{
	struct labels *l = mk("job", "api", "alertname", "A", NULL);
	struct labels *e = labels_empty();
	char *s;

	s = fmt(l);
	cr_assert_str_eq(s, "{alertname=\"A\", job=\"api\"}");
	free(s);
	s = fmt(e);
	cr_assert_str_eq(s, "{}");
	free(s);
	labels_free(l);
	labels_free(e);
}

Test(labels, format_quotes_values_like_go)
{
	/* Values print with Go's %q (strconv.Quote). */
	struct labels *l = mk("a", "say \"hi\"\\", "b", "line1\nline2\ttab\r",
			      "c", "\x01\x7f", "d", "\xc3\xa9\xe2\x82\xac", "e",
			      "bad\xff", "f", "\xc2\x85", NULL);
	char *s = fmt(l);

	cr_assert_str_eq(s, "{a=\"say \\\"hi\\\"\\\\\", "
			    "b=\"line1\\nline2\\ttab\\r\", "
			    "c=\"\\x01\\x7f\", "
			    "d=\"\xc3\xa9\xe2\x82\xac\", "
			    "e=\"bad\\xff\", "
			    "f=\"\\u0085\"}");
	free(s);
	labels_free(l);
}

/* Fails the test unless every webhook payload's groupKey in text ends with
 * ":" + labels_format(groupLabels).  Returns how many were checked. */
static int check_group_keys(json_t *j)
{
	int n = 0;
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) n += check_group_keys(v);
		return n;
	}
	if (!json_is_object(j))
		return 0;
	json_object_foreach(j, k, v) n += check_group_keys(v);
	v = json_object_get(j, "groupLabels");
	k = json_string_value(json_object_get(j, "groupKey"));
	if (k && json_is_object(v)) {
		struct labels_builder b = {0};
		struct labels *l;
		const char *name;
		json_t *val;
		char *s;
		size_t lk, ls;

		json_object_foreach(v, name, val)
		    labels_builder_set(&b, name, json_string_value(val));
		l = labels_builder_build(&b);
		s = fmt(l);
		lk = strlen(k);
		ls = strlen(s);
		cr_assert(lk > ls && k[lk - ls - 1] == ':' &&
			      strcmp(k + lk - ls, s) == 0,
			  "groupKey %s does not end with :%s", k, s);
		free(s);
		labels_free(l);
		labels_builder_free(&b);
		n++;
	}
	return n;
}

static json_t *load_sample(const char *name)
{
	char path[256];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof path, SAMPLES "%s", name);
	j = json_load_file(path, 0, &e);
	cr_assert_not_null(j, "%s: %s", path, e.text);
	return j;
}

Test(labels, format_matches_alertmanager_group_keys)
{
	static const char *const files[] = {
	    "webhook-payload.json",
	    "webhook-payload-firing-2alerts.json",
	    "webhook-payload-resolved.json",
	    "webhook-pager-request.json",
	};
	int n = 0;

	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		json_t *j = load_sample(files[i]);

		n += check_group_keys(j);
		json_decref(j);
	}
	cr_assert_eq(n, 4);
}

/* ------------------------------------------------------------ fingerprints */

Test(labels, fingerprint_of_empty_set_is_fnv_offset)
{
	/* prometheus/common model: emptyLabelSignature = hashNew(). */
	struct labels *e = labels_empty();

	cr_assert_eq(e->fp, 14695981039346656037ULL);
	cr_assert_eq(labels_hash_pairs(NULL, 0), 14695981039346656037ULL);
	labels_free(e);
}

Test(labels, fingerprint_is_order_independent_and_value_sensitive)
{
	struct labels *a = mk("a", "1", "b", "2", NULL);
	struct labels *b = mk("b", "2", "a", "1", NULL);
	struct labels *c = mk("a", "12", NULL);
	struct labels *d = mk("a1", "2", NULL);

	cr_assert_eq(a->fp, b->fp);
	cr_assert_eq(a->fp, labels_hash_pairs(a->v, a->n));
	cr_assert_neq(c->fp, d->fp,
		      "the 0xff separator keeps a=12 and a1=2 apart");
	labels_free(a);
	labels_free(b);
	labels_free(c);
	labels_free(d);
}

/* Checks every object with "labels" and "fingerprint" below j; returns the
 * number checked. */
static int check_fingerprints(json_t *j, const char *file)
{
	int n = 0;
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) n += check_fingerprints(v, file);
		return n;
	}
	if (!json_is_object(j))
		return 0;
	json_object_foreach(j, k, v) if (strcmp(k, "labels") != 0) n +=
	    check_fingerprints(v, file);
	v = json_object_get(j, "labels");
	k = json_string_value(json_object_get(j, "fingerprint"));
	if (k && json_is_object(v)) {
		struct labels_builder b = {0};
		struct labels *l;
		const char *name;
		json_t *val;
		char got[17];

		json_object_foreach(v, name, val)
		{
			cr_assert(json_is_string(val));
			labels_builder_set(&b, name, json_string_value(val));
		}
		l = labels_builder_build(&b);
		snprintf(got, sizeof got, "%016" PRIx64, l->fp);
		cr_assert_eq(strlen(k), 16);
		cr_assert_str_eq(got, k, "%s: alert %s", file,
				 labels_get(l, "alertname"));
		labels_free(l);
		labels_builder_free(&b);
		n++;
	}
	return n;
}

static int check_file(const char *name)
{
	json_t *j = load_sample(name);
	int n = check_fingerprints(j, name);

	json_decref(j);
	return n;
}

Test(labels, fingerprints_equal_alertmanager_api)
{
	/* GET /api/v2/alerts of Alertmanager 0.25: 7 alerts. */
	cr_assert_eq(check_file("am-api-v2-alerts.json"), 7);
}

Test(labels, fingerprints_equal_alertmanager_other_samples)
{
	cr_assert_geq(check_file("am-api-v2-alerts-groups.json"), 7);
	cr_assert_eq(check_file("webhook-payload.json"), 1);
	cr_assert_eq(check_file("webhook-payload-firing-2alerts.json"), 2);
	cr_assert_eq(check_file("webhook-payload-resolved.json"), 2);
	cr_assert_eq(check_file("webhook-pager-request.json"), 1);
}

Test(labels, fingerprints_equal_alertmanager_sink)
{
	/* sink.jsonl: one captured request per line, webhook bodies among
	 * them. */
	FILE *f = fopen(SAMPLES "sink.jsonl", "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0, gk = 0;

	cr_assert_not_null(f);
	while (getline(&line, &cap, f) > 0) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);

		cr_assert_not_null(j, "%s", e.text);
		n += check_fingerprints(j, "sink.jsonl");
		gk += check_group_keys(j);
		json_decref(j);
	}
	free(line);
	fclose(f);
	cr_assert_gt(n, 0);
	cr_assert_gt(gk, 0);
}

/* ------------------------------------------------------------ name rules */

Test(labels, legacy_names)
{
	static const char *const ok[] = {"a",	     "_",  "A",	 "a_b9",
					 "__name__", "_0", "job"};
	static const char *const bad[] = {"",	      "9a",  "a-b", "a:b",
					  "\xc3\xa9", "a b", "a.b", "0"};

	for (size_t i = 0; i < ARRAY_LEN(ok); i++)
		cr_assert(labels_name_legacy(ok[i]), "%s", ok[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		cr_assert_not(labels_name_legacy(bad[i]), "%s", bad[i]);
}

Test(labels, legacy_metric_names)
{
	static const char *const ok[] = {"a", ":a", "job:rate5m:sum", "a_b:c9",
					 "_"};
	static const char *const bad[] = {"",	 "9a",	 "a-b",
					  "a b", "a{b}", "\xc3\xa9"};

	for (size_t i = 0; i < ARRAY_LEN(ok); i++)
		cr_assert(labels_metric_name_legacy(ok[i]), "%s", ok[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		cr_assert_not(labels_metric_name_legacy(bad[i]), "%s", bad[i]);
}

Test(labels, utf8_names)
{
	/* alertmanager.md 2.4: any non-empty valid UTF-8 ("00", "Σ", emoji). */
	static const char *const ok[] = {"a",
					 "00",
					 "a-b",
					 "a.b c",
					 "\xce\xa3",
					 "\xf0\x9f\x94\xa5",
					 "\xef\xbf\xbd",
					 "{}"};
	static const char *const bad[] = {
	    "",
	    "\xff",
	    "a\x80",
	    "\xc0\xaf",		/* overlong */
	    "\xed\xa0\x80",	/* surrogate */
	    "\xf4\x90\x80\x80", /* > U+10FFFF */
	    "\xe2\x82",		/* truncated */
	    "\xe0\x80\xaf",	/* overlong 3-byte */
	    "\xf0\x80\x80\xaf", /* overlong 4-byte */
	};

	for (size_t i = 0; i < ARRAY_LEN(ok); i++)
		cr_assert(labels_name_valid(ok[i]), "ok[%zu]", i);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		cr_assert_not(labels_name_valid(bad[i]), "bad[%zu]", i);
}
