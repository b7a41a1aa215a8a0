/*
 * tmpl_html_esc.c - Go 1.19.8's html/template escaper functions: what
 * each does to a value printed in HTML text, an attribute, a URL, CSS or
 * JS, byte for byte (html.go, url.go, css.go, js.go, content.go), and the
 * predefined html and urlquery when a pipeline ends in them.
 *
 * A value of a content type (template.HTML from safeHtml, and the other
 * template.* string types should a function make them) is trusted where
 * its type fits: template.HTML passes through in text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_html_int.h"

#define FAILSAFE "ZgotmplZ"

static const char *const escaper_names[HX_COUNT] = {
    [HX_ATTR] = "_html_template_attrescaper",
    [HX_COMMENT] = "_html_template_commentescaper",
    [HX_CSS] = "_html_template_cssescaper",
    [HX_CSS_VALUE] = "_html_template_cssvaluefilter",
    [HX_HTML_NAME] = "_html_template_htmlnamefilter",
    [HX_HTML] = "_html_template_htmlescaper",
    [HX_JS_REGEXP] = "_html_template_jsregexpescaper",
    [HX_JS_STR] = "_html_template_jsstrescaper",
    [HX_JS_VAL] = "_html_template_jsvalescaper",
    [HX_NOSPACE] = "_html_template_nospaceescaper",
    [HX_RCDATA] = "_html_template_rcdataescaper",
    [HX_SRCSET] = "_html_template_srcsetescaper",
    [HX_URL_ESC] = "_html_template_urlescaper",
    [HX_URL_FILTER] = "_html_template_urlfilter",
    [HX_URL_NORM] = "_html_template_urlnormalizer",
    [HX_PRED_HTML] = "html",
    [HX_PRED_URLQUERY] = "urlquery",
};

const char *html_escaper_name(enum html_escaper e)
{
	return escaper_names[e];
}

/* ------------------------------------------------------ content types */

static const struct {
	const char *type;
	enum html_content content;
} content_types[] = {
    {"template.CSS", HC_CSS},
    {"template.HTML", HC_HTML},
    {"template.HTMLAttr", HC_HTML_ATTR},
    {"template.JS", HC_JS},
    {"template.JSStr", HC_JS_STR},
    {"template.URL", HC_URL},
    {"template.Srcset", HC_SRCSET},
};

static enum html_content content_of(const struct tmpl_value *v)
{
	if (v->kind != TMPL_STRING || !v->cls)
		return HC_PLAIN;
	if (v->cls == &tmpl_html_class)
		return HC_HTML;
	for (size_t i = 0; i < ARRAY_LEN(content_types); i++)
		if (strcmp(v->cls->type, content_types[i].type) == 0)
			return content_types[i].content;
	return HC_PLAIN;
}

/* Go's stringify for one argument: appends its text and returns its
 * content type.  nil is skipped (prints nothing), as Go does since 1.11. */
static enum html_content stringify(const struct tmpl_value *v, struct buf *out)
{
	if (v->kind == TMPL_NIL)
		return HC_PLAIN;
	if (v->kind == TMPL_STRING) {
		buf_add(out, v->u.str.s, v->u.str.len);
		return content_of(v);
	}
	tmpl_print(out, v);
	return HC_PLAIN;
}

/* ------------------------------------------------------------- HTML */

static const char *const html_table[128] = {
    [0] = "\xef\xbf\xbd", ['"'] = "&#34;", ['&'] = "&amp;", ['\''] = "&#39;",
    ['+'] = "&#43;",	  ['<'] = "&lt;",  ['>'] = "&gt;",
};
static const char *const html_norm_table[128] = {
    [0] = "\xef\xbf\xbd", ['"'] = "&#34;", ['\''] = "&#39;",
    ['+'] = "&#43;",	  ['<'] = "&lt;",  ['>'] = "&gt;",
};
static const char *const nospace_table[128] = {
    [0] = "&#xfffd;", ['\t'] = "&#9;",	['\n'] = "&#10;", ['\v'] = "&#11;",
    ['\f'] = "&#12;", ['\r'] = "&#13;", [' '] = "&#32;",  ['"'] = "&#34;",
    ['&'] = "&amp;",  ['\''] = "&#39;", ['+'] = "&#43;",  ['<'] = "&lt;",
    ['='] = "&#61;",  ['>'] = "&gt;",	['`'] = "&#96;",
};
static const char *const nospace_norm_table[128] = {
    [0] = "&#xfffd;", ['\t'] = "&#9;",	['\n'] = "&#10;", ['\v'] = "&#11;",
    ['\f'] = "&#12;", ['\r'] = "&#13;", [' '] = "&#32;",  ['"'] = "&#34;",
    ['\''] = "&#39;", ['+'] = "&#43;",	['<'] = "&lt;",	  ['='] = "&#61;",
    ['>'] = "&gt;",   ['`'] = "&#96;",
};

/* Go's htmlReplacer: bad_runes lets the noncharacters U+FDD0-U+FDEF and
 * U+FFF0-U+FFFF through (quoted attributes, text). */
static void html_replace(struct buf *out, const char *s, size_t n,
			 const char *const table[128], int bad_runes)
{
	size_t w;

	for (size_t i = 0; i < n; i += w) {
		uint32_t r = tmpl_utf8_decode(s + i, n - i, &w);

		if (r < 128 && table[r])
			buf_puts(out, table[r]);
		else if (!bad_runes && ((r >= 0xfdd0 && r <= 0xfdef) ||
					(r >= 0xfff0 && r <= 0xffff)))
			buf_printf(out, "&#x%x;", (unsigned)r);
		else
			buf_add(out, s + i, w);
	}
}

static void esc_html(struct buf *out, const char *s, size_t n,
		     enum html_content t)
{
	if (t == HC_HTML)
		buf_add(out, s, n);
	else
		html_replace(out, s, n, html_table, 1);
}

static void esc_rcdata(struct buf *out, const char *s, size_t n,
		       enum html_content t)
{
	html_replace(out, s, n, t == HC_HTML ? html_norm_table : html_table, 1);
}

static void esc_attr(struct buf *out, const char *s, size_t n,
		     enum html_content t)
{
	struct buf text = {0};

	if (t != HC_HTML) {
		html_replace(out, s, n, html_table, 1);
		return;
	}
	html_strip_tags(&text, s, n);
	html_replace(out, buf_str(&text), text.len, html_norm_table, 1);
	buf_free(&text);
}

static void esc_nospace(struct buf *out, const char *s, size_t n,
			enum html_content t)
{
	struct buf text = {0};

	if (t != HC_HTML) {
		html_replace(out, s, n, nospace_table, 0);
		return;
	}
	html_strip_tags(&text, s, n);
	html_replace(out, buf_str(&text), text.len, nospace_norm_table, 0);
	buf_free(&text);
}

/* Go's htmlNameFilter: an attribute name made of [0-9a-z] that is no
 * URL, script or style attribute, else ZgotmplZ. */
static void esc_html_name(struct buf *out, const char *s, size_t n,
			  enum html_content t)
{
	struct buf lower = {0};
	size_t w;

	if (t == HC_HTML_ATTR) {
		buf_add(out, s, n);
		return;
	}
	for (size_t i = 0; i < n; i += w) {
		uint32_t r = tmpl_utf8_decode(s + i, n - i, &w);

		if (r == 0x212A) /* KELVIN SIGN lowercases to 'k' */
			r = 'k';
		else if (r >= 'A' && r <= 'Z')
			r += 'a' - 'A';
		if (!((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z')))
			goto fail;
		buf_putc(&lower, (char)r);
	}
	if (lower.len == 0 || html_attr_type(lower.s, lower.len) != HC_PLAIN)
		goto fail;
	buf_add(out, lower.s, lower.len);
	buf_free(&lower);
	return;
fail:
	buf_puts(out, FAILSAFE);
	buf_free(&lower);
}

/* -------------------------------------------------------------- URLs */

/* Go's strings.EqualFold(s, lower) for an ASCII word: with Unicode's
 * simple folding, U+017F (long s) is 's' and U+212A (Kelvin) is 'k'. */
static int fold_equal(const char *s, size_t n, const char *lower)
{
	size_t w;

	for (size_t i = 0; i < n; i += w) {
		uint32_t r = tmpl_utf8_decode(s + i, n - i, &w);

		if (r == 0x017F)
			r = 's';
		else if (r == 0x212A)
			r = 'k';
		else if (r >= 'A' && r <= 'Z')
			r += 'a' - 'A';
		if (!*lower || r != (unsigned char)*lower++)
			return 0;
	}
	return *lower == '\0';
}

/* Go's isSafeURL: relative, or http, https or mailto. */
static int is_safe_url(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t p;

	if (!colon)
		return 1;
	p = (size_t)(colon - s);
	if (memchr(s, '/', p))
		return 1;
	return fold_equal(s, p, "http") || fold_equal(s, p, "https") ||
	       fold_equal(s, p, "mailto");
}

static void esc_url_filter(struct buf *out, const char *s, size_t n,
			   enum html_content t)
{
	if (t == HC_URL || is_safe_url(s, n))
		buf_add(out, s, n);
	else
		buf_puts(out, "#" FAILSAFE);
}

/* Go's processURLOnto: percent-encodes all but the unreserved bytes (and,
 * when norm, the reserved ones and existing %XX escapes). */
static void process_url(struct buf *out, const char *s, size_t n, int norm)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			   c == '_' || c == '~';

		if (norm && c != '\0' && strchr("!#$&*+,/:;=?@[]", c))
			keep = 1; /* reserved: kept when normalizing */
		if (norm && c == '%' && i + 2 < n &&
		    html_is_hex((unsigned char)s[i + 1]) &&
		    html_is_hex((unsigned char)s[i + 2]))
			keep = 1; /* an escape already */
		if (keep)
			buf_putc(out, (char)c);
		else
			buf_printf(out, "%%%02x", c);
	}
}

static void esc_url_norm(struct buf *out, const char *s, size_t n,
			 enum html_content t)
{
	(void)t;
	process_url(out, s, n, 1);
}

static void esc_url_esc(struct buf *out, const char *s, size_t n,
			enum html_content t)
{
	process_url(out, s, n, t == HC_URL);
}

static int is_html_space(int c)
{
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int is_html_space_or_alnum(int c)
{
	return is_html_space(c) || (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Go's filterSrcsetElement: one "url metadata" item of s[left:right]. */
static void srcset_element(struct buf *out, const char *s, size_t left,
			   size_t right)
{
	size_t start = left, end = right;

	while (start < right && is_html_space((unsigned char)s[start]))
		start++;
	for (size_t i = start; i < right; i++)
		if (is_html_space((unsigned char)s[i])) {
			end = i;
			break;
		}
	if (is_safe_url(s + start, end - start)) {
		int meta_ok = 1;

		for (size_t i = end; i < right; i++)
			if (!is_html_space_or_alnum((unsigned char)s[i]))
				meta_ok = 0;
		if (meta_ok) {
			buf_add(out, s + left, start - left);
			process_url(out, s + start, end - start, 1);
			buf_add(out, s + end, right - end);
			return;
		}
	}
	buf_puts(out, "#" FAILSAFE);
}

static void esc_srcset(struct buf *out, const char *s, size_t n,
		       enum html_content t)
{
	size_t written = 0;

	if (t == HC_SRCSET) {
		buf_add(out, s, n);
		return;
	}
	if (t == HC_URL) {
		struct buf b = {0};

		process_url(&b, s, n, 1);
		for (size_t i = 0; i < b.len; i++) {
			if (b.s[i] == ',')
				buf_puts(out, "%2c");
			else
				buf_putc(out, b.s[i]);
		}
		buf_free(&b);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',') {
			srcset_element(out, s, written, i);
			buf_putc(out, ',');
			written = i + 1;
		}
	srcset_element(out, s, written, n);
}

/* --------------------------------------------------------------- CSS */

static const char *const css_table[128] = {
    [0] = "\\0",     ['\t'] = "\\9", ['\n'] = "\\a", ['\f'] = "\\c",
    ['\r'] = "\\d",  ['"'] = "\\22", ['&'] = "\\26", ['\''] = "\\27",
    ['('] = "\\28",  [')'] = "\\29", ['+'] = "\\2b", ['/'] = "\\2f",
    [':'] = "\\3a",  [';'] = "\\3b", ['<'] = "\\3c", ['>'] = "\\3e",
    ['\\'] = "\\\\", ['{'] = "\\7b", ['}'] = "\\7d",
};

static int is_css_space(int c)
{
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static void esc_css(struct buf *out, const char *s, size_t n,
		    enum html_content t)
{
	size_t w;

	(void)t;
	for (size_t i = 0; i < n; i += w) {
		uint32_t r = tmpl_utf8_decode(s + i, n - i, &w);
		size_t next = i + w;

		if (r >= 128 || !css_table[r]) {
			buf_add(out, s + i, w);
			continue;
		}
		buf_puts(out, css_table[r]);
		/* a space ends the escape before a hex digit or a space */
		if (r != '\\' &&
		    (next == n || html_is_hex((unsigned char)s[next]) ||
		     is_css_space((unsigned char)s[next])))
			buf_putc(out, ' ');
	}
}

static int contains_fold(const char *s, size_t n, const char *word)
{
	size_t m = strlen(word);

	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;

		while (k < m && (s[i + k] | 0x20) == word[k])
			k++;
		if (k == m)
			return 1;
	}
	return 0;
}

/* Go's cssValueFilter: a CSS value that cannot break out of its
 * declaration (10px, #888, bold), decoded, or ZgotmplZ. */
static void esc_css_value(struct buf *out, const char *s, size_t n,
			  enum html_content t)
{
	struct buf b = {0}, id = {0};

	if (t == HC_CSS) {
		buf_add(out, s, n);
		return;
	}
	html_decode_css(&b, s, n);
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.s[i];

		if (c == 0 || strchr("\"'()/;@[\\]`{}", c))
			goto fail;
		if (c == '-' && i != 0 && b.s[i - 1] == '-')
			goto fail;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')
			buf_putc(&id, (char)c);
	}
	if (contains_fold(buf_str(&id), id.len, "expression") ||
	    contains_fold(buf_str(&id), id.len, "mozbinding"))
		goto fail;
	buf_add(out, b.s, b.len);
	goto out;
fail:
	buf_puts(out, FAILSAFE);
out:
	buf_free(&b);
	buf_free(&id);
}

/* ---------------------------------------------------------------- JS */

static const char *const js_str_table[128] = {
    [0] = "\\u0000",	['\t'] = "\\t",	   ['\n'] = "\\n",
    ['\v'] = "\\u000b", ['\f'] = "\\f",	   ['\r'] = "\\r",
    ['"'] = "\\u0022",	['`'] = "\\u0060", ['&'] = "\\u0026",
    ['\''] = "\\u0027", ['+'] = "\\u002b", ['/'] = "\\/",
    ['<'] = "\\u003c",	['>'] = "\\u003e", ['\\'] = "\\\\",
};
static const char *const js_str_norm_table[128] = {
    [0] = "\\u0000",	['\t'] = "\\t",	   ['\n'] = "\\n",
    ['\v'] = "\\u000b", ['\f'] = "\\f",	   ['\r'] = "\\r",
    ['"'] = "\\u0022",	['`'] = "\\u0060", ['&'] = "\\u0026",
    ['\''] = "\\u0027", ['+'] = "\\u002b", ['/'] = "\\/",
    ['<'] = "\\u003c",	['>'] = "\\u003e",
};
static const char *const js_regexp_table[128] = {
    [0] = "\\u0000",	['\t'] = "\\t",	   ['\n'] = "\\n",
    ['\v'] = "\\u000b", ['\f'] = "\\f",	   ['\r'] = "\\r",
    ['"'] = "\\u0022",	['$'] = "\\$",	   ['&'] = "\\u0026",
    ['\''] = "\\u0027", ['('] = "\\(",	   [')'] = "\\)",
    ['*'] = "\\*",	['+'] = "\\u002b", ['-'] = "\\-",
    ['.'] = "\\.",	['/'] = "\\/",	   ['<'] = "\\u003c",
    ['>'] = "\\u003e",	['?'] = "\\?",	   ['['] = "\\[",
    ['\\'] = "\\\\",	[']'] = "\\]",	   ['^'] = "\\^",
    ['{'] = "\\{",	['|'] = "\\|",	   ['}'] = "\\}",
};

/* Go's replace: the table's escapes, and U+2028/U+2029 as \u2028. */
static void js_replace(struct buf *out, const char *s, size_t n,
		       const char *const table[128])
{
	size_t w;

	for (size_t i = 0; i < n; i += w) {
		uint32_t r = tmpl_utf8_decode(s + i, n - i, &w);

		if (r < 128 && table[r])
			buf_puts(out, table[r]);
		else if (r == 0x2028 || r == 0x2029)
			buf_printf(out, "\\u%04x", (unsigned)r);
		else
			buf_add(out, s + i, w);
	}
}

static void esc_js_str(struct buf *out, const char *s, size_t n,
		       enum html_content t)
{
	js_replace(out, s, n,
		   t == HC_JS_STR ? js_str_norm_table : js_str_table);
}

static void esc_js_regexp(struct buf *out, const char *s, size_t n,
			  enum html_content t)
{
	size_t start = out->len;

	(void)t;
	js_replace(out, s, n, js_regexp_table);
	if (out->len == start)
		buf_puts(out, "(?:)"); /* "//" would start a comment */
}

static void esc_comment(struct buf *out, const char *s, size_t n,
			enum html_content t)
{
	(void)out, (void)s, (void)n, (void)t;
}

/* Appends s as Go's encoding/json writes a string (HTML-safe). */
static void json_string(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t w;

	buf_putc(out, '"');
	for (size_t i = 0; i < n; i += w) {
		unsigned char b = (unsigned char)s[i];
		uint32_t r;

		w = 1;
		if (b < 0x80) {
			if (b >= 0x20 && !strchr("\"\\<>&", b))
				buf_putc(out, (char)b);
			else if (b == '"' || b == '\\')
				buf_printf(out, "\\%c", b);
			else if (b == '\n')
				buf_puts(out, "\\n");
			else if (b == '\r')
				buf_puts(out, "\\r");
			else if (b == '\t')
				buf_puts(out, "\\t");
			else
				buf_printf(out, "\\u00%c%c", hex[b >> 4],
					   hex[b & 15]);
			continue;
		}
		r = tmpl_utf8_decode(s + i, n - i, &w);
		if (r == 0xFFFD && w == 1)
			buf_puts(out, "\\ufffd");
		else if (r == 0x2028 || r == 0x2029)
			buf_printf(out, "\\u%04x", (unsigned)r);
		else
			buf_add(out, s + i, w);
	}
	buf_putc(out, '"');
}

/* Go's encoding/json float64: 'f', or 'e' far from 1, e-09 as e-9. */
static void json_float(struct buf *out, double f)
{
	double a = fabs(f);
	char verb = a != 0 && (a < 1e-6 || a >= 1e21) ? 'e' : 'f';
	size_t start = out->len, n;

	tmpl_format_float(out, f, verb, -1);
	n = out->len - start;
	if (verb == 'e' && n >= 4 && out->s[out->len - 4] == 'e' &&
	    out->s[out->len - 3] == '-' && out->s[out->len - 2] == '0') {
		out->s[out->len - 2] = out->s[out->len - 1];
		out->len--;
		out->s[out->len] = '\0';
	}
}

static int json_object(struct buf *out, const struct tmpl_value *v,
		       struct buf *why);

/* Appends v as JSON; returns 0, or -1 with Go's json error in why (a NaN),
 * or -2 with Tocsin's reason in why (a type it cannot encode). */
static int json_value(struct buf *out, const struct tmpl_value *v,
		      struct buf *why)
{
	int rc;

	switch (v->kind) {
	case TMPL_NIL:
		buf_puts(out, "null");
		return 0;
	case TMPL_BOOL:
		buf_puts(out, v->u.b ? "true" : "false");
		return 0;
	case TMPL_INT:
		buf_printf(out, "%lld", (long long)v->u.i);
		return 0;
	case TMPL_FLOAT:
		if (isnan(v->u.f) || isinf(v->u.f)) {
			buf_puts(why, "json: unsupported value: ");
			tmpl_format_float(why, v->u.f, 'g', -1);
			return -1;
		}
		json_float(out, v->u.f);
		return 0;
	case TMPL_STRING:
		json_string(out, v->u.str.s, v->u.str.len);
		return 0;
	case TMPL_LIST:
		buf_putc(out, '[');
		for (size_t i = 0; i < v->u.list.n; i++) {
			if (i)
				buf_putc(out, ',');
			if ((rc = json_value(out, v->u.list.v[i], why)) < 0)
				return rc;
		}
		buf_putc(out, ']');
		return 0;
	case TMPL_MAP:
		buf_putc(out, '{');
		for (size_t i = 0; i < v->u.map.n; i++) {
			if (i)
				buf_putc(out, ',');
			json_string(out, v->u.map.v[i].key,
				    strlen(v->u.map.v[i].key));
			buf_putc(out, ':');
			if ((rc = json_value(out, v->u.map.v[i].value, why)) <
			    0)
				return rc;
		}
		buf_putc(out, '}');
		return 0;
	default:
		return json_object(out, v, why);
	}
}

/* The JSON keys of a struct type's fields: Alertmanager's json tags are
 * the field names with a lowercase first letter; Pair has none. */
static int json_key_style(const char *type)
{
	if (strcmp(type, "template.Data") == 0 ||
	    strcmp(type, "template.Alert") == 0)
		return 1;
	if (strcmp(type, "template.Pair") == 0)
		return 0;
	return -1;
}

/* A time.Time (MarshalJSON: RFC 3339 with nanoseconds) or one of
 * Alertmanager's structs. */
static int json_object(struct buf *out, const struct tmpl_value *v,
		       struct buf *why)
{
	static const char rfc3339nano[] = "2006-01-02T15:04:05.999999999Z07:00";
	const struct tmpl_gotime *t = tmpl_gotime_of(v);
	int style = v->kind == TMPL_OBJECT && v->cls
			? json_key_style(v->cls->type)
			: -1;
	int rc;

	if (t) {
		buf_putc(out, '"');
		tmpl_gotime_format(out, t, rfc3339nano,
				   sizeof(rfc3339nano) - 1);
		buf_putc(out, '"');
		return 0;
	}
	if (style >= 0) {
		buf_putc(out, '{');
		for (size_t i = 0; i < v->u.obj.n; i++) {
			const char *name = v->u.obj.v[i].name;

			buf_puts(out, i ? ",\"" : "\"");
			if (style == 1 && name[0] >= 'A' && name[0] <= 'Z') {
				buf_putc(out, (char)(name[0] + 'a' - 'A'));
				name++;
			}
			buf_printf(out, "%s\":", name);
			if ((rc = json_value(out, v->u.obj.v[i].value, why)) <
			    0)
				return rc;
		}
		buf_putc(out, '}');
		return 0;
	}
	{
		buf_printf(why,
			   "cannot write a value of type %s in a script "
			   "context (Tocsin writes strings, numbers, "
			   "booleans, lists, maps, times and Alertmanager's "
			   "data there)",
			   tmpl_type_name(v));
		return -2;
	}
}

static int is_js_ident_part(uint32_t r)
{
	return r == '$' || r == '_' || (r >= '0' && r <= '9') ||
	       (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
}

/* Go's jsValEscaper: v as a JS expression (JSON), padded with spaces
 * when it starts or ends like an identifier or number. */
static int esc_js_val(struct buf *out, const struct tmpl_value *v,
		      struct buf *why)
{
	enum html_content t = content_of(v);
	struct buf json = {0}, err = {0};
	struct tmpl_value *str = NULL;
	int rc, pad;
	size_t w;

	if (t == HC_JS) {
		buf_add(out, v->u.str.s, v->u.str.len);
		return 0;
	}
	if (t == HC_JS_STR) {
		buf_putc(out, '"');
		buf_add(out, v->u.str.s, v->u.str.len);
		buf_putc(out, '"');
		return 0;
	}
	if (v->kind == TMPL_OBJECT && v->cls && v->cls->print &&
	    !tmpl_gotime_of(v)) { /* a fmt.Stringer, not a json.Marshaler */
		struct buf b = {0};

		v->cls->print(v, &b);
		str = tmpl_stringn(buf_str(&b), b.len);
		buf_free(&b);
		v = str;
	}
	rc = json_value(&json, v, &err);
	tmpl_unref(str);
	if (rc == -2) {
		buf_add(why, err.s, err.len);
		buf_free(&err);
		buf_free(&json);
		return -1;
	}
	if (rc == -1) { /* Go writes the error as a comment */
		buf_puts(out, " /* ");
		for (size_t i = 0; i < err.len; i++) {
			if (err.s[i] == '*' && i + 1 < err.len &&
			    err.s[i + 1] == '/')
				buf_puts(out, "* ");
			else
				buf_putc(out, err.s[i]);
		}
		buf_puts(out, " */null ");
		buf_free(&err);
		buf_free(&json);
		return 0;
	}
	pad = is_js_ident_part(tmpl_utf8_decode(json.s, json.len, &w)) ||
	      is_js_ident_part((unsigned char)json.s[json.len - 1]);
	if (pad)
		buf_putc(out, ' ');
	buf_add(out, json.s, json.len);
	if (pad)
		buf_putc(out, ' ');
	buf_free(&json);
	return 0;
}

/* ---------------------------------------------------------- predefined */

/* text/template's evalArgs for one argument: a plain string as is, nil
 * as "<no value>", anything else as fmt.Sprint prints it. */
static void eval_arg(struct buf *out, const struct tmpl_value *v)
{
	if (v->kind == TMPL_NIL)
		buf_puts(out, "<no value>");
	else if (v->kind == TMPL_STRING)
		buf_add(out, v->u.str.s, v->u.str.len);
	else
		tmpl_print(out, v);
}

/* text/template's HTMLEscapeString. */
static void pred_html(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\0':
			buf_puts(out, "\xef\xbf\xbd");
			break;
		case '"':
			buf_puts(out, "&#34;");
			break;
		case '\'':
			buf_puts(out, "&#39;");
			break;
		case '&':
			buf_puts(out, "&amp;");
			break;
		case '<':
			buf_puts(out, "&lt;");
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		default:
			buf_putc(out, s[i]);
		}
	}
}

/* ------------------------------------------------------------ dispatch */

typedef void (*string_escaper)(struct buf *out, const char *s, size_t n,
			       enum html_content t);

static const string_escaper string_escapers[HX_COUNT] = {
    [HX_ATTR] = esc_attr,
    [HX_COMMENT] = esc_comment,
    [HX_CSS] = esc_css,
    [HX_CSS_VALUE] = esc_css_value,
    [HX_HTML_NAME] = esc_html_name,
    [HX_HTML] = esc_html,
    [HX_JS_REGEXP] = esc_js_regexp,
    [HX_JS_STR] = esc_js_str,
    [HX_NOSPACE] = esc_nospace,
    [HX_RCDATA] = esc_rcdata,
    [HX_SRCSET] = esc_srcset,
    [HX_URL_ESC] = esc_url_esc,
    [HX_URL_FILTER] = esc_url_filter,
    [HX_URL_NORM] = esc_url_norm,
};

int html_escape_value(enum html_escaper e, const struct tmpl_value *v,
		      struct buf *out, struct buf *why)
{
	struct buf s = {0};
	enum html_content t;

	switch (e) {
	case HX_JS_VAL:
		return esc_js_val(out, v, why);
	case HX_PRED_HTML:
		eval_arg(&s, v);
		pred_html(out, buf_str(&s), s.len);
		break;
	case HX_PRED_URLQUERY:
		eval_arg(&s, v);
		tmpl_query_escape(out, buf_str(&s), s.len);
		break;
	default:
		t = stringify(v, &s);
		string_escapers[e](out, buf_str(&s), s.len, t);
	}
	buf_free(&s);
	return 0;
}
