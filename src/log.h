/*
 * log.h - the daemon's logger.  Lines look like what Prometheus 2.42 and
 * Alertmanager 0.25 print through go-kit log, so existing greps and log
 * shippers keep working:
 *
 *   logfmt: ts=2026-11-22T02:46:32.691Z caller=eval.c:241 level=info
 *           component=rules msg="Loading configuration file" file=am.yml
 *   json:   {"caller":"eval.c:241","component":"rules","file":"am.yml",
 *            "level":"info","msg":"Loading configuration file","ts":"..."}
 *
 * logfmt follows go-logfmt v0.5.1: pairs in the order given; a value is
 * quoted when it holds a byte <= ' ', '=', '"', invalid UTF-8 or U+FFFD,
 * and the value "null" is written "null" in quotes; the empty value is
 * written bare ("key=").  Inside quotes \ " \n \r \t are backslash escaped,
 * other control bytes are \u00XX, invalid UTF-8 and U+FFFD are \ufffd.
 * Keys lose those same runes; a key left empty is skipped with its value
 * (go-kit drops the whole line instead).
 *
 * json follows go-kit's JSON logger (a Go map through encoding/json with
 * HTML escaping off): keys sorted bytewise, the last of equal keys wins,
 * invalid UTF-8 becomes U+FFFD, U+2028/U+2029 and control bytes are
 * escaped, < > & are kept as they are.
 *
 * An odd pair list gets the value "(MISSING)", as go-kit does.  The
 * logger is not thread-safe: the engine is single-threaded.  Each line is
 * written with one fwrite() and flushed.
 *
 * Note: LOG_DEBUG/LOG_INFO clash with <syslog.h>; do not include both.
 */
#ifndef TOCSIN_LOG_H
#define TOCSIN_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR
};

enum log_format { LOG_FORMAT_LOGFMT, LOG_FORMAT_JSON };

#if defined(__GNUC__)
#define LOG_SENTINEL __attribute__((sentinel))
#else
#define LOG_SENTINEL
#endif

/* Ends the pairs of log_kv(); a typed pointer, where a bare NULL in a
 * variadic call might be an int. */
#define LOG_END ((const char *)NULL)

/*
 * LOG_INFO(component, msg, key, value, ...): logs at that level with the
 * caller's file (basename) and line; the macro ends the pairs.  component
 * and msg may be NULL to leave the key out.  Nothing past the level check
 * runs, arguments included, when the level is filtered out.
 */
#define LOG_AT(lvl, ...)                                                  \
	do {                                                              \
		if (log_enabled(lvl))                                     \
			log_kv((lvl), __FILE__, __LINE__, __VA_ARGS__,    \
			       LOG_END);                                  \
	} while (0)
#define LOG_DEBUG(...) LOG_AT(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_WARN(...) LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_ERROR(...) LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)

/*
 * Sets the level ("debug", "info", "warn", "error") and the format
 * ("logfmt", "json") from the --log.level and --log.format flags; NULL
 * keeps the current one.  Returns 0, or -1 with Prometheus' message in
 * err (unrecognized log level "x") and nothing changed.  The defaults are
 * info and logfmt.
 */
int log_setup(const char *level, const char *format, struct buf *err);
/* Sends lines to f (not closed by the logger); NULL means stderr. */
void log_set_output(FILE *f);
/* Takes timestamps (ms since the epoch) from now_ms; NULL means the
 * real-time clock. */
void log_set_clock(int64_t (*now_ms)(void));
/* Returns 1 when lines at level are written, 0 when filtered out. */
int log_enabled(enum log_level level);
/* Returns "debug", "info", "warn" or "error". */
const char *log_level_name(enum log_level level);

/*
 * Writes one line when level passes the filter.  file may be a path; only
 * its basename is printed.  The variable part is key, value, ... strings
 * ended by NULL.
 */
void log_kv(enum log_level level, const char *file, int line,
	    const char *component, const char *msg, ...) LOG_SENTINEL;
/* The same with n strings kv[0..n-1] (keys at even indexes).  Here a
 * NULL value is written as null (bare in logfmt, JSON null); a pair with
 * a NULL key is skipped. */
void log_kvv(enum log_level level, const char *file, int line,
	     const char *component, const char *msg, const char *const *kv,
	     size_t n);

/* One record, for log_format_line(). */
struct log_record {
	int64_t ts_ms;
	enum log_level level;
	const char *file;	/* basename taken here; NULL prints "?" */
	int line;
	const char *component;	/* NULL: no component key */
	const char *msg;	/* NULL: no msg key */
	const char *const *kv;	/* n strings, as for log_kvv() */
	size_t n;
};

/* Appends the line for r in format fmt, newline included, to out.  Pure:
 * no filtering, no I/O. */
void log_format_line(struct buf *out, enum log_format fmt,
		     const struct log_record *r);

#endif
