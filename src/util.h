/*
 * util.h - allocation that cannot fail, a growable byte buffer, small string
 * helpers.  Every module uses these; nothing here knows about alerting.
 */
#ifndef TOCSIN_UTIL_H
#define TOCSIN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Allocation wrappers: abort with a message when memory runs out, so callers
 * never test for NULL.  xfree() is plain free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a new string formatted like printf; the caller frees it. */
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/*
 * A growable byte buffer, always NUL-terminated once anything was written.
 * A buffer starts zeroed ({0}); buf_free() releases it; buf_take() hands the
 * string to the caller (who frees it) and leaves the buffer empty.
 */
struct buf {
	char *s;
	size_t len, cap;
};

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
void buf_reset(struct buf *b);
char *buf_take(struct buf *b);
void buf_free(struct buf *b);
/* Returns the buffer's string, "" when nothing was written yet. */
const char *buf_str(const struct buf *b);

/* Appends s double-quoted with Go's %q escapes (\" \\ \n \t \xNN ...). */
void buf_quote(struct buf *b, const char *s);

/* Returns 1 when s is valid UTF-8 of length n, 0 otherwise. */
int utf8_valid(const char *s, size_t n);
/* Go's utf8.DecodeRune: the length of the rune at s (n > 0 bytes left)
 * and its code point in *cp; an invalid sequence is one byte of U+FFFD
 * with *bad set. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp, int *bad);
/* A 64-bit hash of n bytes (wyhash's 128-bit multiply-and-fold), different
 * for each seed.  Not cryptographic: a seed nobody can read is what keeps
 * chosen collisions out. */
uint64_t hash64(const void *p, size_t n, uint64_t seed);

/* The 128-bit product of a and b, folded to 64 bits. */
static inline uint64_t mum64(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}
/* Levenshtein distance between a and b (byte-wise), capped at 255. */
int str_distance(const char *a, const char *b);
/* Reads a whole file; returns a new NUL-terminated string (length in *len)
 * or NULL with errno set.  The caller frees it. */
char *file_read(const char *path, size_t *len);
/* Returns the directory part of path ("." when none); the caller frees it. */
char *path_dir(const char *path);
/* Joins dir and rel unless rel is absolute; the caller frees the result. */
char *path_join(const char *dir, const char *rel);

#endif
