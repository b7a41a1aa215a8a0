/*
 * cli_run.c - `tocsin run`: flags, logging set-up, then the daemon.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "daemon.h"
#include "log.h"

static const char usage[] =
	"usage: tocsin run [--config.file=FILE] [--web.listen-address=ADDR]\n"
	"                  [--web.external-url=URL] [--storage.path=FILE]\n"
	"                  [--log.level=LEVEL] [--log.format=FORMAT]\n"
	"                  [--shutdown.timeout=SECONDS]\n"
	"\n"
	"Run the daemon: evaluate the alerting rules of the configuration's\n"
	"rule_files against its datasource, keep alert state in the storage\n"
	"file, route alerts (its own and those posted to /api/v2/alerts) to\n"
	"the receivers as Alertmanager does, forward them to the configured\n"
	"Alertmanagers, and serve Prometheus' and Alertmanager's HTTP APIs.\n"
	"SIGHUP or POST /-/reload reloads configuration and rules without\n"
	"losing alert state; SIGTERM and SIGINT stop gracefully.\n"
	"\n"
	"Flags:\n"
	"  --config.file=FILE          configuration file (default tocsin.yml)\n"
	"  --web.listen-address=ADDR   address to listen on, host:port; port 0\n"
	"                              picks a free one (default :9093)\n"
	"  --storage.path=FILE         state file, instead of the\n"
	"                              configuration's storage.path\n"
	"  --web.external-url=URL      the URL Tocsin is reached at, for links\n"
	"                              in notifications (default: the\n"
	"                              configuration's evaluation.external_url,\n"
	"                              else http://HOSTNAME:PORT)\n"
	"  --log.level=LEVEL           debug, info, warn or error (default "
	"info)\n"
	"  --log.format=FORMAT         logfmt or json (default logfmt)\n"
	"  --shutdown.timeout=SECONDS  how long running evaluations and queued\n"
	"                              alerts may finish at shutdown "
	"(default 10)\n"
	"\n"
	"Exit status: 0 after a graceful stop, 64 (EX_USAGE) for bad flags,\n"
	"69 (EX_UNAVAILABLE) when the address cannot be bound, 71 (EX_OSERR)\n"
	"when the event loop cannot be set up, 73 (EX_CANTCREAT) when the\n"
	"state file cannot be opened or is in use, 78 (EX_CONFIG) for a bad\n"
	"configuration or rule file.  See tocsin(1).\n";

int cli_run(int argc, char **argv)
{
	struct daemon_opts o = {"tocsin.yml", ":9093", NULL, NULL, 10000};
	const char *level = "info", *format = "logfmt";
	struct buf err = {0};
	struct daemon *d;
	int code = EX_OK, bad = 0;

	for (int i = 1; i < argc; i++) {
		const char *v;

		if (cli_is_help(argv[i])) {
			fputs(usage, stdout);
			return EX_OK;
		}
		if ((v = cli_flag_value(argc, argv, &i, "--config.file", &bad)))
			o.config_file = v;
		else if ((v = cli_flag_value(argc, argv, &i,
					     "--web.listen-address", &bad)))
			o.listen = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--storage.path",
					     &bad)))
			o.storage_path = v;
		else if ((v = cli_flag_value(argc, argv, &i,
					     "--web.external-url", &bad)))
			o.external_url = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--log.level",
					     &bad)))
			level = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--log.format",
					     &bad)))
			format = v;
		else if ((v = cli_flag_value(argc, argv, &i,
					     "--shutdown.timeout", &bad))) {
			char *end;
			double s = strtod(v, &end);

			if (*end || !(s >= 0 && s <= 3600)) {
				fprintf(stderr, "tocsin: bad --shutdown.timeout "
						"%s: want seconds\n", v);
				return EX_USAGE;
			}
			o.shutdown_timeout_ms = (int64_t)(s * 1000);
		} else if (!bad) {
			fprintf(stderr, "tocsin: unknown argument %s\n\n%s",
				argv[i], usage);
			return EX_USAGE;
		}
		if (bad)
			return EX_USAGE;
	}
	if (log_setup(level, format, &err) == -1) {
		fprintf(stderr, "tocsin: %s\n", buf_str(&err));
		buf_free(&err);
		return EX_USAGE;
	}
	d = daemon_new(&o, &err, &code);
	if (!d) {
		/* The errors as a person reads them, then one log line. */
		fputs(buf_str(&err), stderr);
		if (err.len && err.s[err.len - 1] != '\n')
			fputc('\n', stderr);
		LOG_ERROR("main", "Cannot start", "config", o.config_file);
		buf_free(&err);
		return code;
	}
	code = daemon_run(d);
	daemon_free(d);
	buf_free(&err);
	return code;
}
