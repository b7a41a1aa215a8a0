/*
 * tmpl.h - Go text/template in C: the template language, Go's value printing
 * (fmt's %v, printf), the builtin functions, and Prometheus' rule-template
 * functions.  Output and error messages follow Go 1.19 (what Prometheus 2.42
 * and Alertmanager 0.25 are built with), so an annotation renders exactly as
 * Prometheus renders it.
 *
 * Ownership in one sentence: every function returning a struct tmpl_value *
 * hands the caller one reference, dropped with tmpl_unref(), and every
 * function taking one borrows it unless its name ends in _take.
 *
 * Values are immutable once shared; lists, maps and structs are filled by
 * whoever created them before anyone else sees them.
 */
#ifndef TOCSIN_TMPL_H
#define TOCSIN_TMPL_H

#include <stddef.h>
#include <stdint.h>

#include "labels.h"
#include "util.h"

/* ------------------------------------------------------------- values */

enum tmpl_kind {
	TMPL_NIL, /* Go's nil; an action prints it as "<no value>" */
	TMPL_BOOL,
	TMPL_INT,    /* Go int (or another integer type, see cls) */
	TMPL_FLOAT,  /* float64 */
	TMPL_STRING, /* bytes with a length; may hold NULs */
	TMPL_LIST,   /* a slice: []interface {} unless cls says otherwise */
	TMPL_MAP,    /* string keys, kept sorted (Go prints maps sorted) */
	TMPL_OBJECT, /* a struct or pointer: named fields, methods, payload */
};

struct tmpl_value;
struct tmpl_func;

/*
 * A Go named type: its name for messages and %T, its methods, and how it
 * prints.  Plain values have cls == NULL.  Classes are static and never
 * freed.
 */
struct tmpl_class {
	const char *type; /* "*template.sample", "template.HTML" */
	const struct tmpl_func *methods; /* {NULL}-terminated, or NULL */
	/* Appends the value as Go's %v would (a String() method); NULL
	 * prints the underlying value ({f1 f2} for structs). */
	void (*print)(const struct tmpl_value *self, struct buf *out);
	/* Appends the value as Go's %#v would (a GoString() method); NULL
	 * prints its Go syntax from the underlying value. */
	void (*gostring)(const struct tmpl_value *self, struct buf *out);
	void (*free)(void *data); /* releases an object's payload */
	int is_ptr;		  /* a pointer type: prints &{...} */
};

struct tmpl_field {
	const char *name; /* not copied: a string literal */
	struct tmpl_value *value;
};

struct tmpl_pair {
	char *key;
	struct tmpl_value *value;
};

struct tmpl_value {
	enum tmpl_kind kind;
	unsigned refs;		      /* 0: a static value, never freed */
	const struct tmpl_class *cls; /* NULL: the kind's plain Go type */
	union {
		int b;
		int64_t i;
		double f;
		struct {
			char *s; /* NUL-terminated for convenience */
			size_t len;
		} str;
		struct {
			struct tmpl_value **v;
			size_t n, cap;
		} list;
		struct {
			struct tmpl_pair *v; /* sorted by key */
			size_t n, cap;
			enum tmpl_kind elem; /* TMPL_STRING: map[string]string,
					      * else map[string]interface {} */
		} map;
		struct {
			struct tmpl_field *v;
			size_t n;
			void *data; /* freed by cls->free */
		} obj;
	} u;
};

struct tmpl_value *tmpl_ref(struct tmpl_value *v);
void tmpl_unref(struct tmpl_value *v);

/* Scalars.  tmpl_nil() and tmpl_bool() return shared static values. */
struct tmpl_value *tmpl_nil(void);
struct tmpl_value *tmpl_bool(int b);
struct tmpl_value *tmpl_int(int64_t i);
struct tmpl_value *tmpl_float(double f);
struct tmpl_value *tmpl_string(const char *s);
struct tmpl_value *tmpl_stringn(const char *s, size_t len);
/* Takes ownership of s (xmalloc'd, NUL-terminated at len). */
struct tmpl_value *tmpl_string_take(char *s, size_t len);
/* Returns v (consumed) as a value of a named Go type, copying a shared
 * scalar: tmpl_typed_take(tmpl_string(s), &tmpl_html_class). */
struct tmpl_value *tmpl_typed_take(struct tmpl_value *v,
				   const struct tmpl_class *cls);

/* Lists: new empty list, then push (takes the reference of item). */
struct tmpl_value *tmpl_list_new(const struct tmpl_class *cls);
void tmpl_list_push_take(struct tmpl_value *list, struct tmpl_value *item);

/* Maps with string keys.  elem is TMPL_STRING for map[string]string (a
 * missing key reads as "") or TMPL_NIL for map[string]interface {} (a
 * missing key reads as nil).  set replaces an existing key. */
struct tmpl_value *tmpl_map_new(enum tmpl_kind elem);
void tmpl_map_set_take(struct tmpl_value *map, const char *key,
		       struct tmpl_value *value);
/* Returns the value under key (borrowed), or NULL. */
struct tmpl_value *tmpl_map_get(const struct tmpl_value *map, const char *key);
/* Returns a new map[string]string of the label set (NULL: empty map). */
struct tmpl_value *tmpl_map_labels(const struct labels *l);

/* Objects (Go structs): n fields named by names (literals), values taken;
 * data is an optional payload released with cls->free. */
struct tmpl_value *tmpl_object_new(const struct tmpl_class *cls,
				   const char *const *names,
				   struct tmpl_value **values_take, size_t n,
				   void *data);
/* Returns the field (borrowed), or NULL. */
struct tmpl_value *tmpl_object_field(const struct tmpl_value *v,
				     const char *name);

/* Go's type name of v: "float64", "map[string]string", "<nil>". */
const char *tmpl_type_name(const struct tmpl_value *v);
/* Go's truth: false, 0, "", empty list/map and nil are false. */
int tmpl_truth(const struct tmpl_value *v);
/* Appends fmt.Sprint(v): Go's %v. */
void tmpl_print(struct buf *out, const struct tmpl_value *v);

/* ---------------------------------------------------------- functions */

/* What a function sees besides its arguments. */
struct tmpl_call {
	void *ctx;		       /* tmpl_exec_opts.ctx */
	const struct tmpl_value *self; /* a method's receiver, else NULL */
	struct buf *err;	       /* the reason, when returning -1 */
	size_t max_string;	       /* longest string a function may build */
};

/* Sets *out to a new reference and returns 0, or writes the reason to
 * call->err and returns -1; the template then fails with
 * "error calling NAME: reason". */
typedef int (*tmpl_fn)(struct tmpl_call *call, struct tmpl_value *const *argv,
		       size_t argc, struct tmpl_value **out);

/*
 * A function or method callable from templates.  params gives its Go
 * signature, one letter per parameter, and the engine checks arguments the
 * way Go checks them (wrong number of args, expected string; found 1, wrong
 * type for value...):
 *   s string   f float64   i int   b bool
 *   a any (interface {}, nil allowed)   v any (reflect.Value)
 *   t a value whose type name is ptype (nil allowed: a pointer or slice)
 *   I an integer type named ptype (time.Duration): a value of that type,
 *     or an integer constant, which the function gets as a plain int
 * A trailing '*' makes the last letter variadic: printf is "sa*".
 */
struct tmpl_func {
	const char *name;
	tmpl_fn fn;
	const char *params;
	const char *ptype;
};

/* --------------------------------------------------------- template sets */

/* A set of named templates, like a Go *template.Template and its
 * associates, with the functions its templates may call. */
struct tmpl_set;

enum tmpl_missingkey {
	TMPL_MISSINGKEY_DEFAULT, /* missing map key: "<no value>" */
	TMPL_MISSINGKEY_ZERO,	 /* the element type's zero value */
	TMPL_MISSINGKEY_ERROR,	 /* map has no entry for key "x" */
};

/* Returns a new empty set with Go's builtins; free it with tmpl_set_free(). */
struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *set);
/*
 * Returns a new set layered on parent, as Go's Clone is used: it has
 * parent's functions and options, finds parent's templates, and what is
 * parsed into it shadows them without touching parent, which must outlive
 * it.  Free it with tmpl_set_free().
 */
struct tmpl_set *tmpl_set_new_child(const struct tmpl_set *parent);
/* Adds a {NULL}-terminated function table (not copied).  Tables added
 * later win over earlier ones and over the builtins.  Templates parsed
 * afterwards may call them. */
void tmpl_set_funcs(struct tmpl_set *set, const struct tmpl_func *table);
void tmpl_set_missingkey(struct tmpl_set *set, enum tmpl_missingkey mode);

/*
 * Parses text as template `name`, adding it and its {{define}}s and
 * {{block}}s to the set (a later definition replaces an earlier one, an
 * empty one never does).  Returns 0, or -1 with Go's message in err
 * ("template: NAME:LINE: unexpected ..."), leaving the set unchanged.
 */
int tmpl_parse(struct tmpl_set *set, const char *name, const char *text,
	       size_t len, struct buf *err);
/* Returns 1 when the set has a template of that name. */
int tmpl_defined(const struct tmpl_set *set, const char *name);

#define TMPL_MAX_OUTPUT (1u << 20) /* bytes one execution may write */
#define TMPL_MAX_DEPTH	100	   /* nested {{template}} calls */
#define TMPL_MAX_STEPS	10000000u  /* nodes evaluated per execution */

struct tmpl_exec_opts {
	void *ctx;	    /* handed to functions as call->ctx */
	size_t max_output;  /* 0: TMPL_MAX_OUTPUT */
	int max_depth;	    /* 0: TMPL_MAX_DEPTH */
	uint64_t max_steps; /* 0: TMPL_MAX_STEPS */
};

/*
 * Executes template `name` with data as dot, appending to out.  Returns 0,
 * or -1 with Go's message in err ("template: NAME:1:3: executing \"NAME\"
 * at <.x>: ..."); out then holds what was written before the error.
 * opts may be NULL.
 */
int tmpl_exec(const struct tmpl_set *set, const char *name,
	      struct tmpl_value *data, const struct tmpl_exec_opts *opts,
	      struct buf *out, struct buf *err);

/* ------------------------------------------- Prometheus rule templates */

/*
 * What Prometheus' rule functions need from the evaluator.  query runs an
 * instant query at the evaluation time and sets *result to a list made with
 * tmpl_query_result_new() and tmpl_query_result_add(), or returns -1 with
 * the reason in err.  A NULL query makes `query` fail.
 */
struct tmpl_rule_env {
	const char *external_url; /* for externalURL and pathPrefix */
	int (*query)(void *ctx, const char *expr, struct tmpl_value **result,
		     struct buf *err);
	void *query_ctx;
	double now; /* `now`: the evaluation time in unix seconds */
};

/* Prometheus 2.42's template functions (call->ctx: struct tmpl_rule_env *). */
extern const struct tmpl_func tmpl_prom_funcs[];
/* html/template.HTML, the type safeHtml returns. */
extern const struct tmpl_class tmpl_html_class;

/* Returns a new empty query result (Go type template.queryResult). */
struct tmpl_value *tmpl_query_result_new(void);
/* Appends a sample {Labels, Value}; l is copied (NULL: no labels). */
void tmpl_query_result_add(struct tmpl_value *result, const struct labels *l,
			   double value);
/* Returns a new *time.Time of sec seconds and nsec nanoseconds since the
 * epoch, printed in UTC as Go prints it. */
struct tmpl_value *tmpl_time_new(int64_t sec, int32_t nsec);

/* The data of one alert's templates. */
struct tmpl_rule_data {
	const struct labels *labels;	      /* $labels: the series' labels */
	const struct labels *external_labels; /* $externalLabels */
	const char *external_url;	      /* $externalURL */
	double value;			      /* $value */
};

/*
 * Expands one annotation or label template of alerting rule `alert` as
 * Prometheus does: prepends the $labels/$externalLabels/$externalURL/$value
 * definitions, parses as "__alert_<alert>" with missingkey=zero and runs it.
 * Returns 0 with the output in *out, or -1 with *out set to Prometheus'
 * "<error expanding template: ...>" text; either way the caller frees *out.
 * env may be NULL.
 */
int tmpl_expand_rule(const char *alert, const char *text,
		     const struct tmpl_rule_data *data,
		     const struct tmpl_rule_env *env, char **out);
/* A rule template parsed once (at rule load) and run at every
 * evaluation: what tmpl_expand_rule() does in two steps.  Text without
 * "{{" is kept as it is and never parsed or run; a parse error is kept
 * and becomes every run's output. */
struct tmpl_rule_tmpl;
struct tmpl_rule_tmpl *tmpl_rule_compile(const char *alert, const char *text);
int tmpl_rule_exec(const struct tmpl_rule_tmpl *t,
		   const struct tmpl_rule_data *d,
		   const struct tmpl_rule_env *env, char **out);
void tmpl_rule_tmpl_free(struct tmpl_rule_tmpl *t);
/* Parses a rule template as Prometheus' rule loader does; returns 0, or
 * -1 with "template: __alert_<alert>:1: ..." in err. */
int tmpl_check_rule(const char *alert, const char *text, struct buf *err);

/* ------------------------------------------ Alertmanager notifications */

/* One alert of a notification, as the router holds it. */
struct tmpl_am_alert {
	const char *status;		  /* "firing" or "resolved" */
	const struct labels *labels;	  /* NULL: none */
	const struct labels *annotations; /* NULL: none */
	int64_t starts_sec, ends_sec;	  /* Unix time, UTC; ends of a firing
					   * alert: TMPL_AM_ZERO_TIME */
	int32_t starts_nsec, ends_nsec;
	const char *generator_url;
	const char *fingerprint; /* NULL: the labels' fingerprint, %016x */
};

/* Go's zero time.Time (0001-01-01 00:00:00 UTC) in Unix seconds: what
 * Alertmanager sends as a firing alert's endsAt. */
#define TMPL_AM_ZERO_TIME (-62135596800LL)

/* A notification: the group of alerts a receiver is sent. */
struct tmpl_am_notification {
	const char *receiver; /* the receiver's name as configured */
	const struct labels *group_labels;
	const struct tmpl_am_alert *alerts;
	size_t nalerts;
	const char *external_url;
};

/*
 * Returns the template.Data of a notification as Alertmanager's
 * Template.Data() builds it: .Receiver is the name with regexp
 * metacharacters escaped (Alertmanager's QuoteMeta quirk), .Status is
 * "firing" when any alert is, .CommonLabels and .CommonAnnotations are the
 * pairs all alerts share, times are UTC.  Nothing of nf is kept.
 */
struct tmpl_value *tmpl_am_data_new(const struct tmpl_am_notification *nf);
/* Returns amtool's example data (two alerts stamped with the time now). */
struct tmpl_value *tmpl_am_data_example(void);
/*
 * Reads template.Data from JSON as encoding/json does (the webhook payload
 * is such a document).  Returns 0 and the data in *out, or -1 with the
 * reason in err ("json: cannot unmarshal number into Go struct field
 * Data.receiver of type string", "parsing time ...").
 */
int tmpl_am_data_parse_json(const char *text, size_t len,
			    struct tmpl_value **out, struct buf *err);

/* Alertmanager's template functions (0.25: toUpper toLower title join
 * match safeHtml reReplaceAll stringSlice; 0.26-0.28: trimSpace date tz
 * since humanizeDuration). */
extern const struct tmpl_func tmpl_am_funcs[];

/* Returns the directory of the built-in templates (default.tmpl,
 * email.tmpl): $TOCSIN_DATADIR/templates, else one found beside the
 * executable (a source tree or PREFIX/share/tocsin), else the installed
 * one.  The caller frees it. */
char *tmpl_am_template_dir(void);
/*
 * Returns a new set as Alertmanager's FromGlobs builds it: its functions,
 * missingkey=zero, the built-in templates of dir (default.tmpl, and
 * email.tmpl when present; dir NULL: none), then every file each glob
 * matches, named by base name (a glob matching nothing is no error).
 * NULL with the reason in err.
 */
struct tmpl_set *tmpl_am_set_new(const char *dir, const char *const *globs,
				 size_t nglobs, struct buf *err);
/*
 * Alertmanager's ExecuteTextString: renders text (which may {{define}}
 * templates for itself) with data, leaving set unchanged; "" renders as
 * "".  Returns 0, or -1 with Go's message in err.
 */
int tmpl_am_render(const struct tmpl_set *set, const char *text,
		   struct tmpl_value *data, struct buf *out, struct buf *err);
/* ExecuteHTMLString: the same with html/template's escaping
 * (tmpl_exec_html()), as email bodies are rendered. */
int tmpl_am_render_html(const struct tmpl_set *set, const char *text,
			struct tmpl_value *data, struct buf *out,
			struct buf *err);

/* ------------------------------------------ HTML output (tmpl_html.c) */

/*
 * tmpl_exec() as Go's html/template executes: every action's output is
 * escaped for where it lands in the HTML (text, attribute, URL, CSS, JS),
 * template.HTML values (safeHtml) pass through in text, and the template
 * text itself is rewritten as Go does (comments dropped, a stray '<'
 * written "&lt;").  Before anything runs, the contexts of all templates
 * reachable from `name` are checked as Go checks them; a failure returns
 * -1 with Go's "html/template:NAME:L:C: ..." message and writes nothing.
 * Every context of Go 1.19's html/template is supported; in a JS value
 * context, structs other than Alertmanager's data and times fail (Go
 * would write them by their json tags).
 */
int tmpl_exec_html(const struct tmpl_set *set, const char *name,
		   struct tmpl_value *data, const struct tmpl_exec_opts *opts,
		   struct buf *out, struct buf *err);

#endif
