/*
 * tmpl_am.c - Alertmanager's notification templates (template/template.go):
 * the data a receiver's templates see (template.Data, Alert, Alerts, KV,
 * Pairs), Alertmanager's functions, the template sets FromGlobs builds and
 * ExecuteTextString, and template.Data read from JSON as `amtool template
 * render --template.data` reads it.  Alertmanager 0.25 is the reference;
 * the functions 0.26-0.28 added (trimSpace, date, tz, since,
 * humanizeDuration) are there too.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "tmpl_int.h"

#ifndef TOCSIN_DATADIR /* the Makefile sets it from PREFIX */
#define TOCSIN_DATADIR "/usr/local/share/tocsin"
#endif

#define ARGS TMPL_ARGS
#define fail tmpl_fail


/* ---------------------------------------------------------------- types */

/* Methods, defined below with their types. */
static int kv_m_names(ARGS), kv_m_remove(ARGS), kv_m_sorted_pairs(ARGS),
    kv_m_values(ARGS), pairs_m_names(ARGS), pairs_m_values(ARGS),
    alerts_m_firing(ARGS), alerts_m_resolved(ARGS);

static const struct tmpl_func kv_methods[] = {
    {"Names", kv_m_names, "", NULL},
    {"Remove", kv_m_remove, "t", "[]string"},
    {"SortedPairs", kv_m_sorted_pairs, "", NULL},
    {"Values", kv_m_values, "", NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct tmpl_func pairs_methods[] = {
    {"Names", pairs_m_names, "", NULL},
    {"Values", pairs_m_values, "", NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct tmpl_func alerts_methods[] = {
    {"Firing", alerts_m_firing, "", NULL},
    {"Resolved", alerts_m_resolved, "", NULL},
    {NULL, NULL, NULL, NULL},
};

/* KV prints as the map it is (0.26 added String(): "a=b, c=d"). */
static const struct tmpl_class kv_class = {
    .type = "template.KV",
    .methods = kv_methods,
};
static const struct tmpl_class pairs_class = {
    .type = "template.Pairs",
    .methods = pairs_methods,
};
static const struct tmpl_class pair_class = {.type = "template.Pair"};
static const struct tmpl_class strings_class = {.type = "[]string"};
static const struct tmpl_class alerts_class = {
    .type = "template.Alerts",
    .methods = alerts_methods,
};
static const struct tmpl_class alert_slice_class = {.type = "[]template.Alert"};
static const struct tmpl_class alert_class = {.type = "template.Alert"};
static const struct tmpl_class data_class = {.type = "template.Data"};

static const char *const alert_fields[] = {
    "Status", "Labels",	      "Annotations", "StartsAt",
    "EndsAt", "GeneratorURL", "Fingerprint",
};
enum { A_STATUS, A_LABELS, A_ANNOTATIONS, A_STARTS, A_ENDS, A_URL, A_FP, A_N };

static const char *const data_fields[] = {
    "Receiver",		 "Status",	"Alerts", "GroupLabels", "CommonLabels",
    "CommonAnnotations", "ExternalURL",
};
enum {
	D_RECEIVER,
	D_STATUS,
	D_ALERTS,
	D_GROUP,
	D_COMMON,
	D_COMMON_ANN,
	D_URL,
	D_N
};

static struct tmpl_value *kv_new(void)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_STRING);

	m->cls = &kv_class;
	return m;
}

static struct tmpl_value *kv_from_labels(const struct labels *l)
{
	struct tmpl_value *m = tmpl_map_labels(l);

	m->cls = &kv_class;
	return m;
}

static struct tmpl_value *strings_new(void)
{
	return tmpl_list_new(&strings_class);
}

/* ----------------------------------------------------------- KV, Pairs */

static struct tmpl_value *pair_new(const char *name, struct tmpl_value *value)
{
	static const char *const names[] = {"Name", "Value"};
	struct tmpl_value *v[2] = {tmpl_string(name), tmpl_ref(value)};

	return tmpl_object_new(&pair_class, names, v, 2, NULL);
}

/* KV.SortedPairs: alertname first, the rest by name. */
static struct tmpl_value *kv_sorted_pairs(const struct tmpl_value *kv)
{
	struct tmpl_value *ps = tmpl_list_new(&pairs_class);
	const struct tmpl_value *an = tmpl_map_get(kv, "alertname");

	if (an)
		tmpl_list_push_take(
		    ps, pair_new("alertname", (struct tmpl_value *)an));
	for (size_t i = 0; i < kv->u.map.n; i++) {
		const struct tmpl_pair *e = &kv->u.map.v[i];

		if (strcmp(e->key, "alertname") != 0)
			tmpl_list_push_take(ps, pair_new(e->key, e->value));
	}
	return ps;
}

/* Pairs.Names (field "Name") or Pairs.Values (field "Value"). */
static struct tmpl_value *pairs_column(const struct tmpl_value *ps,
				       const char *field)
{
	struct tmpl_value *l = strings_new();

	for (size_t i = 0; i < ps->u.list.n; i++)
		tmpl_list_push_take(
		    l, tmpl_ref(tmpl_object_field(ps->u.list.v[i], field)));
	return l;
}

static int kv_m_sorted_pairs(ARGS)
{
	(void)a, (void)n;
	*out = kv_sorted_pairs(c->self);
	return 0;
}

static int kv_column(struct tmpl_call *c, const char *field,
		     struct tmpl_value **out)
{
	struct tmpl_value *ps = kv_sorted_pairs(c->self);

	*out = pairs_column(ps, field);
	tmpl_unref(ps);
	return 0;
}

static int kv_m_names(ARGS)
{
	(void)a, (void)n;
	return kv_column(c, "Name", out);
}

static int kv_m_values(ARGS)
{
	(void)a, (void)n;
	return kv_column(c, "Value", out);
}

static int listed(const struct tmpl_value *list, const char *s)
{
	if (list->kind != TMPL_LIST)
		return 0;
	for (size_t i = 0; i < list->u.list.n; i++)
		if (strcmp(list->u.list.v[i]->u.str.s, s) == 0)
			return 1;
	return 0;
}

/* KV.Remove(keys []string): a copy without the keys. */
static int kv_m_remove(ARGS)
{
	struct tmpl_value *r = kv_new();

	(void)n;
	for (size_t i = 0; i < c->self->u.map.n; i++) {
		const struct tmpl_pair *e = &c->self->u.map.v[i];

		if (!listed(a[0], e->key))
			tmpl_map_set_take(r, e->key, tmpl_ref(e->value));
	}
	*out = r;
	return 0;
}

static int pairs_m_names(ARGS)
{
	(void)a, (void)n;
	*out = pairs_column(c->self, "Name");
	return 0;
}

static int pairs_m_values(ARGS)
{
	(void)a, (void)n;
	*out = pairs_column(c->self, "Value");
	return 0;
}

/* -------------------------------------------------------------- Alerts */

/* Alerts.Firing / Alerts.Resolved: a []Alert (never nil) of one status. */
static int alerts_with(struct tmpl_call *c, const char *status,
		       struct tmpl_value **out)
{
	struct tmpl_value *l = tmpl_list_new(&alert_slice_class);

	for (size_t i = 0; i < c->self->u.list.n; i++) {
		struct tmpl_value *al = c->self->u.list.v[i];
		struct tmpl_value *s = tmpl_object_field(al, "Status");

		if (s && strcmp(s->u.str.s, status) == 0)
			tmpl_list_push_take(l, tmpl_ref(al));
	}
	*out = l;
	return 0;
}

static int alerts_m_firing(ARGS)
{
	(void)a, (void)n;
	return alerts_with(c, "firing", out);
}

static int alerts_m_resolved(ARGS)
{
	(void)a, (void)n;
	return alerts_with(c, "resolved", out);
}

/* ------------------------------------------------------- title casing */

/*
 * cases.Title(language.AmericanEnglish): the first cased letter after a
 * word break is title-cased, the rest of the word lower-cased (so "CPU"
 * becomes "Cpu", unlike strings.Title).  Word breaks follow x/text's
 * approximation of UAX #29: letters, digits, '_' and combining marks
 * continue a word; "mid" runes (' . : U+2019 and kin, format characters)
 * continue it unless two come in a row; anything else breaks it.  Case
 * data covers the scripts tmpl_rune_upper() knows.
 */
enum { WB_LETTER, WB_MID, WB_BREAK, WB_MARK };

static int in_table(uint32_t r, const uint32_t (*t)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r >= t[i][0] && r <= t[i][1])
			return 1;
	return 0;
}

static int word_break_class(uint32_t r)
{
	static const uint32_t mid[][2] = {
	    {0x00ad, 0x00ad}, {0x00b7, 0x00b7}, {0x0387, 0x0387},
	    {0x055f, 0x055f}, {0x05f4, 0x05f4}, {0x0600, 0x0605},
	    {0x061c, 0x061c}, {0x06dd, 0x06dd}, {0x070f, 0x070f},
	    {0x08e2, 0x08e2}, {0x180e, 0x180e}, {0x200e, 0x200f},
	    {0x2018, 0x2019}, {0x2024, 0x2024}, {0x2027, 0x2027},
	    {0x202a, 0x202e}, {0x2060, 0x2064}, {0x2066, 0x206f},
	    {0xfe13, 0xfe13}, {0xfe52, 0xfe52}, {0xfe55, 0xfe55},
	    {0xfeff, 0xfeff}, {0xff07, 0xff07}, {0xff0e, 0xff0e},
	    {0xff1a, 0xff1a}, {0xfff9, 0xfffb},
	};
	static const uint32_t mark[][2] = {
	    {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd},
	    {0x05bf, 0x05bf}, {0x05c1, 0x05c2}, {0x05c4, 0x05c5},
	    {0x05c7, 0x05c7}, {0x0610, 0x061a}, {0x064b, 0x065f},
	    {0x0670, 0x0670}, {0x06d6, 0x06dc}, {0x06df, 0x06e4},
	    {0x06e7, 0x06e8}, {0x06ea, 0x06ed}, {0x1ab0, 0x1aff},
	    {0x1dc0, 0x1dff}, {0x200c, 0x200d}, {0x20d0, 0x20ff},
	    {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f},
	};
	/* letters UAX #29 does not count as ALetter: Han, kana */
	static const uint32_t other[][2] = {
	    {0x2e80, 0x2fdf}, {0x3005, 0x3007}, {0x3021, 0x3029},
	    {0x3038, 0x303c}, {0x3040, 0x30ff}, {0x3190, 0x319f},
	    {0x31f0, 0x31ff}, {0x3400, 0x4dbf}, {0x4e00, 0x9fff},
	    {0xf900, 0xfaff}, {0xff66, 0xff9f}, {0x20000, 0x3ffff},
	};

	if (r < 0x80) {
		if ((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
		    (r >= 'A' && r <= 'Z') || r == '_')
			return WB_LETTER;
		return r == '\'' || r == '.' || r == ':' ? WB_MID : WB_BREAK;
	}
	if (in_table(r, mid, ARRAY_LEN(mid)))
		return WB_MID;
	if (in_table(r, mark, ARRAY_LEN(mark)))
		return WB_MARK;
	if (in_table(r, other, ARRAY_LEN(other)))
		return WB_BREAK;
	if (tmpl_is_letter(r) || tmpl_is_digit(r))
		return WB_LETTER;
	return WB_BREAK;
}

/* Full title-case mappings that are not a single upper-case rune. */
static const struct {
	uint32_t r;
	const char *title;
} title_special[] = {
    {0x00df, "Ss"},
    {0x0149, "\xca\xbcN"},
    {0x01f0, "J\xcc\x8c"},
    {0x0390, "\xce\x99\xcc\x88\xcc\x81"},
    {0x03b0, "\xce\xa5\xcc\x88\xcc\x81"},
    {0x0587, "\xd4\xb5\xd6\x82"},
    {0x1e96, "H\xcc\xb1"},
    {0x1e97, "T\xcc\x88"},
    {0x1e98, "W\xcc\x8a"},
    {0x1e99, "Y\xcc\x8a"},
    {0x1e9a, "A\xca\xbe"},
    {0xfb00, "Ff"},
    {0xfb01, "Fi"},
    {0xfb02, "Fl"},
    {0xfb03, "Ffi"},
    {0xfb04, "Ffl"},
    {0xfb05, "St"},
    {0xfb06, "St"},
};

static int is_cased(uint32_t r)
{
	if (tmpl_rune_upper(r) != r || tmpl_rune_lower(r) != r)
		return 1;
	for (size_t i = 0; i < ARRAY_LEN(title_special); i++)
		if (title_special[i].r == r)
			return 1;
	return r == 0x0138 || r == 0x00aa || r == 0x00ba;
}

static void put_title(struct buf *b, uint32_t r)
{
	static const uint32_t digraph[][2] = {
	    {0x01c4, 0x01c5}, {0x01c5, 0x01c5}, {0x01c6, 0x01c5},
	    {0x01c7, 0x01c8}, {0x01c8, 0x01c8}, {0x01c9, 0x01c8},
	    {0x01ca, 0x01cb}, {0x01cb, 0x01cb}, {0x01cc, 0x01cb},
	    {0x01f1, 0x01f2}, {0x01f2, 0x01f2}, {0x01f3, 0x01f2},
	};

	for (size_t i = 0; i < ARRAY_LEN(title_special); i++) {
		if (title_special[i].r == r) {
			buf_puts(b, title_special[i].title);
			return;
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(digraph); i++) {
		if (digraph[i][0] == r) {
			tmpl_utf8_put(b, digraph[i][1]);
			return;
		}
	}
	tmpl_utf8_put(b, tmpl_rune_upper(r));
}

/* Modifier letters and symbols (Lm, Sk): case-ignorable, yet word
 * breaks. */
static int is_modifier(uint32_t r)
{
	return r == '^' || r == '`' || r == 0xa8 || r == 0xaf || r == 0xb4 ||
	       r == 0xb8 || (r >= 0x2b0 && r <= 0x2ff);
}

/* Lower-cases s[i] inside a word: İ becomes "i̇", Σ final sigma when no
 * cased letter follows (skipping case-ignorable runes). */
static void put_lower(struct buf *b, uint32_t r, const char *s, size_t len,
		      size_t next)
{
	size_t w;

	if (r == 0x0130) {
		buf_puts(b, "i\xcc\x87");
		return;
	}
	if (r == 0x03a3) {
		uint32_t sigma = 0x03c2;

		for (size_t i = next; i < len; i += w) {
			uint32_t x = tmpl_utf8_decode(s + i, len - i, &w);
			int wb = word_break_class(x);

			if (is_cased(x)) {
				sigma = 0x03c3;
				break;
			}
			if (wb != WB_MID && wb != WB_MARK && !is_modifier(x))
				break;
		}
		tmpl_utf8_put(b, sigma);
		return;
	}
	tmpl_utf8_put(b, tmpl_rune_lower(r));
}

static int fn_title(ARGS)
{
	const char *s = a[0]->u.str.s;
	size_t len = a[0]->u.str.len, w;
	struct buf b = {0};
	int mid_word = 0, was_mid = 0;

	(void)c, (void)n;
	for (size_t i = 0; i < len; i += w) {
		uint32_t r = tmpl_utf8_decode(s + i, len - i, &w);
		int wb = word_break_class(r);

		if (was_mid && wb == WB_MID)
			mid_word = 0;
		if (is_cased(r)) {
			if (!mid_word)
				put_title(&b, r);
			else
				put_lower(&b, r, s, len, i + w);
			mid_word = 1;
		} else {
			buf_add(&b, s + i, w);
			if (wb == WB_BREAK)
				mid_word = 0;
		}
		was_mid = wb == WB_MID;
	}
	return tmpl_ret_buf(&b, out);
}

/* ----------------------------------------------------------- functions */

/* unicode.IsSpace */
static int is_space(uint32_t r)
{
	return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xa0 ||
	       r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 ||
	       r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
}

/* strings.TrimSpace (0.26): Unicode white space off both ends; an
 * invalid byte is not space. */
static int fn_trim_space(ARGS)
{
	const char *s = a[0]->u.str.s;
	size_t len = a[0]->u.str.len, start = len, end = 0, w;

	(void)c, (void)n;
	for (size_t i = 0; i < len; i += w) {
		if (is_space(tmpl_utf8_decode(s + i, len - i, &w)))
			continue;
		if (start == len)
			start = i;
		end = i + w;
	}
	*out = start < end ? tmpl_stringn(s + start, end - start)
			   : tmpl_stringn("", 0);
	return 0;
}

/* join sep list: strings.Join with the arguments swapped. */
static int fn_join(ARGS)
{
	const struct tmpl_value *l = a[1];
	struct buf b = {0};

	(void)n;
	if (l->kind == TMPL_LIST) {
		for (size_t i = 0; i < l->u.list.n; i++) {
			const struct tmpl_value *s = l->u.list.v[i];

			if (i > 0)
				buf_add(&b, a[0]->u.str.s, a[0]->u.str.len);
			buf_add(&b, s->u.str.s, s->u.str.len);
			if (b.len > c->max_string) {
				buf_free(&b);
				return fail(c, "result exceeds %zu bytes",
					    c->max_string);
			}
		}
	}
	return tmpl_ret_buf(&b, out);
}

static int fn_string_slice(ARGS)
{
	struct tmpl_value *l = strings_new();

	(void)c;
	for (size_t i = 0; i < n; i++)
		tmpl_list_push_take(l, tmpl_ref(a[i]));
	*out = l;
	return 0;
}

/* date layout t (0.28): t.Format(layout) */
static int fn_date(ARGS)
{
	struct buf b = {0};

	(void)c, (void)n;
	tmpl_gotime_format(&b, tmpl_gotime_of(a[1]), a[0]->u.str.s,
			   a[0]->u.str.len);
	return tmpl_ret_buf(&b, out);
}

/* tz name t (0.28): t in the location called name. */
static int fn_tz(ARGS)
{
	struct tmpl_gotime t = *tmpl_gotime_of(a[1]);

	(void)n;
	if (tmpl_gotime_in(&t, a[0]->u.str.s, c->err) < 0)
		return -1;
	*out = tmpl_gotime_value(&t, 0);
	return 0;
}

/* since t (0.28): time.Since(t), a Duration */
static int fn_since(ARGS)
{
	struct tmpl_gotime now;

	(void)c, (void)n;
	tmpl_gotime_now(&now);
	*out = tmpl_duration_value(tmpl_gotime_sub(&now, tmpl_gotime_of(a[0])));
	return 0;
}

/* humanizeDuration (0.28, prometheus/common): numbers, numeric strings
 * and Durations, as seconds. */
static int fn_humanize_duration(ARGS)
{
	const struct tmpl_value *v = a[0];
	double f;

	(void)n;
	if (v->kind == TMPL_FLOAT && !v->cls)
		f = v->u.f;
	else if (v->kind == TMPL_INT && v->cls == &tmpl_duration_class)
		f = tmpl_duration_in(v->u.i, 1000000000); /* Seconds() */
	else if (v->kind == TMPL_INT &&
		 (!v->cls || v->cls == &tmpl_int64_class))
		f = (double)v->u.i;
	else if (v->kind == TMPL_STRING && !v->cls) {
		if (tmpl_parse_float(v->u.str.s, v->u.str.len, &f, c->err) < 0)
			return -1;
	} else
		return fail(c, "can't convert %s to float", tmpl_type_name(v));
	return tmpl_humanize_duration_float(f, out);
}

#define TIME "time.Time"

const struct tmpl_func tmpl_am_funcs[] = {
    {"toUpper", tmpl_to_upper, "s", NULL},
    {"toLower", tmpl_to_lower, "s", NULL},
    {"title", fn_title, "s", NULL},
    {"trimSpace", fn_trim_space, "s", NULL},
    {"join", fn_join, "st", "[]string"},
    {"match", tmpl_match, "ss", NULL},
    {"safeHtml", tmpl_safe_html, "s", NULL},
    {"reReplaceAll", tmpl_re_replace_all, "sss", NULL},
    {"stringSlice", fn_string_slice, "s*", NULL},
    {"date", fn_date, "st", TIME},
    {"tz", fn_tz, "st", TIME},
    {"since", fn_since, "t", TIME},
    {"humanizeDuration", fn_humanize_duration, "a", NULL},
    {NULL, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ the data */

/* regexp.QuoteMeta */
static char *quote_meta(const char *s)
{
	struct buf b = {0};

	for (; *s; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s))
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	return b.len ? buf_take(&b) : xstrdup("");
}

static struct tmpl_value *time_value(int64_t sec, int32_t nsec)
{
	struct tmpl_gotime t;

	tmpl_gotime_utc(&t, sec, nsec);
	return tmpl_gotime_value(&t, 0);
}

static struct tmpl_value *alert_value(const struct tmpl_am_alert *al)
{
	struct tmpl_value *v[A_N];
	char fp[17];

	if (al->fingerprint)
		snprintf(fp, sizeof(fp), "%s", al->fingerprint);
	else
		snprintf(fp, sizeof(fp), "%016llx",
			 (unsigned long long)(al->labels ? al->labels->fp
							 : labels_hash_pairs(
							       NULL, 0)));
	v[A_STATUS] = tmpl_string(al->status ? al->status : "");
	v[A_LABELS] = kv_from_labels(al->labels);
	v[A_ANNOTATIONS] = kv_from_labels(al->annotations);
	v[A_STARTS] = time_value(al->starts_sec, al->starts_nsec);
	v[A_ENDS] = time_value(al->ends_sec, al->ends_nsec);
	v[A_URL] = tmpl_string(al->generator_url ? al->generator_url : "");
	v[A_FP] = tmpl_string(fp);
	return tmpl_object_new(&alert_class, alert_fields, v, A_N, NULL);
}

/* The pairs every alert's label set (or annotations) shares. */
static struct tmpl_value *common(const struct tmpl_am_alert *al, size_t n,
				 int annotations)
{
	const struct labels *first =
	    annotations ? al[0].annotations : al[0].labels;
	struct tmpl_value *kv = kv_new();

	for (size_t i = 0; first && i < first->n; i++) {
		const struct label *p = &first->v[i];
		size_t k = 1;

		for (; k < n; k++) {
			const struct labels *l =
			    annotations ? al[k].annotations : al[k].labels;
			const char *v = l ? labels_get(l, p->name) : NULL;

			if (!v || strcmp(v, p->value) != 0)
				break;
		}
		if (k == n)
			tmpl_map_set_take(kv, p->name, tmpl_string(p->value));
	}
	return kv;
}

static struct tmpl_value *data_object(struct tmpl_value **v)
{
	return tmpl_object_new(&data_class, data_fields, v, D_N, NULL);
}

struct tmpl_value *tmpl_am_data_new(const struct tmpl_am_notification *nf)
{
	struct tmpl_value *v[D_N], *alerts = tmpl_list_new(&alerts_class);
	int firing = 0;
	char *q;

	for (size_t i = 0; i < nf->nalerts; i++) {
		tmpl_list_push_take(alerts, alert_value(&nf->alerts[i]));
		if (nf->alerts[i].status &&
		    strcmp(nf->alerts[i].status, "firing") == 0)
			firing = 1;
	}
	q = quote_meta(nf->receiver ? nf->receiver : "");
	v[D_RECEIVER] = tmpl_string_take(q, strlen(q));
	v[D_STATUS] = tmpl_string(firing ? "firing" : "resolved");
	v[D_ALERTS] = alerts;
	v[D_GROUP] = kv_from_labels(nf->group_labels);
	v[D_COMMON] =
	    nf->nalerts ? common(nf->alerts, nf->nalerts, 0) : kv_new();
	v[D_COMMON_ANN] =
	    nf->nalerts ? common(nf->alerts, nf->nalerts, 1) : kv_new();
	v[D_URL] = tmpl_string(nf->external_url ? nf->external_url : "");
	return data_object(v);
}

/* A KV from {NULL}-terminated name, value pairs. */
static struct tmpl_value *kv_of(const char *const *p)
{
	struct tmpl_value *kv = kv_new();

	for (; *p; p += 2)
		tmpl_map_set_take(kv, p[0], tmpl_string(p[1]));
	return kv;
}

/* One of amtool's example alerts, started ago_min minutes before now. */
static struct tmpl_value *example_alert(const char *const *labels,
					const char *const *annotations,
					int ago_min, const char *fp,
					const struct tmpl_gotime *now)
{
	struct tmpl_gotime start = *now;
	struct tmpl_value *v[A_N];

	start.sec -= ago_min * 60;
	v[A_STATUS] = tmpl_string("alertstatus");
	v[A_LABELS] = kv_of(labels);
	v[A_ANNOTATIONS] = kv_of(annotations);
	v[A_STARTS] = tmpl_gotime_value(&start, 0);
	v[A_ENDS] = tmpl_gotime_value(now, 0);
	v[A_URL] = tmpl_string("https://generatorurl.com");
	v[A_FP] = tmpl_string(fp);
	return tmpl_object_new(&alert_class, alert_fields, v, A_N, NULL);
}

struct tmpl_value *tmpl_am_data_example(void)
{
	static const char *const l1[] = {"label1",
					 "value1",
					 "label2",
					 "value2",
					 "instance",
					 "foo.bar:1234",
					 "commonlabelkey1",
					 "commonlabelvalue1",
					 "commonlabelkey2",
					 "commonlabelvalue2",
					 NULL};
	static const char *const a1[] = {"annotation1",
					 "value1",
					 "annotation2",
					 "value2",
					 "commonannotationkey1",
					 "commonannotationvalue1",
					 "commonannotationkey2",
					 "commonannotationvalue2",
					 NULL};
	static const char *const l2[] = {"foo",
					 "bar",
					 "baz",
					 "qux",
					 "commonlabelkey1",
					 "commonlabelvalue1",
					 "commonlabelkey2",
					 "commonlabelvalue2",
					 NULL};
	static const char *const a2[] = {"aaa",
					 "bbb",
					 "ccc",
					 "ddd",
					 "commonannotationkey1",
					 "commonannotationvalue1",
					 "commonannotationkey2",
					 "commonannotationvalue2",
					 NULL};
	static const char *const gl[] = {"grouplabelkey1", "grouplabelvalue1",
					 "grouplabelkey2", "grouplabelvalue2",
					 NULL};
	static const char *const cl[] = {"commonlabelkey1", "commonlabelvalue1",
					 "commonlabelkey2", "commonlabelvalue2",
					 NULL};
	static const char *const ca[] = {
	    "commonannotationkey1", "commonannotationvalue1",
	    "commonannotationkey2", "commonannotationvalue2", NULL};
	struct tmpl_value *v[D_N], *alerts = tmpl_list_new(&alerts_class);
	struct tmpl_gotime now;

	tmpl_gotime_now(&now);
	tmpl_list_push_take(alerts,
			    example_alert(l1, a1, 5, "fingerprint1", &now));
	tmpl_list_push_take(alerts,
			    example_alert(l2, a2, 10, "fingerprint2", &now));
	v[D_RECEIVER] = tmpl_string("receiver");
	v[D_STATUS] = tmpl_string("alertstatus");
	v[D_ALERTS] = alerts;
	v[D_GROUP] = kv_of(gl);
	v[D_COMMON] = kv_of(cl);
	v[D_COMMON_ANN] = kv_of(ca);
	v[D_URL] = tmpl_string("https://example.com");
	return data_object(v);
}

/* ---------------------------------------------------------------- JSON */

/*
 * encoding/json into template.Data: keys match fields exactly or ignoring
 * case, unknown keys are skipped, null leaves a field zero.  A value of
 * the wrong type is an error (the first is reported once decoding ends); a
 * time that does not parse stops decoding, as Go's UnmarshalJSON does.
 */
struct jctx {
	struct buf *err;
	int failed, fatal;
};

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "number";
	}
}

static void type_error(struct jctx *jc, const json_t *v, const char *strct,
		       const char *field, const char *type)
{
	if (jc->failed)
		return;
	jc->failed = 1;
	if (strct)
		buf_printf(jc->err,
			   "json: cannot unmarshal %s into Go struct field "
			   "%s.%s of type %s",
			   json_kind(v), strct, field, type);
	else
		buf_printf(jc->err,
			   "json: cannot unmarshal %s into Go value of type %s",
			   json_kind(v), type);
}

/* The field key names, exactly or else ignoring ASCII case; -1 if none. */
static int field_index(const char *key, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(key, names[i]) == 0)
			return i;
	for (int i = 0; i < n; i++)
		if (strcasecmp(key, names[i]) == 0)
			return i;
	return -1;
}

static struct tmpl_value *json_str(struct jctx *jc, const json_t *v,
				   const char *strct, const char *field)
{
	if (json_is_string(v))
		return tmpl_stringn(json_string_value(v),
				    json_string_length(v));
	if (!json_is_null(v))
		type_error(jc, v, strct, field, "string");
	return tmpl_stringn("", 0);
}

static struct tmpl_value *json_kv(struct jctx *jc, const json_t *v,
				  const char *strct, const char *field)
{
	struct tmpl_value *kv = kv_new();
	const char *key;
	json_t *e;

	if (json_is_null(v))
		return kv;
	if (!json_is_object(v)) {
		type_error(jc, v, strct, field, "template.KV");
		return kv;
	}
	json_object_foreach((json_t *)v, key, e)
	{
		if (json_is_string(e))
			tmpl_map_set_take(kv, key,
					  tmpl_stringn(json_string_value(e),
						       json_string_length(e)));
		else if (json_is_null(e))
			tmpl_map_set_take(kv, key, tmpl_stringn("", 0));
		else
			type_error(jc, e, strct, field, "string");
	}
	return kv;
}

static struct tmpl_value *json_time(struct jctx *jc, const json_t *v)
{
	struct tmpl_gotime t;
	struct buf raw = {0}, why = {0};

	tmpl_gotime_utc(&t, TMPL_ZERO_TIME_SEC, 0);
	if (json_is_null(v))
		return tmpl_gotime_value(&t, 0);
	if (json_is_string(v)) {
		buf_putc(&raw, '"');
		buf_add(&raw, json_string_value(v), json_string_length(v));
		buf_putc(&raw, '"');
	} else {
		char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		buf_puts(&raw, d ? d : "");
		free(d);
	}
	if (tmpl_gotime_parse_json(raw.s, raw.len, &t, &why) < 0) {
		buf_reset(jc->err);
		buf_puts(jc->err, buf_str(&why));
		jc->failed = jc->fatal = 1;
		tmpl_gotime_utc(&t, TMPL_ZERO_TIME_SEC, 0);
	}
	buf_free(&raw);
	buf_free(&why);
	return tmpl_gotime_value(&t, 0);
}

static const char *const alert_json[] = {
    "status", "labels",	      "annotations", "startsAt",
    "endsAt", "generatorURL", "fingerprint",
};
static const char *const data_json[] = {
    "receiver",		 "status",	"alerts", "groupLabels", "commonLabels",
    "commonAnnotations", "externalURL",
};

static struct tmpl_value *json_alert(struct jctx *jc, const json_t *o)
{
	struct tmpl_value *v[A_N];
	const char *key;
	json_t *e;

	v[A_STATUS] = tmpl_stringn("", 0);
	v[A_LABELS] = kv_new();
	v[A_ANNOTATIONS] = kv_new();
	v[A_STARTS] = json_time(jc, json_null());
	v[A_ENDS] = json_time(jc, json_null());
	v[A_URL] = tmpl_stringn("", 0);
	v[A_FP] = tmpl_stringn("", 0);
	json_object_foreach((json_t *)o, key, e)
	{
		int f = field_index(key, alert_json, A_N);
		char path[64];

		if (f < 0 || jc->fatal)
			continue;
		snprintf(path, sizeof(path), "alerts.%s", alert_json[f]);
		tmpl_unref(v[f]);
		if (f == A_LABELS || f == A_ANNOTATIONS)
			v[f] = json_kv(jc, e, "Alert", path);
		else if (f == A_STARTS || f == A_ENDS)
			v[f] = json_time(jc, e);
		else
			v[f] = json_str(jc, e, "Alert", path);
	}
	return tmpl_object_new(&alert_class, alert_fields, v, A_N, NULL);
}

static struct tmpl_value *json_alerts(struct jctx *jc, const json_t *a)
{
	struct tmpl_value *l = tmpl_list_new(&alerts_class);
	size_t i;
	json_t *e;

	if (json_is_null(a))
		return l;
	if (!json_is_array(a)) {
		type_error(jc, a, "Data", "alerts", "template.Alerts");
		return l;
	}
	json_array_foreach(a, i, e)
	{
		if (jc->fatal)
			break;
		if (json_is_object(e) || json_is_null(e)) {
			json_t *o = json_is_null(e) ? json_object() : NULL;

			tmpl_list_push_take(l, json_alert(jc, o ? o : e));
			json_decref(o);
		} else {
			type_error(jc, e, "Data", "alerts", "template.Alert");
		}
	}
	return l;
}

static struct tmpl_value *json_data(struct jctx *jc, const json_t *o)
{
	struct tmpl_value *v[D_N];
	const char *key;
	json_t *e;

	v[D_RECEIVER] = tmpl_stringn("", 0);
	v[D_STATUS] = tmpl_stringn("", 0);
	v[D_ALERTS] = tmpl_list_new(&alerts_class);
	v[D_GROUP] = kv_new();
	v[D_COMMON] = kv_new();
	v[D_COMMON_ANN] = kv_new();
	v[D_URL] = tmpl_stringn("", 0);
	json_object_foreach((json_t *)o, key, e)
	{
		int f = field_index(key, data_json, D_N);

		if (f < 0 || jc->fatal)
			continue;
		tmpl_unref(v[f]);
		if (f == D_ALERTS)
			v[f] = json_alerts(jc, e);
		else if (f == D_GROUP || f == D_COMMON || f == D_COMMON_ANN)
			v[f] = json_kv(jc, e, "Data", data_json[f]);
		else
			v[f] = json_str(jc, e, "Data", data_json[f]);
	}
	return data_object(v);
}

int tmpl_am_data_parse_json(const char *text, size_t len,
			    struct tmpl_value **out, struct buf *err)
{
	json_error_t je;
	json_t *root =
	    json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	struct jctx jc = {.err = err};
	json_t *empty = NULL;

	*out = NULL;
	if (!root) {
		buf_printf(err, "invalid JSON at line %d, column %d: %s",
			   je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_object(root) && !json_is_null(root)) {
		type_error(&jc, root, NULL, NULL, "template.Data");
		json_decref(root);
		return -1;
	}
	if (json_is_null(root))
		empty = json_object();
	*out = json_data(&jc, empty ? empty : root);
	json_decref(empty);
	json_decref(root);
	if (jc.failed) {
		tmpl_unref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------- template sets */

char *tmpl_am_template_dir(void)
{
	static const char *const rel[] = {"templates", "../templates",
					  "../../templates",
					  "../share/tocsin/templates"};
	const char *env = getenv("TOCSIN_DATADIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return path_join(env, "templates");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *dir;

		exe[n] = '\0';
		dir = path_dir(exe);
		for (size_t i = 0; i < ARRAY_LEN(rel); i++) {
			char *t = path_join(dir, rel[i]);
			char *f = path_join(t, "default.tmpl");
			int ok = access(f, R_OK) == 0;

			free(f);
			if (ok) {
				free(dir);
				return t;
			}
			free(t);
		}
		free(dir);
	}
	return xstrdup(TOCSIN_DATADIR "/templates");
}

/* Parses one file as template `name` (its base name, as ParseFiles
 * names it). */
static int parse_file(struct tmpl_set *set, const char *path, struct buf *err)
{
	const char *base = strrchr(path, '/');
	size_t len;
	char *text = file_read(path, &len);
	int rc;

	if (!text) {
		/* Go's error strings are strerror's, lower-cased */
		const char *why = strerror(errno);

		buf_printf(err, "open %s: %c%s", path, tolower(why[0]),
			   why + 1);
		return -1;
	}
	rc = tmpl_parse(set, base ? base + 1 : path, text, len, err);
	free(text);
	return rc;
}

/* filepath.Match's syntax check: an unclosed '[' or a trailing '\'. */
static int glob_bad(const char *p)
{
	for (; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				return 1;
		} else if (*p == '[') {
			const char *q = p + 1;

			if (*q == '^' || *q == '!')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q += *q == '\\' && q[1] ? 2 : 1;
			if (!*q)
				return 1;
			p = q;
		}
	}
	return 0;
}

/* Paths in the order filepath.Glob gives them: directory by directory. */
static int path_order(const void *x, const void *y)
{
	const unsigned char *a = *(const unsigned char *const *)x;
	const unsigned char *b = *(const unsigned char *const *)y;

	for (; *a && *a == *b; a++, b++)
		;
	return (*a == '/' ? 0 : *a) - (*b == '/' ? 0 : *b);
}

/* FromGlob: every file the pattern matches, none being no error. */
static int parse_glob(struct tmpl_set *set, const char *pattern,
		      struct buf *err)
{
	glob_t g;
	int rc = 0;

	if (glob_bad(pattern)) {
		buf_puts(err, "syntax error in pattern");
		return -1;
	}
	if (glob(pattern, GLOB_PERIOD | GLOB_NOSORT, NULL, &g) != 0) {
		globfree(&g);
		return 0;
	}
	qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv), path_order);
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/');

		base = base ? base + 1 : g.gl_pathv[i];
		if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
			continue;
		rc = parse_file(set, g.gl_pathv[i], err);
	}
	globfree(&g);
	return rc;
}

struct tmpl_set *tmpl_am_set_new(const char *dir, const char *const *globs,
				 size_t nglobs, struct buf *err)
{
	static const char *const builtin[] = {"default.tmpl", "email.tmpl"};
	struct tmpl_set *set = tmpl_set_new();

	tmpl_set_funcs(set, tmpl_am_funcs);
	tmpl_set_missingkey(set, TMPL_MISSINGKEY_ZERO);
	for (size_t i = 0; dir && i < ARRAY_LEN(builtin); i++) {
		char *path = path_join(dir, builtin[i]);
		int skip = i > 0 && access(path, F_OK) != 0;
		int rc = skip ? 0 : parse_file(set, path, err);

		free(path);
		if (rc < 0)
			goto fail;
	}
	for (size_t i = 0; i < nglobs; i++)
		if (parse_glob(set, globs[i], err) < 0)
			goto fail;
	return set;
fail:
	tmpl_set_free(set);
	return NULL;
}

typedef int (*exec_fn)(const struct tmpl_set *set, const char *name,
		       struct tmpl_value *data,
		       const struct tmpl_exec_opts *opts, struct buf *out,
		       struct buf *err);

/* ExecuteTextString / ExecuteHTMLString: text parsed as "" into a layer
 * over set, so its {{define}}s last for this rendering only. */
static int render(const struct tmpl_set *set, const char *text,
		  struct tmpl_value *data, exec_fn exec, struct buf *out,
		  struct buf *err)
{
	struct tmpl_set *child;
	int rc;

	if (!text[0])
		return 0;
	child = tmpl_set_new_child(set);
	rc = tmpl_parse(child, "", text, strlen(text), err);
	if (rc == 0)
		rc = exec(child, "", data, NULL, out, err);
	tmpl_set_free(child);
	return rc;
}

int tmpl_am_render(const struct tmpl_set *set, const char *text,
		   struct tmpl_value *data, struct buf *out, struct buf *err)
{
	return render(set, text, data, tmpl_exec, out, err);
}

int tmpl_am_render_html(const struct tmpl_set *set, const char *text,
			struct tmpl_value *data, struct buf *out,
			struct buf *err)
{
	return render(set, text, data, tmpl_exec_html, out, err);
}
