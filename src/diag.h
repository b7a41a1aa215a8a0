/*
 * diag.h - collected diagnostics.  Loaders keep going after an error and add
 * every problem here, each with file:line:col, so the user sees them all at
 * once.  A struct diags starts zeroed and is released with diags_free().
 */
#ifndef TOCSIN_DIAG_H
#define TOCSIN_DIAG_H

#include <stdio.h>

#include "util.h"

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_level level;
	char *file;	/* may be NULL */
	int line, col;	/* 1-based; 0 when unknown */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t nerrors;
	size_t limit;	/* 0: unlimited; otherwise stop recording past it */
};

void diag_add(struct diags *d, enum diag_level level, const char *file,
	      int line, int col, const char *fmt, ...) PRINTF_LIKE(6, 7);
void diag_vadd(struct diags *d, enum diag_level level, const char *file,
	       int line, int col, const char *fmt, va_list ap) PRINTF_LIKE(6, 0);
/* Writes "file:line:col: msg" (warnings get "warning: ") one per line. */
void diags_print(const struct diags *d, FILE *out);
/* Formats one diagnostic as diags_print() would, without newline; caller frees. */
char *diag_format(const struct diag *g);
void diags_free(struct diags *d);

#endif
