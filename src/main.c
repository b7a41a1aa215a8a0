/*
 * main.c - the tocsin command: a table of subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
