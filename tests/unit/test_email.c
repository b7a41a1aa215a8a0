/*
 * test_email.c - the email integration: the message against the one
 * Alertmanager 0.25 sent (../shared/corpus/samples/email.eml, with its
 * Date, Message-Id and boundary), Go's quoted-printable and RFC 2047
 * encodings, the envelope, login and URL of the request, the verdicts.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "receiver.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = {0};
	char chunk[4096];
	size_t n;

	cr_assert_not_null(f, "%s", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_take(&b);
}

/* The value of header name in msg (up to CRLF), copied. */
static char *header_of(const char *msg, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = msg; p && *p; p = strstr(p, "\r\n")) {
		if (*p == '\r')
			p += 2;
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ')
			return xstrndup(p + n + 2, strcspn(p + n + 2, "\r"));
		if (*p == '\r') /* end of the header block */
			break;
	}
	return NULL;
}

struct fixture {
	struct config_email e;
	struct config_kv headers[8];
	struct labels *gl, *labels, *ann;
	struct tmpl_am_alert alert;
	struct tmpl_am_notification nf;
	struct notify_msg m;
	struct tmpl_set *set;
	struct tmpl_value *data;
};

static struct labels *labels_of(const char *const *kv)
{
	struct labels_builder b = {0};
	struct labels *l;

	for (; *kv; kv += 2)
		labels_builder_set(&b, kv[0], kv[1]);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

static char empty[] = "";

/* Debian's prometheus-alertmanager 0.25: default.tmpl, email.tmpl */
#define AM_TEMPLATES "/usr/share/prometheus/alertmanager"

/* The notification and config behind email.eml. */
static void fixture_init_dir(struct fixture *f, const char *dir)
{
	static const char *const gl[] = {"alertname", "DemoQueueHigh", "job",
					 "static-file", NULL};
	static const char *const ls[] = {
	    "alertname", "DemoQueueHigh", "instance", "127.0.0.1:9201",
	    "job", "static-file", "monitor", "peers-loopback", "queue",
	    "mails", "severity", "warning", "team", "mail", NULL};
	static const char desc[] =
	    "Queue mails of team mail has 12.0 items. LABELS = "
	    "map[__name__:demo_queue_depth instance:127.0.0.1:9201 "
	    "job:static-file queue:mails team:mail]";
	static const char *const an[] = {"description", desc, "summary",
					 "Queue mails is deep (12 items)",
					 NULL};
	struct buf err = {0};

	memset(f, 0, sizeof *f);
	f->gl = labels_of(gl);
	f->labels = labels_of(ls);
	f->ann = labels_of(an);
	f->alert.status = "firing";
	f->alert.labels = f->labels;
	f->alert.annotations = f->ann;
	f->alert.starts_sec = 1795315868;
	f->alert.ends_sec = TMPL_AM_ZERO_TIME;
	f->alert.generator_url =
	    "http://vm:9090/graph?g0.expr=demo_queue_depth+%3E+10&g0.tab=1";
	f->nf.receiver = "email";
	f->nf.group_labels = f->gl;
	f->nf.alerts = &f->alert;
	f->nf.nalerts = 1;
	f->nf.external_url = "http://vm:9093";
	f->set = tmpl_am_set_new(dir, NULL, 0, &err);
	cr_assert_not_null(f->set, "%s", buf_str(&err));
	buf_free(&err);
	f->m.nf = &f->nf;
	f->m.group_key = "{}:{alertname=\"DemoQueueHigh\", job=\"static-file\"}";
	f->m.templates = f->set;
	f->data = tmpl_am_data_new(&f->nf);

	f->headers[0] = (struct config_kv){"From", "alertmanager@example.org"};
	f->headers[1] = (struct config_kv){"Subject",
					   CONFIG_EMAIL_DEFAULT_SUBJECT};
	f->headers[2] = (struct config_kv){"To", "oncall@example.org"};
	f->e.headers = f->headers;
	f->e.nheaders = 3;
	f->e.to = "oncall@example.org";
	f->e.from = "alertmanager@example.org";
	f->e.hello = "localhost";
	f->e.smarthost_host = "127.0.0.1";
	f->e.smarthost_port = "25";
	f->e.html = "{{ template \"email.default.html\" . }}";
	f->e.text = empty;
	f->e.auth_username = f->e.auth_password = empty;
	f->e.auth_password_file = f->e.auth_secret = empty;
	f->e.auth_identity = empty;
	f->e.require_tls = 1;
	f->e.tls.ca_file = f->e.tls.cert_file = f->e.tls.key_file = empty;
	f->e.tls.server_name = f->e.tls.min_version = empty;
	f->e.tls.max_version = empty;
}

/* With Tocsin's own templates. */
static void fixture_init(struct fixture *f)
{
	fixture_init_dir(f, "templates");
}

static void fixture_fini(struct fixture *f)
{
	tmpl_unref(f->data);
	tmpl_set_free(f->set);
	labels_free(f->gl);
	labels_free(f->labels);
	labels_free(f->ann);
}

static char *message(struct fixture *f, struct buf *err)
{
	struct buf out = {0};

	if (email_message(&f->e, &f->m, f->data, "Mon, 02 Jan 2006 15:04:05 -0700",
			  "<1.2@host>", "BOUNDARY", &out, err) == -1) {
		buf_free(&out);
		return NULL;
	}
	return buf_take(&out);
}

Test(email, same_bytes_as_alertmanager)
{
	const char *shared = getenv("SHARED");
	char path[512], *want, *date, *msgid, *ctype;
	struct fixture f;
	struct buf out = {0}, err = {0};
	size_t len;

	if (access(AM_TEMPLATES "/email.tmpl", R_OK) != 0)
		cr_skip_test("Alertmanager's templates not in " AM_TEMPLATES);
	snprintf(path, sizeof path, "%s/corpus/samples/email.eml",
		 shared ? shared : "../shared");
	want = slurp(path, &len);
	date = header_of(want, "Date");
	msgid = header_of(want, "Message-Id");
	ctype = header_of(want, "Content-Type");
	cr_assert(date && msgid && ctype);
	/* Alertmanager's own templates: Tocsin's email.default.html is
	 * another page (templates/email.tmpl) */
	fixture_init_dir(&f, AM_TEMPLATES);
	cr_assert_eq(email_message(&f.e, &f.m, f.data, date, msgid,
				   strstr(ctype, "boundary=") + 9, &out, &err),
		     0, "%s", buf_str(&err));
	cr_expect_eq(out.len, len, "length %zu, want %zu", out.len, len);
	for (size_t i = 0; i < len && i < out.len; i++)
		if (out.s[i] != want[i]) {
			cr_expect_fail("first difference at byte %zu: ...%.60s", i,
				out.s + (i > 20 ? i - 20 : 0));
			break;
		}
	fixture_fini(&f);
	buf_free(&out);
	buf_free(&err);
	free(date);
	free(msgid);
	free(ctype);
	free(want);
}

Test(email, text_and_html_parts)
{
	struct fixture f;
	struct buf err = {0};
	char *got;

	fixture_init(&f);
	f.e.text = "{{ .Status }}: a=b \nlast ";
	f.e.html = "<b>{{ .Receiver }}</b>";
	got = message(&f, &err);
	cr_assert_not_null(got, "%s", buf_str(&err));
	cr_expect_str_eq(strstr(got, "Message-Id:"),
			 "Message-Id: <1.2@host>\r\n"
			 "Date: Mon, 02 Jan 2006 15:04:05 -0700\r\n"
			 "Content-Type: multipart/alternative;  "
			 "boundary=BOUNDARY\r\n"
			 "MIME-Version: 1.0\r\n\r\n"
			 "--BOUNDARY\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n"
			 "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
			 "firing: a=3Db=20\r\nlast=20"
			 "\r\n--BOUNDARY\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n"
			 "Content-Type: text/html; charset=UTF-8\r\n\r\n"
			 "<b>email</b>"
			 "\r\n--BOUNDARY--\r\n");
	free(got);
	fixture_fini(&f);
	buf_free(&err);
}

/* Go's quotedprintable.Writer: soft breaks at 76, '=' and 8-bit bytes
 * encoded, never split across a break. */
Test(email, quoted_printable_lines)
{
	struct fixture f;
	struct buf err = {0}, want = {0};
	char *got, text[200];

	fixture_init(&f);
	memset(text, 'x', 74);
	strcpy(text + 74, "\xc3\xa9z"); /* 74 x, é, z */
	f.e.text = text;
	f.e.html = empty;
	got = message(&f, &err);
	cr_assert_not_null(got, "%s", buf_str(&err));
	buf_add(&want, text, 74);
	buf_puts(&want, "=\r\n=C3=A9z\r\n--BOUNDARY--\r\n");
	cr_expect_str_eq(strstr(got, "UTF-8\r\n\r\n") + 9, buf_str(&want));
	free(got);

	memset(text, 'y', 80);
	text[80] = '\0';
	buf_reset(&want);
	buf_add(&want, text, 75);
	buf_puts(&want, "=\r\nyyyyy\r\n--BOUNDARY--\r\n");
	got = message(&f, &err);
	cr_expect_str_eq(strstr(got, "UTF-8\r\n\r\n") + 9, buf_str(&want));
	free(got);
	fixture_fini(&f);
	buf_free(&want);
	buf_free(&err);
}

/* mime.QEncoding.Encode("utf-8", v) on every header; a configured
 * Message-Id replaces the generated one. */
Test(email, headers_encoded_and_templated)
{
	struct fixture f;
	struct buf err = {0};
	char *got, *v;

	fixture_init(&f);
	f.headers[0] = (struct config_kv){"From", "Tocsin <a@x>"};
	f.headers[1] = (struct config_kv){"Message-Id", "<mine@x>"};
	f.headers[2] = (struct config_kv){"Subject",
					  "Ünïcode ✓ {{ .Status }}"};
	f.headers[3] = (struct config_kv){"To", "a@x, b@y"};
	f.headers[4] = (struct config_kv){"X-Long", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaé"};
	f.e.nheaders = 5;
	got = message(&f, &err);
	cr_assert_not_null(got, "%s", buf_str(&err));
	cr_expect(strncmp(got,
			  "Subject: =?utf-8?q?=C3=9Cn=C3=AFcode_=E2=9C=93_firing?=\r\n"
			  "To: a@x, b@y\r\nFrom: Tocsin <a@x>\r\n"
			  "Message-Id: <mine@x>\r\n",
			  strlen("Subject: =?utf-8?q?=C3=9Cn=C3=AFcode_=E2=9C=93_firing?=\r\n"
				 "To: a@x, b@y\r\nFrom: Tocsin <a@x>\r\n"
				 "Message-Id: <mine@x>\r\n")) == 0,
		  "%s", got);
	v = header_of(got, "X-Long");
	cr_expect_str_eq(v, "=?utf-8?q?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?= =?utf-8?q?aaaa=C3=A9?=");
	cr_expect_null(strstr(got, "<1.2@host>"));
	free(v);
	free(got);
	fixture_fini(&f);
	buf_free(&err);
}

Test(email, template_errors)
{
	struct fixture f;
	struct buf err = {0};

	fixture_init(&f);
	f.headers[1].value = "{{ .Nope.Deeper }";
	cr_expect_null(message(&f, &err));
	cr_expect(strncmp(buf_str(&err), "execute \"Subject\" header template: ", 35) == 0,
		  "%s", buf_str(&err));
	buf_reset(&err);
	f.headers[1].value = "ok";
	f.e.html = "{{ template \"nonexistent\" . }}";
	cr_expect_null(message(&f, &err));
	cr_expect(strncmp(buf_str(&err), "execute html template: ", 23) == 0,
		  "%s", buf_str(&err));
	fixture_fini(&f);
	buf_free(&err);
}

static int build(struct fixture *f, struct notify_req *req, struct buf *err)
{
	struct config_receiver r = {0};

	r.name = "email";
	r.email = &f->e;
	r.nemail = 1;
	cr_assert_eq(receiver_email.count(&r), 1);
	return receiver_email.build(&r, 0, &f->m, req, err);
}

Test(email, request)
{
	struct fixture f;
	struct notify_req req;
	struct buf err = {0}, rcpt = {0};
	struct curl_slist *p;

	fixture_init(&f);
	f.e.to = "\"Ops, Team\" <ops@x>, b@y,c@z";
	f.e.from = "Alerts <{{ .Receiver }}@x>";
	f.e.hello = "mail host";
	f.e.smarthost_port = "587";
	f.e.auth_username = "u";
	f.e.auth_password = "p";
	f.e.auth_identity = "id";
	cr_assert_eq(build(&f, &req, &err), 0, "%s", buf_str(&err));
	cr_expect_str_eq(req.url, "smtp://127.0.0.1:587/mail%20host");
	cr_assert_not_null(req.smtp);
	cr_expect_eq(req.http, &req.smtp->http);
	cr_expect_str_eq(req.smtp->mail_from, "<email@x>");
	for (p = req.smtp->rcpt; p; p = p->next)
		buf_printf(&rcpt, "%s;", p->data);
	cr_expect_str_eq(buf_str(&rcpt), "<ops@x>;<b@y>;<c@z>;");
	cr_expect_str_eq(req.smtp->username, "u");
	cr_expect_str_eq(req.smtp->password, "p");
	cr_expect_str_eq(req.smtp->authzid, "id");
	cr_expect_str_eq(req.smtp->login_options, "AUTH=PLAIN;AUTH=LOGIN");
	cr_expect(req.smtp->require_tls);
	cr_expect(req.len > 1000 && strlen(req.body) == req.len);
	cr_expect_not_null(strstr(req.body, "\r\nDate: "));
	notify_req_free(&req);

	/* 465: implicit TLS; only a secret: CRAM-MD5; no username: no AUTH */
	f.e.smarthost_port = "465";
	f.e.smarthost_host = "::1";
	f.e.auth_password = empty;
	f.e.auth_secret = "s";
	cr_assert_eq(build(&f, &req, &err), 0, "%s", buf_str(&err));
	cr_expect_str_eq(req.url, "smtps://[::1]:465/mail%20host");
	cr_expect_str_eq(req.smtp->password, "s");
	cr_expect_str_eq(req.smtp->login_options, "AUTH=CRAM-MD5");
	notify_req_free(&req);
	f.e.auth_username = empty;
	cr_assert_eq(build(&f, &req, &err), 0, "%s", buf_str(&err));
	cr_expect_null(req.smtp->username);
	notify_req_free(&req);
	fixture_fini(&f);
	buf_free(&rcpt);
	buf_free(&err);
}

Test(email, password_file_and_bad_addresses)
{
	struct fixture f;
	struct notify_req req;
	struct buf err = {0};
	char path[] = "/tmp/test_email_pwXXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "filepw\n", 7), 7);
	close(fd);
	fixture_init(&f);
	f.e.auth_username = "u";
	f.e.auth_password_file = path;
	cr_assert_eq(build(&f, &req, &err), 0, "%s", buf_str(&err));
	cr_expect_str_eq(req.smtp->password, "filepw");
	notify_req_free(&req);
	unlink(path);
	cr_expect_eq(build(&f, &req, &err), -1);
	cr_expect_not_null(strstr(buf_str(&err), path), "%s", buf_str(&err));

	buf_reset(&err);
	f.e.auth_username = empty;
	f.e.from = "a@x, b@y";
	cr_expect_eq(build(&f, &req, &err), -1);
	cr_expect_str_eq(buf_str(&err),
			 "must be exactly one 'from' address (got: 2)");
	buf_reset(&err);
	f.e.from = "a@x";
	f.e.to = "nobody";
	cr_expect_eq(build(&f, &req, &err), -1);
	cr_expect_str_eq(buf_str(&err),
			 "parse 'to' addresses: mail: missing @ in addr-spec");
	fixture_fini(&f);
	buf_free(&err);
}

Test(email, verdicts)
{
	struct buf reason = {0};

	cr_expect_eq(receiver_email.judge(250, "", 0, &reason), NOTIFY_OK);
	cr_expect_eq(receiver_email.judge(450, "", 0, &reason), NOTIFY_RETRY);
	cr_expect_eq(receiver_email.judge(421, "", 0, &reason), NOTIFY_RETRY);
	cr_expect_eq(receiver_email.judge(530, "", 0, &reason), NOTIFY_FAIL);
	cr_expect_eq(receiver_email.judge(550, "", 0, &reason), NOTIFY_FAIL);
	cr_expect_str_eq(receiver_email.integration, "email");
	buf_free(&reason);
}
