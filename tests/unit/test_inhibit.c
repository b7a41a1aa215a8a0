/*
 * test_inhibit.c - the inhibitor against Alertmanager 0.25's semantics
 * (reference/alertmanager.md 3.7): rules in order, target matchers, equal
 * labels with missing == "", resolved sources, the two-sided rule, removal
 * and re-puts.  The facts of upstream inhibit/inhibit_test.go
 * (TestInhibitRuleHasEqual, TestInhibitRuleMatches, TestInhibitRuleMatchers,
 * TestInhibit) and of the acceptance test TestInhibiting are restated here
 * with our own rules and instants.  A randomised test compares the index
 * with a plain linear scan written as 0.25 writes it, and a scale test
 * checks through inhibitor_examined() that a check only looks at the
 * sources sharing the target's equal values.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "diag.h"
#include "inhibit.h"
#include "labels.h"
#include "matcher.h"

#define NOW 1700000000000LL
#define HOUR 3600000LL

static struct config *cfg;
static struct inhibitor *ih;

/* Loads inhibit_rules YAML (a route and receiver are added) and makes an
 * inhibitor over them. */
static void load(const char *rules_yaml)
{
	struct diags dg = {0};
	char *y = xasprintf("route:\n  receiver: r\nreceivers:\n  - name: r\n"
			    "inhibit_rules:\n%s",
			    rules_yaml);

	cfg = config_load_buf("t.yml", "/tmp", y, strlen(y), &dg);
	if (!cfg)
		diags_print(&dg, stderr);
	cr_assert_not_null(cfg);
	diags_free(&dg);
	free(y);
	ih = inhibitor_new(cfg->inhibit_rules, cfg->ninhibit_rules);
}

static void teardown(void)
{
	inhibitor_free(ih);
	config_free(cfg);
	ih = NULL;
	cfg = NULL;
}

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

/* Puts an alert; returns its fingerprint. */
static uint64_t put(int64_t ends_at, struct labels *l)
{
	uint64_t fp = l->fp;

	inhibitor_put(ih, l, ends_at);
	labels_free(l);	/* the inhibitor keeps its own copy */
	return fp;
}

/* inhibitor_mutes() at NOW; *by set when muted. */
static int mutes_at(int64_t now, struct labels *l, uint64_t *by)
{
	int r = inhibitor_mutes(ih, l, now, by);

	labels_free(l);
	return r;
}

static int mutes(struct labels *l)
{
	return mutes_at(NOW, l, NULL);
}

#define FIRING (NOW + HOUR)
#define RESOLVED (NOW - 1000)

/* --------------------------------------------------------- basic rules */

TestSuite(inhibit, .fini = teardown);

Test(inhibit, no_sources_no_rules)
{
	load("  - source_matchers: [s=\"1\"]\n    target_matchers: [t=\"1\"]\n");
	cr_assert_eq(mutes(mk("t", "1", NULL)), 0);
	teardown();
	load("  []\n");
	put(FIRING, mk("s", "1", NULL));
	cr_assert_eq(inhibitor_count(ih), 0);
	cr_assert_eq(mutes(mk("t", "1", NULL)), 0);
}

Test(inhibit, non_source_alerts_are_not_kept)
{
	load("  - source_matchers: [s=\"1\"]\n    target_matchers: [t=\"1\"]\n");
	put(FIRING, mk("t", "1", NULL));
	put(FIRING, mk("s", "2", NULL));
	cr_assert_eq(inhibitor_count(ih), 0);
	put(FIRING, mk("s", "1", NULL));
	put(FIRING, mk("s", "1", NULL));	/* same alert again */
	cr_assert_eq(inhibitor_count(ih), 1);
}

/* No equal labels: any unresolved source inhibits every target. */
Test(inhibit, no_equal_any_source)
{
	uint64_t by = 0, fp;

	load("  - source_matchers: [s=\"1\"]\n    target_matchers: [t=\"1\"]\n");
	fp = put(0, mk("s", "1", "x", "y", NULL));	/* no ends_at: firing */
	cr_assert_eq(mutes_at(NOW, mk("t", "1", "a", "b", NULL), &by), 1);
	cr_assert_eq(by, fp);
	cr_assert_eq(mutes(mk("t", "2", NULL)), 0, "target matchers must match");
	cr_assert_eq(mutes(mk("a", "b", NULL)), 0);
}

/* TestInhibitRuleHasEqual: resolved sources do not count, an unresolved
 * one with the same equal values does, a different value does not. */
Test(inhibit, has_equal_cases)
{
	uint64_t by = 0, live;

	load("  - source_matchers: [s=\"1\"]\n    target_matchers: [t=\"1\"]\n"
	     "    equal: [a, b]\n");
	put(RESOLVED, mk("s", "1", "a", "b", "b", "f", NULL));
	put(RESOLVED, mk("s", "1", "a", "b", "b", "c", NULL));
	cr_assert_eq(mutes(mk("t", "1", "a", "b", "b", "c", NULL)), 0,
		     "matching but resolved");
	live = put(FIRING, mk("s", "1", "a", "b", "b", "c", "c", "f", NULL));
	cr_assert_eq(mutes_at(NOW, mk("t", "1", "a", "b", "b", "c", NULL), &by), 1);
	cr_assert_eq(by, live);
	cr_assert_eq(mutes(mk("t", "1", "a", "c", "b", "c", NULL)), 0,
		     "equal label differs");
	cr_assert_eq(mutes(mk("t", "1", "a", "b", NULL)), 0,
		     "b missing on the target only");
}

Test(inhibit, missing_equal_label_is_empty)
{
	uint64_t by = 0, fp;

	load("  - source_matchers: [s=\"1\"]\n    target_matchers: [t=\"1\"]\n"
	     "    equal: [zone, job]\n");
	fp = put(FIRING, mk("s", "1", "job", "j", NULL));	/* no zone */
	cr_assert_eq(mutes_at(NOW, mk("t", "1", "job", "j", NULL), &by), 1,
		     "zone missing on both sides is equal");
	cr_assert_eq(by, fp);
	cr_assert_eq(mutes(mk("t", "1", "job", "j", "zone", "z", NULL)), 0);
	cr_assert_eq(mutes(mk("t", "1", NULL)), 0, "job missing on target");
}

Test(inhibit, resolved_is_ends_at_not_after_now)
{
	load("  - source_matchers: [s=\"1\"]\n    target_matchers: [t=\"1\"]\n");
	put(NOW + 1, mk("s", "1", NULL));
	cr_assert_eq(mutes_at(NOW, mk("t", "1", NULL), NULL), 1);
	cr_assert_eq(mutes_at(NOW + 1, mk("t", "1", NULL), NULL), 0,
		     "ends_at == now is resolved");
	cr_assert_eq(mutes_at(NOW + 2, mk("t", "1", NULL), NULL), 0);
}

/* TestInhibit: a later put of the same source replaces its ends_at. */
Test(inhibit, reput_updates_ends_at)
{
	load("  - source_match: {s: \"1\"}\n    target_match: {t: \"1\"}\n"
	     "    equal: [e]\n");
	put(FIRING, mk("t", "1", "e", "f", NULL));
	cr_assert_eq(mutes(mk("t", "1", "e", "f", NULL)), 0, "no source yet");
	put(FIRING, mk("s", "1", "e", "f", NULL));
	cr_assert_eq(mutes(mk("t", "1", "e", "f", NULL)), 1);
	cr_assert_eq(mutes(mk("s", "1", "e", "f", NULL)), 0);
	put(RESOLVED, mk("s", "1", "e", "f", NULL));
	cr_assert_eq(mutes(mk("t", "1", "e", "f", NULL)), 0, "source resolved");
	cr_assert_eq(mutes(mk("s", "1", "e", "f", NULL)), 0);
	put(NOW + 2 * HOUR, mk("s", "1", "e", "f", NULL));	/* fires again */
	cr_assert_eq(mutes(mk("t", "1", "e", "f", NULL)), 1);
	put(0, mk("s", "1", "e", "f", NULL));
	cr_assert_eq(mutes(mk("t", "1", "e", "f", NULL)), 1);
	cr_assert_eq(inhibitor_count(ih), 1);
}

Test(inhibit, remove)
{
	uint64_t a, b, by = 0;

	load("  - source_matchers: [s=\"1\"]\n    target_matchers: [t=\"1\"]\n"
	     "    equal: [e]\n");
	a = put(FIRING, mk("s", "1", "e", "x", "i", "a", NULL));
	b = put(FIRING, mk("s", "1", "e", "x", "i", "b", NULL));
	put(FIRING, mk("s", "1", "e", "y", NULL));
	cr_assert_eq(inhibitor_count(ih), 3);
	inhibitor_remove(ih, a);
	inhibitor_remove(ih, a);	/* twice: ignored */
	inhibitor_remove(ih, 12345);	/* unknown: ignored */
	cr_assert_eq(inhibitor_count(ih), 2);
	cr_assert_eq(mutes_at(NOW, mk("t", "1", "e", "x", NULL), &by), 1);
	cr_assert_eq(by, b);
	inhibitor_remove(ih, b);
	cr_assert_eq(mutes(mk("t", "1", "e", "x", NULL)), 0);
	cr_assert_eq(mutes(mk("t", "1", "e", "y", NULL)), 1);
	/* Back again after removal. */
	put(FIRING, mk("s", "1", "e", "x", "i", "a", NULL));
	cr_assert_eq(mutes_at(NOW, mk("t", "1", "e", "x", NULL), &by), 1);
	cr_assert_eq(by, a);
}

/* Rules are tried in config order; the first inhibiting source wins. */
Test(inhibit, rules_in_order)
{
	uint64_t s1, s2, by = 0;

	load("  - source_matchers: [s1=\"1\"]\n    target_matchers: [t=\"1\"]\n"
	     "  - source_matchers: [s2=\"1\"]\n    target_matchers: [t=~\".+\"]\n");
	s2 = put(FIRING, mk("s2", "1", NULL));
	s1 = put(FIRING, mk("s1", "1", NULL));
	cr_assert_eq(mutes_at(NOW, mk("t", "1", NULL), &by), 1);
	cr_assert_eq(by, s1, "first rule first");
	cr_assert_eq(mutes_at(NOW, mk("t", "2", NULL), &by), 1);
	cr_assert_eq(by, s2, "only the second rule's target matches");
	put(RESOLVED, mk("s1", "1", NULL));
	cr_assert_eq(mutes_at(NOW, mk("t", "1", NULL), &by), 1);
	cr_assert_eq(by, s2, "first rule has no live source: second rule");
}

/* One alert being a source of two rules, then removed from both. */
Test(inhibit, source_of_several_rules)
{
	uint64_t fp;

	load("  - source_matchers: [s=\"1\"]\n    target_matchers: [t=\"1\"]\n"
	     "    equal: [a]\n"
	     "  - source_matchers: [s=~\"1|2\"]\n    target_matchers: [t=\"2\"]\n"
	     "    equal: [b]\n");
	fp = put(FIRING, mk("s", "1", "a", "x", "b", "y", NULL));
	cr_assert_eq(inhibitor_count(ih), 1);
	cr_assert_eq(mutes(mk("t", "1", "a", "x", NULL)), 1);
	cr_assert_eq(mutes(mk("t", "2", "b", "y", NULL)), 1);
	cr_assert_eq(mutes(mk("t", "2", "a", "x", NULL)), 0);
	inhibitor_remove(ih, fp);
	cr_assert_eq(inhibitor_count(ih), 0);
	cr_assert_eq(mutes(mk("t", "1", "a", "x", NULL)), 0);
	cr_assert_eq(mutes(mk("t", "2", "b", "y", NULL)), 0);
}

/* ------------------------------------------------------- two-sided rule */

Test(inhibit, two_sided_not_itself)
{
	uint64_t by = 0, only_source;

	load("  - source_matchers: [severity=~\"critical|warning\"]\n"
	     "    target_matchers: [severity=\"warning\"]\n    equal: [job]\n");
	put(FIRING, mk("severity", "warning", "job", "j", NULL));
	cr_assert_eq(mutes(mk("severity", "warning", "job", "j", NULL)), 0,
		     "an alert matching both sides does not inhibit itself");
	put(FIRING, mk("severity", "warning", "job", "j", "i", "2", NULL));
	cr_assert_eq(mutes(mk("severity", "warning", "job", "j", NULL)), 0,
		     "nor does another alert matching both sides");
	only_source = put(FIRING, mk("severity", "critical", "job", "j", NULL));
	cr_assert_eq(mutes_at(NOW, mk("severity", "warning", "job", "j", NULL),
			      &by), 1);
	cr_assert_eq(by, only_source);
}

/* Sources matching both sides are kept apart: a target matching both
 * sides does not even look at them. */
Test(inhibit, two_sided_skips_both_sided_sources)
{
	char inst[16];
	uint64_t by = 0, crit;

	load("  - source_matchers: [severity=~\"critical|warning\"]\n"
	     "    target_matchers: [severity=\"warning\"]\n"
	     "    equal: [alertname]\n");
	for (int i = 0; i < 1000; i++) {
		snprintf(inst, sizeof inst, "i%d", i);
		put(FIRING, mk("alertname", "A", "severity", "warning", "instance",
			       inst, NULL));
	}
	cr_assert_eq(mutes(mk("alertname", "A", "severity", "warning", NULL)), 0);
	cr_assert_eq(inhibitor_examined(ih), 0);
	crit = put(FIRING, mk("alertname", "A", "severity", "critical", NULL));
	cr_assert_eq(mutes_at(NOW, mk("alertname", "A", "severity", "warning",
				      "instance", "i7", NULL), &by), 1);
	cr_assert_eq(by, crit);
	cr_assert_eq(inhibitor_examined(ih), 1);
	inhibitor_remove(ih, crit);
	cr_assert_eq(mutes(mk("alertname", "A", "severity", "warning", NULL)), 0);
	cr_assert_eq(inhibitor_count(ih), 1000);
}

/* TestInhibitRuleMatches (legacy match maps): rule1 s1/t1, rule2 s2/t2,
 * both equal [e]; source 1 matches rule1's source side only, source 2
 * both sides of rule2. */
static void matches_cases(int new_form)
{
	struct {
		struct labels *t;
		int want;
	} c[8];

	if (new_form)
		load("  - source_matchers: [s1=\"1\"]\n"
		     "    target_matchers: [t1!=\"1\"]\n    equal: [e]\n"
		     "  - source_matchers: [s2=\"1\"]\n"
		     "    target_matchers: [t2=\"1\"]\n    equal: [e]\n");
	else
		load("  - source_match: {s1: \"1\"}\n    target_match: {t1: \"1\"}\n"
		     "    equal: [e]\n"
		     "  - source_match: {s2: \"1\"}\n    target_match: {t2: \"1\"}\n"
		     "    equal: [e]\n");
	put(FIRING, mk("s1", "1", "t1", "2", "e", "1", NULL));
	put(FIRING, mk("s2", "1", "t2", "1", "e", "1", NULL));
	c[0].t = mk("t1", "1", "e", "1", NULL);
	c[1].t = mk("t2", "1", "e", "1", NULL);
	c[2].t = mk("t1", "1", "t3", "1", "e", "1", NULL);
	c[3].t = mk("t1", "1", "t2", "1", "e", "1", NULL);
	c[4].t = mk("t1", "0", "e", "1", NULL);
	c[5].t = mk("s1", "1", "t1", "1", "e", "1", NULL);
	c[6].t = mk("s2", "1", "t2", "1", "e", "1", NULL);
	c[7].t = mk("t1", "1", "e", "0", NULL);
	if (new_form) {
		static const int want[8] = {0, 1, 0, 1, 1, 0, 1, 0};

		for (int i = 0; i < 8; i++)
			c[i].want = want[i];
	} else {
		static const int want[8] = {1, 1, 1, 1, 0, 1, 0, 0};

		for (int i = 0; i < 8; i++)
			c[i].want = want[i];
	}
	for (int i = 0; i < 8; i++)
		cr_expect_eq(mutes(c[i].t), c[i].want, "case %d (%s)", i,
			     new_form ? "matchers" : "match");
}

Test(inhibit, upstream_rule_matches)
{
	matches_cases(0);
}

/* TestInhibitRuleMatchers: the same with t1!="1" as rule1's target.
 * {s2=1,t2=1,e=1} matches both sides of rule2 (so source 2 does not
 * count there) but is inhibited through rule1 by source 1; and
 * {s1=1,t1=1,e=1} no longer matches rule1's target. */
Test(inhibit, upstream_rule_matchers)
{
	matches_cases(1);
}

/* Acceptance TestInhibiting: JobDown inhibits InstanceDown with the same
 * job and zone, until it resolves. */
Test(inhibit, acceptance_job_down)
{
	load("  - source_matchers: [alertname=\"JobDown\"]\n"
	     "    target_matchers: [alertname=\"InstanceDown\"]\n"
	     "    equal: [job, zone]\n");
	put(0, mk("alertname", "InstanceDown", "job", "x", "zone", "aa", NULL));
	put(0, mk("alertname", "InstanceDown", "job", "x", "zone", "ab", NULL));
	put(NOW + 10000, mk("alertname", "JobDown", "job", "x", "zone", "aa", NULL));
	cr_assert_eq(mutes(mk("alertname", "InstanceDown", "job", "x", "zone",
			      "aa", NULL)), 1);
	cr_assert_eq(mutes(mk("alertname", "InstanceDown", "job", "x", "zone",
			      "ab", NULL)), 0);
	cr_assert_eq(mutes(mk("alertname", "JobDown", "job", "x", "zone", "aa",
			      NULL)), 0);
	cr_assert_eq(mutes_at(NOW + 10000, mk("alertname", "InstanceDown", "job",
					      "x", "zone", "aa", NULL), NULL), 0);
}

/* ------------------------------------------------- against a linear scan */

/* Alertmanager 0.25's Mutes, written as a scan over every kept alert. */
static int naive_mutes(const struct config *c, struct labels *const *alerts,
		       const int64_t *ends, size_t n, const struct labels *t,
		       int64_t now, uint64_t *by)
{
	for (size_t r = 0; r < c->ninhibit_rules; r++) {
		const struct config_inhibit *ru = &c->inhibit_rules[r];
		int two;

		if (!matchers_match(&ru->target, t))
			continue;
		two = matchers_match(&ru->source, t);
		for (size_t i = 0; i < n; i++) {
			size_t k;

			if (!alerts[i] || !matchers_match(&ru->source, alerts[i]))
				continue;
			if (ends[i] != 0 && ends[i] <= now)
				continue;
			for (k = 0; k < ru->nequal; k++) {
				const char *a = labels_get(alerts[i], ru->equal[k]);
				const char *b = labels_get(t, ru->equal[k]);

				if (strcmp(a ? a : "", b ? b : "") != 0)
					break;
			}
			if (k < ru->nequal)
				continue;
			if (two && matchers_match(&ru->target, alerts[i]))
				continue;
			if (by)
				*by = alerts[i]->fp;
			return 1;
		}
	}
	return 0;
}

static struct labels *random_labels(unsigned *seed)
{
	static const char *const sev[] = {"critical", "warning", "info"};
	char job[8], zone[8];

	snprintf(job, sizeof job, "j%d", rand_r(seed) % 4);
	snprintf(zone, sizeof zone, "z%d", rand_r(seed) % 3);
	if (rand_r(seed) % 5 == 0)	/* zone missing */
		return mk("severity", sev[rand_r(seed) % 3], "job", job, NULL);
	return mk("severity", sev[rand_r(seed) % 3], "job", job, "zone", zone,
		  NULL);
}

static void random_run(unsigned seed)
{
	enum { N = 200, ROUNDS = 3000 };
	struct labels *alerts[N] = {0};
	int64_t ends[N] = {0};
	int outcomes[2] = {0, 0};

	load("  - source_matchers: [severity=\"critical\"]\n"
	     "    target_matchers: [severity=~\"warning|info\"]\n"
	     "    equal: [job, zone]\n"
	     "  - source_matchers: [severity=~\"critical|warning\"]\n"
	     "    target_matchers: [severity=~\"warning|info\"]\n"
	     "    equal: [zone]\n"
	     "  - source_matchers: [job=\"j3\", severity=\"critical\"]\n"
	     "    target_matchers: ['job=~\"j[0-2]\"', severity=\"info\"]\n");
	for (int round = 0; round < ROUNDS; round++) {
		size_t i = (size_t)rand_r(&seed) % N;
		int op = rand_r(&seed) % 4;
		struct labels *t = random_labels(&seed);
		int64_t now = NOW + (rand_r(&seed) % 5 - 2) * 1000;
		uint64_t by = 0, nby = 0;
		int got, want;

		if (op == 0 && alerts[i]) {
			inhibitor_remove(ih, alerts[i]->fp);
			labels_free(alerts[i]);
			alerts[i] = NULL;
		} else if (op == 1 && alerts[i]) {	/* re-put */
			ends[i] = NOW + (rand_r(&seed) % 5 - 2) * 1000;
			inhibitor_put(ih, alerts[i], ends[i]);
		} else if (!alerts[i]) {
			struct labels *l = random_labels(&seed);
			char id[16];
			struct labels_builder b = {0};

			snprintf(id, sizeof id, "%zu", i);
			for (size_t k = 0; k < l->n; k++)
				labels_builder_set(&b, l->v[k].name, l->v[k].value);
			labels_builder_set(&b, "id", id);
			alerts[i] = labels_builder_build(&b);
			labels_builder_free(&b);
			labels_free(l);
			ends[i] = rand_r(&seed) % 3 ? 0 : NOW;
			inhibitor_put(ih, alerts[i], ends[i]);
		}
		got = inhibitor_mutes(ih, t, now, &by);
		want = naive_mutes(cfg, alerts, ends, N, t, now, &nby);
		cr_assert_eq(got, want, "seed %u round %d", seed, round);
		outcomes[got]++;
		if (got) {
			/* by must be a source that inhibits on its own. */
			size_t k = 0;

			while (k < N && !(alerts[k] && alerts[k]->fp == by))
				k++;
			cr_assert_lt(k, N, "round %d: unknown source", round);
			cr_assert_eq(naive_mutes(cfg, &alerts[k], &ends[k], 1, t, now,
						 NULL), 1, "round %d", round);
		}
		labels_free(t);
	}
	for (size_t i = 0; i < N; i++)
		labels_free(alerts[i]);
	/* Both answers must have been exercised plenty. */
	cr_assert_gt(outcomes[0], ROUNDS / 10, "%d unmuted", outcomes[0]);
	cr_assert_gt(outcomes[1], ROUNDS / 10, "%d muted", outcomes[1]);
	teardown();
}

Test(inhibit, random_against_linear_scan)
{
	for (unsigned seed = 1; seed <= 8; seed++)
		random_run(seed);
}

/* ---------------------------------------------------------------- scale */

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Alertmanager 0.25 took over 40 s on 100,000 targets against 10,000
 * sources under one rule.  With the index every target examines only the
 * sources sharing its alertname and cluster: here exactly one for the
 * 50,000 targets whose pair has a source, none for the others.
 */
Test(inhibit, scale_100k_targets_10k_sources)
{
	enum { SOURCES = 10000, TARGETS = 100000 };
	char an[16], cl[16], inst[16];
	size_t muted = 0;
	double t0, t1, t2;

	load("  - source_matchers: [severity=\"critical\"]\n"
	     "    target_matchers: [severity=\"warning\"]\n"
	     "    equal: [alertname, cluster]\n");
	t0 = secs();
	for (int i = 0; i < SOURCES; i++) {
		snprintf(an, sizeof an, "A%d", i % 100);
		snprintf(cl, sizeof cl, "c%d", i / 100);
		put(FIRING, mk("alertname", an, "cluster", cl, "severity",
			       "critical", NULL));
	}
	t1 = secs();
	cr_assert_eq(inhibitor_count(ih), SOURCES);
	for (int i = 0; i < TARGETS; i++) {
		struct labels *t;

		snprintf(an, sizeof an, "A%d", i % 100);
		/* Even targets: clusters c0..c99 (have sources); odd: none. */
		snprintf(cl, sizeof cl, "c%d", (i / 100) % 100 + (i % 2) * 1000);
		snprintf(inst, sizeof inst, "i%d", i);
		t = mk("alertname", an, "cluster", cl, "severity", "warning",
		       "instance", inst, NULL);
		muted += (size_t)inhibitor_mutes(ih, t, NOW, NULL);
		labels_free(t);
	}
	t2 = secs();
	cr_assert_eq(muted, TARGETS / 2);
	cr_assert_eq(inhibitor_examined(ih), TARGETS / 2,
		     "examined %llu candidates",
		     (unsigned long long)inhibitor_examined(ih));
	/* A linear scan would have examined SOURCES per target. */
	fprintf(stderr,
		"inhibit scale: %d sources put in %.1f ms, %d targets checked in "
		"%.1f ms (%.2f us each), %llu candidates examined\n",
		SOURCES, (t1 - t0) * 1e3, TARGETS, (t2 - t1) * 1e3,
		(t2 - t1) * 1e6 / TARGETS,
		(unsigned long long)inhibitor_examined(ih));
	for (int i = 0; i < SOURCES; i++) {
		struct labels *l;

		snprintf(an, sizeof an, "A%d", i % 100);
		snprintf(cl, sizeof cl, "c%d", i / 100);
		l = mk("alertname", an, "cluster", cl, "severity", "critical", NULL);
		inhibitor_remove(ih, l->fp);
		labels_free(l);
	}
	cr_assert_eq(inhibitor_count(ih), 0);
}
