/*
 * eval.c - benchmark of the rule evaluator.
 *
 *   eval [-r RULES] [-g GROUPS] [-s SERIES] [-n ROUNDS] [-v] [-a]
 *        [-c CONCURRENCY] [-p PROMETHEUS]
 *
 * RULES alerting rules (default 500) in GROUPS groups (10), every group
 * at a 1s interval, each rule's query answered with the same vector of
 * SERIES series (100) by a loopback server that answers at once from a
 * precomputed body; `for: 0s`, so every series becomes a firing alert.
 * With -v the server alternates two bodies whose values differ, so every
 * answer changes each value (and $value in the annotations) as a live
 * Prometheus' would.
 * The server runs in a child process, so its CPU is not Tocsin's.  The
 * scheduler usually runs it on the evaluator's CPU, in the moment the
 * request is sent; with -a it runs on another CPU than the evaluator (both
 * pinned), as a datasource on another core or host would, and the
 * evaluator waits for each answer asleep.  -c sets the evaluation's
 * group_concurrency (1): queries of one group in flight at once.
 *
 * Tocsin's side runs the real evaluator in this process (loop, loop_http,
 * eval_prom, eval_new()), once without a store and once with a store on a
 * temporary file: CPU of the loop thread per rule evaluation over ROUNDS
 * (3) rounds after a warm-up round, the groups' evaluation time, and the
 * heap (mallinfo2) and RSS it holds per active alert.
 *
 * The peer, PROMETHEUS (a prometheus 2.42 binary; none: the columns read
 * n/a), scrapes the same series from the same server and evaluates the
 * same rule file against its own TSDB; its CPU comes from /proc, its
 * counters and heap from its /metrics.  See bench/README.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "eval.h"
#include "eval_prom.h"
#include "log.h"
#include "loop.h"
#include "rulefile.h"
#include "store.h"
#include "util.h"

extern char **environ;

#define METRIC "model_feature_drift_score"

struct opts {
	int rules, groups, series, rounds;
	int vary; /* -v: every answer's values differ from the last one's */
	int apart; /* -a: the server on another CPU than the evaluator */
	int concurrency; /* -c: evaluation.group_concurrency */
	const char *prometheus; /* NULL: no peer */
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double self_cpu_sec(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Bytes malloc hands out now. */
static double heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (double)mi.uordblks + (double)mi.hblkhd;
}

/* Resident set of process pid (0: this one) in bytes; -1 when unknown. */
static double rss_bytes(pid_t pid)
{
	char path[64];
	long pages, rss;
	FILE *f;

	if (pid)
		snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/statm");
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : (double)rss * (double)sysconf(_SC_PAGESIZE);
}

/* ------------------------------------------------------------ series */

static const char *const models[] = {"llama-3-70b", "mistral-7b", "qwen2-72b",
				     "phi-3-mini", "gemma-2-27b"};
static const char *const features[] = {"prompt_length", "embedding_norm",
				       "token_entropy", "user_locale",
				       "request_rate"};

/* The labels of series i, without __name__, as name="value" pairs joined
 * by sep with quote q around names (JSON) or none (exposition). */
static void series_labels(struct buf *b, int i, const char *q, const char *eq,
			  const char *sep)
{
	char inst[64], pod[64], ver[16];
	const char *kv[][2] = {
		{"feature", features[(i / 20) % 5]},
		{"instance", inst},
		{"job", "model-serving"},
		{"model", models[i % 5]},
		{"namespace", "serving-prod"},
		{"pod", pod},
		{"version", ver},
	};

	snprintf(inst, sizeof inst, "gpu-node-%02d.dc1.example.net:9400", i % 25);
	snprintf(pod, sizeof pod, "%s-predictor-%05x-%d", models[i % 5],
		 0x3f2a1 + i * 97, i);
	snprintf(ver, sizeof ver, "v%d.%d", 1 + (i / 5) % 4, i % 3);
	for (size_t k = 0; k < sizeof kv / sizeof kv[0]; k++)
		buf_printf(b, "%s%s%s%s%s\"%s\"", k ? sep : "", q, kv[k][0], q, eq,
			   kv[k][1]);
}

static double series_value(int i)
{
	return 0.2 + (double)((i * 37) % 70) / 100.0;
}

/* An HTTP response with body b and content type ct, as one buffer. */
static char *http_response(const char *ct, const struct buf *b, size_t *len)
{
	struct buf r = {0};

	buf_printf(&r, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
		       "Content-Length: %zu\r\n\r\n",
		   ct, b->len);
	buf_add(&r, b->s, b->len);
	*len = r.len;
	return buf_take(&r);
}

/* The answer to every /api/v1/query: a vector of n series, their values
 * raised by bump thousandths. */
static char *query_response(int n, int bump, size_t *len, size_t *body_len)
{
	struct buf b = {0};
	char *r;

	buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
		     "\"result\":[");
	for (int i = 0; i < n; i++) {
		buf_printf(&b, "%s{\"metric\":{\"__name__\":\"" METRIC "\",",
			   i ? "," : "");
		series_labels(&b, i, "\"", ":", ",");
		buf_printf(&b, "},\"value\":[1700000000.123,\"%g\"]}",
			   series_value(i) + bump * 1e-3);
	}
	buf_puts(&b, "]}}");
	*body_len = b.len;
	r = http_response("application/json", &b, len);
	buf_free(&b);
	return r;
}

/* The same series as a /metrics page, for Prometheus to scrape. */
static char *metrics_response(int n, size_t *len)
{
	struct buf b = {0};
	char *r;

	buf_puts(&b, "# HELP " METRIC " Drift of a model input feature.\n"
		     "# TYPE " METRIC " gauge\n");
	for (int i = 0; i < n; i++) {
		buf_puts(&b, METRIC "{");
		series_labels(&b, i, "", "=", ",");
		buf_printf(&b, "} %g\n", series_value(i));
	}
	r = http_response("text/plain; version=0.0.4", &b, len);
	buf_free(&b);
	return r;
}

/* ------------------------------------------------------------ server */

/*
 * The loopback server: HTTP/1.1 keep-alive over epoll, in a child process.
 * POST /api/v1/query gets the vector, GET /metrics the exposition, the
 * rest 404.  Requests are read whole (headers and Content-Length body).
 */
struct srv_conn {
	int fd;
	struct buf in;
	const char *out;
	size_t out_len, out_off;
};

struct srv {
	char *query[2]; /* the same but for their values; [1] NULL: none */
	size_t query_len[2];
	char *metrics;
	size_t metrics_len;
};

static const char not_found[] =
	"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

/* The length of the request at the head of c->in, 0 while incomplete;
 * sets the response to send. */
static size_t srv_parse(const struct srv *s, struct srv_conn *c)
{
	char *h = c->in.s, *end, *p;
	size_t clen = 0, hlen;

	if (!h)
		return 0;
	end = memmem(h, c->in.len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	hlen = (size_t)(end - h) + 4;
	for (p = h; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
		if (*p == '\n')
			p++;
		if (strncasecmp(p, "content-length:", 15) == 0)
			clen = strtoul(p + 15, NULL, 10);
	}
	if (c->in.len < hlen + clen)
		return 0;
	if (strncmp(h, "POST /api/v1/query ", 19) == 0) {
		static unsigned long nq; /* the child's own */
		int k = s->query[1] ? (int)(nq++ & 1) : 0;

		c->out = s->query[k];
		c->out_len = s->query_len[k];
	} else if (strncmp(h, "GET /metrics ", 13) == 0) {
		c->out = s->metrics;
		c->out_len = s->metrics_len;
	} else {
		c->out = not_found;
		c->out_len = sizeof not_found - 1;
	}
	c->out_off = 0;
	return hlen + clen;
}

/* Writes what c has to send; 0, or -1 when the connection is gone. */
static int srv_flush(struct srv_conn *c)
{
	while (c->out && c->out_off < c->out_len) {
		ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		c->out_off += (size_t)w;
	}
	c->out = NULL;
	return 0;
}

/* Reads and answers what c has; -1 when the connection is done. */
static int srv_read(const struct srv *s, struct srv_conn *c)
{
	char tmp[65536];
	size_t used;

	for (;;) {
		ssize_t r = read(c->fd, tmp, sizeof tmp);

		if (r == 0)
			return -1;
		if (r < 0) {
			if (errno == EAGAIN)
				break;
			return -1;
		}
		buf_add(&c->in, tmp, (size_t)r);
	}
	while (!c->out && (used = srv_parse(s, c)) > 0) {
		memmove(c->in.s, c->in.s + used, c->in.len - used);
		c->in.len -= used;
		if (srv_flush(c) == -1)
			return -1;
	}
	return 0;
}

static void srv_close(int ep, struct srv_conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	buf_free(&c->in);
	free(c);
}

static void srv_run(const struct srv *s, int lfd)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}, evs[64];

	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			struct srv_conn *c = evs[i].data.ptr;

			if (!c) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

				if (fd < 0)
					continue;
				c = xcalloc(1, sizeof *c);
				c->fd = fd;
				ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			if (srv_flush(c) == -1 || srv_read(s, c) == -1)
				srv_close(ep, c);
		}
	}
}

/* Starts the server in a child process on 127.0.0.1:0; sets *port. */
/* Keeps the calling thread (and what it starts) on CPU cpu: 0, or -1 with
 * the reason printed. */
static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) == -1) {
		fprintf(stderr, "bench eval: CPU %d: %s\n", cpu,
			strerror(errno));
		return -1;
	}
	return 0;
}

static pid_t srv_start(int nseries, int vary, int apart, int *port,
		       size_t *body_len)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof a;
	struct srv s;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	pid_t pid;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) == -1 ||
	    listen(lfd, 128) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) == -1) {
		perror("bench server");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	s.query[0] = query_response(nseries, 0, &s.query_len[0], body_len);
	s.query[1] = vary ? query_response(nseries, 1, &s.query_len[1],
					   body_len)
			  : NULL;
	s.metrics = metrics_response(nseries, &s.metrics_len);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (apart && pin_to(1) == -1)
			_exit(1);
		signal(SIGPIPE, SIG_IGN);
		srv_run(&s, lfd);
		_exit(0);
	}
	close(lfd);
	free(s.query[0]);
	free(s.query[1]);
	free(s.metrics);
	return pid;
}

static void proc_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------------- rules */

/* Writes the rule file: groups of rules alerting on every series. */
static int rules_write(const char *path, const struct opts *o)
{
	FILE *f = fopen(path, "w");
	int per = (o->rules + o->groups - 1) / o->groups, r = 0;

	if (!f)
		return -1;
	fputs("groups:\n", f);
	for (int g = 0; g < o->groups && r < o->rules; g++) {
		fprintf(f, "  - name: drift-%02d\n    interval: 1s\n    rules:\n", g);
		for (int k = 0; k < per && r < o->rules; k++, r++) {
			fprintf(f,
				"      - alert: FeatureDrift%04d\n"
				"        expr: " METRIC "{job=\"model-serving\"} > %.6f\n"
				"        for: 0s\n"
				"        labels:\n"
				"          severity: %s\n"
				"          team: ml-platform\n"
				"        annotations:\n"
				"          summary: \"Feature {{ $labels.feature }} of "
				"{{ $labels.model }} drifted on {{ $labels.instance }}\"\n"
				"          description: \"Drift score {{ $value | humanize }} "
				"for {{ $labels.model }} {{ $labels.version }} "
				"(pod {{ $labels.pod }}) in {{ $labels.namespace }}.\"\n"
				"          runbook_url: https://runbooks.example.net/"
				"ml-platform/feature-drift\n",
				r, 0.1 + r * 1e-6, r % 3 ? "warning" : "critical");
		}
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ tocsin */

struct tocsin_fig {
	int ok;
	double cpu_us, self_cpu_us;  /* per rule evaluation */
	double first_cpu_us;	     /* the warm-up round's, per rule eval */
	double round_cpu_s;	     /* loop-thread CPU per round */
	double round_wall_s;	     /* wall time per round of every rule */
	double missed;		     /* group iterations missed in the window */
	double group_mean_s, group_max_s; /* evaluation time of one group */
	double heap_rules, heap_alert, rss_alert;
	double rss_trim_alert; /* RSS after malloc_trim(0) */
	size_t active;
	uint64_t evals, failures;
	unsigned long long sends;
};

static void count_sends(void *ctx, const struct eval_group *g,
			const struct alerting_notification *v, size_t n)
{
	(void)g;
	(void)v;
	*(unsigned long long *)ctx += n;
}

/* Runs the loop until q_target queries were sent.  Groups run on when
 * the loop is slower than their interval, so it never waits for them to
 * be idle; up to one query per group may still be in flight. */
static int run_until(struct loop *l, const struct eval_prom *p, uint64_t q_target)
{
	double deadline = now_sec() + 300;

	while (eval_prom_queries(p) < q_target)
		if (loop_run_once(l, 100) == -1 || now_sec() > deadline)
			return -1;
	return 0;
}

/* Runs the loop until *sends reached target: every group finished an
 * evaluation that sent them (saving its state first). */
static int run_until_sent(struct loop *l, const unsigned long long *sends,
			  unsigned long long target)
{
	double deadline = now_sec() + 300;

	while (*sends < target)
		if (loop_run_once(l, 100) == -1 || now_sec() > deadline)
			return -1;
	return 0;
}

/* Stops scheduling and lets the running evaluations finish. */
static void drain(struct loop *l, struct evaluator *e)
{
	double deadline = now_sec() + 60;

	eval_stop(e);
	while (eval_busy(e) && now_sec() < deadline)
		if (loop_run_once(l, 100) == -1)
			break;
}

/* Sum, maximum and number of the samples of the evaluator's metric
 * `name` (with its "{"). */
static double eval_metric(const struct evaluator *e, const char *name,
			  double *max, int *n)
{
	struct buf b = {0};
	double sum = 0;

	eval_metrics(e, &b);
	*max = 0;
	*n = 0;
	for (const char *p = b.s; p && (p = strstr(p, name)); p++) {
		const char *sp = strchr(p, ' ');
		double v = sp ? strtod(sp + 1, NULL) : 0;

		sum += v;
		(*n)++;
		if (v > *max)
			*max = v;
	}
	buf_free(&b);
	return sum;
}

/* The evaluator as `tocsin run` wires it, with a counting sink. */
struct rig {
	struct store *st;
	struct loop *l;
	struct loop_http *h;
	struct eval_prom *p;
	struct evaluator *e;
};

/* Sets up r and loads the rules (store_path NULL: no store); 0, or -1
 * with the reason printed.  rig_close() it either way. */
static int rig_open(struct rig *r, const struct config *cfg, const char *rules_path,
		    const char *store_path, const struct eval_sink *sink)
{
	const struct config_evaluation *ev = &cfg->evaluation;
	struct eval_settings set = {
		.interval_ms = ev->interval_ms,
		.query_offset_ms = ev->query_offset_ms,
		.resend_delay_ms = ev->resend_delay_ms,
		.outage_tolerance_ms = ev->for_outage_tolerance_ms,
		.grace_ms = ev->for_grace_period_ms,
		.group_concurrency = ev->group_concurrency,
		.external_labels = ev->external_labels,
		.external_url = ev->external_url,
	};
	struct eval_query_ops ops;
	struct rulefile **files;
	struct diags d = {0};
	struct buf err = {0};
	int rc = -1;

	memset(r, 0, sizeof *r);
	if (store_path && store_open(store_path, &r->st, &err) == -1)
		goto out;
	files = xcalloc(1, sizeof *files);
	files[0] = rulefile_load(rules_path, &d);
	if (!files[0]) {
		diags_print(&d, stderr);
		free(files);
		goto out;
	}
	r->l = loop_new(NULL);
	r->h = loop_http_new(r->l, 64);
	r->p = eval_prom_new(r->h, &cfg->datasource, 0);
	eval_prom_ops(r->p, &ops);
	r->e = eval_new(r->l, NULL, &ops, sink, r->st);
	rc = eval_load(r->e, files, 1, &set, &err); /* files taken */
out:
	if (err.len)
		fprintf(stderr, "eval: %s\n", buf_str(&err));
	buf_free(&err);
	diags_free(&d);
	return rc;
}

static void rig_close(struct rig *r)
{
	eval_free(r->e);
	loop_http_free(r->h);
	eval_prom_free(r->p);
	loop_free(r->l);
	store_close(r->st);
}

/* Fills the memory figures of fg (heap0, rss0: before rig_open()). */
static void tocsin_memory(struct tocsin_fig *fg, double heap0, double rss0)
{
	double n = (double)fg->active;

	if (!fg->active)
		return;
	/* marginal: what the alerts add to the loaded rules and the rig */
	fg->heap_alert = (heap_bytes() - heap0 - fg->heap_rules) / n;
	fg->rss_alert = (rss_bytes(0) - rss0) / n;
	malloc_trim(0);
	fg->rss_trim_alert = (rss_bytes(0) - rss0) / n;
}

/* One run of Tocsin's evaluator; store_path NULL: without a store. */
static void tocsin_run(const struct opts *o, const struct config *cfg,
		       const char *rules_path, const char *store_path,
		       struct tocsin_fig *fg)
{
	static const char missed[] = "tocsin_rule_group_iterations_missed_total{";
	struct eval_sink sink = {count_sends, &fg->sends};
	struct rig r;
	double heap0, rss0, c0, s0, t0, miss0, mx;
	uint64_t nrules, q0;
	int ng;

	memset(fg, 0, sizeof *fg);
	malloc_trim(0);
	heap0 = heap_bytes();
	rss0 = rss_bytes(0);
	if (rig_open(&r, cfg, rules_path, store_path, &sink) == -1)
		goto out;
	nrules = eval_rule_count(r.e);
	fg->heap_rules = heap_bytes() - heap0;

	/* Warm-up round: every alert is created, sent and stored.  Queries
	 * are counted when sent, so the last evaluations of the round (and
	 * their groups' first saves) end after nrules were; wait for their
	 * notifications too (`for: 0s`: one per series and rule), so that
	 * the measured rounds hold none of that work. */
	c0 = thread_cpu_sec();
	if (run_until(r.l, r.p, nrules) == -1 ||
	    run_until_sent(r.l, &fg->sends,
			   (unsigned long long)nrules * (unsigned)o->series) == -1)
		goto out;
	fg->first_cpu_us = (thread_cpu_sec() - c0) * 1e6 /
			   (double)eval_prom_queries(r.p);
	miss0 = eval_metric(r.e, missed, &mx, &ng);

	q0 = eval_prom_queries(r.p);
	c0 = thread_cpu_sec();
	s0 = self_cpu_sec();
	t0 = now_sec();
	if (run_until(r.l, r.p, q0 + nrules * (uint64_t)o->rounds) == -1)
		goto out;
	fg->evals = eval_prom_queries(r.p) - q0;
	fg->cpu_us = (thread_cpu_sec() - c0) * 1e6 / (double)fg->evals;
	fg->self_cpu_us = (self_cpu_sec() - s0) * 1e6 / (double)fg->evals;
	fg->round_cpu_s = fg->cpu_us * (double)nrules / 1e6;
	fg->round_wall_s = (now_sec() - t0) * (double)nrules / (double)fg->evals;
	fg->missed = eval_metric(r.e, missed, &mx, &ng) - miss0;

	drain(r.l, r.e);
	fg->failures = eval_prom_failures(r.p);
	fg->active = eval_active_alerts(r.e);
	tocsin_memory(fg, heap0, rss0);
	fg->group_mean_s = eval_metric(r.e, "tocsin_rule_group_last_duration_seconds{",
				       &fg->group_max_s, &ng);
	fg->group_mean_s /= ng ? ng : 1;
	fg->ok = fg->failures == 0;
	if (fg->failures)
		fprintf(stderr, "eval: %llu queries failed\n",
			(unsigned long long)fg->failures);
out:
	rig_close(&r);
}

/* -------------------------------------------------------- prometheus */

struct prom_fig {
	int ok;
	double cpu_us, cpu_idle_us; /* per rule evaluation: raw, less idle */
	double eval_p50_us, eval_p99_us; /* rule_evaluation_duration_seconds */
	double group_mean_s, group_max_s;
	double missed;			/* iterations missed in the window */
	double round_wall_s;		/* window / rounds done in it */
	double heap_alert, rss_alert;
	double active;
	double evals;
};

/* A free loopback port: bound and closed, so there is a small race. */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
	buf_add(arg, ptr, size * n);
	return size * n;
}

/* GETs (or POSTs, post non-NULL) url into out; returns the HTTP status or
 * -1. */
static long http_get(const char *url, const char *post, struct buf *out)
{
	CURL *c = curl_easy_init();
	long status = -1;

	buf_reset(out);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	buf_putc(out, '\0');
	out->len--;
	return status;
}

/* Sum of the samples of metric `name` (a name, or a name and the start of
 * its labels, "x{quantile=\"0.5\""), in exposition text m; max: their
 * maximum instead; n: their number. */
static double expo_value(const char *m, const char *name, double *max, int *n)
{
	size_t len = strlen(name);
	double sum = 0;

	if (max)
		*max = 0;
	if (n)
		*n = 0;
	for (const char *p = m; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		const char *sp;
		double v;

		if (strncmp(p, name, len) != 0 ||
		    (p[len] != ' ' && p[len] != '{' && p[len] != ',' &&
		     p[len] != '}'))
			continue;
		sp = strchr(p + len, ' ');
		if (!sp)
			continue;
		v = strtod(sp + 1, NULL);
		sum += v;
		if (max && v > *max)
			*max = v;
		if (n)
			(*n)++;
	}
	return sum;
}

/* Prometheus' CPU seconds from /proc/pid/stat. */
static double proc_cpu_sec(pid_t pid)
{
	char path[64], line[4096], *p;
	unsigned long ut = 0, stt = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(line, sizeof line, f);
	fclose(f);
	if (!p || !(p = strrchr(line, ')')))
		return -1;
	/* after ")": state(3) ... utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &stt) != 2)
		return -1;
	return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

struct prom {
	pid_t pid;
	char base[96];
	struct buf m;
};

static double prom_metric(struct prom *pr, const char *name)
{
	char url[128];

	snprintf(url, sizeof url, "%s/metrics", pr->base);
	if (http_get(url, NULL, &pr->m) != 200)
		return -1;
	return expo_value(pr->m.s, name, NULL, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Medians of go_memstats_heap_inuse_bytes and of RSS over n samples a
 * second apart (n <= 16). */
static void prom_memory(struct prom *pr, int n, double *heap, double *rss)
{
	double h[16], r[16];

	if (n > 16)
		n = 16;
	for (int i = 0; i < n; i++) {
		h[i] = prom_metric(pr, "go_memstats_heap_inuse_bytes");
		r[i] = rss_bytes(pr->pid);
		if (i + 1 < n)
			sleep(1);
	}
	qsort(h, (size_t)n, sizeof *h, cmp_double);
	qsort(r, (size_t)n, sizeof *r, cmp_double);
	*heap = h[n / 2];
	*rss = r[n / 2];
}

/* Waits until f(pr) >= want, at most secs seconds; 0 or -1. */
static int prom_wait(struct prom *pr, const char *metric, double want, int secs)
{
	double deadline = now_sec() + secs;

	while (now_sec() < deadline) {
		if (prom_metric(pr, metric) >= want)
			return 0;
		usleep(200000);
	}
	return -1;
}

/* The number of firing alerts, from count(ALERTS{alertstate="firing"}). */
static double prom_alerts(struct prom *pr)
{
	char url[256];
	const char *v;

	snprintf(url, sizeof url,
		 "%s/api/v1/query?query=count(ALERTS%%7Balertstate%%3D%%22firing%%22%%7D)",
		 pr->base);
	if (http_get(url, NULL, &pr->m) != 200)
		return -1;
	v = strstr(pr->m.s, "\"value\":[");
	v = v ? strchr(v, ',') : NULL;
	return v ? strtod(v + 2, NULL) : 0;
}

/* Waits until want alerts fire, at most secs seconds; 0 or -1. */
static int prom_wait_alerts(struct prom *pr, double want, int secs)
{
	double deadline = now_sec() + secs;

	while (now_sec() < deadline) {
		if (prom_alerts(pr) >= want)
			return 0;
		sleep(1);
	}
	return -1;
}

static int write_text(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(s, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Writes Prometheus' configuration into dir and starts it on a free
 * loopback port; its rule files are dir/prom-rules/\*.yml (none yet).
 * Returns 0 or -1. */
static int prom_start(struct prom *pr, const char *bin, const char *dir,
		      int srv_port)
{
	char cfgp[512], data[512], logp[512], listen[64];
	char a_cfg[600], a_data[600], a_listen[100];
	char *argv[] = {(char *)bin, a_cfg, a_data, a_listen,
			"--web.enable-lifecycle", "--log.level=warn", NULL};
	posix_spawn_file_actions_t fa;
	struct buf cfg = {0};
	int rc;

	snprintf(cfgp, sizeof cfgp, "%s/prometheus.yml", dir);
	snprintf(data, sizeof data, "%s/prom-data", dir);
	snprintf(logp, sizeof logp, "%s/prometheus.log", dir);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", free_port());
	snprintf(pr->base, sizeof pr->base, "http://%s", listen);
	snprintf(a_cfg, sizeof a_cfg, "--config.file=%s", cfgp);
	snprintf(a_data, sizeof a_data, "--storage.tsdb.path=%s", data);
	snprintf(a_listen, sizeof a_listen, "--web.listen-address=%s", listen);
	buf_printf(&cfg,
		   "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
		   "rule_files:\n  - %s/prom-rules/*.yml\n"
		   "scrape_configs:\n  - job_name: model-serving\n"
		   "    honor_labels: true\n"
		   "    static_configs:\n      - targets: ['127.0.0.1:%d']\n",
		   dir, srv_port);
	rc = write_text(cfgp, cfg.s);
	buf_free(&cfg);
	if (rc == -1)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, logp, O_WRONLY | O_CREAT | O_TRUNC,
					 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&pr->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		pr->pid = 0;
		return -1;
	}
	return 0;
}

/* Copies the rule file into Prometheus' rule directory and reloads it;
 * 0 or -1. */
static int prom_load_rules(struct prom *pr, const char *dir, const char *rules_path)
{
	char rdir[512], rdst[600], url[128];
	char *text = file_read(rules_path, NULL);
	int rc = -1;

	snprintf(rdir, sizeof rdir, "%s/prom-rules", dir);
	snprintf(rdst, sizeof rdst, "%s/rules.yml", rdir);
	snprintf(url, sizeof url, "%s/-/reload", pr->base);
	mkdir(rdir, 0700);
	if (text && write_text(rdst, text) == 0 && http_get(url, "", &pr->m) == 200)
		rc = 0;
	else
		fprintf(stderr, "eval: prometheus reload failed: %s\n", buf_str(&pr->m));
	free(text);
	return rc;
}

/* The figures of Prometheus' counters over a window. */
struct prom_snap {
	double t, cpu, evals, missed;
};

static void prom_snap(struct prom *pr, struct prom_snap *s)
{
	s->t = now_sec();
	s->cpu = proc_cpu_sec(pr->pid);
	s->evals = prom_metric(pr, "prometheus_rule_evaluations_total");
	s->missed = expo_value(pr->m.s, "prometheus_rule_group_iterations_missed_total",
			       NULL, NULL);
}

/* Fills fg from the window a..b (pr->m holds b's /metrics), the idle CPU
 * rate and the memory medians without (0) and with (1) the rules. */
static void prom_figures(const struct opts *o, struct prom *pr,
			 const struct prom_snap *a, const struct prom_snap *b,
			 double idle_rate, const double mem[2][2], struct prom_fig *fg)
{
	static const char dur[] = "prometheus_rule_evaluation_duration_seconds"
				  "{quantile=\"0.";
	char q[128];
	int ng = 0;

	fg->evals = b->evals - a->evals;
	fg->missed = b->missed - a->missed;
	snprintf(q, sizeof q, "%s5\"", dur);
	fg->eval_p50_us = 1e6 * expo_value(pr->m.s, q, NULL, NULL);
	snprintf(q, sizeof q, "%s99\"", dur);
	fg->eval_p99_us = 1e6 * expo_value(pr->m.s, q, NULL, NULL);
	fg->group_mean_s = expo_value(pr->m.s, "prometheus_rule_group_last_duration_seconds",
				      &fg->group_max_s, &ng);
	fg->group_mean_s /= ng ? ng : 1;
	if (fg->evals > 0) {
		fg->round_wall_s = (b->t - a->t) * o->rules / fg->evals;
		fg->cpu_us = (b->cpu - a->cpu) * 1e6 / fg->evals;
		fg->cpu_idle_us =
			(b->cpu - a->cpu - idle_rate * (b->t - a->t)) * 1e6 / fg->evals;
	}
	if (fg->active > 0) {
		fg->heap_alert = (mem[1][0] - mem[0][0]) / fg->active;
		fg->rss_alert = (mem[1][1] - mem[0][1]) / fg->active;
	}
	fg->ok = fg->evals > 0 && fg->active > 0;
}

/* Runs Prometheus over the bench's series: 5 s without rules (idle CPU,
 * memory), then with the rules loaded by /-/reload, once every alert
 * fires, an 8 s window. */
static void prom_run(const struct opts *o, const char *dir, const char *rules_path,
		     int srv_port, struct prom_fig *fg)
{
	struct prom pr = {0};
	struct prom_snap a, b;
	double mem[2][2], idle_rate;

	memset(fg, 0, sizeof *fg);
	if (prom_start(&pr, o->prometheus, dir, srv_port) == -1)
		goto out;
	if (prom_wait(&pr, "prometheus_tsdb_head_series", o->series, 30) == -1) {
		fprintf(stderr, "eval: prometheus did not start; see %s/prometheus.log\n",
			dir);
		goto out;
	}
	sleep(3);
	a.t = now_sec();
	a.cpu = proc_cpu_sec(pr.pid);
	prom_memory(&pr, 5, &mem[0][0], &mem[0][1]);
	idle_rate = (proc_cpu_sec(pr.pid) - a.cpu) / (now_sec() - a.t);

	if (prom_load_rules(&pr, dir, rules_path) == -1)
		goto out;
	if (prom_wait_alerts(&pr, (double)o->rules * o->series, 300) == -1) {
		fprintf(stderr, "eval: prometheus did not evaluate the rules\n");
		goto out;
	}
	sleep(1);
	fg->active = prom_alerts(&pr);
	prom_snap(&pr, &a);
	prom_memory(&pr, 8, &mem[1][0], &mem[1][1]);
	prom_snap(&pr, &b);
	prom_figures(o, &pr, &a, &b, idle_rate, (const double(*)[2])mem, fg);
out:
	proc_stop(pr.pid);
	buf_free(&pr.m);
}

/* ------------------------------------------------------------ report */

/* Prints a table row; prec: decimals of Tocsin's figures, -1: none. */
static void row(const char *name, const struct tocsin_fig *a,
		const struct tocsin_fig *b, double av, double bv, const char *pv,
		const char *target, int prec)
{
	char x[32] = "n/a", y[32] = "n/a";

	if (prec < 0) {
		snprintf(x, sizeof x, "-");
		snprintf(y, sizeof y, "-");
	}
	if (a->ok && prec >= 0)
		snprintf(x, sizeof x, "%.*f", prec, av);
	if (b->ok && prec >= 0)
		snprintf(y, sizeof y, "%.*f", prec, bv);
	printf("%-34s %13s %13s %15s  %s\n", name, x, y, pv, target);
}

/* The peer's figure v with prec decimals in s, or "n/a". */
static const char *pfmt(char *s, size_t n, int ok, int prec, double v)
{
	if (!ok)
		return "n/a";
	snprintf(s, n, "%.*f", prec, v);
	return s;
}

static void report(const struct opts *o, size_t body_len, const struct tocsin_fig *a,
		   const struct tocsin_fig *b, const struct prom_fig *p)
{
	char s[64];

	printf("\n%d alerting rules in %d groups at 1s, %d series per query "
	       "(%zu-byte JSON answer%s), %d rounds after a warm-up\n",
	       o->rules, o->groups, o->series, body_len,
	       o->vary ? ", values changing" : "", o->rounds);
	printf("server %s, %d %s of a group at once\n\n",
	       o->apart ? "on another CPU (-a)" : "where the scheduler puts it",
	       o->concurrency, o->concurrency == 1 ? "query" : "queries");
	printf("%-34s %13s %13s %15s  %s\n", "metric", "tocsin", "tocsin+store",
	       "prometheus 2.42", "target");
	row("CPU us / rule evaluation", a, b, a->cpu_us, b->cpu_us,
	    pfmt(s, sizeof s, p->ok, 1, p->cpu_us), "< 50", 1);
	row("  less peer's idle CPU", a, b, 0, 0,
	    pfmt(s, sizeof s, p->ok, 1, p->cpu_idle_us), "", -1);
	row("  whole process (incl. threads)", a, b, a->self_cpu_us,
	    b->self_cpu_us, "", "", 1);
	row("  warm-up round (alerts created)", a, b, a->first_cpu_us,
	    b->first_cpu_us, "", "", 1);
	row("  rule_evaluation_duration p50", a, b, 0, 0,
	    pfmt(s, sizeof s, p->ok, 1, p->eval_p50_us), "", -1);
	row("  rule_evaluation_duration p99", a, b, 0, 0,
	    pfmt(s, sizeof s, p->ok, 1, p->eval_p99_us), "", -1);
	row("CPU s / round (all rules)", a, b, a->round_cpu_s, b->round_cpu_s, "",
	    "", 3);
	row("wall s / round of all rules", a, b, a->round_wall_s, b->round_wall_s,
	    pfmt(s, sizeof s, p->ok, 3, p->round_wall_s), "1 (interval)", 3);
	row("group evaluation s, mean", a, b, a->group_mean_s, b->group_mean_s,
	    pfmt(s, sizeof s, p->ok, 3, p->group_mean_s), "", 3);
	row("group evaluation s, max", a, b, a->group_max_s, b->group_max_s,
	    pfmt(s, sizeof s, p->ok, 3, p->group_max_s), "", 3);
	row("group iterations missed in window", a, b, a->missed, b->missed,
	    pfmt(s, sizeof s, p->ok, 0, p->missed), "", 0);
	row("rule evaluations measured", a, b, (double)a->evals, (double)b->evals,
	    pfmt(s, sizeof s, p->ok, 0, p->evals), "", 0);
	row("active alerts", a, b, (double)a->active, (double)b->active,
	    pfmt(s, sizeof s, p->ok, 0, p->active), "", 0);
	row("heap bytes / active alert", a, b, a->heap_alert, b->heap_alert,
	    pfmt(s, sizeof s, p->ok, 0, p->heap_alert), "< 1024", 0);
	row("RSS bytes / active alert", a, b, a->rss_alert, b->rss_alert,
	    pfmt(s, sizeof s, p->ok, 0, p->rss_alert), "< 1024", 0);
	row("  after malloc_trim(0)", a, b, a->rss_trim_alert, b->rss_trim_alert,
	    "", "", 0);
	row("notifications to the sink", a, b, (double)a->sends, (double)b->sends,
	    "", "", 0);
	row("heap of the loaded rules, KB", a, b, a->heap_rules / 1024,
	    b->heap_rules / 1024, "", "", 0);
	if (!p->ok && o->prometheus)
		printf("(prometheus: the run failed; see the messages above)\n");
}

/* ------------------------------------------------------------- main */

static int opt_int(const char *s, int min)
{
	long v = strtol(s, NULL, 10);

	if (v < min || v > 1000000) {
		fprintf(stderr, "eval: bad number %s\n", s);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	struct opts o = {500, 10, 100, 3, 0, 0, 1, NULL};
	char dir[] = "/tmp/tocsin-bench-eval.XXXXXX", rules[600], cfgp[600],
	     dbp[600], cmd[700];
	struct tocsin_fig a, b;
	struct prom_fig p = {0};
	struct diags d = {0};
	struct config *cfg;
	struct buf cfgtext = {0}, err = {0};
	size_t body_len;
	pid_t srv;
	int c, port;

	while ((c = getopt(argc, argv, "r:g:s:n:p:vac:")) != -1) {
		switch (c) {
		case 'r': o.rules = opt_int(optarg, 1); break;
		case 'g': o.groups = opt_int(optarg, 1); break;
		case 's': o.series = opt_int(optarg, 1); break;
		case 'n': o.rounds = opt_int(optarg, 1); break;
		case 'p': o.prometheus = optarg; break;
		case 'v': o.vary = 1; break;
		case 'a': o.apart = 1; break;
		case 'c': o.concurrency = opt_int(optarg, 1); break;
		default:
			fprintf(stderr, "usage: eval [-r rules] [-g groups] "
					"[-s series] [-n rounds] [-v] [-a] "
					"[-c concurrency] [-p prometheus]\n");
			return 2;
		}
	}
	if (optind < argc)
		o.prometheus = argv[optind];
	if (o.prometheus && access(o.prometheus, X_OK) != 0)
		o.prometheus = NULL;
	signal(SIGPIPE, SIG_IGN);
	log_setup("error", "logfmt", &err);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (o.apart && o.prometheus) {
		/* the peer would inherit the evaluator's CPU */
		fprintf(stderr, "bench eval: -a is for Tocsin alone\n");
		return 2;
	}
	if (o.apart && pin_to(0) == -1)
		return 1;
	srv = srv_start(o.series, o.vary, o.apart, &port, &body_len);
	snprintf(rules, sizeof rules, "%s/rules.yml", dir);
	snprintf(cfgp, sizeof cfgp, "%s/tocsin.yml", dir);
	snprintf(dbp, sizeof dbp, "%s/tocsin.db", dir);
	buf_printf(&cfgtext,
		   "datasource:\n  url: http://127.0.0.1:%d\n"
		   "evaluation:\n  interval: 1s\n  group_concurrency: %d\n"
		   "route:\n  receiver: none\nreceivers:\n  - name: none\n",
		   port, o.concurrency);
	cfg = config_load_buf(cfgp, dir, cfgtext.s, cfgtext.len, &d);
	if (!cfg || rules_write(rules, &o) == -1) {
		diags_print(&d, stderr);
		proc_stop(srv);
		return 1;
	}
	printf("bench eval: tocsin without a store...\n");
	fflush(stdout);
	tocsin_run(&o, cfg, rules, NULL, &a);
	printf("bench eval: tocsin with a store...\n");
	fflush(stdout);
	tocsin_run(&o, cfg, rules, dbp, &b);
	if (o.prometheus) {
		printf("bench eval: %s...\n", o.prometheus);
		fflush(stdout);
		prom_run(&o, dir, rules, port, &p);
	}
	report(&o, body_len, &a, &b, &p);
	proc_stop(srv);
	config_free(cfg);
	diags_free(&d);
	buf_free(&cfgtext);
	buf_free(&err);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "eval: could not remove %s\n", dir);
	curl_global_cleanup();
	return a.ok && b.ok ? 0 : 1;
}
