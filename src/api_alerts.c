/*
 * api_alerts.c - POST /api/v2/alerts bodies in, gettableAlert JSON out.
 *
 * The answers follow go-swagger's and Alertmanager 0.25's: a body that is
 * not a JSON array of objects is a 400 {"code":400,"message":"parsing
 * alerts body from \"\" failed, because ..."}; schema violations are 422
 * {"code":602|601,"message":...} (several: "validation failure list:");
 * validation errors of single alerts a 400 JSON string.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api_alerts.h"
#include "jscan.h"
#include "intern.h"
#include "jsonw.h"
#include "tmpl_int.h"

static void answer_json(struct buf *out, int code, const char *msg)
{
	buf_printf(out, "{\"code\":%d,\"message\":", code);
	jsonw_str(out, msg);
	buf_putc(out, '}');
}

/* A decoding failure: the whole request is refused with 400. */
static void decode_error(struct api_alerts_post *p, const char *why)
{
	struct buf m = {0};

	buf_printf(&m, "parsing alerts body from \"\" failed, because %s",
		   why);
	p->status = 400;
	buf_reset(&p->body);
	answer_json(&p->body, 400, buf_str(&m));
	buf_free(&m);
}

/* A string map (labels, annotations); NULL with *why set when a value is
 * not a string. */
static int read_map(json_t *o, const char *field, struct label **out,
		    size_t *n, struct buf *why)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		buf_printf(why,
			   "json: cannot unmarshal %s into Go struct field "
			   "PostableAlert.%s of type models.LabelSet",
			   jsonw_go_type(o), field);
		return -1;
	}
	*out = xcalloc(json_object_size(o) + 1, sizeof **out);
	json_object_foreach(o, k, v)
	{
		if (!json_is_string(v)) {
			buf_printf(why,
				   "json: cannot unmarshal %s into Go struct "
				   "field PostableAlert.%s of type string",
				   jsonw_go_type(v), field);
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i].name = k;
		(*out)[i].value = json_string_value(v);
		i++;
	}
	*n = i;
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct label *)a)->name,
		      ((const struct label *)b)->name);
}

/* The time of JSON token tok[0..n) (quotes included) in ms; 0 for Go's
 * zero time. */
static int token_time(const char *tok, size_t n, int64_t *ms,
		      struct buf *why)
{
	struct tmpl_gotime t;

	if (tmpl_gotime_parse_json(tok, n, &t, why) == -1)
		return -1;
	*ms = 0;
	if (t.sec == -62135596800LL && t.nsec == 0)
		return 0; /* time.Time{}: IsZero */
	*ms = t.sec * 1000 + t.nsec / 1000000;
	return 0;
}

/* An RFC 3339 time (strfmt.DateTime); 0 when absent or Go's zero time. */
static int read_time(json_t *v, const char *field, int64_t *ms,
		     struct buf *why)
{
	struct buf tok = {0};
	int rc;

	*ms = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		buf_printf(why,
			   "json: cannot unmarshal %s into Go struct field "
			   "PostableAlert.%s of type strfmt.DateTime",
			   jsonw_go_type(v), field);
		return -1;
	}
	buf_putc(&tok, '"');
	buf_puts(&tok, json_string_value(v));
	buf_putc(&tok, '"');
	rc = token_time(tok.s, tok.len, ms, why);
	buf_free(&tok);
	return rc;
}

static int scheme_char(char c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

/* strfmt's "uri" format, as far as it matters: an absolute URI (a scheme
 * then ':') or a path, without spaces or control characters. */
static int uri_ok(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '\x7f')
			return 0;
	if (!*s || s[0] == '/')
		return 1;
	if (!((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	for (p = s; scheme_char(*p); p++)
		;
	return *p == ':';
}

/* utf8_valid(), with a quick pass for the usual all-ASCII text. */
static int text_valid(const char *s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, sizeof w);
		if (w & 0x8080808080808080ULL)
			return utf8_valid(s, n);
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return utf8_valid(s, n);
	return 1;
}

/* Validates a label set as model.LabelSet.Validate (legacy names). */
static int set_valid(const struct label *v, size_t n, const char *what,
		     struct buf *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!labels_name_legacy(v[i].name)) {
			buf_printf(err, "%s: invalid name ", what);
			buf_quote(err, v[i].name);
			return -1;
		}
		if (!text_valid(v[i].value, strlen(v[i].value))) {
			buf_printf(err, "%s: invalid value ", what);
			buf_quote(err, v[i].value);
			return -1;
		}
	}
	return 0;
}

/* One decoded alert: its pairs sorted by unique name, label pairs without
 * empty values.  The strings belong to the decoder. */
struct pending {
	int present; /* not a JSON null */
	const struct label *lv, *av;
	size_t nl, na;
	const char *url;
	int64_t starts, ends;
	struct labels *labels, *ann; /* the general path's sets, owned */
};

static void add_error(struct buf *errs, const struct buf *e)
{
	if (errs->len)
		buf_puts(errs, "; ");
	buf_add(errs, e->s, e->len);
}

/* Validates the decoded alerts v[0..n) with Alertmanager's defaults and
 * checks and stores the valid ones in p. */
static void build(struct pending *v, size_t n, int64_t now,
		  int64_t resolve_timeout_ms, struct api_alerts_post *p)
{
	struct buf errs = {0}, e = {0};

	p->alerts = xcalloc(n + 1, sizeof *p->alerts);
	for (size_t i = 0; i < n; i++) {
		struct pending *x = &v[i];
		const char *url = x->url ? x->url : "";
		int timeout = 0;

		if (!x->present)
			continue;
		if (!x->starts)
			x->starts = x->ends ? x->ends : now;
		if (!x->ends) {
			x->ends = now + resolve_timeout_ms;
			timeout = 1;
		}
		buf_reset(&e);
		if (x->ends < x->starts)
			buf_puts(&e, "start time must be before end time");
		else if (set_valid(x->lv, x->nl, "invalid label set", &e) == -1)
			;
		else if (x->nl == 0)
			buf_puts(&e, "at least one label pair required");
		else
			set_valid(x->av, x->na, "invalid annotations", &e);
		if (e.len) {
			add_error(&errs, &e);
			p->ninvalid++;
			continue;
		}
		p->alerts[p->n] = am_alert_new_shared(
			am_labels_new(x->lv, x->nl, 1),
			am_labels_new(x->av, x->na, 1),
			intern_get(url, strlen(url)), x->starts, x->ends, now);
		p->alerts[p->n]->timeout = timeout;
		p->n++;
	}
	if (errs.len) {
		p->status = 400;
		jsonw_str(&p->body, buf_str(&errs));
	}
	buf_free(&e);
	buf_free(&errs);
}

void api_alerts_parse_json(const char *body, size_t len, int64_t now,
			   int64_t resolve_timeout_ms,
			   struct api_alerts_post *p)
{
	json_error_t jerr;
	json_t *doc, *a;
	struct pending *v = NULL;
	struct buf why = {0}, schema = {0};
	size_t i, nschema = 0;
	int schema_code = 602;

	memset(p, 0, sizeof *p);
	p->status = 200;
	doc = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
	if (!doc) {
		decode_error(p, len == 0 ? "EOF" : jerr.text);
		return;
	}
	if (json_is_null(doc)) {
		p->status = 422;
		answer_json(&p->body, 602, "alerts in body is required");
		json_decref(doc);
		return;
	}
	if (!json_is_array(doc)) {
		buf_printf(&why,
			   "json: cannot unmarshal %s into Go value of type "
			   "models.PostableAlerts",
			   jsonw_go_type(doc));
		goto decode_fail;
	}
	v = xcalloc(json_array_size(doc) + 1, sizeof *v);
	/* Decoding first, as encoding/json does for the whole body. */
	json_array_foreach(doc, i, a)
	{
		struct label *lv = NULL, *av = NULL;
		size_t nl = 0, na = 0;
		json_t *url;

		if (json_is_null(a))
			continue;
		if (!json_is_object(a)) {
			buf_printf(&why,
				   "json: cannot unmarshal %s into Go value "
				   "of type models.PostableAlert",
				   jsonw_go_type(a));
			goto decode_fail;
		}
		if (read_map(json_object_get(a, "labels"), "labels", &lv, &nl,
			     &why) == -1 ||
		    read_map(json_object_get(a, "annotations"), "annotations",
			     &av, &na, &why) == -1 ||
		    read_time(json_object_get(a, "startsAt"), "startsAt",
			      &v[i].starts, &why) == -1 ||
		    read_time(json_object_get(a, "endsAt"), "endsAt",
			      &v[i].ends, &why) == -1) {
			free(lv);
			free(av);
			goto decode_fail;
		}
		url = json_object_get(a, "generatorURL");
		if (url && !json_is_null(url) && !json_is_string(url)) {
			free(lv);
			free(av);
			buf_printf(&why,
				   "json: cannot unmarshal %s into Go struct "
				   "field PostableAlert.generatorURL of type "
				   "strfmt.URI",
				   jsonw_go_type(url));
			goto decode_fail;
		}
		v[i].url = url ? json_string_value(url) : NULL;
		/* Schema: labels required, generatorURL a URI. */
		if (!json_object_get(a, "labels") ||
		    json_is_null(json_object_get(a, "labels"))) {
			buf_printf(&schema, "%s%zu.labels in body is required",
				   nschema ? "\n" : "", i);
			nschema++;
		}
		if (v[i].url && !uri_ok(v[i].url)) {
			buf_printf(&schema,
				   "%s%zu.generatorURL in body must be of type "
				   "uri: ",
				   nschema ? "\n" : "", i);
			buf_quote(&schema, v[i].url);
			nschema++;
			schema_code = 601;
		}
		/* Labels with empty values are removed, then the set is
		 * built; annotations keep empty values. */
		{
			struct labels_builder b = {0};

			for (size_t k = 0; k < nl; k++)
				labels_builder_set(&b, lv[k].name,
						   lv[k].value);
			v[i].labels = labels_builder_build(&b);
			labels_builder_free(&b);
		}
		if (na)
			qsort(av, na, sizeof *av, label_cmp);
		v[i].ann = labels_from_sorted(av, na);
		v[i].present = 1;
		v[i].lv = v[i].labels->v;
		v[i].nl = v[i].labels->n;
		v[i].av = v[i].ann->v;
		v[i].na = v[i].ann->n;
		free(lv);
		free(av);
	}
	if (nschema) {
		struct buf m = {0};

		if (nschema > 1) {
			buf_puts(&m, "validation failure list:\n");
			schema_code = 422;
		}
		buf_add(&m, schema.s, schema.len);
		p->status = 422;
		answer_json(&p->body, schema_code, buf_str(&m));
		buf_free(&m);
		goto out;
	}
	build(v, json_array_size(doc), now, resolve_timeout_ms, p);
	goto out;
decode_fail:
	decode_error(p, buf_str(&why));
out:
	if (v) {
		for (i = 0; i < json_array_size(doc); i++) {
			labels_free(v[i].labels);
			labels_free(v[i].ann);
		}
		free(v);
	}
	json_decref(doc);
	buf_free(&why);
	buf_free(&schema);
}

/* ------------------------------------------------------------ fast path */

/*
 * The scanner for what Prometheus posts.  It gives up (returns 0) on
 * anything else: null, numbers, nested values, unknown or repeated keys,
 * repeated label or annotation names, escapes jansson would refuse,
 * trailing data, invalid UTF-8 anywhere in the body, a missing labels
 * object, a generatorURL that is no URI, a time that does not parse; the
 * general path then reads the body and answers exactly.  Strings are
 * decoded into one scratch buffer of len + 1 bytes: decoded, with its
 * NUL, a string is never longer than its quoted form.
 */
struct scan {
	const char *p, *end;
	char *out;	     /* next free byte of the scratch buffer */
	struct label *pairs; /* labels and annotations of every alert */
	size_t npairs, cap;
};

/* One alert as scanned: its pairs are s->pairs[l0..l0+nl), [a0..a0+na). */
struct scanned {
	size_t l0, nl, a0, na;
	const char *url;
	int64_t starts, ends;
};

enum { F_LABELS = 1, F_ANN = 2, F_STARTS = 4, F_ENDS = 8, F_URL = 16 };

static void sc_ws(struct scan *s)
{
	jscan_ws(&s->p, s->end);
}

static int sc_char(struct scan *s, char c)
{
	return jscan_char(&s->p, s->end, c);
}

static int hex4(const char *p, unsigned *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = (unsigned char)p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return 0;
		*cp = *cp << 4 | d;
	}
	return 1;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Decodes the \uXXXX escape at p (with the low surrogate following a high
 * one) to *o; returns the bytes read, 0 for what jansson refuses (U+0000,
 * a lone surrogate). */
static size_t sc_unicode(const char *p, const char *end, char **o)
{
	unsigned cp, lo;
	size_t used = 6;

	if (end - p < 6 || !hex4(p + 2, &cp) || cp == 0 ||
	    (cp >= 0xdc00 && cp <= 0xdfff))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
		    !hex4(p + 8, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return 0;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		used = 12;
	}
	*o = put_utf8(*o, cp);
	return used;
}

/* The character a one-letter escape stands for, or 0. */
static char sc_escape(char c)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at = c ? strchr(from, c) : NULL;

	return at ? to[at - from] : 0;
}

/* Reads a string into the scratch buffer; returns it (NUL-terminated,
 * length *n) or NULL. */
static const char *sc_str(struct scan *s, size_t *n)
{
	char *o = s->out, *start = o;
	const char *p;

	sc_ws(s);
	if (s->p >= s->end || *s->p != '"')
		return NULL;
	for (p = s->p + 1;;) {
		unsigned char c;

		if (p >= s->end)
			return NULL;
		c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20)
			return NULL;
		if (c != '\\') {
			*o++ = (char)c;
			p++;
		} else if (p + 1 < s->end && p[1] == 'u') {
			size_t k = sc_unicode(p, s->end, &o);

			if (!k)
				return NULL;
			p += k;
		} else if (p + 1 < s->end && sc_escape(p[1])) {
			*o++ = sc_escape(p[1]);
			p += 2;
		} else {
			return NULL;
		}
	}
	*o++ = '\0';
	*n = (size_t)(o - 1 - start);
	s->out = o;
	s->p = p + 1;
	return start;
}

/* Reads an object of strings, appending its pairs. */
static int sc_map(struct scan *s, size_t *first, size_t *n)
{
	*first = s->npairs;
	*n = 0;
	if (!sc_char(s, '{'))
		return 0;
	if (sc_char(s, '}'))
		return 1;
	do {
		const char *k, *v;
		size_t kl, vl;

		k = sc_str(s, &kl);
		if (!k || !sc_char(s, ':'))
			return 0;
		v = sc_str(s, &vl);
		if (!v)
			return 0;
		if (s->npairs == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->pairs = xrealloc(s->pairs, s->cap * sizeof *s->pairs);
		}
		s->pairs[s->npairs].name = k;
		s->pairs[s->npairs].value = v;
		s->npairs++;
	} while (sc_char(s, ','));
	*n = s->npairs - *first;
	return sc_char(s, '}');
}

static int sc_time(struct scan *s, int64_t *ms)
{
	char tok[64];
	struct buf why = {0};
	size_t n;
	const char *v = sc_str(s, &n);
	int rc;

	if (!v || n + 2 > sizeof tok)
		return 0;
	tok[0] = '"';
	memcpy(tok + 1, v, n);
	tok[n + 1] = '"';
	rc = token_time(tok, n + 2, ms, &why);
	buf_free(&why);
	return rc == 0;
}

static unsigned field_of(const char *k)
{
	static const struct {
		const char *name;
		unsigned f;
	} fields[] = {{"labels", F_LABELS},   {"annotations", F_ANN},
		      {"startsAt", F_STARTS}, {"endsAt", F_ENDS},
		      {"generatorURL", F_URL}};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(k, fields[i].name) == 0)
			return fields[i].f;
	return 0;
}

static int sc_alert(struct scan *s, struct scanned *a)
{
	unsigned seen = 0;

	memset(a, 0, sizeof *a);
	if (!sc_char(s, '{') || sc_char(s, '}'))
		return 0;
	do {
		size_t kl, ul;
		const char *k = sc_str(s, &kl);
		unsigned f = k && sc_char(s, ':') ? field_of(k) : 0;
		int ok;

		if (!f || (seen & f))
			return 0;
		seen |= f;
		if (f == F_LABELS)
			ok = sc_map(s, &a->l0, &a->nl);
		else if (f == F_ANN)
			ok = sc_map(s, &a->a0, &a->na);
		else if (f == F_STARTS || f == F_ENDS)
			ok = sc_time(s, f == F_STARTS ? &a->starts : &a->ends);
		else
			ok = (a->url = sc_str(s, &ul)) != NULL && uri_ok(a->url);
		if (!ok)
			return 0;
	} while (sc_char(s, ','));
	return sc_char(s, '}') && (seen & F_LABELS);
}

/* Sorts v[0..n) by name (insertion sort for the usual handful);
 * returns 0 when a name repeats. */
static int sort_pairs(struct label *v, size_t n)
{
	if (n > 16)
		qsort(v, n, sizeof *v, label_cmp);
	for (size_t i = 1; i < n && n <= 16; i++) {
		struct label x = v[i];
		size_t j = i;

		for (; j > 0 && strcmp(v[j - 1].name, x.name) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i - 1].name, v[i].name) == 0)
			return 0;
	return 1;
}

/* Labels with empty values go (annotations keep theirs); returns the
 * pairs left. */
static size_t drop_empty(struct label *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].value[0])
			v[k++] = v[i];
	return k;
}

/* Scans the whole body into *as (n alerts); returns 0 to give up. */
static int sc_body(struct scan *s, struct scanned **as, size_t *n)
{
	size_t cap = 0;

	if (!sc_char(s, '['))
		return 0;
	if (!sc_char(s, ']')) {
		do {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				*as = xrealloc(*as, cap * sizeof **as);
			}
			if (!sc_alert(s, &(*as)[*n]))
				return 0;
			(*n)++;
		} while (sc_char(s, ','));
		if (!sc_char(s, ']'))
			return 0;
	}
	sc_ws(s);
	return s->p == s->end;
}

int api_alerts_parse_fast(const char *body, size_t len, int64_t now,
			  int64_t resolve_timeout_ms,
			  struct api_alerts_post *p)
{
	struct scan s = {0};
	struct scanned *as = NULL;
	struct pending *v = NULL;
	char *scratch;
	size_t n = 0;
	int ok = 0;

	memset(p, 0, sizeof *p);
	if (!body || !text_valid(body, len))
		return 0;
	scratch = xmalloc(len + 1);
	s.p = body;
	s.end = body + len;
	s.out = scratch;
	if (!sc_body(&s, &as, &n))
		goto out;
	v = xcalloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i++) {
		struct label *lv = s.pairs + as[i].l0, *av = s.pairs + as[i].a0;

		if (!sort_pairs(lv, as[i].nl) || !sort_pairs(av, as[i].na))
			goto out;
		v[i].present = 1;
		v[i].lv = lv;
		v[i].nl = drop_empty(lv, as[i].nl);
		v[i].av = av;
		v[i].na = as[i].na;
		v[i].url = as[i].url;
		v[i].starts = as[i].starts;
		v[i].ends = as[i].ends;
	}
	p->status = 200;
	build(v, n, now, resolve_timeout_ms, p);
	ok = 1;
out:
	free(v);
	free(as);
	free(s.pairs);
	free(scratch);
	return ok;
}

void api_alerts_parse(const char *body, size_t len, int64_t now,
		      int64_t resolve_timeout_ms, struct api_alerts_post *p)
{
	if (!api_alerts_parse_fast(body, len, now, resolve_timeout_ms, p))
		api_alerts_parse_json(body, len, now, resolve_timeout_ms, p);
}

void api_alerts_post_free(struct api_alerts_post *p)
{
	for (size_t i = 0; i < p->n; i++)
		am_alert_unref(p->alerts[i]);
	free(p->alerts);
	buf_free(&p->body);
	memset(p, 0, sizeof *p);
}

void api_alert_json(struct buf *out, const struct am_alert *a,
		    const struct api_alert_status *st)
{
	char fp[17];

	buf_puts(out, "{\"annotations\":");
	jsonw_labels(out, a->annotations);
	buf_puts(out, ",\"endsAt\":");
	jsonw_time_millis(out, a->ends_at);
	snprintf(fp, sizeof fp, "%016" PRIx64, a->labels->fp);
	buf_printf(out, ",\"fingerprint\":\"%s\",\"receivers\":[", fp);
	for (size_t i = 0; i < st->nreceivers; i++) {
		buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
		jsonw_str(out, st->receivers[i]);
		buf_putc(out, '}');
	}
	buf_puts(out, "],\"startsAt\":");
	jsonw_time_millis(out, a->starts_at);
	buf_puts(out, ",\"status\":{\"inhibitedBy\":[");
	for (size_t i = 0; i < st->ninhibited; i++) {
		snprintf(fp, sizeof fp, "%016" PRIx64, st->inhibited_by[i]);
		buf_printf(out, "%s\"%s\"", i ? "," : "", fp);
	}
	buf_puts(out, "],\"silencedBy\":[");
	for (size_t i = 0; i < st->nsilenced; i++) {
		if (i)
			buf_putc(out, ',');
		jsonw_str(out, st->silenced_by[i]);
	}
	buf_puts(out, "],\"state\":");
	jsonw_str(out, st->unprocessed				   ? "unprocessed"
		       : st->nsilenced || st->ninhibited ? "suppressed"
							  : "active");
	buf_puts(out, "},\"updatedAt\":");
	jsonw_time_millis(out, a->updated_at);
	if (a->generator_url[0]) {
		buf_puts(out, ",\"generatorURL\":");
		jsonw_str(out, a->generator_url);
	}
	buf_puts(out, ",\"labels\":");
	jsonw_labels(out, a->labels);
	buf_putc(out, '}');
}
