/*
 * cli.h - the tocsin command line: a table of subcommands, each a small
 * handler in its own cli_*.c file.  Handlers return a sysexits.h status.
 */
#ifndef TOCSIN_CLI_H
#define TOCSIN_CLI_H

#include <stdio.h>

#define TOCSIN_VERSION "0.1.0"

struct cli_cmd {
	const char *name;	/* "check", "run", ... */
	const char *summary;	/* one line for `tocsin --help` */
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
};

int cli_main(int argc, char **argv);

/* Handlers. */
int cli_check(int argc, char **argv);
int cli_template(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_routes(int argc, char **argv);
int cli_silence(int argc, char **argv);
int cli_alert(int argc, char **argv);

/* Matches "--name=value" or "--name value"; returns the value (advancing
 * *i past a separate value) or NULL.  Missing value: prints an error and
 * sets *bad. */
const char *cli_flag_value(int argc, char **argv, int *i, const char *name,
			   int *bad);
/* Returns 1 for -h / --help. */
int cli_is_help(const char *arg);

#endif
