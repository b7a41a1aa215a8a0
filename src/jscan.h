/*
 * jscan.h - the two steps every hand-written JSON scanner here takes
 * (promapi's answers, api_alerts' POST bodies): skip JSON white space,
 * and take one expected byte.  Both work on a cursor *p before end.
 */
#ifndef TOCSIN_JSCAN_H
#define TOCSIN_JSCAN_H

/* Moves *p past JSON white space (RFC 8259: space, tab, LF, CR). */
static inline void jscan_ws(const char **p, const char *end)
{
	while (*p < end &&
	       (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
}

/* Skips white space, then c if it is next; returns 1 when it was. */
static inline int jscan_char(const char **p, const char *end, char c)
{
	jscan_ws(p, end);
	if (*p < end && **p == c) {
		(*p)++;
		return 1;
	}
	return 0;
}

#endif
