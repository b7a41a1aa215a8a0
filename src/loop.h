/*
 * loop.h - the event loop: one epoll reactor thread owning a timer heap,
 * arbitrary fds, signals (signalfd) and libcurl multi transfers.
 *
 * Everything here runs on the thread that calls loop_run(); nothing is locked.
 * Callbacks may add, modify and remove timers, fds and transfers (including
 * their own) from inside a callback.  Timer times come from an injected clock
 * (struct loop_clock) so tests can drive timers with a fake clock.
 * Not reentrant: never call loop_run(), loop_run_once() or loop_free() from
 * inside a loop callback.
 */
#ifndef TOCSIN_LOOP_H
#define TOCSIN_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct loop;

/* fd interest and readiness bits. LOOP_ERROR is only ever reported. */
enum loop_events { LOOP_READ = 1, LOOP_WRITE = 2, LOOP_ERROR = 4 };

/* A monotonic millisecond clock used for timers. */
struct loop_clock {
	int64_t (*now_ms)(void *ctx);
	void *ctx;
};

/* The real clock: CLOCK_MONOTONIC in ms. */
extern const struct loop_clock loop_clock_mono;
int64_t loop_mono_ms(void);
/* CLOCK_REALTIME in ms since the epoch (for timestamps, never for timers). */
int64_t loop_wall_ms(void);

typedef void loop_timer_fn(struct loop *l, void *arg);
typedef void loop_fd_fn(struct loop *l, int fd, int events, void *arg);
typedef void loop_signal_fn(struct loop *l, int signo, void *arg);

/* Returns a new loop reading time from clk (copied; NULL means
 * loop_clock_mono), or NULL when epoll is unavailable.  Free with
 * loop_free(), after every loop_http on it was freed. */
struct loop *loop_new(const struct loop_clock *clk);
/* Frees the loop, its pending timers and signalfd, and restores the signal
 * mask; registered fds are not closed (their owners close them). NULL ok. */
void loop_free(struct loop *l);

/* Returns the loop clock's now in ms. */
int64_t loop_now(const struct loop *l);

/* Runs until loop_stop(); returns 0, or -1 when epoll_wait fails. */
int loop_run(struct loop *l);
/* Makes loop_run() return after the current iteration. */
void loop_stop(struct loop *l);
/* One iteration: waits at most timeout_ms (-1: until the next timer or
 * event), dispatches ready fds, then runs timers due by the clock.  Returns
 * the number of callbacks run, or -1 when epoll_wait fails. */
int loop_run_once(struct loop *l, int timeout_ms);

/* Schedules fn(arg) once when the clock reaches due_ms.  Equal due times run
 * in the order added.  Returns a nonzero id for loop_timer_cancel(). */
uint64_t loop_timer_add(struct loop *l, int64_t due_ms, loop_timer_fn *fn,
			void *arg);
/* Cancels a pending timer; returns 0, or -1 when it already ran or was
 * cancelled (ids are never reused, so a stale id is harmless). */
int loop_timer_cancel(struct loop *l, uint64_t id);
/* Returns the number of pending timers. */
size_t loop_timer_count(const struct loop *l);

/* Watches fd for events (LOOP_READ|LOOP_WRITE), calling fn(fd, ready, arg).
 * Returns 0, or -1 with errno (EEXIST when fd is already watched). */
int loop_fd_add(struct loop *l, int fd, int events, loop_fd_fn *fn, void *arg);
/* Changes the interest set of a watched fd; returns 0 or -1 with errno. */
int loop_fd_mod(struct loop *l, int fd, int events);
/* Stops watching fd (does not close it); no callback for it runs after this
 * returns, even for events already collected.  Returns 0 or -1 (ENOENT). */
int loop_fd_del(struct loop *l, int fd);

/* Blocks signo in this thread and delivers it through a signalfd as
 * fn(signo, arg) on the loop.  Call it before starting other threads (they
 * inherit the mask).  loop_free() restores the mask from loop_new() time, so
 * a signal still pending then gets its default action.  Returns 0 or -1 with
 * errno. */
int loop_signal_add(struct loop *l, int signo, loop_signal_fn *fn, void *arg);

/* ------------------------------------------------------------ HTTP (curl) */

struct loop_http;

/* Called once per transfer with its result.  The caller owns easy throughout;
 * after this call the loop no longer refers to it, so the callback may
 * curl_easy_cleanup() it or start it again. */
typedef void loop_http_fn(CURL *easy, CURLcode rc, void *arg);

/* curl's timeouts are scheduled on the loop clock, so transfers need a loop
 * whose clock follows real time (loop_clock_mono). */

/* Returns a curl multi handle driven by l, running at most max_active
 * transfers at once (0: unlimited); further ones wait in FIFO order.  NULL
 * when curl fails.  Free with loop_http_free() before loop_free(l). */
struct loop_http *loop_http_new(struct loop *l, size_t max_active);
/* At most n transfers at once to one scheme://host:port among those
 * started with loop_http_start_to() (0: no cap; only for a handle made
 * without max_active): the others wait, in order, for that host only. */
void loop_http_max_host(struct loop_http *h, size_t n);
/* Aborts every running and queued transfer, calling each one's done callback
 * with CURLE_ABORTED_BY_CALLBACK (starting new transfers from it fails), then
 * frees h.  Not from inside a done callback.  NULL ok. */
void loop_http_free(struct loop_http *h);
/* Queues easy (configured by the caller) for transfer; done(easy, rc, arg)
 * runs on the loop when it finishes.  The loop takes over CURLOPT_PRIVATE.
 * Returns 0, or -1 when curl refuses the handle or h is being freed (done is
 * then not called).  A queued handle curl refuses later gets done with
 * CURLE_FAILED_INIT. */
int loop_http_start(struct loop_http *h, CURL *easy, loop_http_fn *done,
		    void *arg);
/* loop_http_start() for a transfer to url, counted against the handle's
 * per-host cap (loop_http_max_host()). */
int loop_http_start_to(struct loop_http *h, CURL *easy, const char *url,
		       loop_http_fn *done, void *arg);
/* Returns the number of transfers running / waiting for a slot. */
size_t loop_http_active(const struct loop_http *h);
size_t loop_http_queued(const struct loop_http *h);

#endif
