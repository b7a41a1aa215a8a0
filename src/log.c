/*
 * log.c - go-kit compatible log lines (see log.h for the rules followed).
 */
#include "log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum log_level threshold = LOG_LEVEL_INFO;
static enum log_format format = LOG_FORMAT_LOGFMT;
static FILE *output;	/* NULL: stderr */
static int64_t (*clock_fn)(void);

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const char *const format_names[] = {"logfmt", "json"};
static const char hex[] = "0123456789abcdef";

/* One key/value pair of a line; v NULL is Go's nil. */
struct field {
	const char *k, *v;
	size_t order;
};

/* ------------------------------------------------------------ settings */

/* Returns the index of s in names, or -1. */
static int lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

int log_setup(const char *level, const char *fmt, struct buf *err)
{
	int l = level ? lookup(level, level_names, ARRAY_LEN(level_names))
		      : (int)threshold;
	int f = fmt ? lookup(fmt, format_names, ARRAY_LEN(format_names))
		    : (int)format;

	if (l == -1 || f == -1) {
		buf_puts(err, l == -1 ? "unrecognized log level "
				      : "unrecognized log format ");
		buf_quote(err, l == -1 ? level : fmt);
		return -1;
	}
	threshold = (enum log_level)l;
	format = (enum log_format)f;
	return 0;
}

void log_set_output(FILE *f)
{
	output = f;
}

void log_set_clock(int64_t (*now_ms)(void))
{
	clock_fn = now_ms;
}

int log_enabled(enum log_level level)
{
	return level >= threshold;
}

const char *log_level_name(enum log_level level)
{
	if ((size_t)level >= ARRAY_LEN(level_names))
		return "unknown";
	return level_names[level];
}

static int64_t real_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------- strings */

/* go-logfmt's needsQuotedValueRune (v0.5.1), also its key filter. */
static int logfmt_special(uint32_t cp)
{
	return cp <= ' ' || cp == '=' || cp == '"' || cp == 0xfffd;
}

static void put_u00(struct buf *out, unsigned char c)
{
	buf_puts(out, "\\u00");
	buf_putc(out, hex[c >> 4]);
	buf_putc(out, hex[c & 15]);
}

/* Appends the backslash escape of an ASCII byte that needs one in both
 * formats: \" \\ \n \r \t and \u00XX for other control bytes.  Returns 0
 * when c is copied as it is. */
static int put_ascii_escape(struct buf *out, unsigned char c)
{
	switch (c) {
	case '"': buf_puts(out, "\\\""); return 1;
	case '\\': buf_puts(out, "\\\\"); return 1;
	case '\n': buf_puts(out, "\\n"); return 1;
	case '\r': buf_puts(out, "\\r"); return 1;
	case '\t': buf_puts(out, "\\t"); return 1;
	default:
		if (c >= 0x20)
			return 0;
		put_u00(out, c);
		return 1;
	}
}

/*
 * Appends s as a quoted string.  json selects encoding/json's rules
 * (U+FFFD itself kept, U+2028/9 escaped) over go-logfmt's (U+FFFD always
 * \ufffd).
 */
static void put_quoted(struct buf *out, const char *s, int json)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	buf_putc(out, '"');
	while (i < n) {
		uint32_t cp;
		int bad;
		size_t len = utf8_decode(p + i, n - i, &cp, &bad);

		if (len == 1 && !bad) {
			if (!put_ascii_escape(out, p[i]))
				buf_putc(out, (char)p[i]);
		} else if (bad || (!json && cp == 0xfffd)) {
			buf_puts(out, "\\ufffd");
		} else if (json && (cp == 0x2028 || cp == 0x2029)) {
			buf_printf(out, "\\u%04x", (unsigned)cp);
		} else {
			buf_add(out, p + i, len);
		}
		i += len;
	}
	buf_putc(out, '"');
}

/* ------------------------------------------------------------- logfmt */

/* Appends key without the runes logfmt does not allow; returns the number
 * of bytes written. */
static size_t logfmt_key(struct buf *out, const char *key)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t n = strlen(key), i = 0, wrote = 0;

	while (i < n) {
		uint32_t cp;
		int bad;
		size_t len = utf8_decode(p + i, n - i, &cp, &bad);

		if (!logfmt_special(cp)) {
			buf_add(out, p + i, len);
			wrote += len;
		}
		i += len;
	}
	return wrote;
}

static int logfmt_needs_quotes(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t n = strlen(v), i = 0;

	while (i < n) {
		uint32_t cp;
		int bad;
		size_t len = utf8_decode(p + i, n - i, &cp, &bad);

		if (logfmt_special(cp))
			return 1;
		i += len;
	}
	return 0;
}

static void logfmt_value(struct buf *out, const char *v)
{
	if (!v)
		buf_puts(out, "null");
	else if (strcmp(v, "null") == 0)
		buf_puts(out, "\"null\"");
	else if (logfmt_needs_quotes(v))
		put_quoted(out, v, 0);
	else
		buf_puts(out, v);
}

static void logfmt_line(struct buf *out, const struct field *f, size_t n)
{
	int first = 1;

	for (size_t i = 0; i < n; i++) {
		size_t mark = out->len;

		if (!first)
			buf_putc(out, ' ');
		if (logfmt_key(out, f[i].k) == 0) {
			out->len = mark; /* nothing left of the key */
			if (out->s)
				out->s[mark] = '\0';
			continue;
		}
		buf_putc(out, '=');
		logfmt_value(out, f[i].v);
		first = 0;
	}
	buf_putc(out, '\n');
}

/* --------------------------------------------------------------- json */

/* Bytewise key order; equal keys keep the order they were given in. */
static int field_cmp(const void *a, const void *b)
{
	const struct field *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts f in place and writes it as a JSON object. */
static void json_line(struct buf *out, struct field *f, size_t n)
{
	int first = 1;

	qsort(f, n, sizeof *f, field_cmp);
	buf_putc(out, '{');
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(f[i].k, f[i + 1].k) == 0)
			continue; /* a later value for the same key wins */
		if (!first)
			buf_putc(out, ',');
		put_quoted(out, f[i].k, 1);
		buf_putc(out, ':');
		if (f[i].v)
			put_quoted(out, f[i].v, 1);
		else
			buf_puts(out, "null");
		first = 0;
	}
	buf_puts(out, "}\n");
}

/* ---------------------------------------------------------------- lines */

/* RFC3339 UTC with exactly three decimals, like promlog's timestamps. */
static void put_time(struct buf *out, int64_t ms)
{
	int64_t sec = ms / 1000, frac = ms % 1000;
	time_t t;
	struct tm tm;

	if (frac < 0) {
		frac += 1000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm)) {
		buf_puts(out, "0000-00-00T00:00:00.000Z");
		return;
	}
	buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		   tm.tm_min, tm.tm_sec, (int)frac);
}

static const char *base_name(const char *path)
{
	const char *slash;

	if (!path)
		return "?";
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

void log_format_line(struct buf *out, enum log_format fmt,
		     const struct log_record *r)
{
	struct buf ts = {0}, caller = {0};
	struct field *f = xcalloc(r->n / 2 + 6, sizeof *f);
	size_t n = 0;

	put_time(&ts, r->ts_ms);
	buf_printf(&caller, "%s:%d", base_name(r->file), r->line);
	f[n++] = (struct field){"ts", buf_str(&ts), 0};
	f[n++] = (struct field){"caller", buf_str(&caller), 0};
	f[n++] = (struct field){"level", log_level_name(r->level), 0};
	if (r->component)
		f[n++] = (struct field){"component", r->component, 0};
	if (r->msg)
		f[n++] = (struct field){"msg", r->msg, 0};
	for (size_t i = 0; i < r->n; i += 2) {
		if (!r->kv[i])
			continue;
		f[n++] = (struct field){r->kv[i],
					i + 1 < r->n ? r->kv[i + 1]
						     : "(MISSING)",
					0};
	}
	for (size_t i = 0; i < n; i++)
		f[i].order = i;
	if (fmt == LOG_FORMAT_JSON)
		json_line(out, f, n);
	else
		logfmt_line(out, f, n);
	free(f);
	buf_free(&caller);
	buf_free(&ts);
}

void log_kvv(enum log_level level, const char *file, int line,
	     const char *component, const char *msg, const char *const *kv,
	     size_t n)
{
	struct log_record r = {0, level, file, line, component, msg, kv, n};
	struct buf out = {0};
	FILE *f = output ? output : stderr;

	if (!log_enabled(level))
		return;
	r.ts_ms = clock_fn ? clock_fn() : real_now_ms();
	log_format_line(&out, format, &r);
	(void)fwrite(out.s, 1, out.len, f);
	(void)fflush(f);
	buf_free(&out);
}

void log_kv(enum log_level level, const char *file, int line,
	    const char *component, const char *msg, ...)
{
	const char **kv;
	size_t n = 0;
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, msg);
	while (va_arg(ap, const char *))
		n++;
	va_end(ap);
	kv = xcalloc(n ? n : 1, sizeof *kv);
	va_start(ap, msg);
	for (size_t i = 0; i < n; i++)
		kv[i] = va_arg(ap, const char *);
	va_end(ap);
	log_kvv(level, file, line, component, msg, kv, n);
	free(kv);
}
