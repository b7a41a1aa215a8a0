/*
 * test_intern.c - shared strings: one copy per distinct string while it
 * is referenced, gone with the last reference.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "intern.h"

Test(intern, equal_strings_share_one_copy)
{
	const char *a = intern_get("warning!", 7);
	const char *b = intern_get("warning", 7);

	cr_assert_eq(a, b);
	cr_assert_str_eq(a, "warning");
	cr_assert_eq(intern_count(), 1);
	cr_assert_eq(intern_ref(a), a);
	intern_release(a);
	intern_release(b);
	cr_assert_eq(intern_count(), 1);
	intern_release(a);
	cr_assert_eq(intern_count(), 0);
	intern_release(NULL);
}

Test(intern, maybe_shares_from_the_second_sighting)
{
	const char *s;

	cr_assert_null(intern_maybe("host-1", 6, 0), "not learning");
	cr_assert_null(intern_maybe("host-1", 6, 1), "first sighting");
	s = intern_maybe("host-1", 6, 1);
	cr_assert_not_null(s, "second sighting");
	cr_assert_eq(intern_maybe("host-1", 6, 0), s, "shared ones are found");
	intern_release(s);
	intern_release(s);
	cr_assert_eq(intern_count(), 0);
}

Test(intern, many_strings_grow_and_shrink)
{
	static const char *v[5000];
	char name[32];

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5000; i++) {
			snprintf(name, sizeof name, "value-%d", i);
			v[i] = intern_get(name, strlen(name));
		}
		cr_assert_eq(intern_count(), 5000);
		/* release every other one, then check the rest are found */
		for (int i = 0; i < 5000; i += 2)
			intern_release(v[i]);
		cr_assert_eq(intern_count(), 2500);
		for (int i = 1; i < 5000; i += 2) {
			snprintf(name, sizeof name, "value-%d", i);
			cr_assert_eq(intern_maybe(name, strlen(name), 0), v[i]);
			intern_release(v[i]);
		}
		for (int i = 1; i < 5000; i += 2)
			intern_release(v[i]);
		cr_assert_eq(intern_count(), 0);
	}
}
