/*
 * pagerduty.c - Alertmanager 0.25's PagerDuty integration
 * (notify/pagerduty): an Events API v2 event when a routing key is set,
 * else a v1 (generic/2010-04-15) event with the service key.
 *
 * The body is what Go's encoding/json writes for Alertmanager's
 * pagerDutyMessage: the same member order, omitempty members left out
 * (v1 therefore carries "event_action":"" and "payload":null, as
 * Alertmanager's does), and the Encoder's trailing newline.  The dedup
 * (v2) or incident (v1) key is the hex SHA-256 of the group key.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jsonw.h"
#include "promapi.h"
#include "receiver.h"

#define PD_MAX_SUMMARY_RUNES 1024 /* notify.Truncate(description, 1024) */
#define PD_MAX_EVENT_SIZE 512000  /* bytes; custom details dropped above */
#define PD_V1_URL                                                       \
	"https://events.pagerduty.com/generic/2010-04-15/create_event.json"
#define PD_TOO_BIG                                                      \
	"Custom details have been removed because the original event "   \
	"exceeds the maximum size of 512KB"

/* --------------------------------------------------------------- SHA-256 */

/* FIPS 180-4 SHA-256, enough for a group key. */
struct sha256 {
	uint32_t h[8];
	unsigned char block[64];
	size_t fill;
	uint64_t bytes;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct sha256 *c, const unsigned char *p)
{
	uint32_t w[64], v[8];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, c->h, sizeof v);
	for (int i = 0; i < 64; i++) {
		uint32_t s1 = ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25);
		uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
		uint32_t t1 = v[7] + s1 + ch + sha256_k[i] + w[i];
		uint32_t s0 = ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22);
		uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);

		memmove(v + 1, v, 7 * sizeof *v);
		v[4] += t1;
		v[0] = t1 + s0 + maj;
	}
	for (int i = 0; i < 8; i++)
		c->h[i] += v[i];
}

static void sha256_add(struct sha256 *c, const void *data, size_t n)
{
	const unsigned char *p = data;

	c->bytes += n;
	while (n) {
		size_t k = 64 - c->fill < n ? 64 - c->fill : n;

		memcpy(c->block + c->fill, p, k);
		c->fill += k;
		p += k;
		n -= k;
		if (c->fill == 64) {
			sha256_block(c, c->block);
			c->fill = 0;
		}
	}
}

/* Writes the lowercase hex digest of s (65 bytes with the NUL) to hex. */
static void sha256_hex(const char *s, char hex[65])
{
	static const uint32_t init[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					 0xa54ff53a, 0x510e527f, 0x9b05688c,
					 0x1f83d9ab, 0x5be0cd19};
	struct sha256 c = {{0}, {0}, 0, 0};
	unsigned char pad[72] = {0x80};
	uint64_t bits;
	size_t npad;

	memcpy(c.h, init, sizeof init);
	sha256_add(&c, s, strlen(s));
	bits = c.bytes * 8;
	npad = (c.fill < 56 ? 56 : 120) - c.fill;
	for (int i = 0; i < 8; i++)
		pad[npad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_add(&c, pad, npad + 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", (unsigned)c.h[i]);
}

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

static const char *own(struct tx *c, char *s)
{
	c->owned = xrealloc(c->owned, (c->nowned + 1) * sizeof *c->owned);
	c->owned[c->nowned] = s;
	return c->owned[c->nowned++];
}

static const char *tx(struct tx *c, const char *text)
{
	struct buf out = {0};

	if (c->err.len || !text[0])
		return "";
	if (tmpl_am_render(c->set, text, c->data, &out, &c->err) == -1) {
		if (!c->err.len)
			buf_puts(&c->err, "template failed");
		buf_free(&out);
		return "";
	}
	return own(c, out.s ? buf_take(&out) : xstrdup(""));
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
	return own(c, xasprintf("%.*s...", (int)cut, s));
}

/* --------------------------------------------------------------- message */

/* What is sent, rendered; strings are owned by the struct tx. */
struct pd_msg {
	int v1;
	const char *key; /* routing_key (v2) or service_key (v1) */
	char dedup[65];	 /* dedup_key (v2) or incident_key (v1) */
	const char *action; /* trigger or resolve */
	const char *summary, *source, *severity, *class, *component, *group;
	const char *client, *client_url;
	const char **details; /* rendered values of the config's details */
	const char **img_src, **img_alt, **img_href, **link_href, **link_text;
	int too_big; /* custom details replaced by PD_TOO_BIG */
};

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

/* map[string]string, omitempty: the config's details are sorted by name,
 * as Go sorts map keys. */
static void details(const struct config_pagerduty *p, const struct pd_msg *m,
		    struct jobj *o, const char *k)
{
	struct jobj d = {o->out, 0};

	if (m->too_big) {
		key(o, k);
		buf_puts(o->out, "{\"error\":");
		jsonw_str(o->out, PD_TOO_BIG);
		buf_putc(o->out, '}');
		return;
	}
	if (!p->ndetails)
		return;
	key(o, k);
	for (size_t i = 0; i < p->ndetails; i++)
		str(&d, p->details[i].name, m->details[i], 0);
	end(&d);
}

static void payload(const struct config_pagerduty *p, const struct pd_msg *m,
		    struct jobj *o)
{
	struct jobj pl = {o->out, 0};

	key(o, "payload");
	str(&pl, "summary", m->summary, 0);
	str(&pl, "source", m->source, 0);
	str(&pl, "severity", m->severity, 0);
	/* timestamp: never set by Alertmanager 0.25 */
	str(&pl, "class", m->class, 1);
	str(&pl, "component", m->component, 1);
	str(&pl, "group", m->group, 1);
	details(p, m, &pl, "custom_details");
	end(&pl);
}

/* images and links, omitempty: only those whose src / href rendered
 * non-empty are sent. */
static void images_links(const struct config_pagerduty *p,
			 const struct pd_msg *m, struct jobj *o)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nimages; i++) {
		struct jobj im = {o->out, 0};

		if (!m->img_src[i][0])
			continue;
		if (!n++)
			key(o, "images");
		buf_putc(o->out, n > 1 ? ',' : '[');
		str(&im, "src", m->img_src[i], 0);
		str(&im, "alt", m->img_alt[i], 0);
		str(&im, "href", m->img_href[i], 0);
		end(&im);
	}
	if (n)
		buf_putc(o->out, ']');
	n = 0;
	for (size_t i = 0; i < p->nlinks; i++) {
		struct jobj ln = {o->out, 0};

		if (!m->link_href[i][0])
			continue;
		if (!n++)
			key(o, "links");
		buf_putc(o->out, n > 1 ? ',' : '[');
		str(&ln, "href", m->link_href[i], 0);
		str(&ln, "text", m->link_text[i], 0);
		end(&ln);
	}
	if (n)
		buf_putc(o->out, ']');
}

/* Appends pagerDutyMessage as json.Encoder writes it. */
static void encode(const struct config_pagerduty *p, const struct pd_msg *m,
		   struct buf *out)
{
	struct jobj o = {out, 0};

	if (m->v1) {
		str(&o, "service_key", m->key, 1);
		str(&o, "incident_key", m->dedup, 1);
		str(&o, "event_type", m->action, 1);
		str(&o, "description", m->summary, 1);
		str(&o, "event_action", "", 0);
		key(&o, "payload");
		buf_puts(out, "null");
		str(&o, "client", m->client, 1);
		str(&o, "client_url", m->client_url, 1);
		details(p, m, &o, "details");
	} else {
		str(&o, "routing_key", m->key, 1);
		str(&o, "dedup_key", m->dedup, 1);
		str(&o, "event_action", m->action, 0);
		payload(p, m, &o);
		str(&o, "client", m->client, 1);
		str(&o, "client_url", m->client_url, 1);
		images_links(p, m, &o);
	}
	end(&o);
	buf_putc(out, '\n');
}

/* Renders details (each failure is fatal, with its key and text). */
static int render_details(const struct config_pagerduty *p, struct tx *c,
			  struct pd_msg *m, struct buf *err)
{
	m->details = xcalloc(p->ndetails + 1, sizeof *m->details);
	for (size_t i = 0; i < p->ndetails; i++) {
		m->details[i] = tx(c, p->details[i].value);
		if (c->err.len) {
			buf_quote(err, p->details[i].name);
			buf_puts(err, ": failed to template ");
			buf_quote(err, p->details[i].value);
			buf_printf(err, ": %s", buf_str(&c->err));
			return -1;
		}
	}
	return 0;
}

static const char **render_list(struct tx *c, const void *items, size_t n,
				size_t size, size_t off)
{
	const char **v = xcalloc(n + 1, sizeof *v);

	for (size_t i = 0; i < n; i++)
		v[i] = tx(c, *(char *const *)((const char *)items + i * size +
					      off));
	return v;
}

#define LIST(c, arr, n, type, field)                                     \
	render_list(c, arr, n, sizeof(struct type), offsetof(struct type, field))

/* Renders everything v2 sends, in Alertmanager's order. */
static void render_v2(const struct config_pagerduty *p, struct tx *c,
		      struct pd_msg *m)
{
	const char *sev = p->severity[0] ? p->severity : "error";

	m->summary = truncate_runes(c, tx(c, p->description),
				    PD_MAX_SUMMARY_RUNES);
	m->client = tx(c, p->client);
	m->client_url = tx(c, p->client_url);
	m->key = tx(c, m->key);
	m->source = tx(c, p->source);
	m->severity = tx(c, sev);
	m->class = tx(c, p->class);
	m->component = tx(c, p->component);
	m->group = tx(c, p->group);
	m->img_src = LIST(c, p->images, p->nimages, config_pagerduty_image, src);
	m->img_alt = LIST(c, p->images, p->nimages, config_pagerduty_image, alt);
	m->img_href =
		LIST(c, p->images, p->nimages, config_pagerduty_image, href);
	m->link_href =
		LIST(c, p->links, p->nlinks, config_pagerduty_link, href);
	m->link_text =
		LIST(c, p->links, p->nlinks, config_pagerduty_link, text);
}

static void render_v1(const struct config_pagerduty *p, struct tx *c,
		      struct pd_msg *m)
{
	m->summary = truncate_runes(c, tx(c, p->description),
				    PD_MAX_SUMMARY_RUNES);
	m->key = tx(c, m->key);
	if (strcmp(m->action, "trigger") == 0) {
		m->client = tx(c, p->client);
		m->client_url = tx(c, p->client_url);
	} else {
		m->client = m->client_url = "";
	}
}

static void msg_free(struct pd_msg *m)
{
	free(m->details);
	free(m->img_src);
	free(m->img_alt);
	free(m->img_href);
	free(m->link_href);
	free(m->link_text);
}

/* Reads the routing or service key: inline, or from its file at each
 * notification.  Returns 0, or -1 with the reason. */
static int read_key(const struct config_pagerduty *p, int v1, char **key,
		    struct buf *err)
{
	const char *inline_key = v1 ? p->service_key : p->routing_key;
	const char *file = v1 ? p->service_key_file : p->routing_key_file;

	if (inline_key[0] || !file[0]) {
		*key = xstrdup(inline_key);
		return 0;
	}
	return promapi_secret_read(file,
				   v1 ? "PagerDuty service key"
				      : "PagerDuty routing key",
				   key, err);
}

/*
 * Appends the body of the event for p to out and sets *url.  Returns 0, or
 * -1 with the reason (a template, an empty key, a key file).
 */
static int pd_event(const struct config_pagerduty *p,
		    const struct notify_msg *m, struct buf *out,
		    const char **url, struct buf *err)
{
	struct tx c = {m->templates, tmpl_am_data_new(m->nf), {0}, NULL, 0};
	struct pd_msg msg = {0};
	char *key = NULL;
	size_t firing = 0;
	int rc = -1;

	/* Alertmanager picks v1 when a service key is configured */
	msg.v1 = p->service_key[0] || p->service_key_file[0];
	*url = msg.v1 ? PD_V1_URL : p->url;
	for (size_t i = 0; i < m->nf->nalerts; i++)
		firing += strcmp(m->nf->alerts[i].status, "firing") == 0;
	msg.action = firing ? "trigger" : "resolve";
	sha256_hex(m->group_key, msg.dedup);
	if (render_details(p, &c, &msg, err) == -1)
		goto out;
	if (read_key(p, msg.v1, &key, err) == -1)
		goto out;
	msg.key = key;
	if (msg.v1)
		render_v1(p, &c, &msg);
	else
		render_v2(p, &c, &msg);
	if (c.err.len) {
		buf_printf(err, "failed to template PagerDuty %s message: %s",
			   msg.v1 ? "v1" : "v2", buf_str(&c.err));
		goto out;
	}
	if (!msg.key[0]) {
		buf_printf(err, "%s key cannot be empty",
			   msg.v1 ? "service" : "routing");
		goto out;
	}
	encode(p, &msg, out);
	if (out->len > PD_MAX_EVENT_SIZE) {
		msg.too_big = 1;
		buf_reset(out);
		encode(p, &msg, out);
	}
	rc = 0;
out:
	free(key);
	msg_free(&msg);
	tx_free(&c);
	return rc;
}

/* ------------------------------------------------------------ integration */

static size_t count(const struct config_receiver *r)
{
	return r->npagerduty;
}

static int send_resolved(const struct config_receiver *r, size_t idx)
{
	return r->pagerduty[idx].send_resolved;
}

static int build(const struct config_receiver *r, size_t idx,
		 const struct notify_msg *m, struct notify_req *req,
		 struct buf *err)
{
	struct buf body = {0};
	const char *url;

	memset(req, 0, sizeof *req);
	if (pd_event(&r->pagerduty[idx], m, &body, &url, err) == -1) {
		buf_free(&body);
		return -1;
	}
	req->url = xstrdup(url);
	req->len = body.len;
	req->body = buf_take(&body);
	req->headers = curl_slist_append(NULL,
					 "Content-Type: application/json");
	req->http = &r->pagerduty[idx].http;
	return 0;
}

/* errDetails: a 400 answer's "message: error,error". */
static void details_400(struct buf *reason, const char *body, size_t len)
{
	json_t *doc = json_loadb(body, len, 0, NULL), *errs, *e;
	const char *msg;
	size_t i;

	if (!json_is_object(doc)) {
		json_decref(doc);
		return;
	}
	msg = json_string_value(json_object_get(doc, "message"));
	buf_printf(reason, ": %s: ", msg ? msg : "");
	errs = json_object_get(doc, "errors");
	json_array_foreach(errs, i, e)
	{
		if (i)
			buf_putc(reason, ',');
		buf_puts(reason, json_string_value(e) ? json_string_value(e)
						      : "");
	}
	json_decref(doc);
}

/*
 * notify.Retrier as Alertmanager sets it for PagerDuty: 2xx ok; 5xx and
 * 429 (v2's rate limit) retried, and 403 (v1's rate limit; the v2 API
 * never answers it) too; the rest, 400 above all, not.
 */
static enum notify_verdict judge(long status, const char *body, size_t len,
				 struct buf *reason)
{
	if (status / 100 == 2)
		return NOTIFY_OK;
	buf_printf(reason, "unexpected status code %ld", status);
	if (status == 400)
		details_400(reason, body, len);
	return status / 100 == 5 || status == 429 || status == 403
		       ? NOTIFY_RETRY
		       : NOTIFY_FAIL;
}

const struct receiver_ops receiver_pagerduty = {
	.integration = "pagerduty",
	.count = count,
	.send_resolved = send_resolved,
	.build = build,
	.judge = judge,
};
