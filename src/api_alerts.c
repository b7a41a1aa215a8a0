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

/* An RFC 3339 time (strfmt.DateTime); 0 when absent or Go's zero time. */
static int read_time(json_t *v, const char *field, int64_t *ms,
		     struct buf *why)
{
	struct tmpl_gotime t;
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
	rc = tmpl_gotime_parse_json(tok.s, tok.len, &t, why);
	buf_free(&tok);
	if (rc == -1)
		return -1;
	if (t.sec == -62135596800LL && t.nsec == 0)
		return 0; /* time.Time{}: IsZero */
	*ms = t.sec * 1000 + t.nsec / 1000000;
	return 0;
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

/* Validates a label set as model.LabelSet.Validate (legacy names). */
static int set_valid(const struct labels *l, const char *what,
		     struct buf *err)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!labels_name_legacy(l->v[i].name)) {
			buf_printf(err, "%s: invalid name ", what);
			buf_quote(err, l->v[i].name);
			return -1;
		}
		if (!utf8_valid(l->v[i].value, strlen(l->v[i].value))) {
			buf_printf(err, "%s: invalid value ", what);
			buf_quote(err, l->v[i].value);
			return -1;
		}
	}
	return 0;
}

struct pending {
	struct labels *labels, *ann;
	const char *url;
	int64_t starts, ends;
};

static void add_error(struct buf *errs, const struct buf *e)
{
	if (errs->len)
		buf_puts(errs, "; ");
	buf_add(errs, e->s, e->len);
}

void api_alerts_parse(const char *body, size_t len, int64_t now,
		      int64_t resolve_timeout_ms, struct api_alerts_post *p)
{
	json_error_t jerr;
	json_t *doc, *a;
	struct pending *v = NULL;
	struct buf why = {0}, schema = {0}, errs = {0};
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
	p->alerts = xcalloc(json_array_size(doc) + 1, sizeof *p->alerts);
	for (i = 0; i < json_array_size(doc); i++) {
		struct pending *x = &v[i];
		struct buf e = {0};
		int timeout = 0;

		if (!x->labels)
			continue;
		if (!x->starts)
			x->starts = x->ends ? x->ends : now;
		if (!x->ends) {
			x->ends = now + resolve_timeout_ms;
			timeout = 1;
		}
		if (x->ends < x->starts)
			buf_puts(&e, "start time must be before end time");
		else if (set_valid(x->labels, "invalid label set", &e) == -1)
			;
		else if (x->labels->n == 0)
			buf_puts(&e, "at least one label pair required");
		else
			set_valid(x->ann, "invalid annotations", &e);
		if (e.len) {
			add_error(&errs, &e);
			p->ninvalid++;
			buf_free(&e);
			continue;
		}
		p->alerts[p->n] = am_alert_new(x->labels, x->ann, x->url,
					       x->starts, x->ends, now);
		p->alerts[p->n]->timeout = timeout;
		p->n++;
		x->labels = x->ann = NULL;
	}
	if (errs.len) {
		p->status = 400;
		jsonw_str(&p->body, buf_str(&errs));
	}
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
	buf_free(&errs);
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
