/*
 * tmpl_html_ctx.c - the HTML parser context of html/template: which of
 * HTML text, tag, attribute, URL, CSS or JS a byte of a template falls in,
 * and the transitions that move a context over template text (Go 1.19.8's
 * context.go, transition.go and escapeText).
 *
 * A transition consumes a prefix of its input and returns its length; it
 * only ever looks at template text, never at what actions print, so the
 * context of every action is known before anything runs.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_html_int.h"

/* ------------------------------------------------------------- errors */

struct html_err *html_err_newv(struct html_errs *errs, const struct tnode *node,
			       const struct ttree *tree, const char *fmt,
			       va_list ap)
{
	struct html_err *e = xcalloc(1, sizeof(*e));

	e->node = node;
	e->tree = tree;
	buf_vprintf(&e->desc, fmt, ap);
	e->next = errs->head;
	errs->head = e;
	return e;
}

struct html_err *html_err_new(struct html_errs *errs, const struct tnode *node,
			      const struct ttree *tree, const char *fmt, ...)
{
	struct html_err *e;
	va_list ap;

	va_start(ap, fmt);
	e = html_err_newv(errs, node, tree, fmt, ap);
	va_end(ap);
	return e;
}

void html_errs_free(struct html_errs *errs)
{
	while (errs->head) {
		struct html_err *e = errs->head;

		errs->head = e->next;
		buf_free(&e->desc);
		free(e);
	}
}

struct hctx html_ctx_error(struct html_errs *errs, const char *fmt, ...)
{
	struct hctx c = {.state = HS_ERROR};
	va_list ap;

	va_start(ap, fmt);
	c.err = html_err_newv(errs, NULL, NULL, fmt, ap);
	va_end(ap);
	return c;
}

/* Appends Go's %q of s (a byte slice), cut to prec runes when prec > 0
 * (Go's %.32q). */
static void quote(struct buf *out, const char *s, size_t n, size_t prec)
{
	size_t end = 0, w;

	if (prec == 0) {
		tmpl_quote(out, s, n, 0);
		return;
	}
	for (size_t runes = 0; end < n && runes < prec; runes++) {
		tmpl_utf8_decode(s + end, n - end, &w);
		end += w;
	}
	tmpl_quote(out, s, end, 0);
}

/* ------------------------------------------------------- context names */

static const char *const state_names[] = {
    "stateText",	"stateTag",	 "stateAttrName", "stateAfterName",
    "stateBeforeValue", "stateHTMLCmt",	 "stateRCDATA",	  "stateAttr",
    "stateURL",		"stateSrcset",	 "stateJS",	  "stateJSDqStr",
    "stateJSSqStr",	"stateJSBqStr",	 "stateJSRegexp", "stateJSBlockCmt",
    "stateJSLineCmt",	"stateCSS",	 "stateCSSDqStr", "stateCSSSqStr",
    "stateCSSDqURL",	"stateCSSSqURL", "stateCSSURL",	  "stateCSSBlockCmt",
    "stateCSSLineCmt",	"stateError",	 "stateDead",
};
static const char *const delim_names[] = {
    "delimNone", "delimDoubleQuote", "delimSingleQuote", "delimSpaceOrTagEnd"};
static const char *const url_names[] = {"urlPartNone", "urlPartPreQuery",
					"urlPartQueryOrFrag", "urlPartUnknown"};
static const char *const js_names[] = {"jsCtxRegexp", "jsCtxDivOp",
				       "jsCtxUnknown"};
static const char *const attr_names[] = {"attrNone",	   "attrScript",
					 "attrScriptType", "attrStyle",
					 "attrURL",	   "attrSrcset"};
static const char *const elem_names[] = {"elementNone", "elementScript",
					 "elementStyle", "elementTextarea",
					 "elementTitle"};

int html_ctx_eq(const struct hctx *a, const struct hctx *b)
{
	return a->state == b->state && a->delim == b->delim &&
	       a->url == b->url && a->js == b->js && a->attr == b->attr &&
	       a->elem == b->elem && a->err == b->err;
}

void html_ctx_string(struct buf *out, const struct hctx *c)
{
	buf_printf(out, "{%s %s %s %s %s %s ", state_names[c->state],
		   delim_names[c->delim], url_names[c->url], js_names[c->js],
		   attr_names[c->attr], elem_names[c->elem]);
	if (c->err)
		html_err_string(out, c->err, "");
	else
		buf_puts(out, "<nil>");
	buf_putc(out, '}');
}

void html_ctx_mangle(struct buf *out, const struct hctx *c, const char *name)
{
	buf_puts(out, name);
	if (c->state == HS_TEXT)
		return;
	buf_printf(out, "$htmltemplate_%s", state_names[c->state]);
	if (c->delim != HD_NONE)
		buf_printf(out, "_%s", delim_names[c->delim]);
	if (c->url != HU_NONE)
		buf_printf(out, "_%s", url_names[c->url]);
	if (c->js != HJ_REGEXP)
		buf_printf(out, "_%s", js_names[c->js]);
	if (c->attr != HA_NONE)
		buf_printf(out, "_%s", attr_names[c->attr]);
	if (c->elem != HEL_NONE)
		buf_printf(out, "_%s", elem_names[c->elem]);
}

/* Go's parse.Tree.ErrorContext location: NAME:LINE:COL. */
static void node_location(struct buf *out, const struct html_err *e)
{
	const struct tunit *u = e->tree->unit;
	size_t pos = e->node->pos, col = pos;
	int line = 1;

	for (size_t i = 0; i < pos && i < u->len; i++) {
		if (u->text[i] == '\n') {
			line++;
			col = pos - i - 1;
		}
	}
	buf_printf(out, "%s:%d:%zu", u->parse_name, line, col);
}

void html_err_string(struct buf *out, const struct html_err *e, const char *top)
{
	buf_puts(out, "html/template:");
	if (e->node && e->tree)
		node_location(out, e);
	else if (e->line)
		buf_printf(out, "%s:%d", top, e->line);
	else if (*top)
		buf_puts(out, top);
	else {
		buf_printf(out, " %s", buf_str(&e->desc));
		return;
	}
	buf_printf(out, ": %s", buf_str(&e->desc));
}

int html_is_comment(int state)
{
	switch (state) {
	case HS_HTML_CMT:
	case HS_JS_BLOCK_CMT:
	case HS_JS_LINE_CMT:
	case HS_CSS_BLOCK_CMT:
	case HS_CSS_LINE_CMT:
		return 1;
	default:
		return 0;
	}
}

int html_is_in_tag(int state)
{
	switch (state) {
	case HS_TAG:
	case HS_ATTR_NAME:
	case HS_AFTER_NAME:
	case HS_BEFORE_VALUE:
	case HS_ATTR:
		return 1;
	default:
		return 0;
	}
}

/* -------------------------------------------------------- byte helpers */

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

int html_is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Go's eatWhiteSpace. */
static size_t eat_space(const char *s, size_t n, size_t i)
{
	while (i < n && is_space((unsigned char)s[i]))
		i++;
	return i;
}

/* Index of the first byte of s in set, or n. */
static size_t index_any(const char *s, size_t n, const char *set)
{
	uint8_t in[256] = {0};

	for (; *set; set++)
		in[(unsigned char)*set] = 1;
	for (size_t i = 0; i < n; i++)
		if (in[(unsigned char)s[i]])
			return i;
	return n;
}

static size_t index_of(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(s + i, needle, m) == 0)
			return i;
	return n;
}

static int equal_fold(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

/* ---------------------------------------------------- attribute types */

static const struct {
	const char *name;
	enum html_content type;
} attr_types[] = {
    {"accept", HC_PLAIN},	{"accept-charset", HC_UNSAFE},
    {"action", HC_URL},		{"alt", HC_PLAIN},
    {"archive", HC_URL},	{"async", HC_UNSAFE},
    {"autocomplete", HC_PLAIN}, {"autofocus", HC_PLAIN},
    {"autoplay", HC_PLAIN},	{"background", HC_URL},
    {"border", HC_PLAIN},	{"checked", HC_PLAIN},
    {"cite", HC_URL},		{"challenge", HC_UNSAFE},
    {"charset", HC_UNSAFE},	{"class", HC_PLAIN},
    {"classid", HC_URL},	{"codebase", HC_URL},
    {"cols", HC_PLAIN},		{"colspan", HC_PLAIN},
    {"content", HC_UNSAFE},	{"contenteditable", HC_PLAIN},
    {"contextmenu", HC_PLAIN},	{"controls", HC_PLAIN},
    {"coords", HC_PLAIN},	{"crossorigin", HC_UNSAFE},
    {"data", HC_URL},		{"datetime", HC_PLAIN},
    {"default", HC_PLAIN},	{"defer", HC_UNSAFE},
    {"dir", HC_PLAIN},		{"dirname", HC_PLAIN},
    {"disabled", HC_PLAIN},	{"draggable", HC_PLAIN},
    {"dropzone", HC_PLAIN},	{"enctype", HC_UNSAFE},
    {"for", HC_PLAIN},		{"form", HC_UNSAFE},
    {"formaction", HC_URL},	{"formenctype", HC_UNSAFE},
    {"formmethod", HC_UNSAFE},	{"formnovalidate", HC_UNSAFE},
    {"formtarget", HC_PLAIN},	{"headers", HC_PLAIN},
    {"height", HC_PLAIN},	{"hidden", HC_PLAIN},
    {"high", HC_PLAIN},		{"href", HC_URL},
    {"hreflang", HC_PLAIN},	{"http-equiv", HC_UNSAFE},
    {"icon", HC_URL},		{"id", HC_PLAIN},
    {"ismap", HC_PLAIN},	{"keytype", HC_UNSAFE},
    {"kind", HC_PLAIN},		{"label", HC_PLAIN},
    {"lang", HC_PLAIN},		{"language", HC_UNSAFE},
    {"list", HC_PLAIN},		{"longdesc", HC_URL},
    {"loop", HC_PLAIN},		{"low", HC_PLAIN},
    {"manifest", HC_URL},	{"max", HC_PLAIN},
    {"maxlength", HC_PLAIN},	{"media", HC_PLAIN},
    {"mediagroup", HC_PLAIN},	{"method", HC_UNSAFE},
    {"min", HC_PLAIN},		{"multiple", HC_PLAIN},
    {"name", HC_PLAIN},		{"novalidate", HC_UNSAFE},
    {"open", HC_PLAIN},		{"optimum", HC_PLAIN},
    {"pattern", HC_UNSAFE},	{"placeholder", HC_PLAIN},
    {"poster", HC_URL},		{"profile", HC_URL},
    {"preload", HC_PLAIN},	{"pubdate", HC_PLAIN},
    {"radiogroup", HC_PLAIN},	{"readonly", HC_PLAIN},
    {"rel", HC_UNSAFE},		{"required", HC_PLAIN},
    {"reversed", HC_PLAIN},	{"rows", HC_PLAIN},
    {"rowspan", HC_PLAIN},	{"sandbox", HC_UNSAFE},
    {"spellcheck", HC_PLAIN},	{"scope", HC_PLAIN},
    {"scoped", HC_PLAIN},	{"seamless", HC_PLAIN},
    {"selected", HC_PLAIN},	{"shape", HC_PLAIN},
    {"size", HC_PLAIN},		{"sizes", HC_PLAIN},
    {"span", HC_PLAIN},		{"src", HC_URL},
    {"srcdoc", HC_HTML},	{"srclang", HC_PLAIN},
    {"srcset", HC_SRCSET},	{"start", HC_PLAIN},
    {"step", HC_PLAIN},		{"style", HC_CSS},
    {"tabindex", HC_PLAIN},	{"target", HC_PLAIN},
    {"title", HC_PLAIN},	{"type", HC_UNSAFE},
    {"usemap", HC_URL},		{"value", HC_UNSAFE},
    {"width", HC_PLAIN},	{"wrap", HC_PLAIN},
    {"xmlns", HC_URL},
};

static int contains(const char *s, size_t n, const char *needle)
{
	return index_of(s, n, needle) < n;
}

/* Go's attrType; name is lowercase. */
enum html_content html_attr_type(const char *name, size_t n)
{
	const char *colon = memchr(name, ':', n);

	if (n >= 5 && memcmp(name, "data-", 5) == 0) {
		name += 5;
		n -= 5;
	} else if (colon) {
		if (colon - name == 5 && memcmp(name, "xmlns", 5) == 0)
			return HC_URL;
		n -= (size_t)(colon + 1 - name);
		name = colon + 1;
	}
	for (size_t i = 0; i < ARRAY_LEN(attr_types) && !memchr(name, 0, n);
	     i++)
		if (attr_types[i].name[0] == name[0] &&
		    strncmp(attr_types[i].name, name, n) == 0 &&
		    attr_types[i].name[n] == '\0')
			return attr_types[i].type;
	if (n >= 2 && name[0] == 'o' && name[1] == 'n')
		return HC_JS;
	if (contains(name, n, "src") || contains(name, n, "uri") ||
	    contains(name, n, "url"))
		return HC_URL;
	return HC_PLAIN;
}

/* --------------------------------------------------- HTML transitions */

typedef size_t (*transition_fn)(struct html_errs *errs, struct hctx *c,
				const char *s, size_t n);

/* Go's eatTagName: the end of the tag name at s[i], and its element. */
static size_t eat_tag_name(const char *s, size_t n, size_t i, enum helem *elem)
{
	static const char *const names[] = {NULL, "script", "style", "textarea",
					    "title"};
	size_t j;

	*elem = HEL_NONE;
	if (i == n || !is_alpha((unsigned char)s[i]))
		return i;
	j = i + 1;
	while (j < n) {
		int x = (unsigned char)s[j];

		if (is_alnum(x)) {
			j++;
			continue;
		}
		if ((x == ':' || x == '-') && j + 1 < n &&
		    is_alnum((unsigned char)s[j + 1])) {
			j += 2;
			continue;
		}
		break;
	}
	for (int e = HEL_SCRIPT; e <= HEL_TITLE; e++)
		if (strlen(names[e]) == j - i &&
		    equal_fold(names[e], s + i, j - i))
			*elem = (enum helem)e;
	return j;
}

static size_t t_text(struct html_errs *errs, struct hctx *c, const char *s,
		     size_t n)
{
	size_t k = 0;

	(void)errs;
	for (;;) {
		const char *lt = memchr(s + k, '<', n - k);
		size_t i, j;
		enum helem e;
		int end = 0;

		if (!lt || (size_t)(lt - s) + 1 == n)
			return n;
		i = (size_t)(lt - s);
		if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
			*c = (struct hctx){.state = HS_HTML_CMT};
			return i + 4;
		}
		i++;
		if (s[i] == '/') {
			if (i + 1 == n)
				return n;
			end = 1;
			i++;
		}
		j = eat_tag_name(s, n, i, &e);
		if (j != i) {
			*c = (struct hctx){.state = HS_TAG,
					   .elem = end ? HEL_NONE : e};
			return j;
		}
		k = j;
	}
}

/* Go's eatAttrName: the end of the attribute name at s[i], or n + 1 with
 * an error context set. */
static size_t eat_attr_name(struct html_errs *errs, struct hctx *c,
			    const char *s, size_t n, size_t i)
{
	for (size_t j = i; j < n; j++) {
		struct buf b = {0};

		switch (s[j]) {
		case ' ':
		case '\t':
		case '\n':
		case '\f':
		case '\r':
		case '=':
		case '>':
			return j;
		case '\'':
		case '"':
		case '<':
			quote(&b, s + j, 1, 0);
			buf_puts(&b, " in attribute name: ");
			quote(&b, s, n, 32);
			*c = html_ctx_error(errs, "%s", buf_str(&b));
			buf_free(&b);
			return n + 1;
		default:
			break;
		}
	}
	return n;
}

static uint8_t attr_of_type(enum html_content t)
{
	switch (t) {
	case HC_URL:
		return HA_URL;
	case HC_CSS:
		return HA_STYLE;
	case HC_JS:
		return HA_SCRIPT;
	case HC_SRCSET:
		return HA_SRCSET;
	default:
		return HA_NONE;
	}
}

static const uint8_t element_content[] = {HS_TEXT, HS_JS, HS_CSS, HS_RCDATA,
					  HS_RCDATA};

static size_t t_tag(struct html_errs *errs, struct hctx *c, const char *s,
		    size_t n)
{
	size_t i = eat_space(s, n, 0), j;
	uint8_t attr;
	char *name;

	if (i == n)
		return n;
	if (s[i] == '>') {
		*c = (struct hctx){.state = element_content[c->elem],
				   .elem = c->elem};
		return i + 1;
	}
	j = eat_attr_name(errs, c, s, n, i);
	if (j > n)
		return n;
	if (i == j) {
		struct buf b = {0};

		quote(&b, s + i, n - i, 0);
		*c = html_ctx_error(errs,
				    "expected space, attr name, or end of tag, "
				    "but got %s",
				    buf_str(&b));
		buf_free(&b);
		return n;
	}
	name = xmalloc(j - i + 1);
	for (size_t k = i; k < j; k++)
		name[k - i] = s[k] >= 'A' && s[k] <= 'Z'
				  ? (char)(s[k] + 'a' - 'A')
				  : s[k];
	name[j - i] = '\0';
	if (c->elem == HEL_SCRIPT && j - i == 4 && memcmp(name, "type", 4) == 0)
		attr = HA_SCRIPT_TYPE;
	else
		attr = attr_of_type(html_attr_type(name, j - i));
	free(name);
	*c = (struct hctx){.state = j == n ? HS_ATTR_NAME : HS_AFTER_NAME,
			   .elem = c->elem,
			   .attr = attr};
	return j;
}

static size_t t_attr_name(struct html_errs *errs, struct hctx *c, const char *s,
			  size_t n)
{
	size_t i = eat_attr_name(errs, c, s, n, 0);

	if (i > n)
		return n;
	if (i != n)
		c->state = HS_AFTER_NAME;
	return i;
}

static size_t t_after_name(struct html_errs *errs, struct hctx *c,
			   const char *s, size_t n)
{
	size_t i = eat_space(s, n, 0);

	(void)errs;
	if (i == n)
		return n;
	if (s[i] != '=') {
		c->state = HS_TAG; /* the tag's '>' or a valueless attribute */
		return i;
	}
	c->state = HS_BEFORE_VALUE;
	return i + 1;
}

static const uint8_t attr_start[] = {HS_ATTR, HS_JS,  HS_ATTR,
				     HS_CSS,  HS_URL, HS_SRCSET};

static size_t t_before_value(struct html_errs *errs, struct hctx *c,
			     const char *s, size_t n)
{
	size_t i = eat_space(s, n, 0);
	uint8_t delim = HD_SPACE;

	(void)errs;
	if (i == n)
		return n;
	if (s[i] == '\'') {
		delim = HD_SQ;
		i++;
	} else if (s[i] == '"') {
		delim = HD_DQ;
		i++;
	}
	c->state = attr_start[c->attr];
	c->delim = delim;
	return i;
}

static size_t t_html_cmt(struct html_errs *errs, struct hctx *c, const char *s,
			 size_t n)
{
	size_t i = index_of(s, n, "-->");

	(void)errs;
	if (i == n)
		return n;
	*c = (struct hctx){0};
	return i + 3;
}

/* Go's indexTagEnd: where "</tag" followed by a separator starts, or n. */
static size_t index_tag_end(const char *s, size_t n, const char *tag)
{
	size_t tlen = strlen(tag), res = 0;

	while (n > 0) {
		size_t i = index_of(s, n, "</");

		if (i == n)
			return (size_t)-1;
		s += i + 2;
		n -= i + 2;
		if (tlen <= n && equal_fold(tag, s, tlen)) {
			s += tlen;
			n -= tlen;
			if (n > 0 && strchr("> \t\n\f/", s[0]) && s[0])
				return res + i;
			res += tlen;
		}
		res += i + 2;
	}
	return (size_t)-1;
}

static size_t t_special_tag_end(struct html_errs *errs, struct hctx *c,
				const char *s, size_t n)
{
	static const char *const markers[] = {NULL, "script", "style",
					      "textarea", "title"};

	(void)errs;
	if (c->elem != HEL_NONE) {
		size_t i = index_tag_end(s, n, markers[c->elem]);

		if (i != (size_t)-1) {
			*c = (struct hctx){0};
			return i;
		}
	}
	return n;
}

static size_t t_attr(struct html_errs *errs, struct hctx *c, const char *s,
		     size_t n)
{
	(void)errs, (void)c, (void)s;
	return n;
}

static size_t t_url(struct html_errs *errs, struct hctx *c, const char *s,
		    size_t n)
{
	(void)errs;
	if (index_any(s, n, "#?") < n)
		c->url = HU_QUERY_OR_FRAG;
	else if (n != eat_space(s, n, 0) && c->url == HU_NONE)
		c->url = HU_PRE_QUERY;
	return n;
}

/* ----------------------------------------------------- JS transitions */

static int is_js_ident_part(int c)
{
	return c == '$' || c == '_' || is_alnum(c);
}

/* Go's nextJSCtx: whether a '/' after the tokens in s[0:n] starts a
 * regexp. */
static uint8_t next_js_ctx(const char *s, size_t n, uint8_t preceding)
{
	static const char *const keywords[] = {
	    "break", "case",	"continue", "delete",	  "do",
	    "else",  "finally", "in",	    "instanceof", "return",
	    "throw", "try",	"typeof",   "void",
	};
	int c;

	for (;;) { /* trim "\t\n\f\r \u2028\u2029" on the right */
		if (n > 0 && strchr("\t\n\f\r ", s[n - 1]) && s[n - 1])
			n--;
		else if (n >= 3 && (unsigned char)s[n - 3] == 0xE2 &&
			 (unsigned char)s[n - 2] == 0x80 &&
			 ((unsigned char)s[n - 1] == 0xA8 ||
			  (unsigned char)s[n - 1] == 0xA9))
			n -= 3;
		else
			break;
	}
	if (n == 0)
		return preceding;
	c = (unsigned char)s[n - 1];
	switch (c) {
	case '+':
	case '-': {
		size_t start = n - 1;

		while (start > 0 && s[start - 1] == c)
			start--;
		return ((n - start) & 1) ? HJ_REGEXP : HJ_DIVOP;
	}
	case '.':
		if (n != 1 && s[n - 2] >= '0' && s[n - 2] <= '9')
			return HJ_DIVOP;
		return HJ_REGEXP;
	case ',':
	case '<':
	case '>':
	case '=':
	case '*':
	case '%':
	case '&':
	case '|':
	case '^':
	case '?':
	case '!':
	case '~':
	case '(':
	case '[':
	case ':':
	case ';':
	case '{':
	case '}':
		return HJ_REGEXP;
	default: {
		size_t j = n;

		while (j > 0 && is_js_ident_part((unsigned char)s[j - 1]))
			j--;
		for (size_t k = 0; k < ARRAY_LEN(keywords); k++)
			if (strlen(keywords[k]) == n - j &&
			    memcmp(keywords[k], s + j, n - j) == 0)
				return HJ_REGEXP;
		return HJ_DIVOP;
	}
	}
}

static size_t t_js(struct html_errs *errs, struct hctx *c, const char *s,
		   size_t n)
{
	size_t i = index_any(s, n, "\"`'/");

	if (i == n) {
		c->js = next_js_ctx(s, n, c->js);
		return n;
	}
	c->js = next_js_ctx(s, i, c->js);
	switch (s[i]) {
	case '"':
		c->state = HS_JS_DQ_STR;
		c->js = HJ_REGEXP;
		break;
	case '\'':
		c->state = HS_JS_SQ_STR;
		c->js = HJ_REGEXP;
		break;
	case '`':
		c->state = HS_JS_BQ_STR;
		c->js = HJ_REGEXP;
		break;
	default: /* '/' */
		if (i + 1 < n && s[i + 1] == '/') {
			c->state = HS_JS_LINE_CMT;
			i++;
		} else if (i + 1 < n && s[i + 1] == '*') {
			c->state = HS_JS_BLOCK_CMT;
			i++;
		} else if (c->js == HJ_REGEXP) {
			c->state = HS_JS_REGEXP;
		} else if (c->js == HJ_DIVOP) {
			c->js = HJ_REGEXP;
		} else {
			struct buf b = {0};

			quote(&b, s + i, n - i, 32);
			*c = html_ctx_error(
			    errs, "'/' could start a division or regexp: %s",
			    buf_str(&b));
			buf_free(&b);
			return n;
		}
	}
	return i + 1;
}

static size_t t_js_delimited(struct html_errs *errs, struct hctx *c,
			     const char *s, size_t n)
{
	const char *specials = "\\\"";
	int in_charset = 0;
	size_t k = 0;
	struct buf b = {0};

	if (c->state == HS_JS_SQ_STR)
		specials = "\\'";
	else if (c->state == HS_JS_BQ_STR)
		specials = "`\\";
	else if (c->state == HS_JS_REGEXP)
		specials = "\\/[]";
	for (;;) {
		size_t i = k + index_any(s + k, n - k, specials);

		if (i == n)
			break;
		switch (s[i]) {
		case '\\':
			i++;
			if (i == n) {
				quote(&b, s, n, 0);
				*c =
				    html_ctx_error(errs,
						   "unfinished escape sequence "
						   "in JS string: %s",
						   buf_str(&b));
				buf_free(&b);
				return n;
			}
			break;
		case '[':
			in_charset = 1;
			break;
		case ']':
			in_charset = 0;
			break;
		default: /* the end delimiter */
			if (!in_charset) {
				c->state = HS_JS;
				c->js = HJ_DIVOP;
				return i + 1;
			}
		}
		k = i + 1;
	}
	if (in_charset) {
		quote(&b, s, n, 0);
		*c = html_ctx_error(errs, "unfinished JS regexp charset: %s",
				    buf_str(&b));
		buf_free(&b);
	}
	return n;
}

static size_t t_block_cmt(struct html_errs *errs, struct hctx *c, const char *s,
			  size_t n)
{
	size_t i = index_of(s, n, "*/");

	(void)errs;
	if (i == n)
		return n;
	c->state = c->state == HS_JS_BLOCK_CMT ? HS_JS : HS_CSS;
	return i + 2;
}

static size_t t_line_cmt(struct html_errs *errs, struct hctx *c, const char *s,
			 size_t n)
{
	(void)errs;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (c->state == HS_JS_LINE_CMT) {
			if (ch == '\n' || ch == '\r' ||
			    (ch == 0xE2 && i + 2 < n &&
			     (unsigned char)s[i + 1] == 0x80 &&
			     ((unsigned char)s[i + 2] == 0xA8 ||
			      (unsigned char)s[i + 2] == 0xA9))) {
				c->state = HS_JS;
				return i; /* the terminator is not comment */
			}
		} else if (ch == '\n' || ch == '\f' || ch == '\r') {
			c->state = HS_CSS;
			return i;
		}
	}
	return n;
}

/* ---------------------------------------------------- CSS transitions */

/* Go's isCSSNmchar. */
static int is_css_nmchar(uint32_t r)
{
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
	       (r >= '0' && r <= '9') || r == '-' || r == '_' ||
	       (r >= 0x80 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) ||
	       (r >= 0x10000 && r <= 0x10ffff);
}

/* The last rune of s[0:n] as Go's utf8.DecodeLastRune reads it. */
static uint32_t last_rune(const char *s, size_t n)
{
	size_t start = n > 4 ? n - 4 : 0, w;

	for (size_t i = n; i-- > start;) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			uint32_t r = tmpl_utf8_decode(s + i, n - i, &w);

			return i + w == n ? r : 0xFFFD;
		}
	}
	return 0xFFFD;
}

/* Go's endsWithCSSKeyword(b, "url"). */
static int ends_with_url(const char *s, size_t n)
{
	if (n < 3)
		return 0;
	if (n > 3 && is_css_nmchar(last_rune(s, n - 3)))
		return 0;
	return equal_fold(s + n - 3, "url", 3);
}

static size_t t_css(struct html_errs *errs, struct hctx *c, const char *s,
		    size_t n)
{
	size_t k = 0;

	(void)errs;
	for (;;) {
		size_t i = k + index_any(s + k, n - k, "(\"'/");

		if (i == n)
			return n;
		switch (s[i]) {
		case '(': {
			size_t p = i, j = i + 1;

			while (p > 0 && is_space((unsigned char)s[p - 1]))
				p--;
			if (!ends_with_url(s, p))
				break;
			j = eat_space(s, n, j);
			if (j != n && s[j] == '"') {
				c->state = HS_CSS_DQ_URL;
				j++;
			} else if (j != n && s[j] == '\'') {
				c->state = HS_CSS_SQ_URL;
				j++;
			} else {
				c->state = HS_CSS_URL;
			}
			return j;
		}
		case '/':
			if (i + 1 < n && s[i + 1] == '/') {
				c->state = HS_CSS_LINE_CMT;
				return i + 2;
			}
			if (i + 1 < n && s[i + 1] == '*') {
				c->state = HS_CSS_BLOCK_CMT;
				return i + 2;
			}
			break;
		case '"':
			c->state = HS_CSS_DQ_STR;
			return i + 1;
		default: /* '\'' */
			c->state = HS_CSS_SQ_STR;
			return i + 1;
		}
		k = i + 1;
	}
}

/* tURL over the CSS-decoded s[0:n]; returns the decoded length, as Go's
 * tCSSStr uses it. */
static size_t css_url_part(struct html_errs *errs, struct hctx *c,
			   const char *s, size_t n)
{
	struct buf d = {0};
	size_t len;

	html_decode_css(&d, s, n);
	len = t_url(errs, c, d.s ? d.s : "", d.len);
	buf_free(&d);
	return len;
}

static size_t t_css_str(struct html_errs *errs, struct hctx *c, const char *s,
			size_t n)
{
	const char *end_and_esc;
	size_t k = 0;

	switch (c->state) {
	case HS_CSS_DQ_STR:
	case HS_CSS_DQ_URL:
		end_and_esc = "\\\"";
		break;
	case HS_CSS_SQ_STR:
	case HS_CSS_SQ_URL:
		end_and_esc = "\\'";
		break;
	default: /* unquoted url(...) ends at a space or ')' */
		end_and_esc = "\\\t\n\f\r )";
	}
	for (;;) {
		size_t i = k + index_any(s + k, n - k, end_and_esc);

		if (i == n)
			return k + css_url_part(errs, c, s + k, n - k);
		if (s[i] == '\\') {
			i++;
			if (i == n) {
				struct buf b = {0};

				quote(&b, s, n, 0);
				*c =
				    html_ctx_error(errs,
						   "unfinished escape sequence "
						   "in CSS string: %s",
						   buf_str(&b));
				buf_free(&b);
				return n;
			}
		} else {
			c->state = HS_CSS;
			return i + 1;
		}
		css_url_part(errs, c, s, i + 1);
		k = i + 1;
	}
}

static size_t t_error(struct html_errs *errs, struct hctx *c, const char *s,
		      size_t n)
{
	(void)errs, (void)c, (void)s;
	return n;
}

static const transition_fn transitions[] = {
    [HS_TEXT] = t_text,
    [HS_TAG] = t_tag,
    [HS_ATTR_NAME] = t_attr_name,
    [HS_AFTER_NAME] = t_after_name,
    [HS_BEFORE_VALUE] = t_before_value,
    [HS_HTML_CMT] = t_html_cmt,
    [HS_RCDATA] = t_special_tag_end,
    [HS_ATTR] = t_attr,
    [HS_URL] = t_url,
    [HS_SRCSET] = t_url,
    [HS_JS] = t_js,
    [HS_JS_DQ_STR] = t_js_delimited,
    [HS_JS_SQ_STR] = t_js_delimited,
    [HS_JS_BQ_STR] = t_js_delimited,
    [HS_JS_REGEXP] = t_js_delimited,
    [HS_JS_BLOCK_CMT] = t_block_cmt,
    [HS_JS_LINE_CMT] = t_line_cmt,
    [HS_CSS] = t_css,
    [HS_CSS_DQ_STR] = t_css_str,
    [HS_CSS_SQ_STR] = t_css_str,
    [HS_CSS_DQ_URL] = t_css_str,
    [HS_CSS_SQ_URL] = t_css_str,
    [HS_CSS_URL] = t_css_str,
    [HS_CSS_BLOCK_CMT] = t_block_cmt,
    [HS_CSS_LINE_CMT] = t_line_cmt,
    [HS_ERROR] = t_error,
    [HS_DEAD] = t_error,
};

/* ------------------------------------------------ entities (html.Unescape) */

static const struct {
	const char *name; /* with its ';' when it needs one */
	const char *value;
} entities[] = {
    {"AMP", "&"},	   {"AMP;", "&"},	   {"DiacriticalGrave;", "`"},
    {"GT", ">"},	   {"GT;", ">"},	   {"Hat;", "^"},
    {"LT", "<"},	   {"LT;", "<"},	   {"NewLine;", "\n"},
    {"QUOT", "\""},	   {"QUOT;", "\""},	   {"Tab;", "\t"},
    {"UnderBar;", "_"},	   {"VerticalLine;", "|"}, {"amp", "&"},
    {"amp;", "&"},	   {"apos;", "'"},	   {"ast;", "*"},
    {"bsol;", "\\"},	   {"colon;", ":"},	   {"comma;", ","},
    {"commat;", "@"},	   {"dollar;", "$"},	   {"equals;", "="},
    {"excl;", "!"},	   {"fjlig;", "fj"},	   {"grave;", "`"},
    {"gt", ">"},	   {"gt;", ">"},	   {"lbrace;", "{"},
    {"lbrack;", "["},	   {"lcub;", "{"},	   {"lowbar;", "_"},
    {"lpar;", "("},	   {"lsqb;", "["},	   {"lt", "<"},
    {"lt;", "<"},	   {"midast;", "*"},	   {"nbsp", "\xc2\xa0"},
    {"nbsp;", "\xc2\xa0"}, {"num;", "#"},	   {"percnt;", "%"},
    {"period;", "."},	   {"plus;", "+"},	   {"quest;", "?"},
    {"quot", "\""},	   {"quot;", "\""},	   {"rbrace;", "}"},
    {"rbrack;", "]"},	   {"rcub;", "}"},	   {"rpar;", ")"},
    {"rsqb;", "]"},	   {"semi;", ";"},	   {"sol;", "/"},
    {"verbar;", "|"},	   {"vert;", "|"},
};

static const char *entity(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(entities); i++)
		if (strlen(entities[i].name) == n &&
		    memcmp(entities[i].name, name, n) == 0)
			return entities[i].value;
	return NULL;
}

/* Windows-1252 for &#128; to &#159;, as HTML5 (and Go) read them. */
static const uint16_t win1252[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* A numeric reference at s[0:n] ("&#..."); returns the bytes read, 0
 * when there is none. */
static size_t numeric_entity(const char *s, size_t n, struct buf *out)
{
	size_t i = 2;
	uint32_t x = 0; /* wraps as Go's rune arithmetic does */
	int hex = 0;
	int32_t r;

	if (n <= 3)
		return 0;
	if (s[i] == 'x' || s[i] == 'X') {
		hex = 1;
		i++;
	}
	while (i < n) {
		int ch = (unsigned char)s[i++];

		if (hex && html_is_hex(ch)) {
			x = 16 * x + (uint32_t)(ch <= '9'   ? ch - '0'
						: ch >= 'a' ? ch - 'a' + 10
							    : ch - 'A' + 10);
			continue;
		}
		if (!hex && ch >= '0' && ch <= '9') {
			x = 10 * x + (uint32_t)(ch - '0');
			continue;
		}
		if (ch != ';')
			i--;
		break;
	}
	if (i <= 3)
		return 0;
	r = (int32_t)x;
	if (r >= 0x80 && r <= 0x9F)
		r = win1252[r - 0x80];
	else if (r <= 0 || (r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF)
		r = 0xFFFD;
	tmpl_utf8_put(out, (uint32_t)r);
	return i;
}

/* One reference at s[0] == '&' (Go's unescapeEntity, outside attributes);
 * returns the bytes read. */
static size_t unescape_entity(const char *s, size_t n, struct buf *out)
{
	size_t i = 1, got;
	const char *v;

	if (n <= 1) {
		buf_putc(out, '&');
		return 1;
	}
	if (s[1] == '#') {
		if ((got = numeric_entity(s, n, out)) > 0)
			return got;
		buf_putc(out, '&');
		return 1;
	}
	while (i < n) {
		int ch = (unsigned char)s[i++];

		if (is_alnum(ch))
			continue;
		if (ch != ';')
			i--;
		break;
	}
	if (i > 1) {
		if ((v = entity(s + 1, i - 1))) {
			buf_puts(out, v);
			return i;
		}
		/* A longest prefix of up to 6 bytes naming a legacy
		 * reference without ';' ("&ampx"). */
		for (size_t j = i - 2 > 6 ? 6 : i - 2; j > 1; j--) {
			if ((v = entity(s + 1, j))) {
				buf_puts(out, v);
				return j + 1;
			}
		}
	}
	buf_add(out, s, i);
	return i;
}

/* Go's html.UnescapeString, with the named references that decode to
 * ASCII (the only ones that can move a context) and &nbsp;. */
static void html_unescape(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t j = amp ? (size_t)(amp - s) : n;

		buf_add(out, s + i, j - i);
		if (j == n)
			break;
		i = j + unescape_entity(s + j, n - j, out);
	}
}

/* ------------------------------------------------------ text escaping */

static int is_js_type(const char *s, size_t n)
{
	static const char *const types[] = {
	    "application/ecmascript",	"application/javascript",
	    "application/json",		"application/ld+json",
	    "application/x-ecmascript", "module",
	    "application/x-javascript", "text/ecmascript",
	    "text/javascript",		"text/javascript1.0",
	    "text/javascript1.1",	"text/javascript1.2",
	    "text/javascript1.3",	"text/javascript1.4",
	    "text/javascript1.5",	"text/jscript",
	    "text/livescript",		"text/x-ecmascript",
	    "text/x-javascript",
	};
	const char *semi = memchr(s, ';', n);
	size_t start = 0;

	if (semi)
		n = (size_t)(semi - s);
	while (start < n &&
	       (is_space((unsigned char)s[start]) || s[start] == '\v'))
		start++;
	while (n > start &&
	       (is_space((unsigned char)s[n - 1]) || s[n - 1] == '\v'))
		n--;
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (strlen(types[i]) == n - start &&
		    equal_fold(types[i], s + start, n - start))
			return 1;
	return 0;
}

/* A transition that made no progress from a context it stays in would
 * loop forever; Go panics there.  Returns 1 (after making *c an error)
 * when that happened. */
static int stuck(struct html_errs *errs, struct hctx *c,
		 const struct hctx *before, size_t nread)
{
	if (nread > 0 || c->state != before->state)
		return 0;
	*c = html_ctx_error(errs, "no progress escaping text in %s",
			    state_names[before->state]);
	return 1;
}

/* Inside an attribute value: runs the transitions over the decoded value
 * (so &quot; in onclick counts as a quote). */
static void attr_value_transitions(struct html_errs *errs, struct hctx *c,
				   const char *s, size_t n)
{
	struct buf u = {0};
	size_t i = 0;

	html_unescape(&u, s, n);
	while (i < u.len) {
		struct hctx before = *c;
		size_t nread =
		    transitions[c->state](errs, c, u.s + i, u.len - i);

		if (stuck(errs, c, &before, nread))
			break;
		i += nread;
	}
	buf_free(&u);
}

/* Go's contextAfterText: moves *c over a prefix of s and returns its
 * length. */
static size_t context_after_text(struct html_errs *errs, struct hctx *c,
				 const char *s, size_t n)
{
	static const char *const delim_ends[] = {"", "\"", "'", " \t\n\f\r>"};
	uint8_t elem;
	size_t i, j;

	if (c->delim == HD_NONE) {
		struct hctx c1 = *c;

		i = t_special_tag_end(errs, &c1, s, n);
		if (i == 0) {
			*c = c1; /* a "</script" ends the body here */
			return 0;
		}
		return transitions[c->state](errs, c, s, i);
	}
	i = index_any(s, n, delim_ends[c->delim]);
	if (c->delim == HD_SPACE && (j = index_any(s, i, "\"'<=`")) < i) {
		struct buf b = {0};

		quote(&b, s + j, 1, 0);
		buf_puts(&b, " in unquoted attr: ");
		quote(&b, s, i, 0);
		*c = html_ctx_error(errs, "%s", buf_str(&b));
		buf_free(&b);
		return n;
	}
	if (i == n) {
		attr_value_transitions(errs, c, s, n);
		return n;
	}
	elem = c->elem;
	if (c->state == HS_ATTR && c->elem == HEL_SCRIPT &&
	    c->attr == HA_SCRIPT_TYPE && !is_js_type(s, i))
		elem = HEL_NONE; /* <script type="text/template"> is no JS */
	if (c->delim != HD_SPACE)
		i++; /* the closing quote */
	*c = (struct hctx){.state = HS_TAG, .elem = elem};
	return i;
}

/* Does s[0:n] contain a JS line terminator? */
static int has_line_end(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			return 1;
		if ((unsigned char)s[i] == 0xE2 && i + 2 < n &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xA8 ||
		     (unsigned char)s[i + 2] == 0xA9))
			return 1;
	}
	return 0;
}

/* In text or RCDATA, writes s[i:end] with every '<' that starts no
 * doctype as "&lt;"; returns the new written mark. */
static size_t escape_lt(const char *s, size_t n, size_t i, size_t end,
			size_t written, struct buf *out)
{
	for (size_t j = i; j < end; j++) {
		if (s[j] != '<' ||
		    (n - j >= 9 && equal_fold(s + j, "<!DOCTYPE", 9)))
			continue;
		if (out) {
			buf_add(out, s + written, j - written);
			buf_puts(out, "&lt;");
		}
		written = j + 1;
	}
	return written;
}

void html_escape_text(struct html_errs *errs, struct hctx *c, const char *s,
		      size_t n, struct buf *out)
{
	size_t i = 0, written = 0;

	while (i != n) {
		struct hctx c1 = *c;
		size_t i1 = i + context_after_text(errs, &c1, s + i, n - i);

		if (c->state == HS_TEXT || c->state == HS_RCDATA) {
			size_t end = i1;

			if (c1.state != c->state)
				for (size_t j = i1; j-- > i;)
					if (s[j] == '<') {
						end = j;
						break;
					}
			written = escape_lt(s, n, i, end, written, out);
		} else if (html_is_comment(c->state) && c->delim == HD_NONE) {
			if (out && c->state == HS_JS_BLOCK_CMT)
				buf_putc(out,
					 has_line_end(s + written, i1 - written)
					     ? '\n'
					     : ' ');
			else if (out && c->state == HS_CSS_BLOCK_CMT)
				buf_putc(out, ' ');
			written = i1;
		}
		if (c->state != c1.state && html_is_comment(c1.state) &&
		    c1.delim == HD_NONE) {
			/* keep what precedes the comment opener */
			size_t cs = i1 - (c1.state == HS_HTML_CMT ? 4 : 2);

			if (out && cs > written) /* else a context no
						  * template reaches */
				buf_add(out, s + written, cs - written);
			written = i1;
		}
		if (i == i1 && c->state == c1.state) {
			*c = html_ctx_error(errs,
					    "no progress escaping text "
					    "in %s",
					    state_names[c->state]);
			return;
		}
		*c = c1;
		i = i1;
	}
	if (out && (!html_is_comment(c->state) || c->delim != HD_NONE))
		buf_add(out, s + written, n - written);
}

/* ------------------------------------------------------------ stripTags */

void html_strip_tags(struct buf *out, const char *s, size_t n)
{
	static const char *const delim_ends[] = {"", "\"", "'", " \t\n\f\r>"};
	struct html_errs errs = {0};
	struct hctx c = {0};
	size_t i = 0, start = out->len;
	int all_text = 1;

	while (i != n) {
		if (c.delim == HD_NONE) {
			struct hctx d = c;
			uint8_t st = c.state;
			size_t i1;

			if (c.elem != HEL_NONE && !html_is_in_tag(st))
				st = HS_RCDATA; /* no JS or CSS parsing */
			i1 = i + transitions[st](&errs, &d, s + i, n - i);
			if (c.state == HS_TEXT || c.state == HS_RCDATA) {
				size_t j = i1;

				if (d.state != c.state)
					for (size_t j1 = i1; j1-- > i;)
						if (s[j1] == '<') {
							j = j1;
							break;
						}
				buf_add(out, s + i, j - i);
			} else {
				all_text = 0;
			}
			if (i1 == i && d.state == c.state)
				break; /* Go would loop; nothing more to strip
					*/
			c = d;
			i = i1;
			continue;
		} else {
			size_t i1 =
			    i + index_any(s + i, n - i, delim_ends[c.delim]);

			if (i1 == n)
				break;
			if (c.delim != HD_SPACE)
				i1++;
			c = (struct hctx){.state = HS_TAG, .elem = c.elem};
			i = i1;
		}
	}
	if (all_text) {
		out->len = start;
		buf_add(out, s, n);
	} else if (c.state == HS_TEXT || c.state == HS_RCDATA) {
		buf_add(out, s + i, n - i);
	}
	html_errs_free(&errs);
}

/* ----------------------------------------------------------- decodeCSS */

static size_t skip_css_space(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	switch (s[0]) {
	case '\t':
	case '\n':
	case '\f':
	case ' ':
		return 1;
	case '\r':
		return n >= 2 && s[1] == '\n' ? 2 : 1;
	default:
		return 0;
	}
}

void html_decode_css(struct buf *out, const char *s, size_t n)
{
	while (n > 0) {
		const char *bs = memchr(s, '\\', n);
		size_t i = bs ? (size_t)(bs - s) : n, w;

		buf_add(out, s, i);
		s += i;
		n -= i;
		if (n < 2)
			break;
		if (html_is_hex((unsigned char)s[1])) {
			size_t j = 2;
			uint32_t r = 0;

			while (j < n && j < 7 &&
			       html_is_hex((unsigned char)s[j]))
				j++;
			for (size_t k = 1; k < j; k++) {
				int ch = (unsigned char)s[k];

				r = r * 16 + (uint32_t)(ch <= '9' ? ch - '0'
							: ch >= 'a'
							    ? ch - 'a' + 10
							    : ch - 'A' + 10);
			}
			if (r > 0x10FFFF) {
				r /= 16;
				j--;
			}
			tmpl_utf8_put(out, r);
			s += j;
			n -= j;
			w = skip_css_space(s, n);
			s += w;
			n -= w;
		} else {
			tmpl_utf8_decode(s + 1, n - 1, &w);
			buf_add(out, s + 1, w);
			s += 1 + w;
			n -= 1 + w;
		}
	}
}
