/*
 * jsonw.c - Go-compatible JSON writing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jsonw.h"
#include "tmpl_int.h"

void jsonw_str(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	buf_putc(out, '"');
	while (i < n) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80) {
			switch (c) {
			case '"': buf_puts(out, "\\\""); break;
			case '\\': buf_puts(out, "\\\\"); break;
			case '\n': buf_puts(out, "\\n"); break;
			case '\r': buf_puts(out, "\\r"); break;
			case '\t': buf_puts(out, "\\t"); break;
			default:
				if (c < 0x20 || c == '<' || c == '>' ||
				    c == '&') {
					buf_puts(out, "\\u00");
					buf_putc(out, hex[c >> 4]);
					buf_putc(out, hex[c & 15]);
				} else {
					buf_putc(out, (char)c);
				}
			}
			i++;
			continue;
		}
		int bad;

		len = utf8_decode(p + i, n - i, &cp, &bad);
		if (bad) {
			buf_puts(out, "\\ufffd");
			i++;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029)
			buf_printf(out, "\\u%04x", (unsigned)cp);
		else
			buf_add(out, p + i, len);
		i += len;
	}
	buf_putc(out, '"');
}

void jsonw_float(struct buf *out, double v)
{
	double a = fabs(v);
	size_t start = out->len;

	if (isnan(v) || isinf(v)) {
		buf_puts(out, "null");
		return;
	}
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		tmpl_format_float(out, v, 'e', -1);
		/* Go turns e-07 into e-7 here. */
		char *e = memchr(out->s + start, 'e', out->len - start);
		if (e && e[1] == '-' && e[2] == '0' && e + 3 < out->s + out->len) {
			memmove(e + 2, e + 3, (size_t)(out->s + out->len - (e + 3)));
			out->len--;
			out->s[out->len] = '\0';
		}
	} else {
		tmpl_format_float(out, v, 'f', -1);
	}
}

static void time_raw(struct buf *out, int64_t ms, int fixed)
{
	time_t sec = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
	int frac = (int)(ms - (int64_t)sec * 1000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		   tm.tm_sec);
	if (fixed) {
		buf_printf(out, ".%03d", frac);
	} else if (frac) {
		char f[8];
		int len = snprintf(f, sizeof f, ".%03d", frac);

		while (len > 1 && f[len - 1] == '0')
			len--;
		buf_add(out, f, (size_t)len);
	}
	buf_putc(out, 'Z');
}

void jsonw_time_raw(struct buf *out, int64_t ms)
{
	time_raw(out, ms, 0);
}

void jsonw_time_millis(struct buf *out, int64_t ms)
{
	buf_putc(out, '"');
	time_raw(out, ms, 1);
	buf_putc(out, '"');
}

void jsonw_time(struct buf *out, int64_t ms)
{
	buf_putc(out, '"');
	jsonw_time_raw(out, ms);
	buf_putc(out, '"');
}

void jsonw_labels(struct buf *out, const struct labels *l)
{
	buf_putc(out, '{');
	for (size_t i = 0; l && i < l->n; i++) {
		if (i)
			buf_putc(out, ',');
		jsonw_str(out, l->v[i].name);
		buf_putc(out, ':');
		jsonw_str(out, l->v[i].value);
	}
	buf_putc(out, '}');
}

const char *jsonw_go_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER:
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "null";
	}
}
