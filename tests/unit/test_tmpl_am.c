/*
 * test_tmpl_am.c - Alertmanager's notification templates: the data model
 * built from C structs and from JSON, KV and Alerts methods, Go's time
 * formatting and zones, Duration printing, each function, template sets
 * and rendering.  Expected strings were printed by amtool 0.25 (Go 1.19)
 * for the same input unless a test says otherwise; the functions amtool
 * 0.25 lacks (trimSpace, date, tz, since, humanizeDuration) follow
 * Alertmanager 0.28's sources.  Run from the repository root (it reads
 * templates/).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "tmpl_int.h"

static const char mixed_json[] =
    "{\"receiver\": \"team-x\\\\.pager\", \"status\": \"firing\","
    " \"alerts\": ["
    "  {\"status\": \"firing\", \"labels\": {\"alertname\": \"HighLatency\","
    "   \"instance\": \"api-1\", \"job\": \"api\", \"severity\": \"page\"},"
    "   \"annotations\": {\"summary\": \"slow\"},"
    "   \"startsAt\": \"2026-11-22T02:51:08.392Z\","
    "   \"endsAt\": \"0001-01-01T00:00:00Z\", \"generatorURL\": \"http://g/1\","
    "   \"fingerprint\": \"7e0d630a74230a45\"},"
    "  {\"status\": \"resolved\", \"labels\": {\"alertname\": \"HighLatency\","
    "   \"instance\": \"api-2\", \"job\": \"api\", \"severity\": \"page\"},"
    "   \"annotations\": {\"summary\": \"slow\"},"
    "   \"startsAt\": \"2026-11-22T01:00:00Z\","
    "   \"endsAt\": \"2026-11-22T02:10:06.123456789Z\","
    "   \"generatorURL\": \"http://g/2\", \"fingerprint\": "
    "\"16d70a1241899e83\"},"
    "  {\"status\": \"firing\", \"labels\": {\"alertname\": \"HighLatency\","
    "   \"instance\": \"api-3\", \"job\": \"api\", \"severity\": \"page\"},"
    "   \"annotations\": {\"summary\": \"slow\"},"
    "   \"startsAt\": \"2026-02-28T23:59:59.5+02:00\","
    "   \"endsAt\": \"2026-11-22T03:00:00.000001-05:30\","
    "   \"generatorURL\": \"\", \"fingerprint\": \"2cef929faf3397a4\"}],"
    " \"groupLabels\": {\"alertname\": \"HighLatency\"},"
    " \"commonLabels\": {\"alertname\": \"HighLatency\", \"job\": \"api\","
    "  \"severity\": \"page\"},"
    " \"commonAnnotations\": {\"summary\": \"slow\"},"
    " \"externalURL\": \"https://am.example.com\", \"version\": \"4\"}";

static void setup(void)
{
	setenv("TZ", "UTC", 1);
	unsetenv("TOCSIN_DATADIR");
}

TestSuite(tmpl_am, .init = setup);

/* Renders text with data (consumed) using the repository's templates;
 * returns the output, or "ERR: message". */
static char *render_with(const char *text, struct tmpl_value *data)
{
	struct buf err = {0}, out = {0};
	struct tmpl_set *set = tmpl_am_set_new("templates", NULL, 0, &err);
	char *r;

	cr_assert_not_null(set, "%s", buf_str(&err));
	if (tmpl_am_render(set, text, data, &out, &err) < 0)
		r = xasprintf("ERR: %s", buf_str(&err));
	else
		r = xstrdup(buf_str(&out));
	tmpl_set_free(set);
	tmpl_unref(data);
	buf_free(&err);
	buf_free(&out);
	return r;
}

static struct tmpl_value *json_data(const char *json)
{
	struct tmpl_value *d;
	struct buf err = {0};

	cr_assert_eq(tmpl_am_data_parse_json(json, strlen(json), &d, &err), 0,
		     "%s", buf_str(&err));
	buf_free(&err);
	return d;
}

static void expect(const char *json, const char *text, const char *want)
{
	char *got = render_with(text, json_data(json));

	cr_expect_str_eq(got, want, "template %s\n   got: %s\n  want: %s", text,
			 got, want);
	free(got);
}

static void expect_mixed(const char *text, const char *want)
{
	expect(mixed_json, text, want);
}

/* ------------------------------------------------------------ the data */

Test(tmpl_am, json_fields)
{
	expect_mixed("{{ .Receiver }}|{{ .Status }}|{{ .ExternalURL }}|"
		     "{{ len .Alerts }}|{{ len .Alerts.Firing }}|"
		     "{{ len .Alerts.Resolved }}",
		     "team-x\\.pager|firing|https://am.example.com|3|2|1");
	expect_mixed("{{ .GroupLabels }}|{{ .CommonAnnotations.summary }}|"
		     "[{{ .CommonLabels.missing }}]",
		     "map[alertname:HighLatency]|slow|[]");
	expect_mixed("{{ printf \"%T %T %T %T %T %T\" . .Alerts .Alerts.Firing "
		     ".CommonLabels .CommonLabels.SortedPairs "
		     "(index .Alerts 0).StartsAt }}",
		     "template.Data template.Alerts []template.Alert "
		     "template.KV template.Pairs time.Time");
	expect_mixed(
	    "{{ printf \"%+v\" (index .Alerts 1) }}",
	    "{Status:resolved Labels:map[alertname:HighLatency "
	    "instance:api-2 job:api severity:page] "
	    "Annotations:map[summary:slow] StartsAt:2026-11-22 01:00:00 "
	    "+0000 UTC EndsAt:2026-11-22 02:10:06.123456789 +0000 UTC "
	    "GeneratorURL:http://g/2 Fingerprint:16d70a1241899e83}");
}

Test(tmpl_am, json_case_insensitive_null_unknown)
{
	expect("{\"RECEIVER\": \"a\", \"receiver\": \"b\", \"x\": [1],"
	       " \"alerts\": [null, {\"Status\": \"firing\"}],"
	       " \"commonLabels\": null, \"groupLabels\": {\"k\": null}}",
	       "{{ . }}",
	       "{b  [{ map[] map[] 0001-01-01 00:00:00 +0000 UTC 0001-01-01 "
	       "00:00:00 +0000 UTC  } {firing map[] map[] 0001-01-01 00:00:00 "
	       "+0000 UTC 0001-01-01 00:00:00 +0000 UTC  }] map[k:] map[] "
	       "map[] }");
	expect("null", "{{ .Alerts }}{{ .Status }}", "[]");
}

Test(tmpl_am, json_errors)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
	    {"{\"receiver\": 5}", "json: cannot unmarshal number into Go "
				  "struct field Data.receiver of type string"},
	    {"[1]", "json: cannot unmarshal array into Go value of type "
		    "template.Data"},
	    {"{\"alerts\": {}}", "json: cannot unmarshal object into Go struct "
				 "field Data.alerts of type template.Alerts"},
	    {"{\"alerts\": [{\"labels\": {\"a\": 1}}]}",
	     "json: cannot unmarshal number into Go struct field "
	     "Alert.alerts.labels of type string"},
	    {"{\"alerts\": [{\"startsAt\": \"2026-13-01T00:00:00Z\"}]}",
	     "parsing time \"\\\"2026-13-01T00:00:00Z\\\"\": month out of "
	     "range"},
	    {"{\"alerts\": [{\"startsAt\": \"2026-02-29T00:00:00Z\"}]}",
	     "parsing time \"\\\"2026-02-29T00:00:00Z\\\"\": day out of range"},
	    {"{\"alerts\": [{\"endsAt\": 5}]}",
	     "parsing time \"5\" as \"\\\"2006-01-02T15:04:05Z07:00\\\"\": "
	     "cannot parse \"5\" as \"\\\"\""},
	    {"{\"alerts\": [{\"startsAt\": \"2026-01-01 00:00:00Z\"}]}",
	     "parsing time \"\\\"2026-01-01 00:00:00Z\\\"\" as "
	     "\"\\\"2006-01-02T15:04:05Z07:00\\\"\": cannot parse \" "
	     "00:00:00Z\\\"\" as \"T\""},
	    {"{\"receiver\": 5, \"alerts\": [{\"startsAt\": \"x\"}]}",
	     "parsing time \"\\\"x\\\"\" as "
	     "\"\\\"2006-01-02T15:04:05Z07:00\\\"\":"
	     " cannot parse \"x\\\"\" as \"2006\""},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct tmpl_value *d = NULL;
		struct buf err = {0};

		cr_expect_eq(tmpl_am_data_parse_json(cases[i].json,
						     strlen(cases[i].json), &d,
						     &err),
			     -1, "%s", cases[i].json);
		cr_expect_null(d);
		cr_expect_str_eq(buf_str(&err), cases[i].err);
		buf_free(&err);
	}
}

Test(tmpl_am, data_from_structs)
{
	struct labels_builder b = {0};
	struct labels *l1, *l2, *ann, *gl;
	struct tmpl_am_alert al[2] = {{0}};
	struct tmpl_am_notification nf = {0};
	char *got, *want;

	labels_builder_set(&b, "alertname", "Disk");
	labels_builder_set(&b, "job", "node");
	labels_builder_set(&b, "instance", "a");
	l1 = labels_builder_build(&b);
	labels_builder_set(&b, "instance", "b");
	l2 = labels_builder_build(&b);
	labels_builder_free(&b);
	labels_builder_set(&b, "summary", "full");
	ann = labels_builder_build(&b);
	labels_builder_free(&b);
	labels_builder_set(&b, "alertname", "Disk");
	gl = labels_builder_build(&b);
	labels_builder_free(&b);

	al[0] = (struct tmpl_am_alert){"firing",  l1, ann,	  1795315868, 0,
				       392000000, 0,  "http://g", NULL};
	al[0].ends_sec = TMPL_AM_ZERO_TIME;
	al[1] = (struct tmpl_am_alert){
	    "resolved", l2, NULL, 1795315800, 1795315900, 0, 5, NULL, "ffff"};
	nf = (struct tmpl_am_notification){"team-a.pager", gl, al, 2,
					   "http://am"};
	got =
	    render_with("{{ .Receiver }}|{{ .Status }}|{{ .CommonLabels }}|"
			"{{ .CommonAnnotations }}|{{ .GroupLabels }}|"
			"{{ range .Alerts }}{{ .Fingerprint }} {{ .StartsAt }} "
			"{{ .EndsAt }} [{{ .GeneratorURL }}];{{ end }}",
			tmpl_am_data_new(&nf));
	want = xasprintf("team-a\\.pager|firing|map[alertname:Disk job:node]|"
			 "map[]|map[alertname:Disk]|"
			 "%016llx 2026-11-22 02:51:08.392 +0000 UTC "
			 "0001-01-01 00:00:00 +0000 UTC [http://g];"
			 "ffff 2026-11-22 02:50:00 +0000 UTC 2026-11-22 "
			 "02:51:40.000000005 +0000 UTC [];",
			 (unsigned long long)l1->fp);
	cr_expect_str_eq(got, want);
	free(got);
	free(want);

	/* all resolved; no alerts at all */
	al[0].status = "resolved";
	got = render_with("{{ .Status }}", tmpl_am_data_new(&nf));
	cr_expect_str_eq(got, "resolved");
	free(got);
	nf.nalerts = 0;
	got = render_with("{{ .Status }} {{ .CommonLabels }} {{ .Alerts }}",
			  tmpl_am_data_new(&nf));
	cr_expect_str_eq(got, "resolved map[] []");
	free(got);
	labels_free(l1);
	labels_free(l2);
	labels_free(ann);
	labels_free(gl);
}

/* The fingerprint Alertmanager 0.25 sent for these labels
 * (corpus/samples/webhook-payload.json). */
Test(tmpl_am, fingerprint_matches_alertmanager)
{
	struct labels_builder b = {0};
	struct labels *l;
	struct tmpl_am_alert al = {.status = "firing"};
	struct tmpl_am_notification nf = {.alerts = &al, .nalerts = 1};
	char *got;

	labels_builder_set(&b, "alertname", "Watchdog");
	labels_builder_set(&b, "monitor", "peers-loopback");
	labels_builder_set(&b, "severity", "none");
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	al.labels = l;
	got = render_with("{{ (index .Alerts 0).Fingerprint }}",
			  tmpl_am_data_new(&nf));
	cr_expect_str_eq(got, "fb91e8b81388ac67");
	free(got);
	labels_free(l);
}

Test(tmpl_am, example_data)
{
	char *got =
	    render_with("{{ .Receiver }} {{ .Status }} {{ .GroupLabels }}"
			" {{ range .Alerts }}{{ .Fingerprint }} "
			"{{ .EndsAt.Sub .StartsAt }} {{ end }}",
			tmpl_am_data_example());

	cr_expect_str_eq(got,
			 "receiver alertstatus map[grouplabelkey1:"
			 "grouplabelvalue1 grouplabelkey2:grouplabelvalue2]"
			 " fingerprint1 5m0s fingerprint2 10m0s ");
	free(got);
}

/* ------------------------------------------------------- KV and Alerts */

Test(tmpl_am, kv_methods)
{
	expect_mixed("{{ .CommonLabels.SortedPairs }}",
		     "[{alertname HighLatency} {job api} {severity page}]");
	expect("{\"commonLabels\": {\"b\": \"2\", \"alertname\": \"A\", "
	       "\"a\": \"1\", \"B\": \"x\"}}",
	       "{{ .CommonLabels.Names }}|{{ .CommonLabels.Values }}|"
	       "{{ .CommonLabels.SortedPairs.Names }}|"
	       "{{ (index .CommonLabels.SortedPairs 1).Name }}",
	       "[alertname B a b]|[A x 1 2]|[alertname B a b]|B");
	expect_mixed("{{ .CommonLabels.Remove .GroupLabels.Names }}|"
		     "{{ .CommonLabels.Remove (stringSlice \"job\" \"x\") }}|"
		     "{{ .CommonLabels.Remove nil }}",
		     "map[job:api severity:page]|map[alertname:HighLatency "
		     "severity:page]|map[alertname:HighLatency job:api "
		     "severity:page]");
	expect_mixed("{{ printf \"%#v %T %T\" .GroupLabels .GroupLabels.Names "
		     "(index .GroupLabels.SortedPairs 0) }}",
		     "template.KV{\"alertname\":\"HighLatency\"} []string "
		     "template.Pair");
	expect_mixed("{{ .CommonLabels.Remove \"job\" }}",
		     "ERR: template: :1:24: executing \"\" at <\"job\">: can't "
		     "handle \"job\" for arg of type []string");
	expect_mixed(
	    "{{ .CommonLabels.Remove .GroupLabels }}",
	    "ERR: template: :1:24: executing \"\" at <.GroupLabels>: "
	    "wrong type for value; expected []string; got template.KV");
}

Test(tmpl_am, alerts_methods)
{
	expect_mixed(
	    "{{ range .Alerts.Firing }}{{ .Labels.instance }} {{ end }}"
	    "{{ range .Alerts.Resolved }}{{ .Labels.instance }}{{ end }}",
	    "api-1 api-3 api-2");
	expect_mixed("{{ .Alerts.Firing.Firing }}",
		     "ERR: template: :1:10: executing \"\" at "
		     "<.Alerts.Firing.Firing>: can't evaluate field Firing in "
		     "type []template.Alert");
	expect("{\"alerts\": []}",
	       "{{ .Alerts.Firing }}{{ len .Alerts.Resolved }}", "[]0");
}

/* ---------------------------------------------------------------- time */

Test(tmpl_am, time_print_and_format)
{
	expect_mixed(
	    "{{ range .Alerts }}{{ .StartsAt }}|{{ .EndsAt }}\n{{ end }}",
	    "2026-11-22 02:51:08.392 +0000 UTC|0001-01-01 00:00:00 "
	    "+0000 UTC\n"
	    "2026-11-22 01:00:00 +0000 UTC|2026-11-22 02:10:06.123456789"
	    " +0000 UTC\n"
	    "2026-02-28 23:59:59.5 +0200 +0200|2026-11-22 "
	    "03:00:00.000001 -0530 -0530\n");
	expect_mixed(
	    "{{ range .Alerts }}{{ .StartsAt.Format \"Mon Jan _2 "
	    "15:04:05.000 MST 2006\" }}|{{ .StartsAt.Format \"3:04PM\" "
	    "}}|{{ .EndsAt.Format \"2006-01-02T15:04:05.999999999Z07:00\""
	    " }}\n{{ end }}",
	    "Sun Nov 22 02:51:08.392 UTC 2026|2:51AM|"
	    "0001-01-01T00:00:00Z\n"
	    "Sun Nov 22 01:00:00.000 UTC 2026|1:00AM|"
	    "2026-11-22T02:10:06.123456789Z\n"
	    "Sat Feb 28 23:59:59.500 +0200 2026|11:59PM|"
	    "2026-11-22T03:00:00.000001-05:30\n");
	expect_mixed("{{ (index .Alerts 0).StartsAt.Format \"Jan January Mon "
		     "Monday 1 01 2 02 _2 __2 002 3 03 15 4 04 5 05 06 2006 "
		     "_2006 PM pm -07 -0700 -07:00 -070000 -07:00:00 Z07 Z0700 "
		     "Z07:00 Z070000 Z07:00:00 .0 .000 .999 ,999 .9999999999 "
		     ".000000000000 Janx Monx MSTx 2006x .9x\" }}",
		     "Nov November Sun Sunday 11 11 22 22 22 326 326 2 02 02 51"
		     " 51 8 08 26 2026 _2026 AM am +00 +0000 +00:00 +000000 "
		     "+00:00:00 Z Z Z Z Z .3 .392 .392 ,392 .392 .392000000 "
		     "Janx Monx UTCx 2026x .3x");
	expect_mixed(
	    "{{ (index .Alerts 0).EndsAt.Format \"Mon _2 002 __2 3PM\" }}",
	    "Mon  1 001   1 12AM");
}

Test(tmpl_am, time_methods)
{
	expect_mixed(
	    "{{ $t := (index .Alerts 0).StartsAt }}{{ $t.Unix }} "
	    "{{ $t.UnixMilli }} {{ $t.UnixNano }} {{ $t.Year }} "
	    "{{ $t.Month }} {{ $t.Day }} {{ $t.Hour }} {{ $t.Minute }} "
	    "{{ $t.Second }} {{ $t.Nanosecond }} {{ $t.YearDay }} "
	    "{{ $t.Weekday }} {{ printf \"%d %T %T\" $t.Month $t.Month "
	    "$t.Unix }}",
	    "1795315868 1795315868392 1795315868392000000 2026 November"
	    " 22 2 51 8 392000000 326 Sunday 11 time.Month int64");
	expect_mixed("{{ $a := index .Alerts 0 }}{{ $a.EndsAt.UnixNano }} "
		     "{{ $a.EndsAt.IsZero }} {{ $a.StartsAt.IsZero }} "
		     "{{ $a.StartsAt.After $a.EndsAt }} {{ $a.StartsAt.Before "
		     "$a.EndsAt }} {{ $a.StartsAt.Equal $a.StartsAt }}",
		     "-6795364578871345152 true false true false true");
	expect_mixed("{{ range .Alerts }}{{ .EndsAt.Sub .StartsAt }} {{ end }}",
		     "-2562047h47m16.854775808s 1h10m6.123456789s "
		     "6394h30m0.500001s ");
	expect_mixed("{{ $a := index .Alerts 1 }}{{ $d := $a.EndsAt.Sub "
		     "$a.StartsAt }}{{ $d.Seconds }} {{ $d.Minutes }} "
		     "{{ $d.Milliseconds }} {{ printf \"%T %d\" $d $d }}",
		     "4206.123456789 70.10205761315 4206123 time.Duration "
		     "4206123456789");
	expect_mixed(
	    "{{ $t := (index .Alerts 0).StartsAt }}{{ $t.Add 28800e9 }}"
	    "|{{ ($t.Add -3600000000000).Format \"15:04 MST\" }}|"
	    "{{ $t.UTC }}|{{ (index .Alerts 2).StartsAt.UTC }}",
	    "2026-11-22 10:51:08.392 +0000 UTC|01:51 UTC|2026-11-22 "
	    "02:51:08.392 +0000 UTC|2026-02-28 21:59:59.5 +0000 UTC");
	expect_mixed("{{ (index .Alerts 0).StartsAt.Add 1.5 }}",
		     "ERR: template: :1:34: executing \"\" at <1.5>: expected "
		     "integer; found 1.5");
}

Test(tmpl_am, time_local_zones)
{
	setenv("TZ", "Europe/Paris", 1);
	expect_mixed(
	    "{{ range .Alerts }}{{ .StartsAt.Local }}|{{ .EndsAt.Local "
	    "}}\n{{ end }}",
	    "2026-11-22 03:51:08.392 +0100 CET|0001-01-01 00:09:21 "
	    "+0009 LMT\n"
	    "2026-11-22 02:00:00 +0100 CET|2026-11-22 03:10:06.123456789"
	    " +0100 CET\n"
	    "2026-02-28 22:59:59.5 +0100 CET|2026-11-22 09:30:00.000001 "
	    "+0100 CET\n");
	/* a JSON offset equal to the local zone's reads as Local */
	expect("{\"alerts\": [{\"startsAt\": \"2026-07-01T12:00:00+02:00\"}, "
	       "{\"startsAt\": \"2026-07-01T12:00:00+01:00\"}]}",
	       "{{ range .Alerts }}{{ .StartsAt }}|{{ end }}",
	       "2026-07-01 12:00:00 +0200 CEST|2026-07-01 12:00:00 +0100 "
	       "+0100|");
	/* beyond the TZif transitions: the POSIX rule at the file's end */
	expect("{\"alerts\": [{\"startsAt\": \"2050-07-01T12:00:00Z\"}]}",
	       "{{ (index .Alerts 0).StartsAt.Local }}",
	       "2050-07-01 14:00:00 +0200 CEST");
	setenv("TZ", "", 1);
	expect_mixed("{{ (index .Alerts 0).StartsAt.Local }}",
		     "2026-11-22 02:51:08.392 +0000 UTC");
	setenv("TZ", "Nowhere/Land", 1);
	expect_mixed("{{ (index .Alerts 0).StartsAt.Local }}",
		     "2026-11-22 02:51:08.392 +0000 UTC");
}

Test(tmpl_am, duration_format)
{
	static const struct {
		int64_t d;
		const char *s;
	} cases[] = {
	    {0, "0s"},
	    {1, "1ns"},
	    {1100, "1.1\xc2\xb5s"},
	    {2200000, "2.2ms"},
	    {3300000000LL, "3.3s"},
	    {245000000000LL, "4m5s"},
	    {245001000000LL, "4m5.001s"},
	    {18367001000000LL, "5h6m7.001s"},
	    {480000000001LL, "8m0.000000001s"},
	    {-1500000000LL, "-1.5s"},
	    {INT64_MAX, "2562047h47m16.854775807s"},
	    {INT64_MIN, "-2562047h47m16.854775808s"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf b = {0};

		tmpl_duration_format(&b, cases[i].d);
		cr_expect_str_eq(buf_str(&b), cases[i].s);
		buf_free(&b);
	}
}

/* ----------------------------------------------------------- functions */

Test(tmpl_am, title)
{
	expect_mixed("{{ title \"aa bb CC it's foo.bar hello-world a_b\" }}",
		     "Aa Bb Cc It's Foo.bar Hello-World A_b");
	expect_mixed("{{ title \"HELLO wORLD 3rd x1y 1abc \xc3\x89"
		     "COLE "
		     "\xc3\xa9"
		     "COLE \xc7\x86"
		     "emal \xc3\x9f \xef\xac\x81ne "
		     "a.b.c a:b a;b a,b a/b a@b a1.5b x.Y\" }}",
		     "Hello World 3Rd X1y 1Abc \xc3\x89"
		     "cole \xc3\x89"
		     "cole "
		     "\xc7\x85"
		     "emal Ss Fine A.b.c A:b A;B A,B A/B A@B A1.5b "
		     "X.y");
	expect_mixed("{{ title \"o'neil don'T 's  'ab a''b a..b _a\" }}",
		     "O'neil Don't 'S  'Ab A''B A..B _A");
	/* ΑΣ^Σ: '^' is case-ignorable, so the first Σ is not final */
	expect_mixed("{{ title \"\xce\x91\xce\xa3^\xce\xa3\" }}",
		     "\xce\x91\xcf\x83^\xce\xa3");
	/* ΣΑΣ σας ΣΑΣa ΑΣ'Σ İSTANBUL ıi */
	expect_mixed(
	    "{{ title \"\xce\xa3\xce\x91\xce\xa3 \xcf\x83\xce\xb1\xcf\x82"
	    " \xce\xa3\xce\x91\xce\xa3"
	    "a \xce\x91\xce\xa3'\xce\xa3 "
	    "\xc4\xb0STANBUL \xc4\xb1i\" }}",
	    "\xce\xa3\xce\xb1\xcf\x82 \xce\xa3\xce\xb1\xcf\x82 "
	    "\xce\xa3\xce\xb1\xcf\x83"
	    "a \xce\x91\xcf\x83'\xcf\x82 "
	    "\xc4\xb0stanbul Ii");
	/* a漢b aあb a한b: Han and kana break words, Hangul does not */
	expect_mixed("{{ title \"a\xe6\xbc\xa2"
		     "b a\xe3\x81\x82"
		     "b "
		     "a\xed\x95\x9c"
		     "b\" }}",
		     "A\xe6\xbc\xa2"
		     "B A\xe3\x81\x82"
		     "B A\xed\x95\x9c"
		     "b");
}

Test(tmpl_am, case_mapping)
{
	/* toUpper "ıſµÿǆǅ", toLower "İǄǅΩ" */
	expect_mixed(
	    "{{ toUpper \"\xc4\xb1\xc5\xbf\xc2\xb5\xc3\xbf\xc7\x86\xc7\x85\" }}"
	    "|{{ toLower \"\xc4\xb0\xc7\x84\xc7\x85\xce\xa9\" }}",
	    "IS\xce\x9c\xc5\xb8\xc7\x84\xc7\x84|i\xc7\x86\xc7\x86\xcf\x89");
	/* Vietnamese (Latin Extended Additional) and Cyrillic */
	expect_mixed("{{ toUpper \"\xe1\xbb\x87 \xd0\xb6\xd1\x91\" }}",
		     "\xe1\xbb\x86 \xd0\x96\xd0\x81");
}

Test(tmpl_am, trim_space)
{
	/* strings.TrimSpace, with Unicode spaces (U+00A0, U+3000) */
	expect_mixed("[{{ trimSpace \" \\t a b \\n\" }}][{{ trimSpace "
		     "\"\xc2\xa0x\xe3\x80\x80\" }}][{{ trimSpace \"   \" }}]"
		     "[{{ trimSpace \"\xc3\xa9\" }}]",
		     "[a b][x][][\xc3\xa9]");
}

Test(tmpl_am, join_and_string_slice)
{
	expect_mixed("{{ join \",\" (stringSlice \"a\" \"b\" \"c\") }}|"
		     "{{ join \"\" (stringSlice) }}|{{ join \"-\" nil }}|"
		     "{{ stringSlice \"x\" \"y\" }}|{{ .GroupLabels.Values | "
		     "join \" \" }}",
		     "a,b,c|||[x y]|HighLatency");
	expect_mixed("{{ join \",\" .Alerts }}",
		     "ERR: template: :1:12: executing \"\" at <.Alerts>: wrong "
		     "type for value; expected []string; got template.Alerts");
	expect_mixed("{{ stringSlice 1 }}",
		     "ERR: template: :1:15: executing \"\" at <1>: expected "
		     "string; found 1");
}

Test(tmpl_am, regexps_and_html)
{
	expect_mixed("{{ match \"^api-[0-9]\" \"api-1\" }}|{{ reReplaceAll "
		     "\"(\\\\w+)@(\\\\w+)\" \"$2 at $1\" \"user@host\" }}|"
		     "{{ safeHtml \"<b>\" }}|{{ .Receiver | urlquery }}",
		     "true|host at user|<b>|team-x%5C.pager");
	expect_mixed(
	    "{{ reReplaceAll \"(\" \"x\" \"y\" }}",
	    "ERR: template: :1:3: executing \"\" at <reReplaceAll \"(\" "
	    "\"x\" \"y\">: error calling reReplaceAll: regexp: "
	    "Compile(`(`): error parsing regexp: missing closing ): "
	    "`(`");
}

Test(tmpl_am, date_tz_since)
{
	/* Alertmanager 0.28: date LAYOUT T, tz NAME T, since T */
	expect_mixed("{{ $t := (index .Alerts 0).StartsAt }}"
		     "{{ date \"2006-01-02 15:04 MST\" $t }}|"
		     "{{ tz \"Asia/Tokyo\" $t }}|{{ (tz \"UTC\" $t).Format "
		     "\"15:04 MST\" }}|{{ tz \"America/New_York\" $t }}",
		     "2026-11-22 02:51 UTC|2026-11-22 11:51:08.392 +0900 JST|"
		     "02:51 UTC|2026-11-21 21:51:08.392 -0500 EST");
	expect_mixed(
	    "{{ tz \"Mars/Olympus\" (index .Alerts 0).StartsAt }}",
	    "ERR: template: :1:3: executing \"\" at <tz \"Mars/Olympus\""
	    " (index .Alerts 0).StartsAt>: error calling tz: unknown "
	    "time zone Mars/Olympus");
	expect_mixed("{{ tz \"../etc\" (index .Alerts 0).StartsAt }}",
		     "ERR: template: :1:3: executing \"\" at <tz \"../etc\" "
		     "(index .Alerts 0).StartsAt>: error calling tz: time: "
		     "invalid location name");
	expect_mixed(
	    "{{ date \"2006\" .Receiver }}",
	    "ERR: template: :1:15: executing \"\" at <.Receiver>: wrong "
	    "type for value; expected time.Time; got string");
	/* since: a Duration from then to now, years here */
	expect_mixed("{{ $d := since (index .Alerts 1).StartsAt }}{{ printf "
		     "\"%T\" $d }} {{ gt $d.Hours 0.0 }}",
		     "time.Duration true");
	expect_mixed("{{ since (index .Alerts 0).EndsAt }}",
		     "2562047h47m16.854775807s");
}

Test(tmpl_am, humanize_duration)
{
	expect_mixed(
	    "{{ humanizeDuration 0 }}|{{ humanizeDuration 0.1 }}|"
	    "{{ humanizeDuration 0.0001 }}|{{ humanizeDuration 1.5 }}|"
	    "{{ humanizeDuration 60 }}|{{ humanizeDuration 3600 }}|"
	    "{{ humanizeDuration 90061 }}|{{ humanizeDuration \"-3725\" "
	    "}}|{{ $a := index .Alerts 1 }}{{ humanizeDuration "
	    "($a.EndsAt.Sub $a.StartsAt) }}|{{ humanizeDuration "
	    "$a.StartsAt.Unix }}",
	    "0s|100ms|100us|1.5s|1m 0s|1h 0m 0s|1d 1h 1m 1s|"
	    "-1h 2m 5s|1h 10m 6s|20779d 1h 0m 0s");
	expect_mixed(
	    "{{ humanizeDuration \"x\" }}",
	    "ERR: template: :1:3: executing \"\" at <humanizeDuration "
	    "\"x\">: error calling humanizeDuration: strconv.ParseFloat:"
	    " parsing \"x\": invalid syntax");
	expect_mixed("{{ humanizeDuration .Alerts }}",
		     "ERR: template: :1:3: executing \"\" at <humanizeDuration "
		     ".Alerts>: error calling humanizeDuration: can't convert "
		     "template.Alerts to float");
}

/* ---------------------------------------------------------------- sets */

Test(tmpl_am, default_templates)
{
	expect_mixed("{{ template \"__subject\" . }}",
		     "[FIRING:2] HighLatency (api page)");
	expect_mixed(
	    "{{ template \"slack.default.fallback\" . }}",
	    "[FIRING:2] HighLatency (api page) | https://am.example.com"
	    "/#/alerts?receiver=team-x%5C.pager");
	expect_mixed(
	    "{{ template \"pagerduty.default.instances\" "
	    ".Alerts.Resolved }}",
	    "Labels:\n - alertname = HighLatency\n - instance = api-2\n"
	    " - job = api\n - severity = page\nAnnotations:\n"
	    " - summary = slow\nSource: http://g/2\n");
	expect("{\"status\": \"resolved\", \"groupLabels\": {\"a\": \"1\"}, "
	       "\"commonLabels\": {\"a\": \"1\"}}",
	       "{{ template \"__subject\" . }}", "[RESOLVED] 1 ");
}

Test(tmpl_am, render_is_isolated)
{
	struct buf err = {0}, out = {0};
	struct tmpl_set *set = tmpl_am_set_new("templates", NULL, 0, &err);
	struct tmpl_value *d = json_data(mixed_json);

	cr_assert_not_null(set);
	cr_expect_eq(
	    tmpl_am_render(set,
			   "{{ define \"__alertmanager\" }}X{{ end }}"
			   "{{ template \"slack.default.username\" . }}",
			   d, &out, &err),
	    0, "%s", buf_str(&err));
	cr_expect_str_eq(buf_str(&out), "X");
	buf_reset(&out);
	cr_expect_eq(
	    tmpl_am_render(set, "{{ template \"slack.default.username\" . }}",
			   d, &out, &err),
	    0);
	cr_expect_str_eq(buf_str(&out), "Alertmanager");
	buf_reset(&out);
	cr_expect_eq(tmpl_am_render(set, "", d, &out, &err), 0);
	cr_expect_eq(out.len, 0);
	cr_expect_eq(tmpl_am_render(set, "  ", d, &out, &err), 0);
	cr_expect_str_eq(buf_str(&out), "  ");
	buf_reset(&out);
	cr_expect_eq(tmpl_am_render(set, "{{ nope }}", d, &out, &err), -1);
	cr_expect_str_eq(buf_str(&err),
			 "template: :1: function \"nope\" not defined");
	tmpl_unref(d);
	tmpl_set_free(set);
	buf_free(&err);
	buf_free(&out);
}

Test(tmpl_am, globs)
{
	char dir[] = "/tmp/tmpl_am_XXXXXX", *f1, *f2, *f3, *pat;
	struct buf err = {0}, out = {0};
	struct tmpl_set *set;
	const char *globs[2];
	FILE *fp;

	cr_assert_not_null(mkdtemp(dir));
	f1 = xasprintf("%s/b.tmpl", dir);
	f2 = xasprintf("%s/a.tmpl", dir);
	f3 = xasprintf("%s/.hidden.tmpl", dir);
	pat = xasprintf("%s/*.tmpl", dir);
	fp = fopen(f1, "w");
	fputs("{{ define \"x\" }}from b{{ end }}", fp);
	fclose(fp);
	fp = fopen(f2, "w");
	fputs("{{ define \"x\" }}from a{{ end }}{{ define \"__subject\" }}S"
	      "{{ end }}",
	      fp);
	fclose(fp);
	fp = fopen(f3, "w");
	fputs("{{ define \"h\" }}hidden{{ end }}", fp);
	fclose(fp);
	globs[0] = pat;
	globs[1] = "/nonexistent/*.tmpl";
	set = tmpl_am_set_new("templates", globs, 2, &err);
	cr_assert_not_null(set, "%s", buf_str(&err));
	cr_expect(tmpl_defined(set, "a.tmpl") && tmpl_defined(set, "b.tmpl"));
	cr_expect_eq(
	    tmpl_am_render(set,
			   "{{ template \"x\" }} {{ template \"h\" }} "
			   "{{ template \"email.default.subject\" . }}",
			   NULL, &out, &err),
	    0, "%s", buf_str(&err));
	/* files in name order, a later definition winning; Go's '*'
	 * matches dot files */
	cr_expect_str_eq(buf_str(&out), "from b hidden S");
	tmpl_set_free(set);

	globs[0] = "/tmp/[";
	buf_reset(&err);
	cr_expect_null(tmpl_am_set_new("templates", globs, 1, &err));
	cr_expect_str_eq(buf_str(&err), "syntax error in pattern");
	buf_reset(&err);
	cr_expect_null(tmpl_am_set_new("/nonexistent", NULL, 0, &err));
	cr_expect_str_eq(buf_str(&err), "open /nonexistent/default.tmpl: "
					"no such file or directory");
	fp = fopen(f1, "w");
	fputs("{{ if }}", fp);
	fclose(fp);
	buf_reset(&err);
	globs[0] = f1;
	cr_expect_null(tmpl_am_set_new(NULL, globs, 1, &err));
	cr_expect_str_eq(buf_str(&err), "template: b.tmpl:1: missing value "
					"for if");
	remove(f1);
	remove(f2);
	remove(f3);
	remove(dir);
	free(f1);
	free(f2);
	free(f3);
	free(pat);
	buf_free(&err);
	buf_free(&out);
}

Test(tmpl_am, template_dir)
{
	char *d;

	setenv("TOCSIN_DATADIR", "/opt/x", 1);
	d = tmpl_am_template_dir();
	cr_expect_str_eq(d, "/opt/x/templates");
	free(d);
	unsetenv("TOCSIN_DATADIR");
	d = tmpl_am_template_dir();
	cr_expect_not_null(d);
	free(d);
}
