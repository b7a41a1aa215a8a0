/*
 * fuzz_api_alerts.c - libFuzzer target for POST /api/v2/alerts bodies.
 *
 * The input is the request body.  Invariants: the answer status is 200,
 * 400 or 422; a 200 has an empty body and every alert stored is valid
 * (labels non-empty with legacy names and UTF-8 values, startsAt <=
 * endsAt, endsAt set); 422 stores nothing; a non-200 body is JSON; each
 * stored alert encodes as gettableAlert JSON that jansson reads back.
 * When the fast path takes a body, the general (jansson) path reads it
 * the same: same answer, same alerts.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_alerts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_alert(const struct am_alert *a, const struct am_alert *b)
{
	return labels_equal(a->labels, b->labels) &&
	       labels_equal(a->annotations, b->annotations) &&
	       strcmp(a->generator_url, b->generator_url) == 0 &&
	       a->starts_at == b->starts_at && a->ends_at == b->ends_at &&
	       a->updated_at == b->updated_at && a->timeout == b->timeout;
}

/* The fast path, when it takes a body, reads what the general path reads. */
static void fast_agrees(const char *body, size_t len, int64_t now)
{
	struct api_alerts_post f, g;

	if (!api_alerts_parse_fast(body, len, now, 300000, &f))
		return;
	api_alerts_parse_json(body, len, now, 300000, &g);
	if (f.status != g.status || f.n != g.n || f.ninvalid != g.ninvalid ||
	    f.body.len != g.body.len ||
	    (f.body.len && memcmp(f.body.s, g.body.s, f.body.len) != 0))
		abort();
	for (size_t i = 0; i < f.n; i++)
		if (!same_alert(f.alerts[i], g.alerts[i]))
			abort();
	api_alerts_post_free(&f);
	api_alerts_post_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_alerts_post p;
	const int64_t now = 1763780000000LL;

	fast_agrees((const char *)data, size, now);
	api_alerts_parse((const char *)data, size, now, 300000, &p);
	if (p.status != 200 && p.status != 400 && p.status != 422)
		abort();
	if (p.status == 200 && p.body.len)
		abort();
	if (p.status == 422 && p.n)
		abort();
	if (p.status != 200) {
		json_t *j = json_loadb(p.body.s, p.body.len, JSON_DECODE_ANY,
				       NULL);

		if (!j)
			abort();
		json_decref(j);
	}
	for (size_t i = 0; i < p.n; i++) {
		const struct am_alert *a = p.alerts[i];
		struct api_alert_status st = {0};
		struct buf out = {0};
		json_t *j;

		if (a->labels->n == 0 || a->ends_at == 0 ||
		    a->ends_at < a->starts_at || a->updated_at != now)
			abort();
		for (size_t k = 0; k < a->labels->n; k++)
			if (!labels_name_legacy(a->labels->v[k].name) ||
			    !a->labels->v[k].value[0])
				abort();
		api_alert_json(&out, a, &st);
		j = json_loadb(out.s, out.len, 0, NULL);
		if (!j)
			abort();
		json_decref(j);
		buf_free(&out);
	}
	api_alerts_post_free(&p);
	return 0;
}
