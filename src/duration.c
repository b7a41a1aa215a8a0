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

int duration_parse(const char *s, int64_t *ms, char *err, size_t errsize)
{
	const char *p = s;
	size_t next = 0;	/* first unit still allowed */
	int64_t total = 0;

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
		while (*p >= '0' && *p <= '9') {
			if (v > (INT64_MAX - 9) / 10)
				goto range;
			v = v * 10 + (*p++ - '0');
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
		if (v > DURATION_MAX_MS / units[u].ms)
			goto range;
		v *= units[u].ms;
		if (total > DURATION_MAX_MS - v)
			goto range;
		total += v;
		p += strlen(units[u].name);
		next = u + 1;
	}
	*ms = total;
	return 0;
bad:
	snprintf(err, errsize, "not a valid duration string: \"%s\"", s);
	return -1;
range:
	snprintf(err, errsize, "duration out of range");
	return -1;
}

char *duration_format(int64_t ms, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	if (ms == 0) {
		snprintf(out, size, "0s");
		return out;
	}
	if (ms < 0) {
		len += (size_t)snprintf(out, size, "-");
		ms = -ms;
	}
	for (size_t u = 0; u < NUNITS && len < size; u++) {
		int64_t v;

		/* Years and weeks only when exact: 90d reads better than 12w6d. */
		if (u < 2 && ms % units[u].ms != 0)
			continue;
		v = ms / units[u].ms;
		if (v > 0) {
			len += (size_t)snprintf(out + len, size - len,
						"%lld%s", (long long)v,
						units[u].name);
			ms -= v * units[u].ms;
		}
	}
	return out;
}
