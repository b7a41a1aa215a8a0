/*
 * store_sqlite.c - the SQLite backend of the store (store.h).
 *
 * One database file, in WAL mode, used by one Tocsin at a time: open takes
 * an exclusive flock(2) on "<path>.lock" and holds it until close.  The lock
 * file is left in place (unlinking it would let a third process lock a new
 * inode while a second still holds the old one).  SQLite's own locks are
 * fcntl(2) locks on the database and cannot keep a second daemon out: both
 * would run, each overwriting the other's state.
 *
 * Schema versions: PRAGMA user_version is the number of entries of
 * migrations[] applied.  Opening applies the missing ones, in order, in
 * one transaction together with the new user_version, so a file is always
 * at exactly one known version.  A file whose version is higher than
 * NMIGRATIONS was written by a newer Tocsin and is refused.  To add a
 * table, append a step; never edit a step that has shipped.
 *
 * Silences: one row per silence holding silence.c's JSON record, and an
 * append-only silence_history.  Notification log: one row per (group key,
 * receiver, integration, index), alert hashes as BLOBs of little-endian
 * uint64s.
 *
 * Alert state: one row per group in alert_group, one row per alert in
 * alert_state (deleted with its group).  Label sets are stored as a BLOB of
 * "name\0value\0" for each pair in label order, the canonical form of a
 * struct labels; annotations likewise, NULL when the alert has none.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labels.h"
#include "store.h"

/* ------------------------------------------------------------ migrations */

static const char *const migrations[] = {
	/* 1: alert state of the rule evaluator */
	"CREATE TABLE alert_group ("
	"  group_file TEXT NOT NULL,"
	"  group_name TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL," /* ms since the epoch */
	"  PRIMARY KEY (group_file, group_name)"
	") WITHOUT ROWID;"
	"CREATE TABLE alert_state ("
	"  group_file TEXT NOT NULL,"
	"  group_name TEXT NOT NULL,"
	"  rule_name TEXT NOT NULL,"
	"  rule_labels_hash INTEGER NOT NULL," /* uint64 as int64 */
	"  labels BLOB NOT NULL,"
	"  fingerprint INTEGER NOT NULL,"      /* uint64 as int64 */
	"  annotations BLOB,"
	"  value REAL,"			       /* NULL: NaN */
	"  state INTEGER NOT NULL,"
	"  active_at INTEGER NOT NULL,"
	"  fired_at INTEGER NOT NULL,"
	"  resolved_at INTEGER NOT NULL,"
	"  last_sent_at INTEGER NOT NULL,"
	"  valid_until INTEGER NOT NULL,"
	"  keep_firing_since INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  FOREIGN KEY (group_file, group_name)"
	"    REFERENCES alert_group ON DELETE CASCADE"
	");"
	"CREATE INDEX alert_state_group ON alert_state"
	"  (group_file, group_name);",
	/* 2: the router's silences, their history, the notification log */
	"CREATE TABLE silence ("
	"  id TEXT PRIMARY KEY,"
	"  updated_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  data TEXT NOT NULL"		/* silence.c's JSON record */
	") WITHOUT ROWID;"
	"CREATE TABLE silence_history ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  id TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  what TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  client TEXT NOT NULL,"
	"  before TEXT,"
	"  after TEXT"
	");"
	"CREATE INDEX silence_history_id ON silence_history (id, seq);"
	"CREATE TABLE nflog ("
	"  group_key TEXT NOT NULL,"
	"  receiver TEXT NOT NULL,"
	"  integration TEXT NOT NULL,"
	"  idx INTEGER NOT NULL,"
	"  timestamp INTEGER NOT NULL,"
	"  firing BLOB NOT NULL,"	/* uint64 little-endian each */
	"  resolved BLOB NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  PRIMARY KEY (group_key, receiver, integration, idx)"
	") WITHOUT ROWID;"
	"CREATE INDEX nflog_expires ON nflog (expires_at);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* ---------------------------------------------------------------- handle */

/* Statements are prepared once at open; each is reset after every use, so
 * none is ever left running between calls. */
enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_GROUP_PUT,
	ST_ALERTS_DEL,
	ST_ALERT_PUT,
	ST_GROUP_DEL,
	ST_GROUPS,
	ST_ALERTS,
	ST_GROUP_TOUCH,
	ST_DATA_VERSION,
	ST_SIL_PUT,
	ST_SIL_DEL,
	ST_SIL_HIST_PUT,
	ST_SILENCES,
	ST_SIL_HIST_ID,
	ST_SIL_HIST_ALL,
	ST_NFLOG_PUT,
	ST_NFLOG_GET,
	ST_NFLOG_ALL,
	ST_NFLOG_GC,
	ST_SYNC_NORMAL,
	ST_SYNC_FULL,
	NST
};

static const char *const stmt_sql[NST] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_GROUP_PUT] = "INSERT INTO alert_group VALUES (?1, ?2, ?3)"
			 " ON CONFLICT DO UPDATE SET updated_at = ?3",
	[ST_ALERTS_DEL] = "DELETE FROM alert_state"
			  " WHERE group_file = ?1 AND group_name = ?2",
	[ST_ALERT_PUT] = "INSERT INTO alert_state VALUES (?1, ?2, ?3, ?4, ?5,"
			 " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[ST_GROUP_DEL] = "DELETE FROM alert_group"
			 " WHERE group_file = ?1 AND group_name = ?2",
	[ST_GROUPS] = "SELECT group_file, group_name FROM alert_group",
	[ST_ALERTS] = "SELECT s.group_file, s.group_name, s.rule_name,"
		      " s.rule_labels_hash, s.labels, s.annotations, s.value,"
		      " s.state, s.active_at, s.fired_at, s.resolved_at,"
		      " s.last_sent_at, s.valid_until, s.keep_firing_since,"
		      " g.updated_at"
		      " FROM alert_state AS s JOIN alert_group AS g"
		      " USING (group_file, group_name)"
		      " ORDER BY s.group_file, s.group_name, s.rowid",
	[ST_GROUP_TOUCH] = "UPDATE alert_group SET updated_at = ?3"
			   " WHERE group_file = ?1 AND group_name = ?2",
	[ST_DATA_VERSION] = "PRAGMA data_version",
	[ST_SIL_PUT] = "INSERT OR REPLACE INTO silence VALUES (?1, ?2, ?3, ?4)",
	[ST_SIL_DEL] = "DELETE FROM silence WHERE id = ?1",
	[ST_SIL_HIST_PUT] = "INSERT INTO silence_history (id, at, what,"
			    " created_by, client, before, after)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_SILENCES] = "SELECT id, updated_at, expires_at, data FROM silence"
			" ORDER BY id",
	[ST_SIL_HIST_ID] = "SELECT seq, id, at, what, created_by, client,"
			   " before, after FROM silence_history"
			   " WHERE id = ?1 ORDER BY seq",
	[ST_SIL_HIST_ALL] = "SELECT seq, id, at, what, created_by, client,"
			    " before, after FROM silence_history"
			    " ORDER BY seq",
	[ST_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
	[ST_SYNC_FULL] = "PRAGMA synchronous=FULL",
	[ST_NFLOG_PUT] = "INSERT INTO nflog VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			 " ?7, ?8) ON CONFLICT DO UPDATE SET"
			 " timestamp = excluded.timestamp,"
			 " firing = excluded.firing,"
			 " resolved = excluded.resolved,"
			 " expires_at = excluded.expires_at"
			 " WHERE excluded.timestamp >= nflog.timestamp",
	[ST_NFLOG_GET] = "SELECT group_key, receiver, integration, idx,"
			 " timestamp, firing, resolved, expires_at FROM nflog"
			 " WHERE group_key = ?1 AND receiver = ?2"
			 " AND integration = ?3 AND idx = ?4",
	[ST_NFLOG_ALL] = "SELECT group_key, receiver, integration, idx,"
			 " timestamp, firing, resolved, expires_at FROM nflog"
			 " ORDER BY group_key, receiver, integration, idx",
	[ST_NFLOG_GC] = "DELETE FROM nflog WHERE expires_at <= ?1",
};

struct sq {
	char *path;
	int lockfd;
	sqlite3 *db;
	sqlite3_stmt *st[NST];
};

static void sq_close(void *be);

/* Appends "store: <path>: <what>: <sqlite's message>", and says so when
 * the file itself is bad. */
static int fail(struct sq *s, struct buf *err, const char *what)
{
	int code = s->db ? sqlite3_errcode(s->db) & 0xff : SQLITE_NOMEM;

	buf_printf(err, "store: %s: %s: %s%s\n", s->path, what,
		   s->db ? sqlite3_errmsg(s->db) : "out of memory",
		   code == SQLITE_NOTADB || code == SQLITE_CORRUPT
			   ? " (the file is corrupt or not a Tocsin database;"
			     " refusing to use it)"
			   : "");
	return -1;
}

/* Runs a statement that returns no rows, then resets it. */
static int step_done(struct sq *s, sqlite3_stmt *st, struct buf *err,
		     const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		fail(s, err, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* step_done() committed with synchronous=NORMAL: in the WAL, in the
 * kernel's cache, when it returns, so kept when Tocsin is killed or
 * crashes; only a power loss can undo it.  For writes whose loss costs
 * no notification (see their callers). */
static int step_done_unsynced(struct sq *s, sqlite3_stmt *st,
			      struct buf *err, const char *what)
{
	int rc;

	if (step_done(s, s->st[ST_SYNC_NORMAL], err, "relaxing synchronous") ==
	    -1)
		return -1;
	rc = step_done(s, st, err, what);
	if (step_done(s, s->st[ST_SYNC_FULL], err, "restoring synchronous") ==
	    -1)
		return -1;
	return rc;
}

static int begin(struct sq *s, struct buf *err)
{
	return step_done(s, s->st[ST_BEGIN], err, "beginning a transaction");
}

static int commit(struct sq *s, struct buf *err)
{
	return step_done(s, s->st[ST_COMMIT], err, "committing");
}

/* Rolls back unless SQLite already did (some errors end the transaction
 * themselves). */
static void rollback(struct sq *s)
{
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_step(s->st[ST_ROLLBACK]);
		sqlite3_reset(s->st[ST_ROLLBACK]);
	}
}

/* ------------------------------------------------------------------ open */

/* Takes the exclusive lock on "<path>.lock"; the directory must exist. */
static int take_lock(struct sq *s, struct buf *err)
{
	char *lock = xasprintf("%s.lock", s->path);
	char *dir = path_dir(s->path);
	struct stat sb;
	int rc = -1;

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		buf_printf(err, "store: %s: directory %s does not exist\n",
			   s->path, dir);
		goto out;
	}
	s->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		buf_printf(err, "store: %s: opening lock file %s: %s\n",
			   s->path, lock, strerror(errno));
		goto out;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			buf_printf(err,
				   "store: %s: in use by another Tocsin "
				   "(%s is locked)\n",
				   s->path, lock);
		else
			buf_printf(err, "store: %s: locking %s: %s\n",
				   s->path, lock, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(dir);
	free(lock);
	return rc;
}

/* Runs a one-row PRAGMA and sets *text (may be NULL) or *num from it. */
static int pragma(struct sq *s, const char *sql, char **text, int *num,
		  struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		fail(s, err, sql);
		goto out;
	}
	if (text)
		*text = xstrdup((const char *)sqlite3_column_text(st, 0)
					? (const char *)sqlite3_column_text(
						  st, 0)
					: "");
	if (num)
		*num = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * synchronous=FULL: in WAL mode NORMAL skips the fsync of the WAL at each
 * commit, so a power loss can undo transactions that already returned
 * success.  The state we write is what we tell Alertmanager about; losing
 * the last evaluations would re-send or drop notifications after a crash.
 * One fsync per group evaluation is cheap next to the query itself.
 */
static int configure(struct sq *s, struct buf *err)
{
	char *mode = NULL;
	int rc = -1;

	sqlite3_busy_timeout(s->db, 5000);
	if (pragma(s, "PRAGMA journal_mode=WAL", &mode, NULL, err) != 0)
		goto out;
	if (strcmp(mode, "wal") != 0) {
		buf_printf(err, "store: %s: cannot use WAL (journal mode %s)\n",
			   s->path, mode);
		goto out;
	}
	if (sqlite3_exec(s->db,
			 "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
			 NULL, NULL, NULL) != SQLITE_OK) {
		fail(s, err, "setting synchronous and foreign_keys");
		goto out;
	}
	rc = 0;
out:
	free(mode);
	return rc;
}

/* PRAGMA quick_check: O(N) structural check, without the index-content
 * check of integrity_check.  It returns the single row "ok", or problems,
 * possibly after a "*** in database main ***" heading. */
static int check(struct sq *s, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	const char *row = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(4)", -1, &st,
			       NULL) != SQLITE_OK) {
		fail(s, err, "checking the database");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		row = (const char *)sqlite3_column_text(st, 0);
		if (row && strncmp(row, "***", 3) != 0)
			break;
	}
	if (step != SQLITE_ROW) {
		fail(s, err, "checking the database");
		goto out;
	}
	if (row == NULL || strcmp(row, "ok") != 0) {
		buf_printf(err,
			   "store: %s: database is corrupt (quick_check: "
			   "%s); refusing to use it\n",
			   s->path, row ? row : "?");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Brings the schema to NMIGRATIONS in one transaction. */
static int migrate(struct sq *s, struct buf *err)
{
	int v;
	char *sql = NULL;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return fail(s, err, "beginning the schema migration");
	if (pragma(s, "PRAGMA user_version", NULL, &v, err) != 0)
		goto fail;
	if (v > NMIGRATIONS) {
		buf_printf(err,
			   "store: %s: schema version %d is newer than this "
			   "Tocsin knows (%d); refusing a file written by a "
			   "newer Tocsin\n",
			   s->path, v, NMIGRATIONS);
		goto fail;
	}
	if (v < 0) {
		buf_printf(err, "store: %s: bad schema version %d\n", s->path,
			   v);
		goto fail;
	}
	if (v == NMIGRATIONS) { /* up to date: write nothing, so other
				   connections' data_version stays */
		if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			fail(s, err, "committing the schema migration");
			goto fail;
		}
		return 0;
	}
	for (; v < NMIGRATIONS; v++) {
		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			buf_printf(err, "store: %s: migrating to schema "
				   "version %d: %s\n",
				   s->path, v + 1, sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	sql = xasprintf("PRAGMA user_version=%d", NMIGRATIONS);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail(s, err, "committing the schema migration");
		goto fail;
	}
	free(sql);
	return 0;
fail:
	free(sql);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int prepare_all(struct sq *s, struct buf *err)
{
	for (int i = 0; i < NST; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK)
			return fail(s, err, "preparing statements");
	return 0;
}

/* Checks that path's directory exists (take_lock() does for the daemon). */
static int dir_exists(struct sq *s, struct buf *err)
{
	char *dir = path_dir(s->path);
	struct stat sb;
	int ok = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);

	if (!ok)
		buf_printf(err, "store: %s: directory %s does not exist\n",
			   s->path, dir);
	free(dir);
	return ok ? 0 : -1;
}

/* shared: no flock (store_open_shared()); SQLite's locks and the busy
 * timeout of configure() serialize it with the daemon. */
static int open_common(const char *path, int shared, void **be,
		       struct buf *err)
{
	struct sq *s = xcalloc(1, sizeof *s);

	*be = NULL;
	s->path = xstrdup(path);
	s->lockfd = -1;
	if ((shared ? dir_exists(s, err) : take_lock(s, err)) != 0)
		goto fail;
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK) {
		fail(s, err, "opening");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (configure(s, err) != 0 || check(s, err) != 0 ||
	    migrate(s, err) != 0 || prepare_all(s, err) != 0)
		goto fail;
	*be = s;
	return 0;
fail:
	sq_close(s);
	return -1;
}

static int sq_open(const char *path, void **be, struct buf *err)
{
	return open_common(path, 0, be, err);
}

static int sq_open_shared(const char *path, void **be, struct buf *err)
{
	return open_common(path, 1, be, err);
}

static void sq_close(void *be)
{
	struct sq *s = be;

	if (s == NULL)
		return;
	for (int i = 0; i < NST; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db); /* a NULL db is a no-op */
	if (s->lockfd >= 0)
		close(s->lockfd); /* releases the flock */
	free(s->path);
	free(s);
}

/* ---------------------------------------------------------- label blobs */

static void labels_encode(struct buf *b, const struct labels *l)
{
	buf_reset(b);
	for (size_t i = 0; i < l->n; i++) {
		buf_add(b, l->v[i].name, strlen(l->v[i].name) + 1);
		buf_add(b, l->v[i].value, strlen(l->v[i].value) + 1);
	}
}

/*
 * Returns a new struct labels (one allocation, as labels.h requires; free
 * it with labels_free()) from a blob of labels_encode(), or NULL when the
 * blob is malformed.  The pairs are taken in stored order, which is
 * label order.
 */
static struct labels *labels_decode(const void *blob, int len)
{
	const char *p = blob ? blob : "", *end;
	size_t nstr = 0;
	struct labels *l;
	char *copy;

	/* SQLite hands out NULL for a zero-length blob */
	end = p + (len > 0 ? len : 0);
	if (len < 0 || (len > 0 && p[len - 1] != '\0'))
		return NULL;
	for (const char *q = p; q < end; q++)
		nstr += *q == '\0';
	if (nstr % 2)
		return NULL;
	l = xmalloc(sizeof *l + nstr / 2 * sizeof l->v[0] + (size_t)len);
	copy = (char *)&l->v[nstr / 2];
	if (len)
		memcpy(copy, p, (size_t)len);
	l->n = nstr / 2;
	for (size_t i = 0; i < l->n; i++) {
		l->v[i].name = copy;
		copy += strlen(copy) + 1;
		l->v[i].value = copy;
		copy += strlen(copy) + 1;
	}
	l->fp = labels_hash_pairs(l->v, l->n);
	return l;
}

/* ------------------------------------------------------------ save group */

static int put_alert(struct sq *s, const struct store_group_key *g,
		     const struct store_rule_key *r,
		     const struct alert_persist *a, int64_t now_ms,
		     struct buf *tmp, struct buf *err)
{
	sqlite3_stmt *st = s->st[ST_ALERT_PUT];

	assert(a->labels != NULL);
	sqlite3_bind_text(st, 1, g->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->group, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->labels_hash);
	labels_encode(tmp, a->labels);
	sqlite3_bind_blob(st, 5, tmp->s ? tmp->s : "", (int)tmp->len,
			  SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)a->labels->fp);
	if (a->annotations) {
		labels_encode(tmp, a->annotations);
		sqlite3_bind_blob(st, 7, tmp->s ? tmp->s : "", (int)tmp->len,
				  SQLITE_TRANSIENT);
	}
	/* SQLite stores NaN as NULL; reading NULL back gives NaN. */
	if (!isnan(a->value))
		sqlite3_bind_double(st, 8, a->value);
	sqlite3_bind_int(st, 9, (int)a->state);
	sqlite3_bind_int64(st, 10, a->active_at);
	sqlite3_bind_int64(st, 11, a->fired_at);
	sqlite3_bind_int64(st, 12, a->resolved_at);
	sqlite3_bind_int64(st, 13, a->last_sent_at);
	sqlite3_bind_int64(st, 14, a->valid_until);
	sqlite3_bind_int64(st, 15, a->keep_firing_since);
	sqlite3_bind_int64(st, 16, now_ms);
	return step_done(s, st, err, "saving an alert");
}

static int sq_save_group(void *be, const struct store_group_key *g,
			 const struct store_rule_alerts *rules, size_t nrules,
			 int64_t now_ms, struct buf *err)
{
	struct sq *s = be;
	struct buf tmp = { 0 };
	sqlite3_stmt *st;

	if (begin(s, err) != 0)
		return -1;
	st = s->st[ST_GROUP_PUT];
	sqlite3_bind_text(st, 1, g->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->group, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	if (step_done(s, st, err, "saving a group") != 0)
		goto fail;
	st = s->st[ST_ALERTS_DEL];
	sqlite3_bind_text(st, 1, g->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->group, -1, SQLITE_STATIC);
	if (step_done(s, st, err, "deleting a group's alerts") != 0)
		goto fail;
	for (size_t i = 0; i < nrules; i++)
		for (size_t j = 0; j < rules[i].nalerts; j++)
			if (put_alert(s, g, &rules[i].rule,
				      &rules[i].alerts[j], now_ms, &tmp,
				      err) != 0)
				goto fail;
	if (commit(s, err) != 0)
		goto fail;
	buf_free(&tmp);
	return 0;
fail:
	rollback(s);
	buf_free(&tmp);
	return -1;
}

/* ------------------------------------------------------------------ load */

static int64_t col_time(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

/* Calls fn for the current row of ST_ALERTS.  Returns fn's value, or -1
 * with err set when the row is malformed. */
static int load_row(struct sq *s, sqlite3_stmt *st, store_alert_fn fn,
		    void *ctx, struct buf *err)
{
	struct store_group_key g;
	struct store_rule_key r;
	struct alert_persist a = { 0 };
	struct labels *l, *ann = NULL;
	int state = sqlite3_column_int(st, 7), rc = -1;

	g.file = (const char *)sqlite3_column_text(st, 0);
	g.group = (const char *)sqlite3_column_text(st, 1);
	g.saved_at_ms = sqlite3_column_int64(st, 14);
	r.name = (const char *)sqlite3_column_text(st, 2);
	r.labels_hash = (uint64_t)sqlite3_column_int64(st, 3);
	l = labels_decode(sqlite3_column_blob(st, 4),
			  sqlite3_column_bytes(st, 4));
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		ann = labels_decode(sqlite3_column_blob(st, 5),
				    sqlite3_column_bytes(st, 5));
		if (ann == NULL)
			goto bad;
	}
	if (!g.file || !g.group || !r.name || !l || state < ALERT_INACTIVE ||
	    state > ALERT_FIRING)
		goto bad;
	a.labels = l;
	a.annotations = ann;
	a.value = sqlite3_column_type(st, 6) == SQLITE_NULL
			  ? (double)NAN
			  : sqlite3_column_double(st, 6);
	a.state = (enum alert_state)state;
	a.active_at = col_time(st, 8);
	a.fired_at = col_time(st, 9);
	a.resolved_at = col_time(st, 10);
	a.last_sent_at = col_time(st, 11);
	a.valid_until = col_time(st, 12);
	a.keep_firing_since = col_time(st, 13);
	rc = fn(ctx, &g, &r, &a);
	goto out;
bad:
	buf_printf(err, "store: %s: malformed alert row (group %s, rule %s)\n",
		   s->path, g.group ? g.group : "?", r.name ? r.name : "?");
out:
	labels_free(ann);
	labels_free(l);
	return rc;
}

static int sq_load(void *be, store_alert_fn fn, void *ctx, struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *st = s->st[ST_ALERTS];
	int rc = 0, step;

	/* One statement is one read transaction: a consistent snapshot. */
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = load_row(s, st, fn, ctx, err)) != 0)
			break;
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(s, err, "loading alerts");
	sqlite3_reset(st);
	return rc;
}

/* ---------------------------------------------------------------- retain */

static int kept(const struct store_group_key *keep, size_t nkeep,
		const char *file, const char *group)
{
	for (size_t i = 0; i < nkeep; i++)
		if (strcmp(keep[i].file, file) == 0 &&
		    strcmp(keep[i].group, group) == 0)
			return 1;
	return 0;
}

/* Deletes every stored group not kept.  The groups are listed first and
 * deleted after: changing a table under a running SELECT of it is
 * undefined in SQLite. */
static int sq_retain(void *be, const struct store_group_key *keep,
		     size_t nkeep, struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *sel = s->st[ST_GROUPS], *del = s->st[ST_GROUP_DEL];
	char **drop = NULL; /* file, group, file, group, ... */
	size_t n = 0, cap = 0;
	int step, rc = -1;

	if (begin(s, err) != 0)
		return -1;
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *file = (const char *)sqlite3_column_text(sel, 0);
		const char *group = (const char *)sqlite3_column_text(sel, 1);

		if (!file || !group || kept(keep, nkeep, file, group))
			continue;
		if (n + 2 > cap) {
			cap = cap ? 2 * cap : 16;
			drop = xrealloc(drop, cap * sizeof *drop);
		}
		drop[n++] = xstrdup(file);
		drop[n++] = xstrdup(group);
	}
	sqlite3_reset(sel);
	if (step != SQLITE_DONE) {
		fail(s, err, "listing groups");
		goto out;
	}
	for (size_t i = 0; i < n; i += 2) {
		sqlite3_bind_text(del, 1, drop[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(del, 2, drop[i + 1], -1, SQLITE_STATIC);
		if (step_done(s, del, err, "deleting a group") != 0)
			goto out;
	}
	rc = commit(s, err);
out:
	if (rc != 0)
		rollback(s);
	for (size_t i = 0; i < n; i++)
		free(drop[i]);
	free(drop);
	return rc;
}

/* One statement, so one implicit transaction. */
static int sq_touch_group(void *be, const struct store_group_key *g,
			  int64_t now_ms, struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *st = s->st[ST_GROUP_TOUCH];

	sqlite3_bind_text(st, 1, g->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->group, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	/*
	 * Every evaluation of a group with alerts, unchanged, says only when
	 * it ran (for the downtime a restart measures): no fsync for that,
	 * as for the notification log.  A power loss can lose the last ones,
	 * and the downtime then looks longer by as much, which only makes
	 * the restore more careful.
	 */
	return step_done_unsynced(s, st, err, "touching a group");
}

/* ------------------------------------------------------- data version */

static int sq_data_version(void *be, int64_t *v, struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *st = s->st[ST_DATA_VERSION];
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : fail(s, err, "reading data_version");
}

/* ------------------------------------------------------------- silences */

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static int put_silence(struct sq *s, const struct store_silence *x,
		       struct buf *err)
{
	sqlite3_stmt *st = s->st[ST_SIL_PUT];

	assert(x->id != NULL && x->data != NULL);
	sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, x->updated_at_ms);
	sqlite3_bind_int64(st, 3, x->expires_at_ms);
	sqlite3_bind_text(st, 4, x->data, -1, SQLITE_STATIC);
	return step_done(s, st, err, "saving a silence");
}

static int put_history(struct sq *s, const struct store_silence_history *h,
		       struct buf *err)
{
	sqlite3_stmt *st = s->st[ST_SIL_HIST_PUT];

	sqlite3_bind_text(st, 1, h->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, h->at_ms);
	sqlite3_bind_text(st, 3, h->what, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, h->created_by ? h->created_by : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 5, h->client ? h->client : "", -1,
			  SQLITE_STATIC);
	bind_text_or_null(st, 6, h->before);
	bind_text_or_null(st, 7, h->after);
	return step_done(s, st, err, "saving silence history");
}

static int sq_silences_write(void *be, const struct store_silence_write *w,
			     struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *del = s->st[ST_SIL_DEL];

	if (begin(s, err) != 0)
		return -1;
	for (size_t i = 0; i < w->nput; i++)
		if (put_silence(s, &w->put[i], err) != 0)
			goto fail;
	for (size_t i = 0; i < w->ndel; i++) {
		sqlite3_bind_text(del, 1, w->del[i], -1, SQLITE_STATIC);
		if (step_done(s, del, err, "deleting a silence") != 0)
			goto fail;
	}
	for (size_t i = 0; i < w->nhist; i++)
		if (put_history(s, &w->hist[i], err) != 0)
			goto fail;
	if (commit(s, err) != 0)
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

static int sq_silences_load(void *be, store_silence_fn fn, void *ctx,
			    struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *st = s->st[ST_SILENCES];
	int rc = 0, step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_silence x = {
			(const char *)sqlite3_column_text(st, 0),
			sqlite3_column_int64(st, 1),
			sqlite3_column_int64(st, 2),
			(const char *)sqlite3_column_text(st, 3),
		};

		if (!x.id || !x.data) {
			buf_printf(err, "store: %s: malformed silence row\n",
				   s->path);
			rc = -1;
			break;
		}
		if ((rc = fn(ctx, &x)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(s, err, "loading silences");
	sqlite3_reset(st);
	return rc;
}

static int sq_silence_history(void *be, const char *id,
			      store_silence_history_fn fn, void *ctx,
			      struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *st = s->st[id ? ST_SIL_HIST_ID : ST_SIL_HIST_ALL];
	int rc = 0, step;

	if (id)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_silence_history h = {
			.seq = sqlite3_column_int64(st, 0),
			.id = (const char *)sqlite3_column_text(st, 1),
			.at_ms = sqlite3_column_int64(st, 2),
			.what = (const char *)sqlite3_column_text(st, 3),
			.created_by = (const char *)sqlite3_column_text(st, 4),
			.client = (const char *)sqlite3_column_text(st, 5),
			.before = (const char *)sqlite3_column_text(st, 6),
			.after = (const char *)sqlite3_column_text(st, 7),
		};

		if (!h.id || !h.what || !h.created_by || !h.client) {
			buf_printf(err,
				   "store: %s: malformed silence history row\n",
				   s->path);
			rc = -1;
			break;
		}
		if ((rc = fn(ctx, &h)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(s, err, "reading silence history");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* ------------------------------------------------------------- nflog */

static void hashes_encode(struct buf *b, const uint64_t *v, size_t n)
{
	buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		unsigned char le[8];

		for (int k = 0; k < 8; k++)
			le[k] = (unsigned char)(v[i] >> (8 * k));
		buf_add(b, le, sizeof le);
	}
}

/* Returns a new array of the hashes of a blob (the caller frees it), or
 * NULL with *n = (size_t)-1 when the blob is malformed. */
static uint64_t *hashes_decode(const void *blob, int len, size_t *n)
{
	const unsigned char *p = blob;
	uint64_t *v;

	if (len < 0 || len % 8 != 0 || (len > 0 && !p)) {
		*n = (size_t)-1;
		return NULL;
	}
	*n = (size_t)len / 8;
	v = xcalloc(*n + 1, sizeof *v);
	for (size_t i = 0; i < *n; i++)
		for (int k = 0; k < 8; k++)
			v[i] |= (uint64_t)p[i * 8 + (size_t)k] << (8 * k);
	return v;
}

static int sq_nflog_put(void *be, const struct store_nflog_entry *e,
			struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *st = s->st[ST_NFLOG_PUT];
	struct buf tmp = { 0 };

	sqlite3_bind_text(st, 1, e->key.group_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->key.receiver, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->key.integration, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, e->key.idx);
	sqlite3_bind_int64(st, 5, e->timestamp_ms);
	hashes_encode(&tmp, e->firing, e->nfiring);
	sqlite3_bind_blob(st, 6, tmp.s ? tmp.s : "", (int)tmp.len,
			  SQLITE_TRANSIENT);
	hashes_encode(&tmp, e->resolved, e->nresolved);
	sqlite3_bind_blob(st, 7, tmp.s ? tmp.s : "", (int)tmp.len,
			  SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, e->expires_at_ms);
	buf_free(&tmp);
	/*
	 * One entry per notification sent: with an fsync each, the disk's
	 * sync time (1-15 ms) bounded delivery to a few hundred per second
	 * (bench/notify).  Unsynced, a power loss can undo the last ones, and
	 * then their groups are notified once more, never lost (Alertmanager
	 * snapshots its log every 15 minutes).
	 */
	return step_done_unsynced(s, st, err,
				  "saving a notification log entry");
}

/* Calls fn for the current row of an nflog SELECT. */
static int nflog_row(struct sq *s, sqlite3_stmt *st, store_nflog_fn fn,
		     void *ctx, struct buf *err)
{
	struct store_nflog_entry e = {
		.key = { (const char *)sqlite3_column_text(st, 0),
			 (const char *)sqlite3_column_text(st, 1),
			 (const char *)sqlite3_column_text(st, 2),
			 sqlite3_column_int(st, 3) },
		.timestamp_ms = sqlite3_column_int64(st, 4),
		.expires_at_ms = sqlite3_column_int64(st, 7),
	};
	uint64_t *f = hashes_decode(sqlite3_column_blob(st, 5),
				    sqlite3_column_bytes(st, 5), &e.nfiring);
	uint64_t *r = hashes_decode(sqlite3_column_blob(st, 6),
				    sqlite3_column_bytes(st, 6), &e.nresolved);
	int rc;

	if (!f || !r || !e.key.group_key || !e.key.receiver ||
	    !e.key.integration) {
		buf_printf(err,
			   "store: %s: malformed notification log row\n",
			   s->path);
		rc = -1;
	} else {
		e.firing = f;
		e.resolved = r;
		rc = fn(ctx, &e);
	}
	free(f);
	free(r);
	return rc;
}

static int nflog_select(struct sq *s, sqlite3_stmt *st, store_nflog_fn fn,
			void *ctx, struct buf *err)
{
	int rc = 0, step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = nflog_row(s, st, fn, ctx, err)) != 0)
			break;
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(s, err, "reading the notification log");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int sq_nflog_get(void *be, const struct store_nflog_key *k,
			store_nflog_fn fn, void *ctx, struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *st = s->st[ST_NFLOG_GET];

	sqlite3_bind_text(st, 1, k->group_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->receiver, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, k->integration, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, k->idx);
	return nflog_select(s, st, fn, ctx, err);
}

static int sq_nflog_load(void *be, store_nflog_fn fn, void *ctx,
			 struct buf *err)
{
	struct sq *s = be;

	return nflog_select(s, s->st[ST_NFLOG_ALL], fn, ctx, err);
}

static int sq_nflog_gc(void *be, int64_t now_ms, int64_t *ndeleted,
		       struct buf *err)
{
	struct sq *s = be;
	sqlite3_stmt *st = s->st[ST_NFLOG_GC];

	sqlite3_bind_int64(st, 1, now_ms);
	if (step_done(s, st, err, "deleting expired notification log "
				  "entries") != 0)
		return -1;
	if (ndeleted)
		*ndeleted = sqlite3_changes(s->db);
	return 0;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.alerts_save_group = sq_save_group,
	.alerts_touch_group = sq_touch_group,
	.alerts_load = sq_load,
	.alerts_retain_groups = sq_retain,
	.open_shared = sq_open_shared,
	.data_version = sq_data_version,
	.silences_write = sq_silences_write,
	.silences_load = sq_silences_load,
	.silence_history = sq_silence_history,
	.nflog_put = sq_nflog_put,
	.nflog_get = sq_nflog_get,
	.nflog_load = sq_nflog_load,
	.nflog_gc = sq_nflog_gc,
};
