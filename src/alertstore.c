/*
 * alertstore.c - the router's alerts, an open-addressing table on the
 * label fingerprint.
 */
#include <stdlib.h>
#include <string.h>

#include "alertstore.h"
#include "intern.h"

struct alertstore {
	struct am_alert **slots; /* NULL: empty; TOMB: deleted */
	size_t cap, count, used; /* used counts tombstones too */
};

static struct am_alert tomb_alert;
#define TOMB (&tomb_alert)

int am_alert_resolved(const struct am_alert *a, int64_t now)
{
	return a->ends_at != 0 && a->ends_at <= now;
}

/* ------------------------------------------------------- shared labels */

/*
 * An alert's label set is one allocation: its size, then the struct
 * labels, its pairs and the values copied in.  A value pointing outside
 * the allocation is interned; names always are.
 */
#define PREFIX sizeof(size_t)
#define STACK_PAIRS 16

_Static_assert(PREFIX % _Alignof(struct labels) == 0, "aligned labels");

struct labels *am_labels_new(const struct label *v, size_t n, int learn)
{
	const char *stackv[STACK_PAIRS], **sv = stackv;
	size_t bytes = PREFIX + sizeof(struct labels) + n * sizeof(struct label);
	struct labels *l;
	char *raw, *p;

	if (n > STACK_PAIRS)
		sv = xmalloc(n * sizeof *sv);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].value);

		sv[i] = intern_maybe(v[i].value, len, learn);
		if (!sv[i])
			bytes += len + 1;
	}
	raw = xmalloc(bytes);
	memcpy(raw, &bytes, sizeof bytes);
	l = (struct labels *)(void *)(raw + PREFIX);
	l->n = n;
	p = (char *)&l->v[n];
	for (size_t i = 0; i < n; i++) {
		l->v[i].name = intern_get(v[i].name, strlen(v[i].name));
		if (sv[i]) {
			l->v[i].value = sv[i];
		} else {
			size_t len = strlen(v[i].value) + 1;

			memcpy(p, v[i].value, len);
			l->v[i].value = p;
			p += len;
		}
	}
	l->fp = labels_hash_pairs(l->v, n);
	if (sv != stackv)
		free(sv);
	return l;
}

void am_labels_free(struct labels *l)
{
	uintptr_t lo, hi;
	size_t bytes;
	char *raw;

	if (!l)
		return;
	raw = (char *)l - PREFIX;
	memcpy(&bytes, raw, sizeof bytes);
	lo = (uintptr_t)raw;
	hi = lo + bytes;
	for (size_t i = 0; i < l->n; i++) {
		uintptr_t at = (uintptr_t)l->v[i].value;

		intern_release(l->v[i].name);
		if (at < lo || at >= hi)
			intern_release(l->v[i].value);
	}
	free(raw);
}

/* --------------------------------------------------------------- alerts */

struct am_alert *am_alert_new_shared(struct labels *labels,
				     struct labels *annotations,
				     const char *generator_url,
				     int64_t starts_at, int64_t ends_at,
				     int64_t updated_at)
{
	struct am_alert *a = xmalloc(sizeof *a);

	a->refs = 1;
	a->timeout = 0;
	a->labels = labels;
	a->annotations = annotations;
	a->generator_url = generator_url;
	a->starts_at = starts_at;
	a->ends_at = ends_at;
	a->updated_at = updated_at;
	return a;
}

struct am_alert *am_alert_new(struct labels *labels,
			      struct labels *annotations,
			      const char *generator_url, int64_t starts_at,
			      int64_t ends_at, int64_t updated_at)
{
	const char *url = generator_url ? generator_url : "";
	struct am_alert *a = am_alert_new_shared(
		am_labels_new(labels->v, labels->n, 1),
		annotations ? am_labels_new(annotations->v, annotations->n, 1)
			    : am_labels_new(NULL, 0, 0),
		intern_get(url, strlen(url)), starts_at, ends_at, updated_at);

	labels_free(labels);
	labels_free(annotations);
	return a;
}

struct am_alert *am_alert_ref(struct am_alert *a)
{
	a->refs++;
	return a;
}

void am_alert_unref(struct am_alert *a)
{
	if (!a || --a->refs > 0)
		return;
	am_labels_free(a->labels);
	am_labels_free(a->annotations);
	intern_release(a->generator_url);
	free(a);
}

struct alertstore *alertstore_new(void)
{
	return xcalloc(1, sizeof(struct alertstore));
}

void alertstore_free(struct alertstore *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i] && s->slots[i] != TOMB)
			am_alert_unref(s->slots[i]);
	free(s->slots);
	free(s);
}

/* The slot holding l, or the first free one on its probe path. */
static size_t find(const struct alertstore *s, const struct labels *l,
		   int *found)
{
	size_t mask = s->cap - 1, i = (size_t)l->fp & mask, free_at = s->cap;

	for (;; i = (i + 1) & mask) {
		struct am_alert *a = s->slots[i];

		if (!a) {
			*found = 0;
			return free_at < s->cap ? free_at : i;
		}
		if (a == TOMB) {
			if (free_at == s->cap)
				free_at = i;
			continue;
		}
		if (a->labels->fp == l->fp && labels_equal(a->labels, l)) {
			*found = 1;
			return i;
		}
	}
}

static void grow(struct alertstore *s)
{
	struct am_alert **old = s->slots;
	size_t ocap = s->cap;

	s->cap = ocap ? ocap * 2 : 64;
	/* many tombstones: rehash at the same size */
	if (ocap && s->count * 4 < ocap)
		s->cap = ocap;
	s->slots = xcalloc(s->cap, sizeof *s->slots);
	s->used = s->count;
	for (size_t i = 0; i < ocap; i++) {
		struct am_alert *a = old[i];
		int found;

		if (a && a != TOMB)
			s->slots[find(s, a->labels, &found)] = a;
	}
	free(old);
}

/* dst takes src's annotations and generator URL, src dst's (to be freed
 * with src).  Equal annotations stay: the stored copy is the compact one
 * (values repeated by a resend must not become shared). */
static void take_values(struct am_alert *dst, struct am_alert *src)
{
	const char *url = dst->generator_url;

	if (!labels_equal(dst->annotations, src->annotations)) {
		struct labels *ann = dst->annotations;

		dst->annotations = src->annotations;
		src->annotations = ann;
	}
	dst->generator_url = src->generator_url;
	src->generator_url = url;
}

/* Alertmanager's Alert.Merge: o is the younger of the two. */
static void merge_into(struct am_alert *dst, struct am_alert *a,
		       struct am_alert *o, int64_t now)
{
	int64_t starts = o->starts_at, ends = o->ends_at;

	if (a->starts_at < o->starts_at)
		starts = a->starts_at;
	if (am_alert_resolved(o, now)) {
		/* the later explicit end wins when both are resolved */
		if (am_alert_resolved(a, now) && a->ends_at > o->ends_at)
			ends = a->ends_at;
	} else if (a->ends_at > o->ends_at && !a->timeout) {
		/* a non-timeout end always rules if it is the latest */
		ends = a->ends_at;
	}
	if (dst != o) {
		take_values(dst, o);
		dst->updated_at = o->updated_at;
		dst->timeout = o->timeout;
	}
	dst->starts_at = starts;
	dst->ends_at = ends;
}

struct am_alert *alertstore_put(struct alertstore *s, struct am_alert *a,
				int64_t now)
{
	size_t i;
	int found;

	if ((s->used + 1) * 2 > s->cap)
		grow(s);
	i = find(s, a->labels, &found);
	if (found) {
		struct am_alert *old = s->slots[i];
		int overlap = (a->ends_at > old->starts_at &&
			       a->ends_at < old->ends_at) ||
			      (a->starts_at > old->starts_at &&
			       a->starts_at < old->ends_at);

		if (overlap) {
			/* The stored object stays (groups hold it) and takes
			 * the merged values. */
			if (a->updated_at < old->updated_at)
				merge_into(old, a, old, now);
			else
				merge_into(old, old, a, now);
			am_alert_unref(a);
			return old;
		}
		/* A new occurrence: same object, values replaced, so groups
		 * holding it see the alert fire again. */
		{
			take_values(old, a);
			old->starts_at = a->starts_at;
			old->ends_at = a->ends_at;
			old->updated_at = a->updated_at;
			old->timeout = a->timeout;
		}
		am_alert_unref(a);
		return old;
	}
	if (!s->slots[i])
		s->used++;
	s->slots[i] = a;
	s->count++;
	return a;
}

struct am_alert *alertstore_get(const struct alertstore *s,
				const struct labels *l)
{
	size_t i;
	int found;

	if (!s->cap)
		return NULL;
	i = find(s, l, &found);
	return found ? s->slots[i] : NULL;
}

size_t alertstore_count(const struct alertstore *s)
{
	return s->count;
}

void alertstore_foreach(const struct alertstore *s,
			void (*fn)(void *ctx, struct am_alert *a), void *ctx)
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i] && s->slots[i] != TOMB)
			fn(ctx, s->slots[i]);
}

size_t alertstore_gc(struct alertstore *s, int64_t now,
		     void (*gone)(void *ctx, struct am_alert *a), void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < s->cap; i++) {
		struct am_alert *a = s->slots[i];

		if (!a || a == TOMB || !am_alert_resolved(a, now))
			continue;
		if (gone)
			gone(ctx, a);
		s->slots[i] = TOMB;
		s->count--;
		am_alert_unref(a);
		n++;
	}
	return n;
}
