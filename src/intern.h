/*
 * intern.h - shared, reference-counted strings for the router's alerts:
 * label names, generator URLs and label values that repeat across alerts
 * are stored once.
 *
 * The table is process-wide and, like the rest of the engine, used from
 * one thread only.  An interned string is a plain NUL-terminated string
 * that must not be written; every reference taken is given back with
 * intern_release().
 */
#ifndef TOCSIN_INTERN_H
#define TOCSIN_INTERN_H

#include <stddef.h>

/* Returns the shared copy of s[0..len), taking one reference.  s need
 * not be NUL-terminated but holds no NUL in its first len bytes. */
const char *intern_get(const char *s, size_t len);

/*
 * Returns the shared copy of s[0..len) with one reference when the string
 * is already shared or, with learn set, was offered recently (a small
 * table of hashes remembers what was offered); otherwise NULL, and the
 * caller keeps its own copy.  So a value seen once stays private and a
 * value seen twice becomes shared.
 */
const char *intern_maybe(const char *s, size_t len, int learn);

/* Takes one more reference to an interned string; returns s. */
const char *intern_ref(const char *s);

/* Gives back one reference; the string goes away with the last.  NULL is
 * ignored. */
void intern_release(const char *s);

/* How many distinct strings are shared now (tests, metrics). */
size_t intern_count(void);

#endif
