/*
 * cli_silence.c - `tocsin silence ...` and `tocsin alert ...`: what amtool
 * does, against the running daemon's API (--url, TOCSIN_URL, or amtool's
 * --alertmanager.url) or, with --db FILE, directly on the SQLite file
 * (the daemon notices within a second).  Both ways go through the same
 * JSON documents, so answers and validation are the same.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "duration.h"
#include "jsonw.h"
#include "loop.h"
#include "matcher.h"
#include "silence.h"
#include "store.h"
#include "tmpl_int.h"

#define DEFAULT_URL "http://127.0.0.1:9093"

static const char usage[] =
	"usage: tocsin silence add MATCHER... (-d|--duration=DUR | --end=TIME)\n"
	"                          [--start=TIME] -c|--comment=TEXT\n"
	"                          [-a|--author=NAME] [--force] [--dry-run]\n"
	"       tocsin silence query [MATCHER...] [--expired] [--within=DUR]\n"
	"                            [-o simple|extended|json] [-q]\n"
	"       tocsin silence expire ID...\n"
	"       tocsin silence update ID [--duration=DUR | --end=TIME]\n"
	"                                [--comment=TEXT]\n"
	"       tocsin silence import FILE|-\n"
	"       tocsin silence history [ID]\n"
	"       tocsin alert query [MATCHER...] [-a|--active] [-s|--silenced]\n"
	"                          [-i|--inhibited] [-u|--unprocessed]\n"
	"                          [-r|--receiver=REGEX]\n"
	"                          [-o simple|extended|json]\n"
	"       tocsin alert add LABEL=VALUE... [--annotation=NAME=VALUE...]\n"
	"\n"
	"Common flags: --url=URL (or TOCSIN_URL, or --alertmanager.url; default\n"
	"http://127.0.0.1:9093) to talk to the daemon, or --db=FILE to work on\n"
	"its state file directly (silence commands; works while the daemon is\n"
	"down, and a running daemon picks the change up within a second).\n"
	"Matchers: alertname=Foo, 'model=~\"fraud.*\"', '{a=\"b\",c!=\"d\"}'; a\n"
	"first word without an operator means alertname=WORD.\n"
	"Exit status: 0; 65 (EX_DATAERR) refused input; 66 unknown id; 69\n"
	"(EX_UNAVAILABLE) daemon unreachable; 64 bad arguments.  See tocsin(1).\n";

/* alert query's state selectors, as amtool's -a -s -i -u */
enum { AQ_ACTIVE = 1, AQ_SILENCED = 2, AQ_INHIBITED = 4, AQ_UNPROCESSED = 8 };

/* o[key] as a string, "" when missing */
static const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct ctx {
	const char *url, *db;
	struct store *st;
	struct silences *sil;
};

/* --------------------------------------------------------- transport */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

/* One request to the daemon; returns the HTTP status, or -1 (message
 * printed) when it cannot be reached. */
static long http(const struct ctx *c, const char *method, const char *path,
		 const char *body, struct buf *out)
{
	CURL *e = curl_easy_init();
	struct curl_slist *h = NULL;
	char *url = xasprintf("%s%s", c->url, path);
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = -1;
	CURLcode rc;

	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "tocsin-cli/" TOCSIN_VERSION);
	if (body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr,
			"tocsin: cannot reach the daemon at %s: %s\n"
			"Is `tocsin run` running there?  Give its address with "
			"--url, or work on its state file with --db FILE.\n",
			c->url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	free(url);
	return status;
}

static int open_db(struct ctx *c)
{
	struct buf err = {0};

	if (store_open_shared(c->db, &c->st, &err) == -1 ||
	    !(c->sil = silences_open(c->st, SILENCE_RETENTION_MS,
				     loop_wall_ms(), &err))) {
		fprintf(stderr, "tocsin: %s", buf_str(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	return 0;
}

static char *client(void)
{
	struct passwd *pw = getpwuid(getuid());

	return xasprintf("cli %s", pw ? pw->pw_name : "?");
}

/* POST a postable silence; prints its id.  Returns an exit status. */
static int post_silence(struct ctx *c, const char *body, int quiet_id)
{
	struct buf out = {0};
	long status;
	int rc = EX_OK;
	json_t *j;

	if (c->db) {
		struct silence_answer a = {0};
		char *who = client();

		silences_post(c->sil, body, strlen(body), loop_wall_ms(), who,
			      &a);
		free(who);
		status = a.status;
		buf_add(&out, a.body.s ? a.body.s : "", a.body.len);
		silence_answer_free(&a);
	} else {
		status = http(c, "POST", "/api/v2/silences", body, &out);
		if (status == -1) {
			buf_free(&out);
			return EX_UNAVAILABLE;
		}
	}
	j = json_loadb(out.s ? out.s : "", out.len, JSON_DECODE_ANY, NULL);
	if (status == 200 && json_is_object(j)) {
		if (!quiet_id)
			printf("%s\n", json_string_value(
					       json_object_get(j, "silenceID")));
	} else {
		const char *msg = json_is_string(j) ? json_string_value(j)
				  : json_is_object(j)
					  ? json_string_value(json_object_get(
						    j, "message"))
					  : NULL;

		fprintf(stderr, "tocsin: the silence was refused (%ld): %s\n",
			status, msg ? msg : buf_str(&out));
		rc = status == 404 ? EX_NOINPUT : EX_DATAERR;
	}
	json_decref(j);
	buf_free(&out);
	return rc;
}

/* ----------------------------------------------------------- matchers */

/* Parses matcher arguments; a first word without an operator is an
 * alertname, as amtool takes it. */
static int parse_matchers(char **argv, int n, struct matchers *ms)
{
	struct buf err = {0};

	for (int i = 0; i < n; i++) {
		const char *a = argv[i];

		if (i == 0 && !strpbrk(a, "=!~{")) {
			struct matcher m;

			if (matcher_init(&m, "alertname", MATCHER_EQ, a, &err) ==
			    -1)
				goto bad;
			matchers_push(ms, &m);
			continue;
		}
		if (matchers_parse(a, ms, &err, NULL) == -1)
			goto bad;
	}
	return 0;
bad:
	fprintf(stderr, "tocsin: bad matcher: %s\n", buf_str(&err));
	buf_free(&err);
	return -1;
}

static void matchers_json(struct buf *b, const struct matchers *ms)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < ms->n; i++) {
		const struct matcher *m = &ms->v[i];

		if (i)
			buf_putc(b, ',');
		buf_puts(b, "{\"name\":");
		jsonw_str(b, m->name);
		buf_puts(b, ",\"value\":");
		jsonw_str(b, m->value);
		buf_printf(b, ",\"isRegex\":%s,\"isEqual\":%s}",
			   m->op == MATCHER_RE || m->op == MATCHER_NRE
				   ? "true"
				   : "false",
			   m->op == MATCHER_EQ || m->op == MATCHER_RE
				   ? "true"
				   : "false");
	}
	buf_putc(b, ']');
}

/* RFC 3339 ("2026-11-22T10:00:00Z") to ms; -1 when it is not one. */
static int64_t parse_time(const char *s)
{
	struct tmpl_gotime t;
	struct buf tok = {0}, err = {0};
	int rc;

	buf_printf(&tok, "\"%s\"", s);
	rc = tmpl_gotime_parse_json(tok.s, tok.len, &t, &err);
	buf_free(&tok);
	buf_free(&err);
	return rc == -1 ? -1 : t.sec * 1000 + t.nsec / 1000000;
}

/* ---------------------------------------------------- silence add */


/* The labels of an alert of GET /api/v2/alerts. */
static struct labels *alert_labels(const json_t *a)
{
	struct labels_builder b = {0};
	struct labels *l;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)json_object_get(a, "labels"), k, v)
	{
		labels_builder_set(&b, k, json_string_value(v));
	}
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}
/* How many current alerts ms would silence, of how many; -1 when the
 * daemon cannot say (--db, or unreachable). */
static int count_affected(const struct ctx *c, const struct matchers *ms,
			  size_t *total)
{
	struct buf out = {0};
	json_t *j, *a;
	size_t i;
	int n = 0;

	*total = 0;
	if (c->db || http(c, "GET", "/api/v2/alerts", NULL, &out) != 200) {
		buf_free(&out);
		return -1;
	}
	j = json_loadb(out.s, out.len, 0, NULL);
	json_array_foreach(j, i, a)
	{
		struct labels *l = alert_labels(a);

		n += matchers_match(ms, l);
		labels_free(l);
		(*total)++;
	}
	json_decref(j);
	buf_free(&out);
	return n;
}

static int cmd_add(struct ctx *c, char **args, int nargs, const char *dur,
		   const char *start, const char *end, const char *comment,
		   const char *author, int force, int dry_run)
{
	struct matchers ms = {0};
	struct buf body = {0};
	int64_t now = loop_wall_ms(), s = now, e, d;
	char *who = NULL;
	size_t total;
	int n, rc;

	if (nargs == 0) {
		fprintf(stderr, "tocsin: no matchers specified\n");
		return EX_USAGE;
	}
	if (!comment || !comment[0]) {
		fprintf(stderr, "tocsin: a --comment is required: say why "
				"(e.g. \"retraining the fraud model\")\n");
		return EX_USAGE;
	}
	if (parse_matchers(args, nargs, &ms) == -1)
		return EX_USAGE;
	if (start && (s = parse_time(start)) == -1) {
		fprintf(stderr, "tocsin: --start %s: want RFC 3339, like "
				"2026-11-22T22:00:00Z\n", start);
		matchers_free(&ms);
		return EX_USAGE;
	}
	if (end) {
		e = parse_time(end);
		if (e == -1) {
			fprintf(stderr, "tocsin: --end %s: want RFC 3339\n",
				end);
			matchers_free(&ms);
			return EX_USAGE;
		}
	} else {
		char err[128] = "";

		if (duration_parse(dur ? dur : "1h", &d, err, sizeof err) ==
			    -1 ||
		    d <= 0) {
			fprintf(stderr, "tocsin: --duration %s: %s\n",
				dur ? dur : "1h",
				err[0] ? err
				       : "silence duration must be greater "
					 "than 0");
			matchers_free(&ms);
			return EX_USAGE;
		}
		e = s + d;
	}
	if (e <= s) {
		fprintf(stderr, "tocsin: silence cannot start after it ends\n");
		matchers_free(&ms);
		return EX_USAGE;
	}
	n = count_affected(c, &ms, &total);
	if (n >= 0)
		fprintf(stderr, "This silence matches %d of the %zu current "
				"alerts.\n", n, total);
	if (n > 0 && (size_t)n == total && total > 1 && !force) {
		fprintf(stderr, "tocsin: it would silence every alert; give "
				"narrower matchers, or --force\n");
		matchers_free(&ms);
		return dry_run ? EX_OK : EX_DATAERR;
	}
	if (dry_run) {
		matchers_free(&ms);
		return EX_OK;
	}
	if (!author) {
		struct passwd *pw = getpwuid(getuid());
		const char *u = getenv("USER");

		who = xstrdup(u && u[0] ? u : pw ? pw->pw_name : "tocsin");
		author = who;
	}
	buf_puts(&body, "{\"matchers\":");
	matchers_json(&body, &ms);
	buf_puts(&body, ",\"startsAt\":");
	jsonw_time_millis(&body, s);
	buf_puts(&body, ",\"endsAt\":");
	jsonw_time_millis(&body, e);
	buf_puts(&body, ",\"createdBy\":");
	jsonw_str(&body, author);
	buf_puts(&body, ",\"comment\":");
	jsonw_str(&body, comment);
	buf_putc(&body, '}');
	rc = post_silence(c, body.s, 0);
	buf_free(&body);
	free(who);
	matchers_free(&ms);
	return rc;
}

/* ------------------------------------------------------- silence query */

static int fetch_silences(struct ctx *c, json_t **out)
{
	struct buf b = {0};

	if (c->db) {
		silences_list_json(c->sil, NULL, loop_wall_ms(), &b);
	} else {
		long st = http(c, "GET", "/api/v2/silences", NULL, &b);

		if (st != 200) {
			if (st != -1)
				fprintf(stderr, "tocsin: the daemon answered "
						"%ld: %s\n", st, buf_str(&b));
			buf_free(&b);
			return EX_UNAVAILABLE;
		}
	}
	*out = json_loadb(b.s ? b.s : "[]", b.len ? b.len : 2, 0, NULL);
	buf_free(&b);
	return *out ? EX_OK : EX_SOFTWARE;
}

/* amtool's local time layout "2006-01-02 15:04:05 MST". */
static void local_time(struct buf *b, const char *rfc3339)
{
	int64_t ms = parse_time(rfc3339);
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[64];

	localtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S %Z", &tm);
	buf_puts(b, s);
}

static void matchers_text(struct buf *b, json_t *ms, char sep)
{
	size_t i;
	json_t *m;

	json_array_foreach(ms, i, m)
	{
		int re = json_is_true(json_object_get(m, "isRegex"));
		json_t *eq = json_object_get(m, "isEqual");
		int neg = json_is_false(eq);

		if (i)
			buf_putc(b, sep);
		buf_printf(b, "%s%s", json_string_value(json_object_get(m, "name")),
			   re ? (neg ? "!~" : "=~") : (neg ? "!=" : "="));
		buf_quote(b, json_string_value(json_object_get(m, "value")));
	}
}

/* Whether silence s has every matcher of filter literally (amtool's
 * query semantics: the silence's own matchers, not the alerts). */
static int has_matchers(json_t *s, const struct matchers *filter)
{
	for (size_t k = 0; k < filter->n; k++) {
		const struct matcher *f = &filter->v[k];
		json_t *m;
		size_t i;
		int found = 0;

		json_array_foreach(json_object_get(s, "matchers"), i, m)
		{
			int re = json_is_true(json_object_get(m, "isRegex"));
			json_t *eq = json_object_get(m, "isEqual");
			int neg = json_is_false(eq);
			enum matcher_op op = re ? (neg ? MATCHER_NRE : MATCHER_RE)
						: (neg ? MATCHER_NE : MATCHER_EQ);

			found |= op == f->op &&
				 strcmp(json_string_value(json_object_get(
						m, "name")),
					f->name) == 0 &&
				 strcmp(json_string_value(json_object_get(
						m, "value")),
					f->value) == 0;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* Prints rows of cells (ncol each) under head as amtool's tabwriter
 * does: columns two spaces wider than their widest cell, the last one
 * padded too when pad_last (alert query) and not (silence query). */
static void table_print(const char *const *head, struct buf *cells,
			size_t nrows, int ncol, int pad_last)
{
	size_t w[8] = {0};

	for (int k = 0; k < ncol; k++)
		w[k] = strlen(head[k]);
	for (size_t i = 0; i < nrows; i++)
		for (int k = 0; k < ncol; k++)
			if (cells[i * (size_t)ncol + (size_t)k].len > w[k])
				w[k] = cells[i * (size_t)ncol + (size_t)k].len;
	for (size_t i = 0; i <= nrows; i++) {
		for (int k = 0; k < ncol; k++) {
			const char *v = i == 0 ? head[k]
					       : buf_str(&cells[(i - 1) * (size_t)ncol +
								(size_t)k]);

			if (k + 1 < ncol || pad_last)
				printf("%-*s", (int)w[k] + 2, v);
			else
				printf("%s", v);
		}
		putchar('\n');
	}
}

static int cmd_query(struct ctx *c, char **args, int nargs, int expired,
		     const char *within, const char *output, int quiet)
{
	struct matchers filter = {0};
	json_t *all, *s, *keep = json_array();
	int64_t now = loop_wall_ms(), win = 0;
	size_t i;
	int rc;

	if (parse_matchers(args, nargs, &filter) == -1) {
		json_decref(keep);
		return EX_USAGE;
	}
	if (within) {
		char err[128] = "";

		if (duration_parse(within, &win, err, sizeof err) == -1) {
			fprintf(stderr, "tocsin: --within %s: %s\n", within,
				err);
			matchers_free(&filter);
			json_decref(keep);
			return EX_USAGE;
		}
	}
	rc = fetch_silences(c, &all);
	if (rc != EX_OK) {
		matchers_free(&filter);
		json_decref(keep);
		return rc;
	}
	json_array_foreach(all, i, s)
	{
		const char *state = json_string_value(
			json_object_get(json_object_get(s, "status"), "state"));
		int64_t ends = parse_time(json_string_value(
			json_object_get(s, "endsAt")));

		if (expired != (strcmp(state, "expired") == 0))
			continue;
		if (within && (expired ? ends < now - win : ends > now + win))
			continue;
		if (!has_matchers(s, &filter))
			continue;
		json_array_append(keep, s);
	}
	if (output && strcmp(output, "json") == 0) {
		char *t = json_dumps(keep, JSON_COMPACT | JSON_PRESERVE_ORDER);

		printf("%s\n", t);
		free(t);
	} else if (quiet) {
		for (i = 0; i < json_array_size(keep); i++)
			printf("%s\n", json_string_value(json_object_get(
					       json_array_get(keep, i), "id")));
	} else {
		int ext = output && strcmp(output, "extended") == 0;
		static const char *const hsimple[] = {
			"ID", "Matchers", "Ends At", "Created By", "Comment"};
		static const char *const hext[] = {
			"ID",	  "Matchers",	"Starts At", "Ends At",
			"Updated At", "Created By", "Comment"};
		int ncol = ext ? 7 : 5;
		size_t nrows = json_array_size(keep);
		struct buf *cells = xcalloc(nrows * (size_t)ncol + 1, sizeof *cells);

		json_array_foreach(keep, i, s)
		{
			struct buf *r = &cells[i * (size_t)ncol];
			int col = 0;

			buf_puts(&r[col++], json_string_value(json_object_get(s, "id")));
			if (ext) /* amtool's extended layout braces them */
				buf_putc(&r[col], '{');
			matchers_text(&r[col], json_object_get(s, "matchers"),
				      ext ? ',' : ' ');
			if (ext)
				buf_putc(&r[col], '}');
			col++;
			if (ext)
				local_time(&r[col++], json_string_value(json_object_get(s, "startsAt")));
			local_time(&r[col++], json_string_value(json_object_get(s, "endsAt")));
			if (ext)
				local_time(&r[col++], json_string_value(json_object_get(s, "updatedAt")));
			buf_puts(&r[col++], json_string_value(json_object_get(s, "createdBy")));
			buf_puts(&r[col], json_string_value(json_object_get(s, "comment")));
		}
		table_print(ext ? hext : hsimple, cells, nrows, ncol, 1);
		for (size_t k = 0; k < nrows * (size_t)ncol; k++)
			buf_free(&cells[k]);
		free(cells);
	}
	json_decref(all);
	json_decref(keep);
	matchers_free(&filter);
	return EX_OK;
}

/* ------------------------------------------------------ expire, import */

static int cmd_expire(struct ctx *c, char **ids, int n)
{
	int rc = EX_OK;

	if (n == 0) {
		fprintf(stderr, "tocsin: no silence IDs specified\n");
		return EX_USAGE;
	}
	for (int i = 0; i < n; i++) {
		long st;

		if (c->db) {
			struct buf msg = {0};
			char *who = client();
			enum silence_rc r = silences_expire(
				c->sil, ids[i], loop_wall_ms(), who, &msg);

			free(who);
			st = r == SILENCE_OK ? 200 : r == SILENCE_NOT_FOUND ? 404 : 500;
			if (r == SILENCE_STORE_ERR)
				fprintf(stderr, "tocsin: %s\n", buf_str(&msg));
			buf_free(&msg);
		} else {
			struct buf out = {0};
			char *path = xasprintf("/api/v2/silence/%s", ids[i]);

			st = http(c, "DELETE", path, NULL, &out);
			free(path);
			buf_free(&out);
			if (st == -1)
				return EX_UNAVAILABLE;
		}
		if (st == 404 || st == 422) {
			fprintf(stderr, "tocsin: silence %s not found\n", ids[i]);
			rc = EX_NOINPUT;
		} else if (st != 200) {
			fprintf(stderr, "tocsin: expiring %s failed (%ld)\n",
				ids[i], st);
			rc = EX_SOFTWARE;
		}
	}
	return rc;
}

/* amtool silence update: the silence with new end or comment, posted
 * with its id (updated in place when Alertmanager's rules allow, else a
 * new id, printed). */
static int cmd_update(struct ctx *c, const char *id, const char *dur,
		      const char *end, const char *comment)
{
	json_t *all, *s, *found = NULL;
	size_t i;
	int rc;

	if (!id) {
		fprintf(stderr, "tocsin: which silence?  Give its ID\n");
		return EX_USAGE;
	}
	if (!dur && !end && !comment) {
		fprintf(stderr, "tocsin: nothing to update: give --duration, "
				"--end or --comment\n");
		return EX_USAGE;
	}
	rc = fetch_silences(c, &all);
	if (rc != EX_OK)
		return rc;
	json_array_foreach(all, i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0)
			found = s;
	}
	if (!found) {
		fprintf(stderr, "tocsin: silence %s not found\n", id);
		json_decref(all);
		return EX_NOINPUT;
	}
	found = json_deep_copy(found);
	json_decref(all);
	json_object_del(found, "status");
	json_object_del(found, "updatedAt");
	if (comment)
		json_object_set_new(found, "comment", json_string(comment));
	if (dur || end) {
		int64_t e;
		struct buf t = {0};

		if (end) {
			e = parse_time(end);
		} else {
			char err[128] = "";
			int64_t d = 0;

			e = duration_parse(dur, &d, err, sizeof err) == -1 ||
					    d <= 0
				    ? -1
				    : loop_wall_ms() + d;
		}
		if (e == -1) {
			fprintf(stderr, "tocsin: bad --end or --duration\n");
			json_decref(found);
			return EX_USAGE;
		}
		jsonw_time_millis(&t, e);
		/* jsonw wrote a quoted string: keep what is inside */
		t.s[t.len - 1] = '\0';
		json_object_set_new(found, "endsAt", json_string(t.s + 1));
		buf_free(&t);
	}
	{
		char *body = json_dumps(found, JSON_COMPACT);

		rc = post_silence(c, body, 0);
		free(body);
	}
	json_decref(found);
	return rc;
}

/* amtool silence import: each silence of a `query -o json` array is
 * created again (without its id, so new ids are made). */
static int cmd_import(struct ctx *c, const char *file)
{
	json_error_t jerr;
	json_t *all = strcmp(file, "-") == 0
			      ? json_loadf(stdin, 0, &jerr)
			      : json_load_file(file, 0, &jerr);
	json_t *s;
	size_t i, ok = 0, failed = 0;

	if (!all || !json_is_array(all)) {
		fprintf(stderr, "tocsin: %s: %s\n", file,
			all ? "not a JSON array of silences" : jerr.text);
		json_decref(all);
		return EX_DATAERR;
	}
	json_array_foreach(all, i, s)
	{
		json_t *p = json_deep_copy(s);
		char *body;
		int rc;

		json_object_del(p, "id");
		json_object_del(p, "status");
		json_object_del(p, "updatedAt");
		body = json_dumps(p, JSON_COMPACT);
		rc = post_silence(c, body, 0);
		if (rc == EX_UNAVAILABLE) {
			free(body);
			json_decref(p);
			json_decref(all);
			return rc;
		}
		if (rc == EX_OK)
			ok++;
		else
			failed++;
		free(body);
		json_decref(p);
	}
	fprintf(stderr, "Imported %zu of %zu silences%s\n", ok, ok + failed,
		failed ? "; the others were refused (see above)" : "");
	json_decref(all);
	return failed ? EX_DATAERR : EX_OK;
}

static int cmd_history(struct ctx *c, const char *id)
{
	struct silence_events ev = {0};
	struct buf err = {0};

	if (!c->db) {
		fprintf(stderr, "tocsin: silence history reads the state file: "
				"give it with --db FILE\n");
		return EX_USAGE;
	}
	if (silences_history(c->sil, id, &ev, &err) == -1) {
		fprintf(stderr, "tocsin: %s", buf_str(&err));
		buf_free(&err);
		return EX_SOFTWARE;
	}
	printf("%-24s  %-36s  %-7s  %-12s  %s\n", "When", "ID", "What", "By",
	       "From");
	for (size_t i = 0; i < ev.n; i++) {
		struct buf t = {0};

		jsonw_time_raw(&t, ev.v[i].at);
		printf("%-24s  %-36s  %-7s  %-12s  %s\n", buf_str(&t),
		       ev.v[i].id, ev.v[i].what, ev.v[i].created_by,
		       ev.v[i].client);
		buf_free(&t);
	}
	silence_events_free(&ev);
	return EX_OK;
}

/* ------------------------------------------------------------- alerts */

/* name="value" pairs of a JSON object, sorted, space separated, as
 * amtool's extended output shows labels and annotations. */
static void pairs_text(struct buf *b, json_t *obj)
{
	const char *k;
	json_t *v;
	char **p = xcalloc(json_object_size(obj) + 1, sizeof *p);
	size_t n = 0;

	json_object_foreach(obj, k, v)
	{
		const char *sv = json_string_value(v);

		p[n++] = xasprintf("%s=\"%s\"", k, sv ? sv : "");
	}
	qsort(p, n, sizeof *p, cmp_str);
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "%s%s", i ? " " : "", p[i]);
		free(p[i]);
	}
	free(p);
}

/* amtool lists alerts by their start */
static int by_starts_at(const void *a, const void *b)
{
	int64_t x = parse_time(jstr(*(json_t *const *)a, "startsAt"));
	int64_t y = parse_time(jstr(*(json_t *const *)b, "startsAt"));

	return x < y ? -1 : x > y;
}

/* amtool alert query: the alerts in the states asked for (active only
 * when none is), of the receivers matching --receiver, then those the
 * matchers select. */
static int cmd_alert_query(struct ctx *c, char **args, int n,
			   const char *output, unsigned states,
			   const char *receiver)
{
	struct matchers ms = {0};
	struct buf out = {0}, path = {0};
	json_t *all, *a, *keep;
	size_t i;
	long st;

	if (c->db) {
		fprintf(stderr, "tocsin: alerts live in the daemon, not the "
				"state file: use --url\n");
		return EX_USAGE;
	}
	if (parse_matchers(args, n, &ms) == -1)
		return EX_USAGE;
	if (!states)
		states = AQ_ACTIVE;
	buf_printf(&path,
		   "/api/v2/alerts?active=%s&silenced=%s&inhibited=%s"
		   "&unprocessed=%s",
		   states & AQ_ACTIVE ? "true" : "false",
		   states & AQ_SILENCED ? "true" : "false",
		   states & AQ_INHIBITED ? "true" : "false",
		   states & AQ_UNPROCESSED ? "true" : "false");
	if (receiver) {
		char *e = curl_easy_escape(NULL, receiver, 0);

		buf_printf(&path, "&receiver=%s", e);
		curl_free(e);
	}
	st = http(c, "GET", buf_str(&path), NULL, &out);
	buf_free(&path);
	if (st != 200) {
		if (st != -1)
			fprintf(stderr, "tocsin: %s answered %ld: %s\n", c->url,
				st, buf_str(&out));
		matchers_free(&ms);
		buf_free(&out);
		return st == -1 ? EX_UNAVAILABLE : st == 400 ? EX_USAGE : EX_SOFTWARE;
	}
	all = json_loadb(out.s, out.len, 0, NULL);
	buf_free(&out);
	keep = json_array();
	json_array_foreach(all, i, a)
	{
		struct labels *l = alert_labels(a);

		if (matchers_match(&ms, l))
			json_array_append(keep, a);
		labels_free(l);
	}
	if (output && strcmp(output, "json") == 0) {
		char *t = json_dumps(keep, JSON_COMPACT | JSON_PRESERVE_ORDER);

		printf("%s\n", t);
		free(t);
	} else {
		int ext = output && strcmp(output, "extended") == 0;
		static const char *const hsimple[] = {"Alertname", "Starts At",
						      "Summary", "State"};
		static const char *const hext[] = {"Labels", "Annotations",
						   "Starts At", "Ends At",
						   "Generator URL", "State"};
		int ncol = ext ? 6 : 4;
		size_t nrows = json_array_size(keep);
		struct buf *cells = xcalloc(nrows * (size_t)ncol + 1, sizeof *cells);
		json_t **rows = xcalloc(nrows + 1, sizeof *rows);

		for (i = 0; i < nrows; i++)
			rows[i] = json_array_get(keep, i);
		qsort(rows, nrows, sizeof *rows, by_starts_at);
		for (i = 0; i < nrows; i++) {
			a = rows[i];
			struct buf *r = &cells[i * (size_t)ncol];
			json_t *lab = json_object_get(a, "labels");
			json_t *ann = json_object_get(a, "annotations");
			const char *state = json_string_value(json_object_get(
				json_object_get(a, "status"), "state"));

			if (ext) {
				pairs_text(&r[0], lab);
				pairs_text(&r[1], ann);
				local_time(&r[2], jstr(a, "startsAt"));
				local_time(&r[3], jstr(a, "endsAt"));
				buf_puts(&r[4], jstr(a, "generatorURL"));
				buf_puts(&r[5], state ? state : "");
			} else {
				buf_puts(&r[0], jstr(lab, "alertname"));
				local_time(&r[1], jstr(a, "startsAt"));
				buf_puts(&r[2], jstr(ann, "summary"));
				buf_puts(&r[3], state ? state : "");
			}
		}
		table_print(ext ? hext : hsimple, cells, nrows, ncol, 1);
		for (size_t k = 0; k < nrows * (size_t)ncol; k++)
			buf_free(&cells[k]);
		free(cells);
		free(rows);
	}
	json_decref(keep);
	json_decref(all);
	matchers_free(&ms);
	return EX_OK;
}

static int cmd_alert_add(struct ctx *c, char **args, int n, char **ann,
			 int nann)
{
	struct buf body = {0}, out = {0};
	long st;

	if (c->db) {
		fprintf(stderr, "tocsin: alerts go to the daemon: use --url\n");
		return EX_USAGE;
	}
	buf_puts(&body, "[{\"labels\":{");
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(args[i], '=');
		char *name;

		if (!eq || eq == args[i]) {
			fprintf(stderr, "tocsin: labels must be specified as "
					"key=value pairs\n");
			buf_free(&body);
			return EX_USAGE;
		}
		name = xstrndup(args[i], (size_t)(eq - args[i]));
		buf_puts(&body, i ? "," : "");
		jsonw_str(&body, name);
		buf_putc(&body, ':');
		jsonw_str(&body, eq + 1);
		free(name);
	}
	buf_puts(&body, "},\"annotations\":{");
	for (int i = 0; i < nann; i++) {
		const char *eq = strchr(ann[i], '=');
		char *name;

		if (!eq) {
			fprintf(stderr, "tocsin: annotations must be "
					"name=value\n");
			buf_free(&body);
			return EX_USAGE;
		}
		name = xstrndup(ann[i], (size_t)(eq - ann[i]));
		buf_puts(&body, i ? "," : "");
		jsonw_str(&body, name);
		buf_putc(&body, ':');
		jsonw_str(&body, eq + 1);
		free(name);
	}
	buf_puts(&body, "}}]");
	st = http(c, "POST", "/api/v2/alerts", body.s, &out);
	buf_free(&body);
	if (st != 200 && st != -1)
		fprintf(stderr, "tocsin: the alert was refused (%ld): %s\n",
			st, buf_str(&out));
	buf_free(&out);
	return st == 200 ? EX_OK : st == -1 ? EX_UNAVAILABLE : EX_DATAERR;
}

/* -------------------------------------------------------------- main */

static int run(int argc, char **argv, int alert)
{
	struct ctx c = {0};
	const char *sub = argc > 1 ? argv[1] : "query";
	const char *dur = NULL, *start = NULL, *end = NULL, *comment = NULL;
	const char *author = NULL, *within = NULL, *output = NULL;
	char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
	char **ann = xcalloc((size_t)argc + 1, sizeof *ann);
	const char *receiver = NULL;
	int nrest = 0, nann = 0, force = 0, dry = 0, expired = 0, quiet = 0;
	unsigned states = 0;
	int bad = 0, rc = EX_USAGE, i = argc > 1 && argv[1][0] != '-' ? 2 : 1;

	c.url = getenv("TOCSIN_URL");
	for (; i < argc; i++) {
		const char *v;

		if (cli_is_help(argv[i])) {
			fputs(usage, stdout);
			rc = EX_OK;
			goto out;
		}
		if ((v = cli_flag_value(argc, argv, &i, "--url", &bad)) ||
		    (v = cli_flag_value(argc, argv, &i, "--alertmanager.url",
					&bad)))
			c.url = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--db", &bad)))
			c.db = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--duration", &bad)) ||
			 (v = cli_flag_value(argc, argv, &i, "-d", &bad)))
			dur = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--start", &bad)))
			start = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--end", &bad)))
			end = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--comment", &bad)) ||
			 (v = cli_flag_value(argc, argv, &i, "-c", &bad)))
			comment = v;
		else if (alert && (strcmp(argv[i], "-a") == 0 ||
				   strcmp(argv[i], "--active") == 0))
			states |= AQ_ACTIVE;
		else if (alert && (strcmp(argv[i], "-s") == 0 ||
				   strcmp(argv[i], "--silenced") == 0))
			states |= AQ_SILENCED;
		else if (alert && (strcmp(argv[i], "-i") == 0 ||
				   strcmp(argv[i], "--inhibited") == 0))
			states |= AQ_INHIBITED;
		else if (alert && (strcmp(argv[i], "-u") == 0 ||
				   strcmp(argv[i], "--unprocessed") == 0))
			states |= AQ_UNPROCESSED;
		else if (alert &&
			 ((v = cli_flag_value(argc, argv, &i, "--receiver", &bad)) ||
			  (v = cli_flag_value(argc, argv, &i, "-r", &bad))))
			receiver = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--author", &bad)) ||
			 (v = cli_flag_value(argc, argv, &i, "-a", &bad)))
			author = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--within", &bad)))
			within = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--annotation",
					     &bad)))
			ann[nann++] = (char *)v;
		else if ((v = cli_flag_value(argc, argv, &i, "-o", &bad)) ||
			 (v = cli_flag_value(argc, argv, &i, "--output", &bad)))
			output = v;
		else if (bad)
			goto out;
		else if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else if (strcmp(argv[i], "--expired") == 0)
			expired = 1;
		else if (strcmp(argv[i], "-q") == 0 ||
			 strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "tocsin: unknown flag %s\n\n%s", argv[i],
				usage);
			goto out;
		} else
			rest[nrest++] = argv[i];
	}
	if (!c.url || !c.url[0])
		c.url = DEFAULT_URL;
	if (c.db && !alert && open_db(&c) == -1) {
		rc = EX_NOINPUT;
		goto out;
	}
	if (alert && strcmp(sub, "query") == 0)
		rc = cmd_alert_query(&c, rest, nrest, output, states,
				     receiver);
	else if (alert && strcmp(sub, "add") == 0)
		rc = cmd_alert_add(&c, rest, nrest, ann, nann);
	else if (!alert && strcmp(sub, "add") == 0)
		rc = cmd_add(&c, rest, nrest, dur, start, end, comment, author,
			     force, dry);
	else if (!alert && strcmp(sub, "query") == 0)
		rc = cmd_query(&c, rest, nrest, expired, within, output, quiet);
	else if (!alert && strcmp(sub, "expire") == 0)
		rc = cmd_expire(&c, rest, nrest);
	else if (!alert && strcmp(sub, "update") == 0)
		rc = cmd_update(&c, nrest ? rest[0] : NULL, dur, end, comment);
	else if (!alert && strcmp(sub, "import") == 0)
		rc = cmd_import(&c, nrest ? rest[0] : "-");
	else if (!alert && strcmp(sub, "history") == 0)
		rc = cmd_history(&c, nrest ? rest[0] : NULL);
	else
		fprintf(stderr, "tocsin: unknown command %s\n\n%s", sub, usage);
out:
	silences_close(c.sil);
	store_close(c.st);
	free(rest);
	free(ann);
	return rc;
}

int cli_silence(int argc, char **argv)
{
	return run(argc, argv, 0);
}

int cli_alert(int argc, char **argv)
{
	return run(argc, argv, 1);
}
