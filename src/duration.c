/*
 * duration.c - Prometheus duration syntax.
 *
 * Grammar (model.ParseDuration): "0" or one or more of
 * <digits>y <digits>w <digits>d <digits>h <digits>m <digits>s <digits>ms,
 * each unit at most once and in that order.  y = 365d, w = 7d.  The total
 * must fit a Go time.Duration (int64 nanoseconds).
 */
#include "duration.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static const struct unit {
	const char *name;
	int64_t ms;
} units[] = {
	{"y", 365 * DURATION_DAY}, {"w", 7 * DURATION_DAY},
	{"d", DURATION_DAY},	   {"h", DURATION_HOUR},
	{"m", DURATION_MINUTE},	   {"s", DURATION_SECOND},
	{"ms", 1},
};

#define NUNITS (sizeof units / sizeof units[0])
/* Largest millisecond count whose nanoseconds fit in an int64. */
#define DURATION_MAX_MS (INT64_MAX / 1000000)

/*
 * Like model.ParseDuration, the syntax is checked before the range: an
 * overflowing number followed by garbage is "not a valid duration string",
 * and only a well-formed string can be "out of range".
 */
int duration_parse(const char *s, int64_t *ms, char *err, size_t errsize)
{
	const char *p = s;
	size_t next = 0;	/* first unit still allowed */
	int64_t total = 0;
	int overflow = 0;
	struct buf q = {0};

	if (!*s) {
		snprintf(err, errsize, "empty duration string");
		return -1;
	}
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*p) {
		int64_t v = 0;
		size_t u;

		if (*p < '0' || *p > '9')
			goto bad;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > (INT64_MAX - 9) / 10)
				overflow = 1;
			else
				v = v * 10 + (*p - '0');
		}
		/* "ms" must win over "m" followed by garbage. */
		for (u = next; u < NUNITS; u++) {
			size_t len = strlen(units[u].name);

			if (strncmp(p, units[u].name, len) == 0 &&
			    !(u == 4 && p[1] == 's'))
				break;
		}
		if (u == NUNITS)
			goto bad;
		if (v > DURATION_MAX_MS / units[u].ms) {
			overflow = 1;
		} else {
			v *= units[u].ms;
			if (total > DURATION_MAX_MS - v)
				overflow = 1;
			else
				total += v;
		}
		p += strlen(units[u].name);
		next = u + 1;
	}
	if (overflow) {
		snprintf(err, errsize, "duration out of range");
		return -1;
	}
	*ms = total;
	return 0;
bad:
	buf_quote(&q, s);	/* Go's %q */
	snprintf(err, errsize, "not a valid duration string: %s", q.s);
	buf_free(&q);
	return -1;
}

char *duration_format(int64_t ms, char *out, size_t size)
{
	size_t len = 0;
	uint64_t left;		/* magnitude; -INT64_MIN does not fit */

	out[0] = '\0';
	if (ms == 0) {
		snprintf(out, size, "0s");
		return out;
	}
	if (ms < 0) {
		len += (size_t)snprintf(out, size, "-");
		left = (uint64_t)0 - (uint64_t)ms;
	} else {
		left = (uint64_t)ms;
	}
	for (size_t u = 0; u < NUNITS && len < size; u++) {
		uint64_t um = (uint64_t)units[u].ms, v;

		/* Years and weeks only when exact: 90d reads better than 12w6d. */
		if (u < 2 && left % um != 0)
			continue;
		v = left / um;
		if (v > 0) {
			len += (size_t)snprintf(out + len, size - len,
						"%llu%s", (unsigned long long)v,
						units[u].name);
			left -= v * um;
		}
	}
	return out;
}
