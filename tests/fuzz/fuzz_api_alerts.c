/*
 * fuzz_api_alerts.c - libFuzzer target for POST /api/v2/alerts bodies.
 *
 * The input is the request body.  Invariants: the answer status is 200,
 * 400 or 422; a 200 has an empty body and every alert stored is valid
 * (labels non-empty with legacy names and UTF-8 values, startsAt <=
 * endsAt, endsAt set); 422 stores nothing; a non-200 body is JSON; each
 * stored alert encodes as gettableAlert JSON that jansson reads back.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_alerts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_alerts_post p;
	const int64_t now = 1763780000000LL;

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
