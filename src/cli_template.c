/*
 * cli_template.c - `tocsin template render`: renders a template with
 * notification data the way `amtool template render` does, to try out
 * receiver templates before a configuration uses them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "tmpl.h"

static const char template_usage[] =
    "usage: tocsin template render [--template.glob=GLOB]... "
    "--template.text=TEXT\n"
    "                              [--template.data=FILE] "
    "[--template.type=text|html]\n"
    "\n"
    "Renders TEXT as a notification template and prints the result, as\n"
    "`amtool template render` does.  The built-in templates (default.tmpl,\n"
    "email.tmpl) are loaded first, then every file each GLOB matches, so\n"
    "TEXT may call any template they define, e.g.\n"
    "  --template.text='{{ template \"slack.default.title\" . }}'\n"
    "\n"
    "  --template.glob=GLOB  template files to load (repeatable)\n"
    "  --template.text=TEXT  the template to render\n"
    "  --template.data=FILE  the data as JSON: Alertmanager's template.Data,\n"
    "                        e.g. a webhook payload; default: an example\n"
    "                        with two alerts\n"
    "  --template.type=TYPE  text (default) or html (HTML escaping, as\n"
    "                        email bodies get)\n"
    "\n"
    "The built-in templates come from $TOCSIN_DATADIR/templates when set.\n";

struct render_args {
	const char **globs;
	size_t nglobs;
	const char *text, *data, *type;
};

/* Reads the flags; returns -1 (after printing why) on a usage error, 1 for
 * --help, else 0. */
static int parse_args(int argc, char **argv, struct render_args *ra)
{
	for (int i = 1; i < argc; i++) {
		int bad = 0;
		const char *v;

		if (cli_is_help(argv[i])) {
			fputs(template_usage, stdout);
			return 1;
		}
		if ((v = cli_flag_value(argc, argv, &i, "--template.glob",
					&bad))) {
			ra->globs = xrealloc(ra->globs, (ra->nglobs + 1) *
							    sizeof(*ra->globs));
			ra->globs[ra->nglobs++] = v;
		} else if ((v = cli_flag_value(argc, argv, &i,
					       "--template.text", &bad))) {
			ra->text = v;
		} else if ((v = cli_flag_value(argc, argv, &i,
					       "--template.data", &bad))) {
			ra->data = v;
		} else if ((v = cli_flag_value(argc, argv, &i,
					       "--template.type", &bad))) {
			ra->type = v;
		} else if (!bad) {
			fprintf(stderr, "tocsin: unknown argument %s\n\n%s",
				argv[i], template_usage);
			return -1;
		}
		if (bad)
			return -1;
	}
	if (!ra->text) {
		fprintf(stderr, "tocsin: --template.text is required\n\n%s",
			template_usage);
		return -1;
	}
	if (ra->type && strcmp(ra->type, "text") != 0 &&
	    strcmp(ra->type, "html") != 0) {
		fprintf(stderr,
			"tocsin: --template.type must be text or html, not "
			"\"%s\"\n",
			ra->type);
		return -1;
	}
	return 0;
}

/* Loads --template.data, or the example; returns an exit status. */
static int load_data(const char *path, struct tmpl_value **data)
{
	struct buf err = {0};
	size_t len;
	char *text;
	int rc;

	if (!path) {
		*data = tmpl_am_data_example();
		return EX_OK;
	}
	text = file_read(path, &len);
	if (!text) {
		fprintf(stderr, "tocsin: %s: %s\n", path, strerror(errno));
		return EX_NOINPUT;
	}
	rc = tmpl_am_data_parse_json(text, len, data, &err);
	if (rc < 0)
		fprintf(stderr, "tocsin: %s: %s\n", path, buf_str(&err));
	free(text);
	buf_free(&err);
	return rc < 0 ? EX_DATAERR : EX_OK;
}

static int builtin_found(const char *dir)
{
	char *f = path_join(dir, "default.tmpl");
	int ok = access(f, R_OK) == 0;

	free(f);
	return ok;
}

static int render(const struct render_args *ra)
{
	struct tmpl_value *data = NULL;
	struct tmpl_set *set = NULL;
	struct buf out = {0}, err = {0};
	char *dir = tmpl_am_template_dir();
	int html = ra->type && strcmp(ra->type, "html") == 0, rc;

	if ((rc = load_data(ra->data, &data)) != EX_OK)
		goto out;
	if (!builtin_found(dir)) {
		fprintf(stderr,
			"tocsin: no built-in templates in %s (set "
			"TOCSIN_DATADIR to the directory holding templates/)\n",
			dir);
		rc = EX_OSFILE;
		goto out;
	}
	set = tmpl_am_set_new(dir, ra->globs, ra->nglobs, &err);
	if (!set) {
		fprintf(stderr, "tocsin: %s\n", buf_str(&err));
		rc = EX_DATAERR;
		goto out;
	}
	if ((html ? tmpl_am_render_html : tmpl_am_render)(set, ra->text, data,
							  &out, &err) < 0) {
		fprintf(stderr, "tocsin: %s\n", buf_str(&err));
		rc = EX_DATAERR;
		goto out;
	}
	fwrite(out.s ? out.s : "", 1, out.len, stdout);
	rc = fflush(stdout) == 0 ? EX_OK : EX_IOERR;
out:
	buf_free(&out);
	buf_free(&err);
	tmpl_set_free(set);
	tmpl_unref(data);
	free(dir);
	return rc;
}

int cli_template(int argc, char **argv)
{
	struct render_args ra = {0};
	int rc;

	if (argc < 2 || cli_is_help(argv[1])) {
		fputs(template_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : EX_OK;
	}
	if (strcmp(argv[1], "render") != 0) {
		fprintf(stderr, "tocsin: unknown template command \"%s\"\n\n%s",
			argv[1], template_usage);
		return EX_USAGE;
	}
	rc = parse_args(argc - 1, argv + 1, &ra);
	if (rc == 0)
		rc = render(&ra);
	else
		rc = rc > 0 ? EX_OK : EX_USAGE;
	free(ra.globs);
	return rc;
}
