/*
 * test_nflog.c - the notification log: xxHash64 against published
 * vectors, Alertmanager's alert hash, every branch of needsUpdate(), and
 * the entries in the store (write-through, newer-wins, expiry, GC,
 * surviving a reopen).  Each store test works in its own mkdtemp
 * directory.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labels.h"
#include "nflog.h"
#include "store.h"

static char dir[64];
static char *db;

static void setup(void)
{
	strcpy(dir, "/tmp/tocsin-nflog-XXXXXX");
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

TestSuite(nflog, .init = setup, .fini = teardown);

static struct store *open_ok(void)
{
	struct store *st = NULL;
	struct buf err = { 0 };

	cr_assert_eq(store_open(db, &st, &err), 0, "%s", buf_str(&err));
	buf_free(&err);
	return st;
}

/* ------------------------------------------------------------- hashes */

Test(nflog, xxhash64_vectors)
{
	static const char nobody[] = "Nobody inspects the spammish repetition";

	cr_assert_eq(nflog_xxhash64("", 0), 0xef46db3751d8e999ULL);
	cr_assert_eq(nflog_xxhash64("a", 1), 0xd24ec4f1a98c6e5bULL);
	cr_assert_eq(nflog_xxhash64("abc", 3), 0x44bc2cf5ad770999ULL);
	cr_assert_eq(nflog_xxhash64(nobody, strlen(nobody)),
		     0xfbcea83c8a378bf1ULL);
}

Test(nflog, alert_hash_is_xxhash_of_pairs)
{
	struct labels_builder b = { 0 };
	struct labels *l;
	static const char raw[] = "alertname\xffX\xffjob\xff"
				  "api\xff";

	labels_builder_set(&b, "job", "api");
	labels_builder_set(&b, "alertname", "X");
	l = labels_builder_build(&b);
	cr_assert_eq(nflog_alert_hash(l), nflog_xxhash64(raw, sizeof raw - 1));
	labels_free(l);
	labels_builder_free(&b);
	l = labels_empty();
	cr_assert_eq(nflog_alert_hash(l), 0xef46db3751d8e999ULL);
	labels_free(l);
}

/* -------------------------------------------------------- needsUpdate */

static const int64_t H = 3600 * 1000;

static struct nflog_entry entry(uint64_t *f, size_t nf, uint64_t *r,
				size_t nr, int64_t ts)
{
	struct nflog_entry e = { 0 };

	e.firing = f;
	e.nfiring = nf;
	e.resolved = r;
	e.nresolved = nr;
	e.timestamp = ts;
	return e;
}

Test(nflog, needs_update_no_entry)
{
	uint64_t a[] = { 1 };

	cr_assert_eq(nflog_needs_update(NULL, a, 1, NULL, 0, 0, H, 0), 1);
	cr_assert_eq(nflog_needs_update(NULL, NULL, 0, a, 1, 1, H, 0), 0,
		     "resolved only, never notified: nothing");
	cr_assert_eq(nflog_needs_update(NULL, NULL, 0, NULL, 0, 1, H, 0), 0);
}

Test(nflog, needs_update_new_firing)
{
	uint64_t old[] = { 1, 2 }, now_f[] = { 2, 3 };
	struct nflog_entry e = entry(old, 2, NULL, 0, 10 * H);

	cr_assert_eq(nflog_needs_update(&e, now_f, 2, NULL, 0, 0, H, 10 * H),
		     1);
}

Test(nflog, needs_update_subset_firing_waits)
{
	uint64_t old[] = { 1, 2, 3 }, f[] = { 3, 1 };
	struct nflog_entry e = entry(old, 3, NULL, 0, 10 * H);

	/* an alert left the firing set (resolved, send_resolved=false):
	 * no send before repeat_interval */
	cr_assert_eq(nflog_needs_update(&e, f, 2, NULL, 0, 0, H, 10 * H + 1),
		     0);
}

Test(nflog, needs_update_all_resolved)
{
	uint64_t old[] = { 1 }, r[] = { 1 };
	struct nflog_entry e = entry(old, 1, NULL, 0, 10 * H);
	struct nflog_entry quiet = entry(NULL, 0, r, 1, 10 * H);

	/* regardless of send_resolved */
	cr_assert_eq(nflog_needs_update(&e, NULL, 0, r, 1, 0, H, 10 * H), 1);
	cr_assert_eq(nflog_needs_update(&e, NULL, 0, r, 1, 1, H, 10 * H), 1);
	/* already logged as all resolved: never again */
	cr_assert_eq(nflog_needs_update(&quiet, NULL, 0, r, 1, 1, H, 99 * H),
		     0);
}

Test(nflog, needs_update_new_resolved)
{
	uint64_t old[] = { 1, 2 }, f[] = { 1 }, r[] = { 2 };
	struct nflog_entry e = entry(old, 2, NULL, 0, 10 * H);

	cr_assert_eq(nflog_needs_update(&e, f, 1, r, 1, 1, H, 10 * H), 1);
	/* without send_resolved the new resolved alert does not count */
	cr_assert_eq(nflog_needs_update(&e, f, 1, r, 1, 0, H, 10 * H), 0);
}

Test(nflog, needs_update_known_resolved_waits)
{
	uint64_t old[] = { 1 }, oldr[] = { 2, 3 }, f[] = { 1 }, r[] = { 3 };
	struct nflog_entry e = entry(old, 1, oldr, 2, 10 * H);

	cr_assert_eq(nflog_needs_update(&e, f, 1, r, 1, 1, H, 10 * H), 0);
}

Test(nflog, needs_update_repeat_interval)
{
	uint64_t old[] = { 1 };
	struct nflog_entry e = entry(old, 1, NULL, 0, 10 * H);

	cr_assert_eq(nflog_needs_update(&e, old, 1, NULL, 0, 0, H, 11 * H), 0,
		     "exactly repeat_interval later: not yet (strict <)");
	cr_assert_eq(nflog_needs_update(&e, old, 1, NULL, 0, 0, H, 11 * H + 1),
		     1);
}

/* -------------------------------------------------------------- store */

static const struct nflog_key K = { "{}/{team=\"a\"}:{alertname=\"X\"}",
				    "team-a", "webhook", 0 };

Test(nflog, log_query_reopen)
{
	struct store *st = open_ok();
	struct buf err = { 0 };
	struct nflog_entry *e;
	uint64_t f[] = { 0xffffffffffffffffULL, 7 }, r[] = { 9 };
	struct nflog_key other = K;

	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert_null(e);
	cr_assert_eq(nflog_log(st, &K, f, 2, r, 1, H, 0, 1000, &err), 0, "%s",
		     buf_str(&err));
	store_close(st);
	st = open_ok();
	cr_assert_eq(nflog_query(st, &K, &e, &err), 0, "%s", buf_str(&err));
	cr_assert_not_null(e);
	cr_assert_str_eq(e->group_key, K.group_key);
	cr_assert_str_eq(e->receiver, "team-a");
	cr_assert_str_eq(e->integration, "webhook");
	cr_assert_eq(e->idx, 0);
	cr_assert_eq(e->timestamp, 1000);
	cr_assert_eq(e->nfiring, 2);
	cr_assert_eq(e->firing[0], 0xffffffffffffffffULL);
	cr_assert_eq(e->firing[1], 7);
	cr_assert_eq(e->nresolved, 1);
	cr_assert_eq(e->resolved[0], 9);
	cr_assert_eq(e->expires_at, 1000 + 2 * H, "2 * repeat_interval");
	nflog_entry_free(e);
	/* another index of the same integration is another entry */
	other.idx = 1;
	cr_assert_eq(nflog_query(st, &other, &e, &err), 0);
	cr_assert_null(e);
	store_close(st);
	buf_free(&err);
}

Test(nflog, expiry_capped_by_retention)
{
	struct store *st = open_ok();
	struct buf err = { 0 };
	struct nflog_entry *e;

	cr_assert_eq(nflog_log(st, &K, NULL, 0, NULL, 0, 100 * H, 0, 5, &err),
		     0);
	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert_eq(e->expires_at, 5 + 120 * H);
	cr_assert_eq(e->nfiring, 0);
	nflog_entry_free(e);
	cr_assert_eq(nflog_log(st, &K, NULL, 0, NULL, 0, 100 * H, H, 6, &err),
		     0);
	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert_eq(e->expires_at, 6 + H);
	nflog_entry_free(e);
	store_close(st);
	buf_free(&err);
}

Test(nflog, later_entry_wins)
{
	struct store *st = open_ok();
	struct buf err = { 0 };
	struct nflog_entry *e;
	uint64_t a[] = { 1 }, b[] = { 2 };

	cr_assert_eq(nflog_log(st, &K, a, 1, NULL, 0, H, 0, 2000, &err), 0);
	/* an older write is ignored (Log() keeps the later timestamp) */
	cr_assert_eq(nflog_log(st, &K, b, 1, NULL, 0, H, 0, 1000, &err), 0);
	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert_eq(e->timestamp, 2000);
	cr_assert_eq(e->firing[0], 1);
	nflog_entry_free(e);
	cr_assert_eq(nflog_log(st, &K, b, 1, NULL, 0, H, 0, 3000, &err), 0);
	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert_eq(e->timestamp, 3000);
	cr_assert_eq(e->firing[0], 2);
	nflog_entry_free(e);
	store_close(st);
	buf_free(&err);
}

Test(nflog, gc_deletes_expired)
{
	struct store *st = open_ok();
	struct buf err = { 0 };
	struct nflog_entry *e;
	struct nflog_key k2 = K;
	int64_t n = -1;

	k2.receiver = "team-b";
	cr_assert_eq(nflog_log(st, &K, NULL, 0, NULL, 0, H, 0, 0, &err), 0);
	cr_assert_eq(nflog_log(st, &k2, NULL, 0, NULL, 0, 2 * H, 0, 0, &err),
		     0);
	cr_assert_eq(nflog_gc(st, 2 * H - 1, &n, &err), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(nflog_gc(st, 2 * H, &n, &err), 0, "%s", buf_str(&err));
	cr_assert_eq(n, 1, "expires_at <= now is deleted");
	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert_null(e);
	cr_assert_eq(nflog_query(st, &k2, &e, &err), 0);
	cr_assert_not_null(e);
	nflog_entry_free(e);
	cr_assert_eq(nflog_gc(st, 4 * H, NULL, &err), 0);
	cr_assert_eq(nflog_query(st, &k2, &e, &err), 0);
	cr_assert_null(e);
	store_close(st);
	buf_free(&err);
}

/* Dedup end to end: query, decide, log after the "send". */
Test(nflog, dedup_flow)
{
	struct store *st = open_ok();
	struct buf err = { 0 };
	struct nflog_entry *e;
	uint64_t f[] = { 11, 12 };
	int64_t now = 50 * H;

	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert(nflog_needs_update(e, f, 2, NULL, 0, 1, 4 * H, now));
	cr_assert_eq(nflog_log(st, &K, f, 2, NULL, 0, 4 * H, 0, now, &err), 0);
	now += 5 * 60 * 1000; /* next group_interval */
	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert_not(nflog_needs_update(e, f, 2, NULL, 0, 1, 4 * H, now));
	nflog_entry_free(e);
	now += 4 * H;
	cr_assert_eq(nflog_query(st, &K, &e, &err), 0);
	cr_assert(nflog_needs_update(e, f, 2, NULL, 0, 1, 4 * H, now));
	nflog_entry_free(e);
	store_close(st);
	buf_free(&err);
}
