/*
 * tmpl_fmt.c - Go's fmt (Sprint, Sprintln, Sprintf and the %v of every
 * value) and the parts of strconv it stands on (FormatFloat, Quote,
 * ParseFloat), over template values.  The structure follows Go's
 * fmt/print.go and fmt/format.go so that odd cases (%!d(string=x), zero
 * padding after a sign, +Inf) come out byte for byte the same.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

/* Go's fmt state: one argument's flags plus the output. */
struct pp {
	struct buf *b;
	int minus, plus, sharp, space, zero;
	int plusV, sharpV;
	int wid, prec, widPresent, precPresent;
	int erroring; /* inside %!verb(...): no String() methods */
	size_t limit; /* stop writing once the output passes this */
	int reordered, goodArgNum;
};

static void print_value(struct pp *p, const struct tmpl_value *v, int verb,
			int depth);

static void clear_flags(struct pp *p)
{
	p->minus = p->plus = p->sharp = p->space = p->zero = 0;
	p->plusV = p->sharpV = 0;
	p->wid = p->prec = p->widPresent = p->precPresent = 0;
}

/* --------------------------------------------------------- padding */

static int full(const struct pp *p)
{
	return p->b->len > p->limit;
}

static void write_padding(struct pp *p, int n)
{
	char c = p->zero ? '0' : ' ';

	for (int i = 0; i < n && !full(p); i++)
		buf_putc(p->b, c);
}

/* fmt.pad: width counts runes. */
static void pad(struct pp *p, const char *s, size_t n)
{
	int width;

	if (!p->widPresent || p->wid == 0) {
		buf_add(p->b, s, n);
		return;
	}
	width = p->wid - (int)tmpl_utf8_count(s, n);
	if (!p->minus) {
		write_padding(p, width);
		buf_add(p->b, s, n);
	} else {
		buf_add(p->b, s, n);
		write_padding(p, width);
	}
}

static void pad_str(struct pp *p, const char *s)
{
	pad(p, s, strlen(s));
}

/* ------------------------------------------------------------ quoting */

static const char lowerhex[] = "0123456789abcdef";

static void escaped_rune(struct buf *out, uint32_t r, char quote, int ascii)
{
	static const char esc[] = "\a\b\f\n\r\t\v";
	static const char names[] = "abfnrtv";
	const char *e;

	if (r == (uint32_t)quote || r == '\\') {
		buf_putc(out, '\\');
		buf_putc(out, (char)r);
		return;
	}
	if (ascii ? (r < 0x80 && tmpl_is_print(r)) : tmpl_is_print(r)) {
		tmpl_utf8_put(out, r);
		return;
	}
	if (r > 0 && r < 0x80 && (e = strchr(esc, (int)r))) {
		buf_putc(out, '\\');
		buf_putc(out, names[e - esc]);
		return;
	}
	if (r < ' ' || r == 0x7f) {
		buf_printf(out, "\\x%c%c", lowerhex[r >> 4], lowerhex[r & 0xf]);
	} else if (r < 0x10000) {
		buf_printf(out, "\\u%04x", (unsigned)r);
	} else {
		buf_printf(out, "\\U%08x", (unsigned)r);
	}
}

void tmpl_quote(struct buf *out, const char *s, size_t len, int ascii)
{
	size_t w;

	buf_putc(out, '"');
	for (size_t i = 0; i < len; i += w) {
		uint32_t r = tmpl_utf8_decode(s + i, len - i, &w);

		if (w == 1 && r == 0xFFFD) {
			unsigned char c = (unsigned char)s[i];

			buf_printf(out, "\\x%c%c", lowerhex[c >> 4],
				   lowerhex[c & 0xf]);
			continue;
		}
		escaped_rune(out, r, '"', ascii);
	}
	buf_putc(out, '"');
}

static void quote_rune(struct buf *out, uint32_t r, int ascii)
{
	if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = 0xFFFD;
	buf_putc(out, '\'');
	escaped_rune(out, r, '\'', ascii);
	buf_putc(out, '\'');
}

void tmpl_rune_desc(struct buf *out, uint32_t r)
{
	buf_printf(out, "U+%04X", (unsigned)r);
	if (tmpl_is_print(r)) {
		buf_puts(out, " '");
		tmpl_utf8_put(out, r);
		buf_putc(out, '\'');
	}
}

void tmpl_query_escape(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			buf_putc(out, (char)c);
		else if (c == ' ')
			buf_putc(out, '+');
		else
			buf_printf(out, "%%%02X", c);
	}
}

/* ------------------------------------------------- strconv.FormatFloat */

/* Decimal digits of a positive finite double: d[0..nd) and the decimal
 * point position dp, as strconv's decimalSlice. */
struct decimal {
	char d[40];
	int nd, dp;
};

/* Reads "%.*e" output into a decimal. */
static void decimal_from_e(struct decimal *dec, const char *s)
{
	const char *e = strchr(s, 'e');

	dec->nd = 0;
	for (const char *p = s; p < e; p++)
		if (*p >= '0' && *p <= '9' && dec->nd < (int)sizeof(dec->d))
			dec->d[dec->nd++] = *p;
	dec->dp = (int)strtol(e + 1, NULL, 10) + 1;
	while (dec->nd > 0 && dec->d[dec->nd - 1] == '0')
		dec->nd--;
}

static int decimal_roundtrips(const struct decimal *dec, double v)
{
	char s[64];

	snprintf(s, sizeof(s), "0.%.*se%d", dec->nd, dec->d, dec->dp);
	return strtod(s, NULL) == v;
}

/* Adds delta (+1 or -1) to the last of n digits.  Returns 0 when the
 * result has no digits left (went to zero). */
static int decimal_step(struct decimal *dec, int n, int delta)
{
	int i = n - 1;

	dec->nd = n;
	if (delta > 0) {
		while (i >= 0 && dec->d[i] == '9')
			dec->d[i--] = '0';
		if (i < 0) {
			memmove(dec->d + 1, dec->d, (size_t)n);
			dec->d[0] = '1';
			dec->dp++;
		} else {
			dec->d[i]++;
		}
	} else {
		while (i >= 0 && dec->d[i] == '0')
			dec->d[i--] = '9';
		if (i < 0)
			return 0;
		dec->d[i]--;
	}
	while (dec->nd > 0 && dec->d[dec->nd - 1] == '0')
		dec->nd--;
	while (dec->nd > 0 && dec->d[0] == '0') {
		memmove(dec->d, dec->d + 1, (size_t)--dec->nd);
		dec->dp--;
	}
	return dec->nd > 0;
}

/*
 * The shortest digits that read back as v (v > 0, finite), closest to v
 * among equally short ones: what strconv's shortest mode produces.  The
 * correctly rounded n-digit form is tried first; when it misses, its two
 * n-digit neighbours are, for the rare asymmetric intervals at powers of 2.
 */
static void shortest(double v, struct decimal *dec)
{
	char s[64];

	for (int n = 1; n <= 17; n++) {
		struct decimal up, down;

		snprintf(s, sizeof(s), "%.*e", n - 1, v);
		decimal_from_e(dec, s);
		if (decimal_roundtrips(dec, v))
			return;
		up = down = *dec;
		memset(up.d + up.nd, '0', sizeof(up.d) - (size_t)up.nd);
		memset(down.d + down.nd, '0', sizeof(down.d) - (size_t)down.nd);
		if (decimal_step(&up, n, 1) && decimal_roundtrips(&up, v)) {
			*dec = up;
			return;
		}
		if (decimal_step(&down, n, -1) &&
		    decimal_roundtrips(&down, v)) {
			*dec = down;
			return;
		}
	}
	snprintf(s, sizeof(s), "%.16e", v);
	decimal_from_e(dec, s);
}

static void fmt_e(struct buf *out, const struct decimal *d, int prec, char e)
{
	int exp = d->nd == 0 ? 0 : d->dp - 1;

	buf_putc(out, d->nd ? d->d[0] : '0');
	if (prec > 0) {
		buf_putc(out, '.');
		for (int i = 1; i <= prec; i++)
			buf_putc(out, i < d->nd ? d->d[i] : '0');
	}
	buf_putc(out, e);
	buf_putc(out, exp < 0 ? '-' : '+');
	if (exp < 0)
		exp = -exp;
	buf_printf(out, "%02d", exp);
}

static void fmt_f(struct buf *out, const struct decimal *d, int prec)
{
	if (d->dp > 0) {
		for (int i = 0; i < d->dp; i++)
			buf_putc(out, i < d->nd ? d->d[i] : '0');
	} else {
		buf_putc(out, '0');
	}
	if (prec > 0) {
		buf_putc(out, '.');
		for (int i = 1; i <= prec; i++) {
			int j = d->dp + i - 1;

			buf_putc(out, j >= 0 && j < d->nd ? d->d[j] : '0');
		}
	}
}

/* strconv's 'b' format: mantissa "p" binary exponent. */
static void fmt_b(struct buf *out, double v)
{
	uint64_t bits;
	int64_t exp;
	uint64_t mant;

	memcpy(&bits, &v, sizeof(bits));
	if (bits >> 63)
		buf_putc(out, '-');
	exp = (int64_t)((bits >> 52) & 0x7ff);
	mant = bits & ((1ULL << 52) - 1);
	if (exp == 0)
		exp++;
	else
		mant |= 1ULL << 52;
	exp -= 1023 + 52;
	buf_printf(out, "%llup%c%lld", (unsigned long long)mant,
		   exp < 0 ? '-' : '+', (long long)(exp < 0 ? -exp : exp));
}

/* strconv's 'x' format, from C's %a with the exponent widened to two
 * digits as Go writes it. */
static void fmt_x(struct buf *out, double v, int prec, char verb)
{
	char s[64], *p;

	if (prec < 0)
		snprintf(s, sizeof(s), verb == 'X' ? "%A" : "%a", v);
	else
		snprintf(s, sizeof(s), verb == 'X' ? "%.*A" : "%.*a",
			 prec > 30 ? 30 : prec, v);
	p = strpbrk(s, "pP");
	if (!p) {
		buf_puts(out, s);
		return;
	}
	buf_add(out, s, (size_t)(p - s) + 2); /* through the sign */
	if (strlen(p + 2) < 2)
		buf_putc(out, '0');
	buf_puts(out, p + 2);
}

void tmpl_format_float(struct buf *out, double v, char verb, int prec)
{
	struct decimal d;
	int neg = signbit(v) != 0;
	double a = fabs(v);

	if (isnan(v)) {
		buf_puts(out, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(out, neg ? "-Inf" : "+Inf");
		return;
	}
	if (verb == 'b') {
		fmt_b(out, v);
		return;
	}
	if (verb == 'x' || verb == 'X') {
		fmt_x(out, v, prec, verb);
		return;
	}
	if (prec >= 0) {
		/* C's correctly rounded %e, %f and %g print as Go's do. */
		if (prec > 1000)
			prec = 1000;
		switch (verb) {
		case 'e':
			buf_printf(out, "%.*e", prec, v);
			break;
		case 'E':
			buf_printf(out, "%.*E", prec, v);
			break;
		case 'f':
			buf_printf(out, "%.*f", prec, v);
			break;
		case 'G':
			buf_printf(out, "%.*G", prec, v);
			break;
		default:
			buf_printf(out, "%.*g", prec, v);
		}
		return;
	}
	/* Shortest form, as strconv.FormatFloat(v, verb, -1, 64). */
	if (a == 0) {
		d.nd = 0;
		d.dp = 0;
	} else {
		shortest(a, &d);
	}
	if (neg)
		buf_putc(out, '-');
	switch (verb) {
	case 'e':
	case 'E':
		fmt_e(out, &d, d.nd > 1 ? d.nd - 1 : 0, verb);
		break;
	case 'f':
		fmt_f(out, &d, d.nd > d.dp ? d.nd - d.dp : 0);
		break;
	default: { /* g, G: %e when exp < -4 || exp >= 6 (shortest) */
		int exp = d.dp - 1;

		if (d.nd == 0)
			exp = -1; /* zero prints as %f */
		if (exp < -4 || exp >= 6)
			fmt_e(out, &d, d.nd > 1 ? d.nd - 1 : 0,
			      verb == 'G' ? 'E' : 'e');
		else
			fmt_f(out, &d, d.nd > d.dp ? d.nd - d.dp : 0);
	}
	}
}

/* ----------------------------------------------------- strconv.ParseFloat */

static int lower(int c)
{
	return c | 0x20;
}

/* Go's underscoreOK: underscores only between digits (or after a base
 * prefix). */
static int underscore_ok(const char *s, size_t n)
{
	char saw = '^';
	size_t i = 0;
	int hex = 0;

	if (n >= 1 && (s[0] == '-' || s[0] == '+'))
		s++, n--;
	if (n >= 2 && s[0] == '0' &&
	    (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		if ((s[i] >= '0' && s[i] <= '9') ||
		    (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return 0;
		saw = '!';
	}
	return saw != '_';
}

static size_t prefix_ci(const char *s, size_t n, const char *word)
{
	size_t i = 0;

	while (i < n && word[i] && lower((unsigned char)s[i]) == word[i])
		i++;
	return i;
}

/* Checks Go's float syntax; returns 1 when s is a number (not inf/nan). */
static int float_syntax(const char *s, size_t n)
{
	size_t i = 0;
	int hex = 0, digits = 0, underscores = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i + 2 < n && s[i] == '0' && lower(s[i + 1]) == 'x') {
		hex = 1;
		i += 2;
	}
	for (int dot = 0; i < n; i++) {
		char c = s[i];

		if (c == '_') {
			underscores = 1;
		} else if (c == '.') {
			if (dot)
				break;
			dot = 1;
		} else if ((c >= '0' && c <= '9') ||
			   (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
			digits = 1;
		} else {
			break;
		}
	}
	if (!digits)
		return 0;
	if (i < n && lower(s[i]) == (hex ? 'p' : 'e')) {
		int expdigits = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_');
		     i++) {
			if (s[i] == '_')
				underscores = 1;
			else
				expdigits = 1;
		}
		if (!expdigits)
			return 0;
	} else if (hex) {
		return 0; /* a hex mantissa needs a 'p' exponent */
	}
	if (i != n)
		return 0;
	return !underscores || underscore_ok(s, n);
}

int tmpl_parse_float(const char *s, size_t n, double *v, struct buf *err)
{
	size_t i = 0, k;
	int sign = 1;
	char *copy, *q;

	if (n && (s[0] == '+' || s[0] == '-'))
		sign = s[0] == '-' ? -1 : 1, i = 1;
	k = prefix_ci(s + i, n - i, "infinity");
	if ((k == 3 || k == 8) && i + k == n) {
		*v = sign * HUGE_VAL;
		return 0;
	}
	if (i == 0 && n == 3 && prefix_ci(s, n, "nan") == 3) {
		*v = NAN;
		return 0;
	}
	if (!float_syntax(s, n)) {
		buf_puts(err, "strconv.ParseFloat: parsing ");
		tmpl_quote(err, s, n, 0);
		buf_puts(err, ": invalid syntax");
		return -1;
	}
	copy = xmalloc(n + 1);
	q = copy;
	for (size_t j = 0; j < n; j++)
		if (s[j] != '_')
			*q++ = s[j];
	*q = '\0';
	errno = 0;
	*v = strtod(copy, NULL);
	free(copy);
	if (errno == ERANGE && isinf(*v)) {
		buf_puts(err, "strconv.ParseFloat: parsing ");
		tmpl_quote(err, s, n, 0);
		buf_puts(err, ": value out of range");
		return -1;
	}
	return 0;
}

int64_t tmpl_f2i(double v)
{
	if (!(v > -9223372036854775808.0 - 1) || v >= 9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

/* ------------------------------------------------------------ integers */

static void fmt_integer(struct pp *p, uint64_t u, int base, int is_signed,
			int verb, const char *digits)
{
	int negative = is_signed && (int64_t)u < 0;
	char tmp[80], *buf = tmp;
	size_t size = sizeof(tmp), i;
	int prec = 0, old_zero;

	if (negative)
		u = -u;
	if (p->widPresent || p->precPresent) {
		size_t width = 3 + (size_t)p->wid + (size_t)p->prec;

		if (width > size) {
			size = width;
			buf = xmalloc(size);
		}
	}
	if (p->precPresent) {
		prec = p->prec;
		if (prec == 0 && u == 0) {
			old_zero = p->zero;
			p->zero = 0;
			write_padding(p, p->wid);
			p->zero = old_zero;
			goto out;
		}
	} else if (p->zero && p->widPresent) {
		prec = p->wid;
		if (negative || p->plus || p->space)
			prec--;
	}
	i = size;
	while (u >= (uint64_t)base) {
		buf[--i] = digits[u % (uint64_t)base];
		u /= (uint64_t)base;
	}
	buf[--i] = digits[u];
	while (i > 0 && prec > (int)(size - i))
		buf[--i] = '0';
	if (p->sharp) {
		if (base == 2) {
			buf[--i] = 'b';
			buf[--i] = '0';
		} else if (base == 8 && buf[i] != '0') {
			buf[--i] = '0';
		} else if (base == 16) {
			buf[--i] = digits[16];
			buf[--i] = '0';
		}
	}
	if (verb == 'O') {
		buf[--i] = 'o';
		buf[--i] = '0';
	}
	if (negative)
		buf[--i] = '-';
	else if (p->plus)
		buf[--i] = '+';
	else if (p->space)
		buf[--i] = ' ';
	old_zero = p->zero;
	p->zero = 0;
	pad(p, buf + i, size - i);
	p->zero = old_zero;
out:
	if (buf != tmp)
		free(buf);
}

static void bad_verb(struct pp *p, int verb, const struct tmpl_value *v);

static void fmt_int(struct pp *p, const struct tmpl_value *v, int verb)
{
	static const char ldigits[] = "0123456789abcdefx";
	static const char udigits[] = "0123456789ABCDEFX";
	uint64_t u = (uint64_t)v->u.i;
	int is_signed = v->cls != &tmpl_uint8_class;
	struct buf s = {0};

	switch (verb) {
	case 'v':
	case 'd':
		fmt_integer(p, u, 10, is_signed, verb, ldigits);
		break;
	case 'b':
		fmt_integer(p, u, 2, is_signed, verb, ldigits);
		break;
	case 'o':
	case 'O':
		fmt_integer(p, u, 8, is_signed, verb, ldigits);
		break;
	case 'x':
		fmt_integer(p, u, 16, is_signed, verb, ldigits);
		break;
	case 'X':
		fmt_integer(p, u, 16, is_signed, verb, udigits);
		break;
	case 'c':
		tmpl_utf8_put(&s, u > 0x10FFFF ? 0xFFFD : (uint32_t)u);
		pad(p, s.s, s.len);
		break;
	case 'q':
		quote_rune(&s, u > 0x10FFFF ? 0xFFFD : (uint32_t)u, p->plus);
		pad(p, s.s, s.len);
		break;
	case 'U': {
		int old_zero = p->zero;

		buf_printf(&s, "U+%0*llX",
			   p->precPresent && p->prec > 4 && p->prec < 100
			       ? p->prec
			       : 4,
			   (unsigned long long)u);
		if (p->sharp && u <= 0x10FFFF && tmpl_is_print((uint32_t)u)) {
			buf_puts(&s, " '");
			tmpl_utf8_put(&s, (uint32_t)u);
			buf_putc(&s, '\'');
		}
		p->zero = 0;
		pad(p, s.s, s.len);
		p->zero = old_zero;
		break;
	}
	default:
		bad_verb(p, verb, v);
	}
	buf_free(&s);
}

/* -------------------------------------------------------------- floats */

/* Go's fmt.fmtFloat: sign, Inf/NaN, zero padding and '#' handling around
 * strconv's digits. */
static void fmt_float_prec(struct pp *p, double v, int verb, int prec)
{
	struct buf num = {0};
	char *n;
	size_t len;
	int old_zero;

	if (p->precPresent)
		prec = p->prec;
	buf_putc(&num, '+');
	tmpl_format_float(&num, v, (char)verb, prec);
	n = num.s;
	len = num.len;
	if (n[1] == '-' || n[1] == '+') {
		n++;
		len--;
	}
	if (p->space && n[0] == '+' && !p->plus)
		n[0] = ' ';
	if (n[1] == 'I' || n[1] == 'N') {
		old_zero = p->zero;
		p->zero = 0;
		if (n[1] == 'N' && !p->space && !p->plus) {
			n++;
			len--;
		}
		pad(p, n, len);
		p->zero = old_zero;
		goto out;
	}
	if (p->sharp && verb != 'b') {
		struct buf t = {0}, tail = {0};
		int digits = 0, has_point = 0, nonzero = 0;
		size_t i, end = len;

		if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x')
			digits = prec == -1 ? 6 : prec;
		for (i = 1; i < end; i++) {
			char c = n[i];

			if (c == '.') {
				has_point = 1;
			} else if (c == 'p' || c == 'P' ||
				   ((c == 'e' || c == 'E') && verb != 'x' &&
				    verb != 'X')) {
				buf_add(&tail, n + i, end - i);
				end = i;
			} else {
				if (c != '0')
					nonzero = 1;
				if (nonzero)
					digits--;
			}
		}
		buf_add(&t, n, end);
		if (!has_point) {
			if (end == 2 && n[1] == '0')
				digits--;
			buf_putc(&t, '.');
		}
		for (; digits > 0; digits--)
			buf_putc(&t, '0');
		buf_add(&t, tail.s, tail.len);
		buf_free(&tail);
		buf_free(&num);
		num = t;
		n = num.s;
		len = num.len;
	}
	if (p->plus || n[0] != '+') {
		if (p->zero && p->widPresent && p->wid > (int)len) {
			buf_putc(p->b, n[0]);
			write_padding(p, p->wid - (int)len);
			buf_add(p->b, n + 1, len - 1);
			goto out;
		}
		pad(p, n, len);
		goto out;
	}
	pad(p, n + 1, len - 1);
out:
	buf_free(&num);
}

static void fmt_float(struct pp *p, const struct tmpl_value *v, int verb)
{
	switch (verb) {
	case 'v':
		fmt_float_prec(p, v->u.f, 'g', -1);
		break;
	case 'b':
	case 'g':
	case 'G':
	case 'x':
	case 'X':
		fmt_float_prec(p, v->u.f, verb, -1);
		break;
	case 'f':
	case 'F':
		fmt_float_prec(p, v->u.f, 'f', 6);
		break;
	case 'e':
	case 'E':
		fmt_float_prec(p, v->u.f, verb, 6);
		break;
	default:
		bad_verb(p, verb, v);
	}
}

/* ------------------------------------------------------------- strings */

/* Truncates to the precision, counted in runes. */
static size_t truncated(const struct pp *p, const char *s, size_t n)
{
	size_t i = 0, w;

	if (!p->precPresent)
		return n;
	for (int k = 0; k < p->prec && i < n; k++) {
		tmpl_utf8_decode(s + i, n - i, &w);
		i += w;
	}
	return i;
}

static int can_backquote(const char *s, size_t n)
{
	size_t w;

	for (size_t i = 0; i < n; i += w) {
		uint32_t r = tmpl_utf8_decode(s + i, n - i, &w);

		if (w == 1 && r == 0xFFFD)
			return 0;
		if (r == '`' || r == 0xFEFF || (r < ' ' && r != '\t') ||
		    r == 0x7f)
			return 0;
	}
	return 1;
}

static void fmt_sx(struct pp *p, const char *s, size_t n, const char *digits)
{
	size_t length = n;
	int width;

	if (p->precPresent && (size_t)p->prec < length)
		length = (size_t)p->prec;
	width = 2 * (int)length;
	if (width > 0) {
		if (p->space) {
			if (p->sharp)
				width *= 2;
			width += (int)length - 1;
		} else if (p->sharp) {
			width += 2;
		}
	} else {
		if (p->widPresent)
			write_padding(p, p->wid);
		return;
	}
	if (p->widPresent && p->wid > width && !p->minus)
		write_padding(p, p->wid - width);
	if (p->sharp) {
		buf_putc(p->b, '0');
		buf_putc(p->b, digits[16]);
	}
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)s[i];

		if (p->space && i > 0) {
			buf_putc(p->b, ' ');
			if (p->sharp) {
				buf_putc(p->b, '0');
				buf_putc(p->b, digits[16]);
			}
		}
		buf_putc(p->b, digits[c >> 4]);
		buf_putc(p->b, digits[c & 0xf]);
	}
	if (p->widPresent && p->wid > width && p->minus)
		write_padding(p, p->wid - width);
}

static void fmt_q(struct pp *p, const char *s, size_t n)
{
	struct buf q = {0};

	n = truncated(p, s, n);
	if (p->sharp && can_backquote(s, n)) {
		buf_putc(&q, '`');
		buf_add(&q, s, n);
		buf_putc(&q, '`');
	} else {
		tmpl_quote(&q, s, n, p->plus);
	}
	pad(p, q.s, q.len);
	buf_free(&q);
}

static void fmt_string(struct pp *p, const char *s, size_t n, int verb,
		       const struct tmpl_value *v)
{
	switch (verb) {
	case 'v':
		if (p->sharpV)
			fmt_q(p, s, n);
		else
			pad(p, s, truncated(p, s, n));
		break;
	case 's':
		pad(p, s, truncated(p, s, n));
		break;
	case 'x':
		fmt_sx(p, s, n, "0123456789abcdefx");
		break;
	case 'X':
		fmt_sx(p, s, n, "0123456789ABCDEFX");
		break;
	case 'q':
		fmt_q(p, s, n);
		break;
	default:
		bad_verb(p, verb, v);
	}
}

/* -------------------------------------------------------------- values */

static void bad_verb(struct pp *p, int verb, const struct tmpl_value *v)
{
	p->erroring = 1;
	buf_puts(p->b, "%!");
	tmpl_utf8_put(p->b, (uint32_t)verb);
	buf_putc(p->b, '(');
	if (v && v->kind != TMPL_NIL) {
		buf_puts(p->b, tmpl_type_name(v));
		buf_putc(p->b, '=');
		print_value(p, v, 'v', 0);
	} else {
		buf_puts(p->b, "<nil>");
	}
	buf_putc(p->b, ')');
	p->erroring = 0;
}

/* A Stringer's String() for the verbs Go hands it to. */
static int handle_methods(struct pp *p, const struct tmpl_value *v, int verb)
{
	struct buf s = {0};

	if (p->erroring || !v->cls)
		return 0;
	if (p->sharpV) {
		if (!v->cls->gostring)
			return 0;
		v->cls->gostring(v, &s);
		buf_add(p->b, buf_str(&s), s.len);
		buf_free(&s);
		return 1;
	}
	if (!v->cls->print)
		return 0;
	if (verb != 'v' && verb != 's' && verb != 'x' && verb != 'X' &&
	    verb != 'q')
		return 0;
	v->cls->print(v, &s);
	fmt_string(p, buf_str(&s), s.len, verb, v);
	buf_free(&s);
	return 1;
}

static void print_list(struct pp *p, const struct tmpl_value *v, int verb,
		       int depth)
{
	if (p->sharpV) {
		buf_puts(p->b, tmpl_type_name(v));
		buf_putc(p->b, '{');
	} else {
		buf_putc(p->b, '[');
	}
	for (size_t i = 0; i < v->u.list.n && !full(p); i++) {
		if (i > 0)
			buf_puts(p->b, p->sharpV ? ", " : " ");
		print_value(p, v->u.list.v[i], verb, depth + 1);
	}
	buf_putc(p->b, p->sharpV ? '}' : ']');
}

static void print_map(struct pp *p, const struct tmpl_value *v, int verb,
		      int depth)
{
	if (p->sharpV) {
		buf_puts(p->b, tmpl_type_name(v));
		buf_putc(p->b, '{');
	} else {
		buf_puts(p->b, "map[");
	}
	for (size_t i = 0; i < v->u.map.n && !full(p); i++) {
		const struct tmpl_pair *e = &v->u.map.v[i];
		struct tmpl_value key = {.kind = TMPL_STRING};

		if (i > 0)
			buf_puts(p->b, p->sharpV ? ", " : " ");
		key.u.str.s = e->key;
		key.u.str.len = strlen(e->key);
		print_value(p, &key, verb, depth + 1);
		buf_putc(p->b, ':');
		print_value(p, e->value, verb, depth + 1);
	}
	buf_putc(p->b, p->sharpV ? '}' : ']');
}

static void print_object(struct pp *p, const struct tmpl_value *v, int verb,
			 int depth)
{
	if (v->cls && v->cls->is_ptr)
		buf_putc(p->b, '&');
	if (p->sharpV)
		buf_puts(p->b, v->cls && v->cls->is_ptr ? v->cls->type + 1
							: tmpl_type_name(v));
	buf_putc(p->b, '{');
	for (size_t i = 0; i < v->u.obj.n; i++) {
		if (i > 0)
			buf_puts(p->b, p->sharpV ? ", " : " ");
		if (p->plusV || p->sharpV) {
			buf_puts(p->b, v->u.obj.v[i].name);
			buf_putc(p->b, ':');
		}
		print_value(p, v->u.obj.v[i].value, verb, depth + 1);
	}
	buf_putc(p->b, '}');
}

static void print_value(struct pp *p, const struct tmpl_value *v, int verb,
			int depth)
{
	if (handle_methods(p, v, verb))
		return;
	switch (v->kind) {
	case TMPL_NIL:
		if (depth == 0 && verb != 'v')
			bad_verb(p, verb, v);
		else if (depth == 0)
			pad_str(p, "<nil>");
		else if (p->sharpV)
			buf_puts(p->b, "interface {}(nil)");
		else
			buf_puts(p->b, "<nil>");
		break;
	case TMPL_BOOL:
		if (verb == 't' || verb == 'v')
			pad_str(p, v->u.b ? "true" : "false");
		else
			bad_verb(p, verb, v);
		break;
	case TMPL_INT:
		fmt_int(p, v, verb);
		break;
	case TMPL_FLOAT:
		fmt_float(p, v, verb);
		break;
	case TMPL_STRING:
		fmt_string(p, v->u.str.s, v->u.str.len, verb, v);
		break;
	case TMPL_LIST:
		print_list(p, v, verb, depth);
		break;
	case TMPL_MAP:
		print_map(p, v, verb, depth);
		break;
	case TMPL_OBJECT:
		print_object(p, v, verb, depth);
		break;
	}
}

/* Go's printArg: %T and %p first, then the value. */
static void print_arg(struct pp *p, const struct tmpl_value *v, int verb)
{
	if (verb == 'T') {
		pad_str(p, tmpl_type_name(v));
		return;
	}
	if (verb == 'p') {
		if (v->kind == TMPL_LIST || v->kind == TMPL_MAP ||
		    (v->kind == TMPL_OBJECT && v->cls && v->cls->is_ptr)) {
			char s[32];

			snprintf(s, sizeof(s), "%p", (const void *)v);
			pad_str(p, s);
		} else {
			bad_verb(p, verb, v);
		}
		return;
	}
	print_value(p, v, verb, 0);
}

static int is_string(const struct tmpl_value *v)
{
	return v->kind == TMPL_STRING;
}

void tmpl_sprint(struct buf *out, size_t limit, struct tmpl_value *const *v,
		 size_t n)
{
	struct pp p = {.b = out, .limit = limit};
	int prev_string = 0;

	for (size_t i = 0; i < n && !full(&p); i++) {
		int s = is_string(v[i]);

		if (i > 0 && !s && !prev_string)
			buf_putc(out, ' ');
		clear_flags(&p);
		print_arg(&p, v[i], 'v');
		prev_string = s;
	}
}

void tmpl_sprintln(struct buf *out, size_t limit, struct tmpl_value *const *v,
		   size_t n)
{
	struct pp p = {.b = out, .limit = limit};

	for (size_t i = 0; i < n && !full(&p); i++) {
		if (i > 0)
			buf_putc(out, ' ');
		clear_flags(&p);
		print_arg(&p, v[i], 'v');
	}
	buf_putc(out, '\n');
}

void tmpl_print(struct buf *out, const struct tmpl_value *v)
{
	struct pp p = {.b = out, .limit = SIZE_MAX};

	print_arg(&p, v, 'v');
}

/* ------------------------------------------------------------- Sprintf */

/* Go's parsenum: a number too large ends the whole format. */
static int parsenum(const char *s, size_t start, size_t end, int *num,
		    size_t *newi)
{
	int isnum = 0;
	size_t i;

	*num = 0;
	for (i = start; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
		if (*num > 1000000 || *num < -1000000) {
			*num = 0;
			*newi = end;
			return 0;
		}
		*num = *num * 10 + (s[i] - '0');
		isnum = 1;
	}
	*newi = i;
	return isnum;
}

static int arg_number(struct pp *p, int argnum, const char *f, size_t *i,
		      size_t end, size_t nargs, int *found)
{
	size_t j;

	*found = 0;
	if (*i >= end || f[*i] != '[')
		return argnum;
	p->reordered = 1;
	if (end - *i < 3) {
		(*i)++;
		p->goodArgNum = 0;
		return argnum;
	}
	for (j = *i + 1; j < end; j++) {
		if (f[j] == ']') {
			int width;
			size_t newi;
			int ok = parsenum(f, *i + 1, j, &width, &newi);

			*i = j + 1;
			if (!ok || newi != j) {
				p->goodArgNum = 0;
				return argnum;
			}
			*found = 1;
			if (width - 1 >= 0 && (size_t)(width - 1) < nargs)
				return width - 1;
			p->goodArgNum = 0;
			return argnum;
		}
	}
	(*i)++;
	p->goodArgNum = 0;
	return argnum;
}

static int int_from_arg(struct tmpl_value *const *a, size_t n, int *argnum,
			int *num)
{
	int ok = 0;

	*num = 0;
	if ((size_t)*argnum < n) {
		const struct tmpl_value *v = a[*argnum];

		if (v->kind == TMPL_INT && v->u.i >= INT32_MIN &&
		    v->u.i <= INT32_MAX) {
			*num = (int)v->u.i;
			ok = 1;
		}
		(*argnum)++;
		if (*num > 1000000 || *num < -1000000) {
			*num = 0;
			ok = 0;
		}
	}
	return ok;
}

void tmpl_sprintf(struct buf *out, size_t limit, const char *f, size_t end,
		  struct tmpl_value *const *a, size_t n)
{
	struct pp p = {.b = out, .limit = limit};
	int argnum = 0, after_index = 0;
	size_t i = 0;

	while (i < end && !full(&p)) {
		size_t lasti = i, w;
		uint32_t verb;
		int c;

		p.goodArgNum = 1;
		while (i < end && f[i] != '%')
			i++;
		if (i > lasti)
			buf_add(out, f + lasti, i - lasti);
		if (i >= end)
			break;
		i++;
		clear_flags(&p);
		for (; i < end; i++) {
			c = (unsigned char)f[i];
			if (c == '#') {
				p.sharp = 1;
			} else if (c == '0') {
				p.zero = !p.minus;
			} else if (c == '+') {
				p.plus = 1;
			} else if (c == '-') {
				p.minus = 1;
				p.zero = 0;
			} else if (c == ' ') {
				p.space = 1;
			} else {
				break;
			}
		}
		if (i < end && f[i] >= 'a' && f[i] <= 'z' &&
		    (size_t)argnum < n) {
			/* The common case: flags and a lower-case verb. */
			c = (unsigned char)f[i];
			if (c == 'v') {
				p.sharpV = p.sharp;
				p.sharp = 0;
				p.plusV = p.plus;
				p.plus = 0;
			}
			print_arg(&p, a[argnum++], c);
			i++;
			continue;
		}
		argnum = arg_number(&p, argnum, f, &i, end, n, &after_index);
		if (i < end && f[i] == '*') {
			i++;
			p.widPresent = int_from_arg(a, n, &argnum, &p.wid);
			if (!p.widPresent)
				buf_puts(out, "%!(BADWIDTH)");
			if (p.wid < 0) {
				p.wid = -p.wid;
				p.minus = 1;
				p.zero = 0;
			}
			after_index = 0;
		} else {
			p.widPresent = parsenum(f, i, end, &p.wid, &i);
			if (after_index && p.widPresent)
				p.goodArgNum = 0;
		}
		if (i + 1 < end && f[i] == '.') {
			i++;
			if (after_index)
				p.goodArgNum = 0;
			argnum =
			    arg_number(&p, argnum, f, &i, end, n, &after_index);
			if (i < end && f[i] == '*') {
				i++;
				p.precPresent =
				    int_from_arg(a, n, &argnum, &p.prec);
				if (p.prec < 0) {
					p.prec = 0;
					p.precPresent = 0;
				}
				if (!p.precPresent)
					buf_puts(out, "%!(BADPREC)");
				after_index = 0;
			} else {
				p.precPresent =
				    parsenum(f, i, end, &p.prec, &i);
				if (!p.precPresent) {
					p.prec = 0;
					p.precPresent = 1;
				}
			}
		}
		if (!after_index)
			argnum =
			    arg_number(&p, argnum, f, &i, end, n, &after_index);
		if (i >= end) {
			buf_puts(out, "%!(NOVERB)");
			break;
		}
		verb = tmpl_utf8_decode(f + i, end - i, &w);
		i += w;
		if (verb == '%') {
			buf_putc(out, '%');
		} else if (!p.goodArgNum) {
			buf_puts(out, "%!");
			tmpl_utf8_put(out, verb);
			buf_puts(out, "(BADINDEX)");
		} else if ((size_t)argnum >= n) {
			buf_puts(out, "%!");
			tmpl_utf8_put(out, verb);
			buf_puts(out, "(MISSING)");
		} else {
			if (verb == 'v') {
				p.sharpV = p.sharp;
				p.sharp = 0;
				p.plusV = p.plus;
				p.plus = 0;
			}
			print_arg(&p, a[argnum++], (int)verb);
		}
	}
	if (!p.reordered && (size_t)argnum < n) {
		clear_flags(&p);
		buf_puts(out, "%!(EXTRA ");
		for (size_t k = (size_t)argnum; k < n; k++) {
			if (k > (size_t)argnum)
				buf_puts(out, ", ");
			if (a[k]->kind == TMPL_NIL) {
				buf_puts(out, "<nil>");
			} else {
				buf_puts(out, tmpl_type_name(a[k]));
				buf_putc(out, '=');
				print_arg(&p, a[k], 'v');
			}
		}
		buf_putc(out, ')');
	}
}
