/*
 * cli_routes.c - `tocsin routes show|test`: the routing tree as amtool
 * draws it, and which receivers a label set reaches, with amtool config
 * routes test's output and exit status.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "dispatch.h"
#include "matcher.h"

static const char usage[] =
	"usage: tocsin routes [show] [--config.file=FILE]\n"
	"       tocsin routes test [--config.file=FILE]\n"
	"                          [--verify.receivers=R1,R2,...] LABEL=VALUE...\n"
	"\n"
	"show  draw the routing tree as amtool config routes show does\n"
	"test  print the receivers (comma-separated, in tree order) an alert\n"
	"      with these labels is routed to, as amtool config routes test;\n"
	"      with --verify.receivers, exit 1 when they differ\n"
	"\n"
	"The configuration file defaults to tocsin.yml.  Exit status: 0, 1 when\n"
	"the receivers differ from --verify.receivers, 64 for bad arguments,\n"
	"78 for a bad configuration file.\n";

static struct config *load(const char *file)
{
	struct diags d = {0};
	struct config *c = config_load(file, &d);

	if (!c)
		diags_print(&d, stderr);
	diags_free(&d);
	return c;
}

/* amtool's tree (treeprint): "├── " / "└── " before a node, and below it
 * "│" and two no-break spaces and a space, or four spaces. */
static void draw(const struct route *r, struct buf *prefix, int last,
		 int root)
{
	struct buf line = {0};
	size_t plen = prefix->len;

	buf_add(&line, prefix->s ? prefix->s : "", prefix->len);
	buf_puts(&line, last ? "└── " : "├── ");
	if (root)
		buf_puts(&line, "default-route");
	else
		matchers_format(&r->matchers, &line);
	if (r->cont)
		buf_puts(&line, "  continue: true");
	buf_printf(&line, "  receiver: %s", r->receiver);
	printf("%s\n", buf_str(&line));
	buf_free(&line);
	buf_puts(prefix, last ? "    " : "│\u00a0\u00a0 ");
	for (size_t i = 0; i < r->nroutes; i++)
		draw(&r->routes[i], prefix, i + 1 == r->nroutes, 0);
	prefix->len = plen;
	if (prefix->s)
		prefix->s[plen] = '\0';
}

static int show(const struct config *c)
{
	struct buf prefix = {0};

	printf("Routing tree:\n.\n");
	draw(c->route, &prefix, 1, 1);
	printf("\n");
	buf_free(&prefix);
	return EX_OK;
}

static int test(const struct config *c, char **labels, int n,
		const char *verify)
{
	struct labels_builder b = {0};
	struct labels *l;
	const struct route **rs = NULL;
	size_t nr = 0, cap = 0;
	struct buf out = {0};
	int rc = EX_OK;

	for (int i = 0; i < n; i++) {
		struct matcher m;
		struct buf err = {0};

		if (matcher_parse_mode(labels[i], MATCHER_CLASSIC, &m, &err,
				       NULL) == -1) {
			fprintf(stderr, "tocsin: Failed to parse labels: %s\n",
				buf_str(&err));
			buf_free(&err);
			labels_builder_free(&b);
			return EX_USAGE;
		}
		buf_free(&err);
		if (m.op != MATCHER_EQ) {
			fprintf(stderr, "tocsin: Labels must be specified as "
					"key=value pairs\n");
			matcher_free(&m);
			labels_builder_free(&b);
			return EX_USAGE;
		}
		labels_builder_set(&b, m.name, m.value);
		matcher_free(&m);
	}
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	route_match(c->route, l, &rs, &nr, &cap);
	for (size_t i = 0; i < nr; i++) {
		if (i)
			buf_putc(&out, ',');
		buf_puts(&out, rs[i]->receiver);
	}
	printf("%s\n", buf_str(&out));
	if (verify && strcmp(verify, buf_str(&out)) != 0) {
		printf("WARNING: Expected receivers did not match resolved "
		       "receivers.\n");
		rc = 1;
	}
	free(rs);
	labels_free(l);
	buf_free(&out);
	return rc;
}

int cli_routes(int argc, char **argv)
{
	const char *file = "tocsin.yml", *verify = NULL;
	char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0, bad = 0, rc, is_test = 0, i = 1;
	struct config *c;

	if (i < argc && strcmp(argv[i], "test") == 0) {
		is_test = 1;
		i++;
	} else if (i < argc && strcmp(argv[i], "show") == 0) {
		i++;
	}
	for (; i < argc; i++) {
		const char *v;

		if (cli_is_help(argv[i])) {
			fputs(usage, stdout);
			free(rest);
			return EX_OK;
		}
		if ((v = cli_flag_value(argc, argv, &i, "--config.file", &bad)))
			file = v;
		else if ((v = cli_flag_value(argc, argv, &i,
					     "--verify.receivers", &bad)))
			verify = v;
		else if (bad)
			break;
		else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "tocsin: unknown flag %s\n\n%s",
				argv[i], usage);
			bad = 1;
			break;
		} else
			rest[nrest++] = argv[i];
	}
	if (bad || (!is_test && nrest)) {
		if (!bad)
			fprintf(stderr, "tocsin: unexpected argument %s\n\n%s",
				rest[0], usage);
		free(rest);
		return EX_USAGE;
	}
	c = load(file);
	if (!c) {
		free(rest);
		return EX_CONFIG;
	}
	rc = is_test ? test(c, rest, nrest, verify) : show(c);
	config_free(c);
	free(rest);
	return rc;
}
