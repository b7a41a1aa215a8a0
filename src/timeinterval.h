/*
 * timeinterval.h - does an instant fall in a time interval?  Alertmanager
 * 0.25's ContainsTime (timeinterval/timeinterval.go) over the ranges the
 * config loader parsed (config_timeinterval.c), for the notify pipeline's
 * TimeMute and TimeActive stages.
 *
 * Within a spec every present field must match (AND), within a field any
 * range (OR); an absent field matches anything, a present empty one
 * nothing.  The instant is first converted to the spec's location: "" or
 * "UTC" is UTC, "Local" the process zone ($TZ, else /etc/localtime), any
 * other name a file of the system tz database.
 *
 * Negative days_of_month count from the month's calendar end (-1 = last
 * day), then clamp to the month as Alertmanager does.  Alertmanager 0.25
 * measures a month as elapsed hours / 24, so in a spring-forward month of
 * a zone with DST "-1" meant the 30th of March; upstream fixed that in
 * #5447 and Tocsin follows the fix.
 *
 * Decisions only: no clock, the instant is a parameter.  Zone conversion
 * reads the tz database through glibc (see timeinterval.c for the cost).
 */
#ifndef TOCSIN_TIMEINTERVAL_H
#define TOCSIN_TIMEINTERVAL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* 1 when t_ms (ms since the epoch) is in the spec, else 0. */
int timespec_contains(const struct config_time_spec *sp, int64_t t_ms);
/* 1 when t_ms is in any spec of ti (an interval without specs holds no
 * instant), else 0. */
int timeinterval_contains(const struct config_time_interval *ti,
			  int64_t t_ms);

/*
 * The TimeMute stage: 1 when now is in any of the n named intervals, 0
 * when in none (n == 0 included).  -1 when a name is not in c (config_load
 * refuses such a config, so this is a caller's bug); Alertmanager then
 * fails the stage.
 */
int timeinterval_mutes(const struct config *c, char *const *names, size_t n,
		       int64_t now);
/*
 * The TimeActive stage: 1 when the route is active at now, that is n == 0
 * or now is in any of the named intervals; 0 when the group must be muted;
 * -1 for an unknown name as above.
 */
int timeinterval_active(const struct config *c, char *const *names,
			size_t n, int64_t now);

#endif
