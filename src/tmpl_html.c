/*
 * tmpl_html.c - templates executed as Go's html/template executes them
 * (Go 1.19.8, Alertmanager 0.25's email bodies).
 *
 * Go rewrites the parse tree before the first execution: it walks every
 * template reachable from the one executed, computes the HTML context each
 * action and text node starts in (a template called from two contexts is
 * escaped twice), appends escaper functions to each action's pipeline and
 * rewrites text nodes.  Tocsin does the same in two steps:
 *
 *   1. check: the same walk (escapeList, escapeBranch with its context
 *      joins, escapeTree with its fixed point for recursion), computing
 *      contexts only, so a template fails with Go's error before any
 *      output exactly when Go's would;
 *   2. execute: tmpl_exec_escaped() with hooks that carry the context
 *      along the path actually taken, rewrite each text node for the
 *      context it starts in and escape each action's value with the
 *      escapers Go would have added for that context.
 *
 * For a template that passes the check, the context on every executed
 * path is the one Go computed, so both give the same bytes.
 *
 * Contexts: everything Go's transition functions know - HTML text,
 * RCDATA (title, textarea), tags, attribute names and values (quoted or
 * not), URL attributes (href, src, action ... and names with src, uri,
 * url), srcset, style attributes and <style> (CSS values, strings,
 * url()), on* attributes and <script> (JS values, strings, regexps),
 * and comments (dropped).  One limit: a JS value context writes strings,
 * numbers, booleans, lists, maps, times and Alertmanager's data as Go's
 * encoding/json does; other structs, whose json tags Tocsin's values do
 * not carry, fail with an error.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_html_int.h"

#define MAX_ESC_STEPS 1000000u /* nodes visited by the check */
#define MAX_ESC_DEPTH 200      /* nested template calls in the check */
#define MAX_ESCAPERS  4

/* ---------------------------------------------------- contexts at actions */

/* Go's nudge: the context after the empty transitions from c. */
static struct hctx nudge(struct hctx c)
{
	static const uint8_t attr_start[] = {HS_ATTR, HS_JS,  HS_ATTR,
					     HS_CSS,  HS_URL, HS_SRCSET};

	switch (c.state) {
	case HS_TAG: /* <a {{.}}: the action writes an attribute */
		c.state = HS_ATTR_NAME;
		break;
	case HS_BEFORE_VALUE: /* <a x={{.}}: an unquoted value */
		c.state = attr_start[c.attr];
		c.delim = HD_SPACE;
		c.attr = HA_NONE;
		break;
	case HS_AFTER_NAME: /* <a x {{.}}: another attribute name */
		c.state = HS_ATTR_NAME;
		c.attr = HA_NONE;
		break;
	default:
		break;
	}
	return c;
}

/* The escapers of one action, in order, as Go's ensurePipelineContains
 * leaves them. */
struct plan {
	enum html_escaper esc[MAX_ESCAPERS];
	size_t n;
	int drop_last; /* the pipeline's own html/urlquery is in esc */
	int eval_args; /* ... and took arguments: {{html .A .B}} */
};

/* The predefined escaper a command starts with ("html", "urlquery"), or
 * NULL. */
static const char *predefined(const struct tnode *cmd)
{
	const struct tnode *first = cmd->kids[0];

	if (first->type != TN_IDENT)
		return NULL;
	if (strcmp(first->ident[0], "html") == 0 ||
	    strcmp(first->ident[0], "urlquery") == 0)
		return first->ident[0];
	return NULL;
}

static struct hctx action_error(struct html_errs *errs, const struct tnode *n,
				const struct ttree *tree, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

static struct hctx action_error(struct html_errs *errs, const struct tnode *n,
				const struct ttree *tree, const char *fmt, ...)
{
	struct hctx c = {.state = HS_ERROR};
	va_list ap;

	va_start(ap, fmt);
	c.err = html_err_newv(errs, n, tree, fmt, ap);
	va_end(ap);
	return c;
}

/* What Go refuses to print into: an ambiguous URL part, a JS template
 * literal. */
enum refusal { REFUSE_NONE, REFUSE_URL, REFUSE_JS_TEMPLATE };

/* Go's escapeAction switch: appends to p the escapers of context *c
 * (which it may move: a JS value ends where a '/' divides). */
static enum refusal state_escapers(struct hctx *c, struct plan *p)
{
	switch (c->state) {
	case HS_URL:
	case HS_CSS_DQ_STR:
	case HS_CSS_SQ_STR:
	case HS_CSS_DQ_URL:
	case HS_CSS_SQ_URL:
	case HS_CSS_URL:
		if (c->url == HU_UNKNOWN)
			return REFUSE_URL;
		if (c->url == HU_QUERY_OR_FRAG) {
			p->esc[p->n++] = HX_URL_ESC;
			break;
		}
		if (c->url == HU_NONE)
			p->esc[p->n++] = HX_URL_FILTER;
		p->esc[p->n++] =
		    c->state == HS_CSS_DQ_STR || c->state == HS_CSS_SQ_STR
			? HX_CSS
			: HX_URL_NORM;
		break;
	case HS_JS:
		p->esc[p->n++] = HX_JS_VAL;
		c->js = HJ_DIVOP;
		break;
	case HS_JS_DQ_STR:
	case HS_JS_SQ_STR:
		p->esc[p->n++] = HX_JS_STR;
		break;
	case HS_JS_BQ_STR:
		return REFUSE_JS_TEMPLATE;
	case HS_JS_REGEXP:
		p->esc[p->n++] = HX_JS_REGEXP;
		break;
	case HS_CSS:
		p->esc[p->n++] = HX_CSS_VALUE;
		break;
	case HS_TEXT:
		p->esc[p->n++] = HX_HTML;
		break;
	case HS_RCDATA:
		p->esc[p->n++] = HX_RCDATA;
		break;
	case HS_ATTR:
		break; /* the delimiter decides */
	case HS_ATTR_NAME:
	case HS_TAG:
		c->state = HS_ATTR_NAME;
		p->esc[p->n++] = HX_HTML_NAME;
		break;
	case HS_SRCSET:
		p->esc[p->n++] = HX_SRCSET;
		break;
	default: /* comments */
		p->esc[p->n++] = HX_COMMENT;
	}
	if (c->delim == HD_SPACE)
		p->esc[p->n++] = HX_NOSPACE;
	else if (c->delim != HD_NONE)
		p->esc[p->n++] = HX_ATTR;
	return REFUSE_NONE;
}

/*
 * Go's escapeAction: the context action n leaves behind (an error context
 * when Go refuses it) and, in p, the escapers Go appends to it.
 */
static struct hctx action_context(struct html_errs *errs, struct hctx c,
				  const struct tnode *n,
				  const struct ttree *tree, struct plan *p)
{
	const struct tnode *pipe = n->pipe;
	enum refusal why;
	struct buf b = {0};
	struct hctx e;

	p->n = 0;
	if (pipe->ndecl > 0)
		return c; /* an assignment prints nothing */
	c = nudge(c);
	for (size_t i = 0; i < pipe->nkids; i++) {
		const char *id = predefined(pipe->kids[i]);

		if (id && (i + 1 < pipe->nkids ||
			   (c.state == HS_ATTR && c.delim == HD_SPACE &&
			    strcmp(id, "html") == 0)))
			return action_error(
			    errs, n, tree,
			    "predefined escaper \"%s\" disallowed in template",
			    id);
	}
	if (c.state == HS_ERROR)
		return c;
	why = state_escapers(&c, p);
	if (why == REFUSE_NONE)
		return c;
	tmpl_node_string(n, &b);
	e = action_error(errs, n, tree,
			 why == REFUSE_URL
			     ? "%s appears in an ambiguous "
			       "context within a URL"
			     : "%s appears in a JS template literal",
			 buf_str(&b));
	buf_free(&b);
	return e;
}

/* Go's normalizeEscFn: the predefined escaper an escaper is as good as. */
static const char *equivalent(enum html_escaper e)
{
	switch (e) {
	case HX_ATTR:
	case HX_HTML:
	case HX_RCDATA:
	case HX_PRED_HTML:
		return "html";
	case HX_URL_ESC:
	case HX_URL_NORM:
	case HX_PRED_URLQUERY:
		return "urlquery";
	default:
		return html_escaper_name(e);
	}
}

/* Go's redundantFuncs: b adds nothing after a. */
static int redundant(enum html_escaper a, enum html_escaper b)
{
	switch (a) {
	case HX_COMMENT:
		return b == HX_ATTR || b == HX_HTML;
	case HX_CSS:
	case HX_JS_REGEXP:
	case HX_JS_STR:
		return b == HX_ATTR;
	case HX_URL_ESC:
		return b == HX_URL_NORM;
	default:
		return 0;
	}
}

/*
 * Go's ensurePipelineContains for action n: when its pipeline ends in
 * html or urlquery, an equivalent escaper of p becomes that function and
 * the pipeline's own call goes; redundant escapers go too.
 */
static void merge_predefined(const struct tnode *n, struct plan *p)
{
	const struct tnode *pipe = n->pipe;
	const struct tnode *last = pipe->kids[pipe->nkids - 1];
	const char *id = predefined(last);
	enum html_escaper kept[MAX_ESCAPERS];
	size_t nkept = 0;

	p->drop_last = 0;
	p->eval_args = 0;
	if (p->n == 0)
		return;
	if (id) {
		enum html_escaper pred =
		    strcmp(id, "html") == 0 ? HX_PRED_HTML : HX_PRED_URLQUERY;

		for (size_t i = 0; i < p->n; i++)
			if (strcmp(equivalent(p->esc[i]), id) == 0) {
				p->esc[i] = pred;
				p->drop_last = 1;
			}
		/* {{html .A .B}} runs as {{_eval_args_ .A .B | html}} */
		p->eval_args = p->drop_last && pipe->nkids == 1;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (nkept > 0 && redundant(kept[nkept - 1], p->esc[i]))
			continue;
		kept[nkept++] = p->esc[i];
	}
	memcpy(p->esc, kept, nkept * sizeof(*kept));
	p->n = nkept;
}

/* ----------------------------------------------------- the check (Go's
 * escaper, contexts only) */

struct memo {
	const struct ttree *tree;
	struct hctx in, out;
};

struct range_ctx {
	struct range_ctx *outer;
	struct hctx *breaks, *continues;
	size_t nbreaks, ncontinues;
};

struct checker {
	const struct tmpl_set *set;
	struct html_errs *errs;
	struct memo *output; /* Go's e.output: (template, start) -> end */
	size_t noutput;
	struct memo *called; /* Go's e.called (only tree and in) */
	size_t ncalled;
	struct range_ctx *rc;
	const struct ttree *tree; /* whose nodes are being walked */
	unsigned steps;
	int depth;
};

static struct hctx check_list(struct checker *e, struct hctx c,
			      const struct tnode *list);

static int same_start(const struct hctx *a, const struct hctx *b)
{
	return a->state == b->state && a->delim == b->delim &&
	       a->url == b->url && a->js == b->js && a->attr == b->attr &&
	       a->elem == b->elem;
}

static struct memo *memo_find(struct memo *v, size_t n, const struct ttree *t,
			      const struct hctx *in)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].tree == t && same_start(&v[i].in, in))
			return &v[i];
	return NULL;
}

static void memo_put(struct memo **v, size_t *n, const struct ttree *t,
		     const struct hctx *in, const struct hctx *out)
{
	struct memo *m = memo_find(*v, *n, t, in);

	if (!m) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		m = &(*v)[(*n)++];
		m->tree = t;
		m->in = *in;
	}
	m->out = *out;
}

static struct hctx err_ctx(struct checker *e, const struct tnode *node,
			   const char *fmt, ...) PRINTF_LIKE(3, 4);

static struct hctx err_ctx(struct checker *e, const struct tnode *node,
			   const char *fmt, ...)
{
	struct hctx c = {.state = HS_ERROR};
	va_list ap;

	va_start(ap, fmt);
	c.err = html_err_newv(e->errs, node, e->tree, fmt, ap);
	va_end(ap);
	return c;
}

/* Go's join: the context after a branch whose arms end in a and b. */
static struct hctx join(struct checker *e, struct hctx a, struct hctx b,
			const struct tnode *node, const char *what)
{
	struct hctx c;
	struct buf sa = {0}, sb = {0}, desc = {0};

	if (a.state == HS_ERROR)
		return a;
	if (b.state == HS_ERROR)
		return b;
	if (a.state == HS_DEAD)
		return b;
	if (b.state == HS_DEAD)
		return a;
	if (html_ctx_eq(&a, &b))
		return a;
	c = a;
	c.url = b.url;
	if (html_ctx_eq(&c, &b)) { /* differ only in the URL part */
		c.url = HU_UNKNOWN;
		return c;
	}
	c = a;
	c.js = b.js;
	if (html_ctx_eq(&c, &b)) { /* only in what a '/' means */
		c.js = HJ_UNKNOWN;
		return c;
	}
	{
		/* <p title={{if .C}}{{.}}{{end}}: a nudged context joins an
		 * unnudged one */
		struct hctx na = nudge(a), nb = nudge(b);

		if (!(html_ctx_eq(&na, &a) && html_ctx_eq(&nb, &b))) {
			c = join(e, na, nb, node, what);
			if (c.state != HS_ERROR)
				return c;
		}
	}
	html_ctx_string(&sa, &a);
	html_ctx_string(&sb, &b);
	buf_printf(&desc, "{{%s}} branches end in different contexts: %s, %s",
		   what, buf_str(&sa), buf_str(&sb));
	c = err_ctx(e, node, "%s", buf_str(&desc));
	buf_free(&sa);
	buf_free(&sb);
	buf_free(&desc);
	return c;
}

/* Go's Line of a node: the line its position is on. */
static int node_line(const struct ttree *t, const struct tnode *n)
{
	int line = 1;

	for (size_t i = 0; i < n->pos && i < t->unit->len; i++)
		if (t->unit->text[i] == '\n')
			line++;
	return line;
}

/* Prefixes an error description, as Go does to the shared *Error. */
static void err_prefix(struct html_err *err, const char *prefix)
{
	struct buf b = {0};

	buf_printf(&b, "%s%s", prefix, buf_str(&err->desc));
	buf_free(&err->desc);
	err->desc = b;
}

/* Go's joinRange: the body's end context joined with those at each
 * {{break}} and {{continue}}. */
static struct hctx join_range(struct checker *e, struct hctx c0,
			      const struct range_ctx *rc)
{
	for (size_t i = 0; i < rc->nbreaks; i++) {
		c0 = join(e, c0, rc->breaks[i], rc->breaks[i].n, "range");
		if (c0.state == HS_ERROR) {
			c0.err->line = node_line(e->tree, rc->breaks[i].n);
			err_prefix(c0.err, "at range loop break: ");
			return c0;
		}
	}
	for (size_t i = 0; i < rc->ncontinues; i++) {
		c0 = join(e, c0, rc->continues[i], rc->continues[i].n, "range");
		if (c0.state == HS_ERROR) {
			c0.err->line = node_line(e->tree, rc->continues[i].n);
			err_prefix(c0.err, "at range loop continue: ");
			return c0;
		}
	}
	return c0;
}

static void range_push(struct checker *e)
{
	struct range_ctx *rc = xcalloc(1, sizeof(*rc));

	rc->outer = e->rc;
	e->rc = rc;
}

static void range_pop(struct checker *e)
{
	struct range_ctx *rc = e->rc;

	e->rc = rc->outer;
	free(rc->breaks);
	free(rc->continues);
	free(rc);
}

/* Go's escapeListConditionally: walks list in a copy of e's inferences
 * and keeps them when filter accepts the end context. */
static struct hctx check_conditionally(
    struct checker *e, struct hctx c, const struct tnode *list,
    int (*filter)(struct checker *e1, const struct hctx *c1, const void *arg),
    const void *arg, int *ok)
{
	struct checker e1 = *e;

	e1.output = xmalloc((e->noutput + 1) * sizeof(*e1.output));
	memcpy(e1.output, e->output, e->noutput * sizeof(*e1.output));
	e1.called = NULL;
	e1.ncalled = 0;
	c = check_list(&e1, c, list);
	e->steps = e1.steps;
	*ok = filter && filter(&e1, &c, arg);
	if (*ok) {
		free(e->output);
		e->output = e1.output;
		e->noutput = e1.noutput;
		for (size_t i = 0; i < e1.ncalled; i++)
			memo_put(&e->called, &e->ncalled, e1.called[i].tree,
				 &e1.called[i].in, &e1.called[i].in);
	} else {
		free(e1.output);
	}
	free(e1.called);
	return c;
}

static struct hctx check_branch(struct checker *e, struct hctx c,
				const struct tnode *n, const char *what)
{
	struct hctx c0, c1;
	int ok;

	if (n->type == TN_RANGE)
		range_push(e);
	c0 = check_list(e, c, n->list);
	if (n->type == TN_RANGE) {
		if (c0.state != HS_ERROR)
			c0 = join_range(e, c0, e->rc);
		range_pop(e);
		if (c0.state == HS_ERROR)
			return c0;
		/* the body may run again: once must end as twice does */
		range_push(e);
		c1 = check_conditionally(e, c0, n->list, NULL, NULL, &ok);
		c0 = join(e, c0, c1, n, what);
		if (c0.state == HS_ERROR) {
			range_pop(e);
			c0.err->line = node_line(e->tree, n);
			err_prefix(c0.err, "on range loop re-entry: ");
			return c0;
		}
		c0 = join_range(e, c0, e->rc);
		range_pop(e);
		if (c0.state == HS_ERROR)
			return c0;
	}
	c1 = check_list(e, c, n->elselist);
	return join(e, c0, c1, n, what);
}

static int accept_body(struct checker *e1, const struct hctx *c1,
		       const void *arg)
{
	const struct memo *m = arg;

	if (c1->state == HS_ERROR)
		return 0;
	if (!memo_find(e1->called, e1->ncalled, m->tree, &m->in))
		return 1; /* not recursive: c1 is the end context */
	return html_ctx_eq(&m->out, c1); /* as assumed */
}

/* Go's escapeTemplateBody: walks t from c assuming it ends in c (so a
 * recursive call ends there); returns the end context and sets *ok when
 * the assumption held. */
static struct hctx check_body(struct checker *e, struct hctx c,
			      const struct ttree *t, const struct hctx *in,
			      int *ok)
{
	const struct ttree *saved = e->tree;
	struct memo m = {t, *in, c};
	struct hctx out;

	memo_put(&e->output, &e->noutput, t, in, &c);
	e->tree = t;
	out = check_conditionally(e, c, t->root, accept_body, &m, ok);
	e->tree = saved;
	return out;
}

/* Go's escapeTree: the end context of template name started in c. */
static struct hctx check_tree(struct checker *e, struct hctx c,
			      const char *name, const struct tnode *node)
{
	const struct memo *m;
	const struct ttree *t;
	struct hctx c1, c2;
	struct buf b = {0};
	int ok, ok2;

	t = tmpl_find_tree(e->set, name);
	memo_put(&e->called, &e->ncalled, t, &c, &c);
	if (t && (m = memo_find(e->output, e->noutput, t, &c)))
		return m->out;
	if (!t) {
		tmpl_quote(&b, name, strlen(name), 0);
		c1 = err_ctx(e, node, "no such template %s", buf_str(&b));
		buf_free(&b);
		return c1;
	}
	if (e->depth >= MAX_ESC_DEPTH)
		return err_ctx(e, node,
			       "exceeded maximum template depth (%d) while "
			       "escaping",
			       MAX_ESC_DEPTH);
	e->depth++;
	c1 = check_body(e, c, t, &c, &ok);
	if (!ok) { /* look for a fixed point from c1 */
		c2 = check_body(e, c1, t, &c, &ok2);
		if (ok2) {
			c1 = c2;
			ok = 1;
		}
	}
	e->depth--;
	if (!ok && c1.state != HS_ERROR) {
		const struct ttree *saved = e->tree;

		html_ctx_mangle(&b, &c, name);
		e->tree = t;
		c1 = err_ctx(e, t->root,
			     "cannot compute output context for template %s",
			     buf_str(&b));
		e->tree = saved;
		buf_free(&b);
	}
	return c1;
}

static struct hctx check_node(struct checker *e, struct hctx c,
			      const struct tnode *n)
{
	struct plan p;
	struct range_ctx *rc = e->rc;

	if (++e->steps > MAX_ESC_STEPS)
		return err_ctx(e, n, "template escaping exceeds %u steps",
			       MAX_ESC_STEPS);
	switch (n->type) {
	case TN_ACTION:
		return action_context(e->errs, c, n, e->tree, &p);
	case TN_TEXT:
		html_escape_text(e->errs, &c, n->text, n->len, NULL);
		return c;
	case TN_IF:
		return check_branch(e, c, n, "if");
	case TN_WITH:
		return check_branch(e, c, n, "with");
	case TN_RANGE:
		return check_branch(e, c, n, "range");
	case TN_LIST:
		return check_list(e, c, n);
	case TN_TEMPLATE:
		return check_tree(e, c, n->text, n);
	case TN_BREAK:
		if (!rc)
			return c;
		c.n = n;
		rc->breaks =
		    xrealloc(rc->breaks, (rc->nbreaks + 1) * sizeof(c));
		rc->breaks[rc->nbreaks++] = c;
		return (struct hctx){.state = HS_DEAD};
	case TN_CONTINUE:
		/* Go 1.19 sets continues to breaks plus this one */
		if (!rc)
			return c;
		c.n = n;
		free(rc->continues);
		rc->continues = xmalloc((rc->nbreaks + 1) * sizeof(c));
		if (rc->nbreaks)
			memcpy(rc->continues, rc->breaks,
			       rc->nbreaks * sizeof(c));
		rc->continues[rc->nbreaks] = c;
		rc->ncontinues = rc->nbreaks + 1;
		return (struct hctx){.state = HS_DEAD};
	default:
		return c;
	}
}

static struct hctx check_list(struct checker *e, struct hctx c,
			      const struct tnode *list)
{
	if (!list)
		return c;
	for (size_t i = 0; i < list->nkids; i++) {
		c = check_node(e, c, list->kids[i]);
		if (c.state == HS_DEAD)
			break;
	}
	return c;
}

/* Go's escapeTemplate: 0, or -1 with Go's error in err. */
static int check(const struct tmpl_set *set, const char *name, struct buf *err)
{
	struct html_errs errs = {0};
	struct checker e = {.set = set, .errs = &errs};
	struct hctx c = {0};
	int rc = 0;

	c = check_tree(&e, c, name, NULL);
	if (c.state == HS_ERROR) {
		html_err_string(err, c.err, name);
		rc = -1;
	} else if (c.state != HS_TEXT) {
		struct buf s = {0};

		html_ctx_string(&s, &c);
		buf_printf(err,
			   "html/template:%s%s ends in a non-text context: %s",
			   name, *name ? ":" : "", buf_str(&s));
		buf_free(&s);
		rc = -1;
	}
	free(e.output);
	free(e.called);
	html_errs_free(&errs);
	return rc;
}

/* ------------------------------------------------------- the execution */

struct html_exec {
	struct tmpl_escaper hooks; /* first: the engine hands it back */
	struct html_errs errs;
	struct hctx ctx;  /* where the output is now */
	struct plan plan; /* of the action being run */
	const char *name;
};

/* The reason of an error context, for the engine's message. */
static int failed(struct html_exec *x, struct buf *why)
{
	html_err_string(why, x->ctx.err, x->name);
	return -1;
}

static int hook_text(struct tmpl_escaper *hooks, const struct tnode *n,
		     struct buf *out, struct buf *why)
{
	struct html_exec *x = (struct html_exec *)hooks;

	html_escape_text(&x->errs, &x->ctx, n->text, n->len, out);
	return x->ctx.state == HS_ERROR ? failed(x, why) : 0;
}

/* Go's _eval_args_: fmt.Sprint of the arguments. */
static int eval_args(struct tmpl_call *call, struct tmpl_value *const *argv,
		     size_t argc, struct tmpl_value **out)
{
	struct buf b = {0};

	if (argc == 1 && argv[0]->kind == TMPL_STRING && !argv[0]->cls) {
		*out = tmpl_ref(argv[0]);
		return 0;
	}
	tmpl_sprint(&b, call->max_string, argv, argc);
	*out = tmpl_stringn(buf_str(&b), b.len);
	buf_free(&b);
	return 0;
}

static const struct tmpl_func eval_args_func = {"_eval_args_", eval_args, "a*",
						NULL};

static int hook_action(struct tmpl_escaper *hooks, const struct tnode *n,
		       struct tmpl_esc_plan *plan, struct buf *why)
{
	struct html_exec *x = (struct html_exec *)hooks;

	x->ctx = action_context(&x->errs, x->ctx, n, NULL, &x->plan);
	if (x->ctx.state == HS_ERROR)
		return failed(x, why);
	merge_predefined(n, &x->plan);
	if (x->plan.drop_last) {
		if (x->plan.eval_args)
			plan->first_fn = &eval_args_func;
		else
			plan->ncmds = n->pipe->nkids - 1;
	}
	return 0;
}

static int hook_print(struct tmpl_escaper *hooks, const struct tmpl_value *v,
		      struct buf *out, struct buf *why)
{
	struct html_exec *x = (struct html_exec *)hooks;
	struct tmpl_value *cur = tmpl_ref((struct tmpl_value *)v);
	struct buf b = {0};

	for (size_t i = 0; i < x->plan.n; i++) {
		buf_reset(&b);
		if (html_escape_value(x->plan.esc[i], cur, &b, why) < 0) {
			tmpl_unref(cur);
			buf_free(&b);
			return -1;
		}
		tmpl_unref(cur);
		cur = tmpl_stringn(buf_str(&b), b.len);
	}
	if (x->plan.n == 0) /* an escaper dropped everything: print as Go */
		tmpl_print(out, cur);
	else
		buf_add(out, cur->u.str.s, cur->u.str.len);
	tmpl_unref(cur);
	buf_free(&b);
	return 0;
}

int tmpl_exec_html(const struct tmpl_set *set, const char *name,
		   struct tmpl_value *data, const struct tmpl_exec_opts *opts,
		   struct buf *out, struct buf *err)
{
	struct html_exec x = {
	    .hooks = {hook_text, hook_action, hook_print},
	    .name = name,
	};
	size_t start = out->len;
	int rc;

	if (!tmpl_find_tree(set, name)) {
		buf_puts(err, "html/template: ");
		tmpl_quote(err, name, strlen(name), 0);
		buf_puts(err, " is undefined");
		return -1;
	}
	if (check(set, name, err) < 0)
		return -1;
	rc = tmpl_exec_escaped(set, name, data, opts, &x.hooks, out, err);
	if (rc == 0 && x.ctx.state != HS_TEXT) {
		/* the check rules this out; keep Go's promise anyway */
		struct buf s = {0};

		html_ctx_string(&s, &x.ctx);
		buf_printf(err,
			   "html/template:%s: ends in a non-text context: %s",
			   name, buf_str(&s));
		buf_free(&s);
		out->len = start;
		buf_str(out);
		rc = -1;
	}
	html_errs_free(&x.errs);
	return rc;
}
