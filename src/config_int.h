/*
 * config_int.h - internals shared by the config*.c files: the loader's
 * context, typed readers over ydoc that apply defaults, and the per-section
 * loaders.  Nothing outside config*.c includes this header.
 *
 * Readers never fail hard: a problem is added to the diagnostics with the
 * offending node's position and a harmless value is returned, so loading
 * goes on and every error of a file is reported.
 */
#ifndef TOCSIN_CONFIG_INT_H
#define TOCSIN_CONFIG_INT_H

#include "config.h"
#include "ydoc.h"

/* The loader's context: where errors go and where relative paths start. */
struct cload {
	struct yctx y;
	const char *dir;
	struct config *cfg;
	size_t nroutes;		/* route nodes built so far */
};

void cl_err(struct cload *l, const struct ynode *n, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
void cl_warn(struct cload *l, const struct ynode *n, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* Position helpers: the value under key, else its key, else m itself. */
const struct ynode *cl_pos(const struct ynode *m, const char *key);
/* Returns 1 when key is present with a non-null value. */
int cl_has(const struct ynode *m, const char *key);
/* ydoc_check_map with a context; returns the number of problems. */
int cl_keys(struct cload *l, const struct ynode *n, const char *what,
	    const char *const *known);

/* Returns a new copy of the string under key, or of def (NULL: "") when
 * the key is absent or null.  The caller frees it. */
char *cl_str(struct cload *l, const struct ynode *m, const char *key,
	     const char *def);
/* Like cl_str for a file path: a relative path is joined with l->dir. */
char *cl_path(struct cload *l, const struct ynode *m, const char *key);
/* Returns a new string: path joined with l->dir and cleaned like Go's
 * filepath.Join, or a copy of path when absolute or empty. */
char *cl_join(struct cload *l, const char *path);
/* Returns the boolean under key, def when absent or on error. */
int cl_bool(struct cload *l, const struct ynode *m, const char *key, int def);
/* Returns 1 and stores the boolean when key is set, else 0. */
int cl_bool_opt(struct cload *l, const struct ynode *m, const char *key,
		int *out);
/* Returns 0 with *out when v is a scalar of decimal digits (no sign, no
 * space) whose value is 1 to max, else -1 (no error added). */
int cl_count(const struct ynode *v, unsigned long max, unsigned long *out);
/* Returns the duration under key in ms, def when absent; *set (may be
 * NULL) tells whether the key gave a value. */
int64_t cl_duration(struct cload *l, const struct ynode *m, const char *key,
		    int64_t def, int *set);
/* Returns the sequence node under key, or NULL when absent, null or not a
 * sequence (then an error was added). */
const struct ynode *cl_seq(struct cload *l, const struct ynode *m,
			   const char *key);
/* Returns a new array of copies of the scalars of the sequence under key
 * (*n items; NULL when none); non-scalars are errors. */
char **cl_strlist(struct cload *l, const struct ynode *m, const char *key,
		  size_t *n);
/* cl_strlist() for file globs: each checked for glob syntax and resolved
 * against the config file's directory. */
char **cl_globlist(struct cload *l, const struct ynode *m, const char *key,
		   size_t *n);
/* Returns a new array of the string pairs of the mapping under key,
 * sorted by name (*n items; NULL when none). */
struct config_kv *cl_kv(struct cload *l, const struct ynode *m,
			const char *key, size_t *n);

/* Returns s in double quotes with Go's %q escapes; the caller frees it. */
char *config_quote(const char *s);

void config_kv_free(struct config_kv *v, size_t n);
void config_strv_free(char **v, size_t n);
struct config_kv *config_kv_dup(const struct config_kv *v, size_t n);
int config_kv_cmp(const void *a, const void *b);

/* ----------------------------------------------------------------- URLs */

/*
 * Checks s the way Go's net/url.Parse does.  Returns 0, or -1 with Go's
 * message ("parse \"x\": invalid port ...") appended to err.  When not
 * NULL, *scheme (lowercased) and *host receive new strings ("" after an
 * error) that the caller frees.
 */
int config_url_parse(const char *s, struct buf *err, char **scheme,
		     char **host);
/* Reads the URL under key as Alertmanager's config.URL (http or https,
 * host required); returns a new string ("" when absent or invalid). */
char *cl_url(struct cload *l, const struct ynode *m, const char *key,
	     const char *def);
/* The same for a secret URL: "<secret>" is accepted as it stands. */
char *cl_secret_url(struct cload *l, const struct ynode *m, const char *key,
		    const char *def);

/*
 * Splits "host:port" with Go's net.SplitHostPort() rules, then requires a
 * port as Alertmanager's HostPort does.  Returns 0 with new strings in
 * *host and *port, or -1 with the message appended to err.
 */
int config_hostport_split(const char *s, char **host, char **port,
			  struct buf *err);

/* --------------------------------------------------------- http_config */

void config_http_init(struct config_http *h);
void config_http_load(struct cload *l, const struct ynode *n,
		      struct config_http *h);
void config_http_copy(struct config_http *dst, const struct config_http *src);
void config_http_free(struct config_http *h);
void config_tls_load(struct cload *l, const struct ynode *n,
		     struct config_tls *t);
void config_tls_init(struct config_tls *t);
void config_tls_copy(struct config_tls *dst, const struct config_tls *src);
void config_tls_free(struct config_tls *t);
struct config_basic_auth *config_basic_auth_load(struct cload *l,
						 const struct ynode *n);
struct config_authorization *config_authorization_load(struct cload *l,
						       const struct ynode *n);
void config_basic_auth_free(struct config_basic_auth *b);
void config_authorization_free(struct config_authorization *a);

/* ------------------------------------------------------------ sections */

void config_global_load(struct cload *l, const struct ynode *n);
void config_global_free(struct config_global *g);
void config_receivers_load(struct cload *l, const struct ynode *seq);
void config_receiver_free(struct config_receiver *r);
/* Builds cfg->route from n (the value of `route:`), validates the tree and
 * resolves receivers and time interval names; needs receivers and time
 * intervals loaded first. */
void config_route_load(struct cload *l, const struct ynode *n);
void config_route_free(struct route *r);
void config_inhibit_load(struct cload *l, const struct ynode *seq);
void config_inhibit_free(struct config_inhibit *r);
void config_time_intervals_load(struct cload *l, const struct ynode *seq,
				int legacy);
void config_time_interval_free(struct config_time_interval *t);
void config_tocsin_load(struct cload *l, const struct ynode *root);
void config_tocsin_free(struct config *c);

/* Parses one `matchers:` list under key into out (appending); the strings
 * as written go to *strs.  Shared by routes and inhibit rules. */
void config_matchers_load(struct cload *l, const struct ynode *m,
			  const char *key, struct matchers *out, char ***strs,
			  size_t *nstrs);
/* Adds match (equality) / match_re (regex) pairs under key to out, with
 * Alertmanager's label-name and regexp checks.  Returns the pairs as
 * written (sorted) in *kv. */
void config_match_load(struct cload *l, const struct ynode *m,
		       const char *key, int regex, struct matchers *out,
		       struct config_kv **kv, size_t *nkv);

/* Go filepath.Match pattern syntax check; returns 0 or -1. */
int config_glob_valid(const char *pattern);

#endif
