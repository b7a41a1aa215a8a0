/*
 * test_ydoc.c - the YAML tree: positions, scalar kinds, anchors and merge
 * keys, duplicate keys, multi-document streams, syntax errors and the typed
 * accessors.
 *
 * Expected behaviour comes from the Go YAML libraries the peers use, checked
 * against the real tools on this machine where they show it:
 *   - promtool / prometheus 2.42 (gopkg.in/yaml.v3) for rule files: merge
 *     precedence read back from /api/v1/rules, error texts from
 *     `promtool check rules`;
 *   - amtool 0.25 `check-config` (gopkg.in/yaml.v2) for booleans and
 *     multi-document files.
 * Tests run with cwd at the repository root.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "ydoc.h"

#define CORPUS "../shared/corpus/rules/prometheus-testdata/"

static struct diags D;

static void teardown(void)
{
	diags_free(&D);
}

TestSuite(ydoc, .fini = teardown);

static struct ydoc *load(const char *s)
{
	diags_free(&D);
	return ydoc_load_buf("t.yml", s, strlen(s), &D);
}

/* Returns 1 when some diagnostic formats exactly as want. */
static int has_diag(const char *want)
{
	int found = 0;

	for (size_t i = 0; i < D.n && !found; i++) {
		char *s = diag_format(&D.v[i]);

		found = strcmp(s, want) == 0;
		free(s);
	}
	if (!found) {
		fprintf(stderr, "wanted diagnostic: %s\nhave %zu:\n", want,
			D.n);
		diags_print(&D, stderr);
	}
	return found;
}

/* Follows a path of map keys from n. */
static const struct ynode *at(const struct ynode *n, const char *k1,
			      const char *k2)
{
	n = ydoc_get(n, k1);
	return k2 ? ydoc_get(n, k2) : n;
}

/* ------------------------------------------------------------- positions */

Test(ydoc, positions_are_one_based_for_keys_and_values)
{
	struct ydoc *doc = load("groups:\n"
				"  - name: g\n"
				"    rules:\n"
				"      - alert: A\n"
				"        expr:   up\n");
	const struct ynode *g, *r, *k;

	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	cr_assert_eq(doc->root->kind, YNODE_MAP);
	cr_assert_eq(doc->root->line, 1);
	cr_assert_eq(doc->root->col, 1);
	k = ydoc_get_key(doc->root, "groups");
	cr_assert_eq(k->line, 1);
	cr_assert_eq(k->col, 1);
	g = ydoc_get(doc->root, "groups");
	cr_assert_eq(g->kind, YNODE_SEQ);
	cr_assert_eq(g->line, 2);
	cr_assert_eq(g->col, 3); /* the "-" */
	g = g->items[0];
	cr_assert_eq(g->line, 2);
	cr_assert_eq(g->col, 5); /* a mapping starts at its first key */
	k = ydoc_get_key(g, "name");
	cr_assert_eq(k->line, 2);
	cr_assert_eq(k->col, 5);
	cr_assert_eq(ydoc_get(g, "name")->line, 2);
	cr_assert_eq(ydoc_get(g, "name")->col, 11);
	r = ydoc_get(g, "rules")->items[0];
	cr_assert_eq(ydoc_get_key(r, "expr")->line, 5);
	cr_assert_eq(ydoc_get_key(r, "expr")->col, 9);
	cr_assert_eq(ydoc_get(r, "expr")->line, 5);
	cr_assert_eq(ydoc_get(r, "expr")->col, 17);
	cr_assert_str_eq(ydoc_get(r, "expr")->str, "up");
	ydoc_free(doc);
}

Test(ydoc, positions_count_characters_not_bytes)
{
	/* libyaml (and yaml.v3, its port) count columns in characters. */
	struct ydoc *doc = load("k: {\"\xc3\xa9\xc3\xa9\": 1, b: 2}\n");

	cr_assert_not_null(doc);
	cr_assert_eq(ydoc_get_key(at(doc->root, "k", NULL), "b")->col, 14);
	ydoc_free(doc);
}

Test(ydoc, positions_of_flow_and_block_scalars)
{
	struct ydoc *doc = load("a: [x, {y: z}]\n"
				"b: |\n"
				"  line\n");
	const struct ynode *a = ydoc_get(doc->root, "a");

	cr_assert_eq(a->col, 4);
	cr_assert_eq(a->items[1]->col, 8);
	cr_assert_eq(ydoc_get(a->items[1], "y")->col, 12);
	cr_assert_eq(ydoc_get(doc->root, "b")->line, 2);
	cr_assert_eq(ydoc_get(doc->root, "b")->col, 4);
	ydoc_free(doc);
}

/* ---------------------------------------------------------- scalar kinds */

Test(ydoc, null_forms_and_quoted_null)
{
	/* YAML core schema nulls (yaml.v2 and v3 resolve tables): "", ~,
	 * null, Null, NULL - plain only.  Quoted text and !!str stay text. */
	struct ydoc *doc =
	    load("a: ~\nb: null\nc: Null\nd: NULL\ne:\n"
		 "f: \"null\"\ng: '~'\nh: !!str null\n"
		 "i: nULL\nj: \"\"\nk: !!null\nl: !!null \"\"\n");
	const char *nulls[] = {"a", "b", "c", "d", "e", "k", "l"};
	const struct ynode *n;

	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	for (size_t i = 0; i < ARRAY_LEN(nulls); i++) {
		n = ydoc_get(doc->root, nulls[i]);
		cr_assert_not_null(n, "%s", nulls[i]);
		cr_assert_eq(n->kind, YNODE_NULL, "%s", nulls[i]);
		cr_assert_str_eq(ydoc_text(n), "");
	}
	n = ydoc_get(doc->root, "f");
	cr_assert_eq(n->kind, YNODE_SCALAR);
	cr_assert_str_eq(n->str, "null");
	cr_assert_eq(n->plain, 0);
	n = ydoc_get(doc->root, "g");
	cr_assert_eq(n->kind, YNODE_SCALAR);
	cr_assert_str_eq(n->str, "~");
	n = ydoc_get(doc->root, "h");
	cr_assert_eq(n->kind, YNODE_SCALAR);
	cr_assert_str_eq(n->str, "null");
	cr_assert_eq(n->plain, 0);
	n = ydoc_get(doc->root, "i");
	cr_assert_eq(n->kind, YNODE_SCALAR);
	cr_assert_eq(n->plain, 1);
	n = ydoc_get(doc->root, "j");
	cr_assert_eq(n->kind, YNODE_SCALAR, "a quoted empty string is text");
	cr_assert_eq(n->len, 0);
	ydoc_free(doc);
}

Test(ydoc, scalar_styles)
{
	struct ydoc *doc = load("p: plain text\n"
				"s: 'it''s'\n"
				"d: \"tab\\there\\u00e9\"\n"
				"l: |\n  one\n  two\n"
				"f: >\n  one\n  two\n"
				"z: \"nul\\0byte\"\n");
	const struct ynode *n;

	cr_assert_not_null(doc);
	n = ydoc_get(doc->root, "p");
	cr_assert_str_eq(n->str, "plain text");
	cr_assert_eq(n->plain, 1);
	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "s")), "it's");
	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "d")),
			 "tab\there\xc3\xa9");
	n = ydoc_get(doc->root, "l");
	cr_assert_str_eq(n->str, "one\ntwo\n");
	cr_assert_eq(n->plain, 0);
	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "f")), "one two\n");
	n = ydoc_get(doc->root, "z");
	cr_assert_eq(n->len, 8, "len keeps bytes past an escaped NUL");
	cr_assert_eq(memcmp(n->str, "nul\0byte", 9), 0);
	ydoc_free(doc);
}

Test(ydoc, empty_streams)
{
	struct ydoc *doc = load("");

	cr_assert_not_null(doc);
	cr_assert_null(doc->root);
	cr_assert_eq(doc->ndocs, 0);
	ydoc_free(doc);
	doc = load("# only a comment\n");
	cr_assert_null(doc->root);
	cr_assert_eq(doc->ndocs, 0);
	ydoc_free(doc);
	doc = load("---\n");
	cr_assert_eq(doc->ndocs, 1);
	cr_assert_not_null(doc->root);
	cr_assert_eq(doc->root->kind, YNODE_NULL);
	ydoc_free(doc);
}

/* ------------------------------------------------------ anchors, aliases */

/* Collections are shared; a scalar alias is a copy that keeps the alias's
 * own position (so errors point at the alias) and the anchored text. */
Test(ydoc, aliases_share_the_anchored_node)
{
	struct ydoc *doc = load("a: &m {k: v}\n"
				"b: *m\n"
				"c: &s text\n"
				"d: [*s, *m]\n");
	const struct ynode *a = ydoc_get(doc->root, "a");
	const struct ynode *d = ydoc_get(doc->root, "d");

	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	cr_assert_eq(ydoc_get(doc->root, "b"), a);
	cr_assert_eq(d->items[0]->str, ydoc_get(doc->root, "c")->str);
	cr_assert_eq(d->items[0]->line, 4);
	cr_assert_eq(d->items[0]->col, 5);
	cr_assert_eq(d->items[1], a);
	cr_assert_str_eq(ydoc_text(ydoc_get(a, "k")), "v");
	ydoc_free(doc);
}

Test(ydoc, later_anchor_of_same_name_shadows)
{
	struct ydoc *doc = load("a: &x 1\nb: *x\nc: &x 2\nd: *x\n");

	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "b")), "1");
	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "d")), "2");
	ydoc_free(doc);
}

Test(ydoc, unknown_anchor_is_an_error_without_follow_on_errors)
{
	/* The bad alias must not shift the key/value pairing: no "mapping keys
	 * must be scalars" for the [1] that follows. */
	struct ydoc *doc = load("a: *nope\nb: [1]\nc: 2\n");

	cr_assert_null(doc);
	cr_assert_eq(D.n, 1);
	cr_assert(
	    has_diag("t.yml:1:4: yaml: unknown anchor 'nope' referenced"));
}

Test(ydoc, alias_inside_its_own_anchor_is_an_error)
{
	struct ydoc *doc = load("a: &x [1, *x]\n");

	cr_assert_null(doc);
	cr_assert(
	    has_diag("t.yml:1:11: yaml: anchor 'x' value contains itself"));
	doc = load("a: &x {b: {c: *x}}\n");
	cr_assert_null(doc);
	cr_assert(
	    has_diag("t.yml:1:15: yaml: anchor 'x' value contains itself"));
}

Test(ydoc, alias_fan_out_is_refused_as_excessive_aliasing)
{
	/* A "billion laughs" of 10^9 leaves: the tree would be small (aliases
	 * are shared) but every loader walking it would not be.  yaml.v2/v3
	 * refuse it with this message; so does promtool 2.42. */
	struct buf b = {0};
	struct ydoc *doc;

	buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++) {
		buf_printf(&b, "a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1);
		buf_puts(&b, "]\n");
	}
	doc = load(b.s);
	cr_assert_null(doc);
	cr_assert_eq(D.n, 1);
	cr_assert_str_eq(D.v[0].msg,
			 "yaml: document contains excessive aliasing");
	buf_free(&b);
}

Test(ydoc, moderate_alias_use_is_fine)
{
	/* 2,000 rules sharing one labels map: heavy but ordinary reuse. */
	struct buf b = {0};
	struct ydoc *doc;

	buf_puts(&b, "common: &c {team: db, severity: page, a: b, c: d}\n"
		     "rules:\n");
	for (int i = 0; i < 2000; i++)
		buf_printf(&b, "- {alert: A%d, expr: up, labels: *c}\n", i);
	doc = load(b.s);
	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	cr_assert_eq(ydoc_get(doc->root, "rules")->n, 2000);
	ydoc_free(doc);
	buf_free(&b);
}

/* ------------------------------------------------------------ merge keys */

/*
 * Same shapes as a rule file loaded into Prometheus 2.42 (yaml.v3) and read
 * back from /api/v1/rules: ExplicitAfter for=5m, ExplicitBefore for=7m,
 * SeqMerge for=1m labels{from=a} keep_firing_for=3m, SeqMergeRev for=2m
 * labels{from=b} annotations{s=a}.
 */
static const char merge_doc[] =
    "a: &a {for: 1m, labels: {from: a}, annotations: {s: a}}\n"
    "b: &b {for: 2m, labels: {from: b}, keep_firing_for: 3m}\n"
    "after:\n  alert: ExplicitAfter\n  <<: *a\n  for: 5m\n"
    "before:\n  for: 7m\n  <<: *a\n  alert: ExplicitBefore\n"
    "seq:\n  alert: SeqMerge\n  <<: [*a, *b]\n"
    "rev:\n  alert: SeqMergeRev\n  <<: [*b, *a]\n"
    "inline: {<<: {x: 1, y: 1}, y: 2}\n";

Test(ydoc, merge_key_explicit_keys_win)
{
	struct ydoc *doc = load(merge_doc);
	const struct ynode *m;

	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	m = ydoc_get(doc->root, "after");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "for")), "5m");
	cr_assert_str_eq(ydoc_text(at(m, "labels", "from")), "a");
	cr_assert_null(ydoc_get(m, "<<"), "the merge key itself is gone");
	cr_assert_eq(m->n, 4); /* alert, for, labels, annotations */
	m = ydoc_get(doc->root, "before");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "for")), "7m",
			 "explicit keys win even before the merge key");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "alert")), "ExplicitBefore");
	m = ydoc_get(doc->root, "inline");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "x")), "1");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "y")), "2");
	cr_assert_eq(m->n, 2);
	ydoc_free(doc);
}

Test(ydoc, merge_list_earlier_source_wins)
{
	struct ydoc *doc = load(merge_doc);
	const struct ynode *m;

	m = ydoc_get(doc->root, "seq");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "for")), "1m");
	cr_assert_str_eq(ydoc_text(at(m, "labels", "from")), "a");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "keep_firing_for")), "3m");
	cr_assert_eq(ydoc_get(m, "labels"), at(doc->root, "a", "labels"),
		     "merged values are shared");
	m = ydoc_get(doc->root, "rev");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "for")), "2m");
	cr_assert_str_eq(ydoc_text(at(m, "labels", "from")), "b");
	cr_assert_str_eq(ydoc_text(at(m, "annotations", "s")), "a");
	/* Merged keys keep the position they were written at. */
	cr_assert_eq(ydoc_get_key(m, "annotations")->line, 1);
	ydoc_free(doc);
}

Test(ydoc, quoted_merge_key_is_an_ordinary_key)
{
	/* amtool 0.25: `"<<": {...}` is "field << not found", i.e. a key. */
	struct ydoc *doc = load("\"<<\": {a: 1}\n");

	cr_assert_not_null(ydoc_get(doc->root, "<<"));
	cr_assert_null(ydoc_get(doc->root, "a"));
	ydoc_free(doc);
}

Test(ydoc, merge_of_a_scalar_is_an_error)
{
	/* Reported at the merge key, whatever the alias points at. */
	struct ydoc *doc = load("a: &s text\nb:\n  <<: *s\n");

	cr_assert_not_null(doc);
	cr_assert(has_diag("t.yml:3:3: yaml: map merge requires map or "
			   "sequence of maps as the value"));
	ydoc_free(doc);
	doc = load("a: &m {x: 1}\nb: {<<: [*m, 3, 4]}\n");
	cr_assert(has_diag("t.yml:2:5: yaml: map merge requires map or "
			   "sequence of maps as the value"));
	cr_assert_str_eq(ydoc_text(at(doc->root, "b", "x")), "1");
	cr_assert_eq(D.n, 1, "one error per merge key");
	ydoc_free(doc);
}

/* -------------------------------------------------------- duplicate keys */

Test(ydoc, big_mappings)
{
	/* 50,000 keys, a duplicate of the first at the end, and a mapping
	 * merging all of them under one more key. */
	struct buf b = {0};
	struct ydoc *doc;
	const struct ynode *m;

	buf_puts(&b, "big: &big\n");
	for (int i = 0; i < 50000; i++)
		buf_printf(&b, "  key_%d: v%d\n", i, i);
	buf_puts(&b, "  key_0: again\n");
	buf_puts(&b, "merged: {<<: *big, key_7: mine, extra: 1}\n");
	doc = load(b.s);
	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 1);
	cr_assert(has_diag("t.yml:50002:3: mapping key \"key_0\" already "
			   "defined at line 2"));
	m = ydoc_get(doc->root, "big");
	cr_assert_eq(m->n, 50000);
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "key_0")), "v0");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "key_49999")), "v49999");
	m = ydoc_get(doc->root, "merged");
	cr_assert_eq(m->n, 50001);
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "key_7")), "mine");
	cr_assert_str_eq(ydoc_text(ydoc_get(m, "key_8")), "v8");
	ydoc_free(doc);
	buf_free(&b);
}

Test(ydoc, duplicate_key_names_both_lines)
{
	/* yaml.v3: `line 3: mapping key "a" already defined at line 1`. */
	struct ydoc *doc = load("a: 1\nb: 2\na: 3\n");

	cr_assert_not_null(doc, "reported, and loading goes on");
	cr_assert_eq(D.nerrors, 1);
	cr_assert(has_diag("t.yml:3:1: mapping key \"a\" already defined at "
			   "line 1"));
	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "a")), "1");
	ydoc_free(doc);
}

Test(ydoc, duplicate_keys_in_nested_maps_and_via_alias)
{
	struct ydoc *doc = load("r:\n  labels:\n    x: 1\n    y: 2\n    x: 3\n"
				"s:\n  &k key: 1\n  *k : 2\n");

	cr_assert_not_null(doc);
	cr_assert_eq(D.nerrors, 2);
	cr_assert(has_diag("t.yml:5:5: mapping key \"x\" already defined at "
			   "line 3"));
	cr_assert(has_diag("t.yml:8:3: mapping key \"key\" already defined at "
			   "line 7"));
	ydoc_free(doc);
}

Test(ydoc, null_key_is_an_error)
{
	struct ydoc *doc = load("~: 1\nb: 2\n");

	cr_assert_not_null(doc);
	cr_assert(
	    has_diag("t.yml:1:1: mapping keys must be scalars, not null"));
	ydoc_free(doc);
}

Test(ydoc, non_scalar_key_is_an_error)
{
	struct ydoc *doc = load("? [a]\n: 1\nb: 2\n");

	cr_assert_not_null(doc);
	cr_assert(has_diag("t.yml:1:3: mapping keys must be scalars, not a "
			   "sequence"));
	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "b")), "2");
	ydoc_free(doc);
}

/* --------------------------------------------------------- multi-document */

Test(ydoc, only_the_first_document_is_kept)
{
	struct ydoc *doc = load("a: 1\n---\nb: 2\n---\nc: 3\n");

	cr_assert_not_null(doc);
	cr_assert_eq(doc->ndocs, 3);
	cr_assert_eq(doc->root->n, 1);
	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "a")), "1");
	cr_assert_null(ydoc_get(doc->root, "b"));
	ydoc_free(doc);
	doc = load("---\na: 1\n...\n---\nb: 2\n");
	cr_assert_eq(doc->ndocs, 2);
	ydoc_free(doc);
}

Test(ydoc, errors_after_the_first_document_are_ignored)
{
	/* promtool check rules and amtool check-config both accept a file
	 * whose second document is broken: they never parse it. */
	struct ydoc *doc = load("a: 1\n---\nfoo: [bar\n");

	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	cr_assert_eq(doc->ndocs, 2);
	cr_assert_str_eq(ydoc_text(ydoc_get(doc->root, "a")), "1");
	ydoc_free(doc);
	doc = load("a: 1\n---\n- x: *nope\n- &z [*z]\n");
	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	ydoc_free(doc);
}

/* ---------------------------------------------------------- syntax errors */

Test(ydoc, syntax_errors_carry_a_position)
{
	/* promtool: "yaml: line 1: mapping values are not allowed in this
	 * context" */
	struct ydoc *doc = load("a: b: c\n");

	cr_assert_null(doc);
	cr_assert_eq(D.n, 1);
	cr_assert(has_diag("t.yml:1:5: yaml: mapping values are not allowed "
			   "in this context"));
	doc = load("a: 1\nb: [1, 2\nc: 3\n");
	cr_assert_null(doc);
	cr_assert_eq(D.n, 1);
	cr_assert_eq(D.v[0].line, 3);
	cr_assert(strstr(D.v[0].msg, "did not find expected ',' or ']'"));
	doc = load("a:\n  - 1\n b: 2\n");
	cr_assert_null(doc);
	cr_assert_eq(D.v[0].line, 3);
	doc = load("a: \"unterminated\n");
	cr_assert_null(doc);
	cr_assert(strstr(D.v[0].msg, "found unexpected end of stream"));
	doc = load("a:\tb\n\t- x\n");
	cr_assert_null(doc);
	cr_assert_eq(D.v[0].line, 2);
}

Test(ydoc, nesting_limit)
{
	struct buf b = {0};
	struct ydoc *doc;

	for (int i = 0; i < 300; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 300; i++)
		buf_putc(&b, ']');
	doc = load(b.s);
	cr_assert_null(doc);
	cr_assert(has_diag("t.yml:1:257: document nested deeper than 256 "
			   "levels"));
	buf_reset(&b);
	for (int i = 0; i < 200; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 200; i++)
		buf_putc(&b, ']');
	doc = load(b.s);
	cr_assert_not_null(doc);
	ydoc_free(doc);
	buf_free(&b);
}

Test(ydoc, missing_file)
{
	struct ydoc *doc = ydoc_load_file("no/such/file.yml", &D);

	cr_assert_null(doc);
	cr_assert(has_diag("no/such/file.yml: No such file or directory"));
}

/* ------------------------------------------------------ ydoc_check_map */

static const char *const rule_keys[] = {"alert",  "expr",	 "for",
					"labels", "annotations", NULL};

Test(ydoc, check_map_unknown_key_with_suggestion)
{
	struct ydoc *doc = load("alert: A\nexpr: up\nfro: 5m\nlabls: {}\n"
				"zzzzzz: 1\n");
	struct yctx c = {"t.yml", &D};

	cr_assert_eq(ydoc_check_map(&c, doc->root, "rule", rule_keys), 3);
	cr_assert(has_diag("t.yml:3:1: unknown key \"fro\" in rule (did you "
			   "mean \"for\"?)"));
	cr_assert(has_diag("t.yml:4:1: unknown key \"labls\" in rule (did you "
			   "mean \"labels\"?)"));
	cr_assert(has_diag("t.yml:5:1: unknown key \"zzzzzz\" in rule"));
	ydoc_free(doc);
}

Test(ydoc, check_map_non_map_and_null)
{
	struct ydoc *doc = load("a: [1]\nb:\nc: {expr: x}\n");
	struct yctx c = {"t.yml", &D};

	cr_assert_eq(
	    ydoc_check_map(&c, ydoc_get(doc->root, "a"), "rule", rule_keys), 1);
	cr_assert(
	    has_diag("t.yml:1:4: rule: expected a mapping, got a sequence"));
	cr_assert_eq(
	    ydoc_check_map(&c, ydoc_get(doc->root, "b"), "rule", rule_keys), 0);
	cr_assert_eq(ydoc_check_map(&c, NULL, "rule", rule_keys), 0);
	cr_assert_eq(
	    ydoc_check_map(&c, ydoc_get(doc->root, "c"), "rule", rule_keys), 0);
	cr_assert_eq(D.n, 1);
	ydoc_free(doc);
}

/* -------------------------------------------------------------- accessors */

static const char acc_doc[] = "s: [1]\n"
			      "m: x\n"
			      "q: {a: 1}\n"
			      "n: ~\n"
			      "i: 12\n"
			      "neg: -7\n"
			      "bad_i: 1x\n"
			      "big: 99999999999999999999\n"
			      "num: 5\n";

Test(ydoc, accessor_type_errors)
{
	struct ydoc *doc = load(acc_doc);
	struct yctx c = {"t.yml", &D};
	const char *str = "untouched";
	const struct ynode *node = NULL;

	cr_assert_eq(ydoc_str(&c, doc->root, "s", &str), -1);
	cr_assert(has_diag("t.yml:1:4: s: expected a string, got a sequence"));
	cr_assert_eq(ydoc_str(&c, doc->root, "q", &str), -1);
	cr_assert(has_diag("t.yml:3:4: q: expected a string, got a mapping"));
	cr_assert_eq(ydoc_seq(&c, doc->root, "m", &node), -1);
	cr_assert(has_diag("t.yml:2:4: m: expected a sequence, got a scalar"));
	cr_assert_eq(ydoc_map(&c, doc->root, "s", &node), -1);
	cr_assert(has_diag("t.yml:1:4: s: expected a mapping, got a sequence"));
	cr_assert_null(node);
	cr_assert_str_eq(str, "untouched");
	ydoc_free(doc);
}

Test(ydoc, accessor_absent_null_and_present)
{
	struct ydoc *doc = load(acc_doc);
	struct yctx c = {"t.yml", &D};
	const char *str = "untouched";
	const struct ynode *node = NULL;
	long long i = 42;

	cr_assert_eq(ydoc_str(&c, doc->root, "n", &str), 0);
	cr_assert_eq(ydoc_str(&c, doc->root, "absent", &str), 0);
	cr_assert_eq(ydoc_int(&c, doc->root, "n", &i), 0);
	cr_assert_eq(ydoc_seq(&c, doc->root, "n", &node), 0);
	cr_assert_str_eq(str, "untouched");
	cr_assert_eq(i, 42);
	cr_assert_eq(ydoc_str(&c, doc->root, "num", &str), 1,
		     "a number is text to a string field, as in Go");
	cr_assert_str_eq(str, "5");
	cr_assert_eq(ydoc_seq(&c, doc->root, "s", &node), 1);
	cr_assert_eq(node, ydoc_get(doc->root, "s"));
	cr_assert_eq(ydoc_map(&c, doc->root, "q", &node), 1);
	cr_assert_eq(node->n, 1);
	cr_assert_eq(ydoc_str(&c, NULL, "x", &str), 0, "NULL map is empty");
	cr_assert_eq(D.n, 0);
	ydoc_free(doc);
}

Test(ydoc, accessor_int)
{
	struct ydoc *doc = load(acc_doc);
	struct yctx c = {"t.yml", &D};
	long long i = 0;

	cr_assert_eq(ydoc_int(&c, doc->root, "i", &i), 1);
	cr_assert_eq(i, 12);
	cr_assert_eq(ydoc_int(&c, doc->root, "neg", &i), 1);
	cr_assert_eq(i, -7);
	cr_assert_eq(ydoc_int(&c, doc->root, "bad_i", &i), -1);
	cr_assert(has_diag("t.yml:7:8: bad_i: cannot parse \"1x\" as an "
			   "integer"));
	cr_assert_eq(ydoc_int(&c, doc->root, "big", &i), -1);
	cr_assert_eq(ydoc_int(&c, doc->root, "s", &i), -1);
	cr_assert_eq(i, -7);
	ydoc_free(doc);
}

Test(ydoc, accessor_int_yaml_forms)
{
	/* promtool 2.42 accepts `limit:` written as each of these (yaml.v3:
	 * Go integer syntax after dropping '_', else a float truncated) and
	 * refuses a quoted "5" (cannot unmarshal !!str `5` into int). */
	static const struct {
		const char *in;
		long long want;
	} ok[] = {
	    {"0x10", 16},
	    {"0X1f", 31},
	    {"1_000", 1000},
	    {"5.0", 5},
	    {"+5", 5},
	    {"010", 8},
	    {"0o10", 8},
	    {"0b11", 3},
	    {"1e3", 1000},
	    {"-1", -1},
	    {"5.9", 5},
	    {"-5.9", -5},
	    {".5", 0},
	    {"08", 8},
	    {"-0x10", -16},
	    {"0", 0},
	    {"-0", 0},
	    {"9223372036854775807", INT64_MAX},
	    {"-9223372036854775808", INT64_MIN},
	};
	static const char *const bad[] = {
	    "\"5\"", "'5'",   "0x",   "1x",   "9223372036854775808",
	    "_",     "0b2",   "0o8",  "1e",   ".",
	    "1.2.3", ".inf",  ".nan", "true", "1e400",
	    "0x1p3", "12:30",
	};
	struct yctx c = {"t.yml", &D};
	char text[64];

	for (size_t k = 0; k < ARRAY_LEN(ok); k++) {
		struct ydoc *doc;
		long long v = 42;

		snprintf(text, sizeof text, "limit: %s\n", ok[k].in);
		doc = load(text);
		cr_assert_eq(ydoc_int(&c, doc->root, "limit", &v), 1, "%s",
			     ok[k].in);
		cr_assert_eq(v, ok[k].want, "%s", ok[k].in);
		ydoc_free(doc);
	}
	for (size_t k = 0; k < ARRAY_LEN(bad); k++) {
		struct ydoc *doc;
		long long v = 42;

		snprintf(text, sizeof text, "limit: %s\n", bad[k]);
		doc = load(text);
		cr_assert_eq(ydoc_int(&c, doc->root, "limit", &v), -1, "%s",
			     bad[k]);
		cr_assert_eq(v, 42);
		ydoc_free(doc);
	}
	{
		struct ydoc *doc = load("limit: \"5\"\n");

		ydoc_int(&c, doc->root, "limit", &(long long){0});
		cr_assert(has_diag("t.yml:1:8: limit: expected an integer, got "
				   "the string \"5\""));
		ydoc_free(doc);
	}
}

Test(ydoc, bool_spellings)
{
	/* yaml.v2 resolve.go, the YAML 1.1 booleans Alertmanager reads;
	 * amtool 0.25 accepts `send_resolved: Y` and `send_resolved: n` and
	 * rejects a quoted "true" (cannot unmarshal !!str `true` into bool). */
	static const char *const yes[] = {"y",	 "Y",	 "yes",	 "Yes",
					  "YES", "true", "True", "TRUE",
					  "on",	 "On",	 "ON"};
	static const char *const no[] = {"n",	"N",	 "no",	  "No",
					 "NO",	"false", "False", "FALSE",
					 "off", "Off",	 "OFF"};
	static const char *const bad[] = {"\"true\"", "'yes'",	    "1",
					  "0",	      "tRUE",	    "yES",
					  "enabled",  "!!str true", "[true]"};
	struct yctx c = {"t.yml", &D};
	char text[64];

	for (size_t k = 0; k < ARRAY_LEN(yes) + ARRAY_LEN(no); k++) {
		int want = k < ARRAY_LEN(yes);
		const char *w = want ? yes[k] : no[k - ARRAY_LEN(yes)];
		struct ydoc *doc;
		int v = -1;

		snprintf(text, sizeof text, "send_resolved: %s\n", w);
		doc = load(text);
		cr_assert_eq(ydoc_bool(&c, doc->root, "send_resolved", &v), 1,
			     "%s", w);
		cr_assert_eq(v, want, "%s", w);
		ydoc_free(doc);
	}
	for (size_t k = 0; k < ARRAY_LEN(bad); k++) {
		struct ydoc *doc;
		int v = -1;

		snprintf(text, sizeof text, "send_resolved: %s\n", bad[k]);
		doc = load(text);
		cr_assert_eq(ydoc_bool(&c, doc->root, "send_resolved", &v), -1,
			     "%s", bad[k]);
		cr_assert_eq(v, -1);
		cr_assert_eq(D.n, 1);
		ydoc_free(doc);
	}
	{
		struct ydoc *doc = load("x: \"true\"\n");

		ydoc_bool(&c, doc->root, "x", &(int){0});
		cr_assert(has_diag("t.yml:1:4: x: cannot parse \"true\" as a "
				   "boolean"));
		ydoc_free(doc);
	}
}

Test(ydoc, duration_accessor)
{
	/* Messages as promtool check rules prints them for `for:`. */
	struct ydoc *doc = load("a: 5m\nb: \"1h30m\"\nc: 1m1h\nd: \"\"\n"
				"e:\nf: 5\ng: 293y\nh: [5m]\ni: 0\n");
	struct yctx c = {"t.yml", &D};
	int64_t ms = -1;

	cr_assert_eq(ydoc_duration(&c, doc->root, "a", &ms), 1);
	cr_assert_eq(ms, 300000);
	cr_assert_eq(ydoc_duration(&c, doc->root, "b", &ms), 1);
	cr_assert_eq(ms, 5400000);
	cr_assert_eq(ydoc_duration(&c, doc->root, "i", &ms), 1);
	cr_assert_eq(ms, 0);
	ms = -1;
	cr_assert_eq(ydoc_duration(&c, doc->root, "e", &ms), 0);
	cr_assert_eq(ydoc_duration(&c, doc->root, "zz", &ms), 0);
	cr_assert_eq(ms, -1);
	cr_assert_eq(ydoc_duration(&c, doc->root, "c", &ms), -1);
	cr_assert(has_diag("t.yml:3:4: c: not a valid duration string: "
			   "\"1m1h\""));
	cr_assert_eq(ydoc_duration(&c, doc->root, "d", &ms), -1);
	cr_assert(has_diag("t.yml:4:4: d: empty duration string"));
	cr_assert_eq(ydoc_duration(&c, doc->root, "f", &ms), -1);
	cr_assert(has_diag("t.yml:6:4: f: not a valid duration string: \"5\""));
	cr_assert_eq(ydoc_duration(&c, doc->root, "g", &ms), -1);
	cr_assert(has_diag("t.yml:7:4: g: duration out of range"));
	cr_assert_eq(ydoc_duration(&c, doc->root, "h", &ms), -1);
	cr_assert(
	    has_diag("t.yml:8:4: h: expected a duration, got a sequence"));
	cr_assert_eq(ms, -1);
	ydoc_free(doc);
}

Test(ydoc, err_and_warn_without_node)
{
	struct yctx c = {"f.yml", &D};

	ydoc_err(&c, NULL, "plain %d", 1);
	ydoc_warn(&c, NULL, "careful");
	cr_assert_eq(D.nerrors, 1);
	cr_assert(has_diag("f.yml: plain 1"));
	cr_assert(has_diag("f.yml: warning: careful"));
}

/* ----------------------------------------------------------------- corpus */

Test(ydoc, corpus_test_aliases_resolve)
{
	/*
	 * Prometheus' own alias fixture.  Aliased alert/expr values resolve to
	 * the anchored text (Prometheus 2.42 itself wrongly reports the anchor
	 * *names* "alertname"/"expr" there, a yaml.Node bug upstream fixed).
	 */
	struct ydoc *doc =
	    ydoc_load_file(CORPUS "rulefmt-testdata/test_aliases.yaml", &D);
	const struct ynode *groups, *rules, *r0, *r2, *r3, *r1;

	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	groups = ydoc_get(doc->root, "groups");
	cr_assert_eq(groups->n, 2);
	rules = ydoc_get(groups->items[0], "rules");
	cr_assert_eq(rules->n, 4);
	cr_assert_eq(ydoc_get(groups->items[1], "rules")->n, 4,
		     "promtool: SUCCESS: 8 rules found");
	r0 = rules->items[0];
	r1 = rules->items[1];
	r2 = rules->items[2];
	r3 = rules->items[3];
	cr_assert_str_eq(ydoc_text(ydoc_get(r0, "alert")), "HighAlert");
	cr_assert_str_eq(ydoc_text(ydoc_get(r1, "record")), "new_metric");
	cr_assert_eq(ydoc_get(r1, "expr")->str, ydoc_get(r0, "expr")->str);
	cr_assert_eq(ydoc_get(r2, "alert")->str, ydoc_get(r0, "alert")->str);
	cr_assert_eq(ydoc_get(r2, "alert")->line, 24, "the alias's own line");
	cr_assert_str_eq(ydoc_text(ydoc_get(r2, "expr")),
			 "sum without(instance) (rate(errors_total[5m]))\n/\n"
			 "sum without(instance) (rate(requests_total[5m]))\n");
	cr_assert_str_eq(ydoc_text(at(r2, "labels", "severity")), "critical");
	/* - <<: *highalert / alert: HighAlert2 */
	cr_assert_str_eq(ydoc_text(ydoc_get(r3, "alert")), "HighAlert2");
	cr_assert_eq(ydoc_get(r3, "expr"), ydoc_get(r0, "expr"));
	cr_assert_eq(ydoc_get(r3, "labels"), ydoc_get(r0, "labels"));
	cr_assert_str_eq(ydoc_text(ydoc_get(r3, "for")), "5m");
	cr_assert_eq(r3->n, 5);
	cr_assert_eq(ydoc_get(r0, "expr")->line, 7);
	cr_assert_eq(ydoc_get_key(r3, "alert")->line, 33);
	/* The second group's last rule merges the same anchor again. */
	r3 = ydoc_get(groups->items[1], "rules")->items[3];
	cr_assert_str_eq(ydoc_text(ydoc_get(r3, "alert")), "HighAlert2");
	cr_assert_eq(ydoc_get(r3, "annotations"), ydoc_get(r0, "annotations"));
	ydoc_free(doc);
}

Test(ydoc, corpus_rules_large_loads)
{
	/* promtool's 10,002-rule stress fixture (40,011 lines). */
	struct ydoc *doc =
	    ydoc_load_file(CORPUS "promtool-testdata/rules_large.yml", &D);
	const struct ynode *groups, *rules, *last;

	cr_assert_not_null(doc);
	cr_assert_eq(D.n, 0);
	cr_assert_eq(doc->ndocs, 1);
	groups = ydoc_get(doc->root, "groups");
	cr_assert_eq(groups->n, 1);
	cr_assert_str_eq(ydoc_text(ydoc_get(groups->items[0], "name")),
			 "example");
	rules = ydoc_get(groups->items[0], "rules");
	cr_assert_eq(rules->n, 10002);
	for (size_t i = 0; i < rules->n; i++) {
		cr_assert_eq(rules->items[i]->kind, YNODE_MAP);
		cr_assert_eq(rules->items[i]->n, 3);
		cr_assert_str_eq(ydoc_text(ydoc_get(rules->items[i], "expr")),
				 "vector(1)");
	}
	last = rules->items[rules->n - 1];
	cr_assert_str_eq(ydoc_text(ydoc_get(last, "record")),
			 "job:http_inprogress_requests:sum:10000");
	cr_assert_str_eq(ydoc_text(at(last, "labels", "job")), "job10000");
	cr_assert_eq(ydoc_get(last, "record")->line, 40008);
	ydoc_free(doc);
}
