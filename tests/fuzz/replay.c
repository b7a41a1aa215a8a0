/*
 * replay.c - a main() for libFuzzer targets built with gcc: runs
 * LLVMFuzzerTestOneInput once over each file named on the command line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		size_t len;
		char *s = file_read(argv[i], &len);

		if (!s) {
			perror(argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)s, len);
		free(s);
	}
	return 0;
}
