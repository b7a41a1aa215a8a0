/*
 * test_alertstore.c - the router's alerts merged as Alertmanager 0.25's
 * provider merges them (types.Alert.Merge, mem.Alerts.Put), one object
 * per label set, and dropped once resolved.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "alertstore.h"
#include "intern.h"

#define MIN (60 * 1000LL)
#define T 1700000000000LL

static struct labels *L(const char *name, const char *value)
{
	struct labels_builder b = {0};
	struct labels *l;

	labels_builder_set(&b, "alertname", "A");
	if (name)
		labels_builder_set(&b, name, value);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

static struct labels *ann(const char *summary)
{
	struct labels_builder b = {0};
	struct labels *l;

	labels_builder_set(&b, "summary", summary);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

static struct am_alert *mk(const char *summary, int64_t s, int64_t e,
			   int64_t upd, int timeout)
{
	struct am_alert *a = am_alert_new(L(NULL, NULL), ann(summary), "",
					  s, e, upd);

	a->timeout = timeout;
	return a;
}

Test(alertstore, resend_of_a_firing_alert_merges)
{
	struct alertstore *s = alertstore_new();
	struct am_alert *first = alertstore_put(s, mk("v1", T, T + 4 * MIN, T, 0), T);
	/* Prometheus resends with a later StartsAt? No: the same StartsAt
	 * and a later EndsAt; here an even earlier start is kept too */
	struct am_alert *m = alertstore_put(
		s, mk("v2", T + MIN, T + 5 * MIN, T + MIN, 0), T + MIN);

	cr_assert_eq(m, first, "one object per label set");
	cr_assert_eq(alertstore_count(s), 1);
	cr_assert_eq(m->starts_at, T, "earliest start kept");
	cr_assert_eq(m->ends_at, T + 5 * MIN);
	cr_assert_str_eq(labels_get(m->annotations, "summary"), "v2",
			 "the younger wins");
	cr_assert_eq(m->updated_at, T + MIN);
	alertstore_free(s);
}

Test(alertstore, older_post_does_not_win)
{
	struct alertstore *s = alertstore_new();
	struct am_alert *m;

	alertstore_put(s, mk("new", T, T + 4 * MIN, T + MIN, 0), T + MIN);
	m = alertstore_put(s, mk("old", T, T + 2 * MIN, T, 0), T + MIN);
	cr_assert_str_eq(labels_get(m->annotations, "summary"), "new");
	cr_assert_eq(m->ends_at, T + 4 * MIN, "the later non-timeout end");
	alertstore_free(s);
}

Test(alertstore, resolve_merges_and_a_later_fire_is_a_new_occurrence)
{
	struct alertstore *s = alertstore_new();
	struct am_alert *m;

	alertstore_put(s, mk("f", T, T + 4 * MIN, T, 0), T);
	/* resolved at T+2m: overlaps, merged, the explicit end wins */
	m = alertstore_put(s, mk("r", T, T + 2 * MIN, T + 2 * MIN, 0),
			   T + 2 * MIN);
	cr_assert_eq(m->ends_at, T + 2 * MIN);
	cr_assert(am_alert_resolved(m, T + 2 * MIN));
	/* fires again later: no overlap, replaced, new start */
	m = alertstore_put(s, mk("again", T + 10 * MIN, T + 14 * MIN,
				 T + 10 * MIN, 0),
			   T + 10 * MIN);
	cr_assert_eq(m->starts_at, T + 10 * MIN);
	cr_assert(!am_alert_resolved(m, T + 10 * MIN));
	alertstore_free(s);
}

Test(alertstore, a_timeout_end_does_not_rule)
{
	struct alertstore *s = alertstore_new();
	struct am_alert *m;

	/* a client without endsAt: now + resolve_timeout, timeout set */
	alertstore_put(s, mk("t", T, T + 5 * MIN, T, 1), T);
	m = alertstore_put(s, mk("e", T, T + 3 * MIN, T + MIN, 0), T + MIN);
	cr_assert_eq(m->ends_at, T + 3 * MIN);
	cr_assert_eq(m->timeout, 0);
	alertstore_free(s);
}

static int gone_count;

static void gone(void *ctx, struct am_alert *a)
{
	(void)ctx;
	(void)a;
	gone_count++;
}

Test(alertstore, gc_drops_resolved_alerts_only)
{
	struct alertstore *s = alertstore_new();
	char v[16];

	for (int i = 0; i < 1000; i++) {
		struct am_alert *a;

		snprintf(v, sizeof v, "%d", i);
		a = am_alert_new(L("i", v), NULL, "", T,
				 i % 2 ? T + MIN : T + 10 * MIN, T);
		alertstore_put(s, a, T);
	}
	cr_assert_eq(alertstore_count(s), 1000);
	cr_assert_eq(alertstore_gc(s, T + 2 * MIN, gone, NULL), 500);
	cr_assert_eq(gone_count, 500);
	cr_assert_eq(alertstore_count(s), 500);
	{
		struct labels *l = L("i", "2");

		cr_assert_not_null(alertstore_get(s, l));
		labels_free(l);
		l = L("i", "3");
		cr_assert_null(alertstore_get(s, l));
		labels_free(l);
	}
	/* tombstones are reused and lookups still work after regrowth */
	for (int i = 0; i < 1000; i += 2) {
		struct am_alert *a;

		snprintf(v, sizeof v, "%d", i + 1);
		a = am_alert_new(L("i", v), NULL, "", T, T + 10 * MIN, T);
		alertstore_put(s, a, T);
	}
	cr_assert_eq(alertstore_count(s), 1000);
	alertstore_free(s);
}

Test(alertstore, a_resend_keeps_equal_annotations)
{
	struct alertstore *s = alertstore_new();
	struct am_alert *first = alertstore_put(s, mk("v1", T, T + 4 * MIN, T, 0), T);
	const struct labels *ann = first->annotations;

	alertstore_put(s, mk("v1", T, T + 5 * MIN, T + MIN, 0), T + MIN);
	cr_assert_eq(first->annotations, ann, "the stored copy stays");
	cr_assert_eq(first->ends_at, T + 5 * MIN);
	alertstore_put(s, mk("v2", T, T + 6 * MIN, T + 2 * MIN, 0), T + 2 * MIN);
	cr_assert_str_eq(labels_get(first->annotations, "summary"), "v2");
	alertstore_free(s);
}

Test(alertstore, shared_strings_go_with_the_last_alert)
{
	struct alertstore *s = alertstore_new();
	char v[16];

	for (int i = 0; i < 100; i++) {
		snprintf(v, sizeof v, "%d", i);
		alertstore_put(s, am_alert_new(L("i", v), ann("same"),
					       "http://p/g", T, T + MIN, T),
			       T);
	}
	cr_assert_gt(intern_count(), 0);
	alertstore_free(s);
	cr_assert_eq(intern_count(), 0, "every reference given back");
}
