/*
 * timeinterval.c - Alertmanager's ContainsTime over parsed time specs.
 *
 * Zone conversion goes through glibc: set $TZ to ":<location>", tzset(),
 * localtime_r(), then put $TZ and glibc's zone back, so nothing else in
 * the process (template "Local" times, libraries) ever sees our zone.
 * glibc reloads a zone file only when $TZ differs from the one it loaded
 * last, so one conversion costs two small file loads (ours, then the
 * process zone again).  Measured (test_timeinterval prints it): about
 * 9 us per check in Europe/Berlin against 0.02 us in UTC; putting back
 * only $TZ and leaving glibc's zone loaded would cost 0.4 us, but then a
 * localtime_r() elsewhere without tzset() would see our zone, so we pay.
 * A check happens once per route and flush, not per alert, so this stays
 * far below anything else a flush does.  UTC specs never touch glibc's
 * zone state.  Single-threaded use only (the engine's reactor), as $TZ is
 * process-global.  "Local" follows $TZ as it is at the check, where Go
 * reads it once at start-up; nothing in Tocsin changes $TZ for good.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeinterval.h"

/* The civil fields ContainsTime looks at, in the spec's location. */
struct civil {
	int64_t year;
	int month;	/* 1..12 */
	int mday;	/* 1..31 */
	int wday;	/* 0 = sunday */
	int minute;	/* of the day, 0..1439 */
	int mdays;	/* days in this month */
};

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int m, int64_t y)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Fills cv from local seconds (UTC seconds plus the zone's offset). */
static void civil_from_local(int64_t local, struct civil *cv)
{
	int64_t days = floor_div(local, 86400);
	int64_t rem = local - days * 86400;

	civil_from_days(days, &cv->year, &cv->month, &cv->mday);
	cv->wday = (int)((days % 7 + 11) % 7);	/* 1970-01-01 was a Thursday */
	cv->minute = (int)(rem / 60);
	cv->mdays = days_in_month(cv->month, cv->year);
}

/* Sets $TZ to value (NULL: unset). */
static void tz_env(const char *value)
{
	if (value)
		setenv("TZ", value, 1);
	else
		unsetenv("TZ");
}

/* The offset east of UTC of zone (":Name", or NULL for the process
 * zone) at sec; 0 when glibc cannot convert. */
static int64_t zone_offset(const char *zone, time_t sec)
{
	const char *cur = getenv("TZ");
	char *saved = cur ? xstrdup(cur) : NULL;
	struct tm tm;
	int64_t off = 0;

	if (zone)
		tz_env(zone);
	tzset();
	if (localtime_r(&sec, &tm))
		off = tm.tm_gmtoff;
	if (zone) {
		tz_env(saved);
		tzset();
	}
	free(saved);
	return off;
}

/* t_ms seen in location loc (config_time_spec.location). */
static void civil_in(const char *loc, int64_t t_ms, struct civil *cv)
{
	int64_t sec = floor_div(t_ms, 1000);
	int64_t off = 0;

	if (strcmp(loc, "Local") == 0) {
		off = zone_offset(NULL, (time_t)sec);
	} else if (loc[0] && strcmp(loc, "UTC") != 0) {
		char *zone = xasprintf(":%s", loc);

		off = zone_offset(zone, (time_t)sec);
		free(zone);
	}
	civil_from_local(sec + off, cv);
}

/* ------------------------------------------------------------ matching */

/* Any range of rs holds v (inclusive); an absent field holds anything. */
static int ranges_hold(const struct config_ranges *rs, int64_t v)
{
	if (!rs->set)
		return 1;
	for (size_t i = 0; i < rs->n; i++)
		if (v >= rs->v[i].begin && v <= rs->v[i].end)
			return 1;
	return 0;
}

static int times_hold(const struct config_ranges *rs, int minute)
{
	if (!rs->set)
		return 1;
	for (size_t i = 0; i < rs->n; i++)
		if (minute >= rs->v[i].begin && minute < rs->v[i].end)
			return 1;
	return 0;
}

static int clamp(int n, int lo, int hi)
{
	return n <= lo ? lo : n >= hi ? hi : n;
}

/* Alertmanager's days_of_month test: negative days count back from the
 * month's end, a range starting after the month is skipped, both ends
 * clamp to [-mdays, mdays]. */
static int days_hold(const struct config_ranges *rs, const struct civil *cv)
{
	if (!rs->set)
		return 1;
	for (size_t i = 0; i < rs->n; i++) {
		int b = rs->v[i].begin, e = rs->v[i].end;

		if (b < 0)
			b = cv->mdays + b + 1;
		if (e < 0)
			e = cv->mdays + e + 1;
		if (b > cv->mdays)
			continue;
		b = clamp(b, -cv->mdays, cv->mdays);
		e = clamp(e, -cv->mdays, cv->mdays);
		if (cv->mday >= b && cv->mday <= e)
			return 1;
	}
	return 0;
}

static int civil_in_spec(const struct config_time_spec *sp,
			 const struct civil *cv)
{
	return times_hold(&sp->times, cv->minute) &&
	       days_hold(&sp->days_of_month, cv) &&
	       ranges_hold(&sp->months, cv->month) &&
	       ranges_hold(&sp->weekdays, cv->wday) &&
	       ranges_hold(&sp->years, cv->year);
}

int timespec_contains(const struct config_time_spec *sp, int64_t t_ms)
{
	struct civil cv;

	civil_in(sp->location ? sp->location : "", t_ms, &cv);
	return civil_in_spec(sp, &cv);
}

int timeinterval_contains(const struct config_time_interval *ti,
			  int64_t t_ms)
{
	const char *last = NULL;
	struct civil cv;

	for (size_t i = 0; i < ti->nspecs; i++) {
		const struct config_time_spec *sp = &ti->specs[i];
		const char *loc = sp->location ? sp->location : "";

		/* Specs usually share a location: convert once. */
		if (!last || strcmp(last, loc) != 0)
			civil_in(loc, t_ms, &cv);
		last = loc;
		if (civil_in_spec(sp, &cv))
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------- the stages */

/* 1 if now is in any named interval, 0 if in none, -1 on an unknown. */
static int any_contains(const struct config *c, char *const *names,
			size_t n, int64_t now)
{
	int hit = 0;

	for (size_t i = 0; i < n; i++) {
		const struct config_time_interval *ti =
			config_time_interval_find(c, names[i]);

		if (!ti)
			return -1;
		if (!hit && timeinterval_contains(ti, now))
			hit = 1;
	}
	return hit;
}

int timeinterval_mutes(const struct config *c, char *const *names, size_t n,
		       int64_t now)
{
	return any_contains(c, names, n, now);
}

int timeinterval_active(const struct config *c, char *const *names,
			size_t n, int64_t now)
{
	return n == 0 ? 1 : any_contains(c, names, n, now);
}
