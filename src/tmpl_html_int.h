/*
 * tmpl_html_int.h - internals of the HTML output mode (Go's html/template):
 * the parser context an HTML document is in at some byte, the transitions
 * that move it over template text, and Go's escaper functions.  Shared by
 * tmpl_html.c (escaping and execution), tmpl_html_ctx.c (contexts) and
 * tmpl_html_esc.c (escapers); nothing else includes it.
 *
 * Every name and message follows Go 1.19.8's html/template, the version
 * Alertmanager 0.25 is built with.
 */
#ifndef TOCSIN_TMPL_HTML_INT_H
#define TOCSIN_TMPL_HTML_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tmpl_int.h"

/* ------------------------------------------------------------ contexts */

/* Go's state: where in HTML, CSS or JS a byte of output falls. */
enum hstate {
	HS_TEXT,
	HS_TAG,		 /* before an attribute or the end of a tag */
	HS_ATTR_NAME,	 /* inside an attribute name */
	HS_AFTER_NAME,	 /* after a name, before any '=' */
	HS_BEFORE_VALUE, /* after '=', before the value */
	HS_HTML_CMT,	 /* <!-- ... --> */
	HS_RCDATA,	 /* <title> or <textarea> body */
	HS_ATTR,	 /* a plain attribute value */
	HS_URL,		 /* href, src ... */
	HS_SRCSET,	 /* srcset */
	HS_JS,		 /* <script> body or on* attribute */
	HS_JS_DQ_STR,	 /* "..." */
	HS_JS_SQ_STR,	 /* '...' */
	HS_JS_BQ_STR,	 /* `...` (actions are refused there) */
	HS_JS_REGEXP,	 /* /.../ */
	HS_JS_BLOCK_CMT, /* JS comments */
	HS_JS_LINE_CMT,
	HS_CSS, /* <style> body or style attribute */
	HS_CSS_DQ_STR,
	HS_CSS_SQ_STR,
	HS_CSS_DQ_URL, /* url("...") */
	HS_CSS_SQ_URL, /* url('...') */
	HS_CSS_URL,    /* url(...) */
	HS_CSS_BLOCK_CMT,
	HS_CSS_LINE_CMT,
	HS_ERROR, /* infectious: see hctx.err */
	HS_DEAD,  /* after {{break}} or {{continue}} */
};

/* What ends the attribute value being written. */
enum hdelim { HD_NONE, HD_DQ, HD_SQ, HD_SPACE };
/* Where in a URL: nothing yet, before '?' or '#', after it, unsure. */
enum hurl { HU_NONE, HU_PRE_QUERY, HU_QUERY_OR_FRAG, HU_UNKNOWN };
/* Whether a '/' in JS starts a regexp or divides. */
enum hjs { HJ_REGEXP, HJ_DIVOP, HJ_UNKNOWN };
/* The attribute being written, from its name. */
enum hattr { HA_NONE, HA_SCRIPT, HA_SCRIPT_TYPE, HA_STYLE, HA_URL, HA_SRCSET };
/* Elements whose bodies are not HTML text. */
enum helem { HEL_NONE, HEL_SCRIPT, HEL_STYLE, HEL_TEXTAREA, HEL_TITLE };

/*
 * Go's *Error.  Contexts carrying one share it (Go mutates a shared error
 * on range re-entry); every error lives on its struct html_errs list.
 */
struct html_err {
	struct html_err *next;
	const struct tnode *node; /* where, or NULL */
	const struct ttree *tree; /* node's template, for its location */
	int line;		  /* used when node is NULL */
	struct buf desc;
};

/* The owner of the errors made while escaping; free with
 * html_errs_free(). */
struct html_errs {
	struct html_err *head;
};

/* Go's context.  The zero value is the start of an HTML document. */
struct hctx {
	uint8_t state, delim, url, js, attr, elem;
	struct html_err *err;  /* state == HS_ERROR */
	const struct tnode *n; /* the {{break}}/{{continue}} of a range */
};

struct html_err *html_err_newv(struct html_errs *errs, const struct tnode *node,
			       const struct ttree *tree, const char *fmt,
			       va_list ap) PRINTF_LIKE(4, 0);
struct html_err *html_err_new(struct html_errs *errs, const struct tnode *node,
			      const struct ttree *tree, const char *fmt, ...)
    PRINTF_LIKE(4, 5);
void html_errs_free(struct html_errs *errs);
/* Returns an error context with a new error. */
struct hctx html_ctx_error(struct html_errs *errs, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

/* Go's context.eq (errors compare by identity; n is ignored). */
int html_ctx_eq(const struct hctx *a, const struct hctx *b);
/* Appends Go's %v of a context: {stateURL delimDoubleQuote ... <nil>}. */
void html_ctx_string(struct buf *out, const struct hctx *c);
/* Appends Go's context.mangle(name): name$htmltemplate_stateURL_... */
void html_ctx_mangle(struct buf *out, const struct hctx *c, const char *name);
/* Appends err as Go's Error() prints it; top is the executed template. */
void html_err_string(struct buf *out, const struct html_err *err,
		     const char *top);
int html_is_comment(int state);
int html_is_in_tag(int state);

/*
 * Go's escapeText: moves *c over template text s[0:n] and appends the text
 * as html/template rewrites it (a '<' that opens no tag becomes "&lt;",
 * comments are dropped) to out, which may be NULL.  On a syntax error
 * *c becomes an error context.
 */
void html_escape_text(struct html_errs *errs, struct hctx *c, const char *s,
		      size_t n, struct buf *out);

/* Go's attrType: the content type of a lowercase attribute name. */
enum html_content {
	HC_PLAIN,
	HC_CSS,
	HC_HTML,
	HC_HTML_ATTR,
	HC_JS,
	HC_JS_STR,
	HC_URL,
	HC_SRCSET,
	HC_UNSAFE,
};
enum html_content html_attr_type(const char *name, size_t n);

/* Go's stripTags: the text content of an HTML snippet. */
void html_strip_tags(struct buf *out, const char *s, size_t n);

/* Go's decodeCSS: CSS escapes decoded (into out). */
void html_decode_css(struct buf *out, const char *s, size_t n);
int html_is_hex(int c);

/* ----------------------------------------------------------- escapers */

/* Go's escaper functions, in the order escapeAction adds them. */
enum html_escaper {
	HX_ATTR,	  /* _html_template_attrescaper */
	HX_COMMENT,	  /* _html_template_commentescaper */
	HX_CSS,		  /* _html_template_cssescaper */
	HX_CSS_VALUE,	  /* _html_template_cssvaluefilter */
	HX_HTML_NAME,	  /* _html_template_htmlnamefilter */
	HX_HTML,	  /* _html_template_htmlescaper */
	HX_JS_REGEXP,	  /* _html_template_jsregexpescaper */
	HX_JS_STR,	  /* _html_template_jsstrescaper */
	HX_JS_VAL,	  /* _html_template_jsvalescaper */
	HX_NOSPACE,	  /* _html_template_nospaceescaper */
	HX_RCDATA,	  /* _html_template_rcdataescaper */
	HX_SRCSET,	  /* _html_template_srcsetescaper */
	HX_URL_ESC,	  /* _html_template_urlescaper */
	HX_URL_FILTER,	  /* _html_template_urlfilter */
	HX_URL_NORM,	  /* _html_template_urlnormalizer */
	HX_PRED_HTML,	  /* text/template's html, kept from the pipeline */
	HX_PRED_URLQUERY, /* text/template's urlquery, likewise */
	HX_COUNT
};

/* Go's funcMap name of an escaper ("html", "urlquery" for the two
 * predefined ones). */
const char *html_escaper_name(enum html_escaper e);

/*
 * Appends escaper e applied to v (a template value: the pipeline's value
 * when e comes first, else the string the escaper before it made).
 * Returns 0, or -1 with the reason in why (a value JavaScript cannot
 * hold).
 */
int html_escape_value(enum html_escaper e, const struct tmpl_value *v,
		      struct buf *out, struct buf *why);

#endif
