/*
 * test_util.c - buffers, Go-style quoting, UTF-8, edit distance, paths,
 * file reading, and the diagnostics list (diag.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

/* ---------------------------------------------------------------- buffers */

Test(util, buf_basics)
{
	struct buf b = {0};
	char *s;

	cr_assert_str_eq(buf_str(&b), "");
	buf_puts(&b, "ab");
	buf_putc(&b, 'c');
	buf_add(&b, "dexx", 2);
	buf_printf(&b, "%d-%s", 42, "z");
	cr_assert_str_eq(buf_str(&b), "abcde42-z");
	cr_assert_eq(b.len, 9);
	buf_reset(&b);
	cr_assert_str_eq(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		buf_puts(&b, "0123456789");
	cr_assert_eq(b.len, 10000);
	cr_assert_eq(strlen(b.s), 10000);
	s = buf_take(&b);
	cr_assert_null(b.s);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(strlen(s), 10000);
	free(s);
	s = buf_take(&b); /* an empty buffer hands over "" */
	cr_assert_str_eq(s, "");
	free(s);
	buf_printf(&b, "%s", "");
	cr_assert_str_eq(buf_str(&b), "");
	buf_free(&b);
	buf_free(&b);
}

Test(util, xasprintf_and_strdup)
{
	char *s = xasprintf("%s=%05.1f", "x", 3.14159);
	char *t = xstrndup("abcdef", 3);
	char *e = xasprintf("%s", "");

	cr_assert_str_eq(s, "x=003.1");
	cr_assert_str_eq(t, "abc");
	cr_assert_str_eq(e, "");
	free(s);
	free(t);
	free(e);
}

static char *quote(const char *s)
{
	struct buf b = {0};

	buf_quote(&b, s);
	return buf_take(&b);
}

Test(util, buf_quote_like_go_strconv_quote)
{
	/* Expected strings are Go's strconv.Quote of the same input. */
	static const struct {
		const char *in, *out;
	} t[] = {
	    {"", "\"\""},
	    {"plain", "\"plain\""},
	    {"a\"b\\c", "\"a\\\"b\\\\c\""},
	    {"\a\b\f\n\r\t\v", "\"\\a\\b\\f\\n\\r\\t\\v\""},
	    {"\x01\x1f\x7f", "\"\\x01\\x1f\\x7f\""},
	    {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\xa5",
	     "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\xa5\""},
	    {"\xff", "\"\\xff\""},
	    {"a\xe2\x82z", "\"a\\xe2\\x82z\""},
	    {"\xed\xa0\x80", "\"\\xed\\xa0\\x80\""},
	    {"\xc2\x80\xc2\x9f\xc2\xa0", "\"\\u0080\\u009f\\u00a0\""},
	    {"\xc2\xad\xc2\xa1\xc3\xbf", "\"\\u00ad\xc2\xa1\xc3\xbf\""},
	};

	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		char *s = quote(t[i].in);

		cr_assert_str_eq(s, t[i].out, "row %zu", i);
		free(s);
	}
}

/* ---------------------------------------------------------------- strings */

Test(util, utf8_valid)
{
	cr_assert(utf8_valid("", 0));
	cr_assert(utf8_valid("abc", 3));
	cr_assert(utf8_valid("\xc3\xa9", 2));
	cr_assert(utf8_valid("\xef\xbf\xbf", 3));
	cr_assert(utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
	cr_assert(utf8_valid("a\0b", 3), "NUL is valid UTF-8");
	cr_assert_not(utf8_valid("\xc3", 1));
	cr_assert_not(utf8_valid("\xc3\xa9", 1), "length is honoured");
	cr_assert_not(utf8_valid("\xc1\xbf", 2));
	cr_assert_not(utf8_valid("\xe0\x9f\xbf", 3));
	cr_assert_not(utf8_valid("\xed\xbf\xbf", 3));
	cr_assert_not(utf8_valid("\xf4\x90\x80\x80", 4));
	cr_assert_not(utf8_valid("\xf5\x80\x80\x80", 4));
	cr_assert_not(utf8_valid("\x80", 1));
	cr_assert_not(utf8_valid("\xe2\x28\xa1", 3));
}

Test(util, str_distance)
{
	cr_assert_eq(str_distance("", ""), 0);
	cr_assert_eq(str_distance("for", "for"), 0);
	cr_assert_eq(str_distance("fro", "for"), 2);
	cr_assert_eq(str_distance("labls", "labels"), 1);
	cr_assert_eq(str_distance("kitten", "sitting"), 3);
	cr_assert_eq(str_distance("", "abc"), 3);
	cr_assert_eq(str_distance("abc", ""), 3);
	{
		char long_s[100];

		memset(long_s, 'a', sizeof long_s - 1);
		long_s[sizeof long_s - 1] = '\0';
		cr_assert_eq(str_distance(long_s, "a"), 255);
	}
}

/* ------------------------------------------------------------ files, paths */

Test(util, paths)
{
	struct {
		const char *in, *dir;
	} d[] = {
	    {"a/b/c.yml", "a/b"},
	    {"c.yml", "."},
	    {"/c.yml", "/"},
	    {"/etc/x.yml", "/etc"},
	};

	for (size_t i = 0; i < ARRAY_LEN(d); i++) {
		char *s = path_dir(d[i].in);

		cr_assert_str_eq(s, d[i].dir);
		free(s);
	}
	{
		char *a = path_join("conf", "t.tmpl");
		char *b = path_join("conf", "/abs/t.tmpl");
		char *c = path_join(".", "t.tmpl");
		char *e = path_join(NULL, "t.tmpl");

		cr_assert_str_eq(a, "conf/t.tmpl");
		cr_assert_str_eq(b, "/abs/t.tmpl");
		cr_assert_str_eq(c, "t.tmpl");
		cr_assert_str_eq(e, "t.tmpl");
		free(a);
		free(b);
		free(c);
		free(e);
	}
}

Test(util, file_read)
{
	size_t len = 99;
	char *s = file_read("../shared/corpus/rules/prometheus-testdata/"
			    "rulefmt-testdata/test.yaml",
			    &len);
	char *none;

	cr_assert_not_null(s);
	cr_assert_eq(strlen(s), len);
	cr_assert_gt(len, 0);
	free(s);
	errno = 0;
	none = file_read("no/such/file", &len);
	cr_assert_null(none);
	cr_assert_eq(errno, ENOENT);
	none = file_read("tests", &len); /* a directory */
	cr_assert_null(none);
	cr_assert_eq(errno, EISDIR);
	s = file_read("/dev/null", NULL);
	cr_assert_str_eq(s, "");
	free(s);
}

/* ------------------------------------------------------------------ diags */

Test(diag, format_and_levels)
{
	struct diags d = {0};
	char *s;

	diag_add(&d, DIAG_ERROR, "r.yml", 14, 7, "unknown key \"%s\"", "fro");
	diag_add(&d, DIAG_WARNING, "r.yml", 0, 0, "multiple documents");
	diag_add(&d, DIAG_ERROR, NULL, 0, 0, "no file");
	diag_add(&d, DIAG_ERROR, NULL, 3, 4, "no file but a line");
	cr_assert_eq(d.n, 4);
	cr_assert_eq(d.nerrors, 3);
	s = diag_format(&d.v[0]);
	cr_assert_str_eq(s, "r.yml:14:7: unknown key \"fro\"");
	free(s);
	s = diag_format(&d.v[1]);
	cr_assert_str_eq(s, "r.yml: warning: multiple documents");
	free(s);
	s = diag_format(&d.v[2]);
	cr_assert_str_eq(s, "no file");
	free(s);
	s = diag_format(&d.v[3]);
	cr_assert_str_eq(s, "3:4: no file but a line");
	free(s);
	diags_free(&d);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(d.nerrors, 0);
	diags_free(&d);
}

Test(diag, print)
{
	struct diags d = {0};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	diag_add(&d, DIAG_ERROR, "a.yml", 1, 2, "one");
	diag_add(&d, DIAG_WARNING, "b.yml", 3, 4, "two");
	diags_print(&d, f);
	fclose(f);
	cr_assert_str_eq(out, "a.yml:1:2: one\nb.yml:3:4: warning: two\n");
	free(out);
	diags_free(&d);
}

Test(diag, limit_stops_recording_but_keeps_counting)
{
	struct diags d = {.limit = 2};

	for (int i = 0; i < 5; i++)
		diag_add(&d, DIAG_ERROR, "f", i + 1, 1, "e%d", i);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(d.nerrors, 5);
	diags_free(&d);
}

Test(diag, many)
{
	struct diags d = {0};

	for (int i = 0; i < 1000; i++)
		diag_add(&d, DIAG_WARNING, "f", i, 1, "w");
	cr_assert_eq(d.n, 1000);
	cr_assert_eq(d.nerrors, 0);
	cr_assert_eq(d.v[999].line, 999);
	diags_free(&d);
}
