/*
 * alloc_count.c - a malloc counter for benchmarks, loaded with LD_PRELOAD.
 *
 * Wraps glibc's malloc, calloc, realloc, free, posix_memalign and
 * aligned_alloc, forwarding to the __libc_* entry points, and counts every
 * allocation (a realloc counts as one) with the bytes requested.  Calls
 * from inside glibc (strdup, asprintf, ...) are counted too.  A benchmark
 * finds alloc_count_read() with dlsym(RTLD_DEFAULT, ...); without the
 * preload it is absent and the benchmark prints no counts.  Not thread-safe:
 * the counters suit a single-threaded benchmark.
 */
#include <errno.h>
#include <stddef.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t k, size_t n);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);
void __libc_free(void *p);

void *malloc(size_t n);
void *calloc(size_t k, size_t n);
void *realloc(void *p, size_t n);
void free(void *p);
int posix_memalign(void **out, size_t align, size_t n);
void *aligned_alloc(size_t align, size_t n);
void alloc_count_read(unsigned long long *count, unsigned long long *bytes);

static unsigned long long allocs, alloc_bytes;

void *malloc(size_t n)
{
	allocs++;
	alloc_bytes += n;
	return __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
	allocs++;
	alloc_bytes += k * n;
	return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
	allocs++;
	alloc_bytes += n;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	allocs++;
	alloc_bytes += n;
	p = __libc_memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	allocs++;
	alloc_bytes += n;
	return __libc_memalign(align, n);
}

/* Stores the allocations counted since the process started. */
void alloc_count_read(unsigned long long *count, unsigned long long *bytes)
{
	*count = allocs;
	*bytes = alloc_bytes;
}
