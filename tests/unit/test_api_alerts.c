/*
 * test_api_alerts.c - POST /api/v2/alerts bodies read as Alertmanager 0.25
 * reads them (answers verified against it, reference §3.4), and
 * gettableAlert JSON.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "api_alerts.h"

#define NOW 1763780000000LL /* 2025-11-22T02:53:20Z */
#define RT (5 * 60 * 1000LL)

static struct api_alerts_post p;

static void post(const char *body)
{
	api_alerts_post_free(&p);
	api_alerts_parse(body, strlen(body), NOW, RT, &p);
}

static void teardown(void)
{
	api_alerts_post_free(&p);
}

TestSuite(api_alerts, .fini = teardown);

Test(api_alerts, defaults_for_missing_times)
{
	post("[{\"labels\":{\"alertname\":\"A\",\"empty\":\"\"}}]");
	cr_assert_eq(p.status, 200);
	cr_assert_eq(p.body.len, 0);
	cr_assert_eq(p.n, 1);
	cr_assert_eq(p.alerts[0]->starts_at, NOW);
	cr_assert_eq(p.alerts[0]->ends_at, NOW + RT);
	cr_assert(p.alerts[0]->timeout);
	cr_assert_eq(p.alerts[0]->updated_at, NOW);
	cr_assert_eq(p.alerts[0]->labels->n, 1, "empty-valued labels dropped");
}

Test(api_alerts, a_resolved_post_starts_at_its_end)
{
	post("[{\"labels\":{\"a\":\"b\"},\"endsAt\":\"2025-11-22T02:50:00Z\","
	     "\"annotations\":{\"summary\":\"\"},"
	     "\"generatorURL\":\"http://prom:9090/graph?g0.expr=up\"}]");
	cr_assert_eq(p.status, 200);
	cr_assert_eq(p.alerts[0]->starts_at, p.alerts[0]->ends_at);
	cr_assert(!p.alerts[0]->timeout);
	cr_assert_eq(p.alerts[0]->annotations->n, 1,
		     "annotations keep empty values");
}

Test(api_alerts, partial_accept_with_all_errors)
{
	post("[{\"labels\":{\"a\":\"b\"}},{\"labels\":{}},"
	     "{\"labels\":{\"a\":\"b\"},\"startsAt\":\"2025-11-22T03:00:00Z\","
	     "\"endsAt\":\"2025-11-22T02:00:00Z\"},"
	     "{\"labels\":{\"1a\":\"b\"}}]");
	cr_assert_eq(p.status, 400);
	cr_assert_eq(p.n, 1, "the valid alert is stored");
	cr_assert_str_eq(p.body.s,
			 "\"at least one label pair required; start time must "
			 "be before end time; invalid label set: invalid name "
			 "\\\"1a\\\"\"");
}

Test(api_alerts, schema_errors_refuse_everything)
{
	post("[{\"labels\":{\"a\":\"b\"}},{\"annotations\":{}}]");
	cr_assert_eq(p.status, 422);
	cr_assert_eq(p.n, 0);
	cr_assert_str_eq(p.body.s, "{\"code\":602,\"message\":\"1.labels in "
				   "body is required\"}");
	post("[{\"labels\":{\"a\":\"b\"},\"generatorURL\":\"not a uri\"}]");
	cr_assert_eq(p.status, 422);
	cr_assert_str_eq(p.body.s,
			 "{\"code\":601,\"message\":\"0.generatorURL in body "
			 "must be of type uri: \\\"not a uri\\\"\"}");
	post("[{},{}]");
	cr_assert_eq(p.status, 422);
	cr_assert_str_eq(p.body.s,
			 "{\"code\":422,\"message\":\"validation failure list:"
			 "\\n0.labels in body is required\\n1.labels in body "
			 "is required\"}");
}

Test(api_alerts, undecodable_bodies)
{
	post("{\"labels\":{}}");
	cr_assert_eq(p.status, 400);
	cr_assert_str_eq(p.body.s,
			 "{\"code\":400,\"message\":\"parsing alerts body from "
			 "\\\"\\\" failed, because json: cannot unmarshal "
			 "object into Go value of type models.PostableAlerts\"}");
	post("[{\"labels\":{\"a\":1}}]");
	cr_assert_eq(p.status, 400);
	cr_assert(strstr(p.body.s, "cannot unmarshal number into Go struct "
				   "field PostableAlert.labels of type string"),
		  "%s", p.body.s);
	post("[{\"labels\":{\"a\":\"b\"},\"startsAt\":\"yesterday\"}]");
	cr_assert_eq(p.status, 400);
	cr_assert(strstr(p.body.s, "parsing time"), "%s", p.body.s);
	post("");
	cr_assert_eq(p.status, 400);
	post("null");
	cr_assert_eq(p.status, 422);
	cr_assert_str_eq(p.body.s, "{\"code\":602,\"message\":\"alerts in body "
				   "is required\"}");
}

Test(api_alerts, gettable_alert_json)
{
	const char *const recv[] = {"slack"};
	const char *const sil[] = {"25cb6a57-ac0d-4b0a-8dc6-8b01a6773343"};
	const uint64_t inh[] = {0x866f6979073d42d6ULL};
	struct api_alert_status st = {recv, 1, sil, 1, inh, 1, 0};
	struct buf out = {0};

	post("[{\"labels\":{\"alertname\":\"A\"},"
	     "\"startsAt\":\"2025-11-22T02:51:18.392Z\","
	     "\"endsAt\":\"2025-11-22T02:57:28.392Z\","
	     "\"generatorURL\":\"http://vm:9090/graph\"}]");
	cr_assert_eq(p.status, 200);
	api_alert_json(&out, p.alerts[0], &st);
	/* fingerprint: FNV-1a 64 of "alertname\xffA\xff", model.LabelSet.Fingerprint */
	cr_assert_str_eq(
		out.s,
		"{\"annotations\":{},\"endsAt\":\"2025-11-22T02:57:28.392Z\","
		"\"fingerprint\":\"d2c6efc389df0927\",\"receivers\":[{\"name\":"
		"\"slack\"}],\"startsAt\":\"2025-11-22T02:51:18.392Z\","
		"\"status\":{\"inhibitedBy\":[\"866f6979073d42d6\"],"
		"\"silencedBy\":[\"25cb6a57-ac0d-4b0a-8dc6-8b01a6773343\"],"
		"\"state\":\"suppressed\"},\"updatedAt\":"
		"\"2025-11-22T02:53:20.000Z\",\"generatorURL\":"
		"\"http://vm:9090/graph\",\"labels\":{\"alertname\":\"A\"}}");
	buf_free(&out);
}

/* ------------------------------------------------------------ fast path */

/* Reads body both ways; returns whether the fast path took it, having
 * checked that it then read what the general path reads. */
static int both_ways(const char *body)
{
	struct api_alerts_post f, g;
	int took = api_alerts_parse_fast(body, strlen(body), NOW, RT, &f);

	api_alerts_parse_json(body, strlen(body), NOW, RT, &g);
	if (took) {
		cr_assert_eq(f.status, g.status, "%s", body);
		cr_assert_eq(f.n, g.n, "%s", body);
		cr_assert_eq(f.ninvalid, g.ninvalid, "%s", body);
		cr_assert_str_eq(buf_str(&f.body), buf_str(&g.body));
		for (size_t i = 0; i < f.n; i++) {
			const struct am_alert *x = f.alerts[i], *y = g.alerts[i];

			cr_assert(labels_equal(x->labels, y->labels), "%s", body);
			cr_assert(labels_equal(x->annotations, y->annotations));
			cr_assert_str_eq(x->generator_url, y->generator_url);
			cr_assert_eq(x->starts_at, y->starts_at);
			cr_assert_eq(x->ends_at, y->ends_at);
			cr_assert_eq(x->timeout, y->timeout);
		}
		api_alerts_post_free(&f);
	}
	api_alerts_post_free(&g);
	return took;
}

Test(api_alerts, fast_path_reads_what_prometheus_posts)
{
	cr_assert(both_ways(
		"[{\"annotations\":{\"summary\":\"Queue \\u003cb\\u003e\","
		"\"description\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\\"},"
		"\"endsAt\":\"2026-11-22T02:56:23.392Z\","
		"\"startsAt\":\"2026-11-22T02:51:18.392Z\","
		"\"generatorURL\":\"http://vm:9090/graph?g0.expr=up\\u0026g0.tab=1\","
		"\"labels\":{\"team\":\"db\",\"alertname\":\"A\",\"empty\":\"\"}},"
		" {\"labels\":{\"alertname\":\"B\"}} ]\n"));
	cr_assert(both_ways("[]"));
	cr_assert(both_ways("[{\"labels\":{}},{\"labels\":{\"1a\":\"b\"}},"
			    "{\"labels\":{\"a\":\"b\"},"
			    "\"startsAt\":\"2025-11-22T03:00:00Z\","
			    "\"endsAt\":\"2025-11-22T02:00:00Z\"}]"),
		  "validation errors are the general path's too");
	{
		struct buf b = {0};

		buf_puts(&b, "[{\"labels\":{");
		for (int i = 20; i > 0; i--)
			buf_printf(&b, "%s\"l%02d\":\"v%d\"", i < 20 ? "," : "",
				   i, i % 3);
		buf_puts(&b, "}}]");
		cr_assert(both_ways(buf_str(&b)), "many labels");
		buf_free(&b);
	}
}

Test(api_alerts, fast_path_leaves_the_unusual_to_jansson)
{
	static const char *const bodies[] = {
		"",
		"null",
		"{}",
		"[null]",
		"[1]",
		"[{}]",
		"[{\"annotations\":{}}]",
		"[{\"labels\":null}]",
		"[{\"labels\":{\"a\":1}}]",
		"[{\"labels\":{\"a\":\"x\",\"a\":\"\"}}]",
		"[{\"labels\":{\"a\":\"x\"},\"labels\":{\"b\":\"y\"}}]",
		"[{\"labels\":{\"a\":\"x\"},\"extra\":1}]",
		"[{\"labels\":{\"a\":\"\\u0000\"}}]",
		"[{\"labels\":{\"a\":\"\\ud800\"}}]",
		"[{\"labels\":{\"a\":\"\\x\"}}]",
		"[{\"labels\":{\"a\":\"x\"},\"generatorURL\":\"not a uri\"}]",
		"[{\"labels\":{\"a\":\"x\"},\"startsAt\":\"yesterday\"}]",
		"[{\"labels\":{\"a\":\"x\"}}] x",
		"[{\"labels\":{\"a\":\"\xff\"}}]",
	};

	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
		cr_assert_not(both_ways(bodies[i]), "%s", bodies[i]);
}

Test(api_alerts, alerts_share_repeated_strings)
{
	post("[{\"labels\":{\"alertname\":\"A\",\"i\":\"1\"},"
	     "\"generatorURL\":\"http://p/g\"},"
	     "{\"labels\":{\"alertname\":\"A\",\"i\":\"2\"},"
	     "\"generatorURL\":\"http://p/g\"},"
	     "{\"labels\":{\"alertname\":\"A\",\"i\":\"3\"},"
	     "\"generatorURL\":\"http://p/g\"}]");
	cr_assert_eq(p.n, 3);
	cr_assert_eq(p.alerts[0]->generator_url, p.alerts[2]->generator_url);
	cr_assert_eq(p.alerts[0]->labels->v[0].name,
		     p.alerts[2]->labels->v[0].name, "names are shared");
	cr_assert_eq(p.alerts[1]->labels->v[0].value,
		     p.alerts[2]->labels->v[0].value,
		     "a value seen twice is shared");
	cr_assert_str_eq(p.alerts[2]->labels->v[1].value, "3");
}
