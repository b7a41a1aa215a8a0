/*
 * api_silences.c - the silence endpoints of the Alertmanager API v2:
 * POST/GET /api/v2/silences, GET/DELETE /api/v2/silence/{id}.  A 200 to a
 * POST or DELETE means the change is in the SQLite file.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "log.h"
#include "matcher.h"
#include "router_int.h"

static void reply(struct httpd_req *q, int status, const char *body,
		  size_t len)
{
	httpd_reply_header(q, "Cache-Control", "no-store");
	httpd_reply(q, status, len ? "application/json" : NULL, body, len);
}

/* Who asked, for the silence history: the client's address and agent. */
static char *client_of(struct httpd_req *q)
{
	const char *ua = httpd_req_header(q, "User-Agent");

	return xasprintf("%s%s%s", httpd_req_remote(q), ua ? " " : "",
			 ua ? ua : "");
}

void router_refresh_silences(struct router *r)
{
	struct buf err = {0};

	if (silences_reload_if_changed(r->silences, router_now(r), &err) == -1)
		LOG_ERROR("silences", "Reloading silences failed", "err",
			  buf_str(&err));
	buf_free(&err);
}

void api_silences_get(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	const char *vals[64];
	size_t n = httpd_req_args(q, "filter", vals, 64);
	struct matchers filter = {0};
	struct buf out = {0}, err = {0};

	for (size_t i = 0; i < n && i < 64; i++) {
		struct matcher m;

		if (matcher_parse_mode(vals[i], MATCHER_CLASSIC, &m, &err,
				       NULL) == -1) {
			jsonw_str(&out, buf_str(&err));
			reply(q, 400, out.s, out.len);
			buf_free(&out);
			buf_free(&err);
			matchers_free(&filter);
			return;
		}
		matchers_push(&filter, &m);
	}
	router_refresh_silences(r);
	silences_list_json(r->silences, &filter, router_now(r), &out);
	reply(q, 200, out.s, out.len);
	buf_free(&out);
	matchers_free(&filter);
}

void api_silences_post(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	struct silence_answer a = {0};
	size_t len;
	const char *body = httpd_req_body(q, &len);
	char *client = client_of(q);

	router_refresh_silences(r);
	silences_post(r->silences, body, len, router_now(r), client, &a);
	reply(q, a.status, a.body.s ? a.body.s : "", a.body.len);
	silence_answer_free(&a);
	free(client);
}

/* The {id} of /api/v2/silence/{id}; answers 422 itself when it is no
 * UUID, as go-swagger does. */
static const char *path_id(struct httpd_req *q)
{
	const char *id = httpd_req_rest(q);

	if (!silence_id_valid(id)) {
		struct buf b = {0}, m = {0};

		buf_puts(&m, "silenceID in path must be of type uuid: ");
		buf_quote(&m, id);
		buf_puts(&b, "{\"code\":601,\"message\":");
		jsonw_str(&b, buf_str(&m));
		buf_putc(&b, '}');
		reply(q, 422, b.s, b.len);
		buf_free(&b);
		buf_free(&m);
		return NULL;
	}
	return id;
}

void api_silence_get(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	const char *id = path_id(q);
	const struct silence *s;
	struct buf out = {0};

	if (!id)
		return;
	router_refresh_silences(r);
	s = silences_get(r->silences, id);
	if (!s) {
		reply(q, 404, "", 0);
		return;
	}
	silence_to_json(&out, s, router_now(r));
	reply(q, 200, out.s, out.len);
	buf_free(&out);
}

void api_silence_delete(struct httpd_req *q, void *arg)
{
	struct router *r = arg;
	const char *id = path_id(q);
	struct buf msg = {0};
	char *client;
	enum silence_rc rc;

	if (!id)
		return;
	router_refresh_silences(r);
	client = client_of(q);
	rc = silences_expire(r->silences, id, router_now(r), client, &msg);
	free(client);
	if (rc == SILENCE_OK) {
		reply(q, 200, "", 0);
	} else if (rc == SILENCE_NOT_FOUND) {
		/* Alertmanager 0.26+; 0.25 answered 500 */
		reply(q, 404, "", 0);
	} else {
		struct buf b = {0};

		jsonw_str(&b, buf_str(&msg));
		reply(q, 500, b.s, b.len);
		buf_free(&b);
	}
	buf_free(&msg);
}
