/*
 * test_rulefile.c - the rule file loader against promtool 2.42's verdicts.
 *
 * Expected messages are promtool's words (model/rulefmt, see
 * ../shared/reference/ruler.md §1.2) with Go %q quoting of group and rule
 * names.  Where promtool prints a position ("4:17: group ...") ours is the
 * same; where it prints none or 0:0 ours points at the node at fault.  Each
 * case names what `promtool check rules --lint=none` printed for it.
 *
 * Differences on purpose: label and annotation names follow Prometheus 3
 * (any non-empty UTF-8); query_offset and group labels are known keys
 * (promtool 2.42 predates them).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "rulefile.h"

#define CORPUS "../shared/corpus/rules/prometheus-testdata/"

/* Each test runs in its own process; the fixture frees what it left. */
static struct diags d;
static struct rulefile *rf;
static char *text;

static void teardown(void)
{
	rulefile_free(rf);
	diags_free(&d);
	free(text);
}

TestSuite(rulefile, .fini = teardown);

static struct rulefile *load(const char *yaml)
{
	rf = rulefile_load_buf("t.yml", yaml, strlen(yaml), &d);
	return rf;
}

/* Every diagnostic as `tocsin check` prints it, one per line. */
static const char *diags_text(void)
{
	struct buf b = {0};

	for (size_t i = 0; i < d.n; i++) {
		char *s = diag_format(&d.v[i]);

		buf_puts(&b, s);
		buf_putc(&b, '\n');
		free(s);
	}
	free(text);
	text = b.len ? buf_take(&b) : xstrdup("");
	return text;
}

/* The file must be rejected with exactly these diagnostics. */
static void expect_errors(const char *yaml, const char *want)
{
	cr_assert_null(load(yaml), "accepted:\n%s", yaml);
	cr_assert_str_eq(diags_text(), want);
}

/* The file must load with no diagnostic at all. */
static void expect_ok(const char *yaml, size_t nrules)
{
	cr_assert_not_null(load(yaml), "rejected:\n%s", diags_text());
	cr_assert_eq(d.n, 0, "diagnostics:\n%s", diags_text());
	cr_assert_eq(rulefile_count_rules(rf), nrules);
}

/* ------------------------------------------------------------ schema */

Test(rulefile, every_field_parsed)
{
	const struct rule_group *g;
	const struct rule *a, *r;

	expect_ok("groups:\n"
		  "  - name: node\n"
		  "    interval: 30s\n"
		  "    query_offset: 1m\n"
		  "    limit: 10\n"
		  "    labels:\n"
		  "      team: infra\n"
		  "      env: prod\n"
		  "    rules:\n"
		  "      - alert: InstanceDown\n"
		  "        expr: up == 0\n"
		  "        for: 5m\n"
		  "        keep_firing_for: 1h30m\n"
		  "        labels:\n"
		  "          severity: page\n"
		  "          alpha: a\n"
		  "        annotations:\n"
		  "          summary: \"{{ $labels.instance }} down\"\n"
		  "          description: gone\n"
		  "      - record: job:up:sum\n"
		  "        expr: sum by (job) (up)\n"
		  "        labels:\n"
		  "          z: \"1\"\n",
		  2);
	cr_assert_str_eq(rf->path, "t.yml");
	cr_assert_eq(rf->ngroups, 1);
	g = &rf->groups[0];
	cr_assert_str_eq(g->name, "node");
	cr_assert_eq(g->line, 2);
	cr_assert_eq(g->col, 5);
	cr_assert_eq(g->interval_ms, 30000);
	cr_assert_eq(g->has_query_offset, 1);
	cr_assert_eq(g->query_offset_ms, 60000);
	cr_assert_eq(g->limit, 10);
	cr_assert_eq(g->nlabels, 2);
	cr_assert_str_eq(g->labels[0].name, "env"); /* sorted */
	cr_assert_str_eq(g->labels[0].value, "prod");
	cr_assert_str_eq(g->labels[1].name, "team");
	cr_assert_str_eq(g->labels[1].value, "infra");
	cr_assert_eq(g->nrules, 2);

	a = &g->rules[0];
	cr_assert_eq(a->kind, RULE_ALERT);
	cr_assert_str_eq(a->name, "InstanceDown");
	cr_assert_str_eq(a->expr, "up == 0");
	cr_assert_eq(a->for_ms, 5 * 60000);
	cr_assert_eq(a->keep_firing_for_ms, 90 * 60000);
	cr_assert_eq(a->line, 10);
	cr_assert_eq(a->col, 16);
	cr_assert_eq(a->nlabels, 2);
	cr_assert_str_eq(a->labels[0].name, "alpha");
	cr_assert_str_eq(a->labels[0].value, "a");
	cr_assert_str_eq(a->labels[1].name, "severity");
	cr_assert_str_eq(a->labels[1].value, "page");
	cr_assert_eq(a->nannotations, 2);
	cr_assert_str_eq(a->annotations[0].name, "description");
	cr_assert_str_eq(a->annotations[0].value, "gone");
	cr_assert_str_eq(a->annotations[1].name, "summary");
	cr_assert_str_eq(a->annotations[1].value,
			 "{{ $labels.instance }} down");

	r = &g->rules[1];
	cr_assert_eq(r->kind, RULE_RECORD);
	cr_assert_str_eq(r->name, "job:up:sum");
	cr_assert_str_eq(r->expr, "sum by (job) (up)");
	cr_assert_eq(r->for_ms, 0);
	cr_assert_eq(r->keep_firing_for_ms, 0);
	cr_assert_eq(r->nlabels, 1);
	cr_assert_str_eq(r->labels[0].value, "1");
	cr_assert_eq(r->nannotations, 0);
	cr_assert_null(r->annotations);
	cr_assert_eq(r->line, 20);
	cr_assert_eq(r->col, 17);
}

Test(rulefile, defaults_when_unset)
{
	const struct rule_group *g;

	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    rules:\n"
		  "      - alert: A\n"
		  "        expr: up\n",
		  1);
	g = &rf->groups[0];
	cr_assert_eq(g->interval_ms, 0);
	cr_assert_eq(g->has_query_offset, 0);
	cr_assert_eq(g->query_offset_ms, 0);
	cr_assert_eq(g->limit, 0);
	cr_assert_eq(g->nlabels, 0);
	cr_assert_null(g->labels);
	cr_assert_eq(g->rules[0].for_ms, 0);
	cr_assert_eq(g->rules[0].nlabels, 0);
	cr_assert_null(g->rules[0].labels);
}

/* query_offset is a pointer in Prometheus: 0s overrides the global value. */
Test(rulefile, query_offset_zero_is_explicit)
{
	expect_ok("groups:\n"
		  "  - name: a\n"
		  "    query_offset: 0s\n"
		  "  - name: b\n"
		  "    query_offset:\n"
		  "  - name: c\n"
		  "    query_offset: 0\n",
		  0);
	cr_assert_eq(rf->groups[0].has_query_offset, 1);
	cr_assert_eq(rf->groups[0].query_offset_ms, 0);
	cr_assert_eq(rf->groups[1].has_query_offset, 0); /* null: unset */
	cr_assert_eq(rf->groups[2].has_query_offset, 1);
}

/* promtool: SUCCESS (yaml.v3 reads any scalar into a string field). */
Test(rulefile, scalars_read_as_text)
{
	const struct rule *r;

	expect_ok("groups:\n"
		  "  - name: true\n"
		  "    rules:\n"
		  "      - alert: 5\n"
		  "        expr: 1.5\n"
		  "        labels:\n"
		  "          n: 5\n"
		  "          b: true\n"
		  "          e:\n",
		  1);
	cr_assert_str_eq(rf->groups[0].name, "true");
	r = &rf->groups[0].rules[0];
	cr_assert_str_eq(r->name, "5");
	cr_assert_str_eq(r->expr, "1.5");
	cr_assert_str_eq(r->labels[0].name, "b");
	cr_assert_str_eq(r->labels[0].value, "true");
	cr_assert_str_eq(r->labels[1].name, "e");
	cr_assert_str_eq(r->labels[1].value, "");
	cr_assert_str_eq(r->labels[2].value, "5");
}

Test(rulefile, block_scalar_expr_kept_verbatim)
{
	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    rules:\n"
		  "      - record: r\n"
		  "        expr: |\n"
		  "          sum(a)\n"
		  "          /\n"
		  "          sum(b)\n",
		  1);
	cr_assert_str_eq(rf->groups[0].rules[0].expr, "sum(a)\n/\nsum(b)\n");
}

/* promtool: SUCCESS, 1 rules found (null means unset everywhere). */
Test(rulefile, nulls_are_unset)
{
	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    interval:\n"
		  "    limit: ~\n"
		  "    rules:\n"
		  "      - alert: A\n"
		  "        expr: up\n"
		  "        labels:\n"
		  "        annotations: ~\n"
		  "        for:\n"
		  "  - name: h\n"
		  "    rules:\n",
		  1);
	cr_assert_eq(rf->ngroups, 2);
	cr_assert_eq(rf->groups[1].nrules, 0);
}

/* promtool: SUCCESS, 1 rules found; yaml.v3 drops null list items, and
 * rules are numbered without them ("rule 1" below is the second item). */
Test(rulefile, null_items_dropped)
{
	expect_ok("groups:\n"
		  "  -\n"
		  "  - name: g\n"
		  "    rules:\n"
		  "      -\n"
		  "      - ~\n"
		  "      - alert: A\n"
		  "        expr: up\n",
		  1);
	cr_assert_eq(rf->ngroups, 1);
	rulefile_free(rf);
	diags_free(&d);
	expect_errors(
	    "groups:\n"
	    "  - name: g\n"
	    "    rules:\n"
	    "      -\n"
	    "      - alert: A\n",
	    "t.yml:5:16: group \"g\", rule 1, \"A\": field 'expr' must "
	    "be set in rule\n");
}

/* promtool: SUCCESS for limit: -1, interval: 0s and for: 0. */
Test(rulefile, zero_and_negative_limit_accepted)
{
	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    limit: -1\n"
		  "    interval: 0s\n"
		  "    rules:\n"
		  "      - alert: A\n"
		  "        expr: up\n"
		  "        for: 0\n",
		  1);
	cr_assert_eq(rf->groups[0].limit, -1);
}

Test(rulefile, durations_in_every_unit)
{
	const struct rule *r;

	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    interval: \"1h30m\"\n"
		  "    rules:\n"
		  "      - alert: A\n"
		  "        expr: up\n"
		  "        for: 250ms\n"
		  "        keep_firing_for: 1y2w3d4h5m6s7ms\n",
		  1);
	cr_assert_eq(rf->groups[0].interval_ms, 90 * 60000);
	r = &rf->groups[0].rules[0];
	cr_assert_eq(r->for_ms, 250);
	cr_assert_eq(r->keep_firing_for_ms, 365LL * 86400000 + 14LL * 86400000 +
						3LL * 86400000 + 4 * 3600000 +
						5 * 60000 + 6000 + 7);
}

Test(rulefile, rule_counts_across_groups)
{
	expect_ok("groups:\n"
		  "  - name: a\n"
		  "    rules:\n"
		  "      - {alert: A, expr: up}\n"
		  "      - {record: b, expr: up}\n"
		  "  - name: empty\n"
		  "    rules: []\n"
		  "  - name: c\n"
		  "    rules:\n"
		  "      - {alert: C, expr: up}\n",
		  3);
	cr_assert_eq(rf->ngroups, 3);
	cr_assert_eq(rf->groups[0].nrules, 2);
	cr_assert_eq(rf->groups[1].nrules, 0);
	cr_assert_eq(rf->groups[2].nrules, 1);
}

/* promtool: "SUCCESS: 0 rules found" for all of these. */
Test(rulefile, empty_files_have_no_rules)
{
	static const char *const empty[] = {
	    "",
	    "\n",
	    "# just a comment\n",
	    "groups:\n",
	    "groups: []\n",
	    "---\n",
	    "groups: ~\n",
	};

	for (size_t i = 0; i < ARRAY_LEN(empty); i++) {
		cr_assert_not_null(load(empty[i]), "%s", diags_text());
		cr_assert_eq(d.n, 0, "%s", diags_text());
		cr_assert_eq(rulefile_count_rules(rf), 0);
		cr_assert_eq(rf->ngroups, 0);
		rulefile_free(rf);
		rf = NULL;
	}
}

/* ------------------------------------------------ group-level checks */

/* promtool: "e.yml: 2:5: Groupname must not be empty" and 6:5 likewise
 * (it also calls the second "" a repeat; we don't, both are unnamed). */
Test(rulefile, group_name_empty)
{
	expect_errors("groups:\n"
		      "  - name: \"\"\n"
		      "    rules:\n"
		      "      - record: a\n"
		      "        expr: 1\n"
		      "  - interval: 1m\n"
		      "  - name: ~\n",
		      "t.yml:2:5: Groupname must not be empty\n"
		      "t.yml:6:5: Groupname must not be empty\n"
		      "t.yml:7:5: Groupname must not be empty\n");
}

/* duplicate_grp.bad.yaml; promtool: 3:5: groupname: "yolo" is repeated in
 * the same file (the group's mapping; a third copy is a second error). */
Test(rulefile, group_name_repeated)
{
	expect_errors(
	    "groups:\n"
	    "  - name: yolo\n"
	    "  - name: other\n"
	    "  - name: yolo\n"
	    "  - interval: 1m\n"
	    "    name: yolo\n",
	    "t.yml:4:5: groupname: \"yolo\" is repeated in the same file\n"
	    "t.yml:5:5: groupname: \"yolo\" is repeated in the same file\n");
}

/* Group labels are newer than promtool 2.42; Prometheus 3's checks. */
Test(rulefile, group_labels_checked)
{
	expect_errors("groups:\n"
		      "  - name: g\n"
		      "    labels:\n"
		      "      team: a\n"
		      "      __name__: x\n"
		      "      \"\": y\n"
		      "    rules:\n"
		      "      - alert: A\n"
		      "        expr: up\n",
		      "t.yml:3:5: invalid label name: \n"
		      "t.yml:3:5: invalid label name: __name__\n");
}

Test(rulefile, group_labels_utf8_names_accepted)
{
	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    labels:\n"
		  "      \"service.name\": api\n"
		  "      \"команда\": infra\n"
		  "    rules:\n"
		  "      - alert: A\n"
		  "        expr: up\n",
		  1);
	cr_assert_str_eq(rf->groups[0].labels[0].name, "service.name");
	cr_assert_str_eq(rf->groups[0].labels[1].name, "команда");
}

/* ------------------------------------------------- rule-level checks */

/* record_and_alert.bad.yaml; promtool: 4:17: 5:16: group "yolo", rule 1,
 * "Hello": only one of 'record' and 'alert' must be set.  We give the
 * first of its two positions. */
Test(rulefile, record_and_alert)
{
	expect_errors(
	    "groups:\n"
	    "  - name: yolo\n"
	    "    rules:\n"
	    "      - record: Hi\n"
	    "        alert: Hello\n"
	    "        expr: 1\n",
	    "t.yml:4:17: group \"yolo\", rule 1, \"Hello\": only one of "
	    "'record' and 'alert' must be set\n");
}

/* no_rec_alert.bad.yaml; promtool: 0:0: group "yolo", rule 1, "": one of
 * 'record' or 'alert' must be set.  We point at the rule.  (Not `alert: ~`:
 * promtool takes the raw text "~" as the name; see tests/golden/README.) */
Test(rulefile, neither_record_nor_alert)
{
	expect_errors(
	    "groups:\n"
	    "  - name: yolo\n"
	    "    rules:\n"
	    "      - expr: 1\n"
	    "      - alert: \"\"\n"
	    "        record: \"\"\n"
	    "        expr: 1\n",
	    "t.yml:4:9: group \"yolo\", rule 1, \"\": one of 'record' or "
	    "'alert' must be set\n"
	    "t.yml:5:9: group \"yolo\", rule 2, \"\": one of 'record' or "
	    "'alert' must be set\n");
}

/* noexpr.bad.yaml (promtool 0:0, we point at the record); with expr
 * present but empty promtool points at its value, as we do:
 * "5:15: group "g", rule 1, "A": field 'expr' must be set in rule" and
 * "7:14: ... rule 2, "B": ...". */
Test(rulefile, expr_missing)
{
	expect_errors(
	    "groups:\n"
	    "  - name: g\n"
	    "    rules:\n"
	    "      - alert: A\n"
	    "        expr: \"\"\n"
	    "      - alert: B\n"
	    "        expr:\n"
	    "      - record: ylo\n",
	    "t.yml:5:15: group \"g\", rule 1, \"A\": field 'expr' must be "
	    "set in rule\n"
	    "t.yml:7:14: group \"g\", rule 2, \"B\": field 'expr' must be "
	    "set in rule\n"
	    "t.yml:8:17: group \"g\", rule 3, \"ylo\": field 'expr' must be "
	    "set in rule\n");
}

/* record_and_for.bad.yaml, record_and_keep_firing_for.bad.yaml and an
 * annotation; promtool: 4:17: group "yolo", rule 1, "Hello": invalid field
 * 'for' in recording rule (each at the record's value). */
Test(rulefile, recording_rule_alert_fields)
{
	expect_errors(
	    "groups:\n"
	    "  - name: yolo\n"
	    "    rules:\n"
	    "      - record: Hello\n"
	    "        expr: 1\n"
	    "        for: 1m\n"
	    "        keep_firing_for: 1m\n"
	    "        annotations:\n"
	    "          a: b\n",
	    "t.yml:4:17: group \"yolo\", rule 1, \"Hello\": invalid field "
	    "'annotations' in recording rule\n"
	    "t.yml:4:17: group \"yolo\", rule 1, \"Hello\": invalid field "
	    "'for' in recording rule\n"
	    "t.yml:4:17: group \"yolo\", rule 1, \"Hello\": invalid field "
	    "'keep_firing_for' in recording rule\n");
}

/* promtool accepts for: 0s on a recording rule (only non-zero is wrong). */
Test(rulefile, recording_rule_zero_for_accepted)
{
	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    rules:\n"
		  "      - record: r\n"
		  "        expr: 1\n"
		  "        for: 0s\n"
		  "        keep_firing_for: 0s\n"
		  "        annotations: {}\n",
		  1);
}

/* invalid_record_name.bad.yaml; promtool: 4:17: group "yolo", rule 1,
 * "strawberry{flavor=\"sweet\"}": invalid recording rule name:
 * strawberry{flavor="sweet"}.  Recording rule names keep the classic
 * metric-name rule, even for UTF-8. */
Test(rulefile, invalid_recording_rule_name)
{
	expect_errors(
	    "groups:\n"
	    "  - name: yolo\n"
	    "    rules:\n"
	    "      - record: strawberry{flavor=\"sweet\"}\n"
	    "        expr: 1\n"
	    "      - record: \"a b\"\n"
	    "        expr: 1\n"
	    "      - record: 1abc\n"
	    "        expr: 1\n"
	    "      - record: \"job:up:sum\"\n"
	    "        expr: 1\n"
	    "      - record: \"métrique\"\n"
	    "        expr: 1\n",
	    "t.yml:4:17: group \"yolo\", rule 1, "
	    "\"strawberry{flavor=\\\"sweet\\\"}\": "
	    "invalid recording rule name: strawberry{flavor=\"sweet\"}\n"
	    "t.yml:6:17: group \"yolo\", rule 2, \"a b\": invalid recording "
	    "rule name: a b\n"
	    "t.yml:8:17: group \"yolo\", rule 3, \"1abc\": invalid recording "
	    "rule name: 1abc\n"
	    "t.yml:12:17: group \"yolo\", rule 5, \"métrique\": invalid "
	    "recording rule name: métrique\n");
}

/* invalid_label_name.bad.yaml; promtool: group "yolo", rule 1, "hola":
 * invalid label name: __name__ (no position; we point at the key). */
Test(rulefile, label_name___name___rejected)
{
	expect_errors(
	    "groups:\n"
	    "  - name: yolo\n"
	    "    rules:\n"
	    "      - record: hola\n"
	    "        expr: 1\n"
	    "        labels:\n"
	    "          __name__: anything\n",
	    "t.yml:7:11: group \"yolo\", rule 1, \"hola\": invalid label "
	    "name: __name__\n");
}

/* promtool: group "g", rule 1, "A": invalid label name:  (and annotation
 * likewise) for an empty name. */
Test(rulefile, empty_label_and_annotation_names)
{
	expect_errors(
	    "groups:\n"
	    "  - name: g\n"
	    "    rules:\n"
	    "      - alert: A\n"
	    "        expr: up\n"
	    "        labels:\n"
	    "          \"\": x\n"
	    "        annotations:\n"
	    "          \"\": y\n",
	    "t.yml:7:11: group \"g\", rule 1, \"A\": invalid label name: \n"
	    "t.yml:9:11: group \"g\", rule 1, \"A\": invalid annotation "
	    "name: \n");
}

/* utf-8_lname.good.yaml, utf-8_annotation.good.yaml: Prometheus 3 accepts
 * them; promtool 2.42 says "invalid label name: ins-tance" (intended
 * difference).  __name__ stays a valid annotation name. */
Test(rulefile, utf8_label_and_annotation_names)
{
	const struct rule *r;

	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    rules:\n"
		  "      - alert: A\n"
		  "        expr: up\n"
		  "        labels:\n"
		  "          ins-tance: localhost\n"
		  "          \"служба\": x\n"
		  "          \"a.b/c\": y\n"
		  "        annotations:\n"
		  "          ins-tance: localhost\n"
		  "          __name__: fine\n",
		  1);
	r = &rf->groups[0].rules[0];
	cr_assert_eq(r->nlabels, 3);
	cr_assert_str_eq(r->labels[0].name, "a.b/c");
	cr_assert_str_eq(r->labels[1].name, "ins-tance");
	cr_assert_str_eq(r->labels[2].name, "служба");
	cr_assert_str_eq(r->annotations[0].name, "__name__");
}

/* Go's %q: quotes, backslashes and control bytes escaped, printable UTF-8
 * kept.  promtool: group "a\"b\\c\tdé\x01\x7f", rule 1, "x\"y\nz": ...
 * while groupname: "%s" is printed raw, as promtool does. */
Test(rulefile, names_quoted_like_go)
{
	expect_errors(
	    "groups:\n"
	    "  - name: \"a\\\"b\\\\c\\tdé\\x01\\x7f\"\n"
	    "    rules:\n"
	    "      - alert: \"x\\\"y\\nz\"\n"
	    "  - name: \"a\\\"b\\\\c\\tdé\\x01\\x7f\"\n",
	    "t.yml:4:16: group \"a\\\"b\\\\c\\tdé\\x01\\x7f\", rule 1, "
	    "\"x\\\"y\\nz\": field 'expr' must be set in rule\n"
	    "t.yml:5:5: groupname: \"a\"b\\c\tdé\x01\x7f\" is repeated in "
	    "the same file\n");
}

/* ------------------------------------------- all errors, one pass */

Test(rulefile, all_errors_collected_in_order)
{
	expect_errors(
	    "groups:\n"
	    "  - name: one\n"
	    "    intervall: 1m\n"
	    "    rules:\n"
	    "      - record: bad name\n"
	    "        expr: x\n"
	    "        for: 5m\n"
	    "      - alert: NoExpr\n"
	    "  - name: two\n"
	    "    rules:\n"
	    "      - expr: up\n"
	    "        labels:\n"
	    "          __name__: x\n"
	    "  - name: one\n",
	    "t.yml:3:5: unknown key \"intervall\" in rule group (did you "
	    "mean \"interval\"?)\n"
	    "t.yml:5:17: group \"one\", rule 1, \"bad name\": invalid field "
	    "'for' in recording rule\n"
	    "t.yml:5:17: group \"one\", rule 1, \"bad name\": invalid "
	    "recording rule name: bad name\n"
	    "t.yml:8:16: group \"one\", rule 2, \"NoExpr\": field 'expr' "
	    "must be set in rule\n"
	    "t.yml:11:9: group \"two\", rule 1, \"\": one of 'record' or "
	    "'alert' must be set\n"
	    "t.yml:13:11: group \"two\", rule 1, \"\": invalid label name: "
	    "__name__\n"
	    "t.yml:14:5: groupname: \"one\" is repeated in the same file\n");
	cr_assert_eq(d.nerrors, 7);
}

/* --------------------------------------------------- unknown keys */

/* bad_field.bad.yaml; promtool: line 8: field annotation not found in type
 * rulefmt.RuleNode.  Ours names the key, where it is and what was meant. */
Test(rulefile, unknown_keys_with_suggestions)
{
	expect_errors(
	    "group:\n"
	    "  - name: g\n"
	    "groups:\n"
	    "  - name: yolo\n"
	    "    rulez:\n"
	    "    colour: red\n"
	    "    rules:\n"
	    "      - alert: hola\n"
	    "        expr: 1\n"
	    "        annotation:\n"
	    "          summary: s\n"
	    "        fro: 5m\n"
	    "        keep_firing: 1m\n",
	    "t.yml:1:1: unknown key \"group\" in rule file (did you mean "
	    "\"groups\"?)\n"
	    "t.yml:5:5: unknown key \"rulez\" in rule group (did you mean "
	    "\"rules\"?)\n"
	    "t.yml:6:5: unknown key \"colour\" in rule group\n"
	    "t.yml:10:9: unknown key \"annotation\" in rule (did you mean "
	    "\"annotations\"?)\n"
	    "t.yml:12:9: unknown key \"fro\" in rule (did you mean "
	    "\"for\"?)\n"
	    "t.yml:13:9: unknown key \"keep_firing\" in rule\n");
}

/* ---------------------------------------------------- type errors */

/* promtool: line 8: cannot unmarshal !!map into string. */
Test(rulefile, label_value_is_a_map)
{
	expect_errors(
	    "groups:\n"
	    "  - name: g\n"
	    "    rules:\n"
	    "      - alert: A\n"
	    "        expr: up\n"
	    "        labels:\n"
	    "          sev:\n"
	    "            x: y\n"
	    "        annotations:\n"
	    "          s: [a]\n",
	    "t.yml:8:13: labels: value of \"sev\" must be a string\n"
	    "t.yml:10:14: annotations: value of \"s\" must be a string\n");
}

/* promtool: not a valid duration string: "1.5m" (and "5x", "-1m", "5"),
 * empty duration string. */
Test(rulefile, bad_durations)
{
	expect_errors(
	    "groups:\n"
	    "  - name: g\n"
	    "    interval: 5x\n"
	    "    query_offset: \"\"\n"
	    "    rules:\n"
	    "      - alert: A\n"
	    "        expr: up\n"
	    "        for: 1.5m\n"
	    "        keep_firing_for: -1m\n"
	    "  - name: h\n"
	    "    interval: 5\n"
	    "  - name: i\n"
	    "    interval: 5s1m\n"
	    "  - name: j\n"
	    "    interval: {a: 1}\n",
	    "t.yml:3:15: interval: not a valid duration string: \"5x\"\n"
	    "t.yml:4:19: query_offset: empty duration string\n"
	    "t.yml:8:14: for: not a valid duration string: \"1.5m\"\n"
	    "t.yml:9:26: keep_firing_for: not a valid duration string: "
	    "\"-1m\"\n"
	    "t.yml:11:15: interval: not a valid duration string: \"5\"\n"
	    "t.yml:13:15: interval: not a valid duration string: "
	    "\"5s1m\"\n"
	    "t.yml:15:15: interval: expected a duration, got a mapping\n");
}

/* promtool (yaml.v3) takes these ints: 1.5 truncated, 0x10, 1_000, +5;
 * it refuses the quoted "5": cannot unmarshal !!str `5` into int. */
Test(rulefile, limit_read_like_yaml_v3)
{
	expect_ok("groups:\n"
		  "  - {name: a, limit: 1.5}\n"
		  "  - {name: b, limit: 0x10}\n"
		  "  - {name: c, limit: 1_000}\n"
		  "  - {name: d, limit: +5}\n",
		  0);
	cr_assert_eq(rf->groups[0].limit, 1);
	cr_assert_eq(rf->groups[1].limit, 16);
	cr_assert_eq(rf->groups[2].limit, 1000);
	cr_assert_eq(rf->groups[3].limit, 5);
	rulefile_free(rf);
	diags_free(&d);
	cr_assert_null(load("groups:\n  - {name: a, limit: \"5\"}\n"));
	cr_assert_eq(d.nerrors, 1);
}

/* promtool: cannot unmarshal !!str `abc` into int (and a too large one). */
Test(rulefile, bad_limit)
{
	expect_errors(
	    "groups:\n"
	    "  - name: g\n"
	    "    limit: abc\n"
	    "  - name: h\n"
	    "    limit: 99999999999999999999\n",
	    "t.yml:3:12: limit: cannot parse \"abc\" as an integer\n"
	    "t.yml:5:12: limit: cannot parse \"99999999999999999999\" as "
	    "an integer\n");
}

/* promtool: cannot unmarshal !!seq into string / map[string]string (and
 * nothing else: a field of the wrong type is not also "unset"). */
Test(rulefile, wrong_types_not_reported_twice)
{
	expect_errors(
	    "groups:\n"
	    "  - name: [a]\n"
	    "    rules:\n"
	    "      - alert: [b]\n"
	    "        expr: {a: b}\n"
	    "        labels: [a]\n",
	    "t.yml:2:11: name: expected a string, got a sequence\n"
	    "t.yml:4:16: alert: expected a string, got a sequence\n"
	    "t.yml:5:15: expr: expected a string, got a mapping\n"
	    "t.yml:6:17: labels: expected a mapping, got a sequence\n");
}

/* promtool: cannot unmarshal !!str `foo` into []rulefmt.RuleGroup,
 * !!seq into rulefmt.RuleGroups, !!map into []rulefmt.RuleNode,
 * !!str `foo` into rulefmt.RuleGroup / rulefmt.RuleNode. */
Test(rulefile, wrong_collection_kinds)
{
	expect_errors("groups: foo\n",
		      "t.yml:1:9: groups: expected a sequence, got a scalar\n");
	diags_free(&d);
	expect_errors(
	    "- a\n- b\n",
	    "t.yml:1:1: rule file: expected a mapping, got a sequence\n");
	diags_free(&d);
	expect_errors(
	    "hello\n",
	    "t.yml:1:1: rule file: expected a mapping, got a scalar\n");
	diags_free(&d);
	expect_errors(
	    "groups:\n"
	    "  - foo\n"
	    "  - name: g\n"
	    "    rules:\n"
	    "      alert: A\n"
	    "  - name: \"h\\\"\"\n"
	    "    rules:\n"
	    "      - foo\n"
	    "      - [a]\n",
	    "t.yml:2:5: rule group: expected a mapping\n"
	    "t.yml:5:7: rules: expected a sequence, got a mapping\n"
	    "t.yml:8:9: group \"h\\\"\", rule 1: expected a mapping\n"
	    "t.yml:9:9: group \"h\\\"\", rule 2: expected a mapping\n");
}

/* ------------------------------------------------- YAML-level errors */

/* promtool: line 5: mapping key "alert" already defined at line 4. */
Test(rulefile, duplicate_keys_rejected)
{
	expect_errors(
	    "groups:\n"
	    "  - name: g\n"
	    "    rules:\n"
	    "      - alert: A\n"
	    "        alert: B\n"
	    "        expr: up\n",
	    "t.yml:5:9: mapping key \"alert\" already defined at line 4\n");
}

/* The file's own errors count even when diags already held some. */
Test(rulefile, verdict_ignores_earlier_diagnostics)
{
	diag_add(&d, DIAG_ERROR, "other.yml", 1, 1, "earlier");
	cr_assert_not_null(load("groups:\n  - name: g\n"));
	rulefile_free(rf);
	rf = NULL;
	cr_assert_null(load("groups:\n  - name: g\n    name: h\n"));
}

/* promtool: yaml: line 2: found character that cannot start any token. */
Test(rulefile, syntax_error)
{
	expect_errors("groups:\n\t- name: g\n",
		      "t.yml:2:1: yaml: found character that cannot start any "
		      "token while scanning for the next token\n");
}

Test(rulefile, unknown_alias)
{
	cr_assert_null(load("groups: *nope\n"));
	cr_assert_eq(d.nerrors, 1);
	cr_assert(strstr(diags_text(), "unknown anchor 'nope' referenced"));
}

/* ------------------------------------------------ multiple documents */

/* promtool 2.42 silently keeps the first document; newer promtool logs
 * this warning (ruler.md §1.1).  Either way the file is valid. */
Test(rulefile, multi_document_warning)
{
	cr_assert_not_null(load("groups:\n"
				"  - name: g\n"
				"    rules:\n"
				"      - alert: A\n"
				"        expr: up\n"
				"---\n"
				"groups:\n"
				"  - name: h\n"
				"    nonsense: 1\n"));
	cr_assert_eq(d.nerrors, 0);
	cr_assert_str_eq(
	    diags_text(),
	    "t.yml: warning: Multiple document yaml rules files are "
	    "not supported, only the first document is processed\n");
	cr_assert_eq(rf->ngroups, 1);
	cr_assert_eq(rulefile_count_rules(rf), 1);
}

/* ----------------------------------------------- aliases and merges */

/* rulefmt-testdata/test_aliases.yaml; promtool: SUCCESS: 8 rules found. */
Test(rulefile, aliases_and_merge_keys)
{
	const struct rule *r;
	const char *expr = "sum without(instance) (rate(errors_total[5m]))\n/\n"
			   "sum without(instance) (rate(requests_total[5m]))\n";

	rf = rulefile_load(CORPUS "rulefmt-testdata/test_aliases.yaml", &d);
	cr_assert_not_null(rf, "%s", diags_text());
	cr_assert_eq(d.n, 0, "%s", diags_text());
	cr_assert_eq(rulefile_count_rules(rf), 8);
	cr_assert_eq(rf->ngroups, 2);
	cr_assert_str_eq(rf->groups[1].name, "my-another-name");
	cr_assert_eq(rf->groups[0].interval_ms, 30000);

	r = &rf->groups[0].rules[1]; /* record: &recordname, expr: *expr */
	cr_assert_eq(r->kind, RULE_RECORD);
	cr_assert_str_eq(r->name, "new_metric");
	cr_assert_str_eq(r->expr, expr);

	r = &rf->groups[0].rules[2]; /* alert: *alertname ... */
	cr_assert_str_eq(r->name, "HighAlert");
	cr_assert_str_eq(r->labels[0].value, "critical");
	cr_assert_str_eq(r->annotations[0].value,
			 "stuff's happening with {{ $.labels.service }}");
	/* The rule sits where its alias is written, not at the anchor. */
	cr_assert_eq(r->line, 24);
	cr_assert_eq(r->col, 16);

	r = &rf->groups[0].rules[3]; /* <<: *highalert, alert: HighAlert2 */
	cr_assert_eq(r->kind, RULE_ALERT);
	cr_assert_str_eq(r->name, "HighAlert2");
	cr_assert_str_eq(r->expr, expr);
	cr_assert_eq(r->for_ms, 5 * 60000);
	cr_assert_eq(r->nlabels, 1);
	cr_assert_str_eq(r->labels[0].name, "severity");
	cr_assert_eq(r->nannotations, 1);
	cr_assert_str_eq(r->annotations[0].name, "description");

	r = &rf->groups[1].rules[2]; /* no for: */
	cr_assert_eq(r->for_ms, 0);
}

/* A merge inside a label map: explicit keys win over merged ones. */
Test(rulefile, merge_key_in_labels)
{
	const struct rule *r;

	expect_ok("groups:\n"
		  "  - name: g\n"
		  "    rules:\n"
		  "      - alert: A\n"
		  "        expr: up\n"
		  "        labels:\n"
		  "          <<: {a: b, c: d}\n"
		  "          a: z\n",
		  1);
	r = &rf->groups[0].rules[0];
	cr_assert_eq(r->nlabels, 2);
	cr_assert_str_eq(r->labels[0].name, "a");
	cr_assert_str_eq(r->labels[0].value, "z");
	cr_assert_str_eq(r->labels[1].value, "d");
}

/* ------------------------------------------------- corpus verdicts */

/* Every rulefmt-testdata file: promtool's verdict and count, or its
 * message (with its position where it gives one). */
Test(rulefile, rulefmt_testdata)
{
	static const struct {
		const char *file;
		long rules; /* -1: rejected with msg */
		const char *msg;
	} cases[] = {
	    {"test.yaml", 6, NULL},
	    {"test_aliases.yaml", 8, NULL},
	    {"legacy_validation_annotation.good.yaml", 1, NULL},
	    /* Intended: Prometheus 3 UTF-8 names (promtool 2.42 rejects). */
	    {"utf-8_annotation.good.yaml", 1, NULL},
	    {"utf-8_lname.good.yaml", 1, NULL},
	    {"legacy_validation_annotation.bad.yaml", 1, NULL},
	    /* No PromQL parser yet (a later issue). */
	    {"bad_expr.bad.yaml", 1, NULL},
	    {"bad_field.bad.yaml", -1,
	     "8:9: unknown key \"annotation\" in rule (did you mean "
	     "\"annotations\"?)"},
	    {"duplicate_grp.bad.yaml", -1,
	     "3:5: groupname: \"yolo\" is repeated in the same file"},
	    {"invalid_label_name.bad.yaml", -1,
	     "7:11: group \"yolo\", rule 1, \"hola\": invalid label name: "
	     "__name__"},
	    {"invalid_record_name.bad.yaml", -1,
	     "4:17: group \"yolo\", rule 1, "
	     "\"strawberry{flavor=\\\"sweet\\\"}\": "
	     "invalid recording rule name: strawberry{flavor=\"sweet\"}"},
	    {"no_rec_alert.bad.yaml", -1,
	     "4:9: group \"yolo\", rule 1, \"\": one of 'record' or 'alert' "
	     "must be set"},
	    {"noexpr.bad.yaml", -1,
	     "4:17: group \"yolo\", rule 1, \"ylo\": field 'expr' must be set "
	     "in rule"},
	    {"record_and_alert.bad.yaml", -1,
	     "4:17: group \"yolo\", rule 1, \"Hello\": only one of 'record' "
	     "and 'alert' must be set"},
	    {"record_and_for.bad.yaml", -1,
	     "4:17: group \"yolo\", rule 1, \"Hello\": invalid field 'for' in "
	     "recording rule"},
	    {"record_and_keep_firing_for.bad.yaml", -1,
	     "4:17: group \"yolo\", rule 1, \"Hello\": invalid field "
	     "'keep_firing_for' in recording rule"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *path =
		    xasprintf(CORPUS "rulefmt-testdata/%s", cases[i].file);
		char *want;

		rf = rulefile_load(path, &d);
		if (cases[i].rules >= 0) {
			cr_assert_not_null(rf, "%s: %s", path, diags_text());
			cr_assert_eq(rulefile_count_rules(rf),
				     (size_t)cases[i].rules, "%s", path);
		} else {
			cr_assert_null(rf, "%s accepted", path);
			want = xasprintf("%s:%s\n", path, cases[i].msg);
			cr_assert_str_eq(diags_text(), want);
			free(want);
		}
		free(path);
		rulefile_free(rf);
		rf = NULL;
		diags_free(&d);
	}
}

Test(rulefile, missing_file)
{
	cr_assert_null(
	    rulefile_load("tests/golden/rules/no-such-file.yml", &d));
	cr_assert_str_eq(diags_text(), "tests/golden/rules/no-such-file.yml: "
				       "No such file or directory\n");
}

Test(rulefile, free_null)
{
	rulefile_free(NULL);
}

/* ------------------------------------------------ duplicate-rules lint */

/* promtool-testdata/rules_duplicates.yml; promtool: "1 duplicate rule(s)
 * found. Metric: job:test:count_over_time1m" for three copies. */
Test(rulefile, lint_duplicates_grouped)
{
	rf = rulefile_load(CORPUS "promtool-testdata/rules_duplicates.yml", &d);
	cr_assert_not_null(rf, "%s", diags_text());
	cr_assert_eq(rulefile_lint_duplicates(rf, &d), 1);
	cr_assert_eq(d.nerrors, 0);
	cr_assert_str_eq(
	    diags_text(),
	    CORPUS "promtool-testdata/rules_duplicates.yml:6:17: "
		   "warning: duplicate rule: \"job:test:count_over_time1m\" "
		   "with labels {} is defined again at line 18, 23\n");
}

/* rulefmt-testdata/test.yaml; promtool: 1 duplicate rule(s) found,
 * Metric: HighErrors, severity: critical. */
Test(rulefile, lint_duplicates_test_yaml)
{
	rf = rulefile_load(CORPUS "rulefmt-testdata/test.yaml", &d);
	cr_assert_not_null(rf, "%s", diags_text());
	cr_assert_eq(rulefile_lint_duplicates(rf, &d), 1);
	cr_assert(strstr(diags_text(),
			 "duplicate rule: \"HighErrors\" with labels "
			 "{severity=\"critical\"} is defined again at line 26, "
			 "40, 55"),
		  "%s", text);
}

/* promtool 2.42 reports "HighAlert2" and "alertname" here: yaml.v3 hands it
 * an alias node whose value is the anchor's name.  We resolve the alias:
 * HighAlert four times, HighAlert2 twice. */
Test(rulefile, lint_duplicates_with_aliases)
{
	rf = rulefile_load(CORPUS "rulefmt-testdata/test_aliases.yaml", &d);
	cr_assert_not_null(rf, "%s", diags_text());
	cr_assert_eq(rulefile_lint_duplicates(rf, &d), 2);
	cr_assert(strstr(diags_text(),
			 "duplicate rule: \"HighAlert\" with labels "
			 "{severity=\"critical\"} is defined again "
			 "at line 24, 38, 49\n"),
		  "%s", text);
	cr_assert(strstr(text, "duplicate rule: \"HighAlert2\" with labels "
			       "{severity=\"critical\"} is defined again at "
			       "line 57\n"),
		  "%s", text);
}

Test(rulefile, lint_labels_decide)
{
	expect_ok("groups:\n"
		  "  - name: a\n"
		  "    labels: {team: x}\n"
		  "    rules:\n"
		  "      - {record: r, expr: up, labels: {a: '1', b: '2'}}\n"
		  "      - {record: r, expr: up, labels: {a: '1'}}\n"
		  "      - {alert: r, expr: up, labels: {b: '2', a: '1'}}\n"
		  "      - {alert: s, expr: up}\n"
		  "  - name: b\n"
		  "    rules:\n"
		  "      - {record: r, expr: up, labels: {a: '1', team: x}}\n"
		  "      - {alert: s, expr: up, labels: {team: y}}\n"
		  "      - {alert: t, expr: up}\n",
		  7);
	/* Same name, same labels in any order and from either level. */
	cr_assert_eq(rulefile_lint_duplicates(rf, &d), 2);
	cr_assert_str_eq(
	    diags_text(),
	    "t.yml:5:18: warning: duplicate rule: \"r\" with labels "
	    "{a=\"1\", b=\"2\", team=\"x\"} is defined again at line 7\n"
	    "t.yml:6:18: warning: duplicate rule: \"r\" with labels "
	    "{a=\"1\", team=\"x\"} is defined again at line 11\n");
}

/* A rule whose name comes from a merge is placed at the rule itself, not
 * at the anchor (promtool: 1 duplicate rule(s) found, Metric: A). */
Test(rulefile, lint_merged_rule_position)
{
	expect_ok("groups:\n"
		  "  - name: a\n"
		  "    rules:\n"
		  "      - &r {alert: A, expr: up}\n"
		  "  - name: b\n"
		  "    rules:\n"
		  "      - <<: *r\n"
		  "      - <<: *r\n"
		  "        labels: {x: y}\n",
		  3);
	cr_assert_eq(rf->groups[1].rules[0].line, 7);
	cr_assert_eq(rf->groups[1].rules[0].col, 9);
	cr_assert_eq(rulefile_lint_duplicates(rf, &d), 1);
	cr_assert_str_eq(
	    diags_text(),
	    "t.yml:4:20: warning: duplicate rule: \"A\" with labels "
	    "{} is defined again at line 7\n");
}

Test(rulefile, lint_nothing_to_say)
{
	expect_ok("groups:\n", 0);
	cr_assert_eq(rulefile_lint_duplicates(rf, &d), 0);
	rulefile_free(rf);
	expect_ok(
	    "groups:\n  - name: g\n    rules:\n"
	    "      - {alert: A, expr: up}\n      - {alert: B, expr: up}\n",
	    2);
	cr_assert_eq(rulefile_lint_duplicates(rf, &d), 0);
	cr_assert_eq(d.n, 0);
}
