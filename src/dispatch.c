/*
 * dispatch.c - routing and aggregation groups.
 *
 * Groups live in a hash table on their key string.  A group's alerts are a
 * set of alert pointers (the alert store keeps one object per label set,
 * so identity is the pointer), held in an open-addressing table.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "matcher.h"

/* ----------------------------------------------------------- alert sets */

struct aset {
	struct am_alert **slots; /* NULL empty, TOMB deleted */
	struct am_alert *one;	 /* the slot of a set of one (slots == &one) */
	uint32_t cap, count, used;
};

static struct am_alert aset_tomb;
#define TOMB (&aset_tomb)

static size_t ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

/* Only for tables (cap >= 8), never for the set of one. */
static size_t aset_find(const struct aset *s, const struct am_alert *a,
			int *found)
{
	size_t mask = s->cap - 1, i = ptr_hash(a) & mask, free_at = s->cap;

	for (;; i = (i + 1) & mask) {
		if (!s->slots[i]) {
			*found = 0;
			return free_at < s->cap ? free_at : i;
		}
		if (s->slots[i] == TOMB) {
			if (free_at == s->cap)
				free_at = i;
		} else if (s->slots[i] == a) {
			*found = 1;
			return i;
		}
	}
}

static void aset_grow(struct aset *s)
{
	struct am_alert **old = s->slots;
	uint32_t ocap = s->cap;
	int found;

	s->cap = ocap > 1 ? (s->count * 4 < ocap ? ocap : ocap * 2) : 8;
	s->slots = xcalloc(s->cap, sizeof *s->slots);
	s->used = s->count;
	for (uint32_t i = 0; i < ocap; i++)
		if (old[i] && old[i] != TOMB)
			s->slots[aset_find(s, old[i], &found)] = old[i];
	if (old != &s->one)
		free(old);
	s->one = NULL;
}

/* Adds a (taking a reference) unless present; returns 1 when added.  The
 * first alert of an empty set sits in the set itself. */
static int aset_add(struct aset *s, struct am_alert *a)
{
	size_t i;
	int found;

	if (s->cap <= 1 && s->count == 0) {
		s->slots = &s->one;
		s->cap = 1;
		s->one = am_alert_ref(a);
		s->count = s->used = 1;
		return 1;
	}
	if (s->cap == 1 && s->one == a)
		return 0;
	if ((s->used + 1) * 2 > s->cap)
		aset_grow(s);
	i = aset_find(s, a, &found);
	if (found)
		return 0;
	if (!s->slots[i])
		s->used++;
	s->slots[i] = am_alert_ref(a);
	s->count++;
	return 1;
}

static int aset_del(struct aset *s, struct am_alert *a)
{
	size_t i;
	int found;

	if (s->cap == 1) {
		if (s->one != a)
			return 0;
		s->one = NULL;
		s->count = s->used = 0;
		am_alert_unref(a);
		return 1;
	}
	if (!s->cap)
		return 0;
	i = aset_find(s, a, &found);
	if (!found)
		return 0;
	s->slots[i] = TOMB;
	s->count--;
	am_alert_unref(a);
	return 1;
}

static void aset_free(struct aset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i] && s->slots[i] != TOMB)
			am_alert_unref(s->slots[i]);
	if (s->slots != &s->one)
		free(s->slots);
	memset(s, 0, sizeof *s);
}

/* -------------------------------------------------------------- routes */

void route_match(const struct route *r, const struct labels *l,
		 const struct route ***out, size_t *n, size_t *cap)
{
	size_t before = *n;

	if (!matchers_match(&r->matchers, l))
		return;
	for (size_t i = 0; i < r->nroutes; i++) {
		size_t had = *n;

		route_match(&r->routes[i], l, out, n, cap);
		if (*n > had && !r->routes[i].cont)
			break;
	}
	if (*n == before) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 4;
			*out = xrealloc(*out, *cap * sizeof **out);
		}
		(*out)[(*n)++] = r;
	}
}

void route_key(const struct route *r, struct buf *out)
{
	if (r->parent) {
		route_key(r->parent, out);
		buf_putc(out, '/');
	}
	matchers_format(&r->matchers, out);
}

/* Route keys, computed once per tree: a pointer-keyed table. */
struct rkey {
	const struct route *r;
	char *key;
	uint64_t hash; /* str_hash(key) */
};

struct rkeys {
	struct rkey *v;
	size_t cap;
};

static uint64_t str_hash(const char *s);

static void rkeys_add(struct rkeys *t, const struct route *r)
{
	size_t mask = t->cap - 1, i = ptr_hash(r) & mask;
	struct buf b = {0};

	while (t->v[i].r)
		i = (i + 1) & mask;
	route_key(r, &b);
	t->v[i].r = r;
	t->v[i].key = buf_take(&b);
	t->v[i].hash = str_hash(t->v[i].key);
	for (size_t c = 0; c < r->nroutes; c++)
		rkeys_add(t, &r->routes[c]);
}

static size_t route_count(const struct route *r)
{
	size_t n = 1;

	for (size_t i = 0; i < r->nroutes; i++)
		n += route_count(&r->routes[i]);
	return n;
}

static void rkeys_build(struct rkeys *t, const struct route *root)
{
	size_t n = root ? route_count(root) : 0;

	t->cap = 8;
	while (t->cap < n * 2)
		t->cap *= 2;
	t->v = xcalloc(t->cap, sizeof *t->v);
	if (root)
		rkeys_add(t, root);
}

static const struct rkey *rkeys_find(const struct rkeys *t,
				     const struct route *r)
{
	size_t mask = t->cap - 1, i = ptr_hash(r) & mask;

	while (t->v[i].r && t->v[i].r != r)
		i = (i + 1) & mask;
	return &t->v[i];
}

/* The key of r, NULL for a route not in the tree. */
static const char *rkeys_get(const struct rkeys *t, const struct route *r)
{
	return rkeys_find(t, r)->key;
}

static void rkeys_free(struct rkeys *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->v[i].key);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* -------------------------------------------------------------- groups */

/*
 * A group is known by its route's key and its labels (the key string
 * Alertmanager prints, "route key:labels", is only made for a flush).
 * Its labels are built with am_labels_new(), so they share the alerts'
 * strings.
 */
struct group {
	struct dispatcher *d;
	const struct route *route;
	struct labels *labels;
	struct aset alerts;
	uint64_t timer;
	struct dispatch_flush *inflight; /* NULL when no flush runs */
	struct group *next;		 /* hash chain */
	unsigned has_flushed : 1;
	unsigned tick_waiting : 1; /* a tick came during the flush */
};

/* A flush and the group key it hands out; the group's labels when the
 * group went away during the flush. */
struct flush {
	struct dispatch_flush f;
	char *key;
	struct labels *labels;
};

struct dispatcher {
	struct loop *loop;
	struct eval_clock wall;
	const struct route *root;
	struct rkeys keys;
	dispatch_notify_fn *notify;
	void *ctx;
	struct group **buckets;
	size_t nbuckets, ngroups;
	uint64_t maint_timer;
};

static int64_t real_wall(void *ctx)
{
	(void)ctx;
	return loop_wall_ms();
}

static int64_t now_of(const struct dispatcher *d)
{
	return d->wall.wall_ms(d->wall.ctx);
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t group_hash(const struct rkey *k, uint64_t fp)
{
	uint64_t h = k->hash ^ (fp * 0x9E3779B97F4A7C15ULL);

	return h ^ (h >> 29);
}

/* Whether l holds exactly the n pairs v (fingerprint fp). */
static int same_pairs(const struct labels *l, const struct label *v,
		      size_t n, uint64_t fp)
{
	if (l->fp != fp || l->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(l->v[i].name, v[i].name) != 0 ||
		    strcmp(l->v[i].value, v[i].value) != 0)
			return 0;
	return 1;
}

static struct group **bucket_of(const struct dispatcher *d, uint64_t hash)
{
	return &d->buckets[hash & (d->nbuckets - 1)];
}

/* The group of route key k and labels v[0..n) (fingerprint fp), or
 * NULL. */
static struct group *group_get(const struct dispatcher *d,
			       const struct rkey *k, const struct label *v,
			       size_t n, uint64_t fp)
{
	for (struct group *g = *bucket_of(d, group_hash(k, fp)); g;
	     g = g->next)
		if (same_pairs(g->labels, v, n, fp) &&
		    (g->route == k->r ||
		     strcmp(rkeys_get(&d->keys, g->route), k->key) == 0))
			return g;
	return NULL;
}

static void buckets_grow(struct dispatcher *d)
{
	struct group **old = d->buckets;
	size_t on = d->nbuckets;

	d->nbuckets = on ? on * 2 : 64;
	d->buckets = xcalloc(d->nbuckets, sizeof *d->buckets);
	for (size_t i = 0; i < on; i++) {
		struct group *g = old[i], *next;

		for (; g; g = next) {
			struct group **b = bucket_of(
				d, group_hash(rkeys_find(&d->keys, g->route),
					      g->labels->fp));

			next = g->next;
			g->next = *b;
			*b = g;
		}
	}
	free(old);
}

static void group_tick(struct loop *l, void *arg);

static void group_arm(struct group *g, int64_t delay_ms)
{
	struct dispatcher *d = g->d;

	if (g->timer)
		loop_timer_cancel(d->loop, g->timer);
	g->timer = loop_timer_add(d->loop, loop_now(d->loop) + delay_ms,
				  group_tick, g);
}

/* The alerts of a flush in Alertmanager's order: job, instance, then
 * LabelSet.Before: fewer labels first; then, walking the names of both in
 * order, a set lacking the first differing name comes first, else the
 * lower value. */
int dispatch_labels_before(const struct labels *a, const struct labels *b)
{
	size_t i = 0, j = 0;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	while (i < a->n && j < b->n) {
		int c = strcmp(a->v[i].name, b->v[j].name);

		if (c < 0)
			return 1; /* the name is missing from b */
		if (c > 0)
			return -1; /* the name is missing from a */
		c = strcmp(a->v[i].value, b->v[j].value);
		if (c)
			return c < 0 ? -1 : 1;
		i++;
		j++;
	}
	return 0;
}

static int alert_cmp(const void *x, const void *y)
{
	return dispatch_alert_cmp(x, y);
}

int dispatch_alert_cmp(const struct dispatch_alert *x,
		       const struct dispatch_alert *y)
{
	const struct labels *a = x->a->labels;
	const struct labels *b = y->a->labels;
	static const char *const keys[] = {"job", "instance"};

	for (int k = 0; k < 2; k++) {
		const char *av = labels_get(a, keys[k]);
		const char *bv = labels_get(b, keys[k]);
		int c;

		if (!av && !bv)
			continue;
		if (!av)
			return 1;
		if (!bv)
			return -1;
		c = strcmp(av, bv);
		if (c)
			return c < 0 ? -1 : 1;
	}
	return dispatch_labels_before(a, b);
}

static void flush_done(struct dispatch_flush *f, int ok);
static void group_flush(struct group *g);

static void group_flush(struct group *g)
{
	struct dispatcher *d = g->d;
	struct flush *fl;
	struct dispatch_flush *f;
	struct buf key = {0};
	int64_t now = now_of(d);
	size_t n = 0;

	if (g->alerts.count == 0)
		return;
	fl = xcalloc(1, sizeof *fl);
	f = &fl->f;
	f->alerts = xcalloc(g->alerts.count, sizeof *f->alerts);
	for (size_t i = 0; i < g->alerts.cap; i++) {
		struct am_alert *a = g->alerts.slots[i];
		struct dispatch_alert *da;

		if (!a || a == TOMB)
			continue;
		da = &f->alerts[n++];
		da->a = am_alert_ref(a);
		da->resolved = am_alert_resolved(a, now);
		da->ends_at = da->resolved ? a->ends_at : 0;
		da->updated_at = a->updated_at;
	}
	/* stable order regardless of table layout: qsort is not stable,
	 * but equal label sets cannot occur in one group */
	qsort(f->alerts, n, sizeof *f->alerts, alert_cmp);
	f->nalerts = n;
	f->route = g->route;
	f->receiver = g->route->receiver;
	buf_puts(&key, rkeys_get(&d->keys, g->route));
	buf_putc(&key, ':');
	labels_format(g->labels, &key);
	fl->key = buf_take(&key);
	f->group_key = fl->key;
	f->group_labels = g->labels;
	f->now = now;
	f->repeat_interval_ms = g->route->repeat_interval_ms;
	f->done = flush_done;
	f->priv = g;
	g->inflight = f;
	g->has_flushed = 1;
	d->notify(d->ctx, f);
}

static void flush_free(struct dispatch_flush *f)
{
	struct flush *fl = (struct flush *)(void *)f; /* f is fl->f */

	for (size_t i = 0; i < f->nalerts; i++)
		am_alert_unref(f->alerts[i].a);
	free(f->alerts);
	free(fl->key);
	am_labels_free(fl->labels);
	free(fl);
}

static void flush_done(struct dispatch_flush *f, int ok)
{
	struct group *g = f->priv;

	if (!g) { /* the group went away meanwhile */
		flush_free(f);
		return;
	}
	if (ok) {
		/* DeleteIfNotModified: resolved alerts that did not change
		 * during the flush leave the group. */
		for (size_t i = 0; i < f->nalerts; i++) {
			const struct dispatch_alert *da = &f->alerts[i];

			if (da->resolved && da->a->updated_at == da->updated_at)
				aset_del(&g->alerts, da->a);
		}
	}
	g->inflight = NULL;
	flush_free(f);
	if (g->tick_waiting) {
		g->tick_waiting = 0;
		group_flush(g);
	}
}

static void group_tick(struct loop *l, void *arg)
{
	struct group *g = arg;

	(void)l;
	g->timer = 0;
	/* Alertmanager resets the timer before flushing. */
	group_arm(g, g->route->group_interval_ms);
	if (g->inflight) {
		g->tick_waiting = 1;
		return;
	}
	group_flush(g);
}

static void group_free(struct group *g)
{
	if (g->timer)
		loop_timer_cancel(g->d->loop, g->timer);
	if (g->inflight) {
		/* f->group_labels stays valid until done() */
		((struct flush *)(void *)g->inflight)->labels = g->labels;
		g->labels = NULL;
		g->inflight->priv = NULL;
	}
	aset_free(&g->alerts);
	am_labels_free(g->labels);
	free(g);
}

/* Group labels: the alert's labels named in group_by, or all of them.
 * Returns the pairs (borrowed from l) in *v, sorted by unique name;
 * *v is buf when it has room, else the caller frees it. */
static size_t group_pairs(const struct route *r, const struct labels *l,
			  struct label *buf, size_t room,
			  const struct label **v)
{
	struct label *out = buf;
	size_t n = 0;

	if (r->group_by_all) {
		*v = l->v;
		return l->n;
	}
	if (r->ngroup_by > room)
		out = xmalloc(r->ngroup_by * sizeof *out);
	/* the pairs of l in l's (sorted) order, so out is sorted too */
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < r->ngroup_by; k++)
			if (strcmp(l->v[i].name, r->group_by[k]) == 0) {
				out[n++] = l->v[i];
				break;
			}
	*v = out;
	return n;
}

static void group_insert(struct group *g, struct am_alert *a)
{
	struct dispatcher *d = g->d;

	if (!aset_add(&g->alerts, a))
		return;
	/* An alert older than group_wait in a group that never flushed:
	 * flush now (what makes Alertmanager re-send after a restart). */
	if (!g->has_flushed &&
	    a->starts_at + g->route->group_wait_ms < now_of(d))
		group_arm(g, 0);
}

static void put_route(struct dispatcher *d, const struct route *r,
		      struct am_alert *a)
{
	struct label stackv[8];
	const struct label *v;
	size_t n = group_pairs(r, a->labels, stackv, 8, &v);
	const struct rkey *k = rkeys_find(&d->keys, r);
	uint64_t fp = v == a->labels->v ? a->labels->fp
					: labels_hash_pairs(v, n);
	struct group *g = group_get(d, k, v, n, fp);

	if (!g) {
		struct group **b;

		if ((d->ngroups + 1) > d->nbuckets)
			buckets_grow(d);
		g = xcalloc(1, sizeof *g);
		g->d = d;
		g->route = r;
		g->labels = am_labels_new(v, n, 0);
		b = bucket_of(d, group_hash(k, fp));
		g->next = *b;
		*b = g;
		d->ngroups++;
		group_arm(g, r->group_wait_ms);
	}
	if (v != stackv && v != a->labels->v)
		free((void *)v);
	group_insert(g, a);
}

void dispatcher_put(struct dispatcher *d, struct am_alert *a)
{
	const struct route **routes = NULL;
	size_t n = 0, cap = 0;

	if (!d->root)
		return;
	route_match(d->root, a->labels, &routes, &n, &cap);
	for (size_t i = 0; i < n; i++)
		put_route(d, routes[i], a);
	free(routes);
}

void dispatcher_forget(struct dispatcher *d, struct am_alert *a)
{
	for (size_t i = 0; i < d->nbuckets; i++)
		for (struct group *g = d->buckets[i]; g; g = g->next)
			aset_del(&g->alerts, a);
}

/* ---------------------------------------------------------- maintenance */

static void maint_tick(struct loop *l, void *arg);

static void maint_arm(struct dispatcher *d)
{
	d->maint_timer = loop_timer_add(
		d->loop, loop_now(d->loop) + DISPATCH_MAINTENANCE_MS,
		maint_tick, d);
}

static void remove_groups(struct dispatcher *d,
			  int (*doomed)(const struct group *g, void *ctx),
			  void *ctx)
{
	for (size_t i = 0; i < d->nbuckets; i++) {
		struct group **p = &d->buckets[i];

		while (*p) {
			struct group *g = *p;

			if (doomed(g, ctx)) {
				*p = g->next;
				group_free(g);
				d->ngroups--;
			} else {
				p = &g->next;
			}
		}
	}
}

static int is_empty(const struct group *g, void *ctx)
{
	(void)ctx;
	return g->alerts.count == 0 && !g->inflight;
}

void dispatcher_maintenance(struct dispatcher *d)
{
	remove_groups(d, is_empty, NULL);
}

static void maint_tick(struct loop *l, void *arg)
{
	struct dispatcher *d = arg;

	(void)l;
	dispatcher_maintenance(d);
	maint_arm(d);
}

/* ------------------------------------------------------------ lifecycle */

struct dispatcher *dispatcher_new(struct loop *l, const struct eval_clock *wall,
				  const struct route *root,
				  dispatch_notify_fn *notify, void *ctx)
{
	struct dispatcher *d = xcalloc(1, sizeof *d);

	d->loop = l;
	if (wall)
		d->wall = *wall;
	else
		d->wall.wall_ms = real_wall;
	d->root = root;
	d->notify = notify;
	d->ctx = ctx;
	rkeys_build(&d->keys, root);
	buckets_grow(d);
	maint_arm(d);
	return d;
}

static int always(const struct group *g, void *ctx)
{
	(void)g;
	(void)ctx;
	return 1;
}

void dispatcher_free(struct dispatcher *d)
{
	if (!d)
		return;
	remove_groups(d, always, NULL);
	if (d->maint_timer)
		loop_timer_cancel(d->loop, d->maint_timer);
	free(d->buckets);
	rkeys_free(&d->keys);
	free(d);
}

size_t dispatcher_group_count(const struct dispatcher *d)
{
	return d->ngroups;
}

/* ---------------------------------------------------------------- reload */

static int same_strs(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

/* A route of the new tree that can take over group g: same key, same
 * receiver, grouping, timers and time intervals. */
static const struct route *successor(const struct dispatcher *d,
				     const struct group *g,
				     const char *old_key)
{
	const struct route *o = g->route;

	for (size_t i = 0; i < d->keys.cap; i++) {
		const struct route *r = d->keys.v[i].r;

		if (!r || strcmp(d->keys.v[i].key, old_key) != 0)
			continue;
		if (strcmp(r->receiver, o->receiver) == 0 &&
		    r->group_by_all == o->group_by_all &&
		    same_strs(r->group_by, r->ngroup_by, o->group_by,
			      o->ngroup_by) &&
		    r->group_wait_ms == o->group_wait_ms &&
		    r->group_interval_ms == o->group_interval_ms &&
		    r->repeat_interval_ms == o->repeat_interval_ms &&
		    same_strs(r->mute_time_intervals, r->nmute_time_intervals,
			      o->mute_time_intervals,
			      o->nmute_time_intervals) &&
		    same_strs(r->active_time_intervals,
			      r->nactive_time_intervals,
			      o->active_time_intervals,
			      o->nactive_time_intervals))
			return r;
	}
	return NULL;
}

static int no_successor(const struct group *g, void *ctx)
{
	(void)ctx;
	return g->route == NULL;
}

void dispatcher_reload(struct dispatcher *d, const struct route *root)
{
	struct rkeys old = d->keys;

	d->root = root;
	rkeys_build(&d->keys, root);
	for (size_t i = 0; i < d->nbuckets; i++) {
		for (struct group *g = d->buckets[i]; g; g = g->next) {
			const char *k = rkeys_get(&old, g->route);
			const struct route *r = k ? successor(d, g, k) : NULL;

			g->route = r;
			if (!r)
				continue;
			/* Drop alerts that now route elsewhere (a sibling's
			 * matchers may have changed). */
			for (size_t j = 0; j < g->alerts.cap; j++) {
				struct am_alert *a = g->alerts.slots[j];
				const struct route **rs = NULL;
				size_t n = 0, cap = 0, keep = 0;

				if (!a || a == TOMB)
					continue;
				route_match(root, a->labels, &rs, &n, &cap);
				for (size_t m = 0; m < n; m++)
					keep |= rs[m] == r;
				free(rs);
				if (!keep)
					aset_del(&g->alerts, a);
			}
		}
	}
	remove_groups(d, no_successor, NULL);
	rkeys_free(&old);
}

/* ---------------------------------------------------------------- reading */

void dispatcher_groups(const struct dispatcher *d,
		       void (*fn)(void *ctx, const struct route *r,
				  const struct labels *group_labels,
				  struct am_alert *const *alerts, size_t n),
		       void *ctx)
{
	for (size_t i = 0; i < d->nbuckets; i++) {
		for (const struct group *g = d->buckets[i]; g; g = g->next) {
			struct am_alert **v;
			size_t n = 0;

			v = xcalloc(g->alerts.count + 1, sizeof *v);
			for (size_t j = 0; j < g->alerts.cap; j++)
				if (g->alerts.slots[j] &&
				    g->alerts.slots[j] != TOMB)
					v[n++] = g->alerts.slots[j];
			fn(ctx, g->route, g->labels, v, n);
			free(v);
		}
	}
}
