/*
 * tmpl_time.c - Go's time package as templates see it: time.Time and
 * *time.Time values with their methods (Format with Go's reference
 * layouts, Unix, UTC, Local, Sub...), time.Duration, time.Month and
 * time.Weekday, locations (UTC, fixed offsets, TZif files for Local and
 * named zones, with the POSIX TZ rule that ends a file), and RFC 3339
 * parsing as encoding/json does it.  Output follows Go 1.19.
 *
 * Zones are looked up when a time is made, not cached: a time value holds
 * its offset and abbreviation, so nothing here keeps global state.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tmpl_int.h"

#define ARGS                                                                   \
	struct tmpl_call *c, struct tmpl_value *const *a, size_t n,            \
	    struct tmpl_value **out

#define SECS_PER_DAY 86400

static const char *const month_names[] = {
    "January", "February", "March",	"April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};
static const char *const day_names[] = {
    "Sunday",	"Monday", "Tuesday",  "Wednesday",
    "Thursday", "Friday", "Saturday",
};

/* ------------------------------------------------------------- calendar */

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in(int m, int64_t y)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* The civil date's days since 1970-01-01. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The broken-down wall clock of t in its own zone. */
struct civil {
	int64_t year;
	int month, day, hour, min, sec, yday, wday;
};

static void to_civil(const struct tmpl_gotime *t, struct civil *cv)
{
	int64_t abs = t->sec + t->off;
	int64_t days = floor_div(abs, SECS_PER_DAY);
	int64_t rem = abs - days * SECS_PER_DAY;

	civil_from_days(days, &cv->year, &cv->month, &cv->day);
	cv->hour = (int)(rem / 3600);
	cv->min = (int)(rem / 60 % 60);
	cv->sec = (int)(rem % 60);
	cv->yday = (int)(days - days_from_civil(cv->year, 1, 1)) + 1;
	cv->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was Thursday */
}

/* ---------------------------------------------------------- TZif zones */

struct ztype {
	int32_t off;
	int isdst;
	char abbr[TMPL_ZONE_ABBR];
};

struct zone {
	int64_t *when; /* transition times */
	unsigned char *idx;
	size_t ntx;
	struct ztype *types;
	size_t ntypes;
	char extend[64]; /* the POSIX TZ footer, "" if none */
};

static void zone_free(struct zone *z)
{
	free(z->when);
	free(z->idx);
	free(z->types);
}

static int64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

/* Parses TZif data (Go's LoadLocationFromTZData); 0 or -1. */
static int zone_parse(const unsigned char *d, size_t len, struct zone *z)
{
	size_t cnt[6], tsize = 4, need, p;
	const unsigned char *chars;

	memset(z, 0, sizeof(*z));
	if (len < 44 || memcmp(d, "TZif", 4) != 0)
		return -1;
	for (int i = 0; i < 6; i++)
		cnt[i] = (size_t)(uint32_t)be(d + 20 + 4 * i, 4);
	p = 44;
	if (d[4] >= '2') {
		/* skip the version 1 block to the 64-bit one */
		p += cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 + cnt[1] +
		     cnt[0];
		if (len < p + 44 || memcmp(d + p, "TZif", 4) != 0)
			return -1;
		for (int i = 0; i < 6; i++)
			cnt[i] = (size_t)(uint32_t)be(d + p + 20 + 4 * i, 4);
		p += 44;
		tsize = 8;
	}
	/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
	need = cnt[3] * (tsize + 1) + cnt[4] * 6 + cnt[5] +
	       cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
	if (cnt[4] == 0 || cnt[4] > 256 || len - p < need)
		return -1;
	z->ntx = cnt[3];
	z->when = xcalloc(z->ntx + 1, sizeof(*z->when));
	z->idx = xcalloc(z->ntx + 1, 1);
	for (size_t i = 0; i < z->ntx; i++)
		z->when[i] = be(d + p + i * tsize, (int)tsize);
	p += z->ntx * tsize;
	for (size_t i = 0; i < z->ntx; i++)
		if ((z->idx[i] = d[p + i]) >= cnt[4])
			goto bad;
	p += z->ntx;
	z->ntypes = cnt[4];
	z->types = xcalloc(z->ntypes, sizeof(*z->types));
	chars = d + p + z->ntypes * 6;
	for (size_t i = 0; i < z->ntypes; i++) {
		const unsigned char *e = d + p + i * 6;
		size_t ai = e[5], al;

		z->types[i].off = (int32_t)be(e, 4);
		z->types[i].isdst = e[4] != 0;
		if (ai >= cnt[5])
			goto bad;
		al = strnlen((const char *)chars + ai, cnt[5] - ai);
		if (al >= TMPL_ZONE_ABBR)
			al = TMPL_ZONE_ABBR - 1;
		memcpy(z->types[i].abbr, chars + ai, al);
	}
	p += need - cnt[3] * (tsize + 1);
	if (tsize == 8 && p < len && d[p] == '\n') {
		const unsigned char *nl = memchr(d + p + 1, '\n', len - p - 1);
		size_t el = nl ? (size_t)(nl - d) - p - 1 : 0;

		if (el < sizeof(z->extend)) {
			memcpy(z->extend, d + p + 1, el);
			z->extend[el] = '\0';
		}
	}
	return 0;
bad:
	zone_free(z);
	memset(z, 0, sizeof(*z));
	return -1;
}

/* Reads and parses a TZif file: 0, -1 (no such file) or -2 (bad data). */
static int zone_load_file(const char *path, struct zone *z)
{
	size_t len;
	char *d = file_read(path, &len);
	int rc;

	if (!d)
		return -1;
	rc = zone_parse((const unsigned char *)d, len, z) == 0 ? 0 : -2;
	free(d);
	return rc;
}

/* --- POSIX TZ rules (Go's tzset), for times after the last transition */

struct tzrule {
	int kind; /* 'J' Julian day 1-365, 'D' day 0-365, 'M' month.week.day */
	int day, week, mon;
	int64_t time;
};

static const char *tz_name(const char *s, char *name)
{
	size_t n = 0;

	if (*s == '<') {
		const char *e = strchr(s, '>');

		if (!e)
			return NULL;
		n = (size_t)(e - s - 1);
		if (n >= TMPL_ZONE_ABBR)
			return NULL;
		memcpy(name, s + 1, n);
		name[n] = '\0';
		return e + 1;
	}
	while (isalpha((unsigned char)s[n]))
		n++;
	if (n < 3 || n >= TMPL_ZONE_ABBR)
		return NULL;
	memcpy(name, s, n);
	name[n] = '\0';
	return s + n;
}

static const char *tz_num(const char *s, int *v, int lo, int hi)
{
	int x = 0, digits = 0;

	while (isdigit((unsigned char)*s) && digits < 4) {
		x = x * 10 + (*s++ - '0');
		digits++;
	}
	if (!digits || x < lo || x > hi)
		return NULL;
	*v = x;
	return s;
}

/* [+-]hh[:mm[:ss]] as seconds; hours up to 167 for rule times. */
static const char *tz_offset(const char *s, int64_t *off, int maxh)
{
	int neg = 0, h, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!(s = tz_num(s, &h, 0, maxh)))
		return NULL;
	if (*s == ':' && !(s = tz_num(s + 1, &m, 0, 59)))
		return NULL;
	if (*s == ':' && !(s = tz_num(s + 1, &sec, 0, 59)))
		return NULL;
	*off = (int64_t)h * 3600 + m * 60 + sec;
	if (neg)
		*off = -*off;
	return s;
}

static const char *tz_rule(const char *s, struct tzrule *r)
{
	r->time = 7200;
	if (*s == 'J') {
		r->kind = 'J';
		s = tz_num(s + 1, &r->day, 1, 365);
	} else if (*s == 'M') {
		r->kind = 'M';
		s = tz_num(s + 1, &r->mon, 1, 12);
		if (s && *s == '.')
			s = tz_num(s + 1, &r->week, 1, 5);
		else
			s = NULL;
		if (s && *s == '.')
			s = tz_num(s + 1, &r->day, 0, 6);
		else
			s = NULL;
	} else {
		r->kind = 'D';
		s = tz_num(s, &r->day, 0, 365);
	}
	if (s && *s == '/')
		s = tz_offset(s + 1, &r->time, 167);
	return s;
}

/* Go's tzruleTime: seconds into the year at which the rule fires. */
static int64_t tz_rule_time(int64_t year, const struct tzrule *r, int64_t off)
{
	int64_t s = 0;

	switch (r->kind) {
	case 'J':
		s = (int64_t)(r->day - 1) * SECS_PER_DAY;
		if (is_leap(year) && r->day >= 60)
			s += SECS_PER_DAY;
		break;
	case 'D':
		s = (int64_t)r->day * SECS_PER_DAY;
		break;
	default: {
		/* weekday of the month's first day, then the week's day */
		int64_t first = days_from_civil(year, r->mon, 1);
		int dow = (int)((first % 7 + 11) % 7);
		int d = r->day - dow;

		if (d < 0)
			d += 7;
		for (int i = 1; i < r->week; i++) {
			if (d + 7 >= days_in(r->mon, year))
				break;
			d += 7;
		}
		s = (first - days_from_civil(year, 1, 1) + d) * SECS_PER_DAY;
	}
	}
	return s + r->time - off;
}

/* Go's tzset: the zone the rule gives at sec; 0, or -1 if malformed. */
static int tz_set(const char *s, int64_t sec, struct ztype *zt)
{
	char std[TMPL_ZONE_ABBR], dst[TMPL_ZONE_ABBR];
	int64_t stdoff, dstoff, days, year, ysec, ystart, start, end;
	struct tzrule r1 = {'M', 0, 2, 3, 7200}, r2 = {'M', 0, 1, 11, 7200};
	int dummy_m, dummy_d, in_dst;

	if (!(s = tz_name(s, std)) || !(s = tz_offset(s, &stdoff, 24)))
		return -1;
	stdoff = -stdoff;
	if (*s == '\0') {
		zt->off = (int32_t)stdoff;
		zt->isdst = 0;
		memcpy(zt->abbr, std, sizeof(std));
		return 0;
	}
	if (!(s = tz_name(s, dst)))
		return -1;
	dstoff = stdoff + 3600;
	if (*s != ',' && *s != '\0') {
		if (!(s = tz_offset(s, &dstoff, 24)))
			return -1;
		dstoff = -dstoff;
	}
	if (*s == ',') {
		if (!(s = tz_rule(s + 1, &r1)) || *s != ',' ||
		    !(s = tz_rule(s + 1, &r2)))
			return -1;
	}
	if (*s != '\0')
		return -1;
	days = floor_div(sec, SECS_PER_DAY);
	civil_from_days(days, &year, &dummy_m, &dummy_d);
	ystart = days_from_civil(year, 1, 1) * SECS_PER_DAY;
	ysec = sec - ystart;
	start = tz_rule_time(year, &r1, stdoff);
	end = tz_rule_time(year, &r2, dstoff);
	if (end < start) /* southern hemisphere */
		in_dst = !(ysec >= end && ysec < start);
	else
		in_dst = ysec >= start && ysec < end;
	zt->off = (int32_t)(in_dst ? dstoff : stdoff);
	zt->isdst = in_dst;
	memcpy(zt->abbr, in_dst ? dst : std, TMPL_ZONE_ABBR);
	return 0;
}

/* Go's Location.lookupFirstZone. */
static size_t zone_first(const struct zone *z)
{
	int used = 0;

	for (size_t i = 0; i < z->ntx; i++)
		if (z->idx[i] == 0)
			used = 1;
	if (!used)
		return 0;
	if (z->ntx > 0 && z->types[z->idx[0]].isdst) {
		for (int zi = (int)z->idx[0] - 1; zi >= 0; zi--)
			if (!z->types[zi].isdst)
				return (size_t)zi;
	}
	for (size_t i = 0; i < z->ntypes; i++)
		if (!z->types[i].isdst)
			return i;
	return 0;
}

/* Go's Location.lookup: the zone in effect at sec. */
static void zone_lookup(const struct zone *z, int64_t sec, struct ztype *out)
{
	size_t lo = 0, hi = z->ntx;

	if (z->ntx == 0 || sec < z->when[0]) {
		*out = z->types[zone_first(z)];
		if (z->ntx == 0 && z->extend[0])
			tz_set(z->extend, sec, out);
		return;
	}
	while (hi - lo > 1) {
		size_t m = lo + (hi - lo) / 2;

		if (sec < z->when[m])
			hi = m;
		else
			lo = m;
	}
	*out = z->types[z->idx[lo]];
	if (lo == z->ntx - 1 && z->extend[0])
		tz_set(z->extend, sec, out);
}

/* ----------------------------------------------------------- locations */

static int bad_location_name(const char *name)
{
	return strstr(name, "..") || name[0] == '/' || name[0] == '\\';
}

/* Loads an IANA zone as time.LoadLocation does: $ZONEINFO, then the
 * system directories.  0, or -1 with Go's message in err. */
static int zone_load_named(const char *name, struct zone *z, struct buf *err)
{
	static const char *const dirs[] = {"/usr/share/zoneinfo/",
					   "/usr/share/lib/zoneinfo/",
					   "/usr/lib/locale/TZ/"};
	const char *env = getenv("ZONEINFO");
	int first = 0;

	if (bad_location_name(name)) {
		if (err)
			buf_puts(err, "time: invalid location name");
		return -1;
	}
	if (env && *env) {
		char *p = xasprintf("%s/%s", env, name);
		int rc = zone_load_file(p, z);

		free(p);
		if (rc == 0)
			return 0;
		first = rc;
	}
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		char *p = xasprintf("%s%s", dirs[i], name);
		int rc = zone_load_file(p, z);

		free(p);
		if (rc == 0)
			return 0;
		if (!first && rc == -2)
			first = rc;
	}
	if (err) {
		if (first == -2)
			buf_puts(err, "malformed time zone information");
		else
			buf_printf(err, "unknown time zone %s", name);
	}
	return -1;
}

/* Go's initLocal: $TZ (unset: /etc/localtime; "": UTC). 0 with *z
 * loaded, or -1 meaning UTC. */
static int zone_load_local(struct zone *z)
{
	const char *tz = getenv("TZ");

	if (!tz)
		return zone_load_file("/etc/localtime", z) == 0 ? 0 : -1;
	if (*tz == ':')
		tz++;
	if (*tz == '/')
		return zone_load_file(tz, z) == 0 ? 0 : -1;
	if (*tz && strcmp(tz, "UTC") != 0)
		return zone_load_named(tz, z, NULL);
	return -1;
}

/* Sets t's offset and abbreviation from its location at t->sec. */
static void time_rezone(struct tmpl_gotime *t)
{
	struct zone z;
	struct ztype zt = {0, 0, "UTC"};
	int loaded;

	if (t->loc[0] == '\0') /* a fixed zone keeps its offset */
		return;
	if (strcmp(t->loc, "UTC") == 0) {
		loaded = -1;
	} else if (strcmp(t->loc, "Local") == 0) {
		loaded = zone_load_local(&z);
	} else {
		loaded = zone_load_named(t->loc, &z, NULL);
	}
	if (loaded == 0) {
		zone_lookup(&z, t->sec, &zt);
		zone_free(&z);
	}
	t->off = zt.off;
	memcpy(t->abbr, zt.abbr, sizeof(t->abbr));
}

void tmpl_gotime_utc(struct tmpl_gotime *t, int64_t sec, int32_t nsec)
{
	memset(t, 0, sizeof(*t));
	t->sec = sec + nsec / 1000000000;
	t->nsec = nsec % 1000000000;
	if (t->nsec < 0) {
		t->nsec += 1000000000;
		t->sec--;
	}
	strcpy(t->loc, "UTC");
	strcpy(t->abbr, "UTC");
}

void tmpl_gotime_local(struct tmpl_gotime *t)
{
	strcpy(t->loc, "Local");
	time_rezone(t);
}

int tmpl_gotime_in(struct tmpl_gotime *t, const char *name, struct buf *err)
{
	struct zone z;

	if (name[0] == '\0' || strcmp(name, "UTC") == 0) {
		tmpl_gotime_utc(t, t->sec, t->nsec);
		return 0;
	}
	if (strcmp(name, "Local") == 0) {
		tmpl_gotime_local(t);
		return 0;
	}
	if (zone_load_named(name, &z, err) < 0)
		return -1;
	zone_free(&z);
	if (strlen(name) >= sizeof(t->loc)) {
		buf_printf(err, "unknown time zone %s", name);
		return -1;
	}
	strcpy(t->loc, name);
	time_rezone(t);
	return 0;
}

void tmpl_gotime_now(struct tmpl_gotime *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	tmpl_gotime_utc(t, ts.tv_sec, (int32_t)ts.tv_nsec);
	tmpl_gotime_local(t);
}

/* ---------------------------------------------------------- formatting */

/* Go's appendInt: x in at least width digits, '-' first if negative. */
static void put_int(struct buf *b, int64_t x, int width)
{
	char d[24];
	int n = 0;
	uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;

	if (x < 0)
		buf_putc(b, '-');
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	for (int i = n; i < width; i++)
		buf_putc(b, '0');
	while (n > 0)
		buf_putc(b, d[--n]);
}

enum std {
	STD_NONE,
	STD_LONG_MONTH,
	STD_MONTH,
	STD_NUM_MONTH,
	STD_ZERO_MONTH,
	STD_LONG_WEEKDAY,
	STD_WEEKDAY,
	STD_DAY,
	STD_UNDER_DAY,
	STD_ZERO_DAY,
	STD_UNDER_YEARDAY,
	STD_ZERO_YEARDAY,
	STD_HOUR,
	STD_HOUR12,
	STD_ZERO_HOUR12,
	STD_MINUTE,
	STD_ZERO_MINUTE,
	STD_SECOND,
	STD_ZERO_SECOND,
	STD_LONG_YEAR,
	STD_YEAR,
	STD_PM,
	STD_pm,
	STD_TZ,
	STD_ISO_TZ,	       /* Z0700 */
	STD_ISO_SECONDS_TZ,    /* Z070000 */
	STD_ISO_SHORT_TZ,      /* Z07 */
	STD_ISO_COLON_TZ,      /* Z07:00 */
	STD_ISO_COLON_SECS_TZ, /* Z07:00:00 */
	STD_NUM_TZ,	       /* -0700 */
	STD_NUM_SECONDS_TZ,    /* -070000 */
	STD_NUM_SHORT_TZ,      /* -07 */
	STD_NUM_COLON_TZ,      /* -07:00 */
	STD_NUM_COLON_SECS_TZ, /* -07:00:00 */
	STD_FRAC0,	       /* .000 */
	STD_FRAC9,	       /* .999 */
};

struct chunk {
	size_t prefix; /* literal bytes before the element */
	enum std std;
	size_t len; /* the element's length in the layout */
	int digits; /* STD_FRAC*: digits; their separator is layout[prefix] */
};

static int has(const char *l, size_t n, size_t i, const char *s)
{
	size_t k = strlen(s);

	return n - i >= k && memcmp(l + i, s, k) == 0;
}

static int lower_at(const char *l, size_t n, size_t i)
{
	return i < n && l[i] >= 'a' && l[i] <= 'z';
}

static int digit_at(const char *l, size_t n, size_t i)
{
	return i < n && l[i] >= '0' && l[i] <= '9';
}

/* Go's nextStdChunk: the first layout element at or after l[0]. */
static void next_chunk(const char *l, size_t n, struct chunk *ch)
{
	static const struct {
		const char *s;
		enum std std;
	} tz[] = {
	    {"-070000", STD_NUM_SECONDS_TZ},
	    {"-07:00:00", STD_NUM_COLON_SECS_TZ},
	    {"-0700", STD_NUM_TZ},
	    {"-07:00", STD_NUM_COLON_TZ},
	    {"-07", STD_NUM_SHORT_TZ},
	    {"Z070000", STD_ISO_SECONDS_TZ},
	    {"Z07:00:00", STD_ISO_COLON_SECS_TZ},
	    {"Z0700", STD_ISO_TZ},
	    {"Z07:00", STD_ISO_COLON_TZ},
	    {"Z07", STD_ISO_SHORT_TZ},
	};
	static const enum std zero[] = {STD_ZERO_MONTH,	 STD_ZERO_DAY,
					STD_ZERO_HOUR12, STD_ZERO_MINUTE,
					STD_ZERO_SECOND, STD_YEAR};

#define FOUND(s, k)                                                            \
	do {                                                                   \
		ch->prefix = i;                                                \
		ch->std = (s);                                                 \
		ch->len = (k);                                                 \
		return;                                                        \
	} while (0)

	for (size_t i = 0; i < n; i++) {
		switch (l[i]) {
		case 'J':
			if (has(l, n, i, "January"))
				FOUND(STD_LONG_MONTH, 7);
			if (has(l, n, i, "Jan") && !lower_at(l, n, i + 3))
				FOUND(STD_MONTH, 3);
			break;
		case 'M':
			if (has(l, n, i, "Monday"))
				FOUND(STD_LONG_WEEKDAY, 6);
			if (has(l, n, i, "Mon") && !lower_at(l, n, i + 3))
				FOUND(STD_WEEKDAY, 3);
			if (has(l, n, i, "MST"))
				FOUND(STD_TZ, 3);
			break;
		case '0':
			if (i + 1 < n && l[i + 1] >= '1' && l[i + 1] <= '6')
				FOUND(zero[l[i + 1] - '1'], 2);
			if (has(l, n, i, "002"))
				FOUND(STD_ZERO_YEARDAY, 3);
			break;
		case '1':
			if (has(l, n, i, "15"))
				FOUND(STD_HOUR, 2);
			FOUND(STD_NUM_MONTH, 1);
		case '2':
			if (has(l, n, i, "2006"))
				FOUND(STD_LONG_YEAR, 4);
			FOUND(STD_DAY, 1);
		case '_':
			if (has(l, n, i, "_2")) {
				if (has(l, n, i + 1, "2006")) {
					ch->prefix = i + 1;
					ch->std = STD_LONG_YEAR;
					ch->len = 4;
					return;
				}
				FOUND(STD_UNDER_DAY, 2);
			}
			if (has(l, n, i, "__2"))
				FOUND(STD_UNDER_YEARDAY, 3);
			break;
		case '3':
			FOUND(STD_HOUR12, 1);
		case '4':
			FOUND(STD_MINUTE, 1);
		case '5':
			FOUND(STD_SECOND, 1);
		case 'P':
			if (has(l, n, i, "PM"))
				FOUND(STD_PM, 2);
			break;
		case 'p':
			if (has(l, n, i, "pm"))
				FOUND(STD_pm, 2);
			break;
		case '-':
		case 'Z':
			for (size_t k = 0; k < ARRAY_LEN(tz); k++)
				if (has(l, n, i, tz[k].s))
					FOUND(tz[k].std, strlen(tz[k].s));
			break;
		case '.':
		case ',':
			if (i + 1 < n && (l[i + 1] == '0' || l[i + 1] == '9')) {
				size_t j = i + 1;

				while (j < n && l[j] == l[i + 1])
					j++;
				if (!digit_at(l, n, j)) {
					ch->digits = (int)(j - i - 1);
					FOUND(l[i + 1] == '9' ? STD_FRAC9
							      : STD_FRAC0,
					      j - i);
				}
			}
			break;
		default:
			break;
		}
	}
	ch->prefix = n;
	ch->std = STD_NONE;
	ch->len = 0;
#undef FOUND
}

static void put_zone(struct buf *b, enum std std, int32_t offset)
{
	int32_t zone, abs;
	int colon = std == STD_ISO_COLON_TZ || std == STD_NUM_COLON_TZ ||
		    std == STD_ISO_COLON_SECS_TZ ||
		    std == STD_NUM_COLON_SECS_TZ;
	int secs = std == STD_ISO_SECONDS_TZ || std == STD_NUM_SECONDS_TZ ||
		   std == STD_ISO_COLON_SECS_TZ || std == STD_NUM_COLON_SECS_TZ;
	int shrt = std == STD_ISO_SHORT_TZ || std == STD_NUM_SHORT_TZ;

	if (std <= STD_ISO_COLON_SECS_TZ && offset == 0) {
		buf_putc(b, 'Z');
		return;
	}
	zone = offset / 60;
	abs = offset;
	if (zone < 0) {
		buf_putc(b, '-');
		zone = -zone;
		abs = -abs;
	} else {
		buf_putc(b, '+');
	}
	put_int(b, zone / 60, 2);
	if (colon)
		buf_putc(b, ':');
	if (!shrt)
		put_int(b, zone % 60, 2);
	if (secs) {
		if (colon)
			buf_putc(b, ':');
		put_int(b, abs % 60, 2);
	}
}

static void put_frac(struct buf *b, const struct chunk *ch, char sep,
		     int32_t nsec)
{
	char d[10];
	int nd = ch->digits > 9 ? 9 : ch->digits;

	snprintf(d, sizeof(d), "%09d", (int)nsec);
	if (ch->std == STD_FRAC9) {
		while (nd > 0 && d[nd - 1] == '0')
			nd--;
		if (nd == 0)
			return;
	}
	buf_putc(b, sep);
	buf_add(b, d, (size_t)nd);
}

static void put_std(struct buf *b, const struct chunk *ch, char sep,
		    const struct tmpl_gotime *t, const struct civil *cv)
{
	int h12 = cv->hour % 12 ? cv->hour % 12 : 12;

	switch (ch->std) {
	case STD_LONG_MONTH:
		buf_puts(b, month_names[cv->month - 1]);
		break;
	case STD_MONTH:
		buf_add(b, month_names[cv->month - 1], 3);
		break;
	case STD_NUM_MONTH:
		put_int(b, cv->month, 0);
		break;
	case STD_ZERO_MONTH:
		put_int(b, cv->month, 2);
		break;
	case STD_LONG_WEEKDAY:
		buf_puts(b, day_names[cv->wday]);
		break;
	case STD_WEEKDAY:
		buf_add(b, day_names[cv->wday], 3);
		break;
	case STD_DAY:
		put_int(b, cv->day, 0);
		break;
	case STD_UNDER_DAY:
		if (cv->day < 10)
			buf_putc(b, ' ');
		put_int(b, cv->day, 0);
		break;
	case STD_ZERO_DAY:
		put_int(b, cv->day, 2);
		break;
	case STD_UNDER_YEARDAY:
		if (cv->yday < 100)
			buf_putc(b, ' ');
		if (cv->yday < 10)
			buf_putc(b, ' ');
		put_int(b, cv->yday, 0);
		break;
	case STD_ZERO_YEARDAY:
		put_int(b, cv->yday, 3);
		break;
	case STD_HOUR:
		put_int(b, cv->hour, 2);
		break;
	case STD_HOUR12:
		put_int(b, h12, 0);
		break;
	case STD_ZERO_HOUR12:
		put_int(b, h12, 2);
		break;
	case STD_MINUTE:
		put_int(b, cv->min, 0);
		break;
	case STD_ZERO_MINUTE:
		put_int(b, cv->min, 2);
		break;
	case STD_SECOND:
		put_int(b, cv->sec, 0);
		break;
	case STD_ZERO_SECOND:
		put_int(b, cv->sec, 2);
		break;
	case STD_LONG_YEAR:
		put_int(b, cv->year, 4);
		break;
	case STD_YEAR:
		put_int(b, cv->year % 100, 2);
		break;
	case STD_PM:
		buf_puts(b, cv->hour >= 12 ? "PM" : "AM");
		break;
	case STD_pm:
		buf_puts(b, cv->hour >= 12 ? "pm" : "am");
		break;
	case STD_TZ:
		if (t->abbr[0]) {
			buf_puts(b, t->abbr);
			break;
		}
		put_zone(b, STD_NUM_TZ, t->off);
		break;
	case STD_FRAC0:
	case STD_FRAC9:
		put_frac(b, ch, sep, t->nsec);
		break;
	case STD_NONE:
		break;
	default:
		put_zone(b, ch->std, t->off);
		break;
	}
}

void tmpl_gotime_format(struct buf *b, const struct tmpl_gotime *t,
			const char *layout, size_t len)
{
	struct civil cv;

	to_civil(t, &cv);
	while (len > 0) {
		struct chunk ch = {0};

		next_chunk(layout, len, &ch);
		buf_add(b, layout, ch.prefix);
		if (ch.std == STD_NONE)
			break;
		put_std(b, &ch, layout[ch.prefix], t, &cv);
		layout += ch.prefix + ch.len;
		len -= ch.prefix + ch.len;
	}
}

void tmpl_gotime_string(struct buf *b, const struct tmpl_gotime *t)
{
	static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";

	tmpl_gotime_format(b, t, layout, sizeof(layout) - 1);
}

/* ------------------------------------------------------------- parsing */

/* A fixed-width decimal at s[*i]; -1 if not all digits. */
static int getnum(const char *s, size_t n, size_t *i, int width)
{
	int v = 0;

	if (*i + (size_t)width > n)
		return -1;
	for (int k = 0; k < width; k++) {
		char ch = s[*i + (size_t)k];

		if (ch < '0' || ch > '9')
			return -1;
		v = v * 10 + (ch - '0');
	}
	*i += (size_t)width;
	return v;
}

/* Go's ParseError for a value that does not fit the layout: the rest
 * of the value from at, and the layout element it failed. */
static void parse_error(struct buf *err, const char *s, size_t n, size_t at,
			const char *layout_elem)
{
	static const char layout[] = "\"2006-01-02T15:04:05Z07:00\"";

	buf_puts(err, "parsing time ");
	tmpl_quote(err, s, n, 0);
	buf_puts(err, " as ");
	tmpl_quote(err, layout, sizeof(layout) - 1, 0);
	buf_puts(err, ": cannot parse ");
	tmpl_quote(err, s + at, n - at, 0);
	buf_puts(err, " as ");
	tmpl_quote(err, layout_elem, strlen(layout_elem), 0);
}

/* Go's ParseError with a message: "month out of range". */
static void range_error(struct buf *err, const char *s, size_t n,
			const char *msg)
{
	buf_puts(err, "parsing time ");
	tmpl_quote(err, s, n, 0);
	buf_printf(err, ": %s", msg);
}

/* Whether the local zone has this offset at sec (Go prefers Local then). */
static int local_has_offset(int64_t sec, int32_t off)
{
	struct zone z;
	struct ztype zt = {0, 0, "UTC"};

	if (zone_load_local(&z) == 0) {
		zone_lookup(&z, sec, &zt);
		zone_free(&z);
	}
	return zt.off == off;
}

int tmpl_gotime_parse_json(const char *s, size_t n, struct tmpl_gotime *t,
			   struct buf *err)
{
	static const struct {
		const char *layout; /* the layout element */
		int width, lo, hi;
		char after;
	} f[] = {
	    {"2006", 4, 0, 9999, '-'}, {"01", 2, 1, 12, '-'},
	    {"02", 2, 1, 31, 'T'},     {"15", 2, 0, 23, ':'},
	    {"04", 2, 0, 59, ':'},     {"05", 2, 0, 59, 0},
	};
	static const char *const seps[] = {"-", "-", "T", ":", ":"};
	static const char *const range[] = {"year", "month",  "day",
					    "hour", "minute", "second"};
	int v[6];
	size_t i = 1;
	int32_t nsec = 0, off = 0;
	int utc = 0;

	if (n < 1 || s[0] != '"') {
		parse_error(err, s, n, 0, "\"");
		return -1;
	}
	for (int k = 0; k < 6; k++) {
		size_t at = i;

		/* Go reads the hour ("15") as one or two digits */
		if (k == 3 && i + 1 < n && s[i] >= '0' && s[i] <= '9' &&
		    !(s[i + 1] >= '0' && s[i + 1] <= '9'))
			v[k] = getnum(s, n, &i, 1);
		else
			v[k] = getnum(s, n, &i, f[k].width);
		if (v[k] < 0) {
			parse_error(err, s, n, at, f[k].layout);
			return -1;
		}
		if (v[k] < f[k].lo || v[k] > f[k].hi) {
			char msg[32];

			snprintf(msg, sizeof(msg), "%s out of range", range[k]);
			range_error(err, s, n, msg);
			return -1;
		}
		if (k < 5) {
			if (i >= n || s[i] != f[k].after) {
				parse_error(err, s, n, i, seps[k]);
				return -1;
			}
			i++;
		}
	}
	if (i + 1 < n && (s[i] == '.' || s[i] == ',') && s[i + 1] >= '0' &&
	    s[i + 1] <= '9') {
		size_t j = i + 1;
		int nd = 0;

		for (; j < n && s[j] >= '0' && s[j] <= '9'; j++) {
			if (nd < 9) {
				nsec = nsec * 10 + (s[j] - '0');
				nd++;
			}
		}
		for (; nd < 9; nd++)
			nsec *= 10;
		i = j;
	}
	if (i < n && s[i] == 'Z') {
		utc = 1;
		i++;
	} else if (n - i >= 6 && (s[i] == '+' || s[i] == '-') &&
		   s[i + 3] == ':') {
		size_t k = i + 1;
		int hh = getnum(s, n, &k, 2), mm;

		k++;
		mm = getnum(s, n, &k, 2);
		if (hh < 0 || mm < 0) {
			parse_error(err, s, n, i, "Z07:00");
			return -1;
		}
		off = (hh * 60 + mm) * 60;
		if (s[i] == '-')
			off = -off;
		i += 6;
	} else {
		parse_error(err, s, n, i, "Z07:00");
		return -1;
	}
	if (i >= n || s[i] != '"') {
		parse_error(err, s, n, i, "\"");
		return -1;
	}
	if (i + 1 != n) {
		buf_puts(err, "parsing time ");
		tmpl_quote(err, s, n, 0);
		buf_puts(err, ": extra text: ");
		tmpl_quote(err, s + i + 1, n - i - 1, 0);
		return -1;
	}
	if (v[2] > days_in(v[1], v[0])) {
		range_error(err, s, n, "day out of range");
		return -1;
	}
	tmpl_gotime_utc(t,
			days_from_civil(v[0], v[1], v[2]) * SECS_PER_DAY +
			    v[3] * 3600 + v[4] * 60 + v[5] - off,
			nsec);
	if (utc)
		return 0;
	if (local_has_offset(t->sec, off)) {
		tmpl_gotime_local(t);
		return 0;
	}
	t->loc[0] = '\0';
	t->abbr[0] = '\0';
	t->off = off;
	return 0;
}

/* ------------------------------------------------------------ durations */

/* Go's Duration.String writes right to left into a 32-byte array. */
struct rbuf {
	char b[32];
	int w;
};

static void rput(struct rbuf *r, char ch)
{
	r->b[--r->w] = ch;
}

/* Go's fmtFrac: prec digits of v, trailing zeros and a lone '.' dropped;
 * returns v without them. */
static uint64_t rfrac(struct rbuf *r, uint64_t v, int prec)
{
	int print = 0;

	for (int i = 0; i < prec; i++) {
		int digit = (int)(v % 10);

		print = print || digit != 0;
		if (print)
			rput(r, (char)('0' + digit));
		v /= 10;
	}
	if (print)
		rput(r, '.');
	return v;
}

static void rdigits(struct rbuf *r, uint64_t v)
{
	do {
		rput(r, (char)('0' + v % 10));
		v /= 10;
	} while (v > 0);
}

void tmpl_duration_format(struct buf *b, int64_t d)
{
	struct rbuf r = {.w = (int)sizeof(r.b)};
	uint64_t u = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;

	rput(&r, 's');
	if (u == 0) {
		rput(&r, '0');
	} else if (u < 1000000000) {
		int prec = 6;

		if (u < 1000) {
			prec = 0;
			rput(&r, 'n');
		} else if (u < 1000000) {
			prec = 3;
			rput(&r, (char)0xb5); /* U+00B5 micro sign */
			rput(&r, (char)0xc2);
		} else {
			rput(&r, 'm');
		}
		rdigits(&r, rfrac(&r, u, prec));
	} else {
		u = rfrac(&r, u, 9);
		rdigits(&r, u % 60);
		u /= 60;
		if (u > 0) {
			rput(&r, 'm');
			rdigits(&r, u % 60);
			u /= 60;
			if (u > 0) {
				rput(&r, 'h');
				rdigits(&r, u);
			}
		}
	}
	if (d < 0)
		rput(&r, '-');
	buf_add(b, r.b + r.w, sizeof(r.b) - (size_t)r.w);
}

/* -------------------------------------------------------------- values */

const struct tmpl_class tmpl_int64_class = {.type = "int64"};

static void month_print(const struct tmpl_value *self, struct buf *out)
{
	if (self->u.i >= 1 && self->u.i <= 12)
		buf_puts(out, month_names[self->u.i - 1]);
	else
		buf_printf(out, "%%!Month(%lld)", (long long)self->u.i);
}

static void weekday_print(const struct tmpl_value *self, struct buf *out)
{
	if (self->u.i >= 0 && self->u.i <= 6)
		buf_puts(out, day_names[self->u.i]);
	else
		buf_printf(out, "%%!Weekday(%lld)", (long long)self->u.i);
}

static void duration_print(const struct tmpl_value *self, struct buf *out)
{
	tmpl_duration_format(out, self->u.i);
}

static void time_print(const struct tmpl_value *self, struct buf *out)
{
	tmpl_gotime_string(out, self->u.obj.data);
}

/* Go's Time.GoString: time.Date(2026, time.November, 22, 2, 51, 8, 0,
 * time.UTC). */
static void time_gostring(const struct tmpl_value *self, struct buf *out)
{
	const struct tmpl_gotime *t = self->u.obj.data;
	struct civil cv;

	to_civil(t, &cv);
	buf_printf(out, "time.Date(%lld, time.%s, %d, %d, %d, %d, %d, ",
		   (long long)cv.year, month_names[cv.month - 1], cv.day,
		   cv.hour, cv.min, cv.sec, (int)t->nsec);
	if (strcmp(t->loc, "UTC") == 0 || strcmp(t->loc, "Local") == 0) {
		buf_printf(out, "time.%s)", t->loc);
		return;
	}
	buf_puts(out, "time.Location(");
	tmpl_quote(out, t->loc, strlen(t->loc), 0);
	buf_puts(out, "))");
}

static int ret_string(struct buf *b, struct tmpl_value **out)
{
	size_t len = b->len;

	if (len == 0)
		buf_free(b);
	*out = tmpl_string_take(len ? buf_take(b) : xstrdup(""), len);
	return 0;
}

static int m_string(ARGS)
{
	struct buf b = {0};

	(void)a, (void)n;
	c->self->cls->print(c->self, &b);
	return ret_string(&b, out);
}

/* ---- time.Duration */

static int64_t self_int(const struct tmpl_call *c)
{
	return c->self->u.i;
}

double tmpl_duration_in(int64_t d, int64_t unit)
{
	int64_t whole = d / unit, rest = d % unit;

	return (double)whole + (double)rest / (double)unit;
}

static int dur_float(struct tmpl_call *c, int64_t unit, struct tmpl_value **out)
{
	*out = tmpl_float(tmpl_duration_in(self_int(c), unit));
	return 0;
}

static int dur_seconds(ARGS)
{
	(void)a, (void)n;
	return dur_float(c, 1000000000LL, out);
}

static int dur_minutes(ARGS)
{
	(void)a, (void)n;
	return dur_float(c, 60000000000LL, out);
}

static int dur_hours(ARGS)
{
	(void)a, (void)n;
	return dur_float(c, 3600000000000LL, out);
}

static int dur_int(struct tmpl_call *c, int64_t unit, struct tmpl_value **out)
{
	*out = tmpl_typed_take(tmpl_int(self_int(c) / unit), &tmpl_int64_class);
	return 0;
}

static int dur_ms(ARGS)
{
	(void)a, (void)n;
	return dur_int(c, 1000000, out);
}

static int dur_us(ARGS)
{
	(void)a, (void)n;
	return dur_int(c, 1000, out);
}

static int dur_ns(ARGS)
{
	(void)a, (void)n;
	return dur_int(c, 1, out);
}

static const struct tmpl_func duration_methods[] = {
    {"Hours", dur_hours, "", NULL},	{"Microseconds", dur_us, "", NULL},
    {"Milliseconds", dur_ms, "", NULL}, {"Minutes", dur_minutes, "", NULL},
    {"Nanoseconds", dur_ns, "", NULL},	{"Seconds", dur_seconds, "", NULL},
    {"String", m_string, "", NULL},	{NULL, NULL, NULL, NULL},
};

const struct tmpl_class tmpl_duration_class = {
    .type = "time.Duration",
    .methods = duration_methods,
    .print = duration_print,
};

static const struct tmpl_func enum_methods[] = {
    {"String", m_string, "", NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct tmpl_class month_class = {
    .type = "time.Month",
    .methods = enum_methods,
    .print = month_print,
};

static const struct tmpl_class weekday_class = {
    .type = "time.Weekday",
    .methods = enum_methods,
    .print = weekday_print,
};

struct tmpl_value *tmpl_duration_value(int64_t ns)
{
	return tmpl_typed_take(tmpl_int(ns), &tmpl_duration_class);
}

/* ---- time.Time */

static const struct tmpl_gotime *self_time(const struct tmpl_call *c)
{
	return c->self->u.obj.data;
}

static int ret_time(const struct tmpl_gotime *t, struct tmpl_value **out)
{
	*out = tmpl_gotime_value(t, 0);
	return 0;
}

static int ret_int(int64_t v, const struct tmpl_class *cls,
		   struct tmpl_value **out)
{
	*out = cls ? tmpl_typed_take(tmpl_int(v), cls) : tmpl_int(v);
	return 0;
}

static int t_format(ARGS)
{
	struct buf b = {0};

	(void)n;
	tmpl_gotime_format(&b, self_time(c), a[0]->u.str.s, a[0]->u.str.len);
	return ret_string(&b, out);
}

/* Go's int64 arithmetic wraps; C's must not overflow, so go unsigned. */
static int64_t wrap_mul_add(int64_t x, int64_t m, int64_t add)
{
	return (int64_t)((uint64_t)x * (uint64_t)m + (uint64_t)add);
}

static int t_unix(ARGS)
{
	(void)a, (void)n;
	return ret_int(self_time(c)->sec, &tmpl_int64_class, out);
}

static int t_unix_milli(ARGS)
{
	const struct tmpl_gotime *t = self_time(c);

	(void)a, (void)n;
	return ret_int(wrap_mul_add(t->sec, 1000, t->nsec / 1000000),
		       &tmpl_int64_class, out);
}

static int t_unix_micro(ARGS)
{
	const struct tmpl_gotime *t = self_time(c);

	(void)a, (void)n;
	return ret_int(wrap_mul_add(t->sec, 1000000, t->nsec / 1000),
		       &tmpl_int64_class, out);
}

static int t_unix_nano(ARGS)
{
	const struct tmpl_gotime *t = self_time(c);

	(void)a, (void)n;
	return ret_int(wrap_mul_add(t->sec, 1000000000, t->nsec),
		       &tmpl_int64_class, out);
}

static int t_utc(ARGS)
{
	struct tmpl_gotime t;

	(void)a, (void)n;
	tmpl_gotime_utc(&t, self_time(c)->sec, self_time(c)->nsec);
	return ret_time(&t, out);
}

static int t_local(ARGS)
{
	struct tmpl_gotime t = *self_time(c);

	(void)a, (void)n;
	tmpl_gotime_local(&t);
	return ret_time(&t, out);
}

static int t_is_zero(ARGS)
{
	const struct tmpl_gotime *t = self_time(c);

	(void)a, (void)n;
	*out = tmpl_bool(t->sec == TMPL_ZERO_TIME_SEC && t->nsec == 0);
	return 0;
}

/* The calendar fields: Year, Month, Day, ... by offset into struct civil. */
static int t_civil(struct tmpl_call *c, int what, struct tmpl_value **out)
{
	struct civil cv;

	to_civil(self_time(c), &cv);
	switch (what) {
	case 'Y':
		return ret_int(cv.year, NULL, out);
	case 'M':
		return ret_int(cv.month, &month_class, out);
	case 'D':
		return ret_int(cv.day, NULL, out);
	case 'h':
		return ret_int(cv.hour, NULL, out);
	case 'm':
		return ret_int(cv.min, NULL, out);
	case 's':
		return ret_int(cv.sec, NULL, out);
	case 'y':
		return ret_int(cv.yday, NULL, out);
	default:
		return ret_int(cv.wday, &weekday_class, out);
	}
}

#define CIVIL_METHOD(fn, what)                                                 \
	static int fn(ARGS)                                                    \
	{                                                                      \
		(void)a, (void)n;                                              \
		return t_civil(c, what, out);                                  \
	}
CIVIL_METHOD(t_year, 'Y')
CIVIL_METHOD(t_month, 'M')
CIVIL_METHOD(t_day, 'D')
CIVIL_METHOD(t_hour, 'h')
CIVIL_METHOD(t_minute, 'm')
CIVIL_METHOD(t_second, 's')
CIVIL_METHOD(t_yearday, 'y')
CIVIL_METHOD(t_weekday, 'w')

static int t_nanosecond(ARGS)
{
	(void)a, (void)n;
	return ret_int(self_time(c)->nsec, NULL, out);
}

/* -1, 0, 1 as t is before, equal to or after u. */
static int time_cmp(const struct tmpl_gotime *t, const struct tmpl_gotime *u)
{
	if (t->sec != u->sec)
		return t->sec < u->sec ? -1 : 1;
	if (t->nsec != u->nsec)
		return t->nsec < u->nsec ? -1 : 1;
	return 0;
}

static int t_before(ARGS)
{
	(void)n;
	*out = tmpl_bool(time_cmp(self_time(c), a[0]->u.obj.data) < 0);
	return 0;
}

static int t_after(ARGS)
{
	(void)n;
	*out = tmpl_bool(time_cmp(self_time(c), a[0]->u.obj.data) > 0);
	return 0;
}

static int t_equal(ARGS)
{
	(void)n;
	*out = tmpl_bool(time_cmp(self_time(c), a[0]->u.obj.data) == 0);
	return 0;
}

/* Adds d nanoseconds to t's instant (Go's Time.Add, without the zone). */
static void add_ns(struct tmpl_gotime *t, int64_t d)
{
	t->sec = (int64_t)((uint64_t)t->sec + (uint64_t)(d / 1000000000));
	t->nsec += (int32_t)(d % 1000000000);
	if (t->nsec >= 1000000000) {
		t->sec++;
		t->nsec -= 1000000000;
	} else if (t->nsec < 0) {
		t->sec--;
		t->nsec += 1000000000;
	}
}

int64_t tmpl_gotime_sub(const struct tmpl_gotime *t,
			const struct tmpl_gotime *u)
{
	/* Go: d computed with wrapping int64 arithmetic, kept if u + d
	 * gives t back, else saturated */
	uint64_t ds = (uint64_t)t->sec - (uint64_t)u->sec;
	int64_t d = (int64_t)(ds * 1000000000u +
			      (uint64_t)(int64_t)(t->nsec - u->nsec));
	struct tmpl_gotime back = *u;

	add_ns(&back, d);
	if (time_cmp(&back, t) == 0)
		return d;
	return time_cmp(t, u) < 0 ? INT64_MIN : INT64_MAX;
}

static int t_sub(ARGS)
{
	(void)n;
	*out = tmpl_duration_value(
	    tmpl_gotime_sub(self_time(c), a[0]->u.obj.data));
	return 0;
}

static int t_add(ARGS)
{
	struct tmpl_gotime t = *self_time(c);

	(void)n;
	add_ns(&t, a[0]->u.i);
	time_rezone(&t);
	return ret_time(&t, out);
}

#define TT "time.Time"
static const struct tmpl_func time_methods[] = {
    {"Add", t_add, "I", "time.Duration"},
    {"After", t_after, "t", TT},
    {"Before", t_before, "t", TT},
    {"Day", t_day, "", NULL},
    {"Equal", t_equal, "t", TT},
    {"Format", t_format, "s", NULL},
    {"Hour", t_hour, "", NULL},
    {"IsZero", t_is_zero, "", NULL},
    {"Local", t_local, "", NULL},
    {"Minute", t_minute, "", NULL},
    {"Month", t_month, "", NULL},
    {"Nanosecond", t_nanosecond, "", NULL},
    {"Second", t_second, "", NULL},
    {"String", m_string, "", NULL},
    {"Sub", t_sub, "t", TT},
    {"UTC", t_utc, "", NULL},
    {"Unix", t_unix, "", NULL},
    {"UnixMicro", t_unix_micro, "", NULL},
    {"UnixMilli", t_unix_milli, "", NULL},
    {"UnixNano", t_unix_nano, "", NULL},
    {"Weekday", t_weekday, "", NULL},
    {"Year", t_year, "", NULL},
    {"YearDay", t_yearday, "", NULL},
    {NULL, NULL, NULL, NULL},
};

const struct tmpl_class tmpl_time_class = {
    .type = TT,
    .methods = time_methods,
    .print = time_print,
    .gostring = time_gostring,
    .free = free,
};

static const struct tmpl_class time_ptr_class = {
    .type = "*time.Time",
    .methods = time_methods,
    .print = time_print,
    .gostring = time_gostring,
    .free = free,
    .is_ptr = 1,
};

struct tmpl_value *tmpl_gotime_value(const struct tmpl_gotime *t, int ptr)
{
	struct tmpl_gotime *p = xmalloc(sizeof(*p));

	*p = *t;
	return tmpl_object_new(ptr ? &time_ptr_class : &tmpl_time_class, NULL,
			       NULL, 0, p);
}

const struct tmpl_gotime *tmpl_gotime_of(const struct tmpl_value *v)
{
	if (v->kind == TMPL_OBJECT &&
	    (v->cls == &tmpl_time_class || v->cls == &time_ptr_class))
		return v->u.obj.data;
	return NULL;
}

struct tmpl_value *tmpl_time_new(int64_t sec, int32_t nsec)
{
	struct tmpl_gotime t;

	tmpl_gotime_utc(&t, sec, nsec);
	return tmpl_gotime_value(&t, 1);
}
