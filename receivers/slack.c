/*
 * slack.c - Alertmanager 0.25's Slack integration (notify/slack): one POST
 * of a message with a single legacy attachment to an incoming webhook, or
 * to chat.postMessage with a bot token (the Authorization header comes
 * from http_config, added by the sender).
 *
 * The body is what Go's encoding/json writes for Alertmanager's request
 * and attachment structs: the same member order, the same omitempty
 * members left out, and the Encoder's trailing newline.
 */
#include <jansson.h>
#include <string.h>

#include "jsonw.h"
#include "promapi.h"
#include "receiver.h"

#define SLACK_MAX_TITLE_RUNES 1024 /* notify.Truncate(title, 1024) */
#define SLACK_MAX_REASON 256	   /* bytes of an answer quoted in a reason */
#define SLACK_POST_MESSAGE "https://slack.com/api/chat.postMessage"

/* ------------------------------------------------------------ rendering */

/*
 * notify.TmplText: renders configured texts one after the other; after the
 * first failure every later text renders as "" and the failure is kept.
 * Rendered strings are owned by the context and freed with it.
 */
struct tx {
	const struct tmpl_set *set;
	struct tmpl_value *data;
	struct buf err; /* the first failure, "" while none */
	char **owned;
	size_t nowned;
};

static const char *tx(struct tx *c, const char *what, const char *text)
{
	struct buf out = {0}, e = {0};

	if (c->err.len || !text[0])
		return "";
	if (tmpl_am_render(c->set, text, c->data, &out, &e) == -1) {
		buf_printf(&c->err, "failed to template Slack %s: %s", what,
			   buf_str(&e));
		buf_free(&out);
		buf_free(&e);
		return "";
	}
	buf_free(&e);
	c->owned = xrealloc(c->owned, (c->nowned + 1) * sizeof *c->owned);
	c->owned[c->nowned] = out.s ? buf_take(&out) : xstrdup("");
	return c->owned[c->nowned++];
}

static void tx_free(struct tx *c)
{
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	buf_free(&c->err);
	tmpl_unref(c->data);
}

/* notify.Truncate: at most n runes, the last three of them "..." when
 * cut.  Returns s itself or a string owned by c. */
static const char *truncate_runes(struct tx *c, const char *s, size_t n)
{
	size_t len = strlen(s), off = 0, runes = 0, cut = 0;

	while (off < len) {
		uint32_t cp;
		int bad = 0;

		if (runes == n - 3)
			cut = off;
		off += utf8_decode((const unsigned char *)s + off, len - off,
				   &cp, &bad);
		runes++;
	}
	if (runes <= n)
		return s;
	c->owned = xrealloc(c->owned, (c->nowned + 1) * sizeof *c->owned);
	c->owned[c->nowned] = xasprintf("%.*s...", (int)cut, s);
	return c->owned[c->nowned++];
}

/* ----------------------------------------------------------- JSON output */

/* An object being written: members are separated as they come. */
struct jobj {
	struct buf *out;
	int n;
};

static void key(struct jobj *o, const char *k)
{
	buf_putc(o->out, o->n++ ? ',' : '{');
	jsonw_str(o->out, k);
	buf_putc(o->out, ':');
}

/* A string member; omitempty leaves an empty one out, as Go does. */
static void str(struct jobj *o, const char *k, const char *v, int omitempty)
{
	if (omitempty && !v[0])
		return;
	key(o, k);
	jsonw_str(o->out, v);
}

static void end(struct jobj *o)
{
	if (!o->n)
		buf_putc(o->out, '{');
	buf_putc(o->out, '}');
}

/* config.SlackField: title and value omitempty; short is a *bool that is
 * always set at send time (the field's own or short_fields). */
static void fields(struct tx *c, const struct config_slack *s,
		   struct jobj *att)
{
	char what[64];

	key(att, "fields");
	for (size_t i = 0; i < s->nfields; i++) {
		const struct config_slack_field *f = &s->fields[i];
		struct jobj o = {att->out, 0};
		int is_short = f->short_set ? f->is_short : s->short_fields;

		buf_putc(att->out, i ? ',' : '[');
		snprintf(what, sizeof what, "fields[%zu].title", i);
		str(&o, "title", tx(c, what, f->title), 1);
		snprintf(what, sizeof what, "fields[%zu].value", i);
		str(&o, "value", tx(c, what, f->value), 1);
		key(&o, "short");
		buf_puts(att->out, is_short ? "true" : "false");
		end(&o);
	}
	buf_putc(att->out, ']');
}

static void confirm(struct tx *c, const struct config_slack_confirm *cf,
		    size_t i, struct jobj *act)
{
	static const char *const keys[] = {"text", "title", "ok_text",
					   "dismiss_text"};
	const char *const texts[] = {cf->text, cf->title, cf->ok_text,
				     cf->dismiss_text};
	struct jobj o = {act->out, 0};
	char what[64];

	key(act, "confirm");
	for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
		snprintf(what, sizeof what, "actions[%zu].confirm.%s", i,
			 keys[k]);
		str(&o, keys[k], tx(c, what, texts[k]), 1);
	}
	end(&o);
}

/* config.SlackAction: every member omitempty.  Alertmanager's YAML
 * unmarshaling drops name, value and confirm of an action with a url. */
static void actions(struct tx *c, const struct config_slack *s,
		    struct jobj *att)
{
	char what[64];

	key(att, "actions");
	for (size_t i = 0; i < s->nactions; i++) {
		const struct config_slack_action *a = &s->actions[i];
		static const char *const keys[] = {"type", "text", "url",
						   "style", "name", "value"};
		int has_url = a->url[0] != '\0';
		const char *const texts[] = {a->type, a->text, a->url,
					     a->style, has_url ? "" : a->name,
					     has_url ? "" : a->value};
		struct jobj o = {att->out, 0};

		buf_putc(att->out, i ? ',' : '[');
		for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
			snprintf(what, sizeof what, "actions[%zu].%s", i,
				 keys[k]);
			str(&o, keys[k], tx(c, what, texts[k]), 1);
		}
		if (a->confirm.set && !has_url)
			confirm(c, &a->confirm, i, &o);
		end(&o);
	}
	buf_putc(att->out, ']');
}

static void mrkdwn_in(const struct config_slack *s, struct jobj *att)
{
	static const char *const def[] = {"fallback", "pretext", "text"};
	const char *const *v = s->nmrkdwn_in ? (const char *const *)s->mrkdwn_in
					     : def;
	size_t n = s->nmrkdwn_in ? s->nmrkdwn_in : ARRAY_LEN(def);

	key(att, "mrkdwn_in");
	for (size_t i = 0; i < n; i++) {
		buf_putc(att->out, i ? ',' : '[');
		jsonw_str(att->out, v[i]);
	}
	buf_putc(att->out, ']');
}

/* The attachment struct, members in Alertmanager's order. */
static void attachment(struct tx *c, const struct config_slack *s,
		       struct buf *out)
{
	struct jobj att = {out, 0};
	const char *title = tx(c, "title", s->title);

	str(&att, "title", truncate_runes(c, title, SLACK_MAX_TITLE_RUNES),
	    1);
	str(&att, "title_link", tx(c, "title_link", s->title_link), 1);
	str(&att, "pretext", tx(c, "pretext", s->pretext), 1);
	str(&att, "text", tx(c, "text", s->text), 0);
	str(&att, "fallback", tx(c, "fallback", s->fallback), 0);
	str(&att, "callback_id", tx(c, "callback_id", s->callback_id), 0);
	if (s->nfields)
		fields(c, s, &att);
	if (s->nactions)
		actions(c, s, &att);
	str(&att, "image_url", tx(c, "image_url", s->image_url), 1);
	str(&att, "thumb_url", tx(c, "thumb_url", s->thumb_url), 1);
	str(&att, "footer", tx(c, "footer", s->footer), 0);
	str(&att, "color", tx(c, "color", s->color), 1);
	mrkdwn_in(s, &att);
	end(&att);
}

/*
 * Appends the request body for s (with the Encoder's newline).  Returns 0,
 * or -1 with the first template failure in err; out then holds garbage.
 */
static int slack_body(const struct config_slack *s, const struct notify_msg *m,
		      struct buf *out, struct buf *err)
{
	struct tx c = {m->templates, tmpl_am_data_new(m->nf), {0}, NULL, 0};
	struct jobj req = {out, 0};
	struct buf att = {0};
	int rc = 0;

	/* Go evaluates the attachment before the request's own fields */
	attachment(&c, s, &att);
	str(&req, "channel", tx(&c, "channel", s->channel), 1);
	str(&req, "username", tx(&c, "username", s->username), 1);
	str(&req, "icon_emoji", tx(&c, "icon_emoji", s->icon_emoji), 1);
	str(&req, "icon_url", tx(&c, "icon_url", s->icon_url), 1);
	if (s->link_names) {
		key(&req, "link_names");
		buf_puts(out, "true");
	}
	key(&req, "attachments");
	buf_putc(out, '[');
	buf_add(out, att.s, att.len);
	buf_putc(out, ']');
	end(&req);
	buf_putc(out, '\n');
	if (c.err.len) {
		buf_puts(err, buf_str(&c.err));
		rc = -1;
	}
	buf_free(&att);
	tx_free(&c);
	return rc;
}

/* ------------------------------------------------------------ integration */

static size_t count(const struct config_receiver *r)
{
	return r->nslack;
}

static int send_resolved(const struct config_receiver *r, size_t idx)
{
	return r->slack[idx].send_resolved;
}

static int build(const struct config_receiver *r, size_t idx,
		 const struct notify_msg *m, struct notify_req *req,
		 struct buf *err)
{
	const struct config_slack *s = &r->slack[idx];
	struct buf body = {0};

	memset(req, 0, sizeof *req);
	if (slack_body(s, m, &body, err) == -1) {
		buf_free(&body);
		return -1;
	}
	if (s->api_url_file[0]) {
		/* read at each notification, as Alertmanager does */
		if (promapi_secret_read(s->api_url_file, "Slack API URL",
					&req->url, err) == -1) {
			buf_free(&body);
			return -1;
		}
	} else {
		req->url = xstrdup(s->api_url);
	}
	req->len = body.len;
	req->body = buf_take(&body);
	/* chat.postMessage warns (missing_charset) without the charset */
	req->headers = curl_slist_append(
		NULL, strcmp(req->url, SLACK_POST_MESSAGE) == 0
			      ? "Content-Type: application/json; charset=utf-8"
			      : "Content-Type: application/json");
	req->http = &s->http;
	return 0;
}

/* Appends at most SLACK_MAX_REASON bytes of an answer. */
static void quote_answer(struct buf *reason, const char *body, size_t len)
{
	buf_add(reason, body, len < SLACK_MAX_REASON ? len : SLACK_MAX_REASON);
}

/*
 * Slack answers 2xx with "ok" (incoming webhooks, text/plain) or a JSON
 * object whose "ok" tells (the Web API, errors included).  A 2xx JSON
 * answer without "ok" (Slack-compatible services) and an empty one are
 * taken as success.  429 and 5xx are retried (Alertmanager 0.25 retries
 * 5xx only), other statuses are not.
 */
static enum notify_verdict judge(long status, const char *body, size_t len,
				 struct buf *reason)
{
	json_t *doc, *ok;
	size_t i = 0, j = len;

	if (status / 100 != 2) {
		buf_printf(reason, "unexpected status code %ld", status);
		if (len) {
			buf_puts(reason, ": ");
			quote_answer(reason, body, len);
		}
		return status / 100 == 5 || status == 429 ? NOTIFY_RETRY
							  : NOTIFY_FAIL;
	}
	while (i < j && strchr(" \t\r\n", body[i]))
		i++;
	while (j > i && strchr(" \t\r\n", body[j - 1]))
		j--;
	if (j == i || (j - i == 2 && memcmp(body + i, "ok", 2) == 0))
		return NOTIFY_OK;
	doc = body[i] == '{' ? json_loadb(body, len, 0, NULL) : NULL;
	if (!doc) {
		buf_puts(reason, "received an error response from Slack: ");
		quote_answer(reason, body, len);
		return NOTIFY_FAIL;
	}
	ok = json_object_get(doc, "ok");
	if (!json_is_false(ok)) {
		json_decref(doc);
		return NOTIFY_OK;
	}
	buf_printf(reason, "error response from Slack: %s",
		   json_string_value(json_object_get(doc, "error"))
			   ? json_string_value(json_object_get(doc, "error"))
			   : "");
	json_decref(doc);
	return NOTIFY_FAIL;
}

const struct receiver_ops receiver_slack = {
	.integration = "slack",
	.count = count,
	.send_resolved = send_resolved,
	.build = build,
	.judge = judge,
};
