/*
 * inhibit.h - Alertmanager 0.25's inhibitor (inhibit/inhibit.go), indexed.
 *
 * Every alert the alert store holds is fed here with inhibitor_put(); an
 * alert matching a rule's source matchers becomes a source of that rule.
 * inhibitor_mutes() answers, for a target label set at now, what
 * Alertmanager's Inhibitor.Mutes answers: rules in config order; the
 * rule's target matchers must match; a source of the rule that is not
 * resolved at now (ends_at != 0 && ends_at <= now is resolved) whose
 * `equal` labels have the target's values (a missing label counts as "");
 * and when the target also matches the source matchers, a source that
 * also matches the target matchers does not count (so an alert matching
 * both sides never inhibits itself).  The first such source wins.
 *
 * Index: per rule, sources are bucketed by the tuple of their `equal`
 * label values, so a check looks only at the sources sharing the target's
 * values, not at all of them (Alertmanager 0.25 scans every source).
 *
 * Ownership: the rules are borrowed (the config outlives the inhibitor; a
 * reload builds a new inhibitor and feeds it every alert again).  Label
 * sets passed to inhibitor_put() are copied for sources and never kept
 * for anything else, so the caller may free them at once.
 */
#ifndef TOCSIN_INHIBIT_H
#define TOCSIN_INHIBIT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "labels.h"

struct inhibitor;

/* Returns a new inhibitor over n rules (borrowed); free it with
 * inhibitor_free(). */
struct inhibitor *inhibitor_new(const struct config_inhibit *rules,
				size_t n);
void inhibitor_free(struct inhibitor *ih);

/*
 * Records the alert with labels l (copied when kept) and ends_at (ms since
 * the epoch, 0 = none).  A later put of the same labels replaces ends_at,
 * as Alertmanager's source cache replaces the alert.  Alerts matching no
 * rule's source matchers are not kept.
 */
void inhibitor_put(struct inhibitor *ih, const struct labels *l,
		   int64_t ends_at);
/* Forgets the alert with this fingerprint (the alert store dropped it);
 * unknown fingerprints are ignored. */
void inhibitor_remove(struct inhibitor *ih, uint64_t fp);

/*
 * Returns 1 when target is inhibited at now, with the inhibiting source's
 * fingerprint in *by_fp (by_fp may be NULL); else 0.
 */
int inhibitor_mutes(const struct inhibitor *ih, const struct labels *target,
		    int64_t now, uint64_t *by_fp);

/* How many sources are kept (an alert counts once however many rules it
 * is a source for). */
size_t inhibitor_count(const struct inhibitor *ih);
/* Statistics: how many candidate sources inhibitor_mutes() examined since
 * the inhibitor was made; tests use it to check the index does its job. */
uint64_t inhibitor_examined(const struct inhibitor *ih);

#endif
