/*
 * silence.c - silences (silence.h): the model and Alertmanager 0.25's
 * rules, the API v2 JSON, and the write-through collection with its
 * matching index.
 */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "jsonw.h"
#include "silence.h"
#include "tmpl_int.h"

/* ---------------------------------------------------------------- model */

void silence_free(struct silence *s)
{
	if (s == NULL)
		return;
	matchers_free(&s->matchers);
	free(s->created_by);
	free(s->comment);
	free(s->invalid);
	free(s);
}

struct silence *silence_dup(const struct silence *s)
{
	struct silence *d = xcalloc(1, sizeof *d);
	struct buf err = { 0 };

	memcpy(d->id, s->id, sizeof d->id);
	for (size_t i = 0; i < s->matchers.n; i++) {
		const struct matcher *m = &s->matchers.v[i];
		struct matcher c;

		/* m compiled once already, so this cannot fail */
		if (matcher_init(&c, m->name, m->op, m->value, &err) != 0)
			abort();
		matchers_push(&d->matchers, &c);
	}
	d->starts_at = s->starts_at;
	d->ends_at = s->ends_at;
	d->updated_at = s->updated_at;
	d->created_by = xstrdup(s->created_by ? s->created_by : "");
	d->comment = xstrdup(s->comment ? s->comment : "");
	d->invalid = s->invalid ? xstrdup(s->invalid) : NULL;
	buf_free(&err);
	return d;
}

enum silence_state silence_state(const struct silence *s, int64_t now)
{
	if (now < s->starts_at)
		return SILENCE_PENDING;
	if (now > s->ends_at)
		return SILENCE_EXPIRED;
	return SILENCE_ACTIVE;
}

const char *silence_state_str(enum silence_state st)
{
	static const char *const names[] = {
		[SILENCE_EXPIRED] = "expired",
		[SILENCE_ACTIVE] = "active",
		[SILENCE_PENDING] = "pending",
	};

	return names[st];
}

/* matchesEmpty(): would the matcher match a missing label? */
static int matches_empty(const struct matcher *m)
{
	if (m->op == MATCHER_EQ)
		return m->value[0] == '\0';
	if (m->op == MATCHER_RE)
		return matcher_matches(m, "");
	return 0;
}

int silence_validate(const struct silence *s, struct buf *err)
{
	int all_empty = 1;

	if (s->invalid) {
		buf_puts(err, s->invalid);
		return -1;
	}
	if (s->matchers.n == 0) {
		buf_puts(err, "at least one matcher required");
		return -1;
	}
	for (size_t i = 0; i < s->matchers.n; i++)
		all_empty = all_empty && matches_empty(&s->matchers.v[i]);
	if (all_empty) {
		buf_puts(err, "at least one matcher must not match the empty "
			      "string");
		return -1;
	}
	if (s->starts_at == 0) {
		buf_puts(err, "invalid zero start timestamp");
		return -1;
	}
	if (s->ends_at == 0) {
		buf_puts(err, "invalid zero end timestamp");
		return -1;
	}
	if (s->ends_at < s->starts_at) {
		buf_puts(err, "end time must not be before start time");
		return -1;
	}
	return 0;
}

/* time.Time.Unix() of a time in ms: floor division. */
static int64_t unix_sec(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

int silence_can_update(const struct silence *prev, const struct silence *next,
		       int64_t now)
{
	if (!matchers_equal(&prev->matchers, &next->matchers))
		return 0;
	switch (silence_state(prev, now)) {
	case SILENCE_ACTIVE:
		return unix_sec(next->starts_at) == unix_sec(prev->starts_at) &&
		       next->ends_at >= now;
	case SILENCE_PENDING:
		return next->starts_at >= now;
	case SILENCE_EXPIRED:
		break;
	}
	return 0;
}

void silence_new_id(char id[SILENCE_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	size_t got = 0;
	char *p = id;

	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);

		if (n < 0)
			abort(); /* no entropy at all: nothing sane to do */
		got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[r[i] >> 4];
		*p++ = hex[r[i] & 15];
	}
	*p = '\0';
}

int silence_id_valid(const char *s)
{
	static const int dash[] = { 8, 13, 18, 23 };
	size_t k = 0;

	if (strlen(s) != SILENCE_ID_LEN)
		return 0;
	for (int i = 0; i < SILENCE_ID_LEN; i++) {
		if (k < ARRAY_LEN(dash) && i == dash[k]) {
			if (s[i] != '-')
				return 0;
			k++;
		} else if (!strchr("0123456789abcdefABCDEF", s[i]) ||
			   s[i] == '\0') {
			return 0;
		}
	}
	return 1;
}

/* ------------------------------------------------------------ JSON out */

static void matchers_json(struct buf *out, const struct matchers *ms)
{
	buf_putc(out, '[');
	for (size_t i = 0; i < ms->n; i++) {
		const struct matcher *m = &ms->v[i];
		int eq = m->op == MATCHER_EQ || m->op == MATCHER_RE;
		int re = m->op == MATCHER_RE || m->op == MATCHER_NRE;

		buf_printf(out, "%s{\"isEqual\":%s,\"isRegex\":%s,\"name\":",
			   i ? "," : "", eq ? "true" : "false",
			   re ? "true" : "false");
		jsonw_str(out, m->name);
		buf_puts(out, ",\"value\":");
		jsonw_str(out, m->value);
		buf_putc(out, '}');
	}
	buf_putc(out, ']');
}

/* The fields after status, shared by the API form and the record. */
static void fields_json(struct buf *out, const struct silence *s)
{
	buf_puts(out, "\"updatedAt\":");
	jsonw_time_millis(out, s->updated_at);
	buf_puts(out, ",\"comment\":");
	jsonw_str(out, s->comment ? s->comment : "");
	buf_puts(out, ",\"createdBy\":");
	jsonw_str(out, s->created_by ? s->created_by : "");
	buf_puts(out, ",\"endsAt\":");
	jsonw_time_millis(out, s->ends_at);
	buf_puts(out, ",\"matchers\":");
	matchers_json(out, &s->matchers);
	buf_puts(out, ",\"startsAt\":");
	jsonw_time_millis(out, s->starts_at);
}

void silence_to_json(struct buf *out, const struct silence *s, int64_t now)
{
	buf_puts(out, "{\"id\":");
	jsonw_str(out, s->id);
	buf_printf(out, ",\"status\":{\"state\":\"%s\"},",
		   silence_state_str(silence_state(s, now)));
	fields_json(out, s);
	buf_putc(out, '}');
}

/* The stored record: the API form without status.  silence_parse() reads
 * it back exactly (times have ms precision). */
static void record_json(struct buf *out, const struct silence *s)
{
	buf_puts(out, "{\"id\":");
	jsonw_str(out, s->id);
	buf_putc(out, ',');
	fields_json(out, s);
	buf_putc(out, '}');
}

void silence_answer_free(struct silence_answer *a)
{
	if (a)
		buf_free(&a->body);
}

/* ------------------------------------------------------------- JSON in */

static void answer_code(struct silence_answer *a, int status, int code,
			const char *msg)
{
	a->status = status;
	buf_reset(&a->body);
	buf_printf(&a->body, "{\"code\":%d,\"message\":", code);
	jsonw_str(&a->body, msg);
	buf_putc(&a->body, '}');
}

static void answer_str(struct silence_answer *a, int status, const char *msg)
{
	a->status = status;
	buf_reset(&a->body);
	jsonw_str(&a->body, msg);
}

/* Parsing state: decoding errors (400) stop at the first; schema errors
 * (422) are collected in Alertmanager's order. */
struct parse {
	struct buf why;	   /* decoding error */
	struct buf schema; /* schema errors, one per line */
	int nschema, code;
};

static void schema_err(struct parse *p, int code, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static void schema_err(struct parse *p, int code, const char *fmt, ...)
{
	va_list ap;

	if (p->nschema++)
		buf_putc(&p->schema, '\n');
	va_start(ap, fmt);
	buf_vprintf(&p->schema, fmt, ap);
	va_end(ap);
	p->code = code;
}

static void type_err(struct parse *p, const json_t *v, const char *field,
		     const char *type)
{
	if (p->why.len == 0)
		buf_printf(&p->why,
			   "json: cannot unmarshal %s into Go struct field "
			   "PostableSilence.%s of type %s",
			   jsonw_go_type(v), field, type);
}

/* A string field: NULL when absent or null (then required), "" kept. */
static const char *get_str(struct parse *p, json_t *o, const char *field,
			   const char *path)
{
	json_t *v = json_object_get(o, field);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		type_err(p, v, path, "string");
		return NULL;
	}
	return json_string_value(v);
}

/* A bool field: -1 when absent or null. */
static int get_bool(struct parse *p, json_t *o, const char *field,
		    const char *path)
{
	json_t *v = json_object_get(o, field);

	if (!v || json_is_null(v))
		return -1;
	if (!json_is_boolean(v)) {
		type_err(p, v, path, "bool");
		return -1;
	}
	return json_is_true(v);
}

/* A strfmt.DateTime field in ms: 0 for Go's zero time; -1 absent. */
static int get_time(struct parse *p, json_t *o, const char *field,
		    int64_t *ms)
{
	json_t *v = json_object_get(o, field);
	struct tmpl_gotime t;
	struct buf tok = { 0 }, why = { 0 };
	int rc;

	*ms = 0;
	if (!v || json_is_null(v))
		return -1;
	if (!json_is_string(v)) {
		type_err(p, v, field, "strfmt.DateTime");
		return -1;
	}
	buf_putc(&tok, '"');
	buf_puts(&tok, json_string_value(v));
	buf_putc(&tok, '"');
	rc = tmpl_gotime_parse_json(tok.s, tok.len, &t, &why);
	buf_free(&tok);
	if (rc != 0) {
		/* the first decoding error is the one reported */
		if (p->why.len == 0)
			buf_puts(&p->why, why.len ? why.s : "invalid time");
		buf_free(&why);
		return -1;
	}
	buf_free(&why);
	if (t.sec != TMPL_ZERO_TIME_SEC || t.nsec != 0)
		*ms = t.sec * 1000 + t.nsec / 1000000;
	return 0;
}

/* matcher.c compiles "^(?:value)$" and may quote that whole pattern in
 * its error; validateMatcher() compiles the bare value, so Go quotes
 * that.  Returns e's message with the quote of the anchored pattern
 * turned into the quote of value. */
static const char *unanchor(struct buf *e, const char *value)
{
	char *quoted = xasprintf("`^(?:%s)$`", value);
	size_t q = strlen(quoted);

	if (e->len >= q && strcmp(e->s + e->len - q, quoted) == 0) {
		e->len -= q;
		e->s[e->len] = '\0';
		buf_printf(e, "`%s`", value);
	}
	free(quoted);
	return buf_str(e);
}

/* validateMatcher(): model.LabelName.IsValid (legacy), UTF-8 values, and
 * a regex that compiles.  Returns 0 and pushes the matcher, or -1 with
 * the message in msg. */
static int add_matcher(struct silence *s, size_t i, const char *name,
		       const char *value, enum matcher_op op, struct buf *msg)
{
	struct matcher m;
	struct buf e = { 0 };

	if (!labels_name_legacy(name)) {
		buf_printf(msg, "invalid label matcher %zu: invalid label "
				"name ",
			   i);
		buf_quote(msg, name);
		return -1;
	}
	if ((op == MATCHER_EQ || op == MATCHER_NE) &&
	    !utf8_valid(value, strlen(value))) {
		buf_printf(msg,
			   "invalid label matcher %zu: invalid label value ",
			   i);
		buf_quote(msg, value);
		return -1;
	}
	if (matcher_init(&m, name, op, value, &e) != 0) {
		buf_printf(msg, "invalid label matcher %zu: invalid regular "
				"expression ",
			   i);
		buf_quote(msg, value);
		buf_printf(msg, ": %s", unanchor(&e, value));
		buf_free(&e);
		return -1;
	}
	buf_free(&e);
	matchers_push(&s->matchers, &m);
	return 0;
}

static void read_matchers(struct parse *p, json_t *arr, struct silence *s)
{
	struct buf inv = { 0 };
	size_t i;
	json_t *m;

	if (!json_is_array(arr)) {
		type_err(p, arr, "matchers", "models.Matchers");
		return;
	}
	if (json_array_size(arr) == 0)
		schema_err(p, 612, "matchers in body should have at least 1 "
				   "items");
	json_array_foreach(arr, i, m)
	{
		const char *name, *value;
		int re, eq;

		if (json_is_null(m)) {
			/* a null item stays nil; the schema then stops at
			 * it (Go's validate skips nil items) */
			continue;
		}
		if (!json_is_object(m)) {
			type_err(p, m, "matchers", "models.Matcher");
			return;
		}
		re = get_bool(p, m, "isRegex", "matchers.isRegex");
		eq = get_bool(p, m, "isEqual", "matchers.isEqual");
		name = get_str(p, m, "name", "matchers.name");
		value = get_str(p, m, "value", "matchers.value");
		if (p->why.len)
			return;
		if (re < 0)
			schema_err(p, 602,
				   "matchers.%zu.isRegex in body is required",
				   i);
		if (!name)
			schema_err(p, 602,
				   "matchers.%zu.name in body is required", i);
		if (!value)
			schema_err(p, 602,
				   "matchers.%zu.value in body is required", i);
		if (re < 0 || !name || !value || s->invalid)
			continue;
		if (eq < 0)
			eq = 1;
		if (add_matcher(s, i, name, value,
				re ? (eq ? MATCHER_RE : MATCHER_NRE)
				   : (eq ? MATCHER_EQ : MATCHER_NE),
				&inv) != 0)
			s->invalid = buf_take(&inv);
	}
	buf_free(&inv);
}

/*
 * Reads a silence object into s.  Records (stored silences) also carry
 * updatedAt.  Schema checks in go-swagger's order: comment, createdBy,
 * endsAt, matchers, startsAt.
 */
static void read_silence(struct parse *p, json_t *o, struct silence *s)
{
	const char *id = get_str(p, o, "id", "id");
	const char *comment = get_str(p, o, "comment", "comment");
	const char *by = get_str(p, o, "createdBy", "createdBy");
	json_t *ms = json_object_get(o, "matchers");
	int has_ends = get_time(p, o, "endsAt", &s->ends_at) == 0;
	int has_starts = get_time(p, o, "startsAt", &s->starts_at) == 0;

	get_time(p, o, "updatedAt", &s->updated_at);
	if (p->why.len)
		return;
	if (id && strlen(id) <= SILENCE_ID_LEN)
		memcpy(s->id, id, strlen(id) + 1);
	else if (id) /* never a known id: Set answers not found */
		memcpy(s->id, "-", 2);
	s->comment = xstrdup(comment ? comment : "");
	s->created_by = xstrdup(by ? by : "");
	if (!comment)
		schema_err(p, 602, "comment in body is required");
	if (!by)
		schema_err(p, 602, "createdBy in body is required");
	if (!has_ends)
		schema_err(p, 602, "endsAt in body is required");
	if (!ms || json_is_null(ms))
		schema_err(p, 602, "matchers in body is required");
	else
		read_matchers(p, ms, s);
	if (p->why.len)
		return;
	if (!has_starts)
		schema_err(p, 602, "startsAt in body is required");
}

/* Parses a silence; NULL with a filled in *a when it fails. */
static struct silence *silence_parse(const char *body, size_t len,
				     struct silence_answer *a)
{
	struct parse p = { { 0 }, { 0 }, 0, 0 };
	struct silence *s = NULL;
	json_error_t jerr;
	json_t *doc = json_loadb(body, len, JSON_DECODE_ANY, &jerr);

	a->status = 200;
	buf_reset(&a->body);
	if (!doc) {
		buf_puts(&p.why, len == 0 ? "EOF" : jerr.text);
		goto out;
	}
	if (json_is_null(doc)) {
		schema_err(&p, 602, "silence in body is required");
		goto out;
	}
	if (!json_is_object(doc)) {
		buf_printf(&p.why,
			   "json: cannot unmarshal %s into Go value of type "
			   "models.PostableSilence",
			   jsonw_go_type(doc));
		goto out;
	}
	s = xcalloc(1, sizeof *s);
	read_silence(&p, doc, s);
out:
	if (p.why.len) {
		struct buf m = { 0 };

		buf_printf(&m, "parsing silence body from \"\" failed, "
			       "because %s",
			   buf_str(&p.why));
		answer_code(a, 400, 400, buf_str(&m));
		buf_free(&m);
	} else if (p.nschema) {
		struct buf m = { 0 };

		if (p.nschema > 1) {
			buf_puts(&m, "validation failure list:\n");
			p.code = 422;
		}
		buf_add(&m, p.schema.s, p.schema.len);
		answer_code(a, 422, p.code, buf_str(&m));
		buf_free(&m);
	}
	if (a->status != 200) {
		silence_free(s);
		s = NULL;
	}
	json_decref(doc);
	buf_free(&p.why);
	buf_free(&p.schema);
	return s;
}

struct silence *silence_from_json(const char *body, size_t len,
				  struct silence_answer *a)
{
	return silence_parse(body, len, a);
}

/* ----------------------------------------------------------- the index */

/* Silences indexed under one (name, value). */
struct bucket {
	struct bucket *next;
	uint64_t h;
	char *name, *value;
	const struct silence **v;
	size_t n, cap;
};

struct silences {
	struct store *st;
	int64_t retention;
	int64_t data_version;
	struct silence **v; /* every silence, sorted by id */
	size_t n, cap;
	struct bucket **tab; /* chained hash table, ntab a power of 2 */
	size_t ntab, nbuckets;
	const struct silence **scan; /* no usable equality matcher */
	size_t nscan, capscan;
	uint64_t examined;
	/* No silence that ended before this is in the index: the now of
	 * the last load or GC (put() indexes nothing expired). */
	int64_t pruned_before;
};

static uint64_t pair_hash(const char *name, const char *value)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static struct bucket *bucket_find(const struct silences *s, const char *name,
				  const char *value, uint64_t h)
{
	if (s->ntab == 0)
		return NULL;
	for (struct bucket *b = s->tab[h & (s->ntab - 1)]; b; b = b->next)
		if (b->h == h && strcmp(b->name, name) == 0 &&
		    strcmp(b->value, value) == 0)
			return b;
	return NULL;
}

/* The matcher to index a new silence under: of its equality matchers with
 * a value (name="" matches a missing label, so it cannot key), the one
 * whose bucket holds the fewest silences now -- so 10,000 silences that
 * share model="m1" and differ by instance are filed by instance, and an
 * alert examines its own few, not all of model m1's.  -1: none. */
static int index_choose(const struct silences *s, const struct silence *x)
{
	int best = -1;
	size_t least = SIZE_MAX;

	for (size_t i = 0; i < x->matchers.n; i++) {
		const struct matcher *m = &x->matchers.v[i];
		const struct bucket *b;

		if (m->op != MATCHER_EQ || !m->value[0])
			continue;
		b = bucket_find(s, m->name, m->value,
				pair_hash(m->name, m->value));
		if (!b || b->n < least) {
			least = b ? b->n : 0;
			best = (int)i;
			if (least == 0)
				break;
		}
	}
	return best;
}

/* The matcher x was indexed under, or NULL. */
static const struct matcher *index_key(const struct silence *x)
{
	return x->ikey >= 0 && (size_t)x->ikey < x->matchers.n
		       ? &x->matchers.v[x->ikey]
		       : NULL;
}

static void tab_grow(struct silences *s)
{
	size_t n = s->ntab ? s->ntab * 2 : 64;
	struct bucket **t = xcalloc(n, sizeof *t);

	for (size_t i = 0; i < s->ntab; i++) {
		struct bucket *b = s->tab[i], *next;

		for (; b; b = next) {
			next = b->next;
			b->next = t[b->h & (n - 1)];
			t[b->h & (n - 1)] = b;
		}
	}
	free(s->tab);
	s->tab = t;
	s->ntab = n;
}

static void refs_push(const struct silence ***v, size_t *n, size_t *cap,
		      const struct silence *x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = x;
}

/* Removes x from v if it is there (order is not kept). */
static void refs_del(const struct silence **v, size_t *n,
		     const struct silence *x)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == x) {
			v[i] = v[--*n];
			return;
		}
}

static void index_add(struct silences *s, struct silence *x)
{
	const struct matcher *k;
	struct bucket *b;
	uint64_t h;

	x->ikey = index_choose(s, x);
	k = index_key(x);
	if (k == NULL) {
		refs_push(&s->scan, &s->nscan, &s->capscan, x);
		return;
	}
	h = pair_hash(k->name, k->value);
	b = bucket_find(s, k->name, k->value, h);
	if (b == NULL) {
		if (s->nbuckets >= s->ntab)
			tab_grow(s);
		b = xcalloc(1, sizeof *b);
		b->h = h;
		b->name = xstrdup(k->name);
		b->value = xstrdup(k->value);
		b->next = s->tab[h & (s->ntab - 1)];
		s->tab[h & (s->ntab - 1)] = b;
		s->nbuckets++;
	}
	refs_push(&b->v, &b->n, &b->cap, x);
}

/* Removes x from the index if it is there.  Empty buckets stay (a key
 * used once is likely used again). */
static void index_del(struct silences *s, const struct silence *x)
{
	const struct matcher *k = index_key(x);
	struct bucket *b;

	if (k == NULL) {
		refs_del(s->scan, &s->nscan, x);
		return;
	}
	b = bucket_find(s, k->name, k->value, pair_hash(k->name, k->value));
	if (b)
		refs_del(b->v, &b->n, x);
}

static void index_free(struct silences *s)
{
	for (size_t i = 0; i < s->ntab; i++) {
		struct bucket *b = s->tab[i], *next;

		for (; b; b = next) {
			next = b->next;
			free(b->name);
			free(b->value);
			free(b->v);
			free(b);
		}
	}
	free(s->tab);
	free(s->scan);
	s->tab = NULL;
	s->scan = NULL;
	s->ntab = s->nbuckets = s->nscan = s->capscan = 0;
}

/* ------------------------------------------------------- the collection */

/* Position of id in s->v, or where it would go (*found 0). */
static size_t find_pos(const struct silences *s, const char *id, int *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->v[mid]->id, id);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

const struct silence *silences_get(const struct silences *s, const char *id)
{
	int found;
	size_t i = find_pos(s, id, &found);

	return found ? s->v[i] : NULL;
}

size_t silences_count(const struct silences *s)
{
	return s->n;
}

/* Puts x (taken) in place of the silence of its id, or inserts it. */
static void put(struct silences *s, struct silence *x, int64_t now)
{
	int found;
	size_t i = find_pos(s, x->id, &found);

	if (found) {
		index_del(s, s->v[i]);
		silence_free(s->v[i]);
	} else {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 16;
			s->v = xrealloc(s->v, s->cap * sizeof *s->v);
		}
		memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof *s->v);
		s->n++;
	}
	s->v[i] = x;
	if (silence_state(x, now) != SILENCE_EXPIRED)
		index_add(s, x);
}

static void clear(struct silences *s)
{
	for (size_t i = 0; i < s->n; i++)
		silence_free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
	index_free(s);
}

struct load_ctx {
	struct silences *into;
	int64_t now;
	struct buf *err;
};

static int load_one(void *ctx, const struct store_silence *row)
{
	struct load_ctx *c = ctx;
	struct silence_answer a = { 0 };
	struct silence *x = silence_parse(row->data, strlen(row->data), &a);
	int rc = 0;

	if (x == NULL || x->invalid || strcmp(x->id, row->id) != 0) {
		buf_printf(c->err, "silences: stored silence %s is "
				   "malformed: %s\n",
			   row->id, x ? (x->invalid ? x->invalid : "id")
				      : buf_str(&a.body));
		silence_free(x);
		rc = -1;
	} else {
		put(c->into, x, c->now);
	}
	silence_answer_free(&a);
	return rc;
}

/* Loads the store into s (emptied first); on failure s keeps its old
 * content. */
static int load(struct silences *s, int64_t now, struct buf *err)
{
	struct silences tmp = { 0 };
	struct load_ctx c = { &tmp, now, err };
	int64_t v;

	if (store_data_version(s->st, &v, err) != 0)
		return -1;
	if (store_silences_load(s->st, load_one, &c, err) != 0) {
		clear(&tmp);
		return -1;
	}
	clear(s);
	s->v = tmp.v;
	s->n = tmp.n;
	s->cap = tmp.cap;
	s->tab = tmp.tab;
	s->ntab = tmp.ntab;
	s->nbuckets = tmp.nbuckets;
	s->scan = tmp.scan;
	s->nscan = tmp.nscan;
	s->capscan = tmp.capscan;
	s->data_version = v;
	s->pruned_before = now;
	return 0;
}

struct silences *silences_open(struct store *st, int64_t retention_ms,
			       int64_t now, struct buf *err)
{
	struct silences *s = xcalloc(1, sizeof *s);

	s->st = st;
	s->retention = retention_ms > 0 ? retention_ms : SILENCE_RETENTION_MS;
	if (load(s, now, err) != 0) {
		silences_close(s);
		return NULL;
	}
	return s;
}

void silences_close(struct silences *s)
{
	if (s == NULL)
		return;
	clear(s);
	free(s);
}

int silences_reload_if_changed(struct silences *s, int64_t now,
			       struct buf *err)
{
	int64_t v;

	if (store_data_version(s->st, &v, err) != 0)
		return -1;
	if (v == s->data_version)
		return 0;
	return load(s, now, err) == 0 ? 1 : -1;
}

/* ------------------------------------------------------------- changes */

/* One change being written: rows and the buffers their texts live in. */
struct change {
	struct store_silence put[2];
	struct store_silence_history hist[2];
	struct buf text[4];
	size_t nput, nhist, ntext;
};

static const char *change_record(struct change *c, const struct silence *x)
{
	struct buf *b;

	if (x == NULL)
		return NULL;
	assert(c->ntext < ARRAY_LEN(c->text));
	b = &c->text[c->ntext++];
	record_json(b, x);
	return b->s;
}

static void change_put(struct change *c, struct silences *s,
		       const struct silence *x)
{
	assert(c->nput < ARRAY_LEN(c->put));
	c->put[c->nput++] = (struct store_silence){
		x->id, x->updated_at, x->ends_at + s->retention,
		change_record(c, x)
	};
}

/* A history row for silence x; its "after" is x's put, filled in by
 * change_write(). */
static void change_hist(struct change *c, const char *what,
			const struct silence *before,
			const struct silence *x, int64_t now,
			const char *client)
{
	assert(c->nhist < ARRAY_LEN(c->hist));
	c->hist[c->nhist++] = (struct store_silence_history){
		.id = x->id,
		.at_ms = now,
		.what = what,
		.created_by = x->created_by,
		.client = client ? client : "",
		.before = change_record(c, before),
		.after = NULL,
	};
}

static int change_write(struct change *c, struct silences *s,
			struct buf *msg)
{
	struct store_silence_write w = { c->put, c->nput, NULL, 0,
					 c->hist, c->nhist };
	int rc;

	/* every history row of a change describes one of its puts */
	for (size_t i = 0; i < c->nhist; i++)
		for (size_t k = 0; k < c->nput; k++)
			if (strcmp(c->hist[i].id, c->put[k].id) == 0)
				c->hist[i].after = c->put[k].data;
	rc = store_silences_write(s->st, &w, msg);
	for (size_t i = 0; i < c->ntext; i++)
		buf_free(&c->text[i]);
	return rc;
}

/* A copy of prev expired at now (Expire()'s rules); NULL if it already
 * is. */
static struct silence *expired_copy(const struct silence *prev, int64_t now)
{
	struct silence *x;

	switch (silence_state(prev, now)) {
	case SILENCE_EXPIRED:
		return NULL;
	case SILENCE_ACTIVE:
		x = silence_dup(prev);
		x->ends_at = now;
		break;
	case SILENCE_PENDING:
	default:
		x = silence_dup(prev);
		x->starts_at = x->ends_at = now;
		break;
	}
	x->updated_at = now;
	return x;
}

static enum silence_rc invalid(struct buf *msg, const struct silence *x)
{
	struct buf e = { 0 };

	if (silence_validate(x, &e) == 0) {
		buf_free(&e);
		return SILENCE_OK;
	}
	if (msg)
		buf_printf(msg, "invalid silence: %s", buf_str(&e));
	buf_free(&e);
	return SILENCE_INVALID;
}

enum silence_rc silences_set(struct silences *s, const struct silence *in,
			     int64_t now, const char *client,
			     char id_out[SILENCE_ID_LEN + 1], struct buf *msg)
{
	const struct silence *prev = NULL;
	struct silence *next, *old = NULL;
	struct change c = { 0 };
	struct buf sink = { 0 };
	enum silence_rc rc;

	if (msg == NULL)
		msg = &sink;
	if (in->id[0] && (prev = silences_get(s, in->id)) == NULL) {
		buf_puts(msg, "silence not found");
		buf_free(&sink);
		return SILENCE_NOT_FOUND;
	}
	next = silence_dup(in);
	if (next->starts_at == 0)
		next->starts_at = now;
	next->updated_at = now;
	if (prev && silence_can_update(prev, next, now)) {
		if ((rc = invalid(msg, next)) != SILENCE_OK)
			goto fail;
		change_put(&c, s, next);
		change_hist(&c, "update", prev, next, now, client);
	} else {
		silence_new_id(next->id);
		if (next->starts_at < now)
			next->starts_at = now;
		if ((rc = invalid(msg, next)) != SILENCE_OK)
			goto fail;
		old = prev ? expired_copy(prev, now) : NULL;
		if (old) {
			change_put(&c, s, old);
			change_hist(&c, "expire", prev, old, now, client);
		}
		change_put(&c, s, next);
		change_hist(&c, "create", NULL, next, now, client);
	}
	if (change_write(&c, s, msg) != 0) {
		rc = SILENCE_STORE_ERR;
		goto fail;
	}
	if (id_out)
		memcpy(id_out, next->id, SILENCE_ID_LEN + 1);
	put(s, next, now);
	if (old)
		put(s, old, now);
	buf_free(&sink);
	return SILENCE_OK;
fail:
	for (size_t i = 0; i < c.ntext; i++)
		buf_free(&c.text[i]);
	silence_free(next);
	silence_free(old);
	buf_free(&sink);
	return rc;
}

enum silence_rc silences_expire(struct silences *s, const char *id,
				int64_t now, const char *client,
				struct buf *msg)
{
	const struct silence *prev = silences_get(s, id);
	struct silence *x;
	struct change c = { 0 };
	struct buf sink = { 0 };

	if (prev == NULL) {
		if (msg)
			buf_puts(msg, "silence not found");
		return SILENCE_NOT_FOUND;
	}
	x = expired_copy(prev, now);
	if (x == NULL)
		return SILENCE_OK;
	change_put(&c, s, x);
	change_hist(&c, "expire", prev, x, now, client);
	if (change_write(&c, s, msg ? msg : &sink) != 0) {
		silence_free(x);
		buf_free(&sink);
		return SILENCE_STORE_ERR;
	}
	put(s, x, now);
	return SILENCE_OK;
}

int silences_gc(struct silences *s, int64_t now, size_t *ndeleted,
		struct buf *err)
{
	struct buf sink = { 0 };
	const char **del = NULL;
	struct store_silence_history *hist = NULL;
	struct buf *text = NULL;
	size_t n = 0, k = 0;
	int rc = -1;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i]->ends_at + s->retention <= now;
	if (n) {
		struct store_silence_write w;

		del = xcalloc(n, sizeof *del);
		hist = xcalloc(n, sizeof *hist);
		text = xcalloc(n, sizeof *text);
		for (size_t i = 0; i < s->n; i++) {
			const struct silence *x = s->v[i];

			if (x->ends_at + s->retention > now)
				continue;
			record_json(&text[k], x);
			del[k] = x->id;
			hist[k] = (struct store_silence_history){
				.id = x->id, .at_ms = now, .what = "gc",
				.created_by = x->created_by, .client = "",
				.before = text[k].s,
			};
			k++;
		}
		w = (struct store_silence_write){ NULL, 0, del, n, hist, n };
		if (store_silences_write(s->st, &w, err ? err : &sink) != 0)
			goto out;
		k = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (s->v[i]->ends_at + s->retention <= now) {
				index_del(s, s->v[i]);
				silence_free(s->v[i]);
			} else {
				s->v[k++] = s->v[i];
			}
		}
		s->n = k;
	}
	/* Silences expired since the last GC leave the index: they cannot
	 * match again.  Those that ended before were removed then. */
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->ends_at >= s->pruned_before &&
		    silence_state(s->v[i], now) == SILENCE_EXPIRED)
			index_del(s, s->v[i]);
	if (now > s->pruned_before)
		s->pruned_before = now;
	if (ndeleted)
		*ndeleted = n;
	rc = 0;
out:
	for (size_t i = 0; text && i < n; i++)
		buf_free(&text[i]);
	free(text);
	free(hist);
	free(del);
	buf_free(&sink);
	return rc;
}

/* ------------------------------------------------------------ matching */

void silence_ids_free(struct silence_ids *ids)
{
	if (ids == NULL)
		return;
	free(ids->v);
	memset(ids, 0, sizeof *ids);
}

static void ids_push(struct silence_ids *ids, const char *id)
{
	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? ids->cap * 2 : 4;
		ids->v = xrealloc(ids->v, ids->cap * sizeof *ids->v);
	}
	memcpy(ids->v[ids->n++], id, SILENCE_ID_LEN + 1);
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void try_candidates(struct silences *s, const struct silence *const *v,
			   size_t n, const struct labels *l, int64_t now,
			   struct silence_ids *out)
{
	for (size_t i = 0; i < n; i++) {
		s->examined++;
		if (silence_state(v[i], now) == SILENCE_ACTIVE &&
		    matchers_match(&v[i]->matchers, l))
			ids_push(out, v[i]->id);
	}
}

size_t silences_mutes(struct silences *s, const struct labels *l,
		      int64_t now, struct silence_ids *out)
{
	out->n = 0;
	for (size_t i = 0; i < l->n && s->nbuckets; i++) {
		const struct label *p = &l->v[i];
		struct bucket *b = bucket_find(s, p->name, p->value,
					       pair_hash(p->name, p->value));

		if (b)
			try_candidates(s, b->v, b->n, l, now, out);
	}
	try_candidates(s, s->scan, s->nscan, l, now, out);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, id_cmp);
	return out->n;
}

uint64_t silences_examined(const struct silences *s)
{
	return s->examined;
}

/* ------------------------------------------------------------- listing */

/* CheckSilenceMatchesFilterLabels: every filter matcher equals one of
 * the silence's. */
static int filter_ok(const struct silence *x, const struct matchers *f)
{
	for (size_t i = 0; f && i < f->n; i++) {
		size_t k;

		for (k = 0; k < x->matchers.n; k++)
			if (matcher_equal(&f->v[i], &x->matchers.v[k]))
				break;
		if (k == x->matchers.n)
			return 0;
	}
	return 1;
}

struct ranked {
	const struct silence *s;
	int rank; /* 0 active, 1 pending, 2 expired */
	int64_t key;
};

static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return strcmp(a->s->id, b->s->id);
}

void silences_list(const struct silences *s, const struct matchers *filter,
		   int64_t now, const struct silence ***out, size_t *n)
{
	struct ranked *r = xcalloc(s->n + 1, sizeof *r);
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct silence *x = s->v[i];

		if (!filter_ok(x, filter))
			continue;
		r[k].s = x;
		switch (silence_state(x, now)) {
		case SILENCE_ACTIVE:
			r[k].rank = 0;
			r[k].key = x->ends_at;
			break;
		case SILENCE_PENDING:
			r[k].rank = 1;
			r[k].key = x->starts_at;
			break;
		case SILENCE_EXPIRED:
			r[k].rank = 2;
			r[k].key = -x->ends_at; /* latest first */
			break;
		}
		k++;
	}
	if (k > 1)
		qsort(r, k, sizeof *r, ranked_cmp);
	*out = xcalloc(k + 1, sizeof **out);
	for (size_t i = 0; i < k; i++)
		(*out)[i] = r[i].s;
	*n = k;
	free(r);
}

void silences_list_json(const struct silences *s,
			const struct matchers *filter, int64_t now,
			struct buf *out)
{
	const struct silence **v;
	size_t n;

	silences_list(s, filter, now, &v, &n);
	buf_putc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		silence_to_json(out, v[i], now);
	}
	buf_putc(out, ']');
	free(v);
}

/* ------------------------------------------------------------ the POST */

void silences_post(struct silences *s, const char *body, size_t len,
		   int64_t now, const char *client, struct silence_answer *a)
{
	struct silence *x = silence_from_json(body, len, a);
	struct buf msg = { 0 };
	char id[SILENCE_ID_LEN + 1];

	if (x == NULL)
		return;
	if (x->starts_at >= x->ends_at) {
		answer_str(a, 400, "Failed to create silence: start time must "
				   "be before end time");
		goto out;
	}
	if (x->ends_at < now) {
		answer_str(a, 400, "Failed to create silence: end time can't "
				   "be in the past");
		goto out;
	}
	switch (silences_set(s, x, now, client, id, &msg)) {
	case SILENCE_OK:
		a->status = 200;
		buf_reset(&a->body);
		buf_puts(&a->body, "{\"silenceID\":");
		jsonw_str(&a->body, id);
		buf_putc(&a->body, '}');
		break;
	case SILENCE_NOT_FOUND:
		answer_str(a, 404, buf_str(&msg));
		break;
	case SILENCE_INVALID:
		answer_str(a, 400, buf_str(&msg));
		break;
	case SILENCE_STORE_ERR:
	default:
		answer_str(a, 500, buf_str(&msg));
		break;
	}
out:
	buf_free(&msg);
	silence_free(x);
}

/* ------------------------------------------------------------- history */

void silence_events_free(struct silence_events *ev)
{
	if (ev == NULL)
		return;
	for (size_t i = 0; i < ev->n; i++) {
		free(ev->v[i].what);
		free(ev->v[i].created_by);
		free(ev->v[i].client);
		free(ev->v[i].before);
		free(ev->v[i].after);
	}
	free(ev->v);
	memset(ev, 0, sizeof *ev);
}

static int event_add(void *ctx, const struct store_silence_history *h)
{
	struct silence_events *ev = ctx;
	struct silence_event *e;

	if (ev->n == ev->cap) {
		ev->cap = ev->cap ? ev->cap * 2 : 8;
		ev->v = xrealloc(ev->v, ev->cap * sizeof *ev->v);
	}
	e = &ev->v[ev->n++];
	memset(e, 0, sizeof *e);
	e->seq = h->seq;
	snprintf(e->id, sizeof e->id, "%s", h->id);
	e->at = h->at_ms;
	e->what = xstrdup(h->what);
	e->created_by = xstrdup(h->created_by);
	e->client = xstrdup(h->client);
	e->before = h->before ? xstrdup(h->before) : NULL;
	e->after = h->after ? xstrdup(h->after) : NULL;
	return 0;
}

int silences_history(struct silences *s, const char *id,
		     struct silence_events *ev, struct buf *err)
{
	struct buf sink = { 0 };
	int rc = store_silence_history(s->st, id, event_add, ev,
				       err ? err : &sink);

	buf_free(&sink);
	return rc;
}
