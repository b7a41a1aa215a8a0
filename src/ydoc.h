/*
 * ydoc.h - a YAML document as a tree of nodes that remember where they came
 * from (file:line:col), built once over libyaml.  Anchors and aliases are
 * resolved (an alias shares the anchored node), merge keys ("<<") are
 * expanded with explicit keys winning, and duplicate keys are errors.
 *
 * Ownership: a struct ydoc owns every node and string reachable from it;
 * ydoc_free() releases them all at once.  Nodes are read-only.
 *
 * On top of the tree sit small typed accessors used by every loader (rule
 * files, configuration).  They report problems into a struct diags with the
 * node's position and return -1, so loaders can carry on and list all errors.
 */
#ifndef TOCSIN_YDOC_H
#define TOCSIN_YDOC_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum ynode_kind { YNODE_NULL, YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	int line, col;		/* 1-based */
	int plain;		/* scalar written without quotes or block style */
	const char *str;	/* scalar text (NUL-terminated), "" for null */
	size_t len;		/* scalar length in bytes */
	size_t n;		/* items of a sequence, pairs of a mapping */
	struct ynode **items;	/* seq: items[i]; map: key items[2i], value items[2i+1] */
};

struct arena;

struct ydoc {
	char *file;		/* name used in diagnostics */
	struct ynode *root;	/* NULL when the stream holds no document */
	int ndocs;		/* documents in the stream (only the first is kept) */
	struct arena *arena;
};

/* Parses a whole file / buffer.  Returns a new document (free it with
 * ydoc_free()) or NULL after adding the syntax error to d. */
struct ydoc *ydoc_load_file(const char *path, struct diags *d);
struct ydoc *ydoc_load_buf(const char *name, const char *s, size_t n,
			   struct diags *d);
void ydoc_free(struct ydoc *doc);

/* ----------------------------------------------------- typed accessors */

/* Context for accessors: where to report and under which file name. */
struct yctx {
	const char *file;
	struct diags *d;
};

/* Adds an error located at node n (or at no position when n is NULL). */
void ydoc_err(struct yctx *c, const struct ynode *n, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
void ydoc_warn(struct yctx *c, const struct ynode *n, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* Map lookup: returns the value node for key, or NULL when absent. */
const struct ynode *ydoc_get(const struct ynode *map, const char *key);
/* Returns the key node for key (for positions), or NULL. */
const struct ynode *ydoc_get_key(const struct ynode *map, const char *key);

/* Checks n is a mapping (null counts as empty) and that each key is in the
 * NULL-terminated list known; unknown keys are errors naming the key, "what"
 * (e.g. "rule") and the nearest known key.  Returns the number of problems. */
int ydoc_check_map(struct yctx *c, const struct ynode *n, const char *what,
		   const char *const *known);

/* Each accessor returns 0 when the key is absent or null (out untouched),
 * 1 when a value was stored, -1 after reporting a type error.  They read
 * values as Go's yaml.v2/v3 decode them into typed fields: ydoc_int takes
 * plain scalars only, in Go integer syntax (0x1F, 0o17, 017, 0b1, 1_000) or
 * as a float truncated toward zero (5.0, 1e3); ydoc_bool takes the YAML 1.1
 * spellings of ydoc_parse_bool. */
int ydoc_str(struct yctx *c, const struct ynode *map, const char *key,
	     const char **out);
int ydoc_bool(struct yctx *c, const struct ynode *map, const char *key,
	      int *out);
int ydoc_int(struct yctx *c, const struct ynode *map, const char *key,
	     long long *out);
/* Duration in milliseconds, Prometheus syntax. */
int ydoc_duration(struct yctx *c, const struct ynode *map, const char *key,
		  int64_t *out);
/* The sequence (or mapping) under key; *out is the node. */
int ydoc_seq(struct yctx *c, const struct ynode *map, const char *key,
	     const struct ynode **out);
int ydoc_map(struct yctx *c, const struct ynode *map, const char *key,
	     const struct ynode **out);

/* Scalar text of a node for use as a string: NULL nodes give "". */
const char *ydoc_text(const struct ynode *n);
/* Returns 1 if the scalar is a plain YAML 1.1 boolean (true/yes/on/y and
 * false/no/off/n, in lower, Title or UPPER case) and stores it, else 0. */
int ydoc_parse_bool(const struct ynode *n, int *out);

#endif
