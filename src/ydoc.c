/*
 * ydoc.c - libyaml events folded into a positioned node tree.
 *
 * The builder keeps a stack of open collections.  Items of an open
 * collection live in a growable scratch array; when the collection ends they
 * are copied into the arena and merge keys are expanded.  Anchors map to the
 * finished node, so an alias shares it; an alias to an unfinished node (a
 * cycle) is an error.
 */
#include "ydoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "duration.h"

#define YAML_MAX_DEPTH 256

/* ------------------------------------------------------------------ arena */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct chunk *head;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t align = sizeof(max_align_t);

	n = (n + align - 1) / align * align;
	if (!c || c->size - c->used < n) {
		size_t size = n > 16384 ? n : 16384;

		c = xmalloc(sizeof *c + size);
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* ---------------------------------------------------------------- builder */

struct frame {
	struct ynode *node;	/* the collection being filled */
	struct ynode **items;	/* scratch */
	size_t n, cap;
	char *anchor;		/* registered when the collection ends */
};

struct anchor {
	char *name;
	struct ynode *node;	/* NULL while still open */
};

struct builder {
	struct ydoc *doc;
	struct yctx c;
	struct frame stack[YAML_MAX_DEPTH];
	int depth;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	int failed;
};

static struct ynode *node_new(struct builder *b, enum ynode_kind kind,
			      yaml_mark_t mark)
{
	struct ynode *n = arena_alloc(b->doc->arena, sizeof *n);

	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->line = (int)mark.line + 1;
	n->col = (int)mark.column + 1;
	n->str = "";
	return n;
}

static void anchor_set(struct builder *b, const char *name, struct ynode *n)
{
	/* A later anchor of the same name shadows an earlier one (YAML 1.2). */
	for (size_t i = b->nanchors; i-- > 0;) {
		if (strcmp(b->anchors[i].name, name) == 0) {
			if (!b->anchors[i].node) {
				b->anchors[i].node = n;
				return;
			}
			break;
		}
	}
	if (b->nanchors == b->capanchors) {
		b->capanchors = b->capanchors ? b->capanchors * 2 : 16;
		b->anchors = xrealloc(b->anchors,
				      b->capanchors * sizeof *b->anchors);
	}
	b->anchors[b->nanchors].name = xstrdup(name);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
}

static int anchor_lookup(struct builder *b, const char *name,
			 struct ynode **out)
{
	for (size_t i = b->nanchors; i-- > 0;) {
		if (strcmp(b->anchors[i].name, name) == 0) {
			*out = b->anchors[i].node;
			return 1;
		}
	}
	return 0;
}

static void frame_push_item(struct frame *f, struct ynode *n)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->items = xrealloc(f->items, f->cap * sizeof *f->items);
	}
	f->items[f->n++] = n;
}

/* Adds a finished node to the parent collection or makes it the root. */
static void attach(struct builder *b, struct ynode *n)
{
	if (b->depth == 0) {
		if (!b->doc->root)
			b->doc->root = n;
		return;
	}
	frame_push_item(&b->stack[b->depth - 1], n);
}

static int is_null_scalar(const char *s, size_t len, int plain)
{
	if (!plain)
		return 0;
	return len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int key_is_merge(const struct ynode *k)
{
	return k->kind == YNODE_SCALAR && k->plain && strcmp(k->str, "<<") == 0;
}

static int pairs_find(struct ynode **items, size_t npairs, const char *key)
{
	for (size_t i = 0; i < npairs; i++) {
		const struct ynode *k = items[2 * i];

		if (k->kind == YNODE_SCALAR && strcmp(k->str, key) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Builds the final pair list of a mapping from its raw items: explicit keys
 * in document order, duplicates reported, then the pairs of merged maps
 * whose keys are not set explicitly (earlier merge sources win).
 */
static void map_finish(struct builder *b, struct frame *f)
{
	struct ynode *m = f->node;
	size_t cap = f->n, np = 0;
	struct ynode **out;
	struct ynode **merges = NULL;
	size_t nmerges = 0;

	/* Count merge sources to size the output. */
	for (size_t i = 0; i + 1 < f->n; i += 2) {
		struct ynode *k = f->items[i], *v = f->items[i + 1];

		if (!key_is_merge(k))
			continue;
		if (v->kind == YNODE_MAP) {
			cap += 2 * v->n;
		} else if (v->kind == YNODE_SEQ) {
			for (size_t j = 0; j < v->n; j++)
				if (v->items[j]->kind == YNODE_MAP)
					cap += 2 * v->items[j]->n;
		}
	}
	out = arena_alloc(b->doc->arena, (cap ? cap : 1) * sizeof *out);
	for (size_t i = 0; i + 1 < f->n; i += 2) {
		struct ynode *k = f->items[i], *v = f->items[i + 1];
		int prev;

		if (key_is_merge(k)) {
			merges = xrealloc(merges, (nmerges + 1) * sizeof *merges);
			merges[nmerges++] = v;
			continue;
		}
		if (k->kind != YNODE_SCALAR) {
			ydoc_err(&b->c, k, "mapping keys must be scalars");
			continue;
		}
		prev = pairs_find(out, np, k->str);
		if (prev >= 0) {
			ydoc_err(&b->c, k,
				 "mapping key \"%s\" already defined at line %d",
				 k->str, out[2 * prev]->line);
			continue;
		}
		out[2 * np] = k;
		out[2 * np + 1] = v;
		np++;
	}
	for (size_t i = 0; i < nmerges; i++) {
		struct ynode *v = merges[i];
		struct ynode *one[1];
		struct ynode **src = one;
		size_t nsrc = 1;

		one[0] = v;
		if (v->kind == YNODE_SEQ) {
			src = v->items;
			nsrc = v->n;
		}
		for (size_t s = 0; s < nsrc; s++) {
			struct ynode *mm = src[s];

			if (mm->kind != YNODE_MAP) {
				ydoc_err(&b->c, mm,
					 "map merge requires map or sequence of maps as the value");
				continue;
			}
			for (size_t j = 0; j < mm->n; j++) {
				struct ynode *k = mm->items[2 * j];

				if (pairs_find(out, np, k->str) >= 0)
					continue;
				out[2 * np] = k;
				out[2 * np + 1] = mm->items[2 * j + 1];
				np++;
			}
		}
	}
	free(merges);
	m->items = out;
	m->n = np;
}

static void seq_finish(struct builder *b, struct frame *f)
{
	struct ynode *s = f->node;

	s->n = f->n;
	s->items = arena_alloc(b->doc->arena,
			       (f->n ? f->n : 1) * sizeof *s->items);
	if (f->n)
		memcpy(s->items, f->items, f->n * sizeof *s->items);
}

static int open_collection(struct builder *b, enum ynode_kind kind,
			   yaml_mark_t mark, const yaml_char_t *anchor)
{
	struct frame *f;

	if (b->depth == YAML_MAX_DEPTH) {
		diag_add(b->c.d, DIAG_ERROR, b->c.file, (int)mark.line + 1,
			 (int)mark.column + 1,
			 "document nested deeper than %d levels",
			 YAML_MAX_DEPTH);
		return -1;
	}
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof *f);
	f->node = node_new(b, kind, mark);
	if (anchor) {
		f->anchor = xstrdup((const char *)anchor);
		anchor_set(b, f->anchor, NULL);
	}
	return 0;
}

static void close_collection(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];

	if (f->node->kind == YNODE_MAP)
		map_finish(b, f);
	else
		seq_finish(b, f);
	free(f->items);
	if (f->anchor) {
		anchor_set(b, f->anchor, f->node);
		free(f->anchor);
	}
	attach(b, f->node);
}

static void on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct ynode *n;

	if (tag && strcmp(tag, YAML_NULL_TAG) == 0)
		n = node_new(b, YNODE_NULL, ev->start_mark);
	else if (!tag && is_null_scalar(v, len, plain))
		n = node_new(b, YNODE_NULL, ev->start_mark);
	else
		n = node_new(b, YNODE_SCALAR, ev->start_mark);
	n->plain = plain && !(tag && strcmp(tag, YAML_STR_TAG) == 0);
	if (n->kind == YNODE_SCALAR) {
		n->str = arena_strndup(b->doc->arena, v, len);
		n->len = len;
	}
	if (ev->data.scalar.anchor)
		anchor_set(b, (const char *)ev->data.scalar.anchor, n);
	attach(b, n);
}

static void on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ynode *n = NULL;

	if (!anchor_lookup(b, name, &n)) {
		diag_add(b->c.d, DIAG_ERROR, b->c.file,
			 (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 "unknown anchor '%s' referenced", name);
		b->failed = 1;
		return;
	}
	if (!n) {
		diag_add(b->c.d, DIAG_ERROR, b->c.file,
			 (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 "anchor '%s' value contains itself", name);
		b->failed = 1;
		return;
	}
	attach(b, n);
}

static void parser_error(struct builder *b, const yaml_parser_t *p)
{
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->mark;

	if (p->context)
		diag_add(b->c.d, DIAG_ERROR, b->c.file, (int)m->line + 1,
			 (int)m->column + 1, "yaml: %s %s", p->problem,
			 p->context);
	else
		diag_add(b->c.d, DIAG_ERROR, b->c.file, (int)m->line + 1,
			 (int)m->column + 1, "yaml: %s",
			 p->problem ? p->problem : "syntax error");
}

/* Runs the event loop; returns 0 or -1 on a syntax error. */
static int build(struct builder *b, yaml_parser_t *p)
{
	int in_doc = 0;

	for (;;) {
		yaml_event_t ev;
		int done = 0;

		if (!yaml_parser_parse(p, &ev)) {
			parser_error(b, p);
			return -1;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			b->doc->ndocs++;
			in_doc = b->doc->ndocs == 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			in_doc = 0;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_SCALAR_EVENT:
			if (in_doc)
				on_scalar(b, &ev);
			break;
		case YAML_ALIAS_EVENT:
			if (in_doc)
				on_alias(b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			if (in_doc && open_collection(b, YNODE_SEQ, ev.start_mark,
						      ev.data.sequence_start.anchor) < 0) {
				yaml_event_delete(&ev);
				return -1;
			}
			break;
		case YAML_MAPPING_START_EVENT:
			if (in_doc && open_collection(b, YNODE_MAP, ev.start_mark,
						      ev.data.mapping_start.anchor) < 0) {
				yaml_event_delete(&ev);
				return -1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (in_doc)
				close_collection(b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (done)
			return 0;
	}
}

struct ydoc *ydoc_load_buf(const char *name, const char *s, size_t n,
			   struct diags *d)
{
	struct builder b;
	yaml_parser_t p;
	int rc;

	memset(&b, 0, sizeof b);
	b.doc = xcalloc(1, sizeof *b.doc);
	b.doc->file = xstrdup(name);
	b.doc->arena = xcalloc(1, sizeof *b.doc->arena);
	b.c.file = b.doc->file;
	b.c.d = d;
	if (!yaml_parser_initialize(&p)) {
		diag_add(d, DIAG_ERROR, name, 0, 0, "yaml: out of memory");
		ydoc_free(b.doc);
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)s, n);
	rc = build(&b, &p);
	yaml_parser_delete(&p);
	while (b.depth > 0)
		free(b.stack[--b.depth].items), free(b.stack[b.depth].anchor);
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	if (rc < 0 || b.failed) {
		ydoc_free(b.doc);
		return NULL;
	}
	return b.doc;
}

struct ydoc *ydoc_load_file(const char *path, struct diags *d)
{
	size_t len;
	char *s = file_read(path, &len);
	struct ydoc *doc;

	if (!s) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "%s", strerror(errno));
		return NULL;
	}
	doc = ydoc_load_buf(path, s, len, d);
	free(s);
	return doc;
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	arena_free(doc->arena);
	free(doc->file);
	free(doc);
}

/* -------------------------------------------------------------- accessors */

void ydoc_err(struct yctx *c, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(c->d, DIAG_ERROR, c->file, n ? n->line : 0, n ? n->col : 0,
		  fmt, ap);
	va_end(ap);
}

void ydoc_warn(struct yctx *c, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(c->d, DIAG_WARNING, c->file, n ? n->line : 0,
		  n ? n->col : 0, fmt, ap);
	va_end(ap);
}

const struct ynode *ydoc_get_key(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->items[2 * i]->str, key) == 0)
			return map->items[2 * i];
	return NULL;
}

const struct ynode *ydoc_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->items[2 * i]->str, key) == 0)
			return map->items[2 * i + 1];
	return NULL;
}

const char *ydoc_text(const struct ynode *n)
{
	return n && n->kind == YNODE_SCALAR ? n->str : "";
}

static const char *kind_name(const struct ynode *n)
{
	switch (n->kind) {
	case YNODE_SEQ:
		return "a sequence";
	case YNODE_MAP:
		return "a mapping";
	case YNODE_NULL:
		return "null";
	default:
		return "a scalar";
	}
}

int ydoc_check_map(struct yctx *c, const struct ynode *n, const char *what,
		   const char *const *known)
{
	int bad = 0;

	if (!n || n->kind == YNODE_NULL)
		return 0;
	if (n->kind != YNODE_MAP) {
		ydoc_err(c, n, "%s: expected a mapping, got %s", what,
			 kind_name(n));
		return 1;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->items[2 * i];
		const char *best = NULL;
		int bestd = 255, found = 0;

		for (const char *const *kn = known; *kn; kn++) {
			int dist;

			if (strcmp(*kn, k->str) == 0) {
				found = 1;
				break;
			}
			dist = str_distance(k->str, *kn);
			if (dist < bestd) {
				bestd = dist;
				best = *kn;
			}
		}
		if (found)
			continue;
		bad++;
		if (best && bestd <= 3 && (size_t)bestd < strlen(k->str))
			ydoc_err(c, k, "unknown key \"%s\" in %s (did you mean \"%s\"?)",
				 k->str, what, best);
		else
			ydoc_err(c, k, "unknown key \"%s\" in %s", k->str, what);
	}
	return bad;
}

static const struct ynode *scalar_at(struct yctx *c, const struct ynode *map,
				     const char *key, const char *want, int *rc)
{
	const struct ynode *v = ydoc_get(map, key);

	*rc = 0;
	if (!v || v->kind == YNODE_NULL)
		return NULL;
	if (v->kind != YNODE_SCALAR) {
		ydoc_err(c, v, "%s: expected %s, got %s", key, want,
			 kind_name(v));
		*rc = -1;
		return NULL;
	}
	*rc = 1;
	return v;
}

int ydoc_str(struct yctx *c, const struct ynode *map, const char *key,
	     const char **out)
{
	int rc;
	const struct ynode *v = scalar_at(c, map, key, "a string", &rc);

	if (rc == 1)
		*out = v->str;
	return rc;
}

int ydoc_parse_bool(const struct ynode *n, int *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
					  "YES", "on", "On", "ON", NULL};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
					 "NO", "off", "Off", "OFF", NULL};

	if (!n || n->kind != YNODE_SCALAR || !n->plain)
		return 0;
	for (int i = 0; yes[i]; i++) {
		if (strcmp(n->str, yes[i]) == 0) {
			*out = 1;
			return 1;
		}
		if (strcmp(n->str, no[i]) == 0) {
			*out = 0;
			return 1;
		}
	}
	return 0;
}

int ydoc_bool(struct yctx *c, const struct ynode *map, const char *key,
	      int *out)
{
	int rc;
	const struct ynode *v = scalar_at(c, map, key, "a boolean", &rc);

	if (rc != 1)
		return rc;
	if (!ydoc_parse_bool(v, out)) {
		ydoc_err(c, v, "%s: cannot parse \"%s\" as a boolean", key,
			 v->str);
		return -1;
	}
	return 1;
}

int ydoc_int(struct yctx *c, const struct ynode *map, const char *key,
	     long long *out)
{
	int rc;
	const struct ynode *v = scalar_at(c, map, key, "an integer", &rc);
	char *end;
	long long x;

	if (rc != 1)
		return rc;
	errno = 0;
	x = strtoll(v->str, &end, 10);
	if (!v->str[0] || *end || errno) {
		ydoc_err(c, v, "%s: cannot parse \"%s\" as an integer", key,
			 v->str);
		return -1;
	}
	*out = x;
	return 1;
}

int ydoc_duration(struct yctx *c, const struct ynode *map, const char *key,
		  int64_t *out)
{
	int rc;
	const struct ynode *v = scalar_at(c, map, key, "a duration", &rc);
	char why[160];

	if (rc != 1)
		return rc;
	if (duration_parse(v->str, out, why, sizeof why) < 0) {
		ydoc_err(c, v, "%s: %s", key, why);
		return -1;
	}
	return 1;
}

static int collection_at(struct yctx *c, const struct ynode *map,
			 const char *key, enum ynode_kind kind,
			 const struct ynode **out)
{
	const struct ynode *v = ydoc_get(map, key);

	if (!v || v->kind == YNODE_NULL)
		return 0;
	if (v->kind != kind) {
		ydoc_err(c, v, "%s: expected %s, got %s", key,
			 kind == YNODE_SEQ ? "a sequence" : "a mapping",
			 kind_name(v));
		return -1;
	}
	*out = v;
	return 1;
}

int ydoc_seq(struct yctx *c, const struct ynode *map, const char *key,
	     const struct ynode **out)
{
	return collection_at(c, map, key, YNODE_SEQ, out);
}

int ydoc_map(struct yctx *c, const struct ynode *map, const char *key,
	     const struct ynode **out)
{
	return collection_at(c, map, key, YNODE_MAP, out);
}
