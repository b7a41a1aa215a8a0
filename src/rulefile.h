/*
 * rulefile.h - Prometheus rule files (groups of alerting and recording
 * rules), loaded with every validation promtool applies and errors that name
 * file:line:col.  Label and annotation names follow Prometheus 3 (any
 * non-empty UTF-8); recording rule names follow the classic metric-name rule.
 */
#ifndef TOCSIN_RULEFILE_H
#define TOCSIN_RULEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* A name and a (template) string, as written in the file. */
struct rule_kv {
	char *name;
	char *value;
};

enum rule_kind { RULE_ALERT, RULE_RECORD };

struct rule {
	enum rule_kind kind;
	char *name;		/* alert or record name */
	char *expr;
	int64_t for_ms;
	int64_t keep_firing_for_ms;
	struct rule_kv *labels;	/* sorted by name */
	size_t nlabels;
	struct rule_kv *annotations;	/* sorted by name */
	size_t nannotations;
	int line, col;		/* of the alert/record value, or of the rule
				   when that value comes from before it */
};

struct rule_group {
	char *name;
	int64_t interval_ms;	/* 0: the configured default */
	int has_query_offset;	/* query_offset set explicitly (even 0s) */
	int64_t query_offset_ms;
	long long limit;	/* 0: no limit */
	struct rule_kv *labels;	/* sorted by name */
	size_t nlabels;
	struct rule *rules;
	size_t nrules;
	int line, col;
};

struct rulefile {
	char *path;
	struct rule_group *groups;
	size_t ngroups;
};

/* Loads and validates a rule file.  Returns a new rulefile (free it with
 * rulefile_free()) or NULL when anything is wrong; every error and warning is
 * added to d. */
struct rulefile *rulefile_load(const char *path, struct diags *d);
struct rulefile *rulefile_load_buf(const char *name, const char *s, size_t n,
				   struct diags *d);
void rulefile_free(struct rulefile *rf);

/* Number of rules in all groups. */
size_t rulefile_count_rules(const struct rulefile *rf);
/* promtool's "duplicate-rules" lint: rules sharing a name and static label
 * set.  Adds one warning per duplicated rule to d and returns their number. */
size_t rulefile_lint_duplicates(const struct rulefile *rf, struct diags *d);

#endif
