/*
 * fuzz_silence_json.c - libFuzzer target for POST /api/v2/silences bodies
 * (silence_from_json()).
 *
 * The input is the request body.  Invariants: the status is 200, 400 or
 * 422; a silence comes back iff it is 200, and then the body is empty;
 * an error body is JSON; a silence validates without crashing, encodes as
 * gettableSilence JSON that jansson reads back, and (when all its
 * matchers were built) that JSON reads back into a silence encoding the
 * same (a fixed point).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "silence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct silence *s, int64_t now)
{
	struct buf a = { 0 }, b = { 0 }, err = { 0 };
	struct silence_answer ans = { 0 };
	struct silence *back;
	json_t *j;

	silence_validate(s, &err);
	silence_to_json(&a, s, now);
	j = json_loadb(a.s, a.len, 0, NULL);
	if (!j)
		abort();
	json_decref(j);
	back = silence_from_json(a.s, a.len, &ans);
	if (!back || ans.status != 200)
		abort();
	silence_to_json(&b, back, now);
	if (strcmp(buf_str(&a), buf_str(&b)) != 0)
		abort();
	silence_free(back);
	silence_answer_free(&ans);
	buf_free(&a);
	buf_free(&b);
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct silence_answer a = { 0 };
	struct silence *s = silence_from_json((const char *)data, size, &a);
	const int64_t now = 1795315997419LL;

	if (a.status != 200 && a.status != 400 && a.status != 422)
		abort();
	if ((s != NULL) != (a.status == 200))
		abort();
	if (s && a.body.len)
		abort();
	if (!s) {
		json_t *j = json_loadb(a.body.s, a.body.len, JSON_DECODE_ANY,
				       NULL);

		if (!j)
			abort();
		json_decref(j);
	} else if (!s->invalid && s->matchers.n > 0 &&
		   s->updated_at >= -62135596800000LL &&
		   s->starts_at >= -62135596800000LL &&
		   s->ends_at >= -62135596800000LL) {
		/* times Go can print (year 1 on) */
		round_trip(s, now);
	}
	silence_free(s);
	silence_answer_free(&a);
	return 0;
}
