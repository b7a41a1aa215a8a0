/*
 * cli_check_config.c - `tocsin check config FILE...`: amtool check-config's
 * verdicts and layout, with every error listed as FILE:LINE:COL: message.
 *
 *   Checking 'FILE'  SUCCESS            Checking 'FILE'  FAILED:
 *   Found:                              FILE:3:5: message
 *    - global config                    ...
 *    - route
 *    - N inhibit rules
 *    - N receivers
 *    - N templates
 *
 * Without files, or with "-", the configuration is read from stdin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "tmpl.h"

static const char usage[] =
	"usage: tocsin check config [--show] [FILE...]\n"
	"\n"
	"Validate configuration files (a superset of alertmanager.yml) the way\n"
	"amtool check-config does, listing every error as FILE:LINE:COL.\n"
	"Reads stdin when no file (or \"-\") is given.  Exit status: 0 when\n"
	"every file is valid, 1 otherwise.\n"
	"\n"
	"  --show  also print the effective configuration, defaults filled in\n"
	"          and every secret shown as <secret>\n";

static void print_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);

		printf("%s\n", s);
		free(s);
	}
}

static struct config *load_stdin(struct diags *d)
{
	size_t len;
	char *s = file_read("/dev/stdin", &len);
	struct config *c;

	if (!s) {
		diag_add(d, DIAG_ERROR, "/dev/stdin", 0, 0, "%s", strerror(errno));
		return NULL;
	}
	c = config_load_buf("/dev/stdin", ".", s, len, d);
	free(s);
	return c;
}

/*
 * Parses the notification templates the config names, after the built-in
 * ones, as Alertmanager does at load; prints amtool's verdict line.
 * Returns 0 when they parse, 1 otherwise.
 */
static int check_templates(const struct config *c)
{
	struct buf err = {0};
	char *dir = tmpl_am_template_dir();
	struct tmpl_set *set = tmpl_am_set_new(
		dir, (const char *const *)c->templates, c->ntemplates, &err);
	int rc = set ? 0 : 1;

	if (set)
		printf("  SUCCESS\n");
	else
		printf("  FAILED: %s\n", buf_str(&err));
	tmpl_set_free(set);
	free(dir);
	buf_free(&err);
	return rc;
}

/* Checks one file; returns 0 when valid, 1 otherwise. */
static int check_one(const char *path, int show)
{
	struct diags d = {0};
	int is_stdin = strcmp(path, "-") == 0;
	struct config *c = is_stdin ? load_stdin(&d) : config_load(path, &d);
	int rc = c ? 0 : 1;

	printf("Checking '%s'  %s\n", is_stdin ? "/dev/stdin" : path,
	       c ? "SUCCESS" : "FAILED:");
	print_diags(&d);
	if (c) {
		config_summary(c, stdout);
		if (c->ntemplates)
			rc = check_templates(c);
		if (show) {
			struct buf b = {0};

			config_dump(c, &b, 1);
			printf("\n%s", buf_str(&b));
			buf_free(&b);
		}
	}
	printf("\n");
	config_free(c);
	diags_free(&d);
	return rc;
}

int cli_check_config(int argc, char **argv)
{
	int failed = 0, nfiles = 0, show = 0;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage, stdout);
			return EX_OK;
		}
		if (strcmp(argv[i], "--show") == 0) {
			show = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "tocsin: unknown flag %s\n\n%s", argv[i], usage);
			return EX_USAGE;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--show") == 0)
			continue;
		failed += check_one(argv[i], show);
		nfiles++;
	}
	if (nfiles == 0)
		failed += check_one("-", show);
	fflush(stdout);
	if (failed) {
		fprintf(stderr, "tocsin: error: failed to validate %d file(s)\n",
			failed);
		return 1;
	}
	return EX_OK;
}
