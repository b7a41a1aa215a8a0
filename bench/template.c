/*
 * template.c - benchmark of notification template rendering.
 *
 *   template TOCSIN [AMTOOL AM_TEMPLATE_GLOB]
 *
 * Renders, for one fixed group of 100 alerts, what a Slack receiver with
 * every field at its default renders and what an email receiver renders
 * (email.default.subject as text, email.default.html as HTML), in process
 * against libtocsin.a: renders per second, and allocations per render when
 * run under LD_PRELOAD=alloc_count.so.  Then it times whole processes,
 * `tocsin template render` (the binary TOCSIN) beside Alertmanager's
 * `amtool template render` (AMTOOL, loading AM_TEMPLATE_GLOB) with the same
 * texts and the same alerts as a JSON --template.data file, and prints
 * the peer's figures next to Tocsin's.  See bench/README.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labels.h"
#include "tmpl.h"
#include "util.h"

extern char **environ;

/* The environment of spawned tools: this one without LD_PRELOAD, so the
 * allocation counter stays out of them. */
static char **child_env;

static void child_env_init(void)
{
	size_t n = 0, k = 0;

	while (environ[n])
		n++;
	child_env = calloc(n + 1, sizeof(*child_env));
	if (!child_env)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
			child_env[k++] = environ[i];
	child_env[k] = NULL;
}

#define NALERTS 100
#define INPROC_SECONDS 1.5 /* each in-process figure runs this long */
#define PROC_RUNS 20	   /* each process figure averages this many */

/* ------------------------------------------------------------ alerts */

/* The templates of a Slack receiver with no field configured: the
 * defaults src/config_receivers.c gives (Alertmanager's slack_config
 * defaults), in the order they are listed there. */
static const char *const slack_fields[] = {
	"{{ template \"slack.default.username\" . }}",
	"{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}",
	"{{ template \"slack.default.title\" . }}",
	"{{ template \"slack.default.titlelink\" . }}",
	"{{ template \"slack.default.pretext\" . }}",
	"{{ template \"slack.default.text\" . }}",
	"{{ template \"slack.default.footer\" . }}",
	"{{ template \"slack.default.fallback\" . }}",
	"{{ template \"slack.default.callbackid\" . }}",
	"{{ template \"slack.default.iconemoji\" . }}",
	"{{ template \"slack.default.iconurl\" . }}",
};
#define NSLACK (sizeof(slack_fields) / sizeof(slack_fields[0]))

static const char email_subject[] = "{{ template \"email.default.subject\" . }}";
static const char email_html[] = "{{ template \"email.default.html\" . }}";

static const char *const models[] = {"llama-3-70b", "mistral-7b", "qwen2-72b",
				     "phi-3-mini", "gemma-2-27b"};
static const char *const namespaces[] = {"serving-prod", "serving-canary",
					 "serving-batch", "serving-eu"};

/* The fixed alert set: one group (alertname, job and team shared, so they
 * and runbook_url are the common pairs), 75 firing and 25 resolved. */
struct bench_set {
	struct labels *labels[NALERTS];
	struct labels *annotations[NALERTS];
	struct tmpl_am_alert alerts[NALERTS];
	struct labels *group;
	struct tmpl_am_notification nf;
};

static struct labels *alert_labels(int i)
{
	struct labels_builder b = {0};
	struct labels *l;
	char inst[64], pod[64];

	snprintf(inst, sizeof(inst), "gpu-node-%02d.dc1.example.net:9400", i % 25);
	snprintf(pod, sizeof(pod), "%s-predictor-%05x-%d", models[i % 5], 0x3f2a1 + i * 97, i);
	labels_builder_set(&b, "alertname", "ModelServingLatencyHigh");
	labels_builder_set(&b, "severity", i % 3 == 0 ? "critical" : "warning");
	labels_builder_set(&b, "model", models[i % 5]);
	labels_builder_set(&b, "instance", inst);
	labels_builder_set(&b, "job", "model-serving");
	labels_builder_set(&b, "namespace", namespaces[i % 4]);
	labels_builder_set(&b, "pod", pod);
	labels_builder_set(&b, "team", "ml-platform");
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

static struct labels *alert_annotations(int i)
{
	struct labels_builder b = {0};
	struct labels *l;
	char sum[128], desc[256];

	snprintf(sum, sizeof(sum), "p99 latency of %s above 2s on pod %d", models[i % 5], i);
	snprintf(desc, sizeof(desc),
		 "The 99th percentile request latency of model %s in namespace %s "
		 "has been %d.%02d seconds for more than 10 minutes.",
		 models[i % 5], namespaces[i % 4], 2 + i % 7, (i * 37) % 100);
	labels_builder_set(&b, "summary", sum);
	labels_builder_set(&b, "description", desc);
	labels_builder_set(&b, "runbook_url",
			   "https://runbooks.example.net/ml-platform/model-serving-latency");
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

/* Fills s with the alert set; free it with set_free(). */
static void set_init(struct bench_set *s)
{
	struct labels_builder b = {0};

	for (int i = 0; i < NALERTS; i++) {
		struct tmpl_am_alert *a = &s->alerts[i];

		s->labels[i] = alert_labels(i);
		s->annotations[i] = alert_annotations(i);
		memset(a, 0, sizeof(*a));
		a->status = i % 4 == 3 ? "resolved" : "firing";
		a->labels = s->labels[i];
		a->annotations = s->annotations[i];
		a->starts_sec = 1700000000 + i * 60;
		a->ends_sec = i % 4 == 3 ? a->starts_sec + 3600 : TMPL_AM_ZERO_TIME;
		a->generator_url = "http://prometheus.example.net:9090/graph?g0.expr="
				   "histogram_quantile%280.99%2C+rate%28request_seconds_bucket"
				   "%5B5m%5D%29%29+%3E+2&g0.tab=1";
	}
	labels_builder_set(&b, "alertname", "ModelServingLatencyHigh");
	s->group = labels_builder_build(&b);
	labels_builder_free(&b);
	s->nf.receiver = "ml-platform-slack";
	s->nf.group_labels = s->group;
	s->nf.alerts = s->alerts;
	s->nf.nalerts = NALERTS;
	s->nf.external_url = "http://alertmanager.example.net:9093";
}

static void set_free(struct bench_set *s)
{
	for (int i = 0; i < NALERTS; i++) {
		labels_free(s->labels[i]);
		labels_free(s->annotations[i]);
	}
	labels_free(s->group);
}

/* ------------------------------------------------------ JSON for peers */

static void json_time(FILE *f, int64_t sec)
{
	char t[40];
	time_t tt = (time_t)sec;
	struct tm tm;

	if (sec == TMPL_AM_ZERO_TIME) {
		fputs("\"0001-01-01T00:00:00Z\"", f);
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "\"%s\"", t);
}

/* Writes labels as a JSON object; the bench's values need no escaping. */
static void json_labels(FILE *f, const struct labels *l)
{
	fputc('{', f);
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s\"%s\":\"%s\"", i ? "," : "", l->v[i].name, l->v[i].value);
	fputc('}', f);
}

/* Writes the set as Alertmanager's template.Data JSON to path; 0 or -1. */
static int json_write(const struct bench_set *s, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "{\"receiver\":\"%s\",\"status\":\"firing\",\"alerts\":[", s->nf.receiver);
	for (int i = 0; i < NALERTS; i++) {
		const struct tmpl_am_alert *a = &s->alerts[i];

		fprintf(f, "%s{\"status\":\"%s\",\"labels\":", i ? "," : "", a->status);
		json_labels(f, a->labels);
		fputs(",\"annotations\":", f);
		json_labels(f, a->annotations);
		fputs(",\"startsAt\":", f);
		json_time(f, a->starts_sec);
		fputs(",\"endsAt\":", f);
		json_time(f, a->ends_sec);
		fprintf(f, ",\"generatorURL\":\"%s\",\"fingerprint\":\"%016llx\"}",
			a->generator_url, (unsigned long long)a->labels->fp);
	}
	fputs("],\"groupLabels\":", f);
	json_labels(f, s->group);
	fputs(",\"commonLabels\":{\"alertname\":\"ModelServingLatencyHigh\","
	      "\"job\":\"model-serving\",\"team\":\"ml-platform\"},"
	      "\"commonAnnotations\":{\"runbook_url\":"
	      "\"https://runbooks.example.net/ml-platform/model-serving-latency\"},",
	      f);
	fprintf(f, "\"externalURL\":\"%s\"}\n", s->nf.external_url);
	return fclose(f) == 0 ? 0 : -1;
}

/* --------------------------------------------------------- in process */

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef void alloc_read_fn(unsigned long long *count, unsigned long long *bytes);

struct bench_ctx {
	const struct tmpl_set *set;
	const struct bench_set *alerts;
	struct buf out, err;
	size_t out_bytes; /* output of the last render */
	int failed;
};

/* One Slack notification: the data built as the notifier builds it for
 * each notification, then every default field rendered. */
static void render_slack(struct bench_ctx *c)
{
	struct tmpl_value *data = tmpl_am_data_new(&c->alerts->nf);

	c->out_bytes = 0;
	for (size_t i = 0; i < NSLACK; i++) {
		buf_reset(&c->out);
		if (tmpl_am_render(c->set, slack_fields[i], data, &c->out, &c->err) == -1)
			c->failed = 1;
		c->out_bytes += c->out.len;
	}
	tmpl_unref(data);
}

/* The data alone, as both rows build it: the share of a render that is
 * not template execution. */
static void render_data(struct bench_ctx *c)
{
	tmpl_unref(tmpl_am_data_new(&c->alerts->nf));
	c->out_bytes = 0;
}

/* One email: the data, then the subject as text and the body as HTML. */
static void render_email(struct bench_ctx *c)
{
	struct tmpl_value *data = tmpl_am_data_new(&c->alerts->nf);

	buf_reset(&c->out);
	if (tmpl_am_render(c->set, email_subject, data, &c->out, &c->err) == -1)
		c->failed = 1;
	c->out_bytes = c->out.len;
	buf_reset(&c->out);
	if (tmpl_am_render_html(c->set, email_html, data, &c->out, &c->err) == -1)
		c->failed = 1;
	c->out_bytes += c->out.len;
	tmpl_unref(data);
}

/* Runs fn for INPROC_SECONDS and prints a row of the table. */
static void bench_inproc(struct bench_ctx *c, const char *name,
			 void (*fn)(struct bench_ctx *))
{
	alloc_read_fn *rd = (alloc_read_fn *)dlsym(RTLD_DEFAULT, "alloc_count_read");
	unsigned long long n0 = 0, b0 = 0, n1 = 0, b1 = 0;
	long iters = 0;
	double t0, t;

	fn(c); /* warm-up: first-use caches, buffer growth */
	if (rd)
		rd(&n0, &b0);
	fn(c);
	if (rd)
		rd(&n1, &b1);
	t0 = now_sec();
	do {
		for (int k = 0; k < 10; k++)
			fn(c);
		iters += 10;
		t = now_sec() - t0;
	} while (t < INPROC_SECONDS);
	if (c->failed) {
		printf("%-38s render failed: %s\n", name, buf_str(&c->err));
		return;
	}
	if (rd)
		printf("%-38s %9.0f %14llu %13llu\n", name, (double)iters / t, n1 - n0,
		       b1 - b0);
	else
		printf("%-38s %9.0f %14s %13s\n", name, (double)iters / t, "-", "-");
	printf("%-38s   (%.3f ms/render, %zu bytes of output)\n", "", 1e3 * t / (double)iters,
	       c->out_bytes);
}

/* ------------------------------------------------------ as processes */

/* Spawns argv with stdout to outpath and waits; returns the wall seconds,
 * or -1 when it could not run or failed.  Its rusage goes to *ru. */
static double run_proc(char *const argv[], const char *outpath, struct rusage *ru)
{
	posix_spawn_file_actions_t fa;
	double t0 = now_sec();
	pid_t pid;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, child_env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	if (wait4(pid, &st, 0, ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return now_sec() - t0;
}

/*
 * Returns the peak RSS (KB) of one run of argv, -1 when unknown.  A
 * child's ru_maxrss starts from what the process that exec'ed it held, so
 * argv runs under /usr/bin/time, a small process, which forks it; the
 * figure is then never below time's own, which run_rss() of /bin/true
 * shows.
 */
static long run_rss(char *const argv[], const char *outpath)
{
	char rssfile[600], *cmd[16] = {"/usr/bin/time", "-f", "%M", "-o", rssfile};
	struct rusage ru;
	long kb = -1;
	FILE *f;
	int n = 5;

	snprintf(rssfile, sizeof(rssfile), "%s.rss", outpath);
	for (int i = 0; argv[i] && n < 15; i++)
		cmd[n++] = argv[i];
	cmd[n] = NULL;
	if (access(cmd[0], X_OK) != 0 || run_proc(cmd, outpath, &ru) < 0)
		return -1;
	f = fopen(rssfile, "r");
	if (f) {
		if (fscanf(f, "%ld", &kb) != 1)
			kb = -1;
		fclose(f);
	}
	unlink(rssfile);
	return kb;
}

struct proc_tool {
	const char *name; /* column heading */
	const char *path;
	const char *glob; /* NULL: none */
};

struct proc_args {
	char *argv[8];
	char text[4096], glob[512], data[512];
};

/* Fills a with the command line of tool rendering text (html: as HTML)
 * with the data in datapath (NULL: the tool's example data). */
static void proc_argv(struct proc_args *a, const struct proc_tool *tool, const char *text,
		      int html, const char *datapath)
{
	int n = 0;

	snprintf(a->text, sizeof(a->text), "--template.text=%s", text);
	snprintf(a->glob, sizeof(a->glob), "--template.glob=%s", tool->glob ? tool->glob : "");
	snprintf(a->data, sizeof(a->data), "--template.data=%s", datapath ? datapath : "");
	a->argv[n++] = (char *)tool->path;
	a->argv[n++] = "template";
	a->argv[n++] = "render";
	if (tool->glob)
		a->argv[n++] = a->glob;
	a->argv[n++] = a->text;
	if (datapath)
		a->argv[n++] = a->data;
	if (html)
		a->argv[n++] = "--template.type=html";
	a->argv[n] = NULL;
}

/* Returns the mean ms/run of PROC_RUNS runs of argv, its output left in
 * outpath; -1 when a run failed. */
static double proc_mean(char *const argv[], const char *outpath)
{
	struct rusage ru;
	double sum = 0;

	for (int i = 0; i < PROC_RUNS; i++) {
		double t = run_proc(argv, outpath, &ru);

		if (t < 0)
			return -1;
		sum += t;
	}
	return 1e3 * sum / PROC_RUNS;
}

/* Returns 1 when files a and b hold the same bytes. */
static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	int ca = 0, cb = 0, same = fa && fb;

	while (same && ca != EOF) {
		ca = getc(fa);
		cb = getc(fb);
		same = ca == cb;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

struct proc_row {
	const char *name;
	const char *text;
	int html;
};

#define MAXTOOLS 3

/* Prints one figure per tool: ms, or "failed" when negative. */
static void print_ms(const double *ms, int ntools)
{
	for (int t = 0; t < ntools; t++) {
		if (ms[t] < 0)
			printf(" %12s", "failed");
		else
			printf(" %9.2f ms", ms[t]);
	}
}

/* Times every row for every tool and prints raw and start-up-adjusted
 * ms/run side by side; the last tool is the peer, compared with the one
 * before it (the same templates). */
static void bench_procs(const struct proc_tool *tools, int ntools, const char *datapath,
			const char *tmpdir, const char *slack_text)
{
	const struct proc_row rows[] = {
		{"start-up (--template.text=x)", "x", 0},
		{"slack (all fields)", slack_text, 0},
		{"email html", email_html, 1},
	};
	double ms[3][MAXTOOLS], adj[MAXTOOLS];
	long rss[MAXTOOLS] = {-1, -1, -1};
	char out[MAXTOOLS][512];
	struct proc_args a;

	printf("\nprocess, ms/run (mean of %d)        ", PROC_RUNS);
	for (int t = 0; t < ntools; t++)
		printf(" %12s", tools[t].name);
	putchar('\n');
	for (size_t r = 0; r < 3; r++) {
		for (int t = 0; t < ntools; t++) {
			snprintf(out[t], sizeof(out[t]), "%s/out%zu.%d", tmpdir, r, t);
			proc_argv(&a, &tools[t], rows[r].text, rows[r].html, r ? datapath : NULL);
			ms[r][t] = proc_mean(a.argv, out[t]);
			if (r == 2) {
				rss[t] = run_rss(a.argv, out[t]);
			}
		}
		printf("%-38s", rows[r].name);
		print_ms(ms[r], ntools);
		if (r && ntools > 1 && ms[r][ntools - 2] > 0 && ms[r][ntools - 1] > 0)
			printf("   amtool/tocsin %.1fx", ms[r][ntools - 1] / ms[r][ntools - 2]);
		putchar('\n');
		if (r) {
			for (int t = 0; t < ntools; t++)
				adj[t] = ms[r][t] - ms[0][t];
			printf("%-38s", "  minus start-up");
			print_ms(adj, ntools);
			if (ntools > 1 && adj[ntools - 2] > 0 && adj[ntools - 1] > 0)
				printf("   amtool/tocsin %.1fx", adj[ntools - 1] / adj[ntools - 2]);
			putchar('\n');
		}
		if (r && ntools > 1)
			printf("%-38s output of the last two %s\n", "",
			       same_file(out[ntools - 2], out[ntools - 1]) ? "identical"
									 : "DIFFERS");
		for (int t = 0; t < ntools; t++)
			unlink(out[t]);
	}
	printf("%-38s", "peak RSS, email html run");
	for (int t = 0; t < ntools; t++) {
		if (rss[t] < 0)
			printf(" %12s", "n/a");
		else
			printf(" %9ld KB", rss[t]);
	}
	{
		char *tru[] = {"/bin/true", NULL};

		snprintf(out[0], sizeof(out[0]), "%s/out.true", tmpdir);
		printf("  (/usr/bin/time floor: %ld KB)\n", run_rss(tru, out[0]));
		unlink(out[0]);
	}
}

/* ---------------------------------------------------------------- main */

static int usage(void)
{
	fputs("usage: template TOCSIN [AMTOOL AM_TEMPLATE_GLOB]\n", stderr);
	return 2;
}

/* Runs the in-process rows with set; "what" names its templates. */
static void bench_set_rows(struct bench_ctx *c, struct tmpl_set *set, const char *what)
{
	char name[128];

	c->set = set;
	snprintf(name, sizeof(name), "slack, all fields (%s)", what);
	bench_inproc(c, name, render_slack);
	snprintf(name, sizeof(name), "email subject+html (%s)", what);
	bench_inproc(c, name, render_email);
}

int main(int argc, char **argv)
{
	struct bench_set alerts;
	struct bench_ctx c = {0};
	struct tmpl_set *set, *amset = NULL;
	struct proc_tool tools[MAXTOOLS];
	struct rusage ru;
	struct buf slack_text = {0};
	char tmpdir[] = "/tmp/tocsin-bench-XXXXXX", datapath[64];
	const char *glob = argc == 4 ? argv[3] : NULL;
	char *dir;
	int rc = 1, ntools = 0;

	if (argc != 2 && argc != 4)
		return usage();
	dir = tmpl_am_template_dir();
	set = tmpl_am_set_new(dir, NULL, 0, &c.err);
	if (set && glob)
		amset = tmpl_am_set_new(dir, &glob, 1, &c.err);
	if (!set || (glob && !amset)) {
		fprintf(stderr, "template: %s\n", buf_str(&c.err));
		tmpl_set_free(set);
		free(dir);
		return 1;
	}
	set_init(&alerts);
	c.alerts = &alerts;
	printf("template bench (%d alerts), in process   renders/s  allocs/render  bytes/render\n",
	       NALERTS);
	bench_inproc(&c, "data only (tmpl_am_data_new)", render_data);
	bench_set_rows(&c, set, "Tocsin's tmpl");
	if (amset)
		bench_set_rows(&c, amset, "AM's tmpl");
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS tocsin in-process bench: %ld KB\n", ru.ru_maxrss);
	if (c.failed)
		goto out;

	for (size_t i = 0; i < NSLACK; i++)
		buf_printf(&slack_text, "%s%s", i ? "\n" : "", slack_fields[i]);
	if (!mkdtemp(tmpdir))
		goto out;
	snprintf(datapath, sizeof(datapath), "%s/data.json", tmpdir);
	if (json_write(&alerts, datapath) == 0) {
		tools[ntools++] = (struct proc_tool){"tocsin", argv[1], NULL};
		if (glob) {
			tools[ntools++] = (struct proc_tool){"tocsin+AM", argv[1], glob};
			tools[ntools++] = (struct proc_tool){"amtool", argv[2], glob};
		}
		child_env_init();
		bench_procs(tools, ntools, datapath, tmpdir, buf_str(&slack_text));
		free(child_env);
		rc = 0;
	}
	unlink(datapath);
	rmdir(tmpdir);
	if (glob)
		puts("\"tocsin+AM\" and \"AM's tmpl\" load Alertmanager's default.tmpl and\n"
		     "email.tmpl over Tocsin's own, so they render the same templates as amtool.\n"
		     "Process figures include exec, runtime start-up and parsing templates and\n"
		     "JSON data; \"minus start-up\" subtracts the run rendering \"x\" with the\n"
		     "same templates loaded.  Alertmanager renders in process; its in-process\n"
		     "speed cannot be measured from here.");
out:
	buf_free(&slack_text);
	buf_free(&c.out);
	buf_free(&c.err);
	set_free(&alerts);
	tmpl_set_free(amset);
	tmpl_set_free(set);
	free(dir);
	return rc;
}
