/*
 * loop.c - the epoll reactor: timers in a binary min-heap, fds in a table
 * indexed by fd, signals through one signalfd.  See loop.h.
 */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "util.h"

#define LOOP_MAX_EVENTS 64
#define LOOP_NSIG 65

/*
 * A timer lives in a slot; the heap holds slot numbers ordered by (due, seq).
 * A timer id is (slot generation << 32 | slot + 1), so a stale id never
 * matches a reused slot.  Free slots have hpos == -1 and chain via next_free.
 * Timers added while due timers run wait in pend (hpos == -2) until the pass
 * ends, so they neither run in it nor hold back older due timers.
 */
struct tslot {
	int64_t due;
	uint64_t seq;
	loop_timer_fn *fn;
	void *arg;
	uint32_t gen;
	int32_t hpos;
	uint32_t next_free;
};

/* A watched fd.  gen is bumped on every add so events collected for an
 * earlier registration of the same fd number are dropped. */
struct fdent {
	loop_fd_fn *fn;
	void *arg;
	int events;
	uint32_t gen;
};

struct sigent {
	loop_signal_fn *fn;
	void *arg;
};

struct loop {
	struct loop_clock clk;
	int epfd;
	int stop;
	struct tslot *slots;
	uint32_t nslots, slots_cap, free_head;
	uint32_t *heap;
	size_t nheap;
	uint32_t *pend;
	size_t npend;
	int in_pass;
	uint64_t seq;
	struct fdent *fds;
	size_t nfds;
	int sigfd;
	sigset_t sigs, oldmask;
	struct sigent sig[LOOP_NSIG];
};

#define SLOT_NONE UINT32_MAX
#define HPOS_FREE (-1)
#define HPOS_PEND (-2)

/* ------------------------------------------------------------------ clock */

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_mono_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
int64_t loop_wall_ms(void) { return clock_ms(CLOCK_REALTIME); }

static int64_t mono_now(void *ctx)
{
	(void)ctx;
	return loop_mono_ms();
}

const struct loop_clock loop_clock_mono = {mono_now, NULL};

int64_t loop_now(const struct loop *l) { return l->clk.now_ms(l->clk.ctx); }

/* --------------------------------------------------------------- lifetime */

struct loop *loop_new(const struct loop_clock *clk)
{
	struct loop *l;
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd == -1)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->clk = clk ? *clk : loop_clock_mono;
	l->epfd = epfd;
	l->sigfd = -1;
	l->free_head = SLOT_NONE;
	sigemptyset(&l->sigs);
	sigprocmask(SIG_BLOCK, NULL, &l->oldmask);
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->sigfd != -1) {
		close(l->sigfd);
		sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	}
	close(l->epfd);
	free(l->slots);
	free(l->heap);
	free(l->pend);
	free(l->fds);
	free(l);
}

void loop_stop(struct loop *l) { l->stop = 1; }

/* ----------------------------------------------------------------- timers */

static int heap_less(const struct loop *l, size_t a, size_t b)
{
	const struct tslot *x = &l->slots[l->heap[a]];
	const struct tslot *y = &l->slots[l->heap[b]];

	return x->due < y->due || (x->due == y->due && x->seq < y->seq);
}

static void heap_swap(struct loop *l, size_t a, size_t b)
{
	uint32_t t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->slots[l->heap[a]].hpos = (int32_t)a;
	l->slots[l->heap[b]].hpos = (int32_t)b;
}

static void heap_up(struct loop *l, size_t i)
{
	while (i > 0 && heap_less(l, i, (i - 1) / 2)) {
		heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t m = i, c = 2 * i + 1;

		if (c < l->nheap && heap_less(l, c, m))
			m = c;
		if (c + 1 < l->nheap && heap_less(l, c + 1, m))
			m = c + 1;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

/* Returns slot s to the free list; its id goes stale. */
static void slot_put(struct loop *l, uint32_t s)
{
	l->slots[s].hpos = HPOS_FREE;
	l->slots[s].gen++;
	l->slots[s].next_free = l->free_head;
	l->free_head = s;
}

static void heap_insert(struct loop *l, uint32_t s)
{
	l->slots[s].hpos = (int32_t)l->nheap;
	l->heap[l->nheap++] = s;
	heap_up(l, l->nheap - 1);
}

/* Removes heap entry i and frees its slot. */
static void heap_remove(struct loop *l, size_t i)
{
	uint32_t s = l->heap[i];

	l->nheap--;
	if (i != l->nheap) {
		l->heap[i] = l->heap[l->nheap];
		l->slots[l->heap[i]].hpos = (int32_t)i;
		heap_down(l, i);
		heap_up(l, i);
	}
	slot_put(l, s);
}

/* Removes slot s from the pending list and frees it. */
static void pend_remove(struct loop *l, uint32_t s)
{
	for (size_t i = 0; i < l->npend; i++)
		if (l->pend[i] == s) {
			l->pend[i] = l->pend[--l->npend];
			break;
		}
	slot_put(l, s);
}

/* Returns a free slot number, growing the slot and heap arrays. */
static uint32_t slot_get(struct loop *l)
{
	uint32_t s = l->free_head;

	if (s != SLOT_NONE) {
		l->free_head = l->slots[s].next_free;
		return s;
	}
	s = l->nslots++;
	if (l->nslots > l->slots_cap) {
		/* doubling: 100,000 groups' timers must not copy the arrays
		 * 100,000 times */
		l->slots_cap = l->slots_cap ? l->slots_cap * 2 : 64;
		l->slots = xrealloc(l->slots, l->slots_cap * sizeof(*l->slots));
		l->heap = xrealloc(l->heap, l->slots_cap * sizeof(*l->heap));
		l->pend = xrealloc(l->pend, l->slots_cap * sizeof(*l->pend));
	}
	l->slots[s].gen = 1;
	return s;
}

uint64_t loop_timer_add(struct loop *l, int64_t due_ms, loop_timer_fn *fn,
			void *arg)
{
	uint32_t s = slot_get(l);
	struct tslot *t = &l->slots[s];

	t->due = due_ms;
	t->seq = l->seq++;
	t->fn = fn;
	t->arg = arg;
	if (l->in_pass) {
		t->hpos = HPOS_PEND;
		l->pend[l->npend++] = s;
	} else {
		heap_insert(l, s);
	}
	return ((uint64_t)t->gen << 32) | ((uint64_t)s + 1);
}

int loop_timer_cancel(struct loop *l, uint64_t id)
{
	uint64_t s = (id & UINT32_MAX) - 1;

	if (id == 0 || s >= l->nslots || l->slots[s].hpos == HPOS_FREE ||
	    l->slots[s].gen != (uint32_t)(id >> 32))
		return -1;
	if (l->slots[s].hpos == HPOS_PEND)
		pend_remove(l, (uint32_t)s);
	else
		heap_remove(l, (size_t)l->slots[s].hpos);
	return 0;
}

size_t loop_timer_count(const struct loop *l) { return l->nheap + l->npend; }

/* Runs timers due by now that were added before this pass began (so a timer
 * re-adding itself at now waits for the next pass).  Returns how many ran. */
static int timers_run(struct loop *l)
{
	int64_t now = loop_now(l);
	int n = 0;

	assert(!l->in_pass && l->npend == 0);
	l->in_pass = 1;
	while (l->nheap > 0 && l->slots[l->heap[0]].due <= now) {
		loop_timer_fn *fn = l->slots[l->heap[0]].fn;
		void *arg = l->slots[l->heap[0]].arg;

		heap_remove(l, 0);
		fn(l, arg);
		n++;
	}
	l->in_pass = 0;
	for (size_t i = 0; i < l->npend; i++)
		heap_insert(l, l->pend[i]);
	l->npend = 0;
	return n;
}

/* Returns ms until the next timer, capped by timeout_ms (-1: no cap). */
static int timers_wait(const struct loop *l, int timeout_ms)
{
	int64_t d;

	assert(l->npend == 0);
	if (l->nheap == 0)
		return timeout_ms;
	d = l->slots[l->heap[0]].due - loop_now(l);
	if (d < 0)
		d = 0;
	if (timeout_ms >= 0 && d > timeout_ms)
		d = timeout_ms;
	return d > INT32_MAX ? INT32_MAX : (int)d;
}

/* -------------------------------------------------------------------- fds */

static uint32_t ep_mask(int events)
{
	return (events & LOOP_READ ? EPOLLIN : 0u) |
	       (events & LOOP_WRITE ? EPOLLOUT : 0u);
}

static int fd_ctl(struct loop *l, int op, int fd)
{
	struct epoll_event ev = {0};

	ev.events = ep_mask(l->fds[fd].events);
	ev.data.u64 = ((uint64_t)l->fds[fd].gen << 32) | (uint32_t)fd;
	return epoll_ctl(l->epfd, op, fd, &ev);
}

static int fd_watched(const struct loop *l, int fd)
{
	return fd >= 0 && (size_t)fd < l->nfds && l->fds[fd].fn != NULL;
}

int loop_fd_add(struct loop *l, int fd, int events, loop_fd_fn *fn, void *arg)
{
	struct fdent *e;

	if (fd < 0 || !fn)
		return errno = EINVAL, -1;
	if (fd_watched(l, fd))
		return errno = EEXIST, -1;
	if ((size_t)fd >= l->nfds) {
		size_t n = (size_t)fd * 2 + 16;

		l->fds = xrealloc(l->fds, n * sizeof(*l->fds));
		memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof(*l->fds));
		l->nfds = n;
	}
	e = &l->fds[fd];
	e->events = events;
	e->gen++;
	if (fd_ctl(l, EPOLL_CTL_ADD, fd) == -1)
		return -1;
	e->fn = fn;
	e->arg = arg;
	return 0;
}

int loop_fd_mod(struct loop *l, int fd, int events)
{
	if (!fd_watched(l, fd))
		return errno = ENOENT, -1;
	l->fds[fd].events = events;
	return fd_ctl(l, EPOLL_CTL_MOD, fd);
}

int loop_fd_del(struct loop *l, int fd)
{
	if (!fd_watched(l, fd))
		return errno = ENOENT, -1;
	l->fds[fd].fn = NULL;
	l->fds[fd].gen++;
	/* The fd may already be closed (then the kernel dropped it). */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	return 0;
}

/* Calls the fd's callback for one collected event unless the fd was
 * removed or re-added since.  Returns 1 when a callback ran. */
static int fd_dispatch(struct loop *l, const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	int ready = 0;

	if (!fd_watched(l, fd) || l->fds[fd].gen != gen)
		return 0;
	if (ev->events & (EPOLLIN | EPOLLHUP))
		ready |= LOOP_READ;
	if (ev->events & EPOLLOUT)
		ready |= LOOP_WRITE;
	if (ev->events & EPOLLERR)
		ready |= LOOP_ERROR | l->fds[fd].events;
	l->fds[fd].fn(l, fd, ready, l->fds[fd].arg);
	return 1;
}

/* ---------------------------------------------------------------- signals */

static void sig_read(struct loop *l, int fd, int events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;

		if (signo > 0 && signo < LOOP_NSIG && l->sig[signo].fn)
			l->sig[signo].fn(l, signo, l->sig[signo].arg);
	}
}

int loop_signal_add(struct loop *l, int signo, loop_signal_fn *fn, void *arg)
{
	int fd;

	if (signo <= 0 || signo >= LOOP_NSIG || !fn)
		return errno = EINVAL, -1;
	sigaddset(&l->sigs, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigs, NULL) == -1)
		return -1;
	fd = signalfd(l->sigfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -1;
	if (l->sigfd == -1) {
		l->sigfd = fd;
		if (loop_fd_add(l, fd, LOOP_READ, sig_read, NULL) == -1)
			return -1;
	}
	l->sig[signo].fn = fn;
	l->sig[signo].arg = arg;
	return 0;
}

/* ------------------------------------------------------------------- loop */

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int n, ran = 0;

	n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timers_wait(l, timeout_ms));
	if (n == -1 && errno != EINTR)
		return -1;
	for (int i = 0; i < n; i++)
		ran += fd_dispatch(l, &evs[i]);
	return ran + timers_run(l);
}

int loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop)
		if (loop_run_once(l, -1) == -1)
			return -1;
	return 0;
}
