/*
 * config_timeinterval.c - `time_intervals:` and the deprecated
 * `mute_time_intervals:`, parsed into ranges with the rules and messages
 * of Alertmanager 0.25's timeinterval package: names are lowercased before
 * parsing, numbers go through Go's strconv.Atoi, and locations are loaded
 * from /usr/share/zoneinfo as Go's time.LoadLocation does.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"

static const char *const named_keys[] = {"name", "time_intervals", NULL};
static const char *const spec_keys[] = {"times", "weekdays", "days_of_month",
					"months", "years", "location", NULL};
static const char *const time_range_keys[] = {"start_time", "end_time",
					      NULL};

static const char *const weekday_names[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday", NULL};
static const char *const month_names[] = {
	"", "january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december", NULL};

/* A range kind: how one member parses and how a range is checked. */
struct range_kind {
	const char *key;
	size_t off;	/* of the struct config_ranges in config_time_spec */
	int (*member)(const char *s, int *out, struct buf *err);
	int (*check)(const struct config_range *r, const char *s,
		     struct buf *err);
};

/* Go's strconv.Atoi(): optional sign, decimal digits, int64 range. */
static int go_atoi(const char *s, int *out, struct buf *err)
{
	const char *p = s + (*s == '+' || *s == '-');
	long long v;
	char *end;

	if (!*p || strspn(p, "0123456789") != strlen(p)) {
		buf_puts(err, "strconv.Atoi: parsing ");
		buf_quote(err, s);
		buf_puts(err, ": invalid syntax");
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE) {
		buf_puts(err, "strconv.Atoi: parsing ");
		buf_quote(err, s);
		buf_puts(err, ": value out of range");
		return -1;
	}
	/* Go's int has 64 bits; ours is clamped, which no calendar notices. */
	if (v > INT_MAX / 2)
		v = INT_MAX / 2;
	if (v < -(INT_MAX / 2))
		v = -(INT_MAX / 2);
	*out = (int)v;
	return 0;
}

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (names[i][0] && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static int weekday_member(const char *s, int *out, struct buf *err)
{
	if ((*out = name_index(weekday_names, s)) >= 0)
		return 0;
	buf_printf(err, "%s is not a valid weekday", s);
	return -1;
}

static int month_member(const char *s, int *out, struct buf *err)
{
	struct buf ignored = {0};
	int rc;

	if ((*out = name_index(month_names, s)) >= 0)
		return 0;
	rc = go_atoi(s, out, &ignored);
	buf_free(&ignored);
	if (rc == 0)
		return 0;
	buf_printf(err, "%s is not a valid month", s);
	return -1;
}

static int weekday_check(const struct config_range *r, const char *s,
			 struct buf *err)
{
	(void)s;
	if (r->begin > r->end) {
		buf_puts(err, "start day cannot be before end day");
		return -1;
	}
	return 0;
}

static int dom_check(const struct config_range *r, const char *s,
		     struct buf *err)
{
	int b = r->begin, e = r->end;

	(void)s;
	if (b == 0 || b < -31 || b > 31) {
		buf_printf(err, "%d is not a valid day of the month: out of range", b);
		return -1;
	}
	if (e == 0 || e < -31 || e > 31) {
		buf_printf(err, "%d is not a valid day of the month: out of range", e);
		return -1;
	}
	if (b < 0 && e > 0) {
		buf_puts(err, "end day must be negative if start day is negative");
		return -1;
	}
	/* Only ranges that are always empty (checked on a 28-day month). */
	if ((b < 0 ? 28 + b : b) > (e < 0 ? 28 + e : e)) {
		buf_printf(err, "end day %d is always before start day %d", e, b);
		return -1;
	}
	return 0;
}

static const char *month_name(int m)
{
	return m >= 1 && m <= 12 ? month_names[m] : "";
}

static int month_check(const struct config_range *r, const char *s,
		       struct buf *err)
{
	(void)s;
	if (r->begin > r->end) {
		buf_printf(err, "end month %s is before start month %s",
			   month_name(r->end), month_name(r->begin));
		return -1;
	}
	return 0;
}

static int year_check(const struct config_range *r, const char *s,
		      struct buf *err)
{
	(void)s;
	if (r->begin > r->end) {
		buf_printf(err, "end year %d is before start year %d", r->end,
			   r->begin);
		return -1;
	}
	return 0;
}

static const struct range_kind range_kinds[] = {
	{"weekdays", offsetof(struct config_time_spec, weekdays),
	 weekday_member, weekday_check},
	{"days_of_month", offsetof(struct config_time_spec, days_of_month),
	 go_atoi, dom_check},
	{"months", offsetof(struct config_time_spec, months), month_member,
	 month_check},
	{"years", offsetof(struct config_time_spec, years), go_atoi,
	 year_check},
};

/* Go's stringableRangeFromString(), lowercasing first. */
static int range_parse(const struct range_kind *k, const char *text,
		       struct config_range *r, struct buf *err)
{
	char *s = xstrdup(text), *colon;
	int rc = -1;

	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':')) {
		buf_printf(err, "couldn't parse range %s, invalid format", s);
	} else if (colon) {
		*colon = '\0';
		if (k->member(s, &r->begin, err) == 0 &&
		    k->member(colon + 1, &r->end, err) == 0)
			rc = k->check(r, s, err);
	} else if (k->member(s, &r->begin, err) == 0) {
		r->end = r->begin;
		rc = k->check(r, s, err);
	}
	free(s);
	return rc;
}

static void ranges_load(struct cload *l, const struct ynode *n,
			const struct range_kind *k, struct config_ranges *out)
{
	const struct ynode *s = cl_seq(l, n, k->key);

	if (!s)
		return;
	out->set = 1;
	out->v = s->n ? xcalloc(s->n, sizeof *out->v) : NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *it = s->items[i];
		struct buf err = {0};

		if (it->kind == YNODE_SEQ || it->kind == YNODE_MAP)
			cl_err(l, it, "%s: expected a string", k->key);
		else if (range_parse(k, ydoc_text(it), &out->v[out->n], &err) < 0)
			cl_err(l, it, "%s", buf_str(&err));
		else
			out->n++;
		buf_free(&err);
	}
}

/* ---------------------------------------------------------------- times */

/* ^(([01][0-9])|(2[0-3])):[0-5][0-9]$ or 24:00; returns minutes or -1. */
static int parse_hhmm(const char *s)
{
	int h, m;

	if (strcmp(s, "24:00") == 0)
		return 24 * 60;
	if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

static int time_range(struct cload *l, const struct ynode *n,
		      struct config_range *r)
{
	char *start, *end;
	int rc = -1;

	if (n->kind == YNODE_NULL)
		return 0;	/* yaml.v2 leaves a zero range: never matches */
	if (cl_keys(l, n, "time range", time_range_keys))
		return -1;
	start = cl_str(l, n, "start_time", NULL);
	end = cl_str(l, n, "end_time", NULL);
	if (!start[0] || !end[0])
		cl_err(l, n, "both start and end times must be provided");
	else if ((r->begin = parse_hhmm(start)) < 0)
		cl_err(l, cl_pos(n, "start_time"),
		       "couldn't parse timestamp %s, invalid format", start);
	else if ((r->end = parse_hhmm(end)) < 0)
		cl_err(l, cl_pos(n, "end_time"),
		       "couldn't parse timestamp %s, invalid format", end);
	else if (r->begin >= r->end)
		cl_err(l, n, "start time cannot be equal or greater than end time");
	else
		rc = 0;
	free(start);
	free(end);
	return rc;
}

static void times_load(struct cload *l, const struct ynode *n,
		       struct config_ranges *out)
{
	const struct ynode *s = cl_seq(l, n, "times");

	if (!s)
		return;
	out->set = 1;
	out->v = s->n ? xcalloc(s->n, sizeof *out->v) : NULL;
	for (size_t i = 0; i < s->n; i++)
		if (time_range(l, s->items[i], &out->v[out->n]) == 0)
			out->n++;
}

/* ------------------------------------------------------------ location */

#define TZ_MAX_FILE (10 << 20)

/* Reads one zoneinfo candidate: 1 found and valid, 0 absent, -1 error. */
static int tz_try(const char *path, struct buf *err)
{
	char head[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		buf_puts(err, strerror(errno));
		return -1;
	}
	n = read(fd, head, sizeof head);
	if (n < 0) {
		buf_puts(err, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (n < 44 || memcmp(head, "TZif", 4) != 0) {
		buf_puts(err, "malformed time zone information");
		return -1;
	}
	return 1;
}

/* Go's time.LoadLocation() verdicts; returns 0 or -1 with the message. */
static int tz_check(const char *name, struct buf *err)
{
	static const char *const dirs[] = {"/usr/share/zoneinfo/",
					   "/usr/share/lib/zoneinfo/",
					   "/usr/lib/locale/TZ/", NULL};
	struct buf first = {0};
	int rc = -1;

	if (!name[0] || strcmp(name, "UTC") == 0 || strcmp(name, "Local") == 0)
		return 0;
	if (strstr(name, "..") || name[0] == '/' || name[0] == '\\') {
		buf_puts(err, "time: invalid location name");
		return -1;
	}
	for (size_t i = 0; dirs[i] && rc < 0; i++) {
		char *path = xasprintf("%s%s", dirs[i], name);
		struct buf why = {0};
		int r = tz_try(path, &why);

		if (r == 1)
			rc = 0;
		else if (r < 0 && first.len == 0)
			buf_puts(&first, buf_str(&why));
		buf_free(&why);
		free(path);
	}
	if (rc < 0 && first.len) {
		/* Go's errno texts start in lower case. */
		first.s[0] = (char)tolower((unsigned char)first.s[0]);
		buf_puts(err, first.s);
	} else if (rc < 0) {
		buf_printf(err, "unknown time zone %s", name);
	}
	buf_free(&first);
	return rc;
}

static char *location_load(struct cload *l, const struct ynode *n)
{
	char *loc = cl_str(l, n, "location", NULL);
	struct buf err = {0};

	if (tz_check(loc, &err) < 0) {
		cl_err(l, cl_pos(n, "location"), "%s", buf_str(&err));
		loc[0] = '\0';
	}
	buf_free(&err);
	return loc;
}

/* ---------------------------------------------------------------- specs */

static struct config_ranges *spec_ranges(struct config_time_spec *sp,
					 const struct range_kind *k)
{
	return (struct config_ranges *)((char *)sp + k->off);
}

static void spec_load(struct cload *l, const struct ynode *n,
		      struct config_time_spec *sp)
{
	if (n->kind == YNODE_NULL || cl_keys(l, n, "time interval", spec_keys)) {
		sp->location = xstrdup("");
		return;
	}
	times_load(l, n, &sp->times);
	for (size_t i = 0; i < ARRAY_LEN(range_kinds); i++)
		ranges_load(l, n, &range_kinds[i], spec_ranges(sp, &range_kinds[i]));
	sp->location = location_load(l, n);
}

static void spec_free(struct config_time_spec *sp)
{
	free(sp->times.v);
	for (size_t i = 0; i < ARRAY_LEN(range_kinds); i++)
		free(spec_ranges(sp, &range_kinds[i])->v);
	free(sp->location);
}

static void named_load(struct cload *l, const struct ynode *n,
		       struct config_time_interval *t, int legacy)
{
	const struct ynode *s;

	t->line = n->line;
	t->col = n->col;
	t->legacy = legacy;
	if (n->kind == YNODE_NULL) {	/* 0.25 takes it as a nameless interval */
		t->name = xstrdup("");
		return;
	}
	cl_keys(l, n, legacy ? "mute time interval" : "time interval",
		named_keys);
	if (n->kind != YNODE_MAP) {
		t->name = xstrdup("");
		return;
	}
	t->name = cl_str(l, n, "name", NULL);
	if (!t->name[0])
		cl_err(l, n, legacy ? "missing name in mute time interval"
				    : "missing name in time interval");
	s = cl_seq(l, n, "time_intervals");
	if (!s || s->n == 0)
		return;
	t->specs = xcalloc(s->n, sizeof *t->specs);
	t->nspecs = s->n;
	for (size_t i = 0; i < s->n; i++)
		spec_load(l, s->items[i], &t->specs[i]);
}

void config_time_intervals_load(struct cload *l, const struct ynode *seq,
				int legacy)
{
	struct config *c = l->cfg;

	if (!seq || seq->n == 0)
		return;
	c->time_intervals = xrealloc(c->time_intervals,
				     (c->ntime_intervals + seq->n) *
					     sizeof *c->time_intervals);
	for (size_t i = 0; i < seq->n; i++) {
		struct config_time_interval *t = &c->time_intervals[c->ntime_intervals];

		memset(t, 0, sizeof *t);
		named_load(l, seq->items[i], t, legacy);
		if (config_time_interval_find(c, t->name)) {
			char *q = config_quote(t->name);

			cl_err(l, cl_pos(seq->items[i], "name"),
			       legacy ? "mute time interval %s is not unique"
				      : "time interval %s is not unique", q);
			free(q);
		}
		c->ntime_intervals++;
	}
}

void config_time_interval_free(struct config_time_interval *t)
{
	for (size_t i = 0; i < t->nspecs; i++)
		spec_free(&t->specs[i]);
	free(t->specs);
	free(t->name);
}
