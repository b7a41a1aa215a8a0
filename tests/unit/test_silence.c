/*
 * test_silence.c - silences: states, validation messages, canUpdate, the
 * API v2 JSON both ways with Alertmanager 0.25's errors, every branch of
 * Set() and Expire(), listing order and filter, history rows, GC,
 * persistence across reopen and SIGKILL, reloading after another
 * connection wrote, and the matching index (asserted on the number of
 * candidates examined, never on time).  Each test works in its own
 * mkdtemp directory.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jsonw.h"
#include "labels.h"
#include "matcher.h"
#include "silence.h"
#include "store.h"

static char dir[64];
static char *db;
static struct store *st;
static struct silences *ss;

/* 2026-11-22T02:53:17.419Z, the sample's first startsAt */
static const int64_t T0 = 1795315997419LL;
static const int64_t MIN = 60 * 1000;
static const int64_t HOUR = 3600 * 1000;

static void setup(void)
{
	struct buf err = { 0 };

	strcpy(dir, "/tmp/tocsin-silence-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	db = path_join(dir, "tocsin.db");
	cr_assert_eq(store_open(db, &st, &err), 0, "%s", buf_str(&err));
	ss = silences_open(st, 0, T0, &err);
	cr_assert_not_null(ss, "%s", buf_str(&err));
	buf_free(&err);
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	silences_close(ss);
	store_close(st);
	while (d && (e = readdir(d)) != NULL) {
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = path_join(dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(db);
}

TestSuite(silence, .init = setup, .fini = teardown);

/* ------------------------------------------------------------- helpers */

/* A silence of matchers m (matcher syntax), not stored. */
static struct silence *mk(const char *m, int64_t starts, int64_t ends)
{
	struct silence *s = calloc(1, sizeof *s);
	struct buf err = { 0 };

	if (m[0])
		cr_assert_eq(matchers_parse(m, &s->matchers, &err, NULL), 0,
			     "%s", buf_str(&err));
	s->starts_at = starts;
	s->ends_at = ends;
	s->created_by = xstrdup("alice");
	s->comment = xstrdup("maintenance");
	buf_free(&err);
	return s;
}

/* Sets s at now; expects OK and returns the id (static buffer). */
static const char *set_ok(const struct silence *s, int64_t now)
{
	static char id[SILENCE_ID_LEN + 1];
	struct buf msg = { 0 };

	cr_assert_eq(silences_set(ss, s, now, "10.0.0.1:4000", id, &msg),
		     SILENCE_OK, "%s", buf_str(&msg));
	buf_free(&msg);
	return id;
}

static const char *create(const char *m, int64_t starts, int64_t ends,
			  int64_t now)
{
	struct silence *s = mk(m, starts, ends);
	const char *id = set_ok(s, now);

	silence_free(s);
	return id;
}

static struct labels *lbl(const char *const *kv)
{
	struct labels_builder b = { 0 };
	struct labels *l;

	for (; kv[0]; kv += 2)
		labels_builder_set(&b, kv[0], kv[1]);
	l = labels_builder_build(&b);
	labels_builder_free(&b);
	return l;
}

static void reopen(int64_t now)
{
	struct buf err = { 0 };

	silences_close(ss);
	store_close(st);
	cr_assert_eq(store_open(db, &st, &err), 0, "%s", buf_str(&err));
	ss = silences_open(st, 0, now, &err);
	cr_assert_not_null(ss, "%s", buf_str(&err));
	buf_free(&err);
}

/* POSTs body at now; returns the status, the body in *out (caller
 * frees). */
static int post(const char *body, int64_t now, char **out)
{
	struct silence_answer a = { 0 };
	int status;

	silences_post(ss, body, strlen(body), now, "cli", &a);
	status = a.status;
	*out = xstrdup(buf_str(&a.body));
	silence_answer_free(&a);
	return status;
}

static void post_expect(const char *body, int64_t now, int status,
			const char *want)
{
	char *got;

	cr_assert_eq(post(body, now, &got), status, "%s", got);
	cr_assert_str_eq(got, want);
	free(got);
}

/* ---------------------------------------------------------------- model */

Test(silence, state_transitions)
{
	struct silence *s = mk("a=\"b\"", 1000, 2000);

	cr_assert_eq(silence_state(s, 999), SILENCE_PENDING);
	cr_assert_eq(silence_state(s, 1000), SILENCE_ACTIVE);
	cr_assert_eq(silence_state(s, 2000), SILENCE_ACTIVE);
	cr_assert_eq(silence_state(s, 2001), SILENCE_EXPIRED);
	cr_assert_str_eq(silence_state_str(SILENCE_PENDING), "pending");
	cr_assert_str_eq(silence_state_str(SILENCE_ACTIVE), "active");
	cr_assert_str_eq(silence_state_str(SILENCE_EXPIRED), "expired");
	silence_free(s);
}

static void validate_msg(struct silence *s, const char *want)
{
	struct buf err = { 0 };

	if (want == NULL) {
		cr_assert_eq(silence_validate(s, &err), 0, "%s",
			     buf_str(&err));
	} else {
		cr_assert_eq(silence_validate(s, &err), -1);
		cr_assert_str_eq(buf_str(&err), want);
	}
	buf_free(&err);
	silence_free(s);
}

Test(silence, validation_messages)
{
	validate_msg(mk("", 1, 2), "at least one matcher required");
	validate_msg(mk("job=~\".*\"", 1, 2),
		     "at least one matcher must not match the empty string");
	validate_msg(mk("job=\"\", x=~\"a|\"", 1, 2),
		     "at least one matcher must not match the empty string");
	/* negative matchers alone are accepted (Alertmanager's footgun) */
	validate_msg(mk("job!=\"x\"", 1, 2), NULL);
	validate_msg(mk("job!~\"\"", 1, 2), NULL);
	validate_msg(mk("job=~\".+\"", 1, 2), NULL);
	validate_msg(mk("job=\"a\"", 0, 2), "invalid zero start timestamp");
	validate_msg(mk("job=\"a\"", 1, 0), "invalid zero end timestamp");
	validate_msg(mk("job=\"a\"", 3, 2),
		     "end time must not be before start time");
	validate_msg(mk("job=\"a\"", 2, 2), NULL);
}

Test(silence, can_update_branches)
{
	int64_t now = 10 * HOUR;
	struct silence *active = mk("a=\"b\"", now - HOUR, now + HOUR);
	struct silence *pending = mk("a=\"b\"", now + HOUR, now + 2 * HOUR);
	struct silence *expired = mk("a=\"b\"", now - 2 * HOUR, now - HOUR);
	struct silence *n = silence_dup(active);

	cr_assert(silence_can_update(active, n, now));
	n->starts_at += 999 - (active->starts_at % 1000); /* same second */
	cr_assert(silence_can_update(active, n, now));
	n->starts_at += 1;
	cr_assert_not(silence_can_update(active, n, now), "moved start");
	n->starts_at = active->starts_at;
	n->ends_at = now;
	cr_assert(silence_can_update(active, n, now), "ends now: still ok");
	n->ends_at = now - 1;
	cr_assert_not(silence_can_update(active, n, now), "ends in the past");
	silence_free(n);

	n = mk("a=\"c\"", active->starts_at, active->ends_at);
	cr_assert_not(silence_can_update(active, n, now), "other matchers");
	silence_free(n);
	n = mk("a=\"b\", c=\"d\"", active->starts_at, active->ends_at);
	cr_assert_not(silence_can_update(active, n, now), "more matchers");
	silence_free(n);

	n = silence_dup(pending);
	n->starts_at = now;
	cr_assert(silence_can_update(pending, n, now));
	n->starts_at = now - 1;
	cr_assert_not(silence_can_update(pending, n, now));
	silence_free(n);

	n = silence_dup(expired);
	cr_assert_not(silence_can_update(expired, n, now));
	silence_free(n);
	silence_free(active);
	silence_free(pending);
	silence_free(expired);
}

Test(silence, uuid_v4)
{
	char a[SILENCE_ID_LEN + 1], b[SILENCE_ID_LEN + 1];

	silence_new_id(a);
	silence_new_id(b);
	cr_assert_eq(strlen(a), 36);
	cr_assert_str_neq(a, b);
	cr_assert_eq(a[14], '4');
	cr_assert(strchr("89ab", a[19]) != NULL);
	cr_assert(silence_id_valid(a));
	cr_assert(silence_id_valid("25CB6A57-AC0D-4B0A-8DC6-8B01A6773343"));
	cr_assert_not(silence_id_valid("25cb6a57-ac0d-4b0a-8dc6-8b01a677334"));
	cr_assert_not(silence_id_valid("25cb6a57xac0d-4b0a-8dc6-8b01a6773343"));
	cr_assert_not(silence_id_valid("g5cb6a57-ac0d-4b0a-8dc6-8b01a6773343"));
	cr_assert_not(silence_id_valid(""));
}

/* ------------------------------------------------------------- JSON out */

/* The first silence of Alertmanager 0.25's GET /api/v2/silences sample
 * (corpus/samples/api-v2-silences.json), compacted. */
static const char sample[] =
	"{\"id\":\"25cb6a57-ac0d-4b0a-8dc6-8b01a6773343\",\"status\":{\"state"
	"\":\"active\"},\"updatedAt\":\"2026-11-22T02:53:17.419Z\",\"comment\""
	":\"regex + negative matcher\",\"createdBy\":\"peers-test\",\"endsAt\""
	":\"2026-11-22T03:23:17.417Z\",\"matchers\":[{\"isEqual\":true,\"isRe"
	"gex\":true,\"name\":\"alertname\",\"value\":\"Demo.*\"},{\"isEqual\":"
	"false,\"isRegex\":false,\"name\":\"team\",\"value\":\"web\"}],\"start"
	"sAt\":\"2026-11-22T02:53:17.419Z\"}";

Test(silence, json_matches_alertmanager_sample)
{
	struct silence_answer a = { 0 };
	struct silence *s = silence_from_json(sample, strlen(sample), &a);
	struct buf out = { 0 };

	cr_assert_not_null(s, "%s", buf_str(&a.body));
	cr_assert_eq(a.status, 200);
	cr_assert_str_eq(s->id, "25cb6a57-ac0d-4b0a-8dc6-8b01a6773343");
	cr_assert_eq(s->starts_at, T0);
	cr_assert_eq(s->matchers.n, 2);
	cr_assert_eq(s->matchers.v[0].op, MATCHER_RE);
	cr_assert_eq(s->matchers.v[1].op, MATCHER_NE);
	silence_to_json(&out, s, T0 + MIN);
	cr_assert_str_eq(buf_str(&out), sample);
	buf_reset(&out);
	silence_to_json(&out, s, T0 - 1);
	cr_assert(strstr(buf_str(&out), "\"state\":\"pending\"") != NULL);
	buf_free(&out);
	silence_answer_free(&a);
	silence_free(s);
}

/* -------------------------------------------------------------- JSON in */

static void from_json_fails(const char *body, int status, const char *want)
{
	struct silence_answer a = { 0 };
	struct silence *s = silence_from_json(body, strlen(body), &a);

	cr_assert_null(s, "%s", body);
	cr_assert_eq(a.status, status, "%s", buf_str(&a.body));
	cr_assert_str_eq(buf_str(&a.body), want);
	silence_answer_free(&a);
}

#define M1 "\"matchers\":[{\"name\":\"a\",\"value\":\"b\",\"isRegex\":false}]"
#define TIMES "\"startsAt\":\"2026-11-22T02:53:17.419Z\"," \
	      "\"endsAt\":\"2026-11-22T04:53:17.419Z\""

Test(silence, from_json_schema_errors)
{
	from_json_fails("{" M1 "," TIMES ",\"createdBy\":\"x\"}", 422,
			"{\"code\":602,\"message\":\"comment in body is "
			"required\"}");
	from_json_fails("{" M1 "," TIMES ",\"comment\":\"x\"}", 422,
			"{\"code\":602,\"message\":\"createdBy in body is "
			"required\"}");
	from_json_fails("{" M1 ",\"comment\":\"\",\"createdBy\":\"\","
			"\"endsAt\":\"2026-11-22T04:53:17.419Z\"}",
			422,
			"{\"code\":602,\"message\":\"startsAt in body is "
			"required\"}");
	from_json_fails("{" M1 ",\"comment\":\"\",\"createdBy\":\"\","
			"\"startsAt\":\"2026-11-22T04:53:17.419Z\"}",
			422,
			"{\"code\":602,\"message\":\"endsAt in body is "
			"required\"}");
	from_json_fails("{" TIMES ",\"comment\":\"\",\"createdBy\":\"\"}", 422,
			"{\"code\":602,\"message\":\"matchers in body is "
			"required\"}");
	from_json_fails("{\"matchers\":[]," TIMES ",\"comment\":\"\","
			"\"createdBy\":\"\"}",
			422,
			"{\"code\":612,\"message\":\"matchers in body should "
			"have at least 1 items\"}");
	from_json_fails("{\"matchers\":[{\"name\":\"a\",\"value\":\"b\"}],"
			TIMES ",\"comment\":\"\",\"createdBy\":\"\"}",
			422,
			"{\"code\":602,\"message\":\"matchers.0.isRegex in "
			"body is required\"}");
	from_json_fails("{\"matchers\":[{\"isRegex\":true,\"value\":\"b\"}],"
			TIMES ",\"comment\":\"\",\"createdBy\":\"\"}",
			422,
			"{\"code\":602,\"message\":\"matchers.0.name in body "
			"is required\"}");
	from_json_fails("{\"matchers\":[{\"isRegex\":true,\"name\":\"b\"}],"
			TIMES ",\"comment\":\"\",\"createdBy\":\"\"}",
			422,
			"{\"code\":602,\"message\":\"matchers.0.value in body "
			"is required\"}");
	from_json_fails("{" M1 "}", 422,
			"{\"code\":422,\"message\":\"validation failure list:"
			"\\ncomment in body is required\\ncreatedBy in body "
			"is required\\nendsAt in body is required\\nstartsAt "
			"in body is required\"}");
	from_json_fails("null", 422,
			"{\"code\":602,\"message\":\"silence in body is "
			"required\"}");
}

Test(silence, from_json_decode_errors)
{
	from_json_fails("{", 400,
			"{\"code\":400,\"message\":\"parsing silence body "
			"from \\\"\\\" failed, because string or '}' expected near end "
			"of file\"}");
	from_json_fails("", 400,
			"{\"code\":400,\"message\":\"parsing silence body "
			"from \\\"\\\" failed, because EOF\"}");
	from_json_fails("\"x\"", 400,
			"{\"code\":400,\"message\":\"parsing silence body "
			"from \\\"\\\" failed, because json: cannot unmarshal "
			"string into Go value of type "
			"models.PostableSilence\"}");
	from_json_fails("{\"comment\":5}", 400,
			"{\"code\":400,\"message\":\"parsing silence body "
			"from \\\"\\\" failed, because json: cannot unmarshal "
			"number into Go struct field PostableSilence.comment "
			"of type string\"}");
}

Test(silence, from_json_defaults_and_empty_strings)
{
	static const char body[] =
		"{\"matchers\":[{\"name\":\"a\",\"value\":\"b\","
		"\"isRegex\":false},{\"name\":\"c\",\"value\":\"d.*\","
		"\"isRegex\":true,\"isEqual\":false}]," TIMES
		",\"comment\":\"\",\"createdBy\":\"\"}";
	struct silence_answer a = { 0 };
	struct silence *s = silence_from_json(body, strlen(body), &a);

	cr_assert_not_null(s, "%s", buf_str(&a.body));
	cr_assert_str_eq(s->id, "");
	cr_assert_eq(s->matchers.v[0].op, MATCHER_EQ, "isEqual defaults");
	cr_assert_eq(s->matchers.v[1].op, MATCHER_NRE);
	cr_assert_str_eq(s->comment, "");
	cr_assert_null(s->invalid);
	silence_answer_free(&a);
	silence_free(s);
}

/* ------------------------------------------------------------- the POST */

static char *body_for(const char *matchers, int64_t starts, int64_t ends,
		      const char *id)
{
	struct buf b = { 0 }, t1 = { 0 }, t2 = { 0 };

	jsonw_time_millis(&t1, starts);
	jsonw_time_millis(&t2, ends);
	buf_printf(&b, "{%s%s%s\"matchers\":%s,\"startsAt\":%s,"
		       "\"endsAt\":%s,\"createdBy\":\"bob\","
		       "\"comment\":\"c\"}",
		   id ? "\"id\":\"" : "", id ? id : "", id ? "\"," : "",
		   matchers, buf_str(&t1), buf_str(&t2));
	buf_free(&t1);
	buf_free(&t2);
	return buf_take(&b);
}

static void post_case(const char *matchers, int64_t starts, int64_t ends,
		      const char *id, int status, const char *want)
{
	char *body = body_for(matchers, starts, ends, id);

	post_expect(body, T0, status, want);
	free(body);
}

#define MA "[{\"name\":\"a\",\"value\":\"b\",\"isRegex\":false}]"

Test(silence, post_handler_errors)
{
	post_case(MA, T0 + HOUR, T0 + HOUR, NULL, 400,
		  "\"Failed to create silence: start time must be before end "
		  "time\"");
	post_case(MA, T0 + HOUR, T0, NULL, 400,
		  "\"Failed to create silence: start time must be before end "
		  "time\"");
	post_case(MA, T0 - 2 * HOUR, T0 - 1, NULL, 400,
		  "\"Failed to create silence: end time can't be in the "
		  "past\"");
	post_case("[{\"name\":\"job\",\"value\":\".*\",\"isRegex\":true}]", T0,
		  T0 + HOUR, NULL, 400,
		  "\"invalid silence: at least one matcher must not match the "
		  "empty string\"");
	post_case("[{\"name\":\"job\",\"value\":\"\",\"isRegex\":false}]", T0,
		  T0 + HOUR, NULL, 400,
		  "\"invalid silence: at least one matcher must not match the "
		  "empty string\"");
	post_case("[{\"name\":\"1a\",\"value\":\"x\",\"isRegex\":false}]", T0,
		  T0 + HOUR, NULL, 400,
		  "\"invalid silence: invalid label matcher 0: invalid label "
		  "name \\\"1a\\\"\"");
	post_case(MA, T0, T0 + HOUR, "6b9f0c43-1b22-4e29-9a2b-1c0a4c8b7e55",
		  404, "\"silence not found\"");
	cr_assert_eq(silences_count(ss), 0);
}

Test(silence, post_bad_regex)
{
	char *body = body_for("[{\"name\":\"a\",\"value\":\"b\",\"isRegex\":"
			      "false},{\"name\":\"job\",\"value\":\"((\","
			      "\"isRegex\":true}]",
			      T0, T0 + HOUR, NULL);
	char *got;

	cr_assert_eq(post(body, T0, &got), 400);
	{
		/* Go's regexp.Compile("((") message, the bare pattern */
		static const char want[] =
			"\"invalid silence: invalid label matcher 1: "
			"invalid regular expression \\\"((\\\": error "
			"parsing regexp: missing closing ): `((`\"";

		cr_assert_str_eq(got, want);
	}
	free(got);
	free(body);
}

Test(silence, post_creates)
{
	char *body = body_for(MA, T0 - MIN, T0 + HOUR, NULL);
	char *got;
	const struct silence *s;
	char id[SILENCE_ID_LEN + 1];

	cr_assert_eq(post(body, T0, &got), 200, "%s", got);
	cr_assert_eq(strlen(got), strlen("{\"silenceID\":\"\"}") + 36, "%s",
		     got);
	memcpy(id, got + 14, 36);
	id[36] = '\0';
	s = silences_get(ss, id);
	cr_assert_not_null(s);
	cr_assert_eq(s->starts_at, T0, "clamped to now");
	cr_assert_eq(s->updated_at, T0);
	cr_assert_str_eq(s->created_by, "bob");
	free(got);
	free(body);
}

/* ------------------------------------------------------------------ Set */

Test(silence, set_create_clamps_start)
{
	const char *id = create("a=\"b\"", T0 - HOUR, T0 + HOUR, T0);
	const struct silence *s = silences_get(ss, id);

	cr_assert_eq(s->starts_at, T0);
	cr_assert_eq(s->ends_at, T0 + HOUR);
	cr_assert_eq(s->updated_at, T0);
	id = create("a=\"b\"", T0 + HOUR, T0 + 2 * HOUR, T0);
	cr_assert_eq(silences_get(ss, id)->starts_at, T0 + HOUR,
		     "a future start is kept");
	id = create("a=\"b\"", 0, T0 + 2 * HOUR, T0);
	cr_assert_eq(silences_get(ss, id)->starts_at, T0, "zero start: now");
	cr_assert_eq(silences_count(ss), 3);
}

Test(silence, set_update_active_in_place)
{
	char id[SILENCE_ID_LEN + 1];
	struct silence *s;

	strcpy(id, create("a=\"b\"", T0, T0 + HOUR, T0));
	s = silence_dup(silences_get(ss, id));
	s->ends_at = T0 + 3 * HOUR;
	free(s->comment);
	s->comment = xstrdup("longer");
	s->starts_at = T0 - 419 + 999; /* same second as T0 */
	cr_assert_str_eq(set_ok(s, T0 + MIN), id);
	silence_free(s);
	s = (struct silence *)silences_get(ss, id);
	cr_assert_eq(s->ends_at, T0 + 3 * HOUR);
	cr_assert_str_eq(s->comment, "longer");
	cr_assert_eq(s->updated_at, T0 + MIN);
	cr_assert_eq(silences_count(ss), 1);
}

Test(silence, set_active_moved_start_replaces)
{
	char id[SILENCE_ID_LEN + 1];
	const char *nid;
	struct silence *s;

	strcpy(id, create("a=\"b\"", T0, T0 + HOUR, T0));
	s = silence_dup(silences_get(ss, id));
	s->starts_at = T0 + 2 * MIN;
	nid = set_ok(s, T0 + MIN);
	cr_assert_str_neq(nid, id);
	cr_assert_eq(silences_get(ss, nid)->starts_at, T0 + 2 * MIN);
	cr_assert_eq(silences_get(ss, id)->ends_at, T0 + MIN, "old expired");
	cr_assert_eq(silences_get(ss, id)->updated_at, T0 + MIN);
	cr_assert_eq(silence_state(silences_get(ss, id), T0 + MIN + 1),
		     SILENCE_EXPIRED);
	cr_assert_eq(silences_count(ss), 2);
	silence_free(s);
}

Test(silence, set_changed_matchers_replaces)
{
	char id[SILENCE_ID_LEN + 1];
	const char *nid;
	struct silence *s = mk("a=\"c\"", T0, T0 + HOUR);

	strcpy(id, create("a=\"b\"", T0, T0 + HOUR, T0));
	strcpy(s->id, id);
	nid = set_ok(s, T0 + MIN);
	cr_assert_str_neq(nid, id);
	cr_assert_eq(silences_get(ss, nid)->starts_at, T0 + MIN,
		     "a new silence: start clamped to now");
	cr_assert_eq(silences_get(ss, id)->ends_at, T0 + MIN);
	silence_free(s);
}

Test(silence, set_pending_update_and_replace)
{
	char id[SILENCE_ID_LEN + 1];
	struct silence *s;
	const struct silence *old;
	const char *nid;

	strcpy(id, create("a=\"b\"", T0 + HOUR, T0 + 2 * HOUR, T0));
	s = silence_dup(silences_get(ss, id));
	s->starts_at = T0 + 30 * MIN; /* earlier, still in the future */
	cr_assert_str_eq(set_ok(s, T0), id, "pending: updated in place");
	cr_assert_eq(silences_get(ss, id)->starts_at, T0 + 30 * MIN);
	s->starts_at = T0 - MIN; /* in the past: a new silence */
	nid = set_ok(s, T0);
	cr_assert_str_neq(nid, id);
	cr_assert_eq(silences_get(ss, nid)->starts_at, T0);
	old = silences_get(ss, id);
	cr_assert_eq(old->starts_at, T0, "pending expired: starts = now");
	cr_assert_eq(old->ends_at, T0);
	silence_free(s);
}

Test(silence, set_expired_makes_new_and_keeps_old)
{
	char id[SILENCE_ID_LEN + 1];
	struct silence *s;
	const char *nid;

	strcpy(id, create("a=\"b\"", T0, T0 + HOUR, T0));
	s = silence_dup(silences_get(ss, id));
	s->ends_at = T0 + 5 * HOUR;
	nid = set_ok(s, T0 + 2 * HOUR);
	cr_assert_str_neq(nid, id);
	cr_assert_eq(silences_get(ss, id)->ends_at, T0 + HOUR, "untouched");
	cr_assert_eq(silences_get(ss, id)->updated_at, T0);
	silence_free(s);
}

Test(silence, set_unknown_id_and_invalid)
{
	struct silence *s = mk("a=\"b\"", T0, T0 + HOUR);
	struct buf msg = { 0 };
	char id[SILENCE_ID_LEN + 1];

	strcpy(s->id, "6b9f0c43-1b22-4e29-9a2b-1c0a4c8b7e55");
	cr_assert_eq(silences_set(ss, s, T0, NULL, id, &msg),
		     SILENCE_NOT_FOUND);
	cr_assert_str_eq(buf_str(&msg), "silence not found");
	silence_free(s);
	/* an invalid replacement leaves the old silence active */
	strcpy(id, create("a=\"b\"", T0, T0 + HOUR, T0));
	s = mk("a=~\".*\"", T0, T0 + HOUR);
	strcpy(s->id, id);
	buf_reset(&msg);
	cr_assert_eq(silences_set(ss, s, T0, NULL, NULL, &msg),
		     SILENCE_INVALID);
	cr_assert_str_eq(buf_str(&msg), "invalid silence: at least one "
					"matcher must not match the empty "
					"string");
	cr_assert_eq(silences_get(ss, id)->ends_at, T0 + HOUR);
	cr_assert_eq(silences_count(ss), 1);
	silence_free(s);
	buf_free(&msg);
}

/* --------------------------------------------------------------- Expire */

Test(silence, expire_branches)
{
	char a[SILENCE_ID_LEN + 1], p[SILENCE_ID_LEN + 1];
	struct buf msg = { 0 };

	strcpy(a, create("a=\"b\"", T0, T0 + HOUR, T0));
	strcpy(p, create("a=\"c\"", T0 + HOUR, T0 + 2 * HOUR, T0));
	cr_assert_eq(silences_expire(ss, a, T0 + MIN, "cli", &msg),
		     SILENCE_OK);
	cr_assert_eq(silences_get(ss, a)->ends_at, T0 + MIN);
	cr_assert_eq(silences_get(ss, a)->starts_at, T0);
	cr_assert_eq(silences_expire(ss, p, T0 + MIN, "cli", &msg),
		     SILENCE_OK);
	cr_assert_eq(silences_get(ss, p)->starts_at, T0 + MIN);
	cr_assert_eq(silences_get(ss, p)->ends_at, T0 + MIN);
	/* already expired: success, nothing changes */
	cr_assert_eq(silences_expire(ss, a, T0 + HOUR, "cli", &msg),
		     SILENCE_OK);
	cr_assert_eq(silences_get(ss, a)->ends_at, T0 + MIN);
	cr_assert_eq(silences_get(ss, a)->updated_at, T0 + MIN);
	cr_assert_eq(silences_expire(ss, "6b9f0c43-1b22-4e29-9a2b-1c0a4c8b7e55",
				     T0, "cli", &msg),
		     SILENCE_NOT_FOUND);
	cr_assert_str_eq(buf_str(&msg), "silence not found");
	buf_free(&msg);
}

/* -------------------------------------------------------------- listing */

Test(silence, list_order_and_filter)
{
	char id[6][SILENCE_ID_LEN + 1];
	const struct silence **v;
	struct matchers f = { 0 };
	struct buf err = { 0 }, js = { 0 };
	int64_t now = T0 + 10 * MIN;
	size_t n;

	strcpy(id[0], create("a=\"1\"", T0, T0 + 3 * HOUR, T0));  /* act */
	strcpy(id[1], create("a=\"2\"", T0, T0 + 1 * HOUR, T0));  /* act */
	strcpy(id[2], create("a=\"3\"", T0 + 2 * HOUR, T0 + 3 * HOUR, T0));
	strcpy(id[3], create("a=\"4\"", T0 + 1 * HOUR, T0 + 3 * HOUR, T0));
	strcpy(id[4], create("a=~\"5\"", T0, T0 + 2 * MIN, T0)); /* exp */
	strcpy(id[5], create("a=\"6\", b!=\"x\"", T0, T0 + 5 * MIN, T0));
	silences_list(ss, NULL, now, &v, &n);
	cr_assert_eq(n, 6);
	cr_assert_str_eq(v[0]->id, id[1], "active, ends first");
	cr_assert_str_eq(v[1]->id, id[0]);
	cr_assert_str_eq(v[2]->id, id[3], "pending, starts first");
	cr_assert_str_eq(v[3]->id, id[2]);
	cr_assert_str_eq(v[4]->id, id[5], "expired, ended last first");
	cr_assert_str_eq(v[5]->id, id[4]);
	free(v);

	/* the filter compares matchers literally */
	cr_assert_eq(matchers_parse("a=\"5\"", &f, &err, NULL), 0);
	silences_list(ss, &f, now, &v, &n);
	cr_assert_eq(n, 0, "a=~\"5\" is not a=\"5\"");
	free(v);
	matchers_free(&f);
	cr_assert_eq(matchers_parse("a=~\"5\"", &f, &err, NULL), 0);
	silences_list(ss, &f, now, &v, &n);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(v[0]->id, id[4]);
	free(v);
	matchers_free(&f);
	cr_assert_eq(matchers_parse("b!=\"x\",a=\"6\"", &f, &err, NULL), 0);
	silences_list(ss, &f, now, &v, &n);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(v[0]->id, id[5]);
	free(v);
	matchers_free(&f);
	cr_assert_eq(matchers_parse("a=~\"[0-9]\"", &f, &err, NULL), 0);
	silences_list(ss, &f, now, &v, &n);
	cr_assert_eq(n, 0, "a filter regex is not applied to values");
	free(v);
	matchers_free(&f);

	silences_list_json(ss, NULL, now, &js);
	cr_assert_eq(js.s[0], '[');
	cr_assert(strstr(js.s, id[1]) < strstr(js.s, id[0]));
	buf_free(&js);
	buf_free(&err);
}

/* -------------------------------------------------------------- history */

Test(silence, history_rows)
{
	char id[SILENCE_ID_LEN + 1], nid[SILENCE_ID_LEN + 1];
	struct silence_events ev = { 0 };
	struct buf err = { 0 };
	struct silence *s;
	size_t n;

	strcpy(id, create("a=\"b\"", T0, T0 + HOUR, T0));
	s = silence_dup(silences_get(ss, id));
	free(s->created_by);
	s->created_by = xstrdup("carol");
	s->ends_at = T0 + 2 * HOUR;
	set_ok(s, T0 + MIN); /* update */
	s->starts_at = T0 + 5 * MIN;
	strcpy(nid, set_ok(s, T0 + 2 * MIN)); /* create + expire */
	cr_assert_eq(silences_expire(ss, nid, T0 + 3 * MIN, "cli", NULL),
		     SILENCE_OK);
	silence_free(s);

	cr_assert_eq(silences_history(ss, id, &ev, &err), 0, "%s",
		     buf_str(&err));
	cr_assert_eq(ev.n, 3);
	cr_assert_str_eq(ev.v[0].what, "create");
	cr_assert_null(ev.v[0].before);
	cr_assert_not_null(ev.v[0].after);
	cr_assert_str_eq(ev.v[0].created_by, "alice");
	cr_assert_str_eq(ev.v[0].client, "10.0.0.1:4000");
	cr_assert_eq(ev.v[0].at, T0);
	cr_assert_str_eq(ev.v[1].what, "update");
	cr_assert_str_eq(ev.v[1].created_by, "carol");
	cr_assert(strstr(ev.v[1].before, "\"createdBy\":\"alice\"") != NULL);
	cr_assert(strstr(ev.v[1].after, "\"createdBy\":\"carol\"") != NULL);
	cr_assert(strstr(ev.v[1].after, "\"endsAt\":\"2026-11-22T04:53:17."
					"419Z\"") != NULL,
		  "%s", ev.v[1].after);
	cr_assert_str_eq(ev.v[2].what, "expire");
	cr_assert_eq(ev.v[2].at, T0 + 2 * MIN);
	silence_events_free(&ev);

	cr_assert_eq(silences_history(ss, NULL, &ev, &err), 0);
	cr_assert_eq(ev.n, 5);
	for (size_t i = 1; i < ev.n; i++)
		cr_assert_gt(ev.v[i].seq, ev.v[i - 1].seq);
	cr_assert_str_eq(ev.v[3].id, nid);
	cr_assert_str_eq(ev.v[3].what, "create");
	cr_assert_str_eq(ev.v[4].what, "expire");
	cr_assert_str_eq(ev.v[4].client, "cli");
	silence_events_free(&ev);

	/* GC: deleted ends_at + 120h later, with a "gc" row */
	cr_assert_eq(silences_gc(ss, T0 + 2 * MIN + 120 * HOUR - 1, &n, &err),
		     0);
	cr_assert_eq(n, 0);
	cr_assert_eq(silences_gc(ss, T0 + 2 * MIN + 120 * HOUR, &n, &err), 0,
		     "%s", buf_str(&err));
	cr_assert_eq(n, 1);
	cr_assert_null(silences_get(ss, id));
	cr_assert_not_null(silences_get(ss, nid));
	cr_assert_eq(silences_history(ss, id, &ev, &err), 0);
	cr_assert_eq(ev.n, 4);
	cr_assert_str_eq(ev.v[3].what, "gc");
	cr_assert_str_eq(ev.v[3].client, "");
	cr_assert_not_null(ev.v[3].before);
	cr_assert_null(ev.v[3].after);
	silence_events_free(&ev);
	reopen(T0 + 200 * HOUR);
	cr_assert_null(silences_get(ss, id), "the delete was durable");
	cr_assert_eq(silences_count(ss), 1);
	buf_free(&err);
}

/* ---------------------------------------------------------- persistence */

Test(silence, survives_reopen)
{
	char id[SILENCE_ID_LEN + 1];
	struct silence *before;
	struct buf a = { 0 }, b = { 0 };

	strcpy(id, create("alertname=\"X\", job=~\"api|web\", env!=\"dev\", "
			  "x!~\"y.*\"",
			  T0, T0 + HOUR, T0));
	before = silence_dup(silences_get(ss, id));
	reopen(T0);
	cr_assert_eq(silences_count(ss), 1);
	silence_to_json(&a, before, T0);
	silence_to_json(&b, silences_get(ss, id), T0);
	cr_assert_str_eq(buf_str(&a), buf_str(&b));
	silence_free(before);
	buf_free(&a);
	buf_free(&b);
}

/* ------------------------------------------------------------- matching */

Test(silence, mutes_active_only)
{
	char a[SILENCE_ID_LEN + 1], b[SILENCE_ID_LEN + 1];
	struct labels *l = lbl((const char *[]){ "alertname", "X", "job",
						 "api", NULL });
	struct silence_ids ids = { 0 };

	strcpy(a, create("alertname=\"X\"", T0, T0 + HOUR, T0));
	strcpy(b, create("job=~\"a.*\"", T0, T0 + HOUR, T0));
	create("alertname=\"X\"", T0 + HOUR, T0 + 2 * HOUR, T0); /* pending */
	create("alertname=\"Y\"", T0, T0 + HOUR, T0);
	create("alertname=\"X\", job=\"web\"", T0, T0 + HOUR, T0);
	cr_assert_eq(silences_mutes(ss, l, T0 + MIN, &ids), 2);
	cr_assert(strcmp(ids.v[0], ids.v[1]) < 0, "sorted");
	cr_assert((strcmp(ids.v[0], a) == 0 && strcmp(ids.v[1], b) == 0) ||
		  (strcmp(ids.v[0], b) == 0 && strcmp(ids.v[1], a) == 0));
	cr_assert_eq(silences_expire(ss, a, T0 + MIN, "cli", NULL),
		     SILENCE_OK);
	cr_assert_eq(silences_mutes(ss, l, T0 + MIN + 1, &ids), 1);
	cr_assert_str_eq(ids.v[0], b);
	cr_assert_eq(silences_mutes(ss, l, T0 + HOUR + 1, &ids), 1,
		     "the pending one started");
	silence_ids_free(&ids);
	labels_free(l);
}

Test(silence, mutes_missing_label_is_empty)
{
	struct labels *l = lbl((const char *[]){ "alertname", "X", NULL });
	struct silence_ids ids = { 0 };

	/* foo="" keys nothing: it must still be found (scan list) */
	create("alertname=~\"X\", foo=\"\"", T0, T0 + HOUR, T0);
	create("job!=\"api\"", T0, T0 + HOUR, T0);
	cr_assert_eq(silences_mutes(ss, l, T0, &ids), 2);
	silence_ids_free(&ids);
	labels_free(l);
}

/* Writes n silences with matchers "<before><i><after>" (and every
 * 1000th one alertname=~"A<i>", without an equality matcher) straight to
 * the store in one transaction. */
static void bulk_with(int n, const char *before, const char *after)
{
	struct store_silence *rows = calloc((size_t)n, sizeof *rows);
	struct buf *text = calloc((size_t)n, sizeof *text);
	struct store_silence_write w = { rows, (size_t)n, NULL, 0, NULL, 0 };
	struct buf err = { 0 };
	char (*ids)[SILENCE_ID_LEN + 1] = calloc((size_t)n, sizeof *ids);

	for (int i = 0; i < n; i++) {
		char m[64];
		struct silence *s;

		if (i % 1000 == 999)
			snprintf(m, sizeof m, "alertname=~\"A%d\"", i);
		else
			snprintf(m, sizeof m, "%s%d%s", before, i, after);
		s = mk(m, T0, T0 + HOUR);
		silence_new_id(s->id);
		s->updated_at = T0;
		silence_to_json(&text[i], s, T0);
		memcpy(ids[i], s->id, sizeof ids[i]);
		rows[i] = (struct store_silence){ ids[i], T0, T0 + HOUR,
						  text[i].s };
		silence_free(s);
	}
	cr_assert_eq(store_silences_write(st, &w, &err), 0, "%s",
		     buf_str(&err));
	for (int i = 0; i < n; i++)
		buf_free(&text[i]);
	free(text);
	free(rows);
	free(ids);
	buf_free(&err);
}

static void bulk(int n)
{
	bulk_with(n, "alertname=\"A", "\", job=\"j\"");
}

Test(silence, index_bounds_candidates, .timeout = 60)
{
	struct silence_ids ids = { 0 };
	uint64_t before;
	char v[32];

	bulk(10000);
	reopen(T0);
	cr_assert_eq(silences_count(ss), 10000);
	for (int i = 0; i < 1000; i++) {
		struct labels *l;

		snprintf(v, sizeof v, "A%d", i * 10);
		l = lbl((const char *[]){ "alertname", v, "instance", "h1",
					  "job", "j", NULL });
		before = silences_examined(ss);
		cr_assert_eq(silences_mutes(ss, l, T0 + MIN, &ids), 1);
		/* its own bucket (1) plus the 10 without an equality
		 * matcher, never the 10,000 */
		cr_assert_eq(silences_examined(ss) - before, 11);
		labels_free(l);
	}
	{
		struct labels *l = lbl((const char *[]){ "alertname", "A999",
							 NULL });

		cr_assert_eq(silences_mutes(ss, l, T0 + MIN, &ids), 1,
			     "a regex-only silence, found by the scan");
		labels_free(l);
	}
	/* after GC expired silences leave the index entirely */
	before = silences_examined(ss);
	cr_assert_eq(silences_gc(ss, T0 + 2 * HOUR, NULL, NULL), 0);
	{
		struct labels *l = lbl((const char *[]){ "alertname", "A10",
							 NULL });

		cr_assert_eq(silences_mutes(ss, l, T0 + 2 * HOUR, &ids), 0);
		cr_assert_eq(silences_examined(ss), before);
		labels_free(l);
	}
	silence_ids_free(&ids);
}

/* --------------------------------------------- sharing with the CLI */


/* 10,000 silences that share their first matcher (model="m1") and differ
 * by the second: each is filed under the rarer key, so an alert examines
 * its own silence, not the 10,000 of model m1. */
Test(silence, index_files_under_the_rarest_key, .timeout = 60)
{
	struct silence_ids ids = { 0 };
	uint64_t before;
	char v[32];

	bulk_with(10000, "model=\"m1\", instance=\"h", "\"");
	reopen(T0);
	for (int i = 0; i < 1000; i++) {
		struct labels *l;

		snprintf(v, sizeof v, "h%d", i * 10);
		l = lbl((const char *[]){ "alertname", "Drift", "instance", v,
					  "model", "m1", NULL });
		before = silences_examined(ss);
		cr_assert_eq(silences_mutes(ss, l, T0 + MIN, &ids), 1);
		/* its own bucket, the 10 scanned, and model="m1" holds
		 * none but the first silence filed before h-keys existed */
		cr_assert_leq(silences_examined(ss) - before, 12,
			      "examined %llu",
			      (unsigned long long)(silences_examined(ss) - before));
		labels_free(l);
	}
	silence_ids_free(&ids);
}
Test(silence, reload_after_cli_write)
{
	struct store *cli = NULL;
	struct silences *cs;
	struct buf err = { 0 };
	char id[SILENCE_ID_LEN + 1];
	struct silence *s = mk("a=\"b\"", T0, T0 + HOUR);

	/* the daemon holds the exclusive lock; the CLI shares the file */
	cr_assert_eq(store_open_shared(db, &cli, &err), 0, "%s",
		     buf_str(&err));
	cs = silences_open(cli, 0, T0, &err);
	cr_assert_not_null(cs);
	cr_assert_eq(silences_reload_if_changed(ss, T0, &err), 0);
	cr_assert_eq(silences_set(cs, s, T0, "cli", id, &err), SILENCE_OK,
		     "%s", buf_str(&err));
	cr_assert_null(silences_get(ss, id));
	cr_assert_eq(silences_reload_if_changed(ss, T0, &err), 1, "%s",
		     buf_str(&err));
	cr_assert_not_null(silences_get(ss, id));
	cr_assert_eq(silences_reload_if_changed(ss, T0, &err), 0);
	/* the daemon's own writes do not trigger a reload */
	create("c=\"d\"", T0, T0 + HOUR, T0);
	cr_assert_eq(silences_reload_if_changed(ss, T0, &err), 0);
	cr_assert_eq(silences_reload_if_changed(cs, T0, &err), 1);
	cr_assert_eq(silences_count(cs), 2);
	silences_close(cs);
	store_close(cli);
	silence_free(s);
	buf_free(&err);
}

/* ----------------------------------------------------- crash safety */

/* The child creates silences with comment "<k>" and reports each k after
 * silences_set() returned. */
static void child_loop(int wfd)
{
	struct store *cst = NULL;
	struct silences *cs;
	struct buf err = { 0 };

	if (store_open(db, &cst, &err) != 0)
		_exit(2);
	cs = silences_open(cst, 0, T0, &err);
	if (cs == NULL)
		_exit(3);
	for (long k = 1;; k++) {
		struct silence *s = mk("a=\"b\"", T0, T0 + HOUR);

		free(s->comment);
		s->comment = xasprintf("%ld", k);
		if (silences_set(cs, s, T0, "cli", NULL, &err) != SILENCE_OK)
			_exit(4);
		silence_free(s);
		if (write(wfd, &k, sizeof k) != sizeof k)
			_exit(5);
	}
}

Test(silence, crash_safety_sigkill, .timeout = 60)
{
	silences_close(ss);
	store_close(st);
	ss = NULL;
	st = NULL;
	srand((unsigned)time(NULL));
	for (int round = 0; round < 4; round++) {
		int fds[2];
		pid_t pid;
		long k, last = 0, base;
		struct buf err = { 0 };
		struct silence_events ev = { 0 };

		base = 0;
		if (st) {
			base = (long)silences_count(ss);
			silences_close(ss);
			store_close(st);
		}
		cr_assert_eq(pipe(fds), 0);
		pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			close(fds[0]);
			child_loop(fds[1]);
		}
		close(fds[1]);
		cr_assert_eq(read(fds[0], &last, sizeof last), sizeof last);
		usleep((useconds_t)(rand() % 30000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		while (read(fds[0], &k, sizeof k) == sizeof k)
			last = k;
		close(fds[0]);
		cr_assert_eq(store_open(db, &st, &err), 0, "%s",
			     buf_str(&err));
		ss = silences_open(st, 0, T0, &err);
		cr_assert_not_null(ss, "%s", buf_str(&err));
		k = (long)silences_count(ss) - base;
		cr_assert(k == last || k == last + 1,
			  "round %d: %ld silences, %ld reported", round, k,
			  last);
		/* each silence came with its history row, never apart */
		cr_assert_eq(silences_history(ss, NULL, &ev, &err), 0);
		cr_assert_eq(ev.n, silences_count(ss));
		silence_events_free(&ev);
		buf_free(&err);
	}
}

Test(silence, from_json_bad_time)
{
	static const char body[] =
		"{\"matchers\":[{\"name\":\"a\",\"value\":\"b\",\"isRegex\":"
		"false}],\"startsAt\":\"yesterday\",\"endsAt\":\"2026-11-22T"
		"04:53:17Z\",\"createdBy\":\"\",\"comment\":\"\"}";
	struct silence_answer a = { 0 };

	cr_assert_null(silence_from_json(body, strlen(body), &a));
	cr_assert_eq(a.status, 400);
	cr_assert_str_eq(buf_str(&a.body),
			 "{\"code\":400,\"message\":\"parsing silence body "
			 "from \\\"\\\" failed, because parsing time "
			 "\\\"\\\\\\\"yesterday\\\\\\\"\\\" as "
			 "\\\"\\\\\\\"2006-01-02T15:04:05Z07:00\\\\\\\"\\\": "
			 "cannot parse \\\"yesterday\\\\\\\"\\\" as "
			 "\\\"2006\\\"\"}");
	silence_answer_free(&a);
}

/* A silence expired after the last GC leaves the index at the next. */
Test(silence, gc_prunes_index_incrementally)
{
	struct labels *l = lbl((const char *[]){ "alertname", "X", NULL });
	struct silence_ids ids = { 0 };
	char id[SILENCE_ID_LEN + 1];
	uint64_t before;

	strcpy(id, create("alertname=\"X\"", T0, T0 + HOUR, T0));
	cr_assert_eq(silences_gc(ss, T0 + MIN, NULL, NULL), 0);
	cr_assert_eq(silences_mutes(ss, l, T0 + MIN, &ids), 1);
	cr_assert_eq(silences_expire(ss, id, T0 + 2 * MIN, "cli", NULL),
		     SILENCE_OK);
	before = silences_examined(ss);
	cr_assert_eq(silences_mutes(ss, l, T0 + 3 * MIN, &ids), 0);
	cr_assert_eq(silences_examined(ss) - before, 1, "still indexed");
	cr_assert_eq(silences_gc(ss, T0 + 3 * MIN, NULL, NULL), 0);
	before = silences_examined(ss);
	cr_assert_eq(silences_mutes(ss, l, T0 + 3 * MIN, &ids), 0);
	cr_assert_eq(silences_examined(ss) - before, 0, "pruned");
	cr_assert_not_null(silences_get(ss, id), "still listed");
	silence_ids_free(&ids);
	labels_free(l);
}

/* A write the store refuses changes nothing, in memory or on disk. */
Test(silence, store_failure_changes_nothing)
{
	sqlite3 *h;
	char id[SILENCE_ID_LEN + 1];
	struct silence *s;
	struct buf msg = { 0 };
	char *got;
	struct silence_events ev = { 0 };

	strcpy(id, create("a=\"b\"", T0, T0 + HOUR, T0));
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h,
				  "CREATE TRIGGER boom BEFORE INSERT ON "
				  "silence WHEN NEW.data LIKE '%boom%' BEGIN "
				  "SELECT RAISE(ABORT, 'boom refused'); END",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	sqlite3_close(h);
	/* a replacement: the new one fails, so the old is not expired */
	s = silence_dup(silences_get(ss, id));
	s->starts_at = T0 + 5 * MIN;
	free(s->comment);
	s->comment = xstrdup("boom");
	cr_assert_eq(silences_set(ss, s, T0 + MIN, "cli", NULL, &msg),
		     SILENCE_STORE_ERR);
	cr_assert(strstr(buf_str(&msg), "boom refused") != NULL, "%s",
		  buf_str(&msg));
	cr_assert_eq(silences_count(ss), 1);
	cr_assert_eq(silences_get(ss, id)->ends_at, T0 + HOUR);
	silence_free(s);
	cr_assert_eq(post("{\"matchers\":[{\"name\":\"a\",\"value\":\"b\","
			  "\"isRegex\":false}],\"startsAt\":\"2026-11-22T02:"
			  "53:17.419Z\",\"endsAt\":\"2026-11-22T04:53:17.419Z"
			  "\",\"createdBy\":\"\",\"comment\":\"boom\"}",
			  T0, &got),
		     500);
	free(got);
	reopen(T0 + MIN);
	cr_assert_eq(silences_count(ss), 1);
	cr_assert_eq(silences_get(ss, id)->ends_at, T0 + HOUR);
	cr_assert_eq(silences_history(ss, NULL, &ev, NULL), 0);
	cr_assert_eq(ev.n, 1, "only the first create");
	silence_events_free(&ev);
	buf_free(&msg);
}
