/*
 * router_int.h - the router's insides, shared by router.c (alerts in, the
 * pipeline) and the API handlers (api_v2.c, api_silences.c).
 */
#ifndef TOCSIN_ROUTER_INT_H
#define TOCSIN_ROUTER_INT_H

#include "alertstore.h"
#include "dispatch.h"
#include "inhibit.h"
#include "nflog.h"
#include "notify_send.h"
#include "router.h"
#include "silence.h"

struct task;
struct bucket;

/* tocsin_notification_latency_seconds' buckets, Alertmanager's. */
#define ROUTER_LATENCY_BUCKETS 5

/* A configuration replaced while notifications started under it were in
 * flight (their routes, receivers and http_config point into it). */
struct retired {
	struct retired *next;
	struct config *cfg;
};

struct integration_stats {
	uint64_t total, requests, requests_failed;
	uint64_t failed[NOTIFY_NWHY]; /* by enum notify_why */
	uint64_t delayed;   /* waited for their rate limit */
	double latency_sum;
	uint64_t latency_count;
	uint64_t latency_le[ROUTER_LATENCY_BUCKETS]; /* 1 5 10 15 20 s */
};

struct router {
	struct router_opts o;
	struct eval_clock wall;
	char *external_url;
	const struct config *cfg;
	struct tmpl_set *templates;
	struct alertstore *alerts;
	struct dispatcher *disp;
	struct inhibitor *inhibit;
	struct silences *silences;
	uint64_t gc_timer;
	size_t flushing; /* flushes in the pipeline */
	struct task *sending; /* integrations whose send is in flight */
	struct bucket *buckets; /* rate limits in use */
	struct retired *retired; /* freed when flushing drops to 0 */
	int closing;	      /* router_free() is abandoning them */
	struct silence_ids ids; /* scratch for the silence stage */
	int64_t started;

	/* metrics */
	uint64_t received_firing, received_resolved, invalid;
	uint64_t suppressed_inhibited, suppressed_silenced, muted;
	struct integration_stats stats[8]; /* by receivers_all index */
};

/* The router's wall clock now. */
int64_t router_now(const struct router *r);
/* Stores alerts (taking one reference each) and routes them. */
void router_put(struct router *r, struct am_alert **v, size_t n);

/* Picks up silences another process (the CLI with --db) wrote. */
void router_refresh_silences(struct router *r);

/* Silence endpoints (api_silences.c). */
void api_silences_get(struct httpd_req *q, void *arg);
void api_silences_post(struct httpd_req *q, void *arg);
void api_silence_get(struct httpd_req *q, void *arg);
void api_silence_delete(struct httpd_req *q, void *arg);

#endif
