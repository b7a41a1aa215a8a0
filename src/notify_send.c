/*
 * notify_send.c - one notification request, retried on the loop.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "httpc.h"
#include "notify_send.h"
#include "oauth2.h"
#include "promapi.h"

#define BACKOFF_INITIAL_MS 500
#define BACKOFF_MAX_MS 60000
/* What is kept of an answer for the integration to judge. */
#define ANSWER_MAX (64 << 10)

struct notify_sender {
	struct loop *loop;
	struct loop_http *http;
	struct oauth2_cache *oauth2;
	struct oauth2_wait *wait; /* for a token */
	char *token;		  /* its Authorization value, this attempt */
	struct curl_slist *attempt_headers; /* headers + the token */
	const struct receiver_ops *ops;
	struct notify_req req;
	int64_t deadline;
	notify_sent_fn *done;
	void *arg;

	CURL *easy; /* the transfer in flight, or NULL */
	struct curl_slist *headers;
	struct buf answer;
	int64_t retry_after; /* ms from the last answer; -1: none */
	char errbuf[CURL_ERROR_SIZE];
	uint64_t timer;
	int64_t interval; /* current backoff interval */
	int attempts;
	long status;	 /* of the last answer; 0: none */
	size_t sent;	 /* of an SMTP message uploaded */
	int finished;	 /* done() ran */
	char *setup_err; /* a secret file could not be read */
};

const char *const notify_failure_reasons[NOTIFY_NWHY] = {
	[NOTIFY_WHY_OTHER] = "other",
	[NOTIFY_WHY_CLIENT] = "clientError",
	[NOTIFY_WHY_SERVER] = "serverError",
	[NOTIFY_WHY_CANCELED] = "contextCanceled",
	[NOTIFY_WHY_DEADLINE] = "contextDeadlineExceeded",
};

int64_t notify_backoff_ms(int64_t cur)
{
	int64_t next = cur ? cur * 3 / 2 : BACKOFF_INITIAL_MS;

	return next > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : next;
}

/* The wait before the next attempt: the interval +-50%. */
static int64_t jittered(int64_t interval)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)loop_mono_ms() * 2654435761u;
	return interval / 2 + (int64_t)((double)interval * (r / 4294967296.0));
}

int64_t notify_retry_after_ms(const char *v, int64_t now_ms)
{
	char *end;
	long long secs;
	struct tm tm;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		secs = strtoll(v, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' ||
		       *end == '\n')
			end++;
		if (*end || secs < 0 || secs > 86400LL * 365)
			return -1;
		return secs * 1000;
	}
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	memset(&tm, 0, sizeof tm);
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -1;
	{
		int64_t at = (int64_t)timegm(&tm) * 1000;

		return at > now_ms ? at - now_ms : 0;
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct notify_sender *s = arg;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	if (len > sizeof name - 1 &&
	    strncasecmp(p, name, sizeof name - 1) == 0) {
		char v[128];
		size_t vl = len - (sizeof name - 1);

		if (vl >= sizeof v)
			vl = sizeof v - 1;
		memcpy(v, p + sizeof name - 1, vl);
		v[vl] = '\0';
		s->retry_after = notify_retry_after_ms(v, loop_wall_ms());
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct notify_sender *s = arg;
	size_t len = size * n;

	if (s->answer.len < ANSWER_MAX)
		buf_add(&s->answer, p,
			len < ANSWER_MAX - s->answer.len
				? len
				: ANSWER_MAX - s->answer.len);
	return len;
}

/* The SMTP message, for CURLOPT_UPLOAD. */
static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
	struct notify_sender *s = arg;
	size_t left = s->req.len - s->sent;

	if (left > size * n)
		left = size * n;
	memcpy(p, s->req.body + s->sent, left);
	s->sent += left;
	return left;
}

/* An SMTP transaction instead of a POST: the envelope, the login, TLS
 * (STARTTLS required, or implicit with smtps://), the message uploaded. */
static void smtp_options(struct notify_sender *s)
{
	const struct notify_smtp *m = s->req.smtp;
	CURL *e = s->easy;

	s->sent = 0;
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, m->mail_from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, m->rcpt);
	if (m->require_tls)
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (m->username) {
		curl_easy_setopt(e, CURLOPT_USERNAME, m->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, m->password);
		curl_easy_setopt(e, CURLOPT_LOGIN_OPTIONS, m->login_options);
		if (m->authzid)
			curl_easy_setopt(e, CURLOPT_SASL_AUTHZID, m->authzid);
	}
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->req.len);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(e, CURLOPT_READDATA, s);
}

static void sender_free(struct notify_sender *s)
{
	free(s->token);
	curl_slist_free_all(s->attempt_headers);
	notify_req_free(&s->req);
	free(s->setup_err);
	curl_slist_free_all(s->headers);
	buf_free(&s->answer);
	free(s);
}

/* Why a send failed, from the last answer (Alertmanager's
 * GetFailureReasonFromStatusCode) or, without one, how it ended. */
static enum notify_why failure(const struct notify_sender *s, int deadline)
{
	if (s->status >= 400 && s->status < 500)
		return NOTIFY_WHY_CLIENT;
	if (s->status >= 500 && s->status < 600)
		return NOTIFY_WHY_SERVER;
	return deadline ? NOTIFY_WHY_DEADLINE : NOTIFY_WHY_OTHER;
}

static void finish_why(struct notify_sender *s, int ok, const char *reason,
		       enum notify_why why)
{
	if (!s->finished) {
		s->finished = 1;
		s->done(s->arg, ok, reason ? reason : "", ok ? NOTIFY_WHY_OTHER : why,
			s->attempts);
	}
	if (!s->easy && !s->timer && !s->wait)
		sender_free(s);
}

static void finish(struct notify_sender *s, int ok, const char *reason)
{
	finish_why(s, ok, reason, failure(s, 0));
}

static void attempt(struct loop *l, void *arg);

/* The next attempt after the backoff (or Retry-After), or the end when
 * that would pass the deadline. */
static void retry(struct notify_sender *s, struct buf *reason)
{
	int64_t now = loop_now(s->loop), wait;

	s->interval = notify_backoff_ms(s->interval);
	wait = jittered(s->interval);
	if (s->retry_after > wait)
		wait = s->retry_after;
	if (now + wait >= s->deadline) {
		buf_puts(reason, " (no time left to retry)");
		finish_why(s, 0, buf_str(reason), failure(s, 1));
	} else {
		s->timer = loop_timer_add(s->loop, now + wait, attempt, s);
	}
}

/* A token for this attempt (oauth2): the attempt goes on with it, or is
 * retried like a network error. */
static void on_token(void *arg, const char *value, const char *err)
{
	struct notify_sender *s = arg;

	s->wait = NULL;
	if (s->finished) {
		finish(s, 0, NULL);
		return;
	}
	if (value) {
		free(s->token);
		s->token = xstrdup(value);
		attempt(s->loop, s);
	} else {
		struct buf reason = {0};

		s->attempts++;
		s->status = 0;
		s->retry_after = -1;
		buf_puts(&reason, err);
		retry(s, &reason);
		buf_free(&reason);
	}
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
	struct notify_sender *s = arg;
	struct buf reason = {0};
	enum notify_verdict v;
	long status = 0;

	s->easy = NULL;
	if (s->finished) { /* aborted meanwhile */
		curl_easy_cleanup(easy);
		finish(s, 0, NULL);
		return;
	}
	s->status = 0;
	if (rc != CURLE_OK && s->req.smtp) {
		/* the SMTP reply that failed the transaction is judged (4xx
		 * transient, 5xx not); no reply: a network error, retried */
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		/* SMTP replies are not HTTP statuses: "other", as for
		 * Alertmanager's email integration */
		buf_printf(&reason, "smtp %s: %s", s->req.url,
			   s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		v = NOTIFY_RETRY;
		if (status >= 400) {
			struct buf why = {0};

			v = s->ops->judge(status, "", 0, &why);
			buf_free(&why);
		}
	} else if (rc != CURLE_OK) {
		long os_errno = 0;

		curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
		promapi_error_from_curl(rc, os_errno, s->req.url, s->errbuf,
					&reason);
		v = NOTIFY_RETRY; /* network errors are retried */
	} else {
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		s->status = status;
		v = s->ops->judge(status, s->answer.s ? s->answer.s : "",
				  s->answer.len, &reason);
	}
	curl_easy_cleanup(easy);
	curl_slist_free_all(s->attempt_headers);
	s->attempt_headers = NULL;
	if (v == NOTIFY_OK)
		finish(s, 1, NULL);
	else if (v == NOTIFY_FAIL)
		finish(s, 0, buf_str(&reason));
	else
		retry(s, &reason);
	buf_free(&reason);
}

static void attempt(struct loop *l, void *arg)
{
	struct notify_sender *s = arg;
	struct buf err = {0};
	int64_t left = s->deadline - loop_now(l);

	s->timer = 0;
	if (s->finished) {
		finish(s, 0, NULL);
		return;
	}
	if (s->setup_err) {
		finish(s, 0, s->setup_err);
		return;
	}
	/* oauth2: every attempt asks the cache (a token may expire between
	 * attempts); it answers on the loop and calls this again */
	if (s->oauth2 && s->req.http && s->req.http->oauth2 && !s->token) {
		s->wait = oauth2_token(s->oauth2, s->req.http->oauth2, on_token,
				       s);
		return;
	}
	buf_reset(&s->answer);
	s->errbuf[0] = '\0';
	s->retry_after = -1;
	s->attempts++;
	s->easy = curl_easy_init();
	if (!s->easy || left <= 0 ||
	    httpc_setup(s->easy, s->req.http, left, &err) == -1) {
		if (s->easy)
			curl_easy_cleanup(s->easy);
		s->easy = NULL;
		finish_why(s, 0, err.len ? buf_str(&err) : "deadline passed",
			   failure(s, !err.len));
		buf_free(&err);
		return;
	}
	curl_easy_setopt(s->easy, CURLOPT_URL, s->req.url);
	if (s->req.smtp) {
		smtp_options(s);
	} else {
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->req.body);
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)s->req.len);
		if (s->token) {
			char *line = xasprintf("Authorization: %s", s->token);

			for (struct curl_slist *p = s->headers; p; p = p->next)
				s->attempt_headers = curl_slist_append(
					s->attempt_headers, p->data);
			s->attempt_headers =
				curl_slist_append(s->attempt_headers, line);
			free(line);
		}
		curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER,
				 s->attempt_headers ? s->attempt_headers
						    : s->headers);
	}
	free(s->token); /* the next attempt asks again */
	s->token = NULL;
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
	if (loop_http_start_to(s->http, s->easy, s->req.url, on_done, s) ==
	    -1) {
		curl_easy_cleanup(s->easy);
		s->easy = NULL;
		finish(s, 0, "cannot start the request");
	}
}

struct notify_sender *notify_send(struct loop *l, struct loop_http *h,
				  struct oauth2_cache *oauth2,
				  const struct receiver_ops *ops,
				  struct notify_req *req, int64_t deadline_mono,
				  notify_sent_fn *done, void *arg)
{
	struct notify_sender *s = xcalloc(1, sizeof *s);
	struct buf auth = {0};
	char *value = NULL;

	s->loop = l;
	s->http = h;
	s->oauth2 = oauth2;
	s->ops = ops;
	s->req = *req;
	memset(req, 0, sizeof *req);
	s->deadline = deadline_mono;
	s->done = done;
	s->arg = arg;
	s->retry_after = -1;
	/* the request's headers, Authorization from http_config, and no
	 * Expect: 100-continue round trip */
	for (struct curl_slist *p = s->req.headers; p; p = p->next)
		s->headers = curl_slist_append(s->headers, p->data);
	if (s->req.http &&
	    promapi_auth_value(s->req.http, &value, &auth) == -1) {
		s->setup_err = buf_take(&auth);
	} else if (value) {
		char *line = xasprintf("Authorization: %s", value);

		s->headers = curl_slist_append(s->headers, line);
		free(line);
	}
	free(value);
	buf_free(&auth);
	s->headers = curl_slist_append(s->headers, "Expect:");
	/* first attempt at once, but from the loop: done() never runs
	 * inside this call */
	s->timer = loop_timer_add(l, loop_now(l), attempt, s);
	return s;
}

void notify_send_abort(struct notify_sender *s)
{
	oauth2_cancel(s->wait);
	s->wait = NULL;
	if (s->timer) {
		loop_timer_cancel(s->loop, s->timer);
		s->timer = 0;
	}
	finish_why(s, 0, "aborted", NOTIFY_WHY_CANCELED);
}
