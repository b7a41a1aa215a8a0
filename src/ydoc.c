/*
 * ydoc.c - libyaml events folded into a positioned node tree.
 *
 * The builder keeps a stack of open collections.  Items of an open
 * collection live in a growable scratch array; when the collection ends they
 * are copied into the arena and merge keys are expanded.  Anchors map to the
 * finished node, so an alias shares it; an alias to an unfinished node (a
 * cycle) is an error.
 *
 * Sharing keeps the tree small, but a loader walking it sees every alias
 * expanded.  So the builder counts nodes as a decoder would visit them
 * (aliases expanded) and stops with yaml.v2/v3's "excessive aliasing" error
 * past their alias ratio, which keeps billion-laughs inputs from reaching
 * the loaders.  The count is an upper bound of theirs (merge sources count
 * in full, where Go skips keys already set), so the check only starts at
 * ALIAS_MIN_DECODED nodes instead of Go's 1000: a file Prometheus or
 * Alertmanager loads is never refused for aliasing here.
 *
 * Only the first document is read, as Prometheus and Alertmanager do: later
 * documents are counted (ndocs) but not built, and a syntax error after the
 * first document has ended is ignored like theirs.
 */
#include "ydoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "duration.h"

#define YAML_MAX_DEPTH 256

/* yaml.v3 decode.go: alias_ratio_range_low / _high. */
#define ALIAS_RATIO_LOW 400000.0
#define ALIAS_RATIO_HIGH 4000000.0
/* Expanded node count below which any aliasing is accepted. */
#define ALIAS_MIN_DECODED 100000

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
	uint64_t size;		/* items' node count with aliases expanded */
	char *anchor;		/* registered when the collection ends */
};

struct anchor {
	char *name;
	struct ynode *node;	/* NULL while still open */
	uint64_t size;		/* node count of node with aliases expanded */
};

struct builder {
	struct ydoc *doc;
	struct yctx c;
	struct frame stack[YAML_MAX_DEPTH];
	int depth;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	uint64_t decoded;	/* nodes a decoder would visit so far */
	uint64_t aliased;	/* ... of which reached through an alias */
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

static void anchor_set(struct builder *b, const char *name, struct ynode *n,
		       uint64_t size)
{
	/* A later anchor of the same name shadows an earlier one (YAML 1.2). */
	for (size_t i = b->nanchors; i-- > 0;) {
		if (strcmp(b->anchors[i].name, name) == 0) {
			if (!b->anchors[i].node) {
				b->anchors[i].node = n;
				b->anchors[i].size = size;
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
	b->anchors[b->nanchors].size = size;
	b->nanchors++;
}

/* Returns the newest anchor called name, or NULL. */
static const struct anchor *anchor_lookup(const struct builder *b,
					  const char *name)
{
	for (size_t i = b->nanchors; i-- > 0;)
		if (strcmp(b->anchors[i].name, name) == 0)
			return &b->anchors[i];
	return NULL;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* yaml.v3's allowedAliasRatio(): 99% of a small document may come from
 * aliases, scaling down to 10% for very large ones. */
static double alias_ratio_allowed(double decoded)
{
	if (decoded <= ALIAS_RATIO_LOW)
		return 0.99;
	if (decoded >= ALIAS_RATIO_HIGH)
		return 0.10;
	return 0.99 - 0.89 * ((decoded - ALIAS_RATIO_LOW) /
			      (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW));
}

/*
 * Counts n nodes a decoder would visit, aliased of them through an alias.
 * Returns -1 after reporting when the document aliases too much, like
 * yaml.v2/v3 (checked after every node there, here after every event).
 */
static int count_nodes(struct builder *b, uint64_t n, uint64_t aliased,
		       yaml_mark_t mark)
{
	double d, a;

	b->decoded = sat_add(b->decoded, n);
	b->aliased = sat_add(b->aliased, aliased);
	if (b->aliased <= 100 || b->decoded <= ALIAS_MIN_DECODED)
		return 0;
	d = (double)b->decoded;
	a = (double)b->aliased;
	if (a / d <= alias_ratio_allowed(d))
		return 0;
	diag_add(b->c.d, DIAG_ERROR, b->c.file, (int)mark.line + 1,
		 (int)mark.column + 1,
		 "yaml: document contains excessive aliasing");
	return -1;
}

static void frame_push_item(struct frame *f, struct ynode *n)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->items = xrealloc(f->items, f->cap * sizeof *f->items);
	}
	f->items[f->n++] = n;
}

/* Adds a finished node, size nodes when expanded, to the parent collection
 * or makes it the root. */
static void attach(struct builder *b, struct ynode *n, uint64_t size)
{
	struct frame *f;

	if (b->depth == 0) {
		if (!b->doc->root)
			b->doc->root = n;
		return;
	}
	f = &b->stack[b->depth - 1];
	frame_push_item(f, n);
	f->size = sat_add(f->size, size);
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

/*
 * The pair list of a mapping being finished, with a hash index of its keys
 * so that duplicate checks and merges stay linear in the size of the map.
 */
struct pairs {
	struct ynode **v;	/* key v[2i], value v[2i+1]; in the arena */
	size_t n;
	size_t *slot;		/* pair number + 1, 0 when free */
	size_t mask;
};

static void pairs_init(struct builder *b, struct pairs *p, size_t maxpairs)
{
	size_t cap = 16;

	while (cap < 2 * maxpairs)
		cap *= 2;
	p->v = arena_alloc(b->doc->arena,
			   (maxpairs ? 2 * maxpairs : 1) * sizeof *p->v);
	p->n = 0;
	p->slot = xcalloc(cap, sizeof *p->slot);
	p->mask = cap - 1;
}

/* Adds the pair k: v unless key k is there already; then returns that key
 * node and adds nothing.  Returns NULL when the pair was added. */
static const struct ynode *pairs_put(struct pairs *p, struct ynode *k,
				     struct ynode *v)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	size_t i;

	for (const unsigned char *c = (const unsigned char *)k->str; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	for (i = (size_t)h & p->mask; p->slot[i]; i = (i + 1) & p->mask) {
		const struct ynode *old = p->v[2 * (p->slot[i] - 1)];

		if (strcmp(old->str, k->str) == 0)
			return old;
	}
	p->slot[i] = p->n + 1;
	p->v[2 * p->n] = k;
	p->v[2 * p->n + 1] = v;
	p->n++;
	return NULL;
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

/* Room the pairs of merge value v may take in the output. */
static size_t merge_room(const struct ynode *v)
{
	size_t n = 0;

	if (v->kind == YNODE_MAP)
		return 2 * v->n;
	if (v->kind == YNODE_SEQ)
		for (size_t j = 0; j < v->n; j++)
			if (v->items[j]->kind == YNODE_MAP)
				n += 2 * v->items[j]->n;
	return n;
}

/*
 * Adds to out the pairs of the merge value v, given under merge key mk,
 * whose keys are not there yet: so explicit keys and earlier merge sources
 * win.  Errors are reported at the merge key.
 */
static void merge_into(struct builder *b, const struct ynode *mk,
		       struct ynode *v, struct pairs *out)
{
	struct ynode **src = &v;
	size_t nsrc = 1;
	int bad = 0;

	if (v->kind == YNODE_SEQ) {
		src = v->items;
		nsrc = v->n;
	}
	for (size_t s = 0; s < nsrc; s++) {
		const struct ynode *mm = src[s];

		if (mm->kind != YNODE_MAP) {
			bad = 1;
			continue;
		}
		for (size_t j = 0; j < mm->n; j++)
			pairs_put(out, mm->items[2 * j], mm->items[2 * j + 1]);
	}
	if (bad)
		ydoc_err(&b->c, mk, "yaml: map merge requires map or "
			 "sequence of maps as the value");
}

/*
 * Builds the final pair list of a mapping from its raw items: explicit keys
 * in document order, duplicates reported, then the pairs of merged maps
 * whose keys are not set explicitly (earlier merge sources win).
 */
static void map_finish(struct builder *b, struct frame *f)
{
	size_t room = f->n / 2;
	struct pairs out;

	for (size_t i = 0; i + 1 < f->n; i += 2)
		if (key_is_merge(f->items[i]))
			room += merge_room(f->items[i + 1]) / 2;
	pairs_init(b, &out, room);
	for (size_t i = 0; i + 1 < f->n; i += 2) {
		struct ynode *k = f->items[i], *v = f->items[i + 1];
		const struct ynode *prev;

		if (key_is_merge(k))
			continue;
		if (k->kind != YNODE_SCALAR) {
			ydoc_err(&b->c, k, "mapping keys must be scalars, "
				 "not %s", kind_name(k));
			continue;
		}
		prev = pairs_put(&out, k, v);
		if (prev)
			ydoc_err(&b->c, k,
				 "mapping key \"%s\" already defined at line %d",
				 k->str, prev->line);
	}
	for (size_t i = 0; i + 1 < f->n; i += 2)
		if (key_is_merge(f->items[i]))
			merge_into(b, f->items[i], f->items[i + 1], &out);
	free(out.slot);
	f->node->items = out.v;
	f->node->n = out.n;
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
	if (count_nodes(b, 1, 0, mark) < 0)
		return -1;
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof *f);
	f->node = node_new(b, kind, mark);
	if (anchor) {
		f->anchor = xstrdup((const char *)anchor);
		anchor_set(b, f->anchor, NULL, 0);
	}
	return 0;
}

static void close_collection(struct builder *b)
{
	struct frame *f;
	uint64_t size;

	if (b->depth == 0)	/* libyaml pairs events; be safe anyway */
		return;
	f = &b->stack[--b->depth];
	size = sat_add(f->size, 1);

	if (f->node->kind == YNODE_MAP)
		map_finish(b, f);
	else
		seq_finish(b, f);
	free(f->items);
	if (f->anchor) {
		anchor_set(b, f->anchor, f->node, size);
		free(f->anchor);
	}
	attach(b, f->node, size);
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct ynode *n;

	if (tag ? strcmp(tag, YAML_NULL_TAG) == 0
		: is_null_scalar(v, len, plain))
		n = node_new(b, YNODE_NULL, ev->start_mark);
	else
		n = node_new(b, YNODE_SCALAR, ev->start_mark);
	n->plain = plain && !(tag && strcmp(tag, YAML_STR_TAG) == 0);
	if (n->kind == YNODE_SCALAR) {
		n->str = arena_strndup(b->doc->arena, v, len);
		n->len = len;
	}
	if (ev->data.scalar.anchor)
		anchor_set(b, (const char *)ev->data.scalar.anchor, n, 1);
	attach(b, n, 1);
	return count_nodes(b, 1, 0, ev->start_mark);
}

/*
 * Returns the node an alias at mark stands for: the anchored node itself
 * for a collection; a copy for a scalar, so that errors about it (a
 * duplicate key, a bad value, a rule named through an alias) point at the
 * alias rather than at the anchor.  The copy shares the string.
 */
static struct ynode *alias_node(struct builder *b, struct ynode *n,
				yaml_mark_t mark)
{
	struct ynode *copy;

	if (n->kind != YNODE_SCALAR && n->kind != YNODE_NULL)
		return n;
	copy = arena_alloc(b->doc->arena, sizeof *copy);
	*copy = *n;
	copy->line = (int)mark.line + 1;
	copy->col = (int)mark.column + 1;
	return copy;
}

/*
 * An alias shares the anchored node.  A bad alias is reported and replaced
 * by a null node, so the enclosing mapping keeps its key/value pairing and
 * no follow-on errors are invented; the document is dropped at the end.
 */
static int on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const struct anchor *a = anchor_lookup(b, name);

	if (!a || !a->node) {
		diag_add(b->c.d, DIAG_ERROR, b->c.file,
			 (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 a ? "yaml: anchor '%s' value contains itself"
			   : "yaml: unknown anchor '%s' referenced",
			 name);
		b->failed = 1;
		attach(b, node_new(b, YNODE_NULL, ev->start_mark), 1);
		return 0;
	}
	attach(b, alias_node(b, a->node, ev->start_mark), sat_add(a->size, 1));
	return count_nodes(b, sat_add(a->size, 1), a->size, ev->start_mark);
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

/* Handles one event of the first document; returns 0 or -1 to stop. */
static int on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return open_collection(b, YNODE_SEQ, ev->start_mark,
				       ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return open_collection(b, YNODE_MAP, ev->start_mark,
				       ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		close_collection(b);
		return 0;
	default:
		return 0;
	}
}

/*
 * Runs the event loop; returns 0, or -1 on a syntax error in the first
 * document or an error that stops the build.  Later documents are only
 * counted; a syntax error in them ends the stream quietly, as neither
 * yaml.v2 nor yaml.v3 reads past the first document.
 */
static int build(struct builder *b, yaml_parser_t *p)
{
	int in_doc = 0, first_done = 0;

	for (;;) {
		yaml_event_t ev;
		int rc = 0, done = 0;

		if (!yaml_parser_parse(p, &ev)) {
			if (first_done)
				return 0;
			parser_error(b, p);
			return -1;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			b->doc->ndocs++;
			in_doc = b->doc->ndocs == 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			first_done = 1;
			in_doc = 0;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			if (in_doc)
				rc = on_event(b, &ev);
			break;
		}
		yaml_event_delete(&ev);
		if (rc < 0)
			return -1;
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

/* The YAML 1.1 booleans of yaml.v2 (resolve.go), which Alertmanager and
 * Prometheus configs use: y/Y/n/N included, plain scalars only. */
int ydoc_parse_bool(const struct ynode *n, int *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
					  "YES", "on", "On", "ON", "y", "Y", NULL};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
					 "NO", "off", "Off", "OFF", "n", "N", NULL};

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

/* Returns the value of digit ch in base, or -1. */
static int digit_value(char ch, int base)
{
	int d = ch >= '0' && ch <= '9'   ? ch - '0'
		: ch >= 'a' && ch <= 'z' ? ch - 'a' + 10
		: ch >= 'A' && ch <= 'Z' ? ch - 'A' + 10
					 : 99;

	return d < base ? d : -1;
}

/* Go's strconv.ParseInt(s, 0, 64): sign, then 0x / 0o / 0b / 0 prefixes. */
static int parse_go_int(const char *s, long long *out)
{
	int neg = 0, base = 10;
	unsigned long long u = 0, lim;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s += 1;
	if (!*s)
		return -1;
	lim = neg ? (unsigned long long)INT64_MAX + 1 : INT64_MAX;
	for (; *s; s++) {
		int d = digit_value(*s, base);

		if (d < 0 || u > (lim - (unsigned)d) / (unsigned)base)
			return -1;
		u = u * (unsigned)base + (unsigned)d;
	}
	*out = neg && u ? -(long long)(u - 1) - 1 : (long long)u;
	return 0;
}

/* Matches yaml.v2/v3's yamlStyleFloat:
 * ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s)
{
	size_t n;

	s += *s == '+' || *s == '-';
	n = strspn(s, "0123456789");
	if (n == 0 && !(s[0] == '.' && s[1] >= '0' && s[1] <= '9'))
		return 0;
	s += n;
	if (*s == '.')
		s += 1 + strspn(s + 1, "0123456789");
	if (*s == 'e' || *s == 'E') {
		s++;
		s += *s == '+' || *s == '-';
		n = strspn(s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

/*
 * A plain scalar as yaml.v2/v3 read it into an int: underscores dropped,
 * Go integer syntax (0x1F, 0o17, 017, 0b101, +5), else a YAML float
 * truncated toward zero (5.0, 1e3).  Returns 0, or -1 when it is none.
 */
static int yaml_int(const char *s, long long *out)
{
	char tmp[128], *end;
	size_t n = 0;
	double f;

	for (; *s; s++) {
		if (*s == '_')
			continue;
		if (n + 1 >= sizeof tmp)
			return -1;
		tmp[n++] = *s;
	}
	tmp[n] = '\0';
	if (parse_go_int(tmp, out) == 0)
		return 0;
	if (!yaml_style_float(tmp))
		return -1;
	errno = 0;
	f = strtod(tmp, &end);
	if (errno || *end || !(f >= -9223372036854775808.0 &&
			       f < 9223372036854775808.0))
		return -1;
	*out = (long long)f;
	return 0;
}

int ydoc_int(struct yctx *c, const struct ynode *map, const char *key,
	     long long *out)
{
	int rc;
	const struct ynode *v = scalar_at(c, map, key, "an integer", &rc);
	long long x;

	if (rc != 1)
		return rc;
	if (!v->plain) {
		/* yaml.v2/v3: cannot unmarshal !!str `5` into int */
		ydoc_err(c, v, "%s: expected an integer, got the string \"%s\"",
			 key, v->str);
		return -1;
	}
	if (yaml_int(v->str, &x) < 0) {
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
