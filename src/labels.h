/*
 * labels.h - an immutable label set: pairs sorted by name, names unique,
 * stored in one allocation with its strings.  Fingerprints are FNV-1a 64 over
 * "name\xffvalue\xff" of every pair in order, the algorithm of Prometheus'
 * model.LabelSet.Fingerprint(), so a fingerprint printed by Tocsin equals the
 * one Alertmanager prints for the same labels.
 */
#ifndef TOCSIN_LABELS_H
#define TOCSIN_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct label {
	const char *name;
	const char *value;
};

struct labels {
	size_t n;
	uint64_t fp;		/* fingerprint, computed at build time */
	struct label v[];
};

/*
 * A builder collects pairs in any order.  labels_set() replaces an earlier
 * pair of the same name; an empty value removes the name, as Prometheus'
 * labels.Builder does.  Strings are copied.
 */
struct labels_builder {
	struct label *v;	/* owned copies */
	size_t n, cap;
};

void labels_builder_set(struct labels_builder *b, const char *name,
			const char *value);
void labels_builder_del(struct labels_builder *b, const char *name);
/* Returns a new label set (free it with labels_free()); the builder stays
 * usable and must be released with labels_builder_free(). */
struct labels *labels_builder_build(const struct labels_builder *b);
void labels_builder_free(struct labels_builder *b);

/* Returns a new label set of n pairs already sorted by unique name, kept
 * as given (empty values too: annotations use this); the caller frees it. */
struct labels *labels_from_sorted(const struct label *v, size_t n);
/* Returns a new empty label set. */
struct labels *labels_empty(void);
/* Returns a copy of l; the caller frees it. */
struct labels *labels_dup(const struct labels *l);
void labels_free(struct labels *l);

/* Returns the value of name, or NULL when l has no such label. */
const char *labels_get(const struct labels *l, const char *name);
/* Orders label sets like Prometheus' labels.Compare. */
int labels_cmp(const struct labels *a, const struct labels *b);
int labels_equal(const struct labels *a, const struct labels *b);
/* Fingerprint of raw pairs that are already sorted by name. */
uint64_t labels_hash_pairs(const struct label *v, size_t n);
/* Appends {a="b", c="d"} (Go's LabelSet.String form) to out. */
void labels_format(const struct labels *l, struct buf *out);

/* Label name rules.  UTF-8 names (Prometheus 3): any non-empty valid UTF-8.
 * Legacy names: [a-zA-Z_][a-zA-Z0-9_]*.  Metric names add ':'. */
int labels_name_valid(const char *name);
int labels_name_legacy(const char *name);
int labels_metric_name_legacy(const char *name);

#endif
