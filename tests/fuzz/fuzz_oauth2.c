/*
 * fuzz_oauth2.c - libFuzzer target for the OAuth 2.0 token endpoint's
 * answer.
 *
 * Input: an optional first line "<3-digit status>\n", then the body
 * (without it: the whole input answered with 200).  Invariants: success
 * gives an Authorization value "<type> <token>" with a non-empty token
 * and no error, and an expiry that is 0 or not before now; failure gives
 * no value and says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	long status = 200;
	const int64_t now = 1700000000000LL;
	char *value = NULL;
	int64_t expires = -1;
	struct buf err = {0};

	if (size >= 4 && data[0] >= '1' && data[0] <= '5' && data[3] == '\n' &&
	    data[1] >= '0' && data[1] <= '9' && data[2] >= '0' &&
	    data[2] <= '9') {
		status = (data[0] - '0') * 100 + (data[1] - '0') * 10 +
			 (data[2] - '0');
		body += 4;
		size -= 4;
	}
	if (oauth2_parse(status, body, size, now, &value, &expires, &err) == 0) {
		const char *sp = value ? strchr(value, ' ') : NULL;

		if (!value || !sp || !sp[1] || err.len)
			abort();
		if (expires != 0 && expires < now)
			abort();
	} else if (value || !err.len) {
		abort();
	}
	free(value);
	buf_free(&err);
	return 0;
}
