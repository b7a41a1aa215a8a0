/*
 * cli.c - subcommand dispatch and flag helpers.
 */
#include "cli.h"

#include <string.h>
#include <sysexits.h>

static int cmd_version(int argc, char **argv);

static const struct cli_cmd commands[] = {
	{"alert", "query and add alerts of a running daemon", cli_alert},
	{"check", "check rule files and configuration files", cli_check},
	{"routes", "show the routing tree, test where labels are routed", cli_routes},
	{"run", "run the evaluator and the HTTP API (the daemon)", cli_run},
	{"silence", "add, query, expire, import silences; their history",
	 cli_silence},
	{"template", "render notification templates", cli_template},
	{"version", "print the version", cmd_version},
};

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("tocsin, version %s\n", TOCSIN_VERSION);
	return EX_OK;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: tocsin COMMAND [ARGS...]\n\n"
		     "Prometheus rule evaluation and Alertmanager-compatible "
		     "notification routing.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out, "\nRun 'tocsin COMMAND --help' for a command's options; "
		     "see tocsin(1).\n");
}

int cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 ||
	       strcmp(arg, "help") == 0;
}

const char *cli_flag_value(int argc, char **argv, int *i, const char *name,
			   int *bad)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "tocsin: flag %s needs a value\n", name);
		*bad = 1;
		return NULL;
	}
	return argv[++*i];
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (cli_is_help(argv[1])) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(0, NULL);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tocsin: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return EX_USAGE;
}
