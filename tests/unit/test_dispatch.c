/*
 * test_dispatch.c - routing and aggregation groups on a fake clock:
 * Route.Match (first match, continue), route and group keys as
 * Alertmanager prints them, group_wait / group_interval timing, the
 * immediate flush of old alerts, resolved alerts leaving after a
 * successful flush only, maintenance, and reload keeping groups.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define T0 1700000000000LL

static int64_t now_ms;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return now_ms;
}

static const struct loop_clock fake_clock = {fake_now, NULL};
static const struct eval_clock fake_wall = {fake_now, NULL};

static struct loop *loop;
static struct config *cfg, *cfg2;
static struct dispatcher *d;
static struct alertstore *as;

/* What the pipeline saw. */
struct seen {
	char *key;
	char *receiver;
	int64_t at;
	char *alerts; /* "name[r]," per alert, r when resolved */
};
static struct seen seen[64];
static size_t nseen;
static int pipeline_ok = 1;
static struct dispatch_flush *held; /* answer later */
static int hold;

static void notify(void *ctx, struct dispatch_flush *f)
{
	struct buf b = {0};

	(void)ctx;
	cr_assert_lt(nseen, 64);
	for (size_t i = 0; i < f->nalerts; i++) {
		const char *n = labels_get(f->alerts[i].a->labels, "n");

		buf_printf(&b, "%s%s,", n ? n : "?",
			   f->alerts[i].resolved ? "[r]" : "");
		if (!f->alerts[i].resolved)
			cr_assert_eq(f->alerts[i].ends_at, 0);
	}
	seen[nseen].key = xstrdup(f->group_key);
	seen[nseen].receiver = xstrdup(f->receiver);
	seen[nseen].at = f->now;
	seen[nseen].alerts = buf_take(&b);
	nseen++;
	if (hold)
		held = f;
	else
		f->done(f, pipeline_ok);
}

static struct config *load(const char *yaml)
{
	struct diags dg = {0};
	struct config *c = config_load_buf("am.yml", "/tmp", yaml,
					   strlen(yaml), &dg);

	if (!c)
		diags_print(&dg, stderr);
	cr_assert_not_null(c);
	diags_free(&dg);
	return c;
}

static void setup(void)
{
	now_ms = T0;
	nseen = 0;
	pipeline_ok = 1;
	hold = 0;
	held = NULL;
	loop = loop_new(&fake_clock);
	as = alertstore_new();
}

static void teardown(void)
{
	if (held)
		held->done(held, 1);
	dispatcher_free(d);
	alertstore_free(as);
	loop_free(loop);
	config_free(cfg);
	config_free(cfg2);
	for (size_t i = 0; i < nseen; i++) {
		free(seen[i].key);
		free(seen[i].receiver);
		free(seen[i].alerts);
	}
}

TestSuite(dispatch, .init = setup, .fini = teardown);

static const char tree[] =
	"route:\n"
	"  receiver: default\n"
	"  group_by: [alertname]\n"
	"  group_wait: 30s\n"
	"  group_interval: 5m\n"
	"  repeat_interval: 4h\n"
	"  routes:\n"
	"  - matchers: ['team=\"ml\"']\n"
	"    receiver: ml\n"
	"    continue: true\n"
	"    routes:\n"
	"    - matchers: ['severity=~\"page|critical\"']\n"
	"      receiver: ml-pager\n"
	"  - matchers: ['team=~\"ml|db\"']\n"
	"    receiver: data\n"
	"    group_by: [alertname, model]\n"
	"  - match: {team: db}\n"
	"    receiver: never\n"
	"receivers: [{name: default}, {name: ml}, {name: ml-pager},"
	" {name: data}, {name: never}]\n";

static struct labels *L(const char *s)
{
	struct labels_builder b = {0};
	char *copy = xstrdup(s), *save = NULL;
	struct labels *l;

	for (char *kv = strtok_r(copy, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		*eq = '\0';
		labels_builder_set(&b, kv, eq + 1);
	}
	free(copy);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

static char *receivers_of(const char *labels)
{
	const struct route **rs = NULL;
	size_t n = 0, cap = 0;
	struct labels *l = L(labels);
	struct buf b = {0};

	route_match(cfg->route, l, &rs, &n, &cap);
	for (size_t i = 0; i < n; i++) {
		buf_puts(&b, rs[i]->receiver);
		buf_puts(&b, " ");
		route_key(rs[i], &b);
		buf_puts(&b, i + 1 < n ? "; " : "");
	}
	free(rs);
	labels_free(l);
	return buf_take(&b);
}

Test(dispatch, route_match_first_match_and_continue)
{
	char *s;

	cfg = load(tree);
	s = receivers_of("alertname=A");
	cr_assert_str_eq(s, "default {}");
	free(s);
	/* ml continues, its child matches; data matches too; never is
	 * not reached (data does not continue) */
	s = receivers_of("alertname=A,team=ml,severity=page");
	cr_assert_str_eq(s, "ml-pager {}/{team=\"ml\"}/{severity=~\"page|critical\"}; "
			    "data {}/{team=~\"ml|db\"}");
	free(s);
	s = receivers_of("alertname=A,team=ml");
	cr_assert_str_eq(s, "ml {}/{team=\"ml\"}; data {}/{team=~\"ml|db\"}");
	free(s);
	/* match: is anchored in the key, as in Alertmanager 0.25 */
	s = receivers_of("alertname=A,team=db");
	cr_assert_str_eq(s, "data {}/{team=~\"ml|db\"}");
	free(s);
}

static struct am_alert *post(const char *labels, int64_t starts,
			     int64_t ends)
{
	struct am_alert *a = am_alert_new(L(labels), NULL, "", starts, ends,
					  now_ms);
	struct am_alert *s = alertstore_put(as, a, now_ms);

	dispatcher_put(d, s);
	return s;
}

static void reput(void *ctx, struct am_alert *a)
{
	dispatcher_put(ctx, a);
}

static void run_until(int64_t t)
{
	while (now_ms < t) {
		now_ms += SEC < t - now_ms ? SEC : t - now_ms;
		while (loop_run_once(loop, 0) > 0)
			;
	}
}

Test(dispatch, group_wait_then_group_interval)
{
	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	post("alertname=A,n=1", now_ms, now_ms + 5 * MIN);
	run_until(T0 + 29 * SEC);
	cr_assert_eq(nseen, 0);
	run_until(T0 + 30 * SEC);
	cr_assert_eq(nseen, 1);
	cr_assert_str_eq(seen[0].key, "{}:{alertname=\"A\"}");
	cr_assert_str_eq(seen[0].receiver, "default");
	cr_assert_str_eq(seen[0].alerts, "1,");
	/* a second alert waits for the next group_interval tick */
	run_until(T0 + 1 * MIN);
	post("alertname=A,n=2", now_ms, now_ms + 9 * MIN);
	run_until(T0 + 30 * SEC + 5 * MIN - SEC);
	cr_assert_eq(nseen, 1);
	run_until(T0 + 30 * SEC + 5 * MIN);
	cr_assert_eq(nseen, 2);
	cr_assert_str_eq(seen[1].alerts, "1[r],2,", "%s", seen[1].alerts);
	/* the resolved one left after the successful flush */
	run_until(T0 + 30 * SEC + 10 * MIN);
	cr_assert_eq(nseen, 3);
	cr_assert_str_eq(seen[2].alerts, "2[r],");
}

Test(dispatch, old_alerts_flush_at_once)
{
	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	/* started 10 minutes ago, longer than group_wait */
	post("alertname=A,n=1", now_ms - 10 * MIN, now_ms + 5 * MIN);
	run_until(T0 + SEC);
	cr_assert_eq(nseen, 1);
	cr_assert_eq(seen[0].at, T0 + SEC);
}

Test(dispatch, failed_flush_keeps_resolved_alerts)
{
	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	post("alertname=A,n=1", now_ms, now_ms + 10 * SEC);
	pipeline_ok = 0;
	run_until(T0 + 30 * SEC);
	cr_assert_str_eq(seen[0].alerts, "1[r],");
	run_until(T0 + 30 * SEC + 5 * MIN);
	cr_assert_eq(nseen, 2, "retried at the next tick");
	pipeline_ok = 1;
	run_until(T0 + 30 * SEC + 10 * MIN);
	cr_assert_eq(nseen, 3);
	run_until(T0 + 30 * SEC + 15 * MIN);
	cr_assert_eq(nseen, 3, "gone after the successful flush");
	dispatcher_maintenance(d);
	cr_assert_eq(dispatcher_group_count(d), 0, "empty group removed");
}

Test(dispatch, sorted_by_job_instance_then_labels)
{
	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	post("alertname=A,n=4,x=1", now_ms, 0);
	post("alertname=A,n=3", now_ms, 0);
	post("alertname=A,n=2,job=b", now_ms, 0);
	post("alertname=A,n=1,job=a,instance=z", now_ms, 0);
	post("alertname=A,n=0,job=a,instance=y", now_ms, 0);
	run_until(T0 + 30 * SEC);
	cr_assert_eq(nseen, 1);
	cr_assert_str_eq(seen[0].alerts, "0,1,2,3,4,");
}

Test(dispatch, continue_gives_one_group_per_route)
{
	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	post("alertname=A,n=1,team=ml,model=fraud", now_ms, 0);
	run_until(T0 + 30 * SEC);
	cr_assert_eq(nseen, 2);
	cr_assert_eq(dispatcher_group_count(d), 2);
	{
		int ml = 0, data = 0;

		for (size_t i = 0; i < nseen; i++) {
			ml += strcmp(seen[i].key,
				     "{}/{team=\"ml\"}:{alertname=\"A\"}") == 0;
			data += strcmp(seen[i].key,
				       "{}/{team=~\"ml|db\"}:{alertname=\"A\", "
				       "model=\"fraud\"}") == 0;
		}
		cr_assert(ml == 1 && data == 1, "%s | %s", seen[0].key,
			  seen[1].key);
	}
}

Test(dispatch, a_tick_during_a_slow_flush_flushes_after_it)
{
	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	hold = 1;
	post("alertname=A,n=1", now_ms, 0);
	run_until(T0 + 30 * SEC);
	cr_assert_eq(nseen, 1);
	run_until(T0 + 30 * SEC + 5 * MIN);
	cr_assert_eq(nseen, 1, "no overlapping flush");
	hold = 0;
	{
		struct dispatch_flush *f = held;

		held = NULL;
		f->done(f, 1);
	}
	cr_assert_eq(nseen, 2, "the waiting tick ran at once");
}

Test(dispatch, reload_keeps_unchanged_groups_and_their_timers)
{
	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	post("alertname=A,n=1", now_ms, 0);
	post("alertname=B,n=2,team=db", now_ms, 0);
	run_until(T0 + 30 * SEC);
	cr_assert_eq(nseen, 2);
	run_until(T0 + 2 * MIN);
	/* the data route changes its group_by; default is untouched */
	{
		char *t = xstrdup(tree);
		char *p = strstr(t, "group_by: [alertname, model]");

		memcpy(p, "group_by: [alertname, team] ", 28);
		cfg2 = load(t);
		free(t);
	}
	dispatcher_reload(d, cfg2->route);
	cr_assert_eq(dispatcher_group_count(d), 1);
	/* the caller routes every stored alert again */
	alertstore_foreach(as, reput, d);
	cr_assert_eq(dispatcher_group_count(d), 2);
	run_until(T0 + 2 * MIN + SEC);
	/* the changed route's group is new: its old alert flushes at once,
	 * as Alertmanager does */
	cr_assert_eq(nseen, 3);
	cr_assert_str_eq(seen[2].key, "{}/{team=~\"ml|db\"}:{alertname=\"B\", "
				      "team=\"db\"}");
	/* the kept group neither re-sent nor lost its grid */
	run_until(T0 + 30 * SEC + 5 * MIN - SEC);
	cr_assert_eq(nseen, 3);
	run_until(T0 + 30 * SEC + 5 * MIN);
	cr_assert_eq(nseen, 4);
	cr_assert_str_eq(seen[3].key, "{}:{alertname=\"A\"}");
}

Test(dispatch, many_groups_are_found_again)
{
	char l[64];

	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 300; i++) {
			snprintf(l, sizeof l, "alertname=G%d,n=%d", i, i % 7);
			post(l, now_ms, 0);
		}
	cr_assert_eq(dispatcher_group_count(d), 300, "one group per name");
	/* a group of one emptied and filled again */
	{
		struct labels *x = L("alertname=G5,n=5");
		struct am_alert *a = alertstore_get(as, x);

		labels_free(x);
		cr_assert_not_null(a);
		dispatcher_forget(d, a);
		dispatcher_maintenance(d);
		cr_assert_eq(dispatcher_group_count(d), 299);
		dispatcher_put(d, a);
		post("alertname=G5,n=6", now_ms, 0);
		cr_assert_eq(dispatcher_group_count(d), 300);
	}
	post("alertname=G0,team=db,model=m", now_ms, 0);
	cr_assert_eq(dispatcher_group_count(d), 301, "route data, own group");
}

Test(dispatch, a_flush_outlives_its_group)
{
	struct dispatch_flush *f;

	cfg = load(tree);
	d = dispatcher_new(loop, &fake_wall, cfg->route, notify, NULL);
	hold = 1;
	post("alertname=B,n=2,team=db", now_ms, 0);
	run_until(T0 + 30 * SEC);
	cr_assert_eq(nseen, 1);
	f = held;
	held = NULL;
	{
		char *t = xstrdup(tree);
		char *p = strstr(t, "group_by: [alertname, model]");

		memcpy(p, "group_by: [alertname, team] ", 28);
		cfg2 = load(t);
		free(t);
	}
	dispatcher_reload(d, cfg2->route);
	cr_assert_eq(dispatcher_group_count(d), 0, "the group went away");
	/* what the pipeline holds is still valid until done() */
	cr_assert_str_eq(f->group_key, "{}/{team=~\"ml|db\"}:{alertname=\"B\"}");
	cr_assert_str_eq(labels_get(f->group_labels, "alertname"), "B");
	f->done(f, 1);
}
