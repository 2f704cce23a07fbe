/*
 * t/unit/valid.c: the validation rules (lib/valid.c) and the request body
 * checks (fcgi/resp_validate.c). Body cases are golden files:
 * t/json/{create,update}/CASE/input and .../expected, where expected is
 * "ok" or "FIELD: MESSAGE" of the refusal.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extern.h"

#define S(x)	x, sizeof(x) - 1

static void
test_names(void **state)
{
	(void)state;
	assert_null(valid_name(S("a")));
	assert_null(valid_name(S("pr-42")));
	assert_null(valid_name(S("a0-b1-c2")));
	assert_null(valid_name(S("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc")));
	assert_non_null(valid_name(S("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd")));
	assert_non_null(valid_name(S("")));
	assert_non_null(valid_name(S("Pr")));
	assert_non_null(valid_name(S("1pr")));
	assert_non_null(valid_name(S("-pr")));
	assert_non_null(valid_name(S("pr-")));
	assert_non_null(valid_name(S("pr_1")));
	assert_non_null(valid_name(S("pr.1")));
	assert_non_null(valid_name(S("../x")));
	assert_non_null(valid_name(S("a b")));
	assert_non_null(valid_name(S("a;b")));
	assert_non_null(valid_name("a\0b", 3));
	assert_non_null(valid_name(S("\xc3\xa9t\xc3\xa9")));
	assert_string_equal(valid_name(S("pr-")), "name must not end with '-'");
}

static void
test_tags(void **state)
{
	(void)state;
	assert_null(valid_tag(S("v1.2.3")));
	assert_null(valid_tag(S("latest")));
	assert_null(valid_tag(S("_x-Y.z")));
	assert_non_null(valid_tag(S("")));
	assert_non_null(valid_tag(S(".v1")));
	assert_non_null(valid_tag(S("-v1")));
	assert_non_null(valid_tag(S("v 1")));
	assert_non_null(valid_tag(S("v1;ls")));
	assert_non_null(valid_tag(S("v1:2")));
}

static void
test_keys_values(void **state)
{
	(void)state;
	assert_null(valid_key(S("image.repository")));
	assert_null(valid_key(S("LOG_LEVEL")));
	assert_null(valid_key(S("a/b-c")));
	assert_non_null(valid_key(S("")));
	assert_non_null(valid_key(S(".a")));
	assert_non_null(valid_key(S("a b")));
	assert_non_null(valid_key(S("a=b")));
	assert_null(valid_value(S("")));
	assert_null(valid_value(S("hello $(rm -rf /); `x` 'q' \"d\" \xc3\xa9")));
	assert_non_null(valid_value(S("a\nb")));
	assert_non_null(valid_value(S("a\rb")));
	assert_non_null(valid_value("a\0b", 3));
	assert_non_null(valid_value(S("\xff")));
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid(S("plain")));
	assert_true(utf8_valid(S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\x99")));
	assert_false(utf8_valid(S("\xc0\xaf")));		/* overlong */
	assert_false(utf8_valid(S("\xe0\x80\xaf")));		/* overlong */
	assert_false(utf8_valid(S("\xed\xa0\x80")));		/* surrogate */
	assert_false(utf8_valid(S("\xf4\x90\x80\x80")));	/* > U+10FFFF */
	assert_false(utf8_valid(S("\xe2\x82")));		/* truncated */
	assert_false(utf8_valid(S("\x80")));
}

static void
test_query(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(query_get("a=1&b=two", "b", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "two");
	assert_int_equal(query_get("ab=1&b=2", "b", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "2");
	assert_int_equal(query_get("a=1", "b", buf, sizeof(buf)), 0);
	assert_int_equal(query_get("", "b", buf, sizeof(buf)), 0);
	assert_int_equal(query_get("q=a%20b+c", "q", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "a b c");
	assert_int_equal(query_get("q=%C3%A9", "q", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "\xc3\xa9");
	assert_int_equal(query_get("q", "q", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "");
	assert_int_equal(query_get("q=%00", "q", buf, sizeof(buf)), -1);
	assert_int_equal(query_get("q=%ff", "q", buf, sizeof(buf)), -1);
	assert_int_equal(query_get("q=%4", "q", buf, sizeof(buf)), -1);
	assert_int_equal(query_get("q=%zz", "q", buf, sizeof(buf)), -1);
	assert_int_equal(query_get("q=0123456789abcdef", "q", buf,
	    sizeof(buf)), -1);
}

/* Every t/json/KIND/CASE: check(input) gives expected. */
static void
golden(const char *kind, int (*check)(json_t *, struct verr *))
{
	char		 dir[512], path[1024], want[512], got[512];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(dir, sizeof(dir), "t/json/%s", kind);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		json_error_t	 jerr;
		json_t		*in;
		struct verr	 e;
		FILE		*f;
		size_t		 len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/input", dir, de->d_name);
		in = json_load_file(path, 0, &jerr);
		if (in == NULL)
			fail_msg("%s: %s", path, jerr.text);
		snprintf(path, sizeof(path), "%s/%s/expected", dir, de->d_name);
		assert_non_null(f = fopen(path, "r"));
		len = fread(want, 1, sizeof(want) - 1, f);
		fclose(f);
		want[len] = '\0';
		while (len > 0 && want[len - 1] == '\n')
			want[--len] = '\0';
		memset(&e, 0, sizeof(e));
		if (check(in, &e) == 0)
			snprintf(got, sizeof(got), "ok");
		else
			snprintf(got, sizeof(got), "%s: %s", e.field, e.msg);
		json_decref(in);
		if (strcmp(got, want) != 0)
			fail_msg("%s/%s: got \"%s\", want \"%s\"", kind,
			    de->d_name, got, want);
		n++;
	}
	closedir(d);
	assert_true(n > 0);
}

static void
test_create_bodies(void **state)
{
	(void)state;
	golden("create", valid_create);
}

static void
test_update_bodies(void **state)
{
	(void)state;
	golden("update", valid_update);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_keys_values),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_create_bodies),
		cmocka_unit_test(test_update_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
