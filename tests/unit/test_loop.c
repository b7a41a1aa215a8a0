/*
 * test_loop.c - the event loop: timers on a fake clock, fd readiness,
 * signals through signalfd, and curl transfers against a loopback HTTP
 * server served by the same loop.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "util.h"

/* ------------------------------------------------------------ fake clock */

static int64_t fake_now_ms(void *ctx) { return *(int64_t *)ctx; }

static int64_t fake_t;
static const struct loop_clock fake_clock = {fake_now_ms, &fake_t};

/* Timer callbacks append their tag to a log. */
static struct buf tlog;

static void log_tag(struct loop *l, void *arg)
{
	(void)l;
	buf_printf(&tlog, "%s ", (const char *)arg);
}

static struct loop *fake_loop(int64_t start)
{
	struct loop *l;

	fake_t = start;
	buf_reset(&tlog);
	l = loop_new(&fake_clock);
	cr_assert_not_null(l);
	return l;
}

/* ---------------------------------------------------------------- timers */

Test(loop, timer_order_and_fifo)
{
	struct loop *l = fake_loop(1000);

	loop_timer_add(l, 1030, log_tag, "c");
	loop_timer_add(l, 1010, log_tag, "a");
	loop_timer_add(l, 1020, log_tag, "b1");
	loop_timer_add(l, 1020, log_tag, "b2");
	loop_timer_add(l, 1020, log_tag, "b3");
	cr_assert_eq(loop_run_once(l, 0), 0);
	cr_assert_str_eq(buf_str(&tlog), "");
	fake_t = 1020;
	cr_assert_eq(loop_run_once(l, 0), 4);
	cr_assert_str_eq(buf_str(&tlog), "a b1 b2 b3 ");
	fake_t = 5000;
	loop_run_once(l, 0);
	cr_assert_str_eq(buf_str(&tlog), "a b1 b2 b3 c ");
	cr_assert_eq(loop_timer_count(l), 0);
	loop_free(l);
	buf_free(&tlog);
}

Test(loop, timer_cancel)
{
	struct loop *l = fake_loop(0);
	uint64_t a = loop_timer_add(l, 10, log_tag, "a");
	uint64_t b = loop_timer_add(l, 10, log_tag, "b");

	loop_timer_add(l, 10, log_tag, "c");
	cr_assert_neq(a, 0);
	cr_assert_eq(loop_timer_cancel(l, b), 0);
	cr_assert_eq(loop_timer_cancel(l, b), -1);
	cr_assert_eq(loop_timer_cancel(l, 0), -1);
	cr_assert_eq(loop_timer_cancel(l, 12345), -1);
	fake_t = 10;
	loop_run_once(l, 0);
	cr_assert_str_eq(buf_str(&tlog), "a c ");
	/* a ran: its id is stale even though its slot gets reused */
	loop_timer_add(l, 20, log_tag, "d");
	cr_assert_eq(loop_timer_cancel(l, a), -1);
	cr_assert_eq(loop_timer_count(l), 1);
	loop_free(l); /* frees the pending timer */
	buf_free(&tlog);
}

/* State for callbacks that manipulate timers from inside a timer. */
struct tstate {
	struct loop *l;
	uint64_t victim, self;
	int reruns;
};

static void cancel_victim(struct loop *l, void *arg)
{
	struct tstate *s = arg;

	buf_puts(&tlog, "x ");
	cr_assert_eq(loop_timer_cancel(l, s->victim), 0);
	cr_assert_eq(loop_timer_cancel(l, s->self), -1); /* already running */
	loop_timer_add(l, loop_now(l) + 5, log_tag, "later");
	loop_timer_add(l, loop_now(l) - 100, log_tag, "past");
}

static void rearm(struct loop *l, void *arg)
{
	struct tstate *s = arg;

	buf_puts(&tlog, "r ");
	if (++s->reruns < 3)
		loop_timer_add(l, loop_now(l), rearm, s);
}

Test(loop, timer_add_cancel_inside_callbacks)
{
	struct loop *l = fake_loop(0);
	struct tstate s = {0};

	s.self = loop_timer_add(l, 5, cancel_victim, &s);
	s.victim = loop_timer_add(l, 5, log_tag, "victim");
	loop_timer_add(l, 6, log_tag, "y");
	fake_t = 10;
	loop_run_once(l, 0);
	/* timers added during a pass wait for the next one */
	cr_assert_str_eq(buf_str(&tlog), "x y ");
	loop_run_once(l, 0);
	cr_assert_str_eq(buf_str(&tlog), "x y past ");
	fake_t = 15;
	loop_run_once(l, 0);
	cr_assert_str_eq(buf_str(&tlog), "x y past later ");

	/* a timer re-adding itself at now runs once per pass, not forever */
	buf_reset(&tlog);
	loop_timer_add(l, 15, rearm, &s);
	cr_assert_eq(loop_run_once(l, 0), 1);
	cr_assert_eq(loop_run_once(l, 0), 1);
	cr_assert_eq(loop_run_once(l, 0), 1);
	cr_assert_eq(loop_run_once(l, 0), 0);
	cr_assert_str_eq(buf_str(&tlog), "r r r ");
	loop_free(l);
	buf_free(&tlog);
}

static void add_then_cancel(struct loop *l, void *arg)
{
	uint64_t id = loop_timer_add(l, loop_now(l), log_tag, "never");

	(void)arg;
	buf_puts(&tlog, "ac ");
	cr_assert_eq(loop_timer_cancel(l, id), 0);
	cr_assert_eq(loop_timer_cancel(l, id), -1);
	loop_timer_add(l, loop_now(l), log_tag, "kept");
}

Test(loop, timer_cancel_added_in_same_pass)
{
	struct loop *l = fake_loop(0);

	loop_timer_add(l, 0, add_then_cancel, NULL);
	loop_timer_add(l, 0, add_then_cancel, NULL);
	cr_assert_eq(loop_run_once(l, 0), 2);
	cr_assert_eq(loop_timer_count(l), 2);
	cr_assert_eq(loop_run_once(l, 0), 2);
	cr_assert_str_eq(buf_str(&tlog), "ac ac kept kept ");
	cr_assert_eq(loop_timer_count(l), 0);
	loop_free(l);
	buf_free(&tlog);
}

static int64_t last_due;
static int fired;

static void check_monotone(struct loop *l, void *arg)
{
	int64_t due = (int64_t)(intptr_t)arg;

	(void)l;
	cr_assert_geq(due, last_due);
	last_due = due;
	fired++;
}

Test(loop, timer_many)
{
	struct loop *l = fake_loop(0);
	enum { N = 5000 };
	uint64_t ids[N];
	int cancelled = 0;

	srand(42);
	for (int i = 0; i < N; i++) {
		int64_t due = rand() % 1000;

		ids[i] = loop_timer_add(l, due, check_monotone,
					(void *)(intptr_t)due);
	}
	for (int i = 0; i < N; i += 3) {
		cr_assert_eq(loop_timer_cancel(l, ids[i]), 0);
		cancelled++;
	}
	cr_assert_eq(loop_timer_count(l), (size_t)(N - cancelled));
	for (fake_t = 0; fake_t < 1000; fake_t += 7)
		loop_run_once(l, 0);
	loop_run_once(l, 0);
	cr_assert_eq(fired, N - cancelled);
	cr_assert_eq(loop_timer_count(l), 0);
	loop_free(l);
}

Test(loop, run_waits_for_real_timer)
{
	struct loop *l = loop_new(NULL);
	int64_t t0 = loop_mono_ms();

	cr_assert_not_null(l);
	loop_timer_add(l, loop_now(l) + 30, log_tag, "t");
	while (loop_timer_count(l) > 0)
		cr_assert_neq(loop_run_once(l, -1), -1);
	cr_assert_geq(loop_mono_ms() - t0, 30);
	cr_assert_str_eq(buf_str(&tlog), "t ");
	cr_assert_gt(loop_wall_ms(), 1500000000000);
	loop_free(l);
	buf_free(&tlog);
}

static void stop_it(struct loop *l, void *arg)
{
	(void)arg;
	loop_stop(l);
}

Test(loop, run_until_stop)
{
	struct loop *l = loop_new(NULL);

	loop_timer_add(l, loop_now(l) + 5, stop_it, NULL);
	cr_assert_eq(loop_run(l), 0);
	cr_assert_eq(loop_timer_count(l), 0);
	loop_free(l);
}

/* -------------------------------------------------------------------- fds */

struct fdstate {
	int reads, writes;
	int other; /* fd to remove from inside the callback, or -1 */
	char got[16];
};

static void on_fd(struct loop *l, int fd, int events, void *arg)
{
	struct fdstate *s = arg;

	if (events & LOOP_READ) {
		ssize_t n = read(fd, s->got, sizeof(s->got) - 1);

		if (n > 0)
			s->got[n] = '\0';
		s->reads++;
	}
	if (events & LOOP_WRITE)
		s->writes++;
	if (s->other != -1) {
		cr_assert_eq(loop_fd_del(l, s->other), 0);
		s->other = -1;
	}
}

Test(loop, fd_readiness)
{
	struct loop *l = fake_loop(0);
	struct fdstate s = {.other = -1};
	int p[2];

	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(loop_fd_add(l, p[0], LOOP_READ, on_fd, &s), 0);
	cr_assert_eq(loop_fd_add(l, p[0], LOOP_READ, on_fd, &s), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(loop_run_once(l, 0), 0);
	cr_assert_eq(write(p[1], "hi", 2), 2);
	cr_assert_eq(loop_run_once(l, 100), 1);
	cr_assert_eq(s.reads, 1);
	cr_assert_str_eq(s.got, "hi");

	/* write interest on the write end, then switched off */
	cr_assert_eq(loop_fd_add(l, p[1], LOOP_WRITE, on_fd, &s), 0);
	cr_assert_eq(loop_run_once(l, 100), 1);
	cr_assert_eq(s.writes, 1);
	cr_assert_eq(loop_fd_mod(l, p[1], 0), 0);
	cr_assert_eq(loop_run_once(l, 0), 0);
	cr_assert_eq(loop_fd_del(l, p[1]), 0);
	cr_assert_eq(loop_fd_del(l, p[1]), -1);
	cr_assert_eq(loop_fd_mod(l, p[1], LOOP_READ), -1);

	/* removal stops callbacks */
	cr_assert_eq(loop_fd_del(l, p[0]), 0);
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(loop_run_once(l, 20), 0);
	close(p[0]);
	close(p[1]);
	loop_free(l);
	buf_free(&tlog);
}

/* Two fds ready in the same epoll_wait: the first callback to run removes
 * the other, whose collected event must then be dropped. */
Test(loop, fd_remove_other_inside_callback)
{
	struct loop *l = fake_loop(0);
	struct fdstate a = {.other = -1}, b = {.other = -1};
	int p[2], q[2];

	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(pipe2(q, O_NONBLOCK), 0);
	a.other = q[0];
	b.other = p[0];
	cr_assert_eq(loop_fd_add(l, p[0], LOOP_READ, on_fd, &a), 0);
	cr_assert_eq(loop_fd_add(l, q[0], LOOP_READ, on_fd, &b), 0);
	cr_assert_eq(write(p[1], "1", 1), 1);
	cr_assert_eq(write(q[1], "2", 1), 1);
	cr_assert_eq(loop_run_once(l, 100), 1);
	cr_assert_eq(a.reads + b.reads, 1);
	loop_fd_del(l, p[0]);
	loop_fd_del(l, q[0]);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	loop_free(l);
	buf_free(&tlog);
}

/* ---------------------------------------------------------------- signals */

static int got_signo, got_count;

static void on_signal(struct loop *l, int signo, void *arg)
{
	(void)l;
	(void)arg;
	got_signo = signo;
	got_count++;
}

Test(loop, signal_delivery)
{
	struct loop *l = fake_loop(0);
	sigset_t cur;

	cr_assert_eq(loop_signal_add(l, SIGUSR1, on_signal, NULL), 0);
	cr_assert_eq(loop_signal_add(l, SIGUSR2, on_signal, NULL), 0);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	cr_assert(sigismember(&cur, SIGUSR1));
	cr_assert_eq(raise(SIGUSR1), 0);
	cr_assert_eq(loop_run_once(l, 1000), 1);
	cr_assert_eq(got_signo, SIGUSR1);
	cr_assert_eq(raise(SIGUSR2), 0);
	loop_run_once(l, 1000);
	cr_assert_eq(got_signo, SIGUSR2);
	cr_assert_eq(got_count, 2);
	cr_assert_eq(loop_signal_add(l, 0, on_signal, NULL), -1);
	loop_free(l);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	cr_assert_not(sigismember(&cur, SIGUSR1)); /* mask restored */
	buf_free(&tlog);
}

/* ------------------------------------------------- loopback HTTP server */

/*
 * A tiny HTTP/1.1 server on 127.0.0.1:0 run by the loop under test.  It
 * answers "GET /path" with body "body:/path" after delay_ms (on the loop),
 * or never when delay_ms < 0, and records how many requests it held at once.
 */
struct srv {
	struct loop *l;
	int fd, port;
	int delay_ms;
	int keep; /* keep connections open after an answer */
	int accepted, pending, peak;
	struct conn *conns;
};

struct conn {
	struct srv *s;
	int fd;
	struct buf in;
	uint64_t timer;
	struct conn *next;
};

static void conn_close(struct conn *c)
{
	struct conn **pp = &c->s->conns;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	if (c->timer) {
		loop_timer_cancel(c->s->l, c->timer);
		c->s->pending--;
	}
	loop_fd_del(c->s->l, c->fd);
	close(c->fd);
	buf_free(&c->in);
	free(c);
}

static void conn_respond(struct loop *l, void *arg)
{
	struct conn *c = arg;
	char path[256] = "?", *body, *resp;

	(void)l;
	c->timer = 0;
	c->s->pending--;
	sscanf(buf_str(&c->in), "GET %255s", path);
	body = xasprintf("body:%s", path);
	resp = xasprintf("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			 "%s\r\n%s",
			 strlen(body), c->s->keep ? "" : "Connection: close\r\n",
			 body);
	cr_assert_eq(write(c->fd, resp, strlen(resp)), (ssize_t)strlen(resp));
	free(body);
	free(resp);
	if (c->s->keep)
		buf_reset(&c->in);
	else
		conn_close(c);
}

static void conn_read(struct loop *l, int fd, int events, void *arg)
{
	struct conn *c = arg;
	char tmp[1024];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	(void)events;
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			conn_close(c);
		return;
	}
	buf_add(&c->in, tmp, (size_t)n);
	if (!strstr(buf_str(&c->in), "\r\n\r\n") || c->timer)
		return;
	if (++c->s->pending > c->s->peak)
		c->s->peak = c->s->pending;
	if (c->s->delay_ms >= 0)
		c->timer = loop_timer_add(l, loop_now(l) + c->s->delay_ms,
					  conn_respond, c);
	else
		c->timer = UINT64_MAX; /* held forever; cancel fails harmlessly */
}

static void srv_accept(struct loop *l, int fd, int events, void *arg)
{
	struct srv *s = arg;
	int cfd;

	(void)events;
	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) != -1) {
		struct conn *c = xcalloc(1, sizeof(*c));

		c->s = s;
		c->fd = cfd;
		c->next = s->conns;
		s->conns = c;
		s->accepted++;
		cr_assert_eq(loop_fd_add(l, cfd, LOOP_READ, conn_read, c), 0);
	}
}

/* Returns a listening socket on 127.0.0.1 with its port in *port. */
static int listen_local(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_neq(fd, -1);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 64), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void srv_start(struct srv *s, struct loop *l, int delay_ms)
{
	memset(s, 0, sizeof(*s));
	s->l = l;
	s->delay_ms = delay_ms;
	s->fd = listen_local(&s->port);
	cr_assert_eq(loop_fd_add(l, s->fd, LOOP_READ, srv_accept, s), 0);
}

static void srv_stop(struct srv *s)
{
	while (s->conns)
		conn_close(s->conns);
	loop_fd_del(s->l, s->fd);
	close(s->fd);
}

/* ------------------------------------------------------------ curl tests */

struct req {
	struct loop_http *h;
	CURL *easy;
	struct buf body;
	CURLcode rc;
	int done;
	size_t max_seen; /* loop_http_active() when done ran */
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
	struct req *r = arg;

	cr_assert_eq(easy, r->easy);
	r->rc = rc;
	r->done++;
	if (r->h)
		r->max_seen = loop_http_active(r->h);
}

/* Sets r up for a GET of path on port; returns the URL (freed by the
 * caller). */
static char *req_setup(struct loop_http *h, struct req *r, int port,
		       const char *path)
{
	char *url = xasprintf("http://127.0.0.1:%d%s", port, path);

	r->h = h;
	r->easy = curl_easy_init();
	cr_assert_not_null(r->easy);
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(r->easy, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, 10000L);
	return url;
}

static void req_start(struct loop_http *h, struct req *r, int port,
		      const char *path)
{
	free(req_setup(h, r, port, path));
	cr_assert_eq(loop_http_start(h, r->easy, on_done, r), 0);
}

/* Starts r counted against the host's cap. */
static void req_start_to(struct loop_http *h, struct req *r, int port,
			 const char *path)
{
	char *url = req_setup(h, r, port, path);

	cr_assert_eq(loop_http_start_to(h, r->easy, url, on_done, r), 0);
	free(url);
}

static void req_free(struct req *r)
{
	curl_easy_cleanup(r->easy);
	buf_free(&r->body);
}

/* Runs l until *count reaches want or 10 s of real time pass. */
static void run_until(struct loop *l, const int *count, int want)
{
	int64_t end = loop_mono_ms() + 10000;

	while (*count < want && loop_mono_ms() < end)
		cr_assert_neq(loop_run_once(l, 50), -1);
}

enum { NREQ = 8 };

Test(loop, http_concurrent_gets)
{
	struct loop *l = loop_new(NULL);
	struct loop_http *h = loop_http_new(l, 0);
	struct srv s;
	struct req r[NREQ] = {0};

	srv_start(&s, l, 0);
	for (int i = 0; i < NREQ; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/r%d", i);
		req_start(h, &r[i], s.port, path);
	}
	cr_assert_eq(loop_http_active(h), NREQ);
	for (int64_t end = loop_mono_ms() + 10000; loop_mono_ms() < end;) {
		int all = 1;

		for (int i = 0; i < NREQ; i++)
			all &= r[i].done;
		if (all)
			break;
		loop_run_once(l, 50);
	}
	for (int i = 0; i < NREQ; i++) {
		char want[32];
		long code = 0;

		snprintf(want, sizeof(want), "body:/r%d", i);
		cr_assert_eq(r[i].done, 1, "request %d done %d", i, r[i].done);
		cr_assert_eq(r[i].rc, CURLE_OK, "%s", curl_easy_strerror(r[i].rc));
		cr_assert_str_eq(buf_str(&r[i].body), want);
		curl_easy_getinfo(r[i].easy, CURLINFO_RESPONSE_CODE, &code);
		cr_assert_eq(code, 200);
		req_free(&r[i]);
	}
	cr_assert_eq(loop_http_active(h), 0);
	loop_http_free(h);
	srv_stop(&s);
	loop_free(l);
}

/* Returns how often loop_run_once() returned in ms of real time: a
 * handful when the loop sleeps, thousands when a socket keeps waking it. */
static int idle_wakeups(struct loop *l, int ms)
{
	int n = 0;

	for (int64_t end = loop_mono_ms() + ms; loop_mono_ms() < end; n++)
		cr_assert_neq(loop_run_once(l, 20), -1);
	return n;
}

/* An idle keep-alive connection stays with the loop between transfers
 * (no epoll_ctl() each time) without waking it, is used again, and is
 * dropped cleanly when the server closes it while idle. */
Test(loop, http_idle_connection_parked)
{
	struct loop *l = loop_new(NULL);
	struct loop_http *h = loop_http_new(l, 4);
	struct srv s;
	struct req r[3] = {0};

	srv_start(&s, l, 0);
	s.keep = 1;
	req_start(h, &r[0], s.port, "/a");
	run_until(l, &r[0].done, 1);
	cr_assert_eq(r[0].rc, CURLE_OK);
	cr_assert_leq(idle_wakeups(l, 200), 15, "an idle socket woke the loop");
	req_start(h, &r[1], s.port, "/b");
	run_until(l, &r[1].done, 1);
	cr_assert_eq(r[1].rc, CURLE_OK);
	cr_assert_str_eq(buf_str(&r[1].body), "body:/b");
	cr_assert_eq(s.accepted, 1, "the connection was used again");
	/* the server hangs up on the idle connection */
	while (s.conns)
		conn_close(s.conns);
	cr_assert_leq(idle_wakeups(l, 200), 15, "a closed idle socket spun");
	req_start(h, &r[2], s.port, "/c");
	run_until(l, &r[2].done, 1);
	cr_assert_eq(r[2].rc, CURLE_OK, "%s", curl_easy_strerror(r[2].rc));
	cr_assert_str_eq(buf_str(&r[2].body), "body:/c");
	cr_assert_eq(s.accepted, 2, "a new connection");
	for (int i = 0; i < 3; i++)
		req_free(&r[i]);
	loop_http_free(h);
	srv_stop(&s);
	loop_free(l);
}

Test(loop, http_refused)
{
	struct loop *l = loop_new(NULL);
	struct loop_http *h = loop_http_new(l, 4);
	struct req r = {0};
	int port, fd = listen_local(&port);

	close(fd); /* nothing listens there now */
	req_start(h, &r, port, "/");
	run_until(l, &r.done, 1);
	cr_assert_eq(r.done, 1);
	cr_assert_eq(r.rc, CURLE_COULDNT_CONNECT, "%s", curl_easy_strerror(r.rc));
	req_free(&r);
	loop_http_free(h);
	loop_free(l);
}

Test(loop, http_cap_holds)
{
	struct loop *l = loop_new(NULL);
	struct loop_http *h = loop_http_new(l, 2);
	struct srv s;
	struct req r[NREQ] = {0};

	srv_start(&s, l, 30); /* hold each request so transfers overlap */
	for (int i = 0; i < NREQ; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/c%d", i);
		req_start(h, &r[i], s.port, path);
	}
	cr_assert_eq(loop_http_active(h), 2);
	cr_assert_eq(loop_http_queued(h), NREQ - 2);
	for (int64_t end = loop_mono_ms() + 10000; loop_mono_ms() < end;) {
		int n = 0;

		cr_assert_leq(loop_http_active(h), 2);
		for (int i = 0; i < NREQ; i++)
			n += r[i].done;
		if (n == NREQ)
			break;
		loop_run_once(l, 50);
	}
	cr_assert_eq(s.peak, 2, "server saw %d at once", s.peak);
	for (int i = 0; i < NREQ; i++) {
		char want[32];

		snprintf(want, sizeof(want), "body:/c%d", i);
		cr_assert_eq(r[i].done, 1);
		cr_assert_eq(r[i].rc, CURLE_OK);
		cr_assert_str_eq(buf_str(&r[i].body), want);
		cr_assert_leq(r[i].max_seen, 2);
		req_free(&r[i]);
	}
	cr_assert_eq(s.accepted, NREQ);
	loop_http_free(h);
	srv_stop(&s);
	loop_free(l);
}

/* A per-host cap: at most 2 at once to the slow host, whose other
 * requests wait in order, while another host's go at once. */
Test(loop, http_per_host_cap)
{
	struct loop *l = loop_new(NULL);
	struct loop_http *h = loop_http_new(l, 0);
	struct srv slow, fast;
	struct req r[NREQ] = {0}, f[2] = {0};
	int64_t end;

	loop_http_max_host(h, 2);
	srv_start(&slow, l, 300);
	srv_start(&fast, l, 0);
	for (int i = 0; i < NREQ; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/s%d", i);
		req_start_to(h, &r[i], slow.port, path);
	}
	cr_assert_eq(loop_http_active(h), 2, "the slow host's cap");
	req_start_to(h, &f[0], fast.port, "/f0");
	req_start_to(h, &f[1], fast.port, "/f1");
	cr_assert_eq(loop_http_active(h), 4, "another host is not held back");
	for (end = loop_mono_ms() + 250;
	     loop_mono_ms() < end && !(f[0].done && f[1].done);)
		loop_run_once(l, 20);
	cr_assert(f[0].done && f[1].done, "the fast host waited");
	cr_assert_eq(r[0].done + r[1].done, 0);
	for (int i = 0; i < NREQ; i++) {
		char want[32];

		run_until(l, &r[i].done, 1);
		snprintf(want, sizeof(want), "body:/s%d", i);
		cr_assert_eq(r[i].rc, CURLE_OK, "%s", curl_easy_strerror(r[i].rc));
		cr_assert_str_eq(buf_str(&r[i].body), want);
		cr_assert_leq(r[i].max_seen, 2);
		req_free(&r[i]);
	}
	cr_assert_eq(slow.peak, 2, "the slow host saw %d at once", slow.peak);
	for (int i = 0; i < 2; i++)
		req_free(&f[i]);
	loop_http_free(h);
	srv_stop(&slow);
	srv_stop(&fast);
	loop_free(l);
}

/* FIFO: with a cap of 1, transfers finish in the order started. */
static struct buf order;

static void note_order(CURL *easy, CURLcode rc, void *arg)
{
	on_done(easy, rc, arg);
	buf_printf(&order, "%d ", ((struct req *)arg)->done);
	buf_puts(&order, buf_str(&((struct req *)arg)->body));
	buf_putc(&order, ' ');
}

Test(loop, http_queue_fifo)
{
	struct loop *l = loop_new(NULL);
	struct loop_http *h = loop_http_new(l, 1);
	struct srv s;
	struct req r[3] = {0};
	const char *paths[] = {"/a", "/b", "/c"};

	srv_start(&s, l, 0);
	for (int i = 0; i < 3; i++) {
		char *url = xasprintf("http://127.0.0.1:%d%s", s.port, paths[i]);

		r[i].h = h;
		r[i].easy = curl_easy_init();
		curl_easy_setopt(r[i].easy, CURLOPT_URL, url);
		curl_easy_setopt(r[i].easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(r[i].easy, CURLOPT_WRITEDATA, &r[i].body);
		curl_easy_setopt(r[i].easy, CURLOPT_NOPROXY, "*");
		cr_assert_eq(loop_http_start(h, r[i].easy, note_order, &r[i]), 0);
		free(url);
	}
	for (int64_t end = loop_mono_ms() + 10000;
	     loop_mono_ms() < end && !r[2].done;)
		loop_run_once(l, 50);
	cr_assert_str_eq(buf_str(&order), "1 body:/a 1 body:/b 1 body:/c ");
	for (int i = 0; i < 3; i++)
		req_free(&r[i]);
	buf_free(&order);
	loop_http_free(h);
	srv_stop(&s);
	loop_free(l);
}

/* Freeing with transfers running and queued aborts each one exactly once
 * and leaks nothing (checked under LeakSanitizer by the asan build). */
Test(loop, http_free_in_flight)
{
	struct loop *l = loop_new(NULL);
	struct loop_http *h = loop_http_new(l, 2);
	struct srv s;
	struct req r[4] = {0};

	srv_start(&s, l, -1); /* never answers */
	for (int i = 0; i < 4; i++)
		req_start(h, &r[i], s.port, "/hang");
	for (int64_t end = loop_mono_ms() + 10000;
	     loop_mono_ms() < end && s.pending < 2;)
		loop_run_once(l, 50);
	cr_assert_eq(s.pending, 2);
	cr_assert_eq(loop_http_queued(h), 2);
	loop_http_free(h);
	for (int i = 0; i < 4; i++) {
		r[i].h = NULL;
		cr_assert_eq(r[i].done, 1);
		cr_assert_eq(r[i].rc, CURLE_ABORTED_BY_CALLBACK);
		req_free(&r[i]);
	}
	loop_run_once(l, 0); /* no stale curl fds or timers fire */
	cr_assert_eq(loop_timer_count(l), 0);
	srv_stop(&s);
	loop_free(l);
}

/* The daemon's shape: loop_run() until SIGTERM arrives through signalfd. */
static void stop_on_signal(struct loop *l, int signo, void *arg)
{
	(void)arg;
	got_signo = signo;
	loop_stop(l);
}

static void send_term(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	cr_assert_eq(raise(SIGTERM), 0);
}

Test(loop, sigterm_stops_run)
{
	struct loop *l = loop_new(NULL);

	cr_assert_eq(loop_signal_add(l, SIGTERM, stop_on_signal, NULL), 0);
	loop_timer_add(l, loop_now(l) + 5, send_term, NULL);
	cr_assert_eq(loop_run(l), 0);
	cr_assert_eq(got_signo, SIGTERM);
	loop_free(l);
}
