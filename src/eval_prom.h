/*
 * eval_prom.h - the evaluator's query backend against a Prometheus HTTP API:
 * POST /api/v1/query over the loop's curl multi handle (promapi builds the
 * request and reads the answer), with the datasource's auth, headers, TLS
 * options, timeout and response size cap.
 */
#ifndef TOCSIN_EVAL_PROM_H
#define TOCSIN_EVAL_PROM_H

#include "config.h"
#include "eval.h"
#include "loop.h"

struct eval_prom;

/* Returns a backend querying ds (copied pointer: ds must outlive it or be
 * replaced with eval_prom_set_datasource()) through h.  max_body 0: the
 * default cap. */
struct eval_prom *eval_prom_new(struct loop_http *h,
				const struct config_datasource *ds,
				size_t max_body);
void eval_prom_set_datasource(struct eval_prom *p,
			      const struct config_datasource *ds);
/* Frees p; transfers it started must be finished or aborted already
 * (loop_http_free() aborts them). */
void eval_prom_free(struct eval_prom *p);
/* Fills ops to use p. */
void eval_prom_ops(struct eval_prom *p, struct eval_query_ops *ops);

/* Number of queries sent / failed, for /metrics. */
uint64_t eval_prom_queries(const struct eval_prom *p);
uint64_t eval_prom_failures(const struct eval_prom *p);

#endif
