/*
 * util.c - allocation, buffers and small string helpers.
 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "tocsin: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!b.s)
		return xstrdup("");
	return buf_take(&b);
}

/* ---------------------------------------------------------------- buffers */

void buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

char *buf_take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

const char *buf_str(const struct buf *b)
{
	return b->s ? b->s : "";
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t k = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

	if (k > n || !utf8_valid((const char *)s, k))
		return 0;
	return k;
}

/*
 * Go's strconv.Quote, except that Go's IsPrint is followed only up to
 * U+00FF: C0, DEL, C1, U+00A0 and U+00AD are escaped, every other valid
 * rune is copied.  Bytes that are not valid UTF-8 print as \xNN, as in Go.
 */
void buf_quote(struct buf *b, const char *s)
{
	static const char esc[] = "\a\b\f\n\r\t\v";
	static const char names[] = "abfnrtv";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	buf_putc(b, '"');
	while (n > 0) {
		const char *e = strchr(esc, *p);
		size_t k = utf8_seq(p, n);

		if (*p == '"' || *p == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)*p);
		} else if (e) {
			buf_putc(b, '\\');
			buf_putc(b, names[e - esc]);
		} else if (k == 0 || *p < 0x20 || *p == 0x7f) {
			buf_printf(b, "\\x%02x", *p);
			k = 1;
		} else if (k == 2 && p[0] == 0xc2 &&
			   (p[1] <= 0xa0 || p[1] == 0xad)) {
			/* U+0080..U+00A0 and U+00AD, not IsPrint in Go */
			buf_printf(b, "\\u%04x", p[1]);
		} else {
			buf_add(b, p, k);
		}
		p += k;
		n -= k;
	}
	buf_putc(b, '"');
}

/* ---------------------------------------------------------------- strings */


uint64_t hash64(const void *p, size_t n, uint64_t seed)
{
	const uint64_t k1 = 0xa0761d6478bd642fULL, k2 = 0xe7037ed1a0b428dbULL,
		       k3 = 0x8ebc6af09c88c6e3ULL, k4 = 0x589965cc75374cc3ULL;
	const unsigned char *s = p;
	uint64_t h = mum64(seed ^ k1, k2), a = 0, b = 0;
	size_t len = n;

	/* Sixteen bytes a multiplication, on two lanes at once while there
	 * are 32.  Both factors depend on the lane's state, so no block can
	 * zero one of them without knowing the seed. */
	if (n > 32) {
		uint64_t g = mum64(seed ^ k3, k4), c, d;

		for (; n > 32; n -= 32, s += 32) {
			memcpy(&a, s, 8);
			memcpy(&b, s + 8, 8);
			memcpy(&c, s + 16, 8);
			memcpy(&d, s + 24, 8);
			h = mum64(a ^ h ^ k1, b ^ h ^ k2);
			g = mum64(c ^ g ^ k3, d ^ g ^ k4);
		}
		h = mum64(h ^ k3, g ^ k4);
	}
	for (; n > 16; n -= 16, s += 16) {
		memcpy(&a, s, 8);
		memcpy(&b, s + 8, 8);
		h = mum64(a ^ h ^ k1, b ^ h ^ k2);
	}
	a = b = 0;
	if (n > 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + 8, n - 8);
	} else if (n) {
		memcpy(&a, s, n);
	}
	h = mum64(a ^ h ^ k1, b ^ h ^ k2);
	return mum64(h ^ (uint64_t)len, k2 ^ seed);
}

int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

int str_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64];

	if (la >= ARRAY_LEN(row) || lb >= ARRAY_LEN(row))
		return 255;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > 255 ? 255 : row[lb];
}

char *file_read(const char *path, size_t *len)
{
	struct buf b = {0};
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		buf_free(&b);
		errno = e ? e : EIO;
		return NULL;
	}
	fclose(f);
	if (len)
		*len = b.len;
	return buf_take(&b);
}

char *path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *path_join(const char *dir, const char *rel)
{
	if (rel[0] == '/' || !dir || !dir[0] || strcmp(dir, ".") == 0)
		return xstrdup(rel);
	return xasprintf("%s/%s", dir, rel);
}

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp, int *bad)
{
	size_t len;
	uint32_t c = s[0], min;

	*bad = 0;
	*cp = c;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else
		goto invalid;
	if (len > n)
		goto invalid;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto invalid;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto invalid;
	*cp = c;
	return len;
invalid:
	*bad = 1;
	*cp = 0xfffd;
	return 1;
}
