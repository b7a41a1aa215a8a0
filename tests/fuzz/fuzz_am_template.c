/*
 * fuzz_am_template.c - libFuzzer target for Alertmanager's notification
 * templates: the input is JSON data, a line "----", then a template.  The
 * data goes through tmpl_am_data_parse_json() (a fixed notification when
 * it is not valid), the template is rendered with Alertmanager's functions
 * and the built-in templates (when run from the repository root), and
 * also used as a Go time layout on a few times.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmpl_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A notification of two alerts with fixed times. */
static struct tmpl_value *fixed_data(void)
{
	struct labels_builder b = {0};
	struct labels *l;
	struct tmpl_am_alert al[2] = {
	    {"firing", NULL, NULL, 1795315868, TMPL_AM_ZERO_TIME, 392000000, 0,
	     "http://g/1", NULL},
	    {"resolved", NULL, NULL, 1795315800, 1795315900, 0, 5, "", "ff"},
	};
	struct tmpl_am_notification nf = {"team.x", NULL, al, 2, "http://am"};
	struct tmpl_value *v;

	labels_builder_set(&b, "alertname", "A");
	labels_builder_set(&b, "zone", "z\xc3\xbcrich");
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	al[0].labels = al[1].labels = al[0].annotations = l;
	nf.group_labels = l;
	v = tmpl_am_data_new(&nf);
	labels_free(l);
	return v;
}

static void layouts(const char *text, size_t len)
{
	static const char *const zones[] = {"UTC", "Local", "Europe/Paris",
					    "Australia/Lord_Howe", "Nope/Nope"};
	static const int64_t secs[] = {0, TMPL_ZERO_TIME_SEC, 1795315868, -1,
				       253402300799LL};
	struct buf out = {0};

	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		struct tmpl_gotime t;

		tmpl_gotime_utc(&t, secs[i], (int32_t)(i * 123456789));
		tmpl_gotime_in(&t, zones[i], &out);
		buf_reset(&out);
		tmpl_gotime_format(&out, &t, text, len);
		buf_reset(&out);
		tmpl_gotime_parse_json(text, len, &t, &out);
		buf_reset(&out);
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *sep = memmem(in, size, "\n----\n", 6);
	size_t jlen = sep ? (size_t)(sep - in) : 0;
	const char *text = sep ? sep + 6 : in;
	size_t tlen = size - (size_t)(text - in);
	struct buf out = {0}, err = {0};
	struct tmpl_value *dot = NULL;
	struct tmpl_set *set;
	char *t = xstrndup(text, tlen);

	if (!sep || tmpl_am_data_parse_json(in, jlen, &dot, &err) < 0)
		dot = fixed_data();
	buf_reset(&err);
	set = tmpl_am_set_new(
	    access("templates/default.tmpl", R_OK) == 0 ? "templates" : NULL,
	    NULL, 0, &err);
	if (set) {
		buf_reset(&err);
		tmpl_am_render(set, t, dot, &out, &err);
	}
	layouts(text, tlen);
	tmpl_set_free(set);
	tmpl_unref(dot);
	free(t);
	buf_free(&out);
	buf_free(&err);
	return 0;
}
