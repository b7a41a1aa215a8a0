/*
 * promapi.c - building instant queries for a Prometheus HTTP API and
 * reading the answers.  The wire format is the one of Prometheus 2.42's
 * web/api/v1 (see ../shared/reference/ruler.md section 4.1); numbers and
 * escapes follow the Go library functions Prometheus and its clients use,
 * so what a Go client would read, this reads the same way.
 */
#include <ctype.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "duration.h"
#include "jscan.h"
#include "promapi.h"

/* Secret files larger than this are refused rather than read. */
#define SECRET_MAX ((size_t)1 << 20)
/* How much of a non-API body an HTTP error quotes. */
#define EXCERPT_MAX 200

/* ============================================================ request */

char *promapi_url(const char *base)
{
	const char *scheme = strstr(base, "://");
	size_t end = strcspn(base, "?#");
	size_t path = scheme ? (size_t)(scheme - base) + 3 : 0;
	size_t keep = end;
	struct buf b = {0};

	if (path > end)
		path = 0;
	path += strcspn(base + path, "/?#"); /* past the authority */
	/* Trailing slashes go; runs of slashes in the path become one, as
	 * path.Join in Go's client cleans them. */
	while (keep > path && base[keep - 1] == '/')
		keep--;
	buf_add(&b, base, path);
	for (size_t i = path; i < keep; i++)
		if (i == path || base[i] != '/' || base[i - 1] != '/')
			buf_putc(&b, base[i]);
	buf_puts(&b, PROMAPI_QUERY_PATH);
	if (base[end] == '?')
		buf_add(&b, base + end, strcspn(base + end, "#"));
	return buf_take(&b);
}

char *promapi_format_time(int64_t ms, char *out, size_t size)
{
	/* Exact from integers, so no float noise ("...123000001"). */
	uint64_t mag = ms < 0 ? 0 - (uint64_t)ms : (uint64_t)ms;
	unsigned frac = (unsigned)(mag % 1000);
	int width = 3;

	while (frac && frac % 10 == 0) {
		frac /= 10;
		width--;
	}
	char tmp[32], *p = tmp + sizeof tmp;
	uint64_t sec = mag / 1000;
	size_t n;

	/* written backwards: every query formats one */
	*--p = '\0';
	if (frac) {
		for (int i = 0; i < width; i++, frac /= 10)
			*--p = (char)('0' + frac % 10);
		*--p = '.';
	}
	do
		*--p = (char)('0' + sec % 10);
	while ((sec /= 10) != 0);
	if (ms < 0)
		*--p = '-';
	if (!size)
		return out;
	n = strlen(p);
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

void promapi_form_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		const unsigned char *run = p;

		/* unreserved bytes are copied as they are, a run at once */
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		       *p == '.' || *p == '~')
			p++;
		if (p > run)
			buf_add(out, run, (size_t)(p - run));
		if (!*p)
			break;
		if (*p == ' ') {
			buf_putc(out, '+');
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};

			buf_add(out, e, 3);
		}
		p++;
	}
}

void promapi_form_append(struct buf *b, const char *expr, int64_t time_ms,
			 int64_t timeout_ms)
{
	char t[PROMAPI_TIME_SIZE];

	buf_puts(b, "query=");
	promapi_form_escape(b, expr);
	buf_puts(b, "&time=");
	buf_puts(b, promapi_format_time(time_ms, t, sizeof t));
	if (timeout_ms > 0) {
		/* model.Duration form ("30s", "1m30s", "1s500ms"), which the
		 * server's parseDuration reads back exactly. */
		buf_puts(b, "&timeout=");
		buf_puts(b, duration_format(timeout_ms, t, sizeof t));
	}
}

/* ------------------------------------------------------------ secrets */

/* Reads at most max bytes of path; returns a new string or NULL with
 * errno set (EFBIG when the file is larger). */
static char *read_capped(const char *path, size_t max)
{
	struct buf b = {0};
	char chunk[4096];
	FILE *f = fopen(path, "rb");
	size_t n;
	int e = 0;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > max) {
			e = EFBIG;
			break;
		}
		buf_add(&b, chunk, n);
	}
	if (!e && ferror(f))
		e = errno ? errno : EIO;
	fclose(f);
	if (e) {
		buf_free(&b);
		errno = e;
		return NULL;
	}
	return buf_take(&b);
}

int promapi_secret_read(const char *path, const char *what, char **out,
			struct buf *err)
{
	char *s = read_capped(path, SECRET_MAX);
	size_t start = 0, len;

	*out = NULL;
	if (!s) {
		buf_printf(err, "unable to read %s file %s: %s", what, path,
			   errno == EFBIG ? "file is larger than 1 MiB"
					  : strerror(errno));
		return -1;
	}
	/* strings.TrimSpace, ASCII part. */
	len = strlen(s);
	while (start < len && isspace((unsigned char)s[start]))
		start++;
	while (len > start && isspace((unsigned char)s[len - 1]))
		len--;
	*out = xstrndup(s + start, len - start);
	free(s);
	return 0;
}

static void base64_put(struct buf *out, const char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		buf_putc(out, tab[v >> 18 & 63]);
		buf_putc(out, tab[v >> 12 & 63]);
		buf_putc(out, i + 1 < n ? tab[v >> 6 & 63] : '=');
		buf_putc(out, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* Returns the inline secret, the file's secret, or "" (a new string in
 * *out either way); -1 when the file cannot be read. */
static int secret(const char *inline_value, const char *file, const char *what,
		  char **out, struct buf *err)
{
	if (file && file[0])
		return promapi_secret_read(file, what, out, err);
	*out = xstrdup(inline_value ? inline_value : "");
	return 0;
}

/* "Basic base64(user:password)", as net/http Request.SetBasicAuth. */
static int basic_value(const struct config_basic_auth *ba, struct buf *v,
		       struct buf *err)
{
	char *pw, *pair;

	if (secret(ba->password, ba->password_file, "basic auth password", &pw,
		   err) == -1)
		return -1;
	pair = xasprintf("%s:%s", ba->username, pw);
	buf_puts(v, "Basic ");
	base64_put(v, pair, strlen(pair));
	free(pair);
	free(pw);
	return 0;
}

int promapi_auth_value(const struct config_http *h, char **value,
		       struct buf *err)
{
	const struct config_authorization *az = h->authorization;
	struct buf v = {0};
	char *cred;

	*value = NULL;
	if (h->basic_auth) {
		if (basic_value(h->basic_auth, &v, err) == -1)
			return -1;
	} else if (az) {
		if (secret(az->credentials, az->credentials_file,
			   "authorization credentials", &cred, err) == -1)
			return -1;
		/* prometheus/common sends nothing for empty credentials. */
		if (cred[0])
			buf_printf(&v, "%s %s", az->type, cred);
		free(cred);
	}
	if (v.len)
		*value = buf_take(&v);
	return 0;
}

/* ------------------------------------------------------------ headers */

struct header {
	const char *name; /* not owned */
	char *value;	  /* owned */
};

struct header_list {
	struct header *v;
	size_t n, cap;
};

/* Sets name (not copied) to value (copied), replacing an entry of the same
 * name in any letter case. */
static void header_set(struct header_list *h, const char *name,
		       const char *value)
{
	for (size_t i = 0; i < h->n; i++) {
		if (strcasecmp(h->v[i].name, name) == 0) {
			free(h->v[i].value);
			h->v[i].value = xstrdup(value);
			return;
		}
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 8;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	h->v[h->n].name = name;
	h->v[h->n].value = xstrdup(value);
	h->n++;
}

static void header_list_free(struct header_list *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].value);
	free(h->v);
}

/* RFC 9110 token characters. */
static int header_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) &&
		    !strchr("!#$%&'*+-.^_`|~", *s))
			return 0;
	return 1;
}

/* httpguts.ValidHeaderFieldValue: no control bytes but tab. */
static int header_value_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

/* Turns the list into curl lines: "Name: value"; an empty value is sent
 * as an empty header ("Name;" to curl), except Expect, whose "Expect:"
 * tells curl not to wait for "100 Continue" on long queries. */
static int header_lines(const struct header_list *h,
			struct promapi_request *req, struct buf *err)
{
	req->headers = xcalloc(h->n, sizeof *req->headers);
	for (size_t i = 0; i < h->n; i++) {
		const struct header *e = &h->v[i];

		if (!header_name_ok(e->name)) {
			buf_puts(err, "invalid header name ");
			buf_quote(err, e->name);
			return -1;
		}
		if (!header_value_ok(e->value)) {
			buf_puts(err, "invalid value for header ");
			buf_quote(err, e->name);
			return -1;
		}
		if (e->value[0])
			req->headers[i] =
			    xasprintf("%s: %s", e->name, e->value);
		else if (strcasecmp(e->name, "Expect") == 0)
			req->headers[i] = xasprintf("%s:", e->name);
		else
			req->headers[i] = xasprintf("%s;", e->name);
		req->nheaders++;
	}
	return 0;
}

/* Defaults, then the configured headers (which replace a default of the
 * same name), then Authorization from basic_auth / authorization (which
 * replaces a configured one). */
static int build_headers(const struct config_datasource *ds,
			 struct promapi_request *req, struct buf *err)
{
	struct header_list h = {0};
	char *auth = NULL;
	int rc = -1;

	header_set(&h, "Content-Type", "application/x-www-form-urlencoded");
	header_set(&h, "Accept", "application/json");
	header_set(&h, "User-Agent", "Tocsin/" TOCSIN_VERSION);
	header_set(&h, "Expect", "");
	for (size_t i = 0; i < ds->nheaders; i++)
		header_set(&h, ds->headers[i].name, ds->headers[i].value);
	if (promapi_auth_value(&ds->http, &auth, err) == -1)
		goto out;
	if (auth)
		header_set(&h, "Authorization", auth);
	rc = header_lines(&h, req, err);
out:
	free(auth);
	header_list_free(&h);
	return rc;
}

int promapi_request_fixed(const struct config_datasource *ds)
{
	const struct config_http *h = &ds->http;

	if (h->basic_auth)
		return !h->basic_auth->password_file ||
		       !h->basic_auth->password_file[0];
	if (h->authorization)
		return !h->authorization->credentials_file ||
		       !h->authorization->credentials_file[0];
	return 1;
}

int promapi_request_build(const struct config_datasource *ds,
			  struct promapi_request *req, struct buf *err)
{
	memset(req, 0, sizeof *req);
	if (!ds->url || !ds->url[0]) {
		buf_puts(err, "no datasource url configured");
		return -1;
	}
	if (build_headers(ds, req, err) == -1) {
		promapi_request_free(req);
		return -1;
	}
	req->url = promapi_url(ds->url);
	return 0;
}

void promapi_request_free(struct promapi_request *req)
{
	if (!req)
		return;
	for (size_t i = 0; i < req->nheaders; i++)
		free(req->headers[i]);
	free(req->headers);
	free(req->url);
	memset(req, 0, sizeof *req);
}

/* ============================================================ response */

int promapi_body_add(struct buf *body, size_t max, const void *p, size_t n,
		     struct buf *err)
{
	if (n > max || body->len > max - n) {
		buf_printf(err, "response exceeds %zu bytes", max);
		return -1;
	}
	if (n)
		buf_add(body, p, n);
	return 0;
}

/* --------------------------------------------------- strconv.ParseFloat */

static int lower(int c)
{
	return c | 0x20;
}

static int is_digit_of(int c, int hex)
{
	return isdigit(c) || (hex && isxdigit(c));
}

/* Go's underscoreOK: an underscore only between digits, or between a base
 * prefix and a digit. */
static int underscore_ok(const char *s)
{
	char saw = '^';
	int hex = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (s[0] == '0' && lower(s[1]) == 'x') {
		s += 2;
		saw = '0';
		hex = 1;
	}
	for (; *s; s++) {
		if (is_digit_of((unsigned char)*s, hex)) {
			saw = '0';
		} else if (*s == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
		} else {
			if (saw == '_')
				return 0;
			saw = '!';
		}
	}
	return saw != '_';
}

/* Go's decimal or hexadecimal float syntax (readFloat): returns 1 when s
 * is a number, with *underscores set when it has digit separators. */
static int float_syntax(const char *p, int *underscores)
{
	int hex = 0, digits = 0;

	*underscores = 0;
	if (*p == '+' || *p == '-')
		p++;
	if (p[0] == '0' && lower(p[1]) == 'x' && p[2]) {
		hex = 1;
		p += 2;
	}
	for (int dot = 0;; p++) {
		if (*p == '.' && !dot)
			dot = 1;
		else if (*p == '_')
			*underscores = 1;
		else if (is_digit_of((unsigned char)*p, hex))
			digits = 1;
		else
			break;
	}
	if (!digits)
		return 0;
	if (*p && lower(*p) == (hex ? 'p' : 'e')) {
		int expdigits = 0;

		p++;
		if (*p == '+' || *p == '-')
			p++;
		for (; isdigit((unsigned char)*p) || *p == '_'; p++) {
			if (*p == '_')
				*underscores = 1;
			else
				expdigits = 1;
		}
		if (!expdigits)
			return 0;
	} else if (hex) {
		return 0; /* a hex mantissa needs a 'p' exponent */
	}
	return *p == '\0';
}

/*
 * The common case, fast: n bytes of [-]digits[.digits] whose digits, as
 * an integer m, are exact in a double (m <= 2^53), over 10^k with k <= 22,
 * also exact.  One IEEE division of exact operands rounds correctly, so
 * *v is what strtod() and Go's ParseFloat give (Clinger's fast path).
 * Returns 1, or 0 when the text is anything else.
 */
static int plain_decimal(const char *p, size_t n, double *v)
{
	static const double pow10[] = {
		1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,
		1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
		1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	const char *end = p + n;
	uint64_t m = 0;
	int neg = 0, ndig = 0, k = 0, dot = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++ndig > 19)
				return 0;
			m = m * 10 + (uint64_t)(*p - '0');
			k += dot;
		} else if (*p == '.' && !dot && ndig) {
			dot = 1;
		} else {
			return 0;
		}
	}
	/* a digit on each side of a dot */
	if (!ndig || (dot && !k) || m > (1ULL << 53) ||
	    k >= (int)ARRAY_LEN(pow10))
		return 0;
	*v = (double)m / pow10[k];
	if (neg)
		*v = -*v;
	return 1;
}

static int parse_float_error(const char *s, const char *why, struct buf *err)
{
	buf_puts(err, "strconv.ParseFloat: parsing ");
	buf_quote(err, s);
	buf_printf(err, ": %s", why);
	return -1;
}

int promapi_parse_value(const char *s, double *v, struct buf *err)
{
	const char *p = s + (*s == '+' || *s == '-');
	char *copy = NULL;
	int underscores, e;

	/* Go's special(): [+-]inf, [+-]infinity, nan - any letter case. */
	if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
		*v = *s == '-' ? -HUGE_VAL : HUGE_VAL;
		return 0;
	}
	if (strcasecmp(s, "nan") == 0) {
		*v = NAN;
		return 0;
	}
	if (!float_syntax(s, &underscores) ||
	    (underscores && !underscore_ok(s)))
		return parse_float_error(s, "invalid syntax", err);
	if (underscores) {
		char *q = copy = xstrdup(s);

		for (const char *c = s; *c; c++)
			if (*c != '_')
				*q++ = *c;
		*q = '\0';
	}
	/* glibc's strtod rounds correctly, as Go does; underflow to zero or
	 * a denormal is not an error in Go, overflow is. */
	errno = 0;
	*v = strtod(copy ? copy : s, NULL);
	e = errno;
	free(copy);
	if (e == ERANGE && isinf(*v))
		return parse_float_error(s, "value out of range", err);
	return 0;
}

/* ------------------------------------------------------ HTTP statuses */

struct status_text {
	int code;
	const char *text;
};

/* net/http status.go */
static const struct status_text status_texts[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Requested Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Entity"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
};

const char *promapi_status_text(long code)
{
	for (size_t i = 0; i < ARRAY_LEN(status_texts); i++)
		if (status_texts[i].code == code)
			return status_texts[i].text;
	return "";
}

/* Drops an incomplete UTF-8 sequence from the end of b. */
static void cut_utf8(struct buf *b)
{
	size_t k = b->len;
	unsigned char lead;
	size_t need;

	while (k > 0 && ((unsigned char)b->s[k - 1] & 0xc0) == 0x80)
		k--;
	if (k == 0)
		return;
	lead = (unsigned char)b->s[k - 1];
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	if (b->len - (k - 1) < need)
		b->len = k - 1;
}

/* Appends the start of a body, white space runs folded to one space,
 * quoted; " (truncated)" when there was more. */
static void put_excerpt(struct buf *err, const char *body, size_t len)
{
	struct buf e = {0};
	size_t i = 0;

	while (i < len && isspace((unsigned char)body[i]))
		i++;
	for (; i < len && e.len < EXCERPT_MAX; i++) {
		unsigned char c = (unsigned char)body[i];

		if (isspace(c)) {
			while (i + 1 < len &&
			       isspace((unsigned char)body[i + 1]))
				i++;
			c = ' ';
		}
		buf_putc(&e, c ? (char)c : ' ');
	}
	if (i < len)
		cut_utf8(&e);
	if (e.len && e.s[e.len - 1] == ' ' && i >= len)
		e.len--;
	if (e.s)
		e.s[e.len] = '\0';
	buf_puts(err, ": ");
	buf_quote(err, buf_str(&e));
	if (i < len)
		buf_puts(err, " (truncated)");
	buf_free(&e);
}

static int http_error(long status, const char *body, size_t len,
		      struct buf *err)
{
	const char *text = promapi_status_text(status);
	size_t i = 0;

	buf_printf(err, "server returned HTTP status %ld%s%s", status,
		   text[0] ? " " : "", text);
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i < len)
		put_excerpt(err, body, len);
	return -1;
}

/* Returns 1 for application/json, any "+json" type and no Content-Type. */
static int json_media_type(const char *ct)
{
	size_t n;

	if (!ct)
		return 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 1;
	return (n == 16 && strncasecmp(ct, "application/json", n) == 0) ||
	       (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0);
}

/* ------------------------------------------------------------ parsing */

PRINTF_LIKE(2, 3)
static int malformed(struct buf *err, const char *fmt, ...)
{
	va_list ap;

	buf_puts(err, "malformed response: ");
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	return -1;
}

/* JSON number of seconds -> ms, as model.Time rounds to milliseconds. */
static int json_time(const json_t *j, int64_t *ms)
{
	double t;

	if (!json_is_number(j))
		return -1;
	t = json_number_value(j) * 1000.0;
	if (!(t > -9.2e18 && t < 9.2e18))
		return -1;
	*ms = llround(t);
	return 0;
}

/* [<time>, "<value>"] as in "value" and scalar results. */
static int parse_pair(const json_t *a, const char *where, double *v, int64_t *t,
		      struct buf *err)
{
	const json_t *val = json_array_get(a, 1);
	struct buf why = {0};

	if (!json_is_array(a) || json_array_size(a) != 2)
		return malformed(err, "%s: want [time, \"value\"]", where);
	if (json_time(json_array_get(a, 0), t) == -1)
		return malformed(err, "%s[0]: invalid time", where);
	if (!json_is_string(val))
		return malformed(err, "%s[1]: value is not a string", where);
	if (promapi_parse_value(json_string_value(val), v, &why) == -1) {
		malformed(err, "%s[1]: %s", where, buf_str(&why));
		buf_free(&why);
		return -1;
	}
	return 0;
}

/* "metric": {"name": "value", ...}; absent or null means no labels, as
 * model.Metric unmarshals it. */
static int parse_metric(const json_t *m, const char *where, struct labels **out,
			struct buf *err)
{
	struct labels_builder b = {0};
	const char *name;
	json_t *value;

	if (m && !json_is_null(m) && !json_is_object(m))
		return malformed(err, "%s.metric: not an object", where);
	json_object_foreach((json_t *)m, name, value)
	{
		if (!json_is_string(value)) {
			labels_builder_free(&b);
			return malformed(err, "%s.metric.%s: not a string",
					 where, name);
		}
		if (!name[0]) {
			labels_builder_free(&b);
			return malformed(
			    err, "%s.metric: \"\" is not a valid label name",
			    where);
		}
		labels_builder_set(&b, name, json_string_value(value));
	}
	*out = labels_builder_build(&b);
	labels_builder_free(&b);
	return 0;
}

/* One element of a vector: {"metric": {...}, "value": [t, "v"]} or
 * {"metric": {...}, "histogram": [t, {...}]}. */
static int parse_sample(const json_t *e, size_t i, struct promapi_sample *s,
			struct buf *err)
{
	char where[64];
	const json_t *value = json_object_get(e, "value");
	const json_t *hist = json_object_get(e, "histogram");

	snprintf(where, sizeof where, "data.result[%zu]", i);
	if (!json_is_object(e))
		return malformed(err, "%s: not an object", where);
	if (parse_metric(json_object_get(e, "metric"), where, &s->labels,
			 err) == -1)
		return -1;
	if (value) {
		snprintf(where, sizeof where, "data.result[%zu].value", i);
		return parse_pair(value, where, &s->value, &s->t_ms, err);
	}
	if (!hist)
		return malformed(err, "%s: no value", where);
	if (!json_is_array(hist) || json_array_size(hist) != 2 ||
	    !json_is_object(json_array_get(hist, 1)))
		return malformed(err, "%s.histogram: want [time, {...}]",
				 where);
	if (json_time(json_array_get(hist, 0), &s->t_ms) == -1)
		return malformed(err, "%s.histogram[0]: invalid time", where);
	s->histogram = 1;
	s->value = 0;
	return 0;
}

static int parse_vector(const json_t *res, struct promapi_result *r,
			struct buf *err)
{
	if (!json_is_array(res))
		return malformed(err, "data.result: vector is not an array");
	r->type = PROMAPI_VECTOR;
	if (json_array_size(res) == 0)
		return 0;
	r->v = xcalloc(json_array_size(res), sizeof *r->v);
	r->cap = json_array_size(res);
	for (size_t i = 0; i < json_array_size(res); i++) {
		/* Counted before parsing so a half-built sample is freed. */
		r->n++;
		if (parse_sample(json_array_get(res, i), i, &r->v[i], err) ==
		    -1)
			return -1;
	}
	return 0;
}

static int parse_scalar(const json_t *res, struct promapi_result *r,
			struct buf *err)
{
	r->type = PROMAPI_SCALAR;
	r->v = xcalloc(1, sizeof *r->v);
	r->cap = 1;
	r->v[0].labels = labels_empty();
	r->n = 1;
	return parse_pair(res, "data.result", &r->v[0].value, &r->v[0].t_ms,
			  err);
}

static int parse_warnings(const json_t *w, struct promapi_result *r,
			  struct buf *err)
{
	if (!w || json_is_null(w))
		return 0;
	if (!json_is_array(w))
		return malformed(err, "warnings: not an array");
	if (json_array_size(w) == 0)
		return 0;
	r->warnings = xcalloc(json_array_size(w), sizeof *r->warnings);
	for (size_t i = 0; i < json_array_size(w); i++) {
		const json_t *s = json_array_get(w, i);

		if (!json_is_string(s))
			return malformed(err, "warnings[%zu]: not a string", i);
		r->warnings[r->nwarnings++] = xstrdup(json_string_value(s));
	}
	return 0;
}

/* {"status": "success", "data": {"resultType": ..., "result": ...}} */
static int parse_success(const json_t *root, struct promapi_result *r,
			 struct buf *err)
{
	const json_t *data = json_object_get(root, "data");
	const json_t *type = json_object_get(data, "resultType");
	const json_t *res = json_object_get(data, "result");
	const char *t;

	if (!json_is_object(data))
		return malformed(err, "no data object");
	if (!json_is_string(type))
		return malformed(err, "no data.resultType");
	t = json_string_value(type);
	if (strcmp(t, "matrix") == 0 || strcmp(t, "string") == 0) {
		/* rules.EngineQueryFunc's words. */
		buf_puts(err, "rule result is not a vector or scalar");
		return -1;
	}
	if (strcmp(t, "vector") != 0 && strcmp(t, "scalar") != 0) {
		malformed(err, "unknown resultType ");
		buf_quote(err, t);
		return -1;
	}
	if (!res)
		return malformed(err, "no data.result");
	if (parse_warnings(json_object_get(root, "warnings"), r, err) == -1)
		return -1;
	return t[0] == 'v' ? parse_vector(res, r, err)
			   : parse_scalar(res, r, err);
}

/* {"status": "error", "errorType": "bad_data", "error": "..."} reads
 * "bad_data: ..." as the Go client's Error.Error() prints it. */
static int api_error(const json_t *root, long status, struct buf *err)
{
	const char *type =
	    json_string_value(json_object_get(root, "errorType"));
	const char *msg = json_string_value(json_object_get(root, "error"));
	int has_type = type && type[0], has_msg = msg && msg[0];

	if (has_type && has_msg)
		buf_printf(err, "%s: %s", type, msg);
	else if (has_type || has_msg)
		buf_puts(err, has_type ? type : msg);
	else
		buf_printf(err,
			   "server reported an error without a message (HTTP "
			   "status %ld)",
			   status);
	return -1;
}

/* Why a body that is not a valid API object was refused. */
static int bad_body(long status, const char *ct, const char *body, size_t len,
		    const json_t *root, const json_error_t *je, struct buf *err)
{
	size_t i = 0;

	if (status < 200 || status > 299)
		return http_error(status, body, len, err);
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i == len) {
		buf_printf(err, "empty response body (HTTP status %ld)",
			   status);
		return -1;
	}
	if (!json_media_type(ct) && !root) {
		buf_puts(err, "unexpected Content-Type ");
		buf_quote(err, ct);
		buf_puts(err, " (want application/json)");
		put_excerpt(err, body, len);
		return -1;
	}
	if (!root) {
		buf_printf(err,
			   "malformed JSON response at line %d, column %d: %s",
			   je->line, je->column, je->text);
		return -1;
	}
	if (!json_is_object(root))
		return malformed(err, "not a JSON object");
	return malformed(err, "no status \"success\" or \"error\"");
}


/* ------------------------------------------------- the fast vector path */

/*
 * A scanner for the one shape Prometheus writes for an instant vector:
 * {"status":"success","data":{"resultType":"vector","result":[{"metric":
 * {...},"value":[t,"v"]},...]}}.  Anything else - escapes in strings,
 * other keys (warnings), histograms, odd numbers, invalid UTF-8, trailing
 * data - makes it give up, and the general path (jansson) reads the body
 * with all its checks and error messages.  It reads what that path reads:
 * the fuzz target checks both agree on every input the scanner takes.
 */
struct scan {
	const char *p, *end;
};

static void sc_ws(struct scan *s)
{
	jscan_ws(&s->p, s->end);
}

static int sc_char(struct scan *s, char c)
{
	return jscan_char(&s->p, s->end, c);
}

/* Bit 7 of each byte of the result is set where w's byte is '"', '\\',
 * below 0x20 or from 0x80 up; the lowest such bit marks the first one
 * exactly (borrows only run upwards, so higher bits may be false). */
static uint64_t special_bytes(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t tops = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');

	return (((q - ones) & ~q) | ((bs - ones) & ~bs) |
		((w - ones * 0x20) & ~w) | w) &
	       tops;
}

/* A string without escapes or control characters, and valid UTF-8; *len
 * its length.  Outside strings the scanner takes ASCII alone, so checking
 * the strings checks the whole body (no sequence spans a '"').  Eight
 * bytes at a time up to the first byte that is not plain ASCII: mostly
 * the closing quote. */
static const char *sc_str(struct scan *s, size_t *len)
{
	const unsigned char *start, *p, *end = (const unsigned char *)s->end;
	int high = 0;

	if (!sc_char(s, '"'))
		return NULL;
	start = p = (const unsigned char *)s->p;
	for (;;) {
		uint64_t w, m;

		while (p + 8 <= end) {
			memcpy(&w, p, 8);
			m = special_bytes(w);
			if (m) {
				p += (size_t)__builtin_ctzll(m) / 8;
				goto look;
			}
			p += 8;
		}
		while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 &&
		       *p < 0x80)
			p++;
		if (p == end)
			return NULL;
look:
		if (*p == '"')
			break;
		if (*p < 0x80)
			return NULL; /* an escape or a control character */
		high = 1;
		p++;
	}
	*len = (size_t)(p - start);
	if (high && !utf8_valid((const char *)start, *len))
		return NULL;
	s->p = (const char *)p + 1;
	return (const char *)start;
}

/* The next string equals want (as a value, not followed by ':'). */
static int sc_key_value(struct scan *s, const char *want)
{
	size_t len;
	const char *k = sc_str(s, &len);

	return k && len == strlen(want) && memcmp(k, want, len) == 0;
}

static int sc_key(struct scan *s, const char *key)
{
	size_t len;
	const char *k = sc_str(s, &len);

	return k && len == strlen(key) && memcmp(k, key, len) == 0 &&
	       sc_char(s, ':');
}

/* A JSON number (its exact grammar), converted as jansson converts it. */
static int sc_num(struct scan *s, double *v)
{
	const char *q;
	char tmp[64], *endp;
	size_t n;

	sc_ws(s);
	q = s->p;
	if (q < s->end && *q == '-')
		q++;
	if (q < s->end && *q == '0')
		q++;
	else if (q < s->end && *q >= '1' && *q <= '9')
		while (q < s->end && *q >= '0' && *q <= '9')
			q++;
	else
		return 0;
	if (q < s->end && *q == '.') {
		q++;
		if (q == s->end || *q < '0' || *q > '9')
			return 0;
		while (q < s->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < s->end && (*q == 'e' || *q == 'E'))
		return 0; /* rare: left to the general path */
	n = (size_t)(q - s->p);
	if (plain_decimal(s->p, n, v)) {
		s->p = q;
		return 1;
	}
	if (n >= sizeof tmp)
		return 0;
	memcpy(tmp, s->p, n);
	tmp[n] = '\0';
	errno = 0;
	*v = strtod(tmp, &endp);
	if (errno || *endp)
		return 0;
	s->p = q;
	return 1;
}

/* Builds a label set from pairs read in document order: sorted by name,
 * the last of equal names kept, empty values dropped - what
 * labels_builder_set() would make of them, with one allocation. */
static struct labels *pairs_build(struct label *v, size_t n)
{
	size_t k = 0, i = 1;

	/* Prometheus sends them sorted: then names are unique too */
	while (i < n && strcmp(v[i - 1].name, v[i].name) < 0)
		i++;
	if (i >= n) {
		for (size_t j = 0; j < n; j++)
			if (v[j].value[0])
				v[k++] = v[j];
		return labels_from_sorted(v, k);
	}
	/* insertion sort, stable: equal names stay in document order */
	for (i = 1; i < n; i++) {
		struct label x = v[i];
		size_t j = i;

		while (j > 0 && strcmp(v[j - 1].name, x.name) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	for (i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(v[i].name, v[i + 1].name) == 0)
			continue; /* a later one of the same name wins */
		if (v[i].value[0])
			v[k++] = v[i];
	}
	return labels_from_sorted(v, k);
}

/*
 * The pairs of a "metric" object, s just past its '{', up to and past its
 * '}'.  With scratch, NUL-terminated copies of names and values go there
 * side by side and *out is the label set they make; without, the object is
 * only checked (what the lazy path does before it builds anything).
 * Returns 0 where the general path must read the body.
 */
static int sc_metric(struct scan *s, struct buf *scratch, struct labels **out)
{
	struct label pairs[64];
	size_t offs[64][2];
	size_t np = 0, nl, vl;

	if (scratch)
		buf_reset(scratch);
	if (!sc_char(s, '}')) {
		do {
			const char *name = sc_str(s, &nl), *value;

			if (!name || !nl || np == 64 || !sc_char(s, ':') ||
			    !(value = sc_str(s, &vl)))
				return 0;
			if (scratch) {
				buf_grow(scratch, nl + vl + 2);
				offs[np][0] = scratch->len;
				memcpy(scratch->s + scratch->len, name, nl);
				scratch->s[scratch->len + nl] = '\0';
				offs[np][1] = scratch->len + nl + 1;
				memcpy(scratch->s + offs[np][1], value, vl);
				scratch->s[offs[np][1] + vl] = '\0';
				scratch->len += nl + vl + 2;
			}
			np++;
		} while (sc_char(s, ','));
		if (!sc_char(s, '}'))
			return 0;
	}
	if (!scratch)
		return 1;
	for (size_t i = 0; i < np; i++) {
		pairs[i].name = scratch->s + offs[i][0];
		pairs[i].value = scratch->s + offs[i][1];
	}
	*out = pairs_build(pairs, np);
	return 1;
}

#ifdef __SSE2__
/* Of the 16 bytes at p (fewer when left < 16: the rest count as NUL),
 * bit i of *quote is set where byte i is '"', of *bad where it is '\\', a
 * control character or not ASCII. */
static void block_masks(const char *p, size_t left, unsigned *quote,
			unsigned *bad)
{
	char tmp[16];
	__m128i v;

	if (left < 16) {
		memset(tmp, 0, sizeof tmp);
		memcpy(tmp, p, left);
		p = tmp;
	}
	v = _mm_loadu_si128((const __m128i *)(const void *)p);
	*quote = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
	/* signed: bytes from 0x80 up are below 0x20 too */
	*bad = (unsigned)_mm_movemask_epi8(
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
			 _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));
}

/*
 * What sc_metric(s, NULL, NULL) checks, for the compact form Prometheus
 * writes (no white space, ASCII strings), sixteen bytes at a time: s->p
 * is just past the '{'.  The object is its quotes: name open, name close
 * followed by ':', value open right after it, value close followed by ','
 * (the next name opens right after) or by '}'; every byte before that '}'
 * inside a string must be plain ASCII.  Returns 1 with s->p past the '}',
 * or 0 with s->p unchanged when the object is not in that form
 * (sc_metric() then reads it).
 */
static int metric_compact(struct scan *s)
{
	const char *b = s->p;
	size_t n = (size_t)(s->end - b), first_bad = SIZE_MAX;
	size_t expect = 0, open = 0, np = 0;
	int phase = 0; /* the next quote: name open, close, value open, close */

	if (n && b[0] == '}') {
		s->p = b + 1;
		return 1;
	}
	for (size_t off = 0; off < n; off += 16) {
		unsigned q, bad;

		block_masks(b + off, n - off, &q, &bad);
		if (bad && first_bad == SIZE_MAX)
			first_bad = off + (size_t)__builtin_ctz(bad);
		for (; q; q &= q - 1) {
			size_t pos = off + (size_t)__builtin_ctz(q);

			switch (phase) {
			case 0:
			case 2:
				if (pos != expect)
					return 0;
				open = pos;
				phase++;
				break;
			case 1:
				if (pos == open + 1 || pos + 2 >= n ||
				    b[pos + 1] != ':')
					return 0;
				expect = pos + 2;
				phase = 2;
				break;
			default:
				if (++np > 64 || pos + 1 >= n)
					return 0;
				if (b[pos + 1] == '}') {
					if (first_bad < pos)
						return 0;
					s->p = b + pos + 2;
					return 1;
				}
				if (b[pos + 1] != ',')
					return 0;
				expect = pos + 2;
				phase = 0;
			}
		}
	}
	return 0;
}
#else
static int metric_compact(struct scan *s)
{
	(void)s;
	return 0; /* sc_metric() reads every object */
}
#endif

/* The seed of promapi_sample.key: random per process, so that label text
 * made to collide with another series' cannot be prepared in advance. */
static uint64_t key_seed(void)
{
	static _Atomic uint64_t seed;
	uint64_t v = atomic_load_explicit(&seed, memory_order_relaxed);

	if (v)
		return v;
	if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
		v = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)(uintptr_t)&v;
	v |= 1;
	{
		uint64_t zero = 0;

		if (!atomic_compare_exchange_strong(&seed, &zero, v))
			v = zero; /* another thread's, read back */
	}
	return v;
}

/* One element of "result".  Lazy: the metric object is checked and
 * keyed, its label set left to promapi_sample_labels(). */
/* Takes text, when it comes next exactly (the compact form). */
static int sc_lit(struct scan *s, const char *text)
{
	size_t n = strlen(text);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, text, n) != 0)
		return 0;
	s->p += n;
	return 1;
}

/* The key of the n bytes at p: a seeded hash, never 0. */
static uint64_t text_key(const char *p, size_t n)
{
	uint64_t k = hash64(p, n, key_seed());

	return k + !k;
}

/* Lazily (lazy), the metric object at s->p ('{'): checked, or taken as
 * checked before when its text up to the first '}' has the key known. */
static int sc_metric_key(struct scan *s, struct promapi_sample *out,
			 uint64_t known)
{
	const char *m = s->p, *e = NULL;
	uint64_t k = 0;

	if (known && (e = memchr(m, '}', (size_t)(s->end - m)))) {
		k = text_key(m, (size_t)(e + 1 - m));
		if (k == known) {
			s->p = e + 1;
			goto done;
		}
	}
	s->p++;
	if (!metric_compact(s) && !sc_metric(s, NULL, NULL))
		return 0;
	/* k is of the text up to the first '}': the object's unless one of
	 * its strings holds a '}' */
	if (!k || e != s->p - 1)
		k = text_key(m, (size_t)(s->p - m));
done:
	out->metric_text = m;
	out->metric_len = (size_t)(s->p - m);
	out->key = k;
	return 1;
}

/* The timestamp text of the last sample and what it read as: every
 * sample of an instant vector has the evaluation time. */
struct ts_memo {
	const char *text;
	size_t len;
	int64_t t_ms;
};

/* Reads the sample's timestamp into *t_ms: the memo's when its text comes
 * next, followed by the ',' that ends it. */
static int sc_time(struct scan *s, struct ts_memo *m, int64_t *t_ms)
{
	double t;
	const char *start;

	if (m->len && (size_t)(s->end - s->p) > m->len &&
	    s->p[m->len] == ',' && memcmp(s->p, m->text, m->len) == 0) {
		s->p += m->len;
		*t_ms = m->t_ms;
		return 1;
	}
	sc_ws(s);
	start = s->p;
	if (!sc_num(s, &t))
		return 0;
	t *= 1000.0;
	if (!(t > -9.2e18 && t < 9.2e18))
		return 0;
	*t_ms = llround(t);
	m->text = start;
	m->len = (size_t)(s->p - start);
	m->t_ms = *t_ms;
	return 1;
}

static int sc_sample(struct scan *s, struct promapi_sample *out,
		     struct buf *scratch, int lazy, uint64_t known,
		     struct ts_memo *memo)
{
	size_t vl;
	const char *v;
	char val[64];

	if (!sc_lit(s, "{\"metric\":") &&
	    (!sc_char(s, '{') || !sc_key(s, "metric")))
		return 0;
	sc_ws(s);
	if (s->p == s->end || *s->p != '{')
		return 0;
	if (lazy ? !sc_metric_key(s, out, known)
		 : (s->p++, !sc_metric(s, scratch, &out->labels)))
		return 0;
	if (!sc_lit(s, ",\"value\":[") &&
	    (!sc_char(s, ',') || !sc_key(s, "value") || !sc_char(s, '[')))
		return 0;
	if (!sc_time(s, memo, &out->t_ms) || !sc_char(s, ',') ||
	    !(v = sc_str(s, &vl)) || vl >= sizeof val || !sc_char(s, ']') ||
	    !sc_char(s, '}'))
		return 0;
	memcpy(val, v, vl);
	val[vl] = '\0';
	if (!plain_decimal(val, vl, &out->value)) {
		struct buf why = {0};
		int bad = promapi_parse_value(val, &out->value, &why) == -1;

		buf_free(&why);
		if (bad)
			return 0;
	}
	return 1;
}

static int parse_fast(long http_status, const char *body, size_t len,
		      struct promapi_result *r, int lazy, const uint64_t *known,
		      size_t nknown)
{
	struct scan s;
	struct buf scratch = {0};
	struct ts_memo memo = {0};
	struct promapi_sample *keep = lazy ? r->v : NULL;
	size_t cap = lazy ? r->cap : 0;

	memset(r, 0, sizeof *r);
	r->v = keep;
	r->cap = cap;
	/* UTF-8 is checked string by string (sc_str()) */
	if (!body || http_status < 200 || http_status > 299)
		return 0;
	s.p = body;
	s.end = body + len;
	if (!sc_char(&s, '{') || !sc_key(&s, "status") ||
	    !sc_key_value(&s, "success") || !sc_char(&s, ',') ||
	    !sc_key(&s, "data") || !sc_char(&s, '{') ||
	    !sc_key(&s, "resultType") || !sc_key_value(&s, "vector") ||
	    !sc_char(&s, ',') || !sc_key(&s, "result") || !sc_char(&s, '['))
		return 0;
	r->type = PROMAPI_VECTOR;
	if (!sc_char(&s, ']')) {
		/* room for the samples such a body may hold, near enough:
		 * every sample takes more than 30 bytes, mostly a few
		 * hundred */
		if (!r->v || r->cap < len / 256 + 16) {
			r->cap = len / 256 + 16;
			r->v = xrealloc(r->v, r->cap * sizeof *r->v);
		}
		do {
			if (r->n == r->cap) {
				r->cap *= 2;
				r->v = xrealloc(r->v, r->cap * sizeof *r->v);
			}
			memset(&r->v[r->n], 0, sizeof r->v[r->n]);
			if (!sc_sample(&s, &r->v[r->n], &scratch, lazy,
				       r->n < nknown ? known[r->n] : 0,
				       &memo)) {
				labels_free(r->v[r->n].labels);
				goto give_up;
			}
			r->n++;
		} while (sc_char(&s, ','));
		if (!sc_char(&s, ']'))
			goto give_up;
	}
	/* the data object, then the whole document */
	if (!sc_char(&s, '}'))
		goto give_up;
	if (!sc_char(&s, '}'))
		goto give_up;
	sc_ws(&s);
	if (s.p != s.end)
		goto give_up;
	buf_free(&scratch);
	return 1;
give_up:
	buf_free(&scratch);
	promapi_result_free(r);
	return 0;
}

int promapi_parse_fast(long http_status, const char *body, size_t len,
		       struct promapi_result *r)
{
	return parse_fast(http_status, body, len, r, 0, NULL, 0);
}

int promapi_parse_lazy(long http_status, const char *content_type,
		       const char *body, size_t len, const uint64_t *known,
		       size_t nknown, struct promapi_result *r,
		       struct buf *err)
{
	if (parse_fast(http_status, body, len, r, 1, known, nknown))
		return 0;
	promapi_result_free(r);
	return promapi_parse_json(http_status, content_type, body, len, r, err);
}

const struct labels *promapi_sample_labels(struct promapi_sample *s)
{
	struct scan sc;
	struct buf scratch = {0};

	if (s->labels)
		return s->labels;
	/* checked by parse_fast() already: this cannot fail */
	sc.p = s->metric_text;
	sc.end = s->metric_text + s->metric_len;
	if (!sc_char(&sc, '{') || !sc_metric(&sc, &scratch, &s->labels))
		abort();
	buf_free(&scratch);
	return s->labels;
}

int promapi_parse(long http_status, const char *content_type, const char *body,
		  size_t len, struct promapi_result *r, struct buf *err)
{
	if (promapi_parse_fast(http_status, body, len, r))
		return 0;
	return promapi_parse_json(http_status, content_type, body, len, r, err);
}

int promapi_parse_json(long http_status, const char *content_type,
		       const char *body, size_t len, struct promapi_result *r,
		       struct buf *err)
{
	json_error_t je;
	json_t *root;
	const char *status;
	int rc;

	memset(r, 0, sizeof *r);
	/* Go's encoding/json keeps the last of duplicate keys and rejects
	 * trailing data, as jansson does without flags; every number is a
	 * double, so a huge integer is no error. */
	root = json_loadb(body ? body : "", body ? len : 0,
			  JSON_DECODE_INT_AS_REAL, &je);
	status = json_string_value(json_object_get(root, "status"));
	if (status && strcmp(status, "error") == 0)
		rc = api_error(root, http_status, err);
	else if (!status || strcmp(status, "success") != 0 ||
		 http_status < 200 || http_status > 299)
		rc = bad_body(http_status, content_type, body ? body : "",
			      body ? len : 0, root, &je, err);
	else
		rc = parse_success(root, r, err);
	json_decref(root);
	if (rc == -1)
		promapi_result_free(r);
	return rc;
}

void promapi_result_clear(struct promapi_result *r)
{
	struct promapi_sample *v = r->v;
	size_t cap = r->cap;

	for (size_t i = 0; i < r->n; i++)
		labels_free(v[i].labels);
	r->v = NULL;
	r->n = 0;
	promapi_result_free(r); /* the warnings */
	r->v = v;
	r->cap = cap;
}

void promapi_result_free(struct promapi_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		labels_free(r->v[i].labels);
	free(r->v);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof *r);
}

/* ========================================================= curl errors */

struct curl_reason {
	const char *text;
	CURLcode code;
	int errno_first; /* the OS error says it better, if there is one */
};

static const struct curl_reason curl_reasons[] = {
    {"unsupported protocol", CURLE_UNSUPPORTED_PROTOCOL, 0},
    {"malformed URL", CURLE_URL_MALFORMAT, 0},
    {"cannot resolve the proxy host", CURLE_COULDNT_RESOLVE_PROXY, 0},
    {"cannot resolve the host", CURLE_COULDNT_RESOLVE_HOST, 0},
    {"cannot connect", CURLE_COULDNT_CONNECT, 1},
    {"timed out", CURLE_OPERATION_TIMEDOUT, 0},
    {"TLS handshake failed", CURLE_SSL_CONNECT_ERROR, 0},
    {"TLS certificate verification failed", CURLE_PEER_FAILED_VERIFICATION, 0},
    {"cannot read the CA certificate file", CURLE_SSL_CACERT_BADFILE, 0},
    {"cannot use the client certificate", CURLE_SSL_CERTPROBLEM, 0},
    {"no usable TLS cipher", CURLE_SSL_CIPHER, 0},
    {"sending the request failed", CURLE_SEND_ERROR, 1},
    {"receiving the response failed", CURLE_RECV_ERROR, 1},
    {"server closed the connection without a response", CURLE_GOT_NOTHING, 0},
    {"connection closed before the whole response arrived", CURLE_PARTIAL_FILE,
     0},
    {"response body refused", CURLE_WRITE_ERROR, 0},
    {"response exceeds the maximum size", CURLE_FILESIZE_EXCEEDED, 0},
    {"too many redirects", CURLE_TOO_MANY_REDIRECTS, 0},
    {"cannot decode the response's Content-Encoding",
     CURLE_BAD_CONTENT_ENCODING, 0},
    {"HTTP/2 error", CURLE_HTTP2, 0},
    {"HTTP/2 stream error", CURLE_HTTP2_STREAM, 0},
    {"request aborted", CURLE_ABORTED_BY_CALLBACK, 0},
    {"out of memory", CURLE_OUT_OF_MEMORY, 0},
};

void promapi_error_from_curl(CURLcode code, long os_errno, const char *url,
			     const char *detail, struct buf *err)
{
	const struct curl_reason *r = NULL;

	for (size_t i = 0; i < ARRAY_LEN(curl_reasons); i++)
		if (curl_reasons[i].code == code)
			r = &curl_reasons[i];
	buf_puts(err, "Post ");
	buf_quote(err, url ? url : "");
	buf_puts(err, ": ");
	if (r && r->errno_first && os_errno > 0) {
		/* "connection refused", as Go words syscall errors */
		size_t start = err->len;

		buf_puts(err, strerror((int)os_errno));
		if (err->len > start)
			err->s[start] =
			    (char)tolower((unsigned char)err->s[start]);
	} else if (r) {
		buf_puts(err, r->text);
	} else {
		buf_printf(err, "transfer failed (curl error %d)", (int)code);
	}
	if (detail && detail[0]) {
		size_t n = strlen(detail);

		while (n && (detail[n - 1] == '\n' || detail[n - 1] == '\r'))
			n--;
		buf_puts(err, " (");
		buf_add(err, detail, n);
		buf_putc(err, ')');
	}
}
