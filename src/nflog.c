/*
 * nflog.c - the notification log (nflog.h): Alertmanager's alert hash,
 * needsUpdate(), and the entries kept in the store.
 */
#include <stdlib.h>
#include <string.h>

#include "nflog.h"

/* ------------------------------------------------------------- xxhash64 */

#define P1 11400714785074694791ULL
#define P2 14029467366897019727ULL
#define P3 1609587929392839161ULL
#define P4 9650029242287828579ULL
#define P5 2870177450012600261ULL

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t rd32(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24;
}

static uint64_t round64(uint64_t acc, uint64_t in)
{
	return rotl(acc + in * P2, 31) * P1;
}

static uint64_t merge64(uint64_t acc, uint64_t v)
{
	return (acc ^ round64(0, v)) * P1 + P4;
}

uint64_t nflog_xxhash64(const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0 - P1;

		for (; end - p >= 32; p += 32) {
			v1 = round64(v1, rd64(p));
			v2 = round64(v2, rd64(p + 8));
			v3 = round64(v3, rd64(p + 16));
			v4 = round64(v4, rd64(p + 24));
		}
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
		h = merge64(merge64(merge64(merge64(h, v1), v2), v3), v4);
	} else {
		h = P5;
	}
	h += (uint64_t)len;
	for (; end - p >= 8; p += 8)
		h = rotl(h ^ round64(0, rd64(p)), 27) * P1 + P4;
	if (end - p >= 4) {
		h = rotl(h ^ rd32(p) * P1, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl(h ^ *p * P5, 11) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

uint64_t nflog_alert_hash(const struct labels *l)
{
	struct buf b = { 0 };
	uint64_t h;

	/* a struct labels is sorted by name already */
	for (size_t i = 0; i < l->n; i++) {
		buf_puts(&b, l->v[i].name);
		buf_putc(&b, '\xff');
		buf_puts(&b, l->v[i].value);
		buf_putc(&b, '\xff');
	}
	h = nflog_xxhash64(b.s ? b.s : "", b.len);
	buf_free(&b);
	return h;
}

/* ---------------------------------------------------------- needsUpdate */

/* Every hash of a is in b (n*m: the sets are one group's alerts). */
static int subset(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		size_t k;

		for (k = 0; k < nb && b[k] != a[i]; k++)
			;
		if (k == nb)
			return 0;
	}
	return 1;
}

int nflog_needs_update(const struct nflog_entry *e, const uint64_t *firing,
		       size_t nfiring, const uint64_t *resolved,
		       size_t nresolved, int send_resolved,
		       int64_t repeat_interval_ms, int64_t now)
{
	if (e == NULL)
		return nfiring > 0;
	if (!subset(firing, nfiring, e->firing, e->nfiring))
		return 1;
	if (nfiring == 0)
		return e->nfiring > 0;
	if (send_resolved &&
	    !subset(resolved, nresolved, e->resolved, e->nresolved))
		return 1;
	return e->timestamp < now - repeat_interval_ms;
}

/* ---------------------------------------------------------------- store */

void nflog_entry_free(struct nflog_entry *e)
{
	if (e == NULL)
		return;
	free(e->group_key);
	free(e->receiver);
	free(e->integration);
	free(e->firing);
	free(e->resolved);
	free(e);
}

int nflog_log(struct store *st, const struct nflog_key *k,
	      const uint64_t *firing, size_t nfiring,
	      const uint64_t *resolved, size_t nresolved,
	      int64_t repeat_interval_ms, int64_t retention_ms, int64_t now,
	      struct buf *err)
{
	int64_t keep = retention_ms > 0 ? retention_ms : 120LL * 3600 * 1000;
	struct store_nflog_entry e = {
		.key = { k->group_key, k->receiver, k->integration, k->idx },
		.timestamp_ms = now,
		.firing = firing,
		.nfiring = nfiring,
		.resolved = resolved,
		.nresolved = nresolved,
	};

	if (2 * repeat_interval_ms < keep)
		keep = 2 * repeat_interval_ms;
	e.expires_at_ms = now + keep;
	return store_nflog_put(st, &e, err);
}

static uint64_t *hashes_dup(const uint64_t *v, size_t n)
{
	uint64_t *d = xcalloc(n + 1, sizeof *d);

	if (n)
		memcpy(d, v, n * sizeof *d);
	return d;
}

static int take_entry(void *ctx, const struct store_nflog_entry *se)
{
	struct nflog_entry *e = xcalloc(1, sizeof *e);

	e->group_key = xstrdup(se->key.group_key);
	e->receiver = xstrdup(se->key.receiver);
	e->integration = xstrdup(se->key.integration);
	e->idx = se->key.idx;
	e->timestamp = se->timestamp_ms;
	e->firing = hashes_dup(se->firing, se->nfiring);
	e->nfiring = se->nfiring;
	e->resolved = hashes_dup(se->resolved, se->nresolved);
	e->nresolved = se->nresolved;
	e->expires_at = se->expires_at_ms;
	*(struct nflog_entry **)ctx = e;
	return 0;
}

int nflog_query(struct store *st, const struct nflog_key *k,
		struct nflog_entry **out, struct buf *err)
{
	struct store_nflog_key sk = { k->group_key, k->receiver,
				      k->integration, k->idx };

	*out = NULL;
	if (store_nflog_get(st, &sk, take_entry, out, err) != 0) {
		nflog_entry_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int nflog_gc(struct store *st, int64_t now, int64_t *ndeleted,
	     struct buf *err)
{
	return store_nflog_gc(st, now, ndeleted, err);
}
