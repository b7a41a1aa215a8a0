/*
 * duration.h - Prometheus durations ("1y2w3d4h5m6s7ms", "0"), kept as
 * milliseconds.  Parsing and printing match prometheus/common model.Duration
 * so a value read from a file prints back as Prometheus would print it.
 */
#ifndef TOCSIN_DURATION_H
#define TOCSIN_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define DURATION_SECOND 1000LL
#define DURATION_MINUTE (60 * DURATION_SECOND)
#define DURATION_HOUR (60 * DURATION_MINUTE)
#define DURATION_DAY (24 * DURATION_HOUR)

/* Parses s into *ms.  Returns 0, or -1 with Prometheus' error message
 * (e.g. not a valid duration string: "5x") written into err. */
int duration_parse(const char *s, int64_t *ms, char *err, size_t errsize);
/* Writes the canonical form of ms into out (at least 32 bytes) and returns
 * out.  Negative values print with a leading '-'. */
char *duration_format(int64_t ms, char *out, size_t size);

#endif
