/*
 * fuzz_promapi.c - libFuzzer target for the query API client's parsers.
 *
 * Input: an optional first line "<3-digit status> [content type]\n", then
 * the response body; without that line the whole input is a body answered
 * with 200 and no Content-Type (so the corpus samples are seeds as they
 * are).  The body goes through promapi_parse() and the write-callback
 * helper; its text also through the value parser, the form escape and the
 * URL builder.  Invariants checked on every input:
 *   - parse: success leaves err empty and a well-formed result (a scalar is
 *     one sample without labels); failure says why and leaves r empty; a
 *     body read with 200 is refused with a 500 status;
 *   - the lazy parse (label sets built on demand, keyed samples) reads
 *     what promapi_parse() reads, without known keys, with the keys it
 *     gave and with other samples' keys;
 *   - body cap: chunks are accepted up to the cap, refused beyond it;
 *   - form escape decodes back to the input and uses only safe bytes;
 *   - a formatted time reads back as the same milliseconds.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(const struct promapi_result *r)
{
	if (r->type != PROMAPI_VECTOR && r->type != PROMAPI_SCALAR)
		abort();
	if (r->type == PROMAPI_SCALAR && (r->n != 1 || r->v[0].labels->n != 0))
		abort();
	if (r->n && !r->v)
		abort();
	for (size_t i = 0; i < r->n; i++) {
		const struct labels *l = r->v[i].labels;

		if (!l)
			abort();
		for (size_t j = 0; j < l->n; j++)
			if (!l->v[j].name[0] || !l->v[j].value[0] ||
			    (j && strcmp(l->v[j - 1].name, l->v[j].name) >= 0))
				abort();
	}
	for (size_t i = 0; i < r->nwarnings; i++)
		if (!r->warnings[i])
			abort();
}

/* The fast path, when it takes a body, reads what the general path reads. */
static void fast_agrees(long status, const char *ct, const char *body,
			size_t len)
{
	struct promapi_result f, j;
	struct buf err = {0};

	if (!promapi_parse_fast(status, body, len, &f))
		return;
	if (promapi_parse_json(status, ct, body, len, &j, &err) != 0 ||
	    f.type != j.type || f.n != j.n || j.nwarnings)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		if (!labels_equal(f.v[i].labels, j.v[i].labels) ||
		    f.v[i].t_ms != j.v[i].t_ms || f.v[i].histogram ||
		    memcmp(&f.v[i].value, &j.v[i].value, sizeof(double)) != 0)
			abort();
	}
	promapi_result_free(&f);
	promapi_result_free(&j);
	buf_free(&err);
}

/* One lazy parse with known keys against promapi_parse()'s result e;
 * returns its keys (the caller frees them) or NULL when it failed. */
static uint64_t *lazy_one(long status, const char *ct, const char *body,
			  size_t len, const uint64_t *known, size_t nknown,
			  const struct promapi_result *e, int erc,
			  const char *eerr)
{
	struct promapi_result l = {0};
	struct buf err = {0};
	int rc = promapi_parse_lazy(status, ct, body, len, known, nknown, &l,
				    &err);
	uint64_t *keys = NULL;

	if (rc != erc || strcmp(buf_str(&err), eerr) != 0)
		abort();
	if (rc == 0) {
		if (l.type != e->type || l.n != e->n)
			abort();
		keys = xcalloc(l.n + 1, sizeof *keys);
		for (size_t i = 0; i < l.n; i++) {
			struct promapi_sample *s = &l.v[i];

			if (s->key && (s->labels || !s->metric_text ||
				       s->metric_text < body ||
				       s->metric_text + s->metric_len >
					   body + len))
				abort();
			keys[i] = s->key;
			if (!labels_equal(promapi_sample_labels(s),
					  e->v[i].labels) ||
			    memcmp(&s->value, &e->v[i].value,
				   sizeof s->value) != 0 ||
			    s->t_ms != e->v[i].t_ms ||
			    s->histogram != e->v[i].histogram)
				abort();
		}
	}
	promapi_result_free(&l);
	buf_free(&err);
	return keys;
}

/* The lazy path reads what promapi_parse() reads, without known keys,
 * with the keys it gave, and with the keys of the next sample. */
static void lazy_agrees(long status, const char *ct, const char *body,
			size_t len)
{
	struct promapi_result e;
	struct buf err = {0};
	int rc = promapi_parse(status, ct, body, len, &e, &err);
	uint64_t *keys = lazy_one(status, ct, body, len, NULL, 0, &e, rc,
				  buf_str(&err));

	if (keys) {
		uint64_t *again = lazy_one(status, ct, body, len, keys, e.n,
					   &e, rc, buf_str(&err));

		if (memcmp(keys, again, e.n * sizeof *keys) != 0)
			abort();
		free(again);
		again = lazy_one(status, ct, body, len, keys + 1,
				 e.n ? e.n - 1 : 0, &e, rc, buf_str(&err));
		if (memcmp(keys, again, e.n * sizeof *keys) != 0)
			abort();
		free(again);
	}
	free(keys);
	promapi_result_free(&e);
	buf_free(&err);
}

static void parse(long status, const char *ct, const char *body, size_t len)
{
	struct promapi_result r;
	struct buf err = {0};
	int rc = promapi_parse(status, ct, body, len, &r, &err);

	fast_agrees(status, ct, body, len);
	lazy_agrees(status, ct, body, len);
	if (rc == 0) {
		if (err.len)
			abort();
		check_result(&r);
		promapi_result_free(&r);
		/* the same body with an error status is not believed */
		if (promapi_parse(500, ct, body, len, &r, &err) != -1 ||
		    strncmp(buf_str(&err), "server returned HTTP status 500 ",
			    32) != 0)
			abort();
	} else if (rc != -1 || err.len == 0 || r.n || r.v || r.warnings) {
		abort();
	}
	promapi_result_free(&r);
	buf_free(&err);
}

/* Feeds the body in 7-byte chunks under a cap one byte short of it. */
static void body_cap(const char *body, size_t len)
{
	struct buf b = {0}, err = {0};
	size_t max = len ? len - 1 : 0;
	int refused = 0;

	for (size_t off = 0; off < len; off += 7) {
		size_t n = len - off < 7 ? len - off : 7;

		if (promapi_body_add(&b, max, body + off, n, &err) == -1) {
			if (off + n <= max || b.len != off)
				abort();
			refused = 1;
			break;
		}
	}
	if (len &&
	    (!refused || b.len > max || memcmp(buf_str(&b), body, b.len) != 0))
		abort();
	buf_free(&b);
	buf_free(&err);
}

static int unhex(int c)
{
	return isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static void form_round_trip(const char *s)
{
	struct buf e = {0}, d = {0};

	promapi_form_escape(&e, s);
	for (const char *p = buf_str(&e); *p; p++) {
		if (*p == '+') {
			buf_putc(&d, ' ');
		} else if (*p == '%') {
			if (!isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2]))
				abort();
			buf_putc(&d, (char)(unhex(p[1]) << 4 | unhex(p[2])));
			p += 2;
		} else if (isalnum((unsigned char)*p) || strchr("-_.~", *p)) {
			buf_putc(&d, *p);
		} else {
			abort();
		}
	}
	if (strcmp(buf_str(&d), s) != 0)
		abort();
	buf_free(&e);
	buf_free(&d);
}

static void time_round_trip(const uint8_t *data, size_t size)
{
	char out[PROMAPI_TIME_SIZE], *end;
	int64_t ms = 0;
	long long sec;
	const char *dot;
	int64_t back;

	if (size < 8)
		return;
	memcpy(&ms, data, sizeof ms);
	promapi_format_time(ms, out, sizeof out);
	if (ms == INT64_MIN)
		return; /* seconds do not fit in a long long as a negation */
	sec = strtoll(out, &end, 10);
	back = (int64_t)sec * 1000;
	dot = strchr(out, '.');
	if (dot) {
		int frac = 0, digits = 0;

		if (end != dot || dot[strlen(dot) - 1] == '0')
			abort(); /* no trailing zeros */
		for (const char *p = dot + 1; *p; p++, digits++)
			frac = frac * 10 + (*p - '0');
		for (; digits < 3; digits++)
			frac *= 10;
		back += out[0] == '-' ? -frac : frac;
	} else if (*end) {
		abort();
	}
	if (back != ms)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *body = in, *nl;
	long status = 200;
	char *ct = NULL, *text;
	size_t len = size;

	if (size > (1 << 20))
		return 0;
	/* "200 application/json\n" */
	if (size >= 4 && isdigit(data[0]) && isdigit(data[1]) &&
	    isdigit(data[2]) && (data[3] == ' ' || data[3] == '\n') &&
	    (nl = memchr(in, '\n', size)) != NULL) {
		status = (data[0] - '0') * 100 + (data[1] - '0') * 10 +
			 (data[2] - '0');
		if (nl > in + 4)
			ct = xstrndup(in + 4, (size_t)(nl - in - 4));
		body = nl + 1;
		len = size - (size_t)(body - in);
	}
	parse(status, ct, body, len);
	body_cap(body, len);

	text = xstrndup(body, len < 4096 ? len : 4096);
	{
		struct buf err = {0};
		double v;

		if (promapi_parse_value(text, &v, &err) == -1 && err.len == 0)
			abort();
		buf_free(&err);
	}
	form_round_trip(text);
	free(promapi_url(text));
	time_round_trip(data, size);
	free(text);
	free(ct);
	return 0;
}
