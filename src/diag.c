/*
 * diag.c - collected diagnostics.
 */
#include "diag.h"

#include <stdlib.h>

void diag_vadd(struct diags *d, enum diag_level level, const char *file,
	       int line, int col, const char *fmt, va_list ap)
{
	struct buf b = {0};
	struct diag *g;

	if (level == DIAG_ERROR)
		d->nerrors++;
	if (d->limit && d->n >= d->limit)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xrealloc(d->v, d->cap * sizeof *d->v);
	}
	buf_vprintf(&b, fmt, ap);
	g = &d->v[d->n++];
	g->level = level;
	g->file = file ? xstrdup(file) : NULL;
	g->line = line;
	g->col = col;
	g->msg = buf_take(&b);
}

void diag_add(struct diags *d, enum diag_level level, const char *file,
	      int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, level, file, line, col, fmt, ap);
	va_end(ap);
}

char *diag_format(const struct diag *g)
{
	struct buf b = {0};

	if (g->file)
		buf_printf(&b, "%s:", g->file);
	if (g->line > 0)
		buf_printf(&b, "%d:%d:", g->line, g->col);
	if (b.len)
		buf_putc(&b, ' ');
	if (g->level == DIAG_WARNING)
		buf_puts(&b, "warning: ");
	buf_puts(&b, g->msg);
	return buf_take(&b);
}

void diags_print(const struct diags *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);

		fprintf(out, "%s\n", s);
		free(s);
	}
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = d->nerrors = 0;
}
