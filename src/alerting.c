/*
 * alerting.c - the alerting-rule state machine: Prometheus' AlertingRule.Eval
 * and sendAlerts step by step, the alert table, reload carry-over and the
 * restore arithmetic.  Nothing here reads a clock or does I/O.
 *
 * Section and step numbers in comments refer to
 * ../shared/reference/ruler.md §2.
 */
#include "alerting.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ERR_DUPLICATE                                                          \
	"vector contains metrics with the same labelset after applying alert " \
	"labels"

const char *alerting_state_name(enum alert_state s)
{
	static const char *const names[] = {"unknown", "inactive", "pending",
					    "firing"};

	return (unsigned)s < ARRAY_LEN(names) ? names[s] : "unknown";
}

const char *alerting_health_name(enum alerting_health h)
{
	static const char *const names[] = {"unknown", "ok", "err"};

	return (unsigned)h < ARRAY_LEN(names) ? names[h] : "unknown";
}

/* ---------------------------------------------------------------- alerts */


static struct alert *alert_new(void)
{
	struct alert *a = xcalloc(1, sizeof *a);

	a->active_at = a->fired_at = a->resolved_at = ALERT_TIME_ZERO;
	a->last_sent_at = a->valid_until = a->keep_firing_since =
	    ALERT_TIME_ZERO;
	return a;
}

static void alert_free(struct alert *a)
{
	if (!a)
		return;
	labels_free(a->labels);
	labels_free(a->annotations);
	free(a);
}

/* ------------------------------------------------------------ the table */

/* Returns the slot holding labels l, or the empty slot where it would go.
 * The table has at least one empty slot. */
static size_t table_slot(const struct alert_table *t, const struct labels *l)
{
	size_t mask = t->cap - 1, i = (size_t)l->fp & mask;

	while (t->slots[i] && !labels_equal(t->slots[i]->labels, l))
		i = (i + 1) & mask;
	return i;
}

static struct alert *table_get(const struct alert_table *t,
			       const struct labels *l)
{
	return t->cap ? t->slots[table_slot(t, l)] : NULL;
}

static void table_put(struct alert_table *t, struct alert *a);

static void table_grow(struct alert_table *t)
{
	struct alert_table old = *t;

	t->cap = old.cap ? old.cap * 2 : 8;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	t->count = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i])
			table_put(t, old.slots[i]);
	free(old.slots);
}

/* Adds a (taken), replacing and freeing an alert with the same labels. */
static void table_put(struct alert_table *t, struct alert *a)
{
	size_t i;

	if ((t->count + 1) * 2 > t->cap)
		table_grow(t);
	i = table_slot(t, a->labels);
	if (t->slots[i])
		alert_free(t->slots[i]);
	else
		t->count++;
	t->slots[i] = a;
}

/* Empties t; free_alerts says whether the alerts go too. */
static void table_clear(struct alert_table *t, int free_alerts)
{
	for (size_t i = 0; free_alerts && i < t->cap; i++)
		alert_free(t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* Deletes and frees the doomed alerts by rebuilding the table. */
static void table_sweep(struct alert_table *t)
{
	struct alert_table old = *t;

	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < old.cap; i++) {
		struct alert *a = old.slots[i];

		if (a && a->doomed)
			alert_free(a);
		else if (a)
			table_put(t, a);
	}
	free(old.slots);
}

static int alert_ptr_cmp(const void *x, const void *y)
{
	const struct alert *a = *(struct alert *const *)x;
	const struct alert *b = *(struct alert *const *)y;

	return labels_cmp(a->labels, b->labels);
}

/* Returns the alerts of t sorted by labels (NULL when none). */
static struct alert **table_sorted(const struct alert_table *t, size_t *n)
{
	struct alert **v;
	size_t k = 0;

	*n = t->count;
	if (!t->count)
		return NULL;
	v = xmalloc(t->count * sizeof *v);
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			v[k++] = t->slots[i];
	assert(k == t->count);
	qsort(v, k, sizeof *v, alert_ptr_cmp);
	return v;
}

/* Returns the alerts of t due for sending at ts, sorted by labels, as
 * table_sorted() would list them (NULL when none). */
static struct alert **table_due(const struct alert_table *t, int64_t ts,
				int64_t resend_delay_ms, size_t *n)
{
	struct alert **v = NULL;
	size_t k = 0;

	for (size_t i = 0; i < t->cap; i++) {
		struct alert *a = t->slots[i];

		if (!a || !alerting_needs_sending(a, ts, resend_delay_ms))
			continue;
		if (!v)
			v = xmalloc(t->count * sizeof *v);
		v[k++] = a;
	}
	if (k > 1)
		qsort(v, k, sizeof *v, alert_ptr_cmp);
	*n = k;
	return v;
}

/* ------------------------------------------------------------ the rule */

static void kv_copy(struct rule_kv *dst, const struct rule_kv *src)
{
	dst->name = xstrdup(src->name);
	dst->value = xstrdup(src->value);
}

/* Merges two name-sorted lists; b wins on equal names (rules.FromMaps). */
static struct rule_kv *kv_merge(const struct rule_kv *a, size_t na,
				const struct rule_kv *b, size_t nb, size_t *n)
{
	struct rule_kv *v = xmalloc((na + nb ? na + nb : 1) * sizeof *v);
	size_t i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		int c = strcmp(a[i].name, b[j].name);

		if (c == 0)
			i++;
		kv_copy(&v[k++], c < 0 ? &a[i++] : &b[j++]);
	}
	while (i < na)
		kv_copy(&v[k++], &a[i++]);
	while (j < nb)
		kv_copy(&v[k++], &b[j++]);
	*n = k;
	return v;
}

static void kv_free(struct rule_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* Returns a copy of s without leading and trailing ASCII white space. */
static char *trim_dup(const char *s)
{
	const char *ws = " \t\n\r\v\f";
	size_t len;

	s += strspn(s, ws);
	len = strlen(s);
	while (len && strchr(ws, s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/*
 * Returns 1 when a template's output is a function of its data alone
 * ($labels, $value, $externalLabels, $externalURL): no `query` (the TSDB)
 * and no `now` (the clock).  Only a name's absence from the text is
 * trusted, so "unknown" counts as a use of `now`: a false 0 costs a
 * render, a false 1 would show a stale annotation.
 */
static int tmpl_text_pure(const char *text)
{
	if (!strstr(text, "{{"))
		return 1;
	return !strstr(text, "query") && !strstr(text, "now");
}

/* What an annotation template reads (alerting_rule.ann_kind). */
enum {
	ANN_RENDER, /* the clock or the TSDB: render at every evaluation */
	ANN_VALUE,  /* its data, $value among it */
	ANN_FIXED,  /* its data but $value */
};

/* Skips the Go template string literal ("...", `...` or '...') at *p;
 * returns 0 when it does not end. */
static int skip_literal(const char **p)
{
	const char *s = *p;
	char q = *s++;

	while (*s && *s != q) {
		if (q != '`' && *s == '\\' && s[1])
			s++; /* an escaped character */
		s++;
	}
	if (!*s)
		return 0;
	*p = s + 1;
	return 1;
}

/*
 * Returns 1 when a template cannot read $value.  Like tmpl_text_pure(),
 * it trusts absences only: no "alue" anywhere ($value, .Value, $.Value,
 * the value function), and in the actions (string literals skipped) no
 * dot that starts no field name and no bare $ - the data itself, which
 * holds Value.  So `{{ 0.5 }}` or a range over $labels count as reading
 * it: they only cost a render.
 */
static int tmpl_text_value_free(const char *text)
{
	const char *p = text;

	if (strstr(text, "alue"))
		return 0;
	while ((p = strstr(p, "{{"))) {
		for (p += 2; *p && !(p[0] == '}' && p[1] == '}');) {
			unsigned char next = (unsigned char)p[1];
			int ident = isalnum(next) || next == '_';

			if (*p == '"' || *p == '`' || *p == '\'') {
				if (!skip_literal(&p))
					return 0;
				continue;
			}
			if ((*p == '.' && (!ident || isdigit(next))) ||
			    (*p == '$' && !ident))
				return 0;
			p++;
		}
		if (!*p)
			return 0;
	}
	return 1;
}

struct alerting_rule *alerting_rule_new(const struct rule *rule,
					const struct rule_group *group)
{
	struct alerting_rule *r = xcalloc(1, sizeof *r);

	r->name = xstrdup(rule->name);
	/* The parsed-and-printed expression Prometheus links to never has
	 * surrounding white space; a block scalar's text ends in "\n". */
	r->expr = trim_dup(rule->expr);
	r->for_ms = rule->for_ms;
	r->keep_firing_for_ms = rule->keep_firing_for_ms;
	if (group)
		r->labels = kv_merge(group->labels, group->nlabels,
				     rule->labels, rule->nlabels, &r->nlabels);
	else
		r->labels =
		    kv_merge(rule->labels, rule->nlabels, NULL, 0, &r->nlabels);
	r->annotations = kv_merge(rule->annotations, rule->nannotations, NULL,
				  0, &r->nannotations);
	r->label_tmpls = xcalloc(r->nlabels + 1, sizeof *r->label_tmpls);
	r->label_dyn = xcalloc(r->nlabels + 1, 1);
	for (size_t i = 0; i < r->nlabels; i++) {
		r->label_tmpls[i] = tmpl_rule_compile(r->name,
						      r->labels[i].value);
		r->label_dyn[i] = strstr(r->labels[i].value, "{{") != NULL;
	}
	r->labels_plain = 1;
	for (size_t i = 0; i < r->nlabels; i++)
		if (r->label_dyn[i])
			r->labels_plain = 0;
	r->annotation_tmpls =
		xcalloc(r->nannotations + 1, sizeof *r->annotation_tmpls);
	r->ann_kind = xcalloc(r->nannotations + 1, 1);
	for (size_t i = 0; i < r->nannotations; i++) {
		const char *text = r->annotations[i].value;

		r->annotation_tmpls[i] = tmpl_rule_compile(r->name, text);
		r->ann_kind[i] = !tmpl_text_pure(text)	     ? ANN_RENDER
				 : tmpl_text_value_free(text) ? ANN_FIXED
							      : ANN_VALUE;
	}
	r->health = ALERTING_HEALTH_UNKNOWN;
	r->evaluated_at = ALERT_TIME_ZERO;
	return r;
}

void alerting_rule_free(struct alerting_rule *r)
{
	if (!r)
		return;
	table_clear(&r->active, 1);
	for (size_t i = 0; i < r->nlabels; i++)
		tmpl_rule_tmpl_free(r->label_tmpls[i]);
	for (size_t i = 0; i < r->nannotations; i++)
		tmpl_rule_tmpl_free(r->annotation_tmpls[i]);
	free(r->label_tmpls);
	free(r->annotation_tmpls);
	free(r->label_dyn);
	free(r->ann_kind);
	free(r->prev);
	free(r->prev_keys);
	free(r->cache_name);
	labels_free(r->cache_ext_labels);
	free(r->cache_ext_url);
	kv_free(r->labels, r->nlabels);
	kv_free(r->annotations, r->nannotations);
	free(r->last_error);
	free(r->expr);
	free(r->name);
	free(r);
}

/* Marks the evaluation failed with msg (health err, §2.6); returns -1. */
static int rule_fail(struct alerting_rule *r, char *msg)
{
	free(r->last_error);
	r->last_error = msg;
	r->health = ALERTING_HEALTH_ERR;
	return -1;
}

/* ------------------------------------------- step 2: alerts of a result */

/* What expanding one sample's templates needs: data.labels is NULL until
 * sample_labels() asks the result for them. */
struct expand_ctx {
	const struct alerting_rule *r;
	const struct alerting_result *res;
	size_t i; /* the sample's index */
	struct tmpl_rule_data data;
	struct tmpl_rule_env env;
};

static void sample_labels(struct expand_ctx *x)
{
	if (!x->data.labels)
		x->data.labels = x->res->labels_of(x->res->labels_ctx, x->i);
}

/* Returns the expanded template text (the caller frees it).  A failing
 * template yields "<error expanding template: ...>" and is no error. */
static char *expand(const struct expand_ctx *x, const struct tmpl_rule_tmpl *t)
{
	char *out;

	tmpl_rule_exec(t, &x->data, &x->env, &out);
	return out;
}

/* The pairs of one alert's labels, pointing into the sample, the rule and
 * vals (the rendered label templates, NULL where the text is plain). */
struct alert_pairs {
	struct label *v, vbuf[32];
	char **vals, *valbuf[16];
	size_t n;
	const char *metric; /* the sample's __name__; NULL: none */
	int lossless;
};

/* strcmp(name, "alertname") > 0, mostly told by the first byte. */
static int after_alertname(const char *name)
{
	if (name[0] != 'a')
		return (unsigned char)name[0] > 'a';
	return strcmp(name, "alertname") > 0;
}

/* Alert labels: the sample's without __name__, then each rule label
 * expanded (an empty result deletes it), then alertname.  Both inputs are
 * sorted, so this is a merge, not a builder.  Release p with
 * pairs_free().
 *
 * Sets p->metric to the sample's __name__ and p->lossless to 1 when every
 * other label of the sample reappears unchanged in the result (it has no
 * alertname, no label the rule sets and no empty value): then the result,
 * the rule's label names and p->metric tell the sample's labels exactly. */
static void pairs_make(const struct expand_ctx *x, struct alert_pairs *p)
{
	const struct labels *sl = x->data.labels;
	const struct alerting_rule *r = x->r;
	size_t cap = sl->n + r->nlabels + 1, n = 0, i = 0, j = 0;
	struct label *v;
	int have_alertname = 0;

	p->v = cap <= ARRAY_LEN(p->vbuf) ? p->vbuf : xmalloc(cap * sizeof *v);
	p->vals = r->nlabels <= ARRAY_LEN(p->valbuf)
			  ? p->valbuf
			  : xmalloc(r->nlabels * sizeof *p->vals);
	p->metric = NULL;
	p->lossless = 1;
	v = p->v;
	/* plain text renders as itself: no copy */
	for (size_t k = 0; k < r->nlabels; k++)
		p->vals[k] =
			r->label_dyn[k] ? expand(x, r->label_tmpls[k]) : NULL;
	while (i < sl->n || j < r->nlabels) {
		int c = i == sl->n	  ? 1
			: j == r->nlabels ? -1
					  : strcmp(sl->v[i].name,
						   r->labels[j].name);
		const char *name, *value;

		if (c < 0) {
			name = sl->v[i].name;
			value = sl->v[i++].value;
			if (name[0] == '_' && strcmp(name, "__name__") == 0) {
				p->metric = value;
				continue;
			}
			if (!value[0])
				p->lossless = 0;
		} else {
			if (c == 0) {
				i++; /* the rule's label wins */
				p->lossless = 0;
			}
			name = r->labels[j].name;
			value = p->vals[j] ? p->vals[j] : r->labels[j].value;
			j++;
		}
		if (name[0] == 'a' && strcmp(name, "alertname") == 0) {
			if (c < 0)
				p->lossless = 0;
			value = r->name;
			have_alertname = 1;
		}
		if (!value[0])
			continue;
		/* alertname comes in its sorted place */
		if (!have_alertname && after_alertname(name)) {
			v[n].name = "alertname";
			v[n++].value = r->name;
			have_alertname = 1;
		}
		v[n].name = name;
		v[n++].value = value;
	}
	if (!have_alertname) {
		v[n].name = "alertname";
		v[n++].value = r->name;
	}
	p->n = n;
}

static void pairs_free(const struct alerting_rule *r, struct alert_pairs *p)
{
	for (size_t k = 0; k < r->nlabels; k++)
		free(p->vals[k]);
	if (p->vals != p->valbuf)
		free(p->vals);
	if (p->v != p->vbuf)
		free(p->v);
}

/* Returns 1 when p holds exactly the pairs of l. */
static int pairs_equal(const struct alert_pairs *p, const struct labels *l)
{
	if (p->n != l->n)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].value, l->v[i].value) != 0 ||
		    strcmp(p->v[i].name, l->v[i].name) != 0)
			return 0;
	return 1;
}

/* Annotations: every template expanded, empty results kept. */
static struct labels *alert_annotations(const struct expand_ctx *x)
{
	size_t n = x->r->nannotations;
	struct label *v = xmalloc((n ? n : 1) * sizeof *v);
	struct labels *l;

	for (size_t i = 0; i < n; i++) {
		v[i].name = x->r->annotations[i].name;
		v[i].value = expand(x, x->r->annotation_tmpls[i]);
	}
	l = labels_from_sorted(v, n);
	for (size_t i = 0; i < n; i++)
		free((char *)v[i].value);
	free(v);
	return l;
}

/*
 * Reusing annotations.  Prometheus renders every annotation of every
 * alert at every evaluation; the output is the same whenever the
 * template's data is, unless it reads the clock or the TSDB (ann_kind).
 * An alert's ann_src says what its annotations were rendered from,
 * besides its value and the rule's cache_ext_* environment:
 *   0  unknown: render again
 *   1  a sample whose labels are the alert's less alertname and the rule's
 *      label names (pairs_make()'s lossless case, no __name__)
 *   2  the same plus __name__ = the rule's cache_name
 * So when a sample yields the labels of an alert with the same ann_src,
 * an annotation that reads no $value, or the same value bit for bit,
 * stays as the alert has it.
 */

/* Returns the ann_src a sample's annotations will have. */
static unsigned char ann_source(struct alerting_rule *r, const char *metric,
				int lossless)
{
	if (!lossless)
		return 0;
	if (!metric)
		return 1;
	if (!r->cache_name)
		r->cache_name = xstrdup(metric);
	return strcmp(metric, r->cache_name) == 0 ? 2 : 0;
}

/* The bits of v: told apart are -0 and 0, and NaNs of other payloads. */
static uint64_t double_bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	return u;
}

/* Returns 1 when annotation i of an alert can stay as it is: its data
 * but $value is the same (same_data), and so is $value or it is not read. */
static int ann_keeps(const struct alerting_rule *r, size_t i, int same_data,
		     int same_value)
{
	return same_data && (r->ann_kind[i] == ANN_FIXED ||
			     (r->ann_kind[i] == ANN_VALUE && same_value));
}

/* Returns the annotations of a sample (ann_src src) that updates the
 * active alert old: NULL when they are old's, else a new set, where what
 * cannot stay is rendered again. */
static struct labels *ann_update(struct expand_ctx *x,
				 const struct alert *old, unsigned char src)
{
	const struct alerting_rule *r = x->r;
	size_t n = r->nannotations, nkeep = 0;
	int same_data = src && old->ann_src == src;
	int same_value = double_bits(old->value) == double_bits(x->data.value);
	struct label *v;
	struct labels *l;

	for (size_t i = 0; i < n; i++)
		nkeep += (size_t)ann_keeps(r, i, same_data, same_value);
	if (nkeep == n)
		return NULL;
	sample_labels(x);
	if (nkeep == 0)
		return alert_annotations(x);
	/* made by this rule (ann_src): its names, in order */
	assert(old->annotations->n == n);
	v = xmalloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		v[i].name = r->annotations[i].name;
		v[i].value = ann_keeps(r, i, same_data, same_value)
				     ? old->annotations->v[i].value
				     : expand(x, r->annotation_tmpls[i]);
	}
	l = labels_from_sorted(v, n);
	for (size_t i = 0; i < n; i++)
		if (!ann_keeps(r, i, same_data, same_value))
			free((char *)v[i].value);
	free(v);
	return l;
}

/* Notes the external labels and URL this evaluation renders with; when
 * they changed, no alert's annotations are reusable. */
static void cache_env(struct alerting_rule *r, const struct alerting_env *env)
{
	const struct labels *el = env->external_labels;
	const char *url = env->external_url ? env->external_url : "";

	if (r->cache_ext_url && strcmp(url, r->cache_ext_url) == 0 &&
	    (el ? r->cache_ext_labels &&
			  labels_equal(el, r->cache_ext_labels)
		: !r->cache_ext_labels))
		return;
	free(r->cache_ext_url);
	labels_free(r->cache_ext_labels);
	r->cache_ext_url = xstrdup(url);
	r->cache_ext_labels = el ? labels_dup(el) : NULL;
	for (size_t i = 0; i < r->active.cap; i++)
		if (r->active.slots[i])
			r->active.slots[i]->ann_src = 0;
}

/* Sizes an empty table for n alerts. */
static void table_reserve(struct alert_table *t, size_t n)
{
	assert(!t->cap);
	t->cap = 8;
	while (t->cap < 2 * (n + 1))
		t->cap *= 2;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
}

/* What step 4 does with a pending or firing alert of the result. */
struct fresh_update {
	struct alert *old;
	struct labels *annotations; /* owned; NULL: old's stay (reused) */
	double value;
	uint64_t key;
	unsigned char ann_src;
};

/*
 * The alerts of one result: updates of the rule's active alerts (each
 * marked `seen`, which finds duplicates) and new alerts (nv, owned by the
 * table t, which finds their duplicates).  order lists, in sample order,
 * the alert each sample ends as: the next evaluation's hints (r->prev).
 */
struct fresh {
	struct fresh_update *uv; /* one block with nv and order */
	int own;		 /* the block is fresh's, not a scratch */
	size_t nu;
	struct alert_table t; /* sized for nsamples at the first new alert */
	size_t nsamples;
	struct alert **nv;
	size_t nn;
	struct alert **order;
	size_t n;
};

/* Releases f; after a failure (undo) also what it would have changed. */
static void fresh_free(struct fresh *f, int undo)
{
	for (size_t i = 0; undo && i < f->nu; i++) {
		f->uv[i].old->seen = 0;
		labels_free(f->uv[i].annotations);
	}
	table_clear(&f->t, undo);
	if (f->own)
		free(f->uv);
	memset(f, 0, sizeof *f);
}

/* The alert sample i of this result gives with pairs p: the one at the
 * same place last time when its labels are p's (results tend to come in
 * the same order), else a lookup.  Sets *l to p's label set when it had
 * to be built (the caller owns it), else NULL. */
static struct alert *find_old(const struct alerting_rule *r, size_t i,
			      const struct alert_pairs *p, struct labels **l)
{
	struct alert *hint = i < r->nprev ? r->prev[i] : NULL;

	*l = NULL;
	if (hint && hint->state != ALERT_INACTIVE &&
	    pairs_equal(p, hint->labels))
		return hint;
	*l = labels_from_sorted(p->v, p->n);
	return table_get(&r->active, *l);
}

/* The alert sample i with key makes, found without its labels: the one
 * at the same place last time when it was made of a sample with the same
 * key.  Its labels are a function of the sample's alone when the rule's
 * are plain text.  NULL: look by labels. */
static struct alert *find_by_key(const struct alerting_rule *r, size_t i,
				 uint64_t key)
{
	struct alert *hint;

	if (!key || !r->labels_plain || i >= r->nprev || r->prev_keys[i] != key)
		return NULL;
	hint = r->prev[i];
	if (hint->state == ALERT_INACTIVE)
		return NULL;
	return hint;
}

/* Steps 2-3 for one sample (its key: 0 or alerting_sample.key): an
 * update of the alert with its labels, or a new alert.  Returns 0, or -1
 * when an earlier sample gave the same labels. */
static int fresh_add(struct alerting_rule *r, struct expand_ctx *x,
		     uint64_t key, int64_t ts, struct fresh *f)
{
	struct alert_pairs p;
	struct labels *l = NULL;
	struct alert *old, *a;
	unsigned char src;
	int rc = 0;

	old = find_by_key(r, f->n, key);
	if (old) {
		src = old->key_src;
	} else {
		sample_labels(x);
		pairs_make(x, &p);
		src = ann_source(r, p.metric, p.lossless);
		old = find_old(r, f->n, &p, &l);
		pairs_free(r, &p);
	}
	if (old && old->state != ALERT_INACTIVE) {
		struct fresh_update *u = &f->uv[f->nu];

		labels_free(l);
		if (old->seen)
			return -1;
		old->seen = 1;
		u->old = old;
		u->annotations = ann_update(x, old, src);
		u->value = x->data.value;
		u->ann_src = src;
		u->key = key;
		f->nu++;
		f->order[f->n++] = old;
		return 0;
	}
	assert(l); /* find_old() found no active alert: it built l */
	a = alert_new();
	a->labels = l;
	a->fp = l->fp;
	a->annotations = alert_annotations(x);
	a->ann_src = src;
	a->key = key;
	a->key_src = src;
	a->value = x->data.value;
	a->state = ALERT_PENDING;
	a->active_at = ts;
	if (!f->t.cap)
		table_reserve(&f->t, f->nsamples);
	if (table_get(&f->t, a->labels)) {
		alert_free(a);
		rc = -1;
	} else {
		table_put(&f->t, a);
		f->nv[f->nn++] = a;
		f->order[f->n++] = a;
	}
	return rc;
}

/*
 * Steps 2-3: builds the alerts of every sample into fresh.  Returns 0, or
 * -1 when two samples give the same label set (fresh must then be
 * released with undo).  Nothing of the rule is touched but its
 * cache_name and the `seen` marks.
 */
static int alerts_of_result(struct alerting_rule *r, int64_t ts,
			    const struct alerting_result *res,
			    const struct alerting_env *env,
			    struct fresh *fresh)
{
	struct labels *none = labels_empty();
	struct alerting_sample scalar = {none, res->scalar, 0};
	const struct alerting_sample *v = res->samples;
	size_t n = res->nsamples;
	struct expand_ctx x = {.r = r, .res = res};
	int rc = 0;

	assert(none);
	if (res->kind == ALERTING_RESULT_SCALAR) {
		v = &scalar;
		n = 1;
	}
	{
		size_t m = n ? n : 1;
		size_t need = m * (sizeof *fresh->uv + sizeof *fresh->nv +
				   sizeof *fresh->order);
		struct alerting_scratch *sc = env->scratch;
		char *blk;

		if (!sc) {
			blk = xmalloc(need);
			fresh->own = 1;
		} else {
			if (sc->cap < need) {
				free(sc->p);
				sc->p = xmalloc(need);
				sc->cap = need;
			}
			blk = sc->p;
		}

		fresh->uv = (struct fresh_update *)(void *)blk;
		blk += m * sizeof *fresh->uv;
		fresh->nv = (struct alert **)(void *)blk;
		blk += m * sizeof *fresh->nv;
		fresh->order = (struct alert **)(void *)blk;
		fresh->nsamples = n;
	}
	x.data.external_labels = env->external_labels;
	x.data.external_url = env->external_url ? env->external_url : "";
	x.env.external_url = x.data.external_url;
	x.env.query = env->query;
	x.env.query_ctx = env->query_ctx;
	x.env.now = (double)ts / 1000.0;	/* `now` is the slot, as in Prometheus */
	/* The alerts of the last result, in its order, are mostly this one's:
	 * have them on their way from memory before they are needed. */
	for (size_t i = 0; i < n && i < r->nprev; i++) {
		__builtin_prefetch(r->prev[i]);
		__builtin_prefetch((const char *)r->prev[i] + 64);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		x.i = i;
		x.data.labels = v[i].labels;
		if (!x.data.labels && !res->labels_of)
			x.data.labels = none;
		x.data.value = v[i].value;
		rc = fresh_add(r, &x, v[i].key, ts, fresh);
	}
	labels_free(none);
	return rc;
}

void alerting_scratch_free(struct alerting_scratch *s)
{
	free(s->p);
	s->p = NULL;
	s->cap = 0;
}

/* Forgets the hints: r's alerts may have moved or gone. */
static void prev_clear(struct alerting_rule *r)
{
	r->nprev = 0;
}

/* Keeps the order of this result as the next evaluation's hints.  Every
 * alert of it is in r->active after advance(): none is doomed. */
static void prev_keep(struct alerting_rule *r, const struct fresh *f)
{
	if (f->n > r->prev_cap) {
		free(r->prev);
		free(r->prev_keys);
		r->prev_cap = f->n;
		r->prev = xmalloc(r->prev_cap * sizeof *r->prev);
		r->prev_keys = xmalloc(r->prev_cap * sizeof *r->prev_keys);
	}
	for (size_t i = 0; i < f->n; i++) {
		r->prev[i] = f->order[i];
		r->prev_keys[i] = f->order[i]->key;
	}
	r->nprev = f->n;
}

/* --------------------------------------------------- steps 4-5: advance */

/* Step 4: an alert already pending or firing keeps its ActiveAt and takes
 * the new value and annotations (unless they are its own already);
 * otherwise the new pending alert replaces it.  Leaves fresh's order;
 * release fresh with fresh_free(fresh, 0). */
static void merge(struct alerting_rule *r, struct fresh *fresh)
{
	for (size_t i = 0; i < fresh->nu; i++) {
		const struct fresh_update *u = &fresh->uv[i];
		struct alert *old = u->old;

		assert(old->seen && !old->in_result);
		old->seen = 0;
		old->value = u->value;
		if (u->annotations) {
			labels_free(old->annotations);
			old->annotations = u->annotations;
		}
		old->ann_src = u->ann_src;
		old->key = u->key;
		old->key_src = u->ann_src;
		old->in_result = 1;
	}
	fresh->nu = 0;
	/* A new alert replaces (frees) an inactive one with its labels,
	 * which no update and no other new alert refers to. */
	for (size_t i = 0; i < fresh->nn; i++) {
		struct alert *a = fresh->nv[i];

		assert(a->state == ALERT_PENDING && !a->in_result);
		a->in_result = 1;
		table_put(&r->active, a);
	}
	fresh->nn = 0; /* r owns them now: fresh_free(fresh, 0) */
}

/* Step 5 for an alert missing from the result.  Returns 1 when it is
 * still active (kept firing by keep_firing_for), 0 when it is done. */
static int advance_missing(const struct alerting_rule *r, struct alert *a,
			   int64_t ts)
{
	int keep = 0;

	if (a->state == ALERT_FIRING && r->keep_firing_for_ms > 0) {
		if (a->keep_firing_since == ALERT_TIME_ZERO)
			a->keep_firing_since = ts;
		keep = ts - a->keep_firing_since < r->keep_firing_for_ms;
	}
	if (a->state == ALERT_PENDING ||
	    (a->resolved_at != ALERT_TIME_ZERO &&
	     ts - a->resolved_at > ALERTING_RESOLVED_RETENTION_MS))
		a->doomed = 1;
	if (!keep && a->state != ALERT_INACTIVE) {
		a->state = ALERT_INACTIVE;
		a->resolved_at = ts;
	}
	return keep;
}

/* Step 5 for an active alert: the `for` clock. */
static void advance_active(const struct alerting_rule *r, struct alert *a,
			   int64_t ts)
{
	/* In the result (pending or firing) or kept firing, never resolved. */
	assert(a->state != ALERT_INACTIVE);
	if (a->state == ALERT_PENDING && ts - a->active_at >= r->for_ms) {
		a->state = ALERT_FIRING;
		a->fired_at = ts;
	}
	/* Only after a reload raised `for` (TestFiringAlertResetToPending
	 * OnHoldDurationIncrease). */
	if (a->state == ALERT_FIRING && ts - a->active_at < r->for_ms) {
		a->state = ALERT_PENDING;
		a->fired_at = ALERT_TIME_ZERO;
		a->last_sent_at = ALERT_TIME_ZERO;
		a->keep_firing_since = ALERT_TIME_ZERO;
	}
}

static uint64_t alert_digest(const struct alert *a);

/* Step 5 over every alert; returns numActivePending.  Adds the digest of
 * every alert that stays to *digest, while the alert is in the cache. */
static size_t advance(struct alerting_rule *r, int64_t ts, uint64_t *digest)
{
	size_t active = 0;
	int doomed = 0;

	for (size_t i = 0; i < r->active.cap; i++) {
		struct alert *a = r->active.slots[i];

		if (!a)
			continue;
		if (!a->in_result) {
			int keep = advance_missing(r, a, ts);

			doomed |= a->doomed;
			if (!keep) {
				if (!a->doomed)
					*digest += alert_digest(a);
				continue;
			}
		} else {
			a->in_result = 0;
			a->keep_firing_since = ALERT_TIME_ZERO;
		}
		active++;
		advance_active(r, a, ts);
		*digest += alert_digest(a);
	}
	if (doomed)
		table_sweep(&r->active);
	return active;
}

/* ------------------------------------------------------ output: series */

static void series_push(struct alerting_output *out, struct labels *l,
			double value, int64_t t)
{
	if (out->nseries == out->series_cap) {
		out->series_cap = out->series_cap ? out->series_cap * 2 : 8;
		out->series = xrealloc(out->series,
				       out->series_cap * sizeof *out->series);
	}
	out->series[out->nseries++] = (struct alerting_series){l, value, t};
}

/* Labels of an ALERTS-family sample (AlertingRule.sample): the raw rule
 * labels, overlaid by the alert's, then __name__, alertname and, for
 * ALERTS, alertstate. */
static struct labels *series_labels(const struct alerting_rule *r,
				    const struct alert *a, const char *metric,
				    const char *state)
{
	struct labels_builder b = {0};
	struct labels *l;

	for (size_t i = 0; i < r->nlabels; i++)
		labels_builder_set(&b, r->labels[i].name, r->labels[i].value);
	for (size_t i = 0; i < a->labels->n; i++)
		labels_builder_set(&b, a->labels->v[i].name,
				   a->labels->v[i].value);
	labels_builder_set(&b, "__name__", metric);
	labels_builder_set(&b, "alertname", r->name);
	if (state)
		labels_builder_set(&b, "alertstate", state);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* Go's time.Unix() seconds of a millisecond time: floor division. */
static int64_t unix_seconds(int64_t ms)
{
	return ms / 1000 - (ms % 1000 < 0);
}

/* ALERTS and ALERTS_FOR_STATE of every pending or firing alert. */
static void write_series(const struct alerting_rule *r, struct alert **v,
			 size_t n, int64_t t, struct alerting_output *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct alert *a = v[i];

		if (a->state == ALERT_INACTIVE)
			continue;
		series_push(out,
			    series_labels(r, a, "ALERTS",
					  alerting_state_name(a->state)),
			    1, t);
		series_push(out, series_labels(r, a, "ALERTS_FOR_STATE", NULL),
			    (double)unix_seconds(a->active_at), t);
	}
}

/* --------------------------------------------------------- output: sends */

int alerting_needs_sending(const struct alert *a, int64_t ts,
			   int64_t resend_delay_ms)
{
	if (a->state == ALERT_PENDING)
		return 0;
	/* Resolved since the last send: send the resolution now. */
	if (a->resolved_at > a->last_sent_at)
		return 1;
	/* LastSentAt + resendDelay strictly before ts. */
	return a->last_sent_at < ts - resend_delay_ms;
}

void alerting_generator_url(struct buf *out, const char *external_url,
			    const char *expr)
{
	buf_puts(out, external_url ? external_url : "");
	buf_puts(out, "/graph?g0.expr=");
	/* Go's url.QueryEscape */
	for (const unsigned char *p = (const unsigned char *)expr; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
			buf_putc(out, (char)*p);
		else if (*p == ' ')
			buf_putc(out, '+');
		else
			buf_printf(out, "%%%02X", *p);
	}
	buf_puts(out, "&g0.tab=1");
}

static void send_push(struct alerting_output *out, const struct alert *a,
		      const char *url)
{
	struct alerting_notification *s;

	if (out->nsends == out->sends_cap) {
		out->sends_cap = out->sends_cap ? out->sends_cap * 2 : 8;
		out->sends =
		    xrealloc(out->sends, out->sends_cap * sizeof *out->sends);
	}
	s = &out->sends[out->nsends++];
	s->labels = labels_dup(a->labels);
	s->annotations = labels_dup(a->annotations);
	s->starts_at = a->fired_at;
	s->ends_at =
	    a->resolved_at != ALERT_TIME_ZERO ? a->resolved_at : a->valid_until;
	s->generator_url = xstrdup(url);
	s->state = a->state;
}

/* sendAlerts: every alert due is stamped and appended to out; *digest
 * follows the stamps. */
static void send_alerts(struct alerting_rule *r, struct alert **v, size_t n,
			int64_t ts, const struct alerting_env *env,
			struct alerting_output *out, uint64_t *digest)
{
	int64_t delta = env->interval_ms > env->resend_delay_ms
			    ? env->interval_ms
			    : env->resend_delay_ms;
	struct buf url = {0};

	if (!n)
		return;
	alerting_generator_url(&url, env->external_url, r->expr);
	for (size_t i = 0; i < n; i++) {
		struct alert *a = v[i];

		if (!alerting_needs_sending(a, ts, env->resend_delay_ms))
			continue;
		*digest -= alert_digest(a);
		a->last_sent_at = ts;
		/* Allow for two Eval or Alertmanager send failures. */
		a->valid_until = ts + 4 * delta;
		*digest += alert_digest(a);
		send_push(out, a, buf_str(&url));
	}
	buf_free(&url);
}

void alerting_output_free(struct alerting_output *out)
{
	for (size_t i = 0; i < out->nsends; i++) {
		labels_free(out->sends[i].labels);
		labels_free(out->sends[i].annotations);
		free(out->sends[i].generator_url);
	}
	for (size_t i = 0; i < out->nseries; i++)
		labels_free(out->series[i].labels);
	free(out->sends);
	free(out->series);
	memset(out, 0, sizeof *out);
}

/* --------------------------------------------------------- the digest */

/* One alert's share of the digest: a sum of shares, so independent of the
 * table's layout, and a share can be taken out again.  Four products of
 * two fields each, independent of one another: every alert of a rule is
 * digested on every evaluation, and a chain of eight steps cost more than
 * the rest of the alert's bookkeeping. */
static uint64_t alert_digest(const struct alert *a)
{
	uint64_t x;

	x = mum64(a->fp ^ 0xa0761d6478bd642fULL,
		  (uint64_t)a->state ^ 0xe7037ed1a0b428dbULL);
	x ^= mum64((uint64_t)a->active_at ^ 0x8ebc6af09c88c6e3ULL,
		   (uint64_t)a->fired_at ^ 0x589965cc75374cc3ULL);
	x ^= mum64((uint64_t)a->resolved_at ^ 0x1d8e4e27c47d124fULL,
		   (uint64_t)a->last_sent_at ^ 0x9e3779b97f4a7c15ULL);
	x ^= mum64((uint64_t)a->valid_until ^ 0xc2b2ae3d27d4eb4fULL,
		   (uint64_t)a->keep_firing_since ^ 0x165667b19e3779f9ULL);
	return mum64(x, 0x27d4eb2f165667c5ULL);
}

static uint64_t table_digest(const struct alert_table *t)
{
	uint64_t h = 0;

	for (size_t j = 0; j < t->cap; j++)
		if (t->slots[j])
			h += alert_digest(t->slots[j]);
	return h;
}

/* ------------------------------------------------------------- Eval */

int alerting_eval(struct alerting_rule *r, int64_t ts,
		  const struct alerting_result *res,
		  const struct alerting_env *env, struct alerting_output *out)
{
	struct fresh fresh = {0};
	struct alert **v;
	size_t active, n;
	uint64_t digest = 0;

	r->evaluated_at = ts;
	if (res->kind == ALERTING_RESULT_ERROR)
		return rule_fail(
		    r, xstrdup(res->error ? res->error : "query failed"));
	cache_env(r, env);
	if (alerts_of_result(r, ts, res, env, &fresh) < 0) {
		fresh_free(&fresh, 1);
		return rule_fail(r, xstrdup(ERR_DUPLICATE));
	}
	merge(r, &fresh);
	active = advance(r, ts, &digest);
	prev_keep(r, &fresh);
	fresh_free(&fresh, 0);
	if (env->limit > 0 && active > (unsigned long long)env->limit) {
		/* All alerts go, with no resolved notification (§2.2.6). */
		table_clear(&r->active, 1);
		prev_clear(r);
		r->digest_ok = 0;
		return rule_fail(r, xasprintf("exceeded limit of %lld with "
					      "%zu alerts",
					      env->limit, active));
	}
	r->health = ALERTING_HEALTH_OK;
	free(r->last_error);
	r->last_error = NULL;
	if (r->restored && !env->no_series) {
		v = table_sorted(&r->active, &n);
		write_series(r, v, n, ts - env->query_offset_ms, out);
	} else {
		v = table_due(&r->active, ts, env->resend_delay_ms, &n);
	}
	send_alerts(r, v, n, ts, env, out, &digest);
	free(v);
	r->digest = digest;
	r->digest_ok = 1;
	return 0;
}

/* --------------------------------------------------------------- reading */

uint64_t alerting_rule_digest(const struct alerting_rule *r)
{
	return r->digest_ok ? r->digest : table_digest(&r->active);
}

enum alert_state alerting_rule_state(const struct alerting_rule *r)
{
	enum alert_state max = ALERT_INACTIVE;

	if (r->evaluated_at == ALERT_TIME_ZERO)
		return ALERT_UNKNOWN;
	for (size_t i = 0; i < r->active.cap; i++)
		if (r->active.slots[i] && r->active.slots[i]->state > max)
			max = r->active.slots[i]->state;
	return max;
}

const uint64_t *alerting_rule_keys(const struct alerting_rule *r, size_t *n)
{
	*n = r->nprev;
	return r->prev_keys;
}

const struct alert **alerting_rule_alerts(const struct alerting_rule *r,
					  size_t *n)
{
	return (const struct alert **)table_sorted(&r->active, n);
}

struct alert *alerting_rule_find(const struct alerting_rule *r,
				 const struct labels *labels)
{
	return table_get(&r->active, labels);
}

/* ---------------------------------------------------------------- reload */

int alerting_rule_same(const struct alerting_rule *a,
		       const struct alerting_rule *b)
{
	if (strcmp(a->name, b->name) != 0 || a->nlabels != b->nlabels)
		return 0;
	for (size_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i].name, b->labels[i].name) != 0 ||
		    strcmp(a->labels[i].value, b->labels[i].value) != 0)
			return 0;
	return 1;
}

void alerting_rule_carry_over(struct alerting_rule *to,
			      struct alerting_rule *from)
{
	for (size_t i = 0; i < from->active.cap; i++) {
		struct alert *a = from->active.slots[i];

		if (!a)
			continue;
		a->ann_src = 0; /* to's templates may differ */
		a->key = 0;	/* and its labels */
		table_put(&to->active, a);
	}
	table_clear(&from->active, 0);
	prev_clear(to);
	prev_clear(from);
	to->digest_ok = from->digest_ok = 0;
}

void alerting_group_carry_over(struct alerting_rule **to, size_t nto,
			       struct alerting_rule **from, size_t nfrom)
{
	unsigned char *used = xcalloc(nfrom ? nfrom : 1, 1);

	for (size_t i = 0; i < nto; i++) {
		for (size_t j = 0; j < nfrom; j++) {
			if (used[j] || !alerting_rule_same(to[i], from[j]))
				continue;
			used[j] = 1;
			alerting_rule_carry_over(to[i], from[j]);
			break;
		}
	}
	free(used);
}

/* --------------------------------------------------------------- restore */

void alerting_alert_export(const struct alert *a, struct alert_persist *p)
{
	p->labels = a->labels;
	p->annotations = a->annotations;
	p->value = a->value;
	p->state = a->state;
	p->active_at = a->active_at;
	p->fired_at = a->fired_at;
	p->resolved_at = a->resolved_at;
	p->last_sent_at = a->last_sent_at;
	p->valid_until = a->valid_until;
	p->keep_firing_since = a->keep_firing_since;
}

struct alert *alerting_rule_import(struct alerting_rule *r,
				   const struct alert_persist *p)
{
	struct alert *a;

	if (!p->labels || p->state < ALERT_INACTIVE || p->state > ALERT_FIRING)
		return NULL;
	a = alert_new();
	a->labels = labels_dup(p->labels);
	a->fp = a->labels->fp;
	a->annotations = p->annotations
			     ? labels_from_sorted(p->annotations->v, p->annotations->n)
			     : labels_empty();
	a->value = p->value;
	a->state = p->state;
	a->active_at = p->active_at;
	a->fired_at = p->fired_at;
	a->resolved_at = p->resolved_at;
	a->last_sent_at = p->last_sent_at;
	a->valid_until = p->valid_until;
	a->keep_firing_since = p->keep_firing_since;
	table_put(&r->active, a);
	prev_clear(r); /* the alert a replaced may be a hint */
	r->digest_ok = 0;
	return a;
}

int alerting_restore_active_at(int64_t for_ms, int64_t grace_ms, int64_t ts,
			       int64_t t_ms, double value, int64_t *active_at)
{
	int64_t down_at, restored, remaining;

	/* A `for` below the grace period is not restored: the alert waits
	 * its `for` again (issue #15175). */
	if (for_ms < grace_ms)
		return 0;
	/* NaN is the stale marker of an alert that went inactive; values
	 * past ~31 million years are no ActiveAt. */
	if (!(fabs(value) < 1e15))
		return 0;
	/* time.Unix(t/1000, 0) and time.Unix(int64(v), 0): both truncate. */
	down_at = t_ms / 1000 * 1000;
	restored = (int64_t)value * 1000;
	remaining = for_ms - (down_at - restored);
	if (remaining <= 0)
		; /* It was firing: the next Eval fires it again. */
	else if (remaining < grace_ms)
		restored = ts + grace_ms - for_ms; /* fires at ts + grace */
	else
		restored += ts - down_at; /* the downtime does not count */
	*active_at = restored;
	return 1;
}
