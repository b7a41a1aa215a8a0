/*
 * intern.c - the shared string table: open addressing with linear probing
 * over string headers, deleted by shifting back (no tombstones).
 *
 * Invariants: a string is in the table iff its reference count is
 * positive; no two entries hold equal strings; the table is at most half
 * full.  The "seen" table is a direct-mapped cache of hash tags: a hit
 * may be a false positive (then one string is shared that did not need
 * to be), a miss only costs a private copy.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "util.h"

struct istr {
	uint32_t refs;
	uint32_t hash;
	char s[];
};

#define SEEN_BITS 14
#define SEEN_SIZE (1u << SEEN_BITS)

static struct {
	struct istr **slots; /* cap entries, NULL when empty */
	size_t cap, n;
	uint32_t *seen;	     /* SEEN_SIZE tags, 0 when empty */
} T;

static struct istr *header_of(const char *s)
{
	return (struct istr *)(void *)(s - offsetof(struct istr, s));
}

/* FNV-1a 64, then a finalizer so the low bits spread. */
static uint64_t hash_of(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* The slot holding s[0..len), or the empty slot ending its probe. */
static size_t find(const char *s, size_t len, uint32_t hash)
{
	size_t mask = T.cap - 1, i = hash & mask;

	for (; T.slots[i]; i = (i + 1) & mask) {
		const struct istr *e = T.slots[i];

		/* strncmp stops at e->s's end should it be shorter */
		if (e->hash == hash && strncmp(e->s, s, len) == 0 &&
		    e->s[len] == '\0')
			return i;
	}
	return i;
}

static void grow(void)
{
	struct istr **old = T.slots;
	size_t ocap = T.cap;

	T.cap = ocap ? ocap * 2 : 64;
	T.slots = xcalloc(T.cap, sizeof *T.slots);
	for (size_t i = 0; i < ocap; i++) {
		size_t j;

		if (!old[i])
			continue;
		for (j = old[i]->hash & (T.cap - 1); T.slots[j];
		     j = (j + 1) & (T.cap - 1))
			;
		T.slots[j] = old[i];
	}
	free(old);
}

/* Returns the entry for s with one more reference, adding it. */
static const char *get(const char *s, size_t len, uint32_t hash)
{
	size_t i;
	struct istr *e;

	if ((T.n + 1) * 2 > T.cap)
		grow();
	i = find(s, len, hash);
	if (T.slots[i]) {
		assert(T.slots[i]->refs < UINT32_MAX);
		T.slots[i]->refs++;
		return T.slots[i]->s;
	}
	e = xmalloc(sizeof *e + len + 1);
	e->refs = 1;
	e->hash = hash;
	memcpy(e->s, s, len);
	e->s[len] = '\0';
	T.slots[i] = e;
	T.n++;
	return e->s;
}

const char *intern_get(const char *s, size_t len)
{
	return get(s, len, (uint32_t)hash_of(s, len));
}

const char *intern_maybe(const char *s, size_t len, int learn)
{
	uint64_t h = hash_of(s, len);
	uint32_t tag = (uint32_t)(h >> 32) | 1u;
	size_t k = (size_t)(h >> 32) & (SEEN_SIZE - 1);

	if (T.cap) {
		size_t i = find(s, len, (uint32_t)h);

		if (T.slots[i]) {
			assert(T.slots[i]->refs < UINT32_MAX);
			T.slots[i]->refs++;
			return T.slots[i]->s;
		}
	}
	if (!learn)
		return NULL;
	if (!T.seen)
		T.seen = xcalloc(SEEN_SIZE, sizeof *T.seen);
	if (T.seen[k] != tag) {
		T.seen[k] = tag;
		return NULL;
	}
	return get(s, len, (uint32_t)h);
}

const char *intern_ref(const char *s)
{
	struct istr *e = header_of(s);

	assert(e->refs > 0 && e->refs < UINT32_MAX);
	e->refs++;
	return s;
}

/* Empties slot i, shifting back the entries after it whose probe path
 * crosses it. */
static void delete_at(size_t i)
{
	size_t mask = T.cap - 1, j = i;

	T.slots[i] = NULL;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!T.slots[j])
			return;
		home = T.slots[j]->hash & mask;
		/* leave the entry if home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		T.slots[i] = T.slots[j];
		T.slots[j] = NULL;
		i = j;
	}
}

void intern_release(const char *s)
{
	struct istr *e;
	size_t i;

	if (!s)
		return;
	e = header_of(s);
	assert(e->refs > 0);
	if (--e->refs > 0)
		return;
	for (i = e->hash & (T.cap - 1); T.slots[i] != e; i = (i + 1) & (T.cap - 1))
		assert(T.slots[i]);
	delete_at(i);
	free(e);
	if (--T.n == 0) {
		free(T.slots);
		free(T.seen);
		memset(&T, 0, sizeof T);
	}
}

size_t intern_count(void)
{
	return T.n;
}
