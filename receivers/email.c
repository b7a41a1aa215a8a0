/*
 * email.c - Alertmanager's email integration (notify/email, 0.25): the
 * message written byte for byte as Go writes it (headers, a
 * multipart/alternative body of quoted-printable parts), sent by libcurl's
 * SMTP (notify_send.c) to the smarthost, STARTTLS required unless
 * require_tls is false, implicit TLS on port 465.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "promapi.h"
#include "receiver.h"

/* ------------------------------------------------- quoted-printable */

/* Go's mime/quotedprintable.Writer (text mode): lines of at most 76
 * characters with soft breaks, line ends written CRLF, a space or tab
 * before a line end encoded. */
#define QP_LINE_MAX 76

struct qp {
	struct buf *out;
	char line[QP_LINE_MAX + 2];
	int i;	/* bytes in line */
	int cr; /* the last byte was '\r' */
};

static void qp_flush(struct qp *q)
{
	buf_add(q->out, q->line, (size_t)q->i);
	q->i = 0;
}

static void qp_crlf(struct qp *q)
{
	q->line[q->i++] = '\r';
	q->line[q->i++] = '\n';
	qp_flush(q);
}

static void qp_soft_break(struct qp *q)
{
	q->line[q->i++] = '=';
	qp_crlf(q);
}

static void qp_encode(struct qp *q, unsigned char b)
{
	static const char hex[] = "0123456789ABCDEF";

	if (QP_LINE_MAX - 1 - q->i < 3)
		qp_soft_break(q);
	q->line[q->i] = '=';
	q->line[q->i + 1] = hex[b >> 4];
	q->line[q->i + 2] = hex[b & 0x0f];
	q->i += 3;
}

/* A space or tab ending a line is encoded. */
static void qp_check_last(struct qp *q)
{
	char b;

	if (q->i == 0)
		return;
	b = q->line[q->i - 1];
	if (b == ' ' || b == '\t') {
		q->i--;
		qp_encode(q, (unsigned char)b);
	}
}

static void qp_literal(struct qp *q, char b)
{
	if (b == '\n' || b == '\r') {
		if (q->cr && b == '\n') { /* CRLF already written */
			q->cr = 0;
			return;
		}
		if (b == '\r')
			q->cr = 1;
		qp_check_last(q);
		qp_crlf(q);
		return;
	}
	if (q->i == QP_LINE_MAX - 1)
		qp_soft_break(q);
	q->line[q->i++] = b;
	q->cr = 0;
}

/* Appends s[0..n) quoted-printable, closed (as Writer.Write + Close). */
static void qp_write(struct buf *out, const char *s, size_t n)
{
	struct qp q = {.out = out};

	for (size_t k = 0; k < n; k++) {
		unsigned char b = (unsigned char)s[k];

		if ((b >= '!' && b <= '~' && b != '=') || b == ' ' ||
		    b == '\t' || b == '\n' || b == '\r')
			qp_literal(&q, (char)b);
		else
			qp_encode(&q, b);
	}
	qp_check_last(&q);
	qp_flush(&q);
}

/* ------------------------------------------------------ RFC 2047 */

/* Length of the rune at s as Go's utf8.DecodeRuneInString counts it: 1
 * for a byte that does not start a valid sequence. */
static size_t rune_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		lo = s[0] == 0xE0 ? 0xA0 : 0x80;
		hi = s[0] == 0xED ? 0x9F : 0xBF;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		lo = s[0] == 0xF0 ? 0x90 : 0x80;
		hi = s[0] == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 1;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 1;
	for (size_t k = 2; k < len; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 1;
	return len;
}

static int q_plain(unsigned char b)
{
	return b >= ' ' && b <= '~' && b != '=' && b != '?' && b != '_';
}

/* Go's mime.QEncoding.Encode("utf-8", s): s as is when it is printable
 * ASCII (tabs allowed), else encoded-words of at most 75 characters,
 * never splitting a rune. */
static void q_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), cur = 0;
	/* 75 - len("=?UTF-8?q?") - len("?=") */
	const size_t max_content = 63;
	int plain = 1;

	for (size_t k = 0; k < n && plain; k++)
		plain = (p[k] >= ' ' && p[k] <= '~') || p[k] == '\t';
	if (plain) {
		buf_puts(out, s);
		return;
	}
	buf_puts(out, "=?utf-8?q?");
	for (size_t k = 0, rl; k < n; k += rl) {
		size_t enc;

		rl = q_plain(p[k]) ? 1 : rune_len(p + k, n - k);
		enc = q_plain(p[k]) ? 1 : 3 * rl;
		if (cur + enc > max_content) {
			buf_puts(out, "?= =?utf-8?q?");
			cur = 0;
		}
		for (size_t j = k; j < k + rl; j++) {
			if (p[j] == ' ') {
				buf_putc(out, '_');
			} else if (p[j] > ' ' && q_plain(p[j])) {
				buf_putc(out, (char)p[j]);
			} else {
				buf_putc(out, '=');
				buf_putc(out, hex[p[j] >> 4]);
				buf_putc(out, hex[p[j] & 0x0f]);
			}
		}
		cur += enc;
	}
	buf_puts(out, "?=");
}

/* ---------------------------------------------------------- message */

static const struct config_kv *header(const struct config_email *e,
				      const char *name)
{
	for (size_t i = 0; i < e->nheaders; i++)
		if (strcmp(e->headers[i].name, name) == 0)
			return &e->headers[i];
	return NULL;
}

/* Appends "Name: value" with value rendered and RFC 2047-encoded. */
static int put_header(const struct config_kv *h, const struct notify_msg *m,
		      struct tmpl_value *data, struct buf *out,
		      struct buf *err)
{
	struct buf v = {0}, why = {0};
	int rc = tmpl_am_render(m->templates, h->value, data, &v, &why);

	if (rc == 0) {
		buf_printf(out, "%s: ", h->name);
		q_encode(out, buf_str(&v));
		buf_puts(out, "\r\n");
	} else {
		buf_printf(err, "execute \"%s\" header template: %s", h->name,
			   buf_str(&why));
	}
	buf_free(&v);
	buf_free(&why);
	return rc;
}

/* Alertmanager ranges over a Go map (no order); Subject, To and From
 * come first, as in the messages captured from it, then the rest by
 * name. */
static int put_headers(const struct config_email *e,
		       const struct notify_msg *m, struct tmpl_value *data,
		       struct buf *out, struct buf *err)
{
	static const char *const first[] = {"Subject", "To", "From"};
	const struct config_kv *h;

	for (size_t i = 0; i < ARRAY_LEN(first); i++)
		if ((h = header(e, first[i])) &&
		    put_header(h, m, data, out, err) == -1)
			return -1;
	for (size_t i = 0; i < e->nheaders; i++) {
		const char *name = e->headers[i].name;

		if (strcmp(name, "Subject") == 0 || strcmp(name, "To") == 0 ||
		    strcmp(name, "From") == 0)
			continue;
		if (put_header(&e->headers[i], m, data, out, err) == -1)
			return -1;
	}
	return 0;
}

/* One part of the body (multipart.Writer.CreatePart + the QP writer). */
static int put_part(const char *type, const char *text, int html,
		    const struct notify_msg *m, struct tmpl_value *data,
		    const char *boundary, int first, struct buf *out,
		    struct buf *err)
{
	struct buf body = {0}, why = {0};
	int rc;

	rc = html ? tmpl_am_render_html(m->templates, text, data, &body, &why)
		  : tmpl_am_render(m->templates, text, data, &body, &why);
	if (rc == 0) {
		buf_printf(out, "%s--%s\r\n", first ? "" : "\r\n", boundary);
		buf_printf(out,
			   "Content-Transfer-Encoding: quoted-printable\r\n"
			   "Content-Type: %s; charset=UTF-8\r\n\r\n",
			   type);
		qp_write(out, body.s ? body.s : "", body.len);
	} else {
		buf_printf(err, "execute %s template: %s",
			   html ? "html" : "text", buf_str(&why));
	}
	buf_free(&body);
	buf_free(&why);
	return rc;
}

int email_message(const struct config_email *e, const struct notify_msg *m,
		  struct tmpl_value *data, const char *date, const char *msgid,
		  const char *boundary, struct buf *out, struct buf *err)
{
	int first = 1;

	if (put_headers(e, m, data, out, err) == -1)
		return -1;
	if (!header(e, "Message-Id"))
		buf_printf(out, "Message-Id: %s\r\n", msgid);
	buf_printf(out, "Date: %s\r\n", date);
	buf_printf(out,
		   "Content-Type: multipart/alternative;  boundary=%s\r\n"
		   "MIME-Version: 1.0\r\n\r\n",
		   boundary);
	if (e->text[0]) {
		if (put_part("text/plain", e->text, 0, m, data, boundary, 1,
			     out, err) == -1)
			return -1;
		first = 0;
	}
	/* the preferred alternative last (RFC 2046 5.1.4) */
	if (e->html[0] && put_part("text/html", e->html, 1, m, data, boundary,
				   first, out, err) == -1)
		return -1;
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	return 0;
}

/* Date (RFC1123Z, local time), Message-Id <nanos.rand@host> and a
 * multipart boundary of 30 random bytes, as Alertmanager makes them. */
static void stamp(char *date, size_t ndate, char *msgid, size_t nmsgid,
		  char *boundary, size_t nboundary)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[30];
	uint64_t r = 0;
	char host[256] = "localhost";
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(date, ndate, "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		for (size_t i = 0; i < sizeof rnd; i++) /* never on Linux */
			rnd[i] = (unsigned char)(ts.tv_nsec >> (i % 24));
	memcpy(&r, rnd, sizeof r);
	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(msgid, nmsgid, "<%lld.%llu@%s>",
		 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
		 (unsigned long long)r, host);
	for (size_t i = 0; i < sizeof rnd && 2 * i + 2 < nboundary; i++) {
		boundary[2 * i] = hex[rnd[i] >> 4];
		boundary[2 * i + 1] = hex[rnd[i] & 0x0f];
		boundary[2 * i + 2] = '\0';
	}
}

/* --------------------------------------------------------- envelope */

/* net/mail.ParseAddressList, the common forms: "a@x", "Name <a@x>",
 * "\"Q, N\" <a@x>", comma-separated.  Appends "<a@x>" per address to
 * *list.  Returns the count, or -1 with the reason in err. */
static int addresses(const char *s, struct curl_slist **list,
		     struct buf *err)
{
	int n = 0;

	while (*s) {
		const char *p = s, *lt = NULL, *gt = NULL, *a, *z;
		int quoted = 0;
		char *line;

		for (; *p && (quoted || *p != ','); p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '\\' && quoted && p[1])
				p++;
			else if (!quoted && *p == '<')
				lt = p;
			else if (!quoted && *p == '>' && lt)
				gt = p;
		}
		a = lt && gt ? lt + 1 : s;
		z = lt && gt ? gt : p;
		while (a < z && (*a == ' ' || *a == '\t'))
			a++;
		while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
			z--;
		if (a == z) {
			buf_puts(err, "mail: no address");
			return -1;
		}
		if (!memchr(a, '@', (size_t)(z - a))) {
			buf_puts(err, "mail: missing @ in addr-spec");
			return -1;
		}
		line = xasprintf("<%.*s>", (int)(z - a), a);
		*list = curl_slist_append(*list, line);
		free(line);
		n++;
		s = *p ? p + 1 : p;
	}
	if (n == 0)
		buf_puts(err, "mail: no address");
	return n ? n : -1;
}

/* from and to, rendered, as MAIL FROM and RCPT TO. */
static int envelope(const struct config_email *e, const struct notify_msg *m,
		    struct tmpl_value *data, struct notify_smtp *s,
		    struct buf *err)
{
	struct buf from = {0}, to = {0}, why = {0};
	struct curl_slist *one = NULL;
	int rc = -1, n;

	if (tmpl_am_render(m->templates, e->from, data, &from, &why) == -1 ||
	    tmpl_am_render(m->templates, e->to, data, &to, &why) == -1) {
		buf_printf(err, "execute template: %s", buf_str(&why));
		goto out;
	}
	n = addresses(buf_str(&from), &one, &why);
	if (n != 1) {
		if (n == -1)
			buf_printf(err, "parse 'from' addresses: %s",
				   buf_str(&why));
		else
			buf_printf(err,
				   "must be exactly one 'from' address (got: %d)",
				   n);
		goto out;
	}
	if (addresses(buf_str(&to), &s->rcpt, &why) == -1) {
		buf_printf(err, "parse 'to' addresses: %s", buf_str(&why));
		goto out;
	}
	s->mail_from = xstrdup(one->data);
	rc = 0;
out:
	curl_slist_free_all(one);
	buf_free(&why);
	buf_free(&to);
	buf_free(&from);
	return rc;
}

/* auth_username unset: no AUTH.  With a password (inline, else the file,
 * read at each notification): PLAIN (with auth_identity) or LOGIN; with
 * only auth_secret: CRAM-MD5.  curl authenticates only when the server
 * offers AUTH, as Alertmanager does. */
static int login(const struct config_email *e, struct notify_smtp *s,
		 struct buf *err)
{
	char *pw = NULL;

	if (!e->auth_username[0])
		return 0;
	if (e->auth_password[0])
		pw = xstrdup(e->auth_password);
	else if (e->auth_password_file[0] &&
		 promapi_secret_read(e->auth_password_file, "auth password",
				     &pw, err) == -1)
		return -1;
	s->username = xstrdup(e->auth_username);
	if ((!pw || !pw[0]) && e->auth_secret[0]) {
		free(pw);
		s->password = xstrdup(e->auth_secret);
		s->login_options = "AUTH=CRAM-MD5";
		return 0;
	}
	s->password = pw ? pw : xstrdup("");
	s->login_options = "AUTH=PLAIN;AUTH=LOGIN";
	if (e->auth_identity[0])
		s->authzid = xstrdup(e->auth_identity);
	return 0;
}

/* smtp://host:port/HELLO (curl says EHLO HELLO), smtps:// on 465. */
static char *smtp_url(const struct config_email *e)
{
	struct buf u = {0};
	const char *h = e->smarthost_host;

	buf_puts(&u, strcmp(e->smarthost_port, "465") == 0 ? "smtps://"
							    : "smtp://");
	buf_printf(&u, strchr(h, ':') ? "[%s]:%s/" : "%s:%s/", h,
		   e->smarthost_port);
	for (const char *p = e->hello; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			buf_putc(&u, (char)c);
		else
			buf_printf(&u, "%%%02X", c);
	}
	return buf_take(&u);
}

/* ---------------------------------------------------------- the ops */

void notify_smtp_free(struct notify_smtp *s)
{
	if (!s)
		return;
	free(s->mail_from);
	curl_slist_free_all(s->rcpt);
	free(s->username);
	free(s->password);
	free(s->authzid);
	free(s);
}

static size_t count(const struct config_receiver *r)
{
	return r->nemail;
}

static int send_resolved(const struct config_receiver *r, size_t idx)
{
	return r->email[idx].send_resolved;
}

static int build(const struct config_receiver *r, size_t idx,
		 const struct notify_msg *m, struct notify_req *req,
		 struct buf *err)
{
	/* an http_config with TLS only: httpc_setup() wants strings */
	static char none[] = "";
	const struct config_email *e = &r->email[idx];
	struct tmpl_value *data = tmpl_am_data_new(m->nf);
	struct notify_smtp *s = xcalloc(1, sizeof *s);
	struct buf msg = {0};
	char date[64], msgid[320], boundary[61];
	int rc = -1;

	memset(req, 0, sizeof *req);
	if (envelope(e, m, data, s, err) == -1 || login(e, s, err) == -1)
		goto out;
	stamp(date, sizeof date, msgid, sizeof msgid, boundary,
	      sizeof boundary);
	if (email_message(e, m, data, date, msgid, boundary, &msg, err) == -1)
		goto out;
	s->require_tls = e->require_tls;
	s->http.tls = e->tls;
	s->http.proxy_url = none;
	req->url = smtp_url(e);
	req->len = msg.len;
	req->body = buf_take(&msg);
	req->smtp = s;
	req->http = &s->http;
	s = NULL;
	rc = 0;
out:
	buf_free(&msg);
	notify_smtp_free(s);
	tmpl_unref(data);
	return rc;
}

/* The SMTP reply that ended the transaction: 4xx is transient, 5xx is
 * not (Alertmanager 0.25 retries both). */
static enum notify_verdict judge(long status, const char *body, size_t len,
				 struct buf *reason)
{
	(void)body;
	(void)len;
	if (status >= 200 && status < 400)
		return NOTIFY_OK;
	buf_printf(reason, "smtp reply %ld", status);
	return status / 100 == 5 ? NOTIFY_FAIL : NOTIFY_RETRY;
}

const struct receiver_ops receiver_email = {
	.integration = "email",
	.count = count,
	.send_resolved = send_resolved,
	.build = build,
	.judge = judge,
};
