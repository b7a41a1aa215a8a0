/*
 * daemon.h - `tocsin run`: the long-running process.  One loop owns the
 * evaluator, the Alertmanager forwarder, the HTTP server, the store and the
 * signals; daemon.c wires them and handles reload and shutdown.
 */
#ifndef TOCSIN_DAEMON_H
#define TOCSIN_DAEMON_H

#include <stdint.h>

#include "config.h"
#include "util.h"

struct daemon_opts {
	const char *config_file;
	const char *listen;	  /* --web.listen-address */
	const char *storage_path; /* --storage.path; NULL: the config's */
	const char *external_url; /* --web.external-url; NULL: the config's
				     evaluation.external_url */
	int64_t shutdown_timeout_ms; /* how long in-flight work may finish;
					0: not at all, < 0: 10s */
};

struct daemon;

/*
 * Loads the configuration and the rule files, opens the store and starts
 * listening.  Returns a daemon ready for daemon_run(), or NULL with every
 * problem in err (configuration errors one per line, file:line:col first)
 * and *exit_code set to a sysexits.h status (EX_CONFIG for a bad file,
 * EX_UNAVAILABLE when the port or the store cannot be had).
 */
struct daemon *daemon_new(const struct daemon_opts *o, struct buf *err,
			  int *exit_code);
/* Runs until SIGTERM / SIGINT (graceful stop: running evaluations and
 * queued alerts get shutdown_timeout_ms, then state is flushed).  SIGHUP
 * and POST /-/reload reload.  Returns a sysexits.h status. */
int daemon_run(struct daemon *d);
void daemon_free(struct daemon *d);

/* Reloads configuration and rules; on any error keeps the running ones.
 * Returns 0 or -1 with the reasons in err. */
int daemon_reload(struct daemon *d, struct buf *err);

/* The port the HTTP server listens on. */
int daemon_port(const struct daemon *d);

/* Expands the configuration's rule_files globs (sorted, each file once)
 * and loads every file; errors go to d.  Returns the files (*n of them)
 * or NULL with *n = 0 when any file is bad. */
struct rulefile **daemon_load_rules(const struct config *c, size_t *n,
				    struct diags *d);

#endif
