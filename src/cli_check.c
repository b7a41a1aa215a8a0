/*
 * cli_check.c - `tocsin check rules|config FILE...`: the verdicts promtool
 * check rules and amtool check-config give, with every error listed as
 * file:line:col.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "rulefile.h"

enum lint_mode { LINT_NONE, LINT_DUPLICATES };

static const char check_usage[] =
	"usage: tocsin check rules [--lint=duplicate-rules|none] [--lint-fatal] FILE...\n"
	"       tocsin check config FILE...\n"
	"\n"
	"rules   check Prometheus rule files: prints \"Checking FILE\" and\n"
	"        \"  SUCCESS: N rules found\" or \"  FAILED:\" with every error;\n"
	"        exit 0 when all files are valid, 1 otherwise, 3 when only lint\n"
	"        problems were found and --lint-fatal is given\n"
	"config  check configuration files (a superset of alertmanager.yml)\n";

/* Writes the diagnostics of one level to stderr, one per line. */
static void print_level(const struct diags *d, enum diag_level level)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s;

		if (d->v[i].level != level)
			continue;
		s = diag_format(&d->v[i]);
		fprintf(stderr, "%s\n", s);
		free(s);
	}
}

/* Checks one rule file; returns 0 ok, 1 error, 3 lint problems only. */
static int check_rule_file(const char *path, enum lint_mode lint)
{
	struct diags d = {0};
	struct rulefile *rf;
	int rc = 0;

	printf("Checking %s\n", path);
	fflush(stdout);
	rf = rulefile_load(path, &d);
	if (!rf) {
		fprintf(stderr, "  FAILED:\n");
		print_level(&d, DIAG_ERROR);
		print_level(&d, DIAG_WARNING);
		rc = 1;
		goto out;
	}
	if (lint == LINT_DUPLICATES && rulefile_lint_duplicates(rf, &d) > 0)
		rc = 3;
	printf("  SUCCESS: %zu rules found\n", rulefile_count_rules(rf));
	fflush(stdout);
	print_level(&d, DIAG_WARNING);
out:
	printf("\n");
	rulefile_free(rf);
	diags_free(&d);
	return rc;
}

static int check_rules(int argc, char **argv)
{
	enum lint_mode lint = LINT_DUPLICATES;
	int lint_fatal = 0, failed = 0, linted = 0, nfiles = 0, bad = 0;
	const char **files = xcalloc((size_t)argc, sizeof *files);
	int rc = EX_USAGE;

	for (int i = 1; i < argc; i++) {
		const char *v;

		if (cli_is_help(argv[i])) {
			fputs(check_usage, stdout);
			rc = EX_OK;
			goto out;
		}
		if (strcmp(argv[i], "--lint-fatal") == 0) {
			lint_fatal = 1;
		} else if ((v = cli_flag_value(argc, argv, &i, "--lint", &bad))) {
			if (strcmp(v, "none") == 0) {
				lint = LINT_NONE;
			} else if (strcmp(v, "duplicate-rules") == 0 ||
				   strcmp(v, "all") == 0) {
				lint = LINT_DUPLICATES;
			} else {
				fprintf(stderr, "tocsin: unknown --lint value \"%s\"\n", v);
				goto out;
			}
		} else if (bad) {
			goto out;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "tocsin: unknown flag %s\n\n%s", argv[i],
				check_usage);
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (nfiles == 0) {
		fprintf(stderr, "tocsin: no rule files given\n\n%s", check_usage);
		goto out;
	}
	for (int i = 0; i < nfiles; i++) {
		int one = check_rule_file(files[i], lint);

		failed += one == 1;
		linted += one == 3;
	}
	rc = failed ? 1 : linted && lint_fatal ? 3 : 0;
out:
	free(files);
	return rc;
}

int cli_check(int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		fputs(check_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : EX_OK;
	}
	if (strcmp(argv[1], "rules") == 0)
		return check_rules(argc - 1, argv + 1);
	if (strcmp(argv[1], "config") == 0)
		return cli_check_config(argc - 1, argv + 1);
	fprintf(stderr, "tocsin: unknown check \"%s\"\n\n%s", argv[1],
		check_usage);
	return EX_USAGE;
}
