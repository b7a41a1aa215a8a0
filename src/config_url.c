/*
 * config_url.c - URL checks with the verdicts and messages of Go's
 * net/url.Parse (Go 1.19), which Alertmanager's config.URL builds on:
 * scheme, authority (userinfo, host, port), percent-escapes, control
 * characters.  Only validation: nothing is decoded.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

enum url_mode { URL_PATH, URL_HOST, URL_ZONE, URL_USER, URL_FRAGMENT };

static int is_hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return (tolower((unsigned char)c) - 'a') + 10;
}

/* Go's shouldEscape() for the host and zone modes only. */
static int host_should_escape(unsigned char c)
{
	if (isalnum(c))
		return 0;
	return strchr("-_.~!$&'()*+,;=:[]<>\"", c) == NULL || c == '\0';
}

static void escape_error(struct buf *err, const char *s, size_t n)
{
	char *e = xstrndup(s, n);

	buf_puts(err, "invalid URL escape ");
	buf_quote(err, e);
	free(e);
}

/* Go's unescape() validity rules; returns 0 or -1 with the reason. */
static int url_unescape_ok(const char *s, size_t n, enum url_mode mode,
			   struct buf *err)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
				escape_error(err, s + i, n - i > 3 ? 3 : n - i);
				return -1;
			}
			if (mode == URL_HOST && unhex(s[i + 1]) < 8 &&
			    strncmp(s + i, "%25", 3) != 0) {
				escape_error(err, s + i, 3);
				return -1;
			}
			if (mode == URL_ZONE) {
				int v = unhex(s[i + 1]) << 4 | unhex(s[i + 2]);

				if (strncmp(s + i, "%25", 3) != 0 && v != ' ' &&
				    host_should_escape((unsigned char)v)) {
					escape_error(err, s + i, 3);
					return -1;
				}
			}
			i += 2;
		} else if ((mode == URL_HOST || mode == URL_ZONE) && c < 0x80 &&
			   host_should_escape(c)) {
			char one[2] = {(char)c, 0};

			buf_puts(err, "invalid character ");
			buf_quote(err, one);
			buf_puts(err, " in host name");
			return -1;
		}
	}
	return 0;
}

static int valid_optional_port(const char *p, size_t n)
{
	if (n == 0)
		return 1;
	if (p[0] != ':')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static int port_error(struct buf *err, const char *p, size_t n)
{
	char *s = xstrndup(p, n);

	buf_puts(err, "invalid port ");
	buf_quote(err, s);
	buf_puts(err, " after host");
	free(s);
	return -1;
}

/* Go's parseHost(); on success *host is the raw host text. */
static int url_host(const char *h, size_t n, struct buf *err)
{
	if (n > 0 && h[0] == '[') {
		const char *close = NULL, *zone = NULL;

		for (size_t i = 0; i < n; i++)
			if (h[i] == ']')
				close = h + i;
		if (!close) {
			buf_puts(err, "missing ']' in host");
			return -1;
		}
		if (!valid_optional_port(close + 1, (size_t)(h + n - close - 1)))
			return port_error(err, close + 1,
					  (size_t)(h + n - close - 1));
		for (const char *p = h; p + 3 <= close; p++)
			if (strncmp(p, "%25", 3) == 0) {
				zone = p;
				break;
			}
		if (zone)
			return url_unescape_ok(h, (size_t)(zone - h), URL_HOST, err) ||
			       url_unescape_ok(zone, (size_t)(close - zone),
					       URL_ZONE, err) ||
			       url_unescape_ok(close, (size_t)(h + n - close),
					       URL_HOST, err)
				       ? -1
				       : 0;
	} else {
		const char *colon = NULL;

		for (size_t i = 0; i < n; i++)
			if (h[i] == ':')
				colon = h + i;
		if (colon && !valid_optional_port(colon, (size_t)(h + n - colon)))
			return port_error(err, colon, (size_t)(h + n - colon));
	}
	return url_unescape_ok(h, n, URL_HOST, err);
}

static int valid_userinfo(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			return 0;
		if (!isalnum(c) && !strchr("-._:~!$&'()*+,;=%@", c))
			return 0;
	}
	return 1;
}

/* Go's parseAuthority(); *host receives a copy of the host part. */
static int url_authority(const char *a, size_t n, char **host,
			 struct buf *err)
{
	size_t at = n;

	for (size_t i = 0; i < n; i++)
		if (a[i] == '@')
			at = i;
	if (at == n) {
		if (url_host(a, n, err) < 0)
			return -1;
		*host = xstrndup(a, n);
		return 0;
	}
	if (url_host(a + at + 1, n - at - 1, err) < 0)
		return -1;
	if (!valid_userinfo(a, at)) {
		buf_puts(err, "net/url: invalid userinfo");
		return -1;
	}
	if (url_unescape_ok(a, at, URL_USER, err) < 0)
		return -1;
	*host = xstrndup(a + at + 1, n - at - 1);
	return 0;
}

/* Go's getScheme(): returns the scheme length (0: none), -1 on error. */
static int url_scheme(const char *s, struct buf *err)
{
	for (int i = 0; s[i]; i++) {
		char c = s[i];

		if (isalpha((unsigned char)c))
			continue;
		if (isdigit((unsigned char)c) || c == '+' || c == '-' || c == '.') {
			if (i == 0)
				return 0;
			continue;
		}
		if (c == ':') {
			if (i == 0) {
				buf_puts(err, "missing protocol scheme");
				return -1;
			}
			return i;
		}
		return 0;
	}
	return 0;
}

/* The part of parse() after the scheme; rest excludes query/fragment. */
static int url_rest(const char *rest, size_t n, int has_scheme, char **host,
		    struct buf *err)
{
	if (n == 0 || rest[0] != '/') {
		size_t seg = strcspn(rest, "/");

		if (has_scheme)
			return 0;	/* opaque */
		if (memchr(rest, ':', seg < n ? seg : n)) {
			buf_puts(err, "first path segment in URL cannot contain colon");
			return -1;
		}
	}
	if (n >= 2 && rest[0] == '/' && rest[1] == '/' &&
	    (has_scheme || n < 3 || rest[2] != '/')) {
		const char *a = rest + 2;
		const char *slash = memchr(a, '/', n - 2);
		size_t alen = slash ? (size_t)(slash - a) : n - 2;

		if (url_authority(a, alen, host, err) < 0)
			return -1;
		rest = a + alen;
		n = n - 2 - alen;
	}
	return url_unescape_ok(rest, n, URL_PATH, err);
}

static int url_parse_inner(const char *u, size_t ulen, char **scheme,
			   char **host, struct buf *err)
{
	const char *rest;
	size_t n;
	int slen;

	for (size_t i = 0; i < ulen; i++)
		if ((unsigned char)u[i] < 0x20 || u[i] == 0x7f) {
			buf_puts(err, "net/url: invalid control character in URL");
			return -1;
		}
	if (ulen == 1 && u[0] == '*')
		return 0;
	if ((slen = url_scheme(u, err)) < 0)
		return -1;
	*scheme = xstrndup(u, (size_t)slen);
	for (char *p = *scheme; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	rest = slen ? u + slen + 1 : u;
	n = strcspn(rest, "?");
	if (rest + n > u + ulen)
		n = (size_t)(u + ulen - rest);
	return url_rest(rest, n, slen > 0, host, err);
}

int config_url_parse(const char *s, struct buf *err, char **scheme,
		     char **host)
{
	const char *hash = strchr(s, '#');
	size_t ulen = hash ? (size_t)(hash - s) : strlen(s);
	char *sch = NULL, *h = NULL, *u = xstrndup(s, ulen);
	struct buf why = {0};
	int rc = url_parse_inner(u, ulen, &sch, &h, &why);

	if (rc == 0 && hash &&
	    url_unescape_ok(hash + 1, strlen(hash + 1), URL_FRAGMENT, &why) < 0) {
		rc = -1;
		free(u);
		u = xstrdup(s);
	}
	if (rc < 0) {
		buf_puts(err, "parse ");
		buf_quote(err, u);
		buf_printf(err, ": %s", buf_str(&why));
	}
	if (scheme)
		*scheme = xstrdup(rc == 0 && sch ? sch : "");
	if (host)
		*host = xstrdup(rc == 0 && h ? h : "");
	free(sch);
	free(h);
	free(u);
	buf_free(&why);
	return rc;
}

/* Alertmanager's parseURL(): url.Parse, then http(s) and a host. */
static int am_url_check(const char *s, struct buf *err)
{
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (config_url_parse(s, err, &scheme, &host) < 0) {
		free(scheme);
		free(host);
		return -1;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		buf_puts(err, "unsupported scheme ");
		buf_quote(err, scheme);
		buf_puts(err, " for URL");
	} else if (!host[0]) {
		buf_puts(err, "missing host for URL");
	} else {
		rc = 0;
	}
	free(scheme);
	free(host);
	return rc;
}

static char *url_at(struct cload *l, const struct ynode *m, const char *key,
		    const char *def, int secret)
{
	char *s;
	struct buf err = {0};

	if (!cl_has(m, key))
		return xstrdup(def ? def : "");
	s = cl_str(l, m, key, NULL);
	if (secret && strcmp(s, "<secret>") == 0)
		return s;
	if (am_url_check(s, &err) < 0) {
		cl_err(l, cl_pos(m, key), "%s", buf_str(&err));
		s[0] = '\0';
	}
	buf_free(&err);
	return s;
}

char *cl_url(struct cload *l, const struct ynode *m, const char *key,
	     const char *def)
{
	return url_at(l, m, key, def, 0);
}

char *cl_secret_url(struct cload *l, const struct ynode *m, const char *key,
		    const char *def)
{
	return url_at(l, m, key, def, 1);
}
