/*
 * tmpl_exec.c - executes a parsed template, as Go's text/template/exec.go
 * does: pipelines, variables, field chains, function calls with Go's
 * argument checks, if/with/range/template, and Go's error messages with
 * their "template: NAME:LINE:COL: executing \"NAME\" at <NODE>:" prefix.
 *
 * Every evaluation returns a new reference; X_ERR means the message is in
 * s->err and the caller only cleans up.  Execution is bounded: output
 * size, template call depth, recursion and evaluation steps.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

#define MAX_NEST 2000 /* C recursion through walk() */

enum { X_ERR = -1, X_OK = 0, X_BREAK = 1, X_CONTINUE = 2 };

struct xvar {
	const char *name;
	struct tmpl_value *v;
};

struct xstate {
	const struct tmpl_set *set;
	const struct ttree *tmpl; /* the template being executed */
	const struct tnode *node; /* Go's s.node: where errors point */
	struct xvar *vars;
	size_t nvars, capvars, base; /* base: "$" of the current template */
	struct buf *out;
	size_t out_start, max_output;
	struct buf *err;
	void *ctx;
	int depth, max_depth, nest;
	uint64_t steps, max_steps;
	struct tmpl_escaper *esc; /* html/template's, or NULL */
};

static int walk(struct xstate *s, struct tmpl_value *dot,
		const struct tnode *n);
static int eval_pipeline(struct xstate *s, struct tmpl_value *dot,
			 const struct tnode *pipe, struct tmpl_value **out);
static int eval_pipeline_n(struct xstate *s, struct tmpl_value *dot,
			   const struct tnode *pipe, size_t ncmds,
			   const struct tmpl_func *first_fn,
			   struct tmpl_value **out);
static int eval_arg(struct xstate *s, struct tmpl_value *dot, char kind,
		    const char *ptype, const struct tnode *n,
		    struct tmpl_value **out);

/* ------------------------------------------------------------- errors */

static void report(struct xstate *s, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Writes Go's "template: NAME:L:C: executing ... at <NODE>: " message;
 * errorf() is report() as an expression that yields X_ERR. */
#define errorf(s, ...) (report(s, __VA_ARGS__), X_ERR)

static void report(struct xstate *s, const char *fmt, ...)
{
	const char *name = s->tmpl->name;
	va_list ap;

	buf_puts(s->err, "template: ");
	if (s->node) {
		const struct tunit *u = s->tmpl->unit;
		size_t pos = s->node->pos, col = pos;
		int line = 1;

		for (size_t i = 0; i < pos && i < u->len; i++) {
			if (u->text[i] == '\n') {
				line++;
				col = pos - i - 1;
			}
		}
		buf_printf(s->err, "%s:%d:%zu: executing ", u->parse_name, line,
			   col);
		tmpl_quote(s->err, name, strlen(name), 0);
		buf_puts(s->err, " at <");
		tmpl_node_string(s->node, s->err);
		buf_puts(s->err, ">: ");
	} else {
		buf_printf(s->err, "%s: ", name);
	}
	va_start(ap, fmt);
	buf_vprintf(s->err, fmt, ap);
	va_end(ap);
}

/* Error text naming a node, built before errorf() runs. */
static int error_node(struct xstate *s, const char *before,
		      const struct tnode *n, const char *after)
{
	struct buf b = {0};
	int rc;

	tmpl_node_string(n, &b);
	rc = errorf(s, "%s%s%s", before, buf_str(&b), after);
	buf_free(&b);
	return rc;
}

static int error_quoted(struct xstate *s, const char *before, const char *str,
			const char *after)
{
	struct buf b = {0};
	int rc;

	tmpl_quote(&b, str, strlen(str), 0);
	rc = errorf(s, "%s%s%s", before, buf_str(&b), after);
	buf_free(&b);
	return rc;
}

/* ---------------------------------------------------------- variables */

static void push_var(struct xstate *s, const char *name,
		     struct tmpl_value *v_take)
{
	if (s->nvars == s->capvars) {
		s->capvars = s->capvars ? 2 * s->capvars : 16;
		s->vars = xrealloc(s->vars, s->capvars * sizeof(*s->vars));
	}
	s->vars[s->nvars].name = name;
	s->vars[s->nvars].v = v_take;
	s->nvars++;
}

static void pop_vars(struct xstate *s, size_t mark)
{
	while (s->nvars > mark)
		tmpl_unref(s->vars[--s->nvars].v);
}

static struct xvar *find_var(struct xstate *s, const char *name)
{
	for (size_t i = s->nvars; i-- > s->base;)
		if (strcmp(s->vars[i].name, name) == 0)
			return &s->vars[i];
	return NULL;
}

static int set_var(struct xstate *s, const char *name, struct tmpl_value *v)
{
	struct xvar *x = find_var(s, name);

	if (!x)
		return errorf(s, "undefined variable: %s", name);
	tmpl_unref(x->v);
	x->v = tmpl_ref(v);
	return X_OK;
}

/* ------------------------------------------------------------- output */

static int emit(struct xstate *s, const char *p, size_t n)
{
	if (s->out->len - s->out_start + n > s->max_output)
		return errorf(s, "template output exceeds %zu bytes",
			      s->max_output);
	buf_add(s->out, p, n);
	return X_OK;
}

static int print_value(struct xstate *s, const struct tnode *n,
		       const struct tmpl_value *v)
{
	s->node = n;
	if (v->kind == TMPL_NIL)
		return emit(s, "<no value>", 10);
	tmpl_print(s->out, v);
	if (s->out->len - s->out_start > s->max_output) {
		s->out->len = s->out_start + s->max_output;
		s->out->s[s->out->len] = '\0';
		return errorf(s, "template output exceeds %zu bytes",
			      s->max_output);
	}
	return X_OK;
}

/* After a hook wrote to s->out: cuts and fails when over the limit. */
static int check_output(struct xstate *s)
{
	if (s->out->len - s->out_start <= s->max_output)
		return X_OK;
	s->out->len = s->out_start + s->max_output;
	s->out->s[s->out->len] = '\0';
	return errorf(s, "template output exceeds %zu bytes", s->max_output);
}

/* A hook's failure: Go's exec prefix, then the hook's reason. */
static int hook_failed(struct xstate *s, const struct tnode *n, struct buf *why)
{
	int rc;

	s->node = n;
	rc = errorf(s, "%s", buf_str(why));
	buf_free(why);
	return rc;
}

static int escape_text(struct xstate *s, const struct tnode *n)
{
	struct buf why = {0};

	if (s->esc->text(s->esc, n, s->out, &why) < 0)
		return hook_failed(s, n, &why);
	return check_output(s);
}

/* A printing action under an escaper: its plan, its value, the escaped
 * text. */
static int escape_action(struct xstate *s, struct tmpl_value *dot,
			 const struct tnode *n)
{
	struct tmpl_esc_plan plan = {n->pipe->nkids, NULL};
	struct tmpl_value *v;
	struct buf why = {0};
	int rc;

	if (s->esc->action(s->esc, n, &plan, &why) < 0)
		return hook_failed(s, n, &why);
	if (eval_pipeline_n(s, dot, n->pipe, plan.ncmds, plan.first_fn, &v) < 0)
		return X_ERR;
	rc = s->esc->print(s->esc, v, s->out, &why);
	tmpl_unref(v);
	if (rc < 0)
		return hook_failed(s, n, &why);
	return check_output(s);
}

/* --------------------------------------------------------- arguments */

static const char *kind_type(char kind, const char *ptype)
{
	switch (kind) {
	case 's':
		return "string";
	case 'f':
		return "float64";
	case 'i':
		return "int";
	case 'b':
		return "bool";
	case 'a':
		return "interface {}";
	case 'v':
		return "reflect.Value";
	default:
		return ptype ? ptype : "?";
	}
}

/* Go's validateType: takes v, sets *out (v itself) or fails. */
static int validate(struct xstate *s, struct tmpl_value *v, char kind,
		    const char *ptype, struct tmpl_value **out)
{
	int ok;

	*out = v;
	if (v->kind == TMPL_NIL) {
		if (kind == 'a' || kind == 'v' || kind == 't')
			return X_OK;
		*out = NULL;
		tmpl_unref(v);
		return errorf(s, "invalid value; expected %s",
			      kind_type(kind, ptype));
	}
	switch (kind) {
	case 's':
		ok = v->kind == TMPL_STRING && !v->cls;
		break;
	case 'f':
		ok = v->kind == TMPL_FLOAT && !v->cls;
		break;
	case 'i':
		ok = v->kind == TMPL_INT && !v->cls;
		break;
	case 'b':
		ok = v->kind == TMPL_BOOL && !v->cls;
		break;
	case 't':
	case 'I':
		ok = ptype && strcmp(tmpl_type_name(v), ptype) == 0;
		break;
	default:
		ok = 1;
	}
	if (ok)
		return X_OK;
	*out = NULL;
	report(s, "wrong type for value; expected %s; got %s",
	       kind_type(kind, ptype), tmpl_type_name(v));
	tmpl_unref(v);
	return X_ERR;
}

/* A number literal as an interface{} argument: Go's idealConstant. */
static int ideal_constant(struct xstate *s, const struct tnode *n,
			  struct tmpl_value **out)
{
	s->node = n;
	if (n->num_err)
		return errorf(s, "%s overflows int", n->num_err);
	*out = tmpl_ref(n->constant);
	return X_OK;
}

static int not_a_function(struct xstate *s, const struct tnode *first,
			  size_t nargs, const struct tmpl_value *final)
{
	if (nargs > 0 || final)
		return error_node(s, "can't give argument to non-function ",
				  first, "");
	return X_OK;
}

/* -------------------------------------------------------------- calls */

/* Go's evalCall: argument count and types, and/or short-circuit, the
 * call, "error calling NAME: ...". */
static int eval_call(struct xstate *s, struct tmpl_value *dot,
		     const struct tmpl_func *fn, const struct tmpl_value *self,
		     const struct tnode *node, const char *name,
		     struct tnode *const *args, size_t nargs,
		     struct tmpl_value *final, struct tmpl_value **out)
{
	const char *params = fn->params ? fn->params : "";
	size_t plen = strlen(params);
	int variadic = plen > 0 && params[plen - 1] == '*';
	size_t nparams = variadic ? plen - 1 : plen;
	size_t num_in = nargs + (final ? 1 : 0);
	size_t num_fixed = variadic ? nparams - 1 : nargs;
	struct tmpl_value **argv;
	struct buf why = {0};
	struct tmpl_call call;
	size_t i = 0;
	int rc = X_OK;

	if (variadic && num_in < num_fixed)
		return errorf(s,
			      "wrong number of args for %s: want at least "
			      "%zu got %zu",
			      name, nparams - 1, nargs);
	if (!variadic && num_in != nparams)
		return errorf(s,
			      "wrong number of args for %s: want %zu got %zu",
			      name, nparams, num_in);
	if (!self &&
	    (tmpl_builtin_is(fn, "and") || tmpl_builtin_is(fn, "or"))) {
		int want = tmpl_builtin_is(fn, "or");
		struct tmpl_value *v = NULL;

		for (i = 0; i < nargs; i++) {
			tmpl_unref(v);
			if (eval_arg(s, dot, 'v', NULL, args[i], &v) < 0)
				return X_ERR;
			if (tmpl_truth(v) == want) {
				*out = v;
				return X_OK;
			}
		}
		if (final) {
			tmpl_unref(v);
			v = tmpl_ref(final);
		}
		*out = v ? v : tmpl_nil();
		return X_OK;
	}
	argv = xcalloc(num_in ? num_in : 1, sizeof(*argv));
	for (; i < num_fixed && i < nargs; i++)
		if ((rc = eval_arg(s, dot, params[i], fn->ptype, args[i],
				   &argv[i])) < 0)
			goto out;
	if (variadic)
		for (; i < nargs; i++)
			if ((rc = eval_arg(s, dot, params[nparams - 1],
					   fn->ptype, args[i], &argv[i])) < 0)
				goto out;
	if (final) {
		char kind = params[nparams - 1];

		if (variadic && num_in - 1 < num_fixed)
			kind = params[num_in - 1];
		if ((rc = validate(s, tmpl_ref(final), kind, fn->ptype,
				   &argv[i])) < 0)
			goto out;
		i++;
	}
	call = (struct tmpl_call){.ctx = s->ctx,
				  .self = self,
				  .err = &why,
				  .max_string = s->max_output};
	*out = NULL;
	if (fn->fn(&call, argv, num_in, out) < 0) {
		s->node = node;
		rc = errorf(s, "error calling %s: %s", name, buf_str(&why));
	} else if ((*out)->kind == TMPL_STRING &&
		   (*out)->u.str.len > s->max_output) {
		s->node = node;
		tmpl_unref(*out);
		rc = errorf(s, "error calling %s: result exceeds %zu bytes",
			    name, s->max_output);
	}
out:
	for (size_t k = 0; k < num_in; k++)
		tmpl_unref(argv[k]);
	free(argv);
	buf_free(&why);
	return rc;
}

static int eval_function(struct xstate *s, struct tmpl_value *dot,
			 const struct tnode *ident, const struct tnode *cmd,
			 struct tnode *const *args, size_t nargs,
			 struct tmpl_value *final, struct tmpl_value **out)
{
	s->node = ident;
	return eval_call(s, dot, ident->fn, NULL, cmd, ident->ident[0], args,
			 nargs, final, out);
}

/* ------------------------------------------------------------- fields */

static const struct tmpl_func *find_method(const struct tmpl_value *v,
					   const char *name)
{
	if (!v->cls || !v->cls->methods)
		return NULL;
	for (const struct tmpl_func *m = v->cls->methods; m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

/*
 * Go's evalField: a method, struct field or map key of recv.  *iface_nil
 * says recv is a nil that came out of an interface-valued map (Go's typed
 * nil interface), which a further field cannot look into; it is set for
 * the value returned.
 */
static int eval_field(struct xstate *s, struct tmpl_value *dot,
		      const char *name, const struct tnode *node,
		      struct tnode *const *args, size_t nargs,
		      struct tmpl_value *final, struct tmpl_value *recv,
		      int *iface_nil, struct tmpl_value **out)
{
	const struct tmpl_func *m;
	struct tmpl_value *v;
	int has_args = nargs > 0 || final;

	if (recv->kind == TMPL_NIL) {
		if (*iface_nil)
			return errorf(
			    s, "nil pointer evaluating interface {}.%s", name);
		if (s->set->missingkey == TMPL_MISSINGKEY_ERROR)
			return error_quoted(s, "nil data; no entry for key ",
					    name, "");
		*out = tmpl_nil();
		return X_OK;
	}
	*iface_nil = 0;
	if ((m = find_method(recv, name)))
		return eval_call(s, dot, m, recv, node, name, args, nargs,
				 final, out);
	if (recv->kind == TMPL_OBJECT && (v = tmpl_object_field(recv, name))) {
		if (has_args)
			return errorf(s,
				      "%s has arguments but cannot be "
				      "invoked as function",
				      name);
		*out = tmpl_ref(v);
		return X_OK;
	}
	if (recv->kind == TMPL_MAP) {
		if (has_args)
			return errorf(s, "%s is not a method but has arguments",
				      name);
		v = tmpl_map_get(recv, name);
		if (v) {
			*iface_nil = v->kind == TMPL_NIL;
			*out = tmpl_ref(v);
			return X_OK;
		}
		switch (s->set->missingkey) {
		case TMPL_MISSINGKEY_ERROR:
			return error_quoted(s, "map has no entry for key ",
					    name, "");
		case TMPL_MISSINGKEY_ZERO:
			if (recv->u.map.elem == TMPL_STRING) {
				*out = tmpl_stringn("", 0);
				return X_OK;
			}
			*iface_nil = 1;
			break;
		case TMPL_MISSINGKEY_DEFAULT:
			break;
		}
		*out = tmpl_nil();
		return X_OK;
	}
	return errorf(s, "can't evaluate field %s in type %s", name,
		      tmpl_type_name(recv));
}

static int eval_field_chain(struct xstate *s, struct tmpl_value *dot,
			    struct tmpl_value *receiver,
			    const struct tnode *node, char *const *ident,
			    size_t n, struct tnode *const *args, size_t nargs,
			    struct tmpl_value *final, struct tmpl_value **out)
{
	struct tmpl_value *recv = tmpl_ref(receiver), *next;
	int iface_nil = 0, rc;

	for (size_t i = 0; i + 1 < n; i++) {
		rc = eval_field(s, dot, ident[i], node, NULL, 0, NULL, recv,
				&iface_nil, &next);
		tmpl_unref(recv);
		if (rc < 0)
			return rc;
		recv = next;
	}
	rc = eval_field(s, dot, ident[n - 1], node, args, nargs, final, recv,
			&iface_nil, out);
	tmpl_unref(recv);
	return rc;
}

static int eval_field_node(struct xstate *s, struct tmpl_value *dot,
			   const struct tnode *field, struct tnode *const *args,
			   size_t nargs, struct tmpl_value *final,
			   struct tmpl_value **out)
{
	s->node = field;
	return eval_field_chain(s, dot, dot, field, field->ident, field->nident,
				args, nargs, final, out);
}

static int eval_variable_node(struct xstate *s, struct tmpl_value *dot,
			      const struct tnode *var,
			      struct tnode *const *args, size_t nargs,
			      struct tmpl_value *final, struct tmpl_value **out)
{
	struct xvar *x;

	s->node = var;
	x = find_var(s, var->ident[0]);
	if (!x)
		return errorf(s, "undefined variable: %s", var->ident[0]);
	if (var->nident == 1) {
		if (not_a_function(s, var, nargs, final) < 0)
			return X_ERR;
		*out = tmpl_ref(x->v);
		return X_OK;
	}
	return eval_field_chain(s, dot, x->v, var, var->ident + 1,
				var->nident - 1, args, nargs, final, out);
}

static int eval_chain_node(struct xstate *s, struct tmpl_value *dot,
			   const struct tnode *chain, struct tnode *const *args,
			   size_t nargs, struct tmpl_value *final,
			   struct tmpl_value **out)
{
	struct tmpl_value *v;
	int rc;

	s->node = chain;
	if (chain->pipe->type == TN_NIL)
		return error_node(s, "indirection through explicit nil in ",
				  chain, "");
	if (eval_arg(s, dot, 'a', NULL, chain->pipe, &v) < 0)
		return X_ERR;
	rc = eval_field_chain(s, dot, v, chain, chain->ident, chain->nident,
			      args, nargs, final, out);
	tmpl_unref(v);
	return rc;
}

/* Go's evalArg: a command argument for a parameter of the given kind. */
static int eval_arg(struct xstate *s, struct tmpl_value *dot, char kind,
		    const char *ptype, const struct tnode *n,
		    struct tmpl_value **out)
{
	struct tmpl_value *v;
	int rc;

	s->node = n;
	switch (n->type) {
	case TN_DOT:
		return validate(s, tmpl_ref(dot), kind, ptype, out);
	case TN_NIL:
		if (kind == 'a' || kind == 'v' || kind == 't') {
			*out = tmpl_nil();
			return X_OK;
		}
		return errorf(s, "cannot assign nil to %s",
			      kind_type(kind, ptype));
	case TN_FIELD:
		rc = eval_field_node(s, dot, n, NULL, 0, NULL, &v);
		break;
	case TN_VAR:
		rc = eval_variable_node(s, dot, n, NULL, 0, NULL, &v);
		break;
	case TN_PIPE:
		rc = eval_pipeline(s, dot, n, &v);
		break;
	case TN_IDENT:
		rc = eval_function(s, dot, n, n, NULL, 0, NULL, &v);
		break;
	case TN_CHAIN:
		rc = eval_chain_node(s, dot, n, NULL, 0, NULL, &v);
		break;
	default:
		goto literal;
	}
	if (rc < 0)
		return rc;
	return validate(s, v, kind, ptype, out);
literal:
	switch (kind) {
	case 'b':
		if (n->type != TN_BOOL)
			return error_node(s, "expected bool; found ", n, "");
		*out = n->constant;
		return X_OK;
	case 'f':
		if (n->type != TN_NUMBER || !n->num_is_float)
			return error_node(s, "expected float; found ", n, "");
		*out = tmpl_float(n->num_float);
		return X_OK;
	case 'i':
	case 'I':
		if (n->type != TN_NUMBER || !n->num_is_int)
			return error_node(s, "expected integer; found ", n, "");
		*out = tmpl_int(n->num_int);
		return X_OK;
	case 's':
		if (n->type != TN_STRING)
			return error_node(s, "expected string; found ", n, "");
		*out = tmpl_ref(n->constant);
		return X_OK;
	case 'a':
	case 'v':
		if (n->type == TN_NUMBER)
			return ideal_constant(s, n, out);
		*out = tmpl_ref(n->constant);
		return X_OK;
	default: {
		struct buf b = {0};

		tmpl_node_string(n, &b);
		rc = errorf(s, "can't handle %s for arg of type %s",
			    buf_str(&b), kind_type(kind, ptype));
		buf_free(&b);
		return rc;
	}
	}
}

/* ----------------------------------------------------------- commands */

static int eval_command(struct xstate *s, struct tmpl_value *dot,
			const struct tnode *cmd, struct tmpl_value *final,
			struct tmpl_value **out)
{
	const struct tnode *first = cmd->kids[0];
	struct tnode *const *args = cmd->kids + 1;
	size_t nargs = cmd->nkids - 1;

	if (++s->steps > s->max_steps)
		return errorf(s, "template execution exceeds %llu steps",
			      (unsigned long long)s->max_steps);
	switch (first->type) {
	case TN_FIELD:
		return eval_field_node(s, dot, first, args, nargs, final, out);
	case TN_CHAIN:
		return eval_chain_node(s, dot, first, args, nargs, final, out);
	case TN_IDENT:
		return eval_function(s, dot, first, cmd, args, nargs, final,
				     out);
	case TN_PIPE:
		if (not_a_function(s, first, nargs, final) < 0)
			return X_ERR;
		return eval_pipeline(s, dot, first, out);
	case TN_VAR:
		return eval_variable_node(s, dot, first, args, nargs, final,
					  out);
	default:
		break;
	}
	s->node = first;
	if (not_a_function(s, first, nargs, final) < 0)
		return X_ERR;
	switch (first->type) {
	case TN_BOOL:
	case TN_STRING:
		*out = tmpl_ref(first->constant);
		return X_OK;
	case TN_DOT:
		*out = tmpl_ref(dot);
		return X_OK;
	case TN_NIL:
		return errorf(s, "nil is not a command");
	case TN_NUMBER:
		return ideal_constant(s, first, out);
	default:
		return error_node(s, "can't evaluate command ", first, "");
	}
}

/* Runs the first ncmds commands of pipe; first_fn, when set, replaces
 * the function of the first command (an escaper's plan). */
static int eval_pipeline_n(struct xstate *s, struct tmpl_value *dot,
			   const struct tnode *pipe, size_t ncmds,
			   const struct tmpl_func *first_fn,
			   struct tmpl_value **out)
{
	struct tmpl_value *value = NULL, *v;

	if (!pipe) {
		*out = tmpl_nil();
		return X_OK;
	}
	s->node = pipe;
	for (size_t i = 0; i < ncmds && i < pipe->nkids; i++) {
		const struct tnode *cmd = pipe->kids[i];
		int rc;

		if (i == 0 && first_fn)
			rc = eval_call(s, dot, first_fn, NULL, cmd,
				       first_fn->name, cmd->kids + 1,
				       cmd->nkids - 1, NULL, &v);
		else
			rc = eval_command(s, dot, cmd, value, &v);

		tmpl_unref(value);
		if (rc < 0)
			return rc;
		value = v;
	}
	if (!value) /* the parser never makes an empty pipeline */
		value = tmpl_nil();
	for (size_t i = 0; i < pipe->ndecl; i++) {
		const char *name = pipe->decl[i]->ident[0];

		if (pipe->is_assign) {
			if (set_var(s, name, value) < 0) {
				tmpl_unref(value);
				return X_ERR;
			}
		} else {
			push_var(s, name, tmpl_ref(value));
		}
	}
	*out = value;
	return X_OK;
}

static int eval_pipeline(struct xstate *s, struct tmpl_value *dot,
			 const struct tnode *pipe, struct tmpl_value **out)
{
	return eval_pipeline_n(s, dot, pipe, pipe ? pipe->nkids : 0, NULL, out);
}

/* ------------------------------------------------------------ control */

static int walk_if_with(struct xstate *s, struct tmpl_value *dot,
			const struct tnode *n)
{
	size_t mark = s->nvars;
	struct tmpl_value *val;
	int rc;

	if (eval_pipeline(s, dot, n->pipe, &val) < 0) {
		pop_vars(s, mark);
		return X_ERR;
	}
	if (tmpl_truth(val))
		rc = walk(s, n->type == TN_WITH ? val : dot, n->list);
	else if (n->elselist)
		rc = walk(s, dot, n->elselist);
	else
		rc = X_OK;
	tmpl_unref(val);
	pop_vars(s, mark);
	return rc;
}

/* One turn of a range body; X_OK, X_BREAK (stop) or X_ERR. */
static int range_once(struct xstate *s, const struct tnode *n,
		      struct tmpl_value *index, struct tmpl_value *elem)
{
	const struct tnode *pipe = n->pipe;
	size_t mark = s->nvars;
	int rc = X_OK;

	if (pipe->ndecl > 0) {
		if (pipe->is_assign)
			rc = set_var(
			    s, pipe->decl[pipe->ndecl > 1 ? 1 : 0]->ident[0],
			    elem);
		else {
			tmpl_unref(s->vars[s->nvars - 1].v);
			s->vars[s->nvars - 1].v = tmpl_ref(elem);
		}
	}
	if (rc == X_OK && pipe->ndecl > 1) {
		if (pipe->is_assign)
			rc = set_var(s, pipe->decl[0]->ident[0], index);
		else {
			tmpl_unref(s->vars[s->nvars - 2].v);
			s->vars[s->nvars - 2].v = tmpl_ref(index);
		}
	}
	if (rc == X_OK)
		rc = walk(s, elem, n->list);
	pop_vars(s, mark);
	return rc == X_CONTINUE ? X_OK : rc;
}

static int walk_range(struct xstate *s, struct tmpl_value *dot,
		      const struct tnode *n)
{
	size_t mark = s->nvars;
	struct tmpl_value *val, *index;
	int rc = X_OK, ran = 0;

	s->node = n;
	if (eval_pipeline(s, dot, n->pipe, &val) < 0) {
		pop_vars(s, mark);
		return X_ERR;
	}
	switch (val->kind) {
	case TMPL_LIST:
		for (size_t i = 0; i < val->u.list.n && rc == X_OK; i++) {
			index = tmpl_int((int64_t)i);
			rc = range_once(s, n, index, val->u.list.v[i]);
			tmpl_unref(index);
			ran = 1;
		}
		break;
	case TMPL_MAP:
		for (size_t i = 0; i < val->u.map.n && rc == X_OK; i++) {
			index = tmpl_string(val->u.map.v[i].key);
			rc = range_once(s, n, index, val->u.map.v[i].value);
			tmpl_unref(index);
			ran = 1;
		}
		break;
	case TMPL_NIL:
		break;
	default: {
		struct buf b = {0};

		tmpl_print(&b, val);
		rc = errorf(s, "range can't iterate over %s", buf_str(&b));
		buf_free(&b);
	}
	}
	if (rc == X_BREAK)
		rc = X_OK;
	else if (rc == X_OK && !ran && n->elselist)
		rc = walk(s, dot, n->elselist);
	tmpl_unref(val);
	pop_vars(s, mark);
	return rc;
}

static int walk_template(struct xstate *s, struct tmpl_value *dot,
			 const struct tnode *n)
{
	const struct ttree *t, *saved_tmpl = s->tmpl;
	size_t saved_base = s->base;
	struct tmpl_value *newdot;
	int rc;

	s->node = n;
	t = tmpl_find_tree(s->set, n->text);
	if (!t) {
		struct buf b = {0};

		tmpl_quote(&b, n->text, n->len, 0);
		rc = errorf(s, "template %s not defined", buf_str(&b));
		buf_free(&b);
		return rc;
	}
	if (s->depth >= s->max_depth)
		return errorf(s, "exceeded maximum template depth (%d)",
			      s->max_depth);
	if (eval_pipeline(s, dot, n->pipe, &newdot) < 0)
		return X_ERR;
	s->tmpl = t;
	s->base = s->nvars;
	s->depth++;
	push_var(s, "$", tmpl_ref(newdot));
	rc = walk(s, newdot, t->root);
	pop_vars(s, s->base);
	s->depth--;
	s->base = saved_base;
	s->tmpl = saved_tmpl;
	tmpl_unref(newdot);
	return rc < 0 ? rc : X_OK;
}

static int walk(struct xstate *s, struct tmpl_value *dot, const struct tnode *n)
{
	struct tmpl_value *v;
	int rc = X_OK;

	s->node = n;
	if (++s->steps > s->max_steps)
		return errorf(s, "template execution exceeds %llu steps",
			      (unsigned long long)s->max_steps);
	if (++s->nest > MAX_NEST) {
		s->nest--;
		return errorf(s, "exceeded maximum template depth (%d)",
			      MAX_NEST);
	}
	switch (n->type) {
	case TN_ACTION:
		if (s->esc && n->pipe->ndecl == 0) {
			rc = escape_action(s, dot, n);
			break;
		}
		if (eval_pipeline(s, dot, n->pipe, &v) < 0) {
			rc = X_ERR;
			break;
		}
		if (n->pipe->ndecl == 0)
			rc = print_value(s, n, v);
		tmpl_unref(v);
		break;
	case TN_BREAK:
		rc = X_BREAK;
		break;
	case TN_CONTINUE:
		rc = X_CONTINUE;
		break;
	case TN_IF:
	case TN_WITH:
		rc = walk_if_with(s, dot, n);
		break;
	case TN_LIST:
		for (size_t i = 0; i < n->nkids && rc == X_OK; i++)
			rc = walk(s, dot, n->kids[i]);
		break;
	case TN_RANGE:
		rc = walk_range(s, dot, n);
		break;
	case TN_TEMPLATE:
		rc = walk_template(s, dot, n);
		break;
	case TN_TEXT:
		rc = s->esc ? escape_text(s, n) : emit(s, n->text, n->len);
		break;
	default:
		rc = error_node(s, "unknown node: ", n, "");
	}
	s->nest--;
	return rc;
}

int tmpl_exec(const struct tmpl_set *set, const char *name,
	      struct tmpl_value *data, const struct tmpl_exec_opts *opts,
	      struct buf *out, struct buf *err)
{
	return tmpl_exec_escaped(set, name, data, opts, NULL, out, err);
}

int tmpl_exec_escaped(const struct tmpl_set *set, const char *name,
		      struct tmpl_value *data,
		      const struct tmpl_exec_opts *opts,
		      struct tmpl_escaper *esc, struct buf *out,
		      struct buf *err)
{
	struct xstate s = {.set = set, .out = out, .err = err, .esc = esc};
	int rc;

	s.tmpl = tmpl_find_tree(set, name);
	if (!s.tmpl) {
		const char *t = set->first_name ? set->first_name : name;

		buf_puts(err, "template: no template ");
		tmpl_quote(err, name, strlen(name), 0);
		buf_puts(err, " associated with template ");
		tmpl_quote(err, t, strlen(t), 0);
		return -1;
	}
	s.ctx = opts ? opts->ctx : NULL;
	s.max_output =
	    opts && opts->max_output ? opts->max_output : TMPL_MAX_OUTPUT;
	s.max_depth =
	    opts && opts->max_depth ? opts->max_depth : TMPL_MAX_DEPTH;
	s.max_steps =
	    opts && opts->max_steps ? opts->max_steps : TMPL_MAX_STEPS;
	s.out_start = out->len;
	if (!data)
		data = tmpl_nil();
	push_var(&s, "$", tmpl_ref(data));
	rc = walk(&s, data, s.tmpl->root);
	pop_vars(&s, 0);
	free(s.vars);
	buf_str(out);
	return rc < 0 ? -1 : 0;
}
