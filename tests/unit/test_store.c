/*
 * test_store.c - the SQLite store: opening, schema versions, refusals,
 * the lock, alert state round trips, replace and retain semantics, and
 * crash safety under SIGKILL.  Every test works in its own mkdtemp
 * directory, removed afterwards.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alerting.h"
#include "labels.h"
#include "rulefile.h"
#include "store.h"

static char dir[64];
static char *db;

static void setup(void)
{
	strcpy(dir, "/tmp/tocsin-store-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	db = path_join(dir, "tocsin.db");
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = path_join(dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(db);
}

TestSuite(store, .init = setup, .fini = teardown);

/* ------------------------------------------------------------- helpers */

static struct store *open_ok(void)
{
	struct store *st = NULL;
	struct buf err = { 0 };

	cr_assert_eq(store_open(db, &st, &err), 0, "%s", buf_str(&err));
	buf_free(&err);
	return st;
}

/* Opens and expects failure; returns the message (caller frees). */
static char *open_fails(void)
{
	struct store *st = NULL;
	struct buf err = { 0 };

	cr_assert_neq(store_open(db, &st, &err), 0);
	cr_assert_null(st);
	cr_assert_gt(err.len, 0);
	return buf_take(&err);
}

/* Runs one-row SQL on db with a plain connection; returns column 0. */
static long long sql_int(const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	long long v;

	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK,
		     "%s", sqlite3_errmsg(h));
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

static void sql_exec(const char *sql)
{
	sqlite3 *h;

	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(h));
	sqlite3_close(h);
}

static struct labels *mk(const char *const *kv)
{
	struct labels_builder b = { 0 };
	struct labels *l;

	for (; kv[0]; kv += 2)
		labels_builder_set(&b, kv[0], kv[1]);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* A label set with empty values, which the builder would drop:
 * annotations may have them.  One allocation, as labels.h says. */
static struct labels *mk_raw(const char *n1, const char *v1, const char *n2,
			     const char *v2)
{
	struct labels *l = calloc(1, sizeof *l + 2 * sizeof l->v[0]);

	l->n = 2;
	l->v[0].name = n1;
	l->v[0].value = v1;
	l->v[1].name = n2;
	l->v[1].value = v2;
	l->fp = labels_hash_pairs(l->v, 2);
	return l;
}

/* What a load saw: copies. */
struct seen {
	char *file, *group, *rule;
	uint64_t hash;
	struct alert_persist a;
	int has_ann;
};

struct seen_list {
	struct seen *v;
	size_t n;
};

static int collect(void *ctx, const struct store_group_key *g,
		   const struct store_rule_key *r,
		   const struct alert_persist *a)
{
	struct seen_list *l = ctx;
	struct seen *s;

	l->v = realloc(l->v, (l->n + 1) * sizeof *l->v);
	s = &l->v[l->n++];
	s->file = xstrdup(g->file);
	s->group = xstrdup(g->group);
	s->rule = xstrdup(r->name);
	s->hash = r->labels_hash;
	s->a = *a;
	s->a.labels = labels_dup(a->labels);
	s->has_ann = a->annotations != NULL;
	s->a.annotations = a->annotations ? labels_dup(a->annotations) : NULL;
	return 0;
}

static void seen_free(struct seen_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].file);
		free(l->v[i].group);
		free(l->v[i].rule);
		labels_free((struct labels *)l->v[i].a.labels);
		labels_free((struct labels *)l->v[i].a.annotations);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void load(struct store *st, struct seen_list *out)
{
	struct buf err = { 0 };

	cr_assert_eq(store_alerts_load(st, collect, out, &err), 0, "%s",
		     buf_str(&err));
	buf_free(&err);
}

static void save(struct store *st, const char *file, const char *group,
		 const struct store_rule_alerts *r, size_t n)
{
	struct store_group_key g = { file, group, 0 };
	struct buf err = { 0 };

	cr_assert_eq(store_alerts_save_group(st, &g, r, n, 1000, &err), 0,
		     "%s", buf_str(&err));
	buf_free(&err);
}

static void assert_labels_eq(const struct labels *a, const struct labels *b)
{
	cr_assert_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		cr_assert_str_eq(a->v[i].name, b->v[i].name);
		cr_assert_str_eq(a->v[i].value, b->v[i].value);
	}
	cr_assert_eq(a->fp, b->fp);
}

static void assert_persist_eq(const struct alert_persist *got,
			      const struct alert_persist *want)
{
	assert_labels_eq(got->labels, want->labels);
	if (want->annotations == NULL)
		cr_assert_null(got->annotations);
	else
		assert_labels_eq(got->annotations, want->annotations);
	if (isnan(want->value))
		cr_assert(isnan(got->value));
	else
		cr_assert_eq(got->value, want->value);
	cr_assert_eq(got->state, want->state);
	cr_assert_eq(got->active_at, want->active_at);
	cr_assert_eq(got->fired_at, want->fired_at);
	cr_assert_eq(got->resolved_at, want->resolved_at);
	cr_assert_eq(got->last_sent_at, want->last_sent_at);
	cr_assert_eq(got->valid_until, want->valid_until);
	cr_assert_eq(got->keep_firing_since, want->keep_firing_since);
}

/* ---------------------------------------------------------- open/close */

Test(store, create_reopen_wal)
{
	struct store *st = open_ok();

	store_close(st);
	cr_assert_eq(access(db, F_OK), 0);
	st = open_ok();
	store_close(st);
	cr_assert_eq(sql_int("PRAGMA user_version"), 2);
	cr_assert_eq(sql_int("SELECT count(*) FROM sqlite_master "
			     "WHERE name = 'alert_state'"),
		     1);
	{
		sqlite3 *h;
		sqlite3_stmt *s;

		cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
		sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, NULL);
		cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
		cr_assert_str_eq((const char *)sqlite3_column_text(s, 0),
				 "wal");
		sqlite3_finalize(s);
		sqlite3_close(h);
	}
}

Test(store, migrations_idempotent)
{
	for (int i = 0; i < 3; i++)
		store_close(open_ok());
	cr_assert_eq(sql_int("PRAGMA user_version"), 2);
	/* 1: alert_group, alert_state, alert_state_group; 2: silence,
	 * silence_history, silence_history_id, nflog, nflog_expires */
	cr_assert_eq(sql_int("SELECT count(*) FROM sqlite_master "
			     "WHERE type IN ('table', 'index') "
			     "AND name NOT LIKE 'sqlite_%'"),
		     8);
}

Test(store, refuses_newer_version)
{
	char *msg;

	store_close(open_ok());
	sql_exec("PRAGMA user_version = 99");
	msg = open_fails();
	cr_assert(strstr(msg, "newer") != NULL, "%s", msg);
	cr_assert(strstr(msg, db) != NULL, "%s", msg);
	free(msg);
	cr_assert_eq(sql_int("PRAGMA user_version"), 99); /* untouched */
}

Test(store, refuses_garbage_file)
{
	FILE *f = fopen(db, "w");
	char *msg;

	for (int i = 0; i < 8192; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	msg = open_fails();
	cr_assert(strstr(msg, db) != NULL, "%s", msg);
	cr_assert(strstr(msg, "not a database") != NULL, "%s", msg);
	free(msg);
}

Test(store, refuses_corrupt_page)
{
	struct store *st = open_ok();
	struct labels *l = mk((const char *[]){ "a", "b", NULL });
	struct alert_persist a = { .labels = l, .state = ALERT_FIRING };
	struct store_rule_alerts r = { { "R", 1 }, &a, 1 };
	char *msg;
	FILE *f;
	long long pages;

	save(st, "f", "g", &r, 1);
	store_close(st);
	labels_free(l);
	sql_exec("PRAGMA wal_checkpoint(TRUNCATE)");
	pages = sql_int("PRAGMA page_count");
	cr_assert_gt(pages, 2);
	/* Scribble over every page but the first (the header). */
	f = fopen(db, "r+b");
	fseek(f, 4096, SEEK_SET);
	for (long long i = 4096; i < pages * 4096; i++)
		fputc(0x5a, f);
	fclose(f);
	msg = open_fails();
	cr_assert(strstr(msg, db) != NULL, "%s", msg);
	free(msg);
}

Test(store, missing_directory)
{
	char *p = path_join(dir, "nope/tocsin.db");
	struct store *st = NULL;
	struct buf err = { 0 };

	cr_assert_neq(store_open(p, &st, &err), 0);
	cr_assert(strstr(buf_str(&err), "does not exist") != NULL, "%s",
		  buf_str(&err));
	buf_free(&err);
	free(p);
}

Test(store, unknown_backend)
{
	struct store *st = NULL;
	struct buf err = { 0 };

	cr_assert_neq(store_open_backend("postgres", db, &st, &err), 0);
	cr_assert(strstr(buf_str(&err), "postgres") != NULL);
	buf_free(&err);
}

Test(store, lock_refuses_second_open)
{
	struct store *a = open_ok();
	char *msg = open_fails();

	cr_assert(strstr(msg, "in use") != NULL, "%s", msg);
	free(msg);
	store_close(a);
	store_close(open_ok()); /* free again */
}

/* ------------------------------------------------------------- alerts */

Test(store, round_trip_all_fields)
{
	struct labels *l1 = mk((const char *[]){ "alertname", "HighLatency",
						 "job", "api", "ünï", "☃ 雪",
						 NULL });
	struct labels *l2 = mk((const char *[]){ "alertname", "B", NULL });
	struct labels *l3 = labels_empty();
	struct labels *ann1 = mk_raw("description", "", "summary",
				     "p99 > 1s «ok»");
	struct labels *ann2 = labels_empty();
	struct alert_persist want[3] = {
		{ l1, ann1, 1.25, ALERT_FIRING, 1000, 2000, ALERT_TIME_ZERO,
		  3000, 4000, 5000 },
		{ l2, NULL, NAN, ALERT_PENDING, 7, ALERT_TIME_ZERO,
		  ALERT_TIME_ZERO, ALERT_TIME_ZERO, ALERT_TIME_ZERO,
		  ALERT_TIME_ZERO },
		{ l3, ann2, -INFINITY, ALERT_INACTIVE, INT64_MIN, INT64_MAX,
		  -1, 0, 1, 2 },
	};
	struct store_rule_alerts rules[2] = {
		{ { "HighLatency", 0xfedcba9876543210ULL }, want, 1 },
		{ { "B", 42 }, want + 1, 2 },
	};
	struct seen_list got = { 0 };
	struct store *st = open_ok();

	save(st, "rules/ü.yml", "grp", rules, 2);
	store_close(st);
	st = open_ok();
	load(st, &got);
	cr_assert_eq(got.n, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_str_eq(got.v[i].file, "rules/ü.yml");
		cr_assert_str_eq(got.v[i].group, "grp");
		assert_persist_eq(&got.v[i].a, &want[i]);
	}
	cr_assert_str_eq(got.v[0].rule, "HighLatency");
	cr_assert_eq(got.v[0].hash, 0xfedcba9876543210ULL);
	cr_assert_str_eq(got.v[2].rule, "B");
	cr_assert_eq(got.v[2].hash, 42);
	cr_assert(got.v[2].has_ann);
	cr_assert_eq(got.v[2].a.annotations->n, 0);
	seen_free(&got);
	store_close(st);
	labels_free(l1);
	labels_free(l2);
	labels_free(l3);
	free(ann1);
	labels_free(ann2);
}

Test(store, replace_and_retain)
{
	struct labels *x = mk((const char *[]){ "i", "x", NULL });
	struct labels *y = mk((const char *[]){ "i", "y", NULL });
	struct alert_persist a[2] = {
		{ .labels = x, .state = ALERT_FIRING, .value = 1 },
		{ .labels = y, .state = ALERT_PENDING, .value = 2 },
	};
	struct store_rule_alerts both = { { "R", 1 }, a, 2 };
	struct store_rule_alerts only_y = { { "R", 1 }, a + 1, 1 };
	struct store_group_key keep[] = { { "f1", "g1", 0 }, { "f3", "g3", 0 } };
	struct seen_list got = { 0 };
	struct buf err = { 0 };
	struct store *st = open_ok();

	save(st, "f1", "g1", &both, 1);
	save(st, "f2", "g2", &both, 1);
	save(st, "f1", "g1", &only_y, 1); /* x is gone from g1 */
	load(st, &got);
	cr_assert_eq(got.n, 3);
	cr_assert_str_eq(got.v[0].group, "g1");
	cr_assert_str_eq(labels_get(got.v[0].a.labels, "i"), "y");
	cr_assert_str_eq(got.v[1].group, "g2");
	seen_free(&got);

	save(st, "f2", "g2", NULL, 0); /* an empty group keeps its row */
	load(st, &got);
	cr_assert_eq(got.n, 1);
	seen_free(&got);

	save(st, "f2", "g2", &both, 1);
	cr_assert_eq(store_alerts_retain_groups(st, keep, 2, &err), 0, "%s",
		     buf_str(&err));
	load(st, &got);
	cr_assert_eq(got.n, 1);
	cr_assert_str_eq(got.v[0].group, "g1");
	seen_free(&got);
	cr_assert_eq(store_alerts_retain_groups(st, NULL, 0, &err), 0);
	load(st, &got);
	cr_assert_eq(got.n, 0);
	store_close(st);
	cr_assert_eq(sql_int("SELECT count(*) FROM alert_group"), 0);
	buf_free(&err);
	labels_free(x);
	labels_free(y);
}

static int stop_at_first(void *ctx, const struct store_group_key *g,
			 const struct store_rule_key *r,
			 const struct alert_persist *a)
{
	(void)g;
	(void)r;
	(void)a;
	++*(int *)ctx;
	return 7;
}

Test(store, load_callback_stops)
{
	struct labels *x = mk((const char *[]){ "i", "x", NULL });
	struct alert_persist a[2] = { { .labels = x, .state = ALERT_FIRING },
				      { .labels = x, .state = ALERT_FIRING } };
	struct store_rule_alerts r = { { "R", 1 }, a, 2 };
	struct store *st = open_ok();
	struct buf err = { 0 };
	int calls = 0;

	save(st, "f", "g", &r, 1);
	cr_assert_eq(store_alerts_load(st, stop_at_first, &calls, &err), 7);
	cr_assert_eq(calls, 1);
	/* the statement was reset: a second load works */
	cr_assert_eq(store_alerts_load(st, stop_at_first, &calls, &err), 7);
	store_close(st);
	buf_free(&err);
	labels_free(x);
}

Test(store, failed_save_rolls_back)
{
	struct labels *x = mk((const char *[]){ "i", "x", NULL });
	struct labels *boom = mk((const char *[]){ "i", "boom", NULL });
	struct alert_persist a[2] = { { .labels = x, .state = ALERT_FIRING },
				      { .labels = boom,
					.state = ALERT_FIRING } };
	struct store_rule_alerts one = { { "R", 1 }, a, 1 };
	struct store_rule_alerts two = { { "S", 2 }, a, 2 };
	struct store_group_key g = { "f", "g", 0 };
	struct seen_list got = { 0 };
	struct buf err = { 0 };
	struct store *st = open_ok();

	save(st, "f", "g", &one, 1);
	/* A trigger makes the second insert fail half-way through. */
	sql_exec("CREATE TRIGGER boom BEFORE INSERT ON alert_state "
		 "WHEN instr(NEW.labels, 'boom') > 0 "
		 "BEGIN SELECT RAISE(ABORT, 'boom refused'); END");
	cr_assert_neq(store_alerts_save_group(st, &g, &two, 1, 5, &err), 0);
	cr_assert(strstr(buf_str(&err), "saving an alert") != NULL, "%s",
		  buf_str(&err));
	cr_assert(strstr(buf_str(&err), "boom refused") != NULL, "%s",
		  buf_str(&err));
	cr_assert(strstr(buf_str(&err), db) != NULL, "%s", buf_str(&err));
	load(st, &got);
	cr_assert_eq(got.n, 1); /* the old state, untouched */
	cr_assert_str_eq(got.v[0].rule, "R");
	seen_free(&got);
	/* no transaction was left open: the next save works */
	save(st, "f", "g", &one, 1);
	cr_assert_eq(sql_int("SELECT updated_at FROM alert_group"), 1000);
	store_close(st);
	buf_free(&err);
	labels_free(x);
	labels_free(boom);
}

/* Restores into an alerting_rule through alerting_rule_import(). */
static int import(void *ctx, const struct store_group_key *g,
		  const struct store_rule_key *r,
		  const struct alert_persist *a)
{
	struct alerting_rule *ar = ctx;

	(void)g;
	if (strcmp(r->name, ar->name) != 0 ||
	    r->labels_hash != store_rule_labels_hash(ar->labels, ar->nlabels))
		return 0;
	return alerting_rule_import(ar, a) ? 0 : -1;
}

Test(store, alerting_export_import)
{
	struct rule_kv kv[] = { { "severity", "page" } };
	struct rule rule = { .kind = RULE_ALERT, .name = "Up", .expr = "up",
			     .labels = kv, .nlabels = 1 };
	struct alerting_rule *r1 = alerting_rule_new(&rule, NULL);
	struct alerting_rule *r2 = alerting_rule_new(&rule, NULL);
	struct labels *l = mk((const char *[]){ "alertname", "Up",
						"severity", "page", NULL });
	struct labels *ann = mk((const char *[]){ "summary", "down", NULL });
	struct alert_persist p = { l, ann, 0, ALERT_FIRING, 10, 20,
				   ALERT_TIME_ZERO, 30, 40, ALERT_TIME_ZERO };
	const struct alert **as;
	struct alert_persist out[1], back;
	struct store_rule_alerts ra = { { "Up", 0 }, out, 1 };
	struct store *st = open_ok();
	struct buf err = { 0 };
	size_t n;

	cr_assert_not_null(alerting_rule_import(r1, &p));
	as = alerting_rule_alerts(r1, &n);
	cr_assert_eq(n, 1);
	alerting_alert_export(as[0], &out[0]);
	ra.rule.labels_hash = store_rule_labels_hash(r1->labels, r1->nlabels);
	save(st, "f", "g", &ra, 1);
	free(as);
	store_close(st);
	st = open_ok();
	cr_assert_eq(store_alerts_load(st, import, r2, &err), 0, "%s",
		     buf_str(&err));
	cr_assert_not_null(alerting_rule_find(r2, l));
	alerting_alert_export(alerting_rule_find(r2, l), &back);
	assert_persist_eq(&back, &p);
	store_close(st);
	buf_free(&err);
	labels_free(l);
	labels_free(ann);
	alerting_rule_free(r1);
	alerting_rule_free(r2);
}

/* ---------------------------------------------- crash safety, figures */

/* State k: k % 13 + 1 alerts in rule "R", alert i has labels {i="<i>"},
 * value k, active_at k * 1000 + i.  A mix of two states cannot pass
 * check_state(). */
#define NSTATE_MAX 13

static void make_state(long k, struct labels **ls,
		       struct alert_persist *a, size_t *n)
{
	*n = (size_t)(k % NSTATE_MAX) + 1;
	for (size_t i = 0; i < *n; i++)
		a[i] = (struct alert_persist){
			.labels = ls[i], .value = (double)k,
			.state = ALERT_FIRING,
			.active_at = k * 1000 + (int64_t)i,
			.fired_at = k, .resolved_at = ALERT_TIME_ZERO,
			.last_sent_at = k, .valid_until = k,
			.keep_firing_since = ALERT_TIME_ZERO,
		};
}

static void child_loop(long k0, int wfd)
{
	struct labels *ls[NSTATE_MAX];
	struct alert_persist a[NSTATE_MAX];
	struct store *st = NULL;
	struct buf err = { 0 };

	for (int i = 0; i < NSTATE_MAX; i++) {
		char v[32];

		snprintf(v, sizeof v, "%d", i);
		ls[i] = mk((const char *[]){ "i", v, NULL });
	}
	if (store_open(db, &st, &err) != 0)
		_exit(2);
	for (long k = k0;; k++) {
		struct store_rule_alerts r = { { "R", 1 }, a, 0 };
		struct store_group_key g = { "f", "g", 0 };

		make_state(k, ls, a, &r.nalerts);
		if (store_alerts_save_group(st, &g, &r, 1, k, &err) != 0)
			_exit(3);
		if (write(wfd, &k, sizeof k) != sizeof k)
			_exit(4);
	}
}

/* Returns the state k the loaded alerts are, or -1 when they mix. */
static long check_state(const struct seen_list *got)
{
	long k;

	if (got->n == 0)
		return -1;
	k = (long)got->v[0].a.value;
	if (got->n != (size_t)(k % NSTATE_MAX) + 1)
		return -1;
	for (size_t i = 0; i < got->n; i++)
		if (got->v[i].a.value != (double)k ||
		    got->v[i].a.active_at != k * 1000 + (int64_t)i)
			return -1;
	return k;
}

Test(store, crash_safety_sigkill, .timeout = 60)
{
	long k0 = 1;

	srand((unsigned)time(NULL));
	for (int round = 0; round < 6; round++) {
		int fds[2];
		pid_t pid;
		long k, last = -1;
		struct seen_list got = { 0 };
		struct store *st;
		struct buf err = { 0 };

		cr_assert_eq(pipe(fds), 0);
		pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			close(fds[0]);
			child_loop(k0, fds[1]);
		}
		close(fds[1]);
		/* wait for one commit, then kill at a random moment */
		cr_assert_eq(read(fds[0], &last, sizeof last), sizeof last);
		usleep((useconds_t)(rand() % 50000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		while (read(fds[0], &k, sizeof k) == sizeof k)
			last = k;
		close(fds[0]);

		st = open_ok(); /* quick_check passed */
		load(st, &got);
		k = check_state(&got);
		/* the last reported commit, or the next one committed
		 * before the report reached us */
		cr_assert(k == last || k == last + 1,
			  "round %d: loaded state %ld, last committed %ld",
			  round, k, last);
		cr_assert_eq(store_alerts_load(st, collect, &got, &err), 0);
		seen_free(&got);
		store_close(st);
		buf_free(&err);
		k0 = last + 2;
	}
}

Test(store, figure_save_1000_alerts)
{
	enum { N = 1000, ROUNDS = 20 };
	struct labels *ls[N];
	struct alert_persist a[N];
	struct store_rule_alerts r = { { "Many", 9 }, a, N };
	struct store *st = open_ok();
	struct seen_list got = { 0 };
	struct timespec t0, t1;
	double ms;

	for (int i = 0; i < N; i++) {
		char v[32];

		snprintf(v, sizeof v, "host-%04d", i);
		ls[i] = mk((const char *[]){ "alertname", "Many", "instance",
					     v, "job", "node", NULL });
		a[i] = (struct alert_persist){ .labels = ls[i],
					       .state = ALERT_FIRING,
					       .value = i,
					       .active_at = i };
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int k = 0; k < ROUNDS; k++)
		save(st, "f", "g", &r, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) /
	     ROUNDS;
	fprintf(stderr, "store: save of a group of %d alerts: %.2f ms "
			"(mean of %d, synchronous=FULL)\n",
		N, ms, ROUNDS);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	load(st, &got);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "store: load of %d alerts: %.2f ms\n", N,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	cr_assert_eq(got.n, N);
	seen_free(&got);
	store_close(st);
	for (int i = 0; i < N; i++)
		labels_free(ls[i]);
}

/* A group evaluated without changes is only touched: the load reports
 * the touch as when it was saved (what a restart counts downtime from). */
static int64_t saved_at;

static int note_saved_at(void *ctx, const struct store_group_key *g,
			 const struct store_rule_key *r,
			 const struct alert_persist *a)
{
	(void)ctx;
	(void)r;
	(void)a;
	saved_at = g->saved_at_ms;
	return 0;
}

Test(store, touch_moves_saved_at)
{
	struct store *st = open_ok();
	static const char *const kv[] = { "alertname", "A", NULL };
	struct labels *l = mk(kv);
	struct alert_persist a = { 0 };
	struct store_rule_alerts r = { { "A", 1 }, &a, 1 };
	struct store_group_key g = { "f", "g", 0 }, other = { "f", "h", 0 };
	struct buf err = { 0 };

	a.labels = l;
	a.state = ALERT_PENDING;
	save(st, "f", "g", &r, 1);
	cr_assert_eq(store_alerts_load(st, note_saved_at, NULL, &err), 0);
	cr_assert_eq(saved_at, 1000);
	cr_assert_eq(store_alerts_touch_group(st, &g, 5000, &err), 0, "%s",
		     buf_str(&err));
	cr_assert_eq(store_alerts_touch_group(st, &other, 6000, &err), 0);
	cr_assert_eq(store_alerts_load(st, note_saved_at, NULL, &err), 0);
	cr_assert_eq(saved_at, 5000);
	cr_assert_eq(sql_int("SELECT count(*) FROM alert_group"), 1,
		     "touching an unsaved group creates nothing");
	buf_free(&err);
	labels_free(l);
	store_close(st);
}

/* ------------------------------------------- schema 2: router state */

Test(store, migrates_version_1_file)
{
	struct store *st = open_ok();
	struct labels *l = mk((const char *[]){ "a", "b", NULL });
	struct alert_persist a = { .labels = l, .state = ALERT_FIRING };
	struct store_rule_alerts r = { { "R", 1 }, &a, 1 };
	struct seen_list got = { 0 };

	save(st, "f", "g", &r, 1);
	store_close(st);
	/* make the file what Tocsin with schema 1 left behind */
	sql_exec("DROP TABLE silence; DROP TABLE silence_history;"
		 " DROP TABLE nflog; PRAGMA user_version = 1");
	cr_assert_eq(sql_int("SELECT count(*) FROM sqlite_master "
			     "WHERE name = 'silence'"),
		     0);
	st = open_ok();
	cr_assert_eq(sql_int("PRAGMA user_version"), 2);
	cr_assert_eq(sql_int("SELECT count(*) FROM sqlite_master "
			     "WHERE name IN ('silence', 'silence_history',"
			     " 'nflog')"),
		     3);
	load(st, &got);
	cr_assert_eq(got.n, 1, "the alert state of schema 1 is kept");
	seen_free(&got);
	store_close(st);
	labels_free(l);
}

Test(store, shared_open_beside_daemon)
{
	struct store *daemon = open_ok(), *cli = NULL;
	struct buf err = { 0 };
	int64_t v0, v1;
	struct store_silence x = { "id-1", 5, 10, "{}" };
	struct store_silence_write w = { &x, 1, NULL, 0, NULL, 0 };
	char *msg = open_fails(); /* a second daemon is still refused */

	free(msg);
	cr_assert_eq(store_open_shared(db, &cli, &err), 0, "%s",
		     buf_str(&err));
	cr_assert_eq(store_data_version(daemon, &v0, &err), 0);
	cr_assert_eq(store_silences_write(cli, &w, &err), 0, "%s",
		     buf_str(&err));
	cr_assert_eq(store_data_version(daemon, &v1, &err), 0);
	cr_assert_neq(v0, v1, "the daemon sees the CLI's commit");
	cr_assert_eq(store_data_version(cli, &v0, &err), 0);
	cr_assert_eq(store_silences_write(cli, &w, &err), 0);
	cr_assert_eq(store_data_version(cli, &v1, &err), 0);
	cr_assert_eq(v0, v1, "its own commits do not count");
	store_close(cli);
	store_close(daemon);
	buf_free(&err);
}

Test(store, shared_open_missing_directory)
{
	char *p = path_join(dir, "nope/tocsin.db");
	struct store *st = NULL;
	struct buf err = { 0 };

	cr_assert_neq(store_open_shared(p, &st, &err), 0);
	cr_assert_null(st);
	cr_assert(strstr(buf_str(&err), "does not exist") != NULL, "%s",
		  buf_str(&err));
	buf_free(&err);
	free(p);
}

static int count_silence(void *ctx, const struct store_silence *x)
{
	(void)x;
	++*(int *)ctx;
	return 0;
}

static int last_hist(void *ctx, const struct store_silence_history *h)
{
	char **what = ctx;

	free(*what);
	*what = xasprintf("%s %s %s %s %s %s", h->id, h->what, h->created_by,
			  h->client, h->before ? h->before : "-",
			  h->after ? h->after : "-");
	return 0;
}

Test(store, silences_write_is_one_transaction)
{
	struct store *st = open_ok();
	struct buf err = { 0 };
	struct store_silence a = { "a", 1, 2, "{\"a\":1}" };
	struct store_silence b = { "boom", 1, 2, "{}" };
	struct store_silence_history h = { "a", 1, "create", "alice", "cli",
					   NULL, "{\"a\":1}", 0 };
	struct store_silence_write w1 = { &a, 1, NULL, 0, &h, 1 };
	struct store_silence both[2] = { a, b };
	struct store_silence_write w2 = { both, 2, NULL, 0, &h, 1 };
	const char *del[] = { "a" };
	struct store_silence_write w3 = { NULL, 0, del, 1, NULL, 0 };
	char *what = NULL;
	int n = 0;

	cr_assert_eq(store_silences_write(st, &w1, &err), 0, "%s",
		     buf_str(&err));
	sql_exec("CREATE TRIGGER boom BEFORE INSERT ON silence "
		 "WHEN NEW.id = 'boom' "
		 "BEGIN SELECT RAISE(ABORT, 'boom refused'); END");
	a.data = "{\"a\":2}";
	both[0] = a;
	cr_assert_neq(store_silences_write(st, &w2, &err), 0);
	cr_assert(strstr(buf_str(&err), "boom refused") != NULL, "%s",
		  buf_str(&err));
	cr_assert_eq(sql_int("SELECT count(*) FROM silence_history"), 1,
		     "the history row of the failed change is gone too");
	cr_assert_eq(sql_int("SELECT count(*) FROM silence "
			     "WHERE data = '{\"a\":1}'"),
		     1, "the old silence is untouched");
	cr_assert_eq(store_silences_load(st, count_silence, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(store_silence_history(st, "a", last_hist, &what, &err),
		     0);
	cr_assert_str_eq(what, "a create alice cli - {\"a\":1}");
	cr_assert_eq(store_silences_write(st, &w3, &err), 0);
	n = 0;
	cr_assert_eq(store_silences_load(st, count_silence, &n, &err), 0);
	cr_assert_eq(n, 0);
	free(what);
	store_close(st);
	buf_free(&err);
}

/* A crash in the middle of an nflog write leaves the old entry or the new
 * one, never a mix: the child logs entry k (k firing hashes, all k). */
static void nflog_child(long k0, int wfd)
{
	struct store *st = NULL;
	struct buf err = { 0 };
	uint64_t h[64];

	if (store_open(db, &st, &err) != 0)
		_exit(2);
	for (long k = k0;; k++) {
		struct store_nflog_entry e = {
			{ "g", "r", "webhook", 0 }, k, h, (size_t)(k % 64),
			NULL, 0, k + 1000,
		};

		for (int i = 0; i < 64; i++)
			h[i] = (uint64_t)k;
		if (store_nflog_put(st, &e, &err) != 0)
			_exit(3);
		if (write(wfd, &k, sizeof k) != sizeof k)
			_exit(4);
	}
}

static int check_nflog(void *ctx, const struct store_nflog_entry *e)
{
	long *k = ctx;

	*k = (long)e->timestamp_ms;
	if (e->nfiring != (size_t)(*k % 64) || e->expires_at_ms != *k + 1000)
		*k = -1;
	for (size_t i = 0; i < e->nfiring; i++)
		if (e->firing[i] != (uint64_t)e->timestamp_ms)
			*k = -1;
	return 0;
}

Test(store, nflog_crash_safety_sigkill, .timeout = 60)
{
	long k0 = 1;

	/* each round starts above the last: an older timestamp is ignored */
	for (int round = 0; round < 4; round++) {
		int fds[2];
		pid_t pid;
		long k, last = -1, got = 0;
		struct store *st;
		struct buf err = { 0 };

		cr_assert_eq(pipe(fds), 0);
		pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			close(fds[0]);
			nflog_child(k0, fds[1]);
		}
		close(fds[1]);
		cr_assert_eq(read(fds[0], &last, sizeof last), sizeof last);
		usleep((useconds_t)(rand() % 30000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		while (read(fds[0], &k, sizeof k) == sizeof k)
			last = k;
		close(fds[0]);
		st = open_ok();
		cr_assert_eq(store_nflog_load(st, check_nflog, &got, &err), 0,
			     "%s", buf_str(&err));
		cr_assert(got == last || got == last + 1,
			  "round %d: entry %ld, last logged %ld", round, got,
			  last);
		store_close(st);
		buf_free(&err);
		k0 = last + 2;
	}
}
