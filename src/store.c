/*
 * store.c - the store interface: backend selection by name and dispatch.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct store {
	const struct store_ops *ops;
	void *be;
};

static const struct store_ops *const backends[] = {
	&store_sqlite_ops,
};

int store_open(const char *path, struct store **st, struct buf *err)
{
	return store_open_backend("sqlite", path, st, err);
}

int store_open_backend(const char *backend, const char *path,
		       struct store **st, struct buf *err)
{
	const struct store_ops *ops = NULL;
	void *be = NULL;

	*st = NULL;
	for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (strcmp(backends[i]->name, backend) == 0)
			ops = backends[i];
	if (ops == NULL) {
		buf_printf(err, "store: unknown backend \"%s\"\n", backend);
		return -1;
	}
	if (ops->open(path, &be, err) != 0)
		return -1;
	*st = xmalloc(sizeof **st);
	(*st)->ops = ops;
	(*st)->be = be;
	return 0;
}

int store_open_shared(const char *path, struct store **st, struct buf *err)
{
	void *be = NULL;

	*st = NULL;
	if (store_sqlite_ops.open_shared(path, &be, err) != 0)
		return -1;
	*st = xmalloc(sizeof **st);
	(*st)->ops = &store_sqlite_ops;
	(*st)->be = be;
	return 0;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->be);
	free(st);
}

int store_alerts_save_group(struct store *st, const struct store_group_key *g,
			    const struct store_rule_alerts *rules,
			    size_t nrules, int64_t now_ms, struct buf *err)
{
	assert(g != NULL && g->file != NULL && g->group != NULL);
	assert(nrules == 0 || rules != NULL);
	return st->ops->alerts_save_group(st->be, g, rules, nrules, now_ms,
					  err);
}

int store_alerts_touch_group(struct store *st, const struct store_group_key *g,
			     int64_t now_ms, struct buf *err)
{
	return st->ops->alerts_touch_group(st->be, g, now_ms, err);
}

int store_alerts_load(struct store *st, store_alert_fn fn, void *ctx,
		      struct buf *err)
{
	return st->ops->alerts_load(st->be, fn, ctx, err);
}

int store_alerts_retain_groups(struct store *st,
			       const struct store_group_key *keep,
			       size_t nkeep, struct buf *err)
{
	return st->ops->alerts_retain_groups(st->be, keep, nkeep, err);
}

int store_data_version(struct store *st, int64_t *v, struct buf *err)
{
	return st->ops->data_version(st->be, v, err);
}

int store_silences_write(struct store *st, const struct store_silence_write *w,
			 struct buf *err)
{
	assert(w->nput == 0 || w->put != NULL);
	assert(w->ndel == 0 || w->del != NULL);
	assert(w->nhist == 0 || w->hist != NULL);
	return st->ops->silences_write(st->be, w, err);
}

int store_silences_load(struct store *st, store_silence_fn fn, void *ctx,
			struct buf *err)
{
	return st->ops->silences_load(st->be, fn, ctx, err);
}

int store_silence_history(struct store *st, const char *id,
			  store_silence_history_fn fn, void *ctx,
			  struct buf *err)
{
	return st->ops->silence_history(st->be, id, fn, ctx, err);
}

int store_nflog_put(struct store *st, const struct store_nflog_entry *e,
		    struct buf *err)
{
	assert(e->key.group_key && e->key.receiver && e->key.integration);
	return st->ops->nflog_put(st->be, e, err);
}

int store_nflog_get(struct store *st, const struct store_nflog_key *k,
		    store_nflog_fn fn, void *ctx, struct buf *err)
{
	return st->ops->nflog_get(st->be, k, fn, ctx, err);
}

int store_nflog_load(struct store *st, store_nflog_fn fn, void *ctx,
		     struct buf *err)
{
	return st->ops->nflog_load(st->be, fn, ctx, err);
}

int store_nflog_gc(struct store *st, int64_t now_ms, int64_t *ndeleted,
		   struct buf *err)
{
	return st->ops->nflog_gc(st->be, now_ms, ndeleted, err);
}

uint64_t store_rule_labels_hash(const struct rule_kv *v, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		const char *s[2] = { v[i].name, v[i].value };

		for (int k = 0; k < 2; k++) {
			for (const unsigned char *p =
				     (const unsigned char *)s[k]; *p; p++) {
				h ^= *p;
				h *= 1099511628211ULL;
			}
			h ^= 0xff;
			h *= 1099511628211ULL;
		}
	}
	return h;
}
