/*
 * loop_curl.c - libcurl multi driven by the loop through the socket API
 * (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION), with a cap on running
 * transfers and a FIFO queue for the rest.  See loop.h.
 *
 * curl's timeouts are scheduled on the loop clock, so transfers need a loop
 * whose clock follows real time (loop_clock_mono).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "util.h"

struct hostq;

/* One transfer, on exactly one of the lists active, queue or its host's
 * queue. */
struct xfer {
	CURL *easy;
	loop_http_fn *done;
	void *arg;
	struct hostq *host; /* with a per-host cap; NULL: none */
	struct xfer *prev, *next;
};

struct xlist {
	struct xfer *head, *tail;
	size_t n;
};

/* Transfers to one scheme://host:port under loop_http_max_host(): those
 * beyond the cap wait here, not in curl (whose pending list is walked at
 * every removal: quadratic with thousands waiting). */
struct hostq {
	struct hostq *next;
	char *key;
	size_t active;
	struct xlist queue;
};

/* What the loop watches a socket of curl's for: fdst[fd] holds its
 * interest (LOOP_READ|LOOP_WRITE) with FD_OURS set while the loop watches
 * it for us, FD_PARKED once curl let go of it but kept it open (an idle
 * connection in its cache).  A parked socket stays with the loop under a
 * read interest, so a connection used again costs no epoll_ctl(); data or
 * a close on it while parked stops the watch until curl wants it again;
 * curl closes every socket through sock_close(), which ends the watch. */
#define FD_OURS 0x10
#define FD_PARKED 0x20

struct loop_http {
	struct loop *loop;
	CURLM *multi;
	uint64_t timer;
	size_t max;
	size_t max_host; /* 0: no per-host cap */
	int closing;
	struct xlist active, queue;
	struct hostq *hosts;
	unsigned char *fdst;
	size_t nfdst;
};

/* ------------------------------------------------------------------ lists */

static void xlist_push(struct xlist *q, struct xfer *x)
{
	x->next = NULL;
	x->prev = q->tail;
	if (q->tail)
		q->tail->next = x;
	else
		q->head = x;
	q->tail = x;
	q->n++;
}

static void xlist_unlink(struct xlist *q, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		q->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	else
		q->tail = x->prev;
	q->n--;
}

/* Removes and returns the first transfer of q, NULL when q is empty. */
static struct xfer *xlist_shift(struct xlist *q)
{
	struct xfer *x = q->head;

	if (!x)
		return NULL;
	q->head = x->next;
	if (q->head)
		q->head->prev = NULL;
	else
		q->tail = NULL;
	q->n--;
	return x;
}

/* ------------------------------------------------------------- transfers */

/* Frees x (already on no list) and tells its owner rc. */
static void xfer_finish(struct xfer *x, CURLcode rc)
{
	CURL *easy = x->easy;
	loop_http_fn *done = x->done;
	void *arg = x->arg;

	free(x);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	done(easy, rc, arg);
}

static int sock_close(void *arg, curl_socket_t s);

/* Hands x to curl; returns 0, or -1 when curl refused it (x untouched). */
static int xfer_launch(struct loop_http *h, struct xfer *x)
{
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_CLOSESOCKETFUNCTION, sock_close);
	curl_easy_setopt(x->easy, CURLOPT_CLOSESOCKETDATA, h);
	if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK)
		return -1;
	xlist_push(&h->active, x);
	return 0;
}

static int has_room(const struct loop_http *h)
{
	return h->max == 0 || h->active.n < h->max;
}

/* Launches queued transfers while there is room. */
static void queue_run(struct loop_http *h)
{
	while (h->queue.head && has_room(h)) {
		struct xfer *x = xlist_shift(&h->queue);

		if (xfer_launch(h, x) == -1)
			xfer_finish(x, CURLE_FAILED_INIT);
	}
}

/* A transfer to host ended: the next one waiting for it starts. */
static void host_release(struct loop_http *h, struct hostq *q)
{
	struct xfer *x;

	if (!q)
		return;
	q->active--;
	while (q->active < h->max_host && (x = xlist_shift(&q->queue))) {
		q->active++;
		if (xfer_launch(h, x) == -1) {
			q->active--;
			xfer_finish(x, CURLE_FAILED_INIT);
		}
	}
}

/* Reports every finished transfer curl has, then fills freed slots. */
static void drain(struct loop_http *h)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		CURL *easy = m->easy_handle;
		CURLcode rc = m->data.result;
		struct xfer *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
		assert(x && x->easy == easy);
		curl_multi_remove_handle(h->multi, easy);
		xlist_unlink(&h->active, x);
		host_release(h, x->host);
		xfer_finish(x, rc);
	}
	queue_run(h);
}

/* ------------------------------------------------------- curl <-> loop */

static void on_sock(struct loop *l, int fd, int events, void *arg)
{
	struct loop_http *h = arg;
	int flags = 0, running;

	if (h->fdst[fd] & FD_PARKED) {
		/* the peer closed or spoke out of turn: curl finds out
		 * when it looks at the connection again */
		if (loop_fd_mod(l, fd, 0) == 0)
			h->fdst[fd] = FD_OURS | FD_PARKED;
		return;
	}
	if (events & LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (events & LOOP_ERROR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	drain(h);
}

static void on_timeout(struct loop *l, void *arg)
{
	struct loop_http *h = arg;
	int running;

	(void)l;
	h->timer = 0;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(h);
}

/* Watches s for ev, with as few epoll_ctl() calls as it takes. */
static int sock_watch(struct loop_http *h, curl_socket_t s, int ev)
{
	if (s < 0)
		return -1;
	if ((size_t)s >= h->nfdst) {
		size_t n = (size_t)s * 2 + 16;

		h->fdst = xrealloc(h->fdst, n);
		memset(h->fdst + h->nfdst, 0, n - h->nfdst);
		h->nfdst = n;
	}
	if (!(h->fdst[s] & FD_OURS)) {
		if (loop_fd_add(h->loop, s, ev, on_sock, h) == -1)
			return -1;
	} else if ((h->fdst[s] & (LOOP_READ | LOOP_WRITE)) != ev) {
		if (loop_fd_mod(h->loop, s, ev) == -1)
			return -1;
	}
	h->fdst[s] = (unsigned char)(FD_OURS | ev);
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: socketp is non-NULL while curl uses s. */
static int sock_cb(CURL *easy, curl_socket_t s, int what, void *userp,
		   void *socketp)
{
	struct loop_http *h = userp;
	int ev = (what & CURL_POLL_IN ? LOOP_READ : 0) |
		 (what & CURL_POLL_OUT ? LOOP_WRITE : 0);

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (!socketp)
			return 0;
		curl_multi_assign(h->multi, s, NULL);
		/* parked: an idle socket must not wake the loop for
		 * writing */
		if ((h->fdst[s] & LOOP_WRITE) &&
		    loop_fd_mod(h->loop, s, LOOP_READ) == -1) {
			loop_fd_del(h->loop, s);
			h->fdst[s] = 0;
			return 0;
		}
		h->fdst[s] = (unsigned char)(FD_PARKED | FD_OURS |
					     (h->fdst[s] & LOOP_READ));
		return 0;
	}
	if (sock_watch(h, s, ev) == -1)
		return -1;
	if (!socketp)
		curl_multi_assign(h->multi, s, h);
	return 0;
}

/* CURLOPT_CLOSESOCKETFUNCTION: the loop stops watching s, then s goes. */
static int sock_close(void *arg, curl_socket_t s)
{
	struct loop_http *h = arg;

	if (s >= 0 && (size_t)s < h->nfdst && (h->fdst[s] & FD_OURS)) {
		loop_fd_del(h->loop, s);
		h->fdst[s] = 0;
	}
	return close(s);
}

/* CURLMOPT_TIMERFUNCTION: one loop timer stands for curl's single timeout. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct loop_http *h = userp;

	(void)multi;
	if (h->timer)
		loop_timer_cancel(h->loop, h->timer);
	h->timer = 0;
	if (timeout_ms >= 0)
		h->timer = loop_timer_add(h->loop, loop_now(h->loop) + timeout_ms,
					  on_timeout, h);
	return 0;
}

/* ----------------------------------------------------------------- public */

struct loop_http *loop_http_new(struct loop *l, size_t max_active)
{
	struct loop_http *h;
	CURLM *multi = curl_multi_init();

	if (!multi)
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->loop = l;
	h->multi = multi;
	h->max = max_active;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, h);
	return h;
}

void loop_http_max_host(struct loop_http *h, size_t n)
{
	h->max_host = n;
}

/* "scheme://host:port" of url: what a per-host cap counts by. */
static struct hostq *host_get(struct loop_http *h, const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;
	struct hostq *q;

	p = p ? p + 3 : url;
	n = (size_t)(p - url) + strcspn(p, "/?#");
	for (q = h->hosts; q; q = q->next)
		if (strlen(q->key) == n && strncmp(q->key, url, n) == 0)
			return q;
	q = xcalloc(1, sizeof *q);
	q->key = xstrndup(url, n);
	q->next = h->hosts;
	h->hosts = q;
	return q;
}

int loop_http_start_to(struct loop_http *h, CURL *easy, const char *url,
		       loop_http_fn *done, void *arg)
{
	struct hostq *q;
	struct xfer *x;

	if (h->closing || !easy || !done)
		return -1;
	if (!h->max_host || h->max || !url)
		return loop_http_start(h, easy, done, arg);
	q = host_get(h, url);
	x = xcalloc(1, sizeof(*x));
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	x->host = q;
	if (q->active >= h->max_host) {
		xlist_push(&q->queue, x);
		return 0;
	}
	if (xfer_launch(h, x) == -1) {
		free(x);
		return -1;
	}
	q->active++;
	return 0;
}

int loop_http_start(struct loop_http *h, CURL *easy, loop_http_fn *done,
		    void *arg)
{
	struct xfer *x;

	if (h->closing || !easy || !done)
		return -1;
	x = xcalloc(1, sizeof(*x));
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	if (!has_room(h) || h->queue.head) {
		xlist_push(&h->queue, x);
		return 0;
	}
	if (xfer_launch(h, x) == -1) {
		free(x);
		return -1;
	}
	return 0;
}

void loop_http_free(struct loop_http *h)
{
	struct xfer *x;

	if (!h)
		return;
	h->closing = 1;
	while ((x = xlist_shift(&h->active))) {
		curl_multi_remove_handle(h->multi, x->easy);
		xfer_finish(x, CURLE_ABORTED_BY_CALLBACK);
	}
	while ((x = xlist_shift(&h->queue)))
		xfer_finish(x, CURLE_ABORTED_BY_CALLBACK);
	while (h->hosts) {
		struct hostq *q = h->hosts;

		h->hosts = q->next;
		while ((x = xlist_shift(&q->queue)))
			xfer_finish(x, CURLE_ABORTED_BY_CALLBACK);
		free(q->key);
		free(q);
	}
	curl_multi_cleanup(h->multi);
	if (h->timer)
		loop_timer_cancel(h->loop, h->timer);
	free(h->fdst);
	free(h);
}

size_t loop_http_active(const struct loop_http *h) { return h->active.n; }
size_t loop_http_queued(const struct loop_http *h) { return h->queue.n; }
