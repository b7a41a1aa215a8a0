/*
 * fuzz_rules.c - libFuzzer target for the rule file loader: any bytes go
 * through rulefile_load_buf() and, when they load, through the rule count
 * and the duplicate-rules lint.  Invariants checked on every input:
 * the verdict agrees with the error count, every diagnostic formats, and a
 * loaded file's label and annotation arrays are sorted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "rulefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sorted(const struct rule_kv *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i - 1].name, v[i].name) > 0)
			abort();
}

static void check_loaded(const struct rulefile *rf, struct diags *d)
{
	size_t n = 0, before = d->nerrors;

	for (size_t i = 0; i < rf->ngroups; i++) {
		const struct rule_group *g = &rf->groups[i];

		if (!g->name[0])
			abort(); /* unnamed groups are errors */
		check_sorted(g->labels, g->nlabels);
		for (size_t j = 0; j < g->nrules; j++) {
			const struct rule *r = &g->rules[j];

			if (!r->name[0] || !r->expr[0])
				abort();
			check_sorted(r->labels, r->nlabels);
			check_sorted(r->annotations, r->nannotations);
			n++;
		}
	}
	if (n != rulefile_count_rules(rf))
		abort();
	rulefile_lint_duplicates(rf, d);
	if (d->nerrors != before)
		abort(); /* the lint only warns */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = {0};
	struct rulefile *rf;

	if (size > 1 << 16)
		return 0; /* big inputs add time, not coverage */
	rf = rulefile_load_buf("fuzz.yml", (const char *)data, size, &d);
	if ((rf != NULL) != (d.nerrors == 0))
		abort();
	if (rf)
		check_loaded(rf, &d);
	for (size_t i = 0; i < d.n; i++)
		free(diag_format(&d.v[i]));
	rulefile_free(rf);
	diags_free(&d);
	return 0;
}
