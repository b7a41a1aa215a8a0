/*
 * fuzz_logfmt.c - libFuzzer target for the log line formats.  The first
 * input byte holds flags, the rest splits at NUL bytes into component,
 * msg, then key/value strings.  Both formats are written; the logfmt line
 * must be one line that a logfmt decoder reads back as the pairs given,
 * and the JSON line must parse with jansson into the same object.  The
 * documented substitutions: invalid UTF-8 bytes read back as U+FFFD,
 * logfmt keys lose the runes it does not allow (a key left empty goes
 * with its value), JSON keeps the last value of equal keys.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXF 64

struct pair {
	char *k, *v; /* expected key and value (v NULL: null) */
};

static void fail(const char *what, const char *line)
{
	fprintf(stderr, "fuzz_logfmt: %s\nline: %s\n", what, line);
	abort();
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t valid_seq(const unsigned char *s, size_t n)
{
	size_t k = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

	return k <= n && utf8_valid((const char *)s, k) ? k : 0;
}

/* Returns s with every invalid byte as U+FFFD; keep_rune filters runes
 * (NULL keeps all).  The caller frees the result. */
static char *clean(const char *s, int (*keep_rune)(const unsigned char *,
						    size_t))
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	struct buf b = {0};

	while (n > 0) {
		size_t k = valid_seq(p, n);

		if (!keep_rune || keep_rune(p, k))
			buf_add(&b, k ? (const void *)p : "\xef\xbf\xbd",
				k ? k : 3);
		if (k == 0)
			k = 1;
		p += k;
		n -= k;
	}
	return buf_take(&b);
}

/* go-logfmt's key filter: k is 0 for an invalid byte. */
static int key_rune(const unsigned char *p, size_t k)
{
	if (k == 0 || p[0] <= ' ' || p[0] == '=' || p[0] == '"')
		return 0;
	return !(k == 3 && memcmp(p, "\xef\xbf\xbd", 3) == 0);
}

/* ------------------------------------------------------------- logfmt */

static void put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | cp >> 6));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (char)(0xe0 | cp >> 12));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* Reads a quoted value at *s into v; returns 0 or -1. */
static int unquote(const char **s, struct buf *v)
{
	const char *p = *s + 1;

	for (;;) {
		char c = *p++;
		unsigned cp;

		if (c == '"')
			break;
		if (c == '\0' || c == '\n')
			return -1;
		if (c != '\\') {
			buf_putc(v, c);
			continue;
		}
		switch (c = *p++) {
		case '"': case '\\': buf_putc(v, c); break;
		case 'n': buf_putc(v, '\n'); break;
		case 'r': buf_putc(v, '\r'); break;
		case 't': buf_putc(v, '\t'); break;
		case 'u': {
			char hex4[5] = {0}, *end;

			memcpy(hex4, p, strnlen(p, 4));
			cp = (unsigned)strtoul(hex4, &end, 16);
			if (end != hex4 + 4)
				return -1;
			put_utf8(v, cp);
			p += 4;
			break;
		}
		default:
			return -1;
		}
	}
	*s = p;
	return 0;
}

/* Decodes one logfmt line into keys and values (a bare null is NULL);
 * returns the number of pairs or -1. */
static int logfmt_decode(const char *s, struct pair *out, size_t max)
{
	size_t n = 0;

	while (*s != '\n') {
		const char *eq = strchr(s, '=');
		struct buf v = {0};

		if (!eq || eq == s || n == max)
			return -1;
		out[n].k = xstrndup(s, (size_t)(eq - s));
		s = eq + 1;
		if (*s == '"') {
			if (unquote(&s, &v) == -1) {
				buf_free(&v);
				free(out[n].k);
				return -1;
			}
			out[n].v = buf_take(&v);
		} else {
			size_t len = strcspn(s, " \n");

			out[n].v = strncmp(s, "null", len) == 0 && len == 4
					   ? NULL
					   : xstrndup(s, len);
			s += len;
		}
		n++;
		if (*s == ' ')
			s++;
		else if (*s != '\n')
			return -1;
	}
	return s[1] == '\0' ? (int)n : -1;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_logfmt(const struct log_record *r, const char *const *f,
			 size_t nf)
{
	struct buf out = {0};
	struct pair got[MAXF + 8];
	size_t w = 0;
	int n;

	log_format_line(&out, LOG_FORMAT_LOGFMT, r);
	if (memchr(out.s, '\n', out.len) != out.s + out.len - 1)
		fail("logfmt: not exactly one line", out.s);
	n = logfmt_decode(out.s, got, ARRAY_LEN(got));
	if (n < 0)
		fail("logfmt: does not decode", out.s);
	for (size_t i = 0; i < nf; i += 2) {
		char *k, *v;

		if (!f[i])
			continue;
		k = clean(f[i], key_rune);
		v = i + 1 < nf ? (f[i + 1] ? clean(f[i + 1], NULL) : NULL)
			       : xstrdup("(MISSING)");
		if (*k && ((int)w >= n || strcmp(got[w].k, k) != 0 ||
			   !same(got[w].v, v)))
			fail("logfmt: pair does not read back", out.s);
		w += *k != '\0';
		free(k);
		free(v);
	}
	if ((int)w != n)
		fail("logfmt: extra pairs", out.s);
	for (int i = 0; i < n; i++) {
		free(got[i].k);
		free(got[i].v);
	}
	buf_free(&out);
}

/* --------------------------------------------------------------- json */

/* Returns 1 when two different keys in f read back equal from JSON. */
static int keys_collide(const char *const *f, size_t nf)
{
	int found = 0;

	for (size_t i = 0; i < nf && !found; i += 2) {
		char *ki = f[i] ? clean(f[i], NULL) : NULL;

		for (size_t j = i + 2; ki && j < nf && !found; j += 2) {
			char *kj;

			if (!f[j] || strcmp(f[i], f[j]) == 0)
				continue;
			kj = clean(f[j], NULL);
			found = strcmp(ki, kj) == 0;
			free(kj);
		}
		free(ki);
	}
	return found;
}

static void check_json(const struct log_record *r, const char *const *f,
		       size_t nf)
{
	struct buf out = {0};
	json_t *obj;
	json_error_t jerr;
	size_t want = 0;

	log_format_line(&out, LOG_FORMAT_JSON, r);
	if (memchr(out.s, '\n', out.len) != out.s + out.len - 1)
		fail("json: not exactly one line", out.s);
	/* Equal keys appear twice only when they differ in invalid bytes. */
	obj = json_loads(out.s, keys_collide(f, nf) ? 0 : JSON_REJECT_DUPLICATES,
			 &jerr);
	if (!obj || !json_is_object(obj))
		fail(jerr.text, out.s);
	/* f[i] is written unless a later pair has the same key; of those
	 * whose keys read back equal, the greatest raw key comes last. */
	for (size_t i = 0; i < nf; i += 2) {
		char *k, *v;
		json_t *got;
		int shown = f[i] != NULL;

		for (size_t j = 0; shown && j < nf; j += 2) {
			char *kj;
			int raw;

			if (!f[j] || j == i)
				continue;
			kj = clean(f[j], NULL);
			k = clean(f[i], NULL);
			raw = strcmp(f[j], f[i]);
			if (strcmp(kj, k) == 0 && (raw > 0 || (raw == 0 && j > i)))
				shown = 0;
			free(kj);
			free(k);
		}
		if (!shown)
			continue;
		want++;
		k = clean(f[i], NULL);
		v = i + 1 < nf ? (f[i + 1] ? clean(f[i + 1], NULL) : NULL)
			       : xstrdup("(MISSING)");
		got = json_object_get(obj, k);
		if (!got || (v ? !json_is_string(got) ||
					 strcmp(json_string_value(got), v) != 0
			       : !json_is_null(got)))
			fail("json: value does not read back", out.s);
		free(k);
		free(v);
	}
	if (json_object_size(obj) != want)
		fail("json: wrong number of keys", out.s);
	json_decref(obj);
	buf_free(&out);
}

/* -------------------------------------------------------------- driver */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p[MAXF], *f[MAXF + 10];
	size_t np = 0, nf = 0;
	char *s;
	struct log_record r = {0, LOG_LEVEL_INFO, "dir/f.c", 1, NULL, NULL,
			       NULL, 0};

	if (size < 1 || size > 4096)
		return 0;
	s = xmalloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	for (size_t i = 0; i < size && np < MAXF; i += strlen(s + i) + 1)
		p[np++] = s + i;
	if (!(data[0] & 1) && np > 0)
		r.component = p[0];
	if (!(data[0] & 2) && np > 1)
		r.msg = p[1];
	if (np > 2) {
		r.kv = p + 2;
		r.n = np - 2;
	}
	if ((data[0] & 4) && r.n > 1)
		p[3] = NULL; /* a NULL value, as log_kvv() allows */
	/* what the formatter is to write, in order */
	f[nf++] = "ts", f[nf++] = "1970-01-01T00:00:00.000Z";
	f[nf++] = "caller", f[nf++] = "f.c:1";
	f[nf++] = "level", f[nf++] = "info";
	if (r.component)
		f[nf++] = "component", f[nf++] = r.component;
	if (r.msg)
		f[nf++] = "msg", f[nf++] = r.msg;
	for (size_t i = 0; i < r.n; i++)
		f[nf++] = r.kv[i];
	check_logfmt(&r, f, nf);
	check_json(&r, f, nf);
	free(s);
	return 0;
}
