/*
 * expo.h - the Prometheus text exposition format (version 0.0.4), written
 * into a struct buf byte for byte as client_golang's expfmt writes it, so
 * Tocsin's /metrics reads like Prometheus' and Alertmanager's own.
 *
 * Nothing here checks metric or label names: callers pass constants.  The
 * caller writes one expo_family() and then that family's samples.
 */
#ifndef TOCSIN_EXPO_H
#define TOCSIN_EXPO_H

#include <stddef.h>

#include "labels.h"
#include "util.h"

/* The Content-Type of a scrape answer in this format. */
#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Appends v as Go's strconv.FormatFloat(v, 'g', -1, 64) does ("1e+06",
 * "0.1", "123456", "1.5e-07"), with "+Inf", "-Inf" and "NaN"; -0 is "0". */
void expo_float(struct buf *b, double v);

/* Appends "# HELP name help" (help escaped: \\ and \n) and
 * "# TYPE name type"; type is "counter", "gauge", "histogram", "summary" or
 * "untyped".  help NULL omits the HELP line. */
void expo_family(struct buf *b, const char *name, const char *type,
		 const char *help);

/* Appends one sample line "name{l1="v1",...} value"; no braces when n is 0.
 * Label values are escaped (\\ \" \n). */
void expo_sample(struct buf *b, const char *name, const struct label *labels,
		 size_t n, double value);

/* Ends the pairs of expo_samplef(); a pointer, where a bare NULL might be
 * an int. */
#define EXPO_END ((const char *)NULL)

/* Like expo_sample(), with labels given as name, value pairs ending with
 * EXPO_END: expo_samplef(b, "x_total", 3, "code", "200", EXPO_END). */
void expo_samplef(struct buf *b, const char *name, double value, ...);

/*
 * A histogram as client_golang exposes it: cumulative counts per upper
 * bound.  upper[] holds nbuckets ascending bounds without +Inf; counts[i]
 * is the number of observations <= upper[i] (already cumulative); count and
 * sum cover every observation, so the +Inf bucket is count.
 */
struct expo_hist {
	const double *upper;
	const unsigned long long *counts;
	size_t nbuckets;
	unsigned long long count;
	double sum;
};

/* Appends name_bucket{...,le="..."} lines (le formatted like values, then
 * "+Inf"), name_sum and name_count, each with the given labels first.  The
 * family line (type "histogram") is the caller's. */
void expo_histogram(struct buf *b, const char *name, const struct label *labels,
		    size_t n, const struct expo_hist *h);

/* Appends the process_* families client_golang's process collector exports
 * on Linux (CPU time, fds, memory, start time), read from /proc and
 * getrlimit(); a family whose source cannot be read is left out, as there.
 * Returns the number of families written. */
int expo_process(struct buf *b);

#endif
