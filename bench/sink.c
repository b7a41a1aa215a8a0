/*
 * sink.c - a loopback webhook sink for bench/notify.sh: answers 200 to
 * every POST and counts them.
 *
 *   sink PORTFILE
 *
 * Binds 127.0.0.1 on a port the kernel picks and writes that port, in
 * decimal, to PORTFILE (written aside and renamed, so a reader never sees
 * half of it).  GET /count answers {"requests":N,"bytes":B}: the POSTs
 * answered so far and the bytes of their bodies.  Any other GET is 404.
 *
 * HTTP/1.1 with keep-alive, pipelined requests and Expect: 100-continue;
 * bodies by Content-Length only (chunked is answered 411 and the
 * connection closed).  One thread, level-triggered epoll, no allocation
 * per request.  Runs until SIGINT or SIGTERM, then prints the counts on
 * stdout.  See bench/README.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* The head of one request must fit; a longer one is answered 431. */
#define IN_MAX (64 << 10)
/* Answers queued for a client that does not read them: then it is cut. */
#define OUT_MAX (1 << 20)
#define EVENTS	256

struct conn {
	int fd;
	struct conn *prev, *next; /* every open connection, for the exit */
	char in[IN_MAX];
	size_t inlen;
	uint64_t body_left; /* bytes of the current body still to come */
	int post;	    /* the current request is a POST: count it */
	int close_after;    /* Connection: close, or an error answered */
	int want_out;	    /* EPOLLOUT is armed */
	char *out;	    /* answers not yet written */
	size_t outlen, outcap, outoff;
};

struct sink {
	int ep, lfd;
	struct conn *conns;
	uint64_t requests, bytes;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* ------------------------------------------------------------ answers */

/* Queues s; returns -1 when the client let more than OUT_MAX pile up. */
static int out_add(struct conn *c, const char *s, size_t n)
{
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;

		while (cap < c->outlen + n)
			cap *= 2;
		if (cap > OUT_MAX)
			return -1;
		c->out = realloc(c->out, cap);
		if (!c->out)
			die("realloc");
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
	return 0;
}

static int answer(struct conn *c, const char *status, const char *body)
{
	char head[160];
	size_t blen = strlen(body);
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %s\r\nContent-Length: %zu\r\n%s\r\n", status,
			 blen, c->close_after ? "Connection: close\r\n" : "");

	if (out_add(c, head, (size_t)n) == -1)
		return -1;
	return out_add(c, body, blen);
}

/* Writes what it can; returns -1 on a dead connection. */
static int out_flush(struct sink *s, struct conn *c)
{
	struct epoll_event ev = {.data.ptr = c};
	int want;

	while (c->outoff < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outoff,
				 c->outlen - c->outoff, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0)
			return -1;
		c->outoff += (size_t)w;
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->close_after)
			return -1;
	}
	/* wait for room only while something is left to write */
	want = c->outlen > 0;
	if (want == c->want_out)
		return 0;
	ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		die("epoll_ctl");
	c->want_out = want;
	return 0;
}

/* ------------------------------------------------------------ parsing */

/* The value of header name in the head [p, end), or NULL; *len its length. */
static const char *header(const char *p, const char *end, const char *name,
			  size_t *len)
{
	size_t nl = strlen(name);

	for (;;) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);

		if (!eol)
			return NULL;
		p = eol + 2;
		if ((size_t)(end - p) > nl && p[nl] == ':' &&
		    strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1, *ve;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			ve = memmem(v, (size_t)(end - v), "\r\n", 2);
			*len = (size_t)((ve ? ve : end) - v);
			return v;
		}
	}
}

static int has_token(const char *v, size_t len, const char *tok)
{
	size_t tl = strlen(tok);

	for (size_t i = 0; v && i + tl <= len; i++)
		if (strncasecmp(v + i, tok, tl) == 0)
			return 1;
	return 0;
}

/*
 * One request head, [p, p + len) ending with the blank line: sets the body
 * to skip.  A POST is answered once its body is in (request_done());
 * anything else is answered here.  Returns -1 to cut.
 */
static int head_parse(struct sink *s, struct conn *c, const char *p, size_t len)
{
	const char *end = p + len, *v;
	size_t vl;
	int http10 = memmem(p, len, " HTTP/1.0\r\n", 11) != NULL;

	c->post = len > 5 && memcmp(p, "POST ", 5) == 0;
	v = header(p, end, "Connection", &vl);
	c->close_after = v ? has_token(v, vl, "close") : http10;
	if (header(p, end, "Transfer-Encoding", &vl)) {
		c->post = 0;
		c->close_after = 1;
		return answer(c, "411 Length Required", "");
	}
	v = header(p, end, "Content-Length", &vl);
	c->body_left = v ? strtoull(v, NULL, 10) : 0;
	if (c->post) {
		v = header(p, end, "Expect", &vl);
		if (c->body_left && v && has_token(v, vl, "100-continue"))
			return out_add(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		return 0;
	}
	if (len > 11 && memcmp(p, "GET /count ", 11) == 0) {
		char body[96];

		snprintf(body, sizeof body,
			 "{\"requests\":%" PRIu64 ",\"bytes\":%" PRIu64 "}\n",
			 s->requests, s->bytes);
		return answer(c, "200 OK", body);
	}
	if (memcmp(p, "GET ", 4) == 0)
		return answer(c, "404 Not Found", "");
	return answer(c, "405 Method Not Allowed", "");
}

/* The body of the current request is all in: a POST counts. */
static int request_done(struct sink *s, struct conn *c)
{
	if (!c->post)
		return 0;
	c->post = 0;
	s->requests++;
	return answer(c, "200 OK", "");
}

/* Consumes the complete requests in c->in; returns -1 to cut. */
static int conn_process(struct sink *s, struct conn *c)
{
	size_t pos = 0;

	while (!c->close_after || c->body_left) {
		const char *e;
		size_t k;

		if (c->body_left) {
			k = c->inlen - pos;
			if (k > c->body_left)
				k = (size_t)c->body_left;
			pos += k;
			c->body_left -= k;
			if (c->post)
				s->bytes += k;
			if (c->body_left)
				break;
			if (request_done(s, c) == -1)
				return -1;
			continue;
		}
		e = memmem(c->in + pos, c->inlen - pos, "\r\n\r\n", 4);
		if (!e)
			break;
		k = (size_t)(e + 4 - (c->in + pos));
		if (head_parse(s, c, c->in + pos, k) == -1)
			return -1;
		pos += k;
		if (c->body_left == 0 && request_done(s, c) == -1)
			return -1;
	}
	memmove(c->in, c->in + pos, c->inlen - pos);
	c->inlen -= pos;
	if (c->inlen == IN_MAX && !c->close_after) {
		c->close_after = 1;
		return answer(c, "431 Request Header Fields Too Large", "");
	}
	return 0;
}

/* ------------------------------------------------------- connections */

static void conn_close(struct sink *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->fd); /* also leaves the epoll set */
	free(c->out);
	free(c);
}

static void conn_accept(struct sink *s)
{
	for (;;) {
		int fd =
		    accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN};
		struct conn *c;

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				perror("sink: accept");
			return;
		}
		c = calloc(1, sizeof *c);
		if (!c)
			die("calloc");
		c->fd = fd;
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		ev.data.ptr = c;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			die("epoll_ctl");
	}
}

static void conn_event(struct sink *s, struct conn *c, uint32_t events)
{
	if (events & EPOLLIN) {
		ssize_t n = recv(c->fd, c->in + c->inlen, IN_MAX - c->inlen, 0);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(s, c);
			return;
		}
		if (n > 0) {
			c->inlen += (size_t)n;
			if (conn_process(s, c) == -1) {
				conn_close(s, c);
				return;
			}
		}
	} else if (events & (EPOLLERR | EPOLLHUP)) {
		conn_close(s, c);
		return;
	}
	if (out_flush(s, c) == -1)
		conn_close(s, c);
}

/* ------------------------------------------------------------- set-up */

/* Listens on 127.0.0.1, a free port; returns the port. */
static int sink_listen(struct sink *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd == -1)
		die("socket");
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof a) == -1 ||
	    listen(s->lfd, SOMAXCONN) == -1 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &al) == -1)
		die("sink: bind 127.0.0.1");
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep == -1 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) == -1)
		die("epoll");
	return ntohs(a.sin_port);
}

static void port_write(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		die("sink: PORTFILE too long");
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) == -1)
		die(path);
}

/* Many clients keep a connection per group: lift the descriptor limit. */
static void nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct sink s = {0};
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
	struct epoll_event ev[EVENTS];

	if (argc != 2) {
		fprintf(stderr, "usage: sink PORTFILE\n");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	nofile_raise();
	port_write(argv[1], sink_listen(&s));
	while (!stopping) {
		int n = epoll_wait(s.ep, ev, EVENTS, -1);

		if (n == -1 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == NULL)
				conn_accept(&s);
			else
				conn_event(&s, ev[i].data.ptr, ev[i].events);
		}
	}
	while (s.conns)
		conn_close(&s, s.conns);
	close(s.lfd);
	close(s.ep);
	printf("{\"requests\":%" PRIu64 ",\"bytes\":%" PRIu64 "}\n", s.requests,
	       s.bytes);
	return 0;
}
