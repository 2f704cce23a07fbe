/*
 * t/unit/mask.c: secrets masked and output made valid UTF-8 whatever the
 * pieces the output comes in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "extern.h"

/* Mask in, fed in pieces of size step (0: all at once). */
static char *
masked(json_t *secrets, const char *in, size_t len, size_t step)
{
	struct mask	 m;
	struct sbuf	 out = { NULL, 0, 0 };
	size_t		 off = 0;

	mask_init(&m, secrets);
	if (step == 0)
		step = len ? len : 1;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;

		assert_int_equal(mask_feed(&m, in + off, n, &out), 0);
		off += n;
	}
	assert_int_equal(mask_finish(&m, &out), 0);
	mask_free(&m);
	if (out.p == NULL)
		return strdup("");
	return out.p;
}

static void
every_split(json_t *secrets, const char *in, size_t len, const char *want)
{
	size_t step;

	for (step = 0; step <= len + 1; step++) {
		char *got = masked(secrets, in, len, step);

		assert_string_equal(got, want);
		free(got);
	}
}

static void
test_secret_split_anywhere(void **state)
{
	json_t *s = json_pack("[s,s,s]", "hunter2", "hunter2-long", "");
	const char in[] = "pw=hunter2-long and hunter2, hunter\nnext hunter2\n";

	(void)state;
	every_split(s, in, sizeof(in) - 1,
	    "pw=*** and ***, hunter\nnext ***\n");
	json_decref(s);
}

static void
test_no_newline_at_end(void **state)
{
	json_t *s = json_pack("[s]", "abc");

	(void)state;
	every_split(s, "xxabc", 5, "xx***");
	json_decref(s);
}

static void
test_utf8(void **state)
{
	/* é, a lone continuation byte, a truncated 3-byte sequence, NUL */
	const char in[] = "a\xc3\xa9" "b\x80" "c\xe2\x82" "d\0e\xf0\x9f\x98\x80";
	const char want[] = "a\xc3\xa9" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d"
	    "\xef\xbf\xbd" "e\xf0\x9f\x98\x80";

	(void)state;
	every_split(NULL, in, sizeof(in) - 1, want);
}

static void
test_truncated_at_end(void **state)
{
	(void)state;
	every_split(NULL, "ok\xe2\x82", 4, "ok\xef\xbf\xbd");
}

static void
test_secret_with_utf8(void **state)
{
	json_t *s = json_pack("[s]", "p\xc3\xa4ss");

	(void)state;
	every_split(s, "x p\xc3\xa4ss y\n", 10, "x *** y\n");
	json_decref(s);
}

static void
test_long_line(void **state)
{
	json_t	*s = json_pack("[s]", "SECRETVALUE");
	size_t	 len = 300000, i;
	char	*in = malloc(len + 1), *got, *p;

	(void)state;
	memset(in, 'a', len);
	in[len] = '\0';
	for (i = 1000; i + 11 < len; i += 65531)
		memcpy(in + i, "SECRETVALUE", 11);
	got = masked(s, in, len, 65536);
	assert_null(strstr(got, "SECRET"));
	for (i = 0, p = got; (p = strstr(p, "***")) != NULL; p += 3)
		i++;
	assert_int_equal(i, 5);
	free(got);
	got = masked(s, in, len, 4093);
	assert_null(strstr(got, "SECRET"));
	free(got);
	free(in);
	json_decref(s);
}

static void
test_mask_string(void **state)
{
	json_t	*s = json_pack("[s]", "tok");
	char	*got = mask_string(s, "a tok b");

	(void)state;
	assert_string_equal(got, "a *** b");
	free(got);
	json_decref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_split_anywhere),
		cmocka_unit_test(test_no_newline_at_end),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_truncated_at_end),
		cmocka_unit_test(test_secret_with_utf8),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_mask_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
