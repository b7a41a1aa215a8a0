/*
 * fuzz_matcher.c - libFuzzer target for the matcher parsers and the RE2
 * regex translation.  The input is one matcher string; it goes through
 * every grammar, and whatever parses must render to a string that the
 * UTF-8 parser reads back as the same matcher.  The input is also
 * compiled as a regex and matched against itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "matcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Matcher.String() must be readable by the UTF-8 parser as the same
 * matcher; aborts when it is not. */
static void check_round_trip(const struct matcher *m)
{
	struct buf s = {0}, err = {0};
	struct matcher back;

	matcher_format(m, &s);
	if (matcher_parse_mode(buf_str(&s), MATCHER_UTF8, &back, &err, NULL) ==
		-1 ||
	    !matcher_equal(m, &back)) {
		fprintf(stderr, "round trip failed: %s -> %s\n", buf_str(&s),
			buf_str(&err));
		abort();
	}
	matcher_free(&back);
	buf_free(&err);
	buf_free(&s);
}

/* Exercises match, sort and format on parsed matchers. */
static void use_matchers(struct matchers *ms)
{
	struct labels_builder b = {0};
	struct labels *own, *none = labels_empty();
	struct buf out = {0};

	for (size_t i = 0; i < ms->n; i++) {
		check_round_trip(&ms->v[i]);
		labels_builder_set(&b, ms->v[i].name, ms->v[i].value);
	}
	own = labels_builder_build(&b);
	(void)matchers_match(ms, own);
	(void)matchers_match(ms, none);
	matchers_sort(ms);
	for (size_t i = 1; i < ms->n; i++)
		if (matcher_cmp(&ms->v[i - 1], &ms->v[i]) > 0)
			abort();
	matchers_format(ms, &out);
	buf_free(&out);
	labels_free(own);
	labels_free(none);
	labels_builder_free(&b);
}

static void parse_all(const char *s, enum matcher_grammar g)
{
	struct matchers ms = {0};
	struct buf err = {0}, warn = {0};

	if (matchers_parse_mode(s, g, &ms, &err, &warn) == 0)
		use_matchers(&ms);
	else if (ms.n != 0 || err.len == 0)
		abort(); /* failures leave out alone and say why */
	matchers_free(&ms);
	buf_free(&err);
	buf_free(&warn);
}

static void parse_one(const char *s, enum matcher_grammar g)
{
	struct matcher m;
	struct buf err = {0}, warn = {0};

	if (matcher_parse_mode(s, g, &m, &err, &warn) == 0) {
		check_round_trip(&m);
		(void)matcher_matches(&m, s);
		(void)matcher_matches(&m, NULL);
	} else if (m.name || err.len == 0) {
		abort();
	}
	matcher_free(&m);
	buf_free(&err);
	buf_free(&warn);
}

static void as_regex(const char *s)
{
	struct matcher m;
	struct buf err = {0};

	if (matcher_init(&m, "r", MATCHER_RE, s, &err) == 0) {
		(void)matcher_matches(&m, s);
		(void)matcher_matches(&m, "");
	} else if (strncmp(buf_str(&err), "error parsing regexp: ", 22) != 0) {
		abort();
	}
	matcher_free(&m);
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	parse_all(s, MATCHER_FALLBACK);
	parse_all(s, MATCHER_UTF8);
	parse_all(s, MATCHER_CLASSIC);
	parse_one(s, MATCHER_FALLBACK);
	parse_one(s, MATCHER_UTF8);
	parse_one(s, MATCHER_CLASSIC);
	as_regex(s);
	free(s);
	return 0;
}
