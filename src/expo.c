/*
 * expo.c - Prometheus text exposition format writer.  See expo.h.
 *
 * Numbers follow prometheus/common's expfmt writeFloat: 1, 0 and -1 are
 * spelled out, the rest is strconv.AppendFloat(f, 'g', -1, 64), i.e. the
 * shortest digits that read back as f, in exponent form when the decimal
 * exponent is < -4 or >= 6 (Go fixes 6 for the shortest precision).
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "expo.h"

/* --------------------------------------------------------------- numbers */

/* Shortest decimal form of a finite v > 0: digits d1..dn (no trailing
 * zeros) and exponent e with v = d1.d2...dn * 10^e. */
struct dec {
	char d[24];
	int n, e;
};

/* Parses "%.*e" output into dig; returns the digit count. */
static int dec_parse(struct dec *dig, const char *s)
{
	int n = 0;

	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			dig->d[n++] = *s;
	dig->d[n] = '\0';
	dig->n = n;
	dig->e = (int)strtol(s + 1, NULL, 10);
	return n;
}

/* Returns the value dig denotes. */
static double dec_value(const struct dec *dig)
{
	char s[48];

	snprintf(s, sizeof(s), "%c.%se%d", dig->d[0], dig->d + 1, dig->e);
	return strtod(s, NULL);
}

/* Moves dig one unit in its last place up (dir 1) or down (dir -1);
 * returns -1 when that leaves no digits (0.x never helps). */
static int dec_step(struct dec *dig, int dir)
{
	int i = dig->n - 1;

	if (dir > 0) {
		while (i >= 0 && dig->d[i] == '9')
			dig->d[i--] = '0';
		if (i < 0) { /* 99..9 + 1: 100..0, one exponent up */
			dig->d[0] = '1';
			dig->e++;
			return 0;
		}
		dig->d[i]++;
		return 0;
	}
	while (i >= 0 && dig->d[i] == '0')
		dig->d[i--] = '9';
	if (i < 0) /* cannot happen: d[0] is never '0' */
		return -1;
	dig->d[i]--;
	if (dig->d[0] != '0')
		return 0;
	if (dig->n == 1)
		return -1;
	memmove(dig->d, dig->d + 1, (size_t)dig->n--);
	dig->e--;
	return 0;
}

static void dec_trim(struct dec *dig)
{
	while (dig->n > 1 && dig->d[dig->n - 1] == '0')
		dig->d[--dig->n] = '\0';
}

/*
 * Fills dig with the shortest digits that read back as v.  For each
 * precision the correctly rounded candidate is tried, then its neighbour on
 * the other side of v: near powers of two the rounding interval is
 * lopsided, and the shortest string may be the farther one (as Go finds it).
 */
static void dec_shortest(struct dec *dig, double v)
{
	char s[48];

	for (int p = 1; p <= 17; p++) {
		double r;

		snprintf(s, sizeof(s), "%.*e", p - 1, v);
		dec_parse(dig, s);
		r = dec_value(dig);
		if (r == v)
			break;
		if (dec_step(dig, r < v ? 1 : -1) == 0 && dec_value(dig) == v)
			break;
		dec_parse(dig, s);
	}
	dec_trim(dig);
}

/* Appends dig in %e form: d.ddde+XX. */
static void dec_put_exp(struct buf *b, const struct dec *dig)
{
	buf_putc(b, dig->d[0]);
	if (dig->n > 1) {
		buf_putc(b, '.');
		buf_puts(b, dig->d + 1);
	}
	buf_printf(b, "e%c%02d", dig->e < 0 ? '-' : '+', abs(dig->e));
}

/* Appends dig in %f form with exactly the digits needed. */
static void dec_put_fixed(struct buf *b, const struct dec *dig)
{
	int dp = dig->e + 1; /* digits before the point */

	if (dp <= 0) {
		buf_puts(b, "0.");
		for (int i = 0; i < -dp; i++)
			buf_putc(b, '0');
		buf_puts(b, dig->d);
		return;
	}
	for (int i = 0; i < dp; i++)
		buf_putc(b, i < dig->n ? dig->d[i] : '0');
	if (dig->n > dp) {
		buf_putc(b, '.');
		buf_puts(b, dig->d + dp);
	}
}

void expo_float(struct buf *b, double v)
{
	struct dec dig;

	if (isnan(v)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) { /* expfmt writes -0 as "0" too */
		buf_putc(b, '0');
		return;
	}
	if (v < 0) {
		buf_putc(b, '-');
		v = -v;
	}
	dec_shortest(&dig, v);
	if (dig.e < -4 || dig.e >= 6)
		dec_put_exp(b, &dig);
	else
		dec_put_fixed(b, &dig);
}

/* ----------------------------------------------------------------- lines */

/* Appends s escaping backslash and newline, and '"' when quoted. */
static void put_escaped(struct buf *b, const char *s, int quoted)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else if (*s == '"' && quoted)
			buf_puts(b, "\\\"");
		else
			buf_putc(b, *s);
	}
}

void expo_family(struct buf *b, const char *name, const char *type,
		 const char *help)
{
	if (help) {
		buf_printf(b, "# HELP %s ", name);
		put_escaped(b, help, 0);
		buf_putc(b, '\n');
	}
	buf_printf(b, "# TYPE %s %s\n", name, type);
}

/* Appends one name="value" pair, opening the braces when first. */
static void put_label(struct buf *b, int first, const char *name,
		      const char *value)
{
	buf_putc(b, first ? '{' : ',');
	buf_puts(b, name);
	buf_puts(b, "=\"");
	put_escaped(b, value, 1);
	buf_putc(b, '"');
}

/* Appends name+suffix and the labels, leaving the brace open (when n > 0)
 * so callers may add pairs before closing it. */
static void put_head(struct buf *b, const char *name, const char *suffix,
		     const struct label *labels, size_t n)
{
	buf_puts(b, name);
	buf_puts(b, suffix);
	for (size_t i = 0; i < n; i++)
		put_label(b, i == 0, labels[i].name, labels[i].value);
}

static void put_value(struct buf *b, double v)
{
	buf_putc(b, ' ');
	expo_float(b, v);
	buf_putc(b, '\n');
}

void expo_sample(struct buf *b, const char *name, const struct label *labels,
		 size_t n, double value)
{
	put_head(b, name, "", labels, n);
	if (n > 0)
		buf_putc(b, '}');
	put_value(b, value);
}

void expo_samplef(struct buf *b, const char *name, double value, ...)
{
	va_list ap;
	const char *k;
	int first = 1;

	buf_puts(b, name);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		put_label(b, first, k, va_arg(ap, const char *));
		first = 0;
	}
	va_end(ap);
	if (!first)
		buf_putc(b, '}');
	put_value(b, value);
}

/* Appends one _bucket line with le formatted like a value. */
static void put_bucket(struct buf *b, const char *name,
		       const struct label *labels, size_t n, double le,
		       unsigned long long count)
{
	struct buf lev = {0};

	expo_float(&lev, le);
	put_head(b, name, "_bucket", labels, n);
	put_label(b, n == 0, "le", buf_str(&lev));
	buf_putc(b, '}');
	put_value(b, (double)count);
	buf_free(&lev);
}

void expo_histogram(struct buf *b, const char *name, const struct label *labels,
		    size_t n, const struct expo_hist *h)
{
	for (size_t i = 0; i < h->nbuckets; i++)
		put_bucket(b, name, labels, n, h->upper[i], h->counts[i]);
	put_bucket(b, name, labels, n, INFINITY, h->count);
	put_head(b, name, "_sum", labels, n);
	if (n > 0)
		buf_putc(b, '}');
	put_value(b, h->sum);
	put_head(b, name, "_count", labels, n);
	if (n > 0)
		buf_putc(b, '}');
	put_value(b, (double)h->count);
}

/* --------------------------------------------------------------- process */

/* The process figures; a NaN field could not be read. */
struct proc_vals {
	double cpu, max_fds, open_fds, rss, start, vsize, vmax;
};

/* Returns boot time in seconds since the epoch from /proc/stat, or -1. */
static double boot_time(void)
{
	char *s = file_read("/proc/stat", NULL);
	const char *p = s ? strstr(s, "\nbtime ") : NULL;
	double t = p ? strtod(p + 7, NULL) : -1;

	free(s);
	return t;
}

/* Reads CPU time, start time and memory from /proc/self/stat. */
static void read_stat(struct proc_vals *pv)
{
	char *s = file_read("/proc/self/stat", NULL);
	char *p = s ? strrchr(s, ')') : NULL; /* comm may hold ') ' */
	unsigned long long f[22];
	double hz = (double)sysconf(_SC_CLK_TCK), boot = boot_time();
	int i;

	for (i = 0; p && i < 22; i++) { /* f[0] is field 3, state */
		p = strchr(p + 1, ' ');
		if (p)
			f[i] = strtoull(p + 1, NULL, 10);
	}
	free(s);
	if (i < 22 || !p || hz <= 0)
		return;
	pv->cpu = (double)(f[11] + f[12]) / hz;
	pv->vsize = (double)f[20];
	pv->rss = (double)f[21] * (double)sysconf(_SC_PAGESIZE);
	if (boot >= 0)
		pv->start = boot + (double)f[19] / hz;
}

/* Returns the number of open fds (the directory's own one included, as
 * Go's procfs counts it), or NaN. */
static double count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	const struct dirent *e;
	double n = 0;

	if (!d)
		return NAN;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Returns the soft limit of res (RLIM_INFINITY as 2^64-1, as procfs reads
 * "unlimited"), or NaN. */
static double soft_limit(int res)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) == -1)
		return NAN;
	return (double)rl.rlim_cur;
}

int expo_process(struct buf *b)
{
	struct proc_vals pv = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
	/* Sorted by name, as client_golang's gatherer emits families. */
	const struct {
		const char *name, *type, *help;
		const double *v;
	} rows[] = {
		{"process_cpu_seconds_total", "counter",
		 "Total user and system CPU time spent in seconds.", &pv.cpu},
		{"process_max_fds", "gauge",
		 "Maximum number of open file descriptors.", &pv.max_fds},
		{"process_open_fds", "gauge", "Number of open file descriptors.",
		 &pv.open_fds},
		{"process_resident_memory_bytes", "gauge",
		 "Resident memory size in bytes.", &pv.rss},
		{"process_start_time_seconds", "gauge",
		 "Start time of the process since unix epoch in seconds.",
		 &pv.start},
		{"process_virtual_memory_bytes", "gauge",
		 "Virtual memory size in bytes.", &pv.vsize},
		{"process_virtual_memory_max_bytes", "gauge",
		 "Maximum amount of virtual memory available in bytes.",
		 &pv.vmax},
	};
	int written = 0;

	read_stat(&pv);
	pv.open_fds = count_fds();
	pv.max_fds = soft_limit(RLIMIT_NOFILE);
	pv.vmax = soft_limit(RLIMIT_AS);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		if (isnan(*rows[i].v))
			continue;
		expo_family(b, rows[i].name, rows[i].type, rows[i].help);
		expo_sample(b, rows[i].name, NULL, 0, *rows[i].v);
		written++;
	}
	return written;
}
